/* view_list.c: the monitor's workflow list: its polling, terms, selection by name and keys. */
#include <stdlib.h>
#include <string.h>

#include "client/decode.h"
#include "common/osmo_time.h"
#include "tui/cache.h"
#include "tui/view_ops.h"

/* The selected row, or NULL. */
static const struct osmo_workflow_row *
view_list_row(const struct app *a)
{
	return a->list.have && a->list.sel < (int)a->list.data.n_rows
	               ? &a->list.data.rows[a->list.sel]
	               : NULL;
}

/* Remembers which workflow is selected, and its neighbour should it leave the list. */
static void
view_list_remember(struct view_list *l)
{
	int n = l->have ? (int)l->data.n_rows : 0;
	int next = l->sel + 1 < n ? l->sel + 1 : l->sel - 1;

	free(l->sel_name);
	free(l->sel_next);
	l->sel_name = l->sel < n ? xstrdup(l->data.rows[l->sel].name) : NULL;
	l->sel_next = l->sel < n && next >= 0 ? xstrdup(l->data.rows[next].name) : NULL;
}

/* The row of the workflow called name, or -1. */
static int
view_list_find(const struct view_list *l, const char *name)
{
	for (size_t i = 0; name && i < l->data.n_rows; i++)
		if (strcmp(l->data.rows[i].name, name) == 0)
			return (int)i;
	return -1;
}

void
view_list_select(struct app *a, const char *name)
{
	struct view_list *l = &a->list;
	int at = view_list_find(l, name);

	if (l->sel_name && strcmp(l->sel_name, name) == 0)
		return;
	free(l->sel_name);
	l->sel_name = xstrdup(name);
	if (at >= 0)
		l->sel = at;
}

/*
 * A new page or order: the selection follows its workflow. One that left the list leaves the
 * cursor on its neighbour, the row that came after it; false then.
 */
bool
view_list_resolve(struct view_list *l)
{
	int at = view_list_find(l, l->sel_name), next = view_list_find(l, l->sel_next);
	bool found = !l->sel_name || at >= 0;

	if (at >= 0)
		l->sel = at;
	else if (next >= 0)
		l->sel = next;
	if (l->sel >= (int)l->data.n_rows)
		l->sel = l->data.n_rows ? (int)l->data.n_rows - 1 : 0;
	view_list_remember(l);
	return found;
}

/* The list's terms changed: start over from the first page, the selection kept by name. */
void
view_list_changed(struct app *a)
{
	a->list.top = 0;
	a->list.limit = APP_LIST_PAGE;
	sync_kick(&a->list.sync);
	a->dirty = true;
}

/* The failed-task counts onto the running rows, then the chosen order (it ranks by them). */
static void
view_list_badges(struct app *a)
{
	struct view_list *l = &a->list;

	for (size_t i = 0; i < l->data.n_rows; i++) {
		struct osmo_workflow_row *r = &l->data.rows[i];

		r->failed_tasks = 0;
		for (size_t k = 0; r->status == OSMO_RUNNING && k < l->failed_names.n; k++)
			if (strcmp(l->failed_names.v[k], r->name) == 0)
				r->failed_tasks = l->failed_counts[k];
	}
	filter_apply(&l->filter, &l->data, app_now(a));
}

static void
view_list_forget_failed(struct view_list *l)
{
	strv_free(&l->failed_names);
	free(l->failed_counts);
	l->failed_counts = NULL;
}

/* The running rows' failed tasks; a failure leaves the last counts, and the list as it is. */
static void
view_list_tasks_done(void *ctx, struct api_result *res)
{
	struct app *a = ctx;
	struct view_list *l = &a->list;

	l->tasks_req = 0;
	if (res->err.kind == API_OK && l->have) {
		osmo_workflow_list_count_failed(&l->data, &res->tasks);
		/* Kept by name: the next page of the list comes without them. */
		view_list_forget_failed(l);
		l->failed_counts = xcalloc(l->data.n_rows ? l->data.n_rows : 1, sizeof(int));
		for (size_t i = 0; i < l->data.n_rows; i++)
			if (l->data.rows[i].failed_tasks) {
				l->failed_counts[l->failed_names.n] = l->data.rows[i].failed_tasks;
				strv_push(&l->failed_names, l->data.rows[i].name);
			}
		view_list_badges(a);
		view_list_resolve(l);
		a->dirty = true;
	}
	api_result_free(res);
}

