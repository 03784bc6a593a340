/* dag.h: a workflow's groups as a layered graph in a canvas, or a tree when that can't fit. */
#ifndef OSMO_TUI_DAG_H
#define OSMO_TUI_DAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/canvas.h"
#include "client/model.h"
#include "tui/view.h"

#define DAG_NONE ((size_t)-1)

/* A slot in a layer: a group, or a waypoint of an edge that spans more than one layer. */
struct dag_node {
	size_t group;  /* index into wf->groups; a waypoint's is its edge's upstream group */
	size_t target; /* a waypoint's downstream group; DAG_NONE for a group */
	int layer;     /* longest path from a root; roots are 0 */
	int pos;       /* order within the layer, 0 first */
};

struct dag_seg { /* an edge piece from a node in layer k to one in layer k + 1 */
	size_t from, to;
};

/* Layers: longest path from a root; order in a layer cuts crossings (barycentre, a few sweeps). */
struct dag_layout {
	size_t n_groups;        /* nodes[g] is group g for g < n_groups */
	struct dag_node *nodes; /* then the waypoints */
	size_t n_nodes;
	struct dag_seg *segs; /* by the layer they leave */
	size_t n_segs;
	size_t *order;       /* node indices by layer, then position */
	size_t *layer_start; /* n_layers + 1 offsets into order */
	int n_layers;
	bool cycle; /* edges loop: those going back in view_group_order() were left out */
};

/* Returns 0, or 1 when the groups form a cycle (flagged; the layout still covers every group). */
int dag_layout(const struct osmo_workflow *wf, struct dag_layout *out);
void dag_layout_free(struct dag_layout *l);

struct dag_rect {
	int row, col, rows, cols;
};

/* What the picture marks beyond the groups' own state; a NULL member marks none. */
struct dag_marks {
	const bool *reused;   /* per group: taken from an earlier run, not rerun */
	const bool *critical; /* per group: on the chain that decides when the run ends */
};

/*
 * A restart's groups and, after them, those it reused from its ancestors (nearest first): the
 * groups of theirs it does not have, by name, with their edges. Borrows wf's and anc's strings
 * and tasks: free with dag_whole_free before them.
 */
struct dag_whole {
	struct osmo_workflow wf;
	bool *reused; /* per group of wf */
	size_t n_reused;
};

void dag_whole_make(const struct osmo_workflow *wf, const struct osmo_workflow *anc, size_t n_anc,
                    struct dag_whole *out);
void dag_whole_free(struct dag_whole *w);

/*
 * The critical path: from the group that ends last (a running one ends now_ms) back through the
 * upstream group that ended last before it, to a root. on[] gets it per group; returns how many
 * groups it has (0 when no group has started).
 */
int dag_critical_path(const struct osmo_workflow *wf, int64_t now_ms, bool *on);

struct dag_extent {
	int rows, cols;           /* the whole drawing, for the caller's panning */
	int pan_row, pan_col;     /* the pan used: the one asked for, kept inside the drawing */
	struct dag_rect selected; /* the selected group in drawing coordinates; rows 0 if none */
	bool tree;                /* drawn as the indented tree */
	bool compact;             /* groups as one line each, not boxes */
	bool wrapped;             /* a layer too long for the rows wrapped into sub-columns */
};

/*
 * Draws the groups as boxes in layers left to right with edges between them into area of c,
 * panned by (pan_row, pan_col) when the drawing is larger; selected_group (-1: none) is
 * highlighted. Unconnected parts sit side by side, wrapping at the area's width; when boxes
 * are taller than the area, groups are one line each. A fan (one group, a layer, one group)
 * still taller wraps its layer into sub-columns, a bus along the top and bottom. A cycle, a layout that does not match
 * wf, or an area too small for two layers side by side gives an indented tree (upstream →
 * downstream) instead, which fits any width. marks may be NULL. ext (may be NULL) gets the
 * drawing's size and where the selected group is.
 */
void dag_render(const struct render_ctx *rc, const struct osmo_workflow *wf,
                const struct dag_layout *l, const struct dag_marks *marks, int selected_group,
                int pan_row, int pan_col, struct canvas *c, struct dag_rect area,
                struct dag_extent *ext);

/*
 * name in maxw columns, cut in the middle so both ends show: the cut takes from the part it
 * shares with another group's name (shared: its columns from the start), so what tells them
 * apart survives (train-model-0-group → train-…0-group). Caller frees.
 */
char *dag_elide(const char *name, int maxw, int shared);
/* Per name: the columns it shares from the start with another of the n (for dag_elide). */
int *dag_name_shares(const char *const *names, size_t n);

#endif
