/* triage_fetch.c: the triage card's data for a headless snapshot: the workflow, its spec's rules, the root task's log and events, each waited for. */
#include "tui/triage_fetch.h"

#include <stdlib.h>
#include <string.h>

#include "client/spec_rules.h"

#define TRIAGE_FETCH_MS     30000       /* each call's deadline */
#define TRIAGE_FETCH_TAIL   40          /* log lines asked for when there is no error log */
#define TRIAGE_FETCH_EVENTS 200         /* event lines asked for, warnings kept */
#define TRIAGE_FETCH_IDLE_S 2           /* a running task's stream: what came by then */
#define TRIAGE_FETCH_MAX    (256 << 10) /* bytes kept of an answer */

void
triage_fetch_keep(struct strbuf *sb, const char *bytes, size_t n)
{
	if (sb->len + n <= TRIAGE_FETCH_MAX)
		strbuf_add(sb, bytes, n);
}

void
triage_fetch_data(void *ctx, const char *bytes, size_t n)
{
	triage_fetch_keep(ctx, bytes, n);
}

static void
triage_fetch_done(void *ctx, struct api_result *res)
{
	struct triage_fetch_call *c = ctx;

	c->call.res = *res;
	memset(res, 0, sizeof(*res));
	if (c->call.res.kind == API_TEXT && c->call.res.text)
		triage_fetch_keep(&c->body, c->call.res.text, c->call.res.text_len);
	c->call.done = true;
}

static struct api_callbacks
triage_fetch_callbacks(struct triage_fetch_call *c)
{
	return (struct api_callbacks){ .done = triage_fetch_done,
		                       .data = triage_fetch_data,
		                       .ctx = c };
}

/* Waits for c; its error when it failed or took too long, else API_OK. */
static struct api_error
triage_fetch_wait(struct session *s, struct triage_fetch_call *c, unsigned long id)
{
	session_call_wait(s, &c->call, id, TRIAGE_FETCH_MS);
	return c->call.res.err;
}

static void
triage_fetch_call_free(struct triage_fetch_call *c)
{
	strbuf_free(&c->body);
	api_result_free(&c->call.res);
}

unsigned long
triage_fetch_request(struct api *api, const char *workflow, const struct osmo_task *t, bool events,
                     struct api_callbacks cb)
{
	struct api_stream_opts so = { .what = events ? API_STREAM_EVENTS : API_STREAM_LOGS,
		                      .workflow_id = workflow,
		                      .task = t->name,
		                      .retry_id = t->retry_id,
		                      .last_n_lines =
		                              events ? TRIAGE_FETCH_EVENTS : TRIAGE_FETCH_TAIL,
		                      .idle_timeout_s = TRIAGE_FETCH_IDLE_S };

	/* The error log where the status keeps one: the end of the story, whole. */
	if (!events && osmo_status_has_error_logs(t->status))
		return api_error_logs(api, workflow, t->name, t->retry_id, cb);
	return api_stream(api, &so, cb);
}

/* The root task's log (or error log) and its warning events into out. */
static void
triage_fetch_lines(struct session *s, const char *workflow, const struct osmo_task *t,
                   struct triage_fetch *out)
{
	for (int events = 0; events < 2; events++) {
		struct triage_fetch_call c = { 0 };
		unsigned long id = triage_fetch_request(s->api, workflow, t, events,
		                                        triage_fetch_callbacks(&c));
		struct api_error err = triage_fetch_wait(s, &c, id);

		triage_lines_take(&out->lines, events, &c.body, &err);
		triage_fetch_call_free(&c);
	}
}

int
triage_fetch(struct session *s, const char *workflow, struct triage_fetch *out,
             struct api_error *err)
{
	struct triage_fetch_call q = { 0 }, spec = { 0 };
	unsigned long id;

	memset(out, 0, sizeof(*out));
	id = api_query(s->api, workflow, true, false, triage_fetch_callbacks(&q));
	*err = triage_fetch_wait(s, &q, id);
	out->wf = q.call.res;
	memset(&q.call.res, 0, sizeof(q.call.res));
	triage_fetch_call_free(&q);
	if (err->kind != API_OK)
		return -1;
	/* The rules come from the spec; without it every group keeps the default rule. */
	id = api_spec(s->api, workflow, false, triage_fetch_callbacks(&spec));
	if (triage_fetch_wait(s, &spec, id).kind == API_OK && spec.body.len)
		spec_rules_strict_groups(spec.body.buf, spec.body.len, &out->strict);
	triage_fetch_call_free(&spec);
	triage_root(&out->wf.workflow, &out->strict, &out->root);
	if (out->root.task) {
		out->lines.has_errors = osmo_status_has_error_logs(out->root.task->status);
		triage_fetch_lines(s, workflow, out->root.task, out);
	}
	return 0;
}

struct triage_card
triage_fetch_card(const struct triage_fetch *f)
{
	return (struct triage_card){ .wf = &f->wf.workflow, .root = &f->root, .lines = &f->lines };
}

void
triage_fetch_free(struct triage_fetch *f)
{
	api_result_free(&f->wf);
	strv_free(&f->strict);
	triage_lines_free(&f->lines);
	memset(f, 0, sizeof(*f));
}
