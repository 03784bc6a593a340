/* test_access.c: osmo-local's access token, its JWTs and the gate every request passes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/access.h"
#include "proc.h"
#include "common/util.h"

#define TA_PORT 40123
#define TA_T0   1787140800 /* 2026-08-19T12:00:00 */

struct ta {
	char dir[64];
	char *state;
	int64_t now;
	struct access *a;
};

static int64_t
ta_now(void *ctx)
{
	return ((struct ta *)ctx)->now;
}

static struct access *
ta_access(struct ta *t, const char *state, bool dev_auth, char **warning)
{
	struct access_config cfg = {
		.state_dir = state,
		.user = "owner",
		.host = "127.0.0.1",
		.port = TA_PORT,
		.dev_auth = dev_auth,
		.now_s = ta_now,
		.now_ctx = t,
	};
	char *err = NULL, *warn = NULL;
	struct access *a = access_new(&cfg, &err, &warn);

	if (!a)
		fail_msg("access_new: %s", err);
	if (warning)
		*warning = warn;
	else
		free(warn);
	return a;
}

static int
ta_setup(void **state)
{
	struct ta *t = xcalloc(1, sizeof(*t));

	strlcpy_safe(t->dir, "/tmp/osmo-access-XXXXXX", sizeof(t->dir));
	assert_non_null(mkdtemp(t->dir));
	t->state = xasprintf("%s/state", t->dir);
	assert_int_equal(mkdir(t->state, 0700), 0);
	t->now = TA_T0;
	t->a = ta_access(t, t->state, false, NULL);
	*state = t;
	return 0;
}

static int
ta_teardown(void **state)
{
	struct ta *t = *state;
	int rc = proc_remove_tree(t->dir);

	access_free(t->a);
	free(t->state);
	free(t);
	return rc;
}

static char *
ta_token(const struct ta *t)
{
	char *path = xasprintf("%s/" ACCESS_TOKEN_FILE, t->state);
	size_t len;
	char *tok = util_read_file(path, &len);

	assert_non_null(tok);
	free(path);
	return tok;
}

static mode_t
ta_mode(const char *dir, const char *name)
{
	char *path = name ? xasprintf("%s/%s", dir, name) : xstrdup(dir);
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	free(path);
	return st.st_mode & 0777;
}

/* The first start makes a token as `osmo token set` would, private, and later starts keep it. */
static void
test_token_made_once_and_private(void **state)
{
	struct ta *t = *state;
	char *tok = ta_token(t), *again, *warning = NULL;
	struct access *a2;

	assert_int_equal(strlen(tok), ACCESS_TOKEN_LEN + 1);
	assert_int_equal(tok[ACCESS_TOKEN_LEN], '\n');
	assert_int_equal(
	        strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
	        ACCESS_TOKEN_LEN);
	assert_int_equal(ta_mode(t->state, ACCESS_TOKEN_FILE), 0600);
	assert_int_equal(ta_mode(t->state, ACCESS_KEY_FILE), 0600);
	/* Loosened by hand: the next start closes them again and says so. */
	assert_int_equal(chmod(t->state, 0755), 0);
	char *path = xasprintf("%s/" ACCESS_TOKEN_FILE, t->state);

	assert_int_equal(chmod(path, 0644), 0);
	a2 = ta_access(t, t->state, false, &warning);
	assert_non_null(warning);
	assert_non_null(strstr(warning, "made 0600"));
	assert_non_null(strstr(warning, "made 0700"));
	assert_null(strstr(warning, tok));
	assert_int_equal(ta_mode(t->state, NULL), 0700);
	assert_int_equal(ta_mode(t->state, ACCESS_TOKEN_FILE), 0600);
	again = ta_token(t);
	assert_string_equal(again, tok);
	/* A JWT of the first instance is good for the second: the key is kept too. */
	char *jwt = access_jwt_new(t->a);

	assert_null(access_jwt_check(a2, jwt));
	access_free(a2);
	free(jwt);
	free(path);
	free(warning);
	free(again);
	free(tok);
}

