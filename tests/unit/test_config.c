/* test_config.c: config.yaml over the defaults, its errors with their places, and the dump. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "golden.h"
#include "proc.h"
#include "tui/config.h"
#include "tui/screen.h"

struct tc {
	char dir[64];
	char *path;
};

static int
tc_setup(void **state)
{
	struct tc *t = xcalloc(1, sizeof(*t));

	strlcpy_safe(t->dir, "/tmp/osmo-config-XXXXXX", sizeof(t->dir));
	assert_non_null(mkdtemp(t->dir));
	t->path = xasprintf("%s/config.yaml", t->dir);
	*state = t;
	return 0;
}

static int
tc_teardown(void **state)
{
	struct tc *t = *state;
	int rc = proc_remove_tree(t->dir);

	free(t->path);
	free(t);
	return rc;
}

/* Writes text as the config file and loads it over the defaults; config_load's result. */
static int
tc_load(struct tc *t, const char *text, struct config *c, char **err)
{
	FILE *f = fopen(t->path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	config_init(c);
	return config_load(c, t->path, err);
}

static void
test_defaults_without_a_file(void **state)
{
	struct tc *t = *state;
	struct config c;
	char *err = NULL, *dump;

	config_init(&c);
	assert_int_equal(config_load(&c, t->path, &err), 0);
	assert_null(err);
	assert_null(c.path);
	assert_int_equal(c.policy.list_ms, sync_default_policy.list_ms);
	assert_int_equal(c.sort, FILTER_SORT_SERVER);
	dump = config_dump(&c);
	assert_true(golden_check("config_defaults.txt", dump));
	free(dump);
	config_free(&c);
}

static void
test_values_and_their_places(void **state)
{
	struct tc *t = *state;
	struct config c;
	char *err = NULL, *dump, *want;

	assert_int_equal(tc_load(t,
	                         "# mine\n"
	                         "refresh:\n"
	                         "  list: 5\n"
	                         "  running: 0x3\n"
	                         "list: {sort: status, all_users: yes}\n"
	                         "logs:\n"
	                         "  ring: 1_000\n"
	                         "  errors: ['NaN (loss|grad)', Xid]\n"
	                         "refresh:\n"
	                         "  finished: 60\n",
	                         &c, &err),
	                 0);
	assert_int_equal(c.policy.list_ms, 5000);
	assert_int_equal(c.policy.running_ms, 3000);
	assert_int_equal(c.policy.finished_ms, 60000);
	assert_int_equal(c.policy.queued_ms, sync_default_policy.queued_ms);
	assert_int_equal(c.sort, FILTER_SORT_STATUS);
	assert_true(c.all_users);
	assert_int_equal(c.log_ring, 1000);
	assert_int_equal(c.errors.n, 2);
	assert_string_equal(c.errors.v[0], "NaN (loss|grad)");
	dump = config_dump(&c);
	assert_non_null(strstr(dump, "  errors: ['NaN (loss|grad)', 'Xid'] # regexes of"));
	/* Each value says where it came from; the others say default. */
	want = xasprintf("  list: 5              # seconds: the workflow list; %s:3\n", t->path);
	if (!strstr(dump, want))
		fail_msg("dump lacks '%s':\n%s", want, dump);
	free(want);
	want = xasprintf("  finished: 60         # seconds: a finished workflow (in case it is "
	                 "restarted); %s:10\n",
	                 t->path);
	assert_non_null(strstr(dump, want));
	assert_non_null(strstr(dump, "  pending: 15          # seconds: a pending or waiting "
	                             "workflow; default\n"));
	free(want);
	free(dump);
	config_free(&c);
}

/* Every mistake stops the start with the file, the line and column, and what is wrong. */
static void
test_errors_with_places(void **state)
{
	struct tc *t = *state;
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "refresh:\n  lsit: 5\n", ":2:3: unknown key 'lsit' in refresh" },
		{ "colours: {}\n", ":1:1: unknown section 'colours'" },
		{ "refresh: 5\n", ":1:10: refresh: expected its keys" },
		{ "refresh:\n  list: soon\n",
		  ":2:9: refresh.list: expected a whole number from 1 to 3600" },
		{ "refresh:\n  list: 0\n",
		  ":2:9: refresh.list: expected a whole number from 1 to 3600" },
		{ "refresh:\n  list: '5'\n", ":2:9: refresh.list: expected a whole number" },
		{ "refresh:\n  list: 1.5\n", ":2:9: refresh.list: expected a whole number" },
		{ "logs:\n  ring: 12\n",
		  ":2:9: logs.ring: expected a whole number from 1000 to 1000000" },
		{ "list:\n  all_users: maybe\n", ":2:14: list.all_users: expected true or false" },
		{ "list:\n  sort: size\n",
		  ":2:9: list.sort: expected one of server, name, status" },
		{ "- refresh\n",
		  ":1:1: expected sections (refresh, list, logs, local, notify, theme, keys)" },
		{ "theme:\n  stauts_failed: red\n", ":2:3: unknown style role 'stauts_failed'" },
		{ "theme:\n  status_failed: crimson\n",
		  ":2:18: theme.status_failed: expected a colour" },
		{ "theme:\n  error: 256\n", ":2:10: theme.error: expected a colour" },
		{ "keys:\n  cancle: X\n", ":2:3: unknown action 'cancle' in keys" },
		{ "keys:\n  cancel: [X, Ctrl-]\n", ":2:15: keys.cancel: unknown key 'Ctrl-'" },
		{ "keys:\n  cancel: Xy\n", ":2:11: keys.cancel: unknown key 'Xy'" },
		{ "keys:\n  cancel: d\n",
		  ":2:3: keys: d would run both cancel and graph in one view" },
		{ "keys:\n  quit: []\n  close: [Q]\n", ":2:3: keys.quit: quit needs a key" },
		{ "keys:\n  help: [x, x]\n", ":2:3: keys.help: x is named twice" },
		{ "keys:\n  up: [a, b, c, d, e, f, g, h, i]\n", ":2:7: keys.up: at most 8 keys" },
		{ "local:\n  slots: 0\n", ":2:10: local.slots: expected a whole number from 1" },
		{ "local:\n  pool: 'a b'\n", ":2:9: local.pool: expected a name of letters" },
		{ "local:\n  pool: 5\n", ":2:9: local.pool: expected a name" },
		{ "logs:\n  metric: 'loss=(['\n",
		  ":2:11: logs.metric: not an extended regular expression" },
		{ "logs:\n  errors:\n  - NaN loss\n  - 'grad(ient'\n",
		  ":4:5: logs.errors: not an extended regular expression: " },
		{ "logs:\n  errors: [ok, '']\n", ":2:16: logs.errors: not an extended regular" },
		{ "logs:\n  errors: NaN\n",
		  ":2:11: logs.errors: expected a list of extended regular" },
		{ "notify:\n  desktop: osc99\n",
		  ":2:12: notify.desktop: expected one of off, osc9" },
		{ "notify:\n  on_event: notify-send\n", ":2:13: notify.on_event: expected a list" },
		{ "notify:\n  on_event: ['', x]\n", ":2:14: notify.on_event: expected a string" },
		{ "list: [\n", ":2:1: did not find expected node content" },
		{ "refresh: {}\n---\nlist: {}\n", "" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct config c;
		char *err = NULL;

		assert_int_equal(tc_load(t, cases[i].text, &c, &err), -1);
		if (!str_starts_with(err, t->path) || !strstr(err, cases[i].want))
			fail_msg("'%s': got '%s', want '%s'", cases[i].text, err, cases[i].want);
		free(err);
		config_free(&c);
	}
}

