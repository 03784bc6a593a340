/* wsconn.c: WebSocket client connections: the upgrade by hand, frames by wslay (its only file). */
#include "client/wsconn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wslay/wslay.h>

#include "common/wsproto.h"

#define WSCONN_MAX_ANSWER (16u << 10) /* an upgrade answer's headers beyond this are not one */
#define WSCONN_READ_CHUNK 4096

_Static_assert(WSCONN_IO_EOF == (int)HTTP_IO_EOF && WSCONN_IO_AGAIN == (int)HTTP_IO_AGAIN &&
                       WSCONN_IO_ERROR == (int)HTTP_IO_ERROR,
               "http.c's raw connection is a transport as it is");

enum wsconn_state {
	WSCONN_CONNECTING, /* curl connects (wsconn_connect only) */
	WSCONN_UPGRADING,  /* sending the upgrade request */
	WSCONN_AWAITING,   /* reading the answer to it */
	WSCONN_OPEN,
	WSCONN_CLOSING, /* a close frame is queued, sent or received: waiting for the end */
	WSCONN_DONE,    /* closed() was called */
};

struct wsconn {
	enum wsconn_state state;
	struct wsconn_transport t;
	struct http_conn *conn; /* wsconn_connect's connection, owned */
	struct wsconn_callbacks cb;
	char *host;
	char accept[WSPROTO_ACCEPT_LEN + 1]; /* the Sec-WebSocket-Accept our key calls for */
	struct strbuf req;                   /* the upgrade request; freed once sent (a token) */
	size_t req_off;
	struct strbuf resp; /* the answer; the bytes after its headers are wslay's first */
	size_t resp_off;
	wslay_event_context_ptr wslay;
	int64_t now; /* the clock of the current call into us */
	long open_timeout_ms;
	int64_t open_deadline, last_rx, last_ping, close_deadline;
	uint64_t pings;
	int local_code;     /* wsconn_close's code, 0 until called */
	bool close_pending; /* wsconn_close's frame waits for the messages queued before it */
	bool paused;        /* wsconn_pause: no reads while OPEN */
	bool resumed;       /* unpaused since the last read: read once without waiting for POLLIN */
	bool failed;        /* the transport failed or ended: nothing more moves */
	struct api_error fail_err;
	char reason[124];
	/* The peer's close frame as it arrives: wslay 1.1.1 refuses the codes RFC 6455 did not
	 * list (1012 service restart, 1013, 1014) with a 1002, so we read it ourselves. */
	bool in_close;
	unsigned char close_frame[125];
	size_t close_len;
	int peer_code;           /* the code of a close frame that arrived whole, 0 until then */
	struct util_guard guard; /* wsconn_free inside a call into us waits for its end */
};

/* Close codes as people read them (RFC 6455 §7.4.1 and IANA). */
static const struct {
	int code;
	const char *name;
} wsconn_codes[] = {
	{ 1000, "normal closure" },    { 1001, "going away" },       { 1002, "protocol error" },
	{ 1003, "unsupported data" },  { 1005, "no status code" },   { 1006, "abnormal closure" },
	{ 1007, "invalid data" },      { 1008, "policy violation" }, { 1009, "message too big" },
	{ 1010, "missing extension" }, { 1011, "internal error" },   { 1012, "service restart" },
	{ 1013, "try again later" },   { 1014, "bad gateway" },
};

static const char *
wsconn_code_name(int code)
{
	for (size_t i = 0; i < ARRAY_SIZE(wsconn_codes); i++)
		if (wsconn_codes[i].code == code)
			return wsconn_codes[i].name;
	return "application code";
}

static void
wsconn_enter(struct wsconn *c)
{
	util_guard_enter(&c->guard);
}

static void
wsconn_destroy(struct wsconn *c)
{
	if (c->wslay)
		wslay_event_context_free(c->wslay);
	http_conn_free(c->conn);
	strbuf_free(&c->req);
	strbuf_free(&c->resp);
	free(c->host);
	free(c);
}

/* Leaves a call into us; the last one out frees a connection dropped meanwhile. */
static void
wsconn_leave(struct wsconn *c)
{
	if (util_guard_leave(&c->guard))
		wsconn_destroy(c);
}

static bool
wsconn_clean_code(int code)
{
	return code == 1000 || code == 1001 || code == 1005;
}

