/* routes.c: the OSMO workflow, pool, task and tag routes of osmo-local, answered by the engine. */
#include "server/routes.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/channel.h"
#include "server/encode.h"
#include "common/osmo_time.h"
#include "server/router_exec.h"
#include "common/status.h"

/* OSMO's WorkflowConfig.max_log_lines: a last_n_lines at least this large asks for everything. */
#define ROUTES_MAX_LOG_LINES 10000
#define ROUTES_MAX_LIMIT     1000
#define ROUTES_TEXT_UTF8     "text/plain; charset=utf-8"
#define ROUTES_VALIDATED     "Workflow validation succeeded."
#define ROUTES_BAD_TIME      "Input should be a valid datetime or date, invalid datetime format"

_Static_assert(OSMO_STATUS_COUNT <= 32, "routes_list_query.statuses holds one bit per status");

/* A FastAPI enum: its values in the service's order, which its 422 message lists. */
struct routes_enum {
	const char *const *values;
	size_t n;
};

static const char *const routes_status_values[] = {
	"PENDING",
	"RUNNING",
	"WAITING",
	"COMPLETED",
	"FAILED",
	"FAILED_SUBMISSION",
	"FAILED_SERVER_ERROR",
	"FAILED_EXEC_TIMEOUT",
	"FAILED_QUEUE_TIMEOUT",
	"FAILED_CANCELED",
	"FAILED_BACKEND_ERROR",
	"FAILED_IMAGE_PULL",
	"FAILED_EVICTED",
	"FAILED_START_ERROR",
	"FAILED_START_TIMEOUT",
	"FAILED_PREEMPTED",
};
/* TaskGroupStatus, which GET /api/task's statuses take. */
static const char *const routes_task_status_values[] = {
	"SUBMITTING",
	"WAITING",
	"PROCESSING",
	"SCHEDULING",
	"INITIALIZING",
	"RUNNING",
	"COMPLETED",
	"RESCHEDULED",
	"FAILED",
	"FAILED_CANCELED",
	"FAILED_SERVER_ERROR",
	"FAILED_BACKEND_ERROR",
	"FAILED_EXEC_TIMEOUT",
	"FAILED_QUEUE_TIMEOUT",
	"FAILED_IMAGE_PULL",
	"FAILED_UPSTREAM",
	"FAILED_EVICTED",
	"FAILED_START_ERROR",
	"FAILED_START_TIMEOUT",
	"FAILED_PREEMPTED",
};
static const char *const routes_priority_values[] = { "HIGH", "NORMAL", "LOW" };
static const char *const routes_order_values[] = { "ASC", "DESC" };

static const struct routes_enum routes_statuses = { routes_status_values,
	                                            ARRAY_SIZE(routes_status_values) };
static const struct routes_enum routes_task_statuses = { routes_task_status_values,
	                                                 ARRAY_SIZE(routes_task_status_values) };
static const struct routes_enum routes_priorities = { routes_priority_values,
	                                              ARRAY_SIZE(routes_priority_values) };
static const struct routes_enum routes_orders = { routes_order_values,
	                                          ARRAY_SIZE(routes_order_values) };

/* The admin tag list (GET /api/tag): the only tags POST .../tag may add. */
static const char *const routes_tags[] = { "nightly", "benchmark", "production", "experiment",
	                                   "debug" };

/* Which query parameters each log route takes: events have neither last_n_lines nor query. */
static const struct {
	bool lines_and_query;
} routes_log_kinds[] = {
	[ENGINE_LOGS] = { true },
	[ENGINE_EVENTS] = { false },
	[ENGINE_ERROR_LOGS] = { true },
};

/* FastAPI's 422 body, one detail per bad query input. */
struct routes_invalid {
	struct encode_query_error *v;
	size_t n;
	struct strv strings; /* what v points at */
};

static const char *
routes_user(const struct server_http_request *req)
{
	const char *user = server_http_header(req, "x-osmo-user");

	return user && *user ? user : ROUTES_DEFAULT_USER;
}

/* Python's truthiness: the service treats an empty string as absent. */
static const char *
routes_nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

static void
routes_strv_from_query(const struct server_http_request *req, const char *key, struct strv *out)
{
	size_t n = server_http_query_count(req, key);

	for (size_t i = 0; i < n; i++)
		strv_push(out, server_http_query_nth(req, key, i));
}

/* A copy of s that lives as long as inv, or NULL. */
static const char *
routes_invalid_keep(struct routes_invalid *inv, const char *s)
{
	if (!s)
		return NULL;
	strv_push(&inv->strings, s);
	return inv->strings.v[inv->strings.n - 1];
}

/* index < 0: a single-valued parameter, whose loc has no position. */
static void
routes_invalid_add(struct routes_invalid *inv, const char *type, const char *name, long index,
                   const char *msg, const char *input, const char *expected)
{
	inv->v = xreallocarray(inv->v, inv->n + 1, sizeof(*inv->v));
	inv->v[inv->n++] = (struct encode_query_error){
		.type = routes_invalid_keep(inv, type),
		.name = routes_invalid_keep(inv, name),
		.msg = routes_invalid_keep(inv, msg),
		.input = routes_invalid_keep(inv, input),
		.expected = routes_invalid_keep(inv, expected),
		.index = index,
	};
}

/* Sends the 422 if anything was bad; returns whether it did. Frees inv either way. */
static bool
routes_invalid_reply(struct routes_invalid *inv, struct server_http_response *res)
{
	bool bad = inv->n > 0;

	if (bad) {
		char *json = encode_query_errors(inv->v, inv->n);

		server_http_reply_json(res, 422, json);
		free(json);
	}
	strv_free(&inv->strings);
	free(inv->v);
	*inv = (struct routes_invalid){ 0 };
	return bad;
}

static long
routes_enum_find(const struct routes_enum *en, const char *v)
{
	for (size_t i = 0; i < en->n; i++)
		if (strcmp(en->values[i], v) == 0)
			return (long)i;
	return -1;
}

/* Checks every value of key against en; list: the parameter is a list (its loc has indices). */
static void
routes_enum_check(struct routes_invalid *inv, const struct server_http_request *req,
                  const char *key, const struct routes_enum *en, bool list)
{
	size_t n = list ? server_http_query_count(req, key) : server_http_query(req, key) != NULL;
	struct strbuf expected = { 0 };

	for (size_t i = 0; i < en->n; i++) {
		if (i)
			strbuf_addstr(&expected, i + 1 == en->n ? " or " : ", ");
		strbuf_addf(&expected, "'%s'", en->values[i]);
	}
	for (size_t i = 0; i < n; i++) {
		const char *v = server_http_query_nth(req, key, i);
		char *msg;

		if (routes_enum_find(en, v) >= 0)
			continue;
		msg = xasprintf("Input should be %s", expected.buf);
		routes_invalid_add(inv, "enum", key, list ? (long)i : -1, msg, v, expected.buf);
		free(msg);
	}
	strbuf_free(&expected);
}

