/* test_log_progress.c: progress, ETA, metric sparklines and stalls read from log lines (log_progress.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/log_progress.h"
#include "common/osmo_time.h"
#include "common/util.h"
#include "golden.h"

#define MIN_MS (60 * 1000)

/* The metric the tests follow, as a user would configure it. */
#define LOSS "loss[=: ]+([0-9.eE+-]+)"

static struct log_progress *
lp_new(const char *metric)
{
	char *err = NULL;
	struct log_progress *lp = log_progress_new(metric, &err);

	assert_non_null(lp);
	assert_null(err);
	return lp;
}

static void
feed(struct log_progress *lp, const char *task, const char *line, int64_t ms)
{
	log_progress_feed(lp, task, line, strlen(line), ms);
}

static const struct log_progress_task *
task_of(const struct log_progress *lp, const char *name)
{
	const struct log_progress_task *t = log_progress_task(lp, name);

	assert_non_null(t);
	return t;
}

/* The task's headline is kind at fraction. */
static void
expect_progress(const struct log_progress *lp, const char *name, enum log_progress_kind kind,
                double fraction)
{
	const struct log_progress_task *t = task_of(lp, name);

	if (t->kind != kind)
		fail_msg("%s: kind %s, want %s", name, log_progress_kind_name(t->kind),
		         log_progress_kind_name(kind));
	assert_float_equal(t->fraction, fraction, 1e-9);
}

/* One line read by a fresh tracker: the headline's kind and fraction (NONE: nothing read). */
static const struct one_line {
	const char *line;
	enum log_progress_kind kind;
	double fraction;
} one_lines[] = {
	/* tqdm: unit-scaled counts, ASCII bars, a description; Keras. */
	{ "Tokenizing:  45%|####5     | 4.50k/10.0k [00:30<00:37, 150it/s]", LOG_PROGRESS_BAR,
	  0.45 },
	{ " 12%|#2        | 1.20M/10.0M [00:30<03:40, 40.0kB/s]", LOG_PROGRESS_BAR, 0.12 },
	{ "Epoch 3:  45%|████▌     | 450/1000 [00:30<00:37, 15.0it/s, v_num=0]", LOG_PROGRESS_BAR,
	  0.45 },
	{ "450/1000 [=============>................] - ETA: 37s - loss: 0.3012", LOG_PROGRESS_BAR,
	  0.45 },
	/* A bar with no total, or a bracket that is no Keras bar. */
	{ "450it [00:30, 15.00it/s]", LOG_PROGRESS_NONE, 0 },
	{ "copied 3/10 [...]", LOG_PROGRESS_NONE, 0 },
	/* Steps. */
	{ "step 120/1000", LOG_PROGRESS_STEP, 0.12 },
	{ "Step 120 of 1000 | lr 2.0e-05", LOG_PROGRESS_STEP, 0.12 },
	{ "Epoch [1/5], Step [100/600], Loss: 0.2103", LOG_PROGRESS_STEP, 100.0 / 600 },
	{ "global_step=5 / 50", LOG_PROGRESS_STEP, 0.1 },
	{ "Steps: 7/70", LOG_PROGRESS_STEP, 0.1 },
	{ "STEP 1200 OF 1000", LOG_PROGRESS_STEP, 1 },
	/* No total, no counter; words that only end or start with "step"; too many digits. */
	{ "step=100 loss=2.4137 lr=2.0e-05", LOG_PROGRESS_NONE, 0 },
	{ "step 10/0", LOG_PROGRESS_NONE, 0 },
	{ "misstep 1/2", LOG_PROGRESS_NONE, 0 },
	{ "stepper 1/2", LOG_PROGRESS_NONE, 0 },
	{ "step 1/12345678901234567", LOG_PROGRESS_NONE, 0 },
	/* Epochs: "Epoch 3/10" runs the third, so two are done. */
	{ "Epoch 3/10", LOG_PROGRESS_EPOCH, 0.2 },
	{ "Epoch 3 of 10", LOG_PROGRESS_EPOCH, 0.2 },
	{ "epoch: [4/10] lr 0.1", LOG_PROGRESS_EPOCH, 0.3 },
	{ "Epochs 10/10", LOG_PROGRESS_EPOCH, 0.9 },
	{ "epoch 0/10", LOG_PROGRESS_EPOCH, 0 },
	{ "Epoch 3", LOG_PROGRESS_NONE, 0 },
	/* Iterations. */
	{ "iter 120/1000: loss 4.2", LOG_PROGRESS_ITER, 0.12 },
	{ "Iteration 30 of 300", LOG_PROGRESS_ITER, 0.1 },
	{ "[iters 5/50]", LOG_PROGRESS_ITER, 0.1 },
	{ "iterator 5/50", LOG_PROGRESS_NONE, 0 },
	/* Bare percentages, and what is none. */
	{ "Downloading model: 45%", LOG_PROGRESS_PERCENT, 0.45 },
	{ "progress 99.5% done", LOG_PROGRESS_PERCENT, 0.995 },
	{ "[ 7%] Building C object", LOG_PROGRESS_PERCENT, 0.07 },
	{ "grew by 200%", LOG_PROGRESS_NONE, 0 },
	{ "v1.5% x45% 45%%", LOG_PROGRESS_NONE, 0 },
	/* Several in one line: the finest. */
	{ "Epoch 2/10 step 50/100 iter 7/10 45%", LOG_PROGRESS_ITER, 0.7 },
	{ "Epoch 2/10:  45%|████▌     | 450/1000 [00:30<00:37, step 3/9]", LOG_PROGRESS_BAR, 0.45 },
};

