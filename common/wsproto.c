/* wsproto.c: the handshake digest (SHA-1 and base64 from nettle) and OSMO's size/UDP messages. */
#include "common/wsproto.h"

#include <nettle/base64.h>
#include <nettle/sha1.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* RFC 6455 §1.3: appended to the client's key before hashing. */
#define WSPROTO_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
/* The task side reads the size into uint16 fields (pty.Winsize). */
#define WSPROTO_SIZE_MAX 65535
/* Longest key worth decoding: "rows" and "cols" are 4 bytes; longer keys never match. */
#define WSPROTO_KEY_MAX 8

void
wsproto_sha1(const void *data, size_t n, unsigned char out[20])
{
	struct sha1_ctx c;

	sha1_init(&c);
	sha1_update(&c, n, data);
	sha1_digest(&c, SHA1_DIGEST_SIZE, out);
}

size_t
wsproto_base64(const unsigned char *in, size_t n, char *out)
{
	size_t len = BASE64_ENCODE_RAW_LENGTH(n);

	base64_encode_raw(out, n, in);
	out[len] = '\0';
	return len;
}

void
wsproto_accept(const char *key, char out[WSPROTO_ACCEPT_LEN + 1])
{
	struct sha1_ctx c;
	unsigned char md[SHA1_DIGEST_SIZE];

	sha1_init(&c);
	sha1_update(&c, strlen(key), (const uint8_t *)key);
	sha1_update(&c, sizeof(WSPROTO_GUID) - 1, (const uint8_t *)WSPROTO_GUID);
	sha1_digest(&c, sizeof(md), md);
	wsproto_base64(md, sizeof(md), out);
}

static int
wsproto_clamp(int v)
{
	return v < 0 ? 0 : v > WSPROTO_SIZE_MAX ? WSPROTO_SIZE_MAX : v;
}

