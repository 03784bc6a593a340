/* test_view_ops.c: the monitor's views keep their selection by name across new data. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "client/decode.h"
#include "golden.h"
#include "tui/view_ops.h"

static struct osmo_workflow_row
vot_row(const char *name)
{
	return (struct osmo_workflow_row){ .name = xstrdup(name), .status = OSMO_RUNNING };
}

/* A page with a new workflow on top, then the same page in another order. */
static void
test_list_selection_follows_its_workflow(void **state)
{
	struct view_list l = { 0 };
	struct osmo_workflow_row tmp;

	(void)state;
	l.data.rows = xcalloc(3, sizeof(*l.data.rows));
	l.data.rows[0] = vot_row("a");
	l.data.rows[1] = vot_row("b");
	l.data.rows[2] = vot_row("c");
	l.data.n_rows = 3;
	l.have = true;
	l.sel = 1;
	view_list_resolve(&l);
	assert_string_equal(l.sel_name, "b");

	/* A workflow submitted since: it comes first, b moves down and the cursor with it. */
	l.data.rows = xrealloc(l.data.rows, 4 * sizeof(*l.data.rows));
	memmove(&l.data.rows[1], &l.data.rows[0], 3 * sizeof(*l.data.rows));
	l.data.rows[0] = vot_row("new");
	l.data.n_rows = 4;
	view_list_resolve(&l);
	assert_int_equal(l.sel, 2);

	/* Another order (a re-sort): still b. */
	tmp = l.data.rows[0];
	l.data.rows[0] = l.data.rows[2];
	l.data.rows[2] = tmp;
	view_list_resolve(&l);
	assert_int_equal(l.sel, 0);
	assert_string_equal(l.data.rows[l.sel].name, "b");

	/* b gone: the cursor stays in place, kept inside the list, on what is there now. */
	l.data.n_rows = 1;
	l.sel = 3;
	free(l.sel_name);
	l.sel_name = xstrdup("gone");
	view_list_resolve(&l);
	assert_int_equal(l.sel, 0);
	l.data.n_rows = 4;
	view_list_free(&l);
}

/* The task rows of a group swap places: the cursor stays on its task. */
static void
test_table_selection_follows_its_task(void **state)
{
	char *path = xasprintf("%s/workflow_query_running.json", golden_fixtures_dir());
	size_t len;
	char *body = util_read_file(path, &len);
	struct app *a = xcalloc(1, sizeof(*a));
	struct view_table *t = &a->wf;
	struct api_error err = { 0 };
	size_t g = 0;
	struct osmo_task tmp;
	char *name;

	(void)state;
	assert_non_null(body);
	assert_int_equal(decode_workflow(body, len, &t->data, &err), 0);
	t->have = true;
	view_table_resolve(t);
	/* The first group with two tasks; select its first task. */
	while (g < t->data.n_groups && t->data.groups[g].n_tasks < 2)
		g++;
	assert_true(g < t->data.n_groups);
	for (size_t i = 0; i < t->n_rows; i++)
		if (t->rows[i].group == g && t->rows[i].task == 0)
			view_table_move(a, (int)i - t->sel, false);
	name = xstrdup(t->data.groups[g].tasks[0].name);
	assert_string_equal(t->sel_task, name);

	tmp = t->data.groups[g].tasks[0];
	t->data.groups[g].tasks[0] = t->data.groups[g].tasks[1];
	t->data.groups[g].tasks[1] = tmp;
	view_table_resolve(t);
	assert_int_equal(t->rows[t->sel].group, g);
	assert_int_equal(t->rows[t->sel].task, 1);
	assert_string_equal(t->data.groups[g].tasks[1].name, name);
	free(name);
	view_table_free(t);
	free(body);
	free(path);
	free(a);
}

/* The dialog's rows inside its box, trimmed and joined: a word broken across rows joins up. */
static char *
vot_dialog_text(const struct canvas *c)
{
	char *text = canvas_to_text(c);
	struct strbuf sb = { 0 };

	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		while (*line == ' ')
			line++;
		strbuf_addstr(&sb, line);
	}
	free(text);
	return strbuf_detach(&sb);
}

/* A workflow ID as long as OSMO allows: every dialog that acts on it shows it whole, wrapped,
 * with its answers, at the smallest size the monitor supports and at 80x24. */
static void
test_dialogs_keep_a_long_id_whole(void **state)
{
	static const char id[] =
	        "a-workflow-name-as-long-as-osmo-allows-for-one-name-0123456789ab-7";
	const struct dialog_ops *ops[] = { &dialog_cancel_ops, &dialog_resubmit_ops,
		                           &dialog_restart_ops };
	static const int sizes[][2] = { { 12, 40 }, { 24, 80 } };
	struct app_opts o = { 0 };
	struct app *a = xcalloc(1, sizeof(*a));

	(void)state;
	a->o = &o;
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
		for (size_t k = 0; k < ARRAY_SIZE(sizes); k++) {
			char *text;

			a->dlg = (struct dialog){ .ops = ops[i], .focus = DIALOG_FOCUS_KEEP };
			a->dlg.tgt = (struct dialog_target){ .id = xstrdup(id),
				                             .status = OSMO_FAILED,
				                             .pool = xstrdup("default") };
			canvas_init(&a->canvas, sizes[k][0], sizes[k][1]);
			dialog_draw(a);
			text = vot_dialog_text(&a->canvas);
			if (!strstr(text, id) || !strstr(text, "[ Keep ]") ||
			    !strstr(text, "y: do it"))
				fail_msg("%s at %dx%d lacks the whole ID or its answers:\n%s",
				         ops[i]->confirm, sizes[k][1], sizes[k][0],
				         canvas_to_text(&a->canvas));
			free(text);
			canvas_free(&a->canvas);
			dialog_free(&a->dlg);
		}
	}
	free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_selection_follows_its_workflow),
		cmocka_unit_test(test_table_selection_follows_its_task),
		cmocka_unit_test(test_dialogs_keep_a_long_id_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