/* Pydantic's datetime (or a bare date: midnight), cut to the second as OSMO's query does. */
static int
routes_parse_time(const char *s, int64_t *ms)
{
	char buf[24];

	if (strlen(s) == 10) {
		snprintf(buf, sizeof(buf), "%sT00:00", s);
		s = buf;
	}
	if (osmo_time_parse(s, ms) < 0)
		return -1;
	*ms -= ((*ms % 1000) + 1000) % 1000;
	return 0;
}

static void
routes_time_check(struct routes_invalid *inv, const struct server_http_request *req,
                  const char *key, bool *has, int64_t *ms)
{
	const char *v = server_http_query(req, key);

	*has = v != NULL;
	if (v && routes_parse_time(v, ms) < 0)
		routes_invalid_add(inv, "datetime_from_date_parsing", key, -1, ROUTES_BAD_TIME, v,
		                   NULL);
}

static void
routes_reply_not_found(struct server_http_response *res, const char *name)
{
	char *msg = xasprintf("Workflow %s is not found.", name);

	server_http_reply_error(res, 400, "DATABASE", msg, NULL);
	free(msg);
}

/* The engine's error as the service sends it; 500s carry the unhandled-exception prefix. */
static void
routes_reply_engine_error(struct server_http_response *res, struct engine_error *err)
{
	static const char prefix[] = "Internal server error: ";
	const char *m = err->message ? err->message : "";
	char *msg;

	if (err->code) {
		server_http_reply_error(res, err->status ? err->status : 400, err->code, m,
		                        err->workflow_id);
	} else {
		msg = str_starts_with(m, prefix) ? xstrdup(m) : xasprintf("%s%s", prefix, m);
		server_http_reply_error(res, err->status >= 500 ? err->status : 500, NULL, msg,
		                        NULL);
		free(msg);
	}
	engine_error_free(err);
}

/* The page of m matches at offset, at most limit long: its first index; its length returned. */
static size_t
routes_window(size_t m, size_t offset, size_t limit, size_t *first)
{
	*first = offset < m ? offset : m;
	return m - *first < limit ? m - *first : limit;
}

/* SubmitResponse: a dry run has the spec, a validation the fixed text, a real run its URLs. */
static void
routes_reply_submitted(struct engine *e, struct engine_submitted *out,
                       struct server_http_response *res)
{
	const char *base = engine_base_url(e);
	bool real = !out->spec && !out->validation_only;
	char *overview = real ? xasprintf("%s/api/workflow/%s", base, out->name) : NULL;
	char *logs = real ? xasprintf("%s/api/workflow/%s/logs", base, out->name) : NULL;
	const char *logs_text = !out->spec && out->validation_only ? ROUTES_VALIDATED : logs;
	char *json = encode_submit(out->name, overview, logs_text, out->spec, &out->warnings);

	server_http_reply_json(res, 200, json);
	free(json);
	free(overview);
	free(logs);
	engine_submitted_free(out);
}

static bool
routes_user_matches(const struct strv *users, const char *user)
{
	if (!users->n)
		return true;
	for (size_t i = 0; user && i < users->n; i++) {
		const char *u = users->v[i];
		size_t len = strlen(u);

		/* The service also knows users by the part of their name before '@'. */
		if (strcmp(u, user) == 0 ||
		    (!strchr(u, '@') && strncmp(user, u, len) == 0 && user[len] == '@'))
			return true;
	}
	return false;
}

static bool
routes_tags_match(const struct strv *want, const struct strv *have)
{
	if (!want->n)
		return true;
	for (size_t i = 0; i < want->n; i++)
		if (strv_contains(have, want->v[i]))
			return true;
	return false;
}

/* Every selector matches and every no_label key is missing (helpers.py:163-168). */
static bool
routes_labels_match(const struct eng_workflow *wf, const struct routes_list_query *q)
{
	for (size_t i = 0; i < q->n_selectors; i++)
		if (!labels_selector_match(&q->selectors[i], wf->labels, wf->n_labels))
			return false;
	for (size_t i = 0; i < q->no_labels.n; i++)
		if (labels_get(wf->labels, wf->n_labels, q->no_labels.v[i]))
			return false;
	return true;
}

static bool
routes_list_matches(const struct eng_workflow *wf, const struct routes_list_query *q)
{
	uint32_t statuses = q->statuses ? q->statuses : ~ROUTES_STATUS_BIT(OSMO_FAILED_SUBMISSION);
	const char *priority = wf->priority ? wf->priority : "NORMAL";

	return (statuses & ROUTES_STATUS_BIT(wf->status)) &&
	       routes_user_matches(&q->users, wf->user) &&
	       (!q->pools.n || (wf->pool && strv_contains(&q->pools, wf->pool))) &&
	       (!q->name || strstr(wf->id, q->name)) &&
	       (!q->has_after || wf->submit_ms >= q->submitted_after_ms) &&
	       (!q->has_before || wf->submit_ms < q->submitted_before_ms) &&
	       routes_tags_match(&q->tags, &wf->tags) &&
	       (!q->priorities.n || strv_contains(&q->priorities, priority)) &&
	       routes_labels_match(wf, q) && !q->app;
}

size_t
routes_list_select(const struct eng_workflow *const *wfs, size_t n,
                   const struct routes_list_query *q, const struct eng_workflow **out,
                   bool *more_entries)
{
	const struct eng_workflow **hits = xcalloc(n ? n : 1, sizeof(*hits));
	size_t m = 0, first, count;

	for (size_t i = 0; i < n; i++) {
		size_t j;

		if (!routes_list_matches(wfs[i], q))
			continue;
		/* Insertion keeps equal submit times in engine order and costs nothing when sorted. */
		for (j = m++; j > 0 && hits[j - 1]->submit_ms > wfs[i]->submit_ms; j--)
			hits[j] = hits[j - 1];
		hits[j] = wfs[i];
	}
	/* As OSMO: the window is taken newest first, then shown in the order asked for. */
	count = routes_window(m, q->offset, q->limit, &first);
	*more_entries = m - first > count;
	for (size_t k = 0; k < count; k++)
		out[q->descending ? k : count - 1 - k] = hits[m - 1 - first - k];
	free(hits);
	return count;
}

/* What the workflow and task lists read alike; the rest each reads itself. */
struct routes_scope {
	bool all_users, all_pools;
	long offset, limit;
};

/* The booleans and integers (false: res was answered) and the enum checks both lists make. */
static bool
routes_scope_read(const struct server_http_request *req, struct server_http_response *res,
                  struct routes_invalid *inv, const struct routes_enum *statuses,
                  struct routes_scope *sc)
{
	if (server_http_query_bool(req, "all_users", false, &sc->all_users, res) < 0 ||
	    server_http_query_bool(req, "all_pools", false, &sc->all_pools, res) < 0 ||
	    server_http_query_int(req, "offset", 0, &sc->offset, res) < 0 ||
	    server_http_query_int(req, "limit", 20, &sc->limit, res) < 0)
		return false;
	routes_enum_check(inv, req, "statuses", statuses, true);
	routes_enum_check(inv, req, "order", &routes_orders, false);
	routes_enum_check(inv, req, "priority", &routes_priorities, true);
	return true;
}

/* Whose (the caller unless users or all_users say), which pools (the default unless pools or
 * all_pools say), which statuses and priorities: as OSMO's list helpers choose. */
