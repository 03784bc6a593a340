/* test_keymap.c: the monitor's keys: every action reachable, no key meaning two things. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tui/keymap.h"
#include "tui/screen.h"

static void
test_every_action_has_a_key_and_help(void **state)
{
	size_t n;
	const struct keymap_binding *b = keymap_bindings(&n);

	(void)state;
	for (int a = 0; a < KEYMAP_COUNT; a++) {
		bool bound = false;

		for (size_t i = 0; i < n; i++)
			bound |= (int)b[i].action == a;
		assert_true(bound);
		assert_true(strlen(keymap_help((enum keymap_action)a)) > 5);
	}
}

static void
test_no_key_twice_in_a_view(void **state)
{
	size_t n;
	const struct keymap_binding *b = keymap_bindings(&n);

	(void)state;
	for (size_t i = 0; i < n; i++)
		for (size_t k = i + 1; k < n; k++)
			if (b[i].key == b[k].key)
				assert_int_equal(b[i].views & b[k].views, 0);
}

static void
test_conventions(void **state)
{
	(void)state;
	assert_int_equal(keymap_lookup(KEYMAP_IN_LIST, 'j'), KEYMAP_DOWN);
	assert_int_equal(keymap_lookup(KEYMAP_IN_LOGS, SCREEN_KEY_UP), KEYMAP_UP);
	assert_int_equal(keymap_lookup(KEYMAP_IN_LIST, SCREEN_KEY_ENTER), KEYMAP_OPEN);
	assert_int_equal(keymap_lookup(KEYMAP_IN_WORKFLOW, 'C'), KEYMAP_CANCEL);
	assert_int_equal(keymap_lookup(KEYMAP_IN_WORKFLOW, SCREEN_CTRL('d')), KEYMAP_CANCEL);
	assert_int_equal(keymap_lookup(KEYMAP_IN_WORKFLOW, 'R'), KEYMAP_RESUBMIT);
	assert_int_equal(keymap_lookup(KEYMAP_IN_WORKFLOW, 'r'), KEYMAP_RESTART);
	assert_int_equal(keymap_lookup(KEYMAP_IN_LOGS, 'G'), KEYMAP_BOTTOM);
	assert_int_equal(keymap_lookup(KEYMAP_IN_LOGS, '/'), KEYMAP_SEARCH);
	assert_int_equal(keymap_lookup(KEYMAP_IN_LOGS, 'n'), KEYMAP_NEXT);
	assert_int_equal(keymap_lookup(KEYMAP_IN_HELP, '?'), KEYMAP_HELP);
	/* Letters that act on a workflow do nothing where they make no sense. */
	assert_int_equal(keymap_lookup(KEYMAP_IN_HELP, 'C'), KEYMAP_NONE);
	assert_int_equal(keymap_lookup(KEYMAP_IN_LIST, 'f'), KEYMAP_NONE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_action_has_a_key_and_help),
		cmocka_unit_test(test_no_key_twice_in_a_view),
		cmocka_unit_test(test_conventions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
