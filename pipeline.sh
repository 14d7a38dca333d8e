#!/usr/bin/env bash
CREDPIPE_PREFIX=/usr/local
#
# NAME
#	credpipe (pipeline.sh) - run the credpipe batch, hand in dossiers,
#	show what waits where
#
# SYNOPSIS
#	credpipe run [options]
#	credpipe drop DIR...
#	credpipe status [options]
#	credpipe init --home H [--group G]
#	credpipe show ID|CODE|NUMBER
#	credpipe requeue ID
#	credpipe release ID
#	credpipe records SUBCOMMAND [ARG...]
#	credpipe verify [--key FILE] [--status FILE] FILE...
#	credpipe submit [options] [--shards N] [--max-running K] [--wait]
#	credpipe demo
#	credpipe --help | --version
#
# DESCRIPTION
#	run chains the stage programs as SPEC §8 describes:
#	ingest | validate | decode | check | typeset | manifest, holding
#	HOME/lock (flock) for the whole run; a second run exits 75 at once.
#	A stage program that is missing is an installation bug (70, named),
#	never skipped: a chain without it would leave dossiers undecided.
#	Every option is passed on to every stage; the options are resolved
#	once by `control --print-config` so that the script and the programs
#	agree on precedence (command line > CREDPIPE_* > config file) and
#	refuse the same bad values (64 usage, 78 configuration, and a HOME
#	that `credpipe init` did not make).
#	drop copies folders into a hidden staging name in the inbox and
#	renames them into place, so a folder is complete when it appears.
#	See man/credpipe.1 for the whole manual.
#
# EXIT STATUS
#	0 the run completed; 75 another run holds the lock, or a stage left
#	work for the next run (disk full, registry busy or read-only); 64
#	usage; 78 configuration; 70 internal error: a stage failed otherwise
#	(whatever another stage said: a bug wins over "try again later"), or
#	a stage program is missing.
#
# SEE ALSO
#	ingest(1), validate(1), decode(1), check(1), typeset(1), manifest(1),
#	records(1)
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

# say SEVERITY MESSAGE - a log line as the programs write it (log.c)
say() {
	local severity=$1
	shift
	printf '%s %s: %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$PROGRAM" \
		"$severity" "$*" >&2
}
warn() { say warning "$@"; }
die() {
	local status=$1
	shift
	say error "$@"
	exit "$status"
}

usage() {
	cat <<'EOF'
usage: credpipe run      [options]   one batch run (what cron calls)
       credpipe drop     DIR...      hand dossier folders to the inbox atomically
       credpipe status   [options]   what waits where, oldest first
       credpipe init --home H [--group G]   make a new HOME
       credpipe show     ID|CODE|NUMBER  one dossier's whole story
       credpipe requeue  ID          a not-verified dossier back to check
       credpipe release  ID          a held dossier tried again
       credpipe reprint  BATCH | --label WAYBILL  a courier batch's files again
       credpipe records  SUBCOMMAND  import/export/query the registry
       credpipe verify   FILE...     is this report genuine and still valid? (offline)
       credpipe submit   [options] [--shards N] [--max-running K] [--wait]
                                     the run as Slurm jobs (scale-out)
       credpipe demo                 the whole pipeline on samples/
       credpipe --help | --version

Options (also CREDPIPE_KEY in the environment, KEY=value in the config file):
  --home DIR                 state root ($CREDPIPE_HOME, else /var/lib/credpipe)
  --inbox DIR  --out DIR  --records FILE
  --jobs N                   parallel workers (default: CPUs)
  --now TIME                 the clock, ISO 8601 (replays, tests)
  --settle SECONDS           quiet time before claiming (60)
  --incomplete-after HOURS   reject incomplete folders after (24)
  --verify-url URL  --tz OFFSET  --font FILE  --batch-size N
  --config FILE              KEY=value file (default HOME/credpipe.conf)
  --quiet | --verbose        what a run prints

Exit status: 0 done, 75 locked or try again later, 64 usage,
78 configuration, 70 internal error. See credpipe(1).
EOF
}

version() {
	local v=unknown
	if [ -r "$script_dir/VERSION" ]; then
		v=$(cat -- "$script_dir/VERSION")
	elif [ -x "$bindir/ingest" ]; then
		v=$("$bindir/ingest" --version | awk '{print $3}')
	fi
	printf 'credpipe %s\n' "$v"
}

