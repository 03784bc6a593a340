/* local.c: osmo-local as osmotop's background service: its records, starting and stopping it. */
#define _DEFAULT_SOURCE /* syscall(2): pidfd_open, pidfd_send_signal, close_range */

#include "client/local.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client/forward.h"
#include "common/loop.h"
#include "common/util.h"

#define LOCAL_BIN      "osmo-local"
#define LOCAL_MARKER   "osmo-local listening on "
#define LOCAL_START_MS 10000
#define LOCAL_STOP_MS  10000
#define LOCAL_PID      "server.pid"
#define LOCAL_URL      "server.url"
#define LOCAL_LOG      "server.log"
#define LOCAL_LAST_URL "server.last-url" /* kept after a stop: the next start tries its port */

/* What the records in a directory say. */
enum local_record { LOCAL_NONE, LOCAL_RUNNING, LOCAL_STALE };

/* A child being started: the log it writes and what tells us it changed or died. */
struct local_child {
	pid_t pid;
	int pidfd;  /* -1 without pidfd_open: then only the deadline ends a failed start */
	int watch;  /* inotify on the log: a regular file is always "readable" to poll */
	int log_rd; /* the log, read from its start */
	struct strbuf log;
};

/* Fills err with "what: strerror(e)"; strerror_r because the client may share the process. */
static int
local_fail(struct api_error *err, enum api_error_kind kind, const char *what, int e)
{
	char buf[128];

	if (strerror_r(e, buf, sizeof(buf)) != 0)
		snprintf(buf, sizeof(buf), "error %d", e);
	api_error_set(err, kind, "%s: %s", what, buf);
	return -1;
}

static const char *
local_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

char *
local_dir(struct api_error *err)
{
	char *dir = util_xdg_path("XDG_STATE_HOME", ".local/state", "osmotop/local");

	if (!dir)
		api_error_set(err, API_ERR_USAGE,
		              "neither $XDG_STATE_HOME nor $HOME is set: no "
		              "place for osmo-local's state");
	return dir;
}

/* The osmo-local to start: $OSMO_LOCAL_BIN, beside this program, else in $PATH; NULL: none. */
static char *
local_server_bin(void)
{
	const char *env = getenv("OSMO_LOCAL_BIN");
	const char *path = getenv("PATH");
	char self[PATH_MAX];
	ssize_t n;

	if (env && env[0])
		return xstrdup(env);
	/* A build tree or an install keeps both programs in one directory. */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *p =
		        xasprintf("%.*s/" LOCAL_BIN, (int)(local_basename(self) - self - 1), self);

		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	while (path && *path) {
		size_t len = strcspn(path, ":");
		char *p = xasprintf("%.*s/" LOCAL_BIN, (int)len, len ? path : ".");

		if (access(p, X_OK) == 0)
			return p;
		free(p);
		path += len + (path[len] == ':');
	}
	return NULL;
}

char *
local_user(void)
{
	const char *user = getenv("USER");
	const struct passwd *pw;

	if (user && user[0])
		return xstrdup(user);
	pw = getpwuid(getuid());
	return xstrdup(pw && pw->pw_name && pw->pw_name[0] ? pw->pw_name : LOCAL_BIN);
}

/* Reads the small record dir/name into buf up to its first newline; 0, or -1 with errno. */
static int
local_read_record(const char *dir, const char *name, char *buf, size_t size)
{
	char *path = xasprintf("%s/%s", dir, name);
	char *text = util_read_file(path, NULL);

	free(path);
	if (!text)
		return -1;
	text[strcspn(text, "\n")] = '\0';
	strlcpy_safe(buf, text, size);
	free(text);
	return 0;
}

