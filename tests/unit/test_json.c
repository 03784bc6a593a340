/* test_json.c: common/json.c's table reader on every kind, both sides' options, hostile input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/status.h"
#include "common/util.h"

struct tj_label {
	char *key, *value;
};

/* An element of a list of objects; kids makes the table recursive, for deep paths. */
struct tj_node {
	char *name;
	int n;
	struct tj_node *kids;
	size_t n_kids;
};

struct tj_rec {
	char *str;
	char *stringish;
	int count;
	bool has_count;
	int plain;
	int64_t ms;
	int64_t time_ms;
	double secs;
	bool flag;
	enum osmo_status status;
	char uuid[33];
	struct strv strv;
	struct tj_label *labels;
	size_t n_labels;
	struct tj_node *nodes;
	size_t n_nodes;
	bool inner; /* "extra": {"inner": true}, an OBJECT field's */
};

static const struct json_field tj_label_fields[] = {
	JSON_FIELD(struct tj_label, "key", JSON_STR, true, key),
	JSON_FIELD(struct tj_label, "value", JSON_STR, false, value),
};
static const struct json_table tj_label_table = JSON_TABLE(tj_label_fields, struct tj_label);

static const struct json_table tj_node_table;
static const struct json_field tj_node_fields[] = {
	JSON_FIELD(struct tj_node, "name", JSON_STR, true, name),
	JSON_FIELD(struct tj_node, "n", JSON_INT, false, n),
	JSON_FIELD_SUB(struct tj_node, "kids", JSON_ARRAY, false, kids, n_kids, &tj_node_table),
};
static const struct json_table tj_node_table = JSON_TABLE(tj_node_fields, struct tj_node);

static const struct json_field tj_extra_fields[] = {
	JSON_FIELD(struct tj_rec, "inner", JSON_BOOL, false, inner),
};
static const struct json_table tj_extra_table = JSON_TABLE_IN(tj_extra_fields);

#define R struct tj_rec
static const struct json_field tj_rec_fields[] = {
	JSON_FIELD(R, "str", JSON_STR, true, str),
	JSON_FIELD(R, "stringish", JSON_STRINGISH, false, stringish),
	JSON_FIELD_HAS(R, "count", count, has_count),
	JSON_FIELD(R, "plain", JSON_INT, false, plain),
	JSON_FIELD(R, "ms", JSON_MS, false, ms),
	JSON_FIELD(R, "time", JSON_TIME, false, time_ms),
	JSON_FIELD(R, "secs", JSON_SECS, false, secs),
	JSON_FIELD(R, "flag", JSON_BOOL, false, flag),
	JSON_FIELD(R, "status", JSON_STATUS, false, status),
	JSON_FIELD(R, "uuid", JSON_UUID, false, uuid),
	JSON_FIELD(R, "strv", JSON_STRV, false, strv),
	JSON_FIELD_SUB(R, "labels", JSON_LABELS, false, labels, n_labels, &tj_label_table),
	JSON_FIELD_SUB(R, "nodes", JSON_ARRAY, false, nodes, n_nodes, &tj_node_table),
	JSON_FIELD_SUB(R, "extra", JSON_OBJECT, false, inner, inner, &tj_extra_table),
};
#undef R
static const struct json_table tj_rec_table = JSON_TABLE(tj_rec_fields, struct tj_rec);

/* The client's way (a peer's text) and osmo-local's (its own files), as their files set them. */
static const struct json_opts tj_peer = { .sanitize = true };
static const char *const tj_own_expected[JSON_KIND_COUNT] = {
	[JSON_STR] = "expected a string or null",
	[JSON_ARRAY] = "expected a list of objects",
};
static const struct json_opts tj_own = {
	.strict_status = true,
	.item_numbers = true,
	.max_items = 100,
	.expected = tj_own_expected,
};

/* What json_read allocated, by the same table; the record is zero after. */
static void
tj_rec_free(struct tj_rec *r)
{
	json_free(&tj_rec_table, r);
}

