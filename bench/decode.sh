#!/usr/bin/env bash
# bench/decode.sh - QR decoding: decode --image against zbarimg and ZXingReader.
#
# Generates (once; reused while the generator is unchanged) a reproducible
# set of A4 pages at 200 dpi with QR codes under the degradations scanners
# and phones produce, in bench/out/decode/pages/, then prints for each
# decoder: pages per second over the whole set (one process over all
# pages, median of BENCH_RUNS runs), peak memory (/usr/bin/time %M), and
# the decode rate (pages whose code's bytes are exactly right), overall
# and per degradation class; then the ratios against zbarimg and the floor
# (libpng alone decoding the same pages: tests/tools/pngfloor).
#
#   bash bench/decode.sh                     # 200 pages, 3 runs
#   BENCH_PAGES=400 BENCH_RUNS=1 bash bench/decode.sh
#   BENCH_PASSES=half,full bash bench/decode.sh   # try another strategy
#   BENCH_WORKERS_ONLY=1 bash bench/decode.sh     # only the cost of the
#                                                 # limited workers
#
# The cost of the limited workers (sandbox.c: a process per page, with
# its limits) is measured in the same run: decode with its default
# WORKERS=1 against --workers 0 (the decoder in the stage's own process),
# side by side, median of BENCH_RUNS runs each, and their ratio.
set -u
cd "$(dirname "$0")/.." || exit 70
BIN=$(cd "${CREDPIPE_BIN:-bin}" && pwd) || exit 70
BUILD=$(cd "${CREDPIPE_BUILD:-build/std}" && pwd) || exit 70
PAGES=${BENCH_PAGES:-200}
RUNS=${BENCH_RUNS:-3}
OUT=bench/out/decode
DIR=$OUT/pages
QRPAGE=$BUILD/tools/qrpage
FLOOR=$BUILD/tools/pngfloor
PASSES=()
[ -n "${BENCH_PASSES:-}" ] && PASSES=(--passes "$BENCH_PASSES")
for tool in "$QRPAGE" "$FLOOR" "$BIN/decode"; do
	[ -x "$tool" ] || { echo "missing $tool: make all tools" >&2; exit 70; }
done

CLASSES=(clean rotate blur noise light contrast jpeg invert small mixed)

# page_spec I - class, payload and qrpage options of page I (deterministic)
page_spec() {
	local i=$1 class=${CLASSES[$(($1 % 10))]} code pos
	local positions=(tr tl tr br bl center tr tl)
	pos=${positions[$((i % 8))]}
	code=$(printf '%04d%012d' "$i" $((i * 7919 % 1000000007)))
	if [ $((i % 3)) -eq 0 ]; then
		text="张伟 北京大学 计算机科学与技术 证书 $code"
	else
		text="https://verify.example.edu.cn/v?c=$code&e=20270226&n=100011201905$(printf '%06d' "$i")&h=%E5%BC%A0%E4%BC%9F&k=1a2b3c4d&s=$(printf '%086d' "$i")"
	fi
	opts=(--dpi 200 --seed "$i" --pos "$pos")
	case $class in
	rotate) opts+=(--rotate $((3 + i % 8))) ;;
	blur) opts+=(--blur $((1 + i % 3))) ;;
	noise) opts+=(--noise $((10 + i % 16))) ;;
	light) opts+=(--light --noise 4) ;;
	contrast) opts+=(--contrast "0.$((25 + i % 25))" --noise 3) ;;
	jpeg) opts+=(--jpeg-ish --blur 1) ;;
	invert) opts+=(--invert --noise 5) ;;
	small) opts+=(--module $((2 + i % 2)) --noise 3) ;;
	mixed) opts+=(--rotate $((i % 9)) --blur 1 --noise 12 --light \
		--contrast 0.6) ;;
	esac
	echo "$class"
}

