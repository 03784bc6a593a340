/* test_runner.c: task processes: output lines, exit codes, exec failures, killing the whole tree. */
#define _DEFAULT_SOURCE /* syscall(2): pidfd_open */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "server/runner.h"

#define RUN_MAX_PIDS 8

struct run_out {
	struct strbuf text; /* "1:line" / "2:line" per captured line */
	size_t lines;
	pid_t pids[RUN_MAX_PIDS]; /* from "pid N" lines on stdout */
	size_t npids;
};

static void
run_line(void *ctx, enum runner_stream stream, const char *s, size_t n)
{
	struct run_out *o = ctx;
	long pid;

	strbuf_addf(&o->text, "%d:%.*s\n", (int)stream, (int)n, s);
	o->lines++;
	if (stream == RUNNER_STDOUT && n > 4 && memcmp(s, "pid ", 4) == 0 &&
	    o->npids < RUN_MAX_PIDS && sscanf(s + 4, "%ld", &pid) == 1 && pid > 1)
		o->pids[o->npids++] = (pid_t)pid;
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
	/* Both pipes closed: wait for the end without reaping, so the runner collects it. */
	siginfo_t info;

	assert_int_equal(waitid(P_PID, (id_t)p->pid, &info, WEXITED | WNOWAIT), 0);
	assert_true(runner_reap(p));
	assert_true(runner_done(p));
}

/* Reads stdout until n "pid N" lines came (bounded). */
static void
run_wait_pids(struct runner_proc *p, struct run_out *o, size_t n, int timeout_ms)
{
	int64_t deadline = clock_mono_ms() + timeout_ms;

	while (o->npids < n) {
		struct pollfd fd = { .fd = p->fds[RUNNER_STDOUT], .events = POLLIN };
		int64_t left = deadline - clock_mono_ms();

		assert_true(left > 0);
		assert_true(fd.fd >= 0);
		poll(&fd, 1, (int)left);
		if (fd.revents)
			runner_read(p, fd.fd, run_line, o);
	}
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

/*
 * Background processes that leave the task's process group (setsid, setsid -f, one that also
 * changes directory first, one that ignores SIGTERM) and keep its stdout; each prints "pid N"
 * once it is in its new session.
 */
#define RUN_ESCAPES                                                                \
	"exec 3>&1; "                                                              \
	"echo pid $(setsid sh -c 'echo $$; exec sleep 1000 >&3 3>&-' &); "         \
	"echo pid $(setsid -f sh -c 'echo $$; exec sleep 1000 >&3 3>&-'); "        \
	"echo pid $(cd / && setsid sh -c 'echo $$; exec sleep 1000 >&3 3>&-' &); " \
	"echo pid $(setsid sh -c 'trap \"\" TERM; echo $$; exec sleep 1000 >&3 3>&-' &); "
#define RUN_NESCAPES 4

/* A test whose task leaves processes behind: their pids, and a mark in their environment. */
struct run_tree {
	struct run_out o;
	char mark[48];
	char *env[3];
};

static int
run_tree_setup(void **state)
{
	struct run_tree *t = xcalloc(1, sizeof(*t));

	snprintf(t->mark, sizeof(t->mark), "RUNNER_TEST_TREE=%ld", (long)getpid());
	t->env[0] = "PATH=/usr/bin:/bin";
	t->env[1] = t->mark;
	*state = t;
	return 0;
}

/* Whether pid still carries t's mark (so a reused pid is never killed). */
static bool
run_tree_ours(const struct run_tree *t, pid_t pid)
{
	char *path = xasprintf("/proc/%ld/environ", (long)pid);
	size_t len = 0;
	char *env = util_read_file(path, &len);
	bool ours = false;

	for (size_t i = 0; env && i < len && !ours; i += strlen(env + i) + 1)
		ours = strcmp(env + i, t->mark) == 0;
	free(env);
	free(path);
	return ours;
}

/* Kills by pid what a failed test left running. */
static int
run_tree_teardown(void **state)
{
	struct run_tree *t = *state;

	for (size_t i = 0; i < t->o.npids; i++)
		if (run_tree_ours(t, t->o.pids[i]))
			kill(t->o.pids[i], SIGKILL);
	strbuf_free(&t->o.text);
	free(t);
	return 0;
}

/* Fails unless every process the task announced is gone (reaped, not even a zombie). */
static void
run_tree_assert_gone(const struct run_tree *t)
{
	for (size_t i = 0; i < t->o.npids; i++)
		if (kill(t->o.pids[i], 0) == 0 || errno != ESRCH)
			fail_msg("process %ld of the task's tree survived", (long)t->o.pids[i]);
}

/* Starts script with t's environment and waits for the pids of RUN_ESCAPES. */
static void
run_tree_start(struct run_tree *t, struct runner_proc *p, const char *script)
{
	char *argv[] = { "sh", "-c", (char *)script, NULL };
	struct runner_spec s = { .argv = argv, .envp = t->env, .cwd = "/tmp" };
	char err[256];

	assert_int_equal(runner_start(p, &s, err, sizeof(err)), 0);
	run_wait_pids(p, &t->o, RUN_NESCAPES, 10000);
}

static void
test_sigkill_reaches_what_ignores_sigterm(void **state)
{
	struct run_tree *t = *state;
	struct runner_proc p;
	struct pollfd fd;

	run_tree_start(t, &p, "trap '' TERM; " RUN_ESCAPES "sleep 1000; exit 9");
	runner_kill(&p, SIGTERM);
	/* The main process ignores SIGTERM: nothing ends until SIGKILL. */
	fd = (struct pollfd){ .fd = p.fds[RUNNER_STDOUT], .events = POLLIN };
	assert_int_equal(poll(&fd, 1, 300), 0);
	assert_false(runner_reap(&p));
	runner_kill(&p, SIGKILL);
	run_drain(&p, &t->o, 3000);
	assert_int_equal(runner_exit_code(&p), 128 + SIGKILL);
	run_tree_assert_gone(t);
	runner_free(&p);
}

static void
test_free_kills_tree(void **state)
{
	struct run_tree *t = *state;
	struct runner_proc p;
	struct pollfd fd;
	pid_t supervisor;

	run_tree_start(t, &p, RUN_ESCAPES "exec sleep 1000");
	supervisor = p.pid;
	/* Checked and cleaned up with the rest. */
	t->o.pids[t->o.npids++] = supervisor;
	fd = (struct pollfd){ .fd = (int)syscall(SYS_pidfd_open, supervisor, 0), .events = POLLIN };
	assert_true(fd.fd >= 0);
	runner_free(&p);
	/* The supervisor exits once the tree is gone. */
	assert_int_equal(poll(&fd, 1, 3000), 1);
	close(fd.fd);
	assert_int_equal(waitpid(supervisor, NULL, WNOHANG), supervisor);
	run_tree_assert_gone(t);
}

static void
run_stop_term(struct runner_proc *p)
{
	runner_kill(p, SIGTERM);
}

static void
run_stop_kill(struct runner_proc *p)
{
	runner_kill(p, SIGKILL);
}

static void
run_stop_orphan(struct runner_proc *p)
{
	runner_stop_orphan(p->pid);
}

/* How a task ends, and the code the runner must report for its main process. */
static const struct {
	const char *end;                     /* the main process's last command */
	void (*stop)(struct runner_proc *p); /* NULL: it ends by itself */
	int code;
} run_tree_ends[] = {
	{ "exit 5", NULL, 5 },
	{ "exit 0", NULL, 0 },
	{ "kill -s USR1 $$", NULL, 128 + SIGUSR1 },
	/* SIGTERM ends the main process; the rest is killed at once, no grace needed. */
	{ "exec sleep 1000", run_stop_term, 128 + SIGTERM },
	{ "exec sleep 1000", run_stop_kill, 128 + SIGKILL },
	/* SIGTERM to the supervisor itself kills the tree at once. */
	{ "exec sleep 1000", run_stop_orphan, 128 + SIGKILL },
};

static void
test_tree_ends_with_its_task(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(run_tree_ends); i++) {
		struct run_tree *t = *state;
		struct runner_proc p;
		char *script = xasprintf("%s%s", RUN_ESCAPES, run_tree_ends[i].end);

		run_tree_start(t, &p, script);
		if (run_tree_ends[i].stop)
			run_tree_ends[i].stop(&p);
		/* The escaped processes hold stdout: the run ends only once they are killed. */
		run_drain(&p, &t->o, 3000);
		assert_int_equal(runner_exit_code(&p), run_tree_ends[i].code);
		run_tree_assert_gone(t);
		runner_free(&p);
		free(script);
		strbuf_free(&t->o.text);
		t->o = (struct run_out){ 0 };
	}
}

