#!/usr/bin/env bash
# submit_errors.sh: specs osmo-local refuses, as NVIDIA's CLI shows the refusals: template, YAML
# and schema errors are USAGE (the CLI's submission errors: "Workflow NAME submit failed:",
# exit 1), a name too long is USER (exit 2), as the service raises them.
. "$(dirname "$0")/lib.sh"

interop_server -- --dev-auth
interop_dev_login

# The CLI sends yaml.dump of the file it read (cli/workflow.py:810-811), keys sorted: `bogus`,
# on line 8 of the file, is on line 4 of what osmo-local was sent, and that is where it points.
schema_submit() {
	run_cli schema 1 workflow submit "$specs/unknown-field.yaml" &&
		grep -qx 'Error message: Workflow unknown-field submit failed:' "$tmp/schema" &&
		grep -qx "workflow.yaml:4:5: unknown field 'bogus' in task 'a'" "$tmp/schema"
}
check "osmo workflow submit: a schema error is a submission error (exit 1)" schema_submit

schema_validate() {
	run_cli validate 1 workflow validate "$specs/unknown-field.yaml" &&
		grep -qx "Error message: workflow.yaml:4:5: unknown field 'bogus' in task 'a'" \
			"$tmp/validate"
}
check "osmo workflow validate: the same error, exit 1" schema_validate

# A templated file goes to the dry run as written: its line is the file's own. The dry run is
# outside the CLI's "submit failed" wrapper (cli/workflow.py:785-789), so no workflow is named.
template_submit() {
	run_cli template 1 workflow submit "$specs/bad-template.yaml" &&
		grep -q '^Error message: workflow.yaml:7:29: ' "$tmp/template" &&
		! grep -q 'submit failed' "$tmp/template"
}
check "osmo workflow submit: a template error, exit 1" template_submit

# validate_name runs once the schema passed and raises OSMOUserError (postgres.py:2623-2626).
long_name() {
	local name
	name=n$(printf '%.0sx' $(seq 64))
	printf 'workflow:\n  name: %s\n  tasks:\n  - name: a\n    image: x\n    command: [true]\n' \
		"$name" > "$tmp/long.yaml"
	run_cli long 2 workflow submit "$tmp/long.yaml" &&
		grep -q "^Error message: workflow.yaml:2:9: Name ${name:0:64}... is too long" "$tmp/long" &&
		! grep -q 'submit failed' "$tmp/long"
}
check "osmo workflow submit: a name too long is a user error (exit 2)" long_name

interop_done
