/* test_routes.c: the workflow list's selection (CONTRACT.md §3.1) and TemplateSpec bodies (§3.9). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "server/encode.h"
#include "common/osmo_time.h"
#include "common/status.h"
#include "server/routes.h"

#define RT_T0 ((int64_t)1787140800000) /* 2026-08-19T12:00:00 */

static char *rt_tags_a1[] = { "nightly" };
static char *rt_tags_c1[] = { "benchmark", "production" };

/* In submit order but for c-1, which the engine listed early: the selection sorts. */
static struct eng_workflow rt_wfs[] = {
	{ .id = "a-1",
	  .user = "jdoe@example.com",
	  .pool = "default",
	  .priority = "HIGH",
	  .status = OSMO_RUNNING,
	  .submit_ms = RT_T0,
	  .tags = { rt_tags_a1, 1 } },
	{ .id = "c-1",
	  .user = "jdoe@example.com",
	  .pool = "default",
	  .priority = "LOW",
	  .status = OSMO_FAILED,
	  .submit_ms = RT_T0 + 3000,
	  .tags = { rt_tags_c1, 2 } },
	{ .id = "b-1",
	  .user = "alice@example.com",
	  .pool = "default",
	  .status = OSMO_COMPLETED,
	  .submit_ms = RT_T0 + 1000 },
	{ .id = "a-2",
	  .user = "jdoe@example.com",
	  .pool = "other",
	  .priority = "NORMAL",
	  .status = OSMO_FAILED_SUBMISSION,
	  .submit_ms = RT_T0 + 2000 },
	{ .id = "a-3",
	  .user = "bob",
	  .pool = "default",
	  .priority = "NORMAL",
	  .status = OSMO_PENDING,
	  .submit_ms = RT_T0 + 4000 },
};

#define RT_N ARRAY_SIZE(rt_wfs)

/* Everything but FAILED_SUBMISSION, oldest first, on one page. */
static struct routes_list_query
rt_query(void)
{
	return (struct routes_list_query){ .limit = 1000 };
}

static void
rt_strv(struct strv *sv, const char *a, const char *b)
{
	strv_free(sv);
	strv_push(sv, a);
	if (b)
		strv_push(sv, b);
}

static void
rt_free(struct routes_list_query *q)
{
	strv_free(&q->users);
	strv_free(&q->pools);
	strv_free(&q->tags);
	strv_free(&q->priorities);
}

/* Selects from rt_wfs and compares the page's IDs, comma-separated, and more_entries. */
static void
rt_expect(const struct routes_list_query *q, const char *want, bool want_more)
{
	const struct eng_workflow *in[RT_N], *page[RT_N];
	struct strbuf sb = { 0 };
	bool more = !want_more;
	size_t n;

	for (size_t i = 0; i < RT_N; i++)
		in[i] = &rt_wfs[i];
	n = routes_list_select(in, RT_N, q, page, &more);
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&sb, "%s%s", i ? "," : "", page[i]->id);
	assert_string_equal(sb.len ? sb.buf : "", want);
	assert_int_equal(more, want_more);
	strbuf_free(&sb);
}

static void
test_users(void **state)
{
	struct routes_list_query q = rt_query();

	(void)state;
	rt_expect(&q, "a-1,b-1,c-1,a-3", false);
	rt_strv(&q.users, "jdoe@example.com", NULL);
	rt_expect(&q, "a-1,c-1", false);
	/* OSMO also knows users by the part of the name before '@'. */
	rt_strv(&q.users, "jdoe", NULL);
	rt_expect(&q, "a-1,c-1", false);
	rt_strv(&q.users, "jdo", NULL);
	rt_expect(&q, "", false);
	rt_strv(&q.users, "jdoe@other.com", NULL);
	rt_expect(&q, "", false);
	rt_strv(&q.users, "bob", "alice");
	rt_expect(&q, "b-1,a-3", false);
	rt_free(&q);
}

static void
test_pools(void **state)
{
	struct routes_list_query q = rt_query();

	(void)state;
	q.statuses = ROUTES_STATUS_BIT(OSMO_FAILED_SUBMISSION) | ROUTES_STATUS_BIT(OSMO_RUNNING);
	rt_strv(&q.pools, "other", NULL);
	rt_expect(&q, "a-2", false);
	rt_strv(&q.pools, "default", NULL);
	rt_expect(&q, "a-1", false);
	rt_strv(&q.pools, "default", "other");
	rt_expect(&q, "a-1,a-2", false);
	rt_strv(&q.pools, "nowhere", NULL);
	rt_expect(&q, "", false);
	rt_free(&q);
}

