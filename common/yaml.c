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

/* ---- Building on a document ---- */

static struct yaml_node *
yaml_doc_add(struct yaml_doc *doc, enum yaml_type type)
{
	struct yaml_node *node = xcalloc(1, sizeof(*node));

	node->type = type;
	if (doc->nnodes == doc->cap) {
		doc->cap = doc->cap ? 2 * doc->cap : 64;
		doc->nodes = xreallocarray(doc->nodes, doc->cap, sizeof(*doc->nodes));
	}
	doc->nodes[doc->nnodes++] = node;
	return node;
}

struct yaml_node *
yaml_doc_scalar(struct yaml_doc *doc, enum yaml_type type, const char *text)
{
	struct yaml_node *node = yaml_doc_add(doc, type);

	node->value = xstrdup(text);
	node->len = strlen(text);
	node->plain = true;
	return node;
}

struct yaml_node *
yaml_doc_map(struct yaml_doc *doc)
{
	return yaml_doc_add(doc, YAML_TYPE_MAP);
}

struct yaml_node *
yaml_doc_seq(struct yaml_doc *doc)
{
	return yaml_doc_add(doc, YAML_TYPE_SEQ);
}

struct yaml_node *
yaml_doc_map_copy(struct yaml_doc *doc, const struct yaml_node *map)
{
	struct yaml_node *copy = yaml_doc_map(doc);

	copy->pairs = xcalloc(map->n + 1, sizeof(*copy->pairs));
	if (map->n)
		memcpy(copy->pairs, map->pairs, map->n * sizeof(*copy->pairs));
	copy->n = map->n;
	copy->start = map->start;
	copy->end = map->end;
	return copy;
}

void
yaml_map_set(struct yaml_doc *doc, struct yaml_node *map, const char *key, struct yaml_node *value)
{
	struct yaml_node *key_node = NULL;

	if (yaml_map_get(map, key, &key_node)) {
		for (size_t i = map->n; i > 0; i--)
			if (map->pairs[i - 1].key == key_node)
				map->pairs[i - 1].value = value;
		return;
	}
	map->pairs = xreallocarray(map->pairs, map->n + 1, sizeof(*map->pairs));
	map->pairs[map->n++] =
	        (struct yaml_pair){ yaml_doc_scalar(doc, YAML_TYPE_STR, key), value };
}

void
yaml_seq_append(struct yaml_node *seq, struct yaml_node *item)
{
	seq->items = xreallocarray(seq->items, seq->n + 1, sizeof(*seq->items));
	seq->items[seq->n++] = item;
}

/* ---- Dumping: yaml.dump of what safe_load made ---- */

/* A collection met while dumping: its anchor number once it is met twice (0: none). */
struct yaml_dump_seen {
	const struct yaml_node *node;
	unsigned anchor;
	bool counted; /* met by yaml_dump_anchors */
	bool emitted; /* written out: the next meeting is an alias */
};

/* PyYAML's Emitter state for block output: where it is and what it last wrote. */
struct yaml_dumper {
	struct strbuf *out;
	bool unicode;    /* allow_unicode */
	int indent;      /* -1: None, as before the root */
	size_t column;   /* in code points */
	bool whitespace; /* the last thing written was white space (or nothing) */
	bool indention;  /* only indentation on this line so far */
	bool open_ended; /* a "|+" block ended the text: the stream ends with "..." */
	int flow_level;
	bool failed;                 /* a value that is not UTF-8 */
	struct yaml_dump_seen *seen; /* open addressing by pointer; cap a power of two */
	size_t nseen, cap;
	unsigned anchors;
};

static struct yaml_dump_seen *
yaml_dump_find(struct yaml_dumper *d, const struct yaml_node *node, bool add)
{
	size_t i;

	if (add && 2 * (d->nseen + 1) > d->cap) {
		struct yaml_dump_seen *old = d->seen;
		size_t old_cap = d->cap;

		d->cap = d->cap ? 2 * d->cap : 64;
		d->seen = xcalloc(d->cap, sizeof(*d->seen));
		for (size_t k = 0; k < old_cap; k++) {
			if (!old[k].node)
				continue;
			for (i = ((uintptr_t)old[k].node >> 4) & (d->cap - 1); d->seen[i].node;
			     i = (i + 1) & (d->cap - 1))
				;
			d->seen[i] = old[k];
		}
		free(old);
	}
	if (!d->cap)
		return NULL;
	for (i = ((uintptr_t)node >> 4) & (d->cap - 1); d->seen[i].node; i = (i + 1) & (d->cap - 1))
		if (d->seen[i].node == node)
			return &d->seen[i];
	if (!add)
		return NULL;
	d->nseen++;
	d->seen[i] = (struct yaml_dump_seen){ .node = node };
	return &d->seen[i];
}

