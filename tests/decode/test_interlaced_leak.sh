#!/usr/bin/env bash
# tests/decode/test_interlaced_leak.sh - corrupt interlaced PNGs cost
# nothing once refused: libpng longjmps out of png_read_image on a bad
# IDAT CRC, and whatever the reader had allocated for that image must be
# released with it. Fifteen 50x1,000,000 files (the row pointer array
# alone is 8 MB each) must leave decode's peak memory where one file
# leaves it, and the sanitizer build must report no leak.
. "$(dirname "$0")/../lib.sh"

DECODE=$BIN/decode
D=$TEST_TMP/interlaced
mkdir -p "$D"
"$TOOLS/mkpng" -o "$D/good.png" -w 50 -h 1000000 --interlace
# flip the CRC of the third IDAT chunk: the error comes mid-image
python3 - "$D/good.png" "$D/bad01.png" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], 'rb').read())
pos, seen = 8, 0
while True:
    length, kind = struct.unpack('>I4s', data[pos:pos + 8])
    if kind == b'IDAT':
        seen += 1
        if seen == 3:
            data[pos + 8 + length] ^= 0xFF
            break
    pos += 12 + length
open(sys.argv[2], 'wb').write(data)
PY
for i in $(seq -w 2 15); do cp "$D/bad01.png" "$D/bad$i.png"; done

# peak KiB of decode --jobs 1 over FILES; stderr kept in $TEST_TMP/err
peak() {
	/usr/bin/time -f '%M' -o "$TEST_TMP/peak" "$DECODE" --jobs 1 --image \
		"$@" >/dev/null 2>"$TEST_TMP/err"
	echo "$? $(tail -n 1 "$TEST_TMP/peak")"
}

read -r rc1 one < <(peak "$D/bad01.png")
expect_eq "one corrupt interlaced PNG: exit 65" "$rc1" 65
check "the reason names the CRC error" grep -q 'CRC error in IDAT' \
	"$TEST_TMP/err"
read -r rc15 fifteen < <(peak "$D"/bad*.png)
expect_eq "fifteen corrupt interlaced PNGs: exit 65" "$rc15" 65
if grep -q 'LeakSanitizer' "$TEST_TMP/err"; then
	not_ok "no leak reported" "$(grep -m 3 -A 3 'LeakSanitizer' "$TEST_TMP/err")"
else
	ok "no leak reported"
fi
# ASan keeps freed memory in quarantine: peak memory means nothing there
if [ -z "${CREDPIPE_SANITIZE:-}" ]; then
	if [ "$fifteen" -le $((one * 11 / 10)) ]; then
		ok "peak memory flat: $one KiB for 1 file, $fifteen KiB for 15"
	else
		not_ok "peak memory flat" "1 file: $one KiB, 15 files: $fifteen KiB (> 110%)"
	fi
fi
finish
