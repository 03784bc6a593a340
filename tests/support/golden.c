/* golden.c: golden-file comparison for rendered canvases and other text. */
#include "golden.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

char *
golden_read_file(const char *path, size_t *len)
{
	return util_read_file(path, len);
}

const char *
golden_fixtures_dir(void)
{
	const char *d = getenv("FIXTURES");

	return d && d[0] ? d : "tests/fixtures";
}

static void
golden_first_difference(const char *want, const char *got)
{
	int line = 1;
	const char *w = want, *g = got;

	while (*w && *w == *g) {
		if (*w == '\n')
			line++;
		w++;
		g++;
	}
	const char *wl = w, *gl = g;

	while (wl > want && wl[-1] != '\n')
		wl--;
	while (gl > got && gl[-1] != '\n')
		gl--;
	fprintf(stderr, "first difference at line %d:\n  want: %.*s\n  got:  %.*s\n", line,
	        (int)strcspn(wl, "\n"), wl, (int)strcspn(gl, "\n"), gl);
}

bool
golden_check(const char *name, const char *actual)
{
	const char *dir = getenv("GOLDEN_DIR");
	char *path = xasprintf("%s/%s", dir && dir[0] ? dir : "tests/golden", name);
	const char *update = getenv("UPDATE_GOLDEN");
	char *want;
	bool ok;

	if (update && strcmp(update, "1") == 0) {
		FILE *f = fopen(path, "wb");

		ok = f && fwrite(actual, 1, strlen(actual), f) == strlen(actual);
		if (f)
			fclose(f);
		if (!ok)
			fprintf(stderr, "golden: cannot write %s\n", path);
		free(path);
		return ok;
	}
	want = golden_read_file(path, NULL);
	if (!want) {
		fprintf(stderr, "golden: %s is missing; run UPDATE_GOLDEN=1 make test\n", path);
		free(path);
		return false;
	}
	ok = strcmp(want, actual) == 0;
	if (!ok) {
		fprintf(stderr, "golden: %s differs (UPDATE_GOLDEN=1 make test rewrites it)\n",
		        path);
		golden_first_difference(want, actual);
	}
	free(want);
	free(path);
	return ok;
}
