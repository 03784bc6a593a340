/* test_app.c: the monitor without a terminal: keys in, real HTTP to 127.0.0.1, frames compared with goldens. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tui/app.h"
#include "tui/config.h"
#include "golden.h"
#include "common/osmo_time.h"
#include "proc.h"
#include "tui/screen.h"
#include "tui/session.h"
#include "common/util.h"
#include "tui/view_ops.h"

#define APPT_AT "2026-08-18T16:30:00"

struct appt {
	char dir[64];
	char *log;
	struct proc server;
	struct session s;
	struct app_opts o;
	struct app *a;
};

static const char *const appt_routes[] = {
	"GET /api/workflow/llm-finetune-17/logs 200 text/plain @workflow_logs_running.txt stream=5",
	"GET /api/workflow/llm-finetune-17/spec 200 text/plain @workflow_spec_strict.yaml",
	"GET /api/workflow/llm-finetune-17 200 application/json "
	"@workflow_query_running_verbose.json",
	"GET /api/workflow/llm-finetune-16/logs 200 text/plain @workflow_logs_failed_tail.txt",
	"GET /api/workflow/llm-finetune-16/events 200 text/plain @workflow_events.txt",
	"GET /api/workflow/llm-finetune-16 200 application/json "
	"@workflow_query_failed_evicted.json",
	"GET /api/workflow/llm-finetune-18 200 application/json @workflow_query_small.json",
	/* Recorded from osmo-local: prepare-group, forty shard groups, merge-group. */
	"GET /api/workflow/shards-1 200 application/json @workflow_query_shards.json",
	/* Recorded from osmo-local: a pipeline whose train-b failed, restarted (it failed again). */
	"GET /api/workflow/restart-pipeline-2 200 application/json @workflow_query_restarted.json",
	"GET /api/workflow/restart-pipeline-1 200 application/json "
	"@workflow_query_restart_parent.json",
	"GET /api/workflow/broken-1 500 application/json @error_internal_500.json",
	"GET /api/workflow/nope-1 400 application/json @error_not_found_400.json",
	"GET /api/workflow/stalled-1 200 application/json inline:{} stall",
	"GET /api/workflow/busy-1 503 application/json inline:{\"message\":\"busy\"} "
	"header=Retry-After:120",
	"GET /api/workflow/busy-2 429 application/json inline:{\"message\":\"slow\"} "
	"header=Retry-After:Thu,%2001%20Jan%202099%2000:00:00%20GMT",
	"POST /api/workflow/llm-finetune-17/cancel 200 application/json @cancel_response.json",
	"POST /api/pool/gb200-prod/workflow/llm-finetune-16/restart 200 application/json "
	"@submit_response.json",
	"POST /api/pool/gb200-prod/workflow 200 application/json @submit_response.json",
	"GET /api/workflow 200 application/json @workflow_list_page.json",
};

/* A failed run's merged log of three tasks with a traceback in the middle; the service's
 * answer when asked to filter it (query). */
static const char *const appt_merged_routes[] = {
	"GET /api/workflow/llm-finetune-16/logs?query 200 text/plain "
	"@workflow_logs_merged_query.txt",
	"GET /api/workflow/llm-finetune-16/logs 200 text/plain @workflow_logs_merged_errors.txt",
	"GET /api/workflow/llm-finetune-16 200 application/json "
	"@workflow_query_failed_evicted.json",
	"GET /api/workflow 200 application/json @workflow_list_page.json",
};

/* A training whose log is followed and stays open (held): its counter, for the list's row. */
static const char *const appt_training_routes[] = {
	"GET /api/workflow/llm-finetune-17/logs 200 text/plain @workflow_logs_training.txt hold",
	"GET /api/workflow/llm-finetune-17/spec 200 text/plain @workflow_spec_strict.yaml",
	"GET /api/workflow/llm-finetune-17 200 application/json "
	"@workflow_query_running_verbose.json",
	"GET /api/workflow 200 application/json @workflow_list_page.json",
};

/* The list as it changes between polls: a new workflow arrives, then the selected one goes. */
static const char *const appt_moving_routes[] = {
	"GET /api/workflow 200 application/json @workflow_list_page.json times=1",
	"GET /api/workflow 200 application/json @workflow_list_page_new.json times=1",
	"GET /api/workflow 200 application/json @workflow_list_page_gone.json",
};

/* A workflow submitted between two answers that failed before the second (notify.mine). */
static const char *const appt_quick_failure_routes[] = {
	"GET /api/workflow 200 application/json @workflow_list_page.json times=1",
	"GET /api/workflow 200 application/json @workflow_list_page_new_failed.json",
};

/* A restart whose new workflow is still PENDING. */
static const char *const appt_pending_routes[] = {
	"GET /api/workflow/llm-finetune-16 200 application/json "
	"@workflow_query_failed_evicted.json",
	"GET /api/workflow/llm-finetune-18 200 application/json @workflow_query_pending.json",
	"GET /api/workflow/llm-finetune-16/spec 200 text/plain @workflow_spec_strict.yaml",
	"GET /api/workflow/llm-finetune-18/spec 200 text/plain @workflow_spec_restarted.yaml",
	"POST /api/pool/gb200-prod/workflow/llm-finetune-16/restart 200 application/json "
	"@submit_response.json",
};

/* A PENDING workflow (-18), a running one (-17), their pool's numbers and the queue. */
static const char *const appt_wait_routes[] = {
	"GET /api/workflow/llm-finetune-18 200 application/json @workflow_query_pending.json",
	"GET /api/workflow/llm-finetune-17 200 application/json "
	"@workflow_query_running_verbose.json",
	"GET /api/pool_quota 200 application/json @pool_quota_response.json",
	"GET /api/workflow 200 application/json @workflow_list_page.json",
};

/* llm-finetune-17 runs with a failed task (two failed retries of it); -16 failed. */
static const char *const appt_badge_routes[] = {
	"GET /api/task 200 application/json @task_list_failed.json",
	"GET /api/workflow 200 application/json @workflow_list_page.json",
};

/* The failed-task call fails: the list goes on without badges. */
static const char *const appt_badge_broken_routes[] = {
	"GET /api/task 500 application/json @error_internal_500.json",
	"GET /api/workflow 200 application/json @workflow_list_page.json",
};

/* Nothing running: no failed-task call. */
static const char *const appt_badge_idle_routes[] = {
	"GET /api/task 200 application/json @task_list_failed.json",
	"GET /api/workflow 200 application/json "
	"inline:{\"workflows\":[],\"more_entries\":false}",
};

static int
appt_setup_routes(void **state, const char *const *list, size_t n)
{
	struct appt *t = xcalloc(1, sizeof(*t));
	char *routes;

	strlcpy_safe(t->dir, "/tmp/osmotop-app-XXXXXX", sizeof(t->dir));
	assert_non_null(mkdtemp(t->dir));
	routes = xasprintf("%s/routes", t->dir);
	t->log = xasprintf("%s/requests", t->dir);
	assert_int_equal(golden_fixture_server(&t->server, routes, list, n, t->log), 0);
	/* No login.yaml of the developer's may leak into these runs. */
	setenv("OSMO_CONFIG_FILE_DIR", t->dir, 1);
	free(routes);
	*state = t;
	return 0;
}

static int
appt_setup(void **state)
{
	return appt_setup_routes(state, appt_routes, ARRAY_SIZE(appt_routes));
}

static int
appt_setup_moving(void **state)
{
	return appt_setup_routes(state, appt_moving_routes, ARRAY_SIZE(appt_moving_routes));
}

static int
appt_setup_quick_failure(void **state)
{
	return appt_setup_routes(state, appt_quick_failure_routes,
	                         ARRAY_SIZE(appt_quick_failure_routes));
}

static int
appt_setup_pending(void **state)
{
	return appt_setup_routes(state, appt_pending_routes, ARRAY_SIZE(appt_pending_routes));
}

static int
appt_setup_wait(void **state)
{
	return appt_setup_routes(state, appt_wait_routes, ARRAY_SIZE(appt_wait_routes));
}

static int
appt_setup_training(void **state)
{
	return appt_setup_routes(state, appt_training_routes, ARRAY_SIZE(appt_training_routes));
}

static int
appt_setup_merged(void **state)
{
	return appt_setup_routes(state, appt_merged_routes, ARRAY_SIZE(appt_merged_routes));
}

static int
appt_setup_badge(void **state)
{
	return appt_setup_routes(state, appt_badge_routes, ARRAY_SIZE(appt_badge_routes));
}

static int
appt_setup_badge_broken(void **state)
{
	return appt_setup_routes(state, appt_badge_broken_routes,
	                         ARRAY_SIZE(appt_badge_broken_routes));
}

static int
appt_setup_badge_idle(void **state)
{
	return appt_setup_routes(state, appt_badge_idle_routes, ARRAY_SIZE(appt_badge_idle_routes));
}

