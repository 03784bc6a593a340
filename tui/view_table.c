/* view_table.c: the monitor's workflow view: the open workflow's polling, its task table, selection by name and keys. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client/decode.h"
#include "client/spec_rules.h"
#include "common/osmo_time.h"
#include "tui/cache.h"
#include "tui/screen.h"
#include "tui/shell.h"
#include "tui/text.h"
#include "tui/view_ops.h"

/* Remembers the selected row by name, so an update finds it wherever it went. */
static void
view_table_remember(struct view_table *t)
{
	free(t->sel_group);
	free(t->sel_task);
	t->sel_group = t->sel_task = NULL;
	if ((size_t)t->sel < t->n_rows) {
		const struct osmo_group *g = &t->data.groups[t->rows[t->sel].group];
		int task = t->rows[t->sel].task;

		t->sel_group = xstrdup(g->name);
		t->sel_task = task >= 0 ? xstrdup(g->tasks[task].name) : NULL;
		t->sel_retry = task >= 0 ? g->tasks[task].retry_id : 0;
	}
}

/* Whether one '/' term (a name part, or status:PREFIX[,PREFIX]) holds for a name and status. */
static bool
view_table_term(const char *term, size_t len, const char *name, const char *group,
                enum osmo_status st)
{
	if (len > 7 && strncasecmp(term, "status:", 7) == 0) {
		const char *wire = osmo_status_wire(st);

		for (const char *w = term + 7; w < term + len;) {
			size_t wl = strcspn(w, ",");

			if (wl > (size_t)(term + len - w))
				wl = (size_t)(term + len - w);
			if (wl && strncasecmp(wire, w, wl) == 0)
				return true;
			w += wl + 1;
		}
		return false;
	}
	return text_has_nocase(name, term, len) || text_has_nocase(group, term, len);
}

/* Every term holds: a task matches by its name or its group's, a group row by its own. */
static bool
view_table_matches(const char *terms, const char *name, const char *group, enum osmo_status st)
{
	for (const char *p = terms; *p;) {
		size_t len;

		p += strspn(p, " ");
		len = strcspn(p, " ");
		if (len && !view_table_term(p, len, name, group, st))
			return false;
		p += len;
	}
	return true;
}

/* The rows the '/' terms leave: matching tasks, and a group with its matching tasks. */
static void
view_table_filter(struct view_table *t)
{
	size_t k = 0;

	for (size_t i = 0; i < t->n_rows;) {
		const struct osmo_group *g = &t->data.groups[t->rows[i].group];
		size_t kept = k;
		bool group_ok = view_table_matches(t->terms, g->name, NULL, g->status);

		t->rows[k++] = t->rows[i++]; /* the group row, dropped below if nothing matches */
		for (; i < t->n_rows && t->rows[i].task >= 0; i++) {
			const struct osmo_task *task = &g->tasks[t->rows[i].task];

			if (view_table_matches(t->terms, task->name, g->name, task->status))
				t->rows[k++] = t->rows[i];
		}
		if (k == kept + 1 && !group_ok)
			k = kept;
	}
	t->n_rows = k;
}

/* A new update: the rows once, and the selection follows its row, else stays in place. */
void
view_table_resolve(struct view_table *t)
{
	if (!t->have || !triage_root(&t->data, &t->strict_groups, &t->root))
		memset(&t->root, 0, sizeof(t->root));
	free(t->rows);
	t->n_rows = 0;
	t->rows = t->have ? view_workflow_rows(&t->data, &t->n_rows) : NULL;
	if (t->rows && t->terms)
		view_table_filter(t);
	for (size_t i = 0; t->sel_group && i < t->n_rows; i++) {
		const struct osmo_group *g = &t->data.groups[t->rows[i].group];
		int task = t->rows[i].task;

		if (strcmp(g->name, t->sel_group) != 0 || (task < 0) != !t->sel_task)
			continue;
		if (task >= 0 && (strcmp(g->tasks[task].name, t->sel_task) != 0 ||
		                  g->tasks[task].retry_id != t->sel_retry))
			continue;
		t->sel = (int)i;
		break;
	}
	if (t->sel >= (int)t->n_rows)
		t->sel = t->n_rows ? (int)t->n_rows - 1 : 0;
	view_table_remember(t);
}

