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
diff_expect(const char *old, const char *new, const char *want)
{
	char *got = spec_diff(old, strlen(old), new, strlen(new));

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
test_lines(void **state)
{
	(void)state;
	diff_expect("a\nb\nc\n", "a\nb\nc\n", "  a\n  b\n  c\n");
	diff_expect("a\nb\nc\n", "a\nx\nc\n", "  a\n- b\n+ x\n  c\n");
	diff_expect("a\nc\n", "a\nb\nc\n", "  a\n+ b\n  c\n");
	diff_expect("a\nb\nc", "a\nc", "  a\n- b\n  c\n"); /* no newline at the end */
	diff_expect("", "a\n", "+ a\n");
	diff_expect("a\n", "", "- a\n");
}

/* More lines than a diff is kept for: no answer, so the caller says why. */
static void
test_too_long(void **state)
{
	struct strbuf big = { 0 };

	(void)state;
	for (int i = 0; i <= SPEC_DIFF_MAX_LINES; i++)
		strbuf_addstr(&big, "x\n");
	assert_null(spec_diff(big.buf, big.len, "x\n", 2));
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
