/* filter.c: the workflow list's filter (status presets, typed key:value terms) and sort order. */
#include "tui/filter.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/osmo_time.h"

static const struct filter_preset_info {
	const char *name;
	enum osmo_phase phase;
} filter_presets[] = {
#define FILTER_PRESET_ROW(id, name, phase) { name, phase },
	FILTER_PRESETS(FILTER_PRESET_ROW)
#undef FILTER_PRESET_ROW
};

static const struct filter_sort_info {
	const char *name;
	bool descending;
} filter_sorts[] = {
#define FILTER_SORT_ROW(id, name, desc) { name, desc },
	FILTER_SORTS(FILTER_SORT_ROW)
#undef FILTER_SORT_ROW
};

void
filter_free(struct filter *f)
{
	strv_free(&f->statuses);
	strv_free(&f->pools);
	strv_free(&f->users);
	free(f->name);
	memset(f, 0, sizeof(*f));
}

static void
filter_add_phase(struct strv *sv, enum osmo_phase phase)
{
	for (int s = 0; s < OSMO_STATUS_COUNT; s++)
		if (osmo_status_in_workflow_enum((enum osmo_status)s) &&
		    osmo_status_phase((enum osmo_status)s) == phase &&
		    !strv_contains(sv, osmo_status_wire((enum osmo_status)s)))
			strv_push(sv, osmo_status_wire((enum osmo_status)s));
}

/* A preset name, else every workflow status the word is a prefix of; false if none. */
static bool
filter_add_status_word(struct strv *sv, const char *word, size_t len)
{
	bool found = false;

	for (int p = 1; p < FILTER_PRESET_COUNT; p++)
		if (strlen(filter_presets[p].name) == len &&
		    strncasecmp(filter_presets[p].name, word, len) == 0) {
			filter_add_phase(sv, filter_presets[p].phase);
			return true;
		}
	for (int s = 0; len && s < OSMO_STATUS_COUNT; s++) {
		const char *wire = osmo_status_wire((enum osmo_status)s);

		if (!osmo_status_in_workflow_enum((enum osmo_status)s) ||
		    strncasecmp(wire, word, len) != 0)
			continue;
		found = true;
		if (!strv_contains(sv, wire))
			strv_push(sv, wire);
	}
	return found;
}

int
filter_parse(struct filter *f, const char *text, char **err)
{
	struct strv statuses = { 0 }, pools = { 0 }, users = { 0 };
	struct strbuf name = { 0 };
	const char *p = text ? text : "";

	*err = NULL;
	while (*p) {
		size_t len;

		while (*p == ' ')
			p++;
		len = strcspn(p, " ");
		if (!len)
			break;
		if (len > 7 && strncasecmp(p, "status:", 7) == 0) {
			for (const char *w = p + 7; w < p + len;) {
				size_t wl = strcspn(w, ", ");

				if (wl > (size_t)(p + len - w))
					wl = (size_t)(p + len - w);
				if (wl && !filter_add_status_word(&statuses, w, wl) && !*err)
					*err = xasprintf("no workflow status starts with '%.*s'",
					                 (int)wl, w);
				w += wl + 1;
			}
		} else if (len > 5 && strncasecmp(p, "pool:", 5) == 0) {
			strv_push_owned(&pools, xstrndup(p + 5, len - 5));
		} else if (len > 5 && strncasecmp(p, "user:", 5) == 0) {
			strv_push_owned(&users, xstrndup(p + 5, len - 5));
		} else {
			if (name.len)
				strbuf_addch(&name, ' ');
			strbuf_add(&name, p, len);
		}
		p += len;
	}
	if (*err) {
		strv_free(&statuses);
		strv_free(&pools);
		strv_free(&users);
		strbuf_free(&name);
		return -1;
	}
	strv_free(&f->statuses);
	strv_free(&f->pools);
	strv_free(&f->users);
	free(f->name);
	f->statuses = statuses;
	f->pools = pools;
	f->users = users;
	f->name = name.len ? strbuf_detach(&name) : NULL;
	strbuf_free(&name);
	f->preset = FILTER_ALL;
	return 0;
}

void
filter_set_preset(struct filter *f, enum filter_preset p)
{
	strv_free(&f->statuses);
	f->preset = p;
	if (p != FILTER_ALL)
		filter_add_phase(&f->statuses, filter_presets[p].phase);
}

void
filter_set_sort(struct filter *f, enum filter_sort s)
{
	if (f->sort == s && s != FILTER_SORT_SERVER) {
		f->descending = !f->descending;
		return;
	}
	f->sort = s;
	f->descending = filter_sorts[s].descending;
}

void
filter_query(const struct filter *f, struct api_list_query *q)
{
	bool every = !f->statuses.n && !q->statuses.n;

	for (size_t i = 0; i < f->statuses.n; i++)
		if (!strv_contains(&q->statuses, f->statuses.v[i]))
			strv_push(&q->statuses, f->statuses.v[i]);
	/* Without statuses OSMO leaves FAILED_SUBMISSION out (helpers.py, get_workflows):
	 * "every status" names them all. */
	for (int s = 0; every && s < OSMO_STATUS_COUNT; s++)
		if (osmo_status_in_workflow_enum((enum osmo_status)s))
			strv_push(&q->statuses, osmo_status_wire((enum osmo_status)s));
	for (size_t i = 0; i < f->pools.n; i++)
		strv_push(&q->pools, f->pools.v[i]);
	for (size_t i = 0; i < f->users.n; i++)
		strv_push(&q->users, f->users.v[i]);
	if (f->name)
		q->name = f->name;
}

struct filter_cmp {
	enum filter_sort sort;
	bool descending;
	int64_t now_ms;
};

