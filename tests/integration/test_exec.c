/* test_exec.c: exec against a real osmo-local: the osmotop command, exec.h and exec_group.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/exec.h"
#include "client/exec_group.h"
#include "lfix.h"

#define XTEST_RUN_MS   20000 /* one osmotop exec, or waiting for RUNNING or the end */
#define XTEST_STEP_MS  10000 /* one exec step in-process: output, the end */
#define XTEST_MAX_FDS  64
#define XTEST_RETRY_MS 200 /* keep-alive's wait in-process, instead of 10 s */
/* The router's restart as the client sees it: the peer's 1012, though wslay 1.1.1 refuses it. */
#define XTEST_RESTART_CODE 1012
/* Group team runs sleeper and helper; group later waits for sleeper, which never ends. */
#define XTEST_SPEC                    \
	"workflow:\n"                 \
	"  name: exec-target\n"       \
	"  groups:\n"                 \
	"  - name: team\n"            \
	"    tasks:\n"                \
	"    - name: sleeper\n"       \
	"      lead: true\n"          \
	"      image: ubuntu:22.04\n" \
	"      command: [sleep]\n"    \
	"      args: [\"300\"]\n"     \
	"    - name: helper\n"        \
	"      image: ubuntu:22.04\n" \
	"      command: [sleep]\n"    \
	"      args: [\"300\"]\n"     \
	"  - name: later\n"           \
	"    tasks:\n"                \
	"    - name: waiter\n"        \
	"      image: ubuntu:22.04\n" \
	"      command: [sleep]\n"    \
	"      args: [\"300\"]\n"     \
	"      inputs:\n"             \
	"      - task: sleeper\n"
#define XTEST_QUICK                 \
	"workflow:\n"               \
	"  name: exec-done\n"       \
	"  tasks:\n"                \
	"  - name: quick\n"         \
	"    image: ubuntu:22.04\n" \
	"    command: [\"true\"]\n"

struct xtest {
	struct lfix f;
	char *wf; /* the sleeping workflow, RUNNING */
};

/* One in-process session's output and end. */
struct xtest_exec {
	struct exec_session *ex;
	struct strbuf out;
	int retry_ms;        /* keep-alive's wait; 0: no keep-alive */
	int reconnects;      /* keep-alive's reconnecting calls */
	struct exec_end why; /* the last one's reason */
	const char *stale;   /* typed during the reconnecting call: must reach no shell */
	size_t paused_at;    /* the output's length when the test paused it; 0: not paused */
	bool ended;
	struct exec_end end;
};

/* One in-process group exec: every line as "[task] line\n", every task's end. */
struct xtest_group {
	struct exec_group *g;
	struct strbuf lines;
	int tasks_ended, tasks_clean;
	bool ended;
	bool failed; /* ended with a start error, kept in err */
	struct api_error err;
};

/* Both team tasks RUNNING (the workflow turns RUNNING with the first). */
static bool
xtest_team_running(const struct osmo_workflow *wf)
{
	const struct osmo_group *g = osmo_workflow_find_group(wf, "team");

	if (!g || g->n_tasks < 2)
		return false;
	for (size_t i = 0; i < g->n_tasks; i++)
		if (g->tasks[i].status != OSMO_RUNNING)
			return false;
	return true;
}

static int
xtest_setup(void **state)
{
	struct xtest *t = xmalloc(sizeof(*t));
	struct osmo_workflow wf;

	lfix_open(&t->f, "exec-itest", NULL);
	t->wf = lfix_submit(&t->f, XTEST_SPEC, NULL);
	lfix_wait(&t->f, t->wf, XTEST_RUN_MS, xtest_team_running, &wf);
	osmo_workflow_free(&wf);
	*state = t;
	return 0;
}

static int
xtest_teardown(void **state)
{
	struct xtest *t = *state;
	struct wait_call c;

	/* Cancel the sleeper so nothing outlives the test, then stop the server by PID. */
	api_cancel(t->f.api, t->wf, true, NULL, wait_call_start(&c));
	wait_loop_until(t->f.loop, &c.done, LFIX_CALL_MS);
	wait_call_free(&c);
	lfix_close(&t->f);
	free(t->wf);
	free(t);
	return 0;
}

/* Runs osmotop exec with args after the server options; its exit status, output in *out, *err. */
static int
xtest_osmotop(const struct xtest *t, const char *const *args, char **out, char **err)
{
	return lfix_osmotop(&t->f, "exec", args, XTEST_RUN_MS, out, err);
}

