/* test_access.c: who may use osmo-local: its owner's token, and nobody else on the machine. */
#define _DEFAULT_SOURCE /* setgroups */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "golden.h"
#include "lfix.h"
#include "client/local.h"
#include "common/util.h"

#define TA_WAIT_MS 15000

/* Runs until cancelled, so exec and port-forward have a running task to aim at. */
static const char ta_spec[] = "workflow:\n"
                              "  name: private\n"
                              "  tasks:\n"
                              "  - name: work\n"
                              "    image: ubuntu\n"
                              "    command: [sh, -c, 'echo secret-output; sleep 600']\n";

struct ta {
	struct lfix f;
	char *id;
	char user[32]; /* the second local user, made by the test; "" when none */
};

static int
ta_setup(void **state)
{
	struct ta *t = xcalloc(1, sizeof(*t));
	struct osmo_workflow wf;

	lfix_open_owner(&t->f, "access", NULL);
	t->id = lfix_submit(&t->f, ta_spec, NULL);
	lfix_wait(&t->f, t->id, TA_WAIT_MS, lfix_running, &wf);
	osmo_workflow_free(&wf);
	*state = t;
	return 0;
}

static int
ta_teardown(void **state)
{
	struct ta *t = *state;
	int rc = lfix_close(&t->f);

	if (t->user[0]) {
		char *argv[] = { "/usr/sbin/userdel", t->user, NULL };

		if (proc_run(argv, 10000, NULL, NULL) != 0)
			rc = -1;
	}
	free(t->id);
	free(t);
	return rc;
}

/* The owner's own client logs in with the token by itself and is named by it. */
static void
test_owner_token_login(void **state)
{
	struct ta *t = *state;
	struct osmo_workflow wf;
	char *me = local_user();

	lfix_query(&t->f, t->id, false, &wf);
	assert_string_equal(wf.submitted_by, me);
	osmo_workflow_free(&wf);
	free(me);
}

/* One blocking HTTP/1.1 exchange on loopback, bounded by socket timeouts; the status or -1. */
static int
ta_http(const char *url, const char *method, const char *path, const char *extra, const char *body)
{
	const char *port = strrchr(url, ':') + 1;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	struct timeval tv = { .tv_sec = 5 };
	char buf[256];
	int fd = socket(AF_INET, SOCK_STREAM, 0), status = -1;
	char *req;
	ssize_t n;

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	req = xasprintf("%s %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n%s"
	                "Content-Length: %zu\r\n\r\n%s",
	                method, path, port, extra, strlen(body), body);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    write(fd, req, strlen(req)) == (ssize_t)strlen(req) &&
	    (n = read(fd, buf, sizeof(buf) - 1)) > 12) {
		buf[n] = '\0';
		if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
			status = -1;
	}
	close(fd);
	free(req);
	return status;
}

/* What another user can try without the token (each also naming the owner in x-osmo-user). */
static const char *const ta_creds[] = {
	"",
	/* {"alg":"none"} . {"unique_name":"root","exp":4102444800} */
	"Authorization: Bearer "
	"eyJhbGciOiJub25lIn0.eyJ1bmlxdWVfbmFtZSI6InJvb3QiLCJleHAiOjQxMDI0NDQ4MDB9.\r\n",
	/* HS256 with a made-up signature */
	"x-osmo-auth: "
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjQxMDI0NDQ4MDB9.c2lnbmF0dXJl\r\n",
};

/*
 * In a child that has become uid/gid: the token file must not open, and every route but the
 * public ones must answer 401 to every credential above. Exits 0, or the count of failures
 * after printing them.
 */
