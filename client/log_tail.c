/* log_tail.c: log lines in a ring, with de-duplication of history a reconnect replays. */
#include "client/log_tail.h"

#include <stdlib.h>
#include <string.h>

/* Candidate positions kept while matching a replay; more means a very repetitive log. */
#define LOG_TAIL_MAX_CAND 256

void
log_tail_init(struct log_tail *lt, size_t cap)
{
	memset(lt, 0, sizeof(*lt));
	lt->cap = cap ? cap : 1;
	lt->lines = xcalloc(lt->cap, sizeof(*lt->lines));
	lt->hashes = xcalloc(lt->cap, sizeof(*lt->hashes));
	lt->cand = xcalloc(LOG_TAIL_MAX_CAND, sizeof(*lt->cand));
}

void
log_tail_free(struct log_tail *lt)
{
	for (size_t i = 0; i < lt->count; i++)
		free(lt->lines[(lt->start + i) % lt->cap]);
	free(lt->lines);
	free(lt->hashes);
	free(lt->cand);
	strbuf_free(&lt->partial);
	memset(lt, 0, sizeof(*lt));
}

const char *
log_tail_line(const struct log_tail *lt, size_t i)
{
	return i < lt->count ? lt->lines[(lt->start + i) % lt->cap] : NULL;
}

static uint64_t
log_tail_hash_at(const struct log_tail *lt, size_t i)
{
	return lt->hashes[(lt->start + i) % lt->cap];
}

static void
log_tail_append(struct log_tail *lt, const char *s, size_t n, uint64_t h)
{
	size_t slot;

	if (lt->count == lt->cap) {
		slot = lt->start;
		free(lt->lines[slot]);
		lt->start = (lt->start + 1) % lt->cap;
		lt->count--;
		lt->dropped++;
	} else {
		slot = (lt->start + lt->count) % lt->cap;
	}
	lt->lines[slot] = xstrndup(s, n);
	lt->hashes[slot] = h;
	lt->count++;
	lt->appended++;
}

static void
log_tail_gap(struct log_tail *lt)
{
	lt->gaps++;
	log_tail_append(lt, LOG_TAIL_GAP, strlen(LOG_TAIL_GAP), 0);
}

/* Matches one replayed line; returns true when it repeats history and must be skipped. */
static bool
log_tail_replay_line(struct log_tail *lt, uint64_t h)
{
	size_t kept = 0;

	if (!lt->replay_started) {
		lt->replay_started = true;
		lt->n_cand = 0;
		for (size_t i = lt->count; i-- > 0 && lt->n_cand < LOG_TAIL_MAX_CAND;)
			if (log_tail_hash_at(lt, i) == h)
				lt->cand[lt->n_cand++] = i + 1;
		if (lt->n_cand)
			return true;
		lt->replaying = false;
		if (lt->count)
			log_tail_gap(lt);
		return false;
	}
	bool caught_up = false;

	for (size_t i = 0; i < lt->n_cand; i++) {
		size_t c = lt->cand[i];

		/* This alignment has replayed all we hold; others may still be replaying. */
		if (c == lt->count) {
			caught_up = true;
			continue;
		}
		if (log_tail_hash_at(lt, c) == h)
			lt->cand[kept++] = c + 1;
	}
	lt->n_cand = kept;
	if (kept)
		return true;
	lt->replaying = false;
	/* No alignment explains this line: it is new, after a gap unless one had caught up. */
	if (caught_up)
		return false;
	log_tail_gap(lt);
	return false;
}

static void
log_tail_line_done(struct log_tail *lt, const char *s, size_t n)
{
	static const char cut[] = " [cut]";
	uint64_t h;

	if (n && s[n - 1] == '\r')
		n--;
	h = util_fnv1a64(s, n);
	if (lt->replaying && log_tail_replay_line(lt, h))
		return;
	if (n > LOG_TAIL_MAX_LINE) {
		char *tmp = xmalloc(LOG_TAIL_MAX_LINE + sizeof(cut));

		memcpy(tmp, s, LOG_TAIL_MAX_LINE);
		memcpy(tmp + LOG_TAIL_MAX_LINE, cut, sizeof(cut));
		log_tail_append(lt, tmp, LOG_TAIL_MAX_LINE + sizeof(cut) - 1, h);
		free(tmp);
		return;
	}
	log_tail_append(lt, s, n, h);
}

void
log_tail_feed(struct log_tail *lt, const char *data, size_t n)
{
	while (n) {
		const char *nl = memchr(data, '\n', n);
		size_t take = nl ? (size_t)(nl - data) : n;

		/* Bound a newline-free flood: keep the head, count the rest as cut. */
		if (lt->partial.len + take > LOG_TAIL_MAX_LINE + 1) {
			size_t room = LOG_TAIL_MAX_LINE + 1 > lt->partial.len
			                      ? LOG_TAIL_MAX_LINE + 1 - lt->partial.len
			                      : 0;

			strbuf_add(&lt->partial, data, room < take ? room : take);
		} else {
			strbuf_add(&lt->partial, data, take);
		}
		if (!nl)
			return;
		log_tail_line_done(lt, lt->partial.buf ? lt->partial.buf : "", lt->partial.len);
		strbuf_reset(&lt->partial);
		data = nl + 1;
		n -= take + 1;
	}
}

void
log_tail_reconnect(struct log_tail *lt)
{
	strbuf_reset(&lt->partial);
	lt->replaying = lt->count > 0;
	lt->replay_started = false;
	lt->n_cand = 0;
}

void
log_tail_finish(struct log_tail *lt)
{
	if (lt->partial.len)
		log_tail_line_done(lt, lt->partial.buf, lt->partial.len);
	strbuf_reset(&lt->partial);
	lt->replaying = false;
}