static void
test_one_line_forms(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(one_lines); i++) {
		struct log_progress *lp = lp_new(NULL);

		print_message("  %s\n", one_lines[i].line);
		feed(lp, "t", one_lines[i].line, 1000);
		expect_progress(lp, "t", one_lines[i].kind, one_lines[i].fraction);
		log_progress_free(lp);
	}
}

static void
test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(log_progress_kind_name(LOG_PROGRESS_NONE), "");
	assert_string_equal(log_progress_kind_name(LOG_PROGRESS_PERCENT), "percent");
	assert_string_equal(log_progress_kind_name(LOG_PROGRESS_EPOCH), "epoch");
	assert_string_equal(log_progress_kind_name(LOG_PROGRESS_STEP), "step");
	assert_string_equal(log_progress_kind_name(LOG_PROGRESS_ITER), "iter");
	assert_string_equal(log_progress_kind_name(LOG_PROGRESS_BAR), "bar");
	assert_string_equal(log_progress_kind_name(LOG_PROGRESS_KIND_COUNT), "");
}

/* tqdm redraws with \r inside one line: the last update counts; the ETA follows the rate. */
static void
test_tqdm_cr_updates_and_eta(void **state)
{
	struct log_progress *lp = lp_new(LOSS);
	const struct log_progress_task *t;

	(void)state;
	/* One reading: tqdm's own estimate (00:09 left) is all there is. */
	feed(lp, "train",
	     "\r  0%|          | 0/100 [00:00<?, ?it/s]"
	     "\r 90%|█████████ | 90/100 [00:09<00:01, 10.00it/s, loss=0.9]"
	     "\r 10%|█         | 10/100 [00:01<00:09, 10.00it/s, loss=2.5]",
	     1000);
	t = task_of(lp, "train");
	assert_int_equal(t->kind, LOG_PROGRESS_BAR);
	assert_float_equal(t->fraction, 0.10, 1e-9);
	assert_float_equal(t->readings[LOG_PROGRESS_BAR].done, 10, 0);
	assert_float_equal(t->readings[LOG_PROGRESS_BAR].total, 100, 0);
	assert_int_equal(t->eta_ms, 10000);
	assert_int_equal(t->progress_ms, 1000);
	/* From then on the rate over time: 10% a second. */
	feed(lp, "train", "\r 20%|██        | 20/100 [00:02<00:08, 10.00it/s, loss=2.1]", 2000);
	assert_int_equal(task_of(lp, "train")->eta_ms, 10000);
	/* Updates closer than a second refine the reading but keep the rate's first sample. */
	feed(lp, "train", "\r 25%|██▌       | 25/100 [00:02<00:07, 10.00it/s, loss=2.0]", 2500);
	assert_int_equal(task_of(lp, "train")->eta_ms, 10000);
	feed(lp, "train", "\r 50%|█████     | 50/100 [00:05<00:05, 10.00it/s, loss=1.2]", 5000);
	assert_int_equal(task_of(lp, "train")->eta_ms, 10000);
	/* It slows down: 10% in 10 s, so 50% over 14 s since the first sample. */
	feed(lp, "train", "\r 60%|██████    | 60/100 [00:15<00:10,  4.00it/s, loss=1.0]", 15000);
	t = task_of(lp, "train");
	assert_float_equal(t->fraction, 0.6, 1e-9);
	assert_int_equal(t->eta_ms, 15000 + 11200);
	/* The trailing \r of a finished bar shows nothing after it. */
	feed(lp, "train", "\r100%|██████████| 100/100 [00:20<00:00,  5.00it/s, loss=0.5]\r", 20000);
	t = task_of(lp, "train");
	assert_float_equal(t->fraction, 1, 0);
	assert_int_equal(t->eta_ms, 20000);
	/* The metric was read from the update shown, not the ones it redrew. */
	{
		double v[8];

		assert_int_equal(log_progress_values(t, v, 8), 6);
		assert_float_equal(v[0], 2.5, 0);
		assert_float_equal(v[5], 0.5, 0);
	}
	log_progress_free(lp);
}

/* A bar that starts again (the next epoch's) starts a new rate. */
static void
test_tqdm_restart(void **state)
{
	struct log_progress *lp = lp_new(NULL);

	(void)state;
	feed(lp, "t", " 50%|█████     | 50/100 [00:50<00:50,  1.00it/s]", 0);
	feed(lp, "t", "100%|██████████| 100/100 [01:40<00:00,  1.00it/s]", 50000);
	/* The next epoch's bar, four times as fast; no estimate of its own yet. */
	feed(lp, "t", "  0%|          | 0/100 [00:00<?, ?it/s]", 60000);
	expect_progress(lp, "t", LOG_PROGRESS_BAR, 0);
	assert_int_equal(task_of(lp, "t")->eta_ms, -1);
	feed(lp, "t", " 20%|██        | 20/100 [00:05<00:20,  4.00it/s]", 65000);
	assert_int_equal(task_of(lp, "t")->eta_ms, 65000 + 20000);
	/* A bar with another total is another counter. */
	feed(lp, "t", " 10%|█         | 50/500 [00:05<00:45, 10.00it/s]", 70000);
	assert_int_equal(task_of(lp, "t")->eta_ms, 70000 + 45000);
	log_progress_free(lp);
}