/* Runs osmotop exec with args; fails unless it exits status saying out_has and err_has. */
static char *
xtest_expect(const struct xtest *t, const char *const *args, int status, const char *out_has,
             const char *err_has)
{
	return lfix_osmotop_expect(&t->f, "exec", args, XTEST_RUN_MS, status, out_has, err_has);
}

/* ------------------------------------------------------------------ in-process sessions */

static void
xtest_exec_output(void *ctx, const unsigned char *data, size_t n)
{
	struct xtest_exec *x = ctx;

	strbuf_add(&x->out, data, n);
}

static void
xtest_exec_ended(void *ctx, const struct exec_end *end)
{
	struct xtest_exec *x = ctx;

	x->end = *end;
	x->ended = true;
}

static void
xtest_exec_reconnecting(void *ctx, const struct exec_end *why, int delay_ms)
{
	struct xtest_exec *x = ctx;
	struct pollfd fd;

	x->reconnects++;
	x->why = *why;
	assert_int_equal(delay_ms, x->retry_ms);
	assert_int_equal(exec_pollfds(x->ex, &fd, 1), 0); /* nothing to watch while waiting */
	if (x->stale)
		exec_input(x->ex, x->stale, strlen(x->stale));
}

/* One round of the loop over the client's HTTP and a session's (ex) or a group's (g) sockets. */
static void
xtest_step(struct xtest *t, struct exec_session *ex, struct exec_group *g, int64_t deadline)
{
	const struct loop_source *src = ex ? &exec_source : &exec_group_source;
	void *ctx = ex ? (void *)ex : (void *)g;

	loop_add_source(t->f.loop, src, ctx);
	wait_loop_step(t->f.loop, deadline);
	loop_remove_source(t->f.loop, src, ctx);
}

static void
xtest_exec_step(struct xtest *t, struct xtest_exec *x, int64_t deadline)
{
	xtest_step(t, x->ex, NULL, deadline);
}

/* Runs the loop until the output holds want (or the session ends, which fails the test). */
static void
xtest_exec_until(struct xtest *t, struct xtest_exec *x, const char *want)
{
	int64_t deadline = clock_mono_ms() + XTEST_STEP_MS;

	while (!x->out.buf || !strstr(x->out.buf, want)) {
		if (x->ended)
			fail_msg("the session ended (%s) before '%s'; output: %s",
			         x->end.err.message, want, x->out.buf ? x->out.buf : "");
		xtest_exec_step(t, x, deadline);
	}
}

static void
xtest_exec_until_end(struct xtest *t, struct xtest_exec *x)
{
	int64_t deadline = clock_mono_ms() + XTEST_STEP_MS;

	while (!x->ended)
		xtest_exec_step(t, x, deadline);
}

/* Starts a session with a rows x cols pty; retry_ms > 0: keep-alive with that wait. */
static void
xtest_exec_open(struct xtest *t, struct xtest_exec *x, const char *task, const char *command,
                int rows, int cols, int retry_ms)
{
	struct exec_opts o = {
		.workflow = t->wf,
		.task = task,
		.entry_command = command,
		.rows = rows,
		.cols = cols,
		.keep_alive = retry_ms > 0,
		.keep_alive_ms = retry_ms,
		.cb = { .output = xtest_exec_output,
		        .reconnecting = xtest_exec_reconnecting,
		        .ended = xtest_exec_ended,
		        .ctx = x },
	};

	memset(x, 0, sizeof(*x));
	x->retry_ms = retry_ms;
	x->ex = exec_start(t->f.api, t->f.http, &o);
}

static void
xtest_exec_start(struct xtest *t, struct xtest_exec *x, const char *task, const char *command,
                 int rows, int cols)
{
	xtest_exec_open(t, x, task, command, rows, cols, 0);
}

static void
xtest_exec_free(struct xtest_exec *x)
{
	exec_free(x->ex);
	strbuf_free(&x->out);
}

/* Restarts osmo-local's router (every leg closes with 1012) while x's loop runs. */
static void
xtest_router_restart(struct xtest *t, struct xtest_exec *x)
{
	struct lfix_reply r;
	int64_t deadline = clock_mono_ms() + XTEST_STEP_MS;

	lfix_post_start(&t->f, "/api/_test/router/restart", &r);
	while (!r.done)
		xtest_exec_step(t, x, deadline);
	assert_int_equal(r.status, 200);
}