const struct osmo_group *
view_table_selected(const struct app *a, const struct osmo_task **task)
{
	const struct view_table *t = &a->wf;
	const struct osmo_group *g = NULL;

	*task = NULL;
	if ((size_t)t->sel < t->n_rows) {
		g = &t->data.groups[t->rows[t->sel].group];
		if (t->rows[t->sel].task >= 0)
			*task = &g->tasks[t->rows[t->sel].task];
	}
	return g;
}

/* The PENDING workflows of the pool submitted before this one: at most this many are asked. */
#define VIEW_TABLE_AHEAD_MAX 100
/* A workflow this young that is not running yet is looked at this often. */
#define VIEW_TABLE_YOUNG_MS      60000
#define VIEW_TABLE_YOUNG_POLL_MS 2000

static void
view_table_drop_wait(struct app *a)
{
	struct view_table *t = &a->wf;

	if (t->pools_req)
		api_abort(a->s->api, t->pools_req);
	if (t->ahead_req)
		api_abort(a->s->api, t->ahead_req);
	t->pools_req = t->ahead_req = 0;
	osmo_pool_quota_free(&t->pools);
	t->wait = (struct view_wait){ .ahead = -1 };
}

static void
view_table_pools_done(void *ctx, struct api_result *res)
{
	struct app *a = ctx;
	struct view_table *t = &a->wf;

	t->pools_req = 0;
	/* Only a reason to show: a failure shows none rather than an error. */
	if (res->err.kind == API_OK) {
		osmo_pool_quota_free(&t->pools);
		t->pools = res->pools;
		memset(&res->pools, 0, sizeof(res->pools));
		t->wait.pool = osmo_pool_quota_find(&t->pools, t->data.pool);
	}
	api_result_free(res);
	a->dirty = true;
}

static void
view_table_ahead_done(void *ctx, struct api_result *res)
{
	struct app *a = ctx;
	struct view_table *t = &a->wf;

	t->ahead_req = 0;
	if (res->err.kind == API_OK) {
		t->wait.ahead = 0;
		t->wait.ahead_more = res->list.more_entries;
		/* The query is whole seconds: the same second's later ones and itself are not ahead. */
		for (size_t i = 0; i < res->list.n_rows; i++)
			t->wait.ahead += res->list.rows[i].submit_ms < t->data.submit_ms &&
			                 strcmp(res->list.rows[i].name, t->id) != 0;
	}
	api_result_free(res);
	a->dirty = true;
}

/* One GET /api/pool_quota and one GET /api/workflow per update while the workflow waits. */
static void
view_table_ask_wait(struct app *a)
{
	struct view_table *t = &a->wf;
	struct api_callbacks pools_cb = { .done = view_table_pools_done, .ctx = a };
	struct api_callbacks ahead_cb = { .done = view_table_ahead_done, .ctx = a };
	struct api_list_query q = { .all_users = true,
		                    .limit = VIEW_TABLE_AHEAD_MAX,
		                    .submitted_before_ms = t->data.submit_ms + 1000 };

	if ((t->data.status != OSMO_PENDING && t->data.status != OSMO_WAITING) || !t->data.pool) {
		view_table_drop_wait(a);
		return;
	}
	/* The pool entry points into pools, which the next answer replaces. */
	t->wait.pool = osmo_pool_quota_find(&t->pools, t->data.pool);
	if (!t->pools_req)
		t->pools_req = api_pool_quota(a->s->api, t->data.pool, pools_cb);
	if (!t->ahead_req && t->data.submit_ms > 0) {
		strv_push(&q.statuses, "PENDING");
		strv_push(&q.pools, t->data.pool);
		t->ahead_req = api_list(a->s->api, &q, ahead_cb);
		strv_free(&q.statuses);
		strv_free(&q.pools);
	}
}

