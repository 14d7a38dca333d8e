#!/usr/bin/env bash
# tests/build/test_hardening.sh - every program of the plain build is
# hardened as the Makefile says: a position-independent executable, RELRO
# with immediate binding, stack canaries and glibc's fortified functions.
set -u
cd "$(dirname "$0")/../.." || exit 70
bin=${CREDPIPE_BIN:-bin}

shopt -s nullglob
programs=("$bin"/*)
if [ "${#programs[@]}" -eq 0 ]; then
	echo "not ok - hardening: no program in $bin"
	exit 1
fi
for p in "${programs[@]}"; do
	[ -x "$p" ] && [ -f "$p" ] || continue
	name=$(basename "$p")
	headers=$(readelf -h -l -d -W "$p" 2>&1)
	symbols=$(nm -D "$p" 2>&1)
	missing=()
	grep -q 'Type: *DYN' <<<"$headers" || missing+=("PIE")
	grep -q 'GNU_RELRO' <<<"$headers" || missing+=("RELRO")
	grep -q 'BIND_NOW\|Flags:.* NOW' <<<"$headers" || missing+=("BIND_NOW")
	grep -q '__stack_chk_fail' <<<"$symbols" ||
		missing+=("stack protector")
	grep -q '__[a-z]*_chk@' <<<"$symbols" ||
		missing+=("_FORTIFY_SOURCE")
	if [ "${#missing[@]}" -eq 0 ]; then
		echo "ok - hardening: $name is PIE, full RELRO, canaries, fortified"
	else
		echo "not ok - hardening: $name lacks: ${missing[*]}"
	fi
done
