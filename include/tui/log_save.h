/* log_save.h: a log view's lines to a file of the user's, or to $PAGER through a temporary one. */
#ifndef OSMO_TUI_LOG_SAVE_H
#define OSMO_TUI_LOG_SAVE_H

#include <stdbool.h>
#include <sys/types.h>

#include "client/log_tail.h"
#include "common/loop.h"
#include "tui/view_logs.h"

/*
 * Writes the lines shown (all: every line held, as it came) to path, mode 0600, through a
 * temporary file beside it: an existing path is replaced only with overwrite. Returns the
 * lines written, or -1 with *err (caller frees); errno is EEXIST when path exists.
 */
long log_save_file(struct view_logs *v, const struct log_tail *lt, bool all, const char *path,
                   bool overwrite, char **err);

/* "WF.log" or "WF-TASK.log", with anything but letters, digits, '.', '_' and '-' as '_'. */
char *log_save_default_name(const char *workflow, const char *task);
/* path with a leading "~/" made $HOME's; caller frees. */
char *log_save_expand(const char *path);

/*
 * $PAGER (split at blanks, run without a shell; less when unset) on a temporary file of the
 * lines shown, which it removes when done. The caller has lent the terminal; ended runs from
 * the loop once the pager exits. NULL with *err when it cannot start.
 */
struct log_save_pager;
struct log_save_pager *log_save_pager_start(struct loop *loop, struct view_logs *v,
                                            const struct log_tail *lt,
                                            void (*ended)(void *ctx, const char *how), void *ctx,
                                            char **err);
/* Stops a pager still running (SIGTERM), reaps it, removes its file, gives signals back. */
void log_save_pager_free(struct log_save_pager *p);

#endif
