/* view_ops.h: the monitor's views and dialogs as ops tables, their state, and what app.c lends them. */
#ifndef OSMO_TUI_VIEW_OPS_H
#define OSMO_TUI_VIEW_OPS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/api.h"
#include "client/log_progress.h"
#include "client/log_tail.h"
#include "client/model.h"
#include "client/sync.h"
#include "client/triage.h"
#include "common/util.h"
#include "tui/app.h"
#include "tui/canvas.h"
#include "tui/dag.h"
#include "tui/filter.h"
#include "tui/keymap.h"
#include "client/changes.h"
#include "tui/marks.h"
#include "tui/notify.h"
#include "tui/tally.h"
#include "tui/triage_card.h"
#include "tui/triage_fetch.h"
#include "tui/view.h"
#include "tui/view_logs.h"

#define APP_LIST_PAGE 200  /* rows asked for at first and added per page */
#define APP_LIST_MAX  1000 /* the service refuses larger pages */

struct app;
struct exec_group;
struct forward_mgr;
struct screen;
struct shell;

/* The workflow an action is about: the list's selected row, else the open workflow. */
struct view_target {
	const char *id; /* NULL: none */
	enum osmo_status status;
	const char *pool, *priority; /* NULL: not known */
};

/* An action as a view or app.c runs it. */
struct view_act {
	void (*run)(struct app *a, enum keymap_action act);
	/* Why it cannot act now (caller frees): said in the status bar instead of running, and
	 * the hint bar leaves it out meanwhile. NULL, or NULL returned: it can. */
	char *(*why_not)(const struct app *a, enum keymap_action act);
};

/* What '/' edits in a view: the text in force (a char * at an offset in struct app), and
 * what to do with the new text (NULL when cleared). */
struct view_search {
	size_t text;
	void (*apply)(struct app *a, const char *text);
	/* As the text is typed, once typing pauses (NULL: only Enter applies); Esc then clears. */
	void (*live)(struct app *a, const char *text);
};

#define VIEW_SEARCH(name, member, apply_, live_)                                               \
	static const struct view_search name##_slash = { offsetof(struct app, member), apply_, \
		                                         live_ }

/* One view of the monitor. The keymap's bindings for .keys reach it; NULL hooks do nothing. */
struct view_ops {
	unsigned keys;  /* enum keymap_view bits */
	bool list_data; /* polls the workflow list and its status bar tells of it */
	bool overlay;   /* drawn over everything; the status bar tells of the view under it */
	/* Pushed, switched to, or (the list) what the last Esc falls back to. */
	void (*enter)(struct app *a);
	void (*leave)(struct app *a); /* popped: lets go of what it holds */
	/* The view's own actions, KEYMAP_COUNT of them; a NULL run falls back to app.c's. */
	const struct view_act *acts;
	void (*move)(struct app *a, int delta, bool absolute);
	void (*draw)(struct app *a, struct render_ctx *rc, struct canvas *body);
	void (*target)(const struct app *a, struct view_target *t); /* NULL: the open workflow */
	const struct view_search *search; /* NULL: '/' does nothing here */
	const enum keymap_action *hints;  /* the hint bar's actions, KEYMAP_NONE at the end */
};

/* What a view is besides its hooks, for VIEW_OPS. */
enum view_flags { VIEW_PLAIN = 0, VIEW_LIST_DATA = 1, VIEW_OVERLAY = 2 };

/* Defines NAME_ops in one line: keymap bits, view_flags, then the hooks (NULL: none). */
#define VIEW_OPS(name, keys_, flags, enter_, leave_, acts_, move_, draw_, target_, search_, \
                 hints_)                                                                    \
	const struct view_ops name##_ops = { .keys = (keys_),                               \
		                             .list_data = ((flags)&VIEW_LIST_DATA) != 0,    \
		                             .overlay = ((flags)&VIEW_OVERLAY) != 0,        \
		                             .enter = (enter_),                             \
		                             .leave = (leave_),                             \
		                             .acts = (acts_),                               \
		                             .move = (move_),                               \
		                             .draw = (draw_),                               \
		                             .target = (target_),                           \
		                             .search = (search_),                           \
		                             .hints = (hints_) }

/*
 * One dialog over the view. dialog.c routes Esc, Enter, focus, editing and text; the rest is
 * here. A dialog with a confirm label acts on a workflow: it opens on its "keep" button and
 * acts only on y or Enter on the confirm button, so typing ahead never confirms it.
 */
