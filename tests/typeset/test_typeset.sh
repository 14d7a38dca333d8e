#!/usr/bin/env bash
# tests/typeset/test_typeset.sh - the documents typeset issues (SPEC §6,
# issue 5): every field on each kind of PDF, A4, font embedded and subset,
# no blank glyph, held dossiers, the QR round trip through decode and
# check, and kill -9 at each step followed by a rerun.
#
# Everything is built at test time: a registry (records.xml below),
# dossier folders with mkpng attachments, scans made with pdftoppm.
. "$(dirname "$0")/../lib.sh"

NOW=2026-11-28T10:00:00+08:00
HOLDER_ID=110108199703150316       # 张伟 (samples/records.xml)
MASKED='110108********0316'
new_home
export CREDPIPE_HOME=$H

cat >"$TEST_TMP/records.xml" <<'EOF'
<records xmlns="urn:credpipe:records:1">
  <institution code="10001" name="北京大学"/>
  <institution code="10003" name="清华大学"/>
  <credential certificate-number="100011201905000123" status="valid"
              source="registry">
    <holder name="张伟" id-number="110108199703150316"/>
    <institution code="10001"/>
    <level>undergraduate</level>
    <major>计算机科学与技术</major>
    <study-form>full-time</study-form>
    <entry-date>2015-09-01</entry-date>
    <graduation-date>2019-07-01</graduation-date>
  </credential>
  <credential certificate-number="100011202206000001" status="valid"
              source="registry">
    <holder name="张𠮷" id-number="110108199703150316"/>
    <institution code="10001"/>
    <level>junior-college</level>
    <major>会计</major>
    <entry-date>2019-09-01</entry-date>
    <graduation-date>2022-07-01</graduation-date>
  </credential>
  <credential certificate-number="QH1999-0456" status="valid" source="archive">
    <holder name="李娜" id-number="110105197705200024"/>
    <institution code="10003"/>
    <level>undergraduate</level>
    <major>土木工程</major>
    <entry-date>1995-09-01</entry-date>
    <graduation-date>1999-07-01</graduation-date>
  </credential>
  <report code="7KQ2M9X4T1HC8D5R" certificate-number="100011201905000123"
          kind="online" issued="2026-10-01" expires="2026-12-30"
          status="valid"/>
</records>
EOF
"$BIN/records" --home "$H" import "$TEST_TMP/records.xml" >/dev/null ||
	not_ok "import records"

# applicant NAME ID GENDER BIRTH - the <applicant> block
applicant() {
	printf '<applicant><name>%s</name><id-number>%s</id-number>' "$1" "$2"
	printf '<gender>%s</gender><birth-date>%s</birth-date>' "$3" "$4"
	printf '<phone>13800138000</phone></applicant>\n'
}
# online NAME CERTNO GRADUATION - an online-report body (张伟's id)
online() {
	cat <<EOF
<kind>online-report</kind>
$(applicant "$1" $HOLDER_ID male 1997-03-15)
<credential><level>$4</level><institution code="10001">北京大学</institution>
<major>计算机科学与技术</major><entry-date>$5</entry-date>
<graduation-date>$3</graduation-date>
<certificate-number>$2</certificate-number></credential>
<request><validity-days>90</validity-days></request>
<attachments><attachment kind="id-card" file="id.png"/></attachments>
EOF
}
# drop ID BODY [ATTACHMENT=SOURCE...] - a dossier folder in the inbox
drop() {
	local id=$1 body=$2 d=$H/inbox/$1 a
	shift 2
	mkdir -p "$d"
	{
		echo '<?xml version="1.0" encoding="UTF-8"?>'
		echo "<dossier xmlns=\"urn:credpipe:dossier:1\" id=\"$id\""
		echo '  received="2026-11-27T21:14:00+08:00">'
		echo "$body"
		echo '</dossier>'
	} >"$d/dossier.xml"
	for a in id.png photo.png diploma.png; do
		"$TOOLS/mkpng" -o "$d/$a" --text "$id $a"
	done
	for a in "$@"; do cp "${a#*=}" "$d/${a%%=*}"; done
	touch "$d/READY"
}
# pipeline [NOW] - every stage but manifest over the inbox
pipeline() {
	local now=${1:-$NOW}
	"$BIN/ingest" --home "$H" --now "$now" |
		"$BIN/validate" --home "$H" --now "$now" |
		"$BIN/decode" --home "$H" --now "$now" |
		"$BIN/check" --home "$H" --now "$now" |
		"$BIN/typeset" --home "$H" --now "$now" --jobs 2 >/dev/null \
			2>>"$TEST_TMP/typeset.err"
}
# text PDF - its text, one line per text line
text() { pdftotext -layout "$1" - 2>/dev/null; }
# result ID - the published result
result() { cat "$H/out/results/$1.xml" 2>/dev/null; }
# code_of ID - the code in the published result
code_of() { result "$1" | sed -n 's/.*<report code="\([^"]*\)".*/\1/p'; }
# qr_status ID - the statuses of its scanned QR codes
qr_status() { result "$1" | sed -n 's/.*<qr .*status="\([^"]*\)".*/\1/p'; }
# grouped CODE - "7KQ2 M9X4 T1HC 8D5R"
grouped() { echo "$1" | sed 's/\(....\)\(....\)\(....\)\(....\)/\1 \2 \3 \4/'; }

