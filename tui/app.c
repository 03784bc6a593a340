/* app.c: the interactive monitor: the view stack, key dispatch and polling on the session's loop. */
#include "tui/app.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/api.h"
#include "tui/canvas.h"
#include "client/exec_group.h"
#include "client/forward.h"
#include "tui/keymap.h"
#include "common/osmo_time.h"
#include "tui/screen.h"
#include "tui/theme.h"
#include "tui/log_save.h"
#include "tui/shell.h"
#include "client/sync.h"
#include "tui/view_logs.h"
#include "tui/view_ops.h"

#define APP_MSG_MS    6000 /* how long a status message stays */
#define APP_HINT_ROWS 16   /* the least rows that keep a hint bar: below, the data needs them */

/* ------------------------------------------------------------------ status messages */

/* Replaces the string *slot with a formatted one. */
void
app_vset(char **slot, const char *fmt, va_list ap)
{
	struct strbuf sb = { 0 };

	strbuf_vaddf(&sb, fmt, ap);
	free(*slot);
	*slot = strbuf_detach(&sb);
}

void
app_say(struct app *a, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	app_vset(&a->msg, fmt, ap);
	va_end(ap);
	a->msg_error = error;
	a->msg_until = clock_mono_ms() + APP_MSG_MS;
	a->dirty = true;
}

void
app_set_err(struct app *a, const struct api_error *err)
{
	free(a->err);
	if (err) {
		struct api_error e = *err;

		session_explain(a->s, &e);
		a->err = xstrdup(e.message);
	} else {
		a->err = NULL;
	}
	a->dirty = true;
}

/*
 * A failed poll backs off, and never retries sooner than the server's Retry-After. A refused
 * connection to osmo-local may mean it restarted elsewhere: then every poll goes there now.
 */
void
app_sync_failed(struct app *a, struct sync_item *it, const struct api_error *err, int64_t now)
{
	sync_failed(it, app_policy(a), now, (uint32_t)rand());
	if (err->kind == API_ERR_TRANSPORT && session_relocate(a->s)) {
		app_say(a, false, "osmo-local moved to %s; following it", a->s->shown_url);
		sync_kick(&a->list.sync);
		sync_kick(&a->wf.sync);
		return;
	}
	sync_retry_after(it, app_policy(a), now, err->retry_after_s);
}

const struct sync_policy *
app_policy(const struct app *a)
{
	return a->o->config ? &a->o->config->policy : &sync_default_policy;
}

const char *
app_metric(const struct app *a)
{
	return a->o->config ? a->o->config->metric : CONFIG_METRIC;
}

const struct strv *
app_log_errors(const struct app *a)
{
	return a->o->config ? &a->o->config->errors : NULL;
}

long
app_log_ring(const struct app *a)
{
	return a->o->config ? a->o->config->log_ring : CONFIG_LOG_RING;
}

const struct keymap *
app_keymap(const struct app *a)
{
	return a->o->config ? &a->o->config->keys : &a->keys;
}

void
app_changes(struct app *a, const struct changes *c, bool tell)
{
	int64_t now = clock_mono_ms();
	struct notify_alert alert;
	unsigned unread = a->notify.unread;

	for (size_t i = 0; i < c->n; i++) {
		const struct changes_event *e = &c->v[i];
		char *key = marks_key(e->workflow, e->group, e->task);

		if (e->seen || changes_worth(e) != CHANGES_QUIET)
			marks_note(&a->marks, key, now);
		free(key);
	}
	if (!tell)
		return;
	notify_changes(&a->notify, c, a->s->shown_url, now, clock_wall_ms(), &alert);
	if (a->scr && (alert.bell || alert.body))
		screen_alert(a->scr, alert.bell, alert.title, alert.body,
		             a->notify.set->desktop == NOTIFY_DESKTOP_OSC9 ||
		                     a->notify.set->desktop == NOTIFY_DESKTOP_BOTH,
		             a->notify.set->desktop >= NOTIFY_DESKTOP_OSC777);
	notify_alert_free(&alert);
	/* The newest told in the status bar, for whoever is looking now. */
	if (a->notify.unread != unread)
		app_say(a, notify_entry(&a->notify, 0)->worth == CHANGES_FAILED, "%s",
		        notify_entry(&a->notify, 0)->text);
}

