/* test_snapshot.c: the osmotop binary's --snapshot through a real HTTP round-trip on 127.0.0.1. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "golden.h"
#include "proc.h"
#include "common/util.h"

struct snap {
	char dir[64];
	struct proc server;
};

static const char *const snap_routes[] = {
	/* Held open as a live log is; the config in test_logs asks for 1000 lines. */
	"GET /api/workflow/llm-finetune-17/logs?last_n_lines=1000&task_name=trainer 200 text/plain "
	"@workflow_logs_escapes.txt hold",
	"GET /api/workflow/llm-finetune-16/logs?last_n_lines=1000 200 text/plain "
	"@workflow_logs_failed_tail.txt",
	/* The triage card's: the root task's log end and events (FAILED_EVICTED keeps no error log). */
	"GET /api/workflow/llm-finetune-16/logs?last_n_lines=40&task_name=trainer 200 text/plain "
	"@workflow_logs_failed_tail.txt",
	"GET /api/workflow/llm-finetune-16/events 200 text/plain @workflow_events.txt",
	"GET /api/workflow/ddp-smoke-3 200 application/json @workflow_query_small.json",
	"GET /api/workflow/restart-pipeline-2 200 application/json @workflow_query_restarted.json",
	"GET /api/workflow/restart-pipeline-1 200 application/json "
	"@workflow_query_restart_parent.json",
	"GET /api/workflow/llm-finetune-17 200 application/json "
	"@workflow_query_running_verbose.json",
	"GET /api/workflow/llm-finetune-16 200 application/json "
	"@workflow_query_failed_evicted.json",
	"GET /api/workflow/llm-finetune-99 400 application/json @error_not_found_400.json",
	"GET /api/workflow/secret-1 401 text/plain inline:Jwt_verification_fails",
	"GET /api/workflow/garbage-1 200 application/json "
	"inline:{\"name\":\"x\",\"status\":[],\"submit_time\":\"2026-08-18T14:00:00\"}",
	"GET /api/workflow/evil-1 400 application/json "
	"inline:{\"message\":\"\\u001b]52;c;AAAA\\u0007gotcha\\u001b[2J\"}",
	"GET /api/workflow/bidi-1 400 application/json "
	"inline:{\"message\":\"run\\u202eexe.sh\\u2066x\\u2069\\u2028y\"}",
	"GET /api/workflow 200 application/json @workflow_list_page.json",
	/* The list's badge: llm-finetune-17 runs with one failed task (two retries of it). */
	"GET /api/task 200 application/json @task_list_failed.json",
};

static int
snap_setup(void **state)
{
	struct snap *s = xcalloc(1, sizeof(*s));
	char *routes;

	strlcpy_safe(s->dir, "/tmp/osmotop-snap-XXXXXX", sizeof(s->dir));
	assert_non_null(mkdtemp(s->dir));
	routes = xasprintf("%s/routes", s->dir);
	assert_int_equal(golden_fixture_server(&s->server, routes, snap_routes,
	                                       ARRAY_SIZE(snap_routes), NULL),
	                 0);
	/* No login.yaml of the developer's may leak into these runs. */
	setenv("OSMO_CONFIG_FILE_DIR", s->dir, 1);
	free(routes);
	*state = s;
	return 0;
}

static int
snap_teardown(void **state)
{
	struct snap *s = *state;
	proc_stop(&s->server, 5000);
	proc_remove_tree(s->dir);
	free(s);
	return 0;
}

/* Runs osmotop with args (NULL-terminated, after the binary); returns its exit status. */
static int
snap_run(const char *const *args, char **out, char **err)
{
	return proc_run_osmotop(args, 30000, out, err);
}

/*
 * Runs osmotop with args; fails, showing both streams, unless it exits with rc, out_has is in
 * its stdout and err_has in its stderr (NULL: anything, "" on stderr: nothing there). Its
 * stdout; the caller frees it.
 */
