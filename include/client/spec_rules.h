/* spec_rules.h: what a workflow's spec says about its groups that the status API does not. */
#ifndef OSMO_CLIENT_SPEC_RULES_H
#define OSMO_CLIENT_SPEC_RULES_H

#include <stddef.h>

#include "common/util.h"

/*
 * Adds to strict the names of the groups whose spec sets ignoreNonleadStatus to false (any
 * failing task fails them); every other group's status follows its lead, the default. Reads
 * the spec as YAML (block or flow style, tags); a spec that does not load adds nothing, so an
 * unsure answer is the default.
 */
void spec_rules_strict_groups(const char *yaml, size_t len, struct strv *strict);

/* What a task's spec says that the status API does not, by the label the details give it. */
#define SPEC_TASK_FIELDS(_)                                                                  \
	_(IMAGE, "image")                                                                    \
	_(COMMAND, "command")   /* command then args, by spaces, cut at the first newline */ \
	_(RESOURCE, "resource") /* the profile and what it asks: "big: cpu:16, gpu:8" */     \
	_(INPUTS, "inputs")     /* "task:prep, url:s3://..." */                              \
	_(OUTPUTS, "outputs")

enum spec_task_field {
#define SPEC_TASK_ENUM(id, label) SPEC_TASK_##id,
	SPEC_TASK_FIELDS(SPEC_TASK_ENUM)
#undef SPEC_TASK_ENUM
	        SPEC_TASK_COUNT
};

/* One line per field, NULL when the spec does not say. */
struct spec_task {
	char *v[SPEC_TASK_COUNT];
};

/* A field's label, e.g. "image". */
const char *spec_rules_task_label(enum spec_task_field f);

/* Fills out for the task called name in the spec yaml; false when the spec has none. */
bool spec_rules_task(const char *yaml, size_t len, const char *name, struct spec_task *out);
void spec_rules_task_free(struct spec_task *t);

#endif
