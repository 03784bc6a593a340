/* test_view_logs.c: the logs view's state and rendering (view_logs.h), against golden text. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "golden.h"
#include "client/log_tail.h"
#include "tui/log_save.h"
#include "tui/view_logs.h"

#define LOGS_TITLE "train-42 · trainer · logs"

static void
logs_feed(struct log_tail *lt, const char *line)
{
	log_tail_feed(lt, line, strlen(line));
	log_tail_feed(lt, "\n", 1);
}

/* Line i of a training log: OSMO's own lines every tenth, a retried worker, one red error. */
static char *
logs_line(int i)
{
	int s = i % 60, m = i / 60;

	if (i % 10 == 0)
		return xasprintf("2026/08/18 14:%02d:%02d [trainer][osmo] Uploading checkpoint %d",
		                 m, s, i / 10);
	if (i % 7 == 3)
		return xasprintf("2026/08/18 14:%02d:%02d [worker-2 retry-1] [rank8] step=%d", m, s,
		                 i);
	if (i == 57)
		return xasprintf("2026/08/18 14:%02d:%02d [trainer] \x1b[1;31mERROR\x1b[0m NCCL "
		                 "timeout on rank 3, \x1b[33mretrying\x1b[m",
		                 m, s);
	return xasprintf("2026/08/18 14:%02d:%02d [trainer] step=%d loss=%d.%04d lr=2.0e-05", m, s,
	                 i, 3 - i / 40, (9973 * i) % 10000);
}

static void
logs_fill(struct log_tail *lt, int from, int to)
{
	for (int i = from; i < to; i++) {
		char *line = logs_line(i);

		logs_feed(lt, i == 96 ? LOG_TAIL_GAP : line);
		free(line);
	}
}

static void
logs_render(struct view_logs *v, const struct log_tail *lt, const char *state, struct canvas *c)
{
	struct render_ctx rc = { .ascii = false };

	canvas_clear(c);
	view_logs_render(&rc, lt, v, LOGS_TITLE, state, c, 0, 0, c->rows, c->cols);
}

/* Renders at 80x24 and compares with tests/golden/NAME.txt (and NAME_styles.txt). */
static void
logs_golden(struct view_logs *v, const struct log_tail *lt, const char *state, const char *name,
            bool styles)
{
	struct canvas c;
	char *text, *file;

	canvas_init(&c, 24, 80);
	logs_render(v, lt, state, &c);
	text = canvas_to_text(&c);
	file = xasprintf("%s.txt", name);
	assert_true(golden_check(file, text));
	free(file);
	free(text);
	if (styles) {
		text = canvas_to_styles(&c);
		file = xasprintf("%s_styles.txt", name);
		assert_true(golden_check(file, text));
		free(file);
		free(text);
	}
	canvas_free(&c);
}

/* The text of screen row r (0 is the title). */
static char *
logs_row(struct view_logs *v, const struct log_tail *lt, int r)
{
	struct canvas c;
	char *text, *line;
	const char *p;

	canvas_init(&c, 24, 80);
	logs_render(v, lt, NULL, &c);
	text = canvas_to_text(&c);
	p = text;
	for (int i = 0; i < r; i++)
		p = strchr(p, '\n') + 1;
	line = xstrndup(p, strcspn(p, "\n"));
	free(text);
	canvas_free(&c);
	return line;
}

static void
logs_row_equal(struct view_logs *v, const struct log_tail *lt, int r, const char *want)
{
	char *got = logs_row(v, lt, r);

	assert_string_equal(got, want);
	free(got);
}

static void
test_follow_bottom(void **state)
{
	struct log_tail lt;
	struct view_logs v;

	(void)state;
	log_tail_init(&lt, 1000);
	view_logs_init(&v);
	logs_fill(&lt, 0, 100);
	logs_golden(&v, &lt, "streaming", "logs_follow_80x24", true);
	assert_true(v.follow);
	assert_int_equal(v.top, 100 - 22);
	/* New lines move a following view along. */
	logs_fill(&lt, 100, 103);
	char *row = logs_row(&v, &lt, 23);

	assert_non_null(strstr(row, "step=102"));
	free(row);
	view_logs_free(&v);
	log_tail_free(&lt);
}

static void
test_scrolled_middle(void **state)
{
	struct log_tail lt;
	struct view_logs v;

	(void)state;
	log_tail_init(&lt, 1000);
	view_logs_init(&v);
	logs_fill(&lt, 0, 100);
	view_logs_jump(&v, &lt, false);
	assert_false(v.follow);
	assert_int_equal(v.top, 0);
	view_logs_scroll(&v, &lt, 40);
	assert_int_equal(v.top, 40);
	logs_golden(&v, &lt, NULL, "logs_middle_80x24", true);
	/* Arrivals do not move a paused view. */
	char *first = logs_row(&v, &lt, 1), *last = logs_row(&v, &lt, 23);

	logs_fill(&lt, 100, 150);
	logs_row_equal(&v, &lt, 1, first);
	logs_row_equal(&v, &lt, 23, last);
	free(first);
	free(last);
	view_logs_page(&v, &lt, -1);
	assert_int_equal(v.top, 40 - 23);
	view_logs_page(&v, &lt, -5);
	assert_int_equal(v.top, 0);
	view_logs_scroll(&v, &lt, -3);
	assert_int_equal(v.top, 0);
	/* Down stops at the bottom without following; G follows again. */
	view_logs_page(&v, &lt, 100);
	assert_int_equal(v.top, 150 - 23);
	assert_false(v.follow);
	view_logs_scroll(&v, &lt, -2);
	view_logs_jump(&v, &lt, true);
	assert_true(v.follow);
	assert_int_equal(v.top, 150 - 23);
	/* Up while following stops following, from where following had put us. */
	logs_fill(&lt, 150, 160);
	view_logs_scroll(&v, &lt, -1);
	assert_false(v.follow);
	assert_int_equal(v.top, 160 - 23 - 1);
	view_logs_free(&v);
	log_tail_free(&lt);
}

