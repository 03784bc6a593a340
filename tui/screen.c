/* screen.c: the terminal (the only curses user): open, draw a canvas's changed cells, read keys. */
#include "tui/screen.h"

#include <curses.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include "common/util.h"
#include "tui/text.h"

struct screen {
	SCREEN *term;
	bool color;
	struct canvas shown; /* what the terminal holds now */
	bool full;           /* redraw every cell next time (after a resize) */
};

/*
 * Foreground colour and attributes per style (-1 is the terminal's default), and the
 * attributes alone without colour (NO_COLOR, --no-color): what needs a look still stands out,
 * a failure most of all, and a group that only followed another's failure less.
 */
static const struct screen_look {
	short fg;
	attr_t attr;
	attr_t mono;
} screen_looks[STYLE_COUNT] = {
	[STYLE_NORMAL] = { -1, A_NORMAL, A_NORMAL },
	[STYLE_DIM] = { -1, A_DIM, A_DIM },
	[STYLE_TITLE] = { -1, A_BOLD, A_BOLD },
	[STYLE_HEADER] = { -1, A_BOLD | A_UNDERLINE, A_BOLD | A_UNDERLINE },
	[STYLE_SELECTED] = { -1, A_REVERSE, A_REVERSE },
	[STYLE_LABEL] = { COLOR_CYAN, A_NORMAL, A_NORMAL },
	[STYLE_LEAD] = { COLOR_YELLOW, A_BOLD, A_BOLD },
	[STYLE_ERROR] = { COLOR_RED, A_BOLD, A_BOLD | A_UNDERLINE },
	[STYLE_WARN] = { COLOR_YELLOW, A_NORMAL, A_UNDERLINE },
	[STYLE_STATUS_QUEUED] = { -1, A_DIM, A_DIM },
	[STYLE_STATUS_STARTING] = { COLOR_CYAN, A_NORMAL, A_NORMAL },
	[STYLE_STATUS_RUNNING] = { COLOR_BLUE, A_BOLD, A_BOLD },
	[STYLE_STATUS_DONE] = { COLOR_GREEN, A_NORMAL, A_NORMAL },
	[STYLE_STATUS_FAILED] = { COLOR_RED, A_BOLD, A_BOLD | A_UNDERLINE },
	[STYLE_STATUS_CANCELED] = { COLOR_MAGENTA, A_NORMAL, A_UNDERLINE },
	[STYLE_STATUS_UPSTREAM] = { COLOR_RED, A_DIM, A_UNDERLINE | A_DIM },
	[STYLE_STATUS_UNKNOWN] = { -1, A_NORMAL, A_NORMAL },
	/* The tasks of a merged log, told apart; no red, which means failure here. */
	[STYLE_TASK_1] = { COLOR_CYAN, A_NORMAL, A_NORMAL },
	[STYLE_TASK_2] = { COLOR_MAGENTA, A_NORMAL, A_BOLD },
	[STYLE_TASK_3] = { COLOR_YELLOW, A_NORMAL, A_NORMAL },
	[STYLE_TASK_4] = { COLOR_GREEN, A_NORMAL, A_BOLD },
	[STYLE_TASK_5] = { COLOR_BLUE, A_BOLD, A_NORMAL },
};

/* Curses key codes and what they mean here. */
static const struct screen_keycode {
	int curses;
	int key;
} screen_keycodes[] = {
	{ KEY_UP, SCREEN_KEY_UP },         { KEY_DOWN, SCREEN_KEY_DOWN },
	{ KEY_LEFT, SCREEN_KEY_LEFT },     { KEY_RIGHT, SCREEN_KEY_RIGHT },
	{ KEY_PPAGE, SCREEN_KEY_PGUP },    { KEY_NPAGE, SCREEN_KEY_PGDN },
	{ KEY_HOME, SCREEN_KEY_HOME },     { KEY_END, SCREEN_KEY_END },
	{ KEY_ENTER, SCREEN_KEY_ENTER },   { KEY_BACKSPACE, SCREEN_KEY_BACKSPACE },
	{ KEY_RESIZE, SCREEN_KEY_RESIZE }, { KEY_F(5), SCREEN_KEY_F5 },
	{ KEY_F(1), SCREEN_KEY_F1 },       { KEY_F(10), SCREEN_KEY_F10 },
	{ KEY_DC, SCREEN_KEY_DELETE },     { KEY_BTAB, SCREEN_KEY_BTAB },
};

