/* exec.c: one interactive exec session: the start call, the upgrade, the size-first byte stream. */
#include "client/exec.h"

#include <stdlib.h>
#include <string.h>

#include "client/wsconn.h"
#include "common/wsproto.h"

#define EXEC_DEFAULT_ROWS 24
#define EXEC_DEFAULT_COLS 80
#define EXEC_SIZE_MSG_MAX 64

struct exec_session {
	struct api *api;   /* borrowed */
	struct http *http; /* borrowed */
	char *workflow, *task, *command;
	bool fallback; /* command is the default: one retry with the fallback may follow */
	bool keep_alive;
	int keep_alive_ms;
	int rows, cols;           /* the latest size the caller gave */
	int sent_rows, sent_cols; /* the size the task side has */
	struct exec_callbacks cb;
	unsigned long call; /* the api call in flight, 0 for none */
	char *router_url;
	struct wsconn *ws;
	bool output_seen;     /* the task side runs the command: input may flow */
	bool closing;         /* exec_close asked for the end */
	bool paused;          /* exec_pause: the caller takes no output now */
	struct strbuf unread; /* output read with the frame that paused it: given at resume */
	struct strbuf held;
	bool reconnect_pending; /* keep-alive: why is still to be reported */
	bool waiting;           /* keep-alive: a new session starts at retry_at */
	int64_t retry_at;
	struct exec_end why; /* the break keep-alive recovers from */
	bool end_pending, ended;
	struct exec_end end;
	struct util_guard guard; /* exec_free inside exec_dispatch waits for its end */
};

static void exec_begin(struct exec_session *e);

static void
exec_destroy(struct exec_session *e)
{
	if (e->call)
		api_abort(e->api, e->call);
	/* The task side learns at once that nobody reads any more (PROTOCOLS.md §1.4). */
	wsconn_drop(e->ws, 1000);
	strbuf_free(&e->held);
	strbuf_free(&e->unread);
	free(e->workflow);
	free(e->task);
	free(e->command);
	free(e->router_url);
	free(e);
}

/* Records the end; exec_dispatch reports it, so ended never runs inside the caller's calls. */
static void
exec_finish(struct exec_session *e, bool clean, int code, const struct api_error *err)
{
	if (e->end_pending || e->ended)
		return;
	e->end.clean = clean;
	e->end.code = code;
	if (err)
		e->end.err = *err;
	else
		api_error_clear(&e->end.err);
	e->end_pending = true;
}

/* Keep-alive's rule for a WebSocket that did not open: refused, reset, timed out or a 5xx. */
static bool
exec_retryable(const struct api_error *err)
{
	return err->kind == API_ERR_TRANSPORT || err->kind == API_ERR_TIMEOUT ||
	       (err->kind == API_ERR_HTTP && err->http_status >= 500);
}

/* An attempt broke: with keep-alive and retry, a new session after the wait; else the end. */
static void
exec_fail(struct exec_session *e, int code, const struct api_error *err, bool retry)
{
	if (!retry || !e->keep_alive || e->closing) {
		exec_finish(e, false, code, err);
		return;
	}
	e->why = (struct exec_end){ .clean = false, .code = code, .err = *err };
	e->reconnect_pending = true;
	e->waiting = true;
	e->retry_at = clock_mono_ms() + e->keep_alive_ms;
	e->output_seen = false; /* nothing runs on the task side until the new session's output */
	/* Typed for the process that is gone: a new shell must not get stale keystrokes. */
	strbuf_reset(&e->held);
}

/* After the first output: the latest size, then the held keyboard bytes, in order. */
static void
exec_flush(struct exec_session *e)
{
	char msg[EXEC_SIZE_MSG_MAX];

	if (!e->output_seen || !e->ws || !wsconn_is_open(e->ws))
		return;
	if (e->rows != e->sent_rows || e->cols != e->sent_cols) {
		size_t n = wsproto_resize_msg(e->rows, e->cols, msg, sizeof(msg));

		if (n > 0 && wsconn_send(e->ws, msg, n) == 0) {
			e->sent_rows = e->rows;
			e->sent_cols = e->cols;
		}
	}
	while (e->held.len > 0) {
		size_t n = e->held.len < EXEC_INPUT_MAX ? e->held.len : EXEC_INPUT_MAX;

		if (wsconn_send(e->ws, e->held.buf, n) < 0)
			break;
		strbuf_consume(&e->held, n);
	}
}

static void
exec_ws_open(void *ctx)
{
	struct exec_session *e = ctx;
	char msg[EXEC_SIZE_MSG_MAX];
	size_t n = wsproto_size_msg(e->rows, e->cols, msg, sizeof(msg));

	/* The size is mandatory and first; nothing else goes until output arrives. */
	wsconn_send(e->ws, msg, n);
	e->sent_rows = e->rows;
	e->sent_cols = e->cols;
}