static void
routes_scope_fill(struct engine *e, const struct server_http_request *req,
                  const struct routes_scope *sc, struct strv *users, struct strv *pools,
                  uint32_t *statuses, struct strv *priorities)
{
	routes_strv_from_query(req, "users", users);
	if (!users->n && !sc->all_users)
		strv_push(users, routes_user(req));
	if (!sc->all_pools)
		routes_strv_from_query(req, "pools", pools);
	if (!sc->all_pools && !pools->n)
		strv_push(pools, engine_pool(e));
	for (size_t i = 0; i < server_http_query_count(req, "statuses"); i++)
		*statuses |= ROUTES_STATUS_BIT(
		        osmo_status_from_wire(server_http_query_nth(req, "statuses", i)));
	routes_strv_from_query(req, "priority", priorities);
}

static void
routes_list_query_free(struct routes_list_query *q)
{
	strv_free(&q->users);
	strv_free(&q->pools);
	strv_free(&q->tags);
	strv_free(&q->priorities);
	for (size_t i = 0; i < q->n_selectors; i++)
		labels_selector_free(&q->selectors[i]);
	free(q->selectors);
	strv_free(&q->no_labels);
}

/* common.AppStructure's APP_VERSION_REGEX: NAME or NAME:VERSION of [A-Za-z0-9_-]. */
static bool
routes_app_ok(const char *app)
{
	static const char word[] =
	        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
	size_t name = strspn(app, word);

	return name > 0 &&
	       (!app[name] || (app[name] == ':' && !app[name + 1 + strspn(app + name + 1, word)]));
}

/*
 * app (400 USER when it is no app name), then label selectors and no_label keys (400 USAGE),
 * as list_workflow and helpers.get_workflows check them; false when res was answered.
 */
static bool
routes_list_labels(const struct server_http_request *req, struct routes_list_query *q,
                   struct server_http_response *res)
{
	const char *app = routes_nonempty(server_http_query(req, "app"));
	size_t n = server_http_query_count(req, "label");
	char *why = NULL;

	if (app && !routes_app_ok(app)) {
		server_http_reply_error(res, 400, "USER",
		                        "Name and Version can only consist of lower and upper case "
		                        "letters, numbers, \"-\" and \"_\".",
		                        NULL);
		return false;
	}
	q->app = app != NULL;
	q->selectors = xcalloc(n + 1, sizeof(*q->selectors));
	for (size_t i = 0; i < n && !why; i++)
		if (labels_selector_parse(server_http_query_nth(req, "label", i),
		                          &q->selectors[q->n_selectors], &why) == 0)
			q->n_selectors++;
	routes_strv_from_query(req, "no_label", &q->no_labels);
	for (size_t i = 0; i < q->no_labels.n && !why; i++)
		why = labels_key_error(q->no_labels.v[i]);
	if (!why)
		return true;
	server_http_reply_error(res, 400, "USAGE", why, NULL);
	free(why);
	return false;
}

/* GET /api/workflow */
static void
routes_list(void *ctx, const struct server_http_request *req, struct server_http_response *res)
{
	struct engine *e = ctx;
	struct routes_list_query q = { 0 };
	struct routes_invalid inv = { 0 };
	const struct eng_workflow *const *wfs;
	const struct eng_workflow **page;
	const char *order = server_http_query(req, "order");
	struct routes_scope sc;
	bool more;
	size_t n, count;
	char *json;

	if (!routes_scope_read(req, res, &inv, &routes_statuses, &sc))
		return;
	routes_time_check(&inv, req, "submitted_after", &q.has_after, &q.submitted_after_ms);
	routes_time_check(&inv, req, "submitted_before", &q.has_before, &q.submitted_before_ms);
	if (routes_invalid_reply(&inv, res))
		return;
	if (sc.offset < 0) {
		server_http_reply_error(res, 400, "USAGE",
		                        "Parameter start must be a non-negative integer.", NULL);
		return;
	}
	if (sc.limit > ROUTES_MAX_LIMIT) {
		server_http_reply_error(res, 400, "USER", "Limit must be less than 1000.", NULL);
		return;
	}
	if (!routes_list_labels(req, &q, res)) {
		routes_list_query_free(&q);
		return;
	}
	routes_scope_fill(e, req, &sc, &q.users, &q.pools, &q.statuses, &q.priorities);
	q.name = routes_nonempty(server_http_query(req, "name"));
	routes_strv_from_query(req, "tags", &q.tags);
	q.offset = (size_t)sc.offset;
	q.limit = sc.limit > 0 ? (size_t)sc.limit : 0;
	q.descending = order && strcmp(order, "DESC") == 0;
	wfs = engine_workflows(e, &n);
	page = xcalloc(n ? n : 1, sizeof(*page));
	count = routes_list_select(wfs, n, &q, page, &more);
	json = encode_workflow_list(page, count, more, engine_base_url(e), clock_wall_ms());
	server_http_reply_json(res, 200, json);
	free(json);
	free(page);
	routes_list_query_free(&q);
}

/* GET /api/workflow/{name} */
static void
routes_workflow(void *ctx, const struct server_http_request *req, struct server_http_response *res)
{
	struct engine *e = ctx;
	const char *name = server_http_param(req, "name");
	const struct eng_workflow *wf;
	bool verbose, skip_groups;
	char *json;

	if (server_http_query_bool(req, "verbose", false, &verbose, res) < 0 ||
	    server_http_query_bool(req, "skip_groups", false, &skip_groups, res) < 0)
		return;
	wf = engine_find(e, name);
	if (!wf) {
		routes_reply_not_found(res, name);
		return;
	}
	json = encode_workflow(wf, engine_base_url(e), verbose, skip_groups, clock_wall_ms());
	server_http_reply_json(res, 200, json);
	free(json);
}

/* GET /api/workflow/{name}/spec: the uploaded template only when asked and there is one. */
static void
routes_spec(void *ctx, const struct server_http_request *req, struct server_http_response *res)
{
	struct engine *e = ctx;
	const char *name = server_http_param(req, "name");
	const struct eng_workflow *wf;
	const char *text;
	bool use_template;

	if (server_http_query_bool(req, "use_template", false, &use_template, res) < 0)
		return;
	wf = engine_find(e, name);
	if (!wf) {
		routes_reply_not_found(res, name);
		return;
	}
	text = use_template && wf->template_spec ? wf->template_spec : wf->spec ? wf->spec : "";
	server_http_reply(res, 200, ROUTES_TEXT_UTF8, text, strlen(text));
}

static void
routes_serve_log(struct engine *e, const struct server_http_request *req,
                 struct server_http_response *res, enum engine_log_kind kind)
{
	bool lines_and_query = routes_log_kinds[kind].lines_and_query;
	struct engine_log_request lr = {
		.kind = kind,
		.workflow = server_http_param(req, "name"),
		.task_name = routes_nonempty(server_http_query(req, "task_name")),
	};
	struct engine_log_source src;
	struct engine_error err = { 0 };
	long lines = 0;

