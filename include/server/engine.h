/* engine.h: osmo-local's workflow engine: submissions, the task lifecycle, cancel, restart, logs. */
#ifndef OSMO_SERVER_ENGINE_H
#define OSMO_SERVER_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/engine_model.h"
#include "common/loop.h"
#include "common/util.h"

struct engine;
struct channel;

struct engine_config {
	struct loop *loop;
	const char *state_dir; /* exists; the engine keeps workflows/ and datasets/ under it */
	const char *pool;      /* the one pool offered */
	const char *base_url;  /* "http://127.0.0.1:PORT", for URLs in responses and logs */
	unsigned slots;        /* tasks running at once; 0: 64 */
	int64_t phase_ms;      /* time spent in each phase before RUNNING; <0: 200 */
};

/* An error as the service reports it. */
struct engine_error {
	int status; /* HTTP status: 400, 422, 500 */
	const char
	        *code; /* OSMO error_code ("DATABASE", "USER", "USAGE", "SUBMISSION"); NULL: 500 */
	char *message; /* owned; one line, or several "file:line:col: message" lines */
	char *workflow_id; /* owned; the workflow the error names in its body, or NULL */
};

struct engine_submit {
	const char *user;
	const char *pool;          /* from the path */
	const char *priority;      /* HIGH, NORMAL, LOW; NULL: NORMAL */
	const char *file;          /* TemplateSpec.file; NULL when resubmitting */
	const char *template_spec; /* TemplateSpec.uploaded_templated_spec, or NULL */
	const struct strv *set_vars, *set_string_vars; /* "k=v"; may be NULL */
	const struct strv *env_vars;                   /* "K=V" for every task; may be NULL */
	const struct strv *labels;                     /* "K=V"; may be NULL */
	const char *workflow_id;                       /* resubmit this workflow's stored spec */
	bool dry_run, validation_only;
};

struct engine_submitted {
	char *name;           /* the new workflow ID; the workflow name for dry runs */
	char *spec;           /* dry run: the rendered spec; else NULL */
	bool validation_only; /* logs: "Workflow validation succeeded." */
	struct strv warnings;
};

enum engine_log_kind { ENGINE_LOGS, ENGINE_EVENTS, ENGINE_ERROR_LOGS };

struct engine_log_request {
	enum engine_log_kind kind;
	const char *workflow;  /* ID or UUID */
	const char *task_name; /* NULL: the whole workflow */
	long retry_id;         /* -1: the latest retry */
	long last_n_lines;     /* 0: everything */
	const char *query;     /* POSIX extended regex every line must match, or NULL */
};

/*
 * Loads the workflows kept under state_dir (tasks that were running when the last
 * osmo-local ended are failed with a message saying so) and resumes the unfinished ones.
 * NULL with *err filled (the caller frees err->message) when the state cannot be read.
 */
struct engine *engine_new(const struct engine_config *cfg, struct engine_error *err);
/* Stops every task tree, writes the state, frees everything. */
void engine_free(struct engine *e);
/* SIGTERM/SIGINT: kills running tasks (they fail as interrupted) and writes the state. */
void engine_shutdown(struct engine *e);
/* SIGCHLD: reaps finished task processes. */
void engine_child(struct engine *e);

/*
 * Why GET /health is DEGRADED (a new string), or NULL when it is OK: workflow records could
 * not be saved (they are retried; memory is ahead of the disk until then). The reason names
 * the file and the error only with detail.
 */
char *engine_health(const struct engine *e, bool detail);

const char *engine_pool(const struct engine *e);
/* Task slots: how many (--slots) and how many tasks hold one now. */
unsigned engine_slots(const struct engine *e, unsigned *used);
const char *engine_base_url(const struct engine *e);
/* By workflow ID or 32-hex UUID; NULL when unknown. */
const struct eng_workflow *engine_find(const struct engine *e, const char *name);
/* Every workflow, oldest submission first; *n gets the count. */
const struct eng_workflow *const *engine_workflows(const struct engine *e, size_t *n);

/* All of these return 0, or -1 with *err filled (the caller frees err->message). */
int engine_submit(struct engine *e, const struct engine_submit *req, struct engine_submitted *out,
                  struct engine_error *err);
int engine_cancel(struct engine *e, const char *name, const char *user, bool force,
                  const char *message, struct engine_error *err);
/* Reruns the groups of a failed workflow as a new workflow; out->name is its ID. */
int engine_restart(struct engine *e, const char *name, const char *pool, const char *user,
                   struct engine_submitted *out, struct engine_error *err);
int engine_tag(struct engine *e, const char *name, const struct strv *add,
               const struct strv *remove, struct engine_error *err);
/* What a logs/events/error_logs request is answered with. */
struct engine_log_source {
	char *text; /* error logs without a task: this index, sent as it is */
	char *path; /* else the file to send */
	struct channel
	        *follow;   /* its appends while the workflow lives, or NULL: the file as it is */
	struct loop *loop; /* the loop the channel runs on */
	long last_n_lines; /* start this many lines before the end; 0: everything */
	char *regex;       /* POSIX extended, every line must match, or NULL */
	char *query;       /* the request's own regex, on top of regex, or NULL */
};

/* Says what answers req: 0 with out filled (engine_log_source_free), or -1 with *err. */
int engine_log_source(struct engine *e, const struct engine_log_request *req,
                      struct engine_log_source *out, struct engine_error *err);
void engine_log_source_free(struct engine_log_source *src);

/*
 * A running task's working directory and environment (NULL-terminated "K=V"), which exec
 * gives its command. Returns 0, or -1 when that retry of the task is not running (any more).
 */
int engine_task_context(struct engine *e, const char *workflow, const char *task, int retry,
                        char **cwd, struct strv *env);
/* Who hears that a task's retry left RUNNING (ended, rescheduled, stopped); NULL: nobody. */
void engine_set_task_ended(struct engine *e,
                           void (*ended)(void *ctx, const char *workflow, const char *task,
                                         int retry),
                           void *ctx);

/* user's profile settings, or NULL when it set none. */
const struct eng_profile *engine_profile(const struct engine *e, const char *user);
/*
 * Sets user's notifications (-1: unchanged) and default pool (NULL: unchanged) and keeps them
 * in STATE/profiles.json: 0, or -1 with *err (400 USER for a pool osmo-local does not offer,
 * as the service's Pool.fetch_from_db; 500 when the file cannot be written).
 */
int engine_profile_set(struct engine *e, const char *user, int email_notification,
                       int slack_notification, const char *pool, struct engine_error *err);

void engine_error_free(struct engine_error *err);
void engine_submitted_free(struct engine_submitted *s);

#endif
