#!/usr/bin/env bash
# tests/validate/test_samples.sh - samples/build.sh works, and validate
# judges every sample dossier as samples/dossiers/README says.
. "$(dirname "$0")/../lib.sh"

NOW=2026-11-28T20:00:00+08:00
new_home
CREDPIPE_BUILD=$BUILD bash "$ROOT/samples/build.sh" "$TEST_TMP/samples" >/dev/null
expect_eq "samples/build.sh exits 0" "$?" 0
check "samples/build.sh refuses to overwrite" \
	bash -c '! CREDPIPE_BUILD="$1" bash "$2/samples/build.sh" "$3" 2>/dev/null' _ \
	"$BUILD" "$ROOT" "$TEST_TMP/samples"
check "the NOGEN attachment is left out" \
	test ! -e "$TEST_TMP/samples/invalid-missing-attachment/photo.png"

# the spool as ingest leaves it (the folder name is the sample's name)
for dir in "$TEST_TMP"/samples/*/; do
	dir=${dir%/}
	name=$(basename "$dir")
	id=$(sed -n 's/.*<dossier[^>]* id="\([A-Z][0-9A-Z]\{5,39\}\)".*/\1/p' "$dir/dossier.xml" | head -n 1)
	mkdir -p "$H/spool/$id"
	cp -R "$dir" "$H/spool/$id/files"
	printf 'folder=%s\nclaimed=%s\nid-source=dossier\nincomplete=0\n' "$name" "$NOW" >"$H/spool/$id/claim"
	echo "$id $name"
done >"$TEST_TMP/ids"
cut -d' ' -f1 "$TEST_TMP/ids" | "$BIN/validate" --home "$H" --now "$NOW" >/dev/null

# expected reason codes per sample ("" = valid)
declare -A want=(
	[online-zhang-wei]="" [online-chen-jing-agent]="" [online-zhao-lei-2002]=""
	[paper-wang-fang-ems]="" [paper-liu-yang-sf]="" [extension-zhang-wei]=""
	[report-check-zhang-wei]="" [online-unknown-credential]=""
	[invalid-bad-id-number]="bad-id-number" [invalid-wrong-channel]="wrong-channel"
	[invalid-bad-certificate-number]="bad-certificate-number"
	[invalid-missing-delivery]="missing-material" [invalid-bad-contact]="bad-contact"
	[invalid-xxe]="unsafe-input" [invalid-missing-attachment]="missing-attachment"
)
while read -r id name; do
	file=$H/spool/$id/validate.xml
	[ -f "$file" ] || file=$H/quarantine/$id/validate.xml
	got=$(grep -o '<reason code="[^"]*"' "$file" 2>/dev/null | sed 's/.*code="//; s/"$//' |
		sort -u | tr '\n' ' ' | sed 's/ $//')
	expect_eq "sample $name: ${want[$name]:-valid}" "$got" "${want[$name]-MISSING}"
done <"$TEST_TMP/ids"

finish
