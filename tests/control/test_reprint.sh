#!/usr/bin/env bash
# test_reprint.sh - `credpipe reprint BATCH` and `reprint --label WAYBILL`
# as the mailroom needs them: a batch whose files were lost or damaged is
# rebuilt from the registry byte for byte as it was first built, with no
# new waybill or report number; a lost parcel's label alone; a reprint
# killed half-way leaves the batch folder as it was; a reprint waits for
# no run (75 while one holds the lock); unknown names are refused (65); every reprint is recorded, and a second one changes
# nothing.
. "$(dirname "$0")/../lib.sh"
P=$ROOT/pipeline.sh
export CREDPIPE_BIN=$BIN
NOW=2026-11-28T10:00:00+08:00
DAY=2026-11-28
B=$DAY/EMS-1

new_home
D=$H/out/courier/$DAY
"$TOOLS/shipfixture" "$H/records.db" range EMS EA 10000000 10000099 ||
	not_ok "fixture range"
for i in 1 2 3; do
	"$TOOLS/shipfixture" "$H" dossier "A2026000000$i" EMS "10087$i" 张伟 \
		"颐和园路${i}号" || not_ok "fixture $i"
	echo "A2026000000$i"
done >"$TEST_TMP/ids"
"$BIN/manifest" --home "$H" --now "$NOW" --batch-size 2 <"$TEST_TMP/ids" \
	>/dev/null 2>"$TEST_TMP/err"
expect_eq "manifest makes two batches" "$(cd "$D" && ls)" "EMS-1
EMS-2"
cp -a "$D/EMS-1" "$TEST_TMP/first"
# what the registry has issued: waybills, the ranges' next numbers, reports
issued() {
	sqlite3 "$H/records.db" "select waybill, dossier_id from waybills
		order by 1; select next from waybill_ranges;
		select code, number from reports order by 1"
}
issued >"$TEST_TMP/issued"
repairs() {
	sqlite3 "$H/records.db" "select count(*) from repairs" 2>/dev/null || echo 0
}
# same_as_first - the four files of EMS-1 equal the first build's
same_as_first() {
	for f in manifest.csv manifest.pdf labels.pdf reports.pdf; do
		cmp "$TEST_TMP/first/$f" "$D/EMS-1/$f" || return 1
	done
}

# --- nothing lost: nothing to do ------------------------------------------------
out=$("$P" reprint --home "$H" --now "$NOW" "$B" 2>&1)
expect_eq "reprint of an intact batch exits 0" "$?" 0
case $out in *intact*) ok "it says the batch is intact: $out" ;;
*) not_ok "it says the batch is intact" "$out" ;; esac
expect_eq "... and records nothing" "$(repairs)" 0

# --- a file lost, another damaged: rebuilt byte for byte ----------------------
rm "$D/EMS-1/labels.pdf"
head -c 1000 "$TEST_TMP/first/reports.pdf" >"$D/EMS-1/reports.pdf"
out=$("$P" reprint --home "$H" --now "$NOW" "$B" 2>&1)
expect_eq "reprint after a lost and a damaged file exits 0" "$?" 0
case $out in *reprinted*) ok "it says so: $out" ;; *) not_ok "it says so" "$out" ;; esac
check "the four files are byte-identical to the first build" same_as_first
expect_eq "no new waybill, range number or report in the registry" \
	"$(issued)" "$(cat "$TEST_TMP/issued")"
expect_eq "the other batch is untouched" \
	"$(cd "$D" && ls -A)" "EMS-1
EMS-2"
expect_eq "the reprint is in the registry, once per dossier of the batch" \
	"$(sqlite3 "$H/records.db" "select dossier_id || ' ' || verb from repairs order by 1")" \
	"A20260000001 reprint $B
