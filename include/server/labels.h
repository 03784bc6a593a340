/* labels.h: OSMO's workflow labels: Kubernetes keys and values, and K=V assignments over them. */
#ifndef OSMO_SERVER_LABELS_H
#define OSMO_SERVER_LABELS_H

#include <stddef.h>

#include "server/engine_model.h"

/* MAX_WORKFLOW_LABELS of OSMO's lib/utils/workflow_labels.py. */
#define LABELS_MAX 16

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
/* Copies n labels into *out (freed with labels_free). */
void labels_copy(const struct eng_label *from, size_t n, struct eng_label **out, size_t *n_out);
void labels_free(struct eng_label *v, size_t n);

#endif
