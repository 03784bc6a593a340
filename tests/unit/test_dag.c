/* test_dag.c: group DAG layers and order; drawings (graph, panning, tree) against goldens. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/dag.h"
#include "tui/gantt.h"
#include "golden.h"
#include "common/osmo_time.h"
#include "client/model.h"

/* ---- building workflows in code ---- */

static void
test_wf_init(struct osmo_workflow *wf, size_t cap)
{
	memset(wf, 0, sizeof(*wf));
	wf->name = xstrdup("dag-test-1");
	wf->status = OSMO_RUNNING;
	wf->groups = xcalloc(cap, sizeof(*wf->groups));
}

static void
test_wf_task(struct osmo_group *g, const char *name, enum osmo_status st, bool lead)
{
	g->tasks = xreallocarray(g->tasks, g->n_tasks + 1, sizeof(*g->tasks));
	g->tasks[g->n_tasks++] =
	        (struct osmo_task){ .name = xstrdup(name), .status = st, .lead = lead };
}

/* A group with one lead task in the group's status; more tasks with test_wf_task(). */
static struct osmo_group *
test_wf_group(struct osmo_workflow *wf, const char *name, enum osmo_status st)
{
	struct osmo_group *g = &wf->groups[wf->n_groups++];
	char *task = xasprintf("%s-lead", name);

	g->name = xstrdup(name);
	g->status = st;
	test_wf_task(g, task, st, true);
	free(task);
	return g;
}

static void
test_wf_edge(struct osmo_workflow *wf, size_t from, size_t to)
{
	strv_push(&wf->groups[from].downstream_names, wf->groups[to].name);
}

/* n groups named prefix1, prefix2, ..., each with one lead task, and no edges yet. */
static void
test_wf_groups(struct osmo_workflow *wf, size_t n, const char *prefix, const enum osmo_status *st)
{
	test_wf_init(wf, n);
	for (size_t i = 0; i < n; i++) {
		char name[64];

		snprintf(name, sizeof(name), "%s%zu", prefix, i + 1);
		test_wf_group(wf, name, st ? st[i] : OSMO_WAITING);
	}
}

static size_t
test_wf_index(const struct osmo_workflow *wf, const char *name)
{
	const struct osmo_group *g = osmo_workflow_find_group(wf, name);

	assert_non_null(g);
	return (size_t)(g - wf->groups);
}

/* examples/pipeline.yaml mid-run: train-model-b failed while the lead still runs. */
static void
test_wf_pipeline(struct osmo_workflow *wf)
{
	struct osmo_group *g;

	test_wf_init(wf, 4);
	wf->name = (free(wf->name), xstrdup("data-pipeline-3"));
	g = test_wf_group(wf, "prepare-data", OSMO_COMPLETED);
	test_wf_task(g, "validate-data", OSMO_COMPLETED, false);
	g = test_wf_group(wf, "train-models", OSMO_RUNNING);
	test_wf_task(g, "train-model-b", OSMO_FAILED, false);
	g = test_wf_group(wf, "evaluate", OSMO_WAITING);
	g->tasks[0].lead = false;
	g = test_wf_group(wf, "report", OSMO_RUNNING);
	g->tasks[0].lead = false;
	test_wf_edge(wf, 0, 1);
	test_wf_edge(wf, 0, 3);
	test_wf_edge(wf, 1, 2);
	osmo_workflow_link(wf);
}

/* 1 → 3 → 1, one branch failed so the join failed upstream; a long and a CJK name. */
static void
test_wf_fan(struct osmo_workflow *wf)
{
	test_wf_init(wf, 5);
	test_wf_group(wf, "preprocess-the-entire-corpus-v2", OSMO_COMPLETED);
	test_wf_group(wf, "train-a", OSMO_COMPLETED);
	test_wf_group(wf, "訓練-b", OSMO_FAILED);
	test_wf_group(wf, "train-c", OSMO_COMPLETED);
	test_wf_group(wf, "merge", OSMO_FAILED_UPSTREAM);
	for (size_t i = 1; i <= 3; i++) {
		test_wf_edge(wf, 0, i);
		test_wf_edge(wf, i, 4);
	}
	osmo_workflow_link(wf);
}

