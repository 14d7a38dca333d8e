#!/usr/bin/env bash
# bench/night.sh - a night's uploads: mostly scans without a QR code.
#
# Generates (once; reused while qrpage and this script are unchanged) A4
# pages as a flatbed writes them, in bench/out/night/pages/: without a
# code (text pages, ID cards, diplomas, photographs; paper texture and
# scanner noise; 200 and 300 dpi) and with one (the decode bench's
# classes, 200 dpi). For each kind it prints pages/s of the PNG floor
# (tests/tools/pngfloor: libpng alone), decode --image with 1 and 2 jobs,
# and one zbarimg process, all timed side by side in the same run (median
# of BENCH_RUNS, default 3: the machine is shared, so ratios measured
# together are what counts), wall and CPU seconds, and decode's peak
# memory. Then the end-to-end dossiers/s of `credpipe run` with 1 and 2
# jobs on a BENCH_DOSSIERS (default 200) dossier night made by mkbatch
# with these scans (ID cards, diplomas, photographs; one scan in eight
# carries a foreign code).
#
#   bash bench/night.sh
#   BENCH_DECODE_OPTS=--no-gate bash bench/night.sh   # without the gate
#   BENCH_PER_KIND=4 BENCH_RUNS=1 BENCH_DOSSIERS=50 bash bench/night.sh
#   BENCH_PARTS=e2e bash bench/night.sh    # only the night of dossiers
set -u
cd "$(dirname "$0")/.." || exit 70
BIN=$(cd "${CREDPIPE_BIN:-bin}" && pwd) || exit 70
BUILD=$(cd "${CREDPIPE_BUILD:-build/std}" && pwd) || exit 70
export CREDPIPE_SHARE="$PWD"
PER_KIND=${BENCH_PER_KIND:-6}
RUNS=${BENCH_RUNS:-3}
DOSSIERS=${BENCH_DOSSIERS:-200}
PARTS=${BENCH_PARTS:-pages e2e}
read -r -a DOPTS <<<"${BENCH_DECODE_OPTS:-}"
OUT=$PWD/bench/out/night
DIR=$OUT/pages
QRPAGE=$BUILD/tools/qrpage
FLOOR=$BUILD/tools/pngfloor
NOW=2026-11-28T20:00:00+08:00
for tool in "$QRPAGE" "$FLOOR" "$BUILD/tools/mkbatch" "$BIN/decode"; do
	[ -x "$tool" ] || { echo "missing $tool: make all tools" >&2; exit 70; }
done
command -v zbarimg >/dev/null || { echo "zbarimg missing" >&2; exit 70; }

# the kinds: name, qrpage options (the seed and the text are added)
KINDS=(text200 text300 idcard200 idcard300 diploma200 diploma300 photo200
	photo300 code200)
kind_opts() {
	case $1 in
	text*) echo --kind text --paper ;;
	idcard*) echo --kind idcard --paper ;;
	diploma*) echo --kind diploma --paper ;;
	photo*) echo --kind photo --paper ;;
	code*) echo --kind text ;;
	esac
}
# code_opts I - the decode bench's classes, one after the other
code_opts() {
	case $(($1 % 10)) in
	0) echo --pos tr ;;
	1) echo --rotate $((3 + $1 % 8)) --pos tl ;;
	2) echo --blur $((1 + $1 % 2)) --pos bl ;;
	3) echo --noise $((10 + $1 % 16)) --pos br ;;
	4) echo --light --noise 4 --pos bl ;;
	5) echo --contrast 0.$((25 + $1 % 25)) --noise 3 --pos tr ;;
	6) echo --jpeg-ish --blur 1 --pos center ;;
	7) echo --invert --noise 5 --pos tr ;;
	8) echo --module $((2 + $1 % 2)) --noise 3 --pos tl ;;
	9) echo --rotate $(($1 % 9)) --blur 1 --noise 12 --light \
		--contrast 0.6 --pos tl ;;
	esac
}