/*
 * One GET /api/task per list answer, not one per row: every failed task of the list's users
 * and pools that started after the oldest running row did, counted per workflow.
 */
static void
view_list_poll_tasks(struct app *a)
{
	struct view_list *l = &a->list;
	struct api_list_query lq = { .all_users = l->all_users };
	struct api_task_query q = { 0 };
	struct api_callbacks cb = { .done = view_list_tasks_done, .ctx = a };

	filter_query(&l->filter, &lq);
	if (!api_failed_tasks_query(&l->data, &lq, &q))
		view_list_forget_failed(l);
	else if (!l->tasks_req) /* one at a time: the next list answer asks again */
		l->tasks_req = api_tasks(a->s->api, &q, cb);
	strv_free(&q.users);
	strv_free(&q.pools);
	strv_free(&q.statuses);
	strv_free(&lq.pools);
	strv_free(&lq.statuses);
	strv_free(&lq.users);
}

/* The cache's name for the list under its terms and page (the query it asks). */
static char *
view_list_cache_name(const struct app *a)
{
	struct api_list_query q = { .all_users = a->list.all_users, .limit = a->list.limit };
	char *query, *name;

	filter_query(&a->list.filter, &q);
	query = api_list_query_string(&q);
	name = cache_list_name(query);
	free(query);
	strv_free(&q.pools);
	strv_free(&q.statuses);
	strv_free(&q.users);
	return name;
}

/* How far the service's clock may run behind ours for a submit time to count as after. */
#define VIEW_LIST_SKEW_MS 60000

/* The rows whose status differs from the last answer's: marked, and told of with notify.mine. */
static void
view_list_changes(struct app *a, const struct osmo_workflow_list *now)
{
	const struct osmo_workflow_list *was = &a->list.data;
	struct changes ch = { 0 };

	for (size_t i = 0; i < now->n_rows; i++) {
		const struct osmo_workflow_row *r = &now->rows[i];
		bool known = false;

		for (size_t k = 0; k < was->n_rows && !known; k++)
			known = strcmp(was->rows[k].name, r->name) == 0;
		/* Submitted since the last answer and already on its way (or done): news too, from
		 * nothing known (a row that only scrolled in is older). */
		if (!known && r->submit_ms > was->fetched_ms - VIEW_LIST_SKEW_MS &&
		    r->status != OSMO_PENDING)
			changes_add(&ch, &(struct changes_event){
			                         .kind = CHANGES_WORKFLOW,
			                         .workflow = r->name,
			                         .seen = true,
			                         .from = OSMO_UNKNOWN,
			                         .to = r->status,
			                 });
		for (size_t k = 0; k < was->n_rows; k++)
			if (strcmp(was->rows[k].name, r->name) == 0) {
				if (was->rows[k].status != r->status)
					changes_add(&ch, &(struct changes_event){
					                         .kind = CHANGES_WORKFLOW,
					                         .workflow = r->name,
					                         .seen = true,
					                         .from = was->rows[k].status,
					                         .to = r->status,
					                 });
				break;
			}
	}
	app_changes(a, &ch, a->notify.set->mine);
	changes_clear(&ch);
}

