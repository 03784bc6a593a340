/* config.c: osmotop's configuration file, read through the YAML front end, and its dump. */
#include "tui/config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/yaml.h"

enum config_kind { CONFIG_SECONDS, CONFIG_LINES, CONFIG_BOOL, CONFIG_SORT };

/* section.key, what it holds, where it goes, its range, and what it is for (the dump's words). */
#define CONFIG_KEYS(_)                                                                            \
	_("refresh", "list", CONFIG_SECONDS, policy.list_ms, 1, 3600, "the workflow list")        \
	_("refresh", "pending", CONFIG_SECONDS, policy.queued_ms, 1, 3600,                        \
	  "a pending or waiting workflow")                                                        \
	_("refresh", "running", CONFIG_SECONDS, policy.running_ms, 1, 3600, "a running workflow") \
	_("refresh", "running_idle", CONFIG_SECONDS, policy.running_idle_ms, 1, 3600,             \
	  "a running workflow that stopped changing")                                             \
	_("refresh", "finished", CONFIG_SECONDS, policy.finished_ms, 1, 86400,                    \
	  "a finished workflow (in case it is restarted)")                                        \
	_("list", "sort", CONFIG_SORT, sort, 0, 0,                                                \
	  "server, name, status, age, duration, user or pool")                                    \
	_("list", "all_users", CONFIG_BOOL, all_users, 0, 0,                                      \
	  "everyone's workflows, not only yours")                                                 \
	_("logs", "ring", CONFIG_LINES, log_ring, 1000, 1000000, "lines kept per log view")

static const struct config_key {
	const char *section, *name;
	enum config_kind kind;
	size_t offset;
	long long min, max;
	const char *help;
} config_keys[] = {
#define CONFIG_KEY_ROW(sec, key, kind, field, lo, hi, help) \
	{ sec, key, kind, offsetof(struct config, field), lo, hi, help },
	CONFIG_KEYS(CONFIG_KEY_ROW)
#undef CONFIG_KEY_ROW
};

/* The values list.sort takes, by the sorts' own order. */
static const char *const config_sorts[FILTER_SORT_COUNT] = {
	[FILTER_SORT_SERVER] = "server",     [FILTER_SORT_NAME] = "name",
	[FILTER_SORT_STATUS] = "status",     [FILTER_SORT_AGE] = "age",
	[FILTER_SORT_DURATION] = "duration", [FILTER_SORT_USER] = "user",
	[FILTER_SORT_POOL] = "pool",
};

char *
config_default_path(void)
{
	const char *env = getenv("OSMOTOP_CONFIG");

	if (env && *env)
		return xstrdup(env);
	return util_xdg_path("XDG_CONFIG_HOME", ".config", "osmotop/config.yaml");
}

void
config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->policy = sync_default_policy;
	c->sort = FILTER_SORT_SERVER;
	c->log_ring = CONFIG_LOG_RING;
}

void
config_free(struct config *c)
{
	free(c->path);
	memset(c, 0, sizeof(*c));
}

/* "PATH:LINE:COL: what" (what is taken); -1 for the loader to return. */
static int
config_fail(const struct config *c, const struct yaml_node *at, char **err, char *what)
{
	*err = xasprintf("%s:%zu:%zu: %s", c->path, at->start.line + 1, at->start.column + 1, what);
	free(what);
	return -1;
}

/* Stores one value of the file; 0, or -1 with *err. */
static int
config_set(struct config *c, const struct config_key *k, const struct yaml_node *v, char **err)
{
	char *field = (char *)c + k->offset;
	const char *s = yaml_scalar(v);
	enum yaml_type type = s && v->plain ? yaml_resolve(s) : YAML_TYPE_STR;
	long long n = 0;

	if (k->kind == CONFIG_BOOL) {
		if (!s || type != YAML_TYPE_BOOL)
			return config_fail(
			        c, v, err,
			        xasprintf("%s.%s: expected true or false", k->section, k->name));
		*(bool *)field = yaml_bool_value(s);
		return 0;
	}
	if (k->kind == CONFIG_SORT) {
		for (size_t i = 0; s && i < ARRAY_SIZE(config_sorts); i++)
			if (strcmp(s, config_sorts[i]) == 0) {
				*(enum filter_sort *)field = (enum filter_sort)i;
				return 0;
			}
		return config_fail(
		        c, v, err,
		        xasprintf("%s.%s: expected one of %s", k->section, k->name, k->help));
	}
	if (!s || type != YAML_TYPE_INT || !yaml_int_value(s, &n) || n < k->min || n > k->max)
		return config_fail(c, v, err,
		                   xasprintf("%s.%s: expected a whole number from %lld to %lld",
		                             k->section, k->name, k->min, k->max));
	if (k->kind == CONFIG_SECONDS)
		*(int64_t *)field = n * 1000;
	else
		*(long *)field = (long)n;
	return 0;
}

