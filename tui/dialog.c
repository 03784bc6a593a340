/* dialog.c: the monitor's dialogs: cancel, resubmit, restart, '/', forward, group exec, log tasks, save. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "client/exec_group.h"
#include "client/forward.h"
#include "common/osmo_time.h"
#include "tui/log_save.h"
#include "tui/screen.h"
#include "tui/text.h"
#include "tui/view_ops.h"

#define DIALOG_LIVE_MS 250 /* a pause in typing this long applies a live filter */
#define DIALOG_ARM_MS  500 /* y acts only this long after the dialog opened, nothing typed */

/* What resubmit offers; the service's names. */
static const char *const dialog_priorities[] = { "NORMAL", "HIGH", "LOW" };

static void
dialog_target_free(struct dialog_target *t)
{
	free(t->id);
	free(t->pool);
	free(t->priority);
	memset(t, 0, sizeof(*t));
}

void
dialog_open(struct app *a, const struct dialog_ops *d)
{
	a->dlg.ops = d;
	strbuf_reset(&a->dlg.input);
	a->dlg.cur = 0;
	a->dlg.focus = d->confirm ? DIALOG_FOCUS_KEEP : DIALOG_FOCUS_INPUT;
	a->dlg.opened_ms = clock_mono_ms();
	a->dlg.typed = false;
	a->dirty = true;
}

static void
dialog_close(struct app *a)
{
	loop_remove(a->s->loop, a->dlg.live_timer);
	a->dlg.live_timer = 0;
	a->dlg.ops = NULL;
	dialog_target_free(&a->dlg.tgt);
	a->dirty = true;
}

void
dialog_free(struct dialog *d)
{
	free(d->task);
	free(d->confirmed);
	dialog_target_free(&d->tgt);
	strbuf_free(&d->input);
}

void
dialog_open_search(struct app *a, const char *text, const struct view_search *vs)
{
	a->dlg.apply = vs->apply;
	a->dlg.live = vs->live;
	dialog_open(a, &dialog_search_ops);
	strbuf_addstr(&a->dlg.input, text ? text : "");
	a->dlg.cur = a->dlg.input.len;
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
	if (t.id && t.status == OSMO_UNKNOWN) {
		/* Not loaded (or no such workflow): nothing to say what would happen. */
		app_say(a, true, "nothing is known of %s yet: wait for its data (Ctrl-r)", t.id);
		return;
	}
	char *why = t.id && d->why_not ? d->why_not(&t) : NULL;

	if (why)
		app_say(a, true, "%s", why);
	free(why);
	if (!t.id || why)
		return;
	dialog_open(a, d);
	a->dlg.tgt =
	        (struct dialog_target){ xstrdup(t.id), t.status, t.pool ? xstrdup(t.pool) : NULL,
		                        t.priority ? xstrdup(t.priority) : NULL };
	a->dlg.force = false;
	if (d->fill)
		d->fill(a, &t);
	a->dlg.cur = a->dlg.input.len;
}

/* ------------------------------------------------------------------ keys */

/* The byte offset of the character before (dir < 0) or after the cursor. */
static size_t
dialog_step(const struct strbuf *in, size_t cur, int dir)
{
	if (dir < 0) {
		while (cur > 0 && (in->buf[--cur] & 0xc0) == 0x80)
			;
		return cur;
	}
	if (cur < in->len)
		while (++cur < in->len && (in->buf[cur] & 0xc0) == 0x80)
			;
	return cur;
}

/* Removes bytes from..to of the text line; the cursor lands at from. */
static void
dialog_cut(struct dialog *d, size_t from, size_t to)
{
	struct strbuf *in = &d->input;

	if (to <= from)
		return;
	memmove(in->buf + from, in->buf + to, in->len - to + 1);
	in->len -= to - from;
	d->cur = from;
}

