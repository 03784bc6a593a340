/* template_parse.c: a template split into text and tags, and tags parsed into a tree. */
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

/* ---- Chunking ---- */

static void
template_parse_chunk_push(struct template_chunks *cs, enum template_chunk_kind kind, size_t start,
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
template_parse_find_close(const char *t, size_t p, size_t end, char closer, bool strings)
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
template_parse_tag_is(const char *t, size_t a, size_t b, const char *word)
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
template_parse_chunk_segment(struct template_ctx *ctx, struct template_chunks *cs, size_t a,
                             size_t b, bool *lstrip)
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
			template_parse_chunk_push(cs, TEMPLATE_CHUNK_TEXT, text_start, q,
			                          text_start);
		if (q == b)
			break;

		char kind = t[q + 1];
		size_t inner = q + 2, close, inner_end;
		close = template_parse_find_close(t, inner, b, kind == '{' ? '}' : kind,
		                                  kind != '#');
		if (close == SIZE_MAX)
			return template_fatal(ctx, q, "'{%c' is never closed with '%s'", kind,
			                      kind == '{'   ? "}}"
			                      : kind == '%' ? "%}"
			                                    : "#}");
		p = close + 2;
		/* Run-time tokens pass through as written, whitespace control and all. */
		if (kind == '{' && template_is_special_token(t + inner, close - inner)) {
			template_parse_chunk_push(cs, TEMPLATE_CHUNK_TEXT, q, p, q);
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
			template_parse_chunk_push(cs, TEMPLATE_CHUNK_EXPR, inner, inner_end, q);
			continue;
		}
		if (!template_parse_tag_is(t, inner, inner_end, "raw")) {
			template_parse_chunk_push(cs, TEMPLATE_CHUNK_STMT, inner, inner_end, q);
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
			size_t c = template_parse_find_close(t, r + 2, b, '%', false);
			if (c == SIZE_MAX)
				return template_fatal(ctx, r, "'{%%' is never closed with '%%}'");
			if (template_parse_tag_is(t, r + 2, c, "endraw")) {
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
					template_parse_chunk_push(cs, TEMPLATE_CHUNK_TEXT,
					                          text_start2, text_end,
					                          text_start2);
				p = c + 2;
				break;
			}
			r = c + 2;
		}
	}
	return 0;
}

static int
template_parse_chunks(struct template_ctx *ctx, struct template_chunks *cs)
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
	if (template_parse_chunk_segment(ctx, cs, 0, skip_start, &lstrip) < 0)
		return -1;
	if (template_parse_chunk_segment(ctx, cs, skip_end, src->len, &lstrip) < 0)
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
template_parse_name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (!first && c >= '0' && c <= '9');
}

static void
template_parse_token_clear(struct template_token *tok)
{
	free(tok->s);
	*tok = (struct template_token){ 0 };
}