/* Which keys Python can order against each other: numbers, strings, and the rest apart. */
enum yaml_key_class { YAML_KEY_NUMBER, YAML_KEY_STR, YAML_KEY_TIME, YAML_KEY_NULL };

static const enum yaml_key_class yaml_key_classes[] = {
	[YAML_TYPE_NULL] = YAML_KEY_NULL,      [YAML_TYPE_BOOL] = YAML_KEY_NUMBER,
	[YAML_TYPE_INT] = YAML_KEY_NUMBER,     [YAML_TYPE_FLOAT] = YAML_KEY_NUMBER,
	[YAML_TYPE_TIMESTAMP] = YAML_KEY_TIME, [YAML_TYPE_MERGE] = YAML_KEY_STR,
	[YAML_TYPE_VALUE] = YAML_KEY_STR,      [YAML_TYPE_STR] = YAML_KEY_STR,
	[YAML_TYPE_OTHER] = YAML_KEY_STR,      [YAML_TYPE_SEQ] = YAML_KEY_STR,
	[YAML_TYPE_MAP] = YAML_KEY_STR,
};

static double
yaml_dump_number(const struct yaml_node *node)
{
	long long i;

	if (node->type == YAML_TYPE_BOOL)
		return yaml_bool_value(node->value);
	if (node->type == YAML_TYPE_INT && yaml_int_value(node->value, &i))
		return (double)i;
	return yaml_float_value(node->value);
}

/* Python's order of two keys of one class: numbers by value, the rest by code points. */
static int
yaml_dump_key_cmp(const struct yaml_node *a, const struct yaml_node *b)
{
	size_t n;
	int c;

	if (yaml_key_classes[a->type] == YAML_KEY_NUMBER) {
		double u = yaml_dump_number(a), v = yaml_dump_number(b);

		return (u > v) - (u < v);
	}
	n = a->len < b->len ? a->len : b->len;
	c = memcmp(a->value ? a->value : "", b->value ? b->value : "", n);
	return c ? c : (a->len > b->len) - (a->len < b->len);
}

static bool
yaml_dump_key_eq(const struct yaml_node *a, const struct yaml_node *b)
{
	return yaml_key_classes[a->type] == yaml_key_classes[b->type] &&
	       (yaml_key_classes[a->type] == YAML_KEY_NULL || yaml_dump_key_cmp(a, b) == 0);
}

static int
yaml_dump_pair_cmp(const void *pa, const void *pb)
{
	const struct yaml_pair *a = pa, *b = pb;

	return yaml_dump_key_cmp(a->key, b->key);
}

/*
 * map's pairs as the dict safe_load makes and represent_mapping writes: each key once where
 * it first came, with its last value, sorted unless Python cannot order the keys (two kinds,
 * or two nulls), when they stay in that order.
 */
static struct yaml_pair *
yaml_dump_pairs(const struct yaml_node *map, size_t *n)
{
	struct yaml_pair *v = xcalloc(map->n + 1, sizeof(*v));
	bool sortable = true;
	size_t k = 0;

	for (size_t i = 0; i < map->n; i++) {
		size_t j = 0;

		while (j < k && !yaml_dump_key_eq(v[j].key, map->pairs[i].key))
			j++;
		if (j < k) {
			v[j].value = map->pairs[i].value;
			continue;
		}
		v[k++] = map->pairs[i];
		sortable &= yaml_key_classes[map->pairs[i].key->type] ==
		                    yaml_key_classes[v[0].key->type] &&
		            (k == 1 || yaml_key_classes[v[0].key->type] != YAML_KEY_NULL);
	}
	if (sortable)
		qsort(v, k, sizeof(*v), yaml_dump_pair_cmp);
	*n = k;
	return v;
}

/* Serializer.anchor_node: a collection met a second time gets the next id, in dump order. */
static void
yaml_dump_anchors(struct yaml_dumper *d, const struct yaml_node *node)
{
	struct yaml_dump_seen *s;
	struct yaml_pair *pairs;
	size_t n;

	if (!node || (node->type != YAML_TYPE_MAP && node->type != YAML_TYPE_SEQ))
		return;
	s = yaml_dump_find(d, node, true);
	if (s->counted) {
		if (!s->anchor)
			s->anchor = ++d->anchors;
		return;
	}
	s->counted = true;
	if (node->type == YAML_TYPE_SEQ) {
		for (size_t i = 0; i < node->n; i++)
			yaml_dump_anchors(d, node->items[i]);
		return;
	}
	pairs = yaml_dump_pairs(node, &n);
	for (size_t i = 0; i < n; i++) {
		yaml_dump_anchors(d, pairs[i].key);
		yaml_dump_anchors(d, pairs[i].value);
	}
	free(pairs);
}

