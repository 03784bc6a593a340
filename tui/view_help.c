/* view_help.c: the monitor's help view: every action and its keys, made from the keymap. */
#include "tui/view_ops.h"

static void
view_help_move(struct app *a, int delta, bool absolute)
{
	/* The last page still shows a screenful, never an empty one. */
	app_move(&a->help.top, KEYMAP_COUNT - (a->canvas.rows - 2) + 1, delta, absolute);
}

static void
view_help_draw(struct app *a, struct render_ctx *rc, struct canvas *c)
{
	size_t n;
	const struct keymap_binding *b = keymap_bindings(&n);
	int row = 1;

	(void)rc;
	canvas_fill(c, 0, 0, c->cols, ' ', STYLE_TITLE);
	canvas_text(c, 0, 0, c->cols, STYLE_TITLE, "osmotop · keys (Esc: back)");
	for (int act = 0, skip = a->help.top; act < KEYMAP_COUNT && row < c->rows; act++) {
		struct strbuf keys = { 0 };

		for (size_t i = 0; i < n; i++)
			if ((int)b[i].action == act)
				strbuf_addf(&keys, "%s%s", keys.len ? " " : "", b[i].name);
		if (skip-- > 0) {
			strbuf_free(&keys);
			continue;
		}
		canvas_text(c, row, 1, 18, STYLE_LABEL, keys.buf ? keys.buf : "");
		canvas_text_ellipsis(c, row++, 20, c->cols - 20, STYLE_NORMAL,
		                     keymap_help((enum keymap_action)act));
		strbuf_free(&keys);
	}
}

/* ? in the help: it is already here. */
static void
view_help_act_stay(struct app *a, enum keymap_action act)
{
	(void)a;
	(void)act;
}

static const struct view_act view_help_acts[KEYMAP_COUNT] = {
	[KEYMAP_HELP] = { view_help_act_stay },
};

VIEW_OPS(view_help, KEYMAP_IN_HELP, VIEW_OVERLAY, NULL, NULL, view_help_acts, view_help_move,
         view_help_draw, NULL);