/*
 * A shell on sleeper (keep-alive when retry_ms > 0; stale typed when it reconnects) that
 * answered, then the router's restart.
 */
static void
xtest_exec_restarted(struct xtest *t, struct xtest_exec *x, int retry_ms, const char *stale)
{
	xtest_exec_open(t, x, "sleeper", "sh", 24, 80, retry_ms);
	x->stale = stale;
	exec_input(x->ex, "echo up-$((1+2))\r", 17);
	xtest_exec_until(t, x, "up-3");
	xtest_router_restart(t, x);
}

/* ------------------------------------------------------------------ in-process group execs */

static void
xtest_group_line(void *ctx, const char *task, const char *line)
{
	struct xtest_group *x = ctx;

	strbuf_addf(&x->lines, "[%s] %s\n", task, line);
}

static void
xtest_group_task_ended(void *ctx, const char *task, const struct exec_end *end)
{
	struct xtest_group *x = ctx;

	if (!end->clean)
		print_error("task %s: %s\n", task, end->err.message);
	x->tasks_ended++;
	x->tasks_clean += end->clean;
}

static void
xtest_group_ended(void *ctx, const struct api_error *err)
{
	struct xtest_group *x = ctx;

	x->ended = true;
	x->failed = err != NULL;
	if (err)
		x->err = *err;
}

/* Runs command on group's running tasks until every socket closed. */
static void
xtest_group_run(struct xtest *t, struct xtest_group *x, const char *group, const char *command)
{
	struct exec_group_opts o = {
		.workflow = t->wf,
		.group = group,
		.command = command,
		.cb = { .line = xtest_group_line,
		        .task_ended = xtest_group_task_ended,
		        .ended = xtest_group_ended,
		        .ctx = x },
	};
	int64_t deadline = clock_mono_ms() + XTEST_STEP_MS;

	memset(x, 0, sizeof(*x));
	strbuf_addstr(&x->lines, "");
	x->g = exec_group_start(t->f.api, t->f.http, &o);
	while (!x->ended)
		xtest_step(t, NULL, x->g, deadline);
	exec_group_free(x->g);
	x->g = NULL;
}

/* ------------------------------------------------------------------ tests */

static void
test_command_echo(void **state)
{
	struct xtest *t = *state;
	const char *args[] = { t->wf, "sleeper", "--", "echo", "hello", NULL };

	free(xtest_expect(t, args, 0, "hello", NULL));
}

static void
test_command_quoting(void **state)
{
	struct xtest *t = *state;
	const char *args[] = { t->wf, "sleeper", "--", "sh", "-c", "echo \"it's $((6*7))\"", NULL };

	free(xtest_expect(t, args, 0, "it's 42", NULL));
}

/* The first size reaches the pty; a resize after the first output changes it for the next stty. */
static void
test_api_size_and_resize(void **state)
{
	struct xtest *t = *state;
	struct xtest_exec x;

	xtest_exec_start(t, &x, "sleeper", "sh -c 'stty size; read line; stty size'", 33, 101);
	xtest_exec_until(t, &x, "33 101");
	assert_true(exec_connected(x.ex));
	exec_resize(x.ex, 40, 120);
	exec_input(x.ex, "go\r", 3);
	xtest_exec_until(t, &x, "40 120");
	xtest_exec_until_end(t, &x);
	if (!x.end.clean)
		fail_msg("the session ended abnormally: %s", x.end.err.message);
	assert_int_equal(x.end.code, 1000);
	xtest_exec_free(&x);
}

static void
xtest_pause_output(void *ctx, const unsigned char *data, size_t n)
{
	struct xtest_exec *x = ctx;

	xtest_exec_output(ctx, data, n);
	/* Paused from the first output on, inside the callback, as a full terminal does. */
	if (!x->paused_at) {
		x->paused_at = x->out.len;
		exec_pause(x->ex, true);
	}
}

