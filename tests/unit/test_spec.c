/* test_spec.c: spec loading: every seed rule with its exact place, examples, hostile input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/spec.h"
#include "server/spec_dump.h"
#include "common/util.h"

/* Loads text as "s.yaml" with --set values; returns the errors joined, one per line. */
static char *
test_spec_load(const char *text, const char *const *set, struct spec *spec, int *rc)
{
	struct strv vars = { 0 }, errors = { 0 };
	struct strbuf sb = { 0 };

	for (size_t i = 0; set && set[i]; i++)
		strv_push(&vars, set[i]);
	*rc = spec_load(text, strlen(text), "s.yaml", &vars, NULL, spec, NULL, &errors);
	strbuf_add(&sb, "", 0);
	for (size_t i = 0; i < errors.n; i++) {
		strbuf_addstr(&sb, errors.v[i]);
		strbuf_addch(&sb, '\n');
	}
	strv_free(&vars);
	strv_free(&errors);
	return strbuf_detach(&sb);
}

/* The spec must fail with exactly these errors. */
static void
test_spec_expect(const char *text, const char *want)
{
	struct spec spec;
	int rc;
	char *got = test_spec_load(text, NULL, &spec, &rc);

	assert_int_equal(rc, -1);
	assert_string_equal(got, want);
	free(got);
	spec_free(&spec);
}

/* The spec must load cleanly; the caller frees it. */
static void
test_spec_ok(const char *text, const char *const *set, struct spec *spec)
{
	int rc;
	char *got = test_spec_load(text, set, spec, &rc);

	if (rc != 0)
		fail_msg("unexpected errors:\n%s", got);
	free(got);
}

static const char test_spec_serial[] = "workflow:\n"
                                       "  name: serial\n"
                                       "  tasks:\n"
                                       "  - name: task1\n"
                                       "    image: ubuntu\n"
                                       "    command: [sh, -c, 'echo 1 > {{output}}/r']\n"
                                       "  - name: task2\n"
                                       "    image: ubuntu\n"
                                       "    command: [sh, -c, 'cat {{input:0}}/r']\n"
                                       "    inputs:\n"
                                       "    - task: task1\n";

/* Top-level tasks become groups "<task>-group" of one, each its own lead. */
static void
test_spec_tasks_become_groups(void **state)
{
	struct spec spec;

	(void)state;
	test_spec_ok(test_spec_serial, NULL, &spec);
	assert_true(spec.from_tasks);
	assert_string_equal(spec.name, "serial");
	assert_int_equal(spec.ngroups, 2);
	assert_string_equal(spec.groups[0].name, "task1-group");
	assert_string_equal(spec.groups[1].name, "task2-group");
	assert_true(spec.groups[1].implicit);
	assert_true(spec.groups[1].tasks[0].lead);
	assert_int_equal(spec.groups[1].upstream.n, 1);
	assert_string_equal(spec.groups[1].upstream.v[0], "task1-group");
	assert_string_equal(spec.groups[0].downstream.v[0], "task2-group");
	assert_int_equal(spec.groups[1].tasks[0].ntokens, 1);
	assert_int_equal(spec.groups[1].tasks[0].tokens[0].kind, SPEC_TOKEN_INPUT_INDEX);
	assert_int_equal(spec.groups[1].tasks[0].tokens[0].pos.line, 9);
	assert_int_equal(spec.groups[1].tasks[0].tokens[0].pos.col, 28);
	assert_int_equal(spec.resources_given, false);
	assert_string_equal(spec.resources[0].name, "default");
	assert_int_equal(spec.groups[0].tasks[0].profile, 0);
	assert_int_equal(spec.exec_timeout, -1);
	spec_free(&spec);
}

static void
test_spec_tasks_and_groups(void **state)
{
	(void)state;
	test_spec_expect(
	        "workflow:\n"
	        "  name: both\n"
	        "  tasks:\n"
	        "  - {name: a, image: x, command: [true]}\n"
	        "  groups:\n"
	        "  - name: g\n"
	        "    tasks:\n"
	        "    - {name: b, image: x, command: [true]}\n",
	        "s.yaml:5:3: workflow has both 'tasks:' (line 3) and 'groups:'; use one or "
	        "the other\n");
	test_spec_expect(
	        "workflow:\n  name: neither\n  tasks: []\n",
	        "s.yaml:2:3: workflow needs 'tasks:' or 'groups:' with at least one entry\n");
}

static void
test_spec_leads(void **state)
{
	(void)state;
	test_spec_expect(
	        "workflow:\n"
	        "  name: leads\n"
	        "  groups:\n"
	        "  - name: none\n"
	        "    tasks:\n"
	        "    - {name: a, image: x, command: [true]}\n"
	        "    - {name: b, image: x, command: [true]}\n"
	        "  - name: two\n"
	        "    tasks:\n"
	        "    - {name: c, image: x, command: [true], lead: true}\n"
	        "    - {name: d, image: x, command: [true], lead: true}\n"
	        "    - {name: e, image: x, command: [true], lead: false}\n"
	        "  - name: single\n"
	        "    tasks:\n"
	        "    - {name: f, image: x, command: [true]}\n",
	        "s.yaml:4:11: group 'none' has 2 tasks and no lead: mark exactly one 'lead: "
	        "true' (the group ends when its lead exits)\n"
	        "s.yaml:11:50: group 'two' has more than one lead: 'c' and 'd' both say "
	        "'lead: true'; exactly one task may lead\n");
}

