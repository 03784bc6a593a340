/* tally.c: each listed workflow's progress (tasks and groups done), counted from its answer. */
#include "tui/tally.h"

#include <stdlib.h>
#include <string.h>

/* Any entry of name, counted or not; -1 when there is none. */
static long
tally_index(const struct tally *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].name, name) == 0)
			return (long)i;
	return -1;
}

static const struct tally_entry *
tally_entry(const struct tally *t, const char *name)
{
	long i = tally_index(t, name);

	return i < 0 ? NULL : &t->v[i];
}

/* name's entry, made when there is none (in the least recently counted's place when full). */
static struct tally_entry *
tally_slot(struct tally *t, const char *name)
{
	long at = tally_index(t, name);
	size_t oldest = 0;

	if (at >= 0)
		return &t->v[at];
	if (t->n == TALLY_MAX) {
		for (size_t i = 1; i < t->n; i++)
			if (t->v[i].counted_ms < t->v[oldest].counted_ms)
				oldest = i;
		free(t->v[oldest].name);
		t->v[oldest] = (struct tally_entry){ .name = xstrdup(name) };
		return &t->v[oldest];
	}
	if (!t->v)
		t->v = xcalloc(TALLY_MAX, sizeof(*t->v));
	t->v[t->n].name = xstrdup(name);
	return &t->v[t->n++];
}

void
tally_note(struct tally *t, const struct osmo_workflow *wf, int64_t wall_ms, int64_t now_ms,
           int64_t took_ms, int64_t floor_ms)
{
	struct tally_entry *e;
	int64_t wait = took_ms > 0 ? took_ms * TALLY_DUTY : 0;

	/* An answer without groups (skip_groups) counts nothing. */
	if (!wf->name || (!wf->n_groups && !osmo_status_is_finished(wf->status)))
		return;
	e = tally_slot(t, wf->name);
	osmo_workflow_tally(wf, &e->t);
	e->status = wf->status;
	e->wall_ms = wall_ms;
	e->counted_ms = now_ms;
	e->counted = true;
	e->due_ms = osmo_status_is_finished(wf->status)
	                    ? INT64_MAX
	                    : now_ms + (wait > floor_ms ? wait : floor_ms);
}

void
tally_failed(struct tally *t, const char *name, int64_t now_ms, int64_t floor_ms)
{
	struct tally_entry *e = tally_slot(t, name);

	/* Counts it had stay shown; only the next question waits. */
	if (!e->counted)
		e->counted_ms = now_ms;
	e->quiet_ms = now_ms + floor_ms;
}

const struct tally_entry *
tally_find(const struct tally *t, const char *name)
{
	const struct tally_entry *e = tally_entry(t, name);

	return e && e->counted ? e : NULL;
}

bool
tally_wanted(const struct tally *t, const struct osmo_workflow_row *r, int64_t now_ms)
{
	const struct tally_entry *e = tally_entry(t, r->name);

	if (!e)
		return true;
	if (now_ms < e->quiet_ms)
		return false;
	if (!e->counted)
		return true;
	/* A status the counts do not match (it started, ended, was restarted): at once, but a
	 * service whose two answers disagree is not asked in a loop. */
	if (e->status != r->status)
		return now_ms >= e->counted_ms + TALLY_RECHECK_MS;
	return now_ms >= e->due_ms;
}

void
tally_free(struct tally *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
	memset(t, 0, sizeof(*t));
}
