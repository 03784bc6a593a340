#!/usr/bin/env bash
# resubmit.sh: `osmo workflow submit WORKFLOW_ID` re-runs a workflow's stored spec with its
# labels, each --label set over them (workflow_service.py:366-372, objects.py:974-993).
. "$(dirname "$0")/lib.sh"

interop_server -- --dev-auth
interop_dev_login
# The CLI takes its argument for a workflow ID only when no such file exists.
cd "$tmp"

# labels_of WF: the Labels line of `osmo workflow query WF`.
labels_of() { cli workflow query "$1" > "$tmp/query" && sed -n 's/^Labels *: //p' "$tmp/query"; }

cli workflow submit "$specs/labeled.yaml" --label owner=jdoe > "$tmp/first"
first=$(sed -n 's/^Workflow ID *- //p' "$tmp/first")

# resubmitted WANT ARGS...: `osmo workflow submit $first ARGS` makes a workflow labelled WANT.
resubmitted() {
	local want=$1 wf got
	shift
	run_cli again 0 workflow submit "$first" "$@" || return 1
	wf=$(sed -n 's/^Workflow ID *- //p' "$tmp/again")
	got=$(labels_of "$wf")
	[ "$got" = "$want" ] || { echo "labels of $wf: '$got', wanted '$want'"; return 1; }
}
check "the source's labels: $first" resubmitted 'owner=jdoe, stage=dev, team=ml'
check "--label stage=prod --label cost=low over them" resubmitted \
	'cost=low, owner=jdoe, stage=prod, team=ml' --label stage=prod --label cost=low

bad_label() {
	run_cli bad 1 workflow submit "$first" --label 'bad key=x' &&
		grep -qx 'Error message: Workflow labeled submit failed:' "$tmp/bad" &&
		grep -qxF 'Workflow label key "bad key" has an invalid name segment.' "$tmp/bad"
}
check "--label 'bad key=x': refused as for a file" bad_label

interop_done