/* Writes dir/name through a temporary file and rename, so readers see all of it or none. */
static int
local_write_record(const char *dir, const char *name, const char *value)
{
	char *path = xasprintf("%s/%s", dir, name);
	char *tmp = xasprintf("%s.tmp", path);
	char *line = xasprintf("%s\n", value);
	size_t len = strlen(line);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int rc = -1, e = 0;

	if (fd >= 0) {
		bool ok = fchmod(fd, 0600) == 0 && write(fd, line, len) == (ssize_t)len;

		e = errno;
		ok = close(fd) == 0 && ok;
		if (ok && rename(tmp, path) == 0)
			rc = 0;
		else
			e = errno ? errno : e;
		if (rc < 0)
			unlink(tmp);
	} else {
		e = errno;
	}
	free(line);
	free(tmp);
	free(path);
	errno = e;
	return rc;
}

/* Removes the records; only under the lock, or it could remove a newer start's. */
static void
local_forget(const char *dir)
{
	static const char *const names[] = { LOCAL_PID, LOCAL_URL };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char *path = xasprintf("%s/%s", dir, names[i]);

		unlink(path);
		free(path);
	}
}

/*
 * True when pid is osmo-local (by /proc/PID/exe or argv[0], which local_spawn sets to the path
 * as found, symlinks unresolved) serving state (its --state argument): a PID that died and was
 * reused must never be signalled.
 */
static bool
local_is_ours(pid_t pid, const char *state)
{
	static const char deleted[] = " (deleted)"; /* a rebuilt binary's running copy */
	char path[64], exe[PATH_MAX];
	size_t len;
	bool serves = false, named;
	char *cmd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	cmd = util_read_file(path, &len);
	if (!cmd)
		return false;
	/* NUL-separated arguments; a zombie has none. */
	for (size_t i = 0; i < len; i += strlen(cmd + i) + 1)
		if (strcmp(cmd + i, "--state") == 0 && i + 8 < len &&
		    strcmp(cmd + i + 8, state) == 0)
			serves = true;
	named = len > 0 && strcmp(local_basename(cmd), LOCAL_BIN) == 0;
	snprintf(path, sizeof(path), "/proc/%ld/exe", (long)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (!named && n > 0) {
		exe[n] = '\0';
		if ((size_t)n > strlen(deleted) && strcmp(exe + n - strlen(deleted), deleted) == 0)
			exe[n - strlen(deleted)] = '\0';
		named = strcmp(local_basename(exe), LOCAL_BIN) == 0;
	}
	free(cmd);
	return named && serves;
}

/* Reads the records in dir (a canonical path) and checks the process they name. */
static enum local_record
local_examine(const char *dir, struct local_server *srv)
{
	char text[32], *end, *state;
	bool have_pid, have_url, ours;
	long pid;

	memset(srv, 0, sizeof(*srv));
	/* The PID first: a start writes the URL first, so a new PID comes with its URL. */
	have_pid = local_read_record(dir, LOCAL_PID, text, sizeof(text)) == 0;
	have_url = local_read_record(dir, LOCAL_URL, srv->url, sizeof(srv->url)) == 0;
	if (!have_pid && !have_url)
		return LOCAL_NONE;
	if (!have_pid || !have_url)
		return LOCAL_STALE;
	errno = 0;
	pid = strtol(text, &end, 10);
	if (errno || end == text || *end || pid <= 1 || pid > INT_MAX ||
	    !str_starts_with(srv->url, "http://"))
		return LOCAL_STALE;
	srv->pid = (pid_t)pid;
	state = xasprintf("%s/state", dir);
	ours = local_is_ours(srv->pid, state);
	free(state);
	return ours ? LOCAL_RUNNING : LOCAL_STALE;
}

/* Serialises starting, stopping and forgetting between osmotop processes; the fd, or -1. */
static int
local_lock(const char *dir, struct api_error *err)
{
	char *path = xasprintf("%s/lock", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		local_fail(err, API_ERR_TRANSPORT, path, errno);
		free(path);
		return -1;
	}
	/* Blocking is bounded: a holder keeps it for one start or stop, each with a deadline. */
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			local_fail(err, API_ERR_TRANSPORT, path, errno);
			close(fd);
			fd = -1;
			break;
		}
	}
	free(path);
	return fd;
}

