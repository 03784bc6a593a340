/* task.c: one retry of one task on this machine: inputs in, the command, outputs and checkpoints out. */
#include "server/task.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "server/runner.h"

#define TASK_KILL_GRACE_MS 5000
#define TASK_SETUP_CODE    3003 /* OSMO's FAILED_START_ERROR exit code */

extern char **environ;

/* A process of the run: the step's (download, command, upload) or a checkpoint copy. */
struct task_proc {
	struct task_run *run;
	struct runner_proc p;
	unsigned long watch[3];
	bool osmo; /* its output is OSMO's, not the user's */
	bool live;
	void (*ended)(struct task_run *r, int code);
};

/* Where a run stands. */
enum task_step { TASK_DOWNLOAD, TASK_EXEC, TASK_UPLOAD, TASK_DONE };

struct task_run {
	struct task_run_config cfg;
	enum task_step step;
	struct task_proc main, ckpt;
	char *root, *input, *output;
	struct strv from, to; /* declared paths and where they live here, longest first */
	unsigned long ckpt_timer, kill_timer;
	unsigned long start_timer, done_timer;
	bool done_ok;
	char *done_message;
	char *own[4];
	bool killing, finishing, publish, exited_sent, exec_started, last_ckpt;
	int exit_code;
};

static void task_proc_fd(void *ctx, int fd, short revents);

/* Single-quotes s for sh. */
static void
task_sh_quote(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			strbuf_addstr(sb, "'\\''");
		else
			strbuf_addch(sb, *s);
	}
	strbuf_addch(sb, '\'');
}

/* Appends "mkdir -p DST && cp -R SRC/. DST/": the contents of src into dst. */
static void
task_sh_copy(struct strbuf *sb, const char *src, const char *dst)
{
	strbuf_addstr(sb, "mkdir -p ");
	task_sh_quote(sb, dst);
	strbuf_addstr(sb, " && cp -R ");
	task_sh_quote(sb, src);
	strbuf_addstr(sb, "/. ");
	task_sh_quote(sb, dst);
	strbuf_addstr(sb, "/");
}

char *
task_output_path(const char *state_dir, const char *workflow_id, const char *task)
{
	return xasprintf("%s/workflows/%s/outputs/%s", state_dir, workflow_id, task);
}

/* The index of the input naming task, or -1. */
static long
task_input_index(const struct spec_task *t, const char *name)
{
	for (size_t i = 0; i < t->ninputs; i++)
		if (t->inputs[i].kind == SPEC_IO_TASK && strcmp(t->inputs[i].task, name) == 0)
			return (long)i;
	return -1;
}

/* The value of one {{ token }} (its text without braces, trimmed), or NULL to keep it. */
static char *
task_token_value(const struct task_run *r, const char *tok, size_t n)
{
	const struct spec_task *t = r->cfg.task;

	if (n == 6 && memcmp(tok, "output", 6) == 0)
		return xstrdup(r->output);
	if (n == 11 && memcmp(tok, "workflow_id", 11) == 0)
		return xstrdup(r->cfg.workflow_id);
	if (n == 4 && memcmp(tok, "uuid", 4) == 0)
		return xstrdup(r->cfg.task_uuid);
	if (n > 5 && memcmp(tok, "host:", 5) == 0)
		return xstrdup("127.0.0.1");
	if (n > 6 && memcmp(tok, "input:", 6) == 0) {
		char *arg = xstrndup(tok + 6, n - 6);
		char *end;
		long idx = strtol(arg, &end, 10);
		char *v = NULL;

		if (*end || end == arg)
			idx = task_input_index(t, arg);
		if (idx >= 0 && (size_t)idx < t->ninputs)
			v = xasprintf("%s/%ld", r->input, idx);
		free(arg);
		return v;
	}
	return NULL;
}

static bool
task_path_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-' || c == '/';
}

/* The declared path starting at s[i] (not inside a longer path), or -1. */
static long
task_path_at(const struct task_run *r, const char *s, size_t i)
{
	if (i > 0 && task_path_char(s[i - 1]))
		return -1;
	for (size_t k = 0; k < r->from.n; k++) {
		size_t len = strlen(r->from.v[k]);

		if (strncmp(s + i, r->from.v[k], len) == 0 &&
		    (s[i + len] == '/' || !task_path_char(s[i + len]) ||
		     (s[i + len] == '.' && !task_path_char(s[i + len + 1]))))
			return (long)k;
	}
	return -1;
}

