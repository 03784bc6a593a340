/* wsconn.h: WebSocket client connections (RFC 6455, binary messages) in the caller's loop. */
#ifndef OSMO_CLIENT_WSCONN_H
#define OSMO_CLIENT_WSCONN_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "client/api_error.h"
#include "client/http.h"
#include "common/util.h"

#define WSCONN_PING_MS         20000L      /* our own pings, as uvicorn and the Python client */
#define WSCONN_DEAD_MS         40000L      /* no byte at all for this long: the path is dead */
#define WSCONN_OPEN_TIMEOUT_MS 60000L      /* connect plus upgrade (the CLI's --connect-timeout) */
#define WSCONN_CLOSE_WAIT_MS   5000L       /* how long a close frame waits for the peer's answer */
#define WSCONN_MAX_MESSAGE     (16u << 20) /* larger ones fail the connection (1009), as uvicorn */

/* What a transport's send/recv return when no byte moved. */
enum wsconn_io {
	WSCONN_IO_EOF = 0,    /* recv: the peer closed the connection */
	WSCONN_IO_AGAIN = -1, /* would block: wait for poll() */
	WSCONN_IO_ERROR = -2, /* failed: err says why */
};

/* Moves a connection's bytes: http.c's raw connection in production, a socketpair in tests. */
struct wsconn_transport {
	/* Bytes sent (> 0), WSCONN_IO_AGAIN, or WSCONN_IO_ERROR with err set. */
	ssize_t (*send)(void *ctx, const void *buf, size_t n, struct api_error *err);
	/* Bytes read, WSCONN_IO_EOF, WSCONN_IO_AGAIN, or WSCONN_IO_ERROR with err set. */
	ssize_t (*recv)(void *ctx, void *buf, size_t n, struct api_error *err);
	int fd; /* the descriptor to poll */
	void *ctx;
};

/* How a connection ended. */
struct wsconn_end {
	int code;    /* the peer's close code; ours when we closed; 1006 when no close frame came */
	bool clean;  /* code 1000, 1001 or 1005 (a close frame without a code), as Python sees it */
	bool opened; /* the upgrade succeeded; false: connect or upgrade failed (see err) */
	bool local;  /* wsconn_close started the end */
	char reason[124];     /* the close frame's reason, printable ASCII, "" when none */
	struct api_error err; /* API_OK for a clean end, else why, naming the host */
};

struct wsconn_callbacks {
	/* The upgrade succeeded; messages may be sent from now on. */
	void (*open)(void *ctx);
	/* One whole message (text frames too), valid during the call; n == 0 is OSMO's EOF. */
	void (*message)(void *ctx, const unsigned char *data, size_t n);
	/* Called once, last; the connection then does nothing until wsconn_free (allowed here). */
	void (*closed)(void *ctx, const struct wsconn_end *end);
	void *ctx;
};

struct wsconn_spec {
	const char *url;            /* ws:// or wss://; path and query go in the request line */
	const struct strv *headers; /* "Name: value": Authorization or x-osmo-user, Cookie, ... */
	long open_timeout_ms;       /* 0: WSCONN_OPEN_TIMEOUT_MS */
	struct wsconn_callbacks cb;
};

struct wsconn;

/* Connects through http's curl (proxy, TLS) and upgrades; NULL with err if spec is unusable. */
struct wsconn *wsconn_connect(struct http *http, const struct wsconn_spec *spec, int64_t now_ms,
                              struct api_error *err);
/* Upgrades over a transport that is already connected (copied, not owned); as wsconn_connect. */
struct wsconn *wsconn_open(const struct wsconn_transport *t, const struct wsconn_spec *spec,
                           int64_t now_ms, struct api_error *err);
/* Drops the connection without a close handshake; safe inside its own callbacks. */
void wsconn_free(struct wsconn *c);
/*
 * Frees as wsconn_free, but an open connection first gets a close frame with code if the
 * socket takes it at once (never waits, for the socket or the peer's answer; no callbacks).
 */
void wsconn_drop(struct wsconn *c, int code);

/* Writes the descriptor to watch (0 or 1; while connecting, http_pollfds has curl's). */
int wsconn_pollfds(const struct wsconn *c, struct pollfd *fds, int max);
/* Milliseconds until wsconn_dispatch has timer work (pings, timeouts), or -1 for none. */
int wsconn_timeout_ms(const struct wsconn *c, int64_t now_ms);
/* Does the I/O that fds' revents allow and the timers due at now_ms; callbacks run from here. */
void wsconn_dispatch(struct wsconn *c, const struct pollfd *fds, int n, int64_t now_ms);

/* Queues one binary message (copied); n == 0 tells the peer EOF. 0, or -1 unless open. */
int wsconn_send(struct wsconn *c, const void *data, size_t n);
/* Bytes queued and not yet written, for backpressure. */
size_t wsconn_queued(const struct wsconn *c);
/* Starts the close handshake with code (1000 normal, 1001 going away); closed() follows. */
void wsconn_close(struct wsconn *c, int code);
/* True between open() and closed() until wsconn_close is called. */
bool wsconn_is_open(const struct wsconn *c);
/*
 * Backpressure toward the peer: while paused (and open) nothing is read, so its sends back up
 * into TCP; messages already read may still arrive in the same dispatch. Sends, our pings and a
 * close handshake go on. The dead-path timer (WSCONN_DEAD_MS) does not run while paused: the
 * silence is ours, not the path's; resuming restarts it, so the peer has a whole WSCONN_DEAD_MS
 * from then. A paused socket that hangs up (POLLHUP, POLLERR) ends the connection. A peer that
 * pings (uvicorn: every 20 s, 20 s to answer) may close a connection paused for that long.
 * May be called from the callbacks; pausing before open() takes effect at open.
 */
void wsconn_pause(struct wsconn *c, bool paused);
bool wsconn_paused(const struct wsconn *c);

#endif