/* readline's keys in the text line; false when key is not one of them. */
static bool
dialog_edit(struct dialog *d, int key)
{
	struct strbuf *in = &d->input;
	size_t w = d->cur;

	if (key == SCREEN_KEY_BACKSPACE) {
		dialog_cut(d, dialog_step(in, d->cur, -1), d->cur);
	} else if (key == SCREEN_KEY_DELETE || key == SCREEN_CTRL('d')) {
		dialog_cut(d, d->cur, dialog_step(in, d->cur, 1));
	} else if (key == SCREEN_KEY_LEFT || key == SCREEN_CTRL('b')) {
		d->cur = dialog_step(in, d->cur, -1);
	} else if (key == SCREEN_KEY_RIGHT || key == SCREEN_CTRL('f')) {
		d->cur = dialog_step(in, d->cur, 1);
	} else if (key == SCREEN_KEY_HOME || key == SCREEN_CTRL('a')) {
		d->cur = 0;
	} else if (key == SCREEN_KEY_END || key == SCREEN_CTRL('e')) {
		d->cur = in->len;
	} else if (key == SCREEN_CTRL('u')) {
		dialog_cut(d, 0, d->cur);
	} else if (key == SCREEN_CTRL('k')) {
		dialog_cut(d, d->cur, in->len);
	} else if (key == SCREEN_CTRL('w')) {
		while (w > 0 && in->buf[w - 1] == ' ')
			w--;
		while (w > 0 && in->buf[w - 1] != ' ')
			w--;
		dialog_cut(d, w, d->cur);
	} else if (key >= 0x20 && key < SCREEN_KEY_BASE && key != 0x7f) {
		char utf8[4];
		size_t n = text_encode((uint32_t)key, utf8);

		if (in->len + n > 200)
			return true;
		strbuf_add(in, utf8, n); /* room at the end, then moved into place */
		memmove(in->buf + d->cur + n, in->buf + d->cur, in->len - n - d->cur);
		memcpy(in->buf + d->cur, utf8, n);
		d->cur += n;
	} else {
		return false;
	}
	return true;
}

/* The fields Tab walks through, in order; the confirm button is never one, so Tabs and Enter
 * cannot act. Returns how many. */
static int
dialog_fields(const struct dialog_ops *o, enum dialog_focus *out)
{
	int n = 0;

	out[n++] = DIALOG_FOCUS_KEEP;
	if (o->input)
		out[n++] = DIALOG_FOCUS_INPUT;
	if (o->toggle)
		out[n++] = DIALOG_FOCUS_TOGGLE;
	return n;
}

static void
dialog_focus_step(struct dialog *d, int dir)
{
	enum dialog_focus f[3];
	int n = dialog_fields(d->ops, f), i = 0;

	while (i < n && f[i] != d->focus)
		i++;
	if (i == n)
		i = 0; /* the confirm button: as if on keep */
	d->focus = f[((i + dir) % n + n) % n];
}

/*
 * A dialog that acts on a workflow: nothing is sent but by y, or by Enter on the confirm
 * button, which only the arrow keys reach. A y is an answer only when the dialog has been
 * on screen long enough to be read and no other letter came first: "Cyesterday..." or
 * "rsync" typed ahead must not cancel or restart. Text typed ahead goes to the text line,
 * if any; moving between fields (Tab, arrows, Enter) is deliberate and makes y an answer
 * again.
 */
static void
dialog_confirm_key(struct app *a, int key)
{
	struct dialog *d = &a->dlg;
	bool printable = key >= 0x20 && key < SCREEN_KEY_BASE && key != 0x7f;
	bool yes = (key == 'y' || key == 'Y') && !d->typed &&
	           clock_mono_ms() - d->opened_ms >= DIALOG_ARM_MS;

	if (!printable)
		d->typed = false;
	if (key == '\t' || key == SCREEN_KEY_DOWN) {
		dialog_focus_step(d, 1);
	} else if (key == SCREEN_KEY_BTAB || key == SCREEN_KEY_UP) {
		dialog_focus_step(d, -1);
	} else if (d->focus == DIALOG_FOCUS_INPUT) {
		if (key == SCREEN_KEY_ENTER)
			d->focus = DIALOG_FOCUS_KEEP;
		else
			dialog_edit(d, key);
	} else if (yes) {
		d->ops->submit(a);
	} else if (d->focus == DIALOG_FOCUS_TOGGLE) {
		if (key == ' ' || key == SCREEN_KEY_LEFT || key == SCREEN_KEY_RIGHT)
			d->ops->toggle(a);
		else if (key == SCREEN_KEY_ENTER)
			d->focus = DIALOG_FOCUS_KEEP;
	} else if (key == SCREEN_KEY_ENTER) {
		if (d->focus == DIALOG_FOCUS_CONFIRM)
			d->ops->submit(a);
		else
			dialog_close(a);
	} else if (key == SCREEN_KEY_LEFT || key == SCREEN_KEY_RIGHT) {
		d->focus = key == SCREEN_KEY_LEFT ? DIALOG_FOCUS_KEEP : DIALOG_FOCUS_CONFIRM;
	} else if (d->ops->input && printable) {
		d->focus = DIALOG_FOCUS_INPUT;
		dialog_edit(d, key);
	} else if (key == 'n' || key == 'N' || key == 'q') {
		dialog_close(a);
	} else if (printable) {
		d->typed = true; /* typed ahead: the y that may follow is part of it */
	}
}

