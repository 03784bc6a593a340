/* runner.c: task processes under a supervisor that owns their whole tree, line capture, reaping. */
#define _DEFAULT_SOURCE /* syscall(2): close_range */
#include "server/runner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The server's handlers and ignores that a child must not keep. */
static const int runner_reset_signals[] = { SIGPIPE, SIGTERM, SIGINT, SIGCHLD };

/* fork(2) with every signal blocked; the child keeps them blocked, with default dispositions. */
static pid_t
runner_fork_blocked(void)
{
	sigset_t all, old;
	pid_t pid;
	int saved;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0) {
		/* Reset while every signal is still blocked, so a kill landing now cannot reach us. */
		for (size_t i = 0; i < ARRAY_SIZE(runner_reset_signals); i++)
			signal(runner_reset_signals[i], SIG_DFL);
		return 0;
	}
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return pid;
}

static void
runner_unblock_all(void)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

pid_t
runner_fork(void)
{
	pid_t pid = runner_fork_blocked();

	if (pid == 0)
		runner_unblock_all();
	return pid;
}

void
runner_exec(char *const *argv, char *const *envp)
{
	if (strchr(argv[0], '/')) {
		execve(argv[0], argv, envp);
	} else {
		/* execvpe is a GNU extension; search PATH from the task's own environment. */
		const char *path = "/usr/local/bin:/usr/bin:/bin";

		for (char *const *e = envp; *e; e++)
			if (strncmp(*e, "PATH=", 5) == 0)
				path = *e + 5;
		while (*path) {
			size_t n = strcspn(path, ":");
			char full[4096];

			snprintf(full, sizeof(full), "%.*s/%s", (int)n, n ? path : ".", argv[0]);
			execve(full, argv, envp);
			if (errno != ENOENT && errno != ENOTDIR && errno != EACCES)
				break;
			path += n + (path[n] == ':');
		}
	}
	int e = errno;

	dprintf(STDERR_FILENO, "osmo-local: %s: %s\n", argv[0],
	        e == ENOENT ? "command not found" : strerror(e));
	_exit(e == ENOENT ? 127 : 126);
}

/* The parent of pid from /proc/pid/stat, or -1 when it is gone. */
static pid_t
runner_parent_of(const char *pid)
{
	char path[64], buf[512];
	int fd, ppid;
	ssize_t n;
	char *paren;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* "pid (comm) state ppid ...": comm may hold spaces and parentheses. */
	paren = strrchr(buf, ')');
	if (!paren || sscanf(paren + 1, " %*c %d", &ppid) != 1)
		return -1;
	return (pid_t)ppid;
}

/*
 * Signals every descendant of this process. /proc/PID/task/TID/children needs
 * CONFIG_PROC_CHILDREN, which many kernels lack, so the tree comes from each process's parent
 * in /proc: one pass marks one more level under us.
 */
static void
runner_signal_tree(int sig)
{
	pid_t *pids = NULL, *parents = NULL, *tree = NULL;
	size_t n = 0, ntree = 0;
	DIR *d = opendir("/proc");
	struct dirent *de;
	bool grew = true;

	while (d && (de = readdir(d))) {
		pid_t ppid;

		if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
		    (ppid = runner_parent_of(de->d_name)) < 0)
			continue;
		pids = xreallocarray(pids, n + 1, sizeof(*pids));
		parents = xreallocarray(parents, n + 1, sizeof(*parents));
		pids[n] = (pid_t)strtol(de->d_name, NULL, 10);
		parents[n++] = ppid;
	}
	if (d)
		closedir(d);
	tree = xreallocarray(NULL, n + 1, sizeof(*tree));
	tree[ntree++] = getpid();
	while (grew) {
		grew = false;
		for (size_t i = 0; i < n; i++) {
			bool under = false;

			for (size_t k = 0; k < ntree && !under && pids[i]; k++)
				under = parents[i] == tree[k];
			if (!under)
				continue;
			kill(pids[i], sig);
			tree[ntree++] = pids[i];
			pids[i] = 0; /* marked */
			grew = true;
		}
	}
	free(tree);
	free(parents);
	free(pids);
}

/* The supervisor's state: the command's end and whether everything under it must die. */
struct runner_sup {
	pid_t main; /* 0 once reaped */
	int status; /* its wait status */
	bool sweep; /* SIGKILL every descendant, after each change, until none is left */
};

/* Reaps what ended; false once no child is left. */
static bool
runner_sup_reap(struct runner_sup *sup)
{
	pid_t r;
	int status;

	while ((r = waitpid(-1, &status, WNOHANG)) > 0) {
		if (r != sup->main)
			continue;
		/* A task ends with its main process: what it leaves behind is killed at once. */
		sup->main = 0;
		sup->status = status;
		sup->sweep = true;
	}
	return !(r < 0 && errno == ECHILD);
}

