/* proc.c: starting, stopping and running child processes for tests, bounded by deadlines. */
#include "proc.h"

#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROC_MARKER "listening on http://"

static int
proc_left_ms(int64_t deadline)
{
	int64_t left = deadline - clock_mono_ms();

	return left < 0 ? 0 : left > 60 * 60 * 1000 ? 60 * 60 * 1000 : (int)left;
}

static void
proc_cloexec(int fd)
{
	fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static int
proc_decode_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

/* Only async-signal-safe calls: this runs between fork and exec. */
static void
proc_child_exec(char *const argv[])
{
	static const char msg[] = "proc: cannot exec ";
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;

	/* The test may ignore SIGPIPE or block signals; exec would pass both on. */
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGPIPE, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* A test that dies (a failed setup skips its teardown) takes its servers with it. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	execv(argv[0], argv);
	ssize_t n = write(STDERR_FILENO, msg, sizeof(msg) - 1);

	n = write(STDERR_FILENO, argv[0], strlen(argv[0]));
	n = write(STDERR_FILENO, "\n", 1);
	(void)n;
	_exit(127);
}

/* Moves fd onto target in the child, closing the original. */
static void
proc_child_dup(int fd, int target)
{
	if (fd != target) {
		dup2(fd, target);
		close(fd);
	}
}

/* Reaps pid before deadline; true and *status set on success. */
static bool
proc_wait_until(pid_t pid, int64_t deadline, int *status)
{
	for (;;) {
		int st;
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid) {
			*status = proc_decode_status(st);
			return true;
		}
		if (r < 0 && errno != EINTR)
			return false;
		int left = proc_left_ms(deadline);

		if (left == 0)
			return false;
		poll(NULL, 0, left < 10 ? left : 10);
	}
}

static void
proc_kill_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Looks for a complete line with the marker in sb; copies it (no newline) and returns true. */
static bool
proc_find_line(const struct strbuf *sb, const char *marker, char *out, size_t size)
{
	size_t start = 0;

	for (size_t i = 0; i < sb->len; i++) {
		if (sb->buf[i] != '\n')
			continue;
		char *line = xstrndup(sb->buf + start, i - start);
		size_t n = strlen(line);
		bool hit = strstr(line, marker) != NULL;

		start = i + 1;
		if (hit) {
			if (n > 0 && line[n - 1] == '\r')
				line[n - 1] = '\0';
			strlcpy_safe(out, line, size);
		}
		free(line);
		if (hit)
			return true;
	}
	return false;
}

int
proc_start_until(struct proc *p, char *const argv[], const char *marker, int timeout_ms)
{
	int64_t deadline = clock_mono_ms() + timeout_ms;
	struct strbuf sb = { 0 };
	int fds[2];

	p->pid = -1;
	p->out_fd = -1;
	p->url[0] = p->line[0] = '\0';
	if (pipe(fds) < 0)
		return -1;
	proc_cloexec(fds[0]);
	pid_t pid = fork();

	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		proc_child_dup(fds[1], STDOUT_FILENO);
		proc_child_exec(argv);
	}
	close(fds[1]);
	while (!proc_find_line(&sb, marker, p->line, sizeof(p->line))) {
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
		char buf[512];
		int left = proc_left_ms(deadline);

		if (left == 0)
			goto fail;
		int rc = poll(&pfd, 1, left);

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			goto fail;
		ssize_t n = read(fds[0], buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		/* EOF: the child exited or closed stdout before announcing itself. */
		if (n <= 0)
			goto fail;
		strbuf_add(&sb, buf, (size_t)n);
	}
	strbuf_free(&sb);
	p->pid = pid;
	p->out_fd = fds[0];
	return 0;
fail:
	strbuf_free(&sb);
	proc_kill_reap(pid);
	close(fds[0]);
	p->line[0] = '\0';
	return -1;
}

int
proc_start_server(struct proc *p, char *const argv[], int timeout_ms)
{
	if (proc_start_until(p, argv, PROC_MARKER, timeout_ms) < 0)
		return -1;
	strlcpy_safe(p->url, strstr(p->line, "http://"), sizeof(p->url));
	return 0;
}

int
proc_stop(struct proc *p, int timeout_ms)
{
	int status = -1;

	if (p->pid > 0) {
		kill(p->pid, SIGTERM);
		if (!proc_wait_until(p->pid, clock_mono_ms() + timeout_ms, &status)) {
			proc_kill_reap(p->pid);
			status = -1;
		}
	}
	if (p->out_fd >= 0)
		close(p->out_fd);
	p->pid = -1;
	p->out_fd = -1;
	return status;
}

