/* test_triage.c: the triage card of workflows that osmo-local really failed, one way each. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfix.h"
#include "common/util.h"

#define TTEST_END_MS  15000 /* a workflow from submit to its end */
#define TTEST_CARD_MS 20000 /* osmotop --snapshot --view triage, its fetches included */

/* ------------------------------------------------------------------ fixture */

static int
ttest_setup(void **state)
{
	return lfix_state_open(state, "triage-itest", NULL);
}

static int
ttest_setup_one_slot(void **state)
{
	return lfix_state_open(state, "triage-itest", lfix_one_slot);
}

/* Submits yaml and waits for the workflow to end; its ID, and every retry in *wf. */
static char *
ttest_run(struct lfix *t, const char *yaml, struct osmo_workflow *wf)
{
	char *id = lfix_submit(t, yaml, NULL);

	lfix_wait(t, id, TTEST_END_MS, lfix_ended, wf);
	return id;
}

/* The card as `osmotop --snapshot --view triage ID` prints it; wide, so nothing is cut. */
static char *
ttest_card(const struct lfix *t, const char *id)
{
	const char *args[] = { "--size", "200x70", "--view", "triage", id, NULL };

	return lfix_osmotop_expect(t, "--snapshot", args, TTEST_CARD_MS, 0, "why it failed", NULL);
}

/* Fails, showing the card, if a line of card matches re. */
static void
ttest_lacks(const char *card, const char *re)
{
	regex_t rx;

	assert_int_equal(regcomp(&rx, re, REG_EXTENDED | REG_NEWLINE | REG_NOSUB), 0);
	if (regexec(&rx, card, 0, NULL, 0) == 0)
		fail_msg("the card has /%s/:\n%s", re, card);
	regfree(&rx);
}

/* Fails unless group name of wf ended with status st. */
static const struct osmo_group *
ttest_group(const struct osmo_workflow *wf, const char *name, enum osmo_status st)
{
	const struct osmo_group *g = osmo_workflow_find_group(wf, name);

	if (!g) {
		lfix_dump(wf);
		fail_msg("no group %s", name);
	}
	if (g->status != st) {
		lfix_dump(wf);
		fail_msg("group %s is %s, expected %s", name, osmo_status_wire(g->status),
		         osmo_status_wire(st));
	}
	return g;
}

/* ------------------------------------------------------------------ one failure each */

static void
test_plain_exit(void **state)
{
	struct lfix *t = *state;
	static const char spec[] = "workflow:\n"
	                           "  name: tri-exit\n"
	                           "  tasks:\n"
	                           "  - name: crunch\n"
	                           "    image: ubuntu:24.04\n"
	                           "    command: [\"sh\", \"-c\"]\n"
	                           "    args:\n"
	                           "    - |\n"
	                           "      echo reading shards\n"
	                           "      echo 'ERROR: checksum mismatch in shard 7' >&2\n"
	                           "      exit 3\n";
	struct osmo_workflow wf;
	char *id = ttest_run(t, spec, &wf);
	char *card = ttest_card(t, id);

	ttest_group(&wf, "crunch-group", OSMO_FAILED);
	lfix_has_line(card, "^root cause +crunch-group / crunch( \\(lead\\))?, retry 0");
	lfix_has_line(card, "^status +[^ ]+ FAILED: the task's command exited with an error");
	lfix_has_line(card, "^next step +read the error log \\(e\\)");
	lfix_has_line(card, "^exit code +3 · ");
	lfix_has_line(card, "^message +.*Exit code 3");
	lfix_has_line(card, "^group rule +crunch-group fails when its lead fails "
	                    "\\(ignoreNonleadStatus: true\\)");
	lfix_has_line(card, "^retries +r0 [^ ]+ 3$");
	lfix_has_line(card, "^took down +nothing below it");
	lfix_has_line(card, "^error log, its end");
	lfix_has_line(card, "ERROR: checksum mismatch in shard 7");
	free(card);
	osmo_workflow_free(&wf);
	free(id);
}