static int
filter_strcmp(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static double
filter_duration(const struct osmo_workflow_row *r, int64_t now_ms)
{
	if (r->duration_s >= 0)
		return r->duration_s;
	return osmo_time_span_s(r->start_ms, r->end_ms, now_ms);
}

/* A sort by one of the row's text fields. */
static int
filter_by_text(const struct osmo_workflow_row *a, const struct osmo_workflow_row *b, size_t field)
{
	return filter_strcmp(*(char *const *)((const char *)a + field),
	                     *(char *const *)((const char *)b + field));
}

/*
 * Sorting by status puts what needs a look first: failed, running, starting, queued, done.
 * A running workflow with failed tasks comes between: something failed, but it still runs
 * and may yet succeed, so after the ones that are over and before the healthy running ones.
 */
#define FILTER_RUNNING_FAILED 1
static const int filter_severity[] = {
	[PHASE_FAILED] = 0, [PHASE_RUNNING] = 2, [PHASE_STARTING] = 3,
	[PHASE_QUEUED] = 4, [PHASE_DONE] = 5,    [PHASE_UNKNOWN] = 6,
};

static int
filter_rank(const struct osmo_workflow_row *r)
{
	return r->status == OSMO_RUNNING && r->failed_tasks > 0
	               ? FILTER_RUNNING_FAILED
	               : filter_severity[osmo_status_phase(r->status)];
}

static int
filter_by_other(enum filter_sort sort, const struct osmo_workflow_row *a,
                const struct osmo_workflow_row *b, int64_t now)
{
	double da, db;

	if (sort == FILTER_SORT_STATUS) {
		int ra = filter_rank(a), rb = filter_rank(b);

		return ra != rb ? (ra > rb) - (ra < rb)
		                : filter_strcmp(osmo_status_wire(a->status),
		                                osmo_status_wire(b->status));
	}
	if (sort == FILTER_SORT_AGE)
		return (a->submit_ms > b->submit_ms) - (a->submit_ms < b->submit_ms);
	da = filter_duration(a, now);
	db = filter_duration(b, now);
	return (da > db) - (da < db);
}

/* The text field each text sort compares; the other sorts are filter_by_other's. */
static const struct {
	bool text;
	size_t field;
} filter_text_fields[FILTER_SORT_COUNT] = {
	[FILTER_SORT_NAME] = { true, offsetof(struct osmo_workflow_row, name) },
	[FILTER_SORT_USER] = { true, offsetof(struct osmo_workflow_row, user) },
	[FILTER_SORT_POOL] = { true, offsetof(struct osmo_workflow_row, pool) },
};

static int
filter_compare(const struct filter_cmp *c, const struct osmo_workflow_row *a,
               const struct osmo_workflow_row *b)
{
	int r = filter_text_fields[c->sort].text
	                ? filter_by_text(a, b, filter_text_fields[c->sort].field)
	                : filter_by_other(c->sort, a, b, c->now_ms);

	return c->descending ? -r : r;
}

/* Merge sort: stable, and it takes a context, which qsort cannot. */
static void
filter_merge_sort(const struct filter_cmp *c, struct osmo_workflow_row *rows,
                  struct osmo_workflow_row *tmp, size_t n)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n < 2)
		return;
	filter_merge_sort(c, rows, tmp, mid);
	filter_merge_sort(c, rows + mid, tmp, n - mid);
	while (i < mid && j < n)
		tmp[k++] = filter_compare(c, &rows[j], &rows[i]) < 0 ? rows[j++] : rows[i++];
	while (i < mid)
		tmp[k++] = rows[i++];
	while (j < n)
		tmp[k++] = rows[j++];
	memcpy(rows, tmp, n * sizeof(*rows));
}

void
filter_apply(const struct filter *f, struct osmo_workflow_list *list, int64_t now_ms)
{
	struct filter_cmp c = { f->sort, f->descending, now_ms };
	struct osmo_workflow_row *tmp;

	/* The server's own order is kept as it came. */
	if (f->sort == FILTER_SORT_SERVER || list->n_rows < 2)
		return;
	tmp = xcalloc(list->n_rows, sizeof(*tmp));
	filter_merge_sort(&c, list->rows, tmp, list->n_rows);
	free(tmp);
}

char *
filter_describe(const struct filter *f, bool ascii)
{
	struct strbuf sb = { 0 };

	if (f->preset != FILTER_ALL)
		strbuf_addstr(&sb, filter_presets[f->preset].name);
	else if (f->statuses.n > 3) /* a prefix like status:fail names many: the others show */
		strbuf_addf(&sb, "status:%s+%zu", f->statuses.v[0], f->statuses.n - 1);
	else if (f->statuses.n)
		for (size_t i = 0; i < f->statuses.n; i++)
			strbuf_addf(&sb, "%s%s", i ? "," : "status:", f->statuses.v[i]);
	for (size_t i = 0; i < f->pools.n; i++)
		strbuf_addf(&sb, "%spool:%s", sb.len ? " · " : "", f->pools.v[i]);
	for (size_t i = 0; i < f->users.n; i++)
		strbuf_addf(&sb, "%suser:%s", sb.len ? " · " : "", f->users.v[i]);
	if (f->name)
		strbuf_addf(&sb, "%s\"%s\"", sb.len ? " · " : "", f->name);
	if (f->sort != FILTER_SORT_SERVER)
		strbuf_addf(&sb, "%sby %s %s", sb.len ? " · " : "", filter_sorts[f->sort].name,
		            f->descending ? (ascii ? "v" : "↓") : (ascii ? "^" : "↑"));
	return sb.len ? strbuf_detach(&sb) : xstrdup("");
}