/* Typing paused: the view shows what the text so far gives. */
static void
dialog_live_due(void *ctx)
{
	struct app *a = ctx;

	a->dlg.live_timer = 0;
	if (a->dlg.ops == &dialog_search_ops && a->dlg.live) {
		char *text = a->dlg.input.len ? xstrdup(a->dlg.input.buf) : NULL;

		a->dlg.live(a, text);
		free(text);
		a->dirty = true;
	}
}

/* The text changed: live again once typing pauses, not at every key (each may ask the
 * service). */
static void
dialog_live_later(struct app *a)
{
	if (!a->dlg.live)
		return;
	loop_remove(a->s->loop, a->dlg.live_timer);
	a->dlg.live_timer = loop_add_timer(a->s->loop, DIALOG_LIVE_MS, dialog_live_due, a);
}

void
dialog_key(struct app *a, int key)
{
	const struct dialog_ops *o = a->dlg.ops;
	void (*clear)(struct app * a, const char *pattern) = a->dlg.live ? a->dlg.apply : NULL;

	a->dirty = true;
	/* A second Q, Ctrl-c or F10 in the quit dialog is the answer to it. */
	if (o == &dialog_quit_ops &&
	    (key == 'Q' || key == SCREEN_CTRL('c') || key == SCREEN_KEY_F10)) {
		o->submit(a);
	} else if (o == &dialog_search_ops && clear && key == SCREEN_KEY_ESC) {
		/* A filter that applies as it is typed is cleared by Esc, as in k9s. */
		dialog_close(a);
		clear(a, NULL);
	} else if (key == SCREEN_KEY_ESC || key == SCREEN_CTRL('c')) {
		dialog_close(a);
	} else if (key == SCREEN_CTRL('z')) {
		if (a->scr) /* suspends with the dialog kept: fg brings both back */
			screen_stop(a->scr);
	} else if (a->dlg.action_req) {
		return; /* sent: the answer closes it */
	} else if (o->confirm) {
		dialog_confirm_key(a, key);
	} else if (key == SCREEN_KEY_ENTER) {
		o->submit(a);
	} else if (key == '\t' && o->toggle) {
		o->toggle(a);
	} else if (dialog_edit(&a->dlg, key) && o == &dialog_search_ops) {
		dialog_live_later(a);
	}
}

void
dialog_draw(struct app *a)
{
	if (a->dlg.ops)
		a->dlg.ops->draw(a, &a->canvas);
}

/* ------------------------------------------------------------------ drawing */

/* One line of a dialog's box: its text, its look, and whether the keys go to it. */
struct dialog_line {
	char *text;
	bool error;
	bool focus;
};

/* "label: text" with the cursor shown where it is while the line has the keys. */
static char *
dialog_input_field(const struct app *a, const char *label)
{
	const struct strbuf *in = &a->dlg.input;
	const char *text = in->buf ? in->buf : "";
	const char *mark = a->dlg.focus != DIALOG_FOCUS_INPUT ? "" : a->o->ascii ? "|" : "▏";

	return xasprintf("%s: %.*s%s%s", label, (int)a->dlg.cur, text, mark, text + a->dlg.cur);
}