static void
test_statuses(void **state)
{
	struct routes_list_query q = rt_query();

	(void)state;
	/* Without statuses FAILED_SUBMISSION is hidden; asking for it shows it. */
	rt_expect(&q, "a-1,b-1,c-1,a-3", false);
	q.statuses = ROUTES_STATUS_BIT(OSMO_FAILED_SUBMISSION);
	rt_expect(&q, "a-2", false);
	q.statuses = ROUTES_STATUS_BIT(OSMO_RUNNING) | ROUTES_STATUS_BIT(OSMO_PENDING);
	rt_expect(&q, "a-1,a-3", false);
	q.statuses = ROUTES_STATUS_BIT(OSMO_FAILED) | ROUTES_STATUS_BIT(OSMO_FAILED_SUBMISSION) |
	             ROUTES_STATUS_BIT(OSMO_COMPLETED);
	rt_expect(&q, "b-1,a-2,c-1", false);
	q.statuses = ROUTES_STATUS_BIT(OSMO_WAITING);
	rt_expect(&q, "", false);
}

static void
test_name(void **state)
{
	struct routes_list_query q = rt_query();

	(void)state;
	q.name = "a-";
	rt_expect(&q, "a-1,a-3", false);
	q.name = "-1";
	rt_expect(&q, "a-1,b-1,c-1", false);
	q.name = "A-";
	rt_expect(&q, "", false);
}

static void
test_submit_window(void **state)
{
	struct routes_list_query q = rt_query();

	(void)state;
	q.has_after = true;
	q.submitted_after_ms = RT_T0 + 1000;
	rt_expect(&q, "b-1,c-1,a-3", false);
	q.has_before = true;
	q.submitted_before_ms = RT_T0 + 3000;
	rt_expect(&q, "b-1", false);
	q.has_after = false;
	rt_expect(&q, "a-1,b-1", false);
	q.submitted_before_ms = RT_T0 + 3001;
	rt_expect(&q, "a-1,b-1,c-1", false);
}

static void
test_tags_and_priority(void **state)
{
	struct routes_list_query q = rt_query();

	(void)state;
	rt_strv(&q.tags, "production", "nightly");
	rt_expect(&q, "a-1,c-1", false);
	rt_strv(&q.tags, "benchmark", NULL);
	rt_expect(&q, "c-1", false);
	rt_strv(&q.tags, "debug", NULL);
	rt_expect(&q, "", false);
	strv_free(&q.tags);
	/* A workflow without a priority is NORMAL. */
	rt_strv(&q.priorities, "NORMAL", NULL);
	rt_expect(&q, "b-1,a-3", false);
	rt_strv(&q.priorities, "HIGH", "LOW");
	rt_expect(&q, "a-1,c-1", false);
	rt_free(&q);
}

static void
test_order_and_pages(void **state)
{
	struct routes_list_query q = rt_query();

	(void)state;
	q.descending = true;
	rt_expect(&q, "a-3,c-1,b-1,a-1", false);
	/* Pages are cut newest first, as OSMO's query does, then shown in the order asked for. */
	q.limit = 2;
	rt_expect(&q, "a-3,c-1", true);
	q.descending = false;
	rt_expect(&q, "c-1,a-3", true);
	q.offset = 2;
	rt_expect(&q, "a-1,b-1", false);
	q.offset = 1;
	rt_expect(&q, "b-1,c-1", true);
	q.offset = 3;
	rt_expect(&q, "a-1", false);
	q.offset = 4;
	rt_expect(&q, "", false);
	q.offset = 10;
	rt_expect(&q, "", false);
	q.offset = 0;
	q.limit = 0;
	rt_expect(&q, "", true);
	q.limit = 4;
	rt_expect(&q, "a-1,b-1,c-1,a-3", false);
}

static void
test_equal_times_keep_engine_order(void **state)
{
	struct eng_workflow wfs[3] = {
		{ .id = "x-1", .user = "u", .pool = "p", .submit_ms = RT_T0 },
		{ .id = "x-2", .user = "u", .pool = "p", .submit_ms = RT_T0 },
		{ .id = "x-0", .user = "u", .pool = "p", .submit_ms = RT_T0 - 1 },
	};
	const struct eng_workflow *in[3] = { &wfs[0], &wfs[1], &wfs[2] }, *page[3];
	struct routes_list_query q = rt_query();
	bool more = true;

	(void)state;
	assert_int_equal(routes_list_select(in, 3, &q, page, &more), 3);
	assert_false(more);
	assert_string_equal(page[0]->id, "x-0");
	assert_string_equal(page[1]->id, "x-1");
	assert_string_equal(page[2]->id, "x-2");
	assert_int_equal(routes_list_select(in, 0, &q, page, &more), 0);
	assert_false(more);
}

