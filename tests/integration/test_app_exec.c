/* test_app_exec.c: the monitor's port-forwards and group exec from the keyboard, against osmo-local. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tui/app.h"
#include "lfix.h"
#include "tui/screen.h"
#include "tui/session.h"

#define AXT_START_MS 20000 /* submit to RUNNING, a forward to listening, an echo */

/* Two tasks in one group, each serving a TCP echo on its own @PORT@ of 127.0.0.1. */
static const char axt_spec[] =
        "workflow:\n"
        "  name: serve\n"
        "  groups:\n"
        "  - name: servers\n"
        "    tasks:\n"
        "    - name: web\n"
        "      lead: true\n"
        "      image: python:3.11-slim\n"
        "      command: [\"python3\", \"-c\"]\n"
        "      args:\n"
        "      - |\n"
        "        import socketserver\n"
        "        class T(socketserver.StreamRequestHandler):\n"
        "            def handle(self):\n"
        "                for line in self.rfile:\n"
        "                    self.wfile.write(b'echo ' + line)\n"
        "        socketserver.ThreadingTCPServer.allow_reuse_address = True\n"
        "        socketserver.ThreadingTCPServer((\"127.0.0.1\", @PORT@), T).serve_forever()\n"
        "    - name: worker\n"
        "      image: python:3.11-slim\n"
        "      command: [\"sleep\", \"600\"]\n";

struct axt {
	struct lfix f;
	char *workflow;
	int port;
	struct session s;
	struct app_opts o;
	struct app *a;
};

static int
axt_setup(void **state)
{
	struct axt *t = xcalloc(1, sizeof(*t));
	struct session_opts so = { .user = "jdoe" };
	struct api_error err = { 0 };
	struct osmo_workflow wf;
	char *port, *yaml;

	lfix_open(&t->f, "app-exec-itest", NULL);
	t->port = lfix_free_port();
	port = xasprintf("%d", t->port);
	yaml = lfix_replace(axt_spec, "@PORT@", port);
	t->workflow = lfix_submit(&t->f, yaml, NULL);
	free(yaml);
	free(port);
	lfix_wait(&t->f, t->workflow, AXT_START_MS, lfix_running, &wf);
	osmo_workflow_free(&wf);
	so.url = t->f.server.url;
	assert_int_equal(session_open(&t->s, &so, &err), 0);
	t->o = (struct app_opts){ .user = "jdoe",
		                  .start = APP_START_WORKFLOW,
		                  .workflow = t->workflow };
	t->a = app_new(&t->s, &t->o);
	assert_int_equal(app_settle(t->a, clock_mono_ms() + LFIX_CALL_MS), 0);
	*state = t;
	return 0;
}

static int
axt_teardown(void **state)
{
	struct axt *t = *state;

	app_free(t->a);
	session_close(&t->s);
	lfix_close(&t->f);
	free(t->workflow);
	free(t);
	return 0;
}

static void
axt_keys(struct axt *t, const char *keys)
{
	for (const char *k = keys; *k; k++)
		app_key(t->a, *k == '\r'  ? SCREEN_KEY_ENTER
		              : *k == 033 ? SCREEN_KEY_ESC
		                          : (unsigned char)*k);
}

static char *
axt_frame(struct axt *t)
{
	return canvas_to_text(app_frame(t->a, 24, 120));
}

/* Runs the monitor's loop until its frame shows text; fails with the frame after timeout_ms. */
static void
axt_wait_text(struct axt *t, const char *text, int timeout_ms)
{
	int64_t deadline = clock_mono_ms() + timeout_ms;

	for (;;) {
		char *frame = axt_frame(t);
		bool found = strstr(frame, text) != NULL;

		if (found) {
			free(frame);
			return;
		}
		if (clock_mono_ms() >= deadline)
			fail_msg("no \"%s\" within %d ms in:\n%s", text, timeout_ms, frame);
		free(frame);
		app_step(t->a, 50);
	}
}

/* Types keys, then waits up to a second for text: the monitor's answer to them. */
static void
axt_press(struct axt *t, const char *keys, const char *text)
{
	axt_keys(t, keys);
	axt_wait_text(t, text, 1000);
}

