# bash completion for todo-bench(1): its options, the fixed choices of
# --workload and --open-via and files for --socket; numbers and the list
# name prefix complete to nothing.

# $1 as the shell reads it, with its quotes and backslashes taken off and
# nothing expanded: a typed word is data, never run (x$(cmd) stays as is).
_todo_bench_dequote()
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
	local cur=${COMP_WORDS[COMP_CWORD]} opt= w i IFS=$' \t\n'

	COMPREPLY=()
	# Is the current word an option's value?  Walk the words before it,
	# each option with a value taking the next word.  bash splits
	# --workload=KIND at the '=' (COMP_WORDBREAKS) into --workload, =
	# and KIND.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		_todo_bench_valued "$w" || continue
		((i++))
		if [[ $w == --* && ${COMP_WORDS[i]} == = ]]; then
			# --workload= with the cursor just after the '='.
			((i == COMP_CWORD)) && cur=
			((i < COMP_CWORD)) && ((i++))
		fi
		((i == COMP_CWORD)) && opt=$w
	done

	# mapfile, not COMPREPLY=($(...)): a name is one reply, neither split
	# at its blanks nor globbed.
	case $opt in
	-s|--socket)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- \
			"$(_todo_bench_dequote "$cur")")
		;;
	-w|--workload)
		mapfile -t COMPREPLY < <(compgen -W "mixed read write open" \
			-- "$cur")
		;;
	--open-via)
		mapfile -t COMPREPLY < <(compgen -W "connect reattach" \
			-- "$cur")
		;;
	?*)
		# A number, or --prefix's list name: nothing to offer.
		;;
	*)
		# todo-bench takes no arguments, only options.
		mapfile -t COMPREPLY < <(compgen -W "-s --socket -c --clients
			-l --lists --preload --preload-only --preloaded
			-r --read-percent -P --pipeline -d --duration
			-n --requests -w --workload --open-via --prefix
			--title-size --timeout --seed --json -V --version
			-h --help" -- "$cur")
		;;
	esac
} &&
complete -F _todo_bench todo-bench
