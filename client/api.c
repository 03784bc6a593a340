/* api.c: URLs, query strings and decoding for each OSMO endpoint; token refresh gating. */
#include "client/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client/decode.h"
#include "common/osmo_time.h"

/* The CLI's 60 s for normal requests; streams have none but an idle cut. */
#define API_TIMEOUT_MS 60000L
#define API_MAX_JSON   (64u << 20)
#define API_MAX_TEXT   (16u << 20)

typedef int (*api_decode_fn)(struct api_result *res, const char *body, size_t len);

static int
api_decode_list(struct api_result *res, const char *body, size_t len)
{
	return decode_workflow_list(body, len, &res->list, &res->err);
}

static int
api_decode_tasks(struct api_result *res, const char *body, size_t len)
{
	return decode_task_list(body, len, &res->tasks, &res->err);
}

static int
api_decode_query(struct api_result *res, const char *body, size_t len)
{
	return decode_workflow(body, len, &res->workflow, &res->err);
}

static int
api_decode_cancel(struct api_result *res, const char *body, size_t len)
{
	return decode_cancel(body, len, &res->name, &res->err);
}

static int
api_decode_submit(struct api_result *res, const char *body, size_t len)
{
	return decode_submit_result(body, len, &res->submit, &res->err);
}

static int
api_decode_version(struct api_result *res, const char *body, size_t len)
{
	return decode_version(body, len, &res->version, &res->err);
}

static int
api_decode_pool_quota(struct api_result *res, const char *body, size_t len)
{
	return decode_pool_quota(body, len, &res->pools, &res->err);
}

static int
api_decode_text(struct api_result *res, const char *body, size_t len)
{
	res->text = xstrndup(body, len);
	res->text_len = len;
	return 0;
}

static int
api_decode_exec(struct api_result *res, const char *body, size_t len)
{
	return decode_router_target(body, len, &res->targets, &res->n_targets, &res->err);
}

static int
api_decode_exec_group(struct api_result *res, const char *body, size_t len)
{
	return decode_router_target_map(body, len, &res->targets, &res->n_targets, &res->err);
}

static int
api_decode_port_forward(struct api_result *res, const char *body, size_t len)
{
	return decode_router_target_list(body, len, &res->targets, &res->n_targets, &res->err);
}

static const struct api_kind_info {
	api_decode_fn decode;
	size_t max_bytes;
	long timeout_ms;
} api_kinds[] = {
	[API_LIST] = { api_decode_list, API_MAX_JSON, API_TIMEOUT_MS },
	[API_TASKS] = { api_decode_tasks, API_MAX_JSON, API_TIMEOUT_MS },
	[API_QUERY] = { api_decode_query, API_MAX_JSON, API_TIMEOUT_MS },
	[API_CANCEL] = { api_decode_cancel, API_MAX_JSON, API_TIMEOUT_MS },
	[API_SUBMIT] = { api_decode_submit, API_MAX_JSON, API_TIMEOUT_MS },
	[API_RESTART] = { api_decode_submit, API_MAX_JSON, API_TIMEOUT_MS },
	[API_VERSION] = { api_decode_version, API_MAX_JSON, API_TIMEOUT_MS },
	[API_TEXT] = { api_decode_text, API_MAX_TEXT, API_TIMEOUT_MS },
	[API_STREAM] = { NULL, 0, 0 },
	[API_EXEC] = { api_decode_exec, API_MAX_JSON, API_TIMEOUT_MS },
	[API_EXEC_GROUP] = { api_decode_exec_group, API_MAX_JSON, API_TIMEOUT_MS },
	[API_PORT_FORWARD] = { api_decode_port_forward, API_MAX_JSON, API_TIMEOUT_MS },
	/* These two never pass through api_send's request: see api_router_cookie and below. */
	[API_ROUTER_COOKIE] = { NULL, 1u << 20, API_TIMEOUT_MS },
	[API_UPGRADE_HEADERS] = { NULL, 0, 0 },
	[API_POOL_QUOTA] = { api_decode_pool_quota, API_MAX_JSON, API_TIMEOUT_MS },
};

struct api_call {
	unsigned long id;
	enum api_kind kind;
	const char *method;
	char *url;
	char *path; /* for messages: method + path, never the query or a token */
	char *body;
	size_t body_len;
	long idle_timeout_s;
	struct api_callbacks cb;
	unsigned long http_id; /* 0 while waiting for a token refresh */
	unsigned long due_id;  /* the loop timer that delivers res */
	struct api_result res; /* the outcome, until the loop delivers it */
	bool retried_auth;
	struct api *api;
	struct api_call *next;
};

