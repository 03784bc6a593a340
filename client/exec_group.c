/* exec_group.c: a command on a group's running tasks: the group call, a read-only exec each, lines. */
#include "client/exec_group.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* The CLI's INTERACTIVE_COMMANDS (all end in "sh"; kept as its list to compare with it). */
static const char *const exec_group_shells[] = {
	"bash", "sh", "zsh", "fish", "tcsh", "csh", "ksh"
};

struct exec_group_task {
	struct exec_group *g;
	char *name;
	struct exec_session *ex;
	struct strbuf line; /* the line so far, without its '\r's */
	bool ended;
};

struct exec_group {
	struct api *api;   /* borrowed */
	struct http *http; /* borrowed */
	char *workflow, *group;
	int rows, cols;
	struct exec_group_callbacks cb;
	unsigned long call; /* the group call in flight, 0 for none */
	struct exec_group_task *tasks;
	size_t n_tasks, n_ended;
	struct api_error err; /* the group call's failure; API_OK once it returned targets */
	bool end_pending, ended;
	struct util_guard guard; /* exec_group_free inside its dispatch waits for its end */
};

static void
exec_group_destroy(struct exec_group *g)
{
	if (g->call)
		api_abort(g->api, g->call);
	for (size_t i = 0; i < g->n_tasks; i++) {
		exec_free(g->tasks[i].ex);
		free(g->tasks[i].name);
		strbuf_free(&g->tasks[i].line);
	}
	free(g->tasks);
	free(g->workflow);
	free(g->group);
	free(g);
}

/* The start failed: nothing runs, so the group ends with err (reported by the dispatch). */
static void
exec_group_fail(struct exec_group *g, const struct api_error *err)
{
	g->err = *err;
	g->end_pending = true;
}

/* Where a line at the cap is cut: before a UTF-8 sequence the cap would split, else at n. */
static size_t
exec_group_cut(const unsigned char *s, size_t n)
{
	/* A sequence's first byte and how many continuation bytes follow it. */
	static const struct {
		unsigned char mask, bits;
		size_t more;
	} leads[] = { { 0xE0, 0xC0, 1 }, { 0xF0, 0xE0, 2 }, { 0xF8, 0xF0, 3 } };
	size_t i = n;

	/* Back over at most three continuation bytes to what may be the sequence's first byte. */
	while (i > 1 && n - i < 3 && (s[i - 1] & 0xC0) == 0x80)
		i--;
	for (size_t k = 0; i > 0 && k < ARRAY_SIZE(leads); k++)
		if ((s[i - 1] & leads[k].mask) == leads[k].bits)
			return leads[k].more > n - i ? i - 1 : n;
	return n;
}

/* Hands the first n bytes of t's line to the caller as a string and drops them. */
static void
exec_group_emit(struct exec_group_task *t, size_t n)
{
	struct exec_group *g = t->g;
	char keep;

	strbuf_addstr(&t->line, ""); /* an empty line has a buffer too */
	keep = t->line.buf[n];
	t->line.buf[n] = '\0';
	if (g->cb.line && !g->guard.freed)
		g->cb.line(g->cb.ctx, t->name, t->line.buf);
	t->line.buf[n] = keep;
	strbuf_consume(&t->line, n);
}

static void
exec_group_output(void *ctx, const unsigned char *data, size_t n)
{
	struct exec_group_task *t = ctx;

	/* Message boundaries mean nothing (PROTOCOLS.md §1.2): lines are cut at '\n' only. */
	for (size_t i = 0; i < n && !t->g->guard.freed; i++) {
		if (data[i] == '\n') {
			exec_group_emit(t, t->line.len);
		} else if (data[i] != '\r') {
			/* Full and more comes: a line of exactly the cap stays whole. */
			if (t->line.len >= EXEC_GROUP_LINE_MAX)
				exec_group_emit(t,
				                exec_group_cut((const unsigned char *)t->line.buf,
				                               t->line.len));
			strbuf_addch(&t->line, (char)data[i]);
		}
	}
}

static void
exec_group_task_ended(void *ctx, const struct exec_end *end)
{
	struct exec_group_task *t = ctx;
	struct exec_group *g = t->g;

	if (t->line.len > 0)
		exec_group_emit(t, t->line.len); /* the last line had no '\n' */
	t->ended = true;
	if (g->cb.task_ended && !g->guard.freed)
		g->cb.task_ended(g->cb.ctx, t->name, end);
	if (++g->n_ended == g->n_tasks)
		g->end_pending = true;
}

static void
exec_group_on_started(void *ctx, struct api_result *res)
{
	struct exec_group *g = ctx;
	struct api_error err = { 0 };

	g->call = 0;
	if (res->err.kind != API_OK) {
		exec_group_fail(g, &res->err);
	} else if (res->n_targets == 0) {
		api_error_set(&err, API_ERR_DECODE, "the exec call returned no task of group %s",
		              g->group);
		exec_group_fail(g, &err);
	} else {
		g->tasks = xcalloc(res->n_targets, sizeof(*g->tasks));
		g->n_tasks = res->n_targets;
		for (size_t i = 0; i < g->n_tasks; i++) {
			struct exec_group_task *t = &g->tasks[i];
			struct exec_opts o = {
				.workflow = g->workflow,
				.task = res->targets[i].task ? res->targets[i].task : "",
				.rows = g->rows,
				.cols = g->cols,
				.cb = { .output = exec_group_output,
				        .ended = exec_group_task_ended,
				        .ctx = t },
			};

			t->g = g;
			t->name = xstrdup(o.task);
			/* Only reads: the size goes first, then no input and no resizes. */
			t->ex = exec_start_target(g->api, g->http, &o, &res->targets[i]);
		}
	}
	api_result_free(res);
}

