#!/usr/bin/env bash
# tests/validate/test_golden.sh - one dossier per case, exactly its reasons.
#
# Every tests/validate/cases/NAME.xml is a dossier; NAME.ref lists the
# reason codes validate must give it (sorted, one per line; empty: valid).
# The spool is built directly, as ingest leaves it (HOME/spool/<id>/files
# with dossier.xml and attachments, HOME/spool/<id>/claim), so that these
# tests do not depend on ingest; test_stage.sh runs ingest | validate.
#
# Attachments named in the dossier are generated with mkpng. A case that
# needs more (a link, a truncated PNG, a FIFO, ...) has a prepare_NAME
# function below, run in the dossier's files/ folder after generation.
# "@SHA256:FILE@" in a dossier is replaced by FILE's digest.
#
# All cases go through ONE validate process, as in a run.
. "$(dirname "$0")/../lib.sh"

CASES=$ROOT/tests/validate/cases
NOW=2026-11-28T02:00:00+08:00
MKPNG=$(cd "$TOOLS" && pwd)/mkpng
new_home
mkdir -p "$H/spool"

# --- hooks: extra preparation per case (current directory: files/) ----------
prepare_valid_gb18030() {
	iconv -f UTF-8 -t GB18030 dossier.xml >dossier.gb && mv dossier.gb dossier.xml
}
prepare_valid_png_variants() {
	"$MKPNG" -o id.png -w 120 -h 90 --color rgb --text id
	"$MKPNG" -o diploma.png -w 90 -h 120 --color palette --alpha --text diploma
	"$MKPNG" -o photo.png --depth 16 --color gray --alpha --text photo
	"$MKPNG" -o other.png -w 100 -h 100 --interlace --color rgb --text other
}
prepare_unsafe_huge_xml() {
	# a 5 MiB comment inside an otherwise valid dossier
	{
		head -n 2 dossier.xml
		printf '<!-- '
		head -c $((5 * 1024 * 1024)) /dev/zero | tr '\0' 'x'
		printf ' -->\n'
		tail -n +3 dossier.xml
	} >big.xml && mv big.xml dossier.xml
}
prepare_unsafe_symlink_dossier() {
	mv dossier.xml "$TEST_TMP/outside-dossier.xml"
	ln -s "$TEST_TMP/outside-dossier.xml" dossier.xml
}
prepare_unsafe_symlink_attachment() {
	rm id.png
	ln -s /etc/passwd id.png
}
prepare_unsafe_fifo_attachment() {
	rm id.png
	mkfifo id.png
}
prepare_missing_attachment() { rm diploma.png; }
prepare_missing_attachment_incomplete() {
	rm diploma.png
	INCOMPLETE=1
}
prepare_several_faults() { rm gone.png; }
prepare_bad_attachment_truncated() {
	head -c 40 id.png >cut.png && mv cut.png id.png
}
prepare_bad_attachment_truncated_tail() {
	"$MKPNG" -o id.png -w 300 -h 300 --color rgb --text big
	head -c $(($(wc -c <id.png) - 100)) id.png >cut.png && mv cut.png id.png
}
prepare_bad_attachment_jpeg() {
	# a JPEG start of image and JFIF header, then filler
	{ printf '\377\330\377\340\000\020JFIF\000\001\001\000\000\001\000\001\000\000'
	  head -c 200 /dev/zero; printf '\377\331'; } >id.png
}
prepare_bad_attachment_huge() {
	"$MKPNG" -o diploma.png -w 10000 -h 6000 --header-only
}