struct api {
	char *base;
	struct auth *auth;
	struct http *http;
	struct loop *loop;
	unsigned long next_id;
	struct api_call *calls;
	unsigned long refresh_id; /* the refresh request in flight, 0 if none */
	bool keep_bodies;         /* a query's or list's answer comes with its bytes (res.raw) */
};

static void api_send(struct api_call *c);
static void api_upgrade_ready(struct api_call *c);

void
api_keep_bodies(struct api *api, bool keep)
{
	api->keep_bodies = keep;
}

void
api_set_base_url(struct api *api, const char *base_url)
{
	size_t n = strlen(base_url);

	while (n && base_url[n - 1] == '/')
		n--;
	free(api->base);
	api->base = xstrndup(base_url, n);
}

struct api *
api_new(const char *base_url, struct auth *auth, struct http *http, struct loop *loop)
{
	struct api *api = xcalloc(1, sizeof(*api));

	api_set_base_url(api, base_url);
	api->auth = auth;
	api->http = http;
	api->loop = loop;
	api->next_id = 1;
	return api;
}

static void
api_call_free(struct api_call *c)
{
	if (c->http_id)
		http_cancel(c->api->http, c->http_id);
	if (c->due_id) {
		loop_remove(c->api->loop, c->due_id);
		api_result_free(&c->res);
	}
	free(c->url);
	free(c->path);
	free(c->body);
	free(c);
}

static void
api_unlink(struct api *api, struct api_call *c)
{
	for (struct api_call **pp = &api->calls; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			return;
		}
}

void
api_free(struct api *api)
{
	if (!api)
		return;
	if (api->refresh_id)
		http_cancel(api->http, api->refresh_id);
	while (api->calls) {
		struct api_call *c = api->calls;

		api->calls = c->next;
		api_call_free(c);
	}
	free(api->base);
	free(api);
}

const char *
api_base_url(const struct api *api)
{
	return api->base;
}

void
api_result_free(struct api_result *res)
{
	osmo_workflow_free(&res->workflow);
	osmo_workflow_list_free(&res->list);
	osmo_task_list_free(&res->tasks);
	osmo_submit_result_free(&res->submit);
	osmo_version_free(&res->version);
	osmo_pool_quota_free(&res->pools);
	free(res->name);
	free(res->text);
	free(res->raw);
	osmo_router_targets_free(res->targets, res->n_targets);
	free(res->cookie);
	strv_free(&res->headers);
	memset(res, 0, sizeof(*res));
}

/* The loop's delivery of a completed call: unlinks it, then hands its result to the callback. */
static void
api_deliver(void *ctx)
{
	struct api_call *c = ctx;
	struct api_callbacks cb = c->cb;
	struct api_result res = c->res;

	c->due_id = 0;
	api_unlink(c->api, c);
	api_call_free(c);
	if (cb.done)
		cb.done(cb.ctx, &res);
	else
		api_result_free(&res);
}

/* Completes a call with res (moved): the loop delivers it, never the caller's stack. */
static void
api_complete(struct api_call *c, struct api_result *res)
{
	/* A server may echo what it was sent, a token included. */
	auth_scrub(c->api->auth, res->err.message);
	c->res = *res;
	c->due_id = loop_add_timer(c->api->loop, 0, api_deliver, c);
}

static void
api_fail(struct api_call *c, const struct api_error *err)
{
	struct api_result res = { .kind = c->kind, .err = *err };

	api_complete(c, &res);
}

static void
api_refresh_done(void *ctx, const struct http_result *hr)
{
	struct api *api = ctx;
	struct api_error err = { 0 };
	int rc;

	api->refresh_id = 0;
	rc = auth_refresh_apply(api->auth, hr, &err);
	/* Every call that waited for the token goes now, or fails with the refresh's error. */
	for (struct api_call *c = api->calls, *next; c; c = next) {
		next = c->next;
		if (c->http_id || c->due_id)
			continue;
		if (rc == 0)
			api_send(c);
		else
			api_fail(c, &err);
	}
}

static void
api_start_refresh(struct api *api)
{
	struct strv headers = { 0 };
	char *url = NULL, *body = NULL;
	struct api_error err = { 0 };

	if (api->refresh_id)
		return;
	if (auth_refresh_request(api->auth, &url, &body, &headers, &err) < 0) {
		struct http_result hr = { .err = err };

		api_refresh_done(api, &hr);
		return;
	}
	struct http_spec spec = {
		.method = "POST",
		.url = url,
		.headers = &headers,
		.body = body,
		.body_len = strlen(body),
		.timeout_ms = API_TIMEOUT_MS,
		.max_bytes = 1u << 20,
		.on_done = api_refresh_done,
		.ctx = api,
	};
	api->refresh_id = http_start(api->http, &spec);
	strv_free(&headers);
	free(url);
	free(body);
}

