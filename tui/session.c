/* session.c: the service and credentials to use, the client and its loop, the signal self-pipe. */
#include "tui/session.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/local.h"
#include "client/login.h"

/* The self-pipe's write end for the signal handler (the program's one global). */
static int session_signal_write = -1;

/* Exit status by error kind: 1 the service said no, 2 usage, 3 network and the rest. */
static const int session_statuses[] = {
	[API_ERR_HTTP] = 1,
	[API_ERR_USAGE] = 2,
};

char *
session_safe_url(const char *url)
{
	const char *scheme = strstr(url, "://");
	const char *host = scheme ? scheme + 3 : url;
	const char *slash = strchr(host, '/');
	const char *at = strchr(host, '@');

	if (!at || (slash && at > slash))
		return xstrdup(url);
	return xasprintf("%.*s%s", (int)(host - url), url, at + 1);
}

static bool
session_same_url(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	while (la && a[la - 1] == '/')
		la--;
	while (lb && b[lb - 1] == '/')
		lb--;
	return la == lb && strncmp(a, b, la) == 0;
}

/* login.yaml's path when it is what would be used: not with --user (dev login) or --local. */
static bool
session_login_path(const struct session_opts *o, char *path, size_t size)
{
	return !o->user && !o->local && login_default_path(path, size) == 0 &&
	       access(path, F_OK) == 0;
}

static void
session_call_done(void *ctx, struct api_result *res)
{
	struct session_call *c = ctx;

	c->res = *res;
	c->done = true;
}

struct api_callbacks
session_call_callbacks(struct session_call *c)
{
	return (struct api_callbacks){ .done = session_call_done, .ctx = c };
}

bool
session_option(int ch, const char *arg, struct session_opts *o)
{
	if (ch == SESSION_OPT_URL)
		o->url = arg;
	else if (ch == SESSION_OPT_USER)
		o->user = arg;
	else if (ch == SESSION_OPT_LOCAL)
		o->local = true;
	else if (ch == SESSION_OPT_TOKEN_FILE)
		o->token_file = arg;
	return ch >= SESSION_OPT_URL && ch < SESSION_OPT_END;
}

int
session_bad_option(const char *command, int ch, char *const *argv)
{
	/* An unknown short option leaves its letter in optopt (-h, the only one, never fails). */
	char letter[3] = { '-', (char)optopt, '\0' };
	bool is_short = optopt > 0 && optopt < SESSION_OPT_URL && optopt != 'h';
	const char *word = is_short ? letter : argv[optind - 1];
	/* Up to '=': the value may be a secret, and the name is what was wrong. */
	int len = (int)strcspn(word, "=");
	bool known = ch == ':' || (optopt && str_starts_with(word, "--"));

	fprintf(stderr, "osmotop: %s%.*s%s; see 'osmotop%s%s --help'\n",
	        known ? "" : "unknown option ", len, word,
	        !known      ? ""
	        : ch == ':' ? " needs a value"
	                    : " takes no value",
	        command ? " " : "", command ? command : "");
	return 2;
}

bool
session_configured(const struct session_opts *o)
{
	char path[4096];

	return o->url || session_login_path(o, path, sizeof(path));
}

/* The osmo-local osmotop started, if it runs: 1 (s->url set, a dev user), 0 none, -1. */
static int
session_local(struct session *s, const struct session_opts *o, struct api_error *err)
{
	struct local_server srv;
	char *dir = local_dir(err);
	char *token;
	bool loose;
	int rc;

	if (!dir)
		return o->local ? -1 : 0; /* no $HOME: nothing to reattach to */
	rc = local_find(dir, &srv, err);
	token = xasprintf("%s/state/" LOCAL_TOKEN_FILE, dir);
	free(dir);
	if (rc > 0) {
		s->url = xstrdup(srv.url);
		s->local = true;
		/* The name osmo-local puts in its tokens, so "your workflows" are these. */
		s->user = local_user();
	}
	/* The token osmo-local made for its owner: no login step for the one who started it. */
	if (rc > 0 && !o->user && !o->token_file) {
		auth_free(&s->auth);
		if (auth_load_token(&s->auth, s->url, token, &loose, err) < 0) {
			free(s->url);
			free(s->user);
			s->url = s->user = NULL;
			rc = -1;
		} else {
			s->token_file = xstrdup(token);
		}
	}
	free(token);
	return rc;
}

