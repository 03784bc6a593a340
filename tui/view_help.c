/* view_help.c: the monitor's help view: the keys of the view it was opened from, made from the keymap, and what each glyph means. */
#include <stdlib.h>
#include <string.h>

#include "tui/text.h"
#include "tui/theme.h"
#include "tui/view_ops.h"

/* One line of the help: keys (or a glyph) and what they do, in a style. */
struct view_help_line {
	char *keys;
	char *text;
	enum style style;
};

struct view_help_lines {
	struct view_help_line *v;
	size_t n;
};

/* What each view is called in the help's title. */
static const struct {
	unsigned keys;
	const char *name;
} view_help_names[] = {
	{ KEYMAP_IN_LIST, "the workflow list" },     { KEYMAP_IN_WORKFLOW, "the workflow view" },
	{ KEYMAP_IN_LOGS, "logs and events" },       { KEYMAP_IN_HELP, "the help" },
	{ KEYMAP_IN_FORWARDS, "the port-forwards" }, { KEYMAP_IN_DETAIL, "the task's details" },
	{ KEYMAP_IN_NOTIFY, "the notifications" },
};

/* The view the help was opened from: its keys are the ones shown. */
static const struct view_ops *
view_help_under(const struct app *a)
{
	return a->depth ? a->back[a->depth - 1] : &view_list_ops;
}

static void
view_help_add(const struct app *a, struct view_help_lines *l, char *keys, char *text,
              enum style style)
{
	const char *q = a->help.search;

	if (q && !text_has_nocase(keys, q, strlen(q)) && !text_has_nocase(text, q, strlen(q))) {
		free(keys);
		free(text);
		return;
	}
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = (struct view_help_line){ keys, text, style };
}

/* The view's actions with their keys, then a legend of the status glyphs in their colours. */
static void
view_help_lines(const struct app *a, struct view_help_lines *out)
{
	unsigned bits = view_help_under(a)->keys;
	size_t n;
	const struct keymap_binding *b = keymap_bindings(app_keymap(a), &n);
	bool ascii = a->o->ascii;

	*out = (struct view_help_lines){ 0 };
	for (int act = 0; act < KEYMAP_COUNT; act++) {
		struct strbuf keys = { 0 };

		for (size_t i = 0; i < n; i++)
			if ((int)b[i].action == act && (b[i].views & bits))
				strbuf_addf(&keys, "%s%s", keys.len ? " " : "", b[i].name);
		if (keys.len)
			view_help_add(a, out, strbuf_detach(&keys),
			              xstrdup(keymap_help((enum keymap_action)act)), STYLE_NORMAL);
	}
	view_help_add(a, out, xstrdup(""), xstrdup(""), STYLE_NORMAL);
	view_help_add(a, out, xstrdup("glyph"), xstrdup("status"), STYLE_HEADER);
	view_help_add(a, out, xstrdup(theme_lead_mark(ascii)),
	              xstrdup("the lead task of its group"), STYLE_LEAD);
	for (int s = 0; s < OSMO_STATUS_COUNT; s++) {
		const char *g = theme_status_glyph((enum osmo_status)s, ascii);
		struct strbuf names = { 0 };
		bool seen = false;

		for (int e = 0; e < s; e++)
			seen |= strcmp(theme_status_glyph((enum osmo_status)e, ascii), g) == 0;
		if (seen)
			continue;
		for (int e = s; e < OSMO_STATUS_COUNT; e++)
			if (strcmp(theme_status_glyph((enum osmo_status)e, ascii), g) == 0)
				strbuf_addf(&names, "%s%s", names.len ? " " : "",
				            osmo_status_wire((enum osmo_status)e));
		view_help_add(a, out, xstrdup(g), strbuf_detach(&names),
		              theme_status_style((enum osmo_status)s));
	}
}

static void
view_help_lines_free(struct view_help_lines *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].keys);
		free(l->v[i].text);
	}
	free(l->v);
}

static void
view_help_move(struct app *a, int delta, bool absolute)
{
	struct view_help_lines l;

	view_help_lines(a, &l);
	/* The last page still shows a screenful, never an empty one. */
	app_move(&a->help.top, (int)l.n - (a->canvas.rows - 3) + 1, delta, absolute);
	view_help_lines_free(&l);
}

static void
view_help_draw(struct app *a, struct render_ctx *rc, struct canvas *c)
{
	const char *name = "this view";
	unsigned bits = view_help_under(a)->keys;
	struct view_help_lines l;
	char *title;
	int row = 1;

	(void)rc;
	for (size_t i = 0; i < ARRAY_SIZE(view_help_names); i++)
		if (view_help_names[i].keys == bits)
			name = view_help_names[i].name;
	title = a->help.search ? xasprintf("osmotop · keys of %s matching \"%s\" (Esc: back)", name,
	                                   a->help.search)
	                       : xasprintf("osmotop · keys of %s (Esc: back · /: search)", name);
	canvas_fill(c, 0, 0, c->cols, ' ', STYLE_TITLE);
	canvas_text_ellipsis(c, 0, 0, c->cols, STYLE_TITLE, title);
	free(title);
	view_help_lines(a, &l);
	for (size_t i = (size_t)a->help.top; i < l.n && row < c->rows; i++, row++) {
		const struct view_help_line *h = &l.v[i];

		canvas_text(c, row, 1, 18, h->style == STYLE_NORMAL ? STYLE_LABEL : h->style,
		            h->keys);
		canvas_text_ellipsis(c, row, 20, c->cols - 20,
		                     h->style == STYLE_HEADER ? STYLE_HEADER : STYLE_NORMAL,
		                     h->text);
	}
	view_help_lines_free(&l);
}

/* ? in the help: it is already here. */
static void
view_help_act_stay(struct app *a, enum keymap_action act)
{
	(void)a;
	(void)act;
}

static void
view_help_search(struct app *a, const char *pattern)
{
	free(a->help.search);
	a->help.search = pattern ? xstrdup(pattern) : NULL;
	a->help.top = 0;
}

/* Leaving forgets the search: the next ? shows every key again. */
static void
view_help_leave(struct app *a)
{
	view_help_search(a, NULL);
}

static const struct view_act view_help_acts[KEYMAP_COUNT] = {
	[KEYMAP_HELP] = { view_help_act_stay },
};

VIEW_SEARCH(view_help, help.search, view_help_search, view_help_search);

/* The hint bar: what this view is mostly used for. */
static const enum keymap_action view_help_hints[] = { KEYMAP_SEARCH, KEYMAP_CLOSE, KEYMAP_NONE };

VIEW_OPS(view_help, KEYMAP_IN_HELP, VIEW_OVERLAY, NULL, view_help_leave, view_help_acts,
         view_help_move, view_help_draw, NULL, &view_help_slash, view_help_hints);
