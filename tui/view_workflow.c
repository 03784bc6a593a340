/* view_workflow.c: one workflow: header with times and lineage, then groups and their tasks. */
#include "tui/view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/log_progress.h"
#include "tui/format.h"
#include "tui/marks.h"
#include "common/osmo_time.h"
#include "tui/text.h"
#include "tui/theme.h"

enum { TC_NAME, TC_ST, TC_STATUS, TC_RETRY, TC_EXIT, TC_DURATION, TC_NODE, TC_FAILURE, TC_COUNT };

/* Width 0: computed (name) or the rest (failure). */
static const struct canvas_col view_workflow_cols[TC_COUNT] = {
	[TC_NAME] = { "GROUP / TASK", 0, 0 }, [TC_ST] = { "", 2, 0 },
	[TC_STATUS] = { "STATUS", 20, 0 },    [TC_RETRY] = { "RETRY", 5, 0 },
	[TC_EXIT] = { "EXIT", 22, 0 },        [TC_DURATION] = { "DURATION", 9, 0 },
	[TC_NODE] = { "NODE", 16, 0 },        [TC_FAILURE] = { "FAILURE", 0, 0 },
};

size_t *
view_group_order(const struct osmo_workflow *wf)
{
	size_t n = wf->n_groups;
	size_t *order = xcalloc(n ? n : 1, sizeof(*order));
	size_t *indeg = xcalloc(n ? n : 1, sizeof(*indeg));
	bool *done = xcalloc(n ? n : 1, sizeof(*done));
	size_t placed = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < wf->groups[i].n_downstream; j++)
			indeg[wf->groups[i].downstream[j]]++;
	/* Kahn's order, taking the smallest name among ready groups so output is stable. */
	while (placed < n) {
		size_t best = n;

		for (size_t i = 0; i < n; i++) {
			if (done[i] || indeg[i])
				continue;
			if (best == n || util_natcmp(wf->groups[i].name, wf->groups[best].name) < 0)
				best = i;
		}
		/* A cycle: take the smallest remaining name so every group still shows. */
		for (size_t i = 0; best == n && i < n; i++)
			if (!done[i] && (best == n || util_natcmp(wf->groups[i].name,
			                                          wf->groups[best].name) < 0))
				best = i;
		done[best] = true;
		order[placed++] = best;
		for (size_t j = 0; j < wf->groups[best].n_downstream; j++)
			if (indeg[wf->groups[best].downstream[j]])
				indeg[wf->groups[best].downstream[j]]--;
	}
	free(indeg);
	free(done);
	return order;
}

static int
view_workflow_kv(struct canvas *c, int row, int col, const char *key, const char *value,
                 enum style vstyle)
{
	if (col >= c->cols)
		return col;
	col += canvas_text(c, row, col, c->cols - col, STYLE_LABEL, key);
	col += canvas_text(c, row, col, c->cols - col, STYLE_NORMAL, " ");
	col += canvas_text_ellipsis(c, row, col, c->cols - col, vstyle, value ? value : "-");
	return col + 3;
}

double
view_since_s(const struct render_ctx *rc, int64_t fetched_ms)
{
	return fetched_ms > 0 && rc->now_ms > fetched_ms
	               ? (double)(rc->now_ms - fetched_ms) / 1000.0
	               : 0;
}

/* " · as of HH:MM:SS" when the data is old, so frozen timers do not pass for live ones. */
static int
view_workflow_as_of(const struct render_ctx *rc, struct canvas *c, int row, int col)
{
	char t[FORMAT_BUF], *s;

	if (!rc->stale || col >= c->cols)
		return col;
	format_time_short(rc->now_ms, t);
	s = xasprintf(" · as of %s", t);
	col += canvas_text(c, row, col, c->cols - col, STYLE_WARN, s);
	free(s);
	return col;
}

/* A group in the queue for no upstream (OSMO's PENDING workflows hold WAITING groups with none
 * left), or no group made yet: what the pool's numbers explain. */
static bool
view_workflow_queued(const struct osmo_workflow *wf)
{
	for (size_t i = 0; i < wf->n_groups; i++)
		if (osmo_status_phase(wf->groups[i].status) == PHASE_QUEUED &&
		    !wf->groups[i].remaining_upstream_names.n)
			return true;
	return !wf->n_groups;
}

