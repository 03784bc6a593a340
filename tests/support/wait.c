/* wait.c: bounded rounds of the client's poll loop for integration tests. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <string.h>

#include "wait.h"

#define WAIT_MAX_FDS 512

/* One round: polls the client's descriptors no later than limit (monotonic ms), then dispatches. */
static void
wait_http_round(struct http *h, int64_t limit)
{
	struct pollfd fds[WAIT_MAX_FDS];
	int64_t now = clock_mono_ms();
	int n = http_pollfds(h, fds, WAIT_MAX_FDS);
	int to = http_timeout_ms(h, now);

	if (to < 0 || to > limit - now)
		to = limit > now ? (int)(limit - now) : 0;
	if (poll(fds, (nfds_t)n, to) < 0)
		assert_int_equal(errno, EINTR);
	http_dispatch(h, fds, n, clock_mono_ms());
}

void
wait_http_step(struct http *h, int64_t deadline)
{
	assert_true(clock_mono_ms() < deadline);
	wait_http_round(h, deadline);
}

void
wait_http_until(struct http *h, const bool *done, int timeout_ms)
{
	int64_t deadline = clock_mono_ms() + timeout_ms;

	while (!*done)
		wait_http_step(h, deadline);
}

void
wait_http_for(struct http *h, int ms)
{
	int64_t until = clock_mono_ms() + ms;

	while (clock_mono_ms() < until)
		wait_http_round(h, until);
}

static void
wait_call_done(void *ctx, struct api_result *res)
{
	struct wait_call *c = ctx;

	c->res = *res;
	c->done = true;
}

static void
wait_call_data(void *ctx, const char *bytes, size_t n)
{
	struct wait_call *c = ctx;

	strbuf_add(&c->data, bytes, n);
	if (c->tail)
		log_tail_feed(c->tail, bytes, n);
}

struct api_callbacks
wait_call_cb(struct wait_call *c)
{
	return (struct api_callbacks){ .done = wait_call_done, .data = wait_call_data, .ctx = c };
}

struct api_callbacks
wait_call_start(struct wait_call *c)
{
	memset(c, 0, sizeof(*c));
	return wait_call_cb(c);
}

void
wait_call_free(struct wait_call *c)
{
	api_result_free(&c->res);
	strbuf_free(&c->data);
}
