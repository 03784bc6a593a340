/* template_eval.c: a parsed template rendered: expressions, filters, tests, statements. */
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

/* ---- Rendering ---- */

static void
template_eval_emit(struct template_ctx *ctx, const char *s, size_t n, size_t src, bool literal)
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
template_eval_lookup(const struct template_ctx *ctx, const char *name)
{
	const struct template_value *v = template_vars_find(&ctx->scope, name);

	return v ? v : ctx->vars ? template_vars_find(ctx->vars, name) : NULL;
}

/* Sets name in the innermost frame, replacing a value already set there. */
static void
template_eval_scope_set(struct template_ctx *ctx, const char *name, struct template_value v)
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
template_eval_scope_push(struct template_ctx *ctx)
{
	ctx->frames = xreallocarray(ctx->frames, ctx->nframes + 1, sizeof(*ctx->frames));
	ctx->frames[ctx->nframes++] = ctx->scope.n;
}

static void
template_eval_scope_pop(struct template_ctx *ctx)
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
template_eval_need(struct template_ctx *ctx, const struct template_value *v)
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
template_eval_type_error(struct template_ctx *ctx, size_t at, const char *what,
                         const struct template_value *a, const struct template_value *b)
{
	if (b)
		return template_error(ctx, at, "unsupported operand types for %s: '%s' and '%s'",
		                      what, template_value_type_name(a->type),
		                      template_value_type_name(b->type));
	return template_error(ctx, at, "bad operand type for %s: '%s'", what,
	                      template_value_type_name(a->type));
}

static int
template_eval_overflow(struct template_ctx *ctx, size_t at)
{
	return template_error(ctx, at, "integer overflow");
}

/* Python's floor division and modulo for ints. */
static void
template_eval_divmod(long long a, long long b, long long *q, long long *r)
{
	*q = a / b;
	*r = a % b;
	if (*r != 0 && ((*r < 0) != (b < 0))) {
		*q -= 1;
		*r += b;
	}
}

static int
template_eval_arith(struct template_ctx *ctx, const struct template_expr *e,
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

	if (template_value_numeric(a, &af, &ai, &ad) && template_value_numeric(b, &bf, &bi, &bd)) {
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
			*out = template_value_float(q);
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
				return template_eval_overflow(ctx, e->at);
			template_eval_divmod(ai, bi, &q, &m);
			r = e->op == TEMPLATE_OP_FLOORDIV ? q : m;
			break;
		}
		}
		if (over)
			return template_eval_overflow(ctx, e->at);
		*out = template_value_int(r);
		return 0;
	}
	if (e->op == TEMPLATE_OP_ADD && a->type == TEMPLATE_STR && b->type == TEMPLATE_STR) {
		struct strbuf sb = { 0 };

		strbuf_add(&sb, a->s, a->n);
		strbuf_add(&sb, b->s, b->n);
		*out = template_value_take(&sb);
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
			return template_eval_type_error(ctx, e->at, "*", a, b);
		long long times = k->type == TEMPLATE_BOOL ? k->b : k->i;
		if (times > 0 && s->n > 0 && (unsigned long long)times > TEMPLATE_MAX_OUTPUT / s->n)
			return template_fatal(ctx, e->at, "string repetition too large");
		for (long long i = 0; i < times; i++)
			strbuf_add(&sb, s->s, s->n);
		*out = template_value_take(&sb);
		return 0;
	}
	return template_eval_type_error(ctx, e->at, symbols[e->op], a, b);
}

static int
template_eval_compare(struct template_ctx *ctx, const struct template_expr *e,
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
		*out = template_value_equal(a, b) == (e->op == TEMPLATE_OP_EQ);
		return 0;
	}
	if (template_value_numeric(a, &af, &ai, &ad) && template_value_numeric(b, &bf, &bi, &bd)) {
		c = af || bf ? (ad > bd) - (ad < bd) : (ai > bi) - (ai < bi);
	} else if (a->type == TEMPLATE_STR && b->type == TEMPLATE_STR) {
		c = memcmp(a->s, b->s, a->n < b->n ? a->n : b->n);
		if (c == 0)
			c = (a->n > b->n) - (a->n < b->n);
	} else {
		return template_error(ctx, e->at,
		                      "'%s' not supported between instances of '%s' and '%s'",
		                      symbols[e->op], template_value_type_name(a->type),
		                      template_value_type_name(b->type));
	}
	*out = e->op == TEMPLATE_OP_LT   ? c < 0
	       : e->op == TEMPLATE_OP_GT ? c > 0
	       : e->op == TEMPLATE_OP_LE ? c <= 0
	                                 : c >= 0;
	return 0;
}

