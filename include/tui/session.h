/* session.h: which service to talk to and as whom (options, login.yaml, osmo-local); signals. */
#ifndef OSMO_TUI_SESSION_H
#define OSMO_TUI_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "client/api.h"
#include "client/auth.h"
#include "client/http.h"
#include "common/loop.h"

struct session_opts {
	const char *url;        /* --url */
	const char *user;       /* --user: dev login, sent as x-osmo-user */
	bool local;             /* --local: only the osmo-local osmotop started, never login.yaml */
	const char *token_file; /* --token-file or $OSMO_TOKEN_FILE: an OSMO access token */
};

/* getopt_long values of the options every command takes; a command's own follow OPT_END. */
enum session_opt {
	SESSION_OPT_URL = 256,
	SESSION_OPT_USER,
	SESSION_OPT_LOCAL,
	SESSION_OPT_TOKEN_FILE,
	SESSION_OPT_END,
};

/* Their rows of a struct option table, which a command's table starts with. */
/* clang-format off */
#define SESSION_LONGOPTS                                                  \
	{ "url", required_argument, NULL, SESSION_OPT_URL },               \
	{ "user", required_argument, NULL, SESSION_OPT_USER },             \
	{ "local", no_argument, NULL, SESSION_OPT_LOCAL },                 \
	{ "token-file", required_argument, NULL, SESSION_OPT_TOKEN_FILE }
/* clang-format on */

/* One API call a command waits for: its result, once done. */
struct session_call {
	struct api_result res;
	bool done;
};

/* Callbacks that fill c when the call completes. */
struct api_callbacks session_call_callbacks(struct session_call *c);

/* Takes getopt_long's ch when it is one of SESSION_LONGOPTS (true), filling o. */
bool session_option(int ch, const char *arg, struct session_opts *o);
/*
 * For getopt_long's '?' or ':' (an optstring starting with ':', after any '+'): one line on
 * stderr naming the option and "see 'osmotop[ command] --help'" (command NULL: osmotop's own);
 * returns 2, the usage status.
 */
int session_bad_option(const char *command, int ch, char *const *argv);

struct session {
	char *url;       /* base URL, no trailing slash */
	char *shown_url; /* the same without any user:password@ part */
	struct auth auth;
	struct loop *loop; /* the one loop: http is its source, api completes through it */
	struct http *http;
	struct api *api;
	char *warning;    /* something to tell the user once (loose login.yaml mode) */
	bool local;       /* the osmo-local osmotop started (client/local.c), with its token */
	char *user;       /* on osmo-local: the owner its tokens name; NULL elsewhere */
	char *token_file; /* the access token file logged in with, if any */
	char *auth_hint;  /* what to do when the service refuses the credentials */
};

/*
 * Resolves the service and credentials: --url, else login.yaml, else a running osmo-local
 * that osmotop started (local_find); on failure err says what to do.
 */
int session_open(struct session *s, const struct session_opts *o, struct api_error *err);
/* True when --url or a login.yaml names a service, so osmotop run needs no osmo-local. */
bool session_configured(const struct session_opts *o);
/* session_open for a command: says on stderr why it failed (exit with 2) or what to warn of. */
int session_start(struct session *s, const struct session_opts *o);
void session_close(struct session *s);
/*
 * For the osmo-local osmotop found (not a --url): when it now runs at another address (a stop
 * and a start), points the session there; true if it moved.
 */
bool session_relocate(struct session *s);
/* Adds to an authentication failure's message what to do about it, given how we logged in. */
void session_explain(const struct session *s, struct api_error *err);
/* A URL safe to print: scheme://host[:port]/path without userinfo; caller frees. */
char *session_safe_url(const char *url);
/* Runs loop rounds until *done or deadline_ms passes (monotonic); returns 0 or -1. */
int session_wait(struct session *s, const bool *done, int64_t deadline_ms);
/*
 * Waits up to timeout_ms for c, the call id (0: none to abort) fills; a call still out then
 * is aborted and c's error says it timed out. Whether the call succeeded.
 */
bool session_call_wait(struct session *s, struct session_call *c, unsigned long id, int timeout_ms);
/* A command's exit status for a failure of this kind: 1 the service refused, 2 usage, else 3. */
int session_exit_status(enum api_error_kind kind);
/*
 * A self-pipe the handler of these signals writes each signal's number to (SIGPIPE is
 * ignored); its non-blocking read end for the poll loop, or -1.
 */
int session_signals(const int *sigs, size_t n);

#endif
