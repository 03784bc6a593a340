/* test_encode.c: osmo-local's JSON has the service's keys, order and shapes, and osmotop reads it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "encode.h"
#include "golden.h"
#include "osmo_time.h"

static int64_t
enc_ms(const char *iso)
{
	int64_t ms = 0;

	assert_int_equal(osmo_time_parse(iso, &ms), 0);
	return ms;
}

/* A workflow like the contract's workflow_query_small.json, plus a retried task. */
static void
enc_workflow(struct eng_workflow *wf)
{
	memset(wf, 0, sizeof(*wf));
	wf->id = xstrdup("ddp-smoke-3");
	wf->name = xstrdup("ddp-smoke");
	wf->job = 3;
	strlcpy_safe(wf->uuid, "7c1e5a9b3d2f4e6a8b0c1d2e3f4a5b6c", sizeof(wf->uuid));
	wf->user = xstrdup("jdoe@example.com");
	wf->pool = xstrdup("default");
	wf->priority = xstrdup("HIGH");
	wf->submit_ms = enc_ms("2026-08-18T16:20:04.530");
	wf->start_ms = enc_ms("2026-08-18T16:22:41.008");
	wf->exec_timeout_s = 7200;
	wf->queue_timeout_s = -1;
	wf->status = OSMO_RUNNING;
	wf->n_groups = 1;
	wf->groups = xcalloc(1, sizeof(*wf->groups));

	struct eng_group *g = &wf->groups[0];

	g->name = xstrdup("ddp");
	g->status = OSMO_RUNNING;
	g->start_ms = wf->start_ms;
	g->n_tasks = 3;
	g->tasks = xcalloc(3, sizeof(*g->tasks));
	g->tasks[0] = (struct eng_task){ .name = xstrdup("rank1"),
		                         .status = OSMO_RESCHEDULED,
		                         .has_exit_code = true,
		                         .exit_code = 3001,
		                         .failure_message = xstrdup("backend error"),
		                         .start_ms = wf->start_ms,
		                         .end_ms = wf->start_ms + 5000 };
	g->tasks[1] = (struct eng_task){ .name = xstrdup("rank0"),
		                         .status = OSMO_RUNNING,
		                         .lead = true,
		                         .start_ms = wf->start_ms };
	g->tasks[2] = (struct eng_task){ .name = xstrdup("rank1"),
		                         .retry_id = 1,
		                         .status = OSMO_INITIALIZING };
	strlcpy_safe(g->tasks[0].uuid, "2b3c4d5e6f7a48b9c0d1e2f3a4b5c6d7", 33);
	strlcpy_safe(g->tasks[1].uuid, "1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6", 33);
	strlcpy_safe(g->tasks[2].uuid, "2b3c4d5e6f7a48b9c0d1e2f3a4b5c6d7", 33);
}

/* Asserts that two objects have the same keys in the same order. */
static void
enc_same_keys(const cJSON *want, const cJSON *got, const char *where)
{
	const cJSON *w = want ? want->child : NULL, *g = got ? got->child : NULL;

	for (; w && g; w = w->next, g = g->next)
		if (strcmp(w->string, g->string) != 0)
			fail_msg("%s: key '%s' where the service sends '%s'", where, g->string,
			         w->string);
	if (w || g)
		fail_msg("%s: key count differs at '%s'", where, w ? w->string : g->string);
}

static cJSON *
enc_fixture(const char *name)
{
	char *path = xasprintf("%s/%s", golden_fixtures_dir(), name);
	char *text = golden_read_file(path, NULL);
	cJSON *j = cJSON_Parse(text);

	assert_non_null(j);
	free(text);
	free(path);
	return j;
}

