# tests/lib.sh - helpers for test scripts; source it first.
#
#   ok NAME / not_ok NAME DETAIL   report one check
#   check NAME COMMAND...           ok when COMMAND exits 0
#   expect_eq NAME GOT WANT         ok when equal
#   new_home                        a fresh HOME (credpipe init) under a temp dir: $H
#   init_home DIR                   credpipe init of DIR (quietly; fails loudly)
#   finish                          exit status for the runner
# shellcheck shell=bash
set -u
ROOT=${CREDPIPE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
export BIN=${CREDPIPE_BIN:-$ROOT/bin}
export BUILD=${CREDPIPE_BUILD:-$ROOT/build/std}
export TOOLS=$BUILD/tools
export CREDPIPE_SHARE="$ROOT"
# A test must not see the caller's credpipe settings.
while IFS= read -r v; do unset "$v"; done < <(compgen -e | grep '^CREDPIPE_' |
	grep -v -e '^CREDPIPE_BIN$' -e '^CREDPIPE_BUILD$' -e '^CREDPIPE_ROOT$' \
		-e '^CREDPIPE_SHARE$' -e '^CREDPIPE_SANITIZE$')
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/credpipe-t.XXXXXX")
trap 'rm -rf "$TEST_TMP"' EXIT
_failed=0

ok() { echo "ok - $1"; }
not_ok() {
	echo "not ok - $1"
	shift
	[ $# -gt 0 ] && printf '#   %s\n' "$@"
	_failed=1
}
check() {
	local name=$1
	shift
	if "$@" >"$TEST_TMP/check.out" 2>&1; then ok "$name"; else
		not_ok "$name" "command failed: $*" "$(tail -n 5 "$TEST_TMP/check.out")"
	fi
}
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:  $2" "want: $3"; fi
}
init_home() {
	"$BIN/control" init --home "$1" >/dev/null ||
		{ echo "init_home $1 failed" >&2; exit 1; }
}
new_home() {
	H=$(mktemp -d "$TEST_TMP/home.XXXXXX")
	init_home "$H"
	export H
}
finish() { exit "$_failed"; }
