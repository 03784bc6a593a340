#!/bin/sh
# deps.sh: installs the Debian packages osmotop builds and tests with; quick when present.
# Usage: deps.sh [--check] [extra packages...]   (--check: exit 1 if any is missing, install nothing)
set -eu
check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
pkgs="gcc make pkg-config ca-certificates libncurses-dev ncurses-base libcurl4-openssl-dev libcjson-dev libyajl-dev libyaml-dev libcmocka-dev libwslay-dev libmicrohttpd-dev nettle-dev tmux $*"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$check" = 1 ]; then
	echo "missing Debian packages:$missing" >&2
	exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
echo "installing:$missing" >&2
$sudo apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >&2
