/* ws.c: WebSocket server connections over wslay in the poll loop; the only file that includes it. */
#include "server/ws.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <wslay/wslay.h>

#include "common/util.h"
#include "common/wsproto.h"

#define WS_CLOSE_GRACE_MS 2000  /* how long a close frame waits for the peer's answer */
#define WS_LINGER_MS      30000 /* how long queued messages may take to leave before a close */
#define WS_REASON_MAX     120   /* a close frame is a control frame: 125 bytes with its code */

struct ws {
	struct loop *loop;
	struct server_http_upgrade *up;
	int fd;
	wslay_event_context_ptr ctx;
	struct ws_events ev;
	unsigned long watch, ping_timer, close_timer, kick_timer;
	struct strbuf early; /* bytes that came with the request: read before the socket */
	size_t early_off;
	bool paused;
	bool closing;      /* the owner asked to close: no more messages either way */
	bool close_queued; /* the close frame is queued (behind every message sent before it) */
	int close_code;
	char close_reason[WS_REASON_MAX + 1];
	bool failed;   /* an I/O error: the connection is over */
	bool over;     /* closed() was reported */
	bool pong_due; /* our last ping is unanswered */
	bool want_drain;
	struct util_guard guard; /* ws_free inside our own handler waits for its end */
};

static void ws_io(struct ws *w, short revents);

/* A comma-separated header holds token (case-insensitive), as "keep-alive, Upgrade" does. */
static bool
ws_header_has(const char *value, const char *token)
{
	size_t n = strlen(token);

	while (value && *value) {
		value += strspn(value, " \t,");
		size_t len = strcspn(value, ",");
		size_t end = len;

		while (end > 0 && (value[end - 1] == ' ' || value[end - 1] == '\t'))
			end--;
		if (end == n && strncasecmp(value, token, n) == 0)
			return true;
		value += len;
	}
	return false;
}

