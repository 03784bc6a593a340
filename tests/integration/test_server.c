/* test_server.c: osmo-local's HTTP layer (routes, errors, limits, streams, signals). */
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
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client/api.h"
#include "proc.h"
#include "wait.h"

#define STEST_TIMEOUT_MS 10000

struct stest {
	char dir[64]; /* scratch: the server's state directory lives inside */
	char *state;
	struct proc server;
	struct loop *loop;
	struct http *http;
	struct auth auth;
	struct api *api;
};

/* One raw request's outcome, copied out of the client's callbacks. */
struct stest_reply {
	bool done;
	long status;
	char *content_type;
	struct strbuf body;
	struct api_error err;
	struct strbuf data; /* stream bytes */
	int n_data;         /* on_data calls */
	int64_t first_ms, last_ms;
};

static char *
stest_bin(void)
{
	return xasprintf("%s/bin/osmo-local", proc_build_dir());
}

static void
stest_start_server(struct stest *t)
{
	char *bin = stest_bin();
	char *argv[] = { bin, "--listen", "127.0.0.1:0", "--state", t->state, "--dev-auth", NULL };

	assert_int_equal(proc_start_server(&t->server, argv, STEST_TIMEOUT_MS), 0);
	free(bin);
	t->api = api_new(t->server.url, &t->auth, t->http, t->loop);
}

static int
stest_setup(void **state)
{
	struct stest *t = xcalloc(1, sizeof(*t));

	strlcpy_safe(t->dir, "/tmp/osmo-local-itest-XXXXXX", sizeof(t->dir));
	assert_non_null(mkdtemp(t->dir));
	/* A directory that does not exist yet: the server creates it. */
	t->state = xasprintf("%s/state/osmo-local", t->dir);
	t->server.pid = -1;
	t->loop = loop_new();
	t->http = http_new(API_USER_AGENT);
	loop_add_source(t->loop, &http_source, t->http);
	auth_init_dev(&t->auth, "jdoe");
	setenv("OSMO_LOCAL_TEST_ROUTES", "1", 1);
	stest_start_server(t);
	*state = t;
	return 0;
}

static int
stest_teardown(void **state)
{
	struct stest *t = *state;
	api_free(t->api);
	http_free(t->http);
	loop_free(t->loop);
	auth_free(&t->auth);
	if (t->server.pid > 0)
		assert_int_equal(proc_stop(&t->server, 5000), 0);
	proc_remove_tree(t->dir);
	free(t->state);
	free(t);
	return 0;
}

static void
stest_wait_for(struct stest *t, const bool *done, int timeout_ms)
{
	wait_loop_until(t->loop, done, timeout_ms);
}

/* Drives the loop until a stream has delivered its first line. */
static void
stest_wait_first_line(struct stest *t, const struct stest_reply *r)
{
	int64_t deadline = clock_mono_ms() + STEST_TIMEOUT_MS;

	while (!r->data.len || !strstr(r->data.buf, "line 1\n")) {
		assert_false(r->done);
		wait_loop_step(t->loop, deadline);
	}
}

static void
stest_on_done(void *ctx, const struct http_result *res)
{
	struct stest_reply *r = ctx;

	r->status = res->status;
	r->content_type = res->content_type ? xstrdup(res->content_type) : NULL;
	strbuf_add(&r->body, res->body, res->len);
	r->err = res->err;
	r->done = true;
}

static void
stest_on_data(void *ctx, const char *data, size_t n)
{
	struct stest_reply *r = ctx;
	int64_t now = clock_mono_ms();

	if (!r->n_data++)
		r->first_ms = now;
	r->last_ms = now;
	strbuf_add(&r->data, data, n);
}

static void
stest_reply_free(struct stest_reply *r)
{
	free(r->content_type);
	strbuf_free(&r->body);
	strbuf_free(&r->data);
	memset(r, 0, sizeof(*r));
}

