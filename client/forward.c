/* forward.c: port-forwards (osmo-api/PROTOCOLS.md §2, §4): listeners, control and data WebSockets. */
#define _GNU_SOURCE /* accept4 */
#include "client/forward.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/util.h"
#include "client/wsconn.h"
#include "common/wsproto.h"

#define FORWARD_KEY_PREFIX "PORTFORWARD-"
#define FORWARD_KEY_LEN    (sizeof(FORWARD_KEY_PREFIX) - 1 + 32)
#define FORWARD_READS      64 /* local reads per dispatch and socket, so one cannot starve others */
#define FORWARD_UDP_MAX    65536

struct forward;

/* One accepted local TCP connection and its data WebSocket. */
struct forward_conn {
	struct forward *f;
	int fd; /* -1 once the local side ended */
	char key[FORWARD_KEY_LEN + 1];
	unsigned long call; /* the cookie or headers call in flight, 0 if none */
	struct wsconn *ws;
	bool ws_done;       /* closed() came */
	struct strbuf down; /* task -> local bytes the socket has not taken yet */
	bool dead;          /* swept (freed) by the next forward_pollfds or forward_dispatch */
	struct forward_conn *next;
};

struct forward {
	struct forward_info info;
	struct forward_mgr *m;
	int fd;             /* the listener (TCP) or the socket (UDP); -1 once stopped or failed */
	unsigned long call; /* the start or headers call in flight, 0 if none */
	char *router, *key; /* the start call's target */
	struct wsconn *ctl; /* control socket (TCP); the one data socket (UDP) */
	unsigned retry;
	struct forward_conn *conns;
};

struct forward_mgr {
	struct api *api;
	struct http *http;
	struct forward **v;
	size_t n;
	int backoff_ms, jitter_ms; /* §2.4's 1 s and 5 s unless forward_mgr_set_backoff */
};

/* Which failures of the start or the control socket are worth another try (§2.4). */
static const bool forward_kind_retries[] = {
	[API_ERR_TRANSPORT] = true,  [API_ERR_TIMEOUT] = true, [API_ERR_HTTP] = true,
	[API_ERR_AUTH] = false,      [API_ERR_DECODE] = false, [API_ERR_TOO_LARGE] = false,
	[API_ERR_CANCELLED] = false, [API_ERR_USAGE] = false,
};

static void forward_start(struct forward *f);

/* The revents poll() gave fd, 0 when fd was not watched. */
static short
forward_revents(const struct pollfd *fds, int n, int fd)
{
	short ev = 0;

	for (int i = 0; fd >= 0 && i < n; i++)
		if (fds[i].fd == fd)
			ev |= fds[i].revents;
	return ev;
}

static void
forward_conn_free(struct forward_conn *c)
{
	if (c->call)
		api_abort(c->f->m->api, c->call);
	if (c->fd >= 0)
		close(c->fd);
	wsconn_drop(c->ws, 1000);
	strbuf_free(&c->down);
	free(c);
}

/* info.pending_down: what every connection holds for its local socket now. */
static void
forward_count_pending(struct forward *f)
{
	f->info.pending_down = 0;
	for (const struct forward_conn *c = f->conns; c; c = c->next)
		f->info.pending_down += c->down.len;
}

/* Frees the connections marked dead; the counts in info follow. */
static void
forward_sweep(struct forward *f)
{
	struct forward_conn **pp = &f->conns;

	while (*pp) {
		struct forward_conn *c = *pp;

		if (!c->dead) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		forward_conn_free(c);
		f->info.conns_open--;
	}
	forward_count_pending(f);
}

static void
forward_conns_kill(struct forward *f)
{
	for (struct forward_conn *c = f->conns; c; c = c->next)
		c->dead = true;
}

/* Drops the start call, the control socket and every connection; the listener stays. */
static void
forward_reset(struct forward *f)
{
	if (f->call)
		api_abort(f->m->api, f->call);
	f->call = 0;
	wsconn_drop(f->ctl, 1000);
	f->ctl = NULL;
	free(f->router);
	free(f->key);
	f->router = f->key = NULL;
	forward_conns_kill(f);
}