static void
logs_long_fill(struct log_tail *lt)
{
	struct strbuf sb = { 0 };

	logs_fill(lt, 1, 4);
	strbuf_addstr(&sb, "2026/08/18 14:00:05 [trainer] config=");
	for (int i = 0; (int)sb.len < 300; i++)
		strbuf_addf(&sb, "k%02d=v%d,", i, i * 7);
	logs_feed(lt, sb.buf);
	strbuf_free(&sb);
	logs_feed(lt, "2026/08/18 14:00:06 [trainer] 日本語のログ行 with wide characters");
	logs_fill(lt, 7, 9);
}

static void
test_wrap(void **state)
{
	struct log_tail lt;
	struct view_logs v;

	(void)state;
	log_tail_init(&lt, 100);
	view_logs_init(&v);
	logs_long_fill(&lt);
	logs_golden(&v, &lt, NULL, "logs_wrap_off_80x24", false);
	view_logs_toggle(&v, &lt, VIEW_LOGS_WRAP);
	assert_true(v.wrap);
	logs_golden(&v, &lt, NULL, "logs_wrap_on_80x24", false);
	view_logs_toggle(&v, &lt, VIEW_LOGS_WRAP);
	/* Sideways: the cut line scrolls, bounded by the widest line shown. */
	view_logs_hscroll(&v, 1000);
	assert_int_equal(v.hscroll, v.page_width - 80);
	view_logs_hscroll(&v, -1000);
	assert_int_equal(v.hscroll, 0);
	view_logs_hscroll(&v, 43);
	logs_golden(&v, &lt, NULL, "logs_hscroll_80x24", false);
	view_logs_free(&v);
	log_tail_free(&lt);
}

/* A wrapped line taller than the page scrolls row by row. */
static void
test_wrap_tall_line(void **state)
{
	struct log_tail lt;
	struct view_logs v;
	struct canvas c;
	struct strbuf sb = { 0 };

	(void)state;
	log_tail_init(&lt, 10);
	view_logs_init(&v);
	v.wrap = true;
	logs_feed(&lt, "first");
	for (int i = 0; i < 100; i++)
		strbuf_addf(&sb, "%09d,", i);
	logs_feed(&lt, sb.buf);
	strbuf_free(&sb);
	canvas_init(&c, 6, 20);
	view_logs_render(NULL, &lt, &v, "t", NULL, &c, 0, 0, 6, 20);
	/* 1000 columns in 20: 50 rows; following shows the last 5. */
	assert_int_equal(v.top, 1);
	assert_int_equal(v.top_row, 45);
	view_logs_scroll(&v, &lt, -45);
	assert_int_equal(v.top, 1);
	assert_int_equal(v.top_row, 0);
	view_logs_scroll(&v, &lt, -1);
	assert_int_equal(v.top, 0);
	view_logs_scroll(&v, &lt, 3);
	assert_int_equal(v.top, 1);
	assert_int_equal(v.top_row, 2);
	canvas_clear(&c);
	view_logs_render(NULL, &lt, &v, "t", NULL, &c, 0, 0, 6, 20);
	char *text = canvas_to_text(&c);

	assert_non_null(strstr(text, "\n000000008,000000009,\n"));
	free(text);
	canvas_free(&c);
	view_logs_free(&v);
	log_tail_free(&lt);
}

static void
test_timestamps_hidden(void **state)
{
	struct log_tail lt;
	struct view_logs v;

	(void)state;
	log_tail_init(&lt, 1000);
	view_logs_init(&v);
	logs_fill(&lt, 40, 70);
	view_logs_toggle(&v, &lt, VIEW_LOGS_TIMESTAMPS);
	assert_false(v.timestamps);
	logs_golden(&v, &lt, NULL, "logs_no_timestamps_80x24", true);
	view_logs_free(&v);
	log_tail_free(&lt);
}

static void
test_search(void **state)
{
	struct log_tail lt;
	struct view_logs v;
	size_t rank;

	(void)state;
	log_tail_init(&lt, 1000);
	view_logs_init(&v);
	logs_fill(&lt, 0, 100);
	/* Following: the newest match becomes current. */
	assert_true(view_logs_search(&v, &lt, "rank8"));
	assert_int_equal(view_logs_matches(&v, &lt, &rank), 12);
	assert_int_equal(v.match, 94);
	assert_int_equal(rank, 12);
	assert_false(v.follow);
	assert_true(view_logs_next(&v, &lt, false));
	assert_int_equal(v.match, 87);
	logs_golden(&v, &lt, NULL, "logs_search_80x24", true);
	/* Capitals make it case-sensitive; none make it ignore case. */
	assert_true(view_logs_search(&v, &lt, "error"));
	assert_int_equal(view_logs_matches(&v, &lt, &rank), 1);
	assert_false(view_logs_search(&v, &lt, "Error"));
	assert_int_equal(v.match, VIEW_LOGS_NONE);
	assert_true(view_logs_search(&v, &lt, "ERROR"));
	/* What is matched is the text shown: SGR and timestamps toggled off are not there. */
	assert_false(view_logs_search(&v, &lt, "[31m"));
	assert_true(view_logs_search(&v, &lt, "14:00:4"));
	assert_int_equal(view_logs_matches(&v, &lt, &rank), 10);
	view_logs_toggle(&v, &lt, VIEW_LOGS_TIMESTAMPS);
	assert_int_equal(view_logs_matches(&v, &lt, &rank), 0);
	assert_int_equal(rank, 0);
	assert_false(view_logs_next(&v, &lt, true));
	assert_false(view_logs_search(&v, &lt, ""));
	assert_null(v.search);
	assert_false(view_logs_next(&v, &lt, true));
	view_logs_free(&v);
	log_tail_free(&lt);
}

