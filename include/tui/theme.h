/*
 * theme.h: how things look: each style role's colour and attributes, and each status's glyph,
 * ASCII fallback and role (the view half of status.h).
 */
#ifndef OSMO_TUI_THEME_H
#define OSMO_TUI_THEME_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/canvas.h"
#include "common/status.h"

/* Attributes of a style role, as screen.c turns them into the terminal's. */
enum theme_attr {
	THEME_BOLD = 1,
	THEME_DIM = 2,
	THEME_UNDERLINE = 4,
	THEME_REVERSE = 8,
	THEME_ITALIC = 16,
};

/* A style role's look: a colour (-1 the terminal's own, 0-7 ANSI, up to 255) and attributes. */
struct theme_style {
	short fg;
	unsigned attr; /* with colour */
	unsigned mono; /* without (NO_COLOR, --no-color) */
};

/* Every role's look: the defaults, and what config.yaml's theme section changed. */
struct theme {
	struct theme_style style[STYLE_COUNT];
};

void theme_init(struct theme *t);
/*
 * Reads "red bold", "default underline", "208": a colour name (or 0-255) and attributes
 * (bold, dim, underline, reverse, italic, normal) in any order; used with and without
 * colour. False, out untouched, for a word it does not know.
 */
bool theme_style_parse(const char *text, struct theme_style *out);
/* The style as theme_style_parse reads it, into buf. */
void theme_style_format(const struct theme_style *st, char *buf, size_t size);
/* The role's name in config.yaml ("status_failed"), lower case, into buf. */
void theme_role_name(enum style role, char *buf, size_t size);
/* A role by that name, or -1. */
int theme_role_find(const char *name);

const char *theme_status_glyph(enum osmo_status s, bool ascii);
enum style theme_status_style(enum osmo_status s);
const char *theme_lead_mark(bool ascii);

#endif
