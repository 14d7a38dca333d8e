#!/usr/bin/env bash
# tests/manifest/test_chain.sh - courier batches made by the REAL chain
# (SPEC §7, §8, issue 6): a registry imported with `records import`,
# paper-certification dossiers dropped in the inbox, then
#   ingest | validate | decode | check | typeset | manifest
# (or pipeline.sh run). This is the normal path from end to end; the
# crash points and the hostile CSV fields, which the chain cannot reach,
# stay in test_manifest.sh (shipfixture).
#
#   day 1     two EMS and one SF dossier: the four files per batch, CSV rows
#             with the results' report numbers and the registry's waybills,
#             results with <shipment> valid against result.xsd, done/
#   rerun     nothing new: no batch, no waybill
#   day 2     numbering starts at EMS-1 of the new date; a second run that
#             day continues with EMS-2
#   run out   exit 75, the dossier left without a number stays in the
#             spool, `pipeline.sh status` shows 0 left; a new range ships it
#   held      a delivery address the font cannot show (SPEC §6): held for
#             an operator before batching, the others ship
. "$(dirname "$0")/../lib.sh"

P=$ROOT/pipeline.sh
DAY1=2026-11-28
NOW1=${DAY1}T10:00:00+08:00
DAY2=2026-11-29
NOW2=${DAY2}T10:00:00+08:00
BEFORE=2026-11-27T12:00:00+08:00        # every inbox file is older than this

# --- the people: one archive credential (pre-2002) each ---------------------
# holder N: name, 17 digits of the id-number (the check character is
# computed), gender. Sequence digits odd = male, even = female.
holders=(
	"王芳 31010419750618024 female"
	"刘洋 44010619681215301 male"
	"孙强 11010819760305151 male"
	"李娜 33010619720711042 female"
	"陈静 11010219650402062 female"
	"赵磊 32010619680923031 male"
	"周杰 11010819700101003 male"
	"吴敏 11010819710202004 female"
)

# idnum BODY17 - the id-number with its GB 11643 check character
idnum() {
	local body=$1 w=(7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2) map=10X98765432
	local s=0 i
	for i in {0..16}; do s=$((s + ${body:i:1} * ${w[i]})); done
	printf '%s%s' "$body" "${map:$((s % 11)):1}"
}

# holder N FIELD - name | id | gender | birth (YYYY-MM-DD) of holder N
holder() {
	local name body gender id
	read -r name body gender <<<"${holders[$1]}"
	id=$(idnum "$body")
	case $2 in
	name) printf '%s' "$name" ;;
	id) printf '%s' "$id" ;;
	gender) printf '%s' "$gender" ;;
	birth) printf '%s-%s-%s' "${id:6:4}" "${id:10:2}" "${id:12:2}" ;;
	esac
}

