/* login.c: the osmo CLI's login.yaml: finding it, loading and checking it, rewriting it atomically. */
#include "client/login.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "common/yaml.h"

/* The CLI writes a few hundred bytes; anything this large is not a login file. */
#define LOGIN_MAX_BYTES (1024 * 1024)
/* The CLI's file nests two levels; unknown keys get room to spare. */
#define LOGIN_MAX_DEPTH 64

/* State for walking one loaded document; every error names path. */
struct login_ctx {
	const char *path;
	struct api_error *err;
};

/* Fills err with "PATH[:LINE:COL]: message" (1-based) and returns -1. */
__attribute__((format(printf, 5, 6))) static int
login_error(struct api_error *err, enum api_error_kind kind, const char *path,
            const struct yaml_mark *mark, const char *fmt, ...)
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

/* What the CLI's safe_load makes of node; absent is null. */
static enum yaml_type
login_type(const struct yaml_node *node)
{
	return node ? node->type : YAML_TYPE_NULL;
}

/* The last component of a key path ("token_login.id_token" -> "id_token"). */
static const char *
login_key_of(const char *key_path)
{
	const char *dot = strrchr(key_path, '.');

	return dot ? dot + 1 : key_path;
}

/*
 * The value at key_path (its last component, in map) when it is of type want, in *out; NULL
 * when absent or null and not required. Errors name the key (*key_out, when given, is its
 * node), never the value, because the value may be a token.
 */
static int
login_get(struct login_ctx *ctx, struct yaml_node *map, const char *key_path, enum yaml_type want,
          bool required, const char *expected, struct yaml_node **out, struct yaml_node **key_out)
{
	struct yaml_node *key;
	struct yaml_node *value = yaml_map_get(map, login_key_of(key_path), &key);
	enum yaml_type type = login_type(value);

	*out = NULL;
	if (!value && required)
		return login_error(ctx->err, API_ERR_AUTH, ctx->path, &map->start, "%s: missing",
		                   key_path);
	if (type == YAML_TYPE_NULL && !required)
		return 0;
	if (type != want)
		return login_error(ctx->err, API_ERR_AUTH, ctx->path, &key->start,
		                   "%s: expected %s", key_path, expected);
	*out = value;
	if (key_out)
		*key_out = key;
	return 0;
}

/* Reads the string at key_path into *out (NULL when absent or null). */
static int
login_get_str(struct login_ctx *ctx, struct yaml_node *map, const char *key_path, bool required,
              char **out)
{
	struct yaml_node *key, *value;

	*out = NULL;
	if (login_get(ctx, map, key_path, YAML_TYPE_STR, required, "a string", &value, &key) < 0)
		return -1;
	if (!value)
		return 0;
	if (strlen(value->value) != value->len)
		return login_error(ctx->err, API_ERR_AUTH, ctx->path, &key->start,
		                   "%s: contains a NUL character", key_path);
	*out = xstrndup(value->value, value->len);
	return 0;
}