/* A paused session reads nothing more of a chatty task; resumed, everything arrives. */
static void
test_api_pause(void **state)
{
	struct xtest *t = *state;
	struct xtest_exec x;
	int64_t until;

	memset(&x, 0, sizeof(x));
	x.ex = exec_start(t->f.api, t->f.http,
	                  &(struct exec_opts){ .workflow = t->wf,
	                                       .task = "sleeper",
	                                       .entry_command = "sh -c 'yes 0123456789 | head -c "
	                                                        "3000000; echo END-$((1+1))'",
	                                       .cb = { .output = xtest_pause_output,
	                                               .ended = xtest_exec_ended,
	                                               .ctx = &x } });
	until = clock_mono_ms() + XTEST_STEP_MS;
	while (!x.paused_at)
		xtest_exec_step(t, &x, until);
	until = clock_mono_ms() + 500;
	while (clock_mono_ms() + 5 < until)
		xtest_exec_step(t, &x, until);
	assert_int_equal(x.out.len, x.paused_at);
	assert_false(x.ended);
	exec_pause(x.ex, false);
	xtest_exec_until(t, &x, "END-2");
	assert_true(x.out.len > 3000000);
	xtest_exec_free(&x);
}

/* Input typed before the task side connected is held, then delivered in order. */
static void
test_api_early_input(void **state)
{
	struct xtest *t = *state;
	struct xtest_exec x;

	xtest_exec_start(t, &x, "sleeper", "sh", 24, 80);
	exec_input(x.ex, "echo early-$((1+1))\r", 20);
	exec_input(x.ex, "exit\r", 5);
	xtest_exec_until(t, &x, "early-2");
	xtest_exec_until_end(t, &x);
	assert_true(x.end.clean);
	xtest_exec_free(&x);
}

static void
test_unknown_task(void **state)
{
	struct xtest *t = *state;
	const char *args[] = { t->wf, "no-such-task", "--", "true", NULL };
	char *out = NULL, *err = NULL;
	int rc = xtest_osmotop(t, args, &out, &err);
	struct xtest_exec x;

	assert_int_equal(rc, 1);
	assert_non_null(strstr(err, "osmotop: exec "));
	assert_non_null(strstr(err, "no-such-task"));
	assert_int_equal(strchr(err, '\n') - err + 1, (long)strlen(err)); /* one line */
	free(out);
	free(err);
	/* The same through the API: the HTTP status survives for a caller's policy. */
	xtest_exec_start(t, &x, "no-such-task", "true", 24, 80);
	xtest_exec_until_end(t, &x);
	assert_false(x.end.clean);
	assert_int_equal(x.end.err.kind, API_ERR_HTTP);
	assert_int_equal(x.end.err.http_status, 404);
	xtest_exec_free(&x);
}

static void
test_finished_workflow(void **state)
{
	struct xtest *t = *state;
	char *done = lfix_submit(&t->f, XTEST_QUICK, NULL);
	const char *args[] = { done, "quick", "--", "true", NULL };
	char *out = NULL, *err = NULL;
	struct osmo_workflow wf;
	int rc;

	lfix_wait(&t->f, done, XTEST_RUN_MS, lfix_ended, &wf);
	osmo_workflow_free(&wf);
	rc = xtest_osmotop(t, args, &out, &err);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(err, "osmotop: exec "));
	assert_non_null(strstr(err, "HTTP 410"));
	assert_non_null(strstr(err, "is not running")); /* the server's own message */
	free(out);
	free(err);
	free(done);
}

static void
test_usage(void **state)
{
	struct xtest *t = *state;
	const char *args[] = { t->wf, NULL };

	free(xtest_expect(t, args, 2, NULL, "usage"));
}

/*
 * Keep-alive: the router restarts (1012), the reconnecting callback comes once, keys typed
 * while it waits reach no shell, and a new session (a new shell) answers.
 */
static void
test_api_keep_alive(void **state)
{
	struct xtest *t = *state;
	struct xtest_exec x;
	int64_t deadline;

	xtest_exec_restarted(t, &x, XTEST_RETRY_MS, "echo stale-$((0+1))\r");
	deadline = clock_mono_ms() + XTEST_STEP_MS;
	while (x.reconnects == 0 || !exec_connected(x.ex)) {
		assert_false(x.ended);
		xtest_exec_step(t, &x, deadline);
	}
	assert_int_equal(x.reconnects, 1);
	assert_int_equal(x.why.code, XTEST_RESTART_CODE);
	assert_false(x.why.clean);
	exec_input(x.ex, "echo second-$((2+2))\r", 21);
	xtest_exec_until(t, &x, "second-4");
	exec_input(x.ex, "exit\r", 5);
	xtest_exec_until_end(t, &x);
	assert_true(x.end.clean);
	assert_int_equal(x.reconnects, 1);
	assert_null(strstr(x.out.buf, "stale-1"));
	xtest_exec_free(&x);
}