char *
task_substitute(const struct task_run *r, const char *s)
{
	struct strbuf sb = { 0 };

	strbuf_addstr(&sb, "");
	for (size_t i = 0; s[i];) {
		long k;

		if (s[i] == '{' && s[i + 1] == '{') {
			const char *end = strstr(s + i + 2, "}}");

			if (end) {
				const char *a = s + i + 2, *b = end;
				char *v;

				while (a < b && *a == ' ')
					a++;
				while (b > a && b[-1] == ' ')
					b--;
				v = task_token_value(r, a, (size_t)(b - a));
				if (v) {
					strbuf_addstr(&sb, v);
					free(v);
					i = (size_t)(end + 2 - s);
					continue;
				}
			}
		}
		if (s[i] == '/' && (k = task_path_at(r, s, i)) >= 0) {
			strbuf_addstr(&sb, r->to.v[k]);
			i += strlen(r->from.v[k]);
			continue;
		}
		strbuf_addch(&sb, s[i++]);
	}
	return strbuf_detach(&sb);
}

/* Declared absolute paths (files, checkpoints, dataset mounts) move under root/. */
static void
task_add_path(struct task_run *r, const char *path)
{
	size_t len;
	size_t at = 0;

	if (!path || path[0] != '/' || strv_contains(&r->from, path))
		return;
	len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	while (at < r->from.n && strlen(r->from.v[at]) >= len)
		at++;
	strv_push_owned(&r->from, xstrndup(path, len));
	strv_push_owned(&r->to, xasprintf("%s%.*s", r->root, (int)len, path));
	/* Keep longest first so /tmp/a/b wins over /tmp/a. */
	for (size_t k = r->from.n - 1; k > at; k--) {
		char *f = r->from.v[k], *t = r->to.v[k];

		r->from.v[k] = r->from.v[k - 1];
		r->to.v[k] = r->to.v[k - 1];
		r->from.v[k - 1] = f;
		r->to.v[k - 1] = t;
	}
}

static int
task_b64_value(int c)
{
	static const char alphabet[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(alphabet, c) : NULL;

	return p ? (int)(p - alphabet) : -1;
}

/* Decodes base64 (whitespace ignored); -1 on a bad character. */
static int
task_b64_decode(const char *s, struct strbuf *out)
{
	unsigned acc = 0;
	int bits = 0;

	for (; *s && *s != '='; s++) {
		int v = task_b64_value((unsigned char)*s);

		if (*s == '\n' || *s == '\r' || *s == ' ' || *s == '\t')
			continue;
		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			strbuf_addch(out, (char)((acc >> bits) & 0xff));
		}
	}
	return 0;
}

