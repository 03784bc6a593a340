/* test_views.c: every view rendered from recorded OSMO responses, compared with golden text. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/decode.h"
#include "client/log_progress.h"
#include "golden.h"
#include "common/osmo_time.h"
#include "tui/format.h"
#include "tui/theme.h"
#include "tui/triage_card.h"
#include "tui/view.h"

struct views_case {
	const char *fixture;
	const char *golden;
	int cols, rows;
	bool ascii;
	bool styles; /* also compare the style letters */
};

static char *
views_fixture(const char *name, size_t *len)
{
	char *path = xasprintf("%s/%s", golden_fixtures_dir(), name);
	char *body = util_read_file(path, len);

	free(path);
	assert_non_null(body);
	return body;
}

/* The list page every list test starts from. */
static void
views_list(struct osmo_workflow_list *list)
{
	struct api_error err = { 0 };
	size_t len;
	char *body = views_fixture("workflow_list_page.json", &len);

	assert_int_equal(decode_workflow_list(body, len, list, &err), 0);
	free(body);
}

static struct render_ctx
views_ctx(bool ascii)
{
	struct render_ctx rc = { .ascii = ascii, .server = "https://osmo.example.com" };

	assert_int_equal(osmo_time_parse("2026-08-18T15:10:00", &rc.now_ms), 0);
	return rc;
}

static void
views_compare(const struct views_case *vc, struct canvas *c)
{
	char *text = canvas_to_text(c);
	char *name = xasprintf("%s.txt", vc->golden);

	assert_true(golden_check(name, text));
	free(name);
	free(text);
	if (vc->styles) {
		char *styles = canvas_to_styles(c);

		name = xasprintf("%s.styles", vc->golden);
		assert_true(golden_check(name, styles));
		free(name);
		free(styles);
	}
}