static int
template_eval_contains(struct template_ctx *ctx, const struct template_expr *e,
                       const struct template_value *item, const struct template_value *in,
                       bool *out)
{
	*out = false;
	if (in->type == TEMPLATE_STR) {
		if (item->type != TEMPLATE_STR)
			return template_error(ctx, e->at,
			                      "'in <string>' requires string as left "
			                      "operand, not %s",
			                      template_value_type_name(item->type));
		for (size_t i = 0; !*out && i + item->n <= in->n; i++)
			*out = memcmp(in->s + i, item->s, item->n) == 0;
		return 0;
	}
	if (in->type == TEMPLATE_LIST) {
		for (size_t i = 0; i < in->n && !*out; i++)
			*out = template_value_equal(item, &in->items[i]);
		return 0;
	}
	if (in->type == TEMPLATE_RANGE) {
		bool f;
		long long k;
		double d;

		if (template_value_numeric(item, &f, &k, &d) && !f &&
		    template_value_range_len(in)) {
			long long off = k - in->i;

			*out = (in->step > 0 ? k >= in->i && k < in->stop
			                     : k <= in->i && k > in->stop) &&
			       off % in->step == 0;
		}
		return 0;
	}
	return template_error(ctx, e->at, "argument of type '%s' is not iterable",
	                      template_value_type_name(in->type));
}

/* ---- Filters, tests, functions ---- */

static int
template_eval_filter_default(struct template_ctx *ctx, size_t at, struct template_value *v,
                             struct template_value *args, size_t nargs)
{
	(void)ctx;
	(void)at;
	bool boolean = nargs > 1 && template_value_truthy(&args[1]);

	if (v->type == TEMPLATE_UNDEFINED || (boolean && !template_value_truthy(v))) {
		template_value_free(v);
		*v = nargs ? template_value_copy(&args[0]) : template_value_str("", 0);
	}
	return 0;
}

static int
template_eval_filter_case(struct template_value *v, bool upper)
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
	*v = template_value_take(&sb);
	return 0;
}

static int
template_eval_filter_upper(struct template_ctx *ctx, size_t at, struct template_value *v,
                           struct template_value *args, size_t nargs)
{
	(void)ctx, (void)at, (void)args, (void)nargs;
	return template_eval_filter_case(v, true);
}

static int
template_eval_filter_lower(struct template_ctx *ctx, size_t at, struct template_value *v,
                           struct template_value *args, size_t nargs)
{
	(void)ctx, (void)at, (void)args, (void)nargs;
	return template_eval_filter_case(v, false);
}

/* Trims template whitespace in place: returns the first kept byte, cuts after the last. */
static char *
template_eval_trim(char *s)
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
template_eval_filter_result(struct template_value *v, bool ok, struct template_value converted,
                            struct template_value *args, size_t nargs)
{
	template_value_free(v);
	*v = !ok && nargs ? template_value_copy(&args[0]) : converted;
}

static int
template_eval_filter_int(struct template_ctx *ctx, size_t at, struct template_value *v,
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
		char *s = xstrndup(v->s, v->n), *a = template_eval_trim(s);
		if (!template_value_parse_int(a, &i)) {
			ok = template_value_parse_float(a, &f) && isfinite(f) && fabs(f) < 9.2e18;
			i = ok ? (long long)f : 0;
		}
		free(s);
	} else
		ok = false;
	template_eval_filter_result(v, ok, template_value_int(ok ? i : 0), args, nargs);
	return 0;
}

static int
template_eval_filter_float(struct template_ctx *ctx, size_t at, struct template_value *v,
                           struct template_value *args, size_t nargs)
{
	bool isf;
	long long i;
	double f = 0;
	bool ok = template_value_numeric(v, &isf, &i, &f);

	(void)ctx, (void)at;
	if (v->type == TEMPLATE_STR) {
		char *s = xstrndup(v->s, v->n), *a = template_eval_trim(s);
		ok = template_value_parse_float(a, &f);
		free(s);
	}
	template_eval_filter_result(v, ok, template_value_float(ok ? f : 0.0), args, nargs);
	return 0;
}

static int
template_eval_filter_string(struct template_ctx *ctx, size_t at, struct template_value *v,
                            struct template_value *args, size_t nargs)
{
	struct strbuf sb = { 0 };

	(void)ctx, (void)at, (void)args, (void)nargs;
	template_value_format(v, &sb);
	template_value_free(v);
	*v = template_value_take(&sb);
	return 0;
}

static int
template_eval_filter_trim(struct template_ctx *ctx, size_t at, struct template_value *v,
                          struct template_value *args, size_t nargs)
{
	size_t a = 0, b;

