/* screen.h: the terminal (the only curses user): open, draw a canvas's changed cells, read keys. */
#ifndef OSMO_TUI_SCREEN_H
#define OSMO_TUI_SCREEN_H

#include <stdbool.h>

#include "tui/canvas.h"

/* Keys beyond bytes, as screen_key() returns them (curses codes stay inside screen.c). */
/* clang-format off */
#define SCREEN_KEYS(_) \
	_(UP) _(DOWN) _(LEFT) _(RIGHT) _(PGUP) _(PGDN) _(HOME) _(END) \
	_(ENTER) _(BACKSPACE) _(DELETE) _(BTAB) _(ESC) _(RESIZE) _(F1) _(F5) _(F10)
/* clang-format on */

enum screen_key {
	SCREEN_KEY_NONE = -1,
	SCREEN_KEY_BASE = 0x110000, /* above every Unicode code point */
#define SCREEN_KEY_ENUM(name) SCREEN_KEY_##name,
	SCREEN_KEYS(SCREEN_KEY_ENUM)
#undef SCREEN_KEY_ENUM
};

#define SCREEN_CTRL(c) ((c)&0x1f)

struct screen;

struct theme;

/*
 * Takes over the terminal (alternate screen, raw keys, no echo) with the theme's looks
 * (its colours only when color); NULL if it is not one.
 */
struct screen *screen_open(bool color, const struct theme *theme);
/* Gives the terminal back as it was. */
void screen_close(struct screen *s);
/* Lends the terminal out (its normal screen and modes) until screen_resume redraws it all. */
void screen_suspend(struct screen *s);
void screen_resume(struct screen *s);
/* Ctrl-z: gives the terminal back, stops the job until fg, then redraws everything. */
void screen_stop(struct screen *s);
void screen_size(const struct screen *s, int *rows, int *cols);
/* Writes the cells of c that differ from what the terminal shows, then flushes. */
void screen_draw(struct screen *s, const struct canvas *c);
/* The next key if one is waiting (never blocks), else SCREEN_KEY_NONE. */
int screen_key(struct screen *s);
/*
 * Tells the terminal of something while the user may look elsewhere: the bell, and a desktop
 * notification as OSC 9 and/or OSC 777 (passed through tmux); untrusted text is made safe.
 */
void screen_alert(struct screen *s, bool bell, const char *title, const char *body, bool osc9,
                  bool osc777);
/* Sets the terminal's title (OSC 2) when it differs; screen_close puts the old one back. */
void screen_title(struct screen *s, const char *title);
/* The descriptor to poll for keys. */
int screen_fd(const struct screen *s);

#endif