/* A number at t[p]: digits with underscores, a fraction, an exponent. */
static int
template_parse_lex_number(struct template_ctx *ctx, const char *t, size_t p)
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
template_parse_lex_string(struct template_ctx *ctx, const char *t, size_t p)
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
template_parse_next(struct template_ctx *ctx)
{
	const char *t = ctx->src->text;
	size_t p = ctx->pos;

	template_parse_token_clear(&ctx->tok);
	while (p < ctx->end && template_is_space(t[p]))
		p++;
	ctx->tok.at = p;
	ctx->pos = p;
	if (p >= ctx->end) {
		ctx->tok.kind = TEMPLATE_TOK_END;
		return 0;
	}
	if (template_parse_name_char(t[p], true)) {
		size_t q = p;

		while (q < ctx->end && template_parse_name_char(t[q], false))
			q++;
		ctx->tok.kind = TEMPLATE_TOK_NAME;
		ctx->tok.len = q - p;
		ctx->pos = q;
		return 0;
	}
	if (t[p] >= '0' && t[p] <= '9')
		return template_parse_lex_number(ctx, t, p);
	if (t[p] == '\'' || t[p] == '"')
		return template_parse_lex_string(ctx, t, p);
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
template_parse_tok_is(const struct template_ctx *ctx, enum template_tok kind, const char *text)
{
	size_t n = strlen(text);

	return ctx->tok.kind == kind && ctx->tok.len == n &&
	       memcmp(ctx->src->text + ctx->tok.at, text, n) == 0;
}

static bool
template_parse_at_op(const struct template_ctx *ctx, const char *op)
{
	return template_parse_tok_is(ctx, TEMPLATE_TOK_OP, op);
}

static bool
template_parse_at_word(const struct template_ctx *ctx, const char *word)
{
	return template_parse_tok_is(ctx, TEMPLATE_TOK_NAME, word);
}

static int
template_parse_unexpected(struct template_ctx *ctx, const char *wanted)
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
template_parse_expect_op(struct template_ctx *ctx, const char *op)
{
	char wanted[8];

	if (!template_parse_at_op(ctx, op)) {
		snprintf(wanted, sizeof(wanted), "'%s'", op);
		return template_parse_unexpected(ctx, wanted);
	}
	return template_parse_next(ctx);
}

/* ---- Expression parser ---- */

static void template_parse_expr_free(struct template_expr *e);

static struct template_expr *
template_parse_expr_new(enum template_op op, size_t at)
{
	struct template_expr *e = xcalloc(1, sizeof(*e));

	e->op = op;
	e->at = at;
	return e;
}

static void
template_parse_expr_add(struct template_expr *e, struct template_expr *arg)
{
	e->args = xreallocarray(e->args, e->nargs + 1, sizeof(*e->args));
	e->args[e->nargs++] = arg;
}

static void
template_parse_expr_free(struct template_expr *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nargs; i++)
		template_parse_expr_free(e->args[i]);
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
	if (template_parse_next(ctx) < 0)
		return -1;
	while (!template_parse_at_op(ctx, ")")) {
		struct template_expr *arg = template_parse_expr(ctx);

		if (!arg)
			return -1;
		template_parse_expr_add(e, arg);
		if (template_parse_at_op(ctx, ",")) {
			if (template_parse_next(ctx) < 0)
				return -1;
		} else if (!template_parse_at_op(ctx, ")")) {
			return template_parse_unexpected(ctx, "',' or ')'");
		}
	}
	return template_parse_next(ctx);
}

/* One level deeper into an expression; false (and the render stops) past the limit. */
static bool
template_parse_deeper(struct template_ctx *ctx, size_t at)
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
	if (!template_parse_deeper(ctx, at))
		return NULL;
	switch (ctx->tok.kind) {
	case TEMPLATE_TOK_INT:
		e = template_parse_expr_new(TEMPLATE_OP_LIT, at);
		e->lit = template_value_int(ctx->tok.i);
		break;
	case TEMPLATE_TOK_FLOAT:
		e = template_parse_expr_new(TEMPLATE_OP_LIT, at);
		e->lit = template_value_float(ctx->tok.f);
		break;
	case TEMPLATE_TOK_STR:
		e = template_parse_expr_new(TEMPLATE_OP_LIT, at);
		e->lit = template_value_str(ctx->tok.s, (size_t)ctx->tok.i);
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
			if (template_parse_at_word(ctx, consts[i].word)) {
				e = template_parse_expr_new(TEMPLATE_OP_LIT, at);
				e->lit = (struct template_value){ .type = consts[i].type,
					                          .b = consts[i].b };
			}
		}
		if (!e) {
			e = template_parse_expr_new(TEMPLATE_OP_NAME, at);
			e->name = xstrndup(ctx->src->text + at, ctx->tok.len);
		}
		break;
	}
	case TEMPLATE_TOK_OP:
		if (template_parse_at_op(ctx, "(")) {
			if (template_parse_next(ctx) < 0 || !(e = template_parse_expr(ctx)))
				goto fail;
			if (template_parse_expect_op(ctx, ")") < 0)
				goto fail;
			ctx->depth--;
			return e;
		}
		if (template_parse_at_op(ctx, "[")) {
			e = template_parse_expr_new(TEMPLATE_OP_LIST, at);
			if (template_parse_next(ctx) < 0)
				goto fail;
			while (!template_parse_at_op(ctx, "]")) {
				struct template_expr *item = template_parse_expr(ctx);

				if (!item)
					goto fail;
				template_parse_expr_add(e, item);
				if (template_parse_at_op(ctx, ",")) {
					if (template_parse_next(ctx) < 0)
						goto fail;
				} else if (!template_parse_at_op(ctx, "]")) {
					template_parse_unexpected(ctx, "',' or ']'");
					goto fail;
				}
			}
			break;
		}
		/* fall through */
	default:
		template_parse_unexpected(ctx, "a value");
		goto fail;
	}
	if (template_parse_next(ctx) < 0)
		goto fail;
	ctx->depth--;
	return e;
