/* dialog.c: the monitor's dialogs: cancel, resubmit, restart, the '/' line, port-forward, group exec. */
#include <stdlib.h>
#include <string.h>

#include "client/exec_group.h"
#include "client/forward.h"
#include "common/osmo_time.h"
#include "tui/screen.h"
#include "tui/text.h"
#include "tui/view_ops.h"

/* What resubmit offers; the service's names. */
static const char *const dialog_priorities[] = { "NORMAL", "HIGH", "LOW" };

void
dialog_open(struct app *a, const struct dialog_ops *d)
{
	a->dlg.ops = d;
	strbuf_reset(&a->dlg.input);
	a->dirty = true;
}

void
dialog_free(struct dialog *d)
{
	free(d->task);
	strbuf_free(&d->input);
}

void
dialog_open_search(struct app *a, void (*apply)(struct app *a, const char *pattern))
{
	a->dlg.apply = apply;
	dialog_open(a, &dialog_search_ops);
}

void
dialog_open_task(struct app *a, const struct dialog_ops *d, const char *name, const char *what)
{
	if (a->wf.have && osmo_status_is_finished(a->wf.data.status)) {
		app_say(a, true, "%s is %s: no task runs %s", a->wf.id,
		        osmo_status_wire(a->wf.data.status), what);
		return;
	}
	free(a->dlg.task);
	a->dlg.task = xstrdup(name);
	dialog_open(a, d);
}

void
dialog_open_action(struct app *a, const struct dialog_ops *d)
{
	struct view_target t;

	app_target(a, &t);
	if (!t.id || (d->open && !d->open(a, &t)))
		return;
	dialog_open(a, d);
	a->dlg.force = false;
	if (d->fill)
		d->fill(a, &t);
}

/* Keys while a dialog is open: text goes to the input line. */
void
dialog_key(struct app *a, int key)
{
	struct strbuf *in = &a->dlg.input;

	if (key == SCREEN_KEY_ESC || key == SCREEN_CTRL('c')) {
		a->dlg.ops = NULL;
	} else if (key == SCREEN_KEY_ENTER) {
		a->dlg.ops->submit(a);
	} else if (key == '\t') {
		if (a->dlg.ops->tab)
			a->dlg.ops->tab(a);
	} else if (key == SCREEN_KEY_BACKSPACE) {
		while (in->len && (in->buf[in->len - 1] & 0xc0) == 0x80)
			in->len--;
		if (in->len)
			in->buf[--in->len] = '\0';
	} else if (key >= 0x20 && key < SCREEN_KEY_BASE && key != 0x7f && in->len < 200) {
		char utf8[4];
		size_t n = text_encode((uint32_t)key, utf8);

		strbuf_add(in, utf8, n);
	}
	a->dirty = true;
}

void
dialog_draw(struct app *a)
{
	if (a->dlg.ops)
		a->dlg.ops->draw(a, &a->canvas);
}

/* The box in the middle: a title, the input line, a note (an error unless ok), the hint. */
static void
dialog_box(struct app *a, struct canvas *c, const char *title, const char *line2, const char *line3,
           bool ok)
{
	int w = c->cols > 72 ? 70 : c->cols - 2, row = c->rows / 2 - 3, col;

	if (w < 10 || row < 0)
		row = 0;
	col = (c->cols - w) / 2;
	for (int r = 0; r < 5; r++)
		canvas_fill(c, row + r, col, w, ' ', STYLE_SELECTED);
	canvas_text_ellipsis(c, row, col + 1, w - 2, STYLE_SELECTED, title);
	canvas_text_ellipsis(c, row + 2, col + 1, w - 2, STYLE_SELECTED, line2);
	if (line3)
		canvas_text_ellipsis(c, row + 3, col + 1, w - 2, ok ? STYLE_SELECTED : STYLE_ERROR,
		                     line3);
	canvas_text_ellipsis(c, row + 4, col + 1, w - 2, STYLE_SELECTED,
	                     a->dlg.action_req ? "sending…" : a->dlg.ops->hint);
}

static const char *
dialog_input(const struct app *a)
{
	return a->dlg.input.buf ? a->dlg.input.buf : "";
}

static const char *
dialog_target_id(const struct app *a)
{
	struct view_target t;

	app_target(a, &t);
	return t.id ? t.id : "?";
}

