/* decode.h: JSON bodies of the OSMO API into model structs; errors name the JSON path. */
#ifndef OSMO_CLIENT_DECODE_H
#define OSMO_CLIENT_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "client/api_error.h"
#include "client/model.h"

/*
 * Every decoder takes the body as bytes (not NUL-terminated), returns 0 or -1, and on -1
 * leaves out zeroed and err->kind == API_ERR_DECODE with a message such as
 * "groups[2].tasks[0].status: expected a string". Unknown keys are ignored; a null or
 * missing optional key gives the model's "not sent" value; a missing required key is an
 * error. Strings are made valid UTF-8.
 */
int decode_workflow(const char *body, size_t len, struct osmo_workflow *out, struct api_error *err);
int decode_workflow_list(const char *body, size_t len, struct osmo_workflow_list *out,
                         struct api_error *err);
/* ListTaskResponse: {"tasks": [...]}, the plain answer (not summary or aggregate_by_workflow). */
int decode_task_list(const char *body, size_t len, struct osmo_task_list *out,
                     struct api_error *err);
int decode_submit_result(const char *body, size_t len, struct osmo_submit_result *out,
                         struct api_error *err);
/* CancelResponse: {"name": ...}; *name_out is allocated. */
int decode_cancel(const char *body, size_t len, char **name_out, struct api_error *err);
int decode_version(const char *body, size_t len, struct osmo_version *out, struct api_error *err);
/* PoolResponse of GET /api/pool_quota: node_sets[].pools[] flattened; what `osmo pool list`
 * indexes (node_sets, pools, name, every resource_usage count) is required. */
int decode_pool_quota(const char *body, size_t len, struct osmo_pool_quota *out,
                      struct api_error *err);

/*
 * Fills err from a non-2xx response: OSMO's {"message","error_code","workflow_id"},
 * FastAPI's {"detail": str|list}, or plain text (Envoy's 401, the authz sidecar's 403).
 * Sets kind to API_ERR_AUTH for 401/403, else API_ERR_HTTP. prefix leads the message.
 */
void decode_error_body(long http_status, const char *body, size_t len, const char *prefix,
                       struct api_error *err);

/* Reads "exp" from a JWT's payload (no signature check). Returns 0 or -1. */
int decode_jwt_exp(const char *jwt, int64_t *exp_s);
/*
 * A token refresh answer: OSMO's {"token","expires_at"} or an IdP's {"id_token",
 * "refresh_token"?}. Allocates *id_token (and *refresh_token when one was sent).
 */
int decode_token_response(const char *body, size_t len, char **id_token, char **refresh_token,
                          struct api_error *err);
/* Builds {"file": yaml, "set_variables": [...], ...} for submit; returns an allocated string. */
char *encode_submit_body(const char *yaml, const struct strv *set_variables,
                         const struct strv *set_string_variables);
/* Builds {"token": token} for the OSMO access-token exchange. */
char *encode_token_request(const char *token);

/*
 * As decode.h's decoders: 0, or -1 with err->kind API_ERR_DECODE naming the JSON path and
 * *out NULL. router_address (ws:// or wss://) and key are required, cookie may be missing or
 * null (""); none may hold control bytes, since they go into a URL and headers verbatim.
 */
/* {"router_address","key","cookie"}: exec on a task; one target. */
int decode_router_target(const char *body, size_t len, struct osmo_router_target **out, size_t *n,
                         struct api_error *err);
/* {"task": {...}, ...}: exec on a group; one target per task, .task set, in the body's order. */
int decode_router_target_map(const char *body, size_t len, struct osmo_router_target **out,
                             size_t *n, struct api_error *err);
/* [{...}, ...]: port-forward; one target per port, in order. */
int decode_router_target_list(const char *body, size_t len, struct osmo_router_target **out,
                              size_t *n, struct api_error *err);

#endif
