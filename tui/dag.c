/* dag.c: the group DAG: layers, crossing-reduced order, boxes and edges, or an indented tree. */
#include "tui/dag.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/text.h"
#include "tui/theme.h"
#include "common/util.h"

enum {
	DAG_SWEEPS = 4,   /* barycentre and placement passes each way; more rarely changes much */
	DAG_W_MIN = 10,   /* text columns inside a box */
	DAG_W_MAX = 20,   /* at 80 columns: three layers of the widest boxes still fit */
	DAG_W_WIDE = 40,  /* the most a wider area lets a name have */
	DAG_W_CUT = 16,   /* names cut shorter say too little: the tree has them whole */
	DAG_BOX_PAD = 4,  /* a border and a space on each side */
	DAG_BOX_H = 4,    /* border, name, progress, border; one more for the failures marker */
	DAG_VGAP = 1,     /* rows between the boxes of a layer */
	DAG_GAP_BASE = 2, /* between layers: a lead-out and the arrow, plus the channels */
	DAG_PART_GAP = 3, /* between unconnected parts side by side */
	DAG_BAR_MIN = 2,  /* a progress bar narrower than this is left out */
	/* Fixed, not from the names, so graph or tree does not flip as counts change width. */
	DAG_MIN_COLS = 2 * (DAG_W_MAX + DAG_BOX_PAD) + DAG_GAP_BASE + 1,
	DAG_MIN_ROWS = DAG_BOX_H + 2,
	DAG_TREE_STEP = 4,  /* columns per tree level */
	DAG_TREE_LABEL = 16 /* deeper levels stop indenting before labels get narrower */
};

static const char dag_marker[] = "running w/ failures";
/* The marker in a narrower box: the first that fits. */
static const char *const dag_markers[] = { dag_marker, "w/ failures", "failing" };
static const char dag_reused[] = "reused";

/* Directions through an edge cell index its character; round bends never read as boxes. */
enum {
	DAG_U = 1,
	DAG_D = 2,
	DAG_L = 4,
	DAG_R = 8,
	DAG_CROSS = 16,
	DAG_ARROW = 17,
	DAG_ARROW_L = 18
};

static const struct dag_glyph {
	uint32_t uni;
	char ascii;
} dag_glyphs[] = {
	[0] = { ' ', ' ' },
	[DAG_U] = { 0x2502, '|' },
	[DAG_D] = { 0x2502, '|' },
	[DAG_U | DAG_D] = { 0x2502, '|' },
	[DAG_L] = { 0x2500, '-' },
	[DAG_R] = { 0x2500, '-' },
	[DAG_L | DAG_R] = { 0x2500, '-' },
	[DAG_D | DAG_R] = { 0x256d, '+' },
	[DAG_D | DAG_L] = { 0x256e, '+' },
	[DAG_U | DAG_R] = { 0x2570, '+' },
	[DAG_U | DAG_L] = { 0x256f, '+' },
	[DAG_U | DAG_D | DAG_R] = { 0x251c, '+' },
	[DAG_U | DAG_D | DAG_L] = { 0x2524, '+' },
	[DAG_D | DAG_L | DAG_R] = { 0x252c, '+' },
	[DAG_U | DAG_L | DAG_R] = { 0x2534, '+' },
	[DAG_U | DAG_D | DAG_L | DAG_R] = { 0x253c, '+' },
	/* Lines that cross without joining: the vertical wins, so no false junction shows. */
	[DAG_CROSS] = { 0x2502, '|' },
	[DAG_ARROW] = { 0x2192, '>' },
	[DAG_ARROW_L] = { 0x2190, '<' },
};

enum dag_box_piece { DAG_TL, DAG_TR, DAG_BL, DAG_BR, DAG_HORIZ, DAG_VERT, DAG_PIECES };

static const struct dag_glyph dag_box[DAG_PIECES] = {
	[DAG_TL] = { 0x250c, '+' }, [DAG_TR] = { 0x2510, '+' },    [DAG_BL] = { 0x2514, '+' },
	[DAG_BR] = { 0x2518, '+' }, [DAG_HORIZ] = { 0x2500, '-' }, [DAG_VERT] = { 0x2502, '|' },
};

/* A box on the critical path: heavy lines, so it reads without colour too. */
static const struct dag_glyph dag_box_heavy[DAG_PIECES] = {
	[DAG_TL] = { 0x250f, '#' }, [DAG_TR] = { 0x2513, '#' },    [DAG_BL] = { 0x2517, '#' },
	[DAG_BR] = { 0x251b, '#' }, [DAG_HORIZ] = { 0x2501, '=' }, [DAG_VERT] = { 0x2503, '#' },
};

/* Task tallies shown in a node, each with the look of a representative status. */
enum dag_tally { DAG_DONE, DAG_RUNNING, DAG_FAILED, DAG_WAITING, DAG_TALLIES };

static const enum osmo_status dag_tally_look[DAG_TALLIES] = {
	[DAG_DONE] = OSMO_COMPLETED,
	[DAG_RUNNING] = OSMO_RUNNING,
	[DAG_FAILED] = OSMO_FAILED,
	[DAG_WAITING] = OSMO_WAITING,
};

/* A progress bar's cells, in the order they fill it: done, failed, running, then the rest. */
static const struct dag_bar_cell {
	enum dag_tally tally;
	struct dag_glyph glyph;
	bool dim; /* the rest: no status colour */
} dag_bar_cells[] = {
	{ DAG_DONE, { 0x2588, '#' }, false },
	{ DAG_FAILED, { 0x2573, 'x' }, false },
	{ DAG_RUNNING, { 0x2592, '=' }, false },
	{ DAG_WAITING, { 0x2591, '.' }, true },
};

/* Tree connectors: child, last child, continuation, none. */
static const char *const dag_tree_uni[] = { "├─→ ", "└─→ ", "│   ", "    " };
static const char *const dag_tree_ascii[] = { "+-> ", "+-> ", "|   ", "    " };

/* ---- layout ---- */

static bool
dag_has_cycle(const struct osmo_workflow *wf)
{
	size_t n = wf->n_groups, head = 0, tail = 0;
	size_t *indeg = xcalloc(n ? n : 1, sizeof(*indeg));
	size_t *queue = xcalloc(n ? n : 1, sizeof(*queue));

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < wf->groups[i].n_downstream; j++)
			if (wf->groups[i].downstream[j] < n)
				indeg[wf->groups[i].downstream[j]]++;
	for (size_t i = 0; i < n; i++)
		if (!indeg[i])
			queue[tail++] = i;
	while (head < tail) {
		const struct osmo_group *g = &wf->groups[queue[head++]];

		for (size_t j = 0; j < g->n_downstream; j++)
			if (g->downstream[j] < n && --indeg[g->downstream[j]] == 0)
				queue[tail++] = g->downstream[j];
	}
	free(indeg);
	free(queue);
	return tail < n;
}

/* An edge counts once, and only forward in view_group_order (which breaks cycles). */
static bool
dag_edge_kept(const struct osmo_workflow *wf, const size_t *rank, size_t from, size_t j)
{
	const struct osmo_group *g = &wf->groups[from];
	size_t to = g->downstream[j];

	if (to >= wf->n_groups || rank[to] <= rank[from])
		return false;
	for (size_t k = 0; k < j; k++)
		if (g->downstream[k] == to)
			return false;
	return true;
}

/* Pairs of segments that cross; segs are sorted by layer, so only neighbours are compared. */
static long long
dag_crossings(const struct dag_layout *l)
{
	long long n = 0;

	for (size_t a = 0; a < l->n_segs; a++)
		for (size_t b = a + 1; b < l->n_segs; b++) {
			const struct dag_node *af = &l->nodes[l->segs[a].from];
			const struct dag_node *bf = &l->nodes[l->segs[b].from];

			if (af->layer != bf->layer)
				break;
			long long up = af->pos - bf->pos;
			long long down = l->nodes[l->segs[a].to].pos - l->nodes[l->segs[b].to].pos;

			n += up * down < 0;
		}
	return n;
}

static void
dag_layout_positions(struct dag_layout *l)
{
	for (int k = 0; k < l->n_layers; k++)
		for (size_t i = l->layer_start[k]; i < l->layer_start[k + 1]; i++)
			l->nodes[l->order[i]].pos = (int)(i - l->layer_start[k]);
}

/* Stable insertion sort of one layer by key[v] / cnt[v]; ties keep the current order. */
static void
dag_layout_sort(size_t *o, size_t m, const long long *key, const long long *cnt)
{
	for (size_t i = 1; i < m; i++) {
		size_t v = o[i], j = i;

		while (j > 0 && key[o[j - 1]] * cnt[v] > key[v] * cnt[o[j - 1]]) {
			o[j] = o[j - 1];
			j--;
		}
		o[j] = v;
	}
}

/* Reorders layer k by the mean position of its neighbours in the layer above (down) or below. */
static void
dag_layout_sweep(struct dag_layout *l, const size_t *seg_start, int k, bool down, long long *sum,
                 long long *cnt)
{
	size_t *o = l->order + l->layer_start[k];
	size_t m = l->layer_start[k + 1] - l->layer_start[k];
	int from = down ? k - 1 : k;

	for (size_t i = 0; i < m; i++)
		sum[o[i]] = cnt[o[i]] = 0;
	for (size_t s = seg_start[from]; s < seg_start[from + 1]; s++) {
		size_t self = down ? l->segs[s].to : l->segs[s].from;
		size_t other = down ? l->segs[s].from : l->segs[s].to;

		sum[self] += l->nodes[other].pos;
		cnt[self]++;
	}
	/* Nodes with no neighbour on that side hold their place. */
	for (size_t i = 0; i < m; i++)
		if (!cnt[o[i]]) {
			sum[o[i]] = l->nodes[o[i]].pos;
			cnt[o[i]] = 1;
		}
	dag_layout_sort(o, m, sum, cnt);
	for (size_t i = 0; i < m; i++)
		l->nodes[o[i]].pos = (int)i;
}

