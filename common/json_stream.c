/* json_stream.c: JSON read straight into structs by json.h's tables; the only file that includes yajl. */
#include "common/json.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "common/osmo_time.h"
#include "common/status.h"

/* cJSON's nesting limit: deeper text is the tree reader's to refuse. */
#define JSON_STREAM_DEPTH 1000
/* Fields a table may have: one bit each for "seen" (the tables here have at most 40). */
#define JSON_STREAM_FIELDS 128
/* Longest number or time text read (a longer one goes the tree's way). */
#define JSON_STREAM_SCALAR 64

enum json_stream_frame_kind {
	JSON_STREAM_OBJECT, /* a table's record */
	JSON_STREAM_ARRAY,  /* an ARRAY field's list of records */
	JSON_STREAM_STRV,   /* a STRV field's list of strings */
	JSON_STREAM_LABELS, /* a LABELS field's object of strings */
};

struct json_stream_frame {
	enum json_stream_frame_kind kind;
	const struct json_table *t; /* OBJECT: its table; ARRAY, LABELS: the elements' */
	char *base;                 /* OBJECT: the record */
	const struct json_field *f; /* OBJECT: the field the next value is for (NULL: skipped);
	                             * ARRAY, STRV, LABELS: the field of the list */
	char *owner;                /* ARRAY, STRV, LABELS: the record holding the field */
	size_t next;                /* OBJECT: where the next key is looked for first */
	size_t cap;                 /* ARRAY, LABELS: elements allocated */
	uint64_t seen[JSON_STREAM_FIELDS / 64];
	char *label; /* LABELS: the key whose value comes next */
};

struct json_stream {
	const struct json_opts *o;
	const struct json_table *t;
	void *out;
	struct json_stream_frame *stack;
	size_t depth, cap;
	size_t skip;  /* depth of a value being skipped (an unknown key's), 0: none */
	bool started; /* the top-level object was opened */
	yajl_handle h;
	size_t end; /* bytes through the top-level object's '}' */
};

/* Any refusal: the reader stops, and the caller reads the text the tree's way for its error. */
#define JSON_STREAM_STOP 0
#define JSON_STREAM_GO   1

static struct json_stream_frame *
json_stream_top(struct json_stream *s)
{
	return s->depth ? &s->stack[s->depth - 1] : NULL;
}

static struct json_stream_frame *
json_stream_push(struct json_stream *s, enum json_stream_frame_kind kind)
{
	if (s->depth == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->stack = xreallocarray(s->stack, s->cap, sizeof(*s->stack));
	}
	s->stack[s->depth] = (struct json_stream_frame){ .kind = kind };
	return &s->stack[s->depth++];
}

static char *
json_stream_copy(const struct json_stream *s, const unsigned char *v, size_t len)
{
	/* As cJSON's strings: they end at a NUL (\u0000). */
	len = strnlen((const char *)v, len);
	return s->o->sanitize ? utf8_sanitize((const char *)v, len)
	                      : xstrndup((const char *)v, len);
}

/* Room for one more element of a list, zeroed, counted before it is filled (as json.c). */
static char *
json_stream_elem(struct json_stream_frame *fr)
{
	char **elems = (char **)(fr->owner + fr->f->off);
	size_t *n = (size_t *)(fr->owner + fr->f->aux);
	size_t size = fr->t->size;

	if (*n == fr->cap) {
		size_t cap = fr->cap ? fr->cap * 2 : 4;

		*elems = xreallocarray(*elems, cap, size);
		memset(*elems + fr->cap * size, 0, (cap - fr->cap) * size);
		fr->cap = cap;
	}
	return *elems + (*n)++ * size;
}

/* A record begins: SECS members are -1 until read, as json.c's reader leaves them. */
static struct json_stream_frame *
json_stream_record(struct json_stream *s, const struct json_table *t, char *base)
{
	struct json_stream_frame *fr;

	if (t->n > JSON_STREAM_FIELDS || s->depth >= JSON_STREAM_DEPTH)
		return NULL;
	fr = json_stream_push(s, JSON_STREAM_OBJECT);
	fr->t = t;
	fr->base = base;
	for (size_t i = 0; i < t->n; i++)
		if (t->fields[i].kind == JSON_SECS)
			/* cppcheck-suppress invalidPointerCast ; the table says this member is a double */
			*(double *)(base + t->fields[i].off) = -1;
	return fr;
}

/* A container opened where nothing is read: counted, and refused as deep as cJSON would. */
static int
json_stream_skip_in(struct json_stream *s)
{
	s->skip++;
	return s->depth + s->skip < JSON_STREAM_DEPTH ? JSON_STREAM_GO : JSON_STREAM_STOP;
}

