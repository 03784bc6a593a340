/* test_engine.c: osmo-local's scheduling rules, with the engine driven in-process by its loop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "server/engine.h"
#include "common/osmo_time.h"
#include "common/loop.h"
#include "proc.h"
#include "common/util.h"

#define TE_DEADLINE_MS 20000

struct te {
	char dir[64];
	struct loop *loop;
	struct engine *engine;
};

/* An engine over t->dir's state (what a restarted osmo-local would load). */
static void
te_open(struct te *t, unsigned slots)
{
	struct engine_config cfg = { 0 };
	struct engine_error err = { 0 };

	t->loop = loop_new();
	cfg.loop = t->loop;
	cfg.state_dir = t->dir;
	cfg.pool = "default";
	cfg.base_url = "http://127.0.0.1:1";
	cfg.slots = slots;
	cfg.phase_ms = 0;
	t->engine = engine_new(&cfg, &err);
	assert_non_null(t->engine);
}

/* A fresh scratch and an engine over it; teardown frees it, stopping what still runs. */
static int
te_setup_slots(void **state, unsigned slots)
{
	struct te *t = xmalloc(sizeof(*t));

	strlcpy_safe(t->dir, "/tmp/osmo-engine-test-XXXXXX", sizeof(t->dir));
	assert_non_null(mkdtemp(t->dir));
	te_open(t, slots);
	*state = t;
	return 0;
}

static int
te_setup(void **state)
{
	return te_setup_slots(state, 0);
}

static int
te_setup_one_slot(void **state)
{
	return te_setup_slots(state, 1);
}

static int
te_teardown(void **state)
{
	struct te *t = *state;

	engine_free(t->engine);
	loop_free(t->loop);
	assert_int_equal(proc_remove_tree(t->dir), 0);
	free(t);
	return 0;
}

static char *
te_submit(struct te *t, const char *yaml)
{
	struct engine_submit req = { .user = "alice", .pool = "default", .file = yaml };
	struct engine_submitted out;
	struct engine_error err = { 0 };
	char *id;

	if (engine_submit(t->engine, &req, &out, &err) < 0)
		fail_msg("submit: %s", err.message);
	id = xstrdup(out.name);
	engine_submitted_free(&out);
	return id;
}

/* Runs the loop (reaping as SIGCHLD would) until the workflow has ended. */
static const struct eng_workflow *
te_wait(struct te *t, const char *id)
{
	int64_t deadline = clock_mono_ms() + TE_DEADLINE_MS;
	const struct eng_workflow *wf;

	while ((wf = engine_find(t->engine, id)) && !osmo_status_is_finished(wf->status)) {
		if (clock_mono_ms() > deadline)
			fail_msg("%s still %s after %d ms", id, osmo_status_wire(wf->status),
			         TE_DEADLINE_MS);
		loop_run_once(t->loop, 20);
		engine_child(t->engine);
	}
	assert_non_null(wf);
	return wf;
}

/* Submits yaml and runs the loop until it has ended; *id is its ID (the caller frees it). */
static const struct eng_workflow *
te_run(struct te *t, const char *yaml, char **id)
{
	*id = te_submit(t, yaml);
	return te_wait(t, *id);
}

static const struct eng_task *
te_task(const struct eng_workflow *wf, const char *name, int retry)
{
	for (size_t g = 0; g < wf->n_groups; g++)
		for (size_t i = 0; i < wf->groups[g].n_tasks; i++)
			if (strcmp(wf->groups[g].tasks[i].name, name) == 0 &&
			    wf->groups[g].tasks[i].retry_id == retry)
				return &wf->groups[g].tasks[i];
	fail_msg("no task %s retry %d", name, retry);
	return NULL;
}

static const struct eng_group *
te_group(const struct eng_workflow *wf, const char *name)
{
	for (size_t g = 0; g < wf->n_groups; g++)
		if (strcmp(wf->groups[g].name, name) == 0)
			return &wf->groups[g];
	fail_msg("no group %s", name);
	return NULL;
}