	if ((lines_and_query && server_http_query_int(req, "last_n_lines", 0, &lines, res) < 0) ||
	    server_http_query_int(req, "retry_id", -1, &lr.retry_id, res) < 0)
		return;
	/* As the service: 0 means no limit, only a negative count is refused. */
	if (lines < 0) {
		server_http_reply_error(res, 400, "USER",
		                        "Users should specify positive value for flag -n.", NULL);
		return;
	}
	lr.last_n_lines = lines >= ROUTES_MAX_LOG_LINES ? 0 : lines;
	lr.query = lines_and_query ? routes_nonempty(server_http_query(req, "query")) : NULL;
	if (engine_log_source(e, &lr, &src, &err) < 0) {
		routes_reply_engine_error(res, &err);
		return;
	}
	if (src.text) {
		server_http_reply(res, 200, SERVER_HTTP_TEXT, src.text, strlen(src.text));
	} else {
		struct channel_filter f = { .last_n_lines = src.last_n_lines,
			                    .regex = src.regex,
			                    .query = src.query };

		channel_follow(src.loop, src.follow, src.path, &f, res);
	}
	engine_log_source_free(&src);
}

/* GET /api/workflow/{name}/logs */
static void
routes_logs(void *ctx, const struct server_http_request *req, struct server_http_response *res)
{
	routes_serve_log(ctx, req, res, ENGINE_LOGS);
}

/* GET /api/workflow/{name}/error_logs */
static void
routes_error_logs(void *ctx, const struct server_http_request *req,
                  struct server_http_response *res)
{
	routes_serve_log(ctx, req, res, ENGINE_ERROR_LOGS);
}

/* GET /api/workflow/{name}/events */
static void
routes_events(void *ctx, const struct server_http_request *req, struct server_http_response *res)
{
	routes_serve_log(ctx, req, res, ENGINE_EVENTS);
}

/* POST /api/workflow/{name}/cancel */
static void
routes_cancel(void *ctx, const struct server_http_request *req, struct server_http_response *res)
{
	struct engine *e = ctx;
	const char *name = server_http_param(req, "name");
	struct engine_error err = { 0 };
	const struct eng_workflow *wf;
	bool force;
	char *json;

	if (server_http_query_bool(req, "force", false, &force, res) < 0)
		return;
	if (engine_cancel(e, name, routes_user(req), force,
	                  routes_nonempty(server_http_query(req, "message")), &err) < 0) {
		routes_reply_engine_error(res, &err);
		return;
	}
	/* The reply names the workflow ID even when the path held its UUID. */
	wf = engine_find(e, name);
	json = encode_cancel(wf ? wf->id : name);
	server_http_reply_json(res, 200, json);
	free(json);
}

/* The service splits each K=V itself and refuses items without '='. */
static bool
routes_env_vars_ok(const struct strv *env_vars, struct server_http_response *res)
{
	for (size_t i = 0; i < env_vars->n; i++) {
		char *msg;

		if (strchr(env_vars->v[i], '='))
			continue;
		msg = xasprintf("Environment variable %s is incorrectly formatted", env_vars->v[i]);
		server_http_reply_error(res, 400, "USAGE", msg, NULL);
		free(msg);
		return false;
	}
	return true;
}

static void
routes_submit_run(struct engine *e, const struct engine_submit *sub,
                  struct server_http_response *res)
{
	struct engine_submitted out = { 0 };
	struct engine_error err = { 0 };

	if (engine_submit(e, sub, &out, &err) < 0)
		routes_reply_engine_error(res, &err);
	else
		routes_reply_submitted(e, &out, res);
}

/* POST /api/pool/{pool}/workflow: submit, dry run, validation or resubmit by workflow_id. */
static void
routes_submit(void *ctx, const struct server_http_request *req, struct server_http_response *res)
{
	struct engine *e = ctx;
	const char *workflow_id = routes_nonempty(server_http_query(req, "workflow_id"));
	struct encode_template_spec spec = { 0 };
	struct routes_invalid inv = { 0 };
	struct strv env_vars = { 0 }, labels = { 0 };
	struct engine_submit sub;
	bool dry_run, validation_only;
	long app_version;
	char *why = NULL;

	if (server_http_query_bool(req, "dry_run", false, &dry_run, res) < 0 ||
	    server_http_query_bool(req, "validation_only", false, &validation_only, res) < 0 ||
	    server_http_query_int(req, "app_version", 0, &app_version, res) < 0)
		return;
	routes_enum_check(&inv, req, "priority", &routes_priorities, false);
	if (routes_invalid_reply(&inv, res))
		return;
	/* No body at all is "no spec"; JSON null parses to one with file NULL. */
	if (req->body_len &&
	    encode_template_spec_parse(req->body, req->body_len, &spec, &why) < 0) {
		server_http_reply_json(res, 422, why);
		free(why);
		return;
	}
	routes_strv_from_query(req, "env_vars", &env_vars);
	routes_strv_from_query(req, "label", &labels);
	sub = (struct engine_submit){
		.user = routes_user(req),
		.pool = server_http_param(req, "pool"),
		.priority = server_http_query(req, "priority"),
		.file = spec.file,
		.template_spec = spec.uploaded_templated_spec,
		.set_vars = &spec.set_variables,
		.set_string_vars = &spec.set_string_variables,
		.env_vars = &env_vars,
		.labels = &labels,
		.workflow_id = workflow_id,
		.dry_run = dry_run,
		.validation_only = validation_only,
	};
	if (spec.file && workflow_id)
		server_http_reply_error(
		        res, 400, "USAGE",
		        "Either file contents or workflow ID can be provided, but not both.", NULL);
	else if (!spec.file && !workflow_id)
		server_http_reply_error(res, 400, "USAGE",
		                        "Need to provide either file contents or workflow ID.",
		                        NULL);
	else if (dry_run || routes_env_vars_ok(&env_vars, res))
		routes_submit_run(e, &sub, res);
	encode_template_spec_free(&spec);
	strv_free(&env_vars);
	strv_free(&labels);
}

/* POST /api/pool/{pool}/workflow/{workflow_id}/restart */
static void
routes_restart(void *ctx, const struct server_http_request *req, struct server_http_response *res)
{
	struct engine *e = ctx;
	struct engine_submitted out = { 0 };
	struct engine_error err = { 0 };

	if (engine_restart(e, server_http_param(req, "workflow_id"), server_http_param(req, "pool"),
	                   routes_user(req), &out, &err) < 0)
		routes_reply_engine_error(res, &err);
	else
		routes_reply_submitted(e, &out, res);
}

static bool
routes_tag_allowed(const char *tag)
{
	for (size_t i = 0; i < ARRAY_SIZE(routes_tags); i++)
		if (strcmp(routes_tags[i], tag) == 0)
			return true;
	return false;
}

/* The service's message when a tag to add is not on the admin list, or NULL. */
static char *
routes_tag_refusal(const struct strv *add)
{
	struct strbuf sb = { 0 };
	size_t i = 0;

	while (i < add->n && routes_tag_allowed(add->v[i]))
		i++;
	if (i == add->n)
		return NULL;
	strbuf_addstr(&sb, "Invalid tag detected. Users can only set specified tags: ");
	for (i = 0; i < ARRAY_SIZE(routes_tags); i++)
		strbuf_addf(&sb, "%s%s", i ? ", " : "", routes_tags[i]);
	return strbuf_detach(&sb);
}

