#!/usr/bin/env bash
# bench/check.sh - stage check against a registry of 1,000,000 credentials.
#
# Builds (once; reused while this script is unchanged) a registry of
# BENCH_CREDENTIALS credentials with one INSERT ... SELECT over a recursive
# CTE (80% 2019 registry credentials with a number, 20% pre-2002 archive
# credentials without one, found by holder + institution + year), and a
# spool of BENCH_DOSSIERS dossiers as validate and decode leave them
# (dossier.xml, validate.xml pending, decode.xml): online reports by
# certificate number, paper certifications by holder, some with a
# mismatching name, some of an unknown number, some report-checks with a
# signed QR payload. Then runs ONE check process over all ids (fresh copy
# of the spool and registry each run) and prints dossiers per second,
# peak memory (/usr/bin/time %M) and the outcome counts, and the
# EXPLAIN QUERY PLAN of every lookup check makes.
#
#   bash bench/check.sh
#   BENCH_CREDENTIALS=100000 BENCH_DOSSIERS=2000 bash bench/check.sh
#
# BENCH_PG_URI=postgresql://... : the same against a PostgreSQL registry
# (bench/registry_pg.sh starts a private server and passes it): the
# credentials are loaded with one INSERT ... SELECT over generate_series
# into that database whenever it holds fewer, and each run starts by
# deleting what the last one wrote (decisions, dossier links).
set -u
cd "$(dirname "$0")/.." || exit 70
BIN=$(cd "${CREDPIPE_BIN:-bin}" && pwd) || exit 70
export CREDPIPE_SHARE=$PWD
NCRED=${BENCH_CREDENTIALS:-1000000}
NDOS=${BENCH_DOSSIERS:-10000}
OUT=bench/out/check
PG=${BENCH_PG_URI:-}
[ -z "$PG" ] || OUT=bench/out/check-pg
NOW=2026-11-28T10:00:00+08:00
for tool in "$BIN/check" "$BIN/records" sqlite3 psql /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 70; }
done

# pg_credentials - NCRED credentials into the PostgreSQL registry, the
# same rows as the SQLite statement below makes
pg_credentials() {
	psql -X -q -v ON_ERROR_STOP=1 "$PG" <<-SQL
	BEGIN;
	DELETE FROM decisions; DELETE FROM dossier_credentials;
	DELETE FROM reports WHERE credential_id IN
	    (SELECT id FROM credentials WHERE holder_id LIKE '9%');
	DELETE FROM credentials WHERE holder_id LIKE '9%';
	INSERT INTO credentials (certificate_number, status, source, holder_name,
	    holder_id, institution_code, level, major, study_form, entry_date,
	    graduation_date, graduation_year)
	SELECT CASE WHEN i < $NCRED / 5 THEN NULL
	            ELSE '1000112019' || lpad((5 + i / 1000000)::text, 2, '0') ||
	                 lpad((i % 1000000)::text, 6, '0') END,
	       'valid',
	       CASE WHEN i < $NCRED / 5 THEN 'archive' ELSE 'registry' END,
	       '持有人' || i, '9' || lpad(i::text, 17, '0'), '10001',
	       'undergraduate', '计算机科学与技术', '',
	       CASE WHEN i < $NCRED / 5 THEN '1991-09-01' ELSE '2015-09-01' END,
	       CASE WHEN i < $NCRED / 5 THEN '1995-07-01' ELSE '2019-07-01' END,
	       CASE WHEN i < $NCRED / 5 THEN 1995 ELSE 2019 END
	FROM generate_series(0, $NCRED - 1) AS n(i);
	COMMIT;
	ANALYZE;
	SQL
}

