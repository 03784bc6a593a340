/* main.c: osmo-local's entry: options, state directory, signals, the loop and startup. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/access.h"
#include "server/engine.h"
#include "server/router.h"
#include "server/routes.h"
#include "server/http.h"
#include "common/loop.h"
#include "common/util.h"

#include "server/validate.h"

#define MAIN_DEFAULT_LISTEN "127.0.0.1:8080"
#define MAIN_DEFAULT_POOL   "default"

struct main_opts {
	const char *listen;
	const char *state;
	const char *pool;
	const char *slots;
	const char *phase_ms;
	const char *dev_auth; /* a flag: non-NULL when given */
};

struct main_server {
	struct loop *loop;
	struct server_http *http;
	struct engine *engine;
	struct router *router;
	struct access *access;
	char host[INET_ADDRSTRLEN];
	unsigned port;
	char *state_dir;
	const char *pool;
	struct routes_config routes; /* the routes' context while the server runs */
	bool stopping;
};

static const struct main_option {
	const char *name;
	size_t offset;
	const char *arg;
	const char *help;
} main_options[] = {
	{ "--listen", offsetof(struct main_opts, listen), "HOST:PORT",
	  "loopback address to serve on (" MAIN_DEFAULT_LISTEN "; port 0 picks a free one)" },
	{ "--state", offsetof(struct main_opts, state), "DIR",
	  "state directory ($XDG_STATE_HOME/osmo-local or ~/.local/state/osmo-local)" },
	{ "--pool", offsetof(struct main_opts, pool), "NAME",
	  "the pool to offer (" MAIN_DEFAULT_POOL ")" },
	{ "--slots", offsetof(struct main_opts, slots), "N",
	  "tasks that may run at once; the rest wait in SCHEDULING (64)" },
	{ "--phase-ms", offsetof(struct main_opts, phase_ms), "MS",
	  "time each phase before RUNNING takes, so it can be watched (200; also "
	  "$OSMO_LOCAL_PHASE_MS)" },
	{ "--dev-auth", offsetof(struct main_opts, dev_auth), NULL,
	  "also take x-osmo-user without a token: any local user may act as anyone" },
};

/* The self-pipe's write end, for the signal handler: the one global. */
static int main_signal_fd = -1;

static void
main_usage(FILE *f)
{
	fprintf(f, "usage: osmo-local [options]\n       osmo-local validate ...\n\noptions:\n");
	for (size_t i = 0; i < ARRAY_SIZE(main_options); i++) {
		char *both = xasprintf("%s %s", main_options[i].name,
		                       main_options[i].arg ? main_options[i].arg : "");

		fprintf(f, "  %-20s %s\n", both, main_options[i].help);
		free(both);
	}
}

/* Fills opts from argv; returns 0, 1 after --help, or -1 after printing why it failed. */
static int
main_parse(int argc, char **argv, struct main_opts *opts)
{
	for (int i = 1; i < argc; i++) {
		const struct main_option *o = NULL;
		const char *value = NULL;

		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			main_usage(stdout);
			return 1;
		}
		for (size_t k = 0; k < ARRAY_SIZE(main_options) && !o; k++) {
			size_t len = strlen(main_options[k].name);

			if (strncmp(argv[i], main_options[k].name, len) != 0)
				continue;
			if (!main_options[k].arg && argv[i][len] == '\0')
				value = "1";
			else if (!main_options[k].arg)
				continue;
			else if (argv[i][len] == '=')
				value = argv[i] + len + 1;
			else if (argv[i][len] == '\0' && i + 1 < argc)
				value = argv[++i];
			else if (argv[i][len] != '\0')
				continue;
			o = &main_options[k];
		}
		if (!o || !value) {
			fprintf(stderr, "osmo-local: %s: %s\n", argv[i],
			        o ? "missing value" : "unknown option");
			main_usage(stderr);
			return -1;
		}
		*(const char **)((char *)opts + o->offset) = value;
	}
	return 0;
}