static char *
snap_expect(const char *const *args, int rc, const char *out_has, const char *err_has)
{
	char *out = NULL, *err = NULL;
	int got = snap_run(args, &out, &err);

	if (got != rc || (out_has && !strstr(out, out_has)) ||
	    (err_has && (*err_has ? !strstr(err, err_has) : *err != '\0')))
		fail_msg("osmotop %s exited %d (want %d)\nstdout: %s\nstderr: %s", args[0], got, rc,
		         out, err);
	free(err);
	return out;
}

/* The server's port changes every run: mask it before comparing with a golden. */
static char *
snap_mask(const char *text, const char *url)
{
	struct strbuf sb = { 0 };
	size_t ul = strlen(url);

	for (const char *p = text; *p;) {
		if (strncmp(p, url, ul) == 0) {
			strbuf_addstr(&sb, "http://127.0.0.1:PORT");
			p += ul;
		} else {
			strbuf_addch(&sb, *p++);
		}
	}
	return strbuf_detach(&sb);
}

static void
test_snapshots_match_goldens(void **state)
{
	struct snap *s = *state;
	static const struct {
		const char *golden;
		const char *args[8];
	} cases[] = {
		{ "snapshot_list.txt", { "--view", "list", NULL } },
		{ "snapshot_small.txt", { "ddp-smoke-3", NULL } },
		{ "snapshot_running.txt", { "--view", "workflow", "llm-finetune-17", NULL } },
		{ "snapshot_evicted_80x24.txt", { "--size", "80x24", "llm-finetune-16", NULL } },
		{ "snapshot_evicted_ascii.txt", { "--ascii", "llm-finetune-16", NULL } },
		{ "snapshot_triage_evicted.txt", { "--view", "triage", "llm-finetune-16", NULL } },
		/* The DAG waits for the parent a restart reused groups from. */
		{ "snapshot_dag_restarted_80x24.txt",
		  { "--view", "dag", "--size", "80x24", "restart-pipeline-2", NULL } },
		{ "snapshot_gantt_restarted.txt",
		  { "--view", "gantt", "--size", "100x20", "restart-pipeline-2", NULL } },
		{ "snapshot_dag_running_ascii.txt",
		  { "--view", "dag", "--ascii", "--size", "80x24", "llm-finetune-17", NULL } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *args[16] = { "--snapshot", "--url", s->server.url,        "--user",
			                 "jdoe",       "--at",  "2026-08-18T16:30:00" };
		size_t n = 7;
		char *out = NULL, *err = NULL;

		for (const char *const *a = cases[i].args; *a; a++)
			args[n++] = *a;
		args[n] = NULL;
		assert_int_equal(snap_run(args, &out, &err), 0);
		assert_string_equal(err, "");
		char *masked = snap_mask(out, s->server.url);

		assert_true(golden_check(cases[i].golden, masked));
		free(masked);
		free(out);
		free(err);
	}
}

/* A locale that is not UTF-8 (LC_ALL=C) gets what --ascii gives: no byte above 0x7f. */
static void
test_snapshot_ascii_without_utf8_locale(void **state)
{
	struct snap *s = *state;
	const char *args[] = { "--snapshot", "--url", s->server.url,         "--user",
		               "jdoe",       "--at",  "2026-08-18T16:30:00", "llm-finetune-16",
		               NULL };
	char *out = NULL, *err = NULL, *was = getenv("LC_ALL") ? xstrdup(getenv("LC_ALL")) : NULL;

	setenv("LC_ALL", "C", 1);
	assert_int_equal(snap_run(args, &out, &err), 0);
	if (was)
		setenv("LC_ALL", was, 1);
	else
		unsetenv("LC_ALL");
	free(was);
	for (const unsigned char *p = (const unsigned char *)out; *p; p++)
		if (*p >= 0x80)
			fail_msg("byte 0x%02x at %zu of:\n%s", *p,
			         (size_t)(p - (const unsigned char *)out), out);
	assert_non_null(strstr(out, "osmotop - llm-finetune-16 - E FAILED_EVICTED"));
	free(out);
	free(err);
}

static void
test_snapshot_errors(void **state)
{
	struct snap *s = *state;
	static const struct {
		const char *workflow;
		int rc;
		const char *want;
	} cases[] = {
		{ "llm-finetune-99", 1,
		  "HTTP 400 DATABASE: Workflow llm-finetune-99 is not found." },
		{ "secret-1", 3,
		  "HTTP 401: Jwt_verification_fails; this service wants a login: run 'osmo login "
		  "URL'" },
		{ "garbage-1", 3, "status: expected a status string" },
		{ "evil-1", 1, "gotcha" },
		{ "bidi-1", 1, "exe.sh" },
	};
	/* U+202E, U+2066, U+2069, U+2028 as UTF-8 */
	static const char *const bidi[] = { "\xe2\x80\xae", "\xe2\x81\xa6", "\xe2\x81\xa9",
		                            "\xe2\x80\xa8" };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *args[] = { "--snapshot", "--url", s->server.url, cases[i].workflow,
			               NULL };
		char *out = NULL, *err = NULL;

		assert_int_equal(snap_run(args, &out, &err), cases[i].rc);
		assert_string_equal(out, "");
		if (!strstr(err, cases[i].want) || !strstr(err, s->server.url))
			fail_msg("stderr '%s' lacks '%s' or the URL", err, cases[i].want);
		/* One line, and nothing that would act on the terminal. */
		assert_int_equal(strchr(err, '\n') - err + 1, (long)strlen(err));
		for (const char *p = err; *p != '\n'; p++)
			assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
		/* Nor a bidi control or separator that would make it read as other text. */
		for (size_t k = 0; k < ARRAY_SIZE(bidi); k++)
			if (strstr(err, bidi[k]))
				fail_msg("stderr '%s' holds bidi control %zu", err, k);
		free(out);
		free(err);
	}
}

