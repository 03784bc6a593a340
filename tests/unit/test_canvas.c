/* test_canvas.c: UTF-8 decoding and widths (text.h) and the cell grid views draw into (canvas.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/canvas.h"
#include "tui/text.h"
#include "common/util.h"

#define ELLIPSIS "\xe2\x80\xa6"
#define R        "\xef\xbf\xbd" /* U+FFFD */

/* Decodes s (n bytes) once and checks the code point and the bytes consumed. */
static void
expect_decode(const char *s, size_t n, uint32_t cp, size_t used)
{
	uint32_t got = 0;
	size_t k = text_decode(s, n, &got);

	if (got != cp || k != used)
		fail_msg("decode of %zu bytes: U+%04X/%zu, want U+%04X/%zu", n, (unsigned)got, k,
		         (unsigned)cp, used);
}

/* Fills the whole canvas with '#' so that any stray write shows. */
static void
fill_sentinel(struct canvas *c)
{
	for (int r = 0; r < c->rows; r++)
		canvas_fill(c, r, 0, c->cols, '#', STYLE_DIM);
}

/* Row r of the canvas as text, without the newline; caller frees. */
static char *
row_text(const struct canvas *c, int r)
{
	char *all = canvas_to_text(c), *p = all;

	for (int i = 0; i < r; i++)
		p = strchr(p, '\n') + 1;
	char *row = xstrndup(p, strcspn(p, "\n"));

	free(all);
	return row;
}

static void
expect_row(const struct canvas *c, int r, const char *want)
{
	char *got = row_text(c, r);

	assert_string_equal(got, want);
	free(got);
}

/* No cell may hold a control character, and the dump has no control bytes but '\n'. */
static void
expect_no_controls(const struct canvas *c)
{
	char *all = canvas_to_text(c);

	for (int r = 0; r < c->rows; r++) {
		for (int col = 0; col < c->cols; col++) {
			const struct cell *cell = canvas_at(c, r, col);

			if (cell->flags & CELL_WIDE_RIGHT)
				continue;
			if (cell->ch < 0x20 || (cell->ch >= 0x7f && cell->ch < 0xa0))
				fail_msg("cell %d,%d holds control U+%04X", r, col,
				         (unsigned)cell->ch);
		}
	}
	for (const unsigned char *p = (const unsigned char *)all; *p; p++)
		if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
			fail_msg("dump has control byte 0x%02x at %zu", *p,
			         (size_t)(p - (const unsigned char *)all));
	free(all);
}

static void
test_text_width(void **state)
{
	(void)state;
	assert_int_equal(text_width(""), 0);
	assert_int_equal(text_width("hello, world"), 12);
	assert_int_equal(text_width("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"), 6); /* 日本語 */
	assert_int_equal(text_width("e\xcc\x81"), 1);                            /* e + U+0301 */
	assert_int_equal(text_width("\xf0\x9f\x98\x80"), 2);                     /* U+1F600 */
	assert_int_equal(text_width("a\xf0\x9f\x98\x80z"), 4);
	assert_int_equal(text_width("\t"), 1);
	assert_int_equal(text_width("\x1b[2J"), 4);
	assert_int_equal(text_width("\x7f"), 1);
	assert_int_equal(text_width("\xc2\x9b"), 1);          /* C1 U+009B */
	assert_int_equal(text_width("\xc3\xa9t\xc3\xa9"), 3); /* été */
	/* Each invalid byte shows as one U+FFFD. */
	assert_int_equal(text_width("\x80\x80"), 2);
	assert_int_equal(text_width("\xe6\x97"), 2);
	assert_int_equal(text_cp_width(0x0301), 0);
	assert_int_equal(text_cp_width(0x65e5), 2);
	assert_int_equal(text_cp_width(0x1f600), 2);
	assert_int_equal(text_cp_width('a'), 1);
	assert_int_equal(text_cp_width(0x1b), -1);
	assert_int_equal(text_cp_width(0x7f), -1);
	assert_int_equal(text_cp_width(0x9b), -1);
	assert_int_equal(text_cp_width(0xa0), 1);
}

