#!/usr/bin/env bash
# checkpoint.sh: the checkpoint example through NVIDIA's CLI: its relative url is kept in this
# osmo-local's state directory (storage/), not in a path every osmo-local on the machine shares.
. "$(dirname "$0")/lib.sh"

interop_server -- --dev-auth
interop_dev_login

cli workflow submit "$top/examples/checkpoint.yaml" > "$tmp/submit"
wf=$(sed -n 's/^Workflow ID *- //p' "$tmp/submit")

completed() {
	wait_ended "$wf" && grep -q '"status": "COMPLETED"' "$tmp/query"
}
check "osmo workflow query: $wf COMPLETED" completed

copied() {
	run_cli logs 0 workflow logs "$wf" &&
		grep -q "Checkpoint: copied /tmp/checkpoints to checkpoints/$wf\$" "$tmp/logs" &&
		[ -f "$tmp/state/storage/checkpoints/$wf/step-3.pt" ]
}
check "osmo workflow logs: copied into the state's storage/" copied

interop_done
