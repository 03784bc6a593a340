#!/usr/bin/env bash
# completion.sh: bash completion offers osmotop's subcommands, options, views and statuses,
# and workflow and task names from a real osmo-local; an unreachable service gives nothing,
# quickly. Every option of --help is known to both the bash and the zsh script.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-build}
tmp=$(mktemp -d /tmp/osmo-compl-XXXXXX)
passed=0
failed=0
server_pid=""
trap '[ -n "$server_pid" ] && kill "$server_pid" 2> /dev/null; rm -rf "$tmp"' EXIT
export PATH="$top/$build/bin:$PATH" OSMO_CONFIG_FILE_DIR="$tmp" XDG_STATE_HOME="$tmp/state"
# shellcheck source=/dev/null
. "$top/completions/osmotop.bash"

# offers LINE WORD...: completing LINE (the cursor at its end) offers every WORD.
offers() {
	local line=$1 w
	shift
	read -ra COMP_WORDS <<< "$line"
	[[ $line == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_osmotop
	for w in "$@"; do
		if ! printf '%s\n' "${COMPREPLY[@]}" | grep -qxF -- "$w"; then
			echo "completion: '$line' does not offer '$w' (offers: ${COMPREPLY[*]})" >&2
			failed=$((failed + 1))
			return
		fi
	done
	passed=$((passed + 1))
}

mkfifo "$tmp/out"
"$top/$build/bin/osmo-local" --listen 127.0.0.1:0 --state "$tmp/srv" --phase-ms 0 --dev-auth \
	> "$tmp/out" 2> /dev/null &
server_pid=$!
read -r line < "$tmp/out" || true
url=${line##*listening on }
wf=$(osmotop run --url "$url" --user jdoe --wait "$top/examples/serial.yaml" | sed -n 's/^Workflow ID - //p')
conn="osmotop --url $url --user jdoe"

offers "osmotop " run local exec port-forward
offers "osmotop --view w" workflow
offers "osmotop --status FAILED_S" FAILED_SUBMISSION FAILED_SERVER_ERROR
offers "osmotop local s" start stop status
offers "osmotop exec --k" --keep-alive
offers "osmotop port-forward --u" --udp --url --user
offers "$conn " "$wf" run
offers "$conn exec " "$wf"
offers "$conn exec $wf " task1 task2 task3
offers "$conn port-forward $wf task" task1 task2 task3
offers "$conn --view logs $wf --task " task1

# Nothing to ask, nothing offered, and no waiting for it.
start=$(date +%s)
offers "osmotop --url http://127.0.0.1:1 exec "
[ ${#COMPREPLY[@]} -eq 0 ] && [ $(($(date +%s) - start)) -le 3 ] && passed=$((passed + 1)) ||
	{ echo "completion: an unreachable service offered '${COMPREPLY[*]}' or took long" >&2; failed=$((failed + 1)); }

# Every option of --help, known to both scripts.
for opt in $( { osmotop --help; osmotop exec --help; osmotop port-forward --help; } 2>&1 |
	grep -oE '(^ +|\[|\|)--[a-z][a-z-]*' | grep -oE -- '--[a-z-]+' | sort -u); do
	for f in osmotop.bash _osmotop; do
		if grep -q -- "$opt" "$top/completions/$f"; then
			passed=$((passed + 1))
		else
			echo "completion: completions/$f lacks $opt" >&2
			failed=$((failed + 1))
		fi
	done
done
if command -v zsh > /dev/null; then
	zsh -n "$top/completions/_osmotop" && passed=$((passed + 1)) || failed=$((failed + 1))
fi

echo "completion: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
