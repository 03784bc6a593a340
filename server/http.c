/* http.c: libmicrohttpd driven from our poll loop; the only file in server/ that includes it. */
#include "server/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

/* Beyond this declared length we answer 413 without reading; below it we drain, then answer. */
#define SERVER_HTTP_DRAIN_LIMIT ((uint64_t)SERVER_HTTP_MAX_BODY * 8)
/* Idle keep-alive connections close after this; suspended streams are exempt. */
#define SERVER_HTTP_IDLE_S   300u
#define SERVER_HTTP_BLOCK_SZ (32u * 1024u)
/* Descriptors kept from connections: task pipes and logs for the slots, state files, legs. */
#define SERVER_HTTP_FD_RESERVE 256u
#define SERVER_HTTP_MIN_CONNS  8u
#define SERVER_HTTP_MAX_CONNS  1020u /* libmicrohttpd's own default, FD_SETSIZE - 4 */

struct server_http_route_entry {
	const struct server_http_route *route;
	void *ctx;
};

struct server_http {
	struct MHD_Daemon *daemon;
	int epoll_fd;
	unsigned port;
	bool quiesced;
	bool stopping;       /* server_http_free: streams end with an error */
	bool resume_pending; /* a stream was resumed since the last MHD_run */
	struct server_http_route_entry *routes;
	size_t n_routes;
	bool (*gate)(void *ctx, struct server_http_request *req, struct server_http_response *res);
	void *gate_ctx;
	struct server_http_stream *streams; /* every live stream, for shutdown and hang-up watch */
	struct server_http_upgrade *upgrades; /* every upgrade not yet closed, for shutdown */
	struct server_http_stats stats;
};

/* An upgrade answer: pending until MHD hands over the socket, then the owner's until closed. */
struct server_http_upgrade {
	struct server_http *h;
	struct MHD_UpgradeResponseHandle *urh; /* set once open */
	void (*on_open)(void *ctx, struct server_http_upgrade *u, int fd, const char *extra,
	                size_t n);
	void (*on_gone)(void *ctx);
	void *ctx;
	struct server_http_upgrade *prev, *next;
};

struct server_http_stream {
	struct server_http *h;
	struct MHD_Connection *conn; /* set when the response is queued */
	int fd;                      /* the connection's socket, -1 when unknown */
	struct strbuf buf;           /* written by the owner, not yet given to MHD */
	bool closed;                 /* the owner is done: end after buf */
	bool suspended;              /* we suspended the connection and have not resumed it */
	bool watch;                  /* poll fd while suspended, to notice a hang-up */
	bool peer_gone;
	void (*on_gone)(void *ctx);
	void *ctx;
	struct server_http_stream *prev, *next;
};

/* One request in flight: MHD's con_cls. */
struct server_http_exchange {
	struct server_http_request req;
	char *method;
	char *path;
	struct strbuf body;
	bool too_large;
	struct server_http_upgrade *upgrade; /* queued, not yet handed over */
};

static const char *const server_http_json_escapes[] = {
	['"'] = "\\\"", ['\\'] = "\\\\", ['\b'] = "\\b", ['\f'] = "\\f",
	['\n'] = "\\n", ['\r'] = "\\r",  ['\t'] = "\\t",
};

/* Pydantic's spellings for booleans in query strings, compared without case. */
static const struct {
	const char *text;
	bool value;
} server_http_bools[] = {
	{ "true", true }, { "false", false }, { "1", true },  { "0", false },
	{ "yes", true },  { "no", false },    { "on", true }, { "off", false },
	{ "t", true },    { "f", false },     { "y", true },  { "n", false },
};

static void
server_http_kvs_push(struct server_http_kvs *kvs, const char *key, size_t key_len,
                     const char *value, size_t value_len)
{
	kvs->v = xreallocarray(kvs->v, kvs->n + 1, sizeof(*kvs->v));
	kvs->v[kvs->n].key = xstrndup(key, key_len);
	kvs->v[kvs->n].value = xstrndup(value ? value : "", value ? value_len : 0);
	kvs->n++;
}

static void
server_http_kvs_free(struct server_http_kvs *kvs)
{
	for (size_t i = 0; i < kvs->n; i++) {
		free(kvs->v[i].key);
		free(kvs->v[i].value);
	}
	free(kvs->v);
	*kvs = (struct server_http_kvs){ 0 };
}

