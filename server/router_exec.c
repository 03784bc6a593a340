/* router_exec.c: exec's task side: the entry command under a pty in the task's directory. */
#define _DEFAULT_SOURCE /* syscall(2): close_range */

#include "server/router_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "server/runner.h"
#include "server/ws.h"
#include "common/wsproto.h"

#define ROUTER_EXEC_READS    64   /* pty reads per wake-up, so one session cannot hog the loop */
#define ROUTER_EXEC_DRAIN_MS 1000 /* output still due after the command exited */
#define ROUTER_EXEC_KILL_MS  3000 /* SIGHUP's grace before SIGKILL when the client left */

/* ------------------------------------------------------------------ splitting (shlex) */

enum router_exec_state { SH_START, SH_WORD, SH_ESCAPE, SH_DQ, SH_DQ_ESCAPE, SH_SQ, SH_COMMENT };
enum router_exec_class {
	SH_C_SPACE,
	SH_C_NEWLINE,
	SH_C_BACKSLASH,
	SH_C_DQ,
	SH_C_SQ,
	SH_C_HASH,
	SH_C_OTHER,
	SH_CLASSES
};
enum router_exec_act { SH_SKIP, SH_ADD, SH_EMIT };

/* A state in which every character does the same. */
#define SH_EVERY(next, act)                                                   \
	{                                                                     \
		[SH_C_SPACE] = { next, act }, [SH_C_NEWLINE] = { next, act }, \
		[SH_C_BACKSLASH] = { next, act }, [SH_C_DQ] = { next, act },  \
		[SH_C_SQ] = { next, act }, [SH_C_HASH] = { next, act },       \
		[SH_C_OTHER] = { next, act },                                 \
	}

/* google/shlex's tokenizer as a table: the next state and what the character does. */
static const struct {
	unsigned char next, act;
} router_exec_shlex[][SH_CLASSES] = {
	[SH_START] = {
		[SH_C_SPACE] = { SH_START, SH_SKIP },
		[SH_C_NEWLINE] = { SH_START, SH_SKIP },
		[SH_C_BACKSLASH] = { SH_ESCAPE, SH_SKIP },
		[SH_C_DQ] = { SH_DQ, SH_SKIP },
		[SH_C_SQ] = { SH_SQ, SH_SKIP },
		[SH_C_HASH] = { SH_COMMENT, SH_SKIP },
		[SH_C_OTHER] = { SH_WORD, SH_ADD },
	},
	[SH_WORD] = {
		[SH_C_SPACE] = { SH_START, SH_EMIT },
		[SH_C_NEWLINE] = { SH_START, SH_EMIT },
		[SH_C_BACKSLASH] = { SH_ESCAPE, SH_SKIP },
		[SH_C_DQ] = { SH_DQ, SH_SKIP },
		[SH_C_SQ] = { SH_SQ, SH_SKIP },
		[SH_C_HASH] = { SH_WORD, SH_ADD },
		[SH_C_OTHER] = { SH_WORD, SH_ADD },
	},
	[SH_ESCAPE] = SH_EVERY(SH_WORD, SH_ADD),
	[SH_DQ] = {
		[SH_C_SPACE] = { SH_DQ, SH_ADD },
		[SH_C_NEWLINE] = { SH_DQ, SH_ADD },
		[SH_C_BACKSLASH] = { SH_DQ_ESCAPE, SH_SKIP },
		[SH_C_DQ] = { SH_WORD, SH_SKIP },
		[SH_C_SQ] = { SH_DQ, SH_ADD },
		[SH_C_HASH] = { SH_DQ, SH_ADD },
		[SH_C_OTHER] = { SH_DQ, SH_ADD },
	},
	[SH_DQ_ESCAPE] = SH_EVERY(SH_DQ, SH_ADD),
	[SH_SQ] = {
		[SH_C_SPACE] = { SH_SQ, SH_ADD },
		[SH_C_NEWLINE] = { SH_SQ, SH_ADD },
		[SH_C_BACKSLASH] = { SH_SQ, SH_ADD },
		[SH_C_DQ] = { SH_SQ, SH_ADD },
		[SH_C_SQ] = { SH_WORD, SH_SKIP },
		[SH_C_HASH] = { SH_SQ, SH_ADD },
		[SH_C_OTHER] = { SH_SQ, SH_ADD },
	},
	[SH_COMMENT] = {
		[SH_C_SPACE] = { SH_COMMENT, SH_SKIP },
		[SH_C_NEWLINE] = { SH_START, SH_SKIP },
		[SH_C_BACKSLASH] = { SH_COMMENT, SH_SKIP },
		[SH_C_DQ] = { SH_COMMENT, SH_SKIP },
		[SH_C_SQ] = { SH_COMMENT, SH_SKIP },
		[SH_C_HASH] = { SH_COMMENT, SH_SKIP },
		[SH_C_OTHER] = { SH_COMMENT, SH_SKIP },
	},
};

