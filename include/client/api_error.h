/* api_error.h: errors as values; client/ fills them, tui/ decides how to show them. */
#ifndef OSMO_CLIENT_API_ERROR_H
#define OSMO_CLIENT_API_ERROR_H

#include <stdarg.h>

enum api_error_kind {
	API_OK = 0,
	API_ERR_TRANSPORT, /* DNS, refused, reset, TLS */
	API_ERR_TIMEOUT,
	API_ERR_HTTP,   /* the server answered with a non-2xx status */
	API_ERR_AUTH,   /* no usable login, refresh failed, 401/403, redirect to a login page */
	API_ERR_DECODE, /* the body is not what the contract says */
	API_ERR_TOO_LARGE,
	API_ERR_CANCELLED,
	API_ERR_USAGE, /* the caller asked for something impossible */
};

struct api_error {
	enum api_error_kind kind;
	long http_status;
	char error_code[24]; /* OSMO's error_code ("DATABASE", "USER", ...) when sent */
	char message[512];   /* one line for people; never holds a token */
	long retry_after_s;  /* the answer's Retry-After (seconds or a date, from now); 0: none */
};

void api_error_set(struct api_error *err, enum api_error_kind kind, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
void api_error_clear(struct api_error *err);
const char *api_error_kind_name(enum api_error_kind kind);

#endif
