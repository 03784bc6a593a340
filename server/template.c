/* template.c: renders the Jinja subset OSMO specs use, with a map from output to source. */
#include "server/template.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- Chunks: the template split into text and tags ---- */

enum template_chunk_kind {
	TEMPLATE_CHUNK_TEXT,
	TEMPLATE_CHUNK_EXPR,
	TEMPLATE_CHUNK_STMT,
};

struct template_chunk {
	enum template_chunk_kind kind;
	size_t start, end; /* TEXT: its bytes; EXPR and STMT: what is inside the delimiters */
	size_t at;         /* where the tag opens (the text start for TEXT) */
};

struct template_chunks {
	struct template_chunk *v;
	size_t n, cap;
};

/* ---- Expressions ---- */

enum template_op {
	TEMPLATE_OP_LIT,
	TEMPLATE_OP_NAME,
	TEMPLATE_OP_LIST,
	TEMPLATE_OP_NOT,
	TEMPLATE_OP_NEG,
	TEMPLATE_OP_POS,
	TEMPLATE_OP_AND,
	TEMPLATE_OP_OR,
	TEMPLATE_OP_EQ,
	TEMPLATE_OP_NE,
	TEMPLATE_OP_LT,
	TEMPLATE_OP_GT,
	TEMPLATE_OP_LE,
	TEMPLATE_OP_GE,
	TEMPLATE_OP_IN,
	TEMPLATE_OP_NOTIN,
	TEMPLATE_OP_ADD,
	TEMPLATE_OP_SUB,
	TEMPLATE_OP_CONCAT,
	TEMPLATE_OP_MUL,
	TEMPLATE_OP_DIV,
	TEMPLATE_OP_FLOORDIV,
	TEMPLATE_OP_MOD,
	TEMPLATE_OP_COND,
	TEMPLATE_OP_FILTER,
	TEMPLATE_OP_TEST,
	TEMPLATE_OP_CALL,
	TEMPLATE_OP_INDEX,
};

struct template_expr {
	enum template_op op;
	size_t at;                   /* source offset, for errors */
	struct template_value lit;   /* LIT */
	char *name;                  /* NAME; FILTER, TEST and CALL: which */
	struct template_expr **args; /* operands; FILTER/TEST: the subject first */
	size_t nargs;
	bool negate; /* TEST: "is not" */
};

/* ---- Statements ---- */

enum template_node_kind {
	TEMPLATE_NODE_TEXT,
	TEMPLATE_NODE_OUTPUT,
	TEMPLATE_NODE_FOR,
	TEMPLATE_NODE_IF,
	TEMPLATE_NODE_SET,
};

struct template_nodes {
	struct template_node *v;
	size_t n, cap;
};

/* One "if" or "elif" (cond set) or the "else" (cond NULL). */
struct template_branch {
	struct template_expr *cond;
	struct template_nodes body;
};

struct template_node {
	enum template_node_kind kind;
	size_t at;                  /* TEXT: first byte; others: the tag */
	size_t len;                 /* TEXT */
	struct template_expr *expr; /* OUTPUT; FOR: the iterable; SET: the value */
	char *name;                 /* FOR: the loop variable; SET: the target */
	struct template_nodes body, orelse;
	struct template_branch *branches; /* IF */
	size_t nbranches;
};

/* ---- Expression tokens ---- */

enum template_tok {
	TEMPLATE_TOK_END,
	TEMPLATE_TOK_NAME,
	TEMPLATE_TOK_INT,
	TEMPLATE_TOK_FLOAT,
	TEMPLATE_TOK_STR,
	TEMPLATE_TOK_OP,
};

struct template_token {
	enum template_tok kind;
	size_t at, len;
	long long i;
	double f;
	char *s; /* STR: decoded */
};

/* State shared by lexing, parsing and rendering one template. */
struct template_ctx {
	const struct template_source *src;
	const struct template_vars *vars;
	struct strv *errors;
	size_t nerrors;
	size_t *error_at; /* offsets already reported, so a loop reports a place once */
	bool fatal;       /* stop everything: a limit was hit or errors overflowed */

	/* Parsing one tag's inside. */
	size_t pos, end;
	struct template_token tok;
	unsigned depth;
	size_t nexpr; /* values and filters in this tag: long chains nest as deep as they are long */

	/* Rendering. */
	struct template_vars scope; /* set and loop variables, innermost last */
	size_t *frames;
	size_t nframes;
	struct strbuf out;
	struct template_span *spans;
	size_t nspans, spans_cap;
	size_t lines, iterations;
};

/* Python's names for the types, as its error messages spell them. */
static const char *const template_type_names[] = {
	[TEMPLATE_NONE] = "NoneType",       [TEMPLATE_BOOL] = "bool",   [TEMPLATE_INT] = "int",
	[TEMPLATE_FLOAT] = "float",         [TEMPLATE_STR] = "str",     [TEMPLATE_LIST] = "list",
	[TEMPLATE_UNDEFINED] = "undefined", [TEMPLATE_RANGE] = "range",
};

/* Two-character operators first, so "//" is not read as "/". */
static const char *const template_ops[] = {
	"==", "!=", "<=", ">=", "//", "**", "+", "-", "*", "/", "%", "<", ">",
	"(",  ")",  "[",  "]",  ",",  "|",  "~", "=", ".", ":", "{", "}",
};

struct template_opname {
	const char *text;
	enum template_op op;
};

/* Binary operators by precedence, loosest first; "not" as a prefix sits between and/compare. */
static const struct template_opname template_or_ops[] = { { "or", TEMPLATE_OP_OR } };
static const struct template_opname template_and_ops[] = { { "and", TEMPLATE_OP_AND } };
static const struct template_opname template_cmp_ops[] = {
	{ "==", TEMPLATE_OP_EQ }, { "!=", TEMPLATE_OP_NE }, { "<", TEMPLATE_OP_LT },
	{ ">", TEMPLATE_OP_GT },  { "<=", TEMPLATE_OP_LE }, { ">=", TEMPLATE_OP_GE },
	{ "in", TEMPLATE_OP_IN },
};
static const struct template_opname template_add_ops[] = { { "+", TEMPLATE_OP_ADD },
	                                                   { "-", TEMPLATE_OP_SUB } };
static const struct template_opname template_concat_ops[] = { { "~", TEMPLATE_OP_CONCAT } };
static const struct template_opname template_mul_ops[] = {
	{ "*", TEMPLATE_OP_MUL },
	{ "/", TEMPLATE_OP_DIV },
	{ "//", TEMPLATE_OP_FLOORDIV },
	{ "%", TEMPLATE_OP_MOD },
};

struct template_level {
	const struct template_opname *ops;
	size_t n;
	bool prefix_not;
};

static const struct template_level template_levels[] = {
	{ template_or_ops, ARRAY_SIZE(template_or_ops), false },
	{ template_and_ops, ARRAY_SIZE(template_and_ops), false },
	{ NULL, 0, true },
	{ template_cmp_ops, ARRAY_SIZE(template_cmp_ops), false },
	{ template_add_ops, ARRAY_SIZE(template_add_ops), false },
	{ template_concat_ops, ARRAY_SIZE(template_concat_ops), false },
	{ template_mul_ops, ARRAY_SIZE(template_mul_ops), false },
};

/* The words OSMO substitutes at run time; "input:" and "host:" take a name or index. */
static const char *const template_token_words[] = { "output", "workflow_id", "uuid" };
static const char *const template_token_prefixes[] = { "input:", "host:" };

/* ---- Errors ---- */

__attribute__((format(printf, 3, 4))) static int
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
__attribute__((format(printf, 3, 4))) static int
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

static char *
template_quote(const char *s, size_t n)
{
	struct strbuf sb = { 0 };

	template_add_quoted(&sb, s, n);
	return strbuf_detach(&sb);
}

/* ---- Values ---- */

static bool
template_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static struct template_value
template_str_value(const char *s, size_t n)
{
	return (struct template_value){ .type = TEMPLATE_STR, .s = xstrndup(s, n), .n = n };
}

/* sb's text as a string value; sb is left empty. */
static struct template_value
template_str_take(struct strbuf *sb)
{
	size_t n = sb->len;

	return (struct template_value){ .type = TEMPLATE_STR, .s = strbuf_detach(sb), .n = n };
}

static struct template_value
template_int_value(long long i)
{
	return (struct template_value){ .type = TEMPLATE_INT, .i = i };
}

static struct template_value
template_float_value(double f)
{
	return (struct template_value){ .type = TEMPLATE_FLOAT, .f = f };
}

static struct template_value
template_bool_value(bool b)
{
	return (struct template_value){ .type = TEMPLATE_BOOL, .b = b };
}

