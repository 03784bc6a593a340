/* config.c: osmotop's configuration file, read through the YAML front end, and its dump. */
#include "tui/config.h"

#include <errno.h>
#include <regex.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/yaml.h"
#include "tui/notify.h"
#include "tui/screen.h"

enum config_kind {
	CONFIG_SECONDS,
	CONFIG_COUNT,
	CONFIG_BOOL,
	CONFIG_CHOICE,
	CONFIG_WORD,
	CONFIG_ARGV,
	CONFIG_REGEX,
	CONFIG_REGEXES,
};

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
	_("list", "sort", CONFIG_CHOICE, sort, 0, 0,                                              \
	  "server, name, status, age, duration, user or pool")                                    \
	_("list", "all_users", CONFIG_BOOL, all_users, 0, 0,                                      \
	  "everyone's workflows, not only yours")                                                 \
	_("logs", "ring", CONFIG_COUNT, log_ring, 1000, 1000000, "lines kept per log view")       \
	_("logs", "metric", CONFIG_REGEX, metric, 0, 0,                                           \
	  "regex of the number the task table draws a sparkline of (group 1)")                    \
	_("logs", "errors", CONFIG_REGEXES, errors, 0, 0,                                         \
	  "regexes of error-looking lines (] and [), added to the built-in ones")                 \
	_("local", "slots", CONFIG_COUNT, local.slots, 1, 4096,                                   \
	  "tasks osmo-local runs at once (--slots)")                                              \
	_("local", "phase_ms", CONFIG_COUNT, local.phase_ms, 0, 600000,                           \
	  "ms osmo-local spends in each phase before RUNNING (--phase-ms)")                       \
	_("local", "pool", CONFIG_WORD, local.pool, 1, 63, "the pool osmo-local offers (--pool)") \
	_("notify", "enabled", CONFIG_BOOL, notify.enabled, 0, 0,                                 \
	  "tell of status changes: the off switch of the rest")                                   \
	_("notify", "bell", CONFIG_BOOL, notify.bell, 0, 0,                                       \
	  "the terminal's bell (tmux: a window alert)")                                           \
	_("notify", "desktop", CONFIG_CHOICE, notify.desktop, 0, 0,                               \
	  "desktop notification: off, osc9, osc777 or both")                                      \
	_("notify", "mine", CONFIG_BOOL, notify.mine, 0, 0,                                       \
	  "every workflow in the list, not only the one open")                                    \
	_("notify", "on_event", CONFIG_ARGV, notify.on_event, 0, 0,                               \
	  "a command run per event, OSMOTOP_* in its environment")

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

#define CONFIG_WORD_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"

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
	c->metric = xstrdup(CONFIG_METRIC);
	/* osmo-local's own defaults, shown by the dump; passed to it only when the file sets them. */
	c->local.slots = 64;
	c->local.phase_ms = 200;
	c->local.pool = xstrdup("default");
	c->notify = NOTIFY_SETTINGS_DEFAULT;
	theme_init(&c->theme);
	keymap_init(&c->keys);
}

void
config_free(struct config *c)
{
	free(c->path);
	free(c->local.pool);
	free(c->metric);
	strv_free(&c->errors);
	strv_free(&c->notify.on_event);
	keymap_free(&c->keys);
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

/* A value of the file: the node, its text when a scalar, and what the resolver makes of it. */
struct config_value {
	const struct yaml_node *node;
	const char *s;
	enum yaml_type type;
};

static int
config_set_bool(struct config *c, const struct config_key *k, void *field,
                const struct config_value *v, char **err)
{
	if (!v->s || v->type != YAML_TYPE_BOOL)
		return config_fail(c, v->node, err,
		                   xasprintf("%s.%s: expected true or false", k->section, k->name));
	*(bool *)field = yaml_bool_value(v->s);
	return 0;
}

_Static_assert(sizeof(enum filter_sort) == sizeof(int) &&
                       sizeof(enum notify_desktop) == sizeof(int),
               "config_set_choice stores the choice keys as ints");

/* The choices of a CONFIG_CHOICE key, in the order of the enum it fills. */
static const char *const *
config_choices(const struct config_key *k, size_t *n)
{
	bool sort = k->offset == offsetof(struct config, sort);

	*n = sort ? ARRAY_SIZE(config_sorts) : ARRAY_SIZE(notify_desktop_names);
	return sort ? config_sorts : notify_desktop_names;
}

static int
config_set_choice(struct config *c, const struct config_key *k, void *field,
                  const struct config_value *v, char **err)
{
	size_t n;
	const char *const *names = config_choices(k, &n);
	struct strbuf sb = { 0 };

	for (size_t i = 0; v->s && i < n; i++)
		if (strcmp(v->s, names[i]) == 0) {
			/* Each choice key is an enum, which holds its values as an int does. */
			*(int *)field = (int)i;
			return 0;
		}
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&sb, "%s%s", i ? ", " : "", names[i]);
	config_fail(c, v->node, err,
	            xasprintf("%s.%s: expected one of %s", k->section, k->name, sb.buf));
	strbuf_free(&sb);
	return -1;
}

