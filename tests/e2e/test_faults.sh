#!/usr/bin/env bash
# test_faults.sh - "try again later" under faults of the machine (SPEC §1
# exit status, README): a full disk and a read-only registry make every
# stage and the run exit 75 (never 70, 73 or 78) with a sentence naming
# the file or the registry; once the fault is gone the next run finishes
# with nothing lost or duplicated.
#
# HOME is a small tmpfs, filled by a filler file to several levels (none
# left, a few KB, a few hundred KB). The read-only registry is records.db
# chmod 0444 and, since root ignores modes, bind-mounted read-only onto
# itself. Every mount is undone in the EXIT trap, also on failure.
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/e2e/helpers.sh
. "$(dirname "$0")/helpers.sh"
N=12
MNT=$TEST_TMP/mnt
mounts=()

# cleanup - undo every mount (innermost first), then remove TEST_TMP
cleanup() {
	local i
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		umount "${mounts[$i]}" 2>/dev/null || umount -l "${mounts[$i]}" 2>/dev/null
	done
	rm -rf "$TEST_TMP"
}
trap cleanup EXIT

# --- the batch, made once: online, paper and rejected dossiers, one scan ------
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

# mount_tmpfs DIR SIZE - a fresh tmpfs at DIR, unmounted by the trap
mount_tmpfs() {
	mkdir -p "$1"
	mount -t tmpfs -o "size=$2,mode=0700" cpex-faults "$1" || return 1
	mounts+=("$1")
}

# unmount DIR - undo the last mount at DIR now
unmount() {
	umount "$1" && unset 'mounts[-1]'
}

# fresh_home DIR - HOME at DIR: the registry and the batch in its inbox
fresh_home() {
	H=$1
	init_home "$H"
	"$BIN/records" --home "$H" import "$TEST_TMP/records.xml" >/dev/null
	mkdir -p "$H/inbox"
	cp -a "$batch/." "$H/inbox/"
}

# fill LEAVE - a filler file leaving LEAVE bytes free in HOME's file system
fill() {
	local avail
	rm -f "$H/filler"
	avail=$(df -B1 --output=avail "$H" | tail -n 1)
	if [ "$avail" -gt "$1" ]; then
		fallocate -l $((avail - $1)) "$H/filler"
	fi
}

# stage_statuses FILE - "ingest=0 validate=75 ..." from a run's summary
stage_statuses() {
	sed -n 's/^status: [0-9]* (stages: \(.*\))$/\1/p' "$1"
}

declare -A tempfailed=()

# faulty_runs LABEL RUNS - RUNS runs on the faulty HOME: each exits 75, no
# stage exits other than 0 or 75, every stage that says 75 names a file
# under HOME or the registry (or the pipe to a next stage that stopped);
# remembers which stages said 75
faulty_runs() {
	local label=$1 runs=$2 i pair stage status bad named
	for ((i = 1; i <= runs; i++)); do
		run_pipeline fault
		expect_eq "$label, run $i: the run exits 75" "$STATUS" 75
		bad="" named=""
		for pair in $(stage_statuses "$TEST_TMP/fault.out"); do
			stage=${pair%%=*} status=${pair#*=}
			case $status in
			0) ;;
			75)
				tempfailed[$stage]=1
				# the resource is a file under HOME, the registry, or
				# the pipe to the next stage, which stopped at its own
				# full disk and named it (SIGPIPE's EPIPE is 75 too)
				grep -q -e "^[0-9T:Z-]* $stage: [a-z]*: .*\($H\|records\.db\)" \
					-e "^[0-9T:Z-]* $stage: [a-z]*: stdout: the next stage stopped reading" \
					"$TEST_TMP/fault.err" || named+="$stage "
				;;
			*) bad+="$pair " ;;
			esac
		done
		expect_eq "$label, run $i: no stage exits other than 0 or 75" "$bad" ""
		expect_eq "$label, run $i: each stage that exits 75 names the file or registry" \
			"$named" ""
		[ -z "$bad$named" ] || sed 's/^/#   /' "$TEST_TMP/fault.err" | head -n 20
	done
}