/* Without keep-alive the same restart ends the session, abnormally and with its code. */
static void
test_api_no_keep_alive(void **state)
{
	struct xtest *t = *state;
	struct xtest_exec x;

	xtest_exec_restarted(t, &x, 0, NULL);
	xtest_exec_until_end(t, &x);
	assert_false(x.end.clean);
	assert_int_equal(x.end.code, XTEST_RESTART_CODE);
	assert_int_equal(x.reconnects, 0);
	xtest_exec_free(&x);
}

/*
 * Keep-alive ends at a 4xx (the task does not exist) and at exec_close while it waits, when
 * there is nothing to poll and the timeout is the wait.
 */
static void
test_api_keep_alive_ends(void **state)
{
	struct xtest *t = *state;
	struct xtest_exec x;
	int64_t deadline;

	xtest_exec_open(t, &x, "no-such-task", "sh", 24, 80, XTEST_RETRY_MS);
	xtest_exec_until_end(t, &x);
	assert_int_equal(x.end.err.http_status, 404);
	assert_int_equal(x.reconnects, 0);
	xtest_exec_free(&x);

	/* A wait long enough that the close surely comes inside it. */
	xtest_exec_restarted(t, &x, 60000, NULL);
	deadline = clock_mono_ms() + XTEST_STEP_MS;
	while (x.reconnects == 0)
		xtest_exec_step(t, &x, deadline);
	assert_false(exec_connected(x.ex));
	assert_true(exec_timeout_ms(x.ex, clock_mono_ms()) > 1000);
	exec_close(x.ex);
	xtest_exec_until_end(t, &x);
	assert_false(x.end.clean);
	assert_int_equal(x.end.err.kind, API_ERR_CANCELLED);
	assert_int_equal(x.reconnects, 1);
	xtest_exec_free(&x);
}

/* Whether lines holds "[task] " followed by line and a newline. */
static bool
xtest_has_line(const char *lines, const char *task, const char *line)
{
	char *want = xasprintf("[%s] %s\n", task, line);
	bool has = strstr(lines, want) != NULL;

	free(want);
	return has;
}

/* A line of width bytes: spaces, then an x. */
static char *
xtest_padded(int width)
{
	return xasprintf("%*s", width, "x");
}

/*
 * A group exec on both running tasks: each task's lines with its prefix and without '\r';
 * lines over the cap cut before the UTF-8 sequence the cap would split (2, 3 and 4 bytes), a
 * line of exactly the cap whole; the partial last line flushed when the socket closes.
 */
static void
test_api_group(void **state)
{
	struct xtest *t = *state;
	struct xtest_group x;
	static const char *const tasks[] = { "sleeper", "helper" };
	char *w4093 = xtest_padded(4093), *w4094 = xtest_padded(4094);
	char *w4095 = xtest_padded(4095), *w4096 = xtest_padded(4096);

	xtest_group_run(t, &x, "team",
	                "sh -c 'echo one; printf \"%4095s\\303\\251tail\\n\" x; "
	                "printf \"%4094s\\342\\202\\254end\\n\" x; "
	                "printf \"%4093s\\360\\237\\230\\200!\\n\" x; "
	                "printf \"%4096s\\n\" x; printf partial'");
	if (x.failed)
		fail_msg("the group exec failed: %s", x.err.message);
	assert_int_equal(x.tasks_ended, 2);
	assert_int_equal(x.tasks_clean, 2);
	assert_null(strchr(x.lines.buf, '\r'));
	for (size_t i = 0; i < ARRAY_SIZE(tasks); i++) {
		assert_true(xtest_has_line(x.lines.buf, tasks[i], "one"));
		assert_true(xtest_has_line(x.lines.buf, tasks[i], w4095));
		assert_true(xtest_has_line(x.lines.buf, tasks[i], "\303\251tail"));
		assert_true(xtest_has_line(x.lines.buf, tasks[i], w4094));
		assert_true(xtest_has_line(x.lines.buf, tasks[i], "\342\202\254end"));
		assert_true(xtest_has_line(x.lines.buf, tasks[i], w4093));
		assert_true(xtest_has_line(x.lines.buf, tasks[i], "\360\237\230\200!"));
		assert_true(xtest_has_line(x.lines.buf, tasks[i], w4096));
		assert_false(xtest_has_line(x.lines.buf, tasks[i], "")); /* no line of nothing */
		assert_true(xtest_has_line(x.lines.buf, tasks[i], "partial"));
	}
	free(w4093);
	free(w4094);
	free(w4095);
	free(w4096);
	strbuf_free(&x.lines);
}

