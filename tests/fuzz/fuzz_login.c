/* fuzz_login.c: login.yaml loaded, and what loads written back and loaded again unchanged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/login.h"
#include "fuzz.h"

/* Both NULL or the same text. */
static void
fuzz_login_same(const char *a, const char *b)
{
	if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file(data, size);
	struct login l = { 0 }, again = { 0 };
	struct api_error err = { 0 };
	char out[80];
	bool loose;

	if (login_load(path, &l, &loose, &err) < 0)
		return 0;
	snprintf(out, sizeof(out), "%s.out", path);
	if (login_save(out, &l, &err) == 0) {
		if (login_load(out, &again, &loose, &err) < 0 || again.kind != l.kind)
			abort();
		fuzz_login_same(l.url, again.url);
		fuzz_login_same(l.id_token, again.id_token);
		fuzz_login_same(l.refresh_token, again.refresh_token);
		fuzz_login_same(l.refresh_url, again.refresh_url);
		fuzz_login_same(l.dev_username, again.dev_username);
		login_free(&again);
		unlink(out);
	}
	login_free(&l);
	return 0;
}
