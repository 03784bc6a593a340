/* router.c: osmo-local's router: single-use keys, the client-leg WebSockets and their backends. */
#include "server/router.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#include "server/router_exec.h"
#include "server/router_forward.h"
#include "common/util.h"
#include "server/ws.h"

/* What a key opens: the start call's three kinds and the connection keys of TCP control legs. */
enum router_kind { ROUTER_KIND_EXEC, ROUTER_KIND_CONTROL, ROUTER_KIND_UDP, ROUTER_KIND_DATA };

static const struct {
	enum router_action action; /* the path segment it is opened on */
	const struct router_backend *(*backend)(void);
} router_kinds[] = {
	[ROUTER_KIND_EXEC] = { ROUTER_EXEC, router_exec_backend },
	[ROUTER_KIND_CONTROL] = { ROUTER_PORTFORWARD, router_forward_control_backend },
	[ROUTER_KIND_UDP] = { ROUTER_PORTFORWARD, router_forward_udp_backend },
	[ROUTER_KIND_DATA] = { ROUTER_PORTFORWARD, router_forward_tcp_backend },
};

/* The key prefix of each action: ActionType's name in the service. */
static const char *const router_action_names[] = {
	[ROUTER_EXEC] = "EXEC",
	[ROUTER_PORTFORWARD] = "PORTFORWARD",
};

/* A router_target's own copy. */
struct router_dest {
	char *workflow, *task, *entry_command;
	struct router_target view; /* points into the strings above */
};

struct router_key {
	struct router *r;
	char key[ROUTER_KEY_MAX + 1];
	enum router_kind kind;
	struct router_dest dest;
	unsigned long timer;
	struct router_key *next;
};

struct router_conn {
	struct router *r; /* NULL: the router is gone and the upgrade still pending */
	enum router_kind kind;
	struct router_dest dest;
	const struct router_backend *be;
	void *b;
	struct ws *ws;  /* set once the leg is open */
	bool closing;   /* a close frame is on its way (or will be, once open) */
	int close_code; /* for a leg closed before it opened */
	bool paused;    /* router_conn_hold stopped reading the client */
	struct router_conn *prev, *next;
};

struct router_child {
	pid_t pid;
	void (*exited)(void *ctx, int status);
	void *ctx;
};

struct router {
	struct loop *loop;
	struct engine *engine;
	char *address;
	int64_t key_ttl_ms;
	struct router_key *keys;
	struct router_conn *conns;
	struct router_child *children;
	size_t n_children;
};

/* ------------------------------------------------------------------ keys */

static void
router_dest_copy(struct router_dest *d, const struct router_target *t)
{
	d->view = *t;
	d->view.workflow = d->workflow = xstrdup(t->workflow);
	d->view.task = d->task = xstrdup(t->task);
	d->view.entry_command = d->entry_command =
	        t->entry_command ? xstrdup(t->entry_command) : NULL;
}

static void
router_dest_free(struct router_dest *d)
{
	free(d->workflow);
	free(d->task);
	free(d->entry_command);
	memset(d, 0, sizeof(*d));
}

static bool
router_dest_is(const struct router_dest *d, const char *workflow, const char *task, int retry)
{
	return d->view.retry == retry && strcmp(d->workflow, workflow) == 0 &&
	       strcmp(d->task, task) == 0;
}

void
router_key_format(enum router_action a, const unsigned char random[ROUTER_KEY_HEX / 2], char *key)
{
	size_t n = (size_t)sprintf(key, "%s-", router_action_names[a]);

	util_hex(random, ROUTER_KEY_HEX / 2, key + n);
}

/* Keys must not be guessable: they are the only credential a client leg shows. */
static void
router_random(unsigned char *b, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom(b + got, n - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			abort(); /* no kernel randomness: no safe key can be made */
		got += (size_t)r;
	}
}

static void
router_key_unlink(struct router *r, struct router_key *k)
{
	for (struct router_key **p = &r->keys; *p; p = &(*p)->next)
		if (*p == k) {
			*p = k->next;
			break;
		}
	loop_remove(r->loop, k->timer);
}

static void
router_key_drop(struct router *r, struct router_key *k)
{
	router_key_unlink(r, k);
	router_dest_free(&k->dest);
	free(k);
}

static void
router_key_expired(void *ctx)
{
	struct router_key *k = ctx;

	k->timer = 0;
	router_key_drop(k->r, k);
}

