/* test_router.c: the router's pure parts: entry-command splitting, the resize scanner, keys, ports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "server/encode.h"
#include "server/engine.h"
#include "proc.h"
#include "server/router.h"
#include "server/router_exec.h"
#include "common/loop.h"
#include "common/util.h"

/* ------------------------------------------------------------------ splitting */

/* Splits s and compares with the NULL-terminated words. */
static void
tr_split_ok(const char *s, const char *const *want)
{
	struct strv out = { 0 };
	const char *err = "unset";
	size_t n = 0;

	if (router_exec_split(s, &out, &err) != 0)
		fail_msg("split(%s): %s", s, err);
	assert_null(err);
	while (want[n])
		n++;
	assert_int_equal(out.n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(out.v[i], want[i]);
	strv_free(&out);
}

static void
tr_split_fails(const char *s, const char *why)
{
	struct strv out = { 0 };
	const char *err = NULL;

	strv_push(&out, "kept");
	assert_int_equal(router_exec_split(s, &out, &err), -1);
	assert_string_equal(err, why);
	/* A failed split leaves what the caller had, and nothing more. */
	assert_int_equal(out.n, 1);
	assert_string_equal(out.v[0], "kept");
	strv_free(&out);
}

static void
test_split_words(void **state)
{
	(void)state;
	tr_split_ok("/bin/bash", (const char *const[]){ "/bin/bash", NULL });
	tr_split_ok("  ls\t-la \n /tmp  ", (const char *const[]){ "ls", "-la", "/tmp", NULL });
	tr_split_ok("bash -c \"echo 'hi there' | wc -c\"",
	            (const char *const[]){ "bash", "-c", "echo 'hi there' | wc -c", NULL });
	tr_split_ok("echo 'a \"b\" \\c'", (const char *const[]){ "echo", "a \"b\" \\c", NULL });
	/* Adjacent quoted parts join one word; empty quotes are an empty word. */
	tr_split_ok("a\"b c\"d'e f'g", (const char *const[]){ "ab cde fg", NULL });
	tr_split_ok("x '' \"\"", (const char *const[]){ "x", "", "", NULL });
}

static void
test_split_escapes_and_comments(void **state)
{
	(void)state;
	/* Outside quotes a backslash takes the next character as it is, blanks too. */
	tr_split_ok("a\\ b c\\\\d \\'q", (const char *const[]){ "a b", "c\\d", "'q", NULL });
	/* Inside double quotes, as google/shlex: the backslash goes, the next character stays. */
	tr_split_ok("\"a\\\"b\\\\c\\n\"", (const char *const[]){ "a\"b\\cn", NULL });
	/* '#' starts a comment only at a word's start, up to the end of its line. */
	tr_split_ok("echo a#b # the rest\nls", (const char *const[]){ "echo", "a#b", "ls", NULL });
	tr_split_ok("'#'x", (const char *const[]){ "#x", NULL });
}

static void
test_split_errors(void **state)
{
	(void)state;
	tr_split_fails("echo 'open", "EOF found when expecting closing quote");
	tr_split_fails("echo \"open\\\"", "EOF found when expecting closing quote");
	tr_split_fails("echo trailing\\", "EOF found after escape character");
	tr_split_fails("echo \"x\\", "EOF found after escape character");
	tr_split_fails("", "no command to run");
	tr_split_fails("   \t ", "no command to run");
	tr_split_fails("# only a comment", "no command to run");
}

/*
 * A failed split into an empty list leaves no array behind, for callers that free the words
 * only once the split worked (router_exec_start); fuzz_messages found the leak.
 */
static void
test_split_fails_empty(void **state)
{
	static const char *const bad[] = { "bash -lc 'ec\0", "a \"b", "a b\\" };
	struct strv out = { 0 };
	const char *err = NULL;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(router_exec_split(bad[i], &out, &err), -1);
		assert_non_null(err);
		assert_int_equal(out.n, 0);
		assert_null(out.v);
	}
}

/* ------------------------------------------------------------------ the resize scanner */

/* What the scanner produced: keys as they are, resizes as "<R,C>" in between. */
struct tr_scan {
	struct strbuf seen;
	int resizes;
};

static void
tr_keys(void *ctx, const unsigned char *data, size_t n)
{
	struct tr_scan *t = ctx;

	assert_true(n > 0);
	for (size_t i = 0; i < n; i++)
		if (data[i])
			strbuf_addch(&t->seen, (char)data[i]);
		else
			strbuf_addstr(&t->seen, "\\0");
}

static void
tr_resize(void *ctx, int rows, int cols)
{
	struct tr_scan *t = ctx;

	strbuf_addf(&t->seen, "<%d,%d>", rows, cols);
	t->resizes++;
}

/* Feeds messages (each a byte string with its length) and compares the result. */
static void
tr_scan_check(const char *want, size_t nmsg, const char *const *msgs, const size_t *lens)
{
	struct router_exec_scan s = { 0 };
	struct tr_scan t = { 0 };
	const struct router_exec_scan_out out = { tr_keys, tr_resize, &t };

	strbuf_addstr(&t.seen, "");
	for (size_t i = 0; i < nmsg; i++)
		router_exec_scan_feed(&s, (const unsigned char *)msgs[i], lens[i], &out);
	assert_string_equal(t.seen.buf, want);
	strbuf_free(&t.seen);
	router_exec_scan_free(&s);
}

