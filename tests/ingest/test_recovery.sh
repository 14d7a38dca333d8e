#!/usr/bin/env bash
# test_recovery.sh - a crash at every step of a claim (same file system),
# then a real kill -9 on a big inbox: nothing lost, nothing doubled.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"

# The claim steps (stages/ingest.c): mkdir .claim-U; commit U/claim;
# rename the folder to U/files; rename U to spool/<id>. Each state a crash
# can leave is built by hand, then ingest runs again.
fresh_home
mkdir -p "$H/spool"
# after mkdir, before the record: an empty claim directory
make_folder f1 3600 A20261128700001 a.png
mkdir -p "$H/spool/.claim-A20261128700001-999999-1"
# after the record, before the rename: the folder is still in the inbox
make_folder f2 3600 A20261128700002 a.png
fake_claim A20261128700002-999999-2 f2
# after the rename, before the last rename: the claim holds
make_folder f3 3600 A20261128700003 a.png
fake_claim A20261128700003-999999-3 f3
mv "$H/inbox/f3" "$H/spool/.claim-A20261128700003-999999-3/files"
# the same, but the id meanwhile taken: the claim ends as a duplicate
make_folder f4-first 3600 A20261128700004 a.png
make_folder f4-second 3600 A20261128700004 b.png
ingest    # claims f4-first only, f4-second is a duplicate: undo that
rm -rf "$H/quarantine/A20261128700004.duplicate"
make_folder f4-second 3600 A20261128700004 b.png
fake_claim A20261128700004-999999-4 f4-second
mv "$H/inbox/f4-second" "$H/spool/.claim-A20261128700004-999999-4/files"
# a temp file of a crashed commit inside a claim directory
mkdir -p "$H/spool/.claim-A20261128700005-999999-5"
echo partial >"$H/spool/.claim-A20261128700005-999999-5/.tmp-999999-1"
ingest
expect_eq "recovery exits 0" "$INGEST_STATUS" 0
no_claims_left "crash states"
for id in A20261128700001 A20261128700002 A20261128700003; do
	if [ -d "$H/spool/$id/files" ] && has_id "$id"; then
		ok "$id: claimed once and emitted after the crash"
	else
		not_ok "$id: claimed once and emitted after the crash"
	fi
done
expect_eq "a finished claim keeps its record" \
	"$(claim_value A20261128700003 folder)" f3
check "a recovered claim of a taken id becomes a duplicate" \
	test -f "$H/quarantine/A20261128700004.duplicate/files/b.png"
check_nothing_lost "crash states"

# --- a real kill -9 on a big inbox ----------------------------------------
fresh_home
make_many 200
kill_rounds "same file system" 200
finish