/* "pool P has F of L task slots free · N workflows queued ahead · g waits for u": OSMO's
 * quota counts GPUs, osmo-local's its task slots; NULL when nothing is known. */
static char *
view_workflow_wait_reason(const struct render_ctx *rc, const struct osmo_workflow *wf)
{
	const struct view_wait *w = rc->wait;
	struct strbuf sb = { 0 };
	bool queued = view_workflow_queued(wf);

	if (wf->status != OSMO_PENDING && wf->status != OSMO_WAITING)
		return NULL;
	if (w && w->pool && queued) {
		const struct osmo_pool_usage *p = w->pool;
		bool local = p->backend && strcmp(p->backend, "osmo-local") == 0;

		strbuf_addf(&sb, "pool %s has %s of %s %s free", p->name, p->usage.quota_free,
		            p->usage.quota_limit, local ? "task slots" : "GPUs (quota)");
	}
	if (w && w->ahead >= 0 && queued)
		strbuf_addf(&sb, "%s%ld%s workflow%s queued ahead", sb.len ? " · " : "", w->ahead,
		            w->ahead_more ? "+" : "", w->ahead == 1 && !w->ahead_more ? "" : "s");
	for (size_t i = 0; i < wf->n_groups; i++) {
		const struct osmo_group *g = &wf->groups[i];

		if (g->status != OSMO_WAITING || !g->remaining_upstream_names.n)
			continue;
		strbuf_addf(&sb, "%s%s waits for ", sb.len ? " · " : "", g->name);
		for (size_t j = 0; j < g->remaining_upstream_names.n; j++)
			strbuf_addf(&sb, "%s%s", j ? ", " : "", g->remaining_upstream_names.v[j]);
	}
	return strbuf_detach(&sb);
}