bool
session_relocate(struct session *s)
{
	struct api_error err = { 0 };
	struct local_server srv;
	char *dir;
	bool loose, moved;

	if (!s->local || !(dir = local_dir(&err)))
		return false;
	moved = local_find(dir, &srv, &err) > 0 && strcmp(srv.url, s->url) != 0;
	free(dir);
	if (!moved)
		return false;
	free(s->url);
	free(s->shown_url);
	s->url = xstrdup(srv.url);
	s->shown_url = session_safe_url(s->url);
	api_set_base_url(s->api, s->url);
	/* Its own token says where it trades it for a JWT: the new address. */
	if (s->token_file) {
		auth_free(&s->auth);
		if (auth_load_token(&s->auth, s->url, s->token_file, &loose, &err) < 0)
			return false;
	}
	return true;
}

/* What to do when the service refuses these credentials: it depends on where they came from. */
static char *
session_auth_hint(const struct session *s)
{
	if (s->token_file)
		return xasprintf("check the access token in %s%s", s->token_file,
		                 s->local ? " (osmo-local's own; restarting it with 'osmotop local "
		                            "stop' and 'osmotop local start' keeps it)"
		                          : "");
	if (s->auth.login.kind == LOGIN_TOKEN)
		return xstrdup("log in again with 'osmo login URL'");
	return xstrdup("this service wants a login: run 'osmo login URL', or pass "
	               "--token-file FILE (for osmo-local, 'osmotop local status' names its "
	               "token file)");
}

void
session_explain(const struct session *s, struct api_error *err)
{
	size_t n = strlen(err->message);

	if (err->kind == API_ERR_AUTH && s->auth_hint && !strstr(err->message, s->auth_hint))
		snprintf(err->message + n, sizeof(err->message) - n, "; %s", s->auth_hint);
}

/* --token-file: an access token for whichever service was chosen; 0, or -1 with err. */
static int
session_token_file(struct session *s, const struct session_opts *o, struct api_error *err)
{
	bool loose = false;

	if (!o->token_file)
		return 0;
	auth_free(&s->auth);
	if (auth_load_token(&s->auth, s->url, o->token_file, &loose, err) < 0) {
		free(s->url);
		s->url = NULL;
		free(s->user);
		s->user = NULL;
		return -1;
	}
	if (loose)
		s->warning = xasprintf("%s is readable by other users; run: chmod 600 %s",
		                       o->token_file, o->token_file);
	free(s->token_file);
	s->token_file = xstrdup(o->token_file);
	return 0;
}

