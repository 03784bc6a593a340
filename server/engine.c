/* engine.c: osmo-local's workflows: submission, the group and task lifecycle, cancel, restart. */
#include "server/engine_impl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/channel.h"
#include "server/encode.h"
#include "server/labels.h"
#include "common/osmo_time.h"
#include "server/spec.h"
#include "server/spec_dump.h"
#include "server/task.h"

#define ENGINE_DEFAULT_SLOTS 64
#define ENGINE_DEFAULT_PHASE 200
#define ENGINE_MAX_RETRIES   5   /* per task, as an admin's max retries would */
#define ENGINE_ERROR_TAIL    100 /* lines kept for a failed task's error log */
#define ENGINE_MAX_LAST_N    10000
/* The name spec errors give the text they were sent (osmotop run puts its file's path there). */
#define ENGINE_SPEC_NAME "workflow.yaml"

static void engine_schedule(struct engine *e);

/* ------------------------------------------------------------------ small helpers */

void
engine_set_error(struct engine_error *err, int status, const char *code, char *message)
{
	err->status = status;
	err->code = code;
	err->message = message;
}

void
engine_error_free(struct engine_error *err)
{
	free(err->message);
	free(err->workflow_id);
	err->message = NULL;
	err->workflow_id = NULL;
}

void
engine_submitted_free(struct engine_submitted *s)
{
	free(s->name);
	free(s->spec);
	strv_free(&s->warnings);
	memset(s, 0, sizeof(*s));
}

static void
engine_uuid(char out[33])
{
	unsigned char b[16];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		int64_t t = clock_mono_ms() ^ (int64_t)getpid() << 20;

		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)((t >> (i % 8 * 8)) ^ (int64_t)(i * 131));
	}
	util_hex(b, sizeof(b), out);
}

static struct eng_group *
engine_group(struct engine_wf *w, size_t rgi)
{
	return &w->rec.groups[rgi];
}

static const struct spec_group *
engine_spec_group(const struct engine_wf *w, size_t rgi)
{
	return &w->spec.groups[w->group_of[rgi]];
}

/* The live side of rec group rgi's task ti (spec index within the group). */
static struct engine_task *
engine_rt(struct engine_wf *w, size_t rgi, size_t ti)
{
	return &w->tasks[w->first[rgi] + ti];
}

static const struct spec_task *
engine_spec_task(const struct engine_task *t)
{
	return &t->wf->spec.groups[t->gi].tasks[t->ti];
}

/* The newest retry of t in its group's record (re-fetch after adding retries). */
static struct eng_task *
engine_rec(struct engine_task *t)
{
	struct eng_group *g = engine_group(t->wf, t->rgi);
	const char *name = engine_spec_task(t)->name;
	struct eng_task *best = NULL;

	for (size_t i = 0; i < g->n_tasks; i++)
		if (strcmp(g->tasks[i].name, name) == 0 &&
		    (!best || g->tasks[i].retry_id > best->retry_id))
			best = &g->tasks[i];
	return best;
}

bool
engine_done(enum osmo_status s)
{
	return osmo_status_phase(s) == PHASE_DONE || osmo_status_phase(s) == PHASE_FAILED;
}

static char *
engine_task_dir(const struct engine_wf *w, const char *task, int retry)
{
	return xasprintf("%s/tasks/%s/%d", w->dir, task, retry);
}

/* ------------------------------------------------------------------ logs and events */

/*
 * A running retry writes its own log and the workflow's on every line, so both stay open
 * while it runs (at most two per slot); other appends open and close their file.
 */
static void
engine_task_log_open(struct engine_task *t, const char *path)
{
	t->log = channel_open(t->wf->e->loop, path);
	channel_hold(t->log);
	channel_hold(t->wf->logs);
}

static void
engine_task_log_close(struct engine_task *t)
{
	if (!t->log)
		return;
	channel_free(t->log);
	t->log = NULL;
	channel_release(t->wf->logs);
}

static void
engine_log(struct engine_task *t, bool osmo, const char *text, size_t n)
{
	struct eng_task *rec = engine_rec(t);
	char ts[OSMO_TIME_BUF];
	struct strbuf sb = { 0 };

	osmo_time_format_log(clock_wall_ms(), ts);
	strbuf_addf(&sb, "%s [%s", ts, rec->name);
	if (rec->retry_id > 0)
		strbuf_addf(&sb, " retry-%d", rec->retry_id);
	strbuf_addstr(&sb, osmo ? "][osmo] " : "] ");
	/* A stray newline or NUL would forge a record; keep each record one line. */
	for (size_t i = 0; i < n; i++)
		strbuf_addch(&sb, text[i] == '\n' || text[i] == '\0' ? ' ' : text[i]);
	strbuf_addch(&sb, '\n');
	if (t->wf->logs)
		channel_append(t->wf->logs, sb.buf, sb.len);
	if (t->log)
		channel_append(t->log, sb.buf, sb.len);
	if (t->tail.n < ENGINE_ERROR_TAIL) {
		strv_push_owned(&t->tail, strbuf_detach(&sb));
	} else {
		free(t->tail.v[t->tail_next]);
		t->tail.v[t->tail_next] = strbuf_detach(&sb);
		t->tail_next = (t->tail_next + 1) % ENGINE_ERROR_TAIL;
	}
	strbuf_free(&sb);
}

static void engine_event(struct engine_wf *w, const char *task, int retry, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* Events read like the service's pod conditions: "<ts> [task retry-N] Type: detail". */
static void
engine_event(struct engine_wf *w, const char *task, int retry, const char *fmt, ...)
{
	char ts[OSMO_TIME_BUF];
	struct strbuf sb = { 0 };
	va_list ap;

	osmo_time_format_iso(clock_wall_ms() / 1000 * 1000, ts);
	ts[10] = ' ';
	strbuf_addf(&sb, "%s+00:00 [%s", ts, task ? task : w->rec.id);
	if (task && retry > 0)
		strbuf_addf(&sb, " retry-%d", retry);
	strbuf_addstr(&sb, "] ");
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < sb.len; i++)
		if (sb.buf[i] == '\n')
			sb.buf[i] = ' ';
	strbuf_addch(&sb, '\n');
	if (w->events)
		channel_append(w->events, sb.buf, sb.len);
	strbuf_free(&sb);
}

static void
engine_write_error_log(struct engine_task *t)
{
	struct eng_task *rec = engine_rec(t);
	char *dir = engine_task_dir(t->wf, rec->name, rec->retry_id);
	char *path = xasprintf("%s/error_logs.txt", dir);
	struct strbuf sb = { 0 };

	for (size_t i = 0; i < t->tail.n; i++)
		strbuf_addstr(&sb, t->tail.v[(t->tail_next + i) % t->tail.n]);
	util_mkdirs(dir, 0700);
	engine_state_write_aside(path, sb.buf ? sb.buf : "", sb.len);
	strbuf_free(&sb);
	free(path);
	free(dir);
}

/* ------------------------------------------------------------------ status changes */

static void
engine_task_status(struct engine_task *t, enum osmo_status s, const char *message)
{
	struct eng_task *rec = engine_rec(t);
	bool over = engine_done(s) || s == OSMO_RESCHEDULED;
	struct engine *e = t->wf->e;

	if (rec->status == s)
		return;
	/* Exec and port-forward sessions into this retry end with it, as its pod would. */
	if (rec->status == OSMO_RUNNING && e->task_ended)
		e->task_ended(e->task_ended_ctx, t->wf->rec.id, rec->name, rec->retry_id);
	rec->status = s;
	if (message) {
		free(rec->failure_message);
		rec->failure_message = xstrdup(message);
	}
	if (over && !rec->end_ms)
		rec->end_ms = clock_wall_ms();
	engine_event(t->wf, rec->name, rec->retry_id, "Status: %s%s%s", osmo_status_wire(s),
	             message ? ", Message: " : "", message ? message : "");
	if (osmo_status_has_error_logs(s) && s != OSMO_RESCHEDULED)
		engine_write_error_log(t);
	if (over)
		engine_task_log_close(t);
	t->wf->dirty = true;
}

/* Moves a group and its not-yet-running tasks to a pre-run phase, with its timestamp. */
static void
engine_group_phase(struct engine_wf *w, size_t rgi, enum osmo_status s)
{
	struct eng_group *g = engine_group(w, rgi);
	const struct spec_group *sg = engine_spec_group(w, rgi);
	int64_t now = clock_wall_ms();
	int64_t *slot = s == OSMO_PROCESSING     ? &g->processing_ms
	                : s == OSMO_SCHEDULING   ? &g->scheduling_ms
	                : s == OSMO_INITIALIZING ? &g->initializing_ms
	                : s == OSMO_RUNNING      ? &g->start_ms
	                                         : NULL;

	g->status = s;
	if (slot && !*slot)
		*slot = now;
	for (size_t ti = 0; ti < sg->ntasks; ti++) {
		struct engine_task *t = engine_rt(w, rgi, ti);
		struct eng_task *rec = engine_rec(t);
		int64_t *ts = s == OSMO_PROCESSING     ? &rec->processing_ms
		              : s == OSMO_SCHEDULING   ? &rec->scheduling_ms
		              : s == OSMO_INITIALIZING ? &rec->initializing_ms
		                                       : NULL;

		if (engine_done(rec->status) || s == OSMO_RUNNING)
			continue;
		if (ts && !*ts)
			*ts = now;
		engine_task_status(t, s, NULL);
	}
	engine_event(w, NULL, 0, "Group %s: %s", g->name, osmo_status_wire(s));
	w->dirty = true;
}

