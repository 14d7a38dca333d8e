#!/usr/bin/env bash
# bench/photo.sh - QR codes on phone photographs: decode, zbarimg, ZXingReader.
#
# Generates (once; reused while qrphoto and this script are unchanged) a
# reproducible set of synthetic phone photographs (tests/tools/qrphoto:
# perspective, mirror, lens and curl, small codes in a large scene, light,
# JPEG quality, motion blur, textured paper, low-resolution version-1
# codes, damaged finders) in bench/out/photo/set/, BENCH_PER_CLASS (default
# 20) a class. Half the codes carry a credpipe report payload, half a
# plain URL (the small and version-1 classes: short URLs only).
#
# For each class it prints the codes read exactly (the payload's bytes
# among the decoder's output) by decode --image --no-gate (what a
# verification report gets: SPEC 4, the whole cascade), by the gated
# decode (every other attachment: the cascade only where the finder
# gate saw a code), zbarimg, ZXingReader and the union of the last two
# (a code either of them reads), then the time per photograph of each
# decoder over the whole set (one process for all photographs, median of
# BENCH_RUNS runs, default 1).
#
#   bash bench/photo.sh
#   BENCH_PER_CLASS=5 bash bench/photo.sh
#   BENCH_PASSES=half,full bash bench/photo.sh     # another pass order
#   BENCH_CLASSES="small v1low" bash bench/photo.sh
#
# Then the large-photo part: five 12-MP (4000x3000) photographs at JPEG
# quality 92, as a phone writes them, each with one code 700-1100 pixels
# across, read BENCH_BIG_READS (default 4) times over in one process: CPU
# seconds (user + system) of decode --no-gate beside libjpeg-turbo's
# full-size decode alone (tests/tools/jpegfloor: RGB as djpeg writes, and
# --gray, luminance only), the three alternating run after run (the
# machine is shared: what runs together is compared), median of
# BENCH_BIG_RUNS (default 5) runs. BENCH_PARTS says what runs: "classes"
# (the photograph classes above), "big" (the 12-MP part), both by
# default; BENCH_BIG=0 is BENCH_PARTS=classes.
#
#   BENCH_PARTS=big bash bench/photo.sh              # the 12-MP part alone
#   BENCH_PARTS=big BENCH_BIG_RUNS=9 bash bench/photo.sh
set -u
cd "$(dirname "$0")/.." || exit 70
BIN=$(cd "${CREDPIPE_BIN:-bin}" && pwd) || exit 70
BUILD=$(cd "${CREDPIPE_BUILD:-build/std}" && pwd) || exit 70
PER_CLASS=${BENCH_PER_CLASS:-20}
RUNS=${BENCH_RUNS:-1}
OUT=bench/out/photo
DIR=$OUT/set
QRPHOTO=$BUILD/tools/qrphoto
PASSES=()
[ -n "${BENCH_PASSES:-}" ] && PASSES=(--passes "$BENCH_PASSES")
JFLOOR=$BUILD/tools/jpegfloor
for tool in "$QRPHOTO" "$JFLOOR" "$BIN/decode"; do
	[ -x "$tool" ] || { echo "missing $tool: make all tools" >&2; exit 70; }
done
command -v zbarimg >/dev/null || { echo "zbarimg missing" >&2; exit 70; }
HAVE_ZXING=0
command -v ZXingReader >/dev/null && HAVE_ZXING=1

PARTS=${BENCH_PARTS:-classes big}
[ "${BENCH_BIG:-1}" = 0 ] && PARTS=classes
BIG_RUNS=${BENCH_BIG_RUNS:-5}
BIG_READS=${BENCH_BIG_READS:-4}

# want PART - whether BENCH_PARTS names PART
want() {
	[[ " $PARTS " == *" $1 "* ]]
}

read -r -a CLASSES <<<"${BENCH_CLASSES:-tilt persp mirror curve small light jpeg motion paper v1low damaged}"

# payload CLASS I - the text of photograph I of CLASS (deterministic)
payload() {
	local class=$1 i=$2 code
	code=$(printf '%04d%012d' "$i" $((i * 7919 % 1000000007)))
	case $class in
	v1low) printf 'http://q.cn/%02d' $((i % 100)) ;;
	small) printf 'https://ex.org/%s' "${code:$((i % 4)):$((6 + i % 9))}" ;;
	*)
		if [ $((i % 2)) -eq 0 ]; then
			printf 'https://verify.example.edu.cn/v?c=%s&e=20270226&n=100011201905%06d&h=%%E5%%BC%%A0%%E4%%BC%%9F&k=1a2b3c4d&s=%s' \
				"$code" "$i" "$(printf '%086d' "$i" | tr 0-9 A-J)"
		else
			printf 'https://www.example.org/items/%s?ref=photo%d' \
				"$code" "$i"
		fi ;;
	esac
}

