/* yaml.c: the only libyaml file: safe loading into a plain tree, PyYAML 1.1 scalars, writing. */
#include "common/yaml.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* The standard tags an explicit tag may name, and the type each gives a scalar. */
static const struct {
	const char *tag;
	enum yaml_type type;
} yaml_tags[] = {
	{ YAML_NULL_TAG, YAML_TYPE_NULL },
	{ YAML_BOOL_TAG, YAML_TYPE_BOOL },
	{ YAML_INT_TAG, YAML_TYPE_INT },
	{ YAML_FLOAT_TAG, YAML_TYPE_FLOAT },
	{ YAML_TIMESTAMP_TAG, YAML_TYPE_TIMESTAMP },
	{ YAML_STR_TAG, YAML_TYPE_STR },
	{ "tag:yaml.org,2002:merge", YAML_TYPE_MERGE },
	{ "tag:yaml.org,2002:value", YAML_TYPE_VALUE },
};

static const char *const yaml_bools[] = { "yes",  "Yes",  "YES",  "no",    "No",    "NO",
	                                  "true", "True", "TRUE", "false", "False", "FALSE",
	                                  "on",   "On",   "ON",   "off",   "Off",   "OFF" };
static const char *const yaml_nulls[] = { "", "~", "null", "Null", "NULL" };
static const char *const yaml_infs[] = { "inf", "Inf", "INF" };
static const char *const yaml_nans[] = { "nan", "NaN", "NAN" };

/* ---- The resolver: PyYAML's implicit resolvers (yaml/resolver.py), by hand ---- */

static bool
yaml_in(const char *s, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, words[i]) == 0)
			return true;
	return false;
}

static bool
yaml_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Skips [0-9][0-9_]*; false when no digit starts it. */
static bool
yaml_decimal(const char **p)
{
	if (!yaml_digit(**p))
		return false;
	while (yaml_digit(**p) || **p == '_')
		(*p)++;
	return true;
}

/* Skips (:[0-5]?[0-9])+ ; false when there is not one. */
static bool
yaml_sexagesimal(const char **p)
{
	bool any = false;

	while (**p == ':') {
		size_t n = strspn(*p + 1, "0123456789");

		if (n == 0 || n > 2 || (n == 2 && (*p)[1] > '5'))
			return false;
		*p += 1 + n;
		any = true;
	}
	return any;
}

/* Skips [eE][-+][0-9]+ if it is there; false when it starts but does not finish. */
static bool
yaml_exponent(const char **p)
{
	if (**p != 'e' && **p != 'E')
		return true;
	if ((*p)[1] != '-' && (*p)[1] != '+')
		return false;
	*p += 2;
	if (!yaml_digit(**p))
		return false;
	while (yaml_digit(**p))
		(*p)++;
	return true;
}

static bool
yaml_is_int(const char *s)
{
	const char *p = s + (*s == '-' || *s == '+');

	if (p[0] == '0' && p[1] == 'b')
		return p[2] && strspn(p + 2, "01_") == strlen(p + 2);
	if (p[0] == '0' && p[1] == 'x')
		return p[2] && strspn(p + 2, "0123456789abcdefABCDEF_") == strlen(p + 2);
	if (p[0] == '0')
		return strspn(p + 1, "01234567_") == strlen(p + 1);
	if (*p < '1' || *p > '9' || !yaml_decimal(&p))
		return false;
	return *p == '\0' || (yaml_sexagesimal(&p) && *p == '\0');
}

static bool
yaml_is_float(const char *s)
{
	const char *p = s + (*s == '-' || *s == '+');
	const char *q;

	if (*p == '.' && yaml_in(p + 1, yaml_infs, ARRAY_SIZE(yaml_infs)))
		return true;
	/* No sign before .5 or .nan: PyYAML reads "-.5" and "-.nan" as strings. */
	if (*s == '.' && yaml_in(s + 1, yaml_nans, ARRAY_SIZE(yaml_nans)))
		return true;
	if (*s == '.') {
		q = s + 1;
		return yaml_decimal(&q) && yaml_exponent(&q) && *q == '\0';
	}
	if (!yaml_decimal(&p))
		return false;
	q = p;
	if (*q == '.') {
		q++;
		q += strspn(q, "0123456789_");
		return yaml_exponent(&q) && *q == '\0';
	}
	if (!yaml_sexagesimal(&q) || *q != '.')
		return false;
	q++;
	q += strspn(q, "0123456789_");
	return *q == '\0';
}