fail:
	template_parse_expr_free(e);
	ctx->depth--;
	return NULL;
}

/* Calls, indexes, then (with filters) filters and tests after a primary. */
static struct template_expr *
template_parse_postfix(struct template_ctx *ctx, struct template_expr *e, bool filters)
{
	while (e) {
		size_t at = ctx->tok.at;

		if (template_parse_at_op(ctx, "(")) {
			if (e->op != TEMPLATE_OP_NAME) {
				template_error(ctx, at,
				               "only functions like range() can be called");
				goto fail;
			}
			e->op = TEMPLATE_OP_CALL;
			if (template_parse_args(ctx, e) < 0)
				goto fail;
		} else if (template_parse_at_op(ctx, "[")) {
			struct template_expr *idx = template_parse_expr_new(TEMPLATE_OP_INDEX, at),
			                     *sub;

			template_parse_expr_add(idx, e);
			e = idx;
			if (template_parse_next(ctx) < 0 || !(sub = template_parse_expr(ctx)))
				goto fail;
			template_parse_expr_add(e, sub);
			if (template_parse_expect_op(ctx, "]") < 0)
				goto fail;
		} else if (template_parse_at_op(ctx, ".")) {
			template_error(ctx, at, "attribute access ('.') is not supported");
			goto fail;
		} else if (filters &&
		           (template_parse_at_op(ctx, "|") || template_parse_at_word(ctx, "is"))) {
			bool filter = template_parse_at_op(ctx, "|");
			struct template_expr *f = template_parse_expr_new(
			        filter ? TEMPLATE_OP_FILTER : TEMPLATE_OP_TEST, at);

			template_parse_expr_add(f, e);
			e = f;
			if (++ctx->nexpr > TEMPLATE_MAX_EXPR) {
				template_fatal(ctx, at, "expression longer than %u terms",
				               TEMPLATE_MAX_EXPR);
				goto fail;
			}
			if (template_parse_next(ctx) < 0)
				goto fail;
			if (!filter && template_parse_at_word(ctx, "not")) {
				e->negate = true;
				if (template_parse_next(ctx) < 0)
					goto fail;
			}
			if (ctx->tok.kind != TEMPLATE_TOK_NAME) {
				template_parse_unexpected(ctx,
				                          filter ? "a filter name" : "a test name");
				goto fail;
			}
			e->name = xstrndup(ctx->src->text + ctx->tok.at, ctx->tok.len);
			e->at = ctx->tok.at;
			if (template_parse_next(ctx) < 0)
				goto fail;
			if (template_parse_at_op(ctx, "(") && template_parse_args(ctx, e) < 0)
				goto fail;
		} else {
			return e;
		}
	}
	return NULL;
fail:
	template_parse_expr_free(e);
	return NULL;
}

static struct template_expr *template_parse_unary(struct template_ctx *ctx, bool filters);

/*
 * A prefix operator's node (the token at at is the operator) and its operand, one level
 * deeper: a sign's is the next term without filters, "not"'s the expression at level. NULL
 * when the operand fails.
 */
static struct template_expr *
template_parse_prefix(struct template_ctx *ctx, enum template_op op, size_t at, bool sign,
                      size_t level)
{
	struct template_expr *e = template_parse_expr_new(op, at);
	struct template_expr *sub = NULL;

	if (template_parse_deeper(ctx, at)) {
		if (template_parse_next(ctx) >= 0)
			sub = sign ? template_parse_unary(ctx, false)
			           : template_parse_level(ctx, level);
		ctx->depth--;
	}
	if (!sub) {
		template_parse_expr_free(e);
		return NULL;
	}
	template_parse_expr_add(e, sub);
	return e;
}

