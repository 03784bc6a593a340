#!/usr/bin/env bash
# labels.sh: workflow labels through NVIDIA's CLI: a spec's labels with --label set over them,
# and keys and values Kubernetes would refuse refused at submit with 400 USAGE, in the
# service's words (objects.py:974-993, lib/utils/workflow_labels.py:50-143).
. "$(dirname "$0")/lib.sh"

interop_server -- --dev-auth
interop_dev_login

merged() {
	local wf
	run_cli submit 0 workflow submit "$specs/labeled.yaml" --label stage=prod --label owner=jdoe ||
		return 1
	wf=$(sed -n 's/^Workflow ID *- //p' "$tmp/submit")
	run_cli query 0 workflow query "$wf" &&
		grep -qx 'Labels      : owner=jdoe, stage=prod, team=ml' "$tmp/query"
}
check "osmo workflow submit --label: set over the spec's labels" merged

# refused OUT SPEC WORKFLOW MESSAGE ARGS...: submit fails as a submission error naming WORKFLOW.
refused() {
	local out=$1 spec=$2 wf=$3 msg=$4
	shift 4
	run_cli "$out" 1 workflow submit "$spec" "$@" &&
		grep -qx "Error message: Workflow $wf submit failed:" "$tmp/$out" &&
		grep -qxF "$msg" "$tmp/$out"
}
check "--label 'bad key=x': an invalid name segment" refused badkey "$specs/labeled.yaml" labeled \
	'Workflow label key "bad key" has an invalid name segment.' --label 'bad key=x'
check "--label foo=: an empty value" refused empty "$specs/labeled.yaml" labeled \
	'Workflow label value "" is not a valid non-empty Kubernetes label value.' --label foo=
check "--label foo: not key=value" refused noeq "$specs/labeled.yaml" labeled \
	'Workflow labels must use key=value format.' --label foo
check "a spec's own label key with a space" refused speckey "$specs/bad-labels.yaml" bad-labels \
	'Workflow label key "bad key" has an invalid name segment.'

too_many() {
	local args=() i
	for i in $(seq 15); do args+=(--label "k$i=v"); done
	refused many "$specs/labeled.yaml" labeled 'Workflows can have at most 16 labels.' "${args[@]}"
}
check "17 labels in all: at most 16" too_many

# validate checks them the same way; its request is outside the CLI's "submit failed" wrapper.
validate_refused() {
	run_cli validate 1 workflow validate "$specs/labeled.yaml" --label 'bad key=x' &&
		grep -qxF 'Error message: Workflow label key "bad key" has an invalid name segment.' \
			"$tmp/validate"
}
check "osmo workflow validate --label 'bad key=x': refused, exit 1" validate_refused

interop_done
