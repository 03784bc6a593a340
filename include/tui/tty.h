/* tty.h: the terminal without curses: raw mode for passthrough, its size, paced writes. */
#ifndef OSMO_TUI_TTY_H
#define OSMO_TUI_TTY_H

#include <stdbool.h>
#include <termios.h>

#include "common/util.h"

/* Per POLLOUT: a pipe with room takes it without blocking, a slow terminal blocks only briefly. */
#define TTY_WRITE_MAX 4096

/* Raw mode as cfmakeraw sets it (Ctrl-C travels as a byte); saved gets the mode to restore. */
bool tty_raw(int fd, struct termios *saved);
void tty_restore(int fd, const struct termios *saved);
/* The window's size; false (and 0x0) when fd is no terminal. */
bool tty_size(int fd, int *rows, int *cols);
/* One write of at most TTY_WRITE_MAX bytes of out to fd, dropped from out; false when fd is gone. */
bool tty_write(int fd, struct strbuf *out);

#endif
