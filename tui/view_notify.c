/* view_notify.c: the monitor's notifications (M): what was told of changes, newest first. */
#include <stdio.h>
#include <stdlib.h>

#include "tui/format.h"
#include "tui/view_ops.h"

/* Each worth's style: a failure asks for a look, a completion is good news. */
static const enum style view_notify_styles[] = {
	[CHANGES_QUIET] = STYLE_DIM,
	[CHANGES_STARTED] = STYLE_STATUS_RUNNING,
	[CHANGES_COMPLETED] = STYLE_STATUS_DONE,
	[CHANGES_FAILED] = STYLE_STATUS_FAILED,
	[CHANGES_RETRY] = STYLE_WARN,
	[CHANGES_STALL] = STYLE_WARN,
};

static void
view_notify_enter(struct app *a)
{
	a->notes.sel = a->notes.top = 0;
}

static void
view_notify_move(struct app *a, int delta, bool absolute)
{
	app_move(&a->notes.sel, (int)a->notify.count, delta, absolute);
}

static void
view_notify_draw(struct app *a, struct render_ctx *rc, struct canvas *body)
{
	const struct notify *n = &a->notify;
	char title[160], when[FORMAT_BUF];
	int row = 0;

	(void)rc;
	/* Read as they come in while shown. */
	a->notify.unread = 0;
	snprintf(title, sizeof(title), "osmotop · notifications · %zu, newest first%s", n->count,
	         n->set->enabled ? "" : " · notify.enabled is false in config.yaml");
	canvas_fill(body, row, 0, body->cols, ' ', STYLE_TITLE);
	canvas_text_ellipsis(body, row++, 0, body->cols, STYLE_TITLE, title);
	if (!n->count)
		canvas_text(
		        body, row, 1, body->cols - 1, STYLE_DIM,
		        "Nothing yet: a workflow's start, end, failures and retries come here.");
	app_keep_visible(a->notes.sel, (int)a->notify.count, &a->notes.top, body->rows - 1);
	for (size_t i = (size_t)a->notes.top; i < n->count && row < body->rows; i++, row++) {
		const struct notify_entry *e = notify_entry(n, i);

		format_time_short(e->at_ms, when);
		canvas_text(body, row, 0, 12, STYLE_DIM, when);
		canvas_text_ellipsis(body, row, 13, body->cols - 13, view_notify_styles[e->worth],
		                     e->text);
		if ((int)i == a->notes.sel)
			canvas_style(body, row, 0, body->cols, STYLE_SELECTED);
	}
}

static const enum keymap_action view_notify_hints[] = { KEYMAP_HELP, KEYMAP_CLOSE, KEYMAP_NONE };

VIEW_OPS(view_notify, KEYMAP_IN_NOTIFY, VIEW_PLAIN, view_notify_enter, NULL, NULL, view_notify_move,
         view_notify_draw, NULL, NULL, view_notify_hints);
