/*
 * cache.c: the last answers of the workflows and lists looked at, kept under $XDG_STATE_HOME
 * so a monitor opened again (a new SSH session) draws at once, marked as cached, then
 * refreshes.
 */
#include "tui/cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"

/* A name for a service or a query that is a file name, whatever it holds. */
static uint64_t
cache_hash(const char *s)
{
	return util_fnv1a64(s, strlen(s));
}

/* $XDG_STATE_HOME/osmotop/cache/HASH (one per service: a token's user sees only its own). */
static char *
cache_dir(const char *service)
{
	char *rest = xasprintf("osmotop/cache/%016llx", (unsigned long long)cache_hash(service));
	char *dir = util_xdg_path("XDG_STATE_HOME", ".local/state", rest);

	free(rest);
	return dir;
}

/* A workflow ID as a file name: what is not a letter, digit, '-', '_' or '.' goes. */
static char *
cache_path(const char *dir, const char *what)
{
	char *name = xasprintf("%s.json", what);

	for (char *p = name; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.",
		            *p) ||
		    (p == name && *p == '.'))
			*p = '_';
	char *path = xasprintf("%s/%s", dir, name);

	free(name);
	return path;
}

char *
cache_list_name(const char *query)
{
	return xasprintf("list-%016llx", (unsigned long long)cache_hash(query ? query : ""));
}

/* Keeps the newest CACHE_FILES files of dir. */
static void
cache_prune(const char *dir)
{
	DIR *d = opendir(dir);
	const struct dirent *e;
	char *oldest = NULL;
	int64_t oldest_ms = 0;
	size_t n = 0;

	while (d && (e = readdir(d))) {
		struct stat st;
		char *path;

		if (e->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			int64_t ms =
			        (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;

			n++;
			if (!oldest || ms < oldest_ms) {
				free(oldest);
				oldest = path;
				oldest_ms = ms;
				continue;
			}
		}
		free(path);
	}
	if (d)
		closedir(d);
	/* One over at most: each save adds one. */
	if (n > CACHE_FILES && oldest)
		unlink(oldest);
	free(oldest);
}

void
cache_save(const char *service, const char *what, const char *raw, size_t len)
{
	char *dir = cache_dir(service), *path = NULL, *tmp = NULL;
	int fd = -1;

	if (!dir || util_mkdirs(dir, 0700) < 0)
		goto done;
	path = cache_path(dir, what);
	tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		goto done;
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, raw + off, len - off);

		if (w <= 0)
			goto done;
		off += (size_t)w;
	}
	if (close(fd) == 0 && rename(tmp, path) == 0) {
		free(tmp);
		tmp = NULL;
	}
	fd = -1;
	cache_prune(dir);
done:
	if (fd >= 0)
		close(fd);
	if (tmp)
		unlink(tmp);
	free(tmp);
	free(path);
	free(dir);
}

char *
cache_load(const char *service, const char *what, size_t *len, int64_t *saved_ms)
{
	char *dir = cache_dir(service), *path, *text;
	struct stat st;

	if (!dir)
		return NULL;
	path = cache_path(dir, what);
	text = stat(path, &st) == 0 && S_ISREG(st.st_mode) ? util_read_file(path, len) : NULL;
	if (text)
		*saved_ms = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
	free(path);
	free(dir);
	return text;
}
