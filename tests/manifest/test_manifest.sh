#!/usr/bin/env bash
# tests/manifest/test_manifest.sh - courier batches (SPEC §7, issue 6):
# batching boundaries, numbering across runs, the CSV read back strictly,
# label size and text, barcodes decoded back, range exhaustion, crashes.
#
# The spool state typeset leaves (a verified paper dossier with its paper
# report issued in the registry) is made by tests/tools/shipfixture, so
# that manifest is tested alone: exact batch boundaries, hostile CSV
# fields, the sender block, and kill -9 at each crash point, which the
# whole chain cannot reach. test_chain.sh runs the normal path through
# the real stages.
. "$(dirname "$0")/../lib.sh"

NOW=2026-11-28T10:00:00+08:00
DAY=2026-11-28

# add ID COURIER POSTCODE [RECIPIENT [ADDRESS]] - a dossier waiting for manifest
add() {
	SHIPFIXTURE_RECORDS=$(home_records "$H") "$TOOLS/shipfixture" "$H" dossier "$1" "$2" "$3" "${4:-张伟}" \
		"${5:-颐和园路5号}" || not_ok "fixture $1"
}
# range COURIER FIRST LAST - a waybill range of COURIER
range() {
	local prefix=EA
	[ "$1" = SF ] && prefix=SF
	"$TOOLS/shipfixture" "$(home_records "$H")" range "$1" "$prefix" "$2" "$3" ||
		not_ok "fixture range"
}
# run [OPTIONS] - manifest on the ids in $TEST_TMP/ids; status in $rc
run() {
	# a subshell, so that bash's "Killed" notice stays out of the log
	("$BIN/manifest" --home "$H" --now "$NOW" "$@" <"$TEST_TMP/ids" \
		>"$TEST_TMP/out" 2>"$TEST_TMP/err")
	rc=$?
}
# batches - the batch folders of the day, one per line
batches() {
	(cd "$H/out/courier/$DAY" 2>/dev/null && ls -A) | paste -sd ' ' -
}
# records BATCH - the number of records in its manifest.csv
records() {
	"$TOOLS/csvcheck" "$H/out/courier/$DAY/$1/manifest.csv" | wc -l
}
# waybills - every waybill in every published result, sorted
waybills() {
	cat "$H"/out/results/*.xml 2>/dev/null |
		sed -n 's/.*waybill="\([^"]*\)".*/\1/p' | sort
}

# --- batching boundaries: 0, 1, batch size, batch size + 1 -------------
while read -r n want; do
	new_home
	range EMS 10000000 10000099
	: >"$TEST_TMP/ids"
	for i in $(seq 1 "$n"); do
		id=$(printf 'A2026%07d' "$i")
		add "$id" EMS "1000$((i % 10))0"
		echo "$id" >>"$TEST_TMP/ids"
	done
	echo B00000000001 >>"$TEST_TMP/ids"     # not in the spool: passes
	run --batch-size 3
	expect_eq "$n parcels: exit 0" "$rc" 0
	expect_eq "$n parcels: batches" "$(batches)" "$want"
	expect_eq "$n parcels: every id passed on" "$(wc -l <"$TEST_TMP/out")" \
		"$((n + 1))"
done <<'EOF'
0
1 EMS-1 
3 EMS-1 
4 EMS-1 EMS-2 
EOF
expect_eq "4 parcels: 3 then 1" "$(records EMS-1) $(records EMS-2)" "3 1"

# --- two couriers; order; a second run the same day continues ----------
new_home
range EMS 10000000 10000099
range SF 20000000 20000099
add A20260000001 EMS 200000
add A20260000002 SF 100000
add A20260000003 EMS 100871
add A20260000004 EMS 100871
printf '%s\n' A20260000001 A20260000002 A20260000003 A20260000004 \
	>"$TEST_TMP/ids"
run
expect_eq "two couriers: one batch each" "$(batches)" "EMS-1 SF-1"
expect_eq "EMS batch in (postcode, id) order" \
	"$("$TOOLS/csvcheck" "$H/out/courier/$DAY/EMS-1/manifest.csv" |
		awk -F' [|] ' '{print $12}' | tr '\n' ' ')" \
	"A20260000003 A20260000004 A20260000001 "
expect_eq "waybills are S10 numbers of the ranges" "$(waybills | tr '\n' ' ')" \
	"EA100000003CN EA100000017CN EA100000025CN SF200000006CN "
check "shipped dossiers moved to done" test -d "$H/done/A20260000001"
check "result has its shipment" grep -q \
	'<shipment courier="EMS" waybill="EA100000003CN" batch="2026-11-28/EMS-1"/>' \
	"$H/out/results/A20260000001.xml"
add A20260000005 EMS 100000
echo A20260000005 >"$TEST_TMP/ids"
run
expect_eq "second run the same day: EMS-2" "$(batches)" "EMS-1 EMS-2 SF-1"
cp "$TEST_TMP/ids" "$TEST_TMP/ids.5"
printf '%s\n' A20260000001 A20260000005 >"$TEST_TMP/ids"
run
expect_eq "rerun: shipped dossiers are not batched again" "$(batches)" \
	"EMS-1 EMS-2 SF-1"

