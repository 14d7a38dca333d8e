# tests/ingest/helpers.sh - building inbox folders and checking where they
# went; sourced by the ingest tests after tests/lib.sh.
# shellcheck shell=bash

BIN=$(cd "$BIN" && pwd)
NOW=2026-11-28T09:00:00+08:00
NOW_EPOCH=$(date -d "$NOW" +%s)
# fresh_home - a new HOME with an empty reference set
fresh_home() {
	new_home
	REF=$H.ref
	mkdir -p "$H/inbox"
}

# at SECONDS-BEFORE-NOW - an absolute time for touch -d
at() { printf '@%d' $((NOW_EPOCH - $1)); }

# dossier_xml ID [ATTACHMENT...] - a minimal dossier naming attachments
dossier_xml() {
	local id=$1 file
	shift
	printf '<?xml version="1.0" encoding="UTF-8"?>\n'
	printf '<dossier xmlns="urn:credpipe:dossier:1" id="%s">\n' "$id"
	printf '  <attachments>\n'
	for file in "$@"; do
		printf '    <attachment kind="other" file="%s"/>\n' "$file"
	done
	printf '  </attachments>\n</dossier>\n'
}

# make_folder NAME AGE ID [ATTACHMENT...] - inbox/NAME with dossier.xml and
# the attachments, every file AGE seconds old; a reference copy in $REF.
make_folder() {
	local name=$1 age=$2 id=$3 dir
	shift 3
	dir=$H/inbox/$name
	mkdir -p -- "$dir"
	dossier_xml "$id" "$@" >"$dir/dossier.xml"
	for file in "$@"; do
		printf 'scan of %s in %s\n' "$file" "$name" >"$dir/$file"
	done
	set_age "$name" "$age"
}

# set_age NAME AGE - every file in inbox/NAME AGE seconds old (links too)
set_age() {
	find -H "$H/inbox/$1" -mindepth 1 -exec touch -h -d "$(at "$2")" {} +
	keep_ref "$1"
}

# keep_ref NAME - (re)take the reference copy of inbox/NAME
keep_ref() {
	mkdir -p "$REF"
	rm -rf -- "${REF:?}/$1"
	cp -a -- "$H/inbox/$1" "$REF/$1"
}

# ingest [OPTION...] - run the stage on $H at $NOW; stdout in $OUT_IDS
ingest() {
	"$BIN/ingest" --home "$H" --now "$NOW" --settle 60 \
		--incomplete-after 24 "$@" >"$TEST_TMP/ids" 2>"$TEST_TMP/err"
	export INGEST_STATUS=$?
	IDS=$(cat "$TEST_TMP/ids")
}

# tree_digest DIR - names, link targets and contents of a tree
tree_digest() {
	(
		cd -- "$1" || exit 1
		find . -mindepth 1 -printf '%y %p -> %l\n' | LC_ALL=C sort
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0r cat
	) | sha256sum | cut -c1-64
}

# places - every folder a dossier's files can be in, NUL-separated: the
# inbox, the originals ingest keeps in inbox/.quarantine, and HOME
places() {
	find -H "$H/inbox" -mindepth 1 -maxdepth 1 -type d ! -name .quarantine -print0
	find -H "$H/inbox/.quarantine" -mindepth 1 -maxdepth 1 -type d -print0 2>/dev/null
	find "$H/spool" "$H/done" "$H/quarantine" -mindepth 2 -maxdepth 2 \
		-name files -type d -print0 2>/dev/null
}

# check_nothing_lost - every reference folder is in exactly one place
check_nothing_lost() {
	local label=$1 ref want n bad=0 place
	declare -A count=()
	while IFS= read -r -d '' place; do
		n=$(tree_digest "$place")
		count[$n]=$((${count[$n]:-0} + 1))
	done < <(places)
	for ref in "$REF"/*; do
		[ -e "$ref" ] || continue
		want=$(tree_digest "$ref")
		if [ "${count[$want]:-0}" -ne 1 ]; then
			bad=1
			not_ok "$label: nothing lost or doubled" \
				"folder $(printf '%q' "${ref##*/}") is in ${count[$want]:-0} places"
		fi
	done
	[ "$bad" -eq 1 ] || ok "$label: every folder is in exactly one place"
}

