/* cmd_watch.c: `osmotop watch`: a line per status change of workflows, their groups and tasks. */
#include "tui/cmd_watch.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/api.h"
#include "client/changes.h"
#include "client/sync.h"
#include "common/json.h"
#include "common/osmo_time.h"
#include "common/status.h"
#include "common/util.h"
#include "tui/session.h"

/* Failed polls in a row, with the backoff between them (1 s doubling to 30 s: about 4 min),
 * before the service counts as gone, unless --retries says otherwise. */
#define CMD_WATCH_RETRIES 10
/* How far the service's clock may run behind ours for a submit time to count as after. */
#define CMD_WATCH_SKEW_MS 60000

#define CMD_WATCH_USAGE                                                                         \
	"usage: osmotop watch [--url URL] [--user NAME|--token-file FILE] [--local]\n"          \
	"                     [--until-done] [--interval S] [--retries N] [--json]\n"           \
	"                     WORKFLOW_ID|--mine\n"                                             \
	"\n"                                                                                    \
	"Prints a line for the workflow's status, its groups' and its tasks', then one for\n"   \
	"each change, until the workflow ends (or, with --mine, following every live\n"         \
	"workflow of yours as it appears, until interrupted):\n"                                \
	"  2026-12-06T09:43:35Z wf-1 task train/worker retry 0 RUNNING -> FAILED exit 1: ...\n" \
	"\n"                                                                                    \
	"  --until-done   exit when it ends (with --mine: when none of yours is live):\n"       \
	"                 0 COMPLETED, 1 any FAILED_*\n"                                        \
	"  --interval S   poll every S seconds (default: the refresh cadences of\n"             \
	"                 config.yaml, 10 s while running)\n"                                   \
	"  --retries N    failed polls in a row before the service counts as gone (10)\n"       \
	"  --json         one JSON object a line: time, workflow, kind, group, task,\n"         \
	"                 retry, from (null when first seen), to, exit_code, message\n"         \
	"  --mine         your live workflows, new ones as they are submitted\n"                \
	"\n"                                                                                    \
	"A lost connection is retried with backoff, as the monitor does. Exit status: 0\n"      \
	"done (or interrupted without --until-done), 1 a workflow failed or the service\n"      \
	"refused, 2 usage or the service unreachable for --retries polls in a row, 3\n"         \
	"authentication failed.\n"

enum {
	CMD_WATCH_UNTIL = SESSION_OPT_END,
	CMD_WATCH_INTERVAL,
	CMD_WATCH_RETRIES_OPT,
	CMD_WATCH_JSON,
	CMD_WATCH_MINE,
};

struct cmd_watch;

/* One workflow followed: its last answer and when to ask again. */
struct cmd_watch_wf {
	struct cmd_watch *w;
	char *name;
	struct osmo_workflow last;
	bool have; /* last holds an answer */
	bool done; /* it ended and was told */
	struct sync_item sync;
};

struct cmd_watch {
	struct session s;
	struct sync_policy policy;
	bool until_done, json, mine;
	struct cmd_watch_wf **wfs;
	size_t n;
	struct sync_item list;
	bool failed;       /* a workflow ended FAILED_* */
	unsigned retries;  /* failed polls in a row that end it */
	int64_t listed_ms; /* --mine: when the last list answer came (wall); 0: none yet */
	bool signalled;
	int rc; /* -1 while it goes on */
};

/* "2026-12-06T09:43:35Z": when this osmotop saw it, UTC. */
static void
cmd_watch_now(char *buf, size_t size)
{
	char iso[OSMO_TIME_BUF];
	int64_t now = clock_wall_ms();

	osmo_time_format_iso(now - now % 1000, iso);
	snprintf(buf, size, "%sZ", iso);
}

static void
cmd_watch_print_json(const char *when, const struct changes_event *e, char *const safe[4])
{
	const struct json_member m[] = {
		{ "time", when, false, 0 },
		{ "workflow", safe[0], false, 0 },
		{ "kind", changes_kind_name(e->kind), false, 0 },
		{ "group", safe[1], false, 0 },
		{ "task", safe[2], false, 0 },
		{ "retry", NULL, e->kind == CHANGES_TASK, e->retry },
		{ "from", e->seen ? osmo_status_wire(e->from) : NULL, false, 0 },
		{ "to", osmo_status_wire(e->to), false, 0 },
		{ "exit_code", NULL, e->has_exit_code, e->exit_code },
		{ "message", safe[3], false, 0 },
	};
	char *line = json_flat(m, ARRAY_SIZE(m));

	printf("%s\n", line);
	free(line);
}

