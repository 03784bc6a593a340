/* login.c: the osmo CLI's login.yaml: finding it, loading and checking it, rewriting it atomically. */
#include "client/login.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "common/util.h"

/* The CLI writes a few hundred bytes; anything this large is not a login file. */
#define LOGIN_MAX_BYTES (1024 * 1024)
/*
 * The CLI's file nests two levels; unknown keys get room to spare. libyaml's scanner is
 * quadratic in flow nesting, so deeper input is refused before it is loaded.
 */
#define LOGIN_MAX_DEPTH 64

/* What a node means to PyYAML's SafeLoader, which is how the CLI reads the file. */
enum login_type {
	LOGIN_TYPE_NULL,
	LOGIN_TYPE_BOOL,
	LOGIN_TYPE_STR,
	LOGIN_TYPE_OTHER, /* int, float, timestamp, merge, value, or an explicit tag */
	LOGIN_TYPE_MAP,
	LOGIN_TYPE_SEQ,
};

/* One of PyYAML's implicit resolvers (yaml/resolver.py), rewritten as a POSIX ERE. */
struct login_resolver {
	const char *first; /* characters a match can start with, as PyYAML indexes them */
	const char *pattern;
	enum login_type type;
};

static const struct login_resolver login_resolvers[] = {
	{ "yYnNtTfFoO",
	  "^(yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$",
	  LOGIN_TYPE_BOOL },
	{ "-+0123456789.",
	  "^([-+]?[0-9][0-9_]*\\.[0-9_]*([eE][-+][0-9]+)?"
	  "|\\.[0-9][0-9_]*([eE][-+][0-9]+)?"
	  "|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\\.[0-9_]*"
	  "|[-+]?\\.(inf|Inf|INF)"
	  "|\\.(nan|NaN|NAN))$",
	  LOGIN_TYPE_OTHER },
	{ "-+0123456789",
	  "^([-+]?0b[0-1_]+"
	  "|[-+]?0[0-7_]+"
	  "|[-+]?(0|[1-9][0-9_]*)"
	  "|[-+]?0x[0-9a-fA-F_]+"
	  "|[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+)$",
	  LOGIN_TYPE_OTHER },
	{ "<", "^<<$", LOGIN_TYPE_OTHER },
	{ "~nN", "^(~|null|Null|NULL)$", LOGIN_TYPE_NULL },
	{ "0123456789",
	  "^([0-9]{4}-[0-9]{2}-[0-9]{2}"
	  "|[0-9]{4}-[0-9][0-9]?-[0-9][0-9]?([Tt]|[ \t]+)[0-9][0-9]?:[0-9]{2}:[0-9]{2}(\\.[0-9]*)?"
	  "([ \t]*(Z|[-+][0-9][0-9]?(:[0-9]{2})?))?)$",
	  LOGIN_TYPE_OTHER },
	{ "=", "^=$", LOGIN_TYPE_OTHER },
};

/* State for walking one loaded document; every error names path. */
struct login_ctx {
	const char *path;
	yaml_document_t *doc;
	struct api_error *err;
};

/* State for emitting; the first failure sticks so the event sequence reads straight. */
struct login_emitter {
	yaml_emitter_t emitter;
	bool bad_value; /* an event could not be built: the value is not valid UTF-8 */
	bool failed;
};

/* Fills err with "PATH[:LINE:COL]: message" (1-based) and returns -1. */
__attribute__((format(printf, 5, 6))) static int
login_error(struct api_error *err, enum api_error_kind kind, const char *path,
            const yaml_mark_t *mark, const char *fmt, ...)
{
	struct strbuf sb = { 0 };
	va_list ap;

	strbuf_addstr(&sb, path);
	if (mark)
		strbuf_addf(&sb, ":%zu:%zu", mark->line + 1, mark->column + 1);
	strbuf_addstr(&sb, ": ");
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	api_error_set(err, kind, "%s", sb.buf);
	strbuf_free(&sb);
	return -1;
}

/* strerror is not thread-safe, and the client may run beside other threads. */
static const char *
login_strerror(int e, char *buf, size_t size)
{
	if (strerror_r(e, buf, size) != 0)
		snprintf(buf, size, "error %d", e);
	return buf;
}

