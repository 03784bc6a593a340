/* runner.h: a task process and its tree under a supervisor: output lines, exit and kill. */
#ifndef OSMO_SERVER_RUNNER_H
#define OSMO_SERVER_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/util.h"

#define RUNNER_MAX_LINE 65536 /* longer output lines are split */

enum runner_stream { RUNNER_STDOUT = 1, RUNNER_STDERR = 2 };

struct runner_spec {
	char *const *argv; /* argv[0] is looked up in PATH when it has no '/' */
	char *const *envp; /* the whole environment */
	const char *cwd;
};

struct runner_proc {
	pid_t pid; /* the supervisor; 0 when not started */
	int ctl;   /* a socket to it: signals out, the main process's status back; -1 when closed */
	int fds[3]; /* [RUNNER_STDOUT], [RUNNER_STDERR]: read ends, -1 when closed */
	struct strbuf partial[3];
	bool exited;     /* the main process has ended and its tree is gone */
	int wait_status; /* the main process's */
};

/*
 * Starts a supervisor that runs the command in a new process group with stdin on /dev/null and
 * none of the server's descriptors. The supervisor is a subreaper, so everything the command
 * starts stays under it, whatever session or directory it moves to; when the main process ends,
 * what is left of its tree is killed, and the supervisor exits once none of it is left. An exec
 * failure is reported like a shell does: a line on stderr and exit status 127 (126 if not
 * executable). Returns 0, or -1 with errbuf filled when no process could be created.
 */
int runner_start(struct runner_proc *p, const struct runner_spec *s, char *errbuf, size_t errlen);
/*
 * Reads what is available on fd (one of p->fds) and calls line() for each complete line
 * (without the newline). At end of file the fd is closed and a trailing fragment delivered.
 */
void runner_read(struct runner_proc *p, int fd,
                 void (*line)(void *ctx, enum runner_stream stream, const char *s, size_t n),
                 void *ctx);
/*
 * fork(2) with every signal blocked across it, so the server's handlers (which write to its
 * signal pipe) never run in the child: it starts with default dispositions and nothing
 * blocked, the parent with its mask back. The child's 0, its pid, or -1 with errno.
 */
pid_t runner_fork(void);
/*
 * In a child: runs argv (argv[0] looked up in envp's PATH when it has no '/'), or reports
 * the failure on stderr as a shell does and exits 127 (not found) or 126.
 */
_Noreturn void runner_exec(char *const *argv, char *const *envp);
/*
 * Collects the main process's status once the supervisor has ended (non-blocking): the main
 * process has ended and its tree is gone. True once it has.
 */
bool runner_reap(struct runner_proc *p);
/* Signals every process of the tree; after SIGKILL, also those it starts until none is left. */
void runner_kill(const struct runner_proc *p, int sig);
/* Makes a supervisor that an earlier osmo-local left running kill its tree at once. */
void runner_stop_orphan(pid_t pid);
/* True when the tree is gone and both output pipes are drained and closed. */
bool runner_done(const struct runner_proc *p);
/* 0..255 for an exit, 128 + signal for a signal death (as a shell reports it). */
int runner_exit_code(const struct runner_proc *p);
/* Frees p; a supervisor still running kills its tree at once (it sees its socket close). */
void runner_free(struct runner_proc *p);

#endif
