/* test_client.c: the real client (libcurl, decode, auth) against a real HTTP server on 127.0.0.1. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/api.h"
#include "golden.h"
#include "client/log_tail.h"
#include "proc.h"
#include "wait.h"

struct itest {
	char dir[64]; /* scratch: routes, request log, login.yaml */
	char *routes;
	char *log;
	struct proc server;
	struct loop *loop; /* http is its source */
	struct http *http;
	struct auth auth;
	struct api *api;
	const char *login_token; /* set before itest_start: log in with this expired JWT */
};

static void itest_login(struct itest *t, const char *id_token, const char *refresh_url);

/* Starts the server; logs in with t->login_token (refreshed at the server) or as dev jdoe. */
static void
itest_start(struct itest *t, const char *const *lines, size_t n)
{
	assert_int_equal(golden_fixture_server(&t->server, t->routes, lines, n, t->log), 0);
	if (t->login_token) {
		char *refresh_url = xasprintf("%s/api/auth/jwt/access_token", t->server.url);

		itest_login(t, t->login_token, refresh_url);
		free(refresh_url);
	} else {
		auth_init_dev(&t->auth, "jdoe");
	}
	t->api = api_new(t->server.url, &t->auth, t->http, t->loop);
}

static int
itest_setup(void **state)
{
	struct itest *t = xcalloc(1, sizeof(*t));

	strlcpy_safe(t->dir, "/tmp/osmotop-itest-XXXXXX", sizeof(t->dir));
	assert_non_null(mkdtemp(t->dir));
	t->routes = xasprintf("%s/routes", t->dir);
	t->log = xasprintf("%s/requests.log", t->dir);
	t->server.pid = -1;
	t->loop = loop_new();
	t->http = http_new(API_USER_AGENT);
	loop_add_source(t->loop, &http_source, t->http);
	*state = t;
	return 0;
}

static int
itest_teardown(void **state)
{
	struct itest *t = *state;
	api_free(t->api);
	http_free(t->http);
	loop_free(t->loop);
	auth_free(&t->auth);
	if (t->server.pid > 0)
		proc_stop(&t->server, 5000);
	proc_remove_tree(t->dir);
	free(t->routes);
	free(t->log);
	free(t);
	return 0;
}

static void
itest_wait_for(struct itest *t, struct wait_call *w, int timeout_ms)
{
	wait_loop_until(t->loop, &w->done, timeout_ms);
}

static char *
itest_requests(struct itest *t)
{
	char *s = util_read_file(t->log, NULL);

	assert_non_null(s);
	return s;
}

static void
test_list_and_query(void **state)
{
	struct itest *t = *state;
	static const char *const routes[] = {
		"GET /api/workflow/llm-finetune-17?verbose=true 200 application/json "
		"@workflow_query_running_verbose.json",
		"GET /api/workflow/llm-finetune-17 200 application/json "
		"@workflow_query_running.json",
		"GET /api/workflow 200 application/json @workflow_list_page.json",
	};
	struct wait_call w = { 0 };
	struct api_list_query q = { .limit = 50, .all_users = true };

	itest_start(t, routes, 3);
	strv_push(&q.statuses, "RUNNING");
	strv_push(&q.statuses, "FAILED");
	strv_push(&q.pools, "gb200 prod");
	api_list(t->api, &q, wait_call_cb(&w));
	itest_wait_for(t, &w, 10000);
	assert_int_equal(w.res.err.kind, API_OK);
	assert_int_equal(w.res.list.n_rows, 3);
	assert_true(w.res.list.more_entries);
	wait_call_free(&w);
	strv_free(&q.statuses);
	strv_free(&q.pools);

	memset(&w, 0, sizeof(w));
	api_query(t->api, "llm-finetune-17", true, false, wait_call_cb(&w));
	itest_wait_for(t, &w, 10000);
	assert_int_equal(w.res.err.kind, API_OK);
	assert_string_equal(w.res.workflow.name, "llm-finetune-17");
	assert_int_equal(w.res.workflow.status, OSMO_RUNNING);
	assert_int_equal(w.res.workflow.n_groups, 3);
	wait_call_free(&w);

	char *log = itest_requests(t);

	/* Repeated keys for lists, lower-case booleans, values escaped, the dev user header. */
	assert_non_null(strstr(log, "GET /api/workflow?statuses=RUNNING&statuses=FAILED&offset=0"
	                            "&limit=50&order=DESC&all_users=true&pools=gb200%20prod"));
	assert_non_null(strstr(log, "GET /api/workflow/llm-finetune-17?verbose=true"));
	assert_non_null(strstr(log, "x-osmo-user=jdoe"));
	assert_null(strstr(log, "authorization="));
	free(log);
}

