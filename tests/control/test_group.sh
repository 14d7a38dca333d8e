#!/usr/bin/env bash
# test_group.sh - GROUP= gives the people who use credpipe their access,
# with real users: an operator drops folders into the inbox, a mailroom
# clerk reads the courier batches in out/courier/, a stranger can do
# neither, and no one but the owner reaches the spool, keys or registry.
. "$(dirname "$0")/../lib.sh"
P=$ROOT/pipeline.sh
export CREDPIPE_BIN=$BIN
NOW=2026-11-28T09:00:00+08:00
G=cpopgrp
OPERATOR=cpopop
CLERK=cpopclerk
STRANGER=cpopx
cleanup() {
	for u in "$OPERATOR" "$CLERK" "$STRANGER"; do
		userdel "$u" >/dev/null 2>&1
	done
	groupdel "$G" >/dev/null 2>&1
	rm -rf "$TEST_TMP"
}
trap cleanup EXIT
if ! groupadd "$G" 2>/dev/null; then
	ok "cannot create test users here # SKIP"
	finish
fi
useradd -M -N -g "$G" -s /bin/bash "$OPERATOR"
useradd -M -N -g "$G" -s /bin/bash "$CLERK"
useradd -M -N -s /bin/bash "$STRANGER"
# as_user USER COMMAND... - run COMMAND as USER, the environment kept
as_user() {
	local user=$1
	shift
	runuser -u "$user" -- env CREDPIPE_BIN="$BIN" CREDPIPE_SHARE="$ROOT" "$@"
}

# the test's own directory must be passable to reach the HOME in it
chmod 0711 "$TEST_TMP"
H=$TEST_TMP/home
"$P" init --home "$H" --group "$G" >/dev/null 2>&1
expect_eq "init --group exits 0" "$?" 0
check "credpipe.conf says GROUP=$G" grep -qx "GROUP=$G" "$H/credpipe.conf"
expect_eq "HOME is 0750, the group's" "$(stat -c '%a %G' "$H")" "750 $G"
expect_eq "inbox/ is group-writable, setgid" "$(stat -c '%a %G' "$H/inbox")" "2770 $G"
expect_eq "out/ is group-readable, setgid" "$(stat -c '%a %G' "$H/out")" "2750 $G"
for d in spool keys quarantine "done"; do
	expect_eq "$d/ is private" "$(stat -c %a "$H/$d")" 700
done
expect_eq "the registry is private" "$(stat -c %a "$H/records.db")" 600
"$P" records --home "$H" import "$ROOT/samples/records.xml" >/dev/null 2>&1

CREDPIPE_BUILD=$BUILD bash "$ROOT/samples/build.sh" "$TEST_TMP/s" >/dev/null
chmod -R a+rX "$TEST_TMP/s"
as_user "$OPERATOR" "$P" drop --home "$H" "$TEST_TMP/s/paper-wang-fang-ems" \
	>"$TEST_TMP/drop.out" 2>&1
expect_eq "the operator drops a folder" "$?" 0
check "the folder is in the inbox" test -d "$H/inbox/paper-wang-fang-ems"
as_user "$STRANGER" "$P" drop --home "$H" "$TEST_TMP/s/online-zhang-wei" >/dev/null 2>&1
check "a stranger cannot drop" test "$?" -ne 0
check "nothing of the stranger's is in the inbox" test ! -e "$H/inbox/online-zhang-wei"

"$P" run --home "$H" --now "$NOW" --quiet >"$TEST_TMP/run.out" 2>&1
expect_eq "the run exits 0" "$?" 0
csv=$(find "$H/out/courier" -name '*.csv' | head -n 1)
check "the run made a courier batch" test -n "$csv"
check "the clerk reads the batch" as_user "$CLERK" cat "$csv"
check "the clerk lists out/courier/" as_user "$CLERK" ls -R "$H/out/courier"
check "the stranger cannot read the batch" bash -c '! runuser -u "$1" -- cat "$2" >/dev/null 2>&1' _ "$STRANGER" "$csv"
check "the clerk cannot list the spool" bash -c '! runuser -u "$1" -- ls "$2/spool" >/dev/null 2>&1' _ "$CLERK" "$H"
check "the clerk cannot read the keys" bash -c '! runuser -u "$1" -- cat "$2/keys/signing.key" >/dev/null 2>&1' _ "$CLERK" "$H"
check "the clerk cannot read the registry" bash -c '! runuser -u "$1" -- cat "$2/records.db" >/dev/null 2>&1' _ "$CLERK" "$H"
# show by the paper report number printed on the report
number=$(sed -n 's/.*<report [^>]*number="\(P[0-9]*\)".*/\1/p' "$H"/out/results/*.xml | head -n 1)
"$P" show --home "$H" "$number" >"$TEST_TMP/show" 2>&1
expect_eq "show by report number ($number) exits 0" "$?" 0
check "show by report number tells the shipment" grep -q '^shipment: EMS ' "$TEST_TMP/show"
bad=$(find "$H/out" \( -type f ! -perm 0640 -o -type d ! -perm -2750 \) -printf '%m %P\n')
expect_eq "out/: files 0640, folders setgid 2750" "$bad" ""
bad=$(find "$H/out" ! -group "$G" -printf '%P\n')
expect_eq "out/ belongs to the group throughout" "$bad" ""
finish
