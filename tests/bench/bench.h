/* bench.h: what the bench drivers share: a monotonic clock in fractional milliseconds. */
#ifndef OSMO_TESTS_BENCH_H
#define OSMO_TESTS_BENCH_H

#include <time.h>

/* common/util.h's clock_mono_ms counts whole milliseconds; a 6-task snapshot takes about 8. */
static inline double
bench_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

#endif
