/* cmd_exec.c: `osmotop exec WF TASK [-- CMD...]`: the terminal (or stdin/stdout) on a task's pty. */
#define _DEFAULT_SOURCE /* TIOCGWINSZ, struct winsize */
#include "cmd_exec.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "exec.h"
#include "session.h"

#define CMD_EXEC_MAX_FDS   64
#define CMD_EXEC_QUEUE_MAX (1u << 20) /* stop reading stdin while this much waits to be sent */
#define CMD_EXEC_WRITE_MAX 4096       /* per POLLOUT: a pipe with room takes it without blocking */
#define CMD_EXEC_DRAIN_MS  5000       /* output still unwritten when the session ended */
#define CMD_EXEC_EOT       0x04       /* Ctrl-D: a pipe's EOF, as the remote pty understands it */

struct cmd_exec {
	struct session s;
	struct exec_session *ex;
	bool tty; /* stdin is a terminal: raw mode, window changes */
	bool raw; /* saved holds the mode to restore */
	struct termios saved;
	int signal_fd;     /* the self-pipe's read end, -1 when none */
	bool stdin_open;   /* still reading stdin */
	struct strbuf out; /* output waiting for stdout */
	bool ended;
	struct exec_end end;
};

static void
cmd_exec_usage(FILE *out)
{
	fputs("usage: osmotop exec [--url URL] [--user NAME] [--local] WORKFLOW_ID TASK "
	      "[-- COMMAND [ARG...]]\n"
	      "\n"
	      "Runs COMMAND (default bash, else sh) under a pty in a running task. With a\n"
	      "terminal on stdin it is put in raw mode and window changes follow; otherwise stdin\n"
	      "goes to the task (its end as Ctrl-D) and the output to stdout. The task side "
	      "splits\n"
	      "the command shell-style and runs it without a shell; use sh -c '...' for pipes.\n"
	      "Exit status: 0 when the session closed normally (the remote exit status is not\n"
	      "carried), 1 the service refused, 2 usage, 3 network or the session broke.\n",
	      out);
}

/* The terminal's size, or 0x0 when there is none. */
static void
cmd_exec_size(int *rows, int *cols)
{
	struct winsize ws = { 0 };

	*rows = *cols = 0;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
	}
}

/* Raw mode as cfmakeraw sets it: keys (Ctrl-C too) travel as bytes to the remote pty. */
static void
cmd_exec_raw(struct cmd_exec *c)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &c->saved) < 0)
		return;
	t = c->saved;
	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t.c_oflag &= ~(tcflag_t)OPOST;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	t.c_cflag |= CS8;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0) /* typeahead is kept for the task */
		c->raw = true;
}

static void
cmd_exec_restore(struct cmd_exec *c)
{
	if (c->raw)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &c->saved);
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

	strbuf_add(&c->out, data, n);
}

static void
cmd_exec_ended(void *ctx, const struct exec_end *end)
{
	struct cmd_exec *c = ctx;

	c->end = *end;
	c->ended = true;
}

/* Writes what stdout takes now; false when stdout is gone. */
static bool
cmd_exec_write(struct cmd_exec *c)
{
	size_t n = c->out.len < CMD_EXEC_WRITE_MAX ? c->out.len : CMD_EXEC_WRITE_MAX;
	ssize_t w = write(STDOUT_FILENO, c->out.buf, n);

	if (w > 0)
		strbuf_consume(&c->out, (size_t)w);
	return w >= 0 || errno == EINTR || errno == EAGAIN;
}

static void
cmd_exec_read_stdin(struct cmd_exec *c)
{
	unsigned char buf[EXEC_INPUT_MAX];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

	if (n > 0) {
		exec_input(c->ex, buf, (size_t)n);
	} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
		unsigned char eot = CMD_EXEC_EOT;

		c->stdin_open = false;
		if (!c->tty)
			exec_input(c->ex, &eot, 1);
	}
}