/* What the end of the text means in each state: NULL is fine, else the task side's error. */
static const char *const router_exec_shlex_eof[] = {
	[SH_START] = NULL,
	[SH_WORD] = NULL,
	[SH_ESCAPE] = "EOF found after escape character",
	[SH_DQ] = "EOF found when expecting closing quote",
	[SH_DQ_ESCAPE] = "EOF found after escape character",
	[SH_SQ] = "EOF found when expecting closing quote",
	[SH_COMMENT] = NULL,
};

static enum router_exec_class
router_exec_class(char c)
{
	static const char *const chars[] = {
		[SH_C_SPACE] = " \t\r", [SH_C_NEWLINE] = "\n", [SH_C_BACKSLASH] = "\\",
		[SH_C_DQ] = "\"",       [SH_C_SQ] = "'",       [SH_C_HASH] = "#",
	};

	for (size_t i = 0; i < ARRAY_SIZE(chars); i++)
		if (c && strchr(chars[i], c))
			return (enum router_exec_class)i;
	return SH_C_OTHER;
}

int
router_exec_split(const char *s, struct strv *out, const char **err)
{
	enum router_exec_state st = SH_START;
	struct strbuf word = { 0 };
	size_t before = out->n;

	*err = NULL;
	for (; *s; s++) {
		enum router_exec_class cl = router_exec_class(*s);

		if (router_exec_shlex[st][cl].act == SH_ADD)
			strbuf_addch(&word, *s);
		else if (router_exec_shlex[st][cl].act == SH_EMIT)
			strv_push_owned(out, strbuf_detach(&word));
		st = router_exec_shlex[st][cl].next;
	}
	*err = router_exec_shlex_eof[st];
	if (!*err && st == SH_WORD)
		strv_push_owned(out, strbuf_detach(&word));
	strbuf_free(&word);
	if (!*err && out->n == before)
		*err = "no command to run";
	if (!*err)
		return 0;
	while (out->n > before)
		free(out->v[--out->n]);
	/* Nothing left for a caller that frees the words only when the split worked. */
	if (!before)
		strv_free(out);
	return -1;
}

/* ------------------------------------------------------------------ the resize scanner */

