/* view_workflows.c: the workflow list, one row per workflow. */
#include "tui/view.h"

#include <stdio.h>
#include <stdlib.h>

#include "tui/format.h"
#include "tui/theme.h"

/*
 * Column order is the draw order; the ID column absorbs spare width, and narrower terminals
 * drop the least useful columns first: the wide screen's extras, then pool, priority, user,
 * submit time, and at last the status's name, its glyph staying.
 */
enum {
	COL_ST,
	COL_STATUS,
	COL_ID,
	COL_USER,
	COL_POOL,
	COL_PRI,
	COL_AGE,
	COL_STARTED,
	COL_QUEUED,
	COL_DURATION
};
static const struct canvas_col view_workflows_cols[] = {
	[COL_ST] = { "", 2, 0 },           [COL_STATUS] = { "STATUS", 21, 7 },
	[COL_ID] = { "WORKFLOW", 0, 0 },   [COL_USER] = { "USER", 20, 5 },
	[COL_POOL] = { "POOL", 14, 3 },    [COL_PRI] = { "PRI", 7, 4 },
	[COL_AGE] = { "AGE", 7, 6 },       [COL_STARTED] = { "STARTED", 12, 2 },
	[COL_QUEUED] = { "QUEUED", 8, 1 }, [COL_DURATION] = { "DURATION", 9, 0 },
};

/*
 * The STATUS cell: a running workflow with failed tasks says how many, "RUNNING · 2 failed";
 * "2 tasks failed" would not fit the column's 21 cells.
 */
static const char *
view_workflows_status(const struct osmo_workflow_row *r, char *buf, size_t size)
{
	if (r->status != OSMO_RUNNING || r->failed_tasks <= 0)
		return osmo_status_wire(r->status);
	snprintf(buf, size, "%s · %d failed", osmo_status_wire(r->status), r->failed_tasks);
	return buf;
}

void
view_workflows_render(const struct render_ctx *rc, const struct osmo_workflow_list *list,
                      struct canvas *c)
{
	int w[ARRAY_SIZE(view_workflows_cols)];
	char buf[256], sub0[FORMAT_BUF];
	int col, row = 0;

	canvas_fit(view_workflows_cols, ARRAY_SIZE(view_workflows_cols), c->cols, 16, 8, w);
	canvas_fill(c, row, 0, c->cols, ' ', STYLE_TITLE);
	if (rc->stale)
		format_time_short(rc->now_ms, sub0);
	snprintf(buf, sizeof(buf), "osmotop · workflows · %zu shown%s%s%s%s%s%s%s", list->n_rows,
	         rc->stale ? " · as of " : "", rc->stale ? sub0 : "",
	         list->more_entries ? " · more on the server" : "",
	         rc->note && *rc->note ? " · " : "", rc->note ? rc->note : "",
	         rc->server ? " · " : "", rc->server ? rc->server : "");
	canvas_text_ellipsis(c, row++, 0, c->cols, STYLE_TITLE, buf);
	canvas_header(c, row++, view_workflows_cols, ARRAY_SIZE(view_workflows_cols), w);
	if (list->n_rows == 0)
		canvas_text(c, row, 1, c->cols - 1, STYLE_DIM, "No workflows match.");
	for (size_t i = rc->top > 0 ? (size_t)rc->top : 0; i < list->n_rows && row < c->rows;
	     i++, row++) {
		const struct osmo_workflow_row *r = &list->rows[i];
		enum style st = theme_status_style(r->status);
		char sub[FORMAT_BUF], dur[FORMAT_BUF], started[FORMAT_BUF], queued[FORMAT_BUF];
		char status[64];
		bool badged = r->status == OSMO_RUNNING && r->failed_tasks > 0;
		/* A running workflow's duration moves on from the answer's. */
		double d = r->duration_s < 0 ? -1
		           : osmo_status_is_alive(r->status)
		                   ? r->duration_s + view_since_s(rc, list->fetched_ms)
		                   : r->duration_s;

		/* Age as k9s and ps show it: since the submit, to the second the frame is of. */
		format_duration(r->submit_ms ? (double)(rc->now_ms - r->submit_ms) / 1000.0 : -1,
		                sub);
		format_time_short(r->start_ms, started);
		format_duration(r->queued_s, queued);
		format_duration(d, dur);
		col = 0;
		col = canvas_column(c, row, col, w[COL_ST], st,
		                    theme_status_glyph(r->status, rc->ascii));
		view_mark(rc, c, row, 0, r->name);
		/* The badge takes the failed style: it is what asks for a look. */
		col = canvas_column(c, row, col, w[COL_STATUS],
		                    badged ? theme_status_style(OSMO_FAILED) : st,
		                    view_workflows_status(r, status, sizeof(status)));
		col = canvas_column(c, row, col, w[COL_ID], STYLE_NORMAL, r->name);
		col = canvas_column(c, row, col, w[COL_USER], STYLE_NORMAL,
		                    r->user ? r->user : "-");
		col = canvas_column(c, row, col, w[COL_POOL], STYLE_NORMAL,
		                    r->pool ? r->pool : "-");
		col = canvas_column(c, row, col, w[COL_PRI], STYLE_DIM,
		                    r->priority ? r->priority : "-");
		col = canvas_column(c, row, col, w[COL_AGE], STYLE_NORMAL, sub);
		col = canvas_column(c, row, col, w[COL_STARTED], STYLE_NORMAL, started);
		col = canvas_column(c, row, col, w[COL_QUEUED], STYLE_NORMAL, queued);
		canvas_column(c, row, col, w[COL_DURATION], STYLE_NORMAL, dur);
		if (rc->select && (int)i == rc->selected)
			canvas_style(c, row, 0, c->cols, STYLE_SELECTED);
	}
}

int
view_workflows_table_row(void)
{
	return 2; /* the title and the column header */
}