static void
api_http_data(void *ctx, const char *data, size_t n)
{
	struct api_call *c = ctx;

	if (c->cb.data)
		c->cb.data(c->cb.ctx, data, n);
}

static void
api_http_done(void *ctx, const struct http_result *hr)
{
	struct api_call *c = ctx;
	struct api *api = c->api;
	struct api_result res = { .kind = c->kind };
	char prefix[300];

	c->http_id = 0;
	snprintf(prefix, sizeof(prefix), "%s %s", c->method, c->path);
	if (hr->status == 401 && !c->retried_auth && auth_can_refresh(api->auth)) {
		/* A token can expire early (clock skew, revocation): refresh once and retry. */
		c->retried_auth = true;
		api_start_refresh(api);
		return;
	}
	/* A transport error after an error status still carries the status and its body. */
	if (hr->err.kind != API_OK && (hr->status < 300 || hr->err.kind == API_ERR_TOO_LARGE)) {
		api_error_set(&res.err, hr->err.kind, "%s: %s", prefix, hr->err.message);
		res.err.http_status = hr->status;
	} else if (hr->status >= 300 && hr->status < 400) {
		api_error_set(&res.err, API_ERR_AUTH,
		              "%s: HTTP %ld redirect to a login page: the token was not accepted; "
		              "run 'osmo login'",
		              prefix, hr->status);
		res.err.http_status = hr->status;
	} else if (hr->status < 200 || hr->status >= 300) {
		decode_error_body(hr->status, hr->body, hr->len, prefix, &res.err);
	} else if (api_kinds[c->kind].decode &&
	           api_kinds[c->kind].decode(&res, hr->body, hr->len) < 0) {
		char *msg = xasprintf("%s: %s", prefix, res.err.message);

		strlcpy_safe(res.err.message, msg, sizeof(res.err.message));
		free(msg);
	} else if (api->keep_bodies && (c->kind == API_QUERY || c->kind == API_LIST)) {
		/* Taken, not copied: a 10,000-task answer is 9 MB. */
		res.raw_len = hr->len;
		res.raw = hr->keep ? strbuf_detach(hr->keep) : xstrndup(hr->body, hr->len);
	}
	if (res.err.kind != API_OK)
		res.err.retry_after_s = hr->retry_after_s;
	api_complete(c, &res);
}

static void
api_send(struct api_call *c)
{
	struct api *api = c->api;
	struct strv headers = { 0 };

	if (auth_needs_refresh(api->auth, clock_wall_ms() / 1000)) {
		c->http_id = 0;
		api_start_refresh(api);
		return;
	}
	/* An upgrade's headers need no request, only the fresh token checked for above. */
	if (c->kind == API_UPGRADE_HEADERS) {
		api_upgrade_ready(c);
		return;
	}
	auth_add_headers(api->auth, &headers);
	strv_push(&headers, "Content-Type: application/json");
	if (c->kind == API_STREAM || c->kind == API_TEXT)
		strv_push(&headers, "Accept: text/plain");
	struct http_spec spec = {
		.method = c->method,
		.url = c->url,
		.headers = &headers,
		.body = c->body,
		.body_len = c->body_len,
		.timeout_ms = api_kinds[c->kind].timeout_ms,
		.idle_timeout_s = c->idle_timeout_s,
		.max_bytes = api_kinds[c->kind].max_bytes,
		.stream = c->kind == API_STREAM,
		.on_data = api_http_data,
		.on_done = api_http_done,
		.ctx = c,
	};
	c->http_id = http_start(api->http, &spec);
	strv_free(&headers);
}

/* A new call on api's list, with its id; the caller fills in the rest. */
static struct api_call *
api_call_new(struct api *api, enum api_kind kind, const char *method, struct api_callbacks cb)
{
	struct api_call *c = xcalloc(1, sizeof(*c));

	c->id = api->next_id++;
	c->kind = kind;
	c->method = method;
	c->cb = cb;
	c->api = api;
	c->next = api->calls;
	api->calls = c;
	return c;
}

