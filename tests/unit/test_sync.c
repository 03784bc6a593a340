/* test_sync.c: polling cadence, in-flight dedupe, backoff with jitter and staleness (sync.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdbool.h>

#include "common/status.h"
#include "client/sync.h"
#include "common/util.h"

/* An arbitrary non-zero start for the injected clock (0 is the "never" sentinel). */
#define T0 1000000

/* A rnd whose jitter is 0: rnd % (2 * span + 1) == span. */
static uint32_t
zero_jitter_rnd(int64_t base, unsigned pct)
{
	return (uint32_t)(base * pct / 100);
}

/* A small deterministic generator for "many rnd values". */
static uint32_t
lcg_next(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s;
}

/* Begins and succeeds a poll at now; returns the wait until the next one. */
static int64_t
poll_ok(struct sync_item *it, const struct sync_policy *p, int64_t now, enum sync_state st,
        bool changed)
{
	sync_begin(it, now);
	sync_succeeded(it, p, now, st, changed);
	return sync_wait_ms(it, now);
}

static void
test_new_item_due_at_once(void **state)
{
	struct sync_item it = { 0 };

	(void)state;
	assert_true(sync_is_due(&it, 0));
	assert_true(sync_is_due(&it, T0));
	assert_int_equal(sync_wait_ms(&it, T0), 0);
	assert_int_equal(it.last_ok_ms, 0);
	assert_int_equal(it.stale_since_ms, 0);
}

static void
test_begin_in_flight_dedupe(void **state)
{
	struct sync_item it = { 0 };

	(void)state;
	sync_begin(&it, T0);
	assert_true(it.in_flight);
	assert_false(sync_is_due(&it, T0));
	assert_false(sync_is_due(&it, T0 + 3600000));
	assert_int_equal(sync_wait_ms(&it, T0), -1);
	assert_int_equal(sync_wait_ms(&it, T0 + 3600000), -1);

	/* A kick while in flight still does not start a second request. */
	sync_kick(&it);
	assert_false(sync_is_due(&it, T0));
	assert_int_equal(sync_wait_ms(&it, T0), -1);

	/* The answer ends the flight. */
	sync_succeeded(&it, &sync_default_policy, T0, SYNC_LIST, true);
	assert_false(it.in_flight);
	assert_int_not_equal(sync_wait_ms(&it, T0), -1);

	/* So does a failure. */
	sync_begin(&it, T0 + 30000);
	assert_int_equal(sync_wait_ms(&it, T0 + 30000), -1);
	sync_failed(&it, &sync_default_policy, T0 + 30000, 250);
	assert_false(it.in_flight);
	assert_int_equal(sync_wait_ms(&it, T0 + 30000), 1000);
}

/* A kick during a request is not lost: the answer in flight predates it, so ask again at once. */
static void
test_kick_in_flight_due_after_answer(void **state)
{
	struct sync_item it = { 0 };

	(void)state;
	sync_begin(&it, T0);
	sync_kick(&it);
	sync_succeeded(&it, &sync_default_policy, T0 + 100, SYNC_LIST, false);
	assert_true(sync_is_due(&it, T0 + 100));
	/* The next answer, asked after the kick, brings the usual cadence back. */
	sync_begin(&it, T0 + 100);
	sync_succeeded(&it, &sync_default_policy, T0 + 200, SYNC_LIST, false);
	assert_false(sync_is_due(&it, T0 + 200));
	/* A kick during a request that fails skips the backoff too: the user asked now. */
	sync_begin(&it, T0 + 300);
	sync_kick(&it);
	sync_failed(&it, &sync_default_policy, T0 + 400, 250);
	assert_true(sync_is_due(&it, T0 + 400));
	/* A kick with nothing in flight leaves nothing behind for the next answer. */
	sync_kick(&it);
	sync_begin(&it, T0 + 400);
	sync_succeeded(&it, &sync_default_policy, T0 + 500, SYNC_LIST, false);
	assert_false(sync_is_due(&it, T0 + 500));
}