# verify_home LABEL - the run after the fault is gone, then SPEC §9's
# invariants: one result per dossier, nothing issued or shipped twice
verify_home() {
	local label=$1 id missing=()
	run_pipeline final
	expect_eq "$label: the run after the fault exits 0" "$STATUS" 0
	[ "$STATUS" -eq 0 ] && [ "$(grep -c . "$TEST_TMP/final.err")" -eq 0 ] ||
		sed 's/^/#   stderr: /' "$TEST_TMP/final.err" | tail -n 15
	for id in $ids; do [ -f "$(res "$id")" ] || missing+=("$id"); done
	expect_eq "$label: every dossier has its result" "${missing[*]}" ""
	expect_eq "$label: and no other result" \
		"$(find "$H/out/results" -name '*.xml' | wc -l)" "$N"
	check "$label: every result is valid (result.xsd)" results_valid
	dossiers_once "$label" "$batch" $ids
	expect_eq "$label: the inbox is empty" \
		"$(find "$H/inbox" -mindepth 1 -maxdepth 1 ! -name '.*')" ""
	check "$label: no temp file left under out/" \
		test -z "$(find "$H/out" -name '.tmp-*')"
	check "$label: every PDF under out/ is whole (pdfinfo)" pdfs_ok "$H/out"
	expect_eq "$label: one report per result naming one, no code or number twice" \
		"$(sqlite3 "$H/records.db" "select count(*), count(distinct code), count(distinct number)
			from reports where dossier_id is not null")" \
		"$(grep -l '<report ' "$H"/out/results/*.xml | wc -l)|$(grep -l '<report ' "$H"/out/results/*.xml | wc -l)|$(grep -l '<report [^>]*number=' "$H"/out/results/*.xml | wc -l)"
	expect_eq "$label: one waybill per shipped result" \
		"$(sqlite3 "$H/records.db" "select count(*), count(distinct waybill) from waybills")" \
		"$(grep -l '<shipment ' "$H"/out/results/*.xml | wc -l)|$(grep -l '<shipment ' "$H"/out/results/*.xml | wc -l)"
	find "$H/out/courier" -name manifest.csv -exec tail -q -n +2 {} + 2>/dev/null |
		sed 's/\r$//; s/.*,//; s/"//g' | sort >"$TEST_TMP/shipped"
	expect_eq "$label: every shipped dossier in one manifest row" \
		"$(uniq -d "$TEST_TMP/shipped" | tr '\n' ' ')|$(wc -l <"$TEST_TMP/shipped")" \
		"|$(grep -l '<shipment ' "$H"/out/results/*.xml | wc -l)"
	expect_eq "$label: one notice or report per result" \
		"$(find "$H/out/reports" "$H/out/notices" -name '*.pdf' 2>/dev/null | sed 's:.*/::' | sort | uniq -d)" ""
}

# --- a full disk, at several levels ---------------------------------------------
# 0 bytes: nothing can be written; a few KB: a claim or a state file, not
# a PDF; a few hundred KB: dossiers get part of the way, the registry fills.
for leave in 0 8192 65536 307200; do
	mount_tmpfs "$MNT" 24m || { not_ok "mount a tmpfs HOME"; finish; }
	fresh_home "$MNT/home"
	fill "$leave"
	faulty_runs "disk full, $leave bytes left" 3
	rm -f "$H/filler"
	verify_home "disk full, $leave bytes left, then room"
	unmount "$MNT"
done