/* Exactly n digits. */
static bool
yaml_digits(const char **p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!yaml_digit((*p)[i]))
			return false;
	*p += n;
	return true;
}

/* [0-9][0-9]? */
static bool
yaml_digits12(const char **p)
{
	size_t n = strspn(*p, "0123456789");

	if (n == 0 || n > 2)
		return false;
	*p += n;
	return true;
}

static bool
yaml_is_timestamp(const char *s)
{
	const char *p = s;

	if (!yaml_digits(&p, 4) || *p++ != '-')
		return false;
	if (yaml_digits(&p, 2) && *p == '-' && yaml_digits(&(const char *){ p + 1 }, 2) &&
	    p[3] == '\0')
		return true;
	p = s + 5;
	if (!yaml_digits12(&p) || *p++ != '-' || !yaml_digits12(&p))
		return false;
	if (*p == 'T' || *p == 't')
		p++;
	else if (*p == ' ' || *p == '\t')
		p += strspn(p, " \t");
	else
		return false;
	if (!yaml_digits12(&p) || *p++ != ':' || !yaml_digits(&p, 2) || *p++ != ':' ||
	    !yaml_digits(&p, 2))
		return false;
	if (*p == '.')
		p += 1 + strspn(p + 1, "0123456789");
	if (*p == '\0')
		return true;
	p += strspn(p, " \t");
	if (*p == 'Z')
		return p[1] == '\0';
	if ((*p != '-' && *p != '+') || !yaml_digits12(&(const char *){ p + 1 }))
		return false;
	p++;
	yaml_digits12(&p);
	if (*p == ':') {
		p++;
		if (!yaml_digits(&p, 2))
			return false;
	}
	return *p == '\0';
}

enum yaml_type
yaml_resolve(const char *s)
{
	/* PyYAML tries bool, float, int, merge, null, timestamp, value, in this order. */
	if (yaml_in(s, yaml_bools, ARRAY_SIZE(yaml_bools)))
		return YAML_TYPE_BOOL;
	if (s[0] && strchr("-+0123456789.", s[0]) && yaml_is_float(s))
		return YAML_TYPE_FLOAT;
	if (s[0] && strchr("-+0123456789", s[0]) && yaml_is_int(s))
		return YAML_TYPE_INT;
	if (strcmp(s, "<<") == 0)
		return YAML_TYPE_MERGE;
	if (yaml_in(s, yaml_nulls, ARRAY_SIZE(yaml_nulls)))
		return YAML_TYPE_NULL;
	if (yaml_is_timestamp(s))
		return YAML_TYPE_TIMESTAMP;
	if (strcmp(s, "=") == 0)
		return YAML_TYPE_VALUE;
	return YAML_TYPE_STR;
}

bool
yaml_bool_value(const char *s)
{
	/* true, yes, on in their casings; y and Y too, for !!bool y. */
	return s[0] && (strchr("tTyY", s[0]) || (strchr("oO", s[0]) && s[1] && strchr("nN", s[1])));
}

/* s without underscores, or NULL when it does not fit in n bytes. */
static bool
yaml_strip(const char *s, char *buf, size_t n)
{
	size_t k = 0;

	for (; *s; s++) {
		if (*s == '_')
			continue;
		if (k + 1 >= n)
			return false;
		buf[k++] = *s;
	}
	buf[k] = '\0';
	return true;
}

bool
yaml_int_value(const char *s, long long *out)
{
	char buf[80];
	const char *p = buf;
	int base = 10;
	bool neg = false;
	unsigned long long v = 0;
	char *end;

	if (!yaml_strip(s, buf, sizeof(buf)))
		return false;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) {
		base = 2;
		p += 2;
	} else if (p[0] == '0' && p[1]) {
		base = 8;
		p++;
	}
	if (!*p || *p == '-' || *p == '+')
		return false;
	if (base == 10 && strchr(p, ':')) {
		/* Sexagesimal: 1:30 is 90, 1:00:00 is 3600. */
		while (*p) {
			unsigned long long part;

			errno = 0;
			part = strtoull(p, &end, 10);
			if (errno || end == p || (*end && *end != ':') ||
			    v > (ULLONG_MAX - part) / 60)
				return false;
			v = v * 60 + part;
			p = *end ? end + 1 : end;
		}
	} else {
		errno = 0;
		v = strtoull(p, &end, base);
		if (errno || *end)
			return false;
	}
	if (v > (unsigned long long)LLONG_MAX)
		return false;
	*out = neg ? -(long long)v : (long long)v;
	return true;
}

