/* main.c: osmotop's command line: options, the snapshot mode, run, local, exit codes. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/api.h"
#include "tui/app.h"
#include "tui/canvas.h"
#include "tui/cmd_complete.h"
#include "tui/cmd_exec.h"
#include "tui/cmd_forward.h"
#include "tui/cmd_watch.h"
#include "tui/config.h"
#include "client/local.h"
#include "common/osmo_time.h"
#include "tui/session.h"
#include "tui/text.h"
#include "tui/triage_fetch.h"
#include "tui/view.h"
#include "tui/view_logs.h"

#define SNAPSHOT_DEADLINE_MS 75000
/* What osmo-local calls the spec in its errors (ENGINE_SPEC_NAME in server/engine.c). */
#define MAIN_LOCAL_SPEC_NAME "workflow.yaml:"
/* A live log never ends by itself: its history comes at once, then new lines each second. */
#define SNAPSHOT_LOG_FIRST_MS 3000 /* the first byte; a task that has not logged sends none */
#define SNAPSHOT_LOG_QUIET_MS 700  /* then this much silence: the history is through */
#define SNAPSHOT_LOG_LIVE_MS  5000 /* a log that keeps talking is cut here */

enum main_view {
	MAIN_VIEW_AUTO,
	MAIN_VIEW_LIST,
	MAIN_VIEW_WORKFLOW,
	MAIN_VIEW_LOGS,
	MAIN_VIEW_TRIAGE,
	MAIN_VIEW_DAG,
	MAIN_VIEW_GANTT
};

struct main_opts {
	struct session_opts session;
	bool snapshot, ascii, all_users;
	int64_t at_ms; /* --at: the clock for durations, 0 = now */
	int rows, cols;
	enum main_view view;
	const char *workflow;
	const char *task; /* --task: the logs view's task */
	const char *pool;
	struct strv statuses;
	bool run, wait;       /* osmotop run SPEC: submit, and with --wait follow to the end */
	bool dump_config;     /* --dump-config */
	struct config config; /* config.yaml over the defaults */
	struct strv set_vars; /* --set k=v */
};

static const struct main_view_name {
	const char *name;
	enum main_view view;
} main_view_names[] = {
	{ "list", MAIN_VIEW_LIST },         { "workflows", MAIN_VIEW_LIST },
	{ "workflow", MAIN_VIEW_WORKFLOW }, { "logs", MAIN_VIEW_LOGS },
	{ "triage", MAIN_VIEW_TRIAGE },     { "dag", MAIN_VIEW_DAG },
	{ "gantt", MAIN_VIEW_GANTT },
};

