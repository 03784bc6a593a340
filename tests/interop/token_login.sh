#!/usr/bin/env bash
# token_login.sh: NVIDIA's own osmo CLI logs in to osmo-local with its access token, works,
# refreshes its JWT when it expires, and gets nothing with a dev login or a wrong token.
. "$(dirname "$0")/lib.sh"

# JWTs live 4 s here (a test route setting), so one CLI run after another sees them expire.
interop_server OSMO_LOCAL_TEST_ROUTES=1 OSMO_LOCAL_JWT_TTL_S=4
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

interop_done