/* Puts a copy of s in the char * field. */
static int
config_set_word_any(void *field, const char *s)
{
	free(*(char **)field);
	*(char **)field = xstrdup(s);
	return 0;
}

static int
config_set_word(struct config *c, const struct config_key *k, void *field,
                const struct config_value *v, char **err)
{
	size_t len = v->s ? strlen(v->s) : 0;

	if (!v->s || v->type != YAML_TYPE_STR || len < (size_t)k->min || len > (size_t)k->max ||
	    strspn(v->s, CONFIG_WORD_CHARS) != len)
		return config_fail(c, v->node, err,
		                   xasprintf("%s.%s: expected a name of letters, digits, '.', '_' "
		                             "or '-'",
		                             k->section, k->name));
	return config_set_word_any(field, v->s);
}

static int
config_set_number(struct config *c, const struct config_key *k, void *field,
                  const struct config_value *v, char **err)
{
	long long n = 0;

	if (!v->s || v->type != YAML_TYPE_INT || !yaml_int_value(v->s, &n) || n < k->min ||
	    n > k->max)
		return config_fail(c, v->node, err,
		                   xasprintf("%s.%s: expected a whole number from %lld to %lld",
		                             k->section, k->name, k->min, k->max));
	if (k->kind == CONFIG_SECONDS)
		*(int64_t *)field = n * 1000;
	else
		*(long *)field = (long)n;
	return 0;
}

/* A command and its arguments: a list of strings, run as they are (no shell). */
static int
config_set_argv(struct config *c, const struct config_key *k, void *field,
                const struct config_value *v, char **err)
{
	struct strv *sv = field;

	if (v->node->type != YAML_TYPE_SEQ)
		return config_fail(c, v->node, err,
		                   xasprintf("%s.%s: expected a list: the command, then its "
		                             "arguments ([notify-send, osmotop])",
		                             k->section, k->name));
	for (size_t i = 0; i < v->node->n; i++) {
		const char *arg = yaml_scalar(v->node->items[i]);

		if (!arg || (i == 0 && !*arg))
			return config_fail(
			        c, v->node->items[i], err,
			        xasprintf("%s.%s: expected a string", k->section, k->name));
	}
	strv_free(sv);
	for (size_t i = 0; i < v->node->n; i++)
		strv_push(sv, yaml_scalar(v->node->items[i]));
	return 0;
}

/* A POSIX extended regex, checked here so a mistake stops the start with its place. */
static int
config_set_regex(struct config *c, const struct config_key *k, void *field,
                 const struct config_value *v, char **err)
{
	regex_t rx;
	int rc = v->s ? regcomp(&rx, v->s, REG_EXTENDED) : REG_BADPAT;
	char why[128];

	if (rc != 0) {
		if (v->s)
			regerror(rc, &rx, why, sizeof(why));
		return config_fail(c, v->node, err,
		                   xasprintf("%s.%s: not an extended regular expression%s%s",
		                             k->section, k->name, v->s ? ": " : "",
		                             v->s ? why : ""));
	}
	regfree(&rx);
	return config_set_word_any(field, v->s);
}

/* A list of them: each checked where it stands, so the error names its line. */
static int
config_set_regexes(struct config *c, const struct config_key *k, void *field,
                   const struct config_value *v, char **err)
{
	struct strv *sv = field;

	if (v->node->type != YAML_TYPE_SEQ)
		return config_fail(c, v->node, err,
		                   xasprintf("%s.%s: expected a list of extended regular "
		                             "expressions ([\"NaN loss\", ...])",
		                             k->section, k->name));
	for (size_t i = 0; i < v->node->n; i++) {
		const struct yaml_node *item = v->node->items[i];
		const char *s = yaml_scalar(item);
		struct config_value one = { item, s && *s ? s : NULL, YAML_TYPE_STR };
		char *ignored = NULL;

		if (config_set_regex(c, k, &ignored, &one, err) < 0)
			return -1;
		free(ignored);
	}
	strv_free(sv);
	for (size_t i = 0; i < v->node->n; i++)
		strv_push(sv, yaml_scalar(v->node->items[i]));
	return 0;
}