/* A two-task group; the non-lead runs other. */
static char *
te_group_spec(const char *name, bool ignore_nonlead, const char *lead, const char *other)
{
	return xasprintf("workflow:\n"
	                 "  name: %s\n"
	                 "  groups:\n"
	                 "  - name: g\n"
	                 "    ignoreNonleadStatus: %s\n"
	                 "    tasks:\n"
	                 "    - name: lead\n"
	                 "      lead: true\n"
	                 "      image: x\n"
	                 "      command: [sh, -c, \"%s\"]\n"
	                 "    - name: other\n"
	                 "      image: x\n"
	                 "      command: [sh, -c, \"%s\"]\n",
	                 name, ignore_nonlead ? "true" : "false", lead, other);
}

static void
test_nonlead_failure_ignored(void **state)
{
	struct te *t = *state;
	char *spec = te_group_spec("ign", true, "sleep 0.3", "exit 4");
	char *id;
	const struct eng_workflow *wf = te_run(t, spec, &id);

	assert_int_equal(wf->status, OSMO_COMPLETED);
	assert_int_equal(te_group(wf, "g")->status, OSMO_COMPLETED);
	assert_int_equal(te_task(wf, "other", 0)->status, OSMO_FAILED);
	assert_int_equal(te_task(wf, "other", 0)->exit_code, 4);
	assert_int_equal(te_task(wf, "lead", 0)->status, OSMO_COMPLETED);
	free(id);
	free(spec);
}

static void
test_nonlead_failure_fails_group(void **state)
{
	struct te *t = *state;
	char *spec = te_group_spec("strict", false, "sleep 30", "exit 4");
	char *id;
	const struct eng_workflow *wf = te_run(t, spec, &id);

	assert_int_equal(wf->status, OSMO_FAILED);
	assert_int_equal(te_group(wf, "g")->status, OSMO_FAILED);
	assert_int_equal(te_task(wf, "other", 0)->status, OSMO_FAILED);
	/* The lead was stopped, not left to sleep out its 30 s. */
	assert_int_equal(te_task(wf, "lead", 0)->status, OSMO_FAILED);
	assert_string_equal(te_task(wf, "lead", 0)->failure_message,
	                    "Task other of the group failed");
	free(id);
	free(spec);
}

static void
test_lead_end_stops_nonleads(void **state)
{
	struct te *t = *state;
	char *spec = te_group_spec("leadfirst", true, "true", "sleep 30");
	char *id;
	const struct eng_workflow *wf = te_run(t, spec, &id);

	assert_int_equal(wf->status, OSMO_COMPLETED);
	assert_int_equal(te_task(wf, "other", 0)->status, OSMO_COMPLETED);
	assert_false(te_task(wf, "other", 0)->has_exit_code);
	free(id);
	free(spec);
}

static void
test_upstream_failure_and_exit_actions(void **state)
{
	static const char spec[] = "workflow:\n"
	                           "  name: chain\n"
	                           "  tasks:\n"
	                           "  - name: flaky\n"
	                           "    image: x\n"
	                           "    command: [sh, -c, 'exit 7']\n"
	                           "    exitActions: {RESTART: '7'}\n"
	                           "  - name: after\n"
	                           "    image: x\n"
	                           "    command: [true]\n"
	                           "    inputs: [{task: flaky}]\n"
	                           "  - name: solo\n"
	                           "    image: x\n"
	                           "    command: [true]\n";
	struct te *t = *state;
	char *id;
	const struct eng_workflow *wf = te_run(t, spec, &id);

	assert_int_equal(wf->status, OSMO_FAILED);
	/* Every RESTART made a new retry until the limit, then the task failed. */
	assert_int_equal(te_task(wf, "flaky", 0)->status, OSMO_RESCHEDULED);
	assert_int_equal(te_task(wf, "flaky", 5)->status, OSMO_FAILED);
	assert_int_equal(te_task(wf, "flaky", 5)->exit_code, 7);
	assert_int_equal(te_task(wf, "after", 0)->status, OSMO_FAILED_UPSTREAM);
	assert_int_equal(te_task(wf, "after", 0)->exit_code, 3000);
	assert_int_equal(te_task(wf, "solo", 0)->status, OSMO_COMPLETED);
	free(id);
}

