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

/* A task's image, command, resource profile, inputs and outputs, as the details (i) show. */
static void
test_task_from_spec(void **state)
{
	static const char spec[] = "workflow:\n"
	                           "  name: w\n"
	                           "  resources:\n"
	                           "    big: {cpu: 16, gpu: 8, memory: 128Gi}\n"
	                           "  groups:\n"
	                           "  - name: train\n"
	                           "    tasks:\n"
	                           "    - name: trainer\n"
	                           "      image: nvcr.io/x/trainer:1.4\n"
	                           "      command: [torchrun, --nproc=8]\n"
	                           "      args:\n"
	                           "      - |\n"
	                           "        train.py --lr 2e-5\n"
	                           "        second line\n"
	                           "      resource: big\n"
	                           "      inputs:\n"
	                           "      - task: prep\n"
	                           "      outputs:\n"
	                           "      - url: s3://bucket/out\n"
	                           "  - name: trainer-group\n"
	                           "    tasks: []\n";
	struct spec_task t;

	(void)state;
	assert_true(spec_rules_task(spec, sizeof(spec) - 1, "trainer", &t));
	assert_string_equal(t.v[SPEC_TASK_IMAGE], "nvcr.io/x/trainer:1.4");
	assert_string_equal(t.v[SPEC_TASK_COMMAND], "torchrun --nproc=8 train.py --lr 2e-5 …");
	assert_string_equal(t.v[SPEC_TASK_RESOURCE], "big: cpu:16, gpu:8, memory:128Gi");
	assert_string_equal(t.v[SPEC_TASK_INPUTS], "task:prep");
	assert_string_equal(t.v[SPEC_TASK_OUTPUTS], "url:s3://bucket/out");
	spec_rules_task_free(&t);
	/* A group of that name is no task; an unknown name, or no spec, is nothing. */
	assert_false(spec_rules_task(spec, sizeof(spec) - 1, "train", &t));
	assert_false(spec_rules_task(spec, sizeof(spec) - 1, "nope", &t));
	assert_false(spec_rules_task("{", 1, "trainer", &t));
	assert_null(t.v[SPEC_TASK_IMAGE]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strict_groups),  cmocka_unit_test(test_flow_and_tags),
		cmocka_unit_test(test_not_false),      cmocka_unit_test(test_hostile_input),
		cmocka_unit_test(test_task_from_spec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
