#!/usr/bin/env bash
# deb.sh: the package make deb built installs into a scratch root with dpkg, its programs run
# from there, and removing it leaves nothing behind.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-build}
deb=$(ls "$top/$build"/pkg/osmotop_*.deb 2> /dev/null | head -1)
tmp=$(mktemp -d /tmp/osmo-deb-XXXXXX)
root=$tmp/root
trap 'rm -rf "$tmp"' EXIT

check_who=deb
# shellcheck source=tests/docs/check.sh
. "$top/tests/docs/check.sh"

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
check_done