size_t
wsproto_size_msg(int rows, int cols, char *buf, size_t cap)
{
	/* The spacing of Python's json.dumps, as the CLI sends it. */
	int n = snprintf(buf, cap, "{\"Rows\": %d, \"Cols\": %d}", wsproto_clamp(rows),
	                 wsproto_clamp(cols));

	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

size_t
wsproto_resize_msg(int rows, int cols, char *buf, size_t cap)
{
	size_t n;

	if (cap <= WSPROTO_RESIZE_LEN)
		return 0;
	memcpy(buf, WSPROTO_RESIZE, WSPROTO_RESIZE_LEN);
	n = wsproto_size_msg(rows, cols, buf + WSPROTO_RESIZE_LEN, cap - WSPROTO_RESIZE_LEN);
	return n ? WSPROTO_RESIZE_LEN + n : 0;
}

/* A cursor over the size JSON; every reader returns false on malformed input. */
struct wsproto_json {
	const char *p;
	const char *end;
};

static void
wsproto_json_ws(struct wsproto_json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static bool
wsproto_json_lit(struct wsproto_json *j, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
		return false;
	j->p += n;
	return true;
}

static int
wsproto_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Reads a string (the cursor on its opening quote) and keeps its first bytes, lower-cased,
 * in key (size WSPROTO_KEY_MAX + 1); a longer or non-ASCII string leaves key empty.
 */
static bool
wsproto_json_string(struct wsproto_json *j, char *key)
{
	static const char esc_from[] = "\"\\/bfnrt";
	static const char esc_to[] = "\"\\/\b\f\n\r\t";
	size_t n = 0;
	bool keep = true;

	if (j->p >= j->end || *j->p != '"')
		return false;
	j->p++;
	while (j->p < j->end && *j->p != '"') {
		unsigned c = (unsigned char)*j->p++;

		if (c < 0x20)
			return false;
		if (c == '\\') {
			const char *e;

			if (j->p >= j->end)
				return false;
			if (*j->p == 'u') {
				int v = 0;

				if (j->end - j->p < 5)
					return false;
				for (int i = 1; i <= 4; i++) {
					int h = wsproto_hex(j->p[i]);

					if (h < 0)
						return false;
					v = v * 16 + h;
				}
				j->p += 5;
				c = v < 0x80 ? (unsigned)v : 0x80;
			} else if (*j->p && (e = strchr(esc_from, *j->p))) {
				c = (unsigned char)esc_to[e - esc_from];
				j->p++;
			} else {
				return false;
			}
		}
		if (c >= 0x80 || n == WSPROTO_KEY_MAX)
			keep = false;
		else
			key[n++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	if (j->p >= j->end)
		return false;
	j->p++;
	key[keep ? n : 0] = '\0';
	return true;
}

/* A non-negative integer without fraction or exponent, as Go decodes into uint16. */
static bool
wsproto_json_uint(struct wsproto_json *j, int *out)
{
	long v = 0;
	const char *start = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
		v = v * 10 + (*j->p++ - '0');
		if (v > WSPROTO_SIZE_MAX)
			return false;
	}
	if (j->p == start || (*start == '0' && j->p - start > 1))
		return false;
	if (j->p < j->end && (*j->p == '.' || *j->p == 'e' || *j->p == 'E'))
		return false;
	*out = (int)v;
	return true;
}

/* Skips a value of a key we do not use: a string, number, true, false or null. */
static bool
wsproto_json_skip(struct wsproto_json *j)
{
	char key[WSPROTO_KEY_MAX + 1];
	const char *start = j->p;

	if (j->p < j->end && *j->p == '"')
		return wsproto_json_string(j, key);
	if (wsproto_json_lit(j, "true") || wsproto_json_lit(j, "false") ||
	    wsproto_json_lit(j, "null"))
		return true;
	if (j->p < j->end && *j->p == '-')
		j->p++;
	while (j->p < j->end && *j->p && strchr("0123456789.eE+-", *j->p))
		j->p++;
	return j->p > start && (j->p[-1] >= '0' && j->p[-1] <= '9');
}

int
wsproto_parse_size(const char *json, size_t n, int *rows, int *cols)
{
	struct wsproto_json j = { json, json + n };
	int r = 0, c = 0; /* Go leaves a missing field zero */

	wsproto_json_ws(&j);
	if (!wsproto_json_lit(&j, "{"))
		return -1;
	wsproto_json_ws(&j);
	if (!wsproto_json_lit(&j, "}")) {
		for (;;) {
			char key[WSPROTO_KEY_MAX + 1];
			int *dst = NULL;

			if (!wsproto_json_string(&j, key))
				return -1;
			wsproto_json_ws(&j);
			if (!wsproto_json_lit(&j, ":"))
				return -1;
			wsproto_json_ws(&j);
			if (strcmp(key, "rows") == 0)
				dst = &r;
			else if (strcmp(key, "cols") == 0)
				dst = &c;
			/* null leaves a field as it was, as in Go. */
			if (dst && !wsproto_json_lit(&j, "null") && !wsproto_json_uint(&j, dst))
				return -1;
			if (!dst && !wsproto_json_skip(&j))
				return -1;
			wsproto_json_ws(&j);
			if (wsproto_json_lit(&j, "}"))
				break;
			if (!wsproto_json_lit(&j, ","))
				return -1;
			wsproto_json_ws(&j);
		}
	}
	wsproto_json_ws(&j);
	if (j.p != j.end)
		return -1;
	*rows = r;
	*cols = c;
	return 0;
}

void
wsproto_udp_pack(uint32_t addr_be, uint16_t port_be, unsigned char hdr[WSPROTO_UDP_HDR])
{
	/* Both values are already in network order: copy their bytes as they lie. */
	memcpy(hdr, &addr_be, 4);
	memcpy(hdr + 4, &port_be, 2);
}

void
wsproto_udp_unpack(const unsigned char hdr[WSPROTO_UDP_HDR], uint32_t *addr_be, uint16_t *port_be)
{
	memcpy(addr_be, hdr, 4);
	memcpy(port_be, hdr + 4, 2);
}
