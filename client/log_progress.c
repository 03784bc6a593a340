/* log_progress.c: progress counters, a metric and the pace of logging, read from tasks' log lines. */
#include "client/log_progress.h"

#include <locale.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* Subexpressions our patterns need room for. */
#define LOG_PROGRESS_SUBS 8

/*
 * A progress text: its kind, a text the line must hold (any case) before the regex (extended,
 * any case) is tried, the subexpressions of the count, its total (0: of 100) and a bar's own
 * estimate of the time left (0: none); current: the count names the one under way ("Epoch 3/10"
 * runs the third), so one fewer is done.
 */
struct log_progress_pattern {
	enum log_progress_kind kind;
	const char *hint;
	const char *re;
	unsigned done, total, left;
	bool current;
};

/* A counter after its word: "step 120/1000", "Step 120 of 1000", "Epoch: [3/10]", "step=5 / 50". */
#define LOG_PROGRESS_COUNTER(word)                                                            \
	"(^|[^[:alnum:]])" word "[ \t]*[:=#]?[ \t]*\\[?[ \t]*([0-9]{1,15})[ \t]*(/|of)[ \t]*" \
	"([0-9]{1,15})([^0-9]|$)"

/* Kinds in any order (log_progress_read ranks them); of two rows of a kind, the first that matches. */
static const struct log_progress_pattern log_progress_patterns[] = {
	/* tqdm: " 45%|████▌     | 450/1000 [00:30<00:37, 15.0it/s]", counts maybe "4.50k/10.0k". */
	{ LOG_PROGRESS_BAR, "%|",
	  "([0-9]{1,3})%\\|[^|]*\\| *([0-9.]{1,15}[kMGTPEZY]?)/([0-9.]{1,15}[kMGTPEZY]?)"
	  "( *\\[[0-9:]{1,12}<([0-9:]{1,12}))?",
	  2, 3, 5, false },
	/* Keras: "450/1000 [=====>........................] - ETA: 37s - loss: 0.3012". */
	{ LOG_PROGRESS_BAR, "/", "(^|[^0-9/])([0-9]{1,15})/([0-9]{1,15}) +\\[[=>.]{10,}\\]", 2, 3,
	  0, false },
	{ LOG_PROGRESS_ITER, "iter", LOG_PROGRESS_COUNTER("iter(ation)?s?"), 3, 5, 0, false },
	{ LOG_PROGRESS_STEP, "step", LOG_PROGRESS_COUNTER("steps?"), 2, 4, 0, false },
	{ LOG_PROGRESS_EPOCH, "epoch", LOG_PROGRESS_COUNTER("epochs?"), 2, 4, 0, true },
	/* A bare "45%" or "99.5%", not a tqdm bar's "45%|" nor a "%%". */
	{ LOG_PROGRESS_PERCENT, "%", "(^|[^[:alnum:].%])([0-9]{1,3}(\\.[0-9]{1,6})?)%([^|%]|$)", 2,
	  0, 0, false },
};

#define LOG_PROGRESS_N_PATTERNS ARRAY_SIZE(log_progress_patterns)

static const char *const log_progress_kind_names[] = {
#define LOG_PROGRESS_KIND_NAME(name, text) [LOG_PROGRESS_##name] = text,
	LOG_PROGRESS_KINDS(LOG_PROGRESS_KIND_NAME)
#undef LOG_PROGRESS_KIND_NAME
};

/* The sparkline's eight levels, lowest first: block elements, or ASCII. */
static const char *const log_progress_levels[2][8] = {
	{ "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588" },
	{ " ", ".", ":", "-", "=", "+", "*", "#" },
};

/* How the stall words say a duration: units, with the next smaller one beside a large one. */
static const struct {
	int64_t below_ms, unit_ms, sub_ms;
	const char *unit, *sub;
} log_progress_spans[] = {
	{ 60 * 1000, 1000, 0, "s", "" },
	{ 3600 * 1000, 60 * 1000, 0, "m", "" },
	{ 86400 * 1000, 3600 * 1000, 60 * 1000, "h", "m" },
	{ INT64_MAX, 86400 * 1000, 3600 * 1000, "d", "h" },
};

struct log_progress {
	regex_t patterns[LOG_PROGRESS_N_PATTERNS];
	regex_t metric;
	bool has_metric;
	struct log_progress_task *tasks[LOG_PROGRESS_MAX_TASKS];
	size_t n_tasks;
	uint64_t seq; /* feeds so far */
};

