/* access.c: who may use osmo-local: its personal access token, the JWTs it trades for, the gate. */
#define _DEFAULT_SOURCE /* explicit_bzero */
#include "server/access.h"

#include <errno.h>
#include <fcntl.h>
#include <nettle/base64.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/encode.h"
#include "common/util.h"

#define ACCESS_KEY_LEN 32
/* The one header we sign with; a token naming another alg (or none) is not ours. */
#define ACCESS_JWT_HEADER "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
#define ACCESS_ISSUER     "osmo-local"
#define ACCESS_AUDIENCE   "osmo"
#define ACCESS_TOKEN_NAME "osmo-local"
/* Clocks of one machine agree; this only absorbs the second boundary. */
#define ACCESS_SKEW_S 5

struct access {
	char token[ACCESS_TOKEN_LEN + 1];
	unsigned char key[ACCESS_KEY_LEN];
	char *user;
	char *header;       /* ACCESS_JWT_HEADER as base64url: how every JWT of ours begins */
	char *origin;       /* http://HOST:PORT */
	char *origin_local; /* http://localhost:PORT */
	char *host;
	unsigned port;
	bool dev_auth;
	long ttl_s;
	int64_t (*now_s)(void *ctx);
	void *now_ctx;
};

/* Routes anyone may call: what a client needs before it has a JWT, and the health check. */
static const struct {
	const char *method;
	const char *path;
} access_public[] = {
	{ "GET", "/api/version" },
	{ "GET", "/api/router/version" },
	{ "GET", "/health" },
	{ "GET", "/api/auth/login" },
	{ "POST", "/api/auth/jwt/access_token" },
};

static int64_t
access_now(const struct access *a)
{
	return a->now_s ? a->now_s(a->now_ctx) : clock_wall_ms() / 1000;
}

/* base64url without padding, as JWTs and token_urlsafe write it; the caller frees. */
static char *
access_b64url(const void *data, size_t n)
{
	struct base64_encode_ctx ctx;
	char *out = xmalloc(BASE64_ENCODE_LENGTH(n) + BASE64_ENCODE_FINAL_LENGTH + 1);
	size_t len;

	base64url_encode_init(&ctx);
	len = base64_encode_update(&ctx, out, n, data);
	len += base64_encode_final(&ctx, out + len);
	while (len && out[len - 1] == '=')
		len--;
	out[len] = '\0';
	return out;
}

/* Decodes unpadded base64url; NULL when it is not. The caller frees; *n is the length. */
static char *
access_b64url_decode(const char *s, size_t len, size_t *n)
{
	struct base64_decode_ctx ctx;
	size_t pad = (4 - len % 4) % 4;
	char *padded, *out;
	size_t plen, outlen;
	bool ok;

	if (pad == 3)
		return NULL;
	padded = xasprintf("%.*s%.*s", (int)len, s, (int)pad, "==");
	plen = strlen(padded);
	outlen = BASE64_DECODE_LENGTH(plen);
	out = xmalloc(outlen + 1);
	base64url_decode_init(&ctx);
	ok = base64_decode_update(&ctx, &outlen, (uint8_t *)out, plen, padded) &&
	     base64_decode_final(&ctx);
	free(padded);
	if (!ok) {
		free(out);
		return NULL;
	}
	out[outlen] = '\0';
	*n = outlen;
	return out;
}

/* The signature part for "header.payload". */
static char *
access_sign(const struct access *a, const char *signed_part, size_t n)
{
	struct hmac_sha256_ctx ctx;
	uint8_t mac[SHA256_DIGEST_SIZE];

	hmac_sha256_set_key(&ctx, sizeof(a->key), a->key);
	hmac_sha256_update(&ctx, n, (const uint8_t *)signed_part);
	hmac_sha256_digest(&ctx, sizeof(mac), mac);
	return access_b64url(mac, sizeof(mac));
}

char *
access_jwt_new(const struct access *a)
{
	int64_t now = access_now(a);
	char *claims = encode_jwt_claims(ACCESS_ISSUER, ACCESS_AUDIENCE, now, now + a->ttl_s,
	                                 a->user, ACCESS_TOKEN_NAME);
	char *payload = access_b64url(claims, strlen(claims));
	char *part = xasprintf("%s.%s", a->header, payload);
	char *sig = access_sign(a, part, strlen(part));
	char *jwt = xasprintf("%s.%s", part, sig);

	free(claims);
	free(payload);
	free(part);
	free(sig);
	return jwt;
}

