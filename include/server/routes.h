/* routes.h: osmo-local's REST routes (service, workflows, tasks, tags) and the list's selection. */
#ifndef OSMO_SERVER_ROUTES_H
#define OSMO_SERVER_ROUTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/encode.h"
#include "server/engine.h"
#include "common/loop.h"
#include "server/engine_model.h"
#include "server/router.h"
#include "server/http.h"
#include "server/labels.h"
#include "common/util.h"

/* The caller of a request without x-osmo-user, as GET /api/profile/settings names it. */
#define ROUTES_DEFAULT_USER "osmo-local"

/* A status as a bit of routes_list_query.statuses. */
#define ROUTES_STATUS_BIT(s) (UINT32_C(1) << (s))

/* What GET /api/workflow selects; an empty list does not filter. */
struct routes_list_query {
	struct strv users; /* submitters, whole or the part before '@' */
	struct strv pools;
	uint32_t statuses; /* ROUTES_STATUS_BIT()s; 0: all but FAILED_SUBMISSION */
	const char *name;  /* a substring of the workflow ID, or NULL */
	bool has_after, has_before;
	int64_t submitted_after_ms;        /* inclusive */
	int64_t submitted_before_ms;       /* exclusive */
	struct strv tags;                  /* any of them */
	struct strv priorities;            /* HIGH, NORMAL, LOW; a workflow without one is NORMAL */
	struct labels_selector *selectors; /* label=: all of them */
	size_t n_selectors;
	struct strv no_labels; /* no_label=: keys the workflow lacks */
	bool app;              /* app=: no workflow here comes from an app, so none matches */
	size_t offset;         /* counted from the newest match, as OSMO's query does */
	size_t limit;
	bool descending; /* the page newest first; else oldest first */
};

/*
 * Writes the page q selects from wfs (any order; sorted here by submit time) into out, which
 * has room for n, and returns its length; *more_entries says whether older matches remain.
 */
size_t routes_list_select(const struct eng_workflow *const *wfs, size_t n,
                          const struct routes_list_query *q, const struct eng_workflow **out,
                          bool *more_entries);

/* What GET /api/task selects (helpers.get_tasks); an empty list does not filter. */
struct routes_task_query {
	struct strv users; /* submitters of the task's workflow, as routes_list_query's */
	struct strv pools;
	struct strv nodes;
	uint32_t statuses;       /* ROUTES_STATUS_BIT()s of task statuses; 0: all */
	const char *workflow_id; /* a substring of the workflow ID, or NULL */
	bool has_after, has_before;
	int64_t started_after_ms;  /* inclusive; a task not started yet passes */
	int64_t started_before_ms; /* exclusive; a task not started yet fails */
	struct strv priorities;
	size_t offset; /* counted in the service's order: SCHEDULING, INITIALIZING, RUNNING first */
	size_t limit;
	bool descending; /* that order as is; else reversed, the latest at the bottom */
};

/* The rows q selects from wfs, in q's order; *out (caller frees) gets them, the count returned. */
size_t routes_task_select(const struct eng_workflow *const *wfs, size_t n,
                          const struct routes_task_query *q, struct encode_task_row **out);

/* What the routes answer from; it outlives the server (main.c keeps it). */
struct routes_config {
	struct server_http *http;
	struct loop *loop;
	struct engine *engine;
	struct router *router; /* NULL: no exec and port-forward routes */
	bool test_routes;      /* OSMO_LOCAL_TEST_ROUTES=1: the /api/_test/ hooks too */
};

/*
 * Registers every REST route of CONTRACT.md §2: version, health, profile, pool and login
 * info, the workflow, task and tag routes the engine answers, and, with a router, the exec
 * and port-forward start calls of PROTOCOLS.md.
 */
void routes_add(const struct routes_config *cfg);

#endif
