/* test_forward.c: client/forward.c against osmo-local: TCP and UDP echoes through a running task. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "client/forward.h"
#include "lfix.h"

#define FTEST_START_MS    20000 /* submit to RUNNING, or a forward to LISTENING */
#define FTEST_RUN_MS      30000 /* one osmotop port-forward command that ends by itself */
#define FTEST_ECHO_MS     60000 /* 8 MiB there and back */
#define FTEST_BIG         (8u << 20)
#define FTEST_SMALL       (96u << 10)
#define FTEST_CONNS       4
#define FTEST_MAX_FDS     256
#define FTEST_SLOW_CHUNK  (16 << 10) /* the slow reader's read */
#define FTEST_SLOW_EVERY  2          /* ms between two of its reads */
#define FTEST_SLOW_RCVBUF (16 << 10) /* its socket's receive buffer: little room in the kernel */
#define FTEST_BACKOFF_MS  50         /* retries in tests: 50 ms << retry, plus 0-50 ms */
/* One message from the task (osmo-ctrl's 32 KiB) and wslay's read buffer past the pause. */
#define FTEST_PENDING_SLACK (64u << 10)

/* The task: a TCP and a UDP echo server on @PORT@ of 127.0.0.1, UDP bound first. */
static const char ftest_spec[] =
        "workflow:\n"
        "  name: echo\n"
        "  tasks:\n"
        "  - name: echo\n"
        "    image: python:3.11-slim\n"
        "    command: [\"python3\", \"-c\"]\n"
        "    args:\n"
        "    - |\n"
        "      import socketserver, threading\n"
        "      class T(socketserver.BaseRequestHandler):\n"
        "          def handle(self):\n"
        "              while True:\n"
        "                  d = self.request.recv(65536)\n"
        "                  if not d:\n"
        "                      break\n"
        "                  self.request.sendall(d)\n"
        "      class U(socketserver.BaseRequestHandler):\n"
        "          def handle(self):\n"
        "              self.request[1].sendto(self.request[0], self.client_address)\n"
        "      socketserver.ThreadingTCPServer.allow_reuse_address = True\n"
        "      socketserver.ThreadingTCPServer.daemon_threads = True\n"
        "      u = socketserver.UDPServer((\"127.0.0.1\", @PORT@), U)\n"
        "      threading.Thread(target=u.serve_forever, daemon=True).start()\n"
        "      t = socketserver.ThreadingTCPServer((\"127.0.0.1\", @PORT@), T)\n"
        "      print(\"echo ready\", flush=True)\n"
        "      t.serve_forever()\n";

/* A RUNNING workflow whose second task waits for the first, which sleeps. */
static const char ftest_waiting_spec[] = "workflow:\n"
                                         "  name: waiting\n"
                                         "  groups:\n"
                                         "  - name: first\n"
                                         "    tasks:\n"
                                         "    - name: sleeper\n"
                                         "      image: ubuntu:22.04\n"
                                         "      command: [sleep]\n"
                                         "      args: [\"300\"]\n"
                                         "  - name: second\n"
                                         "    tasks:\n"
                                         "    - name: waiter\n"
                                         "      image: ubuntu:22.04\n"
                                         "      command: [\"true\"]\n"
                                         "      inputs:\n"
                                         "      - task: sleeper\n";

struct ftest {
	struct lfix f;
	char *workflow;
	struct forward_mgr *fwd;
	int tcp_id, udp_id;
	int64_t wake_ms; /* the test's own next timer (clock_mono_ms), 0 for none */
	bool canceled;   /* the workflow was canceled by a test */
};

static void
ftest_revents(void *ctx, int fd, short revents)
{
	struct pollfd *p = ctx;

	(void)fd;
	p->revents = revents;
}

