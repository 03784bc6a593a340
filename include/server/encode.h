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
