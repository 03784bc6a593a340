/* engine_impl.h: what engine*.c share: the live workflows and tasks, and the state directory. */
#ifndef OSMO_SERVER_ENGINE_IMPL_H
#define OSMO_SERVER_ENGINE_IMPL_H

#include "server/engine.h"
#include "server/spec.h"

/* The live side of one task of a workflow (the record lives in rec.groups[].tasks). */
struct engine_task {
	struct engine_wf *wf;
	size_t rgi;    /* its group in rec.groups */
	size_t gi, ti; /* spec group, spec task */
	struct task_run *run;
	struct channel *log; /* this retry's log */
	struct strv tail;    /* its last lines, for the error log */
	size_t tail_next;
	enum osmo_status kill_status; /* why it is being stopped; OSMO_UNKNOWN: not stopping */
	char *kill_message;
	enum osmo_status final_status; /* decided at exit, applied once outputs are done */
	char *final_message;
	bool restart; /* the next retry runs at once (RESTART), not through scheduling */
	bool slot;
};

struct engine_wf {
	struct engine *e;
	struct eng_workflow rec;
	struct spec spec;
	char *dir;
	struct channel *logs, *events;
	struct engine_task *tasks; /* spec order: group by group */
	size_t ntasks;
	size_t *group_of;        /* rec group index → spec group index */
	size_t *first;           /* rec group index → its first task in tasks */
	enum osmo_status forced; /* a cancel or timeout decides the end; OSMO_UNKNOWN: none */
	char *forced_message;
	char *reuse_from; /* restart: the workflow whose outputs dropped groups left */
	bool spec_loaded; /* spec holds rec.spec parsed (engine_wf_spec) */
	bool dirty;       /* memory is ahead of workflow.json */
	bool save_failed; /* the last save failed: tried again when e->save_due comes */
};

struct engine {
	struct loop *loop;
	char *state_dir, *pool, *base_url;
	unsigned slots, slots_used;
	int64_t phase_ms;
	struct engine_wf **wfs;
	size_t n, cap;
	const struct eng_workflow **recs; /* &wfs[i]->rec: engine_workflows' answer */
	unsigned long timer;
	bool stepping, again;
	size_t unsaved;          /* records whose last save failed */
	char *save_error;        /* the last failure, "PATH: reason" */
	int64_t save_due;        /* wall ms of the next retry of failed saves; 0: none */
	int64_t save_backoff_ms; /* the wait before that retry */
	void (*task_ended)(void *ctx, const char *workflow, const char *task, int retry);
	void *task_ended_ctx;
	struct eng_profiles profiles; /* STATE/profiles.json */
};

/* engine.c */
void engine_set_error(struct engine_error *err, int status, const char *code, char *message);
bool engine_done(enum osmo_status s);
/* Appends w to e's workflows (and their records). */
void engine_add(struct engine *e, struct engine_wf *w);

/* engine_state.c */
/* A file beside the record (a spec copy, an error log): a failure is said, not retried. */
void engine_state_write_aside(const char *path, const char *data, size_t n);
/*
 * Saves the dirty records. Ones that failed before wait for e->save_due, which backs off
 * while saves keep failing.
 */
void engine_state_save_dirty(struct engine *e, int64_t now);
/* The last chance to save w (osmo-local is stopping): a failure leaves the older record. */
void engine_state_save_last(struct engine_wf *w);
/* Creates the directory of name's next job (its number in *job); NULL with err filled. */
char *engine_state_claim_dir(const struct engine *e, const char *name, int *job,
                             struct engine_error *err);
/* Loads every workflow under the state directory into e, oldest submission first. */
int engine_state_load(struct engine *e, struct engine_error *err);
/* Reads STATE/profiles.json into e->profiles; one that cannot be read is said and set aside. */
void engine_state_load_profiles(struct engine *e);
/* Writes e->profiles to STATE/profiles.json, on disk when it returns: 0, or -1 with errno. */
int engine_state_save_profiles(const struct engine *e);

#endif
