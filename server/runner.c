/* runner.c: fork/exec of task processes in their own process groups, line capture, reaping. */
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

pid_t
runner_fork(void)
{
	sigset_t all, old;
	pid_t pid;
	int saved;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0) {
		sigset_t none;

		/* Reset while every signal is still blocked, so a kill landing now cannot reach us. */
		signal(SIGPIPE, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		return 0;
	}
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
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

static void
runner_child(const struct runner_spec *s, int out[2], int err[2])
{
	int devnull = open("/dev/null", O_RDONLY);

	setpgid(0, 0);
	if (devnull >= 0)
		dup2(devnull, STDIN_FILENO);
	dup2(out[1], STDOUT_FILENO);
	dup2(err[1], STDERR_FILENO);
	if (s->cwd && chdir(s->cwd) < 0) {
		dprintf(STDERR_FILENO, "osmo-local: cannot enter %s: %s\n", s->cwd,
		        strerror(errno));
		_exit(126);
	}
	runner_exec(s->argv, s->envp);
}

int
runner_start(struct runner_proc *p, const struct runner_spec *s, char *errbuf, size_t errlen)
{
	int out[2], err[2];

	memset(p, 0, sizeof(*p));
	p->fds[0] = p->fds[1] = p->fds[2] = -1;
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
		close(out[0]);
		close(out[1]);
		return -1;
	}
	pid_t pid = runner_fork();

	if (pid < 0) {
		snprintf(errbuf, errlen, "fork: %s", strerror(errno));
		close(out[0]);
		close(out[1]);
		close(err[0]);
		close(err[1]);
		return -1;
	}
	if (pid == 0)
		runner_child(s, out, err);
	/* Set the group from both sides so a kill right after start cannot miss it. */
	setpgid(pid, pid);
	close(out[1]);
	close(err[1]);
	for (int i = 0; i < 2; i++) {
		int fd = i ? err[0] : out[0];

		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	p->pid = pid;
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
	int status;

	if (p->exited || p->pid <= 0)
		return p->exited;
	pid_t r = waitpid(p->pid, &status, WNOHANG);

	if (r == p->pid) {
		p->exited = true;
		p->wait_status = status;
	}
	return p->exited;
}

void
runner_kill(const struct runner_proc *p, int sig)
{
	if (p->pid > 0)
		kill(-p->pid, sig);
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
	memset(p, 0, sizeof(*p));
	p->fds[0] = p->fds[1] = p->fds[2] = -1;
}
