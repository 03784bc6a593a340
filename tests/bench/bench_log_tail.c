/* bench_log_tail.c: times client/log_tail.c ingesting a million log lines in stream-sized pieces. */
#include "bench.h"
#include "client/log_tail.h"
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define BENCH_LOG_TAIL_BLOCK_LINES 1000
#define BENCH_LOG_TAIL_PIECE       16384 /* what curl hands a write callback at most */

/* Lines shaped as a training task's log: timestamp, task, rank, step, loss. */
static void
bench_log_tail_block(struct strbuf *sb)
{
	for (int i = 0; i < BENCH_LOG_TAIL_BLOCK_LINES; i++)
		strbuf_addf(sb,
		            "2026/08/18 14:%02d:%02d [worker-%d] [rank%d] step %d/100000 "
		            "loss=%.4f lr=3.0e-04 tokens/s=%d\n",
		            i / 60 % 60, i % 60, i % 16, i % 8, i * 7, 2.5 / (1 + i % 97),
		            18000 + i % 997);
}

int
main(int argc, char **argv)
{
	long lines = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
	long rounds = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
	long ring = argc > 3 ? strtol(argv[3], NULL, 10) : 0;
	struct strbuf block = { 0 };

	if (argc != 4 || lines < BENCH_LOG_TAIL_BLOCK_LINES || rounds < 1 || ring < 1) {
		fprintf(stderr,
		        "usage: bench_log_tail LINES ROUNDS RING\n"
		        "  prints one line per round: milliseconds lines/s; then maxrss_kb\n");
		return 2;
	}
	bench_log_tail_block(&block);
	for (long r = 0; r < rounds; r++) {
		struct log_tail lt;
		double t0 = bench_now_ms();

		log_tail_init(&lt, (size_t)ring);
		for (long n = 0; n < lines; n += BENCH_LOG_TAIL_BLOCK_LINES)
			for (size_t off = 0; off < block.len; off += BENCH_LOG_TAIL_PIECE) {
				size_t take = block.len - off;

				if (take > BENCH_LOG_TAIL_PIECE)
					take = BENCH_LOG_TAIL_PIECE;
				log_tail_feed(&lt, block.buf + off, take);
			}
		log_tail_finish(&lt);
		double ms = bench_now_ms() - t0;

		if (lt.appended !=
		    (uint64_t)(lines / BENCH_LOG_TAIL_BLOCK_LINES * BENCH_LOG_TAIL_BLOCK_LINES)) {
			fprintf(stderr, "bench_log_tail: %llu lines stored\n",
			        (unsigned long long)lt.appended);
			return 1;
		}
		printf("%.3f %.0f\n", ms, (double)lt.appended / (ms / 1e3));
		log_tail_free(&lt);
	}
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	printf("maxrss_kb %ld\n", ru.ru_maxrss);
	strbuf_free(&block);
	return 0;
}
