/* test_api_router.c: exec and port-forward start calls, router URLs and cookies (api.h). */
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
#include <sys/socket.h>
#include <unistd.h>

#include "client/api.h"
#include "client/decode.h"
#include "client/auth.h"
#include "client/http.h"
#include "lfix.h"
#include "common/util.h"

static void
test_decode_target(void **state)
{
	static const char body[] = "{\"router_address\": \"wss://gw.example.com/\", \"key\": "
	                           "\"EXEC-0123\", \"cookie\": \"AWSALB=x; Path=/\"}";
	struct osmo_router_target *t = NULL;
	size_t n = 0;
	struct api_error err = { 0 };

	(void)state;
	assert_int_equal(decode_router_target(body, strlen(body), &t, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_null(t[0].task);
	/* No trailing slash, so a path can be appended. */
	assert_string_equal(t[0].router_address, "wss://gw.example.com");
	assert_string_equal(t[0].key, "EXEC-0123");
	assert_string_equal(t[0].cookie, "AWSALB=x; Path=/");
	osmo_router_targets_free(t, n);
}

static void
test_decode_target_cookie_optional(void **state)
{
	static const char *bodies[] = {
		"{\"router_address\": \"ws://r\", \"key\": \"K\"}",
		"{\"router_address\": \"ws://r\", \"key\": \"K\", \"cookie\": null}",
		"{\"router_address\": \"ws://r\", \"key\": \"K\", \"cookie\": \"\"}",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bodies); i++) {
		struct osmo_router_target *t = NULL;
		size_t n = 0;
		struct api_error err = { 0 };

		assert_int_equal(decode_router_target(bodies[i], strlen(bodies[i]), &t, &n, &err),
		                 0);
		assert_string_equal(t[0].cookie, "");
		osmo_router_targets_free(t, n);
	}
}

static void
test_decode_target_bad(void **state)
{
	static const struct {
		const char *body, *needle;
	} cases[] = {
		{ "", "empty response body" },
		{ "[]", "expected an object" },
		{ "{\"key\": \"K\"}", "router_address" },
		{ "{\"router_address\": \"https://r\", \"key\": \"K\"}", "router_address" },
		{ "{\"router_address\": \"ws://r\"}", "key" },
		{ "{\"router_address\": \"ws://r\", \"key\": \"\"}", "key" },
		{ "{\"router_address\": \"ws://r\", \"key\": 5}", "key" },
		{ "{\"router_address\": \"ws://r\", \"key\": \"K\", \"cookie\": 1}", "cookie" },
		/* A cookie with CR LF would add headers to the upgrade. */
		{ "{\"router_address\": \"ws://r\", \"key\": \"K\", \"cookie\": \"a\\r\\nX: y\"}",
		  "cookie" },
		{ "{\"router_address\": \"ws://r\\n\", \"key\": \"K\"}", "router_address" },
		{ "{\"router_address\": \"ws://r\", \"key\": \"K\"} x", "after JSON" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct osmo_router_target *t = (void *)1;
		size_t n = 9;
		struct api_error err = { 0 };

		assert_int_equal(
		        decode_router_target(cases[i].body, strlen(cases[i].body), &t, &n, &err),
		        -1);
		assert_null(t);
		assert_int_equal(n, 0);
		assert_int_equal(err.kind, API_ERR_DECODE);
		if (!strstr(err.message, cases[i].needle))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.message, cases[i].needle);
	}
}

static void
test_decode_group_and_list(void **state)
{
	static const char map[] =
	        "{\"task-b\": {\"router_address\": \"ws://r\", \"key\": \"EXEC-b\"},"
	        " \"task-a\": {\"router_address\": \"ws://r\", \"key\": \"EXEC-a\","
	        " \"cookie\": \"c\"}}";
	static const char list[] =
	        "[{\"router_address\": \"wss://r\", \"key\": \"PORTFORWARD-1\"},"
	        " {\"router_address\": \"wss://r\", \"key\": \"PORTFORWARD-2\"}]";
	static const char bad[] =
	        "[{\"router_address\": \"wss://r\", \"key\": \"P1\"}, {\"key\": 1}]";
	struct osmo_router_target *t = NULL;
	size_t n = 0;
	struct api_error err = { 0 };

	(void)state;
	assert_int_equal(decode_router_target_map(map, strlen(map), &t, &n, &err), 0);
	assert_int_equal(n, 2);
	/* The body's order. */
	assert_string_equal(t[0].task, "task-b");
	assert_string_equal(t[0].key, "EXEC-b");
	assert_string_equal(t[1].task, "task-a");
	assert_string_equal(t[1].cookie, "c");
	osmo_router_targets_free(t, n);
	assert_int_equal(decode_router_target_list(list, strlen(list), &t, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_null(t[0].task);
	assert_string_equal(t[0].key, "PORTFORWARD-1");
	assert_string_equal(t[1].key, "PORTFORWARD-2");
	osmo_router_targets_free(t, n);
	assert_int_equal(decode_router_target_list(bad, strlen(bad), &t, &n, &err), -1);
	assert_non_null(strstr(err.message, "[1].router_address"));
	assert_int_equal(decode_router_target_list(map, strlen(map), &t, &n, &err), -1);
	assert_int_equal(decode_router_target_map(list, strlen(list), &t, &n, &err), -1);
	assert_int_equal(decode_router_target_map("{}", 2, &t, &n, &err), 0);
	assert_int_equal(n, 0);
	osmo_router_targets_free(t, n);
}

static void
test_router_url(void **state)
{
	char *u;

	(void)state;
	u = api_router_url("wss://gw.example.com", API_ROUTER_EXEC, "wf-12", "EXEC-ab12");
	assert_string_equal(u, "wss://gw.example.com/api/router/exec/wf-12/client/EXEC-ab12");
	free(u);
	u = api_router_url("ws://127.0.0.1:8080//", API_ROUTER_PORTFORWARD, "a b/c", "K?x");
	assert_string_equal(u, "ws://127.0.0.1:8080/api/router/portforward/a%20b%2Fc/client/K%3Fx");
	free(u);
}

static char *
cookie_of(const char *const *set, size_t n, const char *path)
{
	struct strv sv = { 0 };
	char *out;

	for (size_t i = 0; i < n; i++)
		strv_push(&sv, set[i]);
	out = api_cookie_header(&sv, path);
	strv_free(&sv);
	return out;
}

static void
test_cookie_header(void **state)
{
	/* The ALB pair from PROTOCOLS.md §4. */
	static const char *const alb[] = {
		"AWSALB=primary; Expires=Tue, 01 Dec 2026 00:00:00 GMT; Path=/",
		"AWSALBCORS=cors; Expires=Tue, 01 Dec 2026 00:00:00 GMT; Path=/; SameSite=None; "
		"Secure",
	};
	/* Envoy's generated cookie: no Path, so the request's directory. */
	static const char *const envoy[] = { "_osmo_router_affinity=\"9f2c\"; HttpOnly" };
	static const char *const replaced[] = {
		"a=1; Path=/",
		"b=2",
		"a=3; path=/; samesite=Lax; secure",
		"b=; Max-Age=0",
		"junk without equals",
		"=nameless",
	};
	char *c;

	(void)state;
	c = cookie_of(alb, ARRAY_SIZE(alb), "/api/router/version");
	assert_string_equal(
	        c, "AWSALB=primary; Path=/, AWSALBCORS=cors; Path=/; SameSite=None; Secure");
	free(c);
	c = cookie_of(envoy, ARRAY_SIZE(envoy), "/api/router/version");
	assert_string_equal(c, "_osmo_router_affinity=\"9f2c\"; Path=/api/router");
	free(c);
	/* A later cookie of the same name and path replaces the earlier in place; Max-Age=0 drops. */
	c = cookie_of(replaced, ARRAY_SIZE(replaced), "/version");
	assert_string_equal(c, "a=3; Path=/; SameSite=Lax; Secure");
	free(c);
	c = cookie_of(NULL, 0, "/api/router/version");
	assert_string_equal(c, "");
	free(c);
	c = api_cookie_header(NULL, "/api/router/version");
	assert_string_equal(c, "");
	free(c);
}

/* A one-shot HTTP responder on 127.0.0.1, serviced in the same poll loop as the client. */
struct responder {
	int listen_fd, fd;
	int port;
	const char *answer; /* the whole response; the connection closes after it */
	struct strbuf req;
	bool answered;
};

static void
responder_start(struct responder *r, const char *answer)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->answer = answer;
	r->listen_fd = lfix_listen(&r->port);
}

static void
responder_stop(struct responder *r)
{
	if (r->fd >= 0)
		close(r->fd);
	close(r->listen_fd);
	strbuf_free(&r->req);
}

static void
responder_service(struct responder *r, short revents)
{
	char buf[4096];
	ssize_t n;

	if (r->fd < 0) {
		if (revents & POLLIN)
			r->fd = accept(r->listen_fd, NULL, NULL);
		return;
	}
	while ((n = recv(r->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		strbuf_add(&r->req, buf, (size_t)n);
	/* The start calls' bodies are empty: the headers are the whole request. */
	if (!r->answered && r->req.buf && strstr(r->req.buf, "\r\n\r\n")) {
		assert_int_equal(send(r->fd, r->answer, strlen(r->answer), MSG_NOSIGNAL),
		                 (ssize_t)strlen(r->answer));
		r->answered = true;
		shutdown(r->fd, SHUT_WR);
	}
}

struct outcome {
	struct api_result res;
	bool done;
};

static void
outcome_done(void *ctx, struct api_result *res)
{
	struct outcome *o = ctx;

	o->res = *res;
	o->done = true;
}

/* Clears o and returns the callbacks that fill it. */
static struct api_callbacks
outcome_cb(struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	return (struct api_callbacks){ .done = outcome_done, .ctx = o };
}

static void
drive_revents(void *ctx, int fd, short revents)
{
	(void)fd;
	*(short *)ctx = revents;
}

/* Runs loop rounds of at most 20 ms, serving the responder after each, until o is done. */
static void
drive(struct loop *l, struct responder *r, struct outcome *o)
{
	int64_t deadline = clock_mono_ms() + 5000;

	while (!o->done) {
		short revents = 0;
		unsigned long id = loop_add_fd(l, r->fd >= 0 ? r->fd : r->listen_fd, POLLIN,
		                               drive_revents, &revents);

		if (clock_mono_ms() > deadline)
			fail_msg("no answer within 5 s");
		assert_int_equal(loop_run_once(l, 20), 0);
		loop_remove(l, id);
		responder_service(r, revents);
	}
}

/* A whole response with its Content-Length; the connection closes after it. */
static void
answer_of(char *out, size_t cap, const char *status, const char *body)
{
	snprintf(out, cap,
	         "HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
	         "Connection: close\r\n\r\n%s",
	         status, strlen(body), body);
}

struct setup {
	struct loop *loop;
	struct http *http;
	struct auth auth;
	struct api *api;
	struct responder r;
	char base[64];
};

static void
setup_start(struct setup *s, const char *answer)
{
	responder_start(&s->r, answer);
	snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%d", s->r.port);
	s->loop = loop_new();
	s->http = http_new(API_USER_AGENT);
	loop_add_source(s->loop, &http_source, s->http);
	auth_init_dev(&s->auth, "alice");
	s->api = api_new(s->base, &s->auth, s->http, s->loop);
}

static void
setup_stop(struct setup *s)
{
	api_free(s->api);
	auth_free(&s->auth);
	http_free(s->http);
	loop_free(s->loop);
	responder_stop(&s->r);
}

/*
 * A call whose outcome is known at once still hands back a live id and completes from the
 * loop: done has not run when the call returns, and runs in the next round.
 */
static void
test_call_done_at_once_completes_from_loop(void **state)
{
	struct loop *loop = loop_new();
	struct http *http = http_new(API_USER_AGENT);
	struct auth auth = { 0 };
	struct api *api;
	struct api_list_query q = { .limit = 10 };
	struct outcome o;
	unsigned long id;

	(void)state;
	/* An expired token whose refresh cannot even start (plain http): every call fails at once. */
	auth.login.kind = LOGIN_TOKEN;
	auth.login.url = xstrdup("http://127.0.0.1:9");
	auth.login.id_token = xstrdup("x.eyJleHAiOjF9.y");
	auth.login.refresh_token = xstrdup("r");
	auth.login.refresh_url = xstrdup("http://127.0.0.1:9/refresh");
	auth.exp_s = 1;
	api = api_new("http://127.0.0.1:9", &auth, http, loop);
	id = api_list(api, &q, outcome_cb(&o));
	assert_int_not_equal(id, 0);
	assert_false(o.done);
	assert_int_equal(api_pending(api), 1);
	assert_int_equal(loop_run_once(loop, 1000), 0);
	assert_true(o.done);
	assert_int_equal(api_pending(api), 0);
	assert_int_not_equal(o.res.err.kind, API_OK);
	api_result_free(&o.res);
	api_free(api);
	auth_free(&auth);
	/* A dev login needs no refresh: an upgrade's headers are ready, yet come from the loop. */
	auth_init_dev(&auth, "alice");
	api = api_new("http://127.0.0.1:9", &auth, http, loop);
	assert_int_not_equal(api_upgrade_headers(api, "c=1", outcome_cb(&o)), 0);
	assert_false(o.done);
	assert_int_equal(loop_run_once(loop, 1000), 0);
	assert_true(o.done);
	assert_int_equal(o.res.err.kind, API_OK);
	api_result_free(&o.res);
	/* Aborted before the loop delivers it: done never runs. */
	id = api_upgrade_headers(api, "c=1", outcome_cb(&o));
	api_abort(api, id);
	assert_int_equal(loop_run_once(loop, 0), 0);
	assert_false(o.done);
	assert_int_equal(api_pending(api), 0);
	api_free(api);
	auth_free(&auth);
	http_free(http);
	loop_free(loop);
}

static void
test_exec_task_call(void **state)
{
	static const char body[] =
	        "{\"router_address\": \"ws://127.0.0.1:9\", \"key\": \"EXEC-1\", \"cookie\": \"\"}";
	char answer[512];
	struct setup s;
	struct outcome o;

	(void)state;
	answer_of(answer, sizeof(answer), "200 OK", body);
	setup_start(&s, answer);
	api_exec_task(s.api, "wf 1", "task/a", "bash -c 'ls | wc'", outcome_cb(&o));
	drive(s.loop, &s.r, &o);
	assert_int_equal(o.res.err.kind, API_OK);
	assert_int_equal(o.res.kind, API_EXEC);
	assert_int_equal(o.res.n_targets, 1);
	assert_string_equal(o.res.targets[0].key, "EXEC-1");
	/* Parameters in the query, segments escaped, an empty body, the dev user. */
	assert_true(str_starts_with(s.r.req.buf,
	                            "POST /api/workflow/wf%201/exec/task/task%2Fa?entry_command="
	                            "bash%20-c%20%27ls%20%7C%20wc%27 HTTP/1.1\r\n"));
	assert_non_null(strstr(s.r.req.buf, "\r\nContent-Length: 0\r\n"));
	assert_non_null(strstr(s.r.req.buf, "\r\nx-osmo-user: alice\r\n"));
	api_result_free(&o.res);
	setup_stop(&s);
}

static void
test_port_forward_call(void **state)
{
	static const char body[] = "[{\"router_address\": \"ws://r\", \"key\": \"PORTFORWARD-1\"},"
	                           "{\"router_address\": \"ws://r\", \"key\": \"PORTFORWARD-2\"}]";
	static const int ports[] = { 8000, 9000 };
	char answer[512];
	struct setup s;
	struct outcome o;

	(void)state;
	answer_of(answer, sizeof(answer), "200 OK", body);
	setup_start(&s, answer);
	api_port_forward(s.api, "wf-1", "t", ports, 2, true, outcome_cb(&o));
	drive(s.loop, &s.r, &o);
	assert_int_equal(o.res.err.kind, API_OK);
	assert_int_equal(o.res.n_targets, 2);
	assert_string_equal(o.res.targets[1].key, "PORTFORWARD-2");
	assert_true(str_starts_with(s.r.req.buf,
	                            "POST /api/workflow/wf-1/portforward/t?task_ports=8000&"
	                            "task_ports=9000&use_udp=true HTTP/1.1\r\n"));
	api_result_free(&o.res);
	setup_stop(&s);
}

static void
test_start_call_errors_keep_status(void **state)
{
	static const struct {
		const char *status, *body;
		long code;
		enum api_error_kind kind;
	} cases[] = {
		{ "425 Too Early",
		  "{\"message\": \"Workflow wf-1 is not running yet\", \"error_code\": \"USER\"}",
		  425, API_ERR_HTTP },
		{ "404 Not Found", "{}", 404, API_ERR_HTTP },
		{ "410 Gone", "{}", 410, API_ERR_HTTP },
		{ "422 Unprocessable Entity", "{}", 422, API_ERR_HTTP },
		{ "503 Service Unavailable", "", 503, API_ERR_HTTP },
		{ "403 Forbidden", "", 403, API_ERR_AUTH },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct setup s;
		struct outcome o;
		char answer[512];

		answer_of(answer, sizeof(answer), cases[i].status, cases[i].body);
		setup_start(&s, answer);
		api_exec_task(s.api, "wf-1", "t", NULL, outcome_cb(&o));
		drive(s.loop, &s.r, &o);
		assert_int_equal(o.res.err.kind, cases[i].kind);
		assert_int_equal(o.res.err.http_status, cases[i].code);
		assert_int_equal(o.res.n_targets, 0);
		/* The CLI's default command. */
		assert_non_null(strstr(s.r.req.buf, "?entry_command=%2Fbin%2Fbash "));
		api_result_free(&o.res);
		setup_stop(&s);
	}
}

static void
test_router_cookie_call(void **state)
{
	static const char answer[] =
	        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
	        "Set-Cookie: AWSALB=primary; Path=/\r\n"
	        "set-cookie: AWSALBCORS=cors; Path=/; SameSite=None; Secure\r\n"
	        "Connection: close\r\n\r\n1.2.3";
	struct setup s;
	struct outcome o;
	char router[64];

	(void)state;
	setup_start(&s, answer);
	snprintf(router, sizeof(router), "ws://127.0.0.1:%d/", s.r.port);
	api_router_cookie(s.api, router, outcome_cb(&o));
	drive(s.loop, &s.r, &o);
	assert_int_equal(o.res.err.kind, API_OK);
	assert_string_equal(
	        o.res.cookie,
	        "AWSALB=primary; Path=/, AWSALBCORS=cors; Path=/; SameSite=None; Secure");
	assert_true(str_starts_with(s.r.req.buf, "GET /api/router/version HTTP/1.1\r\n"));
	/* Unauthenticated: no credentials go to the router's probe. */
	assert_null(strstr(s.r.req.buf, "x-osmo-user"));
	assert_null(strstr(s.r.req.buf, "Authorization"));
	api_result_free(&o.res);
	setup_stop(&s);
}

static void
test_router_cookie_refused_address(void **state)
{
	struct setup s;
	struct outcome o;

	(void)state;
	setup_start(&s, "");
	assert_int_not_equal(api_router_cookie(s.api, "https://r", outcome_cb(&o)), 0);
	assert_false(o.done); /* refused, but told from the loop */
	drive(s.loop, &s.r, &o);
	assert_int_equal(o.res.err.kind, API_ERR_USAGE);
	api_result_free(&o.res);
	setup_stop(&s);
}

static void
test_upgrade_headers(void **state)
{
	struct setup s;
	struct outcome o;

	(void)state;
	setup_start(&s, "");
	api_upgrade_headers(s.api, "AWSALB=primary; Path=/", outcome_cb(&o));
	/* No token to refresh: ready in the next round, without a request. */
	assert_false(o.done);
	drive(s.loop, &s.r, &o);
	assert_null(s.r.req.buf);
	assert_int_equal(o.res.err.kind, API_OK);
	assert_int_equal(o.res.headers.n, 3);
	assert_string_equal(o.res.headers.v[0], "x-osmo-user: alice");
	assert_string_equal(o.res.headers.v[1], "Cookie: AWSALB=primary; Path=/");
	assert_string_equal(o.res.headers.v[2], "User-Agent: " API_USER_AGENT);
	assert_int_equal(api_pending(s.api), 0);
	api_result_free(&o.res);
	/* An empty cookie sends no Cookie header. */
	api_upgrade_headers(s.api, "", outcome_cb(&o));
	drive(s.loop, &s.r, &o);
	assert_int_equal(o.res.headers.n, 2);
	api_result_free(&o.res);
	setup_stop(&s);
}

static void
test_usage_errors(void **state)
{
	static const int bad_ports[] = { 0 };
	struct setup s;
	struct outcome o;

	(void)state;
	setup_start(&s, "");
	api_port_forward(s.api, "w", "t", bad_ports, 1, false, outcome_cb(&o));
	assert_false(o.done);
	drive(s.loop, &s.r, &o);
	assert_int_equal(o.res.err.kind, API_ERR_USAGE);
	api_result_free(&o.res);
	api_port_forward(s.api, "w", "t", NULL, 0, false, outcome_cb(&o));
	assert_false(o.done);
	drive(s.loop, &s.r, &o);
	assert_int_equal(o.res.err.kind, API_ERR_USAGE);
	api_result_free(&o.res);
	api_exec_group(s.api, "w", "g", "", outcome_cb(&o));
	assert_false(o.done);
	drive(s.loop, &s.r, &o);
	assert_int_equal(o.res.err.kind, API_ERR_USAGE);
	api_result_free(&o.res);
	assert_int_equal(api_pending(s.api), 0);
	setup_stop(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_target),
		cmocka_unit_test(test_decode_target_cookie_optional),
		cmocka_unit_test(test_decode_target_bad),
		cmocka_unit_test(test_decode_group_and_list),
		cmocka_unit_test(test_router_url),
		cmocka_unit_test(test_cookie_header),
		cmocka_unit_test(test_call_done_at_once_completes_from_loop),
		cmocka_unit_test(test_exec_task_call),
		cmocka_unit_test(test_port_forward_call),
		cmocka_unit_test(test_start_call_errors_keep_status),
		cmocka_unit_test(test_router_cookie_call),
		cmocka_unit_test(test_router_cookie_refused_address),
		cmocka_unit_test(test_upgrade_headers),
		cmocka_unit_test(test_usage_errors),
	};

	/* The calls go to 127.0.0.1: no proxy from the environment. */
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
