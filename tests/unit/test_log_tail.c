/* test_log_tail.c: line splitting, the bounded ring and replay de-duplication (log_tail.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "client/log_tail.h"
#include "common/util.h"

static void
feed_str(struct log_tail *lt, const char *s)
{
	log_tail_feed(lt, s, strlen(s));
}

/* Feeds n copies of line followed by a newline. */
static void
feed_repeat(struct log_tail *lt, const char *line, int n)
{
	for (int i = 0; i < n; i++) {
		feed_str(lt, line);
		feed_str(lt, "\n");
	}
}

/* The ring must hold exactly want[0..n). */
static void
expect_lines(const struct log_tail *lt, const char *const *want, size_t n)
{
	if (lt->count != n) {
		for (size_t i = 0; i < lt->count; i++)
			print_message("  line %zu: \"%s\"\n", i, log_tail_line(lt, i));
		fail_msg("count %zu, want %zu", lt->count, n);
	}
	for (size_t i = 0; i < n; i++)
		assert_string_equal(log_tail_line(lt, i), want[i]);
	assert_null(log_tail_line(lt, n));
}

#define EXPECT_LINES(lt, ...)                                       \
	do {                                                        \
		static const char *const want_[] = { __VA_ARGS__ }; \
		expect_lines((lt), want_, ARRAY_SIZE(want_));       \
	} while (0)

static void
test_split_at_every_offset(void **state)
{
	static const char text[] =
	        "alpha\n\xce\xb2\xce\xb5ta \xe6\x97\xa5\xe6\x9c\xac\n\ngamma ray\n";
	const size_t len = sizeof(text) - 1;

	(void)state;
	for (size_t k = 0; k <= len; k++) {
		struct log_tail lt;

		log_tail_init(&lt, 16);
		log_tail_feed(&lt, text, k);
		log_tail_feed(&lt, text + k, len - k);
		EXPECT_LINES(&lt, "alpha", "\xce\xb2\xce\xb5ta \xe6\x97\xa5\xe6\x9c\xac", "",
		             "gamma ray");
		assert_int_equal(lt.appended, 4);
		assert_int_equal(lt.partial.len, 0);
		log_tail_free(&lt);
	}
	/* Also one byte at a time. */
	struct log_tail lt;

	log_tail_init(&lt, 16);
	for (size_t i = 0; i < len; i++)
		log_tail_feed(&lt, text + i, 1);
	EXPECT_LINES(&lt, "alpha", "\xce\xb2\xce\xb5ta \xe6\x97\xa5\xe6\x9c\xac", "", "gamma ray");
	log_tail_free(&lt);
}

static void
test_three_lines_two_pieces(void **state)
{
	static const char text[] = "one\ntwo\nthree\n";
	const size_t len = sizeof(text) - 1;

	(void)state;
	for (size_t k = 0; k <= len; k++) {
		struct log_tail lt;

		log_tail_init(&lt, 8);
		log_tail_feed(&lt, text, k);
		log_tail_feed(&lt, text + k, len - k);
		EXPECT_LINES(&lt, "one", "two", "three");
		log_tail_free(&lt);
	}
}

static void
test_utf8_split_intact(void **state)
{
	/* U+1F600 (4 bytes) and U+65E5 (3 bytes), cut inside each. */
	static const char text[] = "a\xf0\x9f\x98\x80 b\xe6\x97\xa5\n";
	const size_t len = sizeof(text) - 1;

	(void)state;
	for (size_t k = 1; k < len; k++) {
		struct log_tail lt;

		log_tail_init(&lt, 4);
		log_tail_feed(&lt, text, k);
		assert_int_equal(lt.count, 0);
		log_tail_feed(&lt, text + k, len - k);
		EXPECT_LINES(&lt, "a\xf0\x9f\x98\x80 b\xe6\x97\xa5");
		log_tail_free(&lt);
	}
}

