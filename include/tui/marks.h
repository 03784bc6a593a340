/* marks.h: what changed lately, by name, so a view can mark its rows until they are seen. */
#ifndef OSMO_TUI_MARKS_H
#define OSMO_TUI_MARKS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/util.h"

/* A mark lasts this long unless its row is seen first (the cursor rests on it). */
#define MARKS_MS (10 * 60 * 1000)
/* Names kept at most; the oldest go first. */
#define MARKS_MAX 256

struct marks {
	struct strv names; /* oldest first */
	int64_t *at;       /* monotonic ms each was marked */
};

/* The key of a workflow, a group of it (group non-NULL) or a task of that: "wf/group/task". */
char *marks_key(const char *wf, const char *group, const char *task);
/* Marks name as changed at now_ms (again: from now). */
void marks_note(struct marks *m, const char *name, int64_t now_ms);
/* Unmarks name: the user has seen it. */
void marks_seen(struct marks *m, const char *name);
/* Drops the marks older than MARKS_MS. */
void marks_expire(struct marks *m, int64_t now_ms);
bool marks_has(const struct marks *m, const char *name);
void marks_free(struct marks *m);

#endif
