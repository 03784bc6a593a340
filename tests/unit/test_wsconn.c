/* test_wsconn.c: the WebSocket client against a wslay server over a socketpair (wsconn.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wslay/wslay.h>

#include "client/http.h"
#include "lfix.h"
#include "common/util.h"
#include "client/wsconn.h"
#include "common/wsproto.h"

/* An arbitrary start for the injected clock. */
#define T0       1000000
#define MAX_MSGS 32
#define BIG      (1u << 20)
#define URL      "ws://router.test:8080/api/router/exec/wf-1/client/EXEC-abc?timeout=5"

struct msg {
	int opcode;
	unsigned char *data;
	size_t n;
	int code;
};

/* How the test server answers the upgrade. */
enum answer {
	ANSWER_OK,
	ANSWER_WRONG_ACCEPT,
	ANSWER_403,
	ANSWER_OK_WITH_FRAMES, /* the 101 and frames in one write */
	ANSWER_NONE,           /* never answers */
	ANSWER_NO_UPGRADE,     /* a 101 without "Upgrade: websocket" */
	ANSWER_EXTENSION,      /* a 101 choosing an extension nobody offered */
};

/* The server end: reads the upgrade request by hand, then speaks through a wslay server. */
struct peer {
	int fd;
	enum answer answer;
	struct strbuf req; /* the upgrade request */
	bool answered;
	bool eof;
	bool paused; /* not serviced: a dead path */
	wslay_event_context_ptr ctx;
	struct msg msgs[MAX_MSGS];
	int n;
};

/* The client's transport over its end of the socketpair, counting would-blocks. */
struct sock {
	int fd;
	int send_again, recv_again;
	int recvs; /* every recv call */
};

/* What the client's callbacks saw. */
struct seen {
	int opened;
	struct msg msgs[MAX_MSGS];
	int n;
	int closed;
	struct wsconn_end end;
	bool free_on_close, free_on_message;
	bool pause_on_message; /* wsconn_pause from inside the callback */
};

struct fixture {
	int64_t now;
	struct sock cs;
	struct peer peer;
	struct seen seen;
	struct wsconn *c;
	struct http *http; /* the connect tests */
	int listen_fd;
};

static void
msg_set(struct msg *m, int opcode, const void *data, size_t n, int code)
{
	m->opcode = opcode;
	m->data = xmalloc(n + 1);
	if (n)
		memcpy(m->data, data, n);
	m->data[n] = '\0';
	m->n = n;
	m->code = code;
}