/* dir canonical (symlinks and slashes resolved), as the server's --state names it; NULL: errno. */
static char *
local_canonical(const char *dir)
{
	return realpath(dir, NULL);
}

int
local_find(const char *dir, struct local_server *srv, struct api_error *err)
{
	char *real = local_canonical(dir);
	enum local_record r;
	int lock;

	memset(srv, 0, sizeof(*srv));
	if (!real)
		return errno == ENOENT ? 0 : local_fail(err, API_ERR_TRANSPORT, dir, errno);
	r = local_examine(real, srv);
	if (r == LOCAL_STALE) {
		/* Look again under the lock: a start may be replacing the records right now. */
		lock = local_lock(real, err);
		if (lock < 0) {
			free(real);
			return -1;
		}
		r = local_examine(real, srv);
		if (r == LOCAL_STALE)
			local_forget(real);
		close(lock);
	}
	free(real);
	if (r != LOCAL_RUNNING)
		memset(srv, 0, sizeof(*srv));
	return r == LOCAL_RUNNING;
}

/* Moves fd above stdin, stdout and stderr, so the child's dup2 onto them cannot clobber it. */
static int
local_fd_high(int fd)
{
	int high;

	if (fd < 0 || fd > STDERR_FILENO)
		return fd;
	high = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	close(fd);
	return high;
}

/* Between fork and exec: async-signal-safe calls only. */
static void
local_child_exec(char *const argv[], int null_fd, int log_fd)
{
	static const char msg[] = "osmotop: cannot execute osmo-local\n";
	static const int sigs[] = { SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD };
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	ssize_t n;

	/* A session of its own: the monitor's Ctrl-C and a closed terminal must not reach it. */
	setsid();
	dup2(null_fd, STDIN_FILENO);
	dup2(log_fd, STDOUT_FILENO);
	dup2(log_fd, STDERR_FILENO);
	/* A long-lived service must not hold osmotop's other descriptors (a caller's pipes). */
	syscall(SYS_close_range, 3u, ~0u, 0u);
	sigemptyset(&dfl.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Every path it is given is absolute; it must not pin the caller's directory. */
	if (chdir("/") == 0)
		execv(argv[0], argv);
	n = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)n;
	_exit(127);
}

/* The URL from the announcement, once its whole line is in the log. */
static bool
local_announced(const struct strbuf *log, char *url, size_t size)
{
	const char *line = log->buf ? log->buf : "";
	const char *nl;

	for (; (nl = strchr(line, '\n')); line = nl + 1) {
		const char *u = line + strlen(LOCAL_MARKER);
		size_t n;

		if (strncmp(line, LOCAL_MARKER, strlen(LOCAL_MARKER)) != 0)
			continue;
		n = (size_t)(nl - u);
		if (n && u[n - 1] == '\r')
			n--;
		if (n >= size || strncmp(u, "http://", 7) != 0)
			return false;
		memcpy(url, u, n);
		url[n] = '\0';
		return true;
	}
	return false;
}

/* The log's last line as printable ASCII, to say why a start failed. */
static void
local_last_line(const struct strbuf *log, char *out, size_t size)
{
	size_t end = log->len, start;

	while (end && (log->buf[end - 1] == '\n' || log->buf[end - 1] == '\r'))
		end--;
	start = end;
	while (start && log->buf[start - 1] != '\n')
		start--;
	util_printable(out, size, log->buf ? log->buf + start : "", end - start);
}

/* A watched descriptor became ready: sets the bool at ctx. */
static void
local_on_ready(void *ctx, int fd, short revents)
{
	(void)fd;
	(void)revents;
	*(bool *)ctx = true;
}

