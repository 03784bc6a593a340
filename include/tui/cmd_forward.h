/* cmd_forward.h: `osmotop port-forward`: a task's port on 127.0.0.1, without the monitor. */
#ifndef OSMO_TUI_CMD_FORWARD_H
#define OSMO_TUI_CMD_FORWARD_H

/* argv[0] is "port-forward"; returns the process's exit status. */
int cmd_forward_main(int argc, char **argv);

#endif
