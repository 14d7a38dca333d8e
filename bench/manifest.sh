#!/usr/bin/env bash
# bench/manifest.sh - time to make one courier batch of N parcels
# (default 500): CSV, dispatch list, labels and reports, fsynced and
# committed. Runnable alone: CREDPIPE_BIN / CREDPIPE_BUILD as for tests.
set -u
cd "$(dirname "$0")/.." || exit 70
BIN=${CREDPIPE_BIN:-bin}
TOOLS=${CREDPIPE_BUILD:-build/std}/tools
N=${BENCH_PARCELS:-500}
export CREDPIPE_SHARE="$PWD"
work=$(mktemp -d "${TMPDIR:-/tmp}/credpipe-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
H=$work/home
"$BIN/control" init --home "$H" >/dev/null || exit 70
"$TOOLS/shipfixture" "$H/records.db" range EMS EA 10000000 10999999 || exit 70
for i in $(seq 1 "$N"); do
	id=$(printf 'A2026%07d' "$i")
	"$TOOLS/shipfixture" "$H" dossier "$id" EMS "$((100000 + i % 900))" \
		"收件人$i" "北京市海淀区颐和园路${i}号 北京大学 $((i % 40))号楼" || exit 70
	echo "$id"
done >"$work/ids"
start=$(date +%s.%N)
"$BIN/manifest" --home "$H" --now 2026-11-28T10:00:00+08:00 \
	--batch-size "$N" <"$work/ids" >/dev/null || exit 70
end=$(date +%s.%N)
dir=$H/out/courier/2026-11-28/EMS-1
secs=$(echo "$end - $start" | bc)
printf '%-14s %8s %10s %s\n' parcels seconds parcels/s "sizes (KB): csv dispatch labels reports"
printf '%-14s %8.2f %10.1f %s\n' "$N" "$secs" "$(echo "$N / $secs" | bc -l)" \
	"$(for f in manifest.csv manifest.pdf labels.pdf reports.pdf; do
		echo $(( $(stat -c %s "$dir/$f") / 1024 )); done | tr '\n' ' ')"
