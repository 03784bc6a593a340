/* exec.h: one interactive exec session on a task (PROTOCOLS.md §1), a loop source. */
#ifndef OSMO_CLIENT_EXEC_H
#define OSMO_CLIENT_EXEC_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/api.h"
#include "client/api_error.h"
#include "client/http.h"

#define EXEC_DEFAULT_COMMAND  "bash"
#define EXEC_FALLBACK_COMMAND "sh"
#define EXEC_INPUT_MAX        4096  /* bytes per keyboard message, as the CLI sends */
#define EXEC_KEEP_ALIVE_MS    10000 /* keep-alive's wait before a new session, as the CLI sleeps */

/* How a session ended. */
struct exec_end {
	bool clean;           /* closed with 1000/1001/1005 after the task connected */
	int code;             /* the close code; 0 when no WebSocket opened */
	struct api_error err; /* API_OK when clean, else why (HTTP status of the start call kept) */
};

struct exec_callbacks {
	/* Raw pty output (CRLF line ends, escapes as the remote program wrote them). */
	void (*output)(void *ctx, const unsigned char *data, size_t n);
	/*
	 * Keep-alive only (may be NULL): the session broke for why; a new one (a new process on
	 * the task side, not a resume) starts in delay_ms. From exec_dispatch; exec_close and
	 * exec_free are allowed here.
	 */
	void (*reconnecting)(void *ctx, const struct exec_end *why, int delay_ms);
	/* Called once, last, from exec_dispatch; exec_free is allowed here. */
	void (*ended)(void *ctx, const struct exec_end *end);
	void *ctx;
};

struct exec_opts {
	const char *workflow;
	const char *task;
	/*
	 * Split shlex-style on the task side and run under a pty without a shell. NULL means
	 * EXEC_DEFAULT_COMMAND, and then, when that session closes cleanly before any output
	 * (the task has no bash: osmo-ctrl cannot start it), one retry with EXEC_FALLBACK_COMMAND.
	 */
	const char *entry_command;
	int rows, cols; /* the first message; <= 0: 24x80 */
	/*
	 * The CLI's --keep-alive (PROTOCOLS.md §1.4): after an abnormal close (any code but
	 * 1000/1001/1005), a WebSocket connect failure, or a 5xx from the start call, wait and
	 * start a new session; keys typed meanwhile are dropped. A normal close, a 4xx or
	 * exec_close ends it through ended.
	 */
	bool keep_alive;
	int keep_alive_ms; /* that wait; <= 0: EXEC_KEEP_ALIVE_MS (tests shorten it) */
	struct exec_callbacks cb;
};

struct exec_session;

/* Starts the POST; api and http are borrowed, and http_source must be on the caller's loop. */
struct exec_session *exec_start(struct api *api, struct http *http, const struct exec_opts *o);
/*
 * A session on a target an earlier start call returned (a group's task: client/exec_group.c):
 * no POST, so o->entry_command is not used, and no fallback or keep-alive, since the key is
 * good for one connection.
 */
struct exec_session *exec_start_target(struct api *api, struct http *http,
                                       const struct exec_opts *o,
                                       const struct osmo_router_target *t);
/* Aborts whatever is in flight without calling ended; safe inside the callbacks. */
void exec_free(struct exec_session *e);

/*
 * The WebSocket's descriptor once connected (0 or 1); while connecting http_pollfds has it,
 * and while keep-alive waits there is none (exec_timeout_ms has the wait).
 */
int exec_pollfds(const struct exec_session *e, struct pollfd *fds, int max);
/* Milliseconds until exec_dispatch has work (0: an end or a reconnect to report), or -1. */
int exec_timeout_ms(const struct exec_session *e, int64_t now_ms);
/* Does the socket I/O fds allow and reports output and the end; callbacks run from here. */
void exec_dispatch(struct exec_session *e, const struct pollfd *fds, int n, int64_t now_ms);
/* The three above as a loop source: loop_add_source(loop, &exec_source, e). */
extern const struct loop_source exec_source;

/*
 * Keyboard bytes (copied): held until the first output, then sent in <= 4096-byte messages;
 * dropped while keep-alive waits to reconnect.
 */
void exec_input(struct exec_session *e, const void *data, size_t n);
/* A new terminal size: "\0RESIZE:{...}" once the first output arrived (the latest one wins). */
void exec_resize(struct exec_session *e, int rows, int cols);
/* Stops (or resumes) reading the task's output, for a caller whose own output is full. */
void exec_pause(struct exec_session *e, bool paused);
/* Bytes held or queued on the socket, for the caller's backpressure on its input. */
size_t exec_queued(const struct exec_session *e);
/* Ends the session from this side (close 1000); ended follows. */
void exec_close(struct exec_session *e);
/* True once the first output arrived: the task side runs the command. */
bool exec_connected(const struct exec_session *e);

#endif