/* Handles what the server sent on ctl: signal numbers to pass on; its end closed. */
static void
runner_sup_control(struct runner_sup *sup, struct pollfd *ctl)
{
	unsigned char sigs[64];
	ssize_t n = read(ctl->fd, sigs, sizeof(sigs));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* The server is gone or dropped the task: nobody is left to wait for a grace. */
		sup->sweep = true;
		ctl->fd = -1;
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (sigs[i] == SIGKILL)
			sup->sweep = true;
		else
			runner_signal_tree(sigs[i]);
	}
}

/*
 * The supervisor's loop: reap, pass on the server's signals, and once the main process has
 * ended (or SIGKILL was asked for) kill every descendant until none is left; then report the
 * main process's wait status on ctl and exit. SIGTERM to the supervisor itself kills the tree
 * at once.
 */
static _Noreturn void
runner_sup_loop(pid_t main_pid, int ctl, int sigfd)
{
	struct runner_sup sup = { .main = main_pid };
	struct pollfd fds[2] = { { .fd = ctl, .events = POLLIN },
		                 { .fd = sigfd, .events = POLLIN } };

	/* The main process is a child until reaped, so no child left means it has ended. */
	while (runner_sup_reap(&sup)) {
		struct signalfd_siginfo si;

		if (sup.sweep)
			runner_signal_tree(SIGKILL);
		if (poll(fds, 2, -1) < 0)
			continue;
		if (fds[0].revents)
			runner_sup_control(&sup, &fds[0]);
		while (read(sigfd, &si, sizeof(si)) == sizeof(si))
			if (si.ssi_signo == SIGTERM)
				sup.sweep = true;
	}
	/* A failure means the server is gone and nobody waits for the status. */
	send(ctl, &sup.status, sizeof(sup.status), MSG_NOSIGNAL);
	_exit(0);
}

/* Reports why the supervisor could not start the command, as the command's own failure. */
static _Noreturn void
runner_sup_fail(const char *what)
{
	dprintf(STDERR_FILENO, "osmo-local: %s: %s\n", what, strerror(errno));
	_exit(126);
}

/*
 * In the supervisor: the task's pipes on 1 and 2, /dev/null on 0, ctl on 3 and none of the
 * server's other descriptors; a subreaper, so whatever its command leaves (setsid, double
 * forks) is reparented to it; then the command in its own process group.
 */