	template_eval_filter_string(ctx, at, v, args, nargs);
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
template_eval_filter_length(struct template_ctx *ctx, size_t at, struct template_value *v,
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
		n = template_value_range_len(v);
	} else {
		return template_error(ctx, at, "object of type '%s' has no len()",
		                      template_value_type_name(v->type));
	}
	template_value_free(v);
	*v = template_value_int((long long)n);
	return 0;
}

static int
template_eval_filter_replace(struct template_ctx *ctx, size_t at, struct template_value *v,
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
	*v = template_value_take(&sb);
	return 0;
}

static int
template_eval_filter_join(struct template_ctx *ctx, size_t at, struct template_value *v,
                          struct template_value *args, size_t nargs)
{
	struct strbuf sb = { 0 };

	if (v->type != TEMPLATE_LIST)
		return template_error(ctx, at, "join() needs a list, not %s",
		                      template_value_type_name(v->type));
	for (size_t i = 0; i < v->n; i++) {
		if (i && nargs)
			template_value_format(&args[0], &sb);
		template_value_format(&v->items[i], &sb);
	}
	template_value_free(v);
	*v = template_value_take(&sb);
	return 0;
}

static int
template_eval_filter_abs(struct template_ctx *ctx, size_t at, struct template_value *v,
                         struct template_value *args, size_t nargs)
{
	bool isf;
	long long i;
	double f;

	(void)args, (void)nargs;
	if (!template_value_numeric(v, &isf, &i, &f))
		return template_error(ctx, at, "bad operand type for abs(): '%s'",
		                      template_value_type_name(v->type));
	if (!isf && i == LLONG_MIN)
		return template_eval_overflow(ctx, at);
	*v = isf ? template_value_float(fabs(f)) : template_value_int(i < 0 ? -i : i);
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
	{ "default", 0, 2, true, template_eval_filter_default },
	{ "d", 0, 2, true, template_eval_filter_default },
	{ "upper", 0, 0, false, template_eval_filter_upper },
	{ "lower", 0, 0, false, template_eval_filter_lower },
	{ "int", 0, 2, false, template_eval_filter_int },
	{ "float", 0, 1, false, template_eval_filter_float },
	{ "string", 0, 0, false, template_eval_filter_string },
	{ "trim", 0, 0, false, template_eval_filter_trim },
	{ "length", 0, 0, false, template_eval_filter_length },
	{ "count", 0, 0, false, template_eval_filter_length },
	{ "replace", 2, 2, false, template_eval_filter_replace },
	{ "join", 0, 1, false, template_eval_filter_join },
	{ "abs", 0, 0, false, template_eval_filter_abs },
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
template_eval_test(struct template_ctx *ctx, const struct template_expr *e,
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
	if (k != TEMPLATE_TEST_DEFINED && k != TEMPLATE_TEST_UNDEFINED &&
	    template_eval_need(ctx, v) < 0)
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
			                      template_value_type_name(v->type));
		*out = (((v->type == TEMPLATE_BOOL ? v->b : v->i) % 2) != 0) ==
		       (k == TEMPLATE_TEST_ODD);
		break;
	}
	if (e->negate)
		*out = !*out;
	return 0;
}

static int
template_eval_call(struct template_ctx *ctx, const struct template_expr *e,
                   struct template_value *args, size_t nargs, struct template_value *out)
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
			                      template_value_type_name(args[i].type));
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
template_eval_filter(struct template_ctx *ctx, const struct template_expr *e,
                     struct template_value *v)
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
	if (!f->takes_undefined && template_eval_need(ctx, v) < 0)
		return -1;
	args = xcalloc(nargs ? nargs : 1, sizeof(*args));
	for (size_t i = 0; i < nargs && rc == 0; i++)
		if ((rc = template_eval(ctx, e->args[i + 1], &args[i])) == 0)
			rc = template_eval_need(ctx, &args[i]);
	if (rc == 0)
		rc = f->fn(ctx, e->at, v, args, nargs);
	for (size_t i = 0; i < nargs; i++)
		template_value_free(&args[i]);
	free(args);
	return rc;
}

static int
template_eval_index(struct template_ctx *ctx, const struct template_expr *e,
                    const struct template_value *v, const struct template_value *idx,
                    struct template_value *out)
{
	long long i;