static void
view_table_rules_done(void *ctx, struct api_result *res)
{
	struct app *a = ctx;

	a->wf.spec_req = 0;
	/* Without the spec every group keeps the default rule: nothing to show wrongly. */
	if (res->err.kind == API_OK && res->text) {
		spec_rules_strict_groups(res->text, res->text_len, &a->wf.strict_groups);
		free(a->wf.spec);
		a->wf.spec = xstrndup(res->text, res->text_len);
		a->wf.spec_len = res->text_len;
		/* The rules may name another task as the root cause. */
		view_table_resolve(&a->wf);
		if (!a->wf.moved && a->wf.have && osmo_status_is_failed(a->wf.data.status))
			view_table_to_root(a);
	}
	api_result_free(res);
	a->dirty = true;
}

/* The spec says which groups any failing task decides; the status API does not. */
static void
view_table_load_rules(struct app *a)
{
	struct api_callbacks cb = { .done = view_table_rules_done, .ctx = a };

	if (a->wf.spec_req)
		api_abort(a->s->api, a->wf.spec_req);
	strv_free(&a->wf.strict_groups);
	free(a->wf.spec);
	a->wf.spec = NULL;
	a->wf.spec_req = api_spec(a->s->api, a->wf.id, false, cb);
}

/* The workflow as last seen, drawn at once (marked as cached) until its answer comes. */
static void
view_table_load_cached(struct app *a)
{
	struct view_table *t = &a->wf;
	struct api_error err = { 0 };
	size_t len = 0;
	int64_t saved = 0;
	char *raw = cache_load(a->s->shown_url, t->id, &len, &saved);

	if (raw && decode_workflow(raw, len, &t->data, &err) == 0) {
		t->data.fetched_ms = saved;
		t->have = t->cached = true;
		tally_note(&a->list.tally, &t->data, saved, clock_mono_ms(), 0, view_list_pace(a));
	}
	free(raw);
}

void
view_table_open(struct app *a, const char *id)
{
	struct view_table *t = &a->wf;

	/* Back in the list, the cursor is on the workflow left, wherever it moved meanwhile
	 * (the next answer finds a new one). */
	view_list_select(a, id);
	if (!t->id || strcmp(t->id, id) != 0) {
		if (t->req)
			api_abort(a->s->api, t->req);
		t->req = 0;
		free(t->id);
		t->id = xstrdup(id);
		if (t->have)
			osmo_workflow_free(&t->data);
		t->have = false;
		memset(&t->sync, 0, sizeof(t->sync));
		t->fast_until = 0;
		t->unknown = false;
		t->made = NULL;
		t->moved = false;
		free(t->terms);
		t->terms = NULL;
		t->sel = t->top = 0;
		view_table_drop_wait(a);
		t->cached = false;
		if (a->o->cache)
			view_table_load_cached(a);
		view_table_resolve(t);
		view_dag_invalidate(a);
		view_table_load_rules(a);
	}
	sync_kick(&t->sync);
	/* From the workflow view (a restart, a resubmit) the new workflow takes its place:
	 * both would show the one workflow held, and Esc would seem to do nothing. */
	if (a->view == &view_table_ops || a->view == &view_dag_ops)
		app_switch(a, t->graph ? &view_dag_ops : &view_table_ops);
	else
		app_push(a, t->graph ? &view_dag_ops : &view_table_ops);
}

/* The status that sets the polling pace: a WAITING workflow whose groups already start or
 * run changes as fast as a running one. */
static enum osmo_status
view_table_pace(const struct osmo_workflow *wf)
{
	for (size_t i = 0; osmo_status_is_alive(wf->status) && i < wf->n_groups; i++) {
		enum osmo_phase p = osmo_status_phase(wf->groups[i].status);

		if (p == PHASE_RUNNING || p == PHASE_STARTING)
			return OSMO_RUNNING;
	}
	return wf->status;
}