/* Python's repr of a float: the shortest digits that read back the same. */
static void
template_format_float(double f, struct strbuf *sb)
{
	char buf[64], digits[32];
	int exp10 = 0, nd = 0;

	if (isnan(f)) {
		strbuf_addstr(sb, "nan");
		return;
	}
	if (isinf(f)) {
		strbuf_addstr(sb, f < 0 ? "-inf" : "inf");
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, f);
		if (strtod(buf, NULL) == f)
			break;
	}
	/* buf is "-d.ddde+XX": collect the digits and the exponent. */
	const char *p = buf;
	if (*p == '-') {
		strbuf_addch(sb, '-');
		p++;
	}
	for (; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9' && nd < (int)sizeof(digits) - 1)
			digits[nd++] = *p;
	if (*p == 'e')
		exp10 = atoi(p + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	if (exp10 >= -4 && exp10 < 16) {
		if (exp10 < 0) {
			strbuf_addstr(sb, "0.");
			for (int i = 0; i < -exp10 - 1; i++)
				strbuf_addch(sb, '0');
			strbuf_addstr(sb, digits);
			return;
		}
		for (int i = 0; i <= exp10; i++)
			strbuf_addch(sb, i < nd ? digits[i] : '0');
		strbuf_addch(sb, '.');
		if (nd > exp10 + 1)
			strbuf_addstr(sb, digits + exp10 + 1);
		else
			strbuf_addch(sb, '0');
		return;
	}
	strbuf_addch(sb, digits[0]);
	if (nd > 1) {
		strbuf_addch(sb, '.');
		strbuf_addstr(sb, digits + 1);
	}
	strbuf_addf(sb, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
}

/* Python's repr of a str, as a list prints its items. */
static void
template_format_repr(const struct template_value *v, struct strbuf *sb)
{
	char q = memchr(v->s, '\'', v->n) && !memchr(v->s, '"', v->n) ? '"' : '\'';

	strbuf_addch(sb, q);
	for (size_t i = 0; i < v->n; i++) {
		unsigned char c = (unsigned char)v->s[i];

		if (c == '\\' || c == (unsigned char)q)
			strbuf_addf(sb, "\\%c", c);
		else if (c == '\n')
			strbuf_addstr(sb, "\\n");
		else if (c == '\t')
			strbuf_addstr(sb, "\\t");
		else if (c == '\r')
			strbuf_addstr(sb, "\\r");
		else if (c < 0x20 || c == 0x7f)
			strbuf_addf(sb, "\\x%02x", c);
		else
			strbuf_addch(sb, (char)c);
	}
	strbuf_addch(sb, q);
}

static bool
template_truthy(const struct template_value *v)
{
	switch (v->type) {
	case TEMPLATE_BOOL:
		return v->b;
	case TEMPLATE_INT:
		return v->i != 0;
	case TEMPLATE_FLOAT:
		return v->f != 0.0;
	case TEMPLATE_STR:
	case TEMPLATE_LIST:
		return v->n != 0;
	case TEMPLATE_RANGE:
		return (v->step > 0 && v->i < v->stop) || (v->step < 0 && v->i > v->stop);
	case TEMPLATE_NONE:
	case TEMPLATE_UNDEFINED:
		break;
	}
	return false;
}

/* Numbers as Python sees them: bool is an int. */
static bool
template_numeric(const struct template_value *v, bool *is_float, long long *i, double *f)
{
	*is_float = v->type == TEMPLATE_FLOAT;
	*i = v->type == TEMPLATE_BOOL ? v->b : v->i;
	*f = v->type == TEMPLATE_FLOAT ? v->f : (double)*i;
	return v->type == TEMPLATE_BOOL || v->type == TEMPLATE_INT || v->type == TEMPLATE_FLOAT;
}

static size_t
template_range_len(const struct template_value *v)
{
	if (v->step > 0 && v->i < v->stop)
		return (size_t)(((unsigned long long)v->stop - (unsigned long long)v->i - 1) /
		                        (unsigned long long)v->step +
		                1);
	if (v->step < 0 && v->i > v->stop)
		return (size_t)(((unsigned long long)v->i - (unsigned long long)v->stop - 1) /
		                        ((unsigned long long)(-(v->step + 1)) + 1) +
		                1);
	return 0;
}

static bool
template_equal(const struct template_value *a, const struct template_value *b)
{
	bool af, bf;
	long long ai, bi;
	double ad, bd;

	if (template_numeric(a, &af, &ai, &ad) && template_numeric(b, &bf, &bi, &bd))
		return af || bf ? ad == bd : ai == bi;
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case TEMPLATE_NONE:
		return true;
	case TEMPLATE_STR:
		return a->n == b->n && memcmp(a->s, b->s, a->n) == 0;
	case TEMPLATE_LIST:
		if (a->n != b->n)
			return false;
		for (size_t i = 0; i < a->n; i++)
			if (!template_equal(&a->items[i], &b->items[i]))
				return false;
		return true;
	case TEMPLATE_RANGE:
		return a->i == b->i && a->stop == b->stop && a->step == b->step;
	default:
		return false;
	}
}

/* ---- Variables ---- */

static struct template_value *
template_vars_find(const struct template_vars *vars, const char *name)
{
	for (size_t i = vars->n; i-- > 0;)
		if (strcmp(vars->names[i], name) == 0)
			return &vars->values[i];
	return NULL;
}

static void
template_vars_push(struct template_vars *vars, const char *name, struct template_value value)
{
	vars->names = xreallocarray(vars->names, vars->n + 1, sizeof(*vars->names));
	vars->values = xreallocarray(vars->values, vars->n + 1, sizeof(*vars->values));
	vars->names[vars->n] = xstrdup(name);
	vars->values[vars->n++] = value;
}

/* Python's int(): optional sign, digits with single underscores between them. */
static bool
template_parse_int(const char *s, long long *out)
{
	char buf[32];
	size_t n = 0;
	const char *p = s;
	char *end;

	if (*p == '+' || *p == '-')
		buf[n++] = *p++;
	if (*p < '0' || *p > '9')
		return false;
	for (; *p; p++) {
		if (*p == '_' && p[1] >= '0' && p[1] <= '9' && p[-1] >= '0' && p[-1] <= '9')
			continue;
		if (*p < '0' || *p > '9' || n == sizeof(buf) - 1)
			return false;
		buf[n++] = *p;
	}
	buf[n] = '\0';
	errno = 0;
	*out = strtoll(buf, &end, 10);
	return errno == 0 && *end == '\0';
}

/* Python's float(): decimal forms with underscores between digits, inf, infinity, nan. */
static bool
template_parse_float(const char *s, double *out)
{
	static const char *const words[] = { "inf", "infinity", "nan" };
	struct strbuf sb = { 0 };
	const char *p = s;
	bool digits = false, ok = true;
	char *end;

	if (*p == '+' || *p == '-')
		strbuf_addch(&sb, *p++);
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		if (strcasecmp(p, words[i]) == 0) {
			strbuf_addstr(&sb, words[i]);
			*out = strtod(sb.buf, NULL);
			strbuf_free(&sb);
			return true;
		}
	}
	for (; *p && ok; p++) {
		bool d = *p >= '0' && *p <= '9';

		if (*p == '_')
			ok = p > s && p[-1] >= '0' && p[-1] <= '9' && p[1] >= '0' && p[1] <= '9';
		else if (d || *p == '.' || *p == 'e' || *p == 'E' || *p == '+' || *p == '-')
			strbuf_addch(&sb, *p);
		else
			ok = false;
		digits |= d;
	}
	if (!ok || !digits || !sb.buf) {
		strbuf_free(&sb);
		return false;
	}
	*out = strtod(sb.buf, &end);
	ok = *end == '\0' && !strpbrk(sb.buf, "xXpP");
	strbuf_free(&sb);
	return ok;
}

/* ---- Chunking ---- */

static void
template_chunk_push(struct template_chunks *cs, enum template_chunk_kind kind, size_t start,
                    size_t end, size_t at)
{
	if (cs->n == cs->cap) {
		cs->cap = cs->cap ? cs->cap * 2 : 64;
		cs->v = xreallocarray(cs->v, cs->cap, sizeof(*cs->v));
	}
	cs->v[cs->n++] = (struct template_chunk){ kind, start, end, at };
}

/* Where the closing delimiter of a tag starts, skipping string literals; SIZE_MAX if none. */
static size_t
template_find_close(const char *t, size_t p, size_t end, char closer, bool strings)
{
	while (p + 1 < end) {
		char c = t[p];

		if (strings && (c == '\'' || c == '"')) {
			for (p++; p < end && t[p] != c; p++)
				if (t[p] == '\\')
					p++;
			p++;
			continue;
		}
		if (c == closer && t[p + 1] == '}')
			return p;
		p++;
	}
	return SIZE_MAX;
}

/* "{% raw %}" or "{%- endraw -%}": whether the tag inside [a, b) is just this word. */
static bool
template_tag_is(const char *t, size_t a, size_t b, const char *word)
{
	size_t n = strlen(word);

	while (a < b && (template_is_space(t[a]) || t[a] == '-' || t[a] == '+'))
		a++;
	while (b > a && (template_is_space(t[b - 1]) || t[b - 1] == '-' || t[b - 1] == '+'))
		b--;
	return b - a == n && memcmp(t + a, word, n) == 0;
}

/* Splits [a, b) into chunks; whitespace control trims the neighbouring text. */
static int
template_chunk_segment(struct template_ctx *ctx, struct template_chunks *cs, size_t a, size_t b,
                       bool *lstrip)
{
	const char *t = ctx->src->text;
	size_t p = a;

	while (p < b) {
		size_t q = p;

		while (q + 1 < b &&
		       !(t[q] == '{' && (t[q + 1] == '{' || t[q + 1] == '%' || t[q + 1] == '#')))
			q++;
		if (q + 1 >= b)
			q = b;
		size_t text_start = p;
		if (*lstrip) {
			while (text_start < q && template_is_space(t[text_start]))
				text_start++;
			*lstrip = false;
		}
		if (q > text_start)
			template_chunk_push(cs, TEMPLATE_CHUNK_TEXT, text_start, q, text_start);
		if (q == b)
			break;

		char kind = t[q + 1];
		size_t inner = q + 2, close, inner_end;
		close = template_find_close(t, inner, b, kind == '{' ? '}' : kind, kind != '#');
		if (close == SIZE_MAX)
			return template_fatal(ctx, q, "'{%c' is never closed with '%s'", kind,
			                      kind == '{'   ? "}}"
			                      : kind == '%' ? "%}"
			                                    : "#}");
		p = close + 2;
		/* Run-time tokens pass through as written, whitespace control and all. */
		if (kind == '{' && template_is_special_token(t + inner, close - inner)) {
			template_chunk_push(cs, TEMPLATE_CHUNK_TEXT, q, p, q);
			continue;
		}
		if (inner < close && t[inner] == '-' && cs->n &&
		    cs->v[cs->n - 1].kind == TEMPLATE_CHUNK_TEXT) {
			struct template_chunk *prev = &cs->v[cs->n - 1];

			while (prev->end > prev->start && template_is_space(t[prev->end - 1]))
				prev->end--;
			if (prev->end == prev->start)
				cs->n--;
		}
		if (inner < close && (t[inner] == '-' || t[inner] == '+'))
			inner++;
		inner_end = close;
		if (inner_end > inner && (t[inner_end - 1] == '-' || t[inner_end - 1] == '+')) {
			*lstrip = t[inner_end - 1] == '-';
			inner_end--;
		}
		if (kind == '#')
			continue;
		if (kind == '{') {
			template_chunk_push(cs, TEMPLATE_CHUNK_EXPR, inner, inner_end, q);
			continue;
		}
		if (!template_tag_is(t, inner, inner_end, "raw")) {
			template_chunk_push(cs, TEMPLATE_CHUNK_STMT, inner, inner_end, q);
			continue;
		}
		/* {% raw %}: everything up to {% endraw %} is text. */
		size_t r = p;
		for (;;) {
			while (r + 1 < b && !(t[r] == '{' && t[r + 1] == '%'))
				r++;
			if (r + 1 >= b)
				return template_fatal(ctx, q,
				                      "'{%% raw %%}' is never closed with "
				                      "'{%% endraw %%}'");
			size_t c = template_find_close(t, r + 2, b, '%', false);
			if (c == SIZE_MAX)
				return template_fatal(ctx, r, "'{%%' is never closed with '%%}'");
			if (template_tag_is(t, r + 2, c, "endraw")) {
				size_t text_start2 = p, text_end = r;

				if (*lstrip)
					while (text_start2 < text_end &&
					       template_is_space(t[text_start2]))
						text_start2++;
				if (t[r + 2] == '-')
					while (text_end > text_start2 &&
					       template_is_space(t[text_end - 1]))
						text_end--;
				*lstrip = c > r + 2 && t[c - 1] == '-';
				if (text_end > text_start2)
					template_chunk_push(cs, TEMPLATE_CHUNK_TEXT, text_start2,
					                    text_end, text_start2);
				p = c + 2;
				break;
			}
			r = c + 2;
		}
	}
	return 0;
}

static int
template_chunk_all(struct template_ctx *ctx, struct template_chunks *cs)
{
	const struct template_source *src = ctx->src;
	size_t skip_start = src->skip_start, skip_end = src->skip_end;
	bool lstrip = false;
	size_t last_end;

	if (skip_end <= skip_start || skip_start > src->len) {
		skip_start = src->len;
		skip_end = src->len;
	}
	if (skip_end > src->len)
		skip_end = src->len;
	if (template_chunk_segment(ctx, cs, 0, skip_start, &lstrip) < 0)
		return -1;
	if (template_chunk_segment(ctx, cs, skip_end, src->len, &lstrip) < 0)
		return -1;
	/* Jinja drops one newline at the very end of the template. */
	last_end = skip_end < src->len ? src->len : skip_start;
	if (cs->n && cs->v[cs->n - 1].kind == TEMPLATE_CHUNK_TEXT &&
	    cs->v[cs->n - 1].end == last_end) {
		struct template_chunk *c = &cs->v[cs->n - 1];

		if (c->end > c->start && src->text[c->end - 1] == '\n')
			c->end--;
		if (c->end > c->start && src->text[c->end - 1] == '\r')
			c->end--;
		if (c->end == c->start)
			cs->n--;
	}
	return 0;
}

