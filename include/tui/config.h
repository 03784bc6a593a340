/*
 * config.h: osmotop's configuration file: refresh cadences, the list's defaults, log memory,
 * osmo-local's settings, the theme and the keys.
 */
#ifndef OSMO_TUI_CONFIG_H
#define OSMO_TUI_CONFIG_H

#include <stdbool.h>

#include "client/sync.h"
#include "common/util.h"
#include "tui/filter.h"
#include "tui/keymap.h"
#include "tui/notify.h"
#include "tui/theme.h"

/* The number the task table draws as a sparkline, unless logs.metric says otherwise. */
#define CONFIG_METRIC "loss[\"']?[=: ]+([-+]?[0-9.]+([eE][-+]?[0-9]+)?)"
/* Lines a log view keeps unless logs.ring says otherwise. */
#define CONFIG_LOG_RING 20000
/* Room for the settings' source lines; config.c checks its table fits. */
#define CONFIG_MAX_KEYS 24
/* Keys one action may have in keys. */
#define CONFIG_MAX_BINDINGS 8

/* Every setting, and the line of the file that set it. */
struct config {
	struct sync_policy policy; /* refresh.*: the cadences, in ms */
	enum filter_sort sort;     /* list.sort; FILTER_SORT_SERVER: the service's order */
	bool all_users;            /* list.all_users */
	long log_ring;             /* logs.ring: lines kept per log view */
	char *metric;              /* logs.metric: an extended regex, its group 1 the number */
	struct strv errors;        /* logs.errors: more error-looking patterns than the table's */
	struct {
		long slots, phase_ms; /* local.*: osmo-local's --slots, --phase-ms, --pool */
		char *pool;
	} local;
	struct notify_settings notify; /* notify.*: what to tell of changes, and how */
	struct theme theme;            /* theme.ROLE: each style role's look */
	struct keymap keys;            /* keys.ACTION: the bindings, over the defaults */
	char *path;                    /* the file read, or NULL when there was none */
	/* By config.c's table of keys: the file's line that set it (1-based), 0 for the default. */
	unsigned lines[CONFIG_MAX_KEYS];
	unsigned theme_lines[STYLE_COUNT], key_lines[KEYMAP_COUNT]; /* the same, per role/action */
};

/*
 * $OSMOTOP_CONFIG, else $XDG_CONFIG_HOME/osmotop/config.yaml (when absolute, as XDG says),
 * else ~/.config/osmotop/config.yaml; NULL when none can be derived. The caller frees it.
 */
char *config_default_path(void);

/* The defaults, with no file. */
void config_init(struct config *c);
/*
 * Reads path over the defaults: 0 when it was read or does not exist, -1 with *err (caller
 * frees) as "PATH:LINE:COL: what is wrong" for a file that cannot be used.
 */
int config_load(struct config *c, const char *path, char **err);
void config_free(struct config *c);
/* The effective configuration as YAML, each value commented with where it came from. */
char *config_dump(const struct config *c);
/* Appends the osmo-local options the file set ("--slots", "8", ...) to args. */
void config_local_args(const struct config *c, struct strv *args);

#endif