static void
test_filter(void **state)
{
	struct log_tail lt;
	struct view_logs v;

	(void)state;
	log_tail_init(&lt, 1000);
	view_logs_init(&v);
	logs_fill(&lt, 0, 100);
	free(logs_row(&v, &lt, 0)); /* movement pages by the rendered height */
	view_logs_toggle(&v, &lt, VIEW_LOGS_FILTER);
	assert_true(v.filter);
	/* Without a pattern the filter waits for one. */
	assert_true(v.follow);
	assert_int_equal(v.top, 100 - 23);
	view_logs_search(&v, &lt, "osmo");
	logs_golden(&v, &lt, "stream ended", "logs_filter_80x24", true);
	/* Scrolling moves between shown lines only. */
	view_logs_jump(&v, &lt, false);
	assert_int_equal(v.top, 0);
	view_logs_scroll(&v, &lt, 1);
	assert_int_equal(v.top, 0);
	assert_true(view_logs_search(&v, &lt, "loss"));
	view_logs_jump(&v, &lt, false);
	assert_int_equal(v.top, 1);
	view_logs_scroll(&v, &lt, 2);
	assert_int_equal(v.top, 4);
	/* Nothing matches: say so instead of showing a blank page. */
	view_logs_search(&v, &lt, "no such text");
	char *row = logs_row(&v, &lt, 1);

	assert_string_equal(row, " no line matches /no such text");
	free(row);
	view_logs_free(&v);
	log_tail_free(&lt);
}

static void
test_progress_collapse(void **state)
{
	struct log_tail lt;
	struct view_logs v;

	(void)state;
	log_tail_init(&lt, 100);
	view_logs_init(&v);
	logs_feed(&lt, "2026/08/18 14:05:10 [prep][osmo] Downloading inputs...");
	logs_feed(&lt,
	          "2026/08/18 14:05:11 [prep] shards   0%|          | 0/16\r shards  50%|█████     "
	          "| 8/16\r shards 100%|██████████| 16/16");
	logs_feed(&lt, "2026/08/18 14:05:12 [prep] eta 3s\reta 2s\reta 1s\r\r");
	log_tail_feed(&lt, "2026/08/18 14:05:13 [prep] done\r\n", 33);
	logs_feed(&lt, "no prefix 10%\rno prefix 100%");
	logs_golden(&v, &lt, NULL, "logs_progress_80x24", false);
	view_logs_free(&v);
	log_tail_free(&lt);
}

/* What follows a \r replaces the text only when it shows something: controls hide nothing. */
static void
test_cr_hides_nothing(void **state)
{
	static const struct {
		const char *line, *shown;
	} cases[] = {
		{ "2026/08/18 14:06:01 [evil] secret-text\r\x01", "[evil] secret-text" },
		{ "2026/08/18 14:06:02 [evil] real text\r\x1b[K", "[evil] real text" },
		{ "2026/08/18 14:06:03 [evil] kept\r\x1b[2K\r\x07\x08\r\x1b]0;t\x07\r",
		  "[evil] kept" },
		{ "2026/08/18 14:06:04 [evil] blanked?\r      \t ", "[evil] blanked?" },
		{ "2026/08/18 14:06:05 [evil] isolated\r\xe2\x81\xa6\xe2\x80\xae",
		  "[evil] isolated" },
		{ "2026/08/18 14:06:06 [evil] one\rtwo\r\x1b[0m", "[evil] two" },
		{ "2026/08/18 14:06:07 [evil] old 10%\r\x1b[32mnew 100%\x1b[0m",
		  "[evil] new 100%" },
		{ "2026/08/18 14:06:08 [evil] crlf\r", "[evil] crlf" },
		{ "only controls\r\x01\r\x1b[K", "only controls" },
		{ "\r\x01", NULL },
	};
	static const char crlf[] = "2026/08/18 14:06:09 [evil] windows\r\r\n";
	struct log_tail lt;
	struct view_logs v;
	struct canvas c;
	char *text;

	(void)state;
	log_tail_init(&lt, 100);
	view_logs_init(&v);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		logs_feed(&lt, cases[i].line);
	/* A CRLF log keeps its text too. */
	log_tail_feed(&lt, crlf, strlen(crlf));
	canvas_init(&c, 24, 80);
	logs_render(&v, &lt, NULL, &c);
	text = canvas_to_text(&c);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (cases[i].shown && !strstr(text, cases[i].shown))
			fail_msg("'%s' not shown in:\n%s", cases[i].shown, text);
	assert_non_null(strstr(text, "[evil] windows\n"));
	assert_null(strstr(text, "one"));
	assert_null(strstr(text, "old 10%"));
	free(text);
	assert_true(view_logs_search(&v, &lt, "secret-text"));
	canvas_free(&c);
	view_logs_free(&v);
	log_tail_free(&lt);
}

/* A cell holds no control character (the right half of a wide one holds nothing). */
static void
logs_cell_safe(const struct cell *cell)
{
	if (cell->flags & CELL_WIDE_RIGHT)
		return;
	assert_true(cell->ch >= 0x20 && !(cell->ch >= 0x7f && cell->ch < 0xa0));
}

