/* view_dag.c: the monitor's DAG view: the open workflow's groups as a graph or on a time axis. */
#include "tui/view_ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/gantt.h"

/* The workflow changed: the next frame lays it out again. */
void
view_dag_invalidate(struct app *a)
{
	if (a->dag.have_layout) {
		dag_layout_free(&a->dag.layout);
		dag_whole_free(&a->dag.whole);
	}
	a->dag.have_layout = false;
}

static void
view_dag_drop_ancestors(struct app *a)
{
	struct view_dag *d = &a->dag;

	if (d->anc_req)
		api_abort(a->s->api, d->anc_req);
	d->anc_req = 0;
	for (size_t i = 0; i < d->n_anc; i++) {
		osmo_workflow_free(&d->anc[i]);
		free(d->anc_id[i]);
	}
	d->n_anc = 0;
	free(d->anc_asking);
	d->anc_asking = NULL;
	view_dag_invalidate(a);
}

void
view_dag_free(struct app *a)
{
	view_dag_drop_ancestors(a);
	free(a->dag.anc_failed);
	a->dag.anc_failed = NULL;
}

static void
view_dag_ancestor_done(void *ctx, struct api_result *res)
{
	struct app *a = ctx;
	struct view_dag *d = &a->dag;

	d->anc_req = 0;
	if (res->err.kind != API_OK) {
		/* Gone or refused: the picture does without it, and it is not asked for again. */
		free(d->anc_failed);
		d->anc_failed = d->anc_asking;
	} else {
		d->anc[d->n_anc] = res->workflow;
		memset(&res->workflow, 0, sizeof(res->workflow));
		d->anc_id[d->n_anc++] = d->anc_asking;
		view_dag_invalidate(a);
	}
	d->anc_asking = NULL;
	api_result_free(res);
	a->dirty = true;
	view_dag_want_ancestors(a);
}

void
view_dag_want_ancestors(struct app *a)
{
	struct view_dag *d = &a->dag;
	struct api_callbacks cb = { .done = view_dag_ancestor_done, .ctx = a };
	char *parent, *id;

	if (!a->wf.have || !a->wf.graph)
		return;
	parent = osmo_workflow_parent_id(&a->wf.data);
	/* Another workflow's chain: start over. */
	if ((d->n_anc && (!parent || strcmp(parent, d->anc_id[0]) != 0)) ||
	    (!d->n_anc && d->anc_req && (!parent || strcmp(parent, d->anc_asking) != 0)))
		view_dag_drop_ancestors(a);
	id = d->n_anc ? osmo_workflow_parent_id(&d->anc[d->n_anc - 1]) : parent;
	if (id != parent)
		free(parent);
	if (!id || d->anc_req || d->n_anc == VIEW_DAG_ANCESTORS ||
	    (d->anc_failed && strcmp(id, d->anc_failed) == 0)) {
		free(id);
		return;
	}
	d->anc_asking = id;
	d->anc_req = api_query(a->s->api, id, true, false, cb);
}

static const struct dag_layout *
view_dag_layout(struct app *a)
{
	if (!a->dag.have_layout) {
		dag_whole_make(&a->wf.data, a->dag.anc, a->dag.n_anc, &a->dag.whole);
		dag_layout(&a->dag.whole.wf, &a->dag.layout);
		a->dag.have_layout = true;
		a->dag.layouts++;
	}
	return &a->dag.layout;
}