static void
test_text_decode_valid(void **state)
{
	(void)state;
	expect_decode("A", 1, 'A', 1);
	expect_decode("\xc3\xa9", 2, 0xe9, 2);
	expect_decode("\xe6\x97\xa5", 3, 0x65e5, 3);
	expect_decode("\xf0\x9f\x98\x80", 4, 0x1f600, 4);
	expect_decode("\xf4\x8f\xbf\xbf", 4, 0x10ffff, 4);
	expect_decode("\xef\xbf\xbd", 3, 0xfffd, 3);
	expect_decode("\xc2\x80", 2, 0x80, 2);
	expect_decode("\xe0\xa0\x80", 3, 0x800, 3);
	expect_decode("\xf0\x90\x80\x80", 4, 0x10000, 4);
}

static void
test_text_decode_invalid(void **state)
{
	(void)state;
	expect_decode("\x80", 1, TEXT_REPLACEMENT, 1); /* lone continuation */
	expect_decode("\xbfxyz", 4, TEXT_REPLACEMENT, 1);
	expect_decode("\xc0\x80", 2, TEXT_REPLACEMENT, 1);         /* overlong NUL */
	expect_decode("\xc1\xbf", 2, TEXT_REPLACEMENT, 1);         /* overlong */
	expect_decode("\xe0\x80\x80", 3, TEXT_REPLACEMENT, 1);     /* overlong, 3 bytes */
	expect_decode("\xf0\x80\x80\x80", 4, TEXT_REPLACEMENT, 1); /* overlong, 4 bytes */
	expect_decode("\xed\xa0\x80", 3, TEXT_REPLACEMENT, 1);     /* surrogate D800 */
	expect_decode("\xed\xbf\xbf", 3, TEXT_REPLACEMENT, 1);     /* surrogate DFFF */
	expect_decode("\xf4\x90\x80\x80", 4, TEXT_REPLACEMENT, 1); /* > U+10FFFF */
	expect_decode("\xf5\x80\x80\x80", 4, TEXT_REPLACEMENT, 1);
	expect_decode("\xff", 1, TEXT_REPLACEMENT, 1);
	expect_decode("\xe6\x97", 2, TEXT_REPLACEMENT, 1);     /* truncated by len */
	expect_decode("\xe6\x97\xa5", 2, TEXT_REPLACEMENT, 1); /* len says truncated */
	expect_decode("\xf0\x9f\x98", 3, TEXT_REPLACEMENT, 1);
	expect_decode("\xe6XY", 3, TEXT_REPLACEMENT, 1); /* not a continuation */
	expect_decode("\xe6\x97X", 3, TEXT_REPLACEMENT, 1);
	expect_decode("\xc3", 1, TEXT_REPLACEMENT, 1);
}

static void
test_text_encode_round_trip(void **state)
{
	static const uint32_t cps[] = { 0,      'a',    0x7f,    0x80,    0x7ff,   0x800,
		                        0xfffd, 0xffff, 0x10000, 0x1f600, 0x10ffff };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cps); i++) {
		char buf[4];
		uint32_t back = 0;
		size_t n = text_encode(cps[i], buf);

		assert_int_equal(text_decode(buf, n, &back), n);
		assert_int_equal(back, cps[i]);
	}
}