/* The wall clock views show ages against. */
int64_t
app_now(const struct app *a)
{
	return a->o->at_ms ? a->o->at_ms : clock_wall_ms();
}

/* ------------------------------------------------------------------ the view stack */

/* A message speaks of the view it was said in: another view starts without it. */
static void
app_forget_msg(struct app *a)
{
	a->msg_until = 0;
}

void
app_push(struct app *a, const struct view_ops *v)
{
	app_forget_msg(a);
	if (a->depth < (int)ARRAY_SIZE(a->back))
		a->back[a->depth++] = a->view;
	a->view = v;
	if (v->enter)
		v->enter(a);
	a->dirty = true;
}

void
app_switch(struct app *a, const struct view_ops *v)
{
	app_forget_msg(a);
	a->view = v;
	if (v->enter)
		v->enter(a);
	a->dirty = true;
}

/* Back to the view below; the last one falls back to the list, which stays. */
void
app_pop(struct app *a)
{
	if (app_at_top(a))
		return;
	app_forget_msg(a);
	if (a->view->leave)
		a->view->leave(a);
	if (a->depth == 0) {
		app_switch(a, &view_list_ops);
	} else {
		a->view = a->back[--a->depth];
	}
	a->dirty = true;
}

/* The list with nothing under it: what q quits from. */
bool
app_at_top(const struct app *a)
{
	return a->depth == 0 && a->view == &view_list_ops;
}

/* The workflow the top view's cursor is on, else the open one. */
void
app_target(const struct app *a, struct view_target *t)
{
	if (a->view->target)
		a->view->target(a, t);
	else
		view_table_target(a, t);
}

/* Moves *sel by delta, or with absolute to the first (delta < 0) or last of n; kept in 0..n-1. */
void
app_move(int *sel, int n, int delta, bool absolute)
{
	*sel = !absolute ? *sel + delta : delta < 0 ? 0 : n - 1;
	if (*sel >= n)
		*sel = n - 1;
	if (*sel < 0)
		*sel = 0;
}

void
app_keep_visible(int sel, int n, int *top, int rows)
{
	if (rows < 1)
		rows = 1;
	/* No blank rows under the last while rows above it are hidden (after a resize). */
	if (n >= 0 && *top > n - rows)
		*top = n - rows;
	if (sel < *top)
		*top = sel;
	if (sel >= *top + rows)
		*top = sel - rows + 1;
	if (*top < 0)
		*top = 0;
}

void
app_page_show(struct view_page *p, const struct canvas *tall, int rows, struct canvas *body,
              int shown)
{
	p->rows = rows;
	p->shown = shown;
	if (p->top > rows - shown)
		p->top = rows - shown > 0 ? rows - shown : 0;
	for (int r = 0; r < shown && p->top + r < tall->rows; r++)
		memcpy(&body->cells[r * body->cols], &tall->cells[(p->top + r) * tall->cols],
		       (size_t)body->cols * sizeof(*body->cells));
}

void
app_page_move(struct view_page *p, int delta, bool absolute)
{
	int last = p->rows - p->shown;

	app_move(&p->top, last > 0 ? last + 1 : 1, delta, absolute);
}

/* ------------------------------------------------------------------ polling */

/* Starts what is due; returns ms until the next thing is due (-1: nothing scheduled). */
static int64_t
app_sync(struct app *a, int64_t now)
{
	int64_t wait = -1;
	struct {
		struct sync_item *it;
		bool wanted;
		void (*start)(struct app *a);
	} items[] = {
		{ &a->list.sync, a->view->list_data || a->depth == 0, view_list_poll },
		/* In the list, the workflow left keeps its pace while it runs: it is still watched. */
		{ &a->wf.sync,
		  a->wf.id && !a->wf.unknown &&
		          (!a->view->list_data ||
		           (a->wf.have && osmo_status_is_alive(a->wf.data.status))),
		  view_table_poll },
		{ &a->log.sync, view_stream_wanted(a), view_stream_connect },
		{ &a->follow.sync, follow_wanted(a), follow_connect },
	};

	for (size_t i = 0; i < ARRAY_SIZE(items); i++) {
		int64_t w;

		if (!items[i].wanted || items[i].it->in_flight)
			continue;
		if (sync_is_due(items[i].it, now))
			items[i].start(a);
		w = sync_wait_ms(items[i].it, now);
		if (w >= 0 && (wait < 0 || w < wait))
			wait = w;
	}
	return wait;
}

