#!/usr/bin/env bash
# bench/night.sh - a night's uploads: mostly scans without a QR code.
#
# Generates (once; reused while qrpage and the generator are unchanged) A4
# pages as a flatbed writes them, in bench/out/night/pages/: without a
# code (text pages, ID cards, diplomas, photographs; paper texture and
# scanner noise; 200 and 300 dpi) and with one (the decode bench's
# classes, 200 dpi). For each kind it prints pages/s of the PNG floor
# (tests/tools/pngfloor: libpng alone), decode --image with 1 and 2 jobs,
# and one zbarimg process, all timed side by side in the same run (median
# of BENCH_RUNS, default 3: the machine is shared, so ratios measured
# together are what counts), wall and CPU seconds, and decode's peak
# memory. Then the end-to-end dossiers/s of `credpipe run` with 1 and 2
# jobs and of bench/baseline.py (the same work in Python, 2 processes) on
# a BENCH_DOSSIERS (default 200) dossier night made by mkbatch with these
# scans (ID cards, diplomas, photographs; one scan in eight carries a
# code that looks like a report's but is not signed) and report-checks
# (mkbatch --reports: a scanned report each, valid, expired, revoked,
# unknown, untrusted, another holder's or without a code), the three
# runs alternating, median of BENCH_RUNS; then every dossier's outcome
# and reasons compared between the runs, and with BENCH_BASE_BIN (the
# bin/ of another tree) against that tree's credpipe run --jobs 2.
#
#   bash bench/night.sh
#   BENCH_DECODE_OPTS=--no-gate bash bench/night.sh   # without the gate
#   BENCH_PER_KIND=4 BENCH_RUNS=1 BENCH_DOSSIERS=50 bash bench/night.sh
#   BENCH_PARTS=e2e bash bench/night.sh    # only the night of dossiers
#   BENCH_PARTS=e2e BENCH_BASE_BIN=../old/bin bash bench/night.sh
#
# BENCH_PYTHON (default /usr/bin/python3, Debian's: its python3-* modules)
# runs bench/baseline.py.
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
	# what makes the pages, not the rest of this script
	stamp=$({ cat "$QRPAGE"; declare -f generate kind_opts code_opts; } |
		sha256sum | cut -c1-16)-$PER_KIND
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
	--records "$E/records.xml" --seed 7 --reports "$E/reports" || exit 70
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
# the verification reports of the report-checks: a printed report scanned
# at 200 dpi, degraded as the decode bench's classes are (2- and 3-pixel
# modules excepted: a report prints 0.7 mm modules, SPEC §6); "-" is a
# page without a code
k=0
while read -r folder text; do
	if [ "$text" = - ]; then
		cp "$DIR/text200-$((k % PER_KIND)).png" "$E/batch/$folder/report.png"
	else
		read -r -a opts <<<"$(code_opts "$((k % 10 == 8 ? 0 : k % 10))")"
		"$QRPAGE" -o "$E/batch/$folder/report.png" --kind text --paper \
			--seed "$((k + 1))" --noise 4 "${opts[@]}" --text "$text" ||
			exit 70
	fi
	k=$((k + 1))
done <"$E/reports/payloads"
find "$E/batch" -exec touch -d 2026-11-28T12:00:00+08:00 {} +
scans=$(find "$E/batch" -name '*.png' | wc -l)
reports=$(wc -l <"$E/reports/payloads")
echo
echo "night: $DOSSIERS dossiers ($reports report-checks), $scans scans" \
	"($(du -sh "$E/batch" | cut -f1))"

