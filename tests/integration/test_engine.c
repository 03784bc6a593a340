/* test_engine.c: osmo-local's engine end to end: what OSMO's seeds promise, through the real client. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lfix.h"

#define ETEST_CALL_MS 10000 /* a task writing its pid, or a workflow ending after a restart */
#define ETEST_END_MS  15000 /* a workflow from submit to its end */
#define ETEST_GONE_MS 3000  /* for a stopped task's processes to disappear */
#define ETEST_LOG_TS  "^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} "
#define ETEST_EVT_TS  "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?\\+00:00 "

/* An example that must end COMPLETED, with its workflow name and task count. */
struct etest_example {
	const char *file;
	const char *name;
	size_t ntasks;
};

static const struct etest_example etest_examples[] = {
	{ "parallel.yaml", "parallel-tasks", 3 },     { "serial.yaml", "serial-tasks", 3 },
	{ "client_server.yaml", "client-server", 2 }, { "pipeline.yaml", "data-pipeline", 6 },
	{ "template.yaml", "ml-training", 3 },        { "checkpoint.yaml", "checkpoint-demo", 1 },
	{ "exit_actions.yaml", "exit-actions", 1 },   { "resources.yaml", "resource-profiles", 2 },
};

/* ------------------------------------------------------------------ servers and scratch */

/* A crash: SIGKILL, so osmo-local cannot stop its tasks or write its state. */
static void
etest_crash(struct lfix *t)
{
	assert_int_equal(kill(t->server.pid, SIGKILL), 0);
	while (waitpid(t->server.pid, NULL, 0) < 0 && errno == EINTR)
		;
	close(t->server.out_fd);
	t->server.pid = -1;
	t->server.out_fd = -1;
}

/* Scratch, osmo-local with extra options (NULL: its defaults) and the client on it. */
static int
etest_setup_with(void **state, const char *const *extra)
{
	return lfix_state_open(state, "engine-itest", extra);
}

static int
etest_setup(void **state)
{
	return etest_setup_with(state, NULL);
}

static int
etest_setup_one_slot(void **state)
{
	return etest_setup_with(state, lfix_one_slot);
}

/* The pid in dir/name.pid once a task has written it whole, or 0. */
static pid_t
etest_read_pid(const struct lfix *t, const char *name)
{
	char *path = xasprintf("%s/%s.pid", t->dir, name);
	char *s = util_read_file(path, NULL);
	long pid = s && strchr(s, '\n') ? strtol(s, NULL, 10) : 0;

	free(s);
	free(path);
	return (pid_t)pid;
}

/* Whether pid runs with a task's environment of ours (OSMO_OUTPUT_DIR in our scratch). */
static bool
etest_in_scratch_env(const struct lfix *t, pid_t pid)
{
	char *path = xasprintf("/proc/%ld/environ", (long)pid);
	char *want = xasprintf("OSMO_OUTPUT_DIR=%s/", t->dir);
	size_t len = 0;
	char *env = util_read_file(path, &len);
	bool ours = false;

	for (size_t i = 0; env && i < len && !ours; i += strlen(env + i) + 1)
		ours = str_starts_with(env + i, want);
	free(env);
	free(want);
	free(path);
	return ours;
}

/* Kills what a failed test left running: pid files' processes still inside our scratch. */
static void
etest_kill_leftovers(const struct lfix *t)
{
	DIR *d = opendir(t->dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char cwd[4096];
		char *name, *link;
		pid_t pid;
		ssize_t len;

		if (n < 5 || strcmp(de->d_name + n - 4, ".pid") != 0)
			continue;
		name = xstrndup(de->d_name, n - 4);
		pid = etest_read_pid(t, name);
		free(name);
		if (pid <= 1)
			continue;
		/* Only our tasks: the pid may have been reused since. */
		link = xasprintf("/proc/%ld/cwd", (long)pid);
		len = readlink(link, cwd, sizeof(cwd) - 1);
		free(link);
		if (len > 0) {
			cwd[len] = '\0';
			if (str_starts_with(cwd, t->dir) || etest_in_scratch_env(t, pid))
				kill(pid, SIGKILL);
		}
	}
	if (d)
		closedir(d);
}

static int
etest_teardown(void **state)
{
	struct lfix *t = *state;

	if (t->server.pid > 0)
		lfix_stop(t, 5000);
	etest_kill_leftovers(t);
	lfix_state_close(state);
	return 0;
}

/* An inline spec with @DIR@ standing for the scratch directory. */
static char *
etest_spec(const struct lfix *t, const char *text)
{
	return lfix_replace(text, "@DIR@", t->dir);
}

/* An example as shipped, but for the marker it keeps under /tmp, moved into our scratch. */
static char *
etest_example(const struct lfix *t, const char *file)
{
	char *path = xasprintf("examples/%s", file);
	char *raw = util_read_file(path, NULL);
	char *marker = xasprintf("%s/exit-marker-", t->dir);
	char *b;

	if (!raw)
		fail_msg("cannot read %s (run from the repository root)", path);
	b = lfix_replace(raw, "/tmp/osmo-exit-actions-", marker);
	free(raw);
	free(marker);
	free(path);
	return b;
}

static void
etest_write(const struct lfix *t, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", t->dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	free(path);
}

/* ------------------------------------------------------------------ the client's loop */

/* Submits yaml and waits for the workflow's end; its ID. */
static char *
etest_run(struct lfix *t, const char *yaml, struct osmo_workflow *out)
{
	char *id = lfix_submit(t, yaml, NULL);

	lfix_wait(t, id, ETEST_END_MS, lfix_ended, out);
	return id;
}

/* The pid a task wrote to dir/name.pid, waiting for it while the task starts. */
static pid_t
etest_wait_pid(struct lfix *t, const char *name)
{
	int64_t deadline = clock_mono_ms() + ETEST_CALL_MS;
	pid_t pid;

	while ((pid = etest_read_pid(t, name)) <= 0) {
		if (clock_mono_ms() >= deadline)
			fail_msg("no task wrote %s/%s.pid", t->dir, name);
		wait_loop_for(t->loop, 20);
	}
	return pid;
}

/* Fails unless the process a task wrote to dir/name.pid is gone in time. */
static void
etest_assert_gone(struct lfix *t, const char *name)
{
	int64_t deadline = clock_mono_ms() + ETEST_GONE_MS;
	pid_t pid = etest_read_pid(t, name);

	assert_true(pid > 1);
	while (proc_alive(pid)) {
		if (clock_mono_ms() >= deadline)
			fail_msg("process %ld (%s.pid) still runs after its task ended", (long)pid,
			         name);
		wait_loop_for(t->loop, 20);
	}
}

/* A finished workflow's log or events (task NULL: all tasks; retry < 0: latest). */
static char *
etest_stream(struct lfix *t, enum api_stream_kind what, const char *id, const char *task, int retry,
             int last_n)
{
	struct api_stream_opts o = { .what = what,
		                     .workflow_id = id,
		                     .task = task,
		                     .retry_id = retry,
		                     .last_n_lines = last_n,
		                     .idle_timeout_s = 10 };
	struct wait_call c;
	char *text;

	api_stream(t->api, &o, wait_call_start(&c));
	lfix_finish(t, &c, true);
	text = strbuf_detach(&c.data);
	wait_call_free(&c);
	return text;
}

/* error_logs without a task: the hint, then dict as json.dumps(indent=4) prints it, with
 * "@WF@" standing for the workflow's URL. */
static void
etest_assert_error_index(struct lfix *t, const char *id, const char *dict)
{
	char *wf_url = xasprintf("%s/api/workflow/%s", t->server.url, id);
	char *body = lfix_replace(dict, "@WF@", wf_url);
	char *want = xasprintf("Specify task for error logs.\n\n%s", body);
	struct wait_call c;

	api_error_logs(t->api, id, NULL, -1, wait_call_start(&c));
	lfix_finish(t, &c, true);
	assert_string_equal(c.res.text, want);
	wait_call_free(&c);
	free(want);
	free(body);
	free(wf_url);
}

/* The last n lines of text, each with its newline. */
static const char *
etest_last_lines(const char *text, int n)
{
	const char *p = text + strlen(text);
	int seen = 0;

	for (; p > text; p--)
		if (p[-1] == '\n' && ++seen == n + 1)
			break;
	return p;
}

static char *
etest_logs(struct lfix *t, const char *id, const char *task)
{
	return etest_stream(t, API_STREAM_LOGS, id, task, -1, 0);
}

/* GET .../spec, the rendered one or (use_template) the original. */
static char *
etest_spec_text(struct lfix *t, const char *id, bool use_template)
{
	struct wait_call c;
	char *text;

	api_spec(t->api, id, use_template, wait_call_start(&c));
	lfix_finish(t, &c, true);
	text = xstrdup(c.res.text ? c.res.text : "");
	wait_call_free(&c);
	return text;
}

/* ------------------------------------------------------------------ assertions */

/* Fails unless text has a whole line matching the extended regex re (anchored by the caller). */
static void
etest_assert_line(const char *text, const char *re)
{
	regex_t rx;
	int rc;

	assert_int_equal(regcomp(&rx, re, REG_EXTENDED | REG_NEWLINE | REG_NOSUB), 0);
	rc = regexec(&rx, text, 0, NULL, 0);
	regfree(&rx);
	if (rc != 0)
		fail_msg("no line matches /%s/ in:\n%s", re, text);
}