void
router_exec_scan_feed(struct router_exec_scan *s, const unsigned char *data, size_t n,
                      const struct router_exec_scan_out *out)
{
	const unsigned char *p;
	size_t len, i = 0;

	/* Held bytes go first; joining costs only when a request was cut. */
	if (s->held.len) {
		strbuf_add(&s->held, data, n);
		p = (const unsigned char *)s->held.buf;
		len = s->held.len;
	} else {
		p = data;
		len = n;
	}
	while (i < len) {
		const unsigned char *nul = memchr(p + i, 0, len - i);
		size_t at, rest;
		const unsigned char *brace;
		int rows, cols;

		if (!nul) {
			out->keys(out->ctx, p + i, len - i);
			i = len;
			break;
		}
		at = (size_t)(nul - p);
		if (at > i)
			out->keys(out->ctx, p + i, at - i);
		rest = len - at;
		if (rest < WSPROTO_RESIZE_LEN && memcmp(p + at, WSPROTO_RESIZE, rest) == 0) {
			i = at;
			break; /* maybe the start of a request: wait for the next message */
		}
		if (rest < WSPROTO_RESIZE_LEN ||
		    memcmp(p + at, WSPROTO_RESIZE, WSPROTO_RESIZE_LEN)) {
			out->keys(out->ctx, p + at, 1); /* a NUL of its own (Ctrl-@) */
			i = at + 1;
			continue;
		}
		/* Only within the limit, so a message's cuts cannot change what it was. */
		brace = memchr(p + at + WSPROTO_RESIZE_LEN, '}',
		               (rest < ROUTER_EXEC_RESIZE_MAX ? rest : ROUTER_EXEC_RESIZE_MAX) -
		                       WSPROTO_RESIZE_LEN);
		if (!brace) {
			if (rest <= ROUTER_EXEC_RESIZE_MAX) {
				i = at;
				break; /* the object continues in the next message */
			}
			out->keys(out->ctx, p + at, 1); /* too long for a size: it was typing */
			i = at + 1;
			continue;
		}
		if (wsproto_parse_size((const char *)p + at + WSPROTO_RESIZE_LEN,
		                       (size_t)(brace + 1 - (p + at + WSPROTO_RESIZE_LEN)), &rows,
		                       &cols) == 0)
			out->resize(out->ctx, rows, cols);
		i = (size_t)(brace + 1 - p);
	}
	if (p == (const unsigned char *)s->held.buf) {
		strbuf_consume(&s->held, i);
	} else if (i < len) {
		strbuf_add(&s->held, p + i, len - i);
	}
}

void
router_exec_scan_free(struct router_exec_scan *s)
{
	strbuf_free(&s->held);
}

/* ------------------------------------------------------------------ the session */

struct router_exec {
	struct router *r;
	struct router_conn *c; /* NULL once the client leg is gone */
	struct loop *loop;
	pid_t pid;  /* the command, leader of its own session; 0 before it starts */
	int master; /* -1 when closed */
	unsigned long watch, drain_timer, kill_timer;
	struct router_exec_scan scan;
	struct strbuf to_pty; /* keyboard bytes the pty has not taken yet */
	unsigned long reads;  /* pty reads that gave bytes, to tell a drain that still moves */
	unsigned long reads_at_drain;
	bool started, exited, eof, full;
};

static void router_exec_fd(void *ctx, int fd, short revents);

/* Polls the master for what is wanted. */
static void
router_exec_watch(struct router_exec *e)
{
	short ev = 0;

	if (e->master >= 0 && !e->eof && !e->full)
		ev |= POLLIN;
	if (e->master >= 0 && e->to_pty.len)
		ev |= POLLOUT;
	loop_watch(e->loop, &e->watch, e->master, ev, router_exec_fd, e);
}

static void
router_exec_close_master(struct router_exec *e)
{
	loop_remove(e->loop, e->watch);
	e->watch = 0;
	if (e->master >= 0)
		close(e->master);
	e->master = -1;
	strbuf_free(&e->to_pty);
}

static void
router_exec_free(struct router_exec *e)
{
	router_exec_close_master(e);
	loop_remove(e->loop, e->drain_timer);
	loop_remove(e->loop, e->kill_timer);
	router_exec_scan_free(&e->scan);
	free(e);
}

/* The task side's error text, then the end of the leg. */
static void
router_exec_fail(struct router_exec *e, const char *what, const char *detail)
{
	char *msg = xasprintf("%s: %s\r\n", what, detail);

	router_conn_send(e->c, msg, strlen(msg));
	router_conn_close(e->c, WS_CLOSE_ERROR, what);
	free(msg);
}

/* Sends what the pty has; false once it has nothing more to give (EOF or a hang-up). */
static bool
router_exec_read(struct router_exec *e)
{
	char buf[ROUTER_EXEC_CHUNK];
	int got = router_conn_relay(e->c, e->master, buf, sizeof(buf), ROUTER_EXEC_READS, &e->full);

	if (got < 0) {
		e->eof = true;
		return false;
	}
	e->reads += (unsigned long)got;
	return true;
}

/* The command exited: its output gets ROUTER_EXEC_DRAIN_MS more, again while it moves. */
static void router_exec_drain_timeout(void *ctx);

