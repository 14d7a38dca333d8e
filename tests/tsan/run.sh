#!/usr/bin/env bash
# tests/tsan/run.sh - the pipeline on samples/ under ThreadSanitizer.
#
# Runs `pipeline.sh demo` (records import, the samples, the round trip of
# a printed report) with the programs of a TSAN=1 build and
# CREDPIPE_JOBS workers in every threaded stage (default 4, more than the
# cores, so threads interleave), and fails on any ThreadSanitizer report
# of any program. Nothing names the threaded stages: whatever stage runs
# threads in the pipeline is covered. Environment: CREDPIPE_BIN and
# CREDPIPE_BUILD of the TSAN=1 build (make tsan sets them).
set -u
cd "$(dirname "$0")/../.." || exit 70
: "${CREDPIPE_BIN:?CREDPIPE_BIN: the programs of a TSAN=1 build}"
: "${CREDPIPE_BUILD:?CREDPIPE_BUILD: the tools of a TSAN=1 build}"
export CREDPIPE_BIN CREDPIPE_BUILD
tmp=$(mktemp -d "${TMPDIR:-/tmp}/credpipe-tsan.XXXXXX") || exit 70
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/reports" "$tmp/demo"

# Reports go to one file per process; halt_on_error=0 lets a run show
# every race, not only the first; second_deadlock_stack names both sides
# of a lock-order inversion.
export TSAN_OPTIONS="log_path=$tmp/reports/tsan halt_on_error=0 second_deadlock_stack=1${TSAN_OPTIONS:+ $TSAN_OPTIONS}"
export CREDPIPE_JOBS=${CREDPIPE_JOBS:-4}
export CREDPIPE_DEMO_DIR=$tmp/demo

CREDPIPE_SHARE=$PWD ./pipeline.sh demo >"$tmp/demo.log" 2>&1
status=$?
if [ "$status" -eq 0 ] && grep -q 'status="valid"' "$tmp/demo.log"
then
	echo "ok - tsan: pipeline demo on samples/ with $CREDPIPE_JOBS jobs a stage"
else
	echo "not ok - tsan: pipeline demo on samples/ exited $status"
	tail -n 20 "$tmp/demo.log" | sed 's/^/# /'
fi

shopt -s nullglob
reports=("$tmp"/reports/tsan*)
if [ "${#reports[@]}" -eq 0 ]; then
	echo "ok - tsan: no ThreadSanitizer report from any program"
	exit 0
fi
echo "not ok - tsan: ${#reports[@]} program(s) reported:"
for r in "${reports[@]}"; do
	grep -h '^SUMMARY: ThreadSanitizer' "$r" | sort | uniq -c |
	    sed 's/^/# /'
done
# the first report in full, for the stack traces
sed 's/^/# /' "${reports[0]}" | head -n 60
exit 1
