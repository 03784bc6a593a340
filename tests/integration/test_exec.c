/* test_exec.c: exec against a real osmo-local: the osmotop command and the client API (exec.h). */
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

#include "exec.h"
#include "lfix.h"

#define XTEST_RUN_MS  20000 /* one osmotop exec, or waiting for RUNNING or the end */
#define XTEST_STEP_MS 10000 /* one exec step in-process: output, the end */
#define XTEST_MAX_FDS 64
#define XTEST_SPEC                  \
	"workflow:\n"               \
	"  name: exec-target\n"     \
	"  tasks:\n"                \
	"  - name: sleeper\n"       \
	"    image: ubuntu:22.04\n" \
	"    command: [sleep]\n"    \
	"    args: [\"300\"]\n"
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
	bool ended;
	struct exec_end end;
};

static int
xtest_setup(void **state)
{
	struct xtest *t = xmalloc(sizeof(*t));
	struct osmo_workflow wf;

	lfix_open(&t->f, "exec-itest", NULL);
	t->wf = lfix_submit(&t->f, XTEST_SPEC, NULL);
	lfix_wait(&t->f, t->wf, XTEST_RUN_MS, lfix_running, &wf);
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
	wait_http_until(t->f.http, &c.done, LFIX_CALL_MS);
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
	char *bin = xasprintf("%s/bin/osmotop", proc_build_dir());
	const char *argv[24] = { bin, "exec", "--url", t->f.server.url, "--user", "jdoe" };
	size_t n = 6;
	int rc;

	for (; *args && n < 23; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	rc = proc_run((char *const *)argv, XTEST_RUN_MS, out, err);
	free(bin);
	return rc;
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

/* One round of the loop over the client's HTTP and the session's socket. */
static void
xtest_exec_step(struct xtest *t, struct xtest_exec *x, int64_t deadline)
{
	struct pollfd fds[XTEST_MAX_FDS];
	int64_t now = clock_mono_ms();
	int n = http_pollfds(t->f.http, fds, XTEST_MAX_FDS - 2);
	int to = http_timeout_ms(t->f.http, now), eto = exec_timeout_ms(x->ex, now);

	assert_true(now < deadline);
	n += exec_pollfds(x->ex, fds + n, 2);
	if (eto >= 0 && (to < 0 || eto < to))
		to = eto;
	if (to < 0 || to > deadline - now)
		to = (int)(deadline - now);
	if (poll(fds, (nfds_t)n, to) < 0)
		assert_int_equal(errno, EINTR);
	now = clock_mono_ms();
	http_dispatch(t->f.http, fds, n, now);
	exec_dispatch(x->ex, fds, n, now);
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

static void
xtest_exec_start(struct xtest *t, struct xtest_exec *x, const char *task, const char *command,
                 int rows, int cols)
{
	struct exec_opts o = {
		.workflow = t->wf,
		.task = task,
		.entry_command = command,
		.rows = rows,
		.cols = cols,
		.cb = { .output = xtest_exec_output, .ended = xtest_exec_ended, .ctx = x },
	};

	memset(x, 0, sizeof(*x));
	x->ex = exec_start(t->f.api, t->f.http, &o);
}

static void
xtest_exec_free(struct xtest_exec *x)
{
	exec_free(x->ex);
	strbuf_free(&x->out);
}

/* ------------------------------------------------------------------ tests */

static void
test_command_echo(void **state)
{
	struct xtest *t = *state;
	const char *args[] = { t->wf, "sleeper", "--", "echo", "hello", NULL };
	char *out = NULL, *err = NULL;
	int rc = xtest_osmotop(t, args, &out, &err);

	if (rc != 0)
		fail_msg("osmotop exec exited %d: %s", rc, err);
	assert_non_null(strstr(out, "hello"));
	free(out);
	free(err);
}

static void
test_command_quoting(void **state)
{
	struct xtest *t = *state;
	const char *args[] = { t->wf, "sleeper", "--", "sh", "-c", "echo \"it's $((6*7))\"", NULL };
	char *out = NULL, *err = NULL;
	int rc = xtest_osmotop(t, args, &out, &err);

	if (rc != 0)
		fail_msg("osmotop exec exited %d: %s", rc, err);
	assert_non_null(strstr(out, "it's 42"));
	free(out);
	free(err);
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
	char *out = NULL, *err = NULL;

	assert_int_equal(xtest_osmotop(t, args, &out, &err), 2);
	assert_non_null(strstr(err, "usage"));
	free(out);
	free(err);
}

int
main(void)
{
#define XTEST(fn) cmocka_unit_test_setup_teardown(fn, xtest_setup, xtest_teardown)
	const struct CMUnitTest tests[] = {
		XTEST(test_command_echo),
		XTEST(test_command_quoting),
		XTEST(test_api_size_and_resize),
		XTEST(test_api_early_input),
		XTEST(test_unknown_task),
		XTEST(test_finished_workflow),
		XTEST(test_usage),
	};
#undef XTEST

	return cmocka_run_group_tests(tests, NULL, NULL);
}