static void
exec_ws_message(void *ctx, const unsigned char *data, size_t n)
{
	struct exec_session *e = ctx;

	if (n == 0)
		return; /* an empty message carries no output */
	if (!e->output_seen) {
		e->output_seen = true;
		exec_flush(e);
	}
	/* Frames already read when the caller paused wait; nothing more is read meanwhile. */
	if (e->paused || e->unread.len)
		strbuf_add(&e->unread, data, n);
	else if (e->cb.output)
		e->cb.output(e->cb.ctx, data, n);
}

static void
exec_ws_closed(void *ctx, const struct wsconn_end *end)
{
	struct exec_session *e = ctx;
	struct api_error err = { 0 };

	wsconn_free(e->ws);
	e->ws = NULL;
	if (!end->opened) {
		exec_fail(e, 0, &end->err, exec_retryable(&end->err));
		return;
	}
	if (end->clean && (e->output_seen || e->closing)) {
		exec_finish(e, true, end->code, NULL);
		return;
	}
	if (end->clean && e->fallback) {
		/* A clean close before any output: the task could not start bash; try sh. */
		e->fallback = false;
		free(e->command);
		e->command = xstrdup(EXEC_FALLBACK_COMMAND);
		exec_begin(e);
		return;
	}
	if (end->clean) {
		/* A normal close: the router gave up waiting for the task; keep-alive stops too. */
		api_error_set(&err, API_ERR_TRANSPORT,
		              "task did not connect: the session closed before any output");
		exec_finish(e, false, end->code, &err);
		return;
	}
	if (end->err.kind != API_OK)
		err = end->err;
	else
		api_error_set(&err, API_ERR_TRANSPORT, "session closed abnormally (code %d%s%s)",
		              end->code, end->reason[0] ? ": " : "", end->reason);
	exec_fail(e, end->code, &err, true);
}

static void
exec_on_headers(void *ctx, struct api_result *res)
{
	struct exec_session *e = ctx;
	struct wsconn_callbacks cb = {
		.open = exec_ws_open, .message = exec_ws_message, .closed = exec_ws_closed, .ctx = e
	};
	struct api_error err = { 0 };

	e->call = 0;
	e->ws = api_wsconn_connect(e->http, e->router_url, res, cb, &err);
	if (!e->ws)
		exec_fail(e, 0, &err, res->err.kind == API_OK && exec_retryable(&err));
	else if (e->paused) /* a new session (keep-alive) starts as the caller left the last */
		wsconn_pause(e->ws, true);
	api_result_free(res);
}

/* The WebSocket to a router target: the upgrade's headers (token fresh), then the connect. */
static void
exec_connect(struct exec_session *e, const struct osmo_router_target *t)
{
	free(e->router_url);
	e->router_url = api_router_url(t->router_address, API_ROUTER_EXEC, e->workflow, t->key);
	/* 0 without a token refresh: the headers came back already. */
	e->call = api_upgrade_headers(e->api, t->cookie,
	                              (struct api_callbacks){ .done = exec_on_headers, .ctx = e });
}

static void
exec_on_started(void *ctx, struct api_result *res)
{
	struct exec_session *e = ctx;
	struct api_error err = { 0 };

	e->call = 0;
	if (res->err.kind != API_OK) {
		/* Only a server error is worth a new call; a 4xx is the service's answer. */
		exec_fail(e, 0, &res->err,
		          res->err.kind == API_ERR_HTTP && res->err.http_status >= 500);
		api_result_free(res);
		return;
	}
	if (res->n_targets < 1) {
		api_error_set(&err, API_ERR_DECODE, "the exec call returned no router");
		exec_finish(e, false, 0, &err);
		api_result_free(res);
		return;
	}
	exec_connect(e, &res->targets[0]);
	api_result_free(res);
}

/* The start call for e->command; every attempt starts here (the fallback too). */
static void
exec_begin(struct exec_session *e)
{
	e->output_seen = false;
	e->call = api_exec_task(e->api, e->workflow, e->task, e->command,
	                        (struct api_callbacks){ .done = exec_on_started, .ctx = e });
}

/* A session with o's settings that has not started anything yet. */
static struct exec_session *
exec_new(struct api *api, struct http *http, const struct exec_opts *o)
{
	struct exec_session *e = xcalloc(1, sizeof(*e));

	e->api = api;
	e->http = http;
	e->workflow = xstrdup(o->workflow);
	e->task = xstrdup(o->task);
	e->rows = o->rows > 0 ? o->rows : EXEC_DEFAULT_ROWS;
	e->cols = o->cols > 0 ? o->cols : EXEC_DEFAULT_COLS;
	e->cb = o->cb;
	return e;
}