static void
view_list_done(void *ctx, struct api_result *res)
{
	struct app *a = ctx;
	struct view_list *l = &a->list;
	int64_t now = clock_mono_ms();

	l->growing = false;
	if (res->err.kind != API_OK) {
		app_sync_failed(a, &l->sync, &res->err, now);
		app_set_err(a, &res->err);
	} else {
		bool alive = false, changed = !l->have || l->data.n_rows != res->list.n_rows;

		for (size_t i = 0; i < res->list.n_rows; i++) {
			alive |= !osmo_status_is_finished(res->list.rows[i].status);
			changed |= !changed && res->list.rows[i].status != l->data.rows[i].status;
		}
		if (l->have) {
			/* What changed while nobody looked is no news. */
			if (!l->cached)
				view_list_changes(a, &res->list);
			osmo_workflow_list_free(&l->data);
		}
		if (res->raw && (changed || l->cached)) {
			char *name = view_list_cache_name(a);

			cache_save(a->s->shown_url, name, res->raw, res->raw_len);
			free(name);
		}
		l->cached = false;
		l->data = res->list;
		l->data.fetched_ms = app_now(a);
		memset(&res->list, 0, sizeof(res->list));
		l->have = true;
		view_list_badges(a);
		view_list_poll_tasks(a);
		view_list_tally(a);
		/* A list with live workflows refreshes at a live workflow's pace, unless its own is
		 * faster (refresh.list set short). */
		sync_succeeded(&l->sync, app_policy(a), now,
		               alive && app_policy(a)->running_ms < app_policy(a)->list_ms
		                       ? SYNC_RUNNING
		                       : SYNC_LIST,
		               changed);
		app_set_err(a, NULL);
		char *was = l->sel_name ? xstrdup(l->sel_name) : NULL;

		if (!view_list_resolve(l))
			app_say(a, false, "%s is no longer in the list; the cursor is on %s", was,
			        l->sel_name ? l->sel_name : "nothing");
		free(was);
	}
	api_result_free(res);
	a->dirty = true;
}

void
view_list_load_cached(struct app *a)
{
	struct view_list *l = &a->list;
	struct api_error err = { 0 };
	char *name = view_list_cache_name(a), *raw;
	size_t len = 0;
	int64_t saved = 0;

	raw = cache_load(a->s->shown_url, name, &len, &saved);
	if (raw && !l->have && decode_workflow_list(raw, len, &l->data, &err) == 0) {
		l->data.fetched_ms = saved;
		l->have = l->cached = true;
		view_list_badges(a);
		view_list_resolve(l);
	}
	free(raw);
	free(name);
}

int64_t
view_list_pace(const struct app *a)
{
	const struct sync_policy *p = app_policy(a);

	return p->running_ms < p->list_ms ? p->running_ms : p->list_ms;
}

static void
view_list_tally_done(void *ctx, struct api_result *res)
{
	struct app *a = ctx;
	struct view_list *l = &a->list;
	int64_t now = clock_mono_ms();

	l->tally_req = 0;
	if (res->err.kind == API_OK) {
		tally_note(&l->tally, &res->workflow, app_now(a), now, now - l->tally_asked_ms,
		           view_list_pace(a));
		a->dirty = true;
	} else {
		tally_failed(&l->tally, l->tally_asking, now, view_list_pace(a));
		/* Its own poll tells the user the service is gone; this waits a refresh. An answer
		 * of an error (a workflow gone) waits for its row only. */
		if (res->err.kind != API_ERR_HTTP)
			l->tally_quiet_ms = now + view_list_pace(a);
	}
	free(l->tally_asking);
	l->tally_asking = NULL;
	api_result_free(res);
	/* The rows still waiting for theirs come one after another. */
	view_list_tally(a);
}

void
view_list_tally(struct app *a)
{
	struct view_list *l = &a->list;
	struct api_callbacks cb = { .done = view_list_tally_done, .ctx = a };
	int64_t now = clock_mono_ms();
	/* Before the first frame, a terminal's worth. */
	size_t top = l->top > 0 ? (size_t)l->top : 0,
	       end = top + (size_t)(a->canvas.rows > 0 ? a->canvas.rows : 24);

	/* Only the rows on screen, and only while the list is: nobody reads the others. */
	if (l->tally_req || !l->have || l->cached || now < l->tally_quiet_ms ||
	    !app_shown(a)->list_data)
		return;
	for (size_t i = top; i < l->data.n_rows && i < end; i++) {
		const struct osmo_workflow_row *r = &l->data.rows[i];

		if (!tally_wanted(&l->tally, r, now))
			continue;
		l->tally_asked_ms = now;
		l->tally_asking = xstrdup(r->name);
		l->tally_req = api_query(a->s->api, r->name, false, false, cb);
		return;
	}
}

