#!/usr/bin/env bash
# test_hostile.sh - SPEC §9: hostile input never crashes a stage, never
# reads or writes outside HOME, never blocks the run; each gets its reason
# and the rest of the batch goes on.
#
# One inbox mixes good dossiers (the valid samples, in folders with odd
# names) with hostile folders. HOME lies in $ROOT_DIR next to a sentinel
# folder, whose checksums must not change, and which holds the files the
# hostile dossiers point at.
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/e2e/helpers.sh
. "$(dirname "$0")/helpers.sh"

ROOT_DIR=$TEST_TMP/root
H=$ROOT_DIR/home
SENTINEL=$ROOT_DIR/sentinel
init_home "$H"
mkdir -p "$SENTINEL/victim"
echo "TOP-SECRET-SENTINEL" >"$SENTINEL/secret"
"$BIN/records" --home "$H" import "$ROOT/samples/records.xml" >/dev/null 2>&1
CREDPIPE_BUILD=$BUILD bash "$ROOT/samples/build.sh" "$TEST_TMP/samples" >/dev/null
S=$TEST_TMP/samples
IN=$H/inbox

# a valid dossier of our own (张伟's data), id $1, in folder $2
valid_dossier() {
	mkdir -p "$2"
	sed "s/id=\"A20261127000123\"/id=\"$1\"/" "$S/online-zhang-wei/dossier.xml" >"$2/dossier.xml"
	cp "$S/online-zhang-wei/"*.png "$2/"
}

# --- good dossiers in folders with odd names ---------------------------------
# folder name | sample | id
declare -A good_id=()
while IFS='|' read -r name sample id; do
	name=$(printf '%b' "$name")
	cp -a "$S/$sample" "$IN/$name"
	good_id[$name]=$id
done <<'EOT'
with space|online-zhang-wei|A20261127000123
q'uo"te|online-chen-jing-agent|A20261127000124
new\nline|online-zhao-lei-2002|A20261127000125
中文 名字|paper-wang-fang-ems|A20261127000126
-dash|paper-liu-yang-sf|A20261127000127
EOT

# --- hostile folders -------------------------------------------------------------
valid_dossier A20261128000301 "$SENTINEL/victim"
ln -s "$SENTINEL/victim" "$IN/linked-folder"

mkdir "$IN/passwd-link"
ln -s /etc/passwd "$IN/passwd-link/dossier.xml"

mkdir "$IN/xxe"
cat >"$IN/xxe/dossier.xml" <<EOF
<?xml version="1.0"?>
<!DOCTYPE dossier [<!ENTITY s SYSTEM "file://$SENTINEL/secret">]>
<dossier xmlns="urn:credpipe:dossier:1" id="A20261128000302"
  received="2026-11-28T08:00:00+08:00"><kind>&s;</kind></dossier>
EOF

mkdir "$IN/laughs"
{
	echo '<?xml version="1.0"?>'
	echo '<!DOCTYPE lolz [<!ENTITY lol "lol">'
	prev=lol
	for i in 1 2 3 4 5 6 7 8 9; do
		printf '<!ENTITY lol%d "&%s;&%s;&%s;&%s;&%s;&%s;&%s;&%s;&%s;&%s;">\n' \
			"$i" "$prev" "$prev" "$prev" "$prev" "$prev" "$prev" "$prev" "$prev" "$prev" "$prev"
		prev=lol$i
	done
	echo ']>'
	echo '<dossier xmlns="urn:credpipe:dossier:1" id="A20261128000303"><kind>&lol9;</kind></dossier>'
} >"$IN/laughs/dossier.xml"

valid_dossier A20261128000304 "$IN/huge"
{
	sed '$d' "$IN/huge/dossier.xml"
	printf '<!-- %s -->\n' "$(head -c 5242880 /dev/zero | tr '\0' x)"
	tail -n 1 "$IN/huge/dossier.xml"
} >"$TEST_TMP/huge.xml"
mv "$TEST_TMP/huge.xml" "$IN/huge/dossier.xml"

valid_dossier A20261128000305 "$IN/truncated-png"
head -c 300 "$S/online-zhang-wei/id.png" >"$IN/truncated-png/id.png"

