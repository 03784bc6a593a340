/* model.c: the model's tables of fields; freeing, finding and linking workflow snapshots. */
#include "client/model.h"

#include <stdlib.h>
#include <string.h>

/* Members under the API's keys: decode.c reads answers by these tables, the frees free by them. */
#define F  JSON_FIELD
#define FH JSON_FIELD_HAS

#define L struct osmo_label
static const struct json_field model_label_fields[] = {
	F(L, "key", JSON_STR, true, key),
	F(L, "value", JSON_STR, false, value),
};
static const struct json_table model_label_table = JSON_TABLE(model_label_fields, L);
#undef L

#define T struct osmo_task
static const struct json_field model_task_fields[] = {
	F(T, "name", JSON_STR, true, name),
	F(T, "retry_id", JSON_INT, false, retry_id),
	F(T, "status", JSON_STATUS, true, status),
	F(T, "failure_message", JSON_STR, false, failure_message),
	FH(T, "exit_code", exit_code, has_exit_code),
	F(T, "logs", JSON_STR, false, logs_url),
	F(T, "error_logs", JSON_STR, false, error_logs_url),
	F(T, "processing_start_time", JSON_TIME, false, processing_ms),
	F(T, "scheduling_start_time", JSON_TIME, false, scheduling_ms),
	F(T, "initializing_start_time", JSON_TIME, false, initializing_ms),
	F(T, "events", JSON_STR, false, events_url),
	F(T, "start_time", JSON_TIME, false, start_ms),
	F(T, "end_time", JSON_TIME, false, end_ms),
	F(T, "input_download_start_time", JSON_TIME, false, input_download_start_ms),
	F(T, "input_download_end_time", JSON_TIME, false, input_download_end_ms),
	F(T, "output_upload_start_time", JSON_TIME, false, output_upload_start_ms),
	F(T, "dashboard_url", JSON_STR, false, dashboard_url),
	F(T, "pod_name", JSON_STR, false, pod_name),
	F(T, "pod_ip", JSON_STR, false, pod_ip),
	F(T, "task_uuid", JSON_STR, false, task_uuid),
	F(T, "node_name", JSON_STR, false, node_name),
	F(T, "lead", JSON_BOOL, false, lead),
};
static const struct json_table model_task_table = JSON_TABLE(model_task_fields, T);
#undef T

/* Tasks after the group's own fields, as a group is checked before its tasks. */
#define G struct osmo_group
static const struct json_field model_group_fields[] = {
	F(G, "name", JSON_STR, true, name),
	F(G, "status", JSON_STATUS, true, status),
	F(G, "start_time", JSON_TIME, false, start_ms),
	F(G, "end_time", JSON_TIME, false, end_ms),
	F(G, "processing_start_time", JSON_TIME, false, processing_ms),
	F(G, "scheduling_start_time", JSON_TIME, false, scheduling_ms),
	F(G, "initializing_start_time", JSON_TIME, false, initializing_ms),
	F(G, "remaining_upstream_groups", JSON_STRV, false, remaining_upstream_names),
	F(G, "downstream_groups", JSON_STRV, false, downstream_names),
	F(G, "failure_message", JSON_STR, false, failure_message),
	JSON_FIELD_SUB(G, "tasks", JSON_ARRAY, false, tasks, n_tasks, &model_task_table),
};
static const struct json_table model_group_table = JSON_TABLE(model_group_fields, G);
#undef G

#define W struct osmo_workflow
/* WorkflowPlugins: its switches are the workflow's own members. */
static const struct json_field model_plugins_fields[] = {
	F(W, "rsync", JSON_BOOL, false, plugin_rsync),
};
static const struct json_table model_plugins_table = JSON_TABLE_IN(model_plugins_fields);