/* ---- Expression tokenizer ---- */

static bool
template_name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (!first && c >= '0' && c <= '9');
}

static void
template_token_clear(struct template_token *tok)
{
	free(tok->s);
	*tok = (struct template_token){ 0 };
}

/* A number at t[p]: digits with underscores, a fraction, an exponent. */
static int
template_lex_number(struct template_ctx *ctx, const char *t, size_t p)
{
	struct strbuf sb = { 0 };
	size_t q = p;
	bool is_float = false;
	char *end;

	for (; q < ctx->end; q++) {
		char c = t[q];

		if (c >= '0' && c <= '9')
			strbuf_addch(&sb, c);
		else if (c == '_' && q + 1 < ctx->end && t[q + 1] >= '0' && t[q + 1] <= '9')
			continue;
		else if (c == '.' && !is_float && q + 1 < ctx->end && t[q + 1] >= '0' &&
		         t[q + 1] <= '9') {
			is_float = true;
			strbuf_addch(&sb, c);
		} else if ((c == 'e' || c == 'E') && q + 1 < ctx->end &&
		           ((t[q + 1] >= '0' && t[q + 1] <= '9') ||
		            ((t[q + 1] == '+' || t[q + 1] == '-') && q + 2 < ctx->end &&
		             t[q + 2] >= '0' && t[q + 2] <= '9'))) {
			is_float = true;
			strbuf_addch(&sb, c);
			strbuf_addch(&sb, t[++q]);
		} else
			break;
	}
	ctx->tok.at = p;
	ctx->tok.len = q - p;
	errno = 0;
	if (is_float) {
		ctx->tok.kind = TEMPLATE_TOK_FLOAT;
		ctx->tok.f = strtod(sb.buf, &end);
	} else {
		ctx->tok.kind = TEMPLATE_TOK_INT;
		ctx->tok.i = strtoll(sb.buf, &end, 10);
	}
	strbuf_free(&sb);
	ctx->pos = q;
	if (errno == ERANGE && !is_float)
		return template_error(ctx, p, "number too large");
	return 0;
}

static int
template_lex_string(struct template_ctx *ctx, const char *t, size_t p)
{
	static const char escapes[][2] = { { 'n', '\n' }, { 't', '\t' },  { 'r', '\r' },
		                           { '0', '\0' }, { '\\', '\\' }, { '\'', '\'' },
		                           { '"', '"' } };
	struct strbuf sb = { 0 };
	char quote = t[p];
	size_t q = p + 1;

	strbuf_add(&sb, "", 0);
	for (; q < ctx->end && t[q] != quote; q++) {
		if (t[q] != '\\' || q + 1 >= ctx->end) {
			strbuf_addch(&sb, t[q]);
			continue;
		}
		size_t e = 0;
		while (e < ARRAY_SIZE(escapes) && escapes[e][0] != t[q + 1])
			e++;
		if (e < ARRAY_SIZE(escapes)) {
			strbuf_addch(&sb, escapes[e][1]);
			q++;
		} else {
			strbuf_addch(&sb, '\\');
		}
	}
	if (q >= ctx->end) {
		strbuf_free(&sb);
		return template_error(ctx, p, "string is never closed");
	}
	ctx->tok.kind = TEMPLATE_TOK_STR;
	ctx->tok.at = p;
	ctx->tok.len = q + 1 - p;
	ctx->tok.i = (long long)sb.len;
	ctx->tok.s = strbuf_detach(&sb);
	ctx->pos = q + 1;
	return 0;
}

/* Reads the next token of the tag being parsed into ctx->tok. */
static int
template_next(struct template_ctx *ctx)
{
	const char *t = ctx->src->text;
	size_t p = ctx->pos;

	template_token_clear(&ctx->tok);
	while (p < ctx->end && template_is_space(t[p]))
		p++;
	ctx->tok.at = p;
	ctx->pos = p;
	if (p >= ctx->end) {
		ctx->tok.kind = TEMPLATE_TOK_END;
		return 0;
	}
	if (template_name_char(t[p], true)) {
		size_t q = p;

		while (q < ctx->end && template_name_char(t[q], false))
			q++;
		ctx->tok.kind = TEMPLATE_TOK_NAME;
		ctx->tok.len = q - p;
		ctx->pos = q;
		return 0;
	}
	if (t[p] >= '0' && t[p] <= '9')
		return template_lex_number(ctx, t, p);
	if (t[p] == '\'' || t[p] == '"')
		return template_lex_string(ctx, t, p);
	for (size_t i = 0; i < ARRAY_SIZE(template_ops); i++) {
		size_t n = strlen(template_ops[i]);

		if (p + n <= ctx->end && memcmp(t + p, template_ops[i], n) == 0) {
			ctx->tok.kind = TEMPLATE_TOK_OP;
			ctx->tok.len = n;
			ctx->pos = p + n;
			return 0;
		}
	}
	char *q = template_quote(t + p, 1);
	template_error(ctx, p, "unexpected character '%s'", q);
	free(q);
	return -1;
}

static bool
template_tok_is(const struct template_ctx *ctx, enum template_tok kind, const char *text)
{
	size_t n = strlen(text);

	return ctx->tok.kind == kind && ctx->tok.len == n &&
	       memcmp(ctx->src->text + ctx->tok.at, text, n) == 0;
}

static bool
template_at_op(const struct template_ctx *ctx, const char *op)
{
	return template_tok_is(ctx, TEMPLATE_TOK_OP, op);
}

static bool
template_at_word(const struct template_ctx *ctx, const char *word)
{
	return template_tok_is(ctx, TEMPLATE_TOK_NAME, word);
}

static int
template_unexpected(struct template_ctx *ctx, const char *wanted)
{
	if (ctx->tok.kind == TEMPLATE_TOK_END)
		return template_error(ctx, ctx->tok.at, "expected %s, found the end of the tag",
		                      wanted);
	char *q = template_quote(ctx->src->text + ctx->tok.at, ctx->tok.len);
	template_error(ctx, ctx->tok.at, "expected %s, found '%s'", wanted, q);
	free(q);
	return -1;
}

static int
template_expect_op(struct template_ctx *ctx, const char *op)
{
	char wanted[8];

	if (!template_at_op(ctx, op)) {
		snprintf(wanted, sizeof(wanted), "'%s'", op);
		return template_unexpected(ctx, wanted);
	}
	return template_next(ctx);
}

/* ---- Expression parser ---- */

static void template_expr_free(struct template_expr *e);

static struct template_expr *
template_expr_new(enum template_op op, size_t at)
{
	struct template_expr *e = xcalloc(1, sizeof(*e));

	e->op = op;
	e->at = at;
	return e;
}

static void
template_expr_add(struct template_expr *e, struct template_expr *arg)
{
	e->args = xreallocarray(e->args, e->nargs + 1, sizeof(*e->args));
	e->args[e->nargs++] = arg;
}

static void
template_expr_free(struct template_expr *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nargs; i++)
		template_expr_free(e->args[i]);
	free(e->args);
	free(e->name);
	template_value_free(&e->lit);
	free(e);
}

static struct template_expr *template_parse_expr(struct template_ctx *ctx);
static struct template_expr *template_parse_level(struct template_ctx *ctx, size_t level);

/* "(a, b)" after a filter, test or function name. */
static int
template_parse_args(struct template_ctx *ctx, struct template_expr *e)
{
	if (template_next(ctx) < 0)
		return -1;
	while (!template_at_op(ctx, ")")) {
		struct template_expr *arg = template_parse_expr(ctx);

		if (!arg)
			return -1;
		template_expr_add(e, arg);
		if (template_at_op(ctx, ",")) {
			if (template_next(ctx) < 0)
				return -1;
		} else if (!template_at_op(ctx, ")")) {
			return template_unexpected(ctx, "',' or ')'");
		}
	}
	return template_next(ctx);
}

/* One level deeper into an expression; false (and the render stops) past the limit. */
static bool
template_deeper(struct template_ctx *ctx, size_t at)
{
	if (++ctx->depth <= TEMPLATE_MAX_DEPTH)
		return true;
	template_fatal(ctx, at, "expression nested more than %u levels deep", TEMPLATE_MAX_DEPTH);
	ctx->depth--;
	return false;
}

static struct template_expr *
template_parse_primary(struct template_ctx *ctx)
{
	struct template_expr *e = NULL;
	size_t at = ctx->tok.at;

	if (++ctx->nexpr > TEMPLATE_MAX_EXPR) {
		template_fatal(ctx, at, "expression longer than %u terms", TEMPLATE_MAX_EXPR);
		return NULL;
	}
	if (!template_deeper(ctx, at))
		return NULL;
	switch (ctx->tok.kind) {
	case TEMPLATE_TOK_INT:
		e = template_expr_new(TEMPLATE_OP_LIT, at);
		e->lit = template_int_value(ctx->tok.i);
		break;
	case TEMPLATE_TOK_FLOAT:
		e = template_expr_new(TEMPLATE_OP_LIT, at);
		e->lit = template_float_value(ctx->tok.f);
		break;
	case TEMPLATE_TOK_STR:
		e = template_expr_new(TEMPLATE_OP_LIT, at);
		e->lit = template_str_value(ctx->tok.s, (size_t)ctx->tok.i);
		break;
	case TEMPLATE_TOK_NAME: {
		static const struct {
			const char *word;
			enum template_type type;
			bool b;
		} consts[] = {
			{ "true", TEMPLATE_BOOL, true },   { "True", TEMPLATE_BOOL, true },
			{ "false", TEMPLATE_BOOL, false }, { "False", TEMPLATE_BOOL, false },
			{ "none", TEMPLATE_NONE, false },  { "None", TEMPLATE_NONE, false },
		};
		for (size_t i = 0; i < ARRAY_SIZE(consts) && !e; i++) {
			if (template_at_word(ctx, consts[i].word)) {
				e = template_expr_new(TEMPLATE_OP_LIT, at);
				e->lit = (struct template_value){ .type = consts[i].type,
					                          .b = consts[i].b };
			}
		}
		if (!e) {
			e = template_expr_new(TEMPLATE_OP_NAME, at);
			e->name = xstrndup(ctx->src->text + at, ctx->tok.len);
		}
		break;
	}
	case TEMPLATE_TOK_OP:
		if (template_at_op(ctx, "(")) {
			if (template_next(ctx) < 0 || !(e = template_parse_expr(ctx)))
				goto fail;
			if (template_expect_op(ctx, ")") < 0)
				goto fail;
			ctx->depth--;
			return e;
		}
		if (template_at_op(ctx, "[")) {
			e = template_expr_new(TEMPLATE_OP_LIST, at);
			if (template_next(ctx) < 0)
				goto fail;
			while (!template_at_op(ctx, "]")) {
				struct template_expr *item = template_parse_expr(ctx);

				if (!item)
					goto fail;
				template_expr_add(e, item);
				if (template_at_op(ctx, ",")) {
					if (template_next(ctx) < 0)
						goto fail;
				} else if (!template_at_op(ctx, "]")) {
					template_unexpected(ctx, "',' or ']'");
					goto fail;
				}
			}
			break;
		}
		/* fall through */
	default:
		template_unexpected(ctx, "a value");
		goto fail;
	}
	if (template_next(ctx) < 0)
		goto fail;
	ctx->depth--;
	return e;
fail:
	template_expr_free(e);
	ctx->depth--;
	return NULL;
}