valid_dossier A20261128000306 "$IN/png-bomb"
"$TOOLS/mkpng" -o "$IN/png-bomb/id.png" -w 60000 -h 60000 --header-only

valid_dossier A20261128000307 "$IN/dotdot-id"
sed -i 's/id="A20261128000307"/id="..\/..\/x"/' "$IN/dotdot-id/dossier.xml"

valid_dossier A20261128000308 "$IN/fifo"
rm "$IN/fifo/id.png"
mkfifo "$IN/fifo/id.png"

valid_dossier A20261128000309 "$IN/attachment-path"
sed -i 's/file="id.png"/file="..\/..\/sentinel\/secret"/' "$IN/attachment-path/dossier.xml"

valid_dossier A20261128000310 "$IN/.hidden"

mkdir "$IN/empty-xml"
: >"$IN/empty-xml/dossier.xml"
mkdir -p "$IN/dir-as-xml/dossier.xml"
# unreadable dossiers in folders whose names XML cannot hold as they are
for name in "bad"$'\xff\xfe'"utf8" "ctl"$'\x01\x1b'"char"; do
	mkdir "$IN/$name"
	echo '<dossier' >"$IN/$name/dossier.xml"
done
echo 'not a folder' >"$IN/stray-file"

settle "$IN"
touch -h -d "$BEFORE" "$SENTINEL/victim" "$SENTINEL/victim"/*
sentinel_sums() {
	(cd "$ROOT_DIR" && find . -path ./home -prune -o -printf '%y %m %s %T@ %p\n' | sort
		find sentinel -type f -exec sha256sum {} + | sort)
}
sentinel_sums >"$TEST_TMP/sentinel.before"

# --- the run ----------------------------------------------------------------------
timeout 120 "$P" run --home "$H" --now "$NOW" --verbose >"$TEST_TMP/run.out" 2>"$TEST_TMP/run.err"
STATUS=$?
expect_eq "the run exits 0 (and does not block)" "$STATUS" 0
record=$(find "$H/out/runs" -name '*.xml' | head -n 1)
expect_eq "every stage exited 0 (run record)" \
	"$(grep -c '<stage name="[a-z]*" exit="0"[ /]' "$record" 2>/dev/null)" 6
expect_eq "the run record says when each stage ended" \
	"$(grep -c '<stage name="[a-z]*" exit="0" ended="[0-9]*\.[0-9][0-9]"/>' "$record" 2>/dev/null)" 6
check "no stage crashed (no signal, sanitizer or abort on stderr)" \
	bash -c '! grep -E -i "killed|segmentation|core dumped|abort|AddressSanitizer|runtime error|exit(ed)? (status )?1[2-9][0-9]" "$1"' _ "$TEST_TMP/run.err"

# --- every folder ends with its result ----------------------------------------------------
for name in "${!good_id[@]}"; do
	id=${good_id[$name]}
	got=$(outcome_of "$id")
	# a wrong outcome names its reasons and their sentences, so that a
	# rare failure can be read from the test's output alone
	[ "$got" = verified ] || got="$got $(reasons_of "$id"): $(grep -o '<reason [^>]*>[^<]*' "$(res "$id")" 2>/dev/null | tr '\n' ' ')"
	expect_eq "good dossier in folder $(printf '%q' "$name"): verified" "$got" verified
done
check "every folder but the link left the inbox" \
	test -z "$(find "$IN" -mindepth 1 -maxdepth 1 ! -name '.*' ! -name linked-folder ! -name stray-file)"

# result_for FOLDER ID - the id whose result stands for FOLDER: ID if its
# result exists, else the made-up id of the result recording folder="FOLDER"
result_for() {
	if [ -f "$(res "$2")" ]; then
		echo "$2"
	else
		basename "$(grep -l "folder=\"$1\"" "$H"/out/results/*.xml 2>/dev/null | head -n 1)" .xml
	fi
}
# folder | id in its dossier | expected outcome and reason
while IFS='|' read -r name id want; do
	got_id=$(result_for "$name" "$id")
	got="$(outcome_of "${got_id:-none}") $(reasons_of "${got_id:-none}")"
	expect_eq "$name: $want" "${got% }" "$want"
	[ -n "$got_id" ] || continue
	n=0
	for place in spool "done" quarantine; do
		[ -d "$H/$place/$got_id" ] && n=$((n + 1))
	done
	expect_eq "$name: its files lie in exactly one of spool/done/quarantine" "$n" 1
	if [ -d "$H/quarantine/$got_id" ]; then
		check "$name: quarantined with a REASON" test -s "$H/quarantine/$got_id/REASON"
	fi
done <<'EOT'
passwd-link|none|rejected unsafe-input
xxe|A20261128000302|rejected unsafe-input
laughs|A20261128000303|rejected unsafe-input
huge|A20261128000304|rejected unsafe-input
truncated-png|A20261128000305|rejected bad-attachment
png-bomb|A20261128000306|rejected bad-attachment
dotdot-id|none|rejected schema
fifo|A20261128000308|rejected unsafe-input
attachment-path|A20261128000309|rejected unsafe-input
empty-xml|none|rejected malformed-xml
dir-as-xml|none|rejected unsafe-input
EOT
claimed=$(find "$H/spool" "$H/done" "$H/quarantine" -mindepth 1 -maxdepth 1 -type d ! -name '.*' | wc -l)
expect_eq "one result per claimed folder (the non-UTF-8 name too)" \
	"$(find "$H/out/results" -name '*.xml' | wc -l)" "$claimed"

# the linked folder: never followed out of the inbox - left alone, or
# rejected / quarantined as a link; its target never moves
if [ -f "$(res A20261128000301)" ]; then
	expect_eq "linked-folder: rejected unsafe-input" \
		"$(outcome_of A20261128000301) $(reasons_of A20261128000301)" "rejected unsafe-input"
else
	check "linked-folder: left in the inbox or quarantined with a REASON" bash -c \
		'test -L "$1/inbox/linked-folder" || grep -rqs "linked-folder" "$1"/quarantine/*/REASON' _ "$H"