# --- one dossier of each kind, and a held one -------------------------
drop A20261128000001 "$(online 张伟 100011201905000123 2019-07-01 \
	undergraduate 2015-09-01)"
drop P20261128000002 "<kind>paper-certification</kind>
$(applicant 李娜 110105197705200024 female 1977-05-20)
<credential><level>undergraduate</level>
<institution code=\"10003\">清华大学</institution><major>土木工程</major>
<entry-date>1995-09-01</entry-date><graduation-date>1999-07-01</graduation-date>
<certificate-number>QH1999-0456</certificate-number></credential>
<request><accepting-institution code=\"10246\">复旦大学研究生院</accepting-institution></request>
<delivery courier=\"EMS\"><recipient>李娜</recipient><phone>13800138000</phone>
<province>北京市</province><city>北京市</city><district>海淀区</district>
<address>颐和园路5号</address><postcode>100871</postcode></delivery>
<attachments><attachment kind=\"id-card\" file=\"id.png\"/>
<attachment kind=\"certificate\" file=\"diploma.png\"/>
<attachment kind=\"photo\" file=\"photo.png\"/></attachments>"
drop N20261128000003 "$(online 张伟伟 100011201905000123 2019-07-01 \
	undergraduate 2015-09-01)"
drop R20261128000004 "$(online 张伟 100011201905000123 2019-07-01 \
	undergraduate 2015-09-01 | sed "s/$HOLDER_ID/110108199703150317/")"
drop H20261128000005 "$(online 张𠮷 100011202206000001 2022-07-01 \
	junior-college 2019-09-01)"
pipeline

declare -A doc=(
	[A]=$H/out/reports/A20261128000001.pdf
	[P]=$H/out/reports/P20261128000002.pdf
	[N]=$H/out/notices/N20261128000003.pdf
	[R]=$H/out/notices/R20261128000004.pdf
)
A=${doc[A]}
CODE_A=$(code_of A20261128000001)
NUMBER_P=$(result P20261128000002 | sed -n 's/.*number="\([^"]*\)".*/\1/p')
check "online report issued with a 16-character code" \
	grep -Eq '^[0-9A-HJKMNP-TV-Z]{16}$' <<<"$CODE_A"
check "paper report number is P + year + 6 digits" \
	grep -Eq '^P2026[0-9]{6}$' <<<"$NUMBER_P"

# --- every field on every document (table: file, what, expected text) ---
while IFS='|' read -r file what want; do
	[ -n "$file" ] || continue
	if text "${doc[$file]}" | tr -s ' ' | grep -qF -- "$want"; then
		ok "$what shows $want"
	else
		not_ok "$what shows $want"
	fi
done <<EOF
A|online report|学历在线验证报告
A|online report|Online Verification Report
A|online report|张伟
A|online report|男 Male
A|online report|1997-03-15
A|online report|$MASKED
A|online report|北京大学（10001）
A|online report|计算机科学与技术
A|online report|本科 Undergraduate
A|online report|2015-09-01
A|online report|2019-07-01
A|online report|100011201905000123
A|online report|$(grouped "$CODE_A")
A|online report|2026-11-28
A|online report|2027-02-26
A|online report|How to verify
A|online report|https://verify.example.edu.cn/v
P|paper report|学历证书认证报告
P|paper report|李娜
P|paper report|女 Female
P|paper report|110105********0024
P|paper report|清华大学（10003）
P|paper report|土木工程
P|paper report|QH1999-0456
P|paper report|$NUMBER_P
P|paper report|长期有效 No expiry
P|paper report|复旦大学研究生院
N|not-verified notice|未能核实 Not verified
N|not-verified notice|信息与记录不符
N|not-verified notice|Details differ from the record
N|not-verified notice|N20261128000003
N|not-verified notice|2026-11-28
N|not-verified notice|复核原申请编号
R|rejection notice|申请未予受理 Application rejected
R|rejection notice|身份证件号码有误
R|rejection notice|Invalid resident ID number
EOF