/* Calls, indexes, then (with filters) filters and tests after a primary. */
static struct template_expr *
template_parse_postfix(struct template_ctx *ctx, struct template_expr *e, bool filters)
{
	while (e) {
		size_t at = ctx->tok.at;

		if (template_at_op(ctx, "(")) {
			if (e->op != TEMPLATE_OP_NAME) {
				template_error(ctx, at,
				               "only functions like range() can be called");
				goto fail;
			}
			e->op = TEMPLATE_OP_CALL;
			if (template_parse_args(ctx, e) < 0)
				goto fail;
		} else if (template_at_op(ctx, "[")) {
			struct template_expr *idx = template_expr_new(TEMPLATE_OP_INDEX, at), *sub;

			template_expr_add(idx, e);
			e = idx;
			if (template_next(ctx) < 0 || !(sub = template_parse_expr(ctx)))
				goto fail;
			template_expr_add(e, sub);
			if (template_expect_op(ctx, "]") < 0)
				goto fail;
		} else if (template_at_op(ctx, ".")) {
			template_error(ctx, at, "attribute access ('.') is not supported");
			goto fail;
		} else if (filters && (template_at_op(ctx, "|") || template_at_word(ctx, "is"))) {
			bool filter = template_at_op(ctx, "|");
			struct template_expr *f = template_expr_new(
			        filter ? TEMPLATE_OP_FILTER : TEMPLATE_OP_TEST, at);

			template_expr_add(f, e);
			e = f;
			if (++ctx->nexpr > TEMPLATE_MAX_EXPR) {
				template_fatal(ctx, at, "expression longer than %u terms",
				               TEMPLATE_MAX_EXPR);
				goto fail;
			}
			if (template_next(ctx) < 0)
				goto fail;
			if (!filter && template_at_word(ctx, "not")) {
				e->negate = true;
				if (template_next(ctx) < 0)
					goto fail;
			}
			if (ctx->tok.kind != TEMPLATE_TOK_NAME) {
				template_unexpected(ctx, filter ? "a filter name" : "a test name");
				goto fail;
			}
			e->name = xstrndup(ctx->src->text + ctx->tok.at, ctx->tok.len);
			e->at = ctx->tok.at;
			if (template_next(ctx) < 0)
				goto fail;
			if (template_at_op(ctx, "(") && template_parse_args(ctx, e) < 0)
				goto fail;
		} else {
			return e;
		}
	}
	return NULL;
fail:
	template_expr_free(e);
	return NULL;
}

/* Like Jinja, a sign takes its operand without filters: "-3 | abs" is abs(-3). */
static struct template_expr *
template_parse_unary(struct template_ctx *ctx, bool filters)
{
	size_t at = ctx->tok.at;

	if (template_at_op(ctx, "-") || template_at_op(ctx, "+")) {
		struct template_expr *e = template_expr_new(
		        template_at_op(ctx, "-") ? TEMPLATE_OP_NEG : TEMPLATE_OP_POS, at);
		struct template_expr *sub = NULL;

		if (template_deeper(ctx, at)) {
			if (template_next(ctx) >= 0)
				sub = template_parse_unary(ctx, false);
			ctx->depth--;
		}
		if (!sub) {
			template_expr_free(e);
			return NULL;
		}
		template_expr_add(e, sub);
		return filters ? template_parse_postfix(ctx, e, true) : e;
	}
	return template_parse_postfix(ctx, template_parse_primary(ctx), filters);
}

static const struct template_opname *
template_level_op(struct template_ctx *ctx, const struct template_level *lv, bool *not_in)
{
	*not_in = false;
	if (lv->ops == template_cmp_ops && template_at_word(ctx, "not")) {
		/* "not in" is one operator; peek past "not" without consuming it. */
		size_t p = ctx->pos;
		const char *t = ctx->src->text;

		while (p < ctx->end && template_is_space(t[p]))
			p++;
		if (p + 2 <= ctx->end && memcmp(t + p, "in", 2) == 0 &&
		    (p + 2 == ctx->end || !template_name_char(t[p + 2], false))) {
			*not_in = true;
			return &template_cmp_ops[ARRAY_SIZE(template_cmp_ops) - 1];
		}
		return NULL;
	}
	for (size_t i = 0; i < lv->n; i++) {
		bool word = template_name_char(lv->ops[i].text[0], true);

		if (template_tok_is(ctx, word ? TEMPLATE_TOK_NAME : TEMPLATE_TOK_OP,
		                    lv->ops[i].text))
			return &lv->ops[i];
	}
	return NULL;
}

static struct template_expr *
template_parse_level(struct template_ctx *ctx, size_t level)
{
	const struct template_level *lv;
	struct template_expr *left;

	if (level == ARRAY_SIZE(template_levels))
		return template_parse_unary(ctx, true);
	lv = &template_levels[level];
	if (lv->prefix_not) {
		if (!template_at_word(ctx, "not"))
			return template_parse_level(ctx, level + 1);
		struct template_expr *e = template_expr_new(TEMPLATE_OP_NOT, ctx->tok.at);
		struct template_expr *sub = NULL;

		if (template_deeper(ctx, e->at)) {
			if (template_next(ctx) >= 0)
				sub = template_parse_level(ctx, level);
			ctx->depth--;
		}
		if (!sub) {
			template_expr_free(e);
			return NULL;
		}
		template_expr_add(e, sub);
		return e;
	}
	left = template_parse_level(ctx, level + 1);
	if (!left)
		return NULL;
	for (;;) {
		bool not_in;
		const struct template_opname *op = template_level_op(ctx, lv, &not_in);
		struct template_expr *e, *right;

		if (!op)
			break;
		e = template_expr_new(not_in ? TEMPLATE_OP_NOTIN : op->op, ctx->tok.at);
		template_expr_add(e, left);
		left = e;
		if (template_next(ctx) < 0 || (not_in && template_next(ctx) < 0) ||
		    !(right = template_parse_level(ctx, level + 1))) {
			template_expr_free(left);
			return NULL;
		}
		template_expr_add(left, right);
	}
	return left;
}

/* Jinja's conditional expression: "a if cond else b". */
static struct template_expr *
template_parse_expr(struct template_ctx *ctx)
{
	struct template_expr *e = template_parse_level(ctx, 0);

	while (e && template_at_word(ctx, "if")) {
		struct template_expr *c = template_expr_new(TEMPLATE_OP_COND, ctx->tok.at), *sub;

		template_expr_add(c, e);
		e = c;
		if (template_next(ctx) < 0 || !(sub = template_parse_level(ctx, 0)))
			goto fail;
		template_expr_add(e, sub);
		if (template_at_word(ctx, "else")) {
			if (template_next(ctx) < 0 || !(sub = template_parse_expr(ctx)))
				goto fail;
			template_expr_add(e, sub);
		}
	}
	return e;
fail:
	template_expr_free(e);
	return NULL;
}

/* Sets up tokenizing the inside of a tag and reads its first token. */
static int
template_begin_tag(struct template_ctx *ctx, const struct template_chunk *c)
{
	ctx->pos = c->start;
	ctx->end = c->end;
	ctx->depth = 0;
	ctx->nexpr = 0;
	return template_next(ctx);
}

/* A whole "{{ expr }}" or the rest of a statement: nothing may follow. */
static struct template_expr *
template_parse_tag_expr(struct template_ctx *ctx)
{
	struct template_expr *e = template_parse_expr(ctx);

	if (e && ctx->tok.kind != TEMPLATE_TOK_END) {
		template_unexpected(ctx, "the end of the tag");
		template_expr_free(e);
		return NULL;
	}
	return e;
}

/* ---- Statement parser ---- */

static void template_nodes_free(struct template_nodes *ns);

static void
template_node_free(struct template_node *n)
{
	template_expr_free(n->expr);
	free(n->name);
	template_nodes_free(&n->body);
	template_nodes_free(&n->orelse);
	for (size_t i = 0; i < n->nbranches; i++) {
		template_expr_free(n->branches[i].cond);
		template_nodes_free(&n->branches[i].body);
	}
	free(n->branches);
}

static void
template_nodes_free(struct template_nodes *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		template_node_free(&ns->v[i]);
	free(ns->v);
	*ns = (struct template_nodes){ 0 };
}

static struct template_node *
template_nodes_add(struct template_nodes *ns, enum template_node_kind kind, size_t at)
{
	if (ns->n == ns->cap) {
		ns->cap = ns->cap ? ns->cap * 2 : 8;
		ns->v = xreallocarray(ns->v, ns->cap, sizeof(*ns->v));
	}
	ns->v[ns->n] = (struct template_node){ .kind = kind, .at = at };
	return &ns->v[ns->n++];
}

/* Walks the chunks; which block a statement ends and where the parser stands. */
struct template_parser {
	struct template_ctx *ctx;
	const struct template_chunks *cs;
	size_t i;
};

static int template_parse_block(struct template_parser *tp, struct template_nodes *into,
                                const char *const *enders, size_t nenders, unsigned depth,
                                size_t *ended_by);

static int template_parse_for(struct template_parser *tp, struct template_nodes *into, size_t at,
                              unsigned depth);
static int template_parse_if(struct template_parser *tp, struct template_nodes *into, size_t at,
                             unsigned depth);
static int template_parse_set(struct template_parser *tp, struct template_nodes *into, size_t at,
                              unsigned depth);

/* The statements that open something; the words that end blocks are handled by the caller. */
static const struct {
	const char *word;
	int (*parse)(struct template_parser *, struct template_nodes *, size_t, unsigned);
} template_stmts[] = {
	{ "for", template_parse_for },
	{ "if", template_parse_if },
	{ "set", template_parse_set },
};

static const char *const template_enders[] = { "endfor", "else", "elif", "endif" };

/* A name for a new variable: loop variables and set targets. */
static char *
template_parse_target(struct template_ctx *ctx)
{
	char *name;

	if (ctx->tok.kind != TEMPLATE_TOK_NAME) {
		template_unexpected(ctx, "a variable name");
		return NULL;
	}
	name = xstrndup(ctx->src->text + ctx->tok.at, ctx->tok.len);
	if (template_next(ctx) < 0) {
		free(name);
		return NULL;
	}
	return name;
}

/* Parses a block that must be ended by one of enders; reports an unclosed opener at `at`. */
static int
template_parse_closed(struct template_parser *tp, struct template_nodes *into,
                      const char *const *enders, size_t nenders, unsigned depth, size_t at,
                      const char *opener, const char *closer, size_t *ended_by)
{
	if (template_parse_block(tp, into, enders, nenders, depth, ended_by) < 0)
		return -1;
	if (*ended_by == SIZE_MAX)
		return template_fatal(tp->ctx, at, "'{%% %s %%}' is never closed with '{%% %s %%}'",
		                      opener, closer);
	return 0;
}