static void
test_hostile_bytes(void **state)
{
	static const char *const lines[] = {
		"2026/08/18 14:00:01 [evil] copy \x1b]52;c;cm0gLXJmIH4=\x07me",
		"2026/08/18 14:00:02 [evil] \x1b[2J\x1b[Hcleared? \x1b[?1049h alt \x1b[5;1H moved",
		"2026/08/18 14:00:03 [evil] lone esc at the end \x1b",
		"2026/08/18 14:00:04 [evil] esc before text \x1b\x01x \x1b(0 charset \x1b"
		"7saved",
		"2026/08/18 14:00:05 [evil] bad utf-8 \xff\xfe \xc3( \xe2\x82 \xf0\x9f\x98 end",
		"2026/08/18 14:00:06 [evil] 中文日志：训练完成 ✅ done",
		"2026/08/18 14:00:07 [evil] bell\x07 bs\x08\x08 del\x7f nul-free cr-lf",
		"2026/08/18 14:00:08 [evil] c1 csi \xc2\x9b"
		"31mred?\xc2\x9b"
		"0m osc \xc2\x9d"
		"0;title\xc2\x9c after",
		"2026/08/18 14:00:09 [evil] title \x1b]0;pwned\x1b\\ st "
		"\x1b]8;;http://x\x1b\\link\x1b]8;;"
		"\x1b\\",
		"2026/08/18 14:00:10 [evil] unterminated osc \x1b]52;c;AAAAAAAA everything after",
		"2026/08/18 14:00:11 [evil] \x1b[38;5;196mcolour256\x1b[0m "
		"\x1b[38;2;255;0;0mtrue\x1b[0m "
		"\x1b[91mbright red\x1b[39m \x1b[>4;2m not sgr",
		"2026/08/18 14:00:12 [evil] tab\tstops\tat\teight",
		"2026/08/18 14:00:13 [evil] bidi \xe2\x80\xae"
		"desrever\xe2\x80\xac zero\xe2\x80\x8bwidth",
		"2026/08/18 14:00:14 [\x1b[31mtag] not a tag",
		"\x1b[2J\x1b[3J\x1b"
		"c",
	};
	struct log_tail lt;
	struct view_logs v;
	struct canvas c;

	(void)state;
	log_tail_init(&lt, 100);
	view_logs_init(&v);
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++)
		logs_feed(&lt, lines[i]);
	logs_golden(&v, &lt, "stream ended", "logs_hostile_80x24", true);
	assert_false(view_logs_search(&v, &lt, "pwned"));
	v.wrap = true;
	canvas_init(&c, 24, 80);
	logs_render(&v, &lt, NULL, &c);
	char *text = canvas_to_text(&c);

	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p != '\n')
			assert_true(*p >= 0x20 && *p != 0x7f);
		if (*p == 0xc2)
			assert_false(p[1] >= 0x80 && p[1] < 0xa0);
	}
	/* The body, below the title that shows the pattern. */
	const char *body = strchr(text, '\n');

	assert_null(strstr(body, "[2J"));
	assert_null(strstr(body, "52;"));
	assert_null(strstr(body, "pwned"));
	assert_null(strstr(body, "cm0g"));
	free(text);
	/* No cell holds a control character, however the canvas is cut. */
	for (int cols = 1; cols <= 30; cols++)
		for (int rows = 1; rows <= 4; rows++) {
			struct canvas small;

			canvas_init(&small, rows, cols);
			v.wrap = cols % 2;
			v.hscroll = cols % 5;
			logs_render(&v, &lt, cols % 3 ? "x" : NULL, &small);
			for (int i = 0; i < rows * cols; i++)
				logs_cell_safe(&small.cells[i]);
			canvas_free(&small);
		}
	canvas_free(&c);
	view_logs_free(&v);
	log_tail_free(&lt);
}

static void
test_waiting(void **state)
{
	struct log_tail lt;
	struct view_logs v;

	(void)state;
	log_tail_init(&lt, 10);
	view_logs_init(&v);
	logs_golden(&v, &lt, "reconnecting in 4s", "logs_waiting_80x24", true);
	view_logs_scroll(&v, &lt, -5);
	view_logs_page(&v, &lt, 3);
	view_logs_jump(&v, &lt, false);
	assert_false(view_logs_next(&v, &lt, true));
	assert_false(view_logs_search(&v, &lt, "x"));
	view_logs_toggle(&v, &lt, VIEW_LOGS_FILTER);
	logs_feed(&lt, "2026/08/18 14:00:00 [t] x");
	assert_true(view_logs_next(&v, &lt, true));
	view_logs_free(&v);
	log_tail_free(&lt);
}

/* An ended source with no line says the log is empty; it does not wait for a first line. */
static void
test_empty_ended_log(void **state)
{
	struct log_tail lt;
	struct view_logs v;

	(void)state;
	log_tail_init(&lt, 10);
	view_logs_init(&v);
	v.ended = true;
	logs_row_equal(&v, &lt, 1, " no line: the log is empty");
	view_logs_free(&v);
	log_tail_free(&lt);
}

/* Events carry their time as "YYYY-MM-DD HH:MM:SS+00:00": t hides it as it does the logs'. */
static void
test_event_timestamps_hidden(void **state)
{
	struct log_tail lt;
	struct view_logs v;

	(void)state;
	log_tail_init(&lt, 10);
	view_logs_init(&v);
	logs_feed(&lt, "2026-08-18 14:09:04+00:00 [trainer] PodScheduled: False");
	logs_row_equal(&v, &lt, 1, "2026-08-18 14:09:04+00:00 [trainer] PodScheduled: False");
	view_logs_toggle(&v, &lt, VIEW_LOGS_TIMESTAMPS);
	logs_row_equal(&v, &lt, 1, "[trainer] PodScheduled: False");
	view_logs_free(&v);
	log_tail_free(&lt);
}

