#!/usr/bin/env bash
# tests/typeset/test_extension.sh - an extended report says so on its face
# and in its result (issue 13): the samples' extension-zhang-wei moves
# 7KQ2M9X4T1HC8D5R (first issued 2026-10-01, valid until 2026-12-20) by 60
# days; its report shows 延期 Extended, the first issue date and both
# expiries, its result carries them (schemas/result.xsd), and the QR code
# signs the new expiry (SPEC §6's payload unchanged).
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/e2e/helpers.sh
. "$(dirname "$0")/../e2e/helpers.sh"

EXT=A20261127000128            # extension-zhang-wei
ONLINE=A20261127000123         # online-zhang-wei: not an extension
new_home
"$BIN/records" --home "$H" import "$ROOT/samples/records.xml" >/dev/null
CREDPIPE_BUILD=$BUILD bash "$ROOT/samples/build.sh" "$H/inbox" >/dev/null
settle "$H/inbox"
run_pipeline run
expect_eq "the run exits 0" "$STATUS" 0
expect_eq "the extension is verified" "$(outcome_of $EXT)" verified

# text in reading order, lines joined: a value wraps inside its box
pdftotext "$H/out/reports/$EXT.pdf" - 2>/dev/null | tr -s ' \n' '  ' >"$TEST_TMP/ext.txt"
while IFS='|' read -r name text; do
	check "extended report shows $name" grep -qF -- "$text" "$TEST_TMP/ext.txt"
done <<'EOT'
that it is extended (zh, en)|报告信息（延期） Report (extended)
the first issue, the previous and the new expiry (zh)|原出具日期 2026-10-01，原有效期至 2026-12-20，延期至 2027-02-18
the first issue, the previous and the new expiry (en)|First issued 2026-10-01; previously valid until 2026-12-20, extended to 2027-02-18
the new expiry as its validity|2027-02-18（含当日
EOT
pdftotext "$H/out/reports/$ONLINE.pdf" - 2>/dev/null | tr -s ' \n' '  ' >"$TEST_TMP/online.txt"
if grep -q -e '（延期）' -e 'Extended' -e '原有效期至' "$TEST_TMP/online.txt"; then
	not_ok "a report that was not extended says nothing of it"
else ok "a report that was not extended says nothing of it"; fi

expect_eq "the result: first issue, previous and new expiry" \
	"$(rattr $EXT '//*[local-name()="report"]/@first-issued') $(rattr $EXT '//*[local-name()="report"]/@previous-expires') $(rattr $EXT '//*[local-name()="report"]/@expires')" \
	"2026-10-01 2026-12-20 2027-02-18"
check "the extended result follows result.xsd" \
	xmllint --noout --schema "$ROOT/schemas/result.xsd" "$(res $EXT)"
expect_eq "a result that is not an extension has no first-issued" \
	"$(rattr $ONLINE '//*[local-name()="report"]/@first-issued')" ""

# the QR code of the extended report signs the new expiry
pdftoppm -r 150 -png -f 1 -l 1 "$H/out/reports/$EXT.pdf" "$TEST_TMP/ext" 2>/dev/null
expect_eq "its QR code signs the new expiry (SPEC §6)" \
	"$("$BIN/decode" --image "$TEST_TMP"/ext*.png | grep -o '&e=[0-9]*&')" "&e=20270218&"
finish