/* A log line in OSMO's format: "YYYY/MM/DD HH:MM:SS " then rest (a regex) to the line's end. */
static void
etest_assert_log(const char *text, const char *rest)
{
	char *re = xasprintf(ETEST_LOG_TS "%s$", rest);

	etest_assert_line(text, re);
	free(re);
}

static void
etest_assert_status(const char *what, enum osmo_status got, enum osmo_status want)
{
	if (got != want)
		fail_msg("%s is %s, expected %s", what, osmo_status_wire(got),
		         osmo_status_wire(want));
}

/* The row of task name at retry (< 0: the latest); fails when there is none. */
static const struct osmo_task *
etest_task(const struct osmo_workflow *wf, const char *name, int retry)
{
	const struct osmo_task *found = NULL;

	for (size_t i = 0; i < wf->n_groups; i++)
		for (size_t k = 0; k < wf->groups[i].n_tasks; k++) {
			const struct osmo_task *tk = &wf->groups[i].tasks[k];

			if (strcmp(tk->name, name) != 0)
				continue;
			if (retry >= 0 ? tk->retry_id == retry
			               : !found || tk->retry_id > found->retry_id)
				found = tk;
		}
	if (!found)
		fail_msg("workflow %s has no task %s (retry %d)", wf->name, name, retry);
	return found;
}

static void
etest_assert_task(const struct osmo_workflow *wf, const char *name, int retry,
                  enum osmo_status want)
{
	char *what = xasprintf("%s task %s retry %d", wf->name, name, retry);

	etest_assert_status(what, etest_task(wf, name, retry)->status, want);
	free(what);
}

static void
etest_assert_exit(const struct osmo_task *tk, int code)
{
	if (!tk->has_exit_code || tk->exit_code != code)
		fail_msg("task %s retry %d: exit code %s%d, expected %d", tk->name, tk->retry_id,
		         tk->has_exit_code ? "" : "none/", tk->exit_code, code);
}

/* The lifecycle's order: processing <= scheduling <= initializing <= start <= end, all set. */
static void
etest_assert_lifecycle(const struct osmo_task *tk)
{
	static const char *const names[] = { "processing", "scheduling", "initializing", "start",
		                             "end" };
	const int64_t at[] = { tk->processing_ms, tk->scheduling_ms, tk->initializing_ms,
		               tk->start_ms, tk->end_ms };

	for (size_t i = 0; i < ARRAY_SIZE(at); i++) {
		if (!at[i])
			fail_msg("task %s retry %d: no %s time", tk->name, tk->retry_id, names[i]);
		if (i && at[i] < at[i - 1])
			fail_msg("task %s retry %d: %s time before %s time", tk->name, tk->retry_id,
			         names[i], names[i - 1]);
	}
}

/* Every task of wf: count rows, newest retries COMPLETED, completed rows in lifecycle order. */
static void
etest_assert_all_completed(const struct osmo_workflow *wf, size_t ntasks)
{
	size_t newest = 0;

	etest_assert_status(wf->name, wf->status, OSMO_COMPLETED);
	for (size_t i = 0; i < wf->n_groups; i++) {
		etest_assert_status(wf->groups[i].name, wf->groups[i].status, OSMO_COMPLETED);
		for (size_t k = 0; k < wf->groups[i].n_tasks; k++) {
			const struct osmo_task *tk = &wf->groups[i].tasks[k];

			if (etest_task(wf, tk->name, -1) != tk)
				continue;
			newest++;
			etest_assert_task(wf, tk->name, tk->retry_id, OSMO_COMPLETED);
			etest_assert_exit(tk, 0);
			etest_assert_lifecycle(tk);
		}
	}
	assert_int_equal(newest, ntasks);
}

/* The error a failed call carried: HTTP status, OSMO code, and a piece of the message. */
static void
etest_assert_error(const struct wait_call *c, long status, const char *code, const char *text)
{
	assert_int_equal(c->res.err.kind, API_ERR_HTTP);
	assert_int_equal(c->res.err.http_status, status);
	assert_string_equal(c->res.err.error_code, code);
	if (!strstr(c->res.err.message, text))
		fail_msg("error \"%s\" does not say \"%s\"", c->res.err.message, text);
}

/* ------------------------------------------------------------------ 1: examples */

static void
test_examples_complete(void **state)
{
	struct lfix *t = *state;
	char *ids[ARRAY_SIZE(etest_examples)];
	struct osmo_workflow wf;
	char *ckpt;

	/* All at once: the slowest example bounds the test, not their sum. */
	for (size_t i = 0; i < ARRAY_SIZE(etest_examples); i++) {
		char *yaml = etest_example(t, etest_examples[i].file);
		char *want = xasprintf("%s-1", etest_examples[i].name);

		ids[i] = lfix_submit(t, yaml, NULL);
		assert_string_equal(ids[i], want);
		free(want);
		free(yaml);
	}
	for (size_t i = 0; i < ARRAY_SIZE(etest_examples); i++) {
		lfix_wait(t, ids[i], ETEST_END_MS, lfix_ended, &wf);
		etest_assert_all_completed(&wf, etest_examples[i].ntasks);
		osmo_workflow_free(&wf);
	}
	/* The checkpoint's relative url is kept in this osmo-local's state, not machine-wide. */
	ckpt = xasprintf("%s/storage/checkpoints/checkpoint-demo-1/step-3.pt", t->state);
	if (access(ckpt, F_OK) != 0)
		fail_msg("no final checkpoint at %s", ckpt);
	free(ckpt);
	for (size_t i = 0; i < ARRAY_SIZE(etest_examples); i++)
		free(ids[i]);
}

static void
test_failure_example(void **state)
{
	struct lfix *t = *state;
	char *yaml = etest_example(t, "failure.yaml");
	struct osmo_workflow wf;
	char *id = etest_run(t, yaml, &wf);
	const struct osmo_task *tk;

	etest_assert_status(id, wf.status, OSMO_FAILED);
	tk = etest_task(&wf, "fetch-data", -1);
	etest_assert_status("fetch-data", tk->status, OSMO_FAILED);
	etest_assert_exit(tk, 1);
	assert_non_null(tk->failure_message);
	assert_true(strlen(tk->failure_message) > 0);
	etest_assert_lifecycle(tk);
	tk = etest_task(&wf, "process-data", -1);
	etest_assert_status("process-data", tk->status, OSMO_FAILED_UPSTREAM);
	etest_assert_exit(tk, 3000);
	assert_int_equal(tk->start_ms, 0);
	tk = etest_task(&wf, "health-check", -1);
	etest_assert_status("health-check", tk->status, OSMO_COMPLETED);
	etest_assert_lifecycle(tk);
	osmo_workflow_free(&wf);
	free(id);
	free(yaml);
}

/* ------------------------------------------------------------------ 2: serial order and logs */

static void
test_serial_order_and_logs(void **state)
{
	struct lfix *t = *state;
	char *yaml = etest_example(t, "serial.yaml");
	struct osmo_workflow wf;
	char *id = etest_run(t, yaml, &wf);
	const struct osmo_task *t1 = etest_task(&wf, "task1", -1);
	const struct osmo_task *t2 = etest_task(&wf, "task2", -1);
	const struct osmo_task *t3 = etest_task(&wf, "task3", -1);
	char *log2, *log3;

	etest_assert_all_completed(&wf, 3);
	assert_true(t2->start_ms >= t1->end_ms);
	assert_true(t3->start_ms >= t2->end_ms);
	log2 = etest_logs(t, id, "task2");
	log3 = etest_logs(t, id, "task3");
	etest_assert_log(log2, "\\[task2\\] Data from task 1");
	etest_assert_log(log3, "\\[task3\\] Data from task 1");
	etest_assert_log(log3, "\\[task3\\] Data from task 2");
	/* Data movement is OSMO's own line, not the task's. */
	etest_assert_log(log2, "\\[task2\\]\\[osmo\\] .+");
	/* A task's log holds only that task. */
	assert_null(strstr(log2, "[task3]"));
	free(log2);
	free(log3);
	osmo_workflow_free(&wf);
	free(id);
	free(yaml);
}

/* ------------------------------------------------------------------ 3: groups and leads */

static void
test_group_nonlead_failure_ignored(void **state)
{
	struct lfix *t = *state;
	static const char spec[] =
	        "workflow:\n"
	        "  name: nonlead-ignored\n"
	        "  groups:\n"
	        "  - name: team\n"
	        "    ignoreNonleadStatus: true\n"
	        "    tasks:\n"
	        "    - name: leader\n"
	        "      lead: true\n"
	        "      image: ubuntu:24.04\n"
	        "      command: [\"sh\", \"-c\", \"sleep 0.5; echo lead done\"]\n"
	        "    - name: helper\n"
	        "      image: ubuntu:24.04\n"
	        "      command: [\"sh\", \"-c\", \"echo helper fails; exit 1\"]\n";
	struct osmo_workflow wf;
	char *id = etest_run(t, spec, &wf);

	etest_assert_status(id, wf.status, OSMO_COMPLETED);
	etest_assert_status("group team", osmo_workflow_find_group(&wf, "team")->status,
	                    OSMO_COMPLETED);
	etest_assert_task(&wf, "leader", 0, OSMO_COMPLETED);
	etest_assert_task(&wf, "helper", 0, OSMO_FAILED);
	etest_assert_exit(etest_task(&wf, "helper", 0), 1);
	assert_true(etest_task(&wf, "leader", 0)->lead);
	assert_false(etest_task(&wf, "helper", 0)->lead);
	osmo_workflow_free(&wf);
	free(id);
}

