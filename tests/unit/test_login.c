/* test_login.c: login.yaml loading, validation, error texts, default path and atomic rewrite. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/login.h"
#include "common/util.h"

/* Tokens from the fixtures; no error message may contain any part of them. */
#define TOKEN_JWT_OSMO                                                                             \
	"eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6Im9zbW8ta2V5LTEifQ.eyJpc3MiOiJvc21vIiwiYXVk"  \
	"Ijoib3NtbyIsImlhdCI6MTc4NzE0MDgwMCwibmJmIjoxNzg3MTQwODAwLCJleHAiOjE3ODcxNDExMDAsInVuaXF1" \
	"ZV9uYW1lIjoiamRvZUBleGFtcGxlLmNvbSIsInJvbGVzIjpbIm9zbW8tdXNlciJdLCJvc21vX3Rva2VuX25hbWUi" \
	"OiJjaS10b2tlbiJ9.c2lnbmF0dXJlLW5vdC12YWxpZC1pbi10aGlzLWZpeHR1cmU"
#define TOKEN_ACCESS       "q3Zr8Xb0vJmN5kT2wL9pYcF7hD4sA1eG6uI0oR3tVyQ"
#define TOKEN_LIST         "eyJzZWNyZXQiOiJsaXN0LWVsZW1lbnQifQ.c2lnbmF0dXJlLWluLWEtbGlzdA"
#define TOKEN_REFRESH_INT  "31415926535897932384626433"
#define TOKEN_SYNTAX       "eyJzdWIiOiJzeW50YXgtZXJyb3IifQ.c2lnbmF0dXJlLXN5bnRheA"
#define TOKEN_UNTERMINATED "Zk9x3Qm7Lp2Wv8Rt5Yb1Nc6Hd4Sg0Ju9Ke3Af7Mz2Xq"

/* The environment variables login_default_path reads; saved and restored around each test. */
static const char *const test_login_env_names[] = { "OSMO_CONFIG_FILE_DIR", "XDG_CONFIG_HOME",
	                                            "HOME" };

struct test_login_state {
	char dir[64]; /* a fresh mkdtemp directory per test */
	char *env[3]; /* saved values of test_login_env_names, NULL when unset */
};

static int
test_login_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
test_login_setup(void **state)
{
	struct test_login_state *s = xcalloc(1, sizeof(*s));

	strlcpy_safe(s->dir, "/tmp/test_login.XXXXXX", sizeof(s->dir));
	if (!mkdtemp(s->dir)) {
		free(s);
		return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(test_login_env_names); i++) {
		const char *v = getenv(test_login_env_names[i]);

		s->env[i] = v ? xstrdup(v) : NULL;
	}
	*state = s;
	return 0;
}

static int
test_login_teardown(void **state)
{
	struct test_login_state *s = *state;

	for (size_t i = 0; i < ARRAY_SIZE(test_login_env_names); i++) {
		if (s->env[i])
			setenv(test_login_env_names[i], s->env[i], 1);
		else
			unsetenv(test_login_env_names[i]);
		free(s->env[i]);
	}
	nftw(s->dir, test_login_rm, 16, FTW_DEPTH | FTW_PHYS);
	free(s);
	return 0;
}

static char *
test_login_fixture(const char *name)
{
	const char *dir = getenv("FIXTURES");

	return xasprintf("%s/%s", dir && dir[0] ? dir : "tests/fixtures", name);
}

static char *
test_login_slurp(const char *path, size_t *len)
{
	struct strbuf sb = { 0 };
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "rb");

	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		strbuf_add(&sb, chunk, n);
	fclose(f);
	*len = sb.len;
	return strbuf_detach(&sb);
}