/* Creates a call for base + path + ("?" query) and sends it (or queues it behind a refresh). */
static unsigned long
api_call(struct api *api, enum api_kind kind, const char *method, char *path, char *query,
         char *body, long idle_timeout_s, struct api_callbacks cb)
{
	struct api_call *c = api_call_new(api, kind, method, cb);

	c->path = path;
	c->url = query && query[0] ? xasprintf("%s%s?%s", api->base, path, query)
	                           : xasprintf("%s%s", api->base, path);
	free(query);
	c->body = body;
	c->body_len = body ? strlen(body) : 0;
	c->idle_timeout_s = idle_timeout_s;
	api_send(c);
	return c->id;
}

/* A call that cannot be made: it fails with a usage error, delivered by the loop. */
static unsigned long
api_usage(struct api *api, enum api_kind kind, struct api_callbacks cb, const char *what)
{
	struct api_call *c = api_call_new(api, kind, "", cb);
	struct api_error err = { 0 };

	api_error_set(&err, API_ERR_USAGE, "%s", what);
	api_fail(c, &err);
	return c->id;
}

static void
api_q_str(struct strbuf *q, const char *key, const char *value)
{
	char *e;

	if (!value)
		return;
	e = http_escape(value);
	strbuf_addf(q, "%s%s=%s", q->len ? "&" : "", key, e);
	free(e);
}

static void
api_q_strv(struct strbuf *q, const char *key, const struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		api_q_str(q, key, sv->v[i]);
}

static void
api_q_int(struct strbuf *q, const char *key, long v)
{
	strbuf_addf(q, "%s%s=%ld", q->len ? "&" : "", key, v);
}

static void
api_q_bool(struct strbuf *q, const char *key, bool v)
{
	api_q_str(q, key, v ? "true" : "false");
}

static void
api_q_time(struct strbuf *q, const char *key, int64_t ms)
{
	char buf[OSMO_TIME_BUF];

	if (!ms)
		return;
	/* Whole seconds: the CLI sends YYYY-MM-DDTHH:MM:SS. */
	osmo_time_format_iso(ms - ms % 1000, buf);
	api_q_str(q, key, buf);
}

/* Joins literal parts with percent-encoded segments: lit0 seg0 lit1 seg1 lit2 (NULLs end it). */
static char *
api_path(const char *lit0, const char *seg0, const char *lit1, const char *seg1, const char *lit2)
{
	const char *parts[] = { lit0, seg0, lit1, seg1, lit2 };
	struct strbuf sb = { 0 };

	for (size_t i = 0; i < ARRAY_SIZE(parts) && parts[i]; i++) {
		if (i % 2 == 0) {
			strbuf_addstr(&sb, parts[i]);
			continue;
		}
		char *e = http_escape(parts[i]);

		strbuf_addstr(&sb, e);
		free(e);
	}
	return strbuf_detach(&sb);
}

char *
api_list_query_string(const struct api_list_query *q)
{
	struct strbuf s = { 0 };

	api_q_strv(&s, "users", &q->users);
	api_q_str(&s, "name", q->name && q->name[0] ? q->name : NULL);
	api_q_strv(&s, "statuses", &q->statuses);
	api_q_int(&s, "offset", q->offset > 0 ? q->offset : 0);
	if (q->limit > 0)
		api_q_int(&s, "limit", q->limit > 1000 ? 1000 : q->limit);
	api_q_str(&s, "order", q->ascending ? "ASC" : "DESC");
	if (q->all_users)
		api_q_bool(&s, "all_users", true);
	api_q_strv(&s, "pools", &q->pools);
	/* As the CLI: without a pool filter ask for all pools, not the profile's default. */
	if (q->all_pools || q->pools.n == 0)
		api_q_bool(&s, "all_pools", true);
	api_q_time(&s, "submitted_after", q->submitted_after_ms);
	api_q_time(&s, "submitted_before", q->submitted_before_ms);
	api_q_strv(&s, "tags", &q->tags);
	return strbuf_detach(&s);
}

unsigned long
api_list(struct api *api, const struct api_list_query *q, struct api_callbacks cb)
{
	return api_call(api, API_LIST, "GET", xstrdup("/api/workflow"), api_list_query_string(q),
	                NULL, 0, cb);
}

