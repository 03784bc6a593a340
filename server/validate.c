/* validate.c: "osmo-local validate": render, parse and check a spec, printing every error. */
#include "server/validate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/spec.h"
#include "common/util.h"

static const char validate_usage[] =
        "usage: osmo-local validate SPEC.yaml [--set NAME=VALUE ...] "
        "[--set-string NAME=VALUE ...]\n"
        "Renders the spec's template as OSMO does (default-values, then --set values cast to\n"
        "int, then float, else string; --set-string values stay strings), then checks it.\n";

/* Reads at most SPEC_MAX_BYTES + 1 bytes, so an oversized file is reported, not swallowed. */
static int
validate_read(const char *path, struct strbuf *sb)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char buf[65536];
	size_t n;

	if (!f)
		return -1;
	while (sb->len <= SPEC_MAX_BYTES && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(sb, buf, n);
	int failed = ferror(f);
	if (f != stdin)
		fclose(f);
	if (failed) {
		errno = EIO;
		return -1;
	}
	strbuf_add(sb, "", 0);
	return 0;
}

/* A file name from the command line, with control bytes made harmless for the terminal. */
static char *
validate_printable(const char *s)
{
	char *p = xstrdup(s);

	for (char *q = p; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			*q = '?';
	return p;
}

int
validate_main(int argc, char **argv)
{
	struct strv set = { 0 }, set_string = { 0 }, errors = { 0 };
	struct strv *target = NULL;
	const char *path = NULL;
	struct strbuf text = { 0 };
	struct spec spec;
	char *name;
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(validate_usage, stdout);
			goto out;
		}
		if (strcmp(a, "--set") == 0 || strcmp(a, "--set-string") == 0) {
			target = strcmp(a, "--set") == 0 ? &set : &set_string;
			if (i + 1 >= argc || str_starts_with(argv[i + 1], "--")) {
				fprintf(stderr, "osmo-local validate: %s needs NAME=VALUE\n%s", a,
				        validate_usage);
				rc = 2;
				goto out;
			}
			continue;
		}
		if (str_starts_with(a, "--set=") || str_starts_with(a, "--set-string=")) {
			bool str = str_starts_with(a, "--set-string=");

			strv_push(str ? &set_string : &set, strchr(a, '=') + 1);
			target = NULL;
			continue;
		}
		if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "osmo-local validate: unknown option '%s'\n%s", a,
			        validate_usage);
			rc = 2;
			goto out;
		}
		/* Like the osmo CLI, --set takes every NAME=VALUE that follows it. */
		if (target && strchr(a, '=')) {
			strv_push(target, a);
			continue;
		}
		target = NULL;
		if (path) {
			fprintf(stderr, "osmo-local validate: one spec at a time\n%s",
			        validate_usage);
			rc = 2;
			goto out;
		}
		path = a;
	}
	if (!path) {
		fputs(validate_usage, stderr);
		rc = 2;
		goto out;
	}
	name = validate_printable(path);
	if (validate_read(path, &text) < 0) {
		fprintf(stderr, "%s: cannot read: %s\n", name, strerror(errno));
		free(name);
		rc = 1;
		goto out;
	}
	if (spec_load(text.buf, text.len, name, &set, &set_string, &spec, NULL, &errors) < 0) {
		for (size_t i = 0; i < errors.n; i++)
			fprintf(stderr, "%s\n", errors.v[i]);
		rc = 1;
	} else {
		printf("%s: ok (%zu group%s, %zu task%s)\n", name, spec.ngroups,
		       spec.ngroups == 1 ? "" : "s", spec_task_count(&spec),
		       spec_task_count(&spec) == 1 ? "" : "s");
	}
	spec_free(&spec);
	free(name);
out:
	strbuf_free(&text);
	strv_free(&errors);
	strv_free(&set);
	strv_free(&set_string);
	return rc;
}