static void
main_usage(void)
{
	fputs("usage: osmotop [options] [WORKFLOW_ID]\n"
	      "       osmotop --snapshot [--size COLSxROWS] [--view list|workflow] [WORKFLOW_ID]\n"
	      "       osmotop --snapshot --view logs [--task NAME] WORKFLOW_ID\n"
	      "       osmotop --snapshot --view triage WORKFLOW_ID\n"
	      "       osmotop --snapshot --view dag|gantt [--size COLSxROWS] WORKFLOW_ID\n"
	      "       osmotop run [--set k=v ...] [--pool NAME] [--wait] [--local] SPEC.yaml\n"
	      "       osmotop local start|stop|status\n"
	      "       osmotop exec [--url URL|--local] [--keep-alive] WORKFLOW_ID TASK "
	      "[-- COMMAND...]\n"
	      "       osmotop exec [--url URL|--local] --group GROUP WORKFLOW_ID -- COMMAND...\n"
	      "       osmotop port-forward [--url URL|--local] WORKFLOW_ID TASK --port R[:L][,...] "
	      "[--udp]\n"
	      "       osmotop watch [--until-done] [--interval S] [--json] WORKFLOW_ID|--mine\n"
	      "\n"
	      "Watch NVIDIA OSMO workflows in the terminal. 'osmotop run' submits a spec and,\n"
	      "in a terminal, opens it in the monitor; with no service configured it first starts\n"
	      "osmo-local on this machine, which keeps running after osmotop quits ('osmotop'\n"
	      "reattaches, 'osmotop local stop' stops it; its state is in\n"
	      "$XDG_STATE_HOME/osmotop/local, else ~/.local/state/osmotop/local).\n"
	      "In the monitor, s opens a shell in a task, S runs a command on a group, F\n"
	      "forwards ports and p lists the forwards; ? lists every key. 'osmotop watch'\n"
	      "prints a line per status change, for scripts ('osmotop watch --help').\n"
	      "\n"
	      "options:\n"
	      "  --url URL          OSMO service to use (overrides login.yaml's url)\n"
	      "  --user NAME        dev login: send x-osmo-user NAME instead of a token\n"
	      "  --token-file FILE  log in with the OSMO access token in FILE, as the osmo\n"
	      "                     CLI's token login does; also $OSMO_TOKEN_FILE\n"
	      "  --local            the osmo-local osmotop started, even with a login.yaml\n"
	      "                     (run: started first when it is not running)\n"
	      "                     These four may also come before run, exec, port-forward or\n"
	      "                     complete (osmotop --url URL exec ...); given on both sides\n"
	      "                     of the command, the one after it wins.\n"
	      "  --snapshot         fetch once, print the rendered frame as text, exit; with\n"
	      "                     --view logs the log's lines, cleaned as the log view shows\n"
	      "                     them (a live log until it is quiet, at most 5 s); with\n"
	      "                     --view triage why it failed and what to do (T's card);\n"
	      "                     with --view dag or gantt the monitor's DAG view (a\n"
	      "                     restart with the groups it reused) or its time axis\n"
	      "  --size COLSxROWS   frame size for --snapshot (default 120x40)\n"
	      "  --view NAME        list (default without WORKFLOW_ID), workflow, logs,\n"
	      "                     triage, dag or gantt\n"
	      "  --task NAME        with --view logs: one task's log (an unknown one is an\n"
	      "                     error naming the workflow's tasks)\n"
	      "  --all-users        list every user's workflows, not only yours\n"
	      "  --pool NAME        list only this pool's workflows\n"
	      "  --status STATUS    list only this status (repeatable), e.g. RUNNING, FAILED\n"
	      "  --ascii            pure ASCII (the default when the locale is not UTF-8)\n"
	      "  --at TIME          render as if it were TIME (UTC, 2026-08-18T14:30:00);\n"
	      "                     makes snapshots reproducible\n"
	      "  --set k=v          run: a template variable (repeatable)\n"
	      "  --wait             run: wait until the workflow ends, print it, do not open\n"
	      "                     the monitor\n"
	      "  --dump-config      print the configuration in effect (config.yaml over the\n"
	      "                     defaults, each value with where it came from) and exit\n"
	      "  --version          print the version and exit\n"
	      "  -h, --help         print this help and exit\n",
	      stdout);
	/* Two strings: C11 compilers need take no literal past 4095 bytes. */
	fputs("\n"
	      "Service and credentials are looked up in this order:\n"
	      "  1. --url URL, with --token-file FILE or --user NAME for a dev login (a token\n"
	      "     from login.yaml is sent only if login.yaml's url is the same URL)\n"
	      "  2. the osmo CLI's login.yaml: $OSMO_CONFIG_FILE_DIR/login.yaml, else\n"
	      "     $XDG_CONFIG_HOME/osmo/login.yaml, else ~/.config/osmo/login.yaml\n"
	      "     (written by 'osmo login'; tokens are refreshed and the file rewritten)\n"
	      "  3. osmo-local started by 'osmotop run' or 'osmotop local start', if it runs,\n"
	      "     with the access token it keeps in its state directory\n"
	      "  --token-file FILE (or $OSMO_TOKEN_FILE) replaces the credentials of 2 and 3.\n"
	      "\n"
	      "Exit status: 0 ok, 1 the service answered with an error, 2 usage (one line\n"
	      "on stderr says what was wrong),\n"
	      "3 network or authentication failure (or osmo-local could not be started);\n"
	      "'osmotop local status': 0 running, 1 not running.\n",
	      stdout);
}

static const struct main_command *main_command(const char *name);

static int
main_parse_size(const char *s, int *cols, int *rows)
{
	char *end;
	long c = strtol(s, &end, 10), r;

	if (end == s || (*end != 'x' && *end != 'X'))
		return -1;
	r = strtol(end + 1, &end, 10);
	if (*end || c < 20 || r < 5 || c > 1000 || r > 1000)
		return -1;
	*cols = (int)c;
	*rows = (int)r;
	return 0;
}