static int
login_walk(struct login_ctx *ctx, struct yaml_node *root, struct login *l)
{
	struct yaml_node *tok, *dev, *key;
	struct yaml_node *name, *flag;
	size_t len;

	if (!root)
		return login_error(ctx->err, API_ERR_AUTH, ctx->path, NULL,
		                   "empty file; run 'osmo login URL' or pass --url");
	if (root->type != YAML_TYPE_MAP)
		return login_error(ctx->err, API_ERR_AUTH, ctx->path, &root->start,
		                   "expected a mapping at the top level");
	if (login_get_str(ctx, root, "url", true, &l->url) < 0)
		return -1;
	len = strlen(l->url);
	while (len > 0 && l->url[len - 1] == '/')
		l->url[--len] = '\0';
	if (len == 0) {
		yaml_map_get(root, "url", &key);
		return login_error(ctx->err, API_ERR_AUTH, ctx->path, &key->start,
		                   "url: must not be empty");
	}
	/* The sections and osmo_token may be null, as the CLI's safe_load gives them. */
	if (login_get(ctx, root, "token_login", YAML_TYPE_MAP, false, "a mapping or null", &tok,
	              NULL) < 0 ||
	    login_get(ctx, root, "dev_login", YAML_TYPE_MAP, false, "a mapping or null", &dev,
	              NULL) < 0)
		return -1;
	if (tok && dev)
		return login_error(ctx->err, API_ERR_AUTH, ctx->path, &root->start,
		                   "token_login and dev_login are both set; exactly one must be");
	if (!tok && !dev)
		return login_error(ctx->err, API_ERR_AUTH, ctx->path, &root->start,
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
	if (login_get(ctx, root, "osmo_token", YAML_TYPE_BOOL, false, "true or false", &flag,
	              NULL) < 0)
		return -1;
	l->osmo_token = flag && yaml_bool_value(flag->value);
	/* The CLI ignores name when loading; keep a usable one so a rewrite preserves it. */
	name = yaml_map_get(root, "name", &key);
	if (login_type(name) == YAML_TYPE_STR && strlen(name->value) == name->len)
		l->name = xstrdup(name->value);
	return 0;
}

static int
login_parse(const char *path, const char *buf, size_t len, struct login *l, struct api_error *err)
{
	const struct yaml_limits limits = { LOGIN_MAX_DEPTH, YAML_MAX_NODES };
	struct login_ctx ctx = { path, err };
	struct yaml_error e;
	struct yaml_doc doc;
	int rc;

	if (len == 0)
		return login_error(err, API_ERR_AUTH, path, NULL,
		                   "empty file; run 'osmo login URL' or pass --url");
	if (yaml_load(buf, len, &limits, &doc, &e) < 0) {
		struct strbuf sb = { 0 };

		if (e.kind == YAML_ERR_MEMORY)
			return login_error(err, API_ERR_AUTH, path, NULL, "%s", e.problem);
		/* "PATH:LINE:COL: problem (context at LINE:COL)" */
		yaml_error_describe(&e, &sb);
		rc = login_error(err, API_ERR_AUTH, path, &e.mark, "%s", sb.buf);
		strbuf_free(&sb);
		return rc;
	}
	rc = login_walk(&ctx, doc.root, l);
	yaml_doc_free(&doc);
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

/* A section under key: its string pairs as a mapping when present, else null. */
static void
login_emit_section(struct yaml_writer *w, const char *key, bool present,
                   const char *const (*pairs)[2], size_t n)
{
	yaml_write_str(w, key);
	if (!present) {
		yaml_write_str(w, NULL);
		return;
	}
	yaml_write_map(w, true);
	for (size_t i = 0; i < n; i++) {
		yaml_write_str(w, pairs[i][0]);
		yaml_write_str(w, pairs[i][1]);
	}
	yaml_write_map(w, false);
}

/* Emits the pairs of l in sorted key order, as yaml.dump(sort_keys=True) does. */
static void
login_emit_login(struct yaml_writer *w, const struct login *l)
{
	const char *const dev[][2] = { { "username", l->dev_username } };
	const char *const tok[][2] = {
		{ "client_id", l->client_id },         { "id_token", l->id_token },
		{ "refresh_token", l->refresh_token }, { "refresh_url", l->refresh_url },
		{ "username", l->token_username },
	};
	const char *name = l->name;

	/* The CLI always writes a string here: the name claim, the dev username, or ''. */
	if (!name)
		name = l->kind == LOGIN_DEV ? l->dev_username : "";
	yaml_write_map(w, true);
	login_emit_section(w, "dev_login", l->kind == LOGIN_DEV, dev, ARRAY_SIZE(dev));
	yaml_write_str(w, "name");
	yaml_write_str(w, name);
	yaml_write_str(w, "osmo_token");
	yaml_write_bool(w, l->osmo_token);
	login_emit_section(w, "token_login", l->kind == LOGIN_TOKEN, tok, ARRAY_SIZE(tok));
	yaml_write_str(w, "url");
	yaml_write_str(w, l->url);
	yaml_write_map(w, false);
}

/*
 * Renders l into out as yaml.dump would (block style, width 80, ASCII with escapes).
 * One known difference: a double-quoted (escaped) scalar wider than 80 columns is folded
 * only at spaces by libyaml but also after escapes by PyYAML; both read back the same.
 */
static int
login_render(const char *path, const struct login *l, struct strbuf *out, struct api_error *err)
{
	struct yaml_writer *w = yaml_writer_new(out);
	const char *problem;
	bool bad_value;

	login_emit_login(w, l);
	if (yaml_writer_finish(w, &bad_value, &problem) == 0)
		return 0;
	if (bad_value)
		return login_error(err, API_ERR_USAGE, path, NULL,
		                   "cannot write login: a value is not valid UTF-8");
	return login_error(err, API_ERR_AUTH, path, NULL, "cannot write login: %s", problem);
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