char *
api_task_query_string(const struct api_task_query *q)
{
	struct strbuf s = { 0 };

	api_q_str(&s, "workflow_id", q->workflow_id && q->workflow_id[0] ? q->workflow_id : NULL);
	api_q_strv(&s, "statuses", &q->statuses);
	api_q_strv(&s, "users", &q->users);
	if (q->all_users)
		api_q_bool(&s, "all_users", true);
	api_q_strv(&s, "pools", &q->pools);
	/* As for the list: without a pool filter every pool, not the profile's default. */
	if (q->all_pools || q->pools.n == 0)
		api_q_bool(&s, "all_pools", true);
	api_q_time(&s, "started_after", q->started_after_ms);
	api_q_int(&s, "offset", q->offset > 0 ? q->offset : 0);
	if (q->limit > 0)
		api_q_int(&s, "limit", q->limit > 1000 ? 1000 : q->limit);
	return strbuf_detach(&s);
}

bool
api_failed_tasks_query(const struct osmo_workflow_list *list, const struct api_list_query *lq,
                       struct api_task_query *q)
{
	bool running = false;
	int64_t after = 0;

	for (size_t i = 0; i < list->n_rows; i++) {
		const struct osmo_workflow_row *r = &list->rows[i];

		if (r->status != OSMO_RUNNING)
			continue;
		/* A task that started before its workflow did cannot be one of its tasks. */
		if (!running || (r->start_ms && r->start_ms < after))
			after = r->start_ms;
		running = true;
	}
	if (!running)
		return false;
	*q = (struct api_task_query){ .all_users = lq->all_users,
		                      .workflow_id = lq->name,
		                      .limit = 1000,
		                      .started_after_ms = after };
	for (size_t i = 0; i < lq->users.n; i++)
		strv_push(&q->users, lq->users.v[i]);
	for (size_t i = 0; i < lq->pools.n; i++)
		strv_push(&q->pools, lq->pools.v[i]);
	/* A task that never ran because another failed (FAILED_UPSTREAM) would count that
	 * failure again. */
	for (int s = 0; s < OSMO_STATUS_COUNT; s++)
		if (osmo_status_in_task_enum((enum osmo_status)s) &&
		    osmo_status_phase((enum osmo_status)s) == PHASE_FAILED &&
		    s != OSMO_FAILED_UPSTREAM)
			strv_push(&q->statuses, osmo_status_wire((enum osmo_status)s));
	return true;
}

unsigned long
api_tasks(struct api *api, const struct api_task_query *q, struct api_callbacks cb)
{
	return api_call(api, API_TASKS, "GET", xstrdup("/api/task"), api_task_query_string(q), NULL,
	                0, cb);
}

unsigned long
api_query(struct api *api, const char *workflow, bool verbose, bool skip_groups,
          struct api_callbacks cb)
{
	struct strbuf q = { 0 };

	api_q_bool(&q, "verbose", verbose);
	if (skip_groups)
		api_q_bool(&q, "skip_groups", true);
	return api_call(api, API_QUERY, "GET",
	                api_path("/api/workflow/", workflow, NULL, NULL, NULL), strbuf_detach(&q),
	                NULL, 0, cb);
}

unsigned long
api_spec(struct api *api, const char *workflow, bool use_template, struct api_callbacks cb)
{
	struct strbuf q = { 0 };

	if (use_template)
		api_q_bool(&q, "use_template", true);
	return api_call(api, API_TEXT, "GET",
	                api_path("/api/workflow/", workflow, "/spec", NULL, NULL),
	                strbuf_detach(&q), NULL, 0, cb);
}

unsigned long
api_error_logs(struct api *api, const char *workflow, const char *task, int retry_id,
               struct api_callbacks cb)
{
	struct strbuf q = { 0 };

	api_q_str(&q, "task_name", task);
	if (task && retry_id >= 0)
		api_q_int(&q, "retry_id", retry_id);
	return api_call(api, API_TEXT, "GET",
	                api_path("/api/workflow/", workflow, "/error_logs", NULL, NULL),
	                strbuf_detach(&q), NULL, 0, cb);
}

unsigned long
api_cancel(struct api *api, const char *workflow, bool force, const char *message,
           struct api_callbacks cb)
{
	struct strbuf q = { 0 };

	api_q_bool(&q, "force", force);
	api_q_str(&q, "message", message && message[0] ? message : NULL);
	return api_call(api, API_CANCEL, "POST",
	                api_path("/api/workflow/", workflow, "/cancel", NULL, NULL),
	                strbuf_detach(&q), NULL, 0, cb);
}