static int
appt_teardown(void **state)
{
	struct appt *t = *state;

	app_free(t->a);
	if (t->s.api)
		session_close(&t->s);
	proc_stop(&t->server, 5000);
	proc_remove_tree(t->dir);
	free(t->log);
	free(t);
	return 0;
}

/* appt_open with a configuration (NULL: the defaults). */
static void
appt_open_config(struct appt *t, enum app_start start, const char *workflow,
                 const struct config *config)
{
	struct session_opts so = { .url = t->server.url, .user = "jdoe" };
	struct api_error err = { 0 };

	assert_int_equal(session_open(&t->s, &so, &err), 0);
	/* The port changes every run; frames show a fixed name. */
	free(t->s.shown_url);
	t->s.shown_url = xstrdup("http://osmo.test");
	t->o = (struct app_opts){
		.user = "jdoe", .start = start, .workflow = workflow, .config = config
	};
	assert_int_equal(osmo_time_parse(APPT_AT, &t->o.at_ms), 0);
	t->a = app_new(&t->s, &t->o);
	assert_int_equal(app_settle(t->a, clock_mono_ms() + 10000), 0);
}

/* Opens the monitor on view/workflow as user jdoe with the clock fixed, and loads its data. */
static void
appt_open(struct appt *t, enum app_start start, const char *workflow)
{
	appt_open_config(t, start, workflow, NULL);
}

static void
appt_keys(struct appt *t, const char *keys)
{
	for (const char *k = keys; *k; k++)
		app_key(t->a, *k == '\r'  ? SCREEN_KEY_ENTER
		              : *k == 033 ? SCREEN_KEY_ESC
		                          : (unsigned char)*k);
	assert_int_equal(app_settle(t->a, clock_mono_ms() + 10000), 0);
}

/* y as a person answers a dialog: after reading it (a y at once is taken as typed ahead). */
static void
appt_yes(struct appt *t)
{
	int64_t until = clock_mono_ms() + 600;

	while (clock_mono_ms() < until)
		app_step(t->a, 50);
	appt_keys(t, "y");
}

/* The frame as text without its last row: the status bar shows data ages that vary. */
static char *
appt_frame(struct appt *t, int rows, int cols, bool status_bar)
{
	char *text = canvas_to_text(app_frame(t->a, rows, cols));
	char *end = text + strlen(text);

	if (!status_bar) {
		if (end > text && end[-1] == '\n')
			end--;
		while (end > text && end[-1] != '\n')
			end--;
		*end = '\0';
	}
	return text;
}

/* The status bar: the last row. */
static char *
appt_status(struct appt *t)
{
	char *text = appt_frame(t, 24, 120, true);
	char *end = text + strlen(text);
	char *line;

	if (end > text && end[-1] == '\n')
		*--end = '\0';
	line = strrchr(text, '\n');
	line = xstrdup(line ? line + 1 : text);
	free(text);
	return line;
}

/* Fails, showing the frame, unless rows x cols without the status bar shows needle. */
static void
appt_shows(struct appt *t, int rows, int cols, const char *needle)
{
	char *text = appt_frame(t, rows, cols, false);

	if (!strstr(text, needle))
		fail_msg("no \"%s\" in:\n%s", needle, text);
	free(text);
}

/* Steps the loop until rows x cols shows needle, for at most 10 s (a stream's lines). */
static void
appt_awaits(struct appt *t, int rows, int cols, const char *needle)
{
	int64_t until = clock_mono_ms() + 10000;
	char *text = NULL;

	for (;;) {
		free(text);
		text = appt_frame(t, rows, cols, false);
		if (strstr(text, needle) || clock_mono_ms() > until)
			break;
		app_step(t->a, 50);
	}
	if (!strstr(text, needle))
		fail_msg("no \"%s\" within 10 s in:\n%s", needle, text);
	free(text);
}

/* Fails unless the status bar says needle. */
static void
appt_says(struct appt *t, const char *needle)
{
	char *bar = appt_status(t);

	if (!strstr(bar, needle))
		fail_msg("the status bar \"%s\" lacks \"%s\"", bar, needle);
	free(bar);
}

static bool
appt_logged(struct appt *t, const char *needle)
{
	char *log = util_read_file(t->log, NULL);
	bool found = log && strstr(log, needle);

	if (!found)
		fprintf(stderr, "request log lacks \"%s\":\n%s\n", needle, log ? log : "(none)");
	free(log);
	return found;
}

/* Fails, showing the log, if any request so far holds needle. */
static void
appt_not_logged(struct appt *t, const char *needle)
{
	char *log = util_read_file(t->log, NULL);

	if (log && strstr(log, needle))
		fail_msg("a request holds \"%s\":\n%s", needle, log);
	free(log);
}

/* Fails unless text shows first, and shows it before then. */
static void
appt_before(const char *text, const char *first, const char *then)
{
	const char *a = strstr(text, first), *b = strstr(text, then);

	if (!a || !b || a > b)
		fail_msg("'%s' is not above '%s' in:\n%s", first, then, text);
}

static void
appt_golden(struct appt *t, const char *name, int rows, int cols)
{
	char *text = appt_frame(t, rows, cols, false);

	assert_true(golden_check(name, text));
	free(text);
}

static void
test_list_frames(void **state)
{
	struct appt *t = *state;

	appt_open(t, APP_START_LIST, NULL);
	assert_true(appt_logged(t, "GET /api/workflow?"));
	assert_true(appt_logged(t, "limit=200"));
	appt_golden(t, "app_list_100x16.txt", 16, 100);
	appt_golden(t, "app_list_40x12.txt", 12, 40);
	/* Down to the last row with more_entries: the next page is asked for. */
	appt_keys(t, "jjj");
	assert_true(appt_logged(t, "limit=400"));
}

/*
 * Forty shards between two groups: at 80x24 they wrap into sub-columns that take the tasks'
 * rows, so the join shows; j moves the selection down the first and into the second.
 */
static void
test_dag_wrapped_fan(void **state)
{
	struct appt *t = *state;
	const struct osmo_task *task;
	const struct osmo_group *g;

	appt_open(t, APP_START_WORKFLOW, "shards-1");
	appt_keys(t, "d");
	appt_golden(t, "app_dag_shards_80x24.txt", 24, 80);
	/* A group's row and its task's in the table: 15 shards down is the second sub-column. */
	for (int i = 0; i < 1 + 2 * 15; i++)
		appt_keys(t, "j");
	g = view_table_selected(t->a, &task);
	assert_non_null(g);
	assert_string_equal(g->name, "shard-15-group");
	appt_golden(t, "app_dag_shards_80x24_selected.txt", 24, 80);
	appt_shows(t, 24, 80, "merge-group");
	appt_golden(t, "app_dag_shards_120x36.txt", 36, 120);
}

/* How many requests so far hold needle. */
static int
appt_count(struct appt *t, const char *needle)
{
	char *log = util_read_file(t->log, NULL);
	int n = 0;

	for (const char *p = log; p && (p = strstr(p, needle)); p += strlen(needle))
		n++;
	free(log);
	return n;
}

/*
 * The list's PROGRESS comes from each row's own answer, asked once per row (a row the service
 * does not know stays blank) and not again at the next list answer: a finished workflow's
 * counts are final, a running one's are due later.
 */
static void
test_list_counts_each_row_once(void **state)
{
	struct appt *t = *state;

	appt_open(t, APP_START_LIST, NULL);
	appt_shows(t, 24, 120, "▕█   ▏ 1/6");
	appt_shows(t, 24, 120, "▕████▏ 4/4");
	assert_int_equal(appt_count(t, "GET /api/workflow/llm-finetune-17?verbose=false"), 1);
	assert_int_equal(appt_count(t, "GET /api/workflow/llm-finetune-16?verbose=false"), 1);
	assert_int_equal(appt_count(t, "GET /api/workflow/sim-sweep-4?"), 1);
	app_key(t->a, SCREEN_CTRL('r'));
	assert_int_equal(app_settle(t->a, clock_mono_ms() + 10000), 0);
	assert_int_equal(appt_count(t, "GET /api/workflow?"), 2);
	assert_int_equal(appt_count(t, "GET /api/workflow/llm-finetune-1"), 2);
	assert_int_equal(appt_count(t, "GET /api/workflow/sim-sweep-4?"), 1);
}

/*
 * Back in the list, the running workflow left is still watched: its log still followed and
 * its answer still asked for, so its row shows its training's counter.
 */
