/* spec.h: OSMO workflow specs: render, parse into plain structs, validate, and the group graph. */
#ifndef OSMO_SERVER_SPEC_H
#define OSMO_SERVER_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/util.h"

/* Refusals for hostile input. */
#define SPEC_MAX_BYTES  (16u << 20) /* the spec as submitted */
#define SPEC_MAX_DEPTH  64u         /* YAML nesting; OSMO's schema needs about ten */
#define SPEC_MAX_NODES  1000000u    /* YAML nodes after expanding aliases */
#define SPEC_MAX_ERRORS 200u
/* OSMO's workflow_info.max_name_length (64 by default), for workflow, group and task names. */
#define SPEC_MAX_NAME 64u

/* A place in the file as the user wrote it (before rendering): 1-based, 0 when unknown. */
struct spec_pos {
	unsigned line;
	unsigned col; /* in characters */
};

/* A key and its value, in the file's order; nested values are flattened to flow YAML. */
struct spec_pair {
	char *key;
	char *value;
	struct spec_pos pos; /* the key */
};

struct spec_map {
	struct spec_pair *v;
	size_t n;
};

enum spec_io_kind {
	SPEC_IO_TASK,           /* inputs: another task's output */
	SPEC_IO_DATASET,        /* inputs and outputs: an OSMO dataset */
	SPEC_IO_URL,            /* inputs and outputs: cloud storage */
	SPEC_IO_UPDATE_DATASET, /* outputs: a new version of an existing dataset */
};

struct spec_io {
	enum spec_io_kind kind;
	char *task;        /* TASK: the upstream task */
	char *workflow_id; /* TASK written "wf-id:task": a finished workflow's task; else NULL */
	char *name;        /* DATASET, UPDATE_DATASET: "[bucket/]name[:tag]" */
	char *path;        /* DATASET: mount path; NULL if not given */
	char *url;         /* URL */
	char *regex;       /* optional filter; NULL if not given */
	struct strv paths, metadata, labels;
	struct spec_pos pos;     /* the list item */
	struct spec_pos ref_pos; /* the task, name or url value */
};

struct spec_file {
	char *path;
	char *contents;  /* NULL when only localpath was given */
	char *localpath; /* the client inlines it; kept so the engine can say so */
	bool base64;
	struct spec_pos pos;
};

struct spec_checkpoint {
	char *path;
	char *url;
	int64_t frequency; /* seconds */
	char *regex;
	struct spec_pos pos;
};

/* OSMO's exit actions (ExitAction in src/utils/job/task.py); keys are matched ignoring case. */
#define SPEC_EXIT_ACTIONS(_) _(COMPLETE) _(FAIL) _(RESCHEDULE) _(RESTART)

enum spec_exit_action {
#define SPEC_EXIT_ENUM(name) SPEC_EXIT_##name,
	SPEC_EXIT_ACTIONS(SPEC_EXIT_ENUM)
#undef SPEC_EXIT_ENUM
	        SPEC_EXIT_N
};

struct spec_code_range {
	int lo, hi; /* inclusive */
};

struct spec_exit_rule {
	enum spec_exit_action action;
	char *codes; /* as written: "1,2,10-20" */
	struct spec_code_range *ranges;
	size_t nranges;
	struct spec_pos pos; /* the codes */
};

/* OSMO's run-time tokens found in a task's strings. */
enum spec_token_kind {
	SPEC_TOKEN_OUTPUT,      /* {{output}} */
	SPEC_TOKEN_INPUT_INDEX, /* {{input:N}} */
	SPEC_TOKEN_INPUT_TASK,  /* {{input:task}} */
	SPEC_TOKEN_HOST,        /* {{host:task}} */
	SPEC_TOKEN_WORKFLOW_ID, /* {{workflow_id}} */
	SPEC_TOKEN_UUID,        /* {{uuid}} */
};

struct spec_token {
	enum spec_token_kind kind;
	char *arg;  /* INPUT_INDEX: the digits; INPUT_TASK, HOST: the name; else NULL */
	long index; /* INPUT_INDEX */
	struct spec_pos pos;
};

struct spec_task {
	char *name;
	struct spec_pos pos; /* the name */
	char *image;
	struct strv command, args;
	struct spec_pos command_pos;
	struct spec_map environment;
	struct spec_file *files;
	size_t nfiles;
	struct spec_io *inputs;
	size_t ninputs;
	struct spec_io *outputs;
	size_t noutputs;
	char *resource; /* profile name; NULL means "default" */
	struct spec_pos resource_pos;
	size_t profile; /* index into spec.resources after validation; SIZE_MAX if none */
	bool lead;      /* after validation: true for the one lead of its group */
	bool lead_set;  /* "lead:" was written */
	struct spec_pos lead_pos;
	bool privileged, host_network;
	struct spec_exit_rule *exit_actions;
	size_t nexit_actions;
	struct spec_checkpoint *checkpoints;
	size_t ncheckpoints;
	char *download_type, *cache_size, *backend;
	struct strv volume_mounts;
	struct spec_map credentials; /* name -> mount path, or a flattened {ENV: key} map */
	struct spec_map extra;       /* documented fields kept for display: kpis, resources */
	struct spec_token *tokens;
	size_t ntokens;
};

