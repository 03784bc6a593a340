#!/bin/sh
# screenshots.sh: renders screenshots/{list,dag,tasks,logs,cancel}.png for the README: osmotop
# at 120x36 in tmux, on osmo-local running examples/ (checkpoint, failure, pipeline), each
# screen captured with its colours once it shows what it should, made HTML by aha and
# photographed by headless chromium. `make screenshots` builds what it needs and runs it.
# Usage: tools/screenshots.sh [OUTDIR]   (default: screenshots/; $BUILD picks the binaries;
# SCREENSHOT_SCALE=2 renders at twice the pixels; E2E_TRACE=1 says when each screen was taken)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/screenshots}
"$top/tools/deps.sh" aha chromium fonts-dejavu-core || exit 1
e2e_cols=120
e2e_rows=36
e2e_user=jdoe
bg='#1c1c1c'
. "$top/tests/e2e/lib.sh"
chrome_pid=""
trap '[ -n "$chrome_pid" ] && kill "$chrome_pid" 2>/dev/null; e2e_cleanup' EXIT
mkdir -p "$out" || exit 1

# shot NAME: keeps the screen as it is now, with its colours.
shot() {
	e2e_screen -e -N > "$tmp/$1.ans"
	e2e_trace "captured $1"
}

# Phases of 2 s (PROCESSING, INITIALIZING) before each group runs: the pipeline's groups take
# turns for some 14 s; checkpoint and failure end within 7 s. The list is shot while the
# pipeline's second group (train-models) runs, once the other two have ended.
e2e_server 0 --phase-ms 2000
e2e_run "$top/examples/checkpoint.yaml"
e2e_run "$top/examples/failure.yaml"
e2e_run "$top/examples/pipeline.yaml"
pipeline=$wf
e2e_wait_service "COMPLETED +checkpoint-demo-1" 40
e2e_wait_service "FAILED +failure-triage-1" 10
e2e_wait_service "RUNNING +$pipeline" 20

e2e_start
e2e_wait "(RUNNING|WAITING) +$pipeline"
e2e_wait "COMPLETED +checkpoint-demo-1"
e2e_wait "data [0-9]+s old · \\? help"
shot list

# The pipeline: its DAG while train-models is on its way, then its task table.
e2e_restart "$pipeline"
e2e_wait "osmotop · $pipeline · "
e2e_wait "data [0-9]+s old · \\? help"
e2e_wait "GROUP / TASK"
e2e_keys d
e2e_wait "│ . train-models +│"
shot dag
e2e_keys d
e2e_gone "│ . train-models +│"
shot tasks

# The workflow's log, following every task's lines, once train-model-a has printed.
e2e_keys L
e2e_wait "\\[train-model-a\\] Model A trained" 30
shot logs
e2e_keys Escape
e2e_wait "GROUP / TASK"

# The cancel dialog with a message typed; Esc keeps the workflow.
e2e_keys C
e2e_wait "Cancel workflow $pipeline\\?"
e2e_keys -l "superseded by a newer run"
e2e_wait "message \\(optional\\): superseded by a newer run"
e2e_keys Enter
shot cancel
e2e_keys Escape
e2e_gone "Cancel workflow"
e2e_keys Q
e2e_wait "OSMOTOP-EXITED"
e2e_server_stop