static void
test_exec_timeout(void **state)
{
	struct lfix *t = *state;
	static const char spec[] =
	        "workflow:\n"
	        "  name: tri-slow\n"
	        "  timeout:\n"
	        "    exec_timeout: 1s\n"
	        "  tasks:\n"
	        "  - name: slow\n"
	        "    image: ubuntu:24.04\n"
	        "    command: [\"sh\", \"-c\", \"echo warming up; exec sleep 10\"]\n"
	        "  - name: after\n"
	        "    image: ubuntu:24.04\n"
	        "    command: [\"sh\", \"-c\", \"echo after\"]\n"
	        "    inputs:\n"
	        "    - task: slow\n";
	struct osmo_workflow wf;
	char *id = ttest_run(t, spec, &wf);
	char *card = ttest_card(t, id);

	assert_int_equal(wf.status, OSMO_FAILED_EXEC_TIMEOUT);
	ttest_group(&wf, "slow-group", OSMO_FAILED_EXEC_TIMEOUT);
	/* The waiting group gets the timeout too, before the running one ends: not the cause. */
	ttest_group(&wf, "after-group", OSMO_FAILED_EXEC_TIMEOUT);
	lfix_has_line(card, "^root cause +slow-group / slow( \\(lead\\))?, retry 0");
	lfix_has_line(card,
	              "^status +[^ ]+ FAILED_EXEC_TIMEOUT: it ran longer than its exec_timeout");
	lfix_has_line(card, "^next step +raise exec_timeout in the spec");
	lfix_has_line(card, "^message +.*exec_timeout");
	/* It never started: the timeout that ended the root swept it too. */
	lfix_has_line(card, "^took down +after-group \\(FAILED_EXEC_TIMEOUT\\)");
	free(card);
	osmo_workflow_free(&wf);
	free(id);
}

static void
test_queue_timeout(void **state)
{
	struct lfix *t = *state;
	static const char hog[] = "workflow:\n"
	                          "  name: tri-hog\n"
	                          "  tasks:\n"
	                          "  - name: hog\n"
	                          "    image: ubuntu:24.04\n"
	                          "    command: [\"sh\", \"-c\", \"exec sleep 10\"]\n";
	static const char starved[] = "workflow:\n"
	                              "  name: tri-starved\n"
	                              "  timeout:\n"
	                              "    queue_timeout: 1s\n"
	                              "  tasks:\n"
	                              "  - name: starved\n"
	                              "    image: ubuntu:24.04\n"
	                              "    command: [\"sh\", \"-c\", \"echo should not run\"]\n"
	                              "  - name: after\n"
	                              "    image: ubuntu:24.04\n"
	                              "    command: [\"sh\", \"-c\", \"echo after\"]\n"
	                              "    inputs:\n"
	                              "    - task: starved\n";
	struct osmo_workflow wf;
	struct wait_call c;
	char *hog_id = lfix_submit(t, hog, NULL);
	char *id, *card;

	/* The one slot is taken before the second workflow queues. */
	lfix_wait(t, hog_id, TTEST_END_MS, lfix_running, &wf);
	osmo_workflow_free(&wf);
	id = ttest_run(t, starved, &wf);
	card = ttest_card(t, id);
	assert_int_equal(wf.status, OSMO_FAILED_QUEUE_TIMEOUT);
	ttest_group(&wf, "starved-group", OSMO_FAILED_QUEUE_TIMEOUT);
	lfix_has_line(card, "^root cause +starved-group / starved( \\(lead\\))?, retry 0");
	lfix_has_line(card, "^status +[^ ]+ FAILED_QUEUE_TIMEOUT: it waited in the queue longer");
	lfix_has_line(card, "^next step +check the pool's capacity");
	lfix_has_line(card, "^message +.*queue_timeout");
	ttest_lacks(card, "^exit code");
	free(card);
	osmo_workflow_free(&wf);
	api_cancel(t->api, hog_id, false, NULL, wait_call_start(&c));
	lfix_finish(t, &c, true);
	wait_call_free(&c);
	lfix_wait(t, hog_id, TTEST_END_MS, lfix_ended, &wf);
	osmo_workflow_free(&wf);
	free(id);
	free(hog_id);
}