# --- command line ---------------------------------------------------------

command=""
opts=()         # options passed on to every stage
operands=()     # drop: the folders; records: its arguments
group_opts=()   # init --group
quiet=0
verbose=0

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--help | -h)
			usage
			exit 0
			;;
		--version)
			version
			exit 0
			;;
		--quiet)
			quiet=1
			verbose=0
			opts+=("$1")
			;;
		--verbose)
			verbose=1
			quiet=0
			opts+=("$1")
			;;
		--home | --inbox | --out | --records | --jobs | --now | --settle | \
			--incomplete-after | --verify-url | --tz | --font | \
			--batch-size | --config | --workers | --worker-time | \
			--worker-memory | --worker-user)
			[ $# -ge 2 ] || die 64 "$1 needs a value (see --help)"
			opts+=("$1" "$2")
			shift
			;;
		--home=* | --inbox=* | --out=* | --records=* | --jobs=* | \
			--now=* | --settle=* | --incomplete-after=* | \
			--verify-url=* | --tz=* | --font=* | --batch-size=* | \
			--config=* | --workers=* | --worker-time=* | \
			--worker-memory=* | --worker-user=*)
			opts+=("$1")
			;;
		--group)
			# init's own option, not the stages'
			[ $# -ge 2 ] || die 64 "$1 needs a value (see --help)"
			group_opts=("$1" "$2")
			shift
			;;
		--group=*)
			group_opts=("$1")
			;;
		--)
			shift
			operands+=("$@")
			return
			;;
		-*)
			die 64 "unknown option: $1 (see --help)"
			;;
		*)
			if [ -z "$command" ]; then
				command=$1
				if [ "$command" = records ] ||
					[ "$command" = verify ] ||
					[ "$command" = reprint ] ||
					[ "$command" = submit ]; then
					shift
					operands+=("$@")
					return
				fi
			else
				operands+=("$1")
			fi
			;;
		esac
		shift
	done
}

# --- resolved options -----------------------------------------------------

declare -A cfg

# control ARGS... - the control program, its messages under our name
control() {
	[ -x "$bindir/control" ] || die 70 "$bindir/control: not built (run make)"
	(exec -a "$PROGRAM" "$bindir/control" "$@")
}

# load_config - the options as the programs see them (control --print-config)
load_config() {
	local record status text
	text=$(control --print-config "${opts[@]}")
	status=$?
	[ "$status" -eq 0 ] || exit "$status"
	while IFS= read -r record; do
		cfg[${record%%=*}]=${record#*=}
	done <<<"$text"
	# a --quiet/--verbose from the environment or the config file counts
	case ${cfg[VERBOSITY]:-1} in
	0) quiet=1 verbose=0 ;;
	2) quiet=0 verbose=1 ;;
	*) quiet=0 verbose=0 ;;
	esac
}

# --- run ------------------------------------------------------------------

# list_batches - courier batch directories, NUL-separated
list_batches() {
	[ -d "${cfg[OUT]}/courier" ] || return 0
	find "${cfg[OUT]}/courier" -mindepth 2 -maxdepth 2 -type d -print0 |
		sort -z
}

# run_stage I PROGRAM ARGS... - one stage of the chain; when it ends, note
# how long after the start of the run (for the run record)
run_stage() {
	local i=$1 rc
	shift
	"$@"
	rc=$?
	# (on a full disk this line is lost: the run record then lacks it)
	printf '%s %s\n' "$i" "$EPOCHREALTIME" 2>/dev/null >>"$stage_times_file"
	return "$rc"
}

# show_progress FILE - on the terminal, n/total: the dossiers out of the
# chain (the ids in FILE, in HOME/spool) of all it has taken, those out
# and those still in the spool without their id out yet (held ones are
# both: comm counts them once)
show_progress() {
	local n left
	while :; do
		n=$(wc -l <"$1" 2>/dev/null) || n=0
		left=$(LC_ALL=C comm -23 <(find "${1%/*}" -mindepth 1 -maxdepth 1 \
			-type d ! -name '.*' -printf '%f\n' 2>/dev/null | LC_ALL=C sort) \
			<(LC_ALL=C sort -- "$1" 2>/dev/null) | wc -l)
		printf '\rcredpipe: %d/%d dossiers through the chain...' "$n" \
			"$((n + left))" >&2
		sleep 0.5
	done
}

