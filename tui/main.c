/* main.c: osmotop's command line: options, the snapshot mode, exit codes. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "app.h"
#include "canvas.h"
#include "osmo_time.h"
#include "session.h"
#include "view.h"

#define SNAPSHOT_DEADLINE_MS 75000

enum main_view { MAIN_VIEW_AUTO, MAIN_VIEW_LIST, MAIN_VIEW_WORKFLOW, MAIN_VIEW_LOGS };

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
	struct strv set_vars; /* --set k=v */
};

static const struct main_view_name {
	const char *name;
	enum main_view view;
} main_view_names[] = {
	{ "list", MAIN_VIEW_LIST },
	{ "workflows", MAIN_VIEW_LIST },
	{ "workflow", MAIN_VIEW_WORKFLOW },
	{ "logs", MAIN_VIEW_LOGS },
};

static void
main_usage(FILE *out)
{
	fputs("usage: osmotop [options] [WORKFLOW_ID]\n"
	      "       osmotop --snapshot [--size COLSxROWS] [--view list|workflow] [WORKFLOW_ID]\n"
	      "       osmotop run [--set k=v ...] [--pool NAME] [--wait] SPEC.yaml\n"
	      "\n"
	      "Watch NVIDIA OSMO workflows in the terminal.\n"
	      "\n"
	      "options:\n"
	      "  --url URL          OSMO service to use (overrides login.yaml's url)\n"
	      "  --user NAME        dev login: send x-osmo-user NAME instead of a token\n"
	      "  --snapshot         fetch once, print the rendered frame as text, exit\n"
	      "  --size COLSxROWS   frame size for --snapshot (default 120x40)\n"
	      "  --view NAME        list (default without WORKFLOW_ID), workflow or logs\n"
	      "  --task NAME        with --view logs: one task's log\n"
	      "  --all-users        list every user's workflows, not only yours\n"
	      "  --pool NAME        list only this pool's workflows\n"
	      "  --status STATUS    list only this status (repeatable), e.g. RUNNING, FAILED\n"
	      "  --ascii            ASCII glyphs instead of Unicode\n"
	      "  --at TIME          render as if it were TIME (UTC, 2026-08-18T14:30:00);\n"
	      "                     makes snapshots reproducible\n"
	      "  --set k=v          run: a template variable (repeatable)\n"
	      "  --wait             run: wait until the workflow ends, then print it\n"
	      "  --version          print the version and exit\n"
	      "  -h, --help         print this help and exit\n"
	      "\n"
	      "Service and credentials are looked up in this order:\n"
	      "  1. --url URL, with --user NAME for a dev login (a token from login.yaml is\n"
	      "     sent only if login.yaml's url is the same URL)\n"
	      "  2. the osmo CLI's login.yaml: $OSMO_CONFIG_FILE_DIR/login.yaml, else\n"
	      "     $XDG_CONFIG_HOME/osmo/login.yaml, else ~/.config/osmo/login.yaml\n"
	      "     (written by 'osmo login'; tokens are refreshed and the file rewritten)\n"
	      "\n"
	      "Exit status: 0 ok, 1 the service answered with an error, 2 usage,\n"
	      "3 network or authentication failure.\n",
	      out);
}

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
		OPT_URL = 256,
		OPT_USER,
		OPT_SNAPSHOT,
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
		OPT_TASK
	};
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, OPT_URL },
		{ "user", required_argument, NULL, OPT_USER },
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
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int ch;

	o->cols = 120;
	o->rows = 40;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (ch == OPT_URL) {
			o->session.url = optarg;
		} else if (ch == OPT_USER) {
			o->session.user = optarg;
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
				        "osmotop: unknown view '%s' (list, workflow, logs)\n",
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
		} else if (ch == OPT_TASK) {
			o->task = optarg;
		} else if (ch == OPT_WAIT) {
			o->wait = true;
		} else if (ch == OPT_VERSION) {
			printf("osmotop %s\n", API_CLIENT_VERSION);
			return 0;
		} else if (ch == 'h') {
			main_usage(stdout);
			return 0;
		} else {
			main_usage(stderr);
			return 2;
		}
	}
	if (optind < argc)
		o->workflow = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "osmotop: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (o->run && !o->workflow) {
		fprintf(stderr, "osmotop: run needs a SPEC.yaml\n");
		return 2;
	}
	if (o->view == MAIN_VIEW_AUTO)
		o->view = o->workflow ? MAIN_VIEW_WORKFLOW : MAIN_VIEW_LIST;
	if ((o->view == MAIN_VIEW_WORKFLOW || o->view == MAIN_VIEW_LOGS) && !o->workflow) {
		fprintf(stderr, "osmotop: --view workflow and --view logs need a WORKFLOW_ID\n");
		return 2;
	}
	return -1;
}

/* What to suggest for each kind of failure, so the one error line says what to do. */
static const char *const main_hints[] = {
	[API_ERR_TRANSPORT] = "is the service running and the URL right?",
	[API_ERR_TIMEOUT] = "the service did not answer in time; try again",
	[API_ERR_AUTH] = "log in again with 'osmo login URL'",
	[API_ERR_DECODE] = "the service sent something osmotop does not understand",
	[API_ERR_TOO_LARGE] = "the answer was larger than osmotop accepts",
};

static int
main_fail(const struct session *s, const struct api_error *err)
{
	const char *hint =
	        (size_t)err->kind < ARRAY_SIZE(main_hints) ? main_hints[err->kind] : NULL;

	fprintf(stderr, "osmotop: %s: %s%s%s\n", s->shown_url, err->message, hint ? "; " : "",
	        hint ? hint : "");
	return err->kind == API_ERR_HTTP ? 1 : 3;
}

