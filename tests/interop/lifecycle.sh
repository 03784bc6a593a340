#!/usr/bin/env bash
# lifecycle.sh: a workflow's life through NVIDIA's own osmo CLI against osmo-local: version,
# a templated submit with labels, pool and priority, list and its paging, events, the
# templated spec, tags, a forced cancel, a restart of a failed workflow, and osmotop showing
# the status the CLI shows (workflow_service.py, helpers.py, cli/workflow.py).
. "$(dirname "$0")/lib.sh"

interop_server -- --dev-auth
interop_dev_login
# The CLI takes its argument for a workflow ID only when no such file exists.
cd "$tmp"

# The CLI's own Python reads its JSON output.
py=$(sed -n 's/^exec "\(.*\)" -P .*/\1/p' "$osmo")
# jget FILE EXPR: prints EXPR of the JSON in $tmp/FILE as j (a str as is, else JSON).
jget() {
	"$py" -c 'import json, sys
j = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))' "$tmp/$1" "$2"
}
# is WANT FILE EXPR: EXPR of $tmp/FILE's JSON is WANT.
is() {
	local got
	got=$(jget "$2" "$3") || return 1
	[ "$got" = "$1" ] || { echo "$3 of $2: '$got', wanted '$1'"; return 1; }
}
wf_of() { sed -n 's/^Workflow ID *- //p' "$tmp/$1"; }
status_of() { cli workflow query "$1" -t json > "$tmp/st" && jget st 'j["status"]'; }

# wait_status WF STATUS: polls the CLI's query until WF has STATUS (bounded: 20 s).
wait_status() {
	for _ in $(seq 100); do
		[ "$(status_of "$1")" = "$2" ] && return 0
		sleep 0.2
	done
	echo "$1 is $(status_of "$1"), not $2"
	return 1
}

version_ok() {
	run_cli version 0 version &&
		grep -qx 'OSMO client version:  6.4.0' "$tmp/version" &&
		grep -Eq '^OSMO service version: [0-9]' "$tmp/version"
}
check "osmo version: the client's and the service's" version_ok

# A templated spec: the CLI has the service render it (dry run) with --set, then submits.
submit_templated() {
	run_cli submit 0 workflow submit "$top/examples/template.yaml" --set num_tasks=2 \
		model_type=vit --label team=ml --label stage=dev --pool default --priority LOW &&
		[ "$(wf_of submit)" = ml-training-1 ] &&
		grep -qx 'WARNING: LOW priority can be preempted during the run.' "$tmp/submit"
}
check "submit template.yaml --set --label --pool default --priority LOW" submit_templated

# WorkflowQueryResponse's labels, priority and pool (objects.py:566-588); --set made 2 tasks.
query_shows() {
	wait_status ml-training-1 COMPLETED &&
		run_cli q 0 workflow query ml-training-1 -v -t json > /dev/null &&
		is '{"stage": "dev", "team": "ml"}' q 'j["labels"]' &&
		is LOW q 'j["priority"]' && is default q 'j["pool"]' && is jdoe q 'j["submitted_by"]' &&
		is '["train-model-0", "train-model-1"]' q '[t["name"] for g in j["groups"] for t in g["tasks"]]'
}
check "osmo workflow query -v -t json: labels, priority LOW, pool default" query_shows

cli workflow submit "$top/examples/serial.yaml" > "$tmp/serial"
cli workflow submit "$top/examples/failure.yaml" > "$tmp/failure"
serial=$(wf_of serial)
failure=$(wf_of failure)

# list: oldest at the top by default (the CLI asks for DESC and reverses, workflow.py:1093-1150).
list_all() {
	run_cli list 0 workflow list -t json > /dev/null &&
		is "[\"ml-training-1\", \"$serial\", \"$failure\"]" list '[w["name"] for w in j["workflows"]]' &&
		is '["LOW", "NORMAL", "NORMAL"]' list '[w["priority"] for w in j["workflows"]]' &&
		is '{"stage": "dev", "team": "ml"}' list 'j["workflows"][0]["labels"]'
}
check "osmo workflow list -t json: the three, oldest first" list_all

# paged COUNT OFFSET WANT [ARGS...]: --count/--offset skip the newest first (server order),
# then the page is shown oldest first unless --order desc.
paged() {
	run_cli page 0 workflow list -t json --count "$1" --offset "$2" "${@:4}" > /dev/null &&
		is "$3" page '[w["name"] for w in j["workflows"]]'
}
check "--count 2 --offset 0: the two newest" paged 2 0 "[\"$serial\", \"$failure\"]"
check "--count 1 --offset 2: the oldest" paged 1 2 '["ml-training-1"]'
check "-c 2 -f 1 --order desc: newest at the top" paged 2 1 "[\"$serial\", \"ml-training-1\"]" \
	--order desc
check "--offset past the end: no workflows" paged 5 3 '[]'

events_ok() {
	run_cli events 0 workflow events ml-training-1 &&
		head -1 "$tmp/events" | grep -qx 'Workflow ml-training-1 has events:' &&
		grep -q '\[train-model-0\]' "$tmp/events" && grep -q '\[train-model-1\]' "$tmp/events" &&
		tail -1 "$tmp/events" | grep -q 'COMPLETED'
}
check "osmo workflow events of a finished workflow" events_ok

# --template: the file as uploaded (uploaded_templated_spec, workflow.py:803); a spec without
# template markers keeps none, and the service falls back to the spec (helpers.py:414-424).
template_spec() {
	run_cli tspec 0 workflow spec --template ml-training-1 > /dev/null &&
		diff "$top/examples/template.yaml" "$tmp/tspec"
}
check "osmo workflow spec --template: the template as submitted" template_spec
plain_template() {
	cli workflow submit "$specs/plain.yaml" > "$tmp/plain" &&
		run_cli ptspec 0 workflow spec --template "$(wf_of plain)" > /dev/null &&
		run_cli pspec 0 workflow spec "$(wf_of plain)" > /dev/null && diff "$tmp/pspec" "$tmp/ptspec"
}
check "osmo workflow spec --template of an untemplated spec: its spec" plain_template

