/* test_status.c: status wire names, enum membership and predicates against CONTRACT.md §5. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "common/status.h"
#include "common/util.h"

/* CONTRACT.md §5.1, exact spelling and order. */
static const char *const workflow_statuses[] = {
	"PENDING",
	"RUNNING",
	"WAITING",
	"COMPLETED",
	"FAILED",
	"FAILED_SUBMISSION",
	"FAILED_SERVER_ERROR",
	"FAILED_EXEC_TIMEOUT",
	"FAILED_QUEUE_TIMEOUT",
	"FAILED_CANCELED",
	"FAILED_BACKEND_ERROR",
	"FAILED_IMAGE_PULL",
	"FAILED_EVICTED",
	"FAILED_START_ERROR",
	"FAILED_START_TIMEOUT",
	"FAILED_PREEMPTED",
};

/* CONTRACT.md §5.2, exact spelling and order. */
static const char *const task_statuses[] = {
	"SUBMITTING",
	"WAITING",
	"PROCESSING",
	"SCHEDULING",
	"INITIALIZING",
	"RUNNING",
	"COMPLETED",
	"RESCHEDULED",
	"FAILED",
	"FAILED_CANCELED",
	"FAILED_SERVER_ERROR",
	"FAILED_BACKEND_ERROR",
	"FAILED_EXEC_TIMEOUT",
	"FAILED_QUEUE_TIMEOUT",
	"FAILED_IMAGE_PULL",
	"FAILED_UPSTREAM",
	"FAILED_EVICTED",
	"FAILED_START_ERROR",
	"FAILED_START_TIMEOUT",
	"FAILED_PREEMPTED",
};

/* §5.1 alive (PENDING, RUNNING, WAITING) and §5.2 alive (SUBMITTING..RUNNING, RESCHEDULED). */
static const char *const alive_statuses[] = {
	"PENDING",    "RUNNING",    "WAITING",      "SUBMITTING",
	"PROCESSING", "SCHEDULING", "INITIALIZING", "RESCHEDULED",
};

static const char *const canceled_statuses[] = {
	"FAILED_CANCELED",
	"FAILED_EXEC_TIMEOUT",
	"FAILED_QUEUE_TIMEOUT",
};

/* §5.3 */
static const char *const error_log_statuses[] = {
	"RESCHEDULED", "FAILED", "FAILED_BACKEND_ERROR", "FAILED_START_TIMEOUT", "FAILED_PREEMPTED",
};

