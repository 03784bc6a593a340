/* loop.c: one poll() loop: descriptor watches, one-shot deadlines, sources and hooks. */
#include "common/loop.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "common/util.h"

struct loop_watch {
	unsigned long id; /* 0: removed, dropped at the end of the round */
	int fd;
	short events;
	void (*cb)(void *ctx, int fd, short revents);
	void *ctx;
};

struct loop_deadline {
	unsigned long id; /* 0: fired or removed */
	int64_t due_ms;
	void (*cb)(void *ctx);
	void *ctx;
};

struct loop_src {
	const struct loop_source *ops; /* NULL: removed, dropped at the end of the round */
	void *ctx;
	size_t first, n; /* its slice of the pollfd array in the current round */
};

struct loop {
	struct loop_watch *watches;
	size_t n_watches;
	struct loop_deadline *deadlines;
	size_t n_deadlines;
	struct loop_src *srcs;
	size_t n_srcs;
	struct pollfd *fds;
	unsigned long *fd_ids; /* the watch behind each of the first descriptors */
	size_t cap_fds;
	struct loop_hooks hooks;
	unsigned long next_id;
	bool stopped;
};

static void
loop_reserve(struct loop *l, size_t n)
{
	if (n <= l->cap_fds)
		return;
	size_t cap = l->cap_fds ? l->cap_fds : 16;

	while (cap < n)
		cap *= 2;
	l->fds = xreallocarray(l->fds, cap, sizeof(*l->fds));
	l->fd_ids = xreallocarray(l->fd_ids, cap, sizeof(*l->fd_ids));
	l->cap_fds = cap;
}

static struct loop_watch *
loop_find_watch(struct loop *l, unsigned long id)
{
	for (size_t i = 0; id && i < l->n_watches; i++)
		if (l->watches[i].id == id)
			return &l->watches[i];
	return NULL;
}

/* Collects every descriptor of the round; returns how many and lowers *timeout for sources. */
static size_t
loop_collect(struct loop *l, int64_t now_ms, int *timeout)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n_watches; i++) {
		if (!l->watches[i].id)
			continue;
		loop_reserve(l, n + 1);
		l->fds[n] =
		        (struct pollfd){ .fd = l->watches[i].fd, .events = l->watches[i].events };
		l->fd_ids[n++] = l->watches[i].id;
	}
	for (size_t i = 0; i < l->n_srcs; i++) {
		struct loop_src *s = &l->srcs[i];
		int want;

		if (!s->ops)
			continue;
		loop_reserve(l, n + 4);
		/* A source that needs more room than it got is asked again with enough. */
		while ((want = s->ops->pollfds(s->ctx, l->fds + n, (int)(l->cap_fds - n))) >
		       (int)(l->cap_fds - n))
			loop_reserve(l, n + (size_t)want);
		s->first = n;
		s->n = want > 0 ? (size_t)want : 0;
		n += s->n;
		*timeout = util_timeout_min(*timeout, s->ops->timeout_ms(s->ctx, now_ms));
	}
	for (size_t i = 0; i < l->n_deadlines; i++)
		if (l->deadlines[i].id)
			*timeout = util_timeout_min(
			        *timeout, util_timeout_until(l->deadlines[i].due_ms, now_ms));
	return n;
}

/* Fires due deadlines in due order; ones added meanwhile wait for the next round. */
static void
loop_fire_deadlines(struct loop *l, int64_t now_ms)
{
	unsigned long limit = l->next_id;

	for (;;) {
		struct loop_deadline *best = NULL;

		for (size_t i = 0; i < l->n_deadlines; i++) {
			struct loop_deadline *d = &l->deadlines[i];

			if (d->id && d->id < limit && d->due_ms <= now_ms &&
			    (!best || d->due_ms < best->due_ms))
				best = d;
		}
		if (!best)
			return;
		void (*cb)(void *) = best->cb;
		void *ctx = best->ctx;

		best->id = 0;
		cb(ctx);
	}
}

static void
loop_compact(struct loop *l)
{
	size_t w = 0;

	for (size_t i = 0; i < l->n_watches; i++)
		if (l->watches[i].id)
			l->watches[w++] = l->watches[i];
	l->n_watches = w;
	w = 0;
	for (size_t i = 0; i < l->n_deadlines; i++)
		if (l->deadlines[i].id)
			l->deadlines[w++] = l->deadlines[i];
	l->n_deadlines = w;
	w = 0;
	for (size_t i = 0; i < l->n_srcs; i++)
		if (l->srcs[i].ops)
			l->srcs[w++] = l->srcs[i];
	l->n_srcs = w;
}

struct loop *
loop_new(void)
{
	struct loop *l = xcalloc(1, sizeof(*l));

	l->next_id = 1;
	return l;
}