/* POST /api/workflow/{name}/tag: the service's checks in its order, then the engine. */
static void
routes_tag(void *ctx, const struct server_http_request *req, struct server_http_response *res)
{
	struct engine *e = ctx;
	const char *name = server_http_param(req, "name");
	struct strv add = { 0 }, remove = { 0 };
	struct engine_error err = { 0 };
	char *refusal;

	routes_strv_from_query(req, "add", &add);
	routes_strv_from_query(req, "remove", &remove);
	refusal = routes_tag_refusal(&add);
	if (!add.n && !remove.n)
		server_http_reply_error(res, 400, "USER", "No tags specified!", NULL);
	else if (!engine_find(e, name))
		routes_reply_not_found(res, name);
	else if (refusal)
		server_http_reply_error(res, 400, "USER", refusal, NULL);
	else if (engine_tag(e, name, &add, &remove, &err) < 0)
		routes_reply_engine_error(res, &err);
	else
		server_http_reply_json(res, 200, "null");
	free(refusal);
	strv_free(&add);
	strv_free(&remove);
}

/* GET /api/tag */
static void
routes_tag_list(void *ctx, const struct server_http_request *req, struct server_http_response *res)
{
	char *json = encode_tag_list(routes_tags, ARRAY_SIZE(routes_tags));

	(void)ctx;
	(void)req;
	server_http_reply_json(res, 200, json);
	free(json);
}

/*
 * GET /api/workflow/{name}/task/{task_name}: TaskEntry. Tasks here reserve nothing, so storage,
 * cpu, memory and gpu are 0; the node is this machine once the task started, as in queries.
 */
static void
routes_task(void *ctx, const struct server_http_request *req, struct server_http_response *res)
{
	struct engine *e = ctx;
	const char *name = server_http_param(req, "name");
	const char *task_name = server_http_param(req, "task_name");
	const struct eng_workflow *wf = engine_find(e, name);
	const struct eng_task *t = eng_workflow_find_task(wf, task_name, -1);
	char *msg, *json;

	if (!t) {
		msg = xasprintf("Task %s of workflow %s is not found.", task_name, name);
		server_http_reply_error(res, 400, "DATABASE", msg, NULL);
		free(msg);
		return;
	}
	json = encode_task_entry(wf, t);
	server_http_reply_json(res, 200, json);
	free(json);
}

/* helpers.get_tasks' first sort key: SCHEDULING, INITIALIZING, RUNNING, then the rest. */
static int
routes_task_rank(enum osmo_status s)
{
	return s == OSMO_SCHEDULING ? 1 : s == OSMO_INITIALIZING ? 2 : s == OSMO_RUNNING ? 3 : 4;
}

/* The service's ORDER BY: rank, start_time DESC (nulls first, as Postgres), submit_time DESC, name DESC. */
static int
routes_task_order(const void *pa, const void *pb)
{
	const struct encode_task_row *a = pa, *b = pb;
	int64_t sa = a->t->start_ms ? a->t->start_ms : INT64_MAX;
	int64_t sb = b->t->start_ms ? b->t->start_ms : INT64_MAX;
	int ra = routes_task_rank(a->t->status), rb = routes_task_rank(b->t->status);

	if (ra != rb)
		return ra - rb;
	if (sa != sb)
		return sa > sb ? -1 : 1;
	if (a->wf->submit_ms != b->wf->submit_ms)
		return a->wf->submit_ms > b->wf->submit_ms ? -1 : 1;
	/* qsort is not stable: retries of one name fall back to the newest first. */
	return strcmp(b->t->name, a->t->name) ? strcmp(b->t->name, a->t->name)
	                                      : b->t->retry_id - a->t->retry_id;
}

static bool
routes_task_matches(const struct eng_workflow *wf, const struct eng_task *t,
                    const struct routes_task_query *q)
{
	const char *priority = wf->priority ? wf->priority : "NORMAL";

	/* Tasks here run on this machine, which the service would call "localhost". */
	return (!q->statuses || (q->statuses & ROUTES_STATUS_BIT(t->status))) &&
	       (!q->nodes.n || (t->start_ms && strv_contains(&q->nodes, "localhost"))) &&
	       (!q->has_after || !t->start_ms || t->start_ms >= q->started_after_ms) &&
	       (!q->has_before || (t->start_ms && t->start_ms < q->started_before_ms)) &&
	       routes_user_matches(&q->users, wf->user) &&
	       (!q->pools.n || (wf->pool && strv_contains(&q->pools, wf->pool))) &&
	       (!q->workflow_id || strstr(wf->id, q->workflow_id)) &&
	       (!q->priorities.n || strv_contains(&q->priorities, priority));
}

size_t
routes_task_select(const struct eng_workflow *const *wfs, size_t n,
                   const struct routes_task_query *q, struct encode_task_row **out)
{
	struct encode_task_row *hits = NULL;
	size_t m = 0, cap = 0, first, count;

	for (size_t i = 0; i < n; i++)
		for (size_t g = 0; g < wfs[i]->n_groups; g++)
			for (size_t k = 0; k < wfs[i]->groups[g].n_tasks; k++) {
				const struct eng_task *t = &wfs[i]->groups[g].tasks[k];

				if (!routes_task_matches(wfs[i], t, q))
					continue;
				if (m == cap) {
					cap = cap ? cap * 2 : 16;
					hits = xrealloc(hits, cap * sizeof(*hits));
				}
				hits[m++] = (struct encode_task_row){ wfs[i], t };
			}
	if (m)
		qsort(hits, m, sizeof(*hits), routes_task_order);
	/* The window is taken in the service's order; ASC then shows it the other way up. */
	count = routes_window(m, q->offset, q->limit, &first);
	*out = xcalloc(count ? count : 1, sizeof(**out));
	for (size_t k = 0; k < count; k++)
		(*out)[q->descending ? k : count - 1 - k] = hits[first + k];
	free(hits);
	return count;
}

static void
routes_task_query_free(struct routes_task_query *q)
{
	strv_free(&q->users);
	strv_free(&q->pools);
	strv_free(&q->nodes);
	strv_free(&q->priorities);
}

/*
 * GET /api/task: ListTaskResponse. summary and aggregate_by_workflow are not served: tasks
 * here reserve nothing, so their sums would all be 0.
 */