/* ------------------------------------------------------------------ running tasks */

static void engine_task_start(struct engine_task *t);
static void engine_check_group(struct engine_wf *w, size_t rgi);

static void
engine_ev_line(void *ctx, bool osmo, const char *s, size_t n)
{
	engine_log(ctx, osmo, s, n);
}

static void
engine_ev_started(void *ctx)
{
	struct engine_task *t = ctx;
	struct eng_task *rec = engine_rec(t);

	if (engine_spec_task(t)->ninputs)
		rec->input_download_end_ms = clock_wall_ms();
	engine_event(t->wf, rec->name, rec->retry_id, "Started: command running");
	t->wf->dirty = true;
}

/* What the exitActions (or OSMO's default: 0 completes, anything else fails) say for code. */
static enum spec_exit_action
engine_exit_action(const struct spec_task *st, int code)
{
	int a = spec_exit_action_for(st, code);

	if (a >= 0)
		return (enum spec_exit_action)a;
	return code == 0 ? SPEC_EXIT_COMPLETE : SPEC_EXIT_FAIL;
}

static void
engine_set_final(struct engine_task *t, enum osmo_status s, char *message)
{
	t->final_status = s;
	free(t->final_message);
	t->final_message = message;
}

static void
engine_ev_exited(void *ctx, int code, bool setup, const char *message)
{
	struct engine_task *t = ctx;
	const struct spec_task *st = engine_spec_task(t);
	struct eng_task *rec = engine_rec(t);
	enum spec_exit_action action;

	rec->has_exit_code = true;
	rec->exit_code = code;
	t->restart = false;
	engine_event(t->wf, rec->name, rec->retry_id, "Completed: exit code %d", code);
	if (t->kill_status != OSMO_UNKNOWN) {
		engine_set_final(t, t->kill_status,
		                 t->kill_message ? xstrdup(t->kill_message) : NULL);
		if (t->kill_status == OSMO_COMPLETED || t->kill_status == OSMO_FAILED)
			rec->has_exit_code =
			        false; /* stopped because the lead ended: no code of its own */
		task_run_finish(t->run, false);
		return;
	}
	if (setup) {
		engine_set_final(t, OSMO_FAILED_START_ERROR, xstrdup(message));
		task_run_finish(t->run, false);
		return;
	}
	action = engine_exit_action(st, code);
	if ((action == SPEC_EXIT_RESCHEDULE || action == SPEC_EXIT_RESTART) &&
	    rec->retry_id >= ENGINE_MAX_RETRIES) {
		engine_set_final(t, OSMO_FAILED,
		                 xasprintf("Failure reason:\n- Exit code %d due to Task %s failure "
		                           "(retry limit of %d reached). ",
		                           code, rec->name, ENGINE_MAX_RETRIES));
		task_run_finish(t->run, false);
		return;
	}
	if (action == SPEC_EXIT_COMPLETE) {
		engine_set_final(t, OSMO_COMPLETED, NULL);
		rec->output_upload_start_ms = clock_wall_ms();
		task_run_finish(t->run, true);
		return;
	}
	if (action == SPEC_EXIT_FAIL) {
		engine_set_final(
		        t, OSMO_FAILED,
		        xasprintf("Failure reason:\n- Exit code %d due to Task %s failure. ", code,
		                  rec->name));
		task_run_finish(t->run, false);
		return;
	}
	t->restart = action == SPEC_EXIT_RESTART;
	engine_set_final(t, OSMO_RESCHEDULED,
	                 xasprintf("Exit code %d: %s by exitActions", code,
	                           t->restart ? "restarted" : "rescheduled"));
	task_run_finish(t->run, false);
}

/* A new retry of t: rescheduled ones go through scheduling again, restarted ones run at once. */
static void
engine_new_retry(struct engine_task *t)
{
	struct eng_task *old = engine_rec(t);
	struct eng_group *g = engine_group(t->wf, t->rgi);
	struct eng_task nt = { 0 };
	int64_t now = clock_wall_ms();

	nt.name = xstrdup(old->name);
	nt.retry_id = old->retry_id + 1;
	nt.lead = old->lead;
	memcpy(nt.uuid, old->uuid, sizeof(nt.uuid));
	nt.processing_ms = now;
	nt.status = OSMO_PROCESSING;
	if (t->restart) {
		nt.scheduling_ms = nt.initializing_ms = now;
		nt.status = OSMO_INITIALIZING;
	}
	g->tasks = xreallocarray(g->tasks, g->n_tasks + 1, sizeof(*g->tasks));
	g->tasks[g->n_tasks++] = nt;
	engine_event(t->wf, nt.name, nt.retry_id, "Status: %s", osmo_status_wire(nt.status));
	t->wf->dirty = true;
	if (t->restart)
		engine_task_start(t);
}

static void
engine_release_slot(struct engine_task *t)
{
	if (t->slot && t->wf->e->slots_used > 0)
		t->wf->e->slots_used--;
	t->slot = false;
}

static void
engine_ev_done(void *ctx, bool ok, const char *message)
{
	struct engine_task *t = ctx;
	struct engine_wf *w = t->wf;
	enum osmo_status s = t->final_status;
	char *msg = t->final_message;

	t->final_message = NULL;
	if (s == OSMO_COMPLETED && !ok) {
		s = OSMO_FAILED;
		free(msg);
		msg = xstrdup(message ? message : "uploading outputs failed");
	}
	task_run_free(t->run);
	t->run = NULL;
	engine_release_slot(t);
	engine_task_status(t, s, msg);
	free(msg);
	free(t->kill_message);
	t->kill_message = NULL;
	t->kill_status = OSMO_UNKNOWN;
	if (s == OSMO_RESCHEDULED && w->forced == OSMO_UNKNOWN)
		engine_new_retry(t);
	engine_check_group(w, t->rgi);
	engine_schedule(w->e);
}

static const char *engine_output_owner(const struct engine *e, const struct engine_wf *w,
                                       const char *task);

static const char *
engine_ev_input_owner(void *ctx, const char *task)
{
	struct engine_task *t = ctx;

	return engine_output_owner(t->wf->e, t->wf, task);
}

static void
engine_task_start(struct engine_task *t)
{
	struct engine_wf *w = t->wf;
	const struct spec_task *st = engine_spec_task(t);
	struct eng_task *rec = engine_rec(t);
	char *run_dir = engine_task_dir(w, rec->name, rec->retry_id);
	char *log_path = xasprintf("%s/log.txt", run_dir);
	struct task_run_config cfg = {
		.loop = w->e->loop,
		.task = st,
		.workflow_id = w->rec.id,
		.task_uuid = rec->uuid,
		.retry_id = rec->retry_id,
		.run_dir = run_dir,
		.state_dir = w->e->state_dir,
		.env_vars = &w->rec.env_vars,
		.ev = { engine_ev_line, engine_ev_started, engine_ev_exited, engine_ev_done,
		        engine_ev_input_owner, t },
	};
	int64_t now = clock_wall_ms();

	util_mkdirs(run_dir, 0700);
	engine_task_log_close(t);
	engine_task_log_open(t, log_path);
	for (size_t i = 0; i < t->tail.n; i++)
		free(t->tail.v[i]);
	t->tail.n = 0;
	t->tail_next = 0;
	rec->start_ms = now;
	if (st->ninputs)
		rec->input_download_start_ms = now;
	if (!t->slot) {
		t->slot = true;
		w->e->slots_used++;
	}
	engine_task_status(t, OSMO_RUNNING, NULL);
	if (!w->rec.start_ms)
		w->rec.start_ms = now;
	t->run = task_run_start(&cfg);
	free(log_path);
	free(run_dir);
}

/* Stops t (running or not) so it ends as status with message. */
static void
engine_task_stop(struct engine_task *t, enum osmo_status status, const char *message, bool force)
{
	struct eng_task *rec = engine_rec(t);

	if (engine_done(rec->status) || rec->status == OSMO_RESCHEDULED)
		return;
	if (t->run) {
		if (t->kill_status == OSMO_UNKNOWN || force) {
			t->kill_status = status;
			free(t->kill_message);
			t->kill_message = message ? xstrdup(message) : NULL;
		}
		task_run_kill(t->run, force);
		return;
	}
	engine_task_status(t, status, message);
}