static void task_osmo_line(struct task_run *r, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void
task_osmo_line(struct task_run *r, const char *fmt, ...)
{
	struct strbuf sb = { 0 };
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	r->cfg.ev.line(r->cfg.ev.ctx, true, sb.buf, sb.len);
	strbuf_free(&sb);
}

static void
task_proc_line(void *ctx, enum runner_stream stream, const char *s, size_t n)
{
	struct task_proc *tp = ctx;

	(void)stream;
	tp->run->cfg.ev.line(tp->run->cfg.ev.ctx, tp->osmo, s, n);
}

static void
task_proc_check(struct task_proc *tp)
{
	if (!tp->live || !runner_done(&tp->p))
		return;
	int code = runner_exit_code(&tp->p);

	for (int i = 1; i < 3; i++)
		loop_remove(tp->run->cfg.loop, tp->watch[i]);
	runner_free(&tp->p);
	tp->live = false;
	tp->ended(tp->run, code);
}

static void
task_proc_fd(void *ctx, int fd, short revents)
{
	struct task_proc *tp = ctx;

	(void)revents;
	runner_read(&tp->p, fd, task_proc_line, tp);
	for (int i = 1; i < 3; i++)
		if (tp->p.fds[i] < 0 && tp->watch[i]) {
			loop_remove(tp->run->cfg.loop, tp->watch[i]);
			tp->watch[i] = 0;
		}
	runner_reap(&tp->p);
	task_proc_check(tp);
}

/* Starts argv as tp; -1 with the reason logged when no process could be made. */
static int
task_proc_start(struct task_run *r, struct task_proc *tp, char *const *argv, char *const *envp,
                bool osmo, void (*ended)(struct task_run *, int))
{
	struct runner_spec spec = { .argv = argv, .envp = envp, .cwd = r->root };
	char err[256];

	tp->run = r;
	tp->osmo = osmo;
	tp->ended = ended;
	if (runner_start(&tp->p, &spec, err, sizeof(err)) < 0) {
		task_osmo_line(r, "cannot start %s: %s", argv[0], err);
		return -1;
	}
	tp->live = true;
	if (tp == &r->main) {
		/* The supervisor's: so a restarted osmo-local can stop what a crashed one left running. */
		char *path = xasprintf("%s/pid", r->cfg.run_dir);
		char pid[24];
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		int n = snprintf(pid, sizeof(pid), "%ld\n", (long)tp->p.pid);

		if (fd >= 0) {
			if (write(fd, pid, (size_t)n) != n)
				unlink(path);
			close(fd);
		}
		free(path);
	}
	for (int i = 1; i < 3; i++)
		tp->watch[i] = loop_add_fd(r->cfg.loop, tp->p.fds[i], POLLIN, task_proc_fd, tp);
	return 0;
}

/* Runs an OSMO data-movement script with sh. */
static int
task_script(struct task_run *r, struct task_proc *tp, const char *script,
            void (*ended)(struct task_run *, int))
{
	char *argv[] = { "/bin/sh", "-c", (char *)script, NULL };

	return task_proc_start(r, tp, argv, environ, true, ended);
}

/*
 * A local path for a url: a file:// URL or an absolute path as it is, and a relative path
 * (without "..") in the state directory's storage/, so what one osmo-local keeps there is its
 * own; NULL for anything else.
 */
static char *
task_local_url(const struct task_run *r, const char *url)
{
	if (str_starts_with(url, "file://"))
		return url[7] == '/' ? xstrdup(url + 7) : NULL;
	if (url[0] == '/')
		return xstrdup(url);
	if (!url[0] || strstr(url, "://") || spec_path_climbs(url))
		return NULL;
	return xasprintf("%s/storage/%s", r->cfg.state_dir, url);
}

/* "bucket/name:tag" → the directory of name in the store; *tag gets the tag or NULL. */
static char *
task_dataset_dir(const struct task_run *r, const char *spec_name, char **tag)
{
	const char *colon = strrchr(spec_name, ':');
	char *name = colon ? xstrndup(spec_name, (size_t)(colon - spec_name)) : xstrdup(spec_name);
	char *dir;

	*tag = colon && colon[1] ? xstrdup(colon + 1) : NULL;
	for (char *p = name; *p; p++)
		if (*p == '.' && (p == name || p[-1] == '/'))
			*p = '_'; /* no way out of the store */
	dir = xasprintf("%s/datasets/%s", r->cfg.state_dir, name);
	free(name);
	return dir;
}

/* The newest numbered version under dir (0: none). */
static long
task_dataset_latest(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	long best = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char *end;
		long v = strtol(de->d_name, &end, 10);

		if (!*end && end != de->d_name && v > best)
			best = v;
	}
	closedir(d);
	return best;
}