for f in A P N R; do
	expect_eq "$f: no full id-number anywhere" \
		"$(text "${doc[$f]}" | grep -c -e "$HOLDER_ID" -e 110105197705200024)" 0
	expect_eq "$f: A4" "$(pdfinfo "${doc[$f]}" 2>/dev/null |
		sed -n 's/^Page size: *//p')" "595.276 x 841.89 pts (A4)"
	expect_eq "$f: the one font embedded and subset" \
		"$(pdffonts "${doc[$f]}" 2>/dev/null | awk 'NR > 2 {
			print $(NF-4), $(NF-3), $(NF-2) }')" "yes yes yes"
	expect_eq "$f: mode 0640" "$(stat -c %a "${doc[$f]}")" 640
	size=$(stat -c %s "${doc[$f]}")
	check "$f: at most 60 KB ($size bytes)" test "$size" -le 61440
done
check "online report result: published with <report>" \
	grep -q 'file="reports/A20261128000001.pdf"' "$H/out/results/A20261128000001.xml"
check "online report: dossier moved to done" test -d "$H/done/A20261128000001"
check "paper report: dossier stays in the spool for manifest" \
	test -f "$H/spool/P20261128000002/typeset.xml"
check "notice: published with <notice>" \
	grep -q '<notice file="notices/N20261128000003.pdf"/>' \
	"$H/out/results/N20261128000003.xml"
check "rejected: notice published, dossier stays in quarantine" \
	grep -q '<notice' "$H/out/results/R20261128000004.xml"

# --- a character outside the BMP: held, nothing issued -------------------
check "held: the result says why" grep -q '<held>held for an operator: .*U+20BB7' \
	"$H/out/results/H20261128000005.xml"
check "held: no PDF" test ! -e "$H/out/reports/H20261128000005.pdf"
check "held: the dossier stays in the spool" \
	test -f "$H/spool/H20261128000005/typeset.xml"
expect_eq "held: nothing issued in the registry" \
	"$("$BIN/records" --home "$H" export | grep -c 'dossier="H20261128000005"')" 0
echo H20261128000005 | "$BIN/typeset" --home "$H" --now "$NOW" >/dev/null 2>&1
check "held: a rerun still issues nothing" \
	test ! -e "$H/out/reports/H20261128000005.pdf"

# --- no glyph is blank: each character alone on a page, rendered --------
chars=报告张伟学历验证书编号
"$TOOLS/pdftool" chars "$chars" "$TEST_TMP/chars.pdf" ||
	not_ok "pdftool chars"
pdftoppm -r 20 -png "$TEST_TMP/chars.pdf" "$TEST_TMP/char" 2>/dev/null
i=0
for c in $(grep -o . <<<"$chars"); do
	i=$((i + 1))
	png=$(printf '%s/char-%02d.png' "$TEST_TMP" "$i")
	[ -f "$png" ] || png="$TEST_TMP/char-$i.png"
	ink=$("$TOOLS/pdftool" ink "$png")
	check "glyph $c is drawn ($ink dark pixels)" test "${ink:-0}" -gt 20
done
# The test can see a blank glyph: libharu alone drops 报 (composite glyph
# numbered above 32767 in wqy-microhei), which is why we subset first.
"$TOOLS/pdftool" --no-subset chars 报 "$TEST_TMP/raw.pdf" &&
	pdftoppm -r 20 -png "$TEST_TMP/raw.pdf" "$TEST_TMP/raw" 2>/dev/null
raw=$(ls "$TEST_TMP"/raw-*.png 2>/dev/null | head -n 1)
if [ -n "$raw" ] && [ "$("$TOOLS/pdftool" ink "$raw")" -eq 0 ]; then
	ok "without the subset step 报 is blank (the test detects it)"
