/* cmd_exec.c: `osmotop exec`: the terminal (or stdin/stdout) on a task's pty, or a group's lines. */
#include "tui/cmd_exec.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "client/exec.h"
#include "client/exec_group.h"
#include "tui/session.h"
#include "tui/tty.h"

#define CMD_EXEC_QUEUE_MAX (1u << 20) /* stop reading stdin while this much waits to be sent */
#define CMD_EXEC_DRAIN_MS  5000       /* output still unwritten when the session ended */
#define CMD_EXEC_EOT       0x04       /* Ctrl-D: a pipe's EOF, as the remote pty understands it */
/*
 * Commands from a pipe, not keys: the task side always gives a pty, so the shell turns its
 * echo and CRLF off, then prints one NUL (input waits for the first output, so nothing typed
 * can be echoed before), then reads stdin as a script: an operand makes sh non-interactive,
 * no prompt.
 */
#define CMD_EXEC_SCRIPT \
	"sh -c 'stty -echo -onlcr 2>/dev/null; printf \"\\000\"; exec sh /dev/stdin'"

struct cmd_exec {
	struct session s;
	struct exec_session *ex;  /* one task, or */
	struct exec_group *group; /* --group: every running task of a group */
	bool tty;                 /* stdin is a terminal: raw mode, window changes */
	bool raw;                 /* saved holds the mode to restore */
	struct termios saved;
	int signal_fd;                                /* the self-pipe's read end, -1 when none */
	unsigned long sig_watch, in_watch, out_watch; /* s.loop's watches of them */
	bool stdin_open;                              /* still reading stdin */
	bool midline;                                 /* stdin's last byte was not a newline */
	bool script;                                  /* CMD_EXEC_SCRIPT runs */
	bool ready_pending;                           /* its NUL is still to come */
	struct strbuf out;                            /* output waiting for stdout */
	bool out_failed;                              /* stdout refused a write */
	bool ended;
	struct exec_end end; /* the session's, or with --group the start's or a failed task's */
	char *failed_task;   /* --group: the first task whose session did not end cleanly */
	size_t n_tasks, n_failed;
};

/* The command line, parsed. */
struct cmd_exec_args {
	struct session_opts so;
	const char *workflow, *task, *group;
	char *command; /* NULL: the default shell */
	bool keep_alive;
};

static void
cmd_exec_usage(void)
{
	fputs("usage: osmotop exec [--url URL] [--user NAME|--token-file FILE] [--local]\n"
	      "                    [--keep-alive] WORKFLOW_ID TASK [-- COMMAND [ARG...]]\n"
	      "       osmotop exec [--url URL] [--user NAME|--token-file FILE] [--local]\n"
	      "                    --group GROUP WORKFLOW_ID -- COMMAND [ARG...]\n"
	      "\n"
	      "Runs COMMAND (default bash, else sh) under a pty in a running task. With a\n"
	      "terminal on stdin it is put in raw mode and window changes follow; otherwise\n"
	      "stdin goes to the task (its end as Ctrl-D) and the output to stdout. The task\n"
	      "side splits the command shell-style and runs it without a shell; use\n"
	      "sh -c '...' for pipes. With no COMMAND and no terminal, stdin holds commands,\n"
	      "as for kubectl exec -i: a non-interactive sh runs them with the pty's echo and\n"
	      "CRLF off, so only their output comes back (printf 'echo hi\\n' | osmotop exec\n"
	      "WF TASK prints hi).\n"
	      "\n"
	      "--keep-alive   when the session breaks (the router restarts or drops it, the\n"
	      "               connection fails, the service answers 5xx), start a new one 10 s\n"
	      "               later: COMMAND runs again from the start, and keys typed meanwhile\n"
	      "               are dropped. A normal end, a 4xx answer or a signal ends it.\n"
	      "--group GROUP  run COMMAND on every running task of GROUP, without input, and\n"
	      "               print each output line as \"[task] line\". Interactive shells\n"
	      "               (bash, sh -l, ...) are refused: they would wait for input.\n"
	      "\n"
	      "Exit status: 0 when the session (with --group every task's) closed normally (the\n"
	      "remote exit status is not carried), 1 the service refused, 2 usage, 3 network or\n"
	      "the session broke.\n",
	      stdout);
}

static void
cmd_exec_restore(struct cmd_exec *c)
{
	if (c->raw)
		tty_restore(STDIN_FILENO, &c->saved);
	c->raw = false;
}