static void
test_group_nonlead_failure_counts(void **state)
{
	struct lfix *t = *state;
	char *spec =
	        etest_spec(t, "workflow:\n"
	                      "  name: nonlead-strict\n"
	                      "  groups:\n"
	                      "  - name: team\n"
	                      "    ignoreNonleadStatus: false\n"
	                      "    tasks:\n"
	                      "    - name: leader\n"
	                      "      lead: true\n"
	                      "      image: ubuntu:24.04\n"
	                      "      command: [\"sh\", \"-c\"]\n"
	                      "      args:\n"
	                      "      - |\n"
	                      "        sleep 20 & echo $! > @DIR@/strict-child.pid\n"
	                      "        echo $$ > @DIR@/strict-lead.pid\n"
	                      "        wait\n"
	                      "    - name: helper\n"
	                      "      image: ubuntu:24.04\n"
	                      "      command: [\"sh\", \"-c\"]\n"
	                      "      args:\n"
	                      "      - |\n"
	                      "        i=0\n"
	                      "        while [ ! -s @DIR@/strict-lead.pid ] && [ $i -lt 200 ]; do\n"
	                      "          sleep 0.05; i=$((i + 1))\n"
	                      "        done\n"
	                      "        echo helper fails; exit 1\n");
	struct osmo_workflow wf;
	char *id = etest_run(t, spec, &wf);
	const struct osmo_task *lead = etest_task(&wf, "leader", 0);

	etest_assert_status(id, wf.status, OSMO_FAILED);
	etest_assert_status("group team", osmo_workflow_find_group(&wf, "team")->status,
	                    OSMO_FAILED);
	etest_assert_task(&wf, "helper", 0, OSMO_FAILED);
	etest_assert_exit(etest_task(&wf, "helper", 0), 1);
	/* The lead was stopped, not left to run its 20 s. */
	if (!osmo_status_is_failed(lead->status))
		fail_msg("the lead is %s, expected a failed status",
		         osmo_status_wire(lead->status));
	assert_true(lead->end_ms - lead->start_ms < 10000);
	etest_assert_gone(t, "strict-lead");
	etest_assert_gone(t, "strict-child");
	osmo_workflow_free(&wf);
	free(id);
	free(spec);
}

static void
test_group_lead_exits_first(void **state)
{
	struct lfix *t = *state;
	char *spec = etest_spec(t, "workflow:\n"
	                           "  name: lead-first\n"
	                           "  groups:\n"
	                           "  - name: team\n"
	                           "    tasks:\n"
	                           "    - name: leader\n"
	                           "      lead: true\n"
	                           "      image: ubuntu:24.04\n"
	                           "      command: [\"sh\", \"-c\"]\n"
	                           "      args:\n"
	                           "      - |\n"
	                           "        i=0\n"
	                           "        while [ ! -s @DIR@/worker.pid ] && [ $i -lt 200 ]; do\n"
	                           "          sleep 0.05; i=$((i + 1))\n"
	                           "        done\n"
	                           "        echo lead done\n"
	                           "    - name: worker\n"
	                           "      image: ubuntu:24.04\n"
	                           "      command: [\"sh\", \"-c\"]\n"
	                           "      args:\n"
	                           "      - |\n"
	                           "        sleep 20 & echo $! > @DIR@/worker-child.pid\n"
	                           "        echo $$ > @DIR@/worker.pid\n"
	                           "        wait\n");
	struct osmo_workflow wf;
	char *id = etest_run(t, spec, &wf);
	const struct osmo_task *worker = etest_task(&wf, "worker", 0);

	etest_assert_status(id, wf.status, OSMO_COMPLETED);
	etest_assert_status("group team", osmo_workflow_find_group(&wf, "team")->status,
	                    OSMO_COMPLETED);
	etest_assert_task(&wf, "leader", 0, OSMO_COMPLETED);
	/* The non-lead takes its lead's status and is stopped with its whole process tree. */
	etest_assert_status("worker", worker->status, OSMO_COMPLETED);
	assert_true(worker->end_ms - worker->start_ms < 10000);
	etest_assert_gone(t, "worker");
	etest_assert_gone(t, "worker-child");
	/* CONTRACT §5.2 (and pitfall 7): the message is set even on COMPLETED. */
	assert_non_null(worker->failure_message);
	assert_string_equal(worker->failure_message, "Lead task finished");
	osmo_workflow_free(&wf);
	free(id);
	free(spec);
}

static void
test_group_lead_fails_at_start(void **state)
{
	struct lfix *t = *state;
	char *spec = etest_spec(t, "workflow:\n"
	                           "  name: lead-broken\n"
	                           "  groups:\n"
	                           "  - name: team\n"
	                           "    tasks:\n"
	                           "    - name: leader\n"
	                           "      lead: true\n"
	                           "      image: ubuntu:24.04\n"
	                           "      command: [\"sh\", \"-c\", \"echo never\"]\n"
	                           "      inputs:\n"
	                           "      - url: s3://bucket/missing/\n"
	                           "    - name: worker\n"
	                           "      image: ubuntu:24.04\n"
	                           "      command: [\"sh\", \"-c\"]\n"
	                           "      args:\n"
	                           "      - |\n"
	                           "        echo $$ > @DIR@/broken-worker.pid\n"
	                           "        sleep 20\n");
	struct osmo_workflow wf;
	char *id = etest_run(t, spec, &wf);
	const struct osmo_task *worker = etest_task(&wf, "worker", 0);

	etest_assert_task(&wf, "leader", 0, OSMO_FAILED_START_ERROR);
	if (etest_read_pid(t, "broken-worker") > 0)
		etest_assert_gone(t, "broken-worker");
	/* CONTRACT §5.2: non-leads of a failed lead become FAILED, whatever its special status. */
	etest_assert_status("worker", worker->status, OSMO_FAILED);
	assert_non_null(worker->failure_message);
	assert_string_equal(worker->failure_message, "Lead task finished");
	osmo_workflow_free(&wf);
	free(id);
	free(spec);
}

/* ------------------------------------------------------------------ 4: exit actions */

static void
test_exit_actions_reschedule(void **state)
{
	struct lfix *t = *state;
	char *yaml = etest_example(t, "exit_actions.yaml");
	struct osmo_workflow wf;
	char *id = etest_run(t, yaml, &wf);
	char *all, *first;

	etest_assert_all_completed(&wf, 1);
	etest_assert_task(&wf, "resilient-task", 0, OSMO_RESCHEDULED);
	etest_assert_exit(etest_task(&wf, "resilient-task", 0), 3);
	etest_assert_exit(etest_task(&wf, "resilient-task", 1), 0);
	assert_true(etest_task(&wf, "resilient-task", 1)->start_ms >=
	            etest_task(&wf, "resilient-task", 0)->end_ms);
	osmo_workflow_free(&wf);
	/* Without verbose only the latest retry is listed. */
	lfix_query(t, id, false, &wf);
	assert_int_equal(wf.n_groups, 1);
	assert_int_equal(wf.groups[0].n_tasks, 1);
	assert_int_equal(wf.groups[0].tasks[0].retry_id, 1);
	all = etest_logs(t, id, NULL);
	etest_assert_log(all, "\\[resilient-task\\] first try: transient failure, exiting 3");
	etest_assert_log(all, "\\[resilient-task retry-1\\] retry: the work succeeds now");
	/* retry_id picks one retry's log. */
	first = etest_stream(t, API_STREAM_LOGS, id, "resilient-task", 0, 0);
	etest_assert_log(first, "\\[resilient-task\\] first try: transient failure, exiting 3");
	assert_null(strstr(first, "retry-1]"));
	free(first);
	free(all);
	osmo_workflow_free(&wf);
	free(id);
	free(yaml);
}

static void
test_exit_actions_restart(void **state)
{
	struct lfix *t = *state;
	char *spec = etest_spec(t, "workflow:\n"
	                           "  name: restart-action\n"
	                           "  tasks:\n"
	                           "  - name: flaky\n"
	                           "    image: ubuntu:24.04\n"
	                           "    command: [\"sh\", \"-c\"]\n"
	                           "    args:\n"
	                           "    - |\n"
	                           "      if [ -e @DIR@/restart-marker ]; then\n"
	                           "        echo second run; exit 0\n"
	                           "      fi\n"
	                           "      touch @DIR@/restart-marker\n"
	                           "      echo first run fails; exit 4\n"
	                           "    exitActions:\n"
	                           "      COMPLETE: \"0\"\n"
	                           "      RESTART: 1-255\n");
	struct osmo_workflow wf;
	char *id = etest_run(t, spec, &wf);
	char *log;

	etest_assert_all_completed(&wf, 1);
	etest_assert_task(&wf, "flaky", 0, OSMO_RESCHEDULED);
	etest_assert_exit(etest_task(&wf, "flaky", 0), 4);
	etest_assert_task(&wf, "flaky", 1, OSMO_COMPLETED);
	log = etest_logs(t, id, "flaky");
	etest_assert_log(log, "\\[flaky retry-1\\] second run");
	free(log);
	/* The index lists every retry as the verbose query does: the newest first. */
	etest_assert_error_index(
	        t, id,
	        "{\n"
	        "    \"flaky retry-1\": null,\n"
	        "    \"flaky retry-0\": \"@WF@/error_logs?task_name=flaky&retry_id=0\"\n"
	        "}");
	osmo_workflow_free(&wf);
	free(id);
	free(spec);
}

