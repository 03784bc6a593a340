/* triage.h: why a workflow failed: its root failing group and task, found from the model alone. */
#ifndef OSMO_CLIENT_TRIAGE_H
#define OSMO_CLIENT_TRIAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "client/model.h"

/* The failure the others follow from, and the rule that made its group fail. */
struct triage_root {
	const struct osmo_group *group; /* NULL: no group failed on its own */
	const struct osmo_task *task;   /* NULL: no task decided it (or none ran) */
	bool strict;                    /* the group's rule: any failing task fails it */
	size_t taken_down;              /* groups that ended FAILED_UPSTREAM below it */
};

/*
 * Finds the root cause of wf's failure: among the groups that failed on their own (not
 * FAILED_UPSTREAM), the one that ended first (ties: upstream first, then by name); in it,
 * the task whose status decided the group: under ignoreNonleadStatus: false (its name in
 * strict_groups) the failed task that ended first, else the lead; always its newest retry.
 * Returns whether one was found.
 */
bool triage_root(const struct osmo_workflow *wf, const struct strv *strict_groups,
                 struct triage_root *out);
/* The groups below group root that failed without ever starting: FAILED_UPSTREAM, or swept
 * by the cancel or timeout that ended it (indices into out, at most max); how many. */
size_t triage_below(const struct osmo_workflow *wf, size_t root, size_t *out, size_t max);
/* The retries of task name in g, oldest first, into out (at most max); how many there are. */
size_t triage_retries(const struct osmo_group *g, const char *name, const struct osmo_task **out,
                      size_t max);

#endif