struct exec_session *
exec_start(struct api *api, struct http *http, const struct exec_opts *o)
{
	struct exec_session *e = exec_new(api, http, o);

	e->fallback = !o->entry_command;
	e->command = xstrdup(o->entry_command ? o->entry_command : EXEC_DEFAULT_COMMAND);
	e->keep_alive = o->keep_alive;
	e->keep_alive_ms = o->keep_alive_ms > 0 ? o->keep_alive_ms : EXEC_KEEP_ALIVE_MS;
	exec_begin(e);
	return e;
}

struct exec_session *
exec_start_target(struct api *api, struct http *http, const struct exec_opts *o,
                  const struct osmo_router_target *t)
{
	struct exec_session *e = exec_new(api, http, o);

	exec_connect(e, t);
	return e;
}

void
exec_free(struct exec_session *e)
{
	if (e && util_guard_free(&e->guard))
		exec_destroy(e);
}

int
exec_pollfds(const struct exec_session *e, struct pollfd *fds, int max)
{
	return e->ws && !e->guard.freed ? wsconn_pollfds(e->ws, fds, max) : 0;
}

int
exec_timeout_ms(const struct exec_session *e, int64_t now_ms)
{
	if (e->guard.freed)
		return -1;
	if (e->end_pending || e->reconnect_pending || (!e->paused && e->unread.len))
		return 0;
	if (e->waiting)
		return util_timeout_until(e->retry_at, now_ms);
	return e->ws ? wsconn_timeout_ms(e->ws, now_ms) : -1;
}

LOOP_SOURCE_DEFINE(exec_source, struct exec_session, exec);

void
exec_dispatch(struct exec_session *e, const struct pollfd *fds, int n, int64_t now_ms)
{
	if (e->guard.freed)
		return;
	util_guard_enter(&e->guard);
	if (!e->paused && e->unread.len) {
		struct strbuf out = e->unread;

		e->unread = (struct strbuf){ 0 };
		if (e->cb.output)
			e->cb.output(e->cb.ctx, (const unsigned char *)out.buf, out.len);
		strbuf_free(&out);
	}
	if (e->ws && !e->guard.freed)
		wsconn_dispatch(e->ws, fds, n, now_ms);
	if (e->reconnect_pending && !e->guard.freed) {
		e->reconnect_pending = false;
		if (e->cb.reconnecting)
			e->cb.reconnecting(e->cb.ctx, &e->why, e->keep_alive_ms);
	}
	if (e->waiting && !e->guard.freed && !e->end_pending && now_ms >= e->retry_at) {
		e->waiting = false;
		exec_begin(e); /* a new key, so a new process: keep-alive never resumes one */
	}
	/* The end comes after every byte of output, so not while some waits for a resume. */
	if (e->end_pending && !e->guard.freed && !e->unread.len) {
		e->end_pending = false;
		e->ended = true;
		if (e->cb.ended)
			e->cb.ended(e->cb.ctx, &e->end);
	}
	if (util_guard_leave(&e->guard))
		exec_destroy(e);
}

void
exec_pause(struct exec_session *e, bool paused)
{
	e->paused = paused;
	if (e->ws)
		wsconn_pause(e->ws, paused);
}

void
exec_input(struct exec_session *e, const void *data, size_t n)
{
	if (e->ended || e->end_pending || e->waiting || n == 0)
		return;
	strbuf_add(&e->held, data, n);
	exec_flush(e);
}

void
exec_resize(struct exec_session *e, int rows, int cols)
{
	if (rows <= 0 || cols <= 0)
		return;
	e->rows = rows;
	e->cols = cols;
	exec_flush(e);
}

size_t
exec_queued(const struct exec_session *e)
{
	return e->held.len + (e->ws ? wsconn_queued(e->ws) : 0);
}

void
exec_close(struct exec_session *e)
{
	struct api_error err = { 0 };

	if (e->ended || e->end_pending)
		return;
	e->closing = true;
	if (e->ws && wsconn_is_open(e->ws)) {
		wsconn_close(e->ws, 1000);
		return;
	}
	/* Not open yet: nothing runs on the task side to end, so the session is just cancelled. */
	if (e->call)
		api_abort(e->api, e->call);
	e->call = 0;
	wsconn_free(e->ws);
	e->ws = NULL;
	if (e->waiting)
		api_error_set(&err, API_ERR_CANCELLED,
		              "exec cancelled while waiting to reconnect (%s)", e->why.err.message);
	else
		api_error_set(&err, API_ERR_CANCELLED, "exec cancelled before the task connected");
	e->waiting = e->reconnect_pending = false;
	exec_finish(e, false, 0, &err);
}

bool
exec_connected(const struct exec_session *e)
{
	return e->output_seen;
}
