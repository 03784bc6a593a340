/* cmd_complete.h: `osmotop complete`: names for the shells' completion, from the service. */
#ifndef OSMO_TUI_CMD_COMPLETE_H
#define OSMO_TUI_CMD_COMPLETE_H

struct session_opts;

/*
 * argv[0] is "complete"; then "statuses" (from the status table), "workflows", or
 * "tasks WORKFLOW_ID" or "groups WORKFLOW_ID",
 * after the usual --url/--user/--token-file/--local (globals: those given before it). Prints
 * one name a line and exits 0; on any failure prints nothing and exits 1, so a shell's
 * completion stays quiet; an unknown option, which no completion passes, is a usage error (2).
 */
int cmd_complete_main(int argc, char **argv, const struct session_opts *globals);

#endif
