/* test_app_wait.c: the monitor says why a queued workflow waits, against osmo-local with one slot. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui/app.h"
#include "lfix.h"
#include "tui/session.h"

#define AWT_START_MS 20000 /* submit to RUNNING, an update of the monitor */

/* One task holding the one slot until it is canceled. */
static const char awt_sleeper[] = "workflow:\n"
                                  "  name: %s\n"
                                  "  tasks:\n"
                                  "  - name: nap\n"
                                  "    image: ubuntu\n"
                                  "    command: [\"sleep\", \"600\"]\n";

static char *
awt_submit(struct lfix *f, const char *name)
{
	char *yaml = xasprintf(awt_sleeper, name);
	char *id = lfix_submit(f, yaml, NULL);

	free(yaml);
	return id;
}

static void
awt_cancel(struct lfix *f, const char *id)
{
	struct wait_call c;

	api_cancel(f->api, id, false, NULL, wait_call_start(&c));
	lfix_finish(f, &c, true);
	wait_call_free(&c);
}

/* Runs the monitor until its frame shows (or, want false, no longer shows) text. */
static void
awt_wait_text(struct app *a, const char *text, bool want, int timeout_ms)
{
	int64_t deadline = clock_mono_ms() + timeout_ms;

	for (;;) {
		char *frame = canvas_to_text(app_frame(a, 24, 140));
		bool found = strstr(frame, text) != NULL;

		if (found == want) {
			free(frame);
			return;
		}
		if (clock_mono_ms() >= deadline)
			fail_msg("\"%s\" %s within %d ms in:\n%s", text,
			         want ? "not shown" : "still shown", timeout_ms, frame);
		free(frame);
		app_step(a, 50);
	}
}

/* A blocker holds the slot, a first waiter queues, the second one opened in the monitor waits
 * behind both: the header names the pool's free slots and the one PENDING ahead of it; once
 * the slots free up and it runs, the reason goes. */
static void
test_queued_workflow_says_why(void **state)
{
	static const char *const extra[] = { "--slots", "1", NULL };
	struct lfix f;
	struct session s;
	struct session_opts so = { .user = "jdoe" };
	struct app_opts o = { .user = "jdoe", .start = APP_START_WORKFLOW };
	struct api_error err = { 0 };
	struct osmo_workflow wf;
	struct app *a;
	char *blocker, *first, *second;

	(void)state;
	lfix_open(&f, "app-wait-itest", extra);
	blocker = awt_submit(&f, "blocker");
	lfix_wait(&f, blocker, AWT_START_MS, lfix_running, &wf);
	osmo_workflow_free(&wf);
	first = awt_submit(&f, "first");
	/* A workflow submitted in the same millisecond is not counted ahead: the times are equal. */
	nanosleep(&(struct timespec){ .tv_nsec = 5000000 }, NULL);
	second = awt_submit(&f, "second");
	so.url = f.server.url;
	assert_int_equal(session_open(&s, &so, &err), 0);
	o.workflow = second;
	a = app_new(&s, &o);
	awt_wait_text(a,
	              "waiting pool default has 0 of 1 task slots free · 1 workflow queued ahead",
	              true, AWT_START_MS);
	/* The blocker and the first go: the second runs and no longer says it waits. */
	awt_cancel(&f, blocker);
	awt_cancel(&f, first);
	awt_wait_text(a, "RUNNING", true, AWT_START_MS);
	awt_wait_text(a, "waiting pool", false, AWT_START_MS);
	app_free(a);
	session_close(&s);
	awt_cancel(&f, second);
	lfix_close(&f);
	free(blocker);
	free(first);
	free(second);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queued_workflow_says_why),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