/* Sorts segments by the layer they leave (stably); returns n_layers + 1 offsets into them. */
static size_t *
dag_layout_sort_segs(struct dag_layout *l)
{
	size_t *start = xcalloc((size_t)l->n_layers + 1, sizeof(*start));
	size_t *fill = xcalloc((size_t)l->n_layers + 1, sizeof(*fill));
	struct dag_seg *sorted = xcalloc(l->n_segs ? l->n_segs : 1, sizeof(*sorted));

	for (size_t s = 0; s < l->n_segs; s++)
		start[l->nodes[l->segs[s].from].layer + 1]++;
	for (int k = 0; k < l->n_layers; k++)
		start[k + 1] += start[k];
	for (size_t s = 0; s < l->n_segs; s++) {
		int k = l->nodes[l->segs[s].from].layer;

		sorted[start[k] + fill[k]++] = l->segs[s];
	}
	free(l->segs);
	l->segs = sorted;
	free(fill);
	return start;
}

static void
dag_layout_order(struct dag_layout *l, const size_t *rank)
{
	size_t *seg_start = dag_layout_sort_segs(l);
	size_t n = l->n_nodes;
	long long *key = xcalloc(n ? n : 1, sizeof(*key));
	long long *cnt = xcalloc(n ? n : 1, sizeof(*cnt));
	size_t *fill = xcalloc((size_t)l->n_layers + 1, sizeof(*fill));
	size_t *best = xcalloc(n ? n : 1, sizeof(*best));
	long long best_crossings;

	l->order = xcalloc(n ? n : 1, sizeof(*l->order));
	l->layer_start = xcalloc((size_t)l->n_layers + 1, sizeof(*l->layer_start));
	for (size_t v = 0; v < n; v++)
		l->layer_start[l->nodes[v].layer + 1]++;
	for (int k = 0; k < l->n_layers; k++)
		l->layer_start[k + 1] += l->layer_start[k];
	/* Start from view_group_order; a waypoint sits by its upstream group, then its target. */
	for (size_t v = 0; v < n; v++) {
		const struct dag_node *d = &l->nodes[v];

		l->order[l->layer_start[d->layer] + fill[d->layer]++] = v;
		key[v] = (long long)rank[d->group] * ((long long)l->n_groups + 1) +
		         (d->target == DAG_NONE ? 0 : (long long)rank[d->target] + 1);
		cnt[v] = 1;
	}
	for (int k = 0; k < l->n_layers; k++)
		dag_layout_sort(l->order + l->layer_start[k],
		                l->layer_start[k + 1] - l->layer_start[k], key, cnt);
	dag_layout_positions(l);
	best_crossings = dag_crossings(l);
	memcpy(best, l->order, n * sizeof(*best));
	for (int s = 0; s < DAG_SWEEPS && best_crossings > 0; s++) {
		for (int pass = 0; pass < 2; pass++) {
			bool down = pass == 0;
			long long now;

			for (int i = 1; i < l->n_layers; i++)
				dag_layout_sweep(l, seg_start, down ? i : l->n_layers - 1 - i, down,
				                 key, cnt);
			now = dag_crossings(l);
			if (now < best_crossings) {
				best_crossings = now;
				memcpy(best, l->order, n * sizeof(*best));
			}
		}
	}
	memcpy(l->order, best, n * sizeof(*best));
	dag_layout_positions(l);
	free(key);
	free(cnt);
	free(fill);
	free(best);
	free(seg_start);
}

int
dag_layout(const struct osmo_workflow *wf, struct dag_layout *out)
{
	size_t n = wf->n_groups, n_wp = 0, n_segs = 0;
	size_t *gorder = view_group_order(wf);
	size_t *rank = xcalloc(n ? n : 1, sizeof(*rank));

	memset(out, 0, sizeof(*out));
	out->n_groups = n;
	out->cycle = dag_has_cycle(wf);
	for (size_t i = 0; i < n; i++)
		rank[gorder[i]] = i;
	out->nodes = xcalloc(n ? n : 1, sizeof(*out->nodes));
	for (size_t g = 0; g < n; g++)
		out->nodes[g] = (struct dag_node){ .group = g, .target = DAG_NONE };
	/* Longest path from a root: every kept edge points forward in gorder, so one pass. */
	for (size_t i = 0; i < n; i++) {
		size_t from = gorder[i];

		for (size_t j = 0; j < wf->groups[from].n_downstream; j++) {
			size_t to = wf->groups[from].downstream[j];

			if (!dag_edge_kept(wf, rank, from, j))
				continue;
			if (out->nodes[to].layer < out->nodes[from].layer + 1)
				out->nodes[to].layer = out->nodes[from].layer + 1;
		}
		if (out->nodes[from].layer >= out->n_layers)
			out->n_layers = out->nodes[from].layer + 1;
	}
	for (size_t from = 0; from < n; from++)
		for (size_t j = 0; j < wf->groups[from].n_downstream; j++)
			if (dag_edge_kept(wf, rank, from, j)) {
				int span = out->nodes[wf->groups[from].downstream[j]].layer -
				           out->nodes[from].layer;

				n_wp += (size_t)span - 1;
				n_segs += (size_t)span;
			}
	/* An edge spanning layers gets a waypoint in each between, so it never crosses a box. */
	out->nodes = xreallocarray(out->nodes, (n + n_wp) ? n + n_wp : 1, sizeof(*out->nodes));
	out->segs = xcalloc(n_segs ? n_segs : 1, sizeof(*out->segs));
	out->n_nodes = n;
	for (size_t i = 0; i < n; i++) {
		size_t from = gorder[i];

		for (size_t j = 0; j < wf->groups[from].n_downstream; j++) {
			size_t to = wf->groups[from].downstream[j], prev = from;

			if (!dag_edge_kept(wf, rank, from, j))
				continue;
			for (int k = out->nodes[from].layer + 1; k < out->nodes[to].layer; k++) {
				out->nodes[out->n_nodes] = (struct dag_node){ .group = from,
					                                      .target = to,
					                                      .layer = k };
				out->segs[out->n_segs++] = (struct dag_seg){ prev, out->n_nodes };
				prev = out->n_nodes++;
			}
			out->segs[out->n_segs++] = (struct dag_seg){ prev, to };
		}
	}
	dag_layout_order(out, rank);
	free(rank);
	free(gorder);
	return out->cycle ? 1 : 0;
}

void
dag_layout_free(struct dag_layout *l)
{
	if (!l)
		return;
	free(l->nodes);
	free(l->segs);
	free(l->order);
	free(l->layer_start);
	memset(l, 0, sizeof(*l));
}

/* ---- the whole pipeline of a restart, and the critical path ---- */

void
dag_whole_make(const struct osmo_workflow *wf, const struct osmo_workflow *anc, size_t n_anc,
               struct dag_whole *out)
{
	size_t cap = wf->n_groups;

	memset(out, 0, sizeof(*out));
	for (size_t a = 0; a < n_anc; a++)
		cap += anc[a].n_groups;
	out->wf = *wf;
	out->wf.groups = xcalloc(cap ? cap : 1, sizeof(*out->wf.groups));
	out->reused = xcalloc(cap ? cap : 1, sizeof(*out->reused));
	out->wf.n_groups = 0;
	for (size_t i = 0; i < wf->n_groups; i++)
		out->wf.groups[out->wf.n_groups++] = wf->groups[i];
	/* Nearest first: a group an ancestor reran is its newest run. */
	for (size_t a = 0; a < n_anc; a++)
		for (size_t i = 0; i < anc[a].n_groups; i++) {
			const struct osmo_group *g = &anc[a].groups[i];

			if (!g->name || osmo_workflow_find_group(&out->wf, g->name))
				continue;
			out->reused[out->wf.n_groups] = true;
			out->wf.groups[out->wf.n_groups++] = *g;
			out->n_reused++;
		}
	/* Edges by name across the runs: an ancestor's group names the rerun ones downstream. */
	for (size_t i = 0; i < out->wf.n_groups; i++)
		out->wf.groups[i].downstream = NULL;
	osmo_workflow_link(&out->wf);
}

void
dag_whole_free(struct dag_whole *w)
{
	for (size_t i = 0; i < w->wf.n_groups; i++)
		free(w->wf.groups[i].downstream);
	free(w->wf.groups);
	free(w->reused);
	memset(w, 0, sizeof(*w));
}

/* When a group ended for the critical path: now while it runs, 0 if it never started. */
static int64_t
dag_group_end(const struct osmo_group *g, int64_t now_ms)
{
	if (!g->start_ms)
		return 0;
	if (g->end_ms)
		return g->end_ms;
	return now_ms > g->start_ms ? now_ms : g->start_ms;
}

int
dag_critical_path(const struct osmo_workflow *wf, int64_t now_ms, bool *on)
{
	size_t n = wf->n_groups, cur = DAG_NONE;
	int64_t last = 0;
	int len = 0;

	for (size_t i = 0; i < n; i++) {
		int64_t e = dag_group_end(&wf->groups[i], now_ms);

		on[i] = false;
		if (e > last) {
			last = e;
			cur = i;
		}
	}
	while (cur != DAG_NONE && !on[cur]) {
		size_t next = DAG_NONE;
		int64_t best = 0;

		on[cur] = true;
		len++;
		/* The upstream group it waited for longest: the one that ended last. */
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < wf->groups[i].n_downstream; j++) {
				int64_t e = dag_group_end(&wf->groups[i], now_ms);

				if (wf->groups[i].downstream[j] == cur && e > best) {
					best = e;
					next = i;
				}
			}
		cur = next;
	}
	return len;
}

/* ---- drawing primitives: drawing coordinates, clipped to the area and panned ---- */

struct dag_draw {
	struct canvas *c;
	struct dag_rect area;
	int pan_row, pan_col;
	bool ascii;
};

static void
dag_put(const struct dag_draw *d, int y, int x, uint32_t cp, enum style st)
{
	int w = text_cp_width(cp), r = y - d->pan_row, col = x - d->pan_col;
	char buf[5];

	if (w < 0)
		w = 1;
	if (w == 0 || r < 0 || r >= d->area.rows || col + w <= 0 || col >= d->area.cols)
		return;
	if (col < 0 || col + w > d->area.cols) {
		/* A wide character cut by the edge: its visible half stays blank. */
		for (int i = 0; i < w; i++)
			if (col + i >= 0 && col + i < d->area.cols)
				canvas_fill(d->c, d->area.row + r, d->area.col + col + i, 1, ' ',
				            st);
		return;
	}
	buf[text_encode(cp, buf)] = '\0';
	canvas_text(d->c, d->area.row + r, d->area.col + col, w, st, buf);
}

