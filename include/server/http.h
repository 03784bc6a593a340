/* http.h: osmo-local's HTTP layer: libmicrohttpd in our poll loop, routes, streams. */
#ifndef OSMO_SERVER_HTTP_H
#define OSMO_SERVER_HTTP_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/loop.h"
#include "common/util.h"

/* Larger request bodies get 413 {"detail":"Request Entity Too Large"}. */
#define SERVER_HTTP_MAX_BODY ((size_t)8 << 20)

#define SERVER_HTTP_JSON "application/json"
#define SERVER_HTTP_TEXT "text/plain; charset=us-ascii"

struct server_http;
struct server_http_stream;
struct server_http_upgrade;

struct server_http_kv {
	char *key;
	char *value; /* "" for a bare query key */
};

struct server_http_kvs {
	struct server_http_kv *v;
	size_t n;
};

/* Everything a handler sees; plain data, so handlers can be tested without a socket. */
struct server_http_request {
	const char *method;
	const char *path;              /* percent-decoded, without the query */
	struct server_http_kvs params; /* {name} segments of the matched route */
	struct server_http_kvs query;  /* in request order; repeated keys repeat */
	struct server_http_kvs headers;
	const char *body; /* NUL-terminated; "" without a body */
	size_t body_len;
};

/* What a handler fills in, normally through the server_http_reply_* helpers. */
struct server_http_response {
	int status; /* 0 after the handler: 500 */
	const char *content_type;
	struct strbuf body;
	struct strv headers;                 /* name, value, name, value, ... */
	struct server_http_stream *stream;   /* set by server_http_reply_stream */
	struct server_http_upgrade *upgrade; /* set by server_http_reply_upgrade */
	struct server_http *http;            /* set before the handler runs; NULL in unit tests */
};

struct server_http_route {
	const char *method;
	const char *pattern; /* "/api/workflow/{name}/logs": {x} matches one non-empty segment */
	void (*handler)(void *ctx, const struct server_http_request *req,
	                struct server_http_response *res);
};

struct server_http_stats {
	unsigned long connections_total; /* accepted since start */
	unsigned long connections_open;
	unsigned long streams_open;
	unsigned long upgrades_open; /* sockets handed to their owners */
};

/*
 * Listens on host (an IPv4 literal) and port (0 picks a free one). Returns NULL and sets
 * *err (the caller frees it) when it cannot. host NULL: no listener, requests come only
 * through server_http_handle.
 */
struct server_http *server_http_new(const char *host, unsigned port, char **err);
/* Resumes and ends every stream (their on_gone runs), closes every connection. */
void server_http_free(struct server_http *h);
unsigned server_http_port(const struct server_http *h);
/* Stops accepting connections; requests on open connections still finish. */
void server_http_quiesce(struct server_http *h);
void server_http_stats(const struct server_http *h, struct server_http_stats *out);

/*
 * Adds routes; ctx is passed to their handlers. The first route whose pattern matches wins;
 * a path that matches only under other methods gets 405, no match at all 404.
 */
void server_http_add_routes(struct server_http *h, const struct server_http_route *routes, size_t n,
                            void *ctx);

/*
 * Answers req as a connection's request is answered, without a socket (tests, fuzzing): the
 * gate, then the first matching route, 405 or 404. req->params is filled for the handler and
 * emptied after; the caller frees res (server_http_response_free).
 */
void server_http_handle(struct server_http *h, struct server_http_request *req,
                        struct server_http_response *res);
/*
 * Runs gate before every route (and before 404/405): it returns true to let the request on,
 * or false with res filled. It may rewrite the request's headers.
 */
void server_http_set_gate(struct server_http *h,
                          bool (*gate)(void *ctx, struct server_http_request *req,
                                       struct server_http_response *res),
                          void *ctx);

/* Writes at most max descriptors; returns how many it needs (more than max: ask again). */
int server_http_pollfds(struct server_http *h, struct pollfd *fds, int max);
/* Milliseconds until server_http_dispatch must run without I/O; -1: none. */
int server_http_timeout_ms(struct server_http *h, int64_t now_ms);
/* Takes the descriptors back from poll() and runs libmicrohttpd (MHD_run). */
void server_http_dispatch(struct server_http *h, const struct pollfd *fds, int n, int64_t now_ms);
/* Registers the three functions above as a source of loop. */
void server_http_attach(struct server_http *h, struct loop *loop);