/* Matches like Python's re.match with a trailing '$', which also matches before a final newline. */
static bool
login_match(const char *pattern, const char *s)
{
	size_t len = strlen(s);
	char *copy = xstrndup(s, len > 0 && s[len - 1] == '\n' ? len - 1 : len);
	regex_t re;
	bool hit;

	/* The patterns are constants: failing to compile one is a bug or out of memory. */
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		abort();
	hit = regexec(&re, copy, 0, NULL, 0) == 0;
	regfree(&re);
	free(copy);
	return hit;
}

/* What PyYAML makes of s written as a plain (unquoted) scalar. */
static enum login_type
login_resolve(const char *s)
{
	if (s[0] == '\0')
		return LOGIN_TYPE_NULL;
	for (size_t i = 0; i < ARRAY_SIZE(login_resolvers); i++) {
		const struct login_resolver *r = &login_resolvers[i];

		if (strchr(r->first, s[0]) && login_match(r->pattern, s))
			return r->type;
	}
	return LOGIN_TYPE_STR;
}

static enum login_type
login_node_type(const yaml_node_t *node)
{
	const char *tag = (const char *)node->tag;

	if (node->type == YAML_MAPPING_NODE)
		return LOGIN_TYPE_MAP;
	if (node->type == YAML_SEQUENCE_NODE)
		return LOGIN_TYPE_SEQ;
	if (node->type != YAML_SCALAR_NODE)
		return LOGIN_TYPE_OTHER;
	/* The loader gives untagged scalars the str tag, so any other tag was explicit. */
	if (tag && strcmp(tag, YAML_STR_TAG) != 0)
		return strcmp(tag, YAML_NULL_TAG) == 0 ? LOGIN_TYPE_NULL : LOGIN_TYPE_OTHER;
	if (node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return LOGIN_TYPE_STR;
	return login_resolve((const char *)node->data.scalar.value);
}

/* Finds key in map; the last occurrence wins, as in PyYAML. */
static yaml_node_t *
login_map_get(yaml_document_t *doc, yaml_node_t *map, const char *key, yaml_node_t **key_node)
{
	size_t key_len = strlen(key);
	yaml_node_t *found = NULL;

	*key_node = NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);

		if (!k || k->type != YAML_SCALAR_NODE || k->data.scalar.length != key_len ||
		    memcmp(k->data.scalar.value, key, key_len) != 0)
			continue;
		*key_node = k;
		found = yaml_document_get_node(doc, p->value);
	}
	return found;
}

/* The last component of a key path ("token_login.id_token" -> "id_token"). */
static const char *
login_key_of(const char *key_path)
{
	const char *dot = strrchr(key_path, '.');

	return dot ? dot + 1 : key_path;
}

/*
 * Reads the string at key_path into *out (NULL when absent or null). Errors name the key,
 * never the value, because the value may be a token.
 */
static int
login_get_str(struct login_ctx *ctx, yaml_node_t *map, const char *key_path, bool required,
              char **out)
{
	yaml_node_t *key;
	yaml_node_t *value = login_map_get(ctx->doc, map, login_key_of(key_path), &key);
	enum login_type type = value ? login_node_type(value) : LOGIN_TYPE_NULL;

	*out = NULL;
	if (!value && required)
		return login_error(ctx->err, API_ERR_AUTH, ctx->path, &map->start_mark,
		                   "%s: missing", key_path);
	if (type == LOGIN_TYPE_NULL && !required)
		return 0;
	if (type != LOGIN_TYPE_STR)
		return login_error(ctx->err, API_ERR_AUTH, ctx->path, &key->start_mark,
		                   "%s: expected a string", key_path);
	if (strlen((const char *)value->data.scalar.value) != value->data.scalar.length)
		return login_error(ctx->err, API_ERR_AUTH, ctx->path, &key->start_mark,
		                   "%s: contains a NUL character", key_path);
	*out = xstrndup((const char *)value->data.scalar.value, value->data.scalar.length);
	return 0;
}