static void
test_exit_actions_fail(void **state)
{
	struct lfix *t = *state;
	static const char spec[] = "workflow:\n"
	                           "  name: fail-action\n"
	                           "  tasks:\n"
	                           "  - name: doomed\n"
	                           "    image: ubuntu:24.04\n"
	                           "    command: [\"sh\", \"-c\", \"echo killed; exit 137\"]\n"
	                           "    exitActions:\n"
	                           "      COMPLETE: \"0\"\n"
	                           "      FAIL: \"137\"\n"
	                           "      RESCHEDULE: 1-136,138-255\n";
	struct osmo_workflow wf;
	char *id = etest_run(t, spec, &wf);
	const struct osmo_task *tk = etest_task(&wf, "doomed", -1);

	etest_assert_status(id, wf.status, OSMO_FAILED);
	etest_assert_status("doomed", tk->status, OSMO_FAILED);
	etest_assert_exit(tk, 137);
	assert_int_equal(tk->retry_id, 0);
	assert_non_null(tk->failure_message);
	osmo_workflow_free(&wf);
	free(id);
}

/* ------------------------------------------------------------------ 5: timeouts */

static void
test_exec_timeout(void **state)
{
	struct lfix *t = *state;
	char *spec = etest_spec(t, "workflow:\n"
	                           "  name: too-slow\n"
	                           "  timeout:\n"
	                           "    exec_timeout: 1s\n"
	                           "  tasks:\n"
	                           "  - name: slow\n"
	                           "    image: ubuntu:24.04\n"
	                           "    command: [\"sh\", \"-c\"]\n"
	                           "    args:\n"
	                           "    - |\n"
	                           "      echo $$ > @DIR@/slow.pid\n"
	                           "      sleep 20\n");
	struct osmo_workflow wf;
	int64_t start = clock_mono_ms();
	char *id = etest_run(t, spec, &wf);

	assert_true(clock_mono_ms() - start < 10000);
	etest_assert_status(id, wf.status, OSMO_FAILED_EXEC_TIMEOUT);
	etest_assert_task(&wf, "slow", 0, OSMO_FAILED_EXEC_TIMEOUT);
	assert_true(wf.exec_timeout_s == 1.0);
	etest_assert_gone(t, "slow");
	osmo_workflow_free(&wf);
	free(id);
	free(spec);
}

static void
test_queue_timeout(void **state)
{
	struct lfix *t = *state;
	char *hog = etest_spec(t, "workflow:\n"
	                          "  name: hog\n"
	                          "  tasks:\n"
	                          "  - name: hog\n"
	                          "    image: ubuntu:24.04\n"
	                          "    command: [\"sh\", \"-c\"]\n"
	                          "    args:\n"
	                          "    - |\n"
	                          "      echo $$ > @DIR@/hog.pid\n"
	                          "      sleep 20\n");
	static const char starved[] = "workflow:\n"
	                              "  name: starved\n"
	                              "  timeout:\n"
	                              "    queue_timeout: 1s\n"
	                              "  tasks:\n"
	                              "  - name: starved\n"
	                              "    image: ubuntu:24.04\n"
	                              "    command: [\"sh\", \"-c\", \"echo should not run\"]\n";
	struct osmo_workflow wf;
	struct wait_call c;
	char *hog_id = lfix_submit(t, hog, NULL);
	char *id;

	/* The one slot is taken before the second workflow queues. */
	etest_wait_pid(t, "hog");
	id = etest_run(t, starved, &wf);
	etest_assert_status(id, wf.status, OSMO_FAILED_QUEUE_TIMEOUT);
	etest_assert_task(&wf, "starved", 0, OSMO_FAILED_QUEUE_TIMEOUT);
	assert_int_equal(etest_task(&wf, "starved", 0)->start_ms, 0);
	assert_non_null(wf.cancelled_by);
	assert_string_equal(wf.cancelled_by, "osmo");
	assert_true(wf.queue_timeout_s == 1.0);
	osmo_workflow_free(&wf);
	/* The hog kept running meanwhile. */
	lfix_query(t, hog_id, false, &wf);
	etest_assert_status(hog_id, wf.status, OSMO_RUNNING);
	osmo_workflow_free(&wf);
	api_cancel(t->api, hog_id, false, NULL, wait_call_start(&c));
	lfix_finish(t, &c, true);
	wait_call_free(&c);
	lfix_wait(t, hog_id, ETEST_END_MS, lfix_ended, &wf);
	etest_assert_gone(t, "hog");
	osmo_workflow_free(&wf);
	free(id);
	free(hog_id);
	free(hog);
}

/* ------------------------------------------------------------------ 6: cancel */

static void
test_cancel(void **state)
{
	struct lfix *t = *state;
	char *spec = etest_spec(t, "workflow:\n"
	                           "  name: cancel-me\n"
	                           "  tasks:\n"
	                           "  - name: long\n"
	                           "    image: ubuntu:24.04\n"
	                           "    command: [\"sh\", \"-c\"]\n"
	                           "    args:\n"
	                           "    - |\n"
	                           "      sleep 20 & echo $! > @DIR@/cancel-child.pid\n"
	                           "      echo $$ > @DIR@/cancel.pid\n"
	                           "      wait\n");
	char *id = lfix_submit(t, spec, NULL);
	struct osmo_workflow wf;
	struct wait_call c;
	const struct osmo_task *tk;

	etest_wait_pid(t, "cancel");
	api_cancel(t->api, id, false, "wrong lr", wait_call_start(&c));
	lfix_finish(t, &c, true);
	assert_string_equal(c.res.name, id);
	wait_call_free(&c);
	lfix_wait(t, id, ETEST_END_MS, lfix_ended, &wf);
	etest_assert_status(id, wf.status, OSMO_FAILED_CANCELED);
	assert_non_null(wf.cancelled_by);
	assert_string_equal(wf.cancelled_by, "jdoe");
	tk = etest_task(&wf, "long", -1);
	etest_assert_status("long", tk->status, OSMO_FAILED_CANCELED);
	assert_non_null(tk->failure_message);
	assert_string_equal(tk->failure_message, "Task was canceled by user: jdoe. wrong lr");
	etest_assert_gone(t, "cancel");
	etest_assert_gone(t, "cancel-child");
	osmo_workflow_free(&wf);
	/* A finished workflow cannot be canceled again. */
	api_cancel(t->api, id, false, NULL, wait_call_start(&c));
	lfix_finish(t, &c, false);
	etest_assert_error(&c, 400, "USER", "already finished");
	wait_call_free(&c);
	free(id);
	free(spec);
}

/* ------------------------------------------------------------------ GET /api/task */

/* RUNNING, with fails-fast failed: a running workflow with a failed task. */
static bool
etest_running_with_failure(const struct osmo_workflow *wf)
{
	const struct osmo_task *tk = osmo_workflow_find_task(wf, "fails-fast", NULL);

	return wf->status == OSMO_RUNNING && tk && tk->status == OSMO_FAILED;
}

/* api_tasks against osmo-local; the caller frees c. */
static void
etest_tasks(struct lfix *t, const struct api_task_query *q, struct wait_call *c, bool want_ok)
{
	api_tasks(t->api, q, wait_call_start(c));
	lfix_finish(t, c, want_ok);
}