/* ------------------------------------------------------------------ groups and the workflow */

static bool
engine_group_has_running(struct engine_wf *w, size_t rgi)
{
	const struct spec_group *sg = engine_spec_group(w, rgi);

	for (size_t ti = 0; ti < sg->ntasks; ti++)
		if (engine_rt(w, rgi, ti)->run)
			return true;
	return false;
}

/* Group statuses that win over the lead's, strongest first (TaskGroup._aggregate_status). */
static const enum osmo_status engine_group_precedence[] = {
	OSMO_FAILED_UPSTREAM,
	OSMO_FAILED_SERVER_ERROR,
	OSMO_FAILED_PREEMPTED,
	OSMO_FAILED_EVICTED,
};

/* The group's status once every task is over, by the ignoreNonleadStatus rule. */
static enum osmo_status
engine_group_outcome(struct engine_wf *w, size_t rgi)
{
	const struct spec_group *sg = engine_spec_group(w, rgi);
	enum osmo_status ls = engine_rec(engine_rt(w, rgi, sg->lead))->status;
	bool only_lead = engine_group(w, rgi)->ignore_nonlead;
	bool other_failed = false;

	if (w->forced != OSMO_UNKNOWN && ls != OSMO_COMPLETED)
		return w->forced;
	for (size_t k = 0; k < ARRAY_SIZE(engine_group_precedence); k++)
		for (size_t ti = 0; ti < sg->ntasks; ti++)
			if ((ti == sg->lead || !only_lead) &&
			    engine_rec(engine_rt(w, rgi, ti))->status == engine_group_precedence[k])
				return engine_group_precedence[k];
	if (osmo_status_is_failed(ls))
		return ls;
	for (size_t ti = 0; ti < sg->ntasks && !only_lead; ti++)
		other_failed |= osmo_status_is_failed(engine_rec(engine_rt(w, rgi, ti))->status);
	return other_failed ? OSMO_FAILED : OSMO_COMPLETED;
}

static void
engine_check_group(struct engine_wf *w, size_t rgi)
{
	struct eng_group *g = engine_group(w, rgi);
	const struct spec_group *sg = engine_spec_group(w, rgi);
	struct engine_task *lead = engine_rt(w, rgi, sg->lead);
	enum osmo_status ls = engine_rec(lead)->status;
	const char *failed = NULL;
	bool all_over = true;

	if (engine_done(g->status))
		return;
	for (size_t ti = 0; ti < sg->ntasks; ti++) {
		struct engine_task *t = engine_rt(w, rgi, ti);
		enum osmo_status s = engine_rec(t)->status;

		if (!engine_done(s) || t->run)
			all_over = false;
		if (ti != sg->lead && osmo_status_is_failed(s) && !failed)
			failed = engine_rec(t)->name;
	}
	if (engine_done(ls)) {
		/* The group ends with its lead; the others take the lead's status. */
		enum osmo_status follow = osmo_status_is_failed(ls) ? OSMO_FAILED : ls;

		for (size_t ti = 0; ti < sg->ntasks; ti++)
			if (ti != sg->lead)
				engine_task_stop(engine_rt(w, rgi, ti), follow,
				                 "Lead task finished", false);
	} else if (failed && !g->ignore_nonlead) {
		char *msg = xasprintf("Task %s of the group failed", failed);

		for (size_t ti = 0; ti < sg->ntasks; ti++)
			engine_task_stop(engine_rt(w, rgi, ti), OSMO_FAILED, msg, false);
		free(msg);
	}
	if (!all_over || engine_group_has_running(w, rgi))
		return;
	g->status = engine_group_outcome(w, rgi);
	g->end_ms = clock_wall_ms();
	if (g->status != OSMO_COMPLETED && !g->failure_message) {
		struct eng_task *lr = engine_rec(lead);

		if (lr->failure_message)
			g->failure_message = xstrdup(lr->failure_message);
	}
	engine_event(w, NULL, 0, "Group %s: %s", g->name, osmo_status_wire(g->status));
	w->dirty = true;
}

static struct eng_group *
engine_find_group(struct engine_wf *w, const char *name, size_t *rgi)
{
	for (size_t i = 0; i < w->rec.n_groups; i++) {
		if (strcmp(w->rec.groups[i].name, name) == 0) {
			if (rgi)
				*rgi = i;
			return &w->rec.groups[i];
		}
	}
	return NULL;
}

/* Fails a group that will never run because an upstream group failed. */
static void
engine_group_upstream_failed(struct engine_wf *w, size_t rgi, const char *upstream)
{
	struct eng_group *g = engine_group(w, rgi);
	const struct spec_group *sg = engine_spec_group(w, rgi);

	for (size_t ti = 0; ti < sg->ntasks; ti++) {
		struct engine_task *t = engine_rt(w, rgi, ti);
		struct eng_task *rec = engine_rec(t);

		rec->has_exit_code = true;
		rec->exit_code = 3000;
		engine_task_status(t, OSMO_FAILED_UPSTREAM, "Upstream task failed.");
	}
	g->status = OSMO_FAILED_UPSTREAM;
	g->end_ms = clock_wall_ms();
	free(g->failure_message);
	g->failure_message = xasprintf("Upstream group %s failed.", upstream);
	engine_event(w, NULL, 0, "Group %s: FAILED_UPSTREAM (upstream group %s failed)", g->name,
	             upstream);
	w->dirty = true;
}

static int64_t
engine_phase_due(const struct engine *e, int64_t since)
{
	return since + e->phase_ms;
}

/* Starts the tasks of an INITIALIZING group whose time has come. */
static void
engine_group_run(struct engine_wf *w, size_t rgi)
{
	const struct spec_group *sg = engine_spec_group(w, rgi);

	engine_group_phase(w, rgi, OSMO_RUNNING);
	for (size_t ti = 0; ti < sg->ntasks; ti++) {
		struct engine_task *t = engine_rt(w, rgi, ti);

		if (!engine_done(engine_rec(t)->status))
			engine_task_start(t);
	}
}

/* Rescheduled retries of a running group walk the phases on their own. */
static int64_t
engine_retry_step(struct engine_wf *w, size_t rgi, int64_t now, bool *changed)
{
	const struct spec_group *sg = engine_spec_group(w, rgi);
	int64_t next = INT64_MAX;

	for (size_t ti = 0; ti < sg->ntasks; ti++) {
		struct engine_task *t = engine_rt(w, rgi, ti);
		struct eng_task *rec = engine_rec(t);
		int64_t due;

		if (t->run)
			continue;
		if (rec->status == OSMO_PROCESSING) {
			due = engine_phase_due(w->e, rec->processing_ms);
			if (now >= due) {
				rec->scheduling_ms = now;
				engine_task_status(t, OSMO_SCHEDULING, NULL);
				*changed = true;
			} else if (due < next) {
				next = due;
			}
		} else if (rec->status == OSMO_SCHEDULING && w->e->slots_used < w->e->slots) {
			rec->initializing_ms = now;
			t->slot = true;
			w->e->slots_used++;
			engine_task_status(t, OSMO_INITIALIZING, NULL);
			*changed = true;
		} else if (rec->status == OSMO_INITIALIZING) {
			due = engine_phase_due(w->e, rec->initializing_ms);
			if (now >= due)
				engine_task_start(t);
			else if (due < next)
				next = due;
		}
	}
	return next;
}

/* Advances group rgi as far as it can go now; returns when it next wants a look. */
static int64_t
engine_group_step(struct engine_wf *w, size_t rgi, int64_t now, bool *changed)
{
	struct eng_group *g = engine_group(w, rgi);
	const struct spec_group *sg = engine_spec_group(w, rgi);
	enum osmo_status before = g->status;
	int64_t due;

	if (g->status == OSMO_SUBMITTING) {
		engine_group_phase(w, rgi, g->upstream.n ? OSMO_WAITING : OSMO_PROCESSING);
	} else if (g->status == OSMO_WAITING) {
		bool ready = true;

		for (size_t i = 0; i < g->upstream.n && g->status == OSMO_WAITING; i++) {
			struct eng_group *up = engine_find_group(w, g->upstream.v[i], NULL);

			if (!up)
				continue; /* dropped by a restart: its outputs are already there */
			if (osmo_status_is_failed(up->status))
				engine_group_upstream_failed(w, rgi, up->name);
			else if (up->status != OSMO_COMPLETED)
				ready = false;
		}
		if (ready && g->status == OSMO_WAITING)
			engine_group_phase(w, rgi, OSMO_PROCESSING);
	} else if (g->status == OSMO_PROCESSING) {
		due = engine_phase_due(w->e, g->processing_ms);
		if (now < due)
			return due;
		engine_group_phase(w, rgi, OSMO_SCHEDULING);
	} else if (g->status == OSMO_SCHEDULING) {
		unsigned need = (unsigned)sg->ntasks;
		unsigned free_slots = w->e->slots - w->e->slots_used;

		if (w->rec.queue_timeout_s > 0 &&
		    now >= g->scheduling_ms + (int64_t)(w->rec.queue_timeout_s * 1000))
			return INT64_MIN; /* the caller times the workflow out */
		if (free_slots < need && !(w->e->slots_used == 0 && need > w->e->slots))
			return w->rec.queue_timeout_s > 0
			               ? g->scheduling_ms + (int64_t)(w->rec.queue_timeout_s * 1000)
			               : INT64_MAX;
		for (size_t ti = 0; ti < sg->ntasks; ti++) {
			struct engine_task *t = engine_rt(w, rgi, ti);

			t->slot = true;
			w->e->slots_used++;
		}
		engine_group_phase(w, rgi, OSMO_INITIALIZING);
	} else if (g->status == OSMO_INITIALIZING) {
		due = engine_phase_due(w->e, g->initializing_ms);
		if (now < due)
			return due;
		engine_group_run(w, rgi);
	} else if (g->status == OSMO_RUNNING) {
		return engine_retry_step(w, rgi, now, changed);
	}
	if (g->status != before)
		*changed = true;
	return INT64_MAX;
}