/* Step and epoch counters: their rate over time gives the ETA. */
static void
test_counter_rates(void **state)
{
	struct log_progress *lp = lp_new(NULL);

	(void)state;
	/* 100 steps a minute, 800 to go: done 8 minutes later. */
	feed(lp, "s", "step 100/1000 loss=3.1", 0);
	feed(lp, "s", "step 200/1000 loss=2.9", MIN_MS);
	expect_progress(lp, "s", LOG_PROGRESS_STEP, 0.2);
	assert_int_equal(task_of(lp, "s")->eta_ms, MIN_MS + 8 * MIN_MS);
	/* A counter that does not move leaves the rate over the time it took. */
	feed(lp, "s", "step 200/1000 saving checkpoint", 2 * MIN_MS);
	assert_int_equal(task_of(lp, "s")->eta_ms, 2 * MIN_MS + 16 * MIN_MS);

	/* An epoch every ten minutes: three to go after the second starts, none known before. */
	feed(lp, "e", "Epoch 1/4", 0);
	assert_int_equal(task_of(lp, "e")->eta_ms, -1);
	feed(lp, "e", "Epoch 2/4", 10 * MIN_MS);
	expect_progress(lp, "e", LOG_PROGRESS_EPOCH, 0.25);
	assert_int_equal(task_of(lp, "e")->eta_ms, 40 * MIN_MS);
	log_progress_free(lp);
}

/* A bare percentage is read, and is the first to give way. */
static void
test_bare_percent(void **state)
{
	struct log_progress *lp = lp_new(NULL);
	const struct log_progress_task *t;

	(void)state;
	feed(lp, "t", "Downloading weights 30%", 0);
	expect_progress(lp, "t", LOG_PROGRESS_PERCENT, 0.3);
	feed(lp, "t", "step 10/100", 1000);
	expect_progress(lp, "t", LOG_PROGRESS_STEP, 0.1);
	/* Any percentage later is kept as a reading, never as the headline. */
	feed(lp, "t", "GPU util 98%", 2000);
	t = task_of(lp, "t");
	expect_progress(lp, "t", LOG_PROGRESS_STEP, 0.1);
	assert_true(t->readings[LOG_PROGRESS_PERCENT].seen);
	assert_float_equal(t->readings[LOG_PROGRESS_PERCENT].done, 98, 0);
	log_progress_free(lp);
}

/* Several counters: the finest one that advances is the headline. */
static void
test_precedence(void **state)
{
	struct log_progress *lp = lp_new(NULL);
	const struct log_progress_task *t;
	int64_t now = 0;

	(void)state;
	/* In one line: step over epoch over percentage; a bar over everything. */
	feed(lp, "a", "Epoch 2/10 step 50/100 45%", 0);
	t = task_of(lp, "a");
	expect_progress(lp, "a", LOG_PROGRESS_STEP, 0.5);
	assert_float_equal(t->readings[LOG_PROGRESS_EPOCH].fraction, 0.1, 1e-9);
	assert_float_equal(t->readings[LOG_PROGRESS_PERCENT].fraction, 0.45, 1e-9);
	assert_false(t->readings[LOG_PROGRESS_BAR].seen);

	/* Across lines: a loading bar at 100% gives way to the epoch and step counters. */
	feed(lp, "b", "Loading checkpoint shards: 100%|██████████| 4/4 [00:09<00:00]", now);
	expect_progress(lp, "b", LOG_PROGRESS_BAR, 1);
	feed(lp, "b", "Epoch 1/3", now += 1000);
	expect_progress(lp, "b", LOG_PROGRESS_EPOCH, 0);
	feed(lp, "b", "step 1/1000", now += 1000);
	expect_progress(lp, "b", LOG_PROGRESS_STEP, 0.001);
	/* The epoch counter between step lines does not take the headline back. */
	feed(lp, "b", "step 2/1000", now += 1000);
	feed(lp, "b", "Epoch 2/3", now += 1000);
	expect_progress(lp, "b", LOG_PROGRESS_STEP, 0.002);
	assert_float_equal(task_of(lp, "b")->readings[LOG_PROGRESS_EPOCH].fraction, 1.0 / 3, 1e-9);
	/* An eval bar is finer: it has the headline while it moves... */
	feed(lp, "b", "Evaluating:  10%|█         | 5/50 [00:01<00:09]", now += 1000);
	expect_progress(lp, "b", LOG_PROGRESS_BAR, 0.1);
	feed(lp, "b", "step 3/1000", now += 1000);
	expect_progress(lp, "b", LOG_PROGRESS_BAR, 0.1);
	/* ...and gives it back when it has not moved for a while. */
	now += LOG_PROGRESS_KIND_STALE_MS;
	feed(lp, "b", "step 4/1000", now);
	expect_progress(lp, "b", LOG_PROGRESS_STEP, 0.004);
	assert_int_equal(task_of(lp, "b")->eta_ms, -1);
	log_progress_free(lp);
}

