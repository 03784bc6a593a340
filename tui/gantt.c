/* gantt.c: the Gantt view of a workflow: a row per group (and task), time left to right. */
#include "tui/gantt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/format.h"
#include "tui/text.h"
#include "tui/theme.h"
#include "common/util.h"

enum {
	GANTT_LABEL_MIN = 12, /* the name column, at least... */
	GANTT_LABEL_MAX = 32, /* ...and at most */
	GANTT_DUR = 7,        /* "12h05m" and a space */
	GANTT_BAR_MIN = 8     /* fewer columns of time say nothing */
};

/* The spans of a row, in the order they come; the last is drawn by the row's outcome. */
enum gantt_span { GANTT_WAITING, GANTT_QUEUED, GANTT_RAN, GANTT_SPANS };

/* How a span or an outcome looks: its cell, its style (NORMAL: the status's) and its word. */
static const struct gantt_look {
	uint32_t uni;
	char ascii;
	enum style style;
	const char *word;
} gantt_spans[GANTT_SPANS] = {
	[GANTT_WAITING] = { 0x00b7, '.', STYLE_DIM, "waiting" },
	[GANTT_QUEUED] = { 0x2591, '-', STYLE_STATUS_QUEUED, "queued" },
	[GANTT_RAN] = { 0x2592, '=', STYLE_STATUS_RUNNING, "running" },
};

enum gantt_end { GANTT_RUNNING, GANTT_DONE, GANTT_FAILED, GANTT_ENDS };

static const struct gantt_look gantt_ends[GANTT_ENDS] = {
	[GANTT_RUNNING] = { 0x2592, '=', STYLE_STATUS_RUNNING, "running" },
	[GANTT_DONE] = { 0x2588, '#', STYLE_STATUS_DONE, "done" },
	[GANTT_FAILED] = { 0x2573, 'x', STYLE_STATUS_FAILED, "failed" },
};

struct gantt_row {
	size_t group;
	const struct osmo_task *task; /* NULL: the group's row */
	const char *name;
	enum osmo_status status;
	int64_t queued_ms, start_ms, end_ms; /* 0: not reached */
	bool reused, critical;
};

struct gantt {
	const struct render_ctx *rc;
	struct canvas *c;
	struct dag_rect area;
	int64_t t0, t1, submit_ms;
	int label, bar; /* columns */
	struct gantt_row *rows;
	size_t n;
};

/* The first phase a group or task reached after waiting: processing, scheduling, initializing. */
static int64_t
gantt_first(int64_t a, int64_t b, int64_t c)
{
	return a ? a : b ? b : c;
}

static void
gantt_add(struct gantt *g, struct gantt_row row)
{
	g->rows = xreallocarray(g->rows, g->n + 1, sizeof(*g->rows));
	g->rows[g->n++] = row;
}

/* Each task's newest retry (they come by name, newest first): the leads, or the others. */
static void
gantt_tasks(struct gantt *g, const struct osmo_group *grp, size_t group, bool leads)
{
	bool reused = g->rows[g->n - 1].reused;

	for (size_t t = 0; t < grp->n_tasks; t++) {
		const struct osmo_task *tk = &grp->tasks[t];

		if (t > 0 && tk->name && grp->tasks[t - 1].name &&
		    strcmp(tk->name, grp->tasks[t - 1].name) == 0)
			continue;
		if (tk->lead != leads)
			continue;
		gantt_add(g, (struct gantt_row){
		                     .group = group,
		                     .task = tk,
		                     .name = tk->name ? tk->name : "?",
		                     .status = tk->status,
		                     .queued_ms = gantt_first(tk->processing_ms, tk->scheduling_ms,
		                                              tk->initializing_ms),
		                     .start_ms = tk->start_ms,
		                     .end_ms = tk->end_ms,
		                     .reused = reused,
		             });
	}
}

static void
gantt_rows(struct gantt *g, const struct osmo_workflow *wf, const struct dag_marks *marks,
           bool tasks)
{
	size_t *order = view_group_order(wf);

	for (size_t i = 0; i < wf->n_groups; i++) {
		const struct osmo_group *grp = &wf->groups[order[i]];

		gantt_add(g,
		          (struct gantt_row){
		                  .group = order[i],
		                  .name = grp->name ? grp->name : "?",
		                  .status = grp->status,
		                  .queued_ms = gantt_first(grp->processing_ms, grp->scheduling_ms,
		                                           grp->initializing_ms),
		                  .start_ms = grp->start_ms,
		                  .end_ms = grp->end_ms,
		                  .reused = marks && marks->reused && marks->reused[order[i]],
		                  .critical = marks && marks->critical && marks->critical[order[i]],
		          });
		/* The lead first, as the table has it, then the others by name. */
		for (int pass = 0; tasks && pass < 2; pass++)
			gantt_tasks(g, grp, order[i], pass == 0);
	}
	free(order);
}
/* The time axis: from submission (or the earliest reused run) to the last end, or now. */
static void
gantt_axis(struct gantt *g, const struct osmo_workflow *wf)
{
	int64_t lo = wf->submit_ms, hi = wf->end_ms;

	for (size_t i = 0; i < g->n; i++) {
		const struct gantt_row *r = &g->rows[i];
		int64_t first = r->queued_ms ? r->queued_ms : r->start_ms;

		if (first && (!lo || first < lo))
			lo = first;
		hi = r->end_ms > hi ? r->end_ms : hi;
		if (r->start_ms > hi)
			hi = r->start_ms;
	}
	if (!osmo_status_is_finished(wf->status) && g->rc->now_ms > hi)
		hi = g->rc->now_ms;
	g->t0 = lo;
	g->t1 = hi > lo ? hi : lo + 1;
	g->submit_ms = wf->submit_ms;
}