/* A file that is not a token, or a link put where the token goes, stops the start. */
static void
test_bad_token_file_refused(void **state)
{
	struct ta *t = *state;
	char *dir = xasprintf("%s/bad", t->dir);
	char *path = xasprintf("%s/" ACCESS_TOKEN_FILE, dir);
	struct access_config cfg = {
		.state_dir = dir, .user = "o", .host = "127.0.0.1", .port = 1
	};
	char *err = NULL, *warn = NULL;
	FILE *f;

	assert_int_equal(mkdir(dir, 0700), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("short\n", f);
	fclose(f);
	assert_null(access_new(&cfg, &err, &warn));
	assert_non_null(strstr(err, "not an access token"));
	free(err);
	err = NULL;
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink("/etc/hostname", path), 0);
	assert_null(access_new(&cfg, &err, &warn));
	assert_non_null(strstr(err, ACCESS_TOKEN_FILE));
	free(err);
	free(path);
	free(dir);
}

static char *
ta_b64url(const char *s)
{
	static const char abc[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	struct strbuf sb = { 0 };
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)s[i] << 16;

		v |= i + 1 < n ? (unsigned char)s[i + 1] << 8 : 0;
		v |= i + 2 < n ? (unsigned char)s[i + 2] : 0;
		strbuf_addch(&sb, abc[v >> 18 & 63]);
		strbuf_addch(&sb, abc[v >> 12 & 63]);
		if (i + 1 < n)
			strbuf_addch(&sb, abc[v >> 6 & 63]);
		if (i + 2 < n)
			strbuf_addch(&sb, abc[v & 63]);
	}
	return strbuf_detach(&sb);
}

/* Ours and current passes; expired, altered, unsigned or another server's does not. */
static void
test_jwt_checks(void **state)
{
	struct ta *t = *state;
	char *jwt = access_jwt_new(t->a);
	char *dot1 = strchr(jwt, '.'), *dot2 = strrchr(jwt, '.');
	char *other_dir = xasprintf("%s/other", t->dir);
	struct access *other;
	char *forged, *claims, *none;

	assert_null(access_jwt_check(t->a, jwt));
	t->now += ACCESS_JWT_TTL_S - 1;
	assert_null(access_jwt_check(t->a, jwt));
	t->now += 1;
	assert_string_equal(access_jwt_check(t->a, jwt), "Jwt is expired");
	t->now = TA_T0;
	/* Claims rewritten to live longer, the signature kept. */
	claims = ta_b64url("{\"iss\":\"osmo-local\",\"aud\":\"osmo\",\"iat\":1787140800,"
	                   "\"nbf\":1787140800,\"exp\":2787141100,\"unique_name\":\"owner\"}");
	forged = xasprintf("%.*s.%s%s", (int)(dot1 - jwt), jwt, claims, dot2);
	assert_string_equal(access_jwt_check(t->a, forged), "Jwt verification fails");
	free(forged);
	/* alg none, as a forger would try. */
	none = ta_b64url("{\"alg\":\"none\",\"typ\":\"JWT\"}");
	forged = xasprintf("%s.%s.", none, claims);
	assert_string_equal(access_jwt_check(t->a, forged), "Jwt verification fails");
	free(forged);
	/* Signed by another osmo-local. */
	assert_int_equal(mkdir(other_dir, 0700), 0);
	other = ta_access(t, other_dir, false, NULL);
	forged = access_jwt_new(other);
	assert_string_equal(access_jwt_check(t->a, forged), "Jwt verification fails");
	free(forged);
	access_free(other);
	static const char *const junk[] = { "", ".", "..", "a.b", "a.b.c", "eyJ.eyJ.x", "...." };

	for (size_t i = 0; i < ARRAY_SIZE(junk); i++)
		assert_non_null(access_jwt_check(t->a, junk[i]));
	free(none);
	free(claims);
	free(other_dir);
	free(jwt);
}

struct ta_req {
	struct server_http_request req;
	struct server_http_response res;
};