double
yaml_float_value(const char *s)
{
	char buf[400];
	const char *p = buf;
	double sign = 1, v = 0;

	if (!yaml_strip(s, buf, sizeof(buf)))
		return NAN;
	if (*p == '-' || *p == '+')
		sign = *p++ == '-' ? -1 : 1;
	if (*p == '.' && yaml_in(p + 1, yaml_infs, ARRAY_SIZE(yaml_infs)))
		return sign * INFINITY;
	if (*p == '.' && yaml_in(p + 1, yaml_nans, ARRAY_SIZE(yaml_nans)))
		return NAN;
	if (!strchr(p, ':'))
		return sign * strtod(p, NULL);
	/* Sexagesimal: 1:30.5 is 90.5. */
	for (;;) {
		char *end;
		double part = strtod(p, &end);

		v = v * 60 + part;
		if (*end != ':')
			break;
		p = end + 1;
	}
	return sign * v;
}

const char *
yaml_scalar(const struct yaml_node *node)
{
	return node && node->type != YAML_TYPE_SEQ && node->type != YAML_TYPE_MAP ? node->value
	                                                                          : NULL;
}

struct yaml_node *
yaml_map_get(const struct yaml_node *map, const char *key, struct yaml_node **key_node)
{
	size_t key_len = strlen(key);
	struct yaml_node *found = NULL;

	if (key_node)
		*key_node = NULL;
	if (!map || map->type != YAML_TYPE_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++) {
		const struct yaml_node *k = map->pairs[i].key;

		if (!yaml_scalar(k) || k->len != key_len || memcmp(k->value, key, key_len) != 0)
			continue;
		if (key_node)
			*key_node = map->pairs[i].key;
		found = map->pairs[i].value;
	}
	return found;
}

/* ---- Loading: libyaml's events composed into a tree, as PyYAML's composer does ---- */

struct yaml_anchor {
	char *name;
	struct yaml_node *node;
	size_t size; /* nodes once aliases are expanded, saturated past the limit */
	bool open;   /* its collection is still being read */
};

struct yaml_frame {
	struct yaml_node *node;
	size_t anchor_idx; /* index + 1 into anchors; 0 for none */
	size_t size;
	struct yaml_node *key; /* mappings: a key waiting for its value */
};

struct yaml_loader {
	const struct yaml_limits *limits;
	struct yaml_doc *doc; /* the first document's; later ones are composed and dropped */
	struct yaml_doc scratch;
	struct yaml_frame *stack;
	size_t depth, cap;
	struct yaml_anchor *anchors;
	size_t nanchors, anchors_cap;
	size_t docs;
	struct yaml_node *root;
	size_t root_size, doc_size;
	yaml_mark_t second_start;
	struct yaml_error deferred; /* the first composing error; syntax errors come first */
};

static struct yaml_mark
yaml_mark_of(const yaml_mark_t *m)
{
	return (struct yaml_mark){ m->index, m->line, m->column };
}

static struct yaml_node *
yaml_new_node(struct yaml_loader *l, enum yaml_type type, const yaml_event_t *ev)
{
	struct yaml_doc *d = l->docs == 1 ? l->doc : &l->scratch;
	struct yaml_node *node = xcalloc(1, sizeof(*node));

	node->type = type;
	node->start = yaml_mark_of(&ev->start_mark);
	node->end = yaml_mark_of(&ev->end_mark);
	if (d->nnodes == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 64;
		d->nodes = xreallocarray(d->nodes, d->cap, sizeof(*d->nodes));
	}
	d->nodes[d->nnodes++] = node;
	return node;
}

