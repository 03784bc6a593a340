/* view_detail.c: the monitor's task details (i), as k9s's describe: every phase's time, where it ran, its exit and message, its links. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "client/spec_rules.h"
#include "common/osmo_time.h"
#include "tui/format.h"
#include "tui/theme.h"
#include "tui/triage_card.h"
#include "tui/view_ops.h"

/* The details drawn whole off screen: their fields, and a failure message of some length. */
#define VIEW_DETAIL_ROWS 300

/* A field of the task the details show: its label, and where it is in struct osmo_task. */
struct view_detail_field {
	const char *label;
	size_t off;
};

/* The task's phases in the order they happen, each an int64_t of milliseconds. */
static const struct view_detail_field view_detail_phases[] = {
	{ "processing", offsetof(struct osmo_task, processing_ms) },
	{ "scheduling", offsetof(struct osmo_task, scheduling_ms) },
	{ "initializing", offsetof(struct osmo_task, initializing_ms) },
	{ "inputs from", offsetof(struct osmo_task, input_download_start_ms) },
	{ "inputs done", offsetof(struct osmo_task, input_download_end_ms) },
	{ "started", offsetof(struct osmo_task, start_ms) },
	{ "outputs from", offsetof(struct osmo_task, output_upload_start_ms) },
	{ "ended", offsetof(struct osmo_task, end_ms) },
};

/* The links the API gives a task, each a char *. */
static const struct view_detail_field view_detail_links[] = {
	{ "logs", offsetof(struct osmo_task, logs_url) },
	{ "error logs", offsetof(struct osmo_task, error_logs_url) },
	{ "events", offsetof(struct osmo_task, events_url) },
	{ "dashboard", offsetof(struct osmo_task, dashboard_url) },
};

/* Each phase's time and how long after the one before it came. */
static int
view_detail_times(const struct render_ctx *rc, const struct osmo_workflow *wf,
                  const struct osmo_task *t, struct canvas *c, int row)
{
	char when[FORMAT_BUF], gap[FORMAT_BUF];
	int64_t prev = wf->submit_ms;

	struct {
		const char *label;
		int64_t ms;
	} seen[ARRAY_SIZE(view_detail_phases)] = { { 0 } };
	size_t n = 0;

	format_time(wf->submit_ms, when);
	row = triage_card_field(c, row, "submitted", STYLE_NORMAL, when, 1);
	/* In the order they happened: the service's phases overlap (inputs after the start). */
	for (size_t i = 0; i < ARRAY_SIZE(view_detail_phases); i++) {
		int64_t ms = *(const int64_t *)((const char *)t + view_detail_phases[i].off);
		size_t k = n;

		if (!ms)
			continue;
		n++;
		for (; k > 0 && seen[k - 1].ms > ms; k--)
			seen[k] = seen[k - 1];
		seen[k].label = view_detail_phases[i].label;
		seen[k].ms = ms;
	}
	for (size_t i = 0; i < n; i++) {
		char *line;

		format_time(seen[i].ms, when);
		format_duration(prev ? (double)(seen[i].ms - prev) / 1000.0 : -1, gap);
		line = xasprintf("%s   (+%s)", when, gap);
		row = triage_card_field(c, row, seen[i].label, STYLE_NORMAL, line, 1);
		free(line);
		prev = seen[i].ms;
	}
	if (t->start_ms) {
		format_duration(osmo_time_span_s(t->start_ms, t->end_ms, rc->now_ms), gap);
		row = triage_card_field(c, row, "ran", STYLE_TITLE, gap, 1);
	}
	return row;
}

/* What the spec says of the task: image, command, resources, inputs, outputs; the next row. */
static int
view_detail_spec(const struct app *a, const struct osmo_task *t, struct canvas *c, int row)
{
	struct spec_task st;

	if (!a->wf.spec || !spec_rules_task(a->wf.spec, a->wf.spec_len, t->name, &st))
		return triage_card_field(c, row, "spec", STYLE_DIM, "v shows the submitted spec",
		                         1);
	/* Inputs and outputs only when there are some: most tasks have none. */
	for (int f = 0; f < SPEC_TASK_COUNT; f++)
		if (st.v[f] || f < SPEC_TASK_INPUTS)
			row = triage_card_field(c, row,
			                        spec_rules_task_label((enum spec_task_field)f),
			                        STYLE_NORMAL, st.v[f], 2);
	spec_rules_task_free(&st);
	return row;
}

