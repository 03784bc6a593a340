/* fuzz.c: helpers the fuzz targets share: the input as text, the input as a file. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "fuzz.h"

/* The scratch file fuzz_file writes; made once, removed at exit. */
static char fuzz_path[64];

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
		/* tmpfs when there is one: a target rewrites its file every run. */
		snprintf(fuzz_path, sizeof(fuzz_path), "%s/osmotop-fuzz-XXXXXX",
		         access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
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
