/* view_logs.c: OSMO log lines cleaned of terminal escapes, then followed, wrapped, searched. */
#include "tui/view_logs.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/text.h"

#define VIEW_LOGS_TAG_MAX     128 /* a longer "[...]" is message text, not a task tag */
#define VIEW_LOGS_TAB         8
#define VIEW_LOGS_NO_SGR      (-1) /* no SGR colour: the line's own style */
#define VIEW_LOGS_PATTERN_MAX 24   /* columns of the pattern the title shows */
#define VIEW_LOGS_TASKS_MAX   32   /* columns of the task filter the title shows */
#define VIEW_LOGS_BAR_MIN     20 /* narrower than this, the error bar leaves the text its column */

/* What looks like an error in a log line (extended regexes, case counts); logs.errors adds
 * to these. Words are bounded by hand: "OOM" in "BLOOM" or "Killed" in "unKilled" are not. */
#define VIEW_LOGS_W(word) "(^|[^A-Za-z])" word "([^A-Za-z]|$)"
static const char *const view_logs_error_table[] = {
	"Traceback \\(most recent call last\\)",
	"[A-Za-z](Error|Exception)([^A-Za-z]|$)",
	VIEW_LOGS_W("(Error|ERROR|FATAL|Fatal|CRITICAL)"),
	VIEW_LOGS_W("(error|fatal):"),
	VIEW_LOGS_W("FAILED"),
	"NCCL (WARN|ERROR)|NCCL.*([Tt]imeout|[Ww]atchdog)",
	"CUDA (error|out of memory)|CUBLAS_STATUS_|cudaError",
	VIEW_LOGS_W("OOM") "|[Oo]ut of memory|OutOfMemory",
	VIEW_LOGS_W("Killed") "|Segmentation fault|core dumped",
	VIEW_LOGS_W("panic:"),
};
#undef VIEW_LOGS_W

/* What an SGR parameter does to the colour we keep; the first row that covers it wins. */
static const struct view_logs_sgr {
	unsigned lo, hi;
	int style;
} view_logs_sgrs[] = {
	{ 0, 0, VIEW_LOGS_NO_SGR },   { 31, 31, STYLE_ERROR }, { 91, 91, STYLE_ERROR },
	{ 33, 33, STYLE_WARN },       { 93, 93, STYLE_WARN },  { 30, 39, VIEW_LOGS_NO_SGR },
	{ 90, 97, VIEW_LOGS_NO_SGR },
};

/* The flags view_logs_toggle() flips. */
static const size_t view_logs_flags[] = {
	[VIEW_LOGS_FOLLOW] = offsetof(struct view_logs, follow),
	[VIEW_LOGS_WRAP] = offsetof(struct view_logs, wrap),
	[VIEW_LOGS_TIMESTAMPS] = offsetof(struct view_logs, timestamps),
	[VIEW_LOGS_FILTER] = offsetof(struct view_logs, filter),
};

/* One line being cleaned into v->text. */
struct view_logs_clean {
	struct view_logs *v;
	enum style base; /* the line's own style for message text */
	int sgr;         /* colour from SGR, or VIEW_LOGS_NO_SGR */
	size_t col;      /* display column, for tab stops */
};

void
view_logs_init(struct view_logs *v)
{
	memset(v, 0, sizeof(*v));
	v->follow = true;
	v->timestamps = true;
	v->match = VIEW_LOGS_NONE;
	v->error = VIEW_LOGS_NONE;
	v->awaited = "the first log line";
	v->empty = "no line: the log is empty";
}

void
view_logs_free(struct view_logs *v)
{
	free(v->search);
	free(v->hits.at);
	free(v->hits_pattern);
	free(v->styles);
	strbuf_free(&v->text);
	if (v->has_errors_re) {
		regfree(&v->errors_re);
		regfree(&v->errors_span_re);
	}
	free(v->errs.at);
	free(v->shown.at);
	free(v->shown_key);
	strv_free(&v->tasks);
	memset(v, 0, sizeof(*v));
}

size_t
view_logs_error_patterns(const char *const **out)
{
	*out = view_logs_error_table;
	return ARRAY_SIZE(view_logs_error_table);
}

/* Compiles the patterns as one alternation: one regexec a line, however many there are. */
static bool
view_logs_compile_errors(struct view_logs *v, const struct strv *extra)
{
	struct strbuf sb = { 0 };
	bool ok;

	for (size_t i = 0; i < ARRAY_SIZE(view_logs_error_table); i++)
		strbuf_addf(&sb, "%s(%s)", i ? "|" : "", view_logs_error_table[i]);
	for (size_t i = 0; extra && i < extra->n; i++)
		strbuf_addf(&sb, "|(%s)", extra->v[i]);
	/* Finding the lines needs no place in them (a third faster); drawing one does. */
	ok = regcomp(&v->errors_re, sb.buf, REG_EXTENDED | REG_NOSUB) == 0;
	if (ok && regcomp(&v->errors_span_re, sb.buf, REG_EXTENDED) != 0) {
		regfree(&v->errors_re);
		ok = false;
	}
	v->has_errors_re = ok;
	strbuf_free(&sb);
	return ok;
}

bool
view_logs_set_errors(struct view_logs *v, const struct strv *extra)
{
	if (v->has_errors_re) {
		regfree(&v->errors_re);
		regfree(&v->errors_span_re);
	}
	v->has_errors_re = false;
	v->errs.n = 0;
	v->errs.scanned = 0;
	v->error = VIEW_LOGS_NONE;
	if (view_logs_compile_errors(v, extra))
		return true;
	view_logs_compile_errors(v, NULL);
	return false;
}

void
view_logs_forget(struct view_logs *v)
{
	v->hits_lt = NULL;
	v->hits.n = 0;
	v->hits.scanned = 0;
	v->errs.n = v->shown.n = 0;
	v->errs.scanned = v->shown.scanned = 0;
	free(v->shown_key);
	v->shown_key = NULL;
	v->match = v->error = VIEW_LOGS_NONE;
	v->top = 0;
	v->top_row = 0;
}