/* The service says there is no such workflow (OSMO: 400 DATABASE "... is not found."). */
static bool
view_table_unknown(const struct api_error *e)
{
	return e->kind == API_ERR_HTTP &&
	       (e->http_status == 404 ||
	        (e->http_status == 400 && strcmp(e->error_code, "DATABASE") == 0 &&
	         strstr(e->message, "not found")));
}

static void
view_table_done(void *ctx, struct api_result *res)
{
	struct app *a = ctx;
	struct view_table *t = &a->wf;
	int64_t now = clock_mono_ms();

	t->req = 0;
	if (res->err.kind != API_OK) {
		app_sync_failed(a, &t->sync, &res->err, now);
		app_set_err(a, &res->err);
		/* Asking again cannot make it exist: once is enough, and the view says so. */
		t->unknown = view_table_unknown(&res->err);
	} else {
		bool changed = !t->have || t->data.status != res->workflow.status ||
		               t->data.n_groups != res->workflow.n_groups;

		for (size_t i = 0; !changed && i < t->data.n_groups; i++)
			changed = t->data.groups[i].status != res->workflow.groups[i].status ||
			          t->data.groups[i].n_tasks != res->workflow.groups[i].n_tasks;
		if (t->have) {
			struct changes ch = { 0 };

			/* From the cache: the marks say what changed, but it is not news. */
			changes_diff(&t->data, &res->workflow, &ch);
			app_changes(a, &ch, !t->cached);
			changes_clear(&ch);
			osmo_workflow_free(&t->data);
		}
		if (res->raw && (changed || t->cached))
			cache_save(a->s->shown_url, t->id, res->raw, res->raw_len);
		t->cached = false;
		t->data = res->workflow;
		t->data.fetched_ms = app_now(a);
		memset(&res->workflow, 0, sizeof(res->workflow));
		t->have = true;
		view_table_resolve(t);
		/* A failed workflow opens on why it failed, until the user moves the cursor. */
		if (!t->moved && osmo_status_is_failed(t->data.status))
			view_table_to_root(a);
		view_dag_invalidate(a);
		/* Its row in the list counts from here, and is not asked for again meanwhile. */
		tally_note(&a->list.tally, &t->data, t->data.fetched_ms, now,
		           now - t->sync.asked_ms, view_list_pace(a));
		sync_succeeded(&t->sync, app_policy(a), now,
		               sync_state_of(view_table_pace(&t->data)), changed);
		/* Right after an action the status moves within seconds: look again soon. */
		if (osmo_status_is_finished(t->data.status) ||
		    (!t->fast_to_end && t->data.status == OSMO_RUNNING))
			t->fast_until = 0;
		if (now < t->fast_until && t->sync.next_due_ms > now + 1000)
			t->sync.next_due_ms = now + 1000;
		/* Just submitted and not running yet: it starts within seconds, or says why not; a
		 * queued workflow's pace would show it PENDING long after it runs. */
		if (osmo_status_is_alive(t->data.status) && t->data.status != OSMO_RUNNING &&
		    t->data.submit_ms && app_now(a) - t->data.submit_ms < VIEW_TABLE_YOUNG_MS &&
		    t->sync.next_due_ms > now + VIEW_TABLE_YOUNG_POLL_MS)
			t->sync.next_due_ms = now + VIEW_TABLE_YOUNG_POLL_MS;
		app_set_err(a, NULL);
		view_dag_want_ancestors(a);
		view_stream_workflow_changed(a);
		view_table_ask_wait(a);
	}
	api_result_free(res);
	a->dirty = true;
}

void
view_table_poll(struct app *a)
{
	struct api_callbacks cb = { .done = view_table_done, .ctx = a };

	sync_begin(&a->wf.sync, clock_mono_ms());
	a->wf.req = api_query(a->s->api, a->wf.id, true, false, cb);
}

