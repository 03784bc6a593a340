/* view.h: views render model snapshots into a canvas; no curses, no I/O. */
#ifndef OSMO_VIEW_H
#define OSMO_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "canvas.h"
#include "model.h"

struct render_ctx {
	int64_t now_ms;     /* wall clock for ages and running durations */
	bool ascii;         /* --ascii: no Unicode glyphs */
	const char *server; /* base URL, shown in the title */
};

/* The workflow list: one row per workflow, newest first as fetched. */
void view_workflows_render(const struct render_ctx *rc, const struct osmo_workflow_list *list,
                           struct canvas *c);
/* One workflow: header, then each group (in DAG order) with its tasks. */
void view_workflow_render(const struct render_ctx *rc, const struct osmo_workflow *wf,
                          struct canvas *c);
/* Groups in DAG order (upstream first, then by name); returns an array of indices. */
size_t *view_group_order(const struct osmo_workflow *wf);

#endif