struct spec_group {
	char *name;
	struct spec_pos pos;
	bool barrier;               /* default true */
	bool ignore_nonlead_status; /* default true */
	bool implicit;              /* made from a top-level task: named "<task>-group" */
	struct spec_task *tasks;
	size_t ntasks;
	size_t lead;            /* index of the lead task, after validation */
	struct strv upstream;   /* groups this one waits for, in spec order */
	struct strv downstream; /* groups that wait for this one, in spec order */
};

struct spec_resource {
	char *name;
	struct spec_pos pos;
	long cpu, gpu; /* -1 when not given */
	char *memory, *storage, *platform;
	struct strv nodes_excluded;
	struct spec_map extra; /* topology */
};

struct spec {
	char *filename;
	long version; /* 2 */
	char *name;
	struct spec_pos name_pos;
	char *pool, *backend;
	char *priority;                      /* HIGH, NORMAL or LOW; NULL when not given */
	int64_t exec_timeout, queue_timeout; /* seconds; -1 when not given */
	struct spec_resource *resources;
	size_t nresources;
	bool resources_given; /* without "resources:" OSMO supplies an empty "default" */
	struct spec_group *groups;
	size_t ngroups;
	struct spec_map labels; /* workflow.labels, in the file's order */
	bool from_tasks;        /* written with top-level "tasks:" */
	struct spec_pos pos;    /* the "workflow:" key */
	/* Errors OSMO finds only once the schema passed, as OSMOUserError: names too long. */
	size_t long_names;
	bool loaded; /* the text rendered and loaded as YAML: what it says could be read */
};

/*
 * Renders raw as OSMO's server does: the default-values section (read with YAML) gives the
 * variables, set_vars ("k=v", cast to int, then float, else string) override them, then
 * set_string_vars ("k=v", kept as strings). Either list may be NULL. *rendered gets the spec
 * without its default-values section. Errors are "file:line:col: message" lines.
 */
int spec_prepare(const char *raw, size_t len, const char *filename, const struct strv *set_vars,
                 const struct strv *set_string_vars, char **rendered, struct strv *errors);
/* Parses already-rendered YAML into out; positions are in text. Checks shapes and types only. */
int spec_parse(const char *text, size_t len, const char *filename, struct spec *out,
               struct strv *errors);
/* OSMO's rules across the whole spec (spec_check.c); fills leads, profiles and the graph. */
int spec_check(struct spec *spec, struct strv *errors);
/* Whether path has a ".." component, which would leave the directory it is placed under. */
bool spec_path_climbs(const char *path);
/*
 * prepare + parse + validate, with every position mapped back to raw. rendered may be NULL.
 * Returns 0, or -1 with every error found; out is valid (maybe partial) either way.
 */
int spec_load(const char *raw, size_t len, const char *filename, const struct strv *set_vars,
              const struct strv *set_string_vars, struct spec *out, char **rendered,
              struct strv *errors);
void spec_free(struct spec *spec);
/* Appends "file:line:col: message" (no place when pos.line is 0) as one printable line. */
void spec_report(struct strv *errors, const char *filename, struct spec_pos pos, const char *fmt,
                 ...) __attribute__((format(printf, 4, 5)));

/* "2h", "30m", "1d", "45s", "500ms" (OSMO's to_timedelta) to seconds, rounded down. */
int spec_parse_duration(const char *s, int64_t *seconds);
/* "32Gi", "512Mi", "1.5Ti", "1024" (bytes) to bytes; -1 for GB/MB-style or unknown units. */
int spec_parse_quantity(const char *s, double *bytes);
/* The action a task's exitActions give for code, or -1 when none matches. */
int spec_exit_action_for(const struct spec_task *task, int code);
const char *spec_exit_action_name(enum spec_exit_action action);
size_t spec_task_count(const struct spec *spec);
/*
 * OSMO's NAMEREGEX [a-zA-Z]([a-zA-Z0-9_-]*[a-zA-Z0-9])? within its 64-character limit: names
 * that are safe in IDs, URLs and file names.
 */
bool spec_name_ok(const char *s);
const struct spec_group *spec_find_group(const struct spec *spec, const char *name);
/* The task called name and, if group is not NULL, the group holding it. */
const struct spec_task *spec_find_task(const struct spec *spec, const char *name,
                                       const struct spec_group **group);

#endif