static void
test_cadence_list(void **state)
{
	struct sync_item it = { 0 };
	const struct sync_policy *p = &sync_default_policy;

	(void)state;
	assert_int_equal(poll_ok(&it, p, T0, SYNC_LIST, true), 30000);
	assert_false(sync_is_due(&it, T0 + 29999));
	assert_int_equal(sync_wait_ms(&it, T0 + 29999), 1);
	assert_true(sync_is_due(&it, T0 + 30000));
	assert_int_equal(sync_wait_ms(&it, T0 + 30000), 0);
	assert_int_equal(sync_wait_ms(&it, T0 + 99999), 0);
	/* A list never slows down, however long it stays unchanged. */
	for (int i = 1; i <= 20; i++)
		assert_int_equal(poll_ok(&it, p, T0 + i * 30000, SYNC_LIST, false), 30000);
}

static void
test_cadence_queued(void **state)
{
	struct sync_item it = { 0 };
	const struct sync_policy *p = &sync_default_policy;

	(void)state;
	assert_int_equal(poll_ok(&it, p, T0, SYNC_QUEUED, true), 15000);
	assert_false(sync_is_due(&it, T0 + 14999));
	assert_true(sync_is_due(&it, T0 + 15000));
	for (int i = 1; i <= 20; i++)
		assert_int_equal(poll_ok(&it, p, T0 + i * 15000, SYNC_QUEUED, false), 15000);
}

static void
test_cadence_running_idle_and_reset(void **state)
{
	struct sync_item it = { 0 };
	const struct sync_policy *p = &sync_default_policy;
	int64_t now = T0;

	(void)state;
	assert_int_equal(p->idle_after, 6);
	assert_int_equal(poll_ok(&it, p, now, SYNC_RUNNING, true), 10000);
	/* Unchanged polls 1..idle_after-1 keep the fast cadence. */
	for (unsigned i = 1; i < p->idle_after; i++) {
		now += 10000;
		assert_int_equal(poll_ok(&it, p, now, SYNC_RUNNING, false), 10000);
		assert_int_equal(it.unchanged, i);
	}
	/* The idle_after-th unchanged poll slows down, and it stays slow. */
	now += 10000;
	assert_int_equal(poll_ok(&it, p, now, SYNC_RUNNING, false), 30000);
	now += 30000;
	assert_int_equal(poll_ok(&it, p, now, SYNC_RUNNING, false), 30000);
	/* A change speeds it up again. */
	now += 30000;
	assert_int_equal(poll_ok(&it, p, now, SYNC_RUNNING, true), 10000);
	assert_int_equal(it.unchanged, 0);
	now += 10000;
	assert_int_equal(poll_ok(&it, p, now, SYNC_RUNNING, false), 10000);
}

static void
test_cadence_finished(void **state)
{
	struct sync_item it = { 0 };
	const struct sync_policy *p = &sync_default_policy;

	(void)state;
	assert_int_equal(poll_ok(&it, p, T0, SYNC_FINISHED, true), 300000);
	assert_false(sync_is_due(&it, T0 + 299999));
	assert_true(sync_is_due(&it, T0 + 300000));
	assert_int_equal(poll_ok(&it, p, T0 + 300000, SYNC_FINISHED, false), 300000);
}

