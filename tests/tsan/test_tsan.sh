#!/usr/bin/env bash
# tests/tsan/test_tsan.sh - make tsan as a test: the ThreadSanitizer build
# of every program, then the pipeline on samples/ with several jobs a
# stage (tests/tsan/run.sh); any data race, lock-order inversion or other
# report of any program fails it.
set -u
cd "$(dirname "$0")/../.." || exit 70
log=$(mktemp "${TMPDIR:-/tmp}/credpipe-tsan-build.XXXXXX") || exit 70
trap 'rm -f "$log"' EXIT

if ! make -s -j2 TSAN=1 all tools >"$log" 2>&1; then
	echo "not ok - tsan: ThreadSanitizer build (TSAN=1)"
	sed 's/^/# /' "$log" | tail -n 30
	exit 1
fi
echo "ok - tsan: ThreadSanitizer build (TSAN=1)"
CREDPIPE_BIN=build/tsan/bin CREDPIPE_BUILD=build/tsan bash tests/tsan/run.sh
