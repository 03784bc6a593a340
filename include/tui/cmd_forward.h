/* cmd_forward.h: `osmotop port-forward`: a task's port on 127.0.0.1, without the monitor. */
#ifndef OSMO_TUI_CMD_FORWARD_H
#define OSMO_TUI_CMD_FORWARD_H

struct session_opts;

/* argv[0] is "port-forward", globals the session options before it; the exit status. */
int cmd_forward_main(int argc, char **argv, const struct session_opts *globals);

#endif