/* repr() of a float as PyYAML's represent_float writes it: 1.0e+20, 0.0001, .inf, .nan. */
static const char *
yaml_dump_float(const struct yaml_node *node, char *buf, size_t size)
{
	double v = yaml_float_value(node->value);
	char digits[40];
	int prec, exp;
	char *e;

	if (isnan(v) || isinf(v)) {
		return isnan(v) ? ".nan" : v < 0 ? "-.inf" : ".inf";
	}
	/* The shortest digits that read back as v, as repr chooses them. */
	for (prec = 1; prec < 17; prec++) {
		snprintf(digits, sizeof(digits), "%.*e", prec - 1, v);
		if (strtod(digits, NULL) == v)
			break;
	}
	snprintf(digits, sizeof(digits), "%.*e", prec - 1, v);
	e = strchr(digits, 'e');
	exp = atoi(e + 1);
	*e = '\0';
	if (exp < -4 || exp >= 16) {
		/* d.ddd, and ".0" where repr has none, as PyYAML adds it. */
		snprintf(buf, size, "%s%se%c%02d", digits, strchr(digits, '.') ? "" : ".0",
		         exp < 0 ? '-' : '+', abs(exp));
		return buf;
	}
	snprintf(buf, size, "%.*f", prec - 1 - exp > 0 ? prec - 1 - exp : 1, v);
	return buf;
}

/* Reads 1 or 2 digits (the timestamp's [0-9][0-9]?) into *v; false when there is none. */
static bool
yaml_dump_digits12(const char **p, int *v)
{
	if (!yaml_digit(**p))
		return false;
	*v = *(*p)++ - '0';
	if (yaml_digit(**p))
		*v = *v * 10 + *(*p)++ - '0';
	return true;
}

/*
 * A timestamp as construct_yaml_timestamp makes it and represent_datetime writes it back: a
 * date as it is, a datetime as isoformat(' '): the fraction cut or padded to 6 digits (none
 * when 0), Z as +00:00, an offset as +HH:MM.
 */
static const char *
yaml_dump_timestamp(const struct yaml_node *node, char *buf, size_t size)
{
	const char *s = node->value, *p;
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0, tz_h = 0, tz_m = 0;
	long usec = 0;
	char tz[8] = "";

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
		return s;
	if (!s[n]) {
		snprintf(buf, size, "%04d-%02d-%02d", y, mo, d);
		return buf;
	}
	p = s + n + strspn(s + n, "Tt \t");
	if (sscanf(p, "%2d:%2d:%2d%n", &h, &mi, &sec, &n) != 3)
		return s;
	p += n;
	if (*p == '.') {
		p++;
		for (int i = 0; i < 6; i++)
			usec = usec * 10 + (yaml_digit(*p) ? *p++ - '0' : 0);
		p += strspn(p, "0123456789");
	}
	p += strspn(p, " \t");
	if (*p == 'Z') {
		snprintf(tz, sizeof(tz), "+00:00");
	} else if (*p == '+' || *p == '-') {
		char sign = *p++;

		if (yaml_dump_digits12(&p, &tz_h)) {
			if (*p == ':') {
				p++;
				yaml_dump_digits12(&p, &tz_m);
			}
			/* A zero offset is +00:00 whatever its sign. */
			snprintf(tz, sizeof(tz), "%c%02d:%02d", tz_h || tz_m ? sign : '+', tz_h,
			         tz_m);
		}
	}
	n = snprintf(buf, size, "%04d-%02d-%02d %02d:%02d:%02d", y, mo, d, h, mi, sec);
	if (usec)
		n += snprintf(buf + n, size - (size_t)n, ".%06ld", usec);
	snprintf(buf + n, size - (size_t)n, "%s", tz);
	return buf;
}

static const char *
yaml_dump_null(const struct yaml_node *node, char *buf, size_t size)
{
	(void)node, (void)buf, (void)size;
	return "null";
}

static const char *
yaml_dump_bool(const struct yaml_node *node, char *buf, size_t size)
{
	(void)buf, (void)size;
	return yaml_bool_value(node->value) ? "true" : "false";
}