int
session_open(struct session *s, const struct session_opts *o, struct api_error *err)
{
	char path[4096];
	bool loose = false, have_login = false;
	struct api_error lerr = { 0 };
	struct session_opts with_env = *o;
	const char *env_token = getenv("OSMO_TOKEN_FILE");

	memset(s, 0, sizeof(*s));
	if (!with_env.token_file && env_token && *env_token)
		with_env.token_file = env_token;
	o = &with_env;
	if (o->user && o->token_file) {
		api_error_set(err, API_ERR_USAGE,
		              "--user (a dev login) and an access token file are two logins; "
		              "pick one");
		return -1;
	}
	if (session_login_path(o, path, sizeof(path))) {
		if (auth_load(&s->auth, path, &loose, &lerr) < 0) {
			/* A broken login.yaml matters only when it is what we would use. */
			if (!o->url) {
				*err = lerr;
				return -1;
			}
		} else {
			have_login = true;
		}
	}
	if (have_login && o->url && !session_same_url(o->url, auth_url(&s->auth))) {
		/* Never send a token minted for one service to another. */
		auth_free(&s->auth);
		have_login = false;
	}
	if (!have_login)
		auth_init_dev(&s->auth, o->user);
	if (o->url && !o->local) {
		s->url = xstrdup(o->url);
	} else if (have_login) {
		s->url = xstrdup(auth_url(&s->auth));
	} else if (session_local(s, o, err) < 0) {
		auth_free(&s->auth);
		return -1;
	}
	if (s->url && session_token_file(s, o, err) < 0)
		return -1;
	if (!s->url) {
		if (o->local)
			api_error_set(err, API_ERR_USAGE,
			              "osmo-local is not running: 'osmotop local start' starts it, "
			              "'osmotop run --local SPEC' starts it and submits");
		else
			api_error_set(err, API_ERR_USAGE,
			              "no OSMO service configured: run 'osmo login URL' or pass "
			              "--url URL; or try osmo-local on this machine with "
			              "'osmotop run SPEC' or 'osmotop local start'");
		auth_free(&s->auth);
		return -1;
	}
	size_t n = strlen(s->url);

	while (n && s->url[n - 1] == '/')
		s->url[--n] = '\0';
	if (!str_starts_with(s->url, "http://") && !str_starts_with(s->url, "https://")) {
		char *shown = session_safe_url(s->url);

		api_error_set(err, API_ERR_USAGE, "%s is not an http:// or https:// URL", shown);
		free(shown);
		free(s->url);
		auth_free(&s->auth);
		return -1;
	}
	if (have_login && loose && !s->warning)
		s->warning =
		        xasprintf("%s is readable by other users; run: chmod 600 %s", path, path);
	s->shown_url = session_safe_url(s->url);
	s->auth_hint = session_auth_hint(s);
	s->loop = loop_new();
	s->http = http_new(API_USER_AGENT);
	loop_add_source(s->loop, &http_source, s->http);
	s->api = api_new(s->url, &s->auth, s->http, s->loop);
	return 0;
}

int
session_start(struct session *s, const struct session_opts *o)
{
	struct api_error err = { 0 };

	if (session_open(s, o, &err) < 0) {
		fprintf(stderr, "osmotop: %s\n", err.message);
		return -1;
	}
	if (s->warning)
		fprintf(stderr, "osmotop: warning: %s\n", s->warning);
	return 0;
}

void
session_close(struct session *s)
{
	api_free(s->api);
	http_free(s->http);
	loop_free(s->loop);
	auth_free(&s->auth);
	free(s->url);
	free(s->shown_url);
	free(s->warning);
	free(s->user);
	free(s->token_file);
	free(s->auth_hint);
	memset(s, 0, sizeof(*s));
}

int
session_wait(struct session *s, const bool *done, int64_t deadline_ms)
{
	while (!*done) {
		int64_t now = clock_mono_ms();

		if (now >= deadline_ms ||
		    loop_run_once(s->loop, util_timeout_until(deadline_ms, now)) < 0)
			return -1;
	}
	return 0;
}

bool
session_call_wait(struct session *s, struct session_call *c, unsigned long id, int timeout_ms)
{
	if (session_wait(s, &c->done, clock_mono_ms() + timeout_ms) < 0 || !c->done) {
		api_abort(s->api, id);
		api_error_set(&c->res.err, API_ERR_TIMEOUT, "no answer within %d s",
		              timeout_ms / 1000);
	}
	return c->res.err.kind == API_OK;
}

int
session_exit_status(enum api_error_kind kind)
{
	return (size_t)kind < ARRAY_SIZE(session_statuses) && session_statuses[kind]
	               ? session_statuses[kind]
	               : 3;
}

static void
session_on_signal(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;

	if (write(session_signal_write, &c, 1) < 0)
		(void)0; /* a full pipe already says a signal is pending */
	errno = saved;
}

int
session_signals(const int *sigs, size_t n)
{
	struct sigaction sa = { .sa_handler = session_on_signal, .sa_flags = SA_RESTART };
	int fds[2];

	if (util_pipe_nonblock(fds) < 0)
		return -1;
	session_signal_write = fds[1];
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < n; i++)
		sigaction(sigs[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return fds[0];
}