/* The graph of groups over the table's place; the selected row's group is highlighted. */
static void
view_dag_graph(struct app *a, const struct render_ctx *rc, struct canvas *body, int room,
               const struct dag_marks *marks)
{
	const struct osmo_workflow *wf = &a->dag.whole.wf;
	const struct dag_layout *l = &a->dag.layout;
	struct dag_extent ext;
	const struct osmo_task *t;
	const struct osmo_group *g = view_table_selected(a, &t);
	int top = body->rows - room;
	int sel_group = g ? (int)(g - a->wf.data.groups) : -1;
	/* The selected group's tasks below the graph: its header, group row and tasks. */
	int tasks = g && room >= 12 ? (int)g->n_tasks + 2 : 0;
	struct view_dag *d = &a->dag;
	struct dag_rect area;

	if (tasks > room / 2)
		tasks = room / 2;
	area = (struct dag_rect){ top - 1, 0, room - tasks, body->cols };
	for (int r = top - 1; r < body->rows; r++)
		canvas_fill(body, r, 0, body->cols, ' ', STYLE_NORMAL);
	dag_render(rc, wf, l, marks, sel_group, d->pan_row, d->pan_col, body, area, &ext);
	/*
	 * A wrapped layer a few rows short takes the tasks' rows when that shows all of it, the
	 * join too: the selected group's line says its state, and the table is a d away.
	 */
	if (ext.wrapped && ext.rows > area.rows && ext.rows <= room) {
		area.rows = ext.rows;
		dag_render(rc, wf, l, marks, sel_group, d->pan_row, d->pan_col, body, area, &ext);
	}
	/* Keep the selected group on screen. */
	if (ext.selected.rows && (ext.selected.col < ext.pan_col ||
	                          ext.selected.col + ext.selected.cols > ext.pan_col + area.cols ||
	                          ext.selected.row < ext.pan_row ||
	                          ext.selected.row + ext.selected.rows > ext.pan_row + area.rows)) {
		d->pan_col = ext.selected.col > 2 ? ext.selected.col - 2 : 0;
		d->pan_row = ext.selected.row > 1 ? ext.selected.row - 1 : 0;
		dag_render(rc, wf, l, marks, sel_group, d->pan_row, d->pan_col, body, area, &ext);
	}
	/* The tasks follow the drawing right under it, taking whatever room it leaves. */
	if (tasks) {
		int used = ext.rows - ext.pan_row < area.rows ? ext.rows - ext.pan_row : area.rows;

		view_workflow_group_tasks(rc, &a->wf.data, (size_t)sel_group, body,
		                          area.row + used + 1, room - used - 1);
	}
}

/* Time on the x axis over the table's place, the selected group kept in view. */
static void
view_dag_gantt(struct app *a, const struct render_ctx *rc, struct canvas *body, int room,
               const struct dag_marks *marks)
{
	const struct osmo_task *t;
	const struct osmo_group *g = view_table_selected(a, &t);
	int top = body->rows - room;

	gantt_render(rc, &a->dag.whole.wf, marks, g ? (int)(g - a->wf.data.groups) : -1,
	             a->dag.mode == VIEW_DAG_GANTT_TASKS, body,
	             (struct dag_rect){ top - 1, 0, room, body->cols });
}

/* The table is drawn first for its header; the graph then takes the table's rows. */
static void
view_dag_draw(struct app *a, struct render_ctx *rc, struct canvas *body)
{
	int room = view_table_draw_table(a, rc, body);
	bool *critical;
	struct dag_marks marks;

	if (room < 0)
		return;
	view_dag_layout(a);
	critical = xcalloc(a->dag.whole.wf.n_groups + 1, sizeof(*critical));
	marks = (struct dag_marks){ a->dag.whole.reused, critical };
	/* One group on its own is no chain worth pointing out. */
	if (dag_critical_path(&a->dag.whole.wf, rc->now_ms, critical) < 2)
		marks.critical = NULL;
	if (a->dag.mode == VIEW_DAG_GRAPH)
		view_dag_graph(a, rc, body, room, &marks);
	else
		view_dag_gantt(a, rc, body, room, &marks);
	free(critical);
	view_table_draw_detail(a, body);
}

/* t: time on the x axis (by group, then by task too), then the graph again; from the table,
 * the DAG view on its time axis. */
void
view_dag_act_timeline(struct app *a, enum keymap_action act)
{
	(void)act;
	if (a->view != &view_dag_ops) {
		a->wf.graph = true;
		a->dag.pan_row = a->dag.pan_col = 0;
		a->dag.mode = VIEW_DAG_GANTT;
		app_switch(a, &view_dag_ops);
		view_dag_want_ancestors(a);
		return;
	}
	a->dag.mode = (a->dag.mode + 1) % VIEW_DAG_MODES;
	a->dirty = true;
}

/* The same keys and selection as the table: the DAG is another way of showing it. */
VIEW_OPS(view_dag, KEYMAP_IN_WORKFLOW, VIEW_PLAIN, NULL, NULL, view_table_acts, view_table_move,
         view_dag_draw, view_table_target, &view_table_slash, view_table_hints);