/* The buttons of a dialog that acts: keep first, where the focus starts. */
static void
dialog_buttons(struct app *a, struct canvas *c, int row, int col, int w)
{
	char *act = xasprintf("[ %s ]", a->dlg.ops->confirm);
	int at = col;

	at += canvas_text(c, row, at, w,
	                  a->dlg.focus == DIALOG_FOCUS_KEEP ? STYLE_NORMAL : STYLE_SELECTED,
	                  "[ Keep ]");
	at += 3;
	canvas_text(c, row, at, col + w - at,
	            a->dlg.focus == DIALOG_FOCUS_CONFIRM ? STYLE_ERROR : STYLE_SELECTED, act);
	free(act);
}

/* Whether text names the dialog's workflow. */
static bool
dialog_names_target(const struct app *a, const char *text)
{
	return a->dlg.tgt.id && strstr(text, a->dlg.tgt.id);
}

/*
 * The box in the middle: a title, a blank row, the lines, a blank row and the buttons (if
 * any), the hint. Text wraps in the box, which is as wide as its longest line (76 at least)
 * where there is room. Short of rows, the blank rows go first, then lines keep one row each,
 * from the last up: those that name the workflow last, and only when the title names it
 * whole. The title, the buttons and the hint (answers first) always stay, above the status
 * bar.
 */
static void
dialog_box(struct app *a, struct canvas *c, const char *title, struct dialog_line *lines, size_t n)
{
	bool buttons = a->dlg.ops->confirm != NULL;
	int widest = (int)text_width(title) + 2, w, row, col, inner, room = c->rows - 1;
	int *rows = xcalloc(n ? n : 1, sizeof(*rows));
	int gaps = buttons ? 2 : 1, h, used = 0;
	const char *arrow = a->o->ascii ? ">" : "›";

	for (size_t i = 0; i < n; i++)
		if ((int)text_width(lines[i].text) + 4 > widest)
			widest = (int)text_width(lines[i].text) + 4;
	w = widest < 76 ? 76 : widest;
	/* Too narrow for a margin: the whole width, so nothing of the screen behind shows at
	 * its edges (a letter there reads as part of the text). */
	if (w > c->cols - 2)
		w = c->cols;
	col = (c->cols - w) / 2;
	inner = w - 4;
	int title_rows = canvas_text_wrap(NULL, 0, 0, w - 2, INT_MAX, STYLE_SELECTED, title);

	for (size_t i = 0; i < n; i++) {
		rows[i] =
		        canvas_text_wrap(NULL, 0, 0, inner, INT_MAX, STYLE_SELECTED, lines[i].text);
		rows[i] += !rows[i]; /* an empty line keeps its row */
		used += rows[i];
	}
	h = title_rows + gaps + used + buttons + 1;
	if (h > room) {
		h -= gaps;
		gaps = 0;
	}
	/* Pass 0 cuts the lines that do not name the workflow; pass 1, with the title naming
	 * it whole, those that do. */
	for (int pass = 0; pass < (dialog_names_target(a, title) ? 2 : 1); pass++)
		for (size_t i = n; i-- > 0 && h > room;)
			if (rows[i] > 1 && dialog_names_target(a, lines[i].text) == (pass == 1)) {
				h -= rows[i] - 1;
				rows[i] = 1;
			}
	if (h > room)
		h = room > 0 ? room : c->rows; /* the lines give way; the answers stay */
	row = (c->rows - h) / 2;
	if (row + h > room)
		row = room - h;
	if (row < 0)
		row = 0;
	for (int r = 0; r < h; r++)
		canvas_fill(c, row + r, col, w, ' ', STYLE_SELECTED);
	canvas_text_wrap(c, row, col + 1, w - 2, title_rows, STYLE_SELECTED, title);
	/* The lines, down to where the buttons and the hint start. */
	int at = row + title_rows + (gaps ? 1 : 0), end = row + h - 1 - buttons - (gaps > 1);

	for (size_t i = 0; i < n; i++) {
		int max = rows[i] < end - at ? rows[i] : end - at;

		if (lines[i].focus && max > 0)
			canvas_text(c, at, col + 1, 2, STYLE_SELECTED, arrow);
		if (max > 0)
			canvas_text_wrap(c, at, col + 3, inner, max,
			                 lines[i].error ? STYLE_ERROR : STYLE_SELECTED,
			                 lines[i].text);
		at += max > 0 ? max : 0;
		free(lines[i].text);
	}
	free(rows);
	if (buttons)
		dialog_buttons(a, c, row + h - 2, col + 2, w - 2);
	canvas_text_ellipsis(c, row + h - 1, col + 1, w - 2, STYLE_SELECTED,
	                     a->dlg.action_req ? "sending…" : a->dlg.ops->hint);
}