static void
test_unreachable_and_usage(void **state)
{
	struct snap *s = *state;
	char *out = NULL, *err = NULL;
	const char *down[] = { "--snapshot", "--url", "http://127.0.0.1:1", NULL };
	const char *bad[] = { "--snapshot", "--size", "banana", NULL };
	const char *noservice[] = { "--snapshot", NULL };
	const char *help[] = { "--help", NULL };

	(void)s;
	assert_int_equal(snap_run(down, &out, &err), 3);
	assert_non_null(strstr(err, "http://127.0.0.1:1: GET /api/workflow:"));
	assert_non_null(strstr(err, "is the service running"));
	free(out);
	free(err);

	assert_int_equal(snap_run(bad, &out, &err), 2);
	assert_non_null(strstr(err, "--size"));
	free(out);
	free(err);

	/* OSMO_CONFIG_FILE_DIR points at an empty directory: nothing is configured. */
	assert_int_equal(snap_run(noservice, &out, &err), 2);
	assert_non_null(strstr(err, "no OSMO service configured"));
	free(out);
	free(err);

	assert_int_equal(snap_run(help, &out, &err), 0);
	assert_non_null(strstr(out, "OSMO_CONFIG_FILE_DIR"));
	assert_non_null(strstr(out, "--snapshot"));
	free(out);
	free(err);
}

