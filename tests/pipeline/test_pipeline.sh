#!/usr/bin/env bash
# test_pipeline.sh - pipeline.sh: usage and exit codes, configuration,
# the lock, drop, run (summary, run record, stage exit codes), status.
. "$(dirname "$0")/../lib.sh"
P=$ROOT/pipeline.sh
BIN=$(cd "$BIN" && pwd)
export CREDPIPE_BIN=$BIN
NOW=2026-11-28T09:00:00+08:00

# credpipe ARG... - run pipeline.sh; output in $OUT, status in $STATUS
credpipe() {
	"$P" "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	STATUS=$?
	OUT=$(cat "$TEST_TMP/out")
}

# a bin directory of our own: the real ingest plus fake later stages that
# pass every id on
fake_bin() {
	local stage
	FAKE=$TEST_TMP/fakebin.$1
	mkdir -p "$FAKE"
	ln -sf "$BIN/ingest" "$FAKE/ingest"
	ln -sf "$BIN/control" "$FAKE/control"
	for stage in validate decode check typeset manifest; do
		fake_stage "$stage" cat
	done
}
# fake_stage STAGE BODY - FAKE/STAGE is a shell script running BODY
fake_stage() {
	printf '#!/bin/sh\n%s\n' "$2" >"$FAKE/$1"
	chmod +x "$FAKE/$1"
}

# Most checks run the chain with the real ingest alone and stages that pass
# ids on, so that they hold whichever later stages are built; the
# end-to-end section below uses the real ones.
REAL_BIN=$BIN
fake_bin plain
export CREDPIPE_BIN=$FAKE

# --- usage and exit codes (table: arguments, expected status) ---------------
new_home
while IFS='|' read -r args want what; do
	# shellcheck disable=SC2086  # the table's arguments are words
	credpipe $args
	expect_eq "$what exits $want" "$STATUS" "$want"
done <<EOT
--help|0|--help
--version|0|--version
|64|no command
frobnicate|64|an unknown command
run --frobnicate|64|an unknown option
run --home|64|an option without its value
run extra|64|run with an operand
run --home $H --settle soon|64|a bad value on the command line
drop|64|drop without folders
drop $TEST_TMP/missing|64|drop of a missing folder
drop /etc/hostname|64|drop of a file
EOT
credpipe --version
expect_eq "--version names the version" "$OUT" "credpipe $(cat "$ROOT/VERSION")"
credpipe --help
check "--help shows the commands" grep -q 'credpipe drop' "$TEST_TMP/out"

# --- the command line: read by control, with every program's option table ------
# (options may stand before the command; the words after records and verify
# are those programs' own; the script itself reads no XML and no options)
new_home
credpipe --home "$H" status --now "$NOW"
expect_eq "options before the command (--home H status)" "$STATUS" 0
credpipe --home="$H" --quiet run --now "$NOW" --
expect_eq "options before run, a final --: the run exits 0" "$STATUS/$OUT" "0/"
CREDPIPE_BIN=$REAL_BIN credpipe records --help
check "the words after records are records' own (its --help)" \
	grep -q '^usage: records' "$TEST_TMP/out"
CREDPIPE_BIN=$REAL_BIN credpipe --home "$H" verify --max-age 1 --help
check "the words after verify are verify's own (--max-age, its --help)" \
	grep -q '^usage: verify' "$TEST_TMP/out"
credpipe run --help
check "run --help is credpipe's" grep -q 'credpipe drop' "$TEST_TMP/out"
credpipe run --home "$H" --group staff
expect_eq "--group outside init exits 64" "$STATUS" 64
"$BIN/control" command-line run --home "$H" 3>&- >/dev/null 2>&1
expect_eq "control command-line without its answer descriptor exits 64" "$?" 64
check "pipeline.sh reads no XML and holds no option table" \
	test -z "$(grep -n -e 'xml' -e '--incomplete-after' -e 'grep' -e 'sed ' "$P")"

# --- configuration: environment and file, 78 for a bad value ----------------
new_home
CREDPIPE_SETTLE=soon "$P" run --home "$H" >/dev/null 2>&1
expect_eq "a bad CREDPIPE_SETTLE exits 78" "$?" 78
echo "JOBS=none" >"$H/credpipe.conf"
credpipe run --home "$H"
expect_eq "a bad value in HOME/credpipe.conf exits 78" "$STATUS" 78
printf 'TZ=+08:00\nSETTLE=later\n' >"$TEST_TMP/other.conf"
credpipe run --home "$H" --config "$TEST_TMP/other.conf"
expect_eq "a bad value in --config FILE exits 78" "$STATUS" 78
credpipe run --home "$H" --config "$TEST_TMP/none.conf"
expect_eq "a missing --config FILE exits 78" "$STATUS" 78
echo "SETTLE=later" >"$H/credpipe.conf"
credpipe run --home "$H" --settle 0 --now "$NOW"
expect_eq "the command line wins over the config file" "$STATUS" 0
rm -f "$H/credpipe.conf"