/* Reads a token_login / dev_login section: a mapping, or NULL when absent or null. */
static int
login_get_section(struct login_ctx *ctx, yaml_node_t *root, const char *key_path, yaml_node_t **out)
{
	yaml_node_t *key;
	yaml_node_t *value = login_map_get(ctx->doc, root, key_path, &key);
	enum login_type type = value ? login_node_type(value) : LOGIN_TYPE_NULL;

	*out = NULL;
	if (type == LOGIN_TYPE_NULL)
		return 0;
	if (type != LOGIN_TYPE_MAP)
		return login_error(ctx->err, API_ERR_AUTH, ctx->path, &key->start_mark,
		                   "%s: expected a mapping or null", key_path);
	*out = value;
	return 0;
}

/* osmo_token: a YAML boolean; absent or null means false. */
static int
login_get_bool(struct login_ctx *ctx, yaml_node_t *root, const char *key_path, bool *out)
{
	yaml_node_t *key;
	yaml_node_t *value = login_map_get(ctx->doc, root, key_path, &key);
	enum login_type type = value ? login_node_type(value) : LOGIN_TYPE_NULL;
	const char *s;

	*out = false;
	if (type == LOGIN_TYPE_NULL)
		return 0;
	if (type != LOGIN_TYPE_BOOL)
		return login_error(ctx->err, API_ERR_AUTH, ctx->path, &key->start_mark,
		                   "%s: expected true or false", key_path);
	s = (const char *)value->data.scalar.value;
	*out = strchr("tTyY", s[0]) || (strchr("oO", s[0]) && strchr("nN", s[1]));
	return 0;
}

static int
login_walk(struct login_ctx *ctx, struct login *l)
{
	yaml_node_t *root = yaml_document_get_root_node(ctx->doc);
	yaml_node_t *tok, *dev, *key;
	yaml_node_t *name;
	size_t len;

	if (!root)
		return login_error(ctx->err, API_ERR_AUTH, ctx->path, NULL,
		                   "empty file; run 'osmo login URL' or pass --url");
	if (root->type != YAML_MAPPING_NODE)
		return login_error(ctx->err, API_ERR_AUTH, ctx->path, &root->start_mark,
		                   "expected a mapping at the top level");
	if (login_get_str(ctx, root, "url", true, &l->url) < 0)
		return -1;
	len = strlen(l->url);
	while (len > 0 && l->url[len - 1] == '/')
		l->url[--len] = '\0';
	if (len == 0) {
		login_map_get(ctx->doc, root, "url", &key);
		return login_error(ctx->err, API_ERR_AUTH, ctx->path, &key->start_mark,
		                   "url: must not be empty");
	}
	if (login_get_section(ctx, root, "token_login", &tok) < 0 ||
	    login_get_section(ctx, root, "dev_login", &dev) < 0)
		return -1;
	if (tok && dev)
		return login_error(ctx->err, API_ERR_AUTH, ctx->path, &root->start_mark,
		                   "token_login and dev_login are both set; exactly one must be");
	if (!tok && !dev)
		return login_error(ctx->err, API_ERR_AUTH, ctx->path, &root->start_mark,
		                   "neither token_login nor dev_login is set; "
		                   "run 'osmo login URL' or pass --url");
	if (tok) {
		l->kind = LOGIN_TOKEN;
		if (login_get_str(ctx, tok, "token_login.id_token", true, &l->id_token) < 0 ||
		    login_get_str(ctx, tok, "token_login.refresh_token", false, &l->refresh_token) <
		            0 ||
		    login_get_str(ctx, tok, "token_login.refresh_url", false, &l->refresh_url) <
		            0 ||
		    login_get_str(ctx, tok, "token_login.client_id", false, &l->client_id) < 0 ||
		    login_get_str(ctx, tok, "token_login.username", false, &l->token_username) < 0)
			return -1;
	} else {
		l->kind = LOGIN_DEV;
		if (login_get_str(ctx, dev, "dev_login.username", true, &l->dev_username) < 0)
			return -1;
	}
	if (login_get_bool(ctx, root, "osmo_token", &l->osmo_token) < 0)
		return -1;
	/* The CLI ignores name when loading; keep a usable one so a rewrite preserves it. */
	name = login_map_get(ctx->doc, root, "name", &key);
	if (name && login_node_type(name) == LOGIN_TYPE_STR &&
	    strlen((const char *)name->data.scalar.value) == name->data.scalar.length)
		l->name = xstrdup((const char *)name->data.scalar.value);
	return 0;
}