static int
main_parse(int argc, char **argv, struct main_opts *o)
{
	enum {
		OPT_SNAPSHOT = SESSION_OPT_END,
		OPT_SIZE,
		OPT_VIEW,
		OPT_ASCII,
		OPT_VERSION,
		OPT_ALL_USERS,
		OPT_POOL,
		OPT_STATUS,
		OPT_AT,
		OPT_SET,
		OPT_WAIT,
		OPT_TASK,
		OPT_DUMP_CONFIG,
	};
	static const struct option longopts[] = {
		SESSION_LONGOPTS,
		{ "snapshot", no_argument, NULL, OPT_SNAPSHOT },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "view", required_argument, NULL, OPT_VIEW },
		{ "ascii", no_argument, NULL, OPT_ASCII },
		{ "all-users", no_argument, NULL, OPT_ALL_USERS },
		{ "pool", required_argument, NULL, OPT_POOL },
		{ "status", required_argument, NULL, OPT_STATUS },
		{ "at", required_argument, NULL, OPT_AT },
		{ "set", required_argument, NULL, OPT_SET },
		{ "wait", no_argument, NULL, OPT_WAIT },
		{ "task", required_argument, NULL, OPT_TASK },
		{ "dump-config", no_argument, NULL, OPT_DUMP_CONFIG },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int ch;

	o->cols = 120;
	o->rows = 40;
	optind = 0; /* glibc starts afresh, its ordering included, after an earlier scan */
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (session_option(ch, optarg, &o->session)) {
			continue;
		} else if (ch == OPT_SNAPSHOT) {
			o->snapshot = true;
		} else if (ch == OPT_SIZE) {
			if (main_parse_size(optarg, &o->cols, &o->rows) < 0) {
				fprintf(stderr, "osmotop: --size wants COLSxROWS, e.g. 120x40 "
				                "(at least 20x5)\n");
				return 2;
			}
		} else if (ch == OPT_VIEW) {
			size_t i;

			for (i = 0; i < ARRAY_SIZE(main_view_names); i++)
				if (strcmp(optarg, main_view_names[i].name) == 0)
					break;
			if (i == ARRAY_SIZE(main_view_names)) {
				fprintf(stderr,
				        "osmotop: unknown view '%s' (list, workflow, logs, "
				        "triage, dag, gantt)\n",
				        optarg);
				return 2;
			}
			o->view = main_view_names[i].view;
		} else if (ch == OPT_ASCII) {
			o->ascii = true;
		} else if (ch == OPT_ALL_USERS) {
			o->all_users = true;
		} else if (ch == OPT_POOL) {
			o->pool = optarg;
		} else if (ch == OPT_STATUS) {
			if (!osmo_status_in_workflow_enum(osmo_status_from_wire(optarg))) {
				fprintf(stderr, "osmotop: unknown workflow status '%s'\n", optarg);
				return 2;
			}
			strv_push(&o->statuses, optarg);
		} else if (ch == OPT_AT) {
			if (osmo_time_parse(optarg, &o->at_ms) < 0) {
				fprintf(stderr,
				        "osmotop: --at wants a time like 2026-08-18T14:30:00\n");
				return 2;
			}
		} else if (ch == OPT_SET) {
			if (!strchr(optarg, '=')) {
				fprintf(stderr, "osmotop: --set wants k=v, got '%s'\n", optarg);
				return 2;
			}
			strv_push(&o->set_vars, optarg);
		} else if (ch == OPT_DUMP_CONFIG) {
			o->dump_config = true;
		} else if (ch == OPT_TASK) {
			o->task = optarg;
		} else if (ch == OPT_WAIT) {
			o->wait = true;
		} else if (ch == OPT_VERSION) {
			printf("osmotop %s\n", API_CLIENT_VERSION);
			return 0;
		} else if (ch == 'h') {
			main_usage();
			return 0;
		} else {
			return session_bad_option(NULL, ch, argv);
		}
	}
	if (optind < argc)
		o->workflow = argv[optind++];
	/* osmotop --ascii exec ...: an option main_globals does not take came first. */
	if (!o->run && o->workflow && main_command(o->workflow)) {
		fprintf(stderr,
		        "osmotop: only --url, --user, --token-file and --local may come before "
		        "'%s'; put its other options after it\n",
		        o->workflow);
		return 2;
	}
	if (optind < argc) {
		fprintf(stderr, "osmotop: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (o->run && !o->workflow) {
		fprintf(stderr, "osmotop: run needs a SPEC.yaml\n");
		return 2;
	}
	if (o->session.local && o->session.url) {
		fprintf(stderr, "osmotop: --local and --url name different services; pick one\n");
		return 2;
	}
	if (o->view == MAIN_VIEW_AUTO)
		o->view = o->workflow ? MAIN_VIEW_WORKFLOW : MAIN_VIEW_LIST;
	if (o->view != MAIN_VIEW_LIST && !o->workflow) {
		fprintf(stderr, "osmotop: --view workflow, logs, triage, dag and gantt need a "
		                "WORKFLOW_ID\n");
		return 2;
	}
	if (o->task && o->view != MAIN_VIEW_LOGS) {
		fprintf(stderr, "osmotop: --task NAME goes with --view logs (one task's log)\n");
		return 2;
	}
	return -1;
}

/* What to suggest for each kind of failure, so the one error line says what to do. */
static const char *const main_hints[] = {
	[API_ERR_TRANSPORT] = "is the service running and the URL right?",
	[API_ERR_TIMEOUT] = "the service did not answer in time; try again",
	[API_ERR_DECODE] = "the service sent something osmotop does not understand",
	[API_ERR_TOO_LARGE] = "the answer was larger than osmotop accepts",
};

static int
main_fail(const struct session *s, const struct api_error *err)
{
	const char *hint =
	        (size_t)err->kind < ARRAY_SIZE(main_hints) ? main_hints[err->kind] : NULL;
	struct api_error e = *err;

	session_explain(s, &e);
	fprintf(stderr, "osmotop: %s: %s%s%s\n", s->shown_url, e.message, hint ? "; " : "",
	        hint ? hint : "");
	return err->kind == API_ERR_HTTP ? 1 : 3;
}

/* Prints a rendered frame as text (ASCII under --ascii), without the blank rows below it. */
static void
main_emit(const struct main_opts *o, struct canvas *c)
{
	char *text;
	size_t n;

	if (o->ascii)
		canvas_ascii(c);
	text = canvas_to_text(c);
	n = strlen(text);
	/* Trailing blank rows say nothing in a pipe. */
	while (n >= 2 && text[n - 1] == '\n' && text[n - 2] == '\n')
		n--;
	fwrite(text, 1, n, stdout);
	free(text);
}

