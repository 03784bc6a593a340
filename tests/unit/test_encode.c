/* test_encode.c: osmo-local's JSON has the service's keys, order and shapes, and osmotop reads it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "client/decode.h"
#include "server/encode.h"
#include "golden.h"
#include "common/osmo_time.h"

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
	char *text = util_read_file(path, NULL);
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

/* GET /api/task: ListTaskEntry's keys in order (§4.9), every retry a row, error_logs iff FAILED*. */
static void
test_task_list_shape_matches_service(void **state)
{
	struct eng_workflow wf;
	cJSON *want = enc_fixture("task_list_response.json");

	(void)state;
	enc_workflow(&wf);
	wf.groups[0].tasks[0].status = OSMO_FAILED;
	const struct encode_task_row rows[] = {
		{ &wf, &wf.groups[0].tasks[1] },
		{ &wf, &wf.groups[0].tasks[0] },
	};
	char *json = encode_task_list(rows, 2, "http://h", wf.start_ms + 10000);
	cJSON *got = cJSON_Parse(json);

	enc_same_keys(want, got, "task list");
	enc_same_keys(cJSON_GetArrayItem(cJSON_GetObjectItem(want, "tasks"), 0),
	              cJSON_GetArrayItem(cJSON_GetObjectItem(got, "tasks"), 0), "task entry");
	cJSON_Delete(got);
	cJSON_Delete(want);

	struct osmo_task_list back;
	struct api_error err = { 0 };

	assert_int_equal(decode_task_list(json, strlen(json), &back, &err), 0);
	assert_int_equal(back.n_rows, 2);
	assert_string_equal(back.rows[0].workflow_id, "ddp-smoke-3");
	assert_string_equal(back.rows[0].task_name, "rank0");
	assert_string_equal(back.rows[0].user, "jdoe@example.com");
	assert_string_equal(back.rows[0].node, "localhost");
	assert_true(back.rows[0].duration_s > 9.9 && back.rows[0].duration_s < 10.1);
	assert_null(back.rows[0].error_logs_url);
	assert_string_equal(back.rows[0].logs_url,
	                    "http://h/api/workflow/ddp-smoke-3/logs?task_name=rank0");
	assert_string_equal(back.rows[0].priority, "HIGH");
	assert_int_equal(back.rows[1].status, OSMO_FAILED);
	assert_string_equal(back.rows[1].error_logs_url,
	                    "http://h/api/workflow/ddp-smoke-3/error_logs?task_name=rank1");
	assert_true(back.rows[1].storage_gib == 0 && back.rows[1].gpu == 0);
	osmo_task_list_free(&back);
	free(json);

	json = encode_task_list(NULL, 0, "http://h", 0);
	assert_string_equal(json, "{\"tasks\":[]}");
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

/* Two groups, a task retried three times, labels, tags, env_vars, NULLs and set values mixed. */
static void
enc_state_workflow(struct eng_workflow *wf)
{
	int64_t t0 = enc_ms("2026-08-18T16:20:04.530");

	memset(wf, 0, sizeof(*wf));
	wf->id = xstrdup("train-12");
	wf->name = xstrdup("train");
	wf->job = 12;
	strlcpy_safe(wf->uuid, "7c1e5a9b3d2f4e6a8b0c1d2e3f4a5b6c", sizeof(wf->uuid));
	wf->user = xstrdup("jdoe@example.com");
	wf->pool = xstrdup("default");
	wf->parent_name = xstrdup("train-11");
	wf->parent_job_id = 11;
	wf->submit_ms = t0;
	wf->start_ms = t0 + 1001;
	wf->end_ms = t0 + 99999;
	wf->exec_timeout_s = 3600.25;
	wf->queue_timeout_s = -1;
	wf->status = OSMO_FAILED;
	strv_push(&wf->tags, "nightly");
	strv_push(&wf->tags, "");
	strv_push(&wf->env_vars, "K=V");
	strv_push(&wf->env_vars, "QUOTE=\"a\\b\"\n\t\x01 é");
	wf->n_labels = 2;
	wf->labels = xcalloc(2, sizeof(*wf->labels));
	wf->labels[0] = (struct eng_label){ xstrdup("team"), xstrdup("infra") };
	wf->labels[1] = (struct eng_label){ xstrdup("empty"), NULL };
	wf->spec = xstrdup("workflow:\n  name: train\n");
	wf->n_groups = 2;
	wf->groups = xcalloc(2, sizeof(*wf->groups));

	struct eng_group *g = &wf->groups[0];

	g->name = xstrdup("prep");
	g->status = OSMO_COMPLETED;
	g->ignore_nonlead = true;
	g->processing_ms = t0 + 1;
	g->scheduling_ms = t0 + 2;
	g->initializing_ms = t0 + 3;
	g->start_ms = t0 + 4;
	g->end_ms = t0 + 5;
	strv_push(&g->downstream, "train");
	g->n_tasks = 1;
	g->tasks = xcalloc(1, sizeof(*g->tasks));
	g->tasks[0] = (struct eng_task){ .name = xstrdup("prep"),
		                         .status = OSMO_COMPLETED,
		                         .lead = true,
		                         .has_exit_code = true,
		                         .processing_ms = t0 + 11,
		                         .scheduling_ms = t0 + 12,
		                         .initializing_ms = t0 + 13,
		                         .start_ms = t0 + 14,
		                         .end_ms = t0 + 15,
		                         .input_download_start_ms = t0 + 16,
		                         .input_download_end_ms = t0 + 17,
		                         .output_upload_start_ms = t0 + 18 };
	strlcpy_safe(g->tasks[0].uuid, "1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6", 33);

	g = &wf->groups[1];
	g->name = xstrdup("train");
	g->status = OSMO_FAILED;
	g->failure_message = xstrdup("worker exited with 1");
	g->start_ms = t0 + 20;
	strv_push(&g->upstream, "prep");
	g->n_tasks = 4;
	g->tasks = xcalloc(4, sizeof(*g->tasks));
	g->tasks[0] = (struct eng_task){ .name = xstrdup("worker"),
		                         .status = OSMO_RESCHEDULED,
		                         .has_exit_code = true,
		                         .exit_code = 137,
		                         .start_ms = t0 + 21 };
	g->tasks[1] = (struct eng_task){ .name = xstrdup("worker"),
		                         .retry_id = 1,
		                         .status = OSMO_RESCHEDULED,
		                         .failure_message = xstrdup("evicted") };
	g->tasks[2] = (struct eng_task){ .name = xstrdup("worker"),
		                         .retry_id = 2,
		                         .status = OSMO_FAILED,
		                         .lead = true,
		                         .has_exit_code = true,
		                         .exit_code = -1,
		                         .end_ms = t0 + 23 };
	g->tasks[3] =
	        (struct eng_task){ .name = xstrdup("sidecar"), .status = OSMO_FAILED_UPSTREAM };
	for (size_t i = 0; i < 3; i++)
		strlcpy_safe(g->tasks[i].uuid, "2b3c4d5e6f7a48b9c0d1e2f3a4b5c6d7", 33);
}

static void
enc_same_str(const char *want, const char *got)
{
	if (!want)
		assert_null(got);
	else
		assert_string_equal(want, got);
}

static void
enc_same_strv(const struct strv *want, const struct strv *got)
{
	assert_int_equal(want->n, got->n);
	for (size_t i = 0; i < want->n; i++)
		assert_string_equal(want->v[i], got->v[i]);
}

static void
enc_same_task(const struct eng_task *want, const struct eng_task *got)
{
	enc_same_str(want->name, got->name);
	assert_int_equal(want->retry_id, got->retry_id);
	assert_int_equal(want->status, got->status);
	assert_int_equal(want->lead, got->lead);
	assert_int_equal(want->has_exit_code, got->has_exit_code);
	assert_int_equal(want->exit_code, got->exit_code);
	enc_same_str(want->failure_message, got->failure_message);
	assert_string_equal(want->uuid, got->uuid);
	assert_int_equal(want->processing_ms, got->processing_ms);
	assert_int_equal(want->scheduling_ms, got->scheduling_ms);
	assert_int_equal(want->initializing_ms, got->initializing_ms);
	assert_int_equal(want->start_ms, got->start_ms);
	assert_int_equal(want->end_ms, got->end_ms);
	assert_int_equal(want->input_download_start_ms, got->input_download_start_ms);
	assert_int_equal(want->input_download_end_ms, got->input_download_end_ms);
	assert_int_equal(want->output_upload_start_ms, got->output_upload_start_ms);
}

static void
enc_same_group(const struct eng_group *want, const struct eng_group *got)
{
	enc_same_str(want->name, got->name);
	assert_int_equal(want->status, got->status);
	enc_same_str(want->failure_message, got->failure_message);
	assert_int_equal(want->ignore_nonlead, got->ignore_nonlead);
	assert_int_equal(want->processing_ms, got->processing_ms);
	assert_int_equal(want->scheduling_ms, got->scheduling_ms);
	assert_int_equal(want->initializing_ms, got->initializing_ms);
	assert_int_equal(want->start_ms, got->start_ms);
	assert_int_equal(want->end_ms, got->end_ms);
	enc_same_strv(&want->upstream, &got->upstream);
	enc_same_strv(&want->downstream, &got->downstream);
	assert_int_equal(want->n_tasks, got->n_tasks);
	for (size_t i = 0; i < want->n_tasks; i++)
		enc_same_task(&want->tasks[i], &got->tasks[i]);
}

static void
enc_same_workflow(const struct eng_workflow *want, const struct eng_workflow *got)
{
	enc_same_str(want->id, got->id);
	enc_same_str(want->name, got->name);
	assert_int_equal(want->job, got->job);
	assert_string_equal(want->uuid, got->uuid);
	enc_same_str(want->user, got->user);
	enc_same_str(want->cancelled_by, got->cancelled_by);
	enc_same_str(want->pool, got->pool);
	enc_same_str(want->priority, got->priority);
	enc_same_str(want->parent_name, got->parent_name);
	assert_int_equal(want->parent_job_id, got->parent_job_id);
	assert_int_equal(want->submit_ms, got->submit_ms);
	assert_int_equal(want->start_ms, got->start_ms);
	assert_int_equal(want->end_ms, got->end_ms);
	assert_true(want->exec_timeout_s == got->exec_timeout_s);
	assert_true(want->queue_timeout_s == got->queue_timeout_s);
	assert_int_equal(want->status, got->status);
	enc_same_strv(&want->tags, &got->tags);
	assert_int_equal(want->n_labels, got->n_labels);
	for (size_t i = 0; i < want->n_labels; i++) {
		enc_same_str(want->labels[i].key, got->labels[i].key);
		enc_same_str(want->labels[i].value, got->labels[i].value);
	}
	enc_same_str(want->spec, got->spec);
	enc_same_str(want->template_spec, got->template_spec);
	enc_same_strv(&want->env_vars, &got->env_vars);
	assert_int_equal(want->n_groups, got->n_groups);
	for (size_t i = 0; i < want->n_groups; i++)
		enc_same_group(&want->groups[i], &got->groups[i]);
}

static void
test_state_round_trip(void **state)
{
	struct eng_workflow wf, back;
	char *err = NULL;

	(void)state;
	enc_state_workflow(&wf);
	char *json = encode_state(&wf);

	assert_true(str_starts_with(json, "{\"version\":1,\"id\":\"train-12\","));
	assert_int_equal(encode_state_parse(json, strlen(json), &back, &err), 0);
	assert_null(err);
	enc_same_workflow(&wf, &back);

	/* And the JSON says it plainly: null for NULL and absent, numbers for times. */
	cJSON *j = cJSON_Parse(json);
	const cJSON *groups = cJSON_GetObjectItem(j, "groups");
	const cJSON *prep =
	        cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(groups, 0), "tasks"), 0);
	const cJSON *evicted =
	        cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(groups, 1), "tasks"), 1);

	assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "cancelled_by")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "template_spec")));
	assert_true(cJSON_GetObjectItem(j, "queue_timeout_s")->valuedouble == -1);
	assert_true(cJSON_GetObjectItem(j, "submit_ms")->valuedouble == (double)wf.submit_ms);
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(prep, "exit_code")));
	assert_int_equal(cJSON_GetObjectItem(prep, "exit_code")->valueint, 0);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(evicted, "exit_code")));
	cJSON_Delete(j);

	/* Encoding what was read gives the same text, so nothing drifts across restarts. */
	char *again = encode_state(&back);

	assert_string_equal(json, again);
	free(again);
	free(json);
	eng_workflow_free(&back);
	eng_workflow_free(&wf);

	/* Only the required keys: the rest take their empty values, timeouts none. */
	static const char min[] = "{\"version\":1,\"id\":\"a-1\",\"name\":\"a\",\"job\":1,"
	                          "\"status\":\"PENDING\",\"submit_ms\":5,\"groups\":[]}\n";

	assert_int_equal(encode_state_parse(min, strlen(min), &back, &err), 0);
	assert_string_equal(back.id, "a-1");
	assert_int_equal(back.status, OSMO_PENDING);
	assert_null(back.user);
	assert_string_equal(back.uuid, "");
	assert_true(back.exec_timeout_s == -1 && back.queue_timeout_s == -1);
	assert_int_equal(back.n_groups, 0);
	eng_workflow_free(&back);
}