static const struct json_field model_workflow_fields[] = {
	F(W, "name", JSON_STR, true, name),
	F(W, "uuid", JSON_STR, false, uuid),
	F(W, "submitted_by", JSON_STR, false, submitted_by),
	F(W, "cancelled_by", JSON_STR, false, cancelled_by),
	F(W, "spec", JSON_STR, false, spec_url),
	F(W, "template_spec", JSON_STR, false, template_spec_url),
	F(W, "logs", JSON_STR, false, logs_url),
	F(W, "events", JSON_STR, false, events_url),
	F(W, "overview", JSON_STR, false, overview_url),
	F(W, "parent_name", JSON_STR, false, parent_name),
	FH(W, "parent_job_id", parent_job_id, has_parent_job_id),
	F(W, "dashboard_url", JSON_STR, false, dashboard_url),
	F(W, "grafana_url", JSON_STR, false, grafana_url),
	F(W, "tags", JSON_STRV, false, tags),
	F(W, "submit_time", JSON_TIME, true, submit_ms),
	F(W, "start_time", JSON_TIME, false, start_ms),
	F(W, "end_time", JSON_TIME, false, end_ms),
	F(W, "exec_timeout", JSON_SECS, false, exec_timeout_s),
	F(W, "queue_timeout", JSON_SECS, false, queue_timeout_s),
	F(W, "duration", JSON_SECS, false, duration_s),
	F(W, "queued_time", JSON_SECS, false, queued_s),
	F(W, "status", JSON_STATUS, true, status),
	F(W, "outputs", JSON_STR, false, outputs),
	F(W, "pool", JSON_STR, false, pool),
	F(W, "backend", JSON_STR, false, backend),
	F(W, "app_owner", JSON_STR, false, app_owner),
	F(W, "app_name", JSON_STR, false, app_name),
	FH(W, "app_version", app_version, has_app_version),
	F(W, "priority", JSON_STR, false, priority),
	JSON_FIELD_SUB(W, "labels", JSON_LABELS, false, labels, n_labels, &model_label_table),
	F(W, "warnings", JSON_STRV, false, warnings),
	JSON_FIELD_SUB(W, "groups", JSON_ARRAY, false, groups, n_groups, &model_group_table),
	JSON_FIELD_SUB(W, "plugins", JSON_OBJECT, false, plugin_rsync, plugin_rsync,
	               &model_plugins_table),
};
const struct json_table osmo_workflow_table = JSON_TABLE(model_workflow_fields, W);
#undef W

#define R struct osmo_workflow_row
static const struct json_field model_row_fields[] = {
	F(R, "user", JSON_STR, false, user),
	F(R, "name", JSON_STR, true, name),
	F(R, "workflow_uuid", JSON_STR, false, uuid),
	F(R, "submit_time", JSON_TIME, true, submit_ms),
	F(R, "start_time", JSON_TIME, false, start_ms),
	F(R, "end_time", JSON_TIME, false, end_ms),
	F(R, "queued_time", JSON_SECS, false, queued_s),
	F(R, "duration", JSON_SECS, false, duration_s),
	F(R, "status", JSON_STATUS, true, status),
	F(R, "overview", JSON_STR, false, overview_url),
	F(R, "logs", JSON_STR, false, logs_url),
	F(R, "error_logs", JSON_STR, false, error_logs_url),
	F(R, "grafana_url", JSON_STR, false, grafana_url),
	F(R, "dashboard_url", JSON_STR, false, dashboard_url),
	F(R, "pool", JSON_STR, false, pool),
	F(R, "app_owner", JSON_STR, false, app_owner),
	F(R, "app_name", JSON_STR, false, app_name),
	FH(R, "app_version", app_version, has_app_version),
	F(R, "priority", JSON_STR, false, priority),
	JSON_FIELD_SUB(R, "labels", JSON_LABELS, false, labels, n_labels, &model_label_table),
};
static const struct json_table model_row_table = JSON_TABLE(model_row_fields, R);
#undef R

/* The list's presence is checked first: "workflows" may be null, but not missing. */
#define LS struct osmo_workflow_list
static const struct json_field model_list_fields[] = {
	F(LS, "more_entries", JSON_BOOL, false, more_entries),
	JSON_FIELD_SUB(LS, "workflows", JSON_ARRAY, false, rows, n_rows, &model_row_table),
};
const struct json_table osmo_workflow_list_table = JSON_TABLE(model_list_fields, LS);
#undef LS

