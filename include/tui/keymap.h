/* keymap.h: every action of the monitor, and which keys run it in which view (help is made from it). */
#ifndef OSMO_TUI_KEYMAP_H
#define OSMO_TUI_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>

/* id, what the help says */
#define KEYMAP_ACTIONS(_)                                                             \
	_(QUIT, "quit osmotop (asks first while forwards or a shell run)")            \
	_(CLOSE, "close this view; in the top view, quit")                            \
	_(BACK, "back to the previous view; in the list, clear the filter")           \
	_(SUSPEND, "suspend osmotop (fg resumes it)")                                 \
	_(UP, "move up")                                                              \
	_(DOWN, "move down")                                                          \
	_(PAGE_UP, "page up")                                                         \
	_(PAGE_DOWN, "page down")                                                     \
	_(HALF_UP, "half a page up")                                                  \
	_(HALF_DOWN, "half a page down")                                              \
	_(TOP, "go to the top")                                                       \
	_(BOTTOM, "go to the bottom (logs: follow again)")                            \
	_(LEFT, "scroll left")                                                        \
	_(RIGHT, "scroll right")                                                      \
	_(OPEN, "open: a workflow, a task's logs")                                    \
	_(GRAPH, "workflow: the DAG of groups / the task table")                      \
	_(TIMELINE, "workflow: groups on a time axis; again: with tasks")             \
	_(LOGS, "the workflow's logs (all tasks)")                                    \
	_(ERROR_LOGS, "the selected task's error logs")                               \
	_(EVENTS, "events of the selected task, else of the workflow")                \
	_(REFRESH, "refresh now")                                                     \
	_(CANCEL, "cancel the workflow (asks first)")                                 \
	_(RESUBMIT, "resubmit the workflow's spec as a new workflow (asks first)")    \
	_(RESTART, "restart a failed workflow's failed groups (asks first)")          \
	_(ALL_USERS, "list: your workflows / everyone's")                             \
	_(SORT_NAME, "list: sort by name (again: reverse)")                           \
	_(SORT_STATUS, "list: sort by status (again: reverse)")                       \
	_(SORT_AGE, "list: sort by submit time (again: reverse)")                     \
	_(SORT_DURATION, "list: sort by duration (again: reverse)")                   \
	_(SORT_USER, "list: sort by user (again: reverse)")                           \
	_(SORT_POOL, "list: sort by pool (again: reverse)")                           \
	_(SHOW_ALL, "list: every status")                                             \
	_(SHOW_RUNNING, "list: only running workflows")                               \
	_(SHOW_WAITING, "list: only pending and waiting workflows")                   \
	_(SHOW_FAILED, "list: only failed workflows (every FAILED_*)")                \
	_(SHOW_COMPLETED, "list: only completed workflows")                           \
	_(COPY_URL, "copy the workflow's overview URL (OSC 52)")                      \
	_(FOLLOW, "logs: follow on/off")                                              \
	_(WRAP, "logs: wrap long lines")                                              \
	_(TIMESTAMPS, "logs: show/hide timestamps")                                   \
	_(SEARCH, "filter or search: list and workflow terms, logs and help text")    \
	_(NEXT, "next match")                                                         \
	_(PREV, "previous match")                                                     \
	_(FILTER, "logs: only matching lines")                                        \
	_(ERROR_NEXT, "logs: next error-looking line (else the first)")               \
	_(ERROR_PREV, "logs: previous error-looking line (else the last)")            \
	_(TASKS, "workflow logs: only some tasks (the current line's first)")         \
	_(ALL_TASKS, "workflow logs: every task's lines again")                       \
	_(SAVE, "logs: save the lines shown, or the whole stream, to a file")         \
	_(PAGER, "logs: the lines shown in $PAGER (else less)")                       \
	_(SHELL, "a shell in the selected task (bash, else sh; exit comes back)")     \
	_(GROUP_EXEC, "run a command on every running task of the group")             \
	_(FORWARD, "port-forward from the selected task (ports, ranges, UDP)")        \
	_(FORWARDS, "the port-forwards: state, connections, bytes, reconnects")       \
	_(STOP_FORWARD, "port-forwards: stop the selected one")                       \
	_(STOP_FORWARDS, "port-forwards: stop them all")                              \
	_(ROOT, "workflow: to the root cause of its failure")                         \
	_(TRIAGE, "workflow: why it failed and what to do (the triage card)")         \
	_(DETAIL, "workflow: the selected task's details: times, node, pod, links")   \
	_(SPEC, "the submitted spec; in it, the diff against its parent's")           \
	_(NOTIFICATIONS, "what changed and was told: failures, completions, retries") \
	_(HELP, "this help")

