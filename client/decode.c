/* decode.c: cJSON → model by model.c's tables; the only file in client/ that includes cJSON. */
#include "client/decode.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/json.h"

/* Bodies larger than this are refused before parsing (http.c caps transfers too). */
#define DECODE_MAX_BODY (256u << 20)

/* The API's answers are the peer's text: cleaned, and an unknown status is OSMO_UNKNOWN. */
static const struct json_opts decode_opts = { .sanitize = true };

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

/* Reads obj into out by t; a failure is the API's decode error at its path. */
static int
decode_table(const cJSON *obj, const struct json_table *t, void *out, struct api_error *err)
{
	struct json_error je;

	if (json_read(obj, t, out, &decode_opts, &je) == 0)
		return 0;
	return decode_fail(err, je.path, je.what);
}

/* Parses body into a cJSON tree, refusing bodies that are not one complete JSON value. */
static cJSON *
decode_parse(const char *body, size_t len, struct api_error *err)
{
	struct json_error je;
	cJSON *root;

	if (len > DECODE_MAX_BODY) {
		api_error_set(err, API_ERR_TOO_LARGE, "response of %zu bytes is too large", len);
		return NULL;
	}
	if (!body || len == 0) {
		api_error_set(err, API_ERR_DECODE, "empty response body");
		return NULL;
	}
	root = json_parse(body, len, &je);
	if (!root)
		api_error_set(err, API_ERR_DECODE, "%s", je.what);
	return root;
}

/*
 * Parses body and reads it into out (zeroed first) by t: the tree, for the caller to look at
 * further and delete, or NULL with err set and out freed by t (zero again).
 */
static cJSON *
decode_answer(const char *body, size_t len, const struct json_table *t, void *out,
              struct api_error *err)
{
	cJSON *root = decode_parse(body, len, err);

	memset(out, 0, t->size);
	if (root && decode_table(root, t, out, err) == 0)
		return root;
	cJSON_Delete(root);
	json_free(t, out);
	return NULL;
}

/* decode_answer where nothing else is read from the tree. */
static int
decode_answer_only(const char *body, size_t len, const struct json_table *t, void *out,
                   struct api_error *err)
{
	cJSON *root;

	/* Without a tree first: a 10,000-task answer is read in a third of the time and memory.
	 * Anything it does not read whole is read again the tree's way, which says why. */
	if (len > 0 && len <= DECODE_MAX_BODY && body &&
	    json_decode(body, len, t, out, &decode_opts) == 0)
		return 0;
	root = decode_answer(body, len, t, out, err);
	if (!root)
		return -1;
	cJSON_Delete(root);
	return 0;
}

int
decode_workflow(const char *body, size_t len, struct osmo_workflow *out, struct api_error *err)
{
	if (decode_answer_only(body, len, &osmo_workflow_table, out, err) < 0)
		return -1;
	osmo_workflow_link(out);
	return 0;
}

/* Not decode_answer: "workflows" is checked before the table, as it may be null, not missing. */
int
decode_workflow_list(const char *body, size_t len, struct osmo_workflow_list *out,
                     struct api_error *err)
{
	cJSON *root = decode_parse(body, len, err);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!root)
		return -1;
	if (cJSON_IsObject(root) && !cJSON_GetObjectItemCaseSensitive(root, "workflows"))
		rc = decode_fail(err, "workflows", "missing");
	else
		rc = decode_table(root, &osmo_workflow_list_table, out, err);
	cJSON_Delete(root);
	if (rc < 0)
		osmo_workflow_list_free(out);
	return rc;
}

int
decode_task_list(const char *body, size_t len, struct osmo_task_list *out, struct api_error *err)
{
	return decode_answer_only(body, len, &osmo_task_list_table, out, err);
}

int
decode_submit_result(const char *body, size_t len, struct osmo_submit_result *out,
                     struct api_error *err)
{
	return decode_answer_only(body, len, &osmo_submit_result_table, out, err);
}

int
decode_cancel(const char *body, size_t len, char **name_out, struct api_error *err)
{
	static const struct json_field name_field[] = { { "name", JSON_STR, true, 0, JSON_NO_AUX,
		                                          NULL } };
	static const struct json_table name_table = JSON_TABLE(name_field, char *);

	return decode_answer_only(body, len, &name_table, name_out, err);
}

