/* test_local.c: the real osmotop starting, reattaching to and stopping its background osmo-local. */
#define _DEFAULT_SOURCE /* syscall(2): pidfd_open */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "client/api.h"
#include "proc.h"
#include "common/util.h"
#include "tui/session.h"

/* Every osmotop run is bounded; run --wait of serial.yaml takes a few seconds. */
#define LOC_RUN_MS  30000
#define LOC_STOP_MS 10000

/* The records osmotop keeps of its osmo-local, under $XDG_STATE_HOME/osmotop/local. */
static const char *const loc_records[] = { "server.pid", "server.url" };

struct loc {
	char *dir;         /* HOME, and every XDG directory under it: nothing of the developer's */
	char *local;       /* $XDG_STATE_HOME/osmotop/local */
	char *state;       /* the server's --state, as its command line names it */
	pid_t cat;         /* an alive process that is not osmo-local; -1 when none */
	int cat_in;        /* the write end of its stdin */
	struct proc other; /* an osmo-local serving another state directory */
};

static char *
loc_path(const struct loc *l, const char *name)
{
	return xasprintf("%s/%s", l->local, name);
}

/* A pidfd, or -1 when pid is gone (ESRCH). */
static int
loc_pidfd(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Waits on pidfd for its process to exit; true when it did before timeout_ms. */
static bool
loc_exits(int pidfd, int timeout_ms)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
	int64_t deadline = clock_mono_ms() + timeout_ms;

	for (;;) {
		int64_t left = deadline - clock_mono_ms();
		int r = poll(&pfd, 1, left > 0 ? (int)left : 0);

		if (r > 0)
			return true;
		if (r == 0 || errno != EINTR)
			return false;
	}
}

/* The test's own check that pid is osmo-local serving l->state. */
static bool
loc_is_server(const struct loc *l, pid_t pid)
{
	char path[64], exe[PATH_MAX];
	size_t len;
	bool serves = false;
	char *cmd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%ld/exe", (long)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	if (!strstr(exe, "/osmo-local"))
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	cmd = util_read_file(path, &len);
	for (size_t i = 0; cmd && i < len; i += strlen(cmd + i) + 1)
		if (strcmp(cmd + i, "--state") == 0 && i + 8 < len)
			serves = strcmp(cmd + i + 8, l->state) == 0;
	free(cmd);
	return serves;
}

/* Every running osmo-local serving l->state, found in /proc: the test's leak check. */
static size_t
loc_servers(const struct loc *l, pid_t *pids, size_t max)
{
	DIR *d = opendir("/proc");
	const struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (*end || pid <= 0 || !loc_is_server(l, (pid_t)pid) || !proc_alive((pid_t)pid))
			continue;
		if (n < max)
			pids[n] = (pid_t)pid;
		n++;
	}
	closedir(d);
	return n;
}

/* SIGTERM, a bounded wait, then SIGKILL: by PID, through a pidfd so a reused PID is safe. */
static void
loc_kill(pid_t pid)
{
	int fd = loc_pidfd(pid);

	if (fd < 0)
		return;
	syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0);
	if (!loc_exits(fd, LOC_STOP_MS)) {
		syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
		loc_exits(fd, LOC_STOP_MS);
	}
	close(fd);
}

/* Runs osmotop with args (NULL-terminated), wanting exit status want; output in *out, *err. */
static void
loc_osmotop(const char *const *args, int want, char **out, char **err)
{
	int rc = proc_run_osmotop(args, LOC_RUN_MS, out, err);

	if (rc != want)
		fail_msg("osmotop %s %s exited %d, not %d: %s%s", args[0], args[1] ? args[1] : "",
		         rc, want, *out, *err);
}

/* Runs osmotop for its exit status only. */
static void
loc_expect(const char *const *args, int want)
{
	char *out = NULL, *err = NULL;

	loc_osmotop(args, want, &out, &err);
	free(out);
	free(err);
}

/* A record's content without its newline, or NULL when the file is missing. */
static char *
loc_record(const struct loc *l, const char *name)
{
	char *path = loc_path(l, name);
	char *text = util_read_file(path, NULL);

	free(path);
	if (text)
		text[strcspn(text, "\n")] = '\0';
	return text;
}

static pid_t
loc_record_pid(const struct loc *l)
{
	char *text = loc_record(l, "server.pid");
	long pid;

	assert_non_null(text);
	pid = strtol(text, NULL, 10);
	free(text);
	assert_true(pid > 1);
	return (pid_t)pid;
}

