/* theme.c: status glyphs, ASCII fallbacks and style roles, one row per status. */
#include "tui/theme.h"

#include "common/util.h"

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
