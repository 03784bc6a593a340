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

#endif
