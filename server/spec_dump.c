/* spec_dump.c: a spec as the service writes it back: a dry run's text and the spec it keeps. */
#include "server/spec_dump.h"

#include <stdlib.h>
#include <string.h>

#include "common/yaml.h"

/* Whether v is a field's default: each kind of default, and the text of a string one. */
struct spec_dump_field {
	const char *key;
	bool (*is_default)(const struct yaml_node *v, const char *text);
	const char *text;
};

/* saved_spec deletes it whatever it is. */
static bool
spec_dump_always(const struct yaml_node *v, const char *text)
{
	(void)v, (void)text;
	return true;
}

static bool
spec_dump_empty(const struct yaml_node *v, const char *text)
{
	(void)text;
	return (v->type == YAML_TYPE_SEQ || v->type == YAML_TYPE_MAP) && v->n == 0;
}

static bool
spec_dump_false(const struct yaml_node *v, const char *text)
{
	(void)text;
	return v->type == YAML_TYPE_BOOL && !yaml_bool_value(v->value);
}

static bool
spec_dump_true(const struct yaml_node *v, const char *text)
{
	(void)text;
	return v->type == YAML_TYPE_BOOL && yaml_bool_value(v->value);
}

static bool
spec_dump_null(const struct yaml_node *v, const char *text)
{
	(void)text;
	return v->type == YAML_TYPE_NULL;
}

static bool
spec_dump_text(const struct yaml_node *v, const char *text)
{
	return v->type == YAML_TYPE_STR && strcmp(v->value, text) == 0;
}

/* TaskSpec's defaults (utils/job/task.py:437-458) and the two saved_spec deletes (808-814). */
static const struct spec_dump_field spec_dump_task_defaults[] = {
	{ "inputs", spec_dump_empty, NULL },      { "outputs", spec_dump_empty, NULL },
	{ "kpis", spec_dump_empty, NULL },        { "args", spec_dump_empty, NULL },
	{ "lead", spec_dump_false, NULL },        { "environment", spec_dump_empty, NULL },
	{ "files", spec_dump_empty, NULL },       { "privileged", spec_dump_false, NULL },
	{ "hostNetwork", spec_dump_false, NULL }, { "volumeMounts", spec_dump_empty, NULL },
	{ "credentials", spec_dump_empty, NULL }, { "downloadType", spec_dump_null, NULL },
	{ "cacheSize", spec_dump_null, NULL },    { "exitActions", spec_dump_empty, NULL },
	{ "checkpoint", spec_dump_empty, NULL },  { "resource", spec_dump_text, "default" },
	{ "resources", spec_dump_always, NULL },  { "backend", spec_dump_always, NULL },
};

/* TaskGroupSpec's (task.py:817-822). */
static const struct spec_dump_field spec_dump_group_defaults[] = {
	{ "barrier", spec_dump_true, NULL },
	{ "ignoreNonleadStatus", spec_dump_true, NULL },
};

/* File's (task.py:396-402), and a task or URL input's or output's regex (268-321). */
static const struct spec_dump_field spec_dump_file_defaults[] = {
	{ "base64", spec_dump_false, NULL },
};
static const struct spec_dump_field spec_dump_io_defaults[] = {
	{ "regex", spec_dump_text, "" },
};

/* ResourceSpec's lists and unset values (utils/connectors/postgres.py:1760-1766). */
static const struct spec_dump_field spec_dump_resource_defaults[] = {
	{ "cpu", spec_dump_null, NULL },       { "storage", spec_dump_null, NULL },
	{ "memory", spec_dump_null, NULL },    { "gpu", spec_dump_null, NULL },
	{ "platform", spec_dump_null, NULL },  { "nodesExcluded", spec_dump_empty, NULL },
	{ "topology", spec_dump_empty, NULL },
};

static const char *const spec_dump_io_keys[] = { "inputs", "outputs" };

/* Appends pair to map, its key node as it is (a yaml_map_set key is a new string). */
static void
spec_dump_append(struct yaml_node *map, struct yaml_pair pair)
{
	map->pairs = xreallocarray(map->pairs, map->n + 1, sizeof(*map->pairs));
	map->pairs[map->n++] = pair;
}

