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
#include "tui/theme.h"

struct screen {
	SCREEN *term;
	bool color;
	attr_t attr[STYLE_COUNT]; /* per style role, with colour or without as color says */
	bool tmux;           /* inside tmux: an OSC the terminal should see is passed through */
	char *title;         /* the title last set; NULL: the terminal's own still */
	struct canvas shown; /* what the terminal holds now */
	bool full;           /* redraw every cell next time (after a resize) */
};

/* The theme's attributes and the terminal's. */
static const struct screen_attr {
	unsigned theme;
	attr_t curses;
} screen_attrs[] = {
	{ THEME_BOLD, A_BOLD },       { THEME_DIM, A_DIM },       { THEME_UNDERLINE, A_UNDERLINE },
	{ THEME_REVERSE, A_REVERSE }, { THEME_ITALIC, A_ITALIC },
};

static attr_t
screen_attr(unsigned theme)
{
	attr_t attr = A_NORMAL;

	for (size_t i = 0; i < ARRAY_SIZE(screen_attrs); i++)
		if (theme & screen_attrs[i].theme)
			attr |= screen_attrs[i].curses;
	return attr;
}

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
screen_open(bool color, const struct theme *theme)
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
		for (int i = 0; i < STYLE_COUNT; i++) {
			short fg = theme->style[i].fg;

			/* A colour the terminal lacks: its 8-colour form, else the default. */
			if (fg >= COLORS)
				fg = fg < 16 ? (short)(fg % 8) : -1;
			init_pair((short)(i + 1), fg, -1);
		}
	}
	for (int i = 0; i < STYLE_COUNT; i++)
		s->attr[i] = screen_attr(s->color ? theme->style[i].attr : theme->style[i].mono);
	s->tmux = getenv("TMUX") && *getenv("TMUX");
	s->full = true;
	return s;
}

void
screen_close(struct screen *s)
{
	if (!s)
		return;
	endwin();
	/* The title the terminal had before ours (xterm's title stack). */
	if (s->title)
		fputs("\033[23;0t", stdout);
	fflush(stdout);
	delscreen(s->term);
	canvas_free(&s->shown);
	free(s->title);
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
	unsigned style = cell->style < STYLE_COUNT ? cell->style : STYLE_NORMAL;
	cchar_t cc;

	setcchar(&cc, wc, s->attr[style], s->color ? (short)(style + 1) : 0, NULL);
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

/* Writes an OSC sequence (its text without ESC ] and BEL) for the terminal, through tmux. */
static void
screen_osc(const struct screen *s, const char *body)
{
	if (!s->tmux) {
		printf("\033]%s\007", body);
		return;
	}
	/* tmux's passthrough: DCS tmux; with each ESC of the sequence doubled. */
	printf("\033Ptmux;\033\033]%s\007\033\\", body);
}

/* text for an OSC's field: no ';' (a field separator for OSC 777), no control left. */
static char *
screen_osc_text(const char *text)
{
	char *t = utf8_one_line(text);

	for (char *p = t; *p; p++)
		if (*p == ';')
			*p = ',';
	return t;
}

void
screen_alert(struct screen *s, bool bell, const char *title, const char *body, bool osc9,
             bool osc777)
{
	char *t = screen_osc_text(title ? title : ""), *b = screen_osc_text(body ? body : "");
	char *seq;

	if (bell)
		putchar('\a');
	if (osc9 && body) {
		seq = xasprintf("9;%s: %s", t, b);
		screen_osc(s, seq);
		free(seq);
	}
	if (osc777 && body) {
		seq = xasprintf("777;notify;%s;%s", t, b);
		screen_osc(s, seq);
		free(seq);
	}
	fflush(stdout);
	free(t);
	free(b);
}

void
screen_title(struct screen *s, const char *title)
{
	char *t, *seq;

	if (s->title && strcmp(s->title, title) == 0)
		return;
	/* Keep the terminal's own, so closing can put it back. */
	if (!s->title)
		fputs("\033[22;0t", stdout);
	free(s->title);
	s->title = xstrdup(title);
	t = screen_osc_text(title);
	seq = xasprintf("2;%s", t);
	/* tmux takes a title itself (the pane's): no passthrough. */
	printf("\033]%s\007", seq);
	fflush(stdout);
	free(seq);
	free(t);
}
