# monitor.sh: list → workflow → task → live logs, a failure's exit code, cancel through the
# dialog, the stale banner while osmo-local is down and its recovery, resize, quit.
. "$(dirname "$0")/lib.sh"

cat > "$tmp/ticker.yaml" <<'EOS'
workflow:
  name: ticker
  tasks:
  - name: tick
    image: ubuntu:24.04
    command: [sh, -c, "i=0; while [ $i -lt 600 ]; do i=$((i+1)); echo tick $i; sleep 0.2; done"]
EOS

e2e_server
e2e_run "$tmp/ticker.yaml"
ticker=$wf
e2e_run "$top/examples/failure.yaml"
failing=$wf

e2e_start
e2e_wait "$failing"
e2e_wait "$ticker"
# The failing workflow is the newest, so it is the first row.
e2e_keys C-r
e2e_wait "FAILED +$failing" 30
e2e_keys Enter
e2e_wait "fetch-data"
e2e_wait "1 user error"
e2e_wait "Exit code 1 due"
# The DAG: boxes per group, the upstream failure visible.
e2e_keys d
e2e_wait "│ ✘ fetch-data-group"
e2e_wait "⊘ process-data-group"
e2e_keys d
e2e_keys Escape
e2e_wait "STATUS +WORKFLOW"

# Second row: the ticker; its task's log follows live.
e2e_keys j Enter
e2e_wait "$ticker · .*RUNNING"
e2e_keys j j Enter
e2e_wait "\\[tick\\] tick [0-9]+"
e2e_wait "\\[tick\\] tick 2[0-9]" 20
e2e_keys Escape Escape
e2e_wait "STATUS +WORKFLOW"

# Cancel it from the list through the dialog.
e2e_keys C
e2e_wait "Cancel workflow $ticker\\?"
e2e_keys -l "enough"
# Enter leaves the message for the buttons; Right and Enter cancel (a y this soon after the
# dialog opened would count as typed ahead).
e2e_keys Enter Right Enter
e2e_wait "FAILED_CANCELED +$ticker" 30

# The service goes away: the list stays, the banner says so; it comes back: fresh data.
e2e_server_stop
e2e_keys C-r
e2e_wait "stale .* retrying in" 40
e2e_wait "$failing"
e2e_server "$port"
e2e_gone "stale" 60
e2e_wait "data .* old"

# Smaller terminal: still drawn.
tmux -L "$sock" resize-window -t e2e -x 60 -y 16
e2e_wait "$failing"

e2e_keys Q
e2e_wait "OSMOTOP-EXITED"
echo "monitor: ok"