static void
test_upstream(void **state)
{
	struct lfix *t = *state;
	static const char spec[] = "workflow:\n"
	                           "  name: tri-upstream\n"
	                           "  tasks:\n"
	                           "  - name: fetch\n"
	                           "    image: ubuntu:24.04\n"
	                           "    command: [\"sh\", \"-c\", \"echo 'no rows' >&2; exit 4\"]\n"
	                           "  - name: train\n"
	                           "    image: ubuntu:24.04\n"
	                           "    command: [\"sh\", \"-c\", \"echo training\"]\n"
	                           "    inputs:\n"
	                           "    - task: fetch\n"
	                           "  - name: report\n"
	                           "    image: ubuntu:24.04\n"
	                           "    command: [\"sh\", \"-c\", \"echo reporting\"]\n"
	                           "    inputs:\n"
	                           "    - task: train\n"
	                           "  - name: lint\n"
	                           "    image: ubuntu:24.04\n"
	                           "    command: [\"sh\", \"-c\", \"echo clean\"]\n";
	struct osmo_workflow wf;
	char *id = ttest_run(t, spec, &wf);
	char *card = ttest_card(t, id);

	ttest_group(&wf, "fetch-group", OSMO_FAILED);
	ttest_group(&wf, "train-group", OSMO_FAILED_UPSTREAM);
	ttest_group(&wf, "report-group", OSMO_FAILED_UPSTREAM);
	ttest_group(&wf, "lint-group", OSMO_COMPLETED);
	/* Never the downstream groups: they did not fail on their own. */
	lfix_has_line(card, "^root cause +fetch-group / fetch( \\(lead\\))?, retry 0");
	lfix_has_line(card, "^status +[^ ]+ FAILED: ");
	lfix_has_line(card, "^exit code +4 · ");
	lfix_has_line(card, "^took down +train-group, report-group \\(FAILED_UPSTREAM\\)");
	lfix_has_line(card, "no rows");
	ttest_lacks(card, "FAILED_UPSTREAM: ");
	ttest_lacks(card, "lint-group");
	free(card);
	osmo_workflow_free(&wf);
	free(id);
}

static void
test_cancel(void **state)
{
	struct lfix *t = *state;
	static const char spec[] =
	        "workflow:\n"
	        "  name: tri-cancel\n"
	        "  tasks:\n"
	        "  - name: long\n"
	        "    image: ubuntu:24.04\n"
	        "    command: [\"sh\", \"-c\", \"echo started; exec sleep 10\"]\n"
	        "  - name: after\n"
	        "    image: ubuntu:24.04\n"
	        "    command: [\"sh\", \"-c\", \"echo after\"]\n"
	        "    inputs:\n"
	        "    - task: long\n";
	struct osmo_workflow wf;
	struct wait_call c;
	char *id = lfix_submit(t, spec, NULL);
	char *card;

	lfix_wait(t, id, TTEST_END_MS, lfix_running, &wf);
	osmo_workflow_free(&wf);
	api_cancel(t->api, id, false, "wrong data", wait_call_start(&c));
	lfix_finish(t, &c, true);
	wait_call_free(&c);
	lfix_wait(t, id, TTEST_END_MS, lfix_ended, &wf);
	card = ttest_card(t, id);
	assert_int_equal(wf.status, OSMO_FAILED_CANCELED);
	ttest_group(&wf, "long-group", OSMO_FAILED_CANCELED);
	/* Canceled while waiting, and first: the cause is where the cancel cut running work. */
	ttest_group(&wf, "after-group", OSMO_FAILED_CANCELED);
	lfix_has_line(card, "^root cause +long-group / long( \\(lead\\))?, retry 0");
	lfix_has_line(card, "^status +[^ ]+ FAILED_CANCELED: it was canceled");
	lfix_has_line(card, "^canceled +by jdoe");
	lfix_has_line(card, "^next step +resubmit \\(R\\)");
	lfix_has_line(card, "^message +Task was canceled by user: jdoe. wrong data");
	lfix_has_line(card, "^took down +after-group \\(FAILED_CANCELED\\)");
	free(card);
	osmo_workflow_free(&wf);
	free(id);
}

