#!/usr/bin/env bash
# validate.sh: `osmo workflow validate` and `osmo workflow submit --dry-run` against osmo-local:
# a validation's answer comes from the same steps as a submit's (workflow_service.py:427-437), a
# dry run's is yaml.dump of the workflow as loaded, with its labels (388-392), and the spec
# kept is yaml.dump of {'version': 2, 'workflow': saved_spec()} (objects.py:1207-1208).
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

# The CLI's own Python and PyYAML write what the service would: yaml.dump of the workflow
# section, labels set over it.
py=$(sed -n 's/^exec "\(.*\)" -P .*/\1/p' "$osmo")
dump_as_service() { # dump_as_service SPEC K=V...
	"$py" -c 'import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))["workflow"]
if len(sys.argv) > 2 or "labels" in d:
    d["labels"] = dict(d.get("labels") or {}, **dict(a.split("=", 1) for a in sys.argv[2:]))
print(yaml.dump({"workflow": d}))' "$@"
}

dry_run() { # dry_run SPEC K=V...: the CLI's --dry-run with each K=V as a --label
	local labels=() l
	for l in "${@:2}"; do labels+=(--label "$l"); done
	run_cli dry 0 workflow submit --dry-run "$specs/$1" "${labels[@]}" || return 1
	dump_as_service "$specs/$1" "${@:2}" > "$tmp/want" && diff "$tmp/want" "$tmp/dry"
}
check "--dry-run: yaml.dump of the workflow" dry_run plain.yaml
check "--dry-run --label: with the labels set over the spec's" dry_run labeled.yaml owner=jdoe

# The dry run checks no schema: a templated spec with an unknown field renders, and the
# submit that follows is refused as a submission (lines 388-392, then objects.py:998-1011).
template_schema() {
	run_cli tschema 1 workflow submit "$specs/template-schema.yaml" &&
		grep -qx 'Error message: Workflow template-schema submit failed:' "$tmp/tschema" &&
		grep -q "unknown field 'bogus' in task 'a'" "$tmp/tschema"
}
check "a templated spec's schema error: the submit fails, not the dry run" template_schema

# What the service keeps: version 2, the top-level task as a group of one, fields at their
# default left out, the file's contents a literal block of lines without trailing spaces.
stored() {
	local wf
	run_cli stored 0 workflow submit "$specs/stored.yaml" --label stage=prod || return 1
	wf=$(sed -n 's/^Workflow ID *- //p' "$tmp/stored")
	run_cli spec 0 workflow spec "$wf" || return 1
	cat > "$tmp/want" << 'WANT'
version: 2
workflow:
  groups:
  - name: a-group
    tasks:
    - command:
      - sh
      - /tmp/run.sh
      files:
      - contents: |-
          echo hi
          echo done
        path: /tmp/run.sh
      image: ubuntu
      name: a
  labels:
    stage: prod
    team: ml
  name: stored
  resources:
    default: {}
WANT
	diff "$tmp/want" "$tmp/spec"
}
check "osmo workflow spec: {'version': 2, 'workflow': saved_spec()}" stored

interop_done
