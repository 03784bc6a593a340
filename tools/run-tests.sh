#!/bin/sh
# run-tests.sh: runs test binaries one by one, each bounded in time; fails if any fails.
# Usage: run-tests.sh LAYER BINARY...
layer=$1; shift
failed=""
total=0
for t in "$@"; do
	total=$((total + 1))
	echo "== $layer: $(basename "$t")"
	if ! timeout -k 5 120 "$t"; then
		failed="$failed $(basename "$t")"
	fi
done
if [ -n "$failed" ]; then
	echo "$layer: FAILED:$failed" >&2
	exit 1
fi
echo "$layer: $total binaries passed"
