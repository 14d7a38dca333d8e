#!/usr/bin/env bash
# bench/cluster.sh - the Slurm path against one machine, on the same corpus,
# and the per-core cost of each stage for the paper model (README,
# "Scale-out").
#
# Generates a reproducible batch (BENCH_N dossiers, default 2000, mkbatch
# seed 1, A4 scans at 200 dpi as bench/pipeline.sh makes them), then:
#   1. each stage alone with --jobs 1 on the first BENCH_STAGE_N dossiers
#      (default 300): CPU seconds (user + system) a dossier, from
#      /usr/bin/time: per-core figures that hold whatever the load;
#   2. `credpipe run` on one machine over the whole batch: wall time;
#   3. `credpipe submit --shards BENCH_SHARDS (8) --max-running
#      BENCH_MAX_RUNNING (4) --wait` on a one-node
#      Slurm cluster (tests/cluster/up.sh) over a fresh copy: wall time;
#   4. the two runs' results compared: outcomes, reasons, QR statuses,
#      shipments and manifest.csv identical (codes and paper numbers
#      aside), no code, paper number or waybill twice.
# The one-machine run uses the SQLite registry. The Slurm run uses it too,
# or with BENCH_RECORDS=postgresql the private PostgreSQL up.sh starts (the
# registry of a real cluster; needs the PostgreSQL backend).
set -u
cd "$(dirname "$0")/.." || exit 70
BIN=$(cd "${CREDPIPE_BIN:-bin}" && pwd) || exit 70
BUILD=$(cd "${CREDPIPE_BUILD:-build/std}" && pwd) || exit 70
export CREDPIPE_SHARE="$PWD"
# shellcheck source=tests/cluster/compare.sh
. tests/cluster/compare.sh
N=${BENCH_N:-2000}
STAGE_N=${BENCH_STAGE_N:-300}
SHARDS=${BENCH_SHARDS:-8}
# tasks at once: each holds several registry connections (check and
# typeset connect per worker); eight at once exceed PostgreSQL's 200
MAX_RUNNING=${BENCH_MAX_RUNNING:-4}
OUT=$PWD/bench/out/cluster
NOW=2026-11-28T20:00:00+08:00
opts=(--now "$NOW" --settle 0 --quiet)
rm -rf "$OUT"
mkdir -p "$OUT"
chmod 0755 "$OUT" # munged's socket below it: reachable by every user
trap 'bash tests/cluster/down.sh "$OUT/cluster" >/dev/null 2>&1' EXIT