generate() {
	local stamp
	stamp=$(cat "$QRPAGE" bench/decode.sh | sha256sum | cut -c1-16)-$PAGES
	if [ -f "$DIR/stamp" ] && [ "$(cat "$DIR/stamp")" = "$stamp" ]; then
		return 0
	fi
	echo "generating $PAGES pages in $DIR ..."
	rm -rf "$DIR"
	mkdir -p "$DIR"
	: >"$DIR/list.tsv"
	local i class running=0
	for ((i = 0; i < PAGES; i++)); do
		class=$(page_spec "$i")
		page_spec "$i" >/dev/null
		printf '%s\t%s\t%s\n' "$(printf 'p%04d.png' "$i")" "$class" \
			"$(printf '%s' "$text" | od -v -An -tx1 | tr -d ' \n')" \
			>>"$DIR/list.tsv"
		"$QRPAGE" -o "$DIR/$(printf 'p%04d.png' "$i")" --text "$text" \
			"${opts[@]}" &
		running=$((running + 1))
		if [ "$running" -ge 2 ]; then
			wait -n
			running=$((running - 1))
		fi
	done
	wait
	echo "$stamp" >"$DIR/stamp"
}

# timed NAME COMMAND... - median wall seconds and max peak KiB of RUNS runs
timed() {
	local name=$1 r times=() mems=()
	shift
	for ((r = 0; r < RUNS; r++)); do
		/usr/bin/time -f '%e %M' -o "$OUT/time.$name" "$@" \
			>"$OUT/out.$name" 2>"$OUT/err.$name"
		times+=("$(awk 'END { print $1 }' "$OUT/time.$name")")
		mems+=("$(awk 'END { print $2 }' "$OUT/time.$name")")
	done
	T[$name]=$(printf '%s\n' "${times[@]}" | sort -n | awk '
		{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	M[$name]=$(printf '%s\n' "${mems[@]}" | sort -n | tail -n 1)
}

# hex_of_stdout COMMAND... - the first line of COMMAND's output, in hex
hex_line() {
	head -n 1 | tr -d '\n' | od -v -An -tx1 | tr -d ' \n'
}

# rate NAME - per-page correctness of NAME into $OUT/ok.NAME (0/1 lines)
rate_per_page() {
	local name=$1 file class want got
	shift
	: >"$OUT/ok.$name"
	while IFS=$'\t' read -r file class want; do
		got=$("$@" "$DIR/$file" 2>/dev/null | hex_line)
		[ "$got" = "$want" ] && echo "$class 1" || echo "$class 0"
	done <"$DIR/list.tsv" >"$OUT/ok.$name"
}

# rate_zxing - ZXingReader's one-process output, file by file
rate_zxing() {
	awk -F'\t' -v out="$OUT/out.zxing" '
	BEGIN {
		while ((getline line < out) > 0) {
			if (line ~ /^File: /) { f = line; sub(/^File: +/, "", f);
			    sub(/.*\//, "", f) }
			else if (line ~ /^Bytes: / && !(f in got)) {
			    b = line; sub(/^Bytes: +/, "", b); gsub(/ /, "", b);
			    got[f] = tolower(b) }
		}
	}
	{ print $2, (got[$1] == $3 ? 1 : 0) }' "$DIR/list.tsv" >"$OUT/ok.zxing"
}

generate
mkdir -p "$OUT"
mapfile -t FILES < <(cut -f1 "$DIR/list.tsv" | sed "s|^|$DIR/|")
declare -A T M
echo "timing ${#FILES[@]} pages, median of $RUNS run(s) ..."
# workers_cost - pages/s with and without the limited workers, side by
# side: the runs alternate (workers, in-process, workers, ...) so that a
# change of the machine's load falls on both; wall-clock pages/s and CPU
# seconds (user + system, the workers included), medians of RUNS runs.
workers_cost() {
	local j r w mode kind
	declare -A wall=() cpu=()
	for j in 1 2; do
		for ((r = 0; r < RUNS; r++)); do
			for w in 1 0; do
				/usr/bin/time -f '%e %U %S' -o "$OUT/time.cost" \
					"$BIN/decode" "${PASSES[@]}" --workers "$w" \
					--jobs "$j" --image "${FILES[@]}" >/dev/null 2>&1
				wall[$j.$w]+="$(awk 'END { print $1 }' "$OUT/time.cost") "
				cpu[$j.$w]+="$(awk 'END { print $2 + $3 }' "$OUT/time.cost") "
			done
		done
	done
	echo
	printf '%-16s %14s %14s %7s %10s %10s %7s\n' "limited workers" \
		"workers pg/s" "in-proc pg/s" ratio "cpu s" "cpu s" ratio
	for j in 1 2; do
		for mode in 1 0; do
			for kind in wall cpu; do
				if [ "$kind" = wall ]; then
					printf '%s\n' ${wall[$j.$mode]}
				else
					printf '%s\n' ${cpu[$j.$mode]}
				fi | sort -n | awk '{ v[NR] = $1 }
					END { print v[int((NR + 1) / 2)] }'
			done
		done | paste -sd' ' | awk -v j="$j" -v n="${#FILES[@]}" '{
			printf "%-16s %14.2f %14.2f %7.3f %10.2f %10.2f %7.3f\n",
			    "--jobs " j, n / $1, n / $3, $3 / $1, $2, $4, $4 / $2 }'
	done
	echo "(ratio: in-process time over workers time; 1.000 = no cost)"
}
if [ -n "${BENCH_WORKERS_ONLY:-}" ]; then
	workers_cost
	exit 0
fi
timed floor "$FLOOR" "${FILES[@]}"
timed decode1 "$BIN/decode" "${PASSES[@]}" --jobs 1 --image "${FILES[@]}"
timed decode2 "$BIN/decode" "${PASSES[@]}" --jobs 2 --image "${FILES[@]}"
timed zbarimg zbarimg --raw -q -Sdisable -Sqrcode.enable "${FILES[@]}"
HAVE_ZXING=0
if command -v ZXingReader >/dev/null; then
	HAVE_ZXING=1
	timed zxing ZXingReader -format QRCode "${FILES[@]}"
fi
echo "checking decode rates page by page ..."
rate_per_page decode1 "$BIN/decode" "${PASSES[@]}" --jobs 1 --image
cp "$OUT/ok.decode1" "$OUT/ok.decode2"
rate_per_page zbarimg zbarimg --raw -q -Sdisable -Sqrcode.enable
[ "$HAVE_ZXING" = 1 ] && rate_zxing

n=${#FILES[@]}
names=(decode1 decode2 zbarimg)
[ "$HAVE_ZXING" = 1 ] && names+=(zxing)
label() {
	case $1 in
	decode1) echo "decode --jobs 1" ;; decode2) echo "decode --jobs 2" ;;
	zbarimg) echo "zbarimg (1 process)" ;; zxing) echo "ZXingReader" ;;
	floor) echo "libpng floor" ;; esac
}
echo
printf '%-22s %8s %9s %8s %9s %7s\n' decoder seconds pages/s ms/page \
	"peak MiB" rate