static void
test_list_shows_the_followed_training(void **state)
{
	struct appt *t = *state;

	appt_open(t, APP_START_WORKFLOW, "llm-finetune-17");
	appt_awaits(t, 24, 160, "step 300/1000");
	appt_keys(t, "q");
	appt_shows(t, 24, 160, "osmotop · workflows");
	assert_true(follow_live(t->a));
	appt_shows(t, 24, 160, "30% · ETA");
	/* Another workflow opened in its place is the one watched. */
	appt_keys(t, "jj\r");
	appt_keys(t, "q");
	assert_false(follow_live(t->a));
}

/* config.yaml's list.sort and list.all_users are where the list starts. */
static void
test_list_from_config(void **state)
{
	struct appt *t = *state;
	struct config c;
	char *text;

	config_init(&c);
	c.sort = FILTER_SORT_NAME;
	c.all_users = true;
	c.policy.list_ms = 1000;
	appt_open_config(t, APP_START_LIST, NULL, &c);
	assert_true(appt_logged(t, "all_users=true"));
	/* refresh.list shorter than running's: a list with a running workflow keeps it. */
	assert_true(t->a->list.sync.next_due_ms - clock_mono_ms() <= 1000);
	text = appt_frame(t, 16, 100, false);
	appt_before(text, "llm-finetune-16", "llm-finetune-17");
	appt_before(text, "llm-finetune-17", "sim-sweep-4");
	assert_non_null(strstr(text, "by name ↑"));
	free(text);
	config_free(&c);
}

static void
test_list_sort_and_filters(void **state)
{
	struct appt *t = *state;
	char *text;

	appt_open(t, APP_START_LIST, NULL);
	appt_keys(t, "N");
	text = appt_frame(t, 16, 100, false);
	/* By name: llm-finetune-16 < llm-finetune-17 < sim-sweep-4. */
	appt_before(text, "llm-finetune-16", "llm-finetune-17");
	appt_before(text, "llm-finetune-17", "sim-sweep-4");
	assert_non_null(strstr(text, "by name ↑"));
	free(text);
	appt_keys(t, "N");
	text = appt_frame(t, 16, 100, false);
	appt_before(text, "sim-sweep-4", "llm-finetune-16");
	assert_non_null(strstr(text, "by name ↓"));
	free(text);
	/* The sort survives a refresh from the server. */
	app_key(t->a, SCREEN_CTRL('r'));
	assert_int_equal(app_settle(t->a, clock_mono_ms() + 10000), 0);
	text = appt_frame(t, 16, 100, false);
	appt_before(text, "sim-sweep-4", "llm-finetune-16");
	free(text);
	/* A preset is a server-side status filter. */
	appt_keys(t, "3");
	/* The list's own request: the badge's task request names FAILED* statuses too. */
	assert_true(appt_logged(t, "GET /api/workflow?statuses=FAILED&"));
	assert_true(appt_logged(t, "statuses=FAILED_PREEMPTED"));
	appt_shows(t, 16, 100, "· failed ·");
	/* Typed terms. */
	appt_keys(t, "/status:run pool:gb200-prod llm\r");
	assert_true(appt_logged(t, "statuses=RUNNING"));
	assert_true(appt_logged(t, "pools=gb200-prod"));
	assert_true(appt_logged(t, "name=llm"));
	appt_shows(t, 16, 160, "status:RUNNING · pool:gb200-prod · \"llm\"");
	/* '/' opens on the terms in force; Ctrl-u clears the line. */
	appt_keys(t, "/");
	appt_shows(t, 16, 100, "/status:run pool:gb200-prod llm");
	appt_keys(t, "\025status:nope\r");
	appt_says(t, "no workflow status starts with 'nope'");
	/* Whose workflows they are is in the title: a switches. */
	appt_shows(t, 16, 160, "· mine ·");
	appt_keys(t, "a");
	appt_shows(t, 16, 160, "· everyone's ·");
}

static void
test_workflow_table_and_dag(void **state)
{
	struct appt *t = *state;
	unsigned long layouts;

	appt_open(t, APP_START_WORKFLOW, "llm-finetune-17");
	assert_true(appt_logged(t, "GET /api/workflow/llm-finetune-17?verbose=true"));
	appt_golden(t, "app_workflow_120x30.txt", 30, 120);
	/* The train group's rule comes from the spec, which the status API does not carry. */
	appt_keys(t, "jj");
	appt_shows(t, 30, 120,
	           "train: any failing task fails the group (ignoreNonleadStatus: false)");
	appt_keys(t, "k");
	/* The DAG with the selected group's tasks under it. */
	appt_keys(t, "djj");
	layouts = t->a->dag.layouts;
	appt_golden(t, "app_dag_120x30.txt", 30, 120);
	appt_golden(t, "app_dag_80x24.txt", 24, 80);
	appt_golden(t, "app_dag_40x12.txt", 12, 40);
	/* One layout for the workflow as it is, whatever the frames and their sizes. */
	assert_int_equal(t->a->dag.layouts, layouts + 1);
	app_key(t->a, SCREEN_CTRL('r'));
	assert_int_equal(app_settle(t->a, clock_mono_ms() + 10000), 0);
	appt_golden(t, "app_dag_120x30.txt", 30, 120);
	assert_int_equal(t->a->dag.layouts, layouts + 2);
}

/* How many requests so far hold needle. */
static int
appt_logged_times(struct appt *t, const char *needle)
{
	char *log = util_read_file(t->log, NULL);
	int n = 0;

	for (const char *p = log ? strstr(log, needle) : NULL; p; p = strstr(p + 1, needle))
		n++;
	free(log);
	return n;
}

/*
 * A restart has only the groups it reran: its DAG asks for the parent once, shows the groups
 * it reused from it as such, and its time axis has the whole pipeline.
 */
static void
test_restart_dag_reused_groups(void **state)
{
	struct appt *t = *state;

	appt_open(t, APP_START_WORKFLOW, "restart-pipeline-2");
	/* The table needs no parent. */
	appt_not_logged(t, "restart-pipeline-1");
	appt_keys(t, "d");
	assert_true(appt_logged(t, "GET /api/workflow/restart-pipeline-1?verbose=true"));
	appt_golden(t, "app_dag_restarted_80x24.txt", 24, 80);
	appt_golden(t, "app_dag_restarted_120x36.txt", 36, 120);
	/* A refresh asks for the restart again, never for its parent. */
	app_key(t->a, SCREEN_CTRL('r'));
	assert_int_equal(app_settle(t->a, clock_mono_ms() + 10000), 0);
	appt_keys(t, "jjj");
	appt_shows(t, 24, 80, "reused");
	assert_int_equal(appt_logged_times(t, "GET /api/workflow/restart-pipeline-1?"), 1);
	assert_int_equal(appt_logged_times(t, "GET /api/workflow/restart-pipeline-2?"), 2);
	/* t: time on the x axis, the reused groups where they ran; t again adds the tasks. */
	appt_keys(t, "t");
	appt_golden(t, "app_dag_restarted_gantt_80x24.txt", 24, 80);
	appt_keys(t, "t");
	appt_golden(t, "app_dag_restarted_gantt_tasks_120x36.txt", 36, 120);
	/* Once more the graph; d the table, and t from the table the time axis. */
	appt_keys(t, "t");
	appt_shows(t, 24, 80, "┃ ✘ train-b-group");
	appt_keys(t, "dt");
	appt_shows(t, 24, 80, " GROUP / TASK");
	assert_int_equal(appt_logged_times(t, "GET /api/workflow/restart-pipeline-1?"), 1);
}

static void
test_cancel_through_dialog(void **state)
{
	struct appt *t = *state;

	appt_open(t, APP_START_WORKFLOW, "llm-finetune-17");
	/* The dialog opens on "keep": Enter with nothing typed, or typed-ahead text, sends nothing. */
	appt_keys(t, "C\r");
	appt_keys(t, "Cnot now\r\r");
	/* A y typed ahead is text: "yesterday's..." goes to the message, it cancels nothing. */
	appt_keys(t, "Cyesterday");
	appt_shows(t, 24, 100, "message (optional): yesterday");
	appt_keys(t, "\033");
	appt_not_logged(t, "/cancel");
	/* Typed text goes to the message; Tab reaches force, Space sets it, Tab goes to keep. */
	appt_keys(t, "Cwrong lr\t \t");
	appt_golden(t, "app_cancel_80x24.txt", 24, 80);
	/* The smallest terminal: every line whole, wrapped, the answers under them. */
	appt_golden(t, "app_cancel_40x12.txt", 12, 40);
	appt_shows(t, 12, 40, "llm-finetune-17 is RUNNING in pool");
	appt_shows(t, 12, 40, "FAILED_CANCELED");
	appt_shows(t, 12, 40, "[ Keep ]   [ Cancel workflow ]");
	appt_shows(t, 12, 40, "y: do it   Esc: keep");
	appt_yes(t);
	assert_true(appt_logged(
	        t, "POST /api/workflow/llm-finetune-17/cancel?force=true&message=wrong%20lr"));
	appt_says(t, "cancel of llm-finetune-17 submitted");
	/* Esc leaves a dialog without sending anything. */
	appt_keys(t, "C\033");
	char *log = util_read_file(t->log, NULL);
	const char *first = strstr(log, "/cancel");

	assert_non_null(first);
	assert_null(strstr(first + 1, "/cancel"));
	free(log);
}