static void
test_wf_chain(struct osmo_workflow *wf, size_t n)
{
	static const enum osmo_status st[] = { OSMO_COMPLETED, OSMO_COMPLETED, OSMO_RUNNING,
		                               OSMO_WAITING,   OSMO_WAITING,   OSMO_WAITING,
		                               OSMO_WAITING,   OSMO_WAITING };

	assert_true(n <= sizeof(st) / sizeof(st[0]));
	test_wf_groups(wf, n, "stage-", st);
	for (size_t i = 0; i + 1 < n; i++)
		test_wf_edge(wf, i, i + 1);
	osmo_workflow_link(wf);
}

/* setup → shard-01..shard-50 → merge */
static void
test_wf_wide(struct osmo_workflow *wf)
{
	test_wf_init(wf, 52);
	test_wf_group(wf, "setup", OSMO_COMPLETED);
	for (size_t i = 1; i <= 50; i++) {
		char name[32];

		snprintf(name, sizeof(name), "shard-%02zu", i);
		test_wf_group(wf, name,
		              i % 7 == 0 ? OSMO_FAILED
		              : i < 30   ? OSMO_COMPLETED
		                         : OSMO_RUNNING);
		test_wf_edge(wf, 0, i);
	}
	test_wf_group(wf, "merge", OSMO_WAITING);
	for (size_t i = 1; i <= 50; i++)
		test_wf_edge(wf, i, 51);
	osmo_workflow_link(wf);
}

/* ---- rendering ---- */

struct test_view {
	const char *golden; /* tests/golden/<golden>.txt, and .styles when styles */
	int rows, cols;
	bool ascii, styles;
	int selected, pan_row, pan_col;
	const struct dag_marks *marks;
	int area_rows; /* the DAG's rows at the top of the frame; 0: all of them */
};

static struct dag_extent
test_render(const struct osmo_workflow *wf, const struct test_view *v)
{
	struct render_ctx rc = { .ascii = v->ascii };
	struct dag_layout l;
	struct dag_extent ext;
	struct canvas c;
	char *text, *name;

	dag_layout(wf, &l);
	canvas_init(&c, v->rows, v->cols);
	dag_render(&rc, wf, &l, v->marks, v->selected, v->pan_row, v->pan_col, &c,
	           (struct dag_rect){ 0, 0, v->area_rows ? v->area_rows : v->rows, v->cols }, &ext);
	if (v->ascii)
		canvas_ascii(&c); /* as the monitor and --snapshot do */
	text = canvas_to_text(&c);
	name = xasprintf("%s.txt", v->golden);
	assert_true(golden_check(name, text));
	free(name);
	free(text);
	if (v->styles) {
		text = canvas_to_styles(&c);
		name = xasprintf("%s.styles", v->golden);
		assert_true(golden_check(name, text));
		free(name);
		free(text);
	}
	canvas_free(&c);
	dag_layout_free(&l);
	return ext;
}

static void
test_layers_are(const struct osmo_workflow *wf, const struct dag_layout *l, const int *layers)
{
	for (size_t g = 0; g < wf->n_groups; g++)
		assert_int_equal(l->nodes[g].layer, layers[g]);
}

/* ---- tests ---- */

static void
test_chain(void **state)
{
	struct osmo_workflow wf;
	struct dag_layout l;
	static const int layers[] = { 0, 1, 2, 3 };

	(void)state;
	test_wf_chain(&wf, 4);
	assert_int_equal(dag_layout(&wf, &l), 0);
	assert_int_equal(l.n_layers, 4);
	assert_int_equal(l.n_nodes, 4);
	test_layers_are(&wf, &l, layers);
	dag_layout_free(&l);

	struct dag_extent ext =
	        test_render(&wf, &(struct test_view){ "dag_chain_80x24", 24, 80, false, false, -1,
	                                              0, 0, NULL, 0 });

	assert_false(ext.tree);
	assert_true(ext.cols <= 80);
	assert_int_equal(ext.rows, 4);
	osmo_workflow_free(&wf);
}

/* Too wide for 56 columns, but two layers fit: panned sideways, not a tree. */
static void
test_chain_panned(void **state)
{
	struct osmo_workflow wf;
	struct dag_extent ext;

	(void)state;
	test_wf_chain(&wf, 8);
	ext = test_render(&wf, &(struct test_view){ "dag_chain8_56x8_pan", 8, 56, false, false, 4,
	                                            0, 40, NULL, 0 });
	assert_false(ext.tree);
	assert_true(ext.cols > 56);
	assert_int_equal(ext.pan_col, 40);
	assert_int_equal(ext.selected.rows, 4);
	/* Asking for too much pans to the end, no further. */
	ext = test_render(&wf, &(struct test_view){ "dag_chain8_56x8_end", 8, 56, false, false, -1,
	                                            99, 9999, NULL, 0 });
	assert_int_equal(ext.pan_col, ext.cols - 56);
	assert_int_equal(ext.pan_row, 0);
	osmo_workflow_free(&wf);
}

