/* cmd_forward.c: `osmotop port-forward WF TASK --port SPEC... [--udp]` until a signal or failure. */
#include "tui/cmd_forward.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/forward.h"
#include "tui/session.h"

static void
cmd_forward_usage(void)
{
	fputs("usage: osmotop port-forward [--url URL] [--user NAME|--token-file FILE] [--local]\n"
	      "                            WORKFLOW_ID TASK --port SPEC [--port SPEC...] [--udp]\n"
	      "\n"
	      "Forwards ports on 127.0.0.1 to ports of a running task, over the service's router,\n"
	      "until interrupted. SPEC is a comma-separated list, remote port first: REMOTE,\n"
	      "REMOTE:LOCAL, a range A-B (the same local ports) or A-B:C-D; at most 30 ports in "
	      "all.\n"
	      "Example: --port 8888 --port 6006:16006,9000-9002. Every local port is bound first: "
	      "if\n"
	      "one is busy, nothing starts. Each port's \"forwarding 127.0.0.1:LOCAL -> ...\" "
	      "line\n"
	      "comes once it listens; a port whose first start fails (the task not running yet\n"
	      "too) ends the command with the service's reason, as the CLI does. Lost control\n"
	      "connections are retried with backoff; the command ends when one port's task or\n"
	      "workflow is gone.\n"
	      "Exit status: 0 interrupted (SIGINT, SIGTERM), 1 the service refused, 2 usage\n"
	      "(or a local port is busy), 3 network.\n",
	      stdout);
}

