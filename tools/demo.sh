#!/bin/sh
# demo.sh: submits seed workflows with `osmotop run --local`, which starts osmo-local in the
# background with its state under $BUILD/demo-state (never the user's own), then opens the
# monitor on them (in a terminal; elsewhere it prints frames and stops the service).
set -eu
build=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
case "$build" in /*) ;; *) build=$top/$build ;; esac
osmotop=$build/bin/osmotop
# XDG wants an absolute path; osmotop keeps the service's pid, URL and log under it.
XDG_STATE_HOME=$build/demo-state
export XDG_STATE_HOME
# Each demo starts from empty state, unless a terminal demo's service still runs: reuse that.
"$osmotop" local status > /dev/null 2>&1 || rm -rf "$XDG_STATE_HOME"

if [ -t 0 ] && [ -t 1 ]; then
	for spec in failure checkpoint long_training; do
		# Through a pipe, run only submits; the last one opens the monitor.
		"$osmotop" run --local "$top/examples/$spec.yaml" | sed -n 's/^Workflow ID - /submitted /p'
	done
	echo "Opening osmotop on examples/pipeline.yaml: Esc goes to the list, Enter opens,"
	echo "d shows the DAG, Enter on a task follows its log, C cancels (try long-training-1),"
	echo "? lists every key, q quits."
	"$osmotop" run --local "$top/examples/pipeline.yaml" || true
	echo
	echo "osmo-local keeps running, so the workflows do. To watch them again, and to stop it:"
	echo "    XDG_STATE_HOME=$XDG_STATE_HOME $osmotop --local"
	echo "    XDG_STATE_HOME=$XDG_STATE_HOME $osmotop local stop"
	exit 0
fi

trap '"$osmotop" local stop > /dev/null 2>&1 || true' EXIT
for spec in pipeline failure; do
	echo "== osmotop run --local --wait examples/$spec.yaml"
	"$osmotop" run --local --wait "$top/examples/$spec.yaml" || true
	echo
done
echo "== osmotop --local --snapshot (the workflow list)"
"$osmotop" --local --snapshot
echo
echo "== osmotop local stop"
"$osmotop" local stop
