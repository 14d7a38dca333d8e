#!/usr/bin/env bash
# test_hostile.sh - symbolic links, odd folder names and duplicate ids in
# the inbox: nothing followed, nothing lost, the first of an id wins.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"

# --- symbolic links: never followed -----------------------------------------
fresh_home
outside=$TEST_TMP/outside
mkdir -p "$outside/folder"
dossier_xml A20261128400001 a.png >"$outside/folder/dossier.xml"
echo "secret" >"$outside/folder/a.png"
echo "secret" >"$outside/secret.png"
before=$(tree_digest "$outside")
ln -s "$outside/folder" "$H/inbox/link-to-folder"
echo "stray" >"$H/inbox/stray-file"
make_folder xml-link 3600 A20261128400002 a.png
rm "$H/inbox/xml-link/dossier.xml"
ln -s "$outside/folder/dossier.xml" "$H/inbox/xml-link/dossier.xml"
set_age xml-link 3600
make_folder att-link 3600 A20261128400003 a.png
rm "$H/inbox/att-link/a.png"
ln -s "$outside/secret.png" "$H/inbox/att-link/a.png"
set_age att-link 3600
ingest
check "a link in the inbox is left alone" test -L "$H/inbox/link-to-folder"
check "a plain file in the inbox is left alone" test -f "$H/inbox/stray-file"
check "the link is named in a warning" grep -q 'link-to-folder.*symbolic link' "$TEST_TMP/err"
expect_eq "nothing outside the inbox was touched" "$(tree_digest "$outside")" "$before"
check "A20261128400001 (behind the link) was not claimed" \
	test ! -e "$H/spool/A20261128400001"
# a dossier.xml link names no attachments: claimed under the folder's rules
xmlid=$(grep -l 'folder=xml-link' "$H"/spool/*/claim | head -n 1)
xmlid=${xmlid%/claim}
check "a dossier.xml link is claimed, refused, not copied (validate rejects it)" \
	bash -c 'test ! -e "$1/files/dossier.xml" && grep -q "^refused=unsafe-input%09dossier.xml%09" "$1/claim"' _ "$xmlid"
check "an attachment link is refused, not copied, not followed" \
	bash -c 'test ! -e "$1/files/a.png" && grep -q "^refused=unsafe-input%09a.png%09" "$1/claim"' _ "$H/spool/A20261128400003"
check "the folders with links are kept whole in inbox/.quarantine" \
	test -L "$H/inbox/.quarantine/A20261128400003/a.png"
check_nothing_lost "links"

# --- odd folder names -------------------------------------------------------
fresh_home
names=("with space" "quote'\"double" $'new\nline' "中文目录" "-leading-dash"
	'back\slash' "tab	tab" '$(touch pwned)')
n=0
for name in "${names[@]}"; do
	n=$((n + 1))
	make_folder "$name" 3600 "$(printf 'A2026112850%04d' "$n")" a.png
done
(cd "$TEST_TMP" && ingest)
n=0
for name in "${names[@]}"; do
	n=$((n + 1))
	id=$(printf 'A2026112850%04d' "$n")
	if [ -f "$H/spool/$id/files/a.png" ]; then
		ok "odd name $(printf '%q' "$name") claimed"
	else
		not_ok "odd name $(printf '%q' "$name") claimed"
	fi
done
expect_eq "a newline in a folder name is percent-encoded in the claim" \
	"$(claim_value A20261128500003 folder)" "new%0Aline"
expect_eq "Chinese is kept as it is" "$(claim_value A20261128500004 folder)" "中文目录"
check "no name was ever run as a command" test ! -e "$TEST_TMP/pwned"
check "stderr carries no raw newline from a name" \
	test "$(grep -c '^line' "$TEST_TMP/err")" -eq 0
check_nothing_lost "odd names"

# --- duplicates --------------------------------------------------------------
fresh_home
make_folder "first" 3600 A20261128600001 a.png
make_folder "second" 3600 A20261128600001 b.png
make_folder "late-settling" 0 A20261128600002 a.png
make_folder "z-ready" 3600 A20261128600002 b.png
make_folder "again" 3600 A20261128600003 a.png
make_folder "published" 3600 A20261128600004 a.png
mkdir -p "$H/done/A20261128600003"
echo keep >"$H/done/A20261128600003/marker"
mkdir -p "$H/out/results"
echo '<result/>' >"$H/out/results/A20261128600004.xml"
ingest
expect_eq "the first folder of an id in byte order wins" \
	"$(claim_value A20261128600001 folder)" "first"
dup=$H/quarantine/A20261128600001.duplicate
check "the second folder is quarantined as a duplicate" test -f "$dup/files/b.png"
check "its REASON names the id and the folder" \
	grep -q 'A20261128600001.*"second"' "$dup/REASON"
expect_eq "a duplicate's id is emitted once" \
	"$(printf '%s\n' "$IDS" | grep -c A20261128600001)" 1
check "a later folder waits while an earlier one of its id settles" \
	test -d "$H/inbox/z-ready" -a ! -e "$H/spool/A20261128600002"
check "an id already done: quarantined" test -f "$H/quarantine/A20261128600003.duplicate/files/a.png"
expect_eq "the done dossier is untouched" "$(ls "$H/done/A20261128600003")" marker
check "an id already published: quarantined" test -d "$H/quarantine/A20261128600004.duplicate"
expect_eq "the published result is untouched" "$(cat "$H/out/results/A20261128600004.xml")" '<result/>'
check_nothing_lost "duplicates"
# once the first settles, it wins; the later one becomes the duplicate
set_age late-settling 3600
ingest
expect_eq "the settled first folder is claimed" \
	"$(claim_value A20261128600002 folder)" "late-settling"
check "the later folder of its id is the duplicate" \
	test -f "$H/quarantine/A20261128600002.duplicate/files/b.png"
check_nothing_lost "duplicates, second run"
finish
