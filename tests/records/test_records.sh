#!/usr/bin/env bash
# tests/records/test_records.sh - the records tool: import is idempotent
# and all-or-nothing, conflicts are reported with both versions, export
# round-trips byte for byte, show masks id-numbers, exit codes (SPEC §1, §5).
. "$(dirname "$0")/../lib.sh"

SAMPLE=$ROOT/samples/records.xml
new_home
rec() { "$BIN/records" --home "$H" "$@"; }

# --- import twice: nothing changes --------------------------------------------
rec import "$SAMPLE" >"$TEST_TMP/import1.out"
expect_eq "import exits 0" "$?" 0
rec export >"$TEST_TMP/export1.xml"
"$BIN/records" import "$SAMPLE" --home "$H" >"$TEST_TMP/import2.out"
expect_eq "options after the subcommand work too" "$?" 0
expect_eq "the second import finds everything unchanged" \
	"$(sed 's/.*: //' "$TEST_TMP/import2.out")" "0 new, 17 unchanged"
rec export "$TEST_TMP/export2.xml"
check "export after importing twice is identical" cmp "$TEST_TMP/export1.xml" "$TEST_TMP/export2.xml"
check "the export follows records.xsd" \
	xmllint --noout --schema "$ROOT/schemas/records.xsd" "$TEST_TMP/export1.xml"

# --- round trip: import -> export -> import -> export ---------------------------
H2=$TEST_TMP/h2
init_home "$H2"
"$BIN/records" --home "$H2" import "$TEST_TMP/export1.xml" >/dev/null
"$BIN/records" --home "$H2" export >"$TEST_TMP/export3.xml"
check "export round-trips byte for byte" cmp "$TEST_TMP/export1.xml" "$TEST_TMP/export3.xml"

# --- a conflict: reported with both versions, nothing of the file applied -------
sed -e 's/计算机科学与技术/数学/' -e 's/"10284" name="南京大学"/"10284" name="南京大学"\/>\n  <institution code="10555" name="新大学"/' \
	"$SAMPLE" >"$TEST_TMP/conflict.xml"
rec import "$TEST_TMP/conflict.xml" >/dev/null 2>"$TEST_TMP/conflict.err"
expect_eq "a conflicting file exits 65" "$?" 65
if grep -q 'major="计算机科学与技术"' "$TEST_TMP/conflict.err" &&
	grep -q 'major="数学"' "$TEST_TMP/conflict.err"; then
	ok "the conflict shows the stored and the new version"
else
	not_ok "the conflict shows the stored and the new version" "$(cat "$TEST_TMP/conflict.err")"
fi
if grep -q 110108199703150316 "$TEST_TMP/conflict.err"; then
	not_ok "the conflict report masks id-numbers"
else ok "the conflict report masks id-numbers"; fi
rec export >"$TEST_TMP/export4.xml"
check "nothing of the conflicting file was applied (all or nothing)" \
	cmp "$TEST_TMP/export1.xml" "$TEST_TMP/export4.xml"

# --- bad files: 65, nothing applied ---------------------------------------------
table=(
	"schema|<records xmlns=\"urn:credpipe:records:1\"><institution code=\"1\" name=\"x\"/></records>"
	"malformed|<records xmlns=\"urn:credpipe:records:1\"><institution"
	"doctype|<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><records xmlns=\"urn:credpipe:records:1\">&x;</records>"
	"unreal date|<records xmlns=\"urn:credpipe:records:1\"><credential certificate-number=\"1\"><holder name=\"a\" id-number=\"110108199703150316\"/><institution code=\"10001\"/><level>master</level><major>m</major><entry-date>2015-02-30</entry-date><graduation-date>2019-07-01</graduation-date></credential></records>"
	"report of an unknown credential|<records xmlns=\"urn:credpipe:records:1\"><report code=\"0000000000000000\" certificate-number=\"nope\" kind=\"online\" issued=\"2026-01-01\" expires=\"2026-02-01\"/></records>"
)
for row in "${table[@]}"; do
	name=${row%%|*}
	printf '%s\n' "${row#*|}" >"$TEST_TMP/bad.xml"
	rec import "$TEST_TMP/bad.xml" >/dev/null 2>"$TEST_TMP/bad.err"
	expect_eq "bad file ($name) exits 65" "$?" 65