static void
test_queue_timeout_and_cancel(void **state)
{
	static const char busy[] = "workflow:\n"
	                           "  name: busy\n"
	                           "  tasks:\n"
	                           "  - name: hold\n"
	                           "    image: x\n"
	                           "    command: [sleep, '30']\n";
	static const char queued[] = "workflow:\n"
	                             "  name: queued\n"
	                             "  timeout: {queue_timeout: 1s}\n"
	                             "  tasks:\n"
	                             "  - name: wait\n"
	                             "    image: x\n"
	                             "    command: [true]\n";
	struct te *t = *state;
	struct engine_error err = { 0 };
	char *a, *b;
	const struct eng_workflow *wf;

	a = te_submit(t, busy);
	b = te_submit(t, queued);
	wf = te_wait(t, b);
	assert_int_equal(wf->status, OSMO_FAILED_QUEUE_TIMEOUT);
	assert_string_equal(wf->cancelled_by, "osmo");
	assert_int_equal(engine_cancel(t->engine, a, "bob", false, "done", &err), 0);
	wf = te_wait(t, a);
	assert_int_equal(wf->status, OSMO_FAILED_CANCELED);
	assert_string_equal(te_task(wf, "hold", 0)->failure_message,
	                    "Task was canceled by user: bob. done");
	assert_int_equal(engine_cancel(t->engine, a, "bob", false, NULL, &err), -1);
	assert_int_equal(err.status, 400);
	engine_error_free(&err);
	free(a);
	free(b);
}

static void
test_restart_reruns_failed_groups(void **state)
{
	static const char spec[] = "workflow:\n"
	                           "  name: rerun\n"
	                           "  tasks:\n"
	                           "  - name: make\n"
	                           "    image: x\n"
	                           "    command: [sh, -c, 'echo data > {{output}}/f']\n"
	                           "  - name: use\n"
	                           "    image: x\n"
	                           "    command: [sh, -c, 'grep -q data {{input:0}}/f && exit 5']\n"
	                           "    inputs: [{task: make}]\n";
	struct te *t = *state;
	struct engine_submitted out;
	struct engine_error err = { 0 };
	char *id;
	const struct eng_workflow *wf = te_run(t, spec, &id);

	assert_int_equal(wf->status, OSMO_FAILED);
	assert_int_equal(te_task(wf, "use", 0)->exit_code, 5);
	assert_int_equal(engine_restart(t->engine, id, "default", "alice", &out, &err), 0);
	assert_string_equal(out.name, "rerun-2");
	wf = te_wait(t, out.name);
	/* Only the failed group ran again; its input still came from the first run. */
	assert_int_equal(wf->n_groups, 1);
	assert_string_equal(wf->groups[0].name, "use-group");
	assert_string_equal(wf->parent_name, "rerun");
	assert_int_equal(wf->parent_job_id, 1);
	assert_int_equal(te_task(wf, "use", 0)->exit_code, 5);
	engine_submitted_free(&out);
	assert_int_equal(engine_restart(t->engine, "nope-1", NULL, "alice", &out, &err), -1);
	assert_string_equal(err.code, "DATABASE");
	engine_error_free(&err);
	engine_submitted_free(&out);
	free(id);
}

/* A finished workflow loaded from the state can still be restarted (its spec is read then). */
static void
test_restart_after_reload(void **state)
{
	static const char spec[] = "workflow:\n"
	                           "  name: later\n"
	                           "  tasks:\n"
	                           "  - name: ok\n"
	                           "    image: x\n"
	                           "    command: [true]\n"
	                           "  - name: bad\n"
	                           "    image: x\n"
	                           "    command: [false]\n";
	struct te *t = *state;
	struct engine_submitted out;
	struct engine_error err = { 0 };
	char *id;
	const struct eng_workflow *wf;

	assert_int_equal(te_run(t, spec, &id)->status, OSMO_FAILED);
	engine_free(t->engine);
	loop_free(t->loop);
	te_open(t, 0);
	assert_int_equal(engine_find(t->engine, id)->status, OSMO_FAILED);
	assert_int_equal(engine_restart(t->engine, id, NULL, "alice", &out, &err), 0);
	wf = te_wait(t, out.name);
	assert_int_equal(wf->n_groups, 1);
	assert_string_equal(wf->groups[0].name, "bad-group");
	assert_int_equal(wf->status, OSMO_FAILED);
	engine_submitted_free(&out);
	free(id);
}

