/* spec.c: OSMO workflow specs: sections and defaults, YAML into plain structs, OSMO's rules. */
#include "server/spec.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/yaml.h"
#include "server/template.h"

/* Byte offsets to line and column and back, in O(log n) with a count every SPEC_BLOCK bytes. */
#define SPEC_BLOCK 256u
/* Longest message line: names from the spec can be any length. */
#define SPEC_MAX_MESSAGE 400u
/* Flattened values for display are cut here. */
#define SPEC_MAX_FLAT 2048u

struct spec_text {
	const char *text;
	size_t len;
	uint32_t *chars; /* characters before block k */
	uint32_t *lines; /* newlines before block k */
	size_t nblocks;
};

/* What a scalar is to PyYAML's SafeLoader (YAML 1.1), which is how OSMO reads specs. */
enum spec_kind {
	SPEC_KIND_NULL,
	SPEC_KIND_BOOL,
	SPEC_KIND_INT,
	SPEC_KIND_FLOAT,
	SPEC_KIND_STR,
	SPEC_KIND_SEQ,
	SPEC_KIND_MAP,
};

static const char *const spec_kind_names[] = {
	[SPEC_KIND_NULL] = "null",     [SPEC_KIND_BOOL] = "a boolean",
	[SPEC_KIND_INT] = "a number",  [SPEC_KIND_FLOAT] = "a number",
	[SPEC_KIND_STR] = "a string",  [SPEC_KIND_SEQ] = "a list",
	[SPEC_KIND_MAP] = "a mapping",
};

/* State for one parse: where positions come from and where errors go. */
struct spec_ctx {
	const char *filename;
	struct strv *errors;
	struct yaml_node *root;            /* of the document being read */
	struct spec_text rendered;         /* what libyaml read */
	size_t base;                       /* rendered byte 0 is source byte base (no map) */
	const struct template_output *map; /* rendered to source; NULL when they are the same */
	struct spec_text source;           /* what the user wrote */
};

/* One field of a mapping: how to read it and where it goes. */
struct spec_field {
	const char *key;
	int (*parse)(struct spec_ctx *ctx, struct yaml_node *value, void *obj,
	             const struct spec_field *f);
	size_t off;  /* where the value goes in obj */
	size_t pos1; /* offsetof + 1 of where the value's position goes; 0 for nowhere */
	bool required;
};

#define SPEC_POS(type, member) (offsetof(type, member) + 1)

/* Words a misplaced or misspelt key usually meant. */
static const struct {
	const char *key;
	const char *hint;
} spec_hints[] = {
	{ "platform", "platform belongs in a profile under workflow.resources" },
	{ "nodesExcluded", "nodesExcluded belongs in a profile under workflow.resources" },
	{ "cpu", "cpu belongs in a profile under workflow.resources" },
	{ "gpu", "gpu belongs in a profile under workflow.resources" },
	{ "memory", "memory belongs in a profile under workflow.resources" },
	{ "storage", "storage belongs in a profile under workflow.resources" },
	{ "default-values", "default-values is a top-level section beside workflow:" },
	{ "exit_actions", "did you mean exitActions?" },
	{ "exitaction", "did you mean exitActions?" },
	{ "host_network", "did you mean hostNetwork?" },
	{ "env", "did you mean environment?" },
	{ "depends_on", "tasks depend on each other through inputs: - task: NAME" },
	{ "dependencies", "tasks depend on each other through inputs: - task: NAME" },
	{ "ignore_nonlead_status", "did you mean ignoreNonleadStatus?" },
	{ "volume_mounts", "did you mean volumeMounts?" },
	{ "download_type", "did you mean downloadType?" },
	{ "cache_size", "did you mean cacheSize?" },
	{ "checkpoints", "did you mean checkpoint?" },
	{ "timeouts", "did you mean timeout?" },
	{ "resources", "tasks name a profile with resource: NAME" },
};

/* OSMO's MEASUREMENTS: binary units as powers of 1024 (m is milli). */
static const struct {
	const char *unit;
	int power;
} spec_units[] = {
	{ "", 0 },    { "B", 0 },  { "K", 1 },   { "Ki", 1 },  { "KiB", 1 },
	{ "M", 2 },   { "Mi", 2 }, { "MiB", 2 }, { "G", 3 },   { "Gi", 3 },
	{ "GiB", 3 }, { "T", 4 },  { "Ti", 4 },  { "TiB", 4 }, { "m", -1 },
};

/* Decimal units people write by habit, and the binary unit OSMO wants instead. */
static const struct {
	const char *unit;
	const char *want;
} spec_decimal_units[] = {
	{ "KB", "Ki" }, { "kB", "Ki" }, { "k", "Ki" },  { "kb", "Ki" },
	{ "MB", "Mi" }, { "mb", "Mi" }, { "GB", "Gi" }, { "gb", "Gi" },
	{ "Gb", "Gi" }, { "TB", "Ti" }, { "tb", "Ti" }, { "g", "Gi" },
	{ "Mb", "Mi" }, { "gi", "Gi" }, { "mi", "Mi" }, { "ki", "Ki" },
};

/* OSMO's to_timedelta units. */
static const struct {
	const char *unit;
	int64_t num, den; /* seconds per unit, as a fraction */
} spec_duration_units[] = {
	{ "d", 86400, 1 }, { "h", 3600, 1 },  { "m", 60, 1 },
	{ "s", 1, 1 },     { "ms", 1, 1000 }, { "us", 1, 1000000 },
};

static const char *const spec_exit_names[] = {
#define SPEC_EXIT_NAME(name) #name,
	SPEC_EXIT_ACTIONS(SPEC_EXIT_NAME)
#undef SPEC_EXIT_NAME
};

static const char *const spec_priorities[] = { "HIGH", "NORMAL", "LOW" };

/* ---- Text positions ---- */

static bool
spec_char_start(char c)
{
	return ((unsigned char)c & 0xc0) != 0x80;
}

static void
spec_text_init(struct spec_text *t, const char *text, size_t len)
{
	uint32_t chars = 0, lines = 0;

	*t = (struct spec_text){ .text = text, .len = len, .nblocks = len / SPEC_BLOCK + 1 };
	t->chars = xcalloc(t->nblocks, sizeof(*t->chars));
	t->lines = xcalloc(t->nblocks, sizeof(*t->lines));
	for (size_t k = 0; k < t->nblocks; k++) {
		size_t a = k * SPEC_BLOCK, b = a + SPEC_BLOCK < len ? a + SPEC_BLOCK : len;

		t->chars[k] = chars;
		t->lines[k] = lines;
		for (size_t i = a; i < b; i++) {
			chars += spec_char_start(text[i]);
			lines += text[i] == '\n';
		}
	}
}

static void
spec_text_free(struct spec_text *t)
{
	free(t->chars);
	free(t->lines);
	*t = (struct spec_text){ 0 };
}

/* The byte offset of character number ci (libyaml counts characters). */
static size_t
spec_text_byte(const struct spec_text *t, size_t ci)
{
	size_t lo = 0, hi = t->nblocks;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->chars[mid] <= ci)
			lo = mid;
		else
			hi = mid;
	}
	size_t c = t->chars[lo];
	for (size_t off = lo * SPEC_BLOCK; off < t->len; off++) {
		if (!spec_char_start(t->text[off]))
			continue;
		if (c == ci)
			return off;
		c++;
	}
	return t->len;
}

static size_t
spec_text_chars_before(const struct spec_text *t, size_t off)
{
	size_t k = off / SPEC_BLOCK, c = t->chars[k];

	for (size_t i = k * SPEC_BLOCK; i < off; i++)
		c += spec_char_start(t->text[i]);
	return c;
}

static struct spec_pos
spec_text_pos(const struct spec_text *t, size_t off)
{
	size_t k, nl, line_start = 0;

	if (off > t->len)
		off = t->len;
	k = off / SPEC_BLOCK;
	nl = t->lines[k];
	for (size_t i = k * SPEC_BLOCK; i < off; i++) {
		if (t->text[i] == '\n') {
			nl++;
			line_start = i + 1;
		}
	}
	if (nl > t->lines[k] || nl == 0) {
		/* line_start is right: found in this block, or there is no newline before. */
	} else {
		/* The newline ending the previous line is in an earlier block: find it. */
		size_t lo = 0, hi = k;

		while (hi - lo > 1) {
			size_t mid = lo + (hi - lo) / 2;

			if (t->lines[mid] < nl)
				lo = mid;
			else
				hi = mid;
		}
		size_t seen = t->lines[lo];
		for (size_t i = lo * SPEC_BLOCK; i < k * SPEC_BLOCK; i++) {
			if (t->text[i] == '\n' && ++seen == nl) {
				line_start = i + 1;
				break;
			}
		}
	}
	return (struct spec_pos){ (unsigned)(nl + 1),
		                  (unsigned)(spec_text_chars_before(t, off) -
		                             spec_text_chars_before(t, line_start) + 1) };
}

/* A byte offset in what libyaml read, as a place in the user's file. */
static struct spec_pos
spec_pos_at(const struct spec_ctx *ctx, size_t rendered_off)
{
	size_t src = ctx->map ? template_source_offset(ctx->map, rendered_off)
	                      : rendered_off + ctx->base;

	return spec_text_pos(&ctx->source, src);
}

static struct spec_pos
spec_pos_mark(const struct spec_ctx *ctx, const struct yaml_mark *mark)
{
	return spec_pos_at(ctx, spec_text_byte(&ctx->rendered, mark->index));
}

static struct spec_pos
spec_pos_of(const struct spec_ctx *ctx, const struct yaml_node *node)
{
	return spec_pos_mark(ctx, &node->start);
}

/* ---- Errors ---- */

