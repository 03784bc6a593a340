/* spec_rules.c: what a workflow's spec says about its groups that the status API does not. */
#include "client/spec_rules.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SPEC_RULES_MAX_COL 256

/* The value after "key:" on a line, unquoted, without a comment; NULL if the key differs. */
static char *
spec_rules_value(const char *line, size_t len, const char *key)
{
	size_t kl = strlen(key), start, end;

	if (len <= kl || strncmp(line, key, kl) != 0 || line[kl] != ':')
		return NULL;
	start = kl + 1;
	while (start < len && (line[start] == ' ' || line[start] == '\t'))
		start++;
	end = start;
	while (end < len && line[end] != '#')
		end++;
	while (end > start && isspace((unsigned char)line[end - 1]))
		end--;
	if (end - start >= 2 && (line[start] == '"' || line[start] == '\'') &&
	    line[end - 1] == line[start]) {
		start++;
		end--;
	}
	return xstrndup(line + start, end - start);
}

static int
spec_rules_is_false(const char *v)
{
	static const char *const falsy[] = { "false", "no", "off" };

	for (size_t i = 0; i < ARRAY_SIZE(falsy); i++)
		if (strcasecmp(v, falsy[i]) == 0)
			return 1;
	return 0;
}

void
spec_rules_strict_groups(const char *yaml, size_t len, struct strv *strict)
{
	/* The last `name:` seen at each key column: the mapping a sibling key belongs to. */
	char *names[SPEC_RULES_MAX_COL] = { 0 };
	/* A false seen before its mapping's name (keys in any order). */
	int pending[SPEC_RULES_MAX_COL] = { 0 };
	const char *p = yaml, *end = yaml + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t col = 0;
		char *v;

		while (col < n && p[col] == ' ')
			col++;
		/* "- key: v" starts a new mapping whose keys sit two columns right of the dash. */
		if (col + 1 < n && p[col] == '-' && p[col + 1] == ' ') {
			for (size_t c = col; c < SPEC_RULES_MAX_COL; c++) {
				free(names[c]);
				names[c] = NULL;
				pending[c] = 0;
			}
			col += 2;
			while (col < n && p[col] == ' ')
				col++;
		}
		if (col < SPEC_RULES_MAX_COL) {
			if ((v = spec_rules_value(p + col, n - col, "name"))) {
				free(names[col]);
				names[col] = v;
				if (pending[col] && !strv_contains(strict, v))
					strv_push(strict, v);
				pending[col] = 0;
			} else if ((v = spec_rules_value(p + col, n - col,
			                                 "ignoreNonleadStatus"))) {
				if (spec_rules_is_false(v)) {
					if (names[col] && !strv_contains(strict, names[col]))
						strv_push(strict, names[col]);
					else if (!names[col])
						pending[col] = 1;
				}
				free(v);
			}
		}
		p += n + 1;
	}
	for (size_t c = 0; c < SPEC_RULES_MAX_COL; c++)
		free(names[c]);
}