static ssize_t
sock_send(void *ctx, const void *buf, size_t n, struct api_error *err)
{
	struct sock *s = ctx;
	ssize_t r = send(s->fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (r > 0)
		return r;
	if (r == 0 || errno == EAGAIN || errno == EWOULDBLOCK) {
		s->send_again++;
		return WSCONN_IO_AGAIN;
	}
	api_error_set(err, API_ERR_TRANSPORT, "send: %s", strerror(errno));
	return WSCONN_IO_ERROR;
}

static ssize_t
sock_recv(void *ctx, void *buf, size_t n, struct api_error *err)
{
	struct sock *s = ctx;
	ssize_t r = recv(s->fd, buf, n, MSG_DONTWAIT);

	s->recvs++;
	if (r >= 0)
		return r;
	if (errno == EAGAIN || errno == EWOULDBLOCK) {
		s->recv_again++;
		return WSCONN_IO_AGAIN;
	}
	api_error_set(err, API_ERR_TRANSPORT, "recv: %s", strerror(errno));
	return WSCONN_IO_ERROR;
}

static void
seen_open(void *ctx)
{
	struct fixture *f = ctx;

	f->seen.opened++;
}

static void
seen_message(void *ctx, const unsigned char *data, size_t n)
{
	struct fixture *f = ctx;

	assert_non_null(data);
	assert_true(f->seen.n < MAX_MSGS);
	msg_set(&f->seen.msgs[f->seen.n++], WSLAY_BINARY_FRAME, data, n, 0);
	if (f->seen.pause_on_message)
		wsconn_pause(f->c, true);
	if (f->seen.free_on_message) {
		wsconn_free(f->c);
		f->c = NULL;
	}
}

static void
seen_closed(void *ctx, const struct wsconn_end *end)
{
	struct fixture *f = ctx;

	f->seen.closed++;
	f->seen.end = *end;
	if (f->seen.free_on_close) {
		wsconn_free(f->c);
		f->c = NULL;
	}
}

static ssize_t
peer_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *user)
{
	struct peer *p = user;
	ssize_t r = recv(p->fd, buf, len, MSG_DONTWAIT);

	(void)flags;
	if (r > 0)
		return r;
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	p->eof = true;
	wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static ssize_t
peer_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags, void *user)
{
	struct peer *p = user;
	ssize_t r = send(p->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);

	(void)flags;
	if (r > 0)
		return r;
	wslay_event_set_error(ctx, r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
	                                   ? WSLAY_ERR_WOULDBLOCK
	                                   : WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static void
peer_msg_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg, void *user)
{
	struct peer *p = user;

	(void)ctx;
	assert_true(p->n < MAX_MSGS);
	msg_set(&p->msgs[p->n++], arg->opcode, arg->msg, arg->msg_length, arg->status_code);
}

static const struct wslay_event_callbacks peer_callbacks = {
	.recv_callback = peer_recv_cb,
	.send_callback = peer_send_cb,
	.on_msg_recv_callback = peer_msg_cb,
};

/* A header's value in the request, or "" (the first match, case-insensitive). */
static void
peer_header(const struct peer *p, const char *name, char *out, size_t cap)
{
	const char *line = strstr(p->req.buf, "\r\n");
	size_t nl = strlen(name);

	out[0] = '\0';
	while (line && line[2] != '\r') {
		const char *l = line + 2;
		const char *e = strstr(l, "\r\n");

		if (strncasecmp(l, name, nl) == 0 && l[nl] == ':') {
			const char *v = l + nl + 1;

			while (*v == ' ')
				v++;
			snprintf(out, cap, "%.*s", (int)(e - v), v);
			return;
		}
		line = e;
	}
}

/* Writes all of buf to the peer's socket (small answers only: the buffer has room). */
static void
peer_write(struct peer *p, const void *buf, size_t n)
{
	assert_int_equal(send(p->fd, buf, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* An unmasked server frame with a payload under 126 bytes. */
static size_t
frame(unsigned char *out, int fin_opcode, const char *payload)
{
	size_t n = strlen(payload);

	out[0] = (unsigned char)fin_opcode;
	out[1] = (unsigned char)n;
	memcpy(out + 2, payload, n);
	return n + 2;
}

static void
peer_answer(struct peer *p)
{
	char key[64], accept[WSPROTO_ACCEPT_LEN + 1];
	struct strbuf a = { 0 };

	peer_header(p, "Sec-WebSocket-Key", key, sizeof(key));
	wsproto_accept(key, accept);
	if (p->answer == ANSWER_WRONG_ACCEPT)
		accept[3] ^= 1;
	switch (p->answer) {
	case ANSWER_NONE:
		return;
	case ANSWER_403:
		strbuf_addstr(&a, "HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\n\r\nforbidden");
		break;
	default:
		strbuf_addstr(&a, "HTTP/1.1 101 Switching Protocols\r\n");
		if (p->answer != ANSWER_NO_UPGRADE)
			strbuf_addstr(&a, "upgrade: WebSocket\r\n");
		if (p->answer == ANSWER_EXTENSION)
			strbuf_addstr(&a, "Sec-WebSocket-Extensions: permessage-deflate\r\n");
		strbuf_addf(&a,
		            "Connection: keep-alive, Upgrade\r\nsec-websocket-accept: %s\r\n\r\n",
		            accept);
		break;
	}
	if (p->answer == ANSWER_OK_WITH_FRAMES) {
		unsigned char fr[64];

		strbuf_add(&a, fr, frame(fr, 0x82, "first"));
		strbuf_add(&a, fr, frame(fr, 0x82, "second"));
		/* The start of a third frame: the test sends the rest later. */
		frame(fr, 0x82, "third");
		strbuf_add(&a, fr, 3);
	}
	peer_write(p, a.buf, a.len);
	strbuf_free(&a);
	p->answered = true;
	if (wslay_event_context_server_init(&p->ctx, &peer_callbacks, p) != 0)
		fail();
}

/* Reads what the client sent: the request until its end, then frames. */
static void
peer_service(struct peer *p, short revents)
{
	if (p->paused || p->fd < 0 || p->eof)
		return;
	if (!p->answered) {
		char buf[4096];
		ssize_t r;

		while ((r = recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
			strbuf_add(&p->req, buf, (size_t)r);
		if (r == 0)
			p->eof = true;
		if (p->req.buf && strstr(p->req.buf, "\r\n\r\n"))
			peer_answer(p);
		return;
	}
	if (!p->ctx)
		return;
	if (revents & (POLLIN | POLLHUP | POLLERR))
		wslay_event_recv(p->ctx);
	if (wslay_event_want_write(p->ctx))
		wslay_event_send(p->ctx);
}

static void
peer_queue(struct peer *p, int opcode, const void *data, size_t n)
{
	struct wslay_event_msg m = { .opcode = (uint8_t)opcode, .msg = data, .msg_length = n };

	assert_int_equal(wslay_event_queue_msg(p->ctx, &m), 0);
}

/* Runs both ends until done or a 5 s deadline; poll() waits on the descriptors, never a sleep. */
static bool
pump(struct fixture *f, bool (*done)(struct fixture *f, int arg), int arg)
{
	int64_t deadline = clock_mono_ms() + 5000;

	while (clock_mono_ms() < deadline) {
		struct pollfd fds[16];
		int nc = 0, nh = 0, ns;

		if (done(f, arg))
			return true;
		if (f->c)
			nc = wsconn_pollfds(f->c, fds, 1);
		if (f->http)
			nh = http_pollfds(f->http, fds + nc, 8);
		ns = nc + nh;
		if (f->peer.fd >= 0) {
			short ev = POLLIN;

			if (f->peer.ctx && wslay_event_want_write(f->peer.ctx))
				ev |= POLLOUT;
			fds[ns++] = (struct pollfd){ .fd = f->peer.fd, .events = ev };
		}
		if (f->listen_fd >= 0 && f->peer.fd < 0)
			fds[ns++] = (struct pollfd){ .fd = f->listen_fd, .events = POLLIN };
		if (poll(fds, (nfds_t)ns, 20) < 0 && errno != EINTR)
			fail_msg("poll: %s", strerror(errno));
		if (f->c)
			wsconn_dispatch(f->c, fds, nc, f->now);
		if (f->http)
			http_dispatch(f->http, fds + nc, nh, clock_mono_ms());
		for (int i = nc + nh; i < ns; i++) {
			if (fds[i].fd == f->listen_fd && (fds[i].revents & POLLIN)) {
				f->peer.fd = accept(f->listen_fd, NULL, NULL);
				assert_true(f->peer.fd >= 0);
			} else if (fds[i].fd == f->peer.fd) {
				peer_service(&f->peer, fds[i].revents);
			}
		}
	}
	return done(f, arg);
}

static bool
until_opened(struct fixture *f, int arg)
{
	(void)arg;
	return f->seen.opened || f->seen.closed;
}

static bool
until_closed(struct fixture *f, int arg)
{
	(void)arg;
	return f->seen.closed > 0;
}

static bool
until_seen(struct fixture *f, int n)
{
	return f->seen.n >= n || f->seen.closed;
}

static bool
until_peer_has(struct fixture *f, int n)
{
	return f->peer.n >= n || f->peer.eof;
}

/* Until the client has nothing left to write. */
static bool
until_flushed(struct fixture *f, int arg)
{
	(void)arg;
	return !f->c || wsconn_queued(f->c) == 0;
}

static struct fixture *
fixture_new(void)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	f->now = T0;
	f->cs.fd = f->peer.fd = f->listen_fd = -1;
	return f;
}

static const char *const test_headers[] = {
	"Authorization: Bearer secret-token",
	"Cookie: AWSALB=primary; Path=/, AWSALBCORS=cors; Path=/; SameSite=None; Secure",
	"User-Agent: osmotop/test",
};

static struct wsconn_spec
spec_for(struct fixture *f, const char *url, const struct strv *headers)
{
	return (struct wsconn_spec){
		.url = url,
		.headers = headers,
		.cb = { .open = seen_open,
		        .message = seen_message,
		        .closed = seen_closed,
		        .ctx = f },
	};
}

/* A socketpair with the client on one end; buf > 0 shrinks both ends' buffers. */
static struct fixture *
fixture_pair(enum answer answer, int buf)
{
	struct fixture *f = fixture_new();
	struct strv headers = { 0 };
	int sv[2];
	struct api_error err = { 0 };

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	for (int i = 0; buf > 0 && i < 2; i++) {
		assert_int_equal(setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf)), 0);
		assert_int_equal(setsockopt(sv[i], SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf)), 0);
	}
	f->cs.fd = sv[0];
	f->peer.fd = sv[1];
	f->peer.answer = answer;
	for (size_t i = 0; i < ARRAY_SIZE(test_headers); i++)
		strv_push(&headers, test_headers[i]);
	struct wsconn_transport t = {
		.send = sock_send, .recv = sock_recv, .fd = sv[0], .ctx = &f->cs
	};
	struct wsconn_spec spec = spec_for(f, URL, &headers);

	f->c = wsconn_open(&t, &spec, f->now, &err);
	strv_free(&headers);
	assert_non_null(f->c);
	return f;
}

/* A socketpair fixture that is open, or the test fails. */
static struct fixture *
fixture_open(int buf)
{
	struct fixture *f = fixture_pair(ANSWER_OK, buf);

	assert_true(pump(f, until_opened, 0));
	assert_int_equal(f->seen.opened, 1);
	assert_int_equal(f->seen.closed, 0);
	return f;
}

static void
msgs_free(struct msg *m, int n)
{
	for (int i = 0; i < n; i++)
		free(m[i].data);
}

static void
fixture_free(struct fixture *f)
{
	wsconn_free(f->c);
	if (f->peer.ctx)
		wslay_event_context_free(f->peer.ctx);
	strbuf_free(&f->peer.req);
	msgs_free(f->peer.msgs, f->peer.n);
	msgs_free(f->seen.msgs, f->seen.n);
	if (f->cs.fd >= 0)
		close(f->cs.fd);
	if (f->peer.fd >= 0)
		close(f->peer.fd);
	if (f->listen_fd >= 0)
		close(f->listen_fd);
	http_free(f->http);
	free(f);
}

static void
test_handshake_ok(void **state)
{
	struct fixture *f = fixture_open(0);
	char v[256];

	(void)state;
	/* The request line and the headers RFC 6455 §4.1 asks for, plus the caller's. */
	assert_true(str_starts_with(
	        f->peer.req.buf,
	        "GET /api/router/exec/wf-1/client/EXEC-abc?timeout=5 HTTP/1.1\r\n"));
	peer_header(&f->peer, "Host", v, sizeof(v));
	assert_string_equal(v, "router.test:8080");
	peer_header(&f->peer, "Upgrade", v, sizeof(v));
	assert_string_equal(v, "websocket");
	peer_header(&f->peer, "Connection", v, sizeof(v));
	assert_string_equal(v, "Upgrade");
	peer_header(&f->peer, "Sec-WebSocket-Version", v, sizeof(v));
	assert_string_equal(v, "13");
	peer_header(&f->peer, "Sec-WebSocket-Key", v, sizeof(v));
	assert_int_equal(strlen(v), WSPROTO_KEY_LEN);
	/* The key is base64 of 16 bytes. */
	assert_string_equal(v + 22, "==");
	for (size_t i = 0; i < ARRAY_SIZE(test_headers); i++)
		assert_non_null(strstr(f->peer.req.buf, test_headers[i]));
	assert_true(wsconn_is_open(f->c));

	/* A binary message each way, NUL and 0xff intact. */
	static const unsigned char bin[] = { 'h', 'i', 0, 0xff, 0x80, '\n' };

	assert_int_equal(wsconn_send(f->c, bin, sizeof(bin)), 0);
	assert_true(pump(f, until_peer_has, 1));
	assert_int_equal(f->peer.msgs[0].opcode, WSLAY_BINARY_FRAME);
	assert_int_equal(f->peer.msgs[0].n, sizeof(bin));
	assert_memory_equal(f->peer.msgs[0].data, bin, sizeof(bin));
	peer_queue(&f->peer, WSLAY_BINARY_FRAME, bin, sizeof(bin));
	assert_true(pump(f, until_seen, 1));
	assert_int_equal(f->seen.msgs[0].n, sizeof(bin));
	assert_memory_equal(f->seen.msgs[0].data, bin, sizeof(bin));
	assert_int_equal(f->seen.closed, 0);
	fixture_free(f);
}

static void
test_two_keys_differ(void **state)
{
	struct fixture *a = fixture_open(0), *b = fixture_open(0);
	char ka[64], kb[64];

	(void)state;
	peer_header(&a->peer, "Sec-WebSocket-Key", ka, sizeof(ka));
	peer_header(&b->peer, "Sec-WebSocket-Key", kb, sizeof(kb));
	assert_string_not_equal(ka, kb);
	fixture_free(a);
	fixture_free(b);
}

/* An upgrade that fails: closed() once, never open(), opened false, err as given. */
static void
assert_upgrade_fails(enum answer answer, enum api_error_kind kind, const char *needle)
{
	struct fixture *f = fixture_pair(answer, 0);

	assert_true(pump(f, until_closed, 0));
	assert_int_equal(f->seen.opened, 0);
	assert_int_equal(f->seen.closed, 1);
	assert_false(f->seen.end.opened);
	assert_false(f->seen.end.clean);
	assert_int_equal(f->seen.end.code, 1006);
	assert_int_equal(f->seen.end.err.kind, kind);
	if (!strstr(f->seen.end.err.message, needle))
		fail_msg("\"%s\" lacks \"%s\"", f->seen.end.err.message, needle);
	assert_non_null(strstr(f->seen.end.err.message, "router.test:8080"));
	/* Neither the key in the path nor the token is in the message. */
	assert_null(strstr(f->seen.end.err.message, "EXEC-abc"));
	assert_null(strstr(f->seen.end.err.message, "secret-token"));
	assert_false(wsconn_is_open(f->c));
	assert_int_equal(wsconn_send(f->c, "x", 1), -1);
	fixture_free(f);
}

static void
test_wrong_accept_rejected(void **state)
{
	(void)state;
	assert_upgrade_fails(ANSWER_WRONG_ACCEPT, API_ERR_DECODE, "Sec-WebSocket-Accept");
}

static void
test_403_rejected(void **state)
{
	struct fixture *f = fixture_pair(ANSWER_403, 0);

	(void)state;
	assert_true(pump(f, until_closed, 0));
	assert_int_equal(f->seen.end.err.http_status, 403);
	fixture_free(f);
	assert_upgrade_fails(ANSWER_403, API_ERR_AUTH, "refused: HTTP/1.1 403 Forbidden");
}

static void
test_bad_answers_rejected(void **state)
{
	(void)state;
	assert_upgrade_fails(ANSWER_NO_UPGRADE, API_ERR_DECODE, "lacks Upgrade");
	assert_upgrade_fails(ANSWER_EXTENSION, API_ERR_DECODE, "Sec-WebSocket-Extensions");
}

static void
test_frames_with_the_101(void **state)
{
	struct fixture *f = fixture_pair(ANSWER_OK_WITH_FRAMES, 0);
	unsigned char fr[64];
	size_t n = frame(fr, 0x82, "third");

	(void)state;
	assert_true(pump(f, until_seen, 2));
	assert_int_equal(f->seen.opened, 1);
	assert_string_equal((char *)f->seen.msgs[0].data, "first");
	assert_string_equal((char *)f->seen.msgs[1].data, "second");
	/* The rest of the half frame completes it. */
	peer_write(&f->peer, fr + 3, n - 3);
	assert_true(pump(f, until_seen, 3));
	assert_string_equal((char *)f->seen.msgs[2].data, "third");
	assert_int_equal(f->seen.closed, 0);
	fixture_free(f);
}

static void
test_fragments_reassembled(void **state)
{
	struct fixture *f = fixture_open(0);
	unsigned char buf[256];
	size_t n = 0;

	(void)state;
	n += frame(buf + n, 0x02, "frag-one|");
	n += frame(buf + n, 0x00, "frag-two|");
	/* A ping between fragments is allowed and answered. */
	n += frame(buf + n, 0x89, "p");
	n += frame(buf + n, 0x80, "frag-three");
	peer_write(&f->peer, buf, n);
	assert_true(pump(f, until_seen, 1));
	assert_int_equal(f->seen.n, 1);
	assert_string_equal((char *)f->seen.msgs[0].data, "frag-one|frag-two|frag-three");
	assert_true(pump(f, until_peer_has, 1));
	assert_int_equal(f->peer.msgs[0].opcode, WSLAY_PONG);
	assert_string_equal((char *)f->peer.msgs[0].data, "p");
	fixture_free(f);
}

static void
test_big_message_small_buffers(void **state)
{
	/* 4 KiB socket buffers: every step meets would-block on both sides. */
	struct fixture *f = fixture_open(4096);
	unsigned char *big = xmalloc(BIG);

	(void)state;
	for (size_t i = 0; i < BIG; i++)
		big[i] = (unsigned char)(i * 131 + 7);
	assert_int_equal(wsconn_send(f->c, big, BIG), 0);
	assert_true(wsconn_queued(f->c) >= BIG);
	assert_true(pump(f, until_peer_has, 1));
	assert_int_equal(f->peer.msgs[0].n, BIG);
	assert_memory_equal(f->peer.msgs[0].data, big, BIG);
	assert_true(pump(f, until_flushed, 0));
	assert_int_equal(wsconn_queued(f->c), 0);
	peer_queue(&f->peer, WSLAY_BINARY_FRAME, big, BIG);
	assert_true(pump(f, until_seen, 1));
	assert_int_equal(f->seen.msgs[0].n, BIG);
	assert_memory_equal(f->seen.msgs[0].data, big, BIG);
	assert_true(f->cs.send_again > 0);
	assert_true(f->cs.recv_again > 0);
	assert_int_equal(f->seen.closed, 0);
	free(big);
	fixture_free(f);
}

static void
test_long_upgrade_request_would_block(void **state)
{
	/* A cookie larger than the socket buffer: the request goes out in pieces. */
	struct fixture *f = fixture_new();
	struct strv headers = { 0 };
	struct strbuf cookie = { 0 };
	struct api_error err = { 0 };
	int sv[2], buf = 4096;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf)), 0);
	assert_int_equal(setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf)), 0);
	f->cs.fd = sv[0];
	f->peer.fd = sv[1];
	strbuf_addstr(&cookie, "Cookie: big=");
	for (int i = 0; i < 12000; i++)
		strbuf_addch(&cookie, (char)('a' + i % 26));
	strv_push(&headers, cookie.buf);
	struct wsconn_transport t = {
		.send = sock_send, .recv = sock_recv, .fd = sv[0], .ctx = &f->cs
	};
	struct wsconn_spec spec = spec_for(f, URL, &headers);

	f->c = wsconn_open(&t, &spec, f->now, &err);
	assert_non_null(f->c);
	assert_true(pump(f, until_opened, 0));
	assert_int_equal(f->seen.opened, 1);
	assert_true(f->cs.send_again > 0);
	assert_non_null(strstr(f->peer.req.buf, cookie.buf));
	strbuf_free(&cookie);
	strv_free(&headers);
	fixture_free(f);
}