/* Waits on pidfd until the process has exited or deadline_ms (monotonic); true when it has. */
static bool
local_wait_exit(int pidfd, int64_t deadline_ms)
{
	struct loop *l = loop_new();
	bool exited = false;

	loop_add_fd(l, pidfd, POLLIN, local_on_ready, &exited);
	/* One look even past the deadline, then rounds (a signal ends one early) until it. */
	do {
		if (loop_run_once(l, util_timeout_until(deadline_ms, clock_mono_ms())) < 0)
			break;
	} while (!exited && clock_mono_ms() < deadline_ms);
	loop_free(l);
	return exited;
}

/* Ends a child that failed to start: SIGTERM, a bounded wait, then SIGKILL; reaped. */
static void
local_child_end(struct local_child *c)
{
	kill(c->pid, SIGTERM);
	if (c->pidfd < 0 || !local_wait_exit(c->pidfd, clock_mono_ms() + LOCAL_STOP_MS))
		kill(c->pid, SIGKILL);
	while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* What became of a child that exited before announcing itself. */
static void
local_child_died(struct local_child *c, const char *log, struct api_error *err)
{
	char last[200];
	int st = 0;

	while (waitpid(c->pid, &st, 0) < 0 && errno == EINTR)
		;
	local_last_line(&c->log, last, sizeof(last));
	api_error_set(err, API_ERR_TRANSPORT, "osmo-local %s %d before serving%s%s; see %s",
	              WIFSIGNALED(st) ? "was killed by signal" : "exited with status",
	              WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), last[0] ? ": " : "", last,
	              log);
}

/* Waits up to LOCAL_START_MS for the announcement; 0 with srv->url, or -1 (child reaped). */
static int
local_child_await(struct local_child *c, const char *log, struct local_server *srv,
                  struct api_error *err)
{
	int64_t deadline = clock_mono_ms() + LOCAL_START_MS;
	bool exited = false, changed = false;
	struct loop *l = loop_new();
	int rc = -1;

	/* The directory's events only say "look again"; the pidfd says the child exited. */
	loop_add_fd(l, c->watch, POLLIN, local_on_ready, &changed);
	if (c->pidfd >= 0)
		loop_add_fd(l, c->pidfd, POLLIN, local_on_ready, &exited);
	for (;;) {
		char buf[4096];
		ssize_t n;
		int64_t left;

		while ((n = read(c->log_rd, buf, sizeof(buf))) > 0)
			strbuf_add(&c->log, buf, (size_t)n);
		if (local_announced(&c->log, srv->url, sizeof(srv->url))) {
			rc = 0;
			break;
		}
		if (exited) {
			local_child_died(c, log, err);
			break;
		}
		left = deadline - clock_mono_ms();
		if (left <= 0) {
			char last[200];

			local_last_line(&c->log, last, sizeof(last));
			api_error_set(err, API_ERR_TIMEOUT,
			              "osmo-local did not start within %d s%s%s; see %s",
			              LOCAL_START_MS / 1000, last[0] ? ": " : "", last, log);
			local_child_end(c);
			break;
		}
		if (loop_run_once(l, util_timeout_until(deadline, clock_mono_ms())) < 0) {
			local_fail(err, API_ERR_TRANSPORT, "poll", errno);
			local_child_end(c);
			break;
		}
		if (changed) {
			changed = false;
			while (read(c->watch, buf, sizeof(buf)) > 0)
				;
		}
	}
	loop_free(l);
	return rc;
}

/* The port the last osmo-local of dir listened on, if it is free now; else 0 (any). */
static int
local_last_port(const char *dir)
{
	char url[sizeof(((struct local_server *)0)->url)];
	const char *colon;
	long port;

	if (local_read_record(dir, LOCAL_LAST_URL, url, sizeof(url)) < 0 ||
	    !(colon = strrchr(url, ':')))
		return 0;
	port = strtol(colon + 1, NULL, 10);
	return port > 0 && port < 65536 && forward_port_free((int)port, false) ? (int)port : 0;
}

