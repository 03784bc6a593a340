/* channel.c: append-only text files (logs, events) that HTTP streams follow while they grow. */
#include "server/channel.h"

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define CHANNEL_PENDING_CAP (256u << 10) /* unsent bytes per stream before reading pauses */
#define CHANNEL_READ        (64u << 10)
#define CHANNEL_RETRY_MS    20

struct channel_follower {
	struct channel *ch; /* NULL once the channel is gone or was never there */
	struct loop *loop;
	struct server_http_stream *stream;
	int fd;
	off_t offset;
	struct strbuf partial;
	regex_t re[2]; /* the route's own and the caller's query: a line must match both */
	int n_re;
	unsigned long timer;
	struct channel_follower *next;
};

struct channel {
	struct loop *loop;
	char *path;
	int fd;         /* open only while held: a quiet channel costs no descriptor */
	unsigned holds; /* writers that append often (a running task) */
	bool ended;
	struct channel_follower *followers;
};

static int
channel_open_file(const struct channel *c)
{
	return open(c->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
}

struct channel *
channel_open(struct loop *loop, const char *path)
{
	struct channel *c = xcalloc(1, sizeof(*c));
	int fd;

	c->loop = loop;
	c->path = xstrdup(path);
	c->fd = -1;
	/* The file exists from the start, so a stream that begins before any line finds it. */
	fd = channel_open_file(c);
	if (fd >= 0)
		close(fd);
	return c;
}

void
channel_hold(struct channel *c)
{
	if (c)
		c->holds++;
}

void
channel_release(struct channel *c)
{
	if (!c || !c->holds || --c->holds)
		return;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static void channel_pump(struct channel_follower *f);

static void
channel_pump_later(void *ctx)
{
	struct channel_follower *f = ctx;

	f->timer = 0;
	channel_pump(f);
}

static void
channel_poke(struct channel *c)
{
	for (struct channel_follower *f = c->followers, *next; f; f = next) {
		next = f->next;
		if (!f->timer)
			f->timer = loop_add_timer(f->loop, 0, channel_pump_later, f);
	}
}

void
channel_append(struct channel *c, const char *data, size_t n)
{
	int fd = c->fd >= 0 ? c->fd : channel_open_file(c);

	while (fd >= 0 && n > 0) {
		ssize_t w = write(fd, data, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break; /* a full disk loses log lines, never the service */
		data += w;
		n -= (size_t)w;
	}
	if (c->holds && fd >= 0)
		c->fd = fd;
	else if (fd >= 0)
		close(fd);
	channel_poke(c);
}

void
channel_end(struct channel *c)
{
	c->ended = true;
	channel_poke(c);
}

bool
channel_ended(const struct channel *c)
{
	return c->ended;
}

static void
channel_unlink(struct channel_follower *f)
{
	if (!f->ch)
		return;
	for (struct channel_follower **pp = &f->ch->followers; *pp; pp = &(*pp)->next) {
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	}
	f->ch = NULL;
}

void
channel_free(struct channel *c)
{
	if (!c)
		return;
	channel_end(c);
	while (c->followers)
		channel_unlink(c->followers);
	if (c->fd >= 0)
		close(c->fd);
	free(c->path);
	free(c);
}

static void
channel_follower_free(struct channel_follower *f)
{
	channel_unlink(f);
	loop_remove(f->loop, f->timer);
	if (f->fd >= 0)
		close(f->fd);
	for (int i = 0; i < f->n_re; i++)
		regfree(&f->re[i]);
	strbuf_free(&f->partial);
	free(f);
}

static void
channel_gone(void *ctx)
{
	struct channel_follower *f = ctx;

	f->stream = NULL;
	channel_follower_free(f);
}

static void
channel_emit(struct channel_follower *f, const char *line, size_t n)
{
	if (f->n_re) {
		char *s = xstrndup(line, n);
		int miss = 0;

		for (int i = 0; i < f->n_re && !miss; i++)
			miss = regexec(&f->re[i], s, 0, NULL, 0);
		free(s);
		if (miss)
			return;
	}
	server_http_stream_write(f->stream, line, n);
	server_http_stream_write(f->stream, "\n", 1);
}

static void
channel_pump(struct channel_follower *f)
{
	char buf[CHANNEL_READ];
	bool eof = f->fd < 0;

	while (!eof && server_http_stream_pending(f->stream) < CHANNEL_PENDING_CAP) {
		ssize_t n = pread(f->fd, buf, sizeof(buf), f->offset);
		size_t start = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			eof = true;
			break;
		}
		f->offset += n;
		strbuf_add(&f->partial, buf, (size_t)n);
		for (size_t i = 0; i < f->partial.len; i++) {
			if (f->partial.buf[i] != '\n')
				continue;
			channel_emit(f, f->partial.buf + start, i - start);
			start = i + 1;
		}
		strbuf_consume(&f->partial, start);
	}
	if (!eof) {
		f->timer = loop_add_timer(f->loop, CHANNEL_RETRY_MS, channel_pump_later, f);
		return;
	}
	if (f->ch && !f->ch->ended)
		return; /* the next append pokes us */
	if (f->partial.len)
		channel_emit(f, f->partial.buf, f->partial.len);
	server_http_stream_close(f->stream);
	f->stream = NULL;
	channel_follower_free(f);
}

/* The offset where the last n lines of fd begin. */
static off_t
channel_tail_offset(int fd, long n)
{
	off_t end = lseek(fd, 0, SEEK_END);
	off_t pos = end;
	char buf[8192];
	long newlines = 0;

	if (end <= 0)
		return 0;
	while (pos > 0) {
		size_t want = pos > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)pos;
		ssize_t got = pread(fd, buf, want, pos - (off_t)want);

		if (got != (ssize_t)want)
			return 0;
		for (size_t i = want; i-- > 0;) {
			off_t at = pos - (off_t)want + (off_t)i;

			/* The file's final newline ends the last line; it does not start one. */
			if (buf[i] == '\n' && at != end - 1 && ++newlines == n)
				return at + 1;
		}
		pos -= (off_t)want;
	}
	return 0;
}

void
channel_follow(struct loop *loop, struct channel *c, const char *path,
               const struct channel_filter *f, struct server_http_response *res)
{
	struct channel_follower *fl = xcalloc(1, sizeof(*fl));

	fl->loop = loop;
	const char *const regexes[] = { f->regex, f->query };

	for (size_t i = 0; i < ARRAY_SIZE(regexes); i++) {
		if (!regexes[i] || !*regexes[i])
			continue;
		if (regcomp(&fl->re[fl->n_re], regexes[i], REG_EXTENDED | REG_NOSUB) != 0) {
			/* The service's words for a query it cannot compile. */
			char *msg = xasprintf("Invalid regex: %s", regexes[i]);

			server_http_reply_error(res, 400, "USER", msg, NULL);
			free(msg);
			while (fl->n_re > 0)
				regfree(&fl->re[--fl->n_re]);
			free(fl);
			return;
		}
		fl->n_re++;
	}
	fl->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fl->fd >= 0 && f->last_n_lines > 0)
		fl->offset = channel_tail_offset(fl->fd, f->last_n_lines);
	fl->stream = server_http_reply_stream(res, 200, SERVER_HTTP_TEXT, channel_gone, fl);
	server_http_reply_header(res, "X-Content-Type-Options", "nosniff");
	if (f->header)
		server_http_stream_printf(fl->stream, "%s", f->header);
	if (c && !c->ended) {
		fl->ch = c;
		fl->next = c->followers;
		c->followers = fl;
	}
	fl->timer = loop_add_timer(loop, 0, channel_pump_later, fl);
}
