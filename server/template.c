/* template.c: renders the Jinja subset OSMO specs use, with a map from output to source. */
#include "server/template_impl.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The words OSMO substitutes at run time; "input:" and "host:" take a name or index. */
static const char *const template_token_words[] = { "output", "workflow_id", "uuid" };
static const char *const template_token_prefixes[] = { "input:", "host:" };

/* ---- Errors ---- */

__attribute__((format(printf, 3, 4))) int
template_error(struct template_ctx *ctx, size_t at, const char *fmt, ...)
{
	struct strbuf sb = { 0 };
	unsigned line, col;
	va_list ap;

	if (ctx->fatal)
		return -1;
	for (size_t i = 0; i < ctx->nerrors; i++)
		if (ctx->error_at[i] == at)
			return -1;
	if (ctx->nerrors == TEMPLATE_MAX_ERRORS) {
		strv_push(ctx->errors, "too many errors; stopping");
		ctx->fatal = true;
		return -1;
	}
	ctx->error_at = xreallocarray(ctx->error_at, ctx->nerrors + 1, sizeof(*ctx->error_at));
	ctx->error_at[ctx->nerrors++] = at;
	template_line_col(ctx->src->text, ctx->src->len, at, &line, &col);
	strbuf_addf(&sb, "%s:%u:%u: ", ctx->src->filename, line, col);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	strv_push_owned(ctx->errors, strbuf_detach(&sb));
	return -1;
}

/* Like template_error, but nothing after it can be trusted: the render stops. */
__attribute__((format(printf, 3, 4))) int
template_fatal(struct template_ctx *ctx, size_t at, const char *fmt, ...)
{
	char *msg;
	struct strbuf sb = { 0 };
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	msg = strbuf_detach(&sb);
	template_error(ctx, at, "%s", msg);
	free(msg);
	ctx->fatal = true;
	return -1;
}

/* Names and literals from the template may hold anything; errors stay one printable line. */
static void
template_add_quoted(struct strbuf *sb, const char *s, size_t n)
{
	size_t max = n > 60 ? 60 : n;

	for (size_t i = 0; i < max; i++) {
		unsigned char c = (unsigned char)s[i];

		strbuf_addch(sb, c < 0x20 || c == 0x7f ? '?' : (char)c);
	}
	if (max < n)
		strbuf_addstr(sb, "...");
}

char *
template_quote(const char *s, size_t n)
{
	struct strbuf sb = { 0 };

	template_add_quoted(&sb, s, n);
	return strbuf_detach(&sb);
}

bool
template_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* ---- Variables ---- */

struct template_value *
template_vars_find(const struct template_vars *vars, const char *name)
{
	for (size_t i = vars->n; i-- > 0;)
		if (strcmp(vars->names[i], name) == 0)
			return &vars->values[i];
	return NULL;
}

void
template_vars_push(struct template_vars *vars, const char *name, struct template_value value)
{
	vars->names = xreallocarray(vars->names, vars->n + 1, sizeof(*vars->names));
	vars->values = xreallocarray(vars->values, vars->n + 1, sizeof(*vars->values));
	vars->names[vars->n] = xstrdup(name);
	vars->values[vars->n++] = value;
}

void
template_vars_set(struct template_vars *vars, const char *name, struct template_value value)
{
	struct template_value *old = template_vars_find(vars, name);

	if (old) {
		template_value_free(old);
		*old = value;
		return;
	}
	template_vars_push(vars, name, value);
}

void
template_vars_set_str(struct template_vars *vars, const char *name, const char *value)
{
	template_vars_set(vars, name, template_value_str(value, strlen(value)));
}

