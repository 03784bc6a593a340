/* engine_state.c: the engine's state directory: workflow.json saved, loaded, set aside. */
#include "server/engine_impl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/encode.h"

#define ENGINE_STATE_RETRY_MS 100  /* the first retry of a failed save; doubles from there */
#define ENGINE_STATE_MAX_MS   5000 /* the longest wait between retries */

/* Flushes the directory that holds path, so a rename in it survives a crash. */
static int
engine_state_sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = fd < 0 || fsync(fd) < 0 ? -1 : 0;
	int saved = errno;

	if (fd >= 0)
		close(fd);
	free(dir);
	errno = saved;
	return rc;
}

/*
 * Writes data to path through a temporary file and rename, so a crash leaves old or new;
 * durable: the file and the rename are on disk before it returns. 0, or -1 with errno set.
 */
static int
engine_state_write_file(const char *path, const char *data, size_t n, bool durable)
{
	char *tmp = xasprintf("%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int rc = fd < 0 ? -1 : 0, saved;
	size_t off = 0;

	while (rc == 0 && off < n) {
		ssize_t w = write(fd, data + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			errno = w < 0 ? errno : EIO;
			rc = -1;
			break;
		}
		off += (size_t)w;
	}
	if (rc == 0 && durable && fsync(fd) < 0)
		rc = -1;
	saved = errno;
	/* close() reports write errors some file systems hold back until then. */
	if (fd >= 0 && close(fd) < 0 && rc == 0) {
		saved = errno;
		rc = -1;
	}
	if (rc == 0 && rename(tmp, path) < 0) {
		saved = errno;
		rc = -1;
	}
	if (rc == 0 && durable && engine_state_sync_dir(path) < 0) {
		saved = errno;
		rc = -1;
	}
	if (rc < 0 && fd >= 0)
		unlink(tmp);
	free(tmp);
	errno = saved;
	return rc;
}

/* A file beside the record (a spec copy, an error log): a failure is said, not retried. */
void
engine_state_write_aside(const char *path, const char *data, size_t n)
{
	if (engine_state_write_file(path, data, n, false) < 0)
		fprintf(stderr, "osmo-local: cannot write %s: %s\n", path, strerror(errno));
}

/*
 * Writes w's record; a finished one is flushed to disk, as it will not change again. Returns
 * 0, or -1 with w still dirty, the failure said once on stderr and kept for engine_health.
 */
static int
engine_state_save(struct engine_wf *w)
{
	struct engine *e = w->e;
	char *json = encode_state(&w->rec);
	char *path = xasprintf("%s/workflow.json", w->dir);
	int rc = engine_state_write_file(path, json, strlen(json), engine_done(w->rec.status));

	if (rc < 0) {
		free(e->save_error);
		e->save_error = xasprintf("%s: %s", path, strerror(errno));
		if (!w->save_failed)
			fprintf(stderr, "osmo-local: cannot save workflow %s: %s; retrying\n",
			        w->rec.id, e->save_error);
		w->save_failed = true;
	} else {
		if (w->save_failed)
			fprintf(stderr, "osmo-local: saved workflow %s after a failure\n",
			        w->rec.id);
		w->save_failed = false;
		w->dirty = false;
	}
	free(path);
	free(json);
	return rc;
}

/*
 * Saves the dirty records. Ones that failed before wait for e->save_due, which backs off
 * from ENGINE_STATE_RETRY_MS to ENGINE_STATE_MAX_MS while saves keep failing.
 */
void
engine_state_save_dirty(struct engine *e, int64_t now)
{
	bool retry = e->save_due && now >= e->save_due;
	size_t failed = 0;

	for (size_t i = 0; i < e->n; i++) {
		struct engine_wf *w = e->wfs[i];

		if (w->dirty && (!w->save_failed || retry))
			engine_state_save(w);
		failed += w->dirty && w->save_failed;
	}
	e->unsaved = failed;
	if (!failed) {
		e->save_due = 0;
		e->save_backoff_ms = 0;
		free(e->save_error);
		e->save_error = NULL;
	} else if (retry || !e->save_due) {
		e->save_backoff_ms =
		        e->save_backoff_ms ? e->save_backoff_ms * 2 : ENGINE_STATE_RETRY_MS;
		if (e->save_backoff_ms > ENGINE_STATE_MAX_MS)
			e->save_backoff_ms = ENGINE_STATE_MAX_MS;
		e->save_due = now + e->save_backoff_ms;
	}
}

/* The last chance to save w (osmo-local is stopping): a failure leaves the older record. */
void
engine_state_save_last(struct engine_wf *w)
{
	if (!w->dirty || engine_state_save(w) == 0)
		return;
	fprintf(stderr, "osmo-local: workflow %s stays as last saved: %s\n", w->rec.id,
	        w->e->save_error);
	w->dirty = false; /* said once: nothing will try again */
}

static int
engine_state_next_job(const struct engine *e, const char *name)
{
	int job = 0;

	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->wfs[i]->rec.name, name) == 0 && e->wfs[i]->rec.job > job)
			job = e->wfs[i]->rec.job;
	return job + 1;
}

