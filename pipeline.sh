#!/usr/bin/env bash
CREDPIPE_PREFIX=/usr/local
#
# NAME
#	credpipe (pipeline.sh) - run the credpipe batch, hand in dossiers
#
# SYNOPSIS
#	credpipe run|drop|status|init|show|requeue|release|reprint|submit|
#	records|verify|demo [options] [operands]; credpipe --help | --version
#
# DESCRIPTION
#	The thin driver of credpipe. It keeps what only a shell does well:
#	run chains the stage programs as SPEC §8 describes, ingest | validate
#	| decode | check | typeset | manifest, holding HOME/lock (flock) for
#	the whole run, and drop copies folders into a hidden staging name in
#	the inbox and renames them into place. Everything else is the control
#	program's (credpipe-control(1)): it reads the command line with the
#	options table every program shares (so that the script and the
#	programs agree on precedence and refuse the same bad values), writes
#	the run record and the summary, and carries out the other commands.
#	See credpipe(1) for the whole manual.
#
# EXIT STATUS
#	0 the run completed; 75 another run holds the lock, or a stage left
#	work for the next run (disk full, registry busy or read-only); 64
#	usage; 78 configuration; 70 internal error: a stage failed otherwise
#	(whatever another stage said: a bug wins over "try again later"), or
#	a stage program is missing.
set -u
umask 077

PROGRAM=credpipe
STAGES=(ingest validate decode check typeset manifest)

# --- where the programs and the shared files are -------------------------

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P) || exit 70
if [ -n "${CREDPIPE_BIN:-}" ]; then
	bindir=$(cd -- "$CREDPIPE_BIN" 2>/dev/null && pwd -P) || {
		echo "$PROGRAM: CREDPIPE_BIN: no such directory" >&2
		exit 78
	}
elif [ -d "$script_dir/bin" ]; then
	bindir=$script_dir/bin
else
	bindir=$CREDPIPE_PREFIX/libexec/credpipe
fi
if [ -z "${CREDPIPE_SHARE:-}" ]; then
	if [ -d "$script_dir/schemas" ]; then
		CREDPIPE_SHARE=$script_dir
	else
		CREDPIPE_SHARE=$CREDPIPE_PREFIX/share/credpipe
	fi
fi
export CREDPIPE_SHARE

# --- messages -------------------------------------------------------------

# die STATUS MESSAGE - a log line as the programs write it (log.c); exit
die() {
	local status=$1
	shift
	printf '%s %s: error: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$PROGRAM" \
		"$*" >&2
	exit "$status"
}

# control ARGS... - the control program, its messages under our name
control() {
	[ -x "$bindir/control" ] || die 70 "$bindir/control: not built (run make)"
	(exec -a "$PROGRAM" "$bindir/control" "$@")
}

# --- run ------------------------------------------------------------------

# run_stage I PROGRAM - one stage of the chain with every option; when it
# ends, note when (for the run record)
run_stage() {
	local rc
	"$bindir/$2" "${args[@]}"
	rc=$?
	# (on a full disk this line is lost: the run record then lacks it)
	printf '%s %s\n' "$1" "$EPOCHREALTIME" 2>/dev/null >>"$times_file"
	return "$rc"
}

# show_progress FILE - on the terminal, n/total: the dossiers out of the
# chain (the ids in FILE, in HOME/spool) of all it has taken, those out
# and those still in the spool without their id out yet (held ones are
# both: comm counts them once)
show_progress() {
	while :; do
		progress_line "$1"
		sleep 0.5
	done
}

# progress_line FILE - one redraw of show_progress's line
progress_line() {
	local n left
	n=$(wc -l <"$1" 2>/dev/null) || n=0
	left=$(LC_ALL=C comm -23 <(find "${1%/*}" -mindepth 1 -maxdepth 1 \
		-type d ! -name '.*' -printf '%f\n' 2>/dev/null | LC_ALL=C sort) \
		<(LC_ALL=C sort -- "$1" 2>/dev/null) | wc -l)
	printf '\rcredpipe: %d/%d dossiers through the chain...' "$n" \
		"$((n + left))" >&2
}

# count_batches - the courier batch folders (OUT/courier/DAY/COURIER-N)
count_batches() {
	find "${cfg[OUT]}/courier" -mindepth 2 -maxdepth 2 -type d 2>/dev/null |
		wc -l
}

