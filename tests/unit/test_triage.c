/* test_triage.c: the root cause of a failed workflow, chosen from the model alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "client/triage.h"

/* A diamond a -> b, a -> c, b -> d, c -> d; each test sets the statuses and times. */
struct tri {
	struct osmo_task tasks[4][3];
	struct osmo_group groups[4];
	size_t down[4][2];
	struct osmo_workflow wf;
};

static void
tri_init(struct tri *t)
{
	static const char *const names[] = { "a", "b", "c", "d" };

	memset(t, 0, sizeof(*t));
	for (int i = 0; i < 4; i++) {
		t->groups[i] = (struct osmo_group){ .name = (char *)names[i],
			                            .status = OSMO_COMPLETED,
			                            .tasks = t->tasks[i],
			                            .n_tasks = 1,
			                            .downstream = t->down[i] };
		t->tasks[i][0] = (struct osmo_task){ .name = (char *)names[i],
			                             .lead = true,
			                             .status = OSMO_COMPLETED };
	}
	t->down[0][0] = 1;
	t->down[0][1] = 2;
	t->groups[0].n_downstream = 2;
	t->down[1][0] = 3;
	t->groups[1].n_downstream = 1;
	t->down[2][0] = 3;
	t->groups[2].n_downstream = 1;
	t->wf = (struct osmo_workflow){ .groups = t->groups, .n_groups = 4, .status = OSMO_FAILED };
}

static void
tri_fail(struct tri *t, int g, enum osmo_status s, int64_t end_ms)
{
	t->groups[g].status = s;
	t->groups[g].end_ms = end_ms;
	t->tasks[g][0].status = s;
	t->tasks[g][0].end_ms = end_ms;
}

/* Two branches fail on their own: the one that failed first is the root, not the first
 * by name or position; the join below them was taken down. */
static void
test_diamond_first_failure_wins(void **state)
{
	struct tri t;
	struct triage_root r;

	(void)state;
	tri_init(&t);
	tri_fail(&t, 1, OSMO_FAILED, 2000);
	tri_fail(&t, 2, OSMO_FAILED, 1000);
	tri_fail(&t, 3, OSMO_FAILED_UPSTREAM, 2000);
	assert_true(triage_root(&t.wf, NULL, &r));
	assert_string_equal(r.group->name, "c");
	assert_string_equal(r.task->name, "c");
	assert_int_equal(r.taken_down, 1);
	/* Same time: the one further up wins, then the name. */
	tri_fail(&t, 1, OSMO_FAILED, 1000);
	assert_true(triage_root(&t.wf, NULL, &r));
	assert_string_equal(r.group->name, "b");
}

/* FAILED_UPSTREAM is never the root; no group failing on its own: no root. */
static void
test_upstream_is_never_root(void **state)
{
	struct tri t;
	struct triage_root r;

	(void)state;
	tri_init(&t);
	tri_fail(&t, 3, OSMO_FAILED_UPSTREAM, 10);
	assert_false(triage_root(&t.wf, NULL, &r));
	assert_null(r.group);
}

/* A cancel or timeout gives every group its status, the waiting ones first: those never ran,
 * so the root is the group that was running when it came. */
static void
test_waiting_groups_are_not_root(void **state)
{
	struct tri t;
	struct triage_root r;

	(void)state;
	tri_init(&t);
	tri_fail(&t, 0, OSMO_FAILED_CANCELED, 1500);
	tri_fail(&t, 1, OSMO_FAILED_CANCELED, 1000);
	tri_fail(&t, 2, OSMO_FAILED_CANCELED, 1000);
	tri_fail(&t, 3, OSMO_FAILED_CANCELED, 1000);
	assert_true(triage_root(&t.wf, NULL, &r));
	assert_string_equal(r.group->name, "a");
	/* a done, b timed out running while d waited for it (and c, done). */
	tri_init(&t);
	tri_fail(&t, 1, OSMO_FAILED_EXEC_TIMEOUT, 1500);
	tri_fail(&t, 3, OSMO_FAILED_EXEC_TIMEOUT, 1000);
	assert_true(triage_root(&t.wf, NULL, &r));
	assert_string_equal(r.group->name, "b");
}

/* The group's rule decides the task: the lead in a lenient group, the first failure in a
 * strict one; always the newest retry. */
static void
test_rule_and_retry_pick_the_task(void **state)
{
	struct tri t;
	struct triage_root r;
	struct strv strict = { 0 };

	(void)state;
	tri_init(&t);
	/* Group b: lead "b" (retries r1 newest, then r0) and worker "w" failing first. */
	t.tasks[1][0] = (struct osmo_task){
		.name = "b", .lead = true, .retry_id = 1, .status = OSMO_FAILED, .end_ms = 900
	};
	t.tasks[1][1] = (struct osmo_task){
		.name = "b", .lead = true, .retry_id = 0, .status = OSMO_FAILED, .end_ms = 400
	};
	t.tasks[1][2] = (struct osmo_task){ .name = "w", .status = OSMO_FAILED, .end_ms = 500 };
	t.groups[1].n_tasks = 3;
	t.groups[1].status = OSMO_FAILED;
	t.groups[1].end_ms = 900;
	assert_true(triage_root(&t.wf, NULL, &r));
	assert_false(r.strict);
	assert_string_equal(r.task->name, "b");
	assert_int_equal(r.task->retry_id, 1);
	strv_push(&strict, "b");
	assert_true(triage_root(&t.wf, &strict, &r));
	assert_true(r.strict);
	assert_string_equal(r.task->name, "w");
	strv_free(&strict);
}

/* A running group whose non-lead failed (the lead decides, and runs on): that task is what
 * failed so far, though no group failed yet. */
static void
test_running_group_with_a_failed_task(void **state)
{
	struct tri t;
	struct triage_root r;

	(void)state;
	tri_init(&t);
	t.wf.status = OSMO_RUNNING;
	t.groups[1].status = OSMO_RUNNING;
	t.tasks[1][0].status = OSMO_RUNNING;
	t.tasks[1][1] = (struct osmo_task){ .name = "w", .status = OSMO_FAILED, .end_ms = 500 };
	t.groups[1].n_tasks = 2;
	assert_true(triage_root(&t.wf, NULL, &r));
	assert_string_equal(r.group->name, "b");
	assert_string_equal(r.task->name, "w");
	/* Nothing failed anywhere: nothing to point at. */
	t.tasks[1][1].status = OSMO_RUNNING;
	assert_false(triage_root(&t.wf, NULL, &r));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diamond_first_failure_wins),
		cmocka_unit_test(test_upstream_is_never_root),
		cmocka_unit_test(test_waiting_groups_are_not_root),
		cmocka_unit_test(test_rule_and_retry_pick_the_task),
		cmocka_unit_test(test_running_group_with_a_failed_task),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