static void
test_resubmit_and_restart(void **state)
{
	struct appt *t = *state;

	appt_open(t, APP_START_WORKFLOW, "llm-finetune-17");
	/* Restart is for failed workflows only. */
	appt_keys(t, "r");
	appt_says(t, "restart reruns the failed groups");
	app_free(t->a);
	session_close(&t->s);

	appt_open(t, APP_START_WORKFLOW, "llm-finetune-16");
	appt_keys(t, "r");
	appt_shows(t, 24, 100, "Restart failed workflow llm-finetune-16?");
	appt_shows(t, 24, 100, "reruns: train eval-group");
	appt_shows(t, 24, 100, "llm-finetune-16 is FAILED_EVICTED in pool gb200-prod");
	/* Enter keeps; "rsync" typed ahead restarts nothing (its y follows other letters). */
	appt_keys(t, "\r");
	appt_keys(t, "rsync");
	appt_not_logged(t, "/restart");
	assert_null(t->a->dlg.ops); /* its n kept the workflow */
	/* Right moves to the confirm button, and Enter there restarts. */
	appt_keys(t, "r");
	app_key(t->a, SCREEN_KEY_RIGHT);
	appt_keys(t, "\r");
	assert_true(appt_logged(t, "POST /api/pool/gb200-prod/workflow/llm-finetune-16/restart"));
	appt_says(t, "restarted llm-finetune-16 → llm-finetune-18");
	/* It follows the new workflow, in the old one's place: one Esc goes back. */
	assert_true(appt_logged(t, "GET /api/workflow/llm-finetune-18?"));
	appt_keys(t, "\033");
	appt_shows(t, 16, 100, "osmotop · workflows");
	app_free(t->a);
	session_close(&t->s);

	appt_open(t, APP_START_WORKFLOW, "llm-finetune-16");

	/* Resubmit: pool and priority asked, then the new workflow opens. */
	appt_keys(t, "R");
	appt_shows(t, 24, 100, "Resubmit llm-finetune-16 as a new workflow?");
	appt_shows(t, 24, 100, "pool: gb200-prod");
	appt_shows(t, 24, 100, "priority: NORMAL (Space)");
	appt_keys(t, "\t\t ");
	appt_shows(t, 24, 100, "priority: HIGH (Space)");
	appt_yes(t);
	assert_true(appt_logged(
	        t, "POST /api/pool/gb200-prod/workflow?workflow_id=llm-finetune-16&priority=HIGH"));
	appt_says(t, "resubmitted llm-finetune-16 → llm-finetune-18");
}

static void
test_logs_of_a_task(void **state)
{
	struct appt *t = *state;
	int64_t deadline = clock_mono_ms() + 10000;
	char *text = NULL;

	appt_open(t, APP_START_WORKFLOW, "llm-finetune-17");
	/* Rows: prep-group, prep, train, trainer: Enter on trainer follows its log. */
	appt_keys(t, "jjj");
	app_key(t->a, SCREEN_KEY_ENTER);
	do {
		free(text);
		app_step(t->a, 100);
		text = appt_frame(t, 24, 100, false);
	} while (!strstr(text, "world_size=16") && clock_mono_ms() < deadline);
	assert_non_null(strstr(text, "llm-finetune-17 · trainer · logs"));
	assert_non_null(strstr(text, "world_size=16"));
	free(text);
	assert_true(appt_logged(t, "GET /api/workflow/llm-finetune-17/logs?task_name=trainer"));
	/* Back to the table. */
	app_key(t->a, SCREEN_KEY_ESC);
	text = appt_frame(t, 24, 100, false);
	assert_non_null(strstr(text, "trainer"));
	assert_null(strstr(text, "· logs"));
	free(text);
}

/* The whole file at path, and its mode. */
static char *
appt_read_file(const char *path, mode_t *mode)
{
	struct stat st;
	struct strbuf sb = { 0 };
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	assert_int_equal(fstat(fileno(f), &st), 0);
	*mode = st.st_mode & 07777;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(f);
	return strbuf_detach(&sb);
}

/* The log view's keys on a merged log: ] and [ between error-looking lines, o and a for its
 * tasks, s to save (0600, asks before replacing), | without a terminal, & filtered by the
 * service once the log is large. */
static void
test_logs_errors_tasks_save(void **state)
{
	struct appt *t = *state;
	struct config c;
	char *path = xasprintf("%s/saved.log", t->dir), *keys, *text;
	mode_t mode;

	config_init(&c);
	c.log_ring = 1000; /* the 600 lines are a large log: half the ring and more */
	appt_open_config(t, APP_START_WORKFLOW, "llm-finetune-16", &c);
	appt_keys(t, "L");
	appt_shows(t, 24, 100, "llm-finetune-16 · logs · 600 lines");
	/* Followed to the end: ] goes to the first error, [ from there wraps to the last. */
	appt_keys(t, "]");
	appt_says(t, "error 1 of 3");
	appt_shows(t, 24, 100, "[worker-1] Traceback (most recent call last):");
	appt_shows(t, 24, 100, "line 301 · error 1/3");
	appt_keys(t, "]");
	appt_says(t, "error 2 of 3");
	appt_keys(t, "]]");
	appt_says(t, "error 1 of 3");
	appt_keys(t, "[");
	appt_says(t, "error 3 of 3");
	appt_shows(t, 24, 100, "NCCL WARN Call to ibv_reg_mr failed");

	/* o: the current line's task offered; Enter shows only its lines. */
	appt_keys(t, "o");
	appt_shows(t, 24, 100, "only: worker-2");
	appt_keys(t, "\r");
	appt_says(t, "only worker-2's lines");
	appt_shows(t, 24, 100, "task worker-2");
	text = appt_frame(t, 24, 100, false);
	assert_null(strstr(text, "[trainer]"));
	assert_null(strstr(text, "[worker-1]"));
	free(text);
	/* Its errors only: the traceback is another task's. */
	appt_keys(t, "]");
	appt_says(t, "error 1 of 1");
	/* Two tasks, typed. */
	appt_keys(t, "o\x15worker-1 trainer\r");
	appt_says(t, "only 2 tasks' lines");
	appt_shows(t, 24, 100, "tasks worker-1, trainer");
	appt_keys(t, "]");
	appt_says(t, "error 1 of 2");
	appt_keys(t, "a");
	appt_says(t, "every task's lines");
	appt_keys(t, "a");
	appt_says(t, "every task's lines are shown");

	/* s: the lines shown to a file of the user's only, never over one unasked. The current
	 * line is still the traceback's: o offers worker-1. */
	appt_keys(t, "o\r");
	keys = xasprintf("s\x15%s\r", path);
	appt_keys(t, keys);
	appt_says(t, "lines written to");
	text = appt_read_file(path, &mode);
	assert_int_equal(mode, 0600);
	assert_non_null(strstr(text, "[worker-1] Traceback (most recent call last):\n"));
	assert_null(strstr(text, "[trainer]"));
	free(text);
	appt_keys(t, keys);
	appt_says(t, "exists");
	appt_shows(t, 24, 100, "exists: Enter again replaces it");
	appt_keys(t, "\t\r"); /* the whole stream, and yes, replace it */
	appt_says(t, "600 lines written to");
	text = appt_read_file(path, &mode);
	assert_int_equal(mode, 0600);
	assert_non_null(strstr(text, "[trainer] step=597"));
	free(text);
	free(keys);
	appt_keys(t, "a");

	/* | needs a terminal to lend; none here. */
	appt_keys(t, "|");
	appt_says(t, "the pager needs the terminal");

	/* & on a large log: the service filters (query), the lines here are filtered again. */
	appt_keys(t, "/Traceback\r&");
	assert_true(appt_logged(t, "GET /api/workflow/llm-finetune-16/logs?query=Traceback"));
	appt_shows(t, 24, 100, "logs · 1 line");
	appt_shows(t, 24, 100, "query=Traceback");
	/* Off again: every line, as held before. */
	appt_keys(t, "&");
	appt_shows(t, 24, 100, "logs · 600 lines");
	free(path);
	config_free(&c);
}

/* A stream that ends while its workflow runs is asked again for no more than the service
 * honours: a last_n_lines at its max_log_lines (10000) or over would replay the whole log,
 * and the ring could not tell what it already holds. */
