#!/usr/bin/env bash
# tests/decode/test_photo.sh - QR codes on phone photographs (qrphoto
# makes them, as bench/photo.sh does): the photo passes of a verification
# report's whole cascade, each shown on a photograph the zbar passes
# alone cannot read, and a large JPEG read DCT-scaled, its decode ended
# below the code, in any EXIF orientation (qrwhere: the code's box in the
# upright photograph). How many codes each pass gains, and what it
# costs, is measured in bench/photo.sh, not here.
. "$(dirname "$0")/../lib.sh"

DECODE=$BIN/decode
QRPHOTO=$TOOLS/qrphoto
ZBAR_ONLY=half,full,binhalf,bin,invhalf
URL12='https://verify.example.edu.cn/v?c=0012000000095028&e=20270226&n=100011201905000012&h=%E5%BC%A0%E4%BC%9F&k=1a2b3c4d&s=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABC'
URL='https://verify.example.edu.cn/v?c=0000000000000000&e=20270226&n=100011201905000000&h=%E5%BC%A0%E4%BC%9F&k=1a2b3c4d&s=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'

# name | text | qrphoto options (photographs of bench/photo.sh's set)
photos="
persp |$URL          |--class persp --seed 2121
v1low |http://q.cn/03|--class v1low --seed 18587
"
while IFS='|' read -r name text opts; do
	name=${name// /}
	text=${text%% *}
	[ -n "$name" ] || continue
	# shellcheck disable=SC2086 # opts is a word list by design
	"$QRPHOTO" -o "$TEST_TMP/$name.jpg" --text "$text" $opts
	out=$("$DECODE" --no-gate --passes "$ZBAR_ONLY" --jobs 1 --image \
		"$TEST_TMP/$name.jpg" 2>&1)
	expect_eq "$name: the zbar passes alone read nothing" "$out/$?" "/1"
	# the default cascade, in a limited worker (zxing-cpp under its limits)
	out=$("$DECODE" --no-gate --jobs 1 --image "$TEST_TMP/$name.jpg" 2>&1)
	expect_eq "$name: the whole cascade reads it (zxing pass)" "$out" "$text"
done <<<"$photos"

# motion blur: neither zbar nor zxing-cpp reads it; zbar does after
# Sauvola's binarisation
"$QRPHOTO" -o "$TEST_TMP/motion.jpg" --text "$URL12" --class motion --seed 15465
out=$("$DECODE" --no-gate --passes "$ZBAR_ONLY,zxing" --jobs 1 --image \
	"$TEST_TMP/motion.jpg" 2>&1)
expect_eq "motion: zbar and zxing read nothing" "$out/$?" "/1"
out=$("$DECODE" --no-gate --jobs 1 --image "$TEST_TMP/motion.jpg" 2>&1)
expect_eq "motion: the whole cascade reads it (sauvola pass)" "$out" "$URL12"

# a 4.3-MP JPEG: read at half size by DCT scaling, the full size never
# decoded
"$QRPHOTO" -o "$TEST_TMP/big.jpg" --class tilt --seed 4 --width 2400 \
	--height 1800 --size 700 --text "$URL"
out=$("$DECODE" --verbose --no-gate --jobs 1 --image "$TEST_TMP/big.jpg" \
	2>"$TEST_TMP/err")
expect_eq "4.3 MP photograph: read" "$out" "$URL"
check "4.3 MP photograph: read at 1/2 (DCT scaling)" \
	grep -q ', read at 1/2 (' "$TEST_TMP/err"
# a 12-MP phone photograph: read at 1/4 in the crop of the gate's region,
# without the pass over the whole scaled view
"$QRPHOTO" -o "$TEST_TMP/big12.jpg" --class tilt --seed 1 --width 4000 \
	--height 3000 --size 700 --text "$URL"
out=$("$DECODE" --verbose --no-gate --jobs 1 --image "$TEST_TMP/big12.jpg" \
	2>"$TEST_TMP/err")
expect_eq "12 MP photograph: read" "$out" "$URL"
check "12 MP photograph: read in the gate's region at 1/4, one pass" \
	grep -q ', 1 regions, 1 passes, read at 1/4 (' "$TEST_TMP/err"
# the code ends at three quarters of the frame: the rows below it are
# never decoded
check "12 MP photograph: the decode ends before the last row" \
	grep -Eq 'read at 1/4 \([1-9][0-9]?% of its rows decoded\)$' \
	"$TEST_TMP/err"
# the same photograph held sideways, upside down or mirrored (EXIF
# orientation: the rows arrive in the stored order, the code is read
# upright)
orients="1 3 6 8 2 7"
for o in $orients; do
	"$TOOLS/mkjpeg" -i "$TEST_TMP/big12.jpg" -o "$TEST_TMP/big12-$o.jpg" \
		--exif "$o" --quality 92
done
for o in 3 6 8; do
	out=$("$DECODE" --verbose --no-gate --jobs 1 --image \
		"$TEST_TMP/big12-$o.jpg" 2>"$TEST_TMP/err")
	expect_eq "12 MP photograph, EXIF orientation $o: read" "$out" "$URL"
	check "12 MP photograph, EXIF orientation $o: at 1/4, before the last row" \
		grep -Eq 'read at 1/4 \([1-9][0-9]?% of its rows decoded\)$' \
		"$TEST_TMP/err"
done
# where the code is: the box of the upright photograph whatever the
# stored orientation (within 4 scaled pixels: each file is encoded anew)
files=()
for o in $orients; do files+=("$TEST_TMP/big12-$o.jpg"); done
"$TOOLS/qrwhere" "${files[@]}" >"$TEST_TMP/where" 2>&1
for o in $orients; do
	check "12 MP photograph, EXIF orientation $o: the code's box as upright" \
		awk -v f="$TEST_TMP/big12-$o.jpg" '
		NR == 1 { up = $5 }     # orientation 1, stored upright
		$1 == f { got = $5 }
		END {
			if (split(up, a, ",") != 4 || split(got, b, ",") != 4)
				exit 1
			for (i = 1; i <= 4; i++)
				if (a[i] - b[i] > 16 || b[i] - a[i] > 16)
					exit 1
		}' "$TEST_TMP/where"
done
# a small photograph is read as it is
out=$("$DECODE" --verbose --no-gate --jobs 1 --image "$TEST_TMP/persp.jpg" \
	2>"$TEST_TMP/err")
check "1.9 MP photograph: read at full size" \
	grep -q ' [0-9]* passes$' "$TEST_TMP/err"
finish