static void
dag_put_glyph(const struct dag_draw *d, int y, int x, const struct dag_glyph *g, enum style st)
{
	dag_put(d, y, x, d->ascii ? (uint32_t)g->ascii : g->uni, st);
}

/* Text in at most maxw columns, ending in "…" when cut; d NULL only measures. Returns columns. */
static int
dag_text(const struct dag_draw *d, int y, int x, int maxw, enum style st, const char *s)
{
	size_t len = strlen(s);
	bool cut;
	int limit, used = 0;

	if (maxw <= 0)
		return 0;
	cut = text_width(s) > (size_t)maxw;
	limit = cut ? maxw - 1 : maxw;
	while (len) {
		uint32_t cp;
		size_t k = text_decode(s, len, &cp);
		int w = text_cp_width(cp) < 0 ? 1 : text_cp_width(cp);

		if (used + w > limit)
			break;
		if (d)
			dag_put(d, y, x + used, cp, st);
		used += w;
		s += k;
		len -= k;
	}
	if (cut) {
		if (d)
			dag_put(d, y, x + used, 0x2026, st);
		used++;
	}
	return used;
}

static void
dag_restyle(const struct dag_draw *d, int y, int x, int rows, int cols, enum style st)
{
	for (int r = y - d->pan_row; r < y - d->pan_row + rows; r++) {
		int from = x - d->pan_col, to = from + cols;

		if (r < 0 || r >= d->area.rows)
			continue;
		from = from < 0 ? 0 : from;
		to = to > d->area.cols ? d->area.cols : to;
		if (to > from)
			canvas_style(d->c, d->area.row + r, d->area.col + from, to - from, st);
	}
}

/* A cursor along one line; its draw is NULL when only measuring. */
struct dag_pen {
	const struct dag_draw *d;
	int y, x, end;
};

static void
dag_pen_text(struct dag_pen *p, enum style st, const char *s)
{
	p->x += dag_text(p->d, p->y, p->x, p->end - p->x, st, s);
}

/* v kept in [0, hi], or 0 when hi < 0. */
static int
dag_clamp(int v, int hi)
{
	if (v > hi)
		v = hi;
	return v < 0 ? 0 : v;
}

/* ---- a group's label ---- */

/* Tallies each task by its newest retry (rows come name ascending, retry descending). */
static size_t
dag_tally(const struct osmo_group *g, size_t *n)
{
	size_t total = 0;

	for (size_t i = 0; i < g->n_tasks; i++) {
		enum osmo_status s = g->tasks[i].status;

		if (i > 0 && g->tasks[i].name && g->tasks[i - 1].name &&
		    strcmp(g->tasks[i].name, g->tasks[i - 1].name) == 0)
			continue;
		total++;
		if (osmo_status_is_failed(s))
			n[DAG_FAILED]++;
		else if (osmo_status_is_finished(s))
			n[DAG_DONE]++;
		else if (s == OSMO_RUNNING)
			n[DAG_RUNNING]++;
		else
			n[DAG_WAITING]++;
	}
	return total;
}

static void
dag_pen_status(const struct render_ctx *rc, struct dag_pen *p, enum osmo_status s)
{
	dag_pen_text(p, theme_status_style(s), theme_status_glyph(s, rc->ascii));
}

char *
dag_elide(const char *name, int maxw, int shared)
{
	size_t len = strlen(name), head_end = 0, tail_start = len;
	int total = (int)text_width(name), keep = maxw - 1, tail, head, used = 0;

	if (total <= maxw || maxw < 2)
		return xstrdup(name);
	tail = (keep + 1) / 2;
	/* What differs goes to the tail whole when it can, leaving the head a character. */
	if (shared > 0 && total - shared > tail)
		tail = total - shared < keep - 1 ? total - shared : keep - 1;
	head = keep - tail;
	while (head_end < len) {
		uint32_t cp;
		size_t k = text_decode(name + head_end, len - head_end, &cp);
		int w = text_cp_width(cp) < 0 ? 1 : text_cp_width(cp);

		if (used + w > head)
			break;
		used += w;
		head_end += k;
	}
	/* The tail from the end back: a character starts at a byte that is not a continuation. */
	used = 0;
	while (tail_start > head_end) {
		size_t at = tail_start - 1;
		uint32_t cp;
		int w;

		while (at > head_end && ((unsigned char)name[at] & 0xc0) == 0x80)
			at--;
		text_decode(name + at, tail_start - at, &cp);
		w = text_cp_width(cp) < 0 ? 1 : text_cp_width(cp);
		if (used + w > tail)
			break;
		used += w;
		tail_start = at;
	}
	return xasprintf("%.*s…%s", (int)head_end, name, name + tail_start);
}

static int
dag_name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Columns of the longest start a's name shares with b's, whole characters only. */
static int
dag_shared_cols(const char *a, const char *b)
{
	size_t n = 0;
	char *part;
	int w;

	while (a[n] && a[n] == b[n])
		n++;
	while (n > 0 && ((unsigned char)a[n] & 0xc0) == 0x80)
		n--;
	part = xstrndup(a, n);
	w = (int)text_width(part);
	free(part);
	return w;
}

int *
dag_name_shares(const char *const *names, size_t n)
{
	const char **sorted = xcalloc(n ? n : 1, sizeof(*sorted));
	int *out = xcalloc(n ? n : 1, sizeof(*out));

	memcpy(sorted, names, n * sizeof(*names));
	qsort(sorted, n, sizeof(*sorted), dag_name_cmp);
	for (size_t i = 0; i < n; i++) {
		const char **at = bsearch(&names[i], sorted, n, sizeof(*sorted), dag_name_cmp);
		size_t k = (size_t)(at - sorted);
		int best = 0;

		/* Equal names sort together: compare with the neighbours that differ. */
		for (size_t j = k; j > 0; j--)
			if (strcmp(sorted[j - 1], names[i]) != 0) {
				best = dag_shared_cols(names[i], sorted[j - 1]);
				break;
			}
		for (size_t j = k + 1; j < n; j++)
			if (strcmp(sorted[j], names[i]) != 0) {
				int w = dag_shared_cols(names[i], sorted[j]);

				best = w > best ? w : best;
				break;
			}
		out[i] = best;
	}
	free(sorted);
	return out;
}

/* Per group: dag_name_shares of the groups' names. */
static int *
dag_shared_prefixes(const struct osmo_workflow *wf)
{
	const char **names = xcalloc(wf->n_groups ? wf->n_groups : 1, sizeof(*names));
	int *out;

	for (size_t i = 0; i < wf->n_groups; i++)
		names[i] = wf->groups[i].name ? wf->groups[i].name : "?";
	out = dag_name_shares(names, wf->n_groups);
	free(names);
	return out;
}

/* "● name", the name cut in the middle to name_max columns (shared: see dag_elide). */
static void
dag_pen_name(const struct render_ctx *rc, const struct osmo_group *g, struct dag_pen *p,
             int name_max, int shared, enum style st)
{
	struct dag_pen name;
	char *text;

	dag_pen_status(rc, p, g->status);
	dag_pen_text(p, STYLE_NORMAL, " ");
	name = *p;
	if (name.end - name.x > name_max)
		name.end = name.x + name_max;
	text = dag_elide(g->name ? g->name : "?", name.end - name.x, shared);
	dag_pen_text(&name, st, text);
	free(text);
	p->x = name.x;
}

/* Columns of "done/total": the same whatever is done, so boxes keep their width. */
static int
dag_count_width(const struct osmo_group *g)
{
	size_t n[DAG_TALLIES] = { 0 }, total = dag_tally(g, n);
	char buf[48];

	return snprintf(buf, sizeof(buf), "%zu/%zu", total, total);
}

/* cells of bar for the tallies, each cell the look of the tasks it stands for. */
static void
dag_pen_bar(struct dag_pen *p, const size_t *n, size_t total, int cells)
{
	size_t cum = 0;

	for (size_t b = 0; b < sizeof(dag_bar_cells) / sizeof(dag_bar_cells[0]); b++) {
		const struct dag_bar_cell *bc = &dag_bar_cells[b];
		int from = (int)(cum * (size_t)cells / total), to;
		enum style st = bc->dim ? STYLE_DIM : theme_status_style(dag_tally_look[bc->tally]);

		cum += n[bc->tally];
		to = (int)(cum * (size_t)cells / total);
		for (int i = from; i < to; i++)
			dag_put_glyph(p->d, p->y, p->x + i, &bc->glyph, st);
	}
	p->x += cells;
}

/*
 * "★● ███▒▒░ 3/4": the lead and its status, the tasks as a bar, done of all at the right end;
 * a reused group says so instead of a bar.
 */
static void
dag_pen_progress(const struct render_ctx *rc, const struct osmo_group *g, struct dag_pen *p,
                 bool reused)
{
	const struct osmo_task *lead = osmo_group_lead(g);
	size_t n[DAG_TALLIES] = { 0 }, total = dag_tally(g, n);
	int cw = dag_count_width(g), bar;
	char buf[48];

	if (reused) {
		dag_pen_text(p, STYLE_DIM, dag_reused);
	} else if (lead) {
		dag_pen_text(p, STYLE_LEAD, theme_lead_mark(rc->ascii));
		dag_pen_status(rc, p, lead->status);
		p->x++;
	}
	if (!total) {
		dag_pen_text(p, STYLE_DIM, reused ? "" : "no tasks");
		return;
	}
	bar = p->end - p->x - 1 - cw;
	if (!reused && bar >= DAG_BAR_MIN)
		dag_pen_bar(p, n, total, bar);
	snprintf(buf, sizeof(buf), "%zu/%zu", n[DAG_DONE], total);
	p->x = p->end - (int)strlen(buf);
	dag_pen_text(p, reused ? STYLE_DIM : STYLE_NORMAL, buf);
}