/* The style letter of row r, column col, as canvas_to_styles gives it. */
static char
logs_style_at(struct view_logs *v, const struct log_tail *lt, int r, int col)
{
	struct canvas c;
	char *styles, got;
	const char *p;

	canvas_init(&c, 24, 80);
	logs_render(v, lt, NULL, &c);
	styles = canvas_to_styles(&c);
	p = styles;
	for (int i = 0; i < r; i++)
		p = strchr(p, '\n') + 1;
	got = p[col];
	free(styles);
	canvas_free(&c);
	return got;
}

/* In a merged log each task's tag has its own colour, the same on each of its lines. */
static void
test_task_colours(void **state)
{
	struct log_tail lt;
	struct view_logs v;

	(void)state;
	log_tail_init(&lt, 10);
	view_logs_init(&v);
	logs_feed(&lt, "2026/08/18 14:00:00 [trainer] a");
	logs_feed(&lt, "2026/08/18 14:00:01 [eval] b");
	logs_feed(&lt, "2026/08/18 14:00:02 [trainer retry-1] c");
	/* The tag starts after the 20 columns of time. */
	assert_int_not_equal(logs_style_at(&v, &lt, 1, 21), logs_style_at(&v, &lt, 2, 21));
	assert_int_equal(logs_style_at(&v, &lt, 1, 21), logs_style_at(&v, &lt, 3, 21));
	view_logs_free(&v);
	log_tail_free(&lt);
}

/* A spec's keys look like labels, its list markers and comments are dim, values as they are. */
static void
test_yaml_looks(void **state)
{
	struct log_tail lt;
	struct view_logs v;

	(void)state;
	log_tail_init(&lt, 10);
	view_logs_init(&v);
	v.yaml = true;
	logs_feed(&lt, "workflow:");
	logs_feed(&lt, "  - name: \"a: b\"");
	logs_feed(&lt, "    # a comment: here");
	assert_int_equal(logs_style_at(&v, &lt, 1, 0), 'l');  /* workflow */
	assert_int_equal(logs_style_at(&v, &lt, 2, 2), 'd');  /* - */
	assert_int_equal(logs_style_at(&v, &lt, 2, 4), 'l');  /* name */
	assert_int_equal(logs_style_at(&v, &lt, 2, 11), '.'); /* "a: b" is a value */
	assert_int_equal(logs_style_at(&v, &lt, 3, 6), 'd');  /* the comment */
	view_logs_free(&v);
	log_tail_free(&lt);
}

/* Lines keep their absolute index: the view stays on them while older ones drop. */
static void
test_top_stable_while_dropping(void **state)
{
	struct log_tail lt;
	struct view_logs v;
	char *before, *after;

	(void)state;
	log_tail_init(&lt, 50);
	view_logs_init(&v);
	logs_fill(&lt, 0, 50);
	view_logs_jump(&v, &lt, false);
	view_logs_scroll(&v, &lt, 21);
	assert_int_equal(v.top, 21);
	before = logs_row(&v, &lt, 1);
	assert_non_null(strstr(before, "step=21 "));
	logs_fill(&lt, 50, 65);
	assert_int_equal(lt.dropped, 15);
	after = logs_row(&v, &lt, 1);
	assert_string_equal(before, after);
	assert_int_equal(v.top, 21);
	free(after);
	/* The top line itself dropped: show the oldest line still held. */
	logs_fill(&lt, 65, 80);
	assert_int_equal(lt.dropped, 30);
	after = logs_row(&v, &lt, 1);
	assert_int_equal(v.top, 30);
	assert_non_null(strstr(after, "[trainer][osmo] Uploading checkpoint 3"));
	free(after);
	free(before);
	/* A current match that drops out is forgotten, and the count follows the ring. */
	size_t rank;

	assert_true(view_logs_search(&v, &lt, "[osmo]"));
	assert_int_equal(v.match, 30);
	assert_int_equal(view_logs_matches(&v, &lt, &rank), 5);
	logs_fill(&lt, 80, 95);
	assert_int_equal(view_logs_matches(&v, &lt, &rank), 5);
	assert_int_equal(rank, 0);
	assert_int_equal(v.match, VIEW_LOGS_NONE);
	view_logs_free(&v);
	log_tail_free(&lt);
}