static const char *
server_http_kvs_nth(const struct server_http_kvs *kvs, const char *key, size_t nth,
                    int (*cmp)(const char *, const char *))
{
	for (size_t i = 0; i < kvs->n; i++)
		if (cmp(kvs->v[i].key, key) == 0 && nth-- == 0)
			return kvs->v[i].value;
	return NULL;
}

static enum MHD_Result
server_http_collect(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	server_http_kvs_push(cls, key, strlen(key), value, value ? strlen(value) : 0);
	return MHD_YES;
}

static void server_http_upgrade_drop(struct server_http_upgrade *u);

static void
server_http_exchange_free(struct server_http_exchange *x)
{
	if (!x)
		return;
	/* The request ended without the socket being handed over: its owner hears on_gone. */
	if (x->upgrade)
		server_http_upgrade_drop(x->upgrade);
	server_http_kvs_free(&x->req.params);
	server_http_kvs_free(&x->req.query);
	server_http_kvs_free(&x->req.headers);
	free(x->method);
	free(x->path);
	strbuf_free(&x->body);
	free(x);
}

/* Matches path against pattern segment by segment, collecting {name} segments into params. */
static bool
server_http_match(const char *pattern, const char *path, struct server_http_kvs *params)
{
	const char *p = pattern, *s = path;

	while (*p == '/' && *s == '/') {
		size_t pn = strcspn(++p, "/"), sn = strcspn(++s, "/");

		if (pn >= 2 && p[0] == '{' && p[pn - 1] == '}') {
			if (!sn)
				return false;
			server_http_kvs_push(params, p + 1, pn - 2, s, sn);
		} else if (pn != sn || memcmp(p, s, pn) != 0) {
			return false;
		}
		p += pn;
		s += sn;
	}
	return !*p && !*s;
}

static void
server_http_route_request(struct server_http *h, struct server_http_request *req,
                          struct server_http_response *res)
{
	struct strbuf allow = { 0 };

	for (size_t i = 0; i < h->n_routes; i++) {
		const struct server_http_route_entry *e = &h->routes[i];
		bool hit = server_http_match(e->route->pattern, req->path, &req->params);

		if (hit && strcmp(e->route->method, req->method) == 0) {
			e->route->handler(e->ctx, req, res);
			strbuf_free(&allow);
			return;
		}
		server_http_kvs_free(&req->params);
		if (hit)
			strbuf_addf(&allow, "%s%s", allow.len ? ", " : "", e->route->method);
	}
	if (allow.len) {
		server_http_reply_detail(res, 405, "Method Not Allowed");
		server_http_reply_header(res, "Allow", allow.buf);
	} else {
		server_http_reply_detail(res, 404, "Not Found");
	}
	strbuf_free(&allow);
}

/* Called by MHD when the stream's response is destroyed: finished, failed or disconnected. */
static void
server_http_stream_release(void *cls)
{
	struct server_http_stream *s = cls;
	struct server_http *h = s->h;

	if (h) {
		if (s->prev)
			s->prev->next = s->next;
		else
			h->streams = s->next;
		if (s->next)
			s->next->prev = s->prev;
		h->stats.streams_open--;
	}
	if (!s->closed && s->on_gone)
		s->on_gone(s->ctx);
	strbuf_free(&s->buf);
	free(s);
}

static void
server_http_stream_wake(struct server_http_stream *s)
{
	if (!s->suspended)
		return;
	s->suspended = false;
	s->watch = false;
	MHD_resume_connection(s->conn);
	s->h->resume_pending = true;
}

static ssize_t
server_http_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct server_http_stream *s = cls;

	(void)pos;
	if (s->peer_gone || s->h->stopping)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (s->buf.len) {
		size_t n = s->buf.len < max ? s->buf.len : max;

		memcpy(buf, s->buf.buf, n);
		strbuf_consume(&s->buf, n);
		return (ssize_t)n;
	}
	if (s->closed)
		return MHD_CONTENT_READER_END_OF_STREAM;
	/* Nothing to send: park the connection until the owner writes or the peer hangs up. */
	MHD_suspend_connection(s->conn);
	s->suspended = true;
	s->watch = s->fd >= 0;
	return 0;
}