static void
test_ping_answered(void **state)
{
	struct fixture *f = fixture_open(0);

	(void)state;
	peer_queue(&f->peer, WSLAY_PING, "abc", 3);
	assert_true(pump(f, until_peer_has, 1));
	assert_int_equal(f->peer.msgs[0].opcode, WSLAY_PONG);
	assert_string_equal((char *)f->peer.msgs[0].data, "abc");
	assert_int_equal(f->seen.n, 0);
	fixture_free(f);
}

static void
test_server_close_clean(void **state)
{
	struct fixture *f = fixture_open(0);

	(void)state;
	f->seen.free_on_close = true;
	assert_int_equal(wslay_event_queue_close(f->peer.ctx, 1000, (const uint8_t *)"bye", 3), 0);
	assert_true(pump(f, until_closed, 0));
	assert_int_equal(f->seen.closed, 1);
	assert_true(f->seen.end.clean);
	assert_true(f->seen.end.opened);
	assert_false(f->seen.end.local);
	assert_int_equal(f->seen.end.code, 1000);
	assert_string_equal(f->seen.end.reason, "bye");
	assert_int_equal(f->seen.end.err.kind, API_OK);
	/* Freed inside closed(): nothing touched it afterwards (ASan watches). */
	assert_null(f->c);
	/* The client answered the close frame before ending. */
	assert_true(pump(f, until_peer_has, 1));
	assert_int_equal(f->peer.msgs[0].opcode, WSLAY_CONNECTION_CLOSE);
	assert_int_equal(f->peer.msgs[0].code, 1000);
	fixture_free(f);
}