static bool
loc_exists(const struct loc *l, const char *name)
{
	char *path = loc_path(l, name);
	bool there = access(path, F_OK) == 0;

	free(path);
	return there;
}

static void
loc_write_records(const struct loc *l, pid_t pid, const char *url)
{
	char *values[] = { xasprintf("%ld\n", (long)pid), xasprintf("%s\n", url) };

	assert_int_equal(util_mkdirs(l->local, 0700), 0);
	for (size_t i = 0; i < ARRAY_SIZE(loc_records); i++) {
		char *path = loc_path(l, loc_records[i]);
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs(values[i], f);
		fclose(f);
		free(path);
		free(values[i]);
	}
}

/* Starts osmotop with args in the background, output to files in the test's directory. */
static pid_t
loc_spawn(const struct loc *l, const char *const *args, int k)
{
	char *bin = xasprintf("%s/bin/osmotop", proc_build_dir());
	char *out = xasprintf("%s/out%d", l->dir, k);
	char *err = xasprintf("%s/err%d", l->dir, k);
	const char *argv[16] = { bin };
	size_t n = 1;
	pid_t pid;

	for (; *args && n < 15; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	pid = fork();
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (in < 0 || o < 0 || e < 0)
			_exit(126);
		dup2(in, STDIN_FILENO);
		dup2(o, STDOUT_FILENO);
		dup2(e, STDERR_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	assert_true(pid > 0);
	free(bin);
	free(out);
	free(err);
	return pid;
}

/* Reaps a loc_spawn child within timeout_ms (killing it if not); its exit status or -1. */
static int
loc_reap(pid_t pid, int timeout_ms)
{
	int fd = loc_pidfd(pid);
	int st = 0;
	pid_t r;

	if (fd >= 0 && !loc_exits(fd, timeout_ms))
		kill(pid, SIGKILL);
	if (fd >= 0)
		close(fd);
	while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	/* Not reaped here (not our child): no status, so no success either. */
	return r == pid && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *
loc_spawned_output(const struct loc *l, const char *name, int k)
{
	char *path = xasprintf("%s/%s%d", l->dir, name, k);
	char *text = util_read_file(path, NULL);

	free(path);
	assert_non_null(text);
	return text;
}

static int
loc_group_setup(void **state)
{
	struct loc *l = xcalloc(1, sizeof(*l));
	char tmpl[] = "/tmp/osmotop-local-XXXXXX";

	assert_non_null(mkdtemp(tmpl));
	/* osmotop names its state by its real path; compare with the same. */
	l->dir = realpath(tmpl, NULL);
	assert_non_null(l->dir);
	l->local = xasprintf("%s/xdg-state/osmotop/local", l->dir);
	l->state = xasprintf("%s/state", l->local);
	l->cat = -1;
	l->cat_in = -1;
	l->other.pid = -1;
	l->other.out_fd = -1;
	char *xdg_state = xasprintf("%s/xdg-state", l->dir);
	char *xdg_config = xasprintf("%s/xdg-config", l->dir);

	/* No login.yaml and no service of the developer's can be found from here. */
	setenv("HOME", l->dir, 1);
	setenv("XDG_STATE_HOME", xdg_state, 1);
	setenv("XDG_CONFIG_HOME", xdg_config, 1);
	unsetenv("OSMO_CONFIG_FILE_DIR");
	unsetenv("OSMO_LOCAL_BIN");
	free(xdg_state);
	free(xdg_config);
	*state = l;
	return 0;
}

static int
loc_group_teardown(void **state)
{
	struct loc *l = *state;

	proc_remove_tree(l->dir);
	free(l->dir);
	free(l->local);
	free(l->state);
	free(l);
	return 0;
}

/* After every test, pass or fail: each process it may have started is stopped by PID. */
static int
loc_teardown(void **state)
{
	struct loc *l = *state;
	pid_t pids[16];
	size_t n = loc_servers(l, pids, 16);

	for (size_t i = 0; i < n && i < 16; i++)
		loc_kill(pids[i]);
	if (l->cat > 0) {
		close(l->cat_in);
		loc_reap(l->cat, LOC_STOP_MS);
		l->cat = -1;
		l->cat_in = -1;
	}
	proc_stop(&l->other, LOC_STOP_MS);
	for (size_t i = 0; i < ARRAY_SIZE(loc_records); i++) {
		char *path = loc_path(l, loc_records[i]);

		unlink(path);
		free(path);
	}
	/* The last port too: each test starts as on a machine that never ran one. */
	char *last = loc_path(l, "server.last-url");

	unlink(last);
	free(last);
	return 0;
}

static void
test_run_starts_reattach_and_stop(void **state)
{
	struct loc *l = *state;
	const char *snapshot[] = { "--snapshot", NULL };
	const char *run[] = { "run", "--wait", "examples/serial.yaml", NULL };
	const char *status[] = { "local", "status", NULL };
	const char *stop[] = { "local", "stop", NULL };
	char *out = NULL, *err = NULL, *url, *want;
	struct stat st;
	pid_t pid;
	int pidfd;

	/* Nothing configured and nothing running: the error says how to get a service. */
	loc_osmotop(snapshot, 2, &out, &err);
	assert_non_null(strstr(err, "no OSMO service configured"));
	assert_non_null(strstr(err, "osmotop run SPEC"));
	assert_non_null(strstr(err, "osmotop local start"));
	free(out);
	free(err);
	loc_expect(status, 1);

	/* run with no service: osmo-local starts in the background and the workflow completes. */
	loc_osmotop(run, 0, &out, &err);
	assert_non_null(strstr(out, "Workflow ID - serial-tasks-"));
	assert_non_null(strstr(out, "COMPLETED"));
	url = loc_record(l, "server.url");
	assert_non_null(url);
	assert_true(str_starts_with(url, "http://127.0.0.1:"));
	want = xasprintf("osmotop: started osmo-local at %s (state in %s;", url, l->local);
	if (!strstr(err, want))
		fail_msg("stderr '%s' lacks '%s'", err, want);
	free(want);
	free(out);
	free(err);
	for (size_t i = 0; i < ARRAY_SIZE(loc_records); i++) {
		char *path = loc_path(l, loc_records[i]);

		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
		free(path);
	}
	pid = loc_record_pid(l);
	assert_true(proc_alive(pid));
	assert_true(loc_is_server(l, pid));

	/* osmotop quit; a later one with no --url and no login reattaches to it. */
	loc_osmotop(snapshot, 0, &out, &err);
	assert_non_null(strstr(out, "serial-tasks-1"));
	assert_non_null(strstr(out, url));
	free(out);
	free(err);
	loc_osmotop(status, 0, &out, &err);
	want = xasprintf("osmo-local is running at %s (PID %ld,", url, (long)pid);
	if (!strstr(out, want))
		fail_msg("status '%s' lacks '%s'", out, want);
	free(want);
	/* It says how the osmo CLI logs in, with the token file the server made (0600). */
	want = xasprintf("osmo login %s --method token --token-file %s/access_token", url,
	                 l->state);
	if (!strstr(out, want))
		fail_msg("status '%s' lacks '%s'", out, want);
	assert_int_equal(stat(strstr(want, "--token-file ") + 13, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(want);
	free(out);
	free(err);

	/* local stop: the process is gone (by its pidfd), the records too. */
	pidfd = loc_pidfd(pid);
	assert_true(pidfd >= 0);
	loc_osmotop(stop, 0, &out, &err);
	assert_non_null(strstr(out, "stopped osmo-local"));
	assert_true(loc_exits(pidfd, 0));
	close(pidfd);
	free(out);
	free(err);
	assert_false(loc_exists(l, "server.pid"));
	assert_false(loc_exists(l, "server.url"));
	loc_expect(status, 1);
	loc_osmotop(stop, 0, &out, &err);
	assert_non_null(strstr(out, "not running"));
	free(out);
	free(err);
	free(url);
}

static void
test_concurrent_runs_start_one_server(void **state)
{
	struct loc *l = *state;
	const char *run[] = { "run", "examples/serial.yaml", NULL };
	pid_t kids[2], servers[4];
	int rcs[2], started = 0;

	for (int k = 0; k < 2; k++)
		kids[k] = loc_spawn(l, run, k);
	/* Both reaped before any check, so a failure leaves neither behind. */
	for (int k = 0; k < 2; k++)
		rcs[k] = loc_reap(kids[k], LOC_RUN_MS);
	assert_int_equal(rcs[0], 0);
	assert_int_equal(rcs[1], 0);
	for (int k = 0; k < 2; k++) {
		char *out = loc_spawned_output(l, "out", k);
		char *err = loc_spawned_output(l, "err", k);

		assert_non_null(strstr(out, "Workflow ID - serial-tasks-"));
		started += strstr(err, "started osmo-local") != NULL;
		free(out);
		free(err);
	}
	assert_int_equal(started, 1);
	assert_int_equal(loc_servers(l, servers, 4), 1);
	assert_int_equal(servers[0], loc_record_pid(l));
}

static void
test_dead_pid_is_replaced(void **state)
{
	struct loc *l = *state;
	const char *status[] = { "local", "status", NULL };
	const char *run[] = { "run", "--local", "examples/serial.yaml", NULL };
	char *out = NULL, *err = NULL;
	pid_t dead = fork();

	/* A PID that just exited and was reaped: dead. */
	if (dead == 0)
		_exit(0);
	assert_int_equal(loc_reap(dead, LOC_STOP_MS), 0);
	loc_write_records(l, dead, "http://127.0.0.1:1");
	loc_expect(status, 1);
	assert_false(loc_exists(l, "server.pid"));
	assert_false(loc_exists(l, "server.url"));

	loc_write_records(l, dead, "http://127.0.0.1:1");
	loc_osmotop(run, 0, &out, &err);
	assert_non_null(strstr(err, "started osmo-local"));
	assert_true(loc_record_pid(l) != dead);
	assert_true(loc_is_server(l, loc_record_pid(l)));
	free(out);
	free(err);
}

/* Records naming a live PID that is not this osmo-local: never signalled, never used. */
static void
test_foreign_pid_is_never_signalled(void **state)
{
	struct loc *l = *state;
	const char *stop[] = { "local", "stop", NULL };
	const char *snapshot[] = { "--snapshot", NULL };
	const char *run[] = { "run", "examples/serial.yaml", NULL };
	char *bin = xasprintf("%s/bin/osmo-local", proc_build_dir());
	char *other_state = xasprintf("%s/other-state", l->dir);
	char *argv[] = { bin, "--listen", "127.0.0.1:0", "--state", other_state, NULL };
	char *out = NULL, *err = NULL;
	int fds[2];

	/* cat reading a pipe the test holds: alive until the test closes it. */
	assert_int_equal(pipe(fds), 0);
	l->cat = fork();
	if (l->cat == 0) {
		char *const cat[] = { "/bin/cat", NULL };
		int null = open("/dev/null", O_WRONLY);

		dup2(fds[0], STDIN_FILENO);
		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		close(fds[1]);
		execv(cat[0], cat);
		_exit(127);
	}
	assert_true(l->cat > 0);
	close(fds[0]);
	l->cat_in = fds[1];
	/* An osmo-local, but serving another state directory: not ours either. */
	assert_int_equal(proc_start_server(&l->other, argv, 10000), 0);

	pid_t foreign[] = { l->cat, l->other.pid };

	for (size_t i = 0; i < 2; i++) {
		loc_write_records(l, foreign[i], "http://127.0.0.1:1");
		loc_osmotop(stop, 0, &out, &err);
		assert_non_null(strstr(out, "not running"));
		free(out);
		free(err);
		assert_true(proc_alive(foreign[i]));
		assert_false(loc_exists(l, "server.pid"));

		loc_write_records(l, foreign[i], "http://127.0.0.1:1");
		loc_osmotop(snapshot, 2, &out, &err);
		assert_non_null(strstr(err, "no OSMO service configured"));
		free(out);
		free(err);
		assert_true(proc_alive(foreign[i]));
	}

	loc_write_records(l, l->cat, "http://127.0.0.1:1");
	loc_osmotop(run, 0, &out, &err);
	assert_non_null(strstr(err, "started osmo-local"));
	assert_true(loc_record_pid(l) != l->cat);
	assert_true(loc_is_server(l, loc_record_pid(l)));
	assert_true(proc_alive(l->cat));
	assert_true(proc_alive(l->other.pid));
	free(out);
	free(err);
	free(bin);
	free(other_state);
}

/* A listener on 127.0.0.1:port (as a stranger holding it would), or -1. */
static int
loc_hold_port(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * A stop and a start come back on the same port when it is free; when it is not, an open
 * monitor's session finds the new address on the next refused connection.
 */
static void
test_restart_keeps_port_and_sessions_follow(void **state)
{
	struct loc *l = *state;
	const char *start[] = { "local", "start", NULL };
	const char *stop[] = { "local", "stop", NULL };
	struct session_opts so = { 0 };
	struct api_error err = { 0 };
	struct session s = { 0 };
	char *first, *again, *moved;
	int held;

	loc_expect(start, 0);
	first = loc_record(l, "server.url");
	assert_non_null(first);
	assert_int_equal(session_open(&s, &so, &err), 0);
	assert_true(s.local);
	assert_string_equal(s.url, first);
	loc_expect(stop, 0);
	loc_expect(start, 0);
	again = loc_record(l, "server.url");
	assert_string_equal(again, first);
	assert_false(session_relocate(&s)); /* nowhere else to go */
	loc_expect(stop, 0);
	/* Someone took the port meanwhile: the next start listens elsewhere, and a session
	 * still pointed at the old address goes there. */
	held = loc_hold_port(atoi(strrchr(first, ':') + 1));
	assert_true(held >= 0);
	loc_expect(start, 0);
	moved = loc_record(l, "server.url");
	assert_string_not_equal(moved, first);
	assert_true(session_relocate(&s));
	assert_string_equal(s.url, moved);
	assert_string_equal(api_base_url(s.api), moved);
	close(held);
	session_close(&s);
	free(first);
	free(again);
	free(moved);
}

/* Writes (text) or removes (NULL) $XDG_CONFIG_HOME/osmotop/config.yaml. */
static void
loc_config(const struct loc *l, const char *text)
{
	char *dir = xasprintf("%s/xdg-config/osmotop", l->dir);
	char *path = xasprintf("%s/config.yaml", dir);
	FILE *f;

	if (text) {
		assert_int_equal(util_mkdirs(dir, 0700), 0);
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(text, f);
		fclose(f);
	} else {
		unlink(path);
	}
	free(path);
	free(dir);
}

/* config.yaml's local section reaches the osmo-local that local start starts; a bad one stops
 * it before anything starts. */
static void
test_start_takes_the_config(void **state)
{
	struct loc *l = *state;
	const char *start[] = { "local", "start", NULL };
	const char *stop[] = { "local", "stop", NULL };
	char *out = NULL, *err = NULL, *cmd, *path;
	size_t len = 0;
	struct strbuf args = { 0 };

	loc_config(l, "local:\n  slots: 3\n  pool: cfg-pool\n  phase_ms: nope\n");
	loc_osmotop(start, 2, &out, &err);
	assert_non_null(strstr(err, "config.yaml:4:13: local.phase_ms: expected a whole number"));
	assert_false(loc_exists(l, "server.pid"));
	free(out);
	free(err);
	loc_config(l, "local:\n  slots: 3\n  pool: cfg-pool\n");
	loc_expect(start, 0);
	path = xasprintf("/proc/%ld/cmdline", (long)loc_record_pid(l));
	cmd = util_read_file(path, &len);
	assert_non_null(cmd);
	for (size_t i = 0; i < len; i += strlen(cmd + i) + 1)
		strbuf_addf(&args, "%s ", cmd + i);
	if (!strstr(args.buf, " --slots 3 --pool cfg-pool ") || strstr(args.buf, "--phase-ms"))
		fail_msg("osmo-local runs as: %s", args.buf);
	loc_expect(stop, 0);
	loc_config(l, NULL);
	strbuf_free(&args);
	free(cmd);
	free(path);
}

static void
test_usage(void **state)
{
	const char *both[] = { "--local", "--url", "http://127.0.0.1:1", "--snapshot", NULL };
	const char *bogus[] = { "local", "restart", NULL };
	const char *none[] = { "--local", "--snapshot", NULL };
	char *out = NULL, *err = NULL;

	(void)state;
	loc_osmotop(both, 2, &out, &err);
	assert_non_null(strstr(err, "--local and --url"));
	free(out);
	free(err);
	loc_osmotop(bogus, 2, &out, &err);
	assert_non_null(strstr(err, "osmotop local start|stop|status"));
	free(out);
	free(err);
	loc_osmotop(none, 2, &out, &err);
	assert_non_null(strstr(err, "osmo-local is not running"));
	free(out);
	free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_run_starts_reattach_and_stop, loc_teardown),
		cmocka_unit_test_teardown(test_concurrent_runs_start_one_server, loc_teardown),
		cmocka_unit_test_teardown(test_dead_pid_is_replaced, loc_teardown),
		cmocka_unit_test_teardown(test_start_takes_the_config, loc_teardown),
		cmocka_unit_test_teardown(test_foreign_pid_is_never_signalled, loc_teardown),
		cmocka_unit_test_teardown(test_restart_keeps_port_and_sessions_follow,
		                          loc_teardown),
		cmocka_unit_test_teardown(test_usage, loc_teardown),
	};

	return cmocka_run_group_tests(tests, loc_group_setup, loc_group_teardown);
}
