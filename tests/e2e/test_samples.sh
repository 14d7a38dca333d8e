#!/usr/bin/env bash
# test_samples.sh - the whole pipeline on samples/ (what `make demo` does):
# a fresh HOME, samples/records.xml imported, the sample inbox built, one
# `pipeline.sh run`; then every output is judged against SPEC.md and
# samples/dossiers/README.
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/e2e/helpers.sh
. "$(dirname "$0")/helpers.sh"

# --- samples/records.xml holds what samples/dossiers/README asks for ---------
# (holder id-number | institution | graduation | certificate number or "")
new_home
"$BIN/records" --home "$H" import "$ROOT/samples/records.xml" >/dev/null 2>&1
expect_eq "samples/records.xml imports" "$?" 0
lacking=()
while IFS='|' read -r holder inst grad number; do
	n=$(sqlite3 "$H/records.db" "select count(*) from credentials where
		holder_id='$holder' and institution_code='$inst' and
		graduation_date='$grad' and ifnull(certificate_number,'')='$number'")
	[ "$n" = 1 ] || lacking+=("$inst/$grad${number:+/$number}")
done <<'EOT'
110108199703150316|10001|2019-07-01|100011201905000123
110102198504020620|10002|2010-07-01|100021201002000045
320106198009230318|10003|2002-07-01|10003120020400088
310104197506180244|10246|1997-07-01|沪教证字(1997)第0456号
440106196812153014|10558|1993-07-01|
110108197603051514|10001|1999-07-01|
EOT
expect_eq "samples/records.xml holds every credential the README lists" \
	"${lacking[*]}" ""
check "samples/records.xml has an SF waybill range (paper-liu-yang-sf)" \
	test "$(sqlite3 "$H/records.db" "select count(*) from waybill_ranges where courier='SF'")" -ge 1
expires=$(sqlite3 "$H/records.db" "select expires from reports where code='7KQ2M9X4T1HC8D5R'")
days=$((($(date -ud "$expires" +%s) - $(date -ud 2026-11-28 +%s)) / 86400))
check "7KQ2M9X4T1HC8D5R expires within 30 days of 2026-11-28 (extension-zhang-wei)" \
	test "$days" -le 30

# --- the run ------------------------------------------------------------------
new_home
"$BIN/records" --home "$H" import "$ROOT/samples/records.xml" >/dev/null 2>&1
old_expiry=$(sqlite3 "$H/records.db" "select expires from reports where code='7KQ2M9X4T1HC8D5R'")
CREDPIPE_BUILD=$BUILD bash "$ROOT/samples/build.sh" "$H/inbox" >/dev/null
settle "$H/inbox"
run_pipeline run --verbose
expect_eq "pipeline.sh run exits 0" "$STATUS" 0

# --- every sample ends as samples/dossiers/README says ----------------------
# id | outcome | reason codes (sorted) | what else to look at
# (invalid-xxe has no readable id: its result is found by its folder name)
while IFS='|' read -r id want_outcome want_reasons extra bug; do
	if [ "$id" = folder:invalid-xxe ]; then
		file=$(grep -l 'folder="invalid-xxe"' "$H"/out/results/*.xml 2>/dev/null | head -n 1)
		id=$(basename "${file:-none}" .xml)
		check "invalid-xxe is named X<now><seq>" \
			grep -qx 'X20261128090000[0-9]\{4\}' <<<"$id"
	fi
	got="$(outcome_of "$id") $(reasons_of "$id")"
	expect_bug "$id ($extra) ends $want_outcome${want_reasons:+ $want_reasons}" \
		"${got% }" "$want_outcome${want_reasons:+ $want_reasons}" "${bug:-none known}"
done <<'EOT'
A20261127000123|verified||online report, 90 days
A20261127000124|verified||online report with agent, 180 days
A20261127000125|verified||online report, 17-digit 2002 number, 30 days
A20261127000126|verified||paper report, EMS
A20261127000127|verified||paper report, SF
A20261127000128|verified||extension by 60 days
A20261127000129|not-verified|qr-bad-signature|report-check of a dummy QR
A20261127000137|not-verified|no-record|credential not in the registry
A20261127000130|rejected|bad-id-number|bad id-number
A20261127000131|rejected|wrong-channel|1999 graduate asking online
A20261127000132|rejected|bad-certificate-number|year 2018 in the number
A20261127000133|rejected|missing-material|paper without delivery
A20261127000134|rejected|bad-contact|landline and 5-digit postcode
folder:invalid-xxe|rejected|unsafe-input|XXE
EOT
check "invalid-missing-attachment waits in the inbox" \
	test -f "$H/inbox/invalid-missing-attachment/dossier.xml"
expect_eq "A20261127000136 has no result yet" "$(outcome_of A20261127000136)" none

# online reports: validity = requested days (issued -> expires)
days_between() { echo $((($(date -ud "$2" +%s) - $(date -ud "$1" +%s)) / 86400)); }
for pair in A20261127000123:90 A20261127000124:180 A20261127000125:30; do
	id=${pair%:*}
	issued=$(rattr "$id" '//*[local-name()="report"]/@issued')
	expires=$(rattr "$id" '//*[local-name()="report"]/@expires')
	if [ -n "$issued" ] && [ -n "$expires" ]; then
		expect_eq "$id: report valid ${pair#*:} days" \
			"$(days_between "$issued" "$expires")" "${pair#*:}"
	else
		not_ok "$id: report valid ${pair#*:} days" "no <report issued expires>"
	fi
done
for id in A20261127000126 A20261127000127; do
	check "$id: paper report number P2026 + 6 digits" grep -q \
		'<report [^>]*number="P2026[0-9]\{6\}"' "$(res "$id")"
done
# SPEC §4: new expiry = max(today, old expiry) + validity-days
expect_eq "extension: 7KQ2M9X4T1HC8D5R now expires $old_expiry + 60 days" \
	"$(sqlite3 "$H/records.db" "select expires from reports where code='7KQ2M9X4T1HC8D5R'")" \
	"$(date -ud "$old_expiry + 60 days" +%F)"
expect_eq "... and the result names the same code with that expiry" \
	"$(rattr A20261127000128 '//*[local-name()="report"]/@code') $(rattr A20261127000128 '//*[local-name()="report"]/@expires')" \
	"7KQ2M9X4T1HC8D5R $(date -ud "$old_expiry + 60 days" +%F)"

# --- results: exactly one per claimed dossier, each valid ------------------------
claimed=$(find "$H/spool" "$H/done" "$H/quarantine" -mindepth 1 -maxdepth 1 \
	-type d ! -name '.*' | wc -l)
expect_eq "one result per claimed dossier" \
	"$(find "$H/out/results" -name '*.xml' | wc -l)" "$claimed"
check "every result is valid against schemas/result.xsd" results_valid

# --- PDFs: a report for each verified, a notice for each other -------------------
missing=()
for file in "$H"/out/results/*.xml; do
	id=$(basename "$file" .xml)
	case $(outcome_of "$id") in
	verified) want=reports/$id.pdf ;;
	*) want=notices/$id.pdf ;;
	esac
	[ -f "$H/out/$want" ] || missing+=("$want")
	for f in $(grep -o ' file="[^"]*"' "$file" | cut -d'"' -f2); do
		[ -f "$H/out/$f" ] || missing+=("$f (named in $id.xml)")
	done
done
expect_eq "every result has its PDF, every PDF named exists" "${missing[*]}" ""
check "every PDF under out/ is whole (pdfinfo)" pdfs_ok "$H/out"

# --- the courier batches ---------------------------------------------------------
for batch in EMS-1 SF-1; do
	dir=$H/out/courier/2026-11-28/$batch
	for f in manifest.csv manifest.pdf labels.pdf reports.pdf; do
		check "courier batch $batch has $f" test -s "$dir/$f"
	done
	csv=$dir/manifest.csv
	[ -f "$csv" ] || continue
	expect_eq "$batch/manifest.csv starts with a UTF-8 BOM" \
		"$(head -c 3 "$csv" | od -An -tx1 | tr -d ' ')" efbbbf
	expect_eq "$batch/manifest.csv: every line ends in CRLF" \
		"$(grep -c $'\r$' "$csv")" "$(wc -l <"$csv")"
	expect_eq "$batch/manifest.csv: the SPEC's columns" \
		"$(head -n 1 "$csv" | sed 's/^\xef\xbb\xbf//' | tr -d '\r')" \
		waybill,order_id,recipient,phone,province,city,district,address,postcode,contents,pieces,dossier_id
	expect_eq "$batch/manifest.csv: one parcel" "$(($(wc -l <"$csv") - 1))" 1
done
check "the EMS waybill is in the result" grep -q \
	'<shipment courier="EMS" waybill="[A-Z]\{2\}[0-9]\{9\}[A-Z]\{2\}" batch="2026-11-28/EMS-1"' \
	"$(res A20261127000126)"

# --- the spool is empty but for held dossiers ------------------------------------
left=()
for dir in "$H"/spool/*/; do
	[ -d "$dir" ] || continue
	id=$(basename "$dir")
	case $id in .*) ;; *) grep -q '<held>' "$(res "$id")" 2>/dev/null || left+=("$id") ;; esac
