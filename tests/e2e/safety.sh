# safety.sh: the accidents a tired user must not be able to have. A workflow that arrives
# while the cursor is on another leaves the cursor on its workflow (C then speaks of it);
# `/process` Enter in a failed workflow's view filters its tasks and restarts nothing (the
# `r` in it once opened the restart dialog and Enter confirmed it); Ctrl-d in the logs is
# less's half page, not cancel; q closes view after view and quits from the list.
. "$(dirname "$0")/lib.sh"

e2e_server
e2e_run "$top/examples/failure.yaml"
failing=$wf
e2e_run "$top/examples/parallel.yaml"
done_wf=$wf
failing2=$(e2e_next "$failing")

e2e_start
e2e_wait_kick "FAILED +$failing" 30
e2e_wait_kick "COMPLETED +$done_wf" 30
# Newest first: the cursor goes down to the failed workflow.
e2e_keys j
e2e_run "$top/examples/serial.yaml"
arrived=$wf
e2e_wait_kick "$arrived" 20
# The new row pushed the failed workflow down; the cursor went with it.
e2e_keys C
e2e_wait "$failing is already FAILED"
e2e_absent "Cancel workflow"

# In its view, what is typed after / is a filter, never keys.
e2e_keys Enter
e2e_wait "osmotop · $failing"
e2e_wait "health-check"
e2e_keys / p r o c e s s Enter
e2e_wait "process-data"
e2e_gone "health-check"
e2e_absent "Restart failed workflow"
e2e_absent "restarted"
"$top/$build/bin/osmotop" --snapshot --url "$url" --token-file "$tmp/state/access_token" \
	> "$tmp/list" || e2e_fail "the snapshot failed"
! grep -q "$failing2" "$tmp/list" || e2e_fail "a restart was submitted: $failing2"
# Esc clears the filter first, and stays in the view.
e2e_keys Escape
e2e_wait "health-check"
e2e_wait "osmotop · $failing"

# The logs: Ctrl-d pages, it does not cancel; q goes back, view by view.
e2e_keys L
e2e_wait "$failing · logs"
e2e_keys C-d
e2e_absent "Cancel workflow"
e2e_keys q
e2e_wait "GROUP / TASK"
e2e_keys q
e2e_wait "STATUS +WORKFLOW"
e2e_keys Escape Escape
e2e_wait "STATUS +WORKFLOW"
e2e_keys q
e2e_wait "OSMOTOP-EXITED"
echo "safety: ok"
