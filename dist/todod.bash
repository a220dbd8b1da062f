# bash completion for todod(8) and todo-bench(1), installed under both
# names (bash-completion loads a command's completion from the file named
# after it): their options, the fixed choices of todod's --sync and
# --log-level and todo-bench's --workload and --open-via, directories for
# --data-dir, files for --socket and --pidfile, users for --user; numbers
# (and --socket-mode's octal mode, --prefix's list name) complete to
# nothing.

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
	--max-lists|--sync|--max-frame|-l|--log-level|--socket-mode|\
	-u|--user|--max-conns-per-uid)
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
			--sync --max-frame -l --log-level --socket-mode
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
