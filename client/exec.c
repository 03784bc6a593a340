/* exec.c: one interactive exec session: the start call, the upgrade, the size-first byte stream. */
#include "exec.h"

#include <stdlib.h>
#include <string.h>

#include "wsconn.h"
#include "wsproto.h"

#define EXEC_DEFAULT_ROWS 24
#define EXEC_DEFAULT_COLS 80
#define EXEC_SIZE_MSG_MAX 64

struct exec_session {
	struct api *api;   /* borrowed */
	struct http *http; /* borrowed */
	char *workflow, *task, *command;
	bool fallback;  /* command is the default: one retry with the fallback may follow */
	int rows, cols; /* the latest size the caller gave */
	int sent_rows, sent_cols; /* the size the task side has */
	struct exec_callbacks cb;
	unsigned long call; /* the api call in flight, 0 for none */
	char *router_url;
	struct wsconn *ws;
	bool output_seen; /* the task side runs the command: input may flow */
	bool closing;     /* exec_close asked for the end */
	struct strbuf held;
	bool end_pending, ended;
	struct exec_end end;
	bool busy, freed; /* inside exec_dispatch; exec_free waits for its end */
};

static void exec_begin(struct exec_session *e);

static void
exec_destroy(struct exec_session *e)
{
	if (e->call)
		api_abort(e->api, e->call);
	wsconn_free(e->ws);
	strbuf_free(&e->held);
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
	if (e->cb.output)
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
		exec_finish(e, false, 0, &end->err);
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
	if (end->clean)
		api_error_set(&err, API_ERR_TRANSPORT,
		              "task did not connect: the session closed before any output");
	else if (end->err.kind != API_OK)
		err = end->err;
	else
		api_error_set(&err, API_ERR_TRANSPORT, "session closed abnormally (code %d%s%s)",
		              end->code, end->reason[0] ? ": " : "", end->reason);
	exec_finish(e, false, end->code, &err);
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
	e->ws = wsconn_connect_headers(e->http, e->router_url, res, cb, &err);
	if (!e->ws)
		exec_finish(e, false, 0, &err);
	api_result_free(res);
}

static void
exec_on_started(void *ctx, struct api_result *res)
{
	struct exec_session *e = ctx;
	struct api_error err = { 0 };
	unsigned long id;

	e->call = 0;
	if (res->err.kind != API_OK) {
		exec_finish(e, false, 0, &res->err);
		api_result_free(res);
		return;
	}
	if (res->n_targets < 1) {
		api_error_set(&err, API_ERR_DECODE, "the exec call returned no router");
		exec_finish(e, false, 0, &err);
		api_result_free(res);
		return;
	}
	free(e->router_url);
	e->router_url = api_router_url(res->targets[0].router_address, API_ROUTER_EXEC, e->workflow,
	                               res->targets[0].key);
	id = api_upgrade_headers(e->api, res->targets[0].cookie,
	                         (struct api_callbacks){ .done = exec_on_headers, .ctx = e });
	api_result_free(res);
	/* The headers may have come back already (no token refresh needed). */
	if (!e->ws && !e->end_pending)
		e->call = id;
}

/* The start call for e->command; every attempt starts here (the fallback too). */
static void
exec_begin(struct exec_session *e)
{
	e->output_seen = false;
	e->call = api_exec_task(e->api, e->workflow, e->task, e->command,
	                        (struct api_callbacks){ .done = exec_on_started, .ctx = e });
}

struct exec_session *
exec_start(struct api *api, struct http *http, const struct exec_opts *o)
{
	struct exec_session *e = xcalloc(1, sizeof(*e));

	e->api = api;
	e->http = http;
	e->workflow = xstrdup(o->workflow);
	e->task = xstrdup(o->task);
	e->fallback = !o->entry_command;
	e->command = xstrdup(o->entry_command ? o->entry_command : EXEC_DEFAULT_COMMAND);
	e->rows = o->rows > 0 ? o->rows : EXEC_DEFAULT_ROWS;
	e->cols = o->cols > 0 ? o->cols : EXEC_DEFAULT_COLS;
	e->cb = o->cb;
	exec_begin(e);
	return e;
}

void
exec_free(struct exec_session *e)
{
	if (!e)
		return;
	if (e->busy) {
		e->freed = true;
		return;
	}
	exec_destroy(e);
}

int
exec_pollfds(const struct exec_session *e, struct pollfd *fds, int max)
{
	return e->ws && !e->freed ? wsconn_pollfds(e->ws, fds, max) : 0;
}

int
exec_timeout_ms(const struct exec_session *e, int64_t now_ms)
{
	if (e->freed)
		return -1;
	if (e->end_pending)
		return 0;
	return e->ws ? wsconn_timeout_ms(e->ws, now_ms) : -1;
}

void
exec_dispatch(struct exec_session *e, const struct pollfd *fds, int n, int64_t now_ms)
{
	if (e->freed)
		return;
	e->busy = true;
	if (e->ws)
		wsconn_dispatch(e->ws, fds, n, now_ms);
	if (e->end_pending && !e->freed) {
		e->end_pending = false;
		e->ended = true;
		if (e->cb.ended)
			e->cb.ended(e->cb.ctx, &e->end);
	}
	e->busy = false;
	if (e->freed)
		exec_destroy(e);
}

void
exec_input(struct exec_session *e, const void *data, size_t n)
{
	if (e->ended || e->end_pending || n == 0)
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
	api_error_set(&err, API_ERR_CANCELLED, "exec cancelled before the task connected");
	exec_finish(e, false, 0, &err);
}

bool
exec_connected(const struct exec_session *e)
{
	return e->output_seen;
}
