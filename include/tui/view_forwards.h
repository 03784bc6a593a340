/* view_forwards.h: the port-forwards manager: each forward's state, connections, bytes, retries. */
#ifndef OSMO_TUI_VIEW_FORWARDS_H
#define OSMO_TUI_VIEW_FORWARDS_H

#include <stdint.h>

#include "tui/canvas.h"
#include "client/forward.h"
#include "tui/view.h"

/* Draws m's forwards (rc->selected/top) into c; mono_now_ms times the retries. */
void view_forwards_render(const struct render_ctx *rc, const struct forward_mgr *m,
                          int64_t mono_now_ms, struct canvas *c);
/* The row in c where the table's rows start. */
int view_forwards_table_row(void);

#endif