/* One round of the loop an app runs: curl, the forwards, and the test's own sockets. */
static void
ftest_step(struct ftest *t, struct pollfd *extra, int n_extra, int64_t deadline)
{
	unsigned long ids[FTEST_MAX_FDS];
	int64_t now = clock_mono_ms();
	int64_t limit = deadline;

	if (now >= deadline)
		fail_msg("deadline passed");
	if (t->wake_ms && t->wake_ms < limit)
		limit = t->wake_ms;
	/* The callers' own timers (UDP resends) need no more precision. */
	if (limit > now + 200)
		limit = now + 200;
	assert_true(n_extra <= FTEST_MAX_FDS);
	for (int i = 0; i < n_extra; i++) {
		extra[i].revents = 0;
		ids[i] = loop_add_fd(t->f.loop, extra[i].fd, extra[i].events, ftest_revents,
		                     &extra[i]);
	}
	assert_int_equal(loop_run_once(t->f.loop, util_timeout_until(limit, now)), 0);
	for (int i = 0; i < n_extra; i++)
		loop_remove(t->f.loop, ids[i]);
}

static const struct forward_info *
ftest_info(struct ftest *t, int id)
{
	return forward_info_at(t->fwd, (size_t)id);
}

static void
ftest_wait_listening(struct ftest *t, int id)
{
	int64_t deadline = clock_mono_ms() + FTEST_START_MS;

	while (ftest_info(t, id)->state != FORWARD_LISTENING) {
		if (ftest_info(t, id)->state == FORWARD_FAILED)
			fail_msg("forward failed: %s", ftest_info(t, id)->err.message);
		ftest_step(t, NULL, 0, deadline);
	}
	assert_true(ftest_info(t, id)->listened);
}

static int
ftest_setup(void **state)
{
	struct ftest *t = xcalloc(1, sizeof(*t));
	char *port, *yaml;
	struct api_error err = { 0 };
	struct osmo_workflow wf;

	/* POST /api/_test/router/restart, for the reconnect test; the server inherits it. */
	setenv("OSMO_LOCAL_TEST_ROUTES", "1", 1);
	lfix_open(&t->f, "forward-itest", NULL);
	t->fwd = forward_mgr_new(t->f.api, t->f.http);
	loop_add_source(t->f.loop, &forward_source, t->fwd);
	forward_mgr_set_backoff(t->fwd, FTEST_BACKOFF_MS, FTEST_BACKOFF_MS);
	port = xasprintf("%d", lfix_free_port()); /* for the task's echo servers */
	yaml = lfix_replace(ftest_spec, "@PORT@", port);
	t->workflow = lfix_submit(&t->f, yaml, NULL);
	free(yaml);
	lfix_wait(&t->f, t->workflow, FTEST_START_MS, lfix_running, &wf);
	osmo_workflow_free(&wf);
	t->tcp_id = forward_add(t->fwd, t->workflow, "echo", atoi(port), 0, false, &err);
	if (t->tcp_id < 0)
		fail_msg("%s", err.message);
	t->udp_id = forward_add(t->fwd, t->workflow, "echo", atoi(port), 0, true, &err);
	if (t->udp_id < 0)
		fail_msg("%s", err.message);
	free(port);
	ftest_wait_listening(t, t->tcp_id);
	ftest_wait_listening(t, t->udp_id);
	*state = t;
	return 0;
}

static int
ftest_teardown(void **state)
{
	struct ftest *t = *state;
	struct osmo_workflow wf;
	struct wait_call c;

	forward_stop_all(t->fwd);
	assert_false(forward_active(t->fwd));
	if (!t->canceled) {
		api_cancel(t->f.api, t->workflow, true, "test over", wait_call_start(&c));
		lfix_finish(&t->f, &c, true);
		wait_call_free(&c);
	}
	/* The cancel ends the task (its echo servers with it) before the server stops. */
	lfix_wait(&t->f, t->workflow, FTEST_START_MS, lfix_ended, &wf);
	osmo_workflow_free(&wf);
	loop_remove_source(t->f.loop, &forward_source, t->fwd);
	forward_mgr_free(t->fwd);
	lfix_close(&t->f);
	free(t->workflow);
	free(t);
	return 0;
}

