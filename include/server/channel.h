/* channel.h: append-only text files (logs, events) that HTTP streams follow while they grow. */
#ifndef OSMO_SERVER_CHANNEL_H
#define OSMO_SERVER_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>

#include "server/http.h"
#include "common/loop.h"

struct channel;

struct channel_filter {
	long last_n_lines;  /* start this many lines before the end; 0: from the start */
	const char *regex;  /* POSIX extended; every line sent must match; NULL: all */
	const char *query;  /* another one, the caller's: a line must match both */
	const char *header; /* written before the first line, or NULL */
};

/*
 * A channel on path (created 0600 if missing); followers see every append. The file is opened
 * for each append and closed after it unless the channel is held.
 */
struct channel *channel_open(struct loop *loop, const char *path);
/* A writer that appends often (a running task): the file stays open until the last release. */
void channel_hold(struct channel *c);
void channel_release(struct channel *c);
/* Appends whole lines (the caller ends each with '\n'). */
void channel_append(struct channel *c, const char *data, size_t n);
/* No more lines: followers send what is left and end their streams. */
void channel_end(struct channel *c);
bool channel_ended(const struct channel *c);
/* Ends and frees; followers still draining the file finish on their own. */
void channel_free(struct channel *c);

/*
 * Makes res a chunked text stream of path's lines through f, following c's appends while c
 * is open (c NULL: the file as it is, then the end). A bad regex gives 400 in res.
 */
void channel_follow(struct loop *loop, struct channel *c, const char *path,
                    const struct channel_filter *f, struct server_http_response *res);

#endif
