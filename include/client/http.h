/* http.h: non-blocking HTTP over libcurl's multi socket API, a source of the caller's loop. */
#ifndef OSMO_CLIENT_HTTP_H
#define OSMO_CLIENT_HTTP_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "client/api_error.h"
#include "common/loop.h"
#include "common/util.h"

struct http;

struct http_result {
	long status; /* 0 when no response arrived */
	const char *content_type;
	const char *body; /* buffered body: the whole body, or an error body of a stream */
	size_t len;
	struct api_error err;           /* kind API_OK when a response arrived complete */
	long retry_after_s;             /* Retry-After in seconds from now; 0: none or past */
	const struct strv *set_cookies; /* with spec.collect_cookies: the Set-Cookie values */
	struct strbuf *keep; /* the body's buffer: on_done may strbuf_detach it to keep it */
};

struct http_spec {
	const char *method; /* "GET" or "POST" */
	const char *url;
	const struct strv *headers; /* "Name: value" lines */
	const char *body;           /* copied; NULL for none */
	size_t body_len;
	long timeout_ms;     /* whole transfer; 0 = none (streams) */
	long idle_timeout_s; /* give up after this long without a byte; 0 = none */
	size_t max_bytes;    /* larger bodies end with API_ERR_TOO_LARGE */
	bool stream;         /* 2xx bodies go to on_data as they arrive */
	/* Called from inside curl: must not start or cancel requests. */
	void (*on_data)(void *ctx, const char *data, size_t n);
	/* Called once per request unless cancelled; may start or cancel requests. */
	void (*on_done)(void *ctx, const struct http_result *res);
	void *ctx;
	bool collect_cookies; /* keep the response's Set-Cookie values for on_done */
};

struct http *http_new(const char *user_agent);
void http_free(struct http *h);
/* Starts a request; returns its id (never 0). */
unsigned long http_start(struct http *h, const struct http_spec *spec);
/* Stops a request without calling its on_done. Unknown ids are ignored. */
void http_cancel(struct http *h, unsigned long id);
/* Writes the descriptors curl wants watched; returns how many (at most max). */
int http_pollfds(const struct http *h, struct pollfd *fds, int max);
/* Milliseconds until curl wants a timeout call (-1: none), measured on clock_mono_ms. */
int http_timeout_ms(const struct http *h, int64_t now_ms);
/* Hands ready descriptors and due timers to curl, then completes finished requests. */
void http_dispatch(struct http *h, const struct pollfd *fds, int n, int64_t now_ms);
/* The three above as a loop source: loop_add_source(loop, &http_source, h). */
extern const struct loop_source http_source;
size_t http_in_flight(const struct http *h);
/* Percent-encodes s for a URL query value or path segment. */
char *http_escape(const char *s);

/*
 * Raw connections: curl connects (DNS, proxy tunnel, TLS with the REST settings), then the
 * caller speaks its own protocol over http_conn_send/recv. The connect is driven by
 * http_pollfds/http_dispatch like any request; after it, the caller polls http_conn_fd.
 */
struct http_conn;

struct http_conn_spec {
	const char *url; /* ws://, wss://, http:// or https://; only the authority is used */
	long connect_timeout_ms; /* DNS, TCP, proxy and TLS together; 0: as for REST */
	/* Called once from http_dispatch, connected (err->kind API_OK) or not; may free conn. */
	void (*on_connect)(void *ctx, struct http_conn *conn, const struct api_error *err);
	void *ctx;
};

/* What http_conn_send/recv return when no byte moved. */
enum http_io {
	HTTP_IO_EOF = 0,    /* recv: the peer closed the connection */
	HTTP_IO_AGAIN = -1, /* would block: poll http_conn_fd */
	HTTP_IO_ERROR = -2, /* failed: err says why */
};

/*
 * Starts connecting; NULL with err when the URL is unusable. The connection stays with h
 * until http_conn_free, which must come before http_free.
 */
struct http_conn *http_conn_start(struct http *h, const struct http_conn_spec *spec,
                                  struct api_error *err);
/* Closes the connection, connected or not; NULL is ignored. */
void http_conn_free(struct http_conn *c);
/* The socket to poll once connected, else -1. */
int http_conn_fd(const struct http_conn *c);
/* Bytes sent (> 0), HTTP_IO_AGAIN or HTTP_IO_ERROR; TLS may want POLLOUT again before more. */
ssize_t http_conn_send(struct http_conn *c, const void *buf, size_t n, struct api_error *err);
/*
 * Bytes read, HTTP_IO_EOF, HTTP_IO_AGAIN or HTTP_IO_ERROR. Call it until HTTP_IO_AGAIN on each
 * readable event: TLS may hold decrypted bytes that poll() cannot see.
 */
ssize_t http_conn_recv(struct http_conn *c, void *buf, size_t n, struct api_error *err);

/*
 * Splits a ws(s):// or http(s):// URL into the Host header value ("host[:port]" as written)
 * and the request target ("/path?query"); the caller frees both. 0, or -1 with err.
 */
int http_url_split(const char *url, char **host, char **target, struct api_error *err);

#endif
