/* format.h: durations, times, exit codes and messages as short text for views. */
#ifndef OSMO_TUI_FORMAT_H
#define OSMO_TUI_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#define FORMAT_BUF 64

/* "45s", "12m05s", "3h04m", "2d03h"; "-" for a negative (unknown) value. */
void format_duration(double secs, char buf[FORMAT_BUF]);
/* A bar of fraction (0..1) in cells cells between edges: "▕███     ▏", "[###     ]" when ascii;
 * out needs 4 bytes a cell and 8 more. */
void format_bar(double fraction, int cells, bool ascii, char *out, size_t size);

/* "512 B", "1.5 KiB", "12 MiB", "3.2 GiB": what a forward moved. */
void format_bytes(uint64_t n, char buf[FORMAT_BUF]);
/* "2026-08-18 14:02:11" in UTC; "-" for 0. */
void format_time(int64_t ms, char buf[FORMAT_BUF]);
/* "08-18 14:02" in UTC; "-" for 0. */
void format_time_short(int64_t ms, char buf[FORMAT_BUF]);
/* What an exit code means: "ok", "killed (OOM?)", "OSMO: evicted"...; never NULL. */
const char *format_exit_meaning(int code);
/* The same for a task, whose status may say who killed it (137 after a cancel: no OOM). */
const char *format_task_exit(int code, enum osmo_status status);
/* Collapses whitespace and control characters to single spaces; caller frees. */
char *format_oneline(const char *s);

#endif
