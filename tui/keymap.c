/* keymap.c: the keys of the monitor: vim and less movement, k9s-style action letters. */
#include "tui/keymap.h"

#include "tui/screen.h"
#include "common/util.h"

static const char *const keymap_helps[] = {
#define KEYMAP_HELP_TEXT(id, help) help,
	KEYMAP_ACTIONS(KEYMAP_HELP_TEXT)
#undef KEYMAP_HELP_TEXT
};

#define L  KEYMAP_IN_LIST
#define W  KEYMAP_IN_WORKFLOW
#define G  KEYMAP_IN_LOGS
#define H  KEYMAP_IN_HELP
#define P  KEYMAP_IN_FORWARDS
#define I  KEYMAP_IN_DETAIL
#define AL KEYMAP_IN_ALL

/* clang-format off */
static const struct keymap_binding keymap_table[] = {
	{ 'Q',                   "Q",      AL,    KEYMAP_QUIT },
	{ SCREEN_CTRL('c'),      "Ctrl-c", AL,    KEYMAP_QUIT },
	{ SCREEN_KEY_F10,        "F10",    AL,    KEYMAP_QUIT },
	{ 'q',                   "q",      AL,    KEYMAP_CLOSE },
	{ SCREEN_KEY_ESC,        "Esc",    AL,    KEYMAP_BACK },
	{ SCREEN_KEY_BACKSPACE,  "BkSp",   W|G|H|P|I, KEYMAP_BACK },
	{ SCREEN_CTRL('z'),      "Ctrl-z", AL,    KEYMAP_SUSPEND },
	{ 'k',                   "k",      AL,    KEYMAP_UP },
	{ SCREEN_KEY_UP,         "Up",     AL,    KEYMAP_UP },
	{ 'j',                   "j",      AL,    KEYMAP_DOWN },
	{ SCREEN_KEY_DOWN,       "Down",   AL,    KEYMAP_DOWN },
	{ SCREEN_KEY_PGUP,       "PgUp",   AL,    KEYMAP_PAGE_UP },
	{ SCREEN_CTRL('b'),      "Ctrl-b", AL,    KEYMAP_PAGE_UP },
	{ SCREEN_KEY_PGDN,       "PgDn",   AL,    KEYMAP_PAGE_DOWN },
	{ SCREEN_CTRL('f'),      "Ctrl-f", AL,    KEYMAP_PAGE_DOWN },
	{ ' ',                   "Space",  G|H|I, KEYMAP_PAGE_DOWN },
	{ 'b',                   "b",      G|H|I, KEYMAP_PAGE_UP },
	{ SCREEN_CTRL('u'),      "Ctrl-u", AL,    KEYMAP_HALF_UP },
	{ SCREEN_CTRL('d'),      "Ctrl-d", G|H|P|I, KEYMAP_HALF_DOWN },
	{ 'g',                   "g",      AL,    KEYMAP_TOP },
	{ SCREEN_KEY_HOME,       "Home",   AL,    KEYMAP_TOP },
	{ 'G',                   "G",      AL,    KEYMAP_BOTTOM },
	{ SCREEN_KEY_END,        "End",    AL,    KEYMAP_BOTTOM },
	{ 'h',                   "h",      G,     KEYMAP_LEFT },
	{ SCREEN_KEY_LEFT,       "Left",   G,     KEYMAP_LEFT },
	{ 'l',                   "l",      G,     KEYMAP_RIGHT },
	{ SCREEN_KEY_RIGHT,      "Right",  G,     KEYMAP_RIGHT },
	{ SCREEN_KEY_ENTER,      "Enter",  L|W,   KEYMAP_OPEN },
	{ 'd',                   "d",      W,     KEYMAP_GRAPH },
	{ 'L',                   "L",      W,     KEYMAP_LOGS },
	{ 'e',                   "e",      W|G,   KEYMAP_ERROR_LOGS },
	{ 'E',                   "E",      W,     KEYMAP_EVENTS },
	{ SCREEN_CTRL('r'),      "Ctrl-r", AL,    KEYMAP_REFRESH },
	{ SCREEN_KEY_F5,         "F5",     AL,    KEYMAP_REFRESH },
	{ 'C',                   "C",      L|W|G, KEYMAP_CANCEL },
	/* Ctrl-d is k9s's delete in its tables; in pagers it is less's half page. */
	{ SCREEN_CTRL('d'),      "Ctrl-d", L|W,   KEYMAP_CANCEL },
	{ 'R',                   "R",      L|W,   KEYMAP_RESUBMIT },
	{ 'r',                   "r",      L|W,   KEYMAP_RESTART },
	{ 'a',                   "a",      L,     KEYMAP_ALL_USERS },
	{ 'N',                   "N",      L,     KEYMAP_SORT_NAME },
	{ 'S',                   "S",      L,     KEYMAP_SORT_STATUS },
	{ 'A',                   "A",      L,     KEYMAP_SORT_AGE },
	{ 'D',                   "D",      L,     KEYMAP_SORT_DURATION },
	{ 'U',                   "U",      L,     KEYMAP_SORT_USER },
	{ 'P',                   "P",      L,     KEYMAP_SORT_POOL },
	{ '0',                   "0",      L,     KEYMAP_SHOW_ALL },
	{ '1',                   "1",      L,     KEYMAP_SHOW_RUNNING },
	{ '2',                   "2",      L,     KEYMAP_SHOW_WAITING },
	{ '3',                   "3",      L,     KEYMAP_SHOW_FAILED },
	{ '4',                   "4",      L,     KEYMAP_SHOW_COMPLETED },
	{ 'y',                   "y",      L|W,   KEYMAP_COPY_URL },
	{ 'f',                   "f",      G,     KEYMAP_FOLLOW },
	{ 'w',                   "w",      G,     KEYMAP_WRAP },
	{ 't',                   "t",      G,     KEYMAP_TIMESTAMPS },
	{ '/',                   "/",      AL,    KEYMAP_SEARCH },
	{ 'n',                   "n",      G|P,   KEYMAP_NEXT },
	{ 'N',                   "N",      G|P,   KEYMAP_PREV },
	{ '&',                   "&",      G,     KEYMAP_FILTER },
	{ 's',                   "s",      W,     KEYMAP_SHELL },
	{ 'S',                   "S",      W,     KEYMAP_GROUP_EXEC },
	{ 'F',                   "F",      W,     KEYMAP_FORWARD },
	{ 'p',                   "p",      L|W|G, KEYMAP_FORWARDS },
	{ 'x',                   "x",      P,     KEYMAP_STOP_FORWARD },
	{ 'X',                   "X",      P,     KEYMAP_STOP_FORWARDS },
	/* In the list too, to say that they are about an open workflow. */
	{ '!',                   "!",      L|W,   KEYMAP_ROOT },
	{ 'T',                   "T",      L|W,   KEYMAP_TRIAGE },
	{ 'i',                   "i",      W,     KEYMAP_DETAIL },
	{ 'v',                   "v",      W|G,   KEYMAP_SPEC },
	{ '?',                   "?",      AL,    KEYMAP_HELP },
	{ SCREEN_KEY_F1,         "F1",     AL,    KEYMAP_HELP },
};
/* clang-format on */

