/* spec_dump.c: a spec as the service writes it back: yaml.dump of the workflow it loaded. */
#include "server/spec_dump.h"

#include <stdlib.h>
#include <string.h>

#include "common/yaml.h"

/*
 * Sets each env_vars item in the task's environment, as update_env_vars does
 * (workflow_service.py:395-414): the value ends at a second '=', since the service takes
 * item.split('=')[1].
 */
static void
spec_dump_env(struct yaml_doc *doc, struct yaml_node *task, const struct strv *env_vars)
{
	struct yaml_node *env;

	if (!task || task->type != YAML_TYPE_MAP)
		return;
	env = yaml_map_get(task, "environment", NULL);
	env = env && env->type == YAML_TYPE_MAP ? yaml_doc_map_copy(doc, env) : yaml_doc_map(doc);
	for (size_t i = 0; i < env_vars->n; i++) {
		const char *kv = env_vars->v[i], *eq = strchr(kv, '=');
		char *key, *value;

		if (!eq)
			continue;
		key = xstrndup(kv, (size_t)(eq - kv));
		value = xstrndup(eq + 1, strcspn(eq + 1, "="));
		yaml_map_set(doc, env, key, yaml_doc_scalar(doc, YAML_TYPE_STR, value));
		free(value);
		free(key);
	}
	yaml_map_set(doc, task, "environment", env);
}

/* Every task of the workflow: its tasks, or its groups' tasks. */
static void
spec_dump_tasks(struct yaml_doc *doc, struct yaml_node *wf, const struct strv *env_vars)
{
	struct yaml_node *tasks = yaml_map_get(wf, "tasks", NULL);
	struct yaml_node *groups = yaml_map_get(wf, "groups", NULL);

	for (size_t i = 0; tasks && tasks->type == YAML_TYPE_SEQ && i < tasks->n; i++)
		spec_dump_env(doc, tasks->items[i], env_vars);
	for (size_t g = 0; groups && groups->type == YAML_TYPE_SEQ && g < groups->n; g++) {
		tasks = yaml_map_get(groups->items[g], "tasks", NULL);
		for (size_t i = 0; tasks && tasks->type == YAML_TYPE_SEQ && i < tasks->n; i++)
			spec_dump_env(doc, tasks->items[i], env_vars);
	}
}

char *
spec_dump_stored(const char *text, const struct strv *env_vars, const char **problem)
{
	struct yaml_doc doc = { 0 };
	struct yaml_error err;
	struct strbuf sb = { 0 };
	struct yaml_node *wf;
	char *out = NULL;

	if (yaml_load(text, strlen(text), NULL, &doc, &err) < 0) {
		*problem = err.problem ? err.problem : "the spec does not load";
		return NULL;
	}
	wf = yaml_map_get(doc.root, "workflow", NULL);
	if (env_vars && env_vars->n && wf && wf->type == YAML_TYPE_MAP)
		spec_dump_tasks(&doc, wf, env_vars);
	/* The service dumps its stored spec with allow_unicode (objects.py:1041). */
	if (yaml_dump(doc.root, true, &sb, problem) == 0)
		out = strbuf_detach(&sb);
	strbuf_free(&sb);
	yaml_doc_free(&doc);
	return out;
}