/* Parses len bytes from an exact-size copy, so a read past the end trips ASan. */
static int
enc_state_parse_copy(const char *json, size_t len, struct eng_workflow *out, char **err)
{
	char *copy = xmalloc(len ? len : 1);
	int rc;

	memcpy(copy, json, len);
	rc = encode_state_parse(copy, len, out, err);
	free(copy);
	return rc;
}

static void
test_state_truncated_and_corrupt(void **state)
{
	static const char subst[] = { '"', '0', '}', ']', ',', 'x', '\0', '\\' };
	struct eng_workflow wf, back;
	char *err = NULL;

	(void)state;
	enc_state_workflow(&wf);
	char *json = encode_state(&wf);
	size_t len = strlen(json);

	for (size_t n = 0; n < len; n++) {
		assert_int_equal(enc_state_parse_copy(json, n, &back, &err), -1);
		assert_non_null(err);
		assert_null(back.id);
		assert_null(back.groups);
		free(err);
	}
	/* Any byte replaced: a record or an error, never a crash or a leak. */
	for (size_t i = 0; i < len; i += 3) {
		char *bad = xstrdup(json);

		bad[i] = subst[i % sizeof(subst)];
		if (enc_state_parse_copy(bad, len, &back, &err) == 0) {
			assert_null(err);
			eng_workflow_free(&back);
		} else {
			assert_non_null(err);
			free(err);
		}
		free(bad);
	}
	free(json);
	eng_workflow_free(&wf);
}