/* A non-blocking TCP client of the forward's local port; rcvbuf > 0 sets its receive buffer. */
static int
ftest_connect_buf(struct ftest *t, int rcvbuf)
{
	struct sockaddr_in sa = lfix_loopback(ftest_info(t, t->tcp_id)->local_port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	/* Before connect(), so the window it offers is that small from the start. */
	if (rcvbuf > 0)
		assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)), 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		assert_int_equal(errno, EINPROGRESS);
	return fd;
}

static int
ftest_connect(struct ftest *t)
{
	return ftest_connect_buf(t, 0);
}

struct ftest_echo {
	int fd;
	unsigned char *data;
	size_t len, sent, got;
	unsigned char *back;
};

/* Sends len random bytes per echo and reads them back on its own connection, all at once. */
static void
ftest_echo(struct ftest *t, struct ftest_echo *e, int n)
{
	struct pollfd extra[FTEST_CONNS];
	int64_t deadline = clock_mono_ms() + FTEST_ECHO_MS;

	for (int i = 0; i < n; i++) {
		e[i].fd = ftest_connect(t);
		e[i].data = xmalloc(e[i].len);
		e[i].back = xmalloc(e[i].len);
		assert_int_equal(getrandom(e[i].data, e[i].len, 0), (ssize_t)e[i].len);
	}
	for (;;) {
		int busy = 0;

		for (int i = 0; i < n; i++) {
			extra[i] = (struct pollfd){ .fd = e[i].fd, .events = POLLIN };
			if (e[i].sent < e[i].len)
				extra[i].events |= POLLOUT;
			busy += e[i].got < e[i].len;
		}
		if (!busy)
			break;
		ftest_step(t, extra, n, deadline);
		for (int i = 0; i < n; i++) {
			ssize_t r;

			if ((extra[i].revents & POLLOUT) && e[i].sent < e[i].len) {
				r = send(e[i].fd, e[i].data + e[i].sent, e[i].len - e[i].sent,
				         MSG_NOSIGNAL);
				if (r < 0 && errno != EAGAIN)
					fail_msg("send: %s", strerror(errno));
				e[i].sent += r > 0 ? (size_t)r : 0;
			}
			if (extra[i].revents & (POLLIN | POLLHUP | POLLERR)) {
				r = recv(e[i].fd, e[i].back + e[i].got, e[i].len - e[i].got, 0);
				if (r == 0 && e[i].got < e[i].len)
					fail_msg("connection %d closed after %zu of %zu bytes", i,
					         e[i].got, e[i].len);
				if (r < 0 && errno != EAGAIN)
					fail_msg("recv: %s", strerror(errno));
				e[i].got += r > 0 ? (size_t)r : 0;
			}
		}
	}
	for (int i = 0; i < n; i++) {
		assert_memory_equal(e[i].data, e[i].back, e[i].len);
		close(e[i].fd);
		free(e[i].data);
		free(e[i].back);
	}
}

/* Waits until the forward has no connection open: both sides were closed. */
static void
ftest_wait_idle(struct ftest *t)
{
	int64_t deadline = clock_mono_ms() + LFIX_CALL_MS;

	while (ftest_info(t, t->tcp_id)->conns_open > 0)
		ftest_step(t, NULL, 0, deadline);
}

static void
test_tcp_big(void **state)
{
	struct ftest *t = *state;
	uint64_t up = ftest_info(t, t->tcp_id)->bytes_up;
	struct ftest_echo e = { .len = FTEST_BIG };

	ftest_echo(t, &e, 1);
	ftest_wait_idle(t);
	assert_true(ftest_info(t, t->tcp_id)->bytes_up - up == FTEST_BIG);
	assert_true(ftest_info(t, t->tcp_id)->bytes_down >= FTEST_BIG);
	assert_int_equal(ftest_info(t, t->tcp_id)->state, FORWARD_LISTENING);
}