/* The theme, the keys and osmo-local's settings, each value with its place in the dump. */
static void
test_theme_keys_local(void **state)
{
	struct tc *t = *state;
	struct config c;
	struct strv args = { 0 };
	char *err = NULL, *dump, *want;

	assert_int_equal(tc_load(t,
	                         "theme:\n"
	                         "  status_failed: bright_red underline\n"
	                         "  selected: 208 reverse bold\n"
	                         "keys:\n"
	                         "  cancel: [X]\n"
	                         "  help: ['?', F1, h]\n"
	                         "  left: Left\n"
	                         "local:\n"
	                         "  slots: 8\n"
	                         "  phase_ms: 200\n"
	                         "  pool: gpu-a100\n"
	                         "notify:\n"
	                         "  desktop: both\n"
	                         "  on_event: [sh, -c, 'echo \"$OSMOTOP_EVENT\" >> it''s.log']\n",
	                         &c, &err),
	                 0);
	assert_null(err);
	assert_int_equal(c.theme.style[STYLE_STATUS_FAILED].fg, 9);
	assert_int_equal(c.theme.style[STYLE_STATUS_FAILED].attr, THEME_UNDERLINE);
	assert_int_equal(c.theme.style[STYLE_SELECTED].fg, 208);
	assert_int_equal(c.theme.style[STYLE_SELECTED].attr, THEME_REVERSE | THEME_BOLD);
	assert_int_equal(c.theme.style[STYLE_NORMAL].fg, -1);
	assert_int_equal(keymap_lookup(&c.keys, KEYMAP_IN_WORKFLOW, 'X'), KEYMAP_CANCEL);
	assert_int_equal(keymap_lookup(&c.keys, KEYMAP_IN_WORKFLOW, 'C'), KEYMAP_NONE);
	assert_int_equal(keymap_lookup(&c.keys, KEYMAP_IN_LIST, SCREEN_CTRL('d')), KEYMAP_NONE);
	assert_int_equal(keymap_lookup(&c.keys, KEYMAP_IN_LIST, 'h'), KEYMAP_HELP);
	assert_int_equal(c.notify.desktop, NOTIFY_DESKTOP_BOTH);
	assert_true(c.notify.enabled && c.notify.bell && !c.notify.mine);
	assert_int_equal(c.notify.on_event.n, 3);
	assert_string_equal(c.notify.on_event.v[2], "echo \"$OSMOTOP_EVENT\" >> it's.log");
	/* Only what the file set goes to osmo-local, and not its own default (phase_ms 200, as a
	 * --dump-config read back sets): its OSMO_LOCAL_PHASE_MS stands. */
	config_local_args(&c, &args);
	assert_int_equal(args.n, 4);
	assert_string_equal(args.v[0], "--slots");
	assert_string_equal(args.v[1], "8");
	assert_string_equal(args.v[2], "--pool");
	assert_string_equal(args.v[3], "gpu-a100");
	strv_free(&args);
	dump = config_dump(&c);
	want = xasprintf("  status_failed: bright_red underline # colour and attributes; %s:2\n",
	                 t->path);
	if (!strstr(dump, want))
		fail_msg("dump lacks '%s':\n%s", want, dump);
	free(want);
	want = xasprintf("  help: ['?', F1, h]   # this help; %s:6\n", t->path);
	if (!strstr(dump, want))
		fail_msg("dump lacks '%s':\n%s", want, dump);
	free(want);
	assert_non_null(strstr(dump, "  cancel: [X]          # "));
	assert_non_null(strstr(
	        dump, "  on_event: ['sh', '-c', 'echo \"$OSMOTOP_EVENT\" >> it''s.log'] # "));
	assert_non_null(strstr(dump, "  phase_ms: 200        # ms osmo-local"));
	free(dump);
	config_free(&c);
}

