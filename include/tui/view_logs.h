/* view_logs.h: the logs view: a window onto a log tail that follows, wraps, searches, filters. */
#ifndef OSMO_TUI_VIEW_LOGS_H
#define OSMO_TUI_VIEW_LOGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/canvas.h"
#include "client/log_tail.h"
#include "common/util.h"
#include "tui/view.h"

#define VIEW_LOGS_NONE UINT64_MAX /* no current match */

/* What view_logs_toggle() flips. */
enum view_logs_flag { VIEW_LOGS_FOLLOW, VIEW_LOGS_WRAP, VIEW_LOGS_TIMESTAMPS, VIEW_LOGS_FILTER };

/*
 * What the user controls in the logs view. Lines are named by absolute index: line a is
 * log_tail_line(lt, a - (lt->appended - lt->count)) while it is still in the ring.
 */
struct view_logs {
	bool follow;         /* stick to the bottom as lines arrive */
	bool wrap;           /* wrap long lines, else cut them and scroll sideways */
	bool timestamps;     /* show the time a line starts with (logs' and events' forms) */
	bool ended;          /* the source has ended: no line is coming, so none is awaited */
	bool yaml;           /* a spec: keys, list markers and comments in their own looks */
	bool diff;           /* a diff: "- " lines as removed, "+ " lines as added */
	bool page;           /* a page read from its top (a spec): the title tells no following */
	const char *awaited; /* what an empty view waits for: "the first log line" (static) */
	const char *empty;   /* what it says when it ended with no line (static) */
	uint64_t top;        /* first shown line, absolute: stays put as lines come and go */
	int top_row;         /* with wrap: rows of the top line scrolled past */
	int hscroll;         /* without wrap: columns cut from the left */
	char *search;        /* '/' pattern, owned; no capitals in it: case-insensitive */
	bool filter;         /* show only lines that match search */
	uint64_t match;      /* current match (n/N), absolute; VIEW_LOGS_NONE when none */

	/* Kept by the functions below; callers read them, never set them. */
	int page_rows, page_cols;       /* text area of the last render, for paging, wrapping */
	int page_width;                 /* widest line the last render showed, bounds hscroll */
	uint64_t *hits;                 /* absolute indices of matching lines, ascending */
	size_t n_hits, cap_hits;        /* (bounded by the ring's capacity) */
	uint64_t scanned;               /* lines below this absolute index are in hits */
	const struct log_tail *hits_lt; /* the ring, pattern and timestamps hits were found */
	char *hits_pattern;             /* under: a change means a new scan */
	bool hits_timestamps;
	struct strbuf text; /* one line cleaned for display */
	uint8_t *styles;    /* a style per byte of text */
	size_t cap_styles;
};

void view_logs_init(struct view_logs *v);
void view_logs_free(struct view_logs *v);

/* Moves n rows (negative: up; a page is page_rows); moving up stops following. */
void view_logs_scroll(struct view_logs *v, const struct log_tail *lt, int n);
/* Moves n pages of the last render's height. */
void view_logs_page(struct view_logs *v, const struct log_tail *lt, int n);
/* g: the oldest line held; G (bottom): the newest, following again. */
void view_logs_jump(struct view_logs *v, const struct log_tail *lt, bool bottom);
/* Moves the cut-off view sideways by n columns (ignored while wrapping). */
void view_logs_hscroll(struct view_logs *v, int n);
/* Flips a flag; follow on jumps to the bottom, off freezes where following had put us. */
void view_logs_toggle(struct view_logs *v, const struct log_tail *lt, enum view_logs_flag f);
/*
 * Sets the '/' pattern (NULL or "" clears it) and goes to the nearest match: the newest
 * while following, else the first at or after the top line. Returns false when none.
 */
bool view_logs_search(struct view_logs *v, const struct log_tail *lt, const char *pattern);
/* A raw log line as the view shows it, without styles: escapes gone, \r progress collapsed. */
char *view_logs_plain(const char *raw);
/*
 * The task of a merged log's line ("TIME [task] text", "[task retry-1]") into task, *text
 * at what it says; false for a line without one.
 */
bool view_logs_line_task(const char *raw, char *task, size_t size, const char **text);
/* n (forward) / N: the next or previous matching line, wrapping; false when none match. */
bool view_logs_next(struct view_logs *v, const struct log_tail *lt, bool forward);
/* Matching lines held, and the current match's 1-based rank among them (0: none). */
size_t view_logs_matches(struct view_logs *v, const struct log_tail *lt, size_t *rank);

/*
 * Draws the logs view in rows x cols at row/col: a title line (title, line count, follow,
 * search and "match i/N"), the lines, and state_line (NULL: none) on the last row.
 * Current-match text is STYLE_SELECTED, other matches STYLE_WARN. Updates v's position.
 */
void view_logs_render(const struct render_ctx *rc, const struct log_tail *lt, struct view_logs *v,
                      const char *title, const char *state_line, struct canvas *c, int row, int col,
                      int rows, int cols);

#endif