/* Fails unless records a and b of table t hold the same values (pointers aside). */
static void
tj_same(const struct json_table *t, const char *a, const char *b)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct json_field *f = &t->fields[i];
		const void *x = a + f->off, *y = b + f->off;

		if (f->kind == JSON_STR || f->kind == JSON_STRINGISH) {
			const char *sx = *(char *const *)x, *sy = *(char *const *)y;

			if ((sx == NULL) != (sy == NULL) || (sx && strcmp(sx, sy) != 0))
				fail_msg("%s: \"%s\" and \"%s\"", f->key, sx ? sx : "(null)",
				         sy ? sy : "(null)");
		} else if (f->kind == JSON_STRV) {
			const struct strv *vx = x, *vy = y;

			assert_int_equal(vx->n, vy->n);
			for (size_t k = 0; k < vx->n; k++)
				assert_string_equal(vx->v[k], vy->v[k]);
		} else if (f->kind == JSON_LABELS || f->kind == JSON_ARRAY) {
			size_t n = *(const size_t *)(a + f->aux);

			assert_int_equal(n, *(const size_t *)(b + f->aux));
			for (size_t k = 0; k < n; k++)
				tj_same(f->sub, *(char *const *)x + k * f->sub->size,
				        *(char *const *)y + k * f->sub->size);
		} else if (f->kind == JSON_OBJECT) {
			tj_same(f->sub, a, b);
		} else if (f->kind == JSON_UUID) {
			assert_string_equal(x, y);
		} else {
			/* The scalars: as many bytes as their member has. */
			size_t size = f->kind == JSON_INT      ? sizeof(int)
			              : f->kind == JSON_BOOL   ? sizeof(bool)
			              : f->kind == JSON_STATUS ? sizeof(enum osmo_status)
			                                       : sizeof(int64_t);

			if (memcmp(x, y, size) != 0)
				fail_msg("%s differs", f->key);
			if (f->kind == JSON_INT && f->aux != JSON_NO_AUX)
				assert_int_equal(*(const bool *)(a + f->aux),
				                 *(const bool *)(b + f->aux));
		}
	}
}

/*
 * Parses text and reads it into *r (zeroed first): json_read's result. The reader without a
 * tree reads every text here too: what it reads whole must be what json_read reads, and what
 * json_read refuses it must leave to json_read.
 */
static int
tj_read(const char *text, const struct json_opts *o, struct tj_rec *r, struct json_error *err)
{
	cJSON *root = cJSON_Parse(text);
	struct tj_rec direct;
	int rc;

	if (!root)
		fail_msg("the test's JSON does not parse: %.200s", text);
	memset(r, 0, sizeof(*r));
	memset(err, 0, sizeof(*err));
	rc = json_read(root, &tj_rec_table, r, o, err);
	cJSON_Delete(root);
	if (json_decode(text, strlen(text), &tj_rec_table, &direct, o) == 0) {
		if (rc != 0)
			fail_msg("json_decode read what json_read refuses: %.200s", text);
		tj_same(&tj_rec_table, (const char *)r, (const char *)&direct);
		json_free(&tj_rec_table, &direct);
	}
	return rc;
}

/* text must fail with exactly "path: what"; what was read is freed. */
static void
tj_expect(const char *text, const struct json_opts *o, const char *path, const char *what)
{
	struct tj_rec r;
	struct json_error err;

	if (tj_read(text, o, &r, &err) != -1)
		fail_msg("%s was accepted", text);
	if (strcmp(err.path, path) != 0 || strcmp(err.what, what) != 0)
		fail_msg("%s: got \"%s: %s\", wanted \"%s: %s\"", text, err.path, err.what, path,
		         what);
	tj_rec_free(&r);
}