static _Noreturn void
runner_supervise(const struct runner_spec *s, int out, int err, int ctl)
{
	int keep[4] = { open("/dev/null", O_RDWR), out, err, ctl };
	sigset_t watched;
	int sigfd;
	pid_t pid;

	/* Above 3 first, so no dup2 below overwrites a descriptor it still needs. */
	for (size_t i = 0; i < ARRAY_SIZE(keep); i++)
		keep[i] = keep[i] < 0 ? -1 : fcntl(keep[i], F_DUPFD, (int)ARRAY_SIZE(keep));
	for (size_t i = 0; i < ARRAY_SIZE(keep); i++)
		if (keep[i] < 0 || dup2(keep[i], (int)i) < 0)
			_exit(126);
	/* The server's sockets and other tasks' pipes must close when the server closes them. */
	syscall(SYS_close_range, 4u, ~0u, 0u);
	fcntl(3, F_SETFD, FD_CLOEXEC);
	if (s->cwd && chdir(s->cwd) < 0) {
		dprintf(STDERR_FILENO, "osmo-local: cannot enter %s: %s\n", s->cwd,
		        strerror(errno));
		_exit(126);
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		runner_sup_fail("PR_SET_CHILD_SUBREAPER");
	/* So ps and top tell it from the server it was forked from. */
	prctl(PR_SET_NAME, "osmo-supervisor");
	sigemptyset(&watched);
	sigaddset(&watched, SIGCHLD);
	sigaddset(&watched, SIGTERM);
	sigfd = signalfd(-1, &watched, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0)
		runner_sup_fail("signalfd");
	pid = fork();
	if (pid < 0)
		runner_sup_fail("fork");
	if (pid == 0) {
		setpgid(0, 0);
		runner_unblock_all();
		runner_exec(s->argv, s->envp);
	}
	/* Set the group from both sides so a signal right after start cannot miss it. */
	setpgid(pid, pid);
	/* The pipes reach end of file once the tree is gone: keep no end of them here. */
	dup2(STDIN_FILENO, STDOUT_FILENO);
	dup2(STDIN_FILENO, STDERR_FILENO);
	runner_sup_loop(pid, 3, sigfd);
}

static void
runner_close_pair(int fds[2])
{
	close(fds[0]);
	close(fds[1]);
}

int
runner_start(struct runner_proc *p, const struct runner_spec *s, char *errbuf, size_t errlen)
{
	int out[2], err[2], ctl[2];
	pid_t pid;

	memset(p, 0, sizeof(*p));
	p->fds[0] = p->fds[1] = p->fds[2] = p->ctl = -1;
	if (!s->argv || !s->argv[0]) {
		snprintf(errbuf, errlen, "empty command");
		return -1;
	}
	if (pipe(out) < 0) {
		snprintf(errbuf, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if (pipe(err) < 0) {
		snprintf(errbuf, errlen, "pipe: %s", strerror(errno));
		runner_close_pair(out);
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) < 0) {
		snprintf(errbuf, errlen, "socketpair: %s", strerror(errno));
		runner_close_pair(out);
		runner_close_pair(err);
		return -1;
	}
	pid = runner_fork_blocked();
	if (pid < 0) {
		snprintf(errbuf, errlen, "fork: %s", strerror(errno));
		runner_close_pair(out);
		runner_close_pair(err);
		runner_close_pair(ctl);
		return -1;
	}
	if (pid == 0)
		runner_supervise(s, out[1], err[1], ctl[1]);
	close(out[1]);
	close(err[1]);
	close(ctl[1]);
	for (int i = 0; i < 2; i++) {
		int fd = i ? err[0] : out[0];

		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	p->pid = pid;
	p->ctl = ctl[0];
	p->fds[RUNNER_STDOUT] = out[0];
	p->fds[RUNNER_STDERR] = err[0];
	return 0;
}

static void
runner_emit(struct strbuf *sb, enum runner_stream stream,
            void (*line)(void *, enum runner_stream, const char *, size_t), void *ctx, bool flush)
{
	size_t start = 0;

	for (size_t i = 0; i < sb->len; i++) {
		if (sb->buf[i] != '\n' && i - start < RUNNER_MAX_LINE)
			continue;
		line(ctx, stream, sb->buf + start, i - start);
		start = sb->buf[i] == '\n' ? i + 1 : i;
	}
	if (flush && start < sb->len) {
		line(ctx, stream, sb->buf + start, sb->len - start);
		start = sb->len;
	}
	strbuf_consume(sb, start);
}

void
runner_read(struct runner_proc *p, int fd,
            void (*line)(void *ctx, enum runner_stream stream, const char *s, size_t n), void *ctx)
{
	enum runner_stream stream = fd == p->fds[RUNNER_STDOUT] ? RUNNER_STDOUT : RUNNER_STDERR;
	char buf[16384];

	if (fd < 0 || (fd != p->fds[RUNNER_STDOUT] && fd != p->fds[RUNNER_STDERR]))
		return;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n > 0) {
			strbuf_add(&p->partial[stream], buf, (size_t)n);
			runner_emit(&p->partial[stream], stream, line, ctx, false);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		/* End of file (or an error that ends the stream the same way). */
		runner_emit(&p->partial[stream], stream, line, ctx, true);
		close(fd);
		p->fds[stream] = -1;
		return;
	}
}

bool
runner_reap(struct runner_proc *p)
{
	int status, reported;

	if (p->exited || p->pid <= 0)
		return p->exited;
	if (waitpid(p->pid, &status, WNOHANG) != p->pid)
		return false;
	p->exited = true;
	/* The supervisor reports before it exits; without a report it died itself. */
	if (recv(p->ctl, &reported, sizeof(reported), MSG_DONTWAIT) == sizeof(reported))
		status = reported;
	p->wait_status = status;
	close(p->ctl);
	p->ctl = -1;
	return true;
}

void
runner_kill(const struct runner_proc *p, int sig)
{
	unsigned char c = (unsigned char)sig;

	/* A failure means the supervisor has ended, and so has its tree. */
	if (p->pid > 0 && p->ctl >= 0)
		send(p->ctl, &c, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

void
runner_stop_orphan(pid_t pid)
{
	kill(pid, SIGTERM);
}

bool
runner_done(const struct runner_proc *p)
{
	return p->exited && p->fds[RUNNER_STDOUT] < 0 && p->fds[RUNNER_STDERR] < 0;
}

int
runner_exit_code(const struct runner_proc *p)
{
	if (WIFEXITED(p->wait_status))
		return WEXITSTATUS(p->wait_status);
	if (WIFSIGNALED(p->wait_status))
		return 128 + WTERMSIG(p->wait_status);
	return -1;
}

void
runner_free(struct runner_proc *p)
{
	for (int i = 1; i < 3; i++) {
		if (p->fds[i] >= 0)
			close(p->fds[i]);
		strbuf_free(&p->partial[i]);
	}
	/* A supervisor that is still running kills its tree when it sees this close. */
	if (p->pid > 0 && p->ctl >= 0)
		close(p->ctl);
	memset(p, 0, sizeof(*p));
	p->fds[0] = p->fds[1] = p->fds[2] = p->ctl = -1;
}