/* What the hint bar calls an action: a word or two. */
static const char *const keymap_shorts[KEYMAP_COUNT] = {
	[KEYMAP_QUIT] = "quit",
	[KEYMAP_CLOSE] = "back",
	[KEYMAP_OPEN] = "open",
	[KEYMAP_GRAPH] = "dag/table",
	[KEYMAP_LOGS] = "logs",
	[KEYMAP_ERROR_LOGS] = "error logs",
	[KEYMAP_EVENTS] = "events",
	[KEYMAP_CANCEL] = "cancel",
	[KEYMAP_RESUBMIT] = "resubmit",
	[KEYMAP_RESTART] = "restart",
	[KEYMAP_ALL_USERS] = "all/mine",
	[KEYMAP_SHOW_FAILED] = "failed",
	[KEYMAP_FOLLOW] = "follow",
	[KEYMAP_WRAP] = "wrap",
	[KEYMAP_SEARCH] = "filter",
	[KEYMAP_NEXT] = "next",
	[KEYMAP_FILTER] = "matches only",
	[KEYMAP_SHELL] = "shell",
	[KEYMAP_FORWARD] = "forward",
	[KEYMAP_FORWARDS] = "forwards",
	[KEYMAP_STOP_FORWARD] = "stop",
	[KEYMAP_STOP_FORWARDS] = "stop all",
	[KEYMAP_HELP] = "help",
	[KEYMAP_ROOT] = "root cause",
	[KEYMAP_TRIAGE] = "why it failed",
	[KEYMAP_DETAIL] = "details",
	[KEYMAP_SPEC] = "spec",
};

const char *
keymap_short(enum keymap_action a)
{
	return a >= 0 && a < KEYMAP_COUNT && keymap_shorts[a] ? keymap_shorts[a] : "";
}

const char *
keymap_key_name(enum keymap_view view, enum keymap_action a)
{
	for (size_t i = 0; i < ARRAY_SIZE(keymap_table); i++)
		if (keymap_table[i].action == a && (keymap_table[i].views & view))
			return keymap_table[i].name;
	return NULL;
}

enum keymap_action
keymap_lookup(enum keymap_view view, int key)
{
	for (size_t i = 0; i < ARRAY_SIZE(keymap_table); i++)
		if (keymap_table[i].key == key && (keymap_table[i].views & view))
			return keymap_table[i].action;
	return KEYMAP_NONE;
}

const char *
keymap_help(enum keymap_action a)
{
	return a >= 0 && a < KEYMAP_COUNT ? keymap_helps[a] : "";
}

const struct keymap_binding *
keymap_bindings(size_t *n)
{
	*n = ARRAY_SIZE(keymap_table);
	return keymap_table;
}
