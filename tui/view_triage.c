/* view_triage.c: the monitor's triage view (T): the card of why the open workflow failed, with the root task's log and warning events fetched for it, and one-key next steps. */
#include <stdlib.h>
#include <string.h>

#include "common/osmo_time.h"
#include "tui/triage_fetch.h"
#include "tui/view_ops.h"

#define VIEW_TRIAGE_ROWS 200 /* the card drawn whole: its fields and 20 log lines fit */

/* The log's or the events' answer: the card's lines. A stream cut by its idle time is what
 * there was, no error; events help, their absence is none either. */
static void
view_triage_done(void *ctx, struct api_result *res)
{
	struct view_triage_part *p = ctx;

	p->req = 0;
	if (res->kind == API_TEXT && res->text)
		triage_fetch_keep(&p->body, res->text, res->text_len);
	triage_lines_take(&p->a->triage.lines, p->events, &p->body, p->events ? NULL : &res->err);
	api_result_free(res);
	p->a->dirty = true;
}

/* What the lines are of: the workflow and its root task's retry; NULL without one. */
static char *
view_triage_key(const struct app *a)
{
	const struct osmo_task *t = a->wf.root.task;

	return t ? xasprintf("%s/%s/%d", a->wf.id, t->name, t->retry_id) : NULL;
}

static void
view_triage_drop(struct app *a)
{
	struct view_triage *v = &a->triage;

	for (size_t i = 0; i < ARRAY_SIZE(v->part); i++) {
		if (v->part[i].req)
			api_abort(a->s->api, v->part[i].req);
		v->part[i].req = 0;
		strbuf_free(&v->part[i].body);
	}
	triage_lines_free(&v->lines);
	free(v->for_task);
	v->for_task = NULL;
}

/* The root task's error log (its status has one), else its log's end; its events. */
static void
view_triage_enter(struct app *a)
{
	struct view_triage *v = &a->triage;
	const struct osmo_task *t = a->wf.root.task;

	view_triage_drop(a);
	v->page.top = 0;
	if (!t)
		return;
	v->for_task = view_triage_key(a);
	v->lines.has_errors = osmo_status_has_error_logs(t->status);
	v->lines.log_note = xstrdup("loading…");
	for (size_t i = 0; i < ARRAY_SIZE(v->part); i++) {
		struct view_triage_part *p = &v->part[i];

		*p = (struct view_triage_part){ .a = a, .events = i == 1 };
		p->req = triage_fetch_request(a->s->api, a->wf.id, t, p->events,
		                              (struct api_callbacks){ .done = view_triage_done,
		                                                      .data = triage_fetch_data,
		                                                      .ctx = p });
	}
}

void
view_triage_free(struct app *a)
{
	view_triage_drop(a);
}

/* The card is taller than small terminals: it scrolls as a pager does. */
static void
view_triage_move(struct app *a, int delta, bool absolute)
{
	app_page_move(&a->triage.page, delta, absolute);
}

static void
view_triage_draw(struct app *a, struct render_ctx *rc, struct canvas *body)
{
	struct view_triage *v = &a->triage;
	struct triage_card tc = { .wf = &a->wf.data, .root = &a->wf.root, .lines = &v->lines };
	char *key = view_triage_key(a);
	struct canvas tall;
	int keys = body->rows > 1 ? 1 : 0;

	if (!a->wf.have) {
		canvas_text(body, 0, 0, body->cols, STYLE_TITLE, "loading…");
		free(key);
		return;
	}
	/* Another root (the workflow moved on, a restart came back here): its own lines. */
	if (!key != !v->for_task || (key && strcmp(key, v->for_task) != 0))
		view_triage_enter(a);
	free(key);
	/* Drawn whole off screen, then the part the rows hold; the keys stay on the last. */
	canvas_init(&tall, VIEW_TRIAGE_ROWS, body->cols);
	app_page_show(&v->page, &tall, triage_card_render(rc, &tc, &tall), body, body->rows - keys);
	canvas_free(&tall);
	if (keys)
		triage_card_keys(&tc, app_keymap(a), body, body->rows - 1,
		                 v->page.rows > v->page.shown);
}

/* L, e, E: the root task's logs, error logs, events, over the card (Esc comes back). */
static void
view_triage_act_stream(struct app *a, enum keymap_action act)
{
	const struct osmo_task *t = a->wf.root.task;

	if (!t) {
		app_say(a, true, "no task failed on its own: L in the workflow shows every log");
		return;
	}
	view_stream_open(a,
	                 act == KEYMAP_ERROR_LOGS ? VIEW_STREAM_ERRORS
	                 : act == KEYMAP_EVENTS   ? VIEW_STREAM_EVENTS
	                                          : VIEW_STREAM_LOGS,
	                 t->name, t->retry_id);
}

/* !: back to the workflow with the cursor on the root task. */
static void
view_triage_act_root(struct app *a, enum keymap_action act)
{
	(void)act;
	app_pop(a);
	if (!view_table_to_root(a))
		app_say(a, true, "no failure of its own to go to");
}

static void
view_triage_act_stay(struct app *a, enum keymap_action act)
{
	(void)a;
	(void)act;
}

/* s, F: as on the root task's row of the workflow view. */
static void
view_triage_act_task(struct app *a, enum keymap_action act)
{
	if (!view_table_to_root(a) || !a->wf.root.task) {
		app_say(a, true, "no task failed on its own");
		return;
	}
	view_table_acts[act].run(a, act);
}

static void
view_triage_leave(struct app *a)
{
	view_triage_drop(a);
}

static const struct view_act view_triage_acts[KEYMAP_COUNT] = {
	[KEYMAP_SHELL] = { view_triage_act_task },
	[KEYMAP_FORWARD] = { view_triage_act_task },
	[KEYMAP_OPEN] = { view_triage_act_stream },
	[KEYMAP_LOGS] = { view_triage_act_stream },
	[KEYMAP_ERROR_LOGS] = { view_triage_act_stream },
	[KEYMAP_EVENTS] = { view_triage_act_stream },
	[KEYMAP_ROOT] = { view_triage_act_root },
	[KEYMAP_TRIAGE] = { view_triage_act_stay },
	[KEYMAP_GRAPH] = { view_triage_act_stay },
};

VIEW_OPS(view_triage, KEYMAP_IN_WORKFLOW, VIEW_PLAIN, view_triage_enter, view_triage_leave,
         view_triage_acts, view_triage_move, view_triage_draw, view_table_target, NULL,
         NULL /* the card ends in its own keys, which depend on the task */);