static void
test_fan_out_in(void **state)
{
	struct osmo_workflow wf;
	struct dag_layout l;
	static const int layers[] = { 0, 1, 1, 1, 2 };

	(void)state;
	test_wf_fan(&wf);
	assert_int_equal(dag_layout(&wf, &l), 0);
	assert_int_equal(l.n_layers, 3);
	test_layers_are(&wf, &l, layers);
	/* Three in the middle layer, in name order (ties keep view_group_order). */
	assert_int_equal(l.layer_start[2] - l.layer_start[1], 3);
	assert_int_equal(l.nodes[1].pos, 0);
	assert_int_equal(l.nodes[3].pos, 1);
	assert_int_equal(l.nodes[2].pos, 2);
	dag_layout_free(&l);
	test_render(&wf,
	            &(struct test_view){ "dag_fan_80x24", 24, 80, false, true, -1, 0, 0, NULL, 0 });
	test_render(&wf, &(struct test_view){ "dag_fan_80x24_ascii", 24, 80, true, false, -1, 0, 0,
	                                      NULL, 0 });
	osmo_workflow_free(&wf);
}

static void
test_wide(void **state)
{
	struct osmo_workflow wf;
	struct dag_layout l;
	struct dag_extent ext;

	(void)state;
	test_wf_wide(&wf);
	assert_int_equal(dag_layout(&wf, &l), 0);
	assert_int_equal(l.n_layers, 3);
	assert_int_equal(l.nodes[0].layer, 0);
	for (size_t i = 1; i <= 50; i++)
		assert_int_equal(l.nodes[i].layer, 1);
	assert_int_equal(l.nodes[51].layer, 2);
	dag_layout_free(&l);

	/* Fifty lines would take 50 rows: the shards wrap into sub-columns, buses to both ends. */
	ext = test_render(&wf, &(struct test_view){ "dag_wide_80x24", 24, 80, false, false, -1, 0,
	                                            0, NULL, 0 });
	assert_false(ext.tree);
	assert_true(ext.wrapped);
	assert_int_equal(ext.rows, 1 + 17 + 1);
	assert_true(ext.cols <= 80);
	/* The 15 rows the monitor leaves it; shard-14 heads the second sub-column, highlighted. */
	ext = test_render(&wf, &(struct test_view){ "dag_wide_80x24_selected", 24, 80, false, true,
	                                            14, 0, 0, NULL, 15 });
	assert_true(ext.wrapped);
	assert_int_equal(ext.rows, 15);
	assert_true(ext.cols <= 80);
	assert_int_equal(ext.selected.row, 1);
	assert_true(ext.selected.col > 0);
	assert_int_equal(ext.selected.rows, 1);
	ext = test_render(&wf, &(struct test_view){ "dag_wide_80x24_ascii", 24, 80, true, false, -1,
	                                            0, 0, NULL, 15 });
	assert_true(ext.wrapped);
	ext = test_render(&wf, &(struct test_view){ "dag_wide_120x36", 36, 120, false, false, -1, 0,
	                                            0, NULL, 0 });
	assert_true(ext.wrapped);
	assert_true(ext.rows <= 36);
	/* Two sub-columns at most in 40 columns: the rest pans, the selection stays findable. */
	ext = test_render(&wf, &(struct test_view){ "dag_wide_40x12", 12, 40, false, false, 40, 99,
	                                            0, NULL, 0 });
	assert_true(ext.wrapped);
	assert_false(ext.tree);
	assert_true(ext.cols <= 40);
	assert_int_equal(ext.pan_row, ext.rows - 12);
	assert_true(ext.selected.row >= ext.pan_row && ext.selected.row < ext.pan_row + 12);
	osmo_workflow_free(&wf);
}