/* A bad option is one line naming it and the help to read, for osmotop and every command. */
static void
test_bad_options(void **state)
{
	static const struct {
		const char *args[4];
		const char *want;
	} cases[] = {
		{ { "--foo", NULL }, "osmotop: unknown option --foo; see 'osmotop --help'\n" },
		{ { "--snapshot", "-x", NULL },
		  "osmotop: unknown option -x; see 'osmotop --help'\n" },
		{ { "--url", NULL }, "osmotop: --url needs a value; see 'osmotop --help'\n" },
		/* The value after '=' may be a secret: never echoed. */
		{ { "--tokn=s3cret", NULL },
		  "osmotop: unknown option --tokn; see 'osmotop --help'\n" },
		{ { "--ascii=yes", NULL },
		  "osmotop: --ascii takes no value; see 'osmotop --help'\n" },
		{ { "run", "--foo", "spec.yaml", NULL },
		  "osmotop: unknown option --foo; see 'osmotop --help'\n" },
		{ { "exec", "--foo", NULL },
		  "osmotop: unknown option --foo; see 'osmotop exec --help'\n" },
		{ { "port-forward", "--bar", NULL },
		  "osmotop: unknown option --bar; see 'osmotop port-forward --help'\n" },
		{ { "local", "--baz", NULL },
		  "osmotop: unknown option --baz; see 'osmotop local --help'\n" },
		{ { "complete", "--qux", "workflows", NULL },
		  "osmotop: unknown option --qux; see 'osmotop complete --help'\n" },
	};
	static const char *const help[][3] = {
		{ "--help", NULL },          { "run", "--help", NULL },
		{ "exec", "--help", NULL },  { "port-forward", "--help", NULL },
		{ "local", "--help", NULL }, { "complete", "--help", NULL },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *out = NULL, *err = NULL;

		assert_int_equal(snap_run(cases[i].args, &out, &err), 2);
		assert_string_equal(out, "");
		assert_string_equal(err, cases[i].want);
		free(out);
		free(err);
	}
	/* --help is still the whole usage, on stdout. */
	for (size_t i = 0; i < ARRAY_SIZE(help); i++) {
		char *out = NULL, *err = NULL;

		assert_int_equal(snap_run(help[i], &out, &err), 0);
		assert_non_null(strstr(out, "usage: osmotop"));
		assert_string_equal(err, "");
		free(out);
		free(err);
	}
}

/* The session options before a command's name are the command's, as those after it are. */
static void
test_options_before_command(void **state)
{
	struct snap *s = *state;
	const char *complete[] = { "--url",    s->server.url, "--user",      "jdoe",
		                   "complete", "tasks",       "ddp-smoke-3", NULL };
	const char *local[] = { "--url", s->server.url, "local", "status", NULL };
	const char *other[] = { "--ascii", "exec", "wf-1", "task", NULL };
	char *out = snap_expect(complete, 0, NULL, NULL);

	assert_string_equal(out, "rank0\nrank1\n");
	free(out);
	/* local starts and stops osmo-local on this machine: a service option is a mistake. */
	free(snap_expect(local, 2, NULL, "takes no --url"));
	/* Only the session options go first: another is named as misplaced, not as a workflow. */
	free(snap_expect(other, 2, NULL, "may come before 'exec'"));
}

/*
 * --snapshot --view logs prints the log as text, cleaned as the log view cleans it: a live one
 * (held open by the server) once it goes quiet, a finished one to its end. An unknown task
 * is named with the workflow's tasks; --task without --view logs is a usage error.
 */
