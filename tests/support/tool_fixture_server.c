/* tool_fixture_server.c: a one-poll()-loop HTTP/1.1 server on 127.0.0.1 that replays recorded responses by route. */
#include "common/util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define FIXTURE_SERVER_MAX_HEAD   (64 * 1024)
#define FIXTURE_SERVER_MAX_BODY   (8 * 1024 * 1024)
#define FIXTURE_SERVER_LOG_BODY   200
#define FIXTURE_SERVER_READ_CHUNK 16384

/* Write end of the signal self-pipe; a handler can reach nothing else. */
static int fixture_server_sig_fd = -1;

struct fixture_server_route {
	char *method;      /* "*" matches any method */
	char *path;        /* without the query and a trailing '*' */
	bool prefix;       /* PATH ended in '*' */
	struct strv query; /* decoded "key=value", or a bare "key" that must be present */
	int status;
	char *content_type; /* NULL for "-" */
	char *body;
	size_t body_len;
	long stream_ms; /* -1: send with Content-Length */
	bool hold;
	long drop; /* -1: send the whole body */
	bool stall;
	long delay_ms;
	long times; /* -1: unlimited */
	long hits;
	struct strv headers; /* "Name: Value" */
};

enum fixture_server_opt_kind {
	FIXTURE_SERVER_OPT_FLAG,   /* sets a bool */
	FIXTURE_SERVER_OPT_COUNT,  /* sets a long >= 0 */
	FIXTURE_SERVER_OPT_HEADER, /* appends to headers */
};

struct fixture_server_option {
	const char *name;
	enum fixture_server_opt_kind kind;
	size_t field; /* offset of the bool or long in the route */
};

static const struct fixture_server_option fixture_server_options[] = {
	{ "stream", FIXTURE_SERVER_OPT_COUNT, offsetof(struct fixture_server_route, stream_ms) },
	{ "hold", FIXTURE_SERVER_OPT_FLAG, offsetof(struct fixture_server_route, hold) },
	{ "drop", FIXTURE_SERVER_OPT_COUNT, offsetof(struct fixture_server_route, drop) },
	{ "stall", FIXTURE_SERVER_OPT_FLAG, offsetof(struct fixture_server_route, stall) },
	{ "delay", FIXTURE_SERVER_OPT_COUNT, offsetof(struct fixture_server_route, delay_ms) },
	{ "times", FIXTURE_SERVER_OPT_COUNT, offsetof(struct fixture_server_route, times) },
	{ "header", FIXTURE_SERVER_OPT_HEADER, 0 },
};

struct fixture_server_reason {
	int status;
	const char *text;
};

static const struct fixture_server_reason fixture_server_reasons[] = {
	{ 100, "Continue" },
	{ 200, "OK" },
	{ 201, "Created" },
	{ 202, "Accepted" },
	{ 204, "No Content" },
	{ 301, "Moved Permanently" },
	{ 302, "Found" },
	{ 304, "Not Modified" },
	{ 307, "Temporary Redirect" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 408, "Request Timeout" },
	{ 409, "Conflict" },
	{ 410, "Gone" },
	{ 413, "Content Too Large" },
	{ 422, "Unprocessable Entity" },
	{ 426, "Upgrade Required" },
	{ 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
};

/* Request headers copied into the log, by lower-case name. */
static const char *const fixture_server_logged_headers[] = {
	"authorization", "x-osmo-user", "content-type", "user-agent", "x-osmo-client-version",
};

enum fixture_server_phase {
	FIXTURE_SERVER_READ,   /* collecting a request */
	FIXTURE_SERVER_DELAY,  /* request complete, answering at wake_at */
	FIXTURE_SERVER_SEND,   /* response queued; next request (or close) once out drains */
	FIXTURE_SERVER_STREAM, /* chunked body, next line at wake_at */
	FIXTURE_SERVER_IDLE,   /* stall or hold: nothing more will be sent */
};

struct fixture_server_conn {
	int fd;
	enum fixture_server_phase phase;
	struct strbuf in;
	struct strbuf out;
	size_t out_off; /* bytes of out already sent */
	bool peer_eof;
	bool dead;
	bool close_after; /* close once out drains */
	int64_t wake_at;  /* -1: no timer */
	/* The request being collected. */
	bool have_head;
	char *method;
	char *target;
	size_t content_length;
	bool keep_alive;
	bool expect_continue;
	struct strbuf log; /* " name=value" pairs for the log line */
	/* The response being sent. */
	const struct fixture_server_route *route;
	size_t body_off; /* stream: body bytes already queued */
};

struct fixture_server {
	int listen_fd;
	int sig_rd;
	FILE *log;
	struct fixture_server_route *routes;
	size_t nroutes;
	struct fixture_server_conn **conns;
	size_t nconns;
	int64_t accept_resume; /* after EMFILE, when accept() is worth another try */
};

struct fixture_server_header_handler {
	const char *name;
	int (*handle)(struct fixture_server_conn *c, const char *value);
};

static int fixture_server_hdr_content_length(struct fixture_server_conn *c, const char *value);
static int fixture_server_hdr_connection(struct fixture_server_conn *c, const char *value);
static int fixture_server_hdr_expect(struct fixture_server_conn *c, const char *value);
static int fixture_server_hdr_transfer_encoding(struct fixture_server_conn *c, const char *value);

static const struct fixture_server_header_handler fixture_server_header_handlers[] = {
	{ "content-length", fixture_server_hdr_content_length },
	{ "connection", fixture_server_hdr_connection },
	{ "expect", fixture_server_hdr_expect },
	{ "transfer-encoding", fixture_server_hdr_transfer_encoding },
};

static void
fixture_server_on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;
	ssize_t n = write(fixture_server_sig_fd, &b, 1);

	(void)n;
	errno = saved;
}

