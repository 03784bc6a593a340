/* keymap.c: the keys of the monitor: vim and less movement, k9s-style action letters. */
#include "tui/keymap.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "tui/screen.h"
#include "tui/text.h"

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
#define M  KEYMAP_IN_NOTIFY
#define AL KEYMAP_IN_ALL

/* clang-format off */
static const struct keymap_binding keymap_table[] = {
	{ 'Q',                   "Q",      AL,    KEYMAP_QUIT },
	{ SCREEN_CTRL('c'),      "Ctrl-c", AL,    KEYMAP_QUIT },
	{ SCREEN_KEY_F10,        "F10",    AL,    KEYMAP_QUIT },
	{ 'q',                   "q",      AL,    KEYMAP_CLOSE },
	{ SCREEN_KEY_ESC,        "Esc",    AL,    KEYMAP_BACK },
	{ SCREEN_KEY_BACKSPACE,  "BkSp",   W|G|H|P|I|M, KEYMAP_BACK },
	{ SCREEN_CTRL('z'),      "Ctrl-z", AL,    KEYMAP_SUSPEND },
	{ 'k',                   "k",      AL,    KEYMAP_UP },
	{ SCREEN_KEY_UP,         "Up",     AL,    KEYMAP_UP },
	{ 'j',                   "j",      AL,    KEYMAP_DOWN },
	{ SCREEN_KEY_DOWN,       "Down",   AL,    KEYMAP_DOWN },
	{ SCREEN_KEY_PGUP,       "PgUp",   AL,    KEYMAP_PAGE_UP },
	{ SCREEN_CTRL('b'),      "Ctrl-b", AL,    KEYMAP_PAGE_UP },
	{ SCREEN_KEY_PGDN,       "PgDn",   AL,    KEYMAP_PAGE_DOWN },
	{ SCREEN_CTRL('f'),      "Ctrl-f", AL,    KEYMAP_PAGE_DOWN },
	{ ' ',                   "Space",  G|H|I|M, KEYMAP_PAGE_DOWN },
	{ 'b',                   "b",      G|H|I|M, KEYMAP_PAGE_UP },
	{ SCREEN_CTRL('u'),      "Ctrl-u", AL,    KEYMAP_HALF_UP },
	{ SCREEN_CTRL('d'),      "Ctrl-d", G|H|P|I|M, KEYMAP_HALF_DOWN },
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
	{ 't',                   "t",      W,     KEYMAP_TIMELINE },
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
	/* vim's ]/[ motions; less's s saves and | pipes, here to the pager. */
	{ ']',                   "]",      G,     KEYMAP_ERROR_NEXT },
	{ '[',                   "[",      G,     KEYMAP_ERROR_PREV },
	{ 'o',                   "o",      G,     KEYMAP_TASKS },
	{ 'a',                   "a",      G,     KEYMAP_ALL_TASKS },
	{ 's',                   "s",      G,     KEYMAP_SAVE },
	{ '|',                   "|",      G,     KEYMAP_PAGER },
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
	{ 'M',                   "M",      L|W|G|P, KEYMAP_NOTIFICATIONS },
	{ '?',                   "?",      AL,    KEYMAP_HELP },
	{ SCREEN_KEY_F1,         "F1",     AL,    KEYMAP_HELP },
};
/* clang-format on */

/* The actions' ids: the configuration names them in lower case. */
static const char *const keymap_names[] = {
#define KEYMAP_NAME_TEXT(id, help) #id,
	KEYMAP_ACTIONS(KEYMAP_NAME_TEXT)
#undef KEYMAP_NAME_TEXT
};

