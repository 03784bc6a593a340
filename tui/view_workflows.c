/* view_workflows.c: the workflow list, one row per workflow. */
#include "view.h"

#include <stdio.h>
#include <stdlib.h>

#include "format.h"
#include "theme.h"

struct view_workflows_col {
	const char *title;
	int width; /* 0: takes what is left */
};

/* Column order is the draw order; the ID column absorbs spare width. */
enum { COL_ST, COL_STATUS, COL_ID, COL_USER, COL_POOL, COL_PRI, COL_SUBMITTED, COL_DURATION };
static const struct view_workflows_col view_workflows_cols[] = {
	[COL_ST] = { "", 2 },
	[COL_STATUS] = { "STATUS", 21 },
	[COL_ID] = { "WORKFLOW", 0 },
	[COL_USER] = { "USER", 20 },
	[COL_POOL] = { "POOL", 14 },
	[COL_PRI] = { "PRI", 7 },
	[COL_SUBMITTED] = { "SUBMITTED", 12 },
	[COL_DURATION] = { "DURATION", 9 },
};

static void
view_workflows_widths(int cols, int *w)
{
	int fixed = 0, n = (int)ARRAY_SIZE(view_workflows_cols);

	for (int i = 0; i < n; i++)
		fixed += view_workflows_cols[i].width + 1;
	for (int i = 0; i < n; i++)
		w[i] = view_workflows_cols[i].width;
	w[COL_ID] = cols - fixed - 1;
	/* Narrow terminals drop the least useful columns first. */
	static const int drop[] = { COL_POOL, COL_PRI, COL_USER, COL_SUBMITTED };
	for (size_t i = 0; i < ARRAY_SIZE(drop) && w[COL_ID] < 16; i++) {
		w[COL_ID] += w[drop[i]] + 1;
		w[drop[i]] = -1;
	}
	if (w[COL_ID] < 8)
		w[COL_ID] = 8;
}

static int
view_workflows_cell(struct canvas *c, int row, int col, int width, enum style st, const char *s)
{
	if (width < 0)
		return col;
	canvas_text_ellipsis(c, row, col, width, st, s);
	return col + width + 1;
}

void
view_workflows_render(const struct render_ctx *rc, const struct osmo_workflow_list *list,
                      struct canvas *c)
{
	int w[ARRAY_SIZE(view_workflows_cols)];
	char buf[256];
	int col = 0, row = 0;

	view_workflows_widths(c->cols, w);
	canvas_fill(c, row, 0, c->cols, ' ', STYLE_TITLE);
	snprintf(buf, sizeof(buf), "osmotop · workflows · %zu shown%s%s%s%s%s", list->n_rows,
	         list->more_entries ? " · more on the server" : "",
	         rc->note && *rc->note ? " · " : "", rc->note ? rc->note : "",
	         rc->server ? " · " : "", rc->server ? rc->server : "");
	canvas_text_ellipsis(c, row++, 0, c->cols, STYLE_TITLE, buf);
	canvas_fill(c, row, 0, c->cols, ' ', STYLE_HEADER);
	for (size_t i = 0; i < ARRAY_SIZE(view_workflows_cols); i++)
		col = view_workflows_cell(c, row, col, w[i], STYLE_HEADER,
		                          view_workflows_cols[i].title);
	row++;
	if (list->n_rows == 0)
		canvas_text(c, row, 1, c->cols - 1, STYLE_DIM, "No workflows match.");
	for (size_t i = rc->top > 0 ? (size_t)rc->top : 0; i < list->n_rows && row < c->rows;
	     i++, row++) {
		const struct osmo_workflow_row *r = &list->rows[i];
		enum style st = theme_status_style(r->status);
		char sub[FORMAT_BUF], dur[FORMAT_BUF];
		double d = r->duration_s >= 0 ? r->duration_s : -1;

		format_time_short(r->submit_ms, sub);
		format_duration(d, dur);
		col = 0;
		col = view_workflows_cell(c, row, col, w[COL_ST], st,
		                          theme_status_glyph(r->status, rc->ascii));
		col = view_workflows_cell(c, row, col, w[COL_STATUS], st,
		                          osmo_status_wire(r->status));
		col = view_workflows_cell(c, row, col, w[COL_ID], STYLE_NORMAL, r->name);
		col = view_workflows_cell(c, row, col, w[COL_USER], STYLE_NORMAL,
		                          r->user ? r->user : "-");
		col = view_workflows_cell(c, row, col, w[COL_POOL], STYLE_NORMAL,
		                          r->pool ? r->pool : "-");
		col = view_workflows_cell(c, row, col, w[COL_PRI], STYLE_DIM,
		                          r->priority ? r->priority : "-");
		col = view_workflows_cell(c, row, col, w[COL_SUBMITTED], STYLE_NORMAL, sub);
		view_workflows_cell(c, row, col, w[COL_DURATION], STYLE_NORMAL, dur);
		if (rc->select && (int)i == rc->selected)
			canvas_style(c, row, 0, c->cols, STYLE_SELECTED);
	}
}

int
view_workflows_table_row(void)
{
	return 2; /* the title and the column header */
}
