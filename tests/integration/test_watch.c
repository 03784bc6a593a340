/* test_watch.c: osmotop watch on osmo-local: its lines, exit statuses, a service that goes away. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lfix.h"
#include "common/util.h"

#define WTEST_RUN_MS 30000 /* a watch from submit to the workflow's end */

/* A task that runs for a while (so the watch sees it RUNNING), then exits with CODE. */
#define WTEST_SPEC(name, code)      \
	"workflow:\n"               \
	"  name: " name "\n"        \
	"  tasks:\n"                \
	"  - name: train\n"         \
	"    image: ubuntu:24.04\n" \
	"    command: [\"sh\", \"-c\", \"sleep 2; exit " code "\"]\n"

static int
wtest_setup(void **state)
{
	return lfix_state_open(state, "watch-itest", NULL);
}

static void
test_completed(void **state)
{
	struct lfix *t = *state;
	char *id = lfix_submit(t, WTEST_SPEC("watch-ok", "0"), NULL);
	const char *args[] = { "--until-done", "--interval", "1", id, NULL };
	char *out = lfix_osmotop_expect(t, "watch", args, WTEST_RUN_MS, 0, NULL, NULL);
	char *re;

	/* First what is, then each change: when, workflow, what, from -> to. */
	re = xasprintf("^[0-9-]{10}T[0-9:]{8}Z %s workflow (PENDING|RUNNING)$", id);
	lfix_has_line(out, re);
	free(re);
	re = xasprintf("^[^ ]+ %s workflow RUNNING -> COMPLETED$", id);
	lfix_has_line(out, re);
	free(re);
	lfix_has_line(out, " task train-group/train retry 0 RUNNING -> COMPLETED exit 0$");
	lfix_has_line(out, " group train-group RUNNING -> COMPLETED$");
	free(out);
	free(id);
}

static void
test_failed_as_json(void **state)
{
	struct lfix *t = *state;
	char *id = lfix_submit(t, WTEST_SPEC("watch-fail", "7"), NULL);
	const char *args[] = { "--until-done", "--interval", "1", "--json", id, NULL };
	char *out = lfix_osmotop_expect(t, "watch", args, WTEST_RUN_MS, 1, NULL, NULL);

	lfix_has_line(out, "^\\{\"time\":\"[^\"]+Z\",\"workflow\":\"watch-fail-[0-9]+\","
	                   "\"kind\":\"workflow\",\"group\":null,\"task\":null,\"retry\":null,"
	                   "\"from\":null,\"to\":\"(PENDING|RUNNING)\"");
	lfix_has_line(out, "\"kind\":\"task\",\"group\":\"train-group\",\"task\":\"train\","
	                   "\"retry\":0,\"from\":\"RUNNING\",\"to\":\"FAILED\",\"exit_code\":7,"
	                   "\"message\":\"[^\"]*Exit code 7");
	lfix_has_line(out, "\"kind\":\"workflow\",.*\"from\":\"RUNNING\",\"to\":\"FAILED\"");
	free(out);
	free(id);
}

/* Not found is the service's answer, not a reason to retry. */
static void
test_unknown_workflow(void **state)
{
	const char *args[] = { "no-such-workflow-1", NULL };

	free(lfix_osmotop_expect(*state, "watch", args, WTEST_RUN_MS, 1, NULL,
	                         "watch no-such-workflow-1: "));
}

/* Nothing listening: retried with backoff, then exit 2. */
static void
test_unreachable(void **state)
{
	char *url = xasprintf("http://127.0.0.1:%d", lfix_free_port());
	const char *args[] = { "watch",        "--url",     url, "--user", "jdoe",
		               "--until-done", "--retries", "2", "wf-1",   NULL };
	char *out = NULL, *err = NULL;
	int rc;

	(void)state;
	rc = proc_run_osmotop(args, 20000, &out, &err);
	if (rc != 2 || !strstr(err, "retrying in") || !strstr(err, "stayed unreachable (2 tries)"))
		fail_msg("exit %d, stderr:\n%s", rc, err);
	free(out);
	free(err);
	free(url);
}

/* Reads p's stdout until it closes (the watch ended) or deadline; what it printed. */
static char *
wtest_drain(struct proc *p, int64_t deadline)
{
	struct strbuf sb = { 0 };
	char buf[4096];
	ssize_t n = 1;

	while (n > 0) {
		struct pollfd pfd = { .fd = p->out_fd, .events = POLLIN };
		int64_t left = deadline - clock_mono_ms();

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			fail_msg("the watch did not end in time; it printed:\n%s",
			         sb.buf ? sb.buf : "");
		n = read(p->out_fd, buf, sizeof(buf));
		if (n > 0)
			strbuf_add(&sb, buf, (size_t)n);
	}
	return sb.buf ? strbuf_detach(&sb) : xstrdup("");
}

/*
 * The service stops under a running watch and comes back on the same port: the watch waits
 * through it and tells how the workflow ended (osmo-local does not resume what it lost).
 */