struct dialog_ops {
	const char *hint;    /* the box's last line */
	const char *confirm; /* the confirm button; NULL: Enter in the text line submits */
	bool input;          /* has a text line */
	/* Why the target does not allow it (caller frees; NULL: it does): said instead of the
	 * dialog, and the hint bar leaves the key out. */
	char *(*why_not)(const struct view_target *t);
	void (*fill)(struct app *a, const struct view_target *t);
	void (*toggle)(struct app *a); /* the dialog's switch (NULL: none) */
	void (*submit)(struct app *a); /* closes the dialog itself when done */
	void (*draw)(struct app *a, struct canvas *c);
};

/* Defines NAME_ops in one line: hint, confirm label, text line, then the hooks in order. */
#define DIALOG_OPS(name, hint, confirm, input, why_not, fill, toggle, submit, draw) \
	const struct dialog_ops name##_ops = { hint, confirm, input,  why_not,      \
		                               fill, toggle,  submit, draw }

/* Where the keys of an open dialog go. */
enum dialog_focus {
	DIALOG_FOCUS_INPUT,
	DIALOG_FOCUS_TOGGLE,
	DIALOG_FOCUS_KEEP,
	DIALOG_FOCUS_CONFIRM
};

/* The workflow a dialog was opened about, kept: the list may move under it meanwhile. */
struct dialog_target {
	char *id;
	enum osmo_status status;
	char *pool, *priority;
};

/* What one open dialog holds; only the fields its ops use mean anything. */
struct dialog {
	const struct dialog_ops *ops; /* NULL: no dialog */
	struct strbuf input;          /* the text line */
	size_t cur;                   /* the text cursor, a byte offset into input */
	enum dialog_focus focus;
	int64_t opened_ms; /* when it opened: a y sooner than a person reads it was typed ahead */
	bool typed;        /* letters came while the buttons had the keys: y is text, not yes */
	struct dialog_target tgt; /* cancel, resubmit, restart */
	char *task;               /* forward: the task; group exec: the group */
	bool force;               /* cancel: force */
	bool udp;                 /* forward: UDP instead of TCP (kept between dialogs) */
	int priority;             /* resubmit: index into dialog_priorities */
	unsigned long action_req; /* cancel, resubmit, restart: the request in flight */
	void (*apply)(struct app *a, const char *pattern); /* search: what Enter does with it */
	void (*live)(struct app *a, const char *pattern);  /* search: as it is typed, or NULL */
	unsigned long live_timer;                          /* the pause before live runs */
	bool whole;      /* save: every line held as it came, not the lines shown */
	char *confirmed; /* save: the existing file a second Enter replaces */
};

/* The workflow list: its data, terms, and the selection by workflow name. */
struct view_list {
	struct osmo_workflow_list data;
	bool have, all_users;
	struct sync_item sync;
	int limit;
	bool growing; /* a bigger page is on its way */
	struct filter filter;
	int sel, top;
	char *sel_name; /* the selected workflow, found again in each new page */
	char *sel_next; /* the row after it (before it, at the end): where it goes if it goes */
	char *terms;    /* what was typed after '/', NULL: none */
	unsigned long tasks_req;  /* GET /api/task for the failed tasks, 0: none in flight */
	bool cached;              /* data is tui/cache.c's, until the first answer */
	struct strv failed_names; /* running workflows with failed tasks... */
	int *failed_counts;       /* ...and how many, as the last answer said */
	struct tally tally;       /* each row's tasks and groups done, from its own answer */
	unsigned long tally_req;  /* GET /api/workflow/ID for a row's counts, 0: none in flight */
	int64_t tally_asked_ms;   /* when it went out (monotonic) */
	char *tally_asking;       /* the workflow it asks for */
	int64_t tally_quiet_ms;   /* after a failed one, nothing asked before this */
};

/* The open workflow: its data and rules, and the task table's selection by name. */
struct view_table {
	char *id;
	struct osmo_workflow data;
	bool have;
	struct sync_item sync;
	unsigned long req;
	struct strv strict_groups; /* the spec's ignoreNonleadStatus: false groups */
	char *spec;                /* the spec's text, for the task details (i); NULL: none */
	size_t spec_len;
	unsigned long spec_req;
	int64_t fast_until;    /* poll every second until then (after an action)... */
	bool fast_to_end;      /* ...and until it ends, else until it runs or ends */
	struct view_row *rows; /* the table's rows, made once per update */
	size_t n_rows;
	int sel, top;
	char *sel_group, *sel_task; /* the selected row, found again in each update */
	int sel_retry;
	bool graph;       /* the DAG is the way this workflow is shown */
	bool unknown;     /* the service said no such workflow: not asked again until Ctrl-r */
	char *terms;      /* what was typed after '/', NULL: every row */
	const char *made; /* "restarted" or "resubmitted" when this osmotop made it, else NULL */
	struct triage_root root; /* a failed workflow's root cause, found at each update */
	bool moved;              /* the user moved the cursor: opening on the root is done */
	/* Why it waits, asked for at each update while it is PENDING or WAITING, never else. */
	struct osmo_pool_quota pools;
	struct view_wait wait; /* wait.pool points into pools */
	unsigned long pools_req, ahead_req;
	bool cached; /* data is tui/cache.c's, until the first answer */
};

