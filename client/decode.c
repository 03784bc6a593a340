/* decode.c: cJSON → model, table-driven; the only file in client/ that includes cJSON. */
#include "client/decode.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/osmo_time.h"

/* Bodies larger than this are refused before parsing (http.c caps transfers too). */
#define DECODE_MAX_BODY (256u << 20)

enum field_kind {
	FK_STR, /* char *, NULL for null */
	FK_INT, /* int, with an optional "has" bool */
	FK_BOOL,
	FK_TIME,      /* int64_t ms, 0 for null */
	FK_SECS,      /* double seconds, -1 for null */
	FK_STATUS,    /* enum osmo_status; unknown strings → OSMO_UNKNOWN */
	FK_STRV,      /* struct strv of strings */
	FK_LABELS,    /* object str→str into (struct osmo_label *, size_t) at off, off_n */
	FK_STRINGISH, /* char *; numbers are accepted and printed (Version's coerce_numbers_to_str) */
};

struct field {
	const char *key;
	enum field_kind kind;
	bool required;
	size_t off;
	size_t aux; /* FK_INT: offset of its "has" bool; FK_LABELS: offset of the count */
};

#define NO_AUX      ((size_t)-1)
#define DECODE_PATH 256
#define F(type, key, kind, req, member)                        \
	{                                                      \
		key, kind, req, offsetof(type, member), NO_AUX \
	}
#define FH(type, key, req, member, has)                                       \
	{                                                                     \
		key, FK_INT, req, offsetof(type, member), offsetof(type, has) \
	}
#define FL(type, key, member, count)                                                 \
	{                                                                            \
		key, FK_LABELS, false, offsetof(type, member), offsetof(type, count) \
	}

#define T struct osmo_task
static const struct field task_fields[] = {
	F(T, "name", FK_STR, true, name),
	F(T, "retry_id", FK_INT, false, retry_id),
	F(T, "status", FK_STATUS, true, status),
	F(T, "failure_message", FK_STR, false, failure_message),
	FH(T, "exit_code", false, exit_code, has_exit_code),
	F(T, "logs", FK_STR, false, logs_url),
	F(T, "error_logs", FK_STR, false, error_logs_url),
	F(T, "processing_start_time", FK_TIME, false, processing_ms),
	F(T, "scheduling_start_time", FK_TIME, false, scheduling_ms),
	F(T, "initializing_start_time", FK_TIME, false, initializing_ms),
	F(T, "events", FK_STR, false, events_url),
	F(T, "start_time", FK_TIME, false, start_ms),
	F(T, "end_time", FK_TIME, false, end_ms),
	F(T, "input_download_start_time", FK_TIME, false, input_download_start_ms),
	F(T, "input_download_end_time", FK_TIME, false, input_download_end_ms),
	F(T, "output_upload_start_time", FK_TIME, false, output_upload_start_ms),
	F(T, "dashboard_url", FK_STR, false, dashboard_url),
	F(T, "pod_name", FK_STR, false, pod_name),
	F(T, "pod_ip", FK_STR, false, pod_ip),
	F(T, "task_uuid", FK_STR, false, task_uuid),
	F(T, "node_name", FK_STR, false, node_name),
	F(T, "lead", FK_BOOL, false, lead),
};
#undef T

#define G struct osmo_group
static const struct field group_fields[] = {
	F(G, "name", FK_STR, true, name),
	F(G, "status", FK_STATUS, true, status),
	F(G, "start_time", FK_TIME, false, start_ms),
	F(G, "end_time", FK_TIME, false, end_ms),
	F(G, "processing_start_time", FK_TIME, false, processing_ms),
	F(G, "scheduling_start_time", FK_TIME, false, scheduling_ms),
	F(G, "initializing_start_time", FK_TIME, false, initializing_ms),
	F(G, "remaining_upstream_groups", FK_STRV, false, remaining_upstream_names),
	F(G, "downstream_groups", FK_STRV, false, downstream_names),
	F(G, "failure_message", FK_STR, false, failure_message),
};
#undef G