static void
test_pipeline(void **state)
{
	struct osmo_workflow wf;
	struct dag_layout l;
	struct dag_extent ext;
	int layers[4];

	(void)state;
	test_wf_pipeline(&wf);
	assert_int_equal(dag_layout(&wf, &l), 0);
	layers[test_wf_index(&wf, "prepare-data")] = 0;
	layers[test_wf_index(&wf, "train-models")] = 1;
	layers[test_wf_index(&wf, "report")] = 1;
	layers[test_wf_index(&wf, "evaluate")] = 2;
	test_layers_are(&wf, &l, layers);
	assert_false(l.cycle);
	dag_layout_free(&l);
	ext = test_render(&wf, &(struct test_view){ "dag_pipeline_80x24", 24, 80, false, true, -1,
	                                            0, 0, NULL, 0 });
	assert_false(ext.tree);
	assert_true(ext.cols <= 80 && ext.rows <= 24);
	assert_int_equal(ext.selected.rows, 0);
	test_render(&wf, &(struct test_view){ "dag_pipeline_80x24_ascii", 24, 80, true, false, -1,
	                                      0, 0, NULL, 0 });
	ext = test_render(&wf, &(struct test_view){ "dag_pipeline_80x24_selected", 24, 80, false,
	                                            true, 1, 0, 0, NULL, 0 });
	assert_int_equal(ext.selected.rows, 5);
	assert_true(ext.selected.cols > 0);
	osmo_workflow_free(&wf);
}

/* 40x12 is too narrow for two layers side by side: the tree, which fits. */
static void
test_tiny(void **state)
{
	struct osmo_workflow wf;
	struct dag_extent ext;

	(void)state;
	test_wf_pipeline(&wf);
	ext = test_render(&wf, &(struct test_view){ "dag_pipeline_40x12", 12, 40, false, false, 1,
	                                            0, 0, NULL, 0 });
	assert_true(ext.tree);
	assert_int_equal(ext.rows, 4);
	assert_int_equal(ext.selected.row, 2); /* report comes first, by name */
	test_render(&wf, &(struct test_view){ "dag_pipeline_40x12_ascii", 12, 40, true, false, -1,
	                                      0, 0, NULL, 0 });
	osmo_workflow_free(&wf);

	test_wf_fan(&wf);
	ext = test_render(&wf, &(struct test_view){ "dag_fan_40x12", 12, 40, false, false, -1, 0, 0,
	                                            NULL, 0 });
	assert_true(ext.tree);
	osmo_workflow_free(&wf);
}

static void
test_cycle(void **state)
{
	struct osmo_workflow wf;
	struct dag_layout l;
	struct dag_extent ext;
	static const enum osmo_status st[] = { OSMO_COMPLETED, OSMO_RUNNING, OSMO_WAITING,
		                               OSMO_WAITING };

	(void)state;
	test_wf_groups(&wf, 4, "step-", st);
	test_wf_edge(&wf, 0, 1);
	test_wf_edge(&wf, 1, 2);
	test_wf_edge(&wf, 2, 1);
	test_wf_edge(&wf, 0, 3);
	osmo_workflow_link(&wf);
	assert_int_equal(dag_layout(&wf, &l), 1);
	assert_true(l.cycle);
	/* Flagged, yet every group has a layer: the edge back into step-2 is left out. */
	assert_int_equal(l.nodes[0].layer, 0);
	assert_int_equal(l.nodes[1].layer, 1);
	assert_int_equal(l.nodes[2].layer, 2);
	assert_int_equal(l.nodes[3].layer, 1);
	dag_layout_free(&l);
	ext = test_render(&wf, &(struct test_view){ "dag_cycle_80x24", 24, 80, false, false, 2, 0,
	                                            0, NULL, 0 });
	assert_true(ext.tree);
	osmo_workflow_free(&wf);
}

/* a → b → c and a → c: the long edge gets a waypoint and runs past b, not through it. */
static void
test_long_edge(void **state)
{
	struct osmo_workflow wf;
	struct dag_layout l;
	static const int layers[] = { 0, 1, 2 };

	(void)state;
	test_wf_groups(&wf, 3, "hop-", NULL);
	test_wf_edge(&wf, 0, 1);
	test_wf_edge(&wf, 1, 2);
	test_wf_edge(&wf, 0, 2);
	osmo_workflow_link(&wf);
	assert_int_equal(dag_layout(&wf, &l), 0);
	test_layers_are(&wf, &l, layers);
	assert_int_equal(l.n_nodes, 4);
	assert_int_equal(l.nodes[3].layer, 1);
	assert_int_equal(l.nodes[3].group, 0);
	assert_int_equal(l.nodes[3].target, 2);
	assert_int_equal(l.n_segs, 4);
	dag_layout_free(&l);
	test_render(&wf, &(struct test_view){ "dag_long_edge_80x12", 12, 80, false, false, -1, 0, 0,
	                                      NULL, 0 });
	osmo_workflow_free(&wf);
}

