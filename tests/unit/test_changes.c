/* test_changes.c: what changed between two snapshots, and which changes are worth telling. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "client/changes.h"

/* A workflow of one group "train" with tasks lead (retry r0) and, when r1 >= 0, its retry. */
struct snap {
	struct osmo_task tasks[2];
	struct osmo_group group;
	struct osmo_workflow wf;
};

static void
snap_make(struct snap *s, enum osmo_status wf, enum osmo_status group, enum osmo_status t0, int r1,
          enum osmo_status t1)
{
	memset(s, 0, sizeof(*s));
	s->tasks[0] = (struct osmo_task){ .name = "lead", .retry_id = 0, .status = t0 };
	s->tasks[1] = (struct osmo_task){ .name = "lead", .retry_id = r1, .status = t1 };
	s->group = (struct osmo_group){
		.name = "train", .status = group, .tasks = s->tasks, .n_tasks = r1 >= 0 ? 2 : 1
	};
	s->wf = (struct osmo_workflow){
		.name = "wf-1", .status = wf, .groups = &s->group, .n_groups = 1
	};
}

static void
test_first_snapshot_is_all_new(void **state)
{
	struct snap now;
	struct changes c = { 0 };

	(void)state;
	snap_make(&now, OSMO_RUNNING, OSMO_RUNNING, OSMO_RUNNING, -1, OSMO_UNKNOWN);
	changes_diff(NULL, &now.wf, &c);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.v[0].kind, CHANGES_WORKFLOW);
	assert_int_equal(c.v[1].kind, CHANGES_GROUP);
	assert_int_equal(c.v[2].kind, CHANGES_TASK);
	for (size_t i = 0; i < c.n; i++) {
		assert_false(c.v[i].seen);
		assert_int_equal(changes_worth(&c.v[i]), CHANGES_QUIET);
	}
	changes_clear(&c);
}

static void
test_changes_and_their_worth(void **state)
{
	struct snap was, now;
	struct changes c = { 0 };

	(void)state;
	snap_make(&was, OSMO_PENDING, OSMO_SCHEDULING, OSMO_SCHEDULING, -1, OSMO_UNKNOWN);
	snap_make(&now, OSMO_RUNNING, OSMO_RUNNING, OSMO_RUNNING, -1, OSMO_UNKNOWN);
	changes_diff(&was.wf, &now.wf, &c);
	assert_int_equal(c.n, 3);
	assert_int_equal(changes_worth(&c.v[0]), CHANGES_STARTED);
	assert_int_equal(changes_worth(&c.v[1]), CHANGES_QUIET);
	assert_int_equal(changes_worth(&c.v[2]), CHANGES_QUIET);
	changes_clear(&c);
	/* Nothing changed: nothing said. */
	changes_diff(&now.wf, &now.wf, &c);
	assert_int_equal(c.n, 0);
	/* The lead is rescheduled and its retry 1 starts: both are retries worth telling. */
	snap_make(&was, OSMO_RUNNING, OSMO_RUNNING, OSMO_RESCHEDULED, 1, OSMO_SCHEDULING);
	changes_diff(&now.wf, &was.wf, &c);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.v[0].retry, 0);
	assert_int_equal(changes_worth(&c.v[0]), CHANGES_RETRY);
	assert_int_equal(c.v[1].retry, 1);
	assert_false(c.v[1].seen);
	assert_int_equal(changes_worth(&c.v[1]), CHANGES_RETRY);
	changes_clear(&c);
}

