/* view.h: views render model snapshots into a canvas; no curses, no I/O. */
#ifndef OSMO_TUI_VIEW_H
#define OSMO_TUI_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "tui/canvas.h"
#include "client/model.h"
#include "client/triage.h"
#include "tui/tally.h"

struct keymap;
struct marks;
struct log_progress;

/* One selectable row of the workflow view: a group, or one of its tasks (task -1: the group). */
struct view_row {
	size_t group;
	int task;
};

/* Why a PENDING or WAITING workflow waits, as the monitor last asked the service. */
struct view_wait {
	const struct osmo_pool_usage *pool; /* its pool's quota and usage; NULL: not known */
	long ahead;      /* PENDING workflows of its pool submitted before it; <0: not known */
	bool ahead_more; /* the list was cut short: at least ahead */
};

/* What the followed workflow's log says, for its row in the list. */
struct view_headline {
	const char *workflow;
	double fraction; /* of the running task that ends last; < 0: no counter read */
	int64_t eta_ms;  /* when that one should end, wall clock; -1: unknown */
	size_t silent;   /* running tasks told of as silent */
};

struct render_ctx {
	int64_t now_ms;     /* wall clock for ages and running durations */
	bool ascii;         /* --ascii: no Unicode glyphs */
	const char *server; /* base URL, shown in the title */
	bool select;        /* interactive: highlight row `selected` (0-based) */
	int selected;
	int top;          /* the first row shown (the caller keeps selected in view) */
	const char *note; /* the list's filter and order, shown in its title; NULL or "" for none */
	const struct view_row *rows; /* the workflow view's rows as filtered; NULL: all of them */
	size_t n_rows;
	bool stale; /* now_ms is the last data's time: the service has not answered since */
	/* How the workflow came from its parent when this osmotop made it ("restarted",
	 * "resubmitted"); NULL: the service does not say which, both set the parent. */
	const char *made;
	const struct triage_root *root; /* a failed workflow's root cause; NULL: none known */
	const struct view_wait *wait;   /* NULL: nothing known of why it waits */
	const struct keymap *keys;      /* the keys in force, which text may name; NULL: defaults */
	const struct marks *marks;      /* rows that changed lately (marks_key's); NULL: none */
	const struct log_progress *progress; /* the open workflow's tasks, from logs; NULL: none */
	bool progress_live;        /* progress's log is followed now, so a silence is one */
	const struct tally *tally; /* the list's rows' counts; NULL: none */
	const struct view_headline *headline; /* the followed workflow's; NULL: none */
};

/* The other running tasks of g than task (at most max, into peers): a silence's measure. */
size_t view_running_peers(const struct osmo_group *g, const char *task, const char **peers,
                          size_t max);
/* Draws the change mark (•) in the cell after a row's status glyph at col when key is marked. */
void view_mark(const struct render_ctx *rc, struct canvas *c, int row, int col, const char *key);

/* Seconds from an answer fetched at fetched_ms to rc->now_ms (0 when unknown or stale). */
double view_since_s(const struct render_ctx *rc, int64_t fetched_ms);

/* The workflow list: one row per workflow, newest first as fetched. */
void view_workflows_render(const struct render_ctx *rc, const struct osmo_workflow_list *list,
                           struct canvas *c);
/* One workflow: header, then each group (in DAG order) with its tasks. */
void view_workflow_render(const struct render_ctx *rc, const struct osmo_workflow *wf,
                          struct canvas *c);
/* The table's header and one group's rows (its group row, then its tasks) in rows rows at row. */
void view_workflow_group_tasks(const struct render_ctx *rc, const struct osmo_workflow *wf,
                               size_t group, struct canvas *c, int row, int rows);
/* Groups in DAG order (upstream first, then by name); returns an array of indices. */
size_t *view_group_order(const struct osmo_workflow *wf);
/* The workflow view's rows in order (caller frees); *n gets how many. */
struct view_row *view_workflow_rows(const struct osmo_workflow *wf, size_t *n);
/* The row in c where the list's and the workflow's table rows start (titles and headers above). */
int view_workflows_table_row(void);
int view_workflow_table_row(const struct render_ctx *rc, const struct osmo_workflow *wf,
                            const struct canvas *c);

#endif
