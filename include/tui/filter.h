/* filter.h: the workflow list's filter (status presets, typed key:value terms) and sort order. */
#ifndef OSMO_TUI_FILTER_H
#define OSMO_TUI_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "client/api.h"
#include "client/model.h"

/* id, what a preset shows, the phase it selects (PHASE_UNKNOWN: every status) */
#define FILTER_PRESETS(_)                    \
	_(ALL, "all", PHASE_UNKNOWN)         \
	_(RUNNING, "running", PHASE_RUNNING) \
	_(WAITING, "waiting", PHASE_QUEUED)  \
	_(FAILED, "failed", PHASE_FAILED)    \
	_(COMPLETED, "completed", PHASE_DONE)

enum filter_preset {
#define FILTER_PRESET_ENUM(id, name, phase) FILTER_##id,
	FILTER_PRESETS(FILTER_PRESET_ENUM)
#undef FILTER_PRESET_ENUM
	        FILTER_PRESET_COUNT
};

/* id, the column it sorts by, whether it starts descending */
#define FILTER_SORTS(_)                    \
	_(SERVER, "submitted (server)", 0) \
	_(NAME, "name", 0)                 \
	_(STATUS, "status", 0)             \
	_(AGE, "submitted", 1)             \
	_(DURATION, "duration", 1)         \
	_(USER, "user", 0)                 \
	_(POOL, "pool", 0)

enum filter_sort {
#define FILTER_SORT_ENUM(id, name, desc) FILTER_SORT_##id,
	FILTER_SORTS(FILTER_SORT_ENUM)
#undef FILTER_SORT_ENUM
	        FILTER_SORT_COUNT
};

struct filter {
	struct strv statuses, pools, users; /* sent to the server */
	char *name;                         /* substring, sent to the server */
	enum filter_preset preset;
	enum filter_sort sort; /* applied to the fetched rows */
	bool descending;
};

void filter_free(struct filter *f);
/*
 * Reads the `/` prompt: `status:FAILED,running` (a prefix of a status or a preset name),
 * `pool:NAME`, `user:NAME`, anything else is the name substring. Replaces the typed terms;
 * -1 with *err set (caller frees) when a term names no status.
 */
int filter_parse(struct filter *f, const char *text, char **err);
/* A preset replaces the status terms. */
void filter_set_preset(struct filter *f, enum filter_preset p);
/* Sorting by the same column again reverses it. */
void filter_set_sort(struct filter *f, enum filter_sort s);
/* Adds the server-side terms to q (q owns copies). */
void filter_query(const struct filter *f, struct api_list_query *q);
/* Orders rows as chosen; stable, so equal rows keep the server's order. */
void filter_apply(const struct filter *f, struct osmo_workflow_list *list, int64_t now_ms);
/* One line for the title, e.g. "failed · pool:gpu · by duration ↓"; "" when nothing is set. */
char *filter_describe(const struct filter *f, bool ascii);

#endif
