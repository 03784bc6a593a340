/* router_exec.h: exec's task side: the entry command under a pty, keyboard in, output out. */
#ifndef OSMO_SERVER_ROUTER_EXEC_H
#define OSMO_SERVER_ROUTER_EXEC_H

#include <stddef.h>

#include "server/router.h"
#include "common/util.h"

#define ROUTER_EXEC_CHUNK      1024 /* osmo-ctrl reads the pty in chunks of this size */
#define ROUTER_EXEC_RESIZE_MAX 256  /* a resize object longer than this is keyboard data */

/* The exec backend for router.c. */
const struct router_backend *router_exec_backend(void);

/*
 * Splits an entry command as shlex does on the task side (Go's google/shlex): blanks
 * separate words, quotes and backslashes group and escape, '#' at a word's start comments
 * out the rest of the line; no shell runs. Returns 0 with the words appended to out, or -1
 * with *err set to a static message (unclosed quote, trailing backslash, no words).
 */
int router_exec_split(const char *s, struct strv *out, const char **err);

/* The client's byte stream: keyboard data with "\0RESIZE:{...}" requests inside. */
struct router_exec_scan {
	struct strbuf held; /* the start of a request cut at a message's end */
};

struct router_exec_scan_out {
	void (*keys)(void *ctx, const unsigned char *data, size_t n);
	void (*resize)(void *ctx, int rows, int cols);
	void *ctx;
};

/*
 * Feeds one message: keyboard bytes go to keys, well-formed resizes to resize, in order. A
 * NUL not followed by the prefix is keyboard data; a request (or the start of the prefix)
 * cut at the end of a message is held until the next; a malformed object is dropped, as the
 * task side drops it.
 */
void router_exec_scan_feed(struct router_exec_scan *s, const unsigned char *data, size_t n,
                           const struct router_exec_scan_out *out);
void router_exec_scan_free(struct router_exec_scan *s);

#endif
