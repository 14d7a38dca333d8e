#!/usr/bin/env bash
# tests/decode/test_gate.sh - the finder-pattern gate: on a page of every
# class qrpage makes (the bench's classes: clean, rotated, blurred, noisy,
# uneven light, low contrast, JPEG-like, inverted, small modules, mixed)
# the gated decode finds the same code as the whole cascade (--no-gate),
# and pages without a code skip the cascade (0 passes) or run it only
# around what looked like finder patterns. What the gate costs and saves
# is measured in bench/night.sh, not here.
. "$(dirname "$0")/../lib.sh"

DECODE=$BIN/decode
QRPAGE=$TOOLS/qrpage
URL='https://verify.example.edu.cn/v?c=7KQ2M9X4T1HC8D5R&e=20270226&n=100011201905000123&h=%E5%BC%A0%E4%BC%9F&k=1a2b3c4d&s=3q2-7wAbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN'
ZH='张伟 北京大学 计算机科学与技术 证书 0003000000023757'

# name | qrpage options (as bench/decode.sh makes each class)
pages="
clean       |--dpi 200 --pos tr
rotate      |--dpi 200 --pos tl --rotate 9
blur        |--dpi 200 --pos bl --blur 2
noise       |--dpi 200 --pos br --noise 25
light       |--dpi 200 --pos bl --light --noise 4
contrast    |--dpi 200 --pos tr --contrast 0.3 --noise 3
jpeg        |--dpi 200 --pos center --jpeg-ish --blur 1
invert      |--dpi 200 --pos tr --invert --noise 5
small       |--dpi 200 --pos tl --module 2 --noise 3
small3      |--dpi 200 --pos br --module 3 --noise 3
mixed       |--dpi 200 --pos tl --rotate 7 --blur 1 --noise 12 --light --contrast 0.6
zh-300dpi   |--dpi 300 --pos tr --rotate 4
idcard-code |--dpi 200 --pos br --kind idcard --paper --noise 6
"
if [ -n "${CREDPIPE_SANITIZE:-}" ]; then
	pages=$(grep -E '^(clean|rotate|invert|small |mixed)' <<<"$pages")
fi
while IFS='|' read -r name opts; do
	name=${name// /}
	[ -n "$name" ] || continue
	text=$URL
	[[ $name == zh-* ]] && text=$ZH
	# shellcheck disable=SC2086 # opts is a word list by design
	"$QRPAGE" -o "$TEST_TMP/$name.png" --text "$text" --seed 11 $opts
	whole=$("$DECODE" --no-gate --jobs 1 --image "$TEST_TMP/$name.png" 2>&1)
	gated=$("$DECODE" --jobs 1 --image "$TEST_TMP/$name.png" 2>&1)
	expect_eq "$name: the whole cascade reads it" "$whole" "$text"
	expect_eq "$name: the gated decode reads the same" "$gated" "$whole"
done <<<"$pages"

# pages without a code: nothing printed, exit 1; a text page runs no
# pass at all; on ID cards, diplomas and photos a seal, a guilloche or a
# photograph can look like three finder patterns, and then the cascade
# runs on the regions around them, never on the whole page
for kind in text idcard diploma photo; do
	"$QRPAGE" -o "$TEST_TMP/none-$kind.png" --kind "$kind" --paper \
		--noise 8 --seed 5
	out=$("$DECODE" --verbose --jobs 1 --image "$TEST_TMP/none-$kind.png" \
		2>"$TEST_TMP/err")
	expect_eq "no code ($kind): nothing printed, exit 1" "$out/$?" "/1"
	if [ "$kind" = text ]; then
		check "no code (text): the cascade is skipped" \
			grep -q ' 0 regions, 0 passes$' "$TEST_TMP/err"
	elif grep -q ' 0 passes$' "$TEST_TMP/err" ||
		grep -Eq ' [1-9][0-9]* regions, [0-9]+ passes$' "$TEST_TMP/err"; then
		ok "no code ($kind): no pass over the whole page"
	else
		not_ok "no code ($kind): no pass over the whole page" \
			"$(cat "$TEST_TMP/err")"
	fi
done
# --no-gate runs the cascade anyway (what a verification report gets)
"$DECODE" --verbose --no-gate --jobs 1 --image "$TEST_TMP/none-text.png" \
	>/dev/null 2>"$TEST_TMP/err"
check "--no-gate runs all eight passes on a page without code" \
	grep -q ' 8 passes$' "$TEST_TMP/err"
finish
