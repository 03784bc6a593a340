/* theme.h: how statuses look: glyph, ASCII fallback and style role (the view half of status.h). */
#ifndef OSMO_TUI_THEME_H
#define OSMO_TUI_THEME_H

#include <stdbool.h>

#include "tui/canvas.h"
#include "common/status.h"

const char *theme_status_glyph(enum osmo_status s, bool ascii);
enum style theme_status_style(enum osmo_status s);
const char *theme_lead_mark(bool ascii);

#endif