/*
 * Starts osmo-local for dir (canonical) with exe on port (0: any), waits for its URL, records
 * it; 0 or -1.
 */
static int
local_spawn(const char *dir, const char *exe, const struct strv *args, int port,
            struct local_server *srv, struct api_error *err)
{
	char *state = xasprintf("%s/state", dir);
	char *log = xasprintf("%s/" LOCAL_LOG, dir);
	char *listen = xasprintf("127.0.0.1:%d", port);
	struct strv argv = { 0 };
	struct local_child c = { .pid = -1, .pidfd = -1, .watch = -1, .log_rd = -1 };
	int log_wr, null_fd = -1, rc = -1;
	char pid_text[32];

	strv_push(&argv, exe);
	for (size_t i = 0; args && i < args->n; i++)
		strv_push(&argv, args->v[i]);
	/* Ours last: the listen address and state are not the caller's to change. */
	strv_push(&argv, "--listen");
	strv_push(&argv, listen);
	strv_push(&argv, "--state");
	strv_push(&argv, state);
	strv_push_owned(&argv, NULL); /* execv's end */

	/*
	 * Both stdout and stderr go to the log: nothing the service writes can ever meet a closed
	 * pipe. inotify on the log (set before the fork) tells when the announcement may be there.
	 */
	log_wr =
	        local_fd_high(open(log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600));
	if (log_wr < 0) {
		local_fail(err, API_ERR_TRANSPORT, log, errno);
		goto done;
	}
	null_fd = local_fd_high(open("/dev/null", O_RDONLY | O_CLOEXEC));
	c.log_rd = open(log, O_RDONLY | O_CLOEXEC);
	c.watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (null_fd < 0 || c.log_rd < 0 || c.watch < 0 ||
	    inotify_add_watch(c.watch, log, IN_MODIFY) < 0) {
		local_fail(err, API_ERR_TRANSPORT, log, errno);
		goto done;
	}
	c.pid = fork();
	if (c.pid < 0) {
		local_fail(err, API_ERR_TRANSPORT, "fork", errno);
		goto done;
	}
	if (c.pid == 0)
		local_child_exec(argv.v, null_fd, log_wr);
	/* Our own unreaped child: its PID cannot be reused under the pidfd. */
	c.pidfd = (int)syscall(SYS_pidfd_open, c.pid, 0);
	if (local_child_await(&c, log, srv, err) < 0)
		goto done;
	snprintf(pid_text, sizeof(pid_text), "%ld", (long)c.pid);
	/* The URL first: a reader that sees the new PID then finds its URL (local_examine). */
	if (local_write_record(dir, LOCAL_URL, srv->url) < 0 ||
	    local_write_record(dir, LOCAL_PID, pid_text) < 0) {
		local_fail(err, API_ERR_TRANSPORT, dir, errno);
		local_child_end(&c);
		local_forget(dir);
		goto done;
	}
	srv->pid = c.pid;
	srv->started = true;
	/* Only a help: a monitor still open on the old address finds this one by it. */
	(void)local_write_record(dir, LOCAL_LAST_URL, srv->url);
	rc = 0;
done:
	if (rc < 0)
		srv->url[0] = '\0';
	if (log_wr >= 0)
		close(log_wr);
	if (null_fd >= 0)
		close(null_fd);
	if (c.log_rd >= 0)
		close(c.log_rd);
	if (c.watch >= 0)
		close(c.watch);
	if (c.pidfd >= 0)
		close(c.pidfd);
	strbuf_free(&c.log);
	strv_free(&argv);
	free(log);
	free(listen);
	free(state);
	return rc;
}

