#!/usr/bin/env bash
# tests/check/test_check.sh - stage check, one dossier per case, through
# the real chain `ingest --settle 0 | validate | decode | check`.
#
# The registry is tests/check/records.xml, imported with `records import`.
# QR codes are real: `records payload CODE` signs a report's payload with
# the test HOME's key, qrpage draws it on a scanned-looking page, decode
# reads it back. Each case lists the reason codes check.xml must carry
# (sorted, space-separated; "" = verified) and its outcome.
. "$(dirname "$0")/../lib.sh"

NOW=2026-11-28T10:00:00+08:00
HERE=$ROOT/tests/check
new_home
RECORDS=("$BIN/records" --home "$H")
"${RECORDS[@]}" import "$HERE/records.xml" >/dev/null ||
	not_ok "the test registry imports"
"${RECORDS[@]}" keygen >/dev/null || not_ok "keygen"

# --- people: name id-number birth-date gender ---------------------------------
declare -A NAME ID BIRTH GENDER
person() { NAME[$1]=$2; ID[$1]=$3; BIRTH[$1]=$4; GENDER[$1]=$5; }
person zhang 张伟 110108199703150316 1997-03-15 male
person liu 刘洋 440305198801020375 1988-01-02 male
person wang 王芳 320102197208110159 1972-08-11 male
person li 李娜 110105197705200024 1977-05-20 female
person chen 陈静 310104197609300245 1976-09-30 female

# credential blocks: level institution-code major entry graduation certno
declare -A CRED
CRED[zhang]="undergraduate 10001 计算机科学与技术 2015-09-01 2019-07-01 100011201905000123"
CRED[liu]="junior-college 10001 电子商务 2007-09-01 2010-07-01 100011201006000077"
CRED[wang]="junior-college 10001 会计 2002-09-01 2005-07-01 100011200506000088"
CRED[li]="undergraduate 10003 土木工程 1995-09-01 1999-07-01 QH1999-0456"
CRED[chen]="master 10003 物理学 1995-09-01 1998-07-01 QH1998-0123"

# credential_xml WHO [GRADUATION] - the <credential> block
credential_xml() {
	local level code major entry grad certno
	read -r level code major entry grad certno <<<"${CRED[$1]}"
	[ -n "${2:-}" ] && grad=$2
	cat <<-XML
	  <credential>
	    <level>$level</level>
	    <institution code="$code">某大学</institution>
	    <major>$major</major>
	    <entry-date>$entry</entry-date>
	    <graduation-date>$grad</graduation-date>
	    <certificate-number>$certno</certificate-number>
	  </credential>
	XML
}

# applicant_xml WHO [NAME ID BIRTH GENDER] - the <applicant> block
applicant_xml() {
	local who=$1
	cat <<-XML
	  <applicant>
	    <name>${2:-${NAME[$who]}}</name>
	    <id-number>${3:-${ID[$who]}}</id-number>
	    <gender>${5:-${GENDER[$who]}}</gender>
	    <birth-date>${4:-${BIRTH[$who]}}</birth-date>
	    <phone>13800138000</phone>
	  </applicant>
	XML
}

# dossier ID KIND BODY... - write inbox/ID/dossier.xml; BODY is the inner XML
dossier() {
	local id=$1 kind=$2
	shift 2
	mkdir -p "$H/inbox/$id"
	{
		echo '<?xml version="1.0" encoding="UTF-8"?>'
		echo "<dossier xmlns=\"urn:credpipe:dossier:1\" id=\"$id\" received=\"2026-11-27T21:14:00+08:00\">"
		echo "  <kind>$kind</kind>"
		printf '%s\n' "$@"
		echo '</dossier>'
	} >"$H/inbox/$id/dossier.xml"
	: >"$H/inbox/$id/READY"  # claimed at once, whatever the files' mtimes
}
attachments() { # FILE:KIND...
	local a out="  <attachments>"
	for a in "$@"; do out+=$'\n'"    <attachment kind=\"${a#*:}\" file=\"${a%%:*}\"/>"; done
	printf '%s\n  </attachments>' "$out"
}
scan() { "$TOOLS/mkpng" -o "$H/inbox/$1/$2" -w 200 -h 150 --text "$1/$2"; }
qr() { "$TOOLS/qrpage" -o "$H/inbox/$1/$2" --dpi 150 --text "$3"; }
payload() { "${RECORDS[@]}" payload "$1"; }

