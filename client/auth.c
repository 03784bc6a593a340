/* auth.c: bearer tokens, their refresh (OSMO JWT exchange or IdP), and the dev user header. */
#define _DEFAULT_SOURCE /* explicit_bzero */
#include "client/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/decode.h"

static void
auth_update_exp(struct auth *a)
{
	a->exp_s = 0;
	if (a->login.kind == LOGIN_TOKEN && decode_jwt_exp(a->login.id_token, &a->exp_s) < 0)
		a->exp_s = 0;
}

void
auth_init_dev(struct auth *a, const char *user)
{
	memset(a, 0, sizeof(*a));
	if (user && user[0]) {
		a->login.kind = LOGIN_DEV;
		a->login.dev_username = xstrdup(user);
	}
}

/* OSMO's token lengths: token_urlsafe(32), or the legacy 64 hexadecimal digits. */
static bool
auth_token_ok(const char *t, size_t n)
{
	if (n == 64)
		return strspn(t, "0123456789abcdefABCDEF") == n;
	return n == 43 &&
	       strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

/*
 * Reads a small regular file: a FIFO, a device or a directory named by mistake must neither
 * block nor fill memory. 0 with buf NUL-terminated, or -1 with err.
 */
static int
auth_read_small(const char *path, char *buf, size_t cap, size_t *len, bool *loose,
                struct api_error *err)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	ssize_t n = -1;

	if (fd >= 0 && fstat(fd, &st) == 0) {
		if (!S_ISREG(st.st_mode) || (size_t)st.st_size >= cap) {
			api_error_set(err, API_ERR_USAGE,
			              "access token file %s is %s, not an access token", path,
			              S_ISDIR(st.st_mode)    ? "a directory"
			              : !S_ISREG(st.st_mode) ? "not a regular file"
			                                     : "too large");
			close(fd);
			return -1;
		}
		*loose = st.st_mode & 077;
		n = read(fd, buf, cap - 1);
	}
	if (n < 0) {
		api_error_set(err, API_ERR_USAGE, "access token file %s: %s", path,
		              strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	buf[n] = '\0';
	*len = (size_t)n;
	return 0;
}

int
auth_load_token(struct auth *a, const char *url, const char *path, bool *loose_perms,
                struct api_error *err)
{
	char text[AUTH_TOKEN_FILE_MAX + 1];
	size_t len;
	int rc = -1;

	memset(a, 0, sizeof(*a));
	*loose_perms = false;
	if (auth_read_small(path, text, sizeof(text), &len, loose_perms, err) < 0)
		return -1;
	/* As `osmo login --token-file` reads it: surrounding white space is not the token. */
	while (len && strchr(" \t\r\n", text[len - 1]))
		text[--len] = '\0';
	size_t start = strspn(text, " \t\r\n");

	if (!auth_token_ok(text + start, len - start)) {
		api_error_set(err, API_ERR_USAGE,
		              "access token file %s does not hold an OSMO access token (43 "
		              "url-safe characters or 64 hex digits)",
		              path);
	} else {
		a->login.kind = LOGIN_TOKEN;
		a->login.url = xstrdup(url);
		a->login.refresh_token = xstrdup(text + start);
		a->login.refresh_url = xasprintf("%s/api/auth/jwt/access_token", url);
		a->login.osmo_token = true;
		rc = 0;
	}
	explicit_bzero(text, sizeof(text));
	return rc;
}

int
auth_load(struct auth *a, const char *path, bool *loose_perms, struct api_error *err)
{
	memset(a, 0, sizeof(*a));
	if (login_load(path, &a->login, loose_perms, err) < 0)
		return -1;
	a->path = xstrdup(path);
	auth_update_exp(a);
	return 0;
}

void
auth_free(struct auth *a)
{
	login_free(&a->login);
	free(a->path);
	memset(a, 0, sizeof(*a));
}

const char *
auth_url(const struct auth *a)
{
	return a->login.url;
}

bool
auth_can_refresh(const struct auth *a)
{
	return a->login.kind == LOGIN_TOKEN && a->login.refresh_token && a->login.refresh_url;
}

bool
auth_needs_refresh(const struct auth *a, int64_t now_s)
{
	/* A token file gives no JWT yet: the first call trades the access token for one. */
	if (auth_can_refresh(a) && !a->login.id_token)
		return true;
	return auth_can_refresh(a) && a->exp_s && a->exp_s - AUTH_EXPIRE_WINDOW_S < now_s;
}

void
auth_add_headers(const struct auth *a, struct strv *headers)
{
	if (a->login.kind == LOGIN_TOKEN && a->login.id_token)
		strv_push_owned(headers, xasprintf("Authorization: Bearer %s", a->login.id_token));
	else if (a->login.kind == LOGIN_DEV && a->login.dev_username)
		strv_push_owned(headers, xasprintf("x-osmo-user: %s", a->login.dev_username));
}

int
auth_refresh_request(const struct auth *a, char **url, char **body, struct strv *headers,
                     struct api_error *err)
{
	const struct login *l = &a->login;

	if (!auth_can_refresh(a)) {
		api_error_set(
		        err, API_ERR_AUTH,
		        "token is expired, but no refresh token is present; run 'osmo login'");
		return -1;
	}
	/* An IdP token endpoint must be https, as the CLI insists; OSMO's own may be local. */
	if (!l->osmo_token && !str_starts_with(l->refresh_url, "https://")) {
		api_error_set(err, API_ERR_AUTH, "refresh URL %s is not https; run 'osmo login'",
		              l->refresh_url);
		return -1;
	}
	*url = xstrdup(l->refresh_url);
	if (l->osmo_token) {
		*body = encode_token_request(l->refresh_token);
		strv_push(headers, "Content-Type: application/json");
		return 0;
	}
	char *tok = http_escape(l->refresh_token);

	if (l->client_id) {
		char *cid = http_escape(l->client_id);

		*body = xasprintf("grant_type=refresh_token&refresh_token=%s&client_id=%s", tok,
		                  cid);
		free(cid);
	} else {
		*body = xasprintf("grant_type=refresh_token&refresh_token=%s", tok);
	}
	free(tok);
	strv_push(headers, "Content-Type: application/x-www-form-urlencoded");
	return 0;
}

int
auth_refresh_apply(struct auth *a, const struct http_result *res, struct api_error *err)
{
	char *id = NULL, *refresh = NULL;
	/* Without a JWT yet this was the first trade of an access token, not a refresh. */
	const char *what = a->login.id_token ? "unable to refresh login token"
	                                     : "the access token was not accepted";

	/* No answer says nothing of the token: a service that is down did not refuse it. */
	if (res->err.kind != API_OK) {
		api_error_set(err, res->err.kind, "%s: %s",
		              a->login.id_token ? "could not refresh the login token"
		                                : "could not exchange the access token for a login",
		              res->err.message);
		return -1;
	}
	if (res->status < 200 || res->status >= 300) {
		decode_error_body(res->status, res->body, res->len, what, err);
		err->kind = API_ERR_AUTH;
		return -1;
	}
	if (decode_token_response(res->body, res->len, &id, &refresh, err) < 0) {
		err->kind = API_ERR_AUTH;
		return -1;
	}
	free(a->login.id_token);
	a->login.id_token = id;
	if (refresh) {
		free(a->login.refresh_token);
		a->login.refresh_token = refresh;
	}
	auth_update_exp(a);
	/* The new token works even if the file cannot be rewritten: report, do not fail. */
	api_error_clear(err);
	if (a->path)
		login_save(a->path, &a->login, err);
	return 0;
}

/* Replaces every copy of secret in msg with a marker, in place. */
static void
auth_scrub_one(char *msg, const char *secret)
{
	static const char mark[] = "[token]";
	size_t n = secret ? strlen(secret) : 0;
	char *p;

	/* Too short to be a token: replacing it would mangle ordinary words. */
	if (n < 16)
		return;
	while ((p = strstr(msg, secret))) {
		memcpy(p, mark, sizeof(mark) - 1);
		memmove(p + sizeof(mark) - 1, p + n, strlen(p + n) + 1);
	}
	/* A message cut to its buffer may end in the first part of a token. */
	for (size_t len = strlen(msg), k = len < n ? len : n - 1; k >= 8; k--)
		if (memcmp(msg + len - k, secret, k) == 0) {
			memcpy(msg + len - k, mark, sizeof(mark)); /* k >= 8: the mark fits */
			break;
		}
}

void
auth_scrub(const struct auth *a, char *msg)
{
	auth_scrub_one(msg, a->login.id_token);
	auth_scrub_one(msg, a->login.refresh_token);
}