/* Workflow statuses that win when any group ends so, strongest first (CONTRACT §5.1). */
static const enum osmo_status engine_wf_precedence[] = {
	OSMO_FAILED_CANCELED,
	OSMO_FAILED_SERVER_ERROR,
	OSMO_FAILED_EXEC_TIMEOUT,
	OSMO_FAILED_QUEUE_TIMEOUT,
};

/* The finished workflow's status from its groups (Workflow._aggregate_status). */
static enum osmo_status
engine_wf_outcome(const struct engine_wf *w)
{
	enum osmo_status shared = OSMO_UNKNOWN;
	bool mixed = false;

	for (size_t k = 0; k < ARRAY_SIZE(engine_wf_precedence); k++)
		for (size_t i = 0; i < w->rec.n_groups; i++)
			if (w->rec.groups[i].status == engine_wf_precedence[k])
				return engine_wf_precedence[k];
	for (size_t i = 0; i < w->rec.n_groups; i++) {
		enum osmo_status gs = w->rec.groups[i].status;

		if (!osmo_status_is_failed(gs) || gs == OSMO_FAILED_UPSTREAM)
			continue;
		mixed |= shared != OSMO_UNKNOWN && shared != gs;
		shared = gs;
	}
	for (size_t i = 0; i < w->rec.n_groups && shared == OSMO_UNKNOWN; i++)
		if (osmo_status_is_failed(w->rec.groups[i].status))
			shared =
			        OSMO_FAILED; /* only upstream failures: cannot happen, but be safe */
	if (shared == OSMO_UNKNOWN)
		return OSMO_COMPLETED;
	return mixed ? OSMO_FAILED : shared;
}

static const char *const engine_dashes =
        "-----------------------------------------------------------------------------------"
        "-----------------";

/* The workflow's status from its groups; at the end, logs and events are closed. */
static void
engine_wf_update(struct engine_wf *w)
{
	enum osmo_status s;
	bool running = false, all_done = true;

	if (engine_done(w->rec.status))
		return;
	for (size_t i = 0; i < w->rec.n_groups; i++) {
		enum osmo_status gs = w->rec.groups[i].status;

		running |= gs == OSMO_RUNNING;
		all_done &= engine_done(gs);
	}
	s = engine_wf_outcome(w);
	if (!all_done) {
		s = running ? OSMO_RUNNING : w->rec.start_ms ? OSMO_WAITING : OSMO_PENDING;
		if (w->rec.status != s)
			w->dirty = true;
		w->rec.status = s;
		return;
	}
	if (w->forced != OSMO_UNKNOWN)
		s = w->forced;
	w->rec.status = s;
	w->rec.end_ms = clock_wall_ms();
	w->dirty = true;
	engine_event(w, NULL, 0, "Workflow %s: %s", w->rec.id, osmo_status_wire(s));
	if (s != OSMO_COMPLETED && w->logs) {
		/* CleanupWorkflow's DUMP record, and the newline the log formatter ends it with. */
		char *dump =
		        xasprintf("\n%s\nWorkflow terminated abnormally, view task status at:\n"
		                  "%s/api/workflow/%s\n\nView task error logs at:\n"
		                  "%s/api/workflow/%s/error_logs\n%s\n\n",
		                  engine_dashes, w->e->base_url, w->rec.id, w->e->base_url,
		                  w->rec.id, engine_dashes);

		channel_append(w->logs, dump, strlen(dump));
		free(dump);
	}
	channel_end(w->logs);
	channel_end(w->events);
}

/* Ends the workflow early: every task that is not over ends as status with message. */
static void
engine_wf_abort(struct engine_wf *w, enum osmo_status status, const char *message, bool force)
{
	if (w->forced == OSMO_UNKNOWN) {
		w->forced = status;
		w->forced_message = message ? xstrdup(message) : NULL;
	}
	for (size_t rgi = 0; rgi < w->rec.n_groups; rgi++) {
		struct eng_group *g = engine_group(w, rgi);
		const struct spec_group *sg = engine_spec_group(w, rgi);

		if (engine_done(g->status))
			continue;
		for (size_t ti = 0; ti < sg->ntasks; ti++) {
			struct engine_task *t = engine_rt(w, rgi, ti);

			if (!t->run && t->slot)
				engine_release_slot(t);
			engine_task_stop(t, status, message, force);
		}
		engine_check_group(w, rgi);
	}
	w->dirty = true;
}

/* When the exec_timeout ends a started workflow; INT64_MAX when it cannot. */
static int64_t
engine_exec_due(const struct engine_wf *w)
{
	if (w->rec.exec_timeout_s <= 0 || !w->rec.start_ms || w->forced != OSMO_UNKNOWN)
		return INT64_MAX;
	return w->rec.start_ms + (int64_t)(w->rec.exec_timeout_s * 1000);
}

/* One workflow as far as it can go; returns when it next wants a look. */
static int64_t
engine_wf_step(struct engine_wf *w, int64_t now)
{
	int64_t next = INT64_MAX;
	bool changed = true;

	if (engine_done(w->rec.status))
		return next;
	if (now >= engine_exec_due(w)) {
		char *msg = xasprintf("Workflow ran longer than its exec_timeout (%.0fs).",
		                      w->rec.exec_timeout_s);

		engine_wf_abort(w, OSMO_FAILED_EXEC_TIMEOUT, msg, false);
		free(msg);
	}
	for (int rounds = 0; changed && rounds < 64; rounds++) {
		changed = false;
		next = INT64_MAX;
		for (size_t rgi = 0; rgi < w->rec.n_groups; rgi++) {
			int64_t due;

			if (engine_done(w->rec.groups[rgi].status) || w->forced != OSMO_UNKNOWN)
				continue;
			due = engine_group_step(w, rgi, now, &changed);
			if (due == INT64_MIN) {
				char *msg = xasprintf("Workflow was queued longer than its "
				                      "queue_timeout (%.0fs).",
				                      w->rec.queue_timeout_s);

				free(w->rec.cancelled_by);
				w->rec.cancelled_by = xstrdup("osmo");
				engine_wf_abort(w, OSMO_FAILED_QUEUE_TIMEOUT, msg, false);
				free(msg);
				changed = true;
				break;
			}
			if (due < next)
				next = due;
		}
	}
	if (engine_exec_due(w) < next)
		next = engine_exec_due(w);
	engine_wf_update(w);
	return next;
}

static void
engine_tick(void *ctx)
{
	struct engine *e = ctx;

	e->timer = 0;
	engine_schedule(e);
}

/* Steps every workflow, saves what changed, and sets one timer for the earliest due time. */
static void
engine_schedule(struct engine *e)
{
	int64_t now, next = INT64_MAX;

	if (e->stepping) {
		e->again = true; /* a callback during the step: go round once more */
		return;
	}
	e->stepping = true;
	do {
		e->again = false;
		now = clock_wall_ms();
		next = INT64_MAX;
		for (size_t i = 0; i < e->n; i++) {
			int64_t due = engine_wf_step(e->wfs[i], now);

			if (due < next)
				next = due;
		}
	} while (e->again);
	engine_state_save_dirty(e, now);
	if (e->save_due && e->save_due < next)
		next = e->save_due;
	e->stepping = false;
	loop_remove(e->loop, e->timer);
	e->timer = 0;
	if (next != INT64_MAX)
		e->timer = loop_add_timer(e->loop, next > now ? next - now : 0, engine_tick, e);
}

/* ------------------------------------------------------------------ building workflows */

