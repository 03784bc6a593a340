#!/usr/bin/env bash
# install.sh: make install into a scratch root gives programs that work from there (osmotop
# starts the osmo-local beside it), readable man pages and the examples; uninstall removes it all.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-build}
tmp=$(mktemp -d /tmp/osmo-install-XXXXXX)
root=$tmp/root
bin=$root/usr/bin
trap 'XDG_STATE_HOME=$tmp/state "$bin/osmotop" local stop > /dev/null 2>&1; rm -rf "$tmp"' EXIT

check_who=install
# shellcheck source=tests/docs/check.sh
. "$top/tests/docs/check.sh"

check "make install" make -C "$top" --no-print-directory BUILD="$build" DESTDIR="$root" PREFIX=/usr install
check "the installed osmotop runs" "$bin/osmotop" --version
check "the installed osmo-local runs" "$bin/osmo-local" --help
check "man pages installed" test -f "$root/usr/share/man/man1/osmotop.1" -a -f "$root/usr/share/man/man1/osmo-local.1"
check "the installed page renders" sh -c "MANWIDTH=80 man -l '$root/usr/share/man/man1/osmotop.1' | grep -q 'osmotop - watch'"
check "completions installed" test -f "$root/usr/share/bash-completion/completions/osmotop" -a -f "$root/usr/share/zsh/site-functions/_osmotop"
check "examples installed" test -f "$root/usr/share/osmotop/examples/pipeline.yaml"
# The installed osmotop starts the installed osmo-local (not build/'s) and stops it.
local_runs() {
	env -u OSMO_LOCAL_BIN XDG_STATE_HOME="$tmp/state" OSMO_CONFIG_FILE_DIR="$tmp" \
		"$bin/osmotop" run --local --wait "$root/usr/share/osmotop/examples/serial.yaml" &&
		grep -q "$bin/osmo-local" "/proc/$(cat "$tmp/state/osmotop/local/server.pid")/cmdline" &&
		XDG_STATE_HOME="$tmp/state" "$bin/osmotop" local stop
}
check "osmotop run starts the osmo-local installed beside it" local_runs
check "make uninstall" make -C "$top" --no-print-directory BUILD="$build" DESTDIR="$root" PREFIX=/usr uninstall
check "nothing is left" sh -c "[ -z \"\$(find '$root' -type f)\" ]"

check_done