/* Renders a workflow (or, with list, the list) at --size and prints it as text. */
static void
main_print(const struct main_opts *o, const struct session *s, const struct api_result *res,
           bool list)
{
	struct render_ctx rctx = { .now_ms = o->at_ms ? o->at_ms : clock_wall_ms(),
		                   .ascii = o->ascii,
		                   .server = s->shown_url };
	struct canvas c;
	struct triage_root root;

	canvas_init(&c, o->rows, o->cols);
	if (list) {
		view_workflows_render(&rctx, &res->list, &c);
	} else {
		/* Upstream rows name the root cause, as in the monitor (here without the spec's
		 * rules: the lead decides). */
		if (triage_root(&res->workflow, NULL, &root))
			rctx.root = &root;
		view_workflow_render(&rctx, &res->workflow, &c);
	}
	main_emit(o, &c);
	canvas_free(&c);
}

/* One call, waited for; false when it failed (err printed). */
static bool
main_call_ok(struct session *s, struct session_call *w, int *rc)
{
	if (session_call_wait(s, w, 0, SNAPSHOT_DEADLINE_MS))
		return true;
	*rc = main_fail(s, &w->res.err);
	return false;
}

/* --snapshot --view logs: the log read once, each line cleaned as the monitor's log view does. */
struct main_log {
	struct session_call call;
	struct log_tail lt; /* the line being read: the tail's splitting and cutting */
	bool ascii;         /* --ascii, or a locale that is not UTF-8 */
	int64_t start_ms;   /* the request's */
	int64_t last_ms;    /* the last byte's, 0 before the first */
	uint64_t printed;   /* lines of lt printed */
};

static void
main_log_print(struct main_log *l)
{
	const char *t;
	size_t n, from = 0;

	if (l->lt.appended == l->printed)
		return;
	l->printed = l->lt.appended;
	/* The line as the log view shows it: escapes gone, \r progress collapsed. */
	char *line = view_logs_plain(log_tail_line(&l->lt, l->lt.count - 1));

	t = line;
	n = strlen(line);
	/* The canvas gives bidi controls and separators no cell; text drops them as well, and
	 * in ASCII a character beyond it is a '?', as on the screen. */
	for (size_t i = 0, k; i < n; i += k ? k : 1) {
		k = utf8_unsafe_len(t + i, n - i);
		if (!k && l->ascii && (unsigned char)t[i] >= 0x80) {
			fwrite(t + from, 1, i - from, stdout);
			if ((((unsigned char)t[i]) & 0xc0) != 0x80) /* one '?' a character */
				putchar('?');
			from = i + 1;
			continue;
		}
		if (k) {
			fwrite(t + from, 1, i - from, stdout);
			from = i + k;
		}
	}
	if (n > from)
		fwrite(t + from, 1, n - from, stdout);
	putchar('\n');
	free(line);
}

static void
main_log_data(void *ctx, const char *bytes, size_t n)
{
	struct main_log *l = ctx;

	l->last_ms = clock_mono_ms();
	/* Line by line, so the one-line tail never drops one unprinted. */
	while (n) {
		const char *nl = memchr(bytes, '\n', n);
		size_t take = nl ? (size_t)(nl - bytes) + 1 : n;

		log_tail_feed(&l->lt, bytes, take);
		main_log_print(l);
		bytes += take;
		n -= take;
	}
}

static void
main_log_done(void *ctx, struct api_result *res)
{
	struct main_log *l = ctx;

	l->call.res = *res;
	l->call.done = true;
	log_tail_finish(&l->lt);
	main_log_print(l);
}

/* When to stop reading: a finished workflow's log ends by itself, a live one goes quiet. */
static int64_t
main_log_until(const struct main_log *l, bool live)
{
	int64_t quiet = l->last_ms ? l->last_ms + SNAPSHOT_LOG_QUIET_MS
	                           : l->start_ms + SNAPSHOT_LOG_FIRST_MS;

	if (!live)
		return l->start_ms + SNAPSHOT_DEADLINE_MS;
	return quiet < l->start_ms + SNAPSHOT_LOG_LIVE_MS ? quiet
	                                                  : l->start_ms + SNAPSHOT_LOG_LIVE_MS;
}

/* Prints the log of o->task (NULL: the workflow's), the last logs.ring lines of it; the status. */
static int
main_log_fetch(const struct main_opts *o, struct session *s, bool live)
{
	struct main_log l = { .start_ms = clock_mono_ms() };
	struct api_stream_opts so = {
		.what = API_STREAM_LOGS,
		.workflow_id = o->workflow,
		.task = o->task,
		.retry_id = -1,
		.last_n_lines = (int)o->config.log_ring,
	};
	unsigned long id;
	int rc = 0;

	log_tail_init(&l.lt, 1);
	l.ascii = o->ascii;
	id = api_stream(
	        s->api, &so,
	        (struct api_callbacks){ .done = main_log_done, .data = main_log_data, .ctx = &l });
	while (!l.call.done) {
		int64_t now = clock_mono_ms(), until = main_log_until(&l, live);

		if (now >= until) {
			/* A live log gone quiet has given what it had; a finished one must end. */
			if (!live)
				api_error_set(&l.call.res.err, API_ERR_TIMEOUT,
				              "the log did not end within %d s",
				              SNAPSHOT_DEADLINE_MS / 1000);
			break;
		}
		if (loop_run_once(s->loop, util_timeout_until(until, now)) < 0) {
			api_error_set(&l.call.res.err, API_ERR_TRANSPORT,
			              "the poll loop failed: %s", strerror(errno));
			break;
		}
	}
	if (!l.call.done)
		api_abort(s->api, id);
	if (l.call.res.err.kind != API_OK)
		rc = main_fail(s, &l.call.res.err);
	api_result_free(&l.call.res);
	log_tail_free(&l.lt);
	return rc;
}