static void
test_crlf_stripped(void **state)
{
	struct log_tail lt;

	(void)state;
	log_tail_init(&lt, 8);
	feed_str(&lt, "one\r\ntwo\r");
	feed_str(&lt, "\nthree\n\r\nfour\r\n");
	EXPECT_LINES(&lt, "one", "two", "three", "", "four");
	log_tail_free(&lt);

	/* A CR inside a line is the line's own business. */
	log_tail_init(&lt, 8);
	feed_str(&lt, "a\rb\r\n");
	EXPECT_LINES(&lt, "a\rb");
	log_tail_free(&lt);
}

static void
test_ring_wrap(void **state)
{
	struct log_tail lt;

	(void)state;
	log_tail_init(&lt, 3);
	feed_str(&lt, "1\n2\n");
	EXPECT_LINES(&lt, "1", "2");
	assert_int_equal(lt.dropped, 0);
	feed_str(&lt, "3\n4\n5\n");
	EXPECT_LINES(&lt, "3", "4", "5");
	assert_int_equal(lt.appended, 5);
	assert_int_equal(lt.dropped, 2);
	feed_str(&lt, "6\n7\n8\n9\n10\n11\n12\n");
	EXPECT_LINES(&lt, "10", "11", "12");
	assert_int_equal(lt.appended, 12);
	assert_int_equal(lt.dropped, 9);
	assert_int_equal(lt.appended - lt.dropped, lt.count);
	log_tail_free(&lt);
}

static void
test_partial_kept_until_newline(void **state)
{
	struct log_tail lt;

	(void)state;
	log_tail_init(&lt, 8);
	feed_str(&lt, "first\nsec");
	EXPECT_LINES(&lt, "first");
	feed_str(&lt, "ond half");
	EXPECT_LINES(&lt, "first");
	feed_str(&lt, " done\nthi");
	EXPECT_LINES(&lt, "first", "second half done");
	log_tail_finish(&lt);
	EXPECT_LINES(&lt, "first", "second half done", "thi");
	assert_int_equal(lt.partial.len, 0);
	/* Finishing again, or with nothing pending, adds nothing. */
	log_tail_finish(&lt);
	EXPECT_LINES(&lt, "first", "second half done", "thi");
	log_tail_free(&lt);

	log_tail_init(&lt, 8);
	log_tail_finish(&lt);
	assert_int_equal(lt.count, 0);
	feed_str(&lt, "x\r");
	log_tail_finish(&lt);
	EXPECT_LINES(&lt, "x");
	log_tail_free(&lt);
}

static void
test_reconnect_full_replay(void **state)
{
	struct log_tail lt;

	(void)state;
	log_tail_init(&lt, 100);
	feed_str(&lt, "l1\nl2\nl3\nl4\n");
	log_tail_reconnect(&lt);
	feed_str(&lt, "l1\nl2\nl3\n");
	EXPECT_LINES(&lt, "l1", "l2", "l3", "l4");
	feed_str(&lt, "l4\nl5\nl6\n");
	EXPECT_LINES(&lt, "l1", "l2", "l3", "l4", "l5", "l6");
	assert_int_equal(lt.appended, 6);
	assert_int_equal(lt.gaps, 0);
	log_tail_free(&lt);
}

static void
test_reconnect_replay_from_middle(void **state)
{
	struct log_tail lt;

	(void)state;
	log_tail_init(&lt, 100);
	feed_str(&lt, "l1\nl2\nl3\nl4\nl5\nl6\n");
	log_tail_reconnect(&lt);
	/* Like last_n_lines=4 after two new lines were logged. */
	feed_str(&lt, "l5\nl6\nl7\nl8\n");
	EXPECT_LINES(&lt, "l1", "l2", "l3", "l4", "l5", "l6", "l7", "l8");
	assert_int_equal(lt.gaps, 0);
	log_tail_free(&lt);
}

static void
test_reconnect_no_overlap_gap(void **state)
{
	struct log_tail lt;

	(void)state;
	log_tail_init(&lt, 100);
	feed_str(&lt, "a\nb\nc\n");
	log_tail_reconnect(&lt);
	feed_str(&lt, "x\ny\n");
	EXPECT_LINES(&lt, "a", "b", "c", LOG_TAIL_GAP, "x", "y");
	assert_int_equal(lt.gaps, 1);
	feed_str(&lt, "z\na\n");
	EXPECT_LINES(&lt, "a", "b", "c", LOG_TAIL_GAP, "x", "y", "z", "a");
	assert_int_equal(lt.gaps, 1);
	log_tail_free(&lt);
}

