/* http.h: non-blocking HTTP over libcurl's multi socket API, driven by the caller's poll(). */
#ifndef OSMO_HTTP_H
#define OSMO_HTTP_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "util.h"

struct http;

struct http_result {
	long status; /* 0 when no response arrived */
	const char *content_type;
	const char *body; /* buffered body: the whole body, or an error body of a stream */
	size_t len;
	struct api_error err; /* kind API_OK when a response arrived complete */
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
size_t http_in_flight(const struct http *h);
/* Percent-encodes s for a URL query value or path segment. */
char *http_escape(const char *s);

#endif