/* "HOST:PORT" on a loopback IPv4 address; returns 0 or -1 after printing why. */
static int
main_parse_listen(const char *s, struct main_server *srv)
{
	const char *colon = strrchr(s, ':');
	struct in_addr addr;
	char *end;
	unsigned long port;
	char *host;
	int ok;

	if (!colon) {
		fprintf(stderr, "osmo-local: --listen %s: expected HOST:PORT\n", s);
		return -1;
	}
	host = xstrndup(s, (size_t)(colon - s));
	if (strcmp(host, "localhost") == 0 || !*host) {
		free(host);
		host = xstrdup("127.0.0.1");
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	ok = inet_pton(AF_INET, host, &addr) == 1 && (ntohl(addr.s_addr) >> 24) == 127 &&
	     colon[1] && !*end && errno == 0 && port <= 65535;
	if (ok) {
		strlcpy_safe(srv->host, host, sizeof(srv->host));
		srv->port = (unsigned)port;
	} else {
		fprintf(stderr,
		        "osmo-local: --listen %s: need a loopback IPv4 address and a port\n", s);
	}
	free(host);
	return ok ? 0 : -1;
}

/* --state, else $XDG_STATE_HOME/osmo-local (absolute only, as XDG says), else ~/.local/state. */
static char *
main_state_dir(const char *opt)
{
	if (opt)
		return xstrdup(opt);
	return util_xdg_path("XDG_STATE_HOME", ".local/state", "osmo-local");
}

static void
main_on_signal(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;
	ssize_t n = write(main_signal_fd, &c, 1);

	(void)n;
	errno = saved;
}

/* Opens the self-pipe and routes SIGTERM, SIGINT and SIGCHLD into it; returns its read end. */
static int
main_signal_setup(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGCHLD };
	struct sigaction sa = { .sa_handler = main_on_signal,
		                .sa_flags = SA_RESTART | SA_NOCLDSTOP };
	struct sigaction ign = { .sa_handler = SIG_IGN };
	int fds[2];

	if (util_pipe_nonblock(fds) < 0)
		return -1;
	main_signal_fd = fds[1];
	sigemptyset(&sa.sa_mask);
	sigemptyset(&ign.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	/* A client that hangs up mid-write must not kill the server. */
	sigaction(SIGPIPE, &ign, NULL);
	return fds[0];
}

static void
main_shutdown(struct main_server *srv)
{
	if (srv->stopping)
		return;
	srv->stopping = true;
	server_http_quiesce(srv->http);
	loop_notify_shutdown(srv->loop);
	loop_stop(srv->loop);
}

static void
main_child(struct main_server *srv)
{
	loop_notify_child(srv->loop);
}

static void
main_hook_child(void *ctx)
{
	struct main_server *srv = ctx;

	engine_child(srv->engine);
	router_child(srv->router);
}

/* Exec sessions first: their processes hang up before the tasks they run in are stopped. */
static void
main_hook_shutdown(void *ctx)
{
	struct main_server *srv = ctx;

	router_shutdown(srv->router);
	engine_shutdown(srv->engine);
}

/* A non-negative decimal option; -1 after printing why when it is not one. */
static long
main_number(const char *name, const char *value, long dflt)
{
	char *end;
	long v;

	if (!value)
		return dflt;
	errno = 0;
	v = strtol(value, &end, 10);
	if (errno || end == value || *end || v < 0 || v > 1000000) {
		fprintf(stderr, "osmo-local: %s %s: expected a number from 0 to 1000000\n", name,
		        value);
		return -1;
	}
	return v;
}

/* The owner, named in every JWT: $USER as osmotop submits under it, else the passwd entry. */
static char *
main_owner(void)
{
	const char *user = getenv("USER");
	struct passwd *pw;

	if (user && *user)
		return xstrdup(user);
	pw = getpwuid(geteuid());
	return xstrdup(pw && pw->pw_name ? pw->pw_name : "osmo-local");
}

/* Loads or makes the access token; 0, or -1 after saying why. */
static int
main_access(struct main_server *srv, bool dev_auth, bool test_routes)
{
	const char *ttl = getenv("OSMO_LOCAL_JWT_TTL_S");
	char *owner = main_owner();
	struct access_config acfg = {
		.state_dir = srv->state_dir,
		.user = owner,
		.host = srv->host,
		.port = server_http_port(srv->http),
		.dev_auth = dev_auth,
		/* Tests may shorten the JWTs' life to see clients refresh them. */
		.jwt_ttl_s = test_routes && ttl ? strtol(ttl, NULL, 10) : 0,
	};
	char *err = NULL, *warning = NULL;

	srv->access = access_new(&acfg, &err, &warning);
	free(owner);
	if (!srv->access) {
		fprintf(stderr, "osmo-local: %s\n", err);
		free(err);
		return -1;
	}
	if (warning)
		fprintf(stderr, "osmo-local: warning: %s\n", warning);
	free(warning);
	if (dev_auth)
		fprintf(stderr, "osmo-local: warning: --dev-auth: requests naming a user in "
		                "x-osmo-user need no token, so anyone on this machine can act "
		                "as anyone here\n");
	return 0;
}

static const struct {
	int sig;
	void (*action)(struct main_server *srv);
} main_signal_actions[] = {
	{ SIGTERM, main_shutdown },
	{ SIGINT, main_shutdown },
	{ SIGCHLD, main_child },
};

static void
main_on_signal_pipe(void *ctx, int fd, short revents)
{
	unsigned char buf[64];
	ssize_t n;

	(void)revents;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			for (size_t k = 0; k < ARRAY_SIZE(main_signal_actions); k++)
				if (main_signal_actions[k].sig == buf[i])
					main_signal_actions[k].action(ctx);
}

static int
main_validate(int argc, char **argv)
{
	return validate_main(argc, argv);
}

static int
main_serve(struct main_server *srv, const struct main_opts *opts)
{
	const char *test_env = getenv("OSMO_LOCAL_TEST_ROUTES");
	bool test_routes = test_env && strcmp(test_env, "1") == 0;
	const char *key_ttl = getenv("OSMO_LOCAL_KEY_TTL_MS");
	struct loop_hooks hooks = { main_hook_child, main_hook_shutdown, srv };
	struct engine_config cfg = { 0 };
	struct router_config rcfg = { 0 };
	struct engine_error eerr = { 0 };
	long slots = main_number("--slots", opts->slots, 0);
	/* The environment's phase time reaches an osmo-local that osmotop starts (the demo). */
	const char *phase_env = getenv("OSMO_LOCAL_PHASE_MS");
	const char *phase = opts->phase_ms            ? opts->phase_ms
	                    : phase_env && *phase_env ? phase_env
	                                              : NULL;
	long phase_ms =
	        main_number(opts->phase_ms ? "--phase-ms" : "OSMO_LOCAL_PHASE_MS", phase, -1);
	char *base_url;
	char *err = NULL;
	int sig_fd;
	int rc;

	if (slots < 0 || (phase && phase_ms < 0))
		return 2;
	if (main_parse_listen(opts->listen ? opts->listen : MAIN_DEFAULT_LISTEN, srv) < 0)
		return 2;
	srv->pool = opts->pool && *opts->pool ? opts->pool : MAIN_DEFAULT_POOL;
	srv->state_dir = main_state_dir(opts->state);
	if (!srv->state_dir) {
		fprintf(stderr, "osmo-local: no --state, $XDG_STATE_HOME or $HOME\n");
		return 1;
	}
	if (util_mkdirs(srv->state_dir, 0700) < 0) {
		fprintf(stderr, "osmo-local: %s: %s\n", srv->state_dir, strerror(errno));
		return 1;
	}
	/* Tasks run in their own directories, so every path they are given must be absolute. */
	char *abs = realpath(srv->state_dir, NULL);

	if (abs) {
		free(srv->state_dir);
		srv->state_dir = abs;
	}
	sig_fd = main_signal_setup();
	if (sig_fd < 0) {
		fprintf(stderr, "osmo-local: pipe: %s\n", strerror(errno));
		return 1;
	}
	srv->http = server_http_new(srv->host, srv->port, &err);
	if (!srv->http) {
		fprintf(stderr, "osmo-local: %s\n", err);
		free(err);
		return 1;
	}
	if (main_access(srv, opts->dev_auth != NULL, test_routes) < 0) {
		server_http_free(srv->http);
		return 1;
	}
	srv->loop = loop_new();
	loop_add_fd(srv->loop, sig_fd, POLLIN, main_on_signal_pipe, srv);
	server_http_attach(srv->http, srv->loop);
	base_url = xasprintf("http://%s:%u", srv->host, server_http_port(srv->http));
	cfg.loop = srv->loop;
	cfg.state_dir = srv->state_dir;
	cfg.pool = srv->pool;
	cfg.base_url = base_url;
	cfg.slots = (unsigned)slots;
	cfg.phase_ms = phase_ms;
	srv->engine = engine_new(&cfg, &eerr);
	free(base_url);
	if (!srv->engine) {
		fprintf(stderr, "osmo-local: cannot load the state: %s\n", eerr.message);
		engine_error_free(&eerr);
		access_free(srv->access);
		server_http_free(srv->http);
		loop_free(srv->loop);
		return 1;
	}
	rcfg.loop = srv->loop;
	rcfg.engine = srv->engine;
	rcfg.address = base_url = xasprintf("ws://%s:%u", srv->host, server_http_port(srv->http));
	/* Tests may shorten how long an unused router key lives. */
	if (test_routes && key_ttl)
		rcfg.key_ttl_ms = strtol(key_ttl, NULL, 10);
	srv->router = router_new(&rcfg);
	free(base_url);
	loop_set_hooks(srv->loop, &hooks);
	srv->routes = (struct routes_config){ .http = srv->http,
		                              .loop = srv->loop,
		                              .engine = srv->engine,
		                              .router = srv->router,
		                              .test_routes = test_routes };
	access_add_routes(srv->http, srv->access);
	routes_add(&srv->routes);
	router_add_routes(srv->http, srv->router);
	printf("osmo-local listening on http://%s:%u\n", srv->host, server_http_port(srv->http));
	fflush(stdout);
	rc = loop_run(srv->loop);
	if (rc < 0)
		fprintf(stderr, "osmo-local: poll: %s\n", strerror(errno));
	/* The router hands its sockets back before the HTTP layer stops. */
	router_free(srv->router);
	engine_shutdown(srv->engine);
	server_http_free(srv->http);
	engine_free(srv->engine);
	access_free(srv->access);
	loop_free(srv->loop);
	close(sig_fd);
	close(main_signal_fd);
	return rc < 0 ? 1 : 0;
}

int
main(int argc, char **argv)
{
	struct main_opts opts = { 0 };
	struct main_server srv = { 0 };
	int rc;

	if (argc > 1 && strcmp(argv[1], "validate") == 0)
		return main_validate(argc - 1, argv + 1);
	rc = main_parse(argc, argv, &opts);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	rc = main_serve(&srv, &opts);
	free(srv.state_dir);
	return rc;
}