static void
test_spec_binary_units(void **state)
{
	(void)state;
	test_spec_expect(
	        "workflow:\n"
	        "  name: units\n"
	        "  resources:\n"
	        "    default:\n"
	        "      memory: 32GB\n"
	        "      storage: 500MB\n"
	        "      cpu: 2\n"
	        "    other:\n"
	        "      memory: lots\n"
	        "      gpu: 0.5\n"
	        "  tasks:\n"
	        "  - {name: a, image: x, command: [true]}\n",
	        "s.yaml:5:15: memory '32GB' uses 'GB'; OSMO needs binary units: write "
	        "'32Gi'\n"
	        "s.yaml:6:16: storage '500MB' uses 'MB'; OSMO needs binary units: write "
	        "'500Mi'\n"
	        "s.yaml:9:15: memory 'lots' is not a size: write a number and Gi, Mi or Ki, "
	        "like 32Gi\n"
	        "s.yaml:10:12: 'gpu' must be a whole number, not '0.5'\n");
}

static void
test_spec_duplicate_names(void **state)
{
	(void)state;
	test_spec_expect("workflow:\n"
	                 "  name: dups\n"
	                 "  groups:\n"
	                 "  - name: stage\n"
	                 "    tasks:\n"
	                 "    - {name: train, image: x, command: [true]}\n"
	                 "  - name: Stage\n"
	                 "    tasks:\n"
	                 "    - {name: train, image: x, command: [true]}\n"
	                 "    - {name: my_task, image: x, command: [true], lead: true}\n"
	                 "    - {name: My-Task, image: x, command: [true]}\n",
	                 "s.yaml:7:11: duplicate name 'Stage': 'stage' (line 4) already uses it; "
	                 "OSMO ignores case and treats '-' and '_' alike\n"
	                 "s.yaml:9:14: duplicate name 'train': 'train' (line 6) already uses it\n"
	                 "s.yaml:11:14: duplicate name 'My-Task': 'my_task' (line 10) already uses "
	                 "it; OSMO ignores case and treats '-' and '_' alike\n");
}

static void
test_spec_resource_profiles(void **state)
{
	(void)state;
	test_spec_expect("workflow:\n"
	                 "  name: profiles\n"
	                 "  resources:\n"
	                 "    gpu_heavy: {gpu: 8, memory: 128Gi}\n"
	                 "  tasks:\n"
	                 "  - name: a\n"
	                 "    image: x\n"
	                 "    command: [true]\n"
	                 "    resource: gpu_light\n"
	                 "  - name: b\n"
	                 "    image: x\n"
	                 "    command: [true]\n",
	                 "s.yaml:9:15: resource profile 'gpu_light' is not defined under "
	                 "workflow.resources\n"
	                 "s.yaml:10:11: task 'b' uses the 'default' resource profile, but "
	                 "workflow.resources does not define one\n");
}

static void
test_spec_input_tokens(void **state)
{
	(void)state;
	test_spec_expect(
	        "workflow:\n"
	        "  name: tokens\n"
	        "  groups:\n"
	        "  - name: first\n"
	        "    tasks:\n"
	        "    - name: a\n"
	        "      image: x\n"
	        "      command: [sh, -c, 'echo {{input:0}}']\n"
	        "    - name: srv\n"
	        "      image: x\n"
	        "      lead: true\n"
	        "      command: [true]\n"
	        "  - name: second\n"
	        "    tasks:\n"
	        "    - name: b\n"
	        "      image: x\n"
	        "      command: [sh, -c]\n"
	        "      args:\n"
	        "      - |\n"
	        "        cat {{ input:0 }}/f {{input:1}}/f\n"
	        "        cat {{input:a}} {{input:zz}}\n"
	        "        nc {{host:srv}} {{host:ghost}}\n"
	        "      inputs:\n"
	        "      - task: a\n",
	        "s.yaml:8:31: {{input:0}} is out of range: task 'a' has no inputs\n"
	        "s.yaml:20:29: {{input:1}} is out of range: task 'b' has 1 input "
	        "({{input:0}} to {{input:0}})\n"
	        "s.yaml:21:25: {{input:zz}}: task 'b' has no input from a task named 'zz'\n"
	        "s.yaml:22:12: {{host:srv}} reaches only tasks of the same group: 'srv' is "
	        "in group 'first', 'b' in group 'second'\n"
	        "s.yaml:22:25: {{host:ghost}}: there is no task 'ghost' in group 'second'\n");
}

static void
test_spec_unknown_input_task(void **state)
{
	struct spec spec;

	(void)state;
	test_spec_expect("workflow:\n"
	                 "  name: unknown\n"
	                 "  tasks:\n"
	                 "  - name: a\n"
	                 "    image: x\n"
	                 "    command: [true]\n"
	                 "    inputs:\n"
	                 "    - task: preprocess\n",
	                 "s.yaml:8:13: input task 'preprocess' of task 'a' is not a task of this "
	                 "workflow\n");
	/* "workflow_id:task" names a finished workflow's task: not this workflow's business. */
	test_spec_ok("workflow:\n"
	             "  name: rerun\n"
	             "  tasks:\n"
	             "  - name: a\n"
	             "    image: x\n"
	             "    command: [true]\n"
	             "    inputs:\n"
	             "    - task: old-run-3:train\n",
	             NULL, &spec);
	assert_string_equal(spec.groups[0].tasks[0].inputs[0].workflow_id, "old-run-3");
	assert_string_equal(spec.groups[0].tasks[0].inputs[0].task, "train");
	spec_free(&spec);
}