/* A request with headers given as "name", "value", ..., NULL. */
static void
ta_req_init(struct ta_req *r, const char *method, const char *path, const char *body, ...)
{
	va_list ap;
	const char *k;

	memset(r, 0, sizeof(*r));
	r->req.method = method;
	r->req.path = path;
	r->req.body = body ? body : "";
	r->req.body_len = body ? strlen(body) : 0;
	va_start(ap, body);
	while ((k = va_arg(ap, const char *))) {
		const char *v = va_arg(ap, const char *);
		struct server_http_kvs *h = &r->req.headers;

		h->v = xreallocarray(h->v, h->n + 1, sizeof(*h->v));
		h->v[h->n].key = xstrdup(k);
		h->v[h->n++].value = xstrdup(v);
	}
	va_end(ap);
}

static void
ta_req_free(struct ta_req *r)
{
	for (size_t i = 0; i < r->req.headers.n; i++) {
		free(r->req.headers.v[i].key);
		free(r->req.headers.v[i].value);
	}
	free(r->req.headers.v);
	server_http_response_free(&r->res);
}

/* The gate's verdict: 0 when the request may go on, else the status it answered. */
static int
ta_gate(struct access *a, struct ta_req *r)
{
	return access_gate(a, &r->req, &r->res) ? 0 : r->res.status;
}

static void
test_gate_needs_a_token(void **state)
{
	struct ta *t = *state;
	char *jwt = access_jwt_new(t->a);
	char *bearer = xasprintf("Bearer %s", jwt);
	struct ta_req r;

	ta_req_init(&r, "GET", "/api/workflow", NULL, "host", "127.0.0.1:40123", NULL);
	assert_int_equal(ta_gate(t->a, &r), 401);
	assert_string_equal(r.res.body.buf, "Jwt is missing");
	ta_req_free(&r);
	/* Naming a user is not proof of being one. */
	ta_req_init(&r, "POST", "/api/workflow/x-1/cancel", NULL, "x-osmo-user", "owner", NULL);
	assert_int_equal(ta_gate(t->a, &r), 401);
	ta_req_free(&r);
	ta_req_init(&r, "GET", "/api/workflow", NULL, "authorization", "Bearer nope", NULL);
	assert_int_equal(ta_gate(t->a, &r), 401);
	assert_string_equal(r.res.body.buf, "Jwt verification fails");
	ta_req_free(&r);
	/* Unknown paths too: nothing is told before the token. */
	ta_req_init(&r, "GET", "/nowhere", NULL, NULL);
	assert_int_equal(ta_gate(t->a, &r), 401);
	ta_req_free(&r);
	/* With a JWT the caller is the owner, whatever x-osmo-user said. */
	ta_req_init(&r, "GET", "/api/workflow", NULL, "Authorization", bearer, "x-osmo-user",
	            "mallory", "X-OSMO-USER", "eve", NULL);
	assert_int_equal(ta_gate(t->a, &r), 0);
	assert_string_equal(server_http_header(&r.req, "x-osmo-user"), "owner");
	size_t users = 0;

	for (size_t i = 0; i < r.req.headers.n; i++)
		users += strcasecmp(r.req.headers.v[i].key, "x-osmo-user") == 0;
	assert_int_equal(users, 1);
	ta_req_free(&r);
	/* Envoy also takes the JWT from x-osmo-auth. */
	ta_req_init(&r, "GET", "/api/workflow", NULL, "x-osmo-auth", jwt, NULL);
	assert_int_equal(ta_gate(t->a, &r), 0);
	ta_req_free(&r);
	free(bearer);
	free(jwt);
}

