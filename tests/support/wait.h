/* wait.h: drive osmotop's client loop in tests, always against a deadline. */
#ifndef OSMO_TEST_WAIT_H
#define OSMO_TEST_WAIT_H

#include <stdbool.h>
#include <stdint.h>

#include "client/api.h"
#include "client/http.h"
#include "client/log_tail.h"
#include "common/loop.h"
#include "common/util.h"

/* One api call's outcome, filled in by the callbacks wait_call_cb() returns. */
struct wait_call {
	struct api_result res;
	bool done;
	struct strbuf data;    /* stream bytes */
	struct log_tail *tail; /* fed the stream too, when set */
};

/* One round of the loop; fails the test once deadline (monotonic ms) passes. */
void wait_loop_step(struct loop *l, int64_t deadline);
/* Runs rounds until *done; fails the test after timeout_ms. */
void wait_loop_until(struct loop *l, const bool *done, int timeout_ms);
/* Runs rounds for ms (streams keep flowing): a pause that never sleeps. */
void wait_loop_for(struct loop *l, int ms);
/* Callbacks that fill c (which the caller cleared, tail set if wanted). */
struct api_callbacks wait_call_cb(struct wait_call *c);
/* Clears c and returns wait_call_cb(c). */
struct api_callbacks wait_call_start(struct wait_call *c);
void wait_call_free(struct wait_call *c);

#endif
