#!/usr/bin/env bash
# tests/decode/test_chunk_length.sh - a PNG whose text chunk declares a
# huge length is not allocated at that length: libpng's chunk size limit is
# only a warning on read, so the reader skips the chunks it never uses.
# (Found by tests/fuzz/fuzz_png: a 200-byte file made decode touch 1.7 GB.)
. "$(dirname "$0")/../lib.sh"

png=$TEST_TMP/huge-text.png
# signature + IHDR (48x64 gray), then a tEXt chunk declaring 0x66000000
# bytes (1.7 GB) of which 10 follow
"$TOOLS/mkpng" -o "$TEST_TMP/header.png" -w 48 -h 64 --header-only
head -c 33 "$TEST_TMP/header.png" >"$png"     # without its IEND
printf '\x66\x00\x00\x00tEXtTitle\x00page' >>"$png"

/usr/bin/time -f '%M' -o "$TEST_TMP/rss" "$BIN/decode" --image "$png" \
	>"$TEST_TMP/out" 2>"$TEST_TMP/err"
rc=$?
rss_kb=$(tail -n 1 "$TEST_TMP/rss")
expect_eq "decode --image on a 1.7 GB tEXt declaration exits 65" "$rc" 65
if grep -q 'truncated PNG data' "$TEST_TMP/err"; then
	ok "it is reported as truncated"
else
	not_ok "it is reported as truncated" "$(cat "$TEST_TMP/err")"
fi
# ASan's shadow memory counts in the sanitizer build; 1.7 GB does not fit
# under 300 MB in either
if [ "$rss_kb" -lt 300000 ]; then
	ok "decode's peak RSS stays small ($rss_kb KB)"
else
	not_ok "decode's peak RSS stays small" "peak RSS $rss_kb KB"
fi
finish