static void
test_gate_public_routes(void **state)
{
	struct ta *t = *state;
	static const char *const pub[][2] = {
		{ "GET", "/api/version" },
		{ "GET", "/api/router/version" },
		{ "GET", "/health" },
		{ "GET", "/api/auth/login" },
		{ "POST", "/api/auth/jwt/access_token" },
	};
	struct ta_req r;

	for (size_t i = 0; i < ARRAY_SIZE(pub); i++) {
		ta_req_init(&r, pub[i][0], pub[i][1], NULL, NULL);
		assert_int_equal(ta_gate(t->a, &r), 0);
		ta_req_free(&r);
	}
	/* On a public route nobody becomes a user by saying so; a valid token still counts. */
	char *jwt = access_jwt_new(t->a);

	ta_req_init(&r, "GET", "/health", NULL, "x-osmo-user", "owner", NULL);
	assert_int_equal(ta_gate(t->a, &r), 0);
	assert_null(server_http_header(&r.req, "x-osmo-user"));
	ta_req_free(&r);
	ta_req_init(&r, "GET", "/health", NULL, "x-osmo-auth", jwt, NULL);
	assert_int_equal(ta_gate(t->a, &r), 0);
	assert_string_equal(server_http_header(&r.req, "x-osmo-user"), "owner");
	ta_req_free(&r);
	free(jwt);
	/* Another method on a public path is not public. */
	ta_req_init(&r, "POST", "/api/version", NULL, NULL);
	assert_int_equal(ta_gate(t->a, &r), 401);
	ta_req_free(&r);
}

/* What a browser page elsewhere could send: another Host (DNS rebinding), Origin, form body. */
static void
test_gate_refuses_browser_requests(void **state)
{
	struct ta *t = *state;
	char *jwt = access_jwt_new(t->a);
	static const char *const bad_hosts[] = { "evil.example:40123", "evil.example",
		                                 "127.0.0.1:40124",
		                                 "127.0.0.1:", "localhost.evil:40123" };
	static const char *const good_hosts[] = { "127.0.0.1:40123", "localhost:40123",
		                                  "LOCALHOST:40123", "127.0.0.1" };
	static const char *const bad_origins[] = { "http://evil.example", "null",
		                                   "http://127.0.0.1:40124",
		                                   "https://127.0.0.1:40123" };
	struct ta_req r;

	for (size_t i = 0; i < ARRAY_SIZE(bad_hosts); i++) {
		ta_req_init(&r, "GET", "/api/version", NULL, "host", bad_hosts[i], NULL);
		assert_int_equal(ta_gate(t->a, &r), 403);
		ta_req_free(&r);
	}
	for (size_t i = 0; i < ARRAY_SIZE(good_hosts); i++) {
		ta_req_init(&r, "GET", "/api/version", NULL, "host", good_hosts[i], NULL);
		assert_int_equal(ta_gate(t->a, &r), 0);
		ta_req_free(&r);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad_origins); i++) {
		ta_req_init(&r, "GET", "/api/workflow", NULL, "x-osmo-auth", jwt, "origin",
		            bad_origins[i], NULL);
		assert_int_equal(ta_gate(t->a, &r), 403);
		ta_req_free(&r);
	}
	ta_req_init(&r, "GET", "/api/workflow", NULL, "x-osmo-auth", jwt, "origin",
	            "http://localhost:40123", NULL);
	assert_int_equal(ta_gate(t->a, &r), 0);
	ta_req_free(&r);
	/* Bodies a page can post without asking first. */
	static const char *const types[] = { "text/plain", "application/x-www-form-urlencoded",
		                             "multipart/form-data; boundary=x",
		                             "application/jsonx" };

	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		ta_req_init(&r, "POST", "/api/auth/jwt/access_token", "{\"token\":\"x\"}",
		            "content-type", types[i], NULL);
		assert_int_equal(ta_gate(t->a, &r), 415);
		ta_req_free(&r);
	}
	ta_req_init(&r, "POST", "/api/auth/jwt/access_token", "{}", NULL);
	assert_int_equal(ta_gate(t->a, &r), 415);
	ta_req_free(&r);
	ta_req_init(&r, "POST", "/api/auth/jwt/access_token", "{}", "content-type",
	            "application/json; charset=utf-8", NULL);
	assert_int_equal(ta_gate(t->a, &r), 0);
	ta_req_free(&r);
	free(jwt);
}

