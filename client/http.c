/* http.c: libcurl multi socket transport; the only file in client/ that includes curl. */
#include "client/http.h"

#include <curl/curl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HTTP_CONNECT_TIMEOUT_MS 15000L

struct http_sock {
	curl_socket_t fd;
	short events;
};

struct http_req {
	unsigned long id;
	CURL *easy;
	struct curl_slist *headers;
	char *body;
	struct strbuf buf;
	size_t received;
	size_t max_bytes;
	bool stream;
	bool too_large;
	bool collect_cookies;
	struct strv set_cookies;
	void (*on_data)(void *ctx, const char *data, size_t n);
	void (*on_done)(void *ctx, const struct http_result *res);
	void *ctx;
	char errbuf[CURL_ERROR_SIZE];
	struct http_req *next;
};

struct http {
	CURLM *multi;
	char *user_agent;
	struct http_sock *socks;
	size_t n_socks;
	int64_t deadline_ms; /* -1: curl wants no timeout call */
	unsigned long next_id;
	struct http_req *reqs;
	struct http_conn *conns;
};

struct http_conn {
	struct http *h;
	CURL *easy;
	char *host; /* for messages: never the path, which may carry a key */
	curl_socket_t fd;
	bool connecting;
	void (*on_connect)(void *ctx, struct http_conn *conn, const struct api_error *err);
	void *ctx;
	char errbuf[CURL_ERROR_SIZE];
	struct http_conn *next;
};

static int
http_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct http *h = userp;
	size_t i;

	(void)easy;
	(void)socketp;
	for (i = 0; i < h->n_socks && h->socks[i].fd != fd; i++)
		;
	if (what == CURL_POLL_REMOVE) {
		if (i < h->n_socks)
			h->socks[i] = h->socks[--h->n_socks];
		return 0;
	}
	if (i == h->n_socks) {
		h->socks = xreallocarray(h->socks, h->n_socks + 1, sizeof(*h->socks));
		h->n_socks++;
		h->socks[i].fd = fd;
	}
	h->socks[i].events =
	        (short)((what & CURL_POLL_IN ? POLLIN : 0) | (what & CURL_POLL_OUT ? POLLOUT : 0));
	return 0;
}

static int
http_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct http *h = userp;

	(void)multi;
	h->deadline_ms = timeout_ms < 0 ? -1 : clock_mono_ms() + timeout_ms;
	return 0;
}

static size_t
http_write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	struct http_req *r = userp;
	size_t n = size * nmemb;
	long status = 0;

	r->received += n;
	if (r->max_bytes && r->received > r->max_bytes) {
		r->too_large = true;
		return 0;
	}
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	if (r->stream && status >= 200 && status < 300 && r->on_data) {
		r->on_data(r->ctx, data, n);
		return n;
	}
	/* A 9 MB answer is grown once from its length, not copied at each doubling. */
	if (!r->buf.cap) {
		curl_off_t total = -1;

		curl_easy_getinfo(r->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &total);
		if (total > 0 && (!r->max_bytes || (size_t)total <= r->max_bytes))
			strbuf_grow(&r->buf, (size_t)total);
	}
	strbuf_add(&r->buf, data, n);
	return n;
}

/* Keeps Set-Cookie values; a new status line (1xx, then the final answer) starts over. */
static size_t
http_header_cb(char *line, size_t size, size_t nmemb, void *userp)
{
	struct http_req *r = userp;
	size_t n = size * nmemb;
	static const char name[] = "Set-Cookie:";
	const size_t nl = sizeof(name) - 1;

	if (n >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		strv_free(&r->set_cookies);
	} else if (n > nl && strncasecmp(line, name, nl) == 0) {
		size_t b = nl, e = n;

		while (b < e && (line[b] == ' ' || line[b] == '\t'))
			b++;
		while (e > b && strchr(" \t\r\n", line[e - 1]))
			e--;
		strv_push_owned(&r->set_cookies, xstrndup(line + b, e - b));
	}
	return n;
}

struct http *
http_new(const char *user_agent)
{
	struct http *h = xcalloc(1, sizeof(*h));

	curl_global_init(CURL_GLOBAL_DEFAULT);
	h->multi = curl_multi_init();
	if (!h->multi)
		abort();
	h->user_agent = xstrdup(user_agent);
	h->deadline_ms = -1;
	h->next_id = 1;
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, http_socket_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, http_timer_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	return h;
}

static void
http_req_free(struct http *h, struct http_req *r)
{
	curl_multi_remove_handle(h->multi, r->easy);
	curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);
	free(r->body);
	strbuf_free(&r->buf);
	strv_free(&r->set_cookies);
	free(r);
}

