#!/usr/bin/env bash
# token_login.sh: NVIDIA's own osmo CLI logs in to osmo-local with its access token, works,
# refreshes its JWT when it expires, and gets nothing with a dev login or a wrong token.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-build}
osmo=$top/$build/osmo-cli/bin/osmo
tmp=$(mktemp -d /tmp/osmo-interop-XXXXXX)
server_pid=""
passed=0
failed=0

cleanup() {
	[ -n "$server_pid" ] && kill "$server_pid" 2> /dev/null && wait "$server_pid" 2> /dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

check() { # check NAME COMMAND...: runs COMMAND, counts it
	if "${@:2}" > "$tmp/last.out" 2>&1; then
		echo "ok: $1"
		passed=$((passed + 1))
	else
		echo "FAILED: $1" >&2
		sed 's/^/  | /' "$tmp/last.out" >&2
		failed=$((failed + 1))
	fi
}

# The CLI as a user runs it, with its login.yaml in the scratch directory only.
cli() { OSMO_CONFIG_FILE_DIR=$tmp/cfg timeout 60 "$osmo" "$@"; }

# JWTs live 4 s here (a test route setting), so one CLI run after another sees them expire.
mkfifo "$tmp/out"
OSMO_LOCAL_TEST_ROUTES=1 OSMO_LOCAL_JWT_TTL_S=4 "$top/$build/bin/osmo-local" \
	--listen 127.0.0.1:0 --state "$tmp/state" --phase-ms 0 > "$tmp/out" 2> "$tmp/server.err" &
server_pid=$!
read -r line < "$tmp/out" || true
url=${line##*listening on }
case "$url" in http://*) ;; *) echo "osmo-local did not start: $(cat "$tmp/server.err")" >&2; exit 1 ;; esac
token=$tmp/state/access_token
mkdir -p "$tmp/cfg"

id_token() { sed -n 's/^  id_token: //p' "$tmp/cfg/login.yaml"; }
jwt_exp() { # the exp claim of the stored JWT
	id_token | cut -d. -f2 | tr '_-' '/+' | { read -r p; while [ $((${#p} % 4)) -ne 0 ]; do p="$p="; done; echo "$p"; } |
		base64 -d | sed -n 's/.*"exp":\([0-9]*\).*/\1/p'
}

login_ok() { cli login "$url" --method token --token-file "$token" && grep -q 'osmo_token: true' "$tmp/cfg/login.yaml"; }
check "osmo login --method token --token-file STATE/access_token" login_ok

# The CLI's output goes to a file before grep reads it: grep -q leaving early would break the
# CLI's pipe, and the pipeline would fail with the CLI's BrokenPipeError.
submit_ok() { cli workflow submit "$top/examples/serial.yaml" > "$tmp/submit" && grep -q 'Workflow ID' "$tmp/submit"; }
check "osmo workflow submit with the token's JWT" submit_ok
wf=$(sed -n 's/^Workflow ID *- //p' "$tmp/submit" | head -1)

list_ok() { cli workflow list -t json > "$tmp/list" && grep -q "\"$wf\"" "$tmp/list"; }
check "osmo workflow list shows it" list_ok

# Wait (bounded) until the stored JWT is within the CLI's 3 s window, then use it again.
refresh_ok() {
	local before exp deadline
	before=$(id_token)
	exp=$(jwt_exp)
	deadline=$(($(date +%s) + 20))
	while [ "$(date +%s)" -lt $((exp - 2)) ]; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.2
	done
	cli workflow query "$wf" -t json > "$tmp/query" && grep -q "\"$wf\"" "$tmp/query" &&
		[ "$(id_token)" != "$before" ]
}
check "an expired JWT is refreshed with the access token and the next call works" refresh_ok

dev_refused() {
	local out
	rm -f "$tmp/cfg/login.yaml"
	cli login "$url" --method dev --username "$(id -un)" > /dev/null
	! out=$(cli workflow list -t json 2>&1) && printf '%s\n' "$out" | grep -q 'Jwt is missing'
}
check "a dev login (x-osmo-user alone) is refused" dev_refused

wrong_refused() {
	local out
	rm -f "$tmp/cfg/login.yaml"
	printf 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n' > "$tmp/wrong"
	! out=$(cli login "$url" --method token --token-file "$tmp/wrong" 2>&1) &&
		printf '%s\n' "$out" | grep -q 'Access Token is invalid'
}
check "a wrong access token is refused at login" wrong_refused

echo "interop: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