static int
ta_intruder(const struct ta *t, uid_t uid, gid_t gid)
{
	const char *owner = getenv("USER");
	char *token = xasprintf("%s/access_token", t->f.state);
	char *wf = xasprintf("/api/workflow/%s", t->id);
	const struct {
		const char *method, *path, *body;
	} routes[] = {
		{ "GET", "/api/workflow", "" },
		{ "GET", wf, "" },
		{ "GET", "/api/profile/settings", "" },
		{ "POST", "/api/profile/settings", "{\"pool\": \"default\"}" },
		{ "GET", "/api/pool", "" },
		{ "GET", "/api/tag", "" },
		{ "POST", "/api/pool/default/workflow", "{\"file\": \"workflow: {name: x}\"}" },
		{ "POST", "/api/pool/default/workflow/x/restart", "" },
		{ "GET", "/nowhere", "" },
	};
	static const char *const wf_routes[][2] = {
		{ "GET", "/spec" },
		{ "GET", "/logs" },
		{ "GET", "/error_logs" },
		{ "GET", "/events" },
		{ "POST", "/cancel" },
		{ "POST", "/tag" },
		{ "GET", "/task/work" },
		{ "POST", "/exec/task/work" },
		{ "POST", "/exec/group/work" },
		{ "POST", "/portforward/work" },
	};
	int failed = 0;

	if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
		fprintf(stderr, "cannot become uid %ld: %s\n", (long)uid, strerror(errno));
		return 100;
	}
	if (open(token, O_RDONLY) >= 0 || errno != EACCES) {
		fprintf(stderr, "%s opened, or not EACCES (%s)\n", token, strerror(errno));
		failed++;
	}
	/* The server answers this user at all: a refusal below is the gate's, not a dead socket. */
	if (ta_http(t->f.server.url, "GET", "/api/version", "", "") != 200) {
		fprintf(stderr, "GET /api/version did not answer 200\n");
		failed++;
	}
	for (size_t c = 0; c < ARRAY_SIZE(ta_creds); c++) {
		char *cred =
		        xasprintf("%sx-osmo-user: %s\r\n", ta_creds[c], owner ? owner : "root");
		char *json = xasprintf("Content-Type: application/json\r\n%s", cred);

		for (size_t i = 0; i < ARRAY_SIZE(routes) + ARRAY_SIZE(wf_routes); i++) {
			bool own = i < ARRAY_SIZE(routes);
			const char *method =
			        own ? routes[i].method : wf_routes[i - ARRAY_SIZE(routes)][0];
			char *path =
			        own ? xstrdup(routes[i].path)
			            : xasprintf("%s%s", wf, wf_routes[i - ARRAY_SIZE(routes)][1]);
			int st = ta_http(t->f.server.url, method, path, json,
			                 own ? routes[i].body : "");

			if (st != 401) {
				fprintf(stderr, "%s %s with credentials #%zu: %d, not 401\n",
				        method, path, c, st);
				failed++;
			}
			free(path);
		}
		/* The router's WebSocket routes, with a made-up key. */
		char *exec = xasprintf("/api/router/exec/%s/client/0123456789abcdef", t->id);
		int st = ta_http(t->f.server.url, "GET", exec,
		                 "Upgrade: websocket\r\nConnection: Upgrade\r\n"
		                 "Sec-WebSocket-Version: 13\r\n"
		                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
		                 "");

		if (st != 401 && st != 403) {
			fprintf(stderr, "GET %s: %d\n", exec, st);
			failed++;
		}
		free(exec);
		free(json);
		free(cred);
	}
	free(token);
	free(wf);
	return failed;
}

/* A user of this machine as `useradd` makes one; "" when this test cannot (not root). */
static bool
ta_second_user(struct ta *t, uid_t *uid, gid_t *gid)
{
	char *argv[] = { "/usr/sbin/useradd",
		         "--system",
		         "--no-create-home",
		         "--shell",
		         "/usr/sbin/nologin",
		         t->user,
		         NULL };
	struct passwd *pw;

	snprintf(t->user, sizeof(t->user), "osmoprobe%ld", (long)getpid() % 100000);
	if (geteuid() != 0 || access(argv[0], X_OK) != 0) {
		t->user[0] = '\0';
		return false;
	}
	if (proc_run(argv, 20000, NULL, NULL) != 0) {
		fail_msg("useradd %s failed", t->user);
	}
	pw = getpwnam(t->user);
	assert_non_null(pw);
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return true;
}