generate() {
	local stamp kind i opts running=0
	stamp=$(cat "$QRPAGE" bench/night.sh | sha256sum | cut -c1-16)-$PER_KIND
	[ -f "$DIR/stamp" ] && [ "$(cat "$DIR/stamp")" = "$stamp" ] && return 0
	echo "generating $((PER_KIND * ${#KINDS[@]})) pages in $DIR ..."
	rm -rf "$DIR"
	mkdir -p "$DIR"
	for kind in "${KINDS[@]}"; do
		for ((i = 0; i < PER_KIND; i++)); do
			read -r -a opts <<<"$(kind_opts "$kind")"
			opts+=(--dpi "${kind: -3}" --seed "$((i + 1))"
				--noise "$((4 + i % 6))")
			if [[ $kind == code* ]]; then
				read -r -a more <<<"$(code_opts "$i")"
				opts+=("${more[@]}" --text
					"https://verify.example.edu.cn/v?c=NIGHT$i")
			fi
			"$QRPAGE" -o "$DIR/$kind-$i.png" "${opts[@]}" &
			running=$((running + 1))
			if [ "$running" -ge 2 ]; then
				wait -n
				running=$((running - 1))
			fi
		done
	done
	wait
	echo "$stamp" >"$DIR/stamp"
}

# timed NAME COMMAND... - median wall and CPU seconds, max peak KiB
timed() {
	local name=$1 r walls=() cpus=() mems=()
	shift
	for ((r = 0; r < RUNS; r++)); do
		/usr/bin/time -f '%e %U %S %M' -o "$OUT/time" "$@" \
			>/dev/null 2>&1
		walls+=("$(awk 'END { print $1 }' "$OUT/time")")
		cpus+=("$(awk 'END { print $2 + $3 }' "$OUT/time")")
		mems+=("$(awk 'END { print $4 }' "$OUT/time")")
	done
	WALL[$name]=$(printf '%s\n' "${walls[@]}" | sort -n | awk '
		{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	CPU[$name]=$(printf '%s\n' "${cpus[@]}" | sort -n | awk '
		{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	MEM[$name]=$(printf '%s\n' "${mems[@]}" | sort -n | tail -n 1)
}

generate
declare -A WALL CPU MEM
if grep -qw pages <<<"$PARTS"; then
echo "pages per kind: $PER_KIND; median of $RUNS run(s), tools side by side"
printf '\n%-11s %-9s %9s %9s %9s %9s %9s\n' kind tool wall-s pages/s \
	cpu-s "x floor" peak-MiB
for kind in "${KINDS[@]}"; do
	files=("$DIR/$kind"-*.png)
	n=${#files[@]}
	# the four tools one after another on the same files, kind by kind
	timed "$kind.floor" "$FLOOR" "${files[@]}"
	timed "$kind.decode1" "$BIN/decode" "${DOPTS[@]}" --jobs 1 --image \
		"${files[@]}"
	timed "$kind.decode2" "$BIN/decode" "${DOPTS[@]}" --jobs 2 --image \
		"${files[@]}"
	timed "$kind.zbarimg" zbarimg -q --raw -Sdisable -Sqrcode.enable \
		"${files[@]}"
	for tool in floor decode1 decode2 zbarimg; do
		awk -v k="$kind" -v t="$tool" -v w="${WALL[$kind.$tool]}" \
			-v c="${CPU[$kind.$tool]}" -v m="${MEM[$kind.$tool]}" \
			-v fw="${WALL[$kind.floor]}" -v n="$n" 'BEGIN {
			if (w <= 0) w = 0.005
			printf "%-11s %-9s %9.2f %9.2f %9.2f %9.2f %9.1f\n", k, t,
			    w, n / w, c, w / (fw > 0 ? fw : 0.005), m / 1024 }'
	done
done
# totals over the kinds without a code, and the goals
nc_floor=0 nc_d1=0 nc_cf=0 nc_c1=0
for kind in "${KINDS[@]}"; do
	[[ $kind == code* ]] && continue
	nc_floor=$(awk -v a="$nc_floor" -v b="${WALL[$kind.floor]}" 'BEGIN { print a + b }')
	nc_d1=$(awk -v a="$nc_d1" -v b="${WALL[$kind.decode1]}" 'BEGIN { print a + b }')
	nc_cf=$(awk -v a="$nc_cf" -v b="${CPU[$kind.floor]}" 'BEGIN { print a + b }')
	nc_c1=$(awk -v a="$nc_c1" -v b="${CPU[$kind.decode1]}" 'BEGIN { print a + b }')
done
echo
awk -v f="$nc_floor" -v d="$nc_d1" -v cf="$nc_cf" -v cd="$nc_c1" 'BEGIN {
	printf "no-code pages: decode --jobs 1 is %.2fx the PNG floor (wall), %.2fx (CPU); goal <= 1.5x\n", d / f, cd / cf }'
awk -v z="${WALL[code200.zbarimg]}" -v d="${WALL[code200.decode2]}" 'BEGIN {
	printf "pages with codes: decode --jobs 2 is %.2fx the speed of one zbarimg; goal >= 3x\n", z / d }'
peak=0
for k in "${!MEM[@]}"; do
	[[ $k == *.decode1 ]] || continue
	[ "${MEM[$k]}" -gt "$peak" ] && peak=${MEM[$k]}
done
awk -v m="$peak" 'BEGIN { printf "peak memory of one decode worker (--jobs 1): %.1f MiB; goal <= 100\n", m / 1024 }'
fi
grep -qw e2e <<<"$PARTS" || exit 0

# --- end to end: a night of dossiers --------------------------------------
E=$OUT/e2e
rm -rf "$E"
mkdir -p "$E"
"$BUILD/tools/mkbatch" --count "$DOSSIERS" --out "$E/batch" \
	--records "$E/records.xml" --seed 7 || exit 70
k=0
for d in "$E"/batch/*/; do
	for f in id.png cert.png photo.png; do
		grep -q "file=\"$f\"" "$d/dossier.xml" || continue
		case $f in
		id.png) src=idcard ;; cert.png) src=diploma ;; *) src=photo ;;
		esac
		dpi=$((k % 3 == 0 ? 300 : 200))
		if [ $((k % 8)) -eq 5 ]; then
			cp "$DIR/code200-$((k % PER_KIND)).png" "$d/$f"
		else
			cp "$DIR/$src$dpi-$((k % PER_KIND)).png" "$d/$f"
		fi
		k=$((k + 1))
	done
done
find "$E/batch" -exec touch -d 2026-11-28T12:00:00+08:00 {} +
scans=$(find "$E/batch" -name '*.png' | wc -l)
echo
echo "night: $DOSSIERS dossiers, $scans scans ($(du -sh "$E/batch" | cut -f1))"
printf '%-24s %9s %11s %9s\n' run wall-s dossiers/s cpu-s
for jobs in 1 2; do
	walls=() cpus=()
	for ((r = 0; r < RUNS; r++)); do
		h=$E/home
		rm -rf "$h"
		if [ -x "$BIN/control" ]; then
			"$BIN/control" init --home "$h" >/dev/null || exit 70
		else
			mkdir -p "$h/inbox"     # before control init existed
		fi
		"$BIN/records" --home "$h" import "$E/records.xml" >/dev/null ||
			exit 70
		cp -a "$E/batch/." "$h/inbox/"
		CREDPIPE_BIN=$BIN /usr/bin/time -f '%e %U %S' -o "$E/time" \
			./pipeline.sh run --home "$h" --now "$NOW" --settle 0 \
			--quiet --jobs "$jobs" >/dev/null 2>"$E/err.$jobs" ||
			echo "credpipe run --jobs $jobs failed" >&2
		walls+=("$(awk 'END { print $1 }' "$E/time")")
		cpus+=("$(awk 'END { print $2 + $3 }' "$E/time")")
	done
	w=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{ v[NR] = $1 }
		END { print v[int((NR + 1) / 2)] }')
	c=$(printf '%s\n' "${cpus[@]}" | sort -n | awk '{ v[NR] = $1 }
		END { print v[int((NR + 1) / 2)] }')
	awk -v j="$jobs" -v w="$w" -v c="$c" -v n="$DOSSIERS" 'BEGIN {
		printf "%-24s %9.2f %11.2f %9.2f\n", "credpipe run --jobs " j, w,
		    n / w, c }'
done
rm -rf "${E:?}/home"