static int
gantt_col(const struct gantt *g, int64_t t)
{
	long double f = (long double)(t - g->t0) / (long double)(g->t1 - g->t0);
	int col = (int)(f * g->bar);

	return col < 0 ? 0 : col > g->bar ? g->bar : col;
}

static void
gantt_span(const struct gantt *g, int y, int64_t from, int64_t to, const struct gantt_look *look,
           bool dim)
{
	int a, b;
	char buf[5];

	if (!from || to <= from)
		return;
	a = gantt_col(g, from);
	b = gantt_col(g, to);
	/* Anything that happened takes a cell, however short. */
	if (b <= a)
		b = a + 1;
	if (b > g->bar)
		b = g->bar;
	buf[text_encode(g->rc->ascii ? (uint32_t)look->ascii : look->uni, buf)] = '\0';
	for (int x = a; x < b; x++)
		canvas_text(g->c, y, g->area.col + g->label + 1 + x, 1,
		            dim ? STYLE_DIM : look->style, buf);
}

static void
gantt_row_draw(const struct gantt *g, const struct gantt_row *r, int shared, int y, bool selected)
{
	int x = g->area.col, label = g->label - 1;
	bool alive = !osmo_status_is_finished(r->status);
	int64_t now = g->rc->now_ms;
	int64_t end = r->end_ms ? r->end_ms : alive ? now : 0;
	enum gantt_end outcome = osmo_status_is_failed(r->status) ? GANTT_FAILED
	                         : alive                          ? GANTT_RUNNING
	                                                          : GANTT_DONE;
	char dur[FORMAT_BUF], *name;
	int used;

	if (r->critical)
		canvas_text(g->c, y, x, 1, STYLE_WARN, g->rc->ascii ? ">" : "»");
	x += 1;
	if (r->task) {
		x += 2;
		label -= 2;
		used = canvas_text(g->c, y, x, label, STYLE_LEAD,
		                   r->task->lead ? theme_lead_mark(g->rc->ascii) : " ");
		x += used + 1;
		label -= used + 1;
	}
	used = canvas_text(g->c, y, x, label, theme_status_style(r->status),
	                   theme_status_glyph(r->status, g->rc->ascii));
	name = dag_elide(r->name, label - used - 1, shared);
	canvas_text(g->c, y, x + used + 1, label - used - 1,
	            r->reused ? STYLE_DIM
	            : r->task ? STYLE_NORMAL
	                      : STYLE_TITLE,
	            name);
	free(name);
	/* Waiting for upstream only counts in this run: a reused group ran before it. */
	if (!r->reused && !r->task)
		gantt_span(g, y, g->submit_ms,
		           r->queued_ms  ? r->queued_ms
		           : r->start_ms ? r->start_ms
		           : alive       ? now
		                         : r->end_ms,
		           &gantt_spans[GANTT_WAITING], false);
	gantt_span(g, y, r->queued_ms,
	           r->start_ms ? r->start_ms
	           : alive     ? now
	                       : r->end_ms,
	           &gantt_spans[GANTT_QUEUED], r->reused);
	gantt_span(g, y, r->start_ms, end, &gantt_ends[outcome], r->reused);
	if (r->reused && r->start_ms) {
		int after = gantt_col(g, end) + 2;

		if (after + (int)strlen("reused") <= g->bar)
			canvas_text(g->c, y, g->area.col + g->label + 1 + after,
			            (int)strlen("reused"), STYLE_DIM, "reused");
	}
	format_duration(r->start_ms && end ? (double)(end - r->start_ms) / 1000.0 : -1, dur);
	canvas_text(g->c, y, g->area.col + g->area.cols - (int)text_width(dur), GANTT_DUR,
	            STYLE_NORMAL, dur);
	if (selected)
		canvas_style(g->c, y, g->area.col, g->label, STYLE_SELECTED);
}

/* The axis: the first moment's clock time at the left, the span at the right. */
static void
gantt_header(const struct gantt *g, int y)
{
	char t0[FORMAT_BUF], span[FORMAT_BUF], right[FORMAT_BUF + 1];
	int x = g->area.col + g->label + 1;

	canvas_text(g->c, y, g->area.col, g->label, STYLE_HEADER, " GROUP / TASK");
	canvas_fill(g->c, y, g->area.col + g->label, g->area.cols - g->label, ' ', STYLE_HEADER);
	format_time(g->t0, t0);
	format_duration((double)(g->t1 - g->t0) / 1000.0, span);
	snprintf(right, sizeof(right), "+%s", span);
	canvas_text(g->c, y, x, g->bar, STYLE_HEADER, t0 + (strlen(t0) > 11 ? 11 : 0));
	canvas_text(g->c, y, x + g->bar - (int)strlen(right), (int)strlen(right), STYLE_HEADER,
	            right);
}

