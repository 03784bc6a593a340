/* sync.h: when to fetch what: cadence by workflow state, backoff with jitter, staleness. */
#ifndef OSMO_CLIENT_SYNC_H
#define OSMO_CLIENT_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "common/status.h"

/* What the last good answer said about the resource, which sets the cadence. */
enum sync_state {
	SYNC_LIST,     /* a workflow list */
	SYNC_QUEUED,   /* a workflow not yet running */
	SYNC_RUNNING,  /* a workflow that is running */
	SYNC_FINISHED, /* a finished workflow: it changes no more */
};

struct sync_policy {
	int64_t list_ms;         /* list refresh */
	int64_t queued_ms;       /* pending workflow */
	int64_t running_ms;      /* running workflow, while it keeps changing */
	int64_t running_idle_ms; /* running, after idle_after unchanged polls */
	unsigned idle_after;
	int64_t finished_ms;      /* finished workflow: slow, in case it is restarted */
	int64_t backoff_first_ms; /* first retry after an error */
	int64_t backoff_max_ms;
	unsigned jitter_pct;        /* ± this percent on every backoff */
	int64_t retry_after_max_ms; /* a server's Retry-After counts up to this */
};

struct sync_item {
	int64_t next_due_ms;    /* 0: due now */
	int64_t last_ok_ms;     /* 0: never succeeded */
	int64_t stale_since_ms; /* first failure since the last success; 0: fresh */
	int64_t backoff_ms;     /* the last backoff chosen; 0 after a success */
	int64_t not_before_ms;  /* the server's Retry-After: not due before this, kicked or not */
	unsigned failures;      /* consecutive */
	unsigned unchanged;     /* consecutive successful polls that changed nothing */
	bool in_flight;
	int64_t asked_ms; /* when the request in flight went out */
	bool kicked;      /* kicked while in flight: the answer under way predates what was asked */
};

/* OSMO's guidance: 10-30 s for a live workflow, 60 s when idle; UI backoff 1 s doubling to 30 s. */
extern const struct sync_policy sync_default_policy;

enum sync_state sync_state_of(enum osmo_status workflow_status);
bool sync_is_due(const struct sync_item *it, int64_t now_ms);
void sync_begin(struct sync_item *it, int64_t now_ms);
/* Records a success; changed says whether the answer differed from the last one. */
void sync_succeeded(struct sync_item *it, const struct sync_policy *p, int64_t now_ms,
                    enum sync_state state, bool changed);
/* Records a failure; rnd is any random number (the caller owns randomness, tests fix it). */
void sync_failed(struct sync_item *it, const struct sync_policy *p, int64_t now_ms, uint32_t rnd);
/*
 * After sync_failed: the server asked for no retry within wait_s seconds (Retry-After;
 * <= 0: no wish). The item is not due before then, even kicked; p caps the wait.
 */
void sync_retry_after(struct sync_item *it, const struct sync_policy *p, int64_t now_ms,
                      long wait_s);
/* Makes the item due at once (a user's refresh, a new filter); in flight, once the answer is in. */
void sync_kick(struct sync_item *it);
/* Milliseconds until due (0: now), or -1 while a request is in flight. */
int64_t sync_wait_ms(const struct sync_item *it, int64_t now_ms);

#endif
