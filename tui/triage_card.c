/* triage_card.c: the triage card: the root cause, what its status means and what to do, the exit, the rule, the retries, the log and events that matter. */
#include "tui/triage_card.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/log_tail.h"
#include "tui/format.h"
#include "tui/keymap.h"
#include "tui/text.h"
#include "tui/theme.h"
#include "tui/view_logs.h"

#define TRIAGE_CARD_LABEL 13   /* the labels' column */
#define TRIAGE_CARD_LINES 20   /* log lines shown: the end of it, where errors are */
#define TRIAGE_CARD_RING  1000 /* lines of an answer read; the end is what is shown */

/* Each failure status in plain words, and what to do about it (workflow-lifecycle's table). */
static const struct {
	const char *meaning;
	const char *next;
} triage_card_words[OSMO_STATUS_COUNT] = {
	[OSMO_FAILED] = { "the task's command exited with an error",
	                  "read the error log (e) and the exit code; fix it, then restart (r)" },
	[OSMO_FAILED_SUBMISSION] = { "the service refused it before anything ran: its resources "
	                             "or credentials did not validate",
	                             "check the pool's resources and your credentials, then "
	                             "resubmit (R)" },
	[OSMO_FAILED_UPSTREAM] = { "a group it needs failed first, so it never ran",
	                           "fix the root cause (!); a restart (r) reruns this too" },
	[OSMO_FAILED_CANCELED] = { "it was canceled", "resubmit (R) if it should run after all" },
	[OSMO_FAILED_EXEC_TIMEOUT] = { "it ran longer than its exec_timeout",
	                               "raise exec_timeout in the spec, or checkpoint and restart "
	                               "(r)" },
	[OSMO_FAILED_QUEUE_TIMEOUT] = { "it waited in the queue longer than its queue_timeout",
	                                "check the pool's capacity (osmo pool list), use another "
	                                "pool, or raise queue_timeout" },
	[OSMO_FAILED_SERVER_ERROR] = { "OSMO itself failed, not the workflow",
	                               "restart (r); if it happens again, tell the service's "
	                               "administrators" },
	[OSMO_FAILED_EVICTED] = { "its node evicted it: it used more memory or disk than allowed",
	                          "request more memory or storage in its resources, or use less; "
	                          "then restart (r)" },
	[OSMO_FAILED_START_ERROR] = { "its container failed to start (preflight or startup)",
	                              "check the image's entrypoint and the task's command; then "
	                              "restart (r)" },
	[OSMO_FAILED_IMAGE_PULL] = { "its node could not pull the image",
	                             "check the image's name and tag and the registry "
	                             "credentials" },
	[OSMO_FAILED_BACKEND_ERROR] = { "the cluster failed under it (a node not ready)",
	                                "not the code: restart (r); exitActions can reschedule "
	                                "such failures" },
	[OSMO_FAILED_START_TIMEOUT] = { "it took too long to start (a large image, the network)",
	                                "use a smaller image or a nearer registry; then restart "
	                                "(r)" },
	[OSMO_FAILED_PREEMPTED] = { "a workflow of higher priority took its resources",
	                            "restart (r), or resubmit (R) at a higher priority or to "
	                            "another pool" },
};

/* Words in event lines that mean a warning, as Kubernetes reasons and messages put them. */
static const char *const triage_card_warnings[] = {
	"warning", "failed",  "backoff",       "error",     "evict",
	"oom",     "killing", "unschedulable", "unhealthy", "preempt",
};

const char *
triage_card_meaning(enum osmo_status s)
{
	return (unsigned)s < OSMO_STATUS_COUNT && triage_card_words[s].meaning
	               ? triage_card_words[s].meaning
	               : "";
}

const char *
triage_card_next_step(enum osmo_status s)
{
	return (unsigned)s < OSMO_STATUS_COUNT && triage_card_words[s].next
	               ? triage_card_words[s].next
	               : "";
}

bool
triage_card_warning(const char *line)
{
	for (size_t i = 0; i < ARRAY_SIZE(triage_card_warnings); i++)
		if (text_has_nocase(line, triage_card_warnings[i], strlen(triage_card_warnings[i])))
			return true;
	return false;
}

/* text on one line, wrapped in width columns from row; at most max rows; returns rows used. */
static int
triage_card_wrap(struct canvas *c, int row, int col, int width, enum style style, const char *text,
                 int max)
{
	char *flat = format_oneline(text);
	int used = canvas_text_wrap(c, row, col, width, max, style, flat);

	free(flat);
	return used ? used : 1;
}