static int
view_workflow_header(const struct render_ctx *rc, const struct osmo_workflow *wf, struct canvas *c)
{
	char label[64];
	char buf[512], a[FORMAT_BUF], b[FORMAT_BUF];
	enum style st = theme_status_style(wf->status);
	int row = 0, col;

	canvas_fill(c, row, 0, c->cols, ' ', STYLE_TITLE);
	col = canvas_text(c, row, 0, c->cols, STYLE_TITLE, "osmotop · ");
	col += canvas_text_ellipsis(c, row, col, c->cols - col, STYLE_TITLE, wf->name);
	col += canvas_text(c, row, col, c->cols - col, STYLE_TITLE, " · ");
	snprintf(buf, sizeof(buf), "%s %s", theme_status_glyph(wf->status, rc->ascii),
	         osmo_status_wire(wf->status));
	col += canvas_text(c, row, col, c->cols - col, st, buf);
	col = view_workflow_as_of(rc, c, row, col);
	/* A '/' filter hides rows: the title says so, whatever the status bar says meanwhile. */
	if (rc->note && *rc->note && col < c->cols) {
		col += canvas_text(c, row, col, c->cols - col, STYLE_TITLE, " · ");
		col += canvas_text(c, row, col, c->cols - col, STYLE_WARN, rc->note);
	}
	if (rc->server) {
		col += canvas_text(c, row, col, c->cols - col, STYLE_TITLE, " · ");
		canvas_text_ellipsis(c, row, col, c->cols - col, STYLE_TITLE, rc->server);
	}
	row++;

	col = view_workflow_kv(c, row, 1, "user", wf->submitted_by, STYLE_NORMAL);
	if (wf->backend)
		snprintf(buf, sizeof(buf), "%s (backend %s)", wf->pool ? wf->pool : "-",
		         wf->backend);
	else
		snprintf(buf, sizeof(buf), "%s", wf->pool ? wf->pool : "-");
	col = view_workflow_kv(c, row, col, "pool", buf, STYLE_NORMAL);
	col = view_workflow_kv(c, row, col, "priority", wf->priority, STYLE_NORMAL);
	if (wf->cancelled_by)
		view_workflow_kv(c, row, col, "cancelled by", wf->cancelled_by, STYLE_WARN);
	row++;

	format_time(wf->submit_ms, a);
	col = view_workflow_kv(c, row, 1, "submitted", a, STYLE_NORMAL);
	format_time(wf->start_ms, a);
	col = view_workflow_kv(c, row, col, "started", a, STYLE_NORMAL);
	format_time(wf->end_ms, a);
	col = view_workflow_kv(c, row, col, "ended", a, STYLE_NORMAL);
	canvas_text(c, row, col, c->cols - col, STYLE_DIM, "(UTC)");
	row++;

	/* The service's numbers are as of the answer; a live workflow's move on from there. */
	double since = osmo_status_is_alive(wf->status) ? view_since_s(rc, wf->fetched_ms) : 0;
	double queued = wf->queued_s >= 0 && !wf->start_ms ? wf->queued_s + since : wf->queued_s;
	double running = wf->duration_s >= 0 ? wf->duration_s + since : wf->duration_s;

	format_duration(queued, a);
	col = view_workflow_kv(c, row, 1, "queued", a, STYLE_NORMAL);
	format_duration(running, a);
	col = view_workflow_kv(c, row, col, "running", a, STYLE_NORMAL);
	if (wf->exec_timeout_s >= 0) {
		format_duration(wf->exec_timeout_s, a);
		if (osmo_status_is_alive(wf->status) && running >= 0) {
			format_duration(wf->exec_timeout_s - running, b);
			snprintf(buf, sizeof(buf), "%s (%s left)", a, b);
		} else {
			snprintf(buf, sizeof(buf), "%s", a);
		}
		col = view_workflow_kv(c, row, col, "exec timeout", buf, STYLE_NORMAL);
	}
	if (wf->queue_timeout_s >= 0) {
		format_duration(wf->queue_timeout_s, a);
		if (osmo_status_is_alive(wf->status) && !wf->start_ms && queued >= 0) {
			format_duration(wf->queue_timeout_s - queued, b);
			snprintf(buf, sizeof(buf), "%s (%s left)", a, b);
		} else {
			snprintf(buf, sizeof(buf), "%s", a);
		}
		view_workflow_kv(c, row, col, "queue timeout", buf, STYLE_NORMAL);
	}
	row++;

	if (wf->parent_name) {
		if (wf->has_parent_job_id)
			snprintf(buf, sizeof(buf), "%s-%d → %s", wf->parent_name, wf->parent_job_id,
			         wf->name);
		else
			snprintf(buf, sizeof(buf), "%s → %s", wf->parent_name, wf->name);
		/* OSMO sets the parent for a restart and a resubmit alike. */
		snprintf(label, sizeof(label), "%s from",
		         rc->made ? rc->made : "restart or resubmit");
		view_workflow_kv(c, row++, 1, label, buf, STYLE_NORMAL);
	}
	char *why = view_workflow_wait_reason(rc, wf);

	if (why && *why)
		view_workflow_kv(c, row++, 1, "waiting", why, STYLE_WARN);
	free(why);
	for (size_t i = 0; i < wf->warnings.n && row < c->rows; i++)
		view_workflow_kv(c, row++, 1, "warning", wf->warnings.v[i], STYLE_WARN);
	if (wf->n_dangling_edges) {
		snprintf(buf, sizeof(buf), "%zu downstream group name(s) match no group",
		         wf->n_dangling_edges);
		view_workflow_kv(c, row++, 1, "warning", buf, STYLE_WARN);
	}
	return row;
}

static void
view_workflow_widths(const struct osmo_workflow *wf, int cols, int *w)
{
	int name = (int)strlen(view_workflow_cols[TC_NAME].title), fixed = 0;

	/* A name is never wider than its bytes: only one that could be wider is measured, so a
	 * frame of 10,000 tasks measures a few. */
	for (size_t i = 0; i < wf->n_groups; i++) {
		const struct osmo_group *g = &wf->groups[i];
		int gw = (int)strlen(g->name) + 2 > name ? (int)text_width(g->name) + 2 : 0;

		if (gw > name)
			name = gw;
		for (size_t j = 0; j < g->n_tasks; j++) {
			const char *t = g->tasks[j].name;
			int tw = (int)strlen(t) + 4 > name ? (int)text_width(t) + 4 : 0;

			if (tw > name)
				name = tw;
		}
	}
	if (name > 40)
		name = 40;
	for (int i = 0; i < TC_COUNT; i++)
		w[i] = view_workflow_cols[i].width;
	w[TC_NAME] = name;
	for (int i = 0; i < TC_FAILURE; i++)
		fixed += w[i] + 1;
	w[TC_FAILURE] = cols - fixed;
	/* Narrow terminals give up the node column, then narrow exit and status, then failure. */
	if (w[TC_FAILURE] < 24) {
		w[TC_FAILURE] += w[TC_NODE] + 1;
		w[TC_NODE] = -1;
	}
	if (w[TC_FAILURE] < 24) {
		w[TC_FAILURE] += w[TC_EXIT] - 14 + w[TC_STATUS] - 16;
		w[TC_EXIT] = 14;
		w[TC_STATUS] = 16;
	}
	/* Then the status's name (its glyph stays), the retry and the exit: names keep their
	 * width, and what is left shows the failure. */
	static const int drop[] = { TC_STATUS, TC_RETRY, TC_EXIT };

	for (size_t i = 0; i < ARRAY_SIZE(drop) && w[TC_FAILURE] < 12; i++) {
		w[TC_FAILURE] += w[drop[i]] + 1;
		w[drop[i]] = -1;
	}
	if (w[TC_FAILURE] < 4)
		w[TC_FAILURE] = -1;
}