static int
fixture_server_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static const char *
fixture_server_reason(int status)
{
	for (size_t i = 0; i < ARRAY_SIZE(fixture_server_reasons); i++)
		if (fixture_server_reasons[i].status == status)
			return fixture_server_reasons[i].text;
	return "Status";
}

static int
fixture_server_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	return tolower((unsigned char)c) - 'a' + 10;
}

/* Decodes %XX escapes (and '+' as space in queries) so "a%3Ab" and "a:b" match. */
static char *
fixture_server_pct_decode(const char *s, size_t n, bool plus_is_space)
{
	struct strbuf sb = { 0 };

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			strbuf_addch(&sb, (char)(fixture_server_hexval(s[i + 1]) * 16 +
			                         fixture_server_hexval(s[i + 2])));
			i += 2;
		} else if (s[i] == '+' && plus_is_space) {
			strbuf_addch(&sb, ' ');
		} else {
			strbuf_addch(&sb, s[i]);
		}
	}
	return strbuf_detach(&sb);
}

/* Splits a query into decoded "key=value" entries; keep_bare leaves "key" without '=' as is. */
static void
fixture_server_query_parse(const char *q, struct strv *out, bool keep_bare)
{
	while (*q) {
		size_t len = strcspn(q, "&");
		const char *eq = memchr(q, '=', len);

		if (len > 0) {
			size_t klen = eq ? (size_t)(eq - q) : len;
			char *key = fixture_server_pct_decode(q, klen, true);
			char *val = eq ? fixture_server_pct_decode(eq + 1, len - klen - 1, true)
			               : xstrdup("");

			if (!eq && keep_bare)
				strv_push_owned(out, key);
			else {
				strv_push_owned(out, xasprintf("%s=%s", key, val));
				free(key);
			}
			free(val);
		}
		q += len;
		if (*q == '&')
			q++;
	}
}

static bool
fixture_server_query_matches(const struct strv *want, const struct strv *have)
{
	for (size_t i = 0; i < want->n; i++) {
		const char *w = want->v[i];
		bool found = false;

		if (strchr(w, '=')) {
			found = strv_contains(have, w);
		} else {
			size_t wl = strlen(w);

			for (size_t j = 0; j < have->n && !found; j++)
				found = strncmp(have->v[j], w, wl) == 0 && have->v[j][wl] == '=';
		}
		if (!found)
			return false;
	}
	return true;
}

static int
fixture_server_read_file(const char *path, char **data, size_t *len)
{
	struct strbuf sb = { 0 };
	char buf[8192];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	int err = ferror(f);
	fclose(f);
	if (err) {
		strbuf_free(&sb);
		return -1;
	}
	*len = sb.len;
	*data = strbuf_detach(&sb);
	return 0;
}

static int
fixture_server_option_apply(struct fixture_server_route *r, const char *opt)
{
	const char *eq = strchr(opt, '=');
	size_t nlen = eq ? (size_t)(eq - opt) : strlen(opt);

	for (size_t i = 0; i < ARRAY_SIZE(fixture_server_options); i++) {
		const struct fixture_server_option *o = &fixture_server_options[i];
		char *field = (char *)r + o->field;
		char *end;
		long v;

		if (strlen(o->name) != nlen || strncmp(o->name, opt, nlen) != 0)
			continue;
		switch (o->kind) {
		case FIXTURE_SERVER_OPT_FLAG:
			if (eq)
				return -1;
			*(bool *)field = true;
			return 0;
		case FIXTURE_SERVER_OPT_COUNT:
			if (!eq || !isdigit((unsigned char)eq[1]))
				return -1;
			errno = 0;
			v = strtol(eq + 1, &end, 10);
			if (errno || *end)
				return -1;
			*(long *)field = v;
			return 0;
		case FIXTURE_SERVER_OPT_HEADER: {
			const char *colon = eq ? strchr(eq + 1, ':') : NULL;

			if (!colon || colon == eq + 1)
				return -1;
			char *name = xstrndup(eq + 1, (size_t)(colon - eq - 1));
			/* Decoded so a value can carry spaces (%20) despite the whitespace-split format. */
			char *value =
			        fixture_server_pct_decode(colon + 1, strlen(colon + 1), false);

			strv_push_owned(&r->headers, xasprintf("%s: %s", name, value));
			free(name);
			free(value);
			return 0;
		}
		}
	}
	return -1;
}

