/* client_bad_includes_tui.c: the data layer may not reach up into the TUI; must not compile. */
#include "tui/canvas.h"