static uint64_t
view_logs_first(const struct log_tail *lt)
{
	return lt->appended - lt->count;
}

static const char *
view_logs_raw(const struct log_tail *lt, uint64_t a)
{
	return log_tail_line(lt, (size_t)(a - view_logs_first(lt)));
}

static bool
view_logs_in(unsigned char b, unsigned char lo, unsigned char hi)
{
	return b >= lo && b <= hi;
}

static void
view_logs_put(struct view_logs_clean *cl, const char *s, size_t n, enum style st)
{
	struct view_logs *v = cl->v;
	size_t at = v->text.len;

	strbuf_add(&v->text, s, n);
	if (v->text.len > v->cap_styles) {
		v->cap_styles = v->text.len * 2;
		v->styles = xrealloc(v->styles, v->cap_styles);
	}
	memset(v->styles + at, st, n);
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		int w;

		i += text_decode(s + i, n - i, &cp);
		w = text_cp_width(cp);
		cl->col += w < 0 ? 1 : (size_t)w;
	}
}

static void
view_logs_sgr_code(struct view_logs_clean *cl, unsigned code)
{
	for (size_t k = 0; k < ARRAY_SIZE(view_logs_sgrs); k++) {
		if (code >= view_logs_sgrs[k].lo && code <= view_logs_sgrs[k].hi) {
			cl->sgr = view_logs_sgrs[k].style;
			return;
		}
	}
}

/* SGR parameters: red and yellow become a style, other colours the line's own. */
static void
view_logs_sgr(struct view_logs_clean *cl, const char *s, size_t n)
{
	size_t i = 0;
	int ext = 0; /* parameters of 38/48 still to skip; -1: the kind (5 or 2) is next */

	/* A private marker (<=>?) makes it some other sequence that happens to end in m. */
	if (n && s[0] > ';')
		return;
	do {
		unsigned code = 0;
		bool sub = false;

		for (; i < n && s[i] != ';'; i++) {
			if (s[i] == ':')
				sub = true;
			else if (!sub && s[i] >= '0' && s[i] <= '9' && code < 1000)
				code = code * 10 + (unsigned)(s[i] - '0');
		}
		i++;
		if (ext < 0) {
			ext = code == 5 ? 1 : code == 2 ? 3 : 0;
			continue;
		}
		if (ext > 0) {
			ext--;
			continue;
		}
		if (!sub && (code == 38 || code == 48))
			ext = -1;
		view_logs_sgr_code(cl, code);
	} while (i <= n);
}

/* The end of an OSC, DCS, SOS, PM or APC string: after BEL or ST, at an ESC, or the end. */
static size_t
view_logs_string_end(const char *p, size_t n, size_t i)
{
	for (; i < n; i++) {
		unsigned char b = (unsigned char)p[i];

		if (b == 0x07)
			return i + 1;
		if (b == 0x1b)
			return i + 1 < n && p[i + 1] == '\\' ? i + 2 : i;
		if (b == 0xc2 && i + 1 < n && (unsigned char)p[i + 1] == 0x9c)
			return i + 2;
	}
	return n;
}

static size_t
view_logs_csi(struct view_logs_clean *cl, const char *p, size_t n, size_t i)
{
	size_t params = i, end;

	while (i < n && view_logs_in((unsigned char)p[i], 0x30, 0x3f))
		i++;
	end = i;
	while (i < n && view_logs_in((unsigned char)p[i], 0x20, 0x2f))
		i++;
	/* Cut short by another byte: drop what was read, as a terminal does. */
	if (i >= n || !view_logs_in((unsigned char)p[i], 0x40, 0x7e))
		return i;
	if (p[i] == 'm' && end == i)
		view_logs_sgr(cl, p + params, end - params);
	return i + 1;
}

/*
 * Skips the sequence ESC intro (or intro's C1 code point) that resumes at p[i]; returns where
 * text starts again. Only SGR leaves a mark: the colour it sets.
 */
static size_t
view_logs_sequence(struct view_logs_clean *cl, const char *p, size_t n, size_t i,
                   unsigned char intro)
{
	if (intro == '[')
		return view_logs_csi(cl, p, n, i);
	if (strchr("]PX^_", intro))
		return view_logs_string_end(p, n, i);
	if (view_logs_in(intro, 0x20, 0x2f)) {
		while (i < n && view_logs_in((unsigned char)p[i], 0x20, 0x2f))
			i++;
		return i < n && view_logs_in((unsigned char)p[i], 0x30, 0x7e) ? i + 1 : i;
	}
	return i;
}

/* Message text: escapes dropped, tabs expanded, invalid UTF-8 shown as U+FFFD. */
static void
view_logs_message(struct view_logs_clean *cl, const char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char b = (unsigned char)p[i];
		enum style st = cl->sgr >= 0 ? (enum style)cl->sgr : cl->base;
		uint32_t cp;
		size_t len;

		if (b == 0x1b) {
			if (i + 1 < n && view_logs_in((unsigned char)p[i + 1], 0x20, 0x7e))
				i = view_logs_sequence(cl, p, n, i + 2, (unsigned char)p[i + 1]);
			else
				i++;
			continue;
		}
		if (b == '\t') {
			do
				view_logs_put(cl, " ", 1, st);
			while (cl->col % VIEW_LOGS_TAB);
			i++;
			continue;
		}
		len = text_decode(p + i, n - i, &cp);
		if (cp >= 0x80 && cp < 0xa0) {
			i = view_logs_sequence(cl, p, n, i + len, (unsigned char)(cp - 0x40));
			continue;
		}
		/* BEL, BS and the other controls: a terminal shows nothing for them. */
		if (cp >= 0x20 && cp != 0x7f)
			view_logs_put(cl, cp == TEXT_REPLACEMENT ? "\xef\xbf\xbd" : p + i,
			              cp == TEXT_REPLACEMENT ? 3 : len, st);
		i += len;
	}
}