done
if grep -q root: "$TEST_TMP/bad.err"; then not_ok "no file was read through an entity"; else ok "no file was read through an entity"; fi
rec import "$TEST_TMP/missing.xml" 2>/dev/null
expect_eq "a missing file exits 65" "$?" 65
rec 2>/dev/null
expect_eq "no subcommand: usage, 64" "$?" 64
rec frobnicate 2>/dev/null
expect_eq "unknown subcommand: 64" "$?" 64
expect_eq "--version" "$("$BIN/records" --version | cut -d' ' -f1-2)" "records credpipe"

# --- show, revoke, waybills-left, keygen -----------------------------------------
expect_eq "show a report by code" "$(rec show 7KQ2M9X4T1HC8D5R | grep -e '^expires' -e '^holder-id')" \
	"$(printf 'expires: 2026-12-20\nholder-id-number: 110108********0316')"
expect_eq "show a credential by number, id masked" \
	"$(rec show 100021201002000045 | grep "^id-number")" "id-number: 110102********0620"
rec show 0000000000000000 >/dev/null 2>&1
expect_eq "show of an unknown code exits 1" "$?" 1
rec revoke 7KQ2M9X4T1HC8D5R --reason "issued in error" --now 2026-11-28T23:30:00+08:00
expect_eq "revoke exits 0" "$?" 0
expect_eq "the report is revoked, with the date of --now in the office's zone and the reason" \
	"$(rec show 7KQ2M9X4T1HC8D5R | grep -e '^status' -e '^revoked')" \
	"$(printf 'status: revoked\nrevoked-on: 2026-11-28\nrevoked-reason: issued in error')"

# --- revoke twice: a no-op that says so, the first reason and date stay ---------
rec revoke 7KQ2M9X4T1HC8D5R --now 2026-12-05T10:00:00+08:00 2>"$TEST_TMP/revoke2.err"
expect_eq "a second revoke exits 0 (the report is revoked)" "$?" 0
check "a second revoke says it changed nothing, with the first date and reason" \
	grep -q 'already revoked on 2026-11-28 for: issued in error; nothing changed' "$TEST_TMP/revoke2.err"
rec revoke 7KQ2M9X4T1HC8D5R --reason "another story" --now 2026-12-06T10:00:00+08:00 2>/dev/null
expect_eq "a second revoke without or with another reason keeps the first reason and date" \
	"$(rec show 7KQ2M9X4T1HC8D5R | grep -e '^revoked')" \
	"$(printf 'revoked-on: 2026-11-28\nrevoked-reason: issued in error')"

# --- export -> import keeps the revocation's date and reason -----------------------
rec export "$TEST_TMP/revoked.xml"
check "the export carries revoked-on and revoked-reason" \
	grep -q 'code="7KQ2M9X4T1HC8D5R".*status="revoked" revoked-on="2026-11-28" revoked-reason="issued in error"' \
	"$TEST_TMP/revoked.xml"
check "the export with a revocation follows records.xsd" \
	xmllint --noout --schema "$ROOT/schemas/records.xsd" "$TEST_TMP/revoked.xml"
H3=$TEST_TMP/h3
init_home "$H3"
"$BIN/records" --home "$H3" import "$TEST_TMP/revoked.xml" >/dev/null
expect_eq "imported elsewhere, the revocation keeps its date and reason" \
	"$("$BIN/records" --home "$H3" show 7KQ2M9X4T1HC8D5R | grep -e '^status' -e '^revoked')" \
	"$(printf 'status: revoked\nrevoked-on: 2026-11-28\nrevoked-reason: issued in error')"
"$BIN/records" --home "$H3" export "$TEST_TMP/revoked2.xml"
check "export -> import -> export round-trips the revocation byte for byte" \
	cmp "$TEST_TMP/revoked.xml" "$TEST_TMP/revoked2.xml"
