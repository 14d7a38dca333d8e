#!/usr/bin/env bash
# tests/fuzz/test_fuzz.sh - build the libFuzzer harnesses and run each for
# a short time (CREDPIPE_FUZZ_S seconds, default 15), so that a parser
# change that crashes, leaks or hits undefined behaviour on the corpus
# (or close to it) fails the suite. Long runs: make fuzz FUZZ_S=N.
set -u
cd "$(dirname "$0")/../.." || exit 70
seconds=${CREDPIPE_FUZZ_S:-15}
log=$(mktemp "${TMPDIR:-/tmp}/credpipe-fuzz-build.XXXXXX") || exit 70
trap 'rm -f "$log"' EXIT

if ! make -s FUZZ=1 fuzz-build >"$log" 2>&1; then
	echo "not ok - fuzz harnesses build (clang, libFuzzer, ASan, UBSan)"
	sed 's/^/# /' "$log" | tail -n 30
	exit 1
fi
echo "ok - fuzz harnesses build (clang, libFuzzer, ASan, UBSan)"
CREDPIPE_FUZZ_BUILD=build/fuzz bash tests/fuzz/run.sh "$seconds"