static void
engine_wf_free(struct engine_wf *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->ntasks; i++) {
		struct engine_task *t = &w->tasks[i];

		task_run_free(t->run);
		engine_task_log_close(t);
		strv_free(&t->tail);
		free(t->kill_message);
		free(t->final_message);
		if (t->slot && w->e->slots_used)
			w->e->slots_used--;
	}
	free(w->tasks);
	channel_free(w->logs);
	channel_free(w->events);
	eng_workflow_free(&w->rec);
	spec_free(&w->spec);
	free(w->group_of);
	free(w->first);
	free(w->dir);
	free(w->forced_message);
	free(w->reuse_from);
	free(w);
}

/* The live side for every task of the groups in rec. */
static void
engine_wf_wire(struct engine_wf *w)
{
	w->group_of = xcalloc(w->rec.n_groups + 1, sizeof(*w->group_of));
	for (size_t rgi = 0; rgi < w->rec.n_groups; rgi++) {
		for (size_t gi = 0; gi < w->spec.ngroups; gi++)
			if (strcmp(w->spec.groups[gi].name, w->rec.groups[rgi].name) == 0)
				w->group_of[rgi] = gi;
		w->ntasks += w->spec.groups[w->group_of[rgi]].ntasks;
	}
	w->tasks = xcalloc(w->ntasks + 1, sizeof(*w->tasks));
	w->first = xcalloc(w->rec.n_groups + 1, sizeof(*w->first));
	w->ntasks = 0;
	for (size_t rgi = 0; rgi < w->rec.n_groups; rgi++) {
		const struct spec_group *sg = &w->spec.groups[w->group_of[rgi]];

		w->first[rgi] = w->ntasks;
		for (size_t ti = 0; ti < sg->ntasks; ti++) {
			struct engine_task *t = &w->tasks[w->ntasks++];

			t->wf = w;
			t->rgi = rgi;
			t->gi = w->group_of[rgi];
			t->ti = ti;
			t->kill_status = OSMO_UNKNOWN;
		}
	}
}

/* Records for the spec's groups (those not in drop), every task at retry 0, SUBMITTING. */
static void
engine_wf_build(struct engine_wf *w, const struct strv *drop)
{
	const struct spec *sp = &w->spec;

	w->rec.groups = xcalloc(sp->ngroups + 1, sizeof(*w->rec.groups));
	for (size_t gi = 0; gi < sp->ngroups; gi++) {
		const struct spec_group *sg = &sp->groups[gi];
		struct eng_group *g;

		if (drop && strv_contains(drop, sg->name))
			continue;
		g = &w->rec.groups[w->rec.n_groups++];
		g->name = xstrdup(sg->name);
		g->status = OSMO_SUBMITTING;
		g->ignore_nonlead = sg->ignore_nonlead_status;
		for (size_t i = 0; i < sg->upstream.n; i++)
			if (!drop || !strv_contains(drop, sg->upstream.v[i]))
				strv_push(&g->upstream, sg->upstream.v[i]);
		for (size_t i = 0; i < sg->downstream.n; i++)
			strv_push(&g->downstream, sg->downstream.v[i]);
		g->tasks = xcalloc(sg->ntasks + 1, sizeof(*g->tasks));
		for (size_t ti = 0; ti < sg->ntasks; ti++) {
			struct eng_task *t = &g->tasks[g->n_tasks++];

			t->name = xstrdup(sg->tasks[ti].name);
			t->status = OSMO_SUBMITTING;
			t->lead = ti == sg->lead;
			engine_uuid(t->uuid);
		}
	}
	engine_wf_wire(w);
}

void
engine_add(struct engine *e, struct engine_wf *w)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 64;
		e->wfs = xreallocarray(e->wfs, e->cap, sizeof(*e->wfs));
		e->recs = xreallocarray(e->recs, e->cap, sizeof(*e->recs));
	}
	e->recs[e->n] = &w->rec;
	e->wfs[e->n++] = w;
}

/* A new workflow record named after spec's name, with its directory; NULL with err filled. */
static struct engine_wf *
engine_wf_new(struct engine *e, const char *name, const struct engine_submit *req,
              struct engine_error *err)
{
	int job;
	char *dir = engine_state_claim_dir(e, name, &job, err);
	struct engine_wf *w;

	if (!dir)
		return NULL;
	w = xcalloc(1, sizeof(*w));
	w->e = e;
	w->forced = OSMO_UNKNOWN;
	w->dir = dir;
	w->rec.name = xstrdup(name);
	w->rec.job = job;
	w->rec.id = xasprintf("%s-%d", name, w->rec.job);
	engine_uuid(w->rec.uuid);
	w->rec.user = xstrdup(req->user && *req->user ? req->user : "osmo-local");
	w->rec.pool = xstrdup(e->pool);
	w->rec.priority = xstrdup(req->priority ? req->priority : "NORMAL");
	w->rec.submit_ms = clock_wall_ms();
	w->rec.exec_timeout_s = -1;
	w->rec.queue_timeout_s = -1;
	w->rec.status = OSMO_PENDING;
	return w;
}

static void
engine_wf_open_channels(struct engine_wf *w)
{
	char *logs = xasprintf("%s/logs.txt", w->dir);
	char *events = xasprintf("%s/events.txt", w->dir);

	w->logs = channel_open(w->e->loop, logs);
	w->events = channel_open(w->e->loop, events);
	free(logs);
	free(events);
}

/*
 * Spec fields osmo-local records but cannot honour, each said once for the first task using it:
 * in warnings, and with w as events of the workflow. Validation and submit share it, as the
 * service's validate_workflow_spec does.
 */
static void
engine_spec_warnings(const struct spec *spec, struct engine_wf *w, struct strv *warnings)
{
	static const char *const what[] = {
		"privileged", "hostNetwork",   "credentials", "volumeMounts",
		"cacheSize",  "nodesExcluded", "platform",
	};
	bool said[ARRAY_SIZE(what)] = { 0 };

	for (size_t gi = 0; gi < spec->ngroups; gi++) {
		for (size_t ti = 0; ti < spec->groups[gi].ntasks; ti++) {
			const struct spec_task *t = &spec->groups[gi].tasks[ti];
			const struct spec_resource *res =
			        t->profile < spec->nresources ? &spec->resources[t->profile] : NULL;
			bool uses[ARRAY_SIZE(what)] = {
				t->privileged,
				t->host_network,
				t->credentials.n > 0,
				t->volume_mounts.n > 0,
				t->cache_size != NULL,
				res && res->nodes_excluded.n > 0,
				res && res->platform != NULL,
			};

			for (size_t k = 0; k < ARRAY_SIZE(what); k++) {
				if (!uses[k] || said[k])
					continue;
				said[k] = true;
				if (w)
					engine_event(w, t->name, 0,
					             "Warning: %s is recorded but has no effect on "
					             "osmo-local",
					             what[k]);
				strv_push_owned(
				        warnings,
				        xasprintf("%s (task %s) is recorded but has no effect "
				                  "on osmo-local",
				                  what[k], t->name));
			}
		}
	}
	if (w)
		engine_event(w, NULL, 0,
		             "Warning: osmo-local runs each command on this machine; images are "
		             "recorded, not pulled");
}

/* ------------------------------------------------------------------ the public side */

const char *
engine_pool(const struct engine *e)
{
	return e->pool;
}

unsigned
engine_slots(const struct engine *e, unsigned *used)
{
	*used = e->slots_used;
	return e->slots;
}

const char *
engine_base_url(const struct engine *e)
{
	return e->base_url;
}

static struct engine_wf *
engine_lookup(const struct engine *e, const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->wfs[i]->rec.id, name) == 0 || strcmp(e->wfs[i]->rec.uuid, name) == 0)
			return e->wfs[i];
	return NULL;
}

const struct eng_workflow *
engine_find(const struct engine *e, const char *name)
{
	struct engine_wf *w = engine_lookup(e, name);

	return w ? &w->rec : NULL;
}

const struct eng_workflow *const *
engine_workflows(const struct engine *e, size_t *n)
{
	*n = e->n;
	return e->recs;
}

static void
engine_not_found(struct engine_error *err, const char *name)
{
	engine_set_error(err, 400, "DATABASE", xasprintf("Workflow %s is not found.", name));
}

static bool
engine_is_templated(const char *s)
{
	return strstr(s, "{%") || strstr(s, "{{") || strstr(s, "{#") || strstr(s, "default-values");
}

static char *
engine_join(const struct strv *lines)
{
	struct strbuf sb = { 0 };

	for (size_t i = 0; i < lines->n; i++) {
		if (i)
			strbuf_addch(&sb, '\n');
		strbuf_addstr(&sb, lines->v[i]);
	}
	return strbuf_detach(&sb);
}