/* In decimal; one past a long long stays as written (Python's ints have no end). */
static const char *
yaml_dump_int(const struct yaml_node *node, char *buf, size_t size)
{
	long long v;

	if (!yaml_int_value(node->value, &v))
		return node->value;
	snprintf(buf, size, "%lld", v);
	return buf;
}

/* How each type's Python value prints; a type without one is the string it read as. */
static const char *(*const yaml_dump_texts[])(const struct yaml_node *, char *, size_t) = {
	[YAML_TYPE_NULL] = yaml_dump_null,
	[YAML_TYPE_BOOL] = yaml_dump_bool,
	[YAML_TYPE_INT] = yaml_dump_int,
	[YAML_TYPE_FLOAT] = yaml_dump_float,
	[YAML_TYPE_TIMESTAMP] = yaml_dump_timestamp,
};

/* ---- The emitter: PyYAML's emitter.py for block output, on code points ---- */

#define YAML_DUMP_WIDTH  80 /* best_width */
#define YAML_DUMP_INDENT 2  /* best_indent */

static bool
yaml_cp_break(uint32_t c)
{
	return c == '\n' || c == 0x85 || c == 0x2028 || c == 0x2029;
}

/* '\0 \t\r\n\x85\u2028\u2029', and the end of the text (c == UINT32_MAX). */
static bool
yaml_cp_blank_or_end(uint32_t c)
{
	return c == UINT32_MAX || c == 0 || c == ' ' || c == '\t' || c == '\r' || yaml_cp_break(c);
}

/* analyze_scalar's unicode_characters: printable beyond ASCII. */
static bool
yaml_cp_unicode(uint32_t c)
{
	return (c == 0x85 || (c >= 0xA0 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
	        (c >= 0x10000 && c < 0x10FFFF)) &&
	       c != 0xFEFF;
}

static void
yaml_dump_put(struct yaml_dumper *d, const uint32_t *cps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t c = cps[i];

		if (c < 0x80) {
			strbuf_addch(d->out, (char)c);
		} else if (c < 0x800) {
			strbuf_addch(d->out, (char)(0xC0 | (c >> 6)));
			strbuf_addch(d->out, (char)(0x80 | (c & 0x3F)));
		} else if (c < 0x10000) {
			strbuf_addch(d->out, (char)(0xE0 | (c >> 12)));
			strbuf_addch(d->out, (char)(0x80 | ((c >> 6) & 0x3F)));
			strbuf_addch(d->out, (char)(0x80 | (c & 0x3F)));
		} else {
			strbuf_addch(d->out, (char)(0xF0 | (c >> 18)));
			strbuf_addch(d->out, (char)(0x80 | ((c >> 12) & 0x3F)));
			strbuf_addch(d->out, (char)(0x80 | ((c >> 6) & 0x3F)));
			strbuf_addch(d->out, (char)(0x80 | (c & 0x3F)));
		}
	}
}

/* ASCII text counted into the column. */
static void
yaml_dump_text(struct yaml_dumper *d, const char *s)
{
	strbuf_addstr(d->out, s);
	d->column += strlen(s);
}

static void
yaml_dump_cps(struct yaml_dumper *d, const uint32_t *cps, size_t n)
{
	yaml_dump_put(d, cps, n);
	d->column += n;
}

static void
yaml_dump_indicator(struct yaml_dumper *d, const char *indicator, bool need_whitespace,
                    bool whitespace, bool indention)
{
	if (!d->whitespace && need_whitespace)
		yaml_dump_text(d, " ");
	yaml_dump_text(d, indicator);
	d->whitespace = whitespace;
	d->indention = d->indention && indention;
	d->open_ended = false;
}

/* write_line_break: '\n', or the break character the text has there. */
static void
yaml_dump_break(struct yaml_dumper *d, uint32_t c)
{
	yaml_dump_put(d, &c, 1);
	d->whitespace = true;
	d->indention = true;
	d->column = 0;
}

static void
yaml_dump_indent(struct yaml_dumper *d)
{
	size_t indent = d->indent < 0 ? 0 : (size_t)d->indent;

	if (!d->indention || d->column > indent || (d->column == indent && !d->whitespace))
		yaml_dump_break(d, '\n');
	if (d->column < indent) {
		d->whitespace = true;
		while (d->column < indent)
			yaml_dump_text(d, " ");
	}
}

