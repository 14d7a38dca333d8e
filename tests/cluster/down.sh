#!/usr/bin/env bash
#
# NAME
#	down.sh - stop what up.sh started under DIR
#
# SYNOPSIS
#	tests/cluster/down.sh DIR
#
# DESCRIPTION
#	Stops the daemons up.sh started, and only those: the processes
#	listed in DIR/pids, by pid, each given 10 s to end on SIGTERM
#	before SIGKILL (slurmd ends the job steps it runs), and the private
#	PostgreSQL through pg.sh stop. DIR itself is left for the caller.
#
# EXIT STATUS
#	0 nothing of DIR's cluster runs any more; 1 a process would not end.
set -u

[ $# -eq 1 ] || { echo "usage: down.sh DIR" >&2; exit 64; }
dir=$1
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P) || exit 1
status=0

# alive PID - is PID still running (and not a zombie)?
alive() {
	local state
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ]
}

# the private PostgreSQL, when up.sh started one (pg.sh stops its own)
if [ -e "$dir/pg" ]; then
	bash "$here/pg.sh" stop "$dir" >&2 || status=1
fi
if [ -f "$dir/pids" ]; then
	# the reverse of the start order: slurmd, slurmctld, munged
	mapfile -t pids < <(tac -- "$dir/pids")
	for pid in "${pids[@]}"; do
		case $pid in '' | *[!0-9]*) continue ;; esac
		alive "$pid" || continue
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 100); do
			alive "$pid" || break
			sleep 0.1
		done
		if alive "$pid"; then
			kill -KILL "$pid" 2>/dev/null
			sleep 0.2
			alive "$pid" && {
				echo "down.sh: process $pid would not end" >&2
				status=1
			}
		fi
	done
	[ "$status" -ne 0 ] || rm -f -- "$dir/pids"
fi
exit "$status"