/* ------------------------------------------------------------------ the group's rule */

static void
test_nonlead_decides_strict_group(void **state)
{
	struct lfix *t = *state;
	static const char spec[] = "workflow:\n"
	                           "  name: tri-strict\n"
	                           "  groups:\n"
	                           "  - name: team\n"
	                           "    ignoreNonleadStatus: false\n"
	                           "    tasks:\n"
	                           "    - name: leader\n"
	                           "      lead: true\n"
	                           "      image: ubuntu:24.04\n"
	                           "      command: [\"sh\", \"-c\", \"exec sleep 10\"]\n"
	                           "    - name: helper\n"
	                           "      image: ubuntu:24.04\n"
	                           "      command: [\"sh\", \"-c\"]\n"
	                           "      args:\n"
	                           "      - |\n"
	                           "        sleep 0.3\n"
	                           "        echo 'helper: disk full' >&2\n"
	                           "        exit 2\n";
	struct osmo_workflow wf;
	char *id = ttest_run(t, spec, &wf);
	char *card = ttest_card(t, id);

	ttest_group(&wf, "team", OSMO_FAILED);
	lfix_has_line(card, "^root cause +team / helper, retry 0");
	lfix_has_line(card, "^status +[^ ]+ FAILED: ");
	lfix_has_line(card, "^exit code +2 · ");
	lfix_has_line(card,
	              "^group rule +any failing task fails team \\(ignoreNonleadStatus: false\\)");
	lfix_has_line(card, "helper: disk full");
	free(card);
	osmo_workflow_free(&wf);
	free(id);
}

static void
test_lead_decides_default_group(void **state)
{
	struct lfix *t = *state;
	static const char spec[] =
	        "workflow:\n"
	        "  name: tri-lenient\n"
	        "  groups:\n"
	        "  - name: team\n"
	        "    tasks:\n"
	        "    - name: leader\n"
	        "      lead: true\n"
	        "      image: ubuntu:24.04\n"
	        "      command: [\"sh\", \"-c\"]\n"
	        "      args:\n"
	        "      - |\n"
	        "        sleep 0.5\n"
	        "        echo 'leader: diverged' >&2\n"
	        "        exit 5\n"
	        "    - name: helper\n"
	        "      image: ubuntu:24.04\n"
	        "      command: [\"sh\", \"-c\", \"echo helper fails; exit 1\"]\n";
	struct osmo_workflow wf;
	char *id = ttest_run(t, spec, &wf);
	char *card = ttest_card(t, id);

	ttest_group(&wf, "team", OSMO_FAILED);
	/* The helper failed first, but its failure does not count under the default rule. */
	lfix_has_line(card, "^root cause +team / leader \\(lead\\), retry 0");
	lfix_has_line(card, "^exit code +5 · ");
	lfix_has_line(
	        card,
	        "^group rule +team fails when its lead fails \\(ignoreNonleadStatus: true\\)");
	lfix_has_line(card, "leader: diverged");
	free(card);
	osmo_workflow_free(&wf);
	free(id);
}

/* ------------------------------------------------------------------ retries and the DAG */