/* Compares two dumps line by line up to each line's comment, which names where it came from. */
static void
tc_same_values(const char *a, const char *b)
{
	while (*a && *b) {
		const char *ea = strchr(a, '#'), *eb = strchr(b, '#');

		assert_non_null(ea);
		assert_non_null(eb);
		assert_int_equal(ea - a, eb - b);
		assert_memory_equal(a, b, (size_t)(ea - a));
		a = ea + strcspn(ea, "\n");
		b = eb + strcspn(eb, "\n");
		a += *a == '\n';
		b += *b == '\n';
	}
	assert_true(!*a && !*b);
}

/* What --dump-config prints reads back as the same configuration. */
static void
test_dump_reads_back(void **state)
{
	struct tc *t = *state;
	struct config c;
	char *err = NULL, *first, *second;

	assert_int_equal(tc_load(t,
	                         "theme: {title: green italic}\n"
	                         "keys: {search: ['/', Ctrl-g], root: ['!', \"'\"]}\n"
	                         "local: {phase_ms: 1500}\n"
	                         "notify: {mine: true, on_event: [a, 'b c', \"d'e\"]}\n",
	                         &c, &err),
	                 0);
	first = config_dump(&c);
	config_free(&c);
	assert_int_equal(tc_load(t, first, &c, &err), 0);
	second = config_dump(&c);
	tc_same_values(first, second);
	assert_non_null(strstr(second, "  root: ['!', '''']"));
	assert_non_null(strstr(second, "  title: green italic"));
	free(first);
	free(second);
	config_free(&c);
}

static void
test_unreadable_file(void **state)
{
	struct tc *t = *state;
	struct config c;
	char *err = NULL;

	assert_int_equal(mkdir(t->path, 0700), 0);
	config_init(&c);
	assert_int_equal(config_load(&c, t->path, &err), -1);
	assert_non_null(strstr(err, t->path));
	free(err);
	config_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults_without_a_file, tc_setup,
		                                tc_teardown),
		cmocka_unit_test_setup_teardown(test_values_and_their_places, tc_setup,
		                                tc_teardown),
		cmocka_unit_test_setup_teardown(test_errors_with_places, tc_setup, tc_teardown),
		cmocka_unit_test_setup_teardown(test_theme_keys_local, tc_setup, tc_teardown),
		cmocka_unit_test_setup_teardown(test_dump_reads_back, tc_setup, tc_teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_file, tc_setup, tc_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
