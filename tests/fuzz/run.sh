#!/usr/bin/env bash
# tests/fuzz/run.sh SECONDS [HARNESS...] - run the libFuzzer harnesses.
#
# Each harness (default: every tests/fuzz/fuzz_*.c) runs for SECONDS on
# its corpus, build/fuzz/corpus/<harness>/ (kept between runs, so a long
# run goes on where the last one stopped), seeded from samples/ and
# tests/ and from the seeds the build generates (build/fuzz/seeds).
# Prints "ok - NAME: N executions in S s, 0 crashes, 0 leaks" or
# "not ok - NAME: ..." with the finding and the input that causes it
# (build/fuzz/artifacts/). Environment: CREDPIPE_FUZZ_BUILD (default
# build/fuzz), built by `make FUZZ=1 fuzz-build`; FUZZ_NICE=1 runs the
# harnesses under nice -n 19; FUZZ_JOBS=N runs N harnesses at once.
set -u
cd "$(dirname "$0")/../.." || exit 70
root=$PWD
build=${CREDPIPE_FUZZ_BUILD:-build/fuzz}
case $build in /*) ;; *) build=$root/$build ;; esac

if [ $# -lt 1 ] || ! [ "$1" -gt 0 ] 2>/dev/null; then
	echo "usage: tests/fuzz/run.sh SECONDS [HARNESS...]" >&2
	exit 64
fi
seconds=$1
shift
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for src in tests/fuzz/fuzz_*.c; do
		names+=("$(basename "$src" .c)")
	done
fi

# The harnesses rewrite a temp file for every input: on tmpfs that costs
# no disk (and runs twice as fast as on an overlay /tmp).
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	export TMPDIR=/dev/shm
fi

# The generated seeds (signed payloads, QR images): once per run.
if ! "$build/fuzz/seeds" "$build/generated" >/dev/null; then
	echo "not ok - fuzz seeds: $build/fuzz/seeds failed"
	exit 1
fi

# seed_dossier DIR - every dossier.xml of samples/ and tests/
seed_dossier() {
	local f
	for f in samples/dossiers/*/dossier.xml tests/validate/cases/*.xml; do
		[ -f "$f" ] && cp "$f" "$1/$(echo "$f" | tr / _)"
	done
}

# seed_records DIR - the records files of samples/ and tests/
seed_records() {
	local f
	for f in samples/records.xml tests/check/*.xml; do
		grep -q 'urn:credpipe:records' "$f" &&
			cp "$f" "$1/$(echo "$f" | tr / _)"
	done
}

# seed_png DIR - QR codes of signed payloads (PNG and JPEG), an online
# report as credpipe issues it (PDF), and plain pages in every colour
# type, depth and interlacing mkpng knows
seed_png() {
	local mkpng=$build/tools/mkpng i=0 args
	cp "$build"/generated/png/*.png "$build"/generated/png/*.jpg "$1"/
	"$build/tools/reportsample" online "$1/report.pdf" >/dev/null 2>&1 ||
		return 1
	while read -r args; do
		i=$((i + 1))
		# shellcheck disable=SC2086  # ARGS is a word list on purpose
		"$mkpng" -o "$1/page-$i.png" $args || return 1
	done <<-'LIST'
		-w 48 -h 64
		-w 40 -h 30 --color rgb
		-w 33 -h 17 --color palette
		-w 32 -h 32 --depth 16
		-w 32 -h 32 --color rgb --alpha
		-w 31 -h 29 --interlace
		-w 24 -h 24 --color palette --interlace --text seed
		-w 64 -h 64 --header-only
	LIST
}

# seed_payload DIR - payloads signed by the harness key
seed_payload() {
	cp "$build"/generated/payload/* "$1"/
}

# run_harness NAME - run one harness; prints its ok / not ok line
run_harness() {
	local name=$1 bin=$build/fuzz/$1 seeds=$build/seeds/$1
	local corpus=$build/corpus/$1 log=$build/logs/$1.log
	local art=$build/artifacts/$1- kind=${1#fuzz_} rc execs t0 t1
	local -a nice_cmd=()

	if ! [ -x "$bin" ]; then
		echo "not ok - $name: $bin not built (make FUZZ=1 fuzz-build)"
		return
	fi
	mkdir -p "$seeds" "$corpus" "$build/logs" "$build/artifacts"
	if ! "seed_$kind" "$seeds"; then
		echo "not ok - $name: cannot make the seed corpus"
		return
	fi
	[ -n "${FUZZ_NICE:-}" ] && nice_cmd=(nice -n 19)
	t0=$(date +%s)
	# -timeout: one input may take 30 s (a slow input is a finding);
	# -rss_limit_mb: the harnesses stay far below; leaks are checked
	# after every input that grew the heap (libFuzzer's default).
	"${nice_cmd[@]}" "$bin" -max_total_time="$seconds" -timeout=30 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$art" "$corpus" "$seeds" >"$log" 2>&1
	rc=$?
	t1=$(date +%s)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
	    tail -n 1)
	if [ "$rc" -eq 0 ] && ! grep -q '^==[0-9]*==ERROR\|^SUMMARY: ' "$log"
	then
		echo "ok - $name: ${execs:-?} executions in $((t1 - t0)) s," \
		    "0 crashes, 0 leaks"
		return
	fi
	echo "not ok - $name: exited $rc after ${execs:-?} executions" \
	    "(log: $log)"
	grep -m 4 '^==[0-9]*==ERROR\|^ERROR: \|^SUMMARY: \|Test unit written' \
	    "$log" |
	    sed 's/^/# /'
}

# Run the harnesses FUZZ_JOBS at a time; print their lines in order.
out=$(mktemp -d "${TMPDIR:-/tmp}/credpipe-fuzz.XXXXXX") || exit 70
trap 'rm -rf "$out"' EXIT
jobs=${FUZZ_JOBS:-1}
i=0
for name in "${names[@]}"; do
	run_harness "$name" >"$out/$i" &
	i=$((i + 1))
	[ $((i % jobs)) -eq 0 ] && wait
done
wait
failed=0
for ((j = 0; j < i; j++)); do
	cat "$out/$j"
	grep -q '^not ok' "$out/$j" && failed=1
done
exit "$failed"
