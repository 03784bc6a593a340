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

#include "api.h"
#include "exec.h"
#include "proc.h"
#include "wait.h"

#define XTEST_CALL_MS 10000 /* one request */
#define XTEST_RUN_MS  20000 /* one osmotop exec, or waiting for RUNNING or the end */
#define XTEST_STEP_MS 10000 /* one exec step in-process: output, the end */
#define XTEST_POLL_MS 50    /* between two queries of a workflow */
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
	char dir[64]; /* scratch: the server's state; removed at teardown */
	char *state;
	struct proc server;
	struct http *http;
	struct auth auth;
	struct api *api;
	char *wf; /* the sleeping workflow, RUNNING */
};

/* One in-process session's output and end. */
struct xtest_exec {
	struct exec_session *ex;
	struct strbuf out;
	bool ended;
	struct exec_end end;
};

static struct api_callbacks
xtest_cb(struct wait_call *c)
{
	memset(c, 0, sizeof(*c));
	return wait_call_cb(c);
}

static void
xtest_finish(struct xtest *t, struct wait_call *c)
{
	wait_http_until(t->http, &c->done, XTEST_CALL_MS);
	if (c->res.err.kind != API_OK)
		fail_msg("%s", c->res.err.message);
}

static char *
xtest_submit(struct xtest *t, const char *yaml)
{
	struct api_submit_opts o = { .pool = "default", .yaml = yaml };
	struct wait_call c;
	char *id;

	api_submit(t->api, &o, xtest_cb(&c));
	xtest_finish(t, &c);
	id = xstrdup(c.res.submit.name);
	wait_call_free(&c);
	return id;
}

/* Waits ms on the client's descriptors, never by sleeping. */
static void
xtest_pause(struct xtest *t, int ms)
{
	int64_t until = clock_mono_ms() + ms, now;

	while ((now = clock_mono_ms()) < until) {
		struct pollfd fds[XTEST_MAX_FDS];
		int n = http_pollfds(t->http, fds, XTEST_MAX_FDS);
		int to = http_timeout_ms(t->http, now);

		if (to < 0 || to > until - now)
			to = (int)(until - now);
		if (poll(fds, (nfds_t)n, to) < 0)
			assert_int_equal(errno, EINTR);
		http_dispatch(t->http, fds, n, clock_mono_ms());
	}
}

/* Polls id until want(status) holds; fails after XTEST_RUN_MS. */
static void
xtest_wait_status(struct xtest *t, const char *id, bool finished)
{
	int64_t deadline = clock_mono_ms() + XTEST_RUN_MS;

	for (;;) {
		struct wait_call c;
		bool hit;

		api_query(t->api, id, false, false, xtest_cb(&c));
		xtest_finish(t, &c);
		hit = finished ? osmo_status_is_finished(c.res.workflow.status)
		               : c.res.workflow.status == OSMO_RUNNING;
		wait_call_free(&c);
		if (hit)
			return;
		if (clock_mono_ms() > deadline)
			fail_msg("workflow %s did not reach %s", id,
			         finished ? "its end" : "RUNNING");
		xtest_pause(t, XTEST_POLL_MS);
	}
}

static int
xtest_setup(void **state)
{
	struct xtest *t = xcalloc(1, sizeof(*t));
	char *bin = xasprintf("%s/bin/osmo-local", proc_build_dir());

	strlcpy_safe(t->dir, "/tmp/osmo-exec-itest-XXXXXX", sizeof(t->dir));
	assert_non_null(mkdtemp(t->dir));
	t->state = xasprintf("%s/state", t->dir);
	t->server.pid = -1;
	t->server.out_fd = -1;
	{
		char *argv[] = { bin,      "--listen",   "127.0.0.1:0", "--state",
			         t->state, "--phase-ms", "0",           NULL };

		assert_int_equal(proc_start_server(&t->server, argv, XTEST_CALL_MS), 0);
	}
	free(bin);
	t->http = http_new(API_USER_AGENT);
	auth_init_dev(&t->auth, "jdoe");
	t->api = api_new(t->server.url, &t->auth, t->http);
	t->wf = xtest_submit(t, XTEST_SPEC);
	xtest_wait_status(t, t->wf, false);
	*state = t;
	return 0;
}

static int
xtest_teardown(void **state)
{
	struct xtest *t = *state;
	struct wait_call c;

	/* Cancel the sleeper so nothing outlives the test, then stop the server by PID. */
	api_cancel(t->api, t->wf, true, NULL, xtest_cb(&c));
	wait_http_until(t->http, &c.done, XTEST_CALL_MS);
	wait_call_free(&c);
	api_free(t->api);
	http_free(t->http);
	auth_free(&t->auth);
	if (t->server.pid > 0)
		proc_stop(&t->server, 5000);
	proc_remove_tree(t->dir);
	free(t->state);
	free(t->wf);
	free(t);
	return 0;
}

/* Runs osmotop exec with args after the server options; its exit status, output in *out, *err. */
static int
xtest_osmotop(const struct xtest *t, const char *const *args, char **out, char **err)
{
	char *bin = xasprintf("%s/bin/osmotop", proc_build_dir());
	const char *argv[24] = { bin, "exec", "--url", t->server.url, "--user", "jdoe" };
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
	int n = http_pollfds(t->http, fds, XTEST_MAX_FDS - 2);
	int to = http_timeout_ms(t->http, now), eto = exec_timeout_ms(x->ex, now);

	assert_true(now < deadline);
	n += exec_pollfds(x->ex, fds + n, 2);
	if (eto >= 0 && (to < 0 || eto < to))
		to = eto;
	if (to < 0 || to > deadline - now)
		to = (int)(deadline - now);
	if (poll(fds, (nfds_t)n, to) < 0)
		assert_int_equal(errno, EINTR);
	now = clock_mono_ms();
	http_dispatch(t->http, fds, n, now);
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
	x->ex = exec_start(t->api, t->http, &o);
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
	char *done = xtest_submit(t, XTEST_QUICK);
	const char *args[] = { done, "quick", "--", "true", NULL };
	char *out = NULL, *err = NULL;
	int rc;

	xtest_wait_status(t, done, true);
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
