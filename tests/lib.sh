# tests/lib.sh - helpers for test scripts; source it first.
#
#   ok NAME / not_ok NAME DETAIL   report one check
#   check NAME COMMAND...           ok when COMMAND exits 0
#   expect_eq NAME GOT WANT         ok when equal
#   new_home                        a fresh HOME (credpipe init) under a temp dir: $H
#   init_home DIR                   credpipe init of DIR (quietly; fails loudly)
#   home_records DIR                the registry of home DIR (RECORDS: file or URI)
#   registry_sql DIR SQL            run SQL on home DIR's registry, rows as a|b
#   registry_is_pg DIR              true when home DIR's registry is PostgreSQL
#   registry_dump DIR               every row of home DIR's registry, in order
#
# CREDPIPE_TEST_RECORDS=pg (tests/run.sh starts the server): init_home gives
# each home a PostgreSQL schema of its own in CREDPIPE_TEST_PG_URI's
# database, named in the home's credpipe.conf, so that every program run
# with --home uses it.
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
		-e '^CREDPIPE_SHARE$' -e '^CREDPIPE_SANITIZE$' \
		-e '^CREDPIPE_TEST_RECORDS$' -e '^CREDPIPE_TEST_PG_URI$')
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
	if [ "${CREDPIPE_TEST_RECORDS:-}" = pg ] && ! [ -e "$1/credpipe.conf" ]; then
		# A schema of its own, named by the URI's search_path: as
		# separate as a database, and made in milliseconds where
		# CREATE DATABASE takes most of a second.
		local schema sep='?'
		schema=cppg_$(printf '%s' "$1" | md5sum | cut -c1-16)_$$
		case $CREDPIPE_TEST_PG_URI in *\?*) sep='&' ;; esac
		mkdir -p "$1" &&
			psql -X -q "$CREDPIPE_TEST_PG_URI" -c "DROP SCHEMA IF EXISTS $schema CASCADE" \
				-c "CREATE SCHEMA $schema" 2>/dev/null &&
			echo "RECORDS=$CREDPIPE_TEST_PG_URI${sep}options=-csearch_path%3D$schema" >"$1/credpipe.conf" ||
			{ echo "init_home $1: no PostgreSQL schema" >&2; exit 1; }
	fi
	"$BIN/control" init --home "$1" >/dev/null ||
		{ echo "init_home $1 failed" >&2; exit 1; }
}
home_records() {
	local r
	r=$(sed -n 's/^RECORDS=//p' "$1/credpipe.conf" 2>/dev/null | tail -n 1)
	echo "${r:-$1/records.db}"
}
registry_dump() {
	if registry_is_pg "$1"; then
		local t
		for t in institutions credentials reports extensions decisions \
			dossier_credentials waybill_ranges waybills shipments repairs; do
			echo "-- $t"
			registry_sql "$1" "SELECT * FROM $t ORDER BY 1"
		done
	else
		sqlite3 "$(home_records "$1")" .dump
	fi
}
registry_is_pg() {
	case $(home_records "$1") in postgresql://* | postgres://*) return 0 ;; esac
	return 1
}
registry_sql() {
	if registry_is_pg "$1"; then
		psql -X -q -A -t -F '|' "$(home_records "$1")" -c "$2"
	else
		sqlite3 "$(home_records "$1")" "$2"
	fi
}
new_home() {
	H=$(mktemp -d "$TEST_TMP/home.XXXXXX")
	init_home "$H"
	export H
}
finish() { exit "$_failed"; }
