/* app.h: the interactive monitor: views, keys, polling and actions in one poll() loop. */
#ifndef OSMO_APP_H
#define OSMO_APP_H

#include <stdbool.h>

#include "session.h"
#include "util.h"

enum app_start { APP_START_LIST, APP_START_WORKFLOW, APP_START_LOGS };

struct app_opts {
	bool ascii, color, all_users;
	const char *pool;            /* list filter */
	const struct strv *statuses; /* list filter */
	const char *user;            /* shown in the status bar */
	enum app_start start;
	const char *workflow; /* APP_START_WORKFLOW, APP_START_LOGS */
	const char *task;     /* APP_START_LOGS: NULL for the whole workflow */
};

/* Runs until the user quits; network and auth errors never end it. 0, or 1 without a terminal. */
int app_run(struct session *s, const struct app_opts *o);

#endif
