/* sync.c: polling cadence and error backoff as pure functions of an injected clock. */
#include "client/sync.h"

#include <stddef.h>

const struct sync_policy sync_default_policy = {
	.list_ms = 30000,
	.queued_ms = 15000,
	.running_ms = 10000,
	.running_idle_ms = 30000,
	.idle_after = 6,
	.finished_ms = 300000,
	.backoff_first_ms = 1000,
	.backoff_max_ms = 30000,
	.jitter_pct = 25,
	/* Long enough for any real overload; a hostile server cannot stall the monitor longer. */
	.retry_after_max_ms = 300000,
};

enum sync_state
sync_state_of(enum osmo_status workflow_status)
{
	if (!osmo_status_is_alive(workflow_status))
		return workflow_status == OSMO_UNKNOWN ? SYNC_RUNNING : SYNC_FINISHED;
	return workflow_status == OSMO_RUNNING ? SYNC_RUNNING : SYNC_QUEUED;
}

bool
sync_is_due(const struct sync_item *it, int64_t now_ms)
{
	return !it->in_flight && now_ms >= it->next_due_ms && now_ms >= it->not_before_ms;
}

void
sync_begin(struct sync_item *it, int64_t now_ms)
{
	(void)now_ms;
	it->in_flight = true;
	it->asked_ms = now_ms;
}

static int64_t
sync_interval(const struct sync_policy *p, enum sync_state state, unsigned unchanged)
{
	static const size_t offsets[] = {
		[SYNC_LIST] = offsetof(struct sync_policy, list_ms),
		[SYNC_QUEUED] = offsetof(struct sync_policy, queued_ms),
		[SYNC_RUNNING] = offsetof(struct sync_policy, running_ms),
		[SYNC_FINISHED] = offsetof(struct sync_policy, finished_ms),
	};

	if (state == SYNC_RUNNING && unchanged >= p->idle_after)
		return p->running_idle_ms;
	return *(const int64_t *)((const char *)p + offsets[state]);
}

void
sync_succeeded(struct sync_item *it, const struct sync_policy *p, int64_t now_ms,
               enum sync_state state, bool changed)
{
	it->in_flight = false;
	it->last_ok_ms = now_ms;
	it->stale_since_ms = 0;
	it->failures = 0;
	it->backoff_ms = 0;
	it->not_before_ms = 0;
	it->unchanged = changed ? 0 : it->unchanged + 1;
	it->next_due_ms = it->kicked ? now_ms : now_ms + sync_interval(p, state, it->unchanged);
	it->kicked = false;
}

void
sync_failed(struct sync_item *it, const struct sync_policy *p, int64_t now_ms, uint32_t rnd)
{
	int64_t base = p->backoff_first_ms;

	it->in_flight = false;
	if (!it->stale_since_ms)
		it->stale_since_ms = now_ms;
	for (unsigned i = 0; i < it->failures && base < p->backoff_max_ms; i++)
		base *= 2;
	if (base > p->backoff_max_ms)
		base = p->backoff_max_ms;
	it->failures++;
	/* Jitter spreads retries of many clients after a shared outage. */
	int64_t span = base * p->jitter_pct / 100;
	int64_t jitter = span ? (int64_t)(rnd % (uint32_t)(2 * span + 1)) - span : 0;

	it->backoff_ms = base + jitter;
	it->next_due_ms = it->kicked ? now_ms : now_ms + it->backoff_ms;
	it->kicked = false;
}

void
sync_retry_after(struct sync_item *it, const struct sync_policy *p, int64_t now_ms, long wait_s)
{
	if (wait_s <= 0)
		return;
	it->not_before_ms =
	        now_ms + (wait_s > p->retry_after_max_ms / 1000 ? p->retry_after_max_ms
	                                                        : (int64_t)wait_s * 1000);
	if (it->next_due_ms < it->not_before_ms)
		it->next_due_ms = it->not_before_ms;
}

void
sync_kick(struct sync_item *it)
{
	it->next_due_ms = 0;
	it->unchanged = 0;
	/* The answer on its way was asked before the kick: ask again as soon as it is in. */
	it->kicked = it->in_flight;
}

int64_t
sync_wait_ms(const struct sync_item *it, int64_t now_ms)
{
	int64_t due = it->next_due_ms > it->not_before_ms ? it->next_due_ms : it->not_before_ms;

	if (it->in_flight)
		return -1;
	return due > now_ms ? due - now_ms : 0;
}
