/* osmo_time.h: OSMO's naive-UTC timestamps and log-line times, as Unix milliseconds. */
#ifndef OSMO_TIME_H
#define OSMO_TIME_H

#include <stddef.h>
#include <stdint.h>

#define OSMO_TIME_BUF 32

/*
 * Parses "YYYY-MM-DDTHH:MM:SS[.f]" (a space may replace the T, seconds may be missing,
 * a trailing Z or ±HH:MM is honoured). Naive times are UTC. Returns 0 or -1.
 */
int osmo_time_parse(const char *s, int64_t *out_ms);
/* Pydantic's form: "2026-08-18T14:02:11.482000", no fraction when it is zero. */
void osmo_time_format_iso(int64_t ms, char buf[OSMO_TIME_BUF]);
/* The log-line form: "2026/08/18 14:02:11". */
void osmo_time_format_log(int64_t ms, char buf[OSMO_TIME_BUF]);
/*
 * Seconds from start_ms to end_ms (end 0: still going, so now_ms), never negative;
 * -1 when start_ms is 0 (never reached): OSMO's "duration is null if not started".
 */
double osmo_time_span_s(int64_t start_ms, int64_t end_ms, int64_t now_ms);
/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t osmo_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
