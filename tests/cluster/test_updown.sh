#!/usr/bin/env bash
# test_updown.sh - tests/cluster/up.sh brings a one-node Slurm cluster and
# a private PostgreSQL up on loopback quickly, an array job with
# dependencies runs on it (the shapes credpipe submit uses), and down.sh
# stops exactly the daemons up.sh started.
. "$(dirname "$0")/../lib.sh"

C=$TEST_TMP/cluster
chmod 0711 "$TEST_TMP" # munged's socket must be reachable by every user
trap 'bash "$ROOT/tests/cluster/down.sh" "$C" >/dev/null 2>&1; rm -rf "$TEST_TMP"' EXIT

started=$EPOCHREALTIME
bash "$ROOT/tests/cluster/up.sh" "$C" 2>"$TEST_TMP/up.err"
expect_eq "up.sh exits 0" "$?" 0
took=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", b - a }')
check "up.sh takes well under 30 s, PostgreSQL's initdb included (took ${took} s)" \
	test "$took" -lt 20
check "up.sh writes an env file naming SLURM_CONF" grep -q '^export SLURM_CONF=' "$C/env"
# shellcheck source=/dev/null
. "$C/env"
mapfile -t pids <"$C/pids"
expect_eq "three daemons started (munged, slurmctld, slurmd)" "${#pids[@]}" 3
names=
for pid in "${pids[@]}"; do names+="$(cat "/proc/$pid/comm" 2>/dev/null) "; done
expect_eq "the pids are those daemons" "$names" "munged slurmctld slurmd "
check "munge key directory is 0700" test "$(stat -c %a "$C/munge/key")" = 700
check "munge socket directory is 0755" test "$(stat -c %a "$C/munge/run")" = 755
check "the node declares 16 CPUs" \
	test "$(sinfo -h -o %c)" = 16
check "the env file names the private PostgreSQL (CLUSTER_RECORDS)" \
	test -n "${CLUSTER_RECORDS:-}"
check "the private PostgreSQL answers" psql -X -Atc 'select 1' "${CLUSTER_RECORDS:-}"
pg_pid=$(head -n 1 "$C/pg/data/postmaster.pid" 2>/dev/null)

# a setup job, an array after it, a final job after the array, and an
# afternotok job: with task 1 failing, the final job never runs and the
# failure job does
J=$TEST_TMP/jobs
mkdir -p "$J"
s=$(sbatch --parsable -o "$J/setup.out" --wrap 'echo setup')
a=$(sbatch --parsable -o "$J/task-%a.out" --array=0-2%2 \
	--dependency="afterok:$s" --wrap 'echo "task $SLURM_ARRAY_TASK_ID"; [ "$SLURM_ARRAY_TASK_ID" != 1 ]')
f=$(sbatch --parsable -o "$J/final.out" --dependency="afterok:$a" --wrap 'echo final')
n=$(sbatch --parsable -o "$J/notok.out" --dependency="afternotok:$a" --wrap 'echo notok')
for _ in $(seq 300); do
	[ -z "$(squeue -h -j "$s,$a,$f,$n" 2>/dev/null)" ] && break
	sleep 0.1
done
expect_eq "every job ended within 30 s" "$(squeue -h -j "$s,$a,$f,$n" 2>/dev/null)" ""
expect_eq "each array task ran once" "$(cat "$J"/task-*.out | sort | tr '\n' ' ')" \
	"task 0 task 1 task 2 "
check "the afternotok job ran" grep -qx notok "$J/notok.out"
check "the final job did not run (kill_invalid_depend)" test ! -e "$J/final.out"

bash "$ROOT/tests/cluster/down.sh" "$C"
expect_eq "down.sh exits 0" "$?" 0
left=
for pid in "${pids[@]}"; do
	state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)
	[ -n "$state" ] && [ "$state" != Z ] && left+="$pid "
done
expect_eq "no daemon up.sh started is left" "$left" ""
if [ -n "$pg_pid" ] && kill -0 "$pg_pid" 2>/dev/null; then
	not_ok "the private PostgreSQL is stopped" "pid $pg_pid"
else
	ok "the private PostgreSQL is stopped"
fi
finish