unsigned long
api_submit(struct api *api, const struct api_submit_opts *o, struct api_callbacks cb)
{
	struct strbuf q = { 0 };
	char *body = NULL;

	if (!o->pool || (!o->yaml == !o->workflow_id))
		return api_usage(
		        api, API_SUBMIT, cb,
		        "submit needs a pool and either a spec or a workflow ID to resubmit");
	api_q_str(&q, "workflow_id", o->workflow_id);
	if (o->dry_run)
		api_q_bool(&q, "dry_run", true);
	if (o->validation_only)
		api_q_bool(&q, "validation_only", true);
	api_q_str(&q, "priority", o->priority);
	if (o->yaml)
		body = encode_submit_body(o->yaml, o->set_variables, NULL);
	return api_call(api, API_SUBMIT, "POST",
	                api_path("/api/pool/", o->pool, "/workflow", NULL, NULL), strbuf_detach(&q),
	                body, 0, cb);
}

unsigned long
api_restart(struct api *api, const char *pool, const char *workflow, struct api_callbacks cb)
{
	return api_call(api, API_RESTART, "POST",
	                api_path("/api/pool/", pool, "/workflow/", workflow, "/restart"), NULL,
	                NULL, 0, cb);
}

unsigned long
api_version(struct api *api, struct api_callbacks cb)
{
	return api_call(api, API_VERSION, "GET", xstrdup("/api/version"), NULL, NULL, 0, cb);
}

unsigned long
api_pool_quota(struct api *api, const char *pool, struct api_callbacks cb)
{
	struct strbuf q = { 0 };

	/* As the CLI's list_pools: the named pools, and all_pools false. */
	api_q_str(&q, "pools", pool);
	api_q_bool(&q, "all_pools", false);
	return api_call(api, API_POOL_QUOTA, "GET", xstrdup("/api/pool_quota"), strbuf_detach(&q),
	                NULL, 0, cb);
}

unsigned long
api_stream(struct api *api, const struct api_stream_opts *o, struct api_callbacks cb)
{
	struct strbuf q = { 0 };
	const char *tail = o->what == API_STREAM_EVENTS ? "/events" : "/logs";

	if (o->what == API_STREAM_LOGS && o->last_n_lines > 0)
		api_q_int(&q, "last_n_lines", o->last_n_lines);
	api_q_str(&q, "task_name", o->task);
	if (o->task && o->retry_id >= 0)
		api_q_int(&q, "retry_id", o->retry_id);
	/* Events take no query; an empty one would filter nothing anyway. */
	if (o->what == API_STREAM_LOGS && o->query && *o->query)
		api_q_str(&q, "query", o->query);
	return api_call(api, API_STREAM, "GET",
	                api_path("/api/workflow/", o->workflow_id, tail, NULL, NULL),
	                strbuf_detach(&q), NULL, o->idle_timeout_s, cb);
}

void
api_abort(struct api *api, unsigned long id)
{
	for (struct api_call *c = api->calls; c; c = c->next) {
		if (c->id != id)
			continue;
		api_unlink(api, c);
		api_call_free(c);
		return;
	}
}

size_t
api_pending(const struct api *api)
{
	size_t n = 0;

	for (const struct api_call *c = api->calls; c; c = c->next)
		n++;
	return n;
}

unsigned long
api_exec_task(struct api *api, const char *workflow, const char *task, const char *entry_command,
              struct api_callbacks cb)
{
	struct strbuf q = { 0 };

	/* The CLI's default; the task side splits it shell-like and runs it under a pty. */
	api_q_str(&q, "entry_command", entry_command ? entry_command : "/bin/bash");
	return api_call(api, API_EXEC, "POST",
	                api_path("/api/workflow/", workflow, "/exec/task/", task, NULL),
	                strbuf_detach(&q), NULL, 0, cb);
}

unsigned long
api_exec_group(struct api *api, const char *workflow, const char *group, const char *entry_command,
               struct api_callbacks cb)
{
	struct strbuf q = { 0 };

	if (!entry_command || !entry_command[0])
		return api_usage(api, API_EXEC_GROUP, cb, "exec on a group needs a command");
	api_q_str(&q, "entry_command", entry_command);
	return api_call(api, API_EXEC_GROUP, "POST",
	                api_path("/api/workflow/", workflow, "/exec/group/", group, NULL),
	                strbuf_detach(&q), NULL, 0, cb);
}

unsigned long
api_port_forward(struct api *api, const char *workflow, const char *task, const int *ports,
                 size_t n, bool udp, struct api_callbacks cb)
{
	struct strbuf q = { 0 };

	if (n == 0)
		return api_usage(api, API_PORT_FORWARD, cb, "port-forward needs at least one port");
	for (size_t i = 0; i < n; i++) {
		if (ports[i] < 1 || ports[i] > 65535) {
			strbuf_free(&q);
			return api_usage(api, API_PORT_FORWARD, cb,
			                 "port-forward ports are 1 to 65535");
		}
		api_q_int(&q, "task_ports", ports[i]);
	}
	api_q_bool(&q, "use_udp", udp);
	return api_call(api, API_PORT_FORWARD, "POST",
	                api_path("/api/workflow/", workflow, "/portforward/", task, NULL),
	                strbuf_detach(&q), NULL, 0, cb);
}

