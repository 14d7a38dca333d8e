# tests/cluster/helpers.sh - a one-node cluster for a test, and what the
# cluster tests compare. Source after tests/lib.sh.
#
#   cluster_up [--postgres]    up.sh under $TEST_TMP (down.sh in the trap),
#                              with the private PostgreSQL when asked
#   pg_records NAME            RECORDS for a schema NAME of its own there
#   samples_home DIR [RECORDS] a HOME with the samples' registry and inbox
#   sample_opts                the options of the samples' run: $OPTS
#   results_digest HOME        each result, issued codes and numbers masked
#   issued_once HOME           codes, paper numbers, waybills each once, and
#                              each result's code the registry's, in its PDF
# shellcheck shell=bash

# shellcheck disable=SC2034  # read by the tests
P=$ROOT/pipeline.sh
NOW=2026-11-28T09:00:00+08:00
# shellcheck disable=SC2034
OPTS=(--now "$NOW" --settle 0 --incomplete-after 0)
CLUSTER=$TEST_TMP/cluster
# shellcheck source=tests/cluster/compare.sh
. "$ROOT/tests/cluster/compare.sh"

cluster_up() {
	# munged's socket must be reachable by every user (a mktemp -d is 0700)
	chmod 0711 "$TEST_TMP"
	trap 'bash "$ROOT/tests/cluster/down.sh" "$CLUSTER" >/dev/null 2>&1; rm -rf "$TEST_TMP"' EXIT
	# (the SQLite registry of one node needs no PostgreSQL)
	local up=(--no-postgres)
	[ "${1:-}" = --postgres ] && up=()
	if ! bash "$ROOT/tests/cluster/up.sh" "${up[@]}" "$CLUSTER" 2>"$TEST_TMP/up.err"; then
		not_ok "the one-node cluster comes up" "$(tail -n 5 "$TEST_TMP/up.err")"
		finish
	fi
	# shellcheck source=/dev/null
	. "$CLUSTER/env"
}

pg_records() {
	psql -X -q "$CLUSTER_RECORDS" -c "CREATE SCHEMA $1" >/dev/null ||
		{ echo "no schema $1 on $CLUSTER_RECORDS" >&2; exit 1; }
	echo "$CLUSTER_RECORDS?options=-csearch_path%3D$1"
}

samples_home() {
	if [ -n "${2:-}" ]; then
		mkdir -p "$1" && echo "RECORDS=$2" >"$1/credpipe.conf" || exit 1
	fi
	init_home "$1"
	"$BIN/records" --home "$1" import "$ROOT/samples/records.xml" >/dev/null ||
		{ echo "import into $1 failed" >&2; exit 1; }
	CREDPIPE_BUILD=$BUILD bash "$ROOT/samples/build.sh" "$1/inbox" >/dev/null
	find "$1/inbox" -mindepth 1 -exec touch -h -d 2026-11-28T08:00:00+08:00 {} +
	sender_conf "$1"
}

# issued_once HOME - SPEC §9 across shards: no code, paper number or
# waybill twice in the results; each result's report code is the one the
# registry holds for the dossier, and the dossier's PDF prints it
issued_once() {
	local h=$1 f id code want bad=()
	dups=$(cat "$h"/out/results/*.xml | grep -o '<report code="[0-9A-Z]*"' | sort | uniq -d)
	expect_eq "no report code in two results" "$dups" ""
	dups=$(cat "$h"/out/results/*.xml | grep -o ' number="P[0-9]*"' | sort | uniq -d)
	expect_eq "no paper report number in two results" "$dups" ""
	dups=$(cat "$h"/out/results/*.xml | grep -o ' waybill="[^"]*"' | sort | uniq -d)
	expect_eq "no waybill in two results" "$dups" ""
	for f in "$h"/out/results/*.xml; do
		code=$(grep -o '<report code="[0-9A-Z]*"' "$f" | cut -d'"' -f2)
		[ -n "$code" ] || continue
		id=$(basename "$f" .xml)
		want=$(home_sql "$h" "select code from reports where dossier_id='$id'
			union select r.code from extensions e join reports r on r.id = e.report_id
			where e.dossier_id='$id'")
		[ "$code" = "$want" ] || bad+=("$id: result $code, registry ${want:-none}")
		if [ -f "$h/out/reports/$id.pdf" ] &&
			! pdftotext "$h/out/reports/$id.pdf" - 2>/dev/null | tr -d ' ' | grep -q "$code"; then
			bad+=("$id: the PDF does not print $code")
		fi
	done
	expect_eq "each result's code is the registry's and its PDF's" "${bad[*]}" ""
	dups=$(home_sql "$h" "select dossier_id from reports where dossier_id is not null
		group by dossier_id having count(*) > 1")
	expect_eq "the registry issued at most one report per dossier" "$dups" ""
}

# home_sql HOME SQL - rows of SQL on HOME's registry (SQLite or, where
# tests/lib.sh can tell, PostgreSQL)
home_sql() {
	if declare -F registry_sql >/dev/null; then
		registry_sql "$1" "$2"
	else
		sqlite3 "$1/records.db" "$2"
	fi
}

# not_grep PATTERN FILE - true when FILE does not hold PATTERN
not_grep() { ! grep -q -- "$1" "$2"; }

# corpus_home DIR N - a HOME with N generated dossiers (mkbatch, seed 1)
# in its inbox, their registry imported, A4 scans at 150 dpi copied in
corpus_home() {
	local h=$1 n=$2 gen d f k=0 i
	gen=$TEST_TMP/gen-$n
	if [ ! -d "$gen" ]; then
		mkdir -p "$gen"
		"$TOOLS/mkbatch" --count "$n" --out "$gen/batch" \
			--records "$gen/records.xml" --seed 1 >/dev/null || exit 1
		for i in 0 1 2 3; do
			"$TOOLS/qrpage" -o "$gen/scan$i.png" --dpi 150 --seed "$((i + 1))" \
				--kind "$(echo idcard diploma photo text | cut -d' ' -f$((i + 1)))" ||
				exit 1
		done
		for d in "$gen"/batch/*/; do
			for f in id.png cert.png photo.png; do
				if grep -q "file=\"$f\"" "$d/dossier.xml"; then
					cp "$gen/scan$((k % 4)).png" "$d/$f"
					k=$((k + 1))
				fi
			done
		done
	fi
	init_home "$h"
	"$BIN/records" --home "$h" import "$gen/records.xml" >/dev/null ||
		{ echo "import into $h failed" >&2; exit 1; }
	cp -a "$gen/batch/." "$h/inbox/"
	find "$h/inbox" -mindepth 1 -exec touch -h -d 2026-11-28T08:00:00+08:00 {} +
	cat >>"$h/credpipe.conf" <<'EOT'
SENDER_NAME=学历认证中心 Credential Certification Office
SENDER_PHONE=01082330000
SENDER_ADDRESS=北京市海淀区学院路35号
SENDER_POSTCODE=100083
EOT
}