static void
test_state_of_every_workflow_status(void **state)
{
	static const struct {
		enum osmo_status st;
		enum sync_state want;
	} cases[] = {
		{ OSMO_UNKNOWN, SYNC_RUNNING },
		{ OSMO_PENDING, SYNC_QUEUED },
		{ OSMO_WAITING, SYNC_QUEUED },
		{ OSMO_RUNNING, SYNC_RUNNING },
		{ OSMO_COMPLETED, SYNC_FINISHED },
		{ OSMO_FAILED, SYNC_FINISHED },
		{ OSMO_FAILED_SUBMISSION, SYNC_FINISHED },
		{ OSMO_FAILED_SERVER_ERROR, SYNC_FINISHED },
		{ OSMO_FAILED_EXEC_TIMEOUT, SYNC_FINISHED },
		{ OSMO_FAILED_QUEUE_TIMEOUT, SYNC_FINISHED },
		{ OSMO_FAILED_CANCELED, SYNC_FINISHED },
		{ OSMO_FAILED_BACKEND_ERROR, SYNC_FINISHED },
		{ OSMO_FAILED_IMAGE_PULL, SYNC_FINISHED },
		{ OSMO_FAILED_EVICTED, SYNC_FINISHED },
		{ OSMO_FAILED_START_ERROR, SYNC_FINISHED },
		{ OSMO_FAILED_START_TIMEOUT, SYNC_FINISHED },
		{ OSMO_FAILED_PREEMPTED, SYNC_FINISHED },
	};
	size_t covered = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		if (sync_state_of(cases[i].st) != cases[i].want)
			fail_msg("sync_state_of(%s) = %d, want %d", osmo_status_wire(cases[i].st),
			         (int)sync_state_of(cases[i].st), (int)cases[i].want);
	}
	/* The table above covers every workflow status in the enum. */
	for (int s = 0; s < OSMO_STATUS_COUNT; s++) {
		if (!osmo_status_in_workflow_enum((enum osmo_status)s))
			continue;
		covered++;
		bool found = false;

		for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
			found = found || cases[i].st == (enum osmo_status)s;
		if (!found)
			fail_msg("workflow status %s missing from the table",
			         osmo_status_wire((enum osmo_status)s));
	}
	assert_int_equal(covered, ARRAY_SIZE(cases) - 1);
	/* Whatever the status, the rule is: alive -> queued/running, dead -> finished. */
	for (int s = 0; s < OSMO_STATUS_COUNT; s++) {
		enum osmo_status st = (enum osmo_status)s;
		enum sync_state got = sync_state_of(st);

		if (st == OSMO_UNKNOWN || st == OSMO_RUNNING)
			assert_int_equal(got, SYNC_RUNNING);
		else if (osmo_status_is_alive(st))
			assert_int_equal(got, SYNC_QUEUED);
		else
			assert_int_equal(got, SYNC_FINISHED);
	}
}

static void
test_backoff_growth_no_jitter(void **state)
{
	static const int64_t want[] = { 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000 };
	const struct sync_policy *p = &sync_default_policy;
	struct sync_item it = { 0 };
	int64_t now = T0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		uint32_t rnd = zero_jitter_rnd(want[i], p->jitter_pct);

		sync_begin(&it, now);
		sync_failed(&it, p, now, rnd);
		assert_int_equal(it.failures, i + 1);
		assert_int_equal(it.backoff_ms, want[i]);
		assert_int_equal(it.next_due_ms, now + want[i]);
		assert_int_equal(sync_wait_ms(&it, now), want[i]);
		assert_false(sync_is_due(&it, now + want[i] - 1));
		assert_true(sync_is_due(&it, now + want[i]));
		now += want[i];
	}
	/* Many more failures stay at the cap and do not overflow. */
	for (int i = 0; i < 100; i++) {
		sync_failed(&it, p, now, zero_jitter_rnd(30000, p->jitter_pct));
		assert_int_equal(it.backoff_ms, 30000);
	}
}

static void
test_backoff_jitter_bounds(void **state)
{
	static const int64_t bases[] = { 1000, 2000, 4000, 8000, 16000, 30000, 30000 };
	const struct sync_policy *p = &sync_default_policy;
	uint32_t seed = 12345;

	(void)state;
	for (size_t f = 0; f < ARRAY_SIZE(bases); f++) {
		int64_t lo = bases[f] - bases[f] / 4, hi = bases[f] + bases[f] / 4;
		int64_t min = INT64_MAX, max = INT64_MIN;

		for (int k = 0; k < 2000; k++) {
			struct sync_item it = { 0 };
			uint32_t rnd = k == 0 ? 0 : k == 1 ? UINT32_MAX : lcg_next(&seed);

			for (size_t j = 0; j < f; j++)
				sync_failed(&it, p, T0, zero_jitter_rnd(bases[j], p->jitter_pct));
			sync_failed(&it, p, T0, rnd);
			if (it.backoff_ms < lo || it.backoff_ms > hi)
				fail_msg("failure %zu rnd %u: backoff %lld outside [%lld, %lld]",
				         f + 1, rnd, (long long)it.backoff_ms, (long long)lo,
				         (long long)hi);
			assert_int_equal(it.next_due_ms, T0 + it.backoff_ms);
			min = it.backoff_ms < min ? it.backoff_ms : min;
			max = it.backoff_ms > max ? it.backoff_ms : max;
		}
		/* The jitter really spreads retries over most of the window. */
		assert_true(min < bases[f] - bases[f] / 8);
		assert_true(max > bases[f] + bases[f] / 8);
	}
}