# make_batch DIR COUNT - COUNT dossiers with scans, and DIR/records.xml
make_batch() {
	local dir=$1 count=$2 d f k=0 i args scans=()
	mkdir -p "$dir"
	"$BUILD/tools/mkbatch" --count "$count" --out "$dir/batch" \
		--records "$dir/records.xml" --seed 1 || exit 70
	for i in 0 1 2 3 4 5 6 7; do
		args=(-o "$OUT/scan$i.png" --dpi 200 --seed "$((i + 1))")
		case $i in
		1 | 5) args+=(--text "https://example.org/not-ours/$i") ;;
		3) args+=(--blur 1 --light) ;;
		6 | 7) args+=(--noise 2) ;;
		esac
		[ -f "$OUT/scan$i.png" ] || "$BUILD/tools/qrpage" "${args[@]}" || exit 70
		scans+=("$OUT/scan$i.png")
	done
	for d in "$dir"/batch/*/; do
		for f in id.png cert.png photo.png; do
			if grep -q "file=\"$f\"" "$d/dossier.xml"; then
				cp "${scans[$((k % ${#scans[@]}))]}" "$d/$f"
				k=$((k + 1))
			fi
		done
	done
	find "$dir/batch" -exec touch -d 2026-11-28T12:00:00+08:00 {} +
}

# fresh_home HOME BATCHDIR [RECORDS] - a HOME with the batch in its inbox
fresh_home() {
	rm -rf "$1"
	if [ -n "${3:-}" ]; then
		mkdir -p "$1" && echo "RECORDS=$3" >"$1/credpipe.conf" || exit 70
	fi
	"$BIN/control" init --home "$1" >/dev/null || exit 70
	"$BIN/records" --home "$1" import "$2/records.xml" >/dev/null || exit 70
	cp -a "$2/batch/." "$1/inbox/"
	sender_conf "$1"
}

# wall COMMAND... - run, print the wall seconds
wall() {
	local t0=$EPOCHREALTIME
	"$@" >/dev/null
	awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'
}

echo "batch: $N dossiers (stage figures on $STAGE_N), A4 scans at 200 dpi"
make_batch "$OUT/big" "$N"
make_batch "$OUT/small" "$STAGE_N"

# 1. each stage alone, --jobs 1: CPU seconds a dossier
h=$OUT/home-stages
fresh_home "$h" "$OUT/small"
prev=/dev/null
: >"$OUT/times"
for s in ingest validate decode check typeset manifest; do
	/usr/bin/time -f "$s %e %U %S %M" -a -o "$OUT/times" \
		"$BIN/$s" --home "$h" "${opts[@]}" --jobs 1 <"$prev" >"$OUT/ids.$s" ||
		echo "bench: $s failed" >&2
	prev=$OUT/ids.$s
done

# 2. one machine
h1=$OUT/home-one
fresh_home "$h1" "$OUT/big"
one=$(CREDPIPE_BIN=$BIN wall ./pipeline.sh run --home "$h1" "${opts[@]}")

# 3. the Slurm path on a one-node cluster
if [ "${BENCH_RECORDS:-sqlite}" = postgresql ]; then
	up=()
else
	up=(--no-postgres)
fi
bash tests/cluster/up.sh "${up[@]}" "$OUT/cluster" 2>"$OUT/up.log" ||
	{ cat "$OUT/up.log" >&2; exit 70; }
# shellcheck source=/dev/null
. "$OUT/cluster/env"
h2=$OUT/home-slurm
fresh_home "$h2" "$OUT/big" "${CLUSTER_RECORDS:-}"
slurm=$(CREDPIPE_BIN=$BIN wall ./pipeline.sh submit --home "$h2" "${opts[@]}" \
	--shards "$SHARDS" --max-running "$MAX_RUNNING" --wait)
run=$(cat "$h2/submit/last")

# 4. the same results?
same=yes
results_digest "$h1" >"$OUT/one.digest"
results_digest "$h2" >"$OUT/slurm.digest"
cmp -s "$OUT/one.digest" "$OUT/slurm.digest" || same="NO (diff $OUT/one.digest $OUT/slurm.digest)"
# (order_id is the paper report number: numbered in the order of issue)
csv=yes
[ "$(cd "$h1/out/courier" && find . -name manifest.csv | sort | xargs cat | sed 's/,P[0-9]*,/,P*,/' | md5sum)" = \
	"$(cd "$h2/out/courier" && find . -name manifest.csv | sort | xargs cat | sed 's/,P[0-9]*,/,P*,/' | md5sum)" ] ||
	csv=NO
dups=$(cat "$h2"/out/results/*.xml | grep -oE '<report code="[0-9A-Z]*"| number="P[0-9]*"| waybill="[^"]*"' |
	sort | uniq -d | wc -l)

printf '\n%-10s %8s %10s %10s %14s %10s\n' stage wall-s cpu-s cpu-ms/doss "dossiers/s/core" peak-MB
while read -r s e u sy kb; do
	awk -v s="$s" -v e="$e" -v u="$u" -v sy="$sy" -v kb="$kb" -v n="$STAGE_N" 'BEGIN {
		c = u + sy; if (c <= 0) c = 0.005;
		printf "%-10s %8.2f %10.2f %10.2f %14.1f %10.1f\n", s, e, c, 1000 * c / n, n / c, kb / 1024 }'
done <"$OUT/times"
awk -v n="$STAGE_N" '{ c += $3 + $4 } END {
	printf "%-10s %8s %10.2f %10.2f %14.1f\n", "chain", "", c, 1000 * c / n, n / c }' "$OUT/times" |
	tee "$OUT/chain"
echo
printf '%-34s %8s s  %7.1f dossiers/s\n' "credpipe run (one machine)" "$one" \
	"$(awk -v n="$N" -v s="$one" 'BEGIN { print n / s }')"
printf '%-34s %8s s  %7.1f dossiers/s (registry: %s)\n' \
	"credpipe submit --shards $SHARDS --max-running $MAX_RUNNING --wait" "$slurm" \
	"$(awk -v n="$N" -v s="$slurm" 'BEGIN { print n / s }')" \
	"${CLUSTER_RECORDS:-SQLite}"
awk -v a="$one" -v b="$slurm" 'BEGIN { printf "the Slurm path: %.2fx the wall time of one run (%+.1f s)\n", b / a, b - a }'
echo "shards (Slurm's own account, HOME/submit/$run/):"
for f in "$h2/submit/$run"/shard-[0-9][0-9][0-9][0-9].exit; do
	printf '  %s: exit %s\n' "$(basename "$f" .exit)" "$(cut -d' ' -f1 "$f")"
done
echo "results identical to one machine (codes and numbers aside): $same"
echo "manifest.csv files identical (paper numbers aside): $csv"
echo "codes, paper numbers or waybills issued twice: $dups"
