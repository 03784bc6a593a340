/* view_stream.c: the monitor's logs view: a log or event stream, error logs or a group exec's lines. */
#include <stdlib.h>
#include <string.h>

#include "client/exec_group.h"
#include "common/osmo_time.h"
#include "tui/log_save.h"
#include "tui/screen.h"
#include "tui/spec_diff.h"
#include "tui/view_ops.h"

/* The service ignores a last_n_lines at its max_log_lines (10000 by default) or over and
 * replays the whole log, whose start the ring no longer holds to match against. */
#define VIEW_STREAM_REPLAY_MAX 9999
/* Regex characters a search pattern's text must not be read as. */
#define VIEW_STREAM_REGEX_CHARS ".[]()*+?{}|^$\\"

static void view_stream_state(struct app *a, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* The view's state line: how its stream, or the group exec, is doing. */
static void
view_stream_state(struct app *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	app_vset(&a->log.state, fmt, ap);
	va_end(ap);
	a->dirty = true;
}

/* A log's words, a spec's: when it came whole, when it has no line, when it could not be had. */
#define VIEW_STREAM_LOG_WORDS "end of log", "no line: the log is empty", "stream failed"
#define VIEW_STREAM_SPEC_WORDS \
	"the spec as the service keeps it", "the spec is empty", "could not fetch the spec"

/* Per kind: its name in the title, what it waits for, how its lines read, its words. */
static const struct view_stream_look {
	const char *name;
	const char *awaited;
	bool follow; /* logs are followed at their end; a spec is a page read from its top */
	bool stream; /* lives as long as its source; else one finite body */
	const char *ended, *empty; /* the state line once it came whole; the view without line */
	const char *failed;        /* the state line before the error when it could not be had */
} view_stream_looks[] = {
	[VIEW_STREAM_LOGS] = { "logs", "the first log line", true, true, VIEW_STREAM_LOG_WORDS },
	[VIEW_STREAM_EVENTS] = { "events", "the first event", true, true, VIEW_STREAM_LOG_WORDS },
	[VIEW_STREAM_ERRORS] = { "error logs", "the error logs", true, false,
	                         VIEW_STREAM_LOG_WORDS },
	[VIEW_STREAM_EXEC] = { "exec", "the first line of output", true, false,
	                       VIEW_STREAM_LOG_WORDS },
	[VIEW_STREAM_SPEC] = { "spec", "the spec", false, false, VIEW_STREAM_SPEC_WORDS },
	[VIEW_STREAM_SPEC_DIFF] = { "spec, the diff", "the two specs", false, false,
	                            VIEW_STREAM_SPEC_WORDS },
};

void
view_stream_open(struct app *a, enum view_stream_kind kind, const char *task, int retry)
{
	struct view_stream *v = &a->log;

	log_tail_init(&v->tail, (size_t)app_log_ring(a));
	view_logs_init(&v->lv);
	v->lv.follow = view_stream_looks[kind].follow;
	v->lv.page = !view_stream_looks[kind].follow;
	v->lv.awaited = view_stream_looks[kind].awaited;
	v->lv.empty = view_stream_looks[kind].empty;
	v->lv.yaml = kind == VIEW_STREAM_SPEC;
	v->lv.diff = kind == VIEW_STREAM_SPEC_DIFF;
	/* A spec is not a log: nothing in it is an error to jump to. */
	if (kind != VIEW_STREAM_SPEC && kind != VIEW_STREAM_SPEC_DIFF &&
	    !view_logs_set_errors(&v->lv, app_log_errors(a)))
		app_say(a, true, "logs.errors: a pattern does not compile; the built-in ones only");
	v->kind = kind;
	v->task = task ? xstrdup(task) : NULL;
	v->retry = retry;
	v->ended = false;
	v->open = true;
	memset(&v->sync, 0, sizeof(v->sync));
	app_push(a, &view_stream_ops);
	/* A group exec's lines come from its sockets, not from a log call. */
	if (kind != VIEW_STREAM_EXEC)
		view_stream_connect(a);
}

void
view_stream_close(struct app *a)
{
	struct view_stream *v = &a->log;

	if (v->req)
		api_abort(a->s->api, v->req);
	v->req = 0;
	v->open = false;
	exec_group_free(a->grp);
	a->grp = NULL;
	free(v->grp_cmd);
	v->grp_cmd = NULL;
	log_tail_free(&v->tail);
	if (v->query)
		log_tail_free(&v->full);
	free(v->query);
	v->query = NULL;
	view_logs_free(&v->lv);
	free(v->task);
	v->task = NULL;
	free(v->state);
	v->state = NULL;
	free(v->spec_new);
	v->spec_new = NULL;
}

static void
view_stream_data(void *ctx, const char *bytes, size_t n)
{
	struct app *a = ctx;

	log_tail_feed(&a->log.tail, bytes, n);
	a->dirty = true;
}

/* Whether the log being shown can still grow: its task's retry, else the whole workflow. */
static bool
view_stream_source_alive(const struct app *a)
{
	const struct osmo_workflow *wf = &a->wf.data;
	const struct osmo_task *found = NULL;

	if (!a->wf.have || !a->log.task)
		return !a->wf.have || !osmo_status_is_finished(wf->status);
	for (size_t g = 0; g < wf->n_groups; g++)
		for (size_t i = 0; i < wf->groups[g].n_tasks; i++) {
			const struct osmo_task *t = &wf->groups[g].tasks[i];

			if (strcmp(t->name, a->log.task) != 0)
				continue;
			if (a->log.retry >= 0 ? t->retry_id == a->log.retry
			                      : !found || t->retry_id > found->retry_id)
				found = t;
		}
	/* A rescheduled task goes on in its next retry, which the newest-retry log follows. */
	return !found || !osmo_status_is_finished(found->status) ||
	       (a->log.retry < 0 && found->status == OSMO_RESCHEDULED);
}

void
view_stream_workflow_changed(struct app *a)
{
	struct view_stream *v = &a->log;

	if (v->open && !v->req && !v->ended && view_stream_looks[v->kind].stream &&
	    !view_stream_source_alive(a)) {
		v->ended = v->lv.ended = true;
		view_stream_state(a, "%s", view_stream_looks[v->kind].ended);
	}
}

/* The parent of the open workflow as an ID ("name-job"), or NULL (caller frees). */
static char *
view_stream_parent(const struct app *a)
{
	return a->wf.have ? osmo_workflow_parent_id(&a->wf.data) : NULL;
}

static void
view_stream_done(void *ctx, struct api_result *res)
{
	struct app *a = ctx;
	struct view_stream *v = &a->log;
	int64_t now = clock_mono_ms();

	v->req = 0;
	/* Error logs come as one finite body, streams byte by byte through view_stream_data. */
	if (res->kind == API_TEXT && res->err.kind == API_OK && res->text)
		log_tail_feed(&v->tail, res->text, res->text_len);
	log_tail_finish(&v->tail);
	if (res->err.kind != API_OK) {
		app_sync_failed(a, &v->sync, &res->err, now);
		view_stream_state(a, "%s: %s", view_stream_looks[v->kind].failed, res->err.message);
	} else if (view_stream_looks[v->kind].stream && view_stream_source_alive(a)) {
		/* The stream ended while our data says it lives: ask the data, then pick it up again. */
		sync_succeeded(&v->sync, app_policy(a), now, SYNC_RUNNING, false);
		sync_kick(&a->wf.sync);
		view_stream_state(a, "stream ended; reconnecting");
	} else {
		/* A restart's or a resubmit's spec: v shows what changed. */
		char *parent = v->kind == VIEW_STREAM_SPEC ? view_stream_parent(a) : NULL;

		v->ended = v->lv.ended = true;
		view_stream_state(a, "%s%s%s%s%s%s", view_stream_looks[v->kind].ended,
		                  parent ? " · v: against " : "", parent ? parent : "",
		                  parent ? "'s" : "",
		                  v->query ? " · filtered by the service: query=" : "",
		                  v->query ? v->query : "");
		free(parent);
	}
	api_result_free(res);
	a->dirty = true;
}

/* The parent's spec came: the diff of it against the workflow's is the view's text. */
static void
view_stream_spec_old_done(void *ctx, struct api_result *res)
{
	struct app *a = ctx;
	struct view_stream *v = &a->log;
	char *parent = view_stream_parent(a);
	size_t changed = 0;
	char *diff = res->err.kind == API_OK && res->text
	                     ? spec_diff(res->text, res->text_len, v->spec_new, strlen(v->spec_new),
	                                 &changed)
	                     : NULL;

	v->req = 0;
	if (diff) {
		log_tail_feed(&v->tail, diff, strlen(diff));
		if (!changed)
			view_stream_state(a, "the same as %s's spec: no line differs", parent);
		else
			view_stream_state(a, "against %s's spec: - only there, + only here",
			                  parent);
	} else {
		/* No diff to show: the spec itself, and why. */
		log_tail_feed(&v->tail, v->spec_new, strlen(v->spec_new));
		view_stream_state(a, "no diff against %s: %s", parent ? parent : "its parent",
		                  res->err.kind != API_OK ? res->err.message : "too many lines");
	}
	log_tail_finish(&v->tail);
	v->ended = v->lv.ended = true;
	free(diff);
	free(parent);
	api_result_free(res);
	a->dirty = true;
}

/* The workflow's spec came: its parent's next. */
static void
view_stream_spec_new_done(void *ctx, struct api_result *res)
{
	struct app *a = ctx;
	struct view_stream *v = &a->log;
	char *parent = view_stream_parent(a);

	v->req = 0;
	if (res->err.kind != API_OK || !res->text || !parent) {
		free(parent);
		view_stream_done(ctx, res); /* says why, as for the spec alone */
		return;
	}
	free(v->spec_new);
	v->spec_new = xstrndup(res->text, res->text_len);
	v->req = api_spec(a->s->api, parent, false,
	                  (struct api_callbacks){ .done = view_stream_spec_old_done, .ctx = a });
	free(parent);
	api_result_free(res);
}

void
view_stream_connect(struct app *a)
{
	struct view_stream *v = &a->log;
	struct api_callbacks cb = { .done = view_stream_done, .data = view_stream_data, .ctx = a };

	sync_begin(&v->sync, clock_mono_ms());
	if (v->kind == VIEW_STREAM_ERRORS) {
		v->req = api_error_logs(a->s->api, a->wf.id, v->task, v->retry, cb);
		return;
	}
	if (v->kind == VIEW_STREAM_SPEC || v->kind == VIEW_STREAM_SPEC_DIFF) {
		if (v->kind == VIEW_STREAM_SPEC_DIFF)
			cb.done = view_stream_spec_new_done;
		v->req = api_spec(a->s->api, a->wf.id, false, cb);
		return;
	}
	/* The service cuts its last lines before it filters: a filtered replay starts afresh. */
	if (v->query && v->tail.appended) {
		log_tail_free(&v->tail);
		log_tail_init(&v->tail, (size_t)app_log_ring(a));
		view_logs_forget(&v->lv);
	}
	struct api_stream_opts so = {
		.what = v->kind == VIEW_STREAM_EVENTS ? API_STREAM_EVENTS : API_STREAM_LOGS,
		.workflow_id = a->wf.id,
		.task = v->task,
		.retry_id = v->retry,
		/* A reconnect replays; ask only for what the ring can match against. */
		.last_n_lines = !v->tail.appended ? 0
		                : app_log_ring(a) / 2 > VIEW_STREAM_REPLAY_MAX
		                        ? VIEW_STREAM_REPLAY_MAX
		                        : (int)(app_log_ring(a) / 2),
		.query = v->query,
		.idle_timeout_s = 0,
	};

	if (v->tail.appended)
		log_tail_reconnect(&v->tail);
	v->req = api_stream(a->s->api, &so, cb);
}

/* Whether the stream is to be (re)connected when its sync item is due. */
bool
view_stream_wanted(const struct app *a)
{
	const struct view_stream *v = &a->log;

	return a->view == &view_stream_ops && v->open && !v->ended && !v->req &&
	       v->kind != VIEW_STREAM_EXEC;
}

static void
view_stream_group_line(void *ctx, const char *task, const char *line)
{
	struct app *a = ctx;
	char *l = xasprintf("[%s] %s\n", task, line);

	log_tail_feed(&a->log.tail, l, strlen(l));
	free(l);
	a->dirty = true;
}

static void
view_stream_group_task_ended(void *ctx, const char *task, const struct exec_end *end)
{
	struct app *a = ctx;
	struct view_stream *v = &a->log;

	v->grp_done++;
	if (!end->clean) {
		char *l = xasprintf("[%s] osmotop: %s\n", task, end->err.message);

		v->grp_failed++;
		log_tail_feed(&v->tail, l, strlen(l));
		free(l);
	}
	view_stream_state(a, "running · %u task%s finished", v->grp_done,
	                  v->grp_done == 1 ? "" : "s");
}

static void
view_stream_group_ended(void *ctx, const struct api_error *err)
{
	struct app *a = ctx;
	struct view_stream *v = &a->log;

	v->ended = v->lv.ended = true;
	if (err)
		view_stream_state(a, "not started: %s", err->message);
	else if (v->grp_failed)
		view_stream_state(a, "done on %u tasks; %u broke off (see their last line)",
		                  v->grp_done, v->grp_failed);
	else
		view_stream_state(a, "done on %u task%s", v->grp_done, v->grp_done == 1 ? "" : "s");
	exec_group_free(a->grp);
	a->grp = NULL;
}

/* Runs command on the group's running tasks, their lines in a new log view. */
void
view_stream_open_exec(struct app *a, const char *group, const char *command)
{
	struct exec_group_opts go = {
		.workflow = a->wf.id,
		.group = group,
		.command = command,
		.rows = 24,
		.cols = 200, /* lines the view wraps or scrolls, rather than the pty folding them */
		.cb = { .line = view_stream_group_line,
		        .task_ended = view_stream_group_task_ended,
		        .ended = view_stream_group_ended,
		        .ctx = a },
	};

	view_stream_open(a, VIEW_STREAM_EXEC, group, -1);
	a->log.grp_cmd = xstrdup(command);
	a->log.grp_done = a->log.grp_failed = 0;
	view_stream_state(a, "starting on the running tasks of %s", group);
	a->grp = exec_group_start(a->s->api, a->s->http, &go);
}

static void
view_stream_move(struct app *a, int delta, bool absolute)
{
	if (absolute)
		view_logs_jump(&a->log.lv, &a->log.tail, delta > 0);
	else
		view_logs_scroll(&a->log.lv, &a->log.tail, delta);
}

static void
view_stream_draw(struct app *a, struct render_ctx *rc, struct canvas *body)
{
	const struct view_stream *v = &a->log;
	char *title = v->kind == VIEW_STREAM_EXEC
	                      ? xasprintf("%s · %s · $ %s", a->wf.id, v->task, v->grp_cmd)
	              : v->task ? xasprintf("%s · %s · %s%s", a->wf.id, v->task,
	                                    view_stream_looks[v->kind].name,
	                                    v->retry > 0 ? " (retry)" : "")
	                        : xasprintf("%s · %s", a->wf.id, view_stream_looks[v->kind].name);

	view_logs_render(rc, &a->log.tail, &a->log.lv, title, v->state, body, 0, 0, body->rows,
	                 body->cols);
	free(title);
}

static void
view_stream_act_hscroll(struct app *a, enum keymap_action act)
{
	view_logs_hscroll(&a->log.lv, act == KEYMAP_LEFT ? -8 : 8);
}

/* e: this task's error logs in this view's place. */
static void
view_stream_act_error_logs(struct app *a, enum keymap_action act)
{
	int retry = a->log.retry;
	char *name = xstrdup(a->log.task);

	(void)act;
	app_pop(a);
	view_stream_open(a, VIEW_STREAM_ERRORS, name, retry);
	free(name);
}

/* e where no task is shown: the workflow's logs or events, a spec; a group exec's view names
 * its group, not a task. */
static char *
view_stream_why_no_task(const struct app *a, enum keymap_action act)
{
	(void)act;
	return a->log.task && a->log.kind != VIEW_STREAM_EXEC
	               ? NULL
	               : xstrdup("error logs belong to one task: e works in its log or on its row");
}

/* f and t in a spec: a page, neither followed nor timestamped. */
static char *
view_stream_why_page(const struct app *a, enum keymap_action act)
{
	if (view_stream_looks[a->log.kind].follow)
		return NULL;
	return xstrdup(act == KEYMAP_FOLLOW
	                       ? "a spec is read from its top, not followed (G: its end)"
	                       : "a spec has no timestamps to show or hide");
}

static void view_stream_requery(struct app *a);

static void
view_stream_act_toggle(struct app *a, enum keymap_action act)
{
	view_logs_toggle(&a->log.lv, &a->log.tail,
	                 act == KEYMAP_FOLLOW       ? VIEW_LOGS_FOLLOW
	                 : act == KEYMAP_WRAP       ? VIEW_LOGS_WRAP
	                 : act == KEYMAP_TIMESTAMPS ? VIEW_LOGS_TIMESTAMPS
	                                            : VIEW_LOGS_FILTER);
	if (act == KEYMAP_FILTER)
		view_stream_requery(a);
}

/* The search text as a regex that matches it alone (smart case as '/' has it): letters as
 * [xX], the rest escaped, read the same by POSIX's extended regexes and Python's. */
static char *
view_stream_regex(const char *text)
{
	struct strbuf sb = { 0 };
	bool fold = true;

	for (const char *p = text; *p; p++)
		fold &= !(*p >= 'A' && *p <= 'Z');
	for (const char *p = text; *p; p++) {
		char c = *p;

		if (fold && c >= 'a' && c <= 'z')
			strbuf_addf(&sb, "[%c%c]", c, c - 'a' + 'A');
		else if (c == ']')
			strbuf_addstr(&sb, "[]]");
		else if (strchr(VIEW_STREAM_REGEX_CHARS, c))
			strbuf_addf(&sb, "\\%c", c);
		else
			strbuf_addch(&sb, c);
	}
	return strbuf_detach(&sb);
}

/*
 * '&' on a large log (the ring full or half full) filters on the service too, so its
 * matches come without the rest of the log before them; the filter here still applies, for
 * a service that ignores query. The unfiltered lines wait aside and come back with the
 * filter's end, caught up by a replay.
 */
static void
view_stream_requery(struct app *a)
{
	struct view_stream *v = &a->log;
	bool large = v->tail.dropped || v->tail.count >= v->tail.cap / 2;
	char *want =
	        v->kind == VIEW_STREAM_LOGS && v->lv.filter && v->lv.search && (v->query || large)
	                ? view_stream_regex(v->lv.search)
	                : NULL;

	if ((!want && !v->query) || (want && v->query && strcmp(want, v->query) == 0)) {
		free(want);
		return;
	}
	if (v->req)
		api_abort(a->s->api, v->req);
	v->req = 0;
	if (!v->query) {
		v->full = v->tail;
		v->full_ended = v->ended;
		log_tail_init(&v->tail, (size_t)app_log_ring(a));
		v->ended = v->lv.ended = false;
	} else {
		log_tail_free(&v->tail);
		if (want) {
			log_tail_init(&v->tail, (size_t)app_log_ring(a));
		} else {
			v->tail = v->full;
			v->ended = v->lv.ended = v->full_ended;
		}
	}
	free(v->query);
	v->query = want;
	view_logs_forget(&v->lv);
	if (want)
		view_stream_state(a, "filtered by the service: query=%s", want);
	else
		view_stream_state(a, "%s",
		                  v->ended ? view_stream_looks[v->kind].ended
		                           : "every line again; catching up");
	if (!v->ended)
		view_stream_connect(a);
	a->dirty = true;
}

static void
view_stream_search(struct app *a, const char *pattern)
{
	view_logs_search(&a->log.lv, &a->log.tail, pattern);
	view_stream_requery(a);
}

/* ] and [: the next or previous error-looking line, said as "error 3 of 12". */
static void
view_stream_act_error(struct app *a, enum keymap_action act)
{
	struct view_stream *v = &a->log;
	size_t rank, n;

	if (!view_logs_next_error(&v->lv, &v->tail, act == KEYMAP_ERROR_NEXT)) {
		app_say(a, true, "no error-looking line%s",
		        v->lv.tasks.n || (v->lv.filter && v->lv.search) ? " among the lines shown"
		                                                        : "");
		return;
	}
	n = view_logs_errors(&v->lv, &v->tail, &rank);
	app_say(a, false, "error %zu of %zu", rank, n);
}

/* ] and [ in a spec: it is not a log, nothing in it is an error line. */
static char *
view_stream_why_no_errors(const struct app *a, enum keymap_action act)
{
	(void)act;
	return a->log.kind == VIEW_STREAM_SPEC || a->log.kind == VIEW_STREAM_SPEC_DIFF
	               ? xstrdup("a spec has no error-looking lines to jump to")
	               : NULL;
}

/* o and a in a log of one task, or in a spec: there is no task to choose. */
static char *
view_stream_why_one_task(const struct app *a, enum keymap_action act)
{
	const struct view_stream *v = &a->log;

	if (v->kind == VIEW_STREAM_SPEC || v->kind == VIEW_STREAM_SPEC_DIFF)
		return xstrdup("a spec has no tasks' lines to choose from");
	if (v->task && v->kind != VIEW_STREAM_EXEC)
		return xstrdup("this log is one task's; tasks are chosen in the workflow's log");
	if (act == KEYMAP_ALL_TASKS && !v->lv.tasks.n)
		return xstrdup("every task's lines are shown");
	return NULL;
}

/* o: the tasks to show, as names on a line; the current line's task when none is chosen. */
static void
view_stream_act_tasks(struct app *a, enum keymap_action act)
{
	const struct strv *tasks = &a->log.lv.tasks;
	char task[128];

	(void)act;
	dialog_open(a, &dialog_tasks_ops);
	for (size_t i = 0; i < tasks->n; i++)
		strbuf_addf(&a->dlg.input, "%s%s", i ? " " : "", tasks->v[i]);
	if (!tasks->n && view_logs_current_task(&a->log.lv, &a->log.tail, task, sizeof(task)))
		strbuf_addstr(&a->dlg.input, task);
	a->dlg.cur = a->dlg.input.len;
}

void
view_stream_show_tasks(struct app *a, const struct strv *tasks)
{
	const char *all = keymap_key_name(app_keymap(a), KEYMAP_IN_LOGS, KEYMAP_ALL_TASKS);

	view_logs_set_tasks(&a->log.lv, &a->log.tail, tasks);
	if (tasks && tasks->n == 1)
		app_say(a, false, "only %s's lines%s%s%s", tasks->v[0], all ? " · " : "",
		        all ? all : "", all ? ": every task" : "");
	else if (tasks && tasks->n)
		app_say(a, false, "only %zu tasks' lines%s%s%s", tasks->n, all ? " · " : "",
		        all ? all : "", all ? ": every task" : "");
	else
		app_say(a, false, "every task's lines");
}

static void
view_stream_act_all_tasks(struct app *a, enum keymap_action act)
{
	(void)act;
	view_stream_show_tasks(a, NULL);
}

/* s and |: nothing to write before the first line. */
static char *
view_stream_why_empty(const struct app *a, enum keymap_action act)
{
	if (act == KEYMAP_PAGER && !a->scr)
		return xstrdup("the pager needs the terminal");
	return a->log.tail.count ? NULL : xstrdup("no line yet to save or page");
}

/* s: the file name asked for, this workflow's (and task's) by default. */
static void
view_stream_act_save(struct app *a, enum keymap_action act)
{
	char *name = log_save_default_name(a->wf.id ? a->wf.id : "osmotop",
	                                   a->log.kind == VIEW_STREAM_EXEC ? NULL : a->log.task);

	(void)act;
	dialog_open(a, &dialog_save_ops);
	a->dlg.whole = false;
	free(a->dlg.confirmed);
	a->dlg.confirmed = NULL;
	strbuf_addstr(&a->dlg.input, name);
	a->dlg.cur = a->dlg.input.len;
	free(name);
}

/* The pager exited: the terminal comes back, redrawn whole. */
static void
view_stream_pager_ended(void *ctx, const char *how)
{
	struct app *a = ctx;

	log_save_pager_free(a->pager);
	a->pager = NULL;
	if (a->scr)
		screen_resume(a->scr);
	app_say(a, false, "%s", how);
}

/* |: the lines shown in $PAGER, the terminal lent to it while the streams go on. */
static void
view_stream_act_pager(struct app *a, enum keymap_action act)
{
	char *err = NULL;

	(void)act;
	if (a->pager || !a->scr)
		return;
	screen_suspend(a->scr);
	a->pager = log_save_pager_start(a->s->loop, &a->log.lv, &a->log.tail,
	                                view_stream_pager_ended, a, &err);
	if (!a->pager) {
		screen_resume(a->scr);
		app_say(a, true, "no pager: %s", err);
		free(err);
	}
}

static void
view_stream_act_next(struct app *a, enum keymap_action act)
{
	if (!view_logs_next(&a->log.lv, &a->log.tail, act == KEYMAP_NEXT))
		app_say(a, true, "no match");
}

/* v in the spec: its diff against its parent's, and back. */
static void
view_stream_act_spec(struct app *a, enum keymap_action act)
{
	char *parent = view_stream_parent(a);
	enum view_stream_kind kind = a->log.kind;

	(void)act;
	if (kind != VIEW_STREAM_SPEC && kind != VIEW_STREAM_SPEC_DIFF) {
		app_pop(a);
		view_stream_open(a, VIEW_STREAM_SPEC, NULL, -1);
	} else if (!parent) {
		app_say(a, true, "%s has no parent workflow to compare with", a->wf.id);
	} else {
		app_pop(a);
		view_stream_open(
		        a, kind == VIEW_STREAM_SPEC ? VIEW_STREAM_SPEC_DIFF : VIEW_STREAM_SPEC,
		        NULL, -1);
	}
	free(parent);
}

static const struct view_act view_stream_acts[KEYMAP_COUNT] = {
	[KEYMAP_SPEC] = { view_stream_act_spec },
	[KEYMAP_LEFT] = { view_stream_act_hscroll },
	[KEYMAP_RIGHT] = { view_stream_act_hscroll },
	[KEYMAP_ERROR_LOGS] = { view_stream_act_error_logs, view_stream_why_no_task },
	[KEYMAP_FOLLOW] = { view_stream_act_toggle, view_stream_why_page },
	[KEYMAP_WRAP] = { view_stream_act_toggle },
	[KEYMAP_TIMESTAMPS] = { view_stream_act_toggle, view_stream_why_page },
	[KEYMAP_FILTER] = { view_stream_act_toggle },
	[KEYMAP_NEXT] = { view_stream_act_next },
	[KEYMAP_PREV] = { view_stream_act_next },
	[KEYMAP_ERROR_NEXT] = { view_stream_act_error, view_stream_why_no_errors },
	[KEYMAP_ERROR_PREV] = { view_stream_act_error, view_stream_why_no_errors },
	[KEYMAP_TASKS] = { view_stream_act_tasks, view_stream_why_one_task },
	[KEYMAP_ALL_TASKS] = { view_stream_act_all_tasks, view_stream_why_one_task },
	[KEYMAP_SAVE] = { view_stream_act_save, view_stream_why_empty },
	[KEYMAP_PAGER] = { view_stream_act_pager, view_stream_why_empty },
};

VIEW_SEARCH(view_stream, log.lv.search, view_stream_search, NULL);

/* The hint bar: what this view is mostly used for (those that act in its kind). */
static const enum keymap_action view_stream_hints[] = {
	KEYMAP_FOLLOW,     KEYMAP_SEARCH, KEYMAP_NEXT,  KEYMAP_FILTER,
	KEYMAP_ERROR_NEXT, KEYMAP_HELP,   KEYMAP_CLOSE, KEYMAP_WRAP,
	KEYMAP_ERROR_LOGS, KEYMAP_TASKS,  KEYMAP_SAVE,  KEYMAP_NONE
};

VIEW_OPS(view_stream, KEYMAP_IN_LOGS, VIEW_PLAIN, NULL, view_stream_close, view_stream_acts,
         view_stream_move, view_stream_draw, view_table_target, &view_stream_slash,
         view_stream_hints);