/* Whether cleaned text shows anything but blanks. */
static bool
view_logs_visible(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint32_t cp;

		i += text_decode(s + i, n - i, &cp);
		if (cp != ' ' && text_cp_width(cp) != 0)
			return true;
	}
	return false;
}

/* How a line starts with its time: logs' "YYYY/MM/DD HH:MM:SS ", events' with "-" and a zone. */
static const char *const view_logs_time_shapes[] = {
	"0000/00/00 00:00:00 ",
	"0000-00-00 00:00:00+00:00 ",
};

/* The length of the time s starts with, 0 when it starts with none. */
static size_t
view_logs_time_len(const char *s)
{
	for (size_t k = 0; k < ARRAY_SIZE(view_logs_time_shapes); k++) {
		const char *shape = view_logs_time_shapes[k];
		size_t i = 0;

		while (shape[i] &&
		       (shape[i] == '0' ? s[i] >= '0' && s[i] <= '9' : s[i] == shape[i]))
			i++;
		if (!shape[i])
			return i;
	}
	return 0;
}

/* The length of a "[task]" or "[task retry-N]" tag at s, 0 if there is none. */
static size_t
view_logs_tag_len(const char *s)
{
	if (s[0] != '[')
		return 0;
	for (size_t i = 1; i < VIEW_LOGS_TAG_MAX && s[i]; i++) {
		unsigned char b = (unsigned char)s[i];

		if (b == ']')
			return i > 1 ? i + 1 : 0;
		if (b < 0x20 || b >= 0x7f || b == '[')
			return 0;
	}
	return 0;
}

bool
view_logs_line_task(const char *raw, char *task, size_t size, const char **text)
{
	size_t at = view_logs_time_len(raw), tag = view_logs_tag_len(raw + at), name;

	if (!tag)
		return false;
	/* "[task retry-1]": the task is the first word. */
	for (name = 1; name + 1 < tag && raw[at + name] != ' '; name++)
		;
	snprintf(task, size, "%.*s", (int)(name - 1), raw + at + 1);
	*text = raw + at + tag + (raw[at + tag] == ' ');
	return true;
}

/* A task's own colour in a merged log, the same on every line: its name hashed (FNV-1a)
 * onto the palette; a retry's tag ("[task retry-1]") keeps its task's colour. */
static enum style
view_logs_tag_style(const char *tag, size_t len)
{
	static const enum style palette[] = { STYLE_TASK_1, STYLE_TASK_2, STYLE_TASK_3,
		                              STYLE_TASK_4, STYLE_TASK_5 };
	uint32_t h = 2166136261u;

	for (size_t i = 1; i + 1 < len && tag[i] != ' '; i++)
		h = (h ^ (unsigned char)tag[i]) * 16777619u;
	return palette[h % ARRAY_SIZE(palette)];
}

/* A spec's line: its comment dim, a list's "- " dim, a key (before ": ") as a label. */
static void
view_logs_yaml(struct view_logs *v)
{
	const char *t = v->text.buf ? v->text.buf : "";
	size_t n = v->text.len, i = 0, key;

	while (i < n && t[i] == ' ')
		i++;
	while (i + 1 < n && t[i] == '-' && t[i + 1] == ' ') {
		memset(v->styles + i, STYLE_DIM, 2);
		for (i += 2; i < n && t[i] == ' '; i++)
			;
	}
	if (i < n && t[i] == '#') {
		memset(v->styles + i, STYLE_DIM, n - i);
		return;
	}
	/* A plain key: no quote or brace before its colon, the colon at the end or before a space. */
	for (key = i; key < n && !strchr("\"'{[#", t[key]); key++)
		if (t[key] == ':' && (key + 1 == n || t[key + 1] == ' ')) {
			memset(v->styles + i, STYLE_LABEL, key - i);
			return;
		}
}

/* Cleans raw into v->text and v->styles: what a terminal would show, styled by meaning. */
static void
view_logs_clean(struct view_logs *v, const char *raw)
{
	struct view_logs_clean cl = { .v = v, .base = STYLE_NORMAL, .sgr = VIEW_LOGS_NO_SGR };
	struct view_logs_clean start;
	size_t n = strlen(raw), i = 0, mark;
	const char *msg, *end;

	strbuf_reset(&v->text);
	if (strcmp(raw, LOG_TAIL_GAP) == 0) {
		view_logs_put(&cl, raw, n, STYLE_WARN);
		return;
	}
	if ((i = view_logs_time_len(raw)) > 0) {
		size_t tag;

		if (v->timestamps)
			view_logs_put(&cl, raw, i, STYLE_DIM);
		tag = view_logs_tag_len(raw + i);
		if (tag) {
			view_logs_put(&cl, raw + i, tag, view_logs_tag_style(raw + i, tag));
			i += tag;
			if (strncmp(raw + i, "[osmo]", 6) == 0) {
				cl.base = STYLE_DIM;
				view_logs_put(&cl, raw + i, 6, cl.base);
				i += 6;
			}
			if (raw[i] == ' ')
				view_logs_put(&cl, raw + i++, 1, cl.base);
		}
	}
	/* Progress bars redraw after \r: the last part that shows something wins, so no control
	 * or blank after a \r hides the text before it. */
	while (n > i && raw[n - 1] == '\r')
		n--;
	start = cl;
	mark = v->text.len;
	for (end = raw + n;; end = msg - 1) {
		for (msg = end; msg > raw + i && msg[-1] != '\r'; msg--)
			;
		cl = start;
		v->text.len = mark;
		view_logs_message(&cl, msg, (size_t)(end - msg));
		if (msg == raw + i || (v->text.len > mark &&
		                       view_logs_visible(v->text.buf + mark, v->text.len - mark)))
			break;
	}
	if (v->text.buf)
		v->text.buf[v->text.len] = '\0';
	if (v->yaml)
		view_logs_yaml(v);
	/* A diff's removed and added lines, whole. */
	if (v->diff && v->text.len >= 2 && v->text.buf[1] == ' ' &&
	    (v->text.buf[0] == '-' || v->text.buf[0] == '+'))
		memset(v->styles, v->text.buf[0] == '-' ? STYLE_ERROR : STYLE_STATUS_DONE,
		       v->text.len);
}