/* Appends "file:line:col: message" as one printable line; after SPEC_MAX_ERRORS, one notice. */
__attribute__((format(printf, 4, 0))) static void
spec_verror(struct strv *errors, const char *filename, struct spec_pos pos, const char *fmt,
            va_list ap)
{
	struct strbuf sb = { 0 };

	if (errors->n > SPEC_MAX_ERRORS)
		return;
	if (errors->n == SPEC_MAX_ERRORS) {
		strv_push(errors, "too many errors; stopping here");
		return;
	}
	if (pos.line)
		strbuf_addf(&sb, "%s:%u:%u: ", filename, pos.line, pos.col);
	else
		strbuf_addf(&sb, "%s: ", filename);
	strbuf_vaddf(&sb, fmt, ap);
	for (size_t i = 0; i < sb.len; i++)
		if ((unsigned char)sb.buf[i] < 0x20 || sb.buf[i] == 0x7f)
			sb.buf[i] = '?';
	if (sb.len > SPEC_MAX_MESSAGE) {
		size_t cut = SPEC_MAX_MESSAGE;

		while (cut > 0 && !spec_char_start(sb.buf[cut]))
			cut--;
		sb.len = cut;
		strbuf_addstr(&sb, "...");
	}
	strv_push_owned(errors, strbuf_detach(&sb));
}

void
spec_report(struct strv *errors, const char *filename, struct spec_pos pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	spec_verror(errors, filename, pos, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4))) static int
spec_error(struct spec_ctx *ctx, const struct yaml_node *node, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	spec_verror(ctx->errors, ctx->filename,
	            node ? spec_pos_of(ctx, node) : (struct spec_pos){ 0 }, fmt, ap);
	va_end(ap);
	return -1;
}

__attribute__((format(printf, 3, 4))) static int
spec_error_at(struct spec_ctx *ctx, struct spec_pos pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	spec_verror(ctx->errors, ctx->filename, pos, fmt, ap);
	va_end(ap);
	return -1;
}

/* "PATH:LINE:COL: problem context at LINE:COL", with a word about tabs when one is the cause. */
static int
spec_yaml_error(struct spec_ctx *ctx, const struct yaml_error *e)
{
	struct spec_pos pos;
	size_t off;

	switch (e->kind) {
	case YAML_ERR_MEMORY:
		return spec_error_at(ctx, (struct spec_pos){ 0 }, "out of memory reading YAML");
	case YAML_ERR_DEPTH:
		return spec_error_at(ctx, spec_pos_mark(ctx, &e->mark),
		                     "nested more than %u levels deep", SPEC_MAX_DEPTH);
	case YAML_ERR_SECOND:
		/* OSMO reads specs with safe_load, which refuses a second document. */
		return spec_error_at(ctx, spec_pos_mark(ctx, &e->context_mark),
		                     "expected one YAML document, found another ('---')");
	case YAML_ERR_RECURSIVE:
		return spec_error_at(ctx, spec_pos_mark(ctx, &e->mark),
		                     "an alias refers to its own anchor (infinite document)");
	case YAML_ERR_EXPANSION:
		return spec_error_at(ctx, (struct spec_pos){ 1, 1 },
		                     "the spec expands to more than %u YAML nodes through aliases",
		                     SPEC_MAX_NODES);
	default:
		break;
	}
	/* The reader records a byte offset; the others a character index. */
	if (e->kind == YAML_ERR_READER)
		off = e->offset;
	else
		off = spec_text_byte(&ctx->rendered, e->mark.index);
	pos = spec_pos_at(ctx, off);
	const char *hint = off < ctx->rendered.len && ctx->rendered.text[off] == '\t'
	                           ? "; tabs cannot indent YAML, use spaces"
	                           : "";
	if (e->kind == YAML_ERR_READER)
		return spec_error_at(ctx, pos, "%s (byte 0x%02x)%s", e->problem, e->value, hint);
	if (e->context) {
		struct spec_pos cpos = spec_pos_mark(ctx, &e->context_mark);

		return spec_error_at(ctx, pos, "%s %s at %u:%u%s", e->problem, e->context,
		                     cpos.line, cpos.col, hint);
	}
	return spec_error_at(ctx, pos, "%s%s", e->problem, hint);
}

/* Loads the one document of ctx->rendered into doc; the root is NULL for an empty text. */
static int
spec_yaml_load(struct spec_ctx *ctx, struct yaml_doc *doc)
{
	static const struct yaml_limits limits = { SPEC_MAX_DEPTH, SPEC_MAX_NODES };
	struct yaml_error e;

	if (yaml_load(ctx->rendered.text, ctx->rendered.len, &limits, doc, &e) < 0)
		return spec_yaml_error(ctx, &e);
	ctx->root = doc->root;
	return 0;
}

/* ---- Scalars ---- */

static enum spec_kind
spec_kind_of(const struct yaml_node *node)
{
	/* pydantic sees timestamps, "<<" and "=" in specs as text, and so does osmo-local. */
	static const enum spec_kind kinds[] = {
		[YAML_TYPE_NULL] = SPEC_KIND_NULL,     [YAML_TYPE_BOOL] = SPEC_KIND_BOOL,
		[YAML_TYPE_INT] = SPEC_KIND_INT,       [YAML_TYPE_FLOAT] = SPEC_KIND_FLOAT,
		[YAML_TYPE_TIMESTAMP] = SPEC_KIND_STR, [YAML_TYPE_MERGE] = SPEC_KIND_STR,
		[YAML_TYPE_VALUE] = SPEC_KIND_STR,     [YAML_TYPE_STR] = SPEC_KIND_STR,
		[YAML_TYPE_OTHER] = SPEC_KIND_STR,     [YAML_TYPE_SEQ] = SPEC_KIND_SEQ,
		[YAML_TYPE_MAP] = SPEC_KIND_MAP,
	};

	return node ? kinds[node->type] : SPEC_KIND_NULL;
}

static const char *
spec_scalar(const struct yaml_node *node)
{
	return yaml_scalar(node);
}

/* Flow-style text of any node, for display; cut at SPEC_MAX_FLAT. */
static void
spec_flatten(const struct spec_ctx *ctx, const struct yaml_node *node, struct strbuf *sb,
             unsigned depth)
{
	if (!node || sb->len > SPEC_MAX_FLAT || depth > SPEC_MAX_DEPTH * 2) {
		strbuf_addstr(sb, "...");
		return;
	}
	if (yaml_scalar(node)) {
		strbuf_add(sb, node->value, node->len);
	} else if (node->type == YAML_TYPE_SEQ) {
		strbuf_addch(sb, '[');
		for (size_t j = 0; j < node->n && sb->len <= SPEC_MAX_FLAT; j++) {
			if (j)
				strbuf_addstr(sb, ", ");
			spec_flatten(ctx, node->items[j], sb, depth + 1);
		}
		strbuf_addch(sb, ']');
	} else if (node->type == YAML_TYPE_MAP) {
		strbuf_addch(sb, '{');
		for (size_t j = 0; j < node->n && sb->len <= SPEC_MAX_FLAT; j++) {
			if (j)
				strbuf_addstr(sb, ", ");
			spec_flatten(ctx, node->pairs[j].key, sb, depth + 1);
			strbuf_addstr(sb, ": ");
			spec_flatten(ctx, node->pairs[j].value, sb, depth + 1);
		}
		strbuf_addch(sb, '}');
	}
	if (sb->len > SPEC_MAX_FLAT) {
		sb->len = SPEC_MAX_FLAT;
		while (sb->len && !spec_char_start(sb->buf[sb->len]))
			sb->len--;
		sb->buf[sb->len] = '\0';
		strbuf_addstr(sb, "...");
	}
}

static char *
spec_flat(const struct spec_ctx *ctx, const struct yaml_node *node)
{
	struct strbuf sb = { 0 };

	spec_flatten(ctx, node, &sb, 0);
	return strbuf_detach(&sb);
}

static void
spec_map_add(struct spec_map *m, const char *key, char *value, struct spec_pos pos)
{
	m->v = xreallocarray(m->v, m->n + 1, sizeof(*m->v));
	m->v[m->n++] = (struct spec_pair){ xstrdup(key), value, pos };
}

static void
spec_map_free(struct spec_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].key);
		free(m->v[i].value);
	}
	free(m->v);
	*m = (struct spec_map){ 0 };
}

/* ---- Generic field readers ---- */

static int
spec_want(struct spec_ctx *ctx, struct yaml_node *node, enum spec_kind want, const char *key)
{
	enum spec_kind got = spec_kind_of(node);

	if (got == want)
		return 0;
	return spec_error(ctx, node, "'%s' must be %s, not %s", key, spec_kind_names[want],
	                  spec_kind_names[got]);
}

/* Any scalar but null: pydantic's str fields take what YAML gives as text. */
static int
spec_string_of(struct spec_ctx *ctx, struct yaml_node *node, const char *key, char **out)
{
	enum spec_kind k = spec_kind_of(node);

	if (k == SPEC_KIND_NULL)
		return spec_error(ctx, node, "'%s' needs a value", key);
	if (k == SPEC_KIND_SEQ || k == SPEC_KIND_MAP)
		return spec_error(ctx, node, "'%s' must be a string, not %s", key,
		                  spec_kind_names[k]);
	free(*out);
	*out = xstrdup(spec_scalar(node));
	return 0;
}

static int
spec_f_str(struct spec_ctx *ctx, struct yaml_node *value, void *obj, const struct spec_field *f)
{
	return spec_string_of(ctx, value, f->key, (char **)((char *)obj + f->off));
}

/* pydantic's lax bool: YAML booleans, 0 and 1, and the same words as strings. */
static int
spec_f_bool(struct spec_ctx *ctx, struct yaml_node *value, void *obj, const struct spec_field *f)
{
	static const char *const yes[] = { "true", "yes", "on", "1", "t", "y" };
	static const char *const no[] = { "false", "no", "off", "0", "f", "n" };
	const char *s = spec_scalar(value);
	bool *out = (bool *)((char *)obj + f->off);

	for (size_t i = 0; s && i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0 || strcasecmp(s, no[i]) == 0) {
			*out = strcasecmp(s, yes[i]) == 0;
			return 0;
		}
	}
	return spec_error(ctx, value, "'%s' must be true or false", f->key);
}

