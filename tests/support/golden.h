/* golden.h: compare text against tests/golden/NAME; UPDATE_GOLDEN=1 rewrites the file. */
#ifndef OSMO_GOLDEN_H
#define OSMO_GOLDEN_H

#include <stdbool.h>
#include <stddef.h>

/* Returns true when actual equals the golden file (or it was rewritten); prints a diff hint. */
bool golden_check(const char *name, const char *actual);
/* Reads a whole file (fixtures, goldens); returns NULL if it cannot. Caller frees. */
char *golden_read_file(const char *path, size_t *len);
/* The fixtures directory: $FIXTURES or tests/fixtures. */
const char *golden_fixtures_dir(void);

#endif
