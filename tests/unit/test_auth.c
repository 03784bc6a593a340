/* test_auth.c: credentials: headers, when to refresh, both refresh flows, applying answers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/auth.h"
#include "golden.h"

static void
auth_token_login(struct auth *a, bool osmo_token, const char *refresh_url, const char *client_id)
{
	memset(a, 0, sizeof(*a));
	a->login.kind = LOGIN_TOKEN;
	a->login.url = xstrdup("https://osmo.example.com");
	/* exp 1787141100, from the contract's login.yaml fixture */
	a->login.id_token = xstrdup(
	        "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE3ODcxNDExMDAsInVuaXF1ZV9uYW1lIjoiamRvZSJ9.c2ln");
	a->login.refresh_token = xstrdup("r+/=&tok");
	a->login.refresh_url = xstrdup(refresh_url);
	a->login.client_id = client_id ? xstrdup(client_id) : NULL;
	a->login.osmo_token = osmo_token;
	a->exp_s = 1787141100;
}

static void
test_headers(void **state)
{
	struct auth a;
	struct strv h = { 0 };

	(void)state;
	auth_init_dev(&a, "jdoe");
	auth_add_headers(&a, &h);
	assert_int_equal(h.n, 1);
	assert_string_equal(h.v[0], "x-osmo-user: jdoe");
	strv_free(&h);
	auth_free(&a);

	auth_init_dev(&a, NULL);
	auth_add_headers(&a, &h);
	assert_int_equal(h.n, 0);
	assert_false(auth_can_refresh(&a));
	auth_free(&a);

	auth_token_login(&a, true, "https://osmo.example.com/api/auth/jwt/access_token", NULL);
	auth_add_headers(&a, &h);
	assert_int_equal(h.n, 1);
	assert_true(str_starts_with(h.v[0], "Authorization: Bearer eyJ"));
	strv_free(&h);
	auth_free(&a);
}

static void
test_needs_refresh_window(void **state)
{
	struct auth a;

	(void)state;
	auth_token_login(&a, true, "https://x/api/auth/jwt/access_token", NULL);
	assert_false(auth_needs_refresh(&a, 1787141100 - AUTH_EXPIRE_WINDOW_S - 1));
	assert_true(auth_needs_refresh(&a, 1787141100 - AUTH_EXPIRE_WINDOW_S + 1));
	assert_true(auth_needs_refresh(&a, 1787141100 + 1000));
	/* Without a refresh token nothing can be done before expiry: the server will say 401. */
	free(a.login.refresh_token);
	a.login.refresh_token = NULL;
	assert_false(auth_needs_refresh(&a, 1787141100 + 1000));
	auth_free(&a);
}

static void
test_refresh_request_osmo(void **state)
{
	struct auth a;
	struct strv h = { 0 };
	struct api_error err = { 0 };
	char *url = NULL, *body = NULL;

	(void)state;
	/* OSMO's own exchange may be plain http (a local service): the CLI allows it. */
	auth_token_login(&a, true, "http://127.0.0.1:8000/api/auth/jwt/access_token", NULL);
	assert_int_equal(auth_refresh_request(&a, &url, &body, &h, &err), 0);
	assert_string_equal(url, "http://127.0.0.1:8000/api/auth/jwt/access_token");
	assert_string_equal(body, "{\"token\":\"r+/=&tok\"}");
	assert_string_equal(h.v[0], "Content-Type: application/json");
	free(url);
	free(body);
	strv_free(&h);
	auth_free(&a);
}

static void
test_refresh_request_idp(void **state)
{
	struct auth a;
	struct strv h = { 0 };
	struct api_error err = { 0 };
	char *url = NULL, *body = NULL;

	(void)state;
	auth_token_login(&a, false, "https://idp.example.com/token", "osmo browser");
	assert_int_equal(auth_refresh_request(&a, &url, &body, &h, &err), 0);
	assert_string_equal(body, "grant_type=refresh_token&refresh_token=r%2B%2F%3D%26tok"
	                          "&client_id=osmo%20browser");
	assert_string_equal(h.v[0], "Content-Type: application/x-www-form-urlencoded");
	free(url);
	free(body);
	strv_free(&h);
	auth_free(&a);

	/* An IdP token endpoint must be https, as the CLI insists; no token in the error. */
	auth_token_login(&a, false, "http://idp.example.com/token", NULL);
	assert_int_equal(auth_refresh_request(&a, &url, &body, &h, &err), -1);
	assert_int_equal(err.kind, API_ERR_AUTH);
	assert_non_null(strstr(err.message, "not https"));
	assert_null(strstr(err.message, "r+/=&tok"));
	auth_free(&a);
}