/* "LABEL  text", the text wrapped under itself; returns the next row. */
int
triage_card_field(struct canvas *c, int row, const char *label, enum style style, const char *text,
                  int max)
{
	if (row >= c->rows)
		return row;
	canvas_text(c, row, 0, TRIAGE_CARD_LABEL, STYLE_LABEL, label);
	return row + triage_card_wrap(c, row, TRIAGE_CARD_LABEL, c->cols - TRIAGE_CARD_LABEL, style,
	                              text && *text ? text : "-", max);
}

/* "r0 ✘ 137 → r1 ✘ 1": each retry of the root task with how it ended. */
static char *
triage_card_retries(const struct render_ctx *rc, const struct triage_root *r)
{
	const struct osmo_task *tries[16];
	size_t n = triage_retries(r->group, r->task->name, tries, ARRAY_SIZE(tries));
	struct strbuf sb = { 0 };

	for (size_t i = 0; i < n && i < ARRAY_SIZE(tries); i++) {
		const struct osmo_task *t = tries[i];

		strbuf_addf(&sb, "%sr%d %s ", i ? (rc->ascii ? " > " : " → ") : "", t->retry_id,
		            theme_status_glyph(t->status, rc->ascii));
		if (t->has_exit_code)
			strbuf_addf(&sb, "%d", t->exit_code);
		else
			strbuf_addstr(&sb, osmo_status_wire(t->status));
	}
	if (n > ARRAY_SIZE(tries))
		strbuf_addf(&sb, " (and %zu more)", n - ARRAY_SIZE(tries));
	return strbuf_detach(&sb);
}

/* The groups the root took down with it, by name. */
static char *
triage_card_taken(const struct osmo_workflow *wf, const struct triage_root *r)
{
	size_t below[32];
	size_t n = triage_below(wf, (size_t)(r->group - wf->groups), below, ARRAY_SIZE(below));
	struct strbuf sb = { 0 };

	size_t shown = n < ARRAY_SIZE(below) ? n : ARRAY_SIZE(below);

	/* By status, in the order they come: "a, b (FAILED_UPSTREAM); c (FAILED_CANCELED)". */
	for (size_t i = 0; i < shown; i++) {
		enum osmo_status st = wf->groups[below[i]].status;
		bool first = true;

		for (size_t k = 0; k < i && first; k++)
			first = wf->groups[below[k]].status != st;
		if (!first)
			continue;
		strbuf_addstr(&sb, sb.len ? "; " : "");
		for (size_t k = i, m = 0; k < shown; k++)
			if (wf->groups[below[k]].status == st)
				strbuf_addf(&sb, "%s%s", m++ ? ", " : "",
				            wf->groups[below[k]].name);
		strbuf_addf(&sb, " (%s)", osmo_status_wire(st));
	}
	if (n > shown)
		strbuf_addf(&sb, " and %zu more", n - shown);
	if (!n)
		strbuf_addstr(&sb, "nothing below it");
	return strbuf_detach(&sb);
}

/* The status, what it means and what to do; the exit code with its meaning. */
static int
triage_card_status(const struct render_ctx *rc, const struct triage_card *tc, struct canvas *c,
                   int row, enum osmo_status st, const struct osmo_task *t)
{
	char *s = xasprintf("%s %s: %s", theme_status_glyph(st, rc->ascii), osmo_status_wire(st),
	                    *triage_card_meaning(st) ? triage_card_meaning(st) : "not a failure");

	row = triage_card_field(c, row, "status", theme_status_style(st), s, 3);
	free(s);
	if (st == OSMO_FAILED_CANCELED && tc->wf->cancelled_by) {
		s = xasprintf("by %s", tc->wf->cancelled_by);
		row = triage_card_field(c, row, "canceled", STYLE_NORMAL, s, 1);
		free(s);
	}
	/* A plain FAILED by signal 9 was most often the kernel's out-of-memory kill. */
	s = keymap_mention(rc->keys, KEYMAP_IN_WORKFLOW,
	                   t && st == OSMO_FAILED && t->has_exit_code && t->exit_code == 137
	                           ? "it was killed (signal 9), most often for memory: request "
	                             "more memory in its resource, or read the error log (e)"
	                           : triage_card_next_step(st));
	row = triage_card_field(c, row, "next step", STYLE_TITLE, s, 3);
	free(s);
	if (t && t->has_exit_code) {
		s = xasprintf("%d · %s · %s", t->exit_code,
		              format_task_exit(t->exit_code, t->status),
		              t->exit_code == 0 ? "success"
		              : t->exit_code > 128 && t->exit_code < 256
		                      ? "killed by a signal (128 + its number)"
		              : t->exit_code < 256 ? "the program's own exit"
		                                   : "OSMO's code, not the program's");
		row = triage_card_field(c, row, "exit code",
		                        t->exit_code ? STYLE_ERROR : STYLE_NORMAL, s, 2);
		free(s);
	}
	return row;
}