#define W struct osmo_workflow
static const struct field workflow_fields[] = {
	F(W, "name", FK_STR, true, name),
	F(W, "uuid", FK_STR, false, uuid),
	F(W, "submitted_by", FK_STR, false, submitted_by),
	F(W, "cancelled_by", FK_STR, false, cancelled_by),
	F(W, "spec", FK_STR, false, spec_url),
	F(W, "template_spec", FK_STR, false, template_spec_url),
	F(W, "logs", FK_STR, false, logs_url),
	F(W, "events", FK_STR, false, events_url),
	F(W, "overview", FK_STR, false, overview_url),
	F(W, "parent_name", FK_STR, false, parent_name),
	FH(W, "parent_job_id", false, parent_job_id, has_parent_job_id),
	F(W, "dashboard_url", FK_STR, false, dashboard_url),
	F(W, "grafana_url", FK_STR, false, grafana_url),
	F(W, "tags", FK_STRV, false, tags),
	F(W, "submit_time", FK_TIME, true, submit_ms),
	F(W, "start_time", FK_TIME, false, start_ms),
	F(W, "end_time", FK_TIME, false, end_ms),
	F(W, "exec_timeout", FK_SECS, false, exec_timeout_s),
	F(W, "queue_timeout", FK_SECS, false, queue_timeout_s),
	F(W, "duration", FK_SECS, false, duration_s),
	F(W, "queued_time", FK_SECS, false, queued_s),
	F(W, "status", FK_STATUS, true, status),
	F(W, "outputs", FK_STR, false, outputs),
	F(W, "pool", FK_STR, false, pool),
	F(W, "backend", FK_STR, false, backend),
	F(W, "app_owner", FK_STR, false, app_owner),
	F(W, "app_name", FK_STR, false, app_name),
	FH(W, "app_version", false, app_version, has_app_version),
	F(W, "priority", FK_STR, false, priority),
	FL(W, "labels", labels, n_labels),
	F(W, "warnings", FK_STRV, false, warnings),
};
#undef W

#define R struct osmo_workflow_row
static const struct field row_fields[] = {
	F(R, "user", FK_STR, false, user),
	F(R, "name", FK_STR, true, name),
	F(R, "workflow_uuid", FK_STR, false, uuid),
	F(R, "submit_time", FK_TIME, true, submit_ms),
	F(R, "start_time", FK_TIME, false, start_ms),
	F(R, "end_time", FK_TIME, false, end_ms),
	F(R, "queued_time", FK_SECS, false, queued_s),
	F(R, "duration", FK_SECS, false, duration_s),
	F(R, "status", FK_STATUS, true, status),
	F(R, "overview", FK_STR, false, overview_url),
	F(R, "logs", FK_STR, false, logs_url),
	F(R, "error_logs", FK_STR, false, error_logs_url),
	F(R, "grafana_url", FK_STR, false, grafana_url),
	F(R, "dashboard_url", FK_STR, false, dashboard_url),
	F(R, "pool", FK_STR, false, pool),
	F(R, "app_owner", FK_STR, false, app_owner),
	F(R, "app_name", FK_STR, false, app_name),
	FH(R, "app_version", false, app_version, has_app_version),
	F(R, "priority", FK_STR, false, priority),
	FL(R, "labels", labels, n_labels),
};
#undef R

#define S struct osmo_submit_result
static const struct field submit_fields[] = {
	F(S, "name", FK_STR, true, name),
	F(S, "overview", FK_STR, false, overview_url),
	F(S, "logs", FK_STR, false, logs),
	F(S, "spec", FK_STR, false, spec),
	F(S, "dashboard_url", FK_STR, false, dashboard_url),
	F(S, "warnings", FK_STRV, false, warnings),
};
#undef S

#define V struct osmo_version
static const struct field version_fields[] = {
	F(V, "major", FK_STRINGISH, true, major),
	F(V, "minor", FK_STRINGISH, true, minor),
	F(V, "revision", FK_STRINGISH, false, revision),
	F(V, "hash", FK_STRINGISH, false, hash),
};
#undef V

