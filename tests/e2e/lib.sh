# lib.sh: shared helpers for the tmux end-to-end scenarios (sourced, not run).
# Every wait has a deadline; every process started here is stopped by PID in e2e_cleanup.
# A sourcing script outside tests/e2e/ sets top (the tree's root) first.
build=${BUILD:-build}
# osmotop and tmux draw Unicode only under a UTF-8 locale; the scenarios expect its glyphs.
export LC_ALL=C.UTF-8
top=${top:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d /tmp/osmotop-e2e-XXXXXX)
# The scenario's own last-known state and configuration: a list cached by another run whose
# server had the same port put the cursor on that run's rows, and a user's config.yaml would
# change the keys and columns the scenarios expect.
export XDG_STATE_HOME="$tmp/xdg-state" XDG_CONFIG_HOME="$tmp/xdg-config"
sock="osmotop-e2e-$$"
server_pid=""
e2e_target=e2e # the tmux session e2e_keys, e2e_wait and e2e_fail talk to (e2e_use)
e2e_cols=${e2e_cols:-100}
e2e_rows=${e2e_rows:-30}
e2e_t0=$(date +%s%N)

e2e_cleanup() {
	tmux -L "$sock" kill-server 2>/dev/null
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap e2e_cleanup EXIT
# A timeout's or ^C's signal, or a closed pipe (`| head`), still runs the cleanup (sh runs
# EXIT traps only on exit).
trap 'exit 1' HUP INT PIPE TERM

e2e_fail() {
	echo "e2e: $*" >&2
	echo "---- screen ($e2e_target) ----" >&2
	tmux -L "$sock" capture-pane -p -t "$e2e_target" >&2 2>/dev/null
	exit 1
}

# e2e_server [PORT [ARGS...]]: starts osmo-local on 127.0.0.1 (PORT or a free one) with
# --phase-ms 100 and ARGS (e.g. --slots 1; a later --phase-ms wins); sets url and port.
e2e_server() {
	e2e_port=${1:-0}
	[ $# -gt 0 ] && shift
	rm -f "$tmp/out"
	mkfifo "$tmp/out"
	"$top/$build/bin/osmo-local" --listen "127.0.0.1:$e2e_port" --state "$tmp/state" \
		--phase-ms 100 "$@" > "$tmp/out" 2> "$tmp/server.err" &
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
	wf=$("$top/$build/bin/osmotop" run --url "$url" --token-file "$tmp/state/access_token" "$1" | sed -n 's/^Workflow ID - //p')
	[ -n "$wf" ] || e2e_fail "could not submit $1"
}

# e2e_next NAME: the name osmo-local gives NAME's next run (a restart or a resubmit).
e2e_next() {
	echo "${1%-*}-$((${1##*-} + 1))"
}

# e2e_start ARGS...: osmotop in a detached tmux session "e2e" of e2e_cols x e2e_rows (100x30).
e2e_start() {
	e2e_start_in e2e "$@"
}

# e2e_start_in SESSION ARGS...: osmotop in another detached session of the same tmux server;
# e2e_use SESSION sends keys and waits there.
e2e_start_in() {
	e2e_session=$1
	shift
	tmux -L "$sock" -f /dev/null new-session -d -s "$e2e_session" -x "$e2e_cols" -y "$e2e_rows" \
		"$(e2e_command "$@")"
}

# e2e_restart ARGS...: the target session's osmotop replaced by a new one (fresh data, no
# messages), in the same pane.
e2e_restart() {
	tmux -L "$sock" respawn-pane -k -t "$e2e_target" "$(e2e_command "$@")"
}

e2e_command() {
	echo "TERM=xterm-256color $top/$build/bin/osmotop --url $url --token-file $tmp/state/access_token $*; echo OSMOTOP-EXITED; sleep 60"
}

e2e_use() {
	e2e_target=$1
}

e2e_keys() {
	tmux -L "$sock" send-keys -t "$e2e_target" "$@"
}

# e2e_screen [ARGS...]: the target's screen as text (ARGS go to capture-pane, e.g. -e).
e2e_screen() {
	tmux -L "$sock" capture-pane -p -t "$e2e_target" "$@"
}

# e2e_trace WHAT: with E2E_TRACE=1, prints WHAT with the seconds since the scenario began.
e2e_trace() {
	[ "${E2E_TRACE:-0}" = 1 ] || return 0
	e2e_ms=$((($(date +%s%N) - e2e_t0) / 1000000))
	printf 'e2e: %d.%03ds %s\n' $((e2e_ms / 1000)) $((e2e_ms % 1000)) "$1" >&2
}

# e2e_wait TEXT [SECONDS]: waits until the screen shows TEXT (a grep -E pattern).
e2e_wait() {
	deadline=$(($(date +%s) + ${2:-15}))
	while ! e2e_screen | grep -Eq -- "$1"; do
		[ "$(date +%s)" -lt "$deadline" ] || e2e_fail "timed out waiting for: $1"
		sleep 0.1
	done
	e2e_trace "saw: $1"
}

# e2e_wait_kick TEXT [SECONDS]: e2e_wait that presses Ctrl-r (refresh) every second, for
# states the monitor would otherwise show only at its next poll (up to 10 s later).
e2e_wait_kick() {
	deadline=$(($(date +%s) + ${2:-15}))
	e2e_tick=0
	while ! e2e_screen | grep -Eq -- "$1"; do
		[ "$(date +%s)" -lt "$deadline" ] || e2e_fail "timed out waiting for: $1"
		e2e_tick=$((e2e_tick + 1))
		[ $((e2e_tick % 10)) -eq 0 ] && e2e_keys C-r
		sleep 0.1
	done
	e2e_trace "saw: $1"
}

# e2e_wait_service TEXT [SECONDS [ARGS...]]: waits until `osmotop --snapshot ARGS` (the list,
# or e.g. --view workflow ID) shows TEXT, without the monitor: what the service says now.
e2e_wait_service() {
	e2e_what=$1
	deadline=$(($(date +%s) + ${2:-15}))
	[ $# -gt 1 ] && shift
	shift
	until "$top/$build/bin/osmotop" --snapshot --url "$url" --token-file "$tmp/state/access_token" "$@" |
		grep -Eq -- "$e2e_what"; do
		[ "$(date +%s)" -lt "$deadline" ] || e2e_fail "the service never showed: $e2e_what"
		sleep 0.1
	done
	e2e_trace "service showed: $e2e_what"
}

# e2e_gone TEXT [SECONDS]: waits until the screen no longer shows TEXT.
e2e_gone() {
	deadline=$(($(date +%s) + ${2:-15}))
	while e2e_screen | grep -Eq -- "$1"; do
		[ "$(date +%s)" -lt "$deadline" ] || e2e_fail "timed out waiting for '$1' to go"
		sleep 0.1
	done
}

# e2e_absent TEXT: fails if the screen shows TEXT now.
e2e_absent() {
	! e2e_screen | grep -Eq -- "$1" || e2e_fail "the screen shows what it should not: $1"
}

# e2e_fits COLS: fails if a line of the screen is wider than COLS display columns or holds
# an escape byte or a replacement character (what garbling leaves behind).
e2e_fits() {
	e2e_widest=$(e2e_screen | LC_ALL=C.UTF-8 wc -L)
	[ "$e2e_widest" -le "$1" ] || e2e_fail "a line is $e2e_widest columns wide (at most $1)"
	! e2e_screen | LC_ALL=C.UTF-8 grep -q "$(printf '\033')\\|�" ||
		e2e_fail "an escape byte or a replacement character is on the screen"
}