/* Turns a parser failure into "PATH:LINE:COL: problem (context at LINE:COL)". */
static int
login_yaml_error(const char *path, const yaml_parser_t *parser, const char *buf,
                 struct api_error *err)
{
	const char *problem = parser->problem ? parser->problem : "invalid YAML";
	yaml_mark_t mark = parser->problem_mark;

	if (parser->error == YAML_MEMORY_ERROR)
		return login_error(err, API_ERR_AUTH, path, NULL, "out of memory reading YAML");
	/* The reader only records a byte offset; count lines and characters up to it. */
	if (parser->error == YAML_READER_ERROR) {
		memset(&mark, 0, sizeof(mark));
		for (size_t i = 0; i < parser->problem_offset; i++) {
			if (buf[i] == '\n') {
				mark.line++;
				mark.column = 0;
			} else if (((unsigned char)buf[i] & 0xC0) != 0x80) {
				mark.column++;
			}
		}
	}
	if (parser->context)
		return login_error(err, API_ERR_AUTH, path, &mark, "%s (%s at %zu:%zu)", problem,
		                   parser->context, parser->context_mark.line + 1,
		                   parser->context_mark.column + 1);
	return login_error(err, API_ERR_AUTH, path, &mark, "%s", problem);
}

/* Streams the events once to refuse syntax errors and deep nesting cheaply. */
static int
login_check_depth(const char *path, const char *buf, size_t len, struct api_error *err)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0;
	int rc = 0;
	bool done = false;

	if (!yaml_parser_initialize(&parser))
		return login_error(err, API_ERR_AUTH, path, NULL, "out of memory reading YAML");
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done && rc == 0) {
		if (!yaml_parser_parse(&parser, &ev)) {
			rc = login_yaml_error(path, &parser, buf, err);
			break;
		}
		if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT) {
			if (++depth > LOGIN_MAX_DEPTH)
				rc = login_error(err, API_ERR_AUTH, path, &ev.start_mark,
				                 "nested more than %d levels deep",
				                 LOGIN_MAX_DEPTH);
		} else if (ev.type == YAML_SEQUENCE_END_EVENT ||
		           ev.type == YAML_MAPPING_END_EVENT) {
			depth--;
		} else if (ev.type == YAML_STREAM_END_EVENT) {
			done = true;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return rc;
}

static int
login_parse(const char *path, const char *buf, size_t len, struct login *l, struct api_error *err)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	struct login_ctx ctx = { path, &doc, err };
	int rc;

	if (len == 0)
		return login_error(err, API_ERR_AUTH, path, NULL,
		                   "empty file; run 'osmo login URL' or pass --url");
	if (login_check_depth(path, buf, len, err) < 0)
		return -1;
	if (!yaml_parser_initialize(&parser))
		return login_error(err, API_ERR_AUTH, path, NULL, "out of memory reading YAML");
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = login_yaml_error(path, &parser, buf, err);
		yaml_parser_delete(&parser);
		return rc;
	}
	/* safe_load refuses a second document, so the CLI could not read this file either. */
	if (!yaml_parser_load(&parser, &extra)) {
		rc = login_yaml_error(path, &parser, buf, err);
	} else {
		yaml_node_t *second = yaml_document_get_root_node(&extra);

		if (second)
			rc = login_error(err, API_ERR_AUTH, path, &second->start_mark,
			                 "expected a single document, found another");
		else
			rc = login_walk(&ctx, l);
		yaml_document_delete(&extra);
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}