/* json with the value at path ("groups.1.tasks.0.name") replaced by value, or deleted if NULL. */
static char *
enc_state_edit(const char *json, const char *path, const char *value)
{
	cJSON *root = cJSON_Parse(json), *parent = root;
	char *keys = xstrdup(path), *key = keys, *dot;
	char *text, *out;

	while ((dot = strchr(key, '.'))) {
		*dot = '\0';
		parent = cJSON_IsArray(parent) ? cJSON_GetArrayItem(parent, atoi(key))
		                               : cJSON_GetObjectItemCaseSensitive(parent, key);
		assert_non_null(parent);
		key = dot + 1;
	}
	if (cJSON_IsArray(parent) && value)
		cJSON_ReplaceItemInArray(parent, atoi(key), cJSON_Parse(value));
	else if (cJSON_IsArray(parent))
		cJSON_DeleteItemFromArray(parent, atoi(key));
	else if (value)
		assert_true(
		        cJSON_ReplaceItemInObjectCaseSensitive(parent, key, cJSON_Parse(value)));
	else
		cJSON_DeleteItemFromObjectCaseSensitive(parent, key);
	text = cJSON_PrintUnformatted(root);
	out = xstrdup(text);
	cJSON_free(text);
	cJSON_Delete(root);
	free(keys);
	return out;
}

