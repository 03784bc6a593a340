/*
 * cache.h: the last answers of the workflows and lists looked at, kept under $XDG_STATE_HOME
 * so a monitor opened again (a new SSH session) draws at once, marked as cached, then
 * refreshes.
 */
#ifndef OSMO_TUI_CACHE_H
#define OSMO_TUI_CACHE_H

#include <stddef.h>
#include <stdint.h>

/* Files kept per service; the oldest go first. */
#define CACHE_FILES 64

/*
 * The answer raw (len bytes) to what (a workflow ID, or "list-" and a hash of its query) of
 * service, written whole (a temporary file renamed) with mode 0600; best effort, silent.
 */
void cache_save(const char *service, const char *what, const char *raw, size_t len);
/* What was kept for what of service, its length in *len and when in *saved_ms (wall); NULL. */
char *cache_load(const char *service, const char *what, size_t *len, int64_t *saved_ms);
/* The name a list's query (api_list_query_string's) is kept under: "list-" and its hash. */
char *cache_list_name(const char *query);

#endif