static struct http_req *
http_unlink(struct http *h, unsigned long id)
{
	for (struct http_req **pp = &h->reqs; *pp; pp = &(*pp)->next) {
		struct http_req *r = *pp;

		if (r->id == id) {
			*pp = r->next;
			return r;
		}
	}
	return NULL;
}

void
http_free(struct http *h)
{
	if (!h)
		return;
	while (h->reqs)
		http_req_free(h, http_unlink(h, h->reqs->id));
	while (h->conns)
		http_conn_free(h->conns);
	curl_multi_cleanup(h->multi);
	free(h->socks);
	free(h->user_agent);
	free(h);
	curl_global_cleanup();
}

/* A handle for url with the settings requests and raw connections share; errors in errbuf. */
static CURL *
http_easy_new(const struct http *h, const char *url, char *errbuf, long connect_timeout_ms)
{
	CURL *e = curl_easy_init();

	if (!e)
		abort();
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_USERAGENT, h->user_agent);
	/* The official CLI forces IPv4: IPv6 does not work in some deployments. */
	curl_easy_setopt(e, CURLOPT_IPRESOLVE, (long)CURL_IPRESOLVE_V4);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	return e;
}

unsigned long
http_start(struct http *h, const struct http_spec *spec)
{
	struct http_req *r = xcalloc(1, sizeof(*r));
	CURL *e = http_easy_new(h, spec->url, r->errbuf, HTTP_CONNECT_TIMEOUT_MS);

	r->id = h->next_id++;
	r->easy = e;
	r->max_bytes = spec->max_bytes;
	r->stream = spec->stream;
	r->on_data = spec->on_data;
	r->on_done = spec->on_done;
	r->ctx = spec->ctx;
	for (size_t i = 0; spec->headers && i < spec->headers->n; i++)
		r->headers = curl_slist_append(r->headers, spec->headers->v[i]);
	/* curl would add "Expect: 100-continue" to larger POSTs; OSMO's gateway does not need it. */
	r->headers = curl_slist_append(r->headers, "Expect:");

	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	/* A 3xx from the API means a login page: report it, never follow it with our token. */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	if (spec->collect_cookies) {
		r->collect_cookies = true;
		curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, http_header_cb);
		curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
		/* A proxy's CONNECT answer is not the server's: keep its headers out. */
		curl_easy_setopt(e, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
	}
	if (spec->timeout_ms > 0)
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, spec->timeout_ms);
	if (spec->idle_timeout_s > 0) {
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, spec->idle_timeout_s);
	}
	if (strcmp(spec->method, "POST") == 0) {
		r->body = xmalloc(spec->body_len + 1);
		if (spec->body_len)
			memcpy(r->body, spec->body, spec->body_len);
		r->body[spec->body_len] = '\0';
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)spec->body_len);
	} else if (strcmp(spec->method, "GET") != 0) {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, spec->method);
	}
	r->next = h->reqs;
	h->reqs = r;
	curl_multi_add_handle(h->multi, e);
	return r->id;
}

void
http_cancel(struct http *h, unsigned long id)
{
	struct http_req *r = http_unlink(h, id);

	if (r)
		http_req_free(h, r);
}

int
http_pollfds(const struct http *h, struct pollfd *fds, int max)
{
	int n = 0;

	for (size_t i = 0; i < h->n_socks && n < max; i++) {
		if (!h->socks[i].events)
			continue;
		fds[n++] = (struct pollfd){ .fd = h->socks[i].fd, .events = h->socks[i].events };
	}
	return n;
}

int
http_timeout_ms(const struct http *h, int64_t now_ms)
{
	return h->deadline_ms < 0 ? -1 : util_timeout_until(h->deadline_ms, now_ms);
}

static enum api_error_kind
http_error_kind(CURLcode rc)
{
	static const struct {
		CURLcode code;
		enum api_error_kind kind;
	} map[] = {
		{ CURLE_OPERATION_TIMEDOUT, API_ERR_TIMEOUT },
		{ CURLE_WRITE_ERROR, API_ERR_TOO_LARGE },
		{ CURLE_FILESIZE_EXCEEDED, API_ERR_TOO_LARGE },
	};

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (map[i].code == rc)
			return map[i].kind;
	return API_ERR_TRANSPORT;
}

