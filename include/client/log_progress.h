/* log_progress.h: tasks' training progress and ETA, a metric's last values and silences, from their logs. */
#ifndef OSMO_CLIENT_LOG_PROGRESS_H
#define OSMO_CLIENT_LOG_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Fed the lines osmotop already follows, each with its task's name and the time it came (any
 * clock in ms, injected: the module never reads one), it keeps per task, in fixed-size state
 * and without storing lines: how far its training counter is and when it should end, the last
 * values of a number the caller names by a regex, and its pace of logging, from which it says
 * whether a running task has gone silent. All times and durations are in milliseconds.
 */

#define LOG_PROGRESS_MAX_TASKS 256 /* tasks tracked; a new one evicts the least recently fed */
#define LOG_PROGRESS_NAME_SIZE 128 /* a task name up to 127 bytes (OSMO's are at most 64) */
#define LOG_PROGRESS_VALUES    64  /* a metric's values kept per task, for a sparkline */
#define LOG_PROGRESS_GAPS      32  /* gaps between lines kept per task, for its usual gap */
#define LOG_PROGRESS_SAMPLES   16 /* progress readings kept per task, for the rate behind the ETA */
#define LOG_PROGRESS_SCAN      4096 /* bytes of a line read at most: the last ones */

/* Lines closer than this are one burst (buffered output flushed at once): no gap of 0 s. */
#define LOG_PROGRESS_BURST_MS 1000
/* Fewer gaps than this say nothing of a task's pace. */
#define LOG_PROGRESS_MIN_GAPS 5
/* Silent for this many of its usual gaps: a step logged every 30 s is late after 5 min. */
#define LOG_PROGRESS_STALL_K 10
/* Shorter silences are a training's normal pauses: a checkpoint save, an eval, a compile. */
#define LOG_PROGRESS_STALL_FLOOR_MS (5 * 60 * 1000)
/* While a task's pace is unknown it may be installing, downloading or loading: wait longer. */
#define LOG_PROGRESS_STALL_NEW_MS (15 * 60 * 1000)
/* Silent this many times longer than its peers are: they prove the work is moving. */
#define LOG_PROGRESS_PEER_K 10
/* Peers logging make a shorter silence telling, but under this it is jitter between ranks. */
#define LOG_PROGRESS_PEER_FLOOR_MS (2 * 60 * 1000)
/* And this many of its own usual gaps, so a task that always logs less than its peers is not. */
#define LOG_PROGRESS_PEER_OWN_K 3
/* A headline counter that has not moved for this long gives way to a coarser one. */
#define LOG_PROGRESS_KIND_STALE_MS (2 * 60 * 1000)
/* Readings kept for the rate are this far apart, so a bar redrawn 10 times a second still
 * spans LOG_PROGRESS_SAMPLES seconds or more. */
#define LOG_PROGRESS_SAMPLE_MS 1000
/* An ETA further away than this says nothing: the counter barely moves. */
#define LOG_PROGRESS_ETA_MAX_MS (30LL * 24 * 3600 * 1000)

/*
 * The kinds of progress text, coarsest first; the later a kind, the finer its counter:
 * PERCENT  a bare "45%" (the weakest signal: it may be anything's percentage)
 * EPOCH    "epoch 3/10", "Epoch 3 of 10", "Epoch [3/10]"
 * STEP     "step 120/1000", "Step 120 of 1000", "global_step=120/1000"
 * ITER     "iter 120/1000", "Iteration 120 of 1000" (a micro-batch under gradient accumulation)
 * BAR      a tqdm bar " 45%|████▌     | 450/1000 [00:30<00:37, 15.0it/s]" (ASCII bars and
 *          unit-scaled counts "4.50k/10.0k" too) or a Keras bar "450/1000 [=====>....]"
 */
#define LOG_PROGRESS_KINDS(X) \
	X(NONE, "")           \
	X(PERCENT, "percent") \
	X(EPOCH, "epoch")     \
	X(STEP, "step")       \
	X(ITER, "iter")       \
	X(BAR, "bar")

enum log_progress_kind {
#define LOG_PROGRESS_KIND_ENUM(name, text) LOG_PROGRESS_##name,
	LOG_PROGRESS_KINDS(LOG_PROGRESS_KIND_ENUM)
#undef LOG_PROGRESS_KIND_ENUM
	        LOG_PROGRESS_KIND_COUNT
};

/* The last reading of one kind of counter. */
struct log_progress_reading {
	bool seen;
	double done, total;  /* as printed (unit suffixes applied); a percentage is done of 100 */
	double fraction;     /* what is done, 0..1: "Epoch 3/10" runs the third, so 0.2 */
	int64_t seen_ms;     /* when it was last read */
	int64_t advanced_ms; /* when done last changed (or was first read) */
};

struct log_progress_sample {
	int64_t ms;
	double fraction;
};

/*
 * One task. Read the fields above the bookkeeping mark; what is below it is read through the
 * functions. A pointer to it is valid until the next log_progress_feed or log_progress_free.
 */