static void
test_next_wraps(void **state)
{
	struct log_tail lt;
	struct view_logs v;
	size_t rank;

	(void)state;
	log_tail_init(&lt, 1000);
	view_logs_init(&v);
	logs_fill(&lt, 0, 100);
	free(logs_row(&v, &lt, 0)); /* movement pages by the rendered height */
	view_logs_jump(&v, &lt, false);
	assert_true(view_logs_search(&v, &lt, "[osmo]"));
	assert_int_equal(v.match, 0);
	for (int i = 1; i < 10; i++) {
		assert_true(view_logs_next(&v, &lt, true));
		assert_int_equal(v.match, (uint64_t)i * 10);
	}
	view_logs_matches(&v, &lt, &rank);
	assert_int_equal(rank, 10);
	/* Past the last: back to the first, the page following it. */
	assert_true(view_logs_next(&v, &lt, true));
	assert_int_equal(v.match, 0);
	assert_int_equal(v.top, 0);
	assert_true(view_logs_next(&v, &lt, false));
	assert_int_equal(v.match, 90);
	assert_int_equal(v.top, 100 - 23);
	assert_true(view_logs_next(&v, &lt, false));
	assert_int_equal(v.match, 80);
	/* On the page: the view stays put. */
	assert_int_equal(v.top, 100 - 23);
	assert_true(view_logs_next(&v, &lt, false));
	assert_int_equal(v.match, 70);
	assert_int_equal(v.top, 70);
	/* No current match: n starts at the top line, N at the last line on the page. */
	view_logs_jump(&v, &lt, false);
	view_logs_scroll(&v, &lt, 25);
	v.match = VIEW_LOGS_NONE;
	assert_true(view_logs_next(&v, &lt, true));
	assert_int_equal(v.match, 30);
	v.match = VIEW_LOGS_NONE;
	assert_true(view_logs_next(&v, &lt, false));
	assert_int_equal(v.match, 40);
	/* A single match wraps onto itself. */
	assert_true(view_logs_search(&v, &lt, "ERROR"));
	assert_int_equal(v.match, 57);
	assert_true(view_logs_next(&v, &lt, true));
	assert_int_equal(v.match, 57);
	assert_true(view_logs_next(&v, &lt, false));
	assert_int_equal(v.match, 57);
	view_logs_free(&v);
	log_tail_free(&lt);
}

static uint32_t
logs_rand(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 8;
}

/* Random bytes and operations on a small ring: no crash, no control cell, top in the ring. */
static void
test_random_operations(void **state)
{
	static const char *const bits[] = {
		"2026/08/18 14:00:00 [t] ",
		"[t][osmo] ",
		"\x1b[31m",
		"\x1b]0;x\x07",
		"\x1b",
		"\r",
		"\t",
		"日本",
		"\xff",
		"\xc2\x9b",
		"abc",
		"Error ",
		"\x1b[0m",
		"[",
		"]",
		"\x1b[?25l",
	};
	static const char *const patterns[] = { NULL, "a", "Error", "t]", "本", "\x1b" };
	uint32_t seed = 7;
	struct log_tail lt;
	struct view_logs v;

	(void)state;
	log_tail_init(&lt, 40);
	view_logs_init(&v);
	for (int step = 0; step < 3000; step++) {
		uint32_t op = logs_rand(&seed) % 12;
		struct strbuf sb = { 0 };
		struct canvas c;
		int rows = 1 + (int)(logs_rand(&seed) % 12),
		    cols = 1 + (int)(logs_rand(&seed) % 50);

		for (uint32_t k = logs_rand(&seed) % 8; k > 0; k--)
			strbuf_addstr(&sb, bits[logs_rand(&seed) % ARRAY_SIZE(bits)]);
		strbuf_addch(&sb, '\n');
		if (op < 4)
			log_tail_feed(&lt, sb.buf, sb.len);
		else if (op == 4)
			view_logs_scroll(&v, &lt, (int)(logs_rand(&seed) % 21) - 10);
		else if (op == 5)
			view_logs_page(&v, &lt, (int)(logs_rand(&seed) % 5) - 2);
		else if (op == 6)
			view_logs_jump(&v, &lt, logs_rand(&seed) % 2);
		else if (op == 7)
			view_logs_toggle(&v, &lt, (enum view_logs_flag)(logs_rand(&seed) % 4));
		else if (op == 8)
			view_logs_search(&v, &lt,
			                 patterns[logs_rand(&seed) % ARRAY_SIZE(patterns)]);
		else if (op == 9)
			view_logs_next(&v, &lt, logs_rand(&seed) % 2);
		else if (op == 10)
			view_logs_hscroll(&v, (int)(logs_rand(&seed) % 41) - 20);
		else
			log_tail_reconnect(&lt);
		strbuf_free(&sb);
		canvas_init(&c, rows, cols);
		view_logs_render(NULL, &lt, &v, "t", op % 2 ? "state" : NULL, &c, 0, 0, rows, cols);
		for (int i = 0; i < rows * cols; i++)
			logs_cell_safe(&c.cells[i]);
		if (lt.count)
			assert_true(v.top >= lt.appended - lt.count && v.top <= lt.appended);
		if (v.match != VIEW_LOGS_NONE)
			assert_true(v.match >= lt.appended - lt.count && v.match < lt.appended);
		canvas_free(&c);
	}
	view_logs_free(&v);
	log_tail_free(&lt);
}

/* ------------------------------------------------------------------ error-looking lines */

#define ERR_LINES     100000
#define ERR_TRACEBACK 50000 /* where the traceback starts */

/* Line i of a long training run: steps, with words that only look like errors, and a
 * traceback in the middle. */
static char *
err_line(int i)
{
	static const char *const tb[] = {
		"Traceback (most recent call last):",
		"  File \"train.py\", line 88, in <module>",
		"    loss.backward()",
		"RuntimeError: CUDA error: an illegal memory access was encountered",
	};

	if (i >= ERR_TRACEBACK && i < ERR_TRACEBACK + 4)
		return xasprintf("2026/08/18 14:00:00 [trainer] %s", tb[i - ERR_TRACEBACK]);
	if (i % 1000 == 7)
		return xasprintf("2026/08/18 14:00:00 [trainer] step=%d errors=0 model=BLOOM-7b "
		                 "unKilled=0 error_rate=0.1",
		                 i);
	return xasprintf("2026/08/18 14:00:00 [%s] step=%d loss=0.%04d",
	                 i % 2 ? "worker" : "trainer", i, i % 10000);
}

static void
err_fill(struct log_tail *lt)
{
	log_tail_init(lt, ERR_LINES + 10);
	for (int i = 0; i < ERR_LINES; i++) {
		char *line = err_line(i);

		logs_feed(lt, line);
		free(line);
	}
}