static int
spec_f_count(struct spec_ctx *ctx, struct yaml_node *value, void *obj, const struct spec_field *f)
{
	const char *s = spec_scalar(value);
	long long v;

	if (!s || spec_kind_of(value) == SPEC_KIND_BOOL || !yaml_int_value(s, &v) || v < 0 ||
	    v > INT_MAX)
		return spec_error(ctx, value, "'%s' must be a whole number, not '%s'", f->key,
		                  s ? s : "a collection");
	*(long *)((char *)obj + f->off) = (long)v;
	return 0;
}

static int
spec_f_strv(struct spec_ctx *ctx, struct yaml_node *value, void *obj, const struct spec_field *f)
{
	struct strv *out = (struct strv *)((char *)obj + f->off);
	int rc = 0;

	if (spec_want(ctx, value, SPEC_KIND_SEQ, f->key) < 0)
		return -1;
	for (size_t j = 0; j < value->n; j++) {
		char *s = NULL;

		if (spec_string_of(ctx, value->items[j], f->key, &s) < 0)
			rc = -1;
		else
			strv_push_owned(out, s);
	}
	return rc;
}

/* Documented fields osmo-local does not act on: kept flattened so they can be shown. */
static int
spec_f_extra(struct spec_ctx *ctx, struct yaml_node *value, void *obj, const struct spec_field *f)
{
	spec_map_add((struct spec_map *)((char *)obj + f->off), f->key, spec_flat(ctx, value),
	             spec_pos_of(ctx, value));
	return 0;
}

static int
spec_f_duration(struct spec_ctx *ctx, struct yaml_node *value, void *obj,
                const struct spec_field *f)
{
	enum spec_kind k = spec_kind_of(value);
	const char *s = spec_scalar(value);
	int64_t *out = (int64_t *)((char *)obj + f->off);
	long long i;

	if (k == SPEC_KIND_INT && yaml_int_value(s, &i) && i >= 0) {
		*out = i;
		return 0;
	}
	if (k == SPEC_KIND_FLOAT && yaml_float_value(s) >= 0 && yaml_float_value(s) < 1e15) {
		*out = (int64_t)yaml_float_value(s);
		return 0;
	}
	if (k == SPEC_KIND_STR && spec_parse_duration(s, out) == 0)
		return 0;
	return spec_error(ctx, value,
	                  "invalid duration '%s' for '%s': write a whole number and one unit of "
	                  "s, m, h or d, like 30m or 2h",
	                  s ? s : "?", f->key);
}

/* The value of a "name:" key in map, if it is a scalar, for naming the thing in messages. */
static const char *
spec_peek(const struct yaml_node *map, const char *key)
{
	if (!map || map->type != YAML_TYPE_MAP)
		return NULL;
	for (size_t j = 0; j < map->n; j++) {
		struct yaml_pair *p = &map->pairs[j];
		const char *k = spec_scalar(p->key);

		if (k && strcmp(k, key) == 0)
			return spec_scalar(p->value);
	}
	return NULL;
}

/*
 * Reads a mapping through a field table: unknown keys, duplicates and missing required
 * fields are errors (OSMO's models forbid extra keys). Returns -1 if anything was wrong.
 */
static int
spec_walk(struct spec_ctx *ctx, struct yaml_node *node, const struct spec_field *fields,
          size_t nfields, void *obj, const char *what)
{
	bool seen[32] = { false };
	int rc = 0;

	if (spec_kind_of(node) != SPEC_KIND_MAP)
		return spec_error(ctx, node, "%s must be a mapping, not %s", what,
		                  spec_kind_names[spec_kind_of(node)]);
	for (size_t j = 0; j < node->n; j++) {
		struct yaml_pair *p = &node->pairs[j];
		struct yaml_node *key = p->key, *value = p->value;
		const char *k = spec_scalar(key);
		size_t i = 0;

		if (!k) {
			rc = spec_error(ctx, key, "keys in %s must be plain names", what);
			continue;
		}
		while (i < nfields && strcmp(fields[i].key, k) != 0)
			i++;
		if (i == nfields) {
			size_t h = 0;

			while (h < ARRAY_SIZE(spec_hints) && strcmp(spec_hints[h].key, k) != 0)
				h++;
			rc = spec_error(ctx, key, "unknown field '%s' in %s%s%s", k, what,
			                h < ARRAY_SIZE(spec_hints) ? "; " : "",
			                h < ARRAY_SIZE(spec_hints) ? spec_hints[h].hint : "");
			continue;
		}
		if (seen[i]) {
			rc = spec_error(ctx, key, "duplicate key '%s' in %s", k, what);
			continue;
		}
		seen[i] = true;
		if (spec_kind_of(value) == SPEC_KIND_NULL && !fields[i].required)
			continue;
		if (fields[i].parse(ctx, value, obj, &fields[i]) < 0) {
			rc = -1;
			continue;
		}
		/* A scalar is reported where it is; a list or mapping at its key. */
		if (fields[i].pos1)
			*(struct spec_pos *)((char *)obj + fields[i].pos1 - 1) =
			        yaml_scalar(value) ? spec_pos_of(ctx, value)
			                           : spec_pos_of(ctx, key);
	}
	for (size_t i = 0; i < nfields; i++)
		if (fields[i].required && !seen[i])
			rc = spec_error(ctx, node, "%s needs '%s'", what, fields[i].key);
	return rc;
}

/* ---- Schema readers ---- */

static int
spec_f_quantity(struct spec_ctx *ctx, struct yaml_node *value, void *obj,
                const struct spec_field *f)
{
	char **out = (char **)((char *)obj + f->off);
	const char *s = spec_scalar(value);
	size_t digits = 0;
	double bytes;

	if (spec_string_of(ctx, value, f->key, out) < 0)
		return -1;
	if (spec_parse_quantity(s, &bytes) == 0)
		return 0;
	while ((s[digits] >= '0' && s[digits] <= '9') || s[digits] == '.')
		digits++;
	for (size_t i = 0; i < ARRAY_SIZE(spec_decimal_units); i++)
		if (digits && strcmp(s + digits, spec_decimal_units[i].unit) == 0)
			return spec_error(
			        ctx, value,
			        "%s '%s' uses '%s'; OSMO needs binary units: write '%.*s%s'",
			        f->key, s, spec_decimal_units[i].unit, (int)digits, s,
			        spec_decimal_units[i].want);
	return spec_error(ctx, value,
	                  "%s '%s' is not a size: write a number and Gi, Mi or Ki, "
	                  "like 32Gi",
	                  f->key, s);
}

static const struct spec_field spec_resource_fields[] = {
	{ "cpu", spec_f_count, offsetof(struct spec_resource, cpu), 0, false },
	{ "gpu", spec_f_count, offsetof(struct spec_resource, gpu), 0, false },
	{ "memory", spec_f_quantity, offsetof(struct spec_resource, memory), 0, false },
	{ "storage", spec_f_quantity, offsetof(struct spec_resource, storage), 0, false },
	{ "platform", spec_f_str, offsetof(struct spec_resource, platform), 0, false },
	{ "nodesExcluded", spec_f_strv, offsetof(struct spec_resource, nodes_excluded), 0, false },
	{ "topology", spec_f_extra, offsetof(struct spec_resource, extra), 0, false },
};

static int
spec_f_resources(struct spec_ctx *ctx, struct yaml_node *value, void *obj,
                 const struct spec_field *f)
{
	struct spec *spec = obj;
	size_t n;
	int rc = 0;

	(void)f;
	if (spec_want(ctx, value, SPEC_KIND_MAP, "resources") < 0)
		return -1;
	n = value->n;
	spec->resources = xcalloc(n ? n : 1, sizeof(*spec->resources));
	spec->resources_given = true;
	for (size_t j = 0; j < value->n; j++) {
		struct yaml_pair *p = &value->pairs[j];
		struct yaml_node *key = p->key;
		struct spec_resource *r = &spec->resources[spec->nresources];
		const char *name = spec_scalar(key);
		char *what;

		if (!name) {
			rc = spec_error(ctx, key, "resource profile names must be plain names");
			continue;
		}
		for (size_t i = 0; i < spec->nresources; i++)
			if (strcmp(spec->resources[i].name, name) == 0)
				rc = spec_error(ctx, key, "duplicate resource profile '%s'", name);
		spec->nresources++;
		*r = (struct spec_resource){
			.name = xstrdup(name), .pos = spec_pos_of(ctx, key), .cpu = -1, .gpu = -1
		};
		what = xasprintf("resource profile '%s'", name);
		if (spec_kind_of(p->value) != SPEC_KIND_NULL &&
		    spec_walk(ctx, p->value, spec_resource_fields, ARRAY_SIZE(spec_resource_fields),
		              r, what) < 0)
			rc = -1;
		free(what);
	}
	return rc;
}

static const struct spec_field spec_timeout_fields[] = {
	{ "exec_timeout", spec_f_duration, offsetof(struct spec, exec_timeout), 0, false },
	{ "queue_timeout", spec_f_duration, offsetof(struct spec, queue_timeout), 0, false },
};

static int
spec_f_timeout(struct spec_ctx *ctx, struct yaml_node *value, void *obj, const struct spec_field *f)
{
	(void)f;
	return spec_walk(ctx, value, spec_timeout_fields, ARRAY_SIZE(spec_timeout_fields), obj,
	                 "timeout");
}

static int
spec_f_priority(struct spec_ctx *ctx, struct yaml_node *value, void *obj,
                const struct spec_field *f)
{
	struct spec *spec = obj;

	if (spec_string_of(ctx, value, f->key, &spec->priority) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(spec_priorities); i++)
		if (strcasecmp(spec->priority, spec_priorities[i]) == 0)
			return 0;
	return spec_error(ctx, value, "priority '%s' must be HIGH, NORMAL or LOW", spec->priority);
}

