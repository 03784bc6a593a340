/* golden.c: golden-file comparison for rendered canvases and other text. */
#include "golden.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/util.h"
#include "tui/text.h"

const char *
golden_fixtures_dir(void)
{
	const char *d = getenv("FIXTURES");

	return d && d[0] ? d : "tests/fixtures";
}

char *
golden_fixture_path(const char *name)
{
	char *rel = xasprintf("%s/%s", golden_fixtures_dir(), name);
	char *abs = realpath(rel, NULL);

	if (!abs)
		fprintf(stderr, "golden: no fixture %s\n", rel);
	free(rel);
	return abs;
}

bool
golden_write_routes(const char *path, const char *const *lines, size_t n)
{
	FILE *f = fopen(path, "w");
	bool ok = f != NULL;

	for (size_t i = 0; ok && i < n; i++) {
		const char *at = strchr(lines[i], '@');
		size_t len = at ? strcspn(at + 1, " ") : 0;
		char *name = at ? xstrndup(at + 1, len) : NULL;
		char *abs = name ? golden_fixture_path(name) : NULL;

		if (!at)
			fprintf(f, "%s\n", lines[i]);
		else if (abs)
			fprintf(f, "%.*s%s%s\n", (int)(at - lines[i]), lines[i], abs, at + 1 + len);
		ok = !at || abs;
		free(name);
		free(abs);
	}
	if (f && fclose(f) != 0)
		ok = false;
	return ok;
}

int
golden_fixture_server(struct proc *p, const char *routes, const char *const *lines, size_t n,
                      const char *log)
{
	char *bin = xasprintf("%s/tests/fixture_server", proc_build_dir());
	char *argv[] = { bin, "--routes", (char *)routes, "--lifetime", "120", NULL, NULL, NULL };
	int rc = -1;

	if (log) {
		argv[5] = "--log";
		argv[6] = (char *)log;
	}
	if (golden_write_routes(routes, lines, n))
		rc = proc_start_server(p, argv, 10000);
	free(bin);
	return rc;
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

/* UPDATE_GOLDEN=1: writes actual over a golden that differs, saying so; false if it cannot. */
static bool
golden_update(const char *path, const char *want, const char *actual)
{
	size_t n = strlen(actual);
	FILE *f;
	bool ok;

	if (want && strcmp(want, actual) == 0)
		return true;
	f = fopen(path, "wb");
	ok = f && fwrite(actual, 1, n, f) == n;
	if (f && fclose(f) != 0)
		ok = false;
	fprintf(stderr, ok ? "golden: rewrote %s\n" : "golden: cannot write %s\n", path);
	return ok;
}

bool
golden_check(const char *name, const char *actual)
{
	const char *dir = getenv("GOLDEN_DIR");
	char *path = xasprintf("%s/%s", dir && dir[0] ? dir : "tests/golden", name);
	const char *update = getenv("UPDATE_GOLDEN");
	char *want = util_read_file(path, NULL);
	bool ok;

	if (update && strcmp(update, "1") == 0)
		ok = golden_update(path, want, actual);
	else if (!want) {
		fprintf(stderr, "golden: %s is missing; run UPDATE_GOLDEN=1 make test\n", path);
		ok = false;
	} else if (!(ok = strcmp(want, actual) == 0)) {
		fprintf(stderr, "golden: %s differs (UPDATE_GOLDEN=1 make test rewrites it)\n",
		        path);
		golden_first_difference(want, actual);
	}
	free(want);
	free(path);
	return ok;
}

/* Every test binary measures text as osmotop does, whatever the developer's locale. */
__attribute__((constructor)) static void
golden_locale(void)
{
	text_locale();
}
