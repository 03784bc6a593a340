/* api.h: the OSMO REST endpoints osmotop uses, as asynchronous calls with decoded results. */
#ifndef OSMO_CLIENT_API_H
#define OSMO_CLIENT_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/auth.h"
#include "client/api_error.h"
#include "client/http.h"
#include "client/model.h"
#include "client/wsconn.h"
#include "common/loop.h"

#define API_CLIENT_VERSION "0.1.0"
#define API_USER_AGENT     "osmotop/" API_CLIENT_VERSION

enum api_kind {
	API_LIST,            /* GET /api/workflow */
	API_TASKS,           /* GET /api/task */
	API_QUERY,           /* GET /api/workflow/{id} */
	API_CANCEL,          /* POST /api/workflow/{id}/cancel */
	API_SUBMIT,          /* POST /api/pool/{pool}/workflow, also resubmit by workflow_id */
	API_RESTART,         /* POST /api/pool/{pool}/workflow/{id}/restart */
	API_VERSION,         /* GET /api/version */
	API_TEXT,            /* spec, error_logs: a finite text body */
	API_STREAM,          /* logs, events: bytes as they arrive, then done */
	API_EXEC,            /* POST /api/workflow/{id}/exec/task/{task} */
	API_EXEC_GROUP,      /* POST /api/workflow/{id}/exec/group/{group} */
	API_PORT_FORWARD,    /* POST /api/workflow/{id}/portforward/{task} */
	API_ROUTER_COOKIE,   /* GET {router}/api/router/version, unauthenticated */
	API_UPGRADE_HEADERS, /* no request: the headers of a WebSocket upgrade, token fresh */
	API_POOL_QUOTA,      /* GET /api/pool_quota */
};

struct api_result {
	enum api_kind kind;
	struct api_error err;             /* kind API_OK on success */
	struct osmo_workflow workflow;    /* API_QUERY */
	struct osmo_workflow_list list;   /* API_LIST */
	struct osmo_task_list tasks;      /* API_TASKS */
	struct osmo_submit_result submit; /* API_SUBMIT, API_RESTART */
	struct osmo_version version;      /* API_VERSION */
	struct osmo_pool_quota pools;     /* API_POOL_QUOTA */
	char *name;                       /* API_CANCEL */
	char *text;                       /* API_TEXT */
	size_t text_len;
	struct osmo_router_target *targets; /* API_EXEC (1), API_EXEC_GROUP, API_PORT_FORWARD */
	size_t n_targets;
	char *cookie;        /* API_ROUTER_COOKIE: the Cookie value for a data connection */
	struct strv headers; /* API_UPGRADE_HEADERS: "Name: value" lines for wsconn_spec */
	char *raw;           /* API_QUERY, API_LIST with api_keep_bodies: the answer's bytes */
	size_t raw_len;
};

/*
 * The callback owns res's contents: it moves what it keeps and calls api_result_free. done
 * always runs from the loop (api_new's), never inside the call that started the request.
 */
struct api_callbacks {
	void (*done)(void *ctx, struct api_result *res);
	void (*data)(void *ctx, const char *bytes, size_t n); /* API_STREAM only */
	void *ctx;
};

struct api_list_query {
	struct strv users, statuses, pools, tags;
	bool all_users, all_pools;
	const char *name;  /* substring */
	int offset, limit; /* limit 0: the server's default */
	bool ascending;    /* default newest first, as the CLI sends */
	int64_t submitted_after_ms, submitted_before_ms; /* 0: no bound */
};

/* GET /api/task's terms (CONTRACT §3.11); the service's default order, latest at the bottom. */
struct api_task_query {
	struct strv users, statuses, pools; /* statuses: TaskGroupStatus names */
	bool all_users, all_pools;
	const char *workflow_id;  /* substring */
	int offset, limit;        /* limit 0: the server's default; more than 1000 is capped */
	int64_t started_after_ms; /* 0: no bound; a task not started yet always passes */
};

/*
 * The task query that counts a list's running workflows' failures (one request, not one
 * per row): their users and pools, every task status that is a failure of its own (not
 * FAILED_UPSTREAM), tasks started since the oldest running row did. False (q untouched)
 * when the list has no running row. q's strvs are the caller's to free.
 */
bool api_failed_tasks_query(const struct osmo_workflow_list *list, const struct api_list_query *lq,
                            struct api_task_query *q);

struct api_submit_opts {
	const char *pool;
	const char *yaml; /* NULL with workflow_id: resubmit the stored spec */
	const char *workflow_id;
	const char *priority; /* HIGH, NORMAL, LOW or NULL */
	const struct strv *set_variables;
	bool dry_run, validation_only;
};

enum api_stream_kind { API_STREAM_LOGS, API_STREAM_EVENTS };

struct api_stream_opts {
	enum api_stream_kind what;
	const char *workflow_id; /* the ID, never the UUID (CONTRACT §11.1) */
	const char *task;        /* NULL: whole workflow */
	int retry_id;            /* < 0: latest */
	int last_n_lines;        /* <= 0: everything; the service cuts before it filters */
	const char *query;       /* logs: a regex every line sent must match (NULL: none) */
	long idle_timeout_s;     /* the gateway cuts idle streams after 60 s */
};

