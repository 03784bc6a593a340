# small_terminal.sh: a 40x12 terminal: the list, a workflow's task table, its restart dialog,
# its DAG and the help all draw inside 40 columns (no line wider, no escape bytes or
# replacement characters left on the screen) with their key texts visible; Esc walks back to
# the list.
e2e_cols=40
e2e_rows=12
. "$(dirname "$0")/lib.sh"

e2e_server
e2e_run "$top/examples/pipeline.yaml"
e2e_run "$top/examples/failure.yaml"
failing=$wf

e2e_start
# At 40 columns names stay whole and each status is its glyph (the list is newest first).
e2e_wait "osmotop · workflows"
e2e_wait_kick "✘[• ] $failing" 30
e2e_wait_kick "✔[• ] data-pipeline-" 30
e2e_wait "WORKFLOW +DURATION"
e2e_wait "osmotop · workflows · 2 shown"
e2e_fits 40

# The failed workflow: its tasks and the failed one's state.
e2e_keys Enter
e2e_wait "osmotop · $failing"
e2e_wait "GROUP / TASK"
e2e_wait "fetch-data"
e2e_wait "FAILED"
e2e_fits 40

# r asks first, in a dialog that fits: the workflow whole, wrapped, and the answers under it.
e2e_keys r
e2e_wait "Restart failed workflow"
e2e_wait "$failing is FAILED in pool"
e2e_wait "\\[ Keep \\]   \\[ Restart \\]"
e2e_wait "y: do it   n/Esc: keep"
e2e_fits 40
e2e_keys Escape
e2e_gone "Restart failed workflow"

# Its DAG (narrow: drawn as a tree).
e2e_keys d
e2e_wait "✘ fetch-data"
e2e_wait "process-data"
e2e_wait "health-check"
e2e_gone "GROUP / TASK"
e2e_fits 40
e2e_keys d
e2e_wait "GROUP / TASK"

# The help over it: the title and the first keys, cut to fit; Esc goes back.
e2e_keys '?'
e2e_wait "osmotop · keys of the workflow"
e2e_wait "Q Ctrl-c F10 +quit osmotop"
e2e_wait "j Down +move down"
e2e_fits 40
e2e_keys Space
e2e_wait "Enter +open: a workflow"
e2e_gone "quit osmotop"
e2e_fits 40
e2e_keys G
e2e_wait "FAILED_PREEMPTED"
e2e_keys Escape
e2e_wait "GROUP / TASK"
e2e_keys Escape
e2e_wait "WORKFLOW +DURATION"
e2e_fits 40

e2e_keys q
e2e_wait "OSMOTOP-EXITED"
echo "small_terminal: ok"
