/* spec_rules.c: what a workflow's spec says about its groups that the status API does not. */
#include "client/spec_rules.h"

#include <stdlib.h>
#include <string.h>
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

/* The first mapping, depth first, named name that has an image: the task, not a group. */
static const struct yaml_node *
spec_rules_find_task(const struct yaml_node *node, const char *name, unsigned depth)
{
	const struct yaml_node *hit = NULL;

	if (!node || depth > YAML_MAX_DEPTH)
		return NULL;
	if (node->type == YAML_TYPE_MAP) {
		const char *n = yaml_scalar(yaml_map_get(node, "name", NULL));

		if (n && strcmp(n, name) == 0 && yaml_map_get(node, "image", NULL))
			return node;
		for (size_t i = 0; !hit && i < node->n; i++)
			hit = spec_rules_find_task(node->pairs[i].value, name, depth + 1);
	} else if (node->type == YAML_TYPE_SEQ) {
		for (size_t i = 0; !hit && i < node->n; i++)
			hit = spec_rules_find_task(node->items[i], name, depth + 1);
	}
	return hit;
}

/* A scalar, a sequence's scalars joined by sep, or a mapping's "key value" pairs; NULL when
 * empty. Only the first line of each: a script's body is the spec view's to show. */
static char *
spec_rules_flat(const struct yaml_node *node, const char *sep)
{
	struct strbuf sb = { 0 };

	if (!node)
		return NULL;
	if (yaml_scalar(node)) {
		const char *v = yaml_scalar(node);
		size_t line = strcspn(v, "\n");

		strbuf_add(&sb, v, line);
		/* More lines follow: say so, the first alone would read as the whole. */
		if (v[line] && v[line + 1])
			strbuf_addstr(&sb, " …");
	} else if (node->type == YAML_TYPE_SEQ) {
		for (size_t i = 0; i < node->n; i++) {
			char *item = spec_rules_flat(node->items[i], " ");

			if (item)
				strbuf_addf(&sb, "%s%s", sb.len ? sep : "", item);
			free(item);
		}
	} else if (node->type == YAML_TYPE_MAP) {
		for (size_t i = 0; i < node->n; i++) {
			char *v = spec_rules_flat(node->pairs[i].value, " ");

			strbuf_addf(&sb, "%s%s%s%s", sb.len ? sep : "",
			            yaml_scalar(node->pairs[i].key)
			                    ? yaml_scalar(node->pairs[i].key)
			                    : "",
			            v ? ":" : "", v ? v : "");
			free(v);
		}
	}
	if (!sb.len) {
		strbuf_free(&sb);
		return NULL;
	}
	return strbuf_detach(&sb);
}

bool
spec_rules_task(const char *yaml, size_t len, const char *name, struct spec_task *out)
{
	struct yaml_doc doc;
	struct yaml_error err;
	const struct yaml_node *t;

	memset(out, 0, sizeof(*out));
	if (!yaml || yaml_load(yaml, len, NULL, &doc, &err) < 0)
		return false;
	t = spec_rules_find_task(doc.root, name, 0);
	if (t) {
		char *cmd = spec_rules_flat(yaml_map_get(t, "command", NULL), " ");
		char *args = spec_rules_flat(yaml_map_get(t, "args", NULL), " ");
		const char *res = yaml_scalar(yaml_map_get(t, "resource", NULL));
		/* The profile the task names, else the implicit "default", from the top's resources. */
		const struct yaml_node *wf = yaml_map_get(doc.root, "workflow", NULL);
		const struct yaml_node *profiles =
		        yaml_map_get(wf ? wf : doc.root, "resources", NULL);
		char *profile =
		        spec_rules_flat(yaml_map_get(profiles, res ? res : "default", NULL), ", ");

		out->v[SPEC_TASK_IMAGE] = spec_rules_flat(yaml_map_get(t, "image", NULL), " ");
		out->v[SPEC_TASK_COMMAND] = cmd && args ? xasprintf("%s %s", cmd, args)
		                            : cmd       ? cmd
		                                        : args;
		if (cmd && args) {
			free(cmd);
			free(args);
		}
		out->v[SPEC_TASK_RESOURCE] = xasprintf("%s%s%s", res ? res : "default",
		                                       profile ? ": " : "", profile ? profile : "");
		free(profile);
		out->v[SPEC_TASK_INPUTS] = spec_rules_flat(yaml_map_get(t, "inputs", NULL), ", ");
		out->v[SPEC_TASK_OUTPUTS] = spec_rules_flat(yaml_map_get(t, "outputs", NULL), ", ");
	}
	yaml_doc_free(&doc);
	return t != NULL;
}

void
spec_rules_task_free(struct spec_task *t)
{
	for (size_t i = 0; i < SPEC_TASK_COUNT; i++) {
		free(t->v[i]);
		t->v[i] = NULL;
	}
}

const char *
spec_rules_task_label(enum spec_task_field f)
{
	static const char *const labels[] = {
#define SPEC_TASK_LABEL(id, label) label,
		SPEC_TASK_FIELDS(SPEC_TASK_LABEL)
#undef SPEC_TASK_LABEL
	};

	return (unsigned)f < SPEC_TASK_COUNT ? labels[f] : "";
}