/* A list of field f of the record on top begins. */
static int
json_stream_list(struct json_stream *s, enum json_stream_frame_kind kind,
                 const struct json_field *f)
{
	char *owner = json_stream_top(s)->base;
	struct json_stream_frame *fr;

	if (s->depth >= JSON_STREAM_DEPTH)
		return JSON_STREAM_STOP;
	fr = json_stream_push(s, kind);
	fr->t = f->sub;
	fr->f = f;
	fr->owner = owner;
	return JSON_STREAM_GO;
}

/* A list ends; an empty one is an element's worth of zeros, as json.c allocates it. */
static int
json_stream_list_out(struct json_stream *s)
{
	struct json_stream_frame *fr = json_stream_top(s);

	if ((fr->kind == JSON_STREAM_ARRAY || fr->kind == JSON_STREAM_LABELS) && !fr->cap)
		*(char **)(fr->owner + fr->f->off) = xcalloc(1, fr->t->size);
	free(fr->label);
	fr->label = NULL;
	s->depth--;
	return JSON_STREAM_GO;
}

/*
 * The field of the value that comes now, or NULL when it is skipped; *list is set when the
 * value is a list's element instead. Returns false when no value may come here.
 */
static bool
json_stream_slot(struct json_stream *s, const struct json_field **f,
                 struct json_stream_frame **list)
{
	struct json_stream_frame *fr = json_stream_top(s);

	*f = NULL;
	*list = NULL;
	if (!fr)
		return false;
	if (fr->kind == JSON_STREAM_OBJECT) {
		*f = fr->f;
		fr->f = NULL;
		return true;
	}
	*list = fr;
	return true;
}

/* A scalar value's text into buf, NUL-terminated; false when it is too long. */
static bool
json_stream_text(const unsigned char *v, size_t len, char buf[JSON_STREAM_SCALAR])
{
	if (len >= JSON_STREAM_SCALAR || memchr(v, '\0', len))
		return false;
	memcpy(buf, v, len);
	buf[len] = '\0';
	return true;
}

static int
json_stream_number(void *ctx, const char *v, size_t len)
{
	struct json_stream *s = ctx;
	const struct json_field *f;
	struct json_stream_frame *list;
	char buf[JSON_STREAM_SCALAR];
	double d;
	char *dst;

	if (s->skip)
		return JSON_STREAM_GO;
	/* No list here holds numbers: STRV holds strings, ARRAY records. */
	if (!json_stream_slot(s, &f, &list) || list)
		return JSON_STREAM_STOP;
	if (!f)
		return JSON_STREAM_GO;
	if (!json_stream_text((const unsigned char *)v, len, buf))
		return JSON_STREAM_STOP;
	d = strtod(buf, NULL);
	dst = json_stream_top(s)->base + f->off;
	switch (f->kind) {
	case JSON_STRINGISH:
		*(char **)dst = xasprintf("%g", d);
		return JSON_STREAM_GO;
	case JSON_INT:
		if (!isfinite(d) || d != floor(d) || d < -2147483648.0 || d > 2147483647.0)
			return JSON_STREAM_STOP;
		*(int *)dst = (int)d;
		if (f->aux != JSON_NO_AUX)
			*(bool *)(json_stream_top(s)->base + f->aux) = true;
		return JSON_STREAM_GO;
	case JSON_MS:
		if (!isfinite(d) || d != floor(d) || fabs(d) > 9007199254740992.0)
			return JSON_STREAM_STOP;
		*(int64_t *)dst = (int64_t)d;
		return JSON_STREAM_GO;
	case JSON_SECS:
		if (!isfinite(d))
			return JSON_STREAM_STOP;
		/* cppcheck-suppress invalidPointerCast ; the table says this member is a double */
		*(double *)dst = d;
		return JSON_STREAM_GO;
	default:
		return JSON_STREAM_STOP;
	}
}