static void
test_template_spec_body(void **state)
{
	static const char body[] =
	        "{\"file\":\"version: 2\\n\",\"set_variables\":[\"a=1\",\"b=2\"],"
	        "\"uploaded_templated_spec\":null}";
	struct encode_template_spec ts;
	char *err = NULL;

	(void)state;
	assert_int_equal(encode_template_spec_parse(body, strlen(body), &ts, &err), 0);
	assert_string_equal(ts.file, "version: 2\n");
	assert_int_equal(ts.set_variables.n, 2);
	assert_string_equal(ts.set_variables.v[1], "b=2");
	assert_int_equal(ts.set_string_variables.n, 0);
	assert_null(ts.uploaded_templated_spec);
	encode_template_spec_free(&ts);

	/* JSON null is "no spec", which the route answers with its USAGE error. */
	assert_int_equal(encode_template_spec_parse(" null\n", 6, &ts, &err), 0);
	assert_null(ts.file);
	encode_template_spec_free(&ts);
}

/* Each bad body gives FastAPI's 422, whose JSON holds every listed piece. */
static void
test_template_spec_errors(void **state)
{
	static const struct {
		const char *body;
		const char *want[3];
	} cases[] = {
		{ "{\"set_variables\":[]}",
		  { "\"type\":\"missing\",\"loc\":[\"body\",\"file\"],\"msg\":\"Field "
		    "required\"" } },
		{ "{\"file\":\"x\",\"localpath\":\"y\"}",
		  { "\"type\":\"extra_forbidden\",\"loc\":[\"body\",\"localpath\"]",
		    "\"msg\":\"Extra inputs are not permitted\",\"input\":\"y\"" } },
		{ "{\"file\":1,\"set_variables\":\"a=1\",\"set_string_variables\":[\"k=v\",2]}",
		  { "\"type\":\"string_type\",\"loc\":[\"body\",\"file\"]",
		    "\"type\":\"list_type\",\"loc\":[\"body\",\"set_variables\"]",
		    "\"loc\":[\"body\",\"set_string_variables\",1]" } },
		{ "{\"file\":",
		  { "\"type\":\"json_invalid\",\"loc\":[\"body\",", "\"msg\":\"JSON decode error\"",
		    "\"input\":{},\"ctx\":{\"error\":" } },
		{ "{\"file\":\"x\"} {}", { "\"json_invalid\"", "\"Extra data\"" } },
		{ "[\"file\"]", { "\"type\":\"model_attributes_type\",\"loc\":[\"body\"]" } },
		{ "{\"file\":null}", { "\"type\":\"string_type\"" } },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct encode_template_spec ts;
		char *err = NULL;

		assert_int_equal(
		        encode_template_spec_parse(cases[i].body, strlen(cases[i].body), &ts, &err),
		        -1);
		assert_non_null(err);
		assert_true(str_starts_with(err, "{\"detail\":[{"));
		for (size_t k = 0; k < ARRAY_SIZE(cases[i].want) && cases[i].want[k]; k++)
			if (!strstr(err, cases[i].want[k]))
				fail_msg("%s: %s lacks %s", cases[i].body, err, cases[i].want[k]);
		assert_null(ts.file);
		free(err);
	}
}