for name in floor "${names[@]}"; do
	rate=-
	[ -f "$OUT/ok.$name" ] && rate=$(awk '{ s += $2 } END {
		printf "%.1f%%", 100 * s / NR }' "$OUT/ok.$name")
	awk -v l="$(label "$name")" -v t="${T[$name]}" -v m="${M[$name]}" \
		-v n="$n" -v r="$rate" 'BEGIN {
		printf "%-22s %8.2f %9.2f %8.1f %9.1f %7s\n", l, t, n / t,
		    1000 * t / n, m / 1024, r }'
done
echo
printf '%-10s' class
for name in "${names[@]}"; do printf ' %10s' "$name"; done
echo
for class in "${CLASSES[@]}"; do
	printf '%-10s' "$class"
	for name in "${names[@]}"; do
		awk -v c="$class" '$1 == c { s += $2; k++ } END {
			printf " %7d/%-2d", s, k }' "$OUT/ok.$name"
	done
	echo
done
echo
awk -v z="${T[zbarimg]}" -v d1="${T[decode1]}" -v d2="${T[decode2]}" \
	-v f="${T[floor]}" 'BEGIN {
	printf "speed vs zbarimg: --jobs 1 %.2fx, --jobs 2 %.2fx\n", z / d1,
	    z / d2
	printf "time per page vs the libpng floor: %.2fx (--jobs 1)\n", d1 / f
}'
for name in zbarimg zxing; do
	[ -f "$OUT/ok.$name" ] || continue
	paste "$OUT/ok.decode1" "$OUT/ok.$name" | awk -v n="$name" '
		{ a += $2; b += $4 } END {
		printf "decode rate: decode %.1f%% vs %s %.1f%% (%+.1f points)\n",
		    100 * a / NR, n, 100 * b / NR, 100 * (a - b) / NR }'
done
workers_cost
