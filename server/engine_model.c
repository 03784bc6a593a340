/* engine_model.c: osmo-local's records (workflows, users' profiles): their tables, frees, queries. */
#include "server/engine_model.h"

#include <string.h>

/* The record's members under their own names: the state file's keys (server/encode.c). */
#define SF JSON_FIELD

#define L struct eng_label
static const struct json_field eng_label_fields[] = {
	SF(L, "key", JSON_STR, true, key),
	SF(L, "value", JSON_STR, false, value),
};
#undef L

#define T struct eng_task
static const struct json_field eng_task_fields[] = {
	SF(T, "name", JSON_STR, true, name),
	SF(T, "retry_id", JSON_INT, false, retry_id),
	SF(T, "status", JSON_STATUS, true, status),
	SF(T, "lead", JSON_BOOL, false, lead),
	JSON_FIELD_HAS(T, "exit_code", exit_code, has_exit_code),
	SF(T, "failure_message", JSON_STR, false, failure_message),
	SF(T, "uuid", JSON_UUID, false, uuid),
	SF(T, "processing_ms", JSON_MS, false, processing_ms),
	SF(T, "scheduling_ms", JSON_MS, false, scheduling_ms),
	SF(T, "initializing_ms", JSON_MS, false, initializing_ms),
	SF(T, "start_ms", JSON_MS, false, start_ms),
	SF(T, "end_ms", JSON_MS, false, end_ms),
	SF(T, "input_download_start_ms", JSON_MS, false, input_download_start_ms),
	SF(T, "input_download_end_ms", JSON_MS, false, input_download_end_ms),
	SF(T, "output_upload_start_ms", JSON_MS, false, output_upload_start_ms),
};
#undef T

static const struct json_table eng_label_table = JSON_TABLE(eng_label_fields, struct eng_label);
static const struct json_table eng_task_table = JSON_TABLE(eng_task_fields, struct eng_task);

#define G struct eng_group
static const struct json_field eng_group_fields[] = {
	SF(G, "name", JSON_STR, true, name),
	SF(G, "status", JSON_STATUS, true, status),
	SF(G, "failure_message", JSON_STR, false, failure_message),
	SF(G, "ignore_nonlead", JSON_BOOL, false, ignore_nonlead),
	SF(G, "processing_ms", JSON_MS, false, processing_ms),
	SF(G, "scheduling_ms", JSON_MS, false, scheduling_ms),
	SF(G, "initializing_ms", JSON_MS, false, initializing_ms),
	SF(G, "start_ms", JSON_MS, false, start_ms),
	SF(G, "end_ms", JSON_MS, false, end_ms),
	SF(G, "upstream", JSON_STRV, false, upstream),
	SF(G, "downstream", JSON_STRV, false, downstream),
	JSON_FIELD_SUB(G, "tasks", JSON_ARRAY, false, tasks, n_tasks, &eng_task_table),
};
#undef G

static const struct json_table eng_group_table = JSON_TABLE(eng_group_fields, struct eng_group);

#define W struct eng_workflow
static const struct json_field eng_workflow_fields[] = {
	SF(W, "id", JSON_STR, true, id),
	SF(W, "name", JSON_STR, true, name),
	SF(W, "job", JSON_INT, true, job),
	SF(W, "uuid", JSON_UUID, false, uuid),
	SF(W, "user", JSON_STR, false, user),
	SF(W, "cancelled_by", JSON_STR, false, cancelled_by),
	SF(W, "pool", JSON_STR, false, pool),
	SF(W, "priority", JSON_STR, false, priority),
	SF(W, "parent_name", JSON_STR, false, parent_name),
	SF(W, "parent_job_id", JSON_INT, false, parent_job_id),
	SF(W, "submit_ms", JSON_MS, true, submit_ms),
	SF(W, "start_ms", JSON_MS, false, start_ms),
	SF(W, "end_ms", JSON_MS, false, end_ms),
	SF(W, "exec_timeout_s", JSON_SECS, false, exec_timeout_s),
	SF(W, "queue_timeout_s", JSON_SECS, false, queue_timeout_s),
	SF(W, "status", JSON_STATUS, true, status),
	SF(W, "tags", JSON_STRV, false, tags),
	JSON_FIELD_SUB(W, "labels", JSON_ARRAY, false, labels, n_labels, &eng_label_table),
	SF(W, "env_vars", JSON_STRV, false, env_vars),
	SF(W, "spec", JSON_STR, false, spec),
	SF(W, "template_spec", JSON_STR, false, template_spec),
	JSON_FIELD_SUB(W, "groups", JSON_ARRAY, true, groups, n_groups, &eng_group_table),
};
#undef W

#undef SF

const struct json_table eng_workflow_table = JSON_TABLE(eng_workflow_fields, struct eng_workflow);

void
eng_workflow_free(struct eng_workflow *wf)
{
	json_free(&eng_workflow_table, wf);
}

#define P struct eng_profile
static const struct json_field eng_profile_fields[] = {
	JSON_FIELD(P, "user", JSON_STR, true, user),
	JSON_FIELD(P, "email_notification", JSON_BOOL, false, email_notification),
	JSON_FIELD(P, "slack_notification", JSON_BOOL, false, slack_notification),
	JSON_FIELD(P, "pool", JSON_STR, false, pool),
};
#undef P

static const struct json_table eng_profile_table =
        JSON_TABLE(eng_profile_fields, struct eng_profile);

static const struct json_field eng_profiles_fields[] = {
	JSON_FIELD_SUB(struct eng_profiles, "profiles", JSON_ARRAY, true, v, n, &eng_profile_table),
};

const struct json_table eng_profiles_table = JSON_TABLE(eng_profiles_fields, struct eng_profiles);

void
eng_profiles_free(struct eng_profiles *p)
{
	json_free(&eng_profiles_table, p);
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