static const char *
dialog_target_id(const struct app *a)
{
	return a->dlg.tgt.id ? a->dlg.tgt.id : "?";
}

static const char *
dialog_target_pool(const struct app *a)
{
	return a->dlg.tgt.pool ? a->dlg.tgt.pool : "default";
}

/* ------------------------------------------------------------------ cancel, resubmit, restart */

static void
dialog_action_done(void *ctx, struct api_result *res)
{
	struct app *a = ctx;
	bool restart = a->dlg.ops == &dialog_restart_ops;
	char *from = xstrdup(dialog_target_id(a));

	a->dlg.action_req = 0;
	dialog_close(a);
	if (res->err.kind != API_OK) {
		app_say(a, true, "%s", res->err.message);
	} else if (res->kind == API_CANCEL) {
		app_say(a, false, "cancel of %s submitted; following it to FAILED_CANCELED",
		        res->name ? res->name : from);
		view_table_follow(a, res->name ? res->name : from, true);
		sync_kick(&a->list.sync);
	} else if (res->submit.name) {
		sync_kick(&a->list.sync);
		view_table_open(a, res->submit.name);
		a->wf.made = restart ? "restarted" : "resubmitted";
		view_table_follow(a, res->submit.name, false);
		/* Said in the new workflow's view, which it is about. */
		app_say(a, false, "%s %s → %s", restart ? "restarted" : "resubmitted", from,
		        res->submit.name);
	}
	free(from);
	api_result_free(res);
	a->dirty = true;
}

/* y or the confirm button: one request at a time, about the workflow the dialog was opened on. */
static void
dialog_confirm(struct app *a, unsigned long (*send)(struct app *a, struct api_callbacks cb))
{
	struct api_callbacks cb = { .done = dialog_action_done, .ctx = a };

	if (a->dlg.action_req || !a->dlg.tgt.id)
		return;
	a->dlg.action_req = send(a, cb);
	app_say(a, false, "sending…");
}

static char *
dialog_cancel_why_not(const struct view_target *t)
{
	return osmo_status_is_finished(t->status)
	               ? xasprintf("%s is already %s", t->id, osmo_status_wire(t->status))
	               : NULL;
}

static unsigned long
dialog_cancel_send(struct app *a, struct api_callbacks cb)
{
	return api_cancel(a->s->api, a->dlg.tgt.id, a->dlg.force,
	                  a->dlg.input.len ? a->dlg.input.buf : NULL, cb);
}

static void
dialog_cancel_submit(struct app *a)
{
	dialog_confirm(a, dialog_cancel_send);
}

static void
dialog_cancel_toggle(struct app *a)
{
	a->dlg.force = !a->dlg.force;
}