static int
template_parse_for(struct template_parser *tp, struct template_nodes *into, size_t at,
                   unsigned depth)
{
	static const char *const body_end[] = { "else", "endfor" };
	static const char *const else_end[] = { "endfor" };
	struct template_ctx *ctx = tp->ctx;
	struct template_node *n;
	struct template_expr *iter;
	char *name;
	size_t ended;

	if (template_next(ctx) < 0 || !(name = template_parse_target(ctx)))
		return -1;
	if (!template_at_word(ctx, "in")) {
		free(name);
		return template_unexpected(ctx, "'in'");
	}
	if (template_next(ctx) < 0 || !(iter = template_parse_tag_expr(ctx))) {
		free(name);
		return -1;
	}
	n = template_nodes_add(into, TEMPLATE_NODE_FOR, at);
	n->name = name;
	n->expr = iter;
	/* into may move while the body is parsed: work on local lists, then store them. */
	struct template_nodes body = { 0 }, orelse = { 0 };
	size_t idx = into->n - 1;
	int rc = template_parse_closed(tp, &body, body_end, ARRAY_SIZE(body_end), depth, at, "for",
	                               "endfor", &ended);
	if (rc == 0 && ended == 0)
		rc = template_parse_closed(tp, &orelse, else_end, ARRAY_SIZE(else_end), depth, at,
		                           "for", "endfor", &ended);
	into->v[idx].body = body;
	into->v[idx].orelse = orelse;
	return rc;
}

static int
template_parse_if(struct template_parser *tp, struct template_nodes *into, size_t at,
                  unsigned depth)
{
	static const char *const enders[] = { "elif", "else", "endif" };
	static const char *const else_end[] = { "endif" };
	struct template_ctx *ctx = tp->ctx;
	struct template_branch *branches = NULL;
	size_t nbranches = 0, ended = 0;
	int rc = 0;

	/* The first condition follows "if"; later ones follow "elif". */
	do {
		struct template_expr *cond = NULL;
		struct template_nodes body = { 0 };

		if (template_next(ctx) < 0 || !(cond = template_parse_tag_expr(ctx))) {
			rc = -1;
			break;
		}
		branches = xreallocarray(branches, nbranches + 1, sizeof(*branches));
		rc = template_parse_closed(tp, &body, enders, ARRAY_SIZE(enders), depth, at, "if",
		                           "endif", &ended);
		branches[nbranches++] = (struct template_branch){ cond, body };
		if (rc < 0)
			break;
	} while (rc == 0 && ended == 0);
	if (rc == 0 && ended == 1) {
		struct template_nodes body = { 0 };

		rc = template_parse_closed(tp, &body, else_end, ARRAY_SIZE(else_end), depth, at,
		                           "if", "endif", &ended);
		branches = xreallocarray(branches, nbranches + 1, sizeof(*branches));
		branches[nbranches++] = (struct template_branch){ NULL, body };
	}
	struct template_node *n = template_nodes_add(into, TEMPLATE_NODE_IF, at);
	n->branches = branches;
	n->nbranches = nbranches;
	return rc;
}

static int
template_parse_set(struct template_parser *tp, struct template_nodes *into, size_t at,
                   unsigned depth)
{
	struct template_ctx *ctx = tp->ctx;
	struct template_expr *value;
	char *name;

	(void)depth;
	if (template_next(ctx) < 0 || !(name = template_parse_target(ctx)))
		return -1;
	if (template_expect_op(ctx, "=") < 0 || !(value = template_parse_tag_expr(ctx))) {
		free(name);
		return -1;
	}
	struct template_node *n = template_nodes_add(into, TEMPLATE_NODE_SET, at);
	n->name = name;
	n->expr = value;
	return 0;
}

static int
template_parse_block(struct template_parser *tp, struct template_nodes *into,
                     const char *const *enders, size_t nenders, unsigned depth, size_t *ended_by)
{
	struct template_ctx *ctx = tp->ctx;

	*ended_by = SIZE_MAX;
	if (depth > TEMPLATE_MAX_DEPTH)
		return template_fatal(ctx, tp->cs->v[tp->i - 1].at,
		                      "blocks nested more than %u levels deep", TEMPLATE_MAX_DEPTH);
	while (tp->i < tp->cs->n) {
		const struct template_chunk *c = &tp->cs->v[tp->i++];
		size_t w;

		if (c->kind == TEMPLATE_CHUNK_TEXT) {
			struct template_node *n =
			        template_nodes_add(into, TEMPLATE_NODE_TEXT, c->start);

			n->len = c->end - c->start;
			continue;
		}
		if (template_begin_tag(ctx, c) < 0)
			return -1;
		if (c->kind == TEMPLATE_CHUNK_EXPR) {
			struct template_expr *e;

			if (ctx->tok.kind == TEMPLATE_TOK_END)
				return template_error(ctx, c->at, "empty '{{ }}'");
			if (!(e = template_parse_tag_expr(ctx)))
				return -1;
			template_nodes_add(into, TEMPLATE_NODE_OUTPUT, c->at)->expr = e;
			continue;
		}
		if (ctx->tok.kind != TEMPLATE_TOK_NAME)
			return template_unexpected(ctx, "a statement name");
		for (w = 0; w < nenders; w++) {
			if (template_at_word(ctx, enders[w])) {
				*ended_by = w;
				/* elif carries a condition, parsed by the if; the others stand alone. */
				if (strcmp(enders[w], "elif") == 0)
					return 0;
				if (template_next(ctx) < 0)
					return -1;
				if (ctx->tok.kind != TEMPLATE_TOK_END)
					return template_unexpected(ctx, "'%}'");
				return 0;
			}
		}
		for (w = 0; w < ARRAY_SIZE(template_enders); w++) {
			if (template_at_word(ctx, template_enders[w])) {
				char *q =
				        template_quote(ctx->src->text + ctx->tok.at, ctx->tok.len);

				template_fatal(ctx, c->at,
				               "'{%% %s %%}' does not close any open block", q);
				free(q);
				return -1;
			}
		}
		for (w = 0; w < ARRAY_SIZE(template_stmts); w++)
			if (template_at_word(ctx, template_stmts[w].word))
				break;
		if (w == ARRAY_SIZE(template_stmts)) {
			char *q = template_quote(ctx->src->text + ctx->tok.at, ctx->tok.len);

			template_fatal(ctx, ctx->tok.at,
			               "unsupported statement '%s' (supported: for, if, set, raw)",
			               q);
			free(q);
			return -1;
		}
		if (template_stmts[w].parse(tp, into, c->at, depth + 1) < 0)
			return -1;
	}
	return 0;
}

/* ---- Rendering ---- */

static void
template_emit(struct template_ctx *ctx, const char *s, size_t n, size_t src, bool literal)
{
	if (ctx->fatal || n == 0)
		return;
	if (ctx->out.len + n > TEMPLATE_MAX_OUTPUT) {
		template_fatal(ctx, src, "the rendered spec would exceed %u MiB",
		               TEMPLATE_MAX_OUTPUT >> 20);
		return;
	}
	for (const char *p = s; (p = memchr(p, '\n', n - (size_t)(p - s))); p++) {
		if (++ctx->lines > TEMPLATE_MAX_LINES) {
			template_fatal(ctx, src, "the rendered spec would exceed %u lines",
			               TEMPLATE_MAX_LINES);
			return;
		}
	}
	struct template_span *last = ctx->nspans ? &ctx->spans[ctx->nspans - 1] : NULL;
	if (last && literal && last->literal && last->src + last->len == src) {
		last->len += n;
	} else {
		if (ctx->nspans == ctx->spans_cap) {
			ctx->spans_cap = ctx->spans_cap ? ctx->spans_cap * 2 : 64;
			ctx->spans = xreallocarray(ctx->spans, ctx->spans_cap, sizeof(*ctx->spans));
		}
		ctx->spans[ctx->nspans++] = (struct template_span){ ctx->out.len, src, n, literal };
	}
	strbuf_add(&ctx->out, s, n);
}

static const struct template_value *
template_lookup(const struct template_ctx *ctx, const char *name)
{
	const struct template_value *v = template_vars_find(&ctx->scope, name);

	return v ? v : ctx->vars ? template_vars_find(ctx->vars, name) : NULL;
}

/* Sets name in the innermost frame, replacing a value already set there. */
static void
template_scope_set(struct template_ctx *ctx, const char *name, struct template_value v)
{
	size_t base = ctx->nframes ? ctx->frames[ctx->nframes - 1] : 0;

	for (size_t i = base; i < ctx->scope.n; i++) {
		if (strcmp(ctx->scope.names[i], name) == 0) {
			template_value_free(&ctx->scope.values[i]);
			ctx->scope.values[i] = v;
			return;
		}
	}
	template_vars_push(&ctx->scope, name, v);
}

static void
template_scope_push(struct template_ctx *ctx)
{
	ctx->frames = xreallocarray(ctx->frames, ctx->nframes + 1, sizeof(*ctx->frames));
	ctx->frames[ctx->nframes++] = ctx->scope.n;
}

static void
template_scope_pop(struct template_ctx *ctx)
{
	size_t base = ctx->frames[--ctx->nframes];

	while (ctx->scope.n > base) {
		ctx->scope.n--;
		free(ctx->scope.names[ctx->scope.n]);
		template_value_free(&ctx->scope.values[ctx->scope.n]);
	}
}

/* StrictUndefined: using an undefined value for anything is an error at its name. */
static int
template_need(struct template_ctx *ctx, const struct template_value *v)
{
	if (v->type != TEMPLATE_UNDEFINED)
		return 0;
	char *q = template_quote(v->s, strlen(v->s));
	template_error(ctx, v->at, "undefined variable '%s'", q);
	free(q);
	return -1;
}

static int template_eval(struct template_ctx *ctx, const struct template_expr *e,
                         struct template_value *out);

static int
template_type_error(struct template_ctx *ctx, size_t at, const char *what,
                    const struct template_value *a, const struct template_value *b)
{
	if (b)
		return template_error(ctx, at, "unsupported operand types for %s: '%s' and '%s'",
		                      what, template_type_names[a->type],
		                      template_type_names[b->type]);
	return template_error(ctx, at, "bad operand type for %s: '%s'", what,
	                      template_type_names[a->type]);
}

static int
template_overflow(struct template_ctx *ctx, size_t at)
{
	return template_error(ctx, at, "integer overflow");
}

/* Python's floor division and modulo for ints. */
static void
template_divmod(long long a, long long b, long long *q, long long *r)
{
	*q = a / b;
	*r = a % b;
	if (*r != 0 && ((*r < 0) != (b < 0))) {
		*q -= 1;
		*r += b;
	}
}

static int
template_arith(struct template_ctx *ctx, const struct template_expr *e,
               const struct template_value *a, const struct template_value *b,
               struct template_value *out)
{
	static const char *const symbols[] = {
		[TEMPLATE_OP_ADD] = "+", [TEMPLATE_OP_SUB] = "-",       [TEMPLATE_OP_MUL] = "*",
		[TEMPLATE_OP_DIV] = "/", [TEMPLATE_OP_FLOORDIV] = "//", [TEMPLATE_OP_MOD] = "%",
	};
	bool af, bf;
	long long ai, bi, r;
	double ad, bd;

