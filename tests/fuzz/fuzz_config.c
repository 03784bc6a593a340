/* fuzz_config.c: config.yaml read over the defaults, then dumped as --dump-config does. */
#include <stdlib.h>

#include "common/util.h"
#include "fuzz.h"
#include "tui/config.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	struct strv args = { 0 };
	char *err = NULL;

	config_init(&c);
	if (config_load(&c, fuzz_file(data, size), &err) == 0) {
		free(config_dump(&c));
		config_local_args(&c, &args);
		strv_free(&args);
	}
	free(err);
	config_free(&c);
	return 0;
}