/* A copy of map without the fields at their default: model_dump(exclude_defaults=True). */
static struct yaml_node *
spec_dump_strip(struct yaml_doc *doc, const struct yaml_node *map,
                const struct spec_dump_field *fields, size_t n)
{
	struct yaml_node *out;

	if (!map || map->type != YAML_TYPE_MAP)
		return (struct yaml_node *)map;
	out = yaml_doc_map(doc);
	for (size_t i = 0; i < map->n; i++) {
		const char *k = yaml_scalar(map->pairs[i].key);
		size_t f = 0;

		while (k && f < n && strcmp(fields[f].key, k) != 0)
			f++;
		if (k && f < n && fields[f].is_default(map->pairs[i].value, fields[f].text))
			continue;
		spec_dump_append(out, map->pairs[i]);
	}
	return out;
}

/* Each item of a list, stripped of its defaults. */
static struct yaml_node *
spec_dump_strip_items(struct yaml_doc *doc, const struct yaml_node *seq,
                      const struct spec_dump_field *fields, size_t n)
{
	struct yaml_node *out;

	if (!seq || seq->type != YAML_TYPE_SEQ)
		return (struct yaml_node *)seq;
	out = yaml_doc_seq(doc);
	for (size_t i = 0; i < seq->n; i++)
		yaml_seq_append(out, spec_dump_strip(doc, seq->items[i], fields, n));
	return out;
}

/*
 * YamlLiteral of the file's contents: each line without its trailing white space, joined by
 * '\n' and so without a last newline, as a literal block (utils/yaml.py:29-34).
 */
static struct yaml_node *
spec_dump_literal(struct yaml_doc *doc, const struct yaml_node *contents)
{
	const char *s = yaml_scalar(contents), *end;
	struct strbuf sb = { 0 };
	struct yaml_node *out;

	if (!s || contents->type != YAML_TYPE_STR)
		return (struct yaml_node *)contents;
	strbuf_addstr(&sb, "");
	for (const char *line = s; *line; line = *end ? end + 1 : end) {
		size_t len;

		end = line + strcspn(line, "\n");
		len = (size_t)(end - line);
		while (len && strchr(" \t\r\v\f", line[len - 1]))
			len--;
		if (line != s)
			strbuf_addch(&sb, '\n');
		strbuf_add(&sb, line, len);
	}
	out = yaml_doc_scalar(doc, YAML_TYPE_STR, sb.buf);
	out->literal = true;
	strbuf_free(&sb);
	return out;
}

/*
 * Sets each env_vars item in the task's environment, as update_env_vars does
 * (workflow_service.py:395-414): the value ends at a second '=', since the service takes
 * item.split('=')[1].
 */
