/* fuzz_decode.c: every decoder of client/decode.c on the same body, as any answer may be any. */
#include <stdlib.h>

#include "client/decode.h"
#include "client/model.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	char *text = fuzz_text(data, size);
	struct api_error err = { 0 };
	struct osmo_workflow wf = { 0 };
	struct osmo_workflow_list list = { 0 };
	struct osmo_task_list tasks = { 0 };
	struct osmo_submit_result sub = { 0 };
	struct osmo_version ver = { 0 };
	struct osmo_pool_quota quota = { 0 };
	struct osmo_router_target *t = NULL;
	char *name = NULL, *id = NULL, *refresh = NULL;
	int64_t exp;
	size_t n = 0;

	if (decode_workflow(body, size, &wf, &err) == 0) {
		osmo_workflow_link(&wf);
		osmo_workflow_free(&wf);
	}
	if (decode_workflow_list(body, size, &list, &err) == 0) {
		if (decode_task_list(body, size, &tasks, &err) == 0) {
			osmo_workflow_list_count_failed(&list, &tasks);
			osmo_task_list_free(&tasks);
		}
		osmo_workflow_list_free(&list);
	}
	if (decode_task_list(body, size, &tasks, &err) == 0)
		osmo_task_list_free(&tasks);
	if (decode_submit_result(body, size, &sub, &err) == 0)
		osmo_submit_result_free(&sub);
	if (decode_cancel(body, size, &name, &err) == 0)
		free(name);
	if (decode_version(body, size, &ver, &err) == 0)
		osmo_version_free(&ver);
	if (decode_pool_quota(body, size, &quota, &err) == 0)
		osmo_pool_quota_free(&quota);
	decode_error_body(400, body, size, "GET /api/workflow", &err);
	decode_error_body(401, body, size, "GET /api/workflow", &err);
	if (decode_token_response(body, size, &id, &refresh, &err) == 0) {
		free(id);
		free(refresh);
	}
	if (decode_router_target(body, size, &t, &n, &err) == 0)
		osmo_router_targets_free(t, n);
	if (decode_router_target_map(body, size, &t, &n, &err) == 0)
		osmo_router_targets_free(t, n);
	if (decode_router_target_list(body, size, &t, &n, &err) == 0)
		osmo_router_targets_free(t, n);
	decode_jwt_exp(text, &exp);
	free(text);
	return 0;
}