/* Barycentres undo the crossing the name order starts with. */
static void
test_crossing_reduced(void **state)
{
	struct osmo_workflow wf;
	struct dag_layout l;

	(void)state;
	test_wf_groups(&wf, 4, "n", NULL);
	test_wf_edge(&wf, 0, 3); /* n1 → n4 */
	test_wf_edge(&wf, 1, 2); /* n2 → n3 */
	osmo_workflow_link(&wf);
	dag_layout(&wf, &l);
	assert_int_equal(l.nodes[0].pos, 0);
	assert_int_equal(l.nodes[1].pos, 1);
	assert_int_equal(l.nodes[3].pos, 0);
	assert_int_equal(l.nodes[2].pos, 1);
	dag_layout_free(&l);
	osmo_workflow_free(&wf);
}

/* Whatever the pan, nothing lands outside the area; a stale layout gives the tree. */
static void
test_clipping(void **state)
{
	struct osmo_workflow wf;
	struct dag_layout l, stale;
	struct render_ctx rc = { .ascii = false };
	struct dag_rect area = { 3, 5, 10, 60 };
	struct dag_extent ext;
	struct canvas c;
	static const int pans[][2] = { { 0, 0 }, { 1, 1 }, { 7, 13 }, { 30, 3 }, { -5, -5 } };

	(void)state;
	test_wf_fan(&wf);
	dag_layout(&wf, &l);
	canvas_init(&c, 20, 80);
	for (size_t p = 0; p < sizeof(pans) / sizeof(pans[0]); p++) {
		for (int r = 0; r < c.rows; r++)
			canvas_fill(&c, r, 0, c.cols, 'X', STYLE_NORMAL);
		dag_render(&rc, &wf, &l, NULL, 2, pans[p][0], pans[p][1], &c, area, &ext);
		assert_false(ext.tree);
		for (int r = 0; r < c.rows; r++)
			for (int col = 0; col < c.cols; col++) {
				bool inside = r >= area.row && r < area.row + area.rows &&
				              col >= area.col && col < area.col + area.cols;

				if (!inside)
					assert_int_equal(canvas_at(&c, r, col)->ch, 'X');
				else
					assert_int_not_equal(canvas_at(&c, r, col)->ch, 'X');
			}
	}
	dag_layout_free(&l);
	/* A layout from another snapshot (different group count) is not trusted. */
	{
		struct osmo_workflow other;

		test_wf_chain(&other, 2);
		dag_layout(&other, &stale);
		dag_render(&rc, &wf, &stale, NULL, -1, 0, 0, &c, area, &ext);
		assert_true(ext.tree);
		dag_layout_free(&stale);
		osmo_workflow_free(&other);
	}
	canvas_free(&c);
	osmo_workflow_free(&wf);
}

static void
test_empty(void **state)
{
	struct osmo_workflow wf;
	struct dag_layout l;
	struct dag_extent ext;
	struct render_ctx rc = { .ascii = true };
	struct canvas c;

	(void)state;
	test_wf_init(&wf, 1);
	assert_int_equal(dag_layout(&wf, &l), 0);
	assert_int_equal(l.n_layers, 0);
	canvas_init(&c, 3, 20);
	dag_render(&rc, &wf, &l, NULL, -1, 0, 0, &c, (struct dag_rect){ 0, 0, 3, 20 }, &ext);
	char *text = canvas_to_text(&c);

	assert_string_equal(text, "No groups yet.\n\n\n");
	free(text);
	canvas_free(&c);
	dag_layout_free(&l);
	osmo_workflow_free(&wf);
}

/* Times for a diamond: ms from APPT-like noon, phases queued 1 min before each start. */
static void
test_wf_times(struct osmo_group *g, int64_t base, int start_min, int end_min)
{
	g->processing_ms = base + (int64_t)(start_min - 1) * 60000;
	g->start_ms = base + (int64_t)start_min * 60000;
	g->end_ms = end_min < 0 ? 0 : base + (int64_t)end_min * 60000;
	for (size_t t = 0; t < g->n_tasks; t++) {
		g->tasks[t].processing_ms = g->processing_ms;
		g->tasks[t].start_ms = g->start_ms + (int64_t)t * 60000;
		g->tasks[t].end_ms = g->end_ms;
	}
}

