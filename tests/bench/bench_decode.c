/* bench_decode.c: times client/decode.c's decode_workflow (and cJSON's, yajl's parse alone) on a file. */
#include "bench.h"
#include "client/decode.h"
#include "client/model.h"
#include "common/util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <yajl/yajl_parse.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* One round of the decoder; the model is freed inside the timing, as a poll frees the old one. */
static int
bench_decode_model(const char *body, size_t len)
{
	struct osmo_workflow wf;
	struct api_error err = { 0 };

	if (decode_workflow(body, len, &wf, &err) < 0) {
		fprintf(stderr, "bench_decode: %s\n", err.message);
		return -1;
	}
	osmo_workflow_free(&wf);
	return 0;
}

/* The JSON library alone: the floor under any decoder built on it. */
static int
bench_decode_cjson(const char *body, size_t len)
{
	cJSON *root = cJSON_ParseWithLength(body, len);

	if (!root)
		return -1;
	cJSON_Delete(root);
	return 0;
}

/* yajl's tokenizer with nothing done per value: the floor under the decoder without a tree. */
static int
bench_decode_yajl(const char *body, size_t len)
{
	static const yajl_callbacks none = { 0 };
	yajl_handle h = yajl_alloc(&none, NULL, NULL);
	int rc = yajl_parse(h, (const unsigned char *)body, len) == yajl_status_ok &&
	                         yajl_complete_parse(h) == yajl_status_ok
	                 ? 0
	                 : -1;

	yajl_free(h);
	return rc;
}

static const struct {
	const char *name;
	int (*run)(const char *body, size_t len);
} bench_decode_modes[] = {
	{ "model", bench_decode_model },
	{ "cjson", bench_decode_cjson },
	{ "yajl", bench_decode_yajl },
};

int
main(int argc, char **argv)
{
	size_t mode = 0, len;
	long rounds = argc == 4 ? strtol(argv[3], NULL, 10) : 0;

	while (argc == 4 && mode < ARRAY_SIZE(bench_decode_modes) &&
	       strcmp(argv[1], bench_decode_modes[mode].name) != 0)
		mode++;
	if (argc != 4 || mode == ARRAY_SIZE(bench_decode_modes) || rounds < 1) {
		fprintf(stderr, "usage: bench_decode model|cjson|yajl FILE ROUNDS\n"
		                "  prints one line per round: milliseconds MB/s; then maxrss_kb\n");
		return 2;
	}
	char *body = util_read_file(argv[2], &len);

	if (!body) {
		perror(argv[2]);
		return 1;
	}
	for (long i = 0; i < rounds; i++) {
		double t0 = bench_now_ms();

		if (bench_decode_modes[mode].run(body, len) < 0) {
			free(body);
			return 1;
		}
		double ms = bench_now_ms() - t0;

		printf("%.3f %.1f\n", ms, (double)len / 1e6 / (ms / 1e3));
	}
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	printf("maxrss_kb %ld\n", ru.ru_maxrss);
	free(body);
	return 0;
}