stamp=$( (cat "$0"; echo "$NCRED $NDOS") | sha256sum | cut -c1-16)
if [ "$(cat "$OUT/stamp" 2>/dev/null)" != "$stamp" ]; then
	rm -rf "$OUT"
	mkdir -p "$OUT/home"
	[ -z "$PG" ] || echo "RECORDS=$PG" >"$OUT/home/credpipe.conf"
	"$BIN/control" init --home "$OUT/home" >/dev/null || exit 70
	echo "generating $NCRED credentials and $NDOS dossiers ..."
	t0=$(date +%s.%N)
	"$BIN/records" --home "$OUT/home" import samples/records.xml >/dev/null || exit 70
	if [ -n "$PG" ]; then
		pg_credentials || exit 70
	else
	# credential i: 2019 number 10001 1 2019 05 + 6-digit i for i >= NCRED/5;
	# numberless 1995 archive credentials of holder 320102197208 + i below
	sqlite3 "$OUT/home/records.db" <<-SQL || exit 70
	PRAGMA synchronous = OFF;
	BEGIN;
	WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $NCRED)
	INSERT INTO credentials (certificate_number, status, source, holder_name,
	    holder_id, institution_code, level, major, study_form, entry_date,
	    graduation_date, graduation_year)
	SELECT CASE WHEN i < $NCRED / 5 THEN NULL
	            ELSE printf('1000112019%02d%06d', 5 + i / 1000000, i % 1000000) END,
	       'valid',
	       CASE WHEN i < $NCRED / 5 THEN 'archive' ELSE 'registry' END,
	       '持有人' || i, printf('9%017d', i), '10001',
	       'undergraduate', '计算机科学与技术', '',
	       CASE WHEN i < $NCRED / 5 THEN '1991-09-01' ELSE '2015-09-01' END,
	       CASE WHEN i < $NCRED / 5 THEN '1995-07-01' ELSE '2019-07-01' END,
	       CASE WHEN i < $NCRED / 5 THEN 1995 ELSE 2019 END
	FROM n;
	COMMIT;
	SQL
	fi
	"$BIN/records" --home "$OUT/home" keygen >/dev/null
	payload=$("$BIN/records" --home "$OUT/home" payload 7KQ2M9X4T1HC8D5R)
	hex=$(printf '%s' "$payload" | od -An -tx1 -v | tr -d ' \n')
	# the spool, written by one awk process
	mkdir -p "$OUT/home/spool"
	awk -v n="$NDOS" -v ncred="$NCRED" -v spool="$OUT/home/spool" -v hex="$hex" '
	function w(path, text) { printf "%s", text > path; close(path) }
	BEGIN {
		for (k = 0; k < n; k++) {
			id = sprintf("B%09d", k); dir = spool "/" id
			system("")
			cmd = "mkdir -p " dir "/files"; cmds = cmds " " dir "/files"
			if (k % 500 == 499 || k == n - 1) { system("mkdir -p" cmds); cmds = "" }
		}
		for (k = 0; k < n; k++) {
			id = sprintf("B%09d", k); dir = spool "/" id
			i = (k * 7919) % ncred
			name = "持有人" i
			holder = sprintf("9%017d", i)
			att = "id.png"; akind = "id-card"; codes = ""
			if (k % 10 == 9) {
				kind = "report-check"; name = "张伟"; holder = "110108199703150316"
				cred = ""; att = "report.png"; akind = "verification-report"
				codes = "    <code x=\"1\" y=\"1\" w=\"1\" h=\"1\" pass=\"top\" hex=\"" hex "\">x</code>\n"
			} else if (i < ncred / 5) {
				kind = "paper-certification"
				cred = "<credential><level>undergraduate</level><institution code=\"10001\">x</institution><major>m</major><entry-date>1991-09-01</entry-date><graduation-date>1995-07-01</graduation-date></credential>"
			} else {
				kind = "online-report"
				certno = sprintf("1000112019%02d%06d", 5 + int(i / 1000000), i % 1000000)
				if (k % 10 == 7) certno = "100011201905999999"   # unknown
				if (k % 10 == 8) name = "别人"                    # mismatch
				cred = "<credential><level>undergraduate</level><institution code=\"10001\">x</institution><major>m</major><entry-date>2015-09-01</entry-date><graduation-date>2019-07-01</graduation-date><certificate-number>" certno "</certificate-number></credential>"
			}
			w(dir "/files/dossier.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<dossier xmlns=\"urn:credpipe:dossier:1\" id=\"" id "\" received=\"2026-11-27T21:14:00+08:00\"><kind>" kind "</kind><applicant><name>" name "</name><id-number>" holder "</id-number><gender>male</gender><birth-date>1997-03-15</birth-date><phone>13800138000</phone></applicant>" cred "<attachments><attachment kind=\"" akind "\" file=\"" att "\"/></attachments></dossier>\n")
			w(dir "/validate.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<result xmlns=\"urn:credpipe:result:1\" id=\"" id "\" kind=\"" kind "\" outcome=\"pending\">\n</result>\n")
			w(dir "/decode.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<decode xmlns=\"urn:credpipe:decode:1\">\n  <attachment file=\"" att "\" kind=\"" akind "\" status=\"" (codes == "" ? "unreadable\"/>\n" : "ok\">\n" codes "  </attachment>\n") "</decode>\n")
			print id > (spool "/../ids")
		}
	}' || exit 70
	echo "$stamp" >"$OUT/stamp"
	printf 'generated in %.1f s\n' "$(echo "$(date +%s.%N) - $t0" | bc)"
