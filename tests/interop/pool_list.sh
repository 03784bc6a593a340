#!/usr/bin/env bash
# pool_list.sh: NVIDIA's own `osmo pool list` reads osmo-local's GET /api/pool_quota: the one
# pool with its task slots (used by a running workflow) and the machine in its description.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-build}
osmo=$top/$build/osmo-cli/bin/osmo
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

cli() { OSMO_CONFIG_FILE_DIR=$tmp/cfg timeout 60 "$osmo" "$@"; }

mkfifo "$tmp/out"
"$top/$build/bin/osmo-local" --listen 127.0.0.1:0 --state "$tmp/state" --phase-ms 0 --slots 3 \
	--dev-auth > "$tmp/out" 2> "$tmp/server.err" &
server_pid=$!
read -r line < "$tmp/out" || true
url=${line##*listening on }
case "$url" in http://*) ;; *) echo "osmo-local did not start: $(cat "$tmp/server.err")" >&2; exit 1 ;; esac
mkdir -p "$tmp/cfg"
cli login "$url" --method dev --username jdoe > /dev/null

# Two one-task groups that sleep: two of the three slots are held while they run.
cat > "$tmp/sleep.yaml" << 'SPEC'
workflow:
  name: sleepers
  tasks:
  - name: a
    image: ubuntu
    command: [sleep, "20"]
  - name: b
    image: ubuntu
    command: [sleep, "20"]
SPEC

# The CLI's output goes to a file before grep reads it (grep -q would break its pipe).
idle_ok() {
	cli pool list > "$tmp/idle" && cat "$tmp/idle" &&
		grep -Eq '^default +osmo-local: this machine, 3 task slots, [0-9]+ CPUs, [0-9.]+ GiB memory, [0-9]+ GPUs? +ONLINE +0 +3 +0 +3 *$' "$tmp/idle"
}
check "osmo pool list: 0 of 3 slots used" idle_ok

busy_ok() {
	cli workflow submit "$tmp/sleep.yaml" > /dev/null
	for _ in $(seq 50); do
		cli pool list > "$tmp/busy"
		grep -Eq 'ONLINE +2 +3 +2 +3 *$' "$tmp/busy" && cat "$tmp/busy" && return 0
		sleep 0.2
	done
	cat "$tmp/busy"
	return 1
}
check "osmo pool list: a running workflow holds 2 of 3 slots" busy_ok

free_ok() { cli pool list --mode free > "$tmp/free" && cat "$tmp/free" && grep -Eq 'ONLINE +1 +1 *$' "$tmp/free"; }
check "osmo pool list --mode free: 1 free" free_ok

json_ok() {
	cli pool list --pool default -t json > "$tmp/json" &&
		grep -q '"quota_limit": "3"' "$tmp/json" && grep -q '"backend": "osmo-local"' "$tmp/json"
}
check "osmo pool list --pool default -t json" json_ok

none_ok() { cli pool list --pool other > "$tmp/none" && grep -q 'Pools other not found' "$tmp/none"; }
check "osmo pool list --pool other: not found" none_ok

echo "interop: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
