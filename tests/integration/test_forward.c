/* test_forward.c: client/forward.c against osmo-local: TCP and UDP echoes through a running task. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "forward.h"
#include "lfix.h"

#define FTEST_START_MS 20000 /* submit to RUNNING, or a forward to LISTENING */
#define FTEST_ECHO_MS  60000 /* 8 MiB there and back */
#define FTEST_BIG      (8u << 20)
#define FTEST_SMALL    (96u << 10)
#define FTEST_CONNS    4
#define FTEST_MAX_FDS  256

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

struct ftest {
	struct lfix f;
	char *workflow;
	struct forward_mgr *fwd;
	int tcp_id, udp_id;
};

/* One round of the loop an app runs: curl, the forwards, and the test's own sockets. */
static void
ftest_step(struct ftest *t, struct pollfd *extra, int n_extra, int64_t deadline)
{
	struct pollfd fds[FTEST_MAX_FDS];
	int64_t now = clock_mono_ms();
	int n = http_pollfds(t->f.http, fds, FTEST_MAX_FDS);
	int to = http_timeout_ms(t->f.http, now), ft;

	if (now >= deadline)
		fail_msg("deadline passed");
	n += forward_pollfds(t->fwd, fds + n, FTEST_MAX_FDS - n);
	ft = forward_timeout_ms(t->fwd, now);
	if (to < 0 || (ft >= 0 && ft < to))
		to = ft;
	if (to < 0 || to > deadline - now)
		to = (int)(deadline - now);
	if (to > 200)
		to = 200; /* the callers' own timers (UDP resends) need no more precision */
	assert_true(n + n_extra <= FTEST_MAX_FDS);
	if (n_extra) /* extra may be NULL then, which memcpy must not see */
		memcpy(fds + n, extra, (size_t)n_extra * sizeof(*extra));
	if (poll(fds, (nfds_t)(n + n_extra), to) < 0)
		assert_int_equal(errno, EINTR);
	if (n_extra)
		memcpy(extra, fds + n, (size_t)n_extra * sizeof(*extra));
	now = clock_mono_ms();
	http_dispatch(t->f.http, fds, n, now);
	forward_dispatch(t->fwd, fds, n, now);
}

/* A port nothing on 127.0.0.1 uses now, for the task's echo servers. */
static int
ftest_free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd);
	return ntohs(sa.sin_port);
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
}

static int
ftest_setup(void **state)
{
	struct ftest *t = xcalloc(1, sizeof(*t));
	char *port, *yaml;
	struct api_error err = { 0 };
	struct osmo_workflow wf;

	lfix_open(&t->f, "forward-itest", NULL);
	t->fwd = forward_mgr_new(t->f.api, t->f.http);
	port = xasprintf("%d", ftest_free_port());
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
	api_cancel(t->f.api, t->workflow, true, "test over", wait_call_start(&c));
	lfix_finish(&t->f, &c, true);
	wait_call_free(&c);
	/* The cancel ends the task (its echo servers with it) before the server stops. */
	lfix_wait(&t->f, t->workflow, FTEST_START_MS, lfix_ended, &wf);
	osmo_workflow_free(&wf);
	forward_mgr_free(t->fwd);
	lfix_close(&t->f);
	free(t->workflow);
	free(t);
	return 0;
}

/* A non-blocking TCP client of the forward's local port. */
static int
ftest_connect(struct ftest *t)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
		                  .sin_port =
		                          htons((uint16_t)ftest_info(t, t->tcp_id)->local_port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		assert_int_equal(errno, EINPROGRESS);
	return fd;
}

struct ftest_echo {
	int fd;
	unsigned char *data;
	size_t len, sent, got;
	unsigned char *back;
};

/* Sends every echo's data and reads it back on its own connection, all at once. */
static void
ftest_echo(struct ftest *t, struct ftest_echo *e, int n)
{
	struct pollfd extra[FTEST_CONNS];
	int64_t deadline = clock_mono_ms() + FTEST_ECHO_MS;

	for (int i = 0; i < n; i++) {
		e[i].fd = ftest_connect(t);
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

	e.data = xmalloc(e.len);
	ftest_echo(t, &e, 1);
	free(e.data);
	ftest_wait_idle(t);
	assert_true(ftest_info(t, t->tcp_id)->bytes_up - up == FTEST_BIG);
	assert_true(ftest_info(t, t->tcp_id)->bytes_down >= FTEST_BIG);
	assert_int_equal(ftest_info(t, t->tcp_id)->state, FORWARD_LISTENING);
}

static void
test_tcp_concurrent(void **state)
{
	struct ftest *t = *state;
	struct ftest_echo e[FTEST_CONNS] = { 0 };

	for (int i = 0; i < FTEST_CONNS; i++) {
		e[i].len = FTEST_SMALL + (size_t)i * 1000;
		e[i].data = xmalloc(e[i].len);
	}
	ftest_echo(t, e, FTEST_CONNS);
	for (int i = 0; i < FTEST_CONNS; i++)
		free(e[i].data);
	ftest_wait_idle(t);
	assert_int_equal(ftest_info(t, t->tcp_id)->reconnects, 0);
}

static void
test_udp_round_trip(void **state)
{
	struct ftest *t = *state;
	struct sockaddr_in sa = { .sin_family = AF_INET,
		                  .sin_port =
		                          htons((uint16_t)ftest_info(t, t->udp_id)->local_port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	int64_t deadline = clock_mono_ms() + FTEST_START_MS, next = 0;
	static const char msg[] = "a datagram through the router";
	char buf[256];
	ssize_t r = -1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_big),
		cmocka_unit_test(test_tcp_concurrent),
		cmocka_unit_test(test_udp_round_trip),
	};

	return cmocka_run_group_tests(tests, ftest_setup, ftest_teardown);
}
