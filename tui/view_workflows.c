/* view_workflows.c: the workflow list, one row per workflow. */
#include "tui/view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/format.h"
#include "tui/theme.h"

/*
 * Column order is the draw order; the ID column absorbs spare width, and narrower terminals
 * drop the least useful columns first: the wide screen's extras, then pool, priority, user,
 * progress, submit time, and at last the status's name, its glyph staying.
 */
enum {
	COL_ST,
	COL_STATUS,
	COL_ID,
	COL_PROGRESS,
	COL_USER,
	COL_POOL,
	COL_PRI,
	COL_AGE,
	COL_STARTED,
	COL_QUEUED,
	COL_DURATION
};
static const struct canvas_col view_workflows_cols[] = {
	[COL_ST] = { "", 2, 0 },
	[COL_STATUS] = { "STATUS", 21, 8 },
	[COL_ID] = { "WORKFLOW", 0, 0 },
	[COL_PROGRESS] = { "PROGRESS", 18, 6 },
	[COL_USER] = { "USER", 20, 5 },
	[COL_POOL] = { "POOL", 14, 3 },
	[COL_PRI] = { "PRI", 7, 4 },
	[COL_AGE] = { "AGE", 7, 7 },
	[COL_STARTED] = { "STARTED", 12, 2 },
	[COL_QUEUED] = { "QUEUED", 8, 1 },
	[COL_DURATION] = { "DURATION", 9, 0 },
};

/* Counts older than this are drawn dim: a big workflow is counted every few minutes. */
#define VIEW_WORKFLOWS_TALLY_OLD_MS 60000

/*
 * The PROGRESS cell, narrow enough to stay at 80 columns: tasks done of all, "▕██  ▏ 12/40",
 * from the workflow's own answer; for the workflow followed, how its slowest running task's
 * counter goes, "45% · ETA 7m50s", or how many of its tasks went silent, "⚠ 1 silent · 45%".
 */
static void
view_workflows_progress(const struct render_ctx *rc, const struct osmo_workflow_row *r,
                        struct canvas *c, int row, int col, int width)
{
	const struct tally_entry *e = tally_find(rc->tally, r->name);
	const struct view_headline *h =
	        rc->headline && strcmp(rc->headline->workflow, r->name) == 0 ? rc->headline : NULL;
	struct strbuf sb = { 0 };
	char bar[64], eta[FORMAT_BUF];
	enum style st = STYLE_NORMAL;

	if (h && h->silent) {
		strbuf_addf(&sb, "%s %zu silent", rc->ascii ? "!" : "⚠", h->silent);
		st = STYLE_WARN;
	}
	if (h && h->fraction >= 0) {
		strbuf_addf(&sb, "%s%d%%", sb.len ? " · " : "", (int)(h->fraction * 100));
		/* While a task is silent its ETA is no promise. */
		if (h->eta_ms >= 0 && h->fraction < 1 && !h->silent) {
			format_duration((double)(h->eta_ms - rc->now_ms) / 1000.0, eta);
			strbuf_addf(&sb, " · ETA %s", h->eta_ms > rc->now_ms ? eta : "now");
		}
	} else if (e && !sb.len) {
		format_bar(e->t.tasks ? (double)e->t.tasks_done / (double)e->t.tasks : 0, 4,
		           rc->ascii, bar, sizeof(bar));
		strbuf_addf(&sb, "%s %zu/%zu", bar, e->t.tasks_done, e->t.tasks);
		/* A full bar of a failed workflow must not read as done well; old counts of a live
		 * one say so by their colour, not as news. */
		if (osmo_status_is_failed(r->status))
			st = theme_status_style(r->status);
		else if (osmo_status_is_alive(r->status) &&
		         rc->now_ms - e->wall_ms > VIEW_WORKFLOWS_TALLY_OLD_MS)
			st = STYLE_DIM;
	}
	if (sb.len)
		canvas_text_ellipsis(c, row, col, width, st, sb.buf);
	strbuf_free(&sb);
}

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

	struct canvas_col cols[ARRAY_SIZE(view_workflows_cols)];

	/* Headless, nothing counts the rows' tasks: no column that would stay empty. */
	memcpy(cols, view_workflows_cols, sizeof(cols));
	if (!rc->tally)
		cols[COL_PROGRESS].width = -1;
	canvas_fit(cols, ARRAY_SIZE(cols), c->cols, 16, 8, w);
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
		if (w[COL_PROGRESS] >= 0) {
			view_workflows_progress(rc, r, c, row, col, w[COL_PROGRESS]);
			col += w[COL_PROGRESS] + 1;
		}
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
