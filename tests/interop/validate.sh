#!/usr/bin/env bash
# validate.sh: `osmo workflow validate` against osmo-local, whose answer comes from the same
# steps as a submit's (workflow_service.py:427-437).
. "$(dirname "$0")/lib.sh"

interop_server -- --dev-auth
interop_dev_login

# validate prints the service's text and then every warning, as submit does.
validate_warns() {
	cli workflow validate "$specs/warned.yaml" > "$tmp/validate" || return 1
	cat "$tmp/validate"
	head -1 "$tmp/validate" | grep -qx 'Workflow validation succeeded.' &&
		grep -qx 'WARNING: privileged (task a) is recorded but has no effect on osmo-local' \
			"$tmp/validate" &&
		grep -qx 'WARNING: hostNetwork (task b) is recorded but has no effect on osmo-local' \
			"$tmp/validate"
}
check "osmo workflow validate: the warnings a submit gives" validate_warns

same_as_submit() {
	cli workflow submit "$specs/warned.yaml" > "$tmp/submit" || return 1
	grep '^WARNING: ' "$tmp/validate" > "$tmp/validate.w"
	grep '^WARNING: ' "$tmp/submit" > "$tmp/submit.w"
	diff "$tmp/validate.w" "$tmp/submit.w" && [ -s "$tmp/submit.w" ]
}
check "osmo workflow submit: the same WARNING lines as validate" same_as_submit

interop_done
