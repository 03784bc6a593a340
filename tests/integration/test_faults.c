/* test_faults.c: osmo-local under faults and load: killed tasks, bad input, bursts, SIGTERM. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lfix.h"
#include "server/runner.h"

#define FTEST_TIMEOUT_MS   10000
#define FTEST_BURST        1000
#define FTEST_BURST_WINDOW 8
#define FTEST_BURST_MS     120000
#define FTEST_FLOOD        600 /* idle connections, more than osmo-local's descriptors */
#define FTEST_FLOOD_NOFILE 512 /* the descriptor limit osmo-local gets for the flood */
#define FTEST_SETTLE_MS    500 /* no new answer for this long: the server took all it will */

/* One raw request's outcome, copied out of the client's callback. */
struct ftest_reply {
	bool done;
	long status;
	struct strbuf body;
	struct api_error err;
};

/* A spec the server must refuse, and a word its message must hold. */
struct ftest_bad_spec {
	const char *name; /* the workflow name in the spec, NULL when it has none */
	const char *yaml;
	const char *needle;
};

/* One slot of the burst's window of submissions in flight. */
struct ftest_burst_slot {
	struct wait_call w;
	bool busy;
};

static int
ftest_setup(void **state)
{
	return lfix_state_open(state, "faults", NULL);
}

static int
ftest_teardown(void **state)
{
	assert_int_equal(lfix_state_close(state), 0);
	return 0;
}

/* A bounded pause between polls of the server: poll() with no descriptors. */
static void
ftest_pause(int64_t deadline)
{
	int64_t left = deadline - clock_mono_ms();

	assert_true(left > 0);
	poll(NULL, 0, left < LFIX_POLL_MS ? (int)left : LFIX_POLL_MS);
}

static void
ftest_on_done(void *ctx, const struct http_result *res)
{
	struct ftest_reply *r = ctx;

	r->status = res->status;
	strbuf_add(&r->body, res->body, res->len);
	r->err = res->err;
	r->done = true;
}

static void
ftest_reply_free(struct ftest_reply *r)
{
	strbuf_free(&r->body);
	memset(r, 0, sizeof(*r));
}

/* One request as sent, bypassing the API layer so malformed bodies reach the server. */
static void
ftest_raw(struct lfix *t, const char *method, const char *path, const char *body, size_t len,
          struct ftest_reply *r)
{
	char *url = xasprintf("%s%s", t->server.url, path);
	struct strv headers = { 0 };
	struct http_spec spec = { .method = method,
		                  .url = url,
		                  .headers = &headers,
		                  .body = body,
		                  .body_len = len,
		                  .timeout_ms = FTEST_TIMEOUT_MS,
		                  .on_done = ftest_on_done,
		                  .ctx = r };

	memset(r, 0, sizeof(*r));
	strv_push(&headers, "x-osmo-user: jdoe");
	strv_push(&headers, "Content-Type: application/json");
	http_start(t->http, &spec);
	wait_loop_until(t->loop, &r->done, FTEST_TIMEOUT_MS + 2000);
	assert_int_equal(r->err.kind, API_OK);
	strv_free(&headers);
	free(url);
}

/* A NULL-terminated list of strings a body must hold. */
#define FTEST_NEEDLES(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Asserts the status and that every needle is in the body. */
static void
ftest_expect(struct lfix *t, const char *method, const char *path, const char *body, long status,
             const char *const *needles)
{
	struct ftest_reply r;

	ftest_raw(t, method, path, body, body ? strlen(body) : 0, &r);
	if (r.status != status)
		fprintf(stderr, "%s %s -> %ld %s\n", method, path, r.status, r.body.buf);
	assert_int_equal(r.status, status);
	for (; *needles; needles++)
		if (!strstr(r.body.buf, *needles))
			fail_msg("%s %s: no '%s' in %s", method, path, *needles, r.body.buf);
	ftest_reply_free(&r);
}

static void
ftest_json_string(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			strbuf_addf(sb, "\\%c", *p);
		else if (*p == '\n')
			strbuf_addstr(sb, "\\n");
		else if (*p < 0x20)
			strbuf_addf(sb, "\\u%04x", *p);
		else
			strbuf_addch(sb, (char)*p);
	}
	strbuf_addch(sb, '"');
}

/* POST /api/pool/default/workflow{query} with {"file": yaml}, as the CLI sends it. */
static void
ftest_post_spec(struct lfix *t, const char *query, const char *yaml, struct ftest_reply *r)
{
	struct strbuf body = { 0 };
	char *path = xasprintf("/api/pool/default/workflow%s", query);

	strbuf_addstr(&body, "{\"file\":");
	ftest_json_string(&body, yaml);
	strbuf_addch(&body, '}');
	ftest_raw(t, "POST", path, body.buf, body.len, r);
	strbuf_free(&body);
	free(path);
}

/* The first "LINE:COL:" in s with both numbers positive; *line gets LINE. */
static bool
ftest_line_col(const char *s, long *line)
{
	for (const char *p = s; *p; p++) {
		char *end;
		long l, c;

		if (*p != ':' || p[1] < '1' || p[1] > '9')
			continue;
		l = strtol(p + 1, &end, 10);
		if (*end != ':' || end[1] < '1' || end[1] > '9')
			continue;
		c = strtol(end + 1, &end, 10);
		if (*end == ':' && l > 0 && c > 0) {
			*line = l;
			return true;
		}
	}
	return false;
}