# fresh_home BIN H - a new HOME with the night's registry and the key
# its reports were signed with
fresh_home() {
	rm -rf "$2"
	if [ -x "$1/control" ]; then
		"$1/control" init --home "$2" >/dev/null || exit 70
	else
		mkdir -p "$2/inbox"     # before control init existed
	fi
	mkdir -p "$2/keys/trusted"
	cp "$E"/reports/*.pub "$2/keys/trusted/"
	"$1/records" --home "$2" import "$E/records.xml" >/dev/null || exit 70
}

# run_credpipe BIN JOBS NAME - one timed night; decisions into $E/NAME.dec
run_credpipe() {
	local h=$E/home
	fresh_home "$1" "$h"
	cp -a "$E/batch/." "$h/inbox/"
	CREDPIPE_BIN=$1 /usr/bin/time -f '%e %U %S' -o "$E/time" \
		./pipeline.sh run --home "$h" --now "$NOW" --settle 0 \
		--quiet --jobs "$2" >/dev/null 2>"$E/err.$3" ||
		echo "credpipe run ($3) failed" >&2
	"$PYTHON" bench/baseline.py decisions "$h/out/results" >"$E/$3.dec"
}

# run_python JOBS - the same night by bench/baseline.py
run_python() {
	local h=$E/py
	rm -rf "$h"
	"$PYTHON" bench/baseline.py import --db "$h/records.db" \
		"$E/records.xml" || exit 70
	/usr/bin/time -f '%e %U %S' -o "$E/time" "$PYTHON" bench/baseline.py \
		run --db "$h/records.db" --out "$h/out" --now "$NOW" \
		--trusted "$E/reports" --jobs "$1" "$E/batch" \
		>/dev/null 2>"$E/err.python" || echo "baseline.py failed" >&2
	"$PYTHON" bench/baseline.py decisions "$h/out/results" >"$E/python.dec"
}

# the runs alternate, so that each ratio is of runs side by side
PYTHON=${BENCH_PYTHON:-/usr/bin/python3}
TOOLS_E2E=("credpipe 1" "credpipe 2" "python 2")
declare -A EW EC
for ((r = 0; r < RUNS; r++)); do
	for t in "${TOOLS_E2E[@]}"; do
		read -r what jobs <<<"$t"
		if [ "$what" = credpipe ]; then
			run_credpipe "$BIN" "$jobs" "credpipe$jobs"
		else
			run_python "$jobs"
		fi
		EW[$t]+="$(awk 'END { print $1 }' "$E/time") "
		EC[$t]+="$(awk 'END { print $2 + $3 }' "$E/time") "
	done
done
median() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 }
	END { print v[int((NR + 1) / 2)] }'; }
printf '%-28s %9s %11s %9s %13s\n' run wall-s dossiers/s cpu-s \
	"x python"
pw=$(median <<<"${EW[python 2]}")
for t in "${TOOLS_E2E[@]}"; do
	read -r what jobs <<<"$t"
	w=$(median <<<"${EW[$t]}")
	c=$(median <<<"${EC[$t]}")
	name="credpipe run --jobs $jobs"
	[ "$what" = python ] && name="baseline.py --jobs $jobs"
	awk -v name="$name" -v w="$w" -v c="$c" -v n="$DOSSIERS" -v p="$pw" \
		'BEGIN { printf "%-28s %9.2f %11.2f %9.2f %12.2fx\n", name, w,
		    n / w, c, p / w }'
done

# no dossier decided differently: credpipe with 1 and 2 jobs, the script,
# and (BENCH_BASE_BIN) the programs of another tree
compare() {
	local n
	n=$(diff "$E/$1.dec" "$E/$2.dec" | grep -c '^[<>]')
	echo "decisions, $1 vs $2: $(wc -l <"$E/$1.dec") dossiers," \
		"$(diff "$E/$1.dec" "$E/$2.dec" | grep -c '^<') decided differently"
	[ "$n" -eq 0 ] || diff "$E/$1.dec" "$E/$2.dec" | grep '^[<>]' | head -n 20
}
echo
if [ -n "${BENCH_BASE_BIN:-}" ]; then
	run_credpipe "$(cd "$BENCH_BASE_BIN" && pwd)" 2 base
	compare base credpipe2
fi
compare credpipe1 credpipe2
compare credpipe2 python
rm -rf "${E:?}/home" "${E:?}/py"