/* --dev-auth: x-osmo-user alone is taken, but a bad JWT still is not. */
static void
test_gate_dev_auth(void **state)
{
	struct ta *t = *state;
	struct access *dev = ta_access(t, t->state, true, NULL);
	struct ta_req r;

	ta_req_init(&r, "GET", "/api/workflow", NULL, "x-osmo-user", "jdoe", NULL);
	assert_int_equal(ta_gate(dev, &r), 0);
	assert_string_equal(server_http_header(&r.req, "x-osmo-user"), "jdoe");
	ta_req_free(&r);
	ta_req_init(&r, "GET", "/api/workflow", NULL, "authorization", "Bearer a.b.c", NULL);
	assert_int_equal(ta_gate(dev, &r), 401);
	ta_req_free(&r);
	ta_req_init(&r, "GET", "/api/workflow", NULL, "host", "evil.example", NULL);
	assert_int_equal(ta_gate(dev, &r), 403);
	ta_req_free(&r);
	access_free(dev);
}

/* POST /api/auth/jwt/access_token's handler on body; the response's status. */
static int
ta_exchange(struct ta *t, const char *body, struct server_http_response *res)
{
	struct ta_req r;

	ta_req_init(&r, "POST", "/api/auth/jwt/access_token", body, NULL);
	memset(res, 0, sizeof(*res));
	access_exchange(t->a, &r.req, res);
	ta_req_free(&r);
	return res->status;
}

/* As the service answers: a JWT for the token, 400 for a wrong or odd-sized one. */
static void
test_exchange(void **state)
{
	struct ta *t = *state;
	char *tok = ta_token(t), *body, *jwt;
	struct server_http_response res;
	const char *p;

	tok[ACCESS_TOKEN_LEN] = '\0';
	body = xasprintf("{\"token\": \"%s\"}", tok);
	assert_int_equal(ta_exchange(t, body, &res), 200);
	p = strstr(res.body.buf, "\"token\":\"");
	assert_non_null(p);
	jwt = xstrndup(p + 9, strcspn(p + 9, "\""));
	assert_null(access_jwt_check(t->a, jwt));
	assert_non_null(strstr(res.body.buf, "\"expires_at\":1787141100"));
	server_http_response_free(&res);
	free(body);
	free(jwt);
	/* One character off. */
	tok[0] = tok[0] == 'A' ? 'B' : 'A';
	body = xasprintf("{\"token\": \"%s\"}", tok);
	assert_int_equal(ta_exchange(t, body, &res), 400);
	assert_non_null(strstr(res.body.buf, "Access Token is invalid"));
	assert_null(strstr(res.body.buf, tok));
	server_http_response_free(&res);
	free(body);
	body = xasprintf("{\"token\": \"%064d\"}", 0);
	assert_int_equal(ta_exchange(t, body, &res), 400);
	assert_non_null(strstr(res.body.buf, "Access Token is invalid"));
	server_http_response_free(&res);
	free(body);
	assert_int_equal(ta_exchange(t, "{\"token\": \"abc\"}", &res), 400);
	assert_non_null(strstr(res.body.buf, "invalid length 3"));
	server_http_response_free(&res);
	static const char *const bad[] = { "", "null", "[]", "{\"token\": 5}", "{\"tok\": \"x\"}" };

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(ta_exchange(t, bad[i], &res), 422);
		server_http_response_free(&res);
	}
	free(tok);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_token_made_once_and_private, ta_setup,
		                                ta_teardown),
		cmocka_unit_test_setup_teardown(test_bad_token_file_refused, ta_setup, ta_teardown),
		cmocka_unit_test_setup_teardown(test_jwt_checks, ta_setup, ta_teardown),
		cmocka_unit_test_setup_teardown(test_gate_needs_a_token, ta_setup, ta_teardown),
		cmocka_unit_test_setup_teardown(test_gate_public_routes, ta_setup, ta_teardown),
		cmocka_unit_test_setup_teardown(test_gate_refuses_browser_requests, ta_setup,
		                                ta_teardown),
		cmocka_unit_test_setup_teardown(test_gate_dev_auth, ta_setup, ta_teardown),
		cmocka_unit_test_setup_teardown(test_exchange, ta_setup, ta_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
