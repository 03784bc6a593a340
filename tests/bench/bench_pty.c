/* bench_pty.c: runs a program in a pty, times its first frame, its CPU and output in a window. */
#define _GNU_SOURCE /* memmem, forkpty */
#include "bench.h"
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define BENCH_PTY_TAIL 256 /* bytes of earlier output kept so the text is found across reads */

struct bench_pty {
	pid_t pid;
	int master;
	long long bytes; /* read from the pty so far */
	char tail[BENCH_PTY_TAIL * 2];
	size_t tail_len;
};

/* CPU of every thread in ns from schedstat (finer than stat's clock ticks); -1 when gone. */
static double
bench_pty_cpu_ms(pid_t pid)
{
	char path[64];
	struct dirent *de;
	double ns = 0;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char p[300];
		unsigned long long run;

		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/proc/%d/task/%s/schedstat", (int)pid, de->d_name);
		FILE *f = fopen(p, "r");

		if (f && fscanf(f, "%llu", &run) == 1) {
			ns += (double)run;
			found = 1;
		}
		if (f)
			fclose(f);
	}
	closedir(d);
	return found ? ns / 1e6 : -1;
}

/* A field of /proc/PID/status in kB (VmHWM: peak RSS); -1 when absent. */
static long
bench_pty_status_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	long kb = -1;
	size_t n = strlen(field);

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, field, n) == 0 && line[n] == ':')
			kb = strtol(line + n + 1, NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

/* Reads what is there; returns 1 when text (if any) has been seen in the output, -1 at EOF. */
static int
bench_pty_read(struct bench_pty *b, const char *text, int wait_ms)
{
	struct pollfd pfd = { .fd = b->master, .events = POLLIN };
	char buf[65536];

	if (poll(&pfd, 1, wait_ms) <= 0)
		return 0;
	ssize_t n = read(b->master, buf, sizeof(buf));

	if (n <= 0)
		return -1;
	b->bytes += n;
	if (!text)
		return 0;
	/* Search the kept tail and the new bytes' start, then the new bytes themselves. */
	size_t keep = (size_t)n < BENCH_PTY_TAIL ? (size_t)n : BENCH_PTY_TAIL;

	memcpy(b->tail + b->tail_len, buf, keep);
	b->tail_len += keep;
	int seen = memmem(b->tail, b->tail_len, text, strlen(text)) != NULL ||
	           memmem(buf, (size_t)n, text, strlen(text)) != NULL;
	size_t last = (size_t)n < BENCH_PTY_TAIL ? b->tail_len : BENCH_PTY_TAIL;

	if ((size_t)n >= BENCH_PTY_TAIL)
		memcpy(b->tail, buf + n - BENCH_PTY_TAIL, BENCH_PTY_TAIL);
	else
		memmove(b->tail, b->tail + b->tail_len - last, last);
	if (b->tail_len > BENCH_PTY_TAIL)
		b->tail_len = BENCH_PTY_TAIL;
	return seen;
}

static int
bench_pty_start(struct bench_pty *b, char **argv, unsigned short cols, unsigned short rows)
{
	struct winsize ws = { .ws_row = rows, .ws_col = cols };

	b->pid = forkpty(&b->master, NULL, NULL, &ws);
	if (b->pid < 0) {
		perror("forkpty");
		return -1;
	}
	if (b->pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	return 0;
}

/* SIGTERM, output drained meanwhile so a blocked write cannot hold it, SIGKILL after 2 s. */
static void
bench_pty_stop(struct bench_pty *b)
{
	double until = bench_now_ms() + 2000;
	int status;

	kill(b->pid, SIGTERM);
	while (waitpid(b->pid, &status, WNOHANG) == 0) {
		if (bench_now_ms() > until) {
			kill(b->pid, SIGKILL);
			waitpid(b->pid, &status, 0);
			break;
		}
		if (bench_pty_read(b, NULL, 20) < 0)
			usleep(10000);
	}
	close(b->master);
}

int
main(int argc, char **argv)
{
	const char *text = NULL;
	long warm = 2000, span = 0, timeout = 10000;
	unsigned cols = 120, rows = 40;
	int i = 1;

	for (; i + 1 < argc && strcmp(argv[i], "--") != 0; i += 2) {
		if (strcmp(argv[i], "--wait") == 0)
			text = argv[i + 1];
		else if (strcmp(argv[i], "--warm") == 0)
			warm = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--for") == 0)
			span = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--timeout") == 0)
			timeout = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--size") != 0 ||
		         sscanf(argv[i + 1], "%ux%u", &cols, &rows) != 2)
			break;
	}
	if (i + 1 >= argc || strcmp(argv[i], "--") != 0 || !text || cols > 1000 || rows > 1000) {
		fprintf(stderr,
		        "usage: bench_pty --wait TEXT [--size COLSxROWS] [--warm MS] [--for MS]\n"
		        "                 [--timeout MS] -- COMMAND [ARGS...]\n"
		        "  waits for TEXT in the output, then --warm ms, then measures --for ms;\n"
		        "  prints: first_ms cpu_ms bytes window_ms hwm_kb\n");
		return 2;
	}
	struct bench_pty b = { 0 };
	double t0 = bench_now_ms(), first = -1;
	int rc = 1, r = 0;

	if (bench_pty_start(&b, argv + i + 1, (unsigned short)cols, (unsigned short)rows) < 0)
		return 1;
	while (r == 0 && bench_now_ms() - t0 < timeout)
		r = bench_pty_read(&b, text, 50);
	if (r <= 0) {
		fprintf(stderr, "bench_pty: '%s' not seen in %ld ms\n", text, timeout);
		goto out;
	}
	first = bench_now_ms() - t0;
	for (double until = bench_now_ms() + (double)warm; bench_now_ms() < until;)
		if (bench_pty_read(&b, NULL, 50) < 0)
			goto gone;
	double w0 = bench_now_ms(), cpu0 = bench_pty_cpu_ms(b.pid);
	long long bytes0 = b.bytes;

	for (double until = w0 + (double)span; bench_now_ms() < until;)
		if (bench_pty_read(&b, NULL, 50) < 0)
			goto gone;
	double cpu1 = bench_pty_cpu_ms(b.pid);
	long hwm = bench_pty_status_kb(b.pid, "VmHWM");

	if (cpu0 < 0 || cpu1 < 0)
		goto gone;
	printf("%.1f %.3f %lld %.0f %ld\n", first, cpu1 - cpu0, b.bytes - bytes0,
	       bench_now_ms() - w0, hwm);
	rc = 0;
	goto out;
gone:
	fprintf(stderr, "bench_pty: %s ended early\n", argv[i + 1]);
out:
	bench_pty_stop(&b);
	return rc;
}
