/* wsproto.c: the handshake digest (SHA-1, base64) and OSMO's size, resize and UDP messages. */
#include "wsproto.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* RFC 6455 §1.3: appended to the client's key before hashing. */
#define WSPROTO_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
/* The task side reads the size into uint16 fields (pty.Winsize). */
#define WSPROTO_SIZE_MAX 65535
/* Longest key worth decoding: "rows" and "cols" are 4 bytes; longer keys never match. */
#define WSPROTO_KEY_MAX 8

struct wsproto_sha1_ctx {
	uint32_t h[5];
	unsigned char block[64];
	size_t fill;    /* bytes waiting in block */
	uint64_t total; /* message length in bytes */
};

static uint32_t
wsproto_rol(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

static void
wsproto_sha1_init(struct wsproto_sha1_ctx *c)
{
	static const uint32_t h0[5] = { 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476,
		                        0xC3D2E1F0 };

	memcpy(c->h, h0, sizeof(h0));
	c->fill = 0;
	c->total = 0;
}

/* One 512-bit block (RFC 3174 §6.1, method 1). */
static void
wsproto_sha1_block(struct wsproto_sha1_ctx *c, const unsigned char *p)
{
	static const uint32_t k[4] = { 0x5A827999, 0x6ED9EBA1, 0x8F1BBCDC, 0xCA62C1D6 };
	uint32_t w[80], a, b, cc, d, e;

	for (int t = 0; t < 16; t++)
		w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 |
		       (uint32_t)p[4 * t + 2] << 8 | (uint32_t)p[4 * t + 3];
	for (int t = 16; t < 80; t++)
		w[t] = wsproto_rol(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
	a = c->h[0];
	b = c->h[1];
	cc = c->h[2];
	d = c->h[3];
	e = c->h[4];
	for (int t = 0; t < 80; t++) {
		uint32_t f;

		if (t < 20)
			f = (b & cc) | (~b & d);
		else if (t < 40 || t >= 60)
			f = b ^ cc ^ d;
		else
			f = (b & cc) | (b & d) | (cc & d);
		uint32_t tmp = wsproto_rol(a, 5) + f + e + w[t] + k[t / 20];

		e = d;
		d = cc;
		cc = wsproto_rol(b, 30);
		b = a;
		a = tmp;
	}
	c->h[0] += a;
	c->h[1] += b;
	c->h[2] += cc;
	c->h[3] += d;
	c->h[4] += e;
}

static void
wsproto_sha1_update(struct wsproto_sha1_ctx *c, const void *data, size_t n)
{
	const unsigned char *p = data;

	c->total += n;
	while (n) {
		size_t take = 64 - c->fill < n ? 64 - c->fill : n;

		memcpy(c->block + c->fill, p, take);
		c->fill += take;
		p += take;
		n -= take;
		if (c->fill == 64) {
			wsproto_sha1_block(c, c->block);
			c->fill = 0;
		}
	}
}

static void
wsproto_sha1_final(struct wsproto_sha1_ctx *c, unsigned char out[20])
{
	uint64_t bits = c->total * 8;
	unsigned char len[8];

	c->block[c->fill++] = 0x80;
	if (c->fill > 56) {
		memset(c->block + c->fill, 0, 64 - c->fill);
		wsproto_sha1_block(c, c->block);
		c->fill = 0;
	}
	memset(c->block + c->fill, 0, 56 - c->fill);
	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)(bits >> (56 - 8 * i));
	memcpy(c->block + 56, len, 8);
	wsproto_sha1_block(c, c->block);
	for (int i = 0; i < 20; i++)
		out[i] = (unsigned char)(c->h[i / 4] >> (24 - 8 * (i % 4)));
}

void
wsproto_sha1(const void *data, size_t n, unsigned char out[20])
{
	struct wsproto_sha1_ctx c;

	wsproto_sha1_init(&c);
	wsproto_sha1_update(&c, data, n);
	wsproto_sha1_final(&c, out);
}

size_t
wsproto_base64(const unsigned char *in, size_t n, char *out)
{
	static const char abc[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		size_t left = n - i;

		if (left > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (left > 2)
			v |= in[i + 2];
		out[o++] = abc[v >> 18 & 63];
		out[o++] = abc[v >> 12 & 63];
		out[o++] = left > 1 ? abc[v >> 6 & 63] : '=';
		out[o++] = left > 2 ? abc[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

void
wsproto_accept(const char *key, char out[WSPROTO_ACCEPT_LEN + 1])
{
	struct wsproto_sha1_ctx c;
	unsigned char md[20];

	wsproto_sha1_init(&c);
	wsproto_sha1_update(&c, key, strlen(key));
	wsproto_sha1_update(&c, WSPROTO_GUID, sizeof(WSPROTO_GUID) - 1);
	wsproto_sha1_final(&c, md);
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
