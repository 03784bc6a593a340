/* error.c: filling and naming api_error values. */
#include "client/api_error.h"

#include <stdio.h>
#include <string.h>

#include "common/util.h"

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
	/* Messages quote servers and peers and end up on terminals: no control byte survives
	 * (C0, DEL, C1), nor a bidi control or separator that would show other text. */
	for (size_t i = 0, n = strlen(err->message); i < n;) {
		size_t k = utf8_unsafe_len(err->message + i, n - i);

		if (!k) {
			i++;
			continue;
		}
		memset(err->message + i, k == 1 ? ' ' : '?', k);
		i += k;
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