/*
 * Creates the directory of name's next job; one already there (a record set aside as corrupt,
 * or never saved) keeps its ID, so its logs are never appended to. NULL with err filled.
 */
char *
engine_state_claim_dir(const struct engine *e, const char *name, int *job, struct engine_error *err)
{
	for (*job = engine_state_next_job(e, name);; (*job)++) {
		char *dir = xasprintf("%s/workflows/%s-%d", e->state_dir, name, *job);

		if (mkdir(dir, 0700) == 0)
			return dir;
		if (errno != EEXIST) {
			engine_set_error(err, 500, NULL,
			                 xasprintf("cannot create %s: %s", dir, strerror(errno)));
			free(dir);
			return NULL;
		}
		free(dir);
	}
}

/*
 * Sets a record that cannot be read aside as workflow.json.corrupt and says so; its directory
 * and logs stay, so its ID is never given again (engine_state_claim_dir).
 */
static void
engine_state_quarantine(const char *json_path, const char *why)
{
	char *aside = xasprintf("%s.corrupt", json_path);

	if (rename(json_path, aside) == 0)
		fprintf(stderr, "osmo-local: %s: %s; set aside as %s, its ID is not reused\n",
		        json_path, why ? why : "unreadable", aside);
	else
		fprintf(stderr, "osmo-local: %s: %s; not loaded (cannot set it aside: %s)\n",
		        json_path, why ? why : "unreadable", strerror(errno));
	free(aside);
}

/* Loads one workflow directory; NULL when it holds nothing usable. */
static struct engine_wf *
engine_state_load_one(struct engine *e, const char *dir)
{
	char *json_path = xasprintf("%s/workflow.json", dir);
	size_t len = 0;
	char *json = util_read_file(json_path, &len);
	struct engine_wf *w = NULL;
	char *perr = NULL;

	if (!json && errno != ENOENT)
		fprintf(stderr, "osmo-local: %s: %s; not loaded, its ID stays taken\n", json_path,
		        strerror(errno));
	if (json) {
		w = xcalloc(1, sizeof(*w));
		w->e = e;
		w->forced = OSMO_UNKNOWN;
		w->dir = xstrdup(dir);
		if (encode_state_parse(json, len, &w->rec, &perr) < 0) {
			engine_state_quarantine(json_path, perr);
			free(perr);
			free(w->dir);
			free(w);
			w = NULL;
		}
	}
	/* Outputs a run lacks are its parent's (a restart dropped their groups). */
	if (w && w->rec.parent_name)
		w->reuse_from = xasprintf("%s-%d", w->rec.parent_name, w->rec.parent_job_id);
	free(json);
	free(json_path);
	return w;
}

static int
engine_state_cmp_submit(const void *a, const void *b)
{
	const struct engine_wf *x = *(struct engine_wf *const *)a;
	const struct engine_wf *y = *(struct engine_wf *const *)b;

	if (x->rec.submit_ms != y->rec.submit_ms)
		return x->rec.submit_ms < y->rec.submit_ms ? -1 : 1;
	return strcmp(x->rec.id, y->rec.id);
}

int
engine_state_load(struct engine *e, struct engine_error *err)
{
	char *root = xasprintf("%s/workflows", e->state_dir);
	DIR *d;
	struct dirent *de;

	if (util_mkdirs(root, 0700) < 0 || !(d = opendir(root))) {
		engine_set_error(err, 500, NULL, xasprintf("%s: %s", root, strerror(errno)));
		free(root);
		return -1;
	}
	while ((de = readdir(d))) {
		char *dir;
		struct engine_wf *w;

		if (de->d_name[0] == '.')
			continue;
		dir = xasprintf("%s/%s", root, de->d_name);
		w = engine_state_load_one(e, dir);
		if (w)
			engine_add(e, w);
		free(dir);
	}
	closedir(d);
	free(root);
	if (e->n)
		qsort(e->wfs, e->n, sizeof(*e->wfs), engine_state_cmp_submit);
	for (size_t i = 0; i < e->n; i++)
		e->recs[i] = &e->wfs[i]->rec;
	return 0;
}

static char *
engine_state_profiles_path(const struct engine *e)
{
	return xasprintf("%s/profiles.json", e->state_dir);
}

void
engine_state_load_profiles(struct engine *e)
{
	char *path = engine_state_profiles_path(e);
	size_t len = 0;
	char *json = util_read_file(path, &len), *why = NULL;

	if (json && encode_profiles_parse(json, len, &e->profiles, &why) < 0) {
		char *aside = xasprintf("%s.corrupt", path);

		/* As a workflow record that cannot be read: said, kept aside, not lost. */
		fprintf(stderr, "osmo-local: %s: %s; set aside as %s\n", path, why, aside);
		if (rename(path, aside) < 0)
			fprintf(stderr, "osmo-local: cannot rename %s: %s\n", path,
			        strerror(errno));
		free(aside);
	}
	free(why);
	free(json);
	free(path);
}

int
engine_state_save_profiles(const struct engine *e)
{
	char *path = engine_state_profiles_path(e);
	char *json = encode_profiles(&e->profiles);
	int rc = engine_state_write_file(path, json, strlen(json), true);
	int saved = errno;

	free(json);
	free(path);
	errno = saved;
	return rc;
}