const char *
log_progress_kind_name(enum log_progress_kind kind)
{
	return (unsigned)kind < LOG_PROGRESS_KIND_COUNT ? log_progress_kind_names[kind] : "";
}

/* ---- rings: next is the slot the next item goes to, count how many are held ---- */

/* The slot to write a new item to, counted in. */
static size_t
log_progress_push(size_t *next, size_t *count, size_t cap)
{
	size_t slot = *next;

	*next = (*next + 1) % cap;
	if (*count < cap)
		(*count)++;
	return slot;
}

/* The slot of item i (0: the oldest) of the newest n. */
static size_t
log_progress_slot(size_t next, size_t cap, size_t n, size_t i)
{
	return (next + cap - n + i) % cap;
}

static int
log_progress_cmp_ms(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The median of v[0..n) (n > 0; v is sorted in place). */
static int64_t
log_progress_median(int64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), log_progress_cmp_ms);
	return n % 2 ? v[n / 2] : v[n / 2 - 1] + (v[n / 2] - v[n / 2 - 1]) / 2;
}

/* ---- reading a line ---- */

/* Where the escape sequence at s[i] (ESC) ends: a CSI after its final byte, a string (OSC,
 * DCS...) after its BEL or ST, anything else after the byte that follows ESC. */
static size_t
log_progress_escape_end(const unsigned char *s, size_t n, size_t i)
{
	if (i + 1 >= n)
		return n;
	if (s[i + 1] == '[') {
		for (i += 2; i < n && s[i] >= 0x20 && s[i] <= 0x3f; i++)
			;
		return i < n && s[i] >= 0x40 && s[i] <= 0x7e ? i + 1 : i;
	}
	if (s[i + 1] && strchr("]P_^X", s[i + 1])) {
		for (i += 2; i < n; i++)
			if (s[i] == 0x07)
				return i + 1;
			else if (s[i] == 0x1b && i + 1 < n && s[i + 1] == '\\')
				return i + 2;
		return n;
	}
	return i + 2;
}

/* s[0..n) made safe for the regexes into out (n + 1 bytes, terminated): escape sequences
 * dropped, other controls (NUL among them) as spaces, invalid UTF-8 as '?'; its length. */
static size_t
log_progress_clean(const char *s, size_t n, char *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0;

	while (i < n) {
		uint32_t cp;
		size_t k;

		if (p[i] == 0x1b) {
			i = log_progress_escape_end(p, n, i);
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			out[o++] = ' ';
			i++;
		} else if ((k = utf8_valid_len(p + i, n - i, &cp)) == 0) {
			out[o++] = '?';
			i++;
		} else {
			memcpy(out + o, p + i, k);
			o += k;
			i += k;
		}
	}
	out[o] = '\0';
	return o;
}

/* Whether clean text shows anything but blanks. */
static bool
log_progress_visible(const char *s)
{
	for (; *s; s++)
		if (*s != ' ')
			return true;
	return false;
}

/*
 * The part of line[0..len) worth reading, cleaned into buf (LOG_PROGRESS_SCAN + 1 bytes): of
 * its last LOG_PROGRESS_SCAN bytes, what follows the last '\r' that leaves something visible,
 * as a terminal would show a redrawn progress bar. A window that starts inside the line starts
 * after its first blank, so no cut number is read. Returns its length, 0 when blank.
 */
static size_t
log_progress_window(const char *line, size_t len, char *buf)
{
	size_t start = len > LOG_PROGRESS_SCAN ? len - LOG_PROGRESS_SCAN : 0, end = len;

	for (;;) {
		size_t seg = end, from, n;

		while (seg > start && line[seg - 1] != '\r')
			seg--;
		from = seg;
		if (seg == start && start > 0) {
			const char *sp = memchr(line + start, ' ', end - start);

			from = sp ? (size_t)(sp - line) : start;
		}
		n = log_progress_clean(line + from, end - from, buf);
		if (log_progress_visible(buf))
			return n;
		if (seg == start)
			return 0;
		end = seg - 1;
	}
}

/* Whether clean text s holds hint (lower case), in any case. */
static bool
log_progress_has(const char *s, const char *hint)
{
	size_t m = strlen(hint);

	for (; *s; s++) {
		size_t i = 0;

		while (i < m && s[i] && (s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]) == hint[i])
			i++;
		if (i == m)
			return true;
	}
	return false;
}

