/* lfix.h: an osmo-local fixture for integration tests: scratch directory, server, client on it. */
#ifndef OSMO_TEST_LFIX_H
#define OSMO_TEST_LFIX_H

#include <netinet/in.h>
#include <stdbool.h>

#include "client/api.h"
#include "client/auth.h"
#include "client/http.h"
#include "client/model.h"
#include "proc.h"
#include "wait.h"

#define LFIX_CALL_MS 12000 /* starting the server, or one request */
#define LFIX_POLL_MS 50    /* between two queries of a workflow */

struct lfix {
	char dir[64]; /* scratch: state/ and what tasks leave; removed by lfix_close() */
	char *state;  /* dir/state, osmo-local's --state */
	struct proc server;
	struct loop *loop; /* http is its source; api completes through it */
	struct http *http;
	struct auth auth; /* the dev user jdoe, or (owner) the server's access token */
	bool owner;       /* no --dev-auth: the client logs in with the token, as its owner */
	struct api *api;  /* on server, NULL while it is stopped */
};

/* Makes the scratch /tmp/osmo-NAME-XXXXXX and starts osmo-local in it (see lfix_start). */
void lfix_open(struct lfix *f, const char *name, const char *const *extra);
/* The same without --dev-auth: the client logs in with state/access_token as its owner. */
void lfix_open_owner(struct lfix *f, const char *name, const char *const *extra);
/*
 * Starts osmo-local on 127.0.0.1 port 0 over f->state with --phase-ms 0, --dev-auth unless
 * f->owner, and extra (more
 * options, NULL-terminated; NULL for none) and points f->api at it. Fails the test if it does
 * not announce itself.
 */
void lfix_start(struct lfix *f, const char *const *extra);
/* Drops f->api and stops the server by PID; proc_stop()'s result. */
int lfix_stop(struct lfix *f, int timeout_ms);
/* Stops the server if it runs, frees the client and removes the scratch; proc_stop()'s result. */
int lfix_close(struct lfix *f);
/* A cmocka setup's *state: a new lfix opened as lfix_open does; 0. */
int lfix_state_open(void **state, const char *name, const char *const *extra);
/* The teardown of lfix_state_open: lfix_close, then the lfix freed; proc_stop()'s result. */
int lfix_state_close(void **state);
/* extra for lfix_open: one task slot, so a second workflow queues. */
extern const char *const lfix_one_slot[];

/* Runs the client's loop until c is done; fails with the call's message unless ok == want_ok. */
void lfix_finish(struct lfix *f, struct wait_call *c, bool want_ok);
/* Submits yaml to pool default, or resubmits workflow_id's spec when yaml is NULL; the new ID. */
char *lfix_submit(struct lfix *f, const char *yaml, const char *workflow_id);
/* GET /api/workflow/{id} now; the caller frees *out. */
void lfix_query(struct lfix *f, const char *id, bool verbose, struct osmo_workflow *out);
/*
 * Queries id (verbose: every retry) every LFIX_POLL_MS until done(*out) holds; the caller frees
 * *out. After timeout_ms it prints every task's row and fails the test.
 */
void lfix_wait(struct lfix *f, const char *id, int timeout_ms,
               bool (*done)(const struct osmo_workflow *wf), struct osmo_workflow *out);
/* Prints every task row of wf on stderr, so a failed wait says where the workflow stood. */
void lfix_dump(const struct osmo_workflow *wf);
/* Predicates for lfix_wait: RUNNING; no longer alive. */
bool lfix_running(const struct osmo_workflow *wf);
bool lfix_ended(const struct osmo_workflow *wf);

/* The answer to a plain HTTP call that lfix_post_start began. */
struct lfix_reply {
	bool done;   /* set from f->loop, so the test's own rounds must run until then */
	long status; /* the HTTP status; 0 when no answer came */
};

/*
 * Starts POST path (a test route such as /api/_test/router/restart) on f's server and returns
 * at once, so the test keeps running f->loop until r->done.
 */
void lfix_post_start(struct lfix *f, const char *path, struct lfix_reply *r);
/*
 * Runs $BUILD/bin/osmotop COMMAND --url URL --user jdoe ARGS... (args NULL-terminated) against
 * f's server; the exit status (proc_run's), stdout in *out and stderr in *err.
 */
int lfix_osmotop(const struct lfix *f, const char *command, const char *const *args, int timeout_ms,
                 char **out, char **err);
/*
 * Runs osmotop as lfix_osmotop does and fails the test, showing both streams, unless it exits
 * with status and out_has is in its stdout and err_has in its stderr (NULL: anything); its
 * stdout, for more checks (the caller frees it).
 */
char *lfix_osmotop_expect(const struct lfix *f, const char *command, const char *const *args,
                          int timeout_ms, int status, const char *out_has, const char *err_has);

/* Loopback sockets (unit tests use these too). */
/* 127.0.0.1:port, for bind(), connect() or sendto(); port 0 lets bind() pick one. */
struct sockaddr_in lfix_loopback(int port);
/* A TCP socket listening on 127.0.0.1 at a port the kernel picked, put in *port. */
int lfix_listen(int *port);
/* A TCP port nothing on 127.0.0.1 uses now. */
int lfix_free_port(void);

/* Fails the test, showing text, unless a line of it matches the extended regex re. */
void lfix_has_line(const char *text, const char *re);
/* s with every from replaced by to; a new string. */
char *lfix_replace(const char *s, const char *from, const char *to);

#endif
