/* exec_group.h: one command on every running task of a group (PROTOCOLS.md §1.5), line by line. */
#ifndef OSMO_CLIENT_EXEC_GROUP_H
#define OSMO_CLIENT_EXEC_GROUP_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "client/api.h"
#include "client/api_error.h"
#include "client/exec.h"
#include "client/http.h"

#define EXEC_GROUP_LINE_MAX 4096 /* longer lines are cut (never inside a UTF-8 sequence) */

struct exec_group_callbacks {
	/*
	 * One line of a task's output without its "\r\n" (every '\r' is dropped); a partial last
	 * line comes when the task's socket closes. Untrusted text, unsanitised, and a NUL in the
	 * output ends the line early. Valid during the call.
	 */
	void (*line)(void *ctx, const char *task, const char *line);
	/* A task's socket closed; end as exec's (clean: closed normally after output). */
	void (*task_ended)(void *ctx, const char *task, const struct exec_end *end);
	/*
	 * Once, last, when every socket closed: err is NULL when the start call succeeded (the
	 * tasks' ends came through task_ended), else why it failed (425: nothing runs yet).
	 * exec_group_free is allowed here.
	 */
	void (*ended)(void *ctx, const struct api_error *err);
	void *ctx;
};

struct exec_group_opts {
	const char *workflow;
	const char *group;
	const char *command; /* required; exec_group_interactive() says which the CLI refuses */
	int rows, cols;      /* the size message every task gets first; <= 0: 24x80 */
	struct exec_group_callbacks cb;
};

struct exec_group;

/* Starts the group call; api and http are borrowed, and the caller drives http's poll too. */
struct exec_group *exec_group_start(struct api *api, struct http *http,
                                    const struct exec_group_opts *o);
/* Drops every socket and call without calling back; safe inside the callbacks. */
void exec_group_free(struct exec_group *g);

/* Every task's WebSocket descriptor (one each once connected); fewer when max is reached. */
int exec_group_pollfds(const struct exec_group *g, struct pollfd *fds, int max);
/* Milliseconds until exec_group_dispatch has work (0: something to report), or -1. */
int exec_group_timeout_ms(const struct exec_group *g, int64_t now_ms);
/* Does the sockets' I/O and reports lines and ends; callbacks run from here. */
void exec_group_dispatch(struct exec_group *g, const struct pollfd *fds, int n, int64_t now_ms);
/* The three above as a loop source: loop_add_source(loop, &exec_group_source, g). */
extern const struct loop_source exec_group_source;
/* Ends every task's session from this side (close 1000); the ends follow. */
void exec_group_close(struct exec_group *g);

/*
 * Whether command would wait for a terminal's input, which a group exec never sends: its first
 * word (split shell-style, as the task side does) has a basename ending in bash, sh, zsh,
 * fish, tcsh, csh or ksh (the CLI's list), and no later word makes that shell run something
 * and exit: a "-c" option (also in clusters such as -lc) or an operand (a script). So "bash",
 * "/bin/sh" and "zsh -l" are interactive; "bash -c 'echo hi'", "sh run.sh" and
 * "python train.py" are not. The CLI only checks how the whole string ends, which refuses
 * "sh run.sh" and lets "zsh -l" through.
 */
bool exec_group_interactive(const char *command);

#endif