/* Cycles through datasets; OSMO's order rule for task inputs; a group reading itself. */
static void
test_spec_cycles(void **state)
{
	(void)state;
	test_spec_expect(
	        "workflow:\n"
	        "  name: cycle\n"
	        "  groups:\n"
	        "  - name: g1\n"
	        "    tasks:\n"
	        "    - name: a\n"
	        "      image: x\n"
	        "      command: [true]\n"
	        "      inputs:\n"
	        "      - dataset: {name: d2}\n"
	        "      outputs:\n"
	        "      - dataset: {name: d1}\n"
	        "  - name: g2\n"
	        "    tasks:\n"
	        "    - name: b\n"
	        "      image: x\n"
	        "      command: [true]\n"
	        "      inputs:\n"
	        "      - dataset: {name: 'd1:latest'}\n"
	        "      outputs:\n"
	        "      - dataset: {name: d2}\n",
	        "s.yaml:10:25: dependency cycle: group 'g1' -> group 'g2' -> group 'g1'\n");
	test_spec_expect("workflow:\n"
	                 "  name: loop\n"
	                 "  tasks:\n"
	                 "  - name: a\n"
	                 "    image: x\n"
	                 "    command: [true]\n"
	                 "    inputs: [{task: c}]\n"
	                 "  - name: b\n"
	                 "    image: x\n"
	                 "    command: [true]\n"
	                 "    inputs: [{task: a}]\n"
	                 "  - name: c\n"
	                 "    image: x\n"
	                 "    command: [true]\n"
	                 "    inputs: [{task: b}]\n"
	                 "  - name: late\n"
	                 "    image: x\n"
	                 "    command: [true]\n"
	                 "    inputs: [{task: later}]\n"
	                 "  - name: later\n"
	                 "    image: x\n"
	                 "    command: [true]\n",
	                 "s.yaml:7:21: dependency cycle: task 'a' -> task 'b' -> task 'c' -> task "
	                 "'a'\n"
	                 "s.yaml:19:21: task 'late' takes input from task 'later', which comes "
	                 "later; OSMO needs upstream tasks listed first\n");
	test_spec_expect(
	        "workflow:\n"
	        "  name: self\n"
	        "  groups:\n"
	        "  - name: g\n"
	        "    tasks:\n"
	        "    - {name: a, image: x, command: [true], lead: true}\n"
	        "    - {name: b, image: x, command: [true], inputs: [{task: a}]}\n",
	        "s.yaml:7:60: task 'b' takes input from 'a' in its own group 'g'; a group's "
	        "tasks start together, so it would wait for itself\n");
}

static void
test_spec_commands(void **state)
{
	(void)state;
	test_spec_expect("workflow:\n"
	                 "  name: cmds\n"
	                 "  tasks:\n"
	                 "  - name: empty\n"
	                 "    image: x\n"
	                 "    command: []\n"
	                 "  - name: missing\n"
	                 "    image: x\n"
	                 "  - name: scalar\n"
	                 "    image: x\n"
	                 "    command: echo hi\n",
	                 "s.yaml:6:5: task 'empty' needs at least one command\n"
	                 "s.yaml:7:5: task 'missing' needs 'command'\n"
	                 "s.yaml:11:14: 'command' must be a list, not a string\n");
}

static void
test_spec_names(void **state)
{
	(void)state;
	test_spec_expect(
	        "workflow:\n"
	        "  name: 1bad\n"
	        "  groups:\n"
	        "  - name: ends-\n"
	        "    tasks:\n"
	        "    - {name: 'has space', image: x, command: [true]}\n"
	        "  - name: ok_group\n"
	        "    tasks:\n"
	        "    - {name: osmo_ctrl, image: x, command: [true]}\n",
	        "s.yaml:2:9: invalid workflow name '1bad': names start with a letter and "
	        "hold letters, digits, '-' and '_', ending in a letter or digit\n"
	        "s.yaml:4:11: invalid group name 'ends-': names start with a letter and hold "
	        "letters, digits, '-' and '_', ending in a letter or digit\n"
	        "s.yaml:6:14: invalid task name 'has space': names start with a letter and "
	        "hold letters, digits, '-' and '_', ending in a letter or digit\n"
	        "s.yaml:9:14: task name 'osmo_ctrl' is reserved by OSMO\n");
}

static void
test_spec_exit_actions(void **state)
{
	struct spec spec;
	const struct spec_task *t;

	(void)state;
	test_spec_expect("workflow:\n"
	                 "  name: exits\n"
	                 "  tasks:\n"
	                 "  - name: a\n"
	                 "    image: x\n"
	                 "    command: [true]\n"
	                 "    exitActions:\n"
	                 "      COMPLETE: 0\n"
	                 "      FAIL: 1, 2\n"
	                 "      RESCHEDULE: 20-10\n"
	                 "      RETRY: 3\n"
	                 "      complete: 5\n",
	                 "s.yaml:9:13: invalid exit codes '1, 2' for FAIL: write codes and ranges "
	                 "joined by commas, like 1,2,10-20 (no spaces; ranges low to high)\n"
	                 "s.yaml:10:19: invalid exit codes '20-10' for RESCHEDULE: write codes and "
	                 "ranges joined by commas, like 1,2,10-20 (no spaces; ranges low to high)\n"
	                 "s.yaml:11:7: invalid exit action 'RETRY' (use COMPLETE, FAIL, "
	                 "RESCHEDULE or RESTART)\n"
	                 "s.yaml:12:7: duplicate exit action 'complete'\n");
	test_spec_ok("workflow:\n"
	             "  name: exits\n"
	             "  tasks:\n"
	             "  - name: a\n"
	             "    image: x\n"
	             "    command: [true]\n"
	             "    exitActions: {COMPLETE: 0, RESCHEDULE: '1-10,12', fail: '11,13-255'}\n",
	             NULL, &spec);
	t = spec_find_task(&spec, "a", NULL);
	assert_non_null(t);
	assert_int_equal(spec_exit_action_for(t, 0), SPEC_EXIT_COMPLETE);
	assert_int_equal(spec_exit_action_for(t, 5), SPEC_EXIT_RESCHEDULE);
	assert_int_equal(spec_exit_action_for(t, 12), SPEC_EXIT_RESCHEDULE);
	assert_int_equal(spec_exit_action_for(t, 11), SPEC_EXIT_FAIL);
	assert_int_equal(spec_exit_action_for(t, 300), -1);
	assert_string_equal(spec_exit_action_name(SPEC_EXIT_FAIL), "FAIL");
	spec_free(&spec);
}

