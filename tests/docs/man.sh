#!/bin/sh
# man.sh: the man pages render without warnings and say what the programs say: every option
# of each --help is in its page and every option the page describes is in --help; every key
# of the monitor's keymap is in osmotop(1)'s KEYS.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$top/${BUILD:-build}/bin
tmp=$(mktemp -d /tmp/osmo-man-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

check() { # check NAME: counts the result of the last test
	if [ "$1" = ok ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "man: $2" >&2; fi
}

# The page's text with its escapes for '-' undone.
page() { sed 's/\\-/-/g' "$top/man/$1"; }
# Options a --help lists: "  --name" at the start of a line, or after a usage's "[".
help_options() { grep -oE '(^ +|\[|\|)--[a-z][a-z-]*' | grep -oE -- '--[a-z-]+' | sort -u; }
# Options a page describes: the first word of each .TP entry.
page_options() { page "$1" | awk '/^\.TP/ { getline; print }' | grep -oE -- '^\.[BI]+ +"?--[a-z-]+' | grep -oE -- '--[a-z-]+' | sort -u; }

for p in osmotop.1 osmo-local.1; do
	if groff -man -ww -z "$top/man/$p" 2> "$tmp/warn" && [ ! -s "$tmp/warn" ]; then
		check ok
	else
		check fail "$p: groff warns: $(cat "$tmp/warn")"
	fi
done

{ "$bin/osmotop" --help; "$bin/osmotop" exec --help 2>&1; "$bin/osmotop" port-forward --help 2>&1; "$bin/osmotop" watch --help 2>&1; } | help_options > "$tmp/osmotop.help"
"$bin/osmo-local" --help | help_options > "$tmp/osmo-local.help"
for p in osmotop osmo-local; do
	page_options "$p.1" > "$tmp/$p.page"
	missing=$(comm -23 "$tmp/$p.help" "$tmp/$p.page" | tr '\n' ' ')
	extra=$(comm -13 "$tmp/$p.help" "$tmp/$p.page" | tr '\n' ' ')
	[ -z "$missing" ] && check ok || check fail "$p.1 lacks options of --help: $missing"
	[ -z "$extra" ] && check ok || check fail "$p.1 describes options --help does not list: $extra"
	[ "$(wc -l < "$tmp/$p.help")" -ge 5 ] && check ok || check fail "$p --help listed almost no options"
done

# Every key name of tui/keymap.c's table, in osmotop(1)'s KEYS section.
# The key names: the terms of the section's .TP entries, one word each.
page osmotop.1 | sed -n '/^\.SH KEYS/,/^\.SH /p' | awk '/^\.TP/ { getline; print }' |
	sed 's/^\.[BIR]* *//; s/"//g; s/,/ /g' | tr ' ' '\n' | grep -v '^$' > "$tmp/keys"
sed -n '/keymap_table\[\] = {/,/^};/ s/^[[:space:]]*{ [^"]*"\([^"]*\)",.*/\1/p' "$top/tui/keymap.c" | sort -u > "$tmp/keymap"
nkeys=0
while IFS= read -r key; do
	nkeys=$((nkeys + 1))
	grep -qxF -- "$key" "$tmp/keys" || { check fail "osmotop.1's KEYS lacks the key $key"; continue; }
	check ok
done < "$tmp/keymap"
[ "$nkeys" -ge 30 ] || check fail "read only $nkeys keys from tui/keymap.c"

echo "man: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