static void
test_actions(void **state)
{
	struct itest *t = *state;
	static const char *const routes[] = {
		"POST /api/workflow/wf-1/cancel 200 application/json @cancel_response.json",
		"POST /api/pool/p1/workflow/wf-1/restart 200 application/json "
		"@submit_response.json",
		"POST /api/pool/p1/workflow 200 application/json @submit_response.json",
		"GET /api/version 200 application/json @version_response.json",
		"GET /api/workflow/wf-1/spec 200 text/plain inline:version:2",
		"GET /api/workflow/wf-1/error_logs 200 text/plain inline:OOM",
	};
	struct wait_call w = { 0 };
	struct strv vars = { 0 };

	itest_start(t, routes, 6);
	api_cancel(t->api, "wf-1", true, "wrong lr & restart", wait_call_cb(&w));
	itest_wait_for(t, &w, 10000);
	assert_int_equal(w.res.err.kind, API_OK);
	assert_string_equal(w.res.name, "llm-finetune-17");
	wait_call_free(&w);

	memset(&w, 0, sizeof(w));
	api_restart(t->api, "p1", "wf-1", wait_call_cb(&w));
	itest_wait_for(t, &w, 10000);
	assert_int_equal(w.res.err.kind, API_OK);
	assert_string_equal(w.res.submit.name, "llm-finetune-18");
	wait_call_free(&w);

	memset(&w, 0, sizeof(w));
	api_submit(
	        t->api,
	        &(struct api_submit_opts){ .pool = "p1", .workflow_id = "wf-1", .priority = "LOW" },
	        wait_call_cb(&w));
	itest_wait_for(t, &w, 10000);
	assert_int_equal(w.res.err.kind, API_OK);
	wait_call_free(&w);

	memset(&w, 0, sizeof(w));
	strv_push(&vars, "epochs=3");
	api_submit(t->api,
	           &(struct api_submit_opts){
	                   .pool = "p1", .yaml = "workflow:\n  name: x\n", .set_variables = &vars },
	           wait_call_cb(&w));
	itest_wait_for(t, &w, 10000);
	assert_int_equal(w.res.err.kind, API_OK);
	wait_call_free(&w);
	strv_free(&vars);

	memset(&w, 0, sizeof(w));
	api_version(t->api, wait_call_cb(&w));
	itest_wait_for(t, &w, 10000);
	assert_string_equal(w.res.version.major, "6");
	wait_call_free(&w);

	memset(&w, 0, sizeof(w));
	api_spec(t->api, "wf-1", false, wait_call_cb(&w));
	itest_wait_for(t, &w, 10000);
	assert_string_equal(w.res.text, "version:2");
	wait_call_free(&w);

	memset(&w, 0, sizeof(w));
	api_error_logs(t->api, "wf-1", "trainer", 1, wait_call_cb(&w));
	itest_wait_for(t, &w, 10000);
	assert_string_equal(w.res.text, "OOM");
	wait_call_free(&w);

	char *log = itest_requests(t);

	assert_non_null(strstr(
	        log,
	        "POST /api/workflow/wf-1/cancel?force=true&message=wrong%20lr%20%26%20restart"));
	assert_non_null(strstr(log, "POST /api/pool/p1/workflow/wf-1/restart"));
	/* Resubmit by ID sends no body; a spec submit sends the TemplateSpec JSON. */
	assert_non_null(strstr(
	        log,
	        "POST /api/pool/p1/workflow?workflow_id=wf-1&priority=LOW user-agent=osmotop/0.1.0 "
	        "x-osmo-user=jdoe content-type=application/json\n"));
	assert_non_null(strstr(
	        log, "body={\"file\":\"workflow:\\n  name: x\\n\",\"set_variables\":[\"epochs=3\"],"
	             "\"set_string_variables\":[],\"uploaded_templated_spec\":null}"));
	assert_non_null(
	        strstr(log, "GET /api/workflow/wf-1/error_logs?task_name=trainer&retry_id=1"));
	free(log);
}

