#!/usr/bin/env bash
# tests/decode/test_rect.sh - the rect and upbox passes (qrrect.c) on
# phone photographs of bench/photo.sh's set (qrphoto, same seeds): each
# photograph here is one the cascade before rect (zbar, zxing-cpp,
# Sauvola) cannot read, and that the default cascade, rect last, reads
# in its 8th pass. What the passes gain over the whole set, and what
# they cost, is measured in bench/photo.sh, not here.
. "$(dirname "$0")/../lib.sh"

DECODE=$BIN/decode
QRPHOTO=$TOOLS/qrphoto
BEFORE=half,full,binhalf,bin,invhalf,zxing,sauvola
URL8='https://verify.example.edu.cn/v?c=0008000000063352&e=20270226&n=100011201905000008&h=%E5%BC%A0%E4%BC%9F&k=1a2b3c4d&s=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAI'

# name | text | qrphoto options
photos="
v1low   |http://q.cn/09 |--class v1low --seed 19199
light   |$URL8          |--class light --seed 11017
damaged |https://www.example.org/items/0009000000071271?ref=photo9|--class damaged --seed 21219
"
while IFS='|' read -r name text opts; do
	name=${name// /}
	text=${text%% *}
	[ -n "$name" ] || continue
	# shellcheck disable=SC2086 # opts is a word list by design
	"$QRPHOTO" -o "$TEST_TMP/$name.jpg" --text "$text" $opts
	out=$("$DECODE" --no-gate --passes "$BEFORE" --jobs 1 --image \
		"$TEST_TMP/$name.jpg" 2>&1)
	expect_eq "$name: the cascade before rect reads nothing" "$out/$?" "/1"
	out=$("$DECODE" --verbose --no-gate --jobs 1 --image \
		"$TEST_TMP/$name.jpg" 2>"$TEST_TMP/err")
	expect_eq "$name: the default cascade reads it" "$out" "$text"
	check "$name: in its 8th pass, rect" \
		grep -q ' 8 passes$' "$TEST_TMP/err"
done <<<"$photos"

# a version-1 code of 2-3 pixel modules: its region enlarged x3 is read
"$QRPHOTO" -o "$TEST_TMP/small.jpg" --text http://q.cn/01 --class v1low \
	--seed 18383
out=$("$DECODE" --no-gate --passes "$BEFORE" --jobs 1 --image \
	"$TEST_TMP/small.jpg" 2>&1)
expect_eq "small: the cascade before rect reads nothing" "$out/$?" "/1"
out=$("$DECODE" --no-gate --passes upbox --jobs 1 --image \
	"$TEST_TMP/small.jpg" 2>&1)
expect_eq "small: upbox reads it" "$out" "http://q.cn/01"

finish