/* A suspended stream's socket became readable: EOF or an error means the client left. */
static void
server_http_stream_probe(struct server_http_stream *s, short revents)
{
	char c;
	ssize_t r;

	if (revents & POLLNVAL) {
		s->watch = false;
		return;
	}
	r = recv(s->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (r > 0) {
		/* A pipelined request: MHD reads it after the stream; stop watching. */
		s->watch = false;
		return;
	}
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) &&
	    !(revents & (POLLERR | POLLHUP)))
		return;
	s->peer_gone = true;
	server_http_stream_wake(s);
}

static void
server_http_upgrade_unlink(struct server_http_upgrade *u)
{
	if (u->prev)
		u->prev->next = u->next;
	else if (u->h)
		u->h->upgrades = u->next;
	if (u->next)
		u->next->prev = u->prev;
	u->prev = u->next = NULL;
}

/* Ends an upgrade its owner no longer holds: on_gone runs, then u is freed. */
static void
server_http_upgrade_drop(struct server_http_upgrade *u)
{
	if (u->on_gone)
		u->on_gone(u->ctx);
	server_http_upgrade_close(u);
}

/* MHD sent the 101: the socket is the owner's from here (MHD keeps the connection suspended). */
static void
server_http_upgraded(void *cls, struct MHD_Connection *conn, void *con_cls, const char *extra,
                     size_t n, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
	struct server_http_upgrade *u = cls;
	struct server_http_exchange *x = con_cls;
	struct server_http *h = u->h;

	(void)conn;
	if (x && x->upgrade == u)
		x->upgrade = NULL;
	u->urh = urh;
	if (h) {
		u->next = h->upgrades;
		if (u->next)
			u->next->prev = u;
		h->upgrades = u;
		h->stats.upgrades_open++;
	}
	fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) | O_NONBLOCK);
	u->on_open(u->ctx, u, sock, extra, n);
}

static enum MHD_Result
server_http_queue(struct MHD_Connection *conn, struct server_http_exchange *x,
                  struct server_http_response *res)
{
	struct server_http_stream *s = res->stream;
	struct server_http_upgrade *u = res->upgrade;
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (u) {
		res->upgrade = NULL;
		r = MHD_create_response_for_upgrade(server_http_upgraded, u);
		if (!r) {
			server_http_upgrade_drop(u);
			return MHD_NO;
		}
		/* Until MHD hands the socket over, the exchange holds the upgrade. */
		x->upgrade = u;
	} else if (s) {
		res->stream = NULL;
		r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, SERVER_HTTP_BLOCK_SZ,
		                                      server_http_stream_read, s,
		                                      server_http_stream_release);
		if (!r) {
			server_http_stream_release(s);
			return MHD_NO;
		}
		const union MHD_ConnectionInfo *ci =
		        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

		s->conn = conn;
		s->fd = ci ? ci->connect_fd : -1;
	} else {
		size_t len;

		if (!res->status)
			server_http_reply_error(res, 500, NULL,
			                        "Internal server error: no response", NULL);
		len = res->body.len;
		r = MHD_create_response_from_buffer(len, strbuf_detach(&res->body),
		                                    MHD_RESPMEM_MUST_FREE);
		if (!r)
			return MHD_NO;
	}
	if (res->content_type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, res->content_type);
	for (size_t i = 0; i + 1 < res->headers.n; i += 2)
		MHD_add_response_header(r, res->headers.v[i], res->headers.v[i + 1]);
	ret = MHD_queue_response(conn, (unsigned)res->status, r);
	/* A stream's release runs here if MHD refused it, later otherwise. */
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
server_http_answer(struct server_http *h, struct MHD_Connection *conn,
                   struct server_http_exchange *x)
{
	struct server_http_response res = { .http = h };
	enum MHD_Result ret;

	x->req.body = x->body.buf ? x->body.buf : "";
	x->req.body_len = x->body.len;
	if (x->too_large)
		server_http_reply_detail(&res, 413, "Request Entity Too Large");
	else if (!h->gate || h->gate(h->gate_ctx, &x->req, &res))
		server_http_route_request(h, &x->req, &res);
	ret = server_http_queue(conn, x, &res);
	server_http_response_free(&res);
	return ret;
}

static uint64_t
server_http_declared_length(struct MHD_Connection *conn)
{
	const char *v =
	        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

	return v ? strtoull(v, NULL, 10) : 0;
}

/* "//api/x" as "/api/x": the CLI's pool commands send it so, and nginx's merge_slashes,
 * on by default before the service, passes it on merged. */
static void
server_http_merge_slashes(char *path)
{
	char *w = path;

	for (const char *r = path; *r; r++)
		if (*r != '/' || w == path || w[-1] != '/')
			*w++ = *r;
	*w = '\0';
}

