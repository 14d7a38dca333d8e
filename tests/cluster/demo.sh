#!/usr/bin/env bash
#
# NAME
#	demo.sh - the samples through `credpipe submit` on a one-node Slurm
#	cluster (make demo-cluster)
#
# SYNOPSIS
#	tests/cluster/demo.sh
#
# DESCRIPTION
#	Brings up a one-node cluster and a private PostgreSQL (up.sh) under
#	./var/demo-cluster-<time>/ (CREDPIPE_DEMO_DIR moves it), makes a
#	HOME beside it whose registry is that PostgreSQL, with the sample
#	registry and inbox, submits the run in 4 shards of which 2
#	run at once, waits for it, shows `credpipe status` and where the
#	results are; then stops the cluster (down.sh), whatever happened.
#	The HOME and the cluster's logs are kept; the registry goes with
#	the PostgreSQL server.
#
# EXIT STATUS
#	the status of `credpipe submit --wait`; 70 when the cluster or the
#	demo HOME could not be made.
set -u
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P) || exit 70
export CREDPIPE_SHARE=$root
bin=${CREDPIPE_BIN:-$root/bin}
export CREDPIPE_BUILD=${CREDPIPE_BUILD:-$root/build/std}
base=${CREDPIPE_DEMO_DIR:-$PWD/var}/demo-cluster-$(date +%Y%m%d-%H%M%S)
mkdir -p -- "$base" || exit 70
base=$(cd -- "$base" && pwd -P) || exit 70
# munged's socket under it must be reachable by every user
chmod 0755 "$base"
cluster=$base/cluster
home=$base/home
trap 'bash "$root/tests/cluster/down.sh" "$cluster"' EXIT

bash "$root/tests/cluster/up.sh" "$cluster" || exit 70
# shellcheck source=/dev/null
. "$cluster/env"
# the registry every node shares: the cluster's PostgreSQL
mkdir -p -- "$home" && echo "RECORDS=$CLUSTER_RECORDS" >"$home/credpipe.conf" ||
	exit 70
"$bin/control" init --home "$home" >/dev/null || exit 70
"$bin/records" --home "$home" import "$root/samples/records.xml" || exit 70
bash "$root/samples/build.sh" "$home/inbox" >/dev/null || exit 70
cat >>"$home/credpipe.conf" <<'EOT'

# the demo's sender
SENDER_NAME=学历认证中心 Credential Certification Office
SENDER_PHONE=01082330000
SENDER_ADDRESS=北京市海淀区学院路35号
SENDER_POSTCODE=100083
EOT
# the run is at a fixed --now; date the inbox before it
find "$home/inbox" -mindepth 1 -exec touch -h -d 2026-11-28T08:00:00+08:00 {} +
opts=(--home "$home" --now 2026-11-28T09:00:00+08:00 --settle 0
	--incomplete-after 0)
echo "demo home: $home"
echo "cluster:   $cluster (SLURM_CONF=$SLURM_CONF)"
echo "registry:  $CLUSTER_RECORDS"
echo
CREDPIPE_BIN=$bin "$root/pipeline.sh" submit "${opts[@]}" --shards 4 \
	--max-running 2 --wait
status=$?
echo
CREDPIPE_BIN=$bin "$root/pipeline.sh" status "${opts[@]}" |
	sed -n '/^submitted run/,$p'
run=$(cat "$home/submit/last" 2>/dev/null)
cat <<EOT

results:    $home/out/results/
reports:    $home/out/reports/
notices:    $home/out/notices/
manifests:  $home/out/courier/
run record: $home/out/runs/$run.xml
the jobs:   $home/submit/$run/ (each job's Slurm log: *.log)
(the registry lived in the cluster's PostgreSQL, which stops with it)
EOT
exit "$status"
