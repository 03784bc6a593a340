#!/usr/bin/env bash
# profile.sh: `osmo profile list` and `osmo profile set` against osmo-local, which keeps each
# user's settings in its state as the service keeps them in its database
# (service/core/profile/profile_service.py:68-78, utils/connectors/postgres.py:1646-1669).
. "$(dirname "$0")/lib.sh"

interop_server -- --dev-auth
interop_dev_login

# listed PATTERN...: `osmo profile list` prints a line matching each extended regex.
listed() {
	local p
	run_cli list 0 profile list || return 1
	for p in "$@"; do grep -Eqx "$p" "$tmp/list" || { echo "no line: $p"; return 1; }; done
}
check "osmo profile list: notifications off, the one pool" listed '  email: False' \
	'  slack: False' '  default: default'

set_email() { run_cli set 0 profile set notifications email && grep -qx 'Profile Set' "$tmp/set"; }
check "osmo profile set notifications email" set_email
check "osmo profile list: email on" listed '  email: True' '  slack: False'

set_slack() { run_cli set 0 profile set notifications slack true; }
check "osmo profile set notifications slack true" set_slack
check "osmo profile list: both on" listed '  email: True' '  slack: True'

# Pool.fetch_from_db: an OSMOUserError, which the CLI exits 2 for.
no_pool() {
	run_cli pool 2 profile set pool other && grep -qx 'Error message: Pool other not found.' "$tmp/pool"
}
check "osmo profile set pool other: not found, exit 2" no_pool

kept() {
	interop_stop
	interop_server -- --dev-auth
	interop_dev_login
	listed '  email: True' '  slack: True'
}
check "the settings outlive a restart of osmo-local" kept

interop_done