static void
fixture_server_route_free(struct fixture_server_route *r)
{
	free(r->method);
	free(r->path);
	strv_free(&r->query);
	free(r->content_type);
	free(r->body);
	strv_free(&r->headers);
}

/* Parses one routes-file line into r; returns 1 for a route, 0 for blank/comment, -1 (reported) on error. */
static int
fixture_server_route_parse(struct fixture_server_route *r, char *line, const char *dir,
                           const char *file, int lineno)
{
	char *save = NULL;
	char *field[5];
	char *tok = strtok_r(line, " \t\r\n", &save);

	if (!tok || tok[0] == '#')
		return 0;
	*r = (struct fixture_server_route){ .stream_ms = -1, .drop = -1, .times = -1 };
	field[0] = tok;
	for (size_t i = 1; i < ARRAY_SIZE(field); i++) {
		field[i] = strtok_r(NULL, " \t\r\n", &save);
		if (!field[i]) {
			fprintf(stderr,
			        "%s:%d: expected METHOD PATH STATUS CONTENT_TYPE BODY "
			        "[OPTIONS...]\n",
			        file, lineno);
			return -1;
		}
	}
	r->method = xstrdup(field[0]);

	char *q = strchr(field[1], '?');
	size_t plen = q ? (size_t)(q - field[1]) : strlen(field[1]);

	if (plen > 0 && field[1][plen - 1] == '*') {
		r->prefix = true;
		plen--;
	}
	r->path = xstrndup(field[1], plen);
	if (q)
		fixture_server_query_parse(q + 1, &r->query, true);

	char *end;
	long status = strtol(field[2], &end, 10);

	if (*end || status < 100 || status > 599) {
		fprintf(stderr, "%s:%d: STATUS must be 100..599\n", file, lineno);
		fixture_server_route_free(r);
		return -1;
	}
	r->status = (int)status;
	if (strcmp(field[3], "-") != 0)
		r->content_type = xstrdup(field[3]);
	if (strcmp(field[4], "-") == 0) {
		r->body = xstrdup("");
	} else if (str_starts_with(field[4], "inline:")) {
		r->body = xstrdup(field[4] + strlen("inline:"));
		r->body_len = strlen(r->body);
	} else {
		char *path =
		        field[4][0] == '/' ? xstrdup(field[4]) : xasprintf("%s/%s", dir, field[4]);
		int rc = fixture_server_read_file(path, &r->body, &r->body_len);

		if (rc < 0)
			fprintf(stderr, "%s:%d: %s: %s\n", file, lineno, path, strerror(errno));
		free(path);
		if (rc < 0) {
			fixture_server_route_free(r);
			return -1;
		}
	}
	while ((tok = strtok_r(NULL, " \t\r\n", &save)))
		if (fixture_server_option_apply(r, tok) < 0) {
			fprintf(stderr, "%s:%d: bad option '%s'\n", file, lineno, tok);
			fixture_server_route_free(r);
			return -1;
		}
	/* A held response only makes sense chunked, so hold alone streams everything at once. */
	if (r->hold && r->stream_ms < 0)
		r->stream_ms = 0;
	return 1;
}

static int
fixture_server_routes_load(struct fixture_server *srv, const char *file)
{
	FILE *f = fopen(file, "r");
	const char *slash = strrchr(file, '/');
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0;
	int rc = 0;

	if (!f) {
		fprintf(stderr, "fixture_server: %s: %s\n", file, strerror(errno));
		return -1;
	}
	char *dir = !slash          ? xstrdup(".")
	            : slash == file ? xstrdup("/")
	                            : xstrndup(file, (size_t)(slash - file));

	while (getline(&line, &cap, f) >= 0) {
		struct fixture_server_route r;
		int got = fixture_server_route_parse(&r, line, dir, file, ++lineno);

		if (got < 0) {
			rc = -1;
			break;
		}
		if (got == 0)
			continue;
		srv->routes = xreallocarray(srv->routes, srv->nroutes + 1, sizeof(*srv->routes));
		srv->routes[srv->nroutes++] = r;
	}
	free(line);
	free(dir);
	fclose(f);
	return rc;
}

