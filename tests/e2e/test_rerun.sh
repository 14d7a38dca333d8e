#!/usr/bin/env bash
# test_rerun.sh - a second run over the same HOME changes nothing (SPEC §8:
# stages are idempotent, nothing is issued twice): same results byte for
# byte, the same PDFs, no new batch, no new row in the registry.
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/e2e/helpers.sh
. "$(dirname "$0")/helpers.sh"

# snapshot NAME - checksums of everything under HOME but the run records
# and the lock, and the registry's contents, into $TEST_TMP/NAME.*
snapshot() {
	(cd "$H" && find . -path ./out/runs -prune -o -name lock -prune -o \
		-name records.db -prune -o -type f -print0 | sort -z |
		xargs -0 sha256sum) >"$TEST_TMP/$1.files"
	(cd "$H" && find . -path ./out/runs -prune -o -print | sort) >"$TEST_TMP/$1.tree"
	for table in reports waybills decisions shipments extensions credentials; do
		printf '%s %s\n' "$table" \
			"$(registry_sql "$H" "select count(*) from $table")"
	done >"$TEST_TMP/$1.counts"
	registry_dump "$H" >"$TEST_TMP/$1.dump"
}

new_home
"$BIN/records" --home "$H" import "$ROOT/samples/records.xml" >/dev/null 2>&1
CREDPIPE_BUILD=$BUILD bash "$ROOT/samples/build.sh" "$H/inbox" >/dev/null
settle "$H/inbox"

run_pipeline first
expect_eq "the first run exits 0" "$STATUS" 0
check "the first run issued reports" test -n "$(ls "$H/out/reports")"
check "... and a courier batch" test -d "$H/out/courier/2026-11-28"
snapshot first

run_pipeline second
expect_eq "the second run exits 0" "$STATUS" 0
snapshot second
expect_eq "the second run handles no dossier" \
	"$(grep '^dossiers:' "$TEST_TMP/second.out")" \
	"dossiers: 0 (verified 0, not-verified 0, rejected 0, held 0, pending 0)"
expect_eq "... and makes no batch" "$(grep '^batches:' "$TEST_TMP/second.out")" "batches: 0"
check "no file is added or removed (but a run record)" \
	diff -u "$TEST_TMP/first.tree" "$TEST_TMP/second.tree"
check "every file is the same byte for byte (results, PDFs, spool)" \
	diff -u "$TEST_TMP/first.files" "$TEST_TMP/second.files"
check "the registry has no new row (counts)" \
	diff -u "$TEST_TMP/first.counts" "$TEST_TMP/second.counts"
check "the registry is the same (every row of every table)" \
	diff -u "$TEST_TMP/first.dump" "$TEST_TMP/second.dump"
expect_eq "there are two run records" "$(find "$H/out/runs" -name '*.xml' | wc -l)" 2

# The same again with the stages alone, each reading every id there is:
# a stage given an id it already handled passes it on and does nothing.
ids=$(find "$H/done" "$H/quarantine" -mindepth 1 -maxdepth 1 -type d ! -name '.*' -printf '%f\n' | sort)
for stage in validate decode check typeset manifest; do
	"$BIN/$stage" --home "$H" --now "$NOW" <<<"$ids" >"$TEST_TMP/$stage.ids" 2>"$TEST_TMP/$stage.err"
	expect_eq "$stage run again on every id exits 0" "$?" 0
	expect_eq "... and passes every id on" "$(sort "$TEST_TMP/$stage.ids")" "$ids"
done
snapshot third
check "the stages run again by hand change no file" \
	diff -u "$TEST_TMP/first.files" "$TEST_TMP/third.files"
check "... and no registry row" diff -u "$TEST_TMP/first.dump" "$TEST_TMP/third.dump"

# A later day: nothing in the inbox, nothing in the spool, nothing changes
# but the status list's time.
NOW=2026-12-01T09:00:00+08:00 run_pipeline later --incomplete-after 1000
expect_eq "a run days later exits 0" "$STATUS" 0
snapshot later
# but the status list, which is published anew with the run's time so
# that a relying party can tell a stale one (verify --max-age)
check "... and changes nothing but the status list's publication" \
	diff -u <(grep -v ' ./out/publish/status.xml$' "$TEST_TMP/first.files") \
	<(grep -v ' ./out/publish/status.xml$' "$TEST_TMP/later.files")
check "... whose publication time is the later run's" \
	grep -q 'published="2026-12-01T09:00:00+08:00"' "$H/out/publish/status.xml"
finish