/* Records a FAILED_SUBMISSION row, as the service does for specs it refuses. */
static void
engine_record_refused(struct engine *e, const char *name, const struct engine_submit *req,
                      const char *raw, const struct eng_label *labels, size_t n_labels)
{
	struct engine_error err = { 0 };
	struct engine_wf *w = engine_wf_new(e, name, req, &err);
	char *path;

	if (w)
		labels_copy(labels, n_labels, &w->rec.labels, &w->rec.n_labels);
	if (!w) {
		/* The refusal itself still reaches the caller; only its row is missing. */
		fprintf(stderr, "osmo-local: %s\n", err.message);
		engine_error_free(&err);
		return;
	}
	path = xasprintf("%s/spec.yaml", w->dir);

	w->rec.status = OSMO_FAILED_SUBMISSION;
	w->rec.end_ms = w->rec.submit_ms;
	w->rec.spec = xstrdup(raw);
	engine_state_write_aside(path, raw, strlen(raw));
	free(path);
	engine_add(e, w);
	w->dirty = true;
	engine_schedule(e);
}

/*
 * The workflow's labels: the spec's, or a resubmitted workflow's own (its canonical labels,
 * workflow_service.py:370), with each --label set over them, checked whole (objects.py:974-993).
 * A refusal is an OSMOUsageError naming the workflow.
 */
static int
engine_submit_labels(const struct spec *spec, const struct engine_wf *parent,
                     const struct engine_submit *req, struct eng_label **v, size_t *n,
                     struct engine_error *err)
{
	char *why;

	*v = NULL;
	*n = 0;
	if (parent) {
		labels_copy(parent->rec.labels, parent->rec.n_labels, v, n);
	} else {
		for (size_t i = 0; i < spec->labels.n; i++) {
			*v = xreallocarray(*v, *n + 1, sizeof(**v));
			(*v)[(*n)++] = (struct eng_label){ xstrdup(spec->labels.v[i].key),
				                           xstrdup(spec->labels.v[i].value) };
		}
	}
	if (labels_assign(v, n, req->labels, &why) == 0)
		return 0;
	engine_set_error(err, 400, "USAGE", why);
	if (spec->name)
		err->workflow_id = xstrdup(spec->name);
	labels_free(*v, *n);
	*v = NULL;
	*n = 0;
	return -1;
}

/* The dry run's answer: yaml.dump of the workflow with its labels (workflow_service.py:388-392). */
static int
engine_dry_run(const struct spec *spec, const char *rendered, bool set_labels,
               const struct eng_label *labels, size_t n_labels, struct engine_submitted *out,
               struct engine_error *err)
{
	const char *problem;

	out->spec = spec_dump_dry_run(rendered, labels, n_labels, set_labels, &problem);
	if (!out->spec) {
		engine_set_error(err, 500, NULL, xstrdup(problem));
		return -1;
	}
	out->name = xstrdup(spec->name ? spec->name : "");
	return 0;
}

int
engine_submit(struct engine *e, const struct engine_submit *req, struct engine_submitted *out,
              struct engine_error *err)
{
	struct strv errors = { 0 };
	struct engine_wf *w, *parent = NULL;
	struct spec spec = { 0 };
	struct eng_label *labels = NULL;
	size_t n_labels = 0;
	const char *raw = req->file, *problem;
	char *rendered = NULL, *stored;
	char *path;
	int loaded;

	memset(out, 0, sizeof(*out));
	if (req->pool && strcmp(req->pool, e->pool) != 0) {
		engine_set_error(err, 400, "USER",
		                 xasprintf("Pool %s does not exist (osmo-local offers %s).",
		                           req->pool, e->pool));
		return -1;
	}
	if (req->workflow_id) {
		parent = engine_lookup(e, req->workflow_id);
		if (req->file) {
			engine_set_error(err, 400, "USAGE",
			                 xstrdup("Give either a workflow_id or a spec, not both."));
			return -1;
		}
		if (!parent || !parent->rec.spec) {
			engine_not_found(err, req->workflow_id);
			return -1;
		}
		raw = parent->rec.spec;
	}
	if (!raw) {
		engine_set_error(err, 400, "USAGE", xstrdup("No workflow spec was given."));
		return -1;
	}
	loaded = spec_load(raw, strlen(raw), ENGINE_SPEC_NAME, req->set_vars, req->set_string_vars,
	                   &spec, &rendered, &errors);
	/* Labels are checked once the YAML loads, before the schema (objects.py:953-995). */
	if (spec.loaded && engine_submit_labels(&spec, parent, req, &labels, &n_labels, err) < 0) {
		spec_free(&spec);
		strv_free(&errors);
		free(rendered);
		return -1;
	}
	/* A dry run stops once the labels are set: the schema is not checked (lines 388-392). */
	if (req->dry_run && spec.loaded) {
		loaded = engine_dry_run(&spec, rendered, parent || (req->labels && req->labels->n),
		                        labels, n_labels, out, err);
		out->validation_only = req->validation_only;
		spec_free(&spec);
		strv_free(&errors);
		free(rendered);
		labels_free(labels, n_labels);
		return loaded;
	}
	if (loaded < 0) {
		char *msg = engine_join(&errors);

		if (spec.name && spec_name_ok(spec.name) && !req->dry_run)
			engine_record_refused(e, spec.name, req, raw, labels, n_labels);
		labels_free(labels, n_labels);
		/* Template, YAML and schema errors are OSMOUsageErrors naming the workflow
		 * (objects.py:1000-1011, workflow.py:841); only names too long, checked after
		 * the schema, are OSMOUserErrors (postgres.py:2623-2626). */
		engine_set_error(err, 400, errors.n == spec.long_names ? "USER" : "USAGE", msg);
		if (spec.name && errors.n != spec.long_names)
			err->workflow_id = xstrdup(spec.name);
		spec_free(&spec);
		strv_free(&errors);
		free(rendered);
		return -1;
	}
	strv_free(&errors);
	if (req->validation_only) {
		out->name = xstrdup(spec.name);
		out->validation_only = true;
		engine_spec_warnings(&spec, NULL, &out->warnings);
		spec_free(&spec);
		free(rendered);
		labels_free(labels, n_labels);
		return 0;
	}
	/* What the service keeps: the spec the tasks run, --set-env in their environment. */
	stored = spec_dump_stored(rendered, req->env_vars, labels, n_labels, &problem);
	free(rendered);
	spec_free(&spec);
	memset(&spec, 0, sizeof(spec));
	if (!stored || spec_load(stored, strlen(stored), ENGINE_SPEC_NAME, NULL, NULL, &spec, NULL,
	                         &errors) < 0) {
		engine_set_error(err, 500, NULL, stored ? engine_join(&errors) : xstrdup(problem));
		strv_free(&errors);
		spec_free(&spec);
		free(stored);
		labels_free(labels, n_labels);
		return -1;
	}
	w = engine_wf_new(e, spec.name, req, err);
	if (!w) {
		spec_free(&spec);
		free(stored);
		labels_free(labels, n_labels);
		return -1;
	}
	w->rec.labels = labels;
	w->rec.n_labels = n_labels;
	w->spec = spec;
	w->spec_loaded = true;
	w->rec.spec = stored;
	if (req->template_spec)
		w->rec.template_spec = xstrdup(req->template_spec);
	else if (!parent && engine_is_templated(raw))
		w->rec.template_spec = xstrdup(raw);
	if (spec.exec_timeout >= 0)
		w->rec.exec_timeout_s = (double)spec.exec_timeout;
	if (spec.queue_timeout >= 0)
		w->rec.queue_timeout_s = (double)spec.queue_timeout;
	if (parent) {
		w->rec.parent_name = xstrdup(parent->rec.name);
		w->rec.parent_job_id = parent->rec.job;
	}
	engine_wf_build(w, NULL);
	path = xasprintf("%s/spec.yaml", w->dir);
	engine_state_write_aside(path, w->rec.spec, strlen(w->rec.spec));
	free(path);
	if (w->rec.template_spec) {
		path = xasprintf("%s/template.yaml", w->dir);
		engine_state_write_aside(path, w->rec.template_spec, strlen(w->rec.template_spec));
		free(path);
	}
	engine_wf_open_channels(w);
	engine_event(w, NULL, 0, "Submitted by %s to pool %s", w->rec.user, w->rec.pool);
	engine_spec_warnings(&w->spec, w, &out->warnings);
	engine_add(e, w);
	out->name = xstrdup(w->rec.id);
	engine_schedule(e);
	return 0;
}

static struct eng_profile *
engine_profile_find(const struct engine *e, const char *user)
{
	for (size_t i = 0; i < e->profiles.n; i++)
		if (strcmp(e->profiles.v[i].user, user) == 0)
			return &e->profiles.v[i];
	return NULL;
}

const struct eng_profile *
engine_profile(const struct engine *e, const char *user)
{
	return engine_profile_find(e, user);
}