int
template_vars_assign(struct template_vars *vars, const char *assignment, bool as_string, char **err)
{
	const char *eq = strchr(assignment, '=');
	long long i;
	double f;

	*err = NULL;
	if (!eq || eq == assignment) {
		char *q = template_quote(assignment, strlen(assignment));

		*err = xasprintf("'%s' is not name=value", q);
		free(q);
		return -1;
	}
	char *name = xstrndup(assignment, (size_t)(eq - assignment));
	const char *value = eq + 1;
	/* Python's int() and float() ignore surrounding whitespace. */
	char *trimmed = xstrdup(value), *a = trimmed, *b;
	while (template_is_space(*a))
		a++;
	for (b = a + strlen(a); b > a && template_is_space(b[-1]); b--)
		b[-1] = '\0';
	if (as_string)
		template_vars_set_str(vars, name, value);
	else if (template_value_parse_int(a, &i))
		template_vars_set(vars, name, template_value_int(i));
	else if (template_value_parse_float(a, &f))
		template_vars_set(vars, name, template_value_float(f));
	else
		template_vars_set_str(vars, name, value);
	free(trimmed);
	free(name);
	return 0;
}

const struct template_value *
template_vars_get(const struct template_vars *vars, const char *name)
{
	return template_vars_find(vars, name);
}

void
template_vars_free(struct template_vars *vars)
{
	for (size_t i = 0; i < vars->n; i++) {
		free(vars->names[i]);
		template_value_free(&vars->values[i]);
	}
	free(vars->names);
	free(vars->values);
	*vars = (struct template_vars){ 0 };
}

bool
template_is_special_token(const char *inner, size_t len)
{
	size_t a = 0, b = len;

	while (a < b && inner[a] == ' ')
		a++;
	while (b > a && inner[b - 1] == ' ')
		b--;
	for (size_t i = 0; i < ARRAY_SIZE(template_token_words); i++) {
		size_t n = strlen(template_token_words[i]);

		if (b - a == n && memcmp(inner + a, template_token_words[i], n) == 0)
			return true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(template_token_prefixes); i++) {
		size_t n = strlen(template_token_prefixes[i]);

		if (b - a > n && memcmp(inner + a, template_token_prefixes[i], n) == 0 &&
		    !memchr(inner + a, '}', b - a) && !memchr(inner + a, '{', b - a) &&
		    !memchr(inner + a, '\n', b - a))
			return true;
	}
	return false;
}

void
template_line_col(const char *text, size_t len, size_t off, unsigned *line, unsigned *col)
{
	const char *p = text, *end = text + (off < len ? off : len), *nl;
	unsigned l = 1, c = 1;

	while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
		l++;
		p = nl + 1;
	}
	for (; p < end; p++)
		c += ((unsigned char)*p & 0xc0) != 0x80;
	*line = l;
	*col = c;
}

int
template_render(const struct template_source *src, const struct template_vars *vars,
                struct template_output *out, struct strv *errors)
{
	struct template_ctx ctx = { .src = src, .vars = vars, .errors = errors };
	struct template_nodes root = { 0 };
	int rc = 0;

	*out = (struct template_output){ 0 };
	if (template_parse(&ctx, &root) < 0)
		rc = -1;
	if (rc == 0) {
		template_eval_render(&ctx, &root);
		rc = ctx.nerrors || ctx.fatal ? -1 : 0;
	}
	template_parse_nodes_free(&root);
	free(ctx.error_at);
	free(ctx.frames);
	template_vars_free(&ctx.scope);
	if (rc < 0) {
		strbuf_free(&ctx.out);
		free(ctx.spans);
		return -1;
	}
	out->len = ctx.out.len;
	out->text = strbuf_detach(&ctx.out);
	out->spans = ctx.spans;
	out->nspans = ctx.nspans;
	return 0;
}

size_t
template_source_offset(const struct template_output *out, size_t off)
{
	size_t lo = 0, hi = out->nspans;

	if (out->nspans == 0)
		return off;
	/* The last span starting at or before off. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (out->spans[mid].out <= off)
			lo = mid;
		else
			hi = mid;
	}
	const struct template_span *s = &out->spans[lo];
	if (!s->literal)
		return s->src;
	if (off >= s->out + s->len)
		return s->src + s->len;
	return s->src + (off - s->out);
}

void
template_output_free(struct template_output *out)
{
	free(out->text);
	free(out->spans);
	*out = (struct template_output){ 0 };
}