/* Paused only while open: a close handshake must still read the peer's answer. */
static bool
wsconn_holding(const struct wsconn *c)
{
	return c->paused && c->state == WSCONN_OPEN;
}

/* Reports the end once; why is NULL when close frames (or their absence) tell the story. */
static void
wsconn_end(struct wsconn *c, const struct api_error *why)
{
	struct wsconn_end end = { .opened = c->state >= WSCONN_OPEN, .local = c->local_code != 0 };
	bool received = c->wslay && wslay_event_get_close_received(c->wslay);
	bool sent = c->wslay && wslay_event_get_close_sent(c->wslay);

	if (c->state == WSCONN_DONE || c->guard.freed)
		return;
	if (received) {
		end.code = wslay_event_get_status_code_received(c->wslay);
	} else if (c->peer_code) {
		/* A close frame with a code wslay does not know: the peer's word still counts. */
		received = true;
		end.code = c->peer_code;
	} else if (c->local_code) {
		end.code = c->local_code;
	} else if (sent) { /* wslay failed the connection: a bad frame, a message too big */
		end.code = wslay_event_get_status_code_sent(c->wslay);
	} else {
		end.code = 1006;
	}
	end.clean = wsconn_clean_code(end.code);
	strlcpy_safe(end.reason, c->reason, sizeof(end.reason));
	if (end.clean)
		api_error_clear(&end.err);
	else if (why)
		end.err = *why;
	else if (received)
		api_error_set(&end.err, API_ERR_TRANSPORT, "%s closed the connection: %d %s%s%s",
		              c->host, end.code, wsconn_code_name(end.code),
		              c->reason[0] ? ": " : "", c->reason);
	else if (end.local)
		api_error_set(&end.err, API_ERR_TRANSPORT, "closed the connection to %s: %d %s",
		              c->host, end.code, wsconn_code_name(end.code));
	else
		api_error_set(&end.err, sent ? API_ERR_DECODE : API_ERR_TRANSPORT,
		              "connection to %s failed: %d %s", c->host, end.code,
		              wsconn_code_name(end.code));
	c->state = WSCONN_DONE;
	if (c->cb.closed)
		c->cb.closed(c->cb.ctx, &end);
}

/* Records the first transport failure; the connection ends when the current step unwinds. */
static void
wsconn_fail(struct wsconn *c, const struct api_error *err)
{
	if (c->failed)
		return;
	c->failed = true;
	c->fail_err = *err;
}

static ssize_t
wsconn_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *user)
{
	struct wsconn *c = user;
	struct api_error err = { 0 };
	ssize_t n;

	(void)flags;
	/* A pause from a message callback stops wslay's read loop here, mid-recv. */
	if (c->guard.freed || c->failed || wsconn_holding(c)) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if (c->resp_off < c->resp.len) {
		size_t take = c->resp.len - c->resp_off < len ? c->resp.len - c->resp_off : len;

		memcpy(buf, c->resp.buf + c->resp_off, take);
		c->resp_off += take;
		if (c->resp_off == c->resp.len) {
			strbuf_free(&c->resp);
			c->resp_off = 0;
		}
		return (ssize_t)take;
	}
	n = c->t.recv(c->t.ctx, buf, len, &err);
	if (n > 0) {
		c->last_rx = c->now;
		return n;
	}
	if (n == WSCONN_IO_AGAIN) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if (n == WSCONN_IO_EOF)
		api_error_set(&err, API_ERR_TRANSPORT,
		              "%s closed the connection without a close frame", c->host);
	wsconn_fail(c, &err);
	wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static ssize_t
wsconn_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags, void *user)
{
	struct wsconn *c = user;
	struct api_error err = { 0 };
	ssize_t n;

	(void)flags;
	if (c->guard.freed || c->failed) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	n = c->t.send(c->t.ctx, data, len, &err);
	if (n > 0)
		return n;
	if (n == WSCONN_IO_AGAIN || n == WSCONN_IO_EOF) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	wsconn_fail(c, &err);
	wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static int
wsconn_genmask_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *user)
{
	struct wsconn *c = user;

	if (util_random(buf, len) == 0)
		return 0;
	struct api_error err;

	api_error_set(&err, API_ERR_TRANSPORT, "connection to %s: no random bytes for a mask",
	              c->host);
	wsconn_fail(c, &err);
	wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static void
wsconn_msg_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg,
              void *user)
{
	struct wsconn *c = user;

	(void)ctx;
	/* Pings are answered by wslay; any byte already counts as life, pongs included. */
	if (arg->opcode != WSLAY_BINARY_FRAME && arg->opcode != WSLAY_TEXT_FRAME)
		return;
	/* Whoever closed or dropped the connection wants no more data. */
	if (c->guard.freed || c->local_code || c->state == WSCONN_DONE || !c->cb.message)
		return;
	c->cb.message(c->cb.ctx, arg->msg ? arg->msg : (const uint8_t *)"", arg->msg_length);
}

