/* bench_run.c: runs a command and prints its wall time, peak RSS and CPU time, one line a run. */
#define _DEFAULT_SOURCE /* wait4 */
#include "bench.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static double
bench_run_tv_ms(struct timeval tv)
{
	return (double)tv.tv_sec * 1e3 + (double)tv.tv_usec / 1e3;
}

/* One run: the child's stdout goes to out (or /dev/null), stdin and stderr to /dev/null. */
static int
bench_run_once(char **argv, const char *out)
{
	int null = open("/dev/null", O_RDWR);
	int fd = out ? open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644) : null;
	struct rusage ru;
	int status;

	if (null < 0 || fd < 0) {
		perror(out ? out : "/dev/null");
		return -1;
	}
	double t0 = bench_now_ms();
	pid_t pid = fork();

	if (pid == 0) {
		dup2(null, 0);
		dup2(fd, 1);
		dup2(null, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) {
		perror("bench_run");
		return -1;
	}
	double wall = bench_now_ms() - t0;

	close(null);
	if (fd != null)
		close(fd);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_run: %s exited with status %d\n", argv[0],
		        WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		return -1;
	}
	printf("%.3f %ld %.1f\n", wall, ru.ru_maxrss,
	       bench_run_tv_ms(ru.ru_utime) + bench_run_tv_ms(ru.ru_stime));
	fflush(stdout);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *out = NULL;
	long runs = 1;
	int i = 1;

	for (; i + 1 < argc && strcmp(argv[i], "--") != 0; i += 2) {
		if (strcmp(argv[i], "-n") == 0)
			runs = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "-o") == 0)
			out = argv[i + 1];
		else
			break;
	}
	if (i + 1 >= argc || strcmp(argv[i], "--") != 0 || runs < 1) {
		fprintf(stderr, "usage: bench_run [-n RUNS] [-o STDOUT_FILE] -- COMMAND [ARGS...]\n"
		                "  prints one line per run: wall_ms maxrss_kb cpu_ms\n");
		return 2;
	}
	for (long r = 0; r < runs; r++)
		if (bench_run_once(argv + i + 1, out) < 0)
			return 1;
	return 0;
}
