/* test_spec_rules.c: which groups' status any failing task decides, read from a spec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "client/spec_rules.h"

static void
test_strict_groups(void **state)
{
	static const char yaml[] = "workflow:\n"
	                           "  name: wf\n"
	                           "  groups:\n"
	                           "  - name: default-group\n"
	                           "    tasks:\n"
	                           "    - name: a\n"
	                           "      lead: true\n"
	                           "  - name: strict\n"
	                           "    ignoreNonleadStatus: false   # any failure fails it\n"
	                           "    tasks:\n"
	                           "    - name: b\n"
	                           "      ignoreNonleadStatus: false\n"
	                           "  - ignoreNonleadStatus: \"False\"\n"
	                           "    name: key-order\n"
	                           "  - name: explicit-true\n"
	                           "    ignoreNonleadStatus: true\n";
	struct strv strict = { 0 };

	(void)state;
	spec_rules_strict_groups(yaml, strlen(yaml), &strict);
	assert_int_equal(strict.n, 3);
	assert_string_equal(strict.v[0], "strict");
	/* A task-level key (not a group's) is placed on the task, which the caller ignores. */
	assert_string_equal(strict.v[1], "b");
	assert_string_equal(strict.v[2], "key-order");
	assert_false(strv_contains(&strict, "default-group"));
	assert_false(strv_contains(&strict, "explicit-true"));
	strv_free(&strict);
}

/* Flow style and explicit tags read as PyYAML reads them. */
static void
test_flow_and_tags(void **state)
{
	static const char *const specs[] = {
		"workflow:\n  groups: [{name: g1, ignoreNonleadStatus: false}, {name: g2}]\n",
		"workflow:\n  groups:\n  - {name: g1, ignoreNonleadStatus: false}\n  - {name: "
		"g2}\n",
		"workflow:\n  groups:\n  - name: g1\n    ignoreNonleadStatus: !!bool false\n"
		"  - name: g2\n    ignoreNonleadStatus: !!bool true\n",
		"{workflow: {groups: [{ignoreNonleadStatus: 'no', name: g1}]}}\n",
		"workflow:\n  groups:\n  - &g {name: g1, ignoreNonleadStatus: OFF}\n  - *g\n",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(specs); i++) {
		struct strv strict = { 0 };

		spec_rules_strict_groups(specs[i], strlen(specs[i]), &strict);
		assert_int_equal(strict.n, 1);
		assert_string_equal(strict.v[0], "g1");
		strv_free(&strict);
	}
}

/* Null or a list is no false, and a spec that does not load adds nothing. */
static void
test_not_false(void **state)
{
	static const char *const specs[] = {
		"groups: [{name: g, ignoreNonleadStatus: }]\n",
		"groups: [{name: g, ignoreNonleadStatus: [false]}]\n",
		"groups: [{name: g, ignoreNonleadStatus: false}\n",
		"groups: [{name: g, ignoreNonleadStatus: false}]\n---\nx: 1\n",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(specs); i++) {
		struct strv strict = { 0 };

		spec_rules_strict_groups(specs[i], strlen(specs[i]), &strict);
		assert_int_equal(strict.n, 0);
		strv_free(&strict);
	}
}

static void
test_hostile_input(void **state)
{
	static const char yaml[] = "ignoreNonleadStatus: false\n- \n-\n  name:\n\n\n    - name: x";
	struct strv strict = { 0 };

	(void)state;
	spec_rules_strict_groups(yaml, sizeof(yaml) - 1, &strict);
	spec_rules_strict_groups("", 0, &strict);
	assert_int_equal(strict.n, 0);
	strv_free(&strict);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strict_groups),
		cmocka_unit_test(test_flow_and_tags),
		cmocka_unit_test(test_not_false),
		cmocka_unit_test(test_hostile_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
