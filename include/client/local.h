/* local.h: osmo-local as osmotop's own background service: finding, starting and stopping it. */
#ifndef OSMO_CLIENT_LOCAL_H
#define OSMO_CLIENT_LOCAL_H

#include <stdbool.h>
#include <sys/types.h>

#include "client/api_error.h"
#include "common/util.h"

/* osmo-local's access token, in its state directory (dir/state). */
#define LOCAL_TOKEN_FILE "access_token"

/* What dir/server.pid and dir/server.url say about a running service. */
struct local_server {
	pid_t pid;
	char url[128]; /* http://127.0.0.1:PORT */
	bool started;  /* local_start: this call started it (else it was running already) */
};

/*
 * The service's directory: $XDG_STATE_HOME/osmotop/local (when absolute, as XDG says), else
 * $HOME/.local/state/osmotop/local. Only resolved, not created; the caller frees it.
 */
char *local_dir(struct api_error *err);

/*
 * The service dir records, if it runs: 1 with srv filled, 0 when none does, -1 with err. A
 * record naming a dead PID, or a PID that is not osmo-local serving dir, is stale and removed.
 */
int local_find(const char *dir, struct local_server *srv, struct api_error *err);

/*
 * Starts osmo-local in the background on 127.0.0.1 with its state in dir/state, unless one
 * runs already; an flock on dir/lock keeps concurrent callers to one server. bin NULL means
 * $OSMO_LOCAL_BIN, else osmo-local beside this program, else in $PATH; args (NULL: none) are
 * more of its options (--slots 8). Returns 0 with srv filled, or -1 with err.
 */
int local_start(const char *dir, const char *bin, const struct strv *args, struct local_server *srv,
                struct api_error *err);

/* SIGTERM to the recorded osmo-local, waited for: 1 stopped (srv says which), 0 none ran, -1. */
int local_stop(const char *dir, struct local_server *srv, struct api_error *err);

/* Who submits to the local service (x-osmo-user): $USER, else the passwd entry. */
char *local_user(void);

#endif