/* A list whose items are mappings read by item(); the array grows by size bytes an item. */
static int
spec_f_list(struct spec_ctx *ctx, struct yaml_node *value, const char *key, void **array,
            size_t *count, size_t size,
            int (*item)(struct spec_ctx *, struct yaml_node *, void *, size_t, const void *),
            const void *arg)
{
	size_t n;
	int rc = 0;

	if (spec_want(ctx, value, SPEC_KIND_SEQ, key) < 0)
		return -1;
	n = value->n;
	*array = xcalloc(n ? n : 1, size);
	for (size_t i = 0; i < n; i++) {
		void *slot = (char *)*array + i * size;

		if (item(ctx, value->items[i], slot, i, arg) < 0)
			rc = -1;
		(*count)++;
	}
	return rc;
}

static const struct spec_field spec_file_fields[] = {
	{ "path", spec_f_str, offsetof(struct spec_file, path), 0, true },
	{ "contents", spec_f_str, offsetof(struct spec_file, contents), 0, false },
	{ "localpath", spec_f_str, offsetof(struct spec_file, localpath), 0, false },
	{ "base64", spec_f_bool, offsetof(struct spec_file, base64), 0, false },
};

static int
spec_file_item(struct spec_ctx *ctx, struct yaml_node *node, void *slot, size_t i, const void *arg)
{
	struct spec_file *file = slot;
	char *what = xasprintf("files[%zu] of %s", i, (const char *)arg);
	int rc;

	file->pos = spec_pos_of(ctx, node);
	rc = spec_walk(ctx, node, spec_file_fields, ARRAY_SIZE(spec_file_fields), file, what);
	if (rc == 0 && !file->contents && !file->localpath)
		rc = spec_error(ctx, node, "%s needs 'contents'", what);
	free(what);
	return rc;
}

static int
spec_f_files(struct spec_ctx *ctx, struct yaml_node *value, void *obj, const struct spec_field *f)
{
	struct spec_task *task = obj;
	char *what = xasprintf("task '%s'", task->name ? task->name : "?");
	int rc = spec_f_list(ctx, value, f->key, (void **)&task->files, &task->nfiles,
	                     sizeof(*task->files), spec_file_item, what);

	free(what);
	return rc;
}

static const struct spec_field spec_dataset_fields[] = {
	{ "name", spec_f_str, offsetof(struct spec_io, name), SPEC_POS(struct spec_io, ref_pos),
	  true },
	{ "path", spec_f_str, offsetof(struct spec_io, path), 0, false },
	{ "regex", spec_f_str, offsetof(struct spec_io, regex), 0, false },
	{ "metadata", spec_f_strv, offsetof(struct spec_io, metadata), 0, false },
	{ "labels", spec_f_strv, offsetof(struct spec_io, labels), 0, false },
	{ "localpath", spec_f_str, offsetof(struct spec_io, path), 0, false },
};

static const struct spec_field spec_update_dataset_fields[] = {
	{ "name", spec_f_str, offsetof(struct spec_io, name), SPEC_POS(struct spec_io, ref_pos),
	  true },
	{ "paths", spec_f_strv, offsetof(struct spec_io, paths), 0, false },
	{ "metadata", spec_f_strv, offsetof(struct spec_io, metadata), 0, false },
	{ "labels", spec_f_strv, offsetof(struct spec_io, labels), 0, false },
};

static int
spec_f_dataset(struct spec_ctx *ctx, struct yaml_node *value, void *obj, const struct spec_field *f)
{
	struct spec_io *io = obj;
	bool update = io->kind == SPEC_IO_UPDATE_DATASET;

	return spec_walk(ctx, value, update ? spec_update_dataset_fields : spec_dataset_fields,
	                 update ? ARRAY_SIZE(spec_update_dataset_fields)
	                        : ARRAY_SIZE(spec_dataset_fields),
	                 obj, f->key);
}

/* "task" or "workflow_id:task", as OSMO's TASKNAMEREGEX allows. */
static int
spec_f_input_task(struct spec_ctx *ctx, struct yaml_node *value, void *obj,
                  const struct spec_field *f)
{
	struct spec_io *io = obj;
	char *colon;

	if (spec_string_of(ctx, value, f->key, &io->task) < 0)
		return -1;
	colon = strchr(io->task, ':');
	if (colon) {
		io->workflow_id = xstrndup(io->task, (size_t)(colon - io->task));
		memmove(io->task, colon + 1, strlen(colon + 1) + 1);
	}
	return 0;
}

static const struct spec_field spec_io_task_fields[] = {
	{ "task", spec_f_input_task, 0, SPEC_POS(struct spec_io, ref_pos), true },
	{ "regex", spec_f_str, offsetof(struct spec_io, regex), 0, false },
};

static const struct spec_field spec_io_dataset_fields[] = {
	{ "dataset", spec_f_dataset, 0, 0, true },
};

static const struct spec_field spec_io_update_fields[] = {
	{ "update_dataset", spec_f_dataset, 0, 0, true },
};

static const struct spec_field spec_io_url_fields[] = {
	{ "url", spec_f_str, offsetof(struct spec_io, url), SPEC_POS(struct spec_io, ref_pos),
	  true },
	{ "regex", spec_f_str, offsetof(struct spec_io, regex), 0, false },
};

/* The shapes an input or output can take, told apart by their first key. */
static const struct spec_io_shape {
	const char *key;
	enum spec_io_kind kind;
	bool input, output;
	const struct spec_field *fields;
	size_t nfields;
} spec_io_shapes[] = {
	{ "task", SPEC_IO_TASK, true, false, spec_io_task_fields, ARRAY_SIZE(spec_io_task_fields) },
	{ "dataset", SPEC_IO_DATASET, true, true, spec_io_dataset_fields,
	  ARRAY_SIZE(spec_io_dataset_fields) },
	{ "url", SPEC_IO_URL, true, true, spec_io_url_fields, ARRAY_SIZE(spec_io_url_fields) },
	{ "update_dataset", SPEC_IO_UPDATE_DATASET, false, true, spec_io_update_fields,
	  ARRAY_SIZE(spec_io_update_fields) },
};

struct spec_io_arg {
	const char *task;
	bool input;
};

static int
spec_io_item(struct spec_ctx *ctx, struct yaml_node *node, void *slot, size_t i, const void *arg)
{
	const struct spec_io_arg *a = arg;
	struct spec_io *io = slot;
	const char *side = a->input ? "inputs" : "outputs";
	const struct spec_io_shape *shape = NULL;
	char *what;
	int rc;

	io->pos = spec_pos_of(ctx, node);
	for (size_t s = 0; s < ARRAY_SIZE(spec_io_shapes) && !shape; s++)
		if ((a->input ? spec_io_shapes[s].input : spec_io_shapes[s].output) &&
		    spec_peek(node, spec_io_shapes[s].key) != NULL)
			shape = &spec_io_shapes[s];
	/* A dataset's value is a mapping, which spec_peek does not return: look for the key. */
	for (size_t s = 0; s < ARRAY_SIZE(spec_io_shapes) && !shape; s++) {
		if (!(a->input ? spec_io_shapes[s].input : spec_io_shapes[s].output) ||
		    node->type != YAML_TYPE_MAP)
			continue;
		for (size_t j = 0; j < node->n; j++) {
			struct yaml_pair *p = &node->pairs[j];
			const char *k = spec_scalar(p->key);

			if (k && strcmp(k, spec_io_shapes[s].key) == 0)
				shape = &spec_io_shapes[s];
		}
	}
	if (!shape)
		return spec_error(ctx, node, "%s[%zu] of task '%s' needs one of %s", side, i,
		                  a->task,
		                  a->input ? "'task', 'dataset' or 'url'"
		                           : "'dataset', 'url' or 'update_dataset'");
	io->kind = shape->kind;
	what = xasprintf("%s[%zu] of task '%s'", side, i, a->task);
	rc = spec_walk(ctx, node, shape->fields, shape->nfields, io, what);
	free(what);
	return rc;
}

static int
spec_f_io(struct spec_ctx *ctx, struct yaml_node *value, void *obj, const struct spec_field *f)
{
	struct spec_task *task = obj;
	struct spec_io_arg arg = { task->name ? task->name : "?", strcmp(f->key, "inputs") == 0 };

	if (arg.input)
		return spec_f_list(ctx, value, f->key, (void **)&task->inputs, &task->ninputs,
		                   sizeof(*task->inputs), spec_io_item, &arg);
	return spec_f_list(ctx, value, f->key, (void **)&task->outputs, &task->noutputs,
	                   sizeof(*task->outputs), spec_io_item, &arg);
}

static int
spec_f_environment(struct spec_ctx *ctx, struct yaml_node *value, void *obj,
                   const struct spec_field *f)
{
	struct spec_map *env = (struct spec_map *)((char *)obj + f->off);
	int rc = 0;

	if (spec_want(ctx, value, SPEC_KIND_MAP, f->key) < 0)
		return -1;
	for (size_t j = 0; j < value->n; j++) {
		struct yaml_pair *p = &value->pairs[j];
		struct yaml_node *key = p->key, *v = p->value;
		const char *k = spec_scalar(key);
		char *s = NULL;

		if (!k) {
			rc = spec_error(ctx, key, "%s names must be plain names", f->key);
			continue;
		}
		for (size_t i = 0; i < env->n; i++)
			if (strcmp(env->v[i].key, k) == 0)
				rc = spec_error(ctx, key, "duplicate key '%s' in %s", k, f->key);
		if (spec_string_of(ctx, v, k, &s) < 0) {
			rc = -1;
			continue;
		}
		spec_map_add(env, k, s, spec_pos_of(ctx, key));
	}
	return rc;
}

/* A credential is a mount path, or a mapping of environment variables to secret keys. */
static int
spec_f_credentials(struct spec_ctx *ctx, struct yaml_node *value, void *obj,
                   const struct spec_field *f)
{
	struct spec_map *creds = (struct spec_map *)((char *)obj + f->off);
	int rc = 0;

	if (spec_want(ctx, value, SPEC_KIND_MAP, f->key) < 0)
		return -1;
	for (size_t j = 0; j < value->n; j++) {
		struct yaml_pair *p = &value->pairs[j];
		struct yaml_node *key = p->key, *v = p->value;
		enum spec_kind k = spec_kind_of(v);

		if (!spec_scalar(key) || k == SPEC_KIND_NULL || k == SPEC_KIND_SEQ) {
			rc = spec_error(ctx, v,
			                "credential must be a mount path or a mapping of "
			                "environment variables to secret keys");
			continue;
		}
		spec_map_add(creds, spec_scalar(key), spec_flat(ctx, v), spec_pos_of(ctx, key));
	}
	return rc;
}

