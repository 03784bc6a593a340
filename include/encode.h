/* encode.h: osmo-local's JSON, in the key order and shapes the OSMO service emits. */
#ifndef OSMO_ENCODE_H
#define OSMO_ENCODE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine_model.h"

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

#endif
