# bash completion for todod(8): its options, the fixed choices of --sync
# and --log-level, directories for --data-dir, files for --socket and
# --pidfile and users for --user; numbers (and --socket-mode's octal mode)
# complete to nothing.

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
	local cur=${COMP_WORDS[COMP_CWORD]} opt= w i IFS=$' \t\n'

	COMPREPLY=()
	# Is the current word an option's value?  Walk the words before it,
	# each option with a value taking the next word.  bash splits
	# --sync=MODE at the '=' (COMP_WORDBREAKS) into --sync, = and MODE.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		_todod_valued "$w" || continue
		((i++))
		if [[ $w == --* && ${COMP_WORDS[i]} == = ]]; then
			# --sync= with the cursor just after the '='.
			((i == COMP_CWORD)) && cur=
			((i < COMP_CWORD)) && ((i++))
		fi
		((i == COMP_CWORD)) && opt=$w
	done

	# mapfile, not COMPREPLY=($(...)): a name is one reply, neither split
	# at its blanks nor globbed.
	case $opt in
	-d|--data-dir)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- \
			"$(_todod_dequote "$cur")")
		;;
	-s|--socket|-p|--pidfile)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- \
			"$(_todod_dequote "$cur")")
		;;
	-u|--user)
		mapfile -t COMPREPLY < <(compgen -u -- "$cur")
		;;
	--sync)
		mapfile -t COMPREPLY < <(compgen -W "always none" -- "$cur")
		;;
	-l|--log-level)
		mapfile -t COMPREPLY < <(compgen -W "error warn info debug" \
			-- "$cur")
		;;
	?*)
		# A number, or --socket-mode's octal mode: nothing to offer.
		;;
	*)
		# todod takes no arguments, only options.
		mapfile -t COMPREPLY < <(compgen -W "-f --foreground
			-d --data-dir -s --socket -p --pidfile -w --workers
			--idle-timeout --max-lists --sync --max-frame
			-l --log-level --socket-mode -u --user
			--max-conns-per-uid -V --version -h --help" -- "$cur")
		;;
	esac
} &&
complete -F _todod todod
