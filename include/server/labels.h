/* labels.h: OSMO's workflow labels: Kubernetes keys and values, K=V assignments, list selectors. */
#ifndef OSMO_SERVER_LABELS_H
#define OSMO_SERVER_LABELS_H

#include <stdbool.h>
#include <stddef.h>

#include "server/engine_model.h"

/* MAX_WORKFLOW_LABELS and the selector limits of OSMO's lib/utils/workflow_labels.py. */
#define LABELS_MAX                16
#define LABELS_SELECTOR_MAX_BYTES 4096
#define LABELS_SELECTOR_PATTERNS  32

/* Why key is not a Kubernetes label key, in the service's words (owned), or NULL. */
char *labels_key_error(const char *key);
/* Why value is not a non-empty Kubernetes label value (owned), or NULL. */
char *labels_value_error(const char *value);

/*
 * Sets each "K=V" of assignments on the n labels of *v (a key it has keeps its place, a new
 * one goes last), then checks the whole map, as the service merges --label over a spec's
 * labels. Returns 0, or -1 with *why (owned): the service's first complaint.
 */
int labels_assign(struct eng_label **v, size_t *n, const struct strv *assignments, char **why);
/*
 * A list's label selector, KEY=VALUE: a workflow matches when its KEY has a value one of the
 * patterns matches, '*' standing for any run of characters; a pattern "*" alone asks only that
 * KEY is there. (a|b) groups in VALUE are multiplied out into the patterns.
 */
struct labels_selector {
	char *key;
	struct strv patterns;
};

/* parse_workflow_label_selector: 0, or -1 with *why (owned), in the service's words. */
int labels_selector_parse(const char *text, struct labels_selector *out, char **why);
bool labels_selector_match(const struct labels_selector *sel, const struct eng_label *v, size_t n);
void labels_selector_free(struct labels_selector *sel);
/* The value of key among the n labels of v, or NULL. */
const char *labels_get(const struct eng_label *v, size_t n, const char *key);

/* Copies n labels into *out (freed with labels_free). */
void labels_copy(const struct eng_label *from, size_t n, struct eng_label **out, size_t *n_out);
void labels_free(struct eng_label *v, size_t n);

#endif