/* Nothing of group later runs yet: the start call's 425 ends it, with no task. */
static void
test_api_group_not_running(void **state)
{
	struct xtest *t = *state;
	struct xtest_group x;

	xtest_group_run(t, &x, "later", "echo hi");
	assert_true(x.failed);
	assert_int_equal(x.err.kind, API_ERR_HTTP);
	assert_int_equal(x.err.http_status, 425);
	assert_int_equal(x.tasks_ended, 0);
	assert_string_equal(x.lines.buf, "");
	strbuf_free(&x.lines);
}

/* Runs "PRODUCER | osmotop exec ... WF sleeper TAIL" in sh; the exit status, stdout in *out. */
static int
xtest_piped(const struct xtest *t, const char *producer, const char *tail, char **out)
{
	char *bin = xasprintf("%s/bin/osmotop", proc_build_dir());
	char *script = xasprintf("%s | '%s' exec --url '%s' --user jdoe '%s' sleeper %s", producer,
	                         bin, t->f.server.url, t->wf, tail);
	char *argv[] = { "/bin/sh", "-c", script, NULL };
	char *err = NULL;
	int rc = proc_run(argv, XTEST_RUN_MS, out, &err);

	if (rc != 0)
		fail_msg("%s\nexited %d: %s", script, rc, err);
	free(err);
	free(script);
	free(bin);
	return rc;
}

/*
 * osmotop exec with stdin a pipe: the bytes reach the task (once it printed something: input
 * waits for the first output), and their end (Ctrl-D) ends cat and the command.
 */
static void
test_command_stdin_pipe(void **state)
{
	char *out = NULL;

	xtest_piped(*state, "printf 'piped-%s\\n' $((6*7))", "-- sh -c 'echo ready; exec cat'",
	            &out);
	assert_non_null(strstr(out, "piped-42"));
	free(out);
	/* A last line without a newline: one Ctrl-D hands it over, a second ends cat. */
	xtest_piped(*state, "printf no-newline", "-- sh -c 'echo ready; exec cat'", &out);
	assert_non_null(strstr(out, "no-newline"));
	free(out);
}

/*
 * With no command, a pipe on stdin holds commands: a non-interactive sh runs them, and the
 * output is theirs alone, no prompt, echo, CR or escape; a last line without a newline runs.
 */
static void
test_command_stdin_script(void **state)
{
	char *out = NULL;

	xtest_piped(*state, "printf 'echo hi\\n'", "", &out);
	assert_string_equal(out, "hi\n");
	free(out);
	xtest_piped(*state, "printf 'echo a; read b\\nfrom-stdin\\necho $b $((6*7))'", "", &out);
	assert_string_equal(out, "a\nfrom-stdin 42\n");
	free(out);
}

/* Runs osmotop with args (the session options first, then the command); fails unless want. */
static void
xtest_options_first(const char *const *args, const char *want)
{
	char *out = NULL, *err = NULL;
	int rc = proc_run_osmotop(args, XTEST_RUN_MS, &out, &err);

	if (rc != 0 || !strstr(out, want))
		fail_msg("osmotop %s exited %d without \"%s\"\nstdout: %s\nstderr: %s", args[0], rc,
		         want, out, err);
	free(out);
	free(err);
}

/*
 * The session options may come before the command's name as well as after it; given on both
 * sides, the one after it wins. run logs in with osmo-local's own token file.
 */