/* The version a tag names (a number or a tag file written at upload), or the latest. */
static long
task_dataset_version(const char *dir, const char *tag)
{
	char *end;
	long v;

	if (!tag || strcmp(tag, "latest") == 0)
		return task_dataset_latest(dir);
	v = strtol(tag, &end, 10);
	if (!*end && v > 0)
		return v;
	char *path = xasprintf("%s/tags/%s", dir, tag);
	FILE *f = strchr(tag, '/') ? NULL : fopen(path, "r");

	free(path);
	v = 0;
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

static void task_exec(struct task_run *r);

static void
task_done_later(void *ctx)
{
	struct task_run *r = ctx;
	char *msg = r->done_message;

	r->done_timer = 0;
	r->done_message = NULL;
	/* The owner may free r here, so nothing of r is touched after. */
	r->cfg.ev.done(r->cfg.ev.ctx, r->done_ok, msg);
	free(msg);
}

/* done() runs from the loop, never inside a read or reap of this run's own processes. */
static void
task_done(struct task_run *r, bool ok, const char *message)
{
	r->done_ok = ok;
	free(r->done_message);
	r->done_message = message ? xstrdup(message) : NULL;
	if (!r->done_timer)
		r->done_timer = loop_add_timer(r->cfg.loop, 0, task_done_later, r);
}

static void
task_setup_failed(struct task_run *r, const char *message)
{
	r->step = TASK_EXEC;
	r->exit_code = TASK_SETUP_CODE;
	r->exited_sent = true;
	r->cfg.ev.exited(r->cfg.ev.ctx, TASK_SETUP_CODE, true, message);
}

static void
task_download_ended(struct task_run *r, int code)
{
	if (r->killing) {
		task_setup_failed(r, "stopped while downloading inputs");
		return;
	}
	if (code != 0) {
		task_setup_failed(r, "downloading inputs failed (see the [osmo] lines of the log)");
		return;
	}
	task_exec(r);
}

/* Appends the copy of one input to script; returns an error message or NULL. */
static char *
task_download_one(struct task_run *r, const struct spec_io *in, size_t i, struct strbuf *script)
{
	char *dst = xasprintf("%s/%zu", r->input, i);
	char *src = NULL, *what = NULL, *err = NULL;

	if (in->kind == SPEC_IO_TASK) {
		const char *owner = in->workflow_id
		                            ? in->workflow_id
		                            : r->cfg.ev.input_owner(r->cfg.ev.ctx, in->task);

		src = task_output_path(r->cfg.state_dir, owner ? owner : r->cfg.workflow_id,
		                       in->task);
		what = xasprintf("task %s%s%s", in->workflow_id ? in->workflow_id : "",
		                 in->workflow_id ? ":" : "", in->task);
	} else if (in->kind == SPEC_IO_DATASET) {
		char *tag;
		char *dir = task_dataset_dir(r, in->name, &tag);
		long v = task_dataset_version(dir, tag);
		const char *base = strrchr(dir, '/') + 1;

		if (v > 0) {
			src = xasprintf("%s/%ld", dir, v);
			what = xasprintf("dataset %s version %ld", in->name, v);
			free(dst);
			dst = xasprintf("%s/%zu/%s", r->input, i, base);
		} else {
			err = xasprintf("dataset %s is not in the local dataset store (%s)",
			                in->name, dir);
		}
		free(tag);
		free(dir);
	} else if (in->kind == SPEC_IO_URL) {
		src = task_local_url(r, in->url);
		what = xasprintf("%s", in->url);
		if (!src)
			err = xasprintf("osmo-local cannot download %s: only local paths and "
			                "file:// URLs are supported",
			                in->url);
	}
	if (!err && src) {
		char *msg = xasprintf("Downloading input %zu from %s", i, what);

		strbuf_addstr(script, "echo ");
		task_sh_quote(script, msg);
		strbuf_addstr(script, " && ");
		task_sh_copy(script, src, dst);
		strbuf_addch(script, '\n');
		free(msg);
	}
	free(src);
	free(what);
	free(dst);
	return err;
}

static void
task_download(struct task_run *r)
{
	const struct spec_task *t = r->cfg.task;
	struct strbuf script = { 0 };

	r->step = TASK_DOWNLOAD;
	if (r->killing) {
		task_setup_failed(r, "stopped before the task started");
		return;
	}
	for (size_t i = 0; i < t->ncheckpoints; i++) {
		char *url = task_substitute(r, t->checkpoints[i].url);
		char *local = task_local_url(r, url);
		char *err =
		        local ? NULL
		              : xasprintf("osmo-local cannot copy checkpoints to %s: only local "
		                          "paths and file:// URLs are supported",
		                          url);

		free(local);
		free(url);
		if (err) {
			task_osmo_line(r, "%s", err);
			task_setup_failed(r, err);
			free(err);
			return;
		}
	}
	strbuf_addstr(&script, "set -e\n");
	for (size_t i = 0; i < t->ninputs; i++) {
		char *err = task_download_one(r, &t->inputs[i], i, &script);

		if (err) {
			task_osmo_line(r, "%s", err);
			task_setup_failed(r, err);
			free(err);
			strbuf_free(&script);
			return;
		}
	}
	if (t->ninputs == 0 || task_script(r, &r->main, script.buf, task_download_ended) < 0)
		task_exec(r);
	strbuf_free(&script);
}

/*
 * Creates rel under the directory dir, making missing directories, and opens it for writing;
 * -1 with errno. No symlink and no ".." is followed, so nothing lands outside dir.
 */
static int
task_create_beneath(const char *dir, const char *rel)
{
	char *copy = xstrdup(rel), *save = NULL;
	char *part = strtok_r(copy, "/", &save);
	int at = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd = -1;

	if (at >= 0 && !part)
		errno = EINVAL;
	while (at >= 0 && part) {
		char *next = strtok_r(NULL, "/", &save);
		int sub;

		if (strcmp(part, "..") == 0) {
			errno = EPERM;
			break;
		}
		if (!next) {
			/* A new file: whatever an earlier step left here is replaced, never written
			 * through (a symlink, a hard link, a FIFO). */
			unlinkat(at, part, 0);
			fd = openat(at, part, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			            0755);
			break;
		}
		if (mkdirat(at, part, 0755) < 0 && errno != EEXIST)
			break;
		sub = openat(at, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(at);
		at = sub;
		part = next;
	}
	if (at >= 0)
		close(at);
	free(copy);
	return fd;
}

/*
 * A substituted file path relative to the run's directory, NULL if it is not under it:
 * declared paths and tokens lead there, and a relative path starts in root/, the command's
 * working directory.
 */
static char *
task_file_place(const struct task_run *r, const char *path)
{
	size_t n = strlen(r->cfg.run_dir);
	char *full = path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s", r->root, path);
	char *rel = strncmp(full, r->cfg.run_dir, n) == 0 && full[n] == '/' ? xstrdup(full + n + 1)
	                                                                    : NULL;

	free(full);
	return rel;
}

/* Writes the task's files under root/, tokens substituted; an error message or NULL. */
static char *
task_write_files(struct task_run *r)
{
	const struct spec_task *t = r->cfg.task;

	for (size_t i = 0; i < t->nfiles; i++) {
		const struct spec_file *f = &t->files[i];
		char *path = task_substitute(r, f->path);
		char *rel = task_file_place(r, path);
		struct strbuf body = { 0 };
		char *err = NULL;
		int fd;

		if (!rel) {
			err = xasprintf("file %s would be written outside the task's directory",
			                f->path);
		} else if (!f->contents) {
			err = xasprintf(
			        "file %s has no contents (localpath %s is read by the client)",
			        f->path, f->localpath ? f->localpath : "?");
		} else if (f->base64) {
			if (task_b64_decode(f->contents, &body) < 0)
				err = xasprintf("file %s: contents are not valid base64", f->path);
		} else {
			char *s = task_substitute(r, f->contents);

			strbuf_addstr(&body, s);
			free(s);
		}
		if (!err) {
			fd = task_create_beneath(r->cfg.run_dir, rel);
			if (fd < 0 ||
			    (body.len && write(fd, body.buf, body.len) != (ssize_t)body.len))
				err = xasprintf("cannot write %s: %s", path, strerror(errno));
			if (fd >= 0)
				close(fd);
		}
		strbuf_free(&body);
		free(rel);
		free(path);
		if (err)
			return err;
	}
	return NULL;
}

static void
task_exec_ended(struct task_run *r, int code)
{
	loop_remove(r->cfg.loop, r->ckpt_timer);
	r->ckpt_timer = 0;
	r->exit_code = code;
	r->exited_sent = true;
	r->cfg.ev.exited(r->cfg.ev.ctx, code, false, NULL);
}

static void task_checkpoint(void *ctx);

/* The environment: ours, then the spec's, then the submission's, then OSMO's names. */
static void
task_env(const struct task_run *r, struct strv *env)
{
	const struct spec_task *t = r->cfg.task;
	struct strv add = { 0 };

	for (size_t i = 0; i < t->environment.n; i++) {
		char *v = task_substitute(r, t->environment.v[i].value);

		strv_push_owned(&add, xasprintf("%s=%s", t->environment.v[i].key, v));
		free(v);
	}
	for (size_t i = 0; r->cfg.env_vars && i < r->cfg.env_vars->n; i++)
		strv_push(&add, r->cfg.env_vars->v[i]);
	strv_push_owned(&add, xasprintf("OSMO_WORKFLOW_ID=%s", r->cfg.workflow_id));
	strv_push_owned(&add, xasprintf("OSMO_TASK_NAME=%s", t->name));
	strv_push_owned(&add, xasprintf("OSMO_RETRY_ID=%d", r->cfg.retry_id));
	strv_push_owned(&add, xasprintf("OSMO_OUTPUT_DIR=%s", r->output));
	for (char **e = environ; *e; e++) {
		size_t klen = strcspn(*e, "=");
		bool overridden = false;

		for (size_t i = 0; i < add.n && !overridden; i++)
			overridden = strncmp(add.v[i], *e, klen + 1) == 0;
		if (!overridden)
			strv_push(env, *e);
	}
	for (size_t i = 0; i < add.n; i++)
		strv_push(env, add.v[i]);
	strv_push_owned(env, NULL);
	strv_free(&add);
}

static void
task_exec(struct task_run *r)
{
	const struct spec_task *t = r->cfg.task;
	struct strv argv = { 0 }, env = { 0 };
	char *err;

	r->step = TASK_EXEC;
	if (r->killing) {
		task_setup_failed(r, "stopped before the command started");
		return;
	}
	err = task_write_files(r);
	if (err) {
		task_osmo_line(r, "%s", err);
		task_setup_failed(r, err);
		free(err);
		return;
	}
	for (size_t i = 0; i < t->command.n; i++)
		strv_push_owned(&argv, task_substitute(r, t->command.v[i]));
	for (size_t i = 0; i < t->args.n; i++)
		strv_push_owned(&argv, task_substitute(r, t->args.v[i]));
	strv_push_owned(&argv, NULL);
	task_env(r, &env);
	if (task_proc_start(r, &r->main, argv.v, env.v, false, task_exec_ended) < 0) {
		task_setup_failed(r, "the command could not be started");
	} else {
		r->exec_started = true;
		r->cfg.ev.started(r->cfg.ev.ctx);
		if (t->ncheckpoints)
			r->ckpt_timer =
			        loop_add_timer(r->cfg.loop, t->checkpoints[0].frequency * 1000,
			                       task_checkpoint, r);
	}
	strv_free(&argv);
	strv_free(&env);
}

const char *
task_run_root(const struct task_run *r)
{
	return r->root;
}

void
task_run_env(const struct task_run *r, struct strv *env)
{
	task_env(r, env);
}

/* The copy of every checkpoint path to its url, as one script. */
static char *
task_checkpoint_script(struct task_run *r)
{
	const struct spec_task *t = r->cfg.task;
	struct strbuf sb = { 0 };

	strbuf_addstr(&sb, "");
	for (size_t i = 0; i < t->ncheckpoints; i++) {
		char *src = task_substitute(r, t->checkpoints[i].path);
		char *url = task_substitute(r, t->checkpoints[i].url);
		char *dst = task_local_url(r, url);

		if (dst) {
			strbuf_addstr(&sb, "if [ -e ");
			task_sh_quote(&sb, src);
			strbuf_addstr(&sb, " ]; then ");
			task_sh_copy(&sb, src, dst);
			strbuf_addstr(&sb, " && printf 'Checkpoint: copied %s to %s\\n' ");
			task_sh_quote(&sb, t->checkpoints[i].path);
			strbuf_addch(&sb, ' ');
			task_sh_quote(&sb, url);
			strbuf_addstr(&sb, "; fi\n");
		}
		free(src);
		free(url);
		free(dst);
	}
	return strbuf_detach(&sb);
}

static void task_finish_step(struct task_run *r);

static void
task_checkpoint_ended(struct task_run *r, int code)
{
	if (code != 0 && !r->killing)
		task_osmo_line(r, "checkpoint copy failed with exit code %d", code);
	if (r->finishing) {
		task_finish_step(r);
		return;
	}
	if (r->step == TASK_EXEC && !r->killing)
		r->ckpt_timer =
		        loop_add_timer(r->cfg.loop, r->cfg.task->checkpoints[0].frequency * 1000,
		                       task_checkpoint, r);
}

/* Starts a checkpoint copy; false when there is nothing to copy. */
static bool
task_checkpoint_start(struct task_run *r)
{
	char *script = task_checkpoint_script(r);
	bool started = *script && task_script(r, &r->ckpt, script, task_checkpoint_ended) == 0;

	free(script);
	return started;
}

static void
task_checkpoint(void *ctx)
{
	struct task_run *r = ctx;

	r->ckpt_timer = 0;
	if (!r->ckpt.live && !r->killing && !task_checkpoint_start(r))
		task_checkpoint_ended(r, 0);
}

static void
task_upload_ended(struct task_run *r, int code)
{
	r->step = TASK_DONE;
	if (code != 0)
		task_done(r, false, "uploading outputs failed (see the [osmo] lines of the log)");
	else
		task_done(r, true, NULL);
}

/* Appends one copy from the run's output to dst with a log line. */
static void
task_upload_copy(struct strbuf *sb, const char *src, const char *dst, const char *what)
{
	task_sh_copy(sb, src, dst);
	strbuf_addstr(sb, " && echo ");
	task_sh_quote(sb, what);
	strbuf_addch(sb, '\n');
}

/* The upload script, or NULL with *err set for an output osmo-local cannot write. */
static char *
task_upload_script(struct task_run *r, char **err)
{
	const struct spec_task *t = r->cfg.task;
	char *published = task_output_path(r->cfg.state_dir, r->cfg.workflow_id, t->name);
	struct strbuf sb = { 0 };

	*err = NULL;
	strbuf_addstr(&sb, "set -e\nrm -rf ");
	task_sh_quote(&sb, published);
	strbuf_addch(&sb, '\n');
	task_upload_copy(&sb, r->output, published, "Uploaded output for downstream tasks");
	free(published);
	for (size_t i = 0; i < t->noutputs && !*err; i++) {
		const struct spec_io *o = &t->outputs[i];

		if (o->kind == SPEC_IO_URL) {
			char *dst = task_local_url(r, o->url);

			if (!dst)
				*err = xasprintf(
				        "osmo-local cannot upload to %s: only local paths and "
				        "file:// URLs are supported",
				        o->url);
			else
				task_upload_copy(&sb, r->output, dst, "Uploaded output to the url");
			free(dst);
		} else if (o->kind == SPEC_IO_DATASET || o->kind == SPEC_IO_UPDATE_DATASET) {
			char *tag;
			char *dir = task_dataset_dir(r, o->name, &tag);
			long v = task_dataset_latest(dir) + 1;
			char *dst = xasprintf("%s/%ld", dir, v);
			char *what = xasprintf("Uploaded dataset %s version %ld", o->name, v);

			task_upload_copy(&sb, r->output, dst, what);
			if (tag && !strchr(tag, '/')) {
				strbuf_addstr(&sb, "mkdir -p ");
				task_sh_quote(&sb, dir);
				strbuf_addf(&sb, "/tags && echo %ld > ", v);
				task_sh_quote(&sb, dir);
				strbuf_addstr(&sb, "/tags/");
				task_sh_quote(&sb, tag);
				strbuf_addch(&sb, '\n');
			}
			free(what);
			free(dst);
			free(dir);
			free(tag);
		}
	}
	if (*err) {
		strbuf_free(&sb);
		return NULL;
	}
	return strbuf_detach(&sb);
}

/* After the command: a last checkpoint, then outputs when publishing, then done(). */
static void
task_finish_step(struct task_run *r)
{
	char *script, *err;

	if (r->ckpt.live || r->main.live)
		return; /* their ends call back here */
	if (r->cfg.task->ncheckpoints && r->exec_started && !r->last_ckpt && !r->killing) {
		r->last_ckpt = true;
		if (task_checkpoint_start(r))
			return;
	}
	r->step = TASK_UPLOAD;
	if (!r->publish) {
		r->step = TASK_DONE;
		task_done(r, true, NULL);
		return;
	}
	script = task_upload_script(r, &err);
	if (!script) {
		task_osmo_line(r, "%s", err ? err : "cannot upload outputs");
		r->step = TASK_DONE;
		task_done(r, false, err);
		free(err);
		return;
	}
	if (task_script(r, &r->main, script, task_upload_ended) < 0) {
		r->step = TASK_DONE;
		task_done(r, false, "the upload could not be started");
	}
	free(script);
}

void
task_run_finish(struct task_run *r, bool publish)
{
	r->finishing = true;
	r->publish = publish;
	loop_remove(r->cfg.loop, r->ckpt_timer);
	r->ckpt_timer = 0;
	task_finish_step(r);
}

static void
task_kill_hard(void *ctx)
{
	struct task_run *r = ctx;

	r->kill_timer = 0;
	if (r->main.live)
		runner_kill(&r->main.p, SIGKILL);
	if (r->ckpt.live)
		runner_kill(&r->ckpt.p, SIGKILL);
}

void
task_run_kill(struct task_run *r, bool force)
{
	r->killing = true;
	loop_remove(r->cfg.loop, r->ckpt_timer);
	r->ckpt_timer = 0;
	if (force) {
		task_kill_hard(r);
		return;
	}
	if (r->main.live)
		runner_kill(&r->main.p, SIGTERM);
	if (r->ckpt.live)
		runner_kill(&r->ckpt.p, SIGTERM);
	if (!r->kill_timer)
		r->kill_timer = loop_add_timer(r->cfg.loop, TASK_KILL_GRACE_MS, task_kill_hard, r);
}

void
task_run_reap(struct task_run *r)
{
	struct task_proc *procs[] = { &r->main, &r->ckpt };

	for (size_t i = 0; i < ARRAY_SIZE(procs); i++) {
		if (!procs[i]->live)
			continue;
		runner_reap(&procs[i]->p);
		task_proc_check(procs[i]);
	}
}

void
task_stop_leftover(const char *run_dir)
{
	char *path = xasprintf("%s/pid", run_dir);
	char *proc_cwd, *root = xasprintf("%s/root", run_dir);
	char cwd[4096];
	FILE *f = fopen(path, "r");
	long pid = 0;
	ssize_t n;

	if (f) {
		if (fscanf(f, "%ld", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	free(path);
	if (pid <= 1) {
		free(root);
		return;
	}
	/* Only a process still inside this run's directory: the pid may have been reused. */
	proc_cwd = xasprintf("/proc/%ld/cwd", pid);
	n = readlink(proc_cwd, cwd, sizeof(cwd) - 1);
	if (n > 0) {
		cwd[n] = '\0';
		if (strcmp(cwd, root) == 0)
			runner_stop_orphan((pid_t)pid);
	}
	free(proc_cwd);
	free(root);
}

static void
task_setup_later(void *ctx)
{
	struct task_run *r = ctx;

	r->start_timer = 0;
	task_download(r);
}

struct task_run *
task_run_start(const struct task_run_config *cfg)
{
	struct task_run *r = xcalloc(1, sizeof(*r));
	const struct spec_task *t = cfg->task;

	r->cfg = *cfg;
	/* The owner's strings may move (retries grow its arrays); keep copies. */
	r->cfg.run_dir = r->own[0] = xstrdup(cfg->run_dir);
	r->cfg.workflow_id = r->own[1] = xstrdup(cfg->workflow_id);
	r->cfg.task_uuid = r->own[2] = xstrdup(cfg->task_uuid);
	r->cfg.state_dir = r->own[3] = xstrdup(cfg->state_dir);
	r->root = xasprintf("%s/root", cfg->run_dir);
	r->input = xasprintf("%s/input", cfg->run_dir);
	r->output = xasprintf("%s/output", cfg->run_dir);
	for (size_t i = 0; i < t->nfiles; i++)
		task_add_path(r, t->files[i].path);
	for (size_t i = 0; i < t->ncheckpoints; i++)
		task_add_path(r, t->checkpoints[i].path);
	util_mkdirs(r->root, 0755);
	util_mkdirs(r->input, 0755);
	util_mkdirs(r->output, 0755);
	for (size_t i = 0; i < r->to.n; i++) {
		bool is_file = false;

		for (size_t k = 0; k < t->nfiles && !is_file; k++)
			is_file = strcmp(t->files[k].path, r->from.v[i]) == 0;
		if (!is_file)
			util_mkdirs(r->to.v[i], 0755);
	}
	/* Start from the loop, so the owner's bookkeeping is in place before any callback. */
	r->start_timer = loop_add_timer(cfg->loop, 0, task_setup_later, r);
	return r;
}

void
task_run_free(struct task_run *r)
{
	if (!r)
		return;
	struct task_proc *procs[] = { &r->main, &r->ckpt };

	for (size_t i = 0; i < ARRAY_SIZE(procs); i++) {
		if (!procs[i]->live)
			continue;
		runner_kill(&procs[i]->p, SIGKILL);
		if (procs[i]->p.pid > 0 && !procs[i]->p.exited)
			waitpid(procs[i]->p.pid, NULL, 0);
		for (int k = 1; k < 3; k++)
			loop_remove(r->cfg.loop, procs[i]->watch[k]);
		runner_free(&procs[i]->p);
	}
	loop_remove(r->cfg.loop, r->start_timer);
	loop_remove(r->cfg.loop, r->done_timer);
	free(r->done_message);
	loop_remove(r->cfg.loop, r->ckpt_timer);
	loop_remove(r->cfg.loop, r->kill_timer);
	strv_free(&r->from);
	strv_free(&r->to);
	for (size_t i = 0; i < ARRAY_SIZE(r->own); i++)
		free(r->own[i]);
	free(r->root);
	free(r->input);
	free(r->output);
	free(r);
}
