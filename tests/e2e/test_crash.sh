#!/usr/bin/env bash
# test_crash.sh - SPEC §9: "A run killed at any moment (SIGKILL, power loss)
# and started again ends with exactly one result per dossier, no report,
# code or waybill issued twice, and no partial file under out/."
#
# A batch of 30 generated dossiers (mkbatch: online, paper, rejected) is run
# and killed with SIGKILL - the whole pipeline (its process group), or one
# stage at a named crash point (CREDPIPE_TEST_CRASH) - then run again
# without a kill, and the HOME is checked against the invariants below.
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/e2e/helpers.sh
. "$(dirname "$0")/helpers.sh"
N=30
TEMP_BUG="commit_begin (stages/common/fsutil.c) temp files .tmp-PID-N of a killed stage are never swept: no stage removes stale .tmp-* at start (out/results, out/reports, out/notices, HOME/spool/<id>/, moved on into done/ and quarantine/ with the dossier); SPEC 9 'no partial file under out/'"

# --- the batch, made once: dossiers, their registry, one scan for all ---------
batch=$TEST_TMP/batch
"$TOOLS/mkbatch" --count "$N" --out "$batch" --records "$TEST_TMP/records.xml" >/dev/null
plain_png "$TEST_TMP/scan.png"
for d in "$batch"/*/; do
	for f in id.png cert.png photo.png; do
		grep -q "file=\"$f\"" "$d/dossier.xml" && cp "$TEST_TMP/scan.png" "$d/$f"
	done
done
settle "$batch"
ids=$(find "$batch" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)
expect_eq "mkbatch made $N dossiers" "$(wc -l <<<"$ids")" "$N"

# fresh_home - a new HOME with the registry and the batch in its inbox
fresh_home() {
	new_home
	"$BIN/records" --home "$H" import "$TEST_TMP/records.xml" >/dev/null
	mkdir -p "$H/inbox"
	cp -a "$batch/." "$H/inbox/"
}

# kill_at SECONDS - a run, SIGKILLed with its whole process group
kill_at() {
	timeout -s KILL "$1" "$P" run --home "$H" --now "$NOW" >/dev/null 2>&1
	settle_kill
}

# settle_kill - wait until every process of the killed run has let go of
# the run lock (SIGKILLed processes close their files a moment after the
# signal); a run started before that rightly exits 75, try again later.
settle_kill() {
	[ -e "$H/lock" ] && flock -w 20 "$H/lock" true
}

# kill_when GLOB - a run, SIGKILLed (whole group) the moment GLOB matches
kill_when() {
	local pid i
	setsid "$P" run --home "$H" --now "$NOW" >/dev/null 2>&1 &
	pid=$!
	for ((i = 0; i < 2000; i++)); do
		compgen -G "$1" >/dev/null && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.005
	done
	kill -KILL -- "-$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	settle_kill
}

# crash_at POINT - a run in which a stage SIGKILLs itself at POINT
crash_at() {
	CREDPIPE_TEST_CRASH=$1 "$P" run --home "$H" --now "$NOW" >/dev/null 2>&1
}

# verify_home LABEL - the final run, then every invariant of SPEC §9
verify_home() {
	local label=$1 id missing=() stale=() file code want got
	run_pipeline final
	expect_eq "$label: the run after the kill exits 0" "$STATUS" 0
	[ "$STATUS" -eq 0 ] || sed 's/^/#   stderr: /' "$TEST_TMP/final.err" | tail -n 15

	# exactly one result per dossier, each valid
	for id in $ids; do [ -f "$(res "$id")" ] || missing+=("$id"); done
	expect_eq "$label: every dossier has its result" "${missing[*]}" ""
	expect_eq "$label: and no other result" \
		"$(find "$H/out/results" -name '*.xml' | wc -l)" "$N"
	check "$label: every result is valid (result.xsd)" \
		results_valid

	dossiers_once "$label" "$batch" $ids
	expect_eq "$label: the inbox is empty" \
		"$(find "$H/inbox" -mindepth 1 -maxdepth 1 ! -name '.*')" ""
	expect_eq "$label: the spool is empty (everything shipped)" \
		"$(find "$H/spool" -mindepth 1 -maxdepth 1 ! -name '.*')" ""

	# no partial file: no temp name left, every PDF whole
	check_bug "$label: no temp file left under out/" "$TEMP_BUG" \
		test -z "$(find "$H/out" -name '.tmp-*' | tee /dev/stderr)"
	check_bug "$label: no temp file left in the dossiers (spool, done, quarantine)" \
		"$TEMP_BUG" test -z "$(find "$H" -path "$H/out" -prune -o \
		\( -name '.tmp-*' -o -name '.claim-*' \) -print | tee /dev/stderr)"
	check "$label: every PDF under out/ is whole (pdfinfo)" pdfs_ok "$H/out"

	# nothing issued twice: the registry, the results and the PDFs agree
	expect_eq "$label: one report in the registry per result naming one" \
		"$(registry_sql "$H" "select count(*), count(distinct code), count(distinct number)
			from reports where dossier_id is not null")" \
		"$(grep -l '<report ' "$H"/out/results/*.xml | wc -l)|$(grep -l '<report ' "$H"/out/results/*.xml | wc -l)|$(grep -l '<report [^>]*number=' "$H"/out/results/*.xml | wc -l)"
	expect_eq "$label: one waybill per shipped result" \
		"$(registry_sql "$H" "select count(*), count(distinct waybill) from waybills")" \
		"$(grep -l '<shipment ' "$H"/out/results/*.xml | wc -l)|$(grep -l '<shipment ' "$H"/out/results/*.xml | wc -l)"
	for file in "$H"/out/results/*.xml; do
		id=$(basename "$file" .xml)
		code=$(rattr "$id" '//*[local-name()="report"]/@code')
		[ -n "$code" ] || continue
		want=$(registry_sql "$H" "select code from reports where dossier_id='$id'")
		[ "$code" = "$want" ] || stale+=("$id: result $code, registry $want")
		got=$(pdftotext "$H/out/reports/$id.pdf" - 2>/dev/null | tr -d ' \n')
		[[ $got == *"$code"* ]] || stale+=("$id: reports/$id.pdf lacks $code")
		want=$(rattr "$id" '//*[local-name()="shipment"]/@waybill')
		[ -z "$want" ] || [ "$want" = "$(registry_sql "$H" \
			"select waybill from waybills where dossier_id='$id'")" ] ||
			stale+=("$id: waybill $want not the registry's")
	done
	expect_eq "$label: result, registry and PDF name the same code and waybill" "${stale[*]}" ""

	# each shipped dossier in exactly one manifest row
	find "$H/out/courier" -name manifest.csv -exec tail -q -n +2 {} + 2>/dev/null |
		sed 's/\r$//; s/.*,//; s/"//g' | sort >"$TEST_TMP/shipped"
	got="$(uniq -d "$TEST_TMP/shipped" | tr '\n' ' ')|$(wc -l <"$TEST_TMP/shipped")"
	want="|$(grep -l '<shipment ' "$H"/out/results/*.xml | wc -l)"
	if [ "$got" = "$want" ]; then
		ok "$label: every shipped dossier in one manifest row"
	else
		not_ok "$label: every shipped dossier in one manifest row" \
			"got (twice|rows): $got" "want: $want" \
			"$(cd "$H/out/courier" && for f in */*/manifest.csv; do
				printf '%s: %s; ' "$f" "$(tail -n +2 "$f" | sed 's/\r$//; s/.*,//' | tr '\n' ' ')"
			done)" \
			"shipments: $(registry_sql "$H" "select dossier_id || ' ' || batch from shipments" | tr '\n' ';')"
	fi
}

# --- 1. the whole pipeline killed again and again, then a clean run ------------
fresh_home
for t in 0.3 0.6 0.9 1.2; do kill_at "$t"; done
verify_home "four kills at 0.3-1.2 s"

# --- 2. killed the moment something first appears ---------------------------------
for what in "a claim:spool/B*" "a result:out/results/*.xml" \
	"a report:out/reports/*.pdf" "a notice:out/notices/*.pdf" \
	"a courier batch:out/courier/*/*"; do
	fresh_home
	kill_when "$H/${what#*:}"
	verify_home "killed at ${what%%:*}"
done

# --- 3. one stage killing itself at each crash point, one after the other ----------
fresh_home
for point in typeset-after-issue typeset-after-pdf typeset-after-publish \
	typeset-after-state; do
	crash_at "$point"
done
verify_home "typeset crash points"
fresh_home
for point in before-rename after-rename after-registry after-finish after-waybills; do
	crash_at "$point"
done
verify_home "manifest crash points"
finish
