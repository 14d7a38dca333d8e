#!/usr/bin/env bash
# test_requeue.sh - Slurm's at-least-once: `scontrol requeue` of a shard
# task that is running (it has decided some of its dossiers, not all)
# kills it and runs it again; the run then ends with exactly one result,
# one code and one PDF per dossier, nothing lost and nothing issued twice.
# Slurm does not always run a requeued array task again: when it ends the
# task instead, the failure job records the shard, and the next submit
# finishes the rest; the same checks then hold.
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/cluster/helpers.sh
. "$(dirname "$0")/helpers.sh"
cluster_up

H=$TEST_TMP/requeue
corpus_home "$H" 24
"$P" submit --home "$H" "${OPTS[@]}" --jobs 1 --shards 2 \
	>"$TEST_TMP/submit.out" 2>"$TEST_TMP/submit.err"
expect_eq "submit exits 0" "$?" 0
run=$(cat "$H/submit/last")
dir=$H/submit/$run
array=$(awk '$1 == "shards" { print $2 }' "$dir/jobs")

# decided_of SHARD - how many of the shard's dossiers have a result
decided_of() {
	local id n=0
	while read -r id; do
		[ -f "$H/out/results/$id.xml" ] && n=$((n + 1))
	done <"$dir/shard-$1"
	echo "$n"
}

# wait until task 0 is mid-shard: some of its dossiers decided, not all
n=0
for _ in $(seq 1200); do
	if [ -f "$dir/shard-0000" ] && [ ! -f "$dir/shard-0000.exit" ]; then
		n=$(decided_of 0000)
		[ "$n" -ge 1 ] && break
	fi
	sleep 0.05
done
total=$(wc -l <"$dir/shard-0000")
scontrol requeue "${array}_0"
expect_eq "scontrol requeue of the running task 0 succeeds" "$?" 0
check "the task was mid-shard when requeued ($n of $total decided)" \
	test "$n" -ge 1 -a "$n" -lt "$total"
# Slurm holds a requeued batch job back for a while (BeginTime): let it
# start again now rather than in two minutes
for _ in $(seq 300); do
	reason=$(squeue -h -j "${array}_0" -o '%T %r' 2>/dev/null)
	if [ "$reason" = "PENDING BeginTime" ]; then
		scontrol update "JobId=${array}_0" StartTime=now >/dev/null 2>&1
	elif [ -f "$dir/shard-0000.started" ] &&
		grep -q '^attempt 2 ' "$dir/shard-0000.started"; then
		break
	fi
	sleep 0.1
done
for _ in $(seq 1200); do
	[ -f "$dir/exit" ] && break
	sleep 0.1
done
check "the run ended" test -f "$dir/exit"
if grep -q '^attempt 2 ' "$dir/shard-0000.started"; then
	expect_eq "task 0 ran again; the run ends with status 0" \
		"$(cat "$dir/exit" 2>/dev/null)" 0
	check "the final job ran (manifest in the run record)" \
		grep -q '<stage name="manifest" exit="0"' "$H/out/runs/$run.xml"
else
	check "Slurm ended task 0 instead: the run record names shard 0" \
		grep -q '<stage name="shard-0000" exit="70"\|<stage name="shard-0000" exit="unfinished"' \
		"$H/out/runs/$run.xml"
	"$P" submit --home "$H" "${OPTS[@]}" --jobs 1 --shards 1 --wait \
		>"$TEST_TMP/again.out" 2>"$TEST_TMP/again.err"
	expect_eq "the next submit finishes the rest, exit 0" "$?" 0
fi
missing=()
while read -r id; do
	[ -f "$H/out/results/$id.xml" ] || missing+=("$id")
done <"$dir/ids"
expect_eq "every dossier has its result" "${missing[*]}" ""
expect_eq "one result per dossier, no other" \
	"$(find "$H/out/results" -name '*.xml' | wc -l)" "$(wc -l <"$dir/ids")"
places=()
while read -r id; do
	k=0
	for d in "$H/spool/$id" "$H/done/$id" "$H/quarantine/$id"; do
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