static void
router_exec_drain_arm(struct router_exec *e)
{
	e->reads_at_drain = e->reads;
	e->drain_timer =
	        loop_add_timer(e->loop, ROUTER_EXEC_DRAIN_MS, router_exec_drain_timeout, e);
}

/* The command is over and its output sent: the leg closes normally, as osmo-ctrl ends it. */
static void
router_exec_finish(struct router_exec *e)
{
	loop_remove(e->loop, e->drain_timer);
	e->drain_timer = 0;
	if (e->master >= 0 && !e->eof && !e->full)
		router_exec_read(e);
	router_exec_close_master(e);
	router_conn_close(e->c, WS_CLOSE_NORMAL, NULL);
}

static void
router_exec_drain_timeout(void *ctx)
{
	struct router_exec *e = ctx;

	e->drain_timer = 0;
	/* Output still moving (or waiting for the client) is drained, however long it takes. */
	if (e->full || e->reads != e->reads_at_drain) {
		router_exec_drain_arm(e);
		return;
	}
	/* Something the command left behind still holds the terminal: hang it up. */
	router_exec_finish(e);
}

/* Called with the master open (and so the leg there). */
static void
router_exec_flush(struct router_exec *e)
{
	if (router_write_held(e->master, &e->to_pty) < 0)
		strbuf_reset(&e->to_pty); /* the terminal is gone: nobody will read it */
	router_conn_hold(e->c, e->to_pty.len);
}

static void
router_exec_fd(void *ctx, int fd, short revents)
{
	struct router_exec *e = ctx;

	(void)fd;
	if (revents & POLLOUT)
		router_exec_flush(e);
	if ((revents & (POLLIN | POLLHUP | POLLERR)) && !router_exec_read(e) && e->exited) {
		router_exec_finish(e);
		return;
	}
	router_exec_watch(e);
}

static void
router_exec_keys(void *ctx, const unsigned char *data, size_t n)
{
	struct router_exec *e = ctx;

	strbuf_add(&e->to_pty, data, n);
}

static void
router_exec_resize(void *ctx, int rows, int cols)
{
	struct router_exec *e = ctx;
	struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };

	if (e->master < 0)
		return;
	/* Typed bytes before the request reach the terminal before its new size. */
	router_exec_flush(e);
	ioctl(e->master, TIOCSWINSZ, &ws);
	if (!e->exited)
		kill(e->pid, SIGWINCH);
}

static void
router_exec_exited(void *ctx, int status)
{
	struct router_exec *e = ctx;

	(void)status;
	e->exited = true;
	loop_remove(e->loop, e->kill_timer);
	e->kill_timer = 0;
	if (!e->c) {
		router_exec_free(e);
		return;
	}
	if (e->eof || e->master < 0) {
		router_exec_finish(e);
	} else if (!e->drain_timer) {
		router_exec_drain_arm(e);
	}
}

/* The command's environment: the task's, with TERM=xterm as osmo's user side sets it. */
static void
router_exec_env(struct strv *task_env, struct strv *env)
{
	for (size_t i = 0; i < task_env->n; i++)
		if (task_env->v[i] && !str_starts_with(task_env->v[i], "TERM="))
			strv_push(env, task_env->v[i]);
	strv_push(env, "TERM=xterm");
	strv_push_owned(env, NULL);
}

/* In the child: a new session with the pty as its controlling terminal, then the command. */
static void
router_exec_child(int slave, const char *cwd, char *const *argv, char *const *envp)
{
	setsid();
	ioctl(slave, TIOCSCTTY, 0);
	dup2(slave, STDIN_FILENO);
	dup2(slave, STDOUT_FILENO);
	dup2(slave, STDERR_FILENO);
	/* An interactive command must not hold the server's sockets. */
	syscall(SYS_close_range, 3u, ~0u, 0u);
	if (chdir(cwd) < 0) {
		dprintf(STDERR_FILENO, "osmo-local: cannot enter %s: %s\r\n", cwd, strerror(errno));
		_exit(126);
	}
	runner_exec(argv, envp);
}