static void
http_finish(struct http *h, CURL *easy, CURLcode rc)
{
	struct http_req *r = NULL;
	struct http_result res = { 0 };
	char *ct = NULL;
	curl_off_t wait = 0;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&r);
	if (!r || !http_unlink(h, r->id))
		return;
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &res.status);
	curl_easy_getinfo(easy, CURLINFO_CONTENT_TYPE, &ct);
	res.content_type = ct;
	/* curl reads both forms of Retry-After: delay-seconds and an HTTP-date. */
	if (curl_easy_getinfo(easy, CURLINFO_RETRY_AFTER, &wait) == CURLE_OK && wait > 0)
		res.retry_after_s = wait > LONG_MAX ? LONG_MAX : (long)wait;
	res.body = r->buf.buf ? r->buf.buf : "";
	res.len = r->buf.len;
	res.set_cookies = r->collect_cookies ? &r->set_cookies : NULL;
	res.keep = &r->buf;
	if (rc != CURLE_OK) {
		enum api_error_kind kind = r->too_large ? API_ERR_TOO_LARGE : http_error_kind(rc);
		const char *why = r->too_large   ? "response too large"
		                  : r->errbuf[0] ? r->errbuf
		                                 : curl_easy_strerror(rc);

		api_error_set(&res.err, kind, "%s", why);
	}
	if (r->on_done)
		r->on_done(r->ctx, &res);
	http_req_free(h, r);
}

static bool http_conn_done(struct http *h, CURL *easy, CURLcode rc);

void
http_dispatch(struct http *h, const struct pollfd *fds, int n, int64_t now_ms)
{
	int running = 0;

	for (int i = 0; i < n; i++) {
		int flags = 0;

		if (!fds[i].revents)
			continue;
		if (fds[i].revents & (POLLIN | POLLHUP))
			flags |= CURL_CSELECT_IN;
		if (fds[i].revents & POLLOUT)
			flags |= CURL_CSELECT_OUT;
		if (fds[i].revents & (POLLERR | POLLNVAL))
			flags |= CURL_CSELECT_ERR;
		curl_multi_socket_action(h->multi, fds[i].fd, flags, &running);
	}
	if (h->deadline_ms >= 0 && h->deadline_ms <= now_ms) {
		h->deadline_ms = -1;
		curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	}
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(h->multi, &left)))
		if (msg->msg == CURLMSG_DONE &&
		    !http_conn_done(h, msg->easy_handle, msg->data.result))
			http_finish(h, msg->easy_handle, msg->data.result);
}

LOOP_SOURCE_DEFINE(http_source, struct http, http);

size_t
http_in_flight(const struct http *h)
{
	size_t n = 0;

	for (const struct http_req *r = h->reqs; r; r = r->next)
		n++;
	return n;
}

char *
http_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, (int)strlen(s));
	char *out;

	if (!e)
		abort();
	out = xstrdup(e);
	curl_free(e);
	return out;
}

