/* template_impl.h: what template*.c share: the parsed tree, the render context, values. */
#ifndef OSMO_SERVER_TEMPLATE_IMPL_H
#define OSMO_SERVER_TEMPLATE_IMPL_H

#include "server/template.h"

/* ---- Expressions ---- */

enum template_op {
	TEMPLATE_OP_LIT,
	TEMPLATE_OP_NAME,
	TEMPLATE_OP_LIST,
	TEMPLATE_OP_NOT,
	TEMPLATE_OP_NEG,
	TEMPLATE_OP_POS,
	TEMPLATE_OP_AND,
	TEMPLATE_OP_OR,
	TEMPLATE_OP_EQ,
	TEMPLATE_OP_NE,
	TEMPLATE_OP_LT,
	TEMPLATE_OP_GT,
	TEMPLATE_OP_LE,
	TEMPLATE_OP_GE,
	TEMPLATE_OP_IN,
	TEMPLATE_OP_NOTIN,
	TEMPLATE_OP_ADD,
	TEMPLATE_OP_SUB,
	TEMPLATE_OP_CONCAT,
	TEMPLATE_OP_MUL,
	TEMPLATE_OP_DIV,
	TEMPLATE_OP_FLOORDIV,
	TEMPLATE_OP_MOD,
	TEMPLATE_OP_COND,
	TEMPLATE_OP_FILTER,
	TEMPLATE_OP_TEST,
	TEMPLATE_OP_CALL,
	TEMPLATE_OP_INDEX,
};

struct template_expr {
	enum template_op op;
	size_t at;                   /* source offset, for errors */
	struct template_value lit;   /* LIT */
	char *name;                  /* NAME; FILTER, TEST and CALL: which */
	struct template_expr **args; /* operands; FILTER/TEST: the subject first */
	size_t nargs;
	bool negate; /* TEST: "is not" */
};

/* ---- Statements ---- */

enum template_node_kind {
	TEMPLATE_NODE_TEXT,
	TEMPLATE_NODE_OUTPUT,
	TEMPLATE_NODE_FOR,
	TEMPLATE_NODE_IF,
	TEMPLATE_NODE_SET,
};

struct template_nodes {
	struct template_node *v;
	size_t n, cap;
};

/* One "if" or "elif" (cond set) or the "else" (cond NULL). */
struct template_branch {
	struct template_expr *cond;
	struct template_nodes body;
};

struct template_node {
	enum template_node_kind kind;
	size_t at;                  /* TEXT: first byte; others: the tag */
	size_t len;                 /* TEXT */
	struct template_expr *expr; /* OUTPUT; FOR: the iterable; SET: the value */
	char *name;                 /* FOR: the loop variable; SET: the target */
	struct template_nodes body, orelse;
	struct template_branch *branches; /* IF */
	size_t nbranches;
};

/* ---- Expression tokens ---- */

enum template_tok {
	TEMPLATE_TOK_END,
	TEMPLATE_TOK_NAME,
	TEMPLATE_TOK_INT,
	TEMPLATE_TOK_FLOAT,
	TEMPLATE_TOK_STR,
	TEMPLATE_TOK_OP,
};

struct template_token {
	enum template_tok kind;
	size_t at, len;
	long long i;
	double f;
	char *s; /* STR: decoded */
};

/* State shared by lexing, parsing and rendering one template. */
struct template_ctx {
	const struct template_source *src;
	const struct template_vars *vars;
	struct strv *errors;
	size_t nerrors;
	size_t *error_at; /* offsets already reported, so a loop reports a place once */
	bool fatal;       /* stop everything: a limit was hit or errors overflowed */

	/* Parsing one tag's inside. */
	size_t pos, end;
	struct template_token tok;
	unsigned depth;
	size_t nexpr; /* values and filters in this tag: long chains nest as deep as they are long */

	/* Rendering. */
	struct template_vars scope; /* set and loop variables, innermost last */
	size_t *frames;
	size_t nframes;
	struct strbuf out;
	struct template_span *spans;
	size_t nspans, spans_cap;
	size_t lines, iterations;
};

/* template.c: errors at a source offset, and the variables' lookups. */
__attribute__((format(printf, 3, 4))) int template_error(struct template_ctx *ctx, size_t at,
                                                         const char *fmt, ...);
/* Like template_error, but nothing after it can be trusted: the render stops. */
__attribute__((format(printf, 3, 4))) int template_fatal(struct template_ctx *ctx, size_t at,
                                                         const char *fmt, ...);
/* Text from the template as one printable line, cut at 60 bytes (a new string). */
char *template_quote(const char *s, size_t n);
bool template_is_space(char c);
struct template_value *template_vars_find(const struct template_vars *vars, const char *name);
void template_vars_push(struct template_vars *vars, const char *name, struct template_value value);

/* template_value.c */
const char *template_value_type_name(enum template_type type);
struct template_value template_value_str(const char *s, size_t n);
/* sb's text as a string value; sb is left empty. */
struct template_value template_value_take(struct strbuf *sb);
struct template_value template_value_int(long long i);
struct template_value template_value_float(double f);
struct template_value template_value_bool(bool b);
/* Python's repr of a string: quoted and escaped. */
void template_value_repr(const struct template_value *v, struct strbuf *sb);
bool template_value_truthy(const struct template_value *v);
/* Numbers as Python sees them: bool is an int. */
bool template_value_numeric(const struct template_value *v, bool *is_float, long long *i,
                            double *f);
size_t template_value_range_len(const struct template_value *v);
bool template_value_equal(const struct template_value *a, const struct template_value *b);
/* Python's int() and float() of a string. */
bool template_value_parse_int(const char *s, long long *out);
bool template_value_parse_float(const char *s, double *out);

/* template_parse.c: the whole source into root; errors go to ctx. */
int template_parse(struct template_ctx *ctx, struct template_nodes *root);
void template_parse_nodes_free(struct template_nodes *ns);

/* template_eval.c: renders root into ctx->out and ctx->spans; errors go to ctx. */
void template_eval_render(struct template_ctx *ctx, const struct template_nodes *root);

#endif