/* The router's HTTP origin for a ws(s):// router address (no trailing slash); NULL if none. */
static char *
api_router_origin(const char *router_address)
{
	static const struct {
		const char *ws, *http;
	} schemes[] = {
		{ "ws://", "http://" },
		{ "wss://", "https://" },
	};
	size_t n = strlen(router_address);

	while (n && router_address[n - 1] == '/')
		n--;
	for (size_t i = 0; i < ARRAY_SIZE(schemes); i++) {
		size_t k = strlen(schemes[i].ws);

		if (n > k && strncasecmp(router_address, schemes[i].ws, k) == 0)
			return xasprintf("%s%.*s", schemes[i].http, (int)(n - k),
			                 router_address + k);
	}
	return NULL;
}

#define API_ROUTER_VERSION "/api/router/version"

static void
api_cookie_done(void *ctx, const struct http_result *hr)
{
	struct api_call *c = ctx;
	struct api_result res = { .kind = API_ROUTER_COOKIE };

	c->http_id = 0;
	/* As the CLI: the cookies matter, not the status; only no answer at all fails. */
	if (hr->status == 0 && hr->err.kind != API_OK)
		api_error_set(&res.err, hr->err.kind, "GET %s: %s", c->path, hr->err.message);
	else
		res.cookie = api_cookie_header(hr->set_cookies, API_ROUTER_VERSION);
	api_complete(c, &res);
}

unsigned long
api_router_cookie(struct api *api, const char *router_address, struct api_callbacks cb)
{
	char *origin = router_address ? api_router_origin(router_address) : NULL;
	struct api_call *c;

	if (!origin)
		return api_usage(api, API_ROUTER_COOKIE, cb,
		                 "the router address is not ws:// or wss://");
	c = api_call_new(api, API_ROUTER_COOKIE, "GET", cb);
	c->url = xasprintf("%s%s", origin, API_ROUTER_VERSION);
	c->path = xstrdup(c->url); /* the router's origin and path: no secret in either */
	free(origin);
	/* Unauthenticated: the load balancer's affinity cookie is all it hands out. */
	struct http_spec spec = {
		.method = "GET",
		.url = c->url,
		.timeout_ms = api_kinds[API_ROUTER_COOKIE].timeout_ms,
		.max_bytes = api_kinds[API_ROUTER_COOKIE].max_bytes,
		.on_done = api_cookie_done,
		.ctx = c,
		.collect_cookies = true,
	};
	c->http_id = http_start(api->http, &spec);
	return c->id;
}

/* Completes an API_UPGRADE_HEADERS call (its cookie waits in c->body). */
static void
api_upgrade_ready(struct api_call *c)
{
	struct api_result res = { .kind = API_UPGRADE_HEADERS };

	auth_add_headers(c->api->auth, &res.headers);
	if (c->body && c->body[0])
		strv_push_owned(&res.headers, xasprintf("Cookie: %s", c->body));
	strv_push(&res.headers, "User-Agent: " API_USER_AGENT);
	api_complete(c, &res);
}

unsigned long
api_upgrade_headers(struct api *api, const char *cookie, struct api_callbacks cb)
{
	struct api_call *c = api_call_new(api, API_UPGRADE_HEADERS, "GET", cb);

	c->path = xstrdup("WebSocket upgrade");
	c->body = xstrdup(cookie ? cookie : "");
	api_send(c);
	return c->id;
}

char *
api_router_url(const char *router_address, enum api_router_kind kind, const char *workflow,
               const char *key)
{
	static const char *const kinds[] = {
		[API_ROUTER_EXEC] = "exec",
		[API_ROUTER_PORTFORWARD] = "portforward",
	};
	size_t n = strlen(router_address);
	char *wf = http_escape(workflow), *k = http_escape(key);
	char *url;

	while (n && router_address[n - 1] == '/')
		n--;
	url = xasprintf("%.*s/api/router/%s/%s/client/%s", (int)n, router_address, kinds[kind], wf,
	                k);
	free(wf);
	free(k);
	return url;
}

