# cache.sh: what the monitor last saw is drawn at once when it is opened again (a new SSH
# session), marked as cached, even while the service cannot be reached; the first answer
# replaces it.
. "$(dirname "$0")/lib.sh"

e2e_server
e2e_run "$top/examples/serial.yaml"
e2e_wait_service "COMPLETED +$wf" 30
e2e_start "$wf"
e2e_wait "osmotop · $wf · ✔ COMPLETED"
e2e_wait "data [0-9]+s old"
e2e_keys Q
e2e_wait "OSMOTOP-EXITED"
ls "$XDG_STATE_HOME"/osmotop/cache/*/"$wf.json" > /dev/null 2>&1 || e2e_fail "nothing cached under $XDG_STATE_HOME"
[ "$(stat -c %a "$XDG_STATE_HOME"/osmotop/cache/*/"$wf.json")" = 600 ] || e2e_fail "the cache file is not 0600"

# The service is gone: the workflow is still drawn, as of when it was seen, and says so.
e2e_server_stop
e2e_restart "$wf"
e2e_wait "osmotop · $wf · ✔ COMPLETED"
e2e_wait "· as of "
e2e_wait "cached [0-9]+s ago|stale"
e2e_wait "task3-group"
# It comes back: the answer replaces the cache.
e2e_server "$port"
e2e_wait_kick "data [0-9]+s old" 30
e2e_absent "· as of "
e2e_keys Q
e2e_wait "OSMOTOP-EXITED"
echo "cache: ok"
