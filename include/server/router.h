/* router.h: osmo-local as OSMO's router and task side: single-use keys, client legs, backends. */
#ifndef OSMO_SERVER_ROUTER_H
#define OSMO_SERVER_ROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "server/engine.h"
#include "server/http.h"
#include "common/loop.h"
#include "common/util.h"

#define ROUTER_KEY_TTL_MS 60000 /* the router's default wait for the other leg */
#define ROUTER_KEY_HEX    32    /* uuid4().hex after the action's name */
#define ROUTER_KEY_MAX    128   /* client-made connection keys may not be longer */
#define ROUTER_MAX_PORTS  30    /* WorkflowConfig.max_num_ports_per_task */

/* The action a start call asks for; its name prefixes the key ("EXEC-", "PORTFORWARD-"). */
enum router_action { ROUTER_EXEC, ROUTER_PORTFORWARD };

struct router;
struct router_conn;

struct router_config {
	struct loop *loop;
	struct engine *engine;
	const char *address; /* "ws://127.0.0.1:PORT", as start calls return it */
	int64_t key_ttl_ms;  /* an unused key expires after this; 0: ROUTER_KEY_TTL_MS */
};

/* What a key opens: a task's retry and, for port-forward, its port. */
struct router_target {
	const char *workflow; /* the workflow ID */
	const char *task;
	int retry;
	const char *entry_command; /* exec */
	int port;                  /* port-forward */
	bool udp;
};

/* Registers itself with the engine to hear about tasks that end. */
struct router *router_new(const struct router_config *cfg);
/* Ends every session (exec processes are killed and collected) and frees r. */
void router_free(struct router *r);
/* SIGTERM: closes every client leg with 1001 and stops exec processes. */
void router_shutdown(struct router *r);
/* What a restart of OSMO's router looks like to clients: every leg closes with 1012. */
void router_restart(struct router *r);
/* SIGCHLD: collects exec processes. */
void router_child(struct router *r);
/* The client legs GET /api/router/{exec,portforward}/{wf}/client/{key}. */
void router_add_routes(struct server_http *h, struct router *r);

const char *router_address(const struct router *r);
struct engine *router_engine(const struct router *r);
struct loop *router_loop(const struct router *r);

/* A new single-use key for t (copied); key needs ROUTER_KEY_MAX + 1 bytes. */
void router_key_new(struct router *r, enum router_action a, const struct router_target *t,
                    char *key);
/* "EXEC-" or "PORTFORWARD-" and 32 lower-case hex digits of random (exposed for tests). */
void router_key_format(enum router_action a, const unsigned char random[ROUTER_KEY_HEX / 2],
                       char *key);
/* A task_ports value: 0 with *port, -1 when it is no integer (422), -2 out of 1..65535 (400). */
int router_parse_port(const char *text, long *port);

/* ---- the backend side: what exec and port-forward use of their client leg ---- */

#define ROUTER_HOLD_MAX ((size_t)1 << 20) /* client bytes a backend holds before pausing it */

/* A backend: its state lives from open until gone. */
struct router_backend {
	/* The client leg is open. */
	void *(*open)(struct router_conn *c);
	/* One non-empty binary message from the client. */
	void (*message)(void *b, const unsigned char *data, size_t n);
	/* router_conn_send said "full" and the queue has room again. */
	void (*drained)(void *b);
	/* The leg is over: stop using c; free b (now or once its processes are collected). */
	void (*gone)(void *b);
};

const struct router_target *router_conn_target(const struct router_conn *c);
struct router *router_conn_router(const struct router_conn *c);
/* One binary message to the client; false when its queue is full (wait for drained). */
bool router_conn_send(struct router_conn *c, const void *data, size_t n);
/* Closes the leg with code; gone follows later, never from inside this call. */
void router_conn_close(struct router_conn *c, int code, const char *reason);
/*
 * Reads fd into messages to the client, one per read of at most size bytes (buf), until fd
 * would block, max_reads are done or the client's queue is full (*full, as router_conn_send).
 * Returns how many reads gave bytes, or -1 once fd has nothing more (end of file, an error).
 */
int router_conn_relay(struct router_conn *c, int fd, void *buf, size_t size, int max_reads,
                      bool *full);
/*
 * The backend holds n of the client's bytes that its descriptor has not taken: above
 * ROUTER_HOLD_MAX the client is no longer read, so a slow task pushes back, until less than a
 * quarter of that is left.
 */
void router_conn_hold(struct router_conn *c, size_t n);
/* Writes held to fd until fd would block; 0, or -1 when fd takes no more (held keeps the rest). */
int router_write_held(int fd, struct strbuf *held);
/* A connection key from a TCP control leg: a data leg for the same port; false if taken. */
bool router_conn_add_data_key(struct router_conn *c, const char *key);
/* Calls exited(ctx, wait status) once pid has been collected (router_child). */
void router_watch_child(struct router *r, pid_t pid, void (*exited)(void *ctx, int status),
                        void *ctx);

#endif
