/* shell.c: the monitor's terminal lent to an exec session in a task (raw keys and output through). */
#include "tui/shell.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "client/exec.h"
#include "tui/tty.h"

#define SHELL_QUEUE_MAX (1u << 20)   /* stop reading keys while this much waits to be sent */
#define SHELL_DRAIN_MS  2000         /* output still unwritten when the session ended */
#define SHELL_OUT_HIGH  (256u << 10) /* stop reading the task above this much unwritten */
/* Modes a remote program may leave on (bracketed paste, mouse reports, its alternate screen,
 * colours) that would turn the monitor's keys into sequences once it has the terminal back. */
#define SHELL_RESET "\033[?2004l\033[?1000l\033[?1002l\033[?1003l\033[?1006l\033[?1049l\033[0m"

struct shell {
	struct exec_session *ex;
	char *task; /* for the message shell_done gives */
	struct termios saved;
	bool raw;
	int rows, cols;
	struct strbuf out;          /* for the terminal */
	int key_fd, out_fd, ws_fds; /* where shell_pollfds put them (-1: not asked) */
	bool keys_gone;             /* the terminal hung up: nothing more to read */
	bool paused;                /* the task's output waits for the terminal to drain */
	bool ended;
	struct exec_end end;
	int64_t drain_until;
};

static void
shell_output(void *ctx, const unsigned char *data, size_t n)
{
	struct shell *sh = ctx;

	strbuf_add(&sh->out, data, n);
	/* A terminal slower than the task (cat of a big file over SSH): read no further ahead. */
	if (!sh->paused && sh->out.len > SHELL_OUT_HIGH) {
		sh->paused = true;
		exec_pause(sh->ex, true);
	}
}

static void
shell_reconnecting(void *ctx, const struct exec_end *why, int delay_ms)
{
	struct shell *sh = ctx;

	/* The reason may quote the server, but api_error_set left no control byte in it. */
	strbuf_addf(&sh->out,
	            "\r\nosmotop: %s; a new session in %d s (Ctrl-C: back to osmotop)\r\n",
	            why->err.message, delay_ms / 1000);
}

static void
shell_ended(void *ctx, const struct exec_end *end)
{
	struct shell *sh = ctx;

	sh->end = *end;
	sh->ended = true;
	sh->drain_until = clock_mono_ms() + SHELL_DRAIN_MS;
}

struct shell *
shell_start(struct api *api, struct http *http, const char *workflow, const char *task)
{
	struct shell *sh = xcalloc(1, sizeof(*sh));
	struct exec_opts eo = {
		.workflow = workflow,
		.task = task,
		.keep_alive = true,
		.cb = { .output = shell_output,
		        .reconnecting = shell_reconnecting,
		        .ended = shell_ended,
		        .ctx = sh },
	};

	sh->task = xstrdup(task);
	sh->key_fd = sh->out_fd = -1;
	sh->raw = tty_raw(STDIN_FILENO, &sh->saved);
	tty_size(STDOUT_FILENO, &sh->rows, &sh->cols);
	eo.rows = sh->rows;
	eo.cols = sh->cols;
	char w[128], t[128];

	/* Names come from the service too. */
	util_printable(w, sizeof(w), workflow, strlen(workflow));
	util_printable(t, sizeof(t), task, strlen(task));
	strbuf_addf(&sh->out,
	            "osmotop: opening a shell in %s/%s (Ctrl-C before it answers: back)\r\n", w, t);
	sh->ex = exec_start(api, http, &eo);
	return sh;
}

void
shell_free(struct shell *sh)
{
	if (!sh)
		return;
	exec_free(sh->ex);
	if (sh->raw) {
		/* Best effort: a terminal that takes nothing now has nothing to reset either. */
		ssize_t w = write(STDOUT_FILENO, SHELL_RESET, sizeof(SHELL_RESET) - 1);

		(void)w;
		tty_restore(STDIN_FILENO, &sh->saved);
	}
	strbuf_free(&sh->out);
	free(sh->task);
	free(sh);
}

int
shell_pollfds(struct shell *sh, struct pollfd *fds, int max)
{
	int n = sh->ended ? 0 : exec_pollfds(sh->ex, fds, max - 2);

	sh->ws_fds = n;
	sh->key_fd = sh->out_fd = -1;
	if (!sh->ended && !sh->keys_gone && exec_queued(sh->ex) < SHELL_QUEUE_MAX && n < max) {
		sh->key_fd = n;
		fds[n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
	}
	if (sh->out.len > 0 && n < max) {
		sh->out_fd = n;
		fds[n++] = (struct pollfd){ .fd = STDOUT_FILENO, .events = POLLOUT };
	}
	return n;
}

int
shell_timeout_ms(const struct shell *sh, int64_t now_ms)
{
	if (sh->ended) {
		int64_t left = sh->drain_until - now_ms;

		return sh->out.len == 0 || left <= 0 ? 0 : (int)left;
	}
	return exec_timeout_ms(sh->ex, now_ms);
}

static void
shell_keys(struct shell *sh)
{
	unsigned char buf[EXEC_INPUT_MAX];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
		/* The terminal hung up: polling it again would only spin. */
		sh->keys_gone = true;
		exec_close(sh->ex);
		return;
	}
	if (n < 0)
		return;
	/* Until the task answers keys are only held, so Ctrl-C can mean "never mind". */
	if (!exec_connected(sh->ex) && memchr(buf, SHELL_ABORT_KEY, (size_t)n)) {
		exec_close(sh->ex);
		return;
	}
	exec_input(sh->ex, buf, (size_t)n);
}

static void
shell_write(struct shell *sh)
{
	if (!tty_write(STDOUT_FILENO, &sh->out))
		strbuf_reset(&sh->out); /* the terminal is gone; nothing to keep it for */
	if (sh->paused && sh->out.len <= SHELL_OUT_HIGH / 2) {
		sh->paused = false;
		exec_pause(sh->ex, false);
	}
}

LOOP_SOURCE_DEFINE(shell_source, struct shell, shell);

void
shell_dispatch(struct shell *sh, const struct pollfd *fds, int n, int64_t now_ms)
{
	int rows, cols;

	if (!sh->ended)
		exec_dispatch(sh->ex, fds, sh->ws_fds < n ? sh->ws_fds : n, now_ms);
	if (sh->key_fd >= 0 && sh->key_fd < n && fds[sh->key_fd].revents && !sh->ended)
		shell_keys(sh);
	if (sh->out_fd >= 0 && sh->out_fd < n && fds[sh->out_fd].revents)
		shell_write(sh);
	/* A window change interrupts poll; the size is simply looked at every round. */
	if (!sh->ended && tty_size(STDOUT_FILENO, &rows, &cols) &&
	    (rows != sh->rows || cols != sh->cols)) {
		sh->rows = rows;
		sh->cols = cols;
		exec_resize(sh->ex, rows, cols);
	}
}

bool
shell_done(struct shell *sh, char **message, bool *error)
{
	if (!sh->ended || (sh->out.len > 0 && clock_mono_ms() < sh->drain_until))
		return false;
	*error = !sh->end.clean;
	if (sh->end.clean)
		*message = xasprintf("the shell in %s closed", sh->task);
	else if (sh->end.err.kind == API_ERR_CANCELLED)
		*message = xasprintf("no shell opened in %s: cancelled", sh->task);
	else
		*message = xasprintf("shell in %s: %s", sh->task, sh->end.err.message);
	return true;
}