/* What the cells mean, on the last row. */
static void
gantt_legend(const struct gantt *g, int y)
{
	const struct gantt_look *looks[] = { &gantt_spans[GANTT_WAITING],
		                             &gantt_spans[GANTT_QUEUED], &gantt_ends[GANTT_RUNNING],
		                             &gantt_ends[GANTT_DONE], &gantt_ends[GANTT_FAILED] };
	int x = g->area.col + 1;

	for (size_t i = 0; i < sizeof(looks) / sizeof(looks[0]); i++) {
		char cell[5];

		cell[text_encode(g->rc->ascii ? (uint32_t)looks[i]->ascii : looks[i]->uni, cell)] =
		        '\0';
		x += canvas_text(g->c, y, x, g->area.col + g->area.cols - x, looks[i]->style, cell);
		x += canvas_text(g->c, y, x, g->area.col + g->area.cols - x, STYLE_DIM, " ");
		x += canvas_text(g->c, y, x, g->area.col + g->area.cols - x, STYLE_DIM,
		                 looks[i]->word);
		x += canvas_text(g->c, y, x, g->area.col + g->area.cols - x, STYLE_DIM, "  ");
	}
	x += canvas_text(g->c, y, x, g->area.col + g->area.cols - x, STYLE_WARN,
	                 g->rc->ascii ? ">" : "»");
	canvas_text(g->c, y, x, g->area.col + g->area.cols - x, STYLE_DIM, " critical path");
}

void
gantt_render(const struct render_ctx *rc, const struct osmo_workflow *wf,
             const struct dag_marks *marks, int selected_group, bool tasks, struct canvas *c,
             struct dag_rect area)
{
	struct gantt g = { .rc = rc, .c = c, .area = area };
	int body, top = 0, widest = 0, *shared;
	size_t sel = (size_t)-1;
	const char **names;

	for (int r = 0; r < area.rows; r++)
		canvas_fill(c, area.row + r, area.col, area.cols, ' ', STYLE_NORMAL);
	if (area.rows < 2 || area.cols < GANTT_LABEL_MIN + GANTT_DUR + GANTT_BAR_MIN)
		return;
	if (!wf->n_groups) {
		canvas_text(c, area.row, area.col, area.cols, STYLE_DIM, "No groups yet.");
		return;
	}
	gantt_rows(&g, wf, marks, tasks);
	for (size_t i = 0; i < g.n; i++) {
		/* The mark, the status and a space each side of the name; a task's indent and lead. */
		int w = (int)text_width(g.rows[i].name) + (g.rows[i].task ? 8 : 4);

		widest = w > widest ? w : widest;
		if (!g.rows[i].task && (int)g.rows[i].group == selected_group)
			sel = i;
	}
	g.label = widest < GANTT_LABEL_MIN ? GANTT_LABEL_MIN : widest;
	if (g.label > GANTT_LABEL_MAX)
		g.label = GANTT_LABEL_MAX;
	if (g.label > area.cols / 3)
		g.label = area.cols / 3 > GANTT_LABEL_MIN ? area.cols / 3 : GANTT_LABEL_MIN;
	g.bar = area.cols - g.label - 1 - GANTT_DUR;
	gantt_axis(&g, wf);
	gantt_header(&g, area.row);
	body = area.rows - 1 - (area.rows >= 6);
	if (area.rows >= 6)
		gantt_legend(&g, area.row + area.rows - 1);
	/* The selected group and its first rows in view. */
	if (sel != (size_t)-1 && (int)sel >= body)
		top = (int)sel - body / 2;
	if (top > (int)g.n - body)
		top = (int)g.n - body > 0 ? (int)g.n - body : 0;
	/* Groups' names are told apart from groups', tasks' from tasks'. */
	names = xcalloc(g.n, sizeof(*names));
	shared = xcalloc(g.n, sizeof(*shared));
	for (int task = 0; task < 2; task++) {
		size_t n = 0;
		int *part;

		for (size_t i = 0; i < g.n; i++)
			if ((g.rows[i].task != NULL) == task)
				names[n++] = g.rows[i].name;
		part = dag_name_shares(names, n);
		n = 0;
		for (size_t i = 0; i < g.n; i++)
			if ((g.rows[i].task != NULL) == task)
				shared[i] = part[n++];
		free(part);
	}
	for (int i = 0; i < body && (size_t)(top + i) < g.n; i++)
		gantt_row_draw(&g, &g.rows[top + i], shared[top + i], area.row + 1 + i,
		               (size_t)(top + i) == sel);
	free(shared);
	free(names);
	free(g.rows);
}
