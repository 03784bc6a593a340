/* fuzz.c: helpers the fuzz targets share: the input as text, the input as a file. */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "fuzz.h"

/* The scratch file fuzz_file writes; made once, removed at exit. */
static char fuzz_path[64];

/* tmpfs when there is one: targets write their scratch files on every input. */
static const char *
fuzz_tmp(void)
{
	return access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
}

static int
fuzz_unlink(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
fuzz_remove(void)
{
	unlink(fuzz_path);
}

char *
fuzz_text(const uint8_t *data, size_t size)
{
	char *s = xmalloc(size + 1);

	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

const char *
fuzz_file(const uint8_t *data, size_t size)
{
	int fd;

	if (!fuzz_path[0]) {
		snprintf(fuzz_path, sizeof(fuzz_path), "%s/osmotop-fuzz-XXXXXX", fuzz_tmp());
		fd = mkstemp(fuzz_path);
		if (fd < 0)
			abort();
		close(fd);
		atexit(fuzz_remove);
	}
	fd = open(fuzz_path, O_WRONLY | O_TRUNC);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	close(fd);
	return fuzz_path;
}

char *
fuzz_mkdir(void)
{
	char *dir = xasprintf("%s/osmotop-fuzz-XXXXXX", fuzz_tmp());

	if (!mkdtemp(dir))
		abort();
	return dir;
}

void
fuzz_rmdir(char *dir)
{
	nftw(dir, fuzz_unlink, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}