/* Every frame passes here first, close frames too, before wslay judges their code. */
static void
wsconn_frame_start_cb(wslay_event_context_ptr ctx,
                      const struct wslay_event_on_frame_recv_start_arg *arg, void *user)
{
	struct wsconn *c = user;

	(void)ctx;
	c->in_close = arg->opcode == WSLAY_CONNECTION_CLOSE;
	c->close_len = 0;
}

static void
wsconn_frame_chunk_cb(wslay_event_context_ptr ctx,
                      const struct wslay_event_on_frame_recv_chunk_arg *arg, void *user)
{
	struct wsconn *c = user;
	size_t room = sizeof(c->close_frame) - c->close_len;
	size_t n = arg->data_length < room ? arg->data_length : room;

	(void)ctx;
	if (!c->in_close)
		return;
	memcpy(c->close_frame + c->close_len, arg->data, n);
	c->close_len += n;
}

static void
wsconn_frame_end_cb(wslay_event_context_ptr ctx, void *user)
{
	struct wsconn *c = user;

	(void)ctx;
	if (!c->in_close)
		return;
	c->in_close = false;
	c->peer_code = c->close_len >= 2 ? c->close_frame[0] << 8 | c->close_frame[1] : 1005;
	if (c->close_len > 2)
		util_printable(c->reason, sizeof(c->reason), (const char *)c->close_frame + 2,
		               c->close_len - 2);
}

static const struct wslay_event_callbacks wsconn_wslay_callbacks = {
	.recv_callback = wsconn_recv_cb,
	.send_callback = wsconn_send_cb,
	.genmask_callback = wsconn_genmask_cb,
	.on_frame_recv_start_callback = wsconn_frame_start_cb,
	.on_frame_recv_chunk_callback = wsconn_frame_chunk_cb,
	.on_frame_recv_end_callback = wsconn_frame_end_cb,
	.on_msg_recv_callback = wsconn_msg_cb,
};

/* After frame I/O: ends the connection or moves it to CLOSING as wslay's state says. */
static void
wsconn_settle(struct wsconn *c)
{
	bool rd, wr;

	if (c->guard.freed || c->state == WSCONN_DONE)
		return;
	if (c->failed) {
		wsconn_end(c, &c->fail_err);
		return;
	}
	rd = wslay_event_want_read(c->wslay);
	wr = wslay_event_want_write(c->wslay);
	if (!rd && !wr) {
		wsconn_end(c, NULL);
		return;
	}
	if (c->state == WSCONN_OPEN && (!rd || wslay_event_get_close_sent(c->wslay) ||
	                                wslay_event_get_close_received(c->wslay))) {
		c->state = WSCONN_CLOSING;
		c->close_deadline = c->now + WSCONN_CLOSE_WAIT_MS;
	}
}

/* Queues wsconn_close's frame once nothing is queued before it; true when it did. */
static bool
wsconn_close_due(struct wsconn *c)
{
	if (!c->close_pending)
		return false;
	/* The peer's close came first: wslay answers it itself, with its code. */
	if (wslay_event_get_close_sent(c->wslay) || wslay_event_get_close_received(c->wslay)) {
		c->close_pending = false;
		return false;
	}
	if (wslay_event_get_queued_msg_count(c->wslay) > 0)
		return false;
	c->close_pending = false;
	wslay_event_queue_close(c->wslay, (uint16_t)c->local_code, NULL, 0);
	return true;
}