/* a → b, a → c, b → d, c → d: c is the long branch; d still runs at 16:00. */
static int64_t
test_wf_diamond(struct osmo_workflow *wf)
{
	int64_t base;
	struct osmo_group *g;

	assert_int_equal(osmo_time_parse("2026-08-18T15:00:00", &base), 0);
	test_wf_init(wf, 4);
	wf->submit_ms = base - 5 * 60000;
	test_wf_times(test_wf_group(wf, "a-prepare", OSMO_COMPLETED), base, 0, 10);
	test_wf_times(test_wf_group(wf, "b-short", OSMO_COMPLETED), base, 12, 20);
	g = test_wf_group(wf, "c-long", OSMO_COMPLETED);
	test_wf_task(g, "c-long-worker", OSMO_COMPLETED, false);
	test_wf_times(g, base, 11, 45);
	test_wf_times(test_wf_group(wf, "d-join", OSMO_RUNNING), base, 47, -1);
	test_wf_edge(wf, 0, 1);
	test_wf_edge(wf, 0, 2);
	test_wf_edge(wf, 1, 3);
	test_wf_edge(wf, 2, 3);
	osmo_workflow_link(wf);
	return base + 60 * 60000;
}

/* The chain that decides the end: a, then c (it ended after b), then d; b is not on it. */
static void
test_critical_path_diamond(void **state)
{
	struct osmo_workflow wf;
	bool on[4];
	struct dag_marks marks = { NULL, on };
	int64_t now;

	(void)state;
	now = test_wf_diamond(&wf);
	assert_int_equal(dag_critical_path(&wf, now, on), 3);
	assert_true(on[0]);
	assert_false(on[1]);
	assert_true(on[2]);
	assert_true(on[3]);
	test_render(&wf, &(struct test_view){ "dag_critical_80x24", 24, 80, false, true, -1, 0, 0,
	                                      &marks, 0 });
	test_render(&wf, &(struct test_view){ "dag_critical_80x24_ascii", 24, 80, true, false, -1,
	                                      0, 0, &marks, 0 });
	/* Before anything started there is no path. */
	for (size_t i = 0; i < wf.n_groups; i++)
		wf.groups[i].start_ms = 0;
	assert_int_equal(dag_critical_path(&wf, now, on), 0);
	osmo_workflow_free(&wf);
}

/* The diamond on a time axis at a fixed now: waiting, queued, ran; then with its tasks. */
static void
test_gantt_fixed_time(void **state)
{
	static const struct {
		const char *golden;
		int rows, cols;
		bool tasks, ascii;
	} cases[] = {
		{ "dag_gantt_80x24", 24, 80, false, false },
		{ "dag_gantt_tasks_80x24", 24, 80, true, false },
		{ "dag_gantt_tasks_40x12_ascii", 12, 40, true, true },
	};
	struct osmo_workflow wf;
	bool on[4];
	struct dag_marks marks = { NULL, on };
	struct render_ctx rc = { 0 };

	(void)state;
	rc.now_ms = test_wf_diamond(&wf);
	dag_critical_path(&wf, rc.now_ms, on);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct canvas c;
		char *text, *name;

		rc.ascii = cases[i].ascii;
		canvas_init(&c, cases[i].rows, cases[i].cols);
		gantt_render(&rc, &wf, &marks, 2, cases[i].tasks, &c,
		             (struct dag_rect){ 0, 0, cases[i].rows, cases[i].cols });
		if (rc.ascii)
			canvas_ascii(&c);
		text = canvas_to_text(&c);
		name = xasprintf("%s.txt", cases[i].golden);
		assert_true(golden_check(name, text));
		free(name);
		free(text);
		canvas_free(&c);
	}
	osmo_workflow_free(&wf);
}

/* prefix0suffix ... , unconnected, each with a lead and a second task. */
static void
test_wf_sweep(struct osmo_workflow *wf, size_t n, const char *prefix, const char *suffix,
              size_t extra)
{
	static const enum osmo_status st[] = { OSMO_COMPLETED, OSMO_RUNNING, OSMO_FAILED,
		                               OSMO_SCHEDULING, OSMO_WAITING };

	test_wf_init(wf, n + extra);
	for (size_t i = 0; i < n; i++) {
		char name[64], task[64];
		struct osmo_group *g;

		snprintf(name, sizeof(name), "%s%zu%s", prefix, i, suffix);
		g = test_wf_group(wf, name, st[i % 5]);
		snprintf(task, sizeof(task), "worker-%zu", i);
		test_wf_task(g, task, i % 5 == 1 ? OSMO_COMPLETED : st[i % 5], false);
	}
}