/* Ends the forward for good in state s. */
static void
forward_end(struct forward *f, enum forward_state s)
{
	forward_reset(f);
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	f->info.state = s;
}

/* Waits 2^min(retry, 5) s plus 0-5 s (§2.4; other units with forward_mgr_set_backoff). */
static void
forward_retry_later(struct forward *f)
{
	unsigned exp = f->retry < FORWARD_RETRY_MAX ? f->retry : FORWARD_RETRY_MAX;
	uint32_t jitter = 0;

	forward_reset(f);
	util_random(&jitter, sizeof(jitter));
	f->info.state = FORWARD_RETRYING;
	f->info.retry_at_ms = clock_mono_ms() + ((int64_t)f->m->backoff_ms << exp) +
	                      (int64_t)(jitter % ((uint32_t)f->m->jitter_ms + 1));
}

/* A start, headers or control failure: retry on transport trouble, 425 and 5xx; else fail. */
static void
forward_failed(struct forward *f, const struct api_error *err)
{
	bool retry = (size_t)err->kind < ARRAY_SIZE(forward_kind_retries) &&
	             forward_kind_retries[err->kind];

	f->info.err = *err;
	if (err->kind == API_ERR_HTTP)
		retry = err->http_status == 425 || err->http_status >= 500;
	if (!retry) {
		forward_end(f, FORWARD_FAILED);
		return;
	}
	f->retry++;
	forward_retry_later(f);
}

/* UDP: a message from the task names the local peer in its first 6 bytes. */
static void
forward_ctl_message(void *ctx, const unsigned char *data, size_t n)
{
	struct forward *f = ctx;
	struct sockaddr_in sa = { .sin_family = AF_INET };

	/* TCP's control socket carries nothing down; n < 6 is no datagram. */
	if (!f->info.udp || n < WSPROTO_UDP_HDR || f->fd < 0)
		return;
	wsproto_udp_unpack(data, &sa.sin_addr.s_addr, &sa.sin_port);
	/* A full socket buffer drops the datagram, as UDP may. */
	if (sendto(f->fd, data + WSPROTO_UDP_HDR, n - WSPROTO_UDP_HDR, MSG_DONTWAIT,
	           (struct sockaddr *)&sa, sizeof(sa)) >= 0)
		f->info.bytes_down += n - WSPROTO_UDP_HDR;
}

static void
forward_ctl_open(void *ctx)
{
	struct forward *f = ctx;

	f->info.state = FORWARD_LISTENING;
	f->info.listened = true;
	f->retry = 0;
	api_error_clear(&f->info.err);
}

static void
forward_ctl_closed(void *ctx, const struct wsconn_end *end)
{
	struct forward *f = ctx;

	if (!end->opened) {
		forward_failed(f, &end->err);
		return;
	}
	/* A control socket that ends (task gone, router restart) restarts with the same count. */
	if (end->err.kind != API_OK)
		f->info.err = end->err;
	else
		api_error_set(&f->info.err, API_ERR_TRANSPORT,
		              "the control connection closed (code %d)", end->code);
	forward_retry_later(f);
}

/* The control or a data WebSocket for key, with the headers res holds (freed); NULL with err. */
static struct wsconn *
forward_connect(struct forward *f, const char *key, struct api_result *res,
                struct wsconn_callbacks cb, struct api_error *err)
{
	char *url = api_router_url(f->router, API_ROUTER_PORTFORWARD, f->info.workflow, key);
	struct wsconn *ws = api_wsconn_connect(f->m->http, url, res, cb, err);

	free(url);
	api_result_free(res);
	return ws;
}

static void
forward_ctl_headers(void *ctx, struct api_result *res)
{
	struct forward *f = ctx;
	struct wsconn_callbacks cb = { .open = forward_ctl_open,
		                       .message = forward_ctl_message,
		                       .closed = forward_ctl_closed,
		                       .ctx = f };
	struct api_error err = { 0 };

	f->call = 0;
	f->ctl = forward_connect(f, f->key, res, cb, &err);
	if (!f->ctl)
		forward_failed(f, &err);
}

