/* wait.c: bounded rounds of the client's loop (common/loop.c) for integration tests. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "wait.h"

/* One round: the loop waits no later than limit (monotonic ms), then runs what is ready. */
static void
wait_loop_round(struct loop *l, int64_t limit)
{
	assert_int_equal(loop_run_once(l, util_timeout_until(limit, clock_mono_ms())), 0);
}

void
wait_loop_step(struct loop *l, int64_t deadline)
{
	assert_true(clock_mono_ms() < deadline);
	wait_loop_round(l, deadline);
}

void
wait_loop_until(struct loop *l, const bool *done, int timeout_ms)
{
	int64_t deadline = clock_mono_ms() + timeout_ms;

	while (!*done)
		wait_loop_step(l, deadline);
}

void
wait_loop_for(struct loop *l, int ms)
{
	int64_t until = clock_mono_ms() + ms;

	while (clock_mono_ms() < until)
		wait_loop_round(l, until);
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