/* A task port nobody listens on: the connection ends, and the forward says why, not silence. */
static void
test_tcp_dead_task_port_says_why(void **state)
{
	struct ftest *t = *state;
	struct api_error err = { 0 };
	int id = forward_add(t->fwd, t->workflow, "echo", lfix_free_port(), 0, false, &err);
	int64_t deadline = clock_mono_ms() + FTEST_ECHO_MS;
	struct sockaddr_in sa;
	struct pollfd p;
	char buf[16];
	int fd;

	if (id < 0)
		fail_msg("%s", err.message);
	ftest_wait_listening(t, id);
	sa = lfix_loopback(ftest_info(t, id)->local_port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(fd >= 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		assert_int_equal(errno, EINPROGRESS);
	for (;;) {
		p = (struct pollfd){ .fd = fd, .events = POLLIN };
		ftest_step(t, &p, 1, deadline);
		ssize_t r = p.revents ? recv(fd, buf, sizeof(buf), 0) : -1;

		if (r == 0 || (r < 0 && p.revents && errno != EAGAIN))
			break;
		if (clock_mono_ms() >= deadline)
			fail_msg("the connection to a dead task port stayed open");
	}
	close(fd);
	assert_int_equal(ftest_info(t, id)->state, FORWARD_LISTENING);
	assert_non_null(strstr(ftest_info(t, id)->err.message, "cannot connect"));
	forward_stop(t->fwd, id);
}

static void
test_tcp_concurrent(void **state)
{
	struct ftest *t = *state;
	struct ftest_echo e[FTEST_CONNS] = { 0 };

	for (int i = 0; i < FTEST_CONNS; i++)
		e[i].len = FTEST_SMALL + (size_t)i * 1000;
	ftest_echo(t, e, FTEST_CONNS);
	ftest_wait_idle(t);
	assert_int_equal(ftest_info(t, t->tcp_id)->reconnects, 0);
}

/* A UDP port in use, even by a forward of ours, is refused: never two sockets on one port. */
static void
test_udp_port_taken(void **state)
{
	struct ftest *t = *state;
	const struct forward_info *udp = ftest_info(t, t->udp_id);
	struct api_error err = { 0 };
	int port = udp->local_port;

	assert_false(forward_port_free(port, true));
	assert_int_equal(
	        forward_add(t->fwd, t->workflow, "echo", udp->remote_port, port, true, &err), -1);
	assert_non_null(strstr(err.message, "cannot bind"));
}

static void
test_udp_round_trip(void **state)
{
	struct ftest *t = *state;
	struct sockaddr_in sa = lfix_loopback(ftest_info(t, t->udp_id)->local_port);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	int64_t deadline = clock_mono_ms() + FTEST_START_MS, next = 0;
	static const char msg[] = "a datagram through the router";
	char buf[256];
	ssize_t r = -1;

	assert_true(fd >= 0);
	while (r < 0) {
		struct pollfd extra = { .fd = fd, .events = POLLIN };

		/* UDP may lose one: send again every half second until the echo comes. */
		if (clock_mono_ms() >= next) {
			assert_int_equal(
			        sendto(fd, msg, sizeof(msg), 0, (struct sockaddr *)&sa, sizeof(sa)),
			        (ssize_t)sizeof(msg));
			next = clock_mono_ms() + 500;
		}
		ftest_step(t, &extra, 1, deadline);
		if (extra.revents & POLLIN)
			r = recv(fd, buf, sizeof(buf), 0);
	}
	assert_int_equal(r, (ssize_t)sizeof(msg));
	assert_memory_equal(buf, msg, sizeof(msg));
	assert_true(ftest_info(t, t->udp_id)->bytes_down >= sizeof(msg));
	close(fd);
}

/* Backpressure: a local reader slower than the task holds the task's bytes back upstream. */
static void
test_tcp_slow_reader(void **state)
{
	struct ftest *t = *state;
	struct ftest_echo e = { .len = FTEST_BIG };
	int64_t deadline = clock_mono_ms() + FTEST_ECHO_MS;

	e.fd = ftest_connect_buf(t, FTEST_SLOW_RCVBUF);
	e.data = xmalloc(e.len);
	e.back = xmalloc(e.len);
	assert_int_equal(getrandom(e.data, e.len, 0), (ssize_t)e.len);
	t->wake_ms = clock_mono_ms();
	while (e.got < e.len) {
		struct pollfd extra = { .fd = e.fd };
		bool read_due = clock_mono_ms() >= t->wake_ms;
		ssize_t r;

		/* Writes as fast as it may; reads one small chunk per FTEST_SLOW_EVERY ms. */
		extra.events = (short)((e.sent < e.len ? POLLOUT : 0) | (read_due ? POLLIN : 0));
		ftest_step(t, &extra, 1, deadline);
		if ((extra.revents & POLLOUT) && e.sent < e.len) {
			r = send(e.fd, e.data + e.sent, e.len - e.sent, MSG_NOSIGNAL);
			if (r < 0 && errno != EAGAIN)
				fail_msg("send: %s", strerror(errno));
			e.sent += r > 0 ? (size_t)r : 0;
		}
		if (read_due && (extra.revents & (POLLIN | POLLHUP | POLLERR))) {
			size_t want =
			        e.len - e.got < FTEST_SLOW_CHUNK ? e.len - e.got : FTEST_SLOW_CHUNK;

			r = recv(e.fd, e.back + e.got, want, 0);
			if (r == 0)
				fail_msg("closed after %zu of %zu bytes", e.got, e.len);
			if (r < 0 && errno != EAGAIN)
				fail_msg("recv: %s", strerror(errno));
			e.got += r > 0 ? (size_t)r : 0;
			t->wake_ms = clock_mono_ms() + FTEST_SLOW_EVERY;
		}
		/* What the forward holds for this reader never grows past the pause's mark. */
		assert_true(ftest_info(t, t->tcp_id)->pending_down <=
		            FORWARD_QUEUE_HIGH + FTEST_PENDING_SLACK);
	}
	t->wake_ms = 0;
	assert_memory_equal(e.data, e.back, e.len);
	close(e.fd);
	free(e.data);
	free(e.back);
	ftest_wait_idle(t);
	assert_int_equal(ftest_info(t, t->tcp_id)->pending_down, 0);
	/* The pause's mark was reached (the pressure was real) and held. */
	assert_true(ftest_info(t, t->tcp_id)->pending_down_max > FORWARD_QUEUE_HIGH);
	assert_true(ftest_info(t, t->tcp_id)->pending_down_max <=
	            FORWARD_QUEUE_HIGH + FTEST_PENDING_SLACK);
	assert_int_equal(ftest_info(t, t->tcp_id)->state, FORWARD_LISTENING);
}

/* POST path on osmo-local (a test route), the forwards running meanwhile; its status. */
static long
ftest_post(struct ftest *t, const char *path)
{
	struct lfix_reply r;
	int64_t deadline = clock_mono_ms() + LFIX_CALL_MS;

	lfix_post_start(&t->f, path, &r);
	while (!r.done)
		ftest_step(t, NULL, 0, deadline);
	return r.status;
}

/* A restarting router closes every leg (1012): the forwards retry and come back. */
static void
test_router_restart(void **state)
{
	struct ftest *t = *state;
	const int ids[] = { t->tcp_id, t->udp_id };
	bool retried[2] = { false, false };
	int64_t deadline;
	struct ftest_echo e = { .len = FTEST_SMALL };

	assert_int_equal(ftest_info(t, t->tcp_id)->reconnects, 0);
	assert_int_equal(ftest_post(t, "/api/_test/router/restart"), 200);
	deadline = clock_mono_ms() + FTEST_START_MS;
	for (;;) {
		bool back = true;

		for (int i = 0; i < 2; i++) {
			const struct forward_info *fi = ftest_info(t, ids[i]);

			if (fi->state == FORWARD_FAILED)
				fail_msg("forward %d failed: %s", i, fi->err.message);
			retried[i] |= fi->state == FORWARD_RETRYING;
			back &= retried[i] && fi->state == FORWARD_LISTENING;
		}
		if (back)
			break;
		ftest_step(t, NULL, 0, deadline);
	}
	for (int i = 0; i < 2; i++) {
		assert_int_equal(ftest_info(t, ids[i])->reconnects, 1);
		assert_int_equal(ftest_info(t, ids[i])->err.kind, API_OK);
	}
	/* A new local connection goes through the new control socket. */
	ftest_echo(t, &e, 1);
	ftest_wait_idle(t);
	assert_int_equal(ftest_info(t, t->tcp_id)->reconnects, 1);
}

/* Asserts the command exits with want and says needle on stderr. */
static void
ftest_command_fails(struct ftest *t, const char *const *args, int want, const char *needle)
{
	char *out =
	        lfix_osmotop_expect(&t->f, "port-forward", args, FTEST_RUN_MS, want, NULL, needle);

	assert_null(strstr(out, "forwarding"));
	free(out);
}

/* Bad specs are usage errors that name the item, before anything is bound or sent. */
static void
test_command_bad_specs(void **state)
{
	struct ftest *t = *state;
	const char *range[] = { t->workflow, "echo", "--port", "8000-7000", NULL };
	const char *lengths[] = { t->workflow, "echo", "--port", "9000-9002:100-101", NULL };
	const char *twice[] = { t->workflow, "echo", "--port", "8000", "--port", "1:8000", NULL };
	const char *none[] = { t->workflow, "echo", NULL };

	ftest_command_fails(t, range, 2, "8000-7000: a range goes up");
	ftest_command_fails(t, lengths, 2, "9000-9002:100-101: 3 remote ports but 2 local");
	/* Repeated --port options make one list: a local port may not come twice across them. */
	ftest_command_fails(t, twice, 2, "1:8000: local port 8000 is given twice");
	ftest_command_fails(t, none, 2, "--port SPEC");
}

/* One busy local port: nothing starts, the port is named, and every port is free again. */
static void
test_command_busy_port(void **state)
{
	struct ftest *t = *state;
	int busy_port, busy_fd = lfix_listen(&busy_port);
	int free_port = lfix_free_port();
	char *spec = xasprintf("1:%d,2:%d", free_port, busy_port);
	char *busy_name = xasprintf("127.0.0.1:%d", busy_port);
	const char *args[] = { t->workflow, "echo", "--port", spec, NULL };

	ftest_command_fails(t, args, 2, busy_name);
	ftest_command_fails(t, args, 2, "nothing started");
	assert_false(forward_port_free(busy_port, false));
	assert_true(forward_port_free(free_port, false));
	close(busy_fd);
	free(spec);
	free(busy_name);
}

/* No such task: the first start fails, so no port is announced, and the service says why. */
static void
test_command_task_gone(void **state)
{
	struct ftest *t = *state;
	int a = lfix_free_port(), b = lfix_free_port();
	char *spec = xasprintf("7000:%d,7001:%d", a, b);
	const char *args[] = { t->workflow, "nope", "--port", spec, NULL };

	ftest_command_fails(t, args, 1, "does not exist");
	free(spec);
}

/* A task not running yet (425, worth a retry later): a first start that fails ends it too. */
static void
test_command_not_yet_running(void **state)
{
	struct ftest *t = *state;
	char *spec = xasprintf("7000:%d", lfix_free_port());
	char *wf = lfix_submit(&t->f, ftest_waiting_spec, NULL);
	const char *args[] = { wf, "waiter", "--port", spec, NULL };
	struct osmo_workflow q;
	struct wait_call c;

	lfix_wait(&t->f, wf, FTEST_START_MS, lfix_running, &q);
	osmo_workflow_free(&q);
	ftest_command_fails(t, args, 1, "HTTP 425");
	api_cancel(t->f.api, wf, true, NULL, wait_call_start(&c));
	lfix_finish(&t->f, &c, true);
	wait_call_free(&c);
	free(wf);
	free(spec);
}

/*
 * "forwarding" comes once the port listens, so a client may use it at once; the session
 * options may come before the command's name. A signal ends it with 0.
 */
static void
test_command_forwards(void **state)
{
	struct ftest *t = *state;
	int local = lfix_free_port(), remote = ftest_info(t, t->tcp_id)->remote_port;
	char *bin = xasprintf("%s/bin/osmotop", proc_build_dir());
	char *spec = xasprintf("%d:%d", remote, local);
	char *want =
	        xasprintf("forwarding 127.0.0.1:%d \u2192 %s/echo:%d", local, t->workflow, remote);
	char *argv[] = { bin,         "--url", t->f.server.url, "--user", "jdoe", "port-forward",
		         t->workflow, "echo",  "--port",        spec,     NULL };
	struct sockaddr_in sa = lfix_loopback(local);
	struct timeval tv = { .tv_sec = LFIX_CALL_MS / 1000 };
	struct proc p;
	char back[8] = { 0 };
	int fd;

	assert_int_equal(proc_start_until(&p, argv, "forwarding", FTEST_START_MS), 0);
	assert_string_equal(p.line, want);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(send(fd, "ping", 4, MSG_NOSIGNAL), 4);
	assert_int_equal(recv(fd, back, 4, MSG_WAITALL), 4);
	assert_string_equal(back, "ping");
	close(fd);
	assert_int_equal(proc_stop(&p, LFIX_CALL_MS), 0);
	free(want);
	free(spec);
	free(bin);
}

/* Last: the workflow ends, so every forward fails for good with the service's reason. */
static void
test_cancel_fails_forwards(void **state)
{
	struct ftest *t = *state;
	const int ids[] = { t->tcp_id, t->udp_id };
	int64_t deadline;
	struct wait_call c;

	api_cancel(t->f.api, t->workflow, true, "forwards must fail", wait_call_start(&c));
	lfix_finish(&t->f, &c, true);
	wait_call_free(&c);
	t->canceled = true;
	deadline = clock_mono_ms() + FTEST_START_MS;
	while (forward_active(t->fwd))
		ftest_step(t, NULL, 0, deadline);
	for (int i = 0; i < 2; i++) {
		const struct forward_info *fi = ftest_info(t, ids[i]);

		assert_int_equal(fi->state, FORWARD_FAILED);
		assert_int_equal(fi->err.kind, API_ERR_HTTP);
		if (fi->err.http_status != 410 && fi->err.http_status != 404)
			fail_msg("forward %d: %d %s", i, fi->err.http_status, fi->err.message);
		if (!strstr(fi->err.message, "not running"))
			fail_msg("forward %d: \"%s\" gives no reason", i, fi->err.message);
		assert_int_equal(fi->conns_open, 0);
	}
}

/* A task that floods its one connection for two seconds, then resets it (SO_LINGER 0). */
static const char ftest_reset_spec[] =
        "workflow:\n"
        "  name: reset\n"
        "  tasks:\n"
        "  - name: reset\n"
        "    image: python:3.11-slim\n"
        "    command: [\"python3\", \"-c\"]\n"
        "    args:\n"
        "    - |\n"
        "      import select, socket, struct, time\n"
        "      s = socket.socket()\n"
        "      s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        "      s.bind((\"127.0.0.1\", @PORT@))\n"
        "      s.listen(1)\n"
        "      c, _ = s.accept()\n"
        "      c.setblocking(False)\n"
        "      end = time.time() + 2\n"
        "      while time.time() < end:\n"
        "          try:\n"
        "              c.send(b\"x\" * 65536)\n"
        "          except BlockingIOError:\n"
        "              select.select([], [c], [], 0.05)\n"
        "      c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack(\"ii\", 1, 0))\n"
        "      c.close()\n"
        "      select.select([], [], [], 600)\n";

/* osmo-local's CPU time so far (user + system), in clock ticks. */
static long
ftest_server_ticks(const struct ftest *t)
{
	char *path = xasprintf("/proc/%ld/stat", (long)t->f.server.pid);
	char *stat = util_read_file(path, NULL);
	const char *p = stat ? strrchr(stat, ')') : NULL;
	long utime = 0, stime = 0;

	assert_non_null(p);
	/* After ")": state and 10 more fields, then utime and stime (proc(5) fields 14, 15). */
	assert_int_equal(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %ld %ld",
	                        &utime, &stime),
	                 2);
	free(stat);
	free(path);
	return utime + stime;
}

/*
 * A local reader that reads nothing holds the router's sending leg; the task's port then resets.
 * osmo-local must stay idle (it once polled the reset socket it no longer wanted, in a loop).
 */
static void
test_reset_while_held_no_spin(void **state)
{
	struct ftest *t = *state;
	struct api_error err = { 0 };
	struct osmo_workflow wf;
	int port = lfix_free_port(), rcvbuf = 4096, id, fd;
	char *p = xasprintf("%d", port), *yaml = lfix_replace(ftest_reset_spec, "@PORT@", p);
	char *reset = lfix_submit(&t->f, yaml, NULL);
	int64_t until;
	long ticks, hz = sysconf(_SC_CLK_TCK);

	lfix_wait(&t->f, reset, FTEST_START_MS, lfix_running, &wf);
	osmo_workflow_free(&wf);
	id = forward_add(t->fwd, reset, "reset", port, 0, false, &err);
	if (id < 0)
		fail_msg("%s", err.message);
	ftest_wait_listening(t, id);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)), 0);
	struct sockaddr_in sa = lfix_loopback(ftest_info(t, id)->local_port);

	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	/* The flood (2 s) fills every buffer on the way, then the reset comes; nothing is read. */
	until = clock_mono_ms() + 3500;
	while (clock_mono_ms() + 5 < until)
		ftest_step(t, NULL, 0, until);
	ticks = ftest_server_ticks(t);
	until = clock_mono_ms() + 2000;
	while (clock_mono_ms() + 5 < until)
		ftest_step(t, NULL, 0, until);
	ticks = ftest_server_ticks(t) - ticks;
	/* Idle is ~0; a spin burns most of the 2 s. A quarter leaves room for a busy machine. */
	if (ticks * 4 > hz * 2)
		fail_msg("osmo-local used %ld ticks (%ld a second) in 2 s after the reset", ticks,
		         hz);
	close(fd);
	forward_stop(t->fwd, id);
	free(reset);
	free(yaml);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_big),
		cmocka_unit_test(test_tcp_concurrent),
		cmocka_unit_test(test_tcp_dead_task_port_says_why),
		cmocka_unit_test(test_udp_round_trip),
		cmocka_unit_test(test_udp_port_taken),
		cmocka_unit_test(test_tcp_slow_reader),
		cmocka_unit_test(test_router_restart),
		cmocka_unit_test(test_reset_while_held_no_spin),
		cmocka_unit_test(test_command_bad_specs),
		cmocka_unit_test(test_command_busy_port),
		cmocka_unit_test(test_command_task_gone),
		cmocka_unit_test(test_command_not_yet_running),
		cmocka_unit_test(test_command_forwards),
		cmocka_unit_test(test_cancel_fails_forwards), /* last: the workflow ends */
	};

	return cmocka_run_group_tests(tests, ftest_setup, ftest_teardown);
}