static void
forward_started(void *ctx, struct api_result *res)
{
	struct forward *f = ctx;

	f->call = 0;
	if (res->err.kind == API_OK && res->n_targets != 1)
		api_error_set(&res->err, API_ERR_DECODE,
		              "port-forward answered with %zu targets for 1 port", res->n_targets);
	if (res->err.kind != API_OK) {
		forward_failed(f, &res->err);
		api_result_free(res);
		return;
	}
	f->router = res->targets[0].router_address;
	f->key = res->targets[0].key;
	res->targets[0].router_address = res->targets[0].key = NULL;
	f->call = api_upgrade_headers(
	        f->m->api, res->targets[0].cookie,
	        (struct api_callbacks){ .done = forward_ctl_headers, .ctx = f });
	api_result_free(res);
}

static void
forward_start(struct forward *f)
{
	f->info.state = FORWARD_STARTING;
	f->call = api_port_forward(f->m->api, f->info.workflow, f->info.task, &f->info.remote_port,
	                           1, f->info.udp,
	                           (struct api_callbacks){ .done = forward_started, .ctx = f });
}

/* Writes what the local socket takes of c->down; false when the socket failed. */
static bool
forward_conn_flush(struct forward_conn *c)
{
	while (c->down.len > 0 && c->fd >= 0) {
		ssize_t w = send(c->fd, c->down.buf, c->down.len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK;
		strbuf_consume(&c->down, (size_t)w);
	}
	return true;
}

/* Task -> local backpressure: the data socket pauses above FORWARD_QUEUE_HIGH, resumes at half. */
static void
forward_conn_pace(struct forward_conn *c)
{
	wsconn_pause(c->ws, wsconn_paused(c->ws) ? c->down.len > FORWARD_QUEUE_HIGH / 2
	                                         : c->down.len > FORWARD_QUEUE_HIGH);
}

/* The local side ended or failed: no half-close, so the data socket closes too. */
static void
forward_conn_local_end(struct forward_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	strbuf_reset(&c->down);
	if (c->ws && !c->ws_done)
		wsconn_close(c->ws, 1000); /* queued bytes go first; closed() marks c dead */
	else
		c->dead = true;
}

static void
forward_conn_message(void *ctx, const unsigned char *data, size_t n)
{
	struct forward_conn *c = ctx;

	if (n == 0) { /* OSMO's EOF: the task side is done */
		wsconn_close(c->ws, 1000);
		return;
	}
	if (c->fd < 0)
		return;
	strbuf_add(&c->down, data, n);
	c->f->info.bytes_down += n;
	if (c->down.len > c->f->info.pending_down_max)
		c->f->info.pending_down_max = c->down.len;
	if (!forward_conn_flush(c))
		forward_conn_local_end(c);
	else
		forward_conn_pace(c);
}

static void
forward_conn_closed(void *ctx, const struct wsconn_end *end)
{
	struct forward_conn *c = ctx;

	c->ws_done = true;
	if (!end->opened)
		c->f->info.err = end->err;
	else if (!end->clean && !end->local && end->reason[0])
		/* The router gave up on the task's port (nothing listens there): the user must know,
		 * since the local side only sees its connection end. */
		api_error_set(&c->f->info.err, API_ERR_TRANSPORT, "the task's side: %s",
		              end->reason);
	/* What the task sent still reaches the local side; then both are closed. */
	if (c->fd < 0 || c->down.len == 0)
		c->dead = true;
}

static void
forward_conn_open(void *ctx)
{
	(void)ctx; /* the next forward_pollfds starts reading the local socket */
}

static void
forward_conn_headers(void *ctx, struct api_result *res)
{
	struct forward_conn *c = ctx;
	struct wsconn_callbacks cb = { .open = forward_conn_open,
		                       .message = forward_conn_message,
		                       .closed = forward_conn_closed,
		                       .ctx = c };
	struct api_error err = { 0 };

	c->call = 0;
	c->ws = forward_connect(c->f, c->key, res, cb, &err);
	if (!c->ws) {
		c->f->info.err = err;
		c->dead = true;
	}
}

/* The control message announcing a data connection: {"key": K, "cookie": C}, C escaped. */
static char *
forward_announce(const char *key, const char *cookie, size_t *len)
{
	struct strbuf sb = { 0 };

	strbuf_addf(&sb, "{\"key\": \"%s\", \"cookie\": \"", key);
	for (const unsigned char *p = (const unsigned char *)cookie; *p; p++) {
		if (*p == '"' || *p == '\\')
			strbuf_addch(&sb, '\\');
		if (*p < 0x20)
			strbuf_addf(&sb, "\\u%04x", *p);
		else
			strbuf_addch(&sb, (char)*p);
	}
	strbuf_addstr(&sb, "\"}");
	*len = sb.len;
	return strbuf_detach(&sb);
}

static void
forward_conn_cookie(void *ctx, struct api_result *res)
{
	struct forward_conn *c = ctx;
	struct forward *f = c->f;
	const char *cookie = res->cookie ? res->cookie : "";
	size_t len;
	char *msg;

	c->call = 0;
	if (res->err.kind != API_OK || !wsconn_is_open(f->ctl)) {
		if (res->err.kind != API_OK)
			f->info.err = res->err;
		c->dead = true;
		api_result_free(res);
		return;
	}
	/* The same cookie goes in the announcement and the data socket's upgrade (§4). */
	msg = forward_announce(c->key, cookie, &len);
	wsconn_send(f->ctl, msg, len);
	free(msg);
	c->call = api_upgrade_headers(
	        f->m->api, cookie,
	        (struct api_callbacks){ .done = forward_conn_headers, .ctx = c });
	api_result_free(res);
}

/* Takes one accepted socket: a fresh key, then its cookie, announcement and data socket. */
static void
forward_conn_new(struct forward *f, int fd)
{
	struct forward_conn *c = xcalloc(1, sizeof(*c));
	unsigned char raw[16];
	int n;

	c->f = f;
	c->fd = fd;
	c->next = f->conns;
	f->conns = c;
	f->info.conns_open++;
	if (util_random(raw, sizeof(raw)) < 0) {
		api_error_set(&f->info.err, API_ERR_USAGE, "no random bytes for a connection key");
		c->dead = true;
		return;
	}
	n = snprintf(c->key, sizeof(c->key), "%s", FORWARD_KEY_PREFIX);
	util_hex(raw, sizeof(raw), c->key + n);
	c->call =
	        api_router_cookie(f->m->api, f->router,
	                          (struct api_callbacks){ .done = forward_conn_cookie, .ctx = c });
}

static void
forward_accept(struct forward *f)
{
	while (f->info.conns_open < FORWARD_MAX_CONNS) {
		int fd = accept4(f->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0 && errno == EINTR)
			continue;
		if (fd < 0)
			return; /* EAGAIN, or an aborted connection: the next one may do */
		forward_conn_new(f, fd);
	}
}

/* Local -> task: ≤ FORWARD_CHUNK per message while the socket's queue is short. */
static void
forward_conn_read(struct forward_conn *c)
{
	char buf[FORWARD_CHUNK];

	for (int i = 0; i < FORWARD_READS && c->fd >= 0; i++) {
		ssize_t r;

		if (wsconn_queued(c->ws) >= FORWARD_QUEUE_HIGH)
			return;
		r = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r <= 0 || wsconn_send(c->ws, buf, (size_t)r) < 0) {
			forward_conn_local_end(c);
			return;
		}
		c->f->info.bytes_up += (uint64_t)r;
	}
}

