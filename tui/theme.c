/* theme.c: each style role's look, and each status's glyph, ASCII fallback and role. */
#include "tui/theme.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"

#define B THEME_BOLD
#define D THEME_DIM
#define U THEME_UNDERLINE

/*
 * Colour and attributes per role, and the attributes alone without colour: what needs a look
 * still stands out, a failure most of all, and a group that only followed another's less.
 */
static const struct theme_style theme_defaults[STYLE_COUNT] = {
	[STYLE_NORMAL] = { -1, 0, 0 },
	[STYLE_DIM] = { -1, D, D },
	[STYLE_TITLE] = { -1, B, B },
	[STYLE_HEADER] = { -1, B | U, B | U },
	[STYLE_SELECTED] = { -1, THEME_REVERSE, THEME_REVERSE },
	[STYLE_LABEL] = { 6, 0, 0 },
	[STYLE_LEAD] = { 3, B, B },
	[STYLE_ERROR] = { 1, B, B | U },
	[STYLE_WARN] = { 3, 0, U },
	[STYLE_STATUS_QUEUED] = { -1, D, D },
	[STYLE_STATUS_STARTING] = { 6, 0, 0 },
	[STYLE_STATUS_RUNNING] = { 4, B, B },
	[STYLE_STATUS_DONE] = { 2, 0, 0 },
	[STYLE_STATUS_FAILED] = { 1, B, B | U },
	[STYLE_STATUS_CANCELED] = { 5, 0, U },
	[STYLE_STATUS_UPSTREAM] = { 1, D, U | D },
	[STYLE_STATUS_UNKNOWN] = { -1, 0, 0 },
	/* The tasks of a merged log, told apart; no red, which means failure here. */
	[STYLE_TASK_1] = { 6, 0, 0 },
	[STYLE_TASK_2] = { 5, 0, B },
	[STYLE_TASK_3] = { 3, 0, 0 },
	[STYLE_TASK_4] = { 2, 0, B },
	[STYLE_TASK_5] = { 4, B, 0 },
};

#undef B
#undef D
#undef U

/* The roles' ids: config.yaml names them in lower case. */
static const char *const theme_roles[] = {
#define THEME_ROLE_ID(id, letter) #id,
	STYLE_LIST(THEME_ROLE_ID)
#undef THEME_ROLE_ID
};

/* The ANSI colours by name; 8-15 are their bright forms, 0-255 are taken as numbers. */
static const char *const theme_colours[] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
};

static const struct theme_attr_word {
	const char *word;
	unsigned attr;
} theme_attr_words[] = {
	{ "bold", THEME_BOLD },       { "dim", THEME_DIM },       { "underline", THEME_UNDERLINE },
	{ "reverse", THEME_REVERSE }, { "italic", THEME_ITALIC }, { "normal", 0 },
};

void
theme_init(struct theme *t)
{
	memcpy(t->style, theme_defaults, sizeof(t->style));
}

/* A colour word: default, a name, bright_NAME or 0-255; false for none of these. */
static bool
theme_colour_parse(const char *w, short *fg)
{
	const char *name = strncasecmp(w, "bright_", 7) == 0 ? w + 7 : w;
	char *end;
	long n;

	if (strcasecmp(w, "default") == 0) {
		*fg = -1;
		return true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(theme_colours); i++)
		if (strcasecmp(name, theme_colours[i]) == 0) {
			*fg = (short)(i + (name != w ? 8 : 0));
			return true;
		}
	n = strtol(w, &end, 10);
	if (!isdigit((unsigned char)*w) || *end || n > 255)
		return false;
	*fg = (short)n;
	return true;
}

bool
theme_style_parse(const char *text, struct theme_style *out)
{
	struct theme_style st = { -1, 0, 0 };
	char *copy = xstrdup(text), *save = NULL;
	bool ok = true;

	for (char *w = strtok_r(copy, " \t,", &save); ok && w; w = strtok_r(NULL, " \t,", &save)) {
		size_t i = 0;

		while (i < ARRAY_SIZE(theme_attr_words) && strcasecmp(w, theme_attr_words[i].word))
			i++;
		if (i < ARRAY_SIZE(theme_attr_words))
			st.attr |= theme_attr_words[i].attr;
		else
			ok = theme_colour_parse(w, &st.fg);
	}
	free(copy);
	if (ok) {
		st.mono = st.attr;
		*out = st;
	}
	return ok;
}