cmd_run() {
	local home=${cfg[HOME]} ids_file started stage statuses i
	local missing=() pairs=() progress_pid='' batches published=none

	# Every stage, or none: a chain that silently left one out would
	# exit 0 while the dossiers it owes (a notice, a report) never come.
	for stage in "${STAGES[@]}"; do
		[ -f "$bindir/$stage" ] && [ -x "$bindir/$stage" ] ||
			missing+=("$bindir/$stage")
	done
	[ "${#missing[@]}" -eq 0 ] ||
		die 70 "stage program missing or not executable: ${missing[*]}" \
			"(a broken installation; run make, or make install); nothing was run"
	exec 9>>"$home/lock" || die 75 "$home/lock: cannot open"
	flock -n 9 || die 75 "another run holds $home/lock; try again later"
	started=$EPOCHREALTIME

	# The ids the last stage emits, kept in HOME (not /tmp) so that a run
	# killed before its trap ran leaves nothing behind: under the lock, no
	# other run's file can be live, so older ones are removed here.
	mkdir -p -- "$home/spool" || die 75 "$home/spool: cannot create"
	rm -f -- "$home"/spool/.run-ids-*
	ids_file=$home/spool/.run-ids-$$
	times_file=$ids_file-times
	{ : >"$ids_file" && : >"$times_file"; } || die 75 "$ids_file: cannot create"
	# shellcheck disable=SC2064  # expand now: the paths are fixed
	trap "rm -f -- '$ids_file' '$times_file'" EXIT
	batches=$(count_batches)

	# On a terminal, show how many dossiers have come out of the chain.
	if [ -t 2 ] && [ "${cfg[VERBOSITY]}" -ne 0 ]; then
		show_progress "$ids_file" &
		progress_pid=$!
	fi
	# the filter pipeline of SPEC §8: all stages at once
	run_stage 0 ingest | run_stage 1 validate | run_stage 2 decode |
		run_stage 3 check | run_stage 4 typeset |
		run_stage 5 manifest >"$ids_file"
	statuses=("${PIPESTATUS[@]}")
	if [ -n "$progress_pid" ]; then
		kill "$progress_pid" 2>/dev/null
		wait "$progress_pid" 2>/dev/null
		# the last count stays on the screen, however short the run
		# was against the redraws
		progress_line "$ids_file"
		printf '\n' >&2
	fi
	for i in "${!STAGES[@]}"; do
		pairs+=("${STAGES[$i]}=${statuses[$i]}")
	done

	# The signed status list relying parties verify against offline
	# (verify(1)), published after the chain so that it names what this
	# run revoked and extended.
	if [ -x "$bindir/records" ]; then
		"$bindir/records" "${args[@]}" publish
		published=$?
	fi
	# The run's status, its record and summary: the control program reads
	# the dossiers' results with the modules the stages use.
	batches=$(($(count_batches) - batches))
	control run-end "$started" "$((batches < 0 ? 0 : batches))" \
		"$ids_file" "$times_file" "$published" "${pairs[@]}" "${args[@]}"
}

# --- drop -----------------------------------------------------------------

# cmd_drop FOLDER... - copy each into a hidden staging folder of the inbox,
# then rename it into place, so that a folder is complete when it appears
cmd_drop() {
	local inbox=${cfg[INBOX]} dir name stage dest n
	[ -d "$inbox" ] || die 78 "$inbox: no inbox (see credpipe init)"
	for dir; do
		name=$dir
		while [ "${name%/}" != "$name" ] && [ "$name" != / ]; do
			name=${name%/}
		done
		name=${name##*/}
		if [ -z "$name" ] || [ "$name" = . ] || [ "$name" = .. ]; then
			name=$(cd -- "$dir" && pwd -P && echo x) || exit 64
			name=${name%$'\nx'}
			name=${name##*/}
		fi
		# a hidden name would never be claimed
		while [ "${name#.}" != "$name" ]; do name=${name#.}; done
		[ -n "$name" ] || name=dropped
		stage=$(mktemp -d -- "$inbox/.drop-XXXXXX") ||
			die 75 "$inbox: cannot create a staging folder"
		if ! cp -a -- "$dir/." "$stage/"; then
			rm -rf -- "$stage"
			die 75 "drop: $(printf '%q' "$dir"): copy failed; nothing dropped"
		fi
		# complete the moment it appears (SPEC §2): say so, so that a
		# run started by credpipe.path claims it without waiting
		[ -e "$stage/READY" ] || : >"$stage/READY"
		sync -f -- "$stage"
		# rename into place; never over an existing folder
		n=1
		dest=$inbox/$name
		while ! mv -T -n -- "$stage" "$dest" 2>/dev/null || [ -e "$stage" ]; do
			n=$((n + 1))
			dest=$inbox/$name~$n
			[ "$n" -lt 10000 ] || die 70 "drop: no free name for $name"
		done
		sync -- "$inbox"
		[ "${cfg[VERBOSITY]}" -ne 2 ] ||
			printf 'dropped %q as %q\n' "$dir" "${dest##*/}"
	done
	return 0
}

# --- the command line, read by control; dispatching -------------------------

# control answers on descriptor 3 (stdout stays ours, for --help and
# --version): the command word's index, and for run and drop the resolved
# configuration as KEY=value lines and the indexes of drop's folders.
declare -A cfg=()
{ answer=$(control command-line "$@" 3>&1 >&4); } 4>&1 || exit
[ -n "$answer" ] || exit 0
while IFS= read -r line; do
	cfg[${line%%=*}]=${line#*=}
done <<<"$answer"
at=${cfg[COMMAND]}
command=${!at}
args=("${@:1:at-1}" "${@:at+1}")  # every word but the command, as given
folders=()
for i in ${cfg[OPERANDS]:-}; do folders+=("${!i}"); done

case $command in
run) cmd_run ;;
drop) cmd_drop "${folders[@]}" ;;
records | verify)
	[ -x "$bindir/$command" ] || die 70 "$bindir/$command: not built"
	exec "$bindir/$command" "${args[@]}"
	;;
demo)
	# the demo drives this script as an operator would (samples/demo.sh)
	[ -f "$CREDPIPE_SHARE/samples/demo.sh" ] ||
		die 70 "demo: no samples in $CREDPIPE_SHARE/samples"
	CREDPIPE_BIN=$bindir exec bash "$CREDPIPE_SHARE/samples/demo.sh" \
		"$script_dir/${BASH_SOURCE[0]##*/}"
	;;
status | init | show | requeue | release | reprint | submit)
	control "$command" "${args[@]}"
	;;
*) die 64 "unknown command: $(printf '%q' "$command") (see --help)" ;;
esac
