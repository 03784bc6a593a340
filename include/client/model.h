/* model.h: OSMO workflows, groups, tasks and small responses as plain structs. */
#ifndef OSMO_CLIENT_MODEL_H
#define OSMO_CLIENT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/json.h"
#include "common/status.h"
#include "common/util.h"

/*
 * Conventions: strings are NULL when the server sent null or nothing; times are Unix
 * milliseconds with 0 for "not reached"; durations are seconds with a negative value
 * for null. Edges are indices, so a snapshot can be freed and swapped whole.
 */

struct osmo_label {
	char *key;
	char *value;
};

struct osmo_task {
	char *name;
	int retry_id;
	enum osmo_status status;
	bool lead;
	bool has_exit_code;
	int exit_code;
	char *failure_message;
	char *node_name;
	char *pod_name;
	char *pod_ip;
	char *task_uuid;
	char *logs_url;
	char *error_logs_url;
	char *events_url;
	char *dashboard_url;
	int64_t processing_ms, scheduling_ms, initializing_ms, start_ms, end_ms;
	int64_t input_download_start_ms, input_download_end_ms, output_upload_start_ms;
};

struct osmo_group {
	char *name;
	enum osmo_status status;
	char *failure_message;
	int64_t processing_ms, scheduling_ms, initializing_ms, start_ms, end_ms;
	struct strv downstream_names; /* as sent; a set, order not significant */
	struct strv remaining_upstream_names;
	size_t *downstream; /* indices into workflow.groups: the DAG edges */
	size_t n_downstream;
	struct osmo_task *tasks; /* by name, then retry_id descending (osmo_workflow_link) */
	size_t n_tasks;
};

struct osmo_workflow {
	char *name; /* the workflow ID, e.g. "llm-finetune-17" */
	char *uuid;
	char *submitted_by;
	char *cancelled_by;
	char *spec_url, *template_spec_url, *logs_url, *events_url, *overview_url;
	char *parent_name;
	bool has_parent_job_id;
	int parent_job_id;
	char *dashboard_url, *grafana_url;
	struct strv tags;
	int64_t submit_ms, start_ms, end_ms;
	double exec_timeout_s, queue_timeout_s, duration_s, queued_s;
	enum osmo_status status;
	char *outputs;
	struct osmo_group *groups; /* empty when fetched with skip_groups */
	size_t n_groups;
	char *pool, *backend, *app_owner, *app_name;
	bool has_app_version;
	int app_version;
	bool plugin_rsync;
	char *priority;
	struct osmo_label *labels;
	size_t n_labels;
	struct strv warnings;
	size_t n_dangling_edges; /* downstream names that matched no group */
	int64_t fetched_ms; /* wall clock the answer came at (0: unknown): timers tick from it */
};

struct osmo_workflow_row { /* one entry of GET /api/workflow */
	char *user;
	char *name;
	char *uuid;
	int64_t submit_ms, start_ms, end_ms;
	double queued_s, duration_s;
	enum osmo_status status;
	char *overview_url, *logs_url, *error_logs_url, *grafana_url, *dashboard_url;
	char *pool, *app_owner, *app_name;
	bool has_app_version;
	int app_version;
	char *priority;
	struct osmo_label *labels;
	size_t n_labels;
	int failed_tasks; /* not in the answer: the monitor's count from GET /api/task (0: none) */
};

struct osmo_workflow_list {
	struct osmo_workflow_row *rows;
	size_t n_rows;
	bool more_entries;
	int64_t fetched_ms; /* as in struct osmo_workflow */
};

struct osmo_task_row { /* one entry of GET /api/task: a retry of a task; retries are rows */
	char *user;
	char *workflow_id;
	char *workflow_uuid;
	char *task_name;
	int retry_id;
	char *pool, *node;
	int64_t start_ms, end_ms;
	double duration_s;
	enum osmo_status status;
	char *overview_url, *logs_url, *error_logs_url, *grafana_url, *dashboard_url;
	double storage_gib, memory_gib; /* -1 when not sent */
	int cpu, gpu;
	char *priority;
};

struct osmo_task_list {
	struct osmo_task_row *rows;
	size_t n_rows;
};

