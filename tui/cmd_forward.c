/* cmd_forward.c: `osmotop port-forward WF TASK --port R[:L] [--udp]` until a signal or failure. */
#include "cmd_forward.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forward.h"
#include "session.h"

#define CMD_FORWARD_MAX_FDS 512

static void
cmd_forward_usage(FILE *out)
{
	fputs("usage: osmotop port-forward [--url URL] [--user NAME] [--local] WORKFLOW_ID TASK\n"
	      "                            --port REMOTE[:LOCAL] [--udp]\n"
	      "\n"
	      "Forwards 127.0.0.1:LOCAL (default: REMOTE) to port REMOTE of a running task, over\n"
	      "the service's router, until interrupted. Lost control connections are retried\n"
	      "with backoff; it gives up when the task or workflow is gone.\n"
	      "Exit status: 0 interrupted (SIGINT, SIGTERM), 1 the service refused, 2 usage\n"
	      "(or the local port is busy), 3 network.\n",
	      out);
}

/* A port 1..65535 spelled whole; -1 otherwise. */
static int
cmd_forward_port(const char *s, const char *end)
{
	long v = 0;

	if (s == end || end - s > 5)
		return -1;
	for (const char *p = s; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v >= 1 && v <= 65535 ? (int)v : -1;
}

/* REMOTE[:LOCAL]; 0, or -1 when malformed. */
static int
cmd_forward_ports(const char *arg, int *remote, int *local)
{
	const char *colon = strchr(arg, ':');
	const char *end = arg + strlen(arg);

	*remote = cmd_forward_port(arg, colon ? colon : end);
	*local = colon ? cmd_forward_port(colon + 1, end) : *remote;
	return *remote > 0 && *local > 0 ? 0 : -1;
}

/* Parses options and operands; -1 to go on, else the exit status. */
static int
cmd_forward_parse(int argc, char **argv, struct session_opts *so, const char **wf,
                  const char **task, int *remote, int *local, bool *udp)
{
	enum { OPT_URL = 256, OPT_USER, OPT_LOCAL, OPT_PORT, OPT_UDP };
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, OPT_URL },
		{ "user", required_argument, NULL, OPT_USER },
		{ "local", no_argument, NULL, OPT_LOCAL },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "udp", no_argument, NULL, OPT_UDP },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (ch == OPT_URL) {
			so->url = optarg;
		} else if (ch == OPT_USER) {
			so->user = optarg;
		} else if (ch == OPT_LOCAL) {
			so->local = true;
		} else if (ch == OPT_PORT) {
			if (cmd_forward_ports(optarg, remote, local) < 0) {
				fprintf(stderr, "osmotop: --port wants REMOTE[:LOCAL], ports 1 to "
				                "65535\n");
				return 2;
			}
		} else if (ch == OPT_UDP) {
			*udp = true;
		} else if (ch == 'h') {
			cmd_forward_usage(stdout);
			return 0;
		} else {
			cmd_forward_usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2 || *remote <= 0) {
		fprintf(stderr, "osmotop: usage: osmotop port-forward [options] WORKFLOW_ID TASK "
		                "--port REMOTE[:LOCAL] [--udp]\n");
		return 2;
	}
	if (so->local && so->url) {
		fprintf(stderr, "osmotop: --local and --url name different services; pick one\n");
		return 2;
	}
	*wf = argv[optind];
	*task = argv[optind + 1];
	return -1;
}

/* Polls until a signal comes or no forward is left; true for a signal. */
static bool
cmd_forward_loop(struct session *s, struct forward_mgr *m, int signal_fd)
{
	struct pollfd fds[CMD_FORWARD_MAX_FDS];

	while (forward_active(m)) {
		int64_t now = clock_mono_ms();
		int n = 0, to, ft;

		if (signal_fd >= 0)
			fds[n++] = (struct pollfd){ .fd = signal_fd, .events = POLLIN };
		n += http_pollfds(s->http, fds + n, CMD_FORWARD_MAX_FDS - n);
		n += forward_pollfds(m, fds + n, CMD_FORWARD_MAX_FDS - n);
		to = http_timeout_ms(s->http, now);
		ft = forward_timeout_ms(m, now);
		if (to < 0 || (ft >= 0 && ft < to))
			to = ft;
		if (poll(fds, (nfds_t)n, to) < 0 && errno != EINTR)
			return false;
		if (signal_fd >= 0 && (fds[0].revents & POLLIN))
			return true;
		now = clock_mono_ms();
		http_dispatch(s->http, fds, n, now);
		forward_dispatch(m, fds, n, now);
	}
	return false;
}

int
cmd_forward_main(int argc, char **argv)
{
	static const int sigs[] = { SIGTERM, SIGHUP, SIGINT };
	struct session_opts so = { 0 };
	struct api_error err = { 0 };
	const char *wf = NULL, *task = NULL;
	int remote = 0, local = 0, signal_fd, id;
	bool udp = false;
	struct session s;
	struct forward_mgr *m;
	const struct forward_info *fi;
	int rc = cmd_forward_parse(argc, argv, &so, &wf, &task, &remote, &local, &udp);

	if (rc >= 0)
		return rc;
	if (session_start(&s, &so) < 0)
		return 2;
	signal_fd = session_signals(sigs, ARRAY_SIZE(sigs));
	m = forward_mgr_new(s.api, s.http);
	id = forward_add(m, wf, task, remote, local, udp, &err);
	if (id < 0) {
		fprintf(stderr, "osmotop: port-forward: %s\n", err.message);
		rc = 2;
	} else {
		printf("forwarding 127.0.0.1:%d%s \u2192 %s/%s:%d\n",
		       forward_info_at(m, (size_t)id)->local_port, udp ? "/udp" : "", wf, task,
		       remote);
		fflush(stdout);
		if (cmd_forward_loop(&s, m, signal_fd)) {
			rc = 0;
		} else {
			fi = forward_info_at(m, (size_t)id);
			err = fi->err;
			if (err.kind == API_OK)
				api_error_set(&err, API_ERR_TRANSPORT, "the poll loop failed: %s",
				              strerror(errno));
			fprintf(stderr, "osmotop: port-forward %s %s: %s\n", wf, task, err.message);
			rc = session_exit_status(err.kind);
		}
	}
	forward_stop_all(m);
	forward_mgr_free(m);
	session_close(&s);
	if (signal_fd >= 0)
		close(signal_fd);
	return rc;
}