/* One event as a line: greppable words, names and messages made safe for a terminal. */
static void
cmd_watch_print(const struct cmd_watch *w, const struct changes_event *e)
{
	const char *raw[4] = { e->workflow, e->group, e->task, e->message };
	char *safe[4], when[OSMO_TIME_BUF + 2];

	for (size_t i = 0; i < ARRAY_SIZE(raw); i++)
		safe[i] = raw[i] ? utf8_one_line(raw[i]) : NULL;
	cmd_watch_now(when, sizeof(when));
	if (w->json) {
		cmd_watch_print_json(when, e, safe);
	} else {
		printf("%s %s %s", when, safe[0], changes_kind_name(e->kind));
		if (e->kind == CHANGES_GROUP)
			printf(" %s", safe[1]);
		else if (e->kind == CHANGES_TASK)
			printf(" %s/%s retry %d", safe[1], safe[2], e->retry);
		if (e->seen)
			printf(" %s ->", osmo_status_wire(e->from));
		printf(" %s", osmo_status_wire(e->to));
		if (e->has_exit_code && osmo_status_is_finished(e->to))
			printf(" exit %d", e->exit_code);
		if (safe[3] && *safe[3] && osmo_status_is_failed(e->to))
			printf(": %s", safe[3]);
		putchar('\n');
	}
	for (size_t i = 0; i < ARRAY_SIZE(safe); i++)
		free(safe[i]);
}

/* Whether every workflow followed has ended: with --until-done, the end. */
static void
cmd_watch_check_end(struct cmd_watch *w)
{
	for (size_t i = 0; i < w->n; i++)
		if (!w->wfs[i]->done)
			return;
	/* --mine ends only when the last list said nothing of ours is live either. */
	if (w->mine && (!w->until_done || w->list.in_flight || !w->list.last_ok_ms))
		return;
	w->rc = w->until_done && w->failed ? 1 : 0;
}

/*
 * A failed poll: a service gone or busy is retried as the monitor does, CMD_WATCH_RETRIES
 * times in a row; an answer that refuses (not found, a bad login) ends the watch.
 */
static void
cmd_watch_failed(struct cmd_watch *w, struct sync_item *it, const char *what, struct api_error *err)
{
	bool retry =
	        err->kind == API_ERR_TRANSPORT || err->kind == API_ERR_TIMEOUT ||
	        (err->kind == API_ERR_HTTP && (err->http_status >= 500 || err->http_status == 429));
	char *msg;

	session_explain(&w->s, err);
	msg = utf8_one_line(err->message);
	if (!retry) {
		fprintf(stderr, "osmotop: watch %s: %s\n", what, msg);
		w->rc = session_exit_status(err->kind);
	} else if (it->failures + 1 >= w->retries) {
		fprintf(stderr,
		        "osmotop: watch %s: the service stayed unreachable (%u tries): %s\n", what,
		        w->retries, msg);
		w->rc = 2;
	} else {
		sync_failed(it, &w->policy, clock_mono_ms(), (uint32_t)rand());
		sync_retry_after(it, &w->policy, clock_mono_ms(), err->retry_after_s);
		fprintf(stderr, "osmotop: watch %s: %s; retrying in %lld s\n", what, msg,
		        (long long)(sync_wait_ms(it, clock_mono_ms()) + 999) / 1000);
		if (err->kind == API_ERR_TRANSPORT && session_relocate(&w->s))
			fprintf(stderr, "osmotop: watch: osmo-local moved to %s\n", w->s.shown_url);
	}
	free(msg);
}

