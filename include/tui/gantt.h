/* gantt.h: a workflow's groups (and tasks) on a time axis, from their phase timestamps. */
#ifndef OSMO_TUI_GANTT_H
#define OSMO_TUI_GANTT_H

#include <stdbool.h>

#include "tui/canvas.h"
#include "tui/dag.h"
#include "tui/view.h"
#include "client/model.h"

/*
 * A row per group in DAG order (with tasks: each task's newest retry under its group), its
 * bar from submission to the end or rc->now_ms: waiting for upstream, queued, running, done or
 * failed; the critical path and reused groups marked (marks may be NULL). The selected group
 * (-1: none) is highlighted and kept in view.
 */
void gantt_render(const struct render_ctx *rc, const struct osmo_workflow *wf,
                  const struct dag_marks *marks, int selected_group, bool tasks, struct canvas *c,
                  struct dag_rect area);

#endif