static void
test_staleness(void **state)
{
	const struct sync_policy *p = &sync_default_policy;
	struct sync_item it = { 0 };

	(void)state;
	poll_ok(&it, p, T0, SYNC_RUNNING, true);
	assert_int_equal(it.last_ok_ms, T0);
	assert_int_equal(it.stale_since_ms, 0);

	sync_begin(&it, T0 + 10000);
	sync_failed(&it, p, T0 + 10000, 250);
	assert_int_equal(it.stale_since_ms, T0 + 10000);
	assert_int_equal(it.last_ok_ms, T0);

	sync_begin(&it, T0 + 11000);
	sync_failed(&it, p, T0 + 11000, 500);
	assert_int_equal(it.stale_since_ms, T0 + 10000);
	assert_int_equal(it.last_ok_ms, T0);
	sync_failed(&it, p, T0 + 13000, 1000);
	assert_int_equal(it.stale_since_ms, T0 + 10000);
	assert_int_equal(it.last_ok_ms, T0);
	assert_int_equal(it.failures, 3);

	sync_begin(&it, T0 + 17000);
	sync_succeeded(&it, p, T0 + 17000, SYNC_RUNNING, false);
	assert_int_equal(it.stale_since_ms, 0);
	assert_int_equal(it.last_ok_ms, T0 + 17000);
	assert_int_equal(it.failures, 0);
	assert_int_equal(it.backoff_ms, 0);
	assert_int_equal(sync_wait_ms(&it, T0 + 17000), 10000);

	/* The next outage starts a new stale period and a fresh backoff. */
	sync_failed(&it, p, T0 + 27000, 250);
	assert_int_equal(it.stale_since_ms, T0 + 27000);
	assert_int_equal(it.backoff_ms, 1000);
	assert_int_equal(it.last_ok_ms, T0 + 17000);
}

static void
test_failure_before_any_success(void **state)
{
	struct sync_item it = { 0 };

	(void)state;
	sync_begin(&it, T0);
	sync_failed(&it, &sync_default_policy, T0, 250);
	assert_int_equal(it.last_ok_ms, 0);
	assert_int_equal(it.stale_since_ms, T0);
	assert_int_equal(sync_wait_ms(&it, T0), 1000);
}

static void
test_kick(void **state)
{
	const struct sync_policy *p = &sync_default_policy;
	struct sync_item it = { 0 };
	int64_t now = T0;

	(void)state;
	poll_ok(&it, p, now, SYNC_FINISHED, true);
	assert_false(sync_is_due(&it, now + 1));
	sync_kick(&it);
	assert_true(sync_is_due(&it, now + 1));
	assert_int_equal(sync_wait_ms(&it, now + 1), 0);

	/* After a backoff too. */
	sync_failed(&it, p, now, zero_jitter_rnd(1000, p->jitter_pct));
	assert_false(sync_is_due(&it, now));
	sync_kick(&it);
	assert_true(sync_is_due(&it, now));

	/* A kick on an idle running workflow restores the fast cadence. */
	for (unsigned i = 0; i <= p->idle_after; i++)
		poll_ok(&it, p, now += 10000, SYNC_RUNNING, false);
	assert_int_equal(sync_wait_ms(&it, now), 30000);
	sync_kick(&it);
	assert_int_equal(poll_ok(&it, p, now += 1, SYNC_RUNNING, false), 10000);
}