/* Like Jinja, a sign takes its operand without filters: "-3 | abs" is abs(-3). */
static struct template_expr *
template_parse_unary(struct template_ctx *ctx, bool filters)
{
	size_t at = ctx->tok.at;

	if (template_parse_at_op(ctx, "-") || template_parse_at_op(ctx, "+")) {
		struct template_expr *e = template_parse_prefix(
		        ctx, template_parse_at_op(ctx, "-") ? TEMPLATE_OP_NEG : TEMPLATE_OP_POS, at,
		        true, 0);

		return filters ? template_parse_postfix(ctx, e, true) : e;
	}
	return template_parse_postfix(ctx, template_parse_primary(ctx), filters);
}

static const struct template_opname *
template_parse_level_op(struct template_ctx *ctx, const struct template_level *lv, bool *not_in)
{
	*not_in = false;
	if (lv->ops == template_cmp_ops && template_parse_at_word(ctx, "not")) {
		/* "not in" is one operator; peek past "not" without consuming it. */
		size_t p = ctx->pos;
		const char *t = ctx->src->text;

		while (p < ctx->end && template_is_space(t[p]))
			p++;
		if (p + 2 <= ctx->end && memcmp(t + p, "in", 2) == 0 &&
		    (p + 2 == ctx->end || !template_parse_name_char(t[p + 2], false))) {
			*not_in = true;
			return &template_cmp_ops[ARRAY_SIZE(template_cmp_ops) - 1];
		}
		return NULL;
	}
	for (size_t i = 0; i < lv->n; i++) {
		bool word = template_parse_name_char(lv->ops[i].text[0], true);

		if (template_parse_tok_is(ctx, word ? TEMPLATE_TOK_NAME : TEMPLATE_TOK_OP,
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
		if (!template_parse_at_word(ctx, "not"))
			return template_parse_level(ctx, level + 1);
		return template_parse_prefix(ctx, TEMPLATE_OP_NOT, ctx->tok.at, false, level);
	}
	left = template_parse_level(ctx, level + 1);
	if (!left)
		return NULL;
	for (;;) {
		bool not_in;
		const struct template_opname *op = template_parse_level_op(ctx, lv, &not_in);
		struct template_expr *e, *right;

		if (!op)
			break;
		e = template_parse_expr_new(not_in ? TEMPLATE_OP_NOTIN : op->op, ctx->tok.at);
		template_parse_expr_add(e, left);
		left = e;
		if (template_parse_next(ctx) < 0 || (not_in && template_parse_next(ctx) < 0) ||
		    !(right = template_parse_level(ctx, level + 1))) {
			template_parse_expr_free(left);
			return NULL;
		}
		template_parse_expr_add(left, right);
	}
	return left;
}

/* Jinja's conditional expression: "a if cond else b". */
static struct template_expr *
template_parse_expr(struct template_ctx *ctx)
{
	struct template_expr *e = template_parse_level(ctx, 0);

	while (e && template_parse_at_word(ctx, "if")) {
		struct template_expr *c = template_parse_expr_new(TEMPLATE_OP_COND, ctx->tok.at),
		                     *sub;

		template_parse_expr_add(c, e);
		e = c;
		if (template_parse_next(ctx) < 0 || !(sub = template_parse_level(ctx, 0)))
			goto fail;
		template_parse_expr_add(e, sub);
		if (template_parse_at_word(ctx, "else")) {
			if (template_parse_next(ctx) < 0 || !(sub = template_parse_expr(ctx)))
				goto fail;
			template_parse_expr_add(e, sub);
		}
	}
	return e;
fail:
	template_parse_expr_free(e);
	return NULL;
}

/* Sets up tokenizing the inside of a tag and reads its first token. */
static int
template_parse_begin_tag(struct template_ctx *ctx, const struct template_chunk *c)
{
	ctx->pos = c->start;
	ctx->end = c->end;
	ctx->depth = 0;
	ctx->nexpr = 0;
	return template_parse_next(ctx);
}

/* A whole "{{ expr }}" or the rest of a statement: nothing may follow. */
static struct template_expr *
template_parse_tag_expr(struct template_ctx *ctx)
{
	struct template_expr *e = template_parse_expr(ctx);

	if (e && ctx->tok.kind != TEMPLATE_TOK_END) {
		template_parse_unexpected(ctx, "the end of the tag");
		template_parse_expr_free(e);
		return NULL;
	}
	return e;
}

/* ---- Statement parser ---- */

static void
template_parse_node_free(struct template_node *n)
{
	template_parse_expr_free(n->expr);
	free(n->name);
	template_parse_nodes_free(&n->body);
	template_parse_nodes_free(&n->orelse);
	for (size_t i = 0; i < n->nbranches; i++) {
		template_parse_expr_free(n->branches[i].cond);
		template_parse_nodes_free(&n->branches[i].body);
	}
	free(n->branches);
}

void
template_parse_nodes_free(struct template_nodes *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		template_parse_node_free(&ns->v[i]);
	free(ns->v);
	*ns = (struct template_nodes){ 0 };
}

static struct template_node *
template_parse_nodes_add(struct template_nodes *ns, enum template_node_kind kind, size_t at)
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
		template_parse_unexpected(ctx, "a variable name");
		return NULL;
	}
	name = xstrndup(ctx->src->text + ctx->tok.at, ctx->tok.len);
	if (template_parse_next(ctx) < 0) {
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

	if (template_parse_next(ctx) < 0 || !(name = template_parse_target(ctx)))
		return -1;
	if (!template_parse_at_word(ctx, "in")) {
		free(name);
		return template_parse_unexpected(ctx, "'in'");
	}
	if (template_parse_next(ctx) < 0 || !(iter = template_parse_tag_expr(ctx))) {
		free(name);
		return -1;
	}
	n = template_parse_nodes_add(into, TEMPLATE_NODE_FOR, at);
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

		if (template_parse_next(ctx) < 0 || !(cond = template_parse_tag_expr(ctx))) {
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
	struct template_node *n = template_parse_nodes_add(into, TEMPLATE_NODE_IF, at);
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
	if (template_parse_next(ctx) < 0 || !(name = template_parse_target(ctx)))
		return -1;
	if (template_parse_expect_op(ctx, "=") < 0 || !(value = template_parse_tag_expr(ctx))) {
		free(name);
		return -1;
	}
	struct template_node *n = template_parse_nodes_add(into, TEMPLATE_NODE_SET, at);
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
			        template_parse_nodes_add(into, TEMPLATE_NODE_TEXT, c->start);

			n->len = c->end - c->start;
			continue;
		}
		if (template_parse_begin_tag(ctx, c) < 0)
			return -1;
		if (c->kind == TEMPLATE_CHUNK_EXPR) {
			struct template_expr *e;

			if (ctx->tok.kind == TEMPLATE_TOK_END)
				return template_error(ctx, c->at, "empty '{{ }}'");
			if (!(e = template_parse_tag_expr(ctx)))
				return -1;
			template_parse_nodes_add(into, TEMPLATE_NODE_OUTPUT, c->at)->expr = e;
			continue;
		}
		if (ctx->tok.kind != TEMPLATE_TOK_NAME)
			return template_parse_unexpected(ctx, "a statement name");
		for (w = 0; w < nenders; w++) {
			if (template_parse_at_word(ctx, enders[w])) {
				*ended_by = w;
				/* elif carries a condition, parsed by the if; the others stand alone. */
				if (strcmp(enders[w], "elif") == 0)
					return 0;
				if (template_parse_next(ctx) < 0)
					return -1;
				if (ctx->tok.kind != TEMPLATE_TOK_END)
					return template_parse_unexpected(ctx, "'%}'");
				return 0;
			}
		}
		for (w = 0; w < ARRAY_SIZE(template_enders); w++) {
			if (template_parse_at_word(ctx, template_enders[w])) {
				char *q =
				        template_quote(ctx->src->text + ctx->tok.at, ctx->tok.len);

				template_fatal(ctx, c->at,
				               "'{%% %s %%}' does not close any open block", q);
				free(q);
				return -1;
			}
		}
		for (w = 0; w < ARRAY_SIZE(template_stmts); w++)
			if (template_parse_at_word(ctx, template_stmts[w].word))
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

int
template_parse(struct template_ctx *ctx, struct template_nodes *root)
{
	struct template_chunks cs = { 0 };
	struct template_parser tp = { ctx, &cs, 0 };
	size_t ended;
	int rc = 0;

	if (template_parse_chunks(ctx, &cs) < 0 ||
	    template_parse_block(&tp, root, NULL, 0, 0, &ended) < 0)
		rc = -1;
	template_parse_token_clear(&ctx->tok);
	free(cs.v);
	return rc;
}
