# demo.sh: make demo in a terminal: the hint waits for Enter, the monitor opens on the
# fan-out, its DAG shows a training group RUNNING, and quitting stops the demo's osmo-local.
. "$(dirname "$0")/lib.sh"

demo_state=$tmp/demo
# Whatever happens, the demo's osmo-local does not outlive the scenario.
trap 'XDG_STATE_HOME=$demo_state "$top/$build/bin/osmotop" local stop > /dev/null 2>&1; e2e_cleanup' EXIT

tmux -L "$sock" -f /dev/null new-session -d -s e2e -x 120 -y 36 \
	"DEMO_STATE=$demo_state BUILD=$top/$build TERM=xterm-256color sh $top/tools/demo.sh; echo DEMO-EXITED; sleep 60"
e2e_wait "Press Enter to open the monitor" 90
e2e_wait "d +the DAG of groups"
e2e_keys Enter
e2e_wait "fanout-1" 30
e2e_keys d
# A training group runs for 4 to 12 s after 2 s of preparing and 3 s of phases.
e2e_wait "● train-(small|medium|large)-group" 60
e2e_keys Q
e2e_wait "DEMO-EXITED" 30
e2e_wait "stopped osmo-local"
if XDG_STATE_HOME=$demo_state "$top/$build/bin/osmotop" local status > /dev/null; then
	e2e_fail "the demo's osmo-local still runs after the demo ended"
fi
echo "demo: ok"
