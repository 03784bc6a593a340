#!/usr/bin/env bash
# completion.sh: bash completion offers osmotop's subcommands, options, views, statuses and
# specs, and workflow, group and task names from a real osmo-local; an unreachable service
# gives nothing, quickly (completion_lib.sh's checks). Every option of --help is known to
# both the bash and the zsh script.
check_who=completion
# shellcheck source=tests/docs/completion_lib.sh
. "$(dirname "$0")/completion_lib.sh"
# shellcheck source=/dev/null
. "$top/completions/osmotop.bash"
# bash-completion, which loads the script, turns it on; the spec pattern needs it.
shopt -s extglob

# complete_words LINE: what bash's completion offers for LINE.
complete_words() {
	read -ra COMP_WORDS <<< "$1"
	[[ $1 == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_osmotop
	[ ${#COMPREPLY[@]} -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}"
}

completion_checks

# Every option of --help, known to both scripts.
for opt in $( { osmotop --help; osmotop exec --help; osmotop port-forward --help; osmotop watch --help; } 2>&1 |
	grep -oE '(^ +|\[|\|)--[a-z][a-z-]*' | grep -oE -- '--[a-z-]+' | sort -u); do
	for f in osmotop.bash _osmotop; do
		check "completions/$f knows $opt" grep -q -- "$opt" "$top/completions/$f"
	done
done
check_done