static void
test_logs_reconnect_asks_what_is_honoured(void **state)
{
	struct appt *t = *state;
	int64_t deadline = clock_mono_ms() + 15000;
	struct config c;

	config_init(&c);
	c.policy.running_ms = 1000; /* the stream asked again within a second */
	appt_open_config(t, APP_START_WORKFLOW, "llm-finetune-17", &c);
	appt_keys(t, "L");
	/* (The background follow asks for its own 128.) */
	while (!appt_logged(t, "logs?last_n_lines=9999") &&
	       !appt_logged(t, "logs?last_n_lines=10000") && clock_mono_ms() < deadline)
		app_step(t->a, 100);
	assert_true(appt_logged(t, "GET /api/workflow/llm-finetune-17/logs?last_n_lines=9999"));
	assert_false(appt_logged(t, "last_n_lines=10000"));
	config_free(&c);
}

static void
test_help_and_quit(void **state)
{
	struct appt *t = *state;
	char *text;

	appt_open(t, APP_START_LIST, NULL);
	appt_keys(t, "?");
	appt_shows(t, 60, 100, "osmotop · keys");
	appt_shows(t, 60, 100, "list: sort by duration (again: reverse)");
	appt_shows(t, 60, 100, "Ctrl-d");
	appt_shows(t, 60, 100, "osmotop · keys of the workflow list");
	/* The list's keys only: the logs' follow key is not one of them. */
	text = appt_frame(t, 60, 100, false);
	assert_null(strstr(text, "logs: follow on/off"));
	free(text);
	/* G shows the last screenful, the glyphs' legend, not an empty page (a bug once). */
	app_frame(t->a, 12, 100);
	appt_keys(t, "G");
	appt_shows(t, 12, 100, "FAILED_PREEMPTED");
	/* / narrows it to the lines that hold the text. */
	appt_keys(t, "/sort\r");
	appt_shows(t, 60, 100, "list: sort by pool");
	text = appt_frame(t, 60, 100, false);
	assert_null(strstr(text, "refresh now"));
	free(text);
	/* Its status bar tells the list's age, not "loading…" (a bug once). */
	appt_says(t, "s old");
	app_key(t->a, SCREEN_KEY_ESC);
	appt_shows(t, 16, 100, "osmotop · workflows");
	/* From the list, restart cannot know the groups; it must not name another workflow's. */
	appt_keys(t, "jj");
	appt_keys(t, "r");
	appt_shows(t, 24, 100, "Restart failed workflow llm-finetune-16?");
	appt_shows(t, 24, 100, "reruns: the groups that did not complete");
	app_key(t->a, SCREEN_KEY_ESC);
	assert_true(app_running(t->a));
	app_key(t->a, 'q');
	assert_false(app_running(t->a));
}

static void
test_server_error_keeps_view(void **state)
{
	struct appt *t = *state;

	appt_open(t, APP_START_WORKFLOW, "broken-1");
	appt_shows(t, 24, 100, "loading broken-1");
	appt_says(t, "stale");
	appt_says(t, "retrying in");
	assert_true(app_running(t->a));
}

/* A 503 or 429 with Retry-After: the status bar waits what the server asked (capped at 5 min). */
static void
test_retry_after_holds_polls(void **state)
{
	static const struct {
		const char *workflow, *wait1, *wait2;
	} cases[] = {
		{ "busy-1", "retrying in 1m59s: ", "retrying in 2m00s: " },
		{ "busy-2", "retrying in 4m59s: ", "retrying in 5m00s: " },
	};
	struct appt *t = *state;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *bar;

		appt_open(t, APP_START_WORKFLOW, cases[i].workflow);
		bar = appt_status(t);
		if (!strstr(bar, cases[i].wait1) && !strstr(bar, cases[i].wait2))
			fail_msg("the status bar \"%s\" lacks \"%s\"", bar, cases[i].wait1);
		free(bar);
		/* A refresh does not ask before the server said either. */
		app_key(t->a, SCREEN_CTRL('r'));
		assert_int_equal(app_settle(t->a, clock_mono_ms() + 10000), 0);
		app_free(t->a);
		t->a = NULL;
		session_close(&t->s);
		t->s.api = NULL;
	}
	static const char busy[] = "/api/workflow/busy-";
	char *log = util_read_file(t->log, NULL);
	size_t hits[2] = { 0 };

	/* The workflows' queries ("busy-N?verbose=true"); their specs are asked once too. */
	for (const char *p = log; p && (p = strstr(p, busy)); p++)
		if (p[strlen(busy) + 1] == '?')
			hits[p[strlen(busy)] - '1']++;
	free(log);
	assert_int_equal(hits[0], 1);
	assert_int_equal(hits[1], 1);
}

/* The line under the cursor in the list (the selected row), for the workflow it shows. */
static void
appt_selected(struct appt *t, const char *name)
{
	struct view_target tg;

	app_target(t->a, &tg);
	if (!tg.id || strcmp(tg.id, name) != 0)
		fail_msg("the cursor is on %s, not on %s", tg.id ? tg.id : "nothing", name);
}

/* The cursor stays on its workflow when one arrives above it, and says so when it goes. */
static void
test_list_selection_follows_workflow(void **state)
{
	struct appt *t = *state;

	appt_open(t, APP_START_LIST, NULL);
	appt_keys(t, "j");
	appt_selected(t, "llm-finetune-17");
	/* new-run-1 arrives at the top: the row number changes, the workflow does not. */
	app_key(t->a, SCREEN_CTRL('r'));
	assert_int_equal(app_settle(t->a, clock_mono_ms() + 10000), 0);
	appt_shows(t, 16, 100, "new-run-1");
	appt_selected(t, "llm-finetune-17");
	/* C asks about that workflow, and Enter keeps it. */
	appt_keys(t, "C");
	appt_shows(t, 24, 100, "Cancel workflow llm-finetune-17?");
	appt_keys(t, "\033");
	/* A re-sort moves the row, not the cursor's workflow. */
	appt_keys(t, "N");
	appt_selected(t, "llm-finetune-17");
	appt_keys(t, "S");
	appt_selected(t, "llm-finetune-17");
	/* By name again: llm-finetune-16, llm-finetune-17, new-run-1, sim-sweep-4. */
	appt_keys(t, "N");
	appt_selected(t, "llm-finetune-17");
	/* It leaves the list: the cursor goes to the row after it, and the status bar says so. */
	app_key(t->a, SCREEN_CTRL('r'));
	assert_int_equal(app_settle(t->a, clock_mono_ms() + 10000), 0);
	appt_says(t, "llm-finetune-17 is no longer in the list");
	appt_says(t, "the cursor is on new-run-1");
	appt_selected(t, "new-run-1");
}

/* A dialog acts on the workflow it was opened about, whatever the list does meanwhile. */
static void
test_dialog_keeps_its_workflow(void **state)
{
	struct appt *t = *state;

	appt_open(t, APP_START_LIST, NULL);
	appt_keys(t, "jj");
	appt_selected(t, "llm-finetune-16");
	appt_keys(t, "R");
	/* The list moves under the open dialog: its title and its request stay on 16. */
	app_key(t->a, SCREEN_CTRL('r'));
	appt_shows(t, 24, 100, "Resubmit llm-finetune-16 as a new workflow?");
	appt_yes(t);
	assert_true(appt_logged(t, "workflow_id=llm-finetune-16"));
}

/* A failed workflow opens on its root cause, upstream rows name it, and ! goes back to it;
 * where nothing failed T and ! say so. */
static void
test_failed_opens_on_root_cause(void **state)
{
	struct appt *t = *state;
	const struct osmo_task *task;

	appt_open(t, APP_START_WORKFLOW, "llm-finetune-16");
	view_table_selected(t->a, &task);
	assert_non_null(task);
	assert_string_equal(task->name, "trainer");
	appt_shows(t, 30, 160, "upstream: train/trainer FAILED_EVICTED");
	appt_keys(t, "gg");
	view_table_selected(t->a, &task);
	assert_null(task);
	appt_keys(t, "!");
	view_table_selected(t->a, &task);
	assert_string_equal(task->name, "trainer");
	appt_says(t, "the root cause: train/trainer");
	/* The hint bar offers T and ! for it. */
	appt_shows(t, 30, 120, "T why it failed  ! root cause");
	/* A running workflow with nothing failed: T and ! say so, and the hint bar leaves them
	 * out. */
	app_free(t->a);
	session_close(&t->s);
	appt_open(t, APP_START_WORKFLOW, "llm-finetune-17");
	appt_keys(t, "!");
	appt_says(t, "nothing failed in llm-finetune-17: it is RUNNING");
	appt_keys(t, "T");
	appt_says(t, "nothing failed in llm-finetune-17: it is RUNNING");
	appt_shows(t, 30, 120, "GROUP / TASK");
	char *text = appt_frame(t, 30, 120, false);

	if (strstr(text, "why it failed") || strstr(text, "root cause"))
		fail_msg("T or ! offered where nothing failed:\n%s", text);
	free(text);
	/* In the list they are about no workflow yet. */
	appt_keys(t, "\033");
	appt_shows(t, 16, 100, "osmotop · workflows");
	appt_keys(t, "T");
	appt_says(t, "open a workflow first");
	appt_keys(t, "!");
	appt_says(t, "open a workflow first");
}