static void
test_server_close_1001_and_no_code_clean(void **state)
{
	struct fixture *f = fixture_open(0);
	unsigned char empty_close[] = { 0x88, 0x00 };

	(void)state;
	assert_int_equal(wslay_event_queue_close(f->peer.ctx, 1001, NULL, 0), 0);
	assert_true(pump(f, until_closed, 0));
	assert_true(f->seen.end.clean);
	assert_int_equal(f->seen.end.code, 1001);
	fixture_free(f);
	/* A close frame without a code is orderly too (1005), as Python's websockets says. */
	f = fixture_open(0);
	peer_write(&f->peer, empty_close, sizeof(empty_close));
	assert_true(pump(f, until_closed, 0));
	assert_true(f->seen.end.clean);
	assert_int_equal(f->seen.end.code, 1005);
	fixture_free(f);
}

static void
test_server_close_1011_abnormal(void **state)
{
	struct fixture *f = fixture_open(0);

	(void)state;
	assert_int_equal(wslay_event_queue_close(f->peer.ctx, 1011, (const uint8_t *)"boom\x01", 5),
	                 0);
	assert_true(pump(f, until_closed, 0));
	assert_false(f->seen.end.clean);
	assert_true(f->seen.end.opened);
	assert_int_equal(f->seen.end.code, 1011);
	/* The reason arrives flattened to printable text. */
	assert_string_equal(f->seen.end.reason, "boom?");
	assert_int_equal(f->seen.end.err.kind, API_ERR_TRANSPORT);
	assert_non_null(strstr(f->seen.end.err.message, "1011"));
	assert_non_null(strstr(f->seen.end.err.message, "boom"));
	fixture_free(f);
}