static void
test_every_kind(void **state)
{
	struct tj_rec r;
	struct json_error err;

	(void)state;
	assert_int_equal(
	        tj_read("{\"str\":\"s\",\"stringish\":6,\"count\":-3,\"plain\":2147483647,"
	                "\"ms\":9007199254740992,\"time\":\"2026-08-18T14:02:11.5\",\"secs\":1.25,"
	                "\"flag\":true,\"status\":\"RUNNING\",\"uuid\":"
	                "\"0123456789abcdef0123456789abcdef\","
	                "\"strv\":[\"a\",\"b\"],\"labels\":{\"team\":\"x\",\"k\":\"\"},"
	                "\"nodes\":[{\"name\":\"n0\",\"kids\":[{\"name\":\"n00\",\"n\":7}]},"
	                "{\"name\":\"n1\"}],\"unknown\":[1,2]}",
	                &tj_peer, &r, &err),
	        0);
	assert_string_equal(r.str, "s");
	assert_string_equal(r.stringish, "6");
	assert_int_equal(r.count, -3);
	assert_true(r.has_count);
	assert_int_equal(r.plain, 2147483647);
	assert_true(r.ms == 9007199254740992LL);
	assert_true(r.time_ms == 1787061731500LL);
	assert_true(r.secs == 1.25);
	assert_true(r.flag);
	assert_int_equal(r.status, OSMO_RUNNING);
	assert_string_equal(r.uuid, "0123456789abcdef0123456789abcdef");
	assert_int_equal(r.strv.n, 2);
	assert_string_equal(r.strv.v[1], "b");
	assert_int_equal(r.n_labels, 2);
	assert_string_equal(r.labels[0].key, "team");
	assert_string_equal(r.labels[0].value, "x");
	assert_string_equal(r.labels[1].value, "");
	assert_int_equal(r.n_nodes, 2);
	assert_string_equal(r.nodes[0].kids[0].name, "n00");
	assert_int_equal(r.nodes[0].kids[0].n, 7);
	assert_int_equal(r.nodes[1].n_kids, 0);
	tj_rec_free(&r);

	/* Null and missing optionals alike leave the member zero; seconds become -1. */
	assert_int_equal(tj_read("{\"str\":\"s\",\"stringish\":null,\"count\":null,\"time\":null,"
	                         "\"secs\":null,\"strv\":null,\"labels\":null,\"nodes\":null}",
	                         &tj_own, &r, &err),
	                 0);
	assert_null(r.stringish);
	assert_false(r.has_count);
	assert_true(r.time_ms == 0);
	assert_true(r.secs == -1);
	assert_int_equal(r.strv.n, 0);
	assert_null(r.labels);
	assert_null(r.nodes);
	tj_rec_free(&r);
	assert_int_equal(tj_read("{\"str\":\"s\"}", &tj_own, &r, &err), 0);
	assert_true(r.secs == -1);
	assert_int_equal(r.status, 0);
	tj_rec_free(&r);
}