/* ------------------------------------------------------------------ cancel, resubmit, restart */

static void
dialog_action_done(void *ctx, struct api_result *res)
{
	struct app *a = ctx;
	bool restart = a->dlg.ops == &dialog_restart_ops;

	a->dlg.action_req = 0;
	a->dlg.ops = NULL;
	if (res->err.kind != API_OK) {
		app_say(a, true, "%s", res->err.message);
	} else if (res->kind == API_CANCEL) {
		app_say(a, false, "cancel of %s submitted; following it to FAILED_CANCELED",
		        res->name ? res->name : "?");
		a->wf.fast_until = clock_mono_ms() + 20000;
		sync_kick(&a->wf.sync);
		sync_kick(&a->list.sync);
	} else if (res->submit.name) {
		struct view_target t;
		char *from;

		app_target(a, &t);
		from = xstrdup(t.id ? t.id : "?");
		app_say(a, false, "%s %s → %s", restart ? "restarted" : "resubmitted", from,
		        res->submit.name);
		sync_kick(&a->list.sync);
		view_table_open(a, res->submit.name);
		free(from);
	}
	api_result_free(res);
	a->dirty = true;
}

/* Enter in cancel, resubmit, restart: one request at a time about the target. */
static void
dialog_confirm(struct app *a, unsigned long (*send)(struct app *a, const struct view_target *t,
                                                    struct api_callbacks cb))
{
	struct view_target t;
	struct api_callbacks cb = { .done = dialog_action_done, .ctx = a };

	app_target(a, &t);
	if (a->dlg.action_req || !t.id)
		return;
	a->dlg.action_req = send(a, &t, cb);
	app_say(a, false, "sending…");
}

static bool
dialog_cancel_open(struct app *a, const struct view_target *t)
{
	if (!osmo_status_is_finished(t->status))
		return true;
	app_say(a, true, "%s is already %s", t->id, osmo_status_wire(t->status));
	return false;
}

static unsigned long
dialog_cancel_send(struct app *a, const struct view_target *t, struct api_callbacks cb)
{
	return api_cancel(a->s->api, t->id, a->dlg.force,
	                  a->dlg.input.len ? a->dlg.input.buf : NULL, cb);
}

static void
dialog_cancel_submit(struct app *a)
{
	dialog_confirm(a, dialog_cancel_send);
}

static void
dialog_cancel_tab(struct app *a)
{
	a->dlg.force = !a->dlg.force;
}

static void
dialog_cancel_draw(struct app *a, struct canvas *c)
{
	char *title = xasprintf("Cancel workflow %s?", dialog_target_id(a));
	char *line2 = xasprintf("message: %s_   force (Tab): %s", dialog_input(a),
	                        a->dlg.force ? "yes" : "no");

	dialog_box(a, c, title, line2, NULL, true);
	free(title);
	free(line2);
}

/* The form starts from the workflow's own pool and priority. */
static void
dialog_resubmit_fill(struct app *a, const struct view_target *t)
{
	strbuf_addstr(&a->dlg.input, t->pool ? t->pool : "default");
	a->dlg.priority = 0;
	for (size_t i = 0; t->priority && i < ARRAY_SIZE(dialog_priorities); i++)
		if (strcmp(t->priority, dialog_priorities[i]) == 0)
			a->dlg.priority = (int)i;
}

static unsigned long
dialog_resubmit_send(struct app *a, const struct view_target *t, struct api_callbacks cb)
{
	struct api_submit_opts so = {
		.pool = a->dlg.input.len ? a->dlg.input.buf
		        : t->pool        ? t->pool
		                         : "default",
		.workflow_id = t->id,
		.priority = dialog_priorities[a->dlg.priority],
	};

	return api_submit(a->s->api, &so, cb);
}

static void
dialog_resubmit_submit(struct app *a)
{
	dialog_confirm(a, dialog_resubmit_send);
}

static void
dialog_resubmit_tab(struct app *a)
{
	a->dlg.priority = (a->dlg.priority + 1) % (int)ARRAY_SIZE(dialog_priorities);
}