online() { # ID WHO [RECONSIDERATION_OF]
	local id=$1 who=$2
	local recon=${3:+"  <reconsideration-of>$3</reconsideration-of>"}
	dossier "$id" online-report "$recon" "$(applicant_xml "$who")" \
		"$(credential_xml "$who")" \
		"  <request><validity-days>90</validity-days></request>" \
		"$(attachments id.png:id-card)"
	scan "$id" id.png
}
paper() { # ID WHO
	local id=$1 who=$2
	dossier "$id" paper-certification "$(applicant_xml "$who")" \
		"$(credential_xml "$who")" \
		'  <request><accepting-institution code="10003">清华大学</accepting-institution></request>' \
		"  <delivery courier=\"EMS\"><recipient>${NAME[$who]}</recipient><phone>13800138000</phone><province>北京市</province><city>北京市</city><district>海淀区</district><address>颐和园路5号</address><postcode>100871</postcode></delivery>" \
		"$(attachments id.png:id-card diploma.png:certificate photo.png:photo)"
	scan "$id" id.png; scan "$id" diploma.png; scan "$id" photo.png
}
extension() { # ID WHO CODE
	dossier "$1" extension "$(applicant_xml "$2")" \
		"  <request><validity-days>90</validity-days><report-code>$3</report-code></request>"
}
report_check() { # ID WHO TEXT ("" = a page without a code)
	dossier "$1" report-check "$(applicant_xml "$2")" \
		"$(attachments report.png:verification-report)"
	if [ -n "$3" ]; then qr "$1" report.png "$3"; else "$TOOLS/qrpage" -o "$H/inbox/$1/report.png" --dpi 150; fi
}

# other keys and registries for the signature cases
new_home_at() { init_home "$1"; "$BIN/records" --home "$1" import "$2" >/dev/null; }
OTHER=$TEST_TMP/other          # another key: payloads it signs are untrusted
new_home_at "$OTHER" "$HERE/records.xml"
"$BIN/records" --home "$OTHER" keygen >/dev/null
SAMEKEY=$TEST_TMP/samekey      # our key, a report our registry never issued
new_home_at "$SAMEKEY" "$HERE/unknown.xml"
mkdir -p "$SAMEKEY/keys" && cp -r "$H/keys/." "$SAMEKEY/keys/"

GOOD=$(payload 7KQ2M9X4T1HC8D5R)
# one character of the signed holder name changed: 张伟 -> 张份 (%BC%9F -> %BB%BD)
TAMPERED=${GOOD/\%E4\%BC\%9F/\%E4\%BB\%BD}
# the same signed values in a form SPEC §6 does not allow (well-formed means
# canonical): lower-case hex, an escaped unreserved character, raw bytes
LOWERHEX=${GOOD/\%E5\%BC\%A0\%E4\%BC\%9F/\%e5\%bc\%a0\%e4\%bc\%9f}
ESCAPED=${GOOD/c=7KQ2/c=\%37KQ2}
RAWBYTES=${GOOD/\%E5\%BC\%A0\%E4\%BC\%9F/张伟}

