/* view_ports.c: the monitor's port-forwards view: the forwards' selection, stopping one or all. */
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
	app_keep_visible(a->ports.sel, &a->ports.top, body->rows - view_forwards_table_row() - 1);
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

static const struct view_act view_ports_acts[KEYMAP_COUNT] = {
	[KEYMAP_STOP_FORWARD] = { view_ports_act_stop },
	[KEYMAP_STOP_FORWARDS] = { view_ports_act_stop },
};

VIEW_OPS(view_ports, KEYMAP_IN_FORWARDS, VIEW_PLAIN, NULL, NULL, view_ports_acts, view_ports_move,
         view_ports_draw, view_table_target);