static char *
config_show_seconds(const struct config_key *k, const void *field)
{
	(void)k;
	return xasprintf("%lld", (long long)(*(const int64_t *)field / 1000));
}

static char *
config_show_count(const struct config_key *k, const void *field)
{
	(void)k;
	return xasprintf("%ld", *(const long *)field);
}

static char *
config_show_bool(const struct config_key *k, const void *field)
{
	(void)k;
	return xstrdup(*(const bool *)field ? "true" : "false");
}

static char *
config_show_choice(const struct config_key *k, const void *field)
{
	size_t n;
	const char *const *names = config_choices(k, &n);

	return xstrdup(names[*(const int *)field]);
}

static char *
config_show_word(const struct config_key *k, const void *field)
{
	(void)k;
	return xstrdup(*(char *const *)field);
}

/* Single quotes, a quote in them doubled: safe for any string in a YAML flow list. */
static void
config_quote(struct strbuf *out, const char *s)
{
	strbuf_addch(out, '\'');
	for (; *s; s++)
		strbuf_addstr(out, *s == '\'' ? "''" : (char[]){ *s, '\0' });
	strbuf_addch(out, '\'');
}

static char *
config_show_regex(const struct config_key *k, const void *field)
{
	struct strbuf sb = { 0 };

	(void)k;
	config_quote(&sb, *(char *const *)field);
	return strbuf_detach(&sb);
}

/* The same list as the file writes it. */
static char *
config_show_argv(const struct config_key *k, const void *field)
{
	const struct strv *sv = field;
	struct strbuf sb = { 0 };

	(void)k;
	strbuf_addch(&sb, '[');
	for (size_t i = 0; i < sv->n; i++) {
		strbuf_addstr(&sb, i ? ", " : "");
		config_quote(&sb, sv->v[i]);
	}
	strbuf_addch(&sb, ']');
	return strbuf_detach(&sb);
}

/* How each kind of value is read from the file and shown by the dump. */
static const struct config_kind_ops {
	int (*set)(struct config *c, const struct config_key *k, void *field,
	           const struct config_value *v, char **err);
	char *(*show)(const struct config_key *k, const void *field);
	const char *unit; /* the dump's word before the help */
} config_kinds[] = {
	[CONFIG_SECONDS] = { config_set_number, config_show_seconds, "seconds: " },
	[CONFIG_COUNT] = { config_set_number, config_show_count, "" },
	[CONFIG_BOOL] = { config_set_bool, config_show_bool, "" },
	[CONFIG_CHOICE] = { config_set_choice, config_show_choice, "" },
	[CONFIG_WORD] = { config_set_word, config_show_word, "" },
	[CONFIG_ARGV] = { config_set_argv, config_show_argv, "" },
	[CONFIG_REGEX] = { config_set_regex, config_show_regex, "" },
	[CONFIG_REGEXES] = { config_set_regexes, config_show_argv, "" },
};