static void
test_refresh_apply(void **state)
{
	char dir[] = "/tmp/osmotop-auth-XXXXXX";
	struct auth a;
	struct api_error err = { 0 };
	static const char answer[] =
	        "{\"id_token\":\"eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.c2ln\","
	        "\"refresh_token\":\"rotated\",\"access_token\":\"ignored\"}";
	struct http_result ok = { .status = 200, .body = answer, .len = sizeof(answer) - 1 };
	struct http_result denied = { .status = 400,
		                      .body = "{\"error\":\"invalid_grant\"}",
		                      .len = 25 };

	(void)state;
	assert_non_null(mkdtemp(dir));
	auth_token_login(&a, false, "https://idp.example.com/token", "osmo-browser");
	a.path = xasprintf("%s/login.yaml", dir);
	assert_int_equal(auth_refresh_apply(&a, &denied, &err), -1);
	assert_int_equal(err.kind, API_ERR_AUTH);
	assert_non_null(strstr(err.message, "unable to refresh login token"));
	/* No answer at all (the service is down): nothing was refused. */
	struct http_result down = { .err = { .kind = API_ERR_TRANSPORT } };
	char *jwt = a.login.id_token;

	strlcpy_safe(down.err.message, "Failed to connect", sizeof(down.err.message));
	assert_int_equal(auth_refresh_apply(&a, &down, &err), -1);
	assert_int_equal(err.kind, API_ERR_TRANSPORT);
	assert_non_null(
	        strstr(err.message, "could not refresh the login token: Failed to connect"));
	a.login.id_token = NULL;
	assert_int_equal(auth_refresh_apply(&a, &down, &err), -1);
	assert_null(strstr(err.message, "not accepted"));
	assert_non_null(strstr(err.message, "could not exchange the access token"));
	a.login.id_token = jwt;

	assert_int_equal(auth_refresh_apply(&a, &ok, &err), 0);
	assert_int_equal(err.kind, API_OK);
	assert_string_equal(a.login.refresh_token, "rotated");
	assert_int_equal(a.exp_s, 4102444800);

	/* The rewritten file loads back with the new tokens and is private. */
	struct auth b;
	bool loose = true;
	struct stat st;

	assert_int_equal(auth_load(&b, a.path, &loose, &err), 0);
	assert_false(loose);
	assert_string_equal(b.login.id_token, a.login.id_token);
	assert_string_equal(b.login.refresh_token, "rotated");
	assert_int_equal(stat(a.path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	unlink(a.path);
	rmdir(dir);
	auth_free(&b);
	auth_free(&a);
}

/* Writes text to a fresh file under /tmp with mode; the caller unlinks and frees the path. */
static char *
auth_tmp_file(const char *text, mode_t mode)
{
	char *path = xstrdup("/tmp/osmo-auth-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

/* --token-file: OSMO's two token shapes, trimmed as the CLI trims; anything else refused. */
static void
test_token_file(void **state)
{
	static const char tok43[] = "q3Zr8Xb0vJmN5kT2wL9pYcF7hD4sA1eG6uI0oR3tVyQ";
	static const char tok64[] =
	        "0123456789abcdef0123456789abcdef0123456789ABCDEF0123456789abcdef";
	static const char *const bad[] = { "", "\n", "q3Zr8Xb0vJmN5kT2wL9pYcF7hD4sA1eG6uI0oR3tVy",
		                           "q3Zr8Xb0vJmN5kT2wL9pYcF7hD4sA1eG6uI0oR3tVy+",
		                           "q3Zr8Xb0vJmN5kT2 wL9pYcF7hD4sA1eG6uI0oR3tVyQ" };
	struct api_error err = { 0 };
	struct strv h = { 0 };
	struct auth a;
	bool loose;
	char *path;

	(void)state;
	path = auth_tmp_file("  q3Zr8Xb0vJmN5kT2wL9pYcF7hD4sA1eG6uI0oR3tVyQ\r\n", 0600);
	assert_int_equal(auth_load_token(&a, "http://127.0.0.1:9", path, &loose, &err), 0);
	assert_false(loose);
	assert_string_equal(a.login.refresh_token, tok43);
	assert_string_equal(a.login.refresh_url, "http://127.0.0.1:9/api/auth/jwt/access_token");
	assert_true(a.login.osmo_token);
	/* No JWT yet: the first request trades the token, and sends none of it before. */
	assert_true(auth_needs_refresh(&a, 0));
	auth_add_headers(&a, &h);
	assert_int_equal(h.n, 0);
	auth_free(&a);
	unlink(path);
	free(path);
	path = auth_tmp_file(tok64, 0644);
	assert_int_equal(auth_load_token(&a, "https://osmo.example.com", path, &loose, &err), 0);
	assert_true(loose);
	auth_free(&a);
	unlink(path);
	free(path);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		path = auth_tmp_file(bad[i], 0600);
		assert_int_equal(auth_load_token(&a, "https://o", path, &loose, &err), -1);
		assert_int_equal(err.kind, API_ERR_USAGE);
		assert_non_null(strstr(err.message, "does not hold an OSMO access token"));
		if (strlen(bad[i]) > 8)
			assert_null(strstr(err.message, "q3Zr8Xb0"));
		unlink(path);
		free(path);
	}
	assert_int_equal(auth_load_token(&a, "https://o", "/nonexistent/tok", &loose, &err), -1);
	assert_non_null(strstr(err.message, "/nonexistent/tok"));
	/* Named by mistake: none of these may block or fill memory. */
	char fifo[] = "/tmp/osmo-auth-fifo-XXXXXX";

	assert_non_null(mkdtemp(fifo));
	path = xasprintf("%s/f", fifo);
	assert_int_equal(mkfifo(path, 0600), 0);
	static const struct {
		const char *path, *says;
	} odd[] = {
		{ "/dev/zero", "not a regular file" },
		{ "/tmp", "a directory" },
		{ NULL, "not a regular file" },
	};

	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		const char *p = odd[i].path ? odd[i].path : path;

		assert_int_equal(auth_load_token(&a, "https://o", p, &loose, &err), -1);
		assert_int_equal(err.kind, API_ERR_USAGE);
		if (!strstr(err.message, odd[i].says))
			fail_msg("%s: %s", p, err.message);
	}
	unlink(path);
	rmdir(fifo);
	free(path);
	path = auth_tmp_file("", 0600);
	assert_int_equal(truncate(path, 1 << 20), 0);
	assert_int_equal(auth_load_token(&a, "https://o", path, &loose, &err), -1);
	assert_non_null(strstr(err.message, "too large"));
	unlink(path);
	free(path);
}

/* A token a server echoes into an error is blanked, whole or cut off at the message's end. */
static void
test_scrub(void **state)
{
	struct auth a;
	char msg[512];

	(void)state;
	auth_token_login(&a, true, "https://osmo.example.com/api/auth/jwt/access_token", NULL);
	free(a.login.refresh_token);
	a.login.refresh_token = xstrdup("q3Zr8Xb0vJmN5kT2wL9pYcF7hD4sA1eG6uI0oR3tVyQ");
	snprintf(msg, sizeof(msg),
	         "400: bad token q3Zr8Xb0vJmN5kT2wL9pYcF7hD4sA1eG6uI0oR3tVyQ, "
	         "again q3Zr8Xb0vJmN5kT2wL9pYcF7hD4sA1eG6uI0oR3tVyQ!");
	auth_scrub(&a, msg);
	assert_string_equal(msg, "400: bad token [token], again [token]!");
	snprintf(msg, sizeof(msg), "401: Bearer %s rejected", a.login.id_token);
	auth_scrub(&a, msg);
	assert_string_equal(msg, "401: Bearer [token] rejected");
	/* Cut where the message buffer ended. */
	snprintf(msg, sizeof(msg), "400: token was q3Zr8Xb0vJmN5kT2w");
	auth_scrub(&a, msg);
	assert_string_equal(msg, "400: token was [token]");
	/* Ordinary text stays as it is. */
	snprintf(msg, sizeof(msg), "400: workflow q3 not found");
	auth_scrub(&a, msg);
	assert_string_equal(msg, "400: workflow q3 not found");
	auth_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_needs_refresh_window),
		cmocka_unit_test(test_refresh_request_osmo),
		cmocka_unit_test(test_refresh_request_idp),
		cmocka_unit_test(test_refresh_apply),
		cmocka_unit_test(test_token_file),
		cmocka_unit_test(test_scrub),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