static void
yaml_defer(struct yaml_loader *l, enum yaml_error_kind kind, const char *problem,
           const yaml_mark_t *mark, const char *context, const yaml_mark_t *context_mark)
{
	if (l->deferred.kind != YAML_ERR_NONE)
		return;
	l->deferred = (struct yaml_error){ .kind = kind, .problem = problem, .context = context };
	if (mark)
		l->deferred.mark = yaml_mark_of(mark);
	if (context_mark)
		l->deferred.context_mark = yaml_mark_of(context_mark);
}

static size_t
yaml_add_size(const struct yaml_loader *l, size_t a, size_t b)
{
	return a + b > l->limits->nodes ? l->limits->nodes + 1 : a + b;
}

/* Hangs node (size nodes once expanded) on the open collection, or makes it the root. */
static void
yaml_attach(struct yaml_loader *l, struct yaml_node *node, size_t size)
{
	struct yaml_frame *f;
	struct yaml_node *parent;

	if (l->depth == 0) {
		l->root = node;
		l->root_size = size;
		return;
	}
	f = &l->stack[l->depth - 1];
	parent = f->node;
	f->size = yaml_add_size(l, f->size, size);
	if (parent->type == YAML_TYPE_SEQ) {
		parent->items = xreallocarray(parent->items, parent->n + 1, sizeof(*parent->items));
		parent->items[parent->n++] = node;
	} else if (!f->key) {
		f->key = node;
	} else {
		parent->pairs = xreallocarray(parent->pairs, parent->n + 1, sizeof(*parent->pairs));
		parent->pairs[parent->n++] = (struct yaml_pair){ f->key, node };
		f->key = NULL;
	}
}

/* Registers an anchor; returns its index + 1, or 0 when there is none or it is a duplicate. */
static size_t
yaml_anchor(struct yaml_loader *l, const yaml_char_t *name, struct yaml_node *node,
            const yaml_event_t *ev)
{
	if (!name)
		return 0;
	for (size_t i = 0; i < l->nanchors; i++) {
		if (strcmp(l->anchors[i].name, (const char *)name) == 0) {
			yaml_mark_t first = { l->anchors[i].node->start.index,
				              l->anchors[i].node->start.line,
				              l->anchors[i].node->start.column };

			/* libyaml's loader refuses a second anchor of the same name. */
			yaml_defer(l, YAML_ERR_SYNTAX, "second occurrence", &ev->start_mark,
			           "found duplicate anchor; first occurrence", &first);
			return 0;
		}
	}
	if (l->nanchors == l->anchors_cap) {
		l->anchors_cap = l->anchors_cap ? 2 * l->anchors_cap : 16;
		l->anchors = xreallocarray(l->anchors, l->anchors_cap, sizeof(*l->anchors));
	}
	l->anchors[l->nanchors++] =
	        (struct yaml_anchor){ xstrdup((const char *)name), node, 1, true };
	return l->nanchors;
}

static void
yaml_anchors_clear(struct yaml_loader *l)
{
	for (size_t i = 0; i < l->nanchors; i++)
		free(l->anchors[i].name);
	l->nanchors = 0;
}

static enum yaml_type
yaml_scalar_type(const yaml_event_t *ev)
{
	const char *tag = (const char *)ev->data.scalar.tag;

	/* A missing or non-specific ('!') tag leaves the type to the resolver, plain only. */
	if (!tag || strcmp(tag, "!") == 0)
		return ev->data.scalar.plain_implicit
		               ? yaml_resolve((const char *)ev->data.scalar.value)
		               : YAML_TYPE_STR;
	for (size_t i = 0; i < ARRAY_SIZE(yaml_tags); i++)
		if (strcmp(tag, yaml_tags[i].tag) == 0)
			return yaml_tags[i].type;
	return YAML_TYPE_OTHER;
}

static char *
yaml_tag_of(const yaml_char_t *tag)
{
	return tag && strcmp((const char *)tag, "!") != 0 ? xstrdup((const char *)tag) : NULL;
}

static void
yaml_on_scalar(struct yaml_loader *l, const yaml_event_t *ev)
{
	struct yaml_node *node = yaml_new_node(l, yaml_scalar_type(ev), ev);

	node->tag = yaml_tag_of(ev->data.scalar.tag);
	node->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	node->len = ev->data.scalar.length;
	node->value = xmalloc(node->len + 1);
	memcpy(node->value, ev->data.scalar.value, node->len);
	node->value[node->len] = '\0';
	if (yaml_anchor(l, ev->data.scalar.anchor, node, ev))
		l->anchors[l->nanchors - 1].open = false;
	yaml_attach(l, node, 1);
}