/* Keys with a name of more than their character, as help shows them and config.yaml names them. */
static const struct keymap_key_name {
	const char *name;
	int key;
} keymap_key_names[] = {
	{ "Enter", SCREEN_KEY_ENTER },
	{ "Esc", SCREEN_KEY_ESC },
	{ "BkSp", SCREEN_KEY_BACKSPACE },
	{ "Space", ' ' },
	{ "Tab", '\t' },
	{ "BTab", SCREEN_KEY_BTAB },
	{ "Up", SCREEN_KEY_UP },
	{ "Down", SCREEN_KEY_DOWN },
	{ "Left", SCREEN_KEY_LEFT },
	{ "Right", SCREEN_KEY_RIGHT },
	{ "PgUp", SCREEN_KEY_PGUP },
	{ "PgDn", SCREEN_KEY_PGDN },
	{ "Home", SCREEN_KEY_HOME },
	{ "End", SCREEN_KEY_END },
	{ "Del", SCREEN_KEY_DELETE },
	{ "F1", SCREEN_KEY_F1 },
	{ "F5", SCREEN_KEY_F5 },
	{ "F10", SCREEN_KEY_F10 },
};

/* What the hint bar calls an action: a word or two. */
static const char *const keymap_shorts[KEYMAP_COUNT] = {
	[KEYMAP_QUIT] = "quit",
	[KEYMAP_CLOSE] = "back",
	[KEYMAP_OPEN] = "open",
	[KEYMAP_GRAPH] = "dag/table",
	[KEYMAP_TIMELINE] = "time",
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
	[KEYMAP_ERROR_NEXT] = "next error",
	[KEYMAP_TASKS] = "tasks",
	[KEYMAP_SAVE] = "save",
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
	[KEYMAP_NOTIFICATIONS] = "notifications",
};

const char *
keymap_short(enum keymap_action a)
{
	return a >= 0 && a < KEYMAP_COUNT && keymap_shorts[a] ? keymap_shorts[a] : "";
}

const char *
keymap_help(enum keymap_action a)
{
	return a >= 0 && a < KEYMAP_COUNT ? keymap_helps[a] : "";
}

void
keymap_init(struct keymap *k)
{
	*k = (struct keymap){ keymap_table, ARRAY_SIZE(keymap_table), NULL };
}

void
keymap_free(struct keymap *k)
{
	free(k->own);
	keymap_init(k);
}

/* The views a key of a serves: its default binding's when it has that key, else its first's. */
static unsigned
keymap_default_views(enum keymap_action a, int key)
{
	unsigned first = 0;

	for (size_t i = 0; i < ARRAY_SIZE(keymap_table); i++)
		if (keymap_table[i].action == a) {
			if (keymap_table[i].key == key)
				return keymap_table[i].views;
			if (!first)
				first = keymap_table[i].views;
		}
	return first;
}

int
keymap_rebind(struct keymap *k, enum keymap_action a, const int *keys, size_t n)
{
	size_t kept = 0;
	struct keymap_binding *v = xreallocarray(NULL, k->n + n, sizeof(*v));

	for (size_t i = 0; i < n; i++) {
		v[i] = (struct keymap_binding){ keys[i], "", keymap_default_views(a, keys[i]), a };
		if (!keymap_key_format(keys[i], v[i].name, sizeof(v[i].name))) {
			free(v);
			return -1;
		}
	}
	for (size_t i = 0; i < k->n; i++)
		if (k->v[i].action != a)
			v[n + kept++] = k->v[i];
	free(k->own);
	*k = (struct keymap){ v, n + kept, v };
	return 0;
}

int
keymap_conflict(const struct keymap *k, enum keymap_action *one, enum keymap_action *two)
{
	bool quits = false;

	for (size_t i = 0; i < k->n; i++) {
		quits |= k->v[i].action == KEYMAP_QUIT;
		for (size_t j = i + 1; j < k->n; j++)
			if (k->v[i].key == k->v[j].key && (k->v[i].views & k->v[j].views)) {
				*one = k->v[i].action;
				*two = k->v[j].action;
				return k->v[i].key;
			}
	}
	if (quits)
		return SCREEN_KEY_NONE;
	*one = *two = KEYMAP_QUIT;
	return SCREEN_KEY_ESC;
}