# registry FILE [COURIER PREFIX FIRST LAST FORMAT]... - records.xml with
# every holder's archive credential and the waybill ranges given
registry() {
	local file=$1 n
	shift
	{
		echo '<?xml version="1.0" encoding="UTF-8"?>'
		echo '<records xmlns="urn:credpipe:records:1">'
		echo '  <institution code="10001" name="北京大学"/>'
		for n in "${!holders[@]}"; do
			cat <<EOF
  <credential certificate-number="ARCH-1992-000$n" status="valid" source="archive">
    <holder name="$(holder "$n" name)" id-number="$(holder "$n" id)"/>
    <institution code="10001"/>
    <level>undergraduate</level>
    <major>物理学</major>
    <entry-date>1988-09-01</entry-date>
    <graduation-date>1992-07-01</graduation-date>
  </credential>
EOF
		done
		while [ $# -ge 5 ]; do
			if [ "$5" = digits ]; then
				printf '  <waybill-range courier="%s" prefix="%s" first="%s" last="%s" format="digits"/>\n' \
					"$1" "$2" "$3" "$4"
			else
				printf '  <waybill-range courier="%s" prefix="%s" first="%s" last="%s" suffix="CN"/>\n' \
					"$1" "$2" "$3" "$4"
			fi
			shift 5
		done
		echo '</records>'
	} >"$file"
}

# import [RANGE...] - a fresh HOME with the registry imported
import() {
	new_home
	registry "$TEST_TMP/records.xml" "$@"
	"$BIN/records" --home "$H" import "$TEST_TMP/records.xml" \
		>"$TEST_TMP/import.out" 2>&1 || not_ok "records import" \
		"$(tail -n 3 "$TEST_TMP/import.out")"
}

# the scans every dossier carries, made once (samples/build.sh sizes)
mkdir -p "$TEST_TMP/png"
"$TOOLS/mkpng" -o "$TEST_TMP/png/id.png" -w 428 -h 270 --color rgb --text id &&
	"$TOOLS/mkpng" -o "$TEST_TMP/png/diploma.png" -w 620 -h 877 --text diploma &&
	"$TOOLS/mkpng" -o "$TEST_TMP/png/photo.png" -w 120 -h 160 --color rgb --text photo ||
	not_ok "mkpng makes the attachments"

# xml TEXT - TEXT escaped for XML
xml() {
	local s=${1//&/&amp;}
	s=${s//</&lt;}
	printf '%s' "${s//>/&gt;}"
}

# dossier ID N COURIER POSTCODE [ADDRESS [RECIPIENT]] - a paper-certification
# of holder N in the inbox
dossier() {
	local id=$1 n=$2 dir=$H/inbox/folder-$1
	mkdir -p "$dir"
	cp "$TEST_TMP"/png/*.png "$dir/"
	cat >"$dir/dossier.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<dossier xmlns="urn:credpipe:dossier:1" id="$id" received="2026-11-27T09:00:00+08:00">
  <kind>paper-certification</kind>
  <applicant>
    <name>$(holder "$n" name)</name>
    <id-number>$(holder "$n" id)</id-number>
    <gender>$(holder "$n" gender)</gender>
    <birth-date>$(holder "$n" birth)</birth-date>
    <phone>13912345678</phone>
  </applicant>
  <credential>
    <level>undergraduate</level>
    <institution code="10001">北京大学</institution>
    <major>物理学</major>
    <entry-date>1988-09-01</entry-date>
    <graduation-date>1992-07-01</graduation-date>
    <certificate-number>ARCH-1992-000$n</certificate-number>
  </credential>
  <request>
    <accepting-institution code="10002">中国人民大学</accepting-institution>
  </request>
  <delivery courier="$3">
    <recipient>$(xml "${6:-$(holder "$n" name)}")</recipient>
    <phone>1390013900$n</phone>
    <province>北京市</province><city>北京市</city><district>海淀区</district>
    <address>$(xml "${5:-颐和园路5号}")</address>
    <postcode>$4</postcode>
  </delivery>
  <attachments>
    <attachment kind="id-card" file="id.png"/>
    <attachment kind="certificate" file="diploma.png"/>
    <attachment kind="photo" file="photo.png"/>
  </attachments>
</dossier>
EOF
	find "$dir" -exec touch -h -d "$BEFORE" {} +
}

# chain NOW [OPTIONS] - the six stages by hand, as pipeline.sh chains them;
# their exit statuses in ${stages[@]}
chain() {
	local now=$1 o
	shift
	o=(--home "$H" --now "$now" "$@")
	"$BIN/ingest" --settle 0 "${o[@]}" 2>"$TEST_TMP/chain.err" |
		"$BIN/validate" "${o[@]}" 2>>"$TEST_TMP/chain.err" |
		"$BIN/decode" "${o[@]}" 2>>"$TEST_TMP/chain.err" |
		"$BIN/check" "${o[@]}" 2>>"$TEST_TMP/chain.err" |
		"$BIN/typeset" "${o[@]}" 2>>"$TEST_TMP/chain.err" |
		"$BIN/manifest" "${o[@]}" >"$TEST_TMP/chain.out" 2>>"$TEST_TMP/chain.err"
	stages=("${PIPESTATUS[@]}")
}

# pipeline NOW [OPTIONS] - pipeline.sh run; status in $rc
pipeline() {
	local now=$1
	shift
	"$P" run --home "$H" --now "$now" --settle 0 "$@" \
		>"$TEST_TMP/run.out" 2>"$TEST_TMP/run.err"
	rc=$?
}

# sql QUERY - one value from the registry
sql() { registry_sql "$H" "$1"; }
# batches DAY - the batch folders of DAY, space-separated
batches() { (cd "$H/out/courier/$1" 2>/dev/null && ls -A) | paste -sd ' ' -; }
# res ID - the published result of ID
res() { printf '%s/out/results/%s.xml' "$H" "$1"; }
# rattr ID ATTRIBUTE-XPATH - one value of the published result
rattr() {
	xmllint --xpath "string($2)" "$(res "$1")" 2>/dev/null
}
R='/*[local-name()="result"]'
SHIP=$R'/*[local-name()="shipment"]'

# --- day 1: two EMS parcels, one SF, through the six stages -------------------
import EMS EA 10000000 10000099 s10 SF SF 1000000000000 1000000099999 digits
dossier A20261127100001 0 EMS 200030 漕溪北路88号
dossier A20261127100002 1 EMS 100871 '颐和园路5号, 2单元 "东门"'
dossier A20261127100003 2 SF 510275 新港西路135号
day1=(A20261127100001 A20261127100002 A20261127100003)
chain "$NOW1"
expect_eq "day 1: every stage exits 0" "${stages[*]}" "0 0 0 0 0 0"
expect_eq "day 1: every id reaches the end of the chain" \
	"$(sort "$TEST_TMP/chain.out" | paste -sd ' ' -)" "${day1[*]}"
expect_eq "day 1: one batch per courier" "$(batches $DAY1)" "EMS-1 SF-1"
for b in EMS-1 SF-1; do
	for f in manifest.csv manifest.pdf labels.pdf reports.pdf; do
		check "day 1: $b has $f" test -s "$H/out/courier/$DAY1/$b/$f"
	done
done
expect_eq "day 1: EMS-1 labels: one page per parcel" \
	"$(pdfinfo "$H/out/courier/$DAY1/EMS-1/labels.pdf" | awk '/^Pages:/ {print $2}')" 2
expect_eq "day 1: EMS-1 reports.pdf: one report per parcel" \
	"$(pdfinfo "$H/out/courier/$DAY1/EMS-1/reports.pdf" | awk '/^Pages:/ {print $2}')" 2

# the CSV rows, read back by the strict reader, against results and registry
for b in EMS-1 SF-1; do
	"$TOOLS/csvcheck" "$H/out/courier/$DAY1/$b/manifest.csv" \
		>"$TEST_TMP/$b.csv" || not_ok "day 1: $b manifest.csv is strict RFC 4180"
done
expect_eq "day 1: EMS-1 rows in (postcode, id) order" \
	"$(awk -F' [|] ' '{print $9 "/" $12}' "$TEST_TMP/EMS-1.csv" | paste -sd ' ' -)" \
	"100871/A20261127100002 200030/A20261127100001"
for id in "${day1[@]}"; do
	courier=EMS
	[ "$id" = A20261127100003 ] && courier=SF
	row=$(awk -F' [|] ' -v id="$id" '$12 == id' "$TEST_TMP/$courier-1.csv")
	IFS='|' read -r waybill number _ <<<"$(awk -F' [|] ' '{print $1 "|" $2}' <<<"$row")"
	expect_eq "$id: order_id is the result's report number" "$number" \
		"$(rattr "$id" "$R/*[local-name()='report']/@number")"
	expect_eq "$id: waybill is the registry's" "$waybill" \
		"$(sql "select waybill from waybills where dossier_id='$id'")"
	expect_eq "$id: result has <shipment courier waybill batch>" \
		"$(rattr "$id" "concat($SHIP/@courier,' ',$SHIP/@waybill,' ',$SHIP/@batch)")" \
		"$courier $waybill $DAY1/$courier-1"
	check "$id: result valid against result.xsd" \
		xmllint --noout --schema "$ROOT/schemas/result.xsd" "$(res "$id")"
	check "$id: moved to HOME/done" test -d "$H/done/$id"
	check "$id: no longer in the spool" test ! -e "$H/spool/$id"
done
expect_eq "day 1: waybills from the ranges (S10 for EMS, digits for SF)" \
	"$(sql "select waybill from waybills order by waybill" | paste -sd ' ' -)" \
	"EA100000003CN EA100000017CN SF1000000000000"
expect_eq "day 1: the address with comma and quotes reads back" \
	"$(awk -F' [|] ' '$12 == "A20261127100002" {print $8}' "$TEST_TMP/EMS-1.csv")" \
	'颐和园路5号, 2单元 "东门"'
expect_eq "day 1: manifest.csv phone is in full" \
	"$(awk -F' [|] ' '$12 == "A20261127100003" {print $4}' "$TEST_TMP/SF-1.csv")" \
	13900139002

# --- a rerun the same day makes nothing new ---------------------------------
counts() {
	sql "select (select count(*) from waybills) || ' ' || (select count(*) from shipments)"
}
before=$(counts)
pipeline "$NOW1"
expect_eq "rerun: exit 0" "$rc" 0
expect_eq "rerun: no new batch" "$(batches $DAY1)" "EMS-1 SF-1"
expect_eq "rerun: no new waybill or shipment" "$(counts)" "$before"
check "rerun: summary says 0 batches" grep -q '^batches: 0$' "$TEST_TMP/run.out"

# --- day 2 starts at EMS-1 of its date; a second run continues with EMS-2 ---
dossier A20261128100004 3 EMS 310000
dossier A20261128100005 4 EMS 100000
pipeline "$NOW2"
expect_eq "day 2: exit 0" "$rc" 0
expect_eq "day 2: numbering starts at EMS-1 of the new date" "$(batches $DAY2)" EMS-1
expect_eq "day 2: day 1's batches untouched" "$(batches $DAY1)" "EMS-1 SF-1"
expect_eq "day 2: two parcels in EMS-1" \
	"$("$TOOLS/csvcheck" "$H/out/courier/$DAY2/EMS-1/manifest.csv" | wc -l)" 2
expect_eq "day 2: the next waybills of the range" \
	"$(sql "select waybill from waybills where dossier_id like 'A20261128%' order by waybill" | paste -sd ' ' -)" \
	"EA100000025CN EA100000034CN"
dossier A20261128100006 5 EMS 100000
pipeline "${DAY2}T15:00:00+08:00"
expect_eq "day 2, second run: EMS-2" "$(batches $DAY2)" "EMS-1 EMS-2"
expect_eq "day 2, second run: its shipment" \
	"$(rattr A20261128100006 "$SHIP/@batch")" "$DAY2/EMS-2"
expect_eq "no waybill twice in the registry" \
	"$(sql "select count(*) - count(distinct waybill) from waybills")" 0

# --- range exhaustion through the chain -------------------------------------
import EMS EA 10000000 10000001 s10
dossier A20261127200001 0 EMS 100001
dossier A20261127200002 1 EMS 100002
dossier A20261127200003 2 EMS 100003
"$P" status --home "$H" --now "$NOW1" >"$TEST_TMP/status.out" 2>&1
check "status shows the numbers left before they run out" \
	grep -qx '  EMS 2' "$TEST_TMP/status.out"
pipeline "$NOW1"
expect_eq "range runs out: pipeline.sh run exits 75" "$rc" 75
check "range runs out: manifest says what to do" \
	grep -q 'no EMS waybill number left' "$TEST_TMP/run.err"
expect_eq "range runs out: two waybills, no half-assigned one" \
	"$(sql "select count(*) from waybills")" 2
expect_eq "range runs out: two dossiers shipped, one left in the spool" \
	"$(ls "$H/done" | wc -l) $(ls "$H/spool" | wc -l)" "2 1"
left=$(ls "$H/spool")
check "range runs out: the one left waits with its paper report" \
	test -e "$H/spool/$left/typeset.xml"
"$P" status --home "$H" --now "$NOW1" >"$TEST_TMP/status.out" 2>&1
check "range runs out: status shows 0 EMS numbers left" \
	grep -qx '  EMS 0' "$TEST_TMP/status.out"
registry "$TEST_TMP/more.xml" EMS EA 10000002 10000009 s10
"$BIN/records" --home "$H" import "$TEST_TMP/more.xml" >/dev/null 2>&1
pipeline "$NOW1"
expect_eq "a new range: exit 0" "$rc" 0
check "a new range: the one left is shipped" test -d "$H/done/$left"
expect_eq "a new range: EMS-2 for it" "$(batches $DAY1)" "EMS-1 EMS-2"

# --- a delivery the labels cannot show is held before batching (SPEC §6) ----
# typeset holds a name with 𠮷 itself (the report prints it), but its paper
# report does not print the delivery block: these reach manifest. U+0085
# (NEL) is a C1 control character XML lets through.
import EMS EA 10000000 10000099 s10
dossier A20261127300001 0 EMS 100001
dossier A20261127300002 1 EMS 100002 '吉祥路𠮷号'
dossier A20261127300003 2 EMS 100003 颐和园路5号 $'张\xc2\x85三'
chain "$NOW1"
expect_eq "held: every stage exits 0" "${stages[*]}" "0 0 0 0 0 0"
expect_eq "held: the printable one ships alone in EMS-1" \
	"$("$TOOLS/csvcheck" "$H/out/courier/$DAY1/EMS-1/manifest.csv" | awk -F' [|] ' '{print $12}')" \
	A20261127300001
while read -r id field code; do
	expect_eq "held $field: no waybill spent" \
		"$(sql "select count(*) from waybills where dossier_id='$id'")" 0
	check "held $field: left in the spool" test -d "$H/spool/$id"
	held=$(rattr "$id" "$R/*[local-name()='held']")
	check "held $field: the result names the field and $code" \
		grep -q "delivery/$field: character $code" <<<"$held"
	expect_eq "held $field: still verified, no shipment" \
		"$(rattr "$id" "concat($R/@outcome,'/',count($SHIP))")" verified/0
	check "held $field: result valid against result.xsd" \
		xmllint --noout --schema "$ROOT/schemas/result.xsd" "$(res "$id")"
	check "held $field: the log says so" grep -q "$id: held for an operator" \
		"$TEST_TMP/chain.err"
done <<'EOF'
A20261127300002 address U+20BB7
A20261127300003 recipient U+0085
EOF
"$P" status --home "$H" --now "$NOW1" >"$TEST_TMP/status.out" 2>&1
expect_eq "held: pipeline.sh status lists both for an operator" \
	"$(sed -n '/^held for an operator:/,/^quarantine:/p' "$TEST_TMP/status.out" |
		grep -o 'A2026112730000[0-9].*delivery/[a-z]*' | awk '{print $1, $NF}' |
		paste -sd ' ' -)" \
	"A20261127300002 delivery/address A20261127300003 delivery/recipient"
cp "$(res A20261127300002)" "$TEST_TMP/held.xml"
pipeline "$NOW1"
expect_eq "held, rerun: exit 0" "$rc" 0
check "held, rerun: the summary counts them as held" \
	grep -q 'held 2' "$TEST_TMP/run.out"
expect_eq "held, rerun: no batch made" "$(batches $DAY1)" EMS-1
check "held, rerun: the result is not rewritten" \
	cmp "$TEST_TMP/held.xml" "$(res A20261127300002)"
# the operator corrects the address in the spool; the next run ships it
sed -i 's/吉祥路𠮷号/吉祥路1号/' "$H/spool/A20261127300002/files/dossier.xml"
pipeline "$NOW1"
expect_eq "corrected: exit 0" "$rc" 0
expect_eq "corrected: shipped in EMS-2" \
	"$(rattr A20261127300002 "$SHIP/@batch")" "$DAY1/EMS-2"
expect_eq "corrected: no longer held" \
	"$(rattr A20261127300002 "count($R/*[local-name()='held'])")" 0
check "corrected: moved to done" test -d "$H/done/A20261127300002"
check "still held: the other one waits" test -d "$H/spool/A20261127300003"

finish