done
expect_eq "nothing left in HOME/spool (except held)" "${left[*]}" ""
check "no temp file left anywhere in HOME" \
	test -z "$(find "$H" -name '.tmp-*' -o -name '.claim-*')"

# --- file modes: HOME private, out/ group-readable -------------------------------
find "$H" -path "$H/inbox" -prune -o -path "$H/out" -prune -o \
	\( -type f ! -perm 600 -o -type d ! -perm 700 \) ! -path "$H" \
	-printf '%m %P\n' | sort >"$TEST_TMP/modes"
check_bug "spool decode.xml files are private (0600)" \
	"stages/common/scanresult.c: scan_result_save commits decode.xml with mode 0640; spool files must be 0600 (SPEC 8: private)" \
	test -z "$(grep '/decode\.xml$' "$TEST_TMP/modes")"
check_bug "the claimed copies (HOME/*/<id>/files/) are private" \
	"ingest copies the inbox files keeping their modes (0644/0755); every file credpipe creates under HOME must be 0600/0700" \
	test -z "$(grep '/files\(/\|$\)' "$TEST_TMP/modes")"
expect_eq "every other file under HOME is 0600, every folder 0700" \
	"$(grep -v -e '/decode\.xml$' -e '/files\(/\|$\)' "$TEST_TMP/modes")" ""
