/*
 * notify.c: telling the user of changes worth it while they look elsewhere: the terminal's bell
 * and desktop notification, the configuration's on_event command, and a log of what was told.
 */
#include "tui/notify.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/status.h"

/* A minute's alerts and commands at most: a workflow of a thousand tasks failing at once
 * rings once, and a chat the hook posts to gets a few lines, not a flood. */
#define NOTIFY_ALERTS_PER_MIN 4
#define NOTIFY_SPAWNS_PER_MIN 20
#define NOTIFY_MINUTE_MS      60000

extern char **environ;

const char *const notify_desktop_names[NOTIFY_DESKTOP_COUNT] = {
	[NOTIFY_DESKTOP_OFF] = "off",
	[NOTIFY_DESKTOP_OSC9] = "osc9",
	[NOTIFY_DESKTOP_OSC777] = "osc777",
	[NOTIFY_DESKTOP_BOTH] = "both",
};

/* What each worth is called in on_event's OSMOTOP_EVENT, and how much it matters. */
static const struct notify_worth {
	const char *event;
	int rank;
} notify_worths[] = {
	[CHANGES_QUIET] = { "", 0 },
	[CHANGES_STARTED] = { "started", 1 },
	[CHANGES_RETRY] = { "retry", 2 },
	[CHANGES_STALL] = { "stall", 2 },
	[CHANGES_COMPLETED] = { "completed", 3 },
	[CHANGES_FAILED] = { "failed", 4 },
};

/* Reaps on_event commands that ended, without waiting. */
static void
notify_reap(struct notify *n)
{
	for (size_t i = 0; i < n->n_children;)
		if (waitpid(n->children[i], NULL, WNOHANG) != 0)
			n->children[i] = n->children[--n->n_children];
		else
			i++;
}

void
notify_init(struct notify *n, const struct notify_settings *set)
{
	memset(n, 0, sizeof(*n));
	n->set = set;
}

void
notify_free(struct notify *n)
{
	notify_reap(n);
	for (size_t i = 0; i < n->count; i++)
		free(n->log[(n->start + i) % NOTIFY_LOG].text);
	strv_free(&n->told);
	/* Commands still running are left to finish on their own; init reaps them. */
	free(n->children);
	memset(n, 0, sizeof(*n));
}

void
notify_alert_free(struct notify_alert *alert)
{
	free(alert->title);
	free(alert->body);
	memset(alert, 0, sizeof(*alert));
}

const struct notify_entry *
notify_entry(const struct notify *n, size_t i)
{
	return &n->log[(n->start + n->count - 1 - i) % NOTIFY_LOG];
}

/* The event in words, safe for a terminal: "wf-1: train-group/train FAILED (exit 1)". */
static char *
notify_words(const struct changes_event *e)
{
	struct strbuf sb = { 0 };
	char *safe;

	strbuf_addstr(&sb, e->workflow);
	if (e->kind == CHANGES_GROUP)
		strbuf_addf(&sb, ": group %s", e->group);
	else if (e->kind == CHANGES_TASK)
		strbuf_addf(&sb, ": %s/%s", e->group, e->task);
	if (e->stall)
		strbuf_addf(&sb, " %s", e->message ? e->message : "went silent");
	else if (e->kind == CHANGES_TASK && !e->seen)
		strbuf_addf(&sb, " retry %d started (%s)", e->retry, osmo_status_wire(e->to));
	else if (e->kind == CHANGES_WORKFLOW && e->to == OSMO_RUNNING && e->from != OSMO_UNKNOWN)
		strbuf_addf(&sb, " started running (was %s)", osmo_status_wire(e->from));
	else if (e->kind == CHANGES_WORKFLOW && e->to == OSMO_RUNNING)
		strbuf_addstr(&sb, " started running");
	else
		strbuf_addf(&sb, " %s", osmo_status_wire(e->to));
	if (e->kind == CHANGES_TASK && e->has_exit_code && osmo_status_is_failed(e->to))
		strbuf_addf(&sb, " (exit %d)", e->exit_code);
	safe = utf8_one_line(sb.buf);
	strbuf_free(&sb);
	return safe;
}

static void
notify_log(struct notify *n, enum changes_worth worth, char *text, int64_t wall_ms)
{
	struct notify_entry *e;

	if (n->count == NOTIFY_LOG) {
		free(n->log[n->start].text);
		n->start = (n->start + 1) % NOTIFY_LOG;
		n->count--;
	}
	e = &n->log[(n->start + n->count++) % NOTIFY_LOG];
	*e = (struct notify_entry){ wall_ms, worth, text };
	n->unread++;
}