/* Reads at most LOGIN_MAX_BYTES of path into sb and reports whether others may read it. */
static int
login_read(const char *path, struct strbuf *sb, bool *loose, struct api_error *err)
{
	char ebuf[128];
	char chunk[8192];
	struct stat st;
	int fd;

	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return login_error(err, API_ERR_AUTH, path, NULL,
			                   "not found; run 'osmo login URL' or pass --url");
		return login_error(err, API_ERR_AUTH, path, NULL, "%s",
		                   login_strerror(errno, ebuf, sizeof(ebuf)));
	}
	/* Checked before open so a FIFO cannot block us. */
	if (!S_ISREG(st.st_mode))
		return login_error(err, API_ERR_AUTH, path, NULL, "not a regular file");
	if (st.st_size > LOGIN_MAX_BYTES)
		return login_error(err, API_ERR_AUTH, path, NULL,
		                   "larger than 1 MiB; not a login file");
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return login_error(err, API_ERR_AUTH, path, NULL, "%s",
		                   login_strerror(errno, ebuf, sizeof(ebuf)));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return login_error(err, API_ERR_AUTH, path, NULL, "not a regular file");
	}
	*loose = (st.st_mode & 077) != 0;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			return login_error(err, API_ERR_AUTH, path, NULL, "%s",
			                   login_strerror(e, ebuf, sizeof(ebuf)));
		}
		if (n == 0)
			break;
		strbuf_add(sb, chunk, (size_t)n);
		/* The file may have grown since stat. */
		if (sb->len > LOGIN_MAX_BYTES) {
			close(fd);
			return login_error(err, API_ERR_AUTH, path, NULL,
			                   "larger than 1 MiB; not a login file");
		}
	}
	close(fd);
	return 0;
}

static int
login_emit_write(void *data, unsigned char *buffer, size_t size)
{
	strbuf_add(data, buffer, size);
	return 1;
}

static void
login_emit_event(struct login_emitter *e, yaml_event_t *event, int built)
{
	if (!built) {
		e->bad_value = true;
		e->failed = true;
		return;
	}
	if (!yaml_emitter_emit(&e->emitter, event))
		e->failed = true;
}

/*
 * Emits s the way PyYAML's representer does: NULL as null, and a string that would read
 * back as another type (e.g. '', '123', 'true') without the plain-implicit flag, so the
 * emitter quotes it.
 */
static void
login_emit_str(struct login_emitter *e, const char *s)
{
	yaml_event_t ev;
	size_t len;

	if (e->failed)
		return;
	if (!s) {
		login_emit_event(e, &ev,
		                 yaml_scalar_event_initialize(&ev, NULL, NULL,
		                                              (const yaml_char_t *)"null", 4, 1, 0,
		                                              YAML_PLAIN_SCALAR_STYLE));
		return;
	}
	len = strlen(s);
	if (len > (size_t)INT_MAX) {
		e->bad_value = true;
		e->failed = true;
		return;
	}
	login_emit_event(e, &ev,
	                 yaml_scalar_event_initialize(&ev, NULL, NULL, (const yaml_char_t *)s,
	                                              (int)len, login_resolve(s) == LOGIN_TYPE_STR,
	                                              1, YAML_ANY_SCALAR_STYLE));
}

static void
login_emit_bool(struct login_emitter *e, bool b)
{
	const char *s = b ? "true" : "false";
	yaml_event_t ev;

	if (e->failed)
		return;
	login_emit_event(e, &ev,
	                 yaml_scalar_event_initialize(&ev, NULL, NULL, (const yaml_char_t *)s,
	                                              (int)strlen(s), 1, 0,
	                                              YAML_PLAIN_SCALAR_STYLE));
}

static void
login_emit_mapping(struct login_emitter *e, bool start)
{
	yaml_event_t ev;

	if (e->failed)
		return;
	if (start)
		login_emit_event(e, &ev,
		                 yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
		                                                     YAML_BLOCK_MAPPING_STYLE));
	else
		login_emit_event(e, &ev, yaml_mapping_end_event_initialize(&ev));
}

/* Emits the pairs of l in sorted key order, as yaml.dump(sort_keys=True) does. */
static void
login_emit_login(struct login_emitter *e, const struct login *l)
{
	const char *name = l->name;

	/* The CLI always writes a string here: the name claim, the dev username, or ''. */
	if (!name)
		name = l->kind == LOGIN_DEV ? l->dev_username : "";
	login_emit_mapping(e, true);
	login_emit_str(e, "dev_login");
	if (l->kind == LOGIN_DEV) {
		login_emit_mapping(e, true);
		login_emit_str(e, "username");
		login_emit_str(e, l->dev_username);
		login_emit_mapping(e, false);
	} else {
		login_emit_str(e, NULL);
	}
	login_emit_str(e, "name");
	login_emit_str(e, name);
	login_emit_str(e, "osmo_token");
	login_emit_bool(e, l->osmo_token);
	login_emit_str(e, "token_login");
	if (l->kind == LOGIN_TOKEN) {
		login_emit_mapping(e, true);
		login_emit_str(e, "client_id");
		login_emit_str(e, l->client_id);
		login_emit_str(e, "id_token");
		login_emit_str(e, l->id_token);
		login_emit_str(e, "refresh_token");
		login_emit_str(e, l->refresh_token);
		login_emit_str(e, "refresh_url");
		login_emit_str(e, l->refresh_url);
		login_emit_str(e, "username");
		login_emit_str(e, l->token_username);
		login_emit_mapping(e, false);
	} else {
		login_emit_str(e, NULL);
	}
	login_emit_str(e, "url");
	login_emit_str(e, l->url);
	login_emit_mapping(e, false);
}