/* T: the card names the root cause, what its status means, the next step, what it took
 * down, and the end of its error log and its warning events, fetched for it. */
static void
test_triage_card(void **state)
{
	struct appt *t = *state;

	appt_open(t, APP_START_WORKFLOW, "llm-finetune-16");
	appt_keys(t, "T");
	appt_golden(t, "app_triage_120x40.txt", 40, 120);
	/* FAILED_EVICTED keeps no error log: the end of the task's log instead. */
	assert_true(appt_logged(
	        t, "GET /api/workflow/llm-finetune-16/logs?last_n_lines=40&task_name=trainer"));
	/* A small terminal scrolls the card: G reaches its end. */
	app_frame(t->a, 12, 40);
	appt_keys(t, "G");
	appt_shows(t, 12, 40, "warning events");
	appt_keys(t, "g");
	/* L: the task's log over the card; Esc comes back to it, and again to the workflow. */
	app_key(t->a, 'L');
	appt_shows(t, 24, 100, "trainer · logs");
	appt_keys(t, "\033");
	appt_shows(t, 24, 100, "why it failed");
	appt_keys(t, "\033");
	appt_shows(t, 24, 100, "GROUP / TASK");
}

/* Keys from config.yaml: the rebound key acts, the old one does nothing, and what the screen
 * says of keys (hint bar, help, the triage card's steps) names the new ones. */
static void
test_rebound_keys(void **state)
{
	struct appt *t = *state;
	struct config c;
	char *text;

	config_init(&c);
	assert_int_equal(keymap_rebind(&c.keys, KEYMAP_CANCEL, (const int[]){ 'X' }, 1), 0);
	assert_int_equal(keymap_rebind(&c.keys, KEYMAP_ERROR_LOGS, (const int[]){ 'z' }, 1), 0);
	assert_int_equal(keymap_rebind(&c.keys, KEYMAP_HELP, (const int[]){ SCREEN_KEY_F1 }, 1), 0);
	appt_open_config(t, APP_START_WORKFLOW, "llm-finetune-17", &c);
	appt_keys(t, "C");
	app_key(t->a, SCREEN_CTRL('d'));
	appt_shows(t, 24, 100, "GROUP / TASK");
	appt_keys(t, "X");
	appt_shows(t, 24, 100, "message (optional)");
	appt_keys(t, "\033");
	appt_not_logged(t, "/cancel");
	text = appt_frame(t, 24, 160, false);
	assert_non_null(strstr(text, "X cancel"));
	assert_non_null(strstr(text, "F1 help"));
	assert_null(strstr(text, "? help"));
	free(text);
	app_free(t->a);
	t->a = NULL;
	session_close(&t->s);
	appt_open_config(t, APP_START_WORKFLOW, "llm-finetune-16", &c);
	appt_keys(t, "T");
	text = appt_frame(t, 40, 120, false);
	assert_non_null(strstr(text, "z error logs"));
	assert_null(strstr(text, " e error logs"));
	free(text);
	app_free(t->a);
	t->a = NULL;
	config_free(&c);
}

/* Opened from the command line, then q: the list's cursor is on the workflow left, not on the
 * first row; a list scrolled for a short screen comes back whole on a tall one. */
static void
test_back_to_the_workflow_left(void **state)
{
	struct appt *t = *state;
	char *text;

	appt_open(t, APP_START_WORKFLOW, "llm-finetune-16");
	appt_keys(t, "q");
	appt_shows(t, 24, 100, "osmotop · workflows");
	assert_string_equal(t->a->list.sel_name, "llm-finetune-16");
	assert_int_equal(t->a->list.sel, 2);
	/* Three rows, one shown at a time at 4 rows; at 24 rows all of them again. */
	app_frame(t->a, 4, 100);
	assert_int_equal(t->a->list.top, 2);
	text = appt_frame(t, 24, 100, false);
	assert_int_equal(t->a->list.top, 0);
	assert_non_null(strstr(text, "sim-sweep-4"));
	free(text);
}

/* notify.mine: a workflow first seen already FAILED is told, and marked; one that only
 * scrolled into the list (older than the last answer) would not be. */
static void
test_mine_told_of_a_quick_failure(void **state)
{
	struct appt *t = *state;
	struct config c;

	config_init(&c);
	c.notify.mine = true;
	appt_open_config(t, APP_START_LIST, NULL, &c);
	app_key(t->a, SCREEN_CTRL('r'));
	assert_int_equal(app_settle(t->a, clock_mono_ms() + 10000), 0);
	assert_int_equal(t->a->notify.count, 1);
	assert_string_equal(notify_entry(&t->a->notify, 0)->text, "new-run-1 FAILED");
	assert_true(marks_has(&t->a->marks, "new-run-1"));
	app_free(t->a);
	t->a = NULL;
	config_free(&c);
}

/* A call with no answer in time: aborted, its error saying how long it was waited for. */
static void
test_call_wait_times_out(void **state)
{
	struct appt *t = *state;
	struct session_opts so = { .url = t->server.url, .user = "jdoe" };
	struct api_error err = { 0 };
	struct session_call w = { 0 };
	unsigned long id;

	assert_int_equal(session_open(&t->s, &so, &err), 0);
	id = api_query(t->s.api, "stalled-1", false, false, session_call_callbacks(&w));
	assert_false(session_call_wait(&t->s, &w, id, 1000));
	assert_false(w.done);
	assert_int_equal(w.res.err.kind, API_ERR_TIMEOUT);
	assert_string_equal(w.res.err.message, "no answer within 1 s");
	assert_int_equal(api_pending(t->s.api), 0);
	api_result_free(&w.res);
}

/* i: the root task's details, as k9s describes; v: the workflow's spec. */
static void
test_task_details_and_spec(void **state)
{
	struct appt *t = *state;

	appt_open(t, APP_START_WORKFLOW, "llm-finetune-16");
	appt_keys(t, "i");
	appt_golden(t, "app_detail_120x40.txt", 40, 120);
	/* At 40x12 the status and the failure message wrap whole, as the card's do, and the
	 * details scroll as a pager does to show the rest. */
	appt_golden(t, "app_detail_40x12.txt", 12, 40);
	appt_keys(t, "jjjj");
	appt_shows(t, 12, 40, "memory. Failure reason: -");
	appt_shows(t, 12, 40, "Exit code 137 due to Task");
	appt_shows(t, 12, 40, "trainer failure.");
	appt_keys(t, "G");
	appt_golden(t, "app_detail_40x12_end.txt", 12, 40);
	appt_keys(t, "g");
	appt_keys(t, "\033");
	appt_shows(t, 24, 100, "GROUP / TASK");
	/* Its spec is not served: the view waits for the spec, not for a log line, and says
	 * the spec could not be had, not that a stream failed. */
	appt_keys(t, "v");
	appt_shows(t, 24, 100, "waiting for the spec");
	appt_shows(t, 24, 100, "could not fetch the spec: ");
	appt_keys(t, "q");
	app_free(t->a);
	session_close(&t->s);
	appt_open(t, APP_START_WORKFLOW, "llm-finetune-17");
	appt_keys(t, "v");
	/* Its own words, read from its top; the hint bar has no log-only keys. */
	appt_golden(t, "app_spec_80x24.txt", 24, 80);
	appt_shows(t, 24, 100, "llm-finetune-17 · spec");
	appt_shows(t, 24, 100, "ignoreNonleadStatus: false");
	appt_shows(t, 24, 100, "the spec as the service keeps it");
	char *text = appt_frame(t, 24, 100, false);

	if (strstr(text, "log") || strstr(text, "follow") || strstr(text, "f follow") ||
	    strstr(text, "e error logs"))
		fail_msg("the spec view speaks of logs:\n%s", text);
	free(text);
	/* Keys that do nothing here say why. */
	appt_keys(t, "f");
	appt_says(t, "a spec is read from its top");
	appt_keys(t, "e");
	appt_says(t, "error logs belong to one task");
	appt_keys(t, "q");
	appt_shows(t, 24, 100, "GROUP / TASK");
}

