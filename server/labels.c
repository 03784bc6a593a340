/* labels.c: OSMO's workflow labels: Kubernetes keys and values, K=V assignments, list selectors. */
#include "server/labels.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The longest label name and DNS label (63) and DNS prefix (253) Kubernetes takes. */
#define LABELS_NAME_MAX   63
#define LABELS_PREFIX_MAX 253

static bool
labels_alnum(char c, bool upper)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (upper && c >= 'A' && c <= 'Z');
}

/*
 * _LABEL_NAME_PATTERN (upper) or _DNS_LABEL_PATTERN: 1 to 63 characters, alphanumeric at
 * both ends, and '-' inside (with upper, '_' and '.' too).
 */
static bool
labels_name_ok(const char *s, size_t n, bool upper)
{
	if (n == 0 || n > LABELS_NAME_MAX || !labels_alnum(s[0], upper) ||
	    !labels_alnum(s[n - 1], upper))
		return false;
	for (size_t i = 1; i + 1 < n; i++)
		if (!labels_alnum(s[i], upper) && s[i] != '-' &&
		    !(upper && (s[i] == '_' || s[i] == '.')))
			return false;
	return true;
}

/* _DNS_PREFIX_PATTERN: DNS labels joined by '.', 253 characters at most. */
static bool
labels_prefix_ok(const char *s, size_t n)
{
	size_t start = 0;

	if (n == 0 || n > LABELS_PREFIX_MAX)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		if (!labels_name_ok(s + start, i - start, false))
			return false;
		start = i + 1;
	}
	return true;
}

/* validate_workflow_label_key: NAME or PREFIX/NAME (workflow_labels.py:50-79). */
char *
labels_key_error(const char *key)
{
	const char *slash = strchr(key, '/');
	const char *name = slash ? slash + 1 : key;

	if (slash && strchr(name, '/'))
		return xasprintf("Workflow label key \"%s\" is not a valid Kubernetes label key.",
		                 key);
	if (slash && !labels_prefix_ok(key, (size_t)(slash - key)))
		return xasprintf("Workflow label key \"%s\" has an invalid DNS prefix.", key);
	if (!labels_name_ok(name, strlen(name), true))
		return xasprintf("Workflow label key \"%s\" has an invalid name segment.", key);
	return NULL;
}

/* validate_workflow_label_value (workflow_labels.py:82-86). */
char *
labels_value_error(const char *value)
{
	if (labels_name_ok(value, strlen(value), true))
		return NULL;
	return xasprintf(
	        "Workflow label value \"%s\" is not a valid non-empty Kubernetes label value.",
	        value);
}

/* validate_workflow_labels: the count, then each key and its value in order. */
static char *
labels_check(const struct eng_label *v, size_t n)
{
	char *why = NULL;

	if (n > LABELS_MAX)
		return xasprintf("Workflows can have at most %d labels.", LABELS_MAX);
	for (size_t i = 0; i < n && !why; i++) {
		why = labels_key_error(v[i].key);
		if (!why)
			why = labels_value_error(v[i].value);
	}
	return why;
}

/* A dict's item assignment: a key it has keeps its place. */
static void
labels_set(struct eng_label **v, size_t *n, const char *key, const char *value)
{
	for (size_t i = 0; i < *n; i++) {
		if (strcmp((*v)[i].key, key) == 0) {
			free((*v)[i].value);
			(*v)[i].value = xstrdup(value);
			return;
		}
	}
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = (struct eng_label){ xstrdup(key), xstrdup(value) };
}

/* objects.py:986-990: each assignment parsed and checked (parse_workflow_label_assignment),
 * set over the map, and the map checked whole. */
int
labels_assign(struct eng_label **v, size_t *n, const struct strv *assignments, char **why)
{
	*why = NULL;
	for (size_t i = 0; assignments && i < assignments->n && !*why; i++) {
		const char *kv = assignments->v[i];
		const char *eq = strchr(kv, '=');
		char *key;

		if (!eq) {
			*why = xstrdup("Workflow labels must use key=value format.");
			break;
		}
		key = xstrndup(kv, (size_t)(eq - kv));
		*why = labels_key_error(key);
		if (!*why)
			*why = labels_value_error(eq + 1);
		if (!*why)
			labels_set(v, n, key, eq + 1);
		free(key);
	}
	if (!*why)
		*why = labels_check(*v, *n);
	return *why ? -1 : 0;
}

/* One part of a selector's value: a literal (one alternative) or an (a|b) group. */
struct labels_segment {
	struct strv alternatives;
};

static void
labels_segments_free(struct labels_segment *segs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		strv_free(&segs[i].alternatives);
	free(segs);
}