/* Writes what wslay holds, then wsconn_close's frame once the messages before it are out. */
static void
wsconn_flush(struct wsconn *c)
{
	do {
		if (!c->failed && !c->guard.freed && wslay_event_want_write(c->wslay) &&
		    wslay_event_send(c->wslay) != 0 && !c->failed) {
			struct api_error err;

			api_error_set(&err, API_ERR_TRANSPORT, "connection to %s: sending failed",
			              c->host);
			wsconn_fail(c, &err);
		}
	} while (!c->failed && !c->guard.freed && wsconn_close_due(c));
}

/* Reads and writes frames as far as the transport allows. */
static void
wsconn_step_frames(struct wsconn *c, short revents)
{
	bool resumed = c->resumed && !wsconn_holding(c);

	if (revents & POLLNVAL) {
		struct api_error err;

		api_error_set(&err, API_ERR_TRANSPORT, "connection to %s: socket closed", c->host);
		wsconn_fail(c, &err);
	}
	/* A paused reader cannot learn of a hang-up by reading; poll() would repeat it forever. */
	if ((revents & (POLLHUP | POLLERR)) && wsconn_holding(c)) {
		struct api_error err;

		api_error_set(&err, API_ERR_TRANSPORT, "connection to %s broke while paused",
		              c->host);
		wsconn_fail(c, &err);
	}
	if (resumed) {
		/* Silence while paused was ours: the peer gets a whole WSCONN_DEAD_MS from now. */
		c->resumed = false;
		c->last_rx = c->now;
	}
	if (!c->failed && !wsconn_holding(c) && wslay_event_want_read(c->wslay) &&
	    ((revents & (POLLIN | POLLHUP | POLLERR)) || c->resp_off < c->resp.len || resumed) &&
	    wslay_event_recv(c->wslay) != 0 && !c->failed) {
		struct api_error err;

		api_error_set(&err, API_ERR_TRANSPORT, "connection to %s: receiving failed",
		              c->host);
		wsconn_fail(c, &err);
	}
	wsconn_flush(c);
	wsconn_settle(c);
}

/* The header block's length (through its empty line), or 0 while incomplete. */
static size_t
wsconn_header_end(const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < n && buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < n && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* True when a comma-separated header value holds token, case-insensitively. */
static bool
wsconn_has_token(const char *v, size_t n, const char *token)
{
	size_t tn = strlen(token);
	size_t i = 0;

	while (i < n) {
		size_t b, e;

		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		b = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > b && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - b == tn && strncasecmp(v + b, token, tn) == 0)
			return true;
	}
	return false;
}

static bool
wsconn_is_accept(const struct wsconn *c, const char *token, const char *v, size_t n)
{
	(void)token;
	return n == WSPROTO_ACCEPT_LEN && memcmp(v, c->accept, n) == 0;
}

static bool
wsconn_lists_token(const struct wsconn *c, const char *token, const char *v, size_t n)
{
	(void)c;
	return wsconn_has_token(v, n, token);
}

/* What RFC 6455 §4.1 makes a client check in the 101; ok NULL: must be absent (none offered). */
static const struct {
	const char *name;
	bool (*ok)(const struct wsconn *c, const char *token, const char *v, size_t n);
	const char *token;
} wsconn_answer_rules[] = {
	{ "Upgrade", wsconn_lists_token, "websocket" },
	{ "Connection", wsconn_lists_token, "upgrade" },
	{ "Sec-WebSocket-Accept", wsconn_is_accept, NULL },
	{ "Sec-WebSocket-Extensions", NULL, NULL },
	{ "Sec-WebSocket-Protocol", NULL, NULL },
};