/* The list of tasks (CONTRACT §3.11): what the monitor asks for its failed-task badge. */
static void
test_task_list(void **state)
{
	struct lfix *t = *state;
	char *id = lfix_submit(t,
	                       "workflow:\n"
	                       "  name: badge\n"
	                       "  tasks:\n"
	                       "  - name: fails-fast\n"
	                       "    image: ubuntu:24.04\n"
	                       "    command: [\"sh\", \"-c\", \"exit 3\"]\n"
	                       "  - name: runs-on\n"
	                       "    image: ubuntu:24.04\n"
	                       "    command: [\"sh\", \"-c\", \"sleep 60\"]\n",
	                       NULL);
	struct api_task_query q = { .limit = 1000 };
	struct osmo_workflow wf;
	struct wait_call c;

	lfix_wait(t, id, ETEST_END_MS, etest_running_with_failure, &wf);
	osmo_workflow_free(&wf);
	for (int s = 0; s < OSMO_STATUS_COUNT; s++)
		if (osmo_status_in_task_enum((enum osmo_status)s) &&
		    osmo_status_phase((enum osmo_status)s) == PHASE_FAILED)
			strv_push(&q.statuses, osmo_status_wire((enum osmo_status)s));
	etest_tasks(t, &q, &c, true);
	assert_int_equal(c.res.tasks.n_rows, 1);
	assert_string_equal(c.res.tasks.rows[0].workflow_id, id);
	assert_string_equal(c.res.tasks.rows[0].task_name, "fails-fast");
	assert_int_equal(c.res.tasks.rows[0].status, OSMO_FAILED);
	assert_string_equal(c.res.tasks.rows[0].user, "jdoe");
	assert_string_equal(c.res.tasks.rows[0].pool, "default");
	assert_non_null(c.res.tasks.rows[0].error_logs_url);
	wait_call_free(&c);
	/* Without statuses every task; ASC (the default) puts RUNNING, the first, at the bottom. */
	strv_free(&q.statuses);
	etest_tasks(t, &q, &c, true);
	assert_int_equal(c.res.tasks.n_rows, 2);
	assert_string_equal(c.res.tasks.rows[1].task_name, "runs-on");
	assert_int_equal(c.res.tasks.rows[1].status, OSMO_RUNNING);
	assert_null(c.res.tasks.rows[1].error_logs_url);
	wait_call_free(&c);
	/* The list's other terms: a workflow substring, another user, a later start. */
	q.workflow_id = "nomatch";
	etest_tasks(t, &q, &c, true);
	assert_int_equal(c.res.tasks.n_rows, 0);
	wait_call_free(&c);
	q.workflow_id = NULL;
	strv_push(&q.users, "someone-else");
	etest_tasks(t, &q, &c, true);
	assert_int_equal(c.res.tasks.n_rows, 0);
	wait_call_free(&c);
	q.all_users = true;
	strv_free(&q.users);
	q.started_after_ms = clock_wall_ms() + 3600 * 1000;
	etest_tasks(t, &q, &c, true);
	assert_int_equal(c.res.tasks.n_rows, 0);
	wait_call_free(&c);
	strv_push(&q.statuses, "NOT_A_STATUS");
	etest_tasks(t, &q, &c, false);
	assert_int_equal(c.res.err.http_status, 422);
	wait_call_free(&c);
	strv_free(&q.statuses);
	api_cancel(t->api, id, false, NULL, wait_call_start(&c));
	lfix_finish(t, &c, true);
	wait_call_free(&c);
	lfix_wait(t, id, ETEST_END_MS, lfix_ended, &wf);
	osmo_workflow_free(&wf);
	free(id);
}

/* ------------------------------------------------------------------ a task's whole tree */

/*
 * What a task's main process leaves: processes in new sessions (setsid, setsid -f, and one that
 * changes directory and ignores SIGTERM) that keep its stdout, each writing dir/NAME-KIND.pid.
 */
static const char *const etest_escapes[] = { "setsid", "fork", "daemon" };

/*
 * A task that moves to / and starts etest_escapes, waits for their pid files, writes its own to
 * dir/NAME.pid, then runs tail (and exec_timeout, when set).
 */
static char *
etest_tree_spec(const struct lfix *t, const char *name, const char *timeout, const char *tail)
{
	char *text = xasprintf(
	        "workflow:\n"
	        "  name: %s\n"
	        "%s%s%s"
	        "  tasks:\n"
	        "  - name: %s\n"
	        "    image: ubuntu:24.04\n"
	        "    command: [\"sh\", \"-c\"]\n"
	        "    args:\n"
	        "    - |\n"
	        "      cd /\n"
	        "      setsid sh -c 'echo $$ > @DIR@/%s-setsid.pid; exec sleep 1000' &\n"
	        "      setsid -f sh -c 'echo $$ > @DIR@/%s-fork.pid; exec sleep 1000'\n"
	        "      (cd /tmp && setsid sh -c 'trap \"\" TERM; echo $$ > @DIR@/%s-daemon.pid; "
	        "exec sleep 1000' &)\n"
	        "      until [ -s @DIR@/%s-setsid.pid ] && [ -s @DIR@/%s-fork.pid ] &&\n"
	        "            [ -s @DIR@/%s-daemon.pid ]; do sleep 0.02; done\n"
	        "      echo $$ > @DIR@/%s.pid\n"
	        "      %s\n",
	        name, timeout ? "  timeout:\n    exec_timeout: " : "", timeout ? timeout : "",
	        timeout ? "\n" : "", name, name, name, name, name, name, name, name, tail);
	char *spec = etest_spec(t, text);

	free(text);
	return spec;
}

/* Fails unless the task's main process and every process of etest_escapes are gone in time. */
static void
etest_assert_tree_gone(struct lfix *t, const char *name)
{
	etest_assert_gone(t, name);
	for (size_t i = 0; i < ARRAY_SIZE(etest_escapes); i++) {
		char *file = xasprintf("%s-%s", name, etest_escapes[i]);

		etest_assert_gone(t, file);
		free(file);
	}
}

/* How a tree test stops its task, and what the workflow must then say. */
struct etest_tree_case {
	const char *name, *timeout, *tail;            /* as etest_tree_spec takes them */
	void (*stop)(struct lfix *t, const char *id); /* NULL: the task ends by itself */
	int end_ms;                                   /* 0: the workflow's end is not awaited */
	enum osmo_status status;
	int exit_code; /* 0: not checked */
};

static void
etest_tree_cancel(struct lfix *t, const char *id)
{
	struct wait_call c;

	api_cancel(t->api, id, false, NULL, wait_call_start(&c));
	lfix_finish(t, &c, true);
	wait_call_free(&c);
}

static void
etest_tree_shutdown(struct lfix *t, const char *id)
{
	(void)id;
	assert_int_equal(lfix_stop(t, 5000), 0);
}

static void
etest_tree_crash(struct lfix *t, const char *id)
{
	(void)id;
	etest_crash(t);
	lfix_start(t, NULL);
}

/* Runs c's task until its processes are all up, stops it as c says, and checks its end. */
static void
etest_tree_run(struct lfix *t, const struct etest_tree_case *c)
{
	char *spec = etest_tree_spec(t, c->name, c->timeout, c->tail);
	char *id = lfix_submit(t, spec, NULL);
	struct osmo_workflow wf;

	etest_wait_pid(t, c->name);
	if (c->stop)
		c->stop(t, id);
	if (c->end_ms) {
		lfix_wait(t, id, c->end_ms, lfix_ended, &wf);
		etest_assert_status(id, wf.status, c->status);
		if (c->exit_code)
			etest_assert_exit(etest_task(&wf, c->name, -1), c->exit_code);
		osmo_workflow_free(&wf);
	}
	etest_assert_tree_gone(t, c->name);
	free(id);
	free(spec);
}

static void
test_cancel_stops_setsid_descendants(void **state)
{
	/* Well inside the 5 s grace: SIGTERM ends the main process, the rest is killed at once. */
	static const struct etest_tree_case c = { .name = "tree-cancel",
		                                  .tail = "exec sleep 1000",
		                                  .stop = etest_tree_cancel,
		                                  .end_ms = 4000,
		                                  .status = OSMO_FAILED_CANCELED };

	etest_tree_run(*state, &c);
}

static void
test_exec_timeout_stops_setsid_descendants(void **state)
{
	static const struct etest_tree_case c = { .name = "tree-timeout",
		                                  .timeout = "2s",
		                                  .tail = "exec sleep 1000",
		                                  .end_ms = 6000,
		                                  .status = OSMO_FAILED_EXEC_TIMEOUT };

	etest_tree_run(*state, &c);
}

static void
test_main_exit_stops_setsid_descendants(void **state)
{
	/* The escaped processes hold the task's stdout; the task ends with its main process. */
	static const struct etest_tree_case c = { .name = "tree-exit",
		                                  .tail = "exit 7",
		                                  .end_ms = 4000,
		                                  .status = OSMO_FAILED,
		                                  .exit_code = 7 };

	etest_tree_run(*state, &c);
}

static void
test_shutdown_stops_setsid_descendants(void **state)
{
	static const struct etest_tree_case c = { .name = "tree-stop",
		                                  .tail = "exec sleep 1000",
		                                  .stop = etest_tree_shutdown };

	etest_tree_run(*state, &c);
}

static void
test_crash_leaves_no_setsid_descendants(void **state)
{
	/* The main process moved to /, so its directory cannot tell the restart it is ours. */
	static const struct etest_tree_case c = { .name = "tree-crash",
		                                  .tail = "exec sleep 1000",
		                                  .stop = etest_tree_crash,
		                                  .end_ms = ETEST_CALL_MS,
		                                  .status = OSMO_FAILED_SERVER_ERROR };

	etest_tree_run(*state, &c);
}

/* ------------------------------------------------------------------ 7, 8: restart, resubmit */