static void
routes_task_list(void *ctx, const struct server_http_request *req, struct server_http_response *res)
{
	struct engine *e = ctx;
	struct routes_task_query q = { 0 };
	struct routes_invalid inv = { 0 };
	const struct eng_workflow *const *wfs;
	struct encode_task_row *rows;
	const char *order = server_http_query(req, "order");
	struct routes_scope sc;
	size_t n, count;
	char *json;

	if (!routes_scope_read(req, res, &inv, &routes_task_statuses, &sc))
		return;
	routes_time_check(&inv, req, "started_after", &q.has_after, &q.started_after_ms);
	routes_time_check(&inv, req, "started_before", &q.has_before, &q.started_before_ms);
	if (routes_invalid_reply(&inv, res))
		return;
	if (sc.limit == 0) {
		server_http_reply_error(res, 400, "USER", "Limit must be greater than 0.", NULL);
		return;
	}
	if (sc.offset < 0) {
		server_http_reply_error(res, 400, "USAGE",
		                        "Parameter start must be a non-negative integer.", NULL);
		return;
	}
	routes_scope_fill(e, req, &sc, &q.users, &q.pools, &q.statuses, &q.priorities);
	routes_strv_from_query(req, "nodes", &q.nodes);
	q.workflow_id = routes_nonempty(server_http_query(req, "workflow_id"));
	q.offset = (size_t)sc.offset;
	/* The service caps the limit rather than refusing it, unlike the workflow list. */
	q.limit = sc.limit < 0                  ? 0
	          : sc.limit > ROUTES_MAX_LIMIT ? ROUTES_MAX_LIMIT
	                                        : (size_t)sc.limit;
	q.descending = order && strcmp(order, "DESC") == 0;
	wfs = engine_workflows(e, &n);
	count = routes_task_select(wfs, n, &q, &rows);
	json = encode_task_list(rows, count, engine_base_url(e), clock_wall_ms());
	server_http_reply_json(res, 200, json);
	free(json);
	free(rows);
	routes_task_query_free(&q);
}

/* ------------------------------------------------------------------ exec and port-forward */

