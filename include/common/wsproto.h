/* wsproto.h: the WebSocket handshake digest and OSMO's router messages, shared by osmotop and osmo-local. */
#ifndef OSMO_COMMON_WSPROTO_H
#define OSMO_COMMON_WSPROTO_H

#include <stddef.h>
#include <stdint.h>

#define WSPROTO_KEY_LEN    24 /* base64 of the 16 random bytes of Sec-WebSocket-Key */
#define WSPROTO_ACCEPT_LEN 28 /* base64 of a SHA-1 digest */
#define WSPROTO_RESIZE     "\0RESIZE:"
#define WSPROTO_RESIZE_LEN 8
#define WSPROTO_UDP_HDR    6 /* IPv4 address and port of the local peer, network order */

/* SHA-1 (RFC 3174) of n bytes. */
void wsproto_sha1(const void *data, size_t n, unsigned char out[20]);
/* Standard base64 with padding; out needs 4 * ((n + 2) / 3) + 1 bytes. Returns the length. */
size_t wsproto_base64(const unsigned char *in, size_t n, char *out);
/* Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 §4.2.2). */
void wsproto_accept(const char *key, char out[WSPROTO_ACCEPT_LEN + 1]);

/* Exec's first message, {"Rows": R, "Cols": C}; returns its length (< cap) or 0 if cap is short. */
size_t wsproto_size_msg(int rows, int cols, char *buf, size_t cap);
/* The same behind the "\0RESIZE:" prefix, as sent on every window change. */
size_t wsproto_resize_msg(int rows, int cols, char *buf, size_t cap);
/* Reads a flat size object with keys matched case-insensitively; 0, or -1 if malformed. */
int wsproto_parse_size(const char *json, size_t n, int *rows, int *cols);

/* Port-forward UDP: every message starts with the local peer's address and port. */
void wsproto_udp_pack(uint32_t addr_be, uint16_t port_be, unsigned char hdr[WSPROTO_UDP_HDR]);
void wsproto_udp_unpack(const unsigned char hdr[WSPROTO_UDP_HDR], uint32_t *addr_be,
                        uint16_t *port_be);

#endif