/* Stores one value of the file; 0, or -1 with *err. */
static int
config_set(struct config *c, const struct config_key *k, const struct yaml_node *v, char **err)
{
	const char *s = yaml_scalar(v);
	struct config_value val = { v, s, s && v->plain ? yaml_resolve(s) : YAML_TYPE_STR };

	return config_kinds[k->kind].set(c, k, (char *)c + k->offset, &val, err);
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

/* theme.ROLE: "colour attributes". */
static int
config_set_theme(struct config *c, const struct yaml_pair *kv, char **err)
{
	const char *name = yaml_scalar(kv->key), *text = yaml_scalar(kv->value);
	int role = name ? theme_role_find(name) : -1;

	if (role < 0)
		return config_fail(c, kv->key, err,
		                   xasprintf("unknown style role '%s' in theme (--dump-config "
		                             "lists them)",
		                             name ? name : "?"));
	if (!text || !theme_style_parse(text, &c->theme.style[role]))
		return config_fail(c, kv->value, err,
		                   xasprintf("theme.%s: expected a colour (default, red, "
		                             "bright_red, 0-255...) and attributes (bold, dim, "
		                             "underline, reverse, italic)",
		                             name));
	c->theme_lines[role] = (unsigned)kv->key->start.line + 1;
	return 0;
}

/* keys.ACTION: a key or a list of them; [] leaves the action without one. */
static int
config_set_keys(struct config *c, const struct yaml_pair *kv, char **err)
{
	const char *name = yaml_scalar(kv->key);
	enum keymap_action act = name ? keymap_action_named(name) : KEYMAP_NONE;
	const struct yaml_node *v = kv->value;
	const struct yaml_node *const *items = &v;
	size_t n = v->type == YAML_TYPE_SEQ ? v->n : 1;
	int keys[CONFIG_MAX_BINDINGS];

	if (act == KEYMAP_NONE)
		return config_fail(c, kv->key, err,
		                   xasprintf("unknown action '%s' in keys (--dump-config lists "
		                             "them)",
		                             name ? name : "?"));
	if (v->type == YAML_TYPE_SEQ)
		items = (const struct yaml_node *const *)v->items;
	if (n > ARRAY_SIZE(keys))
		return config_fail(c, v, err,
		                   xasprintf("keys.%s: at most %zu keys", name, ARRAY_SIZE(keys)));
	for (size_t i = 0; i < n; i++) {
		const char *text = yaml_scalar(items[i]);

		keys[i] = text ? keymap_key_parse(text) : SCREEN_KEY_NONE;
		if (keys[i] == SCREEN_KEY_NONE)
			return config_fail(
			        c, items[i], err,
			        xasprintf("keys.%s: unknown key '%s' (a character, "
			                  "Ctrl-a to Ctrl-z, Enter, Esc, Tab, Space, "
			                  "BkSp, Del, Up, Down, Left, Right, PgUp, PgDn, "
			                  "Home, End, F1, F5, F10)",
			                  name, text ? text : "?"));
	}
	if (keymap_rebind(&c->keys, act, keys, n) < 0)
		return config_fail(c, v, err, xasprintf("keys.%s: a key it cannot bind", name));
	c->key_lines[act] = (unsigned)kv->key->start.line + 1;
	return 0;
}

/* After the keys section: no key means two things in one view, and quit keeps a key. */
static int
config_check_keys(struct config *c, const struct yaml_node *section, char **err)
{
	enum keymap_action one, two;
	int key = keymap_conflict(&c->keys, &one, &two);
	char n1[KEYMAP_NAME_MAX], n2[KEYMAP_NAME_MAX], kn[16] = "?";
	const struct yaml_node *at = section;

	if (key == SCREEN_KEY_NONE)
		return 0;
	keymap_action_name(one, n1);
	keymap_action_name(two, n2);
	/* At the binding the file made (the later one when it made both). */
	for (size_t i = 0; i < section->n; i++) {
		const char *name = yaml_scalar(section->pairs[i].key);
		enum keymap_action act = name ? keymap_action_named(name) : KEYMAP_NONE;

		if (act == one || act == two)
			at = section->pairs[i].key;
	}
	if (one == KEYMAP_QUIT && two == KEYMAP_QUIT)
		return config_fail(c, at, err, xstrdup("keys.quit: quit needs a key"));
	keymap_key_format(key, kn, sizeof(kn));
	return config_fail(c, at, err,
	                   one == two ? xasprintf("keys.%s: %s is named twice", n1, kn)
	                              : xasprintf("keys: %s would run both %s and %s in one "
	                                          "view; give one of them another key",
	                                          kn, n1, n2));
}

/* Sections whose keys are names from elsewhere (style roles, actions), not config_keys[]. */
static const struct config_section {
	const char *name;
	int (*set)(struct config *c, const struct yaml_pair *kv, char **err);
	int (*check)(struct config *c, const struct yaml_node *section, char **err);
} config_sections[] = {
	{ "theme", config_set_theme, NULL },
	{ "keys", config_set_keys, config_check_keys },
};

#define CONFIG_SECTION_NAMES "refresh, list, logs, local, notify, theme, keys"

/* One section of names from elsewhere: each pair set, then the whole checked. */
static int
config_walk_named(struct config *c, const struct config_section *cs,
                  const struct yaml_node *section, char **err)
{
	for (size_t j = 0; j < section->n; j++)
		if (cs->set(c, &section->pairs[j], err) < 0)
			return -1;
	return cs->check ? cs->check(c, section, err) : 0;
}

/* Walks the document: sections of keys, each known and of its kind. */
static int
config_walk(struct config *c, const struct yaml_node *root, char **err)
{
	if (root->type != YAML_TYPE_MAP)
		return config_fail(c, root, err,
		                   xstrdup("expected sections (" CONFIG_SECTION_NAMES ")"));
	for (size_t i = 0; i < root->n; i++) {
		const struct yaml_pair *sec = &root->pairs[i];
		const char *section = yaml_scalar(sec->key);
		const struct config_section *cs = NULL;

		for (size_t k = 0; section && k < ARRAY_SIZE(config_sections); k++)
			if (strcmp(section, config_sections[k].name) == 0)
				cs = &config_sections[k];
		if (!section || (!cs && !config_find(section, NULL)))
			return config_fail(c, sec->key, err,
			                   xasprintf("unknown section '%s' (" CONFIG_SECTION_NAMES
			                             ")",
			                             section ? section : "?"));
		if (sec->value->type != YAML_TYPE_MAP)
			return config_fail(c, sec->value, err,
			                   xasprintf("%s: expected its keys", section));
		if (cs) {
			if (config_walk_named(c, cs, sec->value, err) < 0)
				return -1;
			continue;
		}
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

/* "  name: value" padded, then "# help; where from" (FILE:LINE, or default). */
static void
config_dump_line(const struct config *c, struct strbuf *sb, const char *name, const char *value,
                 const char *help, unsigned line)
{
	char *pair = xasprintf("%s: %s", name, value);

	strbuf_addf(sb, "  %-20s # %s; ", pair, help);
	if (line)
		strbuf_addf(sb, "%s:%u\n", c->path, line);
	else
		strbuf_addstr(sb, "default\n");
	free(pair);
}

/* An action's keys as a YAML flow list config_set_keys reads back: [C, Ctrl-d, '?']. */
static void
config_dump_keys(const struct config *c, enum keymap_action act, struct strbuf *out)
{
	size_t n;
	const struct keymap_binding *b = keymap_bindings(&c->keys, &n);
	bool first = true;

	strbuf_addch(out, '[');
	for (size_t i = 0; i < n; i++) {
		const char *name = b[i].name;
		bool plain = strspn(name, CONFIG_WORD_CHARS) == strlen(name);

		if (b[i].action != act)
			continue;
		strbuf_addstr(out, first ? "" : ", ");
		/* ? ! [ ' mean something bare. */
		if (plain)
			strbuf_addstr(out, name);
		else
			config_quote(out, name);
		first = false;
	}
	strbuf_addch(out, ']');
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
		char *value, *help;

		if (strcmp(k->section, section) != 0)
			strbuf_addf(&sb, "%s:\n", section = k->section);
		value = config_kinds[k->kind].show(k, field);
		help = xasprintf("%s%s", config_kinds[k->kind].unit, k->help);
		config_dump_line(c, &sb, k->name, value, help, c->lines[i]);
		free(help);
		free(value);
	}
	strbuf_addstr(&sb, "theme:\n");
	for (int r = 0; r < STYLE_COUNT; r++) {
		char name[32], value[64];

		theme_role_name((enum style)r, name, sizeof(name));
		theme_style_format(&c->theme.style[r], value, sizeof(value));
		config_dump_line(c, &sb, name, value, "colour and attributes", c->theme_lines[r]);
	}
	strbuf_addstr(&sb, "keys:\n");
	for (int a = 0; a < KEYMAP_COUNT; a++) {
		char name[KEYMAP_NAME_MAX];
		struct strbuf keys = { 0 };

		keymap_action_name((enum keymap_action)a, name);
		config_dump_keys(c, (enum keymap_action)a, &keys);
		config_dump_line(c, &sb, name, keys.buf, keymap_help((enum keymap_action)a),
		                 c->key_lines[a]);
		strbuf_free(&keys);
	}
	return strbuf_detach(&sb);
}

void
config_local_args(const struct config *c, struct strv *args)
{
	struct config plain;

	config_init(&plain);
	for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++) {
		const struct config_key *k = &config_keys[i];
		const char *field = (const char *)c + k->offset;
		char *value, *was;
		bool same;
		char *flag;

		/* Only what the file sets, and to something else than osmo-local's own default (as
		 * a --dump-config read back does): its defaults and its environment stand. */
		if (strcmp(k->section, "local") != 0 || !c->lines[i])
			continue;
		value = config_kinds[k->kind].show(k, field);
		was = config_kinds[k->kind].show(k, (const char *)&plain + k->offset);
		same = strcmp(value, was) == 0;
		free(was);
		if (same) {
			free(value);
			continue;
		}
		flag = xasprintf("--%s", k->name);
		for (char *p = flag; *p; p++)
			*p = *p == '_' ? '-' : *p;
		strv_push_owned(args, flag);
		strv_push_owned(args, value);
	}
	config_free(&plain);
}
