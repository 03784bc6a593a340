/* cmd_exec.h: `osmotop exec`: a shell or a command in a running task, without the monitor. */
#ifndef OSMO_TUI_CMD_EXEC_H
#define OSMO_TUI_CMD_EXEC_H

struct session_opts;

/* argv[0] is "exec", globals the session options before it; the process's exit status. */
int cmd_exec_main(int argc, char **argv, const struct session_opts *globals);

#endif