static void
test_spec_durations(void **state)
{
	struct spec spec;
	int64_t s;

	(void)state;
	test_spec_expect(
	        "workflow:\n"
	        "  name: times\n"
	        "  timeout:\n"
	        "    exec_timeout: 1h30m\n"
	        "    queue_timeout: 2 hours\n"
	        "  tasks:\n"
	        "  - name: a\n"
	        "    image: x\n"
	        "    command: [true]\n"
	        "    checkpoint:\n"
	        "    - {path: /c, url: 's3://b/c', frequency: 5x}\n",
	        "s.yaml:4:19: invalid duration '1h30m' for 'exec_timeout': write a whole "
	        "number and one unit of s, m, h or d, like 30m or 2h\n"
	        "s.yaml:5:20: invalid duration '2 hours' for 'queue_timeout': write a whole "
	        "number and one unit of s, m, h or d, like 30m or 2h\n"
	        "s.yaml:11:46: invalid duration '5x' for 'frequency': write a whole number "
	        "and one unit of s, m, h or d, like 30m or 2h\n");
	test_spec_ok("workflow:\n"
	             "  name: times\n"
	             "  timeout: {exec_timeout: 2h, queue_timeout: 90}\n"
	             "  tasks:\n"
	             "  - {name: a, image: x, command: [true]}\n",
	             NULL, &spec);
	assert_int_equal(spec.exec_timeout, 7200);
	assert_int_equal(spec.queue_timeout, 90);
	spec_free(&spec);
	assert_int_equal(spec_parse_duration("1d", &s), 0);
	assert_int_equal(s, 86400);
	assert_int_equal(spec_parse_duration("45s", &s), 0);
	assert_int_equal(s, 45);
	assert_int_equal(spec_parse_duration("1500ms", &s), 0);
	assert_int_equal(s, 1);
	assert_int_equal(spec_parse_duration("m", &s), -1);
	assert_int_equal(spec_parse_duration("-5m", &s), -1);
}

static void
test_spec_quantities(void **state)
{
	double b;

	(void)state;
	assert_int_equal(spec_parse_quantity("32Gi", &b), 0);
	assert_true(b == 32.0 * 1024 * 1024 * 1024);
	assert_int_equal(spec_parse_quantity("1.5Ki", &b), 0);
	assert_true(b == 1536.0);
	assert_int_equal(spec_parse_quantity("1024", &b), 0);
	assert_true(b == 1024.0);
	assert_int_equal(spec_parse_quantity("32GB", &b), -1);
	assert_int_equal(spec_parse_quantity("Gi", &b), -1);
}

static void
test_spec_fields(void **state)
{
	struct spec spec;
	const struct spec_task *t;
	const struct spec_group *g;

	(void)state;
	test_spec_ok("version: 2\n"
	             "workflow:\n"
	             "  name: fields\n"
	             "  pool: my-pool\n"
	             "  priority: low\n"
	             "  resources:\n"
	             "    default: {cpu: 2, memory: 4Gi, platform: dgx, nodesExcluded: [n1, n2]}\n"
	             "  groups:\n"
	             "  - name: g\n"
	             "    barrier: false\n"
	             "    ignoreNonleadStatus: false\n"
	             "    tasks:\n"
	             "    - name: t\n"
	             "      image: img\n"
	             "      command: [sh]\n"
	             "      args: [-c, 'echo $A']\n"
	             "      environment: {A: '1', B: 2}\n"
	             "      files:\n"
	             "      - {path: /tmp/a.sh, contents: 'echo hi'}\n"
	             "      - {path: /tmp/b.bin, contents: aGk=, base64: true}\n"
	             "      outputs:\n"
	             "      - url: s3://bucket/out/\n"
	             "      - update_dataset: {name: ds, paths: [a]}\n"
	             "      credentials:\n"
	             "        cred1: /mnt/creds\n"
	             "        cred2: {ENV_VAR: secret_key}\n"
	             "      privileged: yes\n"
	             "      hostNetwork: 'false'\n"
	             "      cacheSize: 50%\n"
	             "      downloadType: download\n"
	             "      kpis: [{index: 0, path: /k}]\n"
	             "      volumeMounts: [/data]\n",
	             NULL, &spec);
	assert_string_equal(spec.pool, "my-pool");
	assert_string_equal(spec.priority, "low");
	assert_int_equal(spec.resources[0].cpu, 2);
	assert_int_equal(spec.resources[0].gpu, -1);
	assert_string_equal(spec.resources[0].nodes_excluded.v[1], "n2");
	g = spec_find_group(&spec, "g");
	assert_non_null(g);
	assert_false(g->barrier);
	assert_false(g->ignore_nonlead_status);
	t = spec_find_task(&spec, "t", &g);
	assert_non_null(t);
	assert_string_equal(g->name, "g");
	assert_true(t->lead);
	assert_string_equal(t->args.v[1], "echo $A");
	assert_string_equal(t->environment.v[1].key, "B");
	assert_string_equal(t->environment.v[1].value, "2");
	assert_true(t->files[1].base64);
	assert_int_equal(t->outputs[0].kind, SPEC_IO_URL);
	assert_int_equal(t->outputs[1].kind, SPEC_IO_UPDATE_DATASET);
	assert_string_equal(t->credentials.v[1].value, "{ENV_VAR: secret_key}");
	assert_true(t->privileged);
	assert_false(t->host_network);
	assert_string_equal(t->cache_size, "50%");
	assert_string_equal(t->extra.v[0].key, "kpis");
	assert_string_equal(t->extra.v[0].value, "[{index: 0, path: /k}]");
	assert_int_equal(spec_task_count(&spec), 1);
	spec_free(&spec);
}

