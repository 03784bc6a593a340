# dag.sh: the DAG of five groups that share nothing, at 80x24, while they run: the five sit
# side by side (not a column 25 rows tall), names keep the digits that tell them apart, and
# the task table still reads under them; t puts time on the x axis (then with tasks, then
# the graph again), d goes back to the table.
e2e_cols=80
e2e_rows=24
. "$(dirname "$0")/lib.sh"

e2e_server
e2e_run "$top/examples/sweep.yaml"

e2e_start "$wf"
e2e_wait "osmotop · $wf"
e2e_wait "GROUP / TASK"
e2e_keys d
for lr in 001 003 010 030 100; do
	e2e_wait "train-lr…$lr-group"
done
# Side by side: three boxes on a row.
e2e_wait "│ .* train-lr…001-group │ +│ .* train-lr…003-group │ +│ .* train-lr…010-group │"
# The table under the graph: the selected group and its tasks.
e2e_wait "GROUP / TASK +RETRY"
e2e_wait "★ train-lr-0001 "
e2e_wait "eval-lr-0001 "
e2e_fits 80
# Running, then done: the bars fill and the counts say so.
e2e_wait_kick "✔ COMPLETED" 60
e2e_wait_kick "2/2 │ +│ .*2/2 │ +│ .*2/2 │" 20
e2e_wait "★ train-lr-0001 "
e2e_fits 80

# t: a row per group on a time axis, the legend under it; again: the tasks under each.
e2e_keys t
e2e_wait " GROUP / TASK +[0-9]{2}:[0-9]{2}:[0-9]{2} "
e2e_wait "train-lr-0100-group +░*█+ +[0-9]+s"
e2e_wait "» critical path"
e2e_fits 80
e2e_keys t
e2e_wait "★ ✔ train-lr-0001 "
e2e_fits 80
# Keys that mean nothing here change nothing.
e2e_keys x Z 9
e2e_wait "★ ✔ train-lr-0001 "
e2e_keys t
e2e_wait "train-lr…001-group"
e2e_keys d
e2e_gone "train-lr…001-group"
e2e_wait "GROUP / TASK +RETRY"
e2e_absent "┌"
e2e_keys Escape
e2e_wait "STATUS +WORKFLOW"
e2e_keys q
e2e_wait "OSMOTOP-EXITED"
echo "dag: ok"
