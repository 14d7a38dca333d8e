#!/usr/bin/env bash
# tests/validate/test_stage.sh - validate as a stage: the protocol around
# the judging (idempotent reruns, crash recovery, ids it cannot find,
# options, exit codes) and the real chain ingest | validate.
. "$(dirname "$0")/../lib.sh"

NOW=2026-11-28T02:00:00+08:00
MKPNG=$(cd "$TOOLS" && pwd)/mkpng
GOOD=$ROOT/tests/validate/cases/valid-online-report.xml
BAD=$ROOT/tests/validate/cases/bad-id-number.xml

# spool_dossier HOME ID XML - a claimed dossier, as ingest leaves it
spool_dossier() {
	local dir=$1/spool/$2
	mkdir -p "$dir/files"
	cp "$3" "$dir/files/dossier.xml"
	"$MKPNG" -o "$dir/files/id.png" --text id
	"$MKPNG" -o "$dir/files/diploma.png" --text diploma
	printf 'folder=%s\nclaimed=%s\nid-source=dossier\nincomplete=0\n' "$2" "$NOW" >"$dir/claim"
}
# snapshot HOME - every file with its checksum (what a rerun must not change)
snapshot() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 cksum); }

# --- options and exit codes ---------------------------------------------------
"$BIN/validate" --help >"$TEST_TMP/help"
expect_eq "--help exits 0" "$?" 0
check "--help names the program" grep -q 'usage: validate' "$TEST_TMP/help"
expect_eq "--version" "$("$BIN/validate" --version)" "validate credpipe $(cat "$ROOT/VERSION")"
"$BIN/validate" --no-such-option </dev/null >/dev/null 2>&1
expect_eq "an unknown option is a usage error (64)" "$?" 64
new_home
CREDPIPE_SHARE=$TEST_TMP/nowhere "$BIN/validate" --home "$H" </dev/null >/dev/null 2>&1
expect_eq "a missing schema is a configuration error (78)" "$?" 78

# --- ids it cannot find still go on ---------------------------------------------
new_home
out=$(printf 'A20990101000001\n../../etc\n' | "$BIN/validate" --home "$H" --now "$NOW" 2>/dev/null)
expect_eq "unknown ids are passed on unchanged" "$out" "A20990101000001
../../etc"

# --- a rerun changes nothing ----------------------------------------------------------
new_home
spool_dossier "$H" VT0001 "$GOOD"
spool_dossier "$H" VT0030 "$BAD"
printf 'VT0001\nVT0030\n' | "$BIN/validate" --home "$H" --now "$NOW" >"$TEST_TMP/first"
snapshot "$H" >"$TEST_TMP/snap1"
printf 'VT0001\nVT0030\n' | "$BIN/validate" --home "$H" --now 2026-12-24T00:00:00+08:00 >"$TEST_TMP/second"
snapshot "$H" >"$TEST_TMP/snap2"
check "a rerun passes the same ids on" cmp -s "$TEST_TMP/first" "$TEST_TMP/second"
if diff -u "$TEST_TMP/snap1" "$TEST_TMP/snap2" >"$TEST_TMP/diff"; then
	ok "a rerun (even at a later --now) changes no file"
else
	not_ok "a rerun (even at a later --now) changes no file" "$(head -n 10 "$TEST_TMP/diff")"
fi
check "the valid dossier stays in the spool" test -f "$H/spool/VT0001/validate.xml"
check "the rejected dossier is in quarantine" test -f "$H/quarantine/VT0030/validate.xml"
check "the REASON file names the reason" grep -q '^bad-id-number: ' "$H/quarantine/VT0030/REASON"
mode=$(stat -c %a "$H/out/results/VT0030.xml")
expect_eq "the published result is group-readable (0640)" "$mode" 640
if command -v xmllint >/dev/null; then
	check "the published result follows result.xsd" \
		xmllint --noout --schema "$ROOT/schemas/result.xsd" "$H/out/results/VT0030.xml"
fi

# --- a crash after the commit point: the rerun finishes the rejection -----------------
new_home
spool_dossier "$H" VT0030 "$BAD"
mkdir -p "$H/out/results"
# what a validate killed after committing validate.xml leaves behind
echo VT0030 | "$BIN/validate" --home "$H" --now "$NOW" >/dev/null
mv "$H/quarantine/VT0030" "$H/spool/VT0030"
rm "$H/spool/VT0030/REASON" "$H/out/results/VT0030.xml"
echo VT0030 | "$BIN/validate" --home "$H" --now "$NOW" >/dev/null
check "rerun after a crash: the result is published" test -f "$H/out/results/VT0030.xml"
check "rerun after a crash: the dossier is quarantined" test -f "$H/quarantine/VT0030/REASON"
check "rerun after a crash: nothing is left in the spool" test ! -e "$H/spool/VT0030"

# --- the real chain: ingest | validate ------------------------------------------------
if [ -x "$BIN/ingest" ]; then
	new_home
	mkdir -p "$H/inbox/好 folder" "$H/inbox/bad one"
	cp "$GOOD" "$H/inbox/好 folder/dossier.xml"
	"$MKPNG" -o "$H/inbox/好 folder/id.png" --text id
	"$MKPNG" -o "$H/inbox/好 folder/diploma.png" --text diploma
	cp "$BAD" "$H/inbox/bad one/dossier.xml"
	"$MKPNG" -o "$H/inbox/bad one/id.png" --text id
	"$MKPNG" -o "$H/inbox/bad one/diploma.png" --text diploma
	# the files are newer than --now: READY tells ingest they are complete
	touch "$H/inbox/好 folder/READY" "$H/inbox/bad one/READY"
	"$BIN/ingest" --home "$H" --now "$NOW" --settle 0 2>"$TEST_TMP/ingest.err" |
		"$BIN/validate" --home "$H" --now "$NOW" >"$TEST_TMP/chain"
	expect_eq "ingest | validate passes both ids on" "$(sort "$TEST_TMP/chain" | tr '\n' ' ')" "VT0001 VT0030 "
	check "ingest | validate: the valid one is pending in the spool" \
		grep -q 'outcome="pending"' "$H/spool/VT0001/validate.xml"
	check "ingest | validate: the invalid one is rejected" \
		grep -q 'outcome="rejected"' "$H/out/results/VT0030.xml"
else
	ok "# SKIP ingest | validate: no bin/ingest yet"
fi

finish
