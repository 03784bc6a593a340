/* error.c: filling and naming api_error values. */
#include "error.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

void
api_error_set(struct api_error *err, enum api_error_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	err->kind = kind;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	/* Messages quote servers and peers and end up on terminals: no control byte survives,
	 * C0, DEL, nor C1 (U+0080..U+009F as UTF-8, which some terminals obey too). */
	for (unsigned char *p = (unsigned char *)err->message; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			*p = ' ';
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			p[0] = p[1] = '?';
	}
}

void
api_error_clear(struct api_error *err)
{
	memset(err, 0, sizeof(*err));
}

static const char *const api_error_names[] = {
	[API_OK] = "ok",
	[API_ERR_TRANSPORT] = "connection failed",
	[API_ERR_TIMEOUT] = "timed out",
	[API_ERR_HTTP] = "server error",
	[API_ERR_AUTH] = "not authorised",
	[API_ERR_DECODE] = "bad response",
	[API_ERR_TOO_LARGE] = "response too large",
	[API_ERR_CANCELLED] = "cancelled",
	[API_ERR_USAGE] = "usage",
};

const char *
api_error_kind_name(enum api_error_kind kind)
{
	if ((size_t)kind >= ARRAY_SIZE(api_error_names) || !api_error_names[kind])
		return "error";
	return api_error_names[kind];
}
