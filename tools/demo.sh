#!/bin/sh
# demo.sh: starts osmo-local on a free loopback port, submits seed workflows with osmotop run
# and opens the monitor on them (in a terminal; elsewhere it prints frames instead).
set -eu
build=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
mkfifo "$tmp/out"
"$build/bin/osmo-local" --listen 127.0.0.1:0 --state "$tmp/state" > "$tmp/out" &
pid=$!
# The first line names the port; read blocks until it comes (or the server dies: EOF).
read -r line < "$tmp/out" || true
url=${line##*listening on }
case "$url" in http://*) ;; *) echo "demo: osmo-local did not start" >&2; exit 1 ;; esac
echo "osmo-local is serving $url (state in $tmp/state)"
echo
if [ -t 0 ] && [ -t 1 ]; then
	for spec in pipeline failure checkpoint; do
		"$build/bin/osmotop" run --url "$url" --user demo "$top/examples/$spec.yaml"
	done
	echo "Opening osmotop: Enter opens, d shows the DAG, Enter on a task follows its log,"
	echo "C cancels, ? lists every key, q quits."
	"$build/bin/osmotop" --url "$url" --user demo
	exit 0
fi
for spec in pipeline failure; do
	echo "== osmotop run --wait examples/$spec.yaml"
	"$build/bin/osmotop" run --url "$url" --user demo --wait "$top/examples/$spec.yaml" || true
	echo
done
echo "== osmotop --snapshot (the workflow list)"
"$build/bin/osmotop" --snapshot --url "$url" --user demo
