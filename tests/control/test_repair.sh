#!/usr/bin/env bash
# test_repair.sh - the repair verbs as an operator uses them: a dossier
# decided not-verified because the registry import failed is requeued
# after the import is fixed; a held dossier is released; show tells the
# whole story by id, by the code as printed, and by report number.
. "$(dirname "$0")/../lib.sh"
P=$ROOT/pipeline.sh
export CREDPIPE_BIN=$BIN
NOW=2026-11-28T09:00:00+08:00
ID=A20261127000123

new_home
CREDPIPE_BUILD=$BUILD bash "$ROOT/samples/build.sh" "$TEST_TMP/s" >/dev/null
# the registry import fails (a truncated file): nothing of it is applied
head -c 2000 "$ROOT/samples/records.xml" >"$TEST_TMP/broken.xml"
"$P" records --home "$H" import "$TEST_TMP/broken.xml" >/dev/null 2>&1
check "the broken registry import fails" test "$?" -ne 0
"$P" drop --home "$H" "$TEST_TMP/s/online-zhang-wei" >/dev/null 2>&1
"$P" run --home "$H" --now "$NOW" >"$TEST_TMP/run1" 2>&1
check "without the registry: not-verified no-record" \
	grep -q 'outcome="not-verified"' "$H/out/results/$ID.xml"
check "... with a notice" test -f "$H/out/notices/$ID.pdf"

"$P" requeue --home "$H" A20261127999999 >/dev/null 2>&1
expect_eq "requeue of an unknown dossier exits 65" "$?" 65
"$P" records --home "$H" import "$ROOT/samples/records.xml" >/dev/null 2>&1
expect_eq "the corrected import succeeds" "$?" 0
out=$("$P" requeue --home "$H" "$ID" 2>&1)
expect_eq "requeue exits 0" "$?" 0
case $out in *requeued*) ok "requeue says so: $out" ;; *) not_ok "requeue says so" "$out" ;; esac
check "the dossier is back in the spool with its own files" test -d "$H/spool/$ID/files"
check "... and its validate and decode results" test -f "$H/spool/$ID/decode.xml"
check "... but no check result" test ! -e "$H/spool/$ID/check.xml"
out=$("$P" requeue --home "$H" "$ID" 2>&1)
expect_eq "requeue twice exits 0 (idempotent)" "$?" 0
case $out in *"already requeued"*) ok "the second requeue does nothing: $out" ;;
*) not_ok "the second requeue does nothing" "$out" ;; esac
check "the repair is in the registry" \
	test "$(sqlite3 "$H/records.db" "select count(*) from repairs where dossier_id='$ID' and verb='requeue'")" = 1
check "... and in a run record" grep -lq "repair=\"requeue\"" "$H"/out/runs/*.xml

"$P" run --home "$H" --now "$NOW" >"$TEST_TMP/run2" 2>&1
expect_eq "the rerun exits 0" "$?" 0
check "the new decision supersedes the old: verified" \
	grep -q 'outcome="verified"' "$H/out/results/$ID.xml"
check "the report is issued" test -f "$H/out/reports/$ID.pdf"
check "the old notice is kept, marked superseded" test -f "$H/out/notices/$ID.superseded-1.pdf"
check "the old result is kept beside the dossier" \
	grep -q 'outcome="not-verified"' "$H/done/$ID/superseded/1/result.xml"
sup=$(grep '<superseded' "$H/out/results/$ID.xml")
expect_eq "the new result names the decision it supersedes, its result and notice" \
	"$(printf '%s' "$sup" | sed 's/ decided="[^"]*"//; s/^ *//')" \
	"<superseded n=\"1\" outcome=\"not-verified\" reasons=\"no-record\" result=\"superseded/1/result.xml\" notice=\"notices/$ID.superseded-1.pdf\"/>"