static void
test_spec_unknown_fields(void **state)
{
	(void)state;
	test_spec_expect(
	        "version: 3\n"
	        "extra: 1\n"
	        "workflow:\n"
	        "  name: unknown\n"
	        "  tasks:\n"
	        "  - name: a\n"
	        "    image: x\n"
	        "    command: [true]\n"
	        "    platform: dgx\n"
	        "    env: {A: b}\n"
	        "    depends_on: [b]\n"
	        "    image: y\n",
	        "s.yaml:1:10: unsupported workflow version '3' (must be 2)\n"
	        "s.yaml:2:1: unknown top-level key 'extra' (expected version, workflow and "
	        "default-values)\n"
	        "s.yaml:9:5: unknown field 'platform' in task 'a'; platform belongs in a "
	        "profile under workflow.resources\n"
	        "s.yaml:10:5: unknown field 'env' in task 'a'; did you mean environment?\n"
	        "s.yaml:11:5: unknown field 'depends_on' in task 'a'; tasks depend on each "
	        "other through inputs: - task: NAME\n"
	        "s.yaml:12:5: duplicate key 'image' in task 'a'\n");
}

/* A workflow whose one task "a" takes the files: list that follows. */
#define TEST_SPEC_FILES         \
	"workflow:\n"           \
	"  name: files\n"       \
	"  tasks:\n"            \
	"  - name: a\n"         \
	"    image: x\n"        \
	"    command: [true]\n" \
	"    files:\n"

static void
test_spec_files(void **state)
{
	(void)state;
	test_spec_expect(TEST_SPEC_FILES "    - {path: /tmp/x, contents: a}\n"
	                                 "    - {path: /tmp/x, contents: b}\n"
	                                 "    - {path: /osmo/bin/x, contents: c}\n"
	                                 "    - {path: /tmp/y}\n",
	                 "s.yaml:9:7: task 'a' has two files at '/tmp/x' (the other at line 8)\n"
	                 "s.yaml:10:7: file path '/osmo/bin/x' is empty or under /osmo, which OSMO "
	                 "reserves\n"
	                 "s.yaml:11:7: files[3] of task 'a' needs 'contents'\n");
}

/* Paths osmo-local places under a task's directory cannot climb out of it. */
static void
test_spec_paths_stay_inside(void **state)
{
	struct spec spec;

	(void)state;
	test_spec_expect(TEST_SPEC_FILES
	                 "    - {path: ../../../../home/user/.bashrc, contents: a}\n"
	                 "    - {path: /tmp/../../etc/x, contents: b}\n"
	                 "    - {path: '{{output}}/..', contents: c}\n"
	                 "    - {path: /tmp/x/.., contents: d}\n"
	                 "    - {path: '', contents: e}\n"
	                 "    checkpoint:\n"
	                 "    - {path: /ckpt/../../../x, url: /tmp/c, frequency: 5s}\n",
	                 "s.yaml:8:7: file path '../../../../home/user/.bashrc' has a '..' "
	                 "component, which would leave the task's directory\n"
	                 "s.yaml:9:7: file path '/tmp/../../etc/x' has a '..' component, which "
	                 "would leave the task's directory\n"
	                 "s.yaml:10:7: file path '{{output}}/..' has a '..' component, which would "
	                 "leave the task's directory\n"
	                 "s.yaml:11:7: file path '/tmp/x/..' has a '..' component, which would "
	                 "leave the task's directory\n"
	                 "s.yaml:12:7: file path '' is empty or under /osmo, which OSMO reserves\n"
	                 "s.yaml:14:7: checkpoint path '/ckpt/../../../x' has a '..' component, "
	                 "which would leave the task's directory\n");
	/* Absolute paths are the container's (OSMO mounts files there); names with dots are fine. */
	test_spec_ok(TEST_SPEC_FILES "    - {path: /tmp/run.sh, contents: a}\n"
	                             "    - {path: run..sh, contents: b}\n"
	                             "    - {path: ./.config/..x/a, contents: c}\n"
	                             "    - {path: '{{output}}/meta.yaml', contents: d}\n",
	             NULL, &spec);
	spec_free(&spec);
}

