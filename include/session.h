/* session.h: which service to talk to and as whom, from options and the CLI's login.yaml. */
#ifndef OSMO_SESSION_H
#define OSMO_SESSION_H

#include <stdbool.h>

#include "api.h"
#include "auth.h"
#include "http.h"

struct session_opts {
	const char *url;  /* --url */
	const char *user; /* --user: dev login, sent as x-osmo-user */
};

struct session {
	char *url;       /* base URL, no trailing slash */
	char *shown_url; /* the same without any user:password@ part */
	struct auth auth;
	struct http *http;
	struct api *api;
	char *warning; /* something to tell the user once (loose login.yaml mode) */
};

/* Resolves the service and credentials; on failure err says what to do. */
int session_open(struct session *s, const struct session_opts *o, struct api_error *err);
void session_close(struct session *s);
/* A URL safe to print: scheme://host[:port]/path without userinfo; caller frees. */
char *session_safe_url(const char *url);
/* Runs the poll loop until *done or deadline_ms passes (monotonic); returns 0 or -1. */
int session_wait(struct session *s, const bool *done, int64_t deadline_ms);

#endif