/* UDP local -> task: each datagram becomes one message behind its peer's 6 bytes. */
static void
forward_udp_read(struct forward *f)
{
	unsigned char *buf = xmalloc(WSPROTO_UDP_HDR + FORWARD_UDP_MAX);

	for (int i = 0; i < FORWARD_READS && wsconn_queued(f->ctl) < FORWARD_QUEUE_HIGH; i++) {
		struct sockaddr_in sa;
		socklen_t sl = sizeof(sa);
		ssize_t r = recvfrom(f->fd, buf + WSPROTO_UDP_HDR, FORWARD_UDP_MAX, MSG_DONTWAIT,
		                     (struct sockaddr *)&sa, &sl);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		wsproto_udp_pack(sa.sin_addr.s_addr, sa.sin_port, buf);
		if (wsconn_send(f->ctl, buf, WSPROTO_UDP_HDR + (size_t)r) < 0)
			break;
		f->info.bytes_up += (uint64_t)r;
	}
	free(buf);
}

/* A non-blocking socket bound to 127.0.0.1:port (0: any), listening when TCP. */
static int
forward_bind(int port, bool udp, int *bound, struct api_error *err)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	socklen_t sl = sizeof(sa);
	int one = 1;
	int fd =
	        socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* TCP only: on UDP, SO_REUSEADDR lets a second socket bind the same port unnoticed. */
	if (fd < 0 || (!udp && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || (!udp && listen(fd, 128) < 0) ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
		api_error_set(err, API_ERR_USAGE, "cannot bind 127.0.0.1:%d (%s): %s", port,
		              udp ? "udp" : "tcp", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*bound = ntohs(sa.sin_port);
	return fd;
}

bool
forward_port_free(int port, bool udp)
{
	struct api_error err = { 0 };
	int bound, fd = forward_bind(port, udp, &bound, &err);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* A port's digits in [s, e): its value (65536 for any larger), or -1 when not all digits. */
static long
forward_spec_num(const char *s, const char *e)
{
	long v = 0;

	if (s == e)
		return -1;
	for (; s < e; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > 65535)
			v = 65536; /* stays out of range, never overflows */
	}
	return v;
}

/* "A" or "A-B" in [s, e) into lo..hi; a sentence's tail in *why when it is not one. */
static bool
forward_spec_range(const char *s, const char *e, long *lo, long *hi, const char **why)
{
	const char *dash = memchr(s, '-', (size_t)(e - s));

	*lo = forward_spec_num(s, dash ? dash : e);
	*hi = dash ? forward_spec_num(dash + 1, e) : *lo;
	if (*lo < 0 || *hi < 0)
		*why = "not REMOTE[:LOCAL] or a range A-B[:C-D]";
	else if (*lo < 1 || *lo > 65535 || *hi < 1 || *hi > 65535)
		*why = "ports are 1 to 65535";
	else if (*hi < *lo)
		*why = "a range goes up";
	else
		return true;
	return false;
}

/* One item: appends its ports to out[*n]; 0, or -1 with *err naming it. */
static int
forward_spec_item(const char *s, const char *e, struct forward_port *out, size_t *n, char **err)
{
	const char *colon = memchr(s, ':', (size_t)(e - s));
	char item[48];
	const char *why = NULL;
	long rlo, rhi, llo, lhi;

	util_printable(item, sizeof(item), s, (size_t)(e - s));
	if (!forward_spec_range(s, colon ? colon : e, &rlo, &rhi, &why) ||
	    (colon && !forward_spec_range(colon + 1, e, &llo, &lhi, &why))) {
		*err = xasprintf("%s: %s", item, why);
		return -1;
	}
	if (!colon) {
		llo = rlo;
		lhi = rhi;
	}
	if (rhi - rlo != lhi - llo) {
		*err = xasprintf("%s: %ld remote port%s but %ld local", item, rhi - rlo + 1,
		                 rhi == rlo ? "" : "s", lhi - llo + 1);
		return -1;
	}
	if ((size_t)(rhi - rlo + 1) > FORWARD_MAX_PORTS - *n) {
		*err = xasprintf("%s: more than %d ports in all (the service's limit per task)",
		                 item, FORWARD_MAX_PORTS);
		return -1;
	}
	for (long i = 0; i <= rhi - rlo; i++) {
		for (size_t j = 0; j < *n; j++)
			if (out[j].local == llo + i) {
				*err = xasprintf("%s: local port %ld is given twice", item,
				                 llo + i);
				return -1;
			}
		out[(*n)++] =
		        (struct forward_port){ .remote = (int)(rlo + i), .local = (int)(llo + i) };
	}
	return 0;
}

int
forward_ports_parse(const char *spec, struct forward_port **out, size_t *n, char **err)
{
	struct forward_port *v = xcalloc(FORWARD_MAX_PORTS, sizeof(*v));
	const char *all = spec ? spec : "", *p = all;

	*out = NULL;
	*n = 0;
	*err = NULL;
	for (;;) {
		const char *comma = strchr(p, ',');
		const char *s = p, *e = comma ? comma : p + strlen(p);

		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (s == e) {
			char shown[48];

			util_printable(shown, sizeof(shown), all, strlen(all));
			*err = comma || p != all
			               ? xasprintf("%s: an empty item between commas", shown)
			               : xstrdup("no port given");
			break;
		}
		if (forward_spec_item(s, e, v, n, err) < 0)
			break;
		if (!comma) {
			*out = v;
			return 0;
		}
		p = comma + 1;
	}
	free(v);
	*n = 0;
	return -1;
}

struct forward_mgr *
forward_mgr_new(struct api *api, struct http *http)
{
	struct forward_mgr *m = xcalloc(1, sizeof(*m));

	m->api = api;
	m->http = http;
	m->backoff_ms = FORWARD_BACKOFF_MS;
	m->jitter_ms = FORWARD_JITTER_MS;
	return m;
}

void
forward_mgr_set_backoff(struct forward_mgr *m, int base_ms, int jitter_ms)
{
	m->backoff_ms = base_ms > 0 ? base_ms : 1;
	m->jitter_ms = jitter_ms > 0 ? jitter_ms : 0;
}

void
forward_mgr_free(struct forward_mgr *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		struct forward *f = m->v[i];

		forward_end(f, FORWARD_STOPPED);
		forward_sweep(f);
		free((char *)f->info.workflow);
		free((char *)f->info.task);
		free(f);
	}
	free(m->v);
	free(m);
}

int
forward_add(struct forward_mgr *m, const char *workflow, const char *task, int remote_port,
            int local_port, bool udp, struct api_error *err)
{
	struct forward *f;
	int bound, fd;

	if (remote_port < 1 || remote_port > 65535 || local_port < 0 || local_port > 65535) {
		api_error_set(err, API_ERR_USAGE, "ports are 1 to 65535");
		return -1;
	}
	if (!workflow || !*workflow || !task || !*task) {
		api_error_set(err, API_ERR_USAGE, "port-forward needs a workflow and a task");
		return -1;
	}
	/* Bound before anything goes on the network: a busy port fails the command (§2.2). */
	fd = forward_bind(local_port, udp, &bound, err);
	if (fd < 0)
		return -1;
	f = xcalloc(1, sizeof(*f));
	f->m = m;
	f->fd = fd;
	f->info.id = (int)m->n;
	f->info.workflow = xstrdup(workflow);
	f->info.task = xstrdup(task);
	f->info.remote_port = remote_port;
	f->info.local_port = bound;
	f->info.udp = udp;
	m->v = xreallocarray(m->v, m->n + 1, sizeof(*m->v));
	m->v[m->n++] = f;
	forward_start(f);
	return f->info.id;
}

void
forward_stop(struct forward_mgr *m, int id)
{
	if (id < 0 || (size_t)id >= m->n)
		return;
	if (m->v[id]->info.state != FORWARD_FAILED)
		forward_end(m->v[id], FORWARD_STOPPED);
	forward_sweep(m->v[id]);
}

void
forward_stop_all(struct forward_mgr *m)
{
	for (size_t i = 0; i < m->n; i++)
		forward_stop(m, (int)i);
}

const struct forward_info *
forward_info_at(const struct forward_mgr *m, size_t i)
{
	return i < m->n ? &m->v[i]->info : NULL;
}

size_t
forward_active(const struct forward_mgr *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n; i++)
		n += m->v[i]->info.state != FORWARD_FAILED &&
		     m->v[i]->info.state != FORWARD_STOPPED;
	return n;
}

