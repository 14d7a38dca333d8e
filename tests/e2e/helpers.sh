# tests/e2e/helpers.sh - shared by the end-to-end tests (source after lib.sh)
#
# The end-to-end tests drive pipeline.sh exactly as cron and operators do,
# on a fresh HOME each, and judge what ends up in HOME/out against SPEC.md.
#
#   settle DIR...             date every file below DIR an hour before $NOW
#   run_pipeline TAG ARG...   pipeline.sh run --home $H --now $NOW ARG...;
#                             status in $STATUS, output in $TEST_TMP/TAG.out
#                             and TAG.err
#   res ID                    path of the published result of ID
#   rattr ID XPATH            a value from that result (local names)
#   outcome_of ID             its outcome ("none" when there is no result)
#   reasons_of ID             its reason codes, sorted, unique, space-separated
#   check_bug NAME BUG CMD... like check, but a failure also prints BUG: a
#                             known integration bug, reported to the lead; the
#                             check still runs and fails until it is fixed
#   expect_bug NAME GOT WANT BUG   expect_eq, stating BUG when it fails
#   scan_png FILE TEXT        a 150-dpi scanned page with a QR code of TEXT
#   plain_png FILE            an id-card-sized plain scan
#   pdfs_ok DIR               every *.pdf under DIR passes pdfinfo
#   results_valid             every HOME/out/results/*.xml is valid against
#                             schemas/result.xsd; prints the ones that are not
# shellcheck shell=bash
P=$ROOT/pipeline.sh
if [ ! -x "$BIN/ingest" ] || [ ! -x "$TOOLS/qrpage" ]; then
	not_ok "the programs and tools are built" \
		"no $BIN/ingest or $TOOLS/qrpage: make all tests tools (CREDPIPE_BIN, CREDPIPE_BUILD)"
	finish
fi
BIN=$(cd "$BIN" && pwd)
export CREDPIPE_BIN=$BIN
NOW=${NOW:-2026-11-28T09:00:00+08:00}
BEFORE=2026-11-28T08:00:00+08:00

settle() {
	find "$@" -mindepth 1 -exec touch -h -d "$BEFORE" {} +
}

run_pipeline() {
	local tag=$1
	shift
	"$P" run --home "$H" --now "$NOW" "$@" \
		>"$TEST_TMP/$tag.out" 2>"$TEST_TMP/$tag.err"
	# shellcheck disable=SC2034  # read by the tests
	STATUS=$?
}

res() { printf '%s/out/results/%s.xml' "$H" "$1"; }

rattr() {
	local file
	file=$(res "$1")
	[ -f "$file" ] || return 1
	xmllint --xpath "string($2)" "$file" 2>/dev/null
}

outcome_of() {
	if [ -f "$(res "$1")" ]; then
		rattr "$1" '/*[local-name()="result"]/@outcome'
	else
		printf 'none'
	fi
}

reasons_of() {
	[ -f "$(res "$1")" ] || return 0
	grep -o '<reason code="[a-z-]*"' "$(res "$1")" | cut -d'"' -f2 |
		sort -u | tr '\n' ' ' | sed 's/ $//'
}

check_bug() {
	local name=$1 bug=$2
	shift 2
	if "$@" >"$TEST_TMP/check.out" 2>&1; then
		ok "$name"
	else
		not_ok "$name" "KNOWN BUG (reported): $bug" \
			"$(tail -n 5 "$TEST_TMP/check.out")"
	fi
}

expect_bug() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1" "got:  $2" "want: $3" "KNOWN BUG (reported): $4"
	fi
}

scan_png() {
	"$TOOLS/qrpage" -o "$1" --dpi 150 --text "$2"
}

plain_png() {
	"$TOOLS/mkpng" -o "$1" -w 428 -h 270 --color rgb --text scan
}

pdfs_ok() {
	local f bad=0
	while IFS= read -r -d '' f; do
		if ! pdfinfo "$f" >/dev/null 2>&1; then
			echo "not a whole PDF: $f"
			bad=1
		fi
	done < <(find "$1" -name '*.pdf' -print0)
	return "$bad"
}

results_valid() {
	local f bad=0
	for f in "$H"/out/results/*.xml; do
		[ -f "$f" ] || continue
		if ! xmllint --noout --schema "$ROOT/schemas/result.xsd" "$f" >/dev/null 2>&1; then
			echo "not valid: ${f##*/}: $(xmllint --noout "$f" 2>&1 | head -n 1 | cat -v)"
			bad=1
		fi
	done
	return "$bad"
}

# dossiers_once LABEL BATCH ID... - SPEC §9 after a crash or a fault: every
# ID lies in exactly one of spool/, done/ and quarantine/ of $H (a ~N
# duplicate folder counts), its files byte for byte as in BATCH/ID
dossiers_once() {
	local label=$1 batch=$2 id n dir place places=()
	shift 2
	for id in "$@"; do
		n=0
		for place in spool "done" quarantine; do
			for dir in "$H/$place/$id" "$H/$place/$id"~*; do
				[ -d "$dir" ] || continue
				n=$((n + 1))
				diff -r "$batch/$id" "$dir/files" >/dev/null 2>&1 ||
					places+=("$id: $place/${dir##*/}/files differs")
			done
		done
		[ "$n" -eq 1 ] || places+=("$id: in $n places")
	done
	expect_eq "$label: every dossier once in spool/done/quarantine, bytes intact" \
		"${places[*]}" ""
}

# report_check ID FILE [SHA256] [OTHER] - drop a report-check dossier for
# 张伟 (the samples' holder) from $TEST_TMP/drop/ID, which holds FILE as its
# verification report (with its SHA256 when given) and OTHER, when given,
# as an attachment of kind "other"
report_check() {
	local dir=$TEST_TMP/drop/$1 sum='' other=''
	[ -n "${3:-}" ] && sum=" sha256=\"$3\""
	[ -n "${4:-}" ] && other="<attachment kind=\"other\" file=\"$4\"/>"
	cat >"$dir/dossier.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<dossier xmlns="urn:credpipe:dossier:1" id="$1" received="2026-11-28T10:00:00+08:00">
  <kind>report-check</kind>
  <applicant>
    <name>张伟</name>
    <id-number>110108199703150316</id-number>
    <gender>male</gender>
    <birth-date>1997-03-15</birth-date>
    <phone>13800138000</phone>
  </applicant>
  <attachments>
    <attachment kind="verification-report" file="$2"$sum/>
    $other
  </attachments>
</dossier>
EOF
	: >"$dir/READY"
	"$P" drop --home "$H" "$dir" >/dev/null
}
