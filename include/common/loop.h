/* loop.h: one poll() loop: watched descriptors, deadlines, sources and the server's hooks. */
#ifndef OSMO_COMMON_LOOP_H
#define OSMO_COMMON_LOOP_H

#include <poll.h>
#include <stdint.h>

struct loop;

/*
 * Something with its own descriptors and timers (curl, a WebSocket, the forwards' listeners):
 * asked for descriptors before every poll() and dispatched after it with the same
 * descriptors, revents filled.
 */
struct loop_source {
	/* Writes at most max descriptors; returns how many it needs (more than max: asked again). */
	int (*pollfds)(void *ctx, struct pollfd *fds, int max);
	/* Milliseconds until it wants a dispatch without I/O; -1: none. */
	int (*timeout_ms)(void *ctx, int64_t now_ms);
	void (*dispatch)(void *ctx, const struct pollfd *fds, int n, int64_t now_ms);
};

/*
 * Defines the loop_source `name` over prefix_pollfds, prefix_timeout_ms and prefix_dispatch,
 * whose first argument is a type *, so a component needs no wrappers of its own.
 */
#define LOOP_SOURCE_DEFINE(name, type, prefix)                                                  \
	static int name##_pollfds(void *ctx, struct pollfd *fds, int max)                       \
	{                                                                                       \
		return prefix##_pollfds((type *)ctx, fds, max);                                 \
	}                                                                                       \
	static int name##_timeout_ms(void *ctx, int64_t now_ms)                                 \
	{                                                                                       \
		return prefix##_timeout_ms((type *)ctx, now_ms);                                \
	}                                                                                       \
	static void name##_dispatch(void *ctx, const struct pollfd *fds, int n, int64_t now_ms) \
	{                                                                                       \
		prefix##_dispatch((type *)ctx, fds, n, now_ms);                                 \
	}                                                                                       \
	const struct loop_source name = {                                                       \
		.pollfds = name##_pollfds,                                                      \
		.timeout_ms = name##_timeout_ms,                                                \
		.dispatch = name##_dispatch,                                                    \
	}

/* What osmo-local's signal handling calls; NULL members are skipped. The engine fills these in. */
struct loop_hooks {
	void (*child)(void *ctx);    /* SIGCHLD arrived: reap with waitpid(WNOHANG) until none */
	void (*shutdown)(void *ctx); /* SIGTERM or SIGINT: stop work before the HTTP layer goes */
	void *ctx;
};

struct loop *loop_new(void);
void loop_free(struct loop *l);

/* Watches fd for events (POLLIN, POLLOUT); returns an id (never 0). cb gets the revents. */
unsigned long loop_add_fd(struct loop *l, int fd, short events,
                          void (*cb)(void *ctx, int fd, short revents), void *ctx);
void loop_set_events(struct loop *l, unsigned long id, short events);
/*
 * Keeps *id watching fd for events: added, changed, or removed (*id 0) while events is 0,
 * since poll() reports a hang-up or an error even then, again and again.
 */
void loop_watch(struct loop *l, unsigned long *id, int fd, short events,
                void (*cb)(void *ctx, int fd, short revents), void *ctx);
/* Calls cb once at due_ms (clock_mono_ms); returns an id (never 0). */
unsigned long loop_add_deadline(struct loop *l, int64_t due_ms, void (*cb)(void *ctx), void *ctx);
/*
 * Calls cb once after_ms from now. With 0 it runs in this round's deadline pass (after the
 * descriptors and sources) or the next round's, never inside the call that added it: how
 * a completion that is known at once is still delivered from the loop.
 */
unsigned long loop_add_timer(struct loop *l, int64_t after_ms, void (*cb)(void *ctx), void *ctx);
/* Drops a descriptor watch or a deadline; safe inside callbacks; unknown ids are ignored. */
void loop_remove(struct loop *l, unsigned long id);
/* src and ctx are borrowed until loop_remove_source (or loop_free). */
void loop_add_source(struct loop *l, const struct loop_source *src, void *ctx);
/* Drops the source src with ctx; safe inside callbacks: it is not dispatched again. */
void loop_remove_source(struct loop *l, const struct loop_source *src, void *ctx);

void loop_set_hooks(struct loop *l, const struct loop_hooks *hooks);
void loop_notify_child(struct loop *l);
void loop_notify_shutdown(struct loop *l);

/* One poll() (at most max_wait_ms; -1: until something happens) and its callbacks. 0 or -1. */
int loop_run_once(struct loop *l, int max_wait_ms);
/* Runs until loop_stop(); returns 0, or -1 when poll() fails. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

#endif
