/* tui_ok_includes_client.c: the control: the TUI sees the client and common layers. */
#include "client/api.h"
#include "common/status.h"
#include "tui/canvas.h"