static bool
view_workflow_root_named(const struct render_ctx *rc, enum osmo_status status)
{
	return status == OSMO_FAILED_UPSTREAM && rc->root && rc->root->group;
}

/* "upstream: train/trainer failed (exit 1)": what a FAILED_UPSTREAM row follows from, the
 * root cause rather than the parent the service names; NULL when unknown. */
static char *
view_workflow_upstream(const struct render_ctx *rc, enum osmo_status status)
{
	const struct triage_root *r = rc->root;

	if (status != OSMO_FAILED_UPSTREAM || !r || !r->group)
		return NULL;
	if (!r->task)
		return xasprintf("upstream: %s %s", r->group->name,
		                 osmo_status_wire(r->group->status));
	/* The program's own exit says most; OSMO's codes (256 and up) say what its status says. */
	if (r->task->has_exit_code && r->task->exit_code > 0 && r->task->exit_code < 256)
		return xasprintf("upstream: %s/%s failed (exit %d)", r->group->name, r->task->name,
		                 r->task->exit_code);
	return xasprintf("upstream: %s/%s %s", r->group->name, r->task->name,
	                 osmo_status_wire(r->task->status));
}

static void
view_workflow_group_row(const struct render_ctx *rc, const struct osmo_workflow *wf,
                        const struct osmo_group *g, const int *w, struct canvas *c, int row)
{
	enum style st = theme_status_style(g->status);
	char dur[FORMAT_BUF], info[512];
	size_t counts[4] = { 0 }, latest = 0;
	static const char *const count_names[4] = { "run", "done", "fail", "wait" };
	int col = 0;
	char *key;

	for (size_t i = 0; i < g->n_tasks; i++) {
		const struct osmo_task *t = &g->tasks[i];

		/* Count each task once, by its newest retry (rows come name ASC, retry DESC). */
		if (i > 0 && strcmp(t->name, g->tasks[i - 1].name) == 0)
			continue;
		latest++;
		if (osmo_status_is_failed(t->status))
			counts[2]++;
		else if (osmo_status_is_finished(t->status))
			counts[1]++;
		else if (t->status == OSMO_RUNNING)
			counts[0]++;
		else
			counts[3]++;
	}
	format_duration(osmo_time_span_s(g->start_ms, g->end_ms, rc->now_ms), dur);
	col = canvas_column(c, row, col, w[TC_NAME], STYLE_HEADER, g->name);
	key = rc->marks && rc->marks->names.n ? marks_key(wf->name, g->name, NULL) : NULL;
	view_mark(rc, c, row, col, key);
	free(key);
	col = canvas_column(c, row, col, w[TC_ST], st, theme_status_glyph(g->status, rc->ascii));
	col = canvas_column(c, row, col, w[TC_STATUS], st, osmo_status_wire(g->status));
	col = canvas_column(c, row, col, w[TC_RETRY], STYLE_NORMAL, "");
	info[0] = '\0';
	for (size_t i = 0, n = 0; i < ARRAY_SIZE(counts); i++)
		if (counts[i])
			n += (size_t)snprintf(info + n, sizeof(info) - n, "%zu %s ", counts[i],
			                      count_names[i]);
	snprintf(info + strlen(info), sizeof(info) - strlen(info), "of %zu", latest);
	col = canvas_column(c, row, col, w[TC_EXIT], STYLE_DIM, info);
	col = canvas_column(c, row, col, w[TC_DURATION], STYLE_NORMAL, dur);
	col = canvas_column(c, row, col, w[TC_NODE], STYLE_NORMAL, "");
	if (osmo_group_running_with_failures(g)) {
		canvas_column(c, row, col, w[TC_FAILURE], STYLE_WARN,
		              "running with failures (status follows the lead)");
	} else if (g->failure_message || view_workflow_root_named(rc, g->status)) {
		char *up = view_workflow_upstream(rc, g->status);
		char *msg = up ? up : format_oneline(g->failure_message);

		canvas_column(c, row, col, w[TC_FAILURE],
		              up ? theme_status_style(OSMO_FAILED_UPSTREAM) : STYLE_ERROR, msg);
		free(msg);
	} else if (g->remaining_upstream_names.n && !osmo_status_is_finished(g->status)) {
		struct strbuf sb = { 0 };

		strbuf_addstr(&sb, "waits for ");
		for (size_t i = 0; i < g->remaining_upstream_names.n; i++)
			strbuf_addf(&sb, "%s%s", i ? ", " : "", g->remaining_upstream_names.v[i]);
		canvas_column(c, row, col, w[TC_FAILURE], STYLE_DIM, sb.buf);
		strbuf_free(&sb);
	}
}