static void
yaml_on_alias(struct yaml_loader *l, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	size_t i = l->nanchors;

	while (i > 0 && strcmp(l->anchors[i - 1].name, name) != 0)
		i--;
	if (i == 0) {
		yaml_defer(l, YAML_ERR_SYNTAX, "found undefined alias", &ev->start_mark, NULL,
		           NULL);
		return;
	}
	if (l->anchors[i - 1].open) {
		yaml_mark_t m = { l->anchors[i - 1].node->start.index,
			          l->anchors[i - 1].node->start.line,
			          l->anchors[i - 1].node->start.column };

		yaml_defer(l, YAML_ERR_RECURSIVE,
		           "an alias refers to its own anchor (infinite document)", &m, NULL, NULL);
		return;
	}
	yaml_attach(l, l->anchors[i - 1].node, l->anchors[i - 1].size);
}

static int
yaml_on_start(struct yaml_loader *l, const yaml_event_t *ev, struct yaml_error *err)
{
	bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
	const yaml_char_t *tag = seq ? ev->data.sequence_start.tag : ev->data.mapping_start.tag;
	const yaml_char_t *anchor =
	        seq ? ev->data.sequence_start.anchor : ev->data.mapping_start.anchor;
	struct yaml_node *node;

	if (l->depth >= l->limits->depth) {
		*err = (struct yaml_error){ .kind = YAML_ERR_DEPTH,
			                    .problem = "nested too deeply",
			                    .mark = yaml_mark_of(&ev->start_mark) };
		return -1;
	}
	node = yaml_new_node(l, seq ? YAML_TYPE_SEQ : YAML_TYPE_MAP, ev);
	node->tag = yaml_tag_of(tag);
	if (l->depth == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->stack = xreallocarray(l->stack, l->cap, sizeof(*l->stack));
	}
	l->stack[l->depth++] = (struct yaml_frame){ .node = node,
		                                    .anchor_idx = yaml_anchor(l, anchor, node, ev),
		                                    .size = 1 };
	return 0;
}

static void
yaml_on_end(struct yaml_loader *l, const yaml_event_t *ev)
{
	struct yaml_frame f = l->stack[--l->depth];

	f.node->end = yaml_mark_of(&ev->end_mark);
	if (f.anchor_idx) {
		l->anchors[f.anchor_idx - 1].open = false;
		l->anchors[f.anchor_idx - 1].size = f.size;
	}
	yaml_attach(l, f.node, f.size);
}

/* Fills err from a libyaml parser failure; reader errors get a mark counted from the bytes. */
static void
yaml_parser_failed(const yaml_parser_t *parser, const char *text, struct yaml_error *err)
{
	*err = (struct yaml_error){ .kind = YAML_ERR_SYNTAX,
		                    .problem = parser->problem ? parser->problem : "invalid YAML",
		                    .context = parser->context,
		                    .mark = yaml_mark_of(&parser->problem_mark),
		                    .context_mark = yaml_mark_of(&parser->context_mark) };
	if (parser->error == YAML_MEMORY_ERROR) {
		err->kind = YAML_ERR_MEMORY;
		err->problem = "out of memory reading YAML";
		err->context = NULL;
	} else if (parser->error == YAML_READER_ERROR) {
		err->kind = YAML_ERR_READER;
		err->context = NULL;
		err->offset = parser->problem_offset;
		err->value = (unsigned)parser->problem_value & 0xffu;
		err->mark = (struct yaml_mark){ 0 };
		for (size_t i = 0; i < parser->problem_offset; i++) {
			if (text[i] == '\n') {
				err->mark.line++;
				err->mark.column = 0;
			} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
				err->mark.column++;
			}
			err->mark.index += ((unsigned char)text[i] & 0xC0) != 0x80;
		}
	}
}