const struct view_act *
app_act(const struct app *a, enum keymap_action act)
{
	const struct view_act *own = a->view->acts ? &a->view->acts[act] : NULL;

	return own && own->run ? own : &acts_shared[act];
}

bool
app_can(const struct app *a, enum keymap_action act)
{
	const struct view_act *va = app_act(a, act);
	char *why = va->why_not ? va->why_not(a, act) : NULL;

	free(why);
	return !why;
}

/* The action in force; the keymap said which keys reach it, its why_not whether it acts. */
static void
app_action(struct app *a, enum keymap_action act)
{
	const struct view_act *va = app_act(a, act);
	char *why = va->why_not ? va->why_not(a, act) : NULL;

	if (why)
		app_say(a, true, "%s", why);
	else if (va->run)
		va->run(a, act);
	free(why);
	a->dirty = true;
}

/* ------------------------------------------------------------------ drawing */

/* The view the status bar speaks of: an overlay's is the one under it. */
const struct view_ops *
app_shown(const struct app *a)
{
	return a->view->overlay && a->depth ? a->back[a->depth - 1] : a->view;
}

/* Marks go with time, and from the row the cursor rests on: it has been seen. */
static void
app_seen(struct app *a, int64_t now)
{
	const struct view_ops *v = app_shown(a);
	char *key = NULL;

	marks_expire(&a->marks, now);
	if (v->list_data && a->list.sel_name)
		key = xstrdup(a->list.sel_name);
	else if ((v == &view_table_ops || v == &view_dag_ops) && a->wf.id && a->wf.sel_group)
		key = marks_key(a->wf.id, a->wf.sel_group, a->wf.sel_task);
	if (key)
		marks_seen(&a->marks, key);
	free(key);
}

/*
 * The terminal's title says where things stand, for a tab or window not looked at:
 * "(2) osmotop · wf-17 RUNNING 3/4 · 1 failed" (2: notifications not read yet).
 */
static char *
app_title(const struct app *a)
{
	struct strbuf sb = { 0 };
	char *safe;

	if (a->notify.unread)
		strbuf_addf(&sb, "(%u) ", a->notify.unread);
	strbuf_addstr(&sb, "osmotop");
	if (!app_shown(a)->list_data && a->wf.have) {
		const struct osmo_workflow *wf = &a->wf.data;
		/* Counted once per answer (view_table_done), not per frame: 10,000 tasks are many. */
		const struct tally_entry *e = tally_find(&a->list.tally, wf->name);
		struct osmo_tally t;

		if (e && e->status == wf->status)
			t = e->t;
		else
			osmo_workflow_tally(wf, &t);
		strbuf_addf(&sb, " · %s %s %zu/%zu groups", wf->name, osmo_status_wire(wf->status),
		            t.groups_done, t.groups);
		if (t.groups_failed)
			strbuf_addf(&sb, " · %zu failed", t.groups_failed);
	} else if (a->list.have) {
		size_t running = 0, failed = 0;

		for (size_t i = 0; i < a->list.data.n_rows; i++) {
			running += a->list.data.rows[i].status == OSMO_RUNNING;
			failed += osmo_status_is_failed(a->list.data.rows[i].status);
		}
		strbuf_addf(&sb, " · %zu running", running);
		if (failed)
			strbuf_addf(&sb, " · %zu failed", failed);
	}
	/* A window not looked at must not read as live while the service is gone. */
	if ((app_shown(a)->list_data ? &a->list.sync : &a->wf.sync)->failures)
		strbuf_addstr(&sb, " · stale");
	safe = utf8_one_line(sb.buf);
	strbuf_free(&sb);
	return safe;
}

