#!/usr/bin/env bash
# tests/run.sh - run every test: unit binaries, then each area's scripts.
#
# Each test prints "ok - name" or "not ok - name"; this runner counts them
# and ends with "N passed, N failed". Environment: CREDPIPE_BIN (programs),
# CREDPIPE_BUILD (unit tests, tools). Pass area names to run only those:
#   bash tests/run.sh validate ingest
set -u
cd "$(dirname "$0")/.." || exit 70
export CREDPIPE_BIN="${CREDPIPE_BIN:-bin}"
export CREDPIPE_BUILD="${CREDPIPE_BUILD:-build/std}"
CREDPIPE_BIN=$(cd "$CREDPIPE_BIN" && pwd) || exit 70
CREDPIPE_BUILD=$(cd "$CREDPIPE_BUILD" && pwd) || exit 70
export CREDPIPE_ROOT="$PWD"
# Sanitizer builds: leaks inside libharu's own error path are not ours
# (tests/lsan.supp says why); every other leak fails the test.
if [ -n "${CREDPIPE_SANITIZE:-}" ]; then
	export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
fi
log=$(mktemp -d "${TMPDIR:-/tmp}/credpipe-tests.XXXXXX")
trap 'rm -rf "$log"' EXIT

passed=0
failed=0
failures=()

# run_one NAME COMMAND... - run a test program, count its ok/not ok lines
run_one() {
	local name=$1 out=$log/out rc
	shift
	"$@" >"$out" 2>"$log/err"
	rc=$?
	local p f
	p=$(grep -c '^ok - ' "$out")
	f=$(grep -c '^not ok - ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited $rc without a failing check" >>"$out"
		f=1
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name ran no check" >>"$out"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -gt 0 ]; then
		failures+=("$name")
		grep -v '^ok - ' "$out" | sed "s|^|[$name] |"
		sed "s|^|[$name stderr] |" "$log/err" | tail -n 20
	fi
	printf '%-40s %4d passed, %d failed\n' "$name" "$p" "$f"
}

# want AREA - true when AREA was asked for (or no area was named)
want() {
	[ "${#areas[@]}" -eq 0 ] && return 0
	local a
	for a in "${areas[@]}"; do [ "$a" = "$1" ] && return 0; done
	return 1
}
areas=("$@")

if want unit; then
	for t in "$CREDPIPE_BUILD"/tests/test_*; do
		[ -x "$t" ] || continue
		run_one "unit/$(basename "$t")" "$t"
	done
fi
for script in tests/*/test_*.sh; do
	[ -f "$script" ] || continue
	area=$(basename "$(dirname "$script")")
	want "$area" || continue
	# fuzz, tsan and build make their own instrumented builds: running
	# them again in the sanitizer pass would only repeat the same work.
	if [ -n "${CREDPIPE_SANITIZE:-}" ] && [ "${#areas[@]}" -eq 0 ]; then
		case $area in fuzz | tsan | build) continue ;; esac
	fi
	run_one "$area/$(basename "$script" .sh)" bash "$script"
done

echo
if [ "${#failures[@]}" -gt 0 ]; then
	echo "failed: ${failures[*]}"
fi
if [ "$passed" -eq 0 ]; then
	echo "not ok - no test ran" && failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
