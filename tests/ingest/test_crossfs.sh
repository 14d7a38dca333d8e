#!/usr/bin/env bash
# test_crossfs.sh - the inbox on another file system (a tmpfs): claiming
# copies, commits, then removes; a crash at every step is recovered.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"

MNT=$TEST_TMP/inboxfs
mkdir -p "$MNT"
if ! mount -t tmpfs -o size=64m credpipe-test "$MNT" 2>/dev/null; then
	ok "skipped: cannot mount a tmpfs here (needs root); cross-file-system claims untested"
	finish
fi
trap 'umount "$MNT" 2>/dev/null; rm -rf "$TEST_TMP"' EXIT

# fresh_cross_home - a HOME on the disk whose inbox is on the tmpfs
fresh_cross_home() {
	fresh_home
	rm -rf "$H/inbox" "${MNT:?}"/*
	mkdir -p "$MNT/inbox"
	ln -s "$MNT/inbox" "$H/inbox"     # for the helpers; ingest gets --inbox
}
XI=(--inbox "$MNT/inbox")

fresh_cross_home
make_folder "one" 3600 A20261128900001 a.png b.png
make_folder "中文 two" 3600 A20261128900002 a.png
ln -s /etc/passwd "$MNT/inbox/one/link.png"
set_age "one" 3600
ingest "${XI[@]}"
check "the file systems differ" \
	test "$(stat -c %d "$MNT/inbox")" != "$(stat -c %d "$H/spool")"
expect_eq "both folders claimed across file systems" \
	"$(printf '%s\n' "$IDS" | tr '\n' ' ')" "A20261128900001 A20261128900002 "
check "the originals are gone from the inbox" \
	test -z "$(find "$MNT/inbox" -mindepth 1 -maxdepth 1 ! -name .quarantine)"
check "a link is refused, not copied" \
	test ! -e "$H/spool/A20261128900001/files/link.png" -a ! -L "$H/spool/A20261128900001/files/link.png"
check "the refusal is in the claim record" \
	grep -q 'link.png is a symbolic link' <(refused A20261128900001)
check "the folder with the link is kept whole in inbox/.quarantine" \
	test -L "$MNT/inbox/.quarantine/A20261128900001/link.png"
expect_eq "mtimes are kept by the copy" \
	"$(stat -c %Y "$H/spool/A20261128900001/files/a.png")" "$((NOW_EPOCH - 3600))"
check_nothing_lost "cross file system"

# --- a crash at every step of a cross-file-system claim ----------------------
# Steps: mkdir .claim-U; commit U/claim; rename the folder to the stash
# inbox/.claiming-U; copy to U/copy; rename U/copy to U/files (commit);
# remove the stash; rename U to spool/<id>.
fresh_cross_home
S=$MNT/inbox/.claiming
# stashed, copy partial: undo (the folder goes back under its name)
make_folder c1 3600 A20261128910001 a.png
fake_claim A20261128910001-999999-1 c1
mv "$MNT/inbox/c1" "$S-A20261128910001-999999-1"
mkdir -p "$H/spool/.claim-A20261128910001-999999-1/copy"
echo "half" >"$H/spool/.claim-A20261128910001-999999-1/copy/a.png"
# copy committed, stash not yet removed: finish
make_folder c2 3600 A20261128910002 a.png
fake_claim A20261128910002-999999-2 c2
mv "$MNT/inbox/c2" "$S-A20261128910002-999999-2"
cp -a "$S-A20261128910002-999999-2" "$H/spool/.claim-A20261128910002-999999-2/files"
# stash removed, last rename missing: finish
make_folder c3 3600 A20261128910003 a.png
fake_claim A20261128910003-999999-3 c3
cp -a "$MNT/inbox/c3" "$H/spool/.claim-A20261128910003-999999-3/files"
rm -rf "$MNT/inbox/c3"
# stashed, not copied, and meanwhile a new folder took the name: both kept
make_folder c4 3600 A20261128910004 a.png
fake_claim A20261128910004-999999-4 c4
mv "$MNT/inbox/c4" "$S-A20261128910004-999999-4"
make_folder c4 3600 A20261128910005 a.png
ingest "${XI[@]}" --verbose
no_claims_left "cross-fs crash states"
for id in A20261128910001 A20261128910002 A20261128910003 A20261128910004 \
	A20261128910005; do
	if [ -f "$H/spool/$id/files/a.png" ]; then
		ok "$id: claimed once after the crash"
	else
		not_ok "$id: claimed once after the crash" "$(cat "$TEST_TMP/err")"
	fi
done
expect_eq "the partial copy was dropped, the original claimed whole" \
	"$(cat "$H/spool/A20261128910001/files/a.png")" "scan of a.png in c1"
expect_eq "a put-back folder whose name was taken gets a suffix" \
	"$(claim_value A20261128910004 folder)" "c4~2"
# the reference copies of the c4 pair: both kept, each once
rm -rf "$REF/c4"
cp -a "$H/spool/A20261128910004/files" "$REF/c4-old"
cp -a "$H/spool/A20261128910005/files" "$REF/c4-new"
check_nothing_lost "cross-fs crash states"

# --- kill -9 across file systems ----------------------------------------------
fresh_cross_home
make_many 150
kill_rounds "cross file system" 150 "${XI[@]}"
finish