/* Fields that cannot apply here are accepted and said, not dropped silently. */
static void
test_local_field_warnings(void **state)
{
	struct te *t = *state;
	char *yaml = util_read_file("examples/resources.yaml", NULL);
	struct engine_submit req = { .user = "alice", .pool = "default", .file = yaml };
	struct engine_submitted out;
	struct engine_error err = { 0 };
	bool nodes = false, platform = false;

	assert_non_null(yaml);
	assert_int_equal(engine_submit(t->engine, &req, &out, &err), 0);
	for (size_t i = 0; i < out.warnings.n; i++) {
		nodes |= strstr(out.warnings.v[i], "nodesExcluded") != NULL;
		platform |= strstr(out.warnings.v[i], "platform") != NULL;
	}
	assert_true(nodes);
	assert_true(platform);
	assert_int_equal(te_wait(t, out.name)->status, OSMO_COMPLETED);
	engine_submitted_free(&out);
	free(yaml);
}

/* Whether path exists, a dangling symlink included. */
static bool
te_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/*
 * A task's files land in its own directory: a relative path under root/ (not osmo-local's
 * working directory), and never through a symlink an upstream task left in its output.
 */
static void
test_files_stay_in_task_dir(void **state)
{
	struct te *t = *state;
	char *cwd = getcwd(NULL, 0), *outside = xasprintf("%s/outside", t->dir);
	char *id, *yaml, *path;
	const struct eng_workflow *wf;
	const struct eng_task *task;
	struct stat st;

	assert_non_null(cwd);
	assert_int_equal(mkdir(outside, 0700), 0);
	assert_int_equal(chdir(outside), 0);
	wf = te_run(t,
	            "workflow:\n"
	            "  name: files-relative\n"
	            "  tasks:\n"
	            "  - name: a\n"
	            "    image: x\n"
	            "    command: [sh, -c, 'test \"$(cat sub/rel.txt)\" = hi']\n"
	            "    files:\n"
	            "    - {path: sub/rel.txt, contents: hi}\n",
	            &id);
	assert_int_equal(chdir(cwd), 0);
	assert_false(te_exists("sub"));
	path = xasprintf("%s/sub", outside);
	assert_false(te_exists(path));
	free(path);
	path = xasprintf("%s/workflows/%s/tasks/a/0/root/sub/rel.txt", t->dir, id);
	assert_true(te_exists(path));
	assert_int_equal(wf->status, OSMO_COMPLETED);
	free(path);
	free(id);

	yaml = xasprintf("workflow:\n"
	                 "  name: files-symlink\n"
	                 "  tasks:\n"
	                 "  - name: plant\n"
	                 "    image: x\n"
	                 "    command: [ln, -s, %s, '{{output}}/link']\n"
	                 "  - name: write\n"
	                 "    image: x\n"
	                 "    command: ['true']\n"
	                 "    inputs:\n"
	                 "    - task: plant\n"
	                 "    files:\n"
	                 "    - {path: '{{input:0}}/link/pwned', contents: x}\n",
	                 outside);
	wf = te_run(t, yaml, &id);
	/* The trap was laid: the input holds the symlink. */
	path = xasprintf("%s/workflows/%s/tasks/write/0/input/0/link", t->dir, id);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	free(path);
	path = xasprintf("%s/pwned", outside);
	assert_false(te_exists(path));
	free(path);
	task = te_task(wf, "write", 0);
	assert_int_not_equal(task->status, OSMO_COMPLETED);
	assert_non_null(task->failure_message);
	assert_non_null(strstr(task->failure_message, "cannot write"));
	free(id);
	free(yaml);
	free(outside);
	free(cwd);
}

int
main(void)
{
#define TE(fn) cmocka_unit_test_setup_teardown(fn, te_setup, te_teardown)
	const struct CMUnitTest tests[] = {
		TE(test_nonlead_failure_ignored),
		TE(test_nonlead_failure_fails_group),
		TE(test_lead_end_stops_nonleads),
		TE(test_upstream_failure_and_exit_actions),
		cmocka_unit_test_setup_teardown(test_queue_timeout_and_cancel, te_setup_one_slot,
		                                te_teardown),
		TE(test_restart_reruns_failed_groups),
		TE(test_local_field_warnings),
		TE(test_restart_after_reload),
		TE(test_files_stay_in_task_dir),
	};
#undef TE

	return cmocka_run_group_tests(tests, NULL, NULL);
}
