/* api.h: the OSMO REST endpoints osmotop uses, as asynchronous calls with decoded results. */
#ifndef OSMO_API_H
#define OSMO_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "error.h"
#include "http.h"
#include "model.h"

#define API_CLIENT_VERSION "0.1.0"
#define API_USER_AGENT     "osmotop/" API_CLIENT_VERSION

enum api_kind {
	API_LIST,    /* GET /api/workflow */
	API_QUERY,   /* GET /api/workflow/{id} */
	API_CANCEL,  /* POST /api/workflow/{id}/cancel */
	API_SUBMIT,  /* POST /api/pool/{pool}/workflow, also resubmit by workflow_id */
	API_RESTART, /* POST /api/pool/{pool}/workflow/{id}/restart */
	API_VERSION, /* GET /api/version */
	API_TEXT,    /* spec, error_logs: a finite text body */
	API_STREAM,  /* logs, events: bytes as they arrive, then done */
};

struct api_result {
	enum api_kind kind;
	struct api_error err;             /* kind API_OK on success */
	struct osmo_workflow workflow;    /* API_QUERY */
	struct osmo_workflow_list list;   /* API_LIST */
	struct osmo_submit_result submit; /* API_SUBMIT, API_RESTART */
	struct osmo_version version;      /* API_VERSION */
	char *name;                       /* API_CANCEL */
	char *text;                       /* API_TEXT */
	size_t text_len;
};

/* The callback owns res's contents: it moves what it keeps and calls api_result_free. */
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
	int last_n_lines;        /* <= 0: everything */
	long idle_timeout_s;     /* the gateway cuts idle streams after 60 s */
};

struct api;

/* base_url without a trailing slash; auth and http are borrowed and must outlive api. */
struct api *api_new(const char *base_url, struct auth *auth, struct http *http);
void api_free(struct api *api);
const char *api_base_url(const struct api *api);

unsigned long api_list(struct api *api, const struct api_list_query *q, struct api_callbacks cb);
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
unsigned long api_stream(struct api *api, const struct api_stream_opts *o, struct api_callbacks cb);
/* Drops a call; its done callback is not called. */
void api_abort(struct api *api, unsigned long id);
size_t api_pending(const struct api *api);

void api_result_free(struct api_result *res);
/* Builds the query string of a list call (without '?'); exposed for tests. */
char *api_list_query_string(const struct api_list_query *q);

#endif