static const char *const decode_type_names[] = {
	[FK_STR] = "a string",
	[FK_INT] = "an integer",
	[FK_BOOL] = "true or false",
	[FK_TIME] = "a time string",
	[FK_SECS] = "a number of seconds",
	[FK_STATUS] = "a status string",
	[FK_STRV] = "a list of strings",
	[FK_LABELS] = "an object of strings",
	[FK_STRINGISH] = "a string",
};

static void decode_append_clean(struct strbuf *sb, const char *text, size_t len, size_t max);

/* Paths hold server-sent keys, so they are cleaned like any other untrusted text. */
static int
decode_fail(struct api_error *err, const char *path, const char *what)
{
	struct strbuf sb = { 0 };

	decode_append_clean(&sb, path[0] ? path : "(top level)", path[0] ? strlen(path) : 11, 300);
	api_error_set(err, API_ERR_DECODE, "%s: %s", sb.buf ? sb.buf : "", what);
	strbuf_free(&sb);
	return -1;
}

/* Builds "base.key" or "base[index]" into out, cutting quietly: paths are for messages only. */
static void
decode_subpath(char out[DECODE_PATH], const char *base, const char *key, size_t index)
{
	struct strbuf sb = { 0 };

	strbuf_addstr(&sb, base);
	if (key)
		strbuf_addf(&sb, "%s%s", base[0] ? "." : "", key);
	else
		strbuf_addf(&sb, "[%zu]", index);
	strlcpy_safe(out, sb.buf, DECODE_PATH);
	strbuf_free(&sb);
}

static char *
decode_string(const cJSON *item)
{
	return utf8_sanitize(item->valuestring, strlen(item->valuestring));
}

/* Accepts a number only when it is integral and fits in an int. */
static bool
decode_int_value(const cJSON *item, int *out)
{
	double d = item->valuedouble;

	if (!cJSON_IsNumber(item) || !isfinite(d) || d != floor(d) || d < -2147483648.0 ||
	    d > 2147483647.0)
		return false;
	*out = (int)d;
	return true;
}

static int
decode_strv(const cJSON *item, struct strv *out, const char *path, struct api_error *err)
{
	const cJSON *el;
	size_t i = 0;

	if (!cJSON_IsArray(item))
		return decode_fail(err, path, "expected a list of strings");
	cJSON_ArrayForEach(el, item)
	{
		if (!cJSON_IsString(el)) {
			char p[DECODE_PATH];

			decode_subpath(p, path, NULL, i);
			return decode_fail(err, p, "expected a string");
		}
		strv_push_owned(out, decode_string(el));
		i++;
	}
	return 0;
}

static int
decode_labels(const cJSON *item, struct osmo_label **labels, size_t *n, const char *path,
              struct api_error *err)
{
	const cJSON *el;

	if (!cJSON_IsObject(item))
		return decode_fail(err, path, "expected an object of strings");
	cJSON_ArrayForEach(el, item)
	{
		if (!cJSON_IsString(el)) {
			char p[DECODE_PATH];

			decode_subpath(p, path, el->string, 0);
			return decode_fail(err, p, "expected a string");
		}
		*labels = xreallocarray(*labels, *n + 1, sizeof(**labels));
		(*labels)[*n].key = utf8_sanitize(el->string, strlen(el->string));
		(*labels)[*n].value = decode_string(el);
		(*n)++;
	}
	return 0;
}

/* Decodes one present, non-null value into base + f->off. */
static int
decode_value(const cJSON *item, const struct field *f, char *base, const char *path,
             struct api_error *err)
{
	void *dst = base + f->off;