else
	ok "# SKIP libharu without subset did not drop 报 here"
fi

# --- QR round trip: scans of the report through decode and check --------
# report_check ID SCAN [NOW] - a report-check dossier of 张伟 with SCAN
report_check() {
	drop "$1" "<kind>report-check</kind>
$(applicant 张伟 $HOLDER_ID male 1997-03-15)
<attachments><attachment kind=\"verification-report\" file=\"report.png\"/></attachments>" \
		"report.png=$2"
	pipeline "${3:-$NOW}"
}
for dpi in 150 200; do
	pdftoppm -r $dpi -gray -png -singlefile "$A" "$TEST_TMP/scan$dpi" 2>/dev/null
done
report_check C20261128000150 "$TEST_TMP/scan150.png"
expect_eq "150 dpi scan: QR valid" "$(qr_status C20261128000150)" valid
report_check C20261128000200 "$TEST_TMP/scan200.png"
expect_eq "200 dpi scan: QR valid" "$(qr_status C20261128000200)" valid
check "verified report-check: verification result PDF" \
	test -f "$H/out/reports/C20261128000200.pdf"
# the table shows the code as two groups a line
g=$(grouped "$CODE_A")
t=$(text "$H/out/reports/C20261128000200.pdf" | tr -s ' ')
check "verification result names the code found" \
	grep -qF "${g:0:9}" <<<"$t"
check "verification result names the code found (second line)" \
	grep -qF "${g:10:9}" <<<"$t"
check "verification result says valid" \
	grep -q '有效' <(text "$H/out/reports/C20261128000200.pdf")

payload=$("$BIN/decode" --image "$TEST_TMP/scan150.png")
check "decode --image reads the signed URL" \
	grep -q "^https://verify.example.edu.cn/v?c=$CODE_A&" <<<"$payload"
# one character of the signature changed
last=${payload: -1}
if [ "$last" = A ]; then swap=B; else swap=A; fi
"$TOOLS/pdftool" qr "${payload%?}$swap" "$TEST_TMP/bad.pdf" &&
	pdftoppm -r 150 -gray -png -singlefile "$TEST_TMP/bad.pdf" \
		"$TEST_TMP/bad" 2>/dev/null
report_check C20261128000201 "$TEST_TMP/bad.png"
expect_eq "one character changed: qr-bad-signature" \
	"$(qr_status C20261128000201)" bad-signature
check "one character changed: a notice" \
	test -f "$H/out/notices/C20261128000201.pdf"
report_check C20261128000202 "$TEST_TMP/scan150.png" 2027-02-27T10:00:00+08:00
expect_eq "--now after the expiry: qr-expired" \
	"$(qr_status C20261128000202)" expired
"$BIN/records" --home "$H" revoke "$CODE_A" >/dev/null 2>&1
report_check C20261128000203 "$TEST_TMP/scan150.png"
expect_eq "after records revoke: qr-revoked" \
	"$(qr_status C20261128000203)" revoked

# --- extension: the same code, the new expiry, a new PDF ---------------
drop E20261205000001 "<kind>extension</kind>
$(applicant 张伟 $HOLDER_ID male 1997-03-15)
<request><validity-days>30</validity-days><report-code>7KQ2M9X4T1HC8D5R</report-code></request>
<attachments/>"
pipeline 2026-12-05T10:00:00+08:00
expect_eq "extension: the same code" "$(code_of E20261205000001)" \
	7KQ2M9X4T1HC8D5R
check "extension: new expiry in the result (old expiry + 30 days)" \
	grep -q 'expires="2027-01-29"' "$H/out/results/E20261205000001.xml"
t=$(text "$H/out/reports/E20261205000001.pdf" 2>/dev/null | tr -s ' ')
check "extension: the new report shows the same code" \
	grep -qF "7KQ2 M9X4 T1HC 8D5R" <<<"$t"
check "extension: the new report shows the new expiry" \
	grep -qF "2027-01-29" <<<"$t"
check "extension: the registry has the new expiry" \
	grep -q 'expires: 2027-01-29' \
	<("$BIN/records" --home "$H" show 7KQ2M9X4T1HC8D5R 2>/dev/null)