/* "★● 3/4 ✔ 1 ✘": the lead and its status, then done of all, then running and failed. */
static void
dag_pen_counts(const struct render_ctx *rc, const struct osmo_group *g, struct dag_pen *p)
{
	const struct osmo_task *lead = osmo_group_lead(g);
	size_t n[DAG_TALLIES] = { 0 }, total = dag_tally(g, n);
	char buf[48];

	if (lead) {
		dag_pen_text(p, STYLE_LEAD, theme_lead_mark(rc->ascii));
		dag_pen_status(rc, p, lead->status);
		dag_pen_text(p, STYLE_NORMAL, " ");
	}
	if (!total) {
		dag_pen_text(p, STYLE_DIM, "no tasks");
		return;
	}
	snprintf(buf, sizeof(buf), "%zu/%zu ", n[DAG_DONE], total);
	dag_pen_text(p, STYLE_NORMAL, buf);
	dag_pen_status(rc, p, dag_tally_look[DAG_DONE]);
	for (int t = DAG_RUNNING; t <= DAG_FAILED; t++) {
		if (!n[t])
			continue;
		snprintf(buf, sizeof(buf), " %zu ", n[t]);
		dag_pen_text(p, STYLE_NORMAL, buf);
		dag_pen_status(rc, p, dag_tally_look[t]);
	}
}

/* A box's text columns from its name alone (counts come and go; the box keeps its width). */
static int
dag_label_width(const struct osmo_group *g)
{
	int name = 2 + (int)text_width(g->name ? g->name : "?");
	/* The lead, a space, the shortest bar, a space and the counts. */
	int progress = 2 + 1 + DAG_BAR_MIN + 1 + dag_count_width(g);

	return name > progress ? name : progress;
}

/* ---- the tree ---- */

struct dag_tree_line {
	size_t group; /* DAG_NONE: the cycle note */
	bool again;   /* shown above already */
	char *prefix;
};

struct dag_tree {
	const struct osmo_workflow *wf;
	const size_t *rank;
	bool *shown;
	int max_prefix;
	bool ascii;
	struct dag_tree_line *lines;
	size_t n, cap;
};

static void
dag_tree_add(struct dag_tree *t, size_t group, bool again, const char *prefix)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		t->lines = xreallocarray(t->lines, t->cap, sizeof(*t->lines));
	}
	t->lines[t->n++] = (struct dag_tree_line){ group, again, xstrdup(prefix) };
}

static void
dag_tree_visit(struct dag_tree *t, size_t g, const char *indent, int connector)
{
	const char *const *conn = t->ascii ? dag_tree_ascii : dag_tree_uni;
	const struct osmo_group *grp = &t->wf->groups[g];
	char *line = xasprintf("%s%s", indent, connector < 0 ? "" : conn[connector]);
	char *next;
	size_t n_kids = 0, *kids;

	dag_tree_add(t, g, t->shown[g], line);
	free(line);
	if (t->shown[g])
		return;
	t->shown[g] = true;
	/* Deep levels stop indenting where the label would get too narrow. */
	if (connector < 0 || (int)text_width(indent) + 2 * DAG_TREE_STEP > t->max_prefix)
		next = xstrdup(indent);
	else
		next = xasprintf("%s%s", indent, conn[connector == 1 ? 3 : 2]);
	kids = xcalloc(grp->n_downstream ? grp->n_downstream : 1, sizeof(*kids));
	for (size_t j = 0; j < grp->n_downstream; j++) {
		size_t to = grp->downstream[j], at = n_kids;
		bool dup = to >= t->wf->n_groups;

		for (size_t k = 0; k < n_kids && !dup; k++)
			dup = kids[k] == to;
		if (dup)
			continue;
		while (at > 0 && t->rank[kids[at - 1]] > t->rank[to]) {
			kids[at] = kids[at - 1];
			at--;
		}
		kids[at] = to;
		n_kids++;
	}
	for (size_t k = 0; k < n_kids; k++)
		dag_tree_visit(t, kids[k], next, k + 1 == n_kids ? 1 : 0);
	free(kids);
	free(next);
}

static void
dag_tree_line_draw(const struct render_ctx *rc, const struct dag_draw *d,
                   const struct dag_tree_line *tl, const struct osmo_group *g, int y)
{
	struct dag_pen p = { d, y, 0, d->area.cols };
	struct dag_pen rest = { .end = INT_MAX };
	bool marker = !tl->again && osmo_group_running_with_failures(g);
	const char *marker_text = dag_marker;
	int name_max;

	dag_pen_text(&p, STYLE_DIM, tl->prefix);
	if (tl->again) {
		name_max = p.end - p.x - 2 - (int)strlen(" (above)");
		dag_pen_name(rc, g, &p, name_max < 8 ? 8 : name_max, 0, STYLE_TITLE);
		dag_pen_text(&p, STYLE_DIM, " (above)");
		return;
	}
	rest.x = 1;
	dag_pen_counts(rc, g, &rest);
	if (marker) {
		int name_w = 2 + (int)text_width(g->name ? g->name : "?");

		/* Short of room the marker shrinks to "!" before the name gives way. */
		if (p.x + name_w + rest.x + 1 + (int)strlen(dag_marker) > p.end)
			marker_text = "!";
		rest.x += 1 + (int)strlen(marker_text);
	}
	name_max = p.end - p.x - 2 - rest.x;
	if (name_max < 8)
		name_max = 8;
	dag_pen_name(rc, g, &p, name_max, 0, STYLE_TITLE);
	dag_pen_text(&p, STYLE_NORMAL, " ");
	dag_pen_counts(rc, g, &p);
	if (marker) {
		dag_pen_text(&p, STYLE_NORMAL, " ");
		dag_pen_text(&p, STYLE_WARN, marker_text);
	}
}

static void
dag_render_tree(const struct render_ctx *rc, const struct osmo_workflow *wf, bool cycle,
                int selected, struct dag_draw *d, struct dag_extent *ext)
{
	size_t n = wf->n_groups;
	size_t *order = view_group_order(wf);
	size_t *rank = xcalloc(n ? n : 1, sizeof(*rank));
	bool *has_up = xcalloc(n ? n : 1, sizeof(*has_up));
	struct dag_tree t = { .wf = wf, .rank = rank, .ascii = rc->ascii };

	t.shown = xcalloc(n ? n : 1, sizeof(*t.shown));
	t.max_prefix = d->area.cols - DAG_TREE_LABEL;
	for (size_t i = 0; i < n; i++) {
		rank[order[i]] = i;
		for (size_t j = 0; j < wf->groups[i].n_downstream; j++)
			if (wf->groups[i].downstream[j] < n)
				has_up[wf->groups[i].downstream[j]] = true;
	}
	if (cycle)
		dag_tree_add(&t, DAG_NONE, false, "");
	for (size_t i = 0; i < n; i++)
		if (!has_up[order[i]])
			dag_tree_visit(&t, order[i], "", -1);
	/* Groups only reachable around a cycle start at the earliest of them. */
	for (size_t i = 0; i < n; i++)
		if (!t.shown[order[i]])
			dag_tree_visit(&t, order[i], "", -1);

	ext->rows = (int)t.n;
	ext->cols = d->area.cols;
	ext->pan_row = d->pan_row = dag_clamp(d->pan_row, ext->rows - d->area.rows);
	ext->pan_col = d->pan_col = 0;
	for (size_t i = 0; i < t.n; i++) {
		const struct dag_tree_line *tl = &t.lines[i];

		if (tl->group == DAG_NONE)
			dag_text(d, (int)i, 0, d->area.cols, STYLE_WARN,
			         "! the groups' edges form a cycle; shown as a tree");
		else
			dag_tree_line_draw(rc, d, tl, &wf->groups[tl->group], (int)i);
		if (tl->group != DAG_NONE && (int)tl->group == selected && !tl->again) {
			ext->selected = (struct dag_rect){ (int)i, 0, 1, d->area.cols };
			dag_restyle(d, (int)i, 0, 1, d->area.cols, STYLE_SELECTED);
		}
		free(tl->prefix);
	}
	free(t.lines);
	free(t.shown);
	free(has_up);
	free(rank);
	free(order);
}

/* ---- the graph ---- */

struct dag_geom {
	const struct dag_layout *l;
	int *top, *height, *port;                  /* per node */
	int *x, *w, *bw;                           /* per layer: left column, text, node width */
	size_t *up_start, *up, *down_start, *down; /* neighbours per node, by position */
	int rows, cols;
	bool compact; /* groups as one line each */
	int vgap;     /* rows between the nodes of a layer */
};

static long long
dag_round_div(long long a, long long b)
{
	long long num = 2 * a + b, den = 2 * b, q = num / den;

	return (num % den != 0 && num < 0) ? q - 1 : q;
}

/* Neighbour lists per node from the segments, each sorted by position. */
static void
dag_geom_adjacency(struct dag_geom *g, bool down)
{
	const struct dag_layout *l = g->l;
	size_t *start = xcalloc(l->n_nodes + 1, sizeof(*start));
	size_t *list = xcalloc(l->n_segs ? l->n_segs : 1, sizeof(*list));
	size_t *fill = xcalloc(l->n_nodes ? l->n_nodes : 1, sizeof(*fill));

	for (size_t s = 0; s < l->n_segs; s++)
		start[(down ? l->segs[s].from : l->segs[s].to) + 1]++;
	for (size_t v = 0; v < l->n_nodes; v++)
		start[v + 1] += start[v];
	for (size_t s = 0; s < l->n_segs; s++) {
		size_t self = down ? l->segs[s].from : l->segs[s].to;
		size_t other = down ? l->segs[s].to : l->segs[s].from;
		size_t *o = list + start[self], at = fill[self]++;

		while (at > 0 && l->nodes[o[at - 1]].pos > l->nodes[other].pos) {
			o[at] = o[at - 1];
			at--;
		}
		o[at] = other;
	}
	free(fill);
	*(down ? &g->down_start : &g->up_start) = start;
	*(down ? &g->down : &g->up) = list;
}

/*
 * Tops for layer k as near their neighbours' ports as order and spacing allow: least squares
 * under "each below the last" (pool adjacent violators), so fans centre on their source.
 */
