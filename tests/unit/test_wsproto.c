/* test_wsproto.c: SHA-1, base64, the accept digest and OSMO's router messages (wsproto.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "common/wsproto.h"

static void
assert_sha1(const void *data, size_t n, const char *want)
{
	unsigned char md[20];
	char got[41];

	wsproto_sha1(data, n, md);
	util_hex(md, sizeof(md), got);
	assert_string_equal(got, want);
}

static void
test_sha1_rfc3174(void **state)
{
	/* RFC 3174 §7.3 TEST1, TEST2 and TEST4 (TEST3 is the million 'a's below). */
	static const char t2[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	static const char t4[] = "01234567012345670123456701234567"
	                         "01234567012345670123456701234567";
	struct strbuf sb = { 0 };

	(void)state;
	assert_sha1("abc", 3, "a9993e364706816aba3e25717850c26c9cd0d89d");
	assert_sha1(t2, strlen(t2), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	for (int i = 0; i < 10; i++)
		strbuf_addstr(&sb, t4);
	assert_sha1(sb.buf, sb.len, "dea356a2cddd90c7a7ecedc5ebb563934f460452");
	strbuf_free(&sb);
	assert_sha1("", 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

static void
test_sha1_million_a(void **state)
{
	size_t n = 1000000;
	char *a = xmalloc(n);

	(void)state;
	memset(a, 'a', n);
	assert_sha1(a, n, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	free(a);
}

static void
test_sha1_padding_boundaries(void **state)
{
	/* Lengths around the 56-byte padding limit and the 64-byte block (values from Python). */
	static const struct {
		size_t n;
		const char *want;
	} cases[] = {
		{ 55, "04bb34aef4880b625e6b1564a014abd25fc02bfe" },
		{ 56, "83b9fcb6d3e3b20f376ab989a1b6353bcc6c0f44" },
		{ 63, "ab15090e8dbe512f3733350f9623ab11f9b5165b" },
		{ 64, "54305ee7e4c7bc5a96afc6d1994fc52d9bcb665f" },
		{ 65, "5985422a25357371ebd2a7f6ecd7eebed43db42c" },
		{ 119, "6839d6c27f22ed884ac43ae6bd3bfcee9e04b938" },
		{ 120, "8c40517a14ab8b78fd4b8958f4e31254a34c3fb0" },
	};
	unsigned char buf[128];

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7 + 1);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		assert_sha1(buf, cases[i].n, cases[i].want);
}

static void
test_base64_rfc4648(void **state)
{
	/* RFC 4648 §10. */
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "" },
		{ "f", "Zg==" },
		{ "fo", "Zm8=" },
		{ "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	char out[16];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t n = strlen(cases[i].in);

		memset(out, 'x', sizeof(out));
		assert_int_equal(wsproto_base64((const unsigned char *)cases[i].in, n, out),
		                 strlen(cases[i].out));
		assert_string_equal(out, cases[i].out);
	}
}

static void
test_base64_binary(void **state)
{
	static const unsigned char in[] = { 0x00, 0xff, 0xfe, 0x80, 0x3f, 0xfb, 0xef };
	char out[4 * ((sizeof(in) + 2) / 3) + 1];

	(void)state;
	assert_int_equal(wsproto_base64(in, sizeof(in), out), sizeof(out) - 1);
	assert_string_equal(out, "AP/+gD/77w==");
}

static void
test_accept_rfc6455(void **state)
{
	char out[WSPROTO_ACCEPT_LEN + 1];
	unsigned char nonce[16] = { 0 };
	char key[WSPROTO_KEY_LEN + 1];

	(void)state;
	/* RFC 6455 §1.3. */
	wsproto_accept("dGhlIHNhbXBsZSBub25jZQ==", out);
	/* The brief quoted it without the "Y"; the RFC and hashlib agree on this one. */
	assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	assert_int_equal(strlen(out), WSPROTO_ACCEPT_LEN);
	assert_int_equal(wsproto_base64(nonce, sizeof(nonce), key), WSPROTO_KEY_LEN);
	assert_string_equal(key, "AAAAAAAAAAAAAAAAAAAAAA==");
}

static void
test_size_msg(void **state)
{
	char buf[64];
	size_t n;

	(void)state;
	n = wsproto_size_msg(40, 120, buf, sizeof(buf));
	assert_int_equal(n, strlen("{\"Rows\": 40, \"Cols\": 120}"));
	assert_string_equal(buf, "{\"Rows\": 40, \"Cols\": 120}");
	/* A buffer one byte short of the terminator is refused. */
	assert_int_equal(wsproto_size_msg(40, 120, buf, n), 0);
	assert_int_equal(wsproto_size_msg(40, 120, buf, n + 1), n);
	/* Out-of-range sizes are clamped to what the task's uint16 fields hold. */
	wsproto_size_msg(-3, 70000, buf, sizeof(buf));
	assert_string_equal(buf, "{\"Rows\": 0, \"Cols\": 65535}");
}

static void
test_resize_msg(void **state)
{
	static const char want[] = "\0RESIZE:{\"Rows\": 50, \"Cols\": 132}";
	char buf[64];
	size_t n;

	(void)state;
	n = wsproto_resize_msg(50, 132, buf, sizeof(buf));
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(buf, want, n);
	assert_memory_equal(buf, WSPROTO_RESIZE, WSPROTO_RESIZE_LEN);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(wsproto_resize_msg(50, 132, buf, n), 0);
	assert_int_equal(wsproto_resize_msg(50, 132, buf, n + 1), n);
	assert_int_equal(wsproto_resize_msg(50, 132, buf, WSPROTO_RESIZE_LEN), 0);
	/* The body after the prefix parses back. */
	int r = 0, c = 0;

	assert_int_equal(
	        wsproto_parse_size(buf + WSPROTO_RESIZE_LEN, n - WSPROTO_RESIZE_LEN, &r, &c), 0);
	assert_int_equal(r, 50);
	assert_int_equal(c, 132);
}

static void
test_parse_size_ok(void **state)
{
	static const struct {
		const char *json;
		int rows, cols;
	} cases[] = {
		{ "{\"Rows\": 40, \"Cols\": 120}", 40, 120 },
		{ "{\"rows\":1,\"cols\":2}", 1, 2 },
		{ "{\"ROWS\":3,\"cOlS\":4}", 3, 4 },
		{ "  {\n\"Cols\" :\t80 , \"Rows\" : 24 }\r\n", 24, 80 },
		{ "{\"Rows\": 0, \"Cols\": 65535}", 0, 65535 },
		/* Missing fields and nulls stay zero, as Go's decoder leaves them. */
		{ "{}", 0, 0 },
		{ "{\"Rows\": 7}", 7, 0 },
		{ "{\"Rows\": null, \"Cols\": 9}", 0, 9 },
		/* Unknown keys with flat values are skipped. */
		{ "{\"x\": \"a\\\"}b\", \"Rows\": 5, \"y\": -1.5e3, \"z\": true, \"w\": null, "
		  "\"Cols\": 6, \"v\": false}",
		  5, 6 },
		/* Escapes in keys are decoded before matching. */
		{ "{\"\\u0052ows\": 11, \"Col\\u0073\": 12}", 11, 12 },
		/* The last of duplicate keys wins, as in Go. */
		{ "{\"Rows\": 1, \"rows\": 2, \"Cols\": 3}", 2, 3 },
		/* A longer key that starts like ours is not ours. */
		{ "{\"Rowsy\": 1, \"Rows\": 2, \"Cols\": 3}", 2, 3 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int r = -1, c = -1;

		if (wsproto_parse_size(cases[i].json, strlen(cases[i].json), &r, &c) != 0)
			fail_msg("case %zu: %s: rejected", i, cases[i].json);
		assert_int_equal(r, cases[i].rows);
		assert_int_equal(c, cases[i].cols);
	}
}

static void
test_parse_size_malformed(void **state)
{
	static const char *bad[] = {
		"",
		"   ",
		"[]",
		"{",
		"{\"Rows\": 40, \"Cols\": 120",
		"{\"Rows\": 40 \"Cols\": 120}",
		"{\"Rows\" 40}",
		"{Rows: 40}",
		"{\"Rows\": -1}",
		"{\"Rows\": 65536}",
		"{\"Rows\": 99999999999999999999}",
		"{\"Rows\": 4.5}",
		"{\"Rows\": 4e1}",
		"{\"Rows\": 040}",
		"{\"Rows\": \"40\"}",
		"{\"Rows\": true}",
		"{\"Rows\": }",
		"{\"Rows\": 1,}",
		"{,}",
		"{\"Rows\": 1} x",
		"{\"Rows\": 1}}",
		"{\"Rows\": 1}{\"Cols\": 2}",
		"{\"x\": {\"Rows\": 1}}",
		"{\"x\": [1]}",
		"{\"x\": tru}",
		"{\"x\": -}",
		"{\"x\": \"unterminated}",
		"{\"x\": \"bad \\q escape\"}",
		"{\"x\": \"bad \\u00zz\"}",
		"{\"x\": \"ctl \n\"}",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int r = 77, c = 88;

		if (wsproto_parse_size(bad[i], strlen(bad[i]), &r, &c) != -1)
			fail_msg("case %zu: %s: accepted", i, bad[i]);
		/* A rejected message leaves the outputs alone. */
		assert_int_equal(r, 77);
		assert_int_equal(c, 88);
	}
}

static void
test_parse_size_bounded(void **state)
{
	/* n bounds the read: the text after it is not looked at. */
	static const char json[] = "{\"Rows\": 12, \"Cols\": 34}garbage";
	int r = 0, c = 0;

	(void)state;
	assert_int_equal(wsproto_parse_size(json, sizeof(json) - 1 - 7, &r, &c), 0);
	assert_int_equal(r, 12);
	assert_int_equal(c, 34);
	assert_int_equal(wsproto_parse_size(json, 10, &r, &c), -1);
	/* An embedded NUL is not whitespace. */
	assert_int_equal(wsproto_parse_size("{}\0", 3, &r, &c), -1);
}

static void
test_udp_header_round_trip(void **state)
{
	unsigned char hdr[WSPROTO_UDP_HDR];
	uint32_t addr = 0;
	uint16_t port = 0;
	struct in_addr in;

	(void)state;
	assert_int_equal(inet_pton(AF_INET, "192.168.1.20", &in), 1);
	wsproto_udp_pack(in.s_addr, htons(5353), hdr);
	/* On the wire: the address bytes in order, then the port big-endian. */
	static const unsigned char want[WSPROTO_UDP_HDR] = { 192, 168, 1, 20, 0x14, 0xe9 };

	assert_memory_equal(hdr, want, sizeof(want));
	wsproto_udp_unpack(hdr, &addr, &port);
	assert_int_equal(addr, in.s_addr);
	assert_int_equal(ntohs(port), 5353);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha1_rfc3174),
		cmocka_unit_test(test_sha1_million_a),
		cmocka_unit_test(test_sha1_padding_boundaries),
		cmocka_unit_test(test_base64_rfc4648),
		cmocka_unit_test(test_base64_binary),
		cmocka_unit_test(test_accept_rfc6455),
		cmocka_unit_test(test_size_msg),
		cmocka_unit_test(test_resize_msg),
		cmocka_unit_test(test_parse_size_ok),
		cmocka_unit_test(test_parse_size_malformed),
		cmocka_unit_test(test_parse_size_bounded),
		cmocka_unit_test(test_udp_header_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