/* What the DAG view draws: the graph, or time on the x axis by group, or by group and task. */
enum view_dag_mode { VIEW_DAG_GRAPH, VIEW_DAG_GANTT, VIEW_DAG_GANTT_TASKS, VIEW_DAG_MODES };

enum { VIEW_DAG_ANCESTORS = 8 }; /* restarts of restarts followed back at most this far */

/* The DAG: one layout per update of the workflow, and where it is panned to. */
struct view_dag {
	struct dag_layout layout;
	bool have_layout;
	unsigned long layouts; /* how many were made (tests count them) */
	int pan_row, pan_col;
	enum view_dag_mode mode;
	struct dag_whole whole; /* the workflow with the groups it reused, laid out */
	/* A restart's ancestors for the groups it reused: finished, so each is asked for once. */
	struct osmo_workflow anc[VIEW_DAG_ANCESTORS]; /* parent first */
	char *anc_id[VIEW_DAG_ANCESTORS];
	size_t n_anc;
	unsigned long anc_req; /* in flight, 0: none */
	char *anc_asking;      /* the ID it asks for */
	char *anc_failed;      /* an ID that could not be had: not asked again */
};

/* What a log view shows: a stream, a finished body, or a group exec's [task] lines. */
enum view_stream_kind {
	VIEW_STREAM_LOGS,
	VIEW_STREAM_EVENTS,
	VIEW_STREAM_ERRORS,
	VIEW_STREAM_EXEC,
	VIEW_STREAM_SPEC,     /* the submitted spec, as the service keeps it */
	VIEW_STREAM_SPEC_DIFF /* the spec against its parent's (a restart, a resubmit) */
};

/* The logs view: its lines, where they come from and how that goes. */
struct view_stream {
	struct log_tail tail;
	struct view_logs lv;
	enum view_stream_kind kind;
	char *task;
	int retry;
	unsigned long req;
	bool open, ended;
	struct sync_item sync;
	char *state;
	char *grp_cmd;
	unsigned grp_done, grp_failed; /* tasks whose session ended; those that broke off */
	char *spec_new; /* SPEC_DIFF: the workflow's spec, while its parent's comes */
	char *query;    /* the '&' filter as the service's query regex, while it filters there */
	struct log_tail full; /* meanwhile: the unfiltered lines, back when the filter goes */
	bool full_ended;      /* ...and whether they had come whole */
};

struct view_ports {
	int sel, top;
	char *search; /* '/' text: n and N find the next forward whose task or port holds it */
};

/*
 * The open workflow's log followed in the background while it runs and its view is open: only
 * for its tasks' progress, ETA, metric and silences (no lines kept but the reconnect's).
 */
struct follow {
	char *wf; /* the workflow followed; NULL: none */
	struct log_tail tail;
	struct log_progress *progress;
	struct sync_item sync;
	unsigned long req;
	struct strv stalled;       /* tasks whose silence was told, until they log again */
	int64_t checked_ms;        /* when the running tasks were last looked at for one */
	struct view_headline head; /* the list row's, as counted at head_ms (monotonic) */
	int64_t head_ms;
};

/* The notifications view: its selection in the log, newest first. */
struct view_notify {
	int sel, top;
};

/* A page taller than the screen, drawn whole off screen and shown from top (T, i). */
struct view_page {
	int top;   /* its first row shown */
	int rows;  /* its rows at the last frame */
	int shown; /* how many of them the last frame showed */
};

/* The triage card's fetched lines: the root task's error log (or log) and warning events. */
struct view_triage_part {
	struct strbuf body; /* first: triage_fetch_data fills it */
	struct app *a;
	bool events;       /* the events' request, else the log's */
	unsigned long req; /* in flight, 0 when none */
};

struct view_triage {
	struct view_triage_part part[2]; /* the log, the events */
	struct triage_lines lines;
	char *for_task; /* "workflow/task/retry" the lines are of: another root, new lines */
	struct view_page page;
};