/*
 * The number that starts s[0..n) after anything that cannot start one: digits with a '.', an
 * exponent, and with si a unit prefix (k, M, G... as tqdm's unit_scale prints); NAN when there
 * is none. By hand, because strtod follows LC_NUMERIC and a user's locale may want a comma.
 */
static double
log_progress_number(const char *s, size_t n, bool si)
{
	static const char prefixes[] = "kmgtpezy";
	uint64_t mant = 0;
	int exp10 = 0;
	bool neg = false, digits = false;
	size_t i = 0;
	double v;

	while (i < n && !(s[i] >= '0' && s[i] <= '9') &&
	       !(i + 1 < n && s[i] && strchr("+-.", s[i]) && s[i + 1] >= '0' && s[i + 1] <= '9'))
		i++;
	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	for (bool frac = false; i < n; i++) {
		if (s[i] == '.' && !frac) {
			frac = true;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			break;
		digits = true;
		/* Digits past what 64 bits hold only scale an integer part. */
		if (mant < UINT64_MAX / 10 - 9) {
			mant = mant * 10 + (uint64_t)(s[i] - '0');
			exp10 -= frac;
		} else {
			exp10 += !frac;
		}
	}
	if (!digits)
		return NAN;
	if (i + 1 < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t j = i + 1;
		bool eneg = s[j] == '-';
		int e = 0;

		j += s[j] == '-' || s[j] == '+';
		for (; j < n && s[j] >= '0' && s[j] <= '9' && e < 1000; j++)
			e = e * 10 + (s[j] - '0');
		if (j > i + 1 && s[j - 1] >= '0' && s[j - 1] <= '9')
			exp10 += eneg ? -e : e;
	} else if (si && i < n && s[i] && strchr(prefixes, s[i] | 0x20)) {
		exp10 += 3 * (int)(strchr(prefixes, s[i] | 0x20) - prefixes + 1);
	}
	/* Dividing by an exact power of ten rounds once: "2.4137" reads as 2.4137. */
	v = exp10 < 0 ? (double)mant / pow(10, -exp10) : (double)mant * pow(10, exp10);
	return neg ? -v : v;
}

/* A bar's "MM:SS" or "H:MM:SS" as ms. */
static int64_t
log_progress_clock(const char *s, size_t n)
{
	int64_t v = 0, field = 0;

	for (size_t i = 0; i < n; i++)
		if (s[i] == ':') {
			v = (v + field) * 60;
			field = 0;
		} else {
			field = field * 10 + (s[i] - '0');
		}
	return (v + field) * 1000;
}

/* Subexpression i of a match in s, as a number. */
static double
log_progress_sub(const char *s, const regmatch_t *m, unsigned i, bool si)
{
	return m[i].rm_so < 0
	               ? NAN
	               : log_progress_number(s + m[i].rm_so, (size_t)(m[i].rm_eo - m[i].rm_so), si);
}

/* Records a counter's reading. */
static void
log_progress_note(struct log_progress_reading *r, double done, double total, double fraction,
                  int64_t now_ms)
{
	if (!r->seen || done != r->done || total != r->total)
		r->advanced_ms = now_ms;
	r->seen = true;
	r->done = done;
	r->total = total;
	r->fraction = fraction;
	r->seen_ms = now_ms;
}

/* Whether the headline counter leaves its place to a coarser one: done, or still too long. */
static bool
log_progress_yields(const struct log_progress_task *t, int64_t now_ms)
{
	const struct log_progress_reading *r = &t->readings[t->kind];

	return t->kind == LOG_PROGRESS_NONE || r->fraction >= 1 ||
	       now_ms - r->advanced_ms >= LOG_PROGRESS_KIND_STALE_MS;
}

/* When the headline should be done (see eta_ms in the header). */
static int64_t
log_progress_eta(const struct log_progress_task *t)
{
	const struct log_progress_sample *old = &t->samples[log_progress_slot(
	        t->sample_next, LOG_PROGRESS_SAMPLES, t->n_samples, 0)];
	double left;

	if (t->fraction >= 1)
		return t->progress_ms;
	if (t->progress_ms > old->ms && t->fraction > old->fraction)
		left = (1 - t->fraction) * (double)(t->progress_ms - old->ms) /
		       (t->fraction - old->fraction);
	else if (t->left_ms >= 0)
		left = (double)t->left_ms;
	else
		return -1;
	return left <= (double)LOG_PROGRESS_ETA_MAX_MS ? t->progress_ms + (int64_t)left : -1;
}

/* The headline counter read anew: its fraction, its rate's samples, its ETA. */
static void
log_progress_advance(struct log_progress_task *t, enum log_progress_kind kind, int64_t left_ms,
                     int64_t now_ms)
{
	const struct log_progress_reading *r = &t->readings[kind];
	struct log_progress_sample *newest;

	/* Another counter, a restarted one or a new total: the old rate says nothing of it. */
	if (kind != t->kind || r->fraction < t->fraction || r->total != t->headline_total)
		t->n_samples = t->sample_next = 0;
	t->kind = kind;
	t->fraction = r->fraction;
	t->headline_total = r->total;
	t->progress_ms = now_ms;
	t->left_ms = left_ms;
	newest = t->n_samples ? &t->samples[log_progress_slot(t->sample_next, LOG_PROGRESS_SAMPLES,
	                                                      t->n_samples, t->n_samples - 1)]
	                      : NULL;
	if (!newest || now_ms - newest->ms >= LOG_PROGRESS_SAMPLE_MS)
		t->samples[log_progress_push(&t->sample_next, &t->n_samples,
		                             LOG_PROGRESS_SAMPLES)] =
		        (struct log_progress_sample){ .ms = now_ms, .fraction = r->fraction };
	t->eta_ms = log_progress_eta(t);
}

/* The progress texts in clean text s: every kind's reading, then the headline. */
static void
log_progress_read(struct log_progress *lp, struct log_progress_task *t, const char *s,
                  int64_t now_ms)
{
	bool matched[LOG_PROGRESS_KIND_COUNT] = { false };
	int64_t left_ms = -1;

	for (size_t i = 0; i < LOG_PROGRESS_N_PATTERNS; i++) {
		const struct log_progress_pattern *p = &log_progress_patterns[i];
		regmatch_t m[LOG_PROGRESS_SUBS];
		double done, total, fraction;

		if (matched[p->kind] || !log_progress_has(s, p->hint) ||
		    regexec(&lp->patterns[i], s, LOG_PROGRESS_SUBS, m, 0) != 0)
			continue;
		done = log_progress_sub(s, m, p->done, true);
		total = p->total ? log_progress_sub(s, m, p->total, true) : 100;
		if (!(done >= 0 && total > 0 && isfinite(done) && isfinite(total)) ||
		    (!p->total && done > total))
			continue;
		fraction = (done - p->current) / total;
		fraction = fraction < 0 ? 0 : fraction > 1 ? 1 : fraction;
		matched[p->kind] = true;
		log_progress_note(&t->readings[p->kind], done, total, fraction, now_ms);
		if (p->left && m[p->left].rm_so >= 0)
			left_ms = log_progress_clock(s + m[p->left].rm_so,
			                             (size_t)(m[p->left].rm_eo - m[p->left].rm_so));
	}
	/* The finest kind read that may take the headline (see kind in the header). */
	for (int k = LOG_PROGRESS_KIND_COUNT - 1; k > LOG_PROGRESS_NONE; k--)
		if (matched[k] && (k >= (int)t->kind || log_progress_yields(t, now_ms))) {
			log_progress_advance(t, (enum log_progress_kind)k,
			                     k == LOG_PROGRESS_BAR ? left_ms : -1, now_ms);
			return;
		}
}

/* The metric's value in clean text s, if it holds one. */
static void
log_progress_metric(struct log_progress *lp, struct log_progress_task *t, const char *s)
{
	regmatch_t m[2];
	double v;

	if (regexec(&lp->metric, s, 2, m, 0) != 0)
		return;
	v = log_progress_sub(s, m, lp->metric.re_nsub >= 1 && m[1].rm_so >= 0, false);
	if (isfinite(v))
		t->values[log_progress_push(&t->value_next, &t->n_values, LOG_PROGRESS_VALUES)] = v;
}

/* A line came: the gap since the last one, unless it belongs to the same burst. */
static void
log_progress_pace(struct log_progress_task *t, int64_t now_ms)
{
	if (t->lines == 0) {
		t->first_ms = t->burst_ms = now_ms;
	} else if (now_ms - t->last_ms >= LOG_PROGRESS_BURST_MS) {
		t->gaps[log_progress_push(&t->gap_next, &t->n_gaps, LOG_PROGRESS_GAPS)] =
		        now_ms - t->last_ms;
		t->burst_ms = now_ms;
	} else if (now_ms - t->burst_ms >= LOG_PROGRESS_MIN_GAPS * LOG_PROGRESS_BURST_MS) {
		/* Lines without a pause for this long: a task that logs all the time. */
		t->steady = true;
	}
	if (t->lines == 0 || now_ms > t->last_ms)
		t->last_ms = now_ms;
	t->lines++;
}

/* ---- tasks ---- */

static struct log_progress_task *
log_progress_find(const struct log_progress *lp, const char *task)
{
	for (size_t i = 0; i < lp->n_tasks; i++)
		if (strcmp(lp->tasks[i]->name, task) == 0)
			return lp->tasks[i];
	return NULL;
}

/* The task named task, made (evicting the least recently fed when full); NULL for no name
 * or one too long to keep. */
static struct log_progress_task *
log_progress_get(struct log_progress *lp, const char *task)
{
	struct log_progress_task *t;

	if (!task || strnlen(task, LOG_PROGRESS_NAME_SIZE) == LOG_PROGRESS_NAME_SIZE)
		return NULL;
	if ((t = log_progress_find(lp, task)))
		return t;
	if (lp->n_tasks < LOG_PROGRESS_MAX_TASKS) {
		t = lp->tasks[lp->n_tasks++] = xmalloc(sizeof(*t));
	} else {
		t = lp->tasks[0];
		for (size_t i = 1; i < lp->n_tasks; i++)
			if (lp->tasks[i]->fed_seq < t->fed_seq)
				t = lp->tasks[i];
	}
	memset(t, 0, sizeof(*t));
	strlcpy_safe(t->name, task, sizeof(t->name));
	t->eta_ms = t->left_ms = -1;
	return t;
}

const struct log_progress_task *
log_progress_task(const struct log_progress *lp, const char *task)
{
	return task ? log_progress_find(lp, task) : NULL;
}

struct log_progress *
log_progress_new(const char *metric_regex, char **err)
{
	struct log_progress *lp = xcalloc(1, sizeof(*lp));
	locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t)0), old;
	char msg[256];
	int rc;

	/* Ours are ASCII: compiled for bytes, not UTF-8, they match twice as fast. */
	if (c == (locale_t)0)
		abort();
	old = uselocale(c);
	for (size_t i = 0; i < LOG_PROGRESS_N_PATTERNS; i++)
		if (regcomp(&lp->patterns[i], log_progress_patterns[i].re,
		            REG_EXTENDED | REG_ICASE))
			abort(); /* ours, and tested: only a broken libc refuses them */
	uselocale(old);
	freelocale(c);
	if (metric_regex) {
		rc = regcomp(&lp->metric, metric_regex, REG_EXTENDED);
		if (rc != 0) {
			regerror(rc, &lp->metric, msg, sizeof(msg));
			if (err)
				*err = xasprintf("metric pattern: %s", msg);
			log_progress_free(lp);
			return NULL;
		}
		lp->has_metric = true;
	}
	return lp;
}

