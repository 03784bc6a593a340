# help.sh: `?` lists the keys of the view it is opened from (each help text of
# include/tui/keymap.h next to its keys, as tui/keymap.c binds them in that view) and a legend
# of the status glyphs; `/` in the help narrows it; Esc and Backspace close it where it was
# opened, `?` in the help changes nothing, the list's keys work again after it, q closes the
# help and quits from the list.
actions=$(grep -c '^[[:space:]]*_([A-Z_]*, "' "$(dirname "$0")/../../include/tui/keymap.h")
# Room for every action on one page, the legend, the title and the status bar.
e2e_rows=$((actions + 24))
. "$(dirname "$0")/lib.sh"

# A grep -E pattern that matches TEXT literally.
literal() {
	printf '%s\n' "$1" | sed 's/[][\.*^$()+?{}|/]/\\&/g'
}

# help_expect LETTER: the help texts of the actions bound in the view of keymap.c's LETTER
# (L list, W workflow, G logs, P port-forwards), or everywhere (AL).
help_expect() {
	sed -n 's/^[[:space:]]*{ [^"]*"[^"]*", *\([A-Z|]*\), *KEYMAP_\([A-Z_]*\) },.*/\1 \2/p' \
		"$top/tui/keymap.c" | awk -v v="$1" '{ n = split($1, a, "|"); for (i = 1; i <= n; i++) if (a[i] == v || a[i] == "AL") print $2 }' |
		sort -u | while IFS= read -r id; do
			sed -n "s/^[[:space:]]*_($id, \"\(.*\)\")[[:space:]]*\\\\*\$/\\1/p" "$top/include/tui/keymap.h"
		done
}

# help_check LETTER: every action of that view is on the screen.
help_check() {
	help_expect "$1" > "$tmp/helps"
	n=0
	while IFS= read -r help; do
		e2e_screen | grep -Eq -- "[^ ] +$(literal "$help")" || e2e_fail "the help of view $1 does not list: $help"
		n=$((n + 1))
	done < "$tmp/helps"
	[ "$n" -ge 10 ] || e2e_fail "read only $n actions of view $1 from tui/keymap.c"
}

e2e_server
e2e_run "$top/examples/parallel.yaml"
e2e_start
e2e_wait "parallel-tasks-1"

e2e_keys '?'
e2e_wait "osmotop · keys of the workflow list"
# Each action's keys come from keymap.c's table, in its order.
e2e_wait "q +close this view; in the top view, quit"
e2e_wait "Q Ctrl-c F10 +quit osmotop"
e2e_wait "Enter +open: a workflow, a task's logs"
e2e_wait "C Ctrl-d +cancel the workflow \\(asks first\\)"
e2e_wait "Ctrl-r F5 +refresh now"
e2e_wait "\\? F1 +this help"
# The legend: every glyph with the statuses it stands for.
e2e_wait "●•? +RUNNING"
e2e_wait "⊘ +FAILED_UPSTREAM"
help_check L
# The logs' keys are not the list's.
e2e_screen | grep -q "logs: follow on/off" && e2e_fail "the list's help lists the logs' keys"
# / narrows the help to the lines that hold the text.
e2e_keys / s o r t Enter
e2e_wait "keys of the workflow list matching \"sort\""
e2e_wait "list: sort by pool"
e2e_gone "refresh now"
# Its status bar is the list's: how old the list's data is.
e2e_wait "data [0-9]+s old · \\? help"
e2e_keys '?'
e2e_wait "osmotop · keys"
e2e_keys Escape
e2e_wait "STATUS +WORKFLOW"
e2e_gone "osmotop · keys"

# From a workflow: its keys, and Backspace closes the help back to it.
e2e_keys Enter
e2e_wait "osmotop · parallel-tasks-1"
e2e_wait "GROUP / TASK"
e2e_keys '?'
e2e_wait "osmotop · keys of the workflow view \\(Esc: back"
help_check W
e2e_gone "GROUP / TASK"
e2e_keys BSpace
e2e_wait "GROUP / TASK"
e2e_wait "osmotop · parallel-tasks-1"
e2e_keys Escape
e2e_wait "STATUS +WORKFLOW"

# q closes the help (as in tig), and quits from the list.
e2e_keys '?'
e2e_wait "osmotop · keys"
e2e_keys q
e2e_wait "STATUS +WORKFLOW"
e2e_keys q
e2e_wait "OSMOTOP-EXITED"
echo "help: ok"