struct log_progress_task {
	char name[LOG_PROGRESS_NAME_SIZE];
	uint64_t lines;   /* lines fed */
	int64_t first_ms; /* when the first line came */
	int64_t last_ms;  /* when the last line came */
	/*
	 * The headline counter: the finest kind that advances. A kind read in a line takes the
	 * headline when it is finer than the headline's, or the same, or when the headline's
	 * counter is done (fraction 1) or has not advanced for LOG_PROGRESS_KIND_STALE_MS; in
	 * a line with several kinds the finest that may take it does. So a tqdm bar outranks
	 * the step, iter, epoch and percentage it is printed with, step lines outrank the
	 * "Epoch 3/10" lines between them, a loading bar at 100% gives way to the step counter
	 * that follows, and a bare percentage never hides a counter.
	 */
	enum log_progress_kind kind; /* LOG_PROGRESS_NONE: no progress read yet */
	double fraction;             /* the headline reading's fraction, 0..1 */
	int64_t progress_ms;         /* when the headline was last read */
	/*
	 * When the headline counter should reach its total, on the feed's clock: from its rate
	 * over the last LOG_PROGRESS_SAMPLES readings (at least LOG_PROGRESS_SAMPLE_MS apart);
	 * before the counter has moved over time, a tqdm bar's own estimate of the time left;
	 * progress_ms once done; -1 when it cannot be known (no rate, or more than
	 * LOG_PROGRESS_ETA_MAX_MS away). A counter that restarts (a new epoch's bar) or changes
	 * total starts a new rate.
	 */
	int64_t eta_ms;
	struct log_progress_reading readings[LOG_PROGRESS_KIND_COUNT]; /* every kind's last */
	/* ---- the module's bookkeeping ---- */
	uint64_t fed_seq; /* the feed that last saw it, for eviction */
	int64_t left_ms;  /* the bar's own estimate of the time left at progress_ms; -1: none */
	double headline_total; /* the headline's total, whose change starts a new rate */
	int64_t burst_ms;      /* when the current burst of lines began */
	bool steady;           /* it once logged for 5 s (MIN_GAPS bursts) without a pause */
	struct log_progress_sample samples[LOG_PROGRESS_SAMPLES]; /* ring */
	size_t n_samples, sample_next;
	double values[LOG_PROGRESS_VALUES]; /* ring of the metric's values */
	size_t n_values, value_next;
	int64_t gaps[LOG_PROGRESS_GAPS]; /* ring of gaps between lines */
	size_t n_gaps, gap_next;
};

struct log_progress;

/*
 * A tracker. metric_regex: a POSIX extended regex whose first subexpression (or whole match,
 * when it has none) is the number to keep per task, e.g. "loss[=: ]+([0-9.eE+-]+)"; NULL keeps
 * none. Returns NULL and sets *err (the caller frees it) when the regex does not compile.
 */
struct log_progress *log_progress_new(const char *metric_regex, char **err);
void log_progress_free(struct log_progress *lp);

/*
 * Reads one line of task's log that came at now_ms: line[0..len), any bytes (NULs, invalid
 * UTF-8, escape sequences), not necessarily terminated, with or without its newline and
 * OSMO's "TIME [task]" prefix. Only the last part after a '\r' that shows something is read,
 * and of it only the last LOG_PROGRESS_SCAN bytes. Feed each line once, as it arrives (not
 * history a reconnect replays), with a clock that does not go back. A task name longer than
 * LOG_PROGRESS_NAME_SIZE - 1 bytes is not tracked.
 */
void log_progress_feed(struct log_progress *lp, const char *task, const char *line, size_t len,
                       int64_t now_ms);

/* The task named task, or NULL when it was never fed or was evicted. */
const struct log_progress_task *log_progress_task(const struct log_progress *lp, const char *task);

/* "percent", "epoch", "step", "iter", "bar"; "" for LOG_PROGRESS_NONE. */
const char *log_progress_kind_name(enum log_progress_kind kind);

/*
 * The task's usual gap between lines: the median of its last gaps of LOG_PROGRESS_BURST_MS or
 * more (closer lines are one burst); 0 for a task that logs without pauses; -1 while fewer
 * than LOG_PROGRESS_MIN_GAPS are known.
 */
int64_t log_progress_usual_gap_ms(const struct log_progress_task *t);

/* The metric's newest values, oldest first, into out (at most max); how many were written. */
size_t log_progress_values(const struct log_progress_task *t, double *out, size_t max);

/*
 * The metric's newest values (at most width) as a sparkline into out (size bytes, always
 * terminated when size > 0), scaled from the least to the greatest shown: "▁▂▃▄▅▆▇█", or
 * " .:-=+*#" when ascii; a constant series is drawn at mid height. Returns the cells drawn
 * (one per value).
 */
size_t log_progress_sparkline(const struct log_progress_task *t, bool ascii, size_t width,
                              char *out, size_t size);

/*
 * Whether the RUNNING task named task has gone silent at now_ms, and if so the words a user
 * sees in words (size bytes; "" when not): "silent 14m, peers 20s" when its peers are logging
 * and it is not, else "silent 14m, usually 30s" against its own pace, or "silent 16m" while
 * its pace is not known. The caller asks only of running tasks. peers: the other running
 * tasks of its group (task itself may be among them and is skipped; names never fed are
 * skipped); NULL: every other task fed. False for a task never fed.
 * Silent against its own pace: longer than LOG_PROGRESS_STALL_K usual gaps and
 * LOG_PROGRESS_STALL_FLOOR_MS, or LOG_PROGRESS_STALL_NEW_MS while its pace is unknown.
 * Against its peers: longer than LOG_PROGRESS_PEER_K times their median silence,
 * LOG_PROGRESS_PEER_FLOOR_MS and LOG_PROGRESS_PEER_OWN_K of its own usual gaps.
 */
bool log_progress_stall(const struct log_progress *lp, const char *task, const char *const *peers,
                        size_t n_peers, int64_t now_ms, char *words, size_t size);

#endif
