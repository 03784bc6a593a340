/*
 * fuzz_messages.c: what exec and port-forward parse of their peer's bytes and the user's words:
 * the resize scanner (whole or cut into messages, the same result), size objects, the entry
 * command's words, port specs and task ports.
 */
#include <stdlib.h>
#include <string.h>

#include "client/forward.h"
#include "common/util.h"
#include "common/wsproto.h"
#include "fuzz.h"
#include "server/router.h"
#include "server/router_exec.h"

/* What the scanner told: keyboard bytes, and each resize as "\0rows,cols". */
static void
fuzz_messages_keys(void *ctx, const unsigned char *data, size_t n)
{
	if (!n)
		abort(); /* the scanner never tells nothing */
	strbuf_add(ctx, data, n);
}

static void
fuzz_messages_resize(void *ctx, int rows, int cols)
{
	strbuf_addf(ctx, "%c%d,%d", '\0', rows, cols);
}

/* Scans data cut every `every` bytes (0: whole) into sb; returns what it still holds. */
static size_t
fuzz_messages_scan(const uint8_t *data, size_t size, size_t every, struct strbuf *sb)
{
	struct router_exec_scan scan = { 0 };
	struct router_exec_scan_out out = { fuzz_messages_keys, fuzz_messages_resize, sb };
	size_t held;

	for (size_t at = 0; at < size;) {
		size_t n = every && size - at > every ? every : size - at;

		router_exec_scan_feed(&scan, data + at, n, &out);
		at += n;
	}
	held = scan.held.len;
	router_exec_scan_free(&scan);
	return held;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf whole = { 0 }, cut = { 0 };
	struct strv words = { 0 };
	struct forward_port *ports = NULL;
	char *text = fuzz_text(data, size), *err = NULL;
	const char *why;
	int rows, cols;
	size_t n;
	long port;

	if (fuzz_messages_scan(data, size, 0, &whole) != fuzz_messages_scan(data, size, 3, &cut) ||
	    whole.len != cut.len || (whole.len && memcmp(whole.buf, cut.buf, whole.len) != 0))
		abort();
	strbuf_free(&whole);
	strbuf_free(&cut);
	if (wsproto_parse_size(text, size, &rows, &cols) == 0 && (rows < 0 || cols < 0))
		abort();
	if (router_exec_split(text, &words, &why) == 0)
		strv_free(&words);
	if (forward_ports_parse(text, &ports, &n, &err) == 0)
		free(ports);
	free(err);
	router_parse_port(text, &port);
	free(text);
	return 0;
}
