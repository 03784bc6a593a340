/* tui_bad_includes_server.c: osmotop never links osmo-local's code; must not compile. */
#include "server/engine.h"