static void
test_logs(void **state)
{
	struct snap *s = *state;
	char *config = xasprintf("%s/config.yaml", s->dir);
	const char *live[] = { "--snapshot", "--url",           s->server.url, "--view",
		               "logs",       "--task",          "trainer",     "--user",
		               "jdoe",       "llm-finetune-17", NULL,          NULL };
	const size_t n_live = 10; /* where an extra option goes */
	const char *done[] = { "--snapshot", "--url", s->server.url,     "--view", "logs",
		               "--user",     "jdoe",  "llm-finetune-16", NULL };
	const char *nope[] = { "--snapshot", "--url",           s->server.url, "--view",
		               "logs",       "--task",          "nope",        "--user",
		               "jdoe",       "llm-finetune-17", NULL };
	const char *alone[] = { "--snapshot", "--url",           s->server.url, "--task",
		                "trainer",    "llm-finetune-17", NULL };
	char *out, *want = golden_fixture_path("workflow_logs_failed_tail.txt");
	char *tail = util_read_file(want, NULL);
	FILE *f = fopen(config, "w");
	int64_t t0;

	assert_non_null(f);
	fputs("logs: {ring: 1000}\n", f);
	assert_int_equal(fclose(f), 0);
	setenv("OSMOTOP_CONFIG", config, 1);
	t0 = clock_mono_ms();
	out = snap_expect(live, 0, NULL, "");
	/* The server never ends it: the snapshot stops once it is quiet, well before the cap. */
	if (clock_mono_ms() - t0 > 4000)
		fail_msg("a quiet live log took %lld ms", (long long)(clock_mono_ms() - t0));
	assert_true(golden_check("snapshot_logs_escapes.txt", out));
	for (const char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\n')
			fail_msg("control 0x%02x at %zu of:\n%s", *p, (size_t)(p - out), out);
	free(out);
	/* --ascii: a '?' for each character beyond ASCII, as on the screen. */
	live[n_live] = "--ascii";
	out = snap_expect(live, 0, NULL, "");
	for (const char *p = out; *p; p++)
		if ((unsigned char)*p >= 0x80)
			fail_msg("byte 0x%02x at %zu of:\n%s", (unsigned char)*p, (size_t)(p - out),
			         out);
	free(out);
	live[n_live] = NULL;
	/* Plain lines come out as they went in. */
	out = snap_expect(done, 0, NULL, "");
	assert_string_equal(out, tail);
	free(out);
	out = snap_expect(nope, 1, NULL,
	                  "osmotop: llm-finetune-17 has no task 'nope'; its tasks: prep, trainer, "
	                  "worker-1, worker-2, worker-3, evaluate\n");
	assert_string_equal(out, "");
	free(out);
	free(snap_expect(alone, 2, NULL, "--view logs"));
	unsetenv("OSMOTOP_CONFIG");
	free(tail);
	free(want);
	free(config);
}

/* run wants a spec file: a directory is a usage error naming it, before anything is sent. */
static void
test_run_directory(void **state)
{
	struct snap *s = *state;
	const char *args[] = { "run", "--url", s->server.url, "--user", "jdoe", s->dir, NULL };
	char *want = xasprintf("osmotop: run wants a spec file (SPEC.yaml); %s is a directory\n",
	                       s->dir);
	char *out = snap_expect(args, 2, NULL, want);

	assert_string_equal(out, "");
	free(out);
	free(want);
}

/* A token from login.yaml is used, and never appears in output or errors. */
static void
test_token_never_printed(void **state)
{
	struct snap *s = *state;
	static const char token[] =
	        "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.c2VjcmV0LXNpZ25hdHVyZQ";
	char *path = xasprintf("%s/login.yaml", s->dir);
	FILE *f = fopen(path, "w");
	char *out = NULL, *err = NULL;

	assert_non_null(f);
	fprintf(f,
	        "dev_login: null\nname: ''\nosmo_token: false\ntoken_login:\n  client_id: null\n"
	        "  id_token: %s\n  refresh_token: null\n  refresh_url: null\n  username: null\n"
	        "url: %s\n",
	        token, s->server.url);
	fclose(f);
	chmod(path, 0644);
	const char *args[] = { "--snapshot", "secret-1", NULL };

	assert_int_equal(snap_run(args, &out, &err), 3);
	assert_null(strstr(out, "c2VjcmV0"));
	assert_null(strstr(err, "c2VjcmV0"));
	/* The file is readable by others: say so, once. */
	assert_non_null(strstr(err, "readable by other users"));
	free(out);
	free(err);
	/* osmotop run warns the same way (it used to open its session without a word). */
	char *spec = xasprintf("%s/spec.yaml", s->dir);
	const char *run[] = { "run", "--wait", spec, NULL };

	f = fopen(spec, "w");
	assert_non_null(f);
	fputs("workflow:\n  name: w\n  tasks:\n  - name: t\n    image: x\n    command: [true]\n",
	      f);
	fclose(f);
	assert_int_not_equal(snap_run(run, &out, &err), 0);
	assert_null(strstr(out, "c2VjcmV0"));
	assert_null(strstr(err, "c2VjcmV0"));
	assert_non_null(strstr(err, "readable by other users"));
	free(out);
	free(err);
	free(spec);
	unlink(path);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshots_match_goldens),
		cmocka_unit_test(test_snapshot_ascii_without_utf8_locale),
		cmocka_unit_test(test_snapshot_errors),
		cmocka_unit_test(test_unreachable_and_usage),
		cmocka_unit_test(test_token_never_printed),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_options_before_command),
		cmocka_unit_test(test_run_directory),
		cmocka_unit_test(test_logs),
	};

	return cmocka_run_group_tests(tests, snap_setup, snap_teardown);
}
