/* test_runner.c: task processes: output lines, exit codes, exec failures, killing the whole tree. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner.h"

struct run_out {
	struct strbuf text; /* "1:line" / "2:line" per captured line */
	size_t lines;
};

static void
run_line(void *ctx, enum runner_stream stream, const char *s, size_t n)
{
	struct run_out *o = ctx;

	strbuf_addf(&o->text, "%d:%.*s\n", (int)stream, (int)n, s);
	o->lines++;
}

/* Reads both pipes until they close (bounded), then collects the exit status. */
static void
run_drain(struct runner_proc *p, struct run_out *o, int timeout_ms)
{
	int64_t deadline = clock_mono_ms() + timeout_ms;

	while (p->fds[RUNNER_STDOUT] >= 0 || p->fds[RUNNER_STDERR] >= 0) {
		struct pollfd fds[2] = { { .fd = p->fds[RUNNER_STDOUT], .events = POLLIN },
			                 { .fd = p->fds[RUNNER_STDERR], .events = POLLIN } };
		int64_t left = deadline - clock_mono_ms();

		assert_true(left > 0);
		poll(fds, 2, (int)left);
		for (int i = 0; i < 2; i++)
			if (fds[i].fd >= 0 && fds[i].revents)
				runner_read(p, fds[i].fd, run_line, o);
	}
	/* Both pipes closed: the process has exited (or closed them); reap it for real. */
	int status;

	assert_int_equal(waitpid(p->pid, &status, 0), p->pid);
	p->exited = true;
	p->wait_status = status;
	assert_true(runner_done(p));
}

static char *run_env[] = { "PATH=/usr/bin:/bin", "GREETING=hello", NULL };

static void
test_lines_and_exit_code(void **state)
{
	char *argv[] = { "sh", "-c", "echo one; echo two >&2; printf 'no newline'; exit 3", NULL };
	struct runner_spec s = { .argv = argv, .envp = run_env, .cwd = "/" };
	struct runner_proc p;
	struct run_out o = { 0 };
	char err[256];

	(void)state;
	assert_int_equal(runner_start(&p, &s, err, sizeof(err)), 0);
	run_drain(&p, &o, 10000);
	assert_int_equal(runner_exit_code(&p), 3);
	assert_non_null(strstr(o.text.buf, "1:one\n"));
	assert_non_null(strstr(o.text.buf, "2:two\n"));
	assert_non_null(strstr(o.text.buf, "1:no newline\n"));
	assert_int_equal(o.lines, 3);
	runner_free(&p);
	strbuf_free(&o.text);
}

static void
test_environment_and_cwd(void **state)
{
	char *argv[] = { "sh", "-c", "echo $GREETING; pwd", NULL };
	struct runner_spec s = { .argv = argv, .envp = run_env, .cwd = "/tmp" };
	struct runner_proc p;
	struct run_out o = { 0 };
	char err[256];

	(void)state;
	assert_int_equal(runner_start(&p, &s, err, sizeof(err)), 0);
	run_drain(&p, &o, 10000);
	assert_int_equal(runner_exit_code(&p), 0);
	assert_string_equal(o.text.buf, "1:hello\n1:/tmp\n");
	runner_free(&p);
	strbuf_free(&o.text);
}

static void
test_command_not_found(void **state)
{
	char *argv[] = { "no-such-command-osmotop", "x", NULL };
	struct runner_spec s = { .argv = argv, .envp = run_env };
	struct runner_proc p;
	struct run_out o = { 0 };
	char err[256];

	(void)state;
	assert_int_equal(runner_start(&p, &s, err, sizeof(err)), 0);
	run_drain(&p, &o, 10000);
	assert_int_equal(runner_exit_code(&p), 127);
	assert_non_null(
	        strstr(o.text.buf, "2:osmo-local: no-such-command-osmotop: command not found"));
	runner_free(&p);
	strbuf_free(&o.text);
}

static void
test_kill_takes_the_whole_tree(void **state)
{
	/* A shell with a background grandchild that also holds the pipes open. */
	char *argv[] = { "sh", "-c", "sleep 60 & echo started; sleep 60", NULL };
	struct runner_spec s = { .argv = argv, .envp = run_env };
	struct runner_proc p;
	struct run_out o = { 0 };
	char err[256];

	(void)state;
	assert_int_equal(runner_start(&p, &s, err, sizeof(err)), 0);
	/* Wait for "started" so the grandchild exists before the kill. */
	while (o.lines == 0) {
		struct pollfd fd = { .fd = p.fds[RUNNER_STDOUT], .events = POLLIN };

		assert_true(poll(&fd, 1, 10000) > 0);
		runner_read(&p, fd.fd, run_line, &o);
	}
	runner_kill(&p, SIGKILL);
	run_drain(&p, &o, 10000);
	assert_int_equal(runner_exit_code(&p), 128 + SIGKILL);
	/* The grandchild held the pipes too: they closed, so it died with the group. */
	assert_true(runner_done(&p));
	runner_free(&p);
	strbuf_free(&o.text);
}

static void
test_long_lines_are_split(void **state)
{
	char *argv[] = { "sh", "-c", "head -c 150000 /dev/zero | tr '\\0' x; echo", NULL };
	struct runner_spec s = { .argv = argv, .envp = run_env };
	struct runner_proc p;
	struct run_out o = { 0 };
	char err[256];

	(void)state;
	assert_int_equal(runner_start(&p, &s, err, sizeof(err)), 0);
	run_drain(&p, &o, 10000);
	assert_int_equal(o.lines, 3);
	assert_int_equal(o.text.len, 150000 + 3 * 3);
	runner_free(&p);
	strbuf_free(&o.text);
}

static void
test_empty_command_refused(void **state)
{
	char *argv[] = { NULL };
	struct runner_spec s = { .argv = argv, .envp = run_env };
	struct runner_proc p;
	char err[256];

	(void)state;
	assert_int_equal(runner_start(&p, &s, err, sizeof(err)), -1);
	assert_string_equal(err, "empty command");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_and_exit_code),
		cmocka_unit_test(test_environment_and_cwd),
		cmocka_unit_test(test_command_not_found),
		cmocka_unit_test(test_kill_takes_the_whole_tree),
		cmocka_unit_test(test_long_lines_are_split),
		cmocka_unit_test(test_empty_command_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
