/* view_forwards.c: the port-forwards manager: each forward's state, connections, bytes, retries. */
#include "tui/view_forwards.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/format.h"

/* The target takes what is left; narrow terminals keep where, what and how: the counters go. */
enum { COL_LOCAL, COL_TARGET, COL_STATE, COL_CONNS, COL_UP, COL_DOWN, COL_RETRIES };
static const struct canvas_col view_forwards_cols[] = {
	[COL_LOCAL] = { "LOCAL", 21, 0 },   [COL_TARGET] = { "TASK:PORT", 0, 0 },
	[COL_STATE] = { "STATE", 16, 0 },   [COL_CONNS] = { "CONNS", 5, 3 },
	[COL_UP] = { "SENT", 9, 2 },        [COL_DOWN] = { "RECEIVED", 9, 4 },
	[COL_RETRIES] = { "RECONN", 6, 1 },
};

/* How each state reads and looks. */
static const struct view_forwards_state {
	const char *name;
	enum style style;
} view_forwards_states[] = {
	[FORWARD_STARTING] = { "starting", STYLE_STATUS_STARTING },
	[FORWARD_LISTENING] = { "listening", STYLE_STATUS_DONE },
	[FORWARD_RETRYING] = { "retrying", STYLE_WARN },
	[FORWARD_FAILED] = { "failed", STYLE_STATUS_FAILED },
	[FORWARD_STOPPED] = { "stopped", STYLE_DIM },
};

int
view_forwards_table_row(void)
{
	return 2;
}

static void
view_forwards_row(const struct forward_info *fi, int64_t now, const int *w, bool selected,
                  struct canvas *c, int row)
{
	char local[FORMAT_BUF], state[2 * FORMAT_BUF], conns[FORMAT_BUF], up[FORMAT_BUF],
	        down[FORMAT_BUF], retries[FORMAT_BUF];
	char *target = xasprintf("%s/%s", fi->workflow, fi->task);
	char port[16];
	const struct view_forwards_state *st = &view_forwards_states[fi->state];
	enum style base = selected ? STYLE_SELECTED : STYLE_NORMAL;
	int col = 0;

	snprintf(local, sizeof(local), "127.0.0.1:%d%s", fi->local_port, fi->udp ? "/udp" : "");
	if (fi->state == FORWARD_RETRYING) {
		char in[FORMAT_BUF];

		format_duration(
		        fi->retry_at_ms > now ? (double)(fi->retry_at_ms - now) / 1000.0 : 0, in);
		snprintf(state, sizeof(state), "retry in %s", in);
	} else {
		snprintf(state, sizeof(state), "%s", st->name);
	}
	snprintf(conns, sizeof(conns), fi->udp ? "-" : "%zu", fi->conns_open);
	format_bytes(fi->bytes_up, up);
	format_bytes(fi->bytes_down, down);
	snprintf(retries, sizeof(retries), "%u", fi->reconnects);
	if (selected)
		canvas_fill(c, row, 0, c->cols, ' ', STYLE_SELECTED);
	col = canvas_column(c, row, col, w[COL_LOCAL], base, local);
	/* The port tells the rows of a range apart: a long name is cut before it, never it. */
	snprintf(port, sizeof(port), ":%d", fi->remote_port);
	if (w[COL_TARGET] > (int)strlen(port)) {
		int used = canvas_text_ellipsis(c, row, col, w[COL_TARGET] - (int)strlen(port),
		                                base, target);

		canvas_text(c, row, col + used, (int)strlen(port), base, port);
	}
	col += w[COL_TARGET] + 1;
	col = canvas_column(c, row, col, w[COL_STATE], selected ? base : st->style, state);
	col = canvas_column(c, row, col, w[COL_CONNS], base, conns);
	col = canvas_column(c, row, col, w[COL_UP], base, up);
	col = canvas_column(c, row, col, w[COL_DOWN], base, down);
	canvas_column(c, row, col, w[COL_RETRIES], base, retries);
	free(target);
}

void
view_forwards_render(const struct render_ctx *rc, const struct forward_mgr *m, int64_t mono_now_ms,
                     struct canvas *c)
{
	int w[ARRAY_SIZE(view_forwards_cols)];
	const struct forward_info *fi, *sel = NULL;
	size_t n = 0, live = 0;
	int row = 0;
	char *title;

	while (m && (fi = forward_info_at(m, n)) != NULL) {
		live += fi->state != FORWARD_FAILED && fi->state != FORWARD_STOPPED;
		n++;
	}
	canvas_fit(view_forwards_cols, ARRAY_SIZE(view_forwards_cols), c->cols, 12, 6, w);
	canvas_fill(c, row, 0, c->cols, ' ', STYLE_TITLE);
	title = xasprintf("osmotop · port-forwards · %zu running, %zu in all · x stop · X stop all",
	                  live, n);
	canvas_text_ellipsis(c, row++, 0, c->cols, STYLE_TITLE, title);
	free(title);
	canvas_header(c, row++, view_forwards_cols, ARRAY_SIZE(view_forwards_cols), w);
	if (n == 0)
		canvas_text(c, row, 1, c->cols - 1, STYLE_DIM,
		            "No port-forwards. F on a task in a workflow starts one.");
	for (size_t i = rc->top > 0 ? (size_t)rc->top : 0; i < n && row < c->rows - 1; i++, row++) {
		fi = forward_info_at(m, i);
		if ((int)i == rc->selected)
			sel = fi;
		view_forwards_row(fi, mono_now_ms, w, rc->select && (int)i == rc->selected, c, row);
	}
	/* Why the selected forward failed, retries, or its last connection ended badly (a task
	 * port nobody listens on): the table has no room for it. */
	if (sel && sel->err.kind != API_OK) {
		char *line = xasprintf("%s:%d: %s%s", sel->task, sel->remote_port,
		                       sel->state == FORWARD_LISTENING ? "last connection: " : "",
		                       sel->err.message);

		canvas_fill(c, c->rows - 1, 0, c->cols, ' ', STYLE_NORMAL);
		canvas_text_ellipsis(c, c->rows - 1, 0, c->cols,
		                     sel->state == FORWARD_FAILED ? STYLE_ERROR : STYLE_WARN, line);
		free(line);
	}
}
