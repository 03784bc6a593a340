#!/bin/sh
# fuzz.sh: runs each libFuzzer target for FUZZ_SECONDS on a corpus seeded from the repository;
# fails naming the target and the input that crashed it.
# Usage: fuzz.sh TARGET...   (BUILD: the fuzz build directory; FUZZ_SECONDS: each target's time)
set -u
build=${BUILD:-build/fuzz}
seconds=${FUZZ_SECONDS:-30}
failed=""
for t in "$@"; do
	bin=$build/bin/fuzz_$t
	corpus=$build/corpus/$t
	art=$build/artifacts/$t
	mkdir -p "$corpus" "$art"
	# The seeds of tests/fuzz/seeds.txt join what earlier runs found; nothing is written back.
	for f in $(awk -v t="$t" '$1 == t { $1 = ""; print }' tests/fuzz/seeds.txt); do
		[ -f "$f" ] && cp "$f" "$corpus/seed-$(basename "$f")"
	done
	echo "== fuzz: $t (${seconds}s)"
	# One worker, bounded in time and memory; a slow input is a finding, as a crash is.
	if ! "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$art/" "$corpus" >"$build/$t.log" 2>&1; then
		found=$(sed -n 's/.*Test unit written to //p' "$build/$t.log" | tail -1)
		tail -40 "$build/$t.log" >&2
		echo "fuzz: $t failed on ${found:-no saved input} (log: $build/$t.log)" >&2
		[ -n "$found" ] && echo "  reproduce: $bin $found" >&2
		failed="$failed $t"
		continue
	fi
	# "#51933 DONE cov: 464 ft: 1475 corp: 262/378Kb lim: 11679 exec/s: 2473 rss: 505Mb"
	sed -n 's/^#\([0-9]*\)[[:space:]]*DONE[[:space:]]*\(cov: [0-9]* ft: [0-9]*\).*\(exec\/s: [0-9]*\).*/  \1 runs, \2, \3/p' \
		"$build/$t.log"
done
if [ -n "$failed" ]; then
	echo "fuzz: FAILED:$failed" >&2
	exit 1
fi
echo "fuzz: $# targets ran clean for ${seconds}s each"
