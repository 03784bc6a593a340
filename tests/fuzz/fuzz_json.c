/*
 * fuzz_json.c: every answer's and state file's table read from the same text both ways, the
 * tree's (json_parse, json_read) and without one (json_decode): where the second reads it, the
 * first must too, into the same record.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/model.h"
#include "common/json.h"
#include "common/status.h"
#include "fuzz.h"
#include "server/engine_model.h"

static const struct json_table *const fuzz_json_tables[] = {
	&osmo_workflow_table,       &osmo_workflow_list_table, &osmo_task_list_table,
	&osmo_submit_result_table,  &osmo_version_table,       &osmo_pool_usage_table,
	&osmo_resource_usage_table, &eng_workflow_table,       &eng_profiles_table,
};

static bool fuzz_json_same(const struct json_table *t, const char *a, const char *b);

static bool
fuzz_json_same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Elements of an ARRAY or LABELS field, n of them each size bytes. */
static bool
fuzz_json_same_elems(const struct json_table *sub, const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!fuzz_json_same(sub, a + i * sub->size, b + i * sub->size))
			return false;
	return true;
}

/* The members t says, compared by their kinds. */
static bool
fuzz_json_same(const struct json_table *t, const char *a, const char *b)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct json_field *f = &t->fields[i];
		const char *x = a + f->off, *y = b + f->off;
		const struct strv *sx = (const struct strv *)x, *sy = (const struct strv *)y;
		double dx, dy;
		size_t nx, ny;

		switch (f->kind) {
		case JSON_STR:
		case JSON_STRINGISH:
			if (!fuzz_json_same_str(*(char *const *)x, *(char *const *)y))
				return false;
			break;
		case JSON_INT:
			if (*(const int *)x != *(const int *)y ||
			    (f->aux != JSON_NO_AUX &&
			     *(const bool *)(a + f->aux) != *(const bool *)(b + f->aux)))
				return false;
			break;
		case JSON_MS:
		case JSON_TIME:
			if (*(const int64_t *)x != *(const int64_t *)y)
				return false;
			break;
		case JSON_SECS:
			memcpy(&dx, x, sizeof(dx));
			memcpy(&dy, y, sizeof(dy));
			if (dx != dy && !(isnan(dx) && isnan(dy)))
				return false;
			break;
		case JSON_BOOL:
			if (*(const bool *)x != *(const bool *)y)
				return false;
			break;
		case JSON_STATUS:
			if (*(const enum osmo_status *)x != *(const enum osmo_status *)y)
				return false;
			break;
		case JSON_UUID:
			if (strcmp(x, y) != 0)
				return false;
			break;
		case JSON_STRV:
			if (sx->n != sy->n)
				return false;
			for (size_t j = 0; j < sx->n; j++)
				if (!fuzz_json_same_str(sx->v[j], sy->v[j]))
					return false;
			break;
		case JSON_LABELS:
		case JSON_ARRAY:
			nx = *(const size_t *)(a + f->aux);
			ny = *(const size_t *)(b + f->aux);
			if (nx != ny ||
			    !fuzz_json_same_elems(f->sub, *(char *const *)x, *(char *const *)y, nx))
				return false;
			break;
		case JSON_OBJECT:
			if (!fuzz_json_same(f->sub, a, b))
				return false;
			break;
		case JSON_KIND_COUNT:
			abort();
		}
	}
	return true;
}

/* One table, one way of taking text: the tree and the stream must agree. */
static void
fuzz_json_both(const struct json_table *t, const struct json_opts *o, const char *text, size_t len)
{
	char *a = xcalloc(1, t->size ? t->size : 1), *b = xcalloc(1, t->size ? t->size : 1);
	struct json_error err;
	cJSON *root;

	if (json_decode(text, len, t, a, o) == 0) {
		root = json_parse(text, len, &err);
		if (!root || json_read(root, t, b, o, &err) < 0 || !fuzz_json_same(t, a, b))
			abort();
		cJSON_Delete(root);
		json_free(t, b);
		json_free(t, a);
	}
	free(a);
	free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The client's answers, and osmo-local's own files. */
	static const struct json_opts client = { .sanitize = true };
	static const struct json_opts server = { .strict_status = true,
		                                 .item_numbers = true,
		                                 .max_items = 100 };
	const char *text = (const char *)data;

	for (size_t i = 0; i < ARRAY_SIZE(fuzz_json_tables); i++) {
		fuzz_json_both(fuzz_json_tables[i], &client, text, size);
		fuzz_json_both(fuzz_json_tables[i], &server, text, size);
	}
	return 0;
}
