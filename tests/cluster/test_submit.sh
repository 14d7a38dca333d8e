#!/usr/bin/env bash
# test_submit.sh - credpipe submit on the one-node cluster with the
# registry on PostgreSQL: the samples through 4 shards end exactly as one
# `credpipe run` on the SQLite registry ends them; status
# shows the jobs and each shard; a shard whose typeset is killed mid-way
# fails the run without the final job, the run record names it, the other
# shards' dossiers are decided, and the next submit finishes the rest
# with nothing issued twice.
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/cluster/helpers.sh
. "$(dirname "$0")/helpers.sh"
cluster_up --postgres

# --- the samples: one machine against 4 shards ------------------------------
samples_home "$TEST_TMP/one"
"$P" run --home "$TEST_TMP/one" "${OPTS[@]}" >"$TEST_TMP/one.out" 2>&1
expect_eq "run on one machine exits 0" "$?" 0

H=$TEST_TMP/slurm
samples_home "$H" "$(pg_records cpsl_submit)"
check "the Slurm run's registry is PostgreSQL" registry_is_pg "$H"
"$P" submit --home "$H" "${OPTS[@]}" --shards 4 --max-running 2 --wait \
	>"$TEST_TMP/submit.out" 2>"$TEST_TMP/submit.err"
expect_eq "submit --wait exits 0, as run did" "$?" 0
check "submit prints the setup, shard, final and failure job ids" \
	grep -qE '^shard jobs [0-9]+_\[0-3%2\]$' "$TEST_TMP/submit.out"
check "submit --wait prints the run's summary" \
	grep -q '^dossiers: 15 (verified 6' "$TEST_TMP/submit.out"
expect_eq "every result as on one machine (codes and numbers aside)" \
	"$(results_digest "$H" | diff - <(results_digest "$TEST_TMP/one") | head -n 5)" ""
expect_eq "the same courier batches" \
	"$(cd "$H/out/courier" && find . -type f | sort)" \
	"$(cd "$TEST_TMP/one/out/courier" && find . -type f | sort)"
# (order_id is the paper report number, numbered in the order of issue)
expect_eq "the same manifest.csv files (paper numbers aside)" \
	"$(cd "$H/out/courier" && cat ./*/*/manifest.csv | sed 's/,P[0-9]*,/,P*,/' | md5sum)" \
	"$(cd "$TEST_TMP/one/out/courier" && cat ./*/*/manifest.csv | sed 's/,P[0-9]*,/,P*,/' | md5sum)"
issued_once "$H"
run=$(cat "$H/submit/last")
check "the run record has each shard's exit and manifest's" \
	test "$(grep -cE '<stage name="(shard-000[0-3]|manifest)" exit="0"' "$H/out/runs/$run.xml")" = 5
"$P" status --home "$H" --now "$NOW" >"$TEST_TMP/status.out" 2>&1
check "status names the submitted run and its jobs" \
	grep -qE "^submitted run $run \(Slurm\): ended, exit 0" "$TEST_TMP/status.out"
check "status shows each shard's state" \
	test "$(grep -cE '^  shard [0-3] \(job [0-9]+_[0-3]\): done' "$TEST_TMP/status.out")" = 4

# --- a shard killed mid-way ---------------------------------------------------
H=$TEST_TMP/fault
samples_home "$H" "$(pg_records cpsl_fault)"
CREDPIPE_TEST_FAIL_SHARD=1 "$P" submit --home "$H" "${OPTS[@]}" --shards 3 --wait \
	>"$TEST_TMP/fault.out" 2>"$TEST_TMP/fault.err"
expect_eq "a failed shard: submit --wait exits 70" "$?" 70
run=$(cat "$H/submit/last")
check "the run record names the failed shard" \
	grep -qE '<stage name="shard-0001" exit="70"' "$H/out/runs/$run.xml"
check "the final job did not run (no manifest in the run record)" \
	not_grep 'name="manifest"' "$H/out/runs/$run.xml"
check "no courier batch was cut" test ! -d "$H/out/courier/2026-11-28"
undecided=()
for i in 0 2; do
	while read -r id; do
		[ -f "$H/out/results/$id.xml" ] || undecided+=("$id")
	done <"$H/submit/$run/shard-000$i"
done
expect_eq "the other shards' dossiers are decided" "${undecided[*]}" ""
"$P" status --home "$H" --now "$NOW" >"$TEST_TMP/status.out" 2>&1
check "status shows the failed shard" \
	grep -qE '^  shard 1 \(job [0-9]+_1\): failed, exit 70' "$TEST_TMP/status.out"
"$P" submit --home "$H" "${OPTS[@]}" --shards 2 --wait \
	>"$TEST_TMP/again.out" 2>"$TEST_TMP/again.err"
expect_eq "the next submit exits 0" "$?" 0
expect_eq "then every result as on one machine" \
	"$(results_digest "$H" | diff - <(results_digest "$TEST_TMP/one") | head -n 5)" ""
issued_once "$H"
finish
