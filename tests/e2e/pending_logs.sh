# pending_logs.sh: a task's log opened while the task still waits for a slot (osmo-local
# --slots 1, the slot held by another workflow) says it is waiting; once a second osmotop
# cancels the holder through the dialog, the waiting task runs and its lines arrive in the
# same, never restarted, log view, which then says the log has ended.
. "$(dirname "$0")/lib.sh"

cat > "$tmp/holder.yaml" <<'EOS'
workflow:
  name: slot-holder
  tasks:
  - name: hold
    image: ubuntu:24.04
    command: [sh, -c, "echo holding the only slot; sleep 120"]
EOS
cat > "$tmp/waiter.yaml" <<'EOS'
workflow:
  name: slot-waiter
  tasks:
  - name: waiter
    image: ubuntu:24.04
    command: [sh, -c, "echo waiter got the slot; sleep 0.5; echo waiter says goodbye"]
EOS

e2e_server 0 --slots 1
e2e_run "$tmp/holder.yaml"
holder=$wf
# The holder's own monitor: it is RUNNING, so it has the slot.
e2e_start_in holder "$holder"
e2e_use holder
e2e_wait_kick "osmotop · $holder · .*RUNNING"

e2e_run "$tmp/waiter.yaml"
waiter=$wf
e2e_start --view logs --task waiter "$waiter"
e2e_use e2e
e2e_wait "$waiter · waiter · logs · 0 lines"
e2e_wait "waiting for the first log line"
# The service agrees that the task is queued, not running.
e2e_wait_service "waiter +.*SCHEDULING" 15 --view workflow "$waiter"
e2e_absent "waiter got the slot"

# Cancel the holder from its monitor: the slot frees, the waiter runs.
e2e_use holder
e2e_keys C
e2e_wait "Cancel workflow $holder\\?"
e2e_keys Right Enter
e2e_wait_kick "osmotop · $holder · .*FAILED_CANCELED" 30

e2e_use e2e
e2e_wait "\\[waiter\\] waiter got the slot" 20
e2e_wait "\\[waiter\\] waiter says goodbye" 20
e2e_wait "$waiter · waiter · logs · [2-9] lines"
e2e_absent "OSMOTOP-EXITED"
# The stream ends with the task: "stream ended; reconnecting" until a reconnect (every 10 s;
# Ctrl-r does not hurry it) finds the workflow ended, which the view learns from its own
# poll (Ctrl-r hurries that one): "end of log".
e2e_wait "stream ended|end of log"
e2e_wait_kick "end of log" 30

e2e_keys Q
e2e_wait "OSMOTOP-EXITED"
echo "pending_logs: ok"
