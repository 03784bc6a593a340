#!/bin/sh
# run-e2e.sh: runs every tests/e2e/*.sh scenario (tmux-driven); each bounds its own time.
# Prints each scenario's wall time. E2E_TRACE=1 traces every wait.
set -u
dir=$(dirname "$0")/../tests/e2e
failed=""
total=0
began=$(date +%s)
# The scenarios keep what osmotop caches in their own directories: none may add to the user's.
cache=${XDG_STATE_HOME:-$HOME/.local/state}/osmotop/cache
cached() { ls "$cache" 2>/dev/null | wc -l; }
cached_before=$(cached)
for t in "$dir"/*.sh; do
	[ -e "$t" ] || continue
	case "$(basename "$t")" in lib.sh) continue ;; esac
	total=$((total + 1))
	echo "== e2e: $(basename "$t")"
	start=$(date +%s)
	timeout -k 5 180 sh "$t" || failed="$failed $(basename "$t")"
	echo "== e2e: $(basename "$t") took $(($(date +%s) - start))s"
done
[ "$(cached)" -le "$cached_before" ] ||
	failed="$failed (osmotop cached under $cache: a scenario ran without its own XDG_STATE_HOME)"
if [ -n "$failed" ]; then
	echo "e2e: FAILED:$failed" >&2
	exit 1
fi
echo "e2e: $total scenarios passed in $(($(date +%s) - began))s"
