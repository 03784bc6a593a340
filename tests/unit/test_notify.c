/* test_notify.c: what is told of changes, how often the terminal is alerted, and the log. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "tui/notify.h"

static const struct notify_settings notify_on = { .enabled = true,
	                                          .bell = true,
	                                          .desktop = NOTIFY_DESKTOP_OSC9 };

/* One workflow event from -> to, as the list or the open workflow's poll would see it. */
static void
tn_tell(struct notify *n, const char *wf, enum osmo_status from, enum osmo_status to, int64_t now,
        struct notify_alert *alert)
{
	struct changes c = { 0 };

	changes_add(&c, &(struct changes_event){ .kind = CHANGES_WORKFLOW,
	                                         .workflow = wf,
	                                         .seen = true,
	                                         .from = from,
	                                         .to = to });
	notify_changes(n, &c, "http://osmo.test", now, 1000, alert);
	changes_clear(&c);
}

static void
test_told_once_and_logged(void **state)
{
	struct notify n;
	struct notify_alert al;

	(void)state;
	notify_init(&n, &notify_on);
	tn_tell(&n, "wf-1", OSMO_PENDING, OSMO_RUNNING, 0, &al);
	assert_true(al.bell);
	assert_string_equal(al.title, "osmotop");
	assert_string_equal(al.body, "wf-1 started running (was PENDING)");
	notify_alert_free(&al);
	/* The list says it too, a moment later: nothing new. */
	tn_tell(&n, "wf-1", OSMO_PENDING, OSMO_RUNNING, 10, &al);
	assert_false(al.bell);
	assert_null(al.body);
	assert_int_equal(n.count, 1);
	tn_tell(&n, "wf-1", OSMO_RUNNING, OSMO_FAILED, 20, &al);
	notify_alert_free(&al);
	assert_int_equal(n.count, 2);
	assert_int_equal(n.unread, 2);
	assert_string_equal(notify_entry(&n, 0)->text, "wf-1 FAILED");
	assert_int_equal(notify_entry(&n, 0)->worth, CHANGES_FAILED);
	assert_string_equal(notify_entry(&n, 1)->text, "wf-1 started running (was PENDING)");
	notify_free(&n);
}

/* A burst rings a few times a minute; the rest are logged and counted into the next alert. */
static void
test_rate_limit(void **state)
{
	struct notify n;
	struct notify_alert al;
	char name[32];
	int rung = 0;

	(void)state;
	notify_init(&n, &notify_on);
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "wf-%d", i);
		tn_tell(&n, name, OSMO_RUNNING, OSMO_COMPLETED, 1000 + i, &al);
		rung += al.bell;
		notify_alert_free(&al);
	}
	assert_int_equal(rung, 4);
	assert_int_equal(n.count, 10);
	tn_tell(&n, "wf-late", OSMO_RUNNING, OSMO_FAILED, 1000 + 61000, &al);
	assert_true(al.bell);
	assert_string_equal(al.body, "wf-late FAILED (and 6 more changes)");
	notify_alert_free(&al);
	notify_free(&n);
}

/* Hostile names reach neither the log nor the terminal with control or bidi characters. */
static void
test_hostile_names(void **state)
{
	struct notify n;
	struct notify_alert al;

	(void)state;
	notify_init(&n, &notify_on);
	tn_tell(&n, "wf\033]2;pwned\a\xe2\x80\xae-1", OSMO_RUNNING, OSMO_COMPLETED, 0, &al);
	assert_null(strchr(al.body, '\033'));
	assert_null(strchr(al.body, '\a'));
	assert_null(strstr(al.body, "\xe2\x80\xae"));
	assert_null(strchr(notify_entry(&n, 0)->text, '\033'));
	notify_alert_free(&al);
	notify_free(&n);
}

/* A task gone silent is told with its words, as a stall, though its status did not change. */
static void
test_stall(void **state)
{
	struct notify n;
	struct notify_alert al;
	struct changes c = { 0 };

	(void)state;
	notify_init(&n, &notify_on);
	changes_add(&c, &(struct changes_event){ .kind = CHANGES_TASK,
	                                         .workflow = "wf-1",
	                                         .group = "train",
	                                         .task = "worker-3",
	                                         .seen = true,
	                                         .from = OSMO_RUNNING,
	                                         .to = OSMO_RUNNING,
	                                         .message = "silent 14m, peers 20s",
	                                         .stall = true });
	notify_changes(&n, &c, "http://osmo.test", 0, 1000, &al);
	assert_int_equal(changes_worth(&c.v[0]), CHANGES_STALL);
	assert_string_equal(notify_entry(&n, 0)->text,
	                    "wf-1: train/worker-3 silent 14m, peers 20s");
	assert_true(al.bell);
	notify_alert_free(&al);
	changes_clear(&c);
	notify_free(&n);
}

static void
test_off_switch(void **state)
{
	struct notify_settings off = notify_on;
	struct notify n;
	struct notify_alert al;

	(void)state;
	off.enabled = false;
	notify_init(&n, &off);
	tn_tell(&n, "wf-1", OSMO_RUNNING, OSMO_FAILED, 0, &al);
	assert_false(al.bell);
	assert_int_equal(n.count, 0);
	notify_free(&n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_told_once_and_logged), cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_hostile_names),        cmocka_unit_test(test_stall),
		cmocka_unit_test(test_off_switch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
