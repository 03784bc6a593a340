/* triage_card.h: why a workflow failed and what to do next, as one screen of text (T, --view triage). */
#ifndef OSMO_TUI_TRIAGE_CARD_H
#define OSMO_TUI_TRIAGE_CARD_H

#include <stdbool.h>

#include "client/model.h"
#include "client/triage.h"
#include "tui/canvas.h"
#include "tui/view.h"

/* What the card shows besides the workflow itself; the lines are cleaned text. */
struct triage_card {
	const struct osmo_workflow *wf;
	const struct triage_root *root; /* NULL or no group: the workflow failed as a whole */
	const struct strv *log;         /* the root task's error log, else its log's tail */
	const char *log_title;          /* "error log", "log" */
	const char *log_note;           /* why there is no log (loading, failed); NULL: none */
	const struct strv *events;      /* its warning events */
	bool keys;                      /* the monitor: end with the one-key next steps */
};

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
/* Draws the card into c from its top row; returns the rows it used. */
int triage_card_render(const struct render_ctx *rc, const struct triage_card *tc, struct canvas *c);

#endif