# the public key cannot be written (keys/trusted/<id>.pub, which typeset
# writes when it is missing): 75, not a configuration error
mount_tmpfs "$MNT" 24m || { not_ok "mount a tmpfs HOME"; finish; }
fresh_home "$MNT/home"
rm -f "$H"/keys/trusted/*.pub
mount --bind "$H/keys" "$H/keys" && mounts+=("$H/keys") &&
	mount -o remount,ro,bind "$H/keys"
echo B00000000 | "$BIN/typeset" --home "$H" --now "$NOW" >/dev/null 2>"$TEST_TMP/keys.err"
expect_eq "keys/ read-only: typeset exits 75" "$?" 75
check "keys/ read-only: the message names the key file" \
	grep -q "$H/keys/" "$TEST_TMP/keys.err"
"$BIN/records" --home "$H" keygen >/dev/null 2>"$TEST_TMP/keygen.err"
expect_eq "keys/ read-only: records keygen exits 75" "$?" 75
unmount "$H/keys"
unmount "$MNT"

# --- each stage alone on a full disk, the ones before it run with room ------------
# (in a whole run, which stage meets the full disk first depends on timing)
mount_tmpfs "$MNT" 24m || { not_ok "mount a tmpfs HOME"; finish; }
fresh_home "$MNT/home"
: >"$TEST_TMP/stage.in"
for stage in ingest validate decode check typeset manifest; do
	fill 0
	"$BIN/$stage" --home "$H" --now "$NOW" --settle 0 <"$TEST_TMP/stage.in" \
		>/dev/null 2>"$TEST_TMP/stage.err"
	status=$?
	expect_eq "disk full: $stage alone exits 75" "$status" 75
	if grep -q "^[0-9T:Z-]* $stage: [a-z]*: .*\($H\|records\.db\)" "$TEST_TMP/stage.err"; then
		ok "disk full: $stage names the file or registry"
	else
		not_ok "disk full: $stage names the file or registry" "$(head -n 3 "$TEST_TMP/stage.err")"
	fi
	[ "$status" -eq 75 ] && tempfailed[$stage]=1
	rm -f "$H/filler"
	# with room again: the stage does its work for the next one
	"$BIN/$stage" --home "$H" --now "$NOW" --settle 0 <"$TEST_TMP/stage.in" \
		>"$TEST_TMP/stage.next" 2>/dev/null
	mv "$TEST_TMP/stage.next" "$TEST_TMP/stage.in"
done
verify_home "each stage alone on a full disk, then room"
unmount "$MNT"

# every stage met the full disk, and said 75
expect_eq "every stage exited 75 on a full disk" \
	"$(printf '%s\n' "${!tempfailed[@]}" | sort | tr '\n' ' ')" \
	"check decode ingest manifest typeset validate "

# --- a read-only registry ---------------------------------------------------------
tempfailed=()
fresh_home "$TEST_TMP/rohome"
chmod 0444 "$H/records.db"
mount --bind "$H/records.db" "$H/records.db" && mounts+=("$H/records.db") &&
	mount -o remount,ro,bind "$H/records.db"
if sqlite3 "$H/records.db" "insert into institutions values ('99999', 'x')" 2>/dev/null; then
	not_ok "records.db is really read-only (for root too)"
fi
faulty_runs "records.db read-only" 2
printf '%s\n' '<records xmlns="urn:credpipe:records:1"><institution code="99999" name="新大学"/></records>' \
	>"$TEST_TMP/new.xml"
"$BIN/records" --home "$H" import "$TEST_TMP/new.xml" >/dev/null 2>"$TEST_TMP/import.err"
expect_eq "records.db read-only: records import of a new record exits 75" "$?" 75
check "records.db read-only: and names the registry" grep -q "$H/records.db" "$TEST_TMP/import.err"
for stage in check typeset; do
	[ -n "${tempfailed[$stage]:-}" ] && ok "records.db read-only: $stage exits 75" ||
		not_ok "records.db read-only: $stage exits 75"
done
ids_at_check=$(find "$H/spool" -mindepth 2 -maxdepth 2 -name decode.xml -printf '%h\n' |
	sed 's:.*/::' | sort)
for stage in check typeset manifest; do
	printf '%s\n' "$ids_at_check" | "$BIN/$stage" --home "$H" --now "$NOW" \
		>/dev/null 2>"$TEST_TMP/alone.err"
	status=$?
	if [ "$status" -eq 0 ] || [ "$status" -eq 75 ]; then
		ok "records.db read-only: $stage alone exits 0 or 75 ($status)"
	else
		not_ok "records.db read-only: $stage alone exits 0 or 75" "got $status" \
			"$(head -n 3 "$TEST_TMP/alone.err")"
	fi
done
unmount "$H/records.db"
chmod 0600 "$H/records.db"
verify_home "records.db read-only, then writable"
finish