/* profile_service.set_notification_settings: the fields given upserted, the pool checked. */
int
engine_profile_set(struct engine *e, const char *user, int email_notification,
                   int slack_notification, const char *pool, struct engine_error *err)
{
	struct eng_profile *p = engine_profile_find(e, user), old;

	if (pool && strcmp(pool, e->pool) != 0) {
		engine_set_error(err, 400, "USER", xasprintf("Pool %s not found.", pool));
		return -1;
	}
	if (!p) {
		e->profiles.v = xreallocarray(e->profiles.v, e->profiles.n + 1, sizeof(*p));
		p = &e->profiles.v[e->profiles.n++];
		*p = (struct eng_profile){ .user = xstrdup(user) };
	}
	old = *p;
	if (email_notification >= 0)
		p->email_notification = email_notification;
	if (slack_notification >= 0)
		p->slack_notification = slack_notification;
	if (pool)
		p->pool = xstrdup(pool);
	if (engine_state_save_profiles(e) < 0) {
		engine_set_error(err, 500, NULL,
		                 xasprintf("cannot write %s/profiles.json: %s", e->state_dir,
		                           strerror(errno)));
		if (p->pool != old.pool)
			free(p->pool);
		*p = old;
		return -1;
	}
	if (p->pool != old.pool)
		free(old.pool);
	return 0;
}

int
engine_cancel(struct engine *e, const char *name, const char *user, bool force, const char *message,
              struct engine_error *err)
{
	struct engine_wf *w = engine_lookup(e, name);
	char *msg;

	if (!w) {
		engine_not_found(err, name);
		return -1;
	}
	if (engine_done(w->rec.status)) {
		if (force)
			return 0;
		engine_set_error(err, 400, "USER",
		                 xasprintf("Workflow %s is already finished.", w->rec.id));
		return -1;
	}
	user = user && *user ? user : "osmo-local";
	free(w->rec.cancelled_by);
	w->rec.cancelled_by = xstrdup(user);
	msg = message && *message ? xasprintf("Task was canceled by user: %s. %s", user, message)
	                          : xasprintf("Task was canceled by user: %s.", user);
	engine_event(w, NULL, 0, "Cancel requested by %s%s", user, force ? " (force)" : "");
	engine_wf_abort(w, OSMO_FAILED_CANCELED, msg, force);
	free(msg);
	engine_schedule(e);
	return 0;
}

/* The parsed spec, parsed on first use: finished workflows need it only to be restarted. */
static const struct spec *
engine_wf_spec(struct engine_wf *w)
{
	struct strv errors = { 0 };
	const char *text = w->rec.spec ? w->rec.spec : "";

	if (w->spec_loaded)
		return &w->spec;
	w->spec_loaded = true;
	if (*text && w->rec.status != OSMO_FAILED_SUBMISSION &&
	    spec_load(text, strlen(text), ENGINE_SPEC_NAME, NULL, NULL, &w->spec, NULL, &errors) <
	            0) {
		spec_free(&w->spec);
		memset(&w->spec, 0, sizeof(w->spec));
	}
	strv_free(&errors);
	return &w->spec;
}

/* The workflow that holds task's output, following restart lineage. */
static const char *
engine_output_owner(const struct engine *e, const struct engine_wf *w, const char *task)
{
	for (int depth = 0; w && depth < 1000; depth++) {
		for (size_t rgi = 0; rgi < w->rec.n_groups; rgi++)
			for (size_t i = 0; i < w->rec.groups[rgi].n_tasks; i++)
				if (strcmp(w->rec.groups[rgi].tasks[i].name, task) == 0)
					return w->rec.id;
		w = w->reuse_from ? engine_lookup(e, w->reuse_from) : NULL;
	}
	return NULL;
}

int
engine_restart(struct engine *e, const char *name, const char *pool, const char *user,
               struct engine_submitted *out, struct engine_error *err)
{
	struct engine_wf *old = engine_lookup(e, name), *w;
	struct engine_submit req = { .user = user };
	struct strv drop = { 0 }, errors = { 0 };
	char *path;

	memset(out, 0, sizeof(*out));
	if (!old) {
		engine_not_found(err, name);
		return -1;
	}
	if (pool && strcmp(pool, e->pool) != 0) {
		engine_set_error(err, 400, "USER", xasprintf("Pool %s does not exist.", pool));
		return -1;
	}
	if (!osmo_status_is_failed(old->rec.status) || old->rec.status == OSMO_FAILED_SUBMISSION ||
	    !engine_wf_spec(old)->ngroups) {
		engine_set_error(
		        err, 400, "SUBMISSION",
		        xasprintf("Restart can only be used on FAILED workflows: %s is %s.",
		                  old->rec.id, osmo_status_wire(old->rec.status)));
		return -1;
	}
	req.priority = old->rec.priority;
	w = engine_wf_new(e, old->rec.name, &req, err);
	if (!w)
		return -1;
	labels_copy(old->rec.labels, old->rec.n_labels, &w->rec.labels, &w->rec.n_labels);
	for (size_t i = 0; i < old->rec.env_vars.n; i++)
		strv_push(&w->rec.env_vars, old->rec.env_vars.v[i]);
	w->rec.spec = xstrdup(old->rec.spec);
	if (old->rec.template_spec)
		w->rec.template_spec = xstrdup(old->rec.template_spec);
	w->spec_loaded = true;
	if (spec_load(w->rec.spec, strlen(w->rec.spec), ENGINE_SPEC_NAME, NULL, NULL, &w->spec,
	              NULL, &errors) < 0) {
		engine_set_error(err, 500, NULL, engine_join(&errors));
		strv_free(&errors);
		engine_wf_free(w);
		return -1;
	}
	for (size_t rgi = 0; rgi < old->rec.n_groups; rgi++)
		if (old->rec.groups[rgi].status == OSMO_COMPLETED)
			strv_push(&drop, old->rec.groups[rgi].name);
	/* Groups a previous restart dropped stay dropped. */
	for (size_t gi = 0; gi < old->spec.ngroups; gi++)
		if (!engine_find_group(old, old->spec.groups[gi].name, NULL))
			strv_push(&drop, old->spec.groups[gi].name);
	w->rec.exec_timeout_s = old->rec.exec_timeout_s;
	w->rec.queue_timeout_s = old->rec.queue_timeout_s;
	w->rec.parent_name = xstrdup(old->rec.name);
	w->rec.parent_job_id = old->rec.job;
	w->reuse_from = xstrdup(old->rec.id);
	engine_wf_build(w, &drop);
	strv_free(&drop);
	path = xasprintf("%s/spec.yaml", w->dir);
	engine_state_write_aside(path, w->rec.spec, strlen(w->rec.spec));
	free(path);
	engine_wf_open_channels(w);
	engine_event(w, NULL, 0, "Restarted from %s by %s: %zu group(s) rerun", old->rec.id,
	             w->rec.user, w->rec.n_groups);
	engine_add(e, w);
	out->name = xstrdup(w->rec.id);
	engine_schedule(e);
	return 0;
}

int
engine_tag(struct engine *e, const char *name, const struct strv *add, const struct strv *remove,
           struct engine_error *err)
{
	struct engine_wf *w = engine_lookup(e, name);

	if (!w) {
		engine_not_found(err, name);
		return -1;
	}
	if ((!add || !add->n) && (!remove || !remove->n)) {
		engine_set_error(err, 400, "USER", xstrdup("Give tags to add or remove."));
		return -1;
	}
	for (size_t i = 0; add && i < add->n; i++)
		if (!strv_contains(&w->rec.tags, add->v[i]))
			strv_push(&w->rec.tags, add->v[i]);
	for (size_t i = 0; remove && i < remove->n; i++) {
		for (size_t k = 0; k < w->rec.tags.n; k++) {
			if (strcmp(w->rec.tags.v[k], remove->v[i]) != 0)
				continue;
			free(w->rec.tags.v[k]);
			memmove(&w->rec.tags.v[k], &w->rec.tags.v[k + 1],
			        (w->rec.tags.n - k - 1) * sizeof(char *));
			w->rec.tags.n--;
			break;
		}
	}
	w->dirty = true;
	engine_schedule(e); /* saves it, and arms the retry should that fail */
	return 0;
}

/* The channel following the live log of w's task at retry, or NULL when it is not live. */
static struct channel *
engine_task_channel(struct engine_wf *w, const struct eng_task *rec)
{
	for (size_t i = 0; i < w->ntasks; i++) {
		struct engine_task *t = &w->tasks[i];

		if (t->log && strcmp(engine_spec_task(t)->name, rec->name) == 0 &&
		    engine_rec(t)->retry_id == rec->retry_id)
			return t->log;
	}
	return NULL;
}

/* The regex that picks task name at retry out of a workflow-wide file. */
static char *
engine_task_regex(const struct eng_task *rec)
{
	return rec->retry_id ? xasprintf("\\[%s retry-%d\\]", rec->name, rec->retry_id)
	                     : xasprintf("\\[%s\\]", rec->name);
}

