# help.sh: `?` lists every action of the keymap (each help text of include/tui/keymap.h, next to
# its keys), from the list and from a workflow; Esc and Backspace close it where it was
# opened, `?` in the help changes nothing, the list's keys work again after it, q quits.
# Room for every action on one page: the title, a row per action, the status bar.
actions=$(grep -c '^[[:space:]]*_([A-Z_]*, "' "$(dirname "$0")/../../include/tui/keymap.h")
e2e_rows=$((actions + 4))
. "$(dirname "$0")/lib.sh"

# A grep -E pattern that matches TEXT literally.
literal() {
	printf '%s\n' "$1" | sed 's/[][\.*^$()+?{}|/]/\\&/g'
}

e2e_server
e2e_run "$top/examples/parallel.yaml"
e2e_start
e2e_wait "parallel-tasks-1"

e2e_keys '?'
e2e_wait "osmotop · keys \\(Esc: back\\)"
# Each action's keys come from keymap.c's table, in its order.
e2e_wait "q Ctrl-c +quit osmotop"
e2e_wait "Esc BkSp +back to the previous view"
e2e_wait "Enter +open: a workflow, a task's logs"
e2e_wait "d +workflow: the DAG of groups / the task table"
e2e_wait "C Ctrl-d +cancel the workflow \\(asks first\\)"
e2e_wait "R +resubmit the workflow's spec as a new workflow \\(asks first\\)"
e2e_wait "r +restart a failed workflow's failed groups \\(asks first\\)"
e2e_wait "Ctrl-r F5 +refresh now"
e2e_wait "\\? +this help"
# Every action the keymap declares is listed.
n=0
sed -n 's/^[[:space:]]*_([A-Z_]*, "\(.*\)")[[:space:]]*\\*$/\1/p' "$top/include/tui/keymap.h" > "$tmp/helps"
while IFS= read -r help; do
	e2e_screen | grep -Eq -- "[^ ] +$(literal "$help")" || e2e_fail "the help does not list: $help"
	n=$((n + 1))
done < "$tmp/helps"
if [ "$n" -lt 20 ] || [ "$n" -ne "$actions" ]; then
	e2e_fail "read $n of $actions actions from include/tui/keymap.h"
fi
# Its status bar is the list's: how old the list's data is.
e2e_wait "data [0-9]+s old · \\? help"
e2e_keys '?'
e2e_wait "osmotop · keys"
e2e_keys Escape
e2e_wait "STATUS +WORKFLOW"
e2e_gone "osmotop · keys"

# From a workflow: Backspace closes the help back to it.
e2e_keys Enter
e2e_wait "osmotop · parallel-tasks-1"
e2e_wait "GROUP / TASK"
e2e_keys '?'
e2e_wait "osmotop · keys \\(Esc: back\\)"
e2e_gone "GROUP / TASK"
e2e_keys BSpace
e2e_wait "GROUP / TASK"
e2e_wait "osmotop · parallel-tasks-1"
e2e_keys Escape
e2e_wait "STATUS +WORKFLOW"

# q quits from the help too.
e2e_keys '?'
e2e_wait "osmotop · keys"
e2e_keys q
e2e_wait "OSMOTOP-EXITED"
echo "help: ok"