/* The template: defaults typed by YAML, --set overriding, positions in the source. */
static void
test_spec_template(void **state)
{
	static const char text[] =
	        "workflow:\n"
	        "  name: {{ wf }}\n"
	        "  tasks:\n"
	        "  {% for i in range(n) %}\n"
	        "  - name: t{{ i }}\n"
	        "    image: {{ image }}\n"
	        "    command: [sh, -c, 'echo {{ i }} {{ models[i] }} {{ on }}']\n"
	        "    {% if i == 1 %}\n"
	        "    resource: nowhere\n"
	        "    {% endif %}\n"
	        "  {% endfor %}\n"
	        "default-values:\n"
	        "  wf: tmpl\n"
	        "  n: 2\n"
	        "  image: 'ubuntu:24.04'\n"
	        "  models: [a, b, c]\n"
	        "  on: yes\n";
	const char *const set[] = { "n=1", "wf=renamed", NULL };
	struct spec spec;
	int rc;
	char *errs;

	(void)state;
	/* With the defaults, t1 names a missing profile: reported at the loop body's line. */
	errs = test_spec_load(text, NULL, &spec, &rc);
	assert_int_equal(rc, -1);
	assert_string_equal(errs, "s.yaml:9:15: resource profile 'nowhere' is not defined under "
	                          "workflow.resources\n");
	free(errs);
	spec_free(&spec);
	test_spec_ok(text, set, &spec);
	assert_string_equal(spec.name, "renamed");
	assert_int_equal(spec.ngroups, 1);
	assert_string_equal(spec.groups[0].tasks[0].image, "ubuntu:24.04");
	assert_string_equal(spec.groups[0].tasks[0].command.v[2], "echo 0 a True");
	spec_free(&spec);
}

static void
test_spec_template_errors(void **state)
{
	struct strv errors = { 0 }, set = { 0 };
	char *rendered = NULL;
	const char *text = "workflow:\n  name: {{ missing }}\ndefault-values:\n  a: 1\n"
	                   "default-values:\n  b: 2\n";

	(void)state;
	assert_int_equal(spec_prepare(text, strlen(text), "s.yaml", NULL, NULL, &rendered, &errors),
	                 -1);
	assert_int_equal(errors.n, 1);
	assert_string_equal(errors.v[0], "s.yaml:5:1: a second default-values section (the first "
	                                 "is at line 3)");
	strv_free(&errors);
	text = "workflow:\n  name: {{ missing }}\n";
	strv_push(&set, "novalue");
	assert_int_equal(spec_prepare(text, strlen(text), "s.yaml", &set, NULL, &rendered, &errors),
	                 -1);
	assert_string_equal(errors.v[0], "s.yaml: --set: 'novalue' is not name=value");
	strv_free(&errors);
	strv_free(&set);
	assert_int_equal(spec_prepare(text, strlen(text), "s.yaml", NULL, NULL, &rendered, &errors),
	                 -1);
	assert_string_equal(errors.v[0], "s.yaml:2:12: undefined variable 'missing'");
	strv_free(&errors);
	/* --set-string keeps "007" a string; default-values stay out of the rendered spec. */
	text = "workflow:\n  name: w{{ v }}\ndefault-values:\n  v: 1\n";
	strv_push(&set, "v=007");
	assert_int_equal(spec_prepare(text, strlen(text), "s.yaml", NULL, &set, &rendered, &errors),
	                 0);
	assert_string_equal(rendered, "workflow:\n  name: w007");
	free(rendered);
	strv_free(&set);
	strv_push(&set, "v=007");
	assert_int_equal(spec_prepare(text, strlen(text), "s.yaml", &set, NULL, &rendered, &errors),
	                 0);
	assert_string_equal(rendered, "workflow:\n  name: w7");
	free(rendered);
	strv_free(&set);
	strv_free(&errors);
}

/* A YAML error in rendered text points into the source, through the template. */
static void
test_spec_yaml_errors(void **state)
{
	(void)state;
	test_spec_expect(
	        "workflow:\n  name: x\n\ttasks: []\n",
	        "s.yaml:3:1: found a tab character that violates indentation while scanning "
	        "a plain scalar at 2:9; tabs cannot indent YAML, use spaces\n");
	test_spec_expect(
	        "{% for i in range(2) %}\nworkflow:\n  name: [unclosed\n{% endfor %}\n",
	        "s.yaml:2:9: did not find expected ',' or ']' while parsing a flow sequence "
	        "at 3:9\n");
	test_spec_expect("",
	                 "s.yaml:1:1: the spec is empty: expected a mapping with 'workflow:'\n");
	test_spec_expect("# only a comment\n",
	                 "s.yaml:1:1: the spec is empty: expected a mapping with 'workflow:'\n");
	test_spec_expect("- a\n- b\n",
	                 "s.yaml:1:1: the spec must be a mapping with 'workflow:', not a list\n");
	test_spec_expect("version: 2\n", "s.yaml:1:1: no 'workflow:' section\n");
	test_spec_expect("workflow: {name: a, tasks: [{name: b, image: c, command: [d]}]}\n---\n"
	                 "workflow: {}\n",
	                 "s.yaml:2:1: expected one YAML document, found another ('---')\n");
}

/* Every example in examples/ is a valid spec. */
static void
test_spec_examples(void **state)
{
	const char *dir = getenv("EXAMPLES");
	DIR *d;
	struct dirent *e;
	size_t checked = 0;

	(void)state;
	dir = dir && dir[0] ? dir : "examples";
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		struct strbuf text = { 0 };
		struct strv errors = { 0 };
		struct spec spec;
		char buf[4096];
		size_t got;

		if (n < 6 || strcmp(e->d_name + n - 5, ".yaml") != 0)
			continue;
		char *path = xasprintf("%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "rb");
		assert_non_null(f);
		while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
			strbuf_add(&text, buf, got);
		fclose(f);
		if (spec_load(text.buf, text.len, path, NULL, NULL, &spec, NULL, &errors) != 0)
			fail_msg("%s: %s", path, errors.n ? errors.v[0] : "?");
		assert_true(spec.ngroups > 0);
		spec_free(&spec);
		strv_free(&errors);
		strbuf_free(&text);
		free(path);
		checked++;
	}
	closedir(d);
	assert_true(checked >= 8);
}

