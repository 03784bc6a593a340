/* changes.h: what changed between two snapshots of a workflow: its status, its groups', its tasks'. */
#ifndef OSMO_CLIENT_CHANGES_H
#define OSMO_CLIENT_CHANGES_H

#include <stdbool.h>
#include <stddef.h>

#include "client/model.h"

enum changes_kind { CHANGES_WORKFLOW, CHANGES_GROUP, CHANGES_TASK };

/*
 * One change. Its strings point into the newer snapshot (valid while it lives). A thing seen
 * for the first time (the first snapshot, a new group, a task's new retry) has seen false.
 */
struct changes_event {
	enum changes_kind kind;
	const char *workflow, *group, *task; /* group and task NULL where they do not apply */
	int retry;                           /* tasks: retry_id */
	bool seen;                           /* there was a from */
	enum osmo_status from, to;
	bool has_exit_code; /* tasks */
	int exit_code;
	const char *message; /* the task's or group's failure message; NULL when none */
	bool stall;          /* no change of status: the task's log went silent (message: how) */
};

/* What a user would want to be told of: the lists the notifications and watch agree on. */
enum changes_worth {
	CHANGES_QUIET,     /* a step on the way (SCHEDULING, INITIALIZING...) */
	CHANGES_STARTED,   /* the workflow left the queue: RUNNING */
	CHANGES_COMPLETED, /* the workflow completed */
	CHANGES_FAILED,    /* the workflow, a group or a task failed (any FAILED_*) */
	CHANGES_RETRY,     /* a task was rescheduled, or a new retry of it began */
	CHANGES_STALL,     /* a running task's log went silent (stall set; message says how) */
};

struct changes {
	struct changes_event *v;
	size_t n, cap;
};

/*
 * Appends to out what differs from old (NULL: nothing known, every thing is new) to now, the
 * workflow first, then its groups and tasks in now's order. Things only in old (gone from
 * the answer) say nothing.
 */
void changes_diff(const struct osmo_workflow *old, const struct osmo_workflow *now,
                  struct changes *out);
/* Appends e (its strings are not copied). */
void changes_add(struct changes *c, const struct changes_event *e);
void changes_clear(struct changes *c);
enum changes_worth changes_worth(const struct changes_event *e);
/* "workflow", "group" or "task". */
const char *changes_kind_name(enum changes_kind k);

#endif