/* One event: builds the first two documents; returns -1 on an error that ends the load. */
static int
yaml_on_event(struct yaml_loader *l, const yaml_event_t *ev, struct yaml_error *err)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++l->docs == 2)
			l->second_start = ev->start_mark;
		l->root = NULL;
		break;
	case YAML_DOCUMENT_END_EVENT:
		if (l->docs == 1) {
			l->doc->root = l->root;
			l->doc_size = l->root_size;
		} else if (l->docs == 2 && l->root) {
			yaml_mark_t root = { l->root->start.index, l->root->start.line,
				             l->root->start.column };

			/* safe_load refuses a second document, so OSMO and the CLI would too. */
			yaml_defer(l, YAML_ERR_SECOND, "expected a single document, found another",
			           &root, NULL, &l->second_start);
		}
		yaml_anchors_clear(l);
		break;
	case YAML_ALIAS_EVENT:
		if (l->docs <= 2)
			yaml_on_alias(l, ev);
		break;
	case YAML_SCALAR_EVENT:
		if (l->docs <= 2)
			yaml_on_scalar(l, ev);
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (l->docs > 2) {
			/* Only counted: deep nesting is refused anywhere in the text. */
			if (++l->depth > l->limits->depth) {
				*err = (struct yaml_error){ .kind = YAML_ERR_DEPTH,
					                    .problem = "nested too deeply",
					                    .mark = yaml_mark_of(&ev->start_mark) };
				return -1;
			}
			break;
		}
		return yaml_on_start(l, ev, err);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (l->docs > 2)
			l->depth--;
		else
			yaml_on_end(l, ev);
		break;
	default:
		break;
	}
	return 0;
}

static const struct yaml_limits yaml_default_limits = { YAML_MAX_DEPTH, YAML_MAX_NODES };

static void
yaml_nodes_free(struct yaml_doc *d)
{
	for (size_t i = 0; i < d->nnodes; i++) {
		free(d->nodes[i]->tag);
		free(d->nodes[i]->value);
		free(d->nodes[i]->items);
		free(d->nodes[i]->pairs);
		free(d->nodes[i]);
	}
	free(d->nodes);
	*d = (struct yaml_doc){ 0 };
}

void
yaml_doc_free(struct yaml_doc *doc)
{
	if (doc)
		yaml_nodes_free(doc);
}

int
yaml_load(const char *text, size_t len, const struct yaml_limits *limits, struct yaml_doc *out,
          struct yaml_error *err)
{
	struct yaml_loader l = { .limits = limits ? limits : &yaml_default_limits, .doc = out };
	yaml_parser_t parser;
	yaml_event_t ev;
	bool done = false;
	int rc = 0;