/* Parses options and operands into the ports; -1 to go on, else the exit status. */
static int
cmd_forward_parse(int argc, char **argv, struct session_opts *so, const char **wf,
                  const char **task, struct forward_port **ports, size_t *n_ports, bool *udp)
{
	enum { OPT_PORT = SESSION_OPT_END, OPT_UDP };
	static const struct option longopts[] = {
		SESSION_LONGOPTS,
		{ "port", required_argument, NULL, OPT_PORT },
		{ "udp", no_argument, NULL, OPT_UDP },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct strbuf spec = { 0 }; /* every --port, joined: one list, one duplicate check */
	char *err = NULL;
	int ch, rc = -1;

	optind = 0; /* glibc starts afresh, its ordering included, after an earlier scan */
	while (rc < 0 && (ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (session_option(ch, optarg, so)) {
			continue;
		} else if (ch == OPT_PORT) {
			strbuf_addf(&spec, "%s%s", spec.len ? "," : "", optarg);
		} else if (ch == OPT_UDP) {
			*udp = true;
		} else if (ch == 'h') {
			cmd_forward_usage();
			rc = 0;
		} else {
			rc = session_bad_option("port-forward", ch, argv);
		}
	}
	if (rc < 0 && (argc - optind != 2 || !spec.len)) {
		fprintf(stderr, "osmotop: usage: osmotop port-forward [options] WORKFLOW_ID TASK "
		                "--port SPEC [--udp]\n");
		rc = 2;
	} else if (rc < 0 && so->local && so->url) {
		fprintf(stderr, "osmotop: --local and --url name different services; pick one\n");
		rc = 2;
	} else if (rc < 0 && forward_ports_parse(spec.buf, ports, n_ports, &err) < 0) {
		fprintf(stderr, "osmotop: --port %s\n", err);
		rc = 2;
	}
	free(err);
	strbuf_free(&spec);
	if (rc < 0) {
		*wf = argv[optind];
		*task = argv[optind + 1];
	}
	return rc;
}

static void
cmd_forward_signal(void *ctx, int fd, short revents)
{
	(void)fd;
	if (revents & POLLIN)
		*(bool *)ctx = true;
}

/*
 * Says "forwarding ..." for each forward the first time it listens (announced[] remembers);
 * returns the first that failed for good, or at its first start, else NULL.
 */
static const struct forward_info *
cmd_forward_check(const struct forward_mgr *m, bool *announced)
{
	const struct forward_info *fi, *failed = NULL;

	for (size_t i = 0; (fi = forward_info_at(m, i)); i++) {
		if (fi->listened && !announced[i]) {
			announced[i] = true;
			printf("forwarding 127.0.0.1:%d%s \u2192 %s/%s:%d\n", fi->local_port,
			       fi->udp ? "/udp" : "", fi->workflow, fi->task, fi->remote_port);
			fflush(stdout);
		}
		/* As the CLI: a first start that fails ends the command, worth a retry or not. */
		if (!failed && (fi->state == FORWARD_FAILED ||
		                (!fi->listened && fi->state == FORWARD_RETRYING)))
			failed = fi;
	}
	return failed;
}

/*
 * Runs the loop over n forwards until a signal (1), one failing for good or at its first start
 * (0, *failed set; as the CLI, when one port's task ends the whole command ends), or poll()
 * failing (-errno).
 */
static int
cmd_forward_loop(struct session *s, struct forward_mgr *m, size_t n, int signal_fd,
                 const struct forward_info **failed)
{
	bool signalled = false, *announced = xcalloc(n, sizeof(*announced));
	unsigned long watch = 0;
	int rc = 0;

	if (signal_fd >= 0)
		watch = loop_add_fd(s->loop, signal_fd, POLLIN, cmd_forward_signal, &signalled);
	loop_add_source(s->loop, &forward_source, m);
	while (!signalled && !(*failed = cmd_forward_check(m, announced)) && forward_active(m)) {
		if (loop_run_once(s->loop, -1) < 0) {
			rc = -errno;
			break;
		}
	}
	loop_remove_source(s->loop, &forward_source, m);
	loop_remove(s->loop, watch);
	free(announced);
	return signalled ? 1 : rc;
}

/* Binds every port and starts it; false (after stopping those started) when one cannot be bound. */
static bool
cmd_forward_start(struct forward_mgr *m, const char *wf, const char *task,
                  const struct forward_port *ports, size_t n, bool udp)
{
	struct api_error err = { 0 };

	/* Nothing reaches the network before the next dispatch, so a stop here leaves no trace. */
	for (size_t i = 0; i < n; i++)
		if (forward_add(m, wf, task, ports[i].remote, ports[i].local, udp, &err) < 0) {
			forward_stop_all(m);
			fprintf(stderr, "osmotop: port-forward: %s; nothing started\n",
			        err.message);
			return false;
		}
	return true;
}

int
cmd_forward_main(int argc, char **argv, const struct session_opts *globals)
{
	static const int sigs[] = { SIGTERM, SIGHUP, SIGINT };
	struct session_opts so = *globals;
	const char *wf = NULL, *task = NULL;
	struct forward_port *ports = NULL;
	size_t n_ports = 0;
	int signal_fd, loop;
	bool udp = false;
	struct session s;
	struct forward_mgr *m;
	const struct forward_info *fi = NULL;
	int rc = cmd_forward_parse(argc, argv, &so, &wf, &task, &ports, &n_ports, &udp);

	if (rc >= 0)
		return rc;
	if (session_start(&s, &so) < 0) {
		free(ports);
		return 2;
	}
	signal_fd = session_signals(sigs, ARRAY_SIZE(sigs));
	m = forward_mgr_new(s.api, s.http);
	if (!cmd_forward_start(m, wf, task, ports, n_ports, udp)) {
		rc = 2;
	} else if ((loop = cmd_forward_loop(&s, m, n_ports, signal_fd, &fi)) > 0) {
		rc = 0;
	} else if (fi) {
		struct api_error e = fi->err;

		session_explain(&s, &e);
		fprintf(stderr, "osmotop: port-forward %s %s:%d: %s\n", wf, task, fi->remote_port,
		        e.message);
		rc = session_exit_status(fi->err.kind);
	} else {
		fprintf(stderr, "osmotop: port-forward %s %s: %s\n", wf, task,
		        loop < 0 ? strerror(-loop) : "no forward is left");
		rc = 3;
	}
	forward_stop_all(m);
	forward_mgr_free(m);
	session_close(&s);
	if (signal_fd >= 0)
		close(signal_fd);
	free(ports);
	return rc;
}
