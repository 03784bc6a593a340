/*
 * follow.c: the open workflow's log, followed in the background while it runs, for its tasks'
 * progress, ETA, metric and silences in the task table and its row of the list. One stream,
 * for the workflow opened last while it runs: an idle or finished one costs nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "common/osmo_time.h"
#include "tui/view_logs.h"
#include "tui/view_ops.h"

/* Lines kept: only what a reconnect's replay is matched against. */
#define FOLLOW_RING 256
/* How often the list row's headline is counted again from the tasks' counters. */
#define FOLLOW_HEAD_MS 1000
/* How often the running tasks are looked at for a silence: one is minutes long. */
#define FOLLOW_CHECK_MS 10000

/* A log line's own time ("2026/12/06 09:43:34 ..."), so a backlog read at once keeps its
 * pace; else now. */
static int64_t
follow_line_time(const char *line, int64_t now)
{
	char iso[20];
	int64_t ms;

	if (strlen(line) < 19 || line[4] != '/' || line[7] != '/')
		return now;
	memcpy(iso, line, 19);
	iso[4] = iso[7] = '-';
	iso[19] = '\0';
	return osmo_time_parse(iso, &ms) == 0 ? ms : now;
}

static void
follow_data(void *ctx, const char *bytes, size_t n)
{
	struct app *a = ctx;
	struct follow *f = &a->follow;
	uint64_t before = f->tail.appended;
	uint64_t fresh;
	int64_t now = clock_wall_ms();

	log_tail_feed(&f->tail, bytes, n);
	fresh = f->tail.appended - before;
	if (fresh > f->tail.count)
		fresh = f->tail.count;
	for (size_t i = f->tail.count - (size_t)fresh; f->progress && i < f->tail.count; i++) {
		const char *line = log_tail_line(&f->tail, i), *text;
		char task[LOG_PROGRESS_NAME_SIZE];

		if (view_logs_line_task(line, task, sizeof(task), &text))
			log_progress_feed(f->progress, task, text, strlen(text),
			                  follow_line_time(line, now));
	}
	if (fresh)
		a->dirty = true;
}

static void
follow_done(void *ctx, struct api_result *res)
{
	struct app *a = ctx;
	struct follow *f = &a->follow;
	int64_t now = clock_mono_ms();

	f->req = 0;
	log_tail_finish(&f->tail);
	/* Ended or broken while the workflow runs: picked up again, the replay matched. */
	if (res->err.kind != API_OK)
		sync_failed(&f->sync, app_policy(a), now, (uint32_t)rand());
	else
		sync_succeeded(&f->sync, app_policy(a), now, SYNC_RUNNING, false);
	api_result_free(res);
}

/* Forgets what was followed (another workflow, or none). */
static void
follow_reset(struct app *a)
{
	struct follow *f = &a->follow;

	if (f->req)
		api_abort(a->s->api, f->req);
	log_tail_free(&f->tail);
	log_progress_free(f->progress);
	strv_free(&f->stalled);
	free(f->wf);
	memset(f, 0, sizeof(*f));
}

bool
follow_wanted(struct app *a)
{
	struct follow *f = &a->follow;
	/* Back in the list, the workflow left is still watched: its row shows how it goes. */
	bool running = a->wf.id && a->wf.have && a->wf.data.status == OSMO_RUNNING;

	/* A workflow opened in its place starts afresh; one that ended keeps its last words. */
	if (f->wf && (!a->wf.id || strcmp(f->wf, a->wf.id) != 0))
		follow_reset(a);
	if (!running && f->req) {
		api_abort(a->s->api, f->req);
		f->req = 0;
		f->sync.in_flight = false;
	}
	return running && !f->req;
}

void
follow_connect(struct app *a)
{
	struct follow *f = &a->follow;
	struct api_callbacks cb = { .done = follow_done, .data = follow_data, .ctx = a };
	char *err = NULL;

	if (!f->wf) {
		f->wf = xstrdup(a->wf.id);
		log_tail_init(&f->tail, FOLLOW_RING);
		f->progress = log_progress_new(app_metric(a), &err);
		free(err);
	} else {
		log_tail_reconnect(&f->tail);
	}
	sync_begin(&f->sync, clock_mono_ms());
	/* The last lines give progress a start; a reconnect asks what the ring can match. */
	f->req = api_stream(a->s->api,
	                    &(struct api_stream_opts){ .what = API_STREAM_LOGS,
	                                               .workflow_id = a->wf.id,
	                                               .retry_id = -1,
	                                               .last_n_lines = FOLLOW_RING / 2 },
	                    cb);
}