static bool
in_list(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

#define IN(list, s) in_list(list, ARRAY_SIZE(list), s)

static void
test_wire_round_trip(void **state)
{
	(void)state;
	for (int i = 0; i < OSMO_STATUS_COUNT; i++) {
		const char *w = osmo_status_wire((enum osmo_status)i);

		assert_non_null(w);
		assert_true(w[0] != '\0');
		assert_int_equal(osmo_status_from_wire(w), i);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(w, osmo_status_wire((enum osmo_status)j));
	}
	assert_string_equal(osmo_status_wire(OSMO_UNKNOWN), "UNKNOWN");
	assert_string_equal(osmo_status_wire(OSMO_FAILED_EVICTED), "FAILED_EVICTED");
	assert_string_equal(osmo_status_wire(OSMO_STATUS_COUNT), "UNKNOWN");
	assert_string_equal(osmo_status_wire((enum osmo_status) - 1), "UNKNOWN");
	assert_string_equal(osmo_status_wire((enum osmo_status)1000), "UNKNOWN");
}

static void
test_unknown_strings(void **state)
{
	static const char *const bad[] = {
		"",     "running", "Running",        "RUNNING ", " RUNNING",  "FAILED_",
		"FAIL", "DONE",    "FAILED_UNKNOWN", "RUNNINGX", "PENDING\n", "unknown",
	};

	(void)state;
	assert_int_equal(osmo_status_from_wire(NULL), OSMO_UNKNOWN);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(osmo_status_from_wire(bad[i]), OSMO_UNKNOWN);
	assert_int_equal(osmo_status_from_wire("UNKNOWN"), OSMO_UNKNOWN);
}

static void
test_contract_names_known(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(workflow_statuses); i++) {
		enum osmo_status s = osmo_status_from_wire(workflow_statuses[i]);

		assert_int_not_equal(s, OSMO_UNKNOWN);
		assert_string_equal(osmo_status_wire(s), workflow_statuses[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(task_statuses); i++) {
		enum osmo_status s = osmo_status_from_wire(task_statuses[i]);

		assert_int_not_equal(s, OSMO_UNKNOWN);
		assert_string_equal(osmo_status_wire(s), task_statuses[i]);
	}
}

static void
test_workflow_enum_membership(void **state)
{
	size_t n = 0;

	(void)state;
	assert_int_equal(ARRAY_SIZE(workflow_statuses), 16);
	for (int i = 0; i < OSMO_STATUS_COUNT; i++) {
		enum osmo_status s = (enum osmo_status)i;
		bool want = IN(workflow_statuses, osmo_status_wire(s));

		if (osmo_status_in_workflow_enum(s) != want)
			fail_msg("%s: in_workflow_enum is %d, §5.1 says %d", osmo_status_wire(s),
			         osmo_status_in_workflow_enum(s), want);
		n += want;
	}
	assert_int_equal(n, 16);
	assert_false(osmo_status_in_workflow_enum(OSMO_STATUS_COUNT));
}

static void
test_task_enum_membership(void **state)
{
	size_t n = 0;

	(void)state;
	assert_int_equal(ARRAY_SIZE(task_statuses), 20);
	for (int i = 0; i < OSMO_STATUS_COUNT; i++) {
		enum osmo_status s = (enum osmo_status)i;
		bool want = IN(task_statuses, osmo_status_wire(s));

		if (osmo_status_in_task_enum(s) != want)
			fail_msg("%s: in_task_enum is %d, §5.2 says %d", osmo_status_wire(s),
			         osmo_status_in_task_enum(s), want);
		n += want;
	}
	assert_int_equal(n, 20);
	assert_false(osmo_status_in_task_enum(OSMO_STATUS_COUNT));
}

static void
test_every_status_in_some_enum(void **state)
{
	size_t n_union = ARRAY_SIZE(workflow_statuses);

	(void)state;
	/* Besides UNKNOWN, the union of §5.1 and §5.2 (22 names) is exactly the enum. */
	for (size_t i = 0; i < ARRAY_SIZE(task_statuses); i++)
		n_union += !IN(workflow_statuses, task_statuses[i]);
	assert_int_equal(n_union, 22);
	assert_int_equal(OSMO_STATUS_COUNT, 1 + n_union);
	for (int i = 1; i < OSMO_STATUS_COUNT; i++)
		assert_true(osmo_status_in_workflow_enum((enum osmo_status)i) ||
		            osmo_status_in_task_enum((enum osmo_status)i));
	assert_false(osmo_status_in_workflow_enum(OSMO_UNKNOWN));
	assert_false(osmo_status_in_task_enum(OSMO_UNKNOWN));
}

static void
test_predicates_table(void **state)
{
	(void)state;
	for (int i = 0; i < OSMO_STATUS_COUNT; i++) {
		enum osmo_status s = (enum osmo_status)i;
		const char *w = osmo_status_wire(s);
		bool alive = IN(alive_statuses, w);
		bool failed = strncmp(w, "FAILED", 6) == 0;
		bool canceled = IN(canceled_statuses, w);
		bool errlogs = IN(error_log_statuses, w);

		if (osmo_status_is_alive(s) != alive)
			fail_msg("%s: alive %d, want %d", w, osmo_status_is_alive(s), alive);
		if (osmo_status_is_failed(s) != failed)
			fail_msg("%s: failed %d, want %d", w, osmo_status_is_failed(s), failed);
		if (osmo_status_is_canceled(s) != canceled)
			fail_msg("%s: canceled %d, want %d", w, osmo_status_is_canceled(s),
			         canceled);
		if (osmo_status_has_error_logs(s) != errlogs)
			fail_msg("%s: has_error_logs %d, want %d", w, osmo_status_has_error_logs(s),
			         errlogs);
		/* Every canceled status is a failed one. */
		if (canceled)
			assert_true(failed);
	}
}

static void
test_finished(void **state)
{
	(void)state;
	/* §5.2: task finished = COMPLETED, RESCHEDULED or any FAILED*; §5.1: not alive. */
	for (int i = 1; i < OSMO_STATUS_COUNT; i++) {
		enum osmo_status s = (enum osmo_status)i;
		const char *w = osmo_status_wire(s);
		bool want = strcmp(w, "COMPLETED") == 0 || strcmp(w, "RESCHEDULED") == 0 ||
		            strncmp(w, "FAILED", 6) == 0;

		if (osmo_status_is_finished(s) != want)
			fail_msg("%s: finished %d, want %d", w, osmo_status_is_finished(s), want);
		/* RESCHEDULED is the only status that is both alive and finished. */
		if (s != OSMO_RESCHEDULED)
			assert_true(osmo_status_is_alive(s) != osmo_status_is_finished(s));
	}
	assert_true(osmo_status_is_alive(OSMO_RESCHEDULED));
	assert_true(osmo_status_is_finished(OSMO_RESCHEDULED));
	assert_false(osmo_status_is_finished(OSMO_UNKNOWN));
}

static void
test_unknown_and_out_of_range(void **state)
{
	static const enum osmo_status odd[] = {
		OSMO_UNKNOWN,
		OSMO_STATUS_COUNT,
		(enum osmo_status) - 1,
		(enum osmo_status)12345,
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(odd); i++) {
		enum osmo_status s = odd[i];

		assert_false(osmo_status_is_alive(s));
		assert_false(osmo_status_is_finished(s));
		assert_false(osmo_status_is_failed(s));
		assert_false(osmo_status_is_canceled(s));
		assert_false(osmo_status_is_infra(s));
		assert_false(osmo_status_has_error_logs(s));
		assert_int_equal(osmo_status_phase(s), PHASE_UNKNOWN);
		assert_int_equal(osmo_status_cause(s), CAUSE_NONE);
	}
}

static void
test_phase_and_cause_samples(void **state)
{
	(void)state;
	assert_int_equal(osmo_status_phase(OSMO_RUNNING), PHASE_RUNNING);
	assert_int_equal(osmo_status_phase(OSMO_COMPLETED), PHASE_DONE);
	assert_int_equal(osmo_status_phase(OSMO_WAITING), PHASE_QUEUED);
	assert_int_equal(osmo_status_phase(OSMO_INITIALIZING), PHASE_STARTING);
	assert_int_equal(osmo_status_cause(OSMO_FAILED_UPSTREAM), CAUSE_UPSTREAM);
	assert_int_equal(osmo_status_cause(OSMO_FAILED_PREEMPTED), CAUSE_PREEMPTED);
	assert_int_equal(osmo_status_cause(OSMO_FAILED), CAUSE_USER);
	/* §5.3 "server errored" statuses are infrastructure failures. */
	assert_true(osmo_status_is_infra(OSMO_FAILED_SERVER_ERROR));
	assert_true(osmo_status_is_infra(OSMO_FAILED_EVICTED));
	assert_true(osmo_status_is_infra(OSMO_FAILED_START_ERROR));
	assert_true(osmo_status_is_infra(OSMO_FAILED_IMAGE_PULL));
	assert_false(osmo_status_is_infra(OSMO_FAILED));
	assert_false(osmo_status_is_infra(OSMO_FAILED_UPSTREAM));
	assert_false(osmo_status_is_infra(OSMO_FAILED_CANCELED));
	for (int i = 0; i < OSMO_STATUS_COUNT; i++) {
		enum osmo_status s = (enum osmo_status)i;

		/* Phase and the failed predicate agree. */
		assert_int_equal(osmo_status_phase(s) == PHASE_FAILED, osmo_status_is_failed(s));
		/* Only failed statuses carry a cause. */
		if (!osmo_status_is_failed(s))
			assert_int_equal(osmo_status_cause(s), CAUSE_NONE);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire_round_trip),
		cmocka_unit_test(test_unknown_strings),
		cmocka_unit_test(test_contract_names_known),
		cmocka_unit_test(test_workflow_enum_membership),
		cmocka_unit_test(test_task_enum_membership),
		cmocka_unit_test(test_every_status_in_some_enum),
		cmocka_unit_test(test_predicates_table),
		cmocka_unit_test(test_finished),
		cmocka_unit_test(test_unknown_and_out_of_range),
		cmocka_unit_test(test_phase_and_cause_samples),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