/* Tasks fed alternately keep their own counters, rates, metrics and pace. */
static void
test_interleaved_tasks(void **state)
{
	struct log_progress *lp = lp_new(LOSS);
	const struct log_progress_task *a, *b;
	char line[128];
	double v[4];

	(void)state;
	for (int i = 0; i <= 5; i++) {
		snprintf(line, sizeof(line), "step %d/100 loss=%d", 10 * i, i);
		feed(lp, "rank0", line, i * 10000);
		snprintf(line, sizeof(line), "\r%3d%%|          | %d/200 [00:00<00:00]", 5 * i,
		         10 * i);
		feed(lp, "rank1", line, i * 10000 + 5000);
	}
	a = task_of(lp, "rank0");
	b = task_of(lp, "rank1");
	assert_int_equal(a->kind, LOG_PROGRESS_STEP);
	assert_int_equal(b->kind, LOG_PROGRESS_BAR);
	assert_float_equal(a->fraction, 0.5, 1e-9);
	assert_float_equal(b->fraction, 0.25, 1e-9);
	/* rank0 does 1% a second, rank1 half that. */
	assert_int_equal(a->eta_ms, 50000 + 50000);
	assert_int_equal(b->eta_ms, 55000 + 150000);
	assert_int_equal(a->lines, 6);
	assert_int_equal(b->lines, 6);
	assert_int_equal(a->last_ms, 50000);
	assert_int_equal(b->last_ms, 55000);
	assert_int_equal(log_progress_values(a, v, 4), 4);
	assert_float_equal(v[3], 5, 0);
	assert_int_equal(log_progress_values(b, v, 4), 0);
	assert_int_equal(log_progress_usual_gap_ms(a), 10000);
	log_progress_free(lp);
}

/* Unix ms of a log line's "YYYY/MM/DD HH:MM:SS" prefix. */
static int64_t
line_time(const char *line)
{
	char iso[20];
	int64_t ms = 0;

	memcpy(iso, line, 19);
	iso[19] = '\0';
	iso[4] = iso[7] = '-';
	assert_int_equal(osmo_time_parse(iso, &ms), 0);
	return ms;
}

/* A recorded-looking log of two tasks (tests/fixtures/log_progress_training.log), line by line,
 * each at its own time: OSMO's "TIME [task]" prefix stays on, as the log view holds it. */
static void
test_fixture_stream(void **state)
{
	struct log_progress *lp = lp_new(LOSS);
	char *path = golden_fixture_path("log_progress_training.log");
	char *text, *line, *next, words[64], spark[LOG_PROGRESS_VALUES * 3 + 1];
	const struct log_progress_task *trainer, *worker;
	static const char *const group[] = { "trainer", "worker-1" };
	int64_t start = 0, now = 0;
	size_t n = 0;
	double v[LOG_PROGRESS_VALUES];

	(void)state;
	assert_non_null(path);
	text = util_read_file(path, NULL);
	assert_non_null(text);
	for (line = text; *line; line = next) {
		const char *open, *close;
		char task[64];

		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		now = line_time(line);
		start = start ? start : now;
		open = strchr(line, '[');
		close = strchr(open, ']');
		assert_true(close - open - 1 < (long)sizeof(task));
		memcpy(task, open + 1, (size_t)(close - open - 1));
		task[close - open - 1] = '\0';
		log_progress_feed(lp, task, line, (size_t)(next - line), now);
		n++;
	}
	assert_int_equal(n, 52);
	trainer = task_of(lp, "trainer");
	worker = task_of(lp, "worker-1");

	/* The trainer is in its third epoch's bar, 10% a minute: done at 14:41. */
	assert_int_equal(trainer->kind, LOG_PROGRESS_BAR);
	assert_float_equal(trainer->fraction, 0.3, 1e-9);
	assert_int_equal(trainer->eta_ms, start + 31 * MIN_MS);
	assert_float_equal(trainer->readings[LOG_PROGRESS_EPOCH].fraction, 2.0 / 3, 1e-9);
	assert_int_equal(log_progress_values(trainer, v, LOG_PROGRESS_VALUES), 23);
	assert_float_equal(v[0], 3.186, 0);
	assert_float_equal(v[22], 1.556, 0);
	/* The loss fell all along. */
	assert_int_equal(log_progress_sparkline(trainer, true, 8, spark, sizeof(spark)), 8);
	assert_string_equal(spark, "#*+=-:. ");

	/* The worker counts global steps, one a second, and stopped at 14:20. */
	assert_int_equal(worker->kind, LOG_PROGRESS_STEP);
	assert_float_equal(worker->fraction, 540.0 / 1800, 1e-9);
	assert_int_equal(worker->eta_ms, start + 10 * MIN_MS + 1260 * 1000);
	assert_int_equal(log_progress_usual_gap_ms(worker), 30000);
	assert_int_equal(log_progress_values(worker, v, LOG_PROGRESS_VALUES), 18);
	assert_int_equal(log_progress_sparkline(worker, false, 64, spark, sizeof(spark)), 18);
	assert_true(str_starts_with(spark, "█"));

	/* Ten seconds after the last line the trainer is fine and the worker silent for 14m. */
	now += 10000;
	assert_false(log_progress_stall(lp, "trainer", group, 2, now, words, sizeof(words)));
	assert_string_equal(words, "");
	assert_true(log_progress_stall(lp, "worker-1", group, 2, now, words, sizeof(words)));
	assert_string_equal(words, "silent 14m, peers 10s");
	/* With no peers named, it is still far past its own 30 s. */
	assert_true(log_progress_stall(lp, "worker-1", group + 1, 1, now, words, sizeof(words)));
	assert_string_equal(words, "silent 14m, usually 30s");
	free(text);
	free(path);
	log_progress_free(lp);
}