/* OSMO's CODE_REGEX: codes and ranges joined by commas, no spaces: "0", "1-255", "1,2,10-20". */
static int
spec_parse_codes(const char *s, struct spec_code_range **out, size_t *n)
{
	const char *p = s;

	*out = NULL;
	*n = 0;
	while (*p) {
		long lo, hi;
		char *end;

		if (*p < '0' || *p > '9')
			return -1;
		lo = strtol(p, &end, 10);
		hi = lo;
		p = end;
		if (*p == '-') {
			if (p[1] < '0' || p[1] > '9')
				return -1;
			hi = strtol(p + 1, &end, 10);
			p = end;
		}
		if (lo > 1000000 || hi > 1000000 || lo > hi)
			return -1;
		*out = xreallocarray(*out, *n + 1, sizeof(**out));
		(*out)[(*n)++] = (struct spec_code_range){ (int)lo, (int)hi };
		if (*p == ',' && p[1])
			p++;
		else if (*p)
			return -1;
	}
	return *n ? 0 : -1;
}

static int
spec_f_exit_actions(struct spec_ctx *ctx, struct yaml_node *value, void *obj,
                    const struct spec_field *f)
{
	struct spec_task *task = obj;
	size_t n;
	int rc = 0;

	if (spec_want(ctx, value, SPEC_KIND_MAP, f->key) < 0)
		return -1;
	n = value->n;
	task->exit_actions = xcalloc(n ? n : 1, sizeof(*task->exit_actions));
	for (size_t j = 0; j < value->n; j++) {
		struct yaml_pair *p = &value->pairs[j];
		struct yaml_node *key = p->key, *v = p->value;
		const char *k = spec_scalar(key), *codes = spec_scalar(v);
		struct spec_exit_rule *rule = &task->exit_actions[task->nexit_actions];
		size_t a = 0;

		while (k && a < SPEC_EXIT_N && strcasecmp(k, spec_exit_names[a]) != 0)
			a++;
		if (a == SPEC_EXIT_N) {
			rc = spec_error(ctx, key,
			                "invalid exit action '%s' (use COMPLETE, FAIL, "
			                "RESCHEDULE or RESTART)",
			                k ? k : "?");
			continue;
		}
		for (size_t i = 0; i < task->nexit_actions; i++)
			if (task->exit_actions[i].action == a)
				rc = spec_error(ctx, key, "duplicate exit action '%s'", k);
		if (!codes || spec_kind_of(v) == SPEC_KIND_NULL ||
		    spec_parse_codes(codes, &rule->ranges, &rule->nranges) < 0) {
			free(rule->ranges);
			rule->ranges = NULL;
			rc = spec_error(
			        ctx, v,
			        "invalid exit codes '%s' for %s: write codes and ranges joined "
			        "by commas, like 1,2,10-20 (no spaces; ranges low to high)",
			        codes ? codes : "?", spec_exit_names[a]);
			continue;
		}
		rule->action = (enum spec_exit_action)a;
		rule->codes = xstrdup(codes);
		rule->pos = spec_pos_of(ctx, v);
		task->nexit_actions++;
	}
	return rc;
}

static const struct spec_field spec_checkpoint_fields[] = {
	{ "path", spec_f_str, offsetof(struct spec_checkpoint, path), 0, true },
	{ "url", spec_f_str, offsetof(struct spec_checkpoint, url), 0, true },
	{ "frequency", spec_f_duration, offsetof(struct spec_checkpoint, frequency), 0, true },
	{ "regex", spec_f_str, offsetof(struct spec_checkpoint, regex), 0, false },
};

static int
spec_checkpoint_item(struct spec_ctx *ctx, struct yaml_node *node, void *slot, size_t i,
                     const void *arg)
{
	struct spec_checkpoint *c = slot;
	char *what = xasprintf("checkpoint[%zu] of task '%s'", i, (const char *)arg);
	int rc;

	c->pos = spec_pos_of(ctx, node);
	rc = spec_walk(ctx, node, spec_checkpoint_fields, ARRAY_SIZE(spec_checkpoint_fields), c,
	               what);
	free(what);
	return rc;
}

static int
spec_f_checkpoint(struct spec_ctx *ctx, struct yaml_node *value, void *obj,
                  const struct spec_field *f)
{
	struct spec_task *task = obj;

	return spec_f_list(ctx, value, f->key, (void **)&task->checkpoints, &task->ncheckpoints,
	                   sizeof(*task->checkpoints), spec_checkpoint_item,
	                   task->name ? task->name : "?");
}

static int
spec_f_lead(struct spec_ctx *ctx, struct yaml_node *value, void *obj, const struct spec_field *f)
{
	struct spec_task *task = obj;

	task->lead_set = true;
	return spec_f_bool(ctx, value, obj, f);
}

static int
spec_f_cache_size(struct spec_ctx *ctx, struct yaml_node *value, void *obj,
                  const struct spec_field *f)
{
	struct spec_task *task = obj;
	const char *s = spec_scalar(value);
	char *end;

	if (s && s[0] && s[strlen(s) - 1] == '%') {
		double pct = strtod(s, &end);

		if (spec_string_of(ctx, value, f->key, &task->cache_size) < 0)
			return -1;
		if (*end != '%' || end == s || pct < 0 || pct > 100)
			return spec_error(ctx, value,
			                  "cacheSize '%s' must be 0%% to 100%% or a size "
			                  "like 10Gi",
			                  s);
		return 0;
	}
	return spec_f_quantity(ctx, value, obj, f);
}

static void
spec_task_token(struct spec_task *task, enum spec_token_kind kind, const char *arg, size_t len,
                struct spec_pos pos)
{
	struct spec_token *t;

	task->tokens = xreallocarray(task->tokens, task->ntokens + 1, sizeof(*task->tokens));
	t = &task->tokens[task->ntokens++];
	*t = (struct spec_token){ .kind = kind, .pos = pos, .index = -1 };
	if (arg) {
		t->arg = xstrndup(arg, len);
		if (kind == SPEC_TOKEN_INPUT_INDEX)
			t->index = strtol(t->arg, NULL, 10);
	}
}

/*
 * Records the run-time tokens in one scalar. Each is placed by finding the same text in the
 * scalar's source (escapes aside, tokens are written as they read); else at the scalar.
 */
static void
spec_scan_scalar(struct spec_ctx *ctx, const struct yaml_node *node, struct spec_task *task)
{
	const char *s = node->value;
	size_t len = node->len;
	size_t a = spec_text_byte(&ctx->rendered, node->start.index);
	size_t b = spec_text_byte(&ctx->rendered, node->end.index);
	size_t from = a;

	for (const char *p = s; (p = strstr(p, "{{")); p += 2) {
		const char *close = strstr(p + 2, "}}");
		const char *in, *in_end;
		struct spec_pos pos;

		if (!close || (size_t)(close - s) > len)
			break;
		if (!template_is_special_token(p + 2, (size_t)(close - p - 2)))
			continue;
		in = p + 2;
		in_end = close;
		while (*in == ' ')
			in++;
		while (in_end > in && in_end[-1] == ' ')
			in_end--;
		/* Find this token's text in the source of the scalar. */
		size_t tlen = (size_t)(close + 2 - p), at = SIZE_MAX;
		for (size_t i = from; i + tlen <= b && i + tlen <= ctx->rendered.len; i++) {
			if (memcmp(ctx->rendered.text + i, p, tlen) == 0) {
				at = i;
				break;
			}
		}
		if (at != SIZE_MAX) {
			pos = spec_pos_at(ctx, at);
			from = at + tlen;
		} else {
			pos = spec_pos_of(ctx, node);
		}
		if (strncmp(in, "input:", 6) == 0) {
			const char *arg = in + 6;
			size_t alen = (size_t)(in_end - arg);
			bool digits = alen > 0 && alen < 10 && strspn(arg, "0123456789") >= alen;

			spec_task_token(task,
			                digits ? SPEC_TOKEN_INPUT_INDEX : SPEC_TOKEN_INPUT_TASK,
			                arg, alen, pos);
		} else if (strncmp(in, "host:", 5) == 0) {
			spec_task_token(task, SPEC_TOKEN_HOST, in + 5, (size_t)(in_end - in - 5),
			                pos);
		} else if (strncmp(in, "output", 6) == 0) {
			spec_task_token(task, SPEC_TOKEN_OUTPUT, NULL, 0, pos);
		} else if (strncmp(in, "workflow_id", 11) == 0) {
			spec_task_token(task, SPEC_TOKEN_WORKFLOW_ID, NULL, 0, pos);
		} else {
			spec_task_token(task, SPEC_TOKEN_UUID, NULL, 0, pos);
		}
		p = close;
	}
}

/* OSMO substitutes tokens anywhere in a task's values; so every scalar value is scanned. */
static void
spec_scan_tokens(struct spec_ctx *ctx, const struct yaml_node *node, struct spec_task *task,
                 unsigned depth)
{
	if (!node || depth > SPEC_MAX_DEPTH * 2)
		return;
	if (yaml_scalar(node)) {
		if (node->len >= 4 && strstr(node->value, "{{"))
			spec_scan_scalar(ctx, node, task);
	} else if (node->type == YAML_TYPE_SEQ) {
		for (size_t j = 0; j < node->n; j++)
			spec_scan_tokens(ctx, node->items[j], task, depth + 1);
	} else if (node->type == YAML_TYPE_MAP) {
		for (size_t j = 0; j < node->n; j++)
			spec_scan_tokens(ctx, node->pairs[j].value, task, depth + 1);
	}
}