# tag: without -w the tags an admin allows (GET api/tag); add and remove are per workflow.
tags_listed() { run_cli tags 0 workflow tag && head -1 "$tmp/tags" | grep -qx 'Tags:' && grep -qx -- '- nightly' "$tmp/tags"; }
check "osmo workflow tag: the tags that may be set" tags_listed
tags_added() {
	run_cli tag 0 workflow tag -w "$serial" --add nightly debug &&
		grep -qx "Workflow $serial updated." "$tmp/tag" &&
		cli workflow query "$serial" -t json > "$tmp/tq" && is '["debug", "nightly"]' tq 'sorted(j["tags"])' &&
		run_cli tagged 0 workflow list -t json --tags nightly > /dev/null &&
		is "[\"$serial\"]" tagged '[w["name"] for w in j["workflows"]]'
}
check "tag --add nightly debug: on the workflow, list --tags finds it" tags_added
tags_removed() {
	run_cli tag 0 workflow tag -w "$serial" --remove debug &&
		cli workflow query "$serial" -t json > "$tmp/tq" && is '["nightly"]' tq 'j["tags"]'
}
check "tag --remove debug" tags_removed
# The service refuses a tag no admin set (helpers.py:482); the CLI prints its message and exits 0
# (_tag_workflows catches OSMOUserError): recorded as the CLI does it.
tag_refused() {
	run_cli badtag 0 workflow tag -w "$serial" --add bogus &&
		grep -q '^Invalid tag detected. Users can only set specified tags: ' "$tmp/badtag" &&
		cli workflow query "$serial" -t json > "$tmp/tq" && is '["nightly"]' tq 'j["tags"]'
}
check "tag --add bogus: refused (the CLI exits 0)" tag_refused

# cancel --force -m: each task's failure message is the service's plus the message
# (jobs.py:1677-1679), the workflow FAILED_CANCELED by jdoe.
cli workflow submit "$specs/sleeper.yaml" > "$tmp/sleeper"
sleeper=$(wf_of sleeper)
cancel_ok() {
	wait_status "$sleeper" RUNNING &&
		run_cli cancel 0 workflow cancel --force -m 'no longer needed' "$sleeper" &&
		grep -qx "Cancel job for workflow $sleeper is submitted!" "$tmp/cancel" &&
		wait_status "$sleeper" FAILED_CANCELED &&
		cli workflow query "$sleeper" -t json > "$tmp/cq" && is jdoe cq 'j["cancelled_by"]' &&
		is '["Task was canceled by user: jdoe. no longer needed"]' cq \
			'[t["failure_message"] for g in j["groups"] for t in g["tasks"]]'
}
check "osmo workflow cancel --force -m: FAILED_CANCELED with the message" cancel_ok
# Without --force a finished workflow is refused (workflow_service.py:571-573); the CLI prints
# the refusal and exits 0 (_cancel_workflow catches OSMOUserError): recorded as it does.
cancel_finished() {
	run_cli cancel2 0 workflow cancel ml-training-1 &&
		grep -qx 'Workflow cancelation failed for workflow ml-training-1: Workflow ml-training-1 is already finished.' \
			"$tmp/cancel2"
}
check "cancel of a finished workflow: refused (the CLI exits 0)" cancel_finished

# restart: a new workflow of the same name, its parent the failed one, only the groups that
# failed rerun (workflow_service.py:478-540): health-check completed and is left out.
restart_ok() {
	wait_status "$failure" FAILED &&
		run_cli restart 0 workflow restart "$failure" &&
		grep -qx "Workflow $failure restarted." "$tmp/restart" &&
		[ "$(wf_of restart)" = failure-triage-2 ] &&
		wait_status failure-triage-2 FAILED &&
		cli workflow query failure-triage-2 -t json > "$tmp/rq" &&
		is failure-triage rq 'j["parent_name"]' && is 1 rq 'j["parent_job_id"]' &&
		is '["fetch-data-group", "process-data-group"]' rq '[g["name"] for g in j["groups"]]'
}
check "osmo workflow restart of a failed workflow: failure-triage-2" restart_ok
# A restart of a COMPLETED workflow is refused with error_code SUBMISSION, which the CLI does
# not count among its SubmissionErrorCodes (client.py:171-183): an OSMOUserError, exit 2.
restart_completed() {
	run_cli restart2 2 workflow restart "$serial" &&
		grep -q '^Error message: Restart can only be used on FAILED workflows: ' "$tmp/restart2"
}
check "restart of a COMPLETED workflow: refused, exit 2" restart_completed

# osmotop, on the same osmo-local with its access token, shows the status the CLI does.
top_agrees() {
	local want got
	want=$(status_of "$1") || return 1
	"$top/$build/bin/osmotop" --snapshot --ascii --url "$url" --token-file "$tmp/state/access_token" \
		--view workflow "$1" > "$tmp/top" || return 1
	got=$(sed -n "1s/^osmotop - $1 - . \([A-Z_]*\) - .*/\1/p" "$tmp/top")
	[ "$got" = "$want" ] || { head -1 "$tmp/top"; echo "osmotop: '$got', the CLI: '$want'"; return 1; }
}
check "osmotop and the CLI: ml-training-1" top_agrees ml-training-1
check "osmotop and the CLI: $sleeper" top_agrees "$sleeper"
check "osmotop and the CLI: failure-triage-2" top_agrees failure-triage-2

interop_done