void
view_table_free(struct view_table *t)
{
	if (t->have)
		osmo_workflow_free(&t->data);
	free(t->id);
	free(t->rows);
	free(t->sel_group);
	free(t->sel_task);
	free(t->terms);
	free(t->spec);
	strv_free(&t->strict_groups);
	osmo_pool_quota_free(&t->pools);
}

void
view_table_target(const struct app *a, struct view_target *t)
{
	*t = (struct view_target){ a->wf.id, a->wf.have ? a->wf.data.status : OSMO_UNKNOWN,
		                   a->wf.have ? a->wf.data.pool : NULL,
		                   a->wf.have ? a->wf.data.priority : NULL };
}

bool
view_table_to_root(struct app *a)
{
	struct view_table *t = &a->wf;
	const struct osmo_group *g = t->root.group;

	if (!g)
		return false;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < t->n_rows; i++) {
			const struct view_row *r = &t->rows[i];

			if (&t->data.groups[r->group] != g)
				continue;
			if (t->root.task ? r->task >= 0 && &g->tasks[r->task] == t->root.task
			                 : r->task < 0) {
				t->sel = (int)i;
				view_table_remember(t);
				return true;
			}
		}
		/* Hidden by the '/' terms: they go, the root matters more. */
		free(t->terms);
		t->terms = NULL;
		view_table_resolve(t);
	}
	return false;
}

void
view_table_follow(struct app *a, const char *id, bool to_end)
{
	if (!a->wf.id || strcmp(a->wf.id, id) != 0)
		return;
	a->wf.fast_until = clock_mono_ms() + 120000;
	a->wf.fast_to_end = to_end;
	sync_kick(&a->wf.sync);
}

void
view_table_move(struct app *a, int delta, bool absolute)
{
	a->wf.moved = true;
	app_move(&a->wf.sel, (int)a->wf.n_rows, delta, absolute);
	view_table_remember(&a->wf);
}

int
view_table_draw_table(struct app *a, struct render_ctx *rc, struct canvas *body)
{
	int room;

	if (!a->wf.have) {
		char *m = a->wf.unknown
		                  ? xasprintf("%s: no such workflow (Ctrl-r asks again)", a->wf.id)
		                  : xasprintf("loading %s…", a->wf.id);

		canvas_text(body, 0, 0, body->cols, STYLE_TITLE, m);
		if (a->err)
			canvas_text(body, 2, 1, body->cols - 1, STYLE_ERROR, a->err);
		free(m);
		return -1;
	}
	room = body->rows - view_workflow_table_row(rc, &a->wf.data, body);
	app_keep_visible(a->wf.sel, (int)a->wf.n_rows, &a->wf.top, room - 1);
	rc->selected = a->wf.sel;
	rc->top = a->wf.top;
	rc->rows = a->wf.rows;
	rc->n_rows = a->wf.n_rows;
	rc->made = a->wf.made;
	char *note = a->wf.terms ? xasprintf("only /%s", a->wf.terms) : NULL;

	rc->note = note;
	rc->root = &a->wf.root;
	rc->wait = &a->wf.wait;
	view_workflow_render(rc, &a->wf.data, body);
	free(note);
	rc->note = NULL;
	return room;
}

