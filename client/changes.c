/* changes.c: what changed between two snapshots of a workflow: its status, its groups', its tasks'. */
#include "client/changes.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

static const char *const changes_kinds[] = {
	[CHANGES_WORKFLOW] = "workflow",
	[CHANGES_GROUP] = "group",
	[CHANGES_TASK] = "task",
};

const char *
changes_kind_name(enum changes_kind k)
{
	return (unsigned)k < ARRAY_SIZE(changes_kinds) ? changes_kinds[k] : "?";
}

void
changes_add(struct changes *out, const struct changes_event *e)
{
	/* A first look at a big workflow adds one per task: grown by doubling. */
	if (out->n == out->cap) {
		out->cap = out->cap ? out->cap * 2 : 16;
		out->v = xreallocarray(out->v, out->cap, sizeof(*out->v));
	}
	out->v[out->n++] = *e;
}

static const struct osmo_group *
changes_group(const struct osmo_workflow *wf, const char *name)
{
	for (size_t i = 0; wf && i < wf->n_groups; i++)
		if (strcmp(wf->groups[i].name, name) == 0)
			return &wf->groups[i];
	return NULL;
}

/*
 * The task name's row of retry in g, looked for from *next on and then from the first: both
 * answers list tasks by name, then retry, so the row is nearly always the next one, and a
 * group of 10,000 tasks is compared in one pass rather than 10,000.
 */
static const struct osmo_task *
changes_task(const struct osmo_group *g, size_t *next, const char *name, int retry)
{
	for (int pass = 0; g && pass < 2; pass++) {
		size_t from = pass ? 0 : *next, to = pass ? *next : g->n_tasks;

		for (size_t i = from; i < to && i < g->n_tasks; i++)
			if (g->tasks[i].retry_id == retry && strcmp(g->tasks[i].name, name) == 0) {
				*next = i + 1;
				return &g->tasks[i];
			}
	}
	return NULL;
}

/* A task's retries are rows of their own: each is a thing that changes. */
static void
changes_tasks(const struct osmo_workflow *now, const struct osmo_group *was,
              const struct osmo_group *g, struct changes *out)
{
	size_t next = 0;

	for (size_t t = 0; t < g->n_tasks; t++) {
		const struct osmo_task *task = &g->tasks[t];
		const struct osmo_task *before =
		        changes_task(was, &next, task->name, task->retry_id);

		if (before && before->status == task->status)
			continue;
		changes_add(out, &(struct changes_event){
		                         .kind = CHANGES_TASK,
		                         .workflow = now->name,
		                         .group = g->name,
		                         .task = task->name,
		                         .retry = task->retry_id,
		                         .seen = before != NULL,
		                         .from = before ? before->status : OSMO_UNKNOWN,
		                         .to = task->status,
		                         .has_exit_code = task->has_exit_code,
		                         .exit_code = task->exit_code,
		                         .message = task->failure_message,
		                 });
	}
}

void
changes_diff(const struct osmo_workflow *old, const struct osmo_workflow *now, struct changes *out)
{
	if (!now->name)
		return;
	if (!old || old->status != now->status)
		changes_add(out, &(struct changes_event){
		                         .kind = CHANGES_WORKFLOW,
		                         .workflow = now->name,
		                         .seen = old != NULL,
		                         .from = old ? old->status : OSMO_UNKNOWN,
		                         .to = now->status,
		                 });
	for (size_t i = 0; i < now->n_groups; i++) {
		const struct osmo_group *g = &now->groups[i];
		const struct osmo_group *was = changes_group(old, g->name);

		if (!was || was->status != g->status)
			changes_add(out, &(struct changes_event){
			                         .kind = CHANGES_GROUP,
			                         .workflow = now->name,
			                         .group = g->name,
			                         .seen = was != NULL,
			                         .from = was ? was->status : OSMO_UNKNOWN,
			                         .to = g->status,
			                         .message = g->failure_message,
			                 });
		changes_tasks(now, was, g, out);
	}
}

void
changes_clear(struct changes *c)
{
	free(c->v);
	memset(c, 0, sizeof(*c));
}

enum changes_worth
changes_worth(const struct changes_event *e)
{
	if (e->stall)
		return CHANGES_STALL;
	if (!e->seen)
		/* Only a retry is news when first seen: the rest were there when we looked. */
		return e->kind == CHANGES_TASK && e->retry > 0 ? CHANGES_RETRY : CHANGES_QUIET;
	/* A failure that only follows another's is told by that one; a cancel by the workflow's
	 * own (its tasks and groups end with it, and say nothing new). */
	if (osmo_status_is_failed(e->to))
		return e->to == OSMO_FAILED_UPSTREAM || (e->to == OSMO_FAILED_CANCELED &&
		                                         e->kind != CHANGES_WORKFLOW)
		               ? CHANGES_QUIET
		               : CHANGES_FAILED;
	if (e->kind == CHANGES_TASK && e->to == OSMO_RESCHEDULED)
		return CHANGES_RETRY;
	if (e->kind != CHANGES_WORKFLOW)
		return CHANGES_QUIET;
	if (e->to == OSMO_COMPLETED)
		return CHANGES_COMPLETED;
	return e->to == OSMO_RUNNING ? CHANGES_STARTED : CHANGES_QUIET;
}