/* Whether this workflow's status was told already (by the list, then by its own poll). */
static bool
notify_told(struct notify *n, const struct changes_event *e)
{
	char *key = xasprintf("%s\t%s", e->workflow, osmo_status_wire(e->to));
	size_t len = strlen(e->workflow) + 1;
	bool told = false;

	for (size_t i = 0; i < n->told.n && !told; i++) {
		if (strncmp(n->told.v[i], key, len) != 0)
			continue;
		told = strcmp(n->told.v[i], key) == 0;
		free(n->told.v[i]);
		n->told.v[i] = n->told.v[--n->told.n];
		break;
	}
	strv_push_owned(&n->told, key);
	return told;
}

/* on_event: the user's command with the event in its environment, never in a shell string. */
static void
notify_spawn(struct notify *n, const struct changes_event *e, const char *service)
{
	char retry[16], code[16];
	const char *vars[][2] = {
		{ "OSMOTOP_EVENT", notify_worths[changes_worth(e)].event },
		{ "OSMOTOP_KIND", changes_kind_name(e->kind) },
		{ "OSMOTOP_WORKFLOW", e->workflow },
		{ "OSMOTOP_GROUP", e->group },
		{ "OSMOTOP_TASK", e->task },
		{ "OSMOTOP_RETRY", e->kind == CHANGES_TASK ? retry : NULL },
		{ "OSMOTOP_STATUS", osmo_status_wire(e->to) },
		{ "OSMOTOP_PREVIOUS",
		  e->seen && e->from != OSMO_UNKNOWN ? osmo_status_wire(e->from) : NULL },
		{ "OSMOTOP_EXIT_CODE", e->has_exit_code ? code : NULL },
		{ "OSMOTOP_MESSAGE", e->message },
		{ "OSMOTOP_SERVICE", service },
	};
	struct strv env = { 0 }, argv = { 0 };
	posix_spawn_file_actions_t fa;
	pid_t pid;

	snprintf(retry, sizeof(retry), "%d", e->retry);
	snprintf(code, sizeof(code), "%d", e->exit_code);
	for (char **v = environ; *v; v++)
		if (!str_starts_with(*v, "OSMOTOP_"))
			strv_push(&env, *v);
	for (size_t i = 0; i < ARRAY_SIZE(vars); i++)
		if (vars[i][1])
			strv_push_owned(&env, xasprintf("%s=%s", vars[i][0], vars[i][1]));
	strv_push_owned(&env, NULL);
	for (size_t i = 0; i < n->set->on_event.n; i++)
		strv_push(&argv, n->set->on_event.v[i]);
	strv_push_owned(&argv, NULL);
	/* Nothing it prints may reach the screen, nor may it read the keys. */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(&pid, argv.v[0], &fa, NULL, argv.v, env.v) == 0) {
		n->children = xreallocarray(n->children, n->n_children + 1, sizeof(*n->children));
		n->children[n->n_children++] = pid;
	}
	posix_spawn_file_actions_destroy(&fa);
	strv_free(&argv);
	strv_free(&env);
}

/* The rate limit: true while this minute has room for one more of *used (max of them). */
static bool
notify_room(struct notify *n, int64_t now_ms, unsigned *used, unsigned max)
{
	if (now_ms - n->window_ms >= NOTIFY_MINUTE_MS) {
		n->window_ms = now_ms;
		n->alerts = n->spawns = 0;
	}
	if (*used >= max)
		return false;
	(*used)++;
	return true;
}

void
notify_changes(struct notify *n, const struct changes *c, const char *service, int64_t now_ms,
               int64_t wall_ms, struct notify_alert *alert)
{
	const struct changes_event *top = NULL;
	size_t worthy = 0;

	memset(alert, 0, sizeof(*alert));
	notify_reap(n);
	if (!n->set->enabled)
		return;
	/* From the last: the log's newest first then starts with the workflow's own. */
	for (size_t i = c->n; i-- > 0;) {
		const struct changes_event *e = &c->v[i];
		enum changes_worth w = changes_worth(e);

		if (w == CHANGES_QUIET || (e->kind == CHANGES_WORKFLOW && notify_told(n, e)))
			continue;
		notify_log(n, w, notify_words(e), wall_ms);
		worthy++;
		if (!top || notify_worths[w].rank > notify_worths[changes_worth(top)].rank)
			top = e;
		if (n->set->on_event.n && notify_room(n, now_ms, &n->spawns, NOTIFY_SPAWNS_PER_MIN))
			notify_spawn(n, e, service);
	}
	if (!top)
		return;
	if (!notify_room(n, now_ms, &n->alerts, NOTIFY_ALERTS_PER_MIN)) {
		n->held += (unsigned)worthy;
		return;
	}
	alert->bell = n->set->bell;
	if (n->set->desktop != NOTIFY_DESKTOP_OFF) {
		char *words = notify_words(top);
		size_t more = worthy - 1 + n->held;

		/* The body names the workflow; the title only who speaks. */
		alert->title = xstrdup("osmotop");
		alert->body = more ? xasprintf("%s (and %zu more %s)", words, more,
		                               more > 1 ? "changes" : "change")
		                   : xstrdup(words);
		free(words);
	}
	n->held = 0;
}