void
view_list_poll(struct app *a)
{
	struct api_list_query q = { .all_users = a->list.all_users, .limit = a->list.limit };
	struct api_callbacks cb = { .done = view_list_done, .ctx = a };

	filter_query(&a->list.filter, &q);
	sync_begin(&a->list.sync, clock_mono_ms());
	api_list(a->s->api, &q, cb);
	strv_free(&q.pools);
	strv_free(&q.statuses);
	strv_free(&q.users);
}

void
view_list_free(struct view_list *l)
{
	if (l->have)
		osmo_workflow_list_free(&l->data);
	filter_free(&l->filter);
	free(l->sel_name);
	free(l->sel_next);
	free(l->terms);
	view_list_forget_failed(l);
	tally_free(&l->tally);
	free(l->tally_asking);
}

/* Back to the list from a view opened on its own (--workflow): it may be old. */
static void
view_list_enter(struct app *a)
{
	sync_kick(&a->list.sync);
}

static void
view_list_target(const struct app *a, struct view_target *t)
{
	const struct osmo_workflow_row *r = view_list_row(a);

	*t = (struct view_target){ .status = OSMO_UNKNOWN };
	if (r)
		*t = (struct view_target){ r->name, r->status, r->pool, r->priority };
}

static void
view_list_move(struct app *a, int delta, bool absolute)
{
	struct view_list *l = &a->list;
	int n = l->have ? (int)l->data.n_rows : 0;

	app_move(&l->sel, n, delta, absolute);
	view_list_remember(l);
	/* Reaching the last row asks the server for the next page. */
	if (delta > 0 && n && l->sel == n - 1 && l->data.more_entries && l->limit < APP_LIST_MAX &&
	    !l->growing) {
		l->growing = true;
		l->limit += APP_LIST_PAGE;
		if (l->limit > APP_LIST_MAX)
			l->limit = APP_LIST_MAX;
		sync_kick(&l->sync);
		app_say(a, false, "loading up to %d workflows…", l->limit);
	}
}

static void
view_list_draw(struct app *a, struct render_ctx *rc, struct canvas *body)
{
	static const struct osmo_workflow_list none = { 0 };
	int room = body->rows - view_workflows_table_row();
	char *terms = filter_describe(&a->list.filter, a->o->ascii);
	/* Whose workflows, then the preset, terms and order: what the rows are. */
	char *note = xasprintf("%s%s%s", a->list.all_users ? "everyone's" : "mine",
	                       *terms ? " · " : "", terms);

	app_keep_visible(a->list.sel, a->list.have ? (int)a->list.data.n_rows : 0, &a->list.top,
	                 room);
	rc->selected = a->list.sel;
	rc->top = a->list.top;
	rc->note = note;
	view_workflows_render(rc, a->list.have ? &a->list.data : &none, body);
	free(terms);
	free(note);
	if (!a->list.have)
		canvas_text(body, 2, 1, body->cols - 1, STYLE_DIM,
		            a->err ? a->err : "loading the workflow list…");
}

static void
view_list_act_open(struct app *a, enum keymap_action act)
{
	(void)act;
	if (view_list_row(a))
		view_table_open(a, view_list_row(a)->name);
}

static void
view_list_act_all_users(struct app *a, enum keymap_action act)
{
	(void)act;
	a->list.all_users = !a->list.all_users;
	view_list_changed(a);
	app_say(a, false, "%s", a->list.all_users ? "everyone's workflows" : "your workflows");
}

static void
view_list_act_sort(struct app *a, enum keymap_action act)
{
	static const enum filter_sort sorts[KEYMAP_COUNT] = {
		[KEYMAP_SORT_NAME] = FILTER_SORT_NAME,
		[KEYMAP_SORT_STATUS] = FILTER_SORT_STATUS,
		[KEYMAP_SORT_AGE] = FILTER_SORT_AGE,
		[KEYMAP_SORT_DURATION] = FILTER_SORT_DURATION,
		[KEYMAP_SORT_USER] = FILTER_SORT_USER,
		[KEYMAP_SORT_POOL] = FILTER_SORT_POOL,
	};

	filter_set_sort(&a->list.filter, sorts[act]);
	if (a->list.have)
		filter_apply(&a->list.filter, &a->list.data, app_now(a));
	/* The cursor stays on its workflow wherever the new order puts it. */
	view_list_resolve(&a->list);
}

