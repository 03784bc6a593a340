/* golden.h: text against tests/golden/NAME (UPDATE_GOLDEN=1 rewrites it); fixtures, their server. */
#ifndef OSMO_GOLDEN_H
#define OSMO_GOLDEN_H

#include <stdbool.h>
#include <stddef.h>

#include "proc.h"

/* True when actual equals the golden file, or (UPDATE_GOLDEN=1) it was rewritten and said so. */
bool golden_check(const char *name, const char *actual);
/* The fixtures directory: $FIXTURES or tests/fixtures. */
const char *golden_fixtures_dir(void);
/* The absolute path of fixture name, or NULL (said on stderr) when it is missing. Caller frees. */
char *golden_fixture_path(const char *name);
/*
 * Writes a fixture_server routes file at path: lines[0..n), each "@NAME" (up to a blank) replaced
 * by fixture NAME's absolute path. False when a fixture is missing or the file cannot be written.
 */
bool golden_write_routes(const char *path, const char *const *lines, size_t n);
/*
 * Writes lines as the routes file at routes (golden_write_routes) and starts
 * $BUILD/tests/fixture_server on it for at most 120 s, its requests logged to log unless NULL:
 * proc_start_server()'s result, or -1 when the routes cannot be written.
 */
int golden_fixture_server(struct proc *p, const char *routes, const char *const *lines, size_t n,
                          const char *log);

#endif