int
proc_run(char *const argv[], int timeout_ms, char **out, char **err_out)
{
	int64_t deadline = clock_mono_ms() + timeout_ms;
	struct strbuf bufs[2] = { { 0 }, { 0 } };
	struct pollfd pfds[2];
	int ofd[2] = { -1, -1 };
	int efd[2] = { -1, -1 };
	int status = -1;
	pid_t pid = -1;

	if (pipe(ofd) < 0 || pipe(efd) < 0)
		goto done;
	proc_cloexec(ofd[0]);
	proc_cloexec(efd[0]);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		close(ofd[0]);
		close(efd[0]);
		if (null >= 0)
			proc_child_dup(null, STDIN_FILENO);
		proc_child_dup(ofd[1], STDOUT_FILENO);
		proc_child_dup(efd[1], STDERR_FILENO);
		proc_child_exec(argv);
	}
	close(ofd[1]);
	close(efd[1]);
	ofd[1] = efd[1] = -1;
	if (pid < 0)
		goto done;
	pfds[0] = (struct pollfd){ .fd = ofd[0], .events = POLLIN };
	pfds[1] = (struct pollfd){ .fd = efd[0], .events = POLLIN };
	bool timed_out = false;

	while (pfds[0].fd >= 0 || pfds[1].fd >= 0) {
		int left = proc_left_ms(deadline);
		int rc = left ? poll(pfds, 2, left) : 0;

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0) {
			timed_out = true;
			break;
		}
		for (int i = 0; i < 2; i++) {
			char buf[4096];
			ssize_t n;

			if (pfds[i].fd < 0 || !pfds[i].revents)
				continue;
			n = read(pfds[i].fd, buf, sizeof(buf));
			if (n > 0)
				strbuf_add(&bufs[i], buf, (size_t)n);
			else if (n == 0 || errno != EINTR)
				pfds[i].fd = -1; /* closed below through ofd/efd */
		}
	}
	if (timed_out || !proc_wait_until(pid, deadline, &status)) {
		proc_kill_reap(pid);
		status = -1;
	}
done:
	for (int i = 0; i < 2; i++) {
		if (ofd[i] >= 0)
			close(ofd[i]);
		if (efd[i] >= 0)
			close(efd[i]);
	}
	if (out)
		*out = strbuf_detach(&bufs[0]);
	if (err_out)
		*err_out = strbuf_detach(&bufs[1]);
	strbuf_free(&bufs[0]);
	strbuf_free(&bufs[1]);
	return status;
}

int
proc_run_osmotop(const char *const *args, int timeout_ms, char **out, char **err_out)
{
	char *bin = xasprintf("%s/bin/osmotop", proc_build_dir());
	const char *argv[PROC_MAX_ARGS] = { bin };
	size_t n = 1;
	int rc = -1;

	while (*args && n < PROC_MAX_ARGS - 1)
		argv[n++] = *args++;
	if (!*args) {
		rc = proc_run((char *const *)argv, timeout_ms, out, err_out);
	} else {
		/* Dropping an argument would quietly run another command than the test meant. */
		fprintf(stderr, "proc: more than %d arguments for osmotop\n", PROC_MAX_ARGS - 2);
		if (out)
			*out = xstrdup("");
		if (err_out)
			*err_out = xstrdup("");
	}
	free(bin);
	return rc;
}

const char *
proc_build_dir(void)
{
	const char *b = getenv("BUILD");

	return b && *b ? b : "build";
}

bool
proc_alive(pid_t pid)
{
	char *path = xasprintf("/proc/%ld/stat", (long)pid);
	char *stat = util_read_file(path, NULL);
	const char *paren = stat ? strrchr(stat, ')') : NULL;
	bool alive = kill(pid, 0) == 0 || errno == EPERM;

	if (alive && paren && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X'))
		alive = false;
	free(stat);
	free(path);
	return alive;
}

int
proc_remove_tree(const char *dir)
{
	char *const argv[] = { "/bin/rm", "-rf", "--", (char *)dir, NULL };

	if (proc_run(argv, 30000, NULL, NULL) == 0)
		return 0;
	fprintf(stderr, "could not remove %s\n", dir);
	return -1;
}
