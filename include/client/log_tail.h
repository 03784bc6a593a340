/* log_tail.h: a bounded ring of log lines fed by a stream that may replay history. */
#ifndef OSMO_CLIENT_LOG_TAIL_H
#define OSMO_CLIENT_LOG_TAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/util.h"

#define LOG_TAIL_MAX_LINE 65536 /* longer lines are cut, marked with " [cut]" */
#define LOG_TAIL_GAP      "--- osmotop: stream reconnected; lines may be missing here ---"

struct log_tail {
	char **lines; /* ring: lines[(start + i) % cap], i < count */
	uint64_t *hashes;
	size_t cap, start, count;
	uint64_t appended;     /* lines ever appended, for views that anchor a scroll position */
	uint64_t dropped;      /* lines pushed out of the ring */
	struct strbuf partial; /* bytes after the last newline */
	bool replaying;        /* a new connection: lines may repeat what we hold */
	bool replay_started;
	size_t *cand; /* while replaying: ring indices the next line may equal */
	size_t n_cand;
	unsigned gaps;
};

void log_tail_init(struct log_tail *lt, size_t cap);
void log_tail_free(struct log_tail *lt);
/* Appends stream bytes; complete lines are stored, a trailing fragment is kept. */
void log_tail_feed(struct log_tail *lt, const char *data, size_t n);
/*
 * A new connection starts: drop the fragment, skip lines that repeat history. The replay's
 * first line must still be in the ring, so reconnect with last_n_lines <= cap.
 */
void log_tail_reconnect(struct log_tail *lt);
/* The stream ended: store a trailing fragment as a line. */
void log_tail_finish(struct log_tail *lt);
const char *log_tail_line(const struct log_tail *lt, size_t i);

#endif