/* '/' filters the workflow view; what is typed after it never runs as commands. */
static void
test_workflow_slash_filters(void **state)
{
	struct appt *t = *state;
	char *text;

	appt_open(t, APP_START_WORKFLOW, "llm-finetune-16");
	appt_keys(t, "/trainer\r");
	appt_not_logged(t, "/restart");
	assert_null(t->a->dlg.ops);
	text = appt_frame(t, 30, 120, false);
	assert_non_null(strstr(text, "trainer"));
	assert_null(strstr(text, "prep-group"));
	free(text);
	/* The title says rows are hidden, whatever the status bar says. */
	appt_shows(t, 30, 120, "· only /trainer");
	/* Status terms, by prefix; a group shows with its matching tasks. */
	appt_keys(t, "/\025status:failed\r");
	text = appt_frame(t, 30, 120, false);
	assert_null(strstr(text, "prep-group"));
	free(text);
	/* Esc clears the filter before it goes back. */
	app_key(t->a, SCREEN_KEY_ESC);
	appt_shows(t, 30, 120, "prep-group");
	appt_shows(t, 30, 120, "osmotop · llm-finetune-16");
}

/* In pagers Ctrl-d and Ctrl-u scroll; Ctrl-d cancels only in the list and the table. */
static void
test_pager_keys_scroll(void **state)
{
	struct appt *t = *state;

	appt_open(t, APP_START_WORKFLOW, "llm-finetune-17");
	appt_keys(t, "?");
	app_key(t->a, SCREEN_CTRL('d'));
	assert_null(t->a->dlg.ops);
	assert_true(t->a->help.top > 0);
	app_key(t->a, SCREEN_CTRL('u'));
	assert_int_equal(t->a->help.top, 0);
	appt_keys(t, "q");
	appt_keys(t, "L");
	app_key(t->a, SCREEN_CTRL('d'));
	assert_null(t->a->dlg.ops);
	/* A search's '/' opens empty, as less's does, not on the last one. */
	appt_keys(t, "/step\r/");
	appt_shows(t, 24, 100, "/▏");
	appt_keys(t, "\033");
	/* q closes the view, back in the table; there Ctrl-d asks to cancel. */
	appt_keys(t, "q");
	assert_true(app_running(t->a));
	app_key(t->a, SCREEN_CTRL('d'));
	assert_ptr_equal(t->a->dlg.ops, &dialog_cancel_ops);
	app_key(t->a, SCREEN_KEY_ESC);
	appt_not_logged(t, "/cancel");
}

/* A workflow the service does not know is said once, not retried as if the network failed. */
static void
test_unknown_workflow_asked_once(void **state)
{
	struct appt *t = *state;
	int64_t until;

	appt_open(t, APP_START_WORKFLOW, "nope-1");
	appt_shows(t, 24, 100, "nope-1: no such workflow (Ctrl-r asks again)");

	appt_says(t, "not asked again until Ctrl-r");
	/* Backoff would have asked again within 1-2 s; nothing goes out in 3. */
	until = clock_mono_ms() + 3000;
	while (clock_mono_ms() < until)
		app_step(t->a, 100);
	assert_int_equal(appt_count(t, "GET /api/workflow/nope-1?"), 1);
	/* Nothing is known of it: no dialog makes up a status or a pool for it. */
	appt_keys(t, "C");
	assert_null(t->a->dlg.ops);
	appt_says(t, "nothing is known of nope-1 yet");
	app_key(t->a, SCREEN_CTRL('r'));
	assert_int_equal(app_settle(t->a, clock_mono_ms() + 10000), 0);
	assert_int_equal(appt_count(t, "GET /api/workflow/nope-1?"), 2);
}

/* A restarted workflow is followed every second while it is PENDING, not at the ~15 s pace. */
static void
test_new_workflow_followed_fast(void **state)
{
	struct appt *t = *state;
	int64_t now;

	appt_open(t, APP_START_WORKFLOW, "llm-finetune-16");
	/* Restarted from its triage card. */
	appt_keys(t, "Tr");
	appt_yes(t);
	assert_string_equal(t->a->wf.id, "llm-finetune-18");
	assert_true(t->a->wf.have);
	assert_int_equal(t->a->wf.data.status, OSMO_PENDING);
	now = clock_mono_ms();
	assert_true(t->a->wf.sync.next_due_ms <= now + 1000);
	/* This osmotop restarted it, so it can say which of the two made it. */
	appt_shows(t, 30, 120, "restarted from llm-finetune-16 → ");
	/* Back on the card it was restarted from: the card is the new workflow's now, not the
	 * old one's lines under its name. */
	appt_keys(t, "q");
	appt_shows(t, 30, 120, "is PENDING: nothing has failed.");
	appt_keys(t, "q");
	/* v: its spec; v again: what changed against its parent's. */
	appt_keys(t, "v");
	appt_shows(t, 30, 120, "llm-finetune-18 · spec");
	appt_shows(t, 30, 120, "the spec as the service keeps it · v: against llm-finetune-16's");
	appt_keys(t, "v");
	appt_shows(t, 30, 120, "llm-finetune-18 · spec, the diff");
	appt_shows(t, 30, 120, "against llm-finetune-16's spec: - only there, + only here");
	appt_shows(t, 30, 120, "-     ignoreNonleadStatus: false");
	appt_shows(t, 30, 120, "+     ignoreNonleadStatus: true");
	appt_shows(t, 30, 120, "    name: llm-finetune");
}

/*
 * A workflow submitted less than a minute ago and not running yet is looked at every 2 s, not
 * at a queued workflow's pace: it starts within seconds, and a monitor opened on it at once
 * showed it PENDING for 15 s while it ran. An older one keeps the queued pace.
 */
static void
test_young_pending_polled_fast(void **state)
{
	struct appt *t = *state;
	int64_t now;

	appt_open(t, APP_START_WORKFLOW, "llm-finetune-18");
	now = clock_mono_ms();
	assert_true(t->a->wf.sync.next_due_ms > now + 5000);
	/* The pending fixture was submitted at 16:20:04.53: twenty seconds later. */
	assert_int_equal(osmo_time_parse("2026-08-18T16:20:24", &t->o.at_ms), 0);
	app_key(t->a, SCREEN_CTRL('r'));
	assert_int_equal(app_settle(t->a, clock_mono_ms() + 10000), 0);
	assert_int_equal(t->a->wf.data.status, OSMO_PENDING);
	now = clock_mono_ms();
	assert_true(t->a->wf.sync.next_due_ms <= now + 2000);
	/* Ten minutes after its submit: the queued pace again. */
	assert_int_equal(osmo_time_parse(APPT_AT, &t->o.at_ms), 0);
	app_key(t->a, SCREEN_CTRL('r'));
	assert_int_equal(app_settle(t->a, clock_mono_ms() + 10000), 0);
	now = clock_mono_ms();
	assert_true(t->a->wf.sync.next_due_ms > now + 5000);
}

/* A PENDING workflow's header says why it waits: one GET /api/pool_quota for its pool and one
 * list of its pool's PENDING workflows submitted before it (the page says there are more). */
static void
test_pending_says_why(void **state)
{
	struct appt *t = *state;

	appt_open(t, APP_START_WORKFLOW, "llm-finetune-18");
	appt_shows(t, 30, 140,
	           "waiting pool gb200-prod has 0 of 64 GPUs (quota) free · 3+ workflows queued "
	           "ahead");
	assert_true(appt_logged(t, "GET /api/pool_quota?pools=gb200-prod&all_pools=false"));
	assert_true(appt_logged(t, "GET /api/workflow?statuses=PENDING&offset=0&limit=100&order="
	                           "DESC&all_users=true&pools=gb200-prod&submitted_before="
	                           "2026-08-18T16%3A20%3A05"));
}

/* A running workflow asks nothing of its pool, and its header has no reason to wait. */
static void
test_running_asks_no_pool(void **state)
{
	struct appt *t = *state;
	char *frame;

	appt_open(t, APP_START_WORKFLOW, "llm-finetune-17");
	frame = appt_frame(t, 30, 140, false);
	assert_null(strstr(frame, "waiting"));
	free(frame);
	appt_not_logged(t, "pool_quota");
	appt_not_logged(t, "statuses=PENDING");
}

/* The text lines edit as readline does: Ctrl-w, Ctrl-u, Ctrl-a, Ctrl-e, Left, Delete. */
static void
test_text_line_editing(void **state)
{
	struct appt *t = *state;

	appt_open(t, APP_START_LIST, NULL);
	app_key(t->a, '/');
	for (const char *k = "abc def"; *k; k++)
		app_key(t->a, *k);
	app_key(t->a, SCREEN_CTRL('w'));
	appt_shows(t, 16, 100, "/abc ▏");
	app_key(t->a, SCREEN_KEY_LEFT);
	app_key(t->a, 'X');
	app_key(t->a, SCREEN_CTRL('a'));
	app_key(t->a, 'Z');
	appt_shows(t, 16, 100, "/Z▏abcX");
	app_key(t->a, SCREEN_KEY_DELETE);
	app_key(t->a, SCREEN_CTRL('e'));
	app_key(t->a, SCREEN_KEY_BACKSPACE);
	appt_shows(t, 16, 100, "/ZbcX▏");
	app_key(t->a, SCREEN_CTRL('u'));
	appt_shows(t, 16, 100, "/▏");
	app_key(t->a, SCREEN_KEY_ESC);
	assert_null(t->a->dlg.ops);
}

