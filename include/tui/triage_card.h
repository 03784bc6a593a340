/* triage_card.h: why a workflow failed and what to do next, as one screen of text (T, --view triage). */
#ifndef OSMO_TUI_TRIAGE_CARD_H
#define OSMO_TUI_TRIAGE_CARD_H

#include <stdbool.h>

#include "client/api_error.h"
#include "client/model.h"
#include "client/triage.h"
#include "tui/canvas.h"
#include "tui/view.h"

/* The root task's lines the card shows, cleaned: fetched by the monitor or headless alike. */
struct triage_lines {
	struct strv log;    /* its error log, else its log's end */
	struct strv events; /* its warning events */
	bool has_errors;    /* log is the error log */
	char *log_note;     /* why there is no log line (loading, failed); NULL: none */
};

/* What the card shows besides the workflow itself. */
struct triage_card {
	const struct osmo_workflow *wf;
	const struct triage_root *root;   /* NULL or no group: the workflow failed as a whole */
	const struct triage_lines *lines; /* NULL: none fetched */
};

/* An answer's bytes (raw) as the log's or, with events, the events' lines of l; err, when
 * the log could not be had and nothing came, is said instead. */
void triage_lines_take(struct triage_lines *l, bool events, const struct strbuf *raw,
                       const struct api_error *err);
void triage_lines_free(struct triage_lines *l);

/* What a status means in plain words, and the next step; "" for a status that is no failure. */
const char *triage_card_meaning(enum osmo_status s);
const char *triage_card_next_step(enum osmo_status s);
/* Whether an event line reads as a warning (back-off, eviction, failed pull...). */
bool triage_card_warning(const char *line);
/* Splits an answer's text into cleaned lines (only the warnings, when asked) onto out. */
void triage_card_lines_of(const char *text, size_t len, bool warnings, struct strv *out);
/* "label  text" at row, the text wrapped under itself in at most max rows ("-" when
 * empty); returns the next row. The task card (i) lays its fields out the same way. */
int triage_card_field(struct canvas *c, int row, const char *label, enum style style,
                      const char *text, int max);
/* The card's one-key next steps at row (the monitor's last) "j/k more" when it scrolls. */
void triage_card_keys(const struct triage_card *tc, const struct keymap *keys, struct canvas *c,
                      int row, bool more);
/* Draws the card into c from its top row; returns the rows it used. */
int triage_card_render(const struct render_ctx *rc, const struct triage_card *tc, struct canvas *c);

#endif
