# restart.sh: the actions that make new workflows, from the list. `r` on a COMPLETED workflow
# says why it cannot; `R` asks, Esc keeps it, and so does Enter (the dialog opens on "Keep");
# the confirm button resubmits (osmo-local names the copy NAME-<next job>), the new workflow opens and shows in
# the list. `r` on a FAILED workflow asks with what it reruns; Right then Enter restarts only
# the failed groups as NAME-<next job>, which fails again the same way; the list shows it.
. "$(dirname "$0")/lib.sh"

e2e_server
e2e_run "$top/examples/failure.yaml"
failing=$wf
e2e_run "$top/examples/parallel.yaml"
done_wf=$wf
failing2=$(e2e_next "$failing")
done_wf2=$(e2e_next "$done_wf")

e2e_start
e2e_wait_kick "FAILED +$failing" 30
e2e_wait_kick "COMPLETED +$done_wf" 30
# Newest first: the completed one is the first row.

# r only restarts failed workflows: no dialog, a message saying why.
e2e_keys r
e2e_wait "restart reruns the failed groups of a FAILED workflow; $done_wf is COMPLETED"
e2e_absent "Restart failed workflow"

# R asks; Esc keeps things as they are, and so does Enter.
e2e_keys R
e2e_wait "Resubmit $done_wf as a new workflow\\?"
e2e_wait "y: do it +Esc: keep"
e2e_keys Escape
e2e_gone "Resubmit $done_wf"
e2e_keys R
e2e_wait "Resubmit $done_wf as a new workflow\\?"
e2e_keys Enter
e2e_gone "Resubmit $done_wf"
e2e_absent "$done_wf2" # and had Esc or Enter submitted, the copy below would not be $done_wf2

# R, then the confirm button: the copy is submitted and opens.
e2e_keys R
e2e_wait "Resubmit $done_wf as a new workflow\\?"
e2e_keys Right Enter
e2e_wait "resubmitted $done_wf → $done_wf2"
e2e_wait "osmotop · $done_wf2"
e2e_wait "task-a"
e2e_keys Escape
e2e_wait "STATUS +WORKFLOW"
e2e_wait_kick "[A-Z_]+ +$done_wf2 " 20
e2e_wait_kick "COMPLETED +$done_wf2 " 30

# The failed workflow is the last row: r asks, saying what it reruns; Enter restarts it.
e2e_keys G
e2e_keys r
e2e_wait "Restart failed workflow $failing\\?"
e2e_wait "reruns:"
# From the list the dialog must not name the groups of the workflow opened last ($done_wf2's).
e2e_absent "reruns:.*task-a-group"
e2e_keys Right Enter
e2e_wait "restarted $failing → $failing2"
e2e_wait "osmotop · $failing2"
# Only the groups that did not complete run again: health-check completed, so it is dropped.
e2e_wait "fetch-data"
e2e_wait "process-data"
e2e_wait_kick "osmotop · $failing2 · .*FAILED" 30
e2e_wait "Exit code 1 due"
e2e_absent "health-check"
# v v: the restart's spec against its parent's; a restart submits the same spec. The spec
# speaks as a spec, with only the keys that work in it.
e2e_keys v
e2e_wait "^$failing2 · spec"
e2e_wait "the spec as the service keeps it · v: against $failing's"
e2e_wait "/ search  n next"
e2e_absent "follow|end of log|e error logs"
e2e_keys v
e2e_wait "the same as $failing's spec: no line differs"
e2e_keys q
e2e_wait "osmotop · $failing2 · .*FAILED"

e2e_keys Escape
e2e_wait "STATUS +WORKFLOW"
e2e_wait_kick "FAILED +$failing2" 20
e2e_wait "FAILED +$failing( |$)"
e2e_wait "COMPLETED +$done_wf2"
e2e_wait "COMPLETED +$done_wf( |$)"

e2e_keys Q
e2e_wait "OSMOTOP-EXITED"
echo "restart: ok"
