/* app.c: the interactive monitor: views, keys, polling and actions in one poll() loop. */
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
#include "tui/dag.h"
#include "client/exec_group.h"
#include "tui/filter.h"
#include "tui/format.h"
#include "client/forward.h"
#include "tui/keymap.h"
#include "client/log_tail.h"
#include "common/osmo_time.h"
#include "tui/screen.h"
#include "tui/shell.h"
#include "client/spec_rules.h"
#include "client/sync.h"
#include "tui/text.h"
#include "tui/view.h"
#include "tui/view_forwards.h"
#include "tui/view_logs.h"
#include "common/wsproto.h"

#define APP_MAX_FDS   1024  /* curl, the forwards' sockets and connections, a shell */
#define APP_LOG_RING  20000 /* lines kept per log view; a reconnect asks for fewer */
#define APP_MSG_MS    6000  /* how long a status message stays */
#define APP_LIST_PAGE 200   /* rows asked for at first and added per page */
#define APP_LIST_MAX  1000  /* the service refuses larger pages */

enum app_view { APP_LIST, APP_WORKFLOW, APP_LOGS, APP_HELP, APP_FORWARDS };
enum app_dialog {
	APP_DLG_NONE,
	APP_DLG_CANCEL,
	APP_DLG_RESUBMIT,
	APP_DLG_RESTART,
	APP_DLG_SEARCH,
	APP_DLG_FORWARD,
	APP_DLG_GROUP_EXEC,
};
/* What a log view shows: a stream, a finished body, or a group exec's [task] lines. */
enum app_log_kind { APP_LOG_LOGS, APP_LOG_EVENTS, APP_LOG_ERRORS, APP_LOG_EXEC };

/* What resubmit offers; the service's names. */
static const char *const app_priorities[] = { "NORMAL", "HIGH", "LOW" };

static const unsigned app_view_bits[] = {
	[APP_LIST] = KEYMAP_IN_LIST,         [APP_WORKFLOW] = KEYMAP_IN_WORKFLOW,
	[APP_LOGS] = KEYMAP_IN_LOGS,         [APP_HELP] = KEYMAP_IN_HELP,
	[APP_FORWARDS] = KEYMAP_IN_FORWARDS,
};

struct app {
	struct session *s;
	const struct app_opts *o;
	struct screen *scr;
	struct canvas canvas;
	bool dirty, quit;
	enum app_view view;
	enum app_view back[8];
	int depth;
	int help_top;

	struct osmo_workflow_list list;
	bool have_list, all_users;
	struct sync_item list_sync;
	int list_sel, list_top;
	int list_limit;
	bool list_growing; /* a bigger page is on its way */
	struct filter filter;

	char *wf_id;
	struct osmo_workflow wf;
	bool have_wf;
	struct sync_item wf_sync;
	unsigned long wf_req;
	int wf_sel, wf_top;
	bool graph;                /* the DAG instead of the task table */
	struct strv strict_groups; /* the spec's ignoreNonleadStatus: false groups */
	unsigned long spec_req;
	int pan_row, pan_col;

	struct log_tail tail;
	struct view_logs lv;
	enum app_log_kind log_kind;
	char *log_task;
	int log_retry;
	unsigned long log_req;
	bool log_open, log_ended;
	struct sync_item log_sync;
	char *log_state;

	enum app_dialog dlg;
	struct strbuf input;
	char *dlg_task; /* the task (forward) or group (group exec) the dialog is for */
	bool force;
	bool udp;     /* forward dialog: UDP instead of TCP */
	int priority; /* resubmit: index into app_priorities */
	unsigned long action_req;

	char *msg;
	bool msg_error;
	int64_t msg_until;
	int64_t wf_fast_until; /* poll the workflow every second until then (after an action) */
	char *err;             /* the last failure of the view's data */
	int signal_fd;
	int64_t drawn_second; /* the wall-clock second the frame shows ages for */

	struct forward_mgr *fwd; /* made at the first forward; its forwards outlive every view */
	int fwd_sel, fwd_top;
	struct shell *shell;    /* while set the terminal belongs to a task's shell */
	struct exec_group *grp; /* the group exec an APP_LOG_EXEC view shows */
	char *grp_cmd;
	unsigned grp_done, grp_failed; /* tasks whose session ended; those that broke off */
};

static void app_poll_list(struct app *a);
static void app_poll_workflow(struct app *a);
static void app_log_connect(struct app *a);
static void app_load_rules(struct app *a);
static bool app_log_source_alive(const struct app *a);

/* ------------------------------------------------------------------ status messages */

static void app_vset(char **slot, const char *fmt, va_list ap)
        __attribute__((format(printf, 2, 0)));