/* A sweep on a time axis at 40 columns: its groups' names still differ, by their middles. */
static void
test_gantt_narrow_names(void **state)
{
	struct osmo_workflow wf;
	struct render_ctx rc = { 0 };
	struct canvas c;
	char *text;
	int64_t base;

	(void)state;
	assert_int_equal(osmo_time_parse("2026-08-18T15:00:00", &base), 0);
	test_wf_sweep(&wf, 5, "train-lr-00", "0-group", 0);
	wf.submit_ms = base;
	for (size_t i = 0; i < wf.n_groups; i++)
		test_wf_times(&wf.groups[i], base, 1, 3 + (int)i);
	osmo_workflow_link(&wf);
	rc.now_ms = base + 10 * 60000;
	canvas_init(&c, 12, 40);
	gantt_render(&rc, &wf, NULL, -1, true, &c, (struct dag_rect){ 0, 0, 12, 40 });
	text = canvas_to_text(&c);
	assert_true(golden_check("dag_gantt_sweep_40x12.txt", text));
	/* Before, every group read "trai…group". */
	assert_null(strstr(text, "trai…group"));
	free(text);
	canvas_free(&c);
	osmo_workflow_free(&wf);
}

/* Five unconnected groups sit side by side, not in a column 25 rows tall. */
static void
test_independent_side_by_side(void **state)
{
	struct osmo_workflow wf;
	struct dag_extent ext;

	(void)state;
	test_wf_sweep(&wf, 5, "sweep-", "", 0);
	osmo_workflow_link(&wf);
	ext = test_render(&wf, &(struct test_view){ "dag_independent_80x24", 24, 80, false, false,
	                                            -1, 0, 0, NULL, 0 });
	/* Four boxes a row, the fifth wraps: two rows of boxes, where a column took 24. */
	assert_false(ext.compact);
	assert_true(ext.cols <= 80);
	assert_int_equal(ext.rows, 4 + 1 + 4);
	/* Narrower: three a row. */
	ext = test_render(&wf, &(struct test_view){ "dag_independent_50x12", 12, 50, false, false,
	                                            -1, 0, 0, NULL, 0 });
	assert_false(ext.tree);
	assert_int_equal(ext.rows, 4 + 1 + 4);
	assert_true(ext.cols <= 50);
	osmo_workflow_free(&wf);
}

/* prepare → train-model-0..4-group → evaluate: wide, shallow, with names alike but one digit. */
static void
test_wf_fanout5(struct osmo_workflow *wf)
{
	test_wf_sweep(wf, 5, "train-model-", "-group", 2);
	test_wf_group(wf, "prepare-data-group", OSMO_COMPLETED);
	test_wf_group(wf, "evaluate-all-models-group", OSMO_WAITING);
	for (size_t i = 0; i < 5; i++) {
		test_wf_edge(wf, 5, i);
		test_wf_edge(wf, i, 6);
	}
	osmo_workflow_link(wf);
}

/*
 * The wide, shallow fan-out: in the rows the monitor leaves it at 80x24 its groups take one
 * line each; at 120x36 boxes fit. Names keep the digit that tells them apart either way.
 */
static void
test_wide_shallow(void **state)
{
	static const struct {
		const char *name;
		int maxw, shared;
		const char *want;
	} cuts[] = {
		{ "train-model-0-group", 14, 12, "train-…0-group" },
		{ "preprocess-the-entire-corpus-v2", 12, 0, "prepr…pus-v2" },
		{ "訓練-model-group", 9, 0, "訓練…roup" },
		{ "short", 14, 3, "short" },
		/* What differs is longer than half the room: it takes the tail whole. */
		{ "train-lr-0010-group", 10, 11, "t…10-group" },
	};
	struct osmo_workflow wf;
	struct dag_extent ext;
	char *cut;

	(void)state;
	test_wf_fanout5(&wf);
	ext = test_render(&wf, &(struct test_view){ "dag_fanout5_80x24", 24, 80, false, false, -1,
	                                            0, 0, NULL, 10 });
	assert_true(ext.compact);
	assert_int_equal(ext.rows, 5);
	assert_true(ext.cols <= 80);
	ext = test_render(&wf, &(struct test_view){ "dag_fanout5_120x36", 36, 120, false, false, -1,
	                                            0, 0, NULL, 0 });
	assert_false(ext.compact);
	assert_int_equal(ext.rows, 5 * 5 - 1);
	assert_true(ext.cols <= 120);
	/* Boxes keep their width as counts come: the same names, all tasks done, same frame. */
	for (size_t i = 0; i < wf.n_groups; i++)
		for (size_t t = 0; t < wf.groups[i].n_tasks; t++)
			wf.groups[i].tasks[t].status = OSMO_COMPLETED;
	ext = test_render(&wf, &(struct test_view){ "dag_fanout5_120x36_done", 36, 120, false,
	                                            false, -1, 0, 0, NULL, 0 });
	assert_int_equal(ext.rows, 5 * 5 - 1);
	osmo_workflow_free(&wf);
	/* The cut takes from what the names share; wide characters count two columns. */
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		cut = dag_elide(cuts[i].name, cuts[i].maxw, cuts[i].shared);
		assert_string_equal(cut, cuts[i].want);
		free(cut);
	}
}