/* Another user on the machine reads nothing, runs nothing and cancels nothing. */
static void
test_second_user_refused(void **state)
{
	struct ta *t = *state;
	struct osmo_workflow wf;
	uid_t uid = 0;
	gid_t gid = 0;
	pid_t pid;
	int st;

	if (!ta_second_user(t, &uid, &gid)) {
		printf("# skipped: making a second local user needs root and useradd\n");
		skip();
	}
	/* Let the other user walk up to the state directory: its own mode must keep them out. */
	assert_int_equal(chmod(t->f.dir, 0755), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(ta_intruder(t, uid, gid));
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	/* And nothing happened: the workflow runs on, alone. */
	lfix_query(&t->f, t->id, false, &wf);
	assert_int_equal(wf.status, OSMO_RUNNING);
	osmo_workflow_free(&wf);
}

/* osmotop with --token-file or $OSMO_TOKEN_FILE gets in; without, or as a dev user, it does not. */
static void
test_osmotop_token_file(void **state)
{
	struct ta *t = *state;
	char *token = xasprintf("%s/access_token", t->f.state);
	const char *with[] = { "--snapshot", "--url", t->f.server.url, "--token-file", token,
		               t->id,        NULL };
	const char *without[] = { "--snapshot", "--url", t->f.server.url, t->id, NULL };
	const char *dev[] = {
		"--snapshot", "--url", t->f.server.url, "--user", "jdoe", t->id, NULL
	};
	const char *both[] = { "--snapshot",   "--url", t->f.server.url, "--user", "jdoe",
		               "--token-file", token,   t->id,           NULL };
	char *out = NULL, *err = NULL;

	setenv("OSMO_CONFIG_FILE_DIR", t->f.dir, 1);
	assert_int_equal(proc_run_osmotop(with, TA_WAIT_MS, &out, &err), 0);
	assert_non_null(strstr(out, "private"));
	free(out);
	free(err);
	assert_int_equal(proc_run_osmotop(without, TA_WAIT_MS, &out, &err), 3);
	assert_non_null(strstr(err, "Jwt is missing"));
	/* Someone who never logged in is told how, not to log in "again". */
	assert_non_null(strstr(err, "--token-file FILE"));
	assert_null(strstr(err, "again"));
	free(out);
	free(err);
	assert_int_equal(proc_run_osmotop(dev, TA_WAIT_MS, &out, &err), 3);
	assert_non_null(strstr(err, "--token-file FILE"));
	free(out);
	free(err);
	/* A well-formed token that is not this server's: the file is named, no "refresh". */
	char *wrong = xasprintf("%s/wrong", t->f.dir);
	FILE *f = fopen(wrong, "w");

	assert_non_null(f);
	fputs("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", f);
	fclose(f);
	chmod(wrong, 0600);
	const char *bad[] = { "--snapshot", "--url", t->f.server.url, "--token-file", wrong,
		              t->id,        NULL };

	assert_int_equal(proc_run_osmotop(bad, TA_WAIT_MS, &out, &err), 3);
	assert_non_null(strstr(err, "the access token was not accepted"));
	assert_non_null(strstr(err, "Access Token is invalid"));
	assert_non_null(strstr(err, "check the access token in"));
	assert_non_null(strstr(err, wrong));
	assert_null(strstr(err, "refresh"));
	assert_null(strstr(err, "AAAAAAAAAAAAAAAA"));
	free(out);
	free(err);
	free(wrong);
	assert_int_equal(proc_run_osmotop(both, TA_WAIT_MS, &out, &err), 2);
	free(out);
	free(err);
	setenv("OSMO_TOKEN_FILE", token, 1);
	assert_int_equal(proc_run_osmotop(without, TA_WAIT_MS, &out, &err), 0);
	unsetenv("OSMO_TOKEN_FILE");
	free(out);
	free(err);
	free(token);
}

/* A token the server echoes in an error never reaches stderr, from login.yaml or a token file. */
static void
test_echoed_tokens_scrubbed(void **state)
{
	static const char pat[] = "q3Zr8Xb0vJmN5kT2wL9pYcF7hD4sA1eG6uI0oR3tVyQ";
	/* {"alg":"HS256"} . {"exp":4102444800} . "sig" */
	static const char jwt[] = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.c2ln";
	char dir[] = "/tmp/osmo-echo-XXXXXX";
	char *routes, *login, *tokfile, *yaml, *line1, *line2;
	struct proc srv;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	routes = xasprintf("%s/routes", dir);
	line1 = xasprintf("POST /api/auth/jwt/access_token 200 application/json "
	                  "inline:{\"token\":\"%s\",\"expires_at\":4102444800}",
	                  jwt);
	line2 = xasprintf("GET /api/workflow/echo-1 400 application/json "
	                  "inline:{\"message\":\"bad_token_%s_for_Bearer_%s_%s\"}",
	                  pat, jwt, pat);
	const char *lines[] = { line1, line2 };

	assert_int_equal(golden_fixture_server(&srv, routes, lines, 2, NULL), 0);
	login = xasprintf("%s/login.yaml", dir);
	yaml = xasprintf("dev_login: null\nname: ''\nosmo_token: true\ntoken_login:\n"
	                 "  client_id: null\n  id_token: %s\n  refresh_token: %s\n"
	                 "  refresh_url: %s/api/auth/jwt/access_token\n  username: null\n"
	                 "url: %s\n",
	                 jwt, pat, srv.url, srv.url);
	f = fopen(login, "w");
	assert_non_null(f);
	fputs(yaml, f);
	fclose(f);
	chmod(login, 0600);
	tokfile = xasprintf("%s/token", dir);
	f = fopen(tokfile, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", pat);
	fclose(f);
	chmod(tokfile, 0600);
	setenv("OSMO_CONFIG_FILE_DIR", dir, 1);
	const char *from_login[] = { "--snapshot", "echo-1", NULL };
	const char *from_file[] = { "--snapshot", "--url",  srv.url, "--token-file",
		                    tokfile,      "echo-1", NULL };
	const char *const *runs[] = { from_login, from_file };

	for (size_t i = 0; i < ARRAY_SIZE(runs); i++) {
		char *out = NULL, *err = NULL;

		assert_int_equal(proc_run_osmotop(runs[i], TA_WAIT_MS, &out, &err), 1);
		if (strstr(err, pat) || strstr(err, jwt) || strstr(err, "q3Zr8Xb0") ||
		    strstr(out, pat) || strstr(out, jwt))
			fail_msg("a token reached the output: %s", err);
		assert_non_null(strstr(err, "bad_token_[token]_for_Bearer_[token]"));
		free(out);
		free(err);
	}
	assert_int_equal(proc_stop(&srv, 5000), 0);
	unsetenv("OSMO_CONFIG_FILE_DIR");
	proc_remove_tree(dir);
	free(routes);
	free(login);
	free(tokfile);
	free(yaml);
	free(line1);
	free(line2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_owner_token_login, ta_setup, ta_teardown),
		cmocka_unit_test_setup_teardown(test_second_user_refused, ta_setup, ta_teardown),
		cmocka_unit_test_setup_teardown(test_osmotop_token_file, ta_setup, ta_teardown),
		cmocka_unit_test(test_echoed_tokens_scrubbed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