static void
enc_state_expect_error(const char *json, size_t len, const char *want)
{
	struct eng_workflow back;
	char *err = NULL;

	assert_int_equal(encode_state_parse(json, len, &back, &err), -1);
	assert_non_null(err);
	if (!str_starts_with(err, want))
		fail_msg("error '%s', expected it to start with '%s'", err, want);
	assert_null(back.id);
	assert_null(back.groups);
	free(err);
}

static void
test_state_bad_values_name_the_key(void **state)
{
	static const struct {
		const char *path, *value, *err;
	} cases[] = {
		{ "groups.1.tasks.2.retry_id", "\"2\"",
		  "groups[1].tasks[2].retry_id: expected an integer" },
		{ "groups.1.tasks.1.exit_code", "0.5", "groups[1].tasks[1].exit_code: expected" },
		{ "groups.0.ignore_nonlead", "1",
		  "groups[0].ignore_nonlead: expected true or false" },
		{ "groups.1.tasks.3.status", "\"LOST\"",
		  "groups[1].tasks[3].status: unknown status" },
		{ "groups.1.tasks.3.name", NULL, "groups[1].tasks[3].name: missing" },
		{ "groups.1.upstream", "[\"prep\",7]",
		  "groups[1].upstream: item 1: expected a string" },
		{ "groups.1.tasks", "{}", "groups[1].tasks: expected a list of objects" },
		{ "groups.0", "[]", "groups[0]: expected an object" },
		{ "submit_ms", "\"2026-08-18\"", "submit_ms: expected an integer of milliseconds" },
		{ "submit_ms", "1.5", "submit_ms: expected" },
		{ "submit_ms", "1e300", "submit_ms: expected" },
		{ "job", "2147483648", "job: expected an integer" },
		{ "exec_timeout_s", "\"1h\"", "exec_timeout_s: expected a number of seconds" },
		{ "status", "\"RUNNIN\"", "status: unknown status" },
		{ "status", "7", "status: expected a status name" },
		{ "uuid", "\"0123456789abcdef0123456789abcdef0\"",
		  "uuid: expected a string of at most" },
		{ "labels.1.key", "null", "labels[1].key: must not be null" },
		{ "labels.0.value", "{}", "labels[0].value: expected a string or null" },
		{ "env_vars", "\"K=V\"", "env_vars: expected a list of strings" },
		{ "spec", "[]", "spec: expected a string or null" },
		{ "id", "null", "id: must not be null" },
		{ "name", NULL, "name: missing" },
		{ "job", NULL, "job: missing" },
		{ "groups", NULL, "groups: missing" },
	};
	struct eng_workflow wf;

	(void)state;
	enc_state_workflow(&wf);
	char *json = encode_state(&wf);

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *bad = enc_state_edit(json, cases[i].path, cases[i].value);

		enc_state_expect_error(bad, strlen(bad), cases[i].err);
		free(bad);
	}
	free(json);
	eng_workflow_free(&wf);

	/* Lists past the cap are refused before anything is allocated for them. */
	static const char *const huge[][2] = { { "groups", "{}" }, { "tags", "\"\"" } };

	for (size_t h = 0; h < ARRAY_SIZE(huge); h++) {
		struct strbuf sb = { 0 };

		strbuf_addf(&sb,
		            "{\"version\":1,\"id\":\"a-1\",\"name\":\"a\",\"job\":1,"
		            "\"status\":\"RUNNING\",\"submit_ms\":1,\"%s\":[%s",
		            huge[h][0], huge[h][1]);
		for (unsigned i = 0; i < ENCODE_STATE_MAX_ITEMS; i++)
			strbuf_addf(&sb, ",%s", huge[h][1]);
		strbuf_addstr(&sb, "],\"groups\":[]}");
		char *want =
		        xasprintf("%s: more than %u items", huge[h][0], ENCODE_STATE_MAX_ITEMS);

		enc_state_expect_error(sb.buf, sb.len, want);
		free(want);
		strbuf_free(&sb);
	}
}