char *
view_logs_plain(const char *raw)
{
	struct view_logs v;
	char *out;

	view_logs_init(&v);
	view_logs_clean(&v, raw);
	out = xstrdup(v.text.buf ? v.text.buf : "");
	view_logs_free(&v);
	return out;
}

static char
view_logs_lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* Smart case: a pattern without capitals ignores case. */
static bool
view_logs_fold(const char *pat)
{
	for (; *pat; pat++)
		if (*pat >= 'A' && *pat <= 'Z')
			return false;
	return true;
}

static bool
view_logs_find(const char *pat, bool fold, const char *s, size_t n, size_t from, size_t *at)
{
	size_t m = strlen(pat);

	for (size_t i = from; m && i + m <= n; i++) {
		size_t k = 0;

		while (k < m && (fold ? view_logs_lower(s[i + k]) : s[i + k]) == pat[k])
			k++;
		if (k == m) {
			*at = i;
			return true;
		}
	}
	return false;
}

static bool
view_logs_line_matches(struct view_logs *v, const struct log_tail *lt, uint64_t a)
{
	size_t at;

	view_logs_clean(v, view_logs_raw(lt, a));
	return view_logs_find(v->search, view_logs_fold(v->search), v->text.buf, v->text.len, 0,
	                      &at);
}

static size_t
view_logs_index_at(const struct view_logs_index *ix, uint64_t a)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ix->at[mid] < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool
view_logs_index_has(const struct view_logs_index *ix, uint64_t a)
{
	size_t i = view_logs_index_at(ix, a);

	return i < ix->n && ix->at[i] == a;
}

static void
view_logs_index_push(struct view_logs_index *ix, uint64_t a)
{
	if (ix->n == ix->cap) {
		ix->cap = ix->cap ? ix->cap * 2 : 64;
		ix->at = xreallocarray(ix->at, ix->cap, sizeof(*ix->at));
	}
	ix->at[ix->n++] = a;
}

/* Forgets lines the ring dropped, and everything when the ring was refilled. */
static void
view_logs_index_trim(struct view_logs_index *ix, const struct log_tail *lt)
{
	uint64_t first = view_logs_first(lt);
	size_t gone = view_logs_index_at(ix, first);

	if (lt->appended < ix->scanned) {
		gone = ix->n;
		ix->scanned = first;
	}
	if (gone) {
		memmove(ix->at, ix->at + gone, (ix->n - gone) * sizeof(*ix->at));
		ix->n -= gone;
	}
	if (ix->scanned < first)
		ix->scanned = first;
}

static bool
view_logs_filtering(const struct view_logs *v)
{
	return (v->filter && v->search) || v->tasks.n;
}

/* Whether a line of the ring passes the task filter: the gap marker always does. */
static bool
view_logs_task_ok(const struct view_logs *v, const char *raw)
{
	char task[VIEW_LOGS_TAG_MAX];
	const char *text;

	if (!v->tasks.n || strcmp(raw, LOG_TAIL_GAP) == 0)
		return true;
	return view_logs_line_task(raw, task, sizeof(task), &text) &&
	       strv_contains(&v->tasks, task);
}

/* What the lines shown were chosen by: the '&' pattern and the tasks. */
static char *
view_logs_shown_key(const struct view_logs *v, const struct log_tail *lt)
{
	struct strbuf sb = { 0 };

	strbuf_addf(&sb, "%p %d %s", (const void *)lt, v->timestamps,
	            v->filter && v->search ? v->search : "");
	for (size_t i = 0; i < v->tasks.n; i++)
		strbuf_addf(&sb, "\x1f%s", v->tasks.v[i]);
	return strbuf_detach(&sb);
}

/* Error-looking lines, scanned once each as they arrive. */
static void
view_logs_sync_errors(struct view_logs *v, const struct log_tail *lt)
{
	if (!v->has_errors_re)
		return;
	view_logs_index_trim(&v->errs, lt);
	for (; v->errs.scanned < lt->appended; v->errs.scanned++) {
		view_logs_clean(v, view_logs_raw(lt, v->errs.scanned));
		if (v->text.buf && regexec(&v->errors_re, v->text.buf, 0, NULL, 0) == 0)
			view_logs_index_push(&v->errs, v->errs.scanned);
	}
	if (v->error != VIEW_LOGS_NONE && !view_logs_index_has(&v->errs, v->error))
		v->error = VIEW_LOGS_NONE;
}

/* The lines a filter lets through, rebuilt when the filter changes. */
static void
view_logs_sync_shown(struct view_logs *v, const struct log_tail *lt)
{
	char *key;

	if (!view_logs_filtering(v)) {
		free(v->shown_key);
		v->shown_key = NULL;
		v->shown.n = 0;
		return;
	}
	key = view_logs_shown_key(v, lt);
	if (!v->shown_key || strcmp(key, v->shown_key) != 0) {
		free(v->shown_key);
		v->shown_key = key;
		v->shown.n = 0;
		v->shown.scanned = view_logs_first(lt);
	} else {
		free(key);
	}
	view_logs_index_trim(&v->shown, lt);
	for (; v->shown.scanned < lt->appended; v->shown.scanned++) {
		uint64_t a = v->shown.scanned;

		if ((!v->filter || !v->search || view_logs_index_has(&v->hits, a)) &&
		    view_logs_task_ok(v, view_logs_raw(lt, a)))
			view_logs_index_push(&v->shown, a);
	}
}