static void
dag_geom_place(struct dag_geom *g, int k, bool down, long long *want, long long *bsum,
               long long *bcnt, size_t *bstart)
{
	const struct dag_layout *l = g->l;
	const size_t *o = l->order + l->layer_start[k];
	size_t m = l->layer_start[k + 1] - l->layer_start[k], nb = 0;
	const size_t *start = down ? g->up_start : g->down_start;
	const size_t *nbr = down ? g->up : g->down;
	long long off = 0;

	for (size_t i = 0; i < m; i++) {
		size_t v = o[i];
		long long sum = 0, cnt = (long long)(start[v + 1] - start[v]);

		for (size_t e = start[v]; e < start[v + 1]; e++)
			sum += g->top[nbr[e]] + g->port[nbr[e]];
		want[i] = cnt ? dag_round_div(sum - cnt * g->port[v], cnt) : g->top[v];
	}
	for (size_t i = 0; i < m; i++) {
		bsum[nb] = want[i] - off;
		bcnt[nb] = 1;
		bstart[nb++] = i;
		while (nb > 1 && bsum[nb - 2] * bcnt[nb - 1] > bsum[nb - 1] * bcnt[nb - 2]) {
			bsum[nb - 2] += bsum[nb - 1];
			bcnt[nb - 2] += bcnt[nb - 1];
			nb--;
		}
		off += g->height[o[i]] + g->vgap;
	}
	off = 0;
	for (size_t b = 0; b < nb; b++) {
		long long t = dag_round_div(bsum[b], bcnt[b]);

		for (size_t i = bstart[b]; i < (b + 1 < nb ? bstart[b + 1] : m); i++) {
			g->top[o[i]] = (int)(t + off);
			off += g->height[o[i]] + g->vgap;
		}
	}
}

static void
dag_geom_rows(struct dag_geom *g)
{
	const struct dag_layout *l = g->l;
	size_t n = l->n_nodes ? l->n_nodes : 1;
	long long *want = xcalloc(n, sizeof(*want));
	long long *bsum = xcalloc(n, sizeof(*bsum));
	long long *bcnt = xcalloc(n, sizeof(*bcnt));
	size_t *bstart = xcalloc(n, sizeof(*bstart));
	int low = INT_MAX;

	for (int k = 0; k < l->n_layers; k++) {
		int y = 0;

		for (size_t i = l->layer_start[k]; i < l->layer_start[k + 1]; i++) {
			g->top[l->order[i]] = y;
			y += g->height[l->order[i]] + g->vgap;
		}
	}
	for (int s = 0; s < DAG_SWEEPS; s++) {
		for (int k = 1; k < l->n_layers; k++)
			dag_geom_place(g, k, true, want, bsum, bcnt, bstart);
		for (int k = l->n_layers - 2; k >= 0; k--)
			dag_geom_place(g, k, false, want, bsum, bcnt, bstart);
	}
	for (size_t v = 0; v < l->n_nodes; v++)
		low = g->top[v] < low ? g->top[v] : low;
	g->rows = 0;
	for (size_t v = 0; v < l->n_nodes; v++) {
		g->top[v] -= low;
		if (g->top[v] + g->height[v] > g->rows)
			g->rows = g->top[v] + g->height[v];
	}
	free(want);
	free(bsum);
	free(bcnt);
	free(bstart);
}

/* A vertical line in a gap: sources with the same targets share one. */
struct dag_chan {
	size_t first; /* a source node; its down list is the channel's targets */
	int lo, hi;   /* rows the vertical spans */
	int col;      /* column among the gap's channels, -1 until placed */
};

/* The edges between layer k and k + 1. */
struct dag_gap {
	size_t *src;     /* nodes of layer k with edges, in order */
	size_t *chan_of; /* per source */
	size_t n_src;
	struct dag_chan *chans;
	size_t n_ch;
	int cols; /* lead-out, channel columns, arrow */
};

static int
dag_port_row(const struct dag_geom *g, size_t v)
{
	return g->top[v] + g->port[v];
}

static bool
dag_same_targets(const struct dag_geom *g, size_t a, size_t b)
{
	size_t na = g->down_start[a + 1] - g->down_start[a];

	return na == g->down_start[b + 1] - g->down_start[b] &&
	       memcmp(g->down + g->down_start[a], g->down + g->down_start[b],
	              na * sizeof(*g->down)) == 0;
}

static void
dag_chan_span(struct dag_chan *ch, int row)
{
	ch->lo = row < ch->lo ? row : ch->lo;
	ch->hi = row > ch->hi ? row : ch->hi;
}

/* The source on row, or n_src: sources come in layer order, so their rows ascend. */
static size_t
dag_gap_source_at(const struct dag_geom *g, const struct dag_gap *gap, int row)
{
	size_t lo = 0, hi = gap->n_src;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (dag_port_row(g, gap->src[mid]) < row)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < gap->n_src && dag_port_row(g, gap->src[lo]) == row ? lo : gap->n_src;
}

/* Does another placed channel in column col share rows with channel c? */
static bool
dag_column_taken(const struct dag_gap *gap, size_t c, int col)
{
	for (size_t b = 0; b < gap->n_ch; b++)
		if (b != c && gap->chans[b].col == col && gap->chans[b].hi >= gap->chans[c].lo &&
		    gap->chans[c].hi >= gap->chans[b].lo)
			return true;
	return false;
}

/*
 * Channels to columns: those whose rows do not overlap share one, and one whose source is level
 * with another's target goes left of it, so a lead-out never runs into an unrelated arrow.
 */
static void
dag_gap_columns(const struct dag_geom *g, struct dag_gap *gap)
{
	size_t n = gap->n_ch;
	bool *before = xcalloc(n ? n * n : 1, sizeof(*before)); /* [a * n + b]: a left of b */
	size_t *waiting = xcalloc(n ? n : 1, sizeof(*waiting)); /* unplaced channels first */
	int used = 0;

	for (size_t b = 0; b < n; b++)
		for (size_t e = g->down_start[gap->chans[b].first];
		     e < g->down_start[gap->chans[b].first + 1]; e++) {
			size_t i = dag_gap_source_at(g, gap, dag_port_row(g, g->down[e]));
			size_t a = i < gap->n_src ? gap->chan_of[i] : b;

			if (a != b && !before[a * n + b]) {
				before[a * n + b] = true;
				waiting[b]++;
			}
		}
	for (size_t placed = 0; placed < n; placed++) {
		size_t pick = n;
		int col = 0;

		/* The first that waits for none; when they wait in a loop, the first. */
		for (size_t a = 0; a < n && (pick == n || waiting[pick]); a++)
			if (gap->chans[a].col < 0 && (pick == n || !waiting[a]))
				pick = a;
		for (size_t a = 0; a < n; a++)
			if (before[a * n + pick] && gap->chans[a].col >= col)
				col = gap->chans[a].col + 1;
		while (dag_column_taken(gap, pick, col))
			col++;
		gap->chans[pick].col = col;
		used = col + 1 > used ? col + 1 : used;
		for (size_t b = 0; b < n; b++)
			if (before[pick * n + b])
				waiting[b]--;
	}
	gap->cols = used + DAG_GAP_BASE;
	free(before);
	free(waiting);
}

static void
dag_gap_init(const struct dag_geom *g, int k, struct dag_gap *gap)
{
	const struct dag_layout *l = g->l;
	size_t m = l->layer_start[k + 1] - l->layer_start[k];

	memset(gap, 0, sizeof(*gap));
	gap->src = xcalloc(m ? m : 1, sizeof(*gap->src));
	gap->chan_of = xcalloc(m ? m : 1, sizeof(*gap->chan_of));
	gap->chans = xcalloc(m ? m : 1, sizeof(*gap->chans));
	for (size_t i = l->layer_start[k]; i < l->layer_start[k + 1]; i++) {
		size_t v = l->order[i], c = 0;

		if (g->down_start[v] == g->down_start[v + 1])
			continue;
		while (c < gap->n_ch && !dag_same_targets(g, gap->chans[c].first, v))
			c++;
		if (c == gap->n_ch) {
			gap->chans[gap->n_ch++] = (struct dag_chan){
				.first = v, .lo = INT_MAX, .hi = INT_MIN, .col = -1
			};
			for (size_t e = g->down_start[v]; e < g->down_start[v + 1]; e++)
				dag_chan_span(&gap->chans[c], dag_port_row(g, g->down[e]));
		}
		dag_chan_span(&gap->chans[c], dag_port_row(g, v));
		gap->chan_of[gap->n_src] = c;
		gap->src[gap->n_src++] = v;
	}
	dag_gap_columns(g, gap);
}

static void
dag_gap_free(struct dag_gap *gap)
{
	free(gap->src);
	free(gap->chan_of);
	free(gap->chans);
}

/* A gap's cells: directions through each; where no line bends or ends, lines cross, not join. */
struct dag_grid {
	int rows, cols;
	unsigned char *mask;
	bool *joined;
};

static void
dag_grid_add(struct dag_grid *gr, int y, int x, int mask)
{
	size_t i = (size_t)y * (size_t)gr->cols + (size_t)x;

	if (y < 0 || y >= gr->rows || x < 0 || x >= gr->cols)
		return;
	if (mask >= DAG_ARROW || gr->mask[i] >= DAG_ARROW) {
		gr->mask[i] = (unsigned char)(mask >= DAG_ARROW ? mask : gr->mask[i]);
		return;
	}
	gr->mask[i] |= (unsigned char)mask;
	if (mask != (DAG_U | DAG_D) && mask != (DAG_L | DAG_R))
		gr->joined[i] = true;
}

static int
dag_grid_at(const struct dag_grid *gr, int y, int x)
{
	size_t i = (size_t)y * (size_t)gr->cols + (size_t)x;
	int all = DAG_U | DAG_D | DAG_L | DAG_R;

	return gr->mask[i] == all && !gr->joined[i] ? DAG_CROSS : gr->mask[i];
}

static void
dag_grid_hline(struct dag_grid *gr, int y, int from, int to)
{
	for (int x = from; x <= to; x++)
		dag_grid_add(gr, y, x, DAG_L | DAG_R);
}

/* One channel: its vertical, each source's lead-out into it, a line and arrow to each target. */
static void
dag_grid_channel(const struct dag_geom *g, const struct dag_gap *gap, size_t c, struct dag_grid *gr)
{
	const struct dag_chan *ch = &gap->chans[c];
	int cx = 1 + ch->col;

	for (int y = ch->lo; y <= ch->hi; y++)
		dag_grid_add(gr, y, cx, (y > ch->lo ? DAG_U : 0) | (y < ch->hi ? DAG_D : 0));
	for (size_t i = 0; i < gap->n_src; i++) {
		if (gap->chan_of[i] != c)
			continue;
		dag_grid_hline(gr, dag_port_row(g, gap->src[i]), 0, cx - 1);
		dag_grid_add(gr, dag_port_row(g, gap->src[i]), cx, DAG_L);
	}
	for (size_t e = g->down_start[ch->first]; e < g->down_start[ch->first + 1]; e++) {
		size_t to = g->down[e];
		int y = dag_port_row(g, to);
		bool waypoint = g->l->nodes[to].target != DAG_NONE;

		dag_grid_add(gr, y, cx, DAG_R);
		dag_grid_hline(gr, y, cx + 1, gr->cols - 2);
		dag_grid_add(gr, y, gr->cols - 1, waypoint ? DAG_L | DAG_R : DAG_ARROW);
	}
}

