/* task.h: one retry of one task on this machine: inputs in, the command, outputs and checkpoints out. */
#ifndef OSMO_SERVER_TASK_H
#define OSMO_SERVER_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include "common/loop.h"
#include "server/spec.h"
#include "common/util.h"

struct task_run;

struct task_events {
	/* One line of output; osmo: a line of OSMO's own (data movement, checkpoints). */
	void (*line)(void *ctx, bool osmo, const char *s, size_t n);
	/* The command started (inputs are in place). */
	void (*started)(void *ctx);
	/*
	 * The command ended with code (a shell's 128 + signal for signals), or the run could not
	 * get that far (setup: true, code is OSMO's 3003, message says why). The owner answers
	 * with task_run_finish.
	 */
	void (*exited)(void *ctx, int code, bool setup, const char *message);
	/* Everything is over: ok false when an upload failed (message says why). */
	void (*done)(void *ctx, bool ok, const char *message);
	/* The workflow ID holding an upstream task's output (a restart reuses older runs'). */
	const char *(*input_owner)(void *ctx, const char *task);
	void *ctx;
};

struct task_run_config {
	struct loop *loop;
	const struct spec_task *task;
	const char *workflow_id;
	const char *task_uuid;
	int retry_id;
	const char *run_dir;   /* this retry's directory: created, holds root/, input/, output/ */
	const char *state_dir; /* for other workflows' outputs and the dataset store */
	const struct strv *env_vars; /* "K=V" from the submission */
	struct task_events ev;
};

/* Starts downloading inputs, then the command. Never NULL: setup errors arrive as exited(). */
struct task_run *task_run_start(const struct task_run_config *cfg);
/* After exited(): upload outputs (and a last checkpoint) when publish, then done(). */
void task_run_finish(struct task_run *r, bool publish);
/* Stops the current step's process tree: SIGTERM, SIGKILL after a grace (force: at once). */
void task_run_kill(struct task_run *r, bool force);
/* SIGCHLD: collects this run's processes. */
void task_run_reap(struct task_run *r);
/* Kills the tree a crashed osmo-local left running in run_dir, if its supervisor is still there. */
void task_stop_leftover(const char *run_dir);
/* Kills whatever still runs (SIGKILL, waited for) and frees r. */
void task_run_free(struct task_run *r);

/* The command's working directory (the run's root/), for exec into a running task. */
const char *task_run_root(const struct task_run *r);
/* The command's whole environment ("K=V", NULL-terminated), as the command got it. */
void task_run_env(const struct task_run *r, struct strv *env);

/* Replaces OSMO's run-time tokens and the task's declared paths in s (exposed for tests). */
char *task_substitute(const struct task_run *r, const char *s);
/* The directory a task's output is published to (the caller frees). */
char *task_output_path(const char *state_dir, const char *workflow_id, const char *task);

#endif
