/* test_tally.c: each listed workflow's counts, and how often they are asked for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client/decode.h"
#include "golden.h"
#include "tui/tally.h"

static void
tally_fixture(const char *name, struct osmo_workflow *wf)
{
	struct api_error err = { 0 };
	char *path = xasprintf("%s/%s", golden_fixtures_dir(), name);
	size_t len;
	char *body = util_read_file(path, &len);

	assert_non_null(body);
	assert_int_equal(decode_workflow(body, len, wf, &err), 0);
	free(body);
	free(path);
}

/* A small finished or running workflow of one group whose tasks have the statuses given. */
static void
tally_made(struct osmo_workflow *wf, const char *name, enum osmo_status st, size_t n_tasks)
{
	memset(wf, 0, sizeof(*wf));
	wf->name = xstrdup(name);
	wf->status = st;
	wf->n_groups = 1;
	wf->groups = xcalloc(1, sizeof(*wf->groups));
	wf->groups[0].name = xstrdup("g");
	wf->groups[0].status = st;
	wf->groups[0].n_tasks = n_tasks;
	wf->groups[0].tasks = xcalloc(n_tasks, sizeof(struct osmo_task));
	for (size_t i = 0; i < n_tasks; i++) {
		wf->groups[0].tasks[i].name = xasprintf("t%zu", i);
		wf->groups[0].tasks[i].status = st;
	}
}

/* A retried task counts once, by its newest retry: the verbose answer lists every retry. */
static void
test_counts_the_newest_retry(void **state)
{
	struct osmo_workflow wf;
	struct osmo_tally t;

	(void)state;
	tally_fixture("workflow_query_running_verbose.json", &wf);
	osmo_workflow_tally(&wf, &t);
	assert_int_equal(t.tasks, 6); /* worker-2's RESCHEDULED retry 0 is not a task */
	assert_int_equal(t.tasks_done, 1);
	assert_int_equal(t.groups, 3);
	assert_int_equal(t.groups_done, 1);
	assert_int_equal(t.groups_failed, 0);
	osmo_workflow_free(&wf);
	tally_fixture("workflow_query_failed_evicted.json", &wf);
	osmo_workflow_tally(&wf, &t);
	assert_int_equal(t.tasks_done, t.tasks);
	assert_true(t.groups_failed >= 1);
	osmo_workflow_free(&wf);
}

/* A workflow whose answer is slow is asked far less often than one whose answer is quick. */
static void
test_paced_by_what_an_answer_costs(void **state)
{
	struct tally t = { 0 };
	struct osmo_workflow big, small;
	struct osmo_workflow_row rb = { .name = "big-1", .status = OSMO_RUNNING };
	struct osmo_workflow_row rs = { .name = "small-1", .status = OSMO_RUNNING };

	(void)state;
	tally_made(&big, "big-1", OSMO_RUNNING, 3);
	tally_made(&small, "small-1", OSMO_RUNNING, 3);
	assert_true(tally_wanted(&t, &rb, 0));
	tally_note(&t, &big, 1, 1000, 140, 10000);
	tally_note(&t, &small, 1, 1000, 4, 10000);
	/* 4 ms * TALLY_DUTY is under the list's pace: with the list. */
	assert_false(tally_wanted(&t, &rs, 1000 + 9999));
	assert_true(tally_wanted(&t, &rs, 1000 + 10000));
	/* 140 ms: every 70 s. */
	assert_false(tally_wanted(&t, &rb, 1000 + 69999));
	assert_true(tally_wanted(&t, &rb, 1000 + 140 * TALLY_DUTY));
	assert_int_equal(tally_find(&t, "big-1")->t.tasks, 3);
	assert_null(tally_find(&t, "other"));
	osmo_workflow_free(&big);
	osmo_workflow_free(&small);
	tally_free(&t);
}

/* A finished workflow's counts are final; a row whose status moved is asked again soon. */
static void
test_finished_is_final_and_a_move_is_asked(void **state)
{
	struct tally t = { 0 };
	struct osmo_workflow done, running;
	struct osmo_workflow_row rd = { .name = "done-1", .status = OSMO_COMPLETED };
	struct osmo_workflow_row rr = { .name = "run-1", .status = OSMO_COMPLETED };

	(void)state;
	tally_made(&done, "done-1", OSMO_COMPLETED, 2);
	tally_made(&running, "run-1", OSMO_RUNNING, 2);
	tally_note(&t, &done, 1, 0, 1, 10000);
	tally_note(&t, &running, 1, 0, 140, 10000);
	assert_false(tally_wanted(&t, &rd, INT64_MAX - 1));
	/* The list says it completed: asked after TALLY_RECHECK_MS, not after its 70 s. */
	assert_false(tally_wanted(&t, &rr, TALLY_RECHECK_MS - 1));
	assert_true(tally_wanted(&t, &rr, TALLY_RECHECK_MS));
	osmo_workflow_free(&done);
	osmo_workflow_free(&running);
	tally_free(&t);
}

/* An answer without groups (skip_groups) counts nothing, and the table stays bounded. */
static void
test_bounded_and_skips_empty_answers(void **state)
{
	struct tally t = { 0 };
	struct osmo_workflow wf;

	(void)state;
	tally_made(&wf, "wf-0", OSMO_RUNNING, 1);
	wf.n_groups = 0;
	tally_note(&t, &wf, 1, 0, 1, 10000);
	assert_int_equal(t.n, 0);
	wf.n_groups = 1;
	for (int i = 0; i <= TALLY_MAX; i++) {
		free(wf.name);
		wf.name = xasprintf("wf-%d", i);
		tally_note(&t, &wf, 1, i, 1, 10000);
	}
	assert_int_equal(t.n, TALLY_MAX);
	assert_null(tally_find(&t, "wf-0")); /* the least recently counted went */
	assert_non_null(tally_find(&t, "wf-256"));
	osmo_workflow_free(&wf);
	tally_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_the_newest_retry),
		cmocka_unit_test(test_paced_by_what_an_answer_costs),
		cmocka_unit_test(test_finished_is_final_and_a_move_is_asked),
		cmocka_unit_test(test_bounded_and_skips_empty_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
