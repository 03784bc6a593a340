/* test_keymap.c: the monitor's keys: every action reachable, no key meaning two things. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tui/keymap.h"
#include "tui/screen.h"

static void
test_every_action_has_a_key_and_help(void **state)
{
	size_t n;
	struct keymap k;
	const struct keymap_binding *b;

	keymap_init(&k);
	b = keymap_bindings(&k, &n);

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
	struct keymap k;
	enum keymap_action one, two;

	(void)state;
	keymap_init(&k);
	assert_int_equal(keymap_conflict(&k, &one, &two), SCREEN_KEY_NONE);
}

static void
test_conventions(void **state)
{
	struct keymap km;
	const struct keymap *k = &km;

	(void)state;
	keymap_init(&km);
	assert_int_equal(keymap_lookup(k, KEYMAP_IN_LIST, 'j'), KEYMAP_DOWN);
	assert_int_equal(keymap_lookup(k, KEYMAP_IN_LOGS, SCREEN_KEY_UP), KEYMAP_UP);
	assert_int_equal(keymap_lookup(k, KEYMAP_IN_LIST, SCREEN_KEY_ENTER), KEYMAP_OPEN);
	assert_int_equal(keymap_lookup(k, KEYMAP_IN_WORKFLOW, 'C'), KEYMAP_CANCEL);
	assert_int_equal(keymap_lookup(k, KEYMAP_IN_WORKFLOW, SCREEN_CTRL('d')), KEYMAP_CANCEL);
	assert_int_equal(keymap_lookup(k, KEYMAP_IN_WORKFLOW, 'R'), KEYMAP_RESUBMIT);
	assert_int_equal(keymap_lookup(k, KEYMAP_IN_WORKFLOW, 'r'), KEYMAP_RESTART);
	assert_int_equal(keymap_lookup(k, KEYMAP_IN_LOGS, 'G'), KEYMAP_BOTTOM);
	assert_int_equal(keymap_lookup(k, KEYMAP_IN_LOGS, '/'), KEYMAP_SEARCH);
	assert_int_equal(keymap_lookup(k, KEYMAP_IN_LOGS, 'n'), KEYMAP_NEXT);
	assert_int_equal(keymap_lookup(k, KEYMAP_IN_HELP, '?'), KEYMAP_HELP);
	/* Letters that act on a workflow do nothing where they make no sense. */
	assert_int_equal(keymap_lookup(k, KEYMAP_IN_HELP, 'C'), KEYMAP_NONE);
	assert_int_equal(keymap_lookup(k, KEYMAP_IN_LIST, 'f'), KEYMAP_NONE);
}

/* A rebound action keeps where it worked: Ctrl-d still cancels only where it did. */
static void
test_rebind(void **state)
{
	struct keymap k;
	enum keymap_action one, two;
	const int cancel[] = { 'X', SCREEN_CTRL('d') }, none[] = { 0 };

	(void)state;
	keymap_init(&k);
	assert_int_equal(keymap_rebind(&k, KEYMAP_CANCEL, cancel, 2), 0);
	assert_int_equal(keymap_lookup(&k, KEYMAP_IN_LOGS, 'X'), KEYMAP_CANCEL);
	assert_int_equal(keymap_lookup(&k, KEYMAP_IN_WORKFLOW, 'C'), KEYMAP_NONE);
	assert_int_equal(keymap_lookup(&k, KEYMAP_IN_WORKFLOW, SCREEN_CTRL('d')), KEYMAP_CANCEL);
	assert_int_equal(keymap_lookup(&k, KEYMAP_IN_LOGS, SCREEN_CTRL('d')), KEYMAP_HALF_DOWN);
	assert_string_equal(keymap_key_name(&k, KEYMAP_IN_WORKFLOW, KEYMAP_CANCEL), "X");
	assert_int_equal(keymap_conflict(&k, &one, &two), SCREEN_KEY_NONE);
	/* d is the DAG's: two actions on one key in the workflow view. */
	assert_int_equal(keymap_rebind(&k, KEYMAP_CANCEL, (const int[]){ 'd' }, 1), 0);
	assert_int_equal(keymap_conflict(&k, &one, &two), 'd');
	assert_true((one == KEYMAP_CANCEL && two == KEYMAP_GRAPH) ||
	            (one == KEYMAP_GRAPH && two == KEYMAP_CANCEL));
	/* No key at all: allowed, but not for quit. */
	assert_int_equal(keymap_rebind(&k, KEYMAP_CANCEL, none, 0), 0);
	assert_null(keymap_key_name(&k, KEYMAP_IN_WORKFLOW, KEYMAP_CANCEL));
	assert_int_equal(keymap_conflict(&k, &one, &two), SCREEN_KEY_NONE);
	assert_int_equal(keymap_rebind(&k, KEYMAP_QUIT, none, 0), 0);
	assert_int_not_equal(keymap_conflict(&k, &one, &two), SCREEN_KEY_NONE);
	assert_int_equal(one, KEYMAP_QUIT);
	keymap_free(&k);
}