static void
app_compose(struct app *a, int rows, int cols)
{
	int64_t now = clock_mono_ms();
	struct render_ctx rc = { .now_ms = app_now(a),
		                 .ascii = a->o->ascii,
		                 .server = a->s->shown_url,
		                 .select = true,
		                 .keys = app_keymap(a),
		                 .marks = &a->marks,
		                 .progress = follow_progress(a),
		                 .progress_live = follow_live(a),
		                 .tally = &a->list.tally };
	struct view_headline head;
	struct canvas body;
	bool list = app_shown(a)->list_data;
	const struct sync_item *it = list ? &a->list.sync : &a->wf.sync;
	int64_t fetched = list ? a->list.data.fetched_ms : a->wf.data.fetched_ms;

	/* While polls fail, or the data is the cache's, the frame shows its time: nothing ticks
	 * as if live. */
	if ((it->failures || (list ? a->list.cached : a->wf.cached)) && fetched) {
		rc.now_ms = fetched;
		rc.stale = true;
	}
	if (list && follow_headline(a, &head))
		rc.headline = &head;
	if (rows != a->canvas.rows || cols != a->canvas.cols) {
		canvas_free(&a->canvas);
		canvas_init(&a->canvas, rows, cols);
	}
	canvas_clear(&a->canvas);
	app_seen(a, now);
	/* The views draw into the frame's own cells, all rows but the bars (not freed). */
	bool hints = a->canvas.rows >= APP_HINT_ROWS && a->view->hints;
	int bars = 1 + hints;

	body = (struct canvas){ a->canvas.rows > bars ? a->canvas.rows - bars : 1, a->canvas.cols,
		                a->canvas.cells };
	a->view->draw(a, &rc, &body);
	if (hints)
		bars_hints(a, a->canvas.rows - 2);
	dialog_draw(a);
	bars_status(a, now);
	if (a->o->ascii)
		canvas_ascii(&a->canvas);
	a->dirty = false;
	a->drawn_second = clock_wall_ms() / 1000;
}

static void
app_draw(struct app *a)
{
	int rows, cols;

	screen_size(a->scr, &rows, &cols);
	app_compose(a, rows, cols);
	screen_draw(a->scr, &a->canvas);
	char *title = app_title(a);

	screen_title(a->scr, title);
	free(title);
}

const struct canvas *
app_frame(struct app *a, int rows, int cols)
{
	app_compose(a, rows, cols);
	return &a->canvas;
}

/* ------------------------------------------------------------------ the loop */

void
app_key(struct app *a, int key)
{
	enum keymap_action act;

	a->dirty = true;
	if (key == SCREEN_KEY_RESIZE)
		return;
	if (a->dlg.ops) {
		dialog_key(a, key);
		return;
	}
	act = keymap_lookup(app_keymap(a), (enum keymap_view)a->view->keys, key);
	if (act != KEYMAP_NONE)
		app_action(a, act);
}

bool
app_running(const struct app *a)
{
	return !a->quit;
}

const char *
app_workflow_error(const struct app *a)
{
	if (a->wf.have)
		return NULL;
	return a->err ? a->err : "no answer";
}

static void
app_read_keys(struct app *a)
{
	int key;

	/* Keys typed after s are the shell's (after |, the pager's): they stay in the terminal. */
	while (!a->quit && !a->shell && !a->pager && (key = screen_key(a->scr)) != SCREEN_KEY_NONE)
		app_key(a, key);
}

/*
 * The loop source of what the app drives besides curl (the session's source): the shell's
 * keys first, then the group exec's and the forwards' sockets, which may fill what is left.
 * Looked up at every step, since a callback may end one and start another within a round.
 */
static int
app_net_pollfds(struct app *a, struct pollfd *fds, int max)
{
	int n = 0;

	a->net.shell = n;
	n += a->shell ? shell_pollfds(a->shell, fds + n, max - n) : 0;
	a->net.grp = n;
	n += a->grp ? exec_group_pollfds(a->grp, fds + n, max - n) : 0;
	a->net.fwd = n;
	n += a->fwd ? forward_pollfds(a->fwd, fds + n, max - n) : 0;
	a->net.end = n;
	return n;
}

static int
app_net_timeout_ms(struct app *a, int64_t now)
{
	int t = a->shell ? shell_timeout_ms(a->shell, now) : -1;

	t = util_timeout_min(t, a->grp ? exec_group_timeout_ms(a->grp, now) : -1);
	return util_timeout_min(t, a->fwd ? forward_timeout_ms(a->fwd, now) : -1);
}

