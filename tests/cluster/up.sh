#!/usr/bin/env bash
#
# NAME
#	up.sh - a one-node Slurm cluster (and a private PostgreSQL) on
#	loopback, for tests and demos
#
# SYNOPSIS
#	tests/cluster/up.sh [--no-postgres] DIR
#
# DESCRIPTION
#	Starts munged with its own key, slurmctld and slurmd under DIR, all
#	bound to 127.0.0.1, without systemd or cgroups: processes are
#	tracked through /proc (proctrack/linuxproc), tasks are not confined
#	(task/none), there is no accounting. The node declares 16 CPUs
#	whatever the machine has (SlurmdParameters=config_overrides): Slurm
#	starts one batch step per free CPU, and with the machine's 2 it
#	costs ~0.45 s a task to schedule against ~0.06 s with 16. A private
#	PostgreSQL is started too (tests/cluster/pg.sh, about 4 s), unless
#	--no-postgres: a run on the SQLite registry of one node needs none.
#
#	DIR/env is written for callers to source: SLURM_CONF (what every
#	Slurm command and credpipe submit read) and, with PostgreSQL,
#	CLUSTER_RECORDS (its URI). DIR/pids lists the processes started here,
#	which down.sh stops, and only those. The Debian packages are
#	installed when missing, with invoke-rc.d told not to start their
#	daemons (policy-rc.d), so that the system's own munged or slurmd is
#	never left running.
#
# EXIT STATUS
#	0 the cluster is up; 1 it did not come up (DIR/*.log says why; what
#	had started is stopped again).
#
# SEE ALSO
#	down.sh, pg.sh
set -u

postgres=1
if [ "${1:-}" = --no-postgres ]; then
	postgres=0
	shift
fi
[ $# -eq 1 ] || { echo "usage: up.sh [--no-postgres] DIR" >&2; exit 64; }
mkdir -p -- "$1" || exit 1
dir=$(cd -- "$1" && pwd -P) || exit 1
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P) || exit 1

# fail MESSAGE - say why, stop what was started, exit 1
fail() {
	echo "up.sh: $*" >&2
	bash "$here/down.sh" "$dir" >/dev/null 2>&1
	exit 1
}

# install_packages - slurmctld slurmd slurm-client munge when missing,
# their daemons not started by the packages' scripts
install_packages() {
	local missing=() p policy=/usr/sbin/policy-rc.d made=0
	for p in slurmctld slurmd slurm-client munge; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ "${#missing[@]}" -eq 0 ] && return 0
	echo "up.sh: installing ${missing[*]}" >&2
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" &&
			made=1
	fi
	apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends "${missing[@]}" >&2
	p=$?
	[ "$made" -eq 0 ] || rm -f -- "$policy"
	return "$p"
}

install_packages || fail "cannot install the Slurm and munge packages"
# munged serves its socket to every user, so it refuses a socket whose
# path some user cannot search (a mktemp -d parent is 0700)
d=$dir
while [ "$d" != / ]; do
	[ "$(( $(stat -c '0%a' -- "$d") & 1 ))" -eq 1 ] ||
		fail "$d: must be searchable by everyone (chmod o+x) for munged's socket"
	d=$(dirname -- "$d")
done
[ -s "$dir/pids" ] && fail "$dir: a cluster is already up here (down.sh first)"
mkdir -p -- "$dir/munge/key" "$dir/munge/run" "$dir/slurm/state" \
	"$dir/slurm/spool" || fail "$dir: cannot create"
: >"$dir/pids"
# munged checks both: its key private, its socket reachable by everyone
chmod 0700 "$dir/munge/key" && chmod 0755 "$dir/munge" "$dir/munge/run" ||
	fail "$dir/munge: cannot set modes"

# --- munge -------------------------------------------------------------------

socket=$dir/munge/run/munge.socket.2
if [ ! -s "$dir/munge/key/munge.key" ]; then
	dd if=/dev/urandom of="$dir/munge/key/munge.key" bs=1024 count=1 \
		status=none && chmod 0400 "$dir/munge/key/munge.key" ||
		fail "cannot make the munge key"
fi
munged --socket="$socket" --key-file="$dir/munge/key/munge.key" \
	--pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
	--seed-file="$dir/munge/munged.seed" ||
	fail "munged did not start ($dir/munge/munged.log)"
cat -- "$dir/munge/munged.pid" >>"$dir/pids"

# --- Slurm -----------------------------------------------------------------

node=$(hostname -s)
conf=$dir/slurm/slurm.conf
# two free ports in a row, so that clusters of two test runs (or a test
# and a demo) never meet: slurmctld's, then slurmd's
port_free() { [ -z "$(ss -Htln "sport = :$1")" ]; }
port=$((20000 + (RANDOM % 400) * 20))
for _ in $(seq 400); do
	port_free "$port" && port_free "$((port + 1))" && break
	port=$((port + 20))
	[ "$port" -lt 28000 ] || port=20000
done
cat >"$conf" <<CONF
# a one-node cluster on loopback (tests/cluster/up.sh)
ClusterName=credpipe
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$dir/slurm/state
SlurmdSpoolDir=$dir/slurm/spool/%n
SlurmctldPidFile=$dir/slurm/slurmctld.pid
SlurmdPidFile=$dir/slurm/slurmd.pid
SlurmctldLogFile=$dir/slurm/slurmctld.log
SlurmdLogFile=$dir/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MailProg=/bin/true
ReturnToService=2
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
DependencyParameters=kill_invalid_depend
MaxArraySize=10001
MinJobAge=600
NodeName=$node NodeAddr=127.0.0.1 CPUs=16 RealMemory=1000 State=UNKNOWN
PartitionName=batch Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$conf

slurmctld -c -f "$conf" || fail "slurmctld did not start ($dir/slurm/slurmctld.log)"
# (the pid file appears once the daemon has forked)
for _ in $(seq 100); do
	[ -s "$dir/slurm/slurmctld.pid" ] && break
	sleep 0.1
done
[ -s "$dir/slurm/slurmctld.pid" ] || fail "slurmctld wrote no pid file"
cat -- "$dir/slurm/slurmctld.pid" >>"$dir/pids"
slurmd -f "$conf" || fail "slurmd did not start ($dir/slurm/slurmd.log)"
for _ in $(seq 100); do
	[ -s "$dir/slurm/slurmd.pid" ] && break
	sleep 0.1
done
[ -s "$dir/slurm/slurmd.pid" ] || fail "slurmd wrote no pid file"
cat -- "$dir/slurm/slurmd.pid" >>"$dir/pids"

# up when the node takes jobs
state=
for _ in $(seq 200); do
	state=$(sinfo -h -n "$node" -o %T 2>/dev/null)
	case $state in idle* | mixed* | allocated*) break ;; esac
	sleep 0.1
done
case $state in
idle* | mixed* | allocated*) ;;
*) fail "the node is '$state', not idle, after 20 s ($dir/slurm/*.log)" ;;
esac
{
	printf 'export SLURM_CONF=%q\n' "$conf"
} >"$dir/env"

# --- PostgreSQL, when the registry can live there ---------------------------

if [ "$postgres" -eq 1 ]; then
	uri=$(bash "$here/pg.sh" start "$dir") || fail "PostgreSQL did not start"
	printf 'export CLUSTER_RECORDS=%q\n' "$uri" >>"$dir/env"
fi
echo "up.sh: a one-node cluster is up; . $dir/env" >&2