struct osmo_submit_result { /* submit, dry run, validate, restart */
	char *name;
	char *overview_url;
	char *logs;
	char *spec;
	char *dashboard_url;
	struct strv warnings;
};

struct osmo_version {
	char *major, *minor, *revision, *hash;
};

/* ResourceUsage of GET /api/pool_quota: counts as the service sends them, strings. OSMO counts
 * GPUs; osmo-local (backend "osmo-local") its task slots. */
struct osmo_resource_usage {
	char *quota_used, *quota_free, *quota_limit, *total_usage, *total_capacity, *total_free;
};

struct osmo_pool_usage { /* one node_sets[].pools[] entry */
	char *name, *description, *status, *backend;
	struct osmo_resource_usage usage;
};

struct osmo_pool_quota { /* every node set's pools, in order */
	struct osmo_pool_usage *pools;
	size_t n_pools;
};

/*
 * Each answer's members under the API's keys, with its groups, tasks, rows and labels as sub
 * tables: what client/decode.c reads the answer by and what its _free below frees. A group's
 * downstream indices are in no table: osmo_workflow_free frees them itself.
 */
extern const struct json_table osmo_workflow_table;
extern const struct json_table osmo_workflow_list_table;
extern const struct json_table osmo_task_list_table;
extern const struct json_table osmo_submit_result_table;
extern const struct json_table osmo_version_table;
extern const struct json_table osmo_pool_usage_table;     /* a pool but its resource_usage */
extern const struct json_table osmo_resource_usage_table; /* the resource_usage object */

void osmo_workflow_free(struct osmo_workflow *wf);
void osmo_workflow_list_free(struct osmo_workflow_list *list);
void osmo_task_list_free(struct osmo_task_list *list);
/* Sets each RUNNING row's failed_tasks from tasks (GET /api/task), a task counted once
 * however many of its retries failed; the other rows get 0. */
void osmo_workflow_list_count_failed(struct osmo_workflow_list *list,
                                     const struct osmo_task_list *tasks);
void osmo_submit_result_free(struct osmo_submit_result *res);
void osmo_version_free(struct osmo_version *v);
void osmo_pool_quota_free(struct osmo_pool_quota *q);
/* The named pool's entry, or NULL. */
const struct osmo_pool_usage *osmo_pool_quota_find(const struct osmo_pool_quota *q,
                                                   const char *name);

const struct osmo_group *osmo_workflow_find_group(const struct osmo_workflow *wf, const char *name);
/* The newest retry of the named task anywhere in the workflow, or NULL. */
const struct osmo_task *osmo_workflow_find_task(const struct osmo_workflow *wf, const char *name,
                                                const struct osmo_group **group_out);
/* The ID of the workflow wf was restarted or resubmitted from ("name-job"); NULL: none.
 * Caller frees. */
char *osmo_workflow_parent_id(const struct osmo_workflow *wf);
const struct osmo_task *osmo_group_lead(const struct osmo_group *g);
/* Whether g's task row i is its task's newest retry (the first row of its name). */
bool osmo_task_newest(const struct osmo_group *g, size_t i);
/* Alive group whose non-lead task failed: the web UI's "running with failures". */
bool osmo_group_running_with_failures(const struct osmo_group *g);

/* How far a workflow has come: its tasks (newest retry each) and groups that finished. */
struct osmo_tally {
	size_t tasks_done, tasks;
	size_t groups_done, groups;
	size_t groups_failed; /* failed on their own: not those that followed, nor a cancel */
};
void osmo_workflow_tally(const struct osmo_workflow *wf, struct osmo_tally *out);
/* Resolves downstream_names into indices (counting names that match no group) and puts each
 * group's tasks in their order, by name then newest retry first. */
void osmo_workflow_link(struct osmo_workflow *wf);

/* Where one exec or port-forward leg meets its task: a router and a single-use key. */
struct osmo_router_target {
	char *task;           /* an exec on a group: the task's name; otherwise NULL */
	char *router_address; /* ws:// or wss://, no trailing slash */
	char *key;            /* EXEC-... or PORTFORWARD-...; dies with its first connection */
	char *cookie;         /* for the upgrade's Cookie header, verbatim; "" when none */
};

void osmo_router_targets_free(struct osmo_router_target *t, size_t n);

#endif