	switch (f->kind) {
	case FK_STR:
		if (!cJSON_IsString(item))
			break;
		*(char **)dst = decode_string(item);
		return 0;
	case FK_STRINGISH:
		if (cJSON_IsString(item)) {
			*(char **)dst = decode_string(item);
			return 0;
		}
		if (!cJSON_IsNumber(item))
			break;
		*(char **)dst = xasprintf("%g", item->valuedouble);
		return 0;
	case FK_INT:
		if (!decode_int_value(item, dst))
			break;
		if (f->aux != NO_AUX)
			*(bool *)(base + f->aux) = true;
		return 0;
	case FK_BOOL:
		if (!cJSON_IsBool(item))
			break;
		*(bool *)dst = cJSON_IsTrue(item);
		return 0;
	case FK_TIME:
		if (!cJSON_IsString(item))
			break;
		if (osmo_time_parse(item->valuestring, dst) < 0)
			return decode_fail(err, path, "expected a time like 2026-08-18T14:02:11");
		return 0;
	case FK_SECS:
		if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble))
			break;
		*(double *)dst = item->valuedouble;
		return 0;
	case FK_STATUS:
		if (!cJSON_IsString(item))
			break;
		*(enum osmo_status *)dst = osmo_status_from_wire(item->valuestring);
		return 0;
	case FK_STRV:
		return decode_strv(item, dst, path, err);
	case FK_LABELS:
		return decode_labels(item, dst, (size_t *)(base + f->aux), path, err);
	}
	char what[64];

	snprintf(what, sizeof(what), "expected %s", decode_type_names[f->kind]);
	return decode_fail(err, path, what);
}

static int
decode_fields(const cJSON *obj, const struct field *fields, size_t n, void *out, const char *prefix,
              struct api_error *err)
{
	char path[DECODE_PATH];

	if (!cJSON_IsObject(obj))
		return decode_fail(err, prefix, "expected an object");
	for (size_t i = 0; i < n; i++) {
		const struct field *f = &fields[i];
		const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, f->key);

		decode_subpath(path, prefix, f->key, 0);
		if (f->kind == FK_SECS)
			/* cppcheck-suppress invalidPointerCast ; the table says this member is a double */
			*(double *)((char *)out + f->off) = -1;
		if (!item || cJSON_IsNull(item)) {
			if (f->required)
				return decode_fail(err, path,
				                   item ? "must not be null" : "missing");
			continue;
		}
		if (decode_value(item, f, out, path, err) < 0)
			return -1;
	}
	return 0;
}

/* Decodes an array of objects into a freshly allocated array of elem_size elements. */
static int
decode_array(const cJSON *arr, const char *path, size_t elem_size, void **out, size_t *n,
             int (*one)(const cJSON *, void *, const char *, struct api_error *),
             struct api_error *err)
{
	const cJSON *el;
	size_t count = 0;
	char p[DECODE_PATH];

	if (!arr || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr))
		return decode_fail(err, path, "expected a list");
	count = (size_t)cJSON_GetArraySize(arr);
	*out = xcalloc(count ? count : 1, elem_size);
	*n = 0;
	cJSON_ArrayForEach(el, arr)
	{
		decode_subpath(p, path, NULL, *n);
		(*n)++;
		if (one(el, (char *)*out + (*n - 1) * elem_size, p, err) < 0)
			return -1;
	}
	return 0;
}

static int
decode_task_one(const cJSON *obj, void *out, const char *path, struct api_error *err)
{
	return decode_fields(obj, task_fields, ARRAY_SIZE(task_fields), out, path, err);
}

static int
decode_group_one(const cJSON *obj, void *out, const char *path, struct api_error *err)
{
	struct osmo_group *g = out;
	char p[DECODE_PATH];

	if (decode_fields(obj, group_fields, ARRAY_SIZE(group_fields), g, path, err) < 0)
		return -1;
	decode_subpath(p, path, "tasks", 0);
	return decode_array(cJSON_GetObjectItemCaseSensitive(obj, "tasks"), p, sizeof(*g->tasks),
	                    (void **)&g->tasks, &g->n_tasks, decode_task_one, err);
}

static int
decode_row_one(const cJSON *obj, void *out, const char *path, struct api_error *err)
{
	return decode_fields(obj, row_fields, ARRAY_SIZE(row_fields), out, path, err);
}

