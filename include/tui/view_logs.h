/* view_logs.h: the logs view: a window onto a log tail that follows, wraps, searches, filters. */
#ifndef OSMO_TUI_VIEW_LOGS_H
#define OSMO_TUI_VIEW_LOGS_H

#include <regex.h>
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

/* Absolute line indices, ascending, kept up to date as lines come and go. */
struct view_logs_index {
	uint64_t *at;
	size_t n, cap;
	uint64_t scanned; /* lines below this absolute index have been looked at */
};

/* What the user controls in the logs view. Lines are named by absolute index: line a is
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
	struct strv tasks;   /* a merged log: only these tasks' lines; none: every task */
	uint64_t error;      /* current error-looking line (] and [); VIEW_LOGS_NONE: none */
	regex_t errors_re;   /* the table's patterns and the configured ones, as one */
	regex_t errors_span_re; /* the same, for where in a line it matches */
	bool has_errors_re;

	/* Kept by the functions below; callers read them, never set them. */
	int page_rows, page_cols;       /* text area of the last render, for paging, wrapping */
	int page_width;                 /* widest line the last render showed, bounds hscroll */
	struct view_logs_index hits;    /* lines matching search (bounded by the ring's capacity) */
	const struct log_tail *hits_lt; /* the ring, pattern and timestamps hits were found */
	char *hits_pattern;             /* under: a change means a new scan */
	bool hits_timestamps;
	struct view_logs_index errs;  /* error-looking lines */
	struct view_logs_index shown; /* while a filter is on: the lines it lets through */
	char *shown_key;              /* the filter shown was built for: a change rebuilds it */
	struct strbuf text;           /* one line cleaned for display */
	uint8_t *styles;              /* a style per byte of text */
	size_t cap_styles;
};

void view_logs_init(struct view_logs *v);
void view_logs_free(struct view_logs *v);

/*
 * The error-looking patterns: the built-in table's, then extra's (extended regexes each, as
 * logs.errors has them checked). False, with the table alone, when extra does not compile.
 */
bool view_logs_set_errors(struct view_logs *v, const struct strv *extra);
/* The built-in table, one pattern a line, for help and the configuration's dump. */
size_t view_logs_error_patterns(const char *const **out);
/*
 * ] (forward) and [: the next or previous error-looking line shown, wrapping; the first one
 * (the last one) when none is current. False when no shown line looks like an error.
 */
bool view_logs_next_error(struct view_logs *v, const struct log_tail *lt, bool forward);
/* Error-looking lines shown, and the current one's 1-based rank among them (0: none). */
size_t view_logs_errors(struct view_logs *v, const struct log_tail *lt, size_t *rank);
/* The ring was emptied and refilled from scratch: what was found in it is forgotten. */
void view_logs_forget(struct view_logs *v);
/* Only these tasks' lines (none: every line again); keeps the place when it can. */
void view_logs_set_tasks(struct view_logs *v, const struct log_tail *lt, const struct strv *tasks);
/*
 * The task of the line the eye is on: the current error or match when on the page, else the
 * page's last line; false when that line names no task.
 */
bool view_logs_current_task(struct view_logs *v, const struct log_tail *lt, char *task,
                            size_t size);
/*
 * Walks the lines: *a from VIEW_LOGS_NONE to the next one shown (all: every line held);
 * false at the end. *text is the line as the view shows it (shown) or as it came (all).
 */
bool view_logs_each(struct view_logs *v, const struct log_tail *lt, bool all, uint64_t *a,
                    const char **text);

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
