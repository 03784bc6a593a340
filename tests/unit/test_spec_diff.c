/* test_spec_diff.c: two specs' lines compared: kept, removed, added, in order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/util.h"
#include "tui/spec_diff.h"

static void
diff_expect(const char *old, const char *new, const char *want, size_t want_changed)
{
	size_t changed = SIZE_MAX;
	char *got = spec_diff(old, strlen(old), new, strlen(new), &changed);

	assert_non_null(got);
	assert_string_equal(got, want);
	assert_int_equal(changed, want_changed);
	free(got);
}

static void
test_lines(void **state)
{
	(void)state;
	diff_expect("a\nb\nc\n", "a\nb\nc\n", "  a\n  b\n  c\n", 0);
	diff_expect("a\nb\nc\n", "a\nx\nc\n", "  a\n- b\n+ x\n  c\n", 2);
	diff_expect("a\nc\n", "a\nb\nc\n", "  a\n+ b\n  c\n", 1);
	diff_expect("a\nb\nc", "a\nc", "  a\n- b\n  c\n", 1); /* no newline at the end */
	diff_expect("", "a\n", "+ a\n", 1);
	diff_expect("a\n", "", "- a\n", 1);
}

/* More lines than a diff is kept for: no answer, so the caller says why. */
static void
test_too_long(void **state)
{
	struct strbuf big = { 0 };
	size_t changed;

	(void)state;
	for (int i = 0; i <= SPEC_DIFF_MAX_LINES; i++)
		strbuf_addstr(&big, "x\n");
	assert_null(spec_diff(big.buf, big.len, "x\n", 2, &changed));
	strbuf_free(&big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