#define TR struct osmo_task_row
static const struct json_field model_task_row_fields[] = {
	F(TR, "user", JSON_STR, false, user),
	F(TR, "workflow_id", JSON_STR, true, workflow_id),
	F(TR, "workflow_uuid", JSON_STR, false, workflow_uuid),
	F(TR, "task_name", JSON_STR, true, task_name),
	F(TR, "retry_id", JSON_INT, false, retry_id),
	F(TR, "pool", JSON_STR, false, pool),
	F(TR, "node", JSON_STR, false, node),
	F(TR, "start_time", JSON_TIME, false, start_ms),
	F(TR, "end_time", JSON_TIME, false, end_ms),
	F(TR, "duration", JSON_SECS, false, duration_s),
	F(TR, "status", JSON_STATUS, true, status),
	F(TR, "overview", JSON_STR, false, overview_url),
	F(TR, "logs", JSON_STR, false, logs_url),
	F(TR, "error_logs", JSON_STR, false, error_logs_url),
	F(TR, "grafana_url", JSON_STR, false, grafana_url),
	F(TR, "dashboard_url", JSON_STR, false, dashboard_url),
	/* GiB as floats: SECS is the table's one kind of double (-1 when missing). */
	F(TR, "storage", JSON_SECS, false, storage_gib),
	F(TR, "cpu", JSON_INT, false, cpu),
	F(TR, "memory", JSON_SECS, false, memory_gib),
	F(TR, "gpu", JSON_INT, false, gpu),
	F(TR, "priority", JSON_STR, false, priority),
};
static const struct json_table model_task_row_table = JSON_TABLE(model_task_row_fields, TR);
#undef TR

#define TL struct osmo_task_list
static const struct json_field model_task_list_fields[] = {
	JSON_FIELD_SUB(TL, "tasks", JSON_ARRAY, true, rows, n_rows, &model_task_row_table),
};
const struct json_table osmo_task_list_table = JSON_TABLE(model_task_list_fields, TL);
#undef TL

#define S struct osmo_submit_result
static const struct json_field model_submit_fields[] = {
	F(S, "name", JSON_STR, true, name),
	F(S, "overview", JSON_STR, false, overview_url),
	F(S, "logs", JSON_STR, false, logs),
	F(S, "spec", JSON_STR, false, spec),
	F(S, "dashboard_url", JSON_STR, false, dashboard_url),
	F(S, "warnings", JSON_STRV, false, warnings),
};
const struct json_table osmo_submit_result_table = JSON_TABLE(model_submit_fields, S);
#undef S

#define V struct osmo_version
static const struct json_field model_version_fields[] = {
	F(V, "major", JSON_STRINGISH, true, major),
	F(V, "minor", JSON_STRINGISH, true, minor),
	F(V, "revision", JSON_STRINGISH, false, revision),
	F(V, "hash", JSON_STRINGISH, false, hash),
};
const struct json_table osmo_version_table = JSON_TABLE(model_version_fields, V);
#undef V

#define PU struct osmo_pool_usage
static const struct json_field model_pool_usage_fields[] = {
	F(PU, "name", JSON_STR, true, name),
	F(PU, "description", JSON_STR, false, description),
	F(PU, "status", JSON_STR, false, status),
	F(PU, "backend", JSON_STR, false, backend),
};
const struct json_table osmo_pool_usage_table = JSON_TABLE(model_pool_usage_fields, PU);
#undef PU

/* The CLI indexes every one of them, so each is required. */
#define RU struct osmo_resource_usage
static const struct json_field model_resource_usage_fields[] = {
	F(RU, "quota_used", JSON_STRINGISH, true, quota_used),
	F(RU, "quota_free", JSON_STRINGISH, true, quota_free),
	F(RU, "quota_limit", JSON_STRINGISH, true, quota_limit),
	F(RU, "total_usage", JSON_STRINGISH, true, total_usage),
	F(RU, "total_capacity", JSON_STRINGISH, true, total_capacity),
	F(RU, "total_free", JSON_STRINGISH, true, total_free),
};
const struct json_table osmo_resource_usage_table = JSON_TABLE(model_resource_usage_fields, RU);
#undef RU

#undef F
#undef FH

/* The DAG's indices are osmo_workflow_link's, in no table: freed before the groups. */
void
osmo_workflow_free(struct osmo_workflow *wf)
{
	for (size_t i = 0; wf && i < wf->n_groups; i++)
		free(wf->groups[i].downstream);
	json_free(&osmo_workflow_table, wf);
}

void
osmo_workflow_list_free(struct osmo_workflow_list *list)
{
	json_free(&osmo_workflow_list_table, list);
}

void
osmo_task_list_free(struct osmo_task_list *list)
{
	json_free(&osmo_task_list_table, list);
}

void
osmo_submit_result_free(struct osmo_submit_result *res)
{
	json_free(&osmo_submit_result_table, res);
}

void
osmo_version_free(struct osmo_version *v)
{
	json_free(&osmo_version_table, v);
}