void
log_progress_free(struct log_progress *lp)
{
	if (!lp)
		return;
	for (size_t i = 0; i < LOG_PROGRESS_N_PATTERNS; i++)
		regfree(&lp->patterns[i]);
	if (lp->has_metric)
		regfree(&lp->metric);
	for (size_t i = 0; i < lp->n_tasks; i++)
		free(lp->tasks[i]);
	free(lp);
}

void
log_progress_feed(struct log_progress *lp, const char *task, const char *line, size_t len,
                  int64_t now_ms)
{
	struct log_progress_task *t = log_progress_get(lp, task);
	char buf[LOG_PROGRESS_SCAN + 1];

	if (!t)
		return;
	t->fed_seq = ++lp->seq;
	log_progress_pace(t, now_ms);
	if (!line || log_progress_window(line, len, buf) == 0)
		return;
	log_progress_read(lp, t, buf, now_ms);
	if (lp->has_metric)
		log_progress_metric(lp, t, buf);
}

/* ---- what the views ask ---- */

int64_t
log_progress_usual_gap_ms(const struct log_progress_task *t)
{
	int64_t v[LOG_PROGRESS_GAPS];

	if (!t)
		return -1;
	if (t->n_gaps < LOG_PROGRESS_MIN_GAPS)
		return t->steady ? 0 : -1;
	memcpy(v, t->gaps, t->n_gaps * sizeof(*v));
	return log_progress_median(v, t->n_gaps);
}

