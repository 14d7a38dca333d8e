#!/usr/bin/env bash
# test_rules.sh - when ingest claims a folder (SPEC §2): READY, settle,
# incomplete folders, hidden names, and the ids it chooses.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"

# --- READY and settle: one folder per case, table-driven ------------------
# name            age(s)  READY  claimed?  why
cases=(
	"fresh-ready     0      yes    yes       READY claims at once"
	"fresh           0      no     no        changed just now: waits"
	"settling        30     no     no        within --settle 60: waits"
	"future          -3600  no     no        mtime after --now: waits"
	"future-ready    -3600  yes    yes       READY wins over a future mtime"
	"settled         61     no     yes       older than --settle: claimed"
	"exactly         60     no     yes       exactly --settle old: claimed"
)
fresh_home
n=0
for row in "${cases[@]}"; do
	read -r name age ready _ <<<"$row"
	n=$((n + 1))
	make_folder "$name" "$age" "$(printf 'A2026112800%04d' "$n")" scan.png
	if [ "$ready" = yes ]; then
		: >"$H/inbox/$name/READY"
		set_age "$name" "$age"
	fi
done
# the folder's own mtime does not count: an old folder touched just now
touch -d "$(at 0)" "$H/inbox/settled"
ingest
expect_eq "ingest exits 0" "$INGEST_STATUS" 0
n=0
for row in "${cases[@]}"; do
	read -r name _ _ claimed why <<<"$row"
	n=$((n + 1))
	id=$(printf 'A2026112800%04d' "$n")
	if [ "$claimed" = yes ]; then
		if [ -f "$H/spool/$id/files/dossier.xml" ] && has_id "$id"; then
			ok "$name: $why"
		else
			not_ok "$name: $why" "not in spool/$id or not emitted"
		fi
	else
		if [ -d "$H/inbox/$name" ] && ! has_id "$id"; then
			ok "$name: $why"
		else
			not_ok "$name: $why" "claimed too early"
		fi
	fi
done
if [ -f "$H/spool/A20261128000001/files/READY" ]; then
	ok "READY is kept with the files (byte for byte)"
else
	not_ok "READY is kept with the files (byte for byte)"
fi
check_nothing_lost "settle"

# --- incomplete folders -----------------------------------------------------
fresh_home
make_folder waiting-part 3600 A20261128100001 a.png b.png
rm "$H/inbox/waiting-part/b.png"; keep_ref waiting-part
make_folder waiting-ready 3600 A20261128100002 a.png b.png
rm "$H/inbox/waiting-ready/b.png"; : >"$H/inbox/waiting-ready/READY"
set_age waiting-ready 3600
make_folder overdue $((25 * 3600)) A20261128100003 a.png b.png
rm "$H/inbox/overdue/b.png"; keep_ref overdue
mkdir -p "$H/inbox/no-dossier"; echo scan >"$H/inbox/no-dossier/a.png"
set_age no-dossier $((25 * 3600))
mkdir -p "$H/inbox/C20261128100005"; echo scan >"$H/inbox/C20261128100005/x.png"
set_age C20261128100005 3600
ingest
check "missing attachment waits" test -d "$H/inbox/waiting-part"
check "missing attachment waits even with READY" test -d "$H/inbox/waiting-ready"
check "no dossier.xml yet waits" test -d "$H/inbox/C20261128100005"
expect_eq "overdue folder claimed with incomplete=1" \
	"$(claim_value A20261128100003 incomplete)" 1
expect_eq "overdue folder keeps its files" \
	"$(ls "$H/spool/A20261128100003/files")" "a.png
dossier.xml"
gen=$(printf '%s\n' "$IDS" | grep '^X' | head -n 1)
expect_eq "overdue folder without dossier.xml gets an X id" \
	"$(claim_value "$gen" folder)/$(claim_value "$gen" incomplete)" "no-dossier/1"
check_nothing_lost "incomplete"

# --- hidden names: never claimed --------------------------------------------
fresh_home
make_folder .hidden 3600 A20261128200001 a.png
make_folder .drop-abc123 3600 A20261128200002 a.png
: >"$H/inbox/.drop-abc123/READY"
ingest
expect_eq "hidden and .drop-* staging folders are never claimed" \
	"$IDS$(ls "$H/spool")" ""
check_nothing_lost "hidden"

# --- the id: dossier, folder name, generated; never a path ----------------
fresh_home
make_folder "any name" 3600 A20261128300001 a.png
make_folder B20261128300002 3600 "not an id"
mkdir -p "$H/inbox/C20261128300003"; echo '<bad' >"$H/inbox/C20261128300003/dossier.xml"
set_age C20261128300003 3600
mkdir -p "$H/inbox/bad xml"; echo '<dossier' >"$H/inbox/bad xml/dossier.xml"
set_age "bad xml" 3600
make_folder "evil" 3600 "../../etc" a.png
make_folder "evil2" 3600 "A../../../tmp/x" a.png
mkdir -p "$H/inbox/xxe"
cat >"$H/inbox/xxe/dossier.xml" <<'XML'
<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<dossier xmlns="urn:credpipe:dossier:1" id="A20261128300099">&x;</dossier>
XML
set_age xxe 3600
ingest
expect_eq "the dossier's id names it" "$(claim_value A20261128300001 id-source)" dossier
expect_eq "the original folder name is recorded" \
	"$(claim_value A20261128300001 folder)" "any%20name"
expect_eq "an invalid @id: the folder's name names it" \
	"$(claim_value B20261128300002 id-source)" folder
expect_eq "unparsable XML: the folder's name names it" \
	"$(claim_value C20261128300003 id-source)" folder
gen=$(cd "$H/spool" && printf '%s ' X*)
expect_eq "else X + --now in --tz + a sequence, in byte order of folder" \
	"$gen" "X202611280900000001 X202611280900000002 X202611280900000003 X202611280900000004 "
expect_eq "generated ids name the folders in byte order" \
	"$(for i in "$H"/spool/X*; do sed -n 's/^folder=//p' "$i/claim"; done | tr '\n' ' ')" \
	"bad%20xml evil evil2 xxe "
check "ids with path characters never become paths" \
	test ! -e "$H/etc" -a ! -e "$TEST_TMP/etc" -a ! -e /tmp/x
expect_eq "every claimed id is emitted" "$(printf '%s\n' "$IDS" | sort | tr '\n' ' ')" \
	"$(ls "$H/spool" | sort | tr '\n' ' ')"
check_nothing_lost "ids"
# a second run: same --now, the sequence goes on (unique in HOME)
make_folder "late" 3600 "nope" a.png
ingest
check "a later generated id never reuses one" test -d "$H/spool/X202611280900000005"

# --- resume: unfinished dossiers are emitted again ----------------------------
ingest
expect_eq "a rerun emits every unfinished spool dossier again" \
	"$IDS" "$(ls "$H/spool" | LC_ALL=C sort)"
expect_eq "--version" "$("$BIN/ingest" --version | cut -d' ' -f1-2)" "ingest credpipe"
"$BIN/ingest" --home "$H" --bogus >/dev/null 2>&1
expect_eq "unknown option exits 64" "$?" 64
CREDPIPE_SETTLE=soon "$BIN/ingest" --home "$H" >/dev/null 2>&1
expect_eq "bad CREDPIPE_SETTLE exits 78" "$?" 78
finish
