#!/usr/bin/env bash
# tests/verify/test_verify.sh - what a relying party learns offline
# (verify(1)) and the signed status list every run publishes (README.md,
# "The status list"): a fresh report (the issued PDF, a 150-dpi scan as
# PNG and as JPEG), the same after a revocation and a new run, an
# extended report, a forged and a tampered QR code, a stale, altered or
# foreign-signed status list, a foreign QR code, and the same with no
# HOME at all (--key and --status only).
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/e2e/helpers.sh
. "$(dirname "$0")/../e2e/helpers.sh"

ZHANG=A20261127000123          # online-zhang-wei
OLD=7KQ2M9X4T1HC8D5R           # 张伟's imported report, extended by A20261127000128
new_home
"$BIN/records" --home "$H" import "$ROOT/samples/records.xml" >/dev/null
# the payload of 7KQ2… as it was printed, before the extension moved it
old_payload=$("$BIN/records" --home "$H" payload $OLD)
CREDPIPE_BUILD=$BUILD bash "$ROOT/samples/build.sh" "$H/inbox" >/dev/null
settle "$H/inbox"
run_pipeline run1
expect_eq "the run exits 0" "$STATUS" 0
LIST=$H/out/publish/status.xml
check "the run published out/publish/status.xml" test -f "$LIST"
expect_eq "the status list is group-readable like the rest of out/" "$(stat -c %a "$LIST")" 640
check "the status list carries its publication time (--now)" \
	grep -q 'published="2026-11-28T09:00:00+08:00"' "$LIST"
new_expiry=$(sqlite3 "$H/records.db" "select expires from reports where code='$OLD'")
check "the status list names the extended code with its current expiry" \
	grep -q "<extended code=\"$OLD\" expires=\"$new_expiry\"/>" "$LIST"
key_id=$(basename "$(find "$H/keys/trusted" -name '*.pub' | head -n 1)" .pub)
check "the status list names the trusted key" grep -q "<key id=\"$key_id\" public-key=\"[0-9a-f]\{64\}\"" "$LIST"

# v TAG ARG... - verify with the run's clock; output in $TEST_TMP/TAG.out
v() {
	local tag=$1
	shift
	"$BIN/verify" --now "$NOW" "$@" >"$TEST_TMP/$tag.out" 2>"$TEST_TMP/$tag.err"
	VSTATUS=$?
}
has() { grep -q -- "$2" "$TEST_TMP/$1.out" "$TEST_TMP/$1.err"; }

# --- a fresh report: its PDF, rendered at 150 dpi, and as a JPEG ---------------
pdftoppm -r 150 -png -f 1 -l 1 "$H/out/reports/$ZHANG.pdf" "$TEST_TMP/zhang" 2>/dev/null
png=$(ls "$TEST_TMP"/zhang*.png)
expires=$(sqlite3 "$H/records.db" "select expires from reports where dossier_id='$ZHANG'")
code=$(sqlite3 "$H/records.db" "select code from reports where dossier_id='$ZHANG'")
v fresh --home "$H" "$png"
expect_eq "a fresh report at 150 dpi: exit 0" "$VSTATUS" 0
check "a fresh report: valid until its expiry" has fresh "valid until $expires\$"
check "a fresh report: the holder the QR code signs" has fresh "holder: 张伟"
# the issued PDF itself, and the 150-dpi scan saved as a phone's JPEG
v pdf --home "$H" "$H/out/reports/$ZHANG.pdf"
expect_eq "the issued PDF itself: exit 0" "$VSTATUS" 0
check "the issued PDF itself: valid until its expiry" has pdf "valid until $expires\$"
check "the issued PDF itself: the holder the QR code signs" has pdf "holder: 张伟"
"$TOOLS/mkjpeg" -i "$png" -o "$TEST_TMP/zhang.jpg"
v jpeg --home "$H" "$TEST_TMP/zhang.jpg"
expect_eq "the 150-dpi scan as a JPEG: exit 0" "$VSTATUS" 0
check "the 150-dpi scan as a JPEG: valid until its expiry" has jpeg "valid until $expires\$"
head -c 4000 "$TEST_TMP/zhang.jpg" >"$TEST_TMP/cut.jpg"
v cut --home "$H" "$TEST_TMP/cut.jpg"
expect_eq "a truncated JPEG cannot be read: 65" "$VSTATUS" 65
check "a truncated JPEG: verify says it was not read" has cut "not read: "
v expired --home "$H" --max-age 10000 --now 2027-12-01T09:00:00+08:00 "$png"
expect_eq "the same report a year later: exit 1" "$VSTATUS" 1
check "the same report a year later: expired on its expiry date" has expired "expired on $expires"

# --- an extension: the old paper says the old expiry, the list the new one --------
printf '%s\n' "$old_payload" >"$TEST_TMP/old.txt"
v ext --home "$H" "$TEST_TMP/old.txt"
expect_eq "an extended report: exit 0" "$VSTATUS" 0
check "an extended report: valid until the new expiry (extended)" has ext "valid until $new_expiry (extended)"