void
theme_style_format(const struct theme_style *st, char *buf, size_t size)
{
	size_t len;

	if (st->fg < 0)
		snprintf(buf, size, "%s", st->attr ? "" : "default");
	else if (st->fg < 16)
		snprintf(buf, size, "%s%s", st->fg >= 8 ? "bright_" : "",
		         theme_colours[st->fg % 8]);
	else
		snprintf(buf, size, "%d", st->fg);
	for (size_t i = 0; i < ARRAY_SIZE(theme_attr_words); i++)
		if (st->attr & theme_attr_words[i].attr) {
			len = strlen(buf);
			snprintf(buf + len, size - len, "%s%s", len ? " " : "",
			         theme_attr_words[i].word);
		}
}

void
theme_role_name(enum style role, char *buf, size_t size)
{
	strlcpy_lower(buf, (unsigned)role < STYLE_COUNT ? theme_roles[role] : "", size);
}

int
theme_role_find(const char *name)
{
	for (int i = 0; i < STYLE_COUNT; i++)
		if (strcasecmp(theme_roles[i], name) == 0)
			return i;
	return -1;
}

static const struct theme_look {
	const char *glyph;
	const char *ascii;
	enum style style;
} theme_looks[] = {
	[OSMO_UNKNOWN] = { "?", "?", STYLE_STATUS_UNKNOWN },
	[OSMO_PENDING] = { "○", "o", STYLE_STATUS_QUEUED },
	[OSMO_SUBMITTING] = { "◌", ".", STYLE_STATUS_QUEUED },
	[OSMO_WAITING] = { "◌", ".", STYLE_STATUS_QUEUED },
	[OSMO_PROCESSING] = { "◌", ".", STYLE_STATUS_QUEUED },
	[OSMO_SCHEDULING] = { "◔", "s", STYLE_STATUS_STARTING },
	[OSMO_INITIALIZING] = { "◑", "i", STYLE_STATUS_STARTING },
	[OSMO_RUNNING] = { "●", "*", STYLE_STATUS_RUNNING },
	[OSMO_COMPLETED] = { "✔", "+", STYLE_STATUS_DONE },
	[OSMO_RESCHEDULED] = { "↻", "r", STYLE_DIM },
	[OSMO_FAILED] = { "✘", "x", STYLE_STATUS_FAILED },
	[OSMO_FAILED_SUBMISSION] = { "✘", "x", STYLE_STATUS_FAILED },
	[OSMO_FAILED_UPSTREAM] = { "⊘", "!", STYLE_STATUS_UPSTREAM },
	[OSMO_FAILED_CANCELED] = { "■", "#", STYLE_STATUS_CANCELED },
	[OSMO_FAILED_EXEC_TIMEOUT] = { "◷", "T", STYLE_STATUS_CANCELED },
	[OSMO_FAILED_QUEUE_TIMEOUT] = { "◷", "Q", STYLE_STATUS_CANCELED },
	[OSMO_FAILED_SERVER_ERROR] = { "✘", "X", STYLE_STATUS_FAILED },
	[OSMO_FAILED_EVICTED] = { "✘", "E", STYLE_STATUS_FAILED },
	[OSMO_FAILED_START_ERROR] = { "✘", "S", STYLE_STATUS_FAILED },
	[OSMO_FAILED_IMAGE_PULL] = { "✘", "I", STYLE_STATUS_FAILED },
	[OSMO_FAILED_BACKEND_ERROR] = { "✘", "B", STYLE_STATUS_FAILED },
	[OSMO_FAILED_START_TIMEOUT] = { "✘", "T", STYLE_STATUS_FAILED },
	[OSMO_FAILED_PREEMPTED] = { "⇣", "P", STYLE_STATUS_CANCELED },
};

_Static_assert(ARRAY_SIZE(theme_looks) == OSMO_STATUS_COUNT, "every status has a look");

static const struct theme_look *
theme_look(enum osmo_status s)
{
	return &theme_looks[(unsigned)s < OSMO_STATUS_COUNT ? s : OSMO_UNKNOWN];
}

const char *
theme_status_glyph(enum osmo_status s, bool ascii)
{
	return ascii ? theme_look(s)->ascii : theme_look(s)->glyph;
}

enum style
theme_status_style(enum osmo_status s)
{
	return theme_look(s)->style;
}

const char *
theme_lead_mark(bool ascii)
{
	return ascii ? "L" : "★";
}
