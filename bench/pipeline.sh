#!/usr/bin/env bash
# bench/pipeline.sh - every stage and the whole pipeline on one batch.
#
# Generates a reproducible batch (BENCH_N dossiers, default 1000, mkbatch
# seed 1) with A4 scans at 200 dpi (qrpage, fixed seeds: blank pages,
# pages with a foreign QR code, noisy ones), then measures:
#   - each stage alone, in chain order, on the same HOME (dossiers/s and
#     peak memory from /usr/bin/time);
#   - the whole `pipeline.sh run` on a fresh copy of the inbox;
#   - the baselines on the same files: `xmllint --noout --schema
#     schemas/dossier.xsd` over every dossier.xml and one `zbarimg` process
#     over every scan.
# Medians of BENCH_RUNS runs (default 1; each run regenerates nothing).
set -u
cd "$(dirname "$0")/.." || exit 70
BIN=$(cd "${CREDPIPE_BIN:-bin}" && pwd) || exit 70
BUILD=$(cd "${CREDPIPE_BUILD:-build/std}" && pwd) || exit 70
export CREDPIPE_SHARE="$PWD"
N=${BENCH_N:-1000}
RUNS=${BENCH_RUNS:-1}
OUT=$PWD/bench/out/pipeline
rm -rf "$OUT"
mkdir -p "$OUT"
NOW=2026-11-28T20:00:00+08:00

# 1. The batch: dossiers, registry, and a few distinct scans copied in.
"$BUILD/tools/mkbatch" --count "$N" --out "$OUT/batch" \
	--records "$OUT/records.xml" --seed 1 || exit 70
scans=()
for i in 0 1 2 3 4 5 6 7; do
	args=(-o "$OUT/scan$i.png" --dpi 200 --seed "$((i + 1))")
	case $i in
	1 | 5) args+=(--text "https://example.org/not-ours/$i") ;;
	3) args+=(--blur 1 --light) ;;
	6 | 7) args+=(--noise 2) ;;
	esac
	"$BUILD/tools/qrpage" "${args[@]}" || exit 70
	scans+=("$OUT/scan$i.png")
done
k=0
for d in "$OUT"/batch/*/; do
	for f in id.png cert.png photo.png; do
		if grep -q "file=\"$f\"" "$d/dossier.xml"; then
			cp "${scans[$((k % ${#scans[@]}))]}" "$d/$f"
			k=$((k + 1))
		fi
	done
done
# The inbox folders were written "now": --now lies in the future of them.
find "$OUT/batch" -exec touch -d 2026-11-28T12:00:00+08:00 {} +
pages=$(find "$OUT/batch" -name '*.png' | wc -l)
echo "batch: $N dossiers, $pages scans (A4, 200 dpi), $(du -sh "$OUT/batch" | cut -f1)"

# timed LABEL COMMAND... - run, append "LABEL seconds peakKB" to $OUT/times
timed() {
	local label=$1
	shift
	/usr/bin/time -f "$label %e %M" -a -o "$OUT/times" "$@"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : 0)}'; }

fresh_home() {
	local h=$1
	rm -rf "$h"
	"$BIN/control" init --home "$h" >/dev/null || exit 70
	"$BIN/records" --home "$h" import "$OUT/records.xml" >/dev/null || exit 70
	cp -a "$OUT/batch/." "$h/inbox/"
}

: >"$OUT/times"
opts=(--now "$NOW" --settle 0 --quiet)
for run in $(seq 1 "$RUNS"); do
	h=$OUT/home-stages
	fresh_home "$h"
	prev=/dev/null
	for s in ingest validate decode check typeset manifest; do
		[ -x "$BIN/$s" ] || continue
		timed "$s" "$BIN/$s" --home "$h" "${opts[@]}" <"$prev" \
			>"$OUT/ids.$s" || echo "bench: $s failed (run $run)" >&2
		prev=$OUT/ids.$s
	done
	h=$OUT/home-pipeline
	fresh_home "$h"
	CREDPIPE_BIN=$BIN timed pipeline ./pipeline.sh run --home "$h" \
		"${opts[@]}" >/dev/null || echo "bench: pipeline failed" >&2
	find "$OUT/batch" -name dossier.xml -print0 | sort -z >"$OUT/xml.list"
	timed xmllint bash -c 'xargs -0 xmllint --noout --schema schemas/dossier.xsd \
		<"$1" >/dev/null 2>&1; true' _ "$OUT/xml.list"
	find "$OUT/batch" -name '*.png' -print0 | sort -z >"$OUT/png.list"
	timed zbarimg bash -c 'xargs -0 zbarimg -q --raw -Sdisable \
		-Sqrcode.enable <"$1" >/dev/null 2>&1; true' _ "$OUT/png.list"
	timed "decode --image" bash -c 'xargs -0 "$2/decode" --image \
		<"$1" >/dev/null 2>&1; true' _ "$OUT/png.list" "$BIN"
done

printf '\n%-16s %10s %12s %12s %10s\n' step seconds dossiers/s pages/s peak-MB
for label in ingest validate decode check typeset manifest pipeline \
	xmllint zbarimg "decode --image"; do
	grep -q "^$label [0-9]" "$OUT/times" || continue
	secs=$(grep "^$label [0-9]" "$OUT/times" | awk '{print $(NF-1)}' | median)
	kb=$(grep "^$label [0-9]" "$OUT/times" | awk '{print $NF}' | median)
	awk -v l="$label" -v s="$secs" -v kb="$kb" -v n="$N" -v p="$pages" \
		'BEGIN { if (s <= 0) s = 0.005;
		  printf "%-16s %10.2f %12.1f %12.1f %10.1f\n", l, s, n / s, p / s, kb / 1024 }'
done
v=$(grep '^validate [0-9]' "$OUT/times" | awk '{print $(NF-1)}' | median)
x=$(grep '^xmllint [0-9]' "$OUT/times" | awk '{print $(NF-1)}' | median)
d=$(grep '^decode --image [0-9]' "$OUT/times" | awk '{print $(NF-1)}' | median)
z=$(grep '^zbarimg [0-9]' "$OUT/times" | awk '{print $(NF-1)}' | median)
awk -v v="$v" -v x="$x" -v d="$d" -v z="$z" 'BEGIN {
	if (v > 0) printf "validate (schema + rules + attachments) vs xmllint --schema: %.2fx the speed\n", x / v;
	if (d > 0) printf "decode --image vs one zbarimg over the same scans: %.2fx the speed\n", z / d }'
