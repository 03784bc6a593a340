#!/usr/bin/env bash
# completion_zsh.sh: zsh's completion system (compinit, completions/ on fpath) offers what
# completion.sh checks bash's for (completion_lib.sh's checks), as an interactive zsh under
# a pty completes each line (tests/docs/zcomplete.zsh), and _osmotop says no error meanwhile.
check_who=completion_zsh
# shellcheck source=tests/docs/completion_lib.sh
. "$(dirname "$0")/completion_lib.sh"

# complete_words LINE: what zsh's completion offers for LINE; it fails on an error.
complete_words() {
	timeout -k 1 15 zsh -f "$top/tests/docs/zcomplete.zsh" "$tmp/zsh" "$1"
}

check "zsh parses _osmotop" zsh -n "$top/completions/_osmotop"
completion_checks
check_done
