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

/* What a task's spec says that the status API does not: one line each, NULL when unsaid. */
struct spec_task {
	char *image;
	char *command;  /* command then args, joined by spaces, cut at the first newline */
	char *resource; /* the profile's name and what it asks: "default: cpu 8, gpu 2, ..." */
	char *inputs;   /* "task:train, url:s3://..." */
	char *outputs;
};

/* Fills out for the task called name in the spec yaml; false when the spec has none. */
bool spec_rules_task(const char *yaml, size_t len, const char *name, struct spec_task *out);
void spec_rules_task_free(struct spec_task *t);

#endif