/* A section's title across the row, as a table's header. */
static void
triage_card_heading(struct canvas *c, int row, const char *title)
{
	canvas_fill(c, row, 0, c->cols, ' ', STYLE_HEADER);
	canvas_text(c, row, 0, c->cols, STYLE_HEADER, title);
}

/* The log's last lines and the warning events, as far as rows go. */
static int
triage_card_lines(const struct triage_card *tc, struct canvas *c, int row)
{
	const struct triage_lines *l = tc->lines;
	int room = c->rows - row - 0;
	size_t nlog = l ? l->log.n : 0, nev = l ? l->events.n : 0;
	if (room <= 1)
		return row;
	triage_card_heading(c, row++, l && l->has_errors ? "error log, its end" : "log, its end");
	if (!nlog)
		canvas_text(c, row++, 1, c->cols - 1, STYLE_DIM,
		            l && l->log_note ? l->log_note : "(empty)");
	/* The end of the log, where the traceback is; a line per row, cut, not wrapped. */
	int show = (int)nlog < TRIAGE_CARD_LINES ? (int)nlog : TRIAGE_CARD_LINES;
	int left = c->rows - row - 0 - (nev ? 2 : 0);

	if (show > left)
		show = left > 0 ? left : 0;
	for (size_t i = nlog - (size_t)show; i < nlog && row < c->rows; i++)
		canvas_text_ellipsis(c, row++, 1, c->cols - 1, STYLE_NORMAL, l->log.v[i]);
	if (nev && row + 1 < c->rows - 0) {
		triage_card_heading(c, row++, "warning events");
		for (size_t i = 0; i < nev && row < c->rows - 0; i++)
			canvas_text_ellipsis(c, row++, 1, c->cols - 1, STYLE_WARN, l->events.v[i]);
	}
	return row;
}

int
triage_card_render(const struct render_ctx *rc, const struct triage_card *tc, struct canvas *c)
{
	const struct osmo_workflow *wf = tc->wf;
	const struct triage_root *r = tc->root && tc->root->group ? tc->root : NULL;
	char *s = xasprintf("osmotop · %s · %s", wf->name,
	                    osmo_status_is_failed(wf->status) ? "why it failed"
	                    : r                               ? "what failed so far"
	                                                      : "nothing has failed");
	int row = 0;

	canvas_fill(c, row, 0, c->cols, ' ', STYLE_TITLE);
	canvas_text_ellipsis(c, row++, 0, c->cols, STYLE_TITLE, s);
	free(s);
	row++;
	if (!osmo_status_is_failed(wf->status) && !r) {
		s = xasprintf("%s is %s: nothing has failed.", wf->name,
		              osmo_status_wire(wf->status));
		canvas_text(c, row++, 0, c->cols, STYLE_NORMAL, s);
		free(s);
	} else if (!r) {
		/* It failed as a whole: no group ran into it (refused, server error). */
		row = triage_card_field(c, row, "workflow", STYLE_NORMAL, wf->name, 1);
		row = triage_card_status(rc, tc, c, row, wf->status, NULL);
		row = triage_card_field(c, row, "groups", STYLE_DIM,
		                        wf->n_groups ? "none failed on its own" : "none ran", 1);
	} else {
		const struct osmo_task *t = r->task;

		s = t ? xasprintf("%s / %s%s, retry %d", r->group->name, t->name,
		                  t->lead ? " (lead)" : "", t->retry_id)
		      : xasprintf("%s (no task decided it)", r->group->name);
		row = triage_card_field(c, row, "root cause", STYLE_TITLE, s, 2);
		free(s);
		row = triage_card_status(rc, tc, c, row, t ? t->status : r->group->status, t);
		if (t && t->failure_message)
			row = triage_card_field(c, row, "message", STYLE_ERROR, t->failure_message,
			                        6);
		else if (r->group->failure_message)
			row = triage_card_field(c, row, "message", STYLE_ERROR,
			                        r->group->failure_message, 6);
		if (r->strict)
			s = xasprintf("any failing task fails %s (ignoreNonleadStatus: false)",
			              r->group->name);
		else if (osmo_status_is_failed(r->group->status))
			s = xasprintf("%s fails when its lead fails (ignoreNonleadStatus: true)",
			              r->group->name);
		else
			s = xasprintf(
			        "%s goes on: only its lead decides (ignoreNonleadStatus: true)",
			        r->group->name);
		row = triage_card_field(c, row, "group rule", STYLE_NORMAL, s, 2);
		free(s);
		if (t) {
			s = triage_card_retries(rc, r);
			row = triage_card_field(c, row, "retries", STYLE_NORMAL, s, 2);
			free(s);
			if (t->node_name) {
				s = xasprintf("%s%s%s", t->node_name, t->pod_name ? " · pod " : "",
				              t->pod_name ? t->pod_name : "");
				row = triage_card_field(c, row, "ran on", STYLE_DIM, s, 1);
				free(s);
			}
		}
		s = triage_card_taken(wf, r);
		row = triage_card_field(c, row, "took down", STYLE_NORMAL, s, 2);
		free(s);
		if (row < c->rows)
			row++;
		row = triage_card_lines(tc, c, row);
	}
	return row;
}