static void
test_command_options_first(void **state)
{
	struct xtest *t = *state;
	const char *url = t->f.server.url;
	char *token = xasprintf("%s/access_token", t->f.state);
	char *spec = xasprintf("%s/quick.yaml", t->f.dir);
	const char *exec[] = { "--url",   url,  "--user", "jdoe",          "exec", t->wf,
		               "sleeper", "--", "echo",   "options-first", NULL };
	const char *later[] = { "--url",   "http://127.0.0.1:1",
		                "--user",  "jdoe",
		                "exec",    "--url",
		                url,       t->wf,
		                "sleeper", "--",
		                "echo",    "later-wins",
		                NULL };
	const char *run[] = { "--url", url, "--token-file", token, "run", spec, NULL };
	FILE *f = fopen(spec, "w");

	assert_non_null(f);
	fputs(XTEST_QUICK, f);
	assert_int_equal(fclose(f), 0);
	xtest_options_first(exec, "options-first");
	xtest_options_first(later, "later-wins");
	xtest_options_first(run, "Workflow ID - exec-done-");
	free(spec);
	free(token);
}

/* osmotop exec --group: "[task] line" for every task, 0; the refusals are usage errors. */
static void
test_command_group(void **state)
{
	struct xtest *t = *state;
	const char *args[] = {
		"--group", "team", t->wf, "--", "sh", "-c", "echo hi-$((1+2))", NULL
	};
	const char *shell[] = { "--group", "team", t->wf, "--", "bash", "-l", NULL };
	const char *keep[] = { "--keep-alive", "--group", "team", t->wf, "--", "true", NULL };
	const char *none[] = { "--group", "team", t->wf, NULL };
	const char *early[] = { "--group", "later", t->wf, "--", "true", NULL };
	char *out = xtest_expect(t, args, 0, "[sleeper] hi-3\n", NULL), *err = NULL;

	assert_non_null(strstr(out, "[helper] hi-3\n"));
	free(out);
	free(xtest_expect(t, shell, 2, NULL, "interactive"));
	free(xtest_expect(t, keep, 2, NULL, "--keep-alive"));
	free(xtest_expect(t, none, 2, NULL, NULL));
	assert_int_equal(xtest_osmotop(t, early, &out, &err), 1);
	assert_non_null(strstr(err, "group later"));
	assert_non_null(strstr(err, "HTTP 425"));
	assert_int_equal(strchr(err, '\n') - err + 1, (long)strlen(err)); /* one line */
	free(out);
	free(err);
}

/*
 * osmotop exec --keep-alive: the command restarts the router itself on its first run, so the
 * session breaks once; the notice comes, and 10 s later a new run (which finds its marker)
 * ends normally.
 */
static void
test_command_keep_alive(void **state)
{
	struct xtest *t = *state;
	char *script = xasprintf(
	        "if [ -e '%s/ran' ]; then echo second-run; exit 0; fi; "
	        "touch '%s/ran'; echo first-run; "
	        "curl -s --noproxy '*' -o /dev/null -X POST '%s/api/_test/router/restart'; "
	        "sleep 30",
	        t->f.dir, t->f.dir, t->f.server.url);
	const char *args[] = { "--keep-alive", t->wf, "sleeper", "--", "sh", "-c", script, NULL };
	char *out = NULL, *err = NULL;
	int rc = xtest_osmotop(t, args, &out, &err);

	if (rc != 0)
		fail_msg("osmotop exec --keep-alive exited %d: %s", rc, err);
	assert_non_null(strstr(out, "first-run"));
	assert_non_null(strstr(out, "second-run"));
	assert_non_null(strstr(err, "; reconnecting in 10 s (a new session)\n"));
	assert_null(strstr(strstr(err, "reconnecting") + 1, "reconnecting")); /* once */
	free(out);
	free(err);
	free(script);
}

int
main(void)
{
#define XTEST(fn) cmocka_unit_test_setup_teardown(fn, xtest_setup, xtest_teardown)
	const struct CMUnitTest tests[] = {
		XTEST(test_command_echo),          XTEST(test_command_quoting),
		XTEST(test_api_size_and_resize),   XTEST(test_api_pause),
		XTEST(test_api_early_input),       XTEST(test_unknown_task),
		XTEST(test_finished_workflow),     XTEST(test_usage),
		XTEST(test_api_keep_alive),        XTEST(test_api_no_keep_alive),
		XTEST(test_api_keep_alive_ends),   XTEST(test_api_group),
		XTEST(test_api_group_not_running), XTEST(test_command_stdin_pipe),
		XTEST(test_command_group),         XTEST(test_command_keep_alive),
		XTEST(test_command_options_first), XTEST(test_command_stdin_script),
	};
#undef XTEST

	/* POST /api/_test/router/restart, for the keep-alive tests. */
	setenv("OSMO_LOCAL_TEST_ROUTES", "1", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
