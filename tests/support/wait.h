/* wait.h: drive osmotop's HTTP client poll loop in tests, always against a deadline. */
#ifndef OSMO_TEST_WAIT_H
#define OSMO_TEST_WAIT_H

#include <stdbool.h>
#include <stdint.h>

#include "http.h"

/* One round of the client's poll loop; fails the test once deadline (monotonic ms) passes. */
void wait_http_step(struct http *h, int64_t deadline);
/* Runs rounds until *done; fails the test after timeout_ms. */
void wait_http_until(struct http *h, const bool *done, int timeout_ms);

#endif