static void
test_wrong_types(void **state)
{
	static const struct {
		const char *text, *path, *peer, *own;
	} cases[] = {
		{ "{\"str\":1}", "str", "expected a string", "expected a string or null" },
		{ "{\"str\":\"s\",\"stringish\":true}", "stringish", "expected a string",
		  "expected a string" },
		{ "{\"str\":\"s\",\"count\":\"2\"}", "count", "expected an integer",
		  "expected an integer" },
		{ "{\"str\":\"s\",\"count\":0.5}", "count", "expected an integer",
		  "expected an integer" },
		{ "{\"str\":\"s\",\"plain\":2147483648}", "plain", "expected an integer",
		  "expected an integer" },
		{ "{\"str\":\"s\",\"plain\":-2147483649}", "plain", "expected an integer",
		  "expected an integer" },
		{ "{\"str\":\"s\",\"ms\":1.5}", "ms", "expected an integer of milliseconds",
		  "expected an integer of milliseconds" },
		{ "{\"str\":\"s\",\"ms\":9007199254740994}", "ms",
		  "expected an integer of milliseconds", "expected an integer of milliseconds" },
		{ "{\"str\":\"s\",\"ms\":1e300}", "ms", "expected an integer of milliseconds",
		  "expected an integer of milliseconds" },
		{ "{\"str\":\"s\",\"time\":0}", "time", "expected a time string",
		  "expected a time string" },
		{ "{\"str\":\"s\",\"time\":\"2026-13-01T00:00:00\"}", "time",
		  "expected a time like 2026-08-18T14:02:11",
		  "expected a time like 2026-08-18T14:02:11" },
		{ "{\"str\":\"s\",\"secs\":\"1h\"}", "secs", "expected a number of seconds",
		  "expected a number of seconds" },
		{ "{\"str\":\"s\",\"flag\":1}", "flag", "expected true or false",
		  "expected true or false" },
		{ "{\"str\":\"s\",\"status\":7}", "status", "expected a status string",
		  "expected a status string" },
		{ "{\"str\":\"s\",\"uuid\":\"0123456789abcdef0123456789abcdef0\"}", "uuid",
		  "expected a string of at most 32 characters",
		  "expected a string of at most 32 characters" },
		{ "{\"str\":\"s\",\"strv\":\"a\"}", "strv", "expected a list of strings",
		  "expected a list of strings" },
		{ "{\"str\":\"s\",\"labels\":[]}", "labels", "expected an object of strings",
		  "expected an object of strings" },
		{ "{\"str\":\"s\",\"nodes\":{}}", "nodes", "expected a list",
		  "expected a list of objects" },
		{ "{\"str\":\"s\",\"nodes\":[{\"name\":\"a\"},[]]}", "nodes[1]",
		  "expected an object", "expected an object" },
		{ "{\"str\":\"s\",\"nodes\":[{\"name\":\"a\",\"kids\":[{\"name\":{}}]}]}",
		  "nodes[0].kids[0].name", "expected a string", "expected a string or null" },
		{ "{\"str\":\"s\",\"labels\":{\"team\":1}}", "labels.team", "expected a string",
		  "expected a string" },
		{ "{\"str\":\"s\",\"labels\":{\"a\":\"b\",\"team\":null}}", "labels.team",
		  "expected a string", "expected a string" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		tj_expect(cases[i].text, &tj_peer, cases[i].path, cases[i].peer);
		tj_expect(cases[i].text, &tj_own, cases[i].path, cases[i].own);
	}
	/* Not an object at all: the top level, or where a table is read. */
	tj_expect("[]", &tj_peer, "", "expected an object");
	tj_expect("null", &tj_own, "", "expected an object");
}

static void
test_required_and_null(void **state)
{
	(void)state;
	tj_expect("{}", &tj_peer, "str", "missing");
	tj_expect("{\"str\":null}", &tj_peer, "str", "must not be null");
	tj_expect("{\"str\":\"s\",\"nodes\":[{\"n\":1}]}", &tj_own, "nodes[0].name", "missing");
	tj_expect("{\"str\":\"s\",\"nodes\":[{\"name\":\"a\"},{\"name\":null}]}", &tj_own,
	          "nodes[1].name", "must not be null");
}

static void
test_status_strictness(void **state)
{
	struct tj_rec r;
	struct json_error err;

	(void)state;
	assert_int_equal(tj_read("{\"str\":\"s\",\"status\":\"RUNNIN\"}", &tj_peer, &r, &err), 0);
	assert_int_equal(r.status, OSMO_UNKNOWN);
	tj_rec_free(&r);
	tj_expect("{\"str\":\"s\",\"status\":\"RUNNIN\"}", &tj_own, "status", "unknown status");
	tj_expect("{\"str\":\"s\",\"status\":\"running\"}", &tj_own, "status", "unknown status");
	assert_int_equal(
	        tj_read("{\"str\":\"s\",\"status\":\"FAILED_UPSTREAM\"}", &tj_own, &r, &err), 0);
	assert_int_equal(r.status, OSMO_FAILED_UPSTREAM);
	tj_rec_free(&r);
}

static void
test_sanitize(void **state)
{
	static const char *const text = "{\"str\":\"a\xff"
	                                "b\",\"strv\":[\"\xc3\"],\"labels\":{\"k\xfe\":\"v\xfe\"}}";
	struct tj_rec r;
	struct json_error err;

	(void)state;
	assert_int_equal(tj_read(text, &tj_peer, &r, &err), 0);
	assert_string_equal(r.str, "a\xef\xbf\xbd"
	                           "b");
	assert_string_equal(r.strv.v[0], "\xef\xbf\xbd");
	assert_string_equal(r.labels[0].key, "k\xef\xbf\xbd");
	assert_string_equal(r.labels[0].value, "v\xef\xbf\xbd");
	tj_rec_free(&r);

	/* Our own files are read back as written. */
	assert_int_equal(tj_read(text, &tj_own, &r, &err), 0);
	assert_string_equal(r.str, "a\xff"
	                           "b");
	assert_string_equal(r.strv.v[0], "\xc3");
	assert_string_equal(r.labels[0].key, "k\xfe");
	tj_rec_free(&r);
}

/* Members are found in any order, as cJSON's lookup found them: the table's order is only the
 * quick case. A key sent twice counts once (the one found from where the last key was). */
static void
test_members_in_any_order(void **state)
{
	struct tj_rec r;
	struct json_error err;

	(void)state;
	assert_int_equal(tj_read("{\"flag\":true,\"plain\":3,\"unknown\":[1,{}],\"count\":2,"
	                         "\"str\":\"s\"}",
	                         &tj_peer, &r, &err),
	                 0);
	assert_string_equal(r.str, "s");
	assert_int_equal(r.plain, 3);
	assert_int_equal(r.count, 2);
	assert_true(r.has_count);
	assert_true(r.flag);
	tj_rec_free(&r);
	assert_int_equal(tj_read("{\"str\":\"a\",\"str\":\"b\"}", &tj_peer, &r, &err), 0);
	assert_string_equal(r.str, "a");
	tj_rec_free(&r);
	/* A long valid string is copied whole, a bad byte at its end replaced. */
	assert_int_equal(tj_read("{\"str\":\"\xc3\xa9t\xc3\xa9 d\xe2\x80\x99"
	                         "et\xc3\xa9\xff\"}",
	                         &tj_peer, &r, &err),
	                 0);
	assert_string_equal(r.str, "\xc3\xa9t\xc3\xa9 d\xe2\x80\x99"
	                           "et\xc3\xa9\xef\xbf\xbd");
	tj_rec_free(&r);
}

/* The reader without a tree reads a whole answer itself, and leaves to json_read the texts the
 * two libraries could read differently: tj_read compares them on every text of this file. */
static void
test_decode_without_a_tree(void **state)
{
	static const char full[] =
	        "{\"str\":\"s\",\"stringish\":1.5,\"count\":2,\"plain\":-3,\"ms\":1000,"
	        "\"time\":\"2026-08-18T14:02:11.5\",\"secs\":2.5,\"flag\":true,\"status\":"
	        "\"RUNNING\","
	        "\"uuid\":\"0123456789abcdef0123456789abcdef\",\"strv\":[\"a\",\"b\"],"
	        "\"labels\":{\"team\":\"x\"},\"nodes\":[{\"name\":\"n0\",\"kids\":[{\"name\":\"k\"}"
	        "]},"
	        "{\"name\":\"n1\",\"kids\":[]}],\"unknown\":{\"deep\":[[1,{\"a\":null}]]},"
	        "\"extra\":{\"inner\":true}}";
	struct tj_rec r, d;
	struct json_error err;
	struct strbuf deep = { 0 };

	(void)state;
	assert_int_equal(json_decode(full, strlen(full), &tj_rec_table, &d, &tj_peer), 0);
	assert_int_equal(tj_read(full, &tj_peer, &r, &err), 0);
	assert_true(d.inner);
	assert_string_equal(d.stringish, "1.5");
	assert_int_equal(d.n_nodes, 2);
	assert_int_equal(d.nodes[1].n_kids, 0);
	assert_non_null(d.nodes[1].kids); /* as json_read leaves an empty list */
	tj_rec_free(&r);
	json_free(&tj_rec_table, &d);
	/* Left to the tree: a lone surrogate, a key twice, a NUL, a wrong kind, a missing key. */
	static const char *const left[] = {
		"{\"str\":\"\\ud800\"}",
		"{\"str\":\"a\",\"str\":\"b\"}",
		"{\"str\":\"s\",\"extra\":5}",
		"{\"str\":\"s\",\"flag\":1}",
		"{\"nodes\":[]}",
		"[1]",
		"{\"str\":\"s\"} x",
		/* A string begun after the end, which yajl leaves unread (fuzz_json: "{}\""). */
		"{\"str\":\"s\"}\"",
		"{\"str\":\"s\"} \"x}",
		"{\"str\":\"\xff\"}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(left); i++)
		if (json_decode(left[i], strlen(left[i]), &tj_rec_table, &d, &tj_peer) != -1)
			fail_msg("json_decode read %s", left[i]);
	/* Nested past cJSON's limit, even where nothing is read: the tree's to refuse. */
	strbuf_addstr(&deep, "{\"str\":\"s\",\"unknown\":");
	for (int i = 0; i < 1200; i++)
		strbuf_addch(&deep, '[');
	for (int i = 0; i < 1200; i++)
		strbuf_addch(&deep, ']');
	strbuf_addch(&deep, '}');
	assert_int_equal(json_decode(deep.buf, deep.len, &tj_rec_table, &d, &tj_peer), -1);
	strbuf_free(&deep);
	/* A NUL ends a string for both, and empty objects and lists read the same. */
	assert_int_equal(
	        tj_read("{\"str\":\"a\\u0000b\",\"labels\":{},\"nodes\":[]}", &tj_peer, &r, &err),
	        0);
	assert_string_equal(r.str, "a");
	tj_rec_free(&r);
}

static void
test_list_items(void **state)
{
	(void)state;
	tj_expect("{\"str\":\"s\",\"strv\":[\"a\",\"b\",null]}", &tj_peer, "strv[2]",
	          "expected a string");
	tj_expect("{\"str\":\"s\",\"strv\":[\"a\",\"b\",7]}", &tj_own, "strv",
	          "item 2: expected a string");
	tj_expect("{\"str\":\"s\",\"strv\":[[\"a\"]]}", &tj_own, "strv",
	          "item 0: expected a string");
}

/* n items, each its number between pre and post, under key in a record otherwise fine. */
static char *
tj_many(const char *key, const char *open, const char *pre, const char *post, size_t n,
        const char *close)
{
	struct strbuf sb = { 0 };

	strbuf_addf(&sb, "{\"str\":\"s\",\"%s\":%s", key, open);
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&sb, "%s%s%zu%s", i ? "," : "", pre, i, post);
	strbuf_addf(&sb, "%s}", close);
	return strbuf_detach(&sb);
}

static void
test_item_cap(void **state)
{
	static const struct {
		const char *key, *open, *pre, *post, *close;
	} lists[] = {
		{ "strv", "[", "\"", "\"", "]" },
		{ "nodes", "[", "{\"name\":\"", "\"}", "]" },
		{ "labels", "{", "\"k", "\":\"v\"", "}" },
	};
	struct tj_rec r;
	struct json_error err;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
		char *at = tj_many(lists[i].key, lists[i].open, lists[i].pre, lists[i].post,
		                   tj_own.max_items, lists[i].close);
		char *over = tj_many(lists[i].key, lists[i].open, lists[i].pre, lists[i].post,
		                     tj_own.max_items + 1, lists[i].close);
		/* Past the cap the list is refused before anything is allocated for it. */
		assert_int_equal(tj_read(at, &tj_own, &r, &err), 0);
		tj_rec_free(&r);
		tj_expect(over, &tj_own, lists[i].key, "more than 100 items");
		free(at);
		free(over);
	}

	/* Without a cap a long list is read whole. */
	char *big = tj_many("nodes", "[", "{\"name\":\"", "\"}", 200000, "]");

	assert_int_equal(tj_read(big, &tj_peer, &r, &err), 0);
	assert_int_equal(r.n_nodes, 200000);
	assert_string_equal(r.nodes[199999].name, "199999");
	tj_rec_free(&r);
	free(big);
}