generate() {
	local stamp class i k name running=0
	stamp=$({ cat "$QRPHOTO"; declare -f payload generate; } |
		sha256sum | cut -c1-16)
	stamp+="-$PER_CLASS-${CLASSES[*]}"
	if [ -f "$DIR/stamp" ] && [ "$(cat "$DIR/stamp")" = "$stamp" ]; then
		return 0
	fi
	echo "generating ${#CLASSES[@]} classes x $PER_CLASS photographs in $DIR ..."
	rm -rf "$DIR"
	mkdir -p "$DIR"
	: >"$DIR/list.tsv"
	k=0
	for class in "${CLASSES[@]}"; do
		for ((i = 0; i < PER_CLASS; i++)); do
			k=$((k + 1))
			name=$(printf '%s-%02d.jpg' "$class" "$i")
			printf '%s\t%s\t%s\n' "$name" "$class" \
				"$(payload "$class" "$i")" >>"$DIR/list.tsv"
			"$QRPHOTO" -o "$DIR/$name" --class "$class" \
				--seed "$((k * 101 + i))" \
				--text "$(payload "$class" "$i")" &
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

# timed NAME COMMAND... - median wall seconds of RUNS runs into T[NAME]
timed() {
	local name=$1 r times=()
	shift
	for ((r = 0; r < RUNS; r++)); do
		/usr/bin/time -f '%e' -o "$OUT/time.$name" "$@" \
			>"$OUT/out.$name" 2>"$OUT/err.$name"
		times+=("$(tail -n 1 "$OUT/time.$name")")
	done
	T[$name]=$(printf '%s\n' "${times[@]}" | sort -n | awk '
		{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
}

# read_each NAME COMMAND... - "class 0|1" per photograph into ok.NAME:
# the payload is one of the lines COMMAND prints for the photograph
read_each() {
	local name=$1 file class want
	shift
	while IFS=$'\t' read -r file class want; do
		if "$@" "$DIR/$file" 2>/dev/null | grep -Fxq -- "$want"; then
			echo "$class 1"
		else
			echo "$class 0"
		fi
	done <"$DIR/list.tsv" >"$OUT/ok.$name"
}

# read_zxing - the same from ZXingReader's one-process output (its
# "Bytes:" lines, in hex, against the payload's)
read_zxing() {
	local file class want hex
	while IFS=$'\t' read -r file class want; do
		hex=$(printf '%s' "$want" | od -v -An -tx1 | tr -d ' \n')
		printf '%s\t%s\t%s\n' "$file" "$class" "$hex"
	done <"$DIR/list.tsv" | awk -F'\t' -v out="$OUT/out.zxing" '
	BEGIN {
		while ((getline line < out) > 0) {
			if (line ~ /^File: /) { f = line; sub(/^File: +/, "", f);
			    sub(/.*\//, "", f) }
			else if (line ~ /^Bytes: /) {
			    b = line; sub(/^Bytes: +/, "", b); gsub(/ /, "", b);
			    got[f "\t" tolower(b)] = 1 }
		}
	}
	{ print $2, (($1 "\t" $3) in got ? 1 : 0) }' >"$OUT/ok.zxing"
}

# big - the 12-MP part: decode beside libjpeg-turbo's full-size decode
big() {
	local bigdir=$OUT/big big_stamp i r name read_big
	local -a files=()
	local -A cpu label
	mkdir -p "$OUT"
	big_stamp=$(sha256sum "$QRPHOTO" | cut -c1-16)
	if [ ! -f "$bigdir/stamp" ] ||
		[ "$(cat "$bigdir/stamp")" != "$big_stamp" ]; then
		rm -rf "$bigdir"
		mkdir -p "$bigdir"
		for i in 1 2 3 4 5; do
			"$QRPHOTO" -o "$bigdir/big-$i.jpg" --class tilt --seed "$i" \
				--width 4000 --height 3000 --quality 92 \
				--size $((600 + i * 100)) \
				--text "$(payload tilt "$((2 * i))")"
		done
		echo "$big_stamp" >"$bigdir/stamp"
	fi
	for ((r = 0; r < BIG_READS; r++)); do files+=("$bigdir"/big-*.jpg); done
	label=([rgb]="full-size decode (RGB, as djpeg)"
		[gray]="full-size decode (luminance only)"
		[decode]="decode --no-gate --image")
	# the three alternate, run after run: load on the shared machine
	# falls on all of them alike
	for ((r = 0; r < BIG_RUNS; r++)); do
		for name in rgb gray decode; do
			case $name in
			rgb) set -- "$JFLOOR" ;;
			gray) set -- "$JFLOOR" --gray ;;
			decode) set -- "$BIN/decode" "${PASSES[@]}" --no-gate \
				--jobs 1 --image ;;
			esac
			/usr/bin/time -f '%U %S' -o "$OUT/cpu.big.$name" "$@" \
				"${files[@]}" >"$OUT/out.big.$name" 2>/dev/null
			cpu[$name]+="$(awk 'END { print $1 + $2 }' \
				"$OUT/cpu.big.$name") "
		done
	done
	read_big=$(sort -u "$OUT/out.big.decode" | wc -l)
	echo
	echo "12-MP photographs: ${#files[@]} reads of 5 a run, $read_big" \
		"distinct codes read; CPU (user + system), median of $BIG_RUNS runs"
	for name in rgb gray decode; do
		printf '%s\n' ${cpu[$name]} | sort -n | awk -v l="${label[$name]}" \
			-v n="${#files[@]}" -v runs="${cpu[$name]}" '
			{ v[NR] = $1 }
			END { m = v[int((NR + 1) / 2)]; sub(/ $/, "", runs)
			    printf "%-34s %7.1f ms/photo   (runs, s: %s)\n", l,
				1000 * m / n, runs }'
	done | tee "$OUT/big.txt"
	awk '{ sub(/ ms\/photo.*/, ""); ms[NR] = $NF }
		END { printf "decode / RGB decode %.2f, decode / luminance decode %.2f\n",
		    ms[3] / ms[1], ms[3] / ms[2] }' "$OUT/big.txt"
}

if ! want classes; then
	if want big; then big; fi
	exit 0
fi

generate
mkdir -p "$OUT"
mapfile -t FILES < <(cut -f1 "$DIR/list.tsv" | sed "s|^|$DIR/|")
declare -A T
n=${#FILES[@]}
echo "reading $n photographs ..."
timed decode "$BIN/decode" "${PASSES[@]}" --no-gate --jobs 1 --image \
	"${FILES[@]}"
timed gated "$BIN/decode" "${PASSES[@]}" --jobs 1 --image "${FILES[@]}"
timed zbarimg zbarimg --raw -q -Sdisable -Sqrcode.enable "${FILES[@]}"
names=(decode gated zbarimg)
if [ "$HAVE_ZXING" = 1 ]; then
	timed zxing ZXingReader -format QRCode "${FILES[@]}"
	read_zxing
	names+=(zxing union)
fi
read_each decode "$BIN/decode" "${PASSES[@]}" --no-gate --jobs 1 --image
read_each gated "$BIN/decode" "${PASSES[@]}" --jobs 1 --image
read_each zbarimg zbarimg --raw -q -Sdisable -Sqrcode.enable
[ "$HAVE_ZXING" = 1 ] &&
	paste -d' ' "$OUT/ok.zbarimg" "$OUT/ok.zxing" |
	awk '{ print $1, ($2 || $4) ? 1 : 0 }' >"$OUT/ok.union"

echo
printf '%-10s' class
for name in "${names[@]}"; do printf ' %9s' "$name"; done
echo
for class in "${CLASSES[@]}" all; do
	printf '%-10s' "$class"
	for name in "${names[@]}"; do
		awk -v c="$class" '$1 == c || c == "all" { s += $2; k++ }
			END { printf " %6d/%-2d", s, k }' "$OUT/ok.$name"
	done
	echo
done
echo
printf '%-12s %10s %10s\n' decoder seconds ms/photo
for name in decode gated zbarimg zxing; do
	[ -n "${T[$name]:-}" ] || continue
	awk -v l="$name" -v t="${T[$name]}" -v n="$n" 'BEGIN {
		printf "%-12s %10.2f %10.1f\n", l, t, 1000 * t / n }'
done
if [ "$HAVE_ZXING" = 1 ]; then
	paste -d' ' "$OUT/ok.decode" "$OUT/ok.union" | awk '
		{ a += $2; b += $4; if ($2 && !$4) more++; if ($4 && !$2) less++ }
		END { printf "decode --no-gate %d vs zbarimg+ZXingReader %d: %d read only by decode, %d only by the other two\n",
		    a, b, more, less }'
fi


if want big; then big; fi