static const struct spec_field spec_task_fields[] = {
	{ "name", spec_f_str, offsetof(struct spec_task, name), SPEC_POS(struct spec_task, pos),
	  true },
	{ "image", spec_f_str, offsetof(struct spec_task, image), 0, true },
	{ "command", spec_f_strv, offsetof(struct spec_task, command),
	  SPEC_POS(struct spec_task, command_pos), true },
	{ "args", spec_f_strv, offsetof(struct spec_task, args), 0, false },
	{ "inputs", spec_f_io, 0, 0, false },
	{ "outputs", spec_f_io, 0, 0, false },
	{ "kpis", spec_f_extra, offsetof(struct spec_task, extra), 0, false },
	{ "lead", spec_f_lead, offsetof(struct spec_task, lead),
	  SPEC_POS(struct spec_task, lead_pos), false },
	{ "environment", spec_f_environment, offsetof(struct spec_task, environment), 0, false },
	{ "files", spec_f_files, 0, 0, false },
	{ "privileged", spec_f_bool, offsetof(struct spec_task, privileged), 0, false },
	{ "hostNetwork", spec_f_bool, offsetof(struct spec_task, host_network), 0, false },
	{ "volumeMounts", spec_f_strv, offsetof(struct spec_task, volume_mounts), 0, false },
	{ "credentials", spec_f_credentials, offsetof(struct spec_task, credentials), 0, false },
	{ "downloadType", spec_f_str, offsetof(struct spec_task, download_type), 0, false },
	{ "cacheSize", spec_f_cache_size, offsetof(struct spec_task, cache_size), 0, false },
	{ "exitActions", spec_f_exit_actions, 0, 0, false },
	{ "checkpoint", spec_f_checkpoint, 0, 0, false },
	{ "resources", spec_f_extra, offsetof(struct spec_task, extra), 0, false },
	{ "backend", spec_f_str, offsetof(struct spec_task, backend), 0, false },
	{ "resource", spec_f_str, offsetof(struct spec_task, resource),
	  SPEC_POS(struct spec_task, resource_pos), false },
};

static int
spec_task_item(struct spec_ctx *ctx, struct yaml_node *node, void *slot, size_t i, const void *arg)
{
	struct spec_task *task = slot;
	const char *name = spec_peek(node, "name");
	char *what = name ? xasprintf("task '%s'", name) : xasprintf("task %zu", i);
	int rc;

	(void)arg;
	task->pos = spec_pos_of(ctx, node);
	task->profile = SIZE_MAX;
	task->name = name ? xstrdup(name) : NULL;
	rc = spec_walk(ctx, node, spec_task_fields, ARRAY_SIZE(spec_task_fields), task, what);
	if (!task->name)
		task->name = xasprintf("task-%zu", i);
	spec_scan_tokens(ctx, node, task, 0);
	free(what);
	return rc;
}

static int
spec_f_group_tasks(struct spec_ctx *ctx, struct yaml_node *value, void *obj,
                   const struct spec_field *f)
{
	struct spec_group *g = obj;

	return spec_f_list(ctx, value, f->key, (void **)&g->tasks, &g->ntasks, sizeof(*g->tasks),
	                   spec_task_item, NULL);
}

static const struct spec_field spec_group_fields[] = {
	{ "name", spec_f_str, offsetof(struct spec_group, name), SPEC_POS(struct spec_group, pos),
	  true },
	{ "barrier", spec_f_bool, offsetof(struct spec_group, barrier), 0, false },
	{ "ignoreNonleadStatus", spec_f_bool, offsetof(struct spec_group, ignore_nonlead_status), 0,
	  false },
	{ "tasks", spec_f_group_tasks, 0, 0, true },
};

static int
spec_group_item(struct spec_ctx *ctx, struct yaml_node *node, void *slot, size_t i, const void *arg)
{
	struct spec_group *g = slot;
	const char *name = spec_peek(node, "name");
	char *what = name ? xasprintf("group '%s'", name) : xasprintf("group %zu", i);
	int rc;

	(void)arg;
	g->pos = spec_pos_of(ctx, node);
	g->name = name ? xstrdup(name) : NULL;
	g->barrier = true;
	g->ignore_nonlead_status = true;
	rc = spec_walk(ctx, node, spec_group_fields, ARRAY_SIZE(spec_group_fields), g, what);
	if (!g->name)
		g->name = xasprintf("group-%zu", i);
	free(what);
	return rc;
}

/* Where workflow.tasks and workflow.groups go before they are merged into spec.groups. */
struct spec_workflow {
	struct spec *spec;
	struct spec_task *tasks;
	size_t ntasks;
	struct spec_group *groups;
	size_t ngroups;
	struct spec_pos tasks_pos, groups_pos, name_pos;
};

static int
spec_f_wf_tasks(struct spec_ctx *ctx, struct yaml_node *value, void *obj,
                const struct spec_field *f)
{
	struct spec_workflow *wf = obj;

	return spec_f_list(ctx, value, f->key, (void **)&wf->tasks, &wf->ntasks, sizeof(*wf->tasks),
	                   spec_task_item, NULL);
}

static int
spec_f_wf_groups(struct spec_ctx *ctx, struct yaml_node *value, void *obj,
                 const struct spec_field *f)
{
	struct spec_workflow *wf = obj;

	return spec_f_list(ctx, value, f->key, (void **)&wf->groups, &wf->ngroups,
	                   sizeof(*wf->groups), spec_group_item, NULL);
}

/*
 * workflow.labels: strings to strings, as construct_workflow_dict reads them from the loaded
 * YAML (objects.py:980-985); a key given twice keeps its place and takes the last value, as
 * in PyYAML. The rules of keys and values are --label's too (labels.c).
 */
static int
spec_f_labels(struct spec_ctx *ctx, struct yaml_node *value, void *obj, const struct spec_field *f)
{
	struct spec *spec = obj;
	int rc = 0;

	(void)f;
	if (spec_kind_of(value) != SPEC_KIND_MAP)
		return spec_error(ctx, value,
		                  "Workflow labels must be a map of string keys to string values.");
	for (size_t j = 0; j < value->n; j++) {
		struct yaml_pair *p = &value->pairs[j];
		size_t i = 0;

		if (p->key->type != YAML_TYPE_STR) {
			rc = spec_error(ctx, p->key, "Workflow label keys must be strings.");
			continue;
		}
		if (p->value->type != YAML_TYPE_STR) {
			rc = spec_error(ctx, p->value, "Workflow label values must be strings.");
			continue;
		}
		while (i < spec->labels.n && strcmp(spec->labels.v[i].key, p->key->value) != 0)
			i++;
		if (i == spec->labels.n) {
			spec_map_add(&spec->labels, p->key->value, xstrdup(p->value->value),
			             spec_pos_of(ctx, p->key));
		} else {
			free(spec->labels.v[i].value);
			spec->labels.v[i].value = xstrdup(p->value->value);
		}
	}
	return rc;
}

/* The fields that land in struct spec itself are read through this shim. */
static int
spec_f_wf_spec(struct spec_ctx *ctx, struct yaml_node *value, void *obj, const struct spec_field *f)
{
	static const struct {
		const char *key;
		int (*parse)(struct spec_ctx *, struct yaml_node *, void *,
		             const struct spec_field *);
		size_t off;
	} inner[] = {
		{ "name", spec_f_str, offsetof(struct spec, name) },
		{ "pool", spec_f_str, offsetof(struct spec, pool) },
		{ "backend", spec_f_str, offsetof(struct spec, backend) },
		{ "priority", spec_f_priority, 0 },
		{ "resources", spec_f_resources, 0 },
		{ "timeout", spec_f_timeout, 0 },
		{ "labels", spec_f_labels, 0 },
	};
	struct spec_workflow *wf = obj;

	for (size_t i = 0; i < ARRAY_SIZE(inner); i++) {
		if (strcmp(inner[i].key, f->key) == 0) {
			struct spec_field g = { f->key, inner[i].parse, inner[i].off, 0,
				                f->required };

			return inner[i].parse(ctx, value, wf->spec, &g);
		}
	}
	return 0;
}

static const struct spec_field spec_workflow_fields[] = {
	{ "name", spec_f_wf_spec, 0, SPEC_POS(struct spec_workflow, name_pos), true },
	{ "pool", spec_f_wf_spec, 0, 0, false },
	{ "backend", spec_f_wf_spec, 0, 0, false },
	{ "priority", spec_f_wf_spec, 0, 0, false },
	{ "resources", spec_f_wf_spec, 0, 0, false },
	{ "timeout", spec_f_wf_spec, 0, 0, false },
	{ "labels", spec_f_wf_spec, 0, 0, false },
	{ "tasks", spec_f_wf_tasks, 0, SPEC_POS(struct spec_workflow, tasks_pos), false },
	{ "groups", spec_f_wf_groups, 0, SPEC_POS(struct spec_workflow, groups_pos), false },
};

/* Top-level tasks become groups of one named "<task>-group" (OSMO's WorkflowSpec.parse). */
static void
spec_merge_groups(struct spec *spec, struct spec_workflow *wf)
{
	spec->ngroups = wf->ngroups + wf->ntasks;
	spec->groups = xcalloc(spec->ngroups ? spec->ngroups : 1, sizeof(*spec->groups));
	for (size_t i = 0; i < wf->ngroups; i++)
		spec->groups[i] = wf->groups[i];
	for (size_t i = 0; i < wf->ntasks; i++) {
		struct spec_group *g = &spec->groups[wf->ngroups + i];

		*g = (struct spec_group){ .name = xasprintf("%s-group", wf->tasks[i].name),
			                  .pos = wf->tasks[i].pos,
			                  .barrier = true,
			                  .ignore_nonlead_status = true,
			                  .implicit = true,
			                  .ntasks = 1 };
		g->tasks = xcalloc(1, sizeof(*g->tasks));
		g->tasks[0] = wf->tasks[i];
	}
	spec->from_tasks = wf->ntasks > 0;
	free(wf->groups);
	free(wf->tasks);
}