static void
test_state_version_and_shape(void **state)
{
	static const struct {
		const char *json, *err;
	} cases[] = {
		{ "{\"version\":2,\"id\":\"a-1\"}",
		  "version: 2 is not supported; this osmo-local reads 1" },
		{ "{\"version\":0}", "version: 0 is not supported" },
		{ "{\"version\":\"1\"}", "version: expected an integer" },
		{ "{\"id\":\"a-1\"}", "version: missing" },
		{ "[{\"version\":1}]", "state: expected an object" },
		{ "{\"version\":1} x", "state: unexpected data after JSON" },
		{ "{\"version\":1", "state: invalid JSON" },
		{ "", "state: empty" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		enc_state_expect_error(cases[i].json, strlen(cases[i].json), cases[i].err);
	enc_state_expect_error("x", ENCODE_STATE_MAX_BYTES + 1, "state: ");
}

/* PoolResponse as pydantic emits it: PoolMinimal's defaults, counts as strings, the machine in
 * the description; a restart's excess of used slots does not make free negative. */
static void
test_pool_quota(void **state)
{
	struct encode_pool_capacity cap = { .pool = "default",
		                            .slots = 4,
		                            .slots_used = 3,
		                            .cpus = 16,
		                            .mem_bytes = (uint64_t)64 << 30,
		                            .gpus = 2 };
	static const char usage31[] = "{\"quota_used\":\"3\",\"quota_free\":\"1\",\"quota_limit\":"
	                              "\"4\",\"total_usage\":\"3\",\"total_capacity\":\"4\","
	                              "\"total_free\":\"1\"}";
	char *want = xasprintf(
	        "{\"node_sets\":[{\"pools\":[{\"name\":\"default\",\"description\":\"osmo-local: "
	        "this "
	        "machine, 4 task slots, 16 CPUs, 64.0 GiB memory, 2 GPUs\",\"status\":\"ONLINE\","
	        "\"download_type\":null,\"enable_maintenance\":false,\"backend\":\"osmo-local\","
	        "\"default_platform\":null,\"default_exec_timeout\":\"\",\"default_queue_timeout\":"
	        "\"\",\"max_exec_timeout\":\"\",\"max_queue_timeout\":\"\",\"default_exit_"
	        "actions\":"
	        "{},\"resources\":{\"gpu\":null},\"topology_keys\":[],\"platforms\":{},"
	        "\"resource_usage\":%s}]}],\"resource_sum\":%s}",
	        usage31, usage31);
	char *got = encode_pool_quota(&cap);

	struct osmo_pool_quota q;
	struct api_error err = { 0 };

	(void)state;
	assert_string_equal(got, want);
	/* osmotop reads it: the pool, its backend (the unit) and its counts. */
	assert_int_equal(decode_pool_quota(got, strlen(got), &q, &err), 0);
	assert_int_equal(q.n_pools, 1);
	assert_string_equal(q.pools[0].backend, "osmo-local");
	assert_string_equal(q.pools[0].usage.quota_free, "1");
	osmo_pool_quota_free(&q);
	free(got);
	cap.slots_used = 9;
	cap.cpus = 0;
	cap.mem_bytes = 0;
	got = encode_pool_quota(&cap);
	assert_non_null(strstr(got, "4 task slots, unknown CPUs, unknown memory, 2 GPUs"));
	assert_non_null(strstr(got, "\"quota_used\":\"4\",\"quota_free\":\"0\""));
	free(got);
	cap.pool = NULL;
	got = encode_pool_quota(&cap);
	assert_string_equal(got, "{\"node_sets\":[],\"resource_sum\":{\"quota_used\":\"0\","
	                         "\"quota_free\":\"0\",\"quota_limit\":\"0\",\"total_usage\":\"0\","
	                         "\"total_capacity\":\"0\",\"total_free\":\"0\"}}");
	free(got);
	free(want);
}

/* STATE/profiles.json both ways, and POST /api/profile/settings bodies as FastAPI reads them. */
static void
test_profiles(void **state)
{
	struct eng_profile v[] = { { "jdoe", true, false, "default" },
		                   { "alice", false, true, NULL } };
	struct eng_profiles p = { v, 2 }, back;
	struct encode_profile_update u;
	char *json = encode_profiles(&p), *err = NULL;
	const char *body;

	(void)state;
	assert_int_equal(encode_profiles_parse(json, strlen(json), &back, &err), 0);
	assert_int_equal(back.n, 2);
	assert_string_equal(back.v[0].user, "jdoe");
	assert_true(back.v[0].email_notification && !back.v[0].slack_notification);
	assert_string_equal(back.v[0].pool, "default");
	assert_null(back.v[1].pool);
	assert_true(back.v[1].slack_notification);
	eng_profiles_free(&back);
	free(json);
	assert_int_equal(encode_profiles_parse("{\"version\": 1}", 14, &back, &err), -1);
	assert_string_equal(err, "profiles: missing");
	free(err);
	/* pydantic's lax bools; null and unknown keys are as if not sent. */
	body = "{\"email_notification\": \"Yes\", \"slack_notification\": null, \"x\": 1}";
	assert_int_equal(encode_profile_update_parse(body, strlen(body), &u, &err), 0);
	assert_int_equal(u.email_notification, 1);
	assert_int_equal(u.slack_notification, -1);
	assert_null(u.pool);
	body = "{\"slack_notification\": 0, \"pool\": \"p\"}";
	assert_int_equal(encode_profile_update_parse(body, strlen(body), &u, &err), 0);
	assert_int_equal(u.slack_notification, 0);
	assert_string_equal(u.pool, "p");
	free(u.pool);
	body = "{\"email_notification\": \"maybe\", \"pool\": 3}";
	assert_int_equal(encode_profile_update_parse(body, strlen(body), &u, &err), -1);
	assert_string_equal(err, "{\"detail\":[{\"type\":\"bool_parsing\",\"loc\":[\"body\","
	                         "\"email_notification\"],\"msg\":\"Input should be a valid "
	                         "boolean, unable to interpret input\",\"input\":\"maybe\"},{"
	                         "\"type\":\"string_type\",\"loc\":[\"body\",\"pool\"],\"msg\":"
	                         "\"Input should be a valid string\",\"input\":3}]}");
	free(err);
	assert_int_equal(encode_profile_update_parse("", 0, &u, &err), -1);
	assert_string_equal(err, "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\"],"
	                         "\"msg\":\"Field required\",\"input\":null}]}");
	free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_workflow_shape_matches_service),
		cmocka_unit_test(test_list_shape_matches_service),
		cmocka_unit_test(test_task_list_shape_matches_service),
		cmocka_unit_test(test_small_shapes),
		cmocka_unit_test(test_state_round_trip),
		cmocka_unit_test(test_state_truncated_and_corrupt),
		cmocka_unit_test(test_state_bad_values_name_the_key),
		cmocka_unit_test(test_state_version_and_shape),
		cmocka_unit_test(test_pool_quota),
		cmocka_unit_test(test_profiles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