/* Adds fd with events to fds when there is room and something to wait for. */
static int
forward_add_fd(struct pollfd *fds, int n, int max, int fd, short events)
{
	if (fd < 0 || !events || n >= max)
		return n;
	fds[n] = (struct pollfd){ .fd = fd, .events = events };
	return n + 1;
}

int
forward_pollfds(struct forward_mgr *m, struct pollfd *fds, int max)
{
	int n = 0;

	for (size_t i = 0; i < m->n; i++) {
		struct forward *f = m->v[i];
		bool listening = f->info.state == FORWARD_LISTENING;

		forward_sweep(f);
		if (f->info.udp)
			n = forward_add_fd(fds, n, max, f->fd,
			                   listening && wsconn_queued(f->ctl) < FORWARD_QUEUE_HIGH
			                           ? POLLIN
			                           : 0);
		else
			n = forward_add_fd(
			        fds, n, max, f->fd,
			        listening && f->info.conns_open < FORWARD_MAX_CONNS ? POLLIN : 0);
		if (f->ctl && n < max)
			n += wsconn_pollfds(f->ctl, fds + n, max - n);
		for (struct forward_conn *c = f->conns; c; c = c->next) {
			bool reading = c->ws && wsconn_is_open(c->ws) &&
			               wsconn_queued(c->ws) < FORWARD_QUEUE_HIGH;

			n = forward_add_fd(
			        fds, n, max, c->fd,
			        (short)((reading ? POLLIN : 0) | (c->down.len ? POLLOUT : 0)));
			if (c->ws && !c->ws_done && n < max)
				n += wsconn_pollfds(c->ws, fds + n, max - n);
		}
	}
	return n;
}