/* Brings hits up to date: forget dropped lines, scan only lines that arrived since. */
static void
view_logs_sync(struct view_logs *v, const struct log_tail *lt)
{
	view_logs_sync_errors(v, lt);
	if (!v->search) {
		v->hits.n = 0;
		v->match = VIEW_LOGS_NONE;
		free(v->hits_pattern);
		v->hits_pattern = NULL;
		view_logs_sync_shown(v, lt);
		return;
	}
	if (v->hits_lt != lt || v->hits_timestamps != v->timestamps || !v->hits_pattern ||
	    strcmp(v->hits_pattern, v->search) != 0) {
		v->hits.n = 0;
		v->hits.scanned = view_logs_first(lt);
		v->hits_lt = lt;
		v->hits_timestamps = v->timestamps;
		free(v->hits_pattern);
		v->hits_pattern = xstrdup(v->search);
	}
	view_logs_index_trim(&v->hits, lt);
	for (; v->hits.scanned < lt->appended; v->hits.scanned++)
		if (view_logs_line_matches(v, lt, v->hits.scanned))
			view_logs_index_push(&v->hits, v->hits.scanned);
	if (v->match != VIEW_LOGS_NONE && !view_logs_index_has(&v->hits, v->match))
		v->match = VIEW_LOGS_NONE;
	view_logs_sync_shown(v, lt);
}

/* Whether line a is shown as the filters stand (after a sync). */
static bool
view_logs_is_shown(const struct view_logs *v, uint64_t a)
{
	return !view_logs_filtering(v) || view_logs_index_has(&v->shown, a);
}

/* The first shown line at or after a; lt->appended when there is none. */
static uint64_t
view_logs_from(const struct view_logs *v, const struct log_tail *lt, uint64_t a)
{
	size_t i;

	if (a < view_logs_first(lt))
		a = view_logs_first(lt);
	if (a >= lt->appended || !view_logs_filtering(v))
		return a < lt->appended ? a : lt->appended;
	i = view_logs_index_at(&v->shown, a);
	return i < v->shown.n ? v->shown.at[i] : lt->appended;
}

/* The last shown line at or before a; false when there is none. */
static bool
view_logs_upto(const struct view_logs *v, const struct log_tail *lt, uint64_t a, uint64_t *out)
{
	size_t i;

	if (lt->count == 0 || a < view_logs_first(lt))
		return false;
	if (a >= lt->appended)
		a = lt->appended - 1;
	if (!view_logs_filtering(v)) {
		*out = a;
		return true;
	}
	i = view_logs_index_at(&v->shown, a + 1);
	if (i == 0)
		return false;
	*out = v->shown.at[i - 1];
	return true;
}

/* Draws one code point at screen column at, or the visible half of a wide one cut on the left. */
static void
view_logs_cell(struct canvas *c, int row, int col, int cols, int at, int w, enum style st,
               const char *s, size_t len)
{
	char buf[8];

	if (at >= 0 && at + w <= cols) {
		memcpy(buf, s, len);
		buf[len] = '\0';
		canvas_text(c, row, col + at, w, st, buf);
	} else if (at < 0 && at + w > 0) {
		canvas_fill(c, row, col, at + w, ' ', st);
	}
}

/*
 * Lays v->text out in cols columns, wrapped or cut at hscroll. With c, draws its rows
 * [skip, skip + max) from row. Returns the rows it takes; *width gets its columns.
 */
static int
view_logs_layout(struct view_logs *v, struct canvas *c, int row, int col, int cols, int skip,
                 int max, int *width)
{
	const char *s = v->text.buf;
	size_t n = v->text.len, i = 0;
	int r = 0, x = 0, total = 0;

	while (i < n) {
		uint32_t cp;
		size_t len = text_decode(s + i, n - i, &cp);
		int w = text_cp_width(cp), at;

		if (w < 0)
			w = 1;
		if (v->wrap && x > 0 && x + w > cols) {
			r++;
			x = 0;
		}
		at = v->wrap ? x : x - v->hscroll;
		if (c && w > 0 && r >= skip && r - skip < max)
			view_logs_cell(c, row + r - skip, col, cols, at, w,
			               (enum style)v->styles[i], s + i, len);
		x += w;
		total += w;
		i += len;
	}
	if (width)
		*width = total;
	return r + 1;
}

static int
view_logs_rows(struct view_logs *v, const struct log_tail *lt, uint64_t a)
{
	if (!v->wrap || v->page_cols <= 0)
		return 1;
	view_logs_clean(v, view_logs_raw(lt, a));
	return view_logs_layout(v, NULL, 0, 0, v->page_cols, 0, 0, NULL);
}

static int
view_logs_page_rows(const struct view_logs *v)
{
	return v->page_rows > 0 ? v->page_rows : 1;
}

/* Where the top must be for the newest shown line to end on the last row. */
static void
view_logs_bottom(struct view_logs *v, const struct log_tail *lt, uint64_t *top, int *top_row)
{
	int rows = view_logs_page_rows(v), total = 0;
	uint64_t a;

	*top = view_logs_from(v, lt, 0);
	*top_row = 0;
	if (!view_logs_upto(v, lt, lt->appended, &a))
		return;
	for (;;) {
		total += view_logs_rows(v, lt, a);
		if (total >= rows) {
			*top = a;
			*top_row = total - rows;
			return;
		}
		if (a == 0 || !view_logs_upto(v, lt, a - 1, &a))
			return;
	}
}

static bool
view_logs_below(uint64_t a, int a_row, uint64_t b, int b_row)
{
	return a > b || (a == b && a_row > b_row);
}

/* Puts top on a shown line in the ring, no further down than the bottom position. */
static void
view_logs_settle(struct view_logs *v, const struct log_tail *lt)
{
	uint64_t bottom, a;
	int bottom_row, rows;

	view_logs_sync(v, lt);
	view_logs_bottom(v, lt, &bottom, &bottom_row);
	if (v->follow) {
		v->top = bottom;
		v->top_row = bottom_row;
		return;
	}
	a = view_logs_from(v, lt, v->top);
	if (a >= lt->appended && !view_logs_upto(v, lt, v->top, &a)) {
		v->top = bottom;
		v->top_row = 0;
		return;
	}
	if (a != v->top || v->top_row < 0)
		v->top_row = 0;
	v->top = a;
	rows = view_logs_rows(v, lt, a);
	if (v->top_row >= rows)
		v->top_row = rows - 1;
	if (view_logs_below(v->top, v->top_row, bottom, bottom_row)) {
		v->top = bottom;
		v->top_row = bottom_row;
	}
}

