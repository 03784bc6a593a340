# logs.sh: a failed run's merged log (examples/failure.yaml): ] jumps to its error line and
# says so, o keeps one task's lines, s saves them (0600) and | shows them in less, whose
# Ctrl-c is its own; q there gives the monitor back.
. "$(dirname "$0")/lib.sh"

command -v less > /dev/null || { echo "logs: skipped (no less)"; exit 0; }
export PAGER=less
e2e_server
e2e_run "$top/examples/failure.yaml"
failing=$wf
e2e_wait_service "FAILED +$failing" 30

e2e_start "$failing"
e2e_wait "osmotop · $failing"
e2e_keys L
e2e_wait "$failing · logs"
e2e_wait "end of log"
# ]: the first error-looking line (the log fits: the page stays), said in the status bar and
# the title, and marked in the bar at the right edge.
e2e_keys ]
e2e_wait "error 1 of 1"
e2e_wait "follow off · line 1 · error 1/1"
e2e_wait "\[fetch-data\] ERROR: data source returned 0 rows.*●$"
# [ from there wraps to the same, the only one.
e2e_keys [
e2e_wait "error 1 of 1"
# o: the error line's task is offered; Enter keeps its lines only.
e2e_keys o
e2e_wait "only: fetch-data"
e2e_keys Enter
e2e_wait "task fetch-data"
e2e_screen | grep -q "\[health-check\]" && e2e_fail "o left another task's lines"
# s: the lines shown, to a file of ours.
e2e_keys s
e2e_wait "Save the log"
e2e_keys C-u "$tmp/saved.log" Enter
e2e_wait "2 lines written to"
[ "$(stat -c %a "$tmp/saved.log")" = 600 ] || e2e_fail "saved.log is not 0600"
grep -q "ERROR: data source returned 0 rows" "$tmp/saved.log" || e2e_fail "saved.log lacks the error"
# Again: it exists, so only a second Enter replaces it.
e2e_keys s C-u "$tmp/saved.log" Enter
e2e_wait "exists: Enter again replaces it"
e2e_keys Escape
# |: less on the same lines; its Ctrl-c does not end osmotop.
e2e_keys '|'
e2e_wait "\(END\)|osmotop-.*\.log"
e2e_screen | grep -q "ERROR: data source returned 0 rows" || e2e_fail "less lacks the error line"
e2e_keys C-c
e2e_keys q
e2e_wait "back from the pager"
e2e_wait "task fetch-data"
e2e_keys a
e2e_wait "every task's lines"
e2e_keys Q
e2e_wait "OSMOTOP-EXITED"
echo "logs: ok"