/* The names of wf's tasks, each once, joined by ", "; the caller frees. */
static char *
main_task_names(const struct osmo_workflow *wf)
{
	struct strv seen = { 0 };
	struct strbuf sb = { 0 };

	for (size_t g = 0; g < wf->n_groups; g++)
		for (size_t t = 0; t < wf->groups[g].n_tasks; t++) {
			const char *name = wf->groups[g].tasks[t].name;

			if (strv_contains(&seen, name))
				continue;
			strbuf_addf(&sb, "%s%s", seen.n ? ", " : "", name);
			strv_push(&seen, name);
		}
	strv_free(&seen);
	strbuf_addstr(&sb, "");
	return strbuf_detach(&sb);
}

/* --snapshot --view triage: the card of why the workflow failed, as T shows it. */
static int
main_snapshot_triage(const struct main_opts *o, struct session *s)
{
	struct render_ctx rctx = { .now_ms = o->at_ms ? o->at_ms : clock_wall_ms(),
		                   .ascii = o->ascii,
		                   .server = s->shown_url,
		                   .keys = &o->config.keys };
	struct api_error err = { 0 };
	struct triage_fetch f;
	struct triage_card tc;
	struct canvas c;

	if (triage_fetch(s, o->workflow, &f, &err) < 0) {
		triage_fetch_free(&f);
		return main_fail(s, &err);
	}
	tc = triage_fetch_card(&f);
	canvas_init(&c, o->rows, o->cols);
	triage_card_render(&rctx, &tc, &c);
	main_emit(o, &c);
	canvas_free(&c);
	triage_fetch_free(&f);
	return 0;
}

/*
 * --snapshot --view dag|gantt: the monitor's own frame, once the workflow and the ancestors a
 * restart reused groups from are in. The workflow is asked for first for the errors and exit
 * statuses every snapshot has.
 */
static int
main_snapshot_dag(const struct main_opts *o, struct session *s)
{
	struct session_call w = { 0 };
	struct app_opts ao = {
		.start = o->view == MAIN_VIEW_GANTT ? APP_START_GANTT : APP_START_DAG,
		.workflow = o->workflow,
		.at_ms = o->at_ms ? o->at_ms : clock_wall_ms(),
		.ascii = o->ascii,
		.user = o->session.user,
	};
	struct app *a;
	int rc = 0;

	api_query(s->api, o->workflow, true, false, session_call_callbacks(&w));
	if (!main_call_ok(s, &w, &rc)) {
		api_result_free(&w.res);
		return rc;
	}
	api_result_free(&w.res);
	a = app_new(s, &ao);
	if (app_settle(a, clock_mono_ms() + SNAPSHOT_DEADLINE_MS) < 0 || app_workflow_error(a)) {
		fprintf(stderr, "osmotop: %s: %s\n", s->shown_url,
		        app_workflow_error(a) ? app_workflow_error(a) : "no answer in time");
		rc = 3;
	} else {
		/* The app is done with its frame: the text may be made ASCII in place. */
		main_emit(o, (struct canvas *)app_frame(a, o->rows, o->cols));
	}
	app_free(a);
	return rc;
}

/* --snapshot --view logs: the workflow first, for its tasks and whether it still runs. */
static int
main_snapshot_logs(const struct main_opts *o, struct session *s)
{
	struct session_call w = { 0 };
	const struct osmo_workflow *wf = &w.res.workflow;
	int rc = 0;

	api_query(s->api, o->workflow, false, false, session_call_callbacks(&w));
	if (!main_call_ok(s, &w, &rc)) {
		api_result_free(&w.res);
		return rc;
	}
	if (o->task && !osmo_workflow_find_task(wf, o->task, NULL)) {
		char *names = main_task_names(wf);
		struct api_error err;

		/* Through api_error_set: the names are the service's, for a terminal. */
		api_error_set(&err, API_ERR_USAGE, "%s has no task '%s'; its tasks: %s",
		              o->workflow, o->task, *names ? names : "none yet");
		fprintf(stderr, "osmotop: %s\n", err.message);
		free(names);
		rc = 1; /* as for a workflow it does not know: the service's 400 */
	} else {
		rc = main_log_fetch(o, s, !osmo_status_is_finished(wf->status));
	}
	api_result_free(&w.res);
	return rc;
}

/* The running rows' failed tasks, as the monitor's list shows them: one more request; its
 * failure leaves the list without badges. */
static void
main_list_badges(struct session *s, const struct api_list_query *lq,
                 struct osmo_workflow_list *list)
{
	struct session_call w = { 0 };
	struct api_task_query q = { 0 };

	if (api_failed_tasks_query(list, lq, &q)) {
		unsigned long id = api_tasks(s->api, &q, session_call_callbacks(&w));

		if (session_call_wait(s, &w, id, SNAPSHOT_DEADLINE_MS))
			osmo_workflow_list_count_failed(list, &w.res.tasks);
		api_result_free(&w.res);
	}
	strv_free(&q.users);
	strv_free(&q.pools);
	strv_free(&q.statuses);
}