/* Request accessors: NULL when absent; header names are case-insensitive. */
const char *server_http_param(const struct server_http_request *req, const char *name);
const char *server_http_header(const struct server_http_request *req, const char *name);
const char *server_http_query(const struct server_http_request *req, const char *key);
/* Replaces every header of that name (any case) with one holding value; NULL drops them. */
void server_http_request_set_header(struct server_http_request *req, const char *name,
                                    const char *value);
size_t server_http_query_count(const struct server_http_request *req, const char *key);
/* The i-th value of a repeated key, or NULL. */
const char *server_http_query_nth(const struct server_http_request *req, const char *key, size_t i);
/*
 * Parses a boolean as FastAPI does (True/true/False/false/1/0, yes/no, on/off, t/f, y/n);
 * absent: dflt. On bad text returns -1 and, when res is not NULL, fills it with the 422.
 */
int server_http_query_bool(const struct server_http_request *req, const char *key, bool dflt,
                           bool *out, struct server_http_response *res);
/* A decimal integer; absent: dflt. On bad text returns -1 and fills res (if any) with a 422. */
int server_http_query_int(const struct server_http_request *req, const char *key, long dflt,
                          long *out, struct server_http_response *res);

/* Frees what res holds, for handler tests that run without a server; see the helpers below. */
void server_http_response_free(struct server_http_response *res);

/* Appends s as a JSON string literal (invalid UTF-8 replaced), or null when s is NULL. */
void server_http_json_string(struct strbuf *sb, const char *s);

/*
 * The response helpers replace whatever res held before (a stream made earlier ends as if
 * its client left: its on_gone runs).
 */
void server_http_reply(struct server_http_response *res, int status, const char *content_type,
                       const char *body, size_t len);
void server_http_reply_json(struct server_http_response *res, int status, const char *json);
/* Adds a header to the response. */
void server_http_reply_header(struct server_http_response *res, const char *name,
                              const char *value);
/* FastAPI's HTTPException: {"detail": "<detail>"} (404, 405, 413, missing x-osmo-user ...). */
void server_http_reply_detail(struct server_http_response *res, int status, const char *detail);
/*
 * OSMO's error: {"message","error_code","workflow_id"} (400 and friends); error_code NULL
 * gives the 500 shape {"message": ...}. workflow_id NULL is sent as null.
 */
void server_http_reply_error(struct server_http_response *res, int status, const char *error_code,
                             const char *message, const char *workflow_id);
/* FastAPI's 422 for one bad input: {"detail":[{"type","loc":[where,name],"msg","input"}]}. */
void server_http_reply_invalid(struct server_http_response *res, const char *type,
                               const char *where, const char *name, const char *msg,
                               const char *input);

/*
 * Turns the response into a chunked stream (status, content_type) that outlives the handler.
 * The owner appends with server_http_stream_write and ends it with server_http_stream_close,
 * after which it must forget the pointer. If the client goes away first, on_gone(ctx) runs
 * (from inside server_http_dispatch or server_http_free) and the stream is freed right after:
 * the owner must forget it there and must not call server_http_* on it from on_gone.
 */
struct server_http_stream *server_http_reply_stream(struct server_http_response *res, int status,
                                                    const char *content_type,
                                                    void (*on_gone)(void *ctx), void *ctx);
void server_http_stream_write(struct server_http_stream *s, const void *data, size_t n);
void server_http_stream_printf(struct server_http_stream *s, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/* Bytes written but not yet handed to the socket, for owners that want to bound memory. */
size_t server_http_stream_pending(const struct server_http_stream *s);
/* Sends what is pending, then ends the chunked body; the pointer is invalid afterwards. */
void server_http_stream_close(struct server_http_stream *s);

/*
 * Answers 101 Switching Protocols with "Upgrade: protocol" (plus res's headers). Once the
 * answer is out, on_open gets the raw socket (non-blocking; the owner polls it) and the bytes
 * the client sent past the request, which the owner must treat as read from fd. If the client
 * goes away first, or the server stops while the owner holds the socket, on_gone(ctx) runs
 * instead (from inside server_http_dispatch or server_http_free) and u must be forgotten.
 */
void server_http_reply_upgrade(struct server_http_response *res, const char *protocol,
                               void (*on_open)(void *ctx, struct server_http_upgrade *u, int fd,
                                               const char *extra, size_t n),
                               void (*on_gone)(void *ctx), void *ctx);
/* Hands the socket back to libmicrohttpd, which closes it; the owner must not close fd itself. */
void server_http_upgrade_close(struct server_http_upgrade *u);

#endif