struct view_help {
	int top;
	char *search; /* '/' text: only lines holding it; NULL: all */
};

/* Where the app's network source put each part's descriptors in its slice of the round. */
struct app_net {
	int shell, grp, fwd, end;
};

struct app {
	struct session *s;
	const struct app_opts *o;
	struct screen *scr;
	struct canvas canvas;
	bool dirty, quit;
	const struct view_ops *view;
	const struct view_ops *back[8];
	int depth;

	struct view_list list;
	struct view_table wf;
	struct view_dag dag;
	struct view_stream log;
	struct view_ports ports;
	struct view_help help;
	struct view_triage triage;
	struct view_page detail; /* the task's details (i) */
	struct dialog dlg;

	char *msg;
	bool msg_error;
	int64_t msg_until;
	char *err; /* the last failure of the view's data */
	int signal_fd;
	int64_t drawn_second; /* the wall-clock second the frame shows ages for */
	struct app_net net;

	struct forward_mgr *fwd; /* made at the first forward; its forwards outlive every view */
	struct shell *shell;     /* while set the terminal belongs to a task's shell */
	struct log_save_pager *pager; /* while set the terminal belongs to $PAGER */
	struct exec_group *grp;       /* the group exec a VIEW_STREAM_EXEC view shows */
	struct keymap keys;           /* the default keys, for an app with no configuration */
	struct notify notify;         /* what was told of changes, and the on_event commands */
	struct view_notify notes;
	struct notify_settings notify_plain; /* the defaults, for an app with no configuration */
	struct marks marks;   /* what changed lately: "WF", "WF/GROUP", "WF/GROUP/TASK" */
	struct follow follow; /* the open running workflow's log, for its tasks' progress */
};

extern const struct view_ops view_list_ops, view_table_ops, view_dag_ops, view_stream_ops,
        view_ports_ops, view_help_ops, view_triage_ops, view_detail_ops, view_notify_ops;
extern const struct dialog_ops dialog_cancel_ops, dialog_resubmit_ops, dialog_restart_ops,
        dialog_quit_ops, dialog_search_ops, dialog_forward_ops, dialog_group_exec_ops,
        dialog_tasks_ops, dialog_save_ops;