	*out = (struct yaml_doc){ 0 };
	*err = (struct yaml_error){ .kind = YAML_ERR_NONE };
	if (!yaml_parser_initialize(&parser)) {
		*err = (struct yaml_error){ .kind = YAML_ERR_MEMORY,
			                    .problem = "out of memory reading YAML" };
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	/* One pass over every event: syntax errors and deep nesting anywhere come first. */
	while (!done && rc == 0) {
		if (!yaml_parser_parse(&parser, &ev)) {
			yaml_parser_failed(&parser, text, err);
			rc = -1;
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		rc = yaml_on_event(&l, &ev, err);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	if (rc == 0 && l.deferred.kind != YAML_ERR_NONE) {
		*err = l.deferred;
		rc = -1;
	}
	if (rc == 0 && l.doc_size > l.limits->nodes) {
		*err = (struct yaml_error){ .kind = YAML_ERR_EXPANSION,
			                    .problem = "too many nodes once aliases are expanded" };
		rc = -1;
	}
	err->limit = err->kind == YAML_ERR_DEPTH ? l.limits->depth : l.limits->nodes;
	yaml_anchors_clear(&l);
	free(l.anchors);
	free(l.stack);
	yaml_nodes_free(&l.scratch);
	if (rc < 0)
		yaml_nodes_free(out);
	return rc;
}

void
yaml_error_describe(const struct yaml_error *err, struct strbuf *sb)
{
	if (err->kind == YAML_ERR_DEPTH)
		strbuf_addf(sb, "nested more than %zu levels deep", err->limit);
	else if (err->kind == YAML_ERR_EXPANSION)
		strbuf_addf(sb, "expands to more than %zu nodes through aliases", err->limit);
	else
		strbuf_addstr(sb, err->problem ? err->problem : "invalid YAML");
	if (err->context)
		strbuf_addf(sb, " (%s at %zu:%zu)", err->context, err->context_mark.line + 1,
		            err->context_mark.column + 1);
}

/* ---- Writing ---- */

struct yaml_writer {
	yaml_emitter_t emitter;
	bool bad_value; /* an event could not be built: the value is not valid UTF-8 */
	bool failed;    /* the first failure sticks so the event sequence reads straight */
};

static int
yaml_write_out(void *data, unsigned char *buffer, size_t size)
{
	strbuf_add(data, buffer, size);
	return 1;
}

static void
yaml_write_event(struct yaml_writer *w, yaml_event_t *event, int built)
{
	if (!built) {
		w->bad_value = true;
		w->failed = true;
		return;
	}
	if (!yaml_emitter_emit(&w->emitter, event))
		w->failed = true;
}

struct yaml_writer *
yaml_writer_new(struct strbuf *out)
{
	struct yaml_writer *w = xcalloc(1, sizeof(*w));
	yaml_event_t ev;

	if (!yaml_emitter_initialize(&w->emitter))
		abort();
	yaml_emitter_set_output(&w->emitter, yaml_write_out, out);
	yaml_emitter_set_encoding(&w->emitter, YAML_UTF8_ENCODING);
	yaml_emitter_set_unicode(&w->emitter, 0);
	yaml_emitter_set_indent(&w->emitter, 2);
	yaml_emitter_set_width(&w->emitter, 80);
	yaml_emitter_set_break(&w->emitter, YAML_LN_BREAK);
	yaml_write_event(w, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	if (!w->failed)
		yaml_write_event(w, &ev,
		                 yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
	return w;
}

/*
 * As PyYAML's representer: NULL as null, and a string that would read back as another type
 * (e.g. '', '123', 'true') without the plain-implicit flag, so the emitter quotes it.
 */
void
yaml_write_str(struct yaml_writer *w, const char *s)
{
	yaml_event_t ev;
	size_t len;

	if (w->failed)
		return;
	if (!s) {
		yaml_write_event(w, &ev,
		                 yaml_scalar_event_initialize(&ev, NULL, NULL,
		                                              (const yaml_char_t *)"null", 4, 1, 0,
		                                              YAML_PLAIN_SCALAR_STYLE));
		return;
	}
	len = strlen(s);
	if (len > (size_t)INT_MAX) {
		w->bad_value = true;
		w->failed = true;
		return;
	}
	yaml_write_event(w, &ev,
	                 yaml_scalar_event_initialize(&ev, NULL, NULL, (const yaml_char_t *)s,
	                                              (int)len, yaml_resolve(s) == YAML_TYPE_STR, 1,
	                                              YAML_ANY_SCALAR_STYLE));
}

void
yaml_write_bool(struct yaml_writer *w, bool b)
{
	const char *s = b ? "true" : "false";
	yaml_event_t ev;

	if (w->failed)
		return;
	yaml_write_event(w, &ev,
	                 yaml_scalar_event_initialize(&ev, NULL, NULL, (const yaml_char_t *)s,
	                                              (int)strlen(s), 1, 0,
	                                              YAML_PLAIN_SCALAR_STYLE));
}

void
yaml_write_map(struct yaml_writer *w, bool start)
{
	yaml_event_t ev;

	if (w->failed)
		return;
	if (start)
		yaml_write_event(w, &ev,
		                 yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
		                                                     YAML_BLOCK_MAPPING_STYLE));
	else
		yaml_write_event(w, &ev, yaml_mapping_end_event_initialize(&ev));
}

int
yaml_writer_finish(struct yaml_writer *w, bool *bad_value, const char **problem)
{
	yaml_event_t ev;
	int rc;

	if (!w->failed)
		yaml_write_event(w, &ev, yaml_document_end_event_initialize(&ev, 1));
	if (!w->failed)
		yaml_write_event(w, &ev, yaml_stream_end_event_initialize(&ev));
	if (!w->failed && !yaml_emitter_flush(&w->emitter))
		w->failed = true;
	*bad_value = w->bad_value;
	*problem = w->emitter.problem ? w->emitter.problem : "YAML emitter failed";
	rc = w->failed ? -1 : 0;
	yaml_emitter_delete(&w->emitter);
	free(w);
	return rc;
}
