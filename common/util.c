/* util.c: allocation that aborts on OOM, byte buffers, string vectors, clocks. */
#include "common/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void
util_oom(size_t n)
{
	fprintf(stderr, "out of memory (%zu bytes)\n", n);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		util_oom(n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		util_oom(n * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		util_oom(n);
	return q;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		util_oom(SIZE_MAX);
	return xrealloc(p, n * size);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	struct strbuf sb = { 0 };
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	return strbuf_detach(&sb);
}

void
strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;

	if (need <= sb->cap)
		return;
	/* The first size asked for is taken as it is: a known length is not rounded up. */
	size_t cap = sb->cap ? sb->cap : need > 64 ? need : 64;
	while (cap < need)
		cap *= 2;
	sb->buf = xrealloc(sb->buf, cap);
	sb->cap = cap;
	sb->buf[sb->len] = '\0';
}

void
strbuf_add(struct strbuf *sb, const void *data, size_t n)
{
	strbuf_grow(sb, n);
	if (n)
		memcpy(sb->buf + sb->len, data, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void
strbuf_addstr(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void
strbuf_addch(struct strbuf *sb, char c)
{
	strbuf_add(sb, &c, 1);
}

void
strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;

	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	strbuf_grow(sb, (size_t)n);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void
strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

void
strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void
strbuf_free(struct strbuf *sb)
{
	free(sb->buf);
	*sb = (struct strbuf){ 0 };
}

char *
strbuf_detach(struct strbuf *sb)
{
	char *p = sb->buf ? sb->buf : xstrdup("");

	*sb = (struct strbuf){ 0 };
	return p;
}

void
strbuf_consume(struct strbuf *sb, size_t n)
{
	if (n >= sb->len) {
		strbuf_reset(sb);
		return;
	}
	memmove(sb->buf, sb->buf + n, sb->len - n);
	sb->len -= n;
	sb->buf[sb->len] = '\0';
}

void
strv_push_owned(struct strv *sv, char *s)
{
	sv->v = xreallocarray(sv->v, sv->n + 1, sizeof(*sv->v));
	sv->v[sv->n++] = s;
}

void
strv_remove(struct strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0) {
			free(sv->v[i]);
			sv->v[i] = sv->v[--sv->n];
			return;
		}
}

void
strv_push(struct strv *sv, const char *s)
{
	strv_push_owned(sv, xstrdup(s));
}

void
strv_free(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	*sv = (struct strv){ 0 };
}

bool
strv_contains(const struct strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}

size_t
strlcpy_safe(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return n;
}

uint64_t
util_fnv1a64(const void *data, size_t n)
{
	const unsigned char *p = data;
	uint64_t h = 14695981039346656037ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

size_t
strlcpy_lower(char *dst, const char *src, size_t size)
{
	size_t n = strlcpy_safe(dst, src, size);

	for (size_t i = 0; i < n; i++)
		dst[i] = (char)tolower((unsigned char)dst[i]);
	return n;
}

bool
str_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

size_t
utf8_valid_len(const unsigned char *s, size_t avail, uint32_t *out)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp;

	if (c < 0x80) {
		*out = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*out = cp;
	return n;
}

bool
utf8_cp_unsafe(uint32_t cp)
{
	/* Controls, and the format characters that reorder or split a line when shown. */
	static const struct {
		uint32_t lo, hi;
	} unsafe[] = {
		{ 0x0000, 0x001f }, /* C0 */
		{ 0x007f, 0x009f }, /* DEL, C1 */
		{ 0x061c, 0x061c }, /* ARABIC LETTER MARK */
		{ 0x200e, 0x200f }, /* LEFT-TO-RIGHT and RIGHT-TO-LEFT MARK */
		{ 0x2028, 0x202e }, /* line and paragraph separators, embeddings, overrides */
		{ 0x2066, 0x2069 }, /* isolates */
	};

	for (size_t i = 0; i < ARRAY_SIZE(unsafe); i++)
		if (cp >= unsafe[i].lo && cp <= unsafe[i].hi)
			return true;
	return false;
}

size_t
utf8_unsafe_len(const char *s, size_t len)
{
	uint32_t cp = 0;
	size_t n = len ? utf8_valid_len((const unsigned char *)s, len, &cp) : 0;

	return n && utf8_cp_unsafe(cp) ? n : 0;
}

char *
utf8_sanitize(const char *s, size_t len)
{
	struct strbuf sb = { 0 };
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;
	uint64_t high = 0;

	/* Nearly every string the service sends is ASCII: eight bytes at a time say so. */
	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		high |= w;
	}
	for (; i < len; i++)
		high |= p[i];
	if (!(high & UINT64_C(0x8080808080808080))) {
		char *copy = xmalloc(len + 1);

		memcpy(copy, s, len);
		copy[len] = '\0';
		return copy;
	}
	i = 0;
	strbuf_grow(&sb, len);
	/* Valid runs are copied whole: nearly every string is one. */
	while (i < len) {
		uint32_t cp;
		size_t n = p[i] < 0x80 ? 1 : utf8_valid_len(p + i, len - i, &cp);

		if (n) {
			i += n;
			continue;
		}
		strbuf_add(&sb, p + run, i - run);
		strbuf_add(&sb, "\xef\xbf\xbd", 3);
		run = ++i;
	}
	strbuf_add(&sb, p + run, i - run);
	return strbuf_detach(&sb);
}

char *
utf8_one_line(const char *s)
{
	char *clean = utf8_sanitize(s, strlen(s));
	struct strbuf sb = { 0 };
	size_t len = strlen(clean);

	strbuf_grow(&sb, len);
	for (size_t i = 0, k; i < len; i += k ? k : 1) {
		k = utf8_unsafe_len(clean + i, len - i);
		if (!k)
			strbuf_addch(&sb, clean[i]);
		else if (k == 1 && (clean[i] == '\n' || clean[i] == '\r' || clean[i] == '\t'))
			strbuf_addch(&sb, ' ');
		else
			strbuf_add(&sb, "\xef\xbf\xbd", 3);
	}
	free(clean);
	/* Trailing blanks mean nothing on a line, and hide where it ends. */
	while (sb.len && sb.buf[sb.len - 1] == ' ')
		sb.buf[--sb.len] = '\0';
	return sb.buf ? strbuf_detach(&sb) : xstrdup("");
}

static int64_t
util_clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
clock_mono_ms(void)
{
	return util_clock_ms(CLOCK_MONOTONIC);
}

int64_t
clock_wall_ms(void)
{
	return util_clock_ms(CLOCK_REALTIME);
}

int
util_timeout_until(int64_t due_ms, int64_t now_ms)
{
	int64_t d = due_ms - now_ms;

	return d <= 0 ? 0 : d > INT_MAX ? INT_MAX : (int)d;
}

int
util_timeout_min(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

char *
util_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct strbuf sb = { 0 };
	char buf[65536];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(f);
	if (len)
		*len = sb.len;
	strbuf_addstr(&sb, "");
	return strbuf_detach(&sb);
}

int
util_pipe_nonblock(int fds[2])
{
	if (pipe(fds) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		fcntl(fds[i], F_SETFD, FD_CLOEXEC);
		fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
	}
	return 0;
}

int
util_random(void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n) {
		ssize_t r = getrandom(p, n, GRND_NONBLOCK);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

void
util_hex(const void *bytes, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *b = bytes;

	for (size_t i = 0; i < n; i++) {
		*out++ = digits[b[i] >> 4];
		*out++ = digits[b[i] & 15];
	}
	*out = '\0';
}

void
util_printable(char *dst, size_t cap, const char *src, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < cap; i++)
		dst[o++] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[o] = '\0';
}

/* mkdir that accepts an existing directory (EEXIST may lose to EACCES or EROFS). */
static int
util_mkdir(const char *path, mode_t mode)
{
	struct stat st;
	int why;

	if (mkdir(path, mode) == 0)
		return 0;
	why = errno;
	if (stat(path, &st) < 0) {
		errno = why;
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

int
util_mkdirs(const char *dir, mode_t mode)
{
	char *path = xstrdup(dir);
	int rc = 0;

	for (char *p = path + 1; *p && rc == 0; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		rc = util_mkdir(path, mode);
		*p = '/';
	}
	if (rc == 0)
		rc = util_mkdir(path, mode);
	free(path);
	return rc;
}

void
util_guard_enter(struct util_guard *g)
{
	g->busy++;
}

bool
util_guard_leave(struct util_guard *g)
{
	return --g->busy == 0 && g->freed;
}

bool
util_guard_free(struct util_guard *g)
{
	g->freed = true;
	return g->busy == 0;
}

size_t
util_lower_bound(const void *base, size_t n, size_t size, const void *key,
                 int (*cmp)(const void *, const void *))
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp((const char *)base + mid * size, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* "dir/rest", with no doubled slash when dir ends in one. */
static char *
util_join(const char *dir, const char *rest)
{
	return xasprintf("%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", rest);
}

char *
util_xdg_path(const char *xdg_var, const char *home_sub, const char *rest)
{
	const char *xdg = getenv(xdg_var);
	const char *home = getenv("HOME");
	char *sub, *path;

	if (xdg && xdg[0] == '/')
		return util_join(xdg, rest);
	if (!home || !*home)
		return NULL;
	sub = util_join(home, home_sub);
	path = util_join(sub, rest);
	free(sub);
	return path;
}

int
util_natcmp(const char *a, const char *b)
{
	const char *a0 = a, *b0 = b;

	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			const char *ea = a, *eb = b;
			size_t la, lb;
			int c;

			while (*a == '0' && isdigit((unsigned char)a[1]))
				a++;
			while (*b == '0' && isdigit((unsigned char)b[1]))
				b++;
			for (ea = a; isdigit((unsigned char)*ea); ea++)
				;
			for (eb = b; isdigit((unsigned char)*eb); eb++)
				;
			la = (size_t)(ea - a);
			lb = (size_t)(eb - b);
			/* Without leading zeros, the longer run is the larger number. */
			if (la != lb)
				return la < lb ? -1 : 1;
			c = memcmp(a, b, la);
			if (c)
				return c < 0 ? -1 : 1;
			a = ea;
			b = eb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	if (*a != *b)
		return *a ? 1 : -1;
	/* Equal as numbers ("a2", "a02"): still one order for the two. */
	return strcmp(a0, b0) < 0 ? -1 : strcmp(a0, b0) > 0;
}
