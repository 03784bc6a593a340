/* test_filter.c: the workflow list's typed filter terms, presets and stable sorting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tui/filter.h"
#include "common/util.h"

/* Fails unless rows[0..n) carry the names of want (space-separated), in that order. */
static void
assert_order(const struct osmo_workflow_row *rows, size_t n, const char *want)
{
	struct strbuf got = { 0 };

	for (size_t i = 0; i < n; i++)
		strbuf_addf(&got, "%s%s", i ? " " : "", rows[i].name);
	assert_string_equal(got.buf, want);
	strbuf_free(&got);
}

static void
test_parse_terms(void **state)
{
	struct filter f = { 0 };
	char *err;

	(void)state;
	assert_int_equal(
	        filter_parse(&f, "  status:running,FAILED_CAN pool:gpu user:jdoe llm 7b", &err), 0);
	assert_null(err);
	assert_int_equal(f.statuses.n, 2);
	assert_string_equal(f.statuses.v[0], "RUNNING");
	assert_string_equal(f.statuses.v[1], "FAILED_CANCELED");
	assert_string_equal(f.pools.v[0], "gpu");
	assert_string_equal(f.users.v[0], "jdoe");
	assert_string_equal(f.name, "llm 7b");
	/* "failed" names the preset: every FAILED* a workflow can have, no task-only one. */
	assert_int_equal(filter_parse(&f, "status:failed", &err), 0);
	assert_true(strv_contains(&f.statuses, "FAILED_SUBMISSION"));
	assert_true(strv_contains(&f.statuses, "FAILED_PREEMPTED"));
	assert_false(strv_contains(&f.statuses, "FAILED_UPSTREAM"));
	assert_null(f.name);
	/* "waiting" is the preset: PENDING and WAITING. */
	assert_int_equal(filter_parse(&f, "status:waiting", &err), 0);
	assert_int_equal(f.statuses.n, 2);
	assert_true(strv_contains(&f.statuses, "PENDING"));
	filter_free(&f);
}

static void
test_parse_error_keeps_filter(void **state)
{
	struct filter f = { 0 };
	char *err;

	(void)state;
	assert_int_equal(filter_parse(&f, "pool:a x", &err), 0);
	assert_int_equal(filter_parse(&f, "status:bogus pool:b", &err), -1);
	assert_non_null(err);
	assert_non_null(strstr(err, "bogus"));
	free(err);
	assert_string_equal(f.pools.v[0], "a");
	assert_string_equal(f.name, "x");
	/* An empty prompt clears everything. */
	assert_int_equal(filter_parse(&f, "", &err), 0);
	assert_int_equal(f.pools.n, 0);
	assert_null(f.name);
	filter_free(&f);
}

static void
test_preset_and_query(void **state)
{
	struct filter f = { 0 };
	struct api_list_query q = { 0 };
	char *d;

	(void)state;
	filter_set_preset(&f, FILTER_FAILED);
	assert_true(strv_contains(&f.statuses, "FAILED"));
	assert_false(strv_contains(&f.statuses, "RUNNING"));
	strv_push(&f.pools, "p1");
	filter_query(&f, &q);
	assert_int_equal(q.statuses.n, f.statuses.n);
	assert_string_equal(q.pools.v[0], "p1");
	d = filter_describe(&f, false);
	assert_string_equal(d, "failed · pool:p1");
	free(d);
	filter_set_preset(&f, FILTER_ALL);
	assert_int_equal(f.statuses.n, 0);
	strv_free(&q.statuses);
	strv_free(&q.pools);
	/* A prefix naming many statuses is shown short, so the terms after it stay in view. */
	assert_int_equal(filter_parse(&f, "status:fail user:nobody", &d), 0);
	d = filter_describe(&f, false);
	assert_non_null(strstr(d, "status:FAILED+"));
	assert_non_null(strstr(d, "user:nobody"));
	assert_true(strlen(d) < 40);
	free(d);
	assert_int_equal(filter_parse(&f, "", &d), 0);
	/* Every status: named, since OSMO leaves FAILED_SUBMISSION out of a list without any. */
	filter_query(&f, &q);
	assert_true(strv_contains(&q.statuses, "FAILED_SUBMISSION"));
	assert_true(strv_contains(&q.statuses, "RUNNING"));
	assert_false(strv_contains(&q.statuses, "SCHEDULING")); /* a task status only */
	strv_free(&q.statuses);
	strv_free(&q.pools);
	filter_free(&f);
}

static void
test_sort_stable_and_reverse(void **state)
{
	struct osmo_workflow_row rows[4] = {
		{ .name = "b", .status = OSMO_RUNNING, .duration_s = -1, .start_ms = 1000 },
		{ .name = "a", .status = OSMO_FAILED, .duration_s = 50 },
		{ .name = "c", .status = OSMO_FAILED, .duration_s = 10 },
		{ .name = "d", .status = OSMO_COMPLETED, .duration_s = 50 },
	};
	struct osmo_workflow_list list = { .rows = rows, .n_rows = 4 };
	struct filter f = { 0 };
	char *d;

	(void)state;
	filter_set_sort(&f, FILTER_SORT_STATUS);
	filter_apply(&f, &list, 0);
	/* By severity: failed, then running, then completed; equal statuses keep the server's
	 * order: a before c. */
	assert_order(rows, 4, "a c b d");
	/* Duration starts longest first; a running row counts up to now (100 s). */
	filter_set_sort(&f, FILTER_SORT_DURATION);
	filter_apply(&f, &list, 101000);
	assert_order(rows, 4, "b a d c");
	d = filter_describe(&f, true);
	assert_string_equal(d, "by duration v");
	free(d);
	filter_set_sort(&f, FILTER_SORT_DURATION);
	assert_false(f.descending);
	filter_set_sort(&f, FILTER_SORT_NAME);
	filter_apply(&f, &list, 0);
	assert_order(rows, 4, "a b c d");
	filter_free(&f);
}

/* A running workflow with failed tasks sorts after the failed ones, before the running ones. */
static void
test_sort_running_with_failures(void **state)
{
	struct osmo_workflow_row rows[4] = {
		{ .name = "r", .status = OSMO_RUNNING },
		{ .name = "q", .status = OSMO_PENDING },
		{ .name = "rf", .status = OSMO_RUNNING, .failed_tasks = 2 },
		{ .name = "f", .status = OSMO_FAILED_EVICTED },
	};
	struct osmo_workflow_list list = { .rows = rows, .n_rows = 4 };
	struct filter f = { 0 };

	(void)state;
	filter_set_sort(&f, FILTER_SORT_STATUS);
	filter_apply(&f, &list, 0);
	assert_order(rows, 4, "f rf r q");
	/* Reversed, it stays between them. */
	filter_set_sort(&f, FILTER_SORT_STATUS);
	filter_apply(&f, &list, 0);
	assert_order(rows, 4, "q r rf f");
	filter_free(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_terms),
		cmocka_unit_test(test_sort_running_with_failures),
		cmocka_unit_test(test_parse_error_keeps_filter),
		cmocka_unit_test(test_preset_and_query),
		cmocka_unit_test(test_sort_stable_and_reverse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