/* One cookie of a Set-Cookie value: name=value and the attributes the CLI keeps. */
struct api_cookie {
	char *pair; /* "name=value" */
	size_t name_len;
	char *path, *samesite;
	bool secure;
};

static char *
api_trimmed(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return xstrndup(s, n);
}

/* Parses one Set-Cookie value; false when it deletes one; ck->pair NULL: not a cookie. */
static bool
api_cookie_parse(const char *v, const char *default_path, struct api_cookie *ck)
{
	size_t n = strcspn(v, ";");
	const char *eq = memchr(v, '=', n);
	bool keep = true;

	memset(ck, 0, sizeof(*ck));
	if (!eq)
		return false;
	ck->pair = api_trimmed(v, n);
	ck->name_len = strcspn(ck->pair, "=");
	while (ck->name_len && (ck->pair[ck->name_len - 1] == ' '))
		ck->name_len--;
	if (!ck->name_len) {
		free(ck->pair);
		ck->pair = NULL;
		return false;
	}
	for (v += n; *v == ';';) {
		char *attr, *val;

		v++;
		n = strcspn(v, ";");
		attr = api_trimmed(v, n);
		val = strchr(attr, '=');
		if (val) {
			*val++ = '\0';
			val = api_trimmed(val, strlen(val));
			attr[strcspn(attr, " \t")] = '\0';
		}
		if (strcasecmp(attr, "Path") == 0 && val && val[0]) {
			free(ck->path);
			ck->path = val, val = NULL;
		} else if (strcasecmp(attr, "SameSite") == 0 && val && val[0]) {
			free(ck->samesite);
			ck->samesite = val, val = NULL;
		} else if (strcasecmp(attr, "Secure") == 0) {
			ck->secure = true;
		} else if (strcasecmp(attr, "Max-Age") == 0 && val && atol(val) <= 0) {
			keep = false; /* an instruction to forget the cookie */
		}
		free(val);
		free(attr);
		v += n;
	}
	if (!ck->path)
		ck->path = xstrdup(default_path);
	return keep;
}

static void
api_cookie_free(struct api_cookie *ck)
{
	free(ck->pair);
	free(ck->path);
	free(ck->samesite);
}

char *
api_cookie_header(const struct strv *set_cookies, const char *request_path)
{
	struct api_cookie *jar = NULL;
	size_t n = 0;
	struct strbuf out = { 0 };
	/* RFC 6265 §5.1.4 as Python's cookiejar does it: the request path up to its last '/'. */
	const char *slash = strrchr(request_path, '/');
	char *default_path = slash && slash != request_path
	                             ? xstrndup(request_path, (size_t)(slash - request_path))
	                             : xstrdup("/");

	for (size_t i = 0; set_cookies && i < set_cookies->n; i++) {
		struct api_cookie ck;
		bool keep = api_cookie_parse(set_cookies->v[i], default_path, &ck);
		size_t j;

		if (!ck.pair)
			continue;
		/* A cookie of the same name and path replaces the earlier one in its place. */
		for (j = 0; j < n; j++)
			if (jar[j].name_len == ck.name_len &&
			    memcmp(jar[j].pair, ck.pair, ck.name_len) == 0 &&
			    strcmp(jar[j].path, ck.path) == 0)
				break;
		if (j < n) {
			api_cookie_free(&jar[j]);
			if (keep) {
				jar[j] = ck;
				continue;
			}
			memmove(&jar[j], &jar[j + 1], (n - j - 1) * sizeof(*jar));
			n--;
		}
		if (!keep) {
			api_cookie_free(&ck);
			continue;
		}
		jar = xreallocarray(jar, n + 1, sizeof(*jar));
		jar[n++] = ck;
	}
	for (size_t i = 0; i < n; i++) {
		strbuf_addf(&out, "%s%s; Path=%s", i ? ", " : "", jar[i].pair, jar[i].path);
		if (jar[i].samesite)
			strbuf_addf(&out, "; SameSite=%s", jar[i].samesite);
		if (jar[i].secure)
			strbuf_addstr(&out, "; Secure");
		api_cookie_free(&jar[i]);
	}
	free(jar);
	free(default_path);
	return strbuf_detach(&out);
}

struct wsconn *
api_wsconn_connect(struct http *http, const char *url, const struct api_result *res,
                   struct wsconn_callbacks cb, struct api_error *err)
{
	struct wsconn_spec spec = { .url = url, .headers = &res->headers, .cb = cb };

	if (res->err.kind != API_OK) {
		*err = res->err;
		return NULL;
	}
	return wsconn_connect(http, &spec, clock_mono_ms(), err);
}