# --- the lock ---------------------------------------------------------------
new_home
exec 8>>"$H/lock"
flock 8
start=$(date +%s)
credpipe run --home "$H" --now "$NOW"
expect_eq "a second run exits 75 while the lock is held" "$STATUS" 75
check "... at once" test $(($(date +%s) - start)) -lt 5
check "... saying why" grep -q 'lock' "$TEST_TMP/err"
exec 8>&-
credpipe run --home "$H" --now "$NOW"
expect_eq "the run goes on once the lock is free" "$STATUS" 0

# --- drop: staging + rename, odd names ----------------------------------------
new_home
src=$TEST_TMP/src
names=("with space" $'new\nline' "-dash" "中文" "q'uo\"te" ".hidden")
for name in "${names[@]}"; do
	mkdir -p "$src/$name/sub"
	printf 'dossier of %s\n' "$name" >"$src/$name/dossier.xml"
	printf 'deep\n' >"$src/$name/sub/x"
	ln -s /etc/passwd "$src/$name/link"
done
(cd "$src" && "$P" drop --home "$H" -- "${names[@]}") >/dev/null 2>"$TEST_TMP/err"
expect_eq "drop of odd names exits 0" "$?" 0
for name in "${names[@]}"; do
	dest=${name#.}
	# the same content, and the READY mark of a folder complete on arrival
	if diff -r --no-dereference -x READY "$src/$name" "$H/inbox/$dest" >/dev/null 2>&1 &&
		[ -f "$H/inbox/$dest/READY" ]; then
		ok "drop $(printf '%q' "$name"): same content, READY, under $(printf '%q' "$dest")"
	else
		not_ok "drop $(printf '%q' "$name"): same content, READY, under $(printf '%q' "$dest")"
	fi
done
check "drop keeps links as links" test -L "$H/inbox/with space/link"
check "no staging folder is left" test -z "$(find "$H/inbox" -maxdepth 1 -name '.drop-*')"
"$P" drop --home "$H" "$src/with space/" >/dev/null 2>&1
check "dropping the same name again adds a suffix" \
	diff -r --no-dereference -x READY "$src/with space" "$H/inbox/with space~2"
mkdir -p "$TEST_TMP/real"
ln -s "$TEST_TMP/real" "$TEST_TMP/alias"
credpipe drop --home "$H" "$TEST_TMP/alias"
expect_eq "drop refuses a link to a folder" "$STATUS" 64

# --- run: summary, run record ----------------------------------------------------
new_home
mkdir -p "$H/inbox/one" "$H/inbox/two"
echo '<dossier xmlns="urn:credpipe:dossier:1" id="A20261128000001"/>' >"$H/inbox/one/dossier.xml"
echo '<dossier' >"$H/inbox/two/dossier.xml"
find "$H/inbox" -mindepth 1 -exec touch -d 2026-11-28T08:00:00+08:00 {} +
credpipe run --home "$H" --now "$NOW" --settle 60
expect_eq "run with only ingest exits 0" "$STATUS" 0
printf '%s\n' "$OUT" | sed 's/^elapsed: [0-9.]* s$/elapsed: N s/' >"$TEST_TMP/summary"
if diff -u "$(dirname "$0")/summary.golden" "$TEST_TMP/summary"; then
	ok "the summary has the documented format"
else
	not_ok "the summary has the documented format"
fi
record=$(find "$H/out/runs" -name '*.xml' | head -n 1)
check "the run record is written" test -n "$record"
check "the run record is well-formed XML" xmllint --noout "$record"
check "the run record lists each dossier" grep -q 'dossier id="A20261128000001"' "$record"
expect_eq "the run record is named after --now" "$(basename "$record" | cut -c1-16)" "20261128T090000-"
check "out/runs is group-readable, the record 0640" \
	test "$(stat -c %a "$record")" = 640
credpipe run --home "$H" --now "$NOW" --quiet
expect_eq "--quiet prints nothing on success" "$STATUS/$OUT" "0/"
credpipe run --home "$H" --now "$NOW" --verbose
check "--verbose names each dossier" grep -q '^A20261128000001 pending' "$TEST_TMP/out"

# --- the chain: stages are picked up as they appear; exit codes ---------------------
# (table: fake validate's behaviour, the run's expected status)
# (table: fake validate's and decode's behaviour, the run's expected status)
n=0
while IFS='|' read -r validate decode want what; do
	n=$((n + 1))
	fake_bin "status$n"
	fake_stage validate "$validate"
	fake_stage decode "$decode"
	CREDPIPE_BIN=$FAKE credpipe run --home "$H" --now "$NOW"
	expect_eq "$what: run exits $want" "$STATUS" "$want"
done <<'EOT'
cat|cat|0|stages that pass every id on
cat; exit 75|cat|75|a stage that exits 75
cat; exit 1|cat|70|a stage that fails
cat >/dev/null; exit 65|cat|70|a stage that exits 65
cat; exit 70|cat; exit 75|70|a stage exits 70, a later one 75
cat; exit 75|cat; exit 70|70|a stage exits 75, a later one 70
cat; exit 75|cat; kill -SEGV $$|70|a stage exits 75, a later one crashes
cat; exit 75|cat; exit 75|75|two stages exit 75
EOT
check "the summary names each stage's status" \
	grep -q 'status: 75 (stages: ingest=0 validate=75 decode=75 check=0' "$TEST_TMP/out"
fake_bin chain
for stage in validate decode check typeset manifest; do
	fake_stage "$stage" "echo $stage >>\"$TEST_TMP/order\"; cat"
done
rm -f "$TEST_TMP/order"
CREDPIPE_BIN=$FAKE credpipe run --home "$H" --now "$NOW"
expect_eq "every stage is chained" "$(sort "$TEST_TMP/order" | tr '\n' ' ')" \
	"check decode manifest typeset validate "

# --- a missing stage program: 70 with its name, nothing run ---------------------
new_home
mkdir -p "$H/inbox/waiting"
echo '<dossier xmlns="urn:credpipe:dossier:1" id="A20261128000021"/>' >"$H/inbox/waiting/dossier.xml"
: >"$H/inbox/waiting/READY"
for gone in decode manifest; do
	fake_bin "missing-$gone"
	rm -f "$FAKE/$gone"
	CREDPIPE_BIN=$FAKE credpipe run --home "$H" --now "$NOW"
	expect_eq "without $gone the run exits 70" "$STATUS" 70
	check "the message names $gone" grep -q "$FAKE/$gone" "$TEST_TMP/err"
done
fake_bin not-executable
chmod -x "$FAKE/typeset"
CREDPIPE_BIN=$FAKE credpipe run --home "$H" --now "$NOW"
expect_eq "a stage program that is not executable: the run exits 70" "$STATUS" 70
check "the message names it" grep -q "$FAKE/typeset" "$TEST_TMP/err"
check "nothing was claimed by a run that could not run every stage" \
	test -f "$H/inbox/waiting/dossier.xml"

# --- status -------------------------------------------------------------------------
new_home
mkdir -p "$H/inbox/ready" "$H/inbox/fresh" "$H/inbox/partial" "$H/quarantine/Q1"
echo '<dossier xmlns="urn:credpipe:dossier:1" id="A20261128000011"/>' >"$H/inbox/ready/dossier.xml"
echo '<dossier xmlns="urn:credpipe:dossier:1" id="A20261128000012"/>' >"$H/inbox/fresh/dossier.xml"
printf '<dossier xmlns="urn:credpipe:dossier:1" id="A20261128000013"><attachment file="x.png"/></dossier>\n' >"$H/inbox/partial/dossier.xml"
find "$H/inbox/ready" "$H/inbox/partial" -mindepth 1 -exec touch -d 2026-11-28T07:00:00+08:00 {} +
touch -d 2026-11-28T08:59:30+08:00 "$H/inbox/fresh/dossier.xml"
printf 'duplicate: first line\nmore\n' >"$H/quarantine/Q1/REASON"
mkdir -p "$H/spool/A20261128000099/files" "$H/out/results"
: >"$H/spool/A20261128000099/claim"
: >"$H/spool/A20261128000099/validate.xml"
printf '<result id="A20261128000098"><held>font lacks a character</held></result>\n' \
	>"$H/out/results/A20261128000098.xml"
credpipe status --home "$H" --now "$NOW"
expect_eq "status exits 0" "$STATUS" 0
check "status: a complete folder" grep -q 'complete .* 2h 0m .*settled: ready' "$TEST_TMP/out"
check "status: a folder waiting to settle" grep -q 'settling .*30s.*fresh' "$TEST_TMP/out"
check "status: an incomplete folder" grep -q 'incomplete.*x.png.*partial' "$TEST_TMP/out"
check "status: oldest first" test "$(grep -n -e ': ready' -e ': fresh' "$TEST_TMP/out" | cut -d: -f1 | tr '\n' ' ')" \
	= "$(grep -n ': ready' "$TEST_TMP/out" | cut -d: -f1) $(grep -n ': fresh' "$TEST_TMP/out" | cut -d: -f1) "
check "status: spool dossiers by stage" grep -q 'A20261128000099 *validate' "$TEST_TMP/out"
check "status: held for an operator" grep -q 'A20261128000098 *font lacks' "$TEST_TMP/out"
check "status: quarantine with the first line of REASON" grep -q 'Q1: duplicate: first line' "$TEST_TMP/out"
check "status claims nothing" test -d "$H/inbox/ready"

# --- end to end with the real stages ----------------------------------------------
if [ -x "$REAL_BIN/validate" ]; then
	new_home
	mkdir -p "$H/inbox/broken"
	echo '<dossier' >"$H/inbox/broken/dossier.xml"
	touch -d 2026-11-28T08:00:00+08:00 "$H/inbox/broken/dossier.xml"
	CREDPIPE_BIN=$REAL_BIN credpipe run --home "$H" --now "$NOW"
	check "a real run counts a rejected dossier with its reason" \
		grep -q '^reasons: .*malformed-xml 1' "$TEST_TMP/out"
	check "... and its result is published" test -f "$H/out/results/broken.xml" -o \
		-n "$(ls "$H/out/results")"
else
	ok "skipped: validate not built"
fi
finish
