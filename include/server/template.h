/* template.h: the Jinja subset OSMO renders workflow specs with, plus a map back to the source. */
#ifndef OSMO_SERVER_TEMPLATE_H
#define OSMO_SERVER_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/util.h"

/* Refusals for hostile templates: the render stops with an error past any of these. */
#define TEMPLATE_MAX_OUTPUT     (16u << 20)
#define TEMPLATE_MAX_LINES      1000000u
#define TEMPLATE_MAX_ITERATIONS 100000u
#define TEMPLATE_MAX_DEPTH      64u
#define TEMPLATE_MAX_EXPR       1000u
#define TEMPLATE_MAX_ERRORS     50u

/* Python's types, as Jinja sees them. UNDEFINED and RANGE only live while rendering. */
enum template_type {
	TEMPLATE_NONE,
	TEMPLATE_BOOL,
	TEMPLATE_INT,
	TEMPLATE_FLOAT,
	TEMPLATE_STR,
	TEMPLATE_LIST,
	TEMPLATE_UNDEFINED,
	TEMPLATE_RANGE,
};

struct template_value {
	enum template_type type;
	bool b;
	long long i;                  /* INT; RANGE start */
	long long stop, step;         /* RANGE */
	double f;                     /* FLOAT */
	char *s;                      /* STR (NUL-terminated); UNDEFINED: the name */
	struct template_value *items; /* LIST */
	size_t n;
	size_t at; /* UNDEFINED: source offset of the name, for the error */
};

/* The variables a render sees; later sets replace earlier ones. */
struct template_vars {
	char **names;
	struct template_value *values;
	size_t n;
};

/* Output bytes [out, out + len) came from the source at src: byte for byte when literal. */
struct template_span {
	size_t out;
	size_t src;
	size_t len;
	bool literal;
};

struct template_output {
	char *text; /* NUL-terminated */
	size_t len;
	struct template_span *spans; /* sorted by out, covering the text */
	size_t nspans;
};

struct template_source {
	const char *text;
	size_t len;
	const char *filename; /* for "file:line:col: message" */
	/* [skip_start, skip_end) is neither rendered nor output (OSMO keeps default-values out). */
	size_t skip_start, skip_end;
};

/* Takes ownership of value (its strings and items). */
void template_vars_set(struct template_vars *vars, const char *name, struct template_value value);
void template_vars_set_str(struct template_vars *vars, const char *name, const char *value);
/*
 * Applies "name=value" as OSMO's --set does (int, then float, else string) or, with as_string,
 * as --set-string. Returns -1 with *err (a new string) when there is no '=' or no name.
 */
int template_vars_assign(struct template_vars *vars, const char *assignment, bool as_string,
                         char **err);
const struct template_value *template_vars_get(const struct template_vars *vars, const char *name);
void template_vars_free(struct template_vars *vars);

struct template_value template_value_copy(const struct template_value *v);
void template_value_free(struct template_value *v);
/* Appends str(v) as Python prints it: True, None, 2.5, [1, 'a']. */
void template_value_format(const struct template_value *v, struct strbuf *sb);

/*
 * Renders src with vars (NULL for none). OSMO's special tokens ({{output}}, {{input:N}},
 * {{input:task}}, {{host:task}}, {{workflow_id}}, {{uuid}}, with or without inner spaces) are
 * copied as written. Returns 0, or -1 with every error found as "file:line:col: message" in
 * errors and out left empty.
 */
int template_render(const struct template_source *src, const struct template_vars *vars,
                    struct template_output *out, struct strv *errors);
/* The source byte offset that output byte offset off came from. */
size_t template_source_offset(const struct template_output *out, size_t off);
void template_output_free(struct template_output *out);

/* 1-based line and column (in characters) of byte offset off in text. */
void template_line_col(const char *text, size_t len, size_t off, unsigned *line, unsigned *col);
/* Whether "{{ ... }}" with this inside is one of OSMO's run-time tokens. */
bool template_is_special_token(const char *inner, size_t len);

#endif