/* The list's '/' applies as it is typed, once typing pauses; Esc in the line clears it. */
static void
test_list_filter_as_typed(void **state)
{
	struct appt *t = *state;
	int64_t until;

	appt_open(t, APP_START_LIST, NULL);
	for (const char *k = "/sim"; *k; k++)
		app_key(t->a, *k);
	until = clock_mono_ms() + 1500;
	while (clock_mono_ms() < until && !appt_count(t, "name=sim"))
		app_step(t->a, 50);
	assert_int_equal(appt_count(t, "name=sim"), 1); /* once, not per key */
	assert_non_null(t->a->dlg.ops);                 /* still typing */
	assert_string_equal(t->a->list.terms, "sim");
	app_key(t->a, SCREEN_KEY_ESC);
	assert_null(t->a->dlg.ops);
	assert_null(t->a->list.terms);
}

/* q closes views and quits from the list; Esc never quits; Q quits from anywhere. */
static void
test_q_closes_views(void **state)
{
	struct appt *t = *state;

	appt_open(t, APP_START_LIST, NULL);
	appt_keys(t, "j\r");
	appt_keys(t, "?");
	appt_keys(t, "q");
	appt_shows(t, 24, 100, "GROUP / TASK");
	appt_keys(t, "q");
	appt_shows(t, 16, 100, "osmotop · workflows");
	appt_keys(t, "\033\033");
	assert_true(app_running(t->a));
	appt_keys(t, "\r?");
	app_key(t->a, 'Q');
	assert_false(app_running(t->a));
}

/*
 * A running workflow with failed tasks: one GET /api/task per list poll (every FAILED* task
 * status, the list's users and pools, from the oldest running row's start), counted per task.
 */
static void
test_list_badge(void **state)
{
	struct appt *t = *state;
	char *text;

	appt_open(t, APP_START_LIST, NULL);
	assert_int_equal(appt_count(t, "GET /api/task?"), 1);
	assert_true(appt_logged(t, "GET /api/task?statuses=FAILED&"));
	appt_not_logged(t, "statuses=FAILED_UPSTREAM"); /* counted where it started */
	assert_true(appt_logged(t, "statuses=FAILED_PREEMPTED&all_pools=true&"
	                           "started_after=2026-08-18T14%3A04%3A37&offset=0&limit=1000"));
	/* Two failed retries of eval-shard-2 are one failed task; -16 is over: no badge. */
	appt_shows(t, 16, 100, "●  RUNNING · 1 failed    llm-finetune-17");
	appt_shows(t, 16, 100, "✘  FAILED_EVICTED        llm-finetune-16");
	/* By status it sorts after the failed, before the rest. */
	appt_keys(t, "S");
	text = appt_frame(t, 16, 100, false);
	appt_before(text, "llm-finetune-16", "llm-finetune-17");
	appt_before(text, "llm-finetune-17", "sim-sweep-4");
	free(text);
	/* Each list poll brings one more, not one per row. */
	app_key(t->a, SCREEN_CTRL('r'));
	assert_int_equal(app_settle(t->a, clock_mono_ms() + 10000), 0);
	assert_int_equal(appt_count(t, "GET /api/task?"), 2);
	appt_shows(t, 16, 100, "RUNNING · 1 failed");
}

/* The failed-task call failing leaves the list whole and says nothing. */
static void
test_list_badge_call_fails_quietly(void **state)
{
	struct appt *t = *state;
	char *bar;

	appt_open(t, APP_START_LIST, NULL);
	assert_true(appt_logged(t, "GET /api/task?"));
	appt_shows(t, 16, 100, "●  RUNNING               llm-finetune-17");
	appt_shows(t, 16, 100, "3 shown");
	bar = appt_status(t);
	if (strstr(bar, "500") || strstr(bar, "rror"))
		fail_msg("the status bar speaks of the failed call: %s", bar);
	free(bar);
}

/* No running row: no failed-task call. */
static void
test_list_badge_not_asked_when_idle(void **state)
{
	struct appt *t = *state;

	appt_open(t, APP_START_LIST, NULL);
	assert_true(appt_logged(t, "GET /api/workflow?"));
	appt_not_logged(t, "GET /api/task");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_list_frames, appt_setup, appt_teardown),
		cmocka_unit_test_setup_teardown(test_list_badge, appt_setup_badge, appt_teardown),
		cmocka_unit_test_setup_teardown(test_list_badge_call_fails_quietly,
		                                appt_setup_badge_broken, appt_teardown),
		cmocka_unit_test_setup_teardown(test_list_badge_not_asked_when_idle,
		                                appt_setup_badge_idle, appt_teardown),
		cmocka_unit_test_setup_teardown(test_list_sort_and_filters, appt_setup,
		                                appt_teardown),
		cmocka_unit_test_setup_teardown(test_list_counts_each_row_once, appt_setup,
		                                appt_teardown),
		cmocka_unit_test_setup_teardown(test_list_shows_the_followed_training,
		                                appt_setup_training, appt_teardown),
		cmocka_unit_test_setup_teardown(test_list_from_config, appt_setup, appt_teardown),
		cmocka_unit_test_setup_teardown(test_restart_dag_reused_groups, appt_setup,
		                                appt_teardown),
		cmocka_unit_test_setup_teardown(test_dag_wrapped_fan, appt_setup, appt_teardown),
		cmocka_unit_test_setup_teardown(test_workflow_table_and_dag, appt_setup,
		                                appt_teardown),
		cmocka_unit_test_setup_teardown(test_cancel_through_dialog, appt_setup,
		                                appt_teardown),
		cmocka_unit_test_setup_teardown(test_resubmit_and_restart, appt_setup,
		                                appt_teardown),
		cmocka_unit_test_setup_teardown(test_logs_of_a_task, appt_setup, appt_teardown),
		cmocka_unit_test_setup_teardown(test_logs_errors_tasks_save, appt_setup_merged,
		                                appt_teardown),
		cmocka_unit_test_setup_teardown(test_logs_reconnect_asks_what_is_honoured,
		                                appt_setup, appt_teardown),
		cmocka_unit_test_setup_teardown(test_help_and_quit, appt_setup, appt_teardown),
		cmocka_unit_test_setup_teardown(test_server_error_keeps_view, appt_setup,
		                                appt_teardown),
		cmocka_unit_test_setup_teardown(test_list_selection_follows_workflow,
		                                appt_setup_moving, appt_teardown),
		cmocka_unit_test_setup_teardown(test_dialog_keeps_its_workflow, appt_setup_moving,
		                                appt_teardown),
		cmocka_unit_test_setup_teardown(test_workflow_slash_filters, appt_setup,
		                                appt_teardown),
		cmocka_unit_test_setup_teardown(test_failed_opens_on_root_cause, appt_setup,
		                                appt_teardown),
		cmocka_unit_test_setup_teardown(test_triage_card, appt_setup, appt_teardown),
		cmocka_unit_test_setup_teardown(test_rebound_keys, appt_setup, appt_teardown),
		cmocka_unit_test_setup_teardown(test_back_to_the_workflow_left, appt_setup,
		                                appt_teardown),
		cmocka_unit_test_setup_teardown(test_mine_told_of_a_quick_failure,
		                                appt_setup_quick_failure, appt_teardown),
		cmocka_unit_test_setup_teardown(test_call_wait_times_out, appt_setup,
		                                appt_teardown),
		cmocka_unit_test_setup_teardown(test_task_details_and_spec, appt_setup,
		                                appt_teardown),
		cmocka_unit_test_setup_teardown(test_pager_keys_scroll, appt_setup, appt_teardown),
		cmocka_unit_test_setup_teardown(test_q_closes_views, appt_setup, appt_teardown),
		cmocka_unit_test_setup_teardown(test_text_line_editing, appt_setup, appt_teardown),
		cmocka_unit_test_setup_teardown(test_list_filter_as_typed, appt_setup,
		                                appt_teardown),
		cmocka_unit_test_setup_teardown(test_unknown_workflow_asked_once, appt_setup,
		                                appt_teardown),
		cmocka_unit_test_setup_teardown(test_new_workflow_followed_fast, appt_setup_pending,
		                                appt_teardown),
		cmocka_unit_test_setup_teardown(test_young_pending_polled_fast, appt_setup_pending,
		                                appt_teardown),
		cmocka_unit_test_setup_teardown(test_retry_after_holds_polls, appt_setup,
		                                appt_teardown),
		cmocka_unit_test_setup_teardown(test_pending_says_why, appt_setup_wait,
		                                appt_teardown),
		cmocka_unit_test_setup_teardown(test_running_asks_no_pool, appt_setup_wait,
		                                appt_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
