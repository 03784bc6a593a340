/* util.h: allocation that aborts on OOM, a growable byte buffer, string vectors, clocks. */
#ifndef OSMO_COMMON_UTIL_H
#define OSMO_COMMON_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct strbuf {
	char *buf; /* always NUL-terminated once anything was added */
	size_t len;
	size_t cap;
};

/* Room for extra more bytes (and the terminator), so adding them moves nothing. */
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t n);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
        __attribute__((format(printf, 2, 0)));
void strbuf_reset(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);
/* Hands the buffer to the caller ("" when empty) and resets sb. */
char *strbuf_detach(struct strbuf *sb);
/* Drops the first n bytes. */
void strbuf_consume(struct strbuf *sb, size_t n);

struct strv {
	char **v;
	size_t n;
};

void strv_push(struct strv *sv, const char *s);
void strv_push_owned(struct strv *sv, char *s);
void strv_free(struct strv *sv);
bool strv_contains(const struct strv *sv, const char *s);
/* Removes the first s (the last takes its place: order is not kept). */
void strv_remove(struct strv *sv, const char *s);

/* Copies src into dst (size > 0), always terminating; returns strlen(dst). */
size_t strlcpy_safe(char *dst, const char *src, size_t size);
/* FNV-1a, 64 bits, of n bytes: a quick hash, not a secure one. */
uint64_t util_fnv1a64(const void *data, size_t n);
/* strlcpy_safe, ASCII letters in lower case (the configuration's names of ids). */
size_t strlcpy_lower(char *dst, const char *src, size_t size);
bool str_starts_with(const char *s, const char *prefix);

/* A whole file, NUL-terminated (*len excludes the NUL); NULL with errno when unreadable. */
char *util_read_file(const char *path, size_t *len);

/* mkdir -p: dir and its missing parents with mode; 0, or -1 with errno. */
int util_mkdirs(const char *dir, mode_t mode);

/* A pipe with both ends non-blocking and close-on-exec (self-pipes); 0 or -1 with errno. */
int util_pipe_nonblock(int fds[2]);

/* n bytes from the kernel's CSPRNG without waiting for its pool; 0, or -1 with errno. */
int util_random(void *buf, size_t n);

/* Writes n bytes as 2n lowercase hex digits and a NUL to out. */
void util_hex(const void *bytes, size_t n, char *out);
/* Copies n bytes of untrusted text as printable ASCII ('?' for others), at most cap - 1. */
void util_printable(char *dst, size_t cap, const char *src, size_t n);

/*
 * Whether a code point must not reach a terminal although it is valid text: C0, DEL, C1,
 * and the bidi controls and line/paragraph separators that would make it show other text.
 */
bool utf8_cp_unsafe(uint32_t cp);
/* Length of the valid UTF-8 sequence at s (1..4, avail > 0) with its code point in *out, or 0. */
size_t utf8_valid_len(const unsigned char *s, size_t avail, uint32_t *out);
/* The bytes of the valid code point at s (len available) if it is unsafe, else 0. */
size_t utf8_unsafe_len(const char *s, size_t len);
/* Replaces invalid UTF-8 with U+FFFD; returns a new string. */
char *utf8_sanitize(const char *s, size_t len);
/*
 * Untrusted text made safe for one line of a terminal: invalid UTF-8 and unsafe code points
 * (utf8_cp_unsafe) as U+FFFD, but newlines and tabs as spaces, none trailing. Returns a new
 * string.
 */
char *utf8_one_line(const char *s);

/* Milliseconds on the monotonic clock, for deadlines and ages. */
/*
 * An XDG path: $XDG_VAR/rest when that variable is absolute (as the spec says), else
 * $HOME/home_sub/rest; NULL when neither is set. The caller frees it.
 */
char *util_xdg_path(const char *xdg_var, const char *home_sub, const char *rest);

/* strcmp, but runs of digits compare as numbers: "train-2" before "train-10". */
int util_natcmp(const char *a, const char *b);

/* The first index of sorted base[0..n) whose element is not below key (bsearch's lower bound). */
size_t util_lower_bound(const void *base, size_t n, size_t size, const void *key,
                        int (*cmp)(const void *, const void *));

/*
 * A re-entrancy guard: an object that its user frees from inside one of its own callbacks
 * is destroyed when the dispatch that ran the callback returns, not under its feet.
 */
struct util_guard {
	int busy;   /* dispatches of the object on the stack */
	bool freed; /* freed while busy */
};
void util_guard_enter(struct util_guard *g);
/* Leaves a dispatch: true when the object was freed inside and must be destroyed now. */
bool util_guard_leave(struct util_guard *g);
/* The object's free: true to destroy it now, false when the running dispatch will. */
bool util_guard_free(struct util_guard *g);

int64_t clock_mono_ms(void);
/* Milliseconds since the Unix epoch, for comparing with server times. */
int64_t clock_wall_ms(void);
/* poll()'s timeout for a deadline: ms from now_ms to due_ms, 0 once due, at most INT_MAX. */
int util_timeout_until(int64_t due_ms, int64_t now_ms);
/* The sooner of two poll() timeouts, where a negative one means none. */
int util_timeout_min(int a, int b);

#endif