/* 1012 "service restart" (a restarting router) is what the peer said, not a 1002 of wslay's. */
static void
test_server_close_1012_reported(void **state)
{
	struct fixture *f = fixture_open(0);

	(void)state;
	assert_int_equal(
	        wslay_event_queue_close(f->peer.ctx, 1012, (const uint8_t *)"router restart", 14),
	        0);
	assert_true(pump(f, until_closed, 0));
	assert_false(f->seen.end.clean);
	assert_int_equal(f->seen.end.code, 1012);
	assert_string_equal(f->seen.end.reason, "router restart");
	assert_non_null(strstr(f->seen.end.err.message, "1012 service restart: router restart"));
	fixture_free(f);
}

static void
test_eof_without_close_1006(void **state)
{
	struct fixture *f = fixture_open(0);

	(void)state;
	close(f->peer.fd);
	f->peer.fd = -1;
	assert_true(pump(f, until_closed, 0));
	assert_false(f->seen.end.clean);
	assert_true(f->seen.end.opened);
	assert_int_equal(f->seen.end.code, 1006);
	assert_int_equal(f->seen.end.err.kind, API_ERR_TRANSPORT);
	assert_non_null(strstr(f->seen.end.err.message, "without a close frame"));
	assert_int_equal(wsconn_pollfds(f->c, (struct pollfd[1]){ { 0 } }, 1), 0);
	assert_int_equal(wsconn_timeout_ms(f->c, f->now), -1);
	fixture_free(f);
}

static void
test_text_frame_delivered(void **state)
{
	struct fixture *f = fixture_open(0);

	(void)state;
	peer_queue(&f->peer, WSLAY_TEXT_FRAME, "hello text", 10);
	assert_true(pump(f, until_seen, 1));
	assert_int_equal(f->seen.msgs[0].n, 10);
	assert_string_equal((char *)f->seen.msgs[0].data, "hello text");
	assert_int_equal(f->seen.closed, 0);
	fixture_free(f);
}

static void
test_empty_message_is_eof_both_ways(void **state)
{
	struct fixture *f = fixture_open(0);

	(void)state;
	assert_int_equal(wsconn_send(f->c, NULL, 0), 0);
	assert_true(pump(f, until_peer_has, 1));
	assert_int_equal(f->peer.msgs[0].opcode, WSLAY_BINARY_FRAME);
	assert_int_equal(f->peer.msgs[0].n, 0);
	peer_queue(&f->peer, WSLAY_BINARY_FRAME, NULL, 0);
	assert_true(pump(f, until_seen, 1));
	assert_int_equal(f->seen.msgs[0].n, 0);
	/* Only a message: what it means is the caller's business. */
	assert_int_equal(f->seen.closed, 0);
	assert_true(wsconn_is_open(f->c));
	fixture_free(f);
}

static void
test_local_close(void **state)
{
	struct fixture *f = fixture_open(0);

	(void)state;
	wsconn_close(f->c, 1000);
	assert_false(wsconn_is_open(f->c));
	assert_int_equal(wsconn_send(f->c, "late", 4), -1);
	assert_true(pump(f, until_closed, 0));
	assert_true(f->seen.end.clean);
	assert_true(f->seen.end.local);
	assert_int_equal(f->seen.end.code, 1000);
	assert_int_equal(f->peer.n, 1);
	assert_int_equal(f->peer.msgs[0].opcode, WSLAY_CONNECTION_CLOSE);
	assert_int_equal(f->peer.msgs[0].code, 1000);
	fixture_free(f);
}

static void
test_local_close_after_queued_data(void **state)
{
	/* Small buffers: the message is still going out when the close is asked for. */
	struct fixture *f = fixture_open(4096);
	unsigned char *big = xmalloc(BIG);

	(void)state;
	memset(big, 'z', BIG);
	assert_int_equal(wsconn_send(f->c, big, BIG), 0);
	wsconn_close(f->c, 1000);
	/* wslay would send a control frame first; the data queued before it goes first. */
	assert_true(pump(f, until_closed, 0));
	assert_true(f->seen.end.clean);
	assert_int_equal(f->peer.n, 2);
	assert_int_equal(f->peer.msgs[0].opcode, WSLAY_BINARY_FRAME);
	assert_int_equal(f->peer.msgs[0].n, BIG);
	assert_int_equal(f->peer.msgs[1].opcode, WSLAY_CONNECTION_CLOSE);
	assert_int_equal(f->peer.msgs[1].code, 1000);
	free(big);
	fixture_free(f);
}

/* Runs the loop a few rounds with nothing expected. */
static void
spin(struct fixture *f)
{
	for (int i = 0; i < 5; i++) {
		struct pollfd fds[2];
		int n = f->c ? wsconn_pollfds(f->c, fds, 1) : 0;

		fds[n] = (struct pollfd){ .fd = f->peer.fd, .events = POLLIN };
		poll(fds, (nfds_t)n + 1, 0);
		if (f->c)
			wsconn_dispatch(f->c, fds, n, f->now);
		if (f->peer.fd >= 0)
			peer_service(&f->peer, fds[n].revents);
	}
}

static void
test_local_close_unanswered(void **state)
{
	struct fixture *f = fixture_open(0);

	(void)state;
	f->peer.paused = true;
	wsconn_close(f->c, 1001);
	/* The next dispatch sends the frame and starts the wait. */
	assert_int_equal(wsconn_timeout_ms(f->c, f->now), 0);
	spin(f);
	assert_int_equal(f->seen.closed, 0);
	assert_int_equal(wsconn_timeout_ms(f->c, f->now), WSCONN_CLOSE_WAIT_MS);
	f->now += WSCONN_CLOSE_WAIT_MS;
	assert_true(pump(f, until_closed, 0));
	assert_true(f->seen.end.local);
	assert_true(f->seen.end.clean);
	assert_int_equal(f->seen.end.code, 1001);
	fixture_free(f);
}

