#!/usr/bin/env bash
# pool_list.sh: NVIDIA's own `osmo pool list` reads osmo-local's GET /api/pool_quota: the one
# pool with its task slots (used by a running workflow) and the machine in its description.
. "$(dirname "$0")/lib.sh"

interop_server -- --slots 3 --dev-auth
interop_dev_login

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

interop_done
