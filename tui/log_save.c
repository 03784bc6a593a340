/* log_save.c: a log view's lines to a file of the user's, or to $PAGER through a temporary one. */
#define _DEFAULT_SOURCE /* syscall(2): pidfd_open; mkstemps */
#include "tui/log_save.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define LOG_SAVE_NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"
#define LOG_SAVE_POLL_MS    100 /* without pidfd_open: how often the pager's end is looked for */

/* The signals the terminal sends to its whole foreground group: the pager's to answer. */
static const int log_save_group_signals[] = { SIGINT, SIGQUIT };

struct log_save_pager {
	struct loop *loop;
	pid_t pid;
	int pidfd;                 /* -1: polled by a timer */
	unsigned long watch;       /* the pidfd's watch or the timer */
	char *path;                /* the temporary file */
	struct sigaction saved[2]; /* log_save_group_signals' actions before */
	void (*ended)(void *ctx, const char *how);
	void *ctx;
};

/* Writes every line to f; the count, or -1. */
static long
log_save_lines(struct view_logs *v, const struct log_tail *lt, bool all, FILE *f)
{
	uint64_t a = VIEW_LOGS_NONE;
	const char *text;
	long n = 0;

	while (view_logs_each(v, lt, all, &a, &text)) {
		fputs(text, f);
		fputc('\n', f);
		n++;
	}
	return ferror(f) ? -1 : n;
}

/* A new file of the user's only, its lines written and closed; the count, or -1 with errno. */
static long
log_save_to_fd(struct view_logs *v, const struct log_tail *lt, bool all, int fd)
{
	FILE *f = fdopen(fd, "w");
	long n;
	int saved;

	if (!f) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	n = log_save_lines(v, lt, all, f);
	saved = errno;
	if (fclose(f) != 0 && n >= 0) {
		n = -1;
		saved = errno;
	}
	errno = saved;
	return n;
}