# SGR for aha: tmux's attributes carry over from sequence to sequence and line to line, and
# aha knows no dim and inverts only default colours; so each sequence becomes the whole state,
# dim as grey (90), reverse as swapped colours (30: the background as a foreground, 47: the
# foreground as a background; the CSS below gives both their colours).
sgr_filter='
BEGIN { ($b, $d, $u, $r, $fg, $bg) = (0, 0, 0, 0, undef, undef); }
s{\e\[([0-9;]*)m}{
	my @p = split(/;/, $1, -1);
	@p = (0) unless @p;
	while (@p) {
		my $x = shift(@p) || 0;
		if ($x == 0) { ($b, $d, $u, $r, $fg, $bg) = (0, 0, 0, 0, undef, undef) }
		elsif ($x == 1) { $b = 1 } elsif ($x == 2) { $d = 1 } elsif ($x == 4) { $u = 1 }
		elsif ($x == 7) { $r = 1 } elsif ($x == 22) { $b = $d = 0 } elsif ($x == 24) { $u = 0 }
		elsif ($x == 27) { $r = 0 }
		elsif (($x >= 30 && $x <= 37) || ($x >= 90 && $x <= 97)) { $fg = $x }
		elsif ($x == 39) { $fg = undef }
		elsif (($x >= 40 && $x <= 47) || ($x >= 100 && $x <= 107)) { $bg = $x }
		elsif ($x == 49) { $bg = undef }
		elsif ($x == 38 || $x == 48) { my $m = shift(@p) || 0; splice(@p, 0, $m == 5 ? 1 : 3) }
	}
	my ($f, $g) = ($fg, $bg);
	$f = 90 if !defined($f) && $d;
	($f, $g) = (defined($bg) ? $bg - 10 : 30, defined($fg) ? $fg + 10 : 47) if $r;
	"\e[0m" . ($b ? "\e[1m" : "") . ($u ? "\e[4m" : "") .
		(defined($f) ? "\e[${f}m" : "") . (defined($g) ? "\e[${g}m" : "")
}ge;'
# Every non-ASCII character sits in a one-column box, so glyphs from a fallback font keep the
# grid.
for name in list dag tasks logs cancel; do
	{
		sed "s/@BG@/$bg/" <<'EOH'
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>osmotop</title><style>
html, body { margin: 0; background: @BG@; }
pre { margin: 0; padding: 12px 14px; color: #d0d0d0; background: @BG@;
      font: 15px/17.5px "DejaVu Sans Mono", monospace; }
.c { display: inline-block; width: 1ch; text-align: center; }
.bold { font-weight: bold; } .underline { text-decoration: underline; }
.highlighted { filter: none; }
.dimgray { color: @BG@; } .highlighted.dimgray { color: #808080; }
.bg-white { background-color: #d0d0d0; }
.red { color: #f0605a; } .green { color: #7fc75a; } .yellow { color: #e5c15a; }
.blue { color: #6aa5f0; } .purple { color: #c58ae0; } .cyan { color: #5ec4c4; }
.white { color: #e8e8e8; }
.bg-red { background-color: #f0605a; } .bg-green { background-color: #7fc75a; }
.bg-yellow { background-color: #e5c15a; } .bg-blue { background-color: #6aa5f0; }
.bg-purple { background-color: #c58ae0; } .bg-cyan { background-color: #5ec4c4; }
</style></head><body><pre>
EOH
		perl -CSD -pe "$sgr_filter" "$tmp/$name.ans" | aha -n -s |
			perl -CSD -pe 's{([^\x00-\x7f])}{<span class="c">$1</span>}g'
		echo '</pre></body></html>'
	} > "$tmp/$name.html"
done
# The page is cols x rows cells of 15px DejaVu Sans Mono (9.03 x 17.5 px) and the padding.
width=$(((e2e_cols * 9033 + 999) / 1000 + 28))
height=$(((e2e_rows * 175 + 9) / 10 + 24))
for name in list dag tasks logs cancel; do
	rm -f "$out/$name.png"
	timeout -k 5 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--user-data-dir="$tmp/chromium" --no-first-run --disable-extensions \
		--disable-background-networking --disable-component-update --disable-sync \
		--force-device-scale-factor="${SCREENSHOT_SCALE:-1}" --window-size="$width,$height" \
		--screenshot="$out/$name.png" "file://$tmp/$name.html" > "$tmp/chromium.log" 2>&1 &
	chrome_pid=$!
	wait "$chrome_pid" || { cat "$tmp/chromium.log" >&2; e2e_fail "chromium could not render $name"; }
	chrome_pid=""
	[ -s "$out/$name.png" ] || e2e_fail "no $out/$name.png"
done
echo "screenshots: list.png dag.png tasks.png logs.png cancel.png in $out"