static enum MHD_Result
server_http_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                   const char *version, const char *upload_data, size_t *upload_data_size,
                   void **con_cls)
{
	struct server_http *h = cls;
	struct server_http_exchange *x = *con_cls;

	(void)version;
	if (!x) {
		x = xcalloc(1, sizeof(*x));
		x->method = xstrdup(method);
		x->path = xstrdup(url);
		server_http_merge_slashes(x->path);
		x->req.method = x->method;
		x->req.path = x->path;
		MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, server_http_collect,
		                          &x->req.query);
		MHD_get_connection_values(conn, MHD_HEADER_KIND, server_http_collect,
		                          &x->req.headers);
		*con_cls = x;
		/* Absurd uploads are refused before reading; smaller excess is drained (see below). */
		if (server_http_declared_length(conn) > SERVER_HTTP_DRAIN_LIMIT) {
			x->too_large = true;
			return server_http_answer(h, conn, x);
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		/* Draining keeps the connection usable and lets the client read the 413. */
		if (!x->too_large && x->body.len + *upload_data_size > SERVER_HTTP_MAX_BODY) {
			x->too_large = true;
			strbuf_free(&x->body);
		}
		if (!x->too_large)
			strbuf_add(&x->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	return server_http_answer(h, conn, x);
}

static void
server_http_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	server_http_exchange_free(*con_cls);
	*con_cls = NULL;
}

static void
server_http_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                       enum MHD_ConnectionNotificationCode toe)
{
	struct server_http *h = cls;

	(void)conn;
	(void)socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		h->stats.connections_total++;
		h->stats.connections_open++;
	} else {
		h->stats.connections_open--;
	}
}

/*
 * How many connections to accept: idle ones must never take the descriptors a task start
 * needs, and each may hold a second one (a log it streams, a router leg's pty or socket).
 */
static unsigned
server_http_connection_limit(void)
{
	struct rlimit rl;
	rlim_t reserve, n;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return SERVER_HTTP_MAX_CONNS;
	reserve =
	        rl.rlim_cur / 2 < SERVER_HTTP_FD_RESERVE ? rl.rlim_cur / 2 : SERVER_HTTP_FD_RESERVE;
	n = (rl.rlim_cur - reserve) / 2;
	if (n < SERVER_HTTP_MIN_CONNS)
		return SERVER_HTTP_MIN_CONNS;
	return n > SERVER_HTTP_MAX_CONNS ? SERVER_HTTP_MAX_CONNS : (unsigned)n;
}

struct server_http *
server_http_new(const char *host, unsigned port, char **err)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct server_http *h;
	const union MHD_DaemonInfo *info;

	*err = NULL;
	if (!host) {
		h = xcalloc(1, sizeof(*h));
		h->epoll_fd = -1;
		return h;
	}
	if (port > 65535 || inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		*err = xasprintf("not an IPv4 address and port: %s:%u", host, port);
		return NULL;
	}
	h = xcalloc(1, sizeof(*h));
	/* No internal threads: MHD's epoll descriptor joins our poll() and MHD_run does the work. */
	h->daemon = MHD_start_daemon(
	        MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_ALLOW_UPGRADE, (uint16_t)port, NULL,
	        NULL, server_http_access, h, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	        MHD_OPTION_NOTIFY_COMPLETED, server_http_completed, h, MHD_OPTION_NOTIFY_CONNECTION,
	        server_http_connection, h, MHD_OPTION_CONNECTION_TIMEOUT, SERVER_HTTP_IDLE_S,
	        MHD_OPTION_CONNECTION_LIMIT, server_http_connection_limit(), MHD_OPTION_END);
	if (!h->daemon) {
		*err = xasprintf("cannot listen on %s:%u: %s", host, port,
		                 errno ? strerror(errno) : "libmicrohttpd failed");
		free(h);
		return NULL;
	}
	info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_EPOLL_FD);
	h->epoll_fd = info ? info->epoll_fd : -1;
	info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : port;
	if (h->epoll_fd < 0 || !h->port) {
		*err = xasprintf("cannot listen on %s:%u: no epoll descriptor or port", host, port);
		MHD_stop_daemon(h->daemon);
		free(h);
		return NULL;
	}
	return h;
}

