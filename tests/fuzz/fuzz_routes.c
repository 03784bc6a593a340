/*
 * fuzz_routes.c: osmo-local's request handling without sockets: requests written as HTTP
 * ("METHOD /path?query", headers, a blank line, the body; "%%" lines between requests) go
 * through the access gate and every route over a fresh state directory. A JSON answer must
 * parse. The engine's timers never run, so no task starts.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/loop.h"
#include "common/util.h"
#include "fuzz.h"
#include "server/access.h"
#include "server/engine.h"
#include "server/http.h"
#include "server/router.h"
#include "server/routes.h"

#define FUZZ_ROUTES_MAX 12         /* requests per input */
#define FUZZ_ROUTES_T0  1787140800 /* the access gate's clock */

/* The server under test, made anew for each input. */
struct fuzz_server {
	char *dir;
	struct loop *loop;
	struct server_http *http;
	struct access *access;
	struct engine *engine;
	struct router *router;
	struct routes_config routes;
};

static int64_t
fuzz_routes_now(void *ctx)
{
	(void)ctx;
	return FUZZ_ROUTES_T0;
}

static void
fuzz_routes_open(struct fuzz_server *s)
{
	struct access_config acfg = { .user = "jdoe",
		                      .host = "127.0.0.1",
		                      .port = 8080,
		                      .dev_auth = true,
		                      .now_s = fuzz_routes_now };
	struct engine_config ecfg = { .pool = "default",
		                      .base_url = "http://127.0.0.1:8080",
		                      .slots = 4,
		                      .phase_ms = 3600000 };
	struct router_config rcfg = { .address = "ws://127.0.0.1:8080" };
	struct engine_error eerr = { 0 };
	char *err = NULL, *warning = NULL;

	s->dir = fuzz_mkdir();
	s->loop = loop_new();
	s->http = server_http_new(NULL, 0, &err);
	acfg.state_dir = ecfg.state_dir = s->dir;
	s->access = access_new(&acfg, &err, &warning);
	ecfg.loop = rcfg.loop = s->loop;
	s->engine = engine_new(&ecfg, &eerr);
	if (!s->http || !s->access || !s->engine)
		abort();
	free(warning);
	rcfg.engine = s->engine;
	s->router = router_new(&rcfg);
	s->routes = (struct routes_config){
		.http = s->http, .loop = s->loop, .engine = s->engine, .router = s->router
	};
	access_add_routes(s->http, s->access);
	routes_add(&s->routes);
	router_add_routes(s->http, s->router);
}

static void
fuzz_routes_close(struct fuzz_server *s)
{
	router_free(s->router);
	engine_shutdown(s->engine);
	server_http_free(s->http);
	engine_free(s->engine);
	access_free(s->access);
	loop_free(s->loop);
	fuzz_rmdir(s->dir);
}

/* Adds "k=v" (or a bare "k") to kvs. */
static void
fuzz_routes_kv(struct server_http_kvs *kvs, const char *s, size_t n, char sep)
{
	const char *eq = memchr(s, sep, n);
	size_t kn = eq ? (size_t)(eq - s) : n;

	kvs->v = xreallocarray(kvs->v, kvs->n + 1, sizeof(*kvs->v));
	kvs->v[kvs->n].key = xstrndup(s, kn);
	kvs->v[kvs->n].value = eq ? xstrndup(eq + 1, n - kn - 1) : xstrdup("");
	kvs->n++;
}

static void
fuzz_routes_kvs_free(struct server_http_kvs *kvs)
{
	for (size_t i = 0; i < kvs->n; i++) {
		free(kvs->v[i].key);
		free(kvs->v[i].value);
	}
	free(kvs->v);
}

/* One request from text (NUL-terminated, edited in place), answered and checked. */
static void
fuzz_routes_request(struct fuzz_server *s, char *text)
{
	struct server_http_request req = { 0 };
	struct server_http_response res = { 0 };
	char *line = text, *end = strchr(line, '\n'), *sp, *q;
	char *jwt = NULL;

	if (end)
		*end = '\0';
	sp = strchr(line, ' ');
	if (!sp)
		return;
	*sp = '\0';
	req.method = line;
	req.path = sp + 1;
	q = strchr(sp + 1, '?');
	if (q) {
		*q++ = '\0';
		for (char *a = q, *amp; *a; a = amp + 1) {
			amp = a + strcspn(a, "&");
			fuzz_routes_kv(&req.query, a, (size_t)(amp - a), '=');
			if (!*amp)
				break;
		}
	}
	req.body = "";
	for (line = end ? end + 1 : NULL; line; line = end ? end + 1 : NULL) {
		end = strchr(line, '\n');
		if (end)
			*end = '\0';
		if (!*line) {
			req.body = end ? end + 1 : "";
			break;
		}
		/* "Authorization: Bearer @jwt" stands for a good JWT of the owner's. */
		if (strcmp(line, "Authorization: Bearer @jwt") == 0) {
			char *a = access_jwt_new(s->access);

			free(jwt);
			jwt = xasprintf("Authorization: Bearer %s", a);
			free(a);
			line = jwt;
		}
		fuzz_routes_kv(&req.headers, line, strlen(line), ':');
		if (req.headers.v[req.headers.n - 1].value[0] == ' ')
			memmove(req.headers.v[req.headers.n - 1].value,
			        req.headers.v[req.headers.n - 1].value + 1,
			        strlen(req.headers.v[req.headers.n - 1].value));
	}
	req.body_len = strlen(req.body);
	server_http_handle(s->http, &req, &res);
	/* FUZZ_DEBUG=1: each answer, when reading what an input did. */
	if (getenv("FUZZ_DEBUG"))
		fprintf(stderr, "%s %s -> %d %.200s\n", req.method, req.path, res.status,
		        res.body.buf ? res.body.buf : "");
	if (res.content_type && strcmp(res.content_type, SERVER_HTTP_JSON) == 0 && !res.stream) {
		cJSON *json = cJSON_ParseWithLength(res.body.buf ? res.body.buf : "", res.body.len);

		if (!json)
			abort();
		cJSON_Delete(json);
	}
	server_http_response_free(&res);
	fuzz_routes_kvs_free(&req.query);
	fuzz_routes_kvs_free(&req.headers);
	free(jwt);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), *next = text;
	struct fuzz_server s = { 0 };

	fuzz_routes_open(&s);
	for (int i = 0; i < FUZZ_ROUTES_MAX && next; i++) {
		char *req = next, *sep = strstr(next, "\n%%\n");

		next = NULL;
		if (sep) {
			*sep = '\0';
			next = sep + 4;
		}
		fuzz_routes_request(&s, req);
	}
	fuzz_routes_close(&s);
	free(text);
	return 0;
}