static struct fixture_server_route *
fixture_server_route_find(struct fixture_server *srv, const char *method, const char *target)
{
	const char *q = strchr(target, '?');
	size_t plen = q ? (size_t)(q - target) : strlen(target);
	struct strv have = { 0 };
	struct fixture_server_route *found = NULL;

	if (q)
		fixture_server_query_parse(q + 1, &have, false);
	for (size_t i = 0; i < srv->nroutes; i++) {
		struct fixture_server_route *r = &srv->routes[i];
		size_t rl = strlen(r->path);

		if (strcmp(r->method, "*") != 0 && strcmp(r->method, method) != 0)
			continue;
		if ((r->prefix ? plen < rl : plen != rl) || strncmp(target, r->path, rl) != 0)
			continue;
		if (!fixture_server_query_matches(&r->query, &have))
			continue;
		if (r->times >= 0 && r->hits >= r->times)
			continue;
		r->hits++;
		found = r;
		break;
	}
	strv_free(&have);
	return found;
}

static int
fixture_server_hdr_content_length(struct fixture_server_conn *c, const char *value)
{
	unsigned long long v;

	if (!*value || strspn(value, "0123456789") != strlen(value))
		return 400;
	errno = 0;
	v = strtoull(value, NULL, 10);
	if (errno || v > FIXTURE_SERVER_MAX_BODY)
		return 413;
	c->content_length = (size_t)v;
	return 0;
}

