#!/usr/bin/env bash
# test_report_checks.sh - the report-checks of a generated night (mkbatch
# --reports, what bench/night.sh runs) are decided as SPEC §4 says.
#
# mkbatch makes dossiers 3 and 5 of every ten report-checks whose scanned
# reports are, in turn: valid three times, expired, revoked, never issued,
# signed by a key the office does not trust, another holder's, and a page
# without a code. Each must end with its own reason; the rest of the batch
# (online and paper reports, a wrong id-number) as without --reports.
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/e2e/helpers.sh
. "$(dirname "$0")/helpers.sh"
N=50

batch=$TEST_TMP/batch
"$TOOLS/mkbatch" --count "$N" --out "$batch" --records "$TEST_TMP/records.xml" \
	--reports "$TEST_TMP/reports" >/dev/null
check "mkbatch --reports writes the trusted key" \
	compgen -G "$TEST_TMP/reports/*.pub"
expect_eq "one report page a report-check (3 and 5 of every ten)" \
	"$(cut -d' ' -f1 "$TEST_TMP/reports/payloads" | tr '\n' ' ')" \
	"B00000003 B00000005 B00000013 B00000015 B00000023 B00000025 B00000033 B00000035 B00000043 B00000045 "
plain_png "$TEST_TMP/scan.png"
for d in "$batch"/*/; do
	for f in id.png cert.png photo.png; do
		grep -q "file=\"$f\"" "$d/dossier.xml" && cp "$TEST_TMP/scan.png" "$d/$f"
	done
done
while read -r folder text; do
	if [ "$text" = - ]; then
		cp "$TEST_TMP/scan.png" "$batch/$folder/report.png"
	else
		scan_png "$batch/$folder/report.png" "$text"
	fi
done <"$TEST_TMP/reports/payloads"
settle "$batch"

new_home
cp "$TEST_TMP"/reports/*.pub "$H/keys/trusted/"
"$BIN/records" --home "$H" import "$TEST_TMP/records.xml" >/dev/null
cp -a "$batch/." "$H/inbox/"
run_pipeline night --settle 0
expect_eq "the run completes" "$STATUS" 0

# decision ID - outcome and reason codes of ID's result
decision() { echo "$(outcome_of "$1") $(reasons_of "$1")"; }
expect_eq "a valid report: verified" "$(decision B00000003)" "verified "
expect_eq "a second valid report: verified" "$(decision B00000005)" "verified "
expect_eq "a third valid report: verified" "$(decision B00000013)" "verified "
expect_eq "an expired report: qr-expired" "$(decision B00000015)" \
	"not-verified qr-expired"
expect_eq "a revoked report: qr-revoked" "$(decision B00000023)" \
	"not-verified qr-revoked"
expect_eq "a code never issued: qr-unknown" "$(decision B00000025)" \
	"not-verified qr-unknown"
expect_eq "a key the office does not trust: qr-bad-signature" \
	"$(decision B00000033)" "not-verified qr-bad-signature"
expect_eq "another holder's report: qr-mismatch" "$(decision B00000035)" \
	"not-verified qr-mismatch"
expect_eq "a page without a code: qr-unreadable" "$(decision B00000043)" \
	"not-verified qr-unreadable"
expect_eq "the variants start again: verified" "$(decision B00000045)" \
	"verified "
expect_eq "the valid report's code is in the result" \
	"$(rattr B00000003 '//*[local-name()="qr"]/@status') $(rattr B00000003 '//*[local-name()="qr"]/@code')" \
	"valid NB00000000000003"
expect_eq "the other dossiers as without --reports" \
	"$(decision B00000000) / $(decision B00000007) / $(decision B00000009)" \
	"verified  / verified  / rejected bad-id-number"
check "every result is valid against result.xsd" results_valid
finish
