#!/usr/bin/env bash
# test_summary.sh - the run summary and record tell what the run left:
# folders still settling, duplicates, and a registry with no credentials.
. "$(dirname "$0")/../lib.sh"
P=$ROOT/pipeline.sh
export CREDPIPE_BIN=$BIN
NOW=2026-11-28T09:00:00+08:00

new_home
CREDPIPE_BUILD=$BUILD bash "$ROOT/samples/build.sh" "$TEST_TMP/s" >/dev/null
mkdir -p "$H/inbox/first" "$H/inbox/again" "$H/inbox/fresh-1" "$H/inbox/fresh-2"
cp "$TEST_TMP/s/online-zhang-wei/"* "$H/inbox/first/"
cp "$TEST_TMP/s/online-zhang-wei/"* "$H/inbox/again/"
cp "$TEST_TMP/s/online-zhao-lei-2002/"* "$H/inbox/fresh-1/"
cp "$TEST_TMP/s/online-chen-jing-agent/"* "$H/inbox/fresh-2/"
find "$H/inbox/first" -exec touch -d 2026-11-28T08:00:00+08:00 {} +
find "$H/inbox/again" -exec touch -d 2026-11-28T08:10:00+08:00 {} +
find "$H/inbox/fresh-1" "$H/inbox/fresh-2" -exec touch -d 2026-11-28T08:59:50+08:00 {} +
"$P" run --home "$H" --now "$NOW" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
expect_eq "the run exits 0" "$?" 0
check "the summary counts the folders still settling" \
	grep -qx 'still in the inbox: 2 settling, 0 incomplete' "$TEST_TMP/out"
check "the summary counts the duplicate" grep -qx 'duplicates: 1' "$TEST_TMP/out"
check "an empty registry is warned about" \
	grep -q 'warning: .* holds no credentials: every claim is checked as not-verified no-record' "$TEST_TMP/err"
check "the one dossier is not-verified no-record" \
	grep -q '^dossiers: 1 (verified 0, not-verified 1' "$TEST_TMP/out"
record=$(find "$H/out/runs" -name '*.xml')
check "the run record is well-formed" xmllint --noout "$record"
check "the run record keeps the inbox counts" \
	grep -q '<inbox settling="2" incomplete="0" duplicates="1"/>' "$record"
check "the run record keeps the warning" grep -q '<warning>' "$record"

new_home
"$P" records --home "$H" import "$ROOT/samples/records.xml" >/dev/null 2>&1
"$P" run --home "$H" --now "$NOW" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
check "with credentials imported: no warning" test -z "$(grep 'no credentials' "$TEST_TMP/err")"
finish