void
view_logs_scroll(struct view_logs *v, const struct log_tail *lt, int n)
{
	uint64_t bottom, a;
	int bottom_row;

	view_logs_settle(v, lt);
	if (n < 0)
		v->follow = false;
	if (v->top >= lt->appended)
		return;
	view_logs_bottom(v, lt, &bottom, &bottom_row);
	while (n < 0) {
		if (v->top_row > 0) {
			int take = -n < v->top_row ? -n : v->top_row;

			v->top_row -= take;
			n += take;
			continue;
		}
		if (v->top == 0 || !view_logs_upto(v, lt, v->top - 1, &a))
			break;
		v->top = a;
		v->top_row = view_logs_rows(v, lt, a) - 1;
		n++;
	}
	while (n > 0 && view_logs_below(bottom, bottom_row, v->top, v->top_row)) {
		int rest = view_logs_rows(v, lt, v->top) - 1 - v->top_row;

		if (rest > 0) {
			int take = n < rest ? n : rest;

			v->top_row += take;
			n -= take;
			continue;
		}
		a = view_logs_from(v, lt, v->top + 1);
		if (a >= lt->appended)
			break;
		v->top = a;
		v->top_row = 0;
		n--;
	}
	view_logs_settle(v, lt);
}

void
view_logs_page(struct view_logs *v, const struct log_tail *lt, int n)
{
	int page = view_logs_page_rows(v);

	if (n > INT32_MAX / page)
		n = INT32_MAX / page;
	if (n < -(INT32_MAX / page))
		n = -(INT32_MAX / page);
	view_logs_scroll(v, lt, n * page);
}

void
view_logs_jump(struct view_logs *v, const struct log_tail *lt, bool bottom)
{
	v->follow = bottom;
	v->top = 0;
	v->top_row = 0;
	view_logs_settle(v, lt);
}

void
view_logs_hscroll(struct view_logs *v, int n)
{
	/* Stop where the widest line of the last render ends. */
	int most = v->page_width > v->page_cols ? v->page_width - v->page_cols : 0;
	long h = (long)v->hscroll + n;

	if (v->wrap)
		return;
	v->hscroll = h < 0 ? 0 : h > most ? most : (int)h;
}

void
view_logs_toggle(struct view_logs *v, const struct log_tail *lt, enum view_logs_flag f)
{
	bool *flag;

	if ((size_t)f >= ARRAY_SIZE(view_logs_flags))
		return;
	/* Freeze where following has put us before anything changes. */
	view_logs_settle(v, lt);
	flag = (bool *)((char *)v + view_logs_flags[f]);
	*flag = !*flag;
	if (f == VIEW_LOGS_WRAP) {
		v->top_row = 0;
		v->hscroll = 0;
	}
	view_logs_settle(v, lt);
}

/* Whether line a starts on the page as it stands. */
static bool
view_logs_on_page(struct view_logs *v, const struct log_tail *lt, uint64_t a)
{
	int rows = view_logs_page_rows(v), used = -v->top_row;
	uint64_t b = v->top;

	if (a < v->top)
		return false;
	while (b < a) {
		used += view_logs_rows(v, lt, b);
		if (used >= rows)
			return false;
		b = view_logs_from(v, lt, b + 1);
	}
	return b == a;
}

/* The last line that starts on the page as it stands. */
static uint64_t
view_logs_page_last(struct view_logs *v, const struct log_tail *lt)
{
	int rows = view_logs_page_rows(v), used = -v->top_row;
	uint64_t b = v->top, last = v->top;

	while (b < lt->appended && used < rows) {
		last = b;
		used += view_logs_rows(v, lt, b);
		b = view_logs_from(v, lt, b + 1);
	}
	return last;
}

/* Makes a the current match and brings it onto the page, at the top if it was off it. */
static void
view_logs_show(struct view_logs *v, const struct log_tail *lt, uint64_t a)
{
	v->match = a;
	v->follow = false;
	if (!view_logs_on_page(v, lt, a)) {
		v->top = a;
		v->top_row = 0;
	}
	view_logs_settle(v, lt);
}

bool
view_logs_next(struct view_logs *v, const struct log_tail *lt, bool forward)
{
	size_t i;

	view_logs_settle(v, lt);
	if (!v->hits.n)
		return false;
	if (v->match != VIEW_LOGS_NONE)
		i = view_logs_index_at(&v->hits, v->match) + (forward ? 1 : 0);
	else if (forward)
		i = view_logs_index_at(&v->hits, v->top);
	else
		i = view_logs_index_at(&v->hits, view_logs_page_last(v, lt) + 1);
	/* Matches a task filter hides are stepped over. */
	for (size_t k = 0; k < v->hits.n; k++) {
		if (forward)
			i = i < v->hits.n ? i : 0;
		else
			i = i > 0 ? i - 1 : v->hits.n - 1;
		if (view_logs_is_shown(v, v->hits.at[i])) {
			view_logs_show(v, lt, v->hits.at[i]);
			return true;
		}
		i += forward;
	}
	return false;
}

bool
view_logs_next_error(struct view_logs *v, const struct log_tail *lt, bool forward)
{
	const struct view_logs_index *e = &v->errs;
	size_t i;

	view_logs_settle(v, lt);
	if (v->error != VIEW_LOGS_NONE)
		i = view_logs_index_at(e, v->error) + (forward ? 1 : 0);
	else
		i = forward ? 0 : e->n;
	for (size_t k = 0; k < e->n; k++) {
		if (forward)
			i = i < e->n ? i : 0;
		else
			i = i > 0 ? i - 1 : e->n - 1;
		if (view_logs_is_shown(v, e->at[i])) {
			uint64_t match = v->match;

			view_logs_show(v, lt, e->at[i]);
			v->match = match;
			v->error = e->at[i];
			return true;
		}
		i += forward;
	}
	return false;
}