struct main_wait {
	struct api_result res;
	bool done;
};

static void
main_done(void *ctx, struct api_result *res)
{
	struct main_wait *w = ctx;

	w->res = *res;
	w->done = true;
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
	char *text;
	size_t n;

	canvas_init(&c, o->rows, o->cols);
	if (list)
		view_workflows_render(&rctx, &res->list, &c);
	else
		view_workflow_render(&rctx, &res->workflow, &c);
	text = canvas_to_text(&c);
	n = strlen(text);
	/* Trailing blank rows say nothing in a pipe. */
	while (n >= 2 && text[n - 1] == '\n' && text[n - 2] == '\n')
		n--;
	fwrite(text, 1, n, stdout);
	free(text);
	canvas_free(&c);
}

/* One call, waited for; false when it failed (err printed). */
static bool
main_call_ok(struct session *s, struct main_wait *w, int *rc)
{
	if (session_wait(s, &w->done, clock_mono_ms() + SNAPSHOT_DEADLINE_MS) < 0)
		api_error_set(&w->res.err, API_ERR_TIMEOUT, "no answer within %d s",
		              SNAPSHOT_DEADLINE_MS / 1000);
	if (w->res.err.kind == API_OK)
		return true;
	*rc = main_fail(s, &w->res.err);
	return false;
}

static int
main_snapshot(const struct main_opts *o)
{
	struct session s;
	struct api_error err = { 0 };
	struct main_wait w = { 0 };
	struct api_callbacks cb = { .done = main_done, .ctx = &w };
	int rc = 0;

	if (session_open(&s, &o->session, &err) < 0) {
		fprintf(stderr, "osmotop: %s\n", err.message);
		return 2;
	}
	if (s.warning)
		fprintf(stderr, "osmotop: warning: %s\n", s.warning);
	if (o->view == MAIN_VIEW_WORKFLOW) {
		api_query(s.api, o->workflow, true, false, cb);
	} else {
		struct api_list_query q = { .all_users = o->all_users, .limit = o->rows };

		if (o->pool)
			strv_push(&q.pools, o->pool);
		for (size_t i = 0; i < o->statuses.n; i++)
			strv_push(&q.statuses, o->statuses.v[i]);
		api_list(s.api, &q, cb);
		strv_free(&q.pools);
		strv_free(&q.statuses);
	}
	if (main_call_ok(&s, &w, &rc))
		main_print(o, &s, &w.res, o->view != MAIN_VIEW_WORKFLOW);
	api_result_free(&w.res);
	session_close(&s);
	return rc;
}

/* The interactive monitor; network and login errors show in it instead of ending it. */
static int
main_monitor(const struct main_opts *o)
{
	struct session s;
	struct api_error err = { 0 };
	const char *no_color = getenv("NO_COLOR");
	struct app_opts ao = {
		.ascii = o->ascii,
		.color = !(no_color && *no_color),
		.all_users = o->all_users,
		.pool = o->pool,
		.statuses = &o->statuses,
		.user = o->session.user,
		.start = o->view == MAIN_VIEW_LOGS       ? APP_START_LOGS
		         : o->view == MAIN_VIEW_WORKFLOW ? APP_START_WORKFLOW
		                                         : APP_START_LIST,
		.workflow = o->workflow,
		.task = o->task,
	};
	int rc;

	if (session_open(&s, &o->session, &err) < 0) {
		fprintf(stderr, "osmotop: %s\n", err.message);
		return 2;
	}
	if (s.warning)
		fprintf(stderr, "osmotop: warning: %s\n", s.warning);
	rc = app_run(&s, &ao);
	session_close(&s);
	return rc;
}

/* osmotop run SPEC: submit the file as the CLI does; --wait polls until the workflow ends. */
static int
main_run(struct main_opts *o)
{
	struct session s;
	struct api_error err = { 0 };
	struct main_wait w = { 0 };
	struct api_callbacks cb = { .done = main_done, .ctx = &w };
	size_t len;
	char *yaml = util_read_file(o->workflow, &len);
	struct api_submit_opts so = { .pool = o->pool ? o->pool : "default",
		                      .yaml = yaml,
		                      .set_variables = &o->set_vars };
	int rc = 0;

	if (!yaml) {
		fprintf(stderr, "osmotop: %s: %s\n", o->workflow, strerror(errno));
		return 2;
	}
	if (session_open(&s, &o->session, &err) < 0) {
		fprintf(stderr, "osmotop: %s\n", err.message);
		free(yaml);
		return 2;
	}
	api_submit(s.api, &so, cb);
	if (main_call_ok(&s, &w, &rc)) {
		char *id = xstrdup(w.res.submit.name);

		printf("Workflow submit successful.\nWorkflow ID - %s\n", id);
		fflush(stdout);
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

int
main(int argc, char **argv)
{
	struct main_opts o = { 0 };
	bool run = argc > 1 && strcmp(argv[1], "run") == 0;
	int rc;

	o.run = run;
	rc = run ? main_parse(argc - 1, argv + 1, &o) : main_parse(argc, argv, &o);
	if (rc < 0 && run) {
		rc = main_run(&o);
		strv_free(&o.statuses);
		strv_free(&o.set_vars);
		return rc;
	}

	if (rc >= 0) {
		strv_free(&o.statuses);
		strv_free(&o.set_vars);
		return rc;
	}
	if (o.snapshot) {
		if (o.view == MAIN_VIEW_LOGS)
			o.view =
			        MAIN_VIEW_WORKFLOW; /* the snapshot of logs is `osmo workflow logs` */
		rc = main_snapshot(&o);
	} else {
		rc = main_monitor(&o);
	}
	strv_free(&o.statuses);
	return rc;
}
