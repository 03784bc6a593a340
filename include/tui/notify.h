/*
 * notify.h: telling the user of changes worth it while they look elsewhere: the terminal's bell
 * and desktop notification, the configuration's on_event command, and a log of what was told.
 */
#ifndef OSMO_TUI_NOTIFY_H
#define OSMO_TUI_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "client/changes.h"
#include "common/util.h"

/* The desktop notification's escape sequence: OSC 9 (iTerm2, WezTerm, kitty, Windows Terminal,
 * Ghostty) or OSC 777 (VTE terminals, urxvt, foot). */
enum notify_desktop {
	NOTIFY_DESKTOP_OFF,
	NOTIFY_DESKTOP_OSC9,
	NOTIFY_DESKTOP_OSC777,
	NOTIFY_DESKTOP_BOTH,
	NOTIFY_DESKTOP_COUNT
};

/* config.yaml's notify section. */
struct notify_settings {
	bool enabled;                /* the off switch of all of it */
	bool bell;                   /* BEL: tmux and screen make it a window alert */
	enum notify_desktop desktop; /* the desktop notification's sequence */
	bool mine;                   /* every workflow of the list, not only the one open */
	struct strv on_event;        /* a command and its arguments, run per event; none: empty */
};

/* The settings without a configuration file: told, with the bell and OSC 9. */
#define NOTIFY_SETTINGS_DEFAULT \
	((struct notify_settings){ .enabled = true, .bell = true, .desktop = NOTIFY_DESKTOP_OSC9 })

/* What the terminal is to be told now: the app hands it to the screen. */
struct notify_alert {
	bool bell;
	char *title; /* "osmotop: wf-1 FAILED"; NULL: no desktop notification */
	char *body;
};

/* One line of the log view. */
struct notify_entry {
	int64_t at_ms; /* wall clock */
	enum changes_worth worth;
	char *text; /* safe for the terminal */
};

#define NOTIFY_LOG 200 /* entries kept; the oldest go */

struct notify {
	const struct notify_settings *set;
	struct notify_entry log[NOTIFY_LOG]; /* ring: log[(start + i) % NOTIFY_LOG], i < count */
	size_t start, count;
	unsigned unread;         /* entries since the log view was last shown */
	int64_t window_ms;       /* the rate limit's minute began then (monotonic) */
	unsigned alerts, spawns; /* alerts and on_event commands in that minute */
	unsigned held;           /* alerts the limit held back, said with the next one */
	struct strv told;        /* "WORKFLOW\tSTATUS": a workflow's last status told of */
	pid_t *children;         /* on_event commands not reaped yet */
	size_t n_children;
};

void notify_init(struct notify *n, const struct notify_settings *set);
void notify_free(struct notify *n);
/*
 * Logs the events of c worth telling, runs on_event for each (service: the base URL, put in
 * its environment), and fills *alert (zeroed first) for the terminal unless the rate limit or
 * the settings hold it back. now_ms is monotonic, wall_ms the clock the log shows.
 */
void notify_changes(struct notify *n, const struct changes *c, const char *service, int64_t now_ms,
                    int64_t wall_ms, struct notify_alert *alert);
void notify_alert_free(struct notify_alert *alert);
/* Entry i of the log, newest first (i < n->count). */
const struct notify_entry *notify_entry(const struct notify *n, size_t i);
/* The settings' words for desktop, by enum notify_desktop. */
extern const char *const notify_desktop_names[NOTIFY_DESKTOP_COUNT];

#endif
