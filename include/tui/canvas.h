/* canvas.h: an off-screen grid of cells with semantic styles; views draw here, not in curses. */
#ifndef OSMO_TUI_CANVAS_H
#define OSMO_TUI_CANVAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* id, letter used by canvas_to_styles() in golden files */
#define STYLE_LIST(_)           \
	_(NORMAL, '.')          \
	_(DIM, 'd')             \
	_(TITLE, 'T')           \
	_(HEADER, 'H')          \
	_(SELECTED, 'S')        \
	_(LABEL, 'l')           \
	_(LEAD, 'L')            \
	_(ERROR, 'E')           \
	_(WARN, 'W')            \
	_(STATUS_QUEUED, 'q')   \
	_(STATUS_STARTING, 's') \
	_(STATUS_RUNNING, 'r')  \
	_(STATUS_DONE, 'c')     \
	_(STATUS_FAILED, 'f')   \
	_(STATUS_CANCELED, 'x') \
	_(STATUS_UPSTREAM, 'p') \
	_(STATUS_UNKNOWN, 'u')  \
	_(TASK_1, '1')          \
	_(TASK_2, '2')          \
	_(TASK_3, '3')          \
	_(TASK_4, '4')          \
	_(TASK_5, '5')

enum style {
#define STYLE_ENUM(id, letter) STYLE_##id,
	STYLE_LIST(STYLE_ENUM)
#undef STYLE_ENUM
	        STYLE_COUNT
};

#define CELL_WIDE_RIGHT 1 /* the right half of a wide character: draw nothing */

struct cell {
	uint32_t ch;
	uint8_t style;
	uint8_t flags;
};

struct canvas {
	int rows, cols;
	struct cell *cells;
};

void canvas_init(struct canvas *c, int rows, int cols);
void canvas_free(struct canvas *c);
void canvas_clear(struct canvas *c);
const struct cell *canvas_at(const struct canvas *c, int row, int col);
/*
 * Writes UTF-8 text at row/col in at most max_cols columns. Control characters are shown
 * as U+FFFD, never stored; zero-width ones (combining marks, bidi controls) take no cell.
 * With ellipsis, text that does not fit ends in "…".
 * Returns the columns used; never writes outside the canvas.
 */
int canvas_text(struct canvas *c, int row, int col, int max_cols, enum style style, const char *s);
int canvas_text_ellipsis(struct canvas *c, int row, int col, int max_cols, enum style style,
                         const char *s);
/*
 * s in width columns from row/col, wrapped at spaces (text_wrap), in at most max rows; the last
 * ends in "…" when text is left. Returns the rows it took; with c NULL, draws nothing and
 * counts them.
 */
int canvas_text_wrap(struct canvas *c, int row, int col, int width, int max, enum style style,
                     const char *s);
void canvas_fill(struct canvas *c, int row, int col, int n, uint32_t ch, enum style style);
/* Sets the style of n cells without changing their characters. */
void canvas_style(struct canvas *c, int row, int col, int n, enum style style);
/* A table's column. */
struct canvas_col {
	const char *title;
	int width; /* 0: computed by the view, or (canvas_fit) what the others leave */
	int drop;  /* canvas_fit: narrow rows give this column up, 1 first, then 2...; 0 never */
};

/*
 * Text (NULL: none) in a column width wide at col, with an ellipsis when cut; nothing when
 * width < 0 (a dropped column). Returns where the next column starts.
 */
int canvas_column(struct canvas *c, int row, int col, int width, enum style style, const char *s);
/* The titles of n columns (widths w) as a STYLE_HEADER row. */
void canvas_header(struct canvas *c, int row, const struct canvas_col *cols, size_t n,
                   const int *w);
/*
 * Widths of n columns in a row of total cells: each its own, the width-0 one what the others
 * leave; while that is under want the drop columns give theirs up (-1); it gets at least min.
 */
void canvas_fit(const struct canvas_col *cols, size_t n, int total, int want, int min, int *w);

/* The canvas as text, one line per row, trailing spaces trimmed; caller frees. */
char *canvas_to_text(const struct canvas *c);
/* --ascii, or a terminal whose locale is not UTF-8: every cell made ASCII, glyphs by their
 * look (· -, … ~, → >, box lines - | +), anything else '?'. */
void canvas_ascii(struct canvas *c);
/* The styles as one letter per cell (STYLE_LIST), one line per row; caller frees. */
char *canvas_to_styles(const struct canvas *c);

#endif