static size_t
ftest_count_lines(const char *s)
{
	size_t n = 1;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* A refused spec: 400, OSMO's error shape, a line:col inside the spec and the needle. */
static void
ftest_expect_refused(struct lfix *t, const struct ftest_bad_spec *bad)
{
	struct ftest_reply r;
	long line = 0;

	ftest_post_spec(t, "", bad->yaml, &r);
	if (r.status != 400 || !ftest_line_col(r.body.buf, &line) ||
	    !strstr(r.body.buf, bad->needle))
		fprintf(stderr, "spec %s: %ld %s\n", bad->name ? bad->name : "(unnamed)", r.status,
		        r.body.buf);
	assert_int_equal(r.status, 400);
	assert_int_equal(strncmp(r.body.buf, "{\"message\":\"", 12), 0);
	assert_non_null(strstr(r.body.buf, "\"error_code\":\""));
	assert_non_null(strstr(r.body.buf, "\"workflow_id\":"));
	assert_true(ftest_line_col(r.body.buf, &line));
	assert_true(line >= 1 && (size_t)line <= ftest_count_lines(bad->yaml));
	assert_non_null(strstr(r.body.buf, bad->needle));
	/* JSON strings never hold raw control bytes, whatever the spec held. */
	for (size_t i = 0; i < r.body.len; i++)
		assert_true((unsigned char)r.body.buf[i] >= 0x20);
	ftest_reply_free(&r);
}

/* The row of task name at retry_id, or NULL (needs a verbose query for older retries). */
static const struct osmo_task *
ftest_task_retry(const struct osmo_workflow *wf, const char *name, int retry_id)
{
	for (size_t g = 0; g < wf->n_groups; g++)
		for (size_t i = 0; i < wf->groups[g].n_tasks; i++) {
			const struct osmo_task *task = &wf->groups[g].tasks[i];

			if (strcmp(task->name, name) == 0 && task->retry_id == retry_id)
				return task;
		}
	return NULL;
}

/* Waits for a file a task writes (by rename, so it is whole) and returns the PID in it. */
static pid_t
ftest_read_pid(const char *path, int timeout_ms)
{
	int64_t deadline = clock_mono_ms() + timeout_ms;

	for (;;) {
		char *text = util_read_file(path, NULL);
		long pid = text ? strtol(text, NULL, 10) : 0;

		free(text);
		if (pid > 1)
			return (pid_t)pid;
		ftest_pause(deadline);
	}
}

static void
ftest_wait_pid_gone(pid_t pid, int timeout_ms)
{
	int64_t deadline = clock_mono_ms() + timeout_ms;

	while (proc_alive(pid))
		ftest_pause(deadline);
}

/* Lists name-filtered workflows of every status in statuses (NULL: the server's default). */
static void
ftest_list(struct lfix *t, const char *name, const char *const *statuses, int offset, int limit,
           struct osmo_workflow_list *out)
{
	struct api_list_query q = {
		.all_pools = true, .name = name, .offset = offset, .limit = limit
	};
	struct wait_call w = { 0 };

	for (size_t i = 0; statuses && statuses[i]; i++)
		strv_push(&q.statuses, statuses[i]);
	api_list(t->api, &q, wait_call_cb(&w));
	lfix_finish(t, &w, true);
	*out = w.res.list;
	memset(&w.res.list, 0, sizeof(w.res.list));
	api_result_free(&w.res);
	strv_free(&q.statuses);
}

static const struct osmo_workflow_row *
ftest_list_find(const struct osmo_workflow_list *l, const char *id)
{
	for (size_t i = 0; i < l->n_rows; i++)
		if (strcmp(l->rows[i].name, id) == 0)
			return &l->rows[i];
	return NULL;
}

/* A task that leaves its PID for the test, then sleeps until killed. */
static char *
ftest_sleeper_spec(const struct lfix *t, const char *name, const char *extra)
{
	return xasprintf("workflow:\n"
	                 "  name: %s\n"
	                 "  tasks:\n"
	                 "  - name: victim\n"
	                 "    image: ubuntu:24.04\n"
	                 "    command: [sh, -c]\n"
	                 "    args:\n"
	                 "    - |\n"
	                 "      if [ \"$OSMO_RETRY_ID\" != 0 ]; then echo retried; exit 0; fi\n"
	                 "      echo $$ > %s/pid.tmp && mv %s/pid.tmp %s/pid-%s\n"
	                 "      exec sleep 60\n"
	                 "%s",
	                 name, t->dir, t->dir, t->dir, name, extra);
}

static void
test_kill9_fails_task(void **state)
{
	struct lfix *t = *state;
	char *yaml = ftest_sleeper_spec(t, "kill", "");
	char *pid_path = xasprintf("%s/pid-kill", t->dir);
	char *id = lfix_submit(t, yaml, NULL);
	pid_t pid = ftest_read_pid(pid_path, FTEST_TIMEOUT_MS);
	const struct osmo_group *g;
	const struct osmo_task *task;
	struct osmo_workflow wf;

	assert_int_equal(kill(pid, SIGKILL), 0);
	lfix_wait(t, id, FTEST_TIMEOUT_MS, lfix_ended, &wf);
	assert_int_equal(wf.status, OSMO_FAILED);
	task = osmo_workflow_find_task(&wf, "victim", &g);
	assert_non_null(task);
	assert_int_equal(g->status, OSMO_FAILED);
	assert_int_equal(task->retry_id, 0);
	assert_int_equal(task->status, OSMO_FAILED);
	assert_true(task->has_exit_code);
	assert_int_equal(task->exit_code, 137);
	assert_non_null(task->failure_message);
	assert_non_null(strstr(task->failure_message, "137"));
	/* FAILED is one of the statuses with error logs (CONTRACT §5.3). */
	assert_non_null(task->error_logs_url);
	assert_null(ftest_task_retry(&wf, "victim", 1));
	osmo_workflow_free(&wf);
	free(id);
	free(pid_path);
	free(yaml);
}

static bool
ftest_has_retry(const struct osmo_workflow *wf)
{
	return ftest_task_retry(wf, "victim", 1) != NULL;
}

static void
test_kill9_reschedules(void **state)
{
	struct lfix *t = *state;
	char *yaml = ftest_sleeper_spec(t, "resched",
	                                "    exitActions:\n"
	                                "      COMPLETE: 0\n"
	                                "      RESCHEDULE: 137\n");
	char *pid_path = xasprintf("%s/pid-resched", t->dir);
	char *id = lfix_submit(t, yaml, NULL);
	pid_t pid = ftest_read_pid(pid_path, FTEST_TIMEOUT_MS);
	const struct osmo_task *old, *retry;
	struct osmo_workflow wf;

	assert_int_equal(kill(pid, SIGKILL), 0);
	lfix_wait(t, id, FTEST_TIMEOUT_MS, ftest_has_retry, &wf);
	old = ftest_task_retry(&wf, "victim", 0);
	assert_non_null(old);
	assert_int_equal(old->status, OSMO_RESCHEDULED);
	assert_true(old->has_exit_code);
	assert_int_equal(old->exit_code, 137);
	assert_non_null(old->failure_message);
	osmo_workflow_free(&wf);
	/* The retry sees OSMO_RETRY_ID=1 and exits 0, so the workflow completes. */
	lfix_wait(t, id, FTEST_TIMEOUT_MS, lfix_ended, &wf);
	retry = ftest_task_retry(&wf, "victim", 1);
	assert_non_null(retry);
	if (retry->status != OSMO_COMPLETED || wf.status != OSMO_COMPLETED)
		lfix_dump(&wf);
	assert_int_equal(retry->status, OSMO_COMPLETED);
	assert_true(retry->has_exit_code);
	assert_int_equal(retry->exit_code, 0);
	assert_int_equal(wf.status, OSMO_COMPLETED);
	osmo_workflow_free(&wf);
	free(id);
	free(pid_path);
	free(yaml);
}

static const struct ftest_bad_spec ftest_bad_specs[] = {
	{ "bad-both",
	  "workflow:\n  name: bad-both\n  tasks:\n  - name: a\n    image: x\n    command: [true]\n"
	  "  groups:\n  - name: g\n    tasks:\n    - name: b\n      image: x\n"
	  "      command: [true]\n",
	  "groups" },
	{ "bad-no-lead",
	  "workflow:\n  name: bad-no-lead\n  groups:\n  - name: g\n    tasks:\n    - name: a\n"
	  "      image: x\n      command: [true]\n    - name: b\n      image: x\n"
	  "      command: [true]\n",
	  "lead" },
	{ "bad-two-leads",
	  "workflow:\n  name: bad-two-leads\n  groups:\n  - name: g\n    tasks:\n    - name: a\n"
	  "      lead: true\n      image: x\n      command: [true]\n    - name: b\n"
	  "      lead: true\n      image: x\n      command: [true]\n",
	  "lead" },
	{ "bad-memory",
	  "workflow:\n  name: bad-memory\n  resources:\n    default:\n      memory: 32GB\n"
	  "  tasks:\n  - name: a\n    image: x\n    command: [true]\n",
	  "32GB" },
	{ "bad-dup",
	  "workflow:\n  name: bad-dup\n  tasks:\n  - name: twin\n    image: x\n"
	  "    command: [true]\n  - name: twin\n    image: x\n    command: [true]\n",
	  "twin" },
	{ "bad-profile",
	  "workflow:\n  name: bad-profile\n  tasks:\n  - name: a\n    image: x\n"
	  "    resource: gpu_heavy\n    command: [true]\n",
	  "gpu_heavy" },
	{ "bad-input-index",
	  "workflow:\n  name: bad-input-index\n  tasks:\n  - name: a\n    image: x\n"
	  "    command: [true]\n  - name: b\n    image: x\n"
	  "    command: [sh, -c, \"ls {{input:3}}\"]\n    inputs:\n    - task: a\n",
	  "input:3" },
	{ "bad-input-task",
	  "workflow:\n  name: bad-input-task\n  tasks:\n  - name: b\n    image: x\n"
	  "    command: [true]\n    inputs:\n    - task: nosuch\n",
	  "nosuch" },
	{ "bad-cycle",
	  "workflow:\n  name: bad-cycle\n  groups:\n  - name: g1\n    tasks:\n    - name: a\n"
	  "      image: x\n      command: [true]\n      inputs:\n      - task: b\n"
	  "  - name: g2\n    tasks:\n    - name: b\n      image: x\n      command: [true]\n"
	  "      inputs:\n      - task: a\n",
	  "cycle" },
	{ "bad-empty-command",
	  "workflow:\n  name: bad-empty-command\n  tasks:\n  - name: a\n    image: x\n"
	  "    command: []\n",
	  "command" },
	{ NULL, "workflow:\n  name: bad-yaml\n  tasks: [\n  - name: a\n", "" },
	{ NULL, "- workflow\n- tasks\n", "mapping" },
};

static void
test_bad_specs(void **state)
{
	struct lfix *t = *state;
	static const char *const failed_submission[] = { "FAILED_SUBMISSION", NULL };
	static const char good[] = "workflow:\n"
	                           "  name: good\n"
	                           "  tasks:\n"
	                           "  - name: hello\n"
	                           "    image: ubuntu:24.04\n"
	                           "    command: [sh, -c, \"echo {{ greeting }}\"]\n"
	                           "default-values:\n"
	                           "  greeting: hi-there\n";
	struct api_submit_opts o = { .pool = "default", .yaml = good };
	struct osmo_workflow_list l;
	struct wait_call w = { 0 };

	for (size_t i = 0; i < ARRAY_SIZE(ftest_bad_specs); i++)
		ftest_expect_refused(t, &ftest_bad_specs[i]);
	/* Refused specs are kept as FAILED_SUBMISSION, hidden unless asked for (§3.1). */
	ftest_list(t, "bad-", NULL, 0, 100, &l);
	assert_int_equal(l.n_rows, 0);
	osmo_workflow_list_free(&l);
	ftest_list(t, "bad-", failed_submission, 0, 100, &l);
	for (size_t i = 0; i < ARRAY_SIZE(ftest_bad_specs); i++) {
		const char *name = ftest_bad_specs[i].name;
		char *want = name ? xasprintf("%s-1", name) : NULL;
		const struct osmo_workflow_row *row = want ? ftest_list_find(&l, want) : NULL;

		if (want && !row)
			fprintf(stderr, "no FAILED_SUBMISSION row %s\n", want);
		assert_true(!want || row);
		assert_true(!row || row->status == OSMO_FAILED_SUBMISSION);
		free(want);
	}
	osmo_workflow_list_free(&l);

	o.validation_only = true;
	api_submit(t->api, &o, wait_call_cb(&w));
	lfix_finish(t, &w, true);
	assert_string_equal(w.res.submit.name, "good");
	assert_string_equal(w.res.submit.logs, "Workflow validation succeeded.");
	assert_null(w.res.submit.spec);
	api_result_free(&w.res);

	o.validation_only = false;
	o.dry_run = true;
	memset(&w, 0, sizeof(w));
	api_submit(t->api, &o, wait_call_cb(&w));
	lfix_finish(t, &w, true);
	assert_string_equal(w.res.submit.name, "good");
	assert_null(w.res.submit.logs);
	assert_non_null(w.res.submit.spec);
	assert_non_null(strstr(w.res.submit.spec, "name: good"));
	assert_non_null(strstr(w.res.submit.spec, "echo hi-there"));
	assert_null(strstr(w.res.submit.spec, "{{"));
	api_result_free(&w.res);
	/* Neither a validation nor a dry run leaves a workflow behind. */
	ftest_expect(t, "GET", "/api/workflow/good-1", NULL, 400,
	             FTEST_NEEDLES("\"error_code\":\"DATABASE\""));
}

/* Sends bytes on a fresh loopback connection and reads until the server closes or time is up. */
static char *
ftest_raw_socket(const struct lfix *t, const char *bytes, bool read_reply)
{
	const char *port = strrchr(t->server.url, ':') + 1;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	int64_t deadline = clock_mono_ms() + FTEST_TIMEOUT_MS;
	struct strbuf sb = { 0 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(send(fd, bytes, strlen(bytes), MSG_NOSIGNAL), (ssize_t)strlen(bytes));
	while (read_reply) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - clock_mono_ms();
		char buf[4096];
		ssize_t n;

		assert_true(left > 0);
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		strbuf_add(&sb, buf, (size_t)n);
		/* One answer is all we want; the server may keep the connection open after it. */
		if (strstr(sb.buf, "\r\n\r\n"))
			break;
	}
	close(fd);
	return strbuf_detach(&sb);
}

static void
test_malformed_requests(void **state)
{
	struct lfix *t = *state;
	static const char submit[] = "/api/pool/default/workflow";
	static const char not_found[] = "{\"message\":\"Workflow nosuch-7 is not found.\","
	                                "\"error_code\":\"DATABASE\",\"workflow_id\":null}";
	size_t big = (size_t)9 << 20;
	char *body = xmalloc(big + 1);
	struct ftest_reply r;
	char *answer;

	ftest_expect(
	        t, "POST", submit, "this is not json", 422,
	        FTEST_NEEDLES("{\"detail\":[", "\"type\":\"json_invalid\"", "\"loc\":[\"body\","));
	ftest_expect(t, "POST", submit, "{\"file\":\"workflow: {}\",\"bogus\":1}", 422,
	             FTEST_NEEDLES("{\"detail\":[", "\"type\":\"extra_forbidden\"",
	                           "\"loc\":[\"body\",\"bogus\"]"));
	ftest_expect(t, "POST", submit, "{\"file\":5}", 422,
	             FTEST_NEEDLES("\"type\":\"string_type\"", "\"loc\":[\"body\",\"file\"]"));
	ftest_expect(t, "POST", submit, "[1,2]", 422, FTEST_NEEDLES("{\"detail\":["));

	/* The whole body is refused before it is parsed: 9 MiB of a JSON string. */
	memset(body, 'x', big);
	body[0] = '"';
	body[big - 1] = '"';
	body[big] = '\0';
	ftest_raw(t, "POST", submit, body, big, &r);
	assert_int_equal(r.status, 413);
	assert_non_null(strstr(r.body.buf, "\"detail\""));
	ftest_reply_free(&r);
	free(body);

	ftest_expect(t, "GET", "/api/workflow?limit=abc", NULL, 422,
	             FTEST_NEEDLES("\"type\":\"int_parsing\"", "\"loc\":[\"query\",\"limit\"]",
	                           "\"input\":\"abc\""));
	ftest_expect(t, "GET", "/api/workflow?limit=5000", NULL, 400,
	             FTEST_NEEDLES("\"message\":\"Limit must be less than 1000.\""));
	ftest_expect(t, "GET", "/api/workflow?statuses=BOGUS", NULL, 422,
	             FTEST_NEEDLES("\"type\":\"enum\"", "\"loc\":[\"query\",\"statuses\",0]",
	                           "\"input\":\"BOGUS\""));
	ftest_expect(t, "GET", "/api/workflow?statuses=RUNNING&statuses=BOGUS", NULL, 422,
	             FTEST_NEEDLES("\"loc\":[\"query\",\"statuses\",1]"));
	/* Not found is 400 DATABASE, never 404 (CONTRACT §3.2, §8.1). */
	ftest_expect(t, "GET", "/api/workflow/nosuch-7", NULL, 400, FTEST_NEEDLES(not_found));
	ftest_expect(t, "GET", "/api/workflow/nosuch-7/logs", NULL, 400,
	             FTEST_NEEDLES("\"error_code\":\"DATABASE\""));
	ftest_expect(t, "POST", "/api/workflow/nosuch-7/cancel", NULL, 400,
	             FTEST_NEEDLES("\"error_code\":\"DATABASE\""));
	ftest_expect(t, "GET", "/api/no/such/route", NULL, 404,
	             FTEST_NEEDLES("{\"detail\":\"Not Found\"}"));

	/* Not HTTP at all, and a request cut off mid-body: the server answers or hangs up. */
	answer = ftest_raw_socket(t, "GARBAGE\r\n\r\n", true);
	assert_true(!*answer || str_starts_with(answer, "HTTP/1."));
	free(answer);
	free(ftest_raw_socket(t,
	                      "POST /api/pool/default/workflow HTTP/1.1\r\nHost: x\r\n"
	                      "Content-Length: 100\r\n\r\n{\"fi",
	                      false));
	ftest_expect(t, "GET", "/api/version", NULL, 200, FTEST_NEEDLES("\"major\":\"6\""));
}

/* What the burst learns about the server halfway through. */
struct ftest_burst_probe {
	struct wait_call version, running;
	int64_t sent_ms;
	int64_t version_ms; /* how long GET /api/version took */
	size_t running_rows;
	bool sent, version_seen, running_seen;
};

/* Halfway through, the server must still answer other callers, and run no more than --slots. */
static void
ftest_burst_probe(struct lfix *t, struct ftest_burst_probe *p)
{
	struct api_list_query q = { .all_pools = true, .name = "burst", .limit = 1000 };

	p->sent = true;
	p->sent_ms = clock_mono_ms();
	api_version(t->api, wait_call_cb(&p->version));
	strv_push(&q.statuses, "RUNNING");
	api_list(t->api, &q, wait_call_cb(&p->running));
	strv_free(&q.statuses);
}

static void
ftest_burst_probe_check(struct ftest_burst_probe *p)
{
	if (p->version.done && !p->version_seen) {
		p->version_seen = true;
		p->version_ms = clock_mono_ms() - p->sent_ms;
		assert_int_equal(p->version.res.err.kind, API_OK);
		assert_string_equal(p->version.res.version.major, "6");
		api_result_free(&p->version.res);
	}
	if (p->running.done && !p->running_seen) {
		p->running_seen = true;
		assert_int_equal(p->running.res.err.kind, API_OK);
		p->running_rows = p->running.res.list.n_rows;
		/* One task each: a RUNNING workflow holds one of the default 64 slots. */
		assert_true(p->running_rows <= 64);
		api_result_free(&p->running.res);
	}
}

/* Keeps up to FTEST_BURST_WINDOW submissions in flight until all were sent and answered. */
static void
ftest_burst_submit(struct lfix *t, const char *yaml, char **ids, int64_t deadline,
                   struct ftest_burst_probe *probe)
{
	struct ftest_burst_slot slots[FTEST_BURST_WINDOW] = { 0 };
	struct api_submit_opts o = { .pool = "default", .yaml = yaml };
	size_t sent = 0, answered = 0;

	for (;;) {
		for (size_t i = 0; i < FTEST_BURST_WINDOW; i++) {
			struct ftest_burst_slot *s = &slots[i];

			if (s->busy && s->w.done) {
				if (s->w.res.err.kind != API_OK)
					fprintf(stderr, "submit: %s\n", s->w.res.err.message);
				assert_int_equal(s->w.res.err.kind, API_OK);
				ids[answered++] = xstrdup(s->w.res.submit.name);
				api_result_free(&s->w.res);
				s->busy = false;
			}
			if (!s->busy && sent < FTEST_BURST) {
				memset(&s->w, 0, sizeof(s->w));
				s->busy = true;
				sent++;
				api_submit(t->api, &o, wait_call_cb(&s->w));
			}
		}
		if (!probe->sent && answered >= FTEST_BURST / 2)
			ftest_burst_probe(t, probe);
		ftest_burst_probe_check(probe);
		if (answered == FTEST_BURST && probe->version_seen && probe->running_seen)
			return;
		wait_loop_step(t->loop, deadline);
	}
}

/*
 * (Re)starts osmo-local with its descriptor limit (soft RLIMIT_NOFILE) lowered to nofile (0:
 * as ours) and its stderr appended to log (NULL: ours).
 */
static void
ftest_restart(struct lfix *t, rlim_t nofile, const char *log)
{
	struct rlimit old, low;
	int saved_err = -1, fd;

	if (t->server.pid > 0)
		assert_int_equal(lfix_stop(t, 10000), 0);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	if (nofile)
		low.rlim_cur = nofile < old.rlim_max ? nofile : old.rlim_max;
	if (log) {
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		assert_true(fd >= 0);
		saved_err = dup(STDERR_FILENO);
		assert_true(saved_err >= 0);
		assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
		close(fd);
	}
	/* The server inherits both at fork; this process gets its own back at once. */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	lfix_start(t, NULL);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	if (saved_err >= 0) {
		assert_int_equal(dup2(saved_err, STDERR_FILENO), STDERR_FILENO);
		close(saved_err);
	}
}

/*
 * Under the common `ulimit -n 1024`, 1000 submissions never run osmo-local out of descriptors
 * (no FAILED_START_ERROR), and every accepted workflow is still there after a restart.
 */
static void
test_burst_submissions(void **state)
{
	struct lfix *t = *state;
	static const char yaml[] = "workflow:\n"
	                           "  name: burst\n"
	                           "  tasks:\n"
	                           "  - name: quick\n"
	                           "    image: ubuntu:24.04\n"
	                           "    command: [true]\n";
	static const char *const alive[] = { "PENDING", "RUNNING", "WAITING", NULL };
	static const char *const completed[] = { "COMPLETED", NULL };
	static const char *const start_error[] = { "FAILED_START_ERROR", NULL };
	int64_t start = clock_mono_ms();
	int64_t deadline = start + FTEST_BURST_MS;
	char **ids = xcalloc(FTEST_BURST, sizeof(*ids));
	bool *seen = xcalloc(FTEST_BURST + 1, sizeof(*seen));
	struct osmo_workflow_list l, page;
	struct ftest_burst_probe probe = { 0 };
	int64_t submitted_ms, done_ms;

	ftest_restart(t, 1024, NULL);
	ftest_burst_submit(t, yaml, ids, deadline, &probe);
	submitted_ms = clock_mono_ms() - start;
	for (size_t i = 0; i < FTEST_BURST; i++) {
		char *end;
		long n;

		assert_int_equal(strncmp(ids[i], "burst-", 6), 0);
		n = strtol(ids[i] + 6, &end, 10);
		assert_int_equal(*end, '\0');
		assert_true(n >= 1 && n <= FTEST_BURST);
		assert_false(seen[n]);
		seen[n] = true;
	}
	for (;;) {
		ftest_list(t, "burst", alive, 0, 1000, &l);
		if (l.n_rows == 0)
			break;
		osmo_workflow_list_free(&l);
		ftest_pause(deadline);
	}
	osmo_workflow_list_free(&l);
	done_ms = clock_mono_ms() - start;

	ftest_list(t, "burst", completed, 0, 1000, &l);
	if (l.n_rows != FTEST_BURST) {
		ftest_list(t, "burst", start_error, 0, 1000, &page);
		fail_msg("%zu of %d workflows COMPLETED, %zu FAILED_START_ERROR", l.n_rows,
		         FTEST_BURST, page.n_rows);
	}
	assert_false(l.more_entries);
	osmo_workflow_list_free(&l);
	/* Two pages of 500: the first says there is more, the second does not; no overlap. */
	memset(seen, 0, (FTEST_BURST + 1) * sizeof(*seen));
	for (int offset = 0; offset < FTEST_BURST; offset += 500) {
		ftest_list(t, "burst", completed, offset, 500, &page);
		assert_int_equal(page.n_rows, 500);
		assert_int_equal(page.more_entries, offset + 500 < FTEST_BURST);
		for (size_t i = 0; i < page.n_rows; i++) {
			long n = strtol(page.rows[i].name + 6, NULL, 10);

			assert_int_equal(page.rows[i].status, OSMO_COMPLETED);
			assert_true(n >= 1 && n <= FTEST_BURST);
			assert_false(seen[n]);
			seen[n] = true;
		}
		osmo_workflow_list_free(&page);
	}
	ftest_restart(t, 1024, NULL);
	ftest_list(t, "burst", completed, 0, 1000, &l);
	if (l.n_rows != FTEST_BURST)
		fail_msg("after a restart %zu of %d workflows are listed COMPLETED", l.n_rows,
		         FTEST_BURST);
	osmo_workflow_list_free(&l);
	printf("# burst under ulimit -n 1024: %d submissions over %d connections answered in "
	       "%lld ms, all COMPLETED after %lld ms and listed after a restart; mid-burst GET "
	       "/api/version took %lld ms, %zu workflows RUNNING\n",
	       FTEST_BURST, FTEST_BURST_WINDOW, (long long)submitted_ms, (long long)done_ms,
	       (long long)probe.version_ms, probe.running_rows);
	for (size_t i = 0; i < FTEST_BURST; i++)
		free(ids[i]);
	free(ids);
	free(seen);
}

/* Whether the n bytes at text (which may hold NULs) start with prefix and contain needle. */
static bool
ftest_text_has(const char *text, size_t n, const char *prefix, const char *needle)
{
	char *s = xstrndup(text, n);
	bool yes = str_starts_with(s, prefix) && strstr(s, needle);

	free(s);
	return yes;
}

/* The text of a log line, after its "DATE TIME [task] " prefix. */
static const char *
ftest_log_text(const char *line, size_t len, size_t *text_len)
{
	const char *tag = memchr(line, ']', len);

	if (!tag || (size_t)(tag - line) + 2 > len)
		return NULL;
	*text_len = len - (size_t)(tag - line) - 2;
	return tag + 2;
}

/* OSMO's workflow ID: [a-zA-Z]([a-zA-Z0-9_-]*[a-zA-Z0-9])? then "-" and the job number (§6). */
static bool
ftest_valid_id(const char *id)
{
	const char *dash = strrchr(id, '-');
	size_t n = dash ? (size_t)(dash - id) : 0;

	if (!n || !dash[1] || strspn(dash + 1, "0123456789") != strlen(dash + 1))
		return false;
	if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", id[0]))
		return false;
	if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", id[n - 1]))
		return false;
	return strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") >= n;
}

/* s with every byte outside printable ASCII as \xHH, safe for a terminal. */
static char *
ftest_escape(const char *s)
{
	struct strbuf sb = { 0 };

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p >= 0x20 && *p < 0x7f)
			strbuf_addch(&sb, (char)*p);
		else
			strbuf_addf(&sb, "\\x%02x", *p);
	return strbuf_detach(&sb);
}