/* A Sec-WebSocket-Key: base64 of exactly 16 bytes (22 digits and "=="). */
static bool
ws_key_ok(const char *key)
{
	static const char alphabet[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	if (!key || strlen(key) != WSPROTO_KEY_LEN || strcmp(key + WSPROTO_KEY_LEN - 2, "==") != 0)
		return false;
	return strspn(key, alphabet) == WSPROTO_KEY_LEN - 2;
}

int
ws_accept(const struct server_http_request *req, struct server_http_response *res,
          void (*on_open)(void *ctx, struct server_http_upgrade *u, int fd, const char *extra,
                          size_t n),
          void (*on_gone)(void *ctx), void *ctx)
{
	const char *upgrade = server_http_header(req, "Upgrade");
	const char *connection = server_http_header(req, "Connection");
	const char *version = server_http_header(req, "Sec-WebSocket-Version");
	const char *key = server_http_header(req, "Sec-WebSocket-Key");
	char accept[WSPROTO_ACCEPT_LEN + 1];

	if (!upgrade || !ws_header_has(upgrade, "websocket") ||
	    !ws_header_has(connection, "upgrade")) {
		server_http_reply_detail(res, 426, "This endpoint only speaks WebSocket");
		return -1;
	}
	if (!version || strcmp(version, "13") != 0) {
		server_http_reply_detail(res, 400, "Unsupported Sec-WebSocket-Version (need 13)");
		server_http_reply_header(res, "Sec-WebSocket-Version", "13");
		return -1;
	}
	if (!ws_key_ok(key)) {
		server_http_reply_detail(res, 400, "Missing or malformed Sec-WebSocket-Key");
		return -1;
	}
	wsproto_accept(key, accept);
	server_http_reply_upgrade(res, "websocket", on_open, on_gone, ctx);
	server_http_reply_header(res, "Sec-WebSocket-Accept", accept);
	return 0;
}

static ssize_t
ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *user)
{
	struct ws *w = user;
	ssize_t n;

	(void)flags;
	if (w->guard.freed || w->paused) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if (w->early_off < w->early.len) {
		size_t take = w->early.len - w->early_off;

		take = take < len ? take : len;
		memcpy(buf, w->early.buf + w->early_off, take);
		w->early_off += take;
		return (ssize_t)take;
	}
	do
		n = recv(w->fd, buf, len, 0);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		return n;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	/* End of file or a reset: the peer is gone without a close frame. */
	wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static ssize_t
ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags, void *user)
{
	struct ws *w = user;
	ssize_t n;

	do
		n = send(w->fd, data, len, MSG_NOSIGNAL | (flags & WSLAY_MSG_MORE ? MSG_MORE : 0));
	while (n < 0 && errno == EINTR);
	if (n >= 0)
		return n;
	wslay_event_set_error(ctx, errno == EAGAIN || errno == EWOULDBLOCK
	                                   ? WSLAY_ERR_WOULDBLOCK
	                                   : WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static void
ws_msg_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg, void *user)
{
	struct ws *w = user;

	(void)ctx;
	if (arg->opcode == WSLAY_PONG) {
		w->pong_due = false;
		return;
	}
	if (arg->opcode != WSLAY_BINARY_FRAME && arg->opcode != WSLAY_TEXT_FRAME)
		return; /* wslay answers pings and close frames itself */
	/* Once closing (or dropped by the owner) nobody wants more data. */
	if (w->guard.freed || w->closing || w->failed || !w->ev.message)
		return;
	w->ev.message(w->ev.ctx, arg->opcode == WSLAY_BINARY_FRAME, arg->msg, arg->msg_length);
}

static const struct wslay_event_callbacks ws_callbacks = {
	.recv_callback = ws_recv_cb,
	.send_callback = ws_send_cb,
	.on_msg_recv_callback = ws_msg_cb,
};

static void
ws_release(struct ws *w)
{
	loop_remove(w->loop, w->watch);
	loop_remove(w->loop, w->ping_timer);
	loop_remove(w->loop, w->close_timer);
	loop_remove(w->loop, w->kick_timer);
	w->watch = w->ping_timer = w->close_timer = w->kick_timer = 0;
}

/* Reports the end once; the owner frees (now or later). */
static void
ws_finish(struct ws *w, int code)
{
	if (w->over)
		return;
	w->over = true;
	ws_release(w);
	if (w->ev.closed)
		w->ev.closed(w->ev.ctx, code);
}

/* The peer's close code once the handshake is done, else "gone". */
static int
ws_end_code(struct ws *w)
{
	if (!w->failed && wslay_event_get_close_received(w->ctx)) {
		int code = wslay_event_get_status_code_received(w->ctx);

		return code == WSLAY_CODE_NO_STATUS_RCVD ? WS_CLOSE_NORMAL : code;
	}
	return WS_CLOSE_GONE;
}

/* Sets poll interest from wslay's wants; true when the connection has nothing left to do. */
static bool
ws_update(struct ws *w)
{
	bool rd, wr;
	short events = 0;

	if (w->over || w->guard.freed)
		return false;
	rd = !w->failed && wslay_event_want_read(w->ctx);
	wr = !w->failed && wslay_event_want_write(w->ctx);
	if (!rd && !wr)
		return true;
	if (rd && !w->paused)
		events |= POLLIN;
	if (wr)
		events |= POLLOUT;
	loop_set_events(w->loop, w->watch, events);
	return false;
}

/* Sends what is queued; errors end the connection at the next handler. */
static void
ws_flush(struct ws *w)
{
	if (!w->failed && wslay_event_want_write(w->ctx) && wslay_event_send(w->ctx) < 0)
		w->failed = true;
}

static void
ws_kick_cb(void *ctx)
{
	struct ws *w = ctx;

	w->kick_timer = 0;
	ws_io(w, 0);
}

/* From inside an owner's call: let the loop run the handler, which may report events. */
static void
ws_kick(struct ws *w)
{
	if (!w->kick_timer && !w->over)
		w->kick_timer = loop_add_timer(w->loop, 0, ws_kick_cb, w);
}

static void ws_close_send(struct ws *w, bool now);

static void
ws_really_free(struct ws *w)
{
	/* Best effort for a close frame asked for last: the socket will not be polled again. */
	if (w->up && !w->over) {
		ws_close_send(w, true);
		ws_flush(w);
	}
	ws_release(w);
	wslay_event_context_free(w->ctx);
	server_http_upgrade_close(w->up);
	strbuf_free(&w->early);
	free(w);
}

static void
ws_io(struct ws *w, short revents)
{
	if (w->over)
		return;
	util_guard_enter(&w->guard);
	/* A paused reader cannot learn of a hang-up by reading; poll() would repeat it forever. */
	if ((revents & POLLNVAL) || ((revents & (POLLHUP | POLLERR)) && w->paused))
		w->failed = true;
	if (!w->failed && !w->paused && wslay_event_want_read(w->ctx) &&
	    ((revents & (POLLIN | POLLHUP | POLLERR)) || w->early_off < w->early.len) &&
	    wslay_event_recv(w->ctx) < 0)
		w->failed = true;
	if (!w->guard.freed) {
		ws_flush(w);
		ws_close_send(w, false);
		ws_flush(w);
	}
	if (util_guard_leave(&w->guard)) {
		ws_really_free(w);
		return;
	}
	if (ws_update(w)) {
		ws_finish(w, ws_end_code(w));
		return;
	}
	if (w->want_drain && wslay_event_get_queued_msg_length(w->ctx) <= WS_LOW_WATER) {
		w->want_drain = false;
		if (w->ev.drained)
			w->ev.drained(w->ev.ctx);
	}
}

static void
ws_fd_cb(void *ctx, int fd, short revents)
{
	(void)fd;
	ws_io(ctx, revents);
}

static void
ws_close_timeout(void *ctx)
{
	struct ws *w = ctx;

	w->close_timer = 0;
	/* The peer never answered our close frame: give up on it. */
	ws_finish(w, WS_CLOSE_GONE);
}

/*
 * Queues the close frame once every message before it has left: wslay sends control frames
 * ahead of queued messages, and whatever follows a close frame is never sent.
 */
static void
ws_close_send(struct ws *w, bool now)
{
	if (!w->closing || w->close_queued || w->failed)
		return;
	if (!now && wslay_event_get_queued_msg_count(w->ctx) > 0)
		return;
	w->close_queued = true;
	wslay_event_queue_close(w->ctx, (uint16_t)w->close_code, (const uint8_t *)w->close_reason,
	                        strlen(w->close_reason));
	loop_remove(w->loop, w->close_timer);
	w->close_timer = loop_add_timer(w->loop, WS_CLOSE_GRACE_MS, ws_close_timeout, w);
}

static void
ws_ping_cb(void *ctx)
{
	struct ws *w = ctx;
	struct wslay_event_msg ping = { .opcode = WSLAY_PING,
		                        .msg = (const uint8_t *)"osmo",
		                        .msg_length = 4 };

	w->ping_timer = 0;
	if (w->pong_due) {
		/* As uvicorn: a peer that does not answer within the interval is dropped. */
		w->failed = true;
	} else if (!w->closing) {
		wslay_event_queue_msg(w->ctx, &ping);
		w->pong_due = true;
		w->ping_timer = loop_add_timer(w->loop, WS_PING_MS, ws_ping_cb, w);
	}
	ws_io(w, 0);
}

struct ws *
ws_open(struct loop *loop, struct server_http_upgrade *u, int fd, const char *extra, size_t n,
        const struct ws_events *ev)
{
	struct ws *w = xcalloc(1, sizeof(*w));

	w->loop = loop;
	w->up = u;
	w->fd = fd;
	w->ev = *ev;
	if (wslay_event_context_server_init(&w->ctx, &ws_callbacks, w) != 0)
		abort(); /* only fails without memory, and allocation failures abort here */
	wslay_event_config_set_max_recv_msg_length(w->ctx, WS_MAX_MESSAGE);
	if (n)
		strbuf_add(&w->early, extra, n);
	w->watch = loop_add_fd(loop, fd, POLLIN, ws_fd_cb, w);
	w->ping_timer = loop_add_timer(loop, WS_PING_MS, ws_ping_cb, w);
	/* Frames that came with the request will not show on the socket again. */
	if (n)
		ws_kick(w);
	return w;
}

bool
ws_send(struct ws *w, const void *data, size_t n)
{
	struct wslay_event_msg msg = { .opcode = WSLAY_BINARY_FRAME, .msg = data, .msg_length = n };
	bool room;

	if (w->over || w->closing || w->failed)
		return true;
	if (wslay_event_queue_msg(w->ctx, &msg) != 0)
		return true;
	if (!w->guard.busy)
		ws_flush(w);
	room = wslay_event_get_queued_msg_length(w->ctx) < WS_HIGH_WATER;
	if (!room)
		w->want_drain = true;
	if (!w->guard.busy && (w->failed || ws_update(w)))
		ws_kick(w);
	return room;
}

void
ws_close(struct ws *w, int code, const char *reason)
{
	if (w->over || w->closing)
		return;
	w->closing = true;
	w->close_code = code;
	strlcpy_safe(w->close_reason, reason ? reason : "", sizeof(w->close_reason));
	/* A peer that stops reading must not hold the connection open for ever. */
	w->close_timer = loop_add_timer(w->loop, WS_LINGER_MS, ws_close_timeout, w);
	ws_close_send(w, false);
	ws_kick(w);
}

void
ws_pause(struct ws *w, bool paused)
{
	if (w->paused == paused)
		return;
	w->paused = paused;
	/* Unpausing: bytes read before the pause may hold frames that poll() will not announce. */
	if (!w->guard.busy && !w->over && (ws_update(w) || !paused))
		ws_kick(w);
}

void
ws_pump(struct ws *w)
{
	ws_io(w, POLLIN);
}

void
ws_free(struct ws *w)
{
	if (w && util_guard_free(&w->guard))
		ws_really_free(w);
}

void
ws_disown(struct ws *w)
{
	w->up = NULL;
	w->failed = true;
}