static void
test_metric_series(void **state)
{
	struct log_progress *lp = lp_new(LOSS);
	const struct log_progress_task *t;
	char *err = NULL;
	double v[LOG_PROGRESS_VALUES];
	char line[64];

	(void)state;
	feed(lp, "t", "step=1 loss=2.5 lr=1e-4", 0);
	feed(lp, "t", "loss: 1e-3", 0);
	feed(lp, "t", "val loss 0.25", 0);
	feed(lp, "t", "loss=nan", 0);
	feed(lp, "t", "loss=1e999", 0);
	feed(lp, "t", "no metric here", 0);
	feed(lp, "t", "loss=-0.5E+1,", 0);
	t = task_of(lp, "t");
	assert_int_equal(log_progress_values(t, v, LOG_PROGRESS_VALUES), 4);
	assert_float_equal(v[0], 2.5, 0);
	assert_float_equal(v[1], 0.001, 0);
	assert_float_equal(v[2], 0.25, 0);
	assert_float_equal(v[3], -5, 0);
	/* The newest values only, oldest first. */
	assert_int_equal(log_progress_values(t, v, 2), 2);
	assert_float_equal(v[0], 0.25, 0);
	assert_float_equal(v[1], -5, 0);
	/* The ring keeps the last LOG_PROGRESS_VALUES. */
	for (int i = 0; i < 100; i++) {
		snprintf(line, sizeof(line), "loss=%d.5", i);
		feed(lp, "u", line, i);
	}
	t = task_of(lp, "u");
	assert_int_equal(log_progress_values(t, v, LOG_PROGRESS_VALUES), LOG_PROGRESS_VALUES);
	assert_float_equal(v[0], 100 - LOG_PROGRESS_VALUES + 0.5, 0);
	assert_float_equal(v[LOG_PROGRESS_VALUES - 1], 99.5, 0);
	log_progress_free(lp);

	/* Without a subexpression, the whole match's number. */
	lp = lp_new("[0-9.]+ tokens/s");
	feed(lp, "t", "throughput 10240.5 tokens/s", 0);
	assert_int_equal(log_progress_values(task_of(lp, "t"), v, 1), 1);
	assert_float_equal(v[0], 10240.5, 0);
	log_progress_free(lp);

	/* No metric: none kept. */
	lp = lp_new(NULL);
	feed(lp, "t", "loss=2.5", 0);
	assert_int_equal(log_progress_values(task_of(lp, "t"), v, 1), 0);
	log_progress_free(lp);

	/* A regex that does not compile is an error to show. */
	assert_null(log_progress_new("loss=(", &err));
	assert_non_null(err);
	assert_true(str_starts_with(err, "metric pattern: "));
	free(err);
	assert_null(log_progress_new("a{2,1}", NULL));
}

/* A task whose metric took values in order. */
static struct log_progress *
lp_series(const double *v, size_t n)
{
	struct log_progress *lp = lp_new("v=(.*)");
	char line[64];

	for (size_t i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "v=%g", v[i]);
		feed(lp, "t", line, (int64_t)i);
	}
	return lp;
}