/* A parent's answer as in osmo-local: prepare and train-a done, train-b failed, eval upstream. */
static void
test_restart_whole_pipeline(void **state)
{
	struct osmo_workflow parent, child;
	struct dag_whole whole;
	struct dag_marks marks;

	(void)state;
	test_wf_init(&parent, 4);
	test_wf_group(&parent, "prepare-group", OSMO_COMPLETED);
	test_wf_group(&parent, "train-a-group", OSMO_COMPLETED);
	test_wf_group(&parent, "train-b-group", OSMO_FAILED);
	test_wf_group(&parent, "evaluate-group", OSMO_FAILED_UPSTREAM);
	test_wf_edge(&parent, 0, 1);
	test_wf_edge(&parent, 0, 2);
	test_wf_edge(&parent, 1, 3);
	test_wf_edge(&parent, 2, 3);
	osmo_workflow_link(&parent);
	/* The restart reruns what did not complete, and knows nothing of the rest. */
	test_wf_init(&child, 2);
	test_wf_group(&child, "train-b-group", OSMO_RUNNING);
	test_wf_group(&child, "evaluate-group", OSMO_WAITING);
	test_wf_edge(&child, 0, 1);
	osmo_workflow_link(&child);

	dag_whole_make(&child, &parent, 1, &whole);
	assert_int_equal(whole.wf.n_groups, 4);
	assert_int_equal(whole.n_reused, 2);
	/* Its own groups first, at their own indices; the reused after. */
	assert_string_equal(whole.wf.groups[0].name, "train-b-group");
	assert_false(whole.reused[0]);
	assert_false(whole.reused[1]);
	assert_string_equal(whole.wf.groups[2].name, "prepare-group");
	assert_true(whole.reused[2]);
	assert_true(whole.reused[3]);
	/* The parent's prepare-group leads into the rerun train-b-group. */
	assert_int_equal(whole.wf.groups[2].n_downstream, 2);
	assert_int_equal(whole.wf.groups[2].downstream[0], 3);
	assert_int_equal(whole.wf.groups[2].downstream[1], 0);
	/* The child's own edges are untouched. */
	assert_int_equal(child.groups[0].n_downstream, 1);
	marks = (struct dag_marks){ whole.reused, NULL };
	test_render(&whole.wf, &(struct test_view){ "dag_restart_80x24", 24, 80, false, true, 0, 0,
	                                            0, &marks, 0 });
	test_render(&whole.wf, &(struct test_view){ "dag_restart_80x24_compact", 24, 80, false,
	                                            false, -1, 0, 0, &marks, 5 });
	dag_whole_free(&whole);
	/* No ancestors: the workflow as it is. */
	dag_whole_make(&child, NULL, 0, &whole);
	assert_int_equal(whole.wf.n_groups, 2);
	assert_int_equal(whole.n_reused, 0);
	dag_whole_free(&whole);
	osmo_workflow_free(&child);
	osmo_workflow_free(&parent);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_chain_panned),
		cmocka_unit_test(test_fan_out_in),
		cmocka_unit_test(test_wide),
		cmocka_unit_test(test_pipeline),
		cmocka_unit_test(test_tiny),
		cmocka_unit_test(test_cycle),
		cmocka_unit_test(test_long_edge),
		cmocka_unit_test(test_crossing_reduced),
		cmocka_unit_test(test_clipping),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_critical_path_diamond),
		cmocka_unit_test(test_gantt_fixed_time),
		cmocka_unit_test(test_gantt_narrow_names),
		cmocka_unit_test(test_independent_side_by_side),
		cmocka_unit_test(test_wide_shallow),
		cmocka_unit_test(test_restart_whole_pipeline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
