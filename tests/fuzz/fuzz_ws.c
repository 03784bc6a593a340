/*
 * fuzz_ws.c: osmo-local's WebSocket leg reading the input as a client's frames (the bytes that
 * came with the upgrade request), then the end of the connection; its answers are drained.
 */
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/loop.h"
#include "fuzz.h"
#include "server/ws.h"

#define FUZZ_WS_ROUNDS 50

struct fuzz_ws {
	struct ws *w;
	bool closed;
};

static void
fuzz_ws_message(void *ctx, bool binary, const unsigned char *data, size_t n)
{
	struct fuzz_ws *f = ctx;

	(void)binary;
	/* Answers, pauses and closes from inside the callback, as the router's legs do. */
	if (n && data[0] == 'e')
		ws_send(f->w, data, n);
	else if (n && data[0] == 'p')
		ws_pause(f->w, true);
	else if (n && data[0] == 'c')
		ws_close(f->w, WS_CLOSE_NORMAL, "bye");
}

static void
fuzz_ws_drained(void *ctx)
{
	(void)ctx;
}

static void
fuzz_ws_closed(void *ctx, int code)
{
	struct fuzz_ws *f = ctx;

	if (f->closed || code < 1000 || code > 4999)
		abort(); /* once, with a code a close frame may carry or ours */
	f->closed = true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct loop *loop = loop_new();
	struct fuzz_ws f = { 0 };
	struct ws_events ev = { fuzz_ws_message, fuzz_ws_drained, fuzz_ws_closed, &f };
	char sink[4096];
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0)
		abort();
	/* The client says nothing more than the input, then hangs up. */
	shutdown(sv[1], SHUT_WR);
	f.w = ws_open(loop, NULL, sv[0], (const char *)data, size, &ev);
	for (int round = 0; round < FUZZ_WS_ROUNDS && !f.closed; round++) {
		if (round == FUZZ_WS_ROUNDS / 2)
			ws_pause(f.w, false);
		loop_run_once(loop, 0);
		while (recv(sv[1], sink, sizeof(sink), MSG_DONTWAIT) > 0)
			;
	}
	ws_free(f.w);
	loop_free(loop);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