static struct router_key *
router_key_find(struct router *r, const char *key)
{
	for (struct router_key *k = r->keys; k; k = k->next)
		if (strcmp(k->key, key) == 0)
			return k;
	return NULL;
}

static struct router_key *
router_key_add(struct router *r, const char *key, enum router_kind kind,
               const struct router_target *t)
{
	struct router_key *k = xcalloc(1, sizeof(*k));

	k->r = r;
	strlcpy_safe(k->key, key, sizeof(k->key));
	k->kind = kind;
	router_dest_copy(&k->dest, t);
	k->timer = loop_add_timer(r->loop, r->key_ttl_ms, router_key_expired, k);
	k->next = r->keys;
	r->keys = k;
	return k;
}

void
router_key_new(struct router *r, enum router_action a, const struct router_target *t, char *key)
{
	unsigned char rnd[ROUTER_KEY_HEX / 2];
	enum router_kind kind = a == ROUTER_EXEC ? ROUTER_KIND_EXEC
	                        : t->udp         ? ROUTER_KIND_UDP
	                                         : ROUTER_KIND_CONTROL;

	router_random(rnd, sizeof(rnd));
	router_key_format(a, rnd, key);
	router_key_add(r, key, kind, t);
}

int
router_parse_port(const char *text, long *port)
{
	char *end;
	long v;

	errno = 0;
	v = text ? strtol(text, &end, 10) : 0;
	if (!text || !*text || *end || errno)
		return -1;
	*port = v;
	return v >= 1 && v <= 65535 ? 0 : -2;
}

/* Connection keys are made by clients: letters, digits and "-_.~", as a path segment takes. */
static bool
router_key_chars_ok(const char *key)
{
	size_t n = strlen(key);

	return n > 0 && n <= ROUTER_KEY_MAX &&
	       strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~") ==
	               n;
}

/* ------------------------------------------------------------------ client legs */

static void
router_conn_unlink(struct router_conn *c)
{
	if (!c->r)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		c->r->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
}

static void
router_conn_free(struct router_conn *c)
{
	router_dest_free(&c->dest);
	free(c);
}

/* The backend lets go of the leg (once). */
static void
router_conn_release(struct router_conn *c)
{
	void *b = c->b;

	c->b = NULL;
	if (b)
		c->be->gone(b);
}

/* The leg is over: the backend lets go, the socket goes back, the record goes. */
static void
router_conn_end(struct router_conn *c)
{
	router_conn_release(c);
	if (c->ws)
		ws_free(c->ws);
	c->ws = NULL;
	router_conn_unlink(c);
	router_conn_free(c);
}

static void
router_conn_message(void *ctx, bool binary, const unsigned char *data, size_t n)
{
	struct router_conn *c = ctx;

	if (c->closing)
		return;
	/* The router's relay reads bytes only: a text frame ends the session (1011 in uvicorn). */
	if (!binary) {
		router_conn_close(c, WS_CLOSE_ERROR, "binary messages only");
		return;
	}
	/* An empty message is the relay's end of stream. */
	if (!n) {
		router_conn_close(c, WS_CLOSE_NORMAL, NULL);
		return;
	}
	if (c->b)
		c->be->message(c->b, data, n);
}

static void
router_conn_drained(void *ctx)
{
	struct router_conn *c = ctx;

	if (c->b && c->be->drained)
		c->be->drained(c->b);
}

static void
router_conn_closed(void *ctx, int code)
{
	(void)code;
	router_conn_end(ctx);
}

static void
router_conn_open(void *ctx, struct server_http_upgrade *u, int fd, const char *extra, size_t n)
{
	struct router_conn *c = ctx;
	const struct ws_events ev = { router_conn_message, router_conn_drained, router_conn_closed,
		                      c };

	if (!c->r) {
		/* The router went away while the answer was on its way. */
		server_http_upgrade_close(u);
		router_conn_free(c);
		return;
	}
	c->ws = ws_open(c->r->loop, u, fd, extra, n, &ev);
	if (c->closing) {
		/* Its task ended in the meantime: close as the router does when the pod is gone. */
		ws_close(c->ws, c->close_code, NULL);
		return;
	}
	c->b = c->be->open(c);
}

/* The answer never went out, or the HTTP layer is stopping and takes the socket back. */
static void
router_conn_lost(void *ctx)
{
	struct router_conn *c = ctx;

	if (c->ws)
		ws_disown(c->ws);
	router_conn_end(c);
}