size_t
view_logs_errors(struct view_logs *v, const struct log_tail *lt, size_t *rank)
{
	size_t n = 0;

	view_logs_sync(v, lt);
	*rank = 0;
	for (size_t i = 0; i < v->errs.n; i++) {
		if (!view_logs_is_shown(v, v->errs.at[i]))
			continue;
		n++;
		if (v->errs.at[i] == v->error)
			*rank = n;
	}
	return n;
}

void
view_logs_set_tasks(struct view_logs *v, const struct log_tail *lt, const struct strv *tasks)
{
	view_logs_settle(v, lt);
	strv_free(&v->tasks);
	for (size_t i = 0; tasks && i < tasks->n; i++)
		if (!strv_contains(&v->tasks, tasks->v[i]))
			strv_push(&v->tasks, tasks->v[i]);
	view_logs_settle(v, lt);
}

bool
view_logs_current_task(struct view_logs *v, const struct log_tail *lt, char *task, size_t size)
{
	uint64_t a;
	const char *text;

	view_logs_settle(v, lt);
	if (v->top >= lt->appended)
		return false;
	if (v->error != VIEW_LOGS_NONE && view_logs_on_page(v, lt, v->error))
		a = v->error;
	else if (v->match != VIEW_LOGS_NONE && view_logs_on_page(v, lt, v->match))
		a = v->match;
	else
		a = view_logs_page_last(v, lt);
	return view_logs_line_task(view_logs_raw(lt, a), task, size, &text);
}

bool
view_logs_each(struct view_logs *v, const struct log_tail *lt, bool all, uint64_t *a,
               const char **text)
{
	uint64_t next = *a == VIEW_LOGS_NONE ? view_logs_first(lt) : *a + 1;

	if (*a == VIEW_LOGS_NONE)
		view_logs_sync(v, lt);
	if (!all)
		next = view_logs_from(v, lt, next);
	if (next < view_logs_first(lt))
		next = view_logs_first(lt);
	if (next >= lt->appended)
		return false;
	*a = next;
	if (all) {
		*text = view_logs_raw(lt, next);
	} else {
		view_logs_clean(v, view_logs_raw(lt, next));
		*text = v->text.buf ? v->text.buf : "";
	}
	return true;
}

bool
view_logs_search(struct view_logs *v, const struct log_tail *lt, const char *pattern)
{
	free(v->search);
	v->search = pattern && pattern[0] ? xstrdup(pattern) : NULL;
	v->match = VIEW_LOGS_NONE;
	view_logs_settle(v, lt);
	if (!v->hits.n)
		return false;
	if (v->follow) {
		view_logs_show(v, lt, v->hits.at[v->hits.n - 1]);
		return true;
	}
	return view_logs_next(v, lt, true);
}

size_t
view_logs_matches(struct view_logs *v, const struct log_tail *lt, size_t *rank)
{
	view_logs_sync(v, lt);
	*rank = v->match != VIEW_LOGS_NONE ? view_logs_index_at(&v->hits, v->match) + 1 : 0;
	return v->hits.n;
}

static void
view_logs_highlight(struct view_logs *v, uint64_t a)
{
	enum style st = a == v->match ? STYLE_SELECTED : STYLE_WARN;
	size_t m = strlen(v->search), from = 0, at;
	bool fold = view_logs_fold(v->search);

	while (view_logs_find(v->search, fold, v->text.buf, v->text.len, from, &at)) {
		memset(v->styles + at, st, m);
		from = at + m;
	}
}

/* Adds s cut to max columns, ending in "…" when cut. */
static void
view_logs_add_clipped(struct strbuf *sb, const char *s, int max)
{
	size_t len = strlen(s);
	int used = 0;

	if (text_width(s) <= (size_t)max) {
		strbuf_addstr(sb, s);
		return;
	}
	while (len) {
		uint32_t cp;
		size_t n = text_decode(s, len, &cp);
		int w = text_cp_width(cp);

		w = w < 0 ? 1 : w;
		if (used + w > max - 1)
			break;
		strbuf_add(sb, s, n);
		used += w;
		s += n;
		len -= n;
	}
	strbuf_addstr(sb, "…");
}

static void
view_logs_title(const struct log_tail *lt, struct view_logs *v, const char *title, struct canvas *c,
                int row, int col, int cols)
{
	struct strbuf sb = { 0 };
	size_t rank, n = view_logs_matches(v, lt, &rank);
	int room, used;

	/* Which tasks first: it is what a narrow title must still say. */
	if (v->tasks.n) {
		struct strbuf names = { 0 };

		for (size_t i = 0; i < v->tasks.n; i++)
			strbuf_addf(&names, "%s%s", i ? ", " : "", v->tasks.v[i]);
		strbuf_addstr(&sb, v->tasks.n == 1 ? " · task " : " · tasks ");
		view_logs_add_clipped(&sb, names.buf, VIEW_LOGS_TASKS_MAX);
		strbuf_free(&names);
	}
	strbuf_addf(&sb, " · %zu line%s", lt->count, lt->count == 1 ? "" : "s");
	if (lt->dropped)
		strbuf_addf(&sb, " (%" PRIu64 " dropped)", lt->dropped);
	/* A page is not followed: only where it is read. */
	if (v->page) {
		if (lt->count)
			strbuf_addf(&sb, " · line %" PRIu64, v->top + 1);
	} else if (v->follow || !lt->count)
		strbuf_addstr(&sb, v->follow ? " · follow on" : " · follow off");
	else
		strbuf_addf(&sb, " · follow off · line %" PRIu64, v->top + 1);
	if (v->wrap)
		strbuf_addstr(&sb, " · wrap");
	else if (v->hscroll)
		strbuf_addf(&sb, " · col %d", v->hscroll + 1);
	if (!v->timestamps && !v->page)
		strbuf_addstr(&sb, " · no timestamps");
	if (v->search) {
		strbuf_addstr(&sb, " · /");
		view_logs_add_clipped(&sb, v->search, VIEW_LOGS_PATTERN_MAX);
		if (!n)
			strbuf_addstr(&sb, " no match");
		else if (rank)
			strbuf_addf(&sb, " match %zu/%zu", rank, n);
		else
			strbuf_addf(&sb, " %zu match%s", n, n == 1 ? "" : "es");
		if (v->filter)
			strbuf_addstr(&sb, " · filter");
	}
	n = view_logs_errors(v, lt, &rank);
	if (rank)
		strbuf_addf(&sb, " · error %zu/%zu", rank, n);
	/* The caller's title gives way to the state, down to a readable stub. */
	room = cols - (int)text_width(sb.buf);
	if (room < 12)
		room = cols < 12 ? cols : 12;
	canvas_fill(c, row, col, cols, ' ', STYLE_TITLE);
	used = canvas_text_ellipsis(c, row, col, room, STYLE_TITLE, title ? title : "logs");
	canvas_text_ellipsis(c, row, col + used, cols - used, STYLE_TITLE, sb.buf);
	strbuf_free(&sb);
}

