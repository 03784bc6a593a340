/* router_forward.c: port-forward's task side: control and data legs to 127.0.0.1, UDP flows. */
#include "router_forward.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "encode.h"
#include "util.h"
#include "ws.h"
#include "wsproto.h"

#define ROUTER_FORWARD_OUT_MAX   ((size_t)1 << 20) /* bytes held for the task before pausing */
#define ROUTER_FORWARD_LINGER_MS 5000 /* what the client sent before leaving may still go */

static struct sockaddr_in
router_forward_addr(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sa;
}

/* ------------------------------------------------------------------ TCP control legs */

/* The leg itself is all its state. */
static void *
router_forward_control_open(struct router_conn *c)
{
	return c;
}

/* {"key": "...", "cookie": "..."}: the client is about to open a data leg with that key. */
static void
router_forward_control_message(void *b, const unsigned char *data, size_t n)
{
	struct router_conn *c = b;
	char *key;

	/* osmo-ctrl stops reading its control leg at the first message that is not JSON. */
	if (encode_forward_request((const char *)data, n, &key) < 0) {
		router_conn_close(c, WS_CLOSE_ERROR, "port-forward request is not JSON");
		return;
	}
	/* A key that cannot be used (missing, odd characters, taken) opens nothing. */
	if (key)
		router_conn_add_data_key(c, key);
	free(key);
}

static void
router_forward_control_gone(void *b)
{
	(void)b;
}

const struct router_backend *
router_forward_control_backend(void)
{
	static const struct router_backend be = {
		.open = router_forward_control_open,
		.message = router_forward_control_message,
		.gone = router_forward_control_gone,
	};

	return &be;
}

/* ------------------------------------------------------------------ TCP data legs */

struct router_forward_tcp {
	struct router_conn *c; /* NULL once the leg is gone (lingering) */
	struct server_loop *loop;
	int port;
	int fd; /* -1 when not connected */
	unsigned long watch, retry_timer, linger_timer;
	int tries;
	bool connected, full, paused;
	struct strbuf out; /* from the client, not yet taken by the task */
};

static void router_forward_tcp_fd(void *ctx, int fd, short revents);
static void router_forward_tcp_connect(struct router_forward_tcp *ft);

static void
router_forward_tcp_close_fd(struct router_forward_tcp *ft)
{
	server_loop_remove(ft->loop, ft->watch);
	ft->watch = 0;
	if (ft->fd >= 0)
		close(ft->fd);
	ft->fd = -1;
	ft->connected = false;
}

static void
router_forward_tcp_free(struct router_forward_tcp *ft)
{
	router_forward_tcp_close_fd(ft);
	server_loop_remove(ft->loop, ft->retry_timer);
	server_loop_remove(ft->loop, ft->linger_timer);
	strbuf_free(&ft->out);
	free(ft);
}

static void
router_forward_tcp_events(struct router_forward_tcp *ft)
{
	short ev = 0;

	if (ft->fd < 0)
		return;
	if (!ft->connected || ft->out.len)
		ev |= POLLOUT;
	if (ft->connected && ft->c && !ft->full)
		ev |= POLLIN;
	server_loop_set_events(ft->loop, ft->watch, ev);
}

/* The task side ended (EOF, reset) or never answered: no half-close, both sides end. */
static void
router_forward_tcp_end(struct router_forward_tcp *ft, int code, const char *reason)
{
	router_forward_tcp_close_fd(ft);
	strbuf_reset(&ft->out);
	if (!ft->c) {
		router_forward_tcp_free(ft);
		return;
	}
	router_conn_close(ft->c, code, reason);
}

static void
router_forward_tcp_retry(void *ctx)
{
	struct router_forward_tcp *ft = ctx;

	ft->retry_timer = 0;
	router_forward_tcp_connect(ft);
}

/* A failed attempt: again a second later, as osmo-ctrl does, or give up. */
static void
router_forward_tcp_failed(struct router_forward_tcp *ft, int err)
{
	char reason[96];

	router_forward_tcp_close_fd(ft);
	if (ft->c && ++ft->tries < ROUTER_FORWARD_TRIES) {
		ft->retry_timer = server_loop_add_timer(ft->loop, ROUTER_FORWARD_RETRY_MS,
		                                        router_forward_tcp_retry, ft);
		return;
	}
	snprintf(reason, sizeof(reason), "cannot connect to 127.0.0.1:%d: %s", ft->port,
	         strerror(err));
	router_forward_tcp_end(ft, WS_CLOSE_ERROR, reason);
}

static void
router_forward_tcp_connect(struct router_forward_tcp *ft)
{
	struct sockaddr_in sa = router_forward_addr(ft->port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		router_forward_tcp_failed(ft, errno);
		return;
	}
	ft->fd = fd;
	ft->watch = server_loop_add_fd(ft->loop, fd, POLLOUT, router_forward_tcp_fd, ft);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		ft->connected = true;
		router_forward_tcp_events(ft);
	} else if (errno != EINPROGRESS) {
		router_forward_tcp_failed(ft, errno);
	}
}

