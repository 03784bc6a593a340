#!/usr/bin/env bash
# list_filters.sh: `osmo workflow list` with --label, --no-label and --app against osmo-local,
# which selects as the service's helpers.get_workflows does (helpers.py:117-168, 51-84).
. "$(dirname "$0")/lib.sh"

interop_server -- --dev-auth
interop_dev_login

# submit_id LABEL...: submits plain.yaml with these labels; prints the workflow ID.
submit_id() {
	local args=() l
	for l in "$@"; do args+=(--label "$l"); done
	cli workflow submit "$specs/plain.yaml" "${args[@]}" > "$tmp/submit" &&
		sed -n 's/^Workflow ID *- //p' "$tmp/submit"
}
vision=$(submit_id team=ml_vision stage=prod)
nlp=$(submit_id team=ml_nlp stage=dev)
bare=$(submit_id)

# listed WANT ARGS...: the IDs `osmo workflow list -t json ARGS` shows, sorted, are WANT.
listed() {
	local want=$1
	shift
	run_cli list 0 workflow list -t json "$@" || return 1
	got=$(sed -n 's/^      "name": "\(.*\)",$/\1/p' "$tmp/list" | sort | xargs)
	[ "$got" = "$want" ] || { echo "listed: '$got', wanted '$want'"; return 1; }
}
check "no filter: all three" listed "$(printf '%s\n' "$vision" "$nlp" "$bare" | sort | xargs)"
check "--label team=ml_vision" listed "$vision" --label team=ml_vision
check "--label 'team=ml_*': a wildcard" listed "$(printf '%s\n' "$vision" "$nlp" | sort | xargs)" \
	--label 'team=ml_*'
check "--label 'team=ml_(vision|cv)': alternatives" listed "$vision" --label 'team=ml_(vision|cv)'
check "--label 'team=*' --label stage=dev: both" listed "$nlp" --label 'team=*' --label stage=dev
check "--no-label team" listed "$bare" --no-label team
check "--no-label owner: all three" listed "$(printf '%s\n' "$vision" "$nlp" "$bare" | sort | xargs)" \
	--no-label owner

# osmo-local runs no apps, so an app filter leaves nothing.
no_app() {
	run_cli app 0 workflow list --app trainer:2 && grep -qx 'There are no workflows to view.' "$tmp/app"
}
check "--app trainer:2: none" no_app

# An app name the service cannot parse: OSMOUserError (common.py AppStructure), exit 2.
bad_app() {
	run_cli badapp 2 workflow list --app 'no such!' &&
		grep -q '^Error message: Name and Version can only consist of' "$tmp/badapp"
}
check "--app 'no such!': a user error" bad_app

# The CLI checks selectors itself but sends no_label keys as they are: the service's USAGE
# error, which the CLI counts as a submission error (exit 1).
bad_no_label() {
	run_cli badkey 1 workflow list --no-label 'bad key' &&
		grep -qxF 'Error message: Workflow label key "bad key" has an invalid name segment.' \
			"$tmp/badkey"
}
check "--no-label 'bad key': 400 USAGE, exit 1" bad_no_label

cli_checks_selector() {
	run_cli badsel 2 workflow list --label 'team=(ml' &&
		grep -qxF 'Error message: Workflow label selector alternatives must use (value|value) format.' \
			"$tmp/badsel"
}
check "--label 'team=(ml': refused by the CLI itself, exit 2" cli_checks_selector

interop_done
