/* acts.c: the monitor's actions every view shares (quit, close, move, refresh, the dialogs that act on a workflow, copy, search, help) unless the view has its own. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/forward.h"
#include "common/wsproto.h"
#include "tui/screen.h"
#include "tui/view_ops.h"

/* Copies text to the terminal's clipboard with OSC 52 (tmux and most terminals pass it on). */
static void
acts_copy_text(struct app *a, const char *text)
{
	size_t n = strlen(text);
	char *b64 = xmalloc(4 * ((n + 2) / 3) + 1);
	char *osc;

	wsproto_base64((const unsigned char *)text, n, b64);
	osc = xasprintf("\033]52;c;%s\a", b64);
	/* Without a terminal (tests) there is nothing to write to. */
	if (a->scr && write(STDOUT_FILENO, osc, strlen(osc)) < 0)
		app_say(a, true, "could not write to the terminal");
	else
		app_say(a, false, "copied %s", text);
	free(osc);
	free(b64);
}

/* Quitting stops the forwards and a group command: that is asked first. */
static void
acts_quit(struct app *a, enum keymap_action act)
{
	(void)act;
	if ((a->fwd && forward_active(a->fwd)) || a->grp)
		dialog_open(a, &dialog_quit_ops);
	else
		a->quit = true;
}

/* q: closes the view, as in tig and lazygit; in the list it is quit. */
static void
acts_close(struct app *a, enum keymap_action act)
{
	if (app_at_top(a))
		acts_quit(a, act);
	else
		app_pop(a);
}

static void
acts_back(struct app *a, enum keymap_action act)
{
	(void)act;
	app_pop(a);
}

static void
acts_suspend(struct app *a, enum keymap_action act)
{
	(void)act;
	if (a->scr)
		screen_stop(a->scr);
}

static void
acts_move(struct app *a, enum keymap_action act)
{
	int page = a->canvas.rows > 8 ? a->canvas.rows - 6 : 2;

	if (act == KEYMAP_TOP || act == KEYMAP_BOTTOM)
		a->view->move(a, act == KEYMAP_TOP ? -1 : 1, true);
	else if (act == KEYMAP_PAGE_UP || act == KEYMAP_PAGE_DOWN)
		a->view->move(a, act == KEYMAP_PAGE_UP ? -page : page, false);
	else if (act == KEYMAP_HALF_UP || act == KEYMAP_HALF_DOWN)
		a->view->move(a, act == KEYMAP_HALF_UP ? -(page + 1) / 2 : (page + 1) / 2, false);
	else
		a->view->move(a, act == KEYMAP_UP ? -1 : 1, false);
}

static void
acts_refresh(struct app *a, enum keymap_action act)
{
	(void)act;
	a->wf.unknown = false;
	sync_kick(&a->list.sync);
	sync_kick(&a->wf.sync);
	if (a->log.open && !a->log.ended)
		sync_kick(&a->log.sync);
	app_say(a, false, "refreshing");
}

static void
acts_dialog(struct app *a, enum keymap_action act)
{
	dialog_open_action(a, act == KEYMAP_CANCEL     ? &dialog_cancel_ops
	                      : act == KEYMAP_RESUBMIT ? &dialog_resubmit_ops
	                                               : &dialog_restart_ops);
}

/* C and r where the workflow under the cursor cannot have them (finished, not failed). */
static char *
acts_why_no_dialog(const struct app *a, enum keymap_action act)
{
	const struct dialog_ops *d =
	        act == KEYMAP_CANCEL ? &dialog_cancel_ops : &dialog_restart_ops;
	struct view_target t;

	app_target(a, &t);
	/* Not loaded: the dialog says so itself, with what to do. */
	return t.id && t.status != OSMO_UNKNOWN ? d->why_not(&t) : NULL;
}

static void
acts_copy(struct app *a, enum keymap_action act)
{
	struct view_target t;
	char *url;

	(void)act;
	app_target(a, &t);
	url = t.id ? xasprintf("%s/api/workflow/%s", a->s->shown_url, t.id) : NULL;
	if (url)
		acts_copy_text(a, url);
	free(url);
}

/* '/' edits what the view keeps for it: its filter or its search. */
static void
acts_search(struct app *a, enum keymap_action act)
{
	const struct view_search *vs = a->view->search;

	(void)act;
	if (vs)
		/* A filter opens on its terms, to edit; a search opens empty, as less's '/'. */
		dialog_open_search(a, vs->live ? *(char **)((char *)a + vs->text) : NULL, vs);
}

static void
acts_help(struct app *a, enum keymap_action act)
{
	(void)act;
	app_push(a, &view_help_ops);
}

static void
acts_forwards(struct app *a, enum keymap_action act)
{
	(void)act;
	app_push(a, &view_ports_ops);
}

static void
acts_notifications(struct app *a, enum keymap_action act)
{
	(void)act;
	app_push(a, &view_notify_ops);
}

/* T and ! where no workflow is open (the list). */
static char *
acts_why_no_workflow(const struct app *a, enum keymap_action act)
{
	const char *key = keymap_key_name(app_keymap(a), (enum keymap_view)a->view->keys, act);

	return xasprintf("open a workflow first (Enter): %s is about its failure",
	                 key ? key : "it");
}

/* What an action does when the view has nothing of its own for it. */
const struct view_act acts_shared[KEYMAP_COUNT] = {
	[KEYMAP_QUIT] = { acts_quit },
	[KEYMAP_CLOSE] = { acts_close },
	[KEYMAP_BACK] = { acts_back },
	[KEYMAP_SUSPEND] = { acts_suspend },
	[KEYMAP_HALF_UP] = { acts_move },
	[KEYMAP_HALF_DOWN] = { acts_move },
	[KEYMAP_UP] = { acts_move },
	[KEYMAP_DOWN] = { acts_move },
	[KEYMAP_PAGE_UP] = { acts_move },
	[KEYMAP_PAGE_DOWN] = { acts_move },
	[KEYMAP_TOP] = { acts_move },
	[KEYMAP_BOTTOM] = { acts_move },
	[KEYMAP_REFRESH] = { acts_refresh },
	[KEYMAP_CANCEL] = { acts_dialog, acts_why_no_dialog },
	[KEYMAP_RESUBMIT] = { acts_dialog },
	[KEYMAP_RESTART] = { acts_dialog, acts_why_no_dialog },
	[KEYMAP_COPY_URL] = { acts_copy },
	[KEYMAP_HELP] = { acts_help },
	[KEYMAP_FORWARDS] = { acts_forwards },
	[KEYMAP_SEARCH] = { acts_search },
	[KEYMAP_NOTIFICATIONS] = { acts_notifications },
	[KEYMAP_ROOT] = { NULL, acts_why_no_workflow },
	[KEYMAP_TRIAGE] = { NULL, acts_why_no_workflow },
};
