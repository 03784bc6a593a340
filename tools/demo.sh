#!/bin/sh
# demo.sh: submits seed workflows with `osmotop run --local`, which starts osmo-local in the
# background with its state under $BUILD/demo-state (never the user's own; DEMO_STATE moves
# it), then, in a terminal, opens the monitor on a fan-out slow enough to watch and stops the
# service at the end (DEMO_KEEP=1 keeps it); elsewhere it prints frames and stops it.
set -eu
build=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
case "$build" in /*) ;; *) build=$top/$build ;; esac
osmotop=$build/bin/osmotop
# XDG wants an absolute path; osmotop keeps the service's pid, URL and log under it.
XDG_STATE_HOME=${DEMO_STATE:-$build/demo-state}
export XDG_STATE_HOME
# Each demo starts from empty state, unless a terminal demo's service still runs: reuse that.
"$osmotop" local status > /dev/null 2>&1 || rm -rf "$XDG_STATE_HOME"

if [ -t 0 ] && [ -t 1 ]; then
	# Phases of a second and a half, so PROCESSING and INITIALIZING can be seen too.
	OSMO_LOCAL_PHASE_MS=${OSMO_LOCAL_PHASE_MS:-1500}
	export OSMO_LOCAL_PHASE_MS
	stop="XDG_STATE_HOME=$XDG_STATE_HOME $osmotop local stop"
	# The demo's osmo-local goes with the demo, unless DEMO_KEEP=1 keeps it for later.
	[ "${DEMO_KEEP:-0}" = 1 ] || trap '"$osmotop" local stop || true' EXIT
	for spec in failure checkpoint long_training; do
		# Through a pipe, run only submits; the last one opens the monitor.
		"$osmotop" run --local "$top/examples/$spec.yaml" | sed -n 's/^Workflow ID - /submitted /p'
	done
	cat <<-HINT

		Next: osmotop on examples/fanout.yaml, a fan-out that runs for about 25 s.
		  d      the DAG of groups (watch the three trainings run side by side)
		  Enter  a task's live log; Esc goes back, to the list at the top
		  C      cancels after asking: y does it (try long-training-1 in the list)
		  ?      every key;  q closes a view, and quits from the list;  Q quits
		When you quit, the demo stops its osmo-local (DEMO_KEEP=1 make demo keeps it;
		then: $stop).

	HINT
	printf 'Press Enter to open the monitor: '
	read -r _ || true
	"$osmotop" run --local "$top/examples/fanout.yaml" || true
	echo
	if [ "${DEMO_KEEP:-0}" = 1 ]; then
		echo "osmo-local keeps running, so the workflows do. To watch them again, and to stop it:"
		echo "    XDG_STATE_HOME=$XDG_STATE_HOME $osmotop --local"
		echo "    $stop"
	fi
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