/* Feeds messages that spell NUL as "@0", so they stay C strings. */
static void
tr_scan_nul(const char *want, size_t nmsg, const char *const *msgs)
{
	char **bufs = xcalloc(nmsg, sizeof(*bufs));
	size_t *lens = xcalloc(nmsg, sizeof(*lens));

	for (size_t i = 0; i < nmsg; i++) {
		size_t n = 0;

		bufs[i] = xmalloc(strlen(msgs[i]) + 1);
		for (const char *p = msgs[i]; *p; p++) {
			if (p[0] == '@' && p[1] == '0') {
				bufs[i][n++] = '\0';
				p++;
			} else {
				bufs[i][n++] = *p;
			}
		}
		lens[i] = n;
	}
	tr_scan_check(want, nmsg, (const char *const *)bufs, lens);
	for (size_t i = 0; i < nmsg; i++)
		free(bufs[i]);
	free(bufs);
	free(lens);
}

#define TR_NUL(want, ...)                                           \
	do {                                                        \
		static const char *const msgs_[] = { __VA_ARGS__ }; \
		tr_scan_nul(want, ARRAY_SIZE(msgs_), msgs_);        \
	} while (0)

static void
test_scan_plain_and_whole(void **state)
{
	(void)state;
	TR_NUL("ls -la\r", "ls -la\r");
	TR_NUL("abc", "a", "b", "c");
	TR_NUL("<40,120>", "@0RESIZE:{\"Rows\": 40, \"Cols\": 120}");
	/* Keys around a request keep their order; keys match without case, as in Go. */
	TR_NUL("ab<3,4>cd", "ab@0RESIZE:{\"rows\":3,\"cols\":4}cd");
	TR_NUL("<1,2><5,6>", "@0RESIZE:{\"Rows\":1,\"Cols\":2}@0RESIZE:{\"Rows\":5,\"Cols\":6}");
}

static void
test_scan_across_messages(void **state)
{
	(void)state;
	/* Cut inside the prefix, inside the object, right after the NUL. */
	TR_NUL("x<24,80>y", "x@0RES", "IZE:{\"Rows\": 24, \"Cols\": 80}y");
	TR_NUL("<24,80>", "@0RESIZE:{\"Rows\": 2", "4, \"Cols\"", ": 80}");
	TR_NUL("<24,80>z", "@0", "RESIZE:{\"Rows\": 24, \"Cols\": 80}z");
	TR_NUL("<24,80>", "@0", "R", "E", "S", "I", "Z", "E", ":", "{\"Rows\":24,\"Cols\":80}");
}

static void
test_scan_lone_nul(void **state)
{
	(void)state;
	/* A NUL that cannot start a request is typing (Ctrl-@). */
	TR_NUL("a\\0b", "a@0b");
	TR_NUL("\\0\\0x", "@0@0x");
	/* A NUL at a message's end waits; the next message shows it was typing. */
	TR_NUL("a\\0b", "a@0", "b");
	TR_NUL("a\\0RESIZ!", "a@0RESIZ", "!");
	/* A NUL before a real request. */
	TR_NUL("\\0<2,3>", "@0@0RESIZE:{\"Rows\":2,\"Cols\":3}");
	/* Nothing more ever comes: a held tail produces nothing. */
	TR_NUL("q", "q@0RES");
}

static void
test_scan_malformed(void **state)
{
	char big[400];

	(void)state;
	/* A bad object is dropped up to its '}', as the task side does. */
	TR_NUL("ab", "a@0RESIZE:{\"Rows\": \"x\"}b");
	TR_NUL("ab", "a@0RESIZE:nonsense}b");
	/* No '}' within the limit: it was typing after all. */
	memset(big, 'k', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "@0RESIZE:{", 10);
	{
		const char *msgs[] = { big };
		struct strbuf want = { 0 };

		strbuf_addstr(&want, "\\0RESIZE:{");
		for (size_t i = 10; i < sizeof(big) - 1; i++)
			strbuf_addch(&want, 'k');
		tr_scan_nul(want.buf, 1, msgs);
		strbuf_free(&want);
	}
}

/*
 * A '}' past the limit does not make an object of what was typing: whole or cut into
 * messages, the same keys (fuzz_messages: "\0RESIZE:{" and 270 bytes, then a '}').
 */
static void
test_scan_long_object(void **state)
{
	char big[300], head[101];
	const char *whole[] = { big }, *cut[] = { head, big + 100 };
	struct strbuf want = { 0 };

	(void)state;
	memset(big, 'E', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "l@0RESIZE:{\"R", 13);
	big[sizeof(big) - 2] = '}';
	memcpy(head, big, 100);
	head[100] = '\0';
	strbuf_addstr(&want, "l\\0");
	strbuf_addstr(&want, big + 3);
	tr_scan_nul(want.buf, 1, whole);
	tr_scan_nul(want.buf, 2, cut);
	strbuf_free(&want);
}