# claim_value ID KEY - a value from spool/ID/claim (still percent-encoded)
claim_value() {
	sed -n "s/^$2=//p" "$H/spool/$1/claim" 2>/dev/null
}

# has_id ID - ID was written on stdout
has_id() { printf '%s\n' "$IDS" | grep -qx -- "$1"; }

# fake_claim UNIQUE FOLDER - the claim record a crashed ingest committed
# first, in HOME/spool/.claim-UNIQUE (UNIQUE is "<id>-<pid>-<n>")
fake_claim() {
	mkdir -p "$H/spool/.claim-$1"
	printf 'folder=%s\nclaimed=%s\nid-source=dossier\nincomplete=0\n' \
		"$2" "$NOW" >"$H/spool/.claim-$1/claim"
}

# refused ID - the "refused" lines of spool/ID/claim, decoded (one a line)
refused() {
	claim_value "$1" refused | while IFS= read -r line; do
		printf '%b\n' "${line//%/\\x}"
	done
}

# no_claims_left - recovery left no claim directory or stash behind
no_claims_left() {
	local left
	left=$(find "$H/spool" "$H/inbox" -maxdepth 1 \
		\( -name '.claim-*' -o -name '.claiming-*' \) | wc -l)
	expect_eq "$1: no claim in progress is left" "$left" 0
}

# make_many N - N folders "folder NNN" (id A2026112880NNNN), built in bulk
make_many() {
	local i dir
	for i in $(seq 1 "$1"); do
		dir=$H/inbox/$(printf 'folder %03d' "$i")
		mkdir -p "$dir"
		dossier_xml "$(printf 'A2026112880%04d' "$i")" a.png >"$dir/dossier.xml"
		printf 'scan of a.png in folder %03d\n' "$i" >"$dir/a.png"
	done
	find -H "$H/inbox" -mindepth 1 -exec touch -h -d "$(at 3600)" {} +
}

# count_copies - "N folders xK": how many bulk folders exist K times (a
# folder counts where both its files are; a partial copy never counts)
count_copies() {
	local f stash
	find -H "$H/inbox" "$H/spool" "$H/quarantine" -path '*/.claim-*/copy' -prune \
		-o -name a.png -print0 2>/dev/null |
		while IFS= read -r -d '' f; do
			stash=${f#"$H/inbox/.claiming-"}
			# a stash whose copy is committed is about to go: the
			# committed copy is the one that counts
			if [ "$stash" != "$f" ] &&
				[ -d "$H/spool/.claim-${stash%%/*}/files" ]; then
				continue
			fi
			[ -f "${f%/a.png}/dossier.xml" ] && cat -- "$f"
		done | sort | uniq -c | awk '{ print $1 }' | sort | uniq -c |
		awk '{ printf "%s folders x%s ", $1, $2 }'
}

# kill_rounds LABEL N [OPTION...] - kill -9 ingest at growing delays, then
# rerun; after each round every one of the N folders exists exactly once
kill_rounds() {
	local label=$1 n=$2 round delay pid
	shift 2
	for round in 1 2 3 4 5; do
		delay=$(awk -v r="$round" 'BEGIN { printf "%.2f", 0.04 * r * r }')
		"$BIN/ingest" --home "$H" --now "$NOW" --settle 0 "$@" \
			>/dev/null 2>&1 &
		pid=$!
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		expect_eq "$label: kill -9 at ${delay}s: each folder once" \
			"$(count_copies)" "$n folders x1 "
	done
	ingest --settle 0 "$@"
	no_claims_left "$label: after the rerun"
	expect_eq "$label: after the rerun: each folder once" \
		"$(count_copies)" "$n folders x1 "
	expect_eq "$label: every folder claimed, none left in the inbox" \
		"$(find -H "$H/inbox" -mindepth 1 -maxdepth 1 | wc -l)/$(find "$H/spool" -mindepth 1 -maxdepth 1 -type d | wc -l)" \
		"0/$n"
}
