/* triage_fetch.h: what the triage card needs, fetched once and waited for (--snapshot --view triage). */
#ifndef OSMO_TUI_TRIAGE_FETCH_H
#define OSMO_TUI_TRIAGE_FETCH_H

#include "client/api.h"
#include "client/triage.h"
#include "tui/session.h"
#include "tui/triage_card.h"

struct triage_fetch {
	struct api_result wf; /* the workflow, verbose */
	struct strv strict;   /* the spec's ignoreNonleadStatus: false groups */
	struct triage_root root;
	struct triage_lines lines;
};

/* Fetches workflow, its rules, its root task's log (error log where kept) and events; 0, or
 * -1 with err set when the workflow itself could not be had (the rest only leaves notes). */
int triage_fetch(struct session *s, const char *workflow, struct triage_fetch *out,
                 struct api_error *err);
/* Starts the request for the root task t's log (its error log where its status keeps one)
 * or, with events, its events, bounded for a card; the api call's id. */
unsigned long triage_fetch_request(struct api *api, const char *workflow, const struct osmo_task *t,
                                   bool events, struct api_callbacks cb);
/* One call whose body may come as a stream: bytes gathered, then done. */
struct triage_fetch_call {
	struct strbuf body; /* first: triage_fetch_data fills it */
	struct session_call call;
};

/* A data callback whose ctx is a struct strbuf (or starts with one). */
void triage_fetch_data(void *ctx, const char *bytes, size_t n);
/* Appends an answer's bytes to sb while it holds less than a card could use. */
void triage_fetch_keep(struct strbuf *sb, const char *bytes, size_t n);
/* The card for what was fetched. */
struct triage_card triage_fetch_card(const struct triage_fetch *f);
void triage_fetch_free(struct triage_fetch *f);

#endif
