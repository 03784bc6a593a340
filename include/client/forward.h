/* forward.h: port-forwards (TCP and UDP) to a workflow's task, a source of the caller's loop. */
#ifndef OSMO_CLIENT_FORWARD_H
#define OSMO_CLIENT_FORWARD_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/api.h"
#include "client/api_error.h"
#include "client/http.h"

#define FORWARD_CHUNK      4096         /* bytes per message up, as the CLI */
#define FORWARD_QUEUE_HIGH (256u << 10) /* either direction: stop reading its source above this */
#define FORWARD_RETRY_MAX  5            /* the delay's exponent stops growing here */
#define FORWARD_BACKOFF_MS 1000         /* retry r waits this << min(r, FORWARD_RETRY_MAX) */
#define FORWARD_JITTER_MS  5000         /* plus uniform 0..this on every retry */
#define FORWARD_MAX_PORTS  30           /* the service's max_num_ports_per_task */
#define FORWARD_MAX_CONNS  256          /* TCP connections per forward; more wait in backlog */

enum forward_state {
	FORWARD_STARTING,  /* the start call or the control socket is under way */
	FORWARD_LISTENING, /* paired: local connections (or datagrams) are relayed */
	FORWARD_RETRYING,  /* waiting for retry_at_ms to start again */
	FORWARD_FAILED,    /* for good: err says why */
	FORWARD_STOPPED,   /* forward_stop */
};

/* What a forward is and how it does; all readable by the caller at any time. */
struct forward_info {
	int id;
	const char *workflow, *task;
	int remote_port, local_port;
	bool udp;
	enum forward_state state;
	bool listened;       /* has been FORWARD_LISTENING: its first start went through */
	size_t conns_open;   /* TCP data connections now; UDP: 0 */
	uint64_t bytes_up;   /* local -> task */
	uint64_t bytes_down; /* task -> local */
	size_t pending_down; /* task -> local bytes held now for local sockets (all connections) */
	size_t pending_down_max; /* the most one connection held at once, since forward_add */
	unsigned reconnects;     /* start calls after the first */
	int64_t retry_at_ms;     /* FORWARD_RETRYING: when (clock_mono_ms) */
	struct api_error err;    /* the last failure (the reason for FAILED); API_OK if none */
};

/* One port of a spec: the task's port and the one on 127.0.0.1. */
struct forward_port {
	int remote, local;
};

/*
 * Parses a port spec, remote first: comma-separated items, each R, R:L, A-B (the same local
 * ports) or A-B:C-D (ranges of equal length), blanks around items allowed; ports 1 to 65535, no
 * local port twice, at most FORWARD_MAX_PORTS in all. 0 with *out (n ports in spec order, the
 * caller frees), or -1 with *err, one sentence naming the bad item (the caller frees).
 */
int forward_ports_parse(const char *spec, struct forward_port **out, size_t *n, char **err);
/* Whether 127.0.0.1:port (TCP or UDP) can be bound now, as forward_add would bind it. */
bool forward_port_free(int port, bool udp);

struct forward_mgr;

/* api and http are borrowed and must outlive the manager. */
struct forward_mgr *forward_mgr_new(struct api *api, struct http *http);
/* Stops everything at once (close frames only where sockets take them at once) and frees. */
void forward_mgr_free(struct forward_mgr *m);
/*
 * Retry r waits base_ms << min(r, FORWARD_RETRY_MAX) plus uniform 0..jitter_ms (default
 * FORWARD_BACKOFF_MS and FORWARD_JITTER_MS, §2.4): for tests and callers who need faster retries.
 */
void forward_mgr_set_backoff(struct forward_mgr *m, int base_ms, int jitter_ms);

/*
 * Binds 127.0.0.1:local_port (TCP or UDP) first, then starts the forward; returns its id (>= 0),
 * or -1 with err when the port cannot be bound or an argument is unusable.
 */
int forward_add(struct forward_mgr *m, const char *workflow, const char *task, int remote_port,
                int local_port, bool udp, struct api_error *err);
/*
 * Closes the forward's connections and listener, at once: open WebSockets get a close frame
 * (1000) if their sockets take it now, nothing waits; its info stays (FORWARD_STOPPED).
 */
void forward_stop(struct forward_mgr *m, int id);
void forward_stop_all(struct forward_mgr *m);

/* The i-th forward (in order of forward_add); valid until the next call on m. */
const struct forward_info *forward_info_at(const struct forward_mgr *m, size_t i);
/* How many forwards are neither FAILED nor STOPPED. */
size_t forward_active(const struct forward_mgr *m);

/* Local sockets and WebSockets to watch (http_pollfds has curl's); returns how many. */
int forward_pollfds(struct forward_mgr *m, struct pollfd *fds, int max);
/* Milliseconds until forward_dispatch has timer work, or -1. */
int forward_timeout_ms(const struct forward_mgr *m, int64_t now_ms);
/* Does what fds' revents allow and the retries due at now_ms. */
void forward_dispatch(struct forward_mgr *m, const struct pollfd *fds, int n, int64_t now_ms);
/* The three above as a loop source: loop_add_source(loop, &forward_source, m). */
extern const struct loop_source forward_source;

#endif