static int
main_snapshot(const struct main_opts *o)
{
	struct session s;
	struct session_call w = { 0 };
	struct api_callbacks cb = session_call_callbacks(&w);
	bool list = o->view == MAIN_VIEW_LIST;
	struct api_list_query q = { .all_users = o->all_users, .limit = o->rows };
	int rc = 0;

	if (session_start(&s, &o->session) < 0)
		return 2;
	if (o->view == MAIN_VIEW_LOGS || o->view == MAIN_VIEW_TRIAGE || o->view == MAIN_VIEW_DAG ||
	    o->view == MAIN_VIEW_GANTT) {
		rc = o->view == MAIN_VIEW_LOGS     ? main_snapshot_logs(o, &s)
		     : o->view == MAIN_VIEW_TRIAGE ? main_snapshot_triage(o, &s)
		                                   : main_snapshot_dag(o, &s);
		session_close(&s);
		return rc;
	}
	if (!list) {
		api_query(s.api, o->workflow, true, false, cb);
	} else {
		if (o->pool)
			strv_push(&q.pools, o->pool);
		for (size_t i = 0; i < o->statuses.n; i++)
			strv_push(&q.statuses, o->statuses.v[i]);
		api_list(s.api, &q, cb);
	}
	if (main_call_ok(&s, &w, &rc)) {
		if (list)
			main_list_badges(&s, &q, &w.res.list);
		main_print(o, &s, &w.res, list);
	}
	strv_free(&q.pools);
	strv_free(&q.statuses);
	api_result_free(&w.res);
	session_close(&s);
	return rc;
}

/* The interactive monitor on an open session, starting at ao's view. */
static int
main_app(const struct main_opts *o, struct session *s, struct app_opts *ao)
{
	const char *no_color = getenv("NO_COLOR");

	ao->ascii = o->ascii;
	ao->color = !(no_color && *no_color);
	ao->all_users = o->all_users;
	ao->statuses = &o->statuses;
	ao->config = &o->config;
	ao->user = o->session.user;
	/* On osmo-local the owner is implied; the status bar says who "your" is. */
	if (!ao->user && s->local)
		ao->user = s->user;
	ao->cache = true;
	return app_run(s, ao);
}

/* The interactive monitor; network and login errors show in it instead of ending it. */
static int
main_monitor(const struct main_opts *o)
{
	struct session s;
	struct app_opts ao = {
		.pool = o->pool,
		.start = o->view == MAIN_VIEW_LOGS       ? APP_START_LOGS
		         : o->view == MAIN_VIEW_WORKFLOW ? APP_START_WORKFLOW
		         : o->view == MAIN_VIEW_DAG      ? APP_START_DAG
		         : o->view == MAIN_VIEW_GANTT    ? APP_START_GANTT
		                                         : APP_START_LIST,
		.workflow = o->workflow,
		.task = o->task,
		.at_ms = o->at_ms,
	};
	int rc;

	if (session_start(&s, &o->session) < 0)
		return 2;
	rc = main_app(o, &s, &ao);
	session_close(&s);
	return rc;
}

/* Exit status for a failure of the local service itself: usage (2) or could not serve (3). */
static int
main_local_fail(const struct api_error *err)
{
	fprintf(stderr, "osmotop: %s\n", err->message);
	return err->kind == API_ERR_USAGE ? 2 : 3;
}

/* config.yaml over the defaults into c (config_free it either way); -1 once said why on stderr. */
static int
main_config_load(struct config *c)
{
	char *path = config_default_path();
	char *err = NULL;
	int rc = 0;

	config_init(c);
	/* A file named on purpose that is not there is a mistake; the default's absence is not. */
	if (path && getenv("OSMOTOP_CONFIG") && *getenv("OSMOTOP_CONFIG") &&
	    access(path, F_OK) < 0) {
		fprintf(stderr, "osmotop: %s (from $OSMOTOP_CONFIG): %s\n", path, strerror(errno));
		rc = -1;
	} else if (path && config_load(c, path, &err) < 0) {
		fprintf(stderr, "osmotop: %s\n", err);
		rc = -1;
	}
	free(err);
	free(path);
	return rc;
}

/* Starts osmo-local for dir unless it runs, with config.yaml's local settings; 0 or -1 with err. */
static int
main_local_spawn(const char *dir, const struct config *config, struct local_server *srv,
                 struct api_error *err)
{
	struct strv args = { 0 };
	int rc;

	config_local_args(config, &args);
	rc = local_start(dir, NULL, &args, srv, err);
	strv_free(&args);
	return rc;
}

/* Starts osmo-local unless it runs; says so on stderr when it did (stdout is for results). */
static int
main_local_ensure(const struct config *config)
{
	struct api_error err = { 0 };
	struct local_server srv;
	char *dir = local_dir(&err);
	int rc = 0;

	if (!dir)
		return main_local_fail(&err);
	if (main_local_spawn(dir, config, &srv, &err) < 0)
		rc = main_local_fail(&err);
	else if (srv.started)
		fprintf(stderr,
		        "osmotop: started osmo-local at %s (state in %s; 'osmotop local stop' "
		        "stops it)\n",
		        srv.url, dir);
	free(dir);
	return rc;
}