# --- the four files; hostile addresses through the strict reader -------
new_home
range EMS 10000000 10000099
hostile=(
	'1号楼,2单元 "东门"'
	$'第一行\r\n第二行\n第三行'
	'=HYPERLINK("http://x","点")'
	'+86 路'
	'-1层'
	'@SUM(A1)'
	"'单引号"
	"$(printf '很长的地址%.0s' {1..40})"
)
: >"$TEST_TMP/ids"
for i in "${!hostile[@]}"; do
	id=$(printf 'A2026%07d' "$i")
	add "$id" EMS 100871 "收件人$i, \"Q\"" "${hostile[$i]}"
	echo "$id" >>"$TEST_TMP/ids"
done
run
dir=$H/out/courier/$DAY/EMS-1
for f in manifest.csv manifest.pdf labels.pdf reports.pdf; do
	check "batch has $f" test -s "$dir/$f"
done
check "manifest.csv starts with a UTF-8 BOM" \
	bash -c "head -c 3 '$dir/manifest.csv' | od -An -tx1 | grep -q 'ef bb bf'"
expect_eq "manifest.csv header" \
	"$(head -n 1 "$dir/manifest.csv" | tail -c +4 | tr -d '\r')" \
	"waybill,order_id,recipient,phone,province,city,district,address,postcode,contents,pieces,dossier_id"
"$TOOLS/csvcheck" "$dir/manifest.csv" >"$TEST_TMP/csv" ||
	not_ok "manifest.csv is strict RFC 4180"
