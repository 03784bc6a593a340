/* engine_model.h: osmo-local's records: workflows, groups, tasks and users' profiles. */
#ifndef OSMO_SERVER_ENGINE_MODEL_H
#define OSMO_SERVER_ENGINE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/json.h"
#include "common/status.h"
#include "common/util.h"

/* Times are Unix ms (0 = not reached); timeouts are seconds (negative = none). */
struct eng_task {
	char *name;
	int retry_id;
	enum osmo_status status;
	bool lead;
	bool has_exit_code;
	int exit_code;
	char *failure_message;
	char uuid[33]; /* identical for all retries of a task, as in OSMO */
	int64_t processing_ms, scheduling_ms, initializing_ms, start_ms, end_ms;
	int64_t input_download_start_ms, input_download_end_ms, output_upload_start_ms;
};

struct eng_group {
	char *name;
	enum osmo_status status;
	char *failure_message;
	bool ignore_nonlead; /* ignoreNonleadStatus, default true */
	int64_t processing_ms, scheduling_ms, initializing_ms, start_ms, end_ms;
	struct strv upstream; /* group names this group waits for */
	struct strv downstream;
	struct eng_task *tasks; /* every retry; newest retry last */
	size_t n_tasks;
};

struct eng_label {
	char *key, *value;
};

struct eng_workflow {
	char *id; /* "<name>-<job>" */
	char *name;
	int job;
	char uuid[33];
	char *user;
	char *cancelled_by;
	char *pool;
	char *priority; /* HIGH, NORMAL, LOW */
	char *parent_name;
	int parent_job_id; /* valid when parent_name */
	int64_t submit_ms, start_ms, end_ms;
	double exec_timeout_s, queue_timeout_s;
	enum osmo_status status;
	struct eng_group *groups;
	size_t n_groups;
	struct strv tags;
	struct eng_label *labels;
	size_t n_labels;
	char *spec;           /* the rendered spec, served by /spec */
	char *template_spec;  /* the uploaded templated text, or NULL */
	struct strv env_vars; /* env_vars ("K=V") for every task, kept only by records written
	                         before they went into the stored spec */
};

/* A user's profile settings, as POST /api/profile/settings left them. */
struct eng_profile {
	char *user;
	bool email_notification, slack_notification;
	char *pool; /* the default pool the user chose; NULL: none */
};

/* Every user's, as STATE/profiles.json keeps them (eng_profiles_table). */
struct eng_profiles {
	struct eng_profile *v;
	size_t n;
};

extern const struct json_table eng_profiles_table;
void eng_profiles_free(struct eng_profiles *p);

/*
 * Every member of a record under its own name, groups, tasks and labels as its sub tables:
 * what the state file holds (server/encode.c reads and writes by it) and what
 * eng_workflow_free frees.
 */
extern const struct json_table eng_workflow_table;

void eng_workflow_free(struct eng_workflow *wf);
/* The newest retry of each task, in name order; returns how many (indices into g->tasks). */
size_t eng_group_latest(const struct eng_group *g, size_t *out, size_t max);
/* Task name at retry (-1: its newest) in any group of wf (NULL: none), or NULL. */
const struct eng_task *eng_workflow_find_task(const struct eng_workflow *wf, const char *name,
                                              long retry);

#endif
