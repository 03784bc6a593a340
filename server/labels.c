/* labels.c: OSMO's workflow labels: Kubernetes keys and values, and K=V assignments over them. */
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
