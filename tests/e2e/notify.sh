# notify.sh: a workflow that fails while the monitor is open on it is told of: the bell and
# the desktop notifications (OSC 9 and 777, passed through tmux) reach the terminal, the
# on_event command runs with the event in its environment, the status bar and the title say
# so, the changed rows are marked, and M lists what was told.
. "$(dirname "$0")/lib.sh"

e2e_server 0 --phase-ms 1500
cat > "$tmp/config.yaml" <<YAML
refresh: {pending: 1, running: 1}
notify:
  desktop: both
  on_event: [sh, -c, 'echo "\$OSMOTOP_EVENT \$OSMOTOP_KIND \$OSMOTOP_WORKFLOW \$OSMOTOP_STATUS" >> "\$0"', "$tmp/events"]
YAML
export OSMOTOP_CONFIG="$tmp/config.yaml"
e2e_run "$top/examples/failure.yaml"
e2e_start "$wf"
tmux -L "$sock" pipe-pane -o -t e2e "cat >> '$tmp/raw'"
e2e_wait "osmotop · $wf"
e2e_wait "fetch-data-group +✘•? +FAILED" 30
e2e_wait "new \\(M\\)"
# The title names the workflow and its state, for a window not looked at.
deadline=$(($(date +%s) + 10))
until tmux -L "$sock" display-message -p -t e2e '#{pane_title}' | grep -q "osmotop · $wf FAILED [0-9]/[0-9] groups"; do
	[ "$(date +%s)" -lt "$deadline" ] || e2e_fail "the title is: $(tmux -L "$sock" display-message -p -t e2e '#{pane_title}')"
	sleep 0.1
done
# The sequences as the program wrote them: a bell, and both notifications wrapped for tmux.
deadline=$(($(date +%s) + 10))
until grep -q "$(printf '\033Ptmux;\033\033]777;notify;osmotop;')$wf" "$tmp/raw" 2>/dev/null; do
	[ "$(date +%s)" -lt "$deadline" ] || e2e_fail "no OSC 777 in the output: $(od -c "$tmp/raw" | head -20)"
	sleep 0.1
done
grep -q "$(printf '\033Ptmux;\033\033]9;osmotop: ')$wf.*FAILED" "$tmp/raw" || e2e_fail "no OSC 9 in the output"
grep -q "$(printf '\a')" "$tmp/raw" || e2e_fail "no bell in the output"
# on_event: once per event, told by variables, never through a shell string of ours.
deadline=$(($(date +%s) + 10))
until grep -q "^failed workflow $wf FAILED$" "$tmp/events" 2>/dev/null; do
	[ "$(date +%s)" -lt "$deadline" ] || e2e_fail "on_event wrote: $(cat "$tmp/events" 2>/dev/null)"
	sleep 0.1
done
grep -q "^failed task $wf FAILED$" "$tmp/events" || e2e_fail "on_event missed the task: $(cat "$tmp/events")"
# The rows that changed carry the mark until the cursor rests on them.
e2e_wait "fetch-data-group +✘•"
# M: what was told, newest first.
e2e_keys M
e2e_wait "notifications · [0-9]+, newest first"
e2e_wait "$wf: fetch-data-group/fetch-data FAILED \\(exit 1\\)"
e2e_keys q
e2e_wait "GROUP / TASK"
e2e_absent "new \\(M\\)"
e2e_keys Q
e2e_wait "OSMOTOP-EXITED"
echo "notify: ok"
