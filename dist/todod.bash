# bash completion for todod(8), todoctl(1) and todo-bench(1), installed
# under the three names (bash-completion loads a command's completion from
# the file named after it):
# - todod and todo-bench: their options, the fixed choices of todod's
#   --sync and --log-level and todo-bench's --workload and --open-via,
#   directories for --data-dir, files for --socket and --pidfile, users for
#   --user; numbers (and --socket-mode's octal mode, --prefix's list name)
#   complete to nothing.
# - todoctl: commands, options, dates, files and the names of the daemon's
#   lists (asked with `todoctl lists`, quietly, with the -s SOCKET given on
#   the command line).

# $1 as the shell reads it, with its quotes and backslashes taken off and
# nothing expanded: a typed word is data, never run (x$(cmd) stays as is).
_todod_dequote()
{
	local s=$1 out= c q= i

	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		if [[ $q == "'" ]]; then
			[[ $c == "'" ]] && q= || out+=$c
		elif [[ $c == '\' ]]; then
			((i++))
			# Inside "...", \ escapes only $ ` " and \.
			[[ $q == '"' && ${s:i:1} != [\$\`\"\\] ]] && out+=$c
			out+=${s:i:1}
		elif [[ -n $q && $c == "$q" ]]; then
			q=
		elif [[ -z $q && ( $c == "'" || $c == '"' ) ]]; then
			q=$c
		else
			out+=$c
		fi
	done
	printf '%s' "$out"
}

# The option whose value the word under the cursor is, by walking the
# words before it (each option that takes a value, as $1 says, takes the
# next word), into _todod_opt; the word typed so far into _todod_cur.
# bash splits --opt=VALUE at the '=' (COMP_WORDBREAKS) into --opt, = and
# VALUE.
_todod_value_of()
{
	local valued=$1 w i

	_todod_opt=
	_todod_cur=${COMP_WORDS[COMP_CWORD]}
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		"$valued" "$w" || continue
		((i++))
		if [[ $w == --* && ${COMP_WORDS[i]} == = ]]; then
			# --opt= with the cursor just after the '='.
			((i == COMP_CWORD)) && _todod_cur=
			((i < COMP_CWORD)) && ((i++))
		fi
		((i == COMP_CWORD)) && _todod_opt=$w
	done
}

# Files (or, with -d, directories) for the word typed so far.  mapfile,
# not COMPREPLY=($(...)): a name is one reply, neither split at its
# blanks nor globbed.
_todod_files()
{
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen "${1:--f}" -- \
		"$(_todod_dequote "$_todod_cur")")
}

# Fixed words for the word typed so far.
_todod_words()
{
	mapfile -t COMPREPLY < <(compgen -W "$1" -- "$_todod_cur")
}

# Whether option $1 takes a value (the next word).
_todod_valued()
{
	case $1 in
	-d|--data-dir|-s|--socket|-p|--pidfile|-w|--workers|--idle-timeout|\
	--max-lists|--sync|--max-frame|--max-list-size|-l|--log-level|\
	--socket-mode|-u|--user|--max-conns-per-uid)
		return 0
		;;
	esac
	return 1
}

_todod()
{
	local _todod_opt _todod_cur IFS=$' \t\n'

	COMPREPLY=()
	_todod_value_of _todod_valued
	case $_todod_opt in
	-d|--data-dir)
		_todod_files -d
		;;
	-s|--socket|-p|--pidfile)
		_todod_files
		;;
	-u|--user)
		mapfile -t COMPREPLY < <(compgen -u -- "$_todod_cur")
		;;
	--sync)
		_todod_words "always none"
		;;
	-l|--log-level)
		_todod_words "error warn info debug"
		;;
	?*)
		# A number, or --socket-mode's octal mode: nothing to offer.
		;;
	*)
		# todod takes no arguments, only options.
		_todod_words "-f --foreground -d --data-dir -s --socket
			-p --pidfile -w --workers --idle-timeout --max-lists
			--sync --max-frame --max-list-size -l --log-level
			--socket-mode
			-u --user --max-conns-per-uid -V --version -h --help"
		;;
	esac
}

# Whether option $1 takes a value (the next word).
_todo_bench_valued()
{
	case $1 in
	-s|--socket|-c|--clients|-l|--lists|--preload|--preloaded|\
	-r|--read-percent|-P|--pipeline|-d|--duration|-n|--requests|\
	-w|--workload|--open-via|--prefix|--title-size|--timeout|--seed)
		return 0
		;;
	esac
	return 1
}

_todo_bench()
{
	local _todod_opt _todod_cur IFS=$' \t\n'

	COMPREPLY=()
	_todod_value_of _todo_bench_valued
	case $_todod_opt in
	-s|--socket)
		_todod_files
		;;
	-w|--workload)
		_todod_words "mixed read write open"
		;;
	--open-via)
		_todod_words "connect reattach"
		;;
	?*)
		# A number, or --prefix's list name: nothing to offer.
		;;
	*)
		# todo-bench takes no arguments, only options.
		_todod_words "-s --socket -c --clients -l --lists --preload
			--preload-only --preloaded -r --read-percent
			-P --pipeline -d --duration -n --requests
			-w --workload --open-via --prefix --title-size
			--timeout --seed --json -V --version -h --help"
		;;
	esac
}

complete -F _todod todod
complete -F _todo_bench todo-bench

_todoctl_lists()
{
	local sock=$1 cmd=${COMP_WORDS[0]}

	# The -s word as the shell will pass it: unquoted, ~ expanded.
	sock=$(_todod_dequote "$sock")
	[[ $1 == "~" || $1 == "~/"* ]] && sock=$HOME${sock:1}
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
	local sock=$1 cur=$2 dashdash=$3 n q

	while IFS= read -r n; do
		# A backslash may stand for an escaped control character
		# (todoctl lists prints them so): offered, such a name could
		# be another list's.  Those few are typed, not completed.
		[[ $n == *\\* ]] && continue
		[[ $n == "$cur"* || $n == "${cur//\\/}"* ]] || continue
		q=$(printf '%q' "$n")
		# A name that looks like an option needs a -- before it.
		[[ $n == -* && -z $dashdash ]] && q="-- $q"
		COMPREPLY+=("$q")
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
	local i w sock= cmd= nargs=0 dashdash= IFS=$' \t\n'

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
			-*) ;;
			*) cmd=$w ;;
			esac
		elif [[ -n $dashdash || $w != -* ]]; then
			((nargs++))
		elif [[ $w == -- ]]; then
			dashdash=1	# every word after it is an argument
		elif [[ $w == --date || $w == --title ]]; then
			# The value, after the '=' of --date=VALUE if any.
			((i++))
			[[ ${COMP_WORDS[i]} == = ]] && ((i++))
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

	if [[ $cmd == update && -z $dashdash ]]; then
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
	if [[ $cur == -* && -z $dashdash ]]; then
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
			_todoctl_complete_lists "$sock" "$cur" "$dashdash"
		elif ((nargs == 1)); then
			COMPREPLY=($(compgen -W "$dates" -- "$cur"))
		fi
		;;
	update|delete|rm|export)
		if ((nargs == 0)); then
			_todoctl_complete_lists "$sock" "$cur" "$dashdash"
		fi
		;;
	import)
		if ((nargs == 0)); then
			_todoctl_complete_lists "$sock" "$cur" "$dashdash"
		elif ((nargs == 1)); then
			_todoctl_files "$cur"
		fi
		;;
	esac
} &&
complete -F _todoctl todoctl
