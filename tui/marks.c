/* marks.c: what changed lately, by name, so a view can mark its rows until they are seen. */
#include "tui/marks.h"

#include "tui/view.h"

#include <stdlib.h>
#include <string.h>

static void
marks_drop(struct marks *m, size_t i)
{
	free(m->names.v[i]);
	memmove(&m->names.v[i], &m->names.v[i + 1], (m->names.n - i - 1) * sizeof(*m->names.v));
	memmove(&m->at[i], &m->at[i + 1], (m->names.n - i - 1) * sizeof(*m->at));
	m->names.n--;
}

static size_t
marks_find(const struct marks *m, const char *name)
{
	size_t i = 0;

	while (i < m->names.n && strcmp(m->names.v[i], name) != 0)
		i++;
	return i;
}

char *
marks_key(const char *wf, const char *group, const char *task)
{
	return xasprintf("%s%s%s%s%s", wf, group ? "/" : "", group ? group : "", task ? "/" : "",
	                 task ? task : "");
}

void
marks_note(struct marks *m, const char *name, int64_t now_ms)
{
	size_t i = marks_find(m, name);

	if (i < m->names.n)
		marks_drop(m, i);
	if (m->names.n == MARKS_MAX)
		marks_drop(m, 0);
	strv_push(&m->names, name);
	m->at = xreallocarray(m->at, m->names.n, sizeof(*m->at));
	m->at[m->names.n - 1] = now_ms;
}

void
marks_seen(struct marks *m, const char *name)
{
	size_t i = marks_find(m, name);

	if (i < m->names.n)
		marks_drop(m, i);
}

void
marks_expire(struct marks *m, int64_t now_ms)
{
	/* Oldest first: they go from the front. */
	while (m->names.n && now_ms - m->at[0] >= MARKS_MS)
		marks_drop(m, 0);
}

bool
marks_has(const struct marks *m, const char *name)
{
	return marks_find(m, name) < m->names.n;
}

void
marks_free(struct marks *m)
{
	strv_free(&m->names);
	free(m->at);
	memset(m, 0, sizeof(*m));
}

void
view_mark(const struct render_ctx *rc, struct canvas *c, int row, int col, const char *key)
{
	if (rc->marks && rc->marks->names.n && key && marks_has(rc->marks, key))
		canvas_text(c, row, col + 1, 1, STYLE_WARN, rc->ascii ? "*" : "•");
}