/* Parses body into a cJSON tree, refusing bodies that are not one complete JSON value. */
static cJSON *
decode_parse(const char *body, size_t len, struct api_error *err)
{
	const char *end = NULL;
	cJSON *root;

	if (len > DECODE_MAX_BODY) {
		api_error_set(err, API_ERR_TOO_LARGE, "response of %zu bytes is too large", len);
		return NULL;
	}
	if (!body || len == 0) {
		api_error_set(err, API_ERR_DECODE, "empty response body");
		return NULL;
	}
	root = cJSON_ParseWithLengthOpts(body, len, &end, false);
	if (!root) {
		size_t off = end && end >= body ? (size_t)(end - body) : 0;

		api_error_set(err, API_ERR_DECODE, "invalid JSON at byte %zu of %zu", off, len);
		return NULL;
	}
	while (end && (size_t)(end - body) < len && *end && strchr(" \t\r\n", *end))
		end++;
	if (end && (size_t)(end - body) < len) {
		api_error_set(err, API_ERR_DECODE, "unexpected data after JSON at byte %zu",
		              (size_t)(end - body));
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

int
decode_workflow(const char *body, size_t len, struct osmo_workflow *out, struct api_error *err)
{
	cJSON *root = decode_parse(body, len, err);
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!root)
		return -1;
	if (decode_fields(root, workflow_fields, ARRAY_SIZE(workflow_fields), out, "", err) == 0 &&
	    decode_array(cJSON_GetObjectItemCaseSensitive(root, "groups"), "groups",
	                 sizeof(*out->groups), (void **)&out->groups, &out->n_groups,
	                 decode_group_one, err) == 0) {
		const cJSON *plugins = cJSON_GetObjectItemCaseSensitive(root, "plugins");
		const cJSON *rsync = cJSON_GetObjectItemCaseSensitive(plugins, "rsync");

		out->plugin_rsync = cJSON_IsTrue(rsync);
		osmo_workflow_link(out);
		rc = 0;
	}
	cJSON_Delete(root);
	if (rc < 0)
		osmo_workflow_free(out);
	return rc;
}

int
decode_workflow_list(const char *body, size_t len, struct osmo_workflow_list *out,
                     struct api_error *err)
{
	cJSON *root = decode_parse(body, len, err);
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!root)
		return -1;
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(root, "workflows");
	const cJSON *more = cJSON_GetObjectItemCaseSensitive(root, "more_entries");

	if (!cJSON_IsObject(root))
		decode_fail(err, "", "expected an object");
	else if (!rows)
		decode_fail(err, "workflows", "missing");
	else if (more && !cJSON_IsBool(more) && !cJSON_IsNull(more))
		decode_fail(err, "more_entries", "expected true or false");
	else if (decode_array(rows, "workflows", sizeof(*out->rows), (void **)&out->rows,
	                      &out->n_rows, decode_row_one, err) == 0) {
		out->more_entries = cJSON_IsTrue(more);
		rc = 0;
	}
	cJSON_Delete(root);
	if (rc < 0)
		osmo_workflow_list_free(out);
	return rc;
}

int
decode_submit_result(const char *body, size_t len, struct osmo_submit_result *out,
                     struct api_error *err)
{
	cJSON *root = decode_parse(body, len, err);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!root)
		return -1;
	rc = decode_fields(root, submit_fields, ARRAY_SIZE(submit_fields), out, "", err);
	cJSON_Delete(root);
	if (rc < 0)
		osmo_submit_result_free(out);
	return rc;
}

int
decode_cancel(const char *body, size_t len, char **name_out, struct api_error *err)
{
	static const struct field name_field = { "name", FK_STR, true, 0, NO_AUX };
	cJSON *root = decode_parse(body, len, err);
	int rc;

	*name_out = NULL;
	if (!root)
		return -1;
	rc = decode_fields(root, &name_field, 1, name_out, "", err);
	cJSON_Delete(root);
	return rc;
}