static int
fixture_server_hdr_connection(struct fixture_server_conn *c, const char *value)
{
	char *copy = xstrdup(value);
	char *save = NULL;

	for (char *t = strtok_r(copy, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
		if (strcasecmp(t, "close") == 0)
			c->keep_alive = false;
		else if (strcasecmp(t, "keep-alive") == 0)
			c->keep_alive = true;
	}
	free(copy);
	return 0;
}

static int
fixture_server_hdr_expect(struct fixture_server_conn *c, const char *value)
{
	c->expect_continue = strcasecmp(value, "100-continue") == 0;
	return 0;
}

static int
fixture_server_hdr_transfer_encoding(struct fixture_server_conn *c, const char *value)
{
	(void)c;
	(void)value;
	/* Chunked request bodies are out of scope; refuse rather than misread the stream. */
	return 501;
}

/* Length of the head up to and including its blank line, or 0 while incomplete. */
static size_t
fixture_server_head_len(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static void
fixture_server_strip_cr(char *s)
{
	size_t n = strlen(s);

	if (n > 0 && s[n - 1] == '\r')
		s[n - 1] = '\0';
}

/* Parses the head's lines into c; returns 0 or an HTTP error status. */
static int
fixture_server_conn_parse_lines(struct fixture_server_conn *c, char *head)
{
	char *save = NULL;
	char *line = strtok_r(head, "\n", &save);
	int err = 0;

	if (!line)
		return 400;
	fixture_server_strip_cr(line);
	char *sp1 = strchr(line, ' ');
	char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;

	if (!sp2 || sp1 == line || sp2 == sp1 + 1 || !str_starts_with(sp2 + 1, "HTTP/1."))
		return 400;
	*sp1 = *sp2 = '\0';
	c->method = xstrdup(line);
	c->target = xstrdup(sp1 + 1);
	c->keep_alive = strcmp(sp2 + 1, "HTTP/1.0") != 0;

	while ((line = strtok_r(NULL, "\n", &save))) {
		fixture_server_strip_cr(line);
		if (!*line)
			break;
		char *colon = strchr(line, ':');

		if (!colon || colon == line || strcspn(line, " \t") < (size_t)(colon - line))
			return 400;
		*colon = '\0';
		char *value = colon + 1 + strspn(colon + 1, " \t");
		size_t vlen = strlen(value);

		while (vlen > 0 && (value[vlen - 1] == ' ' || value[vlen - 1] == '\t'))
			value[--vlen] = '\0';
		for (size_t i = 0; i < ARRAY_SIZE(fixture_server_logged_headers); i++)
			if (strcasecmp(line, fixture_server_logged_headers[i]) == 0)
				strbuf_addf(&c->log, " %s=%s", fixture_server_logged_headers[i],
				            value);
		for (size_t i = 0; i < ARRAY_SIZE(fixture_server_header_handlers); i++) {
			const struct fixture_server_header_handler *h =
			        &fixture_server_header_handlers[i];
			int rc = strcasecmp(line, h->name) == 0 ? h->handle(c, value) : 0;

			/* Keep going after an error so the log line still lists every header. */
			if (rc && !err)
				err = rc;
		}
	}
	return err;
}

/* Returns -1 while the head is incomplete, 0 once parsed, else an HTTP error status. */
static int
fixture_server_conn_parse_head(struct fixture_server_conn *c)
{
	size_t skip = 0;

	/* RFC 9112 lets a server ignore blank lines before a request line. */
	while (skip < c->in.len && (c->in.buf[skip] == '\r' || c->in.buf[skip] == '\n'))
		skip++;
	strbuf_consume(&c->in, skip);
	size_t hlen = fixture_server_head_len(c->in.buf, c->in.len);

	if (hlen == 0)
		return c->in.len > FIXTURE_SERVER_MAX_HEAD ? 431 : -1;
	if (hlen > FIXTURE_SERVER_MAX_HEAD)
		return 431;
	char *head = xstrndup(c->in.buf, hlen);

	strbuf_consume(&c->in, hlen);
	int rc = fixture_server_conn_parse_lines(c, head);

	free(head);
	return rc;
}

static void
fixture_server_log_request(struct fixture_server *srv, const struct fixture_server_conn *c,
                           const char *body, size_t len)
{
	struct strbuf sb = { 0 };

	if (!srv->log)
		return;
	strbuf_addf(&sb, "%s %s%s", c->method, c->target, c->log.buf ? c->log.buf : "");
	if (len > 0) {
		strbuf_addstr(&sb, " body=");
		for (size_t i = 0; i < len && i < FIXTURE_SERVER_LOG_BODY; i++) {
			if (body[i] == '\n')
				strbuf_addstr(&sb, "\\n");
			else if (body[i] == '\r')
				strbuf_addstr(&sb, "\\r");
			else
				strbuf_addch(&sb, body[i]);
		}
	}
	strbuf_addch(&sb, '\n');
	fwrite(sb.buf, 1, sb.len, srv->log);
	fflush(srv->log);
	strbuf_free(&sb);
}

/* Queues the status line and headers; framing is the Content-Length or Transfer-Encoding line. */
static void
fixture_server_conn_queue_head(struct fixture_server_conn *c, int status, const char *ctype,
                               const char *framing, const struct strv *extra)
{
	strbuf_addf(&c->out, "HTTP/1.1 %d %s\r\nServer: fixture_server\r\n", status,
	            fixture_server_reason(status));
	if (ctype)
		strbuf_addf(&c->out, "Content-Type: %s\r\n", ctype);
	if (framing)
		strbuf_addf(&c->out, "%s\r\n", framing);
	strbuf_addf(&c->out, "Connection: %s\r\n",
	            c->keep_alive && !c->close_after ? "keep-alive" : "close");
	for (size_t i = 0; extra && i < extra->n; i++)
		strbuf_addf(&c->out, "%s\r\n", extra->v[i]);
	strbuf_addstr(&c->out, "\r\n");
}

static void
fixture_server_conn_reply_detail(struct fixture_server_conn *c, int status, const char *detail)
{
	char *body = xasprintf("{\"detail\":\"%s\"}", detail);
	char *framing = xasprintf("Content-Length: %zu", strlen(body));

	fixture_server_conn_queue_head(c, status, "application/json", framing, NULL);
	strbuf_addstr(&c->out, body);
	free(framing);
	free(body);
	c->phase = FIXTURE_SERVER_SEND;
}

static void
fixture_server_conn_respond(struct fixture_server_conn *c, int64_t now)
{
	const struct fixture_server_route *r = c->route;

	if (!r) {
		fixture_server_conn_reply_detail(c, 404, "Not Found");
		return;
	}
	bool bodyless = r->status < 200 || r->status == 204 || r->status == 304;
	bool chunked = !bodyless && r->stream_ms >= 0;
	char *framing = bodyless  ? NULL
	                : chunked ? xstrdup("Transfer-Encoding: chunked")
	                          : xasprintf("Content-Length: %zu", r->body_len);

	fixture_server_conn_queue_head(c, r->status, r->content_type, framing, &r->headers);
	free(framing);
	/* Set after the head so a dropped response still looks like keep-alive to the client. */
	if (r->drop >= 0)
		c->close_after = true;
	if (r->stall) {
		c->phase = FIXTURE_SERVER_IDLE;
		return;
	}
	if (chunked) {
		c->phase = FIXTURE_SERVER_STREAM;
		c->body_off = 0;
		c->wake_at = now;
		return;
	}
	size_t n = bodyless ? 0 : r->body_len;

	if (r->drop >= 0 && (size_t)r->drop < n)
		n = (size_t)r->drop;
	strbuf_add(&c->out, r->body, n);
	c->phase = FIXTURE_SERVER_SEND;
}

/* Queues the next line of a streamed body as one chunk, or ends (or holds) the body. */
static void
fixture_server_conn_stream_step(struct fixture_server_conn *c, int64_t now)
{
	const struct fixture_server_route *r = c->route;
	size_t left = r->body_len - c->body_off;

	if (r->drop >= 0 && c->body_off >= (size_t)r->drop && left > 0) {
		c->wake_at = -1;
		c->phase = FIXTURE_SERVER_SEND;
		return;
	}
	if (left > 0) {
		const char *line = r->body + c->body_off;
		const char *nl = memchr(line, '\n', left);
		size_t len = nl ? (size_t)(nl - line) + 1 : left;
		size_t send = len;

		if (r->drop >= 0 && c->body_off + len > (size_t)r->drop)
			send = (size_t)r->drop - c->body_off;
		strbuf_addf(&c->out, "%zx\r\n", len);
		strbuf_add(&c->out, line, send);
		if (send < len) {
			c->wake_at = -1;
			c->phase = FIXTURE_SERVER_SEND;
			return;
		}
		strbuf_addstr(&c->out, "\r\n");
		c->body_off += len;
		c->wake_at = now + r->stream_ms;
		if (c->body_off < r->body_len)
			return;
	}
	c->wake_at = -1;
	if (r->hold) {
		c->phase = FIXTURE_SERVER_IDLE;
		return;
	}
	strbuf_addstr(&c->out, "0\r\n\r\n");
	c->phase = FIXTURE_SERVER_SEND;
}

static void
fixture_server_conn_reset(struct fixture_server_conn *c)
{
	free(c->method);
	free(c->target);
	c->method = c->target = NULL;
	strbuf_reset(&c->log);
	c->have_head = false;
	c->content_length = 0;
	c->keep_alive = false;
	c->expect_continue = false;
	c->route = NULL;
	c->body_off = 0;
	c->wake_at = -1;
	c->close_after = false;
	c->phase = FIXTURE_SERVER_READ;
}

/* Moves a request from c->in to a queued response; false while more input is needed. */
static bool
fixture_server_conn_take_request(struct fixture_server *srv, struct fixture_server_conn *c,
                                 int64_t now)
{
	if (!c->have_head) {
		int rc = fixture_server_conn_parse_head(c);

		if (rc > 0) {
			if (c->method)
				fixture_server_log_request(srv, c, NULL, 0);
			c->close_after = true;
			fixture_server_conn_reply_detail(c, rc, fixture_server_reason(rc));
			return true;
		}
		if (rc < 0) {
			if (!c->peer_eof)
				return false;
			c->close_after = true;
			c->phase = FIXTURE_SERVER_SEND;
			return true;
		}
		c->have_head = true;
		/* Answer before the body arrives, or curl waits a second for it. */
		if (c->expect_continue && c->in.len < c->content_length)
			strbuf_addstr(&c->out, "HTTP/1.1 100 Continue\r\n\r\n");
	}
	if (c->in.len < c->content_length) {
		if (!c->peer_eof)
			return false;
		c->close_after = true;
		c->phase = FIXTURE_SERVER_SEND;
		return true;
	}
	fixture_server_log_request(srv, c, c->in.buf, c->content_length);
	c->route = fixture_server_route_find(srv, c->method, c->target);
	strbuf_consume(&c->in, c->content_length);
	if (c->route && c->route->delay_ms > 0) {
		c->phase = FIXTURE_SERVER_DELAY;
		c->wake_at = now + c->route->delay_ms;
		return true;
	}
	fixture_server_conn_respond(c, now);
	return true;
}

/* Runs c's state machine until it waits for input, output space or a timer. */
static void
fixture_server_conn_advance(struct fixture_server *srv, struct fixture_server_conn *c, int64_t now)
{
	while (!c->dead) {
		switch (c->phase) {
		case FIXTURE_SERVER_READ:
			if (!fixture_server_conn_take_request(srv, c, now))
				return;
			break;
		case FIXTURE_SERVER_DELAY:
			if (now < c->wake_at)
				return;
			c->wake_at = -1;
			fixture_server_conn_respond(c, now);
			break;
		case FIXTURE_SERVER_SEND:
			if (c->out.len > 0)
				return;
			if (c->close_after || !c->keep_alive) {
				c->dead = true;
				return;
			}
			fixture_server_conn_reset(c);
			break;
		case FIXTURE_SERVER_STREAM:
			if (now < c->wake_at)
				return;
			fixture_server_conn_stream_step(c, now);
			break;
		case FIXTURE_SERVER_IDLE:
			/* Nothing more will be sent, so a departed client frees the slot. */
			if (c->peer_eof)
				c->dead = true;
			return;
		}
	}
}

static void
fixture_server_conn_read(struct fixture_server_conn *c)
{
	char buf[FIXTURE_SERVER_READ_CHUNK];

	/* Bounded so one fast sender cannot starve the other connections. */
	for (int i = 0; i < 64; i++) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), 0);

		if (n > 0) {
			if (c->phase != FIXTURE_SERVER_IDLE)
				strbuf_add(&c->in, buf, (size_t)n);
			continue;
		}
		if (n == 0)
			c->peer_eof = true;
		else if (errno == EINTR)
			continue;
		else if (errno != EAGAIN && errno != EWOULDBLOCK)
			c->dead = true;
		return;
	}
}