size_t
view_running_peers(const struct osmo_group *g, const char *task, const char **peers, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < g->n_tasks && n < max; i++)
		if (g->tasks[i].status == OSMO_RUNNING && strcmp(g->tasks[i].name, task) != 0)
			peers[n++] = g->tasks[i].name;
	return n;
}

/*
 * A running task's progress from its log, in width cells at row/col: "▕███▌  ▏ 45% step
 * 450/1000 · ETA 12m · loss ▇▅▃▂", or what its silence says against its group's other running
 * tasks ("⚠ silent 14m, peers 20s").
 */
static void
view_workflow_progress(const struct render_ctx *rc, const struct osmo_group *g,
                       const struct osmo_task *t, struct canvas *c, int row, int col, int width)
{
	const struct log_progress_task *p = log_progress_task(rc->progress, t->name);
	const char *peers[64];
	size_t n = 0;
	char words[96], eta[FORMAT_BUF], spark[128];
	double two[2];
	struct strbuf sb = { 0 };

	if (!p)
		return;
	n = view_running_peers(g, t->name, peers, ARRAY_SIZE(peers));
	if (rc->progress_live &&
	    log_progress_stall(rc->progress, t->name, peers, n, rc->now_ms, words, sizeof(words))) {
		strbuf_addf(&sb, "%s %s", rc->ascii ? "!" : "⚠", words);
		canvas_text_ellipsis(c, row, col, width, STYLE_WARN, sb.buf);
		strbuf_free(&sb);
		return;
	}
	if (p->kind != LOG_PROGRESS_NONE) {
		const struct log_progress_reading *r = &p->readings[p->kind];
		char bar[64];

		format_bar(p->fraction, 8, rc->ascii, bar, sizeof(bar));
		strbuf_addf(&sb, "%s %d%%", bar, (int)(p->fraction * 100));
		/* The ETA before the counter: a narrow cell keeps what it is read for. */
		if (p->eta_ms >= 0 && p->fraction < 1) {
			format_duration((double)(p->eta_ms - rc->now_ms) / 1000.0, eta);
			strbuf_addf(&sb, " · ETA %s", p->eta_ms > rc->now_ms ? eta : "now");
		}
		if (p->kind != LOG_PROGRESS_PERCENT && p->kind != LOG_PROGRESS_BAR)
			strbuf_addf(&sb, " · %s %.0f/%.0f", log_progress_kind_name(p->kind),
			            r->done, r->total);
	}
	/* The metric's trend, then its last value; one value is no trend yet. */
	if (log_progress_values(p, two, 2) == 2 &&
	    log_progress_sparkline(p, rc->ascii, 12, spark, sizeof(spark)))
		strbuf_addf(&sb, "%s%s %.4g", sb.len ? " · " : "", spark, two[1]);
	if (sb.len)
		canvas_text_ellipsis(c, row, col, width, STYLE_LABEL, sb.buf);
	strbuf_free(&sb);
}

