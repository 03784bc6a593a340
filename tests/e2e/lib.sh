# lib.sh: shared helpers for the tmux end-to-end scenarios (sourced, not run).
# Every wait has a deadline; every process started here is stopped by PID in e2e_cleanup.
build=${BUILD:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d /tmp/osmotop-e2e-XXXXXX)
sock="osmotop-e2e-$$"
server_pid=""

e2e_cleanup() {
	tmux -L "$sock" kill-server 2>/dev/null
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap e2e_cleanup EXIT

e2e_fail() {
	echo "e2e: $*" >&2
	echo "---- screen ----" >&2
	tmux -L "$sock" capture-pane -p -t e2e >&2 2>/dev/null
	exit 1
}

# e2e_server [PORT]: starts osmo-local on 127.0.0.1 (PORT or a free one); sets url and port.
e2e_server() {
	rm -f "$tmp/out"
	mkfifo "$tmp/out"
	"$top/$build/bin/osmo-local" --listen "127.0.0.1:${1:-0}" --state "$tmp/state" \
		--phase-ms 100 > "$tmp/out" 2> "$tmp/server.err" &
	server_pid=$!
	read -r line < "$tmp/out" || true
	url=${line##*listening on }
	case "$url" in http://*) ;; *) e2e_fail "osmo-local did not start: $(cat "$tmp/server.err")" ;; esac
	port=${url##*:}
}

e2e_server_stop() {
	kill "$server_pid" && wait "$server_pid" 2>/dev/null
	server_pid=""
}

# e2e_run SPEC: submits SPEC with osmotop run; sets wf to the new workflow ID.
e2e_run() {
	wf=$("$top/$build/bin/osmotop" run --url "$url" --user e2e "$1" | sed -n 's/^Workflow ID - //p')
	[ -n "$wf" ] || e2e_fail "could not submit $1"
}

# e2e_start ARGS...: osmotop in a detached tmux session "e2e" of 100x30.
e2e_start() {
	tmux -L "$sock" -f /dev/null new-session -d -s e2e -x 100 -y 30 \
		"TERM=xterm-256color $top/$build/bin/osmotop --url $url --user e2e $*; echo OSMOTOP-EXITED; sleep 60"
}

e2e_keys() {
	tmux -L "$sock" send-keys -t e2e "$@"
}

# e2e_wait TEXT [SECONDS]: waits until the screen shows TEXT (a grep -E pattern).
e2e_wait() {
	deadline=$(($(date +%s) + ${2:-15}))
	while ! tmux -L "$sock" capture-pane -p -t e2e | grep -Eq -- "$1"; do
		[ "$(date +%s)" -lt "$deadline" ] || e2e_fail "timed out waiting for: $1"
		sleep 0.1
	done
}

# e2e_gone TEXT [SECONDS]: waits until the screen no longer shows TEXT.
e2e_gone() {
	deadline=$(($(date +%s) + ${2:-15}))
	while tmux -L "$sock" capture-pane -p -t e2e | grep -Eq -- "$1"; do
		[ "$(date +%s)" -lt "$deadline" ] || e2e_fail "timed out waiting for '$1' to go"
		sleep 0.1
	done
}
