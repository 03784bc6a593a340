/* server_ok_includes_common.c: the control: a layer's own and lower headers do compile. */
#include "common/util.h"
#include "server/http.h"