/* Whether the running task (of group g) is silent as log_progress_stall counts it; words. */
static bool
follow_silent(const struct follow *f, const struct osmo_group *g, const struct osmo_task *t,
              int64_t now, char *words, size_t size)
{
	const char *peers[64];
	size_t n = view_running_peers(g, t->name, peers, ARRAY_SIZE(peers));

	return log_progress_stall(f->progress, t->name, peers, n, now, words, size);
}

void
follow_check(struct app *a)
{
	struct follow *f = &a->follow;
	const struct osmo_workflow *wf = &a->wf.data;
	int64_t now = clock_mono_ms(), wall = clock_wall_ms();
	struct changes ch = { 0 };
	struct strv words = { 0 };
	char w[96];

	if (!follow_live(a) || now - f->checked_ms < FOLLOW_CHECK_MS)
		return;
	f->checked_ms = now;
	for (size_t g = 0; g < wf->n_groups; g++)
		for (size_t i = 0; i < wf->groups[g].n_tasks; i++) {
			const struct osmo_task *t = &wf->groups[g].tasks[i];
			bool silent = t->status == OSMO_RUNNING &&
			              follow_silent(f, &wf->groups[g], t, wall, w, sizeof(w));
			bool told = strv_contains(&f->stalled, t->name);

			/* Told once per silence: a task that logs again may be told again. */
			if (!silent && told)
				strv_remove(&f->stalled, t->name);
			if (!silent || told)
				continue;
			strv_push(&f->stalled, t->name);
			/* words keeps the text for the event until it is told (strv_push copies it). */
			strv_push(&words, w);
			changes_add(&ch, &(struct changes_event){ .message = words.v[words.n - 1],
			                                          .kind = CHANGES_TASK,
			                                          .workflow = wf->name,
			                                          .group = wf->groups[g].name,
			                                          .task = t->name,
			                                          .retry = t->retry_id,
			                                          .seen = true,
			                                          .from = t->status,
			                                          .to = t->status,
			                                          .stall = true });
		}
	if (ch.n)
		app_changes(a, &ch, true);
	changes_clear(&ch);
	strv_free(&words);
}

/* The headline from every running task's counter: the latest ETA, else the least done. */
static void
follow_head(const struct app *a, struct view_headline *h)
{
	const struct log_progress *lp = a->follow.progress;
	const struct osmo_workflow *wf = &a->wf.data;

	*h = (struct view_headline){ .fraction = -1, .eta_ms = -1 };
	for (size_t g = 0; g < wf->n_groups; g++)
		for (size_t i = 0; i < wf->groups[g].n_tasks; i++) {
			const struct osmo_task *t = &wf->groups[g].tasks[i];
			const struct log_progress_task *p;

			if (t->status != OSMO_RUNNING || !(p = log_progress_task(lp, t->name)) ||
			    p->kind == LOG_PROGRESS_NONE)
				continue;
			if (h->fraction < 0 || p->eta_ms > h->eta_ms ||
			    (h->eta_ms < 0 && p->fraction < h->fraction)) {
				h->fraction = p->fraction;
				h->eta_ms = p->eta_ms;
			}
		}
}

bool
follow_headline(struct app *a, struct view_headline *h)
{
	struct follow *f = &a->follow;
	int64_t now = clock_mono_ms();

	if (!follow_progress(a) || !follow_live(a)) {
		*h = (struct view_headline){ .workflow = a->wf.id, .fraction = -1, .eta_ms = -1 };
		return false;
	}
	/* Each running task's counter is looked up by name: once a second is enough for a row
	 * that a busy log would otherwise recount at every frame. */
	if (!f->head_ms || now - f->head_ms >= FOLLOW_HEAD_MS) {
		follow_head(a, &f->head);
		f->head_ms = now;
	}
	*h = f->head;
	h->workflow = a->wf.id;
	h->silent = f->stalled.n;
	return h->fraction >= 0 || h->silent;
}

bool
follow_live(const struct app *a)
{
	return a->follow.req && follow_progress(a);
}

const struct log_progress *
follow_progress(const struct app *a)
{
	const struct follow *f = &a->follow;

	return f->wf && a->wf.id && strcmp(f->wf, a->wf.id) == 0 ? f->progress : NULL;
}

void
follow_free(struct app *a)
{
	follow_reset(a);
}
