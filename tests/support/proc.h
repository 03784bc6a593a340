/* proc.h: start and stop servers, and run programs to completion, from tests with deadlines. */
#ifndef OSMO_TEST_PROC_H
#define OSMO_TEST_PROC_H

#include <stdbool.h>
#include <sys/types.h>

#define PROC_MAX_ARGS 32 /* proc_run_osmotop's argv, the binary and the NULL included */

struct proc {
	pid_t pid;      /* -1 when not running */
	int out_fd;     /* read end of the child's stdout, -1 when closed */
	char url[128];  /* "http://127.0.0.1:PORT" from the announcement line */
	char line[256]; /* the line proc_start_until waited for, without its newline */
};

/*
 * Forks and execs argv (argv[0] is a path) with stdout on a pipe and stderr inherited, then waits
 * up to timeout_ms for a stdout line containing "listening on http://" and copies the URL from
 * "http://" to the end of that line into p->url. Returns 0, or -1 (child killed and reaped) when
 * the child exits, closes stdout or misses the deadline.
 */
int proc_start_server(struct proc *p, char *const argv[], int timeout_ms);

/*
 * The same for any program: waits for a stdout line containing marker and copies it into
 * p->line (p->url stays empty). 0, or -1 as proc_start_server.
 */
int proc_start_until(struct proc *p, char *const argv[], const char *marker, int timeout_ms);

/*
 * Sends SIGTERM to p->pid, waits up to timeout_ms, then SIGKILLs; closes p->out_fd. Returns the
 * exit code, 128 + signal number if a signal ended it, or -1 if it had to be killed (or was not
 * running). Always by PID.
 */
int proc_stop(struct proc *p, int timeout_ms);

/*
 * Runs argv (argv[0] a path) with stdin from /dev/null, capturing stdout and stderr. Returns the
 * exit code, 128 + signal number if a signal ended it, or -1 on timeout (the child is SIGKILLed)
 * or failure to start. *out and *err_out, when those pointers are non-NULL, always receive
 * NUL-terminated copies of what was captured (even on timeout); the caller frees them.
 */
int proc_run(char *const argv[], int timeout_ms, char **out, char **err_out);

/*
 * Runs $BUILD/bin/osmotop with args (NULL-terminated, after the binary) as proc_run() does;
 * -1, saying so on stderr, with more than PROC_MAX_ARGS - 2 of them.
 */
int proc_run_osmotop(const char *const *args, int timeout_ms, char **out, char **err_out);

/* Whether pid still runs; a zombie has ended, whoever is left to reap it. */
bool proc_alive(pid_t pid);

/* rm -rf dir (a test's scratch directory); 0, or -1 after saying on stderr what was left. */
int proc_remove_tree(const char *dir);

/* $BUILD, or "build" when unset or empty. */
const char *proc_build_dir(void);

#endif