static void
test_sparkline(void **state)
{
	static const double ramp[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	static const double flat[] = { 2, 2, 2 };
	struct log_progress *lp = lp_series(ramp, 8);
	const struct log_progress_task *t = task_of(lp, "t");
	char out[64];

	(void)state;
	assert_int_equal(log_progress_sparkline(t, false, 64, out, sizeof(out)), 8);
	assert_string_equal(out, "▁▂▃▄▅▆▇█");
	assert_int_equal(log_progress_sparkline(t, true, 64, out, sizeof(out)), 8);
	assert_string_equal(out, " .:-=+*#");
	/* The newest that fit the width, scaled among themselves. */
	assert_int_equal(log_progress_sparkline(t, true, 4, out, sizeof(out)), 4);
	assert_string_equal(out, " :+#");
	/* ...or the buffer: two glyphs of three bytes and the NUL in 7. */
	assert_int_equal(log_progress_sparkline(t, false, 64, out, 7), 2);
	assert_string_equal(out, "▁█");
	assert_int_equal(log_progress_sparkline(t, false, 64, out, 3), 0);
	assert_string_equal(out, "");
	out[0] = 'x';
	assert_int_equal(log_progress_sparkline(t, false, 64, out, 0), 0);
	assert_int_equal(out[0], 'x');
	assert_int_equal(log_progress_sparkline(t, true, 0, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	log_progress_free(lp);

	/* A constant series sits in the middle; none, or no task, draws nothing. */
	lp = lp_series(flat, 3);
	t = task_of(lp, "t");
	assert_int_equal(log_progress_sparkline(t, false, 64, out, sizeof(out)), 3);
	assert_string_equal(out, "▄▄▄");
	assert_int_equal(log_progress_sparkline(t, true, 64, out, sizeof(out)), 3);
	assert_string_equal(out, "---");
	assert_int_equal(log_progress_sparkline(NULL, true, 64, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	log_progress_free(lp);
}

/* Lines every gap_ms from start, n of them. */
static int64_t
feed_every(struct log_progress *lp, const char *task, int64_t start, int64_t gap_ms, int n)
{
	for (int i = 0; i < n; i++)
		feed(lp, task, "tick", start + i * gap_ms);
	return start + (n - 1) * gap_ms;
}

/* Silent far longer than its own usual gap, or for long while its pace is unknown. */
static void
test_stall_own_gap(void **state)
{
	static const char *const none[] = { "" }; /* no peers: NULL would be every task */
	struct log_progress *lp = lp_new(NULL);
	char words[64];
	int64_t last;

	(void)state;
	/* Every 30 s: ten gaps are 5 min, the floor. */
	last = feed_every(lp, "a", 0, 30000, 10);
	assert_int_equal(log_progress_usual_gap_ms(task_of(lp, "a")), 30000);
	assert_false(log_progress_stall(lp, "a", none, 0, last + 4 * MIN_MS, words, sizeof(words)));
	assert_false(log_progress_stall(lp, "a", none, 0, last + LOG_PROGRESS_STALL_FLOOR_MS, words,
	                                sizeof(words)));
	assert_true(log_progress_stall(lp, "a", none, 0, last + LOG_PROGRESS_STALL_FLOOR_MS + 1000,
	                               words, sizeof(words)));
	assert_string_equal(words, "silent 5m, usually 30s");

	/* Every 2 min: late only after 20. */
	last = feed_every(lp, "b", 0, 2 * MIN_MS, 8);
	assert_false(
	        log_progress_stall(lp, "b", none, 0, last + 19 * MIN_MS, words, sizeof(words)));
	assert_true(log_progress_stall(lp, "b", none, 0, last + 21 * MIN_MS, words, sizeof(words)));
	assert_string_equal(words, "silent 21m, usually 2m");

	/* Two lines say nothing of a pace: the longer wait. */
	last = feed_every(lp, "c", 0, 1000, 2);
	assert_int_equal(log_progress_usual_gap_ms(task_of(lp, "c")), -1);
	assert_false(
	        log_progress_stall(lp, "c", none, 0, last + 10 * MIN_MS, words, sizeof(words)));
	assert_true(log_progress_stall(lp, "c", none, 0, last + 16 * MIN_MS, words, sizeof(words)));
	assert_string_equal(words, "silent 16m");

	/* Output flushed in bursts every 10 min: the bursts' gap is its pace. */
	for (int b = 0; b < 6; b++)
		for (int i = 0; i < 20; i++)
			feed(lp, "d", "buffered", b * 10 * MIN_MS + i * 10);
	last = 5 * 10 * MIN_MS + 190;
	assert_int_equal(log_progress_usual_gap_ms(task_of(lp, "d")), 10 * MIN_MS - 190);
	assert_false(
	        log_progress_stall(lp, "d", none, 0, last + 30 * MIN_MS, words, sizeof(words)));

	/* A task that logs all the time is known to, and late after the floor. */
	last = feed_every(lp, "e", 0, 200, 50);
	assert_int_equal(log_progress_usual_gap_ms(task_of(lp, "e")), 0);
	assert_true(log_progress_stall(lp, "e", none, 0, last + LOG_PROGRESS_STALL_FLOOR_MS + 1000,
	                               words, sizeof(words)));
	assert_string_equal(words, "silent 5m, usually <1s");

	/* Hours and days. */
	assert_true(
	        log_progress_stall(lp, "e", none, 0, last + 125 * MIN_MS, words, sizeof(words)));
	assert_string_equal(words, "silent 2h05m, usually <1s");
	assert_true(log_progress_stall(lp, "e", none, 0, last + 27 * 60 * MIN_MS, words,
	                               sizeof(words)));
	assert_string_equal(words, "silent 1d03h, usually <1s");

	/* Never fed: nothing to say; words too small are cut, not overrun. */
	words[0] = 'x';
	assert_false(log_progress_stall(lp, "nobody", none, 0, last, words, sizeof(words)));
	assert_string_equal(words, "");
	assert_true(log_progress_stall(lp, "e", none, 0, last + 6 * MIN_MS, words, 8));
	assert_string_equal(words, "silent ");
	assert_true(log_progress_stall(lp, "e", none, 0, last + 6 * MIN_MS, NULL, 0));
	log_progress_free(lp);
}

/* Silent while its peers log: flagged sooner than its own pace would. */
static void
test_stall_vs_peers(void **state)
{
	static const char *const ranks[] = { "rank0", "rank1", "rank2", "rank3" };
	static const char *const lone[] = { "rank2" };
	struct log_progress *lp = lp_new(NULL);
	char words[64];
	int64_t t0 = 20 * MIN_MS, now;

	(void)state;
	/* Four ranks log every 20 s; rank2 stops at t0, the others go on 3 minutes. */
	for (int64_t ms = 0; ms <= t0 + 3 * MIN_MS; ms += 20000)
		for (size_t r = 0; r < 4; r++)
			if (r != 2 || ms <= t0)
				feed(lp, ranks[r], "step", ms + (int64_t)r * 100);
	now = t0 + 3 * MIN_MS + 5400;
	assert_true(log_progress_stall(lp, "rank2", ranks, 4, now, words, sizeof(words)));
	assert_string_equal(words, "silent 3m, peers 5s");
	assert_true(log_progress_stall(lp, "rank2", NULL, 0, now, words, sizeof(words)));
	assert_string_equal(words, "silent 3m, peers 5s");
	assert_false(log_progress_stall(lp, "rank0", ranks, 4, now, words, sizeof(words)));
	/* Against itself alone it is not late yet; nor under the peers' floor. */
	assert_false(log_progress_stall(lp, "rank2", lone, 1, now, words, sizeof(words)));
	assert_false(log_progress_stall(lp, "rank2", ranks, 4, t0 + 100 + MIN_MS + 50000, words,
	                                sizeof(words)));
	/* Peers never fed are no peers. */
	{
		static const char *const ghosts[] = { "rank2", "ghost-1", "ghost-2" };

		assert_false(log_progress_stall(lp, "rank2", ghosts, 3, now, words, sizeof(words)));
	}
	log_progress_free(lp);

	/* The whole group hung: no peer says otherwise, its own pace does after the floor. */
	lp = lp_new(NULL);
	for (int64_t ms = 0; ms <= t0; ms += 20000)
		for (size_t r = 0; r < 4; r++)
			feed(lp, ranks[r], "step", ms);
	assert_false(
	        log_progress_stall(lp, "rank2", ranks, 4, t0 + 4 * MIN_MS, words, sizeof(words)));
	assert_true(
	        log_progress_stall(lp, "rank2", ranks, 4, t0 + 6 * MIN_MS, words, sizeof(words)));
	assert_string_equal(words, "silent 6m, usually 20s");
	log_progress_free(lp);

	/* A lead that logs every minute beside chatty workers is late after three of its minutes. */
	lp = lp_new(NULL);
	for (int64_t ms = 0; ms <= t0; ms += 5000) {
		feed(lp, "worker", "step", ms);
		if (ms % MIN_MS == 0)
			feed(lp, "lead", "eval", ms);
	}
	for (int64_t ms = t0 + 5000; ms <= t0 + 190000; ms += 5000)
		feed(lp, "worker", "step", ms);
	{
		static const char *const group[] = { "lead", "worker" };

		assert_false(log_progress_stall(lp, "lead", group, 2, t0 + 172000, words,
		                                sizeof(words)));
		assert_true(log_progress_stall(lp, "lead", group, 2, t0 + 192000, words,
		                               sizeof(words)));
		assert_string_equal(words, "silent 3m, peers 2s");
	}
	log_progress_free(lp);
}

/* Untrusted lines: huge, with NULs, invalid UTF-8, escapes; never read past their end. */
static void
test_hostile_lines(void **state)
{
	struct log_progress *lp = lp_new(LOSS);
	const size_t big = 1 << 20;
	char *huge = xmalloc(big);
	const struct log_progress_task *t;
	double v[4];
	uint32_t x = 2463534242u;

	(void)state;
	/* A megabyte of junk, the counter at its end: read. */
	memset(huge, 'x', big);
	memcpy(huge + big - 11, " step 5/10", 10);
	huge[big - 1] = '\n';
	log_progress_feed(lp, "big", huge, big, 0);
	expect_progress(lp, "big", LOG_PROGRESS_STEP, 0.5);
	/* The counter at its start, past the last 4 KiB: not read; nor a number cut in two. */
	memset(huge, 'x', big);
	memcpy(huge, "step 9/10 ", 10);
	log_progress_feed(lp, "big", huge, big, 1000);
	expect_progress(lp, "big", LOG_PROGRESS_STEP, 0.5);
	memcpy(huge + big - LOG_PROGRESS_SCAN - 2, " 45% ", 5);
	log_progress_feed(lp, "cut", huge, big, 2000);
	expect_progress(lp, "cut", LOG_PROGRESS_NONE, 0);
	/* The length is the line's: nothing after it is read, nothing before a NUL stops it. */
	memcpy(huge, "step 1/10 step 2/10", 19);
	log_progress_feed(lp, "len", huge, 9, 0);
	expect_progress(lp, "len", LOG_PROGRESS_STEP, 0.1);
	log_progress_feed(lp, "nul", "loss=1.5\0step 3/10", 18, 0);
	expect_progress(lp, "nul", LOG_PROGRESS_STEP, 0.3);
	assert_int_equal(log_progress_values(task_of(lp, "nul"), v, 4), 1);
	assert_float_equal(v[0], 1.5, 0);
	/* Invalid UTF-8 around a bar. */
	feed(lp, "utf", "\xff\xfe\xc0\xaf 45%|\xe2\x96 \xed\xa0\x80| 45/100 [00:30<00:37]\xf8", 0);
	expect_progress(lp, "utf", LOG_PROGRESS_BAR, 0.45);
	/* Colours, titles and an erase after \r; escapes cut short. */
	feed(lp, "esc", "\x1b[32m 45%\x1b[0m", 0);
	expect_progress(lp, "esc", LOG_PROGRESS_PERCENT, 0.45);
	feed(lp, "esc", "\x1b]0;step 9/10\x07 step 2/10 \x1b]2;x\x1b\\", 0);
	expect_progress(lp, "esc", LOG_PROGRESS_STEP, 0.2);
	feed(lp, "esc", "\x1b[1;31mstep 4/10\x1b[0m\r\x1b[K", 0);
	expect_progress(lp, "esc", LOG_PROGRESS_STEP, 0.4);
	feed(lp, "esc", "step 5/10 \x1b[", 0);
	feed(lp, "esc", "step 6/10 \x1b", 0);
	feed(lp, "esc", "step 7/10 \x1b]unterminated step 9/10", 0);
	expect_progress(lp, "esc", LOG_PROGRESS_STEP, 0.7);
	/* Nothing at all. */
	feed(lp, "empty", "\r\r\r", 0);
	log_progress_feed(lp, "empty", NULL, 0, 0);
	log_progress_feed(lp, "empty", "", 0, 0);
	log_progress_feed(lp, NULL, "step 1/2", 8, 0);
	t = task_of(lp, "empty");
	assert_int_equal(t->lines, 3);
	assert_int_equal(t->kind, LOG_PROGRESS_NONE);
	/* Random bytes rich in what the patterns look for: nothing breaks, fractions stay 0..1. */
	for (int i = 0; i < 3000; i++) {
		static const char alphabet[] =
		        "\r\n\x1b\x07\0[]|/%:<.,=0123456789 stepochiter\xe2\x96\x88\xff";
		size_t len = 0, want;
		char task[8];

		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		want = x % 6000;
		for (; len < want; len++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			huge[len] = x % 4 ? alphabet[x % (sizeof(alphabet) - 1)] : (char)(x >> 8);
		}
		snprintf(task, sizeof(task), "f%u", x % 7);
		log_progress_feed(lp, task, huge, len, i);
		t = task_of(lp, task);
		assert_true(t->fraction >= 0 && t->fraction <= 1);
		for (int k = 0; k < LOG_PROGRESS_KIND_COUNT; k++)
			assert_true(!t->readings[k].seen ||
			            (t->readings[k].fraction >= 0 && t->readings[k].fraction <= 1));
	}
	free(huge);
	log_progress_free(lp);
}

/* Past the cap the least recently fed task goes; names too long are not kept. */
static void
test_eviction(void **state)
{
	struct log_progress *lp = lp_new(NULL);
	char name[LOG_PROGRESS_NAME_SIZE + 8];
	int64_t now = 0;

	(void)state;
	for (int i = 0; i < LOG_PROGRESS_MAX_TASKS; i++) {
		snprintf(name, sizeof(name), "task-%d", i);
		feed(lp, name, "step 1/2", now++);
	}
	/* task-0 is fed again, so task-1 is the least recently fed when one more comes. */
	feed(lp, "task-0", "step 2/2", now++);
	feed(lp, "newcomer", "step 1/4", now++);
	assert_null(log_progress_task(lp, "task-1"));
	expect_progress(lp, "task-0", LOG_PROGRESS_STEP, 1);
	expect_progress(lp, "newcomer", LOG_PROGRESS_STEP, 0.25);
	assert_non_null(log_progress_task(lp, "task-2"));
	/* An evicted task comes back fresh. */
	feed(lp, "task-1", "tick", now++);
	assert_int_equal(task_of(lp, "task-1")->lines, 1);
	assert_int_equal(task_of(lp, "task-1")->kind, LOG_PROGRESS_NONE);
	assert_null(log_progress_task(lp, "task-2"));
	/* A flood of new names keeps only the newest LOG_PROGRESS_MAX_TASKS. */
	for (int i = 0; i < 3 * LOG_PROGRESS_MAX_TASKS; i++) {
		snprintf(name, sizeof(name), "flood-%d", i);
		feed(lp, name, "tick", now++);
	}
	for (int i = 0; i < 3 * LOG_PROGRESS_MAX_TASKS; i++) {
		snprintf(name, sizeof(name), "flood-%d", i);
		if (i < 2 * LOG_PROGRESS_MAX_TASKS)
			assert_null(log_progress_task(lp, name));
		else
			assert_non_null(log_progress_task(lp, name));
	}
	assert_null(log_progress_task(lp, "task-0"));
	/* Names: up to LOG_PROGRESS_NAME_SIZE - 1 bytes. */
	memset(name, 'n', sizeof(name));
	name[LOG_PROGRESS_NAME_SIZE - 1] = '\0';
	feed(lp, name, "tick", now++);
	assert_non_null(log_progress_task(lp, name));
	name[LOG_PROGRESS_NAME_SIZE - 1] = 'n';
	name[LOG_PROGRESS_NAME_SIZE] = '\0';
	feed(lp, name, "tick", now++);
	assert_null(log_progress_task(lp, name));
	assert_false(log_progress_stall(lp, name, NULL, 0, now + 60 * MIN_MS, NULL, 0));
	log_progress_free(lp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_one_line_forms),
		cmocka_unit_test(test_tqdm_cr_updates_and_eta),
		cmocka_unit_test(test_tqdm_restart),
		cmocka_unit_test(test_counter_rates),
		cmocka_unit_test(test_bare_percent),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_interleaved_tasks),
		cmocka_unit_test(test_fixture_stream),
		cmocka_unit_test(test_metric_series),
		cmocka_unit_test(test_sparkline),
		cmocka_unit_test(test_stall_own_gap),
		cmocka_unit_test(test_stall_vs_peers),
		cmocka_unit_test(test_hostile_lines),
		cmocka_unit_test(test_eviction),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