/* Checks the answer's first hlen bytes: 0, or -1 with err. */
static int
wsconn_check_answer(struct wsconn *c, size_t hlen, struct api_error *err)
{
	const char *p = c->resp.buf, *end = c->resp.buf + hlen;
	const char *eol = memchr(p, '\n', hlen);
	size_t ll = (size_t)(eol - p);
	bool seen[ARRAY_SIZE(wsconn_answer_rules)] = { false };
	char line[200];
	int status = 0;

	if (ll && p[ll - 1] == '\r')
		ll--;
	util_printable(line, sizeof(line), p, ll);
	/* "HTTP/1.1 101 Switching Protocols": the version, a space, three digits. */
	if (ll < 12 || strncmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ' ||
	    sscanf(p + 9, "%3d", &status) != 1 || status < 100 || (ll > 12 && p[12] != ' ')) {
		api_error_set(err, API_ERR_DECODE, "upgrade to %s: not an HTTP answer: %s", c->host,
		              line);
		return -1;
	}
	if (status != 101) {
		api_error_set(err, status == 401 || status == 403 ? API_ERR_AUTH : API_ERR_HTTP,
		              "upgrade to %s refused: %s", c->host, line);
		err->http_status = status;
		return -1;
	}
	for (p = eol + 1; p < end; p = eol + 1) {
		const char *colon, *v;
		size_t vn;

		eol = memchr(p, '\n', (size_t)(end - p));
		ll = (size_t)(eol - p);
		if (ll && p[ll - 1] == '\r')
			ll--;
		if (ll == 0)
			break;
		colon = memchr(p, ':', ll);
		if (!colon || colon == p || p[0] == ' ' || p[0] == '\t') {
			api_error_set(err, API_ERR_DECODE, "upgrade to %s: malformed header line",
			              c->host);
			return -1;
		}
		v = colon + 1;
		vn = ll - (size_t)(v - p);
		while (vn && (*v == ' ' || *v == '\t'))
			v++, vn--;
		while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
			vn--;
		for (size_t i = 0; i < ARRAY_SIZE(wsconn_answer_rules); i++) {
			const char *name = wsconn_answer_rules[i].name;

			if ((size_t)(colon - p) != strlen(name) ||
			    strncasecmp(p, name, strlen(name)) != 0)
				continue;
			/* A repeated header is checked again: every copy must pass. */
			if (!wsconn_answer_rules[i].ok ||
			    !wsconn_answer_rules[i].ok(c, wsconn_answer_rules[i].token, v, vn)) {
				api_error_set(err, API_ERR_DECODE, "upgrade to %s: unexpected %s",
				              c->host, name);
				return -1;
			}
			seen[i] = true;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(wsconn_answer_rules); i++)
		if (!seen[i] && wsconn_answer_rules[i].ok) {
			api_error_set(err, API_ERR_DECODE, "upgrade to %s: the answer lacks %s",
			              c->host, wsconn_answer_rules[i].name);
			return -1;
		}
	return 0;
}

/* The 101 is in: hands the connection to wslay, then the bytes that came with it. */
static void
wsconn_upgraded(struct wsconn *c, size_t hlen)
{
	struct api_error err = { 0 };

	if (wsconn_check_answer(c, hlen, &err) < 0) {
		wsconn_end(c, &err);
		return;
	}
	if (wslay_event_context_client_init(&c->wslay, &wsconn_wslay_callbacks, c) != 0)
		abort(); /* fails only without memory; allocation failures abort here */
	wslay_event_config_set_max_recv_msg_length(c->wslay, WSCONN_MAX_MESSAGE);
	c->resp_off = hlen;
	c->state = WSCONN_OPEN;
	c->last_rx = c->last_ping = c->now;
	if (c->cb.open)
		c->cb.open(c->cb.ctx);
	if (c->guard.freed || c->state != WSCONN_OPEN)
		return;
	/* Frames that came with the headers will not show on the socket again. */
	wsconn_step_frames(c, POLLIN);
}

static void
wsconn_step_read(struct wsconn *c, short revents)
{
	(void)revents;
	for (;;) {
		struct api_error err = { 0 };
		char buf[WSCONN_READ_CHUNK];
		size_t scan_from = c->resp.len > 2 ? c->resp.len - 2 : 0;
		size_t hlen;
		ssize_t n = c->t.recv(c->t.ctx, buf, sizeof(buf), &err);

		if (n == WSCONN_IO_AGAIN)
			return;
		if (n == WSCONN_IO_EOF)
			api_error_set(&err, API_ERR_TRANSPORT,
			              "upgrade to %s: the connection closed before an answer",
			              c->host);
		if (n <= 0) {
			wsconn_end(c, &err);
			return;
		}
		strbuf_add(&c->resp, buf, (size_t)n);
		hlen = wsconn_header_end(c->resp.buf + scan_from, c->resp.len - scan_from);
		if (hlen) {
			wsconn_upgraded(c, scan_from + hlen);
			return;
		}
		if (c->resp.len > WSCONN_MAX_ANSWER) {
			api_error_set(&err, API_ERR_DECODE,
			              "upgrade to %s: the answer is too large", c->host);
			wsconn_end(c, &err);
			return;
		}
	}
}

static void
wsconn_step_send(struct wsconn *c, short revents)
{
	while (c->req_off < c->req.len) {
		struct api_error err = { 0 };
		ssize_t n =
		        c->t.send(c->t.ctx, c->req.buf + c->req_off, c->req.len - c->req_off, &err);

		if (n == WSCONN_IO_AGAIN || n == WSCONN_IO_EOF)
			return;
		if (n < 0) {
			wsconn_end(c, &err);
			return;
		}
		c->req_off += (size_t)n;
	}
	/* The request carries credentials: keep it no longer than needed. */
	memset(c->req.buf, 0, c->req.len);
	strbuf_free(&c->req);
	c->state = WSCONN_AWAITING;
	wsconn_step_read(c, revents);
}

/* What each state does when its descriptor is ready. */
static void (*const wsconn_steps[])(struct wsconn *c, short revents) = {
	[WSCONN_CONNECTING] = NULL,
	[WSCONN_UPGRADING] = wsconn_step_send,
	[WSCONN_AWAITING] = wsconn_step_read,
	[WSCONN_OPEN] = wsconn_step_frames,
	[WSCONN_CLOSING] = wsconn_step_frames,
	[WSCONN_DONE] = NULL,
};

static void
wsconn_timers(struct wsconn *c)
{
	struct api_error err = { 0 };

	if (c->guard.freed || c->state == WSCONN_DONE)
		return;
	if (c->state < WSCONN_OPEN) {
		if (c->local_code) {
			wsconn_end(c, NULL);
		} else if (c->now >= c->open_deadline) {
			api_error_set(&err, API_ERR_TIMEOUT, "upgrade to %s: no answer in %ld ms",
			              c->host, c->open_timeout_ms);
			wsconn_end(c, &err);
		}
		return;
	}
	/* Until our close frame is queued, the data before it moves under the open timers. */
	if (c->state == WSCONN_CLOSING && !c->close_pending) {
		if (!c->close_deadline)
			c->close_deadline = c->now + WSCONN_CLOSE_WAIT_MS;
		else if (c->now >= c->close_deadline)
			wsconn_end(c, NULL); /* the peer never answered: over anyway */
		return;
	}
	/* Paused, nothing is read, so silence says nothing of the path: pings still go. */
	if (!wsconn_holding(c) && c->now - c->last_rx >= WSCONN_DEAD_MS) {
		api_error_set(&err, API_ERR_TIMEOUT, "no data from %s for %ld s: the path is dead",
		              c->host, WSCONN_DEAD_MS / 1000);
		wsconn_end(c, &err);
	} else if (c->now - c->last_ping >= WSCONN_PING_MS) {
		unsigned char payload[8];
		struct wslay_event_msg ping = { .opcode = WSLAY_PING,
			                        .msg = payload,
			                        .msg_length = sizeof(payload) };

		/* A counter as payload: pongs echo it, which helps when reading traces. */
		for (size_t i = 0; i < sizeof(payload); i++)
			payload[i] = (unsigned char)(c->pings >> (56 - 8 * i));
		c->pings++;
		c->last_ping = c->now;
		wslay_event_queue_msg(c->wslay, &ping);
		wsconn_step_frames(c, 0);
	}
}

void
wsconn_dispatch(struct wsconn *c, const struct pollfd *fds, int n, int64_t now_ms)
{
	short revents = 0;

	if (!c || c->guard.freed || c->state == WSCONN_DONE)
		return;
	wsconn_enter(c);
	c->now = now_ms;
	for (int i = 0; i < n && c->state != WSCONN_CONNECTING && c->t.fd >= 0; i++)
		if (fds[i].fd == c->t.fd)
			revents |= fds[i].revents;
	/* Closed before it opened: the timers end it without more I/O. */
	if (wsconn_steps[c->state] && !(c->local_code && c->state < WSCONN_OPEN))
		wsconn_steps[c->state](c, revents);
	wsconn_timers(c);
	wsconn_leave(c);
}

int
wsconn_timeout_ms(const struct wsconn *c, int64_t now_ms)
{
	int64_t due;

	if (!c || c->guard.freed || c->state == WSCONN_DONE)
		return -1;
	if (c->state < WSCONN_OPEN)
		due = c->local_code ? now_ms : c->open_deadline;
	else if (c->state == WSCONN_CLOSING && !c->close_pending)
		due = c->close_deadline ? c->close_deadline : now_ms;
	else if (c->resumed && !wsconn_holding(c))
		due = now_ms; /* bytes read before the pause may wait where poll() cannot see them */
	else if (!wsconn_holding(c) && c->last_rx + WSCONN_DEAD_MS < c->last_ping + WSCONN_PING_MS)
		due = c->last_rx + WSCONN_DEAD_MS;
	else
		due = c->last_ping + WSCONN_PING_MS;
	return util_timeout_until(due, now_ms);
}

int
wsconn_pollfds(const struct wsconn *c, struct pollfd *fds, int max)
{
	short events = 0;

	if (!c || max < 1 || c->guard.freed || c->t.fd < 0 || c->state == WSCONN_CONNECTING ||
	    c->state == WSCONN_DONE)
		return 0;
	if (c->state == WSCONN_UPGRADING)
		events = POLLOUT;
	else if (c->state == WSCONN_AWAITING)
		events = POLLIN;
	else
		events = (short)((wslay_event_want_read(c->wslay) && !wsconn_holding(c) ? POLLIN
		                                                                        : 0) |
		                 (wslay_event_want_write(c->wslay) ? POLLOUT : 0));
	fds[0] = (struct pollfd){ .fd = c->t.fd, .events = events };
	return 1;
}

/* Validates the caller's headers and builds the upgrade request; 0, or -1 with err. */
static int
wsconn_build_request(struct wsconn *c, const char *target, const struct strv *headers,
                     struct api_error *err)
{
	unsigned char nonce[16];
	char key[WSPROTO_KEY_LEN + 1];

	for (size_t i = 0; headers && i < headers->n; i++) {
		const char *h = headers->v[i];
		const char *colon = strchr(h, ':');

		/* The line itself stays out of the message: it may hold a token. */
		if (!colon || colon == h || strpbrk(h, "\r\n")) {
			api_error_set(err, API_ERR_USAGE, "upgrade to %s: header %zu is malformed",
			              c->host, i + 1);
			return -1;
		}
	}
	if (util_random(nonce, sizeof(nonce)) < 0) {
		api_error_set(err, API_ERR_TRANSPORT, "upgrade to %s: getrandom: %s", c->host,
		              strerror(errno));
		return -1;
	}
	wsproto_base64(nonce, sizeof(nonce), key);
	wsproto_accept(key, c->accept);
	strbuf_addf(&c->req,
	            "GET %s HTTP/1.1\r\n"
	            "Host: %s\r\n"
	            "Upgrade: websocket\r\n"
	            "Connection: Upgrade\r\n"
	            "Sec-WebSocket-Key: %s\r\n"
	            "Sec-WebSocket-Version: 13\r\n",
	            target, c->host, key);
	for (size_t i = 0; headers && i < headers->n; i++)
		strbuf_addf(&c->req, "%s\r\n", headers->v[i]);
	strbuf_addstr(&c->req, "\r\n");
	return 0;
}

/* The part both constructors share; NULL with err. */
static struct wsconn *
wsconn_new(const struct wsconn_spec *spec, int64_t now_ms, struct api_error *err)
{
	struct wsconn *c = xcalloc(1, sizeof(*c));
	char *target = NULL;

	c->t.fd = -1;
	c->cb = spec->cb;
	c->now = now_ms;
	c->open_timeout_ms =
	        spec->open_timeout_ms > 0 ? spec->open_timeout_ms : WSCONN_OPEN_TIMEOUT_MS;
	c->open_deadline = now_ms + c->open_timeout_ms;
	if (!spec->url ||
	    (strncasecmp(spec->url, "ws://", 5) != 0 && strncasecmp(spec->url, "wss://", 6) != 0)) {
		api_error_set(err, API_ERR_USAGE, "not a ws:// or wss:// URL");
		free(c);
		return NULL;
	}
	if (http_url_split(spec->url, &c->host, &target, err) < 0 ||
	    wsconn_build_request(c, target, spec->headers, err) < 0) {
		free(target);
		wsconn_destroy(c);
		return NULL;
	}
	free(target);
	return c;
}

struct wsconn *
wsconn_open(const struct wsconn_transport *t, const struct wsconn_spec *spec, int64_t now_ms,
            struct api_error *err)
{
	struct wsconn *c = wsconn_new(spec, now_ms, err);

	if (!c)
		return NULL;
	c->t = *t;
	c->state = WSCONN_UPGRADING;
	return c;
}

static ssize_t
wsconn_http_send(void *ctx, const void *buf, size_t n, struct api_error *err)
{
	return http_conn_send(ctx, buf, n, err);
}

static ssize_t
wsconn_http_recv(void *ctx, void *buf, size_t n, struct api_error *err)
{
	return http_conn_recv(ctx, buf, n, err);
}

static void
wsconn_on_connect(void *ctx, struct http_conn *conn, const struct api_error *err)
{
	struct wsconn *c = ctx;

	if (c->guard.freed || c->state != WSCONN_CONNECTING)
		return;
	wsconn_enter(c);
	if (err->kind != API_OK) {
		wsconn_end(c, err);
	} else if (c->local_code) {
		wsconn_end(c, NULL);
	} else {
		c->t = (struct wsconn_transport){ .send = wsconn_http_send,
			                          .recv = wsconn_http_recv,
			                          .fd = http_conn_fd(conn),
			                          .ctx = conn };
		c->state = WSCONN_UPGRADING;
		wsconn_step_send(c, POLLOUT);
	}
	wsconn_leave(c);
}

struct wsconn *
wsconn_connect(struct http *http, const struct wsconn_spec *spec, int64_t now_ms,
               struct api_error *err)
{
	struct wsconn *c = wsconn_new(spec, now_ms, err);
	struct http_conn_spec cs = {
		.url = spec->url,
		.connect_timeout_ms = c ? c->open_timeout_ms : 0,
		.on_connect = wsconn_on_connect,
		.ctx = c,
	};

	if (!c)
		return NULL;
	c->conn = http_conn_start(http, &cs, err);
	if (!c->conn) {
		wsconn_destroy(c);
		return NULL;
	}
	c->state = WSCONN_CONNECTING;
	return c;
}

void
wsconn_free(struct wsconn *c)
{
	if (c && util_guard_free(&c->guard))
		wsconn_destroy(c);
}

int
wsconn_send(struct wsconn *c, const void *data, size_t n)
{
	struct wslay_event_msg msg = { .opcode = WSLAY_BINARY_FRAME, .msg = data, .msg_length = n };

	if (!wsconn_is_open(c))
		return -1;
	return wslay_event_queue_msg(c->wslay, &msg) == 0 ? 0 : -1;
}

size_t
wsconn_queued(const struct wsconn *c)
{
	return c && c->wslay ? wslay_event_get_queued_msg_length(c->wslay) : 0;
}

void
wsconn_close(struct wsconn *c, int code)
{
	if (!c || c->guard.freed || c->local_code || c->state == WSCONN_DONE)
		return;
	/* wslay refuses codes a peer may not send (1005, 1006, ...): say "normal" instead. */
	c->local_code = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
	                                (code >= 3000 && code <= 4999)
	                        ? code
	                        : 1000;
	if (c->state < WSCONN_OPEN)
		return; /* the next dispatch ends it */
	/* wslay sends control frames before queued messages: ours waits for them (wsconn_flush). */
	c->close_pending = true;
	wsconn_close_due(c);
	if (c->state == WSCONN_OPEN) {
		c->state = WSCONN_CLOSING;
		c->close_deadline = 0; /* set by the next dispatch, which knows the time */
	}
}

void
wsconn_pause(struct wsconn *c, bool paused)
{
	if (!c || c->paused == paused)
		return;
	c->paused = paused;
	c->resumed = !paused;
}

bool
wsconn_paused(const struct wsconn *c)
{
	return c && c->paused;
}

void
wsconn_drop(struct wsconn *c, int code)
{
	if (!c)
		return;
	/* Inside its own callbacks the connection is mid-step: a plain drop then. */
	if (!c->guard.busy && wsconn_is_open(c)) {
		wsconn_close(c, code);
		/* One try, no waiting: what the socket takes now (the frame, if little is queued). */
		wsconn_flush(c);
	}
	wsconn_free(c);
}

bool
wsconn_is_open(const struct wsconn *c)
{
	return c && !c->guard.freed && c->state == WSCONN_OPEN && !c->local_code && !c->failed;
}