# --- the cases: ID | expected reasons | expected outcome ------------------------
CASES=(
	"VONLINE||verified"
	"VPAPER||verified"
	"VEXTENSION||verified"
	"VREPORTCHECK||verified"
	"NORECORD|no-record|not-verified"
	"MISMATCH|record-mismatch|not-verified"
	"REVOKED|record-revoked|not-verified"
	"ALREADY|already-certified|not-verified"
	"WRONGCHANNEL|wrong-channel|rejected"
	"RECONNOTALLOWED|reconsideration-not-allowed|rejected"
	"QRUNREADABLE|qr-unreadable|not-verified"
	"QRFOREIGN|qr-unknown|not-verified"
	"QRUNKNOWN|qr-unknown|not-verified"
	"QRBADSIG|qr-bad-signature|not-verified"
	"QRUNTRUSTED|qr-bad-signature|not-verified"
	"QRLOWERHEX|qr-bad-signature|not-verified"
	"QRESCAPED|qr-bad-signature|not-verified"
	"QRRAWBYTES|qr-bad-signature|not-verified"
	"QREXPIRED|qr-expired|not-verified"
	"QRREVOKED|qr-revoked|not-verified"
	"QRMISMATCH|qr-mismatch|not-verified"
	"EXTFAR|extension-not-allowed|not-verified"
	"EXTOTHER|record-mismatch|not-verified"
)
online VONLINE zhang
paper VPAPER li
extension VEXTENSION zhang 7KQ2M9X4T1HC8D5R
report_check VREPORTCHECK zhang "$GOOD"
# an unregistered certificate number of the same institution, year and level
CRED[ghost]="undergraduate 10001 计算机科学与技术 2015-09-01 2019-07-01 100011201905000999"
NAME[ghost]=张伟; ID[ghost]=${ID[zhang]}; BIRTH[ghost]=${BIRTH[zhang]}; GENDER[ghost]=male
online NORECORD ghost
# name, id-number and graduation date differ (a valid id-number of another)
dossier MISMATCH online-report \
	"$(applicant_xml zhang 张三 "${ID[liu]}" "${BIRTH[liu]}" male)" \
	"$(credential_xml zhang 2019-06-30)" \
	"  <request><validity-days>90</validity-days></request>" "$(attachments id.png:id-card)"
scan MISMATCH id.png
online REVOKED liu
paper ALREADY chen
online WRONGCHANNEL wang
online RECONNOTALLOWED zhang A20250101000001
report_check QRUNREADABLE zhang ""
report_check QRFOREIGN zhang "https://example.org/some/other/code"
report_check QRUNKNOWN zhang "$("$BIN/records" --home "$SAMEKEY" payload NKN0000000000001)"
report_check QRBADSIG zhang "$TAMPERED"
report_check QRUNTRUSTED zhang "$("$BIN/records" --home "$OTHER" payload 7KQ2M9X4T1HC8D5R)"
report_check QRLOWERHEX zhang "$LOWERHEX"
report_check QRESCAPED zhang "$ESCAPED"
report_check QRRAWBYTES zhang "$RAWBYTES"
report_check QREXPIRED zhang "$(payload EXP0000000000001)"
report_check QRREVOKED zhang "$(payload REV0000000000001)"
report_check QRMISMATCH zhang "$(payload WFA0000000000001)"
extension EXTFAR zhang FAR0000000000001
extension EXTOTHER liu 7KQ2M9X4T1HC8D5R

# run_chain NOW - the real chain over the inbox; check's stdout into ids.out
run_chain() {
	timeout 60 "$BIN/ingest" --home "$H" --settle 0 --now "$1" 2>>"$TEST_TMP/stderr" |
		timeout 60 "$BIN/validate" --home "$H" --now "$1" 2>>"$TEST_TMP/stderr" |
		timeout 60 "$BIN/decode" --home "$H" --now "$1" 2>>"$TEST_TMP/stderr" |
		timeout 60 "$BIN/check" --home "$H" --now "$1" >"$TEST_TMP/ids.out" 2>>"$TEST_TMP/stderr"
}
run_chain "$NOW"
expect_eq "the chain exits 0" "$?" 0
expect_eq "check passes every id on" "$(sort "$TEST_TMP/ids.out" | tr '\n' ' ')" \
	"$(for c in "${CASES[@]}"; do echo "${c%%|*}"; done | sort | tr '\n' ' ')"

# reasons FILE - sorted, unique reason codes; outcome FILE - its outcome
reasons() { grep -o '<reason code="[^"]*"' "$1" | sed 's/.*code="//; s/"$//' | sort -u | tr '\n' ' ' | sed 's/ $//'; }
outcome() { sed -n 's/.* outcome="\([^"]*\)".*/\1/p' "$1" | head -n 1; }
state_of() { # the check.xml of ID, or validate.xml if validate rejected it
	local d
	for d in "$H/spool/$1" "$H/quarantine/$1"; do
		[ -f "$d/check.xml" ] && { echo "$d/check.xml"; return; }
		[ -f "$d/validate.xml" ] && [ "$(outcome "$d/validate.xml")" = rejected ] && {
			echo "$d/validate.xml"; return; }
	done
	echo "$H/spool/$1/check.xml"
}
for c in "${CASES[@]}"; do
	IFS='|' read -r id want_reasons want_outcome <<<"$c"
	f=$(state_of "$id")
	if [ ! -f "$f" ]; then
		not_ok "$id: check.xml written" "missing: $f"
		continue
	fi
	expect_eq "$id: reasons '${want_reasons}'" "$(reasons "$f")" "$want_reasons"
	expect_eq "$id: outcome $want_outcome" "$(outcome "$f")" "$want_outcome"
