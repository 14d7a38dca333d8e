#!/usr/bin/env bash
# test_init.sh - credpipe init makes a HOME once; every other command
# refuses a HOME init did not make (78) and creates nothing.
. "$(dirname "$0")/../lib.sh"
P=$ROOT/pipeline.sh
export CREDPIPE_BIN=$BIN
mnt=
cleanup() {
	[ -n "$mnt" ] && umount "$mnt" 2>/dev/null
	rm -rf "$TEST_TMP"
}
trap cleanup EXIT

# --- a missing directory becomes a HOME -----------------------------------------
H=$TEST_TMP/new/home
out=$("$P" init --home "$H" 2>&1)
expect_eq "init of a missing directory exits 0" "$?" 0
case $out in *"a new credpipe home"*) ok "init says it made a HOME" ;;
*) not_ok "init says it made a HOME" "$out" ;; esac
for f in .credpipe credpipe.conf records.db keys/signing.key inbox spool "done" \
	quarantine out/results out/reports out/notices out/courier out/runs; do
	check "init made $f" test -e "$H/$f"
done
expect_eq "HOME is private without GROUP" "$(stat -c %a "$H")" 700
expect_eq "credpipe.conf is private without GROUP" "$(stat -c %a "$H/credpipe.conf")" 600
# every key of --print-config's table is listed, commented, with its default
for key in INBOX OUT RECORDS JOBS SETTLE INCOMPLETE_AFTER VERIFY_URL TZ FONT \
	BATCH_SIZE QUIET VERBOSE SENDER_NAME SENDER_PHONE SENDER_ADDRESS \
	SENDER_POSTCODE GROUP LOG DEADLINE_DAYS; do
	check "credpipe.conf lists $key" grep -q "^#$key=" "$H/credpipe.conf"
done
check "credpipe.conf gives SETTLE's default" grep -qx '#SETTLE=60' "$H/credpipe.conf"
"$P" run --home "$H" --quiet --now 2026-11-28T09:00:00+08:00 >/dev/null 2>&1
expect_eq "the commented file is a valid configuration (run exits 0)" "$?" 0

# --- an initialised HOME is left alone ------------------------------------------
before=$(cd "$H" && find . -path ./out/runs -prune -o -printf '%p %s %T@\n' | sort | sha256sum)
out=$("$P" init --home "$H" 2>&1)
expect_eq "init of an initialised HOME exits 0" "$?" 0
case $out in *"already a credpipe home"*) ok "init says nothing was done" ;;
*) not_ok "init says nothing was done" "$out" ;; esac
after=$(cd "$H" && find . -path ./out/runs -prune -o -printf '%p %s %T@\n' | sort | sha256sum)
expect_eq "init changed nothing in an initialised HOME" "$after" "$before"

# --- an empty directory (a fresh mount point) becomes a HOME --------------------
mnt=$TEST_TMP/mnt
mkdir -p "$mnt"
if mount -t tmpfs -o size=16m cpop-init "$mnt" 2>/dev/null; then
	"$P" init --home "$mnt" >/dev/null 2>&1
	expect_eq "init of an empty mount point exits 0" "$?" 0
	check "the mount point is a HOME" test -f "$mnt/.credpipe"
	umount "$mnt" && mnt=
else
	mnt=
	mkdir -p "$TEST_TMP/empty"
	"$P" init --home "$TEST_TMP/empty" >/dev/null 2>&1
	expect_eq "init of an empty directory exits 0" "$?" 0
fi

# --- a non-empty directory that is not a HOME is refused ------------------------
D=$TEST_TMP/photos
mkdir -p "$D"
echo keep >"$D/holiday.jpg"
out=$("$P" init --home "$D" 2>&1)
expect_eq "init of a non-empty directory exits 78" "$?" 78
case $out in *"not a credpipe home"*"refused"*) ok "init says why it refused: $out" ;;
*) not_ok "init says why it refused" "$out" ;; esac
expect_eq "nothing was created in it" "$(ls -A "$D")" holiday.jpg

# --- every other command refuses a HOME init did not make, creating nothing -----
T=$TEST_TMP/credpipe-typo
mkdir -p "$TEST_TMP/folder"
while IFS='|' read -r what cmd; do
	# shellcheck disable=SC2086  # the table's arguments are words
	out=$("$P" $cmd 2>&1)
	rc=$?
	expect_eq "$what on a missing HOME exits 78" "$rc" 78
	case $out in
	*" credpipe: error: $T: not a credpipe home: run credpipe init --home $T" | \
	*" credpipe: warning: $T: not a credpipe home: run credpipe init --home $T")
		ok "$what says: not a credpipe home (as credpipe)" ;;
	*) not_ok "$what says: not a credpipe home (as credpipe)" "$out" ;;
	esac
	check "$what created nothing" test ! -e "$T"
done <<EOT
status|status --home $T
run|run --home $T
drop|drop --home $T $TEST_TMP/folder
EOT
"$P" records --home "$T" import "$ROOT/samples/records.xml" >/dev/null 2>&1
expect_eq "records import on a missing HOME exits 78" "$?" 78
check "records import created nothing" test ! -e "$T"
for stage in ingest validate check typeset manifest; do
	echo A20261127000123 | "$BIN/$stage" --home "$T" >/dev/null 2>&1
	expect_eq "$stage on a missing HOME exits 78" "$?" 78
done
check "no stage created the HOME" test ! -e "$T"
mkdir -p "$T"
CREDPIPE_HOME=$T "$P" status >/dev/null 2>&1
expect_eq "CREDPIPE_HOME names the HOME (an empty one: 78)" "$?" 78
expect_eq "and nothing was created in it" "$(ls -A "$T")" ""

# --- no implicit ./var: without --home or CREDPIPE_HOME, /var/lib/credpipe ------
mkdir -p "$TEST_TMP/cwd"
out=$(cd "$TEST_TMP/cwd" && "$BIN/control" --print-config 2>&1)
if [ -e /var/lib/credpipe/.credpipe ]; then
	case $out in *HOME=/var/lib/credpipe*) ok "default HOME is /var/lib/credpipe" ;;
	*) not_ok "default HOME is /var/lib/credpipe" "$out" ;; esac
else
	case $out in *"/var/lib/credpipe: not a credpipe home"*)
		ok "default HOME is /var/lib/credpipe" ;;
	*) not_ok "default HOME is /var/lib/credpipe" "$out" ;; esac
fi
check "no ./var was created" test ! -e "$TEST_TMP/cwd/var"

# decode --image is for any scan, outside every HOME
"$TOOLS/qrpage" -o "$TEST_TMP/page.png" "hello" >/dev/null 2>&1 ||
	"$TOOLS/mkpng" -o "$TEST_TMP/page.png" -w 100 -h 100 --text x >/dev/null
(cd "$TEST_TMP/cwd" && "$BIN/decode" --image "$TEST_TMP/page.png" >/dev/null 2>&1)
rc=$?
case $rc in 0 | 1) ok "decode --image needs no HOME (exit $rc)" ;;
*) not_ok "decode --image needs no HOME" "exit $rc" ;; esac
finish