/* The URL with a scheme curl 7.88 knows (it has no WebSocket of its own); NULL if none. */
static char *
http_url_for_curl(const char *url)
{
	static const struct {
		const char *from, *to;
	} schemes[] = {
		{ "ws://", "http://" },
		{ "wss://", "https://" },
		{ "http://", "http://" },
		{ "https://", "https://" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(schemes); i++) {
		size_t n = strlen(schemes[i].from);

		if (strncasecmp(url, schemes[i].from, n) == 0)
			return xasprintf("%s%s", schemes[i].to, url + n);
	}
	return NULL;
}

/* Copies a CURLU part into a malloc'd string; NULL when the URL has none. */
static char *
http_url_part(CURLU *u, CURLUPart part)
{
	char *v = NULL, *out;

	if (curl_url_get(u, part, &v, 0) != CURLUE_OK || !v)
		return NULL;
	out = xstrdup(v);
	curl_free(v);
	return out;
}

int
http_url_split(const char *url, char **host, char **target, struct api_error *err)
{
	char *curl_url_s = http_url_for_curl(url);
	CURLU *u = curl_url();
	char *name, *port, *path, *query;

	*host = *target = NULL;
	if (!u)
		abort();
	/* The URL itself stays out of messages: its path may hold a session key. */
	if (!curl_url_s || curl_url_set(u, CURLUPART_URL, curl_url_s, 0) != CURLUE_OK) {
		api_error_set(err, API_ERR_USAGE, "not a ws://, wss://, http:// or https:// URL");
		free(curl_url_s);
		curl_url_cleanup(u);
		return -1;
	}
	name = http_url_part(u, CURLUPART_HOST);
	port = http_url_part(u, CURLUPART_PORT);
	path = http_url_part(u, CURLUPART_PATH);
	query = http_url_part(u, CURLUPART_QUERY);
	*host = port ? xasprintf("%s:%s", name ? name : "", port) : xstrdup(name ? name : "");
	*target = xasprintf("%s%s%s", path && path[0] ? path : "/", query ? "?" : "",
	                    query ? query : "");
	free(name);
	free(port);
	free(path);
	free(query);
	free(curl_url_s);
	curl_url_cleanup(u);
	return 0;
}

struct http_conn *
http_conn_start(struct http *h, const struct http_conn_spec *spec, struct api_error *err)
{
	char *host = NULL, *target = NULL, *url;
	struct http_conn *c;
	CURL *e;

	if (http_url_split(spec->url, &host, &target, err) < 0)
		return NULL;
	free(target);
	url = http_url_for_curl(spec->url);
	c = xcalloc(1, sizeof(*c));
	c->host = host;
	e = http_easy_new(h, url, c->errbuf,
	                  spec->connect_timeout_ms > 0 ? spec->connect_timeout_ms
	                                               : HTTP_CONNECT_TIMEOUT_MS);
	c->h = h;
	c->easy = e;
	c->fd = CURL_SOCKET_BAD;
	c->connecting = true;
	c->on_connect = spec->on_connect;
	c->ctx = spec->ctx;
	curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
	/* We write HTTP/1.1 ourselves: ALPN must not pick h2, or curl rewrites our bytes. */
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	/* Through an HTTP proxy, a plain http:// target would get our bytes unwrapped. */
	curl_easy_setopt(e, CURLOPT_HTTPPROXYTUNNEL, 1L);
	free(url);
	c->next = h->conns;
	h->conns = c;
	curl_multi_add_handle(h->multi, e);
	return c;
}

void
http_conn_free(struct http_conn *c)
{
	if (!c)
		return;
	for (struct http_conn **pp = &c->h->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	/* Removed only now: curl_easy_send/recv need the handle in its multi. */
	curl_multi_remove_handle(c->h->multi, c->easy);
	curl_easy_cleanup(c->easy);
	free(c->host);
	free(c);
}

/* A finished connect of one of our raw connections; false when easy is a request's. */
static bool
http_conn_done(struct http *h, CURL *easy, CURLcode rc)
{
	struct http_conn *c = h->conns;
	struct api_error err = { 0 };

	while (c && c->easy != easy)
		c = c->next;
	if (!c)
		return false;
	if (!c->connecting)
		return true;
	c->connecting = false;
	if (rc == CURLE_OK) {
		curl_socket_t fd = CURL_SOCKET_BAD;

		if (curl_easy_getinfo(easy, CURLINFO_ACTIVESOCKET, &fd) == CURLE_OK)
			c->fd = fd;
		if (c->fd == CURL_SOCKET_BAD)
			api_error_set(&err, API_ERR_TRANSPORT, "connect to %s: no socket", c->host);
	} else {
		api_error_set(&err, http_error_kind(rc), "connect to %s: %s", c->host,
		              c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
	}
	if (c->on_connect)
		c->on_connect(c->ctx, c, &err);
	return true;
}

int
http_conn_fd(const struct http_conn *c)
{
	return c->fd == CURL_SOCKET_BAD ? -1 : (int)c->fd;
}

static ssize_t
http_conn_fail(struct http_conn *c, const char *what, CURLcode rc, struct api_error *err)
{
	api_error_set(err, API_ERR_TRANSPORT, "%s %s: %s", what, c->host,
	              c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
	return HTTP_IO_ERROR;
}

/* Before a send or receive: whether there is a connection (else err says so). */
static bool
http_conn_ready(struct http_conn *c, const char *what, struct api_error *err)
{
	if (c->fd == CURL_SOCKET_BAD) {
		api_error_set(err, API_ERR_USAGE, "%s %s: not connected", what, c->host);
		return false;
	}
	c->errbuf[0] = '\0';
	return true;
}

ssize_t
http_conn_send(struct http_conn *c, const void *buf, size_t n, struct api_error *err)
{
	size_t sent = 0;
	CURLcode rc;

	if (!http_conn_ready(c, "send to", err))
		return HTTP_IO_ERROR;
	rc = curl_easy_send(c->easy, buf, n, &sent);
	if (rc == CURLE_AGAIN || (rc == CURLE_OK && sent == 0 && n > 0))
		return HTTP_IO_AGAIN;
	if (rc != CURLE_OK)
		return http_conn_fail(c, "send to", rc, err);
	return (ssize_t)sent;
}

ssize_t
http_conn_recv(struct http_conn *c, void *buf, size_t n, struct api_error *err)
{
	size_t got = 0;
	CURLcode rc;

	if (!http_conn_ready(c, "receive from", err))
		return HTTP_IO_ERROR;
	rc = curl_easy_recv(c->easy, buf, n, &got);
	if (rc == CURLE_AGAIN)
		return HTTP_IO_AGAIN;
	if (rc != CURLE_OK)
		return http_conn_fail(c, "receive from", rc, err);
	return got ? (ssize_t)got : HTTP_IO_EOF;
}