int
decode_version(const char *body, size_t len, struct osmo_version *out, struct api_error *err)
{
	cJSON *root = decode_parse(body, len, err);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!root)
		return -1;
	rc = decode_fields(root, version_fields, ARRAY_SIZE(version_fields), out, "", err);
	cJSON_Delete(root);
	if (rc < 0)
		osmo_version_free(out);
	return rc;
}

/*
 * Appends text to sb as one printable line: unsafe characters become spaces, runs of
 * spaces collapse, and sb stops before max bytes at a character boundary.
 */
static void
decode_append_clean(struct strbuf *sb, const char *text, size_t len, size_t max)
{
	char *valid = utf8_sanitize(text, len);
	bool space = sb->len > 0 && sb->buf[sb->len - 1] == ' ';

	for (const unsigned char *p = (const unsigned char *)valid; *p;) {
		size_t n = 1;

		while ((p[n] & 0xc0) == 0x80)
			n++;
		bool ctl = utf8_unsafe_len((const char *)p, n) > 0;

		if (ctl || *p == ' ') {
			if (!space && sb->len && sb->len + 1 < max)
				strbuf_addch(sb, ' ');
			space = true;
		} else if (sb->len + n < max) {
			strbuf_add(sb, p, n);
			space = false;
		} else {
			break;
		}
		p += n;
	}
	free(valid);
	while (sb->len && sb->buf[sb->len - 1] == ' ')
		sb->buf[--sb->len] = '\0';
}

static void
decode_detail_list(const cJSON *detail, struct strbuf *sb, size_t max)
{
	const cJSON *d;

	cJSON_ArrayForEach(d, detail)
	{
		const cJSON *loc = cJSON_GetObjectItemCaseSensitive(d, "loc");
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(d, "msg");
		const cJSON *part;
		struct strbuf where = { 0 };

		cJSON_ArrayForEach(part, loc)
		{
			if (where.len)
				strbuf_addch(&where, '.');
			if (cJSON_IsString(part))
				strbuf_addstr(&where, part->valuestring);
			else if (cJSON_IsNumber(part))
				strbuf_addf(&where, "%d", part->valueint);
		}
		if (sb->len)
			strbuf_addstr(sb, "; ");
		if (where.len) {
			decode_append_clean(sb, where.buf, where.len, max);
			strbuf_addstr(sb, ": ");
		}
		if (cJSON_IsString(msg))
			decode_append_clean(sb, msg->valuestring, strlen(msg->valuestring), max);
		strbuf_free(&where);
	}
}

void
decode_error_body(long http_status, const char *body, size_t len, const char *prefix,
                  struct api_error *err)
{
	struct strbuf msg = { 0 };
	const size_t max = sizeof(err->message) - 1;
	cJSON *root = NULL;

	api_error_clear(err);
	err->kind = http_status == 401 || http_status == 403 ? API_ERR_AUTH : API_ERR_HTTP;
	err->http_status = http_status;
	if (prefix && prefix[0])
		strbuf_addf(&msg, "%s: ", prefix);
	strbuf_addf(&msg, "HTTP %ld", http_status);
	if (body && len && len < (8u << 20))
		root = cJSON_ParseWithLength(body, len);

	const cJSON *message = cJSON_GetObjectItemCaseSensitive(root, "message");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(root, "error_code");
	const cJSON *detail = cJSON_GetObjectItemCaseSensitive(root, "detail");

	if (cJSON_IsString(code)) {
		struct strbuf clean = { 0 };

		decode_append_clean(&clean, code->valuestring, strlen(code->valuestring),
		                    sizeof(err->error_code));
		strlcpy_safe(err->error_code, clean.buf ? clean.buf : "", sizeof(err->error_code));
		strbuf_free(&clean);
		strbuf_addf(&msg, " %s", err->error_code);
	}
	strbuf_addstr(&msg, ": ");
	size_t before = msg.len;