static void routes_reply_user(struct server_http_response *res, int status, const char *workflow_id,
                              const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* An OSMOUserError with its own HTTP status (400, 404, 410, 425), naming the workflow if any. */
static void
routes_reply_user(struct server_http_response *res, int status, const char *workflow_id,
                  const char *fmt, ...)
{
	struct strbuf sb = { 0 };
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	server_http_reply_error(res, status, "USER", sb.buf, workflow_id);
	strbuf_free(&sb);
}

/* The service's action_request_helper: only a RUNNING workflow takes exec and port-forward. */
static const struct eng_workflow *
routes_action_workflow(struct engine *e, const char *name, struct server_http_response *res)
{
	const struct eng_workflow *wf = engine_find(e, name);
	enum osmo_phase phase;

	if (!wf) {
		routes_reply_not_found(res, name);
		return NULL;
	}
	phase = osmo_status_phase(wf->status);
	if (phase == PHASE_DONE || phase == PHASE_FAILED) {
		routes_reply_user(res, 410, wf->id, "Workflow %s is not running!", wf->id);
		return NULL;
	}
	if (wf->status != OSMO_RUNNING) {
		routes_reply_user(res, 425, wf->id, "Workflow %s is not running yet...", wf->id);
		return NULL;
	}
	return wf;
}

/* Not yet running, as TaskGroupStatus.prerunning() or a retry on its way. */
static bool
routes_task_early(enum osmo_status s)
{
	enum osmo_phase phase = osmo_status_phase(s);

	return phase == PHASE_QUEUED || phase == PHASE_STARTING || s == OSMO_RESCHEDULED;
}

/* helpers.get_running_task: the task's newest retry, which must be RUNNING. */
static const struct eng_task *
routes_running_task(const struct eng_workflow *wf, const char *name,
                    struct server_http_response *res)
{
	const struct eng_task *t = eng_workflow_find_task(wf, name, -1);

	if (!t)
		routes_reply_user(res, 404, wf->id, "Task %s does not exist in workflow %s!", name,
		                  wf->id);
	else if (t->status == OSMO_RUNNING)
		return t;
	else if (routes_task_early(t->status))
		routes_reply_user(res, 425, wf->id, "Task %s is not yet running in workflow %s!",
		                  name, wf->id);
	else
		routes_reply_user(res, 404, wf->id, "Task %s is not running in workflow %s!", name,
		                  wf->id);
	return NULL;
}

/* A new exec key for t's retry, pushed to keys. */
static void
routes_exec_key(struct router *r, const struct eng_workflow *wf, const struct eng_task *t,
                const char *cmd, struct strv *keys)
{
	char key[ROUTER_KEY_MAX + 1];

	router_key_new(r, ROUTER_EXEC,
	               &(struct router_target){ .workflow = wf->id,
	                                        .task = t->name,
	                                        .retry = t->retry_id,
	                                        .entry_command = cmd },
	               key);
	strv_push(keys, key);
}

/* Replies with the RouterResponses of keys: under names (NULL: a list). */
static void
routes_reply_router(struct router *r, const struct strv *names, const struct strv *keys,
                    struct server_http_response *res)
{
	char *json = encode_router_responses(router_address(r),
	                                     names ? (const char *const *)names->v : NULL,
	                                     (const char *const *)keys->v, keys->n);

	server_http_reply_json(res, 200, json);
	free(json);
}

/* The exec calls' start: entry_command is required (FastAPI's 422), the workflow RUNNING. */
static const struct eng_workflow *
routes_exec_workflow(struct router *r, const struct server_http_request *req,
                     struct server_http_response *res, const char **cmd)
{
	*cmd = server_http_query(req, "entry_command");
	if (!*cmd) {
		server_http_reply_invalid(res, "missing", "query", "entry_command",
		                          "Field required", NULL);
		return NULL;
	}
	return routes_action_workflow(router_engine(r), server_http_param(req, "name"), res);
}

/* The entry command must split into words (ours, 400). */
static bool
routes_entry_command_splits(const char *cmd, const char *workflow_id,
                            struct server_http_response *res)
{
	struct strv words = { 0 };
	const char *why;
	bool ok = router_exec_split(cmd, &words, &why) == 0;

	/* The task side would fail after the upgrade; say so before any key is made. */
	if (!ok)
		routes_reply_user(res, 400, workflow_id, "Entry command cannot be run: %s.", why);
	strv_free(&words);
	return ok;
}

/* POST /api/workflow/{name}/exec/task/{task_name}?entry_command=... */
static void
routes_exec_task(void *ctx, const struct server_http_request *req, struct server_http_response *res)
{
	struct router *r = ctx;
	const char *cmd;
	const struct eng_workflow *wf = routes_exec_workflow(r, req, res, &cmd);
	const struct eng_task *t;
	struct strv keys = { 0 };
	char *json;

	if (!wf)
		return;
	t = routes_running_task(wf, server_http_param(req, "task_name"), res);
	if (!t || !routes_entry_command_splits(cmd, wf->id, res))
		return;
	routes_exec_key(r, wf, t, cmd, &keys);
	json = encode_router_response(router_address(r), keys.v[0]);
	server_http_reply_json(res, 200, json);
	free(json);
	strv_free(&keys);
}

/* POST /api/workflow/{name}/exec/group/{group_name}?entry_command=...: its RUNNING tasks. */
static void
routes_exec_group(void *ctx, const struct server_http_request *req,
                  struct server_http_response *res)
{
	struct router *r = ctx;
	const char *cmd;
	const char *group = server_http_param(req, "group_name");
	const struct eng_workflow *wf = routes_exec_workflow(r, req, res, &cmd);
	const struct eng_group *g = NULL;
	size_t *latest, n, running = 0, early = 0;
	struct strv names = { 0 }, keys = { 0 };

	if (!wf)
		return;
	for (size_t i = 0; i < wf->n_groups && !g; i++)
		if (strcmp(wf->groups[i].name, group) == 0)
			g = &wf->groups[i];
	if (!g) {
		routes_reply_user(res, 404, wf->id, "Group %s does not exist in workflow %s!",
		                  group, wf->id);
		return;
	}
	latest = xcalloc(g->n_tasks + 1, sizeof(*latest));
	/* The service lists a group's tasks by name. */
	n = eng_group_latest(g, latest, g->n_tasks);
	for (size_t i = 0; i < n; i++) {
		running += g->tasks[latest[i]].status == OSMO_RUNNING;
		early += routes_task_early(g->tasks[latest[i]].status);
	}
	if (!running && early)
		routes_reply_user(res, 425, wf->id,
		                  "Tasks in group %s of workflow %s are not running yet...", group,
		                  wf->id);
	else if (!running)
		routes_reply_user(res, 404, wf->id, "No active tasks in group %s of workflow %s!",
		                  group, wf->id);
	if (!running || !routes_entry_command_splits(cmd, wf->id, res)) {
		free(latest);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct eng_task *t = &g->tasks[latest[i]];

		if (t->status != OSMO_RUNNING)
			continue;
		strv_push(&names, t->name);
		routes_exec_key(r, wf, t, cmd, &keys);
	}
	routes_reply_router(r, &names, &keys, res);
	strv_free(&names);
	strv_free(&keys);
	free(latest);
}

/* task_ports=P&task_ports=Q: every value an integer (FastAPI's 422 otherwise), in order. */
static bool
routes_ports(const struct server_http_request *req, long *ports, size_t n,
             struct server_http_response *res)
{
	struct routes_invalid inv = { 0 };

	for (size_t i = 0; i < n; i++) {
		const char *v = server_http_query_nth(req, "task_ports", i);

		if (router_parse_port(v, &ports[i]) == -1)
			routes_invalid_add(
			        &inv, "int_parsing", "task_ports", (long)i,
			        "Input should be a valid integer, unable to parse string "
			        "as an integer",
			        v, NULL);
	}
	return !routes_invalid_reply(&inv, res);
}

/* POST /api/workflow/{name}/portforward/{task_name}?task_ports=P...&use_udp=false */
static void
routes_portforward(void *ctx, const struct server_http_request *req,
                   struct server_http_response *res)
{
	struct router *r = ctx;
	size_t n = server_http_query_count(req, "task_ports");
	long *ports = xcalloc(n + 1, sizeof(*ports));
	const char *name = server_http_param(req, "name");
	const struct eng_workflow *wf;
	const struct eng_task *t = NULL;
	struct strv keys = { 0 };
	bool udp;

	if (!routes_ports(req, ports, n, res) ||
	    server_http_query_bool(req, "use_udp", false, &udp, res) < 0)
		goto out;
	if (!engine_find(router_engine(r), name)) {
		routes_reply_not_found(res, name);
		goto out;
	}
	if (!n) {
		server_http_reply_error(res, 400, "USER", "No port is provided!", NULL);
		goto out;
	}
	if (n > ROUTER_MAX_PORTS) {
		routes_reply_user(res, 400, NULL,
		                  "Number of ports to portforward (%zu) exceeds the maximum "
		                  "number of ports per call(%d)!",
		                  n, ROUTER_MAX_PORTS);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (ports[i] < 1 || ports[i] > 65535) {
			routes_reply_user(res, 400, NULL,
			                  "Port %ld is not a valid port number (1-65535).",
			                  ports[i]);
			goto out;
		}
	if (!(wf = routes_action_workflow(router_engine(r), name, res)) ||
	    !(t = routes_running_task(wf, server_http_param(req, "task_name"), res)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		char key[ROUTER_KEY_MAX + 1];

		router_key_new(r, ROUTER_PORTFORWARD,
		               &(struct router_target){ .workflow = wf->id,
		                                        .task = t->name,
		                                        .retry = t->retry_id,
		                                        .port = (int)ports[i],
		                                        .udp = udp },
		               key);
		strv_push(&keys, key);
	}
	routes_reply_router(r, NULL, &keys, res);
out:
	strv_free(&keys);
	free(ports);
}

static const struct server_http_route routes_router_table[] = {
	{ "POST", "/api/workflow/{name}/exec/task/{task_name}", routes_exec_task },
	{ "POST", "/api/workflow/{name}/exec/group/{group_name}", routes_exec_group },
	{ "POST", "/api/workflow/{name}/portforward/{task_name}", routes_portforward },
};

static const struct server_http_route routes_table[] = {
	{ "GET", "/api/workflow", routes_list },
	{ "GET", "/api/workflow/{name}", routes_workflow },
	{ "GET", "/api/workflow/{name}/spec", routes_spec },
	{ "GET", "/api/workflow/{name}/logs", routes_logs },
	{ "GET", "/api/workflow/{name}/error_logs", routes_error_logs },
	{ "GET", "/api/workflow/{name}/events", routes_events },
	{ "POST", "/api/workflow/{name}/cancel", routes_cancel },
	{ "POST", "/api/workflow/{name}/tag", routes_tag },
	{ "GET", "/api/workflow/{name}/task/{task_name}", routes_task },
	{ "POST", "/api/pool/{pool}/workflow", routes_submit },
	{ "POST", "/api/pool/{pool}/workflow/{workflow_id}/restart", routes_restart },
	{ "GET", "/api/tag", routes_tag_list },
	{ "GET", "/api/task", routes_task_list },
};

/* ------------------------------------------------------------------ the service */

/* GET /api/version, and the router's */
static void
routes_version(void *ctx, const struct server_http_request *req, struct server_http_response *res)
{
	char *json = encode_version();

	(void)ctx;
	(void)req;
	server_http_reply_json(res, 200, json);
	free(json);
}

/* GET /health */
static void
routes_health(void *ctx, const struct server_http_request *req, struct server_http_response *res)
{
	const struct routes_config *cfg = ctx;
	/* Anyone may ask; only the owner (or a dev user) hears which file failed and why. */
	char *reason = engine_health(cfg->engine, server_http_header(req, "x-osmo-user") != NULL);
	char *json = encode_health(reason);

	server_http_reply_json(res, 200, json);
	free(json);
	free(reason);
}

/* GET /api/profile/settings */
static void
routes_profile_settings(void *ctx, const struct server_http_request *req,
                        struct server_http_response *res)
{
	const struct routes_config *cfg = ctx;
	const char *user = routes_user(req);
	char *json = encode_profile_settings(user, engine_profile(cfg->engine, user),
	                                     engine_pool(cfg->engine));

	server_http_reply_json(res, 200, json);
	free(json);
}

/* POST /api/profile/settings: UserProfile's fields given are kept; the answer is null. */
static void
routes_profile_set(void *ctx, const struct server_http_request *req,
                   struct server_http_response *res)
{
	const struct routes_config *cfg = ctx;
	struct encode_profile_update u;
	struct engine_error err = { 0 };
	bool set_default_backend;
	char *why = NULL;

	if (server_http_query_bool(req, "set_default_backend", false, &set_default_backend, res) <
	    0)
		return;
	if (encode_profile_update_parse(req->body, req->body_len, &u, &why) < 0) {
		server_http_reply_json(res, 422, why);
		free(why);
		return;
	}
	if (engine_profile_set(cfg->engine, routes_user(req), u.email_notification,
	                       u.slack_notification, u.pool, &err) < 0)
		routes_reply_engine_error(res, &err);
	else
		server_http_reply_json(res, 200, "null");
	free(u.pool);
}

/* Whether GET /api/pool and /api/pool_quota list the one pool: `pools` filters by name. */
static int
routes_pool_listed(const char *pool, const struct server_http_request *req,
                   struct server_http_response *res)
{
	size_t n = server_http_query_count(req, "pools");
	bool all_pools;
	bool listed = n == 0;

	if (server_http_query_bool(req, "all_pools", true, &all_pools, res) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		listed |= strcmp(server_http_query_nth(req, "pools", i), pool) == 0;
	return listed;
}

/* GET /api/pool: the shape `osmo` reads, node_sets[].pools[].name. */
static void
routes_pool(void *ctx, const struct server_http_request *req, struct server_http_response *res)
{
	const struct routes_config *cfg = ctx;
	const char *pool = engine_pool(cfg->engine);
	int listed = routes_pool_listed(pool, req, res);
	char *json;

	if (listed < 0)
		return;
	json = encode_pool_list(listed ? pool : NULL);
	server_http_reply_json(res, 200, json);
	free(json);
}

/* NVIDIA's driver makes /dev/nvidiaN for each GPU: counting them needs no library. */
static unsigned
routes_gpu_count(void)
{
	DIR *d = opendir("/dev");
	struct dirent *de;
	unsigned n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += strncmp(de->d_name, "nvidia", 6) == 0 && de->d_name[6] &&
		     strspn(de->d_name + 6, "0123456789") == strlen(de->d_name + 6);
	closedir(d);
	return n;
}

/* GET /api/pool_quota: `osmo pool list`'s numbers, in task slots, with the machine's size. */
static void
routes_pool_quota(void *ctx, const struct server_http_request *req,
                  struct server_http_response *res)
{
	const struct routes_config *cfg = ctx;
	const char *pool = engine_pool(cfg->engine);
	int listed = routes_pool_listed(pool, req, res);
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	struct encode_pool_capacity cap = {
		.pool = listed > 0 ? pool : NULL,
		.cpus = sysconf(_SC_NPROCESSORS_ONLN),
		.mem_bytes = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0,
		.gpus = routes_gpu_count(),
	};
	char *json;

	if (listed < 0)
		return;
	cap.slots = engine_slots(cfg->engine, &cap.slots_used);
	json = encode_pool_quota(&cap);
	server_http_reply_json(res, 200, json);
	free(json);
}

/* GET /api/auth/login: dev mode, no identity provider. */
static void
routes_login_info(void *ctx, const struct server_http_request *req,
                  struct server_http_response *res)
{
	char *json = encode_login_info();

	(void)ctx;
	(void)req;
	server_http_reply_json(res, 200, json);
	free(json);
}

/* ------------------------------------------------------------------ test hooks */

/* The test-only stream: count lines every interval_ms, then close. */
struct routes_test_stream {
	struct loop *loop;
	struct server_http_stream *stream;
	unsigned long timer;
	long sent, lines, interval_ms;
};

static void
routes_test_stream_tick(void *ctx)
{
	struct routes_test_stream *t = ctx;

	server_http_stream_printf(t->stream, "line %ld\n", ++t->sent);
	if (t->sent < t->lines) {
		t->timer = loop_add_timer(t->loop, t->interval_ms, routes_test_stream_tick, t);
		return;
	}
	server_http_stream_close(t->stream);
	free(t);
}

static void
routes_test_stream_gone(void *ctx)
{
	struct routes_test_stream *t = ctx;

	loop_remove(t->loop, t->timer);
	free(t);
}

/* GET /api/_test/stream?lines=5&interval_ms=50: the first line now, the rest on a timer. */
static void
routes_test_stream(void *ctx, const struct server_http_request *req,
                   struct server_http_response *res)
{
	const struct routes_config *cfg = ctx;
	long lines, interval_ms;
	struct routes_test_stream *t;

	if (server_http_query_int(req, "lines", 5, &lines, res) < 0 ||
	    server_http_query_int(req, "interval_ms", 50, &interval_ms, res) < 0)
		return;
	t = xcalloc(1, sizeof(*t));
	t->loop = cfg->loop;
	t->lines = lines < 1 ? 1 : lines;
	t->interval_ms = interval_ms < 0 ? 0 : interval_ms;
	t->stream =
	        server_http_reply_stream(res, 200, SERVER_HTTP_TEXT, routes_test_stream_gone, t);
	t->timer = loop_add_timer(t->loop, 0, routes_test_stream_tick, t);
}

/* GET /api/_test/stats */
static void
routes_test_stats(void *ctx, const struct server_http_request *req,
                  struct server_http_response *res)
{
	const struct routes_config *cfg = ctx;
	struct server_http_stats st;
	char *json;

	(void)req;
	server_http_stats(cfg->http, &st);
	json = encode_http_stats(st.connections_total, st.connections_open, st.streams_open,
	                         st.upgrades_open);
	server_http_reply_json(res, 200, json);
	free(json);
}

/* POST /api/_test/router/restart: drops every router connection as a restarting router
 * would; tasks keep running. */
static void
routes_test_router_restart(void *ctx, const struct server_http_request *req,
                           struct server_http_response *res)
{
	const struct routes_config *cfg = ctx;

	(void)req;
	router_restart(cfg->router);
	server_http_reply_json(res, 200, "{}");
}

static const struct server_http_route routes_service_table[] = {
	{ "GET", "/api/version", routes_version },
	/* The router's Version: the same, unauthenticated (and no affinity cookie). */
	{ "GET", "/api/router/version", routes_version },
	{ "GET", "/health", routes_health },
	{ "GET", "/api/profile/settings", routes_profile_settings },
	{ "POST", "/api/profile/settings", routes_profile_set },
	{ "GET", "/api/pool", routes_pool },
	{ "GET", "/api/pool_quota", routes_pool_quota },
	{ "GET", "/api/auth/login", routes_login_info },
};

/* Only with OSMO_LOCAL_TEST_ROUTES=1: hooks for the integration tests. */
static const struct server_http_route routes_test_table[] = {
	{ "GET", "/api/_test/stream", routes_test_stream },
	{ "GET", "/api/_test/stats", routes_test_stats },
	{ "POST", "/api/_test/router/restart", routes_test_router_restart },
};

void
routes_add(const struct routes_config *cfg)
{
	server_http_add_routes(cfg->http, routes_service_table, ARRAY_SIZE(routes_service_table),
	                       (void *)cfg);
	server_http_add_routes(cfg->http, routes_table, ARRAY_SIZE(routes_table), cfg->engine);
	if (cfg->router)
		server_http_add_routes(cfg->http, routes_router_table,
		                       ARRAY_SIZE(routes_router_table), cfg->router);
	if (cfg->test_routes)
		server_http_add_routes(cfg->http, routes_test_table, ARRAY_SIZE(routes_test_table),
		                       (void *)cfg);
}
