#!/usr/bin/env bash
# tests/run.sh - run every test: unit binaries, then each area's scripts.
#
# Each test prints "ok - name" or "not ok - name"; this runner counts them
# and ends with "N passed, N failed". Environment: CREDPIPE_BIN (programs),
# CREDPIPE_BUILD (unit tests, tools). Pass area names to run only those:
#   bash tests/run.sh validate ingest
# or AREA/test_NAME for one script (e2e/test_crash), unit/test_NAME for
# one unit test.
#
# CREDPIPE_TEST_RECORDS=pg runs the tests on a PostgreSQL registry: a
# private server (tests/cluster/pg.sh) is started for the run and stopped
# after it, and every test home gets a database of its own (tests/lib.sh),
# unless CREDPIPE_TEST_PG_URI names a server to use instead.
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
if [ "${CREDPIPE_TEST_RECORDS:-}" = pg ] && [ -z "${CREDPIPE_TEST_PG_URI:-}" ]; then
	# fsync off: a test server's data is worth nothing after the run
	CREDPIPE_TEST_PG_URI=$(CREDPIPE_PG_NOSYNC=1 bash tests/cluster/pg.sh \
		start "$log/pg") || { echo "not ok - the PostgreSQL test server did not start"; exit 1; }
	export CREDPIPE_TEST_PG_URI
	trap 'bash tests/cluster/pg.sh stop "$log/pg"; rm -rf "$log"' EXIT
	echo "# registry: PostgreSQL, $CREDPIPE_TEST_PG_URI"
fi

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

# want AREA [SCRIPT] - true when AREA (or AREA/SCRIPT) was asked for, or
# no area was named
want() {
	[ "${#areas[@]}" -eq 0 ] && return 0
	local a
	for a in "${areas[@]}"; do
		[ "$a" = "$1" ] && return 0
		[ $# -gt 1 ] && [ "$a" = "$1/$2" ] && return 0
	done
	return 1
}
areas=("$@")

for t in "$CREDPIPE_BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	want unit "$(basename "$t")" || continue
	run_one "unit/$(basename "$t")" "$t"
done
for script in tests/*/test_*.sh; do
	[ -f "$script" ] || continue
	area=$(basename "$(dirname "$script")")
	want "$area" "$(basename "$script" .sh)" || continue
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
