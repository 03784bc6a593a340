/* tty.h: the controlling terminal without curses: raw mode for passthrough, and its size. */
#ifndef OSMO_TTY_H
#define OSMO_TTY_H

#include <stdbool.h>
#include <termios.h>

/* Raw mode as cfmakeraw sets it (Ctrl-C travels as a byte); saved gets the mode to restore. */
bool tty_raw(int fd, struct termios *saved);
void tty_restore(int fd, const struct termios *saved);
/* The window's size; false (and 0x0) when fd is no terminal. */
bool tty_size(int fd, int *rows, int *cols);

#endif