static void
test_errors(void **state)
{
	struct itest *t = *state;
	static const char *const routes[] = {
		"GET /api/workflow/missing-1 400 application/json @error_not_found_400.json",
		"GET /api/workflow/bad-1 422 application/json @error_validation_422.json",
		"GET /api/workflow/boom-1 500 application/json @error_internal_500.json",
		"GET /api/workflow/jwt-1 401 text/plain inline:Jwt\\x1b[31mis_expired",
		"GET /api/workflow/redir-1 302 text/html - "
		"header=Location:https://idp.example.com/login",
		"GET /api/workflow/html-1 502 text/html "
		"inline:<html><body>Bad_gateway</body></html>",
		"GET /api/workflow/trunc-1 200 application/json @workflow_query_running.json "
		"drop=500",
		"GET /api/workflow/garbage-1 200 application/json inline:{\"name\":1}",
	};
	static const struct {
		const char *wf;
		enum api_error_kind kind;
		long status;
		const char *code;
		const char *text;
	} cases[] = {
		{ "missing-1", API_ERR_HTTP, 400, "DATABASE",
		  "Workflow llm-finetune-99 is not found." },
		{ "bad-1", API_ERR_HTTP, 422, "", "query.statuses.0: Input should be" },
		{ "boom-1", API_ERR_HTTP, 500, "",
		  "Internal server error: Workflow log credential" },
		{ "jwt-1", API_ERR_AUTH, 401, "", "Jwt\\x1b[31mis_expired" },
		{ "redir-1", API_ERR_AUTH, 302, "", "redirect to a login page" },
		{ "html-1", API_ERR_HTTP, 502, "", "Bad_gateway" },
		{ "trunc-1", API_ERR_TRANSPORT, 200, "", "GET /api/workflow/trunc-1" },
		{ "garbage-1", API_ERR_DECODE, 0, "", "name: expected a string" },
	};

	itest_start(t, routes, sizeof(routes) / sizeof(routes[0]));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct wait_call w = { 0 };

		api_query(t->api, cases[i].wf, false, false, wait_call_cb(&w));
		itest_wait_for(t, &w, 10000);
		if (w.res.err.kind != cases[i].kind)
			fail_msg("%s: kind %d, message '%s'", cases[i].wf, w.res.err.kind,
			         w.res.err.message);
		if (cases[i].status)
			assert_int_equal(w.res.err.http_status, cases[i].status);
		assert_string_equal(w.res.err.error_code, cases[i].code);
		if (!strstr(w.res.err.message, cases[i].text))
			fail_msg("%s: message '%s' lacks '%s'", cases[i].wf, w.res.err.message,
			         cases[i].text);
		for (const char *p = w.res.err.message; *p; p++)
			assert_true((unsigned char)*p >= 0x20);
		wait_call_free(&w);
	}
}

static void
test_unreachable(void **state)
{
	struct itest *t = *state;
	struct wait_call w = { 0 };

	(void)state;
	auth_init_dev(&t->auth, NULL);
	/* Port 1 on loopback: nothing listens there, so the connection is refused at once. */
	t->api = api_new("http://127.0.0.1:1", &t->auth, t->http, t->loop);
	api_query(t->api, "wf-1", false, false, wait_call_cb(&w));
	itest_wait_for(t, &w, 10000);
	assert_int_equal(w.res.err.kind, API_ERR_TRANSPORT);
	assert_non_null(strstr(w.res.err.message, "GET /api/workflow/wf-1"));
	wait_call_free(&w);
}

/* A JWT whose payload is {"exp": exp} (signature not checked by clients). */
static char *
itest_jwt(int64_t exp)
{
	static const char b64[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char *payload = xasprintf("{\"exp\":%lld,\"unique_name\":\"jdoe\"}", (long long)exp);
	struct strbuf sb = { 0 };
	size_t n = strlen(payload);

	strbuf_addstr(&sb, "eyJhbGciOiJSUzI1NiJ9.");
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)payload[i] << 16;

		if (i + 1 < n)
			v |= (unsigned char)payload[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)payload[i + 2];
		strbuf_addch(&sb, b64[(v >> 18) & 63]);
		strbuf_addch(&sb, b64[(v >> 12) & 63]);
		if (i + 1 < n)
			strbuf_addch(&sb, b64[(v >> 6) & 63]);
		if (i + 2 < n)
			strbuf_addch(&sb, b64[v & 63]);
	}
	strbuf_addstr(&sb, ".c2ln");
	free(payload);
	return strbuf_detach(&sb);
}

static void
itest_login(struct itest *t, const char *id_token, const char *refresh_url)
{
	char *path = xasprintf("%s/login.yaml", t->dir);
	FILE *f = fopen(path, "w");
	bool loose = false;
	struct api_error err = { 0 };

	assert_non_null(f);
	fprintf(f,
	        "dev_login: null\nname: ''\nosmo_token: true\ntoken_login:\n  client_id: null\n"
	        "  id_token: %s\n  refresh_token: q3Zr8Xb0vJmN5kT2wL9pYcF7hD4sA1eG6uI0oR3tVyQ\n"
	        "  refresh_url: %s\n  username: null\nurl: http://unused.invalid\n",
	        id_token, refresh_url);
	fclose(f);
	chmod(path, 0600);
	assert_int_equal(auth_load(&t->auth, path, &loose, &err), 0);
	assert_false(loose);
	free(path);
}