static void
test_ping_timer_and_dead_path(void **state)
{
	struct fixture *f = fixture_open(0);

	(void)state;
	/* Opened at T0: the first ping is due 20 s later. */
	assert_int_equal(wsconn_timeout_ms(f->c, T0), WSCONN_PING_MS);
	f->now = T0 + WSCONN_PING_MS - 1;
	spin(f);
	assert_int_equal(f->peer.n, 0);
	assert_int_equal(wsconn_timeout_ms(f->c, f->now), 1);
	f->now = T0 + WSCONN_PING_MS;
	assert_true(pump(f, until_peer_has, 1));
	assert_int_equal(f->peer.msgs[0].opcode, WSLAY_PING);
	assert_int_equal(f->peer.msgs[0].n, 8);
	/* The pong is data: the dead-path clock restarts now (the silence below relies on it). */
	spin(f);
	assert_int_equal(wsconn_timeout_ms(f->c, f->now), WSCONN_PING_MS);

	/* A server that stops answering: pings go unanswered until 40 s of silence. */
	int64_t alive = f->now;

	f->peer.paused = true;
	f->now = alive + WSCONN_PING_MS;
	spin(f);
	assert_int_equal(f->seen.closed, 0);
	assert_int_equal(wsconn_timeout_ms(f->c, f->now), WSCONN_DEAD_MS - WSCONN_PING_MS);
	f->now = alive + WSCONN_DEAD_MS - 1;
	spin(f);
	assert_int_equal(f->seen.closed, 0);
	f->now = alive + WSCONN_DEAD_MS;
	spin(f);
	assert_int_equal(f->seen.closed, 1);
	assert_false(f->seen.end.clean);
	assert_int_equal(f->seen.end.code, 1006);
	assert_int_equal(f->seen.end.err.kind, API_ERR_TIMEOUT);
	assert_non_null(strstr(f->seen.end.err.message, "no data from router.test:8080"));
	fixture_free(f);
}

/* Bytes waiting in the client's socket, unread. */
static int
unread(struct fixture *f)
{
	int n = 0;

	assert_int_equal(ioctl(f->cs.fd, FIONREAD, &n), 0);
	return n;
}

static void
test_pause_holds_reads(void **state)
{
	struct fixture *f = fixture_open(0);
	struct pollfd fd;
	int recvs;

	(void)state;
	wsconn_pause(f->c, true);
	assert_true(wsconn_paused(f->c));
	assert_int_equal(wsconn_pollfds(f->c, &fd, 1), 1);
	assert_false(fd.events & POLLIN);
	peer_queue(&f->peer, WSLAY_BINARY_FRAME, "held", 4);
	peer_service(&f->peer, 0);
	assert_true(unread(f) > 0);
	recvs = f->cs.recvs;
	/* Readable or not, nothing is read: the bytes stay in the socket. */
	for (int i = 0; i < 3; i++)
		wsconn_dispatch(f->c, &(struct pollfd){ .fd = f->cs.fd, .revents = POLLIN }, 1,
		                f->now);
	spin(f);
	assert_int_equal(f->cs.recvs, recvs);
	assert_int_equal(f->seen.n, 0);
	assert_true(unread(f) > 0);
	/* Sends go on while paused. */
	assert_int_equal(wsconn_send(f->c, "up", 2), 0);
	assert_true(pump(f, until_peer_has, 1));
	assert_string_equal((char *)f->peer.msgs[0].data, "up");
	assert_int_equal(f->seen.n, 0);
	/* Resumed: the next dispatch reads at once, without waiting for poll(). */
	wsconn_pause(f->c, false);
	assert_false(wsconn_paused(f->c));
	assert_int_equal(wsconn_timeout_ms(f->c, f->now), 0);
	wsconn_dispatch(f->c, NULL, 0, f->now);
	assert_int_equal(f->seen.n, 1);
	assert_string_equal((char *)f->seen.msgs[0].data, "held");
	assert_int_equal(unread(f), 0);
	assert_true(wsconn_timeout_ms(f->c, f->now) > 0);
	assert_int_equal(f->seen.closed, 0);
	fixture_free(f);
}

static void
test_pause_inside_message(void **state)
{
	struct fixture *f = fixture_open(0);
	enum { N = 3, SIZE = 64 << 10 };
	unsigned char *big = xmalloc(SIZE);

	(void)state;
	/* Three messages far larger than a read: a pause in the first stops the rest. */
	for (int i = 0; i < N; i++) {
		memset(big, 'a' + i, SIZE);
		peer_queue(&f->peer, WSLAY_BINARY_FRAME, big, SIZE);
	}
	f->seen.pause_on_message = true;
	assert_true(pump(f, until_seen, 1));
	for (int i = 0; i < 10; i++)
		spin(f);
	assert_int_equal(f->seen.n, 1);
	assert_true(wsconn_paused(f->c));
	/* Resumed, the rest arrives whole and in order. */
	f->seen.pause_on_message = false;
	wsconn_pause(f->c, false);
	assert_true(pump(f, until_seen, N));
	for (int i = 0; i < N; i++) {
		assert_int_equal(f->seen.msgs[i].n, SIZE);
		assert_int_equal(f->seen.msgs[i].data[0], 'a' + i);
		assert_int_equal(f->seen.msgs[i].data[SIZE - 1], 'a' + i);
	}
	assert_int_equal(f->seen.closed, 0);
	free(big);
	fixture_free(f);
}

static void
test_pause_stops_dead_timer(void **state)
{
	struct fixture *f = fixture_open(0);
	int pings = 0;

	(void)state;
	wsconn_pause(f->c, true);
	/* Paused, only pings are due: silence is ours, not the path's. */
	for (int i = 1; i <= 4; i++) {
		f->now = T0 + i * WSCONN_PING_MS;
		spin(f);
		assert_int_equal(f->seen.closed, 0);
		assert_int_equal(wsconn_timeout_ms(f->c, f->now), WSCONN_PING_MS);
	}
	for (int i = 0; i < f->peer.n; i++)
		pings += f->peer.msgs[i].opcode == WSLAY_PING;
	assert_int_equal(pings, 4);
	/* Resumed, the peer has a whole WSCONN_DEAD_MS from now; the pongs come with it. */
	wsconn_pause(f->c, false);
	f->peer.paused = true;
	spin(f);
	assert_int_equal(f->seen.closed, 0);
	assert_int_equal(wsconn_timeout_ms(f->c, f->now), WSCONN_PING_MS);
	f->now += WSCONN_DEAD_MS - 1;
	spin(f);
	assert_int_equal(f->seen.closed, 0);
	f->now += 1;
	spin(f);
	assert_int_equal(f->seen.closed, 1);
	assert_int_equal(f->seen.end.err.kind, API_ERR_TIMEOUT);
	fixture_free(f);
}