static void
test_restart_failed(void **state)
{
	struct lfix *t = *state;
	char *spec = etest_spec(t, "workflow:\n"
	                           "  name: rerun\n"
	                           "  tasks:\n"
	                           "  - name: produce\n"
	                           "    image: ubuntu:24.04\n"
	                           "    command: [\"sh\", \"-c\", \"echo payload-from-produce > "
	                           "{{output}}/data.txt\"]\n"
	                           "  - name: consume\n"
	                           "    image: ubuntu:24.04\n"
	                           "    command: [\"sh\", \"-c\"]\n"
	                           "    args:\n"
	                           "    - |\n"
	                           "      cat {{input:0}}/data.txt\n"
	                           "      [ -e @DIR@/fixed ] || { echo not fixed yet; exit 1; }\n"
	                           "      echo consumed\n"
	                           "    inputs:\n"
	                           "    - task: produce\n"
	                           "  - name: after\n"
	                           "    image: ubuntu:24.04\n"
	                           "    command: [\"sh\", \"-c\", \"echo after ran\"]\n"
	                           "    inputs:\n"
	                           "    - task: consume\n"
	                           "  - name: side\n"
	                           "    image: ubuntu:24.04\n"
	                           "    command: [\"sh\", \"-c\", \"echo side ran\"]\n");
	struct osmo_workflow wf;
	struct wait_call c;
	char *id = etest_run(t, spec, &wf);
	char *log;

	etest_assert_status(id, wf.status, OSMO_FAILED);
	etest_assert_task(&wf, "consume", 0, OSMO_FAILED);
	etest_assert_task(&wf, "after", 0, OSMO_FAILED_UPSTREAM);
	etest_assert_task(&wf, "produce", 0, OSMO_COMPLETED);
	etest_assert_task(&wf, "side", 0, OSMO_COMPLETED);
	osmo_workflow_free(&wf);
	etest_write(t, "fixed", "");

	api_restart(t->api, "default", id, wait_call_start(&c));
	lfix_finish(t, &c, true);
	assert_string_equal(c.res.submit.name, "rerun-2");
	wait_call_free(&c);
	lfix_wait(t, "rerun-2", ETEST_END_MS, lfix_ended, &wf);
	etest_assert_status("rerun-2", wf.status, OSMO_COMPLETED);
	assert_non_null(wf.parent_name);
	assert_string_equal(wf.parent_name, "rerun");
	assert_true(wf.has_parent_job_id);
	assert_int_equal(wf.parent_job_id, 1);
	/* Only the groups that failed run again; the completed ones are dropped. */
	assert_int_equal(wf.n_groups, 2);
	etest_assert_task(&wf, "consume", 0, OSMO_COMPLETED);
	etest_assert_task(&wf, "after", 0, OSMO_COMPLETED);
	assert_null(osmo_workflow_find_task(&wf, "produce", NULL));
	assert_null(osmo_workflow_find_task(&wf, "side", NULL));
	osmo_workflow_free(&wf);
	/* The rerun read the dropped group's output from the first run. */
	log = etest_logs(t, "rerun-2", "consume");
	etest_assert_log(log, "\\[consume\\] payload-from-produce");
	etest_assert_log(log, "\\[consume\\] consumed");
	free(log);

	/* A completed workflow cannot be restarted. */
	api_restart(t->api, "default", "rerun-2", wait_call_start(&c));
	lfix_finish(t, &c, false);
	etest_assert_error(&c, 400, "SUBMISSION", "FAILED");
	wait_call_free(&c);
	free(id);
	free(spec);
}

static void
test_resubmit_by_id(void **state)
{
	struct lfix *t = *state;
	static const char spec[] = "workflow:\n"
	                           "  name: again\n"
	                           "  tasks:\n"
	                           "  - name: hello\n"
	                           "    image: ubuntu:24.04\n"
	                           "    command: [\"sh\", \"-c\", \"echo hello again\"]\n";
	struct osmo_workflow wf;
	char *id = etest_run(t, spec, &wf);
	char *id2, *s1, *s2, *log;

	etest_assert_all_completed(&wf, 1);
	osmo_workflow_free(&wf);
	id2 = lfix_submit(t, NULL, id);
	assert_string_equal(id2, "again-2");
	lfix_wait(t, id2, ETEST_END_MS, lfix_ended, &wf);
	etest_assert_all_completed(&wf, 1);
	osmo_workflow_free(&wf);
	s1 = etest_spec_text(t, id, false);
	s2 = etest_spec_text(t, id2, false);
	assert_string_equal(s1, s2);
	log = etest_logs(t, id2, "hello");
	etest_assert_log(log, "\\[hello\\] hello again");
	free(log);
	free(s1);
	free(s2);
	free(id2);
	free(id);
}

/* ------------------------------------------------------------------ 9: data and task setup */

static void
test_dataset_round_trip(void **state)
{
	struct lfix *t = *state;
	static const char writer[] = "workflow:\n"
	                             "  name: make-data\n"
	                             "  tasks:\n"
	                             "  - name: writer\n"
	                             "    image: ubuntu:24.04\n"
	                             "    command: [\"sh\", \"-c\", \"echo dataset-payload > "
	                             "{{output}}/hello.txt\"]\n"
	                             "    outputs:\n"
	                             "    - dataset:\n"
	                             "        name: mydata\n";
	/* Where in {{input:0}} a dataset lands is the service's business: find the file. */
	static const char reader[] = "workflow:\n"
	                             "  name: read-data\n"
	                             "  tasks:\n"
	                             "  - name: reader\n"
	                             "    image: ubuntu:24.04\n"
	                             "    command: [\"sh\", \"-c\", \"find {{input:0}} -name "
	                             "hello.txt -exec cat {} +\"]\n"
	                             "    inputs:\n"
	                             "    - dataset:\n"
	                             "        name: mydata\n";
	struct osmo_workflow wf;
	char *id1 = etest_run(t, writer, &wf);
	char *id2, *log;

	etest_assert_all_completed(&wf, 1);
	osmo_workflow_free(&wf);
	id2 = etest_run(t, reader, &wf);
	etest_assert_all_completed(&wf, 1);
	osmo_workflow_free(&wf);
	log = etest_logs(t, id2, "reader");
	etest_assert_log(log, "\\[reader\\] dataset-payload");
	etest_assert_log(log, "\\[reader\\]\\[osmo\\] .*mydata.*");
	free(log);
	free(id1);
	free(id2);
}

static void
test_url_file_input_and_output(void **state)
{
	struct lfix *t = *state;
	char *spec = etest_spec(t, "workflow:\n"
	                           "  name: url-io\n"
	                           "  tasks:\n"
	                           "  - name: copier\n"
	                           "    image: ubuntu:24.04\n"
	                           "    command: [\"sh\", \"-c\", \"cat {{input:0}}/x.txt; cp "
	                           "{{input:0}}/x.txt {{output}}/y.txt\"]\n"
	                           "    inputs:\n"
	                           "    - url: file://@DIR@/url-in\n"
	                           "    outputs:\n"
	                           "    - url: file://@DIR@/url-out\n");
	char *out = xasprintf("%s/url-out/y.txt", t->dir);
	char *in = xasprintf("%s/url-in", t->dir);
	struct osmo_workflow wf;
	char *id, *log, *copied;

	assert_int_equal(mkdir(in, 0700), 0);
	etest_write(t, "url-in/x.txt", "url-payload\n");
	id = etest_run(t, spec, &wf);
	etest_assert_all_completed(&wf, 1);
	osmo_workflow_free(&wf);
	log = etest_logs(t, id, "copier");
	etest_assert_log(log, "\\[copier\\] url-payload");
	copied = util_read_file(out, NULL);
	if (!copied)
		fail_msg("the url output %s was not written", out);
	assert_string_equal(copied, "url-payload\n");
	free(copied);
	free(log);
	free(id);
	free(in);
	free(out);
	free(spec);
}

static void
test_url_s3_input_fails(void **state)
{
	struct lfix *t = *state;
	/* A scheme osmo-local has no copy for, and a relative url that would climb out of the
	 * state directory's storage/. */
	static const char *const urls[] = { "s3://bucket/data/", "data/../../workflows" };

	for (size_t i = 0; i < ARRAY_SIZE(urls); i++) {
		char *spec = xasprintf("workflow:\n"
		                       "  name: s3-input\n"
		                       "  tasks:\n"
		                       "  - name: fetch\n"
		                       "    image: ubuntu:24.04\n"
		                       "    command: [\"sh\", \"-c\", \"echo should not run\"]\n"
		                       "    inputs:\n"
		                       "    - url: %s\n",
		                       urls[i]);
		struct osmo_workflow wf;
		char *id = etest_run(t, spec, &wf);
		const struct osmo_task *tk = etest_task(&wf, "fetch", -1);
		char *log = etest_logs(t, id, "fetch");

		/* Refused at start with a reason, never skipped: the command does not run. */
		etest_assert_status("fetch", tk->status, OSMO_FAILED_START_ERROR);
		etest_assert_exit(tk, 3003);
		assert_non_null(tk->failure_message);
		if (!strstr(tk->failure_message, urls[i]))
			fail_msg("failure message \"%s\" does not name the url",
			         tk->failure_message);
		assert_null(strstr(log, "should not run"));
		/* CONTRACT §5.1: when every failed group shares one status, the workflow takes it. */
		etest_assert_status(id, wf.status, OSMO_FAILED_START_ERROR);
		free(log);
		osmo_workflow_free(&wf);
		free(id);
		free(spec);
	}
}

static void
test_files_base64_and_environment(void **state)
{
	struct lfix *t = *state;
	static const char spec[] = "workflow:\n"
	                           "  name: files-env\n"
	                           "  tasks:\n"
	                           "  - name: show\n"
	                           "    image: ubuntu:24.04\n"
	                           "    command: [\"sh\", \"-c\"]\n"
	                           "    args:\n"
	                           "    - |\n"
	                           "      echo \"bytes=$(cat /tmp/data.bin)\"\n"
	                           "      echo \"tag=$WF_TAG\"\n"
	                           "      sh /tmp/run.sh\n"
	                           "    environment:\n"
	                           "      WF_TAG: \"run-{{workflow_id}}\"\n"
	                           "    files:\n"
	                           "    - path: /tmp/data.bin\n"
	                           "      contents: aGVsbG8gYmFzZTY0\n"
	                           "      base64: true\n"
	                           "    - path: /tmp/run.sh\n"
	                           "      contents: |\n"
	                           "        echo \"script in {{workflow_id}}\"\n";
	struct osmo_workflow wf;
	char *id = etest_run(t, spec, &wf);
	char *log = etest_logs(t, id, "show");

	etest_assert_all_completed(&wf, 1);
	etest_assert_log(log, "\\[show\\] bytes=hello base64");
	etest_assert_log(log, "\\[show\\] tag=run-files-env-1");
	etest_assert_log(log, "\\[show\\] script in files-env-1");
	free(log);
	osmo_workflow_free(&wf);
	free(id);
}