	if (template_numeric(a, &af, &ai, &ad) && template_numeric(b, &bf, &bi, &bd)) {
		bool fl = af || bf || e->op == TEMPLATE_OP_DIV;

		if ((e->op == TEMPLATE_OP_DIV || e->op == TEMPLATE_OP_FLOORDIV ||
		     e->op == TEMPLATE_OP_MOD) &&
		    (fl ? bd == 0.0 : bi == 0))
			return template_error(ctx, e->at, "division by zero");
		if (fl) {
			double q = 0;

			switch (e->op) {
			case TEMPLATE_OP_ADD:
				q = ad + bd;
				break;
			case TEMPLATE_OP_SUB:
				q = ad - bd;
				break;
			case TEMPLATE_OP_MUL:
				q = ad * bd;
				break;
			case TEMPLATE_OP_DIV:
				q = ad / bd;
				break;
			case TEMPLATE_OP_FLOORDIV:
				q = floor(ad / bd);
				break;
			default:
				q = fmod(ad, bd);
				if (q != 0.0 && ((q < 0) != (bd < 0)))
					q += bd;
				break;
			}
			*out = template_float_value(q);
			return 0;
		}
		bool over = false;
		switch (e->op) {
		case TEMPLATE_OP_ADD:
			over = __builtin_add_overflow(ai, bi, &r);
			break;
		case TEMPLATE_OP_SUB:
			over = __builtin_sub_overflow(ai, bi, &r);
			break;
		case TEMPLATE_OP_MUL:
			over = __builtin_mul_overflow(ai, bi, &r);
			break;
		default: {
			long long q, m;

			if (ai == LLONG_MIN && bi == -1)
				return template_overflow(ctx, e->at);
			template_divmod(ai, bi, &q, &m);
			r = e->op == TEMPLATE_OP_FLOORDIV ? q : m;
			break;
		}
		}
		if (over)
			return template_overflow(ctx, e->at);
		*out = template_int_value(r);
		return 0;
	}
	if (e->op == TEMPLATE_OP_ADD && a->type == TEMPLATE_STR && b->type == TEMPLATE_STR) {
		struct strbuf sb = { 0 };

		strbuf_add(&sb, a->s, a->n);
		strbuf_add(&sb, b->s, b->n);
		*out = template_str_take(&sb);
		return 0;
	}
	if (e->op == TEMPLATE_OP_ADD && a->type == TEMPLATE_LIST && b->type == TEMPLATE_LIST) {
		*out = (struct template_value){ .type = TEMPLATE_LIST };
		out->items = xcalloc(a->n + b->n, sizeof(*out->items));
		for (size_t i = 0; i < a->n; i++)
			out->items[out->n++] = template_value_copy(&a->items[i]);
		for (size_t i = 0; i < b->n; i++)
			out->items[out->n++] = template_value_copy(&b->items[i]);
		return 0;
	}
	if (e->op == TEMPLATE_OP_MUL && (a->type == TEMPLATE_STR || b->type == TEMPLATE_STR)) {
		const struct template_value *s = a->type == TEMPLATE_STR ? a : b;
		const struct template_value *k = s == a ? b : a;
		struct strbuf sb = { 0 };

		if (k->type != TEMPLATE_INT && k->type != TEMPLATE_BOOL)
			return template_type_error(ctx, e->at, "*", a, b);
		long long times = k->type == TEMPLATE_BOOL ? k->b : k->i;
		if (times > 0 && s->n > 0 && (unsigned long long)times > TEMPLATE_MAX_OUTPUT / s->n)
			return template_fatal(ctx, e->at, "string repetition too large");
		for (long long i = 0; i < times; i++)
			strbuf_add(&sb, s->s, s->n);
		*out = template_str_take(&sb);
		return 0;
	}
	return template_type_error(ctx, e->at, symbols[e->op], a, b);
}

static int
template_compare(struct template_ctx *ctx, const struct template_expr *e,
                 const struct template_value *a, const struct template_value *b, bool *out)
{
	static const char *const symbols[] = {
		[TEMPLATE_OP_LT] = "<",
		[TEMPLATE_OP_GT] = ">",
		[TEMPLATE_OP_LE] = "<=",
		[TEMPLATE_OP_GE] = ">=",
	};
	bool af, bf;
	long long ai, bi;
	double ad, bd;
	int c;

	if (e->op == TEMPLATE_OP_EQ || e->op == TEMPLATE_OP_NE) {
		*out = template_equal(a, b) == (e->op == TEMPLATE_OP_EQ);
		return 0;
	}
	if (template_numeric(a, &af, &ai, &ad) && template_numeric(b, &bf, &bi, &bd)) {
		c = af || bf ? (ad > bd) - (ad < bd) : (ai > bi) - (ai < bi);
	} else if (a->type == TEMPLATE_STR && b->type == TEMPLATE_STR) {
		c = memcmp(a->s, b->s, a->n < b->n ? a->n : b->n);
		if (c == 0)
			c = (a->n > b->n) - (a->n < b->n);
	} else {
		return template_error(
		        ctx, e->at, "'%s' not supported between instances of '%s' and '%s'",
		        symbols[e->op], template_type_names[a->type], template_type_names[b->type]);
	}
	*out = e->op == TEMPLATE_OP_LT   ? c < 0
	       : e->op == TEMPLATE_OP_GT ? c > 0
	       : e->op == TEMPLATE_OP_LE ? c <= 0
	                                 : c >= 0;
	return 0;
}

static int
template_contains(struct template_ctx *ctx, const struct template_expr *e,
                  const struct template_value *item, const struct template_value *in, bool *out)
{
	*out = false;
	if (in->type == TEMPLATE_STR) {
		if (item->type != TEMPLATE_STR)
			return template_error(ctx, e->at,
			                      "'in <string>' requires string as left "
			                      "operand, not %s",
			                      template_type_names[item->type]);
		for (size_t i = 0; !*out && i + item->n <= in->n; i++)
			*out = memcmp(in->s + i, item->s, item->n) == 0;
		return 0;
	}
	if (in->type == TEMPLATE_LIST) {
		for (size_t i = 0; i < in->n && !*out; i++)
			*out = template_equal(item, &in->items[i]);
		return 0;
	}
	if (in->type == TEMPLATE_RANGE) {
		bool f;
		long long k;
		double d;

		if (template_numeric(item, &f, &k, &d) && !f && template_range_len(in)) {
			long long off = k - in->i;

			*out = (in->step > 0 ? k >= in->i && k < in->stop
			                     : k <= in->i && k > in->stop) &&
			       off % in->step == 0;
		}
		return 0;
	}
	return template_error(ctx, e->at, "argument of type '%s' is not iterable",
	                      template_type_names[in->type]);
}

/* ---- Filters, tests, functions ---- */

static int
template_filter_default(struct template_ctx *ctx, size_t at, struct template_value *v,
                        struct template_value *args, size_t nargs)
{
	(void)ctx;
	(void)at;
	bool boolean = nargs > 1 && template_truthy(&args[1]);

	if (v->type == TEMPLATE_UNDEFINED || (boolean && !template_truthy(v))) {
		template_value_free(v);
		*v = nargs ? template_value_copy(&args[0]) : template_str_value("", 0);
	}
	return 0;
}

static int
template_filter_case(struct template_value *v, bool upper)
{
	struct strbuf sb = { 0 };

	template_value_format(v, &sb);
	for (size_t i = 0; i < sb.len; i++) {
		char c = sb.buf[i];

		if (upper && c >= 'a' && c <= 'z')
			sb.buf[i] = (char)(c - 'a' + 'A');
		else if (!upper && c >= 'A' && c <= 'Z')
			sb.buf[i] = (char)(c - 'A' + 'a');
	}
	template_value_free(v);
	*v = template_str_take(&sb);
	return 0;
}

static int
template_filter_upper(struct template_ctx *ctx, size_t at, struct template_value *v,
                      struct template_value *args, size_t nargs)
{
	(void)ctx, (void)at, (void)args, (void)nargs;
	return template_filter_case(v, true);
}

static int
template_filter_lower(struct template_ctx *ctx, size_t at, struct template_value *v,
                      struct template_value *args, size_t nargs)
{
	(void)ctx, (void)at, (void)args, (void)nargs;
	return template_filter_case(v, false);
}

/* Trims template whitespace in place: returns the first kept byte, cuts after the last. */
static char *
template_trim(char *s)
{
	char *b;

	while (template_is_space(*s))
		s++;
	for (b = s + strlen(s); b > s && template_is_space(b[-1]); b--)
		b[-1] = '\0';
	return s;
}

/* A conversion filter's answer: the converted value, else its default argument as Jinja does. */
static void
template_filter_result(struct template_value *v, bool ok, struct template_value converted,
                       struct template_value *args, size_t nargs)
{
	template_value_free(v);
	*v = !ok && nargs ? template_value_copy(&args[0]) : converted;
}

static int
template_filter_int(struct template_ctx *ctx, size_t at, struct template_value *v,
                    struct template_value *args, size_t nargs)
{
	long long i = 0;
	double f;
	bool ok = true;

	(void)ctx, (void)at;
	if (v->type == TEMPLATE_INT || v->type == TEMPLATE_BOOL)
		i = v->type == TEMPLATE_BOOL ? v->b : v->i;
	else if (v->type == TEMPLATE_FLOAT && isfinite(v->f) && fabs(v->f) < 9.2e18)
		i = (long long)v->f;
	else if (v->type == TEMPLATE_STR) {
		char *s = xstrndup(v->s, v->n), *a = template_trim(s);
		if (!template_parse_int(a, &i)) {
			ok = template_parse_float(a, &f) && isfinite(f) && fabs(f) < 9.2e18;
			i = ok ? (long long)f : 0;
		}
		free(s);
	} else
		ok = false;
	template_filter_result(v, ok, template_int_value(ok ? i : 0), args, nargs);
	return 0;
}

static int
template_filter_float(struct template_ctx *ctx, size_t at, struct template_value *v,
                      struct template_value *args, size_t nargs)
{
	bool isf;
	long long i;
	double f = 0;
	bool ok = template_numeric(v, &isf, &i, &f);

	(void)ctx, (void)at;
	if (v->type == TEMPLATE_STR) {
		char *s = xstrndup(v->s, v->n), *a = template_trim(s);
		ok = template_parse_float(a, &f);
		free(s);
	}
	template_filter_result(v, ok, template_float_value(ok ? f : 0.0), args, nargs);
	return 0;
}

static int
template_filter_string(struct template_ctx *ctx, size_t at, struct template_value *v,
                       struct template_value *args, size_t nargs)
{
	struct strbuf sb = { 0 };

	(void)ctx, (void)at, (void)args, (void)nargs;
	template_value_format(v, &sb);
	template_value_free(v);
	*v = template_str_take(&sb);
	return 0;
}

static int
template_filter_trim(struct template_ctx *ctx, size_t at, struct template_value *v,
                     struct template_value *args, size_t nargs)
{
	size_t a = 0, b;

	template_filter_string(ctx, at, v, args, nargs);
	b = v->n;
	while (a < b && template_is_space(v->s[a]))
		a++;
	while (b > a && template_is_space(v->s[b - 1]))
		b--;
	memmove(v->s, v->s + a, b - a);
	v->s[b - a] = '\0';
	v->n = b - a;
	return 0;
}

static int
template_filter_length(struct template_ctx *ctx, size_t at, struct template_value *v,
                       struct template_value *args, size_t nargs)
{
	size_t n = 0;

	(void)args, (void)nargs;
	if (v->type == TEMPLATE_STR) {
		for (size_t i = 0; i < v->n; i++)
			n += ((unsigned char)v->s[i] & 0xc0) != 0x80;
	} else if (v->type == TEMPLATE_LIST) {
		n = v->n;
	} else if (v->type == TEMPLATE_RANGE) {
		n = template_range_len(v);
	} else {
		return template_error(ctx, at, "object of type '%s' has no len()",
		                      template_type_names[v->type]);
	}
	template_value_free(v);
	*v = template_int_value((long long)n);
	return 0;
}