static void
yaml_dump_increase_indent(struct yaml_dumper *d, bool flow, bool indentless)
{
	if (d->indent < 0)
		d->indent = flow ? YAML_DUMP_INDENT : 0;
	else if (!indentless)
		d->indent += YAML_DUMP_INDENT;
}

/* analyze_scalar: which styles can carry the text. */
struct yaml_dump_analysis {
	bool empty, multiline, flow_plain, block_plain, single_quoted, block;
};

static struct yaml_dump_analysis
yaml_dump_analyze(const uint32_t *s, size_t n, bool unicode)
{
	struct yaml_dump_analysis a = {
		.flow_plain = true, .block_plain = true, .single_quoted = true, .block = true
	};
	bool block_ind = false, flow_ind = false, breaks = false, special = false;
	bool lead_space = false, lead_break = false, trail_space = false, trail_break = false;
	bool break_space = false, space_break = false, prev_space = false, prev_break = false;
	bool preceded = true;

	if (n == 0)
		return (struct yaml_dump_analysis){ .empty = true,
			                            .block_plain = true,
			                            .single_quoted = true };
	if (n >= 3 && ((s[0] == '-' && s[1] == '-' && s[2] == '-') ||
	               (s[0] == '.' && s[1] == '.' && s[2] == '.')))
		block_ind = flow_ind = true;
	for (size_t i = 0; i < n; i++) {
		uint32_t c = s[i];
		bool followed = yaml_cp_blank_or_end(i + 1 < n ? s[i + 1] : UINT32_MAX);

		if (i == 0) {
			if (c < 0x80 && strchr("#,[]{}&*!|>'\"%@`", (int)c) && c)
				flow_ind = block_ind = true;
			if (c == '?' || c == ':') {
				flow_ind = true;
				block_ind |= followed;
			}
			if (c == '-' && followed)
				flow_ind = block_ind = true;
		} else {
			if (c < 0x80 && c && strchr(",?[]{}", (int)c))
				flow_ind = true;
			if (c == ':') {
				flow_ind = true;
				block_ind |= followed;
			}
			if (c == '#' && preceded)
				flow_ind = block_ind = true;
		}
		breaks |= yaml_cp_break(c);
		if (!(c == '\n' || (c >= 0x20 && c <= 0x7E)))
			special |= !yaml_cp_unicode(c) || !unicode;
		if (c == ' ') {
			lead_space |= i == 0;
			trail_space |= i == n - 1;
			break_space |= prev_break;
			prev_space = true;
			prev_break = false;
		} else if (yaml_cp_break(c)) {
			lead_break |= i == 0;
			trail_break |= i == n - 1;
			space_break |= prev_space;
			prev_space = false;
			prev_break = true;
		} else {
			prev_space = prev_break = false;
		}
		preceded = yaml_cp_blank_or_end(c);
	}
	if (lead_space || lead_break || trail_space || trail_break)
		a.flow_plain = a.block_plain = false;
	if (trail_space)
		a.block = false;
	if (break_space)
		a.flow_plain = a.block_plain = a.single_quoted = false;
	if (space_break || special)
		a.flow_plain = a.block_plain = a.single_quoted = a.block = false;
	if (breaks)
		a.flow_plain = a.block_plain = false;
	if (flow_ind)
		a.flow_plain = false;
	if (block_ind)
		a.block_plain = false;
	a.multiline = breaks;
	return a;
}

enum yaml_dump_style { YAML_DUMP_PLAIN, YAML_DUMP_SINGLE, YAML_DUMP_DOUBLE, YAML_DUMP_LITERAL };

/* choose_scalar_style for an implicit scalar (plain_ok) asked for no style or for literal. */
static enum yaml_dump_style
yaml_dump_style(const struct yaml_dumper *d, const struct yaml_dump_analysis *a, bool plain_ok,
                bool literal, bool simple_key)
{
	if (!literal && plain_ok && !(simple_key && (a->empty || a->multiline)) &&
	    (d->flow_level ? a->flow_plain : a->block_plain))
		return YAML_DUMP_PLAIN;
	if (literal && !d->flow_level && !simple_key && a->block)
		return YAML_DUMP_LITERAL;
	if (!literal && a->single_quoted && !(simple_key && a->multiline))
		return YAML_DUMP_SINGLE;
	return YAML_DUMP_DOUBLE;
}

/* A run of spaces: one past the width (fold) becomes a line break; else written. */
static bool
yaml_dump_spaces(struct yaml_dumper *d, const uint32_t *s, size_t start, size_t end, bool fold)
{
	if (start + 1 == end && fold) {
		yaml_dump_indent(d);
		return true;
	}
	yaml_dump_cps(d, s + start, end - start);
	return false;
}

