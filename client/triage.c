/* triage.c: the root cause of a failed workflow: the first group that failed on its own, and the task that decided it. */
#include "client/triage.h"

#include <stdlib.h>
#include <string.h>

size_t
triage_retries(const struct osmo_group *g, const char *name, const struct osmo_task **out,
               size_t max)
{
	size_t n = 0;

	/* The model keeps a task's retries newest first: walk them backwards. */
	for (size_t i = g->n_tasks; i-- > 0;)
		if (strcmp(g->tasks[i].name, name) == 0) {
			if (n < max)
				out[n] = &g->tasks[i];
			n++;
		}
	return n;
}

/* When something ended, for "first": never ended counts as last. */
static int64_t
triage_ended(int64_t end_ms)
{
	return end_ms ? end_ms : INT64_MAX;
}

/* Each group's place in upstream-first order, so ties go to the one further up. */
static void
triage_depths(const struct osmo_workflow *wf, size_t *depth)
{
	bool changed = true;

	memset(depth, 0, wf->n_groups * sizeof(*depth));
	/* Longest path from a root, relaxed until stable; a cycle stops after n rounds. */
	for (size_t round = 0; changed && round < wf->n_groups; round++) {
		changed = false;
		for (size_t i = 0; i < wf->n_groups; i++)
			for (size_t j = 0; j < wf->groups[i].n_downstream; j++) {
				size_t d = wf->groups[i].downstream[j];

				if (d < wf->n_groups && depth[d] < depth[i] + 1) {
					depth[d] = depth[i] + 1;
					changed = true;
				}
			}
	}
}

/* Whether group a failed before b: earlier end, else further upstream, else by name. */
static bool
triage_before(const struct osmo_group *a, size_t da, const struct osmo_group *b, size_t db)
{
	int64_t ea = triage_ended(a->end_ms), eb = triage_ended(b->end_ms);

	if (ea != eb)
		return ea < eb;
	if (da != db)
		return da < db;
	return strcmp(a->name, b->name) < 0;
}

/* The task that decided g's failure under its rule, newest retry; NULL when none did. */
static const struct osmo_task *
triage_decider(const struct osmo_group *g, bool strict)
{
	const struct osmo_task *best = NULL;

	for (size_t i = 0; i < g->n_tasks; i++) {
		const struct osmo_task *t = &g->tasks[i];

		if (!osmo_task_newest(g, i) || !osmo_status_is_failed(t->status) ||
		    osmo_status_cause(t->status) == CAUSE_UPSTREAM)
			continue;
		/* The lead's failure decides a lenient group; in a strict one, any task's. */
		if (!strict && !t->lead)
			continue;
		if (!best || triage_ended(t->end_ms) < triage_ended(best->end_ms))
			best = t;
	}
	/* A lenient group can fail without its lead failing (canceled, timed out): then the
	 * first task that failed is the best answer there is. */
	return best || strict ? best : triage_decider(g, true);
}

/* Whether a group above i did not complete: i was still waiting when it was canceled or timed
 * out with the rest, so its status is the workflow's, not a failure of its own. */
static bool
triage_was_waiting(const struct osmo_workflow *wf, size_t i)
{
	for (size_t u = 0; u < wf->n_groups; u++)
		for (size_t j = 0; j < wf->groups[u].n_downstream; j++)
			if (wf->groups[u].downstream[j] == i &&
			    wf->groups[u].status != OSMO_COMPLETED)
				return true;
	return false;
}

size_t
triage_below(const struct osmo_workflow *wf, size_t root, size_t *out, size_t max)
{
	bool *seen = xcalloc(wf->n_groups ? wf->n_groups : 1, sizeof(*seen));
	size_t *todo = xcalloc(wf->n_groups ? wf->n_groups : 1, sizeof(*todo));
	size_t head = 0, tail = 0, n = 0;

	seen[root] = true;
	todo[tail++] = root;
	while (head < tail) {
		const struct osmo_group *g = &wf->groups[todo[head++]];

		for (size_t j = 0; j < g->n_downstream; j++) {
			size_t d = g->downstream[j];

			if (d >= wf->n_groups || seen[d])
				continue;
			seen[d] = true;
			todo[tail++] = d;
			/* Taken down: failed without ever starting (FAILED_UPSTREAM, or swept by the
			 * cancel or timeout that ended the root). */
			if (!osmo_status_is_failed(wf->groups[d].status) || wf->groups[d].start_ms)
				continue;
			if (n < max)
				out[n] = d;
			n++;
		}
	}
	free(seen);
	free(todo);
	return n;
}

bool
triage_root(const struct osmo_workflow *wf, const struct strv *strict_groups,
            struct triage_root *out)
{
	size_t *depth = xcalloc(wf->n_groups ? wf->n_groups : 1, sizeof(*depth));
	size_t root = wf->n_groups;

	memset(out, 0, sizeof(*out));
	triage_depths(wf, depth);
	/* Groups that were waiting are skipped while any other failed on its own. */
	for (int pass = 0; pass < 2 && root == wf->n_groups; pass++)
		for (size_t i = 0; i < wf->n_groups; i++) {
			const struct osmo_group *g = &wf->groups[i];

			if (!osmo_status_is_failed(g->status))
				continue;
			if (osmo_status_cause(g->status) == CAUSE_UPSTREAM)
				continue;
			if (!pass && triage_was_waiting(wf, i))
				continue;
			if (root == wf->n_groups ||
			    triage_before(g, depth[i], &wf->groups[root], depth[root]))
				root = i;
		}
	/* Nothing failed as a group yet: a task that failed in a group that goes on (a non-lead
	 * under ignoreNonleadStatus) is still the failure to look at. */
	for (size_t i = 0; root == wf->n_groups && i < wf->n_groups; i++)
		if (!osmo_status_is_finished(wf->groups[i].status) &&
		    triage_decider(&wf->groups[i], true))
			root = i;
	free(depth);
	if (root == wf->n_groups)
		return false;
	out->group = &wf->groups[root];
	if (!osmo_status_is_failed(out->group->status)) {
		out->task = triage_decider(out->group, true);
		return true;
	}
	out->taken_down = triage_below(wf, root, NULL, 0);
	out->strict = strict_groups && strv_contains(strict_groups, out->group->name);
	out->task = triage_decider(out->group, out->strict);
	return true;
}