check "... dated as the old decision" grep -q "decided=\"$(sed -n 's/.*<result [^>]*decided="\([^"]*\)".*/\1/p' "$H/done/$ID/superseded/1/result.xml")\"" \
	<(printf '%s' "$sup")
check "the result with <superseded> follows result.xsd" \
	xmllint --noout --schema "$ROOT/schemas/result.xsd" "$H/out/results/$ID.xml"
"$P" requeue --home "$H" "$ID" >/dev/null 2>&1
expect_eq "requeue of a verified dossier is refused (65)" "$?" 65

# --- show: by id, by the code as printed (grouped, lower case), by number -----
code=$(sed -n 's/.*<report [^>]*code="\([0-9A-Z]*\)".*/\1/p' "$H/out/results/$ID.xml")
grouped=$(printf '%s' "$code" | tr 'A-Z' 'a-z' | sed 's/..../& /g; s/ $//')
for key in "$ID" "$grouped"; do
	"$P" show --home "$H" "$key" >"$TEST_TMP/show" 2>&1
	expect_eq "show '$key' exits 0" "$?" 0
	check "show '$key': where it lies" grep -q "^lies in: done" "$TEST_TMP/show"
	check "show '$key': its result" grep -qx 'result: verified' "$TEST_TMP/show"
	check "show '$key': the repair" grep -q ' requeue$' "$TEST_TMP/show"
	check "show '$key': both runs and the repair" \
		test "$(sed -n '/^runs:/,$p' "$TEST_TMP/show" | grep -c '^  ')" -ge 3
done
# records show takes the same keys as show (one lookup for both)
"$P" records --home "$H" show "$code" >"$TEST_TMP/rec.code" 2>&1
for key in "$grouped" "$ID" "$(printf '%s' "$ID" | tr 'A-Z' 'a-z')"; do
	"$P" records --home "$H" show "$key" >"$TEST_TMP/rec.key" 2>&1
	expect_eq "records show '$key' exits 0" "$?" 0
	check "records show '$key' prints the dossier's report" \
		cmp "$TEST_TMP/rec.code" "$TEST_TMP/rec.key"
done
check "... which names the dossier" grep -qx "dossier: $ID" "$TEST_TMP/rec.code"
"$P" show --home "$H" "nonsense" >/dev/null 2>&1
expect_eq "show of an unknown key exits 65" "$?" 65

# --- release: a held dossier is tried again --------------------------------------
HID=A20261127000777
mkdir -p "$TEST_TMP/held"
sed -e "s/id=\"$ID\"/id=\"$HID\"/" -e 's:<name>张伟</name>:<name>张𠀀</name>:' \
	"$TEST_TMP/s/online-zhang-wei/dossier.xml" >"$TEST_TMP/held/dossier.xml"
cp "$TEST_TMP/s/online-zhang-wei/"*.png "$TEST_TMP/held/"
"$P" drop --home "$H" "$TEST_TMP/held" >/dev/null 2>&1
"$P" run --home "$H" --now "$NOW" >/dev/null 2>&1
check "a name outside the font's reach is held" grep -q '<held>' "$H/out/results/$HID.xml"
"$P" release --home "$H" "$ID" >/dev/null 2>&1
expect_eq "release of a finished dossier is refused (65)" "$?" 65
out=$("$P" release --home "$H" "$HID" 2>&1)
expect_eq "release exits 0" "$?" 0
case $out in *released*) ok "release says so: $out" ;; *) not_ok "release says so" "$out" ;; esac
check "the hold is set aside" test -f "$H/spool/$HID/superseded/1/typeset.xml"
check "typeset will try again" test ! -e "$H/spool/$HID/typeset.xml"
"$P" release --home "$H" "$HID" >/dev/null 2>&1
expect_eq "release twice exits 0 (idempotent)" "$?" 0
check "the release is in the registry" \
	test "$(sqlite3 "$H/records.db" "select count(*) from repairs where dossier_id='$HID' and verb='release'")" = 1
"$P" run --home "$H" --now "$NOW" >/dev/null 2>&1
check "the released dossier was typeset again (still held: the font still lacks it)" \
	test -f "$H/spool/$HID/typeset.xml"
finish