static void
test_reconnect_diverges_after_prefix(void **state)
{
	struct log_tail lt;

	(void)state;
	log_tail_init(&lt, 100);
	feed_str(&lt, "a\nb\nc\nd\n");
	log_tail_reconnect(&lt);
	feed_str(&lt, "a\nb\nX\nY\n");
	EXPECT_LINES(&lt, "a", "b", "c", "d", LOG_TAIL_GAP, "X", "Y");
	assert_int_equal(lt.gaps, 1);
	log_tail_free(&lt);
}

/* Regression: a replay must not stop at the first alignment that caught up. */
static void
test_reconnect_repeated_lines(void **state)
{
	struct log_tail lt;

	(void)state;
	log_tail_init(&lt, 1000);
	feed_repeat(&lt, ".", 100);
	assert_int_equal(lt.count, 100);
	log_tail_reconnect(&lt);
	feed_repeat(&lt, ".", 100);
	feed_str(&lt, "new\n");
	assert_int_equal(lt.count, 101);
	assert_int_equal(lt.appended, 101);
	assert_int_equal(lt.gaps, 0);
	assert_string_equal(log_tail_line(&lt, 100), "new");
	for (size_t i = 0; i < 100; i++)
		assert_string_equal(log_tail_line(&lt, i), ".");
	log_tail_free(&lt);
}

/* Regression: a periodic history replayed in full appends only the new line. */
static void
test_reconnect_periodic_history(void **state)
{
	struct log_tail lt;

	(void)state;
	log_tail_init(&lt, 100);
	feed_str(&lt, "a\nb\na\nb\n");
	log_tail_reconnect(&lt);
	feed_str(&lt, "a\nb\na\nb\nc\n");
	assert_int_equal(lt.count, 5);
	EXPECT_LINES(&lt, "a", "b", "a", "b", "c");
	assert_int_equal(lt.gaps, 0);
	log_tail_free(&lt);
}

static void
test_reconnect_repeated_lines_distinct_tail(void **state)
{
	struct log_tail lt;

	(void)state;
	/* Repetition is fine when the newest line is unique: only one candidate survives. */
	log_tail_init(&lt, 1000);
	feed_repeat(&lt, ".", 50);
	feed_str(&lt, "end\n");
	log_tail_reconnect(&lt);
	feed_repeat(&lt, ".", 50);
	feed_str(&lt, "end\nnew\n");
	assert_int_equal(lt.count, 52);
	assert_string_equal(log_tail_line(&lt, 50), "end");
	assert_string_equal(log_tail_line(&lt, 51), "new");
	assert_int_equal(lt.gaps, 0);
	log_tail_free(&lt);
}

static void
test_reconnect_replay_ends_at_last_line(void **state)
{
	struct log_tail lt;

	(void)state;
	log_tail_init(&lt, 100);
	feed_str(&lt, "a\nb\nc\n");
	log_tail_reconnect(&lt);
	feed_str(&lt, "a\nb\nc\n");
	EXPECT_LINES(&lt, "a", "b", "c");
	assert_int_equal(lt.appended, 3);
	/* Later, the live stream goes on. */
	feed_str(&lt, "d\n");
	feed_str(&lt, "e\n");
	EXPECT_LINES(&lt, "a", "b", "c", "d", "e");
	assert_int_equal(lt.gaps, 0);
	log_tail_free(&lt);
}

static void
test_reconnect_drops_fragment(void **state)
{
	struct log_tail lt;

	(void)state;
	log_tail_init(&lt, 100);
	feed_str(&lt, "a\nb\npar");
	log_tail_reconnect(&lt);
	assert_int_equal(lt.partial.len, 0);
	feed_str(&lt, "a\nb\npartial line\nc\n");
	EXPECT_LINES(&lt, "a", "b", "partial line", "c");
	assert_int_equal(lt.gaps, 0);
	log_tail_free(&lt);
}