static void
dialog_resubmit_draw(struct app *a, struct canvas *c)
{
	char *title = xasprintf("Resubmit %s's spec as a new workflow?", dialog_target_id(a));
	char *line2 = xasprintf("pool: %s_   priority (Tab): %s", dialog_input(a),
	                        dialog_priorities[a->dlg.priority]);

	dialog_box(a, c, title, line2, NULL, true);
	free(title);
	free(line2);
}

static bool
dialog_restart_open(struct app *a, const struct view_target *t)
{
	if (osmo_status_is_failed(t->status))
		return true;
	app_say(a, true, "restart reruns the failed groups of a FAILED workflow; %s is %s", t->id,
	        osmo_status_wire(t->status));
	return false;
}

static unsigned long
dialog_restart_send(struct app *a, const struct view_target *t, struct api_callbacks cb)
{
	return api_restart(a->s->api, t->pool ? t->pool : "default", t->id, cb);
}

static void
dialog_restart_submit(struct app *a)
{
	dialog_confirm(a, dialog_restart_send);
}

static void
dialog_restart_draw(struct app *a, struct canvas *c)
{
	const char *id = dialog_target_id(a);
	const struct osmo_workflow *wf = &a->wf.data;
	struct strbuf sb = { 0 };
	char *title = xasprintf("Restart failed workflow %s?", id);
	/* Only the workflow on screen has its groups loaded; the list knows none. */
	bool known = a->wf.have && !a->view->list_data && wf->name && strcmp(wf->name, id) == 0;

	strbuf_addstr(&sb, "reruns:");
	for (size_t i = 0; known && i < wf->n_groups; i++)
		if (wf->groups[i].status != OSMO_COMPLETED)
			strbuf_addf(&sb, " %s", wf->groups[i].name);
	if (!known)
		strbuf_addstr(&sb, " the groups that did not complete");
	dialog_box(a, c, title, sb.buf, NULL, true);
	free(title);
	strbuf_free(&sb);
}

DIALOG_OPS(dialog_cancel, "Enter: confirm   Esc: keep it", dialog_cancel_open, NULL,
           dialog_cancel_tab, dialog_cancel_submit, dialog_cancel_draw);

DIALOG_OPS(dialog_resubmit, "Enter: confirm   Esc: keep it", NULL, dialog_resubmit_fill,
           dialog_resubmit_tab, dialog_resubmit_submit, dialog_resubmit_draw);

DIALOG_OPS(dialog_restart, "Enter: confirm   Esc: keep it", dialog_restart_open, NULL, NULL,
           dialog_restart_submit, dialog_restart_draw);

/* ------------------------------------------------------------------ the '/' line */

static void
dialog_search_submit(struct app *a)
{
	char *pattern = a->dlg.input.len ? xstrdup(a->dlg.input.buf) : NULL;

	a->dlg.apply(a, pattern);
	free(pattern);
	a->dlg.ops = NULL;
}

static void
dialog_search_draw(struct app *a, struct canvas *c)
{
	char *prompt = xasprintf("/%s", dialog_input(a));

	canvas_fill(c, c->rows - 2, 0, c->cols, ' ', STYLE_SELECTED);
	canvas_text(c, c->rows - 2, 0, c->cols, STYLE_SELECTED, prompt);
	free(prompt);
}

DIALOG_OPS(dialog_search, NULL, NULL, NULL, NULL, dialog_search_submit, dialog_search_draw);

/* ------------------------------------------------------------------ port-forward */

/* The ports as they would start: "L→R" each, or why they cannot. */
static char *
dialog_forward_preview(const struct app *a, bool *ok)
{
	struct forward_port *ports = NULL;
	struct strbuf sb = { 0 };
	size_t n = 0;
	char *err = NULL;

	*ok = false;
	if (!a->dlg.input.len)
		return xstrdup("e.g. 6006 · 8888:18888 · 8000-8003 · 9000-9001:19000-19001");
	if (forward_ports_parse(a->dlg.input.buf, &ports, &n, &err) < 0)
		return err;
	*ok = true;
	for (size_t i = 0; i < n; i++) {
		bool taken = !forward_port_free(ports[i].local, a->dlg.udp);

		strbuf_addf(&sb, "%s%d→%d%s", i ? " · " : "", ports[i].local, ports[i].remote,
		            taken ? " (taken)" : "");
		*ok &= !taken;
	}
	free(ports);
	return strbuf_detach(&sb);
}