# --- kill -9 at each step of typeset, then rerun --------------------------
n=10
for point in typeset-after-issue typeset-after-pdf typeset-after-state \
	typeset-after-publish; do
	n=$((n + 1))
	id=K202611280000$n
	drop $id "$(online 张伟 100011201905000123 2019-07-01 undergraduate \
		2015-09-01)"
	"$BIN/ingest" --home "$H" --now "$NOW" |
		"$BIN/validate" --home "$H" --now "$NOW" |
		"$BIN/decode" --home "$H" --now "$NOW" |
		"$BIN/check" --home "$H" --now "$NOW" >/dev/null 2>&1
	echo $id >"$TEST_TMP/id"
	# a subshell in braces, so that bash's "Killed" notice stays out of
	# the log
	{ (CREDPIPE_TEST_CRASH=$point "$BIN/typeset" --home "$H" --now "$NOW" \
		<"$TEST_TMP/id" >/dev/null 2>&1); } 2>/dev/null
	expect_eq "$point: killed" "$?" 137
	before=$("$BIN/records" --home "$H" export | grep "dossier=\"$id\"" |
		sed 's/.*code="\([^"]*\)".*/\1/')
	echo $id | "$BIN/typeset" --home "$H" --now "$NOW" >/dev/null 2>&1
	expect_eq "$point: rerun exits 0" "$?" 0
	after=$(code_of $id)
	expect_eq "$point: one code in the registry" \
		"$("$BIN/records" --home "$H" export | grep -c "dossier=\"$id\"")" 1
	expect_eq "$point: the code reserved before the crash is the one issued" \
		"$after" "$before"
	check "$point: the PDF carries it" grep -qF "$(grouped "$after")" \
		<(text "$H/out/reports/$id.pdf" | tr -s ' ')
	expect_eq "$point: one PDF, no temp file" \
		"$(find "$H/out/reports" -name "*$id*" | wc -l)" 1
	check "$point: finished in done/" test -d "$H/done/$id"
done
# --- a dozen dossiers at once: killed after a group issue, then after a
# PDF, then run to the end; every dossier keeps the code first reserved --
ids=()
for n in $(seq 10 21); do
	id=G202611280000$n
	ids+=("$id")
	drop "$id" "$(online 张伟 100011201905000123 2019-07-01 undergraduate \
		2015-09-01)"
done
"$BIN/ingest" --home "$H" --now "$NOW" |
	"$BIN/validate" --home "$H" --now "$NOW" |
	"$BIN/decode" --home "$H" --now "$NOW" |
	"$BIN/check" --home "$H" --now "$NOW" >/dev/null 2>&1
printf '%s\n' "${ids[@]}" >"$TEST_TMP/ids"
for point in typeset-after-issue typeset-after-pdf; do
	{ (CREDPIPE_TEST_CRASH=$point "$BIN/typeset" --home "$H" --now "$NOW" \
		--jobs 2 <"$TEST_TMP/ids" >/dev/null 2>&1); } 2>/dev/null
	expect_eq "group: killed at $point" "$?" 137
done
declare -A reserved=()
for id in "${ids[@]}"; do
	reserved[$id]=$("$BIN/records" --home "$H" export |
		sed -n "s/.*code=\"\([^\"]*\)\".*dossier=\"$id\".*/\1/p")
done
"$BIN/typeset" --home "$H" --now "$NOW" --jobs 2 <"$TEST_TMP/ids" \
	>"$TEST_TMP/out" 2>/dev/null
expect_eq "group: rerun exits 0" "$?" 0
expect_eq "group: every id passed on once" "$(sort "$TEST_TMP/out")" \
	"$(sort "$TEST_TMP/ids")"
bad=
for id in "${ids[@]}"; do
	code=$(code_of "$id")
	rows=$("$BIN/records" --home "$H" export | grep -c "dossier=\"$id\"")
	[ "$rows" = 1 ] || bad+=" $id:rows=$rows"
	[ -z "${reserved[$id]}" ] || [ "${reserved[$id]}" = "$code" ] ||
		bad+=" $id:code-changed"
	text "$H/out/reports/$id.pdf" | tr -s ' ' |
		grep -qF "$(grouped "$code")" || bad+=" $id:pdf"
	[ -d "$H/done/$id" ] || bad+=" $id:not-done"
done
expect_eq "group: one code per dossier, the one reserved, in its PDF" \
	"$bad" ""
expect_eq "no temp files left under out/" \
	"$(find "$H/out" -name '.tmp-*' | wc -l)" 0
finish