static int
spec_parse_workflow(struct spec_ctx *ctx, struct yaml_node *node, struct spec *spec)
{
	struct spec_workflow wf = { .spec = spec };
	int rc;

	spec->pos = spec_pos_of(ctx, node);
	rc = spec_walk(ctx, node, spec_workflow_fields, ARRAY_SIZE(spec_workflow_fields), &wf,
	               "workflow");
	/* OSMO checks truthiness: an empty list counts as absent. */
	if (wf.ntasks && wf.ngroups)
		rc = spec_error_at(ctx, wf.groups_pos,
		                   "workflow has both 'tasks:' (line %u) and 'groups:'; use one or "
		                   "the other",
		                   wf.tasks_pos.line);
	else if (!wf.ntasks && !wf.ngroups && spec_kind_of(node) == SPEC_KIND_MAP)
		rc = spec_error_at(ctx, spec->pos,
		                   "workflow needs 'tasks:' or 'groups:' with at least one entry");
	spec->name_pos = wf.name_pos;
	spec_merge_groups(spec, &wf);
	if (!spec->resources_given) {
		spec->resources = xcalloc(1, sizeof(*spec->resources));
		spec->resources[0] =
		        (struct spec_resource){ .name = xstrdup("default"), .cpu = -1, .gpu = -1 };
		spec->nresources = 1;
	}
	return rc;
}

static int
spec_parse_version(struct spec_ctx *ctx, struct yaml_node *node, struct spec *spec)
{
	const char *s = spec_scalar(node);
	enum spec_kind k = spec_kind_of(node);
	long long v = 0;

	/* OSMO coerces: 2, "2" and 2.0 are all version 2. */
	if ((k == SPEC_KIND_INT || k == SPEC_KIND_STR) && s && yaml_int_value(s, &v) && v == 2)
		spec->version = 2;
	else if (k == SPEC_KIND_FLOAT && yaml_float_value(s) == 2.0)
		spec->version = 2;
	else
		return spec_error(ctx, node, "unsupported workflow version '%s' (must be 2)",
		                  s ? s : spec_kind_names[k]);
	return 0;
}

static int
spec_parse_root(struct spec_ctx *ctx, struct spec *spec)
{
	struct yaml_node *root = ctx->root, *workflow = NULL;
	struct yaml_node *seen[3] = { NULL, NULL, NULL };
	static const char *const keys[] = { "version", "workflow", "default-values" };
	int rc = 0;

	spec->version = 2;
	if (!root || spec_kind_of(root) == SPEC_KIND_NULL)
		return spec_error_at(ctx, (struct spec_pos){ 1, 1 },
		                     "the spec is empty: expected a mapping with 'workflow:'");
	if (root->type != YAML_TYPE_MAP)
		return spec_error(ctx, root, "the spec must be a mapping with 'workflow:', not %s",
		                  spec_kind_names[spec_kind_of(root)]);
	for (size_t j = 0; j < root->n; j++) {
		struct yaml_pair *p = &root->pairs[j];
		struct yaml_node *key = p->key, *value = p->value;
		const char *k = spec_scalar(key);
		size_t i = 0;

		while (k && i < ARRAY_SIZE(keys) && strcmp(keys[i], k) != 0)
			i++;
		if (!k || i == ARRAY_SIZE(keys)) {
			rc = spec_error(ctx, key,
			                "unknown top-level key '%s' (expected version, "
			                "workflow and default-values)",
			                k ? k : "?");
			continue;
		}
		if (seen[i]) {
			rc = spec_error(ctx, key, "duplicate top-level key '%s'", k);
			continue;
		}
		seen[i] = value;
		if (i == 0 && spec_parse_version(ctx, value, spec) < 0)
			rc = -1;
		if (i == 1)
			workflow = value;
	}
	if (!seen[1])
		return spec_error(ctx, root, "no 'workflow:' section");
	if (spec_parse_workflow(ctx, workflow, spec) < 0)
		rc = -1;
	return rc;
}

bool
spec_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > SPEC_MAX_NAME ||
	    !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];
		bool alnum =
		        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

		if (!alnum && !((c == '-' || c == '_') && i + 1 < n))
			return false;
	}
	return true;
}

/* ---- Sections and defaults ---- */

/* The byte range of the default-values section: OSMO finds it with a regex on the raw text. */
static int
spec_find_defaults(struct spec_ctx *ctx, const char *raw, size_t len, size_t *start, size_t *end)
{
	static const char key[] = "default-values:";
	size_t found = 0;

	*start = *end = len;
	for (size_t line = 0; line < len;) {
		const char *nl = memchr(raw + line, '\n', len - line);
		size_t next = nl ? (size_t)(nl - raw) + 1 : len;

		if (len - line >= sizeof(key) - 1 &&
		    memcmp(raw + line, key, sizeof(key) - 1) == 0) {
			if (found++) {
				spec_error_at(
				        ctx, spec_text_pos(&ctx->source, line),
				        "a second default-values section (the first is at line %u)",
				        spec_text_pos(&ctx->source, *start).line);
				return -1;
			}
			*start = line;
			/* It runs to the next line that starts with something other than space or #. */
			size_t e = next;
			while (e < len && (raw[e] == ' ' || raw[e] == '\t' || raw[e] == '#' ||
			                   raw[e] == '\n' || raw[e] == '\r')) {
				const char *nl2 = memchr(raw + e, '\n', len - e);

				e = nl2 ? (size_t)(nl2 - raw) + 1 : len;
			}
			*end = e;
		}
		line = next;
	}
	return 0;
}

/* A YAML value as the Python value Jinja would see. */
static int
spec_default_value(struct spec_ctx *ctx, struct yaml_node *node, const char *name,
                   struct template_value *out, unsigned depth)
{
	const char *s = spec_scalar(node);
	long long i;

	switch (spec_kind_of(node)) {
	case SPEC_KIND_NULL:
		*out = (struct template_value){ .type = TEMPLATE_NONE };
		return 0;
	case SPEC_KIND_BOOL:
		*out = (struct template_value){ .type = TEMPLATE_BOOL, .b = yaml_bool_value(s) };
		return 0;
	case SPEC_KIND_INT:
		if (yaml_int_value(s, &i)) {
			*out = (struct template_value){ .type = TEMPLATE_INT, .i = i };
			return 0;
		}
		break;
	case SPEC_KIND_FLOAT:
		*out = (struct template_value){ .type = TEMPLATE_FLOAT, .f = yaml_float_value(s) };
		return 0;
	case SPEC_KIND_SEQ:
		if (depth > SPEC_MAX_DEPTH)
			return spec_error(ctx, node, "default-values '%s' is nested too deeply",
			                  name);
		*out = (struct template_value){ .type = TEMPLATE_LIST };
		out->items = xcalloc(node->n + 1, sizeof(*out->items));
		for (size_t j = 0; j < node->n; j++) {
			if (spec_default_value(ctx, node->items[j], name, &out->items[out->n],
			                       depth + 1) < 0) {
				template_value_free(out);
				return -1;
			}
			out->n++;
		}
		return 0;
	case SPEC_KIND_MAP:
		return spec_error(ctx, node,
		                  "default-values '%s': mappings are not supported (use "
		                  "separate variables)",
		                  name);
	case SPEC_KIND_STR:
		break;
	}
	*out = (struct template_value){ .type = TEMPLATE_STR, .s = xstrdup(s), .n = node->len };
	return 0;
}

/* Reads the default-values section (plain YAML, never rendered) into vars. */
static int
spec_read_defaults(struct spec_ctx *ctx, const char *raw, size_t start, size_t end,
                   struct template_vars *vars)
{
	struct yaml_doc doc;
	struct yaml_node *root, *map = NULL;
	int rc = 0;

	spec_text_init(&ctx->rendered, raw + start, end - start);
	ctx->base = start;
	if (spec_yaml_load(ctx, &doc) < 0) {
		spec_text_free(&ctx->rendered);
		return -1;
	}
	root = doc.root;
	if (root && root->type == YAML_TYPE_MAP && root->n > 0)
		map = root->pairs[0].value;
	if (map && spec_kind_of(map) != SPEC_KIND_NULL && map->type != YAML_TYPE_MAP)
		rc = spec_error(ctx, map, "default-values must be a mapping of names to values");
	else if (map && map->type == YAML_TYPE_MAP) {
		for (size_t j = 0; j < map->n; j++) {
			struct yaml_pair *p = &map->pairs[j];
			const char *name = spec_scalar(p->key);
			struct template_value v;

			if (!name) {
				rc = spec_error(ctx, p->key,
				                "default-values names must be plain names");
				continue;
			}
			if (spec_default_value(ctx, p->value, name, &v, 0) < 0) {
				rc = -1;
				continue;
			}
			template_vars_set(vars, name, v);
		}
	}
	yaml_doc_free(&doc);
	ctx->root = NULL;
	spec_text_free(&ctx->rendered);
	ctx->base = 0;
	return rc;
}

static int
spec_render(struct spec_ctx *ctx, const char *raw, size_t len, const struct strv *set_vars,
            const struct strv *set_string_vars, struct template_output *out)
{
	struct template_vars vars = { 0 };
	struct template_source src = { raw, len, ctx->filename, len, len };
	const char *nul;
	int rc = 0;

	*out = (struct template_output){ 0 };
	if (len > SPEC_MAX_BYTES)
		return spec_error_at(ctx, (struct spec_pos){ 0 }, "the spec is larger than %u MiB",
		                     SPEC_MAX_BYTES >> 20);
	if ((nul = memchr(raw, '\0', len)))
		return spec_error_at(ctx, spec_text_pos(&ctx->source, (size_t)(nul - raw)),
		                     "the spec holds a NUL byte: it is not text");
	if (spec_find_defaults(ctx, raw, len, &src.skip_start, &src.skip_end) < 0)
		return -1;
	if (src.skip_start < len &&
	    spec_read_defaults(ctx, raw, src.skip_start, src.skip_end, &vars) < 0)
		rc = -1;
	const struct strv *lists[] = { set_vars, set_string_vars };
	for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
		for (size_t i = 0; lists[l] && i < lists[l]->n; i++) {
			char *err;

			if (template_vars_assign(&vars, lists[l]->v[i], l == 1, &err) < 0) {
				spec_error_at(ctx, (struct spec_pos){ 0 }, "%s: %s",
				              l ? "--set-string" : "--set", err);
				free(err);
				rc = -1;
			}
		}
	}
	if (rc == 0 && template_render(&src, &vars, out, ctx->errors) < 0)
		rc = -1;
	template_vars_free(&vars);
	return rc;
}