size_t
log_progress_values(const struct log_progress_task *t, double *out, size_t max)
{
	size_t n = t ? (t->n_values < max ? t->n_values : max) : 0;

	for (size_t i = 0; i < n; i++)
		out[i] = t->values[log_progress_slot(t->value_next, LOG_PROGRESS_VALUES, n, i)];
	return n;
}

size_t
log_progress_sparkline(const struct log_progress_task *t, bool ascii, size_t width, char *out,
                       size_t size)
{
	const char *const *levels = log_progress_levels[ascii];
	size_t glyph = strlen(levels[0]), n, o = 0;
	double v[LOG_PROGRESS_VALUES], lo, hi;

	if (size == 0)
		return 0;
	n = width < LOG_PROGRESS_VALUES ? width : LOG_PROGRESS_VALUES;
	if (n > (size - 1) / glyph)
		n = (size - 1) / glyph;
	n = log_progress_values(t, v, n);
	lo = hi = n ? v[0] : 0;
	for (size_t i = 1; i < n; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	for (size_t i = 0; i < n; i++) {
		/* Eight equal bands from the least to the greatest; all equal: the middle. */
		double band = hi > lo ? (v[i] - lo) / (hi - lo) * 8 : 3.5;
		size_t level = band >= 7 ? 7 : (size_t)band;

		memcpy(out + o, levels[level], glyph);
		o += glyph;
	}
	out[o] = '\0';
	return n;
}

/* A duration as the stall words say it: "<1s", "45s", "14m", "2h05m", "3d04h". */
static void
log_progress_span(int64_t ms, char *buf, size_t size)
{
	size_t i = 0;

	if (ms < 1000) {
		snprintf(buf, size, "<1s");
		return;
	}
	while (ms >= log_progress_spans[i].below_ms)
		i++;
	if (log_progress_spans[i].sub_ms)
		snprintf(buf, size, "%lld%s%02lld%s",
		         (long long)(ms / log_progress_spans[i].unit_ms),
		         log_progress_spans[i].unit,
		         (long long)(ms % log_progress_spans[i].unit_ms /
		                     log_progress_spans[i].sub_ms),
		         log_progress_spans[i].sub);
	else
		snprintf(buf, size, "%lld%s", (long long)(ms / log_progress_spans[i].unit_ms),
		         log_progress_spans[i].unit);
}

/* The median silence at now_ms of t's peers (see log_progress_stall), or -1 with none. */
static int64_t
log_progress_peer_silence(const struct log_progress *lp, const struct log_progress_task *t,
                          const char *const *peers, size_t n_peers, int64_t now_ms)
{
	int64_t v[LOG_PROGRESS_MAX_TASKS];
	size_t n = 0, count = peers ? n_peers : lp->n_tasks;

	for (size_t i = 0; i < count && n < LOG_PROGRESS_MAX_TASKS; i++) {
		const struct log_progress_task *p =
		        peers ? log_progress_task(lp, peers[i]) : lp->tasks[i];

		if (p && p != t)
			v[n++] = now_ms > p->last_ms ? now_ms - p->last_ms : 0;
	}
	return n ? log_progress_median(v, n) : -1;
}

static int64_t
log_progress_max(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

bool
log_progress_stall(const struct log_progress *lp, const char *task, const char *const *peers,
                   size_t n_peers, int64_t now_ms, char *words, size_t size)
{
	const struct log_progress_task *t = log_progress_task(lp, task);
	int64_t silent, usual, peer;
	char quiet[32], other[32];

	if (size)
		words[0] = '\0';
	if (!t)
		return false;
	silent = now_ms - t->last_ms;
	usual = log_progress_usual_gap_ms(t);
	peer = log_progress_peer_silence(lp, t, peers, n_peers, now_ms);
	log_progress_span(silent, quiet, sizeof(quiet));
	if (peer >= 0 &&
	    silent > log_progress_max(log_progress_max(LOG_PROGRESS_PEER_K * peer,
	                                               LOG_PROGRESS_PEER_FLOOR_MS),
	                              usual >= 0 ? LOG_PROGRESS_PEER_OWN_K * usual : 0)) {
		log_progress_span(peer, other, sizeof(other));
		if (size)
			snprintf(words, size, "silent %s, peers %s", quiet, other);
		return true;
	}
	if (usual < 0 ? silent > LOG_PROGRESS_STALL_NEW_MS
	              : silent > log_progress_max(LOG_PROGRESS_STALL_K * usual,
	                                          LOG_PROGRESS_STALL_FLOOR_MS)) {
		log_progress_span(usual, other, sizeof(other));
		if (size && usual < 0)
			snprintf(words, size, "silent %s", quiet);
		else if (size)
			snprintf(words, size, "silent %s, usually %s", quiet, other);
		return true;
	}
	return false;
}