/* app.c: what every view and dialog may use. */
void app_vset(char **slot, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void app_say(struct app *a, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void app_set_err(struct app *a, const struct api_error *err);
void app_sync_failed(struct app *a, struct sync_item *it, const struct api_error *err, int64_t now);
/* The refresh cadences and the lines a log view keeps: the configuration's. */
const struct sync_policy *app_policy(const struct app *a);
long app_log_ring(const struct app *a);
/* The regex whose number the task table draws as a sparkline (logs.metric). */
const char *app_metric(const struct app *a);
/* The error-looking patterns the configuration adds to the table's (logs.errors), or NULL. */
const struct strv *app_log_errors(const struct app *a);
/* The keys in force: the configuration's bindings over the defaults. */
const struct keymap *app_keymap(const struct app *a);
/*
 * New data changed what c says: the rows are marked, and when tell (the open workflow, or
 * notify.mine) what is worth it is told: logged, the terminal alerted, on_event run.
 */
void app_changes(struct app *a, const struct changes *c, bool tell);

int64_t app_now(const struct app *a);
void app_push(struct app *a, const struct view_ops *v);
void app_pop(struct app *a);
bool app_at_top(const struct app *a);
/* The view the status bar speaks of: an overlay's is the one under it. */
const struct view_ops *app_shown(const struct app *a);
/* What act does in the top view: its own, else the shared one (acts.c). */
const struct view_act *app_act(const struct app *a, enum keymap_action act);
/* Whether act can act in the top view now (its why_not has nothing to say). */
bool app_can(const struct app *a, enum keymap_action act);

/* acts.c: what an action does when the view has nothing of its own for it. */
extern const struct view_act acts_shared[KEYMAP_COUNT];

/* bars.c: the status bar on the last row, and the hint bar of the view's main keys on row. */
void bars_status(struct app *a, int64_t now);
void bars_hints(struct app *a, int row);
/* Puts v in the top view's place: another way of showing the same thing. */
void app_switch(struct app *a, const struct view_ops *v);
void app_target(const struct app *a, struct view_target *t);
void app_move(int *sel, int n, int delta, bool absolute);
void app_keep_visible(int sel, int n, int *top, int rows);
/* Shows rows rows of the page drawn whole in tall, from its top, in body's first shown rows. */
void app_page_show(struct view_page *p, const struct canvas *tall, int rows, struct canvas *body,
                   int shown);
/* Moves the page as a pager does; its last screenful is as far as it goes. */
void app_page_move(struct view_page *p, int delta, bool absolute);

/* follow.c */
bool follow_wanted(struct app *a);
/* The followed workflow's headline for its list row; false when its log says nothing. */
bool follow_headline(struct app *a, struct view_headline *h);
void follow_connect(struct app *a);
/* The progress of the open workflow's tasks; NULL when none is known. */
const struct log_progress *follow_progress(const struct app *a);
/* Whether its log is being followed now: only then does a silence mean something. */
bool follow_live(const struct app *a);
/* Tells of running tasks that went silent (every FOLLOW_CHECK_MS at most; the app's tick). */
void follow_check(struct app *a);
void follow_free(struct app *a);

/* view_list.c */
void view_list_poll(struct app *a);
/* Asks for the next row on screen whose tasks are not counted or are due (one at a time). */
void view_list_tally(struct app *a);
/* How often the list refreshes while it has live rows. */
int64_t view_list_pace(const struct app *a);
/* The list's cursor onto the workflow called name: now when its row is there, else once an
 * answer brings it. */
void view_list_select(struct app *a, const char *name);
/* With app_opts.cache: the list as last seen under these terms, drawn until the answer. */
void view_list_load_cached(struct app *a);
void view_list_changed(struct app *a);
void view_list_free(struct view_list *l);
/* New data or order: the selection moves to its workflow's row; false when it left. */
bool view_list_resolve(struct view_list *l);

/* view_table.c */
void view_table_open(struct app *a, const char *id);
void view_table_poll(struct app *a);
void view_table_free(struct view_table *t);
/* New data: the rows are made, the selection moves to its row (if still there), remembered. */
void view_table_resolve(struct view_table *t);
void view_table_target(const struct app *a, struct view_target *t);
/* Puts the cursor on the root cause's row (clearing a '/' filter that hides it); false when
 * the workflow has none. */
bool view_table_to_root(struct app *a);
/* After an action on id: poll it every second until it runs (or, to_end, until it ends). */
void view_table_follow(struct app *a, const char *id, bool to_end);
/* T and !: why they cannot act on the open workflow (nothing failed, not loaded); NULL: they
 * can. */
char *view_table_why_no_failure(const struct app *a, enum keymap_action act);
void view_table_move(struct app *a, int delta, bool absolute);
/* The selected row's group (NULL when none) and, on a task row, the task. */
const struct osmo_group *view_table_selected(const struct app *a, const struct osmo_task **task);
/* Draws the header and table; returns the table's rows, or -1 while loading. */
int view_table_draw_table(struct app *a, struct render_ctx *rc, struct canvas *body);
void view_table_draw_detail(struct app *a, struct canvas *body);
extern const struct view_act view_table_acts[KEYMAP_COUNT];
extern const struct view_search view_table_slash;
extern const enum keymap_action view_table_hints[];

/* view_triage.c */
void view_triage_free(struct app *a);

/* view_dag.c */
void view_dag_invalidate(struct app *a);
/* The open workflow changed: ask for the ancestors a restart reused groups from. */
void view_dag_want_ancestors(struct app *a);
void view_dag_free(struct app *a);
void view_dag_act_timeline(struct app *a, enum keymap_action act);

/* view_stream.c */
void view_stream_open(struct app *a, enum view_stream_kind kind, const char *task, int retry);
void view_stream_open_exec(struct app *a, const char *group, const char *command);
void view_stream_connect(struct app *a);
/* Only these tasks' lines in the log view (NULL or none: every task's), and says so. */
void view_stream_show_tasks(struct app *a, const struct strv *tasks);
bool view_stream_wanted(const struct app *a);
void view_stream_close(struct app *a);
/* The workflow's data changed: a log whose source ended says so. */
void view_stream_workflow_changed(struct app *a);

/* dialog.c */
void dialog_open(struct app *a, const struct dialog_ops *d);
void dialog_key(struct app *a, int key);
void dialog_draw(struct app *a);
void dialog_free(struct dialog *d);
/* Opens the '/' line holding text (NULL: empty); Enter gives apply its text (NULL when empty). */
void dialog_open_search(struct app *a, const char *text, const struct view_search *vs);
/* A dialog about a task or group of the open workflow, while the workflow runs something. */
void dialog_open_task(struct app *a, const struct dialog_ops *d, const char *name,
                      const char *what);
/* Cancel, resubmit, restart: asks about the target when the action makes sense for it. */
void dialog_open_action(struct app *a, const struct dialog_ops *d);

#endif