static void
cmd_watch_answer(void *ctx, struct api_result *res)
{
	struct cmd_watch_wf *f = ctx;
	struct cmd_watch *w = f->w;
	struct changes ch = { 0 };

	f->sync.in_flight = false;
	if (res->err.kind != API_OK) {
		cmd_watch_failed(w, &f->sync, f->name, &res->err);
		api_result_free(res);
		return;
	}
	changes_diff(f->have ? &f->last : NULL, &res->workflow, &ch);
	for (size_t i = 0; i < ch.n; i++)
		cmd_watch_print(w, &ch.v[i]);
	if (fflush(stdout) != 0 && errno == EPIPE)
		w->rc = 0; /* the reader left (| head): nothing more to say */
	sync_succeeded(&f->sync, &w->policy, clock_mono_ms(), sync_state_of(res->workflow.status),
	               ch.n > 0);
	changes_clear(&ch);
	osmo_workflow_free(&f->last);
	f->last = res->workflow;
	memset(&res->workflow, 0, sizeof(res->workflow));
	f->have = true;
	api_result_free(res);
	if (osmo_status_is_finished(f->last.status)) {
		f->done = true;
		w->failed |= osmo_status_is_failed(f->last.status);
		cmd_watch_check_end(w);
	}
}

static struct cmd_watch_wf *
cmd_watch_follow(struct cmd_watch *w, const char *name)
{
	struct cmd_watch_wf *f = xcalloc(1, sizeof(*f));

	f->w = w;
	f->name = xstrdup(name);
	w->wfs = xreallocarray(w->wfs, w->n + 1, sizeof(*w->wfs));
	w->wfs[w->n++] = f;
	return f;
}

/* --mine: each live workflow of the list not followed yet is followed from now on. */
static void
cmd_watch_listed(void *ctx, struct api_result *res)
{
	struct cmd_watch *w = ctx;
	bool known;

	w->list.in_flight = false;
	if (res->err.kind != API_OK) {
		cmd_watch_failed(w, &w->list, "--mine", &res->err);
		api_result_free(res);
		return;
	}
	for (size_t i = 0; i < res->list.n_rows; i++) {
		const struct osmo_workflow_row *r = &res->list.rows[i];

		known = false;
		for (size_t k = 0; k < w->n && !known; k++)
			known = strcmp(w->wfs[k]->name, r->name) == 0;
		/* One submitted since the last answer may have ended already: it is told too. */
		if (!known && (osmo_status_is_alive(r->status) ||
		               (w->listed_ms && r->submit_ms > w->listed_ms - CMD_WATCH_SKEW_MS)))
			cmd_watch_follow(w, r->name);
	}
	w->listed_ms = clock_wall_ms();
	sync_succeeded(&w->list, &w->policy, clock_mono_ms(), SYNC_LIST, false);
	api_result_free(res);
	if (w->until_done && w->n == 0)
		fprintf(stderr, "osmotop: watch --mine: none of your workflows is live\n");
	cmd_watch_check_end(w);
}

/* Asks for what is due; returns the milliseconds until the next thing is (-1: only answers). */
static int
cmd_watch_poll(struct cmd_watch *w)
{
	int64_t now = clock_mono_ms();
	int wait = -1;

	if (w->mine) {
		if (sync_is_due(&w->list, now)) {
			/* Every status, newest first: one submitted and ended between two answers
			 * comes as well as the live ones. */
			struct api_list_query q = { .limit = 1000 };

			sync_begin(&w->list, now);
			api_list(w->s.api, &q,
			         (struct api_callbacks){ .done = cmd_watch_listed, .ctx = w });
		}
		wait = util_timeout_min(wait, (int)sync_wait_ms(&w->list, now));
	}
	for (size_t i = 0; i < w->n; i++) {
		struct cmd_watch_wf *f = w->wfs[i];

		if (f->done)
			continue;
		if (sync_is_due(&f->sync, now)) {
			sync_begin(&f->sync, now);
			api_query(w->s.api, f->name, false, false,
			          (struct api_callbacks){ .done = cmd_watch_answer, .ctx = f });
		}
		wait = util_timeout_min(wait, (int)sync_wait_ms(&f->sync, now));
	}
	return wait;
}

/* The reader of our output left (| head): nothing more to say. A pipe tells so at once. */
static void
cmd_watch_reader_gone(void *ctx, int fd, short revents)
{
	(void)fd;
	if (revents & (POLLERR | POLLHUP | POLLNVAL))
		((struct cmd_watch *)ctx)->rc = 0;
}

static void
cmd_watch_signal(void *ctx, int fd, short revents)
{
	(void)fd;
	if (revents & POLLIN)
		((struct cmd_watch *)ctx)->signalled = true;
}