static int
template_filter_replace(struct template_ctx *ctx, size_t at, struct template_value *v,
                        struct template_value *args, size_t nargs)
{
	struct strbuf sb = { 0 };

	(void)nargs;
	if (v->type != TEMPLATE_STR || args[0].type != TEMPLATE_STR || args[1].type != TEMPLATE_STR)
		return template_error(ctx, at, "replace() needs strings");
	for (size_t i = 0; i < v->n;) {
		if (args[0].n && i + args[0].n <= v->n &&
		    memcmp(v->s + i, args[0].s, args[0].n) == 0) {
			if (sb.len + args[1].n > TEMPLATE_MAX_OUTPUT) {
				strbuf_free(&sb);
				return template_fatal(ctx, at, "replace() result too large");
			}
			strbuf_add(&sb, args[1].s, args[1].n);
			i += args[0].n;
		} else {
			strbuf_addch(&sb, v->s[i++]);
		}
	}
	template_value_free(v);
	*v = template_str_take(&sb);
	return 0;
}

static int
template_filter_join(struct template_ctx *ctx, size_t at, struct template_value *v,
                     struct template_value *args, size_t nargs)
{
	struct strbuf sb = { 0 };

	if (v->type != TEMPLATE_LIST)
		return template_error(ctx, at, "join() needs a list, not %s",
		                      template_type_names[v->type]);
	for (size_t i = 0; i < v->n; i++) {
		if (i && nargs)
			template_value_format(&args[0], &sb);
		template_value_format(&v->items[i], &sb);
	}
	template_value_free(v);
	*v = template_str_take(&sb);
	return 0;
}

static int
template_filter_abs(struct template_ctx *ctx, size_t at, struct template_value *v,
                    struct template_value *args, size_t nargs)
{
	bool isf;
	long long i;
	double f;

	(void)args, (void)nargs;
	if (!template_numeric(v, &isf, &i, &f))
		return template_error(ctx, at, "bad operand type for abs(): '%s'",
		                      template_type_names[v->type]);
	if (!isf && i == LLONG_MIN)
		return template_overflow(ctx, at);
	*v = isf ? template_float_value(fabs(f)) : template_int_value(i < 0 ? -i : i);
	return 0;
}

/* Filters by name; takes_undefined lets default() see a missing variable. */
static const struct template_filter {
	const char *name;
	size_t min_args, max_args;
	bool takes_undefined;
	int (*fn)(struct template_ctx *ctx, size_t at, struct template_value *v,
	          struct template_value *args, size_t nargs);
} template_filters[] = {
	{ "default", 0, 2, true, template_filter_default },
	{ "d", 0, 2, true, template_filter_default },
	{ "upper", 0, 0, false, template_filter_upper },
	{ "lower", 0, 0, false, template_filter_lower },
	{ "int", 0, 2, false, template_filter_int },
	{ "float", 0, 1, false, template_filter_float },
	{ "string", 0, 0, false, template_filter_string },
	{ "trim", 0, 0, false, template_filter_trim },
	{ "length", 0, 0, false, template_filter_length },
	{ "count", 0, 0, false, template_filter_length },
	{ "replace", 2, 2, false, template_filter_replace },
	{ "join", 0, 1, false, template_filter_join },
	{ "abs", 0, 0, false, template_filter_abs },
};

enum template_test_kind {
	TEMPLATE_TEST_DEFINED,
	TEMPLATE_TEST_UNDEFINED,
	TEMPLATE_TEST_NONE,
	TEMPLATE_TEST_NUMBER,
	TEMPLATE_TEST_INTEGER,
	TEMPLATE_TEST_FLOAT,
	TEMPLATE_TEST_STRING,
	TEMPLATE_TEST_EVEN,
	TEMPLATE_TEST_ODD,
};

static const struct {
	const char *name;
	enum template_test_kind kind;
} template_tests[] = {
	{ "defined", TEMPLATE_TEST_DEFINED }, { "undefined", TEMPLATE_TEST_UNDEFINED },
	{ "none", TEMPLATE_TEST_NONE },       { "number", TEMPLATE_TEST_NUMBER },
	{ "integer", TEMPLATE_TEST_INTEGER }, { "float", TEMPLATE_TEST_FLOAT },
	{ "string", TEMPLATE_TEST_STRING },   { "even", TEMPLATE_TEST_EVEN },
	{ "odd", TEMPLATE_TEST_ODD },
};

static int
template_test(struct template_ctx *ctx, const struct template_expr *e,
              const struct template_value *v, bool *out)
{
	size_t i = 0;

	while (i < ARRAY_SIZE(template_tests) && strcmp(template_tests[i].name, e->name) != 0)
		i++;
	if (i == ARRAY_SIZE(template_tests)) {
		char *q = template_quote(e->name, strlen(e->name));

		template_error(ctx, e->at, "unknown test '%s'", q);
		free(q);
		return -1;
	}
	enum template_test_kind k = template_tests[i].kind;
	if (k != TEMPLATE_TEST_DEFINED && k != TEMPLATE_TEST_UNDEFINED && template_need(ctx, v) < 0)
		return -1;
	switch (k) {
	case TEMPLATE_TEST_DEFINED:
	case TEMPLATE_TEST_UNDEFINED:
		*out = (v->type == TEMPLATE_UNDEFINED) == (k == TEMPLATE_TEST_UNDEFINED);
		break;
	case TEMPLATE_TEST_NONE:
		*out = v->type == TEMPLATE_NONE;
		break;
	case TEMPLATE_TEST_NUMBER:
		*out = v->type == TEMPLATE_INT || v->type == TEMPLATE_FLOAT ||
		       v->type == TEMPLATE_BOOL;
		break;
	case TEMPLATE_TEST_INTEGER:
		*out = v->type == TEMPLATE_INT;
		break;
	case TEMPLATE_TEST_FLOAT:
		*out = v->type == TEMPLATE_FLOAT;
		break;
	case TEMPLATE_TEST_STRING:
		*out = v->type == TEMPLATE_STR;
		break;
	case TEMPLATE_TEST_EVEN:
	case TEMPLATE_TEST_ODD:
		if (v->type != TEMPLATE_INT && v->type != TEMPLATE_BOOL)
			return template_error(ctx, e->at, "'%s' needs an int, not %s", e->name,
			                      template_type_names[v->type]);
		*out = (((v->type == TEMPLATE_BOOL ? v->b : v->i) % 2) != 0) ==
		       (k == TEMPLATE_TEST_ODD);
		break;
	}
	if (e->negate)
		*out = !*out;
	return 0;
}

static int
template_call(struct template_ctx *ctx, const struct template_expr *e, struct template_value *args,
              size_t nargs, struct template_value *out)
{
	long long r[3] = { 0, 0, 1 };

	if (strcmp(e->name, "range") != 0) {
		char *q = template_quote(e->name, strlen(e->name));

		template_error(ctx, e->at, "unknown function '%s' (only range() is available)", q);
		free(q);
		return -1;
	}
	if (nargs < 1 || nargs > 3)
		return template_error(ctx, e->at, "range() takes 1 to 3 arguments, not %zu", nargs);
	for (size_t i = 0; i < nargs; i++) {
		if (args[i].type != TEMPLATE_INT && args[i].type != TEMPLATE_BOOL)
			return template_error(ctx, e->at,
			                      "range() needs integers, not %s (try '| int')",
			                      template_type_names[args[i].type]);
		r[nargs == 1 ? 1 : i] = args[i].type == TEMPLATE_BOOL ? args[i].b : args[i].i;
	}
	if (r[2] == 0)
		return template_error(ctx, e->at, "range() step must not be zero");
	*out = (struct template_value){
		.type = TEMPLATE_RANGE, .i = r[0], .stop = r[1], .step = r[2]
	};
	return 0;
}

static int
template_filter(struct template_ctx *ctx, const struct template_expr *e, struct template_value *v)
{
	const struct template_filter *f = NULL;
	struct template_value *args;
	size_t nargs = e->nargs - 1;
	int rc = 0;

	for (size_t i = 0; i < ARRAY_SIZE(template_filters) && !f; i++)
		if (strcmp(template_filters[i].name, e->name) == 0)
			f = &template_filters[i];
	if (!f) {
		char *q = template_quote(e->name, strlen(e->name));

		template_error(ctx, e->at, "unknown filter '%s'", q);
		free(q);
		return -1;
	}
	if (nargs < f->min_args || nargs > f->max_args)
		return template_error(ctx, e->at, "filter '%s' takes %zu to %zu arguments, not %zu",
		                      f->name, f->min_args, f->max_args, nargs);
	if (!f->takes_undefined && template_need(ctx, v) < 0)
		return -1;
	args = xcalloc(nargs ? nargs : 1, sizeof(*args));
	for (size_t i = 0; i < nargs && rc == 0; i++)
		if ((rc = template_eval(ctx, e->args[i + 1], &args[i])) == 0)
			rc = template_need(ctx, &args[i]);
	if (rc == 0)
		rc = f->fn(ctx, e->at, v, args, nargs);
	for (size_t i = 0; i < nargs; i++)
		template_value_free(&args[i]);
	free(args);
	return rc;
}

static int
template_index(struct template_ctx *ctx, const struct template_expr *e,
               const struct template_value *v, const struct template_value *idx,
               struct template_value *out)
{
	long long i;

	if (v->type != TEMPLATE_LIST)
		return template_error(ctx, e->at, "'%s' object is not subscriptable",
		                      template_type_names[v->type]);
	if (idx->type != TEMPLATE_INT)
		return template_error(ctx, e->at, "list indices must be integers, not %s",
		                      template_type_names[idx->type]);
	i = idx->i < 0 ? idx->i + (long long)v->n : idx->i;
	if (i < 0 || (size_t)i >= v->n)
		return template_error(ctx, e->at, "list index %lld out of range (the list has %zu)",
		                      idx->i, v->n);
	*out = template_value_copy(&v->items[i]);
	return 0;
}

static int
template_eval_pair(struct template_ctx *ctx, const struct template_expr *e,
                   struct template_value *a, struct template_value *b)
{
	if (template_eval(ctx, e->args[0], a) < 0 || template_need(ctx, a) < 0)
		return -1;
	if (template_eval(ctx, e->args[1], b) < 0 || template_need(ctx, b) < 0)
		return -1;
	return 0;
}

