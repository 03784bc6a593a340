/* view_dag.c: the monitor's DAG view: the open workflow's groups as a graph, laid out once per update. */
#include "tui/view_ops.h"

/* The workflow changed: the next frame lays it out again. */
void
view_dag_invalidate(struct app *a)
{
	if (a->dag.have_layout)
		dag_layout_free(&a->dag.layout);
	a->dag.have_layout = false;
}

static const struct dag_layout *
view_dag_layout(struct app *a)
{
	if (!a->dag.have_layout) {
		dag_layout(&a->wf.data, &a->dag.layout);
		a->dag.have_layout = true;
		a->dag.layouts++;
	}
	return &a->dag.layout;
}

/* The graph of groups over the table's place; the selected row's group is highlighted. */
static void
view_dag_graph(struct app *a, const struct render_ctx *rc, struct canvas *body, int room)
{
	const struct osmo_workflow *wf = &a->wf.data;
	const struct dag_layout *l = view_dag_layout(a);
	struct dag_extent ext;
	const struct osmo_task *t;
	const struct osmo_group *g = view_table_selected(a, &t);
	int top = body->rows - room;
	int sel_group = g ? (int)(g - wf->groups) : -1;
	/* The selected group's tasks below the graph: its header, group row and tasks. */
	int tasks = g && room >= 12 ? (int)g->n_tasks + 2 : 0;
	struct view_dag *d = &a->dag;
	struct dag_rect area;

	if (tasks > room / 2)
		tasks = room / 2;
	area = (struct dag_rect){ top - 1, 0, room - tasks, body->cols };
	for (int r = top - 1; r < body->rows; r++)
		canvas_fill(body, r, 0, body->cols, ' ', STYLE_NORMAL);
	dag_render(rc, wf, l, sel_group, d->pan_row, d->pan_col, body, area, &ext);
	/* Keep the selected group on screen. */
	if (ext.selected.rows && (ext.selected.col < ext.pan_col ||
	                          ext.selected.col + ext.selected.cols > ext.pan_col + area.cols ||
	                          ext.selected.row < ext.pan_row ||
	                          ext.selected.row + ext.selected.rows > ext.pan_row + area.rows)) {
		d->pan_col = ext.selected.col > 2 ? ext.selected.col - 2 : 0;
		d->pan_row = ext.selected.row > 1 ? ext.selected.row - 1 : 0;
		dag_render(rc, wf, l, sel_group, d->pan_row, d->pan_col, body, area, &ext);
	}
	/* The tasks follow the drawing right under it, taking whatever room it leaves. */
	if (tasks) {
		int used = ext.rows - ext.pan_row < area.rows ? ext.rows - ext.pan_row : area.rows;

		view_workflow_group_tasks(rc, wf, (size_t)sel_group, body, area.row + used + 1,
		                          room - used - 1);
	}
}

/* The table is drawn first for its header; the graph then takes the table's rows. */
static void
view_dag_draw(struct app *a, struct render_ctx *rc, struct canvas *body)
{
	int room = view_table_draw_table(a, rc, body);

	if (room < 0)
		return;
	view_dag_graph(a, rc, body, room);
	view_table_draw_detail(a, body);
}

/* The same keys and selection as the table: the DAG is another way of showing it. */
VIEW_OPS(view_dag, KEYMAP_IN_WORKFLOW, VIEW_PLAIN, NULL, NULL, view_table_acts, view_table_move,
         view_dag_draw, view_table_target, &view_table_slash, view_table_hints);