/* Appends word so that a shlex split gives it back: bare when safe, else single-quoted. */
static void
cmd_exec_quote(struct strbuf *sb, const char *word)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                           "0123456789_@%+=:,./-";

	if (*word && strspn(word, safe) == strlen(word)) {
		strbuf_addstr(sb, word);
		return;
	}
	strbuf_addch(sb, '\'');
	for (; *word; word++) {
		if (*word == '\'')
			strbuf_addstr(sb, "'\"'\"'"); /* close, a double-quoted quote, reopen */
		else
			strbuf_addch(sb, *word);
	}
	strbuf_addch(sb, '\'');
}

static void
cmd_exec_output(void *ctx, const unsigned char *data, size_t n)
{
	struct cmd_exec *c = ctx;

	/* CMD_EXEC_SCRIPT's NUL says the shell is ready; it is not the commands' output. */
	if (c->ready_pending && n > 0) {
		c->ready_pending = false;
		if (data[0] == '\0') {
			data++;
			n--;
		}
	}
	strbuf_add(&c->out, data, n);
}

static void
cmd_exec_reconnecting(void *ctx, const struct exec_end *why, int delay_ms)
{
	struct cmd_exec *c = ctx;

	c->ready_pending = c->script; /* a new shell says it is ready again */
	/* The task's output may have left the cursor mid-line, and a raw tty needs "\r\n". */
	fprintf(stderr, "%sosmotop: %s; reconnecting in %d s (a new session)%s",
	        c->tty ? "\r\n" : "", why->err.message, delay_ms / 1000, c->raw ? "\r\n" : "\n");
}

static void
cmd_exec_ended(void *ctx, const struct exec_end *end)
{
	struct cmd_exec *c = ctx;

	c->end = *end;
	c->ended = true;
}

static void
cmd_exec_group_line(void *ctx, const char *task, const char *line)
{
	struct cmd_exec *c = ctx;

	strbuf_addf(&c->out, "[%s] %s\n", task, line);
}

static void
cmd_exec_group_task_ended(void *ctx, const char *task, const struct exec_end *end)
{
	struct cmd_exec *c = ctx;

	c->n_tasks++;
	if (end->clean)
		return;
	if (c->n_failed++ == 0) {
		c->end = *end;
		c->failed_task = xstrdup(task);
	}
}

static void
cmd_exec_group_ended(void *ctx, const struct api_error *err)
{
	struct cmd_exec *c = ctx;

	if (err) {
		c->end = (struct exec_end){ .err = *err };
		c->n_failed = 1;
	}
	c->ended = true;
}

/* The session's or the group's loop source: one task, or one socket per task. */
static void
cmd_exec_source(struct cmd_exec *c, bool add)
{
	const struct loop_source *src = c->group ? &exec_group_source : &exec_source;
	void *ctx = c->group ? (void *)c->group : (void *)c->ex;

	if (add)
		loop_add_source(c->s.loop, src, ctx);
	else
		loop_remove_source(c->s.loop, src, ctx);
}

static void
cmd_exec_close(struct cmd_exec *c)
{
	if (c->group)
		exec_group_close(c->group);
	else
		exec_close(c->ex);
}

/*
 * The end of piped stdin, as the remote pty's canonical mode takes it: a Ctrl-D after a partial
 * line only hands the line over, so a second ends it. A script gets its last newline instead,
 * and a spare Ctrl-D for a command in it that read to the end (cat): a pty's end is read once,
 * not kept as a pipe's is.
 */
static void
cmd_exec_input_end(struct cmd_exec *c)
{
	unsigned char end[3];
	size_t n = 0;

	if (c->midline)
		end[n++] = c->script ? '\n' : CMD_EXEC_EOT;
	end[n++] = CMD_EXEC_EOT;
	if (c->script)
		end[n++] = CMD_EXEC_EOT;
	exec_input(c->ex, end, n);
}

static void
cmd_exec_read_stdin(void *ctx, int fd, short revents)
{
	struct cmd_exec *c = ctx;
	unsigned char buf[EXEC_INPUT_MAX];
	ssize_t n = read(fd, buf, sizeof(buf));

	(void)revents;
	if (n > 0) {
		exec_input(c->ex, buf, (size_t)n);
		c->midline = buf[n - 1] != '\n';
	} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
		c->stdin_open = false;
		if (!c->tty)
			cmd_exec_input_end(c);
	}
}

static void
cmd_exec_read_signals(void *ctx, int fd, short revents)
{
	struct cmd_exec *c = ctx;
	unsigned char buf[16];
	ssize_t n;

	(void)revents;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			int rows, cols;

			if (buf[i] != SIGWINCH) {
				cmd_exec_close(c);
				continue;
			}
			if (c->group)
				continue; /* a group exec sends no resizes */
			tty_size(STDIN_FILENO, &rows, &cols);
			exec_resize(c->ex, rows, cols);
		}
	}
}