void
loop_free(struct loop *l)
{
	if (!l)
		return;
	free(l->watches);
	free(l->deadlines);
	free(l->srcs);
	free(l->fds);
	free(l->fd_ids);
	free(l);
}

unsigned long
loop_add_fd(struct loop *l, int fd, short events, void (*cb)(void *ctx, int fd, short revents),
            void *ctx)
{
	l->watches = xreallocarray(l->watches, l->n_watches + 1, sizeof(*l->watches));
	l->watches[l->n_watches++] = (struct loop_watch){
		.id = l->next_id, .fd = fd, .events = events, .cb = cb, .ctx = ctx
	};
	return l->next_id++;
}

void
loop_set_events(struct loop *l, unsigned long id, short events)
{
	struct loop_watch *w = loop_find_watch(l, id);

	if (w)
		w->events = events;
}

void
loop_watch(struct loop *l, unsigned long *id, int fd, short events,
           void (*cb)(void *ctx, int fd, short revents), void *ctx)
{
	if (!events) {
		loop_remove(l, *id);
		*id = 0;
	} else if (!*id) {
		*id = loop_add_fd(l, fd, events, cb, ctx);
	} else {
		loop_set_events(l, *id, events);
	}
}

unsigned long
loop_add_deadline(struct loop *l, int64_t due_ms, void (*cb)(void *ctx), void *ctx)
{
	l->deadlines = xreallocarray(l->deadlines, l->n_deadlines + 1, sizeof(*l->deadlines));
	l->deadlines[l->n_deadlines++] =
	        (struct loop_deadline){ .id = l->next_id, .due_ms = due_ms, .cb = cb, .ctx = ctx };
	return l->next_id++;
}

unsigned long
loop_add_timer(struct loop *l, int64_t after_ms, void (*cb)(void *ctx), void *ctx)
{
	return loop_add_deadline(l, clock_mono_ms() + after_ms, cb, ctx);
}

void
loop_remove(struct loop *l, unsigned long id)
{
	struct loop_watch *w = loop_find_watch(l, id);

	if (w) {
		w->id = 0;
		return;
	}
	for (size_t i = 0; id && i < l->n_deadlines; i++)
		if (l->deadlines[i].id == id)
			l->deadlines[i].id = 0;
}

void
loop_add_source(struct loop *l, const struct loop_source *src, void *ctx)
{
	l->srcs = xreallocarray(l->srcs, l->n_srcs + 1, sizeof(*l->srcs));
	l->srcs[l->n_srcs++] = (struct loop_src){ .ops = src, .ctx = ctx };
}

void
loop_remove_source(struct loop *l, const struct loop_source *src, void *ctx)
{
	for (size_t i = 0; i < l->n_srcs; i++)
		if (l->srcs[i].ops == src && l->srcs[i].ctx == ctx)
			l->srcs[i].ops = NULL;
}

void
loop_set_hooks(struct loop *l, const struct loop_hooks *hooks)
{
	l->hooks = *hooks;
}

void
loop_notify_child(struct loop *l)
{
	if (l->hooks.child)
		l->hooks.child(l->hooks.ctx);
}

void
loop_notify_shutdown(struct loop *l)
{
	if (l->hooks.shutdown)
		l->hooks.shutdown(l->hooks.ctx);
}

int
loop_run_once(struct loop *l, int max_wait_ms)
{
	int timeout = max_wait_ms;
	size_t n_watch_fds = 0;
	size_t n_srcs = l->n_srcs;
	size_t n;

	for (size_t i = 0; i < l->n_watches; i++)
		n_watch_fds += l->watches[i].id != 0;
	n = loop_collect(l, clock_mono_ms(), &timeout);
	if (poll(l->fds, (nfds_t)n, timeout) < 0) {
		if (errno != EINTR)
			return -1;
		/* A signal interrupted us: nothing is ready, but deadlines may be due. */
		for (size_t i = 0; i < n; i++)
			l->fds[i].revents = 0;
	}
	int64_t now = clock_mono_ms();

	for (size_t i = 0; i < n_watch_fds; i++) {
		struct loop_watch *w;

		if (!l->fds[i].revents || !(w = loop_find_watch(l, l->fd_ids[i])))
			continue;
		w->cb(w->ctx, l->fds[i].fd, l->fds[i].revents);
	}
	for (size_t i = 0; i < n_srcs; i++) {
		struct loop_src s = l->srcs[i];

		if (s.ops)
			s.ops->dispatch(s.ctx, l->fds + s.first, (int)s.n, now);
	}
	loop_fire_deadlines(l, now);
	loop_compact(l);
	return 0;
}

int
loop_run(struct loop *l)
{
	l->stopped = false;
	while (!l->stopped)
		if (loop_run_once(l, -1) < 0)
			return -1;
	return 0;
}

void
loop_stop(struct loop *l)
{
	l->stopped = true;
}
