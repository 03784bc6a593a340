/* view_forwards.h: the port-forwards manager: each forward's state, connections, bytes, retries. */
#ifndef OSMO_VIEW_FORWARDS_H
#define OSMO_VIEW_FORWARDS_H

#include <stdint.h>

#include "canvas.h"
#include "forward.h"
#include "view.h"

/* Draws m's forwards (rc->selected/top) into c; mono_now_ms times the retries. */
void view_forwards_render(const struct render_ctx *rc, const struct forward_mgr *m,
                          int64_t mono_now_ms, struct canvas *c);
/* The row in c where the table's rows start. */
int view_forwards_table_row(void);

#endif