/* A server's Retry-After holds the next try back, kicks included, up to the policy's cap. */
static void
test_retry_after(void **state)
{
	const struct sync_policy *p = &sync_default_policy;
	struct sync_item it = { 0 };
	int64_t now = T0;

	(void)state;
	sync_begin(&it, now);
	sync_failed(&it, p, now, zero_jitter_rnd(1000, p->jitter_pct));
	sync_retry_after(&it, p, now, 120);
	assert_int_equal(sync_wait_ms(&it, now), 120000);
	assert_false(sync_is_due(&it, now + 119999));
	/* The user's refresh does not go before it either. */
	sync_kick(&it);
	assert_false(sync_is_due(&it, now + 1000));
	assert_int_equal(sync_wait_ms(&it, now + 1000), 119000);
	assert_true(sync_is_due(&it, now + 120000));

	/* A wait shorter than the backoff leaves the backoff. */
	now += 120000;
	sync_begin(&it, now);
	sync_failed(&it, p, now, zero_jitter_rnd(2000, p->jitter_pct));
	sync_retry_after(&it, p, now, 1);
	assert_int_equal(sync_wait_ms(&it, now), 2000);
	/* None, zero or negative: the backoff alone. */
	sync_retry_after(&it, p, now, 0);
	sync_retry_after(&it, p, now, -5);
	assert_int_equal(sync_wait_ms(&it, now), 2000);

	/* Kicked while in flight: the answer's Retry-After still holds. */
	now += 2000;
	sync_begin(&it, now);
	sync_kick(&it);
	sync_failed(&it, p, now, 0);
	sync_retry_after(&it, p, now, 30);
	assert_false(sync_is_due(&it, now));
	assert_int_equal(sync_wait_ms(&it, now), 30000);

	/* A hostile server cannot stall the monitor past the cap. */
	now += 30000;
	sync_begin(&it, now);
	sync_failed(&it, p, now, 0);
	sync_retry_after(&it, p, now, LONG_MAX);
	assert_int_equal(sync_wait_ms(&it, now), p->retry_after_max_ms);
	assert_int_equal(p->retry_after_max_ms, 300000);
	assert_true(sync_is_due(&it, now + 300000));

	/* A success forgets it. */
	now += 300000;
	assert_int_equal(poll_ok(&it, p, now, SYNC_RUNNING, true), p->running_ms);
	sync_kick(&it);
	assert_true(sync_is_due(&it, now));
}

static void
test_custom_policy(void **state)
{
	const struct sync_policy p = {
		.list_ms = 5,
		.queued_ms = 7,
		.running_ms = 11,
		.running_idle_ms = 13,
		.idle_after = 2,
		.finished_ms = 17,
		.backoff_first_ms = 100,
		.backoff_max_ms = 350,
		.jitter_pct = 0,
	};
	static const int64_t backoff[] = { 100, 200, 350, 350 };
	struct sync_item it = { 0 };

	(void)state;
	assert_int_equal(poll_ok(&it, &p, T0, SYNC_LIST, true), 5);
	assert_int_equal(poll_ok(&it, &p, T0, SYNC_QUEUED, true), 7);
	assert_int_equal(poll_ok(&it, &p, T0, SYNC_RUNNING, true), 11);
	assert_int_equal(poll_ok(&it, &p, T0, SYNC_RUNNING, false), 11);
	assert_int_equal(poll_ok(&it, &p, T0, SYNC_RUNNING, false), 13);
	assert_int_equal(poll_ok(&it, &p, T0, SYNC_RUNNING, true), 11);
	assert_int_equal(poll_ok(&it, &p, T0, SYNC_FINISHED, true), 17);
	/* jitter_pct 0: every rnd gives the exact base. */
	for (size_t i = 0; i < ARRAY_SIZE(backoff); i++) {
		sync_failed(&it, &p, T0, (uint32_t)(0x9e3779b9u * (i + 1)));
		assert_int_equal(it.backoff_ms, backoff[i]);
		assert_int_equal(sync_wait_ms(&it, T0), backoff[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_item_due_at_once),
		cmocka_unit_test(test_begin_in_flight_dedupe),
		cmocka_unit_test(test_kick_in_flight_due_after_answer),
		cmocka_unit_test(test_cadence_list),
		cmocka_unit_test(test_cadence_queued),
		cmocka_unit_test(test_cadence_running_idle_and_reset),
		cmocka_unit_test(test_cadence_finished),
		cmocka_unit_test(test_state_of_every_workflow_status),
		cmocka_unit_test(test_backoff_growth_no_jitter),
		cmocka_unit_test(test_backoff_jitter_bounds),
		cmocka_unit_test(test_staleness),
		cmocka_unit_test(test_failure_before_any_success),
		cmocka_unit_test(test_kick),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_custom_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