void
triage_card_lines_of(const char *text, size_t len, bool warnings, struct strv *out)
{
	struct log_tail lt;

	log_tail_init(&lt, TRIAGE_CARD_RING);
	log_tail_feed(&lt, text, len);
	log_tail_finish(&lt);
	for (size_t i = 0; i < lt.count; i++) {
		char *line = view_logs_plain(log_tail_line(&lt, i));

		if (!warnings || triage_card_warning(line))
			strv_push_owned(out, line);
		else
			free(line);
	}
	log_tail_free(&lt);
}

void
triage_lines_take(struct triage_lines *l, bool events, const struct strbuf *raw,
                  const struct api_error *err)
{
	struct strv *out = events ? &l->events : &l->log;

	strv_free(out);
	if (raw->len)
		triage_card_lines_of(raw->buf, raw->len, events, out);
	if (events)
		return; /* events help; their absence is no error */
	free(l->log_note);
	l->log_note = err && err->kind != API_OK && !l->log.n
	                      ? xasprintf("could not fetch it: %s", err->message)
	                      : NULL;
}

void
triage_lines_free(struct triage_lines *l)
{
	strv_free(&l->log);
	strv_free(&l->events);
	free(l->log_note);
	memset(l, 0, sizeof(*l));
}

/* The card's next steps: what each key does there, and when it is offered. */
enum triage_card_when { TRIAGE_ALWAYS, TRIAGE_MORE, TRIAGE_FAILED, TRIAGE_RUNNING };

static const struct triage_card_step {
	enum keymap_action act;
	const char *word;
	enum triage_card_when when;
	enum keymap_action also; /* shown with act as "j/k"; 0 (quit) for none */
} triage_card_steps[] = {
	{ .act = KEYMAP_DOWN, .word = "more", .when = TRIAGE_MORE, .also = KEYMAP_UP },
	{ .act = KEYMAP_LOGS, .word = "logs" },
	{ .act = KEYMAP_ERROR_LOGS, .word = "error logs" },
	{ .act = KEYMAP_EVENTS, .word = "events" },
	/* Only what the workflow allows: a restart is for a failed one, a shell for a task that
	 * still runs. */
	{ .act = KEYMAP_RESTART, .word = "restart failed groups", .when = TRIAGE_FAILED },
	{ .act = KEYMAP_SHELL, .word = "shell", .when = TRIAGE_RUNNING },
	{ .act = KEYMAP_RESUBMIT, .word = "resubmit" },
	{ .act = KEYMAP_ROOT, .word = "to the task" },
	{ .act = KEYMAP_BACK, .word = "back" },
};

void
triage_card_keys(const struct triage_card *tc, const struct keymap *keys, struct canvas *c, int row,
                 bool more)
{
	const struct triage_root *r = tc->root && tc->root->group ? tc->root : NULL;
	const bool offered[] = {
		[TRIAGE_ALWAYS] = true,
		[TRIAGE_MORE] = more,
		[TRIAGE_FAILED] = osmo_status_is_failed(tc->wf->status),
		[TRIAGE_RUNNING] = r && r->task && r->task->status == OSMO_RUNNING,
	};
	struct strbuf sb = { 0 };

	for (size_t i = 0; i < ARRAY_SIZE(triage_card_steps); i++) {
		const struct triage_card_step *st = &triage_card_steps[i];
		const char *key = keymap_key_name(keys, KEYMAP_IN_WORKFLOW, st->act);
		const char *also =
		        st->also ? keymap_key_name(keys, KEYMAP_IN_WORKFLOW, st->also) : NULL;

		if (key && offered[st->when])
			strbuf_addf(&sb, "%s%s%s%s %s", sb.len ? "  " : "", key, also ? "/" : "",
			            also ? also : "", st->word);
	}
	canvas_fill(c, row, 0, c->cols, ' ', STYLE_NORMAL);
	canvas_text_ellipsis(c, row, 0, c->cols, STYLE_DIM, sb.buf ? sb.buf : "");
	strbuf_free(&sb);
}