static void
fixture_server_conn_write(struct fixture_server_conn *c)
{
	while (c->out_off < c->out.len) {
		ssize_t n =
		        send(c->fd, c->out.buf + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);

		if (n > 0) {
			c->out_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		c->dead = true;
		return;
	}
	strbuf_reset(&c->out);
	c->out_off = 0;
}

static void
fixture_server_conn_service(struct fixture_server *srv, struct fixture_server_conn *c,
                            short revents, int64_t now)
{
	if (revents & (POLLERR | POLLHUP | POLLNVAL)) {
		c->dead = true;
		return;
	}
	if (revents & POLLIN)
		fixture_server_conn_read(c);
	/* Write eagerly and loop while that frees the state machine to make progress. */
	for (;;) {
		fixture_server_conn_advance(srv, c, now);
		if (c->dead || c->out.len == 0)
			return;
		fixture_server_conn_write(c);
		if (c->dead || c->out.len > 0)
			return;
	}
}

static short
fixture_server_conn_events(const struct fixture_server_conn *c)
{
	short ev = 0;

	if (!c->peer_eof && c->in.len < FIXTURE_SERVER_MAX_HEAD + FIXTURE_SERVER_MAX_BODY)
		ev |= POLLIN;
	if (c->out.len > 0)
		ev |= POLLOUT;
	return ev;
}

static void
fixture_server_conn_free(struct fixture_server_conn *c)
{
	close(c->fd);
	free(c->method);
	free(c->target);
	strbuf_free(&c->in);
	strbuf_free(&c->out);
	strbuf_free(&c->log);
	free(c);
}

static void
fixture_server_accept(struct fixture_server *srv, int64_t now)
{
	for (;;) {
		int fd = accept(srv->listen_fd, NULL, NULL);
		int one = 1;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			/* Out of descriptors: back off instead of spinning on a ready listener. */
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				srv->accept_resume = now + 100;
			return;
		}
		if (fixture_server_set_nonblock(fd) < 0) {
			close(fd);
			continue;
		}
		/* Streamed lines are small writes; Nagle would batch them and blur the timing. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		struct fixture_server_conn *c = xcalloc(1, sizeof(*c));

		c->fd = fd;
		c->wake_at = -1;
		srv->conns = xreallocarray(srv->conns, srv->nconns + 1, sizeof(*srv->conns));
		srv->conns[srv->nconns++] = c;
	}
}

static void
fixture_server_reap(struct fixture_server *srv)
{
	size_t kept = 0;

	for (size_t i = 0; i < srv->nconns; i++) {
		if (srv->conns[i]->dead)
			fixture_server_conn_free(srv->conns[i]);
		else
			srv->conns[kept++] = srv->conns[i];
	}
	srv->nconns = kept;
}

static int
fixture_server_run(struct fixture_server *srv, int64_t deadline)
{
	struct pollfd *pfds = NULL;
	size_t cap = 0;
	int status = 0;

	for (;;) {
		int64_t now = clock_mono_ms();
		int64_t wake = deadline;
		size_t n = srv->nconns + 2;

		if (now >= deadline)
			break;
		if (n > cap) {
			cap = n * 2;
			pfds = xreallocarray(pfds, cap, sizeof(*pfds));
		}
		pfds[0] = (struct pollfd){ .fd = srv->sig_rd, .events = POLLIN };
		pfds[1] = (struct pollfd){ .fd = srv->listen_fd,
			                   .events = now >= srv->accept_resume ? POLLIN : 0 };
		if (srv->accept_resume > now && srv->accept_resume < wake)
			wake = srv->accept_resume;
		for (size_t i = 0; i < srv->nconns; i++) {
			const struct fixture_server_conn *c = srv->conns[i];

			pfds[i + 2] = (struct pollfd){ .fd = c->fd,
				                       .events = fixture_server_conn_events(c) };
			if (c->wake_at >= 0 && c->wake_at < wake)
				wake = c->wake_at;
		}
		int64_t wait = wake - now;
		int rc = poll(pfds, n, wait < 0 ? 0 : wait > INT_MAX ? INT_MAX : (int)wait);

		if (rc < 0 && errno != EINTR) {
			perror("fixture_server: poll");
			status = 1;
			break;
		}
		if (rc > 0 && (pfds[0].revents & POLLIN))
			break;
		now = clock_mono_ms();
		/* Connections accepted below are not in pfds yet; they get served next round. */
		size_t polled = srv->nconns;

		for (size_t i = 0; i < polled; i++)
			fixture_server_conn_service(srv, srv->conns[i],
			                            rc > 0 ? pfds[i + 2].revents : 0, now);
		if (rc > 0 && (pfds[1].revents & POLLIN))
			fixture_server_accept(srv, now);
		fixture_server_reap(srv);
	}
	free(pfds);
	return status;
}

