#!/usr/bin/env bash
# test_pdf.sh - PDF verification reports through the whole chain (SPEC §3,
# §6): the report PDF credpipe itself issued, uploaded as it was
# downloaded, checks verified with <qr status="valid">; so does a
# two-page PDF whose code is on page 2. An encrypted PDF, a truncated
# one, an HTML page named .pdf, and a PDF given as another kind of
# attachment are rejected as bad-attachment, each with its sentence.
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/e2e/helpers.sh
. "$(dirname "$0")/../e2e/helpers.sh"

if ! command -v qpdf >/dev/null; then
	not_ok "qpdf is installed (make deps)"
	finish
fi
new_home
"$BIN/records" --home "$H" import "$ROOT/samples/records.xml" >/dev/null 2>&1
CREDPIPE_BUILD=$BUILD bash "$ROOT/samples/build.sh" "$TEST_TMP/samples" >/dev/null

# --- 1. the first run issues 张伟's online report -----------------------------
"$P" drop --home "$H" "$TEST_TMP/samples/online-zhang-wei" >/dev/null
touch "$H/inbox/online-zhang-wei/READY"
run_pipeline issue
expect_eq "the first run verifies online-zhang-wei" "$(outcome_of A20261127000123)" verified
code=$(rattr A20261127000123 '//*[local-name()="report"]/@code')
issued=$H/out/reports/A20261127000123.pdf
check "the report PDF was issued" test -s "$issued"

# --- 2. one dossier per PDF ---------------------------------------------------
D=$TEST_TMP/drop
mkdir -p "$D"/A2026112800040{1,2,3,4,5,6}
cp "$issued" "$D/A20261128000401/report.pdf"
# a cover page without a code, then the report: page 2 must be read
"$TOOLS/reportsample" --reason no-record notice "$TEST_TMP/cover.pdf" >/dev/null 2>&1
qpdf --empty --pages "$TEST_TMP/cover.pdf" 1 "$issued" 1 -- "$D/A20261128000402/report.pdf"
expect_eq "the two-page PDF has two pages" \
	"$(pdfinfo "$D/A20261128000402/report.pdf" | sed -n 's/^Pages: *//p')" 2
qpdf --encrypt secret owner 256 -- "$issued" "$D/A20261128000403/report.pdf"
head -c $(($(wc -c <"$issued") / 2)) "$issued" >"$D/A20261128000404/report.pdf"
printf '<!DOCTYPE html>\n<html><body><p>Verification report</p></body></html>\n' \
	>"$D/A20261128000405/report.pdf"
cp "$issued" "$D/A20261128000406/report.pdf"
cp "$issued" "$D/A20261128000406/other.pdf"
for id in A2026112800040{1,2,3,4,5}; do
	report_check "$id" report.pdf
done
report_check A20261128000406 report.pdf "" other.pdf
NOW=2026-11-28T12:00:00+08:00 run_pipeline check
expect_eq "the check run exits 0" "$STATUS" 0

# judged ID - outcome, reasons and the <qr> of ID, on one line
judged() {
	printf '%s %s | qr %s %s' "$(outcome_of "$1")" "$(reasons_of "$1")" \
		"$(rattr "$1" '//*[local-name()="qr"]/@status')" \
		"$(rattr "$1" '//*[local-name()="qr"]/@code')"
}
expect_eq "the issued report PDF itself: verified, qr valid" \
	"$(judged A20261128000401)" "verified  | qr valid $code"
expect_eq "a two-page PDF with the report on page 2: verified, qr valid" \
	"$(judged A20261128000402)" "verified  | qr valid $code"
while read -r id sentence; do
	expect_eq "$id: rejected, bad-attachment" \
		"$(outcome_of "$id") $(reasons_of "$id")" "rejected bad-attachment"
	check "... saying \"$sentence\"" grep -qF "$sentence" "$(res "$id")"
done <<'EOF'
A20261128000403 report.pdf is not a usable image: encrypted PDF
A20261128000404 report.pdf is not a usable image: truncated PDF
A20261128000405 report.pdf is not a usable image: not a PNG, JPEG or PDF file
A20261128000406 other.pdf is a PDF: only a verification report may be a PDF
EOF

# --- 3. decode --image reads PDFs too (SPEC §1) --------------------------------
payload=$("$BIN/records" --home "$H" payload "$code" 2>/dev/null)
got=$("$BIN/decode" --image "$issued" 2>/dev/null)
expect_eq "decode --image on the issued PDF prints its payload, exit 0" "$got/$?" "$payload/0"
"$BIN/decode" --image "$D/A20261128000405/report.pdf" >/dev/null 2>&1
expect_eq "decode --image on HTML named .pdf exits 65" "$?" 65
"$BIN/decode" --image "$D/A20261128000403/report.pdf" >/dev/null 2>&1
expect_eq "decode --image on an encrypted PDF exits 65" "$?" 65
results_valid
finish