/* Draws the edges from layer k to layer k + 1 into the gap right of layer k. */
static void
dag_draw_gap(const struct dag_geom *g, const struct dag_draw *d, int k)
{
	struct dag_gap gap;
	struct dag_grid gr = { .rows = g->rows };
	int x0 = g->x[k] + g->bw[k];

	dag_gap_init(g, k, &gap);
	gr.cols = gap.cols;
	gr.mask = xcalloc((size_t)gr.rows * (size_t)gr.cols, sizeof(*gr.mask));
	gr.joined = xcalloc((size_t)gr.rows * (size_t)gr.cols, sizeof(*gr.joined));
	for (size_t c = 0; c < gap.n_ch; c++)
		dag_grid_channel(g, &gap, c, &gr);
	for (int y = 0; y < gr.rows; y++)
		for (int x = 0; x < gr.cols; x++) {
			int mask = dag_grid_at(&gr, y, x);

			if (mask)
				dag_put_glyph(d, y, x0 + x, &dag_glyphs[mask], STYLE_DIM);
		}
	free(gr.mask);
	free(gr.joined);
	dag_gap_free(&gap);
}

/* What a node shows beside its group: the marks, and the name's shared start. */
struct dag_look {
	const struct dag_marks *marks;
	const int *shared; /* per group: see dag_shared_prefixes */
	int selected;      /* a group, or -1 */
};

static bool
dag_marked(const bool *marks, size_t group)
{
	return marks && marks[group];
}

static void
dag_draw_box(const struct render_ctx *rc, const struct dag_draw *d, const struct osmo_workflow *wf,
             size_t group, const struct dag_look *lk, int y, int x, int w, int h)
{
	const struct osmo_group *grp = &wf->groups[group];
	bool reused = lk->marks && dag_marked(lk->marks->reused, group);
	bool critical = lk->marks && dag_marked(lk->marks->critical, group);
	const struct dag_glyph *box = critical ? dag_box_heavy : dag_box;
	enum style border = reused ? STYLE_DIM : theme_status_style(grp->status);
	struct dag_pen name = { d, y + 1, x + 2, x + 2 + w };
	struct dag_pen progress = { d, y + 2, x + 2, x + 2 + w };

	dag_put_glyph(d, y, x, &box[DAG_TL], border);
	dag_put_glyph(d, y, x + w + 3, &box[DAG_TR], border);
	dag_put_glyph(d, y + h - 1, x, &box[DAG_BL], border);
	dag_put_glyph(d, y + h - 1, x + w + 3, &box[DAG_BR], border);
	for (int i = 1; i < w + 3; i++) {
		dag_put_glyph(d, y, x + i, &box[DAG_HORIZ], border);
		dag_put_glyph(d, y + h - 1, x + i, &box[DAG_HORIZ], border);
	}
	for (int r = 1; r < h - 1; r++) {
		dag_put_glyph(d, y + r, x, &box[DAG_VERT], border);
		dag_put_glyph(d, y + r, x + w + 3, &box[DAG_VERT], border);
	}
	dag_pen_name(rc, grp, &name, w, lk->shared[group], reused ? STYLE_DIM : STYLE_TITLE);
	dag_pen_progress(rc, grp, &progress, reused);
	if (h > DAG_BOX_H) {
		size_t m = 0;

		while (m + 1 < sizeof(dag_markers) / sizeof(dag_markers[0]) &&
		       (int)strlen(dag_markers[m]) > w)
			m++;
		dag_text(d, y + 3, x + 2, w, STYLE_WARN, dag_markers[m]);
	}
	if ((int)group == lk->selected)
		dag_restyle(d, y, x, h, w + DAG_BOX_PAD, STYLE_SELECTED);
}

/* A group on one line: "● name  3/4", or "reused" for the counts; cols wide in all. */
static void
dag_draw_line(const struct render_ctx *rc, const struct dag_draw *d, const struct osmo_workflow *wf,
              size_t group, const struct dag_look *lk, int y, int x, int w, int cols)
{
	const struct osmo_group *grp = &wf->groups[group];
	bool reused = lk->marks && dag_marked(lk->marks->reused, group);
	bool critical = lk->marks && dag_marked(lk->marks->critical, group);
	struct dag_pen name = { d, y, x + 1, x + 1 + w };
	size_t n[DAG_TALLIES] = { 0 }, total = dag_tally(grp, n);
	char buf[48];

	dag_pen_name(rc, grp, &name, w, lk->shared[group],
	             reused     ? STYLE_DIM
	             : critical ? STYLE_WARN
	                        : STYLE_TITLE);
	if (reused)
		snprintf(buf, sizeof(buf), "%s", dag_reused);
	else
		snprintf(buf, sizeof(buf), "%zu/%zu", n[DAG_DONE], total);
	dag_text(d, y, x + cols - 1 - (int)strlen(buf), (int)strlen(buf),
	         reused ? STYLE_DIM : theme_status_style(grp->status), buf);
	if ((int)group == lk->selected)
		dag_restyle(d, y, x, 1, cols, STYLE_SELECTED);
}

static void
dag_geom_free(struct dag_geom *g)
{
	free(g->top);
	free(g->height);
	free(g->port);
	free(g->x);
	free(g->w);
	free(g->bw);
	free(g->up_start);
	free(g->up);
	free(g->down_start);
	free(g->down);
}

/* Node widths per layer from its names (limit: the most a name's line may take). */
static void
dag_geom_widths(const struct osmo_workflow *wf, const struct dag_look *lk, struct dag_geom *g,
                int limit)
{
	const struct dag_layout *l = g->l;
	int *extra = xcalloc(l->n_layers ? (size_t)l->n_layers : 1, sizeof(*extra));

	for (int k = 0; k < l->n_layers; k++)
		g->w[k] = g->compact ? 0 : DAG_W_MIN;
	for (size_t v = 0; v < l->n_nodes; v++) {
		const struct osmo_group *grp = &wf->groups[l->nodes[v].group];
		int k = l->nodes[v].layer, w, e;

		if (l->nodes[v].target != DAG_NONE)
			continue;
		w = g->compact ? 2 + (int)text_width(grp->name ? grp->name : "?")
		               : dag_label_width(grp);
		w = w > limit ? limit : w;
		g->w[k] = w > g->w[k] ? w : g->w[k];
		/* One line: the counts after the name, or the word for a reused group. */
		e = lk->marks && dag_marked(lk->marks->reused, l->nodes[v].group)
		            ? (int)strlen(dag_reused)
		            : dag_count_width(grp);
		extra[k] = e > extra[k] ? e : extra[k];
	}
	for (int k = 0; k < l->n_layers; k++)
		/* One line: a space each side, and two between the name and the counts. */
		g->bw[k] = g->compact ? 1 + g->w[k] + 2 + extra[k] + 1 : g->w[k] + DAG_BOX_PAD;
	free(extra);
}

static void
dag_geom_init(const struct osmo_workflow *wf, const struct dag_layout *l, const struct dag_look *lk,
              bool compact, int limit, struct dag_geom *g)
{
	size_t n = l->n_nodes ? l->n_nodes : 1, nl = l->n_layers ? (size_t)l->n_layers : 1;

	memset(g, 0, sizeof(*g));
	g->l = l;
	g->compact = compact;
	g->vgap = compact ? 0 : DAG_VGAP;
	g->top = xcalloc(n, sizeof(*g->top));
	g->height = xcalloc(n, sizeof(*g->height));
	g->port = xcalloc(n, sizeof(*g->port));
	g->x = xcalloc(nl, sizeof(*g->x));
	g->w = xcalloc(nl, sizeof(*g->w));
	g->bw = xcalloc(nl, sizeof(*g->bw));
	for (size_t v = 0; v < l->n_nodes; v++) {
		bool box = l->nodes[v].target == DAG_NONE && !compact;

		/* A box grows a line for the failures marker; ports stay on the name line. */
		g->height[v] = box ? DAG_BOX_H + osmo_group_running_with_failures(
		                                         &wf->groups[l->nodes[v].group])
		                   : 1;
		g->port[v] = box ? 1 : 0;
	}
	dag_geom_widths(wf, lk, g, limit);
	dag_geom_adjacency(g, false);
	dag_geom_adjacency(g, true);
	dag_geom_rows(g);
	for (int k = 0; k < l->n_layers; k++) {
		g->x[k] = g->cols;
		g->cols += g->bw[k];
		if (k + 1 < l->n_layers) {
			struct dag_gap gap;

			dag_gap_init(g, k, &gap);
			g->cols += gap.cols;
			dag_gap_free(&gap);
		}
	}
}

/* ---- unconnected parts, laid out each on its own and set side by side ---- */

struct dag_part {
	struct dag_layout l; /* its nodes' groups are the workflow's */
	struct dag_geom g;
	int row, col; /* where it sits in the drawing */
};

static size_t
dag_find(size_t *up, size_t v)
{
	while (up[v] != v)
		v = up[v] = up[up[v]];
	return v;
}