	if (cJSON_IsString(message))
		decode_append_clean(&msg, message->valuestring, strlen(message->valuestring), max);
	else if (cJSON_IsString(detail))
		decode_append_clean(&msg, detail->valuestring, strlen(detail->valuestring), max);
	else if (cJSON_IsArray(detail))
		decode_detail_list(detail, &msg, max);
	else if (!root && body && len)
		decode_append_clean(&msg, body, len < 2048 ? len : 2048, max);
	if (msg.len == before)
		strbuf_addstr(&msg, http_status >= 500 ? "the server failed" : "no details");
	strlcpy_safe(err->message, msg.buf, sizeof(err->message));
	strbuf_free(&msg);
	cJSON_Delete(root);
}

static int
decode_b64url_val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-' || c == '+')
		return 62;
	if (c == '_' || c == '/')
		return 63;
	return -1;
}

int
decode_jwt_exp(const char *jwt, int64_t *exp_s)
{
	const char *dot1 = jwt ? strchr(jwt, '.') : NULL;
	const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	struct strbuf payload = { 0 };
	unsigned acc = 0;
	int bits = 0, rc = -1;

	if (!dot2 || dot2 - dot1 > 65536)
		return -1;
	for (const char *p = dot1 + 1; p < dot2 && *p != '='; p++) {
		int v = decode_b64url_val((unsigned char)*p);

		if (v < 0)
			goto out;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			strbuf_addch(&payload, (char)((acc >> bits) & 0xff));
		}
	}
	cJSON *root = payload.len ? cJSON_ParseWithLength(payload.buf, payload.len) : NULL;
	const cJSON *exp = cJSON_GetObjectItemCaseSensitive(root, "exp");

	if (cJSON_IsNumber(exp) && isfinite(exp->valuedouble)) {
		*exp_s = (int64_t)exp->valuedouble;
		rc = 0;
	}
	cJSON_Delete(root);
out:
	strbuf_free(&payload);
	return rc;
}

int
decode_token_response(const char *body, size_t len, char **id_token, char **refresh_token,
                      struct api_error *err)
{
	cJSON *root = decode_parse(body, len, err);
	int rc = -1;

	*id_token = NULL;
	*refresh_token = NULL;
	if (!root)
		return -1;
	const cJSON *tok = cJSON_GetObjectItemCaseSensitive(root, "token");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "id_token");
	const cJSON *refresh = cJSON_GetObjectItemCaseSensitive(root, "refresh_token");

	if (!cJSON_IsString(tok))
		tok = id;
	if (cJSON_IsString(tok) && tok->valuestring[0]) {
		*id_token = xstrdup(tok->valuestring);
		if (cJSON_IsString(refresh) && refresh->valuestring[0])
			*refresh_token = xstrdup(refresh->valuestring);
		rc = 0;
	} else {
		api_error_set(err, API_ERR_DECODE, "token response has no token or id_token");
	}
	cJSON_Delete(root);
	return rc;
}

static cJSON *
decode_strv_array(const struct strv *sv)
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; sv && i < sv->n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(sv->v[i]));
	return arr;
}

/* cJSON returns NULL only when out of memory; match xmalloc's policy. */
static char *
decode_print(cJSON *root)
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

char *
encode_submit_body(const char *yaml, const struct strv *set_variables,
                   const struct strv *set_string_variables)
{
	cJSON *root = cJSON_CreateObject();

	cJSON_AddItemToObject(root, "file", cJSON_CreateString(yaml));
	cJSON_AddItemToObject(root, "set_variables", decode_strv_array(set_variables));
	cJSON_AddItemToObject(root, "set_string_variables",
	                      decode_strv_array(set_string_variables));
	cJSON_AddItemToObject(root, "uploaded_templated_spec", cJSON_CreateNull());
	return decode_print(root);
}

char *
encode_token_request(const char *token)
{
	cJSON *root = cJSON_CreateObject();

	cJSON_AddItemToObject(root, "token", cJSON_CreateString(token));
	return decode_print(root);
}

/* ---------------------------------------------------- router targets (exec, port-forward) */

/* decode_fail for the member key of the object at path. */
static int
decode_router_fail(struct api_error *err, const char *path, const char *key, const char *what)
{
	char sub[DECODE_PATH];

	decode_subpath(sub, path, key, 0);
	return decode_fail(err, sub, what);
}