/* ------------------------------------------------------------------ keys and ports */

static bool
tr_lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[n] == '\0';
}

static void
test_key_format(void **state)
{
	unsigned char rnd[ROUTER_KEY_HEX / 2];
	char key[ROUTER_KEY_MAX + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(rnd); i++)
		rnd[i] = (unsigned char)(i * 17 + 1);
	router_key_format(ROUTER_EXEC, rnd, key);
	assert_string_equal(key, "EXEC-0112233445566778899aabbccddeef00");
	router_key_format(ROUTER_PORTFORWARD, rnd, key);
	assert_string_equal(key, "PORTFORWARD-0112233445566778899aabbccddeef00");
}

/* Keys from a live router: the format, and never the same twice. */
static void
test_key_new(void **state)
{
	char dir[] = "/tmp/osmo-router-test-XXXXXX";
	struct engine_config cfg = { 0 };
	struct engine_error err = { 0 };
	const struct router_target t = { .workflow = "wf-1", .task = "t", .port = 8000 };
	char a[ROUTER_KEY_MAX + 1], b[ROUTER_KEY_MAX + 1], c[ROUTER_KEY_MAX + 1];
	struct loop *loop = loop_new();
	struct engine *e;
	struct router *r;

	(void)state;
	assert_non_null(mkdtemp(dir));
	cfg.loop = loop;
	cfg.state_dir = dir;
	cfg.pool = "default";
	cfg.base_url = "http://127.0.0.1:1";
	e = engine_new(&cfg, &err);
	assert_non_null(e);
	r = router_new(&(struct router_config){
	        .loop = loop, .engine = e, .address = "ws://127.0.0.1:1" });
	assert_string_equal(router_address(r), "ws://127.0.0.1:1");
	router_key_new(r, ROUTER_EXEC, &t, a);
	router_key_new(r, ROUTER_EXEC, &t, b);
	router_key_new(r, ROUTER_PORTFORWARD, &t, c);
	assert_int_equal(strlen(a), 5 + ROUTER_KEY_HEX);
	assert_true(str_starts_with(a, "EXEC-") && tr_lower_hex(a + 5, ROUTER_KEY_HEX));
	assert_true(str_starts_with(c, "PORTFORWARD-") && tr_lower_hex(c + 12, ROUTER_KEY_HEX));
	assert_string_not_equal(a, b);
	router_free(r);
	engine_free(e);
	loop_free(loop);
	assert_int_equal(proc_remove_tree(dir), 0);
}

static void
test_parse_port(void **state)
{
	static const struct {
		const char *text;
		int rc;
		long port;
	} cases[] = {
		{ "8000", 0, 8000 },
		{ "1", 0, 1 },
		{ "65535", 0, 65535 },
		{ "0", -2, 0 },
		{ "65536", -2, 0 },
		{ "-5", -2, 0 },
		{ "abc", -1, 0 },
		{ "", -1, 0 },
		{ "80a", -1, 0 },
		{ "8.0", -1, 0 },
		{ "99999999999999999999", -1, 0 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		long port = -1;

		assert_int_equal(router_parse_port(cases[i].text, &port), cases[i].rc);
		if (cases[i].rc == 0)
			assert_int_equal(port, cases[i].port);
	}
	assert_int_equal(router_parse_port(NULL, &(long){ 0 }), -1);
}

static void
test_forward_request(void **state)
{
	char *key = NULL;
	static const char msg[] = "{\"key\": \"PORTFORWARD-ab\", \"cookie\": \"\"}";

	(void)state;
	assert_int_equal(encode_forward_request(msg, sizeof(msg) - 1, &key), 0);
	assert_string_equal(key, "PORTFORWARD-ab");
	free(key);
	/* Go matches the field without case. */
	assert_int_equal(encode_forward_request("{\"Key\":\"k1\"}", 12, &key), 0);
	assert_string_equal(key, "k1");
	free(key);
	assert_int_equal(encode_forward_request("{\"cookie\":\"c\"}", 14, &key), 0);
	assert_null(key);
	assert_int_equal(encode_forward_request("{\"key\":5}", 9, &key), 0);
	assert_null(key);
	assert_int_equal(encode_forward_request("not json", 8, &key), -1);
	assert_int_equal(encode_forward_request("[\"key\"]", 7, &key), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_words),
		cmocka_unit_test(test_split_escapes_and_comments),
		cmocka_unit_test(test_split_errors),
		cmocka_unit_test(test_split_fails_empty),
		cmocka_unit_test(test_scan_plain_and_whole),
		cmocka_unit_test(test_scan_across_messages),
		cmocka_unit_test(test_scan_lone_nul),
		cmocka_unit_test(test_scan_malformed),
		cmocka_unit_test(test_scan_long_object),
		cmocka_unit_test(test_key_format),
		cmocka_unit_test(test_key_new),
		cmocka_unit_test(test_parse_port),
		cmocka_unit_test(test_forward_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