/* ------------------------------------------------------------------ 10: state across restarts */

static bool
etest_listed(const struct osmo_workflow_list *list, const char *id)
{
	for (size_t i = 0; i < list->n_rows; i++)
		if (strcmp(list->rows[i].name, id) == 0)
			return true;
	return false;
}

static void
test_state_survives_sigterm(void **state)
{
	struct lfix *t = *state;
	static const char keep[] = "workflow:\n"
	                           "  name: keep-me\n"
	                           "  tasks:\n"
	                           "  - name: keeper\n"
	                           "    image: ubuntu:24.04\n"
	                           "    command: [\"sh\", \"-c\", \"echo kept line\"]\n";
	char *busy = etest_spec(t, "workflow:\n"
	                           "  name: interrupted\n"
	                           "  tasks:\n"
	                           "  - name: busy\n"
	                           "    image: ubuntu:24.04\n"
	                           "    command: [\"sh\", \"-c\"]\n"
	                           "    args:\n"
	                           "    - |\n"
	                           "      echo $$ > @DIR@/busy.pid\n"
	                           "      sleep 20\n");
	struct api_list_query q = { .all_users = true };
	struct osmo_workflow wf;
	struct wait_call c;
	char *id = etest_run(t, keep, &wf);
	char *busy_id = lfix_submit(t, busy, NULL);
	char *log, *spec;
	const struct osmo_task *tk;

	osmo_workflow_free(&wf);
	etest_wait_pid(t, "busy");
	assert_int_equal(proc_stop(&t->server, 5000), 0);
	/* Stopping osmo-local stops the tasks it runs. */
	etest_assert_gone(t, "busy");
	lfix_start(t, NULL);

	api_list(t->api, &q, wait_call_start(&c));
	lfix_finish(t, &c, true);
	assert_true(etest_listed(&c.res.list, id));
	assert_true(etest_listed(&c.res.list, busy_id));
	wait_call_free(&c);
	lfix_query(t, id, true, &wf);
	etest_assert_all_completed(&wf, 1);
	osmo_workflow_free(&wf);
	log = etest_logs(t, id, NULL);
	etest_assert_log(log, "\\[keeper\\] kept line");
	spec = etest_spec_text(t, id, false);
	assert_non_null(strstr(spec, "name: keep-me"));
	lfix_wait(t, busy_id, ETEST_CALL_MS, lfix_ended, &wf);
	tk = etest_task(&wf, "busy", -1);
	etest_assert_status("busy", tk->status, OSMO_FAILED_SERVER_ERROR);
	assert_non_null(tk->failure_message);
	/* CONTRACT §5.1: any FAILED_SERVER_ERROR group makes the workflow FAILED_SERVER_ERROR. */
	etest_assert_status(busy_id, wf.status, OSMO_FAILED_SERVER_ERROR);
	osmo_workflow_free(&wf);
	free(spec);
	free(log);
	free(busy_id);
	free(id);
	free(busy);
}

static void
test_state_after_crash(void **state)
{
	struct lfix *t = *state;
	char *spec = etest_spec(t, "workflow:\n"
	                           "  name: crashed\n"
	                           "  tasks:\n"
	                           "  - name: orphan\n"
	                           "    image: ubuntu:24.04\n"
	                           "    command: [\"sh\", \"-c\"]\n"
	                           "    args:\n"
	                           "    - |\n"
	                           "      sleep 20 & echo $! > @DIR@/orphan-child.pid\n"
	                           "      echo $$ > @DIR@/orphan.pid\n"
	                           "      echo before the crash\n"
	                           "      wait\n");
	char *id = lfix_submit(t, spec, NULL);
	struct osmo_workflow wf;
	const struct osmo_task *tk;
	char *log;

	etest_wait_pid(t, "orphan");
	etest_crash(t);
	lfix_start(t, NULL);
	lfix_wait(t, id, ETEST_CALL_MS, lfix_ended, &wf);
	tk = etest_task(&wf, "orphan", -1);
	etest_assert_status("orphan", tk->status, OSMO_FAILED_SERVER_ERROR);
	assert_non_null(tk->failure_message);
	if (!strstr(tk->failure_message, "osmo-local"))
		fail_msg("failure message \"%s\" does not say what happened", tk->failure_message);
	/* The restarted osmo-local stopped what the crashed one left running. */
	etest_assert_gone(t, "orphan");
	etest_assert_gone(t, "orphan-child");
	log = etest_logs(t, id, "orphan");
	etest_assert_log(log, "\\[orphan\\] before the crash");
	/* CONTRACT §5.1: any FAILED_SERVER_ERROR group makes the workflow FAILED_SERVER_ERROR. */
	etest_assert_status(id, wf.status, OSMO_FAILED_SERVER_ERROR);
	free(log);
	osmo_workflow_free(&wf);
	free(id);
	free(spec);
}

/* ------------------------------------------------------------------ 11: logs and events */

static const char etest_ticker[] =
        "workflow:\n"
        "  name: ticker\n"
        "  tasks:\n"
        "  - name: tick\n"
        "    image: ubuntu:24.04\n"
        "    command: [\"sh\", \"-c\", \"for i in 1 2 3 4 5 6; do echo tick $i; sleep 0.2; "
        "done\"]\n";

static void
test_logs_follow_running_task(void **state)
{
	struct lfix *t = *state;
	char *id = lfix_submit(t, etest_ticker, NULL);
	struct api_stream_opts o = { .what = API_STREAM_LOGS,
		                     .workflow_id = id,
		                     .task = "tick",
		                     .retry_id = -1,
		                     .idle_timeout_s = 10 };
	int64_t deadline = clock_mono_ms() + ETEST_END_MS;
	int64_t first = 0, last = 0, end;
	struct osmo_workflow wf;
	struct wait_call c;

	api_stream(t->api, &o, wait_call_start(&c));
	while (!c.done) {
		wait_loop_step(t->loop, deadline);
		if (!first && c.data.len && strstr(c.data.buf, "tick 1\n"))
			first = clock_mono_ms();
		if (!last && c.data.len && strstr(c.data.buf, "tick 6\n"))
			last = clock_mono_ms();
	}
	end = clock_mono_ms();
	if (c.res.err.kind != API_OK)
		fail_msg("%s", c.res.err.message);
	/* Lines arrive as the task prints them, 0.2 s apart, not all at the end. */
	assert_true(first > 0 && last > 0);
	assert_true(last - first >= 500);
	assert_true(end >= last);
	for (int i = 1; i <= 6; i++) {
		char *re = xasprintf("\\[tick\\] tick %d", i);

		etest_assert_log(c.data.buf, re);
		free(re);
	}
	wait_call_free(&c);
	/* The stream ended because the workflow did. */
	lfix_query(t, id, false, &wf);
	etest_assert_status(id, wf.status, OSMO_COMPLETED);
	osmo_workflow_free(&wf);
	free(id);
}

static void
test_logs_tail_and_unknown_task(void **state)
{
	struct lfix *t = *state;
	struct api_stream_opts o = { .what = API_STREAM_LOGS, .task = "nope", .retry_id = -1 };
	struct osmo_workflow wf;
	char *id = etest_run(t, etest_ticker, &wf);
	char *all = etest_logs(t, id, "tick");
	char *tail = etest_stream(t, API_STREAM_LOGS, id, "tick", -1, 2);
	char *want, *msg;
	struct wait_call c;

	etest_assert_all_completed(&wf, 1);
	osmo_workflow_free(&wf);
	/* The last two lines of the whole log, newlines and all. */
	want = xstrdup(etest_last_lines(all, 2));
	assert_string_equal(tail, want);
	o.workflow_id = id;
	api_stream(t->api, &o, wait_call_start(&c));
	lfix_finish(t, &c, false);
	msg = xasprintf("Task nope of workflow %s is not found.", id);
	etest_assert_error(&c, 400, "DATABASE", msg);
	wait_call_free(&c);
	free(msg);
	free(want);
	free(tail);
	free(all);
	free(id);
}

/* A logs stream with the service's query regex (and a last_n_lines, cut before it filters). */
static char *
etest_query(struct lfix *t, const char *id, const char *task, int last_n, const char *query,
            bool want_ok, struct wait_call *c)
{
	struct api_stream_opts o = { .what = API_STREAM_LOGS,
		                     .workflow_id = id,
		                     .task = task,
		                     .retry_id = -1,
		                     .last_n_lines = last_n,
		                     .query = query,
		                     .idle_timeout_s = 10 };

	api_stream(t->api, &o, wait_call_start(c));
	lfix_finish(t, c, want_ok);
	return c->res.err.kind == API_OK ? xstrdup(c->data.buf ? c->data.buf : "") : NULL;
}