long
log_save_file(struct view_logs *v, const struct log_tail *lt, bool all, const char *path,
              bool overwrite, char **err)
{
	const char *slash = strrchr(path, '/');
	char *tmp = slash ? xasprintf("%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1)
	                  : xasprintf(".%s.XXXXXX", path);
	struct stat st;
	long n = -1;
	int fd, saved;

	*err = NULL;
	if (!*path || (slash && !slash[1])) {
		errno = EISDIR;
		*err = xasprintf("%s: not a file name", path);
		free(tmp);
		return -1;
	}
	if (!overwrite && lstat(path, &st) == 0) {
		*err = xasprintf("%s exists", path);
		free(tmp);
		errno = EEXIST;
		return -1;
	}
	/* mkstemp makes it 0600; the rename puts it in place whole. */
	fd = mkstemp(tmp);
	if (fd < 0 || (n = log_save_to_fd(v, lt, all, fd)) < 0) {
		saved = errno;
		*err = xasprintf("%s: %s", fd < 0 ? path : tmp, strerror(saved));
		if (fd >= 0)
			unlink(tmp);
		free(tmp);
		errno = saved;
		return -1;
	}
	/* Without overwrite, link refuses a file that came meanwhile. */
	if (overwrite ? rename(tmp, path) < 0 : link(tmp, path) < 0) {
		saved = errno;
		*err = saved == EEXIST ? xasprintf("%s exists", path)
		                       : xasprintf("%s: %s", path, strerror(saved));
		unlink(tmp);
		free(tmp);
		errno = saved;
		return -1;
	}
	if (!overwrite)
		unlink(tmp);
	free(tmp);
	return n;
}

char *
log_save_default_name(const char *workflow, const char *task)
{
	char *name = task ? xasprintf("%s-%s.log", workflow, task) : xasprintf("%s.log", workflow);

	for (char *p = name; *p; p++)
		if (!strchr(LOG_SAVE_NAME_CHARS, *p))
			*p = '_';
	if (name[0] == '.')
		name[0] = '_';
	return name;
}

char *
log_save_expand(const char *path)
{
	const char *home = getenv("HOME");

	if (path[0] == '~' && path[1] == '/' && home && *home)
		return xasprintf("%s%s", home, path + 1);
	return xstrdup(path);
}

/* Whether the pager ended: then it is reaped and said how (ended may free p). */
static bool
log_save_pager_reap(struct log_save_pager *p)
{
	int status = 0;
	char *how;
	pid_t got = waitpid(p->pid, &status, WNOHANG);

	if (got == 0)
		return false; /* the timer's look: not yet */
	loop_remove(p->loop, p->watch);
	p->watch = 0;
	p->pid = -1;
	if (got < 0)
		how = xstrdup("the pager is gone");
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		how = xstrdup("the pager could not be run: set $PAGER to one that is installed");
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		how = xasprintf("the pager exited with %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		how = xasprintf("the pager was ended by signal %d", WTERMSIG(status));
	else
		how = xstrdup("back from the pager");
	p->ended(p->ctx, how);
	free(how);
	return true;
}

static void
log_save_pager_ready(void *ctx, int fd, short revents)
{
	(void)fd;
	(void)revents;
	log_save_pager_reap(ctx);
}

static void
log_save_pager_tick(void *ctx)
{
	struct log_save_pager *p = ctx;

	p->watch = 0;
	if (!log_save_pager_reap(p))
		p->watch = loop_add_timer(p->loop, LOG_SAVE_POLL_MS, log_save_pager_tick, p);
}

/* $PAGER as words, the file last; "less" when it has none. */
static void
log_save_pager_argv(const char *path, struct strv *argv)
{
	const char *env = getenv("PAGER");
	char *words = xstrdup(env && *env ? env : "less");

	for (char *save = NULL, *w = strtok_r(words, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save))
		strv_push(argv, w);
	if (!argv->n)
		strv_push(argv, "less");
	strv_push(argv, path);
	strv_push_owned(argv, NULL);
	argv->n--;
	free(words);
}

struct log_save_pager *
log_save_pager_start(struct loop *loop, struct view_logs *v, const struct log_tail *lt,
                     void (*ended)(void *ctx, const char *how), void *ctx, char **err)
{
	const char *dir = getenv("TMPDIR");
	struct log_save_pager *p = xcalloc(1, sizeof(*p));
	struct sigaction ign = { .sa_handler = SIG_IGN };
	struct strv argv = { 0 };
	int fd;

	*err = NULL;
	p->loop = loop;
	p->pid = -1;
	p->pidfd = -1;
	p->ended = ended;
	p->ctx = ctx;
	p->path = xasprintf("%s/osmotop-XXXXXX.log", dir && *dir ? dir : "/tmp");
	fd = mkstemps(p->path, 4);
	if (fd < 0 || log_save_to_fd(v, lt, false, fd) < 0) {
		*err = xasprintf("%s: %s", p->path, strerror(errno));
		if (fd >= 0)
			unlink(p->path);
		free(p->path);
		free(p);
		return NULL;
	}
	log_save_pager_argv(p->path, &argv);
	/* As system() does: the terminal's Ctrl-c is the pager's, not a reason to quit. */
	sigemptyset(&ign.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(log_save_group_signals); i++)
		sigaction(log_save_group_signals[i], &ign, &p->saved[i]);
	p->pid = fork();
	if (p->pid == 0) {
		struct sigaction dfl = { .sa_handler = SIG_DFL };
		sigset_t none;

		sigemptyset(&dfl.sa_mask);
		for (size_t i = 0; i < ARRAY_SIZE(log_save_group_signals); i++)
			sigaction(log_save_group_signals[i], &dfl, NULL);
		sigaction(SIGPIPE, &dfl, NULL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execvp(argv.v[0], argv.v);
		_exit(127);
	}
	strv_free(&argv);
	if (p->pid < 0) {
		*err = xasprintf("fork: %s", strerror(errno));
		log_save_pager_free(p);
		return NULL;
	}
	p->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
	if (p->pidfd >= 0)
		p->watch = loop_add_fd(loop, p->pidfd, POLLIN, log_save_pager_ready, p);
	else
		p->watch = loop_add_timer(loop, LOG_SAVE_POLL_MS, log_save_pager_tick, p);
	return p;
}

void
log_save_pager_free(struct log_save_pager *p)
{
	if (!p)
		return;
	if (p->pid > 0) {
		kill(p->pid, SIGTERM);
		waitpid(p->pid, NULL, 0);
	}
	loop_remove(p->loop, p->watch);
	if (p->pidfd >= 0)
		close(p->pidfd);
	for (size_t i = 0; i < ARRAY_SIZE(log_save_group_signals); i++)
		sigaction(log_save_group_signals[i], &p->saved[i], NULL);
	unlink(p->path);
	free(p->path);
	free(p);
}