const char *
access_jwt_check(const struct access *a, const char *jwt)
{
	const char *dot2 = strrchr(jwt, '.');
	size_t hlen = strlen(a->header);
	bool ours =
	        dot2 && strncmp(jwt, a->header, hlen) == 0 && jwt[hlen] == '.' && dot2 > jwt + hlen;
	char *sig = ours ? access_sign(a, jwt, (size_t)(dot2 - jwt)) : NULL;
	const char *why = "Jwt verification fails";

	if (sig && strlen(sig) == strlen(dot2 + 1) && memeql_sec(sig, dot2 + 1, strlen(sig))) {
		size_t n;
		char *claims =
		        access_b64url_decode(jwt + hlen + 1, (size_t)(dot2 - jwt) - hlen - 1, &n);
		int64_t nbf = 0, exp = 0, now = access_now(a);

		if (claims && encode_jwt_times(claims, n, &nbf, &exp) == 0)
			why = exp <= now                  ? "Jwt is expired"
			      : nbf > now + ACCESS_SKEW_S ? "Jwt not yet valid"
			                                  : NULL;
		free(claims);
	}
	free(sig);
	return why;
}

/* Reads a secret file of ours into buf (at most cap bytes); 1 read, 0 absent, -1 with *err. */
static int
access_read(const char *path, char *buf, size_t cap, size_t *len, char **err, struct strbuf *warn)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	ssize_t r;

	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &st) < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		*err = xasprintf("%s: not a regular file of this user; remove it", path);
		close(fd);
		return -1;
	}
	if ((st.st_mode & 077) && fchmod(fd, 0600) == 0)
		strbuf_addf(warn, "%s was readable by others: made 0600; ", path);
	r = read(fd, buf, cap);
	close(fd);
	if (r < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	*len = (size_t)r;
	return 1;
}