static void
test_canvas_text_columns_and_bounds(void **state)
{
	struct canvas c;

	(void)state;
	canvas_init(&c, 3, 10);
	fill_sentinel(&c);
	/* max_cols cuts. */
	assert_int_equal(canvas_text(&c, 1, 2, 3, STYLE_NORMAL, "hello"), 3);
	expect_row(&c, 1, "##hel#####");
	/* The canvas edge cuts. */
	assert_int_equal(canvas_text(&c, 1, 8, 100, STYLE_NORMAL, "world"), 2);
	expect_row(&c, 1, "##hel###wo");
	expect_row(&c, 0, "##########");
	expect_row(&c, 2, "##########");
	/* Short text uses only its own columns. */
	assert_int_equal(canvas_text(&c, 0, 0, 10, STYLE_NORMAL, "ab"), 2);
	expect_row(&c, 0, "ab########");
	/* Wide characters count two. */
	assert_int_equal(canvas_text(&c, 2, 0, 10, STYLE_NORMAL, "\xe6\x97\xa5x"), 3);
	expect_row(&c, 2, "\xe6\x97\xa5x#######");
	/* Nothing outside the canvas, nothing for no room. */
	assert_int_equal(canvas_text(&c, -1, 0, 10, STYLE_NORMAL, "x"), 0);
	assert_int_equal(canvas_text(&c, 3, 0, 10, STYLE_NORMAL, "x"), 0);
	assert_int_equal(canvas_text(&c, 0, 10, 10, STYLE_NORMAL, "x"), 0);
	assert_int_equal(canvas_text(&c, 0, 0, 0, STYLE_NORMAL, "x"), 0);
	assert_int_equal(canvas_text(&c, 0, 0, -5, STYLE_NORMAL, "x"), 0);
	assert_int_equal(canvas_text(&c, 0, -20, 5, STYLE_NORMAL, "x"), 0);
	assert_int_equal(canvas_text(&c, 0, 0, 5, STYLE_NORMAL, ""), 0);
	expect_row(&c, 0, "ab########");
	/* A negative column never writes before the row. */
	assert_true(canvas_text(&c, 1, -2, 4, STYLE_NORMAL, "zzzzzz") <= 2);
	expect_row(&c, 0, "ab########");
	canvas_free(&c);
}

static void
test_canvas_wide_not_half_drawn(void **state)
{
	struct canvas c;

	(void)state;
	canvas_init(&c, 2, 5);
	fill_sentinel(&c);
	/* At the canvas edge. */
	assert_int_equal(canvas_text(&c, 0, 0, 5, STYLE_NORMAL, "abcd\xe6\x97\xa5"), 4);
	expect_row(&c, 0, "abcd#");
	assert_int_equal(canvas_at(&c, 0, 4)->ch, '#');
	assert_int_equal(canvas_at(&c, 0, 4)->flags, 0);
	/* At max_cols. */
	assert_int_equal(canvas_text(&c, 1, 0, 3, STYLE_NORMAL, "ab\xe6\x97\xa5"), 2);
	expect_row(&c, 1, "ab###");
	/* A wide fill that does not fit. */
	canvas_fill(&c, 1, 4, 1, 0x65e5, STYLE_NORMAL);
	expect_row(&c, 1, "ab###");
	/* One that fits covers two cells. */
	assert_int_equal(canvas_text(&c, 1, 3, 2, STYLE_NORMAL, "\xe6\x97\xa5"), 2);
	expect_row(&c, 1, "ab#\xe6\x97\xa5");
	assert_int_equal(canvas_at(&c, 1, 3)->ch, 0x65e5);
	assert_true(canvas_at(&c, 1, 4)->flags & CELL_WIDE_RIGHT);
	canvas_free(&c);
}