static void
app_net_dispatch(struct app *a, const struct pollfd *fds, int n, int64_t now)
{
	const struct app_net *at = &a->net;

	(void)n;
	if (a->shell)
		shell_dispatch(a->shell, fds + at->shell, at->grp - at->shell, now);
	if (a->grp)
		exec_group_dispatch(a->grp, fds + at->grp, at->fwd - at->grp, now);
	/* Forwards change counters without telling; the forwards view shows them at the tick. */
	if (a->fwd)
		forward_dispatch(a->fwd, fds + at->fwd, at->end - at->fwd, now);
}

LOOP_SOURCE_DEFINE(app_net_source, struct app, app_net);

/* A shell that ended gives the terminal back, redrawn, with how it ended. */
static void
app_shell_check(struct app *a)
{
	char *msg;
	bool error;

	if (!a->shell || !shell_done(a->shell, &msg, &error))
		return;
	shell_free(a->shell);
	a->shell = NULL;
	if (a->scr)
		screen_resume(a->scr);
	app_say(a, error, "%s", msg);
	free(msg);
	sync_kick(&a->wf.sync);
}

/*
 * One round of the loop: starts what is due, draws a changed frame on a terminal, waits for
 * at most max_ms (less when a poll is due sooner) and runs what is ready. 0, or -1 when
 * poll() failed.
 */
static int
app_round(struct app *a, int max_ms)
{
	int64_t wait = app_sync(a, clock_mono_ms());

	if (a->scr && a->dirty && !a->shell && !a->pager)
		app_draw(a);
	/* app_sync's wait as a poll() timeout: clamped to an int. */
	int timeout = util_timeout_min(max_ms, wait < 0 ? -1 : util_timeout_until(wait, 0));

	if (loop_run_once(a->s->loop, timeout) < 0)
		return -1;
	app_shell_check(a);
	return 0;
}

static void
app_on_keys(void *ctx, int fd, short revents)
{
	(void)fd;
	(void)revents;
	app_read_keys(ctx);
}

static void
app_on_signal(void *ctx, int fd, short revents)
{
	struct app *a = ctx;
	unsigned char buf[16];

	(void)revents;
	while (read(fd, buf, sizeof(buf)) > 0)
		a->quit = true;
}

/* The tick: ages and countdowns move once a second, on the wall clock's second. */
struct app_tick {
	struct app *a;
	unsigned long id;
};

static void
app_on_tick(void *ctx)
{
	struct app_tick *t = ctx;

	t->a->dirty = true;
	follow_check(t->a);
	view_list_tally(t->a);
	t->id = loop_add_timer(t->a->s->loop, 1000 - clock_wall_ms() % 1000, app_on_tick, t);
}

static void
app_loop(struct app *a)
{
	struct loop *l = a->s->loop;
	unsigned long key_watch = 0, sig_watch = 0;
	struct app_tick tick = { .a = a };

	if (a->signal_fd >= 0)
		sig_watch = loop_add_fd(l, a->signal_fd, POLLIN, app_on_signal, a);
	tick.id = loop_add_timer(l, 1000 - clock_wall_ms() % 1000, app_on_tick, &tick);
	while (!a->quit) {
		/* While a shell has the terminal its keys are the shell's. */
		loop_watch(l, &key_watch, screen_fd(a->scr), a->shell || a->pager ? 0 : POLLIN,
		           app_on_keys, a);
		if (app_round(a, -1) < 0)
			break;
		if (!a->shell && !a->pager)
			app_read_keys(a); /* also after EINTR: a resize arrives as a key */
		/* Data and keys mark the frame dirty themselves, so busy streams do not recompose
		 * it per wakeup; a new second does, should the tick be late. */
		if (clock_wall_ms() / 1000 != a->drawn_second)
			a->dirty = true;
	}
	loop_remove(l, key_watch);
	loop_remove(l, sig_watch);
	loop_remove(l, tick.id);
}