/* The group graph the engine runs by, from task inputs and datasets. */
static void
test_spec_group_graph(void **state)
{
	struct spec spec;
	const struct spec_group *g;

	(void)state;
	test_spec_ok(
	        "workflow:\n"
	        "  name: graph\n"
	        "  groups:\n"
	        "  - name: prep\n"
	        "    tasks:\n"
	        "    - {name: gen, image: x, command: [true], outputs: [{dataset: {name: d}}]}\n"
	        "  - name: train\n"
	        "    tasks:\n"
	        "    - {name: a, image: x, command: [true], lead: true, inputs: [{task: gen}]}\n"
	        "    - {name: b, image: x, command: [true], inputs: [{task: gen}]}\n"
	        "  - name: report\n"
	        "    tasks:\n"
	        "    - {name: r, image: x, command: [true], inputs: [{dataset: {name: d}}, "
	        "{task: a}]}\n"
	        "  - name: alone\n"
	        "    tasks:\n"
	        "    - {name: z, image: x, command: [true]}\n",
	        NULL, &spec);
	g = spec_find_group(&spec, "prep");
	assert_int_equal(g->upstream.n, 0);
	assert_int_equal(g->downstream.n, 2);
	assert_string_equal(g->downstream.v[0], "train");
	assert_string_equal(g->downstream.v[1], "report");
	g = spec_find_group(&spec, "report");
	assert_int_equal(g->upstream.n, 2);
	assert_string_equal(g->upstream.v[0], "prep");
	assert_string_equal(g->upstream.v[1], "train");
	g = spec_find_group(&spec, "train");
	assert_int_equal(g->lead, 0);
	assert_false(g->tasks[1].lead);
	assert_int_equal(spec_find_group(&spec, "alone")->upstream.n, 0);
	assert_null(spec_find_group(&spec, "nope"));
	spec_free(&spec);
}