void
server_http_free(struct server_http *h)
{
	if (!h)
		return;
	/* MHD must not stop with suspended connections: resume them so they end with an error. */
	h->stopping = true;
	for (struct server_http_stream *s = h->streams; s; s = s->next)
		server_http_stream_wake(s);
	/* Upgraded sockets are suspended connections too: take them from their owners first. */
	while (h->upgrades)
		server_http_upgrade_drop(h->upgrades);
	if (h->daemon)
		MHD_stop_daemon(h->daemon);
	free(h->routes);
	free(h);
}

unsigned
server_http_port(const struct server_http *h)
{
	return h->port;
}

void
server_http_quiesce(struct server_http *h)
{
	MHD_socket fd;

	if (h->quiesced)
		return;
	h->quiesced = true;
	fd = MHD_quiesce_daemon(h->daemon);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
}

void
server_http_stats(const struct server_http *h, struct server_http_stats *out)
{
	*out = h->stats;
}

void
server_http_add_routes(struct server_http *h, const struct server_http_route *routes, size_t n,
                       void *ctx)
{
	h->routes = xreallocarray(h->routes, h->n_routes + n, sizeof(*h->routes));
	for (size_t i = 0; i < n; i++)
		h->routes[h->n_routes++] = (struct server_http_route_entry){ &routes[i], ctx };
}

void
server_http_handle(struct server_http *h, struct server_http_request *req,
                   struct server_http_response *res)
{
	res->http = h;
	if (!h->gate || h->gate(h->gate_ctx, req, res))
		server_http_route_request(h, req, res);
	server_http_kvs_free(&req->params);
}

void
server_http_set_gate(struct server_http *h,
                     bool (*gate)(void *ctx, struct server_http_request *req,
                                  struct server_http_response *res),
                     void *ctx)
{
	h->gate = gate;
	h->gate_ctx = ctx;
}

int
server_http_pollfds(struct server_http *h, struct pollfd *fds, int max)
{
	int n = 0;

	if (n < max)
		fds[n] = (struct pollfd){ .fd = h->epoll_fd, .events = POLLIN };
	n++;
	for (const struct server_http_stream *s = h->streams; s; s = s->next) {
		if (!s->suspended || !s->watch)
			continue;
		if (n < max)
			fds[n] = (struct pollfd){ .fd = s->fd, .events = POLLIN };
		n++;
	}
	return n;
}

int
server_http_timeout_ms(struct server_http *h, int64_t now_ms)
{
	MHD_UNSIGNED_LONG_LONG t;

	(void)now_ms;
	if (h->resume_pending)
		return 0;
	if (MHD_get_timeout(h->daemon, &t) != MHD_YES)
		return -1;
	return t > INT_MAX ? INT_MAX : (int)t;
}

void
server_http_dispatch(struct server_http *h, const struct pollfd *fds, int n, int64_t now_ms)
{
	(void)now_ms;
	for (int i = 0; i < n; i++) {
		if (!fds[i].revents || fds[i].fd == h->epoll_fd)
			continue;
		for (struct server_http_stream *s = h->streams; s; s = s->next)
			if (s->suspended && s->watch && s->fd == fds[i].fd) {
				server_http_stream_probe(s, fds[i].revents);
				break;
			}
	}
	h->resume_pending = false;
	MHD_run(h->daemon);
}

static int
server_http_src_pollfds(void *ctx, struct pollfd *fds, int max)
{
	return server_http_pollfds(ctx, fds, max);
}

static int
server_http_src_timeout_ms(void *ctx, int64_t now_ms)
{
	return server_http_timeout_ms(ctx, now_ms);
}

static void
server_http_src_dispatch(void *ctx, const struct pollfd *fds, int n, int64_t now_ms)
{
	server_http_dispatch(ctx, fds, n, now_ms);
}

void
server_http_attach(struct server_http *h, struct loop *loop)
{
	static const struct loop_source ops = {
		.pollfds = server_http_src_pollfds,
		.timeout_ms = server_http_src_timeout_ms,
		.dispatch = server_http_src_dispatch,
	};

	loop_add_source(loop, &ops, h);
}

const char *
server_http_param(const struct server_http_request *req, const char *name)
{
	return server_http_kvs_nth(&req->params, name, 0, strcmp);
}

const char *
server_http_header(const struct server_http_request *req, const char *name)
{
	return server_http_kvs_nth(&req->headers, name, 0, strcasecmp);
}

