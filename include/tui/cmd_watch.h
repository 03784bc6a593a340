/* cmd_watch.h: `osmotop watch`: a line per status change of workflows, their groups and tasks. */
#ifndef OSMO_TUI_CMD_WATCH_H
#define OSMO_TUI_CMD_WATCH_H

struct session_opts;
struct sync_policy;

/*
 * argv[0] is "watch"; then WORKFLOW_ID or --mine, --until-done, --interval S, --json and the
 * usual --url/--user/--token-file/--local (globals: those given before it). Polls at policy's
 * cadences (config.yaml's) unless --interval says otherwise. Returns the exit status: 0 done,
 * 1 failed (or refused), 2 usage or unreachable past the retries, 3 authentication, 130
 * interrupted while --until-done waited.
 */
int cmd_watch_main(int argc, char **argv, const struct session_opts *globals,
                   const struct sync_policy *policy);

#endif