static void
test_pause_then_hangup(void **state)
{
	struct fixture *f = fixture_open(0);

	(void)state;
	wsconn_pause(f->c, true);
	close(f->peer.fd);
	f->peer.fd = -1;
	/* poll() reports the hang-up whatever was asked: it ends the connection, no spinning. */
	assert_true(pump(f, until_closed, 0));
	assert_int_equal(f->seen.end.code, 1006);
	assert_int_equal(f->seen.end.err.kind, API_ERR_TRANSPORT);
	assert_non_null(strstr(f->seen.end.err.message, "broke while paused"));
	fixture_free(f);
}

static void
test_pause_lets_close_finish(void **state)
{
	struct fixture *f = fixture_open(0);

	(void)state;
	wsconn_pause(f->c, true);
	/* Closing reads the peer's answer although the caller paused. */
	wsconn_close(f->c, 1000);
	assert_true(pump(f, until_closed, 0));
	assert_true(f->seen.end.clean);
	assert_true(f->seen.end.local);
	assert_true(wslay_event_get_close_received(f->peer.ctx));
	fixture_free(f);
}

static void
test_drop_sends_close(void **state)
{
	struct fixture *f = fixture_open(0);

	(void)state;
	assert_int_equal(wsconn_send(f->c, "last", 4), 0);
	wsconn_drop(f->c, 1000);
	f->c = NULL;
	/* Queued data, then the close frame, already in the socket: no dispatch after the drop. */
	assert_true(pump(f, until_peer_has, 2));
	assert_string_equal((char *)f->peer.msgs[0].data, "last");
	assert_int_equal(f->peer.msgs[1].opcode, WSLAY_CONNECTION_CLOSE);
	assert_int_equal(f->peer.msgs[1].code, 1000);
	/* And no callback: the owner asked for the drop. */
	assert_int_equal(f->seen.closed, 0);
	fixture_free(f);
	/* Not yet open: nothing but the request was ever sent. */
	f = fixture_pair(ANSWER_NONE, 0);
	spin(f);
	wsconn_drop(f->c, 1000);
	f->c = NULL;
	spin(f);
	assert_int_equal(f->peer.n, 0);
	/* peer.n counts no frames before an answer: the request's end must be the last byte read. */
	assert_non_null(f->peer.req.buf);
	assert_non_null(strstr(f->peer.req.buf, "\r\n\r\n"));
	assert_string_equal(strstr(f->peer.req.buf, "\r\n\r\n"), "\r\n\r\n");
	assert_int_equal(f->seen.closed, 0);
	fixture_free(f);
}

static void
test_upgrade_timeout(void **state)
{
	struct fixture *f = fixture_pair(ANSWER_NONE, 0);

	(void)state;
	spin(f);
	assert_int_equal(f->seen.closed, 0);
	assert_int_equal(wsconn_timeout_ms(f->c, f->now), WSCONN_OPEN_TIMEOUT_MS);
	f->now += WSCONN_OPEN_TIMEOUT_MS;
	spin(f);
	assert_int_equal(f->seen.closed, 1);
	assert_false(f->seen.end.opened);
	assert_int_equal(f->seen.end.err.kind, API_ERR_TIMEOUT);
	fixture_free(f);
}

static void
test_message_too_big(void **state)
{
	struct fixture *f = fixture_open(0);
	/* A frame announcing 16 MiB + 1: refused at its first payload bytes. */
	unsigned char hdr[14] = {
		0x82, 127, 0, 0, 0, 0, 0x01, 0x00, 0x00, 0x01, 'a', 'b', 'c', 'd'
	};

	(void)state;
	peer_write(&f->peer, hdr, sizeof(hdr));
	assert_true(pump(f, until_closed, 0));
	assert_false(f->seen.end.clean);
	assert_int_equal(f->seen.end.code, 1009);
	assert_int_equal(f->seen.end.err.kind, API_ERR_DECODE);
	assert_non_null(strstr(f->seen.end.err.message, "message too big"));
	assert_int_equal(f->seen.n, 0);
	fixture_free(f);
}

static void
test_masked_server_frame_is_protocol_error(void **state)
{
	struct fixture *f = fixture_open(0);
	unsigned char fr[] = { 0x82, 0x81, 1, 2, 3, 4, 'x' ^ 1 };

	(void)state;
	peer_write(&f->peer, fr, sizeof(fr));
	assert_true(pump(f, until_closed, 0));
	assert_int_equal(f->seen.end.code, 1002);
	assert_false(f->seen.end.clean);
	assert_int_equal(f->seen.n, 0);
	fixture_free(f);
}

static void
test_free_inside_message(void **state)
{
	struct fixture *f = fixture_open(0);
	unsigned char buf[64];
	size_t n = 0;

	(void)state;
	f->seen.free_on_message = true;
	n += frame(buf + n, 0x82, "one");
	n += frame(buf + n, 0x82, "two");
	peer_write(&f->peer, buf, n);
	assert_true(pump(f, until_seen, 1));
	spin(f);
	/* Dropped in the first callback: the second message is never delivered. */
	assert_null(f->c);
	assert_int_equal(f->seen.n, 1);
	assert_int_equal(f->seen.closed, 0);
	fixture_free(f);
}

static void
test_close_before_open(void **state)
{
	struct fixture *f = fixture_pair(ANSWER_NONE, 0);

	(void)state;
	wsconn_close(f->c, 1000);
	assert_int_equal(wsconn_timeout_ms(f->c, f->now), 0);
	spin(f);
	assert_int_equal(f->seen.closed, 1);
	assert_false(f->seen.end.opened);
	assert_true(f->seen.end.local);
	assert_int_equal(f->seen.opened, 0);
	fixture_free(f);
}

static void
test_bad_specs(void **state)
{
	struct fixture *f = fixture_new();
	struct strv headers = { 0 };
	struct api_error err = { 0 };
	struct wsconn_transport t = {
		.send = sock_send, .recv = sock_recv, .fd = -1, .ctx = &f->cs
	};
	struct wsconn_spec spec = spec_for(f, URL, &headers);

	(void)state;
	/* A value with CR LF would smuggle headers: refused without echoing it. */
	strv_push(&headers, "Cookie: a=b\r\nX-Evil: secret-token");
	assert_null(wsconn_open(&t, &spec, T0, &err));
	assert_int_equal(err.kind, API_ERR_USAGE);
	assert_null(strstr(err.message, "secret-token"));
	strv_free(&headers);
	strv_push(&headers, "no colon here");
	assert_null(wsconn_open(&t, &spec, T0, &err));
	strv_free(&headers);
	spec.url = "https://router.test/x";
	assert_null(wsconn_open(&t, &spec, T0, &err));
	assert_int_equal(err.kind, API_ERR_USAGE);
	spec.url = "ws://";
	assert_null(wsconn_open(&t, &spec, T0, &err));
	fixture_free(f);
}