const char *
keymap_key_name(const struct keymap *k, enum keymap_view view, enum keymap_action a)
{
	for (size_t i = 0; i < k->n; i++)
		if (k->v[i].action == a && (k->v[i].views & view))
			return k->v[i].name;
	return NULL;
}

enum keymap_action
keymap_lookup(const struct keymap *k, enum keymap_view view, int key)
{
	for (size_t i = 0; i < k->n; i++)
		if (k->v[i].key == key && (k->v[i].views & view))
			return k->v[i].action;
	return KEYMAP_NONE;
}

const struct keymap_binding *
keymap_bindings(const struct keymap *k, size_t *n)
{
	*n = k->n;
	return k->v;
}

void
keymap_action_name(enum keymap_action a, char buf[KEYMAP_NAME_MAX])
{
	strlcpy_lower(buf, a >= 0 && a < KEYMAP_COUNT ? keymap_names[a] : "", KEYMAP_NAME_MAX);
}

enum keymap_action
keymap_action_named(const char *name)
{
	for (int a = 0; a < KEYMAP_COUNT; a++)
		if (strcasecmp(keymap_names[a], name) == 0)
			return (enum keymap_action)a;
	return KEYMAP_NONE;
}

int
keymap_key_parse(const char *name)
{
	size_t len = strlen(name);
	uint32_t cp;

	for (size_t i = 0; i < ARRAY_SIZE(keymap_key_names); i++)
		if (strcasecmp(name, keymap_key_names[i].name) == 0)
			return keymap_key_names[i].key;
	if (strncasecmp(name, "Ctrl-", 5) == 0 && len == 6 && isalpha((unsigned char)name[5]))
		return SCREEN_CTRL(name[5]);
	/* One printable character, which is its own name. */
	if (len && text_decode(name, len, &cp) == len && cp != TEXT_REPLACEMENT &&
	    text_cp_width(cp) > 0 && cp != ' ')
		return (int)cp;
	return SCREEN_KEY_NONE;
}

bool
keymap_key_format(int key, char *buf, size_t size)
{
	char utf8[5] = { 0 };

	for (size_t i = 0; i < ARRAY_SIZE(keymap_key_names); i++)
		if (key == keymap_key_names[i].key) {
			snprintf(buf, size, "%s", keymap_key_names[i].name);
			return true;
		}
	if (key >= 1 && key < 0x20 && isalpha(key + 0x60)) {
		snprintf(buf, size, "Ctrl-%c", key + 0x60);
		return true;
	}
	if (key <= ' ' || key >= SCREEN_KEY_BASE || text_cp_width((uint32_t)key) <= 0)
		return false;
	text_encode((uint32_t)key, utf8);
	snprintf(buf, size, "%s", utf8);
	return true;
}

char *
keymap_mention(const struct keymap *k, enum keymap_view view, const char *text)
{
	struct strbuf sb = { 0 };

	if (!k)
		return xstrdup(text);
	for (const char *p = text; *p;) {
		const char *end = *p == '(' ? strchr(p, ')') : NULL;
		enum keymap_action a = KEYMAP_NONE;
		const char *now;

		for (size_t i = 0; end && a == KEYMAP_NONE && i < ARRAY_SIZE(keymap_table); i++)
			if ((keymap_table[i].views & view) &&
			    strlen(keymap_table[i].name) == (size_t)(end - p - 1) &&
			    strncmp(keymap_table[i].name, p + 1, (size_t)(end - p - 1)) == 0)
				a = keymap_table[i].action;
		if (a == KEYMAP_NONE) {
			strbuf_addch(&sb, *p++);
			continue;
		}
		now = keymap_key_name(k, view, a);
		if (now)
			strbuf_addf(&sb, "(%s)", now);
		else if (sb.len && sb.buf[sb.len - 1] == ' ')
			sb.buf[--sb.len] = '\0'; /* " (e)" goes whole with its key */
		p = end + 1;
	}
	return sb.buf ? strbuf_detach(&sb) : xstrdup("");
}