bad=$(find "$H/out" \( -type f ! -perm 640 -o -type d ! -perm 750 \) -printf '%m %P\n')
check_bug "out/ folders 0750, files 0640" \
	"stages/manifest.c: fs_mkdirs(daydir, 0750) is cut by umask 077 to 0700: out/courier/<date>/ unreadable for the mailroom group (the batch folder gets chmod, the day folder not)" \
	test -z "$bad"
[ -z "$bad" ] || printf '#     %s\n' "$bad"

# --- privacy: no id-number on stdout/stderr, none unmasked on a PDF ------------------
sed -n 's:.*<id-number>\([0-9Xx]*\)</id-number>.*:\1:p' \
	"$ROOT"/samples/dossiers/*/dossier.xml | sort -u >"$TEST_TMP/idnumbers"
check "the samples' id-numbers are known" test -s "$TEST_TMP/idnumbers"
check "no id-number on the run's stdout or stderr" \
	bash -c '! grep -F -f "$1" "$2" "$3"' _ "$TEST_TMP/idnumbers" \
	"$TEST_TMP/run.out" "$TEST_TMP/run.err"
for pdf in "$H"/out/reports/*.pdf "$H"/out/notices/*.pdf; do
	[ -f "$pdf" ] && pdftotext "$pdf" - 2>/dev/null
done >"$TEST_TMP/pdftext"
check "no PDF shows an id-number unmasked" \
	bash -c '! grep -F -f "$1" "$2"' _ "$TEST_TMP/idnumbers" "$TEST_TMP/pdftext"

# --- the summary and the run record ------------------------------------------------
n_of() { grep -l " outcome=\"$1\"" "$H"/out/results/*.xml 2>/dev/null | wc -l; }
want="dossiers: $claimed (verified $(n_of verified), not-verified $(n_of not-verified)"
want+=", rejected $(n_of rejected), held 0, pending 0)"
expect_eq "the summary's counts match the results" \
	"$(grep '^dossiers:' "$TEST_TMP/run.out")" "$want"
# dossiers per reason: a dossier with two bad contacts counts once
want=$(for f in "$H"/out/results/*.xml; do
	grep -o '<reason code="[a-z-]*"' "$f" | cut -d'"' -f2 | sort -u
done | sort | uniq -c | awk '{printf "%s%s %s", sep, $2, $1; sep=", "}')
expect_eq "the summary's reasons match the results" \
	"$(grep '^reasons:' "$TEST_TMP/run.out")" "reasons: $want"
expect_eq "the summary counts the batches" \
	"$(grep '^batches:' "$TEST_TMP/run.out")" "batches: 2"
record=$(find "$H/out/runs" -name '*.xml' | head -n 1)
check "the run record is well-formed" xmllint --noout "$record"
expect_eq "the run record lists every dossier" \
	"$(grep -c '<dossier id=' "$record")" "$claimed"

# --- later: the incomplete folder is rejected after --incomplete-after -----------------
NOW=2026-11-29T09:00:00+08:00 run_pipeline late --incomplete-after 24
expect_eq "a day later, the run exits 0" "$STATUS" 0
expect_eq "A20261127000136 is rejected missing-attachment" \
	"$(outcome_of A20261127000136) $(reasons_of A20261127000136)" "rejected missing-attachment"
check "... and has a notice" test -f "$H/out/notices/A20261127000136.pdf"
finish
