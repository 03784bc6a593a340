/* spec_diff.c: a line diff of two specs by their longest common subsequence: small texts, whole lines. */
#include "tui/spec_diff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* A text's lines as pointers and lengths, without their newlines. */
struct spec_diff_lines {
	const char **s;
	size_t *n;
	size_t count;
};

static void
spec_diff_split(const char *text, size_t len, struct spec_diff_lines *out)
{
	size_t cap = 16;

	out->s = xmalloc(cap * sizeof(*out->s));
	out->n = xmalloc(cap * sizeof(*out->n));
	out->count = 0;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;

		if (out->count == cap) {
			cap *= 2;
			out->s = xreallocarray(out->s, cap, sizeof(*out->s));
			out->n = xreallocarray(out->n, cap, sizeof(*out->n));
		}
		out->s[out->count] = text + i;
		out->n[out->count++] = end - i;
		i = end + 1;
	}
}

static void
spec_diff_free(struct spec_diff_lines *l)
{
	free(l->s);
	free(l->n);
}

static bool
spec_diff_same(const struct spec_diff_lines *a, size_t i, const struct spec_diff_lines *b, size_t j)
{
	return a->n[i] == b->n[j] && memcmp(a->s[i], b->s[j], a->n[i]) == 0;
}

static void
spec_diff_line(struct strbuf *sb, const char *mark, const char *s, size_t n)
{
	strbuf_addstr(sb, mark);
	strbuf_add(sb, s, n);
	strbuf_addch(sb, '\n');
}

char *
spec_diff(const char *old_text, size_t old_len, const char *new_text, size_t new_len,
          size_t *changed)
{
	struct spec_diff_lines a, b;
	struct strbuf sb = { 0 };
	uint16_t *lcs;
	size_t w, i = 0, j = 0;

	spec_diff_split(old_text, old_len, &a);
	spec_diff_split(new_text, new_len, &b);
	if (a.count > SPEC_DIFF_MAX_LINES || b.count > SPEC_DIFF_MAX_LINES) {
		spec_diff_free(&a);
		spec_diff_free(&b);
		return NULL;
	}
	/* lcs[i][j]: the longest common run of a's lines from i and b's from j. */
	w = b.count + 1;
	lcs = xcalloc((a.count + 1) * w, sizeof(*lcs));
	for (size_t x = a.count; x-- > 0;)
		for (size_t y = b.count; y-- > 0;)
			lcs[x * w + y] = spec_diff_same(&a, x, &b, y)
			                         ? (uint16_t)(lcs[(x + 1) * w + y + 1] + 1)
			                 : lcs[(x + 1) * w + y] > lcs[x * w + y + 1]
			                         ? lcs[(x + 1) * w + y]
			                         : lcs[x * w + y + 1];
	/* Every line outside the common subsequence is marked. */
	*changed = a.count + b.count - 2 * (size_t)lcs[0];
	while (i < a.count || j < b.count) {
		if (i < a.count && j < b.count && spec_diff_same(&a, i, &b, j)) {
			spec_diff_line(&sb, "  ", a.s[i], a.n[i]);
			i++;
			j++;
		} else if (i < a.count &&
		           (j == b.count || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) {
			/* Removed before added, as diff -u puts them. */
			spec_diff_line(&sb, "- ", a.s[i], a.n[i]);
			i++;
		} else {
			spec_diff_line(&sb, "+ ", b.s[j], b.n[j]);
			j++;
		}
	}
	free(lcs);
	spec_diff_free(&a);
	spec_diff_free(&b);
	return sb.len ? strbuf_detach(&sb) : xstrdup("");
}