/* path made absolute (the child runs in /) but not resolved: its name is part of its identity. */
static char *
local_absolute(const char *path)
{
	char *cwd;
	char *abs;

	if (path[0] == '/')
		return xstrdup(path);
	cwd = getcwd(NULL, 0);
	if (!cwd)
		return NULL;
	abs = xasprintf("%s/%s", cwd, path);
	free(cwd);
	return abs;
}

int
local_start(const char *dir, const char *bin, const struct strv *args, struct local_server *srv,
            struct api_error *err)
{
	char *real = NULL, *found = NULL, *exe = NULL;
	int lock = -1, rc = -1, port;

	memset(srv, 0, sizeof(*srv));
	if (util_mkdirs(dir, 0700) < 0 || !(real = local_canonical(dir))) {
		local_fail(err, API_ERR_TRANSPORT, dir, errno);
		goto done;
	}
	lock = local_lock(real, err);
	if (lock < 0)
		goto done;
	/* Another osmotop may have started one while we waited for the lock. */
	if (local_examine(real, srv) == LOCAL_RUNNING) {
		rc = 0;
		goto done;
	}
	local_forget(real);
	found = bin ? xstrdup(bin) : local_server_bin();
	if (!found) {
		api_error_set(err, API_ERR_USAGE,
		              "cannot find " LOCAL_BIN " beside osmotop or in $PATH "
		              "($OSMO_LOCAL_BIN may name it)");
		goto done;
	}
	exe = local_absolute(found);
	if (!exe || access(exe, X_OK) < 0) {
		local_fail(err, API_ERR_USAGE, found, errno);
		goto done;
	}
	/* The previous port when it is free, so clients of the last one find this one there. */
	port = local_last_port(real);
	rc = local_spawn(real, exe, args, port, srv, err);
	if (rc < 0 && port) {
		/* Taken in between: any port then. */
		*err = (struct api_error){ 0 };
		rc = local_spawn(real, exe, args, 0, srv, err);
	}
done:
	if (lock >= 0)
		close(lock);
	free(exe);
	free(found);
	free(real);
	return rc;
}

int
local_stop(const char *dir, struct local_server *srv, struct api_error *err)
{
	char *real = local_canonical(dir), *state = NULL;
	int lock = -1, pidfd = -1, rc = -1;

	memset(srv, 0, sizeof(*srv));
	if (!real)
		return errno == ENOENT ? 0 : local_fail(err, API_ERR_TRANSPORT, dir, errno);
	lock = local_lock(real, err);
	if (lock < 0)
		goto done;
	if (local_examine(real, srv) != LOCAL_RUNNING) {
		local_forget(real);
		rc = 0;
		goto done;
	}
	/*
	 * Signal through a pidfd opened before the identity check: if the PID is reused after
	 * the check, the signal goes to the pidfd's (dead) process and fails, never elsewhere.
	 */
	pidfd = (int)syscall(SYS_pidfd_open, srv->pid, 0);
	state = xasprintf("%s/state", real);
	if (pidfd < 0 && errno != ESRCH) {
		local_fail(err, API_ERR_TRANSPORT, "pidfd_open", errno);
		goto done;
	}
	if (pidfd < 0 || !local_is_ours(srv->pid, state)) {
		local_forget(real);
		rc = 0;
		goto done;
	}
	if (syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0) < 0 && errno != ESRCH) {
		local_fail(err, API_ERR_TRANSPORT, "kill", errno);
		goto done;
	}
	if (!local_wait_exit(pidfd, clock_mono_ms() + LOCAL_STOP_MS)) {
		api_error_set(err, API_ERR_TIMEOUT,
		              "osmo-local (PID %ld) did not stop within %d s; it is still running",
		              (long)srv->pid, LOCAL_STOP_MS / 1000);
		goto done;
	}
	local_forget(real);
	rc = 1;
done:
	if (rc == 0)
		memset(srv, 0, sizeof(*srv));
	if (pidfd >= 0)
		close(pidfd);
	if (lock >= 0)
		close(lock);
	free(state);
	free(real);
	return rc;
}