static void
cmd_exec_write_stdout(void *ctx, int fd, short revents)
{
	struct cmd_exec *c = ctx;

	(void)revents;
	if (!tty_write(fd, &c->out)) {
		strbuf_reset(&c->out);
		c->out_failed = true;
		if (!c->ended)
			cmd_exec_close(c); /* nobody reads the output any more */
	}
}

/* stdin while it is open and the session takes more; stdout while output waits. */
static void
cmd_exec_watch(struct cmd_exec *c)
{
	bool in = c->stdin_open && !c->group && exec_queued(c->ex) < CMD_EXEC_QUEUE_MAX;

	loop_watch(c->s.loop, &c->in_watch, STDIN_FILENO, in ? POLLIN : 0, cmd_exec_read_stdin, c);
	loop_watch(c->s.loop, &c->out_watch, STDOUT_FILENO, c->out.len ? POLLOUT : 0,
	           cmd_exec_write_stdout, c);
}

/* The session's loop: the client's HTTP, the session's sockets, signals, stdin and stdout. */
static void
cmd_exec_loop(struct cmd_exec *c)
{
	if (c->signal_fd >= 0)
		c->sig_watch =
		        loop_add_fd(c->s.loop, c->signal_fd, POLLIN, cmd_exec_read_signals, c);
	cmd_exec_source(c, true);
	while (!c->ended) {
		cmd_exec_watch(c);
		if (loop_run_once(c->s.loop, -1) < 0)
			break;
	}
	/* Ended: what is left is writing the output, without the session or signals. */
	cmd_exec_source(c, false);
	loop_remove(c->s.loop, c->sig_watch);
	loop_remove(c->s.loop, c->in_watch);
	c->sig_watch = c->in_watch = 0;
}

/* What is left of the output, bounded: stdout may be a pipe nobody drains. */
static void
cmd_exec_drain(struct cmd_exec *c)
{
	int64_t deadline = clock_mono_ms() + CMD_EXEC_DRAIN_MS;

	while (c->out.len > 0 && !c->out_failed) {
		int64_t now = clock_mono_ms();

		cmd_exec_watch(c);
		if (now >= deadline ||
		    loop_run_once(c->s.loop, util_timeout_until(deadline, now)) < 0)
			break;
	}
	loop_remove(c->s.loop, c->out_watch);
	c->out_watch = 0;
}