struct screen *
screen_open(bool color)
{
	struct screen *s;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return NULL;
	text_locale();
	s = xcalloc(1, sizeof(*s));
	s->term = newterm(NULL, stdout, stdin);
	if (!s->term) {
		free(s);
		return NULL;
	}
	set_term(s->term);
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	/* Mouse reporting stays off: selecting text with the mouse keeps working over SSH. */
	s->color = color && has_colors();
	if (s->color) {
		start_color();
		use_default_colors();
		for (int i = 0; i < STYLE_COUNT; i++)
			init_pair((short)(i + 1), screen_looks[i].fg, -1);
	}
	s->full = true;
	return s;
}

void
screen_close(struct screen *s)
{
	if (!s)
		return;
	endwin();
	delscreen(s->term);
	canvas_free(&s->shown);
	free(s);
}

void
screen_suspend(struct screen *s)
{
	endwin();
	s->full = true;
}

void
screen_resume(struct screen *s)
{
	/* Whatever ran meanwhile may have left anything on the terminal: draw every cell. */
	s->full = true;
	reset_prog_mode();
	refresh();
}

void
screen_stop(struct screen *s)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL }, old;

	screen_suspend(s);
	fflush(stdout);
	/* As a shell's Ctrl-z does: the whole job stops, and SIGCONT (fg) lets this return. */
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGTSTP, &dfl, &old);
	kill(0, SIGTSTP);
	sigaction(SIGTSTP, &old, NULL);
	screen_resume(s);
}

void
screen_size(const struct screen *s, int *rows, int *cols)
{
	(void)s;
	getmaxyx(stdscr, *rows, *cols);
}

static void
screen_put(struct screen *s, int row, int col, const struct cell *cell)
{
	wchar_t wc[2] = { (wchar_t)(cell->ch ? cell->ch : ' '), 0 };
	const struct screen_look *look = &screen_looks[cell->style < STYLE_COUNT ? cell->style : 0];
	attr_t attr = s->color ? look->attr : look->mono;
	cchar_t cc;

	setcchar(&cc, wc, attr, s->color ? (short)(cell->style + 1) : 0, NULL);
	mvadd_wch(row, col, &cc);
}

void
screen_draw(struct screen *s, const struct canvas *c)
{
	bool resized = s->shown.rows != c->rows || s->shown.cols != c->cols;

	if (resized || s->full) {
		canvas_free(&s->shown);
		canvas_init(&s->shown, c->rows, c->cols);
		clearok(curscr, TRUE);
		s->full = true;
	}
	for (int r = 0; r < c->rows; r++) {
		for (int col = 0; col < c->cols; col++) {
			const struct cell *want = canvas_at(c, r, col);
			struct cell *have = &s->shown.cells[r * c->cols + col];

			if (!s->full && memcmp(want, have, sizeof(*want)) == 0)
				continue;
			*have = *want;
			if (!(want->flags & CELL_WIDE_RIGHT))
				screen_put(s, r, col, want);
		}
	}
	s->full = false;
	refresh();
}

int
screen_key(struct screen *s)
{
	wint_t wch;
	int rc = get_wch(&wch);

	if (rc == ERR)
		return SCREEN_KEY_NONE;
	if (rc == KEY_CODE_YES) {
		if (wch == KEY_RESIZE)
			s->full = true;
		for (size_t i = 0; i < ARRAY_SIZE(screen_keycodes); i++)
			if (screen_keycodes[i].curses == (int)wch)
				return screen_keycodes[i].key;
		return SCREEN_KEY_NONE;
	}
	if (wch == '\r' || wch == '\n')
		return SCREEN_KEY_ENTER;
	if (wch == 27)
		return SCREEN_KEY_ESC;
	if (wch == 127 || wch == 8)
		return SCREEN_KEY_BACKSPACE;
	return (int)wch;
}

int
screen_fd(const struct screen *s)
{
	(void)s;
	return STDIN_FILENO;
}
