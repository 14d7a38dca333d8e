#!/usr/bin/env bash
# tests/typeset/test_notices.sh - what an applicant reads on a notice
# (SPEC §3, §6): for every reason code of schemas/result.xsd a notice with
# the title and the sentence of notices.golden in Chinese and English, the
# item to correct in words, no reason code, element name or '<' on the
# page, and the reconsideration paragraph in words.
. "$(dirname "$0")/../lib.sh"

GOLDEN=$ROOT/tests/typeset/notices.golden
# squeeze - the text without any white space: pdftotext breaks lines
# wherever the layout wrapped them
squeeze() { tr -d ' \n\t\f'; }

mapfile -t codes < <(sed -n '/name="reason-code"/,/<\/xs:simpleType>/s/.*value="\([^"]*\)".*/\1/p' \
	"$ROOT/schemas/result.xsd")
[ "${#codes[@]}" -ge 24 ] && ok "the reason codes of result.xsd are read (${#codes[@]})" ||
	not_ok "the reason codes of result.xsd are read" "${codes[*]}"
expect_eq "notices.golden has a line for every reason code and no other" \
	"$(grep -v '^#' "$GOLDEN" | cut -d'|' -f1 | sort)" "$(printf '%s\n' "${codes[@]}" | sort)"

# a pattern of every reason code, for "no code on the page"
code_re=$(printf '%s\n' "${codes[@]}" | paste -sd'|')
for code in "${codes[@]}"; do
	pdf=$TEST_TMP/$code.pdf
	if ! "$TOOLS/reportsample" --reason "$code" notice "$pdf" 2>"$TEST_TMP/err"; then
		not_ok "notice for $code is written" "$(cat "$TEST_TMP/err")"
		continue
	fi
	pdftotext "$pdf" "$TEST_TMP/$code.txt" 2>/dev/null
	page=$(squeeze <"$TEST_TMP/$code.txt")
	line=$(grep "^$code|" "$GOLDEN")
	missing=()
	for i in 2 3 4 5; do
		want=$(cut -d'|' -f"$i" <<<"$line" | squeeze)
		[[ $page == *"$want"* ]] || missing+=("column $i: $want")
	done
	if [ "${#missing[@]}" -eq 0 ]; then ok "notice for $code: golden titles and texts in both languages"
	else not_ok "notice for $code: golden titles and texts in both languages" "${missing[@]}"; fi
	if grep -qE -w "$code_re" "$TEST_TMP/$code.txt" || grep -q '<' "$TEST_TMP/$code.txt"; then
		not_ok "notice for $code: no reason code and no '<' on the page" \
			"$(grep -nE -w -e "$code_re" -e '<' "$TEST_TMP/$code.txt")"
	else ok "notice for $code: no reason code and no '<' on the page"; fi
done

# the item to correct, in the words of the form, never the element path
"$TOOLS/reportsample" --reason bad-contact --field delivery/phone notice "$TEST_TMP/field.pdf"
pdftotext "$TEST_TMP/field.pdf" "$TEST_TMP/field.txt" 2>/dev/null
page=$(squeeze <"$TEST_TMP/field.txt")
[[ $page == *"涉及：收件人手机号码"* && $page == *"Concerns:therecipient'smobilenumber."* ]] &&
	ok "the field is named in words in both languages" ||
	not_ok "the field is named in words in both languages" "$(cat "$TEST_TMP/field.txt")"
if grep -q 'delivery/phone' "$TEST_TMP/field.txt"; then
	not_ok "the element path stays off the page"
else ok "the element path stays off the page"; fi

# reconsideration in words: which field to fill in with which number
expect_eq "online-report notice: reconsideration in words (Chinese)" \
	"$(squeeze <"$TEST_TMP/field.txt" | grep -o '在申请表“复核原申请编号”一栏填写本申请编号A20261127000123')" \
	'在申请表“复核原申请编号”一栏填写本申请编号A20261127000123'
expect_eq "online-report notice: reconsideration in words (English)" \
	"$(squeeze <"$TEST_TMP/field.txt" | grep -o "givethisapplicationnumberinthefield'reconsiderationof':A20261127000123")" \
	"givethisapplicationnumberinthefield'reconsiderationof':A20261127000123"
"$TOOLS/reportsample" --reason extension-not-allowed --kind extension notice "$TEST_TMP/ext.pdf"
pdftotext "$TEST_TMP/ext.pdf" "$TEST_TMP/ext.txt" 2>/dev/null
if squeeze <"$TEST_TMP/ext.txt" | grep -q "simplyapplyagain" &&
	! grep -q "reconsideration of'" "$TEST_TMP/ext.txt"; then
	ok "an extension's notice says to apply again, without a reconsideration number"
else not_ok "an extension's notice says to apply again, without a reconsideration number" "$(cat "$TEST_TMP/ext.txt")"; fi
expect_eq "the application type is named in both languages" \
	"$(squeeze <"$TEST_TMP/ext.txt" | grep -o '报告延期ReportExtension\|报告延期Reportextension')" "报告延期Reportextension"
finish