/*
 * Renders l into out as yaml.dump would (block style, width 80, ASCII with escapes).
 * One known difference: a double-quoted (escaped) scalar wider than 80 columns is folded
 * only at spaces by libyaml but also after escapes by PyYAML; both read back the same.
 */
static int
login_render(const char *path, const struct login *l, struct strbuf *out, struct api_error *err)
{
	struct login_emitter e = { .bad_value = false, .failed = false };
	yaml_event_t ev;
	int rc = 0;

	if (!yaml_emitter_initialize(&e.emitter))
		return login_error(err, API_ERR_AUTH, path, NULL, "out of memory writing YAML");
	yaml_emitter_set_output(&e.emitter, login_emit_write, out);
	yaml_emitter_set_encoding(&e.emitter, YAML_UTF8_ENCODING);
	yaml_emitter_set_unicode(&e.emitter, 0);
	yaml_emitter_set_indent(&e.emitter, 2);
	yaml_emitter_set_width(&e.emitter, 80);
	yaml_emitter_set_break(&e.emitter, YAML_LN_BREAK);
	login_emit_event(&e, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	if (!e.failed)
		login_emit_event(&e, &ev,
		                 yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
	login_emit_login(&e, l);
	if (!e.failed)
		login_emit_event(&e, &ev, yaml_document_end_event_initialize(&ev, 1));
	if (!e.failed)
		login_emit_event(&e, &ev, yaml_stream_end_event_initialize(&ev));
	if (!e.failed && !yaml_emitter_flush(&e.emitter))
		e.failed = true;
	if (e.bad_value)
		rc = login_error(err, API_ERR_USAGE, path, NULL,
		                 "cannot write login: a value is not valid UTF-8");
	else if (e.failed)
		rc = login_error(err, API_ERR_AUTH, path, NULL, "cannot write login: %s",
		                 e.emitter.problem ? e.emitter.problem : "YAML emitter failed");
	yaml_emitter_delete(&e.emitter);
	return rc;
}

/* The directory part of path: "." when there is none. */
static char *
login_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* mkdir -p with 0700, as the CLI's os.makedirs does for its config directory. */
static int
login_make_dir(const char *path, struct api_error *err)
{
	char *dir = login_dirname(path);
	char ebuf[128];
	struct stat st;
	int rc = 0;

	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
		free(dir);
		return 0;
	}
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		/* Failures here show up as the final mkdir's error. */
		(void)mkdir(dir, 0700);
		*p = '/';
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		rc = login_error(err, API_ERR_AUTH, path, NULL, "cannot create %s: %s", dir,
		                 login_strerror(errno, ebuf, sizeof(ebuf)));
	free(dir);
	return rc;
}

static int
login_write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Best effort: makes the rename itself durable. */
static void
login_sync_dir(const char *path)
{
	char *dir = login_dirname(path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

/* Writes PATH.tmp (0600), fsyncs it and renames it over path, so readers see old or new. */
static int
login_write_atomic(const char *path, const char *data, size_t len, struct api_error *err)
{
	char *tmp = xasprintf("%s.tmp", path);
	char ebuf[128];
	int fd, rc = -1;

	if (login_make_dir(path, err) < 0)
		goto out;
	/* A stale PATH.tmp (even a planted symlink) is replaced, never written through. */
	if (unlink(tmp) < 0 && errno != ENOENT) {
		login_error(err, API_ERR_AUTH, tmp, NULL, "%s",
		            login_strerror(errno, ebuf, sizeof(ebuf)));
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		login_error(err, API_ERR_AUTH, tmp, NULL, "%s",
		            login_strerror(errno, ebuf, sizeof(ebuf)));
		goto out;
	}
	/* O_CREAT's mode only applies to a new file; a stale PATH.tmp may be wider. */
	if (fchmod(fd, 0600) < 0 || login_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		int e = errno;

		close(fd);
		unlink(tmp);
		login_error(err, API_ERR_AUTH, tmp, NULL, "%s",
		            login_strerror(e, ebuf, sizeof(ebuf)));
		goto out;
	}
	if (close(fd) < 0) {
		int e = errno;

		unlink(tmp);
		login_error(err, API_ERR_AUTH, tmp, NULL, "%s",
		            login_strerror(e, ebuf, sizeof(ebuf)));
		goto out;
	}
	if (rename(tmp, path) < 0) {
		int e = errno;

		unlink(tmp);
		login_error(err, API_ERR_AUTH, path, NULL, "%s",
		            login_strerror(e, ebuf, sizeof(ebuf)));
		goto out;
	}
	login_sync_dir(path);
	rc = 0;
out:
	free(tmp);
	return rc;
}

/* Refuses what the CLI could not read back. */
static int
login_check(const char *path, const struct login *l, struct api_error *err)
{
	if (!l->url || !l->url[0])
		return login_error(err, API_ERR_USAGE, path, NULL, "cannot write login: no url");
	if (l->kind == LOGIN_TOKEN && !l->id_token)
		return login_error(err, API_ERR_USAGE, path, NULL,
		                   "cannot write login: token login without id_token");
	if (l->kind == LOGIN_DEV && !l->dev_username)
		return login_error(err, API_ERR_USAGE, path, NULL,
		                   "cannot write login: dev login without username");
	if (l->kind != LOGIN_TOKEN && l->kind != LOGIN_DEV)
		return login_error(err, API_ERR_USAGE, path, NULL,
		                   "cannot write login: neither token nor dev login");
	return 0;
}

/* A variable that is unset or empty does not count, as in the CLI. */
static const char *
login_env(const char *name)
{
	const char *v = getenv(name);

	return v && v[0] ? v : NULL;
}

int
login_default_path(char *buf, size_t size)
{
	const char *dir;
	const char *sub;
	int n;

	if (!buf || size == 0)
		return -1;
	if ((dir = login_env("OSMO_CONFIG_FILE_DIR")))
		sub = "";
	else if ((dir = login_env("XDG_CONFIG_HOME")))
		sub = "osmo/";
	else if ((dir = login_env("HOME")))
		sub = ".config/osmo/";
	else
		return -1;
	n = snprintf(buf, size, "%s%s%slogin.yaml", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
	             sub);
	if (n < 0 || (size_t)n >= size) {
		buf[0] = '\0';
		return -1;
	}
	return 0;
}

int
login_load(const char *path, struct login *out, bool *loose_perms, struct api_error *err)
{
	struct strbuf sb = { 0 };
	struct login l = { 0 };
	bool loose = false;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (loose_perms)
		*loose_perms = false;
	if (login_read(path, &sb, &loose, err) == 0 &&
	    login_parse(path, sb.buf, sb.len, &l, err) == 0) {
		*out = l;
		if (loose_perms)
			*loose_perms = loose;
		rc = 0;
	} else {
		login_free(&l);
	}
	strbuf_free(&sb);
	return rc;
}

int
login_save(const char *path, const struct login *l, struct api_error *err)
{
	struct strbuf sb = { 0 };
	int rc;

	if (login_check(path, l, err) < 0)
		return -1;
	if (login_render(path, l, &sb, err) < 0) {
		strbuf_free(&sb);
		return -1;
	}
	rc = login_write_atomic(path, sb.buf, sb.len, err);
	strbuf_free(&sb);
	return rc;
}

void
login_free(struct login *l)
{
	if (!l)
		return;
	free(l->url);
	free(l->id_token);
	free(l->refresh_token);
	free(l->refresh_url);
	free(l->client_id);
	free(l->token_username);
	free(l->dev_username);
	free(l->name);
	memset(l, 0, sizeof(*l));
}