/* A run of breaks in a flow scalar: a leading '\n' doubled, as folding would eat one. */
static void
yaml_dump_breaks(struct yaml_dumper *d, const uint32_t *s, size_t start, size_t end)
{
	if (s[start] == '\n')
		yaml_dump_break(d, '\n');
	for (size_t k = start; k < end; k++)
		yaml_dump_break(d, s[k]);
	yaml_dump_indent(d);
}

static void
yaml_dump_plain(struct yaml_dumper *d, const uint32_t *s, size_t n, bool split)
{
	bool spaces = false, breaks = false;
	size_t start = 0;

	if (!n)
		return;
	if (!d->whitespace)
		yaml_dump_text(d, " ");
	d->whitespace = d->indention = false;
	for (size_t end = 0; end <= n; end++) {
		uint32_t c = end < n ? s[end] : UINT32_MAX;

		if (spaces) {
			if (c != ' ') {
				if (yaml_dump_spaces(d, s, start, end,
				                     d->column > YAML_DUMP_WIDTH && split))
					d->whitespace = d->indention = false;
				start = end;
			}
		} else if (breaks) {
			if (!yaml_cp_break(c)) {
				yaml_dump_breaks(d, s, start, end);
				d->whitespace = d->indention = false;
				start = end;
			}
		} else if (c == UINT32_MAX || c == ' ' || yaml_cp_break(c)) {
			yaml_dump_cps(d, s + start, end - start);
			start = end;
		}
		spaces = c == ' ';
		breaks = yaml_cp_break(c);
	}
}

static void
yaml_dump_single(struct yaml_dumper *d, const uint32_t *s, size_t n, bool split)
{
	bool spaces = false, breaks = false;
	size_t start = 0;

	yaml_dump_indicator(d, "'", true, false, false);
	for (size_t end = 0; end <= n; end++) {
		uint32_t c = end < n ? s[end] : UINT32_MAX;

		if (spaces) {
			if (c != ' ') {
				yaml_dump_spaces(d, s, start, end,
				                 d->column > YAML_DUMP_WIDTH && split &&
				                         start != 0 && end != n);
				start = end;
			}
		} else if (breaks) {
			if (!yaml_cp_break(c)) {
				yaml_dump_breaks(d, s, start, end);
				start = end;
			}
		} else if (c == UINT32_MAX || c == ' ' || c == '\'' || yaml_cp_break(c)) {
			if (start < end) {
				yaml_dump_cps(d, s + start, end - start);
				start = end;
			}
		}
		if (c == '\'') {
			yaml_dump_text(d, "''");
			start = end + 1;
		}
		if (c != UINT32_MAX) {
			spaces = c == ' ';
			breaks = yaml_cp_break(c);
		}
	}
	yaml_dump_indicator(d, "'", false, false, false);
}

/* ESCAPE_REPLACEMENTS: the one-letter escapes of a double-quoted scalar. */
static const struct {
	uint32_t c;
	char letter;
} yaml_dump_escapes[] = {
	{ 0, '0' },     { 0x07, 'a' }, { 0x08, 'b' }, { 0x09, 't' },   { 0x0A, 'n' },
	{ 0x0B, 'v' },  { 0x0C, 'f' }, { 0x0D, 'r' }, { 0x1B, 'e' },   { '"', '"' },
	{ '\\', '\\' }, { 0x85, 'N' }, { 0xA0, '_' }, { 0x2028, 'L' }, { 0x2029, 'P' },
};

static void
yaml_dump_escape(struct yaml_dumper *d, uint32_t c)
{
	char buf[12];

	for (size_t i = 0; i < ARRAY_SIZE(yaml_dump_escapes); i++) {
		if (yaml_dump_escapes[i].c == c) {
			snprintf(buf, sizeof(buf), "\\%c", yaml_dump_escapes[i].letter);
			yaml_dump_text(d, buf);
			return;
		}
	}
	snprintf(buf, sizeof(buf),
	         c <= 0xFF     ? "\\x%02X"
	         : c <= 0xFFFF ? "\\u%04X"
	                       : "\\U%08X",
	         (unsigned)c);
	yaml_dump_text(d, buf);
}