struct app *
app_new(struct session *s, const struct app_opts *o)
{
	struct app *a = xcalloc(1, sizeof(*a));

	a->s = s;
	a->o = o;
	keymap_init(&a->keys);
	a->notify_plain = NOTIFY_SETTINGS_DEFAULT;
	notify_init(&a->notify, o->config ? &o->config->notify : &a->notify_plain);
	a->list.all_users = o->all_users || (o->config && o->config->all_users);
	if (o->config && o->config->sort != FILTER_SORT_SERVER)
		filter_set_sort(&a->list.filter, o->config->sort);
	a->dirty = true;
	a->signal_fd = -1;
	loop_add_source(s->loop, &app_net_source, a);
	a->view = &view_list_ops;
	a->list.limit = APP_LIST_PAGE;
	if (o->pool)
		strv_push(&a->list.filter.pools, o->pool);
	for (size_t i = 0; o->statuses && i < o->statuses->n; i++)
		strv_push(&a->list.filter.statuses, o->statuses->v[i]);
	if (o->cache) {
		api_keep_bodies(s->api, true);
		view_list_load_cached(a);
	}
	if (o->start != APP_START_LIST && o->workflow) {
		/* The DAG is how this workflow is shown: it opens there, and asks for its parent. */
		a->wf.graph = o->start == APP_START_DAG || o->start == APP_START_GANTT;
		a->dag.mode = o->start == APP_START_GANTT ? VIEW_DAG_GANTT : VIEW_DAG_GRAPH;
		view_table_open(a, o->workflow);
		if (o->start == APP_START_LOGS)
			view_stream_open(a, VIEW_STREAM_LOGS, o->task, -1);
	}
	return a;
}

void
app_free(struct app *a)
{
	if (!a)
		return;
	if (a->log.open)
		view_stream_close(a);
	loop_remove_source(a->s->loop, &app_net_source, a);
	notify_free(&a->notify);
	marks_free(&a->marks);
	follow_free(a);
	shell_free(a->shell);
	log_save_pager_free(a->pager);
	forward_mgr_free(a->fwd);
	dialog_free(&a->dlg);
	/* The session outlives the app: nothing of the list may answer into freed memory. */
	if (a->list.tasks_req)
		api_abort(a->s->api, a->list.tasks_req);
	if (a->list.tally_req)
		api_abort(a->s->api, a->list.tally_req);
	view_list_free(&a->list);
	view_table_free(&a->wf);
	view_dag_free(a);
	view_triage_free(a);
	canvas_free(&a->canvas);
	free(a->help.search);
	free(a->ports.search);
	free(a->msg);
	free(a->err);
	free(a);
}

void
app_step(struct app *a, int max_ms)
{
	app_round(a, max_ms);
}

int
app_settle(struct app *a, int64_t deadline_ms)
{
	for (;;) {
		int64_t now = clock_mono_ms();

		/* What an answer makes due (a new workflow to load) starts before we stop. */
		app_sync(a, now);
		/* The background log stream never ends while the workflow runs: it is not waited for. */
		if (api_pending(a->s->api) == (a->follow.req ? 1u : 0u))
			return 0;
		if (now >= deadline_ms)
			return -1;
		app_step(a, (int)(deadline_ms - now));
	}
}

int
app_run(struct session *s, const struct app_opts *o)
{
	static const int sigs[] = { SIGTERM, SIGHUP, SIGINT };
	struct app *a;
	struct theme plain;
	struct screen *scr;

	theme_init(&plain);
	scr = screen_open(o->color, o->config ? &o->config->theme : &plain);

	if (!scr) {
		fprintf(stderr,
		        "osmotop: the monitor needs a terminal; use --snapshot in scripts\n");
		return 1;
	}
	a = app_new(s, o);
	a->scr = scr;
	a->signal_fd = session_signals(sigs, ARRAY_SIZE(sigs));
	app_loop(a);
	if (a->shell) {
		/* A signal ended us inside a shell: the terminal's modes come back before curses'. */
		shell_free(a->shell);
		a->shell = NULL;
		screen_resume(a->scr);
	}
	if (a->pager) {
		log_save_pager_free(a->pager);
		a->pager = NULL;
		screen_resume(a->scr);
	}
	screen_close(a->scr);
	if (a->signal_fd >= 0)
		close(a->signal_fd);
	app_free(a);
	return 0;
}
