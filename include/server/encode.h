/* encode.h: osmo-local's JSON, in the key order and shapes the OSMO service emits. */
#ifndef OSMO_SERVER_ENCODE_H
#define OSMO_SERVER_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/engine_model.h"

/* WorkflowQueryResponse; now_ms computes running durations. Caller frees. */
char *encode_workflow(const struct eng_workflow *wf, const char *base_url, bool verbose,
                      bool skip_groups, int64_t now_ms);
/* ListResponse of n workflows. */
char *encode_workflow_list(const struct eng_workflow *const *wfs, size_t n, bool more_entries,
                           const char *base_url, int64_t now_ms);
/* SubmitResponse: exactly one of logs / spec is non-NULL. */
char *encode_submit(const char *name, const char *overview, const char *logs, const char *spec,
                    const struct strv *warnings);
char *encode_cancel(const char *name);
/* OSMO's user-error shape: {"message", "error_code", "workflow_id"}. */
char *encode_error(const char *message, const char *error_code, const char *workflow_id);
/* FastAPI's 422: {"detail": [{"type","loc","msg","input"}]}; loc is "query.<param>". */
char *encode_validation_error(const char *where, const char *param, const char *msg,
                              const char *input);
/* GET /api/version (and the router's): the OSMO release osmo-local answers as. */
char *encode_version(void);
/* GET /health: {"status":"OK"}, or DEGRADED with the reason when there is one. */
char *encode_health(const char *reason);
/*
 * GET /api/profile/settings: the caller with the settings it set (NULL: none, notifications
 * off), its default pool (the one pool unless it chose one), the osmo-user role, no token.
 */
char *encode_profile_settings(const char *user, const struct eng_profile *set, const char *pool);

/* A POST /api/profile/settings body (UserProfile): what it sets; -1 and NULL: not given. */
struct encode_profile_update {
	int email_notification, slack_notification;
	char *pool;
};

/* 0, or -1 with FastAPI's 422 body in *err_json; out->pool is the caller's to free. */
int encode_profile_update_parse(const char *json, size_t len, struct encode_profile_update *out,
                                char **err_json);
/* GET /api/pool: node_sets[].pools[] with pool (NULL: none listed). */
char *encode_pool_list(const char *pool);
/* What GET /api/pool_quota reports of the one pool: osmo-local's slots and this machine. */
struct encode_pool_capacity {
	const char *pool; /* NULL: the query names other pools only, none is listed */
	unsigned slots, slots_used;
	long cpus;          /* online CPUs; <= 0: unknown */
	uint64_t mem_bytes; /* physical memory; 0: unknown */
	unsigned gpus;      /* NVIDIA devices seen, 0 when none */
};

/* GET /api/pool_quota: PoolResponse, node_sets[].pools[] as PoolResourceUsage in pydantic's
 * key order, resource_usage and resource_sum as strings; the unit is task slots. */
char *encode_pool_quota(const struct encode_pool_capacity *cap);
/* GET /api/auth/login: no identity provider, so every endpoint is null. */
char *encode_login_info(void);
/* GET /api/tag: {"tags": [...]}. */
char *encode_tag_list(const char *const *tags, size_t n);
/* GET /api/workflow/{name}/task/{task_name}: TaskEntry (no reservations, so all 0). */
char *encode_task_entry(const struct eng_workflow *wf, const struct eng_task *t);
/* One row of GET /api/task: a retry of a task (every retry is a row) and its workflow. */
struct encode_task_row {
	const struct eng_workflow *wf;
	const struct eng_task *t;
};

/* ListTaskResponse: {"tasks": [ListTaskEntry]}, in the service's key order (CONTRACT §4.9). */
char *encode_task_list(const struct encode_task_row *rows, size_t n, const char *base_url,
                       int64_t now_ms);
/* error_logs without a task: the service's hint, then every retry's URL (null: none) as
 * json.dumps(indent=4) prints the dict. */
char *encode_error_log_index(const struct eng_workflow *wf, const char *base_url);
/* One bad query input of FastAPI's 422; index < 0: a single-valued parameter (no position). */
struct encode_query_error {
	const char *type, *name, *msg, *input;
	const char *expected; /* ctx.expected, or NULL */
	long index;
};

/* FastAPI's 422 body: {"detail": [...]}, one detail per bad query input, in order. */
char *encode_query_errors(const struct encode_query_error *errs, size_t n);
/* RouterResponse: {"router_address", "key", "cookie": ""}. */
char *encode_router_response(const char *address, const char *key);
/* n RouterResponses: an object keyed by names (the exec group call) or, names NULL, a list. */
char *encode_router_responses(const char *address, const char *const *names,
                              const char *const *keys, size_t n);
/* GET /api/_test/stats: the HTTP layer's counters. */
char *encode_http_stats(unsigned long connections_total, unsigned long connections_open,
                        unsigned long streams_open, unsigned long upgrades_open);
/* Pydantic's naive UTC form, or JSON null for 0. */
void encode_time(int64_t ms, char buf[40]);

/* State file limits: two specs of SPEC_MAX_BYTES and the record fit; lists hold MAX_ITEMS. */
#define ENCODE_STATE_VERSION   1
#define ENCODE_STATE_MAX_BYTES ((size_t)64 << 20)
#define ENCODE_STATE_MAX_ITEMS 100000u

/* The whole record as JSON, for the state directory: every field, so a parse gives it back. */
char *encode_state(const struct eng_workflow *wf);
/* Fills out (zeroed first) from encode_state's JSON; 0, or -1 with *err (caller frees) naming
 * the bad key, and out freed. */
int encode_state_parse(const char *json, size_t len, struct eng_workflow *out, char **err);
/* STATE/profiles.json: every user's profile settings, both ways. */
char *encode_profiles(const struct eng_profiles *p);
int encode_profiles_parse(const char *json, size_t len, struct eng_profiles *out, char **err);

/* TemplateSpec request bodies (routes.c) */

/* POST /api/pool/{pool}/workflow's body: OSMO's TemplateSpec. */
struct encode_template_spec {
	char *file; /* NULL: the body was JSON null, which the service takes as no spec */
	struct strv set_variables, set_string_variables;
	char *uploaded_templated_spec; /* NULL when absent or null */
};

/*
 * Parses a body as pydantic's TemplateSpec (file required, extra keys forbidden): 0, or -1 with
 * *err_json (caller frees) set to FastAPI's 422 body naming every bad part.
 */
int encode_template_spec_parse(const char *json, size_t len, struct encode_template_spec *out,
                               char **err_json);
void encode_template_spec_free(struct encode_template_spec *ts);

/* Router messages (router_forward.c) */

/*
 * A port-forward control message, {"key": "...", "cookie": "..."}: 0 with *key (caller frees;
 * NULL when there is no string "key"), or -1 when it is not a JSON object at all.
 */
int encode_forward_request(const char *json, size_t len, char **key);

/* Access control (access.c) */

/* POST /api/auth/jwt/access_token's body, {"token": "..."}: 0 with *token, or -1. */
int encode_access_token_parse(const char *json, size_t len, char **token);
/* The claims of an OSMO-issued JWT, in the service's key order. */
char *encode_jwt_claims(const char *iss, const char *aud, int64_t iat, int64_t exp,
                        const char *user, const char *token_name);
/* nbf and exp of a JWT's claims: 0, or -1 when either is missing or not a number. */
int encode_jwt_times(const char *json, size_t len, int64_t *nbf, int64_t *exp);
/* JwtTokenResponse: {"token": ..., "expires_at": ...}. */
char *encode_jwt_response(const char *jwt, int64_t expires_at);

#endif