static void
test_half_read_is_freeable(void **state)
{
	struct tj_rec r;
	struct json_error err;

	(void)state;
	/* The third node fails after its name was read: it is counted, so its free frees it. */
	assert_int_equal(tj_read("{\"str\":\"s\",\"strv\":[\"a\"],\"nodes\":[{\"name\":\"a\"},"
	                         "{\"name\":\"b\"},{\"name\":\"c\",\"n\":\"x\"}]}",
	                         &tj_peer, &r, &err),
	                 -1);
	assert_string_equal(err.path, "nodes[2].n");
	assert_int_equal(r.n_nodes, 3);
	assert_string_equal(r.nodes[2].name, "c");
	assert_string_equal(r.strv.v[0], "a");
	tj_rec_free(&r);
	assert_int_equal(
	        tj_read("{\"str\":\"s\",\"labels\":{\"a\":\"1\",\"b\":2}}", &tj_peer, &r, &err),
	        -1);
	assert_int_equal(r.n_labels, 2);
	assert_string_equal(r.labels[0].value, "1");
	assert_null(r.labels[1].key);
	tj_rec_free(&r);
}

static void
test_deep_paths(void **state)
{
	enum { DEPTH = 400 };
	struct strbuf sb = { 0 };
	struct tj_rec r;
	struct json_error err;
	cJSON *root;

	(void)state;
	/* nodes[0].kids[0]...: 400 levels (800 of cJSON's nesting), a bad "n" at the bottom. */
	strbuf_addstr(&sb, "{\"str\":\"s\",\"nodes\":[");
	for (int i = 0; i < DEPTH; i++)
		strbuf_addf(&sb, "{\"name\":\"l%d\",%s", i, i + 1 < DEPTH ? "\"kids\":[" : "");
	strbuf_addstr(&sb, "\"n\":true");
	for (int i = 0; i < DEPTH; i++)
		strbuf_addstr(&sb, i + 1 < DEPTH ? "}]" : "}");
	strbuf_addstr(&sb, "]}");
	root = json_parse(sb.buf, sb.len, &err);
	assert_non_null(root);
	memset(&r, 0, sizeof(r));
	assert_int_equal(json_read(root, &tj_rec_table, &r, &tj_peer, &err), -1);
	cJSON_Delete(root);
	/* The path is cut, not overrun: it begins as it should and fills the buffer. */
	assert_true(str_starts_with(err.path, "nodes[0].kids[0].kids[0]."));
	assert_int_equal(strlen(err.path), JSON_PATH - 1);
	assert_string_equal(err.what, "expected an integer");
	/* Every level was counted before it was read, so all of it is freed. */
	struct tj_node *n = r.nodes;

	for (int i = 1; i < DEPTH; i++) {
		assert_int_equal(n->n_kids, 1);
		n = n->kids;
	}
	assert_string_equal(n->name, "l399");
	tj_rec_free(&r);
	strbuf_free(&sb);

	/* A long key in a path is cut too. */
	char *key = xmalloc(1000);

	memset(key, 'k', 999);
	key[999] = '\0';
	char *text = xasprintf("{\"str\":\"s\",\"labels\":{\"%s\":1}}", key);

	assert_int_equal(tj_read(text, &tj_peer, &r, &err), -1);
	assert_true(str_starts_with(err.path, "labels.kkkk"));
	assert_int_equal(strlen(err.path), JSON_PATH - 1);
	assert_string_equal(err.what, "expected a string");
	tj_rec_free(&r);
	free(text);
	free(key);
}