/* ] from nowhere is the first error, then the next, wrapping; [ from nowhere the last. */
static void
test_errors_in_a_long_log(void **state)
{
	struct log_tail lt;
	struct view_logs v;
	struct canvas c;
	size_t rank;

	(void)state;
	err_fill(&lt);
	view_logs_init(&v);
	assert_true(view_logs_set_errors(&v, NULL));
	canvas_init(&c, 24, 80);
	logs_render(&v, &lt, NULL, &c);
	/* The traceback's first line and the error at its end; the look-alikes are not. */
	assert_int_equal(view_logs_errors(&v, &lt, &rank), 2);
	assert_int_equal(rank, 0);
	assert_true(view_logs_next_error(&v, &lt, true));
	assert_int_equal(v.error, ERR_TRACEBACK);
	assert_int_equal(v.top, ERR_TRACEBACK);
	assert_false(v.follow);
	assert_int_equal(view_logs_errors(&v, &lt, &rank), 2);
	assert_int_equal(rank, 1);
	/* Its mark in the bar is where its place in the log maps to: the middle. */
	logs_row_equal(
	        &v, &lt, 1,
	        "2026/08/18 14:00:00 [trainer] Traceback (most recent call last):            "
	        "   │");
	logs_row_equal(
	        &v, &lt, 1 + 22 / 2,
	        "2026/08/18 14:00:00 [worker] step=50011 loss=0.0011                         "
	        "   ●");
	assert_true(view_logs_next_error(&v, &lt, true));
	assert_int_equal(v.error, ERR_TRACEBACK + 3);
	/* On the page already: the page stays where it was. */
	assert_int_equal(v.top, ERR_TRACEBACK);
	assert_true(view_logs_next_error(&v, &lt, true));
	assert_int_equal(v.error, ERR_TRACEBACK);
	assert_true(view_logs_next_error(&v, &lt, false));
	assert_int_equal(v.error, ERR_TRACEBACK + 3);
	v.error = VIEW_LOGS_NONE;
	assert_true(view_logs_next_error(&v, &lt, false));
	assert_int_equal(v.error, ERR_TRACEBACK + 3);
	logs_golden(&v, &lt, "error 2 of 2", "logs_errors", true);

	/* The configured patterns add to the table's: "errors=0" is one now. */
	struct strv extra = { 0 };

	strv_push(&extra, "errors=[0-9]+");
	assert_true(view_logs_set_errors(&v, &extra));
	assert_int_equal(view_logs_errors(&v, &lt, &rank), 2 + ERR_LINES / 1000);
	assert_true(view_logs_next_error(&v, &lt, true));
	assert_int_equal(v.error, 7);
	strv_free(&extra);
	/* One that does not compile leaves the table's alone. */
	strv_push(&extra, "errors=(");
	assert_false(view_logs_set_errors(&v, &extra));
	assert_int_equal(view_logs_errors(&v, &lt, &rank), 2);
	strv_free(&extra);
	canvas_free(&c);
	view_logs_free(&v);
	log_tail_free(&lt);
}

/* None, said as such; the error lines of tasks a filter hides are not jumped to. */
static void
test_errors_none_and_hidden(void **state)
{
	struct log_tail lt;
	struct view_logs v;
	struct strv only = { 0 };
	struct canvas c;
	size_t rank;

	(void)state;
	log_tail_init(&lt, 100);
	view_logs_init(&v);
	view_logs_set_errors(&v, NULL);
	logs_feed(&lt, "2026/08/18 14:00:00 [a] all good");
	assert_false(view_logs_next_error(&v, &lt, true));
	assert_false(view_logs_next_error(&v, &lt, false));
	logs_feed(&lt, "2026/08/18 14:00:01 [b] Killed");
	logs_feed(&lt, "2026/08/18 14:00:02 [a] still good");
	canvas_init(&c, 10, 60);
	logs_render(&v, &lt, NULL, &c);
	assert_int_equal(view_logs_errors(&v, &lt, &rank), 1);
	strv_push(&only, "a");
	view_logs_set_tasks(&v, &lt, &only);
	assert_int_equal(view_logs_errors(&v, &lt, &rank), 0);
	assert_false(view_logs_next_error(&v, &lt, true));
	strv_free(&only);
	canvas_free(&c);
	view_logs_free(&v);
	log_tail_free(&lt);
}

/* ------------------------------------------------------------------ the task filter */

/* Only the chosen tasks' lines (a retry's tag is its task's), the gap marker always, and
 * the title says which. */