int
decode_version(const char *body, size_t len, struct osmo_version *out, struct api_error *err)
{
	return decode_answer_only(body, len, &osmo_version_table, out, err);
}

/* A table's error at je's path under base. */
static int
decode_fail_under(struct api_error *err, const char *base, const struct json_error *je)
{
	char p[JSON_PATH];

	if (je->path[0])
		json_subpath(p, base, je->path, 0);
	else
		strlcpy_safe(p, base, sizeof(p));
	return decode_fail(err, p, je->what);
}

/* One pool of a node set: its table, then its resource_usage's; path names it for errors. */
static int
decode_pool_usage(const cJSON *obj, struct osmo_pool_usage *p, const char *path,
                  struct api_error *err)
{
	const cJSON *ru = cJSON_GetObjectItemCaseSensitive(obj, "resource_usage");
	char sub[JSON_PATH];
	struct json_error je;

	if (json_read(obj, &osmo_pool_usage_table, p, &decode_opts, &je) < 0)
		return decode_fail_under(err, path, &je);
	json_subpath(sub, path, "resource_usage", 0);
	if (!cJSON_IsObject(ru))
		return decode_fail(err, sub, ru ? "expected an object" : "missing");
	if (json_read(ru, &osmo_resource_usage_table, &p->usage, &decode_opts, &je) < 0)
		return decode_fail_under(err, sub, &je);
	return 0;
}

/* Walks node_sets[i].pools[j] as the CLI does; the tables read each pool. */
static int
decode_pool_sets(const cJSON *root, struct osmo_pool_quota *out, struct api_error *err)
{
	const cJSON *sets = cJSON_GetObjectItemCaseSensitive(root, "node_sets");
	char path[JSON_PATH], pp[JSON_PATH];
	size_t i = 0;
	const cJSON *set;

	if (!cJSON_IsArray(sets))
		return decode_fail(err, "node_sets", sets ? "expected a list" : "missing");
	cJSON_ArrayForEach(set, sets)
	{
		const cJSON *pools = cJSON_GetObjectItemCaseSensitive(set, "pools");
		const cJSON *pool;
		size_t j = 0;

		json_subpath(path, "node_sets", NULL, i++);
		json_subpath(path, path, "pools", 0);
		if (!cJSON_IsArray(pools))
			return decode_fail(err, path, pools ? "expected a list" : "missing");
		cJSON_ArrayForEach(pool, pools)
		{
			out->pools = xrealloc(out->pools, (out->n_pools + 1) * sizeof(*out->pools));
			memset(&out->pools[out->n_pools], 0, sizeof(*out->pools));
			json_subpath(pp, path, NULL, j++);
			if (decode_pool_usage(pool, &out->pools[out->n_pools++], pp, err) < 0)
				return -1;
		}
	}
	return 0;
}

int
decode_pool_quota(const char *body, size_t len, struct osmo_pool_quota *out, struct api_error *err)
{
	cJSON *root = decode_parse(body, len, err);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!root)
		return -1;
	rc = cJSON_IsObject(root) ? decode_pool_sets(root, out, err)
	                          : decode_fail(err, "", "expected an object");
	cJSON_Delete(root);
	if (rc < 0)
		osmo_pool_quota_free(out);
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

char *
encode_submit_body(const char *yaml, const struct strv *set_variables,
                   const struct strv *set_string_variables)
{
	cJSON *root = cJSON_CreateObject();

	cJSON_AddItemToObject(root, "file", cJSON_CreateString(yaml));
	cJSON_AddItemToObject(root, "set_variables", json_strv(set_variables));
	cJSON_AddItemToObject(root, "set_string_variables", json_strv(set_string_variables));
	cJSON_AddItemToObject(root, "uploaded_templated_spec", cJSON_CreateNull());
	return json_print(root);
}

char *
encode_token_request(const char *token)
{
	cJSON *root = cJSON_CreateObject();

	cJSON_AddItemToObject(root, "token", cJSON_CreateString(token));
	return json_print(root);
}

/* ---------------------------------------------------- router targets (exec, port-forward) */

/* decode_fail for the member key of the object at path. */
static int
decode_router_fail(struct api_error *err, const char *path, const char *key, const char *what)
{
	char sub[JSON_PATH];

	json_subpath(sub, path, key, 0);
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
		char path[JSON_PATH];

		json_subpath(path, "", map ? el->string : NULL, i);
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