done

# --- details ----------------------------------------------------------------------
fields=$(grep -o 'field="[^"]*"' "$H/spool/MISMATCH/check.xml" | sed 's/field="//; s/"//' | sort | tr '\n' ' ')
expect_eq "MISMATCH: one reason per differing field" "$fields" "graduation-date id-number name "
expect_eq "VEXTENSION: new expiry = max(today, 2026-12-20) + 90 days" \
	"$(grep -o 'expires="[^"]*"' "$H/spool/VEXTENSION/check.xml")" 'expires="2027-03-20"'
expect_eq "VEXTENSION: the same code is kept" \
	"$(grep -o 'code="7KQ2M9X4T1HC8D5R"' "$H/spool/VEXTENSION/check.xml" | head -n 1)" 'code="7KQ2M9X4T1HC8D5R"'
for pair in VREPORTCHECK:valid QRUNREADABLE:unreadable QRFOREIGN:foreign QRUNKNOWN:unknown \
	QRBADSIG:bad-signature QRUNTRUSTED:bad-signature QRLOWERHEX:bad-signature \
	QRESCAPED:bad-signature QRRAWBYTES:bad-signature QREXPIRED:expired QRREVOKED:revoked \
	QRMISMATCH:mismatch; do
	id=${pair%%:*}
	expect_eq "$id: <qr> status ${pair#*:}" \
		"$(grep -o '<qr [^>]*status="[^"]*"' "$H/spool/$id/check.xml" | sed 's/.*status="//; s/"$//')" "${pair#*:}"
done
expect_eq "decisions are in the registry" \
	"$(registry_sql "$H" "SELECT outcome FROM decisions WHERE dossier_id IN ('VONLINE','NORECORD','WRONGCHANNEL') ORDER BY dossier_id")" \
	"$(printf 'not-verified\nverified\nrejected')"

# --- a second run: reconsideration of a not-verified dossier; expiry boundary ---
online RECONOK zhang NORECORD
report_check EXPBEFORE zhang "$(payload EXP0000000000001)"
run_chain 2026-11-27T23:59:59+08:00
expect_eq "RECONOK: reconsidering a not-verified dossier is allowed" \
	"$(outcome "$H/spool/RECONOK/check.xml") $(reasons "$H/spool/RECONOK/check.xml")" "verified "
check "RECONOK: the result names the decision it replaces" \
	grep -q '<reconsideration-of dossier="NORECORD" outcome="not-verified"/>' "$H/spool/RECONOK/check.xml"
expect_eq "expiry 2026-11-27: valid one second before midnight (+08:00)" \
	"$(outcome "$H/spool/EXPBEFORE/check.xml")" verified
# the same report one second later (a new dossier, so nothing is reused)
report_check EXPAFTER zhang "$(payload EXP0000000000001)"
run_chain 2026-11-28T00:00:00+08:00
expect_eq "expiry 2026-11-27: expired at midnight (+08:00)" \
	"$(reasons "$H/spool/EXPAFTER/check.xml")" qr-expired

# --- a rerun changes nothing ---------------------------------------------------------
sum_before=$(cat "$H"/spool/*/check.xml | sha256sum)
echo VONLINE | "$BIN/check" --home "$H" --now 2027-06-01T00:00:00+08:00 >"$TEST_TMP/rerun.out"
expect_eq "a rerun passes the id on" "$(cat "$TEST_TMP/rerun.out")" VONLINE
expect_eq "a rerun leaves every check.xml as it was" "$(cat "$H"/spool/*/check.xml | sha256sum)" "$sum_before"

leaks=$(grep -rl -e "${ID[zhang]}" -e "${ID[liu]}" -e 13800138000 "$H"/spool/*/check.xml "$TEST_TMP/stderr" 2>/dev/null)
expect_eq "no id-number or phone in check.xml or stderr" "$leaks" ""
finish