/* The spec run submits, or NULL after saying why on stderr (a usage error). */
static char *
main_read_spec(const char *path)
{
	struct stat st;
	char *yaml;

	/* A directory reads as an empty file, which the service would call an empty spec. */
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "osmotop: run wants a spec file (SPEC.yaml); %s is a directory\n",
		        path);
		return NULL;
	}
	yaml = util_read_file(path, NULL);
	if (!yaml)
		fprintf(stderr, "osmotop: %s: %s\n", path, strerror(errno));
	return yaml;
}

/*
 * run sends the file as it is, so the line:col of osmo-local's spec errors are the file's own:
 * they name path, as a compiler would, instead of the name osmo-local gives what it was sent.
 */
static void
main_spec_errors_name(struct api_error *err, const char *path)
{
	const size_t n = strlen(MAIN_LOCAL_SPEC_NAME);
	struct strbuf sb = { 0 };
	const char *p = err->message, *hit;

	while ((hit = strstr(p, MAIN_LOCAL_SPEC_NAME))) {
		strbuf_add(&sb, p, (size_t)(hit - p));
		if (hit[n] >= '0' && hit[n] <= '9')
			strbuf_addf(&sb, "%s:", path);
		else
			strbuf_add(&sb, hit, n);
		p = hit + n;
	}
	strbuf_addstr(&sb, p);
	snprintf(err->message, sizeof(err->message), "%s", sb.buf);
	strbuf_free(&sb);
}

/* osmotop run SPEC: submit the file as the CLI does; --wait polls until the workflow ends. */
static int
main_run(struct main_opts *o)
{
	struct session s;
	struct session_call w = { 0 };
	struct api_callbacks cb = session_call_callbacks(&w);
	char *yaml = main_read_spec(o->workflow);
	struct api_submit_opts so = { .pool = o->pool ? o->pool : "default",
		                      .yaml = yaml,
		                      .set_variables = &o->set_vars };
	int rc = 0;

	if (!yaml)
		return 2;
	/* Nothing configured (or --local): the spec runs on this machine. */
	if (o->session.local || !session_configured(&o->session)) {
		rc = main_local_ensure(&o->config);
		if (rc != 0) {
			free(yaml);
			return rc;
		}
		o->session.local = true;
	}
	if (session_start(&s, &o->session) < 0) {
		free(yaml);
		return 2;
	}
	api_submit(s.api, &so, cb);
	if (!session_call_wait(&s, &w, 0, SNAPSHOT_DEADLINE_MS)) {
		main_spec_errors_name(&w.res.err, o->workflow);
		rc = main_fail(&s, &w.res.err);
	} else {
		char *id = xstrdup(w.res.submit.name);

		printf("Workflow submit successful.\nWorkflow ID - %s\n", id);
		fflush(stdout);
		if (!o->wait && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
			struct app_opts ao = { .start = APP_START_WORKFLOW, .workflow = id };

			rc = main_app(o, &s, &ao);
		}
		while (rc == 0 && o->wait) {
			bool never = false;

			api_result_free(&w.res);
			memset(&w, 0, sizeof(w));
			api_query(s.api, id, true, false, cb);
			if (!main_call_ok(&s, &w, &rc))
				break;
			if (osmo_status_is_finished(w.res.workflow.status)) {
				main_print(o, &s, &w.res, false);
				rc = w.res.workflow.status == OSMO_COMPLETED ? 0 : 1;
				break;
			}
			/* A second between polls, spent in the client's poll loop. */
			session_wait(&s, &never, clock_mono_ms() + 1000);
		}
		free(id);
	}
	api_result_free(&w.res);
	session_close(&s);
	free(yaml);
	return rc;
}

/* How NVIDIA's CLI (or a script) gets in: the same token osmotop uses by itself. */
static void
main_local_login_hint(const char *dir, const char *url)
{
	printf("log in with the osmo CLI: osmo login %s --method token --token-file "
	       "%s/state/" LOCAL_TOKEN_FILE "\n",
	       url, dir);
}

static int
main_local_start(const char *dir, const struct config *config)
{
	struct api_error err = { 0 };
	struct local_server srv;

	if (main_local_spawn(dir, config, &srv, &err) < 0)
		return main_local_fail(&err);
	if (srv.started)
		printf("started osmo-local at %s (PID %ld, state in %s)\n", srv.url, (long)srv.pid,
		       dir);
	else
		printf("osmo-local is already running at %s (PID %ld)\n", srv.url, (long)srv.pid);
	main_local_login_hint(dir, srv.url);
	return 0;
}

static int
main_local_stop(const char *dir, const struct config *config)
{
	struct api_error err = { 0 };
	struct local_server srv;
	int rc = local_stop(dir, &srv, &err);

	(void)config; /* only start starts osmo-local */

	if (rc < 0)
		return main_local_fail(&err);
	if (rc == 0)
		printf("osmo-local is not running\n");
	else
		printf("stopped osmo-local (PID %ld)\n", (long)srv.pid);
	return 0;
}