void
server_http_request_set_header(struct server_http_request *req, const char *name, const char *value)
{
	size_t keep = 0;

	for (size_t i = 0; i < req->headers.n; i++) {
		if (strcasecmp(req->headers.v[i].key, name) == 0) {
			free(req->headers.v[i].key);
			free(req->headers.v[i].value);
			continue;
		}
		req->headers.v[keep++] = req->headers.v[i];
	}
	req->headers.n = keep;
	if (value)
		server_http_kvs_push(&req->headers, name, strlen(name), value, strlen(value));
}

const char *
server_http_query(const struct server_http_request *req, const char *key)
{
	return server_http_kvs_nth(&req->query, key, 0, strcmp);
}

size_t
server_http_query_count(const struct server_http_request *req, const char *key)
{
	size_t n = 0;

	for (size_t i = 0; i < req->query.n; i++)
		n += strcmp(req->query.v[i].key, key) == 0;
	return n;
}

const char *
server_http_query_nth(const struct server_http_request *req, const char *key, size_t i)
{
	return server_http_kvs_nth(&req->query, key, i, strcmp);
}

/* FastAPI's 422 for a query input that is not of its type; -1 for the parsers to return. */
static int
server_http_query_refuse(struct server_http_response *res, const char *type, const char *key,
                         const char *msg, const char *v)
{
	if (res)
		server_http_reply_invalid(res, type, "query", key, msg, v);
	return -1;
}

int
server_http_query_bool(const struct server_http_request *req, const char *key, bool dflt, bool *out,
                       struct server_http_response *res)
{
	const char *v = server_http_query(req, key);

	*out = dflt;
	if (!v)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(server_http_bools); i++)
		if (strcasecmp(v, server_http_bools[i].text) == 0) {
			*out = server_http_bools[i].value;
			return 0;
		}
	return server_http_query_refuse(
	        res, "bool_parsing", key,
	        "Input should be a valid boolean, unable to interpret input", v);
}

int
server_http_query_int(const struct server_http_request *req, const char *key, long dflt, long *out,
                      struct server_http_response *res)
{
	const char *v = server_http_query(req, key);
	char *end;
	long n;

	*out = dflt;
	if (!v)
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (*v && !*end && errno == 0) {
		*out = n;
		return 0;
	}
	return server_http_query_refuse(
	        res, "int_parsing", key,
	        "Input should be a valid integer, unable to parse string as an integer", v);
}

void
server_http_json_string(struct strbuf *sb, const char *s)
{
	char *clean;

	if (!s) {
		strbuf_addstr(sb, "null");
		return;
	}
	clean = utf8_sanitize(s, strlen(s));
	strbuf_addch(sb, '"');
	for (const unsigned char *p = (const unsigned char *)clean; *p; p++) {
		if (*p < ARRAY_SIZE(server_http_json_escapes) && server_http_json_escapes[*p])
			strbuf_addstr(sb, server_http_json_escapes[*p]);
		else if (*p < 0x20 || *p == 0x7f)
			strbuf_addf(sb, "\\u%04x", *p);
		else
			strbuf_addch(sb, (char)*p);
	}
	strbuf_addch(sb, '"');
	free(clean);
}

/* Empties res, dropping a stream the handler made earlier (its owner hears on_gone). */
static void
server_http_response_clear(struct server_http_response *res)
{
	struct server_http_stream *s = res->stream;
	struct server_http_upgrade *u = res->upgrade;

	res->stream = NULL;
	res->upgrade = NULL;
	if (s)
		server_http_stream_release(s);
	if (u)
		server_http_upgrade_drop(u);
	strbuf_reset(&res->body);
}

void
server_http_response_free(struct server_http_response *res)
{
	server_http_response_clear(res);
	strbuf_free(&res->body);
	strv_free(&res->headers);
}

void
server_http_reply(struct server_http_response *res, int status, const char *content_type,
                  const char *body, size_t len)
{
	server_http_response_clear(res);
	res->status = status;
	res->content_type = content_type;
	strbuf_add(&res->body, body, len);
}

void
server_http_reply_json(struct server_http_response *res, int status, const char *json)
{
	server_http_reply(res, status, SERVER_HTTP_JSON, json, strlen(json));
}

void
server_http_reply_header(struct server_http_response *res, const char *name, const char *value)
{
	strv_push(&res->headers, name);
	strv_push(&res->headers, value);
}