# --- no HOME at all: a key and a status list ---------------------------------------
cp "$H/keys/trusted/$key_id.pub" "$TEST_TMP/office.pub"
cp "$LIST" "$TEST_TMP/status.xml"
(cd "$TEST_TMP" && "$BIN/verify" --now "$NOW" --key office.pub --status status.xml "$png") >"$TEST_TMP/nohome.out" 2>&1
expect_eq "no HOME, only --key and --status: exit 0" "$?" 0
check "no HOME: the same verdict" grep -q "valid until $expires" "$TEST_TMP/nohome.out"
check "the payload text works as well as the image" \
	"$BIN/verify" --now "$NOW" --key "$TEST_TMP/office.pub" --status "$TEST_TMP/status.xml" "$old_payload"
v nolist --key "$TEST_TMP/office.pub" "$png"
expect_eq "no HOME and no status list: refused (78)" "$VSTATUS" 78

# --- revoked, then a new run's status list -----------------------------------------
"$BIN/records" --home "$H" revoke "$code" --reason "holder request 42" --now "$NOW"
v before --status "$TEST_TMP/status.xml" --key "$TEST_TMP/office.pub" "$png"
expect_eq "the list from before the revocation still says valid (it is the list's word)" "$VSTATUS" 0
run_pipeline run2
v revoked --home "$H" "$png"
expect_eq "revoked, with the new run's list: exit 1" "$VSTATUS" 1
check "revoked: the date and the reason" has revoked "revoked on 2026-11-28 for: holder request 42"
v registry --home "$H" --registry "$png"
expect_eq "revoked, asking the registry: exit 1" "$VSTATUS" 1
check "the registry tells the same story" has registry "revoked on 2026-11-28 for: holder request 42"

# --- forged: signed by a key that is not ours; tampered: a value changed ---------------
H2=$TEST_TMP/other
init_home "$H2"
"$BIN/records" --home "$H2" import "$ROOT/samples/records.xml" >/dev/null
"$BIN/records" --home "$H2" payload $OLD >"$TEST_TMP/forged.txt"
v forged --home "$H" "$TEST_TMP/forged.txt"
expect_eq "signed by another key: forged (2)" "$VSTATUS" 2
check "forged: names the key that is not ours" has forged "forged: signed with key [0-9a-f]\{8\}, which is not one"
sed 's/&n=[0-9]*&/\&n=100011201905000999\&/' "$TEST_TMP/old.txt" >"$TEST_TMP/tampered.txt"
v tampered --home "$H" "$TEST_TMP/tampered.txt"
expect_eq "a certificate number changed in the payload: forged (2)" "$VSTATUS" 2
check "tampered: the signature does not match" has tampered "forged: the signature does not match"
scan_png "$TEST_TMP/tampered.png" "$(cat "$TEST_TMP/tampered.txt")"
v tamperedpng --home "$H" "$TEST_TMP/tampered.png"
expect_eq "the tampered payload as a scanned QR code: forged (2)" "$VSTATUS" 2

# --- a foreign QR code --------------------------------------------------------------------
scan_png "$TEST_TMP/foreign.png" "https://example.com/not-a-report?id=1"
v foreign --home "$H" "$TEST_TMP/foreign.png"
expect_eq "a foreign QR code: not ours (3)" "$VSTATUS" 3
check "a foreign QR code: says so" has foreign "not ours"
"$TOOLS/mkpng" -o "$TEST_TMP/blank.png" -w 600 -h 800 --text nothing
v blank --home "$H" "$TEST_TMP/blank.png"
expect_eq "a page without a QR code: not ours (3)" "$VSTATUS" 3

# --- status lists refused, with the reason --------------------------------------------------
v stale --home "$H" --now 2026-12-02T09:00:00+08:00 "$png"
expect_eq "a status list older than --max-age: refused (78)" "$VSTATUS" 78
check "stale: says so, with its publication time" has stale "stale: published 2026-11-28T09:00:00+08:00"
sed 's/reason="holder request 42"/reason="holder request 43"/' "$LIST" >"$TEST_TMP/altered.xml"
v altered --home "$H" --status "$TEST_TMP/altered.xml" "$png"
expect_eq "an altered status list: refused (78)" "$VSTATUS" 78
check "altered: the signature does not match its content" has altered "the list was altered"
grep -v '<revoked' "$LIST" >"$TEST_TMP/dropped.xml"
v dropped --home "$H" --status "$TEST_TMP/dropped.xml" "$png"
expect_eq "a status list with a revocation taken out: refused (78)" "$VSTATUS" 78
"$BIN/records" --home "$H2" publish "$TEST_TMP/other.xml" --now "$NOW"
v otherlist --home "$H" --status "$TEST_TMP/other.xml" "$png"
expect_eq "a status list signed by another office's key: refused (78)" "$VSTATUS" 78
check "foreign-signed list: names the untrusted key" has otherlist "which is not trusted"
v future --home "$H" --now 2026-11-27T09:00:00+08:00 "$png"
expect_eq "a status list published after --now: refused (78)" "$VSTATUS" 78

# --- the command as installed: credpipe verify --------------------------------------------
"$P" verify --home "$H" --now "$NOW" "$png" >"$TEST_TMP/credpipe.out" 2>&1
expect_eq "pipeline.sh verify dispatches to verify (revoked: 1)" "$?" 1
finish