	if (v->type != TEMPLATE_LIST)
		return template_error(ctx, e->at, "'%s' object is not subscriptable",
		                      template_value_type_name(v->type));
	if (idx->type != TEMPLATE_INT)
		return template_error(ctx, e->at, "list indices must be integers, not %s",
		                      template_value_type_name(idx->type));
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
	if (template_eval(ctx, e->args[0], a) < 0 || template_eval_need(ctx, a) < 0)
		return -1;
	if (template_eval(ctx, e->args[1], b) < 0 || template_eval_need(ctx, b) < 0)
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
		const struct template_value *v = template_eval_lookup(ctx, e->name);

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
				rc = template_eval_need(ctx, &out->items[out->n - 1]);
		}
		break;
	case TEMPLATE_OP_NOT:
		if ((rc = template_eval(ctx, e->args[0], &a)) == 0 &&
		    (rc = template_eval_need(ctx, &a)) == 0)
			*out = template_value_bool(!template_value_truthy(&a));
		break;
	case TEMPLATE_OP_NEG:
	case TEMPLATE_OP_POS: {
		bool isf;
		long long i;
		double f;

		if ((rc = template_eval(ctx, e->args[0], &a)) < 0 ||
		    (rc = template_eval_need(ctx, &a)) < 0)
			break;
		if (!template_value_numeric(&a, &isf, &i, &f)) {
			rc = template_eval_type_error(
			        ctx, e->at, e->op == TEMPLATE_OP_NEG ? "unary -" : "unary +", &a,
			        NULL);
		} else if (e->op == TEMPLATE_OP_POS) {
			*out = isf ? template_value_float(f) : template_value_int(i);
		} else if (isf) {
			*out = template_value_float(-f);
		} else if (i == LLONG_MIN) {
			rc = template_eval_overflow(ctx, e->at);
		} else {
			*out = template_value_int(-i);
		}
		break;
	}
	case TEMPLATE_OP_AND:
	case TEMPLATE_OP_OR:
		/* Python returns the deciding operand, not a bool. */
		if ((rc = template_eval(ctx, e->args[0], &a)) < 0 ||
		    (rc = template_eval_need(ctx, &a)) < 0)
			break;
		if (template_value_truthy(&a) == (e->op == TEMPLATE_OP_OR)) {
			*out = a;
			return 0;
		}
		if ((rc = template_eval(ctx, e->args[1], out)) == 0)
			rc = template_eval_need(ctx, out);
		break;
	case TEMPLATE_OP_EQ:
	case TEMPLATE_OP_NE:
	case TEMPLATE_OP_LT:
	case TEMPLATE_OP_GT:
	case TEMPLATE_OP_LE:
	case TEMPLATE_OP_GE:
		if ((rc = template_eval_pair(ctx, e, &a, &b)) == 0 &&
		    (rc = template_eval_compare(ctx, e, &a, &b, &flag)) == 0)
			*out = template_value_bool(flag);
		break;
	case TEMPLATE_OP_IN:
	case TEMPLATE_OP_NOTIN:
		if ((rc = template_eval_pair(ctx, e, &a, &b)) == 0 &&
		    (rc = template_eval_contains(ctx, e, &a, &b, &flag)) == 0)
			*out = template_value_bool(flag == (e->op == TEMPLATE_OP_IN));
		break;
	case TEMPLATE_OP_ADD:
	case TEMPLATE_OP_SUB:
	case TEMPLATE_OP_MUL:
	case TEMPLATE_OP_DIV:
	case TEMPLATE_OP_FLOORDIV:
	case TEMPLATE_OP_MOD:
		if ((rc = template_eval_pair(ctx, e, &a, &b)) == 0)
			rc = template_eval_arith(ctx, e, &a, &b, out);
		break;
	case TEMPLATE_OP_CONCAT:
		if ((rc = template_eval_pair(ctx, e, &a, &b)) == 0) {
			struct strbuf sb = { 0 };

			template_value_format(&a, &sb);
			template_value_format(&b, &sb);
			*out = template_value_take(&sb);
		}
		break;
	case TEMPLATE_OP_COND:
		if ((rc = template_eval(ctx, e->args[1], &a)) < 0 ||
		    (rc = template_eval_need(ctx, &a)) < 0)
			break;
		flag = template_value_truthy(&a);
		template_value_free(&a);
		if (flag)
			return template_eval(ctx, e->args[0], out);
		if (e->nargs > 2)
			return template_eval(ctx, e->args[2], out);
		/* Jinja's missing else is undefined; rendering it gives nothing. */
		*out = template_value_str("", 0);
		break;
	case TEMPLATE_OP_FILTER:
		if ((rc = template_eval(ctx, e->args[0], out)) == 0)
			rc = template_eval_filter(ctx, e, out);
		break;
	case TEMPLATE_OP_TEST:
		if ((rc = template_eval(ctx, e->args[0], &a)) == 0 &&
		    (rc = template_eval_test(ctx, e, &a, &flag)) == 0)
			*out = template_value_bool(flag);
		break;
	case TEMPLATE_OP_CALL: {
		struct template_value *args = xcalloc(e->nargs ? e->nargs : 1, sizeof(*args));

		for (size_t i = 0; i < e->nargs && rc == 0; i++)
			if ((rc = template_eval(ctx, e->args[i], &args[i])) == 0)
				rc = template_eval_need(ctx, &args[i]);
		if (rc == 0)
			rc = template_eval_call(ctx, e, args, e->nargs, out);
		for (size_t i = 0; i < e->nargs; i++)
			template_value_free(&args[i]);
		free(args);
		break;
	}
	case TEMPLATE_OP_INDEX:
		if ((rc = template_eval_pair(ctx, e, &a, &b)) == 0)
			rc = template_eval_index(ctx, e, &a, &b, out);
		break;
	}
	template_value_free(&a);
	template_value_free(&b);
	if (rc < 0)
		template_value_free(out);
	return rc;
}