/* The details into c from its top; returns the rows they took. */
static int
view_detail_render(struct app *a, struct render_ctx *rc, struct canvas *c)
{
	const struct osmo_task *t;
	const struct osmo_group *g = view_table_selected(a, &t);
	const struct osmo_task *tries[16];
	char *s;
	int row = 1;

	canvas_fill(c, 0, 0, c->cols, ' ', STYLE_TITLE);
	if (!g) {
		canvas_text(c, 0, 0, c->cols, STYLE_TITLE,
		            "osmotop · no task selected (Esc: back)");
		return 1;
	}
	if (!t)
		t = osmo_group_lead(g); /* a group row: its lead's details */
	s = xasprintf("osmotop · %s · %s / %s · details (Esc: back)", a->wf.id, g->name,
	              t ? t->name : "-");
	canvas_text_ellipsis(c, 0, 0, c->cols, STYLE_TITLE, s);
	free(s);
	row++;
	if (!t)
		return triage_card_field(c, row, "group", STYLE_NORMAL, "no task yet", 1);
	size_t n_tries = triage_retries(g, t->name, tries, ARRAY_SIZE(tries));

	s = xasprintf("%s%s · retry %d · %zu tr%s · group %s", t->name, t->lead ? " (lead)" : "",
	              t->retry_id, n_tries, n_tries == 1 ? "y" : "ies", g->name);
	row = triage_card_field(c, row, "task", STYLE_NORMAL, s, 1);
	free(s);
	s = xasprintf("%s %s%s%s", theme_status_glyph(t->status, rc->ascii),
	              osmo_status_wire(t->status), *triage_card_meaning(t->status) ? ": " : "",
	              triage_card_meaning(t->status));
	/* The status and the message whole, however narrow: they say why it failed. */
	row = triage_card_field(c, row, "status", theme_status_style(t->status), s, INT_MAX);
	free(s);
	if (t->has_exit_code) {
		s = xasprintf("%d · %s", t->exit_code, format_task_exit(t->exit_code, t->status));
		row = triage_card_field(c, row, "exit code",
		                        t->exit_code ? STYLE_ERROR : STYLE_NORMAL, s, 1);
		free(s);
	}
	if (t->failure_message)
		row = triage_card_field(c, row, "message", STYLE_ERROR, t->failure_message,
		                        INT_MAX);
	row = view_detail_spec(a, t, c, row + 1);
	row = view_detail_times(rc, &a->wf.data, t, c, row + 1) + 1;
	row = triage_card_field(c, row, "node", STYLE_NORMAL, t->node_name, 1);
	s = xasprintf("%s%s%s", t->pod_name ? t->pod_name : "-", t->pod_ip ? " · IP " : "",
	              t->pod_ip ? t->pod_ip : "");
	row = triage_card_field(c, row, "pod", STYLE_NORMAL, s, 1);
	free(s);
	row = triage_card_field(c, row, "task uuid", STYLE_DIM, t->task_uuid, 1) + 1;
	for (size_t i = 0; i < ARRAY_SIZE(view_detail_links); i++) {
		const char *url = *(char *const *)((const char *)t + view_detail_links[i].off);

		if (url)
			row = triage_card_field(c, row, view_detail_links[i].label, STYLE_LABEL,
			                        url, 2);
	}
	return row;
}

/* Taller than small terminals: drawn whole, shown from where it is scrolled to. */
static void
view_detail_draw(struct app *a, struct render_ctx *rc, struct canvas *body)
{
	struct canvas tall;

	canvas_init(&tall, VIEW_DETAIL_ROWS, body->cols);
	app_page_show(&a->detail, &tall, view_detail_render(a, rc, &tall), body, body->rows);
	canvas_free(&tall);
}

static void
view_detail_move(struct app *a, int delta, bool absolute)
{
	app_page_move(&a->detail, delta, absolute);
}

/* Each task's details start at their top. */
static void
view_detail_enter(struct app *a)
{
	a->detail.top = 0;
}

static const enum keymap_action view_detail_hints[] = { KEYMAP_HELP, KEYMAP_CLOSE, KEYMAP_NONE };

VIEW_OPS(view_detail, KEYMAP_IN_DETAIL, VIEW_OVERLAY, view_detail_enter, NULL, NULL,
         view_detail_move, view_detail_draw, NULL, NULL, view_detail_hints);