_Static_assert(ARRAY_SIZE(config_keys) <= CONFIG_MAX_KEYS, "struct config's lines[] is too small");

static const struct config_key *
config_find(const char *section, const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++)
		if (strcmp(config_keys[i].section, section) == 0 &&
		    (!name || strcmp(config_keys[i].name, name) == 0))
			return &config_keys[i];
	return NULL;
}

/* Walks the document: sections of keys, each known and of its kind. */
static int
config_walk(struct config *c, const struct yaml_node *root, char **err)
{
	if (root->type != YAML_TYPE_MAP)
		return config_fail(c, root, err,
		                   xstrdup("expected sections (refresh, list, logs)"));
	for (size_t i = 0; i < root->n; i++) {
		const struct yaml_pair *sec = &root->pairs[i];
		const char *section = yaml_scalar(sec->key);

		if (!section || !config_find(section, NULL))
			return config_fail(c, sec->key, err,
			                   xasprintf("unknown section '%s' (refresh, list, logs)",
			                             section ? section : "?"));
		if (sec->value->type != YAML_TYPE_MAP)
			return config_fail(c, sec->value, err,
			                   xasprintf("%s: expected its keys", section));
		for (size_t j = 0; j < sec->value->n; j++) {
			const struct yaml_pair *kv = &sec->value->pairs[j];
			const char *name = yaml_scalar(kv->key);
			const struct config_key *k = name ? config_find(section, name) : NULL;

			if (!k)
				return config_fail(c, kv->key, err,
				                   xasprintf("unknown key '%s' in %s",
				                             name ? name : "?", section));
			if (config_set(c, k, kv->value, err) < 0)
				return -1;
			/* The last one wins, as in PyYAML. */
			c->lines[k - config_keys] = (unsigned)kv->key->start.line + 1;
		}
	}
	return 0;
}

int
config_load(struct config *c, const char *path, char **err)
{
	size_t len = 0;
	struct stat st;
	char *text;
	struct yaml_doc doc = { 0 };
	struct yaml_error yerr = { 0 };
	int rc = 0;

	*err = NULL;
	int st_rc = stat(path, &st);

	if (st_rc < 0 && errno == ENOENT)
		return 0;
	free(c->path);
	c->path = xstrdup(path);
	/* A directory or a device named by mistake is not read (fopen takes a directory). */
	if (st_rc == 0 && !S_ISREG(st.st_mode)) {
		*err = xasprintf("%s: not a regular file", path);
		return -1;
	}
	text = util_read_file(path, &len);
	if (!text) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	if (yaml_load(text, len, NULL, &doc, &yerr) < 0) {
		struct strbuf sb = { 0 };

		yaml_error_describe(&yerr, &sb);
		*err = xasprintf("%s:%zu:%zu: %s", path, yerr.mark.line + 1, yerr.mark.column + 1,
		                 sb.buf);
		strbuf_free(&sb);
		rc = -1;
	} else if (doc.root) {
		rc = config_walk(c, doc.root, err);
	}
	yaml_doc_free(&doc);
	free(text);
	return rc;
}

char *
config_dump(const struct config *c)
{
	struct strbuf sb = { 0 };
	const char *section = "";

	strbuf_addf(&sb, "# osmotop's configuration: %s\n",
	            c->path ? c->path : "no file, every value is the default");
	for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++) {
		const struct config_key *k = &config_keys[i];
		const char *field = (const char *)c + k->offset;
		unsigned line = c->lines[i];
		char *value, *from;

		if (strcmp(k->section, section) != 0)
			strbuf_addf(&sb, "%s:\n", section = k->section);
		if (k->kind == CONFIG_SECONDS)
			value = xasprintf("%lld", (long long)(*(const int64_t *)field / 1000));
		else if (k->kind == CONFIG_LINES)
			value = xasprintf("%ld", *(const long *)field);
		else if (k->kind == CONFIG_BOOL)
			value = xstrdup(*(const bool *)field ? "true" : "false");
		else
			value = xstrdup(config_sorts[*(const enum filter_sort *)field]);
		char *pair = xasprintf("%s: %s", k->name, value);

		from = line ? xasprintf("%s:%u", c->path, line) : xstrdup("default");
		strbuf_addf(&sb, "  %-20s # %s%s; %s\n", pair,
		            k->kind == CONFIG_SECONDS ? "seconds: " : "", k->help, from);
		free(from);
		free(pair);
		free(value);
	}
	return strbuf_detach(&sb);
}