static void
dialog_cancel_draw(struct app *a, struct canvas *c)
{
	const struct dialog *d = &a->dlg;
	char *title = xasprintf("Cancel workflow %s?", dialog_target_id(a));
	struct dialog_line lines[] = {
		{ xasprintf("%s is %s in pool %s", dialog_target_id(a),
		            osmo_status_wire(d->tgt.status), dialog_target_pool(a)),
		  false, false },
		{ xstrdup("its tasks are stopped and it ends FAILED_CANCELED"), false, false },
		{ dialog_input_field(a, "message (optional)"), false,
		  d->focus == DIALOG_FOCUS_INPUT },
		{ xasprintf("force: %s (Space)", d->force ? "yes" : "no"), false,
		  d->focus == DIALOG_FOCUS_TOGGLE },
	};

	dialog_box(a, c, title, lines, ARRAY_SIZE(lines));
	free(title);
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

static const char *
dialog_resubmit_pool(const struct app *a)
{
	return a->dlg.input.len ? a->dlg.input.buf : dialog_target_pool(a);
}

static unsigned long
dialog_resubmit_send(struct app *a, struct api_callbacks cb)
{
	struct api_submit_opts so = {
		.pool = dialog_resubmit_pool(a),
		.workflow_id = a->dlg.tgt.id,
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
dialog_resubmit_toggle(struct app *a)
{
	a->dlg.priority = (a->dlg.priority + 1) % (int)ARRAY_SIZE(dialog_priorities);
}

static void
dialog_resubmit_draw(struct app *a, struct canvas *c)
{
	const struct dialog *d = &a->dlg;
	char *title = xasprintf("Resubmit %s as a new workflow?", dialog_target_id(a));
	struct dialog_line lines[] = {
		{ xasprintf("a new workflow runs %s's spec from the start in pool %s",
		            dialog_target_id(a), dialog_resubmit_pool(a)),
		  false, false },
		{ dialog_input_field(a, "pool"), false, d->focus == DIALOG_FOCUS_INPUT },
		{ xasprintf("priority: %s (Space)", dialog_priorities[d->priority]), false,
		  d->focus == DIALOG_FOCUS_TOGGLE },
	};

	dialog_box(a, c, title, lines, ARRAY_SIZE(lines));
	free(title);
}

static char *
dialog_restart_why_not(const struct view_target *t)
{
	return osmo_status_is_failed(t->status)
	               ? NULL
	               : xasprintf(
	                         "restart reruns the failed groups of a FAILED workflow; %s is %s",
	                         t->id, osmo_status_wire(t->status));
}

static unsigned long
dialog_restart_send(struct app *a, struct api_callbacks cb)
{
	return api_restart(a->s->api, dialog_target_pool(a), a->dlg.tgt.id, cb);
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
	/* Only a workflow that was opened has its groups loaded; the list knows none. */
	bool known = a->wf.have && wf->name && strcmp(wf->name, id) == 0;

	strbuf_addstr(&sb, "reruns:");
	for (size_t i = 0; known && i < wf->n_groups; i++)
		if (wf->groups[i].status != OSMO_COMPLETED)
			strbuf_addf(&sb, " %s", wf->groups[i].name);
	if (!known)
		strbuf_addstr(&sb, " the groups that did not complete");
	struct dialog_line lines[] = {
		{ xasprintf("%s is %s in pool %s", id, osmo_status_wire(a->dlg.tgt.status),
		            dialog_target_pool(a)),
		  false, false },
		{ strbuf_detach(&sb), false, false },
		{ xstrdup("as a new workflow; the groups that completed are reused"), false,
		  false },
	};

	dialog_box(a, c, title, lines, ARRAY_SIZE(lines));
	free(title);
}

#define DIALOG_ACT_HINT  "y: do it   Esc: keep   Tab: fields   Left/Right: buttons"
#define DIALOG_BARE_HINT "y: do it   n/Esc: keep   Left/Right: buttons"

DIALOG_OPS(dialog_cancel, DIALOG_ACT_HINT, "Cancel workflow", true, dialog_cancel_why_not, NULL,
           dialog_cancel_toggle, dialog_cancel_submit, dialog_cancel_draw);

DIALOG_OPS(dialog_resubmit, DIALOG_ACT_HINT, "Resubmit", true, NULL, dialog_resubmit_fill,
           dialog_resubmit_toggle, dialog_resubmit_submit, dialog_resubmit_draw);

DIALOG_OPS(dialog_restart, DIALOG_BARE_HINT, "Restart", false, dialog_restart_why_not, NULL, NULL,
           dialog_restart_submit, dialog_restart_draw);

/* ------------------------------------------------------------------ quit */

static void
dialog_quit_submit(struct app *a)
{
	dialog_close(a);
	a->quit = true;
}

static void
dialog_quit_draw(struct app *a, struct canvas *c)
{
	size_t fwds = a->fwd ? forward_active(a->fwd) : 0;
	struct strbuf sb = { 0 };

	if (fwds)
		strbuf_addf(&sb, "%zu port-forward%s stop%s", fwds, fwds == 1 ? "" : "s",
		            fwds == 1 ? "s" : "");
	if (a->grp)
		strbuf_addf(&sb, "%sthe group command stops", sb.len ? "; " : "");
	struct dialog_line lines[] = { { strbuf_detach(&sb), false, false } };

	dialog_box(a, c, "Quit osmotop?", lines, ARRAY_SIZE(lines));
}

DIALOG_OPS(dialog_quit, "y/Q: quit   n/Esc: stay", "Quit", false, NULL, NULL, NULL,
           dialog_quit_submit, dialog_quit_draw);

/* ------------------------------------------------------------------ the '/' line */

static void
dialog_search_submit(struct app *a)
{
	char *pattern = a->dlg.input.len ? xstrdup(a->dlg.input.buf) : NULL;

	dialog_close(a);
	a->dlg.apply(a, pattern);
	free(pattern);
}

static void
dialog_search_draw(struct app *a, struct canvas *c)
{
	char *field = dialog_input_field(a, "");
	char *prompt = xasprintf("/%s", field + 2); /* without the empty label's ": " */

	canvas_fill(c, c->rows - 2, 0, c->cols, ' ', STYLE_SELECTED);
	canvas_text(c, c->rows - 2, 0, c->cols, STYLE_SELECTED, prompt);
	free(prompt);
	free(field);
}

DIALOG_OPS(dialog_search, NULL, NULL, true, NULL, NULL, NULL, dialog_search_submit,
           dialog_search_draw);

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
		dialog_close(a);
	}
	free(ports);
}

static void
dialog_forward_toggle(struct app *a)
{
	a->dlg.udp = !a->dlg.udp;
}

static void
dialog_forward_draw(struct app *a, struct canvas *c)
{
	bool ok;
	char *title = xasprintf("Port-forward from %s to 127.0.0.1", a->dlg.task);
	char *field = dialog_input_field(a, "remote port(s)[:local]");
	struct dialog_line lines[] = {
		{ xasprintf("%s   %s (Tab)", field, a->dlg.udp ? "UDP" : "TCP"), false, false },
		{ dialog_forward_preview(a, &ok), false, false },
	};

	lines[1].error = !ok;
	dialog_box(a, c, title, lines, ARRAY_SIZE(lines));
	free(title);
	free(field);
}

DIALOG_OPS(dialog_forward, "Enter: start   Esc: close", NULL, true, NULL, NULL,
           dialog_forward_toggle, dialog_forward_submit, dialog_forward_draw);

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
	group = xstrdup(a->dlg.task);
	command = xstrdup(cmd);
	dialog_close(a);
	view_stream_open_exec(a, group, command);
	free(group);
	free(command);
}