static int
fixture_server_listen(struct fixture_server *srv, const char *spec)
{
	const char *colon = strrchr(spec, ':');
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t salen = sizeof(sa);
	char host[INET_ADDRSTRLEN];
	char *end;
	int one = 1;

	if (!colon) {
		fprintf(stderr, "fixture_server: --listen wants HOST:PORT\n");
		return -1;
	}
	char *h = xstrndup(spec, (size_t)(colon - spec));
	int ok = inet_pton(AF_INET, h, &sa.sin_addr);

	free(h);
	long port = strtol(colon + 1, &end, 10);

	if (ok != 1 || *end || colon[1] == '\0' || port < 0 || port > 65535) {
		fprintf(stderr, "fixture_server: bad --listen '%s' (want IPv4:PORT)\n", spec);
		return -1;
	}
	sa.sin_port = htons((uint16_t)port);
	srv->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (srv->listen_fd < 0 ||
	    setsockopt(srv->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(srv->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(srv->listen_fd, 128) < 0 || fixture_server_set_nonblock(srv->listen_fd) < 0 ||
	    getsockname(srv->listen_fd, (struct sockaddr *)&sa, &salen) < 0) {
		fprintf(stderr, "fixture_server: listen on %s: %s\n", spec, strerror(errno));
		return -1;
	}
	inet_ntop(AF_INET, &sa.sin_addr, host, sizeof(host));
	printf("fixture_server listening on http://%s:%u\n", host, (unsigned)ntohs(sa.sin_port));
	fflush(stdout);
	return 0;
}

static int
fixture_server_signals(struct fixture_server *srv)
{
	int fds[2];
	struct sigaction sa = { .sa_handler = fixture_server_on_signal };
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigset_t set;

	if (pipe(fds) < 0 || fixture_server_set_nonblock(fds[0]) < 0 ||
	    fixture_server_set_nonblock(fds[1]) < 0) {
		perror("fixture_server: pipe");
		return -1;
	}
	srv->sig_rd = fds[0];
	fixture_server_sig_fd = fds[1];
	sigemptyset(&sa.sa_mask);
	sigemptyset(&ign.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGPIPE, &ign, NULL);
	/* A parent that blocked these (exec keeps the mask) must still be able to stop us. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	return 0;
}

static void
fixture_server_usage(void)
{
	fprintf(stderr, "usage: fixture_server --routes FILE [--listen 127.0.0.1:0] [--log FILE] "
	                "[--lifetime SECONDS]\n");
}

int
main(int argc, char **argv)
{
	const char *routes = NULL;
	const char *listen_at = "127.0.0.1:0";
	const char *log_path = NULL;
	const char *lifetime = "300";
	const struct {
		const char *flag;
		const char **value;
	} args[] = {
		{ "--routes", &routes },
		{ "--listen", &listen_at },
		{ "--log", &log_path },
		{ "--lifetime", &lifetime },
	};
	struct fixture_server srv = { .listen_fd = -1, .sig_rd = -1 };
	int status = 2;

	for (int i = 1; i < argc; i++) {
		size_t a = 0;

		while (a < ARRAY_SIZE(args) && strcmp(argv[i], args[a].flag) != 0)
			a++;
		if (a == ARRAY_SIZE(args) || i + 1 >= argc) {
			fixture_server_usage();
			return 2;
		}
		*args[a].value = argv[++i];
	}
	char *end;
	double secs = strtod(lifetime, &end);

	if (!routes || *end || end == lifetime || !isfinite(secs) || secs < 0 || secs > 1e9) {
		fixture_server_usage();
		return 2;
	}
	if (fixture_server_routes_load(&srv, routes) < 0)
		goto out;
	if (log_path && !(srv.log = fopen(log_path, "a"))) {
		fprintf(stderr, "fixture_server: %s: %s\n", log_path, strerror(errno));
		goto out;
	}
	if (fixture_server_signals(&srv) < 0 || fixture_server_listen(&srv, listen_at) < 0)
		goto out;
	status = fixture_server_run(&srv, clock_mono_ms() + (int64_t)(secs * 1000));
out:
	for (size_t i = 0; i < srv.nconns; i++)
		fixture_server_conn_free(srv.conns[i]);
	free(srv.conns);
	for (size_t i = 0; i < srv.nroutes; i++)
		fixture_server_route_free(&srv.routes[i]);
	free(srv.routes);
	if (srv.log)
		fclose(srv.log);
	if (srv.listen_fd >= 0)
		close(srv.listen_fd);
	if (srv.sig_rd >= 0)
		close(srv.sig_rd);
	if (fixture_server_sig_fd >= 0)
		close(fixture_server_sig_fd);
	return status;
}