static int
json_stream_string(void *ctx, const unsigned char *v, size_t len)
{
	struct json_stream *s = ctx;
	const struct json_field *f;
	struct json_stream_frame *list;
	char buf[JSON_STREAM_SCALAR];
	enum osmo_status status;
	char *dst;

	if (s->skip)
		return JSON_STREAM_GO;
	if (!json_stream_slot(s, &f, &list))
		return JSON_STREAM_STOP;
	if (list && list->kind == JSON_STREAM_STRV) {
		strv_push_owned((struct strv *)(list->owner + list->f->off),
		                json_stream_copy(s, v, len));
		return !s->o->max_items || ((struct strv *)(list->owner + list->f->off))->n <=
		                                   s->o->max_items
		               ? JSON_STREAM_GO
		               : JSON_STREAM_STOP;
	}
	if (list && list->kind == JSON_STREAM_LABELS) {
		char *elem = json_stream_elem(list);

		*(char **)(elem + list->t->fields[0].off) = list->label;
		*(char **)(elem + list->t->fields[1].off) = json_stream_copy(s, v, len);
		list->label = NULL;
		return !s->o->max_items ||
		                       *(size_t *)(list->owner + list->f->aux) <= s->o->max_items
		               ? JSON_STREAM_GO
		               : JSON_STREAM_STOP;
	}
	if (list)
		return JSON_STREAM_STOP;
	if (!f)
		return JSON_STREAM_GO;
	dst = json_stream_top(s)->base + f->off;
	switch (f->kind) {
	case JSON_STR:
	case JSON_STRINGISH:
		*(char **)dst = json_stream_copy(s, v, len);
		return JSON_STREAM_GO;
	case JSON_TIME:
		return json_stream_text(v, len, buf) && osmo_time_parse(buf, (int64_t *)dst) == 0
		               ? JSON_STREAM_GO
		               : JSON_STREAM_STOP;
	case JSON_STATUS:
		if (!json_stream_text(v, len, buf))
			return JSON_STREAM_STOP;
		status = osmo_status_from_wire(buf);
		if (s->o->strict_status && strcmp(osmo_status_wire(status), buf) != 0)
			return JSON_STREAM_STOP;
		*(enum osmo_status *)dst = status;
		return JSON_STREAM_GO;
	case JSON_UUID:
		if (strnlen((const char *)v, len) > 32)
			return JSON_STREAM_STOP;
		len = strnlen((const char *)v, len);
		memcpy(dst, v, len);
		((char *)dst)[len] = '\0';
		return JSON_STREAM_GO;
	default:
		return JSON_STREAM_STOP;
	}
}

static int
json_stream_bool(void *ctx, int v)
{
	struct json_stream *s = ctx;
	const struct json_field *f;
	struct json_stream_frame *list;

	if (s->skip)
		return JSON_STREAM_GO;
	if (!json_stream_slot(s, &f, &list) || list)
		return JSON_STREAM_STOP;
	if (!f)
		return JSON_STREAM_GO;
	if (f->kind != JSON_BOOL)
		return JSON_STREAM_STOP;
	*(bool *)(json_stream_top(s)->base + f->off) = v;
	return JSON_STREAM_GO;
}

static int
json_stream_null(void *ctx)
{
	struct json_stream *s = ctx;
	const struct json_field *f;
	struct json_stream_frame *list;

	if (s->skip)
		return JSON_STREAM_GO;
	/* A null leaves the member as it was; a list's element may not be one. */
	if (!json_stream_slot(s, &f, &list) || list)
		return JSON_STREAM_STOP;
	return f && f->required ? JSON_STREAM_STOP : JSON_STREAM_GO;
}

static int
json_stream_start_map(void *ctx)
{
	struct json_stream *s = ctx;
	const struct json_field *f;
	struct json_stream_frame *list;

	if (s->skip)
		return json_stream_skip_in(s);
	if (!s->started) {
		s->started = true;
		return json_stream_record(s, s->t, s->out) ? JSON_STREAM_GO : JSON_STREAM_STOP;
	}
	if (!json_stream_slot(s, &f, &list))
		return JSON_STREAM_STOP;
	if (list) {
		if (list->kind != JSON_STREAM_ARRAY)
			return JSON_STREAM_STOP;
		if (s->o->max_items && *(size_t *)(list->owner + list->f->aux) >= s->o->max_items)
			return JSON_STREAM_STOP;
		return json_stream_record(s, list->t, json_stream_elem(list)) ? JSON_STREAM_GO
		                                                              : JSON_STREAM_STOP;
	}
	if (!f)
		return json_stream_skip_in(s);
	if (f->kind == JSON_OBJECT)
		return json_stream_record(s, f->sub, json_stream_top(s)->base) ? JSON_STREAM_GO
		                                                               : JSON_STREAM_STOP;
	return f->kind == JSON_LABELS ? json_stream_list(s, JSON_STREAM_LABELS, f)
	                              : JSON_STREAM_STOP;
}

