/* server_bad_includes_client.c: osmo-local may not use the client's headers; must not compile. */
#include "client/api.h"