# run_status_of STATUS... - the run's status from the stages' statuses, in
# chain order: 0 when all are 0; 70 when any failed other than with 75 (a
# bug must never hide behind another stage's "try again later", or a cron
# monitor would retry a crash forever); else 75. A stage killed by SIGPIPE
# (141) only met a later stage that stopped reading: when a later stage
# failed, that one's status tells why (a full disk is 75, not 70); when
# none did, a stage that stopped reading early is a bug.
run_status_of() {
	local statuses=("$@") i j status result=0
	for i in "${!statuses[@]}"; do
		status=${statuses[$i]}
		if [ "$status" -eq 141 ]; then
			for ((j = i + 1; j < ${#statuses[@]}; j++)); do
				if [ "${statuses[$j]}" -ne 0 ]; then
					status=0
					break
				fi
			done
		fi
		case $status in
		0) ;;
		75) [ "$result" -eq 70 ] || result=75 ;;
		*) result=70 ;;
		esac
	done
	printf '%s' "$result"
}

cmd_run() {
	local home=${cfg[HOME]} ids_file stage_times_file started i stage n
	local missing=()

	# Every stage, or none: a chain that silently left one out would
	# exit 0 while the dossiers it owes (a notice, a report) never come.
	chain=()
	for stage in "${STAGES[@]}"; do
		if [ -f "$bindir/$stage" ] && [ -x "$bindir/$stage" ]; then
			chain+=("$stage")
		else
			missing+=("$bindir/$stage")
		fi
	done
	if [ "${#missing[@]}" -gt 0 ]; then
		die 70 "stage program missing or not executable: ${missing[*]}" \
			"(a broken installation; run make, or make install); nothing was run"
	fi
	exec 9>>"$home/lock" || die 75 "$home/lock: cannot open"
	if ! flock -n 9; then
		die 75 "another run holds $home/lock; try again later"
	fi
	started=$EPOCHREALTIME
	# The run's id: its clock and a sequence number, unique under the
	# lock even for runs at the same --now from one shell.
	n=1
	while [ -e "${cfg[OUT]}/runs/${cfg[NOW_STAMP]}-$n.xml" ]; do
		n=$((n + 1))
	done
	run_id=${cfg[NOW_STAMP]}-$n

	# The ids the last stage emits, kept in HOME (not /tmp) so that a run
	# killed before its trap ran leaves nothing behind: under the lock, no
	# other run's file can be live, so older ones are removed here.
	mkdir -p -- "$home/spool" || die 75 "$home/spool: cannot create"
	rm -f -- "$home"/spool/.run-ids-*
	ids_file=$home/spool/.run-ids-$$
	stage_times_file=$home/spool/.run-ids-$$-times
	: >"$ids_file" && : >"$stage_times_file" ||
		die 75 "$ids_file: cannot create"
	# shellcheck disable=SC2064  # expand now: the paths are fixed
	trap "rm -f -- '$ids_file' '$stage_times_file'" EXIT
	mapfile -d '' -t batches_before < <(list_batches)

	# The filter pipeline of SPEC §8, built from the stages that exist.
	# The text given to eval holds only fixed words and indices; every
	# value is expanded by eval itself, so no name is ever re-parsed.
	local pipeline=""
	stage_status=()
	for i in "${!chain[@]}"; do
		[ -n "$pipeline" ] && pipeline+=" | "
		pipeline+="run_stage $i \"\$bindir/\${chain[$i]}\" \"\${opts[@]}\""
	done
	# On a terminal, show how many dossiers have come out of the chain.
	local progress_pid=
	if [ -t 2 ] && [ "$quiet" -eq 0 ]; then
		show_progress "$ids_file" &
		progress_pid=$!
	fi
	eval "$pipeline >\"\$ids_file\"; stage_status=(\"\${PIPESTATUS[@]}\")"
	if [ -n "$progress_pid" ]; then
		kill "$progress_pid" 2>/dev/null
		wait "$progress_pid" 2>/dev/null
		printf '\r\033[K' >&2
	fi

	run_status=$(run_status_of "${stage_status[@]}")

	# The signed status list relying parties verify against offline
	# (verify(1)): published after the chain, so that it names what this
	# run revoked and extended; a failure leaves the last one in place.
	if [ -x "$bindir/records" ] &&
		! "$bindir/records" "${opts[@]}" publish; then
		warn "${cfg[OUT]}/publish/status.xml: cannot publish the status list"
		[ "$run_status" -ne 0 ] || run_status=75
	fi

	mapfile -d '' -t batches_after < <(list_batches)
	batches=$((${#batches_after[@]} - ${#batches_before[@]}))
	[ "$batches" -ge 0 ] || batches=0
	elapsed=$(awk -v a="$started" -v b="$EPOCHREALTIME" \
		'BEGIN { printf "%.2f", b - a }')

	# each stage's end, in seconds after the start of the run: the
	# stages run at once, so the last one's is the run's elapsed time
	local -A ended=()
	local index at stages_file=$home/spool/.run-ids-$$-stages
	while read -r index at; do
		ended[$index]=$(awk -v a="$started" -v b="$at" \
			'BEGIN { printf "%.2f", b - a }')
	done <"$stage_times_file"
	# (on a full disk this fails; the run record below then says so once)
	for i in "${!chain[@]}"; do
		printf '%s %s %s\n' "${chain[$i]}" "${stage_status[$i]}" \
			"${ended[$i]:-}"
	done 2>/dev/null >"$stages_file"
	# the run record and the summary: the dossiers' results are read by
	# the control program, with the modules the stages use
	if ! control record "${opts[@]}" "$run_id" "$elapsed" "$run_status" \
		"$batches" "$stages_file" "$ids_file" "${started%.*}"; then
		warn "${cfg[OUT]}/runs/$run_id.xml: cannot write the run record" \
			"(disk full or read-only?); the dossiers' own results are kept"
		[ "$run_status" -ne 0 ] || run_status=75
	fi
	rm -f -- "$stages_file"
	if [ "$run_status" -ne 0 ]; then
		printf 'status: %d (stages:' "$run_status"
		for i in "${!chain[@]}"; do
			printf ' %s=%s' "${chain[$i]}" "${stage_status[$i]}"
		done
		printf ')\n'
	fi
	return "$run_status"
}

# --- drop -----------------------------------------------------------------

# check_drop_operands - usage errors before any configuration is read
check_drop_operands() {
	local dir
	[ "${#operands[@]}" -gt 0 ] || die 64 "drop: which folders? (see --help)"
	for dir in "${operands[@]}"; do
		if [ -L "$dir" ] || [ ! -d "$dir" ]; then
			die 64 "drop: $(printf '%q' "$dir"): not a folder"
		fi
	done
}

cmd_drop() {
	local inbox=${cfg[INBOX]} dir name stage dest n
	[ -d "$inbox" ] || die 78 "$inbox: no inbox (see credpipe init)"
	for dir in "${operands[@]}"; do
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
		[ "$verbose" -eq 1 ] &&
			printf 'dropped %q as %q\n' "$dir" "${dest##*/}"
	done
	return 0
}

# --- records, verify, demo --------------------------------------------------

cmd_records() {
	[ -x "$bindir/records" ] || die 70 "$bindir/records: not built"
	exec "$bindir/records" "${opts[@]}" "${operands[@]}"
}

# cmd_verify - is this report genuine and still valid? (verify(1)); it
# takes its own options (--key, --status, --max-age, --registry)
cmd_verify() {
	[ -x "$bindir/verify" ] || die 70 "$bindir/verify: not built"
	exec "$bindir/verify" "${opts[@]}" "${operands[@]}"
}

# demo_round_trip HOME SAMPLES - the online report the demo just issued to
# 张伟, printed and scanned at 150 dpi, comes back in a report-check
# dossier: its QR code must read, verify offline and match the registry.
demo_round_trip() {
	local home=$1 samples=$2 report folder result
	report=$home/out/reports/A20261127000123.pdf
	if [ ! -f "$report" ] || ! command -v pdftoppm >/dev/null; then
		warn "demo: no report to scan back (pdftoppm or $report missing)"
		return 0
	fi
	folder=$home/roundtrip/check-zhang-wei-report
	mkdir -p -- "$folder"
	pdftoppm -r 150 -gray -png -singlefile "$report" "$folder/report" 2>/dev/null ||
		return 0
	sed -e 's/id="A20261127000129"/id="A20261128000001"/' \
		-e 's/received="[^"]*"/received="2026-11-28T08:30:00+08:00"/' \
		"$samples/dossiers/report-check-zhang-wei/dossier.xml" \
		>"$folder/dossier.xml"
	operands=("$folder")
	cmd_drop
	find "$home/inbox" -mindepth 1 -exec touch -h -d 2026-11-28T08:40:00+08:00 {} +
	echo
	echo "round trip: reports/A20261127000123.pdf scanned at 150 dpi," \
		"checked as dossier A20261128000001"
	cmd_run
	result=$home/out/results/A20261128000001.xml
	[ -f "$result" ] && grep -E '<result|<qr ' "$result" | sed 's/^ */  /'
}

cmd_demo() {
	local base=${CREDPIPE_DEMO_DIR:-$PWD/var} home samples status
	samples=$CREDPIPE_SHARE/samples
	[ -f "$samples/build.sh" ] || die 70 "demo: no samples in $samples"
	home=$base/demo-$(date +%Y%m%d-%H%M%S)
	[ -e "$home" ] && home=$home-$$
	control init --home "$home" >/dev/null || die 75 "$home: cannot create"
	echo "demo home: $home"
	# --incomplete-after 0: the sample with a missing attachment is rejected
	# now rather than after a day
	opts=(--home "$home" --now 2026-11-28T09:00:00+08:00 --settle 0
		--incomplete-after 0)
	# a demo without its samples would do nothing and say it worked
	[ -f "$samples/records.xml" ] && [ -f "$samples/build.sh" ] ||
		die 70 "demo: no samples in $samples"
	"$bindir/records" "${opts[@]}" import "$samples/records.xml" ||
		die 70 "demo: importing $samples/records.xml failed"
	# installed, the page generators live beside the programs
	if [ -z "${CREDPIPE_BUILD:-}" ] && [ -x "$bindir/tools/mkpng" ]; then
		export CREDPIPE_BUILD=$bindir
	fi
	bash "$samples/build.sh" "$home/inbox" ||
		die 70 "demo: $samples/build.sh failed"
	# The sender printed on courier labels and dispatch lists.
	cat >>"$home/credpipe.conf" <<'EOF'

# the demo's sender
SENDER_NAME=学历认证中心 Credential Certification Office
SENDER_PHONE=01082330000
SENDER_ADDRESS=北京市海淀区学院路35号
SENDER_POSTCODE=100083
EOF
	# The demo runs at a fixed --now; files made just now would lie in its
	# future and count as still changing, so date them before it.
	find "$home/inbox" -mindepth 1 -exec touch -h -d 2026-11-28T08:00:00+08:00 {} +
	load_config
	cmd_run
	status=$?
	[ "$status" -eq 0 ] && demo_round_trip "$home" "$samples"
	cat <<EOF

results:   $home/out/results/
reports:   $home/out/reports/
notices:   $home/out/notices/
manifests: $home/out/courier/
run record: $home/out/runs/
quarantine: $home/quarantine/
EOF
	return "$status"
}

# --- main -------------------------------------------------------------------

parse_args "$@"
case $command in
run)
	[ "${#group_opts[@]}" -eq 0 ] || die 64 "--group belongs to init"
	[ "${#operands[@]}" -eq 0 ] || die 64 "run takes no operands (see --help)"
	load_config
	cmd_run
	;;
drop)
	check_drop_operands
	load_config
	cmd_drop
	;;
status)
	[ "${#operands[@]}" -eq 0 ] || die 64 "status takes no operands"
	control status "${opts[@]}"
	;;
records)
	cmd_records
	;;
verify)
	cmd_verify
	;;
submit) # the run as Slurm jobs: control does it all (submit.c)
	control submit "${opts[@]}" "${operands[@]}"
	;;
demo)
	cmd_demo
	;;
show | requeue | release)
	[ "${#operands[@]}" -eq 1 ] || die 64 "$command takes one operand (see --help)"
	control "$command" "${opts[@]}" -- "${operands[0]}"
	;;
reprint)
	control reprint "${opts[@]}" "${operands[@]}"
	;;
init)
	[ "${#operands[@]}" -eq 0 ] || die 64 "init takes no operands"
	control init "${opts[@]}" "${group_opts[@]}"
	;;
"")
	usage >&2
	exit 64
	;;
*)
	die 64 "unknown command: $(printf '%q' "$command") (see --help)"
	;;
esac