/* An error-looking line's pattern in its own look: the current one as a match is. */
static void
view_logs_highlight_error(struct view_logs *v, uint64_t a)
{
	regmatch_t m;

	if (!v->text.buf || regexec(&v->errors_span_re, v->text.buf, 1, &m, 0) != 0 ||
	    m.rm_so < 0 || m.rm_eo <= m.rm_so)
		return;
	memset(v->styles + m.rm_so, a == v->error ? STYLE_SELECTED : STYLE_ERROR,
	       (size_t)(m.rm_eo - m.rm_so));
}

/* A shown line's place among the shown lines, from 0. */
static uint64_t
view_logs_rank(const struct view_logs *v, const struct log_tail *lt, uint64_t a)
{
	return view_logs_filtering(v) ? view_logs_index_at(&v->shown, a) : a - view_logs_first(lt);
}

/*
 * The bar at the right edge: where the page is in the log (the thumb) and, on the rows their
 * place maps to, the error-looking lines, so the eye finds them in a long log.
 */
static void
view_logs_bar(const struct render_ctx *rc, struct view_logs *v, const struct log_tail *lt,
              struct canvas *c, int row, int col, int body, uint64_t shown_rows)
{
	bool ascii = rc && rc->ascii;
	uint64_t total = view_logs_filtering(v) ? v->shown.n : lt->count, from, to;

	if (!total || body <= 0)
		return;
	from = v->top < lt->appended ? view_logs_rank(v, lt, v->top) : total;
	to = from + shown_rows;
	/* A log shorter than the page: a row a line, so a mark sits beside its line. */
	if (total < (uint64_t)body)
		total = (uint64_t)body;
	for (int r = 0; r < body; r++) {
		uint64_t lo = total * (uint64_t)r / (uint64_t)body;
		uint64_t hi = total * (uint64_t)(r + 1) / (uint64_t)body;
		bool thumb;

		hi = hi > lo ? hi : lo + 1; /* a short log: each line spans rows */
		thumb = hi > from && lo < to;
		canvas_text(c, row + r, col, 1, STYLE_DIM,
		            thumb ? (ascii ? "#" : "┃") : (ascii ? "|" : "│"));
	}
	for (size_t i = 0; i < v->errs.n; i++) {
		uint64_t a = v->errs.at[i];
		int r;

		if (!view_logs_is_shown(v, a))
			continue;
		r = (int)(view_logs_rank(v, lt, a) * (uint64_t)body / total);
		canvas_text(c, row + r, col, 1, a == v->error ? STYLE_SELECTED : STYLE_ERROR,
		            ascii ? "!" : "●");
	}
}

void
view_logs_render(const struct render_ctx *rc, const struct log_tail *lt, struct view_logs *v,
                 const char *title, const char *state_line, struct canvas *c, int row, int col,
                 int rows, int cols)
{
	int body = rows - 1 - (state_line && rows > 1 ? 1 : 0), r = 0, widest = 0;
	bool bar;
	uint64_t lines_shown = 0;

	if (rows <= 0 || cols <= 0)
		return;
	v->page_rows = body;
	v->page_cols = cols;
	view_logs_settle(v, lt);
	/* The bar takes a column only where there is an error-looking line to point at. */
	bar = v->errs.n && cols >= VIEW_LOGS_BAR_MIN;
	if (bar) {
		v->page_cols = --cols;
		view_logs_settle(v, lt);
	}
	if (body > 0 && lt->count == 0 && v->ended) {
		canvas_text(c, row + 1, col + 1, cols - 1, STYLE_DIM, v->empty);
	} else if (body > 0 && lt->count == 0) {
		char *wait =
		        xasprintf("waiting for %s%s", v->awaited, rc && rc->ascii ? "..." : "…");

		canvas_text(c, row + 1, col + 1, cols - 1, STYLE_DIM, wait);
		free(wait);
	} else if (body > 0 && v->top >= lt->appended) {
		struct strbuf sb = { 0 };

		if (v->filter && v->search)
			strbuf_addf(&sb, "no line matches /%s", v->search);
		else
			strbuf_addstr(&sb, "no line of these tasks yet");
		canvas_text_ellipsis(c, row + 1, col + 1, cols - 1, STYLE_DIM, sb.buf);
		strbuf_free(&sb);
	}
	for (uint64_t a = v->top, skip = (uint64_t)v->top_row; r < body && a < lt->appended;
	     skip = 0) {
		int width, n;

		view_logs_clean(v, view_logs_raw(lt, a));
		if (view_logs_index_has(&v->errs, a))
			view_logs_highlight_error(v, a);
		if (v->search)
			view_logs_highlight(v, a);
		n = view_logs_layout(v, c, row + 1 + r, col, cols, (int)skip, body - r, &width);
		r += n - (int)skip;
		widest = width > widest ? width : widest;
		a = view_logs_from(v, lt, a + 1);
		lines_shown++;
	}
	v->page_width = widest;
	if (bar)
		view_logs_bar(rc, v, lt, c, row + 1, col + cols, body, lines_shown);
	view_logs_title(lt, v, title, c, row, col, cols + bar);
	if (state_line && rows > 1)
		canvas_text_ellipsis(c, row + rows - 1, col, cols, STYLE_DIM, state_line);
}