static void
dialog_group_exec_draw(struct app *a, struct canvas *c)
{
	bool ok = !a->dlg.input.len || !exec_group_interactive(a->dlg.input.buf);
	char *title = xasprintf("Run a command on every running task of %s", a->dlg.task);
	struct dialog_line lines[] = {
		{ dialog_input_field(a, "command"), false, false },
		{ xstrdup(ok ? "output as [task] lines · e.g. nvidia-smi, df -h, py-spy dump --pid "
		               "1"
		             : "an interactive shell: s opens one in a single task"),
		  !ok, false },
	};

	dialog_box(a, c, title, lines, ARRAY_SIZE(lines));
	free(title);
}

DIALOG_OPS(dialog_group_exec, "Enter: start   Esc: close", NULL, true, NULL, NULL, NULL,
           dialog_group_exec_submit, dialog_group_exec_draw);

/* ------------------------------------------------------------------ the log's tasks */

/* The names typed, at blanks or commas; none: every task again. */
static void
dialog_tasks_submit(struct app *a)
{
	struct strv tasks = { 0 };
	char *text = xstrdup(a->dlg.input.buf ? a->dlg.input.buf : "");

	for (char *save = NULL, *w = strtok_r(text, " ,\t", &save); w;
	     w = strtok_r(NULL, " ,\t", &save))
		strv_push(&tasks, w);
	dialog_close(a);
	view_stream_show_tasks(a, &tasks);
	strv_free(&tasks);
	free(text);
}