int
forward_timeout_ms(const struct forward_mgr *m, int64_t now_ms)
{
	int t = -1;

	for (size_t i = 0; i < m->n; i++) {
		const struct forward *f = m->v[i];

		if (f->info.state == FORWARD_RETRYING)
			t = util_timeout_min(t, util_timeout_until(f->info.retry_at_ms, now_ms));
		t = util_timeout_min(t, wsconn_timeout_ms(f->ctl, now_ms));
		for (const struct forward_conn *c = f->conns; c; c = c->next)
			t = util_timeout_min(t, c->dead ? 0 : wsconn_timeout_ms(c->ws, now_ms));
	}
	return t;
}

/* One connection's work: its data socket, then the local socket's writes and reads. */
static void
forward_conn_dispatch(struct forward_conn *c, const struct pollfd *fds, int n, int64_t now_ms)
{
	short ev;

	if (c->dead)
		return;
	if (c->ws && !c->ws_done)
		wsconn_dispatch(c->ws, fds, n, now_ms);
	if (c->dead || c->fd < 0)
		return;
	ev = forward_revents(fds, n, c->fd);
	if ((ev & POLLOUT) && !forward_conn_flush(c)) {
		forward_conn_local_end(c);
		return;
	}
	forward_conn_pace(c);
	if (c->ws_done && c->down.len == 0) {
		c->dead = true; /* the task side ended and everything it sent was written */
		return;
	}
	if ((ev & (POLLIN | POLLHUP | POLLERR)) && wsconn_is_open(c->ws))
		forward_conn_read(c);
}

LOOP_SOURCE_DEFINE(forward_source, struct forward_mgr, forward);

void
forward_dispatch(struct forward_mgr *m, const struct pollfd *fds, int n, int64_t now_ms)
{
	for (size_t i = 0; i < m->n; i++) {
		struct forward *f = m->v[i];
		short ev;

		if (f->info.state == FORWARD_RETRYING && now_ms >= f->info.retry_at_ms) {
			f->info.reconnects++;
			forward_start(f);
		}
		if (f->ctl)
			wsconn_dispatch(f->ctl, fds, n, now_ms);
		ev = f->info.state == FORWARD_LISTENING ? forward_revents(fds, n, f->fd) : 0;
		if (ev & POLLIN) {
			if (f->info.udp)
				forward_udp_read(f);
			else
				forward_accept(f);
		}
		for (struct forward_conn *c = f->conns; c; c = c->next)
			forward_conn_dispatch(c, fds, n, now_ms);
		forward_sweep(f);
	}
}