static void
test_reconnect_twice(void **state)
{
	struct log_tail lt;

	(void)state;
	log_tail_init(&lt, 100);
	feed_str(&lt, "a\nb\n");
	log_tail_reconnect(&lt);
	feed_str(&lt, "x\n");
	log_tail_reconnect(&lt);
	/* The second history holds the gap marker, which no server line repeats. */
	feed_str(&lt, "x\ny\n");
	EXPECT_LINES(&lt, "a", "b", LOG_TAIL_GAP, "x", "y");
	assert_int_equal(lt.gaps, 1);
	log_tail_free(&lt);
}

static void
test_reconnect_empty_tail(void **state)
{
	struct log_tail lt;

	(void)state;
	log_tail_init(&lt, 100);
	log_tail_reconnect(&lt);
	feed_str(&lt, "a\nb\n");
	EXPECT_LINES(&lt, "a", "b");
	assert_int_equal(lt.gaps, 0);
	log_tail_reconnect(&lt);
	feed_str(&lt, "a\nb\nc\n");
	EXPECT_LINES(&lt, "a", "b", "c");
	assert_int_equal(lt.gaps, 0);
	log_tail_free(&lt);
}

static void
test_long_line_cut(void **state)
{
	const size_t total = 200 * 1024;
	char chunk[4096];
	struct log_tail lt;

	(void)state;
	memset(chunk, 'x', sizeof(chunk));
	for (int finish = 0; finish < 2; finish++) {
		log_tail_init(&lt, 4);
		for (size_t fed = 0; fed < total; fed += sizeof(chunk)) {
			log_tail_feed(&lt, chunk, sizeof(chunk));
			assert_true(lt.partial.len <= LOG_TAIL_MAX_LINE + 1);
			assert_true(lt.partial.cap <= 2 * (LOG_TAIL_MAX_LINE + 2));
		}
		assert_int_equal(lt.count, 0);
		if (finish)
			log_tail_finish(&lt);
		else
			feed_str(&lt, "\n");
		assert_int_equal(lt.count, 1);

		const char *line = log_tail_line(&lt, 0);

		assert_int_equal(strlen(line), LOG_TAIL_MAX_LINE + strlen(" [cut]"));
		assert_string_equal(line + LOG_TAIL_MAX_LINE, " [cut]");
		assert_int_equal(strspn(line, "x"), LOG_TAIL_MAX_LINE);
		/* The stream goes on normally. */
		feed_str(&lt, "next\n");
		assert_string_equal(log_tail_line(&lt, 1), "next");
		log_tail_free(&lt);
	}
	/* A line of exactly LOG_TAIL_MAX_LINE bytes is kept whole. */
	char *exact = xmalloc(LOG_TAIL_MAX_LINE + 1);

	memset(exact, 'y', LOG_TAIL_MAX_LINE);
	exact[LOG_TAIL_MAX_LINE] = '\n';
	log_tail_init(&lt, 4);
	log_tail_feed(&lt, exact, LOG_TAIL_MAX_LINE + 1);
	assert_int_equal(lt.count, 1);
	assert_int_equal(strlen(log_tail_line(&lt, 0)), LOG_TAIL_MAX_LINE);
	log_tail_free(&lt);
	free(exact);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_at_every_offset),
		cmocka_unit_test(test_three_lines_two_pieces),
		cmocka_unit_test(test_utf8_split_intact),
		cmocka_unit_test(test_crlf_stripped),
		cmocka_unit_test(test_ring_wrap),
		cmocka_unit_test(test_partial_kept_until_newline),
		cmocka_unit_test(test_reconnect_full_replay),
		cmocka_unit_test(test_reconnect_replay_from_middle),
		cmocka_unit_test(test_reconnect_no_overlap_gap),
		cmocka_unit_test(test_reconnect_diverges_after_prefix),
		cmocka_unit_test(test_reconnect_repeated_lines),
		cmocka_unit_test(test_reconnect_periodic_history),
		cmocka_unit_test(test_reconnect_repeated_lines_distinct_tail),
		cmocka_unit_test(test_reconnect_replay_ends_at_last_line),
		cmocka_unit_test(test_reconnect_drops_fragment),
		cmocka_unit_test(test_reconnect_twice),
		cmocka_unit_test(test_reconnect_empty_tail),
		cmocka_unit_test(test_long_line_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
