#!/bin/sh
# check-layers.sh BUILD FILE...: compiles each tests/layers/LAYER_{ok,bad}_*.c against LAYER's
# include root only; an "ok" file must compile and a "bad" one must not (it crosses a layer).
set -u
build=$1
shift
passed=0
failed=0
for f in "$@"; do
	name=$(basename "$f" .c)
	layer=${name%%_*}
	want=${name#*_}
	want=${want%%_*}
	if ${CC:-cc} -std=c11 -D_XOPEN_SOURCE=700 -fsyntax-only -I"$build/inc/$layer" \
		$(pkg-config --cflags libcurl libcjson 2>/dev/null) "$f" 2> "$build/layers.err"; then
		got=ok
	else
		got=bad
	fi
	if [ "$got" = "$want" ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "layers: $f: expected it to be $want, but it was $got" >&2
		cat "$build/layers.err" >&2
	fi
done
echo "layers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
