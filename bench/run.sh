#!/usr/bin/env bash
# bench/run.sh - `make bench`: every benchmark, one after the other.
#
# Each bench/<name>.sh is runnable alone (with CREDPIPE_BIN and
# CREDPIPE_BUILD set as for the tests) and prints its own table. Timings
# are measured here, never asserted in tests. Outputs go to bench/out/
# (ignored by git). Set BENCH_ONLY="decode check" to run some of them.
set -u
cd "$(dirname "$0")/.." || exit 70
export CREDPIPE_BIN="${CREDPIPE_BIN:-bin}"
export CREDPIPE_BUILD="${CREDPIPE_BUILD:-build/std}"
CREDPIPE_BIN=$(cd "$CREDPIPE_BIN" && pwd) || exit 70
CREDPIPE_BUILD=$(cd "$CREDPIPE_BUILD" && pwd) || exit 70
export CREDPIPE_ROOT="$PWD" CREDPIPE_SHARE="$PWD"
mkdir -p bench/out
status=0
for name in pipeline decode night photo check registry_pg typeset manifest cluster; do
	script=bench/$name.sh
	[ -f "$script" ] || continue
	if [ -n "${BENCH_ONLY:-}" ] && ! grep -qw "$name" <<<"$BENCH_ONLY"; then
		continue
	fi
	echo "== bench/$name.sh"
	bash "$script" || { echo "bench/$name.sh failed"; status=1; }
	echo
done
exit "$status"
