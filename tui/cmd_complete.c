/* cmd_complete.c: `osmotop complete`: workflow, group and task names for shell completion. */
#include "tui/cmd_complete.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client/api.h"
#include "common/status.h"
#include "common/util.h"
#include "tui/session.h"

/* A completion that waits longer than this is worse than none. */
#define CMD_COMPLETE_DEADLINE_MS 2000
/* Enough names to pick from; the list comes newest first. */
#define CMD_COMPLETE_LIMIT 200
#define CMD_COMPLETE_USAGE                                                                  \
	"usage: osmotop complete [--url URL] [--user NAME|--token-file FILE] [--local]\n"   \
	"                        workflows|statuses|tasks WORKFLOW_ID|groups WORKFLOW_ID\n" \
	"\n"                                                                                \
	"Prints one name a line for the shells' completion (at most 2 s); on a failure\n"   \
	"nothing, exit 1.\n"

/* Names of the workflow's groups (tasks false) or of their tasks, each once. */
static void
cmd_complete_print_workflow(const struct osmo_workflow *wf, bool tasks)
{
	struct strv seen = { 0 };

	for (size_t g = 0; g < wf->n_groups; g++) {
		const struct osmo_group *grp = &wf->groups[g];

		if (!tasks) {
			printf("%s\n", grp->name);
			continue;
		}
		for (size_t t = 0; t < grp->n_tasks; t++)
			if (!strv_contains(&seen, grp->tasks[t].name)) {
				strv_push(&seen, grp->tasks[t].name);
				printf("%s\n", grp->tasks[t].name);
			}
	}
	strv_free(&seen);
}

int
cmd_complete_main(int argc, char **argv, const struct session_opts *globals)
{
	static const struct option longopts[] = {
		SESSION_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct session_opts so = *globals;
	struct session_call w = { 0 };
	struct api_callbacks cb = session_call_callbacks(&w);
	struct api_error err = { 0 };
	struct session s;
	const char *what;
	int ch, rc = 1;

	optind = 0; /* glibc starts afresh, its ordering included, after an earlier scan */
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (ch == 'h') {
			fputs(CMD_COMPLETE_USAGE, stdout);
			return 0;
		}
		/* A shell's completion passes only options it knows: this is a person typing. */
		if (!session_option(ch, optarg, &so))
			return session_bad_option("complete", ch, argv);
	}
	what = optind < argc ? argv[optind] : "";
	/* From the status table, so the shells never offer a stale list. */
	if (strcmp(what, "statuses") == 0) {
		for (int i = 0; i < OSMO_STATUS_COUNT; i++)
			if (osmo_status_in_workflow_enum((enum osmo_status)i))
				printf("%s\n", osmo_status_wire((enum osmo_status)i));
		return 0;
	}
	bool list = strcmp(what, "workflows") == 0;
	bool tasks = strcmp(what, "tasks") == 0;

	if (!list && !tasks && strcmp(what, "groups") != 0)
		return 1;
	if (!list && optind + 1 >= argc)
		return 1;
	/* Quiet: a shell is drawing a prompt; no warning, no error line. */
	if (session_open(&s, &so, &err) < 0)
		return 1;
	if (list) {
		struct api_list_query q = { .limit = CMD_COMPLETE_LIMIT };

		api_list(s.api, &q, cb);
	} else {
		api_query(s.api, argv[optind + 1], false, false, cb);
	}
	if (session_call_wait(&s, &w, 0, CMD_COMPLETE_DEADLINE_MS)) {
		for (size_t i = 0; list && i < w.res.list.n_rows; i++)
			printf("%s\n", w.res.list.rows[i].name);
		if (!list)
			cmd_complete_print_workflow(&w.res.workflow, tasks);
		rc = 0;
	}
	api_result_free(&w.res);
	session_close(&s);
	return rc;
}