static void
test_workflow_views(void **state)
{
	static const struct views_case cases[] = {
		{ "workflow_query_small.json", "workflow_small_120x40", 120, 40, false, true },
		{ "workflow_query_running.json", "workflow_running_120x40", 120, 40, false, false },
		{ "workflow_query_running_verbose.json", "workflow_verbose_120x40", 120, 40, false,
		  true },
		{ "workflow_query_running_verbose.json", "workflow_verbose_80x24_ascii", 80, 24,
		  true, false },
		{ "workflow_query_failed_evicted.json", "workflow_evicted_120x40", 120, 40, false,
		  true },
		{ "workflow_query_failed_evicted.json", "workflow_evicted_40x12", 40, 12, false,
		  false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct osmo_workflow wf;
		struct api_error err = { 0 };
		struct canvas c;
		struct render_ctx rc = views_ctx(cases[i].ascii);
		size_t len;
		char *body = views_fixture(cases[i].fixture, &len);

		assert_int_equal(decode_workflow(body, len, &wf, &err), 0);
		canvas_init(&c, cases[i].rows, cases[i].cols);
		view_workflow_render(&rc, &wf, &c);
		if (cases[i].ascii)
			canvas_ascii(&c); /* as the monitor and --snapshot do */
		views_compare(&cases[i], &c);
		canvas_free(&c);
		osmo_workflow_free(&wf);
		free(body);
	}
}

static void
test_list_views(void **state)
{
	static const struct views_case cases[] = {
		{ "workflow_list_page.json", "list_120x40", 120, 40, false, true },
		{ "workflow_list_page.json", "list_80x24_ascii", 80, 24, true, false },
		{ "workflow_list_page.json", "list_40x12", 40, 12, false, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct osmo_workflow_list list;
		struct api_error err = { 0 };
		struct canvas c;
		struct render_ctx rc = views_ctx(cases[i].ascii);
		size_t len;
		char *body = views_fixture(cases[i].fixture, &len);

		assert_int_equal(decode_workflow_list(body, len, &list, &err), 0);
		canvas_init(&c, cases[i].rows, cases[i].cols);
		view_workflows_render(&rc, &list, &c);
		if (cases[i].ascii)
			canvas_ascii(&c);
		views_compare(&cases[i], &c);
		canvas_free(&c);
		osmo_workflow_list_free(&list);
		free(body);
	}
}

/* Fails unless the rendered canvas holds needle. */
static void
views_holds(struct canvas *c, const char *needle)
{
	char *text = canvas_to_text(c);

	if (!strstr(text, needle))
		fail_msg("no \"%s\" in:\n%s", needle, text);
	free(text);
}

/* The header's timers and the list's durations move on from the answer, once a second; while
 * the data is stale nothing moves and the title says as of when. */
static void
test_timers_tick_from_the_answer(void **state)
{
	struct osmo_workflow wf;
	struct osmo_workflow_list list;
	struct api_error err = { 0 };
	struct canvas c;
	struct render_ctx rc = views_ctx(false);
	size_t len;
	char *body = views_fixture("workflow_query_running.json", &len);

	(void)state;
	assert_int_equal(decode_workflow(body, len, &wf, &err), 0);
	free(body);
	canvas_init(&c, 40, 120);
	/* Fetched now: the service's own numbers (as the golden shows). */
	wf.fetched_ms = rc.now_ms;
	view_workflow_render(&rc, &wf, &c);
	views_holds(&c, "running 1h05m   exec timeout 7d00h (6d22h left)");
	/* Ten minutes later without an answer: the running time and what is left moved. */
	rc.now_ms += 10 * 60 * 1000;
	canvas_clear(&c);
	view_workflow_render(&rc, &wf, &c);
	views_holds(&c, "running 1h15m");
	/* Stale: the frame is as of the answer and says so. */
	rc.now_ms = wf.fetched_ms;
	rc.stale = true;
	canvas_clear(&c);
	view_workflow_render(&rc, &wf, &c);
	views_holds(&c, "running 1h05m");
	views_holds(&c, "· as of ");
	osmo_workflow_free(&wf);

	views_list(&list);
	rc = views_ctx(false);
	list.fetched_ms = rc.now_ms - 3600 * 1000;
	canvas_clear(&c);
	view_workflows_render(&rc, &list, &c);
	/* llm-finetune-17 RUNNING for 1h05m at the answer, an hour ago. */
	views_holds(&c, "2h05m");
	osmo_workflow_list_free(&list);
	canvas_free(&c);
}

/* A running task's progress from its log in the table: bar, counter, ETA, the metric; a task
 * gone silent says so instead, but only while its log is followed. */
static void
test_task_progress(void **state)
{
	struct osmo_workflow wf;
	struct api_error err = { 0 };
	struct canvas c;
	struct render_ctx rc = views_ctx(false);
	size_t len;
	char *body = views_fixture("workflow_query_running.json", &len), *e = NULL, line[64];
	struct log_progress *lp = log_progress_new("loss=([0-9.]+)", &e);

	(void)state;
	assert_non_null(lp);
	assert_int_equal(decode_workflow(body, len, &wf, &err), 0);
	free(body);
	wf.fetched_ms = rc.now_ms;
	for (int i = 1; i <= 30; i++) {
		snprintf(line, sizeof(line), "step %d/1000 loss=%d.5", i * 10, 40 - i);
		log_progress_feed(lp, "trainer", line, strlen(line), rc.now_ms - (30 - i) * 2000);
	}
	rc.progress = lp;
	rc.progress_live = true;
	canvas_init(&c, 40, 200);
	view_workflow_render(&rc, &wf, &c);
	views_holds(&c, "30% · ETA 2m");
	views_holds(&c, " · step 300/1000");
	views_holds(&c, "▁ 10.5");
	/* Twenty minutes without a line: silent, and said so while the log is followed. */
	rc.now_ms += 20 * 60 * 1000;
	canvas_clear(&c);
	view_workflow_render(&rc, &wf, &c);
	views_holds(&c, "⚠ silent 2");
	rc.progress_live = false;
	canvas_clear(&c);
	view_workflow_render(&rc, &wf, &c);
	views_holds(&c, " · step 300/1000");
	canvas_free(&c);
	log_progress_free(lp);
	osmo_workflow_free(&wf);
}

/* Narrow: names keep their width, the status its glyph; wide: more columns, not blank. */
static void
test_columns_by_width(void **state)
{
	struct osmo_workflow_list list;
	struct render_ctx rc = views_ctx(false);
	struct canvas c;

	(void)state;
	views_list(&list);
	canvas_init(&c, 12, 40);
	view_workflows_render(&rc, &list, &c);
	views_holds(&c, "●  llm-finetune-17");
	canvas_free(&c);
	canvas_init(&c, 12, 200);
	view_workflows_render(&rc, &list, &c);
	views_holds(&c, "STARTED");
	views_holds(&c, "QUEUED");
	canvas_free(&c);
	osmo_workflow_list_free(&list);
}

/* A running row with failed tasks carries a badge in STATUS; other rows do not. */
static void
test_list_badge(void **state)
{
	struct osmo_workflow_list list;
	struct render_ctx rc = views_ctx(false);
	struct canvas c;

	(void)state;
	views_list(&list);
	assert_string_equal(list.rows[1].name, "llm-finetune-17");
	list.rows[1].failed_tasks = 1;
	list.rows[2].failed_tasks = 3; /* not running: no badge */
	canvas_init(&c, 12, 120);
	view_workflows_render(&rc, &list, &c);
	views_holds(&c, "RUNNING · 1 failed");
	views_holds(&c, "FAILED_EVICTED        llm-finetune-16");
	/* The failed style marks it: it is what asks for a look. */
	assert_int_equal(canvas_at(&c, 3, 3)->style, theme_status_style(OSMO_FAILED));
	list.rows[1].failed_tasks = 12;
	canvas_clear(&c);
	view_workflows_render(&rc, &list, &c);
	views_holds(&c, "RUNNING · 12 failed   llm-finetune-17");
	canvas_free(&c);
	/* At 40 columns the status name goes, badge and all; the glyph stays. */
	canvas_init(&c, 12, 40);
	view_workflows_render(&rc, &list, &c);
	views_holds(&c, "●  llm-finetune-17");
	canvas_free(&c);
	osmo_workflow_list_free(&list);
}

static void
views_tally(struct tally *t, const char *fixture, int64_t wall_ms)
{
	struct api_error err = { 0 };
	struct osmo_workflow wf;
	size_t len;
	char *body = views_fixture(fixture, &len);

	assert_int_equal(decode_workflow(body, len, &wf, &err), 0);
	tally_note(t, &wf, wall_ms, 0, 1, 10000);
	osmo_workflow_free(&wf);
	free(body);
}

/*
 * The list's PROGRESS: tasks done of all from each workflow's answer, the followed one's
 * counter and ETA and its silent tasks; none headless, where nothing counts.
 */
static void
test_list_progress(void **state)
{
	struct osmo_workflow_list list;
	struct render_ctx rc = views_ctx(false);
	struct tally t = { 0 };
	struct view_headline h = { .workflow = "llm-finetune-17", .fraction = 0.45, .eta_ms = -1 };
	struct canvas c;
	char *text;
	int at;

	(void)state;
	views_list(&list);
	canvas_init(&c, 8, 140);
	view_workflows_render(&rc, &list, &c);
	text = canvas_to_text(&c);
	assert_null(strstr(text, "PROGRESS"));
	free(text);
	views_tally(&t, "workflow_query_running_verbose.json", rc.now_ms);
	views_tally(&t, "workflow_query_failed_evicted.json", rc.now_ms);
	rc.tally = &t;
	canvas_clear(&c);
	view_workflows_render(&rc, &list, &c);
	text = canvas_to_text(&c);
	assert_non_null(strstr(text, "PROGRESS"));
	/* The header is ASCII up to it: its byte offset is its column. */
	at = (int)(strstr(text, "PROGRESS") - strchr(text, '\n') - 1);
	free(text);
	views_holds(&c, "▕█   ▏ 1/6");
	views_holds(&c, "▕████▏ 4/4");
	/* Not counted yet: nothing rather than a guess. */
	assert_int_equal(canvas_at(&c, 2, at)->ch, ' ');
	assert_int_equal(canvas_at(&c, 3, at)->ch, 0x2595);
	/* A failed workflow's full bar takes its status's colour: it did not go well. */
	assert_int_equal(canvas_at(&c, 4, at + 3)->style, theme_status_style(OSMO_FAILED_EVICTED));
	/* Counts a minute old of a live workflow are dim. */
	rc.now_ms += 61000;
	canvas_clear(&c);
	view_workflows_render(&rc, &list, &c);
	assert_int_equal(canvas_at(&c, 3, at + 3)->style, STYLE_DIM);
	rc.now_ms -= 61000;
	h.eta_ms = rc.now_ms + 470000;
	h.silent = 1;
	rc.headline = &h;
	canvas_clear(&c);
	view_workflows_render(&rc, &list, &c);
	views_holds(&c, "⚠ 1 silent · 45%  ");
	h.silent = 0;
	canvas_clear(&c);
	rc.ascii = true;
	view_workflows_render(&rc, &list, &c);
	views_holds(&c, "45% · ETA 7m50s  ");
	views_holds(&c, "[####] 4/4");
	canvas_free(&c);
	tally_free(&t);
	osmo_workflow_list_free(&list);
}

/* Every failure status of workflows, groups and tasks says what it means and what to do. */
static void
test_triage_words_for_every_failure(void **state)
{
	(void)state;
	for (int st = 0; st < OSMO_STATUS_COUNT; st++) {
		if (!osmo_status_is_failed((enum osmo_status)st))
			continue;
		if (strlen(triage_card_meaning((enum osmo_status)st)) < 10 ||
		    strlen(triage_card_next_step((enum osmo_status)st)) < 10)
			fail_msg("%s has no words", osmo_status_wire((enum osmo_status)st));
	}
	assert_string_equal(triage_card_meaning(OSMO_RUNNING), "");
	assert_true(triage_card_warning("[t] BackOff: Back-off pulling image"));
	assert_true(triage_card_warning("[t] Evicted: The node was low on resource"));
	assert_false(triage_card_warning("[t] Scheduled: Successfully assigned"));
}

/* The card of the evicted fixture with its root task's status set to each infrastructure
 * failure the service reports and osmo-local cannot produce: its words and next step. */
static void
test_triage_card_infra_failures(void **state)
{
	static const struct {
		enum osmo_status status;
		const char *means, *next;
	} cases[] = {
		{ OSMO_FAILED_IMAGE_PULL, "could not pull the image", "registry credentials" },
		{ OSMO_FAILED_PREEMPTED, "higher priority took its resources", "another pool" },
		{ OSMO_FAILED_START_TIMEOUT, "too long to start", "smaller image" },
		{ OSMO_FAILED_BACKEND_ERROR, "cluster failed under it", "exitActions" },
		{ OSMO_FAILED_EVICTED, "evicted it", "more memory or storage" },
	};
	size_t len;
	char *body = views_fixture("workflow_query_failed_evicted.json", &len);

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct osmo_workflow wf;
		struct api_error err = { 0 };
		struct triage_root root;
		struct render_ctx rc = views_ctx(false);
		struct canvas c;

		assert_int_equal(decode_workflow(body, len, &wf, &err), 0);
		assert_true(triage_root(&wf, NULL, &root));
		((struct osmo_task *)root.task)->status = cases[i].status;
		canvas_init(&c, 40, 120);
		triage_card_render(&rc, &(struct triage_card){ .wf = &wf, .root = &root }, &c);
		views_holds(&c, "root cause   train / trainer (lead)");
		views_holds(&c, osmo_status_wire(cases[i].status));
		views_holds(&c, cases[i].means);
		views_holds(&c, cases[i].next);
		canvas_free(&c);
		osmo_workflow_free(&wf);
	}
	/* A plain FAILED killed by signal 9: the memory it most often means, and the signal. */
	{
		struct osmo_workflow wf;
		struct api_error err = { 0 };
		struct triage_root root;
		struct render_ctx rc = views_ctx(false);
		struct canvas c;
		struct osmo_task *task;

		assert_int_equal(decode_workflow(body, len, &wf, &err), 0);
		assert_true(triage_root(&wf, NULL, &root));
		task = (struct osmo_task *)root.task;
		task->status = OSMO_FAILED;
		task->exit_code = 137;
		canvas_init(&c, 40, 120);
		triage_card_render(&rc, &(struct triage_card){ .wf = &wf, .root = &root }, &c);
		views_holds(&c, "killed (signal 9), most often for memory");
		views_holds(&c, "137 · killed (OOM?) · killed by a signal (128 + its number)");
		canvas_free(&c);
		osmo_workflow_free(&wf);
	}
	free(body);
}

/* 137 after a cancel is the cancel's kill, not a guess of OOM. */
static void
test_exit_meaning_knows_who_killed(void **state)
{
	(void)state;
	assert_string_equal(format_task_exit(137, OSMO_FAILED_CANCELED), "killed (cancel)");
	assert_string_equal(format_task_exit(143, OSMO_FAILED_EXEC_TIMEOUT),
	                    "killed (exec timeout)");
	assert_string_equal(format_task_exit(137, OSMO_FAILED), "killed (OOM?)");
	assert_string_equal(format_task_exit(1, OSMO_FAILED_CANCELED), "user error");
}

/* Names sort as people count, and a group's lead comes first with its retries together. */
static void
test_natural_order_lead_first(void **state)
{
	struct osmo_task tasks[] = {
		{ .name = "worker-10", .retry_id = 0 },
		{ .name = "worker-2", .retry_id = 1 },
		{ .name = "worker-2", .retry_id = 0 },
		{ .name = "zeta", .retry_id = 0, .lead = true },
	};
	struct osmo_group groups[] = {
		{ .name = "train-10", .tasks = tasks, .n_tasks = 4 },
		{ .name = "train-9", .tasks = NULL, .n_tasks = 0 },
	};
	struct osmo_workflow wf = { .groups = groups, .n_groups = 2 };
	static const char *const want[] = { "train-9",  "train-10", "zeta",
		                            "worker-2", "worker-2", "worker-10" };
	size_t n;
	struct view_row *rows;

	(void)state;
	assert_true(util_natcmp("train-2", "train-10") < 0);
	assert_true(util_natcmp("train-10", "train-9") > 0);
	assert_true(util_natcmp("a007", "a7") != 0);
	assert_int_equal(util_natcmp("x", "x"), 0);
	assert_true(util_natcmp("gpu", "gpu-1") < 0);
	rows = view_workflow_rows(&wf, &n);
	assert_int_equal(n, ARRAY_SIZE(want));
	for (size_t i = 0; i < n; i++) {
		const struct osmo_group *g = &groups[rows[i].group];

		assert_string_equal(rows[i].task < 0 ? g->name : g->tasks[rows[i].task].name,
		                    want[i]);
	}
	/* worker-2's retries stay newest first. */
	assert_int_equal(tasks[rows[3].task].retry_id, 1);
	free(rows);
}

/* Names and messages from the server must not carry terminal control sequences through. */
static void
test_hostile_names(void **state)
{
	static const char body[] =
	        "{\"name\":\"evil\\u001b]52;c;AAAA\\u0007-1\",\"status\":\"FAILED\","
	        "\"submit_time\":\"2026-08-18T14:00:00\",\"submitted_by\":\"\\u001b[2Jroot\","
	        "\"groups\":[{\"name\":\"g\\r\\nX\",\"status\":\"FAILED\",\"failure_message\":"
	        "\"boom\\u001b[31m "
	        "red\\u009b\",\"tasks\":[{\"name\":\"t\\u0008\\u0008\",\"retry_id\":0,"
	        "\"status\":\"FAILED\",\"lead\":true,\"exit_code\":1,\"failure_message\":"
	        "\"x\\ty\\u0000z\"}]}]}";
	struct osmo_workflow wf;
	struct api_error err = { 0 };
	struct canvas c;
	struct render_ctx rc = views_ctx(false);

	(void)state;
	assert_int_equal(decode_workflow(body, sizeof(body) - 1, &wf, &err), 0);
	canvas_init(&c, 24, 120);
	view_workflow_render(&rc, &wf, &c);
	char *text = canvas_to_text(&c);

	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if (*p != '\n')
			assert_true(*p >= 0x20 && *p != 0x7f);
	assert_null(strstr(text, "\xc2\x9b"));
	free(text);
	canvas_free(&c);
	osmo_workflow_free(&wf);
}

static void
test_group_order_is_topological(void **state)
{
	size_t len;
	char *body = views_fixture("workflow_query_running.json", &len);
	struct osmo_workflow wf;
	struct api_error err = { 0 };

	(void)state;
	assert_int_equal(decode_workflow(body, len, &wf, &err), 0);
	size_t *order = view_group_order(&wf);

	/* Every edge goes from an earlier to a later position. */
	for (size_t i = 0; i < wf.n_groups; i++)
		for (size_t e = 0; e < wf.groups[order[i]].n_downstream; e++) {
			size_t to = wf.groups[order[i]].downstream[e], pos = 0;

			while (order[pos] != to)
				pos++;
			assert_true(pos > i);
		}
	free(order);
	osmo_workflow_free(&wf);
	free(body);
}

/* A queued workflow's header says why it waits: its pool's free quota (GPUs on OSMO, task slots
 * on osmo-local) and the PENDING ahead of it; a group waiting for upstream names them; a
 * running workflow says nothing, whatever was last known. */
static void
test_wait_reason(void **state)
{
	struct osmo_workflow wf;
	struct osmo_pool_quota pools;
	struct api_error err = { 0 };
	struct canvas c;
	struct render_ctx rc = views_ctx(false);
	struct view_wait w = { .ahead = -1 };
	size_t len;
	char *body = views_fixture("workflow_query_pending.json", &len);
	char *text;
	int rows;

	(void)state;
	assert_int_equal(decode_workflow(body, len, &wf, &err), 0);
	free(body);
	body = views_fixture("pool_quota_response.json", &len);
	assert_int_equal(decode_pool_quota(body, len, &pools, &err), 0);
	free(body);
	canvas_init(&c, 30, 140);
	/* Nothing known yet: no line, and the table starts where it did. */
	rows = view_workflow_table_row(&rc, &wf, &c);
	rc.wait = &w;
	assert_int_equal(view_workflow_table_row(&rc, &wf, &c), rows);
	w.pool = osmo_pool_quota_find(&pools, wf.pool);
	w.ahead = 2;
	view_workflow_render(&rc, &wf, &c);
	views_holds(&c,
	            "waiting pool gb200-prod has 0 of 64 GPUs (quota) free · 2 workflows queued "
	            "ahead\n");
	assert_int_equal(view_workflow_table_row(&rc, &wf, &c), rows + 1);
	/* osmo-local's pool counts task slots; a cut list says "at least". */
	free(pools.pools[0].backend);
	pools.pools[0].backend = xstrdup("osmo-local");
	w.ahead = 100;
	w.ahead_more = true;
	canvas_clear(&c);
	view_workflow_render(&rc, &wf, &c);
	views_holds(&c,
	            "waiting pool gb200-prod has 0 of 64 task slots free · 100+ workflows queued "
	            "ahead\n");
	w.ahead = 1;
	w.ahead_more = false;
	w.pool = NULL;
	canvas_clear(&c);
	view_workflow_render(&rc, &wf, &c);
	views_holds(&c, "waiting 1 workflow queued ahead\n");
	/* Its group waits for upstream ones: they are the reason, not the pool. */
	w.pool = osmo_pool_quota_find(&pools, wf.pool);
	wf.status = OSMO_WAITING;
	strv_push(&wf.groups[0].remaining_upstream_names, "prep");
	strv_push(&wf.groups[0].remaining_upstream_names, "tokenize");
	canvas_clear(&c);
	view_workflow_render(&rc, &wf, &c);
	views_holds(&c, "waiting ddp waits for prep, tokenize\n");
	/* Running: never a reason, even with numbers left from before. */
	wf.status = OSMO_RUNNING;
	canvas_clear(&c);
	view_workflow_render(&rc, &wf, &c);
	text = canvas_to_text(&c);
	assert_null(strstr(text, "waiting"));
	free(text);
	assert_int_equal(view_workflow_table_row(&rc, &wf, &c), rows);
	osmo_pool_quota_free(&pools);
	osmo_workflow_free(&wf);
	canvas_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_workflow_views),
		cmocka_unit_test(test_list_views),
		cmocka_unit_test(test_timers_tick_from_the_answer),
		cmocka_unit_test(test_task_progress),
		cmocka_unit_test(test_natural_order_lead_first),
		cmocka_unit_test(test_columns_by_width),
		cmocka_unit_test(test_list_badge),
		cmocka_unit_test(test_list_progress),
		cmocka_unit_test(test_triage_words_for_every_failure),
		cmocka_unit_test(test_triage_card_infra_failures),
		cmocka_unit_test(test_exit_meaning_knows_who_killed),
		cmocka_unit_test(test_hostile_names),
		cmocka_unit_test(test_group_order_is_topological),
		cmocka_unit_test(test_wait_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