static void
test_parse(void **state)
{
	static const struct {
		const char *text;
		size_t len;
		const char *what;
	} bad[] = {
		{ "{\"a\":1} x", 9, "unexpected data after JSON at byte 8" },
		{ "{\"a\":1}\0 ", 9, "unexpected data after JSON at byte 7" },
		{ "{\"a\":1}{}", 9, "unexpected data after JSON at byte 7" },
		{ "{\"a\":", 5, "invalid JSON at byte 4 of 5" },
		{ "nul", 3, "invalid JSON at byte 0 of 3" },
		{ "", 0, "invalid JSON at byte 0 of 0" },
	};
	struct json_error err;
	cJSON *root;

	(void)state;
	root = json_parse("{\"a\":1} \t\r\n", 11, &err);
	assert_non_null(root);
	cJSON_Delete(root);
	/* Only len bytes are read: what follows them is not the document's. */
	root = json_parse("[1]garbage", 3, &err);
	assert_non_null(root);
	cJSON_Delete(root);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&err, 0, sizeof(err));
		assert_null(json_parse(bad[i].text, bad[i].len, &err));
		if (strncmp(err.what, bad[i].what, strlen(bad[i].what)) != 0)
			fail_msg("%zu: \"%s\", wanted \"%s\"", i, err.what, bad[i].what);
		assert_string_equal(err.path, "");
	}
}