# --- build the spool -----------------------------------------------------------
ids=()
declare -A case_of folder_of
seq=0
for xml in "$CASES"/*.xml; do
	name=$(basename "$xml" .xml)
	seq=$((seq + 1))
	id=$(sed -n 's/.*<dossier[^>]* id="\([A-Z][0-9A-Z]\{5,39\}\)".*/\1/p' "$xml" | head -n 1)
	source=dossier
	if [ -z "$id" ]; then
		# what ingest does without a readable id: generated, folder kept
		id=$(printf 'X20261128020000%04d' "$seq")
		source=generated
		folder_of[$id]=$name
	fi
	dir=$H/spool/$id
	mkdir -p "$dir/files"
	cp "$xml" "$dir/files/dossier.xml"
	INCOMPLETE=0
	(
		cd "$dir/files" || exit 1
		grep -o 'file="[A-Za-z0-9][A-Za-z0-9._-]*"' dossier.xml | sed 's/^file="//; s/"$//' |
			sort -u | while IFS= read -r f; do
				"$MKPNG" -o "$f" --text "$name/$f" || exit 1
			done || exit 1
		hook=prepare_${name//-/_}
		if declare -F "$hook" >/dev/null; then "$hook"; fi
		for f in $(grep -o '@SHA256:[^@]*@' dossier.xml | sed 's/@SHA256://; s/@$//'); do
			sum=$(sha256sum "$f" | cut -d' ' -f1)
			sed -i "s/@SHA256:$f@/$sum/" dossier.xml
		done
		printf 'folder=%s\nclaimed=%s\nid-source=%s\nincomplete=%s\n' \
			"$name" "$NOW" "$source" "$INCOMPLETE" >../claim
	) || not_ok "$name: preparing the spool"
	ids+=("$id")
	case_of[$id]=$name
done

# --- run validate once over every id -----------------------------------------------
printf '%s\n' "${ids[@]}" >"$TEST_TMP/ids"
timeout 60 "$BIN/validate" --home "$H" --now "$NOW" <"$TEST_TMP/ids" \
	>"$TEST_TMP/stdout" 2>"$TEST_TMP/stderr"
expect_eq "validate exits 0 over all cases" "$?" 0
if cmp -s "$TEST_TMP/ids" "$TEST_TMP/stdout"; then
	ok "every id is passed on, in order"
else
	not_ok "every id is passed on, in order" "$(diff "$TEST_TMP/ids" "$TEST_TMP/stdout" | head -n 5)"
fi

# reason_codes FILE - the sorted, unique reason codes of a result file
reason_codes() {
	grep -o '<reason code="[^"]*"' "$1" | sed 's/.*code="//; s/"$//' | sort -u
}

# --- compare each case against its .ref ----------------------------------------------
for id in "${ids[@]}"; do
	name=${case_of[$id]}
	ref=$CASES/$name.ref
	if [ -s "$ref" ]; then
		state=$H/quarantine/$id/validate.xml
		published=$H/out/results/$id.xml
	else
		state=$H/spool/$id/validate.xml
		published=
	fi
	if [ ! -f "$state" ]; then
		not_ok "$name: validate.xml where expected" "missing: $state"
		continue
	fi
	if diff -u "$ref" <(reason_codes "$state") >"$TEST_TMP/diff"; then
		ok "$name: reasons $(tr '\n' ' ' <"$ref")"
	else
		not_ok "$name: reasons" "$(cat "$TEST_TMP/diff")"
	fi
	if [ -n "$published" ]; then
		if [ -f "$published" ] && grep -q 'outcome="rejected"' "$published" &&
			[ -s "$H/quarantine/$id/REASON" ]; then
			ok "$name: published as rejected, quarantined with a REASON"
		else
			not_ok "$name: published as rejected, quarantined with a REASON"
		fi
	elif [ -e "$H/out/results/$id.xml" ]; then
		not_ok "$name: a valid dossier publishes no result yet"
	fi
	if [ -n "${folder_of[$id]:-}" ]; then
		if grep -q "folder=\"${folder_of[$id]}\"" "$state"; then
			ok "$name: the result records the folder name"
		else
			not_ok "$name: the result records the folder name" "$(cat "$state")"
		fi
	fi
done

# --- what the results say ---------------------------------------------------------------
id_of() { local i; for i in "${!case_of[@]}"; do [ "${case_of[$i]}" = "$1" ] && echo "$i"; done; }
kind_of() { sed -n 's/.* kind="\([^"]*\)".*/\1/p' "$1" | head -n 1; }
expect_eq "valid-paper-ems: kind recorded" \
	"$(kind_of "$H/spool/$(id_of valid-paper-ems)/validate.xml")" paper-certification
expect_eq "malformed-xml: kind unknown" \
	"$(kind_of "$H/quarantine/$(id_of malformed-xml)/validate.xml")" unknown
if grep -q 'line [0-9]' "$H/out/results/$(id_of schema-bad-kind).xml"; then
	ok "schema-bad-kind: the reason gives the line"
else
	not_ok "schema-bad-kind: the reason gives the line"
fi
if grep -rq -e 'root:' -e '/bin/' "$H/out" "$H/quarantine"/*/REASON "$H/quarantine"/*/validate.xml \
	"$TEST_TMP/stderr"; then
	not_ok "nothing of /etc/passwd was read into any result"
else
	ok "nothing of /etc/passwd was read into any result"
fi
# privacy: no id-number or phone of the cases in results, REASON or stderr
leaks=$(grep -rl -e '1101081997031503' -e '3101041975061802' -e '1380013800' -e '12800138000' \
	"$H/out" "$H/quarantine"/*/REASON "$H/quarantine"/*/validate.xml "$H"/spool/*/validate.xml \
	"$TEST_TMP/stderr" 2>/dev/null)
expect_eq "no id-number or phone in results, REASON files or stderr" "$leaks" ""
expect_eq "stderr is quiet without --verbose" "$(cat "$TEST_TMP/stderr")" ""

finish