/* Parses options and operands into a; -1 to go on, else the exit status. */
static int
cmd_exec_parse(int argc, char **argv, struct cmd_exec_args *a)
{
	enum { OPT_KEEP_ALIVE = SESSION_OPT_END, OPT_GROUP };
	static const struct option longopts[] = {
		SESSION_LONGOPTS,
		{ "keep-alive", no_argument, NULL, OPT_KEEP_ALIVE },
		{ "group", required_argument, NULL, OPT_GROUP },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct strbuf sb = { 0 };
	int ch, names, rest;

	optind = 0; /* glibc starts afresh, its ordering included, after an earlier scan */
	/* '+': stop at WORKFLOW_ID, so the command's own options are never ours. */
	while ((ch = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		if (session_option(ch, optarg, &a->so)) {
			continue;
		} else if (ch == OPT_KEEP_ALIVE) {
			a->keep_alive = true;
		} else if (ch == OPT_GROUP) {
			a->group = optarg;
		} else if (ch == 'h') {
			cmd_exec_usage();
			return 0;
		} else {
			return session_bad_option("exec", ch, argv);
		}
	}
	/* WORKFLOW_ID TASK, or WORKFLOW_ID alone with --group; then "--" and a command. */
	names = a->group ? 1 : 2;
	rest = argc - optind;
	if (rest < names || (rest > names && strcmp(argv[optind + names], "--") != 0) ||
	    rest == names + 1 || (a->group && rest == names)) {
		fprintf(stderr, "osmotop: usage: osmotop exec [options] WORKFLOW_ID TASK "
		                "[-- COMMAND [ARG...]]\n"
		                "         or: osmotop exec [options] --group GROUP WORKFLOW_ID "
		                "-- COMMAND [ARG...]\n");
		return 2;
	}
	if (a->so.local && a->so.url) {
		fprintf(stderr, "osmotop: --local and --url name different services; pick one\n");
		return 2;
	}
	if (a->group && a->keep_alive) {
		fprintf(stderr,
		        "osmotop: --keep-alive does not apply to --group (the CLI refuses it "
		        "too: a new session would run the command again)\n");
		return 2;
	}
	a->workflow = argv[optind];
	a->task = a->group ? NULL : argv[optind + 1];
	for (int i = optind + names + 1; i < argc; i++) {
		if (sb.len)
			strbuf_addch(&sb, ' ');
		cmd_exec_quote(&sb, argv[i]);
	}
	a->command = sb.len ? strbuf_detach(&sb) : NULL;
	if (a->group && exec_group_interactive(a->command)) {
		fprintf(stderr,
		        "osmotop: exec --group sends no input, so an interactive shell would "
		        "wait for ever; give it a command (sh -c '...')\n");
		free(a->command);
		a->command = NULL;
		return 2;
	}
	return -1;
}

/* Starts the session, or the group's sessions, as the command line asks. */
static void
cmd_exec_start(struct cmd_exec *c, const struct cmd_exec_args *a)
{
	struct exec_opts eo = {
		.workflow = a->workflow,
		.task = a->task,
		.entry_command = c->script ? CMD_EXEC_SCRIPT : a->command,
		.keep_alive = a->keep_alive,
		.cb = { .output = cmd_exec_output,
		        .reconnecting = cmd_exec_reconnecting,
		        .ended = cmd_exec_ended,
		        .ctx = c },
	};
	struct exec_group_opts go = {
		.workflow = a->workflow,
		.group = a->group,
		.command = a->command,
		.cb = { .line = cmd_exec_group_line,
		        .task_ended = cmd_exec_group_task_ended,
		        .ended = cmd_exec_group_ended,
		        .ctx = c },
	};

	if (c->tty)
		tty_size(STDIN_FILENO, &eo.rows, &eo.cols);
	if (a->group) {
		/* No input and no raw mode; the terminal's width, if any, for the tasks' output. */
		go.rows = eo.rows;
		go.cols = eo.cols;
		c->stdin_open = false;
		c->group = exec_group_start(c->s.api, c->s.http, &go);
		return;
	}
	/* Keys (Ctrl-C too) travel as bytes to the remote pty. */
	if (c->tty)
		c->raw = tty_raw(STDIN_FILENO, &c->saved);
	c->ex = exec_start(c->s.api, c->s.http, &eo);
}

/* What the end says, one line on stderr for a failure; the exit status. */
static int
cmd_exec_report(const struct cmd_exec *c, const struct cmd_exec_args *a)
{
	struct api_error err = c->end.err;

	if (c->ended && c->n_failed == 0 && (a->group || c->end.clean))
		return 0;
	if (!c->ended)
		api_error_set(&err, API_ERR_TRANSPORT, "the poll loop failed: %s", strerror(errno));
	else if (err.kind == API_OK)
		api_error_set(&err, API_ERR_TRANSPORT, "the session ended abnormally");
	session_explain(&c->s, &err);
	/* The task's output may have left the cursor mid-line. */
	if (!a->group)
		fprintf(stderr, "%sosmotop: exec %s %s: %s\n", c->tty ? "\r\n" : "", a->workflow,
		        a->task, err.message);
	else if (!c->failed_task)
		fprintf(stderr, "osmotop: exec %s group %s: %s\n", a->workflow, a->group,
		        err.message);
	else
		fprintf(stderr,
		        "osmotop: exec %s group %s: task %s: %s (%zu of %zu tasks failed)\n",
		        a->workflow, a->group, c->failed_task, err.message, c->n_failed,
		        c->n_tasks);
	return session_exit_status(err.kind);
}

int
cmd_exec_main(int argc, char **argv, const struct session_opts *globals)
{
	/* Window changes and termination. */
	static const int sigs[] = { SIGWINCH, SIGTERM, SIGHUP, SIGINT };
	struct cmd_exec c = { .signal_fd = -1, .stdin_open = true };
	struct cmd_exec_args a = { .so = *globals };
	int rc = cmd_exec_parse(argc, argv, &a);

	if (rc >= 0)
		return rc;
	if (session_start(&c.s, &a.so) < 0) {
		free(a.command);
		return 2;
	}
	c.tty = isatty(STDIN_FILENO);
	/* No command and no terminal: stdin holds commands, not keys. */
	c.script = c.ready_pending = !c.tty && !a.command && !a.group;
	c.signal_fd = session_signals(sigs, ARRAY_SIZE(sigs));
	cmd_exec_start(&c, &a);
	cmd_exec_loop(&c);
	cmd_exec_drain(&c);
	cmd_exec_restore(&c);
	rc = cmd_exec_report(&c, &a);
	exec_free(c.ex);
	exec_group_free(c.group);
	strbuf_free(&c.out);
	free(c.failed_task);
	session_close(&c.s);
	if (c.signal_fd >= 0)
		close(c.signal_fd);
	free(a.command);
	return rc;
}