static unsigned long
stest_start(struct stest *t, const char *method, const char *path, const struct strv *headers,
            const char *body, size_t len, bool stream, struct stest_reply *r)
{
	char *url = xasprintf("%s%s", t->server.url, path);
	struct http_spec spec = { .method = method,
		                  .url = url,
		                  .headers = headers,
		                  .body = body,
		                  .body_len = len,
		                  .timeout_ms = stream ? 0 : STEST_TIMEOUT_MS,
		                  .stream = stream,
		                  .on_data = stest_on_data,
		                  .on_done = stest_on_done,
		                  .ctx = r };
	unsigned long id;

	memset(r, 0, sizeof(*r));
	id = http_start(t->http, &spec);
	free(url);
	return id;
}

/* A whole request: method and path, an optional x-osmo-user, an optional body. */
static void
stest_call(struct stest *t, const char *method, const char *path, const char *user,
           const char *body, size_t len, struct stest_reply *r)
{
	struct strv headers = { 0 };

	if (user)
		strv_push_owned(&headers, xasprintf("x-osmo-user: %s", user));
	/* As the clients send every body; others are refused before routing. */
	if (len)
		strv_push(&headers, "Content-Type: application/json");
	stest_start(t, method, path, &headers, body, len, false, r);
	stest_wait_for(t, &r->done, STEST_TIMEOUT_MS);
	assert_int_equal(r->err.kind, API_OK);
	strv_free(&headers);
}

/* Asserts one JSON answer exactly: status, content type and body bytes. */
static void
stest_expect(struct stest *t, const char *method, const char *path, const char *user, long status,
             const char *body)
{
	struct stest_reply r;

	stest_call(t, method, path, user, NULL, 0, &r);
	assert_int_equal(r.status, status);
	assert_string_equal(r.content_type, "application/json");
	assert_string_equal(r.body.buf, body);
	stest_reply_free(&r);
}

