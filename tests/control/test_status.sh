#!/usr/bin/env bash
# test_status.sh - credpipe status as cron mails it (LC_ALL=C): names as
# UTF-8, control characters escaped, whole quarantine reasons on one line,
# ages against the decision deadline, waybills per range.
. "$(dirname "$0")/../lib.sh"
P=$ROOT/pipeline.sh
export CREDPIPE_BIN=$BIN
export LC_ALL=C
NOW=2026-11-28T09:00:00+08:00

new_home
mkdir -p "$H/inbox/张伟-申请" "$H/inbox/$(printf 'bell\007tab\tx')"
echo '<dossier xmlns="urn:credpipe:dossier:1" id="A20261128000011"/>' >"$H/inbox/张伟-申请/dossier.xml"
find "$H/inbox" -mindepth 1 -exec touch -d 2026-11-27T09:00:00+08:00 {} +
# an old quarantined folder whose reason starts on its second line
mkdir -p "$H/quarantine/A20261120000001"
printf 'rejected by validate\nschema: element dossier: missing kind\n' \
	>"$H/quarantine/A20261120000001/REASON"
touch -d 2026-11-18T09:00:00+08:00 "$H/quarantine/A20261120000001"
# a dossier held at typeset, in the spool
d=$H/spool/A20261128000098
mkdir -p "$d/files"
printf 'folder=%s\nclaimed=2026-11-26T09:00:00+08:00\nid-source=dossier\nincomplete=0\n' \
	'%E7%8E%8B%E8%8A%B3' >"$d/claim"
cat >"$d/typeset.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<result xmlns="urn:credpipe:result:1" id="A20261128000098" kind="online-report" outcome="pending"><held>held for an operator: the font lacks 𠀀</held></result>
XML
"$P" status --home "$H" --now "$NOW" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
expect_eq "status exits 0" "$?" 0
check "under LC_ALL=C a Chinese folder name prints as UTF-8" grep -q ': 张伟-申请$' "$TEST_TMP/out"
check "no shell quoting of names" test -z "$(grep -F "\$'" "$TEST_TMP/out")"
check "control characters are escaped" grep -qF 'bell\x07tab\x09x' "$TEST_TMP/out"
check "the quarantine reason is whole, on one line" \
	grep -q 'A20261120000001: rejected by validate / schema: element dossier: missing kind' "$TEST_TMP/out"
check "the 10-day-old quarantine is OVERDUE (deadline 7 days)" \
	grep -q 'A20261120000001:.*10d 0h  OVERDUE$' "$TEST_TMP/out"
check "the 1-day-old inbox folder is not overdue" \
	grep -q '1d 0h .*张伟-申请$' "$TEST_TMP/out"
check "the held dossier in the spool is listed as held, with its age" \
	grep -q 'A20261128000098 *held for an operator: the font lacks 𠀀  2d 0h$' "$TEST_TMP/out"
expect_eq "the held dossier is not listed twice" "$(grep -c A20261128000098 "$TEST_TMP/out")" 1
check "no waybill range: said so" grep -qx '  no waybill range imported' "$TEST_TMP/out"
check "the deadline is named" grep -q 'deadline of 7 days' "$TEST_TMP/out"

"$P" status --home "$H" --now "$NOW" >"$TEST_TMP/out" 2>&1 </dev/null
echo "DEADLINE_DAYS=1" >>"$H/credpipe.conf"
"$P" status --home "$H" --now "$NOW" >"$TEST_TMP/out" 2>&1
check "DEADLINE_DAYS=1: the held dossier (2 days) is OVERDUE" \
	grep -q 'A20261128000098 .*2d 0h  OVERDUE$' "$TEST_TMP/out"

"$P" records --home "$H" import "$ROOT/samples/records.xml" >/dev/null 2>&1
"$P" status --home "$H" --now "$NOW" >"$TEST_TMP/out" 2>&1
check "waybills left per courier" grep -qx '  EMS 100000' "$TEST_TMP/out"
check "and per range" grep -qx '    EMS EA10000000CN..EA10099999CN: 100000 left' "$TEST_TMP/out"
finish