int
engine_log_source(struct engine *e, const struct engine_log_request *req,
                  struct engine_log_source *out, struct engine_error *err)
{
	struct engine_wf *w = engine_lookup(e, req->workflow);
	const struct eng_task *rec = NULL;
	char *dir;

	*out = (struct engine_log_source){ .loop = e->loop };
	if (!w) {
		engine_set_error(err, 400, "DATABASE",
		                 xasprintf("Workflow %s is not found.", req->workflow));
		return -1;
	}
	if (req->last_n_lines > 0 && req->last_n_lines < ENGINE_MAX_LAST_N)
		out->last_n_lines = req->last_n_lines;
	if (req->task_name) {
		rec = eng_workflow_find_task(&w->rec, req->task_name, req->retry_id);
		if (!rec) {
			engine_set_error(err, 400, "DATABASE",
			                 xasprintf("Task %s of workflow %s is not found.",
			                           req->task_name, w->rec.id));
			err->workflow_id = xstrdup(w->rec.id);
			return -1;
		}
	}
	if (req->kind == ENGINE_ERROR_LOGS) {
		if (!rec) {
			out->text = encode_error_log_index(&w->rec, e->base_url);
			return 0;
		}
		dir = engine_task_dir(w, rec->name, rec->retry_id);
		out->path = xasprintf("%s/error_logs.txt", dir);
		free(dir);
	} else if (req->kind == ENGINE_EVENTS) {
		out->path = xasprintf("%s/events.txt", w->dir);
		out->follow = w->events;
		if (rec)
			out->regex = engine_task_regex(rec);
	} else if (rec) {
		dir = engine_task_dir(w, rec->name, rec->retry_id);
		out->path = xasprintf("%s/log.txt", dir);
		free(dir);
		out->follow = engine_task_channel(w, rec);
		/* A retry that has not started yet is followed through the workflow log. */
		if (!out->follow && !engine_done(rec->status) && rec->status != OSMO_RESCHEDULED &&
		    w->logs && !channel_ended(w->logs)) {
			free(out->path);
			out->path = xasprintf("%s/logs.txt", w->dir);
			out->follow = w->logs;
			out->regex = engine_task_regex(rec);
		}
	} else {
		out->path = xasprintf("%s/logs.txt", w->dir);
		out->follow = w->logs;
	}
	/* As the service: the query filters on top of a task's own filter, never instead. */
	if (req->query)
		out->query = xstrdup(req->query);
	if (out->follow && channel_ended(out->follow))
		out->follow = NULL;
	return 0;
}

void
engine_log_source_free(struct engine_log_source *src)
{
	free(src->text);
	free(src->path);
	free(src->regex);
	free(src->query);
	*src = (struct engine_log_source){ 0 };
}

/* ------------------------------------------------------------------ resuming */

/* A workflow that was alive when the last osmo-local ended: its running tasks are lost. */
static void
engine_resume(struct engine_wf *w)
{
	static const char lost[] = "osmo-local stopped while this task was running; the task "
	                           "was lost and is not resumed.";
	bool usable = engine_wf_spec(w)->ngroups > 0;

	for (size_t rgi = 0; usable && rgi < w->rec.n_groups; rgi++)
		usable = engine_find_group(w, w->rec.groups[rgi].name, NULL) &&
		         spec_find_group(&w->spec, w->rec.groups[rgi].name);
	engine_wf_open_channels(w);
	if (!usable) {
		for (size_t rgi = 0; rgi < w->rec.n_groups; rgi++) {
			struct eng_group *g = &w->rec.groups[rgi];

			if (!engine_done(g->status))
				g->status = OSMO_FAILED_SERVER_ERROR;
		}
		w->forced = OSMO_FAILED_SERVER_ERROR;
		w->group_of = xcalloc(1, sizeof(*w->group_of));
		engine_wf_update(w);
		return;
	}
	engine_wf_wire(w);
	for (size_t i = 0; i < w->ntasks; i++) {
		struct engine_task *t = &w->tasks[i];
		struct eng_task *rec = engine_rec(t);

		if (rec->status == OSMO_RUNNING || rec->status == OSMO_INITIALIZING) {
			char *dir = engine_task_dir(w, rec->name, rec->retry_id);

			task_stop_leftover(dir);
			free(dir);
			rec->has_exit_code = true;
			rec->exit_code = 3002;
			engine_task_status(t, OSMO_FAILED_SERVER_ERROR, lost);
		}
	}
	for (size_t rgi = 0; rgi < w->rec.n_groups; rgi++) {
		if (w->rec.groups[rgi].status == OSMO_INITIALIZING)
			w->rec.groups[rgi].status = OSMO_RUNNING;
		engine_check_group(w, rgi);
	}
	engine_event(w, NULL, 0, "osmo-local restarted; tasks that were running were lost");
	w->dirty = true;
}

struct engine *
engine_new(const struct engine_config *cfg, struct engine_error *err)
{
	struct engine *e = xcalloc(1, sizeof(*e));

	e->loop = cfg->loop;
	e->state_dir = xstrdup(cfg->state_dir);
	e->pool = xstrdup(cfg->pool);
	e->base_url = xstrdup(cfg->base_url);
	e->slots = cfg->slots ? cfg->slots : ENGINE_DEFAULT_SLOTS;
	e->phase_ms = cfg->phase_ms < 0 ? ENGINE_DEFAULT_PHASE : cfg->phase_ms;
	if (engine_state_load(e, err) < 0) {
		engine_free(e);
		return NULL;
	}
	engine_state_load_profiles(e);
	for (size_t i = 0; i < e->n; i++) {
		struct engine_wf *w = e->wfs[i];

		if (engine_done(w->rec.status)) {
			w->group_of = xcalloc(w->rec.n_groups + 1, sizeof(*w->group_of));
			continue;
		}
		engine_resume(w);
	}
	engine_schedule(e);
	return e;
}

char *
engine_health(const struct engine *e, bool detail)
{
	if (!e->unsaved)
		return NULL;
	/* The path and error name the owner's files: for the owner only. */
	return xasprintf("%zu workflow record(s) not saved, retrying%s%s", e->unsaved,
	                 detail ? ": " : "",
	                 !detail         ? ""
	                 : e->save_error ? e->save_error
	                                 : "unknown error");
}

int
engine_task_context(struct engine *e, const char *workflow, const char *task, int retry, char **cwd,
                    struct strv *env)
{
	struct engine_wf *w = engine_lookup(e, workflow);

	for (size_t i = 0; w && i < w->ntasks; i++) {
		struct engine_task *t = &w->tasks[i];
		const struct eng_task *rec;

		if (!t->run || strcmp(engine_spec_task(t)->name, task) != 0)
			continue;
		rec = engine_rec(t);
		if (rec->retry_id != retry || rec->status != OSMO_RUNNING)
			return -1;
		*cwd = xstrdup(task_run_root(t->run));
		task_run_env(t->run, env);
		return 0;
	}
	return -1;
}

void
engine_set_task_ended(struct engine *e,
                      void (*ended)(void *ctx, const char *workflow, const char *task, int retry),
                      void *ctx)
{
	e->task_ended = ended;
	e->task_ended_ctx = ctx;
}

void
engine_child(struct engine *e)
{
	for (size_t i = 0; i < e->n; i++) {
		struct engine_wf *w = e->wfs[i];

		for (size_t k = 0; k < w->ntasks; k++)
			if (w->tasks[k].run)
				task_run_reap(w->tasks[k].run);
	}
}

void
engine_shutdown(struct engine *e)
{
	static const char msg[] = "osmo-local was stopped while this task was running.";

	for (size_t i = 0; i < e->n; i++) {
		struct engine_wf *w = e->wfs[i];

		for (size_t k = 0; k < w->ntasks; k++) {
			struct engine_task *t = &w->tasks[k];
			struct eng_task *rec;

			if (!t->run)
				continue;
			task_run_free(t->run);
			t->run = NULL;
			engine_release_slot(t);
			rec = engine_rec(t);
			rec->has_exit_code = true;
			rec->exit_code = 3002;
			engine_task_status(t, OSMO_FAILED_SERVER_ERROR, msg);
		}
		if (!engine_done(w->rec.status) && w->ntasks) {
			for (size_t rgi = 0; rgi < w->rec.n_groups; rgi++)
				engine_check_group(w, rgi);
			engine_wf_update(w);
		}
		engine_state_save_last(w);
	}
}

void
engine_free(struct engine *e)
{
	if (!e)
		return;
	loop_remove(e->loop, e->timer);
	for (size_t i = 0; i < e->n; i++) {
		engine_state_save_last(e->wfs[i]);
		engine_wf_free(e->wfs[i]);
	}
	free(e->wfs);
	free(e->recs);
	free(e->save_error);
	eng_profiles_free(&e->profiles);
	free(e->state_dir);
	free(e->pool);
	free(e->base_url);
	free(e);
}
