/* engine_model.c: freeing and querying osmo-local's workflow records. */
#include "server/engine_model.h"

#include <stdlib.h>
#include <string.h>

void
eng_workflow_free(struct eng_workflow *wf)
{
	if (!wf)
		return;
	for (size_t i = 0; i < wf->n_groups; i++) {
		struct eng_group *g = &wf->groups[i];

		for (size_t j = 0; j < g->n_tasks; j++) {
			free(g->tasks[j].name);
			free(g->tasks[j].failure_message);
		}
		free(g->tasks);
		free(g->name);
		free(g->failure_message);
		strv_free(&g->upstream);
		strv_free(&g->downstream);
	}
	free(wf->groups);
	for (size_t i = 0; i < wf->n_labels; i++) {
		free(wf->labels[i].key);
		free(wf->labels[i].value);
	}
	free(wf->labels);
	strv_free(&wf->tags);
	strv_free(&wf->env_vars);
	free(wf->id);
	free(wf->name);
	free(wf->user);
	free(wf->cancelled_by);
	free(wf->pool);
	free(wf->priority);
	free(wf->parent_name);
	free(wf->spec);
	free(wf->template_spec);
	memset(wf, 0, sizeof(*wf));
}

size_t
eng_group_latest(const struct eng_group *g, size_t *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < g->n_tasks; i++) {
		size_t j = 0;
		int cmp = 1;

		/* out stays in name order: find the task's name, or where it goes. */
		while (j < n && (cmp = strcmp(g->tasks[out[j]].name, g->tasks[i].name)) < 0)
			j++;
		if (j < n && cmp == 0) {
			if (g->tasks[i].retry_id > g->tasks[out[j]].retry_id)
				out[j] = i;
		} else if (n < max) {
			memmove(out + j + 1, out + j, (n - j) * sizeof(*out));
			out[j] = i;
			n++;
		}
	}
	return n;
}

const struct eng_task *
eng_workflow_find_task(const struct eng_workflow *wf, const char *name, long retry)
{
	const struct eng_task *best = NULL;

	for (size_t g = 0; wf && g < wf->n_groups; g++) {
		for (size_t i = 0; i < wf->groups[g].n_tasks; i++) {
			const struct eng_task *t = &wf->groups[g].tasks[i];

			if (strcmp(t->name, name) != 0)
				continue;
			if (retry >= 0 ? t->retry_id == retry
			               : !best || t->retry_id > best->retry_id)
				best = t;
		}
	}
	return best;
}