/* Writes len bytes to dir/name with exactly mode and returns the path. */
static char *
test_login_write(const struct test_login_state *s, const char *name, const char *data, size_t len,
                 mode_t mode)
{
	char *path = xasprintf("%s/%s", s->dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

/* Writes text to dir/login.yaml, loads it, and returns login_load's result. */
static int
test_login_load_text(const struct test_login_state *s, const char *text, struct login *l,
                     struct api_error *err, char **path_out)
{
	char *path = test_login_write(s, "login.yaml", text, strlen(text), 0600);
	bool loose = true;
	int rc;

	api_error_clear(err);
	rc = login_load(path, l, &loose, err);
	assert_false(loose);
	if (path_out)
		*path_out = path;
	else
		free(path);
	return rc;
}

/* Fails if any 8-character run of secret shows up in msg. */
static void
test_login_assert_no_secret(const char *msg, const char *secret)
{
	size_t n = strlen(secret);
	char window[9];

	for (size_t i = 0; i + 8 <= n; i++) {
		memcpy(window, secret + i, 8);
		window[8] = '\0';
		if (strstr(msg, window)) {
			print_error("secret fragment \"%s\" leaked into \"%s\"\n", window, msg);
			fail();
		}
	}
}

static void
test_login_assert_no_fixture_secret(const char *msg)
{
	test_login_assert_no_secret(msg, TOKEN_JWT_OSMO);
	test_login_assert_no_secret(msg, TOKEN_ACCESS);
	test_login_assert_no_secret(msg, TOKEN_LIST);
	test_login_assert_no_secret(msg, TOKEN_REFRESH_INT);
	test_login_assert_no_secret(msg, TOKEN_SYNTAX);
	test_login_assert_no_secret(msg, TOKEN_UNTERMINATED);
}

/* Loads text and checks the error is exactly "PATH" + suffix. */
static void
test_login_expect_error(const struct test_login_state *s, const char *text, const char *suffix)
{
	struct login l;
	struct api_error err;
	char *path;
	char *want;

	assert_int_equal(test_login_load_text(s, text, &l, &err, &path), -1);
	want = xasprintf("%s%s", path, suffix);
	assert_string_equal(err.message, want);
	assert_int_equal(err.kind, API_ERR_AUTH);
	assert_null(l.url);
	assert_int_equal(l.kind, LOGIN_NONE);
	free(want);
	free(path);
}

/* Loads text and checks the error starts with "PATH:" and holds needle. */
static void
test_login_expect_error_has(const struct test_login_state *s, const char *text, const char *needle)
{
	struct login l;
	struct api_error err;
	char *path;

	assert_int_equal(test_login_load_text(s, text, &l, &err, &path), -1);
	assert_true(str_starts_with(err.message, path));
	assert_non_null(strstr(err.message, needle));
	assert_int_equal(err.kind, API_ERR_AUTH);
	free(path);
}

/* Loads a fixture that must fail; checks the exact message and that no token leaked. */
static void
test_login_expect_fixture_error(const char *name, const char *suffix)
{
	char *path = test_login_fixture(name);
	char *want = xasprintf("%s%s", path, suffix);
	struct api_error err = { 0 };
	struct login l;
	bool loose = true;

	assert_int_equal(login_load(path, &l, &loose, &err), -1);
	assert_string_equal(err.message, want);
	assert_int_equal(err.kind, API_ERR_AUTH);
	assert_false(loose);
	test_login_assert_no_fixture_secret(err.message);
	free(want);
	free(path);
}

/* Load + save of a fixture must give back the same bytes, mode 0600. */
static void
test_login_roundtrip(const struct test_login_state *s, const char *name)
{
	char *src = test_login_fixture(name);
	char *dst = xasprintf("%s/%s", s->dir, name);
	char *tmp = xasprintf("%s.tmp", dst);
	struct api_error err = { 0 };
	struct login l;
	struct stat st;
	size_t a_len, b_len;
	char *a, *b;
	bool loose;

	assert_int_equal(login_load(src, &l, &loose, &err), 0);
	assert_int_equal(login_save(dst, &l, &err), 0);
	a = test_login_slurp(src, &a_len);
	b = test_login_slurp(dst, &b_len);
	assert_int_equal(a_len, b_len);
	assert_memory_equal(a, b, a_len);
	assert_int_equal(stat(dst, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(access(tmp, F_OK), -1);
	login_free(&l);
	free(a);
	free(b);
	free(tmp);
	free(dst);
	free(src);
}

static void
test_login_load_fixture_token(void **state)
{
	char *path = test_login_fixture("login.yaml");
	struct api_error err = { 0 };
	struct login l;
	bool loose;

	(void)state;
	assert_int_equal(login_load(path, &l, &loose, &err), 0);
	assert_string_equal(l.url, "https://osmo.example.com");
	assert_int_equal(l.kind, LOGIN_TOKEN);
	assert_string_equal(l.id_token, TOKEN_JWT_OSMO);
	assert_string_equal(l.refresh_token, TOKEN_ACCESS);
	assert_string_equal(l.refresh_url, "https://osmo.example.com/api/auth/jwt/access_token");
	assert_null(l.client_id);
	assert_null(l.token_username);
	assert_true(l.osmo_token);
	assert_null(l.dev_username);
	assert_string_equal(l.name, "");
	login_free(&l);
	free(path);
}

static void
test_login_load_fixture_token_copy(void **state)
{
	char *path = test_login_fixture("login_token.yaml");
	struct api_error err = { 0 };
	struct login l;
	bool loose;

	(void)state;
	assert_int_equal(login_load(path, &l, &loose, &err), 0);
	assert_int_equal(l.kind, LOGIN_TOKEN);
	assert_string_equal(l.id_token, TOKEN_JWT_OSMO);
	assert_string_equal(l.refresh_token, TOKEN_ACCESS);
	assert_true(l.osmo_token);
	login_free(&l);
	free(path);
}

static void
test_login_load_fixture_dev(void **state)
{
	char *path = test_login_fixture("login_dev.yaml");
	struct api_error err = { 0 };
	struct login l;
	bool loose;

	(void)state;
	assert_int_equal(login_load(path, &l, &loose, &err), 0);
	assert_string_equal(l.url, "http://localhost:8000");
	assert_int_equal(l.kind, LOGIN_DEV);
	assert_string_equal(l.dev_username, "jdoe");
	assert_string_equal(l.name, "jdoe");
	assert_false(l.osmo_token);
	assert_null(l.id_token);
	assert_null(l.refresh_token);
	assert_null(l.refresh_url);
	assert_null(l.client_id);
	assert_null(l.token_username);
	login_free(&l);
	free(path);
}

static void
test_login_load_fixture_oauth(void **state)
{
	char *path = test_login_fixture("login_oauth.yaml");
	struct api_error err = { 0 };
	struct login l;
	bool loose;

	(void)state;
	assert_int_equal(login_load(path, &l, &loose, &err), 0);
	assert_string_equal(l.url, "https://osmo.example.com");
	assert_int_equal(l.kind, LOGIN_TOKEN);
	assert_int_equal(strlen(l.id_token), 535);
	assert_true(str_starts_with(l.id_token, "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6"));
	assert_string_equal(strrchr(l.id_token, '.'),
	                    ".c2lnbmF0dXJlLW5vdC12YWxpZC1pbi10aGlzLWZpeHR1cmU");
	assert_string_equal(l.refresh_token,
	                    "eyJhbGciOiJIUzUxMiJ9.opaque-refresh-token-from-idp.sig");
	assert_string_equal(l.refresh_url,
	                    "https://idp.example.com/realms/osmo/protocol/openid-connect/token");
	assert_string_equal(l.client_id, "osmo-browser");
	assert_null(l.token_username);
	assert_false(l.osmo_token);
	assert_string_equal(l.name, "Jane Doe");
	assert_null(l.dev_username);
	login_free(&l);
	free(path);
}

static void
test_login_roundtrip_login(void **state)
{
	test_login_roundtrip(*state, "login.yaml");
}

static void
test_login_roundtrip_dev(void **state)
{
	test_login_roundtrip(*state, "login_dev.yaml");
}

static void
test_login_roundtrip_oauth(void **state)
{
	test_login_roundtrip(*state, "login_oauth.yaml");
}

static void
test_login_roundtrip_token(void **state)
{
	test_login_roundtrip(*state, "login_token.yaml");
}

static void
test_login_default_path_osmo_dir(void **state)
{
	char buf[256];

	(void)state;
	setenv("OSMO_CONFIG_FILE_DIR", "/etc/osmo-cfg", 1);
	setenv("XDG_CONFIG_HOME", "/xdg", 1);
	setenv("HOME", "/home/u", 1);
	assert_int_equal(login_default_path(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/etc/osmo-cfg/login.yaml");
	setenv("OSMO_CONFIG_FILE_DIR", "/etc/osmo-cfg/", 1);
	assert_int_equal(login_default_path(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/etc/osmo-cfg/login.yaml");
}

static void
test_login_default_path_xdg(void **state)
{
	char buf[256];

	(void)state;
	setenv("OSMO_CONFIG_FILE_DIR", "", 1);
	setenv("XDG_CONFIG_HOME", "/xdg", 1);
	setenv("HOME", "/home/u", 1);
	assert_int_equal(login_default_path(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/xdg/osmo/login.yaml");
	unsetenv("OSMO_CONFIG_FILE_DIR");
	setenv("XDG_CONFIG_HOME", "/xdg/", 1);
	assert_int_equal(login_default_path(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/xdg/osmo/login.yaml");
}

static void
test_login_default_path_home(void **state)
{
	char buf[256];

	(void)state;
	unsetenv("OSMO_CONFIG_FILE_DIR");
	setenv("XDG_CONFIG_HOME", "", 1);
	setenv("HOME", "/home/u", 1);
	assert_int_equal(login_default_path(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/home/u/.config/osmo/login.yaml");
	unsetenv("XDG_CONFIG_HOME");
	assert_int_equal(login_default_path(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/home/u/.config/osmo/login.yaml");
}

static void
test_login_default_path_none(void **state)
{
	char buf[256];

	(void)state;
	unsetenv("OSMO_CONFIG_FILE_DIR");
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("HOME");
	assert_int_equal(login_default_path(buf, sizeof(buf)), -1);
	setenv("OSMO_CONFIG_FILE_DIR", "", 1);
	setenv("XDG_CONFIG_HOME", "", 1);
	setenv("HOME", "", 1);
	assert_int_equal(login_default_path(buf, sizeof(buf)), -1);
}

static void
test_login_default_path_small_buffer(void **state)
{
	const char *want = "/d/login.yaml";
	char buf[64];

	(void)state;
	setenv("OSMO_CONFIG_FILE_DIR", "/d", 1);
	assert_int_equal(login_default_path(buf, strlen(want)), -1);
	assert_int_equal(login_default_path(buf, strlen(want) + 1), 0);
	assert_string_equal(buf, want);
	assert_int_equal(login_default_path(buf, 0), -1);
	assert_int_equal(login_default_path(NULL, 16), -1);
}

static void
test_login_loose_perms(void **state)
{
	static const struct {
		mode_t mode;
		bool loose;
	} cases[] = {
		{ 0600, false }, { 0400, false }, { 0640, true },
		{ 0604, true },  { 0644, true },  { 0660, true },
	};
	struct test_login_state *s = *state;
	char *src = test_login_fixture("login_dev.yaml");
	size_t len;
	char *text = test_login_slurp(src, &len);

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *path = test_login_write(s, "login.yaml", text, len, cases[i].mode);
		struct api_error err = { 0 };
		struct login l;
		bool loose = !cases[i].loose;

		assert_int_equal(login_load(path, &l, &loose, &err), 0);
		assert_int_equal(loose, cases[i].loose);
		login_free(&l);
		/* The out-parameter is optional. */
		assert_int_equal(login_load(path, &l, NULL, &err), 0);
		login_free(&l);
		free(path);
	}
	free(text);
	free(src);
}

static void
test_login_missing_file(void **state)
{
	struct test_login_state *s = *state;
	char *path = xasprintf("%s/nope/login.yaml", s->dir);
	char *want = xasprintf("%s: not found; run 'osmo login URL' or pass --url", path);
	struct api_error err = { 0 };
	struct login l;
	bool loose = true;

	assert_int_equal(login_load(path, &l, &loose, &err), -1);
	assert_int_equal(err.kind, API_ERR_AUTH);
	assert_string_equal(err.message, want);
	assert_false(loose);
	assert_null(l.url);
	free(want);
	free(path);
}

static void
test_login_not_regular_file(void **state)
{
	struct test_login_state *s = *state;
	char *want = xasprintf("%s: not a regular file", s->dir);
	struct api_error err = { 0 };
	struct login l;

	assert_int_equal(login_load(s->dir, &l, NULL, &err), -1);
	assert_string_equal(err.message, want);
	free(want);
}

static void
test_login_size_limit(void **state)
{
	struct test_login_state *s = *state;
	const char *head = "url: https://x\ndev_login:\n  username: u\n#";
	size_t cap = 1024 * 1024;
	char *text = xmalloc(cap + 1);
	char *path;
	struct api_error err = { 0 };
	struct login l;

	/* Exactly 1 MiB is still accepted. */
	memset(text, 'p', cap + 1);
	memcpy(text, head, strlen(head));
	text[cap - 1] = '\n';
	path = test_login_write(s, "login.yaml", text, cap, 0600);
	assert_int_equal(login_load(path, &l, NULL, &err), 0);
	assert_string_equal(l.dev_username, "u");
	login_free(&l);
	free(path);

	text[cap - 1] = 'p';
	text[cap] = '\n';
	path = test_login_write(s, "login.yaml", text, cap + 1, 0600);
	assert_int_equal(login_load(path, &l, NULL, &err), -1);
	assert_true(str_starts_with(err.message, path));
	assert_non_null(strstr(err.message, "larger than 1 MiB"));
	free(path);
	free(text);
}

static void
test_login_empty_file(void **state)
{
	struct test_login_state *s = *state;

	test_login_expect_error(s, "", ": empty file; run 'osmo login URL' or pass --url");
	test_login_expect_error(s, "\n\n# only a comment\n   \n",
	                        ": empty file; run 'osmo login URL' or pass --url");
}

static void
test_login_not_mapping(void **state)
{
	struct test_login_state *s = *state;

	test_login_expect_error(s, "- url\n- https://x\n",
	                        ":1:1: expected a mapping at the top level");
	test_login_expect_error(s, "just words\n", ":1:1: expected a mapping at the top level");
	test_login_expect_error(s, "\n\n  42\n", ":3:3: expected a mapping at the top level");
	test_login_expect_error(s, "---\n", ":2:1: expected a mapping at the top level");
}

static void
test_login_syntax_errors(void **state)
{
	struct test_login_state *s = *state;

	test_login_expect_error(s, "url: x\n  bad: indent\n",
	                        ":2:6: mapping values are not allowed in this context");
	test_login_expect_error(s, "url: https://x\ntoken_login: [a\n",
	                        ":3:1: did not find expected ',' or ']' "
	                        "(while parsing a flow sequence at 2:14)");
	test_login_expect_error(s, "url: x\ndev_login: {username: u}\n---\nurl: y\n",
	                        ":4:1: expected a single document, found another");
	test_login_expect_error(s, "url: *nowhere\n", ":1:6: found undefined alias");
}

static void
test_login_truncated(void **state)
{
	struct test_login_state *s = *state;
	char *src = test_login_fixture("login.yaml");
	size_t len;
	char *text = test_login_slurp(src, &len);
	size_t n_ok = 0;

	test_login_expect_error(s, "url: 'https://osmo.exa",
	                        ":1:23: found unexpected end of stream "
	                        "(while scanning a quoted scalar at 1:6)");
	/* Every prefix of the CLI's file: an error without tokens, or a login with a url. */
	for (size_t cut = 0; cut < len; cut++) {
		char *path = test_login_write(s, "login.yaml", text, cut, 0600);
		struct api_error err = { 0 };
		struct login l;

		if (login_load(path, &l, NULL, &err) == 0) {
			assert_non_null(l.url);
			assert_non_null(l.id_token);
			n_ok++;
		} else {
			assert_true(str_starts_with(err.message, path));
			test_login_assert_no_fixture_secret(err.message);
		}
		login_free(&l);
		free(path);
	}
	/* Only cuts inside the last line's url value leave a loadable file. */
	assert_true(n_ok > 0 && n_ok < strlen("url: https://osmo.example.com"));
	free(text);
	free(src);
}

static void
test_login_binary_garbage(void **state)
{
	struct test_login_state *s = *state;
	static const char nul_text[] = "\0\x01garbage";
	char *path = test_login_write(s, "login.yaml", nul_text, sizeof(nul_text) - 1, 0600);
	struct api_error err = { 0 };
	struct login l;
	uint32_t seed = 12345;
	char *want;

	assert_int_equal(login_load(path, &l, NULL, &err), -1);
	want = xasprintf("%s:1:1: control characters are not allowed", path);
	assert_string_equal(err.message, want);
	free(want);
	free(path);
	test_login_expect_error(s, "url: \xff\xfe\n", ":1:6: invalid leading UTF-8 octet");
	test_login_expect_error(s, "url: caf\xc3\n", ":1:10: invalid trailing UTF-8 octet");
	test_login_expect_error(s, "url: caf\xc3", ":1:9: incomplete UTF-8 octet sequence");
	/* Random bytes: always a clean error naming the file, never a crash. */
	for (int i = 0; i < 300; i++) {
		char buf[512];
		size_t n;
		int rc;

		seed = seed * 1103515245u + 12345u;
		n = 1 + (seed >> 16) % sizeof(buf);
		for (size_t j = 0; j < n; j++) {
			seed = seed * 1103515245u + 12345u;
			buf[j] = (char)(seed >> 16);
		}
		path = test_login_write(s, "login.yaml", buf, n, 0600);
		rc = login_load(path, &l, NULL, &err);
		if (rc == 0)
			login_free(&l);
		else
			assert_true(str_starts_with(err.message, path));
		free(path);
	}
}

static void
test_login_mutated_fixture(void **state)
{
	struct test_login_state *s = *state;
	char *src = test_login_fixture("login.yaml");
	size_t len;
	char *text = test_login_slurp(src, &len);
	char *copy = xmalloc(len);
	uint32_t seed = 777;

	/* A few flipped bytes anywhere: no crash, no token in the message. */
	for (int i = 0; i < 300; i++) {
		struct api_error err = { 0 };
		struct login l;
		char *path;

		memcpy(copy, text, len);
		for (int k = 0; k < 3; k++) {
			seed = seed * 1103515245u + 12345u;
			copy[(seed >> 8) % len] = (char)(seed >> 24);
		}
		path = test_login_write(s, "login.yaml", copy, len, 0600);
		if (login_load(path, &l, NULL, &err) == 0)
			login_free(&l);
		else
			test_login_assert_no_fixture_secret(err.message);
		free(path);
	}
	free(copy);
	free(text);
	free(src);
}

/* Text "url: https://x\ndev_login: {username: u}\njunk: " + depth of open + close brackets. */
static char *
test_login_nested(size_t depth, char open, char close)
{
	struct strbuf sb = { 0 };

	strbuf_addstr(&sb, "url: https://x\ndev_login: {username: u}\njunk: ");
	for (size_t i = 0; i < depth; i++)
		strbuf_addch(&sb, open);
	for (size_t i = 0; close && i < depth; i++)
		strbuf_addch(&sb, close);
	strbuf_addch(&sb, '\n');
	return strbuf_detach(&sb);
}

static void
test_login_deep_nesting(void **state)
{
	struct test_login_state *s = *state;
	char *text;
	struct api_error err = { 0 };
	struct login l;

	/* The root mapping and 63 levels of junk make 64: still fine. */
	text = test_login_nested(63, '[', ']');
	assert_int_equal(test_login_load_text(s, text, &l, &err, NULL), 0);
	assert_string_equal(l.dev_username, "u");
	login_free(&l);
	free(text);
	/* One more is refused at the bracket that crosses the limit (column 7 + 63). */
	text = test_login_nested(64, '[', ']');
	test_login_expect_error(s, text, ":3:70: nested more than 64 levels deep");
	free(text);
	/* A whole MiB of unclosed brackets is refused quickly, not scanned quadratically. */
	text = xmalloc(1024 * 1024 + 1);
	memset(text, '{', 1024 * 1024);
	memcpy(text, "url: ", 5);
	text[1024 * 1024] = '\0';
	test_login_expect_error_has(s, text, ": nested more than 64 levels deep");
	free(text);
}

static void
test_login_wrong_types(void **state)
{
	static const struct {
		const char *text;
		const char *suffix;
	} cases[] = {
		{ "url: [https://x]\ndev_login: {username: u}\n", ":1:1: url: expected a string" },
		{ "url: 8000\ndev_login: {username: u}\n", ":1:1: url: expected a string" },
		{ "url: null\ndev_login: {username: u}\n", ":1:1: url: expected a string" },
		{ "url: https://x\ntoken_login: abc\n",
		  ":2:1: token_login: expected a mapping or null" },
		{ "url: https://x\ndev_login: [u]\n",
		  ":2:1: dev_login: expected a mapping or null" },
		{ "url: https://x\ntoken_login:\n  id_token: 12345\n",
		  ":3:3: token_login.id_token: expected a string" },
		{ "url: https://x\ntoken_login:\n  id_token: null\n",
		  ":3:3: token_login.id_token: expected a string" },
		{ "url: https://x\ntoken_login:\n  id_token: 2024-01-01\n",
		  ":3:3: token_login.id_token: expected a string" },
		{ "url: https://x\ntoken_login:\n  id_token: !!binary aGVsbG8=\n",
		  ":3:3: token_login.id_token: expected a string" },
		{ "url: https://x\ntoken_login:\n  id_token: a\n  refresh_token: {k: v}\n",
		  ":4:3: token_login.refresh_token: expected a string" },
		{ "url: https://x\ntoken_login:\n  id_token: a\n  refresh_url: true\n",
		  ":4:3: token_login.refresh_url: expected a string" },
		{ "url: https://x\ntoken_login:\n  id_token: a\n  client_id: [a]\n",
		  ":4:3: token_login.client_id: expected a string" },
		{ "url: https://x\ntoken_login:\n  id_token: a\n  username: 1.5\n",
		  ":4:3: token_login.username: expected a string" },
		{ "url: https://x\ndev_login:\n  username: [jdoe]\n",
		  ":3:3: dev_login.username: expected a string" },
		{ "url: https://x\ndev_login:\n  username: 007\n",
		  ":3:3: dev_login.username: expected a string" },
		{ "url: https://x\ndev_login: {username: u}\nosmo_token: 'true'\n",
		  ":3:1: osmo_token: expected true or false" },
		{ "url: https://x\ndev_login: {username: u}\nosmo_token: 1\n",
		  ":3:1: osmo_token: expected true or false" },
		{ "url: https://x\ndev_login: {username: u}\nosmo_token: {a: 1}\n",
		  ":3:1: osmo_token: expected true or false" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		test_login_expect_error(*state, cases[i].text, cases[i].suffix);
}

static void
test_login_missing_required(void **state)
{
	struct test_login_state *s = *state;

	test_login_expect_error(s, "dev_login:\n  username: u\n", ":1:1: url: missing");
	test_login_expect_error(s, "url: https://x\ntoken_login: {}\n",
	                        ":2:14: token_login.id_token: missing");
	test_login_expect_error(s, "url: https://x\ndev_login:\n  other: 1\n",
	                        ":3:3: dev_login.username: missing");
	test_login_expect_error(s, "url: ''\ndev_login: {username: u}\n",
	                        ":1:1: url: must not be empty");
	test_login_expect_error(s, "url: ///\ndev_login: {username: u}\n",
	                        ":1:1: url: must not be empty");
}

static void
test_login_bad_token_type(void **state)
{
	(void)state;
	/* The list holding the token is the wrong type; the message must not quote it. */
	test_login_expect_fixture_error("login_bad_token_type.yaml",
	                                ":5:3: token_login.id_token: expected a string");
}

static void
test_login_bad_refresh_type(void **state)
{
	(void)state;
	test_login_expect_fixture_error("login_bad_refresh_type.yaml",
	                                ":7:3: token_login.refresh_token: expected a string");
}

static void
test_login_bad_token_syntax(void **state)
{
	(void)state;
	/* The syntax error sits right after the token on the same line. */
	test_login_expect_fixture_error("login_bad_token_syntax.yaml",
	                                ":6:87: mapping values are not allowed in this context");
}

static void
test_login_bad_token_unterminated(void **state)
{
	(void)state;
	/* The unterminated quote swallows the token and everything after it. */
	test_login_expect_fixture_error("login_bad_token_unterminated.yaml",
	                                ":11:1: found unexpected end of stream "
	                                "(while scanning a quoted scalar at 7:18)");
}

static void
test_login_token_near_bad_bytes(void **state)
{
	struct test_login_state *s = *state;
	const char *text = "url: https://x\ntoken_login:\n  id_token: " TOKEN_ACCESS "\x01\n";
	const char *nul = "url: https://x\ntoken_login:\n  id_token: \"" TOKEN_ACCESS "\\0x\"\n";
	struct api_error err;
	struct login l;
	char *path;
	char *want;

	assert_int_equal(test_login_load_text(s, text, &l, &err, &path), -1);
	want = xasprintf("%s:3:%zu: control characters are not allowed", path,
	                 strlen("  id_token: " TOKEN_ACCESS) + 1);
	assert_string_equal(err.message, want);
	test_login_assert_no_secret(err.message, TOKEN_ACCESS);
	free(want);
	free(path);

	assert_int_equal(test_login_load_text(s, nul, &l, &err, &path), -1);
	want = xasprintf("%s:3:3: token_login.id_token: contains a NUL character", path);
	assert_string_equal(err.message, want);
	test_login_assert_no_secret(err.message, TOKEN_ACCESS);
	free(want);
	free(path);
}

static void
test_login_url_trailing_slash(void **state)
{
	static const struct {
		const char *text;
		const char *url;
	} cases[] = {
		{ "url: https://osmo.example.com/\ndev_login: {username: u}\n",
		  "https://osmo.example.com" },
		{ "url: https://osmo.example.com//\ndev_login: {username: u}\n",
		  "https://osmo.example.com" },
		{ "url: 'https://osmo.example.com/'\ndev_login: {username: u}\n",
		  "https://osmo.example.com" },
		{ "url: https://osmo.example.com/api/\ndev_login: {username: u}\n",
		  "https://osmo.example.com/api" },
		{ "url: https://osmo.example.com\ndev_login: {username: u}\n",
		  "https://osmo.example.com" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct api_error err;
		struct login l;

		assert_int_equal(test_login_load_text(*state, cases[i].text, &l, &err, NULL), 0);
		assert_string_equal(l.url, cases[i].url);
		login_free(&l);
	}
}

static void
test_login_both_null(void **state)
{
	struct test_login_state *s = *state;
	const char *suffix = ":1:1: neither token_login nor dev_login is set; "
	                     "run 'osmo login URL' or pass --url";

	test_login_expect_error(s, "url: https://x\ntoken_login: null\ndev_login: null\n", suffix);
	test_login_expect_error(s, "url: https://x\n", suffix);
	test_login_expect_error(s, "url: https://x\ntoken_login: ~\ndev_login:\n", suffix);
}

static void
test_login_both_set(void **state)
{
	test_login_expect_error(
	        *state,
	        "url: https://x\ntoken_login:\n  id_token: " TOKEN_ACCESS
	        "\ndev_login:\n  username: u\n",
	        ":1:1: token_login and dev_login are both set; exactly one must be");
}

static void
test_login_osmo_token_values(void **state)
{
	static const struct {
		const char *value; /* NULL: key absent */
		bool want;
	} cases[] = {
		{ "true", true },   { "True", true },   { "TRUE", true },  { "false", false },
		{ "False", false }, { "FALSE", false }, { "null", false }, { NULL, false },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *text = cases[i].value ? xasprintf("url: https://x\ndev_login: {username: u}\n"
		                                        "osmo_token: %s\n",
		                                        cases[i].value)
		                            : xstrdup("url: https://x\ndev_login: {username: u}\n");
		struct api_error err;
		struct login l;

		assert_int_equal(test_login_load_text(*state, text, &l, &err, NULL), 0);
		assert_int_equal(l.osmo_token, cases[i].want);
		login_free(&l);
		free(text);
	}
}

static void
test_login_unknown_keys_ignored(void **state)
{
	const char *text = "# written by hand\n"
	                   "future_key: {nested: [1, 2, {x: y}]}\n"
	                   "? [complex, key]\n"
	                   ": value\n"
	                   "42: number key\n"
	                   "url: &u https://osmo.example.com\n"
	                   "token_login:\n"
	                   "  id_token: 'abc.def.ghi'\n"
	                   "  refresh_url: *u\n"
	                   "  scope: openid\n"
	                   "  client_id: \"osmo-cli\"\n"
	                   "dev_login: null\n"
	                   "name: [not, a, string]\n";
	struct api_error err;
	struct login l;

	assert_int_equal(test_login_load_text(*state, text, &l, &err, NULL), 0);
	assert_int_equal(l.kind, LOGIN_TOKEN);
	assert_string_equal(l.url, "https://osmo.example.com");
	assert_string_equal(l.id_token, "abc.def.ghi");
	assert_string_equal(l.refresh_url, "https://osmo.example.com");
	assert_string_equal(l.client_id, "osmo-cli");
	assert_null(l.refresh_token);
	/* name is ignored when loading, so a wrong type is no error. */
	assert_null(l.name);
	login_free(&l);
}

static void
test_login_quoted_and_duplicate(void **state)
{
	const char *text = "url: https://old\n"
	                   "dev_login:\n"
	                   "  username: '007'\n"
	                   "url: \"https://new/\"\n";
	struct api_error err;
	struct login l;

	/* Quoted numbers are strings; a repeated key takes the last value, as in PyYAML. */
	assert_int_equal(test_login_load_text(*state, text, &l, &err, NULL), 0);
	assert_string_equal(l.dev_username, "007");
	assert_string_equal(l.url, "https://new");
	login_free(&l);
}

static void
test_login_failure_leaves_out_clean(void **state)
{
	struct login l;
	struct api_error err;

	memset(&l, 0xA5, sizeof(l));
	assert_int_equal(test_login_load_text(*state,
	                                      "url: https://x\ntoken_login:\n  id_token: a\n"
	                                      "  client_id: [x]\n",
	                                      &l, &err, NULL),
	                 -1);
	assert_null(l.url);
	assert_null(l.id_token);
	assert_int_equal(l.kind, LOGIN_NONE);
	login_free(&l);
	login_free(&l);
	login_free(NULL);
}

static void
test_login_save_creates_dirs(void **state)
{
	struct test_login_state *s = *state;
	char *a = xasprintf("%s/a", s->dir);
	char *b = xasprintf("%s/a/b", s->dir);
	char *path = xasprintf("%s/a/b/login.yaml", s->dir);
	char *tmp = xasprintf("%s.tmp", path);
	struct login l = { .url = "http://localhost:8000",
		           .kind = LOGIN_DEV,
		           .dev_username = "jdoe" };
	struct api_error err = { 0 };
	struct stat st;

	assert_int_equal(login_save(path, &l, &err), 0);
	assert_int_equal(stat(a, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(b, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(access(tmp, F_OK), -1);
	free(tmp);
	free(path);
	free(b);
	free(a);
}

static void
test_login_save_replaces_atomically(void **state)
{
	struct test_login_state *s = *state;
	char *old = test_login_write(s, "login.yaml", "old: content\n", 13, 0644);
	char *stale = test_login_write(s, "login.yaml.tmp", "junk", 4, 0666);
	char *victim = test_login_write(s, "victim", "keep", 4, 0600);
	char *link = xasprintf("%s/other.yaml.tmp", s->dir);
	char *other = xasprintf("%s/other.yaml", s->dir);
	struct login l = { .url = "http://h", .kind = LOGIN_DEV, .dev_username = "u" };
	struct api_error err = { 0 };
	struct stat st;
	size_t len;
	char *got;

	/* An existing group-readable file and a stale world-writable temp both end up 0600. */
	assert_int_equal(login_save(old, &l, &err), 0);
	assert_int_equal(stat(old, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(access(stale, F_OK), -1);
	got = test_login_slurp(old, &len);
	assert_string_equal(got, "dev_login:\n  username: u\nname: u\nosmo_token: false\n"
	                         "token_login: null\nurl: http://h\n");
	free(got);

	/* A symlink planted at PATH.tmp is replaced, not written through. */
	assert_int_equal(symlink(victim, link), 0);
	assert_int_equal(login_save(other, &l, &err), 0);
	got = test_login_slurp(victim, &len);
	assert_int_equal(len, 4);
	assert_memory_equal(got, "keep", 4);
	free(got);
	assert_int_equal(lstat(other, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	free(other);
	free(link);
	free(victim);
	free(stale);
	free(old);
}

static void
test_login_save_quoting(void **state)
{
	struct test_login_state *s = *state;
	char *path = xasprintf("%s/login.yaml", s->dir);
	struct login a = {
		.url = "http://h:8000",
		.kind = LOGIN_TOKEN,
		.client_id = "123",
		.id_token = "true",
		.refresh_token = "",
		.refresh_url = "a: b",
		.token_username = "null",
		.name = "Jos\xc3\xa9",
	};
	struct login b = {
		.url = "~",
		.kind = LOGIN_DEV,
		.dev_username = "2024-01-01",
		.name = "#x",
		.osmo_token = true,
	};
	/* Both expected texts are PyYAML 6's yaml.dump of the same dicts. */
	const char *want_a = "dev_login: null\n"
	                     "name: \"Jos\\xE9\"\n"
	                     "osmo_token: false\n"
	                     "token_login:\n"
	                     "  client_id: '123'\n"
	                     "  id_token: 'true'\n"
	                     "  refresh_token: ''\n"
	                     "  refresh_url: 'a: b'\n"
	                     "  username: 'null'\n"
	                     "url: http://h:8000\n";
	const char *want_b = "dev_login:\n"
	                     "  username: '2024-01-01'\n"
	                     "name: '#x'\n"
	                     "osmo_token: true\n"
	                     "token_login: null\n"
	                     "url: '~'\n";
	struct api_error err = { 0 };
	struct login back;
	size_t len;
	char *got;

	assert_int_equal(login_save(path, &a, &err), 0);
	got = test_login_slurp(path, &len);
	assert_string_equal(got, want_a);
	free(got);
	assert_int_equal(login_load(path, &back, NULL, &err), 0);
	assert_string_equal(back.client_id, "123");
	assert_string_equal(back.id_token, "true");
	assert_string_equal(back.refresh_token, "");
	assert_string_equal(back.refresh_url, "a: b");
	assert_string_equal(back.token_username, "null");
	assert_string_equal(back.name, "Jos\xc3\xa9");
	login_free(&back);

	assert_int_equal(login_save(path, &b, &err), 0);
	got = test_login_slurp(path, &len);
	assert_string_equal(got, want_b);
	free(got);
	assert_int_equal(login_load(path, &back, NULL, &err), 0);
	assert_string_equal(back.url, "~");
	assert_string_equal(back.dev_username, "2024-01-01");
	assert_true(back.osmo_token);
	login_free(&back);
	free(path);
}

static void
test_login_save_default_name(void **state)
{
	struct test_login_state *s = *state;
	char *path = xasprintf("%s/login.yaml", s->dir);
	struct login tok = { .url = "https://x", .kind = LOGIN_TOKEN, .id_token = "a.b.c" };
	struct api_error err = { 0 };
	struct login back;
	size_t len;
	char *got;

	/* Like the CLI: no name claim gives '', and all absent fields are written as null. */
	assert_int_equal(login_save(path, &tok, &err), 0);
	got = test_login_slurp(path, &len);
	assert_string_equal(got, "dev_login: null\nname: ''\nosmo_token: false\ntoken_login:\n"
	                         "  client_id: null\n  id_token: a.b.c\n  refresh_token: null\n"
	                         "  refresh_url: null\n  username: null\nurl: https://x\n");
	free(got);
	assert_int_equal(login_load(path, &back, NULL, &err), 0);
	assert_string_equal(back.name, "");
	assert_null(back.refresh_token);
	login_free(&back);
	free(path);
}

static void
test_login_save_struct_roundtrip(void **state)
{
	struct test_login_state *s = *state;
	char *path = xasprintf("%s/login.yaml", s->dir);
	struct login l = {
		.url = "https://osmo.example.com",
		.kind = LOGIN_TOKEN,
		.id_token = TOKEN_JWT_OSMO,
		.refresh_token = TOKEN_ACCESS,
		.refresh_url = "https://idp.example.com/token",
		.client_id = "osmo-browser",
		.token_username = "jdoe@example.com",
		.osmo_token = true,
		.name = "Jane Doe",
	};
	struct api_error err = { 0 };
	struct login back;

	assert_int_equal(login_save(path, &l, &err), 0);
	assert_int_equal(login_load(path, &back, NULL, &err), 0);
	assert_string_equal(back.url, l.url);
	assert_int_equal(back.kind, LOGIN_TOKEN);
	assert_string_equal(back.id_token, l.id_token);
	assert_string_equal(back.refresh_token, l.refresh_token);
	assert_string_equal(back.refresh_url, l.refresh_url);
	assert_string_equal(back.client_id, l.client_id);
	assert_string_equal(back.token_username, l.token_username);
	assert_true(back.osmo_token);
	assert_string_equal(back.name, l.name);
	assert_null(back.dev_username);
	login_free(&back);
	free(path);
}

static void
test_login_save_rejects_incomplete(void **state)
{
	struct test_login_state *s = *state;
	char *path = xasprintf("%s/login.yaml", s->dir);
	const struct login cases[] = {
		{ .kind = LOGIN_DEV, .dev_username = "u" },
		{ .url = "", .kind = LOGIN_DEV, .dev_username = "u" },
		{ .url = "https://x", .kind = LOGIN_NONE },
		{ .url = "https://x", .kind = LOGIN_TOKEN },
		{ .url = "https://x", .kind = LOGIN_DEV },
		{ .url = "https://x", .kind = LOGIN_DEV, .dev_username = "bad\xff" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct api_error err = { 0 };

		assert_int_equal(login_save(path, &cases[i], &err), -1);
		assert_int_equal(err.kind, API_ERR_USAGE);
		assert_true(str_starts_with(err.message, path));
		assert_int_equal(access(path, F_OK), -1);
	}
	free(path);
}

static void
test_login_save_io_error(void **state)
{
	struct test_login_state *s = *state;
	char *file = test_login_write(s, "plain", "x", 1, 0600);
	char *path = xasprintf("%s/login.yaml", file);
	struct login l = { .url = "https://x", .kind = LOGIN_DEV, .dev_username = "u" };
	struct api_error err = { 0 };

	/* The parent "directory" is a regular file. */
	assert_int_equal(login_save(path, &l, &err), -1);
	assert_int_equal(err.kind, API_ERR_AUTH);
	assert_non_null(strstr(err.message, path));
	free(path);
	free(file);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, test_login_setup, test_login_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_login_load_fixture_token),
		TEST(test_login_load_fixture_token_copy),
		TEST(test_login_load_fixture_dev),
		TEST(test_login_load_fixture_oauth),
		TEST(test_login_roundtrip_login),
		TEST(test_login_roundtrip_dev),
		TEST(test_login_roundtrip_oauth),
		TEST(test_login_roundtrip_token),
		TEST(test_login_default_path_osmo_dir),
		TEST(test_login_default_path_xdg),
		TEST(test_login_default_path_home),
		TEST(test_login_default_path_none),
		TEST(test_login_default_path_small_buffer),
		TEST(test_login_loose_perms),
		TEST(test_login_missing_file),
		TEST(test_login_not_regular_file),
		TEST(test_login_size_limit),
		TEST(test_login_empty_file),
		TEST(test_login_not_mapping),
		TEST(test_login_syntax_errors),
		TEST(test_login_truncated),
		TEST(test_login_binary_garbage),
		TEST(test_login_mutated_fixture),
		TEST(test_login_deep_nesting),
		TEST(test_login_wrong_types),
		TEST(test_login_missing_required),
		TEST(test_login_bad_token_type),
		TEST(test_login_bad_refresh_type),
		TEST(test_login_bad_token_syntax),
		TEST(test_login_bad_token_unterminated),
		TEST(test_login_token_near_bad_bytes),
		TEST(test_login_url_trailing_slash),
		TEST(test_login_both_null),
		TEST(test_login_both_set),
		TEST(test_login_osmo_token_values),
		TEST(test_login_unknown_keys_ignored),
		TEST(test_login_quoted_and_duplicate),
		TEST(test_login_failure_leaves_out_clean),
		TEST(test_login_save_creates_dirs),
		TEST(test_login_save_replaces_atomically),
		TEST(test_login_save_quoting),
		TEST(test_login_save_default_name),
		TEST(test_login_save_struct_roundtrip),
		TEST(test_login_save_rejects_incomplete),
		TEST(test_login_save_io_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
