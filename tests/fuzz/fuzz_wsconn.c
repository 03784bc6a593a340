/*
 * fuzz_wsconn.c: the WebSocket client against a peer that says the input: the upgrade's answer
 * and frames (first byte odd: a good 101 for the request's key comes first), in small reads.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "client/wsconn.h"
#include "common/util.h"
#include "common/wsproto.h"
#include "fuzz.h"

#define FUZZ_WSCONN_ROUNDS 200

/* The other end of the connection: what it has to say, and what it heard. */
struct fuzz_peer {
	const uint8_t *data;
	size_t size, off;
	struct strbuf req;    /* what the client sent, up to its upgrade request's end */
	struct strbuf answer; /* the good 101, once the request is whole */
	size_t answer_off;
	bool good_answer;
	bool closed;
	struct wsconn *c;
};

/* The 101 a server would give the request in p->req. */
static void
fuzz_wsconn_answer(struct fuzz_peer *p)
{
	const char *key = strstr(p->req.buf, "Sec-WebSocket-Key: ");
	char k[WSPROTO_KEY_LEN + 1], accept[WSPROTO_ACCEPT_LEN + 1];

	if (!key)
		abort(); /* the client always sends one */
	memcpy(k, key + strlen("Sec-WebSocket-Key: "), WSPROTO_KEY_LEN);
	k[WSPROTO_KEY_LEN] = '\0';
	wsproto_accept(k, accept);
	strbuf_addf(&p->answer,
	            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	            "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
	            accept);
}

static ssize_t
fuzz_wsconn_send(void *ctx, const void *buf, size_t n, struct api_error *err)
{
	struct fuzz_peer *p = ctx;

	(void)err;
	if (p->req.len < 4096)
		strbuf_add(&p->req, buf, n);
	return (ssize_t)n;
}

static ssize_t
fuzz_wsconn_recv(void *ctx, void *buf, size_t n, struct api_error *err)
{
	struct fuzz_peer *p = ctx;
	size_t take;

	(void)err;
	if (p->good_answer && !p->answer.len && p->req.len && strstr(p->req.buf, "\r\n\r\n"))
		fuzz_wsconn_answer(p);
	if (p->answer_off < p->answer.len) {
		take = p->answer.len - p->answer_off < n ? p->answer.len - p->answer_off : n;
		memcpy(buf, p->answer.buf + p->answer_off, take);
		p->answer_off += take;
		return (ssize_t)take;
	}
	if (p->good_answer && !p->answer.len)
		return WSCONN_IO_AGAIN;
	if (p->off == p->size)
		return WSCONN_IO_EOF;
	/* Reads of 1 to 61 bytes, so frames and headers come cut anywhere. */
	take = 1 + (p->off * 7) % 61;
	take = take < n ? take : n;
	take = take < p->size - p->off ? take : p->size - p->off;
	memcpy(buf, p->data + p->off, take);
	p->off += take;
	return (ssize_t)take;
}

static void
fuzz_wsconn_open(void *ctx)
{
	struct fuzz_peer *p = ctx;

	wsconn_send(p->c, "hello", 5);
}

static void
fuzz_wsconn_message(void *ctx, const unsigned char *data, size_t n)
{
	struct fuzz_peer *p = ctx;

	/* Answers, pauses and closes from inside the callback, as exec and forward do. */
	if (n && data[0] == 'e')
		wsconn_send(p->c, data, n);
	else if (n && data[0] == 'p')
		wsconn_pause(p->c, !wsconn_paused(p->c));
	else if (n && data[0] == 'c')
		wsconn_close(p->c, 1000);
}

static void
fuzz_wsconn_closed(void *ctx, const struct wsconn_end *end)
{
	struct fuzz_peer *p = ctx;

	if (strlen(end->reason) >= sizeof(end->reason))
		abort();
	p->closed = true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_peer p = { .data = data + !!size, .size = size - !!size };
	struct wsconn_transport t = { fuzz_wsconn_send, fuzz_wsconn_recv, 1000, &p };
	struct wsconn_spec spec = {
		.url = "ws://router.test:8080/api/router/exec/wf-1/client/EXEC-abc",
		.cb = { fuzz_wsconn_open, fuzz_wsconn_message, fuzz_wsconn_closed, &p },
	};
	struct api_error err;
	int64_t now = 1000000;

	p.good_answer = size && (data[0] & 1);
	p.c = wsconn_open(&t, &spec, now, &err);
	if (!p.c)
		abort();
	for (int round = 0; round < FUZZ_WSCONN_ROUNDS && !p.closed; round++) {
		struct pollfd fds[2];
		int n = wsconn_pollfds(p.c, fds, 2);

		for (int i = 0; i < n; i++)
			fds[i].revents = fds[i].events;
		if (round == FUZZ_WSCONN_ROUNDS / 2 && wsconn_paused(p.c))
			wsconn_pause(p.c, false);
		wsconn_dispatch(p.c, fds, n, now);
		/* Time moves faster once the input is spent, so the timers end the connection. */
		now += p.off == p.size ? 5000 : 10;
	}
	wsconn_free(p.c);
	strbuf_free(&p.req);
	strbuf_free(&p.answer);
	return 0;
}