static void
test_canvas_ellipsis(void **state)
{
	struct canvas c;

	(void)state;
	canvas_init(&c, 1, 12);
	assert_int_equal(canvas_text_ellipsis(&c, 0, 0, 3, STYLE_NORMAL, "abc"), 3);
	expect_row(&c, 0, "abc");
	canvas_clear(&c);
	assert_int_equal(canvas_text_ellipsis(&c, 0, 0, 5, STYLE_NORMAL, "abc"), 3);
	expect_row(&c, 0, "abc");
	canvas_clear(&c);
	assert_int_equal(canvas_text_ellipsis(&c, 0, 0, 3, STYLE_NORMAL, "abcd"), 3);
	expect_row(&c, 0, "ab" ELLIPSIS);
	canvas_clear(&c);
	assert_int_equal(canvas_text_ellipsis(&c, 0, 0, 1, STYLE_NORMAL, "abcd"), 1);
	expect_row(&c, 0, ELLIPSIS);
	canvas_clear(&c);
	/* 日本語 is 6 columns. */
	assert_int_equal(canvas_text_ellipsis(&c, 0, 0, 6, STYLE_NORMAL,
	                                      "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"),
	                 6);
	expect_row(&c, 0, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
	canvas_clear(&c);
	assert_int_equal(canvas_text_ellipsis(&c, 0, 0, 5, STYLE_NORMAL,
	                                      "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"),
	                 5);
	expect_row(&c, 0, "\xe6\x97\xa5\xe6\x9c\xac" ELLIPSIS);
	canvas_clear(&c);
	/* The ellipsis does not fit after the wide char, so one column stays unused. */
	int used = canvas_text_ellipsis(&c, 0, 0, 4, STYLE_NORMAL,
	                                "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");

	assert_true(used <= 4);
	expect_row(&c, 0, "\xe6\x97\xa5" ELLIPSIS);
	canvas_clear(&c);
	/* The canvas edge counts as the limit too. */
	assert_int_equal(canvas_text_ellipsis(&c, 0, 8, 100, STYLE_NORMAL, "abcdef"), 4);
	expect_row(&c, 0, "        abc" ELLIPSIS);
	canvas_clear(&c);
	assert_int_equal(canvas_text_ellipsis(&c, 0, 8, 100, STYLE_NORMAL, "abcd"), 4);
	expect_row(&c, 0, "        abcd");
	canvas_clear(&c);
	/* A combining mark takes no column, so this fits. */
	assert_int_equal(canvas_text_ellipsis(&c, 0, 0, 2, STYLE_NORMAL, "e\xcc\x81x"), 2);
	char *row = row_text(&c, 0);

	assert_null(strstr(row, ELLIPSIS));
	free(row);
	canvas_free(&c);
}

static void
test_canvas_controls_never_stored(void **state)
{
	static const char *const hostile[] = {
		"\x1b]52;c;AAAA\x07\x1b[2J",    "a\rb\nc\td\x7fz",
		"\xc2\x9b[31m red \xc2\x9b[0m", "\x9b[2J raw C1",
		"\x1b[?1049h\x1bP+q\x1b\\",     "\x08\x08\x08overwrite\x1b",
	};
	struct canvas c;

	(void)state;
	canvas_init(&c, (int)ARRAY_SIZE(hostile) + 1, 40);
	for (size_t i = 0; i < ARRAY_SIZE(hostile); i++) {
		canvas_text(&c, (int)i, 0, 40, STYLE_NORMAL, hostile[i]);
		canvas_text_ellipsis(&c, (int)ARRAY_SIZE(hostile), 0, 8, STYLE_NORMAL, hostile[i]);
	}
	canvas_fill(&c, 0, 30, 3, '\n', STYLE_NORMAL);
	canvas_fill(&c, 1, 30, 3, 0x1b, STYLE_NORMAL);
	canvas_fill(&c, 2, 30, 3, 0x9b, STYLE_NORMAL);
	expect_no_controls(&c);
	expect_row(&c, 0, R "]52;c;AAAA" R R "[2J              " R R R);
	expect_row(&c, 1, "a" R "b" R "c" R "d" R "z                     " R R R);
	/* Each control is exactly one replacement cell. */
	canvas_clear(&c);
	assert_int_equal(canvas_text(&c, 0, 0, 40, STYLE_NORMAL, "\x1b]52;c;AAAA\x07\x1b[2J"), 16);
	assert_int_equal(canvas_at(&c, 0, 0)->ch, TEXT_REPLACEMENT);
	assert_int_equal(canvas_at(&c, 0, 11)->ch, TEXT_REPLACEMENT);
	assert_int_equal(canvas_at(&c, 0, 12)->ch, TEXT_REPLACEMENT);
	assert_int_equal(canvas_at(&c, 0, 13)->ch, '[');
	canvas_free(&c);
}

/* Bidi controls and separators would make a row show other text: no cell holds one. */
static void
test_canvas_bidi_never_stored(void **state)
{
	static const uint32_t bidi[] = { 0x061c, 0x200e, 0x200f, 0x2028, 0x2029, 0x202a, 0x202b,
		                         0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069 };
	struct canvas c;

	(void)state;
	canvas_init(&c, 2, 40);
	for (size_t i = 0; i < ARRAY_SIZE(bidi); i++) {
		char s[64], cp[4];
		size_t n = text_encode(bidi[i], cp);

		assert_int_equal(text_cp_width(bidi[i]), 0);
		snprintf(s, sizeof(s), "user %.*sgnp.exe", (int)n, cp);
		assert_int_equal(text_width(s), 12);
		canvas_clear(&c);
		assert_int_equal(canvas_text(&c, 0, 0, 40, STYLE_NORMAL, s), 12);
		assert_int_equal(canvas_text_ellipsis(&c, 1, 0, 6, STYLE_NORMAL, s), 6);
		canvas_fill(&c, 0, 20, 3, bidi[i], STYLE_NORMAL);
		for (int k = 0; k < c.rows * c.cols; k++)
			if (c.cells[k].ch == bidi[i])
				fail_msg("U+%04X stored in cell %d", (unsigned)bidi[i], k);
		expect_row(&c, 0, "user gnp.exe");
	}
	canvas_free(&c);
}

static void
test_canvas_overwrite_wide_half(void **state)
{
	struct canvas c;

	(void)state;
	canvas_init(&c, 1, 8);
	/* Overwrite the right half: the left half becomes a space. */
	canvas_text(&c, 0, 0, 8, STYLE_NORMAL, "\xe6\x97\xa5\xe6\x9c\xac");
	canvas_text(&c, 0, 1, 1, STYLE_NORMAL, "x");
	expect_row(&c, 0, " x\xe6\x9c\xac");
	assert_int_equal(canvas_at(&c, 0, 0)->ch, ' ');
	assert_int_equal(canvas_at(&c, 0, 1)->flags, 0);

	/* Overwrite the left half: the right half becomes a real space. */
	canvas_clear(&c);
	canvas_text(&c, 0, 0, 8, STYLE_NORMAL, "\xe6\x97\xa5\xe6\x9c\xac");
	canvas_text(&c, 0, 2, 1, STYLE_NORMAL, "y");
	expect_row(&c, 0, "\xe6\x97\xa5y");
	assert_int_equal(canvas_at(&c, 0, 3)->ch, ' ');
	assert_int_equal(canvas_at(&c, 0, 3)->flags, 0);

	/* A wide char straddling two wide chars clears both outer halves. */
	canvas_clear(&c);
	canvas_text(&c, 0, 0, 8, STYLE_NORMAL, "\xe6\x97\xa5\xe6\x9c\xac");
	canvas_text(&c, 0, 1, 2, STYLE_NORMAL, "\xe8\xaa\x9e");
	expect_row(&c, 0, " \xe8\xaa\x9e");
	assert_int_equal(canvas_at(&c, 0, 0)->ch, ' ');
	assert_int_equal(canvas_at(&c, 0, 3)->ch, ' ');
	assert_int_equal(canvas_at(&c, 0, 3)->flags, 0);

	/* A fill over the right half does the same. */
	canvas_clear(&c);
	canvas_text(&c, 0, 0, 8, STYLE_NORMAL, "ab\xe6\x97\xa5xy");
	canvas_fill(&c, 0, 3, 1, '-', STYLE_NORMAL);
	expect_row(&c, 0, "ab -xy");

	/* Every cell of the row is consistent: a right half always follows a wide char. */
	for (int col = 0; col < c.cols; col++) {
		const struct cell *cell = canvas_at(&c, 0, col);

		if (cell->flags & CELL_WIDE_RIGHT)
			assert_int_equal(text_cp_width(canvas_at(&c, 0, col - 1)->ch), 2);
	}
	canvas_free(&c);
}

static void
test_canvas_to_text_trims(void **state)
{
	struct canvas c;
	char *s;

	(void)state;
	canvas_init(&c, 4, 8);
	canvas_text(&c, 0, 0, 8, STYLE_NORMAL, "ab   ");
	canvas_text(&c, 1, 1, 8, STYLE_NORMAL, "a  b");
	canvas_fill(&c, 3, 0, 8, ' ', STYLE_HEADER);
	canvas_text(&c, 3, 7, 1, STYLE_NORMAL, "z");
	s = canvas_to_text(&c);
	assert_string_equal(s, "ab\n a  b\n\n       z\n");
	free(s);
	canvas_free(&c);
}

static void
test_canvas_to_styles(void **state)
{
	struct canvas c;
	char *s;

	(void)state;
	canvas_init(&c, 3, 6);
	canvas_text(&c, 0, 0, 6, STYLE_TITLE, "ab");
	canvas_text(&c, 0, 3, 1, STYLE_ERROR, "c");
	canvas_fill(&c, 1, 1, 2, '-', STYLE_HEADER);
	canvas_style(&c, 1, 4, 1, STYLE_SELECTED);
	canvas_style(&c, 1, 5, 10, STYLE_STATUS_RUNNING); /* clipped at the edge */
	canvas_text(&c, 2, 0, 6, STYLE_STATUS_FAILED, "\xe6\x97\xa5");
	canvas_text(&c, 2, 2, 6, STYLE_STATUS_QUEUED, "q");
	canvas_text(&c, 2, 3, 1, STYLE_STATUS_DONE, "d");
	canvas_text(&c, 2, 4, 1, STYLE_WARN, "w");
	canvas_text(&c, 2, 5, 1, STYLE_LEAD, "L");
	s = canvas_to_styles(&c);
	assert_string_equal(s, "TT.E..\n.HH.Sr\nffqcWL\n");
	free(s);
	s = canvas_to_text(&c);
	assert_string_equal(s, "ab c\n --\n\xe6\x97\xa5qdwL\n");
	free(s);
	/* Every style has its own letter, all distinct. */
	canvas_free(&c);
	canvas_init(&c, 1, STYLE_COUNT);
	for (int i = 0; i < STYLE_COUNT; i++)
		canvas_style(&c, 0, i, 1, (enum style)i);
	s = canvas_to_styles(&c);
	assert_int_equal(strlen(s), STYLE_COUNT + 1);
	for (int i = 0; i < STYLE_COUNT; i++)
		for (int j = i + 1; j < STYLE_COUNT; j++)
			assert_true(s[i] != s[j]);
	assert_int_equal(s[STYLE_NORMAL], '.');
	assert_int_equal(s[STYLE_SELECTED], 'S');
	free(s);
	canvas_free(&c);
}

/* Widths as curses and the terminal count them (glibc), not as a hand-kept table did. */
static void
test_cp_widths_follow_wcwidth(void **state)
{
	static const struct {
		uint32_t cp;
		int width;
	} cases[] = {
		{ 'a', 1 },     { 0x1b, -1 },    { 0x9b, -1 },   { 0x0301, 0 }, { 0x0981, 0 },
		{ 0x0a01, 0 },  { 0x0b01, 0 },   { 0x0c00, 0 },  { 0x1160, 0 }, { 0x11a8, 0 },
		{ 0x200b, 0 },  { 0x202e, 0 },   { 0x2028, 0 },  { 0x4e00, 2 }, { 0xac00, 2 },
		{ 0x1f600, 2 }, { 0x231a, 2 },   { 0x2605, 1 },  { 0x25cf, 1 }, { 0x2714, 1 },
		{ 0x2026, 1 },  { 0x10ffff, 1 }, { 0xe0001, 0 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (text_cp_width(cases[i].cp) != cases[i].width)
			fail_msg("U+%04X: width %d, want %d", (unsigned)cases[i].cp,
			         text_cp_width(cases[i].cp), cases[i].width);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_width),
		cmocka_unit_test(test_text_decode_valid),
		cmocka_unit_test(test_text_decode_invalid),
		cmocka_unit_test(test_text_encode_round_trip),
		cmocka_unit_test(test_canvas_text_columns_and_bounds),
		cmocka_unit_test(test_canvas_wide_not_half_drawn),
		cmocka_unit_test(test_canvas_ellipsis),
		cmocka_unit_test(test_canvas_controls_never_stored),
		cmocka_unit_test(test_canvas_bidi_never_stored),
		cmocka_unit_test(test_canvas_overwrite_wide_half),
		cmocka_unit_test(test_canvas_to_text_trims),
		cmocka_unit_test(test_canvas_to_styles),
		cmocka_unit_test(test_cp_widths_follow_wcwidth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
