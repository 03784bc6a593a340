/* router_forward.h: port-forward's task side: TCP control and data legs, UDP flows, 127.0.0.1. */
#ifndef OSMO_SERVER_ROUTER_FORWARD_H
#define OSMO_SERVER_ROUTER_FORWARD_H

#include "server/router.h"

#define ROUTER_FORWARD_CHUNK     (32 * 1024) /* osmo-ctrl's buffer: one message to the client */
#define ROUTER_FORWARD_TRIES     5           /* connects to the task port, 1 s apart */
#define ROUTER_FORWARD_RETRY_MS  1000
#define ROUTER_FORWARD_MAX_FLOWS 1024 /* UDP peers per port; osmo-ctrl has no limit */

/* A TCP port's control leg: each {"key": ...} message announces a data leg. */
const struct router_backend *router_forward_control_backend(void);
/* A TCP data leg: one connection to 127.0.0.1:port, bytes both ways. */
const struct router_backend *router_forward_tcp_backend(void);
/* A UDP port: one socket to 127.0.0.1:port per 6-byte peer header. */
const struct router_backend *router_forward_udp_backend(void);

#endif