static void
test_keeps_no_descriptor_of_its_starter(void **state)
{
	char *argv[] = { "sleep", "1000", NULL };
	struct runner_spec s = { .argv = argv, .envp = run_env };
	struct runner_proc p;
	struct run_out o = { 0 };
	struct pollfd fd;
	int fds[2];
	char err[256], c;

	(void)state;
	/* A close-on-exec descriptor of the server (a client's socket) must close when it does. */
	assert_int_equal(pipe(fds), 0);
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	assert_int_equal(runner_start(&p, &s, err, sizeof(err)), 0);
	close(fds[1]);
	fd = (struct pollfd){ .fd = fds[0], .events = POLLIN };
	assert_int_equal(poll(&fd, 1, 3000), 1);
	assert_int_equal(read(fds[0], &c, 1), 0);
	close(fds[0]);
	runner_kill(&p, SIGKILL);
	run_drain(&p, &o, 3000);
	assert_int_equal(runner_exit_code(&p), 128 + SIGKILL);
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
		cmocka_unit_test_setup_teardown(test_sigkill_reaches_what_ignores_sigterm,
		                                run_tree_setup, run_tree_teardown),
		cmocka_unit_test_setup_teardown(test_tree_ends_with_its_task, run_tree_setup,
		                                run_tree_teardown),
		cmocka_unit_test_setup_teardown(test_free_kills_tree, run_tree_setup,
		                                run_tree_teardown),
		cmocka_unit_test(test_keeps_no_descriptor_of_its_starter),
		cmocka_unit_test(test_long_lines_are_split),
		cmocka_unit_test(test_empty_command_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