static void
test_retries_exhausted(void **state)
{
	struct lfix *t = *state;
	static const char spec[] =
	        "workflow:\n"
	        "  name: tri-retries\n"
	        "  tasks:\n"
	        "  - name: flaky\n"
	        "    image: ubuntu:24.04\n"
	        "    command: [\"sh\", \"-c\", \"echo 'still broken' >&2; exit 6\"]\n"
	        "    exitActions:\n"
	        "      COMPLETE: \"0\"\n"
	        "      RESCHEDULE: 1-255\n";
	struct osmo_workflow wf;
	char *id = ttest_run(t, spec, &wf);
	char *card = ttest_card(t, id);

	ttest_group(&wf, "flaky-group", OSMO_FAILED);
	/* osmo-local stops rescheduling after five retries, as an admin's limit would. */
	lfix_has_line(card, "^root cause +flaky-group / flaky( \\(lead\\))?, retry 5");
	lfix_has_line(card, "^exit code +6 · ");
	lfix_has_line(card, "^message +.*retry limit of 5 reached");
	lfix_has_line(card, "^retries +r0 [^ ]+ 6 → r1 [^ ]+ 6 → r2 [^ ]+ 6 → r3 [^ ]+ 6 → "
	                    "r4 [^ ]+ 6 → r5 [^ ]+ 6$");
	lfix_has_line(card, "still broken");
	free(card);
	osmo_workflow_free(&wf);
	free(id);
}

static void
test_diamond_first_failure(void **state)
{
	struct lfix *t = *state;
	static const char spec[] =
	        "workflow:\n"
	        "  name: tri-diamond\n"
	        "  tasks:\n"
	        "  - name: top\n"
	        "    image: ubuntu:24.04\n"
	        "    command: [\"sh\", \"-c\", \"echo top\"]\n"
	        "  - name: right\n"
	        "    image: ubuntu:24.04\n"
	        "    command: [\"sh\", \"-c\", \"sleep 1; echo 'right: late' >&2; "
	        "exit 8\"]\n"
	        "    inputs:\n"
	        "    - task: top\n"
	        "  - name: left\n"
	        "    image: ubuntu:24.04\n"
	        "    command: [\"sh\", \"-c\", \"echo 'left: early' >&2; exit 7\"]\n"
	        "    inputs:\n"
	        "    - task: top\n"
	        "  - name: join\n"
	        "    image: ubuntu:24.04\n"
	        "    command: [\"sh\", \"-c\", \"echo joined\"]\n"
	        "    inputs:\n"
	        "    - task: left\n"
	        "    - task: right\n";
	struct osmo_workflow wf;
	char *id = ttest_run(t, spec, &wf);
	char *card = ttest_card(t, id);
	const struct osmo_group *left, *right;

	ttest_group(&wf, "top-group", OSMO_COMPLETED);
	left = ttest_group(&wf, "left-group", OSMO_FAILED);
	right = ttest_group(&wf, "right-group", OSMO_FAILED);
	ttest_group(&wf, "join-group", OSMO_FAILED_UPSTREAM);
	assert_true(left->end_ms < right->end_ms);
	/* Both branches failed on their own; the first to end is the cause, listed second or not. */
	lfix_has_line(card, "^root cause +left-group / left( \\(lead\\))?, retry 0");
	lfix_has_line(card, "^exit code +7 · ");
	lfix_has_line(card, "^took down +join-group \\(FAILED_UPSTREAM\\)");
	lfix_has_line(card, "left: early");
	ttest_lacks(card, "right: late");
	free(card);
	osmo_workflow_free(&wf);
	free(id);
}

#define TTEST(fn)      cmocka_unit_test_setup_teardown(fn, ttest_setup, lfix_state_close)
#define TTEST_SLOT(fn) cmocka_unit_test_setup_teardown(fn, ttest_setup_one_slot, lfix_state_close)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TTEST(test_plain_exit),
		TTEST(test_exec_timeout),
		TTEST_SLOT(test_queue_timeout),
		TTEST(test_upstream),
		TTEST(test_cancel),
		TTEST(test_nonlead_decides_strict_group),
		TTEST(test_lead_decides_default_group),
		TTEST(test_retries_exhausted),
		TTEST(test_diamond_first_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