static void
view_list_act_show(struct app *a, enum keymap_action act)
{
	static const enum filter_preset presets[KEYMAP_COUNT] = {
		[KEYMAP_SHOW_ALL] = FILTER_ALL,
		[KEYMAP_SHOW_RUNNING] = FILTER_RUNNING,
		[KEYMAP_SHOW_WAITING] = FILTER_WAITING,
		[KEYMAP_SHOW_FAILED] = FILTER_FAILED,
		[KEYMAP_SHOW_COMPLETED] = FILTER_COMPLETED,
	};

	filter_set_preset(&a->list.filter, presets[act]);
	view_list_changed(a);
}

/* The '/' line's terms replace the list's; typed live, terms that do not read yet (a half
 * typed status:) are passed over quietly, and the list stays as it is. */
static void
view_list_apply(struct app *a, const char *pattern, bool live)
{
	char *err;

	if (filter_parse(&a->list.filter, pattern, &err) < 0) {
		if (!live)
			app_say(a, true, "%s", err);
		free(err);
		if (live)
			return;
	} else {
		free(a->list.terms);
		a->list.terms = pattern ? xstrdup(pattern) : NULL;
	}
	view_list_changed(a);
}

static void
view_list_filter(struct app *a, const char *pattern)
{
	view_list_apply(a, pattern, false);
}

/* As the terms are typed (k9s). */
static void
view_list_filter_live(struct app *a, const char *pattern)
{
	view_list_apply(a, pattern, true);
}

/* Esc: the typed terms go; the preset and the order stay. */
static void
view_list_act_back(struct app *a, enum keymap_action act)
{
	(void)act;
	if (!a->list.terms)
		return;
	view_list_filter(a, NULL);
	app_say(a, false, "filter cleared");
}

static const struct view_act view_list_acts[KEYMAP_COUNT] = {
	[KEYMAP_OPEN] = { view_list_act_open },
	[KEYMAP_ALL_USERS] = { view_list_act_all_users },
	[KEYMAP_SORT_NAME] = { view_list_act_sort },
	[KEYMAP_SORT_STATUS] = { view_list_act_sort },
	[KEYMAP_SORT_AGE] = { view_list_act_sort },
	[KEYMAP_SORT_DURATION] = { view_list_act_sort },
	[KEYMAP_SORT_USER] = { view_list_act_sort },
	[KEYMAP_SORT_POOL] = { view_list_act_sort },
	[KEYMAP_SHOW_ALL] = { view_list_act_show },
	[KEYMAP_SHOW_RUNNING] = { view_list_act_show },
	[KEYMAP_SHOW_WAITING] = { view_list_act_show },
	[KEYMAP_SHOW_FAILED] = { view_list_act_show },
	[KEYMAP_SHOW_COMPLETED] = { view_list_act_show },
	[KEYMAP_BACK] = { view_list_act_back },
};

/* '/' opens on the terms in force, to edit rather than type again. */
VIEW_SEARCH(view_list, list.terms, view_list_filter, view_list_filter_live);

/* The hint bar: what this view is mostly used for. */
static const enum keymap_action view_list_hints[] = {
	KEYMAP_OPEN,    KEYMAP_SEARCH, KEYMAP_ALL_USERS, KEYMAP_SHOW_FAILED, KEYMAP_CANCEL,
	KEYMAP_RESTART, KEYMAP_HELP,   KEYMAP_CLOSE,     KEYMAP_FORWARDS,    KEYMAP_NONE
};

VIEW_OPS(view_list, KEYMAP_IN_LIST, VIEW_LIST_DATA, view_list_enter, NULL, view_list_acts,
         view_list_move, view_list_draw, view_list_target, &view_list_slash, view_list_hints);