static void
test_key_names(void **state)
{
	static const char *const names[] = { "x",  "X",    "Ctrl-r", "Enter", "Esc",
		                             "F5", "PgDn", "Space",  "Tab",   "?",
		                             "!",  "é",    "BkSp" };
	char buf[16], name[KEYMAP_NAME_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		int key = keymap_key_parse(names[i]);

		assert_int_not_equal(key, SCREEN_KEY_NONE);
		assert_true(keymap_key_format(key, buf, sizeof(buf)));
		assert_string_equal(buf, names[i]);
	}
	assert_int_equal(keymap_key_parse("ctrl-R"), SCREEN_CTRL('r'));
	assert_int_equal(keymap_key_parse("enter"), SCREEN_KEY_ENTER);
	/* Not keys: words, controls, a bare Ctrl-, an invisible mark. */
	assert_int_equal(keymap_key_parse("xy"), SCREEN_KEY_NONE);
	assert_int_equal(keymap_key_parse(""), SCREEN_KEY_NONE);
	assert_int_equal(keymap_key_parse("\x1b"), SCREEN_KEY_NONE);
	assert_int_equal(keymap_key_parse("Ctrl-1"), SCREEN_KEY_NONE);
	assert_int_equal(keymap_key_parse("\u0301"), SCREEN_KEY_NONE);
	assert_int_equal(keymap_action_named("error_logs"), KEYMAP_ERROR_LOGS);
	assert_int_equal(keymap_action_named("nope"), KEYMAP_NONE);
	keymap_action_name(KEYMAP_STOP_FORWARDS, name);
	assert_string_equal(name, "stop_forwards");
}

/* Text that names default keys names the ones in force. */
static void
test_mention(void **state)
{
	struct keymap k;
	char *s;

	(void)state;
	keymap_init(&k);
	s = keymap_mention(&k, KEYMAP_IN_WORKFLOW, "read the error log (e), then restart (r)");
	assert_string_equal(s, "read the error log (e), then restart (r)");
	free(s);
	assert_int_equal(keymap_rebind(&k, KEYMAP_ERROR_LOGS, (const int[]){ 'z' }, 1), 0);
	assert_int_equal(keymap_rebind(&k, KEYMAP_RESTART, NULL, 0), 0);
	s = keymap_mention(&k, KEYMAP_IN_WORKFLOW, "read the error log (e), then restart (r) (x)");
	assert_string_equal(s, "read the error log (z), then restart (x)");
	free(s);
	keymap_free(&k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_action_has_a_key_and_help),
		cmocka_unit_test(test_no_key_twice_in_a_view),
		cmocka_unit_test(test_conventions),
		cmocka_unit_test(test_rebind),
		cmocka_unit_test(test_key_names),
		cmocka_unit_test(test_mention),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