static int
template_eval(struct template_ctx *ctx, const struct template_expr *e, struct template_value *out)
{
	struct template_value a = { 0 }, b = { 0 };
	bool flag = false;
	int rc = 0;

	*out = (struct template_value){ .type = TEMPLATE_NONE };
	switch (e->op) {
	case TEMPLATE_OP_LIT:
		*out = template_value_copy(&e->lit);
		return 0;
	case TEMPLATE_OP_NAME: {
		const struct template_value *v = template_lookup(ctx, e->name);

		if (v)
			*out = template_value_copy(v);
		else
			*out = (struct template_value){ .type = TEMPLATE_UNDEFINED,
				                        .s = xstrdup(e->name),
				                        .at = e->at };
		return 0;
	}
	case TEMPLATE_OP_LIST:
		*out = (struct template_value){ .type = TEMPLATE_LIST };
		out->items = xcalloc(e->nargs ? e->nargs : 1, sizeof(*out->items));
		for (size_t i = 0; i < e->nargs && rc == 0; i++) {
			rc = template_eval(ctx, e->args[i], &out->items[out->n++]);
			if (rc == 0)
				rc = template_need(ctx, &out->items[out->n - 1]);
		}
		break;
	case TEMPLATE_OP_NOT:
		if ((rc = template_eval(ctx, e->args[0], &a)) == 0 &&
		    (rc = template_need(ctx, &a)) == 0)
			*out = template_bool_value(!template_truthy(&a));
		break;
	case TEMPLATE_OP_NEG:
	case TEMPLATE_OP_POS: {
		bool isf;
		long long i;
		double f;

		if ((rc = template_eval(ctx, e->args[0], &a)) < 0 ||
		    (rc = template_need(ctx, &a)) < 0)
			break;
		if (!template_numeric(&a, &isf, &i, &f)) {
			rc = template_type_error(ctx, e->at,
			                         e->op == TEMPLATE_OP_NEG ? "unary -" : "unary +",
			                         &a, NULL);
		} else if (e->op == TEMPLATE_OP_POS) {
			*out = isf ? template_float_value(f) : template_int_value(i);
		} else if (isf) {
			*out = template_float_value(-f);
		} else if (i == LLONG_MIN) {
			rc = template_overflow(ctx, e->at);
		} else {
			*out = template_int_value(-i);
		}
		break;
	}
	case TEMPLATE_OP_AND:
	case TEMPLATE_OP_OR:
		/* Python returns the deciding operand, not a bool. */
		if ((rc = template_eval(ctx, e->args[0], &a)) < 0 ||
		    (rc = template_need(ctx, &a)) < 0)
			break;
		if (template_truthy(&a) == (e->op == TEMPLATE_OP_OR)) {
			*out = a;
			return 0;
		}
		if ((rc = template_eval(ctx, e->args[1], out)) == 0)
			rc = template_need(ctx, out);
		break;
	case TEMPLATE_OP_EQ:
	case TEMPLATE_OP_NE:
	case TEMPLATE_OP_LT:
	case TEMPLATE_OP_GT:
	case TEMPLATE_OP_LE:
	case TEMPLATE_OP_GE:
		if ((rc = template_eval_pair(ctx, e, &a, &b)) == 0 &&
		    (rc = template_compare(ctx, e, &a, &b, &flag)) == 0)
			*out = template_bool_value(flag);
		break;
	case TEMPLATE_OP_IN:
	case TEMPLATE_OP_NOTIN:
		if ((rc = template_eval_pair(ctx, e, &a, &b)) == 0 &&
		    (rc = template_contains(ctx, e, &a, &b, &flag)) == 0)
			*out = template_bool_value(flag == (e->op == TEMPLATE_OP_IN));
		break;
	case TEMPLATE_OP_ADD:
	case TEMPLATE_OP_SUB:
	case TEMPLATE_OP_MUL:
	case TEMPLATE_OP_DIV:
	case TEMPLATE_OP_FLOORDIV:
	case TEMPLATE_OP_MOD:
		if ((rc = template_eval_pair(ctx, e, &a, &b)) == 0)
			rc = template_arith(ctx, e, &a, &b, out);
		break;
	case TEMPLATE_OP_CONCAT:
		if ((rc = template_eval_pair(ctx, e, &a, &b)) == 0) {
			struct strbuf sb = { 0 };

			template_value_format(&a, &sb);
			template_value_format(&b, &sb);
			*out = template_str_take(&sb);
		}
		break;
	case TEMPLATE_OP_COND:
		if ((rc = template_eval(ctx, e->args[1], &a)) < 0 ||
		    (rc = template_need(ctx, &a)) < 0)
			break;
		flag = template_truthy(&a);
		template_value_free(&a);
		if (flag)
			return template_eval(ctx, e->args[0], out);
		if (e->nargs > 2)
			return template_eval(ctx, e->args[2], out);
		/* Jinja's missing else is undefined; rendering it gives nothing. */
		*out = template_str_value("", 0);
		break;
	case TEMPLATE_OP_FILTER:
		if ((rc = template_eval(ctx, e->args[0], out)) == 0)
			rc = template_filter(ctx, e, out);
		break;
	case TEMPLATE_OP_TEST:
		if ((rc = template_eval(ctx, e->args[0], &a)) == 0 &&
		    (rc = template_test(ctx, e, &a, &flag)) == 0)
			*out = template_bool_value(flag);
		break;
	case TEMPLATE_OP_CALL: {
		struct template_value *args = xcalloc(e->nargs ? e->nargs : 1, sizeof(*args));

		for (size_t i = 0; i < e->nargs && rc == 0; i++)
			if ((rc = template_eval(ctx, e->args[i], &args[i])) == 0)
				rc = template_need(ctx, &args[i]);
		if (rc == 0)
			rc = template_call(ctx, e, args, e->nargs, out);
		for (size_t i = 0; i < e->nargs; i++)
			template_value_free(&args[i]);
		free(args);
		break;
	}
	case TEMPLATE_OP_INDEX:
		if ((rc = template_eval_pair(ctx, e, &a, &b)) == 0)
			rc = template_index(ctx, e, &a, &b, out);
		break;
	}
	template_value_free(&a);
	template_value_free(&b);
	if (rc < 0)
		template_value_free(out);
	return rc;
}

static void template_render_nodes(struct template_ctx *ctx, const struct template_nodes *ns);

static void
template_render_for(struct template_ctx *ctx, const struct template_node *n)
{
	struct template_value iter;
	size_t count;

	if (template_eval(ctx, n->expr, &iter) < 0)
		return;
	if (template_need(ctx, &iter) < 0)
		goto out;
	if (iter.type == TEMPLATE_LIST)
		count = iter.n;
	else if (iter.type == TEMPLATE_RANGE)
		count = template_range_len(&iter);
	else {
		template_error(ctx, n->at, "cannot loop over %s (use range() or a list)",
		               template_type_names[iter.type]);
		goto out;
	}
	template_scope_push(ctx);
	for (size_t k = 0; k < count && !ctx->fatal; k++) {
		if (++ctx->iterations > TEMPLATE_MAX_ITERATIONS) {
			template_fatal(ctx, n->at, "loops would run more than %u times in all",
			               TEMPLATE_MAX_ITERATIONS);
			break;
		}
		struct template_value item =
		        iter.type == TEMPLATE_LIST
		                ? template_value_copy(&iter.items[k])
		                : template_int_value(iter.i + (long long)k * iter.step);
		template_scope_set(ctx, n->name, item);
		template_render_nodes(ctx, &n->body);
	}
	template_scope_pop(ctx);
	if (count == 0)
		template_render_nodes(ctx, &n->orelse);
out:
	template_value_free(&iter);
}

static void
template_render_node(struct template_ctx *ctx, const struct template_node *n)
{
	struct template_value v;

	switch (n->kind) {
	case TEMPLATE_NODE_TEXT:
		template_emit(ctx, ctx->src->text + n->at, n->len, n->at, true);
		break;
	case TEMPLATE_NODE_OUTPUT:
		if (template_eval(ctx, n->expr, &v) == 0) {
			if (template_need(ctx, &v) == 0) {
				struct strbuf sb = { 0 };

				template_value_format(&v, &sb);
				template_emit(ctx, sb.buf ? sb.buf : "", sb.len, n->at, false);
				strbuf_free(&sb);
			}
			template_value_free(&v);
		}
		break;
	case TEMPLATE_NODE_FOR:
		template_render_for(ctx, n);
		break;
	case TEMPLATE_NODE_IF:
		for (size_t i = 0; i < n->nbranches; i++) {
			const struct template_branch *br = &n->branches[i];
			bool take = true;

			if (br->cond) {
				if (template_eval(ctx, br->cond, &v) < 0)
					return;
				if (template_need(ctx, &v) < 0) {
					template_value_free(&v);
					return;
				}
				take = template_truthy(&v);
				template_value_free(&v);
			}
			if (take) {
				template_render_nodes(ctx, &br->body);
				break;
			}
		}
		break;
	case TEMPLATE_NODE_SET:
		if (template_eval(ctx, n->expr, &v) == 0) {
			if (template_need(ctx, &v) == 0)
				template_scope_set(ctx, n->name, v);
			else
				template_value_free(&v);
		}
		break;
	}
}

static void
template_render_nodes(struct template_ctx *ctx, const struct template_nodes *ns)
{
	for (size_t i = 0; i < ns->n && !ctx->fatal; i++)
		template_render_node(ctx, &ns->v[i]);
}

/* ---- Public ---- */

void
template_value_free(struct template_value *v)
{
	free(v->s);
	for (size_t i = 0; v->type == TEMPLATE_LIST && i < v->n; i++)
		template_value_free(&v->items[i]);
	free(v->items);
	*v = (struct template_value){ .type = TEMPLATE_NONE };
}

struct template_value
template_value_copy(const struct template_value *v)
{
	struct template_value c = *v;

	c.s = v->s ? xstrndup(v->s, v->type == TEMPLATE_STR ? v->n : strlen(v->s)) : NULL;
	c.items = NULL;
	if (v->type == TEMPLATE_LIST) {
		c.items = xcalloc(v->n ? v->n : 1, sizeof(*c.items));
		for (size_t i = 0; i < v->n; i++)
			c.items[i] = template_value_copy(&v->items[i]);
	}
	return c;
}

void
template_value_format(const struct template_value *v, struct strbuf *sb)
{
	switch (v->type) {
	case TEMPLATE_NONE:
		strbuf_addstr(sb, "None");
		break;
	case TEMPLATE_BOOL:
		strbuf_addstr(sb, v->b ? "True" : "False");
		break;
	case TEMPLATE_INT:
		strbuf_addf(sb, "%lld", v->i);
		break;
	case TEMPLATE_FLOAT:
		template_format_float(v->f, sb);
		break;
	case TEMPLATE_STR:
		strbuf_add(sb, v->s, v->n);
		break;
	case TEMPLATE_LIST:
		strbuf_addch(sb, '[');
		for (size_t i = 0; i < v->n; i++) {
			if (i)
				strbuf_addstr(sb, ", ");
			if (v->items[i].type == TEMPLATE_STR)
				template_format_repr(&v->items[i], sb);
			else
				template_value_format(&v->items[i], sb);
		}
		strbuf_addch(sb, ']');
		break;
	case TEMPLATE_RANGE:
		if (v->step == 1)
			strbuf_addf(sb, "range(%lld, %lld)", v->i, v->stop);
		else
			strbuf_addf(sb, "range(%lld, %lld, %lld)", v->i, v->stop, v->step);
		break;
	case TEMPLATE_UNDEFINED:
		break;
	}
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
	template_vars_set(vars, name, template_str_value(value, strlen(value)));
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
	else if (template_parse_int(a, &i))
		template_vars_set(vars, name, template_int_value(i));
	else if (template_parse_float(a, &f))
		template_vars_set(vars, name, template_float_value(f));
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
	struct template_chunks cs = { 0 };
	struct template_nodes root = { 0 };
	struct template_parser tp = { &ctx, &cs, 0 };
	size_t ended;
	int rc = 0;

	*out = (struct template_output){ 0 };
	if (template_chunk_all(&ctx, &cs) < 0 ||
	    template_parse_block(&tp, &root, NULL, 0, 0, &ended) < 0)
		rc = -1;
	if (rc == 0) {
		template_scope_push(&ctx);
		template_render_nodes(&ctx, &root);
		template_scope_pop(&ctx);
		rc = ctx.nerrors || ctx.fatal ? -1 : 0;
	}
	template_token_clear(&ctx.tok);
	template_nodes_free(&root);
	free(cs.v);
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