static void
test_task_filter(void **state)
{
	struct log_tail lt;
	struct view_logs v;
	struct strv only = { 0 };
	char task[64];
	uint64_t a = VIEW_LOGS_NONE;
	const char *text;
	int n = 0, trainer = 0;

	(void)state;
	log_tail_init(&lt, 1000);
	logs_fill(&lt, 0, 120);
	view_logs_init(&v);
	logs_render(&v, &lt, NULL, &(struct canvas){ 0 });
	strv_push(&only, "worker-2");
	view_logs_set_tasks(&v, &lt, &only);
	while (view_logs_each(&v, &lt, false, &a, &text)) {
		char *raw = xstrdup(text);

		assert_true(strstr(raw, "[worker-2 retry-1]") || strstr(raw, "stream reconnected"));
		free(raw);
		n++;
	}
	/* i % 7 == 3 below 120 but OSMO's tenth lines (10, 80), and the gap at 96. */
	assert_int_equal(n, 15 + 1);
	logs_golden(&v, &lt, NULL, "logs_task_filter", false);
	/* The page's last line is the current one: its task. */
	assert_true(view_logs_current_task(&v, &lt, task, sizeof(task)));
	assert_string_equal(task, "worker-2");
	/* Two tasks; the search's filter applies on top. */
	strv_push(&only, "trainer");
	view_logs_set_tasks(&v, &lt, &only);
	view_logs_search(&v, &lt, "rank8");
	view_logs_toggle(&v, &lt, VIEW_LOGS_FILTER);
	a = VIEW_LOGS_NONE;
	n = 0;
	while (view_logs_each(&v, &lt, false, &a, &text)) {
		assert_non_null(strstr(text, "rank8"));
		n++;
	}
	assert_int_equal(n, 15);
	view_logs_toggle(&v, &lt, VIEW_LOGS_FILTER);
	view_logs_search(&v, &lt, NULL);
	a = VIEW_LOGS_NONE;
	while (view_logs_each(&v, &lt, false, &a, &text))
		trainer += strstr(text, "[trainer]") != NULL;
	assert_true(trainer > 50);
	/* None: every line again. */
	view_logs_set_tasks(&v, &lt, NULL);
	a = VIEW_LOGS_NONE;
	n = 0;
	while (view_logs_each(&v, &lt, false, &a, &text))
		n++;
	assert_int_equal(n, 120);
	strv_free(&only);
	view_logs_free(&v);
	log_tail_free(&lt);
}

/* ------------------------------------------------------------------ saving */

static char *
save_read(const char *path, mode_t *mode)
{
	struct stat st;
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	assert_non_null(f);
	assert_int_equal(fstat(fileno(f), &st), 0);
	*mode = st.st_mode & 07777;
	buf = xmalloc((size_t)st.st_size + 1);
	n = fread(buf, 1, (size_t)st.st_size, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* What is shown, as shown (escapes gone, no timestamps when hidden), or every line as it came;
 * mode 0600; an existing file only replaced when asked. */
static void
test_save_to_file(void **state)
{
	char dir[] = "/tmp/osmotop-save-XXXXXX";
	struct log_tail lt;
	struct view_logs v;
	struct strv only = { 0 };
	char *path, *err = NULL, *text;
	mode_t mode, old = umask(0);

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/out.log", dir);
	log_tail_init(&lt, 1000);
	logs_fill(&lt, 50, 60);
	view_logs_init(&v);
	strv_push(&only, "trainer");
	view_logs_set_tasks(&v, &lt, &only);
	view_logs_toggle(&v, &lt, VIEW_LOGS_TIMESTAMPS);
	assert_int_equal(log_save_file(&v, &lt, false, path, false, &err), 8);
	text = save_read(path, &mode);
	assert_int_equal(mode, 0600);
	assert_string_equal(text, "[trainer][osmo] Uploading checkpoint 5\n"
	                          "[trainer] step=51 loss=2.8623 lr=2.0e-05\n"
	                          "[trainer] step=53 loss=2.8569 lr=2.0e-05\n"
	                          "[trainer] step=54 loss=2.8542 lr=2.0e-05\n"
	                          "[trainer] step=55 loss=2.8515 lr=2.0e-05\n"
	                          "[trainer] step=56 loss=2.8488 lr=2.0e-05\n"
	                          "[trainer] ERROR NCCL timeout on rank 3, retrying\n"
	                          "[trainer] step=58 loss=2.8434 lr=2.0e-05\n");
	free(text);
	/* It exists: not replaced unasked, and nothing else is left in the folder. */
	assert_int_equal(log_save_file(&v, &lt, true, path, false, &err), -1);
	assert_int_equal(errno, EEXIST);
	assert_non_null(strstr(err, "exists"));
	free(err);
	/* Asked: the whole stream, escapes and all, still 0600. */
	assert_int_equal(log_save_file(&v, &lt, true, path, true, &err), 10);
	text = save_read(path, &mode);
	assert_int_equal(mode, 0600);
	assert_non_null(strstr(text, "\x1b[1;31mERROR"));
	assert_non_null(strstr(text, "[worker-2 retry-1]"));
	free(text);
	/* A folder that is not there: said, nothing written. */
	char *bad = xasprintf("%s/no/such/out.log", dir);

	assert_int_equal(log_save_file(&v, &lt, false, bad, false, &err), -1);
	assert_non_null(strstr(err, "No such file"));
	free(err);
	free(bad);
	unlink(path);
	assert_int_equal(rmdir(dir), 0); /* no temporary file left behind */
	umask(old);
	text = log_save_default_name("wf-1", "a/b c");
	assert_string_equal(text, "wf-1-a_b_c.log");
	free(text);
	free(path);
	strv_free(&only);
	view_logs_free(&v);
	log_tail_free(&lt);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_follow_bottom),
		cmocka_unit_test(test_scrolled_middle),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_wrap_tall_line),
		cmocka_unit_test(test_timestamps_hidden),
		cmocka_unit_test(test_search),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_progress_collapse),
		cmocka_unit_test(test_cr_hides_nothing),
		cmocka_unit_test(test_hostile_bytes),
		cmocka_unit_test(test_waiting),
		cmocka_unit_test(test_empty_ended_log),
		cmocka_unit_test(test_event_timestamps_hidden),
		cmocka_unit_test(test_task_colours),
		cmocka_unit_test(test_yaml_looks),
		cmocka_unit_test(test_top_stable_while_dropping),
		cmocka_unit_test(test_next_wraps),
		cmocka_unit_test(test_random_operations),
		cmocka_unit_test(test_errors_in_a_long_log),
		cmocka_unit_test(test_errors_none_and_hidden),
		cmocka_unit_test(test_task_filter),
		cmocka_unit_test(test_save_to_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