/* Parses ctx->rendered (set up by the caller) into spec. */
static int
spec_parse_ctx(struct spec_ctx *ctx, struct spec *spec)
{
	struct yaml_doc doc;
	int rc;

	if (spec_yaml_load(ctx, &doc) < 0)
		return -1;
	rc = spec_parse_root(ctx, spec);
	yaml_doc_free(&doc);
	ctx->root = NULL;
	return rc;
}

static void
spec_spec_init(struct spec *spec, const char *filename)
{
	*spec = (struct spec){
		.filename = xstrdup(filename), .version = 2, .exec_timeout = -1, .queue_timeout = -1
	};
}

/* ---- Freeing ---- */

static void
spec_io_free(struct spec_io *io)
{
	free(io->task);
	free(io->workflow_id);
	free(io->name);
	free(io->path);
	free(io->url);
	free(io->regex);
	strv_free(&io->paths);
	strv_free(&io->metadata);
	strv_free(&io->labels);
}

static void
spec_task_free(struct spec_task *t)
{
	free(t->name);
	free(t->image);
	strv_free(&t->command);
	strv_free(&t->args);
	spec_map_free(&t->environment);
	for (size_t i = 0; i < t->nfiles; i++) {
		free(t->files[i].path);
		free(t->files[i].contents);
		free(t->files[i].localpath);
	}
	free(t->files);
	for (size_t i = 0; i < t->ninputs; i++)
		spec_io_free(&t->inputs[i]);
	free(t->inputs);
	for (size_t i = 0; i < t->noutputs; i++)
		spec_io_free(&t->outputs[i]);
	free(t->outputs);
	free(t->resource);
	for (size_t i = 0; i < t->nexit_actions; i++) {
		free(t->exit_actions[i].codes);
		free(t->exit_actions[i].ranges);
	}
	free(t->exit_actions);
	for (size_t i = 0; i < t->ncheckpoints; i++) {
		free(t->checkpoints[i].path);
		free(t->checkpoints[i].url);
		free(t->checkpoints[i].regex);
	}
	free(t->checkpoints);
	free(t->download_type);
	free(t->cache_size);
	free(t->backend);
	strv_free(&t->volume_mounts);
	spec_map_free(&t->credentials);
	spec_map_free(&t->extra);
	for (size_t i = 0; i < t->ntokens; i++)
		free(t->tokens[i].arg);
	free(t->tokens);
}

/* Errors by place in the file; those without a place first, ties in the order found. */
struct spec_sorted {
	unsigned line, col;
	size_t order;
	char *text;
};

static int
spec_sorted_cmp(const void *a, const void *b)
{
	const struct spec_sorted *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return (x->order > y->order) - (x->order < y->order);
}

static void
spec_sort_errors(struct strv *errors, size_t from, const char *filename)
{
	size_t n = errors->n - from, flen = strlen(filename);
	struct spec_sorted *v;

	if (n < 2)
		return;
	v = xcalloc(n, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		const char *e = errors->v[from + i];

		/* "too many errors" has no file name: it stays last. */
		v[i] = (struct spec_sorted){ UINT_MAX, UINT_MAX, i, errors->v[from + i] };
		if (strncmp(e, filename, flen) == 0 && e[flen] == ':' &&
		    sscanf(e + flen + 1, "%u:%u:", &v[i].line, &v[i].col) != 2)
			v[i].line = v[i].col = 0;
	}
	qsort(v, n, sizeof(*v), spec_sorted_cmp);
	for (size_t i = 0; i < n; i++)
		errors->v[from + i] = v[i].text;
	free(v);
}

/* ---- Public ---- */

int
spec_prepare(const char *raw, size_t len, const char *filename, const struct strv *set_vars,
             const struct strv *set_string_vars, char **rendered, struct strv *errors)
{
	struct spec_ctx ctx = { .filename = filename, .errors = errors };
	struct template_output out;
	int rc;

	*rendered = NULL;
	spec_text_init(&ctx.source, raw, len);
	rc = spec_render(&ctx, raw, len, set_vars, set_string_vars, &out);
	spec_text_free(&ctx.source);
	if (rc < 0)
		return -1;
	*rendered = out.text;
	out.text = NULL;
	template_output_free(&out);
	return 0;
}

int
spec_parse(const char *text, size_t len, const char *filename, struct spec *out,
           struct strv *errors)
{
	struct spec_ctx ctx = { .filename = filename, .errors = errors };
	int rc;

	spec_spec_init(out, filename);
	spec_text_init(&ctx.source, text, len);
	spec_text_init(&ctx.rendered, text, len);
	rc = spec_parse_ctx(&ctx, out);
	spec_text_free(&ctx.rendered);
	spec_text_free(&ctx.source);
	return rc;
}

int
spec_load(const char *raw, size_t len, const char *filename, const struct strv *set_vars,
          const struct strv *set_string_vars, struct spec *out, char **rendered,
          struct strv *errors)
{
	struct spec_ctx ctx = { .filename = filename, .errors = errors };
	struct template_output map;
	size_t first_error = errors->n;
	int rc;

	spec_spec_init(out, filename);
	if (rendered)
		*rendered = NULL;
	spec_text_init(&ctx.source, raw, len);
	rc = spec_render(&ctx, raw, len, set_vars, set_string_vars, &map);
	if (rc == 0) {
		ctx.map = &map;
		spec_text_init(&ctx.rendered, map.text, map.len);
		/* Once the YAML loads, every rule runs, so one pass reports every error. */
		struct yaml_doc doc;
		rc = spec_yaml_load(&ctx, &doc);
		if (rc == 0) {
			out->loaded = true;
			rc = spec_parse_root(&ctx, out);
			yaml_doc_free(&doc);
			ctx.root = NULL;
			if (spec_check(out, errors) < 0)
				rc = -1;
		}
		spec_text_free(&ctx.rendered);
		if (rendered) {
			*rendered = map.text;
			map.text = NULL;
		}
		template_output_free(&map);
	}
	spec_text_free(&ctx.source);
	spec_sort_errors(errors, first_error, filename);
	return rc;
}

void
spec_free(struct spec *spec)
{
	free(spec->filename);
	free(spec->name);
	free(spec->pool);
	free(spec->backend);
	free(spec->priority);
	spec_map_free(&spec->labels);
	for (size_t r = 0; r < spec->nresources; r++) {
		struct spec_resource *res = &spec->resources[r];

		free(res->name);
		free(res->memory);
		free(res->storage);
		free(res->platform);
		strv_free(&res->nodes_excluded);
		spec_map_free(&res->extra);
	}
	free(spec->resources);
	for (size_t g = 0; g < spec->ngroups; g++) {
		struct spec_group *gr = &spec->groups[g];

		free(gr->name);
		for (size_t t = 0; t < gr->ntasks; t++)
			spec_task_free(&gr->tasks[t]);
		free(gr->tasks);
		strv_free(&gr->upstream);
		strv_free(&gr->downstream);
	}
	free(spec->groups);
	*spec = (struct spec){ 0 };
}

int
spec_parse_duration(const char *s, int64_t *seconds)
{
	size_t digits = strspn(s, "0123456789");
	long long v;
	char *end;

	if (digits == 0 || digits > 15)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	for (size_t i = 0; i < ARRAY_SIZE(spec_duration_units); i++) {
		if (strcmp(s + digits, spec_duration_units[i].unit) == 0) {
			*seconds = (int64_t)v * spec_duration_units[i].num /
			           spec_duration_units[i].den;
			return 0;
		}
	}
	return -1;
}

int
spec_parse_quantity(const char *s, double *bytes)
{
	size_t digits = 0;
	bool dot = false;
	char *end;

	/* OSMO's RESOURCE_REGEX: (\d+(?:\.\d+)?)([a-zA-Z]*) */
	while ((s[digits] >= '0' && s[digits] <= '9') ||
	       (s[digits] == '.' && !dot && digits && s[digits + 1] >= '0' &&
	        s[digits + 1] <= '9')) {
		dot |= s[digits] == '.';
		digits++;
	}
	if (digits == 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(spec_units); i++) {
		if (strcmp(s + digits, spec_units[i].unit) == 0) {
			*bytes = strtod(s, &end) * pow(1024.0, spec_units[i].power);
			return 0;
		}
	}
	return -1;
}

int
spec_exit_action_for(const struct spec_task *task, int code)
{
	for (size_t i = 0; i < task->nexit_actions; i++)
		for (size_t r = 0; r < task->exit_actions[i].nranges; r++)
			if (code >= task->exit_actions[i].ranges[r].lo &&
			    code <= task->exit_actions[i].ranges[r].hi)
				return (int)task->exit_actions[i].action;
	return -1;
}

const char *
spec_exit_action_name(enum spec_exit_action action)
{
	return action < SPEC_EXIT_N ? spec_exit_names[action] : "?";
}

size_t
spec_task_count(const struct spec *spec)
{
	size_t n = 0;

	for (size_t g = 0; g < spec->ngroups; g++)
		n += spec->groups[g].ntasks;
	return n;
}

const struct spec_group *
spec_find_group(const struct spec *spec, const char *name)
{
	for (size_t g = 0; g < spec->ngroups; g++)
		if (strcmp(spec->groups[g].name, name) == 0)
			return &spec->groups[g];
	return NULL;
}

const struct spec_task *
spec_find_task(const struct spec *spec, const char *name, const struct spec_group **group)
{
	for (size_t g = 0; g < spec->ngroups; g++) {
		for (size_t t = 0; t < spec->groups[g].ntasks; t++) {
			if (strcmp(spec->groups[g].tasks[t].name, name) == 0) {
				if (group)
					*group = &spec->groups[g];
				return &spec->groups[g].tasks[t];
			}
		}
	}
	return NULL;
}