/* Forks the command under a new pty; 0, or -1 with errno. */
static int
router_exec_spawn(struct router_exec *e, const struct winsize *size, const char *cwd,
                  char *const *argv, char *const *envp)
{
	int master, slave, saved;
	pid_t pid;

	if (openpty(&master, &slave, NULL, NULL, size) < 0)
		return -1;
	pid = runner_fork();
	if (pid == 0)
		router_exec_child(slave, cwd, argv, envp);
	saved = errno;
	close(slave);
	if (pid < 0) {
		close(master);
		errno = saved;
		return -1;
	}
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
	fcntl(master, F_SETFD, FD_CLOEXEC);
	e->master = master;
	e->pid = pid;
	return 0;
}

/* The first message: the terminal's size; then the command starts. */
static void
router_exec_start(struct router_exec *e, const unsigned char *data, size_t n)
{
	const struct router_target *t = router_conn_target(e->c);
	struct strv argv = { 0 }, task_env = { 0 }, env = { 0 };
	struct winsize size = { 0 };
	const char *why;
	char *cwd = NULL;
	int rows, cols;

	e->started = true;
	if (wsproto_parse_size((const char *)data, n, &rows, &cols) < 0) {
		router_exec_fail(e, "Error decoding initial size message",
		                 "expected {\"Rows\": R, \"Cols\": C}");
		return;
	}
	if (router_exec_split(t->entry_command ? t->entry_command : "", &argv, &why) < 0) {
		router_exec_fail(e, "Error splitting entry command", why);
		return;
	}
	strv_push_owned(&argv, NULL);
	if (engine_task_context(router_engine(e->r), t->workflow, t->task, t->retry, &cwd,
	                        &task_env) < 0) {
		/* The task is over: its pod and everything in it would be gone. */
		router_conn_close(e->c, WS_CLOSE_NORMAL, NULL);
		strv_free(&argv);
		return;
	}
	router_exec_env(&task_env, &env);
	size.ws_row = (unsigned short)rows;
	size.ws_col = (unsigned short)cols;
	if (router_exec_spawn(e, &size, cwd, argv.v, env.v) < 0) {
		router_exec_fail(e, "Error starting pseudo-terminal", strerror(errno));
	} else {
		router_watch_child(e->r, e->pid, router_exec_exited, e);
		router_exec_watch(e);
	}
	strv_free(&argv);
	strv_free(&task_env);
	strv_free(&env);
	free(cwd);
}

static void *
router_exec_open(struct router_conn *c)
{
	struct router_exec *e = xcalloc(1, sizeof(*e));

	e->c = c;
	e->r = router_conn_router(c);
	e->loop = router_loop(e->r);
	e->master = -1;
	return e;
}

static void
router_exec_message(void *b, const unsigned char *data, size_t n)
{
	struct router_exec *e = b;
	const struct router_exec_scan_out out = { router_exec_keys, router_exec_resize, e };

	if (!e->started) {
		router_exec_start(e, data, n);
		return;
	}
	if (e->master < 0 || e->exited)
		return; /* the command is over: nobody reads the keyboard */
	router_exec_scan_feed(&e->scan, data, n, &out);
	router_exec_flush(e);
	router_exec_watch(e);
}

static void
router_exec_drained(void *b)
{
	struct router_exec *e = b;

	e->full = false;
	router_exec_watch(e);
}

static void
router_exec_kill_timeout(void *ctx)
{
	struct router_exec *e = ctx;

	e->kill_timer = 0;
	if (!e->exited)
		kill(-e->pid, SIGKILL);
}

static void
router_exec_gone(void *b)
{
	struct router_exec *e = b;

	e->c = NULL;
	loop_remove(e->loop, e->drain_timer);
	e->drain_timer = 0;
	/* Closing the master hangs the terminal up; SIGHUP reaches the command's group too. */
	router_exec_close_master(e);
	if (!e->pid || e->exited) {
		router_exec_free(e);
		return;
	}
	kill(-e->pid, SIGHUP);
	e->kill_timer = loop_add_timer(e->loop, ROUTER_EXEC_KILL_MS, router_exec_kill_timeout, e);
}

const struct router_backend *
router_exec_backend(void)
{
	static const struct router_backend be = {
		.open = router_exec_open,
		.message = router_exec_message,
		.drained = router_exec_drained,
		.gone = router_exec_gone,
	};

	return &be;
}
