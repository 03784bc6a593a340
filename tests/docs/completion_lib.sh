# completion_lib.sh: what completion.sh (bash) and completion_zsh.sh share (sourced; bash):
# counted checks, osmo-local on 127.0.0.1 with a finished workflow (stopped by PID at exit),
# and completion_checks, what both shells' completions must offer. The sourcing script sets
# check_who and defines complete_words LINE: the words its shell's completion offers for
# LINE, the cursor at its end, one a line. It runs in examples/, where specs complete from.
# shellcheck shell=bash
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-build}
tmp=$(mktemp -d /tmp/osmo-compl-XXXXXX)
server_pid=""
# A stopped osmo-local (completion_checks stops one) takes its TERM once continued.
trap '[ -n "$server_pid" ] && kill "$server_pid" 2> /dev/null && kill -CONT "$server_pid" 2> /dev/null; rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT PIPE TERM
export PATH="$top/$build/bin:$PATH" OSMO_CONFIG_FILE_DIR="$tmp" XDG_STATE_HOME="$tmp/state"
cd "$top/examples" || exit 1
# shellcheck source=tests/docs/check.sh
. "$top/tests/docs/check.sh"

# offers LINE WORD...: completing LINE offers every WORD.
offers() {
	local w
	complete_words "$1" > "$tmp/offered" || return 1
	for w in "${@:2}"; do
		if ! grep -qxF -- "$w" "$tmp/offered"; then
			echo "'$1' does not offer '$w' (offers: $(tr '\n' ' ' < "$tmp/offered"))"
			return 1
		fi
	done
}

# offers_nothing LINE: completing LINE offers no word, and within 4 s.
offers_nothing() {
	local t0 ms
	t0=$(date +%s%N)
	complete_words "$1" > "$tmp/offered" || return 1
	ms=$((($(date +%s%N) - t0) / 1000000))
	if [ -s "$tmp/offered" ] || [ "$ms" -gt 4000 ]; then
		echo "'$1' offered '$(tr '\n' ' ' < "$tmp/offered")' in $ms ms"
		return 1
	fi
}

# osmo-local with a dev login, and serial.yaml run on it to its end.
mkfifo "$tmp/out"
"$top/$build/bin/osmo-local" --listen 127.0.0.1:0 --state "$tmp/srv" --phase-ms 0 --dev-auth \
	> "$tmp/out" 2> /dev/null &
server_pid=$!
line=""
read -r -t 10 line < "$tmp/out" || true
url=${line##*listening on }
wf=$(timeout 30 osmotop run --url "$url" --user jdoe --wait serial.yaml | sed -n 's/^Workflow ID - //p')
conn="osmotop --url $url --user jdoe"

# completion_checks: subcommands, options, views, statuses and specs from the script; the
# workflow, task and group names the service has; nothing from a service that refuses or is
# silent (the completion's 2 s).
completion_checks() {
	check "osmo-local ran serial.yaml" test -n "$wf"
	check "subcommands" offers "osmotop " run local exec port-forward watch
	check "--view's names" offers "osmotop --view w" workflow
	check "--status's statuses" offers "osmotop --status FAILED_S" FAILED_SUBMISSION FAILED_SERVER_ERROR
	check "local's commands" offers "osmotop local s" start stop status
	check "exec's options" offers "osmotop exec --k" --keep-alive
	check "port-forward's options" offers "osmotop port-forward --u" --udp --url --user
	check "run's specs" offers "osmotop run se" serial.yaml
	check "workflows beside the subcommands" offers "$conn " "$wf" run
	check "exec's workflows" offers "$conn exec " "$wf"
	check "watch's workflows" offers "$conn watch " "$wf"
	check "watch's options" offers "osmotop watch --u" --until-done --url --user
	check "exec's tasks" offers "$conn exec $wf " task1 task2 task3
	check "port-forward's tasks" offers "$conn port-forward $wf task" task1 task2 task3
	check "--task's tasks" offers "$conn --view logs $wf --task " task1
	check "--group's groups" offers "osmotop exec --url $url --user jdoe $wf --group " task1-group
	check "a refused connection offers nothing" offers_nothing "osmotop --url http://127.0.0.1:1 exec "
	kill -STOP "$server_pid"
	check "a silent service offers nothing" offers_nothing "$conn exec "
	kill -CONT "$server_pid"
}
