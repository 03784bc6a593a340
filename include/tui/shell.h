/* shell.h: the monitor's terminal lent to an exec session in a task (raw keys and output through). */
#ifndef OSMO_TUI_SHELL_H
#define OSMO_TUI_SHELL_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "client/api.h"
#include "client/http.h"

#define SHELL_ABORT_KEY 0x03 /* Ctrl-C: before the task answers, it returns to the monitor */

struct shell;

/*
 * Puts the terminal (already lent out by the caller) in raw mode and starts bash, else sh, in
 * the task, reconnecting as `osmotop exec --keep-alive` does. api and http are borrowed.
 */
struct shell *shell_start(struct api *api, struct http *http, const char *workflow,
                          const char *task);
/* Gives the terminal's mode back and frees; the session, if any, is dropped. */
void shell_free(struct shell *sh);

/* The session's socket, the terminal's keys and its pending output; returns how many. */
int shell_pollfds(struct shell *sh, struct pollfd *fds, int max);
int shell_timeout_ms(const struct shell *sh, int64_t now_ms);
/* Moves keys, output and window size; fds as shell_pollfds filled them. */
void shell_dispatch(struct shell *sh, const struct pollfd *fds, int n, int64_t now_ms);
/* The three above as a loop source: loop_add_source(loop, &shell_source, sh). */
extern const struct loop_source shell_source;
/*
 * True once the session ended and its output is written: the terminal can go back. Then
 * *message says how it ended (the caller frees it) and *error whether that was a failure.
 */
bool shell_done(struct shell *sh, char **message, bool *error);

#endif