/* Reads what the TCP control legs already sent: a data leg may name a key announced there. */
static void
router_pump_controls(struct router *r)
{
	struct router_conn *next;

	for (struct router_conn *c = r->conns; c; c = next) {
		next = c->next;
		if (c->kind == ROUTER_KIND_CONTROL && c->ws && !c->closing)
			ws_pump(c->ws);
	}
}

static void
router_client(struct router *r, enum router_action action, const struct server_http_request *req,
              struct server_http_response *res)
{
	const char *key = server_http_param(req, "key");
	struct router_key *k = router_key_find(r, key);
	struct router_conn *c;

	/* A connection key is announced on its control leg just before the data leg connects. */
	if (!k && action == ROUTER_PORTFORWARD) {
		router_pump_controls(r);
		k = router_key_find(r, key);
	}
	/*
	 * The real router accepts any key and, when no task leg comes, closes with 1000 after its
	 * timeout. Here the task side is this process and knows every key at once, so an unknown,
	 * used or expired key is refused straight away instead of after a silent minute.
	 */
	if (!k || router_kinds[k->kind].action != action) {
		server_http_reply_detail(res, 404,
		                         "Router key not found: unknown, used or expired");
		return;
	}
	c = xcalloc(1, sizeof(*c));
	if (ws_accept(req, res, router_conn_open, router_conn_lost, c) < 0) {
		free(c);
		return;
	}
	/* Single use: the key is spent once the upgrade is answered. */
	router_key_unlink(r, k);
	c->r = r;
	c->kind = k->kind;
	c->dest = k->dest; /* the strings move with it; the view points at them */
	free(k);
	c->be = router_kinds[c->kind].backend();
	c->next = r->conns;
	if (c->next)
		c->next->prev = c;
	r->conns = c;
}

/* GET /api/router/exec/{name}/client/{key} */
static void
router_route_exec(void *ctx, const struct server_http_request *req,
                  struct server_http_response *res)
{
	router_client(ctx, ROUTER_EXEC, req, res);
}

/* GET /api/router/portforward/{name}/client/{key} */
static void
router_route_portforward(void *ctx, const struct server_http_request *req,
                         struct server_http_response *res)
{
	router_client(ctx, ROUTER_PORTFORWARD, req, res);
}

static const struct server_http_route router_routes[] = {
	{ "GET", "/api/router/exec/{name}/client/{key}", router_route_exec },
	{ "GET", "/api/router/portforward/{name}/client/{key}", router_route_portforward },
};

void
router_add_routes(struct server_http *h, struct router *r)
{
	server_http_add_routes(h, router_routes, ARRAY_SIZE(router_routes), r);
}

/* ------------------------------------------------------------------ the backend side */

const struct router_target *
router_conn_target(const struct router_conn *c)
{
	return &c->dest.view;
}

struct router *
router_conn_router(const struct router_conn *c)
{
	return c->r;
}

bool
router_conn_send(struct router_conn *c, const void *data, size_t n)
{
	if (c->closing || !c->ws || !n)
		return true;
	return ws_send(c->ws, data, n);
}

void
router_conn_close(struct router_conn *c, int code, const char *reason)
{
	if (c->closing)
		return;
	c->closing = true;
	c->close_code = code;
	if (c->ws)
		ws_close(c->ws, code, reason);
}

int
router_conn_relay(struct router_conn *c, int fd, void *buf, size_t size, int max_reads, bool *full)
{
	int got = 0;

	for (int i = 0; i < max_reads && !*full; i++) {
		ssize_t n = read(fd, buf, size);

		if (n > 0) {
			got++;
			*full = !router_conn_send(c, buf, (size_t)n);
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			break;
		} else if (n == 0 || errno != EINTR) {
			return -1; /* end of file, a reset, or a pty's EIO (its other side is closed) */
		}
	}
	return got;
}

void
router_conn_hold(struct router_conn *c, size_t n)
{
	bool paused = c->paused ? n >= ROUTER_HOLD_MAX / 4 : n > ROUTER_HOLD_MAX;

	if (paused == c->paused || !c->ws)
		return;
	c->paused = paused;
	ws_pause(c->ws, paused);
}

/* SIGPIPE is ignored (main.c), so a socket reset is EPIPE here and write serves both kinds. */
int
router_write_held(int fd, struct strbuf *held)
{
	while (held->len) {
		ssize_t n = write(fd, held->buf, held->len);

		if (n > 0)
			strbuf_consume(held, (size_t)n);
		else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		else if (n == 0 || errno != EINTR)
			return -1;
	}
	return 0;
}

