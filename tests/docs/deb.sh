#!/usr/bin/env bash
# deb.sh: the package make deb built installs into a scratch root with dpkg, its programs run
# from there, and removing it leaves nothing behind.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-build}
deb=$(ls "$top/$build"/pkg/osmotop_*.deb 2> /dev/null | head -1)
tmp=$(mktemp -d /tmp/osmo-deb-XXXXXX)
root=$tmp/root
passed=0
failed=0
trap 'rm -rf "$tmp"' EXIT

check() { # check NAME COMMAND...
	if "${@:2}" > "$tmp/out" 2>&1; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "deb: FAILED: $1" >&2
		sed 's/^/  | /' "$tmp/out" >&2
	fi
}

[ -n "$deb" ] || { echo "deb: no package in $build/pkg: run make deb" >&2; exit 1; }
mkdir -p "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/info"
touch "$root/var/lib/dpkg/status"
# The scratch root has no libraries: the host's are the dependencies, checked below.
check "dpkg -i into a scratch root" dpkg --root="$root" --force-depends --force-script-chrootless -i "$deb"
check "the packaged osmotop runs" "$root/usr/bin/osmotop" --version
check "the packaged osmo-local runs" "$root/usr/bin/osmo-local" --help
check "its dependencies are installed here" sh -c "dpkg-deb -f '$deb' Depends | tr ',' '\n' | sed 's/(.*//; s/ //g' | xargs dpkg-query -W"
check "the man page is packaged" test -f "$root/usr/share/man/man1/osmotop.1.gz"
check "dpkg -r" dpkg --root="$root" --force-depends --force-script-chrootless -r osmotop
check "nothing is left" sh -c "[ -z \"\$(find '$root/usr' -type f 2> /dev/null)\" ]"
echo "deb: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
