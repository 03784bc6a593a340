/* tally.h: each listed workflow's progress (tasks and groups done), from its own answer. */
#ifndef OSMO_TUI_TALLY_H
#define OSMO_TUI_TALLY_H

#include <stdbool.h>
#include <stdint.h>

#include "client/model.h"

/*
 * The list answer counts no tasks, so each workflow's counts come from GET /api/workflow/ID,
 * asked one at a time for the rows on screen and paced by what an answer costs: a workflow
 * asked again no sooner than TALLY_DUTY times as long as its last answer took (nor than the
 * list's own refresh), so a 10,000-task workflow is asked every few minutes, a small one with
 * the list. A finished workflow's counts are final: asked once.
 */
#define TALLY_DUTY 500
#define TALLY_MAX  256 /* workflows kept; the least recently counted go first */
/* A row whose status is not the one counted is asked again, but not more often than this. */
#define TALLY_RECHECK_MS 2000

struct tally_entry {
	char *name;
	struct osmo_tally t;
	enum osmo_status status; /* the workflow's when counted */
	int64_t wall_ms;         /* the answer's time */
	int64_t counted_ms;      /* monotonic: when it was counted */
	int64_t due_ms;          /* monotonic: asked again no sooner (INT64_MAX: never) */
	int64_t quiet_ms;        /* monotonic: after an error, not asked before this */
	bool counted;            /* false: only errors came, t says nothing */
};

struct tally {
	struct tally_entry *v;
	size_t n;
};

/* Counts wf at now_ms (monotonic; wall_ms the answer's time); its answer took took_ms and the
 * list refreshes every floor_ms while it has live rows. */
void tally_note(struct tally *t, const struct osmo_workflow *wf, int64_t wall_ms, int64_t now_ms,
                int64_t took_ms, int64_t floor_ms);
/* The workflow's answer was an error at now_ms: not asked again before floor_ms more. */
void tally_failed(struct tally *t, const char *name, int64_t now_ms, int64_t floor_ms);
/* The counts of the workflow named name; NULL when none were counted. */
const struct tally_entry *tally_find(const struct tally *t, const char *name);
/* Whether the row's counts are worth asking for at now_ms: none yet, due, or the row's status
 * is not the one counted. */
bool tally_wanted(const struct tally *t, const struct osmo_workflow_row *r, int64_t now_ms);
void tally_free(struct tally *t);

#endif
