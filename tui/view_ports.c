/* view_ports.c: the monitor's port-forwards view: the forwards' selection, stopping one or all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/forward.h"
#include "common/osmo_time.h"
#include "tui/view_forwards.h"
#include "tui/view_ops.h"

static void
view_ports_move(struct app *a, int delta, bool absolute)
{
	int n = 0;

	while (a->fwd && forward_info_at(a->fwd, (size_t)n))
		n++;
	app_move(&a->ports.sel, n, delta, absolute);
}

static void
view_ports_draw(struct app *a, struct render_ctx *rc, struct canvas *body)
{
	app_keep_visible(a->ports.sel, -1, &a->ports.top,
	                 body->rows - view_forwards_table_row() - 1);
	rc->selected = a->ports.sel;
	rc->top = a->ports.top;
	view_forwards_render(rc, a->fwd, clock_mono_ms(), body);
}

static void
view_ports_act_stop(struct app *a, enum keymap_action act)
{
	const struct forward_info *fi =
	        a->fwd ? forward_info_at(a->fwd, (size_t)a->ports.sel) : NULL;

	if (act == KEYMAP_STOP_FORWARDS && a->fwd) {
		forward_stop_all(a->fwd);
		app_say(a, false, "stopped every port-forward");
	} else if (fi && (fi->state == FORWARD_STOPPED || fi->state == FORWARD_FAILED)) {
		app_say(a, true, "127.0.0.1:%d is not running", fi->local_port);
	} else if (fi) {
		app_say(a, false, "stopped 127.0.0.1:%d → %s:%d", fi->local_port, fi->task,
		        fi->remote_port);
		forward_stop(a->fwd, fi->id);
	}
}

/* Whether the forward holds the text in its task's name or its ports. */
static bool
view_ports_matches(const struct forward_info *fi, const char *text)
{
	char ports[32];

	snprintf(ports, sizeof(ports), "%d %d", fi->local_port, fi->remote_port);
	return strstr(fi->task, text) || strstr(ports, text);
}

/* The next (dir > 0) or previous forward after the selected one that matches, round the end. */
static bool
view_ports_find(struct app *a, int dir, bool from_here)
{
	size_t n = 0;

	while (a->fwd && forward_info_at(a->fwd, n))
		n++;
	for (size_t k = from_here ? 0 : 1; a->ports.search && k <= n && n; k++) {
		size_t i = ((size_t)a->ports.sel + n + (size_t)dir * k) % n;

		if (view_ports_matches(forward_info_at(a->fwd, i), a->ports.search)) {
			a->ports.sel = (int)i;
			return true;
		}
	}
	return false;
}

static void
view_ports_search(struct app *a, const char *text)
{
	free(a->ports.search);
	a->ports.search = text ? xstrdup(text) : NULL;
	if (text && !view_ports_find(a, 1, true))
		app_say(a, true, "no port-forward holds \"%s\"", text);
}

static void
view_ports_act_next(struct app *a, enum keymap_action act)
{
	if (!view_ports_find(a, act == KEYMAP_NEXT ? 1 : -1, false))
		app_say(a, true, a->ports.search ? "no match" : "/ first: the text to find");
}

static const struct view_act view_ports_acts[KEYMAP_COUNT] = {
	[KEYMAP_NEXT] = { view_ports_act_next },
	[KEYMAP_PREV] = { view_ports_act_next },
	[KEYMAP_STOP_FORWARD] = { view_ports_act_stop },
	[KEYMAP_STOP_FORWARDS] = { view_ports_act_stop },
};

VIEW_SEARCH(view_ports, ports.search, view_ports_search, NULL);

/* The hint bar: what this view is mostly used for. */
static const enum keymap_action view_ports_hints[] = { KEYMAP_STOP_FORWARD, KEYMAP_STOP_FORWARDS,
	                                               KEYMAP_SEARCH,       KEYMAP_HELP,
	                                               KEYMAP_CLOSE,        KEYMAP_NONE };

VIEW_OPS(view_ports, KEYMAP_IN_FORWARDS, VIEW_PLAIN, NULL, NULL, view_ports_acts, view_ports_move,
         view_ports_draw, view_table_target, &view_ports_slash, view_ports_hints);
