#!/bin/sh
# demo.sh: shows osmotop on recorded workflows served over loopback (osmo-local replaces this).
set -eu
build=${BUILD:-build}
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
fx=$(cd "$(dirname "$0")/../tests/fixtures" && pwd)
cat > "$tmp/routes" <<EOR
GET /api/workflow/llm-finetune-17 200 application/json $fx/workflow_query_running_verbose.json
GET /api/workflow/llm-finetune-16 200 application/json $fx/workflow_query_failed_evicted.json
GET /api/workflow 200 application/json $fx/workflow_list_page.json
EOR
mkfifo "$tmp/out"
"$build/tests/fixture_server" --routes "$tmp/routes" --lifetime 60 > "$tmp/out" &
pid=$!
# The first line names the port; read blocks until it comes (or the server dies: EOF).
read -r line < "$tmp/out" || true
url=${line##*listening on }
case "$url" in http://*) ;; *) echo "demo: the demo server did not start" >&2; exit 1 ;; esac
for args in "" "llm-finetune-17" "llm-finetune-16"; do
	# shellcheck disable=SC2086
	"$build/bin/osmotop" --snapshot --url "$url" --at 2026-08-18T15:10:00 $args
	echo
done