static void
test_print_and_strv(void **state)
{
	struct strv sv = { 0 };
	char *s;

	(void)state;
	s = json_print(json_strv(NULL));
	assert_string_equal(s, "[]");
	free(s);
	strv_push(&sv, "a\"b");
	strv_push(&sv, "");
	s = json_print(json_strv(&sv));
	assert_string_equal(s, "[\"a\\\"b\",\"\"]");
	free(s);
	strv_free(&sv);
}

static void
test_free_by_table(void **state)
{
	static const struct tj_rec zero;
	struct tj_rec r;
	struct json_error err;

	(void)state;
	assert_int_equal(tj_read("{\"str\":\"s\",\"stringish\":\"v\",\"strv\":[\"a\"],"
	                         "\"labels\":{\"k\":\"v\"},\"nodes\":[{\"name\":\"a\","
	                         "\"kids\":[{\"name\":\"b\"}]}],\"count\":1}",
	                         &tj_peer, &r, &err),
	                 0);
	json_free(&tj_rec_table, &r);
	/* Every member zero again (ASan's leak check sees that nothing was left behind). */
	assert_memory_equal(&r, &zero, sizeof(r));
	/* A second free, and NULL, do nothing. */
	json_free(&tj_rec_table, &r);
	json_free(&tj_rec_table, NULL);
}

static void
test_subpath(void **state)
{
	char p[JSON_PATH];
	char *long_base = xmalloc(JSON_PATH + 10);

	(void)state;
	json_subpath(p, "", "a", 0);
	assert_string_equal(p, "a");
	json_subpath(p, "a", "b", 0);
	assert_string_equal(p, "a.b");
	json_subpath(p, "a.b", NULL, 12);
	assert_string_equal(p, "a.b[12]");
	json_subpath(p, "", NULL, 0);
	assert_string_equal(p, "[0]");
	memset(long_base, 'x', JSON_PATH + 9);
	long_base[JSON_PATH + 9] = '\0';
	json_subpath(p, long_base, "y", 0);
	assert_int_equal(strlen(p), JSON_PATH - 1);
	free(long_base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_required_and_null),
		cmocka_unit_test(test_status_strictness),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_members_in_any_order),
		cmocka_unit_test(test_decode_without_a_tree),
		cmocka_unit_test(test_list_items),
		cmocka_unit_test(test_item_cap),
		cmocka_unit_test(test_half_read_is_freeable),
		cmocka_unit_test(test_deep_paths),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_print_and_strv),
		cmocka_unit_test(test_free_by_table),
		cmocka_unit_test(test_subpath),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