static void
yaml_dump_double(struct yaml_dumper *d, const uint32_t *s, size_t n, bool split)
{
	size_t start = 0;

	yaml_dump_indicator(d, "\"", true, false, false);
	for (size_t end = 0; end <= n; end++) {
		uint32_t c = end < n ? s[end] : UINT32_MAX;
		bool raw = c != UINT32_MAX && c != '"' && c != '\\' && c != 0x85 && c != 0x2028 &&
		           c != 0x2029 && c != 0xFEFF &&
		           ((c >= 0x20 && c <= 0x7E) ||
		            (d->unicode &&
		             ((c >= 0xA0 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD))));

		if (!raw) {
			if (start < end) {
				yaml_dump_cps(d, s + start, end - start);
				start = end;
			}
			if (c != UINT32_MAX) {
				yaml_dump_escape(d, c);
				start = end + 1;
			}
		}
		if (end > 0 && end + 1 < n && (c == ' ' || start >= end) &&
		    d->column + (end - start) > YAML_DUMP_WIDTH && split) {
			if (start < end) {
				yaml_dump_cps(d, s + start, end - start);
				start = end;
			}
			yaml_dump_text(d, "\\");
			yaml_dump_indent(d);
			d->whitespace = d->indention = false;
			if (s[start] == ' ')
				yaml_dump_text(d, "\\");
		}
	}
	yaml_dump_indicator(d, "\"", false, false, false);
}

/* determine_block_hints, then write_literal. */
static void
yaml_dump_literal(struct yaml_dumper *d, const uint32_t *s, size_t n)
{
	char hints[8] = "|";
	bool breaks = true;
	size_t start = 0;

	if (n && (s[0] == ' ' || yaml_cp_break(s[0])))
		snprintf(hints + 1, sizeof(hints) - 1, "%d", YAML_DUMP_INDENT);
	if (n && !yaml_cp_break(s[n - 1]))
		strcat(hints, "-");
	else if (n && (n == 1 || yaml_cp_break(s[n - 2])))
		strcat(hints, "+");
	yaml_dump_indicator(d, hints, true, false, false);
	if (hints[strlen(hints) - 1] == '+')
		d->open_ended = true;
	yaml_dump_break(d, '\n');
	for (size_t end = 0; end <= n; end++) {
		uint32_t c = end < n ? s[end] : UINT32_MAX;

		if (breaks) {
			if (!yaml_cp_break(c)) {
				for (size_t k = start; k < end; k++)
					yaml_dump_break(d, s[k]);
				if (c != UINT32_MAX)
					yaml_dump_indent(d);
				start = end;
			}
		} else if (c == UINT32_MAX || yaml_cp_break(c)) {
			yaml_dump_put(d, s + start, end - start);
			if (c == UINT32_MAX)
				yaml_dump_break(d, '\n');
			start = end;
		}
		if (c != UINT32_MAX)
			breaks = yaml_cp_break(c);
	}
}

/* The code points of n bytes of text; NULL when it is not UTF-8. */
static uint32_t *
yaml_dump_decode(const char *text, size_t len, size_t *n)
{
	uint32_t *cps = xcalloc(len + 1, sizeof(*cps));

	*n = 0;
	for (size_t i = 0; i < len;) {
		size_t k = utf8_valid_len((const unsigned char *)text + i, len - i, &cps[*n]);

		if (!k) {
			free(cps);
			return NULL;
		}
		i += k;
		(*n)++;
	}
	return cps;
}

/* The text yaml_dump writes for a scalar, and whether it needs no quotes to read back. */
static const char *
yaml_dump_scalar_text(const struct yaml_node *node, char *buf, size_t size, size_t *len,
                      bool *plain_ok)
{
	const char *(*as_value)(const struct yaml_node *, char *, size_t) =
	        (size_t)node->type < ARRAY_SIZE(yaml_dump_texts) ? yaml_dump_texts[node->type]
	                                                         : NULL;
	const char *text;

	if (!as_value) {
		*len = node->value ? node->len : 0;
		*plain_ok = yaml_resolve(node->value ? node->value : "") == YAML_TYPE_STR;
		return node->value ? node->value : "";
	}
	text = as_value(node, buf, size);
	*len = strlen(text);
	*plain_ok = true;
	return text;
}

/* check_simple_key for a mapping's key: short, on one line, or an empty collection. */
static bool
yaml_dump_simple_key(struct yaml_dumper *d, const struct yaml_node *key)
{
	struct yaml_dump_seen *s = yaml_dump_find(d, key, false);
	size_t len = s && s->anchor ? 5 : 0, n;
	char buf[64];
	bool plain_ok, ok;
	uint32_t *cps;
	const char *text;

	if (key->type == YAML_TYPE_MAP || key->type == YAML_TYPE_SEQ)
		return key->n == 0 || (s && s->emitted);
	text = yaml_dump_scalar_text(key, buf, sizeof(buf), &n, &plain_ok);
	cps = yaml_dump_decode(text, n, &n);
	if (!cps)
		return true;
	ok = len + n < 128 && n > 0 && !yaml_dump_analyze(cps, n, d->unicode).multiline;
	free(cps);
	return ok;
}