/* 0 when it runs, 1 when it does not: a script's test. */
static int
main_local_status(const char *dir, const struct config *config)
{
	struct api_error err = { 0 };
	struct local_server srv;
	int rc = local_find(dir, &srv, &err);

	(void)config; /* only start starts osmo-local */

	if (rc < 0)
		return main_local_fail(&err);
	if (rc == 0) {
		printf("osmo-local is not running (state in %s)\n", dir);
		return 1;
	}
	printf("osmo-local is running at %s (PID %ld, state in %s)\n", srv.url, (long)srv.pid, dir);
	main_local_login_hint(dir, srv.url);
	return 0;
}

static const struct main_local_command {
	const char *name;
	int (*run)(const char *dir, const struct config *config);
} main_local_commands[] = {
	{ "start", main_local_start },
	{ "stop", main_local_stop },
	{ "status", main_local_status },
};

/* osmotop local start|stop|status: the background osmo-local that osmotop run uses. */
static int
main_local(int argc, char **argv, const struct session_opts *globals)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct api_error err = { 0 };
	char *dir;
	int ch, rc;

	optind = 0; /* glibc starts afresh, its ordering included, after an earlier scan */
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (ch != 'h')
			return session_bad_option("local", ch, argv);
		main_usage();
		return 0;
	}
	if (globals->url || globals->user || globals->token_file || globals->local) {
		fprintf(stderr,
		        "osmotop: local manages the osmo-local on this machine; it takes no "
		        "--url, --user, --token-file or --local\n");
		return 2;
	}
	for (size_t i = 0; argc - optind == 1 && i < ARRAY_SIZE(main_local_commands); i++) {
		struct config config;

		if (strcmp(argv[optind], main_local_commands[i].name) != 0)
			continue;
		if (main_config_load(&config) < 0) {
			config_free(&config);
			return 2;
		}
		dir = local_dir(&err);
		rc = dir ? main_local_commands[i].run(dir, &config) : main_local_fail(&err);
		config_free(&config);
		free(dir);
		return rc;
	}
	fprintf(stderr, "osmotop: usage: osmotop local start|stop|status\n");
	return 2;
}

/* Reads config.yaml before any screen: -1 to go on, else the exit status (--dump-config). */
static int
main_config(struct main_opts *o)
{
	int rc = -1;

	if (main_config_load(&o->config) < 0) {
		rc = 2;
	} else if (o->dump_config) {
		char *text = config_dump(&o->config);

		fputs(text, stdout);
		free(text);
		rc = 0;
	}
	return rc;
}

/* osmotop's own command line, or with run osmotop run's, over the options before it. */
static int
main_top(int argc, char **argv, const struct session_opts *globals, bool run)
{
	struct main_opts o = { .session = *globals, .run = run };
	/* A terminal whose locale is not UTF-8 (LC_ALL=C, ISO-8859-1) gets ASCII, as --ascii. */
	bool utf8 = text_locale();
	int rc = main_parse(argc, argv, &o);

	o.ascii |= !utf8;
	if (rc < 0)
		rc = main_config(&o);
	if (rc < 0)
		rc = o.run ? main_run(&o) : o.snapshot ? main_snapshot(&o) : main_monitor(&o);
	config_free(&o.config);
	strv_free(&o.statuses);
	strv_free(&o.set_vars);
	return rc;
}

static int
main_run_command(int argc, char **argv, const struct session_opts *globals)
{
	return main_top(argc, argv, globals, true);
}

/* osmotop watch, at config.yaml's cadences. */
static int
main_watch(int argc, char **argv, const struct session_opts *globals)
{
	struct config config;
	int rc = main_config_load(&config) < 0
	                 ? 2
	                 : cmd_watch_main(argc, argv, globals, &config.policy);

	config_free(&config);
	return rc;
}

/* The commands; argv[0] is the name, and the session options given before it come along. */
static const struct main_command {
	const char *name;
	int (*run)(int argc, char **argv, const struct session_opts *globals);
} main_commands[] = {
	{ "run", main_run_command },       { "local", main_local },
	{ "exec", cmd_exec_main },         { "port-forward", cmd_forward_main },
	{ "complete", cmd_complete_main }, { "watch", main_watch },
};

static const struct main_command *
main_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(main_commands); i++)
		if (strcmp(name, main_commands[i].name) == 0)
			return &main_commands[i];
	return NULL;
}

/*
 * The session options before a command's name (osmotop --url URL exec ...), into so: the
 * name's index, or 0 when argv does not have that shape.
 */
static int
main_globals(int argc, char **argv, struct session_opts *so)
{
	static const struct option longopts[] = {
		SESSION_LONGOPTS,
		{ 0 },
	};
	int ch;

	optind = 0;
	/* '+': stop at the first word that is not an option, the command's name or not. */
	while ((ch = getopt_long(argc, argv, "+:", longopts, NULL)) != -1)
		if (!session_option(ch, optarg, so))
			return 0;
	return optind < argc && main_command(argv[optind]) ? optind : 0;
}

int
main(int argc, char **argv)
{
	struct session_opts globals = { 0 }, none = { 0 };
	int at = main_globals(argc, argv, &globals);

	text_locale();
	if (at > 0)
		return main_command(argv[at])->run(argc - at, argv + at, &globals);
	/* The options are parsed again, with the rest: none comes before a command here. */
	return main_top(argc, argv, &none, false);
}
