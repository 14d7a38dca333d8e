#!/usr/bin/env bash
# bench/registry_pg.sh - the registry on PostgreSQL against SQLite.
#
# Starts a private PostgreSQL 15 (tests/cluster/pg.sh, fsync on: commits
# cost what they cost on this disk) and stops it at the end, then:
#
# 1. paper report numbers handed out per second (tests/tools/issuerate):
#    one client, then two clients at once, each issuing BENCH_ISSUE
#    reports, one transaction per report and then GROUP per transaction
#    (typeset issues up to 64 per transaction); the same on a SQLite
#    records.db for the baseline. After the two-client runs: the numbers
#    are checked distinct and gapless.
# 2. bench/check.sh against the PostgreSQL registry holding
#    BENCH_CREDENTIALS credentials (default 1,000,000), the same
#    dossiers and the same single check process as the SQLite figure.
#
#   bash bench/registry_pg.sh
#   BENCH_ISSUE=500 BENCH_CREDENTIALS=100000 bash bench/registry_pg.sh
set -u
cd "$(dirname "$0")/.." || exit 70
BUILD=$(cd "${CREDPIPE_BUILD:-build/std}" && pwd) || exit 70
TOOL=$BUILD/tools/issuerate
N=${BENCH_ISSUE:-2000}
GROUP=${BENCH_GROUP:-64}
[ -x "$TOOL" ] || { echo "missing $TOOL (make tools)" >&2; exit 70; }
work=$(mktemp -d "${TMPDIR:-/tmp}/credpipe-bench-pg.XXXXXX")
trap 'bash tests/cluster/pg.sh stop "$work" >/dev/null 2>&1; rm -rf "$work"' EXIT
URI=$(bash tests/cluster/pg.sh start "$work") || exit 70
echo "PostgreSQL: $URI (fsync on)"

# target NAME - a fresh registry NAME: a schema on the server, or a file
target() {
	case $1 in
	pg-*)
		# (a schema name may not start with pg_)
		local schema=bench_${1//-/_}
		psql -X -q "$URI" -c "DROP SCHEMA IF EXISTS $schema CASCADE" \
			-c "CREATE SCHEMA $schema" 2>/dev/null || exit 70
		echo "$URI?options=-csearch_path%3D$schema"
		;;
	*) echo "$work/$1.db" ;;
	esac
}

# rate BACKEND CLIENTS GROUP - numbers/s with CLIENTS clients at once
rate() {
	local t i pids=() t0 t1
	t=$(target "$1-$2-$3")
	"$TOOL" "$t" setup $((N * $2)) || exit 70
	t0=$(date +%s.%N)
	for i in $(seq 0 $(($2 - 1))); do
		"$TOOL" "$t" issue $((i * N)) "$N" "$3" >"$work/out.$i" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || { echo "issuerate failed" >&2; exit 70; }; done
	t1=$(date +%s.%N)
	printf '%-10s %d client(s), %2d per transaction: %6.0f numbers/s' \
		"$1" "$2" "$3" "$(echo "$N * $2 / ($t1 - $t0)" | bc -l)"
	if [ "$1" = pg ]; then
		# every number once, none skipped
		printf '  (%s)' "$(psql -X -A -t "$t" -c "SELECT count(*) || ' numbers, ' ||
			count(DISTINCT number) || ' distinct, ' ||
			(max(substr(number, 6)::int) - count(*)) || ' gaps'
			FROM reports WHERE kind = 'paper'")"
	fi
	echo
}

echo
echo "== paper report numbers: $N per client"
for backend in sqlite pg; do
	rate "$backend" 1 1
	rate "$backend" 2 1
	rate "$backend" 2 "$GROUP"
done

echo
echo "== check against PostgreSQL (bench/check.sh)"
BENCH_PG_URI=$URI bash bench/check.sh