static int
json_stream_map_key(void *ctx, const unsigned char *key, size_t len)
{
	struct json_stream *s = ctx;
	struct json_stream_frame *fr = json_stream_top(s);
	const struct json_table *t;

	if (s->skip)
		return JSON_STREAM_GO;
	if (fr->kind == JSON_STREAM_LABELS) {
		free(fr->label);
		fr->label = json_stream_copy(s, key, len);
		return JSON_STREAM_GO;
	}
	/* A key with a NUL in it is no table's: skipped, as cJSON's lookup would never match it. */
	t = fr->t;
	fr->f = NULL;
	for (size_t k = 0; k < t->n && !memchr(key, '\0', len); k++) {
		size_t i = (fr->next + k) % t->n;

		if (strncmp(t->fields[i].key, (const char *)key, len) != 0 ||
		    t->fields[i].key[len] != '\0')
			continue;
		/* The same key twice: which one counts is the tree's to say. */
		if (fr->seen[i / 64] & (UINT64_C(1) << (i % 64)))
			return JSON_STREAM_STOP;
		fr->seen[i / 64] |= UINT64_C(1) << (i % 64);
		fr->f = &t->fields[i];
		fr->next = i + 1;
		break;
	}
	return JSON_STREAM_GO;
}

static int
json_stream_end_map(void *ctx)
{
	struct json_stream *s = ctx;
	struct json_stream_frame *fr = json_stream_top(s);

	if (s->skip) {
		s->skip--;
		return JSON_STREAM_GO;
	}
	if (fr->kind != JSON_STREAM_OBJECT)
		return json_stream_list_out(s);
	for (size_t i = 0; i < fr->t->n; i++)
		if (fr->t->fields[i].required && !(fr->seen[i / 64] & (UINT64_C(1) << (i % 64))))
			return JSON_STREAM_STOP;
	if (--s->depth == 0)
		s->end = yajl_get_bytes_consumed(s->h);
	return JSON_STREAM_GO;
}

static int
json_stream_start_array(void *ctx)
{
	struct json_stream *s = ctx;
	const struct json_field *f;
	struct json_stream_frame *list;

	if (s->skip)
		return json_stream_skip_in(s);
	if (!json_stream_slot(s, &f, &list) || list)
		return JSON_STREAM_STOP;
	if (!f)
		return json_stream_skip_in(s);
	if (f->kind != JSON_ARRAY && f->kind != JSON_STRV)
		return JSON_STREAM_STOP;
	return json_stream_list(s, f->kind == JSON_ARRAY ? JSON_STREAM_ARRAY : JSON_STREAM_STRV, f);
}

static int
json_stream_end_array(void *ctx)
{
	struct json_stream *s = ctx;

	if (s->skip) {
		s->skip--;
		return JSON_STREAM_GO;
	}
	return json_stream_list_out(s);
}

static const yajl_callbacks json_stream_callbacks = {
	.yajl_null = json_stream_null,
	.yajl_boolean = json_stream_bool,
	.yajl_number = json_stream_number,
	.yajl_string = json_stream_string,
	.yajl_start_map = json_stream_start_map,
	.yajl_map_key = json_stream_map_key,
	.yajl_end_map = json_stream_end_map,
	.yajl_start_array = json_stream_start_array,
	.yajl_end_array = json_stream_end_array,
};

/* A \uD800-\uDFFF escape: cJSON and yajl part ways on lone surrogates, so the tree decides. */
static bool
json_stream_surrogates(const char *text, size_t len)
{
	for (const char *p = text, *end = text + len; (p = memchr(p, '\\', (size_t)(end - p)));
	     p += 2) {
		if (end - p < 4)
			return false;
		if (p[1] == 'u' && (p[2] == 'd' || p[2] == 'D') && strchr("89abcdefABCDEF", p[3]))
			return true;
	}
	return false;
}

int
json_decode(const char *text, size_t len, const struct json_table *t, void *out,
            const struct json_opts *opts)
{
	struct json_stream s = { .o = opts, .t = t, .out = out };
	yajl_handle h;
	bool ok;

	memset(out, 0, t->size);
	if (json_stream_surrogates(text, len))
		return -1;
	h = s.h = yajl_alloc(&json_stream_callbacks, NULL, &s);
	ok = yajl_parse(h, (const unsigned char *)text, len) == yajl_status_ok &&
	     yajl_complete_parse(h) == yajl_status_ok && s.started && s.depth == 0;
	/* yajl leaves a string begun after the end unread, where json_parse refuses it. */
	while (ok && s.end < len && text[s.end] && strchr(" \t\r\n", text[s.end]))
		s.end++;
	ok = ok && s.end == len;
	yajl_free(h);
	for (size_t i = 0; i < s.depth; i++)
		free(s.stack[i].label);
	free(s.stack);
	if (ok)
		return 0;
	json_free(t, out);
	return -1;
}
