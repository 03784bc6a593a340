#!/usr/bin/env bash
# logs.sh: `osmo workflow logs` on osmo-local: a failed workflow's log ends with the service's
# footer, blank lines included, as utils/job/jobs.py:1446-1457 writes it.
. "$(dirname "$0")/lib.sh"

interop_server -- --dev-auth
interop_dev_login

cli workflow submit "$specs/doomed.yaml" > "$tmp/submit"
wf=$(sed -n 's/^Workflow ID *- //p' "$tmp/submit")
wait_ended "$wf"

# The last ten lines the CLI prints: the task's last line, then the footer.
footer_ok() {
	local dashes
	dashes=$(printf '%.0s-' $(seq 100))
	cli workflow logs "$wf" > "$tmp/logs" || return 1
	cat "$tmp/logs"
	tail -n 9 "$tmp/logs" > "$tmp/tail"
	printf '\n%s\n%s\n%s\n\n%s\n%s\n%s\n\n' "$dashes" \
		'Workflow terminated abnormally, view task status at:' "$url/api/workflow/$wf" \
		'View task error logs at:' "$url/api/workflow/$wf/error_logs" "$dashes" > "$tmp/want"
	diff "$tmp/want" "$tmp/tail" && tail -n 10 "$tmp/logs" | head -1 | grep -q '\[trainer\] step=1$'
}
check "osmo workflow logs: a failed workflow's footer, blank lines and all" footer_ok

interop_done
