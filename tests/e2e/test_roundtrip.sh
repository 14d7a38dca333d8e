#!/usr/bin/env bash
# test_roundtrip.sh - a report issued by one run is printed (rendered at
# 150 dpi, as a scan would be), handed back in a report-check dossier and
# checked by a later run (SPEC §4, §6): valid; expired after its expiry;
# mismatch for another holder; revoked once `records revoke` ran.
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/e2e/helpers.sh
. "$(dirname "$0")/helpers.sh"

new_home
"$BIN/records" --home "$H" import "$ROOT/samples/records.xml" >/dev/null 2>&1
CREDPIPE_BUILD=$BUILD bash "$ROOT/samples/build.sh" "$TEST_TMP/samples" >/dev/null

# --- 1. the first run issues 张伟's online report -----------------------------
"$P" drop --home "$H" "$TEST_TMP/samples/online-zhang-wei" >/dev/null
touch "$H/inbox/online-zhang-wei/READY"
run_pipeline issue
expect_eq "the first run exits 0" "$STATUS" 0
expect_eq "it verifies online-zhang-wei" "$(outcome_of A20261127000123)" verified
code=$(rattr A20261127000123 '//*[local-name()="report"]/@code')
expires=$(rattr A20261127000123 '//*[local-name()="report"]/@expires')
check "... and issues a report code" grep -qx '[0-9A-HJKMNP-TV-Z]\{16\}' <<<"$code"

# --- 2. the report, printed and scanned at 150 dpi --------------------------------
pdftoppm -r 150 -png -singlefile "$H/out/reports/A20261127000123.pdf" "$TEST_TMP/scan" 2>/dev/null
check "pdftoppm renders the report at 150 dpi" test -s "$TEST_TMP/scan.png"
payload=$("$BIN/records" --home "$H" payload "$code" 2>/dev/null)
expect_eq "zbarimg reads the report's signed payload from the scan" \
	"$(zbarimg -q --raw "$TEST_TMP/scan.png" 2>/dev/null | grep -F 'c=')" "$payload"

# check_dossier ID NAME ID-NUMBER GENDER BIRTH - a report-check dossier
# holding the scan, dropped into the inbox with a READY marker
check_dossier() {
	local dir=$TEST_TMP/drop/$1
	mkdir -p "$dir"
	cp "$TEST_TMP/scan.png" "$dir/report.png"
	cat >"$dir/dossier.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<dossier xmlns="urn:credpipe:dossier:1" id="$1" received="2026-11-28T10:00:00+08:00">
  <kind>report-check</kind>
  <applicant>
    <name>$2</name>
    <id-number>$3</id-number>
    <gender>$4</gender>
    <birth-date>$5</birth-date>
    <phone>13800138000</phone>
  </applicant>
  <attachments>
    <attachment kind="verification-report" file="report.png"/>
  </attachments>
</dossier>
EOF
	: >"$dir/READY"
	"$P" drop --home "$H" "$dir" >/dev/null
}
zhang=(张伟 110108199703150316 male 1997-03-15)
chen=(陈静 110102198504020620 female 1985-04-02)

# judged ID - outcome, reasons and the <qr> of ID, on one line
judged() {
	printf '%s %s | qr %s %s' "$(outcome_of "$1")" "$(reasons_of "$1")" \
		"$(rattr "$1" '//*[local-name()="qr"]/@status')" \
		"$(rattr "$1" '//*[local-name()="qr"]/@code')"
}

# --- 3. checked back: valid, expired, mismatch, revoked -----------------------------
check_dossier A20261128000201 "${zhang[@]}"
NOW=2026-11-28T12:00:00+08:00 run_pipeline valid
expect_eq "the check run exits 0" "$STATUS" 0
expect_eq "the scanned report checks valid" "$(judged A20261128000201)" \
	"verified  | qr valid $code"
check "... with a verification result PDF" test -s "$H/out/reports/A20261128000201.pdf"
check "... that names the code" bash -c 'pdftotext "$1" - | tr -d " \n" | grep -q "$2"' _ \
	"$H/out/reports/A20261128000201.pdf" "$code"

check_dossier A20261128000202 "${zhang[@]}"
later=$(date -ud "$expires + 1 day" +%F)
NOW=${later}T09:00:00+08:00 run_pipeline expired
expect_eq "the day after $expires the report is expired" "$(judged A20261128000202)" \
	"not-verified qr-expired | qr expired $code"
check "... with a notice" test -s "$H/out/notices/A20261128000202.pdf"

check_dossier A20261128000203 "${zhang[@]}"
NOW=${expires}T23:00:00+08:00 run_pipeline last-day
expect_eq "on its expiry date the report is still valid (valid through the end of it)" \
	"$(judged A20261128000203)" "verified  | qr valid $code"

check_dossier A20261128000204 "${chen[@]}"
NOW=2026-11-28T12:00:00+08:00 run_pipeline mismatch
expect_eq "handed in for another holder: mismatch" "$(judged A20261128000204)" \
	"not-verified qr-mismatch | qr mismatch $code"

"$BIN/records" --home "$H" revoke "$code" >/dev/null 2>&1
expect_eq "records revoke exits 0" "$?" 0
check_dossier A20261128000205 "${zhang[@]}"
NOW=2026-11-28T12:00:00+08:00 run_pipeline revoked
expect_eq "once revoked: revoked" "$(judged A20261128000205)" \
	"not-verified qr-revoked | qr revoked $code"

# --- 4. another installation (its own key) cannot vouch for it ------------------------
new_home
"$BIN/records" --home "$H" import "$ROOT/samples/records.xml" >/dev/null 2>&1
check_dossier A20261128000206 "${zhang[@]}"
NOW=2026-11-28T12:00:00+08:00 run_pipeline untrusted
expect_eq "a HOME that does not trust the signing key: bad-signature" \
	"$(judged A20261128000206)" "not-verified qr-bad-signature | qr bad-signature $code"
finish
