# triage.sh: a failed run in osmo-local (examples/failure.yaml: fetch-data exits 1 after
# printing why; process-data never runs) opens on its root cause (Enter there follows
# fetch-data's log), T names the cause, the next step and the error line in one key, and
# --snapshot --view triage prints the same card.
. "$(dirname "$0")/lib.sh"

e2e_server
e2e_run "$top/examples/failure.yaml"
failing=$wf
e2e_wait_service "FAILED +$failing" 30

# Headless: the card with its error log's line.
"$top/$build/bin/osmotop" --snapshot --view triage --url "$url" \
	--token-file "$tmp/state/access_token" "$failing" > "$tmp/card" 2> "$tmp/card.err" ||
	e2e_fail "the triage snapshot failed: $(cat "$tmp/card.err")"
for want in "why it failed" "root cause +fetch-data-group / fetch-data" "FAILED: the task's command exited" \
	"next step +read the error log" "exit code +1 ·" "took down +process-data-group" \
	"ERROR: data source returned 0 rows"; do
	grep -Eq -- "$want" "$tmp/card" || { cat "$tmp/card" >&2; e2e_fail "the card lacks: $want"; }
done

# The monitor opens the failed workflow on its root cause: Enter follows that task's log.
e2e_start "$failing"
e2e_wait "osmotop · $failing"
e2e_wait "upstream: fetch-data-group/"
e2e_keys Enter
e2e_wait "$failing · fetch-data · logs"
e2e_keys Escape
e2e_wait "GROUP / TASK"
# T: why, what next, and the line that says so.
e2e_keys T
e2e_wait "why it failed"
e2e_wait "next step +read the error log"
e2e_wait "ERROR: data source returned 0 rows"
e2e_keys Q
e2e_wait "OSMOTOP-EXITED"
echo "triage: ok"