static void
test_token_refresh(void **state)
{
	struct itest *t = *state;
	char *expired = itest_jwt(clock_wall_ms() / 1000 - 10);
	char *fresh = itest_jwt(clock_wall_ms() / 1000 + 300);
	char *refreshed = xasprintf("inline:{\"token\":\"%s\",\"expires_at\":1}", fresh);
	const char *routes[] = {
		xasprintf("POST /api/auth/jwt/access_token 200 application/json %s", refreshed),
		"GET /api/workflow/wf-1 401 text/plain inline:Jwt_is_expired times=1",
		"GET /api/workflow/wf-1 200 application/json @workflow_query_small.json",
	};
	struct wait_call w = { 0 };

	t->login_token = expired;
	itest_start(t, routes, 3);

	/* Expired: refreshed before the call; then a 401 triggers one more refresh and a retry. */
	api_query(t->api, "wf-1", false, false, wait_call_cb(&w));
	itest_wait_for(t, &w, 10000);
	assert_int_equal(w.res.err.kind, API_OK);
	assert_string_equal(w.res.workflow.name, "ddp-smoke-3");
	wait_call_free(&w);

	char *log = itest_requests(t);
	char *bearer = xasprintf("authorization=Bearer %s", fresh);
	const char *first = strstr(log, "POST /api/auth/jwt/access_token");

	assert_non_null(first);
	assert_non_null(
	        strstr(first, "body={\"token\":\"q3Zr8Xb0vJmN5kT2wL9pYcF7hD4sA1eG6uI0oR3tVyQ\"}"));
	assert_non_null(strstr(first + 1, "POST /api/auth/jwt/access_token"));
	assert_non_null(strstr(log, bearer));
	assert_null(strstr(log, expired));

	/* login.yaml now holds the new token, still private. */
	char *path = xasprintf("%s/login.yaml", t->dir);
	char *yaml = util_read_file(path, NULL);
	struct stat st;

	assert_non_null(strstr(yaml, fresh));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(yaml);
	free(path);
	free(log);
	free(bearer);
	free((char *)routes[0]);
	free(refreshed);
	free(expired);
	free(fresh);
}

static void
test_refresh_failure(void **state)
{
	struct itest *t = *state;
	char *expired = itest_jwt(clock_wall_ms() / 1000 - 10);
	static const char *const routes[] = {
		"POST /api/auth/jwt/access_token 403 text/plain inline:access_denied",
	};
	struct wait_call w1 = { 0 }, w2 = { 0 };

	t->login_token = expired;
	itest_start(t, routes, 1);
	/* Two calls wait behind one refresh; both fail with its error, and no token leaks. */
	api_query(t->api, "wf-1", false, false, wait_call_cb(&w1));
	api_query(t->api, "wf-2", false, false, wait_call_cb(&w2));
	itest_wait_for(t, &w1, 10000);
	itest_wait_for(t, &w2, 10000);
	assert_int_equal(w1.res.err.kind, API_ERR_AUTH);
	assert_int_equal(w2.res.err.kind, API_ERR_AUTH);
	assert_non_null(strstr(w1.res.err.message, "access_denied"));
	assert_null(strstr(w1.res.err.message, "q3Zr8Xb0"));
	assert_null(strstr(w1.res.err.message, expired));

	char *log = itest_requests(t);
	size_t refreshes = 0;

	for (const char *p = log; (p = strstr(p, "POST /api/auth")); p++)
		refreshes++;
	assert_int_equal(refreshes, 1);
	assert_null(strstr(log, "GET /api/workflow"));
	free(log);
	wait_call_free(&w1);
	wait_call_free(&w2);
	free(expired);
}

