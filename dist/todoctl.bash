# bash completion for todoctl(1): commands, options, dates, files and the
# names of the daemon's lists (asked with `todoctl lists`, quietly, with
# the -s SOCKET given on the command line).

_todoctl_lists()
{
	local sock=$1 cmd=${COMP_WORDS[0]}

	if [[ -n $sock ]]; then
		"$cmd" -t 2 -s "$sock" lists 2>/dev/null
	else
		"$cmd" -t 2 lists 2>/dev/null
	fi
}

# The daemon's lists that start with $2 (typed as is, or with its
# backslashes), each quoted for the shell: a name is data, never words for
# compgen -W to expand (a list named $(cmd) would run cmd).
_todoctl_complete_lists()
{
	local sock=$1 cur=$2 n

	while IFS= read -r n; do
		[[ $n == "$cur"* || $n == "${cur//\\/}"* ]] &&
			COMPREPLY+=("$(printf '%q' "$n")")
	done < <(_todoctl_lists "$sock")
}

# Files that start with $1 (typed as is, with its backslashes, or after
# an opening quote).  mapfile, not COMPREPLY=($(...)): a name is one
# reply, neither split at its blanks nor globbed.
_todoctl_files()
{
	local cur=${1//\\/}

	[[ $cur == [\"\']* ]] && cur=${cur:1}
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}

_todoctl()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=
	local commands="add entries ls update delete rm lists import export
		status ping sync help"
	local dates="today tomorrow yesterday"
	local i w sock= cmd= nargs=0 IFS=$' \t\n'

	COMPREPLY=()
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	# bash splits --socket=PATH at the '=' (COMP_WORDBREAKS).
	[[ $prev == = ]] && ((COMP_CWORD > 1)) &&
		prev=${COMP_WORDS[COMP_CWORD - 2]}

	# Find the command and the -s option before it.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ -z $cmd ]]; then
			case $w in
			-s|--socket|-t|--timeout)
				((i++))
				[[ ${COMP_WORDS[i]} == = ]] && ((i++))
				[[ $w == -s || $w == --socket ]] &&
					sock=${COMP_WORDS[i]}
				;;
			--socket=*) sock=${w#--socket=} ;;
			-*) ;;
			*) cmd=$w ;;
			esac
		elif [[ $w == --date || $w == --title ]]; then
			((i++))
		elif [[ $w != -* ]]; then
			((nargs++))
		fi
	done

	if [[ -z $cmd ]]; then
		case $prev in
		-s|--socket)
			_todoctl_files "$cur"
			return
			;;
		-t|--timeout)
			return
			;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-s --socket -t --timeout -j
				--json -h --help -V --version" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return
	fi

	if [[ $cmd == update ]]; then
		case $prev in
		--date)
			COMPREPLY=($(compgen -W "$dates" -- "$cur"))
			return
			;;
		--title)
			return
			;;
		esac
	fi
	if [[ $cur == -* ]]; then
		if [[ $cmd == update ]]; then
			COMPREPLY=($(compgen -W "--date --title --json --help" \
				-- "$cur"))
		else
			COMPREPLY=($(compgen -W "--json --help" -- "$cur"))
		fi
		return
	fi

	case $cmd in
	help)
		((nargs == 0)) && COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		;;
	add|entries|ls)
		if ((nargs == 0)); then
			_todoctl_complete_lists "$sock" "$cur"
		elif ((nargs == 1)); then
			COMPREPLY=($(compgen -W "$dates" -- "$cur"))
		fi
		;;
	update|delete|rm|export)
		if ((nargs == 0)); then
			_todoctl_complete_lists "$sock" "$cur"
		fi
		;;
	import)
		if ((nargs == 0)); then
			_todoctl_complete_lists "$sock" "$cur"
		elif ((nargs == 1)); then
			_todoctl_files "$cur"
		fi
		;;
	esac
} &&
complete -F _todoctl todoctl