/* Hostile YAML is refused quickly: deep nesting, alias bombs, recursion, garbage, size. */
static void
test_spec_hostile(void **state)
{
	struct strbuf sb = { 0 };
	struct spec spec;
	int rc;
	char *errs;
	int64_t t0 = clock_mono_ms();

	(void)state;
	for (int i = 0; i < 10000; i++)
		strbuf_addch(&sb, '[');
	errs = test_spec_load(sb.buf, NULL, &spec, &rc);
	assert_int_equal(rc, -1);
	assert_string_equal(errs, "s.yaml:1:65: nested more than 64 levels deep\n");
	free(errs);
	spec_free(&spec);
	strbuf_reset(&sb);
	/* Billion laughs: ten nested levels of ten aliases each. */
	strbuf_addstr(&sb, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (int i = 1; i < 10; i++) {
		strbuf_addf(&sb, "a%d: &a%d [", i, i);
		for (int j = 0; j < 10; j++)
			strbuf_addf(&sb, "%s*a%d", j ? ", " : "", i - 1);
		strbuf_addstr(&sb, "]\n");
	}
	strbuf_addstr(&sb, "workflow: {name: w, tasks: [{name: t, image: i, command: *a9}]}\n");
	errs = test_spec_load(sb.buf, NULL, &spec, &rc);
	assert_int_equal(rc, -1);
	assert_string_equal(errs, "s.yaml:1:1: the spec expands to more than 1000000 YAML nodes "
	                          "through aliases\n");
	free(errs);
	spec_free(&spec);
	strbuf_free(&sb);
	test_spec_expect("workflow: &w {name: w, tasks: [*w]}\n",
	                 "s.yaml:1:11: an alias refers to its own anchor (infinite document)\n");
	/* Aliases in moderation are fine. */
	test_spec_ok("workflow:\n"
	             "  name: anchors\n"
	             "  tasks:\n"
	             "  - {name: a, image: &img ubuntu, command: &cmd [sh, -c, 'true']}\n"
	             "  - {name: b, image: *img, command: *cmd}\n",
	             NULL, &spec);
	assert_string_equal(spec.groups[1].tasks[0].image, "ubuntu");
	spec_free(&spec);
	test_spec_expect("workflow:\n  name: \x01\n",
	                 "s.yaml:2:9: control characters are not allowed (byte 0x01)\n");
	test_spec_expect("workflow:\n  name: \xff\xfe\n",
	                 "s.yaml:2:9: invalid leading UTF-8 octet (byte 0xff)\n");
	{
		const char nul[] = "workflow:\n  name: a\0b\n";
		struct strv errors = { 0 };

		assert_int_equal(
		        spec_load(nul, sizeof(nul) - 1, "s.yaml", NULL, NULL, &spec, NULL, &errors),
		        -1);
		assert_string_equal(errors.v[0],
		                    "s.yaml:2:10: the spec holds a NUL byte: it is not "
		                    "text");
		strv_free(&errors);
		spec_free(&spec);
	}
	{
		size_t big = SPEC_MAX_BYTES + 1;
		char *huge = xmalloc(big);
		struct strv errors = { 0 };

		memset(huge, '#', big);
		assert_int_equal(spec_load(huge, big, "s.yaml", NULL, NULL, &spec, NULL, &errors),
		                 -1);
		assert_string_equal(errors.v[0], "s.yaml: the spec is larger than 16 MiB");
		strv_free(&errors);
		spec_free(&spec);
		free(huge);
	}
	assert_true(clock_mono_ms() - t0 < 10000);
}

/* Random bytes, and random cuts of a real spec, never crash; errors stay printable. */
static void
test_spec_garbage(void **state)
{
	uint32_t seed = 42;
	size_t len = strlen(test_spec_serial);

	(void)state;
	for (int round = 0; round < 300; round++) {
		char buf[512];
		size_t n = 0;
		struct strv errors = { 0 };
		struct spec spec;

		if (round % 2) {
			for (; n < sizeof(buf); n++) {
				seed = seed * 1103515245u + 12345u;
				buf[n] = (char)(seed >> 16);
			}
		} else {
			seed = seed * 1103515245u + 12345u;
			n = (seed >> 8) % len;
			memcpy(buf, test_spec_serial, n);
			seed = seed * 1103515245u + 12345u;
			if (n)
				buf[(seed >> 8) % n] = "{}[]:-&*!|>'\"\t"[(seed >> 4) % 14];
		}
		spec_load(buf, n, "g.yaml", NULL, NULL, &spec, NULL, &errors);
		for (size_t i = 0; i < errors.n; i++)
			for (const char *p = errors.v[i]; *p; p++)
				assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
		strv_free(&errors);
		spec_free(&spec);
	}
}

/* Many errors are capped, and the last line says so. */
static void
test_spec_error_cap(void **state)
{
	struct strbuf sb = { 0 };
	struct strv errors = { 0 };
	struct spec spec;

	(void)state;
	strbuf_addstr(&sb, "workflow:\n  name: many\n  tasks:\n");
	for (int i = 0; i < 300; i++)
		strbuf_addf(&sb, "  - {name: 'bad name %d', image: x, command: [true]}\n", i);
	assert_int_equal(spec_load(sb.buf, sb.len, "s.yaml", NULL, NULL, &spec, NULL, &errors), -1);
	assert_int_equal(errors.n, SPEC_MAX_ERRORS + 1);
	assert_string_equal(errors.v[errors.n - 1], "too many errors; stopping here");
	strv_free(&errors);
	spec_free(&spec);
	strbuf_free(&sb);
}

/*
 * Empty mappings and lists hold no array at all: walking one must not do arithmetic on its
 * NULL (fuzz_spec: the first example's stored form, with its empty default resources).
 */
static void
test_spec_empty_collections(void **state)
{
	const char *problem = NULL;
	struct strv errors = { 0 };
	struct spec spec;
	char *stored;

	(void)state;
	stored = spec_dump_stored("# One task that says hello and ends.\n"
	                          "workflow:\n"
	                          "  name: plain\n"
	                          "  tasks:\n"
	                          "  - name: a\n"
	                          "    image: ubuntu\n"
	                          "    command: [echo, hello]\n",
	                          NULL, NULL, 0, &problem);
	assert_non_null(stored);
	assert_int_equal(
	        spec_load(stored, strlen(stored), "s.yaml", NULL, NULL, &spec, NULL, &errors), 0);
	spec_free(&spec);
	free(stored);
	test_spec_ok("default-values: {xs: []}\n"
	             "workflow:\n"
	             "  name: empties\n"
	             "  labels: {}\n"
	             "  resources:\n"
	             "    default: {}\n"
	             "  tasks:\n"
	             "  - name: a\n"
	             "    image: x\n"
	             "    command: [true]\n"
	             "    args: []\n"
	             "    environment: {}\n"
	             "    credentials: {}\n"
	             "    exitActions: {}\n"
	             "    inputs: []\n"
	             "    outputs: []\n"
	             "    files: []\n",
	             NULL, &spec);
	spec_free(&spec);
	test_spec_expect("workflow:\n  name: e\n  tasks:\n  - {}\n",
	                 "s.yaml:4:5: task 0 needs 'name'\n"
	                 "s.yaml:4:5: task 0 needs 'image'\n"
	                 "s.yaml:4:5: task 0 needs 'command'\n");
	strv_free(&errors);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_tasks_become_groups),
		cmocka_unit_test(test_spec_tasks_and_groups),
		cmocka_unit_test(test_spec_leads),
		cmocka_unit_test(test_spec_binary_units),
		cmocka_unit_test(test_spec_duplicate_names),
		cmocka_unit_test(test_spec_resource_profiles),
		cmocka_unit_test(test_spec_input_tokens),
		cmocka_unit_test(test_spec_unknown_input_task),
		cmocka_unit_test(test_spec_cycles),
		cmocka_unit_test(test_spec_commands),
		cmocka_unit_test(test_spec_names),
		cmocka_unit_test(test_spec_exit_actions),
		cmocka_unit_test(test_spec_durations),
		cmocka_unit_test(test_spec_quantities),
		cmocka_unit_test(test_spec_fields),
		cmocka_unit_test(test_spec_unknown_fields),
		cmocka_unit_test(test_spec_files),
		cmocka_unit_test(test_spec_paths_stay_inside),
		cmocka_unit_test(test_spec_template),
		cmocka_unit_test(test_spec_template_errors),
		cmocka_unit_test(test_spec_yaml_errors),
		cmocka_unit_test(test_spec_examples),
		cmocka_unit_test(test_spec_group_graph),
		cmocka_unit_test(test_spec_hostile),
		cmocka_unit_test(test_spec_garbage),
		cmocka_unit_test(test_spec_error_cap),
		cmocka_unit_test(test_spec_empty_collections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