/* One line through 127.0.0.1:port and back, the monitor's loop running meanwhile. */
static char *
axt_echo(struct axt *t, int port, const char *line)
{
	struct sockaddr_in sa = lfix_loopback(port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int64_t deadline = clock_mono_ms() + AXT_START_MS;
	char buf[256];
	size_t got = 0;

	assert_true(fd >= 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		assert_int_equal(errno, EINPROGRESS);
	/* The listen backlog takes the connection before the monitor accepts it. */
	while (send(fd, line, strlen(line), MSG_NOSIGNAL) < 0) {
		assert_true(errno == EAGAIN || errno == ENOTCONN);
		app_step(t->a, 20);
	}
	while (!memchr(buf, '\n', got)) {
		ssize_t r = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);

		if (r == 0)
			fail_msg("the forward closed the connection after %zu bytes", got);
		if (r < 0)
			assert_int_equal(errno, EAGAIN);
		got += r > 0 ? (size_t)r : 0;
		if (clock_mono_ms() >= deadline)
			fail_msg("no echo within %d ms", AXT_START_MS);
		app_step(t->a, 20);
	}
	close(fd);
	buf[got] = '\0';
	return xstrdup(buf);
}

/* F on the group's lead, a port, Enter: the forward runs, shows in p, and x stops it. */
static void
test_forward_from_the_keyboard(void **state)
{
	struct axt *t = *state;
	int local = lfix_free_port();
	char *spec = xasprintf("%d:%d", t->port, local), *want, *echo;

	want = xasprintf("%d→%d", local, t->port);
	axt_keys(t, "F");
	axt_press(t, spec, want); /* the dialog's preview */
	free(want);
	axt_press(t, "\r", "· p: the port-forwards");
	echo = axt_echo(t, local, "hello\n");
	assert_string_equal(echo, "echo hello\n");
	free(echo);
	want = xasprintf("127.0.0.1:%d", local);
	axt_press(t, "p", want);
	axt_wait_text(t, "listening", 1000);
	axt_wait_text(t, "11 B", 1000); /* "echo hello\n" came down */
	/* Narrow, the workflow and task names are cut before the port, never the port. */
	{
		char *narrow = canvas_to_text(app_frame(t->a, 24, 70));
		char *port = xasprintf(":%d ", t->port);

		if (!strstr(narrow, port))
			fail_msg("no \"%s\" in:\n%s", port, narrow);
		free(port);
		free(narrow);
	}
	axt_press(t, "x", "stopped");
	/* The local port is free again. */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = lfix_loopback(local);

	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), -1);
	close(fd);
	free(want);
	free(spec);
}

/* A local port in use is named in the dialog, and Enter keeps the dialog to change it. */
static void
test_forward_port_taken(void **state)
{
	struct axt *t = *state;
	int taken, fd = lfix_listen(&taken);
	char *spec = xasprintf("%d:%d", t->port, taken), *frame;

	axt_keys(t, "F");
	axt_press(t, spec, "(taken)");
	axt_press(t, "\r", "is taken; pick a local port");
	frame = axt_frame(t);
	assert_non_null(strstr(frame, "Port-forward from web")); /* still open */
	free(frame);
	/* Nonsense is refused with a reason, before anything goes out. */
	axt_keys(t, "\033F0-\r");
	frame = axt_frame(t);
	assert_non_null(strstr(frame, "Port-forward from web"));
	/* A new dialog (Esc dropped the first one's ports), and why its text is no spec. */
	assert_non_null(strstr(frame, "remote port(s)[:local]: 0-▏"));
	assert_non_null(strstr(frame, "0-: not REMOTE[:LOCAL]"));
	assert_null(strstr(frame, "forwarding (p)"));
	free(frame);
	close(fd);
	free(spec);
}

/* S on the group: the command's lines come back from both tasks, each prefixed by its name. */
static void
test_group_exec_from_the_keyboard(void **state)
{
	struct axt *t = *state;

	axt_press(t, "S", "Run a command on every running task of servers");
	/* A shell would wait for input that never comes: refused, the dialog stays. */
	axt_press(t, "bash", "an interactive shell: s opens one in a single task");
	axt_press(t, "\r", "bash waits for input a group exec never sends");
	app_key(t->a, SCREEN_KEY_ESC);
	axt_keys(t, "S");
	axt_keys(t, "sh -c 'echo hi-$((6*7)); printf tail'\r");
	axt_wait_text(t, "[web] hi-42", AXT_START_MS);
	axt_wait_text(t, "[worker] hi-42", AXT_START_MS);
	/* A last line without its newline still comes, when the task's session ends. */
	axt_wait_text(t, "[web] tail", AXT_START_MS);
	axt_wait_text(t, "[worker] tail", AXT_START_MS);
	axt_wait_text(t, "done on 2 tasks", AXT_START_MS);
	axt_wait_text(t, "servers · $ sh -c", 1000);
}

/* s with no terminal, and s, F, S once the workflow ended, say why instead of trying. */
static void
test_refusals(void **state)
{
	struct axt *t = *state;
	struct wait_call c;
	struct osmo_workflow wf;

	axt_press(t, "s", "a shell needs the terminal");
	api_cancel(t->f.api, t->workflow, true, "test", wait_call_start(&c));
	lfix_finish(&t->f, &c, true);
	wait_call_free(&c);
	lfix_wait(&t->f, t->workflow, AXT_START_MS, lfix_ended, &wf);
	osmo_workflow_free(&wf);
	app_key(t->a, SCREEN_CTRL('r'));
	axt_wait_text(t, "web      ■  FAILED_CANCELED", AXT_START_MS);
	axt_press(t, "s", "a shell needs a RUNNING task; web is FAILED_CANCELED");
	axt_press(t, "F", "is FAILED_CANCELED: no task runs to forward from");
	axt_press(t, "S", "is FAILED_CANCELED: no task runs a command");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_forward_from_the_keyboard, axt_setup,
		                                axt_teardown),
		cmocka_unit_test_setup_teardown(test_forward_port_taken, axt_setup, axt_teardown),
		cmocka_unit_test_setup_teardown(test_group_exec_from_the_keyboard, axt_setup,
		                                axt_teardown),
		cmocka_unit_test_setup_teardown(test_refusals, axt_setup, axt_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