A20260000002 reprint $B"
check "... and in a run record naming its dossiers" \
	grep -lq 'repair="reprint"' "$H"/out/runs/*.xml
"$P" show --home "$H" A20260000001 >"$TEST_TMP/show" 2>&1
check "show lists the reprint among the dossier's repairs" \
	grep -q " reprint $B\$" "$TEST_TMP/show"
out=$("$P" reprint --home "$H" --now "$NOW" "$B" 2>&1)
expect_eq "a second reprint exits 0" "$?" 0
expect_eq "... rewrites and records nothing (idempotent)" "$(repairs)" 2

# --- the whole folder lost ------------------------------------------------------
rm -rf "$D/EMS-1"
"$P" reprint --home "$H" --now "$NOW" "$B" >/dev/null 2>&1
expect_eq "reprint of a deleted batch folder exits 0" "$?" 0
check "... and rebuilds it byte-identical" same_as_first
expect_eq "... still with no new waybill" "$(issued)" "$(cat "$TEST_TMP/issued")"

# --- killed half-way: the folder is the old batch, whole ------------------------
head -c 1000 "$TEST_TMP/first/reports.pdf" >"$D/EMS-1/reports.pdf"
cp "$D/EMS-1/reports.pdf" "$TEST_TMP/damaged.pdf"
# (braces: bash's "Killed" notice goes to /dev/null too)
{ (CREDPIPE_TEST_CRASH=before-rename "$BIN/control" reprint --home "$H" \
	--now "$NOW" "$B" >/dev/null 2>&1); } 2>/dev/null
check "a reprint killed before its rename left the batch as it was" \
	cmp "$TEST_TMP/damaged.pdf" "$D/EMS-1/reports.pdf"
check "... with all its files" test -f "$D/EMS-1/labels.pdf"
"$P" reprint --home "$H" --now "$NOW" "$B" >/dev/null 2>&1
expect_eq "the reprint after the crash exits 0" "$?" 0
check "... and the batch is whole again" same_as_first
: >"$TEST_TMP/none"
"$BIN/manifest" --home "$H" --now "$NOW" <"$TEST_TMP/none" >/dev/null 2>&1
expect_eq "the next run's recovery removes the killed reprint's temp folder" \
	"$(cd "$D" && ls -A)" "EMS-1
EMS-2"

# --- one parcel's label ------------------------------------------------------------
W=$(sqlite3 "$H/records.db" "select waybill from waybills where dossier_id='A20260000002'")
out=$("$P" reprint --home "$H" --now "$NOW" --label "$W" 2>&1)
expect_eq "reprint --label exits 0" "$?" 0
L=$D/EMS-1/label-$W.pdf
check "it writes label-<waybill>.pdf in the parcel's batch folder" test -f "$L"
expect_eq "... one page" "$(pdfinfo "$L" 2>/dev/null | awk '/^Pages:/ {print $2}')" 1
expect_eq "... the page labels.pdf has for that parcel" \
	"$(pdftotext -layout "$L" - 2>/dev/null)" \
	"$(pdftotext -layout -f 2 -l 2 "$D/EMS-1/labels.pdf" - 2>/dev/null)"
check "... with its waybill" grep -q "$W" <(pdftotext "$L" - 2>/dev/null)
expect_eq "the label reprint is recorded for its dossier" \
	"$(sqlite3 "$H/records.db" "select verb from repairs where dossier_id='A20260000002' order by id desc limit 1")" \
	"reprint label $W"
cp "$L" "$TEST_TMP/label.pdf"
recorded=$(repairs)
out=$("$P" reprint --home "$H" --now "$NOW" --label "$W" 2>&1)
expect_eq "a second label reprint exits 0" "$?" 0
check "... and leaves the same file" cmp "$TEST_TMP/label.pdf" "$L"
expect_eq "... recording nothing" "$(repairs)" "$recorded"
expect_eq "still no new waybill" "$(issued)" "$(cat "$TEST_TMP/issued")"

# --- never beside a run: the run's lock held (here by this shell) -------------------
rm "$D/EMS-1/labels.pdf"
exec 8>>"$H/lock"
flock -n 8 || not_ok "the test takes the run's lock"
"$P" reprint --home "$H" --now "$NOW" "$B" >/dev/null 2>"$TEST_TMP/err"
expect_eq "reprint while a run holds the lock exits 75" "$?" 75
check "... saying so" grep -q "another run holds" "$TEST_TMP/err"
check "... and touches nothing" test ! -e "$D/EMS-1/labels.pdf"
exec 8>&-
"$P" reprint --home "$H" --now "$NOW" "$B" >/dev/null 2>&1
expect_eq "once the run is over, reprint exits 0" "$?" 0
check "... and the batch is whole" same_as_first

# --- unknown names -----------------------------------------------------------------
for bad in "$DAY/EMS-9" "$DAY/SF-1" nonsense "$DAY/EMS-1x"; do
	"$P" reprint --home "$H" --now "$NOW" "$bad" >/dev/null 2>"$TEST_TMP/err"
	expect_eq "reprint of unknown batch '$bad' exits 65" "$?" 65
	check "... saying what is wrong" grep -q "reprint: .*: \(no such batch\|not a batch id\)" "$TEST_TMP/err"
done
"$P" reprint --home "$H" --now "$NOW" --label EA999999999CN >/dev/null 2>"$TEST_TMP/err"
expect_eq "reprint --label of an unknown waybill exits 65" "$?" 65
check "... saying so" grep -q "no such waybill" "$TEST_TMP/err"
"$P" reprint --home "$H" >/dev/null 2>&1
expect_eq "reprint without a batch is a usage error (64)" "$?" 64
expect_eq "nothing was issued by any of it" "$(issued)" "$(cat "$TEST_TMP/issued")"
finish
