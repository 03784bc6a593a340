/* ws.h: WebSocket server connections over wslay in osmo-local's poll loop. */
#ifndef OSMO_SERVER_WS_H
#define OSMO_SERVER_WS_H

#include <stdbool.h>
#include <stddef.h>

#include "server/http.h"
#include "common/loop.h"

#define WS_PING_MS     20000 /* uvicorn's ping interval; a ping unanswered by the next fails */
#define WS_MAX_MESSAGE (16u << 20)  /* larger messages close the connection (1009), as uvicorn */
#define WS_HIGH_WATER  (1u << 20)   /* ws_send says "no room" above this many queued bytes */
#define WS_LOW_WATER   (256u << 10) /* drained() fires once the queue is back below this */

#define WS_CLOSE_NORMAL     1000
#define WS_CLOSE_GOING_AWAY 1001 /* the server is stopping */
#define WS_CLOSE_GONE       1006 /* no close frame: the peer vanished or never answered ours */
#define WS_CLOSE_ERROR      1011
#define WS_CLOSE_RESTART    1012 /* Service Restart: what a restarting router sends */

struct ws;

struct ws_events {
	/* One whole message; binary false for a text frame. */
	void (*message)(void *ctx, bool binary, const unsigned char *data, size_t n);
	/* The send queue fell below WS_LOW_WATER after ws_send said it was full. */
	void (*drained)(void *ctx);
	/* Once, at the end: the peer's close code (1000 for none), or WS_CLOSE_GONE. */
	void (*closed)(void *ctx, int code);
	void *ctx;
};

/*
 * Checks an upgrade request and answers 101 with Sec-WebSocket-Accept (0), or an error
 * status (-1). on_open gets the connection's descriptor and bytes read past the request.
 */
int ws_accept(const struct server_http_request *req, struct server_http_response *res,
              void (*on_open)(void *ctx, struct server_http_upgrade *u, int fd, const char *extra,
                              size_t n),
              void (*on_gone)(void *ctx), void *ctx);
/* Takes over an upgraded connection; extra holds frame bytes that came with the request. */
struct ws *ws_open(struct loop *loop, struct server_http_upgrade *u, int fd, const char *extra,
                   size_t n, const struct ws_events *ev);
/* Queues one binary message; false when the queue is above WS_HIGH_WATER (wait for drained). */
bool ws_send(struct ws *w, const void *data, size_t n);
/* Starts the close handshake; closed() follows. */
void ws_close(struct ws *w, int code, const char *reason);
/* Stops (or resumes) reading, for backpressure toward the other leg. */
void ws_pause(struct ws *w, bool paused);
/* Reads what is buffered now, as if the socket were readable. */
void ws_pump(struct ws *w);
/* Drops the connection; safe inside its own callbacks. */
void ws_free(struct ws *w);
/* The HTTP layer took the socket back (it is stopping): ws_free must not hand it back again. */
void ws_disown(struct ws *w);

#endif