static void
test_survives_a_restart(void **state)
{
	struct lfix *t = *state;
	char *id = lfix_submit(t, WTEST_SPEC("watch-drop", "0"), NULL);
	char *listen = xasprintf("127.0.0.1:%s", strrchr(t->server.url, ':') + 1);
	char *bin = xasprintf("%s/bin/osmotop", proc_build_dir());
	char *url = xstrdup(t->server.url);
	const char *argv[] = { bin,    "watch",        "--url",      url, "--user",
		               "jdoe", "--until-done", "--interval", "1", id,
		               NULL };
	const char *again[] = { "--listen", listen, NULL };
	struct proc w = { .pid = -1, .out_fd = -1 };
	struct osmo_workflow wf;
	char *rest, *re;

	lfix_wait(t, id, WTEST_RUN_MS, lfix_running, &wf);
	osmo_workflow_free(&wf);
	assert_int_equal(proc_start_until(&w, (char *const *)argv, " workflow RUNNING", 10000), 0);
	lfix_stop(t, 5000);
	lfix_start(t, again);
	assert_string_equal(t->server.url, url);
	rest = wtest_drain(&w, clock_mono_ms() + WTEST_RUN_MS);
	re = xasprintf("^[^ ]+ %s workflow RUNNING -> FAILED", id);
	lfix_has_line(rest, re);
	assert_int_equal(proc_stop(&w, 5000), 1);
	free(re);
	free(rest);
	free(listen);
	free(bin);
	free(url);
	free(id);
}

/*
 * --mine, a workflow submitted while it watches that fails before the next list answer: told
 * though it was never seen live.
 */
static void
test_mine_sees_a_quick_failure(void **state)
{
	struct lfix *t = *state;
	char *slow = lfix_submit(t, WTEST_SPEC("mine-slow", "0"), NULL);
	char *bin = xasprintf("%s/bin/osmotop", proc_build_dir());
	const char *argv[] = { bin,    "watch",        "--url",      t->server.url, "--user",
		               "jdoe", "--until-done", "--interval", "2",           "--mine",
		               NULL };
	struct proc w = { .pid = -1, .out_fd = -1 };
	struct osmo_workflow wf;
	char *quick, *rest, *re;

	assert_int_equal(proc_start_until(&w, (char *const *)argv, slow, 10000), 0);
	quick = lfix_submit(t,
	                    "workflow:\n  name: mine-quick\n  tasks:\n  - name: q\n"
	                    "    image: ubuntu:24.04\n    command: [\"sh\", \"-c\", \"exit 5\"]\n",
	                    NULL);
	lfix_wait(t, quick, WTEST_RUN_MS, lfix_ended, &wf);
	osmo_workflow_free(&wf);
	rest = wtest_drain(&w, clock_mono_ms() + WTEST_RUN_MS);
	re = xasprintf("^[^ ]+ %s workflow FAILED$", quick);
	lfix_has_line(rest, re);
	assert_int_equal(proc_stop(&w, 5000), 1);
	free(re);
	free(rest);
	free(quick);
	free(bin);
	free(slow);
}

/* The reader leaves (| head -1): the watch ends at once, not at its next line minutes later. */
static void
test_reader_leaves(void **state)
{
	struct lfix *t = *state;
	char *id = lfix_submit(t, WTEST_SPEC("watch-head", "0"), NULL);
	char *bin = xasprintf("%s/bin/osmotop", proc_build_dir());
	const char *argv[] = { bin, "watch", "--url", t->server.url, "--user", "jdoe", id, NULL };
	struct proc w = { .pid = -1, .out_fd = -1 };
	int64_t deadline;

	assert_int_equal(proc_start_until(&w, (char *const *)argv, " workflow ", 10000), 0);
	close(w.out_fd);
	w.out_fd = -1;
	deadline = clock_mono_ms() + 5000;
	while (proc_alive(w.pid) && clock_mono_ms() < deadline)
		poll(NULL, 0, 20);
	assert_false(proc_alive(w.pid));
	assert_int_equal(proc_stop(&w, 1000), 0);
	free(bin);
	free(id);
}

/* --mine follows each live workflow of the user's, and ends when none is left. */
static void
test_mine(void **state)
{
	struct lfix *t = *state;
	char *ok = lfix_submit(t, WTEST_SPEC("mine-ok", "0"), NULL);
	char *bad = lfix_submit(t, WTEST_SPEC("mine-bad", "3"), NULL);
	const char *args[] = { "--mine", "--until-done", "--interval", "1", NULL };
	char *out = lfix_osmotop_expect(t, "watch", args, WTEST_RUN_MS, 1, NULL, NULL);
	char *re;

	re = xasprintf(" %s workflow RUNNING -> COMPLETED$", ok);
	lfix_has_line(out, re);
	free(re);
	re = xasprintf(" %s workflow RUNNING -> FAILED$", bad);
	lfix_has_line(out, re);
	free(re);
	free(out);
	free(ok);
	free(bad);
}

static void
test_usage(void **state)
{
	const char *none[] = { NULL };
	const char *both[] = { "--mine", "wf-1", NULL };
	const char *interval[] = { "--interval", "0", "wf-1", NULL };

	free(lfix_osmotop_expect(*state, "watch", none, WTEST_RUN_MS, 2, NULL, "--mine"));
	free(lfix_osmotop_expect(*state, "watch", both, WTEST_RUN_MS, 2, NULL, "--mine"));
	free(lfix_osmotop_expect(*state, "watch", interval, WTEST_RUN_MS, 2, NULL, "--interval"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_completed, wtest_setup, lfix_state_close),
		cmocka_unit_test_setup_teardown(test_failed_as_json, wtest_setup, lfix_state_close),
		cmocka_unit_test_setup_teardown(test_unknown_workflow, wtest_setup,
		                                lfix_state_close),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test_setup_teardown(test_survives_a_restart, wtest_setup,
		                                lfix_state_close),
		cmocka_unit_test_setup_teardown(test_mine, wtest_setup, lfix_state_close),
		cmocka_unit_test_setup_teardown(test_reader_leaves, wtest_setup, lfix_state_close),
		cmocka_unit_test_setup_teardown(test_mine_sees_a_quick_failure, wtest_setup,
		                                lfix_state_close),
		cmocka_unit_test_setup_teardown(test_usage, wtest_setup, lfix_state_close),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
