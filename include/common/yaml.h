/* yaml.h: YAML as PyYAML's safe_load reads it: safe loading, a plain tree, one 1.1 resolver. */
#ifndef OSMO_COMMON_YAML_H
#define OSMO_COMMON_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include "common/util.h"

/* Refusals for hostile input, unless the caller sets its own. */
#define YAML_MAX_DEPTH 64u      /* collections inside collections */
#define YAML_MAX_NODES 1000000u /* nodes of the document once aliases are expanded */

/* What PyYAML's SafeLoader makes of a node: its implicit resolvers, or an explicit tag. */
enum yaml_type {
	YAML_TYPE_NULL,
	YAML_TYPE_BOOL,
	YAML_TYPE_INT,
	YAML_TYPE_FLOAT,
	YAML_TYPE_TIMESTAMP,
	YAML_TYPE_MERGE, /* "<<" */
	YAML_TYPE_VALUE, /* "=": resolved, but safe_load has no constructor for it */
	YAML_TYPE_STR,
	YAML_TYPE_OTHER, /* a scalar with a tag safe_load does not know */
	YAML_TYPE_SEQ,
	YAML_TYPE_MAP,
};

/* A place in the text, 0-based; index counts characters, as libyaml does. */
struct yaml_mark {
	size_t index, line, column;
};

struct yaml_pair {
	struct yaml_node *key, *value;
};

/* One node; an alias is the node its anchor names, so nodes may be shared. */
struct yaml_node {
	enum yaml_type type;
	char *tag;   /* the explicit tag, resolved ("tag:yaml.org,2002:int"); NULL when none */
	bool plain;  /* a scalar written without quotes */
	char *value; /* scalars: the text, NUL-terminated; it may hold NULs of its own */
	size_t len;
	struct yaml_node **items; /* sequences */
	struct yaml_pair *pairs;  /* mappings, in the file's order */
	size_t n;                 /* items or pairs */
	struct yaml_mark start, end;
	bool literal; /* a string yaml_dump writes as a literal block (|) */
};

/* One loaded document; root is NULL for a text with no document (empty, only comments). */
struct yaml_doc {
	struct yaml_node *root;
	struct yaml_node **nodes; /* every node, for freeing */
	size_t nnodes, cap;
};

enum yaml_error_kind {
	YAML_ERR_NONE,
	YAML_ERR_MEMORY,
	YAML_ERR_READER,    /* bad bytes: offset is a byte offset, value the byte */
	YAML_ERR_SYNTAX,    /* libyaml's scanner, parser or composer: problem, maybe context */
	YAML_ERR_DEPTH,     /* mark: the collection past the limit */
	YAML_ERR_SECOND,    /* another document: mark is its start, context_mark its root */
	YAML_ERR_RECURSIVE, /* an alias inside its own anchor: mark is the anchored node */
	YAML_ERR_EXPANSION, /* more nodes than the limit once aliases are expanded */
};

struct yaml_error {
	enum yaml_error_kind kind;
	const char *problem; /* libyaml's words, or NULL; static strings */
	const char *context; /* NULL when there is none */
	struct yaml_mark mark, context_mark;
	size_t offset;  /* READER: the byte */
	unsigned value; /* READER: its value */
	size_t limit;   /* DEPTH, EXPANSION: the limit passed */
};

struct yaml_limits {
	unsigned depth;
	size_t nodes;
};

/*
 * Loads the one document of text as safe_load does: a second document, nesting deeper than
 * limits->depth and aliases expanding past limits->nodes are errors (NULL limits: the
 * defaults above). Syntax errors anywhere in the text come first. Returns 0, or -1 with err
 * filled and out empty.
 */
int yaml_load(const char *text, size_t len, const struct yaml_limits *limits, struct yaml_doc *out,
              struct yaml_error *err);
void yaml_doc_free(struct yaml_doc *doc);
/* err as "problem (context at LINE:COL)", 1-based; callers put err->mark in front. */
void yaml_error_describe(const struct yaml_error *err, struct strbuf *sb);

/* What a plain scalar written as s means to PyYAML 1.1 (never SEQ, MAP or OTHER). */
enum yaml_type yaml_resolve(const char *s);
/* The text of a scalar node, or NULL for a collection or no node. */
const char *yaml_scalar(const struct yaml_node *node);
/* The value for key in map (the last one, as in PyYAML), and its key node; NULL if none. */
struct yaml_node *yaml_map_get(const struct yaml_node *map, const char *key,
                               struct yaml_node **key_node);
/* Values of scalars the resolver typed: bool, int (bases, '_', 1:30 = 90) and float. */
bool yaml_bool_value(const char *s);
bool yaml_int_value(const char *s, long long *out);
double yaml_float_value(const char *s);

/*
 * Building on a loaded document: the new nodes are doc's, freed with it. A scalar's text is
 * copied; type is what it stands for (yaml_dump writes it as such).
 */
struct yaml_node *yaml_doc_scalar(struct yaml_doc *doc, enum yaml_type type, const char *text);
struct yaml_node *yaml_doc_map(struct yaml_doc *doc);
struct yaml_node *yaml_doc_seq(struct yaml_doc *doc);
/* A new map with map's pairs (their nodes shared): one to change without changing map. */
struct yaml_node *yaml_doc_map_copy(struct yaml_doc *doc, const struct yaml_node *map);
/* Sets key to value in map: the last pair with that key takes it, else a pair is added. */
void yaml_map_set(struct yaml_doc *doc, struct yaml_node *map, const char *key,
                  struct yaml_node *value);
void yaml_seq_append(struct yaml_node *seq, struct yaml_node *item);

/*
 * Writes root as yaml.dump writes what safe_load made of it: keys sorted (a repeated key
 * once, with its last value), scalars as their Python values print (1:30 as 90, 0x1F as 31,
 * 1e3 as a string, 1.0e+3 as 1000.0), strings quoted when they would read back as another
 * type, a collection met twice anchored (&id001) and aliased after; unicode is allow_unicode.
 * Returns 0, or -1 with *problem (a value that is not UTF-8, or the emitter's words).
 */
int yaml_dump(const struct yaml_node *root, bool unicode, struct strbuf *out, const char **problem);

/* Writing as yaml.dump does (block style, indent 2, width 80, ASCII with escapes). */
struct yaml_writer;
struct yaml_writer *yaml_writer_new(struct strbuf *out);
/* A string, quoted when it would read back as another type; NULL writes null. */
void yaml_write_str(struct yaml_writer *w, const char *s);
void yaml_write_bool(struct yaml_writer *w, bool b);
void yaml_write_map(struct yaml_writer *w, bool start);
/*
 * Ends the document and frees w. Returns 0, or -1 with *bad_value set when a value was not
 * valid UTF-8 and *problem naming the emitter's complaint otherwise.
 */
int yaml_writer_finish(struct yaml_writer *w, bool *bad_value, const char **problem);

#endif
