#!/usr/bin/env bash
# test_twice.sh - the same dossiers in two tasks at once: while Slurm runs
# the one shard of a submitted run, a second copy of that task runs it
# too. Each dossier still gets one code, one paper number, one waybill and
# one PDF, the ones the registry holds; every result is as on one
# machine once the next run has shipped what the stopped copy did not pass
# on. (The copy that comes second may stop with 70 where the first moved
# a dossier out of the spool under it: its status is not judged.)
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/cluster/helpers.sh
. "$(dirname "$0")/helpers.sh"
cluster_up

samples_home "$TEST_TMP/one"
"$P" run --home "$TEST_TMP/one" "${OPTS[@]}" >"$TEST_TMP/one.out" 2>&1
expect_eq "run on one machine exits 0" "$?" 0

H=$TEST_TMP/twice
samples_home "$H"
"$P" submit --home "$H" "${OPTS[@]}" --shards 1 >"$TEST_TMP/submit.out" 2>&1
expect_eq "submit exits 0" "$?" 0
run=$(cat "$H/submit/last")
dir=$H/submit/$run
for _ in $(seq 600); do
	[ -f "$dir/shard-0000.started" ] && break
	sleep 0.05
done
check "Slurm started the shard's task" test -f "$dir/shard-0000.started"
# the second copy, by hand, as Slurm would start it
SLURM_ARRAY_TASK_ID=0 "$BIN/control" slurm-job shard "$run" --home "$H" \
	"${OPTS[@]}" 2>"$TEST_TMP/copy.err"
for _ in $(seq 600); do
	[ -f "$dir/exit" ] && break
	sleep 0.1
done
check "the submitted run ended" test -f "$dir/exit"
# Whichever copy committed shard-0000.out last named the ids the final
# job shipped: a dossier the stopped copy never passed on waits in the
# spool, and the next run ships it. Nothing is lost, nothing issued anew.
"$P" run --home "$H" "${OPTS[@]}" >"$TEST_TMP/next.out" 2>&1
expect_eq "the next run exits 0" "$?" 0
expect_eq "every result as on one machine (codes and numbers aside)" \
	"$(results_digest "$H" | diff - <(results_digest "$TEST_TMP/one") | head -n 5)" ""
places=()
while read -r id; do
	k=0
	for d in "$H/spool/$id" "$H/done/$id" "$H/quarantine/$id" \
		"$H"/done/"$id"~* "$H"/quarantine/"$id"~*; do
		[ -d "$d" ] && k=$((k + 1))
	done
	[ "$k" -eq 1 ] || places+=("$id in $k places")
done <"$dir/ids"
expect_eq "every dossier in one place of the spool" "${places[*]}" ""
expect_eq "one PDF per verified dossier" \
	"$(find "$H/out/reports" -name '*.pdf' | wc -l)" \
	"$(grep -l 'outcome="verified"' "$H"/out/results/*.xml | wc -l)"
issued_once "$H"
finish