/* The usage first: the pool's table zeroes the whole entry, usage pointers included. */
void
osmo_pool_quota_free(struct osmo_pool_quota *q)
{
	for (size_t i = 0; q && i < q->n_pools; i++) {
		json_free(&osmo_resource_usage_table, &q->pools[i].usage);
		json_free(&osmo_pool_usage_table, &q->pools[i]);
	}
	if (q) {
		free(q->pools);
		q->pools = NULL;
		q->n_pools = 0;
	}
}

const struct osmo_pool_usage *
osmo_pool_quota_find(const struct osmo_pool_quota *q, const char *name)
{
	for (size_t i = 0; name && i < q->n_pools; i++)
		if (strcmp(q->pools[i].name, name) == 0)
			return &q->pools[i];
	return NULL;
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

char *
osmo_workflow_parent_id(const struct osmo_workflow *wf)
{
	if (!wf->parent_name || !*wf->parent_name || !wf->has_parent_job_id)
		return NULL;
	return xasprintf("%s-%d", wf->parent_name, wf->parent_job_id);
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
	/* Only a non-lead's newest retry: an older one was superseded, a failed lead ends the group. */
	for (size_t i = 0; i < g->n_tasks; i++)
		if (!g->tasks[i].lead && osmo_task_newest(g, i) &&
		    osmo_status_is_failed(g->tasks[i].status))
			return true;
	return false;
}

void
osmo_workflow_tally(const struct osmo_workflow *wf, struct osmo_tally *out)
{
	*out = (struct osmo_tally){ .groups = wf->n_groups };
	for (size_t g = 0; g < wf->n_groups; g++) {
		const struct osmo_group *gr = &wf->groups[g];

		out->groups_done += osmo_status_is_finished(gr->status);
		out->groups_failed += osmo_status_is_failed(gr->status) &&
		                      gr->status != OSMO_FAILED_UPSTREAM &&
		                      gr->status != OSMO_FAILED_CANCELED;
		for (size_t i = 0; i < gr->n_tasks; i++) {
			if (!osmo_task_newest(gr, i))
				continue;
			out->tasks++;
			out->tasks_done += osmo_status_is_finished(gr->tasks[i].status);
		}
	}
}

/* By name, then newest retry first: the order the service lists a group's tasks in. */
static int
model_task_order(const void *a, const void *b)
{
	const struct osmo_task *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->retry_id < y->retry_id) - (x->retry_id > y->retry_id);
}

bool
osmo_task_newest(const struct osmo_group *g, size_t i)
{
	return i == 0 || strcmp(g->tasks[i - 1].name, g->tasks[i].name) != 0;
}

void
osmo_workflow_link(struct osmo_workflow *wf)
{
	wf->n_dangling_edges = 0;
	for (size_t i = 0; i < wf->n_groups; i++) {
		struct osmo_group *g = &wf->groups[i];
		bool sorted = true;

		/* Made sure of once here, so finding a task's retries is a look at its neighbours. */
		for (size_t j = 1; sorted && j < g->n_tasks; j++)
			sorted = model_task_order(&g->tasks[j - 1], &g->tasks[j]) <= 0;
		if (!sorted)
			qsort(g->tasks, g->n_tasks, sizeof(*g->tasks), model_task_order);

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

/* Whether row i's task (workflow and name) came as a failed row before it: a retry. */
static bool
model_task_seen(const struct osmo_task_list *tl, size_t i)
{
	const struct osmo_task_row *t = &tl->rows[i];

	for (size_t k = 0; k < i; k++)
		if (osmo_status_phase(tl->rows[k].status) == PHASE_FAILED &&
		    strcmp(tl->rows[k].workflow_id, t->workflow_id) == 0 &&
		    strcmp(tl->rows[k].task_name, t->task_name) == 0)
			return true;
	return false;
}

void
osmo_workflow_list_count_failed(struct osmo_workflow_list *list, const struct osmo_task_list *tasks)
{
	for (size_t i = 0; i < list->n_rows; i++)
		list->rows[i].failed_tasks = 0;
	for (size_t k = 0; k < tasks->n_rows; k++) {
		const struct osmo_task_row *t = &tasks->rows[k];

		if (osmo_status_phase(t->status) != PHASE_FAILED || model_task_seen(tasks, k))
			continue;
		for (size_t i = 0; i < list->n_rows; i++)
			list->rows[i].failed_tasks +=
			        list->rows[i].status == OSMO_RUNNING &&
			        strcmp(list->rows[i].name, t->workflow_id) == 0;
	}
}