static void
test_log_stream_reconnect(void **state)
{
	struct itest *t = *state;
	static const char *const routes[] = {
		"GET /api/workflow/llm-finetune-17/logs 200 text/plain @workflow_logs_running.txt "
		"stream=5 drop=300 times=1",
		"GET /api/workflow/llm-finetune-17/logs 200 text/plain @workflow_logs_running.txt "
		"stream=5",
	};
	struct log_tail tail;
	struct wait_call w = { 0 };
	struct api_stream_opts o = { .what = API_STREAM_LOGS,
		                     .workflow_id = "llm-finetune-17",
		                     .retry_id = -1,
		                     .idle_timeout_s = 60 };
	char *want_path = golden_fixture_path("workflow_logs_running.txt");
	char *want = want_path ? util_read_file(want_path, NULL) : NULL;

	assert_non_null(want);
	itest_start(t, routes, 2);
	log_tail_init(&tail, 100);
	w.tail = &tail;
	api_stream(t->api, &o, wait_call_cb(&w));
	itest_wait_for(t, &w, 10000);
	/* The first connection is cut mid-body: a transport error, some lines kept. */
	assert_int_equal(w.res.err.kind, API_ERR_TRANSPORT);
	size_t first = tail.count;

	assert_true(first > 0 && first < 9);
	api_result_free(&w.res);
	w.done = false;
	log_tail_reconnect(&tail);
	api_stream(t->api, &o, wait_call_cb(&w));
	itest_wait_for(t, &w, 10000);
	assert_int_equal(w.res.err.kind, API_OK);
	log_tail_finish(&tail);

	/* The replayed history is dropped: every line once, in order. */
	struct strbuf got = { 0 };

	for (size_t i = 0; i < tail.count; i++)
		strbuf_addf(&got, "%s\n", log_tail_line(&tail, i));
	assert_string_equal(got.buf, want);
	assert_int_equal(tail.gaps, 0);
	strbuf_free(&got);
	log_tail_free(&tail);
	wait_call_free(&w);
	free(want);
	free(want_path);
}

static void
test_stream_idle_cut(void **state)
{
	struct itest *t = *state;
	static const char *const routes[] = {
		"GET /api/workflow/wf-1/events 200 text/plain - hold",
	};
	struct wait_call w = { 0 };
	struct api_stream_opts o = { .what = API_STREAM_EVENTS,
		                     .workflow_id = "wf-1",
		                     .task = "trainer",
		                     .retry_id = 0,
		                     .idle_timeout_s = 1 };

	itest_start(t, routes, 1);
	api_stream(t->api, &o, wait_call_cb(&w));
	itest_wait_for(t, &w, 10000);
	assert_int_equal(w.res.err.kind, API_ERR_TIMEOUT);
	wait_call_free(&w);

	char *log = itest_requests(t);

	assert_non_null(strstr(log, "GET /api/workflow/wf-1/events?task_name=trainer&retry_id=0"));
	free(log);
}

static void
test_concurrent_requests(void **state)
{
	struct itest *t = *state;
	static const char *const routes[] = {
		"GET /api/workflow/slow-1 200 application/json @workflow_query_small.json "
		"delay=200",
		"GET /api/workflow/fast-1 200 application/json @workflow_query_failed_evicted.json",
	};
	struct wait_call w[8] = { 0 };

	itest_start(t, routes, 2);
	for (int i = 0; i < 8; i++)
		api_query(t->api, i % 2 ? "fast-1" : "slow-1", false, false, wait_call_cb(&w[i]));
	for (int i = 0; i < 8; i++) {
		itest_wait_for(t, &w[i], 10000);
		assert_int_equal(w[i].res.err.kind, API_OK);
		assert_string_equal(w[i].res.workflow.name,
		                    i % 2 ? "llm-finetune-16" : "ddp-smoke-3");
		wait_call_free(&w[i]);
	}
	/* An aborted call never reports back. */
	struct wait_call gone = { 0 }, last = { 0 };
	unsigned long id = api_query(t->api, "slow-1", false, false, wait_call_cb(&gone));

	api_abort(t->api, id);
	api_query(t->api, "slow-1", false, false, wait_call_cb(&last));
	itest_wait_for(t, &last, 10000);
	assert_false(gone.done);
	assert_int_equal(api_pending(t->api), 0);
	wait_call_free(&last);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_list_and_query, itest_setup, itest_teardown),
		cmocka_unit_test_setup_teardown(test_actions, itest_setup, itest_teardown),
		cmocka_unit_test_setup_teardown(test_errors, itest_setup, itest_teardown),
		cmocka_unit_test_setup_teardown(test_unreachable, itest_setup, itest_teardown),
		cmocka_unit_test_setup_teardown(test_token_refresh, itest_setup, itest_teardown),
		cmocka_unit_test_setup_teardown(test_refresh_failure, itest_setup, itest_teardown),
		cmocka_unit_test_setup_teardown(test_log_stream_reconnect, itest_setup,
		                                itest_teardown),
		cmocka_unit_test_setup_teardown(test_stream_idle_cut, itest_setup, itest_teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_requests, itest_setup,
		                                itest_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
