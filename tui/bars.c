/* bars.c: the monitor's bottom rows: the status bar (messages, staleness, where and whose) and the hint bar of the view's main keys. */
#include <stdlib.h>

#include "client/forward.h"
#include "common/osmo_time.h"
#include "tui/format.h"
#include "tui/text.h"
#include "tui/view_ops.h"

#define BARS_SLOW_MS 10000 /* an answer slower than this is worth saying */

void
bars_status(struct app *a, int64_t now)
{
	struct canvas *c = &a->canvas;
	int row = c->rows - 1;
	struct sync_item *it = app_shown(a)->list_data ? &a->list.sync : &a->wf.sync;
	struct strbuf sb = { 0 };
	enum style st = STYLE_TITLE;

	canvas_fill(c, row, 0, c->cols, ' ', STYLE_TITLE);
	if (a->msg && now < a->msg_until) {
		strbuf_addstr(&sb, a->msg);
		st = a->msg_error ? STYLE_ERROR : STYLE_TITLE;
	} else if (!app_shown(a)->list_data && a->wf.unknown && a->err) {
		strbuf_addf(&sb, "%s · not asked again until Ctrl-r", a->err);
		st = STYLE_ERROR;
	} else if (it->in_flight && now - it->asked_ms >= BARS_SLOW_MS) {
		/* A server that takes the connection and never answers is no fault yet, and no
		 * data either: say how long it has been silent. */
		char age[FORMAT_BUF], asked[FORMAT_BUF];

		format_duration((double)(now - it->last_ok_ms) / 1000.0, age);
		format_duration((double)(now - it->asked_ms) / 1000.0, asked);
		strbuf_addf(&sb, "no answer for %s · data %s old · %s", asked,
		            it->last_ok_ms ? age : "none", a->s->shown_url);
		st = STYLE_WARN;
	} else if (it->failures && a->err) {
		char age[FORMAT_BUF], wait[FORMAT_BUF];

		format_duration((double)(now - it->stale_since_ms) / 1000.0, age);
		format_duration((double)sync_wait_ms(it, now) / 1000.0, wait);
		strbuf_addf(&sb, "stale %s · retrying in %s: %s", age, wait, a->err);
		st = STYLE_WARN;
	} else {
		char age[FORMAT_BUF];

		strbuf_addstr(&sb, a->s->shown_url);
		if (a->o->user)
			strbuf_addf(&sb, " · %s", a->o->user);
		if (a->fwd && forward_active(a->fwd))
			strbuf_addstr(&sb, " · forwarding (p)");
		if (a->notify.unread) {
			const char *m =
			        keymap_key_name(app_keymap(a), (enum keymap_view)a->view->keys,
			                        KEYMAP_NOTIFICATIONS);

			strbuf_addf(&sb, " · %u new%s%s%s", a->notify.unread, m ? " (" : "",
			            m ? m : "", m ? ")" : "");
		}
		bool cached = app_shown(a)->list_data ? a->list.cached : a->wf.cached;
		int64_t saved =
		        app_shown(a)->list_data ? a->list.data.fetched_ms : a->wf.data.fetched_ms;

		if (it->last_ok_ms) {
			format_duration((double)(now - it->last_ok_ms) / 1000.0, age);
			strbuf_addf(&sb, " · data %s old", age);
		} else if (cached) {
			/* The cache's time is the wall clock's, as the data's. */
			format_duration((double)(clock_wall_ms() - saved) / 1000.0, age);
			strbuf_addf(&sb, " · cached %s ago · loading…", age);
		} else {
			strbuf_addstr(&sb, " · loading…");
		}
		const char *help = keymap_key_name(app_keymap(a), (enum keymap_view)a->view->keys,
		                                   KEYMAP_HELP);

		if (help)
			strbuf_addf(&sb, " · %s help", help);
	}
	canvas_text_ellipsis(c, row, 0, c->cols, st, sb.buf ? sb.buf : "");
	strbuf_free(&sb);
}

/* The row above the status bar: the view's main keys that act now, as many as fit, whole. */
void
bars_hints(struct app *a, int row)
{
	struct canvas *c = &a->canvas;
	enum keymap_view keys = (enum keymap_view)a->view->keys;
	int col = 0;

	canvas_fill(c, row, 0, c->cols, ' ', STYLE_NORMAL);
	for (const enum keymap_action *h = a->view->hints; h && *h != KEYMAP_NONE; h++) {
		const char *key = keymap_key_name(app_keymap(a), keys, *h);
		/* '/' filters where it applies as typed, else it searches (logs, forwards). */
		const char *word =
		        *h == KEYMAP_CLOSE && app_at_top(a) ? "quit"
		        : *h == KEYMAP_SEARCH && a->view->search && !a->view->search->live
		                ? "search"
		                : keymap_short(*h);
		int need;

		if (!key || !app_can(a, *h))
			continue;
		need = (int)(text_width(key) + 1 + text_width(word));
		if (col + need > c->cols)
			break;
		col += canvas_text(c, row, col, c->cols - col, STYLE_LABEL, key);
		col += canvas_text(c, row, col, c->cols - col, STYLE_NORMAL, " ");
		col += canvas_text(c, row, col, c->cols - col, STYLE_DIM, word);
		col += 2;
	}
}
