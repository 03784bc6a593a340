/* lfix.c: the osmo-local fixture: a scratch directory, the server on port 0, a client on it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lfix.h"
#include "common/util.h"

#define LFIX_MAX_ARGS 16

static void
lfix_open_as(struct lfix *f, const char *name, const char *const *extra, bool owner)
{
	memset(f, 0, sizeof(*f));
	f->owner = owner;
	snprintf(f->dir, sizeof(f->dir), "/tmp/osmo-%s-XXXXXX", name);
	assert_non_null(mkdtemp(f->dir));
	f->state = xasprintf("%s/state", f->dir);
	f->server.pid = -1;
	f->server.out_fd = -1;
	f->loop = loop_new();
	f->http = http_new(API_USER_AGENT);
	loop_add_source(f->loop, &http_source, f->http);
	auth_init_dev(&f->auth, "jdoe");
	lfix_start(f, extra);
}

void
lfix_open(struct lfix *f, const char *name, const char *const *extra)
{
	lfix_open_as(f, name, extra, false);
}

void
lfix_open_owner(struct lfix *f, const char *name, const char *const *extra)
{
	lfix_open_as(f, name, extra, true);
}

void
lfix_start(struct lfix *f, const char *const *extra)
{
	char *bin = xasprintf("%s/bin/osmo-local", proc_build_dir());
	const char *argv[LFIX_MAX_ARGS] = { bin,      "--listen",   "127.0.0.1:0", "--state",
		                            f->state, "--phase-ms", "0",           "--dev-auth" };
	size_t n = f->owner ? 7 : 8;

	for (; extra && *extra; extra++) {
		assert_true(n < LFIX_MAX_ARGS - 1);
		argv[n++] = *extra;
	}
	argv[n] = NULL;
	assert_int_equal(proc_start_server(&f->server, (char *const *)argv, LFIX_CALL_MS), 0);
	free(bin);
	api_free(f->api);
	if (f->owner) {
		char *token = xasprintf("%s/access_token", f->state);
		struct api_error err = { 0 };
		bool loose;

		auth_free(&f->auth);
		if (auth_load_token(&f->auth, f->server.url, token, &loose, &err) < 0)
			fail_msg("%s", err.message);
		free(token);
	}
	f->api = api_new(f->server.url, &f->auth, f->http, f->loop);
}

int
lfix_stop(struct lfix *f, int timeout_ms)
{
	api_free(f->api);
	f->api = NULL;
	return proc_stop(&f->server, timeout_ms);
}

int
lfix_close(struct lfix *f)
{
	int rc = f->server.pid > 0 ? lfix_stop(f, 5000) : 0;

	api_free(f->api);
	f->api = NULL;
	http_free(f->http);
	loop_free(f->loop);
	auth_free(&f->auth);
	proc_remove_tree(f->dir);
	free(f->state);
	f->state = NULL;
	return rc;
}

const char *const lfix_one_slot[] = { "--slots", "1", NULL };

int
lfix_state_open(void **state, const char *name, const char *const *extra)
{
	struct lfix *f = xmalloc(sizeof(*f));

	lfix_open(f, name, extra);
	*state = f;
	return 0;
}

int
lfix_state_close(void **state)
{
	struct lfix *f = *state;
	int rc = lfix_close(f);

	free(f);
	return rc;
}

void
lfix_finish(struct lfix *f, struct wait_call *c, bool want_ok)
{
	wait_loop_until(f->loop, &c->done, LFIX_CALL_MS);
	if (want_ok && c->res.err.kind != API_OK)
		fail_msg("%s", c->res.err.message);
	if (!want_ok && c->res.err.kind == API_OK)
		fail_msg("the call succeeded; an error was expected");
}

char *
lfix_submit(struct lfix *f, const char *yaml, const char *workflow_id)
{
	struct api_submit_opts o = { .pool = "default", .yaml = yaml, .workflow_id = workflow_id };
	struct wait_call c;
	char *id;

	api_submit(f->api, &o, wait_call_start(&c));
	lfix_finish(f, &c, true);
	assert_non_null(c.res.submit.name);
	id = xstrdup(c.res.submit.name);
	wait_call_free(&c);
	return id;
}

void
lfix_query(struct lfix *f, const char *id, bool verbose, struct osmo_workflow *out)
{
	struct wait_call c;

	api_query(f->api, id, verbose, false, wait_call_start(&c));
	lfix_finish(f, &c, true);
	*out = c.res.workflow;
	memset(&c.res.workflow, 0, sizeof(c.res.workflow));
	wait_call_free(&c);
}

void
lfix_dump(const struct osmo_workflow *wf)
{
	fprintf(stderr, "workflow %s: %s\n", wf->name, osmo_status_wire(wf->status));
	for (size_t g = 0; g < wf->n_groups; g++)
		for (size_t i = 0; i < wf->groups[g].n_tasks; i++) {
			const struct osmo_task *task = &wf->groups[g].tasks[i];

			fprintf(stderr, "  group %s: %s, task %s retry %d: %s exit %d (%s)\n",
			        wf->groups[g].name, osmo_status_wire(wf->groups[g].status),
			        task->name, task->retry_id, osmo_status_wire(task->status),
			        task->has_exit_code ? task->exit_code : -1,
			        task->failure_message ? task->failure_message : "no message");
		}
}

void
lfix_wait(struct lfix *f, const char *id, int timeout_ms,
          bool (*done)(const struct osmo_workflow *wf), struct osmo_workflow *out)
{
	int64_t deadline = clock_mono_ms() + timeout_ms;

	for (;;) {
		lfix_query(f, id, true, out);
		if (done(out))
			return;
		if (clock_mono_ms() >= deadline) {
			lfix_dump(out);
			fail_msg("workflow %s is still %s after %d ms", id,
			         osmo_status_wire(out->status), timeout_ms);
		}
		osmo_workflow_free(out);
		wait_loop_for(f->loop, LFIX_POLL_MS);
	}
}

bool
lfix_running(const struct osmo_workflow *wf)
{
	return wf->status == OSMO_RUNNING;
}

bool
lfix_ended(const struct osmo_workflow *wf)
{
	return !osmo_status_is_alive(wf->status);
}

char *
lfix_replace(const char *s, const char *from, const char *to)
{
	struct strbuf sb = { 0 };
	size_t n = strlen(from);
	const char *hit;

	strbuf_addstr(&sb, "");
	while ((hit = strstr(s, from))) {
		strbuf_add(&sb, s, (size_t)(hit - s));
		strbuf_addstr(&sb, to);
		s = hit + n;
	}
	strbuf_addstr(&sb, s);
	return strbuf_detach(&sb);
}

static void
lfix_reply_done(void *ctx, const struct http_result *res)
{
	struct lfix_reply *r = ctx;

	r->status = res->status;
	r->done = true;
}

void
lfix_post_start(struct lfix *f, const char *path, struct lfix_reply *r)
{
	char *url = xasprintf("%s%s", f->server.url, path);
	struct http_spec spec = { .method = "POST",
		                  .url = url,
		                  .timeout_ms = LFIX_CALL_MS,
		                  .on_done = lfix_reply_done,
		                  .ctx = r };

	*r = (struct lfix_reply){ 0 };
	http_start(f->http, &spec);
	free(url);
}

int
lfix_osmotop(const struct lfix *f, const char *command, const char *const *args, int timeout_ms,
             char **out, char **err)
{
	const char *argv[PROC_MAX_ARGS] = { command, "--url", f->server.url, "--user", "jdoe" };
	size_t n = 5;

	for (; *args; args++) {
		/* Dropping an argument would quietly run another command than the test meant. */
		assert_true(n < PROC_MAX_ARGS - 2);
		argv[n++] = *args;
	}
	return proc_run_osmotop(argv, timeout_ms, out, err);
}

