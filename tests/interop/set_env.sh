#!/usr/bin/env bash
# set_env.sh: `osmo workflow submit --set-env` sets the variables in every task's environment
# of the spec the service keeps (workflow_service.py:395-414, objects.py:1207-1208), so
# `osmo workflow spec` shows them and a resubmit runs with them.
. "$(dirname "$0")/lib.sh"

interop_server -- --dev-auth
interop_dev_login
cd "$tmp"

# The service splits each item on every '=' and takes the second part: MODE=a=b sets MODE=a.
cli workflow submit "$specs/greeter.yaml" --set-env GREETING=bonjour MODE=a=b > "$tmp/submit"
wf=$(sed -n 's/^Workflow ID *- //p' "$tmp/submit")
wait_ended "$wf"

ran_with() {
	run_cli logs 0 workflow logs "$1" && grep -q '\[a\] GREETING=bonjour MODE=a$' "$tmp/logs"
}
check "the task ran with --set-env over its own value" ran_with "$wf"

kept() {
	run_cli spec 0 workflow spec "$wf" &&
		grep -Eqx ' +GREETING: bonjour' "$tmp/spec" && grep -Eqx ' +MODE: a' "$tmp/spec"
}
check "osmo workflow spec: the environment as it ran" kept

resubmit() {
	local again
	run_cli again 0 workflow submit "$wf" || return 1
	again=$(sed -n 's/^Workflow ID *- //p' "$tmp/again")
	wait_ended "$again" && ran_with "$again"
}
check "a resubmit by ID runs with them too" resubmit

interop_done