/* The layout's connected parts, in the order their first nodes come in the first layer. */
static struct dag_part *
dag_parts_split(const struct dag_layout *l, size_t *n_out)
{
	size_t n = l->n_nodes, n_parts = 0;
	size_t *up = xcalloc(n ? n : 1, sizeof(*up));
	size_t *part_of = xcalloc(n ? n : 1, sizeof(*part_of));
	size_t *index = xcalloc(n ? n : 1, sizeof(*index));
	size_t *root_part = xcalloc(n ? n : 1, sizeof(*root_part));
	struct dag_part *parts;

	for (size_t v = 0; v < n; v++) {
		up[v] = v;
		root_part[v] = DAG_NONE;
	}
	for (size_t s = 0; s < l->n_segs; s++)
		up[dag_find(up, l->segs[s].from)] = dag_find(up, l->segs[s].to);
	/* Every part has a root in layer 0, so reading the layers in order meets them in order. */
	for (size_t i = 0; i < n; i++) {
		size_t r = dag_find(up, l->order[i]);

		if (root_part[r] == DAG_NONE)
			root_part[r] = n_parts++;
		part_of[l->order[i]] = root_part[r];
	}
	parts = xcalloc(n_parts ? n_parts : 1, sizeof(*parts));
	for (size_t p = 0; p < n_parts; p++)
		parts[p].l.nodes = xcalloc(n ? n : 1, sizeof(*parts[p].l.nodes));
	for (size_t i = 0; i < n; i++) {
		size_t v = l->order[i];
		struct dag_layout *pl = &parts[part_of[v]].l;

		index[v] = pl->n_nodes;
		pl->nodes[pl->n_nodes++] = l->nodes[v];
		if (l->nodes[v].target == DAG_NONE)
			pl->n_groups++;
		if (l->nodes[v].layer >= pl->n_layers)
			pl->n_layers = l->nodes[v].layer + 1;
	}
	for (size_t p = 0; p < n_parts; p++) {
		struct dag_layout *pl = &parts[p].l;

		pl->order = xcalloc(pl->n_nodes, sizeof(*pl->order));
		pl->layer_start = xcalloc((size_t)pl->n_layers + 1, sizeof(*pl->layer_start));
		pl->segs = xcalloc(l->n_segs ? l->n_segs : 1, sizeof(*pl->segs));
		/* Nodes came layer by layer in order: the order is the index. */
		for (size_t v = 0; v < pl->n_nodes; v++) {
			pl->order[v] = v;
			pl->layer_start[pl->nodes[v].layer + 1]++;
		}
		for (int k = 0; k < pl->n_layers; k++)
			pl->layer_start[k + 1] += pl->layer_start[k];
		for (size_t v = 0; v < pl->n_nodes; v++)
			pl->nodes[v].pos = (int)(v - pl->layer_start[pl->nodes[v].layer]);
	}
	/* Segments keep their order, which is by the layer they leave. */
	for (size_t s = 0; s < l->n_segs; s++) {
		struct dag_layout *pl = &parts[part_of[l->segs[s].from]].l;

		pl->segs[pl->n_segs++] =
		        (struct dag_seg){ index[l->segs[s].from], index[l->segs[s].to] };
	}
	free(up);
	free(part_of);
	free(index);
	free(root_part);
	*n_out = n_parts;
	return parts;
}

/*
 * Lays each part out (boxes, or one line per group) and sets them in rows as wide as cols,
 * each row as tall as its tallest part; a part wider than cols has a row of its own.
 */
static void
dag_parts_pack(const struct osmo_workflow *wf, struct dag_part *parts, size_t n,
               const struct dag_look *lk, bool compact, int limit, int cols, int *rows_out,
               int *cols_out)
{
	int row = 0, col = 0, shelf = 0, width = 0;

	for (size_t p = 0; p < n; p++) {
		struct dag_geom *g = &parts[p].g;

		dag_geom_init(wf, &parts[p].l, lk, compact, limit, g);
		if (col > 0 && col + DAG_PART_GAP + g->cols > cols) {
			/* Lines of groups need no blank between them; boxes do. */
			row += shelf + !compact;
			col = shelf = 0;
		}
		if (col > 0)
			col += DAG_PART_GAP;
		parts[p].row = row;
		parts[p].col = col;
		col += g->cols;
		width = col > width ? col : width;
		shelf = g->rows > shelf ? g->rows : shelf;
	}
	*rows_out = row + shelf;
	*cols_out = width;
}

static void
dag_parts_unpack(struct dag_part *parts, size_t n)
{
	for (size_t p = 0; p < n; p++)
		dag_geom_free(&parts[p].g);
}

static void
dag_parts_free(struct dag_part *parts, size_t n)
{
	for (size_t p = 0; p < n; p++)
		dag_layout_free(&parts[p].l);
	free(parts);
}

/* One part at its place: edges first, then the nodes over them. */
static void
dag_draw_part(const struct render_ctx *rc, const struct osmo_workflow *wf,
              const struct dag_part *part, const struct dag_look *lk, const struct dag_draw *d0,
              struct dag_extent *ext)
{
	const struct dag_layout *l = &part->l;
	const struct dag_geom *g = &part->g;
	struct dag_draw d = *d0;

	d.pan_row -= part->row;
	d.pan_col -= part->col;
	for (int k = 0; k + 1 < l->n_layers; k++)
		dag_draw_gap(g, &d, k);
	for (size_t v = 0; v < l->n_nodes; v++) {
		const struct dag_node *nd = &l->nodes[v];
		int k = nd->layer;

		if (nd->target != DAG_NONE) {
			/* A waypoint: the edge runs straight through this layer. */
			for (int x = 0; x < g->bw[k]; x++)
				dag_put_glyph(&d, g->top[v], g->x[k] + x,
				              &dag_glyphs[DAG_L | DAG_R], STYLE_DIM);
			continue;
		}
		if (g->compact)
			dag_draw_line(rc, &d, wf, nd->group, lk, g->top[v], g->x[k], g->w[k],
			              g->bw[k]);
		else
			dag_draw_box(rc, &d, wf, nd->group, lk, g->top[v], g->x[k], g->w[k],
			             g->height[v]);
		if ((int)nd->group == lk->selected)
			ext->selected =
			        (struct dag_rect){ part->row + g->top[v], part->col + g->x[k],
				                   g->height[v], g->bw[k] };
	}
}

/* ---- a wide layer wrapped into sub-columns ---- */

/*
 * A fan: one layer of groups (the bundle) after at most one source group and before at most one
 * sink. Only this shape wraps, because a bus per sub-column then tells every edge the truth.
 */
struct dag_fan {
	const struct dag_layout *l;
	size_t src, sink; /* nodes; DAG_NONE when absent */
	const size_t *items;
	size_t n;
	bool *in, *out; /* per item: an edge from the source, to the sink */
	int iw;         /* an item's label: glyph, name, a space, counts */
	int pitch;      /* columns from one sub-column to the next */
	int per, n_sub; /* items per sub-column, sub-columns */
	int top;        /* the first item's row: the source's bus is above it */
	int rows, cols;
};

static bool
dag_fan_find(const struct dag_layout *l, struct dag_fan *f)
{
	size_t sizes[3] = { 0 };
	int k = -1;

	memset(f, 0, sizeof(*f));
	if (l->n_layers < 2 || l->n_layers > 3 || l->n_nodes != l->n_groups)
		return false;
	for (int i = 0; i < l->n_layers; i++) {
		sizes[i] = l->layer_start[i + 1] - l->layer_start[i];
		if (sizes[i] > 1 && k >= 0)
			return false;
		if (sizes[i] > 1)
			k = i;
	}
	/* A fan of three layers has its bundle in the middle. */
	if (k < 0 || (l->n_layers == 3 && k != 1))
		return false;
	f->l = l;
	f->src = k > 0 ? l->order[l->layer_start[k - 1]] : DAG_NONE;
	f->sink = k + 1 < l->n_layers ? l->order[l->layer_start[k + 1]] : DAG_NONE;
	f->items = l->order + l->layer_start[k];
	f->n = sizes[k];
	f->in = xcalloc(l->n_nodes, sizeof(*f->in));
	f->out = xcalloc(l->n_nodes, sizeof(*f->out));
	for (size_t s = 0; s < l->n_segs; s++) {
		if (l->segs[s].from == f->src)
			f->in[l->segs[s].to] = true;
		if (l->segs[s].to == f->sink)
			f->out[l->segs[s].from] = true;
	}
	return true;
}

static void
dag_fan_free(struct dag_fan *f)
{
	free(f->in);
	free(f->out);
}

/* Columns of a group's counts on one line, or of the word a reused group shows. */
static int
dag_fan_count_width(const struct osmo_workflow *wf, const struct dag_look *lk, size_t group)
{
	return lk->marks && dag_marked(lk->marks->reused, group)
	               ? (int)strlen(dag_reused)
	               : dag_count_width(&wf->groups[group]);
}

/*
 * Sub-columns for the area: as few as keep the items within its rows, as many as its columns
 * take. Sizes come from the names and the task totals, so polls do not move them. Returns
 * false when one column would do.
 */
static bool
dag_fan_fit(const struct osmo_workflow *wf, const struct dag_look *lk, struct dag_fan *f, int limit,
            struct dag_rect area)
{
	int name = 0, cnt = 0, avail, most;

	for (size_t i = 0; i < f->n; i++) {
		size_t g = f->l->nodes[f->items[i]].group;
		int w = 2 + (int)text_width(wf->groups[g].name ? wf->groups[g].name : "?");
		int c = dag_fan_count_width(wf, lk, g);

		name = w > name ? w : name;
		cnt = c > cnt ? c : cnt;
	}
	f->iw = (name > limit ? limit : name) + 1 + cnt;
	/* A bracket and an arrow, a space, the label, a lead-out, a bracket; a blank between. */
	f->pitch = f->iw + 6;
	f->top = f->src != DAG_NONE;
	avail = area.rows - f->top - (f->sink != DAG_NONE);
	avail = avail < 1 ? 1 : avail;
	most = (area.cols + 1) / f->pitch;
	f->n_sub = (int)((f->n + (size_t)avail - 1) / (size_t)avail);
	if (f->n_sub > most)
		f->n_sub = most;
	if (f->n_sub < 2)
		return false;
	f->per = (int)((f->n + (size_t)f->n_sub - 1) / (size_t)f->n_sub);
	f->n_sub = (int)((f->n + (size_t)f->per - 1) / (size_t)f->per);
	f->rows = f->top + f->per + (f->sink != DAG_NONE);
	f->cols = f->n_sub * f->pitch - 1;
	return true;
}

/* Item i's column (its in-bracket) and row. */
static void
dag_fan_at(const struct dag_fan *f, size_t i, int *y, int *x)
{
	*x = (int)(i / (size_t)f->per) * f->pitch;
	*y = f->top + (int)(i % (size_t)f->per);
}

/*
 * The buses: the source's along the top, a bracket down each sub-column with an arrow to each
 * item; each item's lead-out into its sub-column's bracket, and those along the bottom into the
 * sink. An item without the edge gets neither arrow nor lead-out.
 */
