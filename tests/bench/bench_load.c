/* bench_load.c: N keep-alive HTTP/1.1 clients on one poll() loop GET a path; latency percentiles. */
#define _GNU_SOURCE /* memmem */
#include "bench.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define BENCH_LOAD_MAX_CLIENTS 1000

struct bench_load_conn {
	int fd;
	const char *req;
	size_t req_len, sent;
	char *in;
	size_t in_len, in_cap;
	double started_ms; /* when the request in flight went out */
};

struct bench_load {
	struct sockaddr_in addr;
	double *lat; /* milliseconds, one per answer */
	size_t n_lat, cap_lat;
	long errors;
	long long bytes;
};

static int
bench_load_connect(struct bench_load *bl, struct bench_load_conn *c)
{
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&bl->addr, sizeof(bl->addr)) < 0) {
		perror("bench_load: connect");
		return -1;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(c->fd, F_SETFL, O_NONBLOCK);
	c->sent = 0;
	c->in_len = 0;
	c->started_ms = bench_now_ms();
	return 0;
}

/* Length of a whole answer at the start of in, 0 while it is incomplete. */
static size_t
bench_load_complete(const char *in, size_t len)
{
	const char *end = memmem(in, len, "\r\n\r\n", 4);

	if (!end)
		return 0;
	size_t head = (size_t)(end - in) + 4;

	for (const char *p = in; p < end; p++) {
		if (strncasecmp(p, "\r\ncontent-length:", 17) == 0) {
			size_t body = strtoul(p + 17, NULL, 10);

			return len >= head + body ? head + body : 0;
		}
	}
	/* Chunked: the last chunk ends the answer (a body ends before it, never inside). */
	if (len >= head + 5 && memcmp(in + len - 5, "0\r\n\r\n", 5) == 0)
		return len;
	return 0;
}

static void
bench_load_record(struct bench_load *bl, double ms)
{
	if (bl->n_lat == bl->cap_lat) {
		bl->cap_lat = bl->cap_lat ? bl->cap_lat * 2 : 4096;
		bl->lat = realloc(bl->lat, bl->cap_lat * sizeof(*bl->lat));
		if (!bl->lat)
			abort();
	}
	bl->lat[bl->n_lat++] = ms;
}

/* Moves one connection along; returns -1 when it must be opened again. */
static int
bench_load_step(struct bench_load *bl, struct bench_load_conn *c, short revents)
{
	if (revents & POLLOUT && c->sent < c->req_len) {
		ssize_t n = send(c->fd, c->req + c->sent, c->req_len - c->sent, MSG_NOSIGNAL);

		if (n < 0 && errno != EAGAIN)
			return -1;
		c->sent += n > 0 ? (size_t)n : 0;
	}
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return 0;
	if (c->in_cap - c->in_len < 65536) {
		c->in_cap = c->in_cap * 2 + 65536;
		c->in = realloc(c->in, c->in_cap);
		if (!c->in)
			abort();
	}
	ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);

	if (n == 0 || (n < 0 && errno != EAGAIN))
		return -1;
	c->in_len += n > 0 ? (size_t)n : 0;
	size_t whole = bench_load_complete(c->in, c->in_len);

	if (!whole)
		return 0;
	if (strncmp(c->in, "HTTP/1.1 200", 12) != 0)
		bl->errors++;
	bl->bytes += (long long)whole;
	double now = bench_now_ms();

	bench_load_record(bl, now - c->started_ms);
	memmove(c->in, c->in + whole, c->in_len - whole);
	c->in_len -= whole;
	c->sent = 0;
	c->started_ms = now;
	return 0;
}

static int
bench_load_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
bench_load_pct(const struct bench_load *bl, double p)
{
	size_t i = (size_t)(p / 100.0 * (double)bl->n_lat);

	return bl->lat[i < bl->n_lat ? i : bl->n_lat - 1];
}

int
main(int argc, char **argv)
{
	struct bench_load bl = { .addr = { .sin_family = AF_INET } };
	unsigned port = 0;
	char host[64] = "";
	long clients = argc == 6 ? strtol(argv[4], NULL, 10) : 0;
	double secs = argc == 6 ? strtod(argv[5], NULL) : 0;

	if (argc != 6 || sscanf(argv[1], "%63[0-9.]:%u", host, &port) != 2 ||
	    inet_pton(AF_INET, host, &bl.addr.sin_addr) != 1 || port > 65535 || clients < 1 ||
	    clients > BENCH_LOAD_MAX_CLIENTS || secs <= 0 || secs > 600) {
		fprintf(stderr, "usage: bench_load 127.0.0.1:PORT PATH HEADER CLIENTS SECONDS\n"
		                "  prints: requests errors req/s p50_ms p90_ms p99_ms max_ms MB\n");
		return 2;
	}
	bl.addr.sin_port = htons((unsigned short)port);
	struct bench_load_conn *conns = calloc((size_t)clients, sizeof(*conns));
	struct pollfd *pfds = calloc((size_t)clients, sizeof(*pfds));
	char req[4096];
	int req_len = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n\r\n",
	                       argv[2], argv[1], argv[3]);

	if (!conns || !pfds || req_len < 0 || (size_t)req_len >= sizeof(req))
		abort();
	for (long i = 0; i < clients; i++) {
		conns[i].req = req;
		conns[i].req_len = (size_t)req_len;
		if (bench_load_connect(&bl, &conns[i]) < 0)
			return 1;
	}
	double t0 = bench_now_ms(), until = t0 + secs * 1000;

	while (bench_now_ms() < until) {
		for (long i = 0; i < clients; i++)
			pfds[i] = (struct pollfd){
				.fd = conns[i].fd,
				.events = (short)(POLLIN |
				                  (conns[i].sent < conns[i].req_len ? POLLOUT : 0)),
			};
		if (poll(pfds, (nfds_t)clients, 100) < 0)
			break;
		for (long i = 0; i < clients; i++) {
			if (!pfds[i].revents ||
			    bench_load_step(&bl, &conns[i], pfds[i].revents) == 0)
				continue;
			bl.errors++;
			close(conns[i].fd);
			if (bench_load_connect(&bl, &conns[i]) < 0)
				return 1;
		}
	}
	double took = (bench_now_ms() - t0) / 1000;

	if (!bl.n_lat) {
		fprintf(stderr, "bench_load: no answer in %.1f s\n", took);
		return 1;
	}
	qsort(bl.lat, bl.n_lat, sizeof(*bl.lat), bench_load_cmp);
	printf("%zu %ld %.1f %.2f %.2f %.2f %.2f %.1f\n", bl.n_lat, bl.errors,
	       (double)bl.n_lat / took, bench_load_pct(&bl, 50), bench_load_pct(&bl, 90),
	       bench_load_pct(&bl, 99), bl.lat[bl.n_lat - 1], (double)bl.bytes / 1e6);
	for (long i = 0; i < clients; i++) {
		close(conns[i].fd);
		free(conns[i].in);
	}
	free(conns);
	free(pfds);
	free(bl.lat);
	return 0;
}