static void
test_failures_and_completion(void **state)
{
	struct snap was, now;
	struct changes c = { 0 };

	(void)state;
	snap_make(&was, OSMO_RUNNING, OSMO_WAITING, OSMO_WAITING, -1, OSMO_UNKNOWN);
	snap_make(&now, OSMO_FAILED, OSMO_FAILED_UPSTREAM, OSMO_FAILED_UPSTREAM, -1, OSMO_UNKNOWN);
	now.tasks[0].has_exit_code = true;
	now.tasks[0].exit_code = 3000;
	changes_diff(&was.wf, &now.wf, &c);
	assert_int_equal(c.n, 3);
	assert_int_equal(changes_worth(&c.v[0]), CHANGES_FAILED);
	/* Only the failure that started it is news; the ones that followed are told by it. */
	assert_int_equal(changes_worth(&c.v[1]), CHANGES_QUIET);
	assert_int_equal(changes_worth(&c.v[2]), CHANGES_QUIET);
	assert_true(c.v[2].has_exit_code);
	assert_string_equal(c.v[2].group, "train");
	assert_string_equal(c.v[2].task, "lead");
	changes_clear(&c);
	/* A cancel: the workflow's event tells it; its group's and task's say nothing more. */
	snap_make(&now, OSMO_FAILED_CANCELED, OSMO_FAILED_CANCELED, OSMO_FAILED_CANCELED, -1,
	          OSMO_UNKNOWN);
	changes_diff(&was.wf, &now.wf, &c);
	assert_int_equal(changes_worth(&c.v[0]), CHANGES_FAILED);
	assert_int_equal(changes_worth(&c.v[1]), CHANGES_QUIET);
	assert_int_equal(changes_worth(&c.v[2]), CHANGES_QUIET);
	changes_clear(&c);
	snap_make(&now, OSMO_COMPLETED, OSMO_COMPLETED, OSMO_COMPLETED, -1, OSMO_UNKNOWN);
	changes_diff(&was.wf, &now.wf, &c);
	assert_int_equal(changes_worth(&c.v[0]), CHANGES_COMPLETED);
	assert_string_equal(changes_kind_name(c.v[0].kind), "workflow");
	changes_clear(&c);
}

/* Tasks are matched by name and retry wherever they sit: a retry row that came in before the
 * rest moves every row after it, and only what changed is told. */
static void
test_rows_matched_when_they_move(void **state)
{
	struct osmo_task was_t[] = { { .name = "a", .status = OSMO_RUNNING },
		                     { .name = "b", .status = OSMO_RUNNING },
		                     { .name = "c", .status = OSMO_RUNNING } };
	struct osmo_task now_t[] = { { .name = "a", .retry_id = 1, .status = OSMO_RUNNING },
		                     { .name = "a", .status = OSMO_FAILED },
		                     { .name = "b", .status = OSMO_RUNNING },
		                     { .name = "c", .status = OSMO_COMPLETED } };
	struct osmo_group was_g = {
		.name = "g", .status = OSMO_RUNNING, .tasks = was_t, .n_tasks = 3
	};
	struct osmo_group now_g = {
		.name = "g", .status = OSMO_RUNNING, .tasks = now_t, .n_tasks = 4
	};
	struct osmo_workflow was = {
		.name = "wf-1", .status = OSMO_RUNNING, .groups = &was_g, .n_groups = 1
	};
	struct osmo_workflow now = {
		.name = "wf-1", .status = OSMO_RUNNING, .groups = &now_g, .n_groups = 1
	};
	struct changes c = { 0 };

	(void)state;
	changes_diff(&was, &now, &c);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.v[0].retry, 1);
	assert_false(c.v[0].seen);
	assert_int_equal(changes_worth(&c.v[0]), CHANGES_RETRY);
	assert_string_equal(c.v[1].task, "a");
	assert_int_equal(c.v[1].from, OSMO_RUNNING);
	assert_int_equal(c.v[1].to, OSMO_FAILED);
	assert_string_equal(c.v[2].task, "c");
	assert_int_equal(c.v[2].to, OSMO_COMPLETED);
	changes_clear(&c);
	/* And backwards: rows looked for before where the last one was found. */
	changes_diff(&now, &was, &c);
	assert_int_equal(c.n, 2);
	changes_clear(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_snapshot_is_all_new),
		cmocka_unit_test(test_changes_and_their_worth),
		cmocka_unit_test(test_failures_and_completion),
		cmocka_unit_test(test_rows_matched_when_they_move),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