/* The workflow's tasks, to pick from by name. */
static char *
dialog_tasks_known(const struct app *a)
{
	const struct osmo_workflow *wf = &a->wf.data;
	struct strv seen = { 0 };
	struct strbuf sb = { 0 };

	for (size_t g = 0; a->wf.have && g < wf->n_groups; g++)
		for (size_t i = 0; i < wf->groups[g].n_tasks; i++) {
			const char *name = wf->groups[g].tasks[i].name;

			if (strv_contains(&seen, name))
				continue;
			strv_push(&seen, name);
			strbuf_addf(&sb, "%s%s", sb.len ? " " : "tasks: ", name);
		}
	strv_free(&seen);
	return sb.len ? strbuf_detach(&sb) : xstrdup("the tasks' names, as in [task] prefixes");
}

static void
dialog_tasks_draw(struct app *a, struct canvas *c)
{
	struct dialog_line lines[] = {
		{ dialog_input_field(a, "only"), false, false },
		{ dialog_tasks_known(a), false, false },
		{ xstrdup("names apart by blanks; none: every task"), false, false },
	};

	dialog_box(a, c, "Show only these tasks' lines", lines, ARRAY_SIZE(lines));
}

DIALOG_OPS(dialog_tasks, "Enter: show   Esc: close", NULL, true, NULL, NULL, NULL,
           dialog_tasks_submit, dialog_tasks_draw);

/* ------------------------------------------------------------------ saving a log */

/* Writes the file; an existing one only at the second Enter on the same name. */
static void
dialog_save_submit(struct app *a)
{
	struct dialog *d = &a->dlg;
	char *path, *err = NULL;
	bool overwrite;
	long n;

	if (!d->input.len) {
		app_say(a, true, "type the file's name");
		return;
	}
	path = log_save_expand(d->input.buf);
	overwrite = d->confirmed && strcmp(d->confirmed, path) == 0;
	n = log_save_file(&a->log.lv, &a->log.tail, d->whole, path, overwrite, &err);
	if (n < 0 && errno == EEXIST && !overwrite) {
		free(d->confirmed);
		d->confirmed = path;
		app_say(a, true, "%s", err);
		free(err);
		return;
	}
	if (n < 0) {
		app_say(a, true, "not saved: %s", err);
	} else {
		uint64_t dropped = a->log.tail.dropped;

		app_say(a, false, "%ld line%s written to %s%s", n, n == 1 ? "" : "s", path,
		        d->whole && dropped ? " (older lines had left memory)" : "");
		dialog_close(a);
	}
	free(err);
	free(path);
}

/* Tab: the lines shown, or every line held as it came. */
static void
dialog_save_toggle(struct app *a)
{
	a->dlg.whole = !a->dlg.whole;
}

static void
dialog_save_draw(struct app *a, struct canvas *c)
{
	const struct log_tail *lt = &a->log.tail;
	char *path = log_save_expand(a->dlg.input.buf ? a->dlg.input.buf : "");
	bool replaces = a->dlg.confirmed && strcmp(a->dlg.confirmed, path) == 0;
	struct dialog_line lines[] = {
		{ dialog_input_field(a, "file"), false, false },
		{ a->dlg.whole ? xasprintf("the whole stream: %zu lines as they came (Tab: the "
		                           "lines shown)",
		                           lt->count)
		               : xstrdup("the lines shown, as shown (Tab: the whole stream)"),
		  false, false },
		{ replaces ? xasprintf("%s exists: Enter again replaces it", path)
		           : xstrdup("mode 0600; an existing file is not replaced unasked"),
		  replaces, false },
	};

	dialog_box(a, c, "Save the log", lines, ARRAY_SIZE(lines));
	free(path);
}

DIALOG_OPS(dialog_save, "Enter: save   Tab: shown/whole   Esc: close", NULL, true, NULL, NULL,
           dialog_save_toggle, dialog_save_submit, dialog_save_draw);