static void
test_logs_query(void **state)
{
	struct lfix *t = *state;
	static const char spec[] = "workflow:\n"
	                           "  name: grep\n"
	                           "  tasks:\n"
	                           "  - name: first\n"
	                           "    image: ubuntu:24.04\n"
	                           "    command: [\"sh\", \"-c\", \"sleep 0.5; echo keep 0\"]\n"
	                           "  - name: second\n"
	                           "    image: ubuntu:24.04\n"
	                           "    command: [\"sh\", \"-c\", \"echo keep 1; echo drop 2; echo "
	                           "keep 3\"]\n"
	                           "    inputs:\n"
	                           "    - task: first\n";
	struct osmo_workflow wf;
	struct wait_call c;
	char *id = lfix_submit(t, spec, NULL);
	/* second has not started: its log is the workflow's, filtered to it, and then to query. */
	char *early = etest_query(t, id, "second", 0, "keep", true, &c);

	assert_non_null(early);
	wait_call_free(&c);
	etest_assert_line(early, "\\[second\\] keep 1$");
	etest_assert_line(early, "\\[second\\] keep 3$");
	if (strstr(early, "drop") || strstr(early, "[first]"))
		fail_msg("the query did not filter a task not started yet:\n%s", early);
	free(early);
	lfix_wait(t, id, ETEST_END_MS, lfix_ended, &wf);
	osmo_workflow_free(&wf);

	/* The whole workflow's log: every line matches, the others are left out. */
	char *all = etest_query(t, id, NULL, 0, "keep [13]$", true, &c);

	wait_call_free(&c);
	etest_assert_line(all, "\\[second\\] keep 1$");
	etest_assert_line(all, "\\[second\\] keep 3$");
	if (strstr(all, "keep 0") || strstr(all, "drop") || strstr(all, "[osmo]"))
		fail_msg("lines the query does not match came:\n%s", all);
	free(all);

	/* last_n_lines cuts the task's log first, then the query filters what is left. */
	char *tail = etest_query(t, id, "second", 2, "keep", true, &c);

	wait_call_free(&c);
	if (strstr(tail, "keep 1"))
		fail_msg("last_n_lines=2 came after the filter:\n%s", tail);
	free(tail);

	/* A query that does not compile: 400, in the service's words. */
	assert_null(etest_query(t, id, NULL, 0, "keep (", false, &c));
	etest_assert_error(&c, 400, "USER", "Invalid regex: keep (");
	wait_call_free(&c);
	free(id);
}

static void
test_error_logs_and_events(void **state)
{
	struct lfix *t = *state;
	static const char spec[] = "workflow:\n"
	                           "  name: boom\n"
	                           "  tasks:\n"
	                           "  - name: boom\n"
	                           "    image: ubuntu:24.04\n"
	                           "    command: [\"sh\", \"-c\", \"echo warming up; echo 'fatal: "
	                           "disk on fire' >&2; exit 2\"]\n";
	struct osmo_workflow wf;
	struct wait_call c;
	char *id = etest_run(t, spec, &wf);
	char *events;

	etest_assert_status(id, wf.status, OSMO_FAILED);
	etest_assert_exit(etest_task(&wf, "boom", 0), 2);
	osmo_workflow_free(&wf);
	api_error_logs(t->api, id, "boom", -1, wait_call_start(&c));
	lfix_finish(t, &c, true);
	assert_non_null(c.res.text);
	if (!strstr(c.res.text, "fatal: disk on fire"))
		fail_msg("error logs lack the task's last line:\n%s", c.res.text);
	wait_call_free(&c);
	/* Without a task: the service's hint, then each retry's error_logs URL. */
	etest_assert_error_index(
	        t, id,
	        "{\n"
	        "    \"boom retry-0\": \"@WF@/error_logs?task_name=boom&retry_id=0\"\n"
	        "}");
	/* Events: "<ts> [task] Type: STATUS...", the time as Python prints a UTC datetime. */
	events = etest_stream(t, API_STREAM_EVENTS, id, NULL, -1, 0);
	etest_assert_line(events, ETEST_EVT_TS "\\[boom\\] [A-Za-z]+: RUNNING$");
	etest_assert_line(events, ETEST_EVT_TS "\\[boom\\] [A-Za-z]+: FAILED(,.*)?$");
	free(events);
	free(id);
}

/* ------------------------------------------------------------------ 12: spec */

static void
test_spec_rendered_and_template(void **state)
{
	struct lfix *t = *state;
	char *yaml = etest_example(t, "template.yaml");
	char *plain = etest_example(t, "resources.yaml");
	char *id = lfix_submit(t, yaml, NULL);
	char *plain_id = lfix_submit(t, plain, NULL);
	char *rendered = etest_spec_text(t, id, false);
	char *original = etest_spec_text(t, id, true);
	char *plain_spec = etest_spec_text(t, plain_id, false);
	char *plain_tmpl = etest_spec_text(t, plain_id, true);
	struct osmo_workflow wf;

	assert_string_equal(id, "ml-training-1");
	/* Rendered: loops unrolled, filters applied, OSMO's own tokens left for run time. */
	assert_null(strstr(rendered, "{%"));
	assert_null(strstr(rendered, "\ndefault-values:"));
	assert_non_null(strstr(rendered, "train-model-2"));
	assert_non_null(strstr(rendered, "RESNET50"));
	assert_non_null(strstr(rendered, "{{output}}"));
	assert_string_equal(original, yaml);
	/* Without a template, use_template gives the spec itself. */
	assert_non_null(strstr(plain_spec, "name: resource-profiles"));
	assert_string_equal(plain_tmpl, plain_spec);
	lfix_wait(t, id, ETEST_END_MS, lfix_ended, &wf);
	osmo_workflow_free(&wf);
	lfix_wait(t, plain_id, ETEST_END_MS, lfix_ended, &wf);
	osmo_workflow_free(&wf);
	free(plain_tmpl);
	free(plain_spec);
	free(original);
	free(rendered);
	free(plain_id);
	free(id);
	free(plain);
	free(yaml);
}

/*
 * osmotop run sends the file as it is, so osmo-local's positions are the file's: the error names
 * the file osmotop was given, where osmo-local calls what it was sent workflow.yaml. A spec
 * error is OSMO's USAGE, naming the workflow (objects.py:1011).
 */
static void
test_run_names_the_file(void **state)
{
	struct lfix *t = *state;
	char *path = xasprintf("%s/mine.yaml", t->dir);
	const char *args[] = { "run", "--url", t->server.url, "--user", "jdoe", path, NULL };
	char *want = xasprintf("HTTP 400 USAGE: %s:7:5: unknown field 'bogus' in task 'a' "
	                       "%s:9:11: 'args' must be a list, not a number\n",
	                       path, path);
	char *out = NULL, *err = NULL;

	etest_write(t, "mine.yaml",
	            "workflow:\n"
	            "  name: mine\n"
	            "  tasks:\n"
	            "  - name: a\n"
	            "    image: ubuntu\n"
	            "    command: [echo]\n"
	            "    bogus: 1\n"
	            "  - name: b\n"
	            "    args: 5\n"
	            "    image: ubuntu\n"
	            "    command: [echo]\n");
	assert_int_equal(proc_run_osmotop(args, ETEST_CALL_MS, &out, &err), 1);
	if (strlen(err) < strlen(want) || strcmp(err + strlen(err) - strlen(want), want) != 0)
		fail_msg("osmotop run said:\n%s\nwanted it to end with:\n%s", err, want);
	assert_string_equal(out, "");
	free(out);
	free(err);
	free(want);
	free(path);
}

int
main(void)
{
#define ETEST(fn)      cmocka_unit_test_setup_teardown(fn, etest_setup, etest_teardown)
#define ETEST_SLOT(fn) cmocka_unit_test_setup_teardown(fn, etest_setup_one_slot, etest_teardown)
	const struct CMUnitTest tests[] = {
		ETEST(test_examples_complete),
		ETEST(test_failure_example),
		ETEST(test_serial_order_and_logs),
		ETEST(test_group_nonlead_failure_ignored),
		ETEST(test_group_nonlead_failure_counts),
		ETEST(test_group_lead_exits_first),
		ETEST(test_group_lead_fails_at_start),
		ETEST(test_exit_actions_reschedule),
		ETEST(test_exit_actions_restart),
		ETEST(test_exit_actions_fail),
		ETEST(test_exec_timeout),
		ETEST_SLOT(test_queue_timeout),
		ETEST(test_cancel),
		ETEST(test_task_list),
		ETEST(test_cancel_stops_setsid_descendants),
		ETEST(test_exec_timeout_stops_setsid_descendants),
		ETEST(test_main_exit_stops_setsid_descendants),
		ETEST(test_shutdown_stops_setsid_descendants),
		ETEST(test_crash_leaves_no_setsid_descendants),
		ETEST(test_restart_failed),
		ETEST(test_resubmit_by_id),
		ETEST(test_dataset_round_trip),
		ETEST(test_url_file_input_and_output),
		ETEST(test_url_s3_input_fails),
		ETEST(test_files_base64_and_environment),
		ETEST(test_state_survives_sigterm),
		ETEST(test_state_after_crash),
		ETEST(test_logs_follow_running_task),
		ETEST(test_logs_query),
		ETEST(test_logs_tail_and_unknown_task),
		ETEST(test_error_logs_and_events),
		ETEST(test_spec_rendered_and_template),
		ETEST(test_run_names_the_file),
	};
#undef ETEST
#undef ETEST_SLOT

	return cmocka_run_group_tests(tests, NULL, NULL);
}
