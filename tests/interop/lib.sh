# lib.sh: what the interop scripts share (sourced, not run): NVIDIA's osmo CLI with its
# login.yaml in a scratch directory, osmo-local started and stopped by PID, counted checks.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-build}
osmo=$top/$build/osmo-cli/bin/osmo
specs=$top/tests/interop/specs
tmp=$(mktemp -d /tmp/osmo-interop-XXXXXX)
server_pid=""
passed=0
failed=0

cleanup() {
	[ -n "$server_pid" ] && kill "$server_pid" 2> /dev/null && wait "$server_pid" 2> /dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

check() { # check NAME COMMAND...: runs COMMAND, counts it
	if "${@:2}" > "$tmp/last.out" 2>&1; then
		echo "ok: $1"
		passed=$((passed + 1))
	else
		echo "FAILED: $1" >&2
		sed 's/^/  | /' "$tmp/last.out" >&2
		failed=$((failed + 1))
	fi
}

# The CLI as a user runs it, with its login.yaml in the scratch directory only.
cli() { OSMO_CONFIG_FILE_DIR=$tmp/cfg timeout 60 "$osmo" "$@"; }

# run_cli OUT WANT_RC ARGS...: the CLI's output in $tmp/OUT; true when it exited WANT_RC.
run_cli() {
	local out=$1 want=$2 rc=0
	shift 2
	cli "$@" > "$tmp/$out" 2>&1 || rc=$?
	cat "$tmp/$out"
	[ "$rc" -eq "$want" ] || { echo "exit $rc, wanted $want"; return 1; }
}

# wait_ended WF: polls the CLI's query until the workflow has ended (bounded: 20 s).
wait_ended() {
	for _ in $(seq 100); do
		cli workflow query "$1" -t json > "$tmp/query"
		grep -Eq '"status": "(COMPLETED|FAILED[A-Z_]*)"' "$tmp/query" && return 0
		sleep 0.2
	done
	return 1
}

# interop_server [VAR=VALUE...] -- [ARGS...]: osmo-local on 127.0.0.1 over $tmp/state with
# --phase-ms 0 and ARGS, in an environment with the VARs; sets url.
interop_server() {
	local envs=()

	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		envs+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	mkfifo "$tmp/out"
	env "${envs[@]}" "$top/$build/bin/osmo-local" --listen 127.0.0.1:0 --state "$tmp/state" \
		--phase-ms 0 "$@" > "$tmp/out" 2> "$tmp/server.err" &
	server_pid=$!
	read -r line < "$tmp/out" || true
	url=${line##*listening on }
	case "$url" in
	http://*) ;;
	*) echo "osmo-local did not start: $(cat "$tmp/server.err")" >&2; exit 1 ;;
	esac
}

# interop_dev_login: the CLI logged in as jdoe by dev login (osmo-local runs with --dev-auth).
interop_dev_login() {
	mkdir -p "$tmp/cfg"
	cli login "$url" --method dev --username jdoe > /dev/null
}

# interop_stop: stops osmo-local (by PID), so interop_server can start it again on its state.
interop_stop() {
	kill "$server_pid" && wait "$server_pid" || true
	server_pid=""
	rm -f "$tmp/out"
}

interop_done() {
	echo "interop: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