static long
stest_stat(struct stest *t, const char *key)
{
	struct stest_reply r;
	char *needle = xasprintf("\"%s\":", key);
	const char *at;
	long v;

	stest_call(t, "GET", "/api/_test/stats", NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	at = strstr(r.body.buf, needle);
	assert_non_null(at);
	v = strtol(at + strlen(needle), NULL, 10);
	free(needle);
	stest_reply_free(&r);
	return v;
}

/* Asks the server until no stream is open, within timeout_ms. */
static void
stest_wait_streams_gone(struct stest *t, int timeout_ms)
{
	int64_t deadline = clock_mono_ms() + timeout_ms;

	while (stest_stat(t, "streams_open") != 0)
		assert_true(clock_mono_ms() < deadline);
}

static void
test_version_through_api(void **state)
{
	struct stest *t = *state;
	struct wait_call w = { 0 };
	struct stat st;

	api_version(t->api, wait_call_cb(&w));
	stest_wait_for(t, &w.done, STEST_TIMEOUT_MS);
	assert_int_equal(w.res.err.kind, API_OK);
	assert_string_equal(w.res.version.major, "6");
	assert_string_equal(w.res.version.minor, "4");
	assert_string_equal(w.res.version.revision, "0");
	assert_string_equal(w.res.version.hash, "osmo-local");
	api_result_free(&w.res);
	/* Key order as the service sends it. */
	stest_expect(
	        t, "GET", "/api/version", NULL, 200,
	        "{\"major\":\"6\",\"minor\":\"4\",\"revision\":\"0\",\"hash\":\"osmo-local\"}");
	/* The state directory was created private. */
	assert_int_equal(stat(t->state, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
}

static void
test_small_endpoints(void **state)
{
	struct stest *t = *state;

	stest_expect(t, "GET", "/health", NULL, 200, "{\"status\":\"OK\"}");
	stest_expect(t, "GET", "/api/profile/settings", "jdoe", 200,
	             "{\"profile\":{\"username\":\"jdoe\",\"email_notification\":false,"
	             "\"slack_notification\":false,\"pool\":\"default\"},\"roles\":[\"osmo-user\"],"
	             "\"pools\":[\"default\"],\"token\":null}");
	/* Without the dev header the local user stands in; a quote in a name stays JSON. */
	stest_expect(t, "GET", "/api/profile/settings", NULL, 200,
	             "{\"profile\":{\"username\":\"osmo-local\",\"email_notification\":false,"
	             "\"slack_notification\":false,\"pool\":\"default\"},\"roles\":[\"osmo-user\"],"
	             "\"pools\":[\"default\"],\"token\":null}");
	stest_expect(t, "GET", "/api/profile/settings", "a\"b\\c", 200,
	             "{\"profile\":{\"username\":\"a\\\"b\\\\c\",\"email_notification\":false,"
	             "\"slack_notification\":false,\"pool\":\"default\"},\"roles\":[\"osmo-user\"],"
	             "\"pools\":[\"default\"],\"token\":null}");
	stest_expect(t, "GET", "/api/auth/login", NULL, 200,
	             "{\"device_endpoint\":null,\"device_client_id\":null,"
	             "\"browser_endpoint\":null,\"browser_client_id\":null,"
	             "\"token_endpoint\":null,\"logout_endpoint\":null}");
	stest_expect(t, "GET", "/api/pool", NULL, 200,
	             "{\"node_sets\":[{\"pools\":[{\"name\":\"default\",\"description\":"
	             "\"osmo-local: this machine\",\"status\":\"ONLINE\"}]}]}");
}

static void
test_errors(void **state)
{
	struct stest *t = *state;

	stest_expect(t, "GET", "/api/nope", NULL, 404, "{\"detail\":\"Not Found\"}");
	stest_expect(t, "GET", "/api/version/extra", NULL, 404, "{\"detail\":\"Not Found\"}");
	stest_expect(t, "GET", "/", NULL, 404, "{\"detail\":\"Not Found\"}");
	stest_expect(t, "POST", "/api/version", NULL, 405, "{\"detail\":\"Method Not Allowed\"}");
	stest_expect(t, "DELETE", "/health", NULL, 405, "{\"detail\":\"Method Not Allowed\"}");
	stest_expect(t, "GET", "/api/pool?all_pools=maybe", NULL, 422,
	             "{\"detail\":[{\"type\":\"bool_parsing\",\"loc\":[\"query\",\"all_pools\"],"
	             "\"msg\":\"Input should be a valid boolean, unable to interpret input\","
	             "\"input\":\"maybe\"}]}");
	stest_expect(t, "GET", "/api/_test/stream?lines=x", NULL, 422,
	             "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"query\",\"lines\"],"
	             "\"msg\":\"Input should be a valid integer, unable to parse string as an "
	             "integer\",\"input\":\"x\"}]}");
}

/* GET /api/pool_quota: the one pool in task slots, the machine in its description; the CLI's
 * "//api/pool_quota" is the same path. */
static void
test_pool_quota(void **state)
{
	struct stest *t = *state;
	static const char *const paths[] = { "/api/pool_quota", "//api/pool_quota?pools=default",
		                             "/api/pool_quota?all_pools=false&pools=default" };
	struct stest_reply r;

	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		stest_call(t, "GET", paths[i], "jdoe", NULL, 0, &r);
		assert_int_equal(r.status, 200);
		assert_non_null(strstr(r.body.buf,
		                       "{\"node_sets\":[{\"pools\":[{\"name\":\"default\","
		                       "\"description\":\"osmo-local: this machine, "
		                       "64 task slots, "));
		assert_non_null(strstr(r.body.buf, " CPUs, "));
		assert_non_null(strstr(r.body.buf,
		                       "\"resource_usage\":{\"quota_used\":\"0\",\"quota_free\":"
		                       "\"64\",\"quota_limit\":\"64\",\"total_usage\":\"0\","
		                       "\"total_capacity\":\"64\",\"total_free\":\"64\"}}]}],"
		                       "\"resource_sum\":{\"quota_used\":\"0\""));
		stest_reply_free(&r);
	}
	stest_expect(t, "GET", "/api/pool_quota?pools=other", NULL, 200,
	             "{\"node_sets\":[],\"resource_sum\":{\"quota_used\":\"0\",\"quota_free\":"
	             "\"0\",\"quota_limit\":\"0\",\"total_usage\":\"0\",\"total_capacity\":"
	             "\"0\",\"total_free\":\"0\"}}");
	stest_expect(t, "GET", "//api//pool?pools=other", NULL, 200, "{\"node_sets\":[]}");
}

static void
test_query_lists_and_bools(void **state)
{
	struct stest *t = *state;
	static const char *const bools[] = { "True", "true", "False", "false", "1", "0" };
	static const char listed[] = "{\"node_sets\":[{\"pools\":[{\"name\":\"default\","
	                             "\"description\":\"osmo-local: this machine\","
	                             "\"status\":\"ONLINE\"}]}]}";

	/* Repeated keys all count: the second value names our pool. */
	stest_expect(t, "GET", "/api/pool?pools=other&pools=default", NULL, 200, listed);
	stest_expect(t, "GET", "/api/pool?pools=other&pools=more", NULL, 200, "{\"node_sets\":[]}");
	/* Percent-encoding is decoded before comparing. */
	stest_expect(t, "GET", "/api/pool?pools=%64efault", NULL, 200, listed);
	for (size_t i = 0; i < ARRAY_SIZE(bools); i++) {
		char *path = xasprintf("/api/pool?all_pools=%s", bools[i]);

		stest_expect(t, "GET", path, NULL, 200, listed);
		free(path);
	}
}

static void
test_body_limit(void **state)
{
	struct stest *t = *state;
	size_t big = (size_t)9 << 20, small = (size_t)1 << 20;
	char *body = xmalloc(big);
	struct stest_reply r;

	memset(body, 'x', big);
	stest_call(t, "POST", "/api/version", NULL, body, big, &r);
	assert_int_equal(r.status, 413);
	assert_string_equal(r.content_type, "application/json");
	assert_string_equal(r.body.buf, "{\"detail\":\"Request Entity Too Large\"}");
	stest_reply_free(&r);
	/* Under the cap the body is read and routing answers. */
	stest_call(t, "POST", "/api/version", NULL, body, small, &r);
	assert_int_equal(r.status, 405);
	stest_reply_free(&r);
	free(body);
	stest_expect(t, "GET", "/health", NULL, 200, "{\"status\":\"OK\"}");
}

static void
test_keep_alive(void **state)
{
	struct stest *t = *state;
	long before = stest_stat(t, "connections_total");

	for (int i = 0; i < 5; i++)
		stest_expect(t, "GET", "/health", NULL, 200, "{\"status\":\"OK\"}");
	/* Every request rode the connection the first stats call opened. */
	assert_int_equal(stest_stat(t, "connections_total"), before);
	assert_int_equal(stest_stat(t, "connections_open"), 1);
}

static void
test_concurrent_requests(void **state)
{
	struct stest *t = *state;
	enum { N = 200 };
	struct stest_reply *r = xcalloc(N, sizeof(*r));

	for (int i = 0; i < N; i++)
		stest_start(t, "GET", i % 2 ? "/api/version" : "/health", NULL, NULL, 0, false,
		            &r[i]);
	for (int i = 0; i < N; i++) {
		stest_wait_for(t, &r[i].done, STEST_TIMEOUT_MS);
		assert_int_equal(r[i].err.kind, API_OK);
		assert_int_equal(r[i].status, 200);
		assert_non_null(strstr(r[i].body.buf, i % 2 ? "osmo-local" : "OK"));
		stest_reply_free(&r[i]);
	}
	free(r);
	assert_true(stest_stat(t, "connections_total") > 1);
}

static void
test_stream_incremental(void **state)
{
	struct stest *t = *state;
	struct stest_reply r;

	stest_start(t, "GET", "/api/_test/stream", NULL, NULL, 0, true, &r);
	stest_wait_for(t, &r.done, STEST_TIMEOUT_MS);
	assert_int_equal(r.err.kind, API_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.content_type, "text/plain; charset=us-ascii");
	assert_non_null(r.data.buf);
	assert_string_equal(r.data.buf, "line 1\nline 2\nline 3\nline 4\nline 5\n");
	/* Five lines 50 ms apart arrive as they are written, not at the end. */
	assert_true(r.n_data >= 3);
	assert_true(r.last_ms - r.first_ms >= 150);
	stest_reply_free(&r);
	stest_wait_streams_gone(t, 3000);
	/* The chunked body ended cleanly, so the connection was kept. */
	assert_int_equal(stest_stat(t, "connections_open"), 1);
}

/* The client leaves after the first line: while idle (hang-up watch) and while writing. */
static void
test_stream_disconnect(void **state)
{
	struct stest *t = *state;
	static const char *const paths[] = {
		"/api/_test/stream?lines=1000&interval_ms=60000",
		"/api/_test/stream?lines=1000&interval_ms=5",
	};

	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		struct stest_reply r;
		unsigned long id = stest_start(t, "GET", paths[i], NULL, NULL, 0, true, &r);

		stest_wait_first_line(t, &r);
		assert_int_equal(stest_stat(t, "streams_open"), 1);
		http_cancel(t->http, id);
		stest_wait_streams_gone(t, 3000);
		stest_reply_free(&r);
	}
	stest_expect(t, "GET", "/health", NULL, 200, "{\"status\":\"OK\"}");
}

static void
test_sigterm_with_open_stream(void **state)
{
	struct stest *t = *state;
	struct stest_reply r;
	int64_t start;

	stest_start(t, "GET", "/api/_test/stream?lines=1000&interval_ms=60000", NULL, NULL, 0, true,
	            &r);
	stest_wait_first_line(t, &r);
	start = clock_mono_ms();
	assert_int_equal(proc_stop(&t->server, 2000), 0);
	assert_true(clock_mono_ms() - start < 2000);
	/* The stream is cut: the client hears about it instead of hanging. */
	stest_wait_for(t, &r.done, 2000);
	assert_string_equal(r.data.buf, "line 1\n");
	stest_reply_free(&r);
}

static void
test_command_line(void **state)
{
	struct stest *t = *state;
	char *bin = stest_bin();
	char *xdg = xasprintf("%s/xdg", t->dir);
	char *want = xasprintf("%s/xdg/osmo-local", t->dir);
	const char *port = strrchr(t->server.url, ':') + 1;
	char *taken = xasprintf("127.0.0.1:%s", port);
	char *out = NULL, *err = NULL;
	struct proc p = { .pid = -1 };
	struct stat st;

	char *bogus[] = { bin, "--bogus", NULL };
	assert_int_equal(proc_run(bogus, STEST_TIMEOUT_MS, &out, &err), 2);
	assert_non_null(strstr(err, "unknown option"));
	free(out);
	free(err);

	char *remote[] = {
		bin, "--listen", "10.1.2.3:80", "--state", t->state, "--dev-auth", NULL
	};
	assert_int_equal(proc_run(remote, STEST_TIMEOUT_MS, &out, &err), 2);
	assert_non_null(strstr(err, "loopback"));
	free(out);
	free(err);

	char *help[] = { bin, "--help", NULL };
	assert_int_equal(proc_run(help, STEST_TIMEOUT_MS, &out, &err), 0);
	assert_non_null(strstr(out, "--listen"));
	free(out);
	free(err);

	/* The port is taken by the running server: a startup error, not a hang. */
	char *busy[] = { bin, "--listen", taken, "--state", t->state, "--dev-auth", NULL };
	assert_int_equal(proc_run(busy, STEST_TIMEOUT_MS, &out, &err), 1);
	assert_non_null(strstr(err, "cannot listen"));
	free(out);
	free(err);

	/* Without --state: $XDG_STATE_HOME/osmo-local, created private; --pool names the pool. */
	char *dflt[] = { bin, "--listen=127.0.0.1:0", "--pool", "gpu-box", NULL };
	setenv("XDG_STATE_HOME", xdg, 1);
	int started = proc_start_server(&p, dflt, STEST_TIMEOUT_MS);
	int st_rc = stat(want, &st);
	bool loopback = strncmp(p.url, "http://127.0.0.1:", 17) == 0;

	/* Stopped (by PID) and the environment restored before any check can fail. */
	unsetenv("XDG_STATE_HOME");
	int stopped = proc_stop(&p, 2000);

	assert_int_equal(started, 0);
	assert_int_equal(stopped, 0);
	assert_int_equal(st_rc, 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_true(loopback);

	free(bin);
	free(xdg);
	free(want);
	free(taken);
}

/* A test process that dies without its teardown leaves no osmo-local behind. */
static void
test_server_dies_with_its_test(void **state)
{
	struct stest *t = *state;
	char *bin = stest_bin();
	char *state_dir = xasprintf("%s/orphan", t->dir);
	char *argv[] = { bin, "--listen", "127.0.0.1:0", "--state", state_dir, "--dev-auth", NULL };
	int fds[2], status = 0;
	pid_t server = -1, child;
	int64_t deadline;

	assert_int_equal(pipe(fds), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		/* The "test": starts a server, reports its PID, then dies as a failed setup would. */
		struct proc p = { .pid = -1 };

		if (proc_start_server(&p, argv, STEST_TIMEOUT_MS) == 0 &&
		    write(fds[1], &p.pid, sizeof(p.pid)) == (ssize_t)sizeof(p.pid))
			_exit(0);
		_exit(1);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &server, sizeof(server)), (ssize_t)sizeof(server));
	close(fds[0]);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	deadline = clock_mono_ms() + STEST_TIMEOUT_MS;
	while (proc_alive(server) && clock_mono_ms() < deadline) {
		struct pollfd none = { .fd = -1 };

		poll(&none, 1, 20); /* nothing to wait on but another process's end */
	}
	if (proc_alive(server)) {
		kill(server, SIGKILL);
		fail_msg("osmo-local %d outlived the process that started it", (int)server);
	}
	free(state_dir);
	free(bin);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_version_through_api, stest_setup,
		                                stest_teardown),
		cmocka_unit_test_setup_teardown(test_small_endpoints, stest_setup, stest_teardown),
		cmocka_unit_test_setup_teardown(test_errors, stest_setup, stest_teardown),
		cmocka_unit_test_setup_teardown(test_pool_quota, stest_setup, stest_teardown),
		cmocka_unit_test_setup_teardown(test_query_lists_and_bools, stest_setup,
		                                stest_teardown),
		cmocka_unit_test_setup_teardown(test_body_limit, stest_setup, stest_teardown),
		cmocka_unit_test_setup_teardown(test_keep_alive, stest_setup, stest_teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_requests, stest_setup,
		                                stest_teardown),
		cmocka_unit_test_setup_teardown(test_stream_incremental, stest_setup,
		                                stest_teardown),
		cmocka_unit_test_setup_teardown(test_stream_disconnect, stest_setup,
		                                stest_teardown),
		cmocka_unit_test_setup_teardown(test_sigterm_with_open_stream, stest_setup,
		                                stest_teardown),
		cmocka_unit_test_setup_teardown(test_command_line, stest_setup, stest_teardown),
		cmocka_unit_test_setup_teardown(test_server_dies_with_its_test, stest_setup,
		                                stest_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
