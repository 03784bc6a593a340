/* model.c: freeing, finding and linking workflow snapshots. */
#include "client/model.h"

#include <stdlib.h>
#include <string.h>

static void
model_labels_free(struct osmo_label *labels, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(labels[i].key);
		free(labels[i].value);
	}
	free(labels);
}

static void
model_task_free(struct osmo_task *t)
{
	free(t->name);
	free(t->failure_message);
	free(t->node_name);
	free(t->pod_name);
	free(t->pod_ip);
	free(t->task_uuid);
	free(t->logs_url);
	free(t->error_logs_url);
	free(t->events_url);
	free(t->dashboard_url);
}

static void
model_group_free(struct osmo_group *g)
{
	free(g->name);
	free(g->failure_message);
	strv_free(&g->downstream_names);
	strv_free(&g->remaining_upstream_names);
	free(g->downstream);
	for (size_t i = 0; i < g->n_tasks; i++)
		model_task_free(&g->tasks[i]);
	free(g->tasks);
}

void
osmo_workflow_free(struct osmo_workflow *wf)
{
	if (!wf)
		return;
	free(wf->name);
	free(wf->uuid);
	free(wf->submitted_by);
	free(wf->cancelled_by);
	free(wf->spec_url);
	free(wf->template_spec_url);
	free(wf->logs_url);
	free(wf->events_url);
	free(wf->overview_url);
	free(wf->parent_name);
	free(wf->dashboard_url);
	free(wf->grafana_url);
	strv_free(&wf->tags);
	free(wf->outputs);
	for (size_t i = 0; i < wf->n_groups; i++)
		model_group_free(&wf->groups[i]);
	free(wf->groups);
	free(wf->pool);
	free(wf->backend);
	free(wf->app_owner);
	free(wf->app_name);
	free(wf->priority);
	model_labels_free(wf->labels, wf->n_labels);
	strv_free(&wf->warnings);
	memset(wf, 0, sizeof(*wf));
}

void
osmo_workflow_list_free(struct osmo_workflow_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->n_rows; i++) {
		struct osmo_workflow_row *r = &list->rows[i];

		free(r->user);
		free(r->name);
		free(r->uuid);
		free(r->overview_url);
		free(r->logs_url);
		free(r->error_logs_url);
		free(r->grafana_url);
		free(r->dashboard_url);
		free(r->pool);
		free(r->app_owner);
		free(r->app_name);
		free(r->priority);
		model_labels_free(r->labels, r->n_labels);
	}
	free(list->rows);
	memset(list, 0, sizeof(*list));
}

void
osmo_submit_result_free(struct osmo_submit_result *res)
{
	if (!res)
		return;
	free(res->name);
	free(res->overview_url);
	free(res->logs);
	free(res->spec);
	free(res->dashboard_url);
	strv_free(&res->warnings);
	memset(res, 0, sizeof(*res));
}

void
osmo_version_free(struct osmo_version *v)
{
	if (!v)
		return;
	free(v->major);
	free(v->minor);
	free(v->revision);
	free(v->hash);
	memset(v, 0, sizeof(*v));
}

const struct osmo_group *
osmo_workflow_find_group(const struct osmo_workflow *wf, const char *name)
{
	for (size_t i = 0; i < wf->n_groups; i++)
		if (strcmp(wf->groups[i].name, name) == 0)
			return &wf->groups[i];
	return NULL;
}

const struct osmo_task *
osmo_workflow_find_task(const struct osmo_workflow *wf, const char *name,
                        const struct osmo_group **group_out)
{
	const struct osmo_task *best = NULL;

	for (size_t i = 0; i < wf->n_groups; i++) {
		const struct osmo_group *g = &wf->groups[i];

		for (size_t j = 0; j < g->n_tasks; j++) {
			const struct osmo_task *t = &g->tasks[j];

			if (strcmp(t->name, name) != 0 || (best && best->retry_id >= t->retry_id))
				continue;
			best = t;
			if (group_out)
				*group_out = g;
		}
	}
	return best;
}

const struct osmo_task *
osmo_group_lead(const struct osmo_group *g)
{
	const struct osmo_task *lead = NULL;

	for (size_t i = 0; i < g->n_tasks; i++)
		if (g->tasks[i].lead && (!lead || g->tasks[i].retry_id > lead->retry_id))
			lead = &g->tasks[i];
	return lead;
}

bool
osmo_group_running_with_failures(const struct osmo_group *g)
{
	if (osmo_status_is_finished(g->status))
		return false;
	for (size_t i = 0; i < g->n_tasks; i++) {
		const struct osmo_task *t = &g->tasks[i];
		bool newest = true;

		/* Only a non-lead's newest retry: an older one was superseded, a failed lead ends the group. */
		for (size_t k = 0; k < g->n_tasks && newest; k++)
			newest = strcmp(g->tasks[k].name, t->name) != 0 ||
			         g->tasks[k].retry_id <= t->retry_id;
		if (!t->lead && newest && osmo_status_is_failed(t->status))
			return true;
	}
	return false;
}

void
osmo_workflow_link(struct osmo_workflow *wf)
{
	wf->n_dangling_edges = 0;
	for (size_t i = 0; i < wf->n_groups; i++) {
		struct osmo_group *g = &wf->groups[i];

		free(g->downstream);
		g->downstream = xcalloc(g->downstream_names.n, sizeof(*g->downstream));
		g->n_downstream = 0;
		for (size_t j = 0; j < g->downstream_names.n; j++) {
			const struct osmo_group *to =
			        osmo_workflow_find_group(wf, g->downstream_names.v[j]);

			if (!to || to == g) {
				wf->n_dangling_edges++;
				continue;
			}
			g->downstream[g->n_downstream++] = (size_t)(to - wf->groups);
		}
	}
}

void
osmo_router_targets_free(struct osmo_router_target *t, size_t n)
{
	for (size_t i = 0; t && i < n; i++) {
		free(t[i].task);
		free(t[i].router_address);
		free(t[i].key);
		free(t[i].cookie);
	}
	free(t);
}
