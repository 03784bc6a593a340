/* json.h: JSON objects read into structs, and freed, by tables of fields; cJSON's helpers. */
#ifndef OSMO_COMMON_JSON_H
#define OSMO_COMMON_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "common/util.h"

/* cJSON's own tag, so this header does not bring the library to everyone who includes it. */
struct cJSON;

/*
 * The kinds of member a field fills, and what its error says when the JSON holds another
 * thing. A missing or null value leaves the member as it was (zero), but for SECS.
 *   STR        char *, a copy
 *   STRINGISH  char *; a number is printed with %g (pydantic's coerce_numbers_to_str)
 *   INT        int, integral; aux (or JSON_NO_AUX): a bool set when it was sent
 *   MS         int64_t from a number of milliseconds, integral, exact up to 2^53
 *   TIME       int64_t ms from a time string (common/osmo_time.h)
 *   SECS       double; -1 when missing or null
 *   BOOL       bool
 *   STATUS     enum osmo_status by its wire name
 *   UUID       char[33], from a string of at most 32 bytes
 *   STRV       struct strv
 *   LABELS     an object of strings as sub's elements: key in its first field, value in the second
 *   ARRAY      a list of objects as sub's elements
 *   OBJECT     an object read by sub into the same record (sub's size 0: JSON_TABLE_IN)
 */
/* clang-format off */
#define JSON_KIND_LIST(X)                                                    \
	X(STR,       "expected a string")                                    \
	X(STRINGISH, "expected a string")                                    \
	X(INT,       "expected an integer")                                  \
	X(MS,        "expected an integer of milliseconds")                  \
	X(TIME,      "expected a time string")                               \
	X(SECS,      "expected a number of seconds")                         \
	X(BOOL,      "expected true or false")                               \
	X(STATUS,    "expected a status string")                             \
	X(UUID,      "expected a string of at most 32 characters")           \
	X(STRV,      "expected a list of strings")                           \
	X(LABELS,    "expected an object of strings")                        \
	X(ARRAY,     "expected a list")                                      \
	X(OBJECT,    "expected an object")
/* clang-format on */

enum json_kind {
#define JSON_KIND_ENUM(name, expected) JSON_##name,
	JSON_KIND_LIST(JSON_KIND_ENUM)
#undef JSON_KIND_ENUM
	        JSON_KIND_COUNT
};

struct json_table;

/* off: the member; LABELS and ARRAY: the pointer to the elements, aux their size_t count. */
struct json_field {
	const char *key;
	enum json_kind kind;
	bool required; /* missing or null is an error */
	size_t off;
	size_t aux;                   /* INT: its "has" bool, or JSON_NO_AUX */
	const struct json_table *sub; /* LABELS, ARRAY: the elements */
};

struct json_table {
	const struct json_field *fields;
	size_t n;
	size_t size; /* of one element, where the table is a LABELS or ARRAY field's sub */
};

#define JSON_NO_AUX ((size_t)-1)
#define JSON_FIELD(type, key, kind, req, member)                          \
	{                                                                 \
		key, kind, req, offsetof(type, member), JSON_NO_AUX, NULL \
	}
#define JSON_FIELD_HAS(type, key, member, has)                                          \
	{                                                                               \
		key, JSON_INT, false, offsetof(type, member), offsetof(type, has), NULL \
	}
#define JSON_FIELD_SUB(type, key, kind, req, member, count, table)                   \
	{                                                                            \
		key, kind, req, offsetof(type, member), offsetof(type, count), table \
	}
#define JSON_TABLE(fields, type)                         \
	{                                                \
		fields, ARRAY_SIZE(fields), sizeof(type) \
	}
/* An OBJECT field's table: its fields are members of the record that holds the field. */
#define JSON_TABLE_IN(fields)                 \
	{                                     \
		fields, ARRAY_SIZE(fields), 0 \
	}

/* How the text is taken: the client reads a peer's answers, osmo-local its own files. */
struct json_opts {
	bool sanitize;      /* strings through utf8_sanitize (untrusted), else copied as sent */
	bool strict_status; /* an unknown status name is an error, else OSMO_UNKNOWN */
	bool item_numbers;  /* a bad string in a list: "tags: item 1: ...", else "tags[1]: ..." */
	size_t max_items;   /* longer lists and objects are refused unread; 0: no cap */
	const char *const *expected; /* [JSON_KIND_COUNT] wordings over the list's; NULL: none */
};

#define JSON_PATH 256

/* Where reading stopped and why; the caller makes it its own kind of error. */
struct json_error {
	char path[JSON_PATH]; /* "groups[2].tasks[0].status"; "" for the top level; cut when long */
	char what[96];        /* "missing", "must not be null", "expected an integer", ... */
};

/*
 * Fills out from the object obj by t, the fields in the table's order; unknown keys are
 * ignored. 0, or -1 with err set; out then holds what was read (array counts include the
 * element being read), for the caller's free.
 */
int json_read(const struct cJSON *obj, const struct json_table *t, void *out,
              const struct json_opts *opts, struct json_error *err);

/*
 * json_read of the text json_parse would read, straight into out (zeroed first) without a
 * tree: 0 when all of it was read, as json_read reads it; -1, out freed and zero again, when
 * anything is wrong or uncertain, for the caller to read it json_parse's way and say why.
 */
int json_decode(const char *text, size_t len, const struct json_table *t, void *out,
                const struct json_opts *opts);

/*
 * Frees what json_read allocates for t's fields of obj (strings, lists, elements, and theirs)
 * and zeroes t->size bytes of it; NULL is nothing. A LABELS field's elements are freed by
 * its sub table, whose two fields are then strings.
 */
void json_free(const struct json_table *t, void *obj);

/* Builds "base.key" (key non-NULL) or "base[index]" into out, cut quietly when too long. */
void json_subpath(char out[JSON_PATH], const char *base, const char *key, size_t index);

/*
 * One JSON value that takes all of text[0..len) but trailing whitespace, as json.loads wants:
 * the tree, or NULL with err->what saying at which byte it is not (err->path "").
 */
struct cJSON *json_parse(const char *text, size_t len, struct json_error *err);

/* root as compact JSON (the caller frees it), root deleted; aborts when out of memory. */
char *json_print(struct cJSON *root);
/* sv's strings as a JSON array; an empty one for NULL. */
struct cJSON *json_strv(const struct strv *sv);

/* A member of a flat object: a string (NULL: null) or, with is_int, an integer. */
struct json_member {
	const char *key;
	const char *str;
	bool is_int;
	long long n;
};
/* The members as one compact JSON object, in their order (the caller frees it). */
char *json_flat(const struct json_member *m, size_t n);

#endif