static void
test_url_split(void **state)
{
	static const struct {
		const char *url, *host, *target;
	} cases[] = {
		{ "ws://h", "h", "/" },
		{ "wss://gw.example.com/api/router/exec/w/client/K", "gw.example.com",
		  "/api/router/exec/w/client/K" },
		{ "WS://h:81/p?q=1&r=%20#frag", "h:81", "/p?q=1&r=%20" },
		{ "wss://[::1]:8443/x", "[::1]:8443", "/x" },
		{ "http://127.0.0.1:9/", "127.0.0.1:9", "/" },
	};
	struct api_error err = { 0 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *host = NULL, *target = NULL;

		if (http_url_split(cases[i].url, &host, &target, &err) != 0)
			fail_msg("%s: %s", cases[i].url, err.message);
		assert_string_equal(host, cases[i].host);
		assert_string_equal(target, cases[i].target);
		free(host);
		free(target);
	}
	char *host = NULL, *target = NULL;

	assert_int_equal(http_url_split("ftp://h/x", &host, &target, &err), -1);
	assert_null(host);
	assert_int_equal(http_url_split("ws://exam ple/x", &host, &target, &err), -1);
}

/* A listening socket on 127.0.0.1 and a ws:// URL for it. */
static struct fixture *
fixture_listen(char *url, size_t cap, const char *path)
{
	struct fixture *f = fixture_new();
	int port;

	f->listen_fd = lfix_listen(&port);
	snprintf(url, cap, "ws://127.0.0.1:%d%s", port, path);
	f->http = http_new("osmotop/test");
	return f;
}

static void
test_connect_through_curl(void **state)
{
	char url[128];
	struct fixture *f = fixture_listen(url, sizeof(url), "/api/router/portforward/w/client/K1");
	struct api_error err = { 0 };
	struct wsconn_spec spec = spec_for(f, url, NULL);

	(void)state;
	f->peer.answer = ANSWER_OK;
	f->c = wsconn_connect(f->http, &spec, f->now, &err);
	assert_non_null(f->c);
	/* While curl connects, its descriptors are http's to poll. */
	assert_int_equal(wsconn_pollfds(f->c, (struct pollfd[1]){ { 0 } }, 1), 0);
	assert_true(pump(f, until_opened, 0));
	assert_int_equal(f->seen.opened, 1);
	assert_true(str_starts_with(f->peer.req.buf,
	                            "GET /api/router/portforward/w/client/K1 HTTP/1.1\r\n"));
	/* Connected, the socket is ours to poll, no longer curl's. */
	struct pollfd fds[8];

	assert_int_equal(http_pollfds(f->http, fds, 8), 0);
	assert_int_equal(wsconn_pollfds(f->c, fds, 1), 1);
	assert_int_equal(wsconn_send(f->c, "over curl", 9), 0);
	assert_true(pump(f, until_peer_has, 1));
	assert_string_equal((char *)f->peer.msgs[0].data, "over curl");
	peer_queue(&f->peer, WSLAY_BINARY_FRAME, "back", 4);
	assert_true(pump(f, until_seen, 1));
	assert_string_equal((char *)f->seen.msgs[0].data, "back");
	wsconn_close(f->c, 1000);
	assert_true(pump(f, until_closed, 0));
	assert_true(f->seen.end.clean);
	assert_true(f->seen.end.local);
	/* The raw connection is not a request. */
	assert_int_equal(http_in_flight(f->http), 0);
	fixture_free(f);
}

static void
test_connect_refused(void **state)
{
	char url[128];
	struct fixture *f = fixture_listen(url, sizeof(url), "/api/router/exec/w/client/SECRETKEY");
	struct api_error err = { 0 };
	struct wsconn_spec spec = spec_for(f, url, NULL);
	char host[sizeof(url)];

	(void)state;
	/* Nothing listens once the socket is closed. */
	close(f->listen_fd);
	f->listen_fd = -1;
	f->c = wsconn_connect(f->http, &spec, f->now, &err);
	assert_non_null(f->c);
	assert_true(pump(f, until_closed, 0));
	assert_false(f->seen.end.opened);
	assert_int_equal(f->seen.end.err.kind, API_ERR_TRANSPORT);
	snprintf(host, sizeof(host), "%s", url + 5);
	*strchr(host, '/') = '\0';
	if (!strstr(f->seen.end.err.message, host))
		fail_msg("\"%s\" does not name %s", f->seen.end.err.message, host);
	assert_null(strstr(f->seen.end.err.message, "SECRETKEY"));
	fixture_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_ok),
		cmocka_unit_test(test_two_keys_differ),
		cmocka_unit_test(test_wrong_accept_rejected),
		cmocka_unit_test(test_403_rejected),
		cmocka_unit_test(test_bad_answers_rejected),
		cmocka_unit_test(test_frames_with_the_101),
		cmocka_unit_test(test_fragments_reassembled),
		cmocka_unit_test(test_big_message_small_buffers),
		cmocka_unit_test(test_long_upgrade_request_would_block),
		cmocka_unit_test(test_ping_answered),
		cmocka_unit_test(test_server_close_clean),
		cmocka_unit_test(test_server_close_1001_and_no_code_clean),
		cmocka_unit_test(test_server_close_1011_abnormal),
		cmocka_unit_test(test_server_close_1012_reported),
		cmocka_unit_test(test_eof_without_close_1006),
		cmocka_unit_test(test_text_frame_delivered),
		cmocka_unit_test(test_empty_message_is_eof_both_ways),
		cmocka_unit_test(test_local_close),
		cmocka_unit_test(test_local_close_unanswered),
		cmocka_unit_test(test_local_close_after_queued_data),
		cmocka_unit_test(test_ping_timer_and_dead_path),
		cmocka_unit_test(test_pause_holds_reads),
		cmocka_unit_test(test_pause_inside_message),
		cmocka_unit_test(test_pause_stops_dead_timer),
		cmocka_unit_test(test_pause_then_hangup),
		cmocka_unit_test(test_pause_lets_close_finish),
		cmocka_unit_test(test_drop_sends_close),
		cmocka_unit_test(test_upgrade_timeout),
		cmocka_unit_test(test_message_too_big),
		cmocka_unit_test(test_masked_server_frame_is_protocol_error),
		cmocka_unit_test(test_free_inside_message),
		cmocka_unit_test(test_close_before_open),
		cmocka_unit_test(test_bad_specs),
		cmocka_unit_test(test_url_split),
		cmocka_unit_test(test_connect_through_curl),
		cmocka_unit_test(test_connect_refused),
	};

	/* The connect tests talk to 127.0.0.1: no proxy from the environment. */
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