enum keymap_action {
	KEYMAP_NONE = -1,
#define KEYMAP_ENUM(id, help) KEYMAP_##id,
	KEYMAP_ACTIONS(KEYMAP_ENUM)
#undef KEYMAP_ENUM
	        KEYMAP_COUNT
};

/* Views as bits, so one binding can serve several. */
enum keymap_view {
	KEYMAP_IN_LIST = 1,
	KEYMAP_IN_WORKFLOW = 2,
	KEYMAP_IN_LOGS = 4,
	KEYMAP_IN_HELP = 8,
	KEYMAP_IN_FORWARDS = 16,
	KEYMAP_IN_DETAIL = 32,
	KEYMAP_IN_NOTIFY = 64,
	KEYMAP_IN_ALL = 127,
};

struct keymap_binding {
	int key;       /* a character or a SCREEN_KEY_* */
	char name[12]; /* as help and the hint bar show it: "C", "Ctrl-d", "PgUp" */
	unsigned views;
	enum keymap_action action;
};

/* The bindings in force: the defaults, or a copy the configuration changed. */
struct keymap {
	const struct keymap_binding *v;
	size_t n;
	struct keymap_binding *own; /* v when changed, else NULL */
};

/* The defaults. */
void keymap_init(struct keymap *k);
void keymap_free(struct keymap *k);
/*
 * Gives action a exactly these n keys (none: unbound) in every view its default keys served;
 * -1 (nothing changed) for a key that is not a SCREEN_KEY_* or a printable character.
 */
int keymap_rebind(struct keymap *k, enum keymap_action a, const int *keys, size_t n);
/*
 * The first key that means two actions in one view, or SCREEN_KEY_NONE; *one and *two say
 * which (*one the later binding). Quit keeps a key: a keymap without one reports quit twice.
 */
int keymap_conflict(const struct keymap *k, enum keymap_action *one, enum keymap_action *two);

/* The action key runs in view, or KEYMAP_NONE. */
enum keymap_action keymap_lookup(const struct keymap *k, enum keymap_view view, int key);
const char *keymap_help(enum keymap_action a);
/* The hint bar's word for an action ("" when it has none). */
const char *keymap_short(enum keymap_action a);
/* The name of the first key that runs a in view ("Enter", "C"), or NULL. */
const char *keymap_key_name(const struct keymap *k, enum keymap_view view, enum keymap_action a);
const struct keymap_binding *keymap_bindings(const struct keymap *k, size_t *n);

/* An action by the configuration's name for it ("cancel", "error_logs"), or KEYMAP_NONE. */
enum keymap_action keymap_action_named(const char *name);
/* Room for an action's name with its NUL. */
#define KEYMAP_NAME_MAX 16
/* The configuration's name of an action, lower case, into buf. */
void keymap_action_name(enum keymap_action a, char buf[KEYMAP_NAME_MAX]);
/* A key from its name ("x", "Ctrl-x", "Enter", "F5", "é"), or SCREEN_KEY_NONE. */
int keymap_key_parse(const char *name);
/*
 * text with each "(KEY)" that names a default key of view ("(e)", "(r)") naming the key that
 * runs the same action in k now (NULL: the defaults); " (KEY)" goes when the action has none.
 * Caller frees.
 */
char *keymap_mention(const struct keymap *k, enum keymap_view view, const char *text);
/* Writes key's name (as keymap_key_parse reads it) to buf; false for a key with none. */
bool keymap_key_format(int key, char *buf, size_t size);

#endif