/* Writes what the client sent; false when the task side is gone. */
static bool
router_forward_tcp_flush(struct router_forward_tcp *ft)
{
	while (ft->connected && ft->out.len) {
		ssize_t n = send(ft->fd, ft->out.buf, ft->out.len, MSG_NOSIGNAL);

		if (n > 0) {
			strbuf_consume(&ft->out, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		return false;
	}
	if (ft->c && ft->paused && ft->out.len < ROUTER_FORWARD_OUT_MAX / 4) {
		ft->paused = false;
		router_conn_pause(ft->c, false);
	}
	return true;
}

/* Reads from the task to the client; false at the task side's end. */
static bool
router_forward_tcp_read(struct router_forward_tcp *ft)
{
	char *buf = xmalloc(ROUTER_FORWARD_CHUNK);
	bool alive = true;

	for (int i = 0; i < 16 && !ft->full; i++) {
		ssize_t n = recv(ft->fd, buf, ROUTER_FORWARD_CHUNK, 0);

		if (n > 0) {
			ft->full = !router_conn_send(ft->c, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		alive = false;
		break;
	}
	free(buf);
	return alive;
}

static void
router_forward_tcp_fd(void *ctx, int fd, short revents)
{
	struct router_forward_tcp *ft = ctx;

	if (!ft->connected) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			router_forward_tcp_failed(ft, err);
			return;
		}
		ft->connected = true;
	}
	if (((revents & POLLOUT) || ft->out.len) && !router_forward_tcp_flush(ft)) {
		router_forward_tcp_end(ft, WS_CLOSE_NORMAL, NULL);
		return;
	}
	if (!ft->c) {
		/* Lingering: done once the client's last bytes are out, or at a hang-up. */
		if (!ft->out.len || (revents & (POLLHUP | POLLERR)))
			router_forward_tcp_free(ft);
		else
			router_forward_tcp_events(ft);
		return;
	}
	if ((revents & (POLLIN | POLLHUP | POLLERR)) && !ft->full && !router_forward_tcp_read(ft)) {
		router_forward_tcp_end(ft, WS_CLOSE_NORMAL, NULL);
		return;
	}
	router_forward_tcp_events(ft);
}

static void *
router_forward_tcp_open(struct router_conn *c)
{
	struct router_forward_tcp *ft = xcalloc(1, sizeof(*ft));

	ft->c = c;
	ft->loop = router_loop(router_conn_router(c));
	ft->port = router_conn_target(c)->port;
	ft->fd = -1;
	router_forward_tcp_connect(ft);
	return ft;
}

static void
router_forward_tcp_message(void *b, const unsigned char *data, size_t n)
{
	struct router_forward_tcp *ft = b;

	strbuf_add(&ft->out, data, n);
	if (!router_forward_tcp_flush(ft)) {
		router_forward_tcp_end(ft, WS_CLOSE_NORMAL, NULL);
		return;
	}
	/* Bytes sent before the task port answers wait here, within bounds. */
	if (!ft->paused && ft->out.len > ROUTER_FORWARD_OUT_MAX) {
		ft->paused = true;
		router_conn_pause(ft->c, true);
	}
	router_forward_tcp_events(ft);
}

static void
router_forward_tcp_drained(void *b)
{
	struct router_forward_tcp *ft = b;

	ft->full = false;
	router_forward_tcp_events(ft);
}

static void
router_forward_tcp_linger_timeout(void *ctx)
{
	struct router_forward_tcp *ft = ctx;

	ft->linger_timer = 0;
	router_forward_tcp_free(ft);
}

static void
router_forward_tcp_gone(void *b)
{
	struct router_forward_tcp *ft = b;

	ft->c = NULL;
	server_loop_remove(ft->loop, ft->retry_timer);
	ft->retry_timer = 0;
	/* The client's last bytes still reach the task, as osmo-ctrl writes each before reading on. */
	if (ft->connected && ft->out.len && router_forward_tcp_flush(ft) && ft->out.len) {
		ft->linger_timer = server_loop_add_timer(ft->loop, ROUTER_FORWARD_LINGER_MS,
		                                         router_forward_tcp_linger_timeout, ft);
		router_forward_tcp_events(ft);
		return;
	}
	router_forward_tcp_free(ft);
}

const struct router_backend *
router_forward_tcp_backend(void)
{
	static const struct router_backend be = {
		.open = router_forward_tcp_open,
		.message = router_forward_tcp_message,
		.drained = router_forward_tcp_drained,
		.gone = router_forward_tcp_gone,
	};

	return &be;
}

/* ------------------------------------------------------------------ UDP */

struct router_forward_udp;

/* One local peer: its own socket to the task port, so replies find their way back. */
struct router_forward_flow {
	struct router_forward_udp *fu;
	unsigned char hdr[WSPROTO_UDP_HDR];
	int fd;
	unsigned long watch;
};

struct router_forward_udp {
	struct router_conn *c;
	struct server_loop *loop;
	int port;
	struct router_forward_flow **flows;
	size_t n_flows;
	bool full;
};

static void
router_forward_udp_events(struct router_forward_udp *fu)
{
	for (size_t i = 0; i < fu->n_flows; i++)
		server_loop_set_events(fu->loop, fu->flows[i]->watch, fu->full ? 0 : POLLIN);
}

static void
router_forward_flow_fd(void *ctx, int fd, short revents)
{
	struct router_forward_flow *fl = ctx;
	struct router_forward_udp *fu = fl->fu;
	unsigned char *buf = xmalloc(ROUTER_FORWARD_CHUNK);

	/* A pending ICMP error would be reported again and again while we do not read. */
	if ((revents & POLLERR) && fu->full) {
		int err;
		socklen_t len = sizeof(err);

		getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	}
	memcpy(buf, fl->hdr, WSPROTO_UDP_HDR);
	for (int i = 0; i < 64 && !fu->full; i++) {
		/* Each reply goes back behind its peer's header, within osmo-ctrl's buffer. */
		ssize_t n =
		        recv(fd, buf + WSPROTO_UDP_HDR, ROUTER_FORWARD_CHUNK - WSPROTO_UDP_HDR, 0);

		if (n >= 0) {
			fu->full = !router_conn_send(fu->c, buf, WSPROTO_UDP_HDR + (size_t)n);
			continue;
		}
		/* ECONNREFUSED: nothing listened when a datagram arrived; later ones may do. */
		if (errno == EINTR || errno == ECONNREFUSED)
			continue;
		break;
	}
	free(buf);
	if (fu->full)
		router_forward_udp_events(fu);
}

static struct router_forward_flow *
router_forward_udp_flow(struct router_forward_udp *fu, const unsigned char *hdr)
{
	struct sockaddr_in sa = router_forward_addr(fu->port);
	struct router_forward_flow *fl;
	int fd;

	for (size_t i = 0; i < fu->n_flows; i++)
		if (memcmp(fu->flows[i]->hdr, hdr, WSPROTO_UDP_HDR) == 0)
			return fu->flows[i];
	if (fu->n_flows >= ROUTER_FORWARD_MAX_FLOWS)
		return NULL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return NULL;
	}
	fl = xcalloc(1, sizeof(*fl));
	fl->fu = fu;
	memcpy(fl->hdr, hdr, WSPROTO_UDP_HDR);
	fl->fd = fd;
	fl->watch =
	        server_loop_add_fd(fu->loop, fd, fu->full ? 0 : POLLIN, router_forward_flow_fd, fl);
	fu->flows = xreallocarray(fu->flows, fu->n_flows + 1, sizeof(*fu->flows));
	fu->flows[fu->n_flows++] = fl;
	return fl;
}

static void *
router_forward_udp_open(struct router_conn *c)
{
	struct router_forward_udp *fu = xcalloc(1, sizeof(*fu));

	fu->c = c;
	fu->loop = router_loop(router_conn_router(c));
	fu->port = router_conn_target(c)->port;
	return fu;
}

/* Header and payload: the payload goes to the task port from that peer's socket. */
static void
router_forward_udp_message(void *b, const unsigned char *data, size_t n)
{
	struct router_forward_udp *fu = b;
	struct router_forward_flow *fl;

	/* Shorter than a header names no peer (osmo-ctrl would crash): drop it. */
	if (n < WSPROTO_UDP_HDR)
		return;
	fl = router_forward_udp_flow(fu, data);
	/* UDP may lose datagrams: a full socket or a refused port drops this one. */
	if (fl)
		(void)send(fl->fd, data + WSPROTO_UDP_HDR, n - WSPROTO_UDP_HDR, MSG_NOSIGNAL);
}

static void
router_forward_udp_drained(void *b)
{
	struct router_forward_udp *fu = b;

	fu->full = false;
	router_forward_udp_events(fu);
}

static void
router_forward_udp_gone(void *b)
{
	struct router_forward_udp *fu = b;

	for (size_t i = 0; i < fu->n_flows; i++) {
		server_loop_remove(fu->loop, fu->flows[i]->watch);
		close(fu->flows[i]->fd);
		free(fu->flows[i]);
	}
	free(fu->flows);
	free(fu);
}

const struct router_backend *
router_forward_udp_backend(void)
{
	static const struct router_backend be = {
		.open = router_forward_udp_open,
		.message = router_forward_udp_message,
		.drained = router_forward_udp_drained,
		.gone = router_forward_udp_gone,
	};

	return &be;
}
