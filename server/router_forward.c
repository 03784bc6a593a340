/* router_forward.c: port-forward's task side: control and data legs to 127.0.0.1, UDP flows. */
#include "server/router_forward.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/encode.h"
#include "common/util.h"
#include "server/ws.h"
#include "common/wsproto.h"

#define ROUTER_FORWARD_LINGER_MS 5000 /* what the client sent before leaving may still go */
#define ROUTER_FORWARD_TCP_READS 16   /* reads per wake-up, so one connection cannot hog the loop */
#define ROUTER_FORWARD_UDP_READS 64   /* datagrams per wake-up, likewise */

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
	struct loop *loop;
	int port;
	int fd; /* -1 when not connected */
	unsigned long watch, retry_timer, linger_timer;
	int tries;
	bool connected, full;
	struct strbuf out; /* from the client, not yet taken by the task */
};

static void router_forward_tcp_fd(void *ctx, int fd, short revents);
static void router_forward_tcp_connect(struct router_forward_tcp *ft);

static void
router_forward_tcp_close_fd(struct router_forward_tcp *ft)
{
	loop_remove(ft->loop, ft->watch);
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
	loop_remove(ft->loop, ft->retry_timer);
	loop_remove(ft->loop, ft->linger_timer);
	strbuf_free(&ft->out);
	free(ft);
}

/* No watch while nothing is wanted: a reset task port must not spin while the client is full. */
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
	loop_watch(ft->loop, &ft->watch, ft->fd, ev, router_forward_tcp_fd, ft);
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
		ft->retry_timer = loop_add_timer(ft->loop, ROUTER_FORWARD_RETRY_MS,
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
	router_forward_tcp_events(ft); /* POLLOUT: the connect's end */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		ft->connected = true;
		router_forward_tcp_events(ft);
	} else if (errno != EINPROGRESS) {
		router_forward_tcp_failed(ft, errno);
	}
}

/*
 * Writes what the client sent; bytes sent before the task port answers wait, within bounds.
 * False when the task side is gone.
 */
static bool
router_forward_tcp_flush(struct router_forward_tcp *ft)
{
	if (ft->connected && router_write_held(ft->fd, &ft->out) < 0)
		return false;
	if (ft->c)
		router_conn_hold(ft->c, ft->out.len);
	return true;
}

/* Reads from the task to the client; false at the task side's end. */
static bool
router_forward_tcp_read(struct router_forward_tcp *ft)
{
	char buf[ROUTER_FORWARD_CHUNK];

	return router_conn_relay(ft->c, ft->fd, buf, sizeof(buf), ROUTER_FORWARD_TCP_READS,
	                         &ft->full) >= 0;
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
	loop_remove(ft->loop, ft->retry_timer);
	ft->retry_timer = 0;
	/* The client's last bytes still reach the task, as osmo-ctrl writes each before reading on. */
	if (ft->connected && ft->out.len && router_forward_tcp_flush(ft) && ft->out.len) {
		ft->linger_timer = loop_add_timer(ft->loop, ROUTER_FORWARD_LINGER_MS,
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
	struct loop *loop;
	int port;
	struct router_forward_flow **flows;
	size_t n_flows;
	bool full;
};

static void router_forward_flow_fd(void *ctx, int fd, short revents);

/* No watches while the client is full: a pending ICMP error is reported until read. */
static void
router_forward_flow_events(struct router_forward_flow *fl)
{
	struct router_forward_udp *fu = fl->fu;

	loop_watch(fu->loop, &fl->watch, fl->fd, fu->full ? 0 : POLLIN, router_forward_flow_fd, fl);
}

static void
router_forward_udp_events(struct router_forward_udp *fu)
{
	for (size_t i = 0; i < fu->n_flows; i++)
		router_forward_flow_events(fu->flows[i]);
}

static void
router_forward_flow_fd(void *ctx, int fd, short revents)
{
	struct router_forward_flow *fl = ctx;
	struct router_forward_udp *fu = fl->fu;
	unsigned char buf[ROUTER_FORWARD_CHUNK];

	(void)revents;
	memcpy(buf, fl->hdr, WSPROTO_UDP_HDR);
	for (int i = 0; i < ROUTER_FORWARD_UDP_READS && !fu->full; i++) {
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
	router_forward_flow_events(fl);
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
		loop_remove(fu->loop, fu->flows[i]->watch);
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