fi
check "the link's target is where it was" test -f "$SENTINEL/victim/dossier.xml"
check ".hidden is never claimed" test -f "$IN/.hidden/dossier.xml"
expect_eq ".hidden has no result" "$(outcome_of A20261128000310)" none

# --- nothing outside HOME read into an output or written --------------------------------
sentinel_sums >"$TEST_TMP/sentinel.after"
check "nothing outside HOME was written (sentinel checksums)" \
	diff -u "$TEST_TMP/sentinel.before" "$TEST_TMP/sentinel.after"
check "no file named x appeared next to HOME" test ! -e "$ROOT_DIR/x" -a ! -e "$TEST_TMP/x"
for pdf in "$H"/out/*/*.pdf; do pdftotext "$pdf" - 2>/dev/null; done >"$TEST_TMP/pdftext"
check "the secret is in no result, PDF, log or spool file" bash -c \
	'! grep -r -q -F TOP-SECRET-SENTINEL "$1/out" "$1/done" "$1/quarantine" "$1/spool" "$2" "$3" "$4"' _ \
	"$H" "$TEST_TMP/pdftext" "$TEST_TMP/run.out" "$TEST_TMP/run.err"
check "no temp file left under HOME" test -z "$(find "$H" -name '.tmp-*' -o -name '.claim-*')"
FOLDER_BUG="a folder name with bytes that are not UTF-8 (here FF FE) reaches the result as they are: ingest escapes control characters in the recorded folder name (ctl\\x01 is fine) but not invalid UTF-8, and stages/common/result.c result_write writes attr folder unchecked; validate.xml and out/results/<id>.xml are then not well-formed XML, check and typeset cannot load validate.xml ('unreadable result') and leave the dossier 'for the next run' forever: no notice, the published result unreadable (SPEC 2: a folder name can be anything)"
check_bug "every result is well-formed and valid (result.xsd), odd folder names too" \
	"$FOLDER_BUG" results_valid
missing=()
for file in "$H"/out/results/*.xml; do
	id=$(basename "$file" .xml)
	[ -f "$H/out/notices/$id.pdf" ] || [ -f "$H/out/reports/$id.pdf" ] || missing+=("$id")
done
check_bug "every claimed dossier got its PDF (report or notice)" "$FOLDER_BUG" \
	test -z "${missing[*]}"
finish