void
server_http_reply_detail(struct server_http_response *res, int status, const char *detail)
{
	struct strbuf sb = { 0 };

	strbuf_addstr(&sb, "{\"detail\":");
	server_http_json_string(&sb, detail);
	strbuf_addch(&sb, '}');
	server_http_reply_json(res, status, sb.buf);
	strbuf_free(&sb);
}

void
server_http_reply_error(struct server_http_response *res, int status, const char *error_code,
                        const char *message, const char *workflow_id)
{
	struct strbuf sb = { 0 };

	strbuf_addstr(&sb, "{\"message\":");
	server_http_json_string(&sb, message ? message : "");
	if (error_code) {
		strbuf_addstr(&sb, ",\"error_code\":");
		server_http_json_string(&sb, error_code);
		strbuf_addstr(&sb, ",\"workflow_id\":");
		server_http_json_string(&sb, workflow_id);
	}
	strbuf_addch(&sb, '}');
	server_http_reply_json(res, status, sb.buf);
	strbuf_free(&sb);
}

void
server_http_reply_invalid(struct server_http_response *res, const char *type, const char *where,
                          const char *name, const char *msg, const char *input)
{
	struct strbuf sb = { 0 };

	strbuf_addstr(&sb, "{\"detail\":[{\"type\":");
	server_http_json_string(&sb, type);
	strbuf_addstr(&sb, ",\"loc\":[");
	server_http_json_string(&sb, where);
	strbuf_addch(&sb, ',');
	server_http_json_string(&sb, name);
	strbuf_addstr(&sb, "],\"msg\":");
	server_http_json_string(&sb, msg);
	strbuf_addstr(&sb, ",\"input\":");
	server_http_json_string(&sb, input);
	strbuf_addstr(&sb, "}]}");
	server_http_reply_json(res, 422, sb.buf);
	strbuf_free(&sb);
}

struct server_http_stream *
server_http_reply_stream(struct server_http_response *res, int status, const char *content_type,
                         void (*on_gone)(void *ctx), void *ctx)
{
	struct server_http_stream *s;

	server_http_response_clear(res);
	s = xcalloc(1, sizeof(*s));
	s->h = res->http;
	s->fd = -1;
	if (s->h) {
		s->next = s->h->streams;
		if (s->next)
			s->next->prev = s;
		s->h->streams = s;
		s->h->stats.streams_open++;
	}
	s->on_gone = on_gone;
	s->ctx = ctx;
	res->status = status;
	res->content_type = content_type;
	res->stream = s;
	return s;
}

void
server_http_stream_write(struct server_http_stream *s, const void *data, size_t n)
{
	if (!n || s->closed)
		return;
	strbuf_add(&s->buf, data, n);
	server_http_stream_wake(s);
}

void
server_http_stream_printf(struct server_http_stream *s, const char *fmt, ...)
{
	va_list ap;
	size_t before = s->buf.len;

	if (s->closed)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&s->buf, fmt, ap);
	va_end(ap);
	if (s->buf.len > before)
		server_http_stream_wake(s);
}

size_t
server_http_stream_pending(const struct server_http_stream *s)
{
	return s->buf.len;
}

void
server_http_stream_close(struct server_http_stream *s)
{
	s->closed = true;
	server_http_stream_wake(s);
}

void
server_http_reply_upgrade(struct server_http_response *res, const char *protocol,
                          void (*on_open)(void *ctx, struct server_http_upgrade *u, int fd,
                                          const char *extra, size_t n),
                          void (*on_gone)(void *ctx), void *ctx)
{
	struct server_http_upgrade *u;

	server_http_response_clear(res);
	u = xcalloc(1, sizeof(*u));
	u->h = res->http;
	u->on_open = on_open;
	u->on_gone = on_gone;
	u->ctx = ctx;
	res->status = MHD_HTTP_SWITCHING_PROTOCOLS;
	res->content_type = NULL;
	res->upgrade = u;
	server_http_reply_header(res, MHD_HTTP_HEADER_UPGRADE, protocol);
}

void
server_http_upgrade_close(struct server_http_upgrade *u)
{
	if (!u)
		return;
	if (u->urh) {
		server_http_upgrade_unlink(u);
		if (u->h) {
			u->h->stats.upgrades_open--;
			/* MHD resumes the connection to clean it up: run it soon. */
			u->h->resume_pending = true;
		}
		MHD_upgrade_action(u->urh, MHD_UPGRADE_ACTION_CLOSE);
	}
	free(u);
}