static void
view_workflow_task_row(const struct render_ctx *rc, const char *key, const struct osmo_group *g,
                       const struct osmo_task *t, bool older_retry, const int *w, struct canvas *c,
                       int row)
{
	enum style st = theme_status_style(t->status);
	enum style base = older_retry ? STYLE_DIM : STYLE_NORMAL;
	char name[256], retry[16], exitbuf[64], dur[FORMAT_BUF];
	int col = 0;

	snprintf(name, sizeof(name), "  %s %s", t->lead ? theme_lead_mark(rc->ascii) : " ",
	         t->name);
	snprintf(retry, sizeof(retry), "%d", t->retry_id);
	if (t->has_exit_code)
		snprintf(exitbuf, sizeof(exitbuf), "%d %s", t->exit_code,
		         format_task_exit(t->exit_code, t->status));
	else
		snprintf(exitbuf, sizeof(exitbuf), "-");
	format_duration(osmo_time_span_s(t->start_ms, t->end_ms, rc->now_ms), dur);
	col = canvas_column(c, row, col, w[TC_NAME], base, name);
	if (t->lead)
		canvas_style(c, row, 2, 1, STYLE_LEAD);
	view_mark(rc, c, row, col, key);
	col = canvas_column(c, row, col, w[TC_ST], st, theme_status_glyph(t->status, rc->ascii));
	col = canvas_column(c, row, col, w[TC_STATUS], older_retry ? base : st,
	                    osmo_status_wire(t->status));
	col = canvas_column(c, row, col, w[TC_RETRY], base, retry);
	col = canvas_column(c, row, col, w[TC_EXIT],
	                    t->has_exit_code && t->exit_code ? STYLE_ERROR : base, exitbuf);
	col = canvas_column(c, row, col, w[TC_DURATION], base, dur);
	col = canvas_column(c, row, col, w[TC_NODE], base, t->node_name ? t->node_name : "-");
	if (t->failure_message || view_workflow_root_named(rc, t->status)) {
		char *up = view_workflow_upstream(rc, t->status);
		char *msg = up ? up : format_oneline(t->failure_message);

		canvas_column(c, row, col, w[TC_FAILURE],
		              up                                 ? theme_status_style(t->status)
		              : osmo_status_is_failed(t->status) ? STYLE_ERROR
		                                                 : STYLE_DIM,
		              msg);
		free(msg);
	} else if (t->status == OSMO_RUNNING && rc->progress) {
		view_workflow_progress(rc, g, t, c, row, col, w[TC_FAILURE]);
	}
}

/* The column titles at row, then rows[first..] of one group (group >= 0) or all, up to end. */
static void
view_workflow_table(const struct render_ctx *rc, const struct osmo_workflow *wf, long group,
                    struct canvas *c, int row, int end)
{
	int w[TC_COUNT];
	size_t n, first = rc->top > 0 ? (size_t)rc->top : 0;
	const struct view_row *rows;
	struct view_row *own = NULL;

	if (row >= end)
		return;
	view_workflow_widths(wf, c->cols, w);
	canvas_header(c, row++, view_workflow_cols, TC_COUNT, w);
	if (wf->n_groups == 0)
		canvas_text(c, row, 1, c->cols - 1, STYLE_DIM, "No groups yet.");
	if (rc->rows) {
		n = rc->n_rows;
		rows = rc->rows;
	} else {
		rows = own = view_workflow_rows(wf, &n);
	}
	if (wf->n_groups && !n)
		canvas_text(c, row, 1, c->cols - 1, STYLE_DIM,
		            "No group or task matches the filter.");
	if (group >= 0) {
		/* Scroll within the group only as far as the selection needs. */
		size_t start = 0, count = 0;

		while (start < n && (long)rows[start].group != group)
			start++;
		while (start + count < n && (long)rows[start + count].group == group)
			count++;
		first = start;
		if (rc->selected >= (int)start && rc->selected < (int)(start + count) &&
		    rc->selected - (int)start >= end - row)
			first = (size_t)rc->selected - (size_t)(end - row) + 1;
		n = start + count;
	}
	for (size_t i = first; i < n && row < end; i++, row++) {
		const struct osmo_group *g = &wf->groups[rows[i].group];
		int j = rows[i].task;

		/* Built only while something is marked: most frames have no mark. */
		char *key = rc->marks && rc->marks->names.n
		                    ? marks_key(wf->name, g->name, j < 0 ? NULL : g->tasks[j].name)
		                    : NULL;

		if (j < 0)
			view_workflow_group_row(rc, wf, g, w, c, row);
		else
			view_workflow_task_row(
			        rc, key, g, &g->tasks[j],
			        j > 0 && strcmp(g->tasks[j].name, g->tasks[j - 1].name) == 0, w, c,
			        row);
		free(key);
		if (rc->select && (int)i == rc->selected)
			canvas_style(c, row, 0, c->cols, STYLE_SELECTED);
	}
	free(own);
}

