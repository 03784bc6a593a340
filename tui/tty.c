/* tty.c: the terminal without curses: raw mode for passthrough, its size, paced writes. */
#define _DEFAULT_SOURCE /* TIOCGWINSZ, struct winsize */
#include "tui/tty.h"

#include <errno.h>
#include <sys/ioctl.h>
#include <unistd.h>

bool
tty_raw(int fd, struct termios *saved)
{
	struct termios t;

	if (tcgetattr(fd, saved) < 0)
		return false;
	t = *saved;
	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t.c_oflag &= ~(tcflag_t)OPOST;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	t.c_cflag |= CS8;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	/* TCSANOW: typeahead is kept for the remote side. */
	return tcsetattr(fd, TCSANOW, &t) == 0;
}

void
tty_restore(int fd, const struct termios *saved)
{
	tcsetattr(fd, TCSADRAIN, saved);
}

bool
tty_size(int fd, int *rows, int *cols)
{
	struct winsize ws = { 0 };

	*rows = *cols = 0;
	if (ioctl(fd, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0 || ws.ws_col == 0)
		return false;
	*rows = ws.ws_row;
	*cols = ws.ws_col;
	return true;
}

bool
tty_write(int fd, struct strbuf *out)
{
	ssize_t w = write(fd, out->buf, out->len < TTY_WRITE_MAX ? out->len : TTY_WRITE_MAX);

	if (w > 0)
		strbuf_consume(out, (size_t)w);
	return w >= 0 || errno == EINTR || errno == EAGAIN;
}