/* A string with no control bytes (it goes into a URL or a header as it is). */
static const char *
decode_router_plain(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsString(item))
		return NULL;
	for (const unsigned char *p = (const unsigned char *)item->valuestring; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return NULL;
	return item->valuestring;
}

static int
decode_router_one(const cJSON *obj, const char *path, struct osmo_router_target *t,
                  struct api_error *err)
{
	const cJSON *cookie = cJSON_GetObjectItemCaseSensitive(obj, "cookie");
	const char *addr = decode_router_plain(obj, "router_address");
	const char *key = decode_router_plain(obj, "key");
	size_t n;

	if (!cJSON_IsObject(obj))
		return decode_fail(err, path, "expected an object");
	if (!addr || (strncasecmp(addr, "ws://", 5) != 0 && strncasecmp(addr, "wss://", 6) != 0))
		return decode_router_fail(err, path, "router_address",
		                          "expected a ws:// or wss:// address");
	if (!key || !key[0])
		return decode_router_fail(err, path, "key", "expected a key");
	if (cookie && !cJSON_IsNull(cookie) && !decode_router_plain(obj, "cookie"))
		return decode_router_fail(err, path, "cookie",
		                          "expected a string without control characters");
	n = strlen(addr);
	while (n && addr[n - 1] == '/')
		n--;
	t->router_address = xstrndup(addr, n);
	t->key = xstrdup(key);
	t->cookie = xstrdup(cJSON_IsString(cookie) ? cookie->valuestring : "");
	return 0;
}

/* Decodes every element of a list or map (map: names kept in .task). */
static int
decode_router_each(const cJSON *root, bool map, struct osmo_router_target **out, size_t *n,
                   struct api_error *err)
{
	const cJSON *el;
	size_t count = (size_t)cJSON_GetArraySize(root), i = 0;
	struct osmo_router_target *t = xcalloc(count ? count : 1, sizeof(*t));

	cJSON_ArrayForEach(el, root)
	{
		char path[DECODE_PATH];

		decode_subpath(path, "", map ? el->string : NULL, i);
		if (decode_router_one(el, path, &t[i], err) < 0) {
			osmo_router_targets_free(t, i + 1);
			return -1;
		}
		if (map)
			t[i].task = utf8_sanitize(el->string, strlen(el->string));
		i++;
	}
	*out = t;
	*n = i;
	return 0;
}

int
decode_router_target(const char *body, size_t len, struct osmo_router_target **out, size_t *n,
                     struct api_error *err)
{
	cJSON *root = decode_parse(body, len, err);
	struct osmo_router_target *t;

	*out = NULL;
	*n = 0;
	if (!root)
		return -1;
	t = xcalloc(1, sizeof(*t));
	if (decode_router_one(root, "", t, err) < 0) {
		osmo_router_targets_free(t, 1);
		cJSON_Delete(root);
		return -1;
	}
	cJSON_Delete(root);
	*out = t;
	*n = 1;
	return 0;
}

static int
decode_router_many(const char *body, size_t len, bool map, struct osmo_router_target **out,
                   size_t *n, struct api_error *err)
{
	cJSON *root = decode_parse(body, len, err);
	int rc;

	*out = NULL;
	*n = 0;
	if (!root)
		return -1;
	if (map ? !cJSON_IsObject(root) : !cJSON_IsArray(root))
		rc = decode_fail(err, "", map ? "expected an object of tasks" : "expected a list");
	else
		rc = decode_router_each(root, map, out, n, err);
	cJSON_Delete(root);
	return rc;
}

int
decode_router_target_map(const char *body, size_t len, struct osmo_router_target **out, size_t *n,
                         struct api_error *err)
{
	return decode_router_many(body, len, true, out, n, err);
}

int
decode_router_target_list(const char *body, size_t len, struct osmo_router_target **out, size_t *n,
                          struct api_error *err)
{
	return decode_router_many(body, len, false, out, n, err);
}
