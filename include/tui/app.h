/* app.h: the interactive monitor: views, keys, polling and actions on the session's loop. */
#ifndef OSMO_TUI_APP_H
#define OSMO_TUI_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "tui/canvas.h"
#include "tui/config.h"
#include "tui/session.h"
#include "common/util.h"

/* Where the monitor opens: the list, or a workflow as its table, DAG, time axis or logs. */
enum app_start {
	APP_START_LIST,
	APP_START_WORKFLOW,
	APP_START_DAG,
	APP_START_GANTT,
	APP_START_LOGS
};

struct app_opts {
	bool ascii, color, all_users;
	const char *pool;            /* list filter */
	const struct strv *statuses; /* list filter */
	const char *user;            /* shown in the status bar */
	enum app_start start;
	const char *workflow; /* every start but APP_START_LIST */
	const char *task;     /* APP_START_LOGS: NULL for the whole workflow */
	int64_t at_ms;        /* the wall clock for ages and durations; 0 = now (tests fix it) */
	const struct config *config; /* cadences, list defaults, log memory; NULL: the defaults */
	bool cache; /* draw what was last seen at once, and keep what is seen (tui/cache.c) */
};

struct app;

/* Runs until the user quits; network and auth errors never end it. 0, or 1 without a terminal. */
int app_run(struct session *s, const struct app_opts *o);

/* The monitor without a terminal, for tests: keys in, network driven, frames out. */
struct app *app_new(struct session *s, const struct app_opts *o);
void app_free(struct app *a);
/* One key as screen_key() reports it. */
void app_key(struct app *a, int key);
/* One round of the loop without a terminal: starts what is due, waits at most max_ms. */
void app_step(struct app *a, int max_ms);
/* Starts what is due and runs the network until nothing is in flight; -1 past deadline_ms. */
int app_settle(struct app *a, int64_t deadline_ms);
/* Renders the current state into a rows x cols frame owned by a. */
const struct canvas *app_frame(struct app *a, int rows, int cols);
/* False once the user quit. */
bool app_running(const struct app *a);
/* Why the open workflow could not be had (the last failure), or NULL once it is in. */
const char *app_workflow_error(const struct app *a);

#endif