/* The selected row's whole failure message on the last row: tables cut it short. */
void
view_table_draw_detail(struct app *a, struct canvas *body)
{
	const struct osmo_task *t;
	const struct osmo_group *g = view_table_selected(a, &t);
	const char *name, *msg;

	if (!g)
		return;
	name = t ? t->name : g->name;
	msg = t ? t->failure_message : g->failure_message;
	if ((!msg || !*msg) && !t && g->n_tasks > 1) {
		/* A group row: say which rule makes its status. */
		bool strict = strv_contains(&a->wf.strict_groups, name);
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
view_table_draw(struct app *a, struct render_ctx *rc, struct canvas *body)
{
	if (view_table_draw_table(a, rc, body) >= 0)
		view_table_draw_detail(a, body);
}

static void
view_table_act_open(struct app *a, enum keymap_action act)
{
	const struct osmo_task *t;
	const struct osmo_group *g = view_table_selected(a, &t);
	const struct osmo_task *lead = g && !t ? osmo_group_lead(g) : NULL;

	(void)act;
	if (t)
		view_stream_open(a, VIEW_STREAM_LOGS, t->name, t->retry_id);
	else if (lead) /* a group row: its lead's newest retry */
		view_stream_open(a, VIEW_STREAM_LOGS, lead->name, -1);
}

static void
view_table_act_logs(struct app *a, enum keymap_action act)
{
	const struct osmo_task *t = NULL;

	/* Events narrow to the selected task; logs of one task are what Enter opens. */
	if (act == KEYMAP_EVENTS)
		view_table_selected(a, &t);
	if (t)
		view_stream_open(a, VIEW_STREAM_EVENTS, t->name, t->retry_id);
	else
		view_stream_open(a, act == KEYMAP_EVENTS ? VIEW_STREAM_EVENTS : VIEW_STREAM_LOGS,
		                 NULL, -1);
}

static void
view_table_act_error_logs(struct app *a, enum keymap_action act)
{
	const struct osmo_task *t = NULL;

	(void)act;
	view_table_selected(a, &t);
	if (!t)
		app_say(a, true, "select a task first: error logs belong to one task");
	else
		view_stream_open(a, VIEW_STREAM_ERRORS, t->name, t->retry_id);
}

/* d: the same workflow as the DAG, or back to the table. */
static void
view_table_act_graph(struct app *a, enum keymap_action act)
{
	(void)act;
	a->wf.graph = !a->wf.graph;
	a->dag.pan_row = a->dag.pan_col = 0;
	a->dag.mode = VIEW_DAG_GRAPH;
	app_switch(a, a->wf.graph ? &view_dag_ops : &view_table_ops);
	view_dag_want_ancestors(a);
}

/* The selected task, or a group row's lead; NULL (and said why) when there is none. */
static const struct osmo_task *
view_table_task_target(struct app *a)
{
	const struct osmo_task *t = NULL;
	const struct osmo_group *g = view_table_selected(a, &t);

	if (g && !t)
		t = osmo_group_lead(g);
	if (!t)
		app_say(a, true, "select a task first");
	return t;
}

static void
view_table_act_shell(struct app *a, enum keymap_action act)
{
	const struct osmo_task *t = view_table_task_target(a);

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
	a->shell = shell_start(a->s->api, a->s->http, a->wf.id, t->name);
}

static void
view_table_act_forward(struct app *a, enum keymap_action act)
{
	const struct osmo_task *t = view_table_task_target(a);

	(void)act;
	/* A task not running yet is fine: the forward waits for it (425 is retried). */
	if (t)
		dialog_open_task(a, &dialog_forward_ops, t->name, "to forward from");
}

static void
view_table_act_group_exec(struct app *a, enum keymap_action act)
{
	const struct osmo_task *t;
	const struct osmo_group *g = view_table_selected(a, &t);

	(void)act;
	if (!g)
		app_say(a, true, "select a group first");
	else
		dialog_open_task(a, &dialog_group_exec_ops, g->name, "a command");
}

/* The '/' line's terms narrow the table (and the DAG's task list) until cleared. */
static void
view_table_filter_rows(struct app *a, const char *pattern)
{
	free(a->wf.terms);
	a->wf.terms = pattern ? xstrdup(pattern) : NULL;
	view_table_resolve(&a->wf);
	if (pattern && !a->wf.n_rows && a->wf.have)
		app_say(a, true, "no group or task matches \"%s\" (Esc clears it)", pattern);
}

/* The DAG's too: it shows the same rows. */
const struct view_search view_table_slash = { offsetof(struct app, wf.terms),
	                                      view_table_filter_rows, view_table_filter_rows };

/* Esc clears the terms first, then goes back. */
static void
view_table_act_back(struct app *a, enum keymap_action act)
{
	(void)act;
	if (a->wf.terms)
		view_table_filter_rows(a, NULL);
	else
		app_pop(a);
}

char *
view_table_why_no_failure(const struct app *a, enum keymap_action act)
{
	const struct view_table *t = &a->wf;

	if (!t->have)
		return xasprintf("%s has not loaded yet", t->id ? t->id : "the workflow");
	if (t->root.group)
		return NULL;
	if (!osmo_status_is_failed(t->data.status))
		return xasprintf("nothing failed in %s: it is %s", t->id,
		                 osmo_status_wire(t->data.status));
	/* It failed as a whole (refused, a server error): the card says so, no row is it. */
	return act == KEYMAP_ROOT
	               ? xasprintf("%s failed as a whole, not in a group: T tells why", t->id)
	               : NULL;
}

/* !: to the root cause from anywhere in the workflow. */
static void
view_table_act_root(struct app *a, enum keymap_action act)
{
	(void)act;
	if (view_table_to_root(a))
		app_say(a, false, "the root cause: %s%s%s", a->wf.root.group->name,
		        a->wf.root.task ? "/" : "", a->wf.root.task ? a->wf.root.task->name : "");
	else
		app_say(a, true, "%s has no failure of its own to go to",
		        a->wf.id ? a->wf.id : "this workflow");
}

/* T: the triage card over the workflow. */
static void
view_table_act_triage(struct app *a, enum keymap_action act)
{
	(void)act;
	app_push(a, &view_triage_ops);
}

/* i: the selected task's details; v: the workflow's spec. */
static void
view_table_act_more(struct app *a, enum keymap_action act)
{
	const struct osmo_task *t;

	if (act == KEYMAP_SPEC)
		view_stream_open(a, VIEW_STREAM_SPEC, NULL, -1);
	else if (!view_table_selected(a, &t))
		app_say(a, true, "select a task first");
	else
		app_push(a, &view_detail_ops);
}

const struct view_act view_table_acts[KEYMAP_COUNT] = {
	[KEYMAP_DETAIL] = { view_table_act_more },
	[KEYMAP_SPEC] = { view_table_act_more },
	[KEYMAP_TRIAGE] = { view_table_act_triage, view_table_why_no_failure },
	[KEYMAP_ROOT] = { view_table_act_root, view_table_why_no_failure },
	[KEYMAP_BACK] = { view_table_act_back },
	[KEYMAP_OPEN] = { view_table_act_open },
	[KEYMAP_LOGS] = { view_table_act_logs },
	[KEYMAP_EVENTS] = { view_table_act_logs },
	[KEYMAP_ERROR_LOGS] = { view_table_act_error_logs },
	[KEYMAP_GRAPH] = { view_table_act_graph },
	[KEYMAP_TIMELINE] = { view_dag_act_timeline },
	[KEYMAP_SHELL] = { view_table_act_shell },
	[KEYMAP_FORWARD] = { view_table_act_forward },
	[KEYMAP_GROUP_EXEC] = { view_table_act_group_exec },
};

/* The hint bar: what this view is mostly used for. */
/* Help and back before the rest, so a narrow bar still has them; then the triage keys (where
 * something failed). */
const enum keymap_action view_table_hints[] = {
	KEYMAP_OPEN,   KEYMAP_HELP,  KEYMAP_CLOSE,   KEYMAP_TRIAGE,   KEYMAP_ROOT,
	KEYMAP_SEARCH, KEYMAP_GRAPH, KEYMAP_CANCEL,  KEYMAP_RESTART,  KEYMAP_ERROR_LOGS,
	KEYMAP_EVENTS, KEYMAP_SHELL, KEYMAP_FORWARD, KEYMAP_TIMELINE, KEYMAP_NONE,
};

VIEW_OPS(view_table, KEYMAP_IN_WORKFLOW, VIEW_PLAIN, NULL, NULL, view_table_acts, view_table_move,
         view_table_draw, view_table_target, &view_table_slash, view_table_hints);