static void
yaml_dump_scalar(struct yaml_dumper *d, const struct yaml_node *node, bool simple_key)
{
	char buf[64];
	size_t len, n;
	bool plain_ok;
	const char *text = yaml_dump_scalar_text(node, buf, sizeof(buf), &len, &plain_ok);
	uint32_t *cps = yaml_dump_decode(text, len, &n);
	struct yaml_dump_analysis a;
	int saved = d->indent;

	if (!cps) {
		d->failed = true;
		return;
	}
	a = yaml_dump_analyze(cps, n, d->unicode);
	yaml_dump_increase_indent(d, true, false);
	switch (yaml_dump_style(d, &a, plain_ok, node->literal, simple_key)) {
	case YAML_DUMP_PLAIN:
		yaml_dump_plain(d, cps, n, !simple_key);
		break;
	case YAML_DUMP_SINGLE:
		yaml_dump_single(d, cps, n, !simple_key);
		break;
	case YAML_DUMP_DOUBLE:
		yaml_dump_double(d, cps, n, !simple_key);
		break;
	case YAML_DUMP_LITERAL:
		yaml_dump_literal(d, cps, n);
		break;
	}
	d->indent = saved;
	free(cps);
}

/* expect_node: an alias, or the node (its anchor first) in block style; empties in flow. */
static void
yaml_dump_node(struct yaml_dumper *d, const struct yaml_node *node, bool mapping, bool simple_key)
{
	struct yaml_dump_seen *s = yaml_dump_find(d, node, false);
	char anchor[16];
	struct yaml_pair *pairs;
	int saved = d->indent;
	size_t n;

	if (s && s->anchor) {
		snprintf(anchor, sizeof(anchor), "%cid%03u", s->emitted ? '*' : '&', s->anchor);
		yaml_dump_indicator(d, anchor, true, false, false);
		if (s->emitted)
			return;
		s->emitted = true;
	}
	if (node->type != YAML_TYPE_MAP && node->type != YAML_TYPE_SEQ) {
		yaml_dump_scalar(d, node, simple_key);
		return;
	}
	if (node->n == 0) {
		yaml_dump_indicator(d, node->type == YAML_TYPE_MAP ? "{}" : "[]", true, false,
		                    false);
		return;
	}
	if (node->type == YAML_TYPE_SEQ) {
		yaml_dump_increase_indent(d, false, mapping && !d->indention);
		for (size_t i = 0; i < node->n; i++) {
			yaml_dump_indent(d);
			yaml_dump_indicator(d, "-", true, false, true);
			yaml_dump_node(d, node->items[i], false, false);
		}
		d->indent = saved;
		return;
	}
	yaml_dump_increase_indent(d, false, false);
	pairs = yaml_dump_pairs(node, &n);
	for (size_t i = 0; i < n; i++) {
		yaml_dump_indent(d);
		if (yaml_dump_simple_key(d, pairs[i].key)) {
			yaml_dump_node(d, pairs[i].key, true, true);
			yaml_dump_indicator(d, ":", false, false, false);
		} else {
			yaml_dump_indicator(d, "?", true, false, true);
			yaml_dump_node(d, pairs[i].key, true, false);
			yaml_dump_indent(d);
			yaml_dump_indicator(d, ":", true, false, true);
		}
		yaml_dump_node(d, pairs[i].value, true, false);
	}
	free(pairs);
	d->indent = saved;
}

int
yaml_dump(const struct yaml_node *root, bool unicode, struct strbuf *out, const char **problem)
{
	struct yaml_dumper d = {
		.out = out, .unicode = unicode, .indent = -1, .whitespace = true, .indention = true
	};
	static const struct yaml_node null = { .type = YAML_TYPE_NULL };

	yaml_dump_anchors(&d, root);
	yaml_dump_node(&d, root ? root : &null, false, false);
	/* expect_document_end's write_indent, then the stream's end. */
	yaml_dump_indent(&d);
	if (d.open_ended) {
		yaml_dump_indicator(&d, "...", true, false, false);
		yaml_dump_indent(&d);
	}
	free(d.seen);
	*problem = d.failed ? "a value is not valid UTF-8" : NULL;
	return d.failed ? -1 : 0;
}