static void
cmd_exec_read_signals(struct cmd_exec *c)
{
	unsigned char buf[16];
	ssize_t n;

	while ((n = read(c->signal_fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			int rows, cols;

			if (buf[i] != SIGWINCH) {
				exec_close(c->ex);
				continue;
			}
			cmd_exec_size(&rows, &cols);
			exec_resize(c->ex, rows, cols);
		}
	}
}

/* The one poll loop: the client's HTTP, the session's socket, signals, stdin and stdout. */
static void
cmd_exec_loop(struct cmd_exec *c)
{
	while (!c->ended) {
		struct pollfd fds[CMD_EXEC_MAX_FDS];
		int64_t now = clock_mono_ms();
		int n = http_pollfds(c->s.http, fds, CMD_EXEC_MAX_FDS - 4);
		int net, to = http_timeout_ms(c->s.http, now), eto = exec_timeout_ms(c->ex, now);
		int sig = -1, in = -1, out = -1;

		n += exec_pollfds(c->ex, fds + n, CMD_EXEC_MAX_FDS - 3 - n);
		net = n;
		if (eto >= 0 && (to < 0 || eto < to))
			to = eto;
		if (c->signal_fd >= 0) {
			sig = n;
			fds[n++] = (struct pollfd){ .fd = c->signal_fd, .events = POLLIN };
		}
		if (c->stdin_open && exec_queued(c->ex) < CMD_EXEC_QUEUE_MAX) {
			in = n;
			fds[n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		}
		if (c->out.len > 0) {
			out = n;
			fds[n++] = (struct pollfd){ .fd = STDOUT_FILENO, .events = POLLOUT };
		}
		if (poll(fds, (nfds_t)n, to) < 0 && errno != EINTR)
			break;
		now = clock_mono_ms();
		http_dispatch(c->s.http, fds, net, now);
		exec_dispatch(c->ex, fds, net, now);
		if (c->ended)
			break;
		if (sig >= 0 && fds[sig].revents)
			cmd_exec_read_signals(c);
		if (in >= 0 && fds[in].revents)
			cmd_exec_read_stdin(c);
		if (out >= 0 && fds[out].revents && !cmd_exec_write(c)) {
			strbuf_reset(&c->out);
			exec_close(c->ex); /* nobody reads the output any more */
		}
	}
}

/* What is left of the output, bounded: stdout may be a pipe nobody drains. */
static void
cmd_exec_drain(struct cmd_exec *c)
{
	int64_t deadline = clock_mono_ms() + CMD_EXEC_DRAIN_MS;

	while (c->out.len > 0) {
		struct pollfd pfd = { .fd = STDOUT_FILENO, .events = POLLOUT };
		int64_t left = deadline - clock_mono_ms();

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0 || !cmd_exec_write(c))
			break;
	}
}

/* Parses options and operands; -1 to go on, else the exit status. */
static int
cmd_exec_parse(int argc, char **argv, struct session_opts *so, const char **wf, const char **task,
               char **command)
{
	enum { OPT_URL = 256, OPT_USER, OPT_LOCAL };
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, OPT_URL },
		{ "user", required_argument, NULL, OPT_USER },
		{ "local", no_argument, NULL, OPT_LOCAL },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct strbuf sb = { 0 };
	int ch;

	optind = 1;
	/* '+': stop at WORKFLOW_ID, so the command's own options are never ours. */
	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (ch == OPT_URL) {
			so->url = optarg;
		} else if (ch == OPT_USER) {
			so->user = optarg;
		} else if (ch == OPT_LOCAL) {
			so->local = true;
		} else if (ch == 'h') {
			cmd_exec_usage(stdout);
			return 0;
		} else {
			cmd_exec_usage(stderr);
			return 2;
		}
	}
	if (argc - optind < 2 || (argc - optind > 2 && strcmp(argv[optind + 2], "--") != 0) ||
	    argc - optind == 3) {
		fprintf(stderr, "osmotop: usage: osmotop exec [options] WORKFLOW_ID TASK "
		                "[-- COMMAND [ARG...]]\n");
		return 2;
	}
	if (so->local && so->url) {
		fprintf(stderr, "osmotop: --local and --url name different services; pick one\n");
		return 2;
	}
	*wf = argv[optind];
	*task = argv[optind + 1];
	for (int i = optind + 3; i < argc; i++) {
		if (sb.len)
			strbuf_addch(&sb, ' ');
		cmd_exec_quote(&sb, argv[i]);
	}
	*command = sb.len ? strbuf_detach(&sb) : NULL;
	return -1;
}

int
cmd_exec_main(int argc, char **argv)
{
	/* Window changes and termination. */
	static const int sigs[] = { SIGWINCH, SIGTERM, SIGHUP, SIGINT };
	struct cmd_exec c = { .signal_fd = -1, .stdin_open = true };
	struct session_opts so = { 0 };
	const char *wf = NULL, *task = NULL;
	char *command = NULL;
	struct exec_opts eo = { 0 };
	int rc = cmd_exec_parse(argc, argv, &so, &wf, &task, &command);

	if (rc >= 0)
		return rc;
	if (session_start(&c.s, &so) < 0) {
		free(command);
		return 2;
	}
	c.tty = isatty(STDIN_FILENO);
	c.signal_fd = session_signals(sigs, ARRAY_SIZE(sigs));
	eo = (struct exec_opts){
		.workflow = wf,
		.task = task,
		.entry_command = command,
		.cb = { .output = cmd_exec_output, .ended = cmd_exec_ended, .ctx = &c },
	};
	if (c.tty) {
		cmd_exec_size(&eo.rows, &eo.cols);
		cmd_exec_raw(&c);
	}
	c.ex = exec_start(c.s.api, c.s.http, &eo);
	cmd_exec_loop(&c);
	cmd_exec_drain(&c);
	cmd_exec_restore(&c);
	if (!c.ended) {
		api_error_set(&c.end.err, API_ERR_TRANSPORT, "the poll loop failed: %s",
		              strerror(errno));
	}
	if (!c.ended || !c.end.clean) {
		if (c.end.err.kind == API_OK)
			api_error_set(&c.end.err, API_ERR_TRANSPORT,
			              "the session ended abnormally");
		/* The task's output may have left the cursor mid-line. */
		fprintf(stderr, "%sosmotop: exec %s %s: %s\n", c.tty ? "\r\n" : "", wf, task,
		        c.end.err.message);
		rc = session_exit_status(c.end.err.kind);
	} else {
		rc = 0;
	}
	exec_free(c.ex);
	strbuf_free(&c.out);
	session_close(&c.s);
	if (c.signal_fd >= 0)
		close(c.signal_fd);
	free(command);
	return rc;
}