void
view_workflow_render(const struct render_ctx *rc, const struct osmo_workflow *wf, struct canvas *c)
{
	view_workflow_table(rc, wf, -1, c, view_workflow_header(rc, wf, c) + 1, c->rows);
}

void
view_workflow_group_tasks(const struct render_ctx *rc, const struct osmo_workflow *wf, size_t group,
                          struct canvas *c, int row, int rows)
{
	for (int r = row; r < row + rows && r < c->rows; r++)
		canvas_fill(c, r, 0, c->cols, ' ', STYLE_NORMAL);
	view_workflow_table(rc, wf, (long)group, c, row,
	                    row + rows < c->rows ? row + rows : c->rows);
}

/* Whether task a of g goes before task b: the lead's, then natural name order. */
static bool
view_task_before(const struct osmo_group *g, int a, int b)
{
	const struct osmo_task *ta = &g->tasks[a], *tb = &g->tasks[b];
	int c;

	if (strcmp(ta->name, tb->name) == 0)
		return false; /* retries keep their order */
	if (ta->lead != tb->lead) {
		/* Any retry of the lead counts: its newest is the one marked. */
		return ta->lead;
	}
	c = util_natcmp(ta->name, tb->name);
	return c < 0;
}

/* A merge sort of g's task rows by view_task_before: stable, and n log n for 10,000 tasks. */
static void
view_workflow_sort(const struct osmo_group *g, struct view_row *rows, size_t n)
{
	struct view_row *tmp;
	size_t i = 1;

	/* Names the service sorts as people count (zero-padded, or no numbers) need no sort. */
	while (i < n && !view_task_before(g, rows[i].task, rows[i - 1].task))
		i++;
	if (i >= n)
		return;
	tmp = xcalloc(n, sizeof(*tmp));
	for (size_t width = 1; width < n; width *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n;
			size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t a = lo, b = mid, o = lo;

			/* The right run's row goes first only when strictly before: stable. */
			while (a < mid || b < hi)
				tmp[o++] = b < hi && (a == mid || view_task_before(g, rows[b].task,
				                                                   rows[a].task))
				                   ? rows[b++]
				                   : rows[a++];
		}
		memcpy(rows, tmp, n * sizeof(*rows));
	}
	free(tmp);
}

struct view_row *
view_workflow_rows(const struct osmo_workflow *wf, size_t *n)
{
	size_t total = wf->n_groups, k = 0;
	size_t *order = view_group_order(wf);
	struct view_row *rows;

	for (size_t i = 0; i < wf->n_groups; i++)
		total += wf->groups[i].n_tasks;
	rows = xcalloc(total + 1, sizeof(*rows));
	for (size_t i = 0; i < wf->n_groups; i++) {
		const struct osmo_group *g = &wf->groups[order[i]];
		size_t first = k + 1;

		rows[k++] = (struct view_row){ order[i], -1 };
		for (size_t j = 0; j < g->n_tasks; j++)
			rows[k++] = (struct view_row){ order[i], (int)j };
		/* The lead first, then by name as people count (worker-2 before worker-10); a
		 * stable sort keeps a task's retries together, newest first, as they came. */
		view_workflow_sort(g, rows + first, k - first);
	}
	free(order);
	*n = k;
	return rows;
}

int
view_workflow_table_row(const struct render_ctx *rc, const struct osmo_workflow *wf,
                        const struct canvas *c)
{
	struct canvas scratch;
	int row;

	/* The header's height depends on the workflow; measure it on a scratch canvas. */
	canvas_init(&scratch, c->rows, c->cols);
	row = view_workflow_header(rc, wf, &scratch) + 2;
	canvas_free(&scratch);
	return row;
}
