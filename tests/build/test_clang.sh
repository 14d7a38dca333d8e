#!/usr/bin/env bash
# tests/build/test_clang.sh - the whole tree builds with clang under the
# same -Werror flags as with gcc (CC=clang CXX=clang++, build/clang), the unit tests
# of that build pass, and so do the validate stage's tests run on its
# programs: a second compiler catches what the first one's warnings and
# optimiser let through. (The whole suite once more would cost minutes;
# validate's tests take seconds and run a stage of it end to end.)
set -u
cd "$(dirname "$0")/../.." || exit 70
log=$(mktemp "${TMPDIR:-/tmp}/credpipe-clang.XXXXXX") || exit 70
trap 'rm -f "$log"' EXIT

if ! command -v clang >/dev/null; then
	echo "not ok - clang: not installed (make deps)"
	exit 1
fi
if ! make -s -j2 CC=clang CXX=clang++ BUILD=build/clang BIN=build/clang/bin \
    all tests tools >"$log" 2>&1; then
	echo "not ok - clang: CC=clang make builds warning-free"
	grep -v '^clang ' "$log" | sed 's/^/# /' | head -n 40
	exit 1
fi
echo "ok - clang: CC=clang make builds warning-free"
for t in build/clang/tests/test_*; do
	[ -x "$t" ] || continue
	if "$t" >"$log" 2>&1; then
		echo "ok - clang: unit/$(basename "$t")" \
		    "($(grep -c '^ok - ' "$log") checks)"
	else
		echo "not ok - clang: unit/$(basename "$t")"
		grep -v '^ok - ' "$log" | sed 's/^/# /' | head -n 20
	fi
done
if CREDPIPE_BIN=build/clang/bin CREDPIPE_BUILD=build/clang \
    bash tests/run.sh validate >"$log" 2>&1; then
	echo "ok - clang: the validate tests on the clang programs" \
	    "($(tail -n 1 "$log"))"
else
	echo "not ok - clang: the validate tests on the clang programs"
	grep -v '^ok - ' "$log" | sed 's/^/# /' | head -n 20
fi