static void app_say(struct app *a, bool error, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void app_log_state(struct app *a, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* Replaces the string *slot with a formatted one. */
static void
app_vset(char **slot, const char *fmt, va_list ap)
{
	struct strbuf sb = { 0 };

	strbuf_vaddf(&sb, fmt, ap);
	free(*slot);
	*slot = strbuf_detach(&sb);
}

static void
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

/* The log view's state line: how its stream, or the group exec, is doing. */
static void
app_log_state(struct app *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	app_vset(&a->log_state, fmt, ap);
	va_end(ap);
	a->dirty = true;
}

static void
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

/* A failed poll backs off, and never retries sooner than the server's Retry-After. */
static void
app_sync_failed(struct sync_item *it, const struct api_error *err, int64_t now)
{
	sync_failed(it, &sync_default_policy, now, (uint32_t)rand());
	sync_retry_after(it, &sync_default_policy, now, err->retry_after_s);
}

/* The wall clock views show ages against. */
static int64_t
app_now(const struct app *a)
{
	return a->o->at_ms ? a->o->at_ms : clock_wall_ms();
}

/* The list's terms changed: start over from the first page. */
static void
app_list_changed(struct app *a)
{
	a->list_sel = a->list_top = 0;
	a->list_limit = APP_LIST_PAGE;
	sync_kick(&a->list_sync);
	a->dirty = true;
}

/* ------------------------------------------------------------------ views */

static void
app_push(struct app *a, enum app_view v)
{
	if (a->depth < (int)ARRAY_SIZE(a->back))
		a->back[a->depth++] = a->view;
	a->view = v;
	a->dirty = true;
}

static void
app_log_close(struct app *a)
{
	if (a->log_req)
		api_abort(a->s->api, a->log_req);
	a->log_req = 0;
	a->log_open = false;
	exec_group_free(a->grp);
	a->grp = NULL;
	free(a->grp_cmd);
	a->grp_cmd = NULL;
	log_tail_free(&a->tail);
	view_logs_free(&a->lv);
	free(a->log_task);
	a->log_task = NULL;
	free(a->log_state);
	a->log_state = NULL;
}

static void
app_pop(struct app *a)
{
	if (a->view == APP_LOGS)
		app_log_close(a);
	if (a->depth == 0) {
		a->quit = a->view == APP_LIST;
		if (!a->quit) {
			a->view = APP_LIST;
			sync_kick(&a->list_sync);
		}
	} else {
		a->view = a->back[--a->depth];
	}
	a->dirty = true;
}

static void
app_rules_done(void *ctx, struct api_result *res)
{
	struct app *a = ctx;

	a->spec_req = 0;
	/* Without the spec every group keeps the default rule: nothing to show wrongly. */
	if (res->err.kind == API_OK && res->text)
		spec_rules_strict_groups(res->text, res->text_len, &a->strict_groups);
	api_result_free(res);
	a->dirty = true;
}

/* The spec says which groups any failing task decides; the status API does not. */
static void
app_load_rules(struct app *a)
{
	struct api_callbacks cb = { .done = app_rules_done, .ctx = a };

	if (a->spec_req)
		api_abort(a->s->api, a->spec_req);
	strv_free(&a->strict_groups);
	a->spec_req = api_spec(a->s->api, a->wf_id, false, cb);
}

static void
app_open_workflow(struct app *a, const char *id)
{
	if (!a->wf_id || strcmp(a->wf_id, id) != 0) {
		if (a->wf_req)
			api_abort(a->s->api, a->wf_req);
		a->wf_req = 0;
		free(a->wf_id);
		a->wf_id = xstrdup(id);
		if (a->have_wf)
			osmo_workflow_free(&a->wf);
		a->have_wf = false;
		memset(&a->wf_sync, 0, sizeof(a->wf_sync));
		a->wf_sel = a->wf_top = 0;
		app_load_rules(a);
	}
	sync_kick(&a->wf_sync);
	app_push(a, APP_WORKFLOW);
}

static void
app_open_logs(struct app *a, enum app_log_kind kind, const char *task, int retry)
{
	log_tail_init(&a->tail, APP_LOG_RING);
	view_logs_init(&a->lv);
	a->log_kind = kind;
	a->log_task = task ? xstrdup(task) : NULL;
	a->log_retry = retry;
	a->log_ended = false;
	a->log_open = true;
	memset(&a->log_sync, 0, sizeof(a->log_sync));
	app_push(a, APP_LOGS);
	/* A group exec's lines come from its sockets, not from a log call. */
	if (kind != APP_LOG_EXEC)
		app_log_connect(a);
}

/* ------------------------------------------------------------------ data */

static void
app_list_done(void *ctx, struct api_result *res)
{
	struct app *a = ctx;
	int64_t now = clock_mono_ms();

	a->list_growing = false;
	if (res->err.kind != API_OK) {
		app_sync_failed(&a->list_sync, &res->err, now);
		app_set_err(a, &res->err);
	} else {
		bool alive = false, changed = !a->have_list || a->list.n_rows != res->list.n_rows;

		for (size_t i = 0; i < res->list.n_rows; i++) {
			alive |= !osmo_status_is_finished(res->list.rows[i].status);
			changed |= !changed && res->list.rows[i].status != a->list.rows[i].status;
		}
		if (a->have_list)
			osmo_workflow_list_free(&a->list);
		a->list = res->list;
		memset(&res->list, 0, sizeof(res->list));
		a->have_list = true;
		filter_apply(&a->filter, &a->list, app_now(a));
		/* A list with live workflows refreshes at a live workflow's pace. */
		sync_succeeded(&a->list_sync, &sync_default_policy, now,
		               alive ? SYNC_RUNNING : SYNC_LIST, changed);
		app_set_err(a, NULL);
		if (a->list_sel >= (int)a->list.n_rows)
			a->list_sel = a->list.n_rows ? (int)a->list.n_rows - 1 : 0;
	}
	api_result_free(res);
	a->dirty = true;
}

static void
app_poll_list(struct app *a)
{
	struct api_list_query q = { .all_users = a->all_users, .limit = a->list_limit };
	struct api_callbacks cb = { .done = app_list_done, .ctx = a };

	filter_query(&a->filter, &q);
	sync_begin(&a->list_sync, clock_mono_ms());
	api_list(a->s->api, &q, cb);
	strv_free(&q.pools);
	strv_free(&q.statuses);
	strv_free(&q.users);
}

static void
app_workflow_done(void *ctx, struct api_result *res)
{
	struct app *a = ctx;
	int64_t now = clock_mono_ms();

	a->wf_req = 0;
	if (res->err.kind != API_OK) {
		app_sync_failed(&a->wf_sync, &res->err, now);
		app_set_err(a, &res->err);
	} else {
		bool changed = !a->have_wf || a->wf.status != res->workflow.status ||
		               a->wf.n_groups != res->workflow.n_groups;

		for (size_t i = 0; !changed && i < a->wf.n_groups; i++)
			changed = a->wf.groups[i].status != res->workflow.groups[i].status ||
			          a->wf.groups[i].n_tasks != res->workflow.groups[i].n_tasks;
		if (a->have_wf)
			osmo_workflow_free(&a->wf);
		a->wf = res->workflow;
		memset(&res->workflow, 0, sizeof(res->workflow));
		a->have_wf = true;
		sync_succeeded(&a->wf_sync, &sync_default_policy, now, sync_state_of(a->wf.status),
		               changed);
		/* Right after an action the status moves within seconds: look again soon. */
		if (now < a->wf_fast_until && a->wf_sync.next_due_ms > now + 1000)
			a->wf_sync.next_due_ms = now + 1000;
		app_set_err(a, NULL);
		if (a->log_open && !a->log_req && !a->log_ended && a->log_kind <= APP_LOG_EVENTS &&
		    !app_log_source_alive(a)) {
			a->log_ended = true;
			app_log_state(a, "end of log");
		}
	}
	api_result_free(res);
	a->dirty = true;
}

static void
app_poll_workflow(struct app *a)
{
	struct api_callbacks cb = { .done = app_workflow_done, .ctx = a };

	sync_begin(&a->wf_sync, clock_mono_ms());
	a->wf_req = api_query(a->s->api, a->wf_id, true, false, cb);
}

static void
app_log_data(void *ctx, const char *bytes, size_t n)
{
	struct app *a = ctx;

	log_tail_feed(&a->tail, bytes, n);
	a->dirty = true;
}

static bool
app_workflow_alive(const struct app *a)
{
	return !a->have_wf || !osmo_status_is_finished(a->wf.status);
}

/* Whether the log being shown can still grow: its task's retry, else the whole workflow. */
static bool
app_log_source_alive(const struct app *a)
{
	const struct osmo_task *found = NULL;

	if (!a->have_wf || !a->log_task)
		return app_workflow_alive(a);
	for (size_t g = 0; g < a->wf.n_groups; g++)
		for (size_t i = 0; i < a->wf.groups[g].n_tasks; i++) {
			const struct osmo_task *t = &a->wf.groups[g].tasks[i];

			if (strcmp(t->name, a->log_task) != 0)
				continue;
			if (a->log_retry >= 0 ? t->retry_id == a->log_retry
			                      : !found || t->retry_id > found->retry_id)
				found = t;
		}
	/* A rescheduled task goes on in its next retry, which the newest-retry log follows. */
	return !found || !osmo_status_is_finished(found->status) ||
	       (a->log_retry < 0 && found->status == OSMO_RESCHEDULED);
}

static void
app_log_done(void *ctx, struct api_result *res)
{
	struct app *a = ctx;
	int64_t now = clock_mono_ms();

	a->log_req = 0;
	/* Error logs come as one finite body, streams byte by byte through app_log_data. */
	if (res->kind == API_TEXT && res->err.kind == API_OK && res->text)
		log_tail_feed(&a->tail, res->text, res->text_len);
	log_tail_finish(&a->tail);
	if (res->err.kind != API_OK) {
		app_sync_failed(&a->log_sync, &res->err, now);
		app_log_state(a, "stream failed: %s", res->err.message);
	} else if (a->log_kind != APP_LOG_ERRORS && app_log_source_alive(a)) {
		/* The stream ended while our data says it lives: ask the data, then pick it up again. */
		sync_succeeded(&a->log_sync, &sync_default_policy, now, SYNC_RUNNING, false);
		sync_kick(&a->wf_sync);
		app_log_state(a, "stream ended; reconnecting");
	} else {
		a->log_ended = true;
		app_log_state(a, "end of log");
	}
	api_result_free(res);
	a->dirty = true;
}

static void
app_log_connect(struct app *a)
{
	struct api_callbacks cb = { .done = app_log_done, .data = app_log_data, .ctx = a };

	sync_begin(&a->log_sync, clock_mono_ms());
	if (a->log_kind == APP_LOG_ERRORS) {
		a->log_req = api_error_logs(a->s->api, a->wf_id, a->log_task, a->log_retry, cb);
		return;
	}
	struct api_stream_opts so = {
		.what = a->log_kind == APP_LOG_EVENTS ? API_STREAM_EVENTS : API_STREAM_LOGS,
		.workflow_id = a->wf_id,
		.task = a->log_task,
		.retry_id = a->log_retry,
		/* A reconnect replays; ask only for what the ring can match against. */
		.last_n_lines = a->tail.appended ? APP_LOG_RING / 2 : 0,
		.idle_timeout_s = 0,
	};

	if (a->tail.appended)
		log_tail_reconnect(&a->tail);
	a->log_req = api_stream(a->s->api, &so, cb);
}

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
		{ &a->list_sync, a->view == APP_LIST || a->depth == 0, app_poll_list },
		{ &a->wf_sync, a->wf_id && a->view != APP_LIST, app_poll_workflow },
		{ &a->log_sync,
		  a->view == APP_LOGS && a->log_open && !a->log_ended && !a->log_req &&
		          a->log_kind != APP_LOG_EXEC,
		  app_log_connect },
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

/* ------------------------------------------------------------------ actions on the server */

/* The list's selected row, or NULL. */
static const struct osmo_workflow_row *
app_list_row(const struct app *a)
{
	return a->have_list && a->list_sel < (int)a->list.n_rows ? &a->list.rows[a->list_sel]
	                                                         : NULL;
}

static const char *
app_target(const struct app *a)
{
	if (a->view == APP_LIST)
		return app_list_row(a) ? app_list_row(a)->name : NULL;
	return a->wf_id;
}

/* The selected workflow's pool (or priority), wherever it is selected. */
static const char *
app_target_field(const struct app *a, bool pool)
{
	const struct osmo_workflow_row *r = app_list_row(a);

	if (a->view == APP_LIST)
		return !r ? NULL : pool ? r->pool : r->priority;
	if (!a->have_wf)
		return NULL;
	return pool ? a->wf.pool : a->wf.priority;
}

static void
app_action_done(void *ctx, struct api_result *res)
{
	struct app *a = ctx;
	enum app_dialog what = a->dlg;

	a->action_req = 0;
	a->dlg = APP_DLG_NONE;
	if (res->err.kind != API_OK) {
		app_say(a, true, "%s", res->err.message);
	} else if (res->kind == API_CANCEL) {
		app_say(a, false, "cancel of %s submitted; following it to FAILED_CANCELED",
		        res->name ? res->name : "?");
		a->wf_fast_until = clock_mono_ms() + 20000;
		sync_kick(&a->wf_sync);
		sync_kick(&a->list_sync);
	} else if (res->submit.name) {
		char *from = xstrdup(app_target(a) ? app_target(a) : "?");

		app_say(a, false, "%s %s → %s",
		        what == APP_DLG_RESTART ? "restarted" : "resubmitted", from,
		        res->submit.name);
		sync_kick(&a->list_sync);
		app_open_workflow(a, res->submit.name);
		free(from);
	}
	api_result_free(res);
	a->dirty = true;
}

static void
app_confirm(struct app *a)
{
	const char *id = app_target(a);
	struct api_callbacks cb = { .done = app_action_done, .ctx = a };
	const char *pool = app_target_field(a, true);

	if (!id)
		return;
	if (a->dlg == APP_DLG_CANCEL) {
		a->action_req =
		        api_cancel(a->s->api, id, a->force, a->input.len ? a->input.buf : NULL, cb);
	} else if (a->dlg == APP_DLG_RESUBMIT) {
		struct api_submit_opts so = {
			.pool = a->input.len ? a->input.buf
			        : pool       ? pool
			                     : "default",
			.workflow_id = id,
			.priority = app_priorities[a->priority],
		};

		a->action_req = api_submit(a->s->api, &so, cb);
	} else if (a->dlg == APP_DLG_RESTART) {
		a->action_req = api_restart(a->s->api, pool ? pool : "default", id, cb);
	}
	app_say(a, false, "sending…");
}

static enum osmo_status
app_target_status(const struct app *a)
{
	if (a->view == APP_LIST)
		return app_list_row(a) ? app_list_row(a)->status : OSMO_UNKNOWN;
	return a->have_wf ? a->wf.status : OSMO_UNKNOWN;
}

static void
app_dialog(struct app *a, enum app_dialog d)
{
	enum osmo_status st = app_target_status(a);

	if (!app_target(a))
		return;
	if (d == APP_DLG_CANCEL && osmo_status_is_finished(st)) {
		app_say(a, true, "%s is already %s", app_target(a), osmo_status_wire(st));
		return;
	}
	if (d == APP_DLG_RESTART && !osmo_status_is_failed(st)) {
		app_say(a, true, "restart reruns the failed groups of a FAILED workflow; %s is %s",
		        app_target(a), osmo_status_wire(st));
		return;
	}
	a->dlg = d;
	a->force = false;
	strbuf_reset(&a->input);
	if (d == APP_DLG_RESUBMIT) {
		const char *pool = app_target_field(a, true), *pri = app_target_field(a, false);

		strbuf_addstr(&a->input, pool ? pool : "default");
		a->priority = 0;
		for (size_t i = 0; pri && i < ARRAY_SIZE(app_priorities); i++)
			if (strcmp(pri, app_priorities[i]) == 0)
				a->priority = (int)i;
	}
	a->dirty = true;
}

/* Copies text to the terminal's clipboard with OSC 52 (tmux and most terminals pass it on). */
static void
app_copy(struct app *a, const char *text)
{
	size_t n = strlen(text);
	char *b64 = xmalloc(4 * ((n + 2) / 3) + 1);
	char *osc;

	wsproto_base64((const unsigned char *)text, n, b64);
	osc = xasprintf("\033]52;c;%s\a", b64);
	/* Without a terminal (tests) there is nothing to write to. */
	if (a->scr && write(STDOUT_FILENO, osc, strlen(osc)) < 0)
		app_say(a, true, "could not write to the terminal");
	else
		app_say(a, false, "copied %s", text);
	free(osc);
	free(b64);
}

/* ------------------------------------------------------------------ keys */

static int
app_page(const struct app *a)
{
	return a->canvas.rows > 8 ? a->canvas.rows - 6 : 2;
}

/* Moves *sel by delta, or with absolute to the first (delta < 0) or last of n; kept in 0..n-1. */
static void
app_move(int *sel, int n, int delta, bool absolute)
{
	*sel = !absolute ? *sel + delta : delta < 0 ? 0 : n - 1;
	if (*sel >= n)
		*sel = n - 1;
	if (*sel < 0)
		*sel = 0;
}

static size_t
app_wf_rows(const struct app *a, struct view_row **rows)
{
	size_t n = 0;

	*rows = a->have_wf ? view_workflow_rows(&a->wf, &n) : NULL;
	return n;
}

/* The workflow table's selected row: its group (NULL when none) and, on a task row, the task. */
static const struct osmo_group *
app_selected(const struct app *a, const struct osmo_task **task)
{
	struct view_row *rows;
	size_t n = app_wf_rows(a, &rows);
	const struct osmo_group *g = NULL;

	*task = NULL;
	if ((size_t)a->wf_sel < n) {
		g = &a->wf.groups[rows[a->wf_sel].group];
		if (rows[a->wf_sel].task >= 0)
			*task = &g->tasks[rows[a->wf_sel].task];
	}
	free(rows);
	return g;
}

static void
app_open(struct app *a)
{
	if (a->view == APP_LIST) {
		if (app_list_row(a))
			app_open_workflow(a, app_list_row(a)->name);
		return;
	}
	const struct osmo_task *t;
	const struct osmo_group *g = app_selected(a, &t);
	const struct osmo_task *lead = g && !t ? osmo_group_lead(g) : NULL;

	if (t)
		app_open_logs(a, APP_LOG_LOGS, t->name, t->retry_id);
	else if (lead) /* a group row: its lead's newest retry */
		app_open_logs(a, APP_LOG_LOGS, lead->name, -1);
}

static void
app_error_logs(struct app *a)
{
	const struct osmo_task *t = NULL;
	/* A group exec's view names a group, not a task. */
	const char *task = a->log_kind == APP_LOG_EXEC ? NULL : a->log_task;
	int retry = a->log_retry;

	if (a->view == APP_WORKFLOW)
		app_selected(a, &t);
	if (t) {
		task = t->name;
		retry = t->retry_id;
	}
	if (!task) {
		app_say(a, true, "select a task first: error logs belong to one task");
	} else {
		char *name = xstrdup(task);

		if (a->view == APP_LOGS)
			app_pop(a);
		app_open_logs(a, APP_LOG_ERRORS, name, retry);
		free(name);
	}
}

static void
app_vertical(struct app *a, int delta, bool absolute)
{
	if (a->view == APP_LIST) {
		int n = a->have_list ? (int)a->list.n_rows : 0;

		app_move(&a->list_sel, n, delta, absolute);
		/* Reaching the last row asks the server for the next page. */
		if (delta > 0 && n && a->list_sel == n - 1 && a->list.more_entries &&
		    a->list_limit < APP_LIST_MAX && !a->list_growing) {
			a->list_growing = true;
			a->list_limit += APP_LIST_PAGE;
			if (a->list_limit > APP_LIST_MAX)
				a->list_limit = APP_LIST_MAX;
			sync_kick(&a->list_sync);
			app_say(a, false, "loading up to %d workflows…", a->list_limit);
		}
	} else if (a->view == APP_WORKFLOW) {
		struct view_row *rows;
		int n = (int)app_wf_rows(a, &rows);

		free(rows);
		app_move(&a->wf_sel, n, delta, absolute);
	} else if (a->view == APP_FORWARDS) {
		int n = 0;

		while (a->fwd && forward_info_at(a->fwd, (size_t)n))
			n++;
		app_move(&a->fwd_sel, n, delta, absolute);
	} else if (a->view == APP_LOGS) {
		if (absolute)
			view_logs_jump(&a->lv, &a->tail, delta > 0);
		else
			view_logs_scroll(&a->lv, &a->tail, delta);
	} else {
		/* The last page still shows a screenful, never an empty one. */
		app_move(&a->help_top, KEYMAP_COUNT - (a->canvas.rows - 2) + 1, delta, absolute);
	}
	a->dirty = true;
}

static void
app_act_quit(struct app *a, enum keymap_action act)
{
	(void)act;
	a->quit = true;
}

static void
app_act_back(struct app *a, enum keymap_action act)
{
	(void)act;
	app_pop(a);
}

static void
app_act_move(struct app *a, enum keymap_action act)
{
	int page = app_page(a);

	if (act == KEYMAP_TOP || act == KEYMAP_BOTTOM)
		app_vertical(a, act == KEYMAP_TOP ? -1 : 1, true);
	else if (act == KEYMAP_PAGE_UP || act == KEYMAP_PAGE_DOWN)
		app_vertical(a, act == KEYMAP_PAGE_UP ? -page : page, false);
	else
		app_vertical(a, act == KEYMAP_UP ? -1 : 1, false);
}

static void
app_act_hscroll(struct app *a, enum keymap_action act)
{
	view_logs_hscroll(&a->lv, act == KEYMAP_LEFT ? -8 : 8);
}

static void
app_act_open(struct app *a, enum keymap_action act)
{
	(void)act;
	app_open(a);
}

static void
app_act_logs(struct app *a, enum keymap_action act)
{
	const struct osmo_task *t = NULL;

	/* Events narrow to the selected task; logs of one task are what Enter opens. */
	if (act == KEYMAP_EVENTS)
		app_selected(a, &t);
	if (t)
		app_open_logs(a, APP_LOG_EVENTS, t->name, t->retry_id);
	else
		app_open_logs(a, act == KEYMAP_EVENTS ? APP_LOG_EVENTS : APP_LOG_LOGS, NULL, -1);
}

static void
app_act_error_logs(struct app *a, enum keymap_action act)
{
	(void)act;
	app_error_logs(a);
}

static void
app_act_refresh(struct app *a, enum keymap_action act)
{
	(void)act;
	sync_kick(&a->list_sync);
	sync_kick(&a->wf_sync);
	if (a->log_open && !a->log_ended)
		sync_kick(&a->log_sync);
	app_say(a, false, "refreshing");
}

static void
app_act_dialog(struct app *a, enum keymap_action act)
{
	app_dialog(a, act == KEYMAP_CANCEL     ? APP_DLG_CANCEL
	              : act == KEYMAP_RESUBMIT ? APP_DLG_RESUBMIT
	                                       : APP_DLG_RESTART);
}

static void
app_act_all_users(struct app *a, enum keymap_action act)
{
	(void)act;
	a->all_users = !a->all_users;
	app_list_changed(a);
	app_say(a, false, "%s", a->all_users ? "everyone's workflows" : "your workflows");
}

static void
app_act_sort(struct app *a, enum keymap_action act)
{
	static const enum filter_sort sorts[KEYMAP_COUNT] = {
		[KEYMAP_SORT_NAME] = FILTER_SORT_NAME,
		[KEYMAP_SORT_STATUS] = FILTER_SORT_STATUS,
		[KEYMAP_SORT_AGE] = FILTER_SORT_AGE,
		[KEYMAP_SORT_DURATION] = FILTER_SORT_DURATION,
		[KEYMAP_SORT_USER] = FILTER_SORT_USER,
		[KEYMAP_SORT_POOL] = FILTER_SORT_POOL,
	};

	filter_set_sort(&a->filter, sorts[act]);
	if (a->have_list)
		filter_apply(&a->filter, &a->list, app_now(a));
	a->list_sel = a->list_top = 0;
}

static void
app_act_show(struct app *a, enum keymap_action act)
{
	static const enum filter_preset presets[KEYMAP_COUNT] = {
		[KEYMAP_SHOW_ALL] = FILTER_ALL,
		[KEYMAP_SHOW_RUNNING] = FILTER_RUNNING,
		[KEYMAP_SHOW_WAITING] = FILTER_WAITING,
		[KEYMAP_SHOW_FAILED] = FILTER_FAILED,
		[KEYMAP_SHOW_COMPLETED] = FILTER_COMPLETED,
	};

	filter_set_preset(&a->filter, presets[act]);
	app_list_changed(a);
}

static void
app_act_copy(struct app *a, enum keymap_action act)
{
	const char *id = app_target(a);
	char *url = id ? xasprintf("%s/api/workflow/%s", a->s->shown_url, id) : NULL;

	(void)act;
	if (url)
		app_copy(a, url);
	free(url);
}

static void
app_act_toggle(struct app *a, enum keymap_action act)
{
	view_logs_toggle(&a->lv, &a->tail,
	                 act == KEYMAP_FOLLOW       ? VIEW_LOGS_FOLLOW
	                 : act == KEYMAP_WRAP       ? VIEW_LOGS_WRAP
	                 : act == KEYMAP_TIMESTAMPS ? VIEW_LOGS_TIMESTAMPS
	                                            : VIEW_LOGS_FILTER);
}

static void
app_act_search(struct app *a, enum keymap_action act)
{
	(void)act;
	a->dlg = APP_DLG_SEARCH;
	strbuf_reset(&a->input);
}

static void
app_act_next(struct app *a, enum keymap_action act)
{
	if (!view_logs_next(&a->lv, &a->tail, act == KEYMAP_NEXT))
		app_say(a, true, "no match");
}

static void
app_act_graph(struct app *a, enum keymap_action act)
{
	(void)act;
	a->graph = !a->graph;
	a->pan_row = a->pan_col = 0;
}

static void
app_act_help(struct app *a, enum keymap_action act)
{
	(void)act;
	if (a->view != APP_HELP)
		app_push(a, APP_HELP);
}

/* The selected task, or a group row's lead; NULL (and said why) when there is none. */
static const struct osmo_task *
app_task_target(struct app *a)
{
	const struct osmo_task *t = NULL;
	const struct osmo_group *g = a->view == APP_WORKFLOW ? app_selected(a, &t) : NULL;

	if (g && !t)
		t = osmo_group_lead(g);
	if (!t)
		app_say(a, true, "select a task first");
	return t;
}

static void
app_act_shell(struct app *a, enum keymap_action act)
{
	const struct osmo_task *t = app_task_target(a);

	(void)act;
	if (!t || a->shell)
		return;
	if (t->status != OSMO_RUNNING) {
		app_say(a, true, "a shell needs a RUNNING task; %s is %s", t->name,
		        osmo_status_wire(t->status));
		return;
	}
	if (!a->scr) {
		app_say(a, true, "a shell needs the terminal");
		return;
	}
	screen_suspend(a->scr);
	a->shell = shell_start(a->s->api, a->s->http, a->wf_id, t->name);
}

/* Opens a dialog about name (a task, a group) while the workflow still runs something. */
static void
app_task_dialog(struct app *a, enum app_dialog d, const char *name, const char *what)
{
	if (a->have_wf && osmo_status_is_finished(a->wf.status)) {
		app_say(a, true, "%s is %s: no task runs %s", a->wf_id,
		        osmo_status_wire(a->wf.status), what);
		return;
	}
	free(a->dlg_task);
	a->dlg_task = xstrdup(name);
	a->dlg = d;
	strbuf_reset(&a->input);
}

static void
app_act_forward(struct app *a, enum keymap_action act)
{
	const struct osmo_task *t = app_task_target(a);

	(void)act;
	/* A task not running yet is fine: the forward waits for it (425 is retried). */
	if (t)
		app_task_dialog(a, APP_DLG_FORWARD, t->name, "to forward from");
}

static void
app_act_group_exec(struct app *a, enum keymap_action act)
{
	const struct osmo_task *t;
	const struct osmo_group *g = app_selected(a, &t);

	(void)act;
	if (!g)
		app_say(a, true, "select a group first");
	else
		app_task_dialog(a, APP_DLG_GROUP_EXEC, g->name, "a command");
}

static void
app_act_forwards(struct app *a, enum keymap_action act)
{
	(void)act;
	app_push(a, APP_FORWARDS);
}

static void
app_act_stop_forward(struct app *a, enum keymap_action act)
{
	const struct forward_info *fi = a->fwd ? forward_info_at(a->fwd, (size_t)a->fwd_sel) : NULL;

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

/* What each action does; the keymap says which keys run it where. */
static void (*const app_actions[KEYMAP_COUNT])(struct app *a, enum keymap_action act) = {
	[KEYMAP_QUIT] = app_act_quit,
	[KEYMAP_BACK] = app_act_back,
	[KEYMAP_UP] = app_act_move,
	[KEYMAP_DOWN] = app_act_move,
	[KEYMAP_PAGE_UP] = app_act_move,
	[KEYMAP_PAGE_DOWN] = app_act_move,
	[KEYMAP_TOP] = app_act_move,
	[KEYMAP_BOTTOM] = app_act_move,
	[KEYMAP_LEFT] = app_act_hscroll,
	[KEYMAP_RIGHT] = app_act_hscroll,
	[KEYMAP_OPEN] = app_act_open,
	[KEYMAP_LOGS] = app_act_logs,
	[KEYMAP_EVENTS] = app_act_logs,
	[KEYMAP_ERROR_LOGS] = app_act_error_logs,
	[KEYMAP_REFRESH] = app_act_refresh,
	[KEYMAP_CANCEL] = app_act_dialog,
	[KEYMAP_RESUBMIT] = app_act_dialog,
	[KEYMAP_RESTART] = app_act_dialog,
	[KEYMAP_ALL_USERS] = app_act_all_users,
	[KEYMAP_SORT_NAME] = app_act_sort,
	[KEYMAP_SORT_STATUS] = app_act_sort,
	[KEYMAP_SORT_AGE] = app_act_sort,
	[KEYMAP_SORT_DURATION] = app_act_sort,
	[KEYMAP_SORT_USER] = app_act_sort,
	[KEYMAP_SORT_POOL] = app_act_sort,
	[KEYMAP_SHOW_ALL] = app_act_show,
	[KEYMAP_SHOW_RUNNING] = app_act_show,
	[KEYMAP_SHOW_WAITING] = app_act_show,
	[KEYMAP_SHOW_FAILED] = app_act_show,
	[KEYMAP_SHOW_COMPLETED] = app_act_show,
	[KEYMAP_COPY_URL] = app_act_copy,
	[KEYMAP_FOLLOW] = app_act_toggle,
	[KEYMAP_WRAP] = app_act_toggle,
	[KEYMAP_TIMESTAMPS] = app_act_toggle,
	[KEYMAP_FILTER] = app_act_toggle,
	[KEYMAP_SEARCH] = app_act_search,
	[KEYMAP_NEXT] = app_act_next,
	[KEYMAP_PREV] = app_act_next,
	[KEYMAP_HELP] = app_act_help,
	[KEYMAP_GRAPH] = app_act_graph,
	[KEYMAP_SHELL] = app_act_shell,
	[KEYMAP_FORWARD] = app_act_forward,
	[KEYMAP_FORWARDS] = app_act_forwards,
	[KEYMAP_GROUP_EXEC] = app_act_group_exec,
	[KEYMAP_STOP_FORWARD] = app_act_stop_forward,
	[KEYMAP_STOP_FORWARDS] = app_act_stop_forward,
};

static void
app_action(struct app *a, enum keymap_action act)
{
	if (act >= 0 && act < KEYMAP_COUNT && app_actions[act])
		app_actions[act](a, act);
	a->dirty = true;
}

static void
app_group_line(void *ctx, const char *task, const char *line)
{
	struct app *a = ctx;
	char *l = xasprintf("[%s] %s\n", task, line);

	log_tail_feed(&a->tail, l, strlen(l));
	free(l);
	a->dirty = true;
}

static void
app_group_task_ended(void *ctx, const char *task, const struct exec_end *end)
{
	struct app *a = ctx;

	a->grp_done++;
	if (!end->clean) {
		char *l = xasprintf("[%s] osmotop: %s\n", task, end->err.message);

		a->grp_failed++;
		log_tail_feed(&a->tail, l, strlen(l));
		free(l);
	}
	app_log_state(a, "running · %u task%s finished", a->grp_done, a->grp_done == 1 ? "" : "s");
}

static void
app_group_ended(void *ctx, const struct api_error *err)
{
	struct app *a = ctx;

	a->log_ended = true;
	if (err)
		app_log_state(a, "not started: %s", err->message);
	else if (a->grp_failed)
		app_log_state(a, "done on %u tasks; %u broke off (see their last line)",
		              a->grp_done, a->grp_failed);
	else
		app_log_state(a, "done on %u task%s", a->grp_done, a->grp_done == 1 ? "" : "s");
	exec_group_free(a->grp);
	a->grp = NULL;
}

/* Runs the dialog's command on the group's running tasks, their lines in a log view. */
static void
app_group_start(struct app *a)
{
	struct exec_group_opts go = {
		.workflow = a->wf_id,
		.group = a->dlg_task,
		.command = a->input.buf,
		.rows = 24,
		.cols = 200, /* lines the view wraps or scrolls, rather than the pty folding them */
		.cb = { .line = app_group_line,
		        .task_ended = app_group_task_ended,
		        .ended = app_group_ended,
		        .ctx = a },
	};
	char *group = xstrdup(a->dlg_task);

	if (!a->input.len) {
		app_say(a, true, "type the command to run, e.g. nvidia-smi");
		free(group);
		return;
	}
	if (exec_group_interactive(a->input.buf)) {
		app_say(a, true,
		        "%s waits for input a group exec never sends; s opens a shell "
		        "in one task",
		        a->input.buf);
		free(group);
		return;
	}
	a->dlg = APP_DLG_NONE;
	app_open_logs(a, APP_LOG_EXEC, group, -1);
	a->grp_cmd = xstrdup(go.command);
	a->grp_done = a->grp_failed = 0;
	app_log_state(a, "starting on the running tasks of %s", group);
	a->grp = exec_group_start(a->s->api, a->s->http, &go);
	free(group);
}

/* The forward dialog's ports as they would start: "L→R" each, or why they cannot. */
static char *
app_forward_preview(const struct app *a, bool *ok)
{
	struct forward_port *ports = NULL;
	struct strbuf sb = { 0 };
	size_t n = 0;
	char *err = NULL;

	*ok = false;
	if (!a->input.len)
		return xstrdup("e.g. 6006 · 8888:18888 · 8000-8003 · 9000-9001:19000-19001");
	if (forward_ports_parse(a->input.buf, &ports, &n, &err) < 0)
		return err;
	*ok = true;
	for (size_t i = 0; i < n; i++) {
		bool taken = !forward_port_free(ports[i].local, a->udp);

		strbuf_addf(&sb, "%s%d→%d%s", i ? " · " : "", ports[i].local, ports[i].remote,
		            taken ? " (taken)" : "");
		*ok &= !taken;
	}
	free(ports);
	return strbuf_detach(&sb);
}

/* Starts the dialog's forwards; the dialog stays open on anything the user must change. */
static void
app_forward_start(struct app *a)
{
	struct forward_port *ports = NULL;
	size_t n = 0, started = 0;
	char *err = NULL;
	struct api_error aerr = { 0 };
	int first = -1;

	if (forward_ports_parse(a->input.buf ? a->input.buf : "", &ports, &n, &err) < 0) {
		app_say(a, true, "%s", err);
		free(err);
		return;
	}
	/* Binding happens before anything goes out: a busy port is the user's to change. */
	for (size_t i = 0; i < n; i++) {
		if (!forward_port_free(ports[i].local, a->udp)) {
			app_say(a, true, "127.0.0.1:%d is taken; pick a local port with %d:LOCAL",
			        ports[i].local, ports[i].remote);
			free(ports);
			return;
		}
	}
	if (!a->fwd)
		a->fwd = forward_mgr_new(a->s->api, a->s->http);
	for (; started < n; started++) {
		int id = forward_add(a->fwd, a->wf_id, a->dlg_task, ports[started].remote,
		                     ports[started].local, a->udp, &aerr);

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
		        ports[0].local, a->udp ? "/udp" : "", a->dlg_task, ports[0].remote,
		        n > 1 ? " and more" : "");
		a->dlg = APP_DLG_NONE;
	}
	free(ports);
}

/* Keys while a dialog is open: text goes to the input line. */
static void
app_dialog_key(struct app *a, int key)
{
	if (key == SCREEN_KEY_ESC || key == SCREEN_CTRL('c')) {
		a->dlg = APP_DLG_NONE;
	} else if (key == SCREEN_KEY_ENTER) {
		if (a->dlg == APP_DLG_SEARCH) {
			char *pattern = a->input.len ? xstrdup(a->input.buf) : NULL;

			if (a->view == APP_LOGS) {
				view_logs_search(&a->lv, &a->tail, pattern);
			} else {
				char *err;

				if (filter_parse(&a->filter, pattern, &err) < 0) {
					app_say(a, true, "%s", err);
					free(err);
				}
				app_list_changed(a);
			}
			free(pattern);
			a->dlg = APP_DLG_NONE;
		} else if (a->dlg == APP_DLG_FORWARD) {
			app_forward_start(a);
		} else if (a->dlg == APP_DLG_GROUP_EXEC) {
			app_group_start(a);
		} else if (!a->action_req) {
			app_confirm(a);
		}
	} else if (key == '\t' && a->dlg == APP_DLG_FORWARD) {
		a->udp = !a->udp;
	} else if (key == '\t' && a->dlg == APP_DLG_CANCEL) {
		a->force = !a->force;
	} else if (key == '\t' && a->dlg == APP_DLG_RESUBMIT) {
		a->priority = (a->priority + 1) % (int)ARRAY_SIZE(app_priorities);
	} else if (key == SCREEN_KEY_BACKSPACE) {
		while (a->input.len && (a->input.buf[a->input.len - 1] & 0xc0) == 0x80)
			a->input.len--;
		if (a->input.len)
			a->input.buf[--a->input.len] = '\0';
	} else if (key >= 0x20 && key < SCREEN_KEY_BASE && key != 0x7f && a->input.len < 200) {
		char utf8[4];
		size_t n = text_encode((uint32_t)key, utf8);

		strbuf_add(&a->input, utf8, n);
	}
	a->dirty = true;
}

/* ------------------------------------------------------------------ drawing */

static void
app_status_bar(struct app *a, int64_t now)
{
	struct canvas *c = &a->canvas;
	int row = c->rows - 1;
	enum app_view shown = a->view == APP_HELP && a->depth ? a->back[a->depth - 1] : a->view;
	struct sync_item *it = shown == APP_LIST ? &a->list_sync : &a->wf_sync;
	struct strbuf sb = { 0 };
	enum style st = STYLE_TITLE;

	canvas_fill(c, row, 0, c->cols, ' ', STYLE_TITLE);
	if (a->msg && now < a->msg_until) {
		strbuf_addstr(&sb, a->msg);
		st = a->msg_error ? STYLE_ERROR : STYLE_TITLE;
	} else if (it->failures && a->err) {
		char age[FORMAT_BUF], wait[FORMAT_BUF];

		format_duration((double)(now - it->stale_since_ms) / 1000.0, age);
		format_duration((double)sync_wait_ms(it, now) / 1000.0, wait);
		strbuf_addf(&sb, "stale %s · retrying in %s: %s", age, wait, a->err);
		st = STYLE_WARN;
	} else {
		char age[FORMAT_BUF];

		strbuf_addstr(&sb, a->s->shown_url);
		if (a->o->user)
			strbuf_addf(&sb, " · %s", a->o->user);
		if (a->fwd && forward_active(a->fwd))
			strbuf_addstr(&sb, " · forwarding (p)");
		if (it->last_ok_ms) {
			format_duration((double)(now - it->last_ok_ms) / 1000.0, age);
			strbuf_addf(&sb, " · data %s old", age);
		} else {
			strbuf_addstr(&sb, " · loading…");
		}
		strbuf_addstr(&sb, " · ? help");
	}
	canvas_text_ellipsis(c, row, 0, c->cols, st, sb.buf ? sb.buf : "");
	strbuf_free(&sb);
}

static void
app_dialog_draw(struct app *a)
{
	struct canvas *c = &a->canvas;
	const char *id = app_target(a) ? app_target(a) : "?";
	const char *input = a->input.buf ? a->input.buf : "";
	char *title = NULL, *line2 = NULL, *line3 = NULL;
	bool ok = true;
	int w = c->cols > 72 ? 70 : c->cols - 2, row = c->rows / 2 - 3, col;

	if (a->dlg == APP_DLG_SEARCH) {
		char *prompt = xasprintf("/%s", input);

		canvas_fill(c, c->rows - 2, 0, c->cols, ' ', STYLE_SELECTED);
		canvas_text(c, c->rows - 2, 0, c->cols, STYLE_SELECTED, prompt);
		free(prompt);
		return;
	}
	if (a->dlg == APP_DLG_GROUP_EXEC) {
		title = xasprintf("Run a command on every running task of %s", a->dlg_task);
		line2 = xasprintf("command: %s_", input);
		ok = !a->input.len || !exec_group_interactive(a->input.buf);
		line3 = xstrdup(ok ? "output as [task] lines · e.g. nvidia-smi, df -h, py-spy dump "
		                     "--pid 1"
		                   : "an interactive shell: s opens one in a single task");
	} else if (a->dlg == APP_DLG_FORWARD) {
		title = xasprintf("Port-forward from %s to 127.0.0.1", a->dlg_task);
		line2 = xasprintf("remote port(s)[:local]: %s_   %s (Tab)", input,
		                  a->udp ? "UDP" : "TCP");
		line3 = app_forward_preview(a, &ok);
	} else if (a->dlg == APP_DLG_CANCEL) {
		title = xasprintf("Cancel workflow %s?", id);
		line2 = xasprintf("message: %s_   force (Tab): %s", input, a->force ? "yes" : "no");
	} else if (a->dlg == APP_DLG_RESUBMIT) {
		title = xasprintf("Resubmit %s's spec as a new workflow?", id);
		line2 = xasprintf("pool: %s_   priority (Tab): %s", input,
		                  app_priorities[a->priority]);
	} else {
		struct strbuf sb = { 0 };

		strbuf_addstr(&sb, "reruns:");
		/* Only the workflow on screen has its groups loaded; the list knows none. */
		bool known = a->have_wf && a->view != APP_LIST && a->wf.name &&
		             strcmp(a->wf.name, id) == 0;

		for (size_t i = 0; known && i < a->wf.n_groups; i++)
			if (a->wf.groups[i].status != OSMO_COMPLETED)
				strbuf_addf(&sb, " %s", a->wf.groups[i].name);
		if (!known)
			strbuf_addstr(&sb, " the groups that did not complete");
		title = xasprintf("Restart failed workflow %s?", id);
		line2 = strbuf_detach(&sb);
	}
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
	                     a->action_req ? "sending…"
	                     : a->dlg == APP_DLG_FORWARD || a->dlg == APP_DLG_GROUP_EXEC
	                             ? "Enter: start   Esc: close"
	                             : "Enter: confirm   Esc: keep it");
	free(title);
	free(line2);
	free(line3);
}

static void
app_help_draw(struct app *a)
{
	struct canvas *c = &a->canvas;
	size_t n;
	const struct keymap_binding *b = keymap_bindings(&n);
	int row = 1;

	canvas_fill(c, 0, 0, c->cols, ' ', STYLE_TITLE);
	canvas_text(c, 0, 0, c->cols, STYLE_TITLE, "osmotop · keys (Esc: back)");
	for (int act = 0, skip = a->help_top; act < KEYMAP_COUNT && row < c->rows - 1; act++) {
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

static void
app_keep_visible(int sel, int *top, int rows)
{
	if (rows < 1)
		rows = 1;
	if (sel < *top)
		*top = sel;
	if (sel >= *top + rows)
		*top = sel - rows + 1;
	if (*top < 0)
		*top = 0;
}

/* The DAG of groups over the table's place; the selected row's group is highlighted. */
static void
app_graph_draw(struct app *a, const struct render_ctx *rc, struct canvas *body, int room)
{
	struct dag_layout l;
	struct dag_extent ext;
	const struct osmo_task *t;
	const struct osmo_group *g = app_selected(a, &t);
	int top = body->rows - room;
	int sel_group = g ? (int)(g - a->wf.groups) : -1;
	/* The selected group's tasks below the graph: its header, group row and tasks. */
	int tasks = g && room >= 12 ? (int)g->n_tasks + 2 : 0;
	struct dag_rect area;

	if (tasks > room / 2)
		tasks = room / 2;
	area = (struct dag_rect){ top - 1, 0, room - tasks, body->cols };
	for (int r = top - 1; r < body->rows; r++)
		canvas_fill(body, r, 0, body->cols, ' ', STYLE_NORMAL);
	dag_layout(&a->wf, &l);
	dag_render(rc, &a->wf, &l, sel_group, a->pan_row, a->pan_col, body, area, &ext);
	/* Keep the selected group on screen. */
	if (ext.selected.rows && (ext.selected.col < ext.pan_col ||
	                          ext.selected.col + ext.selected.cols > ext.pan_col + area.cols ||
	                          ext.selected.row < ext.pan_row ||
	                          ext.selected.row + ext.selected.rows > ext.pan_row + area.rows)) {
		a->pan_col = ext.selected.col > 2 ? ext.selected.col - 2 : 0;
		a->pan_row = ext.selected.row > 1 ? ext.selected.row - 1 : 0;
		dag_render(rc, &a->wf, &l, sel_group, a->pan_row, a->pan_col, body, area, &ext);
	}
	/* The tasks follow the drawing right under it, taking whatever room it leaves. */
	if (tasks) {
		int used = ext.rows - ext.pan_row < area.rows ? ext.rows - ext.pan_row : area.rows;

		view_workflow_group_tasks(rc, &a->wf, (size_t)sel_group, body, area.row + used + 1,
		                          room - used - 1);
	}
	dag_layout_free(&l);
}

/* The selected row's whole failure message on the last row: tables cut it short. */
static void
app_detail_draw(struct app *a, struct canvas *body)
{
	const struct osmo_task *t;
	const struct osmo_group *g = app_selected(a, &t);
	const char *name, *msg;

	if (!g)
		return;
	name = t ? t->name : g->name;
	msg = t ? t->failure_message : g->failure_message;
	if ((!msg || !*msg) && !t && g->n_tasks > 1) {
		/* A group row: say which rule makes its status. */
		bool strict = strv_contains(&a->strict_groups, name);
		char *line = xasprintf("%s: %s", name,
		                       strict ? "any failing task fails the group "
		                                "(ignoreNonleadStatus: false)"
		                              : "status follows the lead task; non-lead failures "
		                                "do not fail it (ignoreNonleadStatus: true)");

		canvas_fill(body, body->rows - 1, 0, body->cols, ' ', STYLE_NORMAL);
		canvas_text_ellipsis(body, body->rows - 1, 0, body->cols, STYLE_DIM, line);
		free(line);
	}
	if (msg && *msg) {
		char *line = xasprintf("%s: %s", name, msg);

		for (char *p = line; *p; p++)
			if (*p == '\n' || *p == '\r' || *p == '\t')
				*p = ' ';
		canvas_fill(body, body->rows - 1, 0, body->cols, ' ', STYLE_NORMAL);
		canvas_text_ellipsis(body, body->rows - 1, 0, body->cols, STYLE_ERROR, line);
		free(line);
	}
}

static void
app_compose(struct app *a, int rows, int cols)
{
	int64_t wall = app_now(a), now = clock_mono_ms();
	struct render_ctx rc = {
		.now_ms = wall, .ascii = a->o->ascii, .server = a->s->shown_url, .select = true
	};
	struct canvas body;

	if (rows != a->canvas.rows || cols != a->canvas.cols) {
		canvas_free(&a->canvas);
		canvas_init(&a->canvas, rows, cols);
	}
	canvas_clear(&a->canvas);
	/* The views draw into the frame's own cells, all rows but the status bar (not freed). */
	body = (struct canvas){ a->canvas.rows > 1 ? a->canvas.rows - 1 : 1, a->canvas.cols,
		                a->canvas.cells };
	if (a->view == APP_LIST) {
		static const struct osmo_workflow_list none = { 0 };
		int room = body.rows - view_workflows_table_row();

		char *note = filter_describe(&a->filter, a->o->ascii);

		app_keep_visible(a->list_sel, &a->list_top, room);
		rc.selected = a->list_sel;
		rc.top = a->list_top;
		rc.note = note;
		view_workflows_render(&rc, a->have_list ? &a->list : &none, &body);
		free(note);
		if (!a->have_list)
			canvas_text(&body, 2, 1, cols - 1, STYLE_DIM,
			            a->err ? a->err : "loading the workflow list…");
	} else if (a->view == APP_WORKFLOW) {
		if (a->have_wf) {
			int room = body.rows - view_workflow_table_row(&rc, &a->wf, &body);

			app_keep_visible(a->wf_sel, &a->wf_top, room - 1);
			rc.selected = a->wf_sel;
			rc.top = a->wf_top;
			view_workflow_render(&rc, &a->wf, &body);
			if (a->graph)
				app_graph_draw(a, &rc, &body, room);
			app_detail_draw(a, &body);
		} else {
			char *m = xasprintf("loading %s…", a->wf_id);

			canvas_text(&body, 0, 0, cols, STYLE_TITLE, m);
			if (a->err)
				canvas_text(&body, 2, 1, cols - 1, STYLE_ERROR, a->err);
			free(m);
		}
	} else if (a->view == APP_FORWARDS) {
		app_keep_visible(a->fwd_sel, &a->fwd_top,
		                 body.rows - view_forwards_table_row() - 1);
		rc.selected = a->fwd_sel;
		rc.top = a->fwd_top;
		view_forwards_render(&rc, a->fwd, now, &body);
	} else if (a->view == APP_LOGS) {
		static const char *const kinds[] = { "logs", "events", "error logs", "exec" };
		char *title =
		        a->log_kind == APP_LOG_EXEC
		                ? xasprintf("%s · %s · $ %s", a->wf_id, a->log_task, a->grp_cmd)
		        : a->log_task
		                ? xasprintf("%s · %s · %s%s", a->wf_id, a->log_task,
		                            kinds[a->log_kind], a->log_retry > 0 ? " (retry)" : "")
		                : xasprintf("%s · %s", a->wf_id, kinds[a->log_kind]);

		view_logs_render(&rc, &a->tail, &a->lv, title, a->log_state, &body, 0, 0, body.rows,
		                 body.cols);
		free(title);
	}
	if (a->view == APP_HELP)
		app_help_draw(a);
	if (a->dlg != APP_DLG_NONE)
		app_dialog_draw(a);
	app_status_bar(a, now);
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
	if (a->dlg != APP_DLG_NONE) {
		app_dialog_key(a, key);
		return;
	}
	act = keymap_lookup((enum keymap_view)app_view_bits[a->view], key);
	if (act != KEYMAP_NONE)
		app_action(a, act);
}

bool
app_running(const struct app *a)
{
	return !a->quit;
}

static void
app_keys(struct app *a)
{
	int key;

	/* Keys typed after s are the shell's: they stay in the terminal for it to read. */
	while (!a->quit && !a->shell && (key = screen_key(a->scr)) != SCREEN_KEY_NONE)
		app_key(a, key);
}

/* Where app_net_pollfds put each part's descriptors in the poll set. */
struct app_net {
	int http, shell, grp, fwd, end;
};

/* The client's sockets after fds[0..extra): curl's, the forwards', the shell's; wait in *timeout. */
static int
app_net_pollfds(struct app *a, struct pollfd *fds, int extra, struct app_net *at, int *timeout)
{
	int64_t now = clock_mono_ms();
	int n = extra, t[4];

	at->http = n;
	n += http_pollfds(a->s->http, fds + n, APP_MAX_FDS - n);
	t[0] = http_timeout_ms(a->s->http, now);
	/* The shell's keys before the forwards' connections, which may fill whatever is left. */
	at->shell = n;
	n += a->shell ? shell_pollfds(a->shell, fds + n, APP_MAX_FDS - n) : 0;
	t[1] = a->shell ? shell_timeout_ms(a->shell, now) : -1;
	at->grp = n;
	n += a->grp ? exec_group_pollfds(a->grp, fds + n, APP_MAX_FDS - n) : 0;
	t[2] = a->grp ? exec_group_timeout_ms(a->grp, now) : -1;
	at->fwd = n;
	n += a->fwd ? forward_pollfds(a->fwd, fds + n, APP_MAX_FDS - n) : 0;
	t[3] = a->fwd ? forward_timeout_ms(a->fwd, now) : -1;
	at->end = n;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (t[i] >= 0 && t[i] < *timeout)
			*timeout = t[i];
	return n;
}

static void
app_net_dispatch(struct app *a, const struct pollfd *fds, const struct app_net *at)
{
	int64_t now = clock_mono_ms();

	http_dispatch(a->s->http, fds + at->http, at->shell - at->http, now);
	if (a->shell)
		shell_dispatch(a->shell, fds + at->shell, at->grp - at->shell, now);
	if (a->grp)
		exec_group_dispatch(a->grp, fds + at->grp, at->fwd - at->grp, now);
	/* Forwards change counters without telling; the forwards view shows them at the tick. */
	if (a->fwd)
		forward_dispatch(a->fwd, fds + at->fwd, at->end - at->fwd, now);
}

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
	sync_kick(&a->wf_sync);
}

/*
 * One round of the loop: starts what is due, draws a changed frame on a terminal, polls
 * fds[0..extra) and the client's sockets for at most max_ms and runs the client. Returns how
 * many descriptors were ready (0: the wait ran out, or a signal came), -1 when poll failed.
 */
static int
app_round(struct app *a, struct pollfd *fds, int extra, int max_ms)
{
	int64_t wait = app_sync(a, clock_mono_ms());
	struct app_net at;
	int timeout = max_ms;
	int n = app_net_pollfds(a, fds, extra, &at, &timeout);

	if (a->scr && a->dirty && !a->shell)
		app_draw(a);
	if (wait >= 0 && wait < timeout)
		timeout = (int)wait;
	int ready = poll(fds, (nfds_t)n, timeout);

	if (ready < 0 && errno != EINTR)
		return -1;
	app_net_dispatch(a, fds, &at);
	app_shell_check(a);
	return ready < 0 ? 0 : ready;
}

static void
app_loop(struct app *a)
{
	struct pollfd fds[APP_MAX_FDS];

	while (!a->quit) {
		int extra = 0, sig;

		/* While a shell has the terminal its keys are the shell's. */
		if (!a->shell)
			fds[extra++] = (struct pollfd){ .fd = screen_fd(a->scr), .events = POLLIN };
		sig = extra;
		fds[extra++] = (struct pollfd){ .fd = a->signal_fd, .events = POLLIN };
		/* Ages in the status bar tick once a second. */
		int ready = app_round(a, fds, extra, 1000 - (int)(clock_wall_ms() % 1000));

		if (ready < 0)
			break;
		if (fds[sig].revents & POLLIN) {
			unsigned char buf[16];

			while (read(a->signal_fd, buf, sizeof(buf)) > 0)
				a->quit = true;
		}
		if (!a->shell)
			app_keys(a); /* also after EINTR: a resize arrives as a key */
		/* The tick: ages and countdowns move once a second. Data and keys mark the frame
		 * dirty themselves, so busy streams do not recompose it per wakeup. */
		if (ready == 0 || clock_wall_ms() / 1000 != a->drawn_second)
			a->dirty = true;
	}
}

struct app *
app_new(struct session *s, const struct app_opts *o)
{
	struct app *a = xcalloc(1, sizeof(*a));

	a->s = s;
	a->o = o;
	a->all_users = o->all_users;
	a->dirty = true;
	a->signal_fd = -1;
	a->view = APP_LIST;
	a->list_limit = APP_LIST_PAGE;
	if (o->pool)
		strv_push(&a->filter.pools, o->pool);
	for (size_t i = 0; o->statuses && i < o->statuses->n; i++)
		strv_push(&a->filter.statuses, o->statuses->v[i]);
	if (o->start != APP_START_LIST && o->workflow) {
		app_open_workflow(a, o->workflow);
		if (o->start == APP_START_LOGS)
			app_open_logs(a, APP_LOG_LOGS, o->task, -1);
	}
	return a;
}

void
app_free(struct app *a)
{
	if (!a)
		return;
	if (a->log_open)
		app_log_close(a);
	shell_free(a->shell);
	forward_mgr_free(a->fwd);
	free(a->dlg_task);
	if (a->have_list)
		osmo_workflow_list_free(&a->list);
	if (a->have_wf)
		osmo_workflow_free(&a->wf);
	canvas_free(&a->canvas);
	strbuf_free(&a->input);
	free(a->wf_id);
	strv_free(&a->strict_groups);
	filter_free(&a->filter);
	free(a->msg);
	free(a->err);
	free(a);
}

void
app_step(struct app *a, int max_ms)
{
	struct pollfd fds[APP_MAX_FDS];

	app_round(a, fds, 0, max_ms);
}

int
app_settle(struct app *a, int64_t deadline_ms)
{
	for (;;) {
		int64_t now = clock_mono_ms();

		/* What an answer makes due (a new workflow to load) starts before we stop. */
		app_sync(a, now);
		if (api_pending(a->s->api) == 0)
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
	struct screen *scr = screen_open(o->color);

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
	screen_close(a->scr);
	if (a->signal_fd >= 0)
		close(a->signal_fd);
	app_free(a);
	return 0;
}