/* Starts the forwards; the dialog stays open on anything the user must change. */
static void
dialog_forward_submit(struct app *a)
{
	struct dialog *d = &a->dlg;
	struct forward_port *ports = NULL;
	size_t n = 0, started = 0;
	char *err = NULL;
	struct api_error aerr = { 0 };
	int first = -1;

	if (forward_ports_parse(d->input.buf ? d->input.buf : "", &ports, &n, &err) < 0) {
		app_say(a, true, "%s", err);
		free(err);
		return;
	}
	/* Binding happens before anything goes out: a busy port is the user's to change. */
	for (size_t i = 0; i < n; i++) {
		if (!forward_port_free(ports[i].local, d->udp)) {
			app_say(a, true, "127.0.0.1:%d is taken; pick a local port with %d:LOCAL",
			        ports[i].local, ports[i].remote);
			free(ports);
			return;
		}
	}
	if (!a->fwd)
		a->fwd = forward_mgr_new(a->s->api, a->s->http);
	for (; started < n; started++) {
		int id = forward_add(a->fwd, a->wf.id, d->task, ports[started].remote,
		                     ports[started].local, d->udp, &aerr);

		if (id < 0)
			break;
		if (first < 0)
			first = id;
	}
	if (started < n) {
		/* All or none: half a range is not what was asked for. */
		for (int id = first; first >= 0 && id < first + (int)started; id++)
			forward_stop(a->fwd, id);
		app_say(a, true, "%s", aerr.message);
	} else {
		app_say(a, false, "forwarding 127.0.0.1:%d%s → %s:%d%s · p: the port-forwards",
		        ports[0].local, d->udp ? "/udp" : "", d->task, ports[0].remote,
		        n > 1 ? " and more" : "");
		d->ops = NULL;
	}
	free(ports);
}

static void
dialog_forward_tab(struct app *a)
{
	a->dlg.udp = !a->dlg.udp;
}

static void
dialog_forward_draw(struct app *a, struct canvas *c)
{
	bool ok;
	char *title = xasprintf("Port-forward from %s to 127.0.0.1", a->dlg.task);
	char *line2 = xasprintf("remote port(s)[:local]: %s_   %s (Tab)", dialog_input(a),
	                        a->dlg.udp ? "UDP" : "TCP");
	char *line3 = dialog_forward_preview(a, &ok);

	dialog_box(a, c, title, line2, line3, ok);
	free(title);
	free(line2);
	free(line3);
}

DIALOG_OPS(dialog_forward, "Enter: start   Esc: close", NULL, NULL, dialog_forward_tab,
           dialog_forward_submit, dialog_forward_draw);

/* ------------------------------------------------------------------ group exec */

/* Runs the command on the group's running tasks, their lines in a log view. */
static void
dialog_group_exec_submit(struct app *a)
{
	const char *cmd = a->dlg.input.buf;
	char *group, *command;

	if (!a->dlg.input.len) {
		app_say(a, true, "type the command to run, e.g. nvidia-smi");
		return;
	}
	if (exec_group_interactive(cmd)) {
		app_say(a, true,
		        "%s waits for input a group exec never sends; s opens a shell "
		        "in one task",
		        cmd);
		return;
	}
	a->dlg.ops = NULL;
	group = xstrdup(a->dlg.task);
	command = xstrdup(cmd);
	view_stream_open_exec(a, group, command);
	free(group);
	free(command);
}

static void
dialog_group_exec_draw(struct app *a, struct canvas *c)
{
	bool ok = !a->dlg.input.len || !exec_group_interactive(a->dlg.input.buf);
	char *title = xasprintf("Run a command on every running task of %s", a->dlg.task);
	char *line2 = xasprintf("command: %s_", dialog_input(a));

	dialog_box(a, c, title, line2,
	           ok ? "output as [task] lines · e.g. nvidia-smi, df -h, py-spy dump --pid 1"
	              : "an interactive shell: s opens one in a single task",
	           ok);
	free(title);
	free(line2);
}

DIALOG_OPS(dialog_group_exec, "Enter: start   Esc: close", NULL, NULL, NULL,
           dialog_group_exec_submit, dialog_group_exec_draw);