/* Splits value into literals and (a|b) groups, as _expand_workflow_label_selector_value. */
static int
labels_segments(const char *value, struct labels_segment **segs, size_t *n, char **why)
{
	static const char format[] =
	        "Workflow label selector alternatives must use (value|value) format.";
	struct strbuf lit = { 0 };
	const char *p = value;

	*segs = NULL;
	*n = 0;
	while (*p && !*why) {
		const char *close;
		struct labels_segment *seg;

		if (*p == ')' || *p == '|') {
			*why = xstrdup(format);
			break;
		}
		if (*p != '(') {
			strbuf_addch(&lit, *p++);
			continue;
		}
		if (lit.len) {
			*segs = xreallocarray(*segs, *n + 1, sizeof(**segs));
			(*segs)[*n] = (struct labels_segment){ 0 };
			strv_push(&(*segs)[(*n)++].alternatives, lit.buf);
			strbuf_reset(&lit);
		}
		close = strchr(p + 1, ')');
		if (!close) {
			*why = xstrdup(format);
			break;
		}
		*segs = xreallocarray(*segs, *n + 1, sizeof(**segs));
		seg = &(*segs)[(*n)++];
		*seg = (struct labels_segment){ 0 };
		for (const char *a = p + 1;; a++) {
			const char *end = a + strcspn(a, "|)");

			if (!*why && memchr(a, '(', (size_t)(end - a)))
				*why = xstrdup(
				        "Workflow label selector alternatives cannot be nested.");
			strv_push_owned(&seg->alternatives, xstrndup(a, (size_t)(end - a)));
			a = end;
			if (*a == ')')
				break;
		}
		for (size_t i = 0; i < seg->alternatives.n && !*why; i++)
			if (seg->alternatives.n < 2 || !*seg->alternatives.v[i])
				*why = xstrdup(
				        "Workflow label selector alternatives must contain at "
				        "least two non-empty values.");
		p = close + 1;
	}
	if (lit.len && !*why) {
		*segs = xreallocarray(*segs, *n + 1, sizeof(**segs));
		(*segs)[*n] = (struct labels_segment){ 0 };
		strv_push(&(*segs)[(*n)++].alternatives, lit.buf);
	}
	strbuf_free(&lit);
	return *why ? -1 : 0;
}

/* Every pick of one alternative per segment, the first segment slowest (itertools.product),
 * runs of '*' made one, each pattern once in the order first made. */
static void
labels_product(const struct labels_segment *segs, size_t n, struct strv *out)
{
	size_t *pick = xcalloc(n + 1, sizeof(*pick));

	for (;;) {
		struct strbuf sb = { 0 };
		size_t i;

		strbuf_addstr(&sb, "");
		for (i = 0; i < n; i++)
			for (const char *c = segs[i].alternatives.v[pick[i]]; *c; c++)
				if (*c != '*' || !sb.len || sb.buf[sb.len - 1] != '*')
					strbuf_addch(&sb, *c);
		if (strv_contains(out, sb.buf))
			strbuf_free(&sb);
		else
			strv_push_owned(out, strbuf_detach(&sb));
		for (i = n; i > 0 && ++pick[i - 1] == segs[i - 1].alternatives.n; i--)
			pick[i - 1] = 0;
		if (i == 0)
			break;
	}
	free(pick);
}

int
labels_selector_parse(const char *text, struct labels_selector *out, char **why)
{
	const char *eq = strchr(text, '=');
	struct labels_segment *segs = NULL;
	size_t nsegs = 0, product = 1;

	*out = (struct labels_selector){ 0 };
	*why = NULL;
	if (strlen(text) > LABELS_SELECTOR_MAX_BYTES) {
		*why = xasprintf("Workflow label selectors can be at most %d bytes.",
		                 LABELS_SELECTOR_MAX_BYTES);
		return -1;
	}
	if (!eq) {
		*why = xstrdup("Workflow label selectors must use key=value format.");
		return -1;
	}
	out->key = xstrndup(text, (size_t)(eq - text));
	*why = labels_key_error(out->key);
	if (!*why && labels_segments(eq + 1, &segs, &nsegs, why) == 0) {
		/* Counted before the runs of '*' are folded and the duplicates dropped. */
		for (size_t i = 0; i < nsegs && product <= LABELS_SELECTOR_PATTERNS; i++)
			product *= segs[i].alternatives.n;
		if (product > LABELS_SELECTOR_PATTERNS)
			*why = xasprintf(
			        "Workflow label selectors can expand to at most %d patterns.",
			        LABELS_SELECTOR_PATTERNS);
		else
			labels_product(segs, nsegs, &out->patterns);
	}
	/* '*' is no label character: each pattern is checked with a stand-in for it. */
	for (size_t i = 0; i < out->patterns.n && !*why; i++) {
		char *stand_in = xstrdup(out->patterns.v[i]);

		for (char *c = stand_in; *c; c++)
			if (*c == '*')
				*c = 'a';
		*why = labels_value_error(stand_in);
		free(stand_in);
	}
	labels_segments_free(segs, nsegs);
	if (*why)
		labels_selector_free(out);
	return *why ? -1 : 0;
}

/* SQL's LIKE with '*' as its '%': anchored at both ends, case sensitive. */
static bool
labels_glob(const char *pat, const char *s)
{
	const char *star = NULL, *resume = NULL;

	while (*s) {
		if (*pat == '*') {
			star = pat++;
			resume = s;
		} else if (*pat == *s) {
			pat++;
			s++;
		} else if (star) {
			pat = star + 1;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return !*pat;
}

const char *
labels_get(const struct eng_label *v, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].key, key) == 0)
			return v[i].value;
	return NULL;
}

/* helpers.py:51-84: "*" asks for the key; else any pattern matches its value. */
bool
labels_selector_match(const struct labels_selector *sel, const struct eng_label *v, size_t n)
{
	const char *value = labels_get(v, n, sel->key);

	if (!value)
		return false;
	for (size_t i = 0; i < sel->patterns.n; i++)
		if (labels_glob(sel->patterns.v[i], value))
			return true;
	return false;
}

void
labels_selector_free(struct labels_selector *sel)
{
	free(sel->key);
	strv_free(&sel->patterns);
	*sel = (struct labels_selector){ 0 };
}

void
labels_copy(const struct eng_label *from, size_t n, struct eng_label **out, size_t *n_out)
{
	*out = n ? xcalloc(n, sizeof(**out)) : NULL;
	for (size_t i = 0; i < n; i++)
		(*out)[i] = (struct eng_label){ xstrdup(from[i].key), xstrdup(from[i].value) };
	*n_out = n;
}

void
labels_free(struct eng_label *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].value);
	}
	free(v);
}