bool
router_conn_add_data_key(struct router_conn *c, const char *key)
{
	struct router_target t = c->dest.view;

	if (!c->r || !router_key_chars_ok(key) || router_key_find(c->r, key))
		return false;
	t.udp = false;
	router_key_add(c->r, key, ROUTER_KIND_DATA, &t);
	return true;
}

void
router_watch_child(struct router *r, pid_t pid, void (*exited)(void *ctx, int status), void *ctx)
{
	r->children = xreallocarray(r->children, r->n_children + 1, sizeof(*r->children));
	r->children[r->n_children++] = (struct router_child){ pid, exited, ctx };
}

void
router_child(struct router *r)
{
	size_t i = 0;

	while (i < r->n_children) {
		struct router_child ch = r->children[i];
		int status;
		pid_t got = waitpid(ch.pid, &status, WNOHANG);

		if (got != ch.pid && !(got < 0 && errno == ECHILD)) {
			i++;
			continue;
		}
		if (got < 0)
			status = 0;
		r->children[i] = r->children[--r->n_children];
		ch.exited(ch.ctx, status);
	}
}

/* ------------------------------------------------------------------ the task's end */

/* Its pod is gone: keys die, legs close normally, as the router closes them when osmo-ctrl goes. */
static void
router_task_ended(void *ctx, const char *workflow, const char *task, int retry)
{
	struct router *r = ctx;
	struct router_key *knext;

	for (struct router_key *k = r->keys; k; k = knext) {
		knext = k->next;
		if (router_dest_is(&k->dest, workflow, task, retry))
			router_key_drop(r, k);
	}
	for (struct router_conn *c = r->conns; c; c = c->next) {
		if (!router_dest_is(&c->dest, workflow, task, retry))
			continue;
		router_conn_close(c, WS_CLOSE_NORMAL, NULL);
		/* What ran in the pod goes with it now, not when the client answers the close. */
		router_conn_release(c);
	}
}

/* ------------------------------------------------------------------ life */

struct router *
router_new(const struct router_config *cfg)
{
	struct router *r = xcalloc(1, sizeof(*r));

	r->loop = cfg->loop;
	r->engine = cfg->engine;
	r->address = xstrdup(cfg->address);
	r->key_ttl_ms = cfg->key_ttl_ms > 0 ? cfg->key_ttl_ms : ROUTER_KEY_TTL_MS;
	engine_set_task_ended(r->engine, router_task_ended, r);
	return r;
}

/*
 * Closes every open leg with code; now ends each at once (its close frame goes out as its
 * socket goes back), else the close handshake runs. Legs still waiting for their answer are
 * left to the HTTP layer (router_conn_lost).
 */
static void
router_close_legs(struct router *r, int code, const char *reason, bool now)
{
	struct router_conn *next;

	for (struct router_conn *c = r->conns; c; c = next) {
		next = c->next;
		if (!c->ws)
			continue;
		router_conn_close(c, code, reason);
		if (now)
			router_conn_end(c);
	}
}

void
router_shutdown(struct router *r)
{
	while (r->keys)
		router_key_drop(r, r->keys);
	router_close_legs(r, WS_CLOSE_GOING_AWAY, "osmo-local is stopping", true);
}

void
router_restart(struct router *r)
{
	/* A close handshake, not a drop: clients see the code a restarting router sends. */
	router_close_legs(r, WS_CLOSE_RESTART, "router restart", false);
}

void
router_free(struct router *r)
{
	if (!r)
		return;
	router_shutdown(r);
	engine_set_task_ended(r->engine, NULL, NULL);
	/* Pending legs outlive the router: they free themselves when the HTTP layer lets go. */
	for (struct router_conn *c = r->conns; c; c = c->next)
		c->r = NULL;
	r->conns = NULL;
	/* What exec started must not outlive the server. */
	while (r->n_children) {
		struct router_child ch = r->children[--r->n_children];
		int status = 0;

		kill(-ch.pid, SIGKILL);
		kill(ch.pid, SIGKILL);
		while (waitpid(ch.pid, &status, 0) < 0 && errno == EINTR)
			;
		ch.exited(ch.ctx, status);
	}
	free(r->children);
	free(r->address);
	free(r);
}

const char *
router_address(const struct router *r)
{
	return r->address;
}

struct engine *
router_engine(const struct router *r)
{
	return r->engine;
}

struct loop *
router_loop(const struct router *r)
{
	return r->loop;
}