/* Tasks for GET /api/task: wf "t-1" (jdoe, default) and "t-2" (bob, other), retries as rows. */
static struct eng_task rt_tasks1[] = {
	{ .name = "a",
	  .status = OSMO_RESCHEDULED,
	  .start_ms = RT_T0 + 10000,
	  .end_ms = RT_T0 + 11000 },
	{ .name = "a",
	  .retry_id = 1,
	  .status = OSMO_FAILED,
	  .start_ms = RT_T0 + 12000,
	  .end_ms = RT_T0 + 13000 },
	{ .name = "b", .status = OSMO_RUNNING, .start_ms = RT_T0 + 10000 },
	{ .name = "c", .status = OSMO_FAILED_UPSTREAM },
	{ .name = "d", .status = OSMO_SCHEDULING },
};
static struct eng_task rt_tasks2[] = {
	{ .name = "x", .status = OSMO_FAILED_IMAGE_PULL },
	{ .name = "y",
	  .status = OSMO_COMPLETED,
	  .start_ms = RT_T0 + 20000,
	  .end_ms = RT_T0 + 21000 },
};
static struct eng_group rt_groups1[] = { { .name = "g", .tasks = rt_tasks1, .n_tasks = 5 } };
static struct eng_group rt_groups2[] = { { .name = "h", .tasks = rt_tasks2, .n_tasks = 2 } };
static struct eng_workflow rt_task_wfs[] = {
	{ .id = "t-1",
	  .user = "jdoe@example.com",
	  .pool = "default",
	  .status = OSMO_RUNNING,
	  .submit_ms = RT_T0,
	  .groups = rt_groups1,
	  .n_groups = 1 },
	{ .id = "t-2",
	  .user = "bob",
	  .pool = "other",
	  .status = OSMO_RUNNING,
	  .submit_ms = RT_T0 + 5000,
	  .groups = rt_groups2,
	  .n_groups = 1 },
};

/* Selects from rt_task_wfs and compares "workflow/task/retry" rows, comma-separated. */
static void
rt_task_expect(const struct routes_task_query *q, const char *want)
{
	const struct eng_workflow *in[] = { &rt_task_wfs[0], &rt_task_wfs[1] };
	struct encode_task_row *rows;
	struct strbuf sb = { 0 };
	size_t n = routes_task_select(in, 2, q, &rows);

	for (size_t i = 0; i < n; i++)
		strbuf_addf(&sb, "%s%s/%s/%d", i ? "," : "", rows[i].wf->id, rows[i].t->name,
		            rows[i].t->retry_id);
	assert_string_equal(sb.len ? sb.buf : "", want);
	strbuf_free(&sb);
	free(rows);
}

/* helpers.get_tasks: filters, then SCHEDULING/INITIALIZING/RUNNING, start desc (nulls first). */
static void
test_task_select(void **state)
{
	struct routes_task_query q = { .limit = 1000, .descending = true };
	uint32_t failed = 0;

	(void)state;
	rt_task_expect(&q, "t-1/d/0,t-1/b/0,t-2/x/0,t-1/c/0,t-2/y/0,t-1/a/1,t-1/a/0");
	/* ASC, the default, puts the latest at the bottom. */
	q.descending = false;
	rt_task_expect(&q, "t-1/a/0,t-1/a/1,t-2/y/0,t-1/c/0,t-2/x/0,t-1/b/0,t-1/d/0");
	q.descending = true;
	for (int s = 0; s < OSMO_STATUS_COUNT; s++)
		if (osmo_status_in_task_enum((enum osmo_status)s) &&
		    osmo_status_phase((enum osmo_status)s) == PHASE_FAILED)
			failed |= ROUTES_STATUS_BIT(s);
	q.statuses = failed;
	/* A retried task's earlier retry is RESCHEDULED, so each failed task is one row. */
	rt_task_expect(&q, "t-2/x/0,t-1/c/0,t-1/a/1");
	rt_strv(&q.users, "jdoe", NULL);
	rt_task_expect(&q, "t-1/c/0,t-1/a/1");
	strv_free(&q.users);
	rt_strv(&q.pools, "other", NULL);
	rt_task_expect(&q, "t-2/x/0");
	strv_free(&q.pools);
	q.workflow_id = "-1";
	rt_task_expect(&q, "t-1/c/0,t-1/a/1");
	q.workflow_id = NULL;
	/* started_after keeps tasks not started yet; started_before drops them. */
	q.has_after = true;
	q.started_after_ms = RT_T0 + 12500;
	rt_task_expect(&q, "t-2/x/0,t-1/c/0");
	q.has_after = false;
	q.has_before = true;
	q.started_before_ms = RT_T0 + 12500;
	rt_task_expect(&q, "t-1/a/1");
	q.has_before = false;
	q.offset = 1;
	q.limit = 1;
	rt_task_expect(&q, "t-1/c/0");
	q.offset = 5;
	rt_task_expect(&q, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_users),
		cmocka_unit_test(test_pools),
		cmocka_unit_test(test_statuses),
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_submit_window),
		cmocka_unit_test(test_tags_and_priority),
		cmocka_unit_test(test_order_and_pages),
		cmocka_unit_test(test_equal_times_keep_engine_order),
		cmocka_unit_test(test_template_spec_body),
		cmocka_unit_test(test_task_select),
		cmocka_unit_test(test_template_spec_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
