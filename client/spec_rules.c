/* spec_rules.c: what a workflow's spec says about its groups that the status API does not. */
#include "client/spec_rules.h"

#include <strings.h>

#include "common/yaml.h"

/* pydantic's lax bool reads these as false, written plain, quoted or tagged. */
static bool
spec_rules_is_false(const struct yaml_node *v)
{
	static const char *const falsy[] = { "false", "no", "off" };
	const char *s = yaml_scalar(v);

	if (!s || (v->type != YAML_TYPE_BOOL && v->type != YAML_TYPE_STR))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(falsy); i++)
		if (strcasecmp(s, falsy[i]) == 0)
			return true;
	return false;
}

/*
 * Every mapping with a name and ignoreNonleadStatus false, in document order; a task's own
 * key lands on the task, which the caller never looks up as a group.
 */
static void
spec_rules_walk(const struct yaml_node *node, struct strv *strict, unsigned depth)
{
	if (!node || depth > YAML_MAX_DEPTH)
		return;
	if (node->type == YAML_TYPE_SEQ) {
		for (size_t i = 0; i < node->n; i++)
			spec_rules_walk(node->items[i], strict, depth + 1);
		return;
	}
	if (node->type != YAML_TYPE_MAP)
		return;
	const char *name = yaml_scalar(yaml_map_get(node, "name", NULL));
	if (name && spec_rules_is_false(yaml_map_get(node, "ignoreNonleadStatus", NULL)) &&
	    !strv_contains(strict, name))
		strv_push(strict, name);
	for (size_t i = 0; i < node->n; i++)
		spec_rules_walk(node->pairs[i].value, strict, depth + 1);
}

void
spec_rules_strict_groups(const char *yaml, size_t len, struct strv *strict)
{
	struct yaml_doc doc;
	struct yaml_error err;

	if (yaml_load(yaml, len, NULL, &doc, &err) < 0)
		return;
	spec_rules_walk(doc.root, strict, 0);
	yaml_doc_free(&doc);
}