static void template_eval_nodes(struct template_ctx *ctx, const struct template_nodes *ns);

static void
template_eval_for(struct template_ctx *ctx, const struct template_node *n)
{
	struct template_value iter;
	size_t count;

	if (template_eval(ctx, n->expr, &iter) < 0)
		return;
	if (template_eval_need(ctx, &iter) < 0)
		goto out;
	if (iter.type == TEMPLATE_LIST)
		count = iter.n;
	else if (iter.type == TEMPLATE_RANGE)
		count = template_value_range_len(&iter);
	else {
		template_error(ctx, n->at, "cannot loop over %s (use range() or a list)",
		               template_value_type_name(iter.type));
		goto out;
	}
	template_eval_scope_push(ctx);
	for (size_t k = 0; k < count && !ctx->fatal; k++) {
		if (++ctx->iterations > TEMPLATE_MAX_ITERATIONS) {
			template_fatal(ctx, n->at, "loops would run more than %u times in all",
			               TEMPLATE_MAX_ITERATIONS);
			break;
		}
		struct template_value item =
		        iter.type == TEMPLATE_LIST
		                ? template_value_copy(&iter.items[k])
		                : template_value_int(iter.i + (long long)k * iter.step);
		template_eval_scope_set(ctx, n->name, item);
		template_eval_nodes(ctx, &n->body);
	}
	template_eval_scope_pop(ctx);
	if (count == 0)
		template_eval_nodes(ctx, &n->orelse);
out:
	template_value_free(&iter);
}

static void
template_eval_node(struct template_ctx *ctx, const struct template_node *n)
{
	struct template_value v;

	switch (n->kind) {
	case TEMPLATE_NODE_TEXT:
		template_eval_emit(ctx, ctx->src->text + n->at, n->len, n->at, true);
		break;
	case TEMPLATE_NODE_OUTPUT:
		if (template_eval(ctx, n->expr, &v) == 0) {
			if (template_eval_need(ctx, &v) == 0) {
				struct strbuf sb = { 0 };

				template_value_format(&v, &sb);
				template_eval_emit(ctx, sb.buf ? sb.buf : "", sb.len, n->at, false);
				strbuf_free(&sb);
			}
			template_value_free(&v);
		}
		break;
	case TEMPLATE_NODE_FOR:
		template_eval_for(ctx, n);
		break;
	case TEMPLATE_NODE_IF:
		for (size_t i = 0; i < n->nbranches; i++) {
			const struct template_branch *br = &n->branches[i];
			bool take = true;

			if (br->cond) {
				if (template_eval(ctx, br->cond, &v) < 0)
					return;
				if (template_eval_need(ctx, &v) < 0) {
					template_value_free(&v);
					return;
				}
				take = template_value_truthy(&v);
				template_value_free(&v);
			}
			if (take) {
				template_eval_nodes(ctx, &br->body);
				break;
			}
		}
		break;
	case TEMPLATE_NODE_SET:
		if (template_eval(ctx, n->expr, &v) == 0) {
			if (template_eval_need(ctx, &v) == 0)
				template_eval_scope_set(ctx, n->name, v);
			else
				template_value_free(&v);
		}
		break;
	}
}

static void
template_eval_nodes(struct template_ctx *ctx, const struct template_nodes *ns)
{
	for (size_t i = 0; i < ns->n && !ctx->fatal; i++)
		template_eval_node(ctx, &ns->v[i]);
}

void
template_eval_render(struct template_ctx *ctx, const struct template_nodes *root)
{
	template_eval_scope_push(ctx);
	template_eval_nodes(ctx, root);
	template_eval_scope_pop(ctx);
}
