# osmotop.bash: bash completion for osmotop: subcommands, options, views, statuses, and
# workflow, group and task names asked of the service (`osmotop complete`, 2 s at most).

# _osmotop_names KIND [WORKFLOW]: names from the service the command line points at, or none.
_osmotop_names()
{
	osmotop complete "${_osmotop_conn[@]}" "$@" 2> /dev/null
}

_osmotop()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local sub="" i w
	local -a pos=()
	_osmotop_conn=()
	# The subcommand, the connection options to pass on, and the operands typed so far.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--url | --user | --token-file)
			_osmotop_conn+=("$w" "${COMP_WORDS[i + 1]}")
			((i++))
			;;
		--local) _osmotop_conn+=(--local) ;;
		--size | --view | --task | --pool | --status | --at | --set | --port | --group | --interval | --retries) ((i++)) ;;
		--) break ;;
		-*) ;;
		run | local | exec | port-forward | complete | watch)
			if [[ -z $sub && ${#pos[@]} -eq 0 ]]; then sub=$w; else pos+=("$w"); fi
			;;
		*) pos+=("$w") ;;
		esac
	done
	case $prev in
	--view)
		mapfile -t COMPREPLY < <(compgen -W "list workflow logs triage dag gantt" -- "$cur")
		return
		;;
	--status)
		mapfile -t COMPREPLY < <(compgen -W "$(osmotop complete statuses 2> /dev/null)" -- "$cur")
		return
		;;
	--token-file)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
		;;
	--task)
		[[ ${#pos[@]} -ge 1 ]] && mapfile -t COMPREPLY < <(compgen -W "$(_osmotop_names tasks "${pos[0]}")" -- "$cur")
		return
		;;
	--group)
		[[ ${#pos[@]} -ge 1 ]] && mapfile -t COMPREPLY < <(compgen -W "$(_osmotop_names groups "${pos[0]}")" -- "$cur")
		return
		;;
	--url | --user | --size | --pool | --at | --set | --port | --interval | --retries)
		return
		;;
	esac
	local opts="--url --user --token-file --local"
	case $sub in
	"") opts+=" --snapshot --size --view --task --all-users --pool --status --ascii --at --dump-config --version --help" ;;
	run) opts+=" --set --pool --wait" ;;
	exec) opts+=" --keep-alive --group" ;;
	port-forward) opts+=" --port --udp" ;;
	watch) opts+=" --until-done --interval --retries --json --mine" ;;
	local) opts="" ;;
	esac
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
		return
	fi
	case $sub in
	"")
		if [[ ${#pos[@]} -eq 0 ]]; then
			mapfile -t COMPREPLY < <(compgen -W "run local exec port-forward watch $(_osmotop_names workflows)" -- "$cur")
		fi
		;;
	run)
		compopt -o filenames 2> /dev/null
		mapfile -t COMPREPLY < <(compgen -f -X '!*.@(yaml|yml)' -- "$cur"; compgen -d -- "$cur")
		;;
	local)
		[[ ${#pos[@]} -eq 0 ]] && mapfile -t COMPREPLY < <(compgen -W "start stop status" -- "$cur")
		;;
	watch)
		[[ ${#pos[@]} -eq 0 ]] && mapfile -t COMPREPLY < <(compgen -W "$(_osmotop_names workflows)" -- "$cur")
		;;
	exec | port-forward)
		if [[ ${#pos[@]} -eq 0 ]]; then
			mapfile -t COMPREPLY < <(compgen -W "$(_osmotop_names workflows)" -- "$cur")
		elif [[ ${#pos[@]} -eq 1 && ! " ${COMP_WORDS[*]} " == *" --group "* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "$(_osmotop_names tasks "${pos[0]}")" -- "$cur")
		fi
		;;
	esac
}

complete -F _osmotop osmotop
