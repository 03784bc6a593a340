/* template_value.c: Python's values as Jinja sees them: made, compared, printed, parsed. */
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

/* Python's names for the types, as its error messages spell them. */
static const char *const template_value_type_names[] = {
	[TEMPLATE_NONE] = "NoneType",       [TEMPLATE_BOOL] = "bool",   [TEMPLATE_INT] = "int",
	[TEMPLATE_FLOAT] = "float",         [TEMPLATE_STR] = "str",     [TEMPLATE_LIST] = "list",
	[TEMPLATE_UNDEFINED] = "undefined", [TEMPLATE_RANGE] = "range",
};

const char *
template_value_type_name(enum template_type type)
{
	return template_value_type_names[type];
}

struct template_value
template_value_str(const char *s, size_t n)
{
	return (struct template_value){ .type = TEMPLATE_STR, .s = xstrndup(s, n), .n = n };
}

/* sb's text as a string value; sb is left empty. */
struct template_value
template_value_take(struct strbuf *sb)
{
	size_t n = sb->len;

	return (struct template_value){ .type = TEMPLATE_STR, .s = strbuf_detach(sb), .n = n };
}

struct template_value
template_value_int(long long i)
{
	return (struct template_value){ .type = TEMPLATE_INT, .i = i };
}

struct template_value
template_value_float(double f)
{
	return (struct template_value){ .type = TEMPLATE_FLOAT, .f = f };
}

struct template_value
template_value_bool(bool b)
{
	return (struct template_value){ .type = TEMPLATE_BOOL, .b = b };
}

/* Python's repr of a float: the shortest digits that read back the same. */
static void
template_value_format_float(double f, struct strbuf *sb)
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
void
template_value_repr(const struct template_value *v, struct strbuf *sb)
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

bool
template_value_truthy(const struct template_value *v)
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
bool
template_value_numeric(const struct template_value *v, bool *is_float, long long *i, double *f)
{
	*is_float = v->type == TEMPLATE_FLOAT;
	*i = v->type == TEMPLATE_BOOL ? v->b : v->i;
	*f = v->type == TEMPLATE_FLOAT ? v->f : (double)*i;
	return v->type == TEMPLATE_BOOL || v->type == TEMPLATE_INT || v->type == TEMPLATE_FLOAT;
}

size_t
template_value_range_len(const struct template_value *v)
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

bool
template_value_equal(const struct template_value *a, const struct template_value *b)
{
	bool af, bf;
	long long ai, bi;
	double ad, bd;

	if (template_value_numeric(a, &af, &ai, &ad) && template_value_numeric(b, &bf, &bi, &bd))
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
			if (!template_value_equal(&a->items[i], &b->items[i]))
				return false;
		return true;
	case TEMPLATE_RANGE:
		return a->i == b->i && a->stop == b->stop && a->step == b->step;
	default:
		return false;
	}
}

/* Python's int(): optional sign, digits with single underscores between them. */
bool
template_value_parse_int(const char *s, long long *out)
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
bool
template_value_parse_float(const char *s, double *out)
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
		template_value_format_float(v->f, sb);
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
				template_value_repr(&v->items[i], sb);
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