for i in "${!hostile[@]}"; do
	want=${hostile[$i]//$'\r'/\\r}
	want=${want//$'\n'/\\n}
	got=$(awk -F' [|] ' -v id="$(printf 'A2026%07d' "$i")" \
		'$12 == id {print $8 "|" $3}' "$TEST_TMP/csv")
	expect_eq "address $i reads back equal" "$got" "$want|收件人$i, \"Q\""
done
check "formula cells carry the ' guard in the file" \
	grep -q "^EA[0-9]*CN,P[0-9]*,.*,\"'=HYPERLINK" "$dir/manifest.csv"
n=${#hostile[@]}
expect_eq "labels: one page per parcel" \
	"$(pdfinfo "$dir/labels.pdf" | awk '/^Pages:/ {print $2}')" "$n"
expect_eq "labels: 100 x 150 mm" \
	"$(pdfinfo "$dir/labels.pdf" 2>/dev/null | sed -n 's/^Page size: *//p')" \
	"283.465 x 425.197 pts"
expect_eq "reports.pdf: one report per parcel" \
	"$(pdfinfo "$dir/reports.pdf" | awk '/^Pages:/ {print $2}')" "$n"
pdftotext -layout "$dir/labels.pdf" "$TEST_TMP/labels.txt" 2>/dev/null
for w in $(waybills); do
	check "label text has $w" grep -q "$w" "$TEST_TMP/labels.txt"
done
check "label text has the full phone and 文件" \
	grep -q "13900139000" "$TEST_TMP/labels.txt"
pdftotext "$dir/manifest.pdf" "$TEST_TMP/dispatch.txt" 2>/dev/null
check "dispatch list masks phones" grep -q '139\*\*\*\*9000' "$TEST_TMP/dispatch.txt"
check "dispatch list never shows a full phone" \
	bash -c "! grep -q 13900139000 '$TEST_TMP/dispatch.txt'"
check "dispatch list has page i of n" grep -q 'page 1 of' "$TEST_TMP/dispatch.txt"
check "dispatch list has totals" grep -q "Total: $n" "$TEST_TMP/dispatch.txt"

# --- barcodes decode back at 300 dpi (zbar, Code 128 only) -------------
pdftoppm -r 300 -gray -png "$dir/labels.pdf" "$TEST_TMP/lab" 2>/dev/null
pdftoppm -r 300 -gray -png "$dir/manifest.pdf" "$TEST_TMP/man" 2>/dev/null
for kind in lab man; do
	zbarimg -q -Sdisable -Scode128.enable "$TEST_TMP/$kind"-*.png 2>/dev/null |
		sed 's/^CODE-128://' | sort >"$TEST_TMP/$kind.codes"
	expect_eq "every waybill decodes from the $kind pages" \
		"$(tr '\n' ' ' <"$TEST_TMP/$kind.codes")" "$(waybills | tr '\n' ' ')"
done

# --- range exhaustion: exit 75, nothing half-assigned --------------------
new_home
range EMS 10000000 10000001
printf '%s\n' A20260000001 A20260000002 A20260000003 >"$TEST_TMP/ids"
for id in $(cat "$TEST_TMP/ids"); do add "$id" EMS 100000; done
run
expect_eq "range runs out: exit 75" "$rc" 75
check "the message says what to do" grep -q "no EMS waybill number left" \
	"$TEST_TMP/err"
expect_eq "two dossiers shipped" "$(waybills | wc -l)" 2
check "the third stays in the spool" test -d "$H/spool/A20260000003"
expect_eq "every id passed on" "$(wc -l <"$TEST_TMP/out")" 3
range EMS 10000002 10000009
run
expect_eq "after a new range: exit 0" "$rc" 0
expect_eq "the third is shipped with a new number" "$(waybills | wc -l)" 3
expect_eq "no waybill twice" "$(waybills | uniq -d)" ""

# --- sender block: the lines that are configured, none left blank ----------
# sender_label SETTINGS... - the label text of one parcel shipped with the
# sender keys SETTINGS (KEY=value lines of HOME/credpipe.conf)
sender_label() {
	new_home
	range EMS 10000000 10000099
	# keep the registry the home was made with (PostgreSQL runs)
	keep=$(grep '^RECORDS=' "$H/credpipe.conf")
	printf '%s\n' ${keep:+"$keep"} "$@" >"$H/credpipe.conf"
	add A20260000001 EMS 100871
	echo A20260000001 >"$TEST_TMP/ids"
	run
	pdftotext -layout "$H/out/courier/$DAY/EMS-1/labels.pdf" "$TEST_TMP/label.txt" 2>/dev/null
	pdftotext -layout "$H/out/courier/$DAY/EMS-1/manifest.pdf" "$TEST_TMP/list.txt" 2>/dev/null
}
sender_label
expect_eq "no sender keys: exit 0" "$rc" 0
expect_eq "no sender keys: only the recipient's postcode line" \
	"$(grep -c '邮编 Postcode' "$TEST_TMP/label.txt")" 1
check "no sender keys: no blank postcode line" \
	bash -c "! grep -q '邮编 Postcode *\$' '$TEST_TMP/label.txt'"
check "no sender keys: the default sender name" \
	grep -q 'Credential Certification Office' "$TEST_TMP/label.txt"
check "no sender keys: dispatch list ends the sender line with the name" \
	grep -q 'Sender: 学历认证中心 Credential Certification Office *$' "$TEST_TMP/list.txt"
sender_label SENDER_NAME=北京学历认证中心 SENDER_PHONE=010-62345678 \
	SENDER_ADDRESS=海淀区学院路1号 SENDER_POSTCODE=100083
for want in 北京学历认证中心 010-62345678 海淀区学院路1号 '邮编 Postcode 100083'; do
	check "all sender keys: the label has $want" grep -q "$want" "$TEST_TMP/label.txt"
	check "all sender keys: the dispatch list has $want" grep -q "$want" "$TEST_TMP/list.txt"
done
sender_label SENDER_POSTCODE=100083
check "only a postcode: the label has it" grep -q '邮编 Postcode 100083' "$TEST_TMP/label.txt"
check "only a postcode: no empty phone or address text" \
	bash -c "! grep -q 'None\|(null)' '$TEST_TMP/label.txt'"
new_home
range EMS 10000000 10000099
add A20260000001 EMS 100871
echo A20260000001 >"$TEST_TMP/ids"
CREDPIPE_SENDER_ADDRESS='吉祥路𠮷号' run
expect_eq "a sender the font cannot show: exit 78 (configuration)" "$rc" 78
check "a sender the font cannot show: the message names the key" \
	grep -q 'SENDER_ADDRESS: character U+20BB7' "$TEST_TMP/err"
expect_eq "a sender the font cannot show: no waybill spent, nothing shipped" \
	"$(waybills | wc -l) $(ls "$H/spool")" "0 A20260000001"

# --- kill -9 at each step, then rerun: same waybills, one batch each ----
for at in after-waybills before-rename after-rename after-registry \
	after-finish; do
	new_home
	range EMS 10000000 10000099
	: >"$TEST_TMP/ids"
	for i in 1 2 3 4 5; do
		add "A202600000$i$i" EMS "10000$i"
		echo "A202600000$i$i" >>"$TEST_TMP/ids"
	done
	CREDPIPE_TEST_CRASH=$at run --batch-size 2
	expect_eq "killed $at: exit by SIGKILL" "$rc" 137
	run --batch-size 2
	expect_eq "killed $at, rerun: exit 0" "$rc" 0
	expect_eq "killed $at: every dossier shipped once" "$(waybills | wc -l)" 5
	expect_eq "killed $at: no waybill twice" "$(waybills | uniq -d)" ""
	all=$(cat "$H"/out/courier/$DAY/*/manifest.csv | tr -d '\r' |
		grep -c '^EA')
	expect_eq "killed $at: each dossier in exactly one batch" "$all" 5
	expect_eq "killed $at: no temp folder left" \
		"$(find "$H/out/courier" -name '.tmp-*' | wc -l)" 0
	expect_eq "killed $at: spool empty" "$(ls -A "$H/spool")" ""
done
finish
