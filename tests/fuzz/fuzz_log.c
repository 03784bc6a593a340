/*
 * fuzz_log.c: a log stream through the ring (cut anywhere, replayed on a reconnect), each line's
 * progress read, and the logs view drawn: no control byte may reach a cell.
 */
#include <stdlib.h>
#include <string.h>

#include "client/log_progress.h"
#include "client/log_tail.h"
#include "common/util.h"
#include "fuzz.h"
#include "tui/canvas.h"
#include "tui/config.h"
#include "tui/text.h"
#include "tui/view_logs.h"

/* Draws lt at rows x cols and checks every cell. */
static void
fuzz_log_draw(const struct log_tail *lt, struct view_logs *v, int rows, int cols)
{
	struct canvas c;

	canvas_init(&c, rows, cols);
	view_logs_render(NULL, lt, v, "logs", "state", &c, 0, 0, rows, cols);
	for (int i = 0; i < rows * cols; i++)
		if (!(c.cells[i].flags & CELL_WIDE_RIGHT) &&
		    (c.cells[i].ch < 0x20 || (c.cells[i].ch >= 0x7f && c.cells[i].ch < 0xa0) ||
		     utf8_cp_unsafe(c.cells[i].ch)))
			abort();
	canvas_free(&c);
}

/* Widths as the monitor counts them: UTF-8, whatever the fuzzer's locale. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	text_locale();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct log_tail lt;
	struct view_logs v;
	struct log_progress *lp = log_progress_new(CONFIG_METRIC, NULL);
	char task[64];
	size_t cut = 1;

	log_tail_init(&lt, 32);
	/* Pieces of 1, 2, ... 13 bytes, then the stream again after a reconnect, as a replay. */
	for (size_t at = 0; at < size; at += cut, cut = cut % 13 + 1)
		log_tail_feed(&lt, s + at, size - at < cut ? size - at : cut);
	log_tail_reconnect(&lt);
	log_tail_feed(&lt, s, size);
	log_tail_finish(&lt);
	for (size_t i = 0; i < lt.count; i++) {
		const char *line = log_tail_line(&lt, i), *text;
		bool named = view_logs_line_task(line, task, sizeof(task), &text);

		free(view_logs_plain(line));
		log_progress_feed(lp, named ? task : "t", line, strlen(line), (int64_t)i * 700);
	}
	view_logs_init(&v);
	fuzz_log_draw(&lt, &v, 24, 80);
	view_logs_search(&v, &lt, "a");
	view_logs_toggle(&v, &lt, VIEW_LOGS_WRAP);
	view_logs_toggle(&v, &lt, VIEW_LOGS_TIMESTAMPS);
	view_logs_hscroll(&v, 7);
	fuzz_log_draw(&lt, &v, 6, 20);
	view_logs_toggle(&v, &lt, VIEW_LOGS_FILTER);
	view_logs_jump(&v, &lt, false);
	fuzz_log_draw(&lt, &v, 12, 40);
	view_logs_free(&v);
	log_progress_free(lp);
	log_tail_free(&lt);
	return 0;
}