struct exec_group *
exec_group_start(struct api *api, struct http *http, const struct exec_group_opts *o)
{
	struct exec_group *g = xcalloc(1, sizeof(*g));

	g->api = api;
	g->http = http;
	g->workflow = xstrdup(o->workflow);
	g->group = xstrdup(o->group);
	g->rows = o->rows;
	g->cols = o->cols;
	g->cb = o->cb;
	/* 0 for a command the call refuses (none): it has failed already. */
	g->call = api_exec_group(api, o->workflow, o->group, o->command,
	                         (struct api_callbacks){ .done = exec_group_on_started, .ctx = g });
	return g;
}

void
exec_group_free(struct exec_group *g)
{
	if (g && util_guard_free(&g->guard))
		exec_group_destroy(g);
}

int
exec_group_pollfds(const struct exec_group *g, struct pollfd *fds, int max)
{
	int n = 0;

	for (size_t i = 0; i < g->n_tasks && !g->guard.freed && n < max; i++)
		if (!g->tasks[i].ended)
			n += exec_pollfds(g->tasks[i].ex, fds + n, max - n);
	return n;
}

int
exec_group_timeout_ms(const struct exec_group *g, int64_t now_ms)
{
	int to = -1;

	if (g->guard.freed)
		return -1;
	if (g->end_pending)
		return 0;
	for (size_t i = 0; i < g->n_tasks; i++)
		if (!g->tasks[i].ended)
			to = util_timeout_min(to, exec_timeout_ms(g->tasks[i].ex, now_ms));
	return to;
}

LOOP_SOURCE_DEFINE(exec_group_source, struct exec_group, exec_group);

void
exec_group_dispatch(struct exec_group *g, const struct pollfd *fds, int n, int64_t now_ms)
{
	if (g->guard.freed)
		return;
	util_guard_enter(&g->guard);
	for (size_t i = 0; i < g->n_tasks && !g->guard.freed; i++)
		if (!g->tasks[i].ended)
			exec_dispatch(g->tasks[i].ex, fds, n, now_ms);
	if (g->end_pending && !g->guard.freed) {
		g->end_pending = false;
		g->ended = true;
		if (g->cb.ended)
			g->cb.ended(g->cb.ctx, g->err.kind == API_OK ? NULL : &g->err);
	}
	if (util_guard_leave(&g->guard))
		exec_group_destroy(g);
}

void
exec_group_close(struct exec_group *g)
{
	struct api_error err = { 0 };

	if (g->ended || g->end_pending)
		return;
	if (g->call) {
		api_abort(g->api, g->call);
		g->call = 0;
		api_error_set(&err, API_ERR_CANCELLED,
		              "exec on group %s cancelled before it started", g->group);
		exec_group_fail(g, &err);
		return;
	}
	for (size_t i = 0; i < g->n_tasks; i++)
		if (!g->tasks[i].ended)
			exec_close(g->tasks[i].ex);
}

/*
 * The next word of *s as the task side splits it (shlex: quotes, backslashes, '#' comments)
 * into w; false at the end, or for a word whose quote never closes.
 */
static bool
exec_group_word(const char **s, struct strbuf *w)
{
	const char *p = *s;
	char quote = 0;

	strbuf_reset(w);
	strbuf_addstr(w, "");
	for (;;) {
		p += strspn(p, " \t\r\n");
		if (*p != '#')
			break;
		p += strcspn(p, "\n");
	}
	if (!*p)
		return false;
	for (; *p && (quote || !strchr(" \t\r\n", *p)); p++) {
		if (*p == quote)
			quote = 0;
		else if (!quote && (*p == '\'' || *p == '"'))
			quote = *p;
		else if (*p == '\\' && quote != '\'' && p[1])
			strbuf_addch(w, *++p);
		else
			strbuf_addch(w, *p);
	}
	*s = p;
	return !quote;
}

bool
exec_group_interactive(const char *command)
{
	struct strbuf w = { 0 };
	const char *s = command ? command : "";
	bool interactive = false;

	if (exec_group_word(&s, &w)) {
		const char *base = strrchr(w.buf, '/') ? strrchr(w.buf, '/') + 1 : w.buf;
		size_t n = strlen(base);

		for (size_t i = 0; i < ARRAY_SIZE(exec_group_shells); i++) {
			size_t k = strlen(exec_group_shells[i]);

			interactive |= n >= k && strcmp(base + n - k, exec_group_shells[i]) == 0;
		}
	}
	/* A shell given a command (-c, also in clusters like -lc) or a script runs it and exits. */
	while (interactive && exec_group_word(&s, &w))
		if (w.buf[0] != '-' || (w.buf[1] != '-' && strchr(w.buf, 'c')))
			interactive = false;
	strbuf_free(&w);
	return interactive;
}
