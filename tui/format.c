/* format.c: short text for durations, UTC times, exit codes and one-line messages. */
#include "tui/format.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/osmo_time.h"
#include "common/util.h"

void
format_duration(double secs, char buf[FORMAT_BUF])
{
	if (secs < 0) {
		snprintf(buf, FORMAT_BUF, "-");
		return;
	}
	long long s = (long long)secs;

	if (s < 60)
		snprintf(buf, FORMAT_BUF, "%llds", s);
	else if (s < 3600)
		snprintf(buf, FORMAT_BUF, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, FORMAT_BUF, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, FORMAT_BUF, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
}

void
format_bytes(uint64_t n, char buf[FORMAT_BUF])
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	size_t u = 0;

	while (v >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	/* One decimal while it still says something, none once the number is wide. */
	if (u == 0 || v >= 100)
		snprintf(buf, FORMAT_BUF, "%.0f %s", v, units[u]);
	else
		snprintf(buf, FORMAT_BUF, "%.1f %s", v, units[u]);
}

void
format_time(int64_t ms, char buf[FORMAT_BUF])
{
	char iso[OSMO_TIME_BUF];

	if (!ms) {
		snprintf(buf, FORMAT_BUF, "-");
		return;
	}
	osmo_time_format_iso(ms - ms % 1000, iso);
	iso[10] = ' ';
	snprintf(buf, FORMAT_BUF, "%s", iso);
}

void
format_bar(double fraction, int cells, bool ascii, char *out, size_t size)
{
	int filled = (int)(fraction * cells + 0.5);
	size_t n = 0;

	if (fraction < 0)
		filled = 0;
	n += (size_t)snprintf(out, size, "%s", ascii ? "[" : "▕");
	for (int i = 0; i < cells && n < size; i++)
		n += (size_t)snprintf(out + n, size - n, "%s",
		                      i < filled ? (ascii ? "#" : "█") : " ");
	if (n < size)
		snprintf(out + n, size - n, "%s", ascii ? "]" : "▏");
}

void
format_time_short(int64_t ms, char buf[FORMAT_BUF])
{
	char full[FORMAT_BUF];

	format_time(ms, full);
	if (!ms) {
		snprintf(buf, FORMAT_BUF, "-");
		return;
	}
	/* "2026-08-18 14:02:11" → "08-18 14:02" */
	snprintf(buf, FORMAT_BUF, "%.11s", full + 5);
}

/* OSMO's codes (CONTRACT §5.4) and the usual signal deaths of user containers. */
static const struct format_exit {
	int lo, hi;
	const char *meaning;
} format_exits[] = {
	{ 0, 0, "ok" },
	{ 126, 126, "not executable" },
	{ 127, 127, "command not found" },
	{ 130, 130, "interrupted" },
	{ 134, 134, "aborted" },
	{ 137, 137, "killed (OOM?)" },
	{ 139, 139, "segfault" },
	{ 143, 143, "terminated" },
	{ 1, 255, "user error" },
	{ 256, 510, "OSMO init failed" },
	{ 301, 301, "image pull backoff" },
	{ 302, 302, "image pull error" },
	{ 303, 303, "container config error" },
	{ 304, 304, "crash loop" },
	{ 305, 305, "container status unknown" },
	{ 999, 999, "waiting: other" },
	{ 1001, 1001, "preflight failed" },
	{ 1002, 1999, "preflight test failed" },
	{ 2001, 2999, "OSMO control failed" },
	{ 3000, 3000, "upstream failed" },
	{ 3001, 3001, "backend error" },
	{ 3002, 3002, "server error" },
	{ 3003, 3003, "start error" },
	{ 3004, 3004, "evicted (OOM?)" },
	{ 3005, 3005, "start timeout" },
	{ 3006, 3006, "preempted" },
	{ 4000, 4000, "unknown failure" },
};

/* The signal exits of a kill OSMO did itself, by the task's status: no guess of OOM then. */
static const struct {
	enum osmo_status status;
	const char *killed;
} format_kills[] = {
	{ OSMO_FAILED_CANCELED, "killed (cancel)" },
	{ OSMO_FAILED_EXEC_TIMEOUT, "killed (exec timeout)" },
	{ OSMO_FAILED_PREEMPTED, "killed (preempted)" },
	{ OSMO_FAILED_EVICTED, "killed (evicted)" },
};

const char *
format_task_exit(int code, enum osmo_status status)
{
	for (size_t i = 0; (code == 137 || code == 143) && i < ARRAY_SIZE(format_kills); i++)
		if (format_kills[i].status == status)
			return format_kills[i].killed;
	return format_exit_meaning(code);
}

const char *
format_exit_meaning(int code)
{
	/* Exact codes first, then the ranges that contain them. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < ARRAY_SIZE(format_exits); i++) {
			const struct format_exit *e = &format_exits[i];

			if ((e->lo == e->hi) == (pass == 0) && code >= e->lo && code <= e->hi)
				return e->meaning;
		}
	return code < 0 ? "signal" : "error";
}

char *
format_oneline(const char *s)
{
	struct strbuf sb = { 0 };
	bool space = false;

	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (*p <= ' ' || *p == 0x7f) {
			space = sb.len > 0;
			continue;
		}
		if (space)
			strbuf_addch(&sb, ' ');
		space = false;
		strbuf_addch(&sb, (char)*p);
	}
	return strbuf_detach(&sb);
}