static void
test_hostile_text(void **state)
{
	struct lfix *t = *state;
	static const char yaml[] =
	        "workflow:\n"
	        "  name: hostile\n"
	        "  tasks:\n"
	        "  - name: noisy\n"
	        "    image: ubuntu:24.04\n"
	        "    command: [sh, -c]\n"
	        "    args:\n"
	        "    - |\n"
	        "      printf 'red \\033[31mX\\033[0m \\033]0;title\\007 bell\\n'\n"
	        "      printf 'bad \\377\\376 utf8 \\300\\257 end\\n'\n"
	        "      head -c 102400 /dev/zero | tr '\\000' x\n"
	        "      echo\n"
	        "      echo after\n";
	static const struct ftest_bad_spec names[] = {
		{ NULL,
		  "workflow:\n  name: h\xc3\xa9llo-w\xc3\xb6rld\n  tasks:\n  - name: a\n"
		  "    image: x\n    command: [true]\n",
		  "name" },
		{ NULL,
		  "workflow:\n  name: fine\n  tasks:\n  - name: t\xc3\xa2"
		  "che\n"
		  "    image: x\n    command: [true]\n",
		  "name" },
		{ NULL,
		  "workflow:\n  name: \"evil\\e[2J\"\n  tasks:\n  - name: a\n"
		  "    image: x\n    command: [true]\n",
		  "name" },
	};
	static const char *const failed_submission[] = { "FAILED_SUBMISSION", NULL };
	size_t pieces[2] = { 0, 0 }, n_pieces = 0, invalid = 0;
	bool red = false, bad = false, after = false;
	struct osmo_workflow_list l;
	struct osmo_workflow wf;
	struct ftest_reply r;
	char *id = lfix_submit(t, yaml, NULL);
	char *path;

	lfix_wait(t, id, FTEST_TIMEOUT_MS, lfix_ended, &wf);
	assert_int_equal(wf.status, OSMO_COMPLETED);
	osmo_workflow_free(&wf);
	path = xasprintf("/api/workflow/%s/logs?task_name=noisy", id);
	ftest_raw(t, "GET", path, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	for (size_t at = 0; at < r.body.len;) {
		const char *line = r.body.buf + at;
		const char *nl = memchr(line, '\n', r.body.len - at);
		size_t len = nl ? (size_t)(nl - line) : r.body.len - at;
		size_t tlen = 0;
		const char *text = ftest_log_text(line, len, &tlen);

		at += len + 1;
		if (!text)
			continue;
		red |= ftest_text_has(text, tlen, "red ", "bell");
		bad |= ftest_text_has(text, tlen, "bad ", " end");
		after |= tlen == 5 && !memcmp(text, "after", 5);
		if (tlen && text[0] == 'x') {
			assert_true(n_pieces < 2);
			pieces[n_pieces++] = tlen;
		}
	}
	/* 100 KiB without a newline arrives as the runner's 64 KiB piece and the rest. */
	assert_true(red && bad && after);
	assert_int_equal(n_pieces, 2);
	assert_int_equal(pieces[0], RUNNER_MAX_LINE);
	assert_int_equal(pieces[1], 102400 - RUNNER_MAX_LINE);
	ftest_reply_free(&r);
	free(path);
	free(id);

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		ftest_expect_refused(t, &names[i]);
	ftest_expect(t, "GET", "/api/version", NULL, 200, FTEST_NEEDLES("\"major\":\"6\""));
	/* A refused name must not come back as a workflow ID: clients put IDs in URLs (§4.3). */
	ftest_list(t, NULL, failed_submission, 0, 100, &l);
	for (size_t i = 0; i < l.n_rows; i++)
		if (!ftest_valid_id(l.rows[i].name)) {
			char *shown = ftest_escape(l.rows[i].name);

			fprintf(stderr, "FAILED_SUBMISSION row with an invalid ID: %s\n", shown);
			free(shown);
			invalid++;
		}
	osmo_workflow_list_free(&l);
	assert_int_equal(invalid, 0);
}

/* The first "status" value in a state file (the workflow's own), or "" when unreadable. */
static char *
ftest_disk_status(const char *path)
{
	char *text = util_read_file(path, NULL);
	const char *at = text ? strstr(text, "\"status\"") : NULL;
	char *status = xstrdup("");

	if (at && (at = strchr(at + 8, '"'))) {
		free(status);
		status = xstrndup(at + 1, strcspn(at + 1, "\""));
	}
	free(text);
	return status;
}

/* Opens the fifo for writing once its reader (a task) has it open, and writes a line. */
static void
ftest_release_fifo(const char *fifo, int timeout_ms)
{
	int64_t deadline = clock_mono_ms() + timeout_ms;
	int fd;

	/* Without a reader yet, a non-blocking open for writing fails with ENXIO. */
	while ((fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		assert_int_equal(errno, ENXIO);
		ftest_pause(deadline);
	}
	assert_int_equal(write(fd, "go\n", 3), 3);
	close(fd);
}

/* A spec whose task hold waits until ftest_release_fifo(fifo); more (tasks) follows it. */
static char *
ftest_fifo_spec(const char *name, const char *fifo, const char *more)
{
	return xasprintf("workflow:\n"
	                 "  name: %s\n"
	                 "  tasks:\n"
	                 "  - name: hold\n"
	                 "    image: ubuntu:24.04\n"
	                 "    command: [sh, -c, \"read line < %s\"]\n"
	                 "%s",
	                 name, fifo, more);
}

/* GET /health's body. */
static char *
ftest_health(struct lfix *t)
{
	struct ftest_reply r;
	char *body;

	ftest_raw(t, "GET", "/health", NULL, 0, &r);
	assert_int_equal(r.status, 200);
	body = strbuf_detach(&r.body);
	ftest_reply_free(&r);
	return body;
}

/*
 * A record that cannot be saved stays dirty: osmo-local says so on stderr and in /health,
 * retries, writes it once the cause is gone, and a restart finds what memory had.
 */
static void
test_save_failures(void **state)
{
	struct lfix *t = *state;
	char *log = xasprintf("%s/server.log", t->dir);
	char *fifo = xasprintf("%s/go", t->dir);
	char *yaml = ftest_fifo_spec("saves", fifo, "");
	int64_t deadline;
	char *id, *json, *blocker, *health, *status, *text;
	struct osmo_workflow wf;

	assert_int_equal(mkfifo(fifo, 0600), 0);
	ftest_restart(t, 0, log);
	id = lfix_submit(t, yaml, NULL);
	lfix_wait(t, id, FTEST_TIMEOUT_MS, lfix_running, &wf);
	osmo_workflow_free(&wf);
	json = xasprintf("%s/workflows/%s/workflow.json", t->state, id);
	/* A directory where the temporary file goes fails every save, even as root. */
	blocker = xasprintf("%s.tmp", json);
	assert_int_equal(mkdir(blocker, 0700), 0);
	ftest_release_fifo(fifo, FTEST_TIMEOUT_MS);
	lfix_wait(t, id, FTEST_TIMEOUT_MS, lfix_ended, &wf);
	assert_int_equal(wf.status, OSMO_COMPLETED);
	osmo_workflow_free(&wf);

	health = ftest_health(t);
	if (!strstr(health, "\"status\":\"DEGRADED\"") || !strstr(health, "workflow.json"))
		fail_msg("/health during failed saves: %s", health);
	free(health);
	text = util_read_file(log, NULL);
	assert_non_null(text);
	if (!strstr(text, "cannot save workflow") || !strstr(text, id))
		fail_msg("no failed save in osmo-local's log: %s", text);
	free(text);
	/* The disk still holds the record from before the failures. */
	status = ftest_disk_status(json);
	assert_string_equal(status, "RUNNING");
	free(status);

	assert_int_equal(rmdir(blocker), 0);
	deadline = clock_mono_ms() + FTEST_TIMEOUT_MS;
	for (;;) {
		health = ftest_health(t);
		if (strcmp(health, "{\"status\":\"OK\"}") == 0)
			break;
		free(health);
		ftest_pause(deadline);
	}
	free(health);
	status = ftest_disk_status(json);
	assert_string_equal(status, "COMPLETED");
	free(status);
	text = util_read_file(log, NULL);
	assert_non_null(strstr(text, "saved workflow"));
	free(text);

	ftest_restart(t, 0, NULL);
	lfix_query(t, id, true, &wf);
	assert_int_equal(wf.status, OSMO_COMPLETED);
	assert_int_equal(wf.groups[0].tasks[0].status, OSMO_COMPLETED);
	osmo_workflow_free(&wf);
	free(blocker);
	free(json);
	free(id);
	free(yaml);
	free(fifo);
	free(log);
}

/* Loopback connections that each asked for /api/version once and then stay idle. */
struct ftest_flood {
	int fds[FTEST_FLOOD];
	bool answered[FTEST_FLOOD];
	size_t n_answered;
};

/* Opens every connection and sends its request; none waits for the server. */
static void
ftest_flood_open(const struct lfix *t, struct ftest_flood *fl)
{
	static const char req[] = "GET /api/version HTTP/1.1\r\nHost: x\r\n\r\n";
	const char *port = strrchr(t->server.url, ':') + 1;
	struct sockaddr_in sa = lfix_loopback(atoi(port));

	memset(fl, 0, sizeof(*fl));
	for (size_t i = 0; i < FTEST_FLOOD; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		assert_true(fd >= 0);
		/* Loopback connects complete in the kernel's backlog whether or not we are accepted. */
		assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		assert_int_equal(send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL),
		                 (ssize_t)sizeof(req) - 1);
		fl->fds[i] = fd;
	}
}

/* Reads answers until none came for FTEST_SETTLE_MS: the server holds what it accepted. */
static void
ftest_flood_settle(struct ftest_flood *fl, int timeout_ms)
{
	int64_t deadline = clock_mono_ms() + timeout_ms;
	int64_t quiet_until = clock_mono_ms() + FTEST_SETTLE_MS;
	struct pollfd *pfd = xcalloc(FTEST_FLOOD, sizeof(*pfd));

	while (clock_mono_ms() < quiet_until) {
		int64_t left = quiet_until - clock_mono_ms();

		assert_true(clock_mono_ms() < deadline);
		for (size_t i = 0; i < FTEST_FLOOD; i++)
			pfd[i] = (struct pollfd){ .fd = fl->answered[i] ? -1 : fl->fds[i],
				                  .events = POLLIN };
		if (poll(pfd, FTEST_FLOOD, left > 0 ? (int)left : 0) <= 0)
			continue;
		for (size_t i = 0; i < FTEST_FLOOD; i++) {
			char buf[4096];

			if (!pfd[i].revents)
				continue;
			/* An answer, or a hang-up: either way the server saw this one. */
			(void)recv(fl->fds[i], buf, sizeof(buf), MSG_DONTWAIT);
			fl->answered[i] = true;
			fl->n_answered++;
			quiet_until = clock_mono_ms() + FTEST_SETTLE_MS;
		}
	}
	free(pfd);
}

static void
ftest_flood_close(struct ftest_flood *fl)
{
	for (size_t i = 0; i < FTEST_FLOOD; i++)
		close(fl->fds[i]);
}

/* Waits for a file a task writes (by rename); false when the deadline passes first. */
static bool
ftest_file_appears(const char *path, int timeout_ms)
{
	int64_t deadline = clock_mono_ms() + timeout_ms;

	while (access(path, F_OK) != 0) {
		if (clock_mono_ms() + LFIX_POLL_MS >= deadline)
			return false;
		ftest_pause(deadline);
	}
	return true;
}

/*
 * More idle connections than osmo-local has descriptors: the ones past its connection cap
 * wait in the kernel's backlog, so a task still starts (pipes, its log) and completes, and
 * the server answers again once the idle ones go.
 */
static void
test_idle_connections_leave_room(void **state)
{
	struct lfix *t = *state;
	char *fifo = xasprintf("%s/go", t->dir);
	char *mark = xasprintf("%s/after-started", t->dir);
	char *after = xasprintf("  - name: after\n"
	                        "    image: ubuntu:24.04\n"
	                        "    command: [sh, -c, \"touch %s.tmp && mv %s.tmp %s\"]\n"
	                        "    inputs: [{task: hold}]\n",
	                        mark, mark, mark);
	char *yaml = ftest_fifo_spec("flood", fifo, after);
	struct ftest_flood *fl = xmalloc(sizeof(*fl));
	struct osmo_workflow wf;
	bool started;
	char *id;

	assert_int_equal(mkfifo(fifo, 0600), 0);
	ftest_restart(t, FTEST_FLOOD_NOFILE, NULL);
	id = lfix_submit(t, yaml, NULL);
	lfix_wait(t, id, FTEST_TIMEOUT_MS, lfix_running, &wf);
	osmo_workflow_free(&wf);
	ftest_flood_open(t, fl);
	ftest_flood_settle(fl, FTEST_TIMEOUT_MS);
	printf("# %d idle connections: osmo-local under ulimit -n %d took %zu\n", FTEST_FLOOD,
	       FTEST_FLOOD_NOFILE, fl->n_answered);
	/* The downstream task starts while every idle connection is still open. */
	ftest_release_fifo(fifo, FTEST_TIMEOUT_MS);
	started = ftest_file_appears(mark, FTEST_TIMEOUT_MS);
	ftest_flood_close(fl);
	free(fl);
	lfix_wait(t, id, FTEST_TIMEOUT_MS, lfix_ended, &wf);
	if (!started || wf.status != OSMO_COMPLETED)
		lfix_dump(&wf);
	assert_true(started);
	assert_int_equal(wf.status, OSMO_COMPLETED);
	osmo_workflow_free(&wf);
	ftest_expect(t, "GET", "/api/version", NULL, 200, FTEST_NEEDLES("\"major\":\"6\""));
	free(id);
	free(yaml);
	free(after);
	free(mark);
	free(fifo);
}

/* A one-task spec with these names (group NULL: the tasks form). */
static char *
ftest_named_spec(const char *workflow, const char *group, const char *task)
{
	if (!group)
		return xasprintf("workflow:\n  name: %s\n  tasks:\n  - name: %s\n"
		                 "    image: x\n    command: [true]\n",
		                 workflow, task);
	return xasprintf("workflow:\n  name: %s\n  groups:\n  - name: %s\n    tasks:\n"
	                 "    - name: %s\n      image: x\n      command: [true]\n",
	                 workflow, group, task);
}

/* n copies of c after a leading 'n', a valid name of length n + 1. */
static char *
ftest_long_name(size_t n)
{
	char *s = xmalloc(n + 2);

	s[0] = 'n';
	memset(s + 1, 'x', n);
	s[n + 1] = '\0';
	return s;
}

/* Submits yaml and expects OSMO's answer to a name longer than its 64-character limit. */
static void
ftest_expect_too_long(struct lfix *t, const char *yaml, const char *name)
{
	struct ftest_reply r;
	char *needle = xasprintf("Name %.40s", name);

	ftest_post_spec(t, "", yaml, &r);
	if (r.status != 400 ||
	    !strstr(r.body.buf, "is too long. It must be 64 characters or less."))
		fail_msg("a %zu-character name: %ld %.300s", strlen(name), r.status, r.body.buf);
	assert_non_null(strstr(r.body.buf, "\"error_code\":\"USER\""));
	assert_non_null(strstr(r.body.buf, needle));
	ftest_reply_free(&r);
	free(needle);
}

/*
 * Workflow, group and task names longer than OSMO's 64 characters are refused at submit
 * (OSMOUserError, 400 USER); one of 64 is taken. Nothing of the refused ones is kept.
 */
static void
test_name_limits(void **state)
{
	struct lfix *t = *state;
	char *max = ftest_long_name(63), *over = ftest_long_name(64), *huge = ftest_long_name(5000);
	char *sixty = ftest_long_name(59);
	char *yaml = ftest_named_spec(max, "g", max);
	char *id = lfix_submit(t, yaml, NULL);
	struct osmo_workflow_list l;
	struct osmo_workflow wf;

	lfix_wait(t, id, FTEST_TIMEOUT_MS, lfix_ended, &wf);
	assert_int_equal(wf.status, OSMO_COMPLETED);
	osmo_workflow_free(&wf);
	free(yaml);
	yaml = ftest_named_spec(huge, NULL, "a");
	ftest_expect_too_long(t, yaml, huge);
	free(yaml);
	yaml = ftest_named_spec(over, NULL, "a");
	ftest_expect_too_long(t, yaml, over);
	free(yaml);
	yaml = ftest_named_spec("short", over, "a");
	ftest_expect_too_long(t, yaml, over);
	free(yaml);
	yaml = ftest_named_spec("short", NULL, over);
	ftest_expect_too_long(t, yaml, over);
	free(yaml);
	/* A top-level task of 60 is fine, but its group "<task>-group" is not (WorkflowSpec.parse). */
	yaml = ftest_named_spec("short", NULL, sixty);
	ftest_expect_too_long(t, yaml, sixty);
	free(yaml);
	/* Only the 64-character workflow exists, also after a restart. */
	ftest_restart(t, 0, NULL);
	ftest_list(t, NULL, NULL, 0, 100, &l);
	assert_int_equal(l.n_rows, 1);
	assert_string_equal(l.rows[0].name, id);
	osmo_workflow_list_free(&l);
	free(id);
	free(max);
	free(sixty);
	free(over);
	free(huge);
}

/*
 * A workflow.json that cannot be read is said on stderr and set aside with its logs; its ID
 * is not given to the next workflow of that name, whose log starts empty.
 */
static void
test_corrupt_record(void **state)
{
	static const char yaml[] = "workflow:\n  name: corrupt\n  tasks:\n  - name: a\n"
	                           "    image: x\n    command: [echo, first-run]\n";
	struct lfix *t = *state;
	char *log = xasprintf("%s/server.log", t->dir);
	char *id = lfix_submit(t, yaml, NULL), *id2;
	char *dir = xasprintf("%s/workflows/%s", t->state, id);
	char *json = xasprintf("%s/workflow.json", dir);
	char *aside = xasprintf("%s.corrupt", json);
	char *logs = xasprintf("%s/logs.txt", dir);
	char *before, *after, *text;
	struct osmo_workflow wf;
	FILE *f;

	lfix_wait(t, id, FTEST_TIMEOUT_MS, lfix_ended, &wf);
	osmo_workflow_free(&wf);
	assert_int_equal(lfix_stop(t, 10000), 0);
	before = util_read_file(logs, NULL);
	assert_non_null(strstr(before, "first-run"));
	f = fopen(json, "w");
	assert_non_null(f);
	fputs("{\"version\":1,\"id\":", f);
	fclose(f);

	ftest_restart(t, 0, log);
	id2 = lfix_submit(t, yaml, NULL);
	if (strcmp(id2, id) == 0)
		fail_msg("the corrupt record's ID %s was given again", id);
	assert_string_equal(id2, "corrupt-2");
	text = util_read_file(log, NULL);
	if (!text || !strstr(text, json) || !strstr(text, "workflow.json.corrupt"))
		fail_msg("no word of the corrupt record on stderr: %s", text ? text : "(none)");
	free(text);
	text = util_read_file(aside, NULL);
	assert_non_null(text);
	assert_string_equal(text, "{\"version\":1,\"id\":");
	free(text);
	ftest_expect(t, "GET", "/api/workflow/corrupt-1", NULL, 400,
	             FTEST_NEEDLES("\"error_code\":\"DATABASE\""));

	lfix_wait(t, id2, FTEST_TIMEOUT_MS, lfix_ended, &wf);
	assert_int_equal(wf.status, OSMO_COMPLETED);
	osmo_workflow_free(&wf);
	after = util_read_file(logs, NULL);
	assert_string_equal(after, before);
	free(after);
	free(before);
	free(id2);
	free(logs);
	free(aside);
	free(json);
	free(dir);
	free(id);
	free(log);
}

static void
test_sigterm_during_task(void **state)
{
	struct lfix *t = *state;
	char *yaml = xasprintf("workflow:\n"
	                       "  name: term\n"
	                       "  tasks:\n"
	                       "  - name: sleeper\n"
	                       "    image: ubuntu:24.04\n"
	                       "    command: [sh, -c]\n"
	                       "    args:\n"
	                       "    - |\n"
	                       "      sleep 300 &\n"
	                       "      echo $! > %s/child.tmp && mv %s/child.tmp %s/child\n"
	                       "      echo $$ > %s/pid.tmp && mv %s/pid.tmp %s/pid-term\n"
	                       "      wait\n",
	                       t->dir, t->dir, t->dir, t->dir, t->dir, t->dir);
	char *pid_path = xasprintf("%s/pid-term", t->dir);
	char *child_path = xasprintf("%s/child", t->dir);
	char *id = lfix_submit(t, yaml, NULL);
	pid_t child = ftest_read_pid(child_path, FTEST_TIMEOUT_MS);
	pid_t pid = ftest_read_pid(pid_path, FTEST_TIMEOUT_MS);
	const struct osmo_group *g;
	const struct osmo_task *task;
	struct osmo_workflow wf;
	int64_t start = clock_mono_ms(), took;

	assert_int_equal(lfix_stop(t, 10000), 0);
	took = clock_mono_ms() - start;
	printf("# SIGTERM with a running task: osmo-local exited in %lld ms\n", (long long)took);
	assert_true(took < 10000);
	/* The task's whole tree went with the server: the shell and its background child. */
	ftest_wait_pid_gone(pid, 5000);
	ftest_wait_pid_gone(child, 5000);

	lfix_start(t, NULL);
	lfix_query(t, id, true, &wf);
	task = osmo_workflow_find_task(&wf, "sleeper", &g);
	assert_non_null(task);
	assert_int_equal(task->status, OSMO_FAILED_SERVER_ERROR);
	assert_non_null(task->failure_message);
	/* OSMO's code for a server error (CONTRACT §5.4). */
	assert_true(task->has_exit_code);
	assert_int_equal(task->exit_code, 3002);
	assert_int_equal(g->status, OSMO_FAILED_SERVER_ERROR);
	/* Any FAILED_SERVER_ERROR group makes the workflow FAILED_SERVER_ERROR (§5.1). */
	if (wf.status != OSMO_FAILED_SERVER_ERROR)
		lfix_dump(&wf);
	assert_int_equal(wf.status, OSMO_FAILED_SERVER_ERROR);
	osmo_workflow_free(&wf);
	free(id);
	free(child_path);
	free(pid_path);
	free(yaml);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kill9_fails_task, ftest_setup, ftest_teardown),
		cmocka_unit_test_setup_teardown(test_kill9_reschedules, ftest_setup,
		                                ftest_teardown),
		cmocka_unit_test_setup_teardown(test_bad_specs, ftest_setup, ftest_teardown),
		cmocka_unit_test_setup_teardown(test_malformed_requests, ftest_setup,
		                                ftest_teardown),
		cmocka_unit_test_setup_teardown(test_burst_submissions, ftest_setup,
		                                ftest_teardown),
		cmocka_unit_test_setup_teardown(test_hostile_text, ftest_setup, ftest_teardown),
		cmocka_unit_test_setup_teardown(test_save_failures, ftest_setup, ftest_teardown),
		cmocka_unit_test_setup_teardown(test_name_limits, ftest_setup, ftest_teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_record, ftest_setup, ftest_teardown),
		cmocka_unit_test_setup_teardown(test_idle_connections_leave_room, ftest_setup,
		                                ftest_teardown),
		cmocka_unit_test_setup_teardown(test_sigterm_during_task, ftest_setup,
		                                ftest_teardown),
	};

	/* The raw socket tests write to connections the server may have closed. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