static void
dag_fan_lines(const struct dag_fan *f, struct dag_grid *gr, int sink_end)
{
	int bottom = f->rows - 1, last_in = 0, last_out = 0;

	for (int j = 0; j < f->n_sub; j++) {
		int x0 = j * f->pitch, ox = x0 + f->iw + 4, first = -1;

		for (size_t i = (size_t)j * (size_t)f->per;
		     i < f->n && i < (size_t)(j + 1) * (size_t)f->per; i++) {
			int y, x;

			dag_fan_at(f, i, &y, &x);
			if (f->src != DAG_NONE && f->in[f->items[i]]) {
				for (int r = f->top - 1; r < y; r++)
					dag_grid_add(gr, r, x, DAG_D);
				for (int r = f->top; r <= y; r++)
					dag_grid_add(gr, r, x, DAG_U);
				dag_grid_add(gr, y, x, DAG_R);
				dag_grid_add(gr, y, x + 1, DAG_ARROW);
				last_in = x;
			}
			if (f->sink != DAG_NONE && f->out[f->items[i]]) {
				dag_grid_add(gr, y, ox - 1, DAG_L | DAG_R);
				dag_grid_add(gr, y, ox, DAG_L);
				first = first < 0 ? y : first;
			}
		}
		if (first < 0)
			continue;
		for (int r = first; r < bottom; r++)
			dag_grid_add(gr, r, ox, DAG_D);
		for (int r = first + 1; r <= bottom; r++)
			dag_grid_add(gr, r, ox, DAG_U);
		last_out = ox;
	}
	if (f->src != DAG_NONE && last_in > 0) {
		dag_grid_add(gr, 0, 0, DAG_R);
		dag_grid_hline(gr, 0, 1, last_in - 1);
		dag_grid_add(gr, 0, last_in, DAG_L);
	} else if (f->src != DAG_NONE) {
		dag_grid_add(gr, 0, 0, DAG_R);
	}
	if (f->sink != DAG_NONE && last_out > 0) {
		dag_grid_add(gr, bottom, sink_end, DAG_ARROW_L);
		dag_grid_hline(gr, bottom, sink_end + 1, last_out - 1);
		dag_grid_add(gr, bottom, last_out, DAG_L);
	}
}

/* The source or sink on its bus: " ● name  3/4 ", in at most room columns; returns its columns. */
static int
dag_fan_end_cols(const struct osmo_workflow *wf, const struct dag_look *lk, size_t group, int room,
                 int *name_w)
{
	const struct osmo_group *g = &wf->groups[group];
	int cnt = dag_fan_count_width(wf, lk, group);
	int name = 2 + (int)text_width(g->name ? g->name : "?");
	int cols = 1 + name + 2 + cnt + 1;

	if (cols > room) {
		name -= cols - room;
		cols = room;
	}
	*name_w = name;
	return cols;
}

/* Records where a drawn group is, when it is the selected one. */
static void
dag_fan_selected(const struct dag_look *lk, size_t group, struct dag_rect at,
                 struct dag_extent *ext)
{
	if ((int)group == lk->selected)
		ext->selected = at;
}

static void
dag_draw_fan(const struct render_ctx *rc, const struct osmo_workflow *wf, const struct dag_fan *f,
             const struct dag_look *lk, const struct dag_draw *d, struct dag_extent *ext)
{
	struct dag_grid gr = { .rows = f->rows, .cols = f->cols };
	const struct dag_layout *l = f->l;
	int src_cols = 0, sink_cols = 0, src_name = 0, sink_name = 0;

	/* The source sits on its bus after "╭─"; the sink before the sub-columns' first lead-out. */
	if (f->src != DAG_NONE)
		src_cols =
		        dag_fan_end_cols(wf, lk, l->nodes[f->src].group, f->pitch - 3, &src_name);
	if (f->sink != DAG_NONE)
		sink_cols =
		        dag_fan_end_cols(wf, lk, l->nodes[f->sink].group, f->iw + 3, &sink_name);
	gr.mask = xcalloc((size_t)gr.rows * (size_t)gr.cols, sizeof(*gr.mask));
	gr.joined = xcalloc((size_t)gr.rows * (size_t)gr.cols, sizeof(*gr.joined));
	dag_fan_lines(f, &gr, sink_cols);
	for (int y = 0; y < gr.rows; y++)
		for (int x = 0; x < gr.cols; x++) {
			int mask = dag_grid_at(&gr, y, x);

			if (mask)
				dag_put_glyph(d, y, x, &dag_glyphs[mask], STYLE_DIM);
		}
	free(gr.mask);
	free(gr.joined);
	if (f->src != DAG_NONE) {
		size_t g = l->nodes[f->src].group;

		/* Over the bus: the line shows through only where the label has no text. */
		for (int x = 2; x < 2 + src_cols; x++)
			dag_put(d, 0, x, ' ', STYLE_NORMAL);
		dag_draw_line(rc, d, wf, g, lk, 0, 2, src_name, src_cols);
		dag_fan_selected(lk, g, (struct dag_rect){ 0, 2, 1, src_cols }, ext);
	}
	if (f->sink != DAG_NONE) {
		size_t g = l->nodes[f->sink].group;

		dag_draw_line(rc, d, wf, g, lk, f->rows - 1, 0, sink_name, sink_cols);
		dag_fan_selected(lk, g, (struct dag_rect){ f->rows - 1, 0, 1, sink_cols }, ext);
	}
	for (size_t i = 0; i < f->n; i++) {
		size_t g = l->nodes[f->items[i]].group;
		int y, x, cnt = dag_fan_count_width(wf, lk, g);

		dag_fan_at(f, i, &y, &x);
		dag_draw_line(rc, d, wf, g, lk, y, x + 2, f->iw - 1 - cnt, f->iw + 2);
		dag_fan_selected(lk, g, (struct dag_rect){ y, x + 2, 1, f->iw + 2 }, ext);
	}
}

/* The most columns a name's line may take: more as the area widens, so names are cut less. */
static int
dag_name_limit(int cols)
{
	int w = (cols - 2 * (DAG_GAP_BASE + 1)) / 3 - DAG_BOX_PAD;

	return w < DAG_W_MAX ? DAG_W_MAX : w > DAG_W_WIDE ? DAG_W_WIDE : w;
}

void
dag_render(const struct render_ctx *rc, const struct osmo_workflow *wf, const struct dag_layout *l,
           const struct dag_marks *marks, int selected_group, int pan_row, int pan_col,
           struct canvas *c, struct dag_rect area, struct dag_extent *ext)
{
	struct dag_extent unused;
	struct dag_draw d = { c, area, 0, 0, rc->ascii };
	struct dag_look lk = { marks, NULL, selected_group };
	int *shared;
	struct dag_part *parts;
	size_t n_parts;
	int rows, cols, limit = dag_name_limit(area.cols);
	bool compact = false;
	struct dag_fan fan;

	if (!ext)
		ext = &unused;
	memset(ext, 0, sizeof(*ext));
	if (area.rows <= 0 || area.cols <= 0)
		return;
	for (int r = 0; r < area.rows; r++)
		canvas_fill(c, area.row + r, area.col, area.cols, ' ', STYLE_NORMAL);
	if (wf->n_groups == 0) {
		ext->rows = 1;
		ext->cols = dag_text(&d, 0, 0, area.cols, STYLE_DIM, "No groups yet.");
		return;
	}
	d.pan_row = pan_row;
	if (!l || l->n_groups != wf->n_groups || l->cycle) {
		ext->tree = true;
		dag_render_tree(rc, wf, !l || l->cycle, selected_group, &d, ext);
		return;
	}
	lk.shared = shared = dag_shared_prefixes(wf);
	parts = dag_parts_split(l, &n_parts);
	dag_parts_pack(wf, parts, n_parts, &lk, false, limit, area.cols, &rows, &cols);
	/* Boxes taller than the area: one line per group, when that is shorter. */
	if (rows > area.rows) {
		int box_rows = rows, box_cols = cols;

		dag_parts_unpack(parts, n_parts);
		dag_parts_pack(wf, parts, n_parts, &lk, true, limit, area.cols, &rows, &cols);
		compact = rows < box_rows;
		if (!compact) {
			dag_parts_unpack(parts, n_parts);
			dag_parts_pack(wf, parts, n_parts, &lk, false, limit, area.cols, &rows,
			               &cols);
			rows = box_rows;
			cols = box_cols;
		}
	}
	/* Too wide: names give way, but only so far, before the drawing pans or is a tree. */
	while (cols > area.cols && limit > DAG_W_CUT) {
		limit = limit - 2 < DAG_W_CUT ? DAG_W_CUT : limit - 2;
		dag_parts_unpack(parts, n_parts);
		dag_parts_pack(wf, parts, n_parts, &lk, compact, limit, area.cols, &rows, &cols);
	}
	/* One layer too long for the rows: it wraps into sub-columns, when buses draw it true. */
	if (rows > area.rows && n_parts == 1 && dag_fan_find(&parts[0].l, &fan)) {
		if (dag_fan_fit(wf, &lk, &fan, limit, area)) {
			ext->rows = fan.rows;
			ext->cols = fan.cols;
			ext->compact = ext->wrapped = true;
			ext->pan_row = d.pan_row = dag_clamp(pan_row, fan.rows - area.rows);
			ext->pan_col = d.pan_col = dag_clamp(pan_col, fan.cols - area.cols);
			dag_draw_fan(rc, wf, &fan, &lk, &d, ext);
			dag_fan_free(&fan);
			dag_parts_unpack(parts, n_parts);
			dag_parts_free(parts, n_parts);
			free(shared);
			return;
		}
		dag_fan_free(&fan);
	}
	/* Panning sideways needs room for two layers, up and down for a box. */
	if ((cols > area.cols && area.cols < DAG_MIN_COLS) ||
	    (rows > area.rows && area.rows < (compact ? 2 : DAG_MIN_ROWS))) {
		dag_parts_unpack(parts, n_parts);
		dag_parts_free(parts, n_parts);
		free(shared);
		ext->tree = true;
		dag_render_tree(rc, wf, false, selected_group, &d, ext);
		return;
	}
	ext->rows = rows;
	ext->cols = cols;
	ext->compact = compact;
	ext->pan_row = d.pan_row = dag_clamp(pan_row, rows - area.rows);
	ext->pan_col = d.pan_col = dag_clamp(pan_col, cols - area.cols);
	for (size_t p = 0; p < n_parts; p++)
		dag_draw_part(rc, wf, &parts[p], &lk, &d, ext);
	dag_parts_unpack(parts, n_parts);
	dag_parts_free(parts, n_parts);
	free(shared);
}