struct api;

/*
 * base_url without a trailing slash; auth, http and loop are borrowed and must outlive api.
 * Completions are delivered by loop's timers, so the loop must run for done to be called.
 */
struct api *api_new(const char *base_url, struct auth *auth, struct http *http, struct loop *loop);
void api_free(struct api *api);
const char *api_base_url(const struct api *api);
/* The service moved (osmo-local restarted on another port): later requests go to base_url. */
void api_set_base_url(struct api *api, const char *base_url);

/*
 * Every call returns its id (never 0) for api_abort until its done callback runs. done runs
 * exactly once, from a later loop round, even when the outcome is known at once (an unusable
 * argument, a token refresh that fails to start, an upgrade's headers): so "x->id =
 * api_...()" may be followed by anything, and done may clear x->id.
 */
unsigned long api_list(struct api *api, const struct api_list_query *q, struct api_callbacks cb);
unsigned long api_tasks(struct api *api, const struct api_task_query *q, struct api_callbacks cb);
unsigned long api_query(struct api *api, const char *workflow, bool verbose, bool skip_groups,
                        struct api_callbacks cb);
unsigned long api_spec(struct api *api, const char *workflow, bool use_template,
                       struct api_callbacks cb);
unsigned long api_error_logs(struct api *api, const char *workflow, const char *task, int retry_id,
                             struct api_callbacks cb);
unsigned long api_cancel(struct api *api, const char *workflow, bool force, const char *message,
                         struct api_callbacks cb);
unsigned long api_submit(struct api *api, const struct api_submit_opts *o, struct api_callbacks cb);
unsigned long api_restart(struct api *api, const char *pool, const char *workflow,
                          struct api_callbacks cb);
unsigned long api_version(struct api *api, struct api_callbacks cb);
/* The one pool's quota and usage, as `osmo pool list --pool POOL` asks for it. */
unsigned long api_pool_quota(struct api *api, const char *pool, struct api_callbacks cb);
unsigned long api_stream(struct api *api, const struct api_stream_opts *o, struct api_callbacks cb);
/* Drops a call; its done callback is not called (not even when the loop was about to). */
void api_abort(struct api *api, unsigned long id);
size_t api_pending(const struct api *api);
/* Whether query and list answers come with their bytes (res.raw), for a cache to keep. */
void api_keep_bodies(struct api *api, bool keep);

void api_result_free(struct api_result *res);
/* Builds the query string of a list call (without '?'); exposed for tests. */
char *api_list_query_string(const struct api_list_query *q);
/* The same for a task list call. */
char *api_task_query_string(const struct api_task_query *q);

/*
 * Exec and port-forward (osmo-api/PROTOCOLS.md §1, §2, §4). The start calls POST with an
 * empty body and their parameters in the query; errors keep their HTTP status (404 task not
 * running, 410 workflow finished, 425 not running yet, 422 no router, 5xx) for the caller's
 * retry policy. Each key is good for one WebSocket: reconnecting needs a new call.
 */
unsigned long api_exec_task(struct api *api, const char *workflow, const char *task,
                            const char *entry_command, struct api_callbacks cb);
/* One target per running task of the group, each with .task set. */
unsigned long api_exec_group(struct api *api, const char *workflow, const char *group,
                             const char *entry_command, struct api_callbacks cb);
/* One target per port, in the order of ports (the caller checks n_targets == n). */
unsigned long api_port_forward(struct api *api, const char *workflow, const char *task,
                               const int *ports, size_t n, bool udp, struct api_callbacks cb);
/*
 * A fresh affinity cookie for a port-forward data connection: the Set-Cookie values of
 * GET {router as http(s)}/api/router/version as "name=value; Path=p[; SameSite=s][; Secure]",
 * joined by ", " ("" when none). Sent without credentials; any HTTP status will do.
 */
unsigned long api_router_cookie(struct api *api, const char *router_address,
                                struct api_callbacks cb);
/*
 * The headers for a WebSocket upgrade: the login's Authorization (or x-osmo-user),
 * "Cookie: cookie" when cookie is not empty, User-Agent. A token near expiry is refreshed
 * first, as for REST; done comes from the loop either way.
 */
unsigned long api_upgrade_headers(struct api *api, const char *cookie, struct api_callbacks cb);
/*
 * wsconn_connect, now, with the headers of an api_upgrade_headers result; NULL with err, which
 * is res's own when that call failed.
 */
struct wsconn *api_wsconn_connect(struct http *http, const char *url, const struct api_result *res,
                                  struct wsconn_callbacks cb, struct api_error *err);

enum api_router_kind { API_ROUTER_EXEC, API_ROUTER_PORTFORWARD };

/* {router_address}/api/router/{exec|portforward}/{workflow}/client/{key}, segments escaped. */
char *api_router_url(const char *router_address, enum api_router_kind kind, const char *workflow,
                     const char *key);
/* Formats Set-Cookie values as api_router_cookie does; request_path gives the default Path. */
char *api_cookie_header(const struct strv *set_cookies, const char *request_path);

#endif