static void
test_workflow_shape_matches_service(void **state)
{
	struct eng_workflow wf;
	cJSON *want = enc_fixture("workflow_query_small.json");

	(void)state;
	enc_workflow(&wf);
	char *json = encode_workflow(&wf, "http://127.0.0.1:8000", false, false,
	                             enc_ms("2026-08-18T16:32:53.313"));
	cJSON *got = cJSON_Parse(json);

	assert_non_null(got);
	enc_same_keys(want, got, "workflow");
	const cJSON *wg = cJSON_GetArrayItem(cJSON_GetObjectItem(want, "groups"), 0);
	const cJSON *gg = cJSON_GetArrayItem(cJSON_GetObjectItem(got, "groups"), 0);

	enc_same_keys(wg, gg, "group");
	enc_same_keys(cJSON_GetArrayItem(cJSON_GetObjectItem(wg, "tasks"), 0),
	              cJSON_GetArrayItem(cJSON_GetObjectItem(gg, "tasks"), 0), "task");
	/* Times are naive UTC; durations are seconds. */
	assert_string_equal(cJSON_GetObjectItem(got, "submit_time")->valuestring,
	                    "2026-08-18T16:20:04.530000");
	assert_true(cJSON_GetObjectItem(got, "duration")->valuedouble > 612.0);
	cJSON_Delete(got);
	cJSON_Delete(want);

	/* And osmotop's own decoder reads it back. */
	struct osmo_workflow back;
	struct api_error err = { 0 };

	assert_int_equal(decode_workflow(json, strlen(json), &back, &err), 0);
	assert_string_equal(back.name, "ddp-smoke-3");
	assert_int_equal(back.n_groups, 1);
	/* Not verbose: the newest retry of each task, by name. */
	assert_int_equal(back.groups[0].n_tasks, 2);
	assert_string_equal(back.groups[0].tasks[0].name, "rank0");
	assert_true(back.groups[0].tasks[0].lead);
	assert_int_equal(back.groups[0].tasks[1].retry_id, 1);
	assert_false(back.groups[0].tasks[1].has_exit_code);
	osmo_workflow_free(&back);
	free(json);

	json = encode_workflow(&wf, "http://h", true, false, wf.start_ms + 1000);
	assert_int_equal(decode_workflow(json, strlen(json), &back, &err), 0);
	/* Verbose: every retry, name ASC then retry DESC; the old one has error logs. */
	assert_int_equal(back.groups[0].n_tasks, 3);
	assert_int_equal(back.groups[0].tasks[1].retry_id, 1);
	assert_int_equal(back.groups[0].tasks[2].retry_id, 0);
	assert_int_equal(back.groups[0].tasks[2].status, OSMO_RESCHEDULED);
	assert_non_null(back.groups[0].tasks[2].error_logs_url);
	assert_int_equal(back.groups[0].tasks[2].exit_code, 3001);
	osmo_workflow_free(&back);
	free(json);

	json = encode_workflow(&wf, "http://h", false, true, wf.start_ms);
	assert_int_equal(decode_workflow(json, strlen(json), &back, &err), 0);
	assert_int_equal(back.n_groups, 0);
	osmo_workflow_free(&back);
	free(json);
	eng_workflow_free(&wf);
}

static void
test_list_shape_matches_service(void **state)
{
	struct eng_workflow wf;
	const struct eng_workflow *one[] = { &wf };
	cJSON *want = enc_fixture("workflow_list_page.json");

	(void)state;
	enc_workflow(&wf);
	char *json = encode_workflow_list(one, 1, true, "http://h", wf.start_ms);
	cJSON *got = cJSON_Parse(json);

	enc_same_keys(want, got, "list");
	enc_same_keys(cJSON_GetArrayItem(cJSON_GetObjectItem(want, "workflows"), 0),
	              cJSON_GetArrayItem(cJSON_GetObjectItem(got, "workflows"), 0), "entry");
	cJSON_Delete(got);
	cJSON_Delete(want);

	struct osmo_workflow_list back;
	struct api_error err = { 0 };

	assert_int_equal(decode_workflow_list(json, strlen(json), &back, &err), 0);
	assert_int_equal(back.n_rows, 1);
	assert_true(back.more_entries);
	assert_null(back.rows[0].error_logs_url);
	osmo_workflow_list_free(&back);
	free(json);
	eng_workflow_free(&wf);
}

static void
test_small_shapes(void **state)
{
	struct api_error err;
	struct osmo_submit_result res;
	struct strv warnings = { 0 };
	char *name = NULL;

	(void)state;
	char *json = encode_error("Workflow x-1 is not found.", "DATABASE", NULL);

	assert_string_equal(json, "{\"message\":\"Workflow x-1 is not found.\","
	                          "\"error_code\":\"DATABASE\",\"workflow_id\":null}");
	decode_error_body(400, json, strlen(json), NULL, &err);
	assert_string_equal(err.error_code, "DATABASE");
	free(json);

	json = encode_validation_error("query", "limit", "Limit must be less than 1000.", "5000");
	decode_error_body(422, json, strlen(json), NULL, &err);
	assert_non_null(strstr(err.message, "query.limit: Limit must be less than 1000."));
	free(json);

	strv_push(&warnings, "w");
	json = encode_submit("x-2", "http://h/api/workflow/x-2", "http://h/api/workflow/x-2/logs",
	                     NULL, &warnings);
	assert_int_equal(decode_submit_result(json, strlen(json), &res, &err), 0);
	assert_string_equal(res.name, "x-2");
	assert_null(res.spec);
	assert_int_equal(res.warnings.n, 1);
	osmo_submit_result_free(&res);
	strv_free(&warnings);
	free(json);

	json = encode_cancel("x-2");
	assert_int_equal(decode_cancel(json, strlen(json), &name, &err), 0);
	assert_string_equal(name, "x-2");
	free(name);
	free(json);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_workflow_shape_matches_service),
		cmocka_unit_test(test_list_shape_matches_service),
		cmocka_unit_test(test_small_shapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