/* Creates path with data, 0600, unless another start made it first. 0, or -1 with *err. */
static int
access_create(const char *path, const void *data, size_t n, char **err)
{
	char *tmp = xasprintf("%s.XXXXXX", path);
	int fd = mkstemp(tmp);
	int rc = -1;

	if (fd < 0) {
		*err = xasprintf("%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	/* link() never replaces: a server started at the same moment keeps its secret. */
	if (fchmod(fd, 0600) == 0 && write(fd, data, n) == (ssize_t)n && fsync(fd) == 0 &&
	    (link(tmp, path) == 0 || errno == EEXIST))
		rc = 0;
	else
		*err = xasprintf("%s: %s", path, strerror(errno));
	close(fd);
	unlink(tmp);
	free(tmp);
	return rc;
}

/* The two secrets: the token as `osmo token set` prints it, the key as raw bytes. */
static const struct access_secret {
	const char *name;
	bool text;  /* base64url of 32 random bytes and a newline, else the bytes themselves */
	size_t len; /* what the file holds, trailing white space aside */
	size_t offset;
	const char *what;
} access_secrets[] = {
	{ ACCESS_TOKEN_FILE, true, ACCESS_TOKEN_LEN, offsetof(struct access, token),
	  "an access token" },
	{ ACCESS_KEY_FILE, false, ACCESS_KEY_LEN, offsetof(struct access, key), "a signing key" },
};

/* Loads one secret into a, making it first when absent; 0, or -1 with *err. */
static int
access_load(struct access *a, const char *dir, const struct access_secret *sec, char **err,
            struct strbuf *warn)
{
	char *path = xasprintf("%s/%s", dir, sec->name);
	char buf[64];
	size_t len = 0;
	int rc;

	while ((rc = access_read(path, buf, sizeof(buf), &len, err, warn)) == 0) {
		unsigned char raw[32];
		char *text;

		if (util_random(raw, sizeof(raw)) < 0) {
			*err = xasprintf("getrandom: %s", strerror(errno));
			rc = -1;
			break;
		}
		text = sec->text ? access_b64url(raw, sizeof(raw)) : NULL;
		if (text) {
			text = xrealloc(text, ACCESS_TOKEN_LEN + 2);
			memcpy(text + ACCESS_TOKEN_LEN, "\n", 2);
		}
		/* Then read back what is there: ours, or what a concurrent start made. */
		rc = text ? access_create(path, text, strlen(text), err)
		          : access_create(path, raw, sizeof(raw), err);
		explicit_bzero(raw, sizeof(raw));
		if (text)
			explicit_bzero(text, strlen(text));
		free(text);
		if (rc < 0)
			break;
	}
	while (sec->text && len && strchr(" \t\r\n", buf[len - 1]))
		len--;
	if (rc > 0 && len != sec->len) {
		*err = xasprintf("%s: not %s; remove it and restart for a new one", path,
		                 sec->what);
		rc = -1;
	}
	if (rc > 0)
		memcpy((char *)a + sec->offset, buf, sec->len);
	explicit_bzero(buf, sizeof(buf));
	free(path);
	return rc > 0 ? 0 : -1;
}

/* The state directory must be ours alone: others could read the token from a looser one. */
static int
access_check_dir(const char *dir, char **err, struct strbuf *warn)
{
	struct stat st;

	if (lstat(dir, &st) < 0) {
		*err = xasprintf("%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
		*err = xasprintf("%s: not a directory of this user", dir);
		return -1;
	}
	if ((st.st_mode & 077) && chmod(dir, 0700) == 0)
		strbuf_addf(warn, "%s was open to others: made 0700; ", dir);
	return 0;
}

struct access *
access_new(const struct access_config *cfg, char **err, char **warning)
{
	struct access *a = xcalloc(1, sizeof(*a));
	struct strbuf warn = { 0 };

	*warning = NULL;
	int rc = access_check_dir(cfg->state_dir, err, &warn);

	for (size_t i = 0; i < ARRAY_SIZE(access_secrets) && rc == 0; i++)
		rc = access_load(a, cfg->state_dir, &access_secrets[i], err, &warn);
	if (rc < 0) {
		strbuf_free(&warn);
		access_free(a);
		return NULL;
	}
	a->user = xstrdup(cfg->user);
	a->header = access_b64url(ACCESS_JWT_HEADER, strlen(ACCESS_JWT_HEADER));
	a->host = xstrdup(cfg->host);
	a->port = cfg->port;
	a->origin = xasprintf("http://%s:%u", cfg->host, cfg->port);
	a->origin_local = xasprintf("http://localhost:%u", cfg->port);
	a->dev_auth = cfg->dev_auth;
	a->ttl_s = cfg->jwt_ttl_s > 0 ? cfg->jwt_ttl_s : ACCESS_JWT_TTL_S;
	a->now_s = cfg->now_s;
	a->now_ctx = cfg->now_ctx;
	if (warn.len >= 2) {
		warn.buf[warn.len - 2] = '\0';
		*warning = strbuf_detach(&warn);
	}
	strbuf_free(&warn);
	return a;
}

void
access_free(struct access *a)
{
	if (!a)
		return;
	explicit_bzero(a->token, sizeof(a->token));
	explicit_bzero(a->key, sizeof(a->key));
	free(a->user);
	free(a->header);
	free(a->host);
	free(a->origin);
	free(a->origin_local);
	free(a);
}

/* Host: this server's address or localhost, with its port when one is given. */
static bool
access_host_ok(const struct access *a, const char *host)
{
	const char *colon = strrchr(host, ':');
	size_t len = colon ? (size_t)(colon - host) : strlen(host);
	char *end;
	unsigned long port = colon ? strtoul(colon + 1, &end, 10) : a->port;

	if (colon && (!colon[1] || *end || port != a->port))
		return false;
	return (len == strlen(a->host) && strncasecmp(host, a->host, len) == 0) ||
	       (len == 9 && strncasecmp(host, "localhost", 9) == 0);
}

static bool
access_is_public(const struct server_http_request *req)
{
	for (size_t i = 0; i < ARRAY_SIZE(access_public); i++)
		if (strcmp(req->method, access_public[i].method) == 0 &&
		    strcmp(req->path, access_public[i].path) == 0)
			return true;
	return false;
}

/* application/json, with or without parameters. */
static bool
access_is_json(const char *content_type)
{
	size_t n = strlen("application/json");

	return content_type && strncasecmp(content_type, "application/json", n) == 0 &&
	       (content_type[n] == '\0' || content_type[n] == ';' || content_type[n] == ' ');
}

/* The bearer token of Authorization, else x-osmo-auth (Envoy takes either); NULL if none. */
static const char *
access_bearer(const struct server_http_request *req)
{
	const char *auth = server_http_header(req, "authorization");

	if (auth && strncasecmp(auth, "Bearer ", 7) == 0)
		return auth + 7;
	auth = server_http_header(req, "x-osmo-auth");
	return auth && *auth ? auth : NULL;
}

/* 401 as Envoy's JWT filter answers it. */
static void
access_refuse(const struct access *a, const struct server_http_request *req,
              struct server_http_response *res, const char *why)
{
	char *challenge =
	        xasprintf("Bearer realm=\"%s%s\", error=\"invalid_token\"", a->origin, req->path);

	server_http_reply(res, 401, SERVER_HTTP_TEXT, why, strlen(why));
	server_http_reply_header(res, "www-authenticate", challenge);
	free(challenge);
}

bool
access_gate(void *ctx, struct server_http_request *req, struct server_http_response *res)
{
	const struct access *a = ctx;
	const char *host = server_http_header(req, "host");
	const char *origin = server_http_header(req, "origin");
	const char *type = server_http_header(req, "content-type");
	const char *jwt, *why;

	/* A browser page that reached us through another name (DNS rebinding) or site. */
	if ((host && !access_host_ok(a, host)) ||
	    (origin && strcmp(origin, a->origin) != 0 && strcmp(origin, a->origin_local) != 0)) {
		server_http_reply_detail(res, 403, "Forbidden: foreign Host or Origin");
		return false;
	}
	/* Forms and text/plain are what a cross-site page can post without asking. */
	if (strcmp(req->method, "POST") == 0 && req->body_len && !access_is_json(type)) {
		server_http_reply_detail(res, 415, "Unsupported Media Type: send application/json");
		return false;
	}
	jwt = access_bearer(req);
	if (access_is_public(req)) {
		/* Open to all, but only a valid token (or dev mode) may say who is asking. */
		if (jwt && !access_jwt_check(a, jwt))
			server_http_request_set_header(req, "x-osmo-user", a->user);
		else if (!a->dev_auth)
			server_http_request_set_header(req, "x-osmo-user", NULL);
		return true;
	}
	if (!jwt && a->dev_auth)
		return true;
	why = jwt ? access_jwt_check(a, jwt) : "Jwt is missing";
	if (why) {
		access_refuse(a, req, res, why);
		return false;
	}
	/* As the gateway does: the token says who calls, whatever x-osmo-user claimed. */
	server_http_request_set_header(req, "x-osmo-user", a->user);
	server_http_request_set_header(req, "x-osmo-roles", "osmo-user");
	return true;
}

/* OSMO answers a bad token as an OSMOUserError: 400 with its message. */
void
access_exchange(void *ctx, const struct server_http_request *req, struct server_http_response *res)
{
	struct access *a = ctx;
	char *token = NULL;
	char *jwt, *body;
	size_t n;

	if (encode_access_token_parse(req->body, req->body_len, &token) < 0) {
		server_http_reply_invalid(res, "missing", "body", "token", "Field required", NULL);
		return;
	}
	n = strlen(token);
	/* OSMO's lengths: token_urlsafe(32), or the legacy 64 hex digits, which ours never are. */
	if (n != ACCESS_TOKEN_LEN && n != 64) {
		char *msg = xasprintf("Access token has invalid length %zu", n);

		server_http_reply_error(res, 400, "USER", msg, NULL);
		free(msg);
	} else if (n != ACCESS_TOKEN_LEN || !memeql_sec(token, a->token, ACCESS_TOKEN_LEN)) {
		server_http_reply_error(res, 400, "USER", "Access Token is invalid", NULL);
	} else {
		jwt = access_jwt_new(a);
		body = encode_jwt_response(jwt, access_now(a) + a->ttl_s);
		server_http_reply_json(res, 200, body);
		explicit_bzero(jwt, strlen(jwt));
		free(jwt);
		free(body);
	}
	explicit_bzero(token, n);
	free(token);
}

static const struct server_http_route access_routes[] = {
	{ "POST", "/api/auth/jwt/access_token", access_exchange },
};

void
access_add_routes(struct server_http *h, struct access *a)
{
	server_http_add_routes(h, access_routes, ARRAY_SIZE(access_routes), a);
	server_http_set_gate(h, access_gate, a);
}
