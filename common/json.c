/* json.c: table-driven JSON reading into structs; the only file in common/ that includes cJSON. */
#include "common/json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/osmo_time.h"
#include "common/status.h"

#define JSON_MAX_MS 9007199254740992.0 /* 2^53: larger doubles skip integers */

static const char *const json_expected[] = {
#define JSON_KIND_EXPECTED(name, expected) [JSON_##name] = expected,
	JSON_KIND_LIST(JSON_KIND_EXPECTED)
#undef JSON_KIND_EXPECTED
};

/*
 * Where a value sits: a chain up to the root, made into "groups[2].tasks[0].status" only
 * when something there is wrong (a path per value read would cost more than the reading).
 */
struct json_where {
	const struct json_where *up; /* NULL at the root */
	const char *key;             /* the root's prefix at the root; NULL: index */
	size_t index;
};

static void
json_where_path(const struct json_where *w, char out[JSON_PATH])
{
	if (!w->up) {
		strlcpy_safe(out, w->key, JSON_PATH);
		return;
	}
	json_where_path(w->up, out);
	json_subpath(out, out, w->key, w->index);
}

static int json_fail(struct json_error *err, const struct json_where *w, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int
json_fail(struct json_error *err, const struct json_where *w, const char *fmt, ...)
{
	va_list ap;

	json_where_path(w, err->path);
	va_start(ap, fmt);
	vsnprintf(err->what, sizeof(err->what), fmt, ap);
	va_end(ap);
	return -1;
}

/* The wrong-type error of f: the caller's wording for its kind, or the list's. */
static int
json_fail_type(struct json_error *err, const struct json_where *w, const struct json_field *f,
               const struct json_opts *o)
{
	const char *what = o->expected ? o->expected[f->kind] : NULL;

	return json_fail(err, w, "%s", what ? what : json_expected[f->kind]);
}

/* Paths are for messages only, so a long one is cut rather than refused. */
void
json_subpath(char out[JSON_PATH], const char *base, const char *key, size_t index)
{
	struct strbuf sb = { 0 };

	strbuf_addstr(&sb, base);
	if (key)
		strbuf_addf(&sb, "%s%s", base[0] ? "." : "", key);
	else
		strbuf_addf(&sb, "[%zu]", index);
	strlcpy_safe(out, sb.buf, JSON_PATH);
	strbuf_free(&sb);
}

static char *
json_copy(const char *s, const struct json_opts *o)
{
	return o->sanitize ? utf8_sanitize(s, strlen(s)) : xstrdup(s);
}

/* A number that is integral and within [lo, hi]. */
static bool
json_integral(const cJSON *item, double lo, double hi)
{
	double d = item->valuedouble;

	return cJSON_IsNumber(item) && isfinite(d) && d == floor(d) && d >= lo && d <= hi;
}

static int json_read_table(const cJSON *obj, const struct json_table *t, char *base,
                           const struct json_where *w, const struct json_opts *o,
                           struct json_error *err);

static int
json_read_strv(const cJSON *item, struct strv *out, const struct json_where *w,
               const struct json_opts *o, struct json_error *err)
{
	const cJSON *el;
	size_t i = 0;

	cJSON_ArrayForEach(el, item)
	{
		if (!cJSON_IsString(el)) {
			struct json_where at = { w, NULL, i };

			if (o->item_numbers)
				return json_fail(err, w, "item %zu: expected a string", i);
			return json_fail(err, &at, "expected a string");
		}
		strv_push_owned(out, json_copy(el->valuestring, o));
		i++;
	}
	return 0;
}

/* One member of an object of strings as an element of sub: its key and value in sub's fields. */
static int
json_read_label(const cJSON *el, const struct json_table *sub, char *elem,
                const struct json_where *w, const struct json_opts *o, struct json_error *err)
{
	if (!cJSON_IsString(el)) {
		struct json_where at = { w, el->string, 0 };

		return json_fail(err, &at, "expected a string");
	}
	*(char **)(elem + sub->fields[0].off) = json_copy(el->string, o);
	*(char **)(elem + sub->fields[1].off) = json_copy(el->valuestring, o);
	return 0;
}

/* The elements of a LABELS or ARRAY field, into a fresh array of sub's size. */
static int
json_read_elems(const cJSON *item, const struct json_field *f, char *base,
                const struct json_where *w, const struct json_opts *o, struct json_error *err)
{
	const struct json_table *sub = f->sub;
	char **elems = (char **)(base + f->off);
	size_t *n = (size_t *)(base + f->aux);
	size_t count = (size_t)cJSON_GetArraySize(item);
	const cJSON *el;

	*elems = xcalloc(count ? count : 1, sub->size);
	cJSON_ArrayForEach(el, item)
	{
		char *elem = *elems + *n * sub->size;
		struct json_where at = { w, NULL, *n };
		int rc;

		/* Counted before filling, so the caller's free frees a half-read element too. */
		(*n)++;
		if (f->kind == JSON_LABELS)
			rc = json_read_label(el, sub, elem, w, o, err);
		else
			rc = json_read_table(el, sub, elem, &at, o, err);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* The lists and objects of f's kind, refused past the cap before anything is allocated. */
static int
json_read_many(const cJSON *item, const struct json_field *f, char *base,
               const struct json_where *w, const struct json_opts *o, struct json_error *err)
{
	bool is_object = f->kind == JSON_LABELS;

	if (is_object ? !cJSON_IsObject(item) : !cJSON_IsArray(item))
		return json_fail_type(err, w, f, o);
	if (o->max_items && (size_t)cJSON_GetArraySize(item) > o->max_items)
		return json_fail(err, w, "more than %zu items", o->max_items);
	if (f->kind == JSON_STRV)
		return json_read_strv(item, (struct strv *)(base + f->off), w, o, err);
	return json_read_elems(item, f, base, w, o, err);
}

/* Reads one present, non-null value into base + f->off. */
static int
json_read_value(const cJSON *item, const struct json_field *f, char *base,
                const struct json_where *w, const struct json_opts *o, struct json_error *err)
{
	void *dst = base + f->off;
	enum osmo_status status;

	switch (f->kind) {
	case JSON_STR:
		if (!cJSON_IsString(item))
			break;
		*(char **)dst = json_copy(item->valuestring, o);
		return 0;
	case JSON_STRINGISH:
		if (cJSON_IsString(item)) {
			*(char **)dst = json_copy(item->valuestring, o);
			return 0;
		}
		if (!cJSON_IsNumber(item))
			break;
		*(char **)dst = xasprintf("%g", item->valuedouble);
		return 0;
	case JSON_INT:
		if (!json_integral(item, -2147483648.0, 2147483647.0))
			break;
		*(int *)dst = (int)item->valuedouble;
		if (f->aux != JSON_NO_AUX)
			*(bool *)(base + f->aux) = true;
		return 0;
	case JSON_MS:
		if (!json_integral(item, -JSON_MAX_MS, JSON_MAX_MS))
			break;
		*(int64_t *)dst = (int64_t)item->valuedouble;
		return 0;
	case JSON_TIME:
		if (!cJSON_IsString(item))
			break;
		if (osmo_time_parse(item->valuestring, dst) < 0)
			return json_fail(err, w, "expected a time like 2026-08-18T14:02:11");
		return 0;
	case JSON_SECS:
		if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble))
			break;
		*(double *)dst = item->valuedouble;
		return 0;
	case JSON_BOOL:
		if (!cJSON_IsBool(item))
			break;
		*(bool *)dst = cJSON_IsTrue(item);
		return 0;
	case JSON_STATUS:
		if (!cJSON_IsString(item))
			break;
		status = osmo_status_from_wire(item->valuestring);
		/* from_wire maps unknown names to UNKNOWN; the strict reader wants the name itself. */
		if (o->strict_status && strcmp(osmo_status_wire(status), item->valuestring) != 0)
			return json_fail(err, w, "unknown status");
		*(enum osmo_status *)dst = status;
		return 0;
	case JSON_UUID:
		if (!cJSON_IsString(item) || strlen(item->valuestring) > 32)
			break;
		strlcpy_safe(dst, item->valuestring, 33);
		return 0;
	case JSON_STRV:
	case JSON_LABELS:
	case JSON_ARRAY:
		return json_read_many(item, f, base, w, o, err);
	case JSON_OBJECT:
		if (!cJSON_IsObject(item))
			break;
		return json_read_table(item, f->sub, base, w, o, err);
	case JSON_KIND_COUNT:
		abort(); /* not a kind: a table's mistake */
	}
	return json_fail_type(err, w, f, o);
}

/*
 * The member named key, looked for from *next on and then from the first: the service sends
 * its keys in the order the tables list them, so each is found at the first look, where
 * cJSON's own lookup compares every key before it.
 */
static const cJSON *
json_member(const cJSON *obj, const cJSON **next, const char *key)
{
	for (int pass = 0; pass < 2; pass++) {
		const cJSON *from = pass ? obj->child : *next, *stop = pass ? *next : NULL;

		for (const cJSON *el = from; el && el != stop; el = el->next)
			if (el->string && strcmp(el->string, key) == 0) {
				*next = el->next;
				return el;
			}
	}
	return NULL;
}

static int
json_read_table(const cJSON *obj, const struct json_table *t, char *base,
                const struct json_where *w, const struct json_opts *o, struct json_error *err)
{
	const cJSON *next;

	if (!cJSON_IsObject(obj))
		return json_fail(err, w, "expected an object");
	next = obj->child;
	for (size_t i = 0; i < t->n; i++) {
		const struct json_field *f = &t->fields[i];
		const cJSON *item = json_member(obj, &next, f->key);
		struct json_where at = { w, f->key, 0 };

		if (f->kind == JSON_SECS)
			/* cppcheck-suppress invalidPointerCast ; the table says this member is a double */
			*(double *)(base + f->off) = -1;
		if (!item || cJSON_IsNull(item)) {
			if (f->required)
				return json_fail(err, &at, "%s",
				                 item ? "must not be null" : "missing");
			continue;
		}
		if (json_read_value(item, f, base, &at, o, err) < 0)
			return -1;
	}
	return 0;
}

void
json_free(const struct json_table *t, void *obj)
{
	char *base = obj;

	for (size_t i = 0; obj && i < t->n; i++) {
		const struct json_field *f = &t->fields[i];
		void *member = base + f->off;

		if (f->kind == JSON_STR || f->kind == JSON_STRINGISH) {
			free(*(char **)member);
		} else if (f->kind == JSON_STRV) {
			strv_free(member);
		} else if (f->kind == JSON_OBJECT) {
			json_free(f->sub, base);
		} else if (f->kind == JSON_LABELS || f->kind == JSON_ARRAY) {
			char *elems = *(char **)member;
			size_t n = *(size_t *)(base + f->aux);

			for (size_t j = 0; elems && j < n; j++)
				json_free(f->sub, elems + j * f->sub->size);
			free(elems);
		}
	}
	if (obj)
		memset(obj, 0, t->size);
}

int
json_read(const cJSON *obj, const struct json_table *t, void *out, const struct json_opts *opts,
          struct json_error *err)
{
	const struct json_where top = { NULL, "", 0 };

	return json_read_table(obj, t, out, &top, opts, err);
}

cJSON *
json_parse(const char *text, size_t len, struct json_error *err)
{
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, false);
	const struct json_where top = { NULL, "", 0 };

	if (!root) {
		json_fail(err, &top, "invalid JSON at byte %zu of %zu",
		          end && end >= text ? (size_t)(end - text) : 0, len);
		return NULL;
	}
	while ((size_t)(end - text) < len && *end && strchr(" \t\r\n", *end))
		end++;
	if ((size_t)(end - text) < len) {
		json_fail(err, &top, "unexpected data after JSON at byte %zu",
		          (size_t)(end - text));
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

/* cJSON returns NULL only when out of memory; match xmalloc's policy. */
char *
json_print(cJSON *root)
{
	char *s = cJSON_PrintUnformatted(root);
	char *out;

	cJSON_Delete(root);
	if (!s)
		abort();
	out = xstrdup(s);
	cJSON_free(s);
	return out;
}

cJSON *
json_strv(const struct strv *sv)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; sv && i < sv->n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(sv->v[i]));
	return a;
}

char *
json_flat(const struct json_member *m, size_t n)
{
	cJSON *o = cJSON_CreateObject();

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToObject(o, m[i].key,
		                      m[i].is_int ? cJSON_CreateNumber((double)m[i].n)
		                      : m[i].str  ? cJSON_CreateString(m[i].str)
		                                  : cJSON_CreateNull());
	return json_print(o);
}