/* The options; -1 to go on, else the exit status. */
static int
cmd_watch_parse(struct cmd_watch *w, int argc, char **argv, struct session_opts *so,
                const char **workflow)
{
	static const struct option longopts[] = {
		SESSION_LONGOPTS,
		{ "until-done", no_argument, NULL, CMD_WATCH_UNTIL },
		{ "interval", required_argument, NULL, CMD_WATCH_INTERVAL },
		{ "retries", required_argument, NULL, CMD_WATCH_RETRIES_OPT },
		{ "json", no_argument, NULL, CMD_WATCH_JSON },
		{ "mine", no_argument, NULL, CMD_WATCH_MINE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	long interval = 0, n;
	char *end;
	int ch;

	optind = 0; /* glibc starts afresh, its ordering included, after an earlier scan */
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (ch == 'h') {
			fputs(CMD_WATCH_USAGE, stdout);
			return 0;
		} else if (ch == CMD_WATCH_UNTIL) {
			w->until_done = true;
		} else if (ch == CMD_WATCH_JSON) {
			w->json = true;
		} else if (ch == CMD_WATCH_MINE) {
			w->mine = true;
		} else if (ch == CMD_WATCH_INTERVAL || ch == CMD_WATCH_RETRIES_OPT) {
			n = strtol(optarg, &end, 10);
			if (*end || end == optarg || n < 1 || n > 86400) {
				fprintf(stderr,
				        "osmotop: watch: --%s takes a number from 1 to 86400\n",
				        ch == CMD_WATCH_INTERVAL ? "interval" : "retries");
				return 2;
			}
			if (ch == CMD_WATCH_INTERVAL)
				interval = n;
			else
				w->retries = (unsigned)n;
		} else if (!session_option(ch, optarg, so)) {
			return session_bad_option("watch", ch, argv);
		}
	}
	*workflow = optind < argc ? argv[optind] : NULL;
	if (!*workflow == !w->mine || argc - optind > (w->mine ? 0 : 1)) {
		fprintf(stderr, "osmotop: watch takes one WORKFLOW_ID or --mine; see 'osmotop "
		                "watch --help'\n");
		return 2;
	}
	if (interval)
		w->policy.list_ms = w->policy.queued_ms = w->policy.running_ms =
		        w->policy.running_idle_ms = w->policy.finished_ms = interval * 1000;
	return -1;
}

int
cmd_watch_main(int argc, char **argv, const struct session_opts *globals,
               const struct sync_policy *policy)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct cmd_watch w = { .policy = *policy, .rc = -1, .retries = CMD_WATCH_RETRIES };
	struct session_opts so = *globals;
	const char *workflow = NULL;
	unsigned long watch = 0, out;
	int signal_fd, rc = cmd_watch_parse(&w, argc, argv, &so, &workflow);

	if (rc >= 0)
		return rc;
	if (session_start(&w.s, &so) < 0)
		return 2;
	signal_fd = session_signals(sigs, ARRAY_SIZE(sigs));
	if (signal_fd >= 0)
		watch = loop_add_fd(w.s.loop, signal_fd, POLLIN, cmd_watch_signal, &w);
	/* No events asked: poll() says POLLERR for a pipe whose reader closed, nothing else. */
	out = loop_add_fd(w.s.loop, STDOUT_FILENO, 0, cmd_watch_reader_gone, &w);
	if (workflow)
		cmd_watch_follow(&w, workflow);
	while (w.rc < 0 && !w.signalled)
		if (loop_run_once(w.s.loop, cmd_watch_poll(&w)) < 0)
			break;
	/* Interrupted: as the monitor's quit, unless a script waits for the result. */
	rc = w.rc >= 0 ? w.rc : w.until_done ? 130 : 0;
	if (watch)
		loop_remove(w.s.loop, watch);
	loop_remove(w.s.loop, out);
	for (size_t i = 0; i < w.n; i++) {
		osmo_workflow_free(&w.wfs[i]->last);
		free(w.wfs[i]->name);
		free(w.wfs[i]);
	}
	free(w.wfs);
	session_close(&w.s);
	if (signal_fd >= 0)
		close(signal_fd);
	return rc;
}