sed 's/status="revoked" revoked-on="2026-11-28"/revoked-on="2026-11-28"/' "$TEST_TMP/revoked.xml" >"$TEST_TMP/valid-dated.xml"
init_home "$TEST_TMP/h4"
"$BIN/records" --home "$TEST_TMP/h4" import "$TEST_TMP/valid-dated.xml" >/dev/null 2>&1
expect_eq "a valid report with a revocation date is a bad record (65)" "$?" 65

# --- a registry of the first schema is upgraded in place ----------------------------
H5=$TEST_TMP/h5
init_home "$H5"
"$BIN/records" --home "$H5" import "$SAMPLE" >/dev/null
if registry_is_pg "$H5"; then
	# PostgreSQL's schema began after the revocation date was added:
	# there is no older schema to upgrade from.
	echo "# skipped on PostgreSQL: SQLite's schema 1 -> 2 upgrade"
	expect_eq "the PostgreSQL registry is at schema version 1" \
		"$(registry_sql "$H5" 'SELECT version FROM credpipe_schema')" 1
else
	sqlite3 "$H5/records.db" "ALTER TABLE reports DROP COLUMN revoked_on; PRAGMA user_version = 1;"
	"$BIN/records" --home "$H5" revoke 7KQ2M9X4T1HC8D5R --reason "holder request 42" \
		--now 2026-11-30T10:00:00+08:00
	expect_eq "an old records.db is migrated and keeps the revocation date" \
		"$("$BIN/records" --home "$H5" show 7KQ2M9X4T1HC8D5R | grep -e '^revoked')" \
		"$(printf 'revoked-on: 2026-11-30\nrevoked-reason: holder request 42')"
	expect_eq "the migrated records.db is at schema version 2" \
		"$(sqlite3 "$H5/records.db" 'PRAGMA user_version')" 2
fi
rec revoke 0000000000000000 2>/dev/null
expect_eq "revoking an unknown code exits 65" "$?" 65
expect_eq "waybills left per courier" "$(rec waybills-left)" "$(printf 'EMS 100000\nSF 100000')"
if registry_is_pg "$H"; then want="postgresql schema version 1"; else
	want="sqlite schema version 2"
fi
expect_eq "migrate names the backend and its schema version" "$(rec migrate)" "$want"
expect_eq "waybills left of one courier" "$(rec waybills-left SF)" 100000
# credpipe init made the first key
k1=$(rec keygen)
k2=$(rec keygen)
expect_eq "keygen makes a new key each time; all stay trusted" \
	"$(find "$H/keys/trusted" -name '*.pub' | wc -l)" 3
expect_eq "signing.key is private" "$(stat -c %a "$H/keys/signing.key")" 600
[ "$k1" != "$k2" ] && ok "two different key ids" || not_ok "two different key ids"
# --- show takes the code as printed, the report number, a dossier id -----------
H6=$TEST_TMP/h6
init_home "$H6"
"$BIN/records" --home "$H6" import "$SAMPLE" >/dev/null
"$BIN/records" --home "$H6" show 9B4NX2KD7VJ5QR1A >"$TEST_TMP/show.code"
for key in "9B4N X2KD 7VJ5 QR1A" "9b4nx2kd7vj5qr1a" "9b4n-x2kd-7vj5-qr1a" P2001000123 p2001000123; do
	"$BIN/records" --home "$H6" show "$key" >"$TEST_TMP/show.key" 2>&1
	expect_eq "show '$key' exits 0" "$?" 0
	check "show '$key' prints the report its code names" \
		cmp "$TEST_TMP/show.code" "$TEST_TMP/show.key"
done
check "... the paper report, number included" grep -qx 'number: P2001000123' "$TEST_TMP/show.code"
"$BIN/records" --home "$H6" show P2001999999 >/dev/null 2>&1
expect_eq "show of an unknown report number exits 1" "$?" 1
registry_sql "$H6" "insert into decisions values ('A20261127000999', 'online-report', 'rejected', '2026-11-28')"
expect_eq "show of a dossier id without a report prints its decision" \
	"$("$BIN/records" --home "$H6" show a20261127000999)" \
	"$(printf 'dossier: A20261127000999\ndecision: rejected\nreport: none')"
finish