static void
spec_dump_env(struct yaml_doc *doc, struct yaml_node *task, const struct strv *env_vars)
{
	struct yaml_node *env = yaml_map_get(task, "environment", NULL);

	env = env && env->type == YAML_TYPE_MAP ? yaml_doc_map_copy(doc, env) : yaml_doc_map(doc);
	for (size_t i = 0; env_vars && i < env_vars->n; i++) {
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

/* TaskSpec.saved_spec of one task, its environment given env_vars first. */
static struct yaml_node *
spec_dump_task(struct yaml_doc *doc, const struct yaml_node *task, const struct strv *env_vars)
{
	struct yaml_node *out, *v;

	if (!task || task->type != YAML_TYPE_MAP)
		return (struct yaml_node *)task;
	out = yaml_doc_map_copy(doc, task);
	if (env_vars && env_vars->n)
		spec_dump_env(doc, out, env_vars);
	if ((v = yaml_map_get(out, "files", NULL)) && v->type == YAML_TYPE_SEQ) {
		struct yaml_node *files = spec_dump_strip_items(
		        doc, v, spec_dump_file_defaults, ARRAY_SIZE(spec_dump_file_defaults));

		for (size_t i = 0; i < files->n; i++)
			if (files->items[i]->type == YAML_TYPE_MAP)
				yaml_map_set(
				        doc, files->items[i], "contents",
				        spec_dump_literal(doc, yaml_map_get(files->items[i],
				                                            "contents", NULL)));
		yaml_map_set(doc, out, "files", files);
	}
	for (size_t i = 0; i < ARRAY_SIZE(spec_dump_io_keys); i++)
		if ((v = yaml_map_get(out, spec_dump_io_keys[i], NULL)))
			yaml_map_set(doc, out, spec_dump_io_keys[i],
			             spec_dump_strip_items(doc, v, spec_dump_io_defaults,
			                                   ARRAY_SIZE(spec_dump_io_defaults)));
	return spec_dump_strip(doc, out, spec_dump_task_defaults,
	                       ARRAY_SIZE(spec_dump_task_defaults));
}

/* TaskGroupSpec.saved_spec; a top-level task becomes "<task>-group" as WorkflowSpec.parse does. */
static struct yaml_node *
spec_dump_group(struct yaml_doc *doc, const struct yaml_node *group, const struct yaml_node *task,
                const struct strv *env_vars)
{
	struct yaml_node *out = yaml_doc_map(doc), *tasks = yaml_doc_seq(doc);
	const struct yaml_node *from;

	if (task) {
		const char *name = yaml_scalar(yaml_map_get(task, "name", NULL));
		char *group_name = xasprintf("%s-group", name ? name : "");

		yaml_map_set(doc, out, "name", yaml_doc_scalar(doc, YAML_TYPE_STR, group_name));
		free(group_name);
		yaml_seq_append(tasks, spec_dump_task(doc, task, env_vars));
		yaml_map_set(doc, out, "tasks", tasks);
		return out;
	}
	if (!group || group->type != YAML_TYPE_MAP)
		return (struct yaml_node *)group;
	out = spec_dump_strip(doc, group, spec_dump_group_defaults,
	                      ARRAY_SIZE(spec_dump_group_defaults));
	from = yaml_map_get(group, "tasks", NULL);
	for (size_t i = 0; from && from->type == YAML_TYPE_SEQ && i < from->n; i++)
		yaml_seq_append(tasks, spec_dump_task(doc, from->items[i], env_vars));
	yaml_map_set(doc, out, "tasks", tasks);
	return out;
}

static struct yaml_node *
spec_dump_labels(struct yaml_doc *doc, const struct eng_label *labels, size_t n)
{
	struct yaml_node *map = yaml_doc_map(doc);

	for (size_t i = 0; i < n; i++)
		yaml_map_set(doc, map, labels[i].key,
		             yaml_doc_scalar(doc, YAML_TYPE_STR, labels[i].value));
	return map;
}

/* A copy of node with collections of its own: model_dump shares no object, so no alias. */
static struct yaml_node *
spec_dump_copy(struct yaml_doc *doc, struct yaml_node *node)
{
	struct yaml_node *out;

	if (node->type == YAML_TYPE_MAP) {
		out = yaml_doc_map_copy(doc, node);
		for (size_t i = 0; i < out->n; i++)
			out->pairs[i].value = spec_dump_copy(doc, out->pairs[i].value);
		return out;
	}
	if (node->type != YAML_TYPE_SEQ)
		return node;
	out = yaml_doc_seq(doc);
	for (size_t i = 0; i < node->n; i++)
		yaml_seq_append(out, spec_dump_copy(doc, node->items[i]));
	return out;
}

/*
 * WorkflowSpec.saved_spec (utils/job/workflow.py:722-733): its name, groups (top-level tasks
 * as groups of one), resources, timeout when given, labels if any.
 */
static struct yaml_node *
spec_dump_saved(struct yaml_doc *doc, const struct yaml_node *wf, const struct strv *env_vars,
                const struct eng_label *labels, size_t n)
{
	struct yaml_node *out = yaml_doc_map(doc), *groups = yaml_doc_seq(doc), *res, *v;
	const struct yaml_node *from = yaml_map_get(wf, "groups", NULL);

	for (size_t i = 0; from && from->type == YAML_TYPE_SEQ && i < from->n; i++)
		yaml_seq_append(groups, spec_dump_group(doc, from->items[i], NULL, env_vars));
	from = yaml_map_get(wf, "tasks", NULL);
	for (size_t i = 0; from && from->type == YAML_TYPE_SEQ && i < from->n; i++)
		yaml_seq_append(groups, spec_dump_group(doc, NULL, from->items[i], env_vars));
	if ((v = yaml_map_get(wf, "name", NULL)))
		yaml_map_set(doc, out, "name", v);
	yaml_map_set(doc, out, "groups", groups);
	v = yaml_map_get(wf, "resources", NULL);
	if (v && v->type == YAML_TYPE_MAP) {
		res = yaml_doc_map_copy(doc, v);
		for (size_t i = 0; i < res->n; i++)
			res->pairs[i].value = spec_dump_strip(
			        doc, res->pairs[i].value, spec_dump_resource_defaults,
			        ARRAY_SIZE(spec_dump_resource_defaults));
	} else {
		/* WorkflowSpec's default: {'default': ResourceSpec()}. */
		res = yaml_doc_map(doc);
		yaml_map_set(doc, res, "default", yaml_doc_map(doc));
	}
	yaml_map_set(doc, out, "resources", res);
	if ((v = yaml_map_get(wf, "timeout", NULL)))
		yaml_map_set(doc, out, "timeout", v);
	if (n)
		yaml_map_set(doc, out, "labels", spec_dump_labels(doc, labels, n));
	return spec_dump_copy(doc, out);
}

/* Loads text and hands its workflow section to make; yaml.dump of what make returns. */
static char *
spec_dump_with(const char *text, bool unicode, const char **problem,
               struct yaml_node *(*make)(struct yaml_doc *, struct yaml_node *, const void *),
               const void *ctx)
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
	if (!wf || wf->type != YAML_TYPE_MAP) {
		*problem = "the spec has no workflow mapping";
		yaml_doc_free(&doc);
		return NULL;
	}
	if (yaml_dump(make(&doc, wf, ctx), unicode, &sb, problem) == 0)
		out = strbuf_detach(&sb);
	strbuf_free(&sb);
	yaml_doc_free(&doc);
	return out;
}

struct spec_dump_args {
	const struct strv *env_vars;
	const struct eng_label *labels;
	size_t n;
	bool set_labels;
};

static struct yaml_node *
spec_dump_make_dry_run(struct yaml_doc *doc, struct yaml_node *wf, const void *ctx)
{
	const struct spec_dump_args *a = ctx;
	struct yaml_node *root = yaml_doc_map(doc);

	if (a->set_labels || yaml_map_get(wf, "labels", NULL)) {
		wf = yaml_doc_map_copy(doc, wf);
		yaml_map_set(doc, wf, "labels", spec_dump_labels(doc, a->labels, a->n));
	}
	/* The template is rendered from the workflow section alone (lib/utils/workflow.py:50-75). */
	yaml_map_set(doc, root, "workflow", wf);
	return root;
}

static struct yaml_node *
spec_dump_make_stored(struct yaml_doc *doc, struct yaml_node *wf, const void *ctx)
{
	const struct spec_dump_args *a = ctx;
	struct yaml_node *root = yaml_doc_map(doc);

	yaml_map_set(doc, root, "version", yaml_doc_scalar(doc, YAML_TYPE_INT, "2"));
	yaml_map_set(doc, root, "workflow", spec_dump_saved(doc, wf, a->env_vars, a->labels, a->n));
	return root;
}

char *
spec_dump_dry_run(const char *text, const struct eng_label *labels, size_t n, bool set_labels,
                  const char **problem)
{
	struct spec_dump_args a = { .labels = labels, .n = n, .set_labels = set_labels };

	/* yaml.dump(workflow_dict): no allow_unicode (workflow_service.py:390-392). */
	return spec_dump_with(text, false, problem, spec_dump_make_dry_run, &a);
}

char *
spec_dump_stored(const char *text, const struct strv *env_vars, const struct eng_label *labels,
                 size_t n, const char **problem)
{
	struct spec_dump_args a = { .env_vars = env_vars, .labels = labels, .n = n };

	/* The service dumps its stored spec with allow_unicode (objects.py:1041). */
	return spec_dump_with(text, true, problem, spec_dump_make_stored, &a);
}