fi

# PostgreSQL: the server may be a new one (bench/registry_pg.sh starts
# one per run): load the registry when it does not hold NCRED credentials
if [ -n "$PG" ]; then
	"$BIN/records" --home "$OUT/home" migrate >/dev/null || exit 70
	have=$(psql -X -A -t "$PG" -c "SELECT count(*) FROM credentials WHERE holder_id LIKE '9%'")
	if [ "$have" != "$NCRED" ]; then
		echo "loading $NCRED credentials into PostgreSQL ..."
		t0=$(date +%s.%N)
		"$BIN/records" --home "$OUT/home" import samples/records.xml >/dev/null || exit 70
		pg_credentials || exit 70
		printf 'loaded in %.1f s\n' "$(echo "$(date +%s.%N) - $t0" | bc)"
	fi
	psql -X -q "$PG" -c "DELETE FROM decisions" -c "DELETE FROM dossier_credentials" || exit 70
fi
run=$OUT/run
rm -rf "$run"
cp -a "$OUT/home" "$run"
/usr/bin/time -f '%e %M' -o "$OUT/time" "$BIN/check" --home "$run" --now "$NOW" \
	<"$OUT/home/ids" >"$OUT/ids.out" 2>"$OUT/stderr"
rc=$?
read -r secs kb <"$OUT/time"
printf '%-28s %s\n' "registry credentials" "$NCRED" "dossiers" "$NDOS" "exit status" "$rc"
printf '%-28s %.0f\n' "dossiers/s" "$(echo "$NDOS / $secs" | bc -l)"
printf '%-28s %.1f MiB\n' "peak memory" "$(echo "$kb / 1024" | bc -l)"
printf '%-28s %s\n' "ids passed on" "$(wc -l <"$OUT/ids.out")"
echo "outcomes:"
cat "$run"/spool/*/check.xml | grep -o 'outcome="[^"]*"' | sort | uniq -c
echo
echo "EXPLAIN QUERY PLAN of each lookup check makes:"
db=$run/records.db
while IFS='|' read -r what sql; do
	echo "-- $what"
	if [ -n "$PG" ]; then
		psql -X -A -t "$PG" -c "EXPLAIN $sql" | sed 's/^/   /'
	else
		sqlite3 "$db" "EXPLAIN QUERY PLAN $sql" | sed 's/^/   /'
	fi
done <<'Q'
credential by number|SELECT c.id FROM credentials c LEFT JOIN institutions i ON i.code = c.institution_code WHERE c.certificate_number = '100011201905000123'
credential by holder|SELECT c.id FROM credentials c LEFT JOIN institutions i ON i.code = c.institution_code WHERE c.holder_id = '9' AND c.institution_code = '10001' AND c.graduation_year = 1995 ORDER BY c.id LIMIT 1
paper report of a credential|SELECT r.code FROM reports r JOIN credentials c ON c.id = r.credential_id WHERE r.credential_id = 1 AND r.kind = 'paper'
report by code|SELECT r.code FROM reports r JOIN credentials c ON c.id = r.credential_id WHERE r.code = '7KQ2M9X4T1HC8D5R'
decision of a dossier|SELECT outcome FROM decisions WHERE dossier_id = 'A1'
Q
[ "$rc" -eq 0 ]