char *
lfix_osmotop_expect(const struct lfix *f, const char *command, const char *const *args,
                    int timeout_ms, int status, const char *out_has, const char *err_has)
{
	char *out = NULL, *err = NULL;
	int rc = lfix_osmotop(f, command, args, timeout_ms, &out, &err);

	if (rc != status || (out_has && !strstr(out, out_has)) ||
	    (err_has && !strstr(err, err_has)))
		fail_msg("osmotop %s exited %d (want %d, stdout with \"%s\", stderr with \"%s\")\n"
		         "stdout: %s\nstderr: %s",
		         command, rc, status, out_has ? out_has : "", err_has ? err_has : "", out,
		         err);
	free(err);
	return out;
}

struct sockaddr_in
lfix_loopback(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sa;
}

int
lfix_listen(int *port)
{
	struct sockaddr_in sa = lfix_loopback(0);
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

int
lfix_free_port(void)
{
	int port;

	/* Closed before anything connects, so the port is free again at once (no TIME_WAIT). */
	close(lfix_listen(&port));
	return port;
}

void
lfix_has_line(const char *text, const char *re)
{
	regex_t rx;

	assert_int_equal(regcomp(&rx, re, REG_EXTENDED | REG_NEWLINE | REG_NOSUB), 0);
	if (regexec(&rx, text, 0, NULL, 0) != 0)
		fail_msg("no line matches /%s/ in:\n%s", re, text);
	regfree(&rx);
}
