#!/usr/bin/env bash
# tests/decode/test_decode.sh - decode --image on generated pages and broken
# files, and decode as a stage on a spool dossier.
. "$(dirname "$0")/../lib.sh"

DECODE=$BIN/decode
QRPAGE=$TOOLS/qrpage
URL='https://verify.example.edu.cn/v?c=7KQ2M9X4T1HC8D5R&e=20270226&n=100011201905000123&h=%E5%BC%A0%E4%BC%9F&k=1a2b3c4d&s=3q2-7wAbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN'
ZH='张伟 北京大学 计算机科学与技术'

# --- 1. exact text from generated pages ---------------------------------
# name | qrpage options (the text is added: URL unless the name says zh)
pages="
clean-150dpi            |--dpi 150
clean-200dpi            |--dpi 200 --pos tl
clean-300dpi            |--dpi 300 --pos br
rotated-10deg           |--dpi 200 --rotate 10
rotated-minus-6deg      |--dpi 150 --rotate -6 --pos bl
blurred                 |--dpi 200 --blur 2
noisy                   |--dpi 200 --noise 20
uneven-light            |--dpi 200 --light --pos bl
low-contrast            |--dpi 200 --contrast 0.3
jpeg-artifacts          |--dpi 200 --jpeg-ish --blur 1
module-2px              |--dpi 300 --module 2
module-3px              |--dpi 200 --module 3 --pos center
module-8px              |--dpi 200 --module 8
inverted                |--dpi 200 --invert --noise 5
zh-utf8-payload         |--dpi 200 --rotate 4
zh-utf8-blurred-noisy   |--dpi 200 --blur 1 --noise 12 --light
mixed-phone-photo       |--dpi 200 --rotate 7 --blur 1 --noise 12 --light --contrast 0.6
"
if [ -n "${CREDPIPE_SANITIZE:-}" ]; then
	# ASan is slow: a representative third of the pages
	pages=$(grep -E '^(clean-150|rotated-10|low-contrast|module-2|inverted|zh-utf8-payload)' <<<"$pages")
fi
while IFS='|' read -r name opts; do
	name=${name// /}
	[ -n "$name" ] || continue
	text=$URL
	[[ $name == zh-* ]] && text=$ZH
	# shellcheck disable=SC2086 # opts is a word list by design
	"$QRPAGE" -o "$TEST_TMP/$name.png" --text "$text" --seed 7 $opts
	got=$("$DECODE" --jobs 1 --image "$TEST_TMP/$name.png" 2>&1)
	expect_eq "decodes $name" "$got" "$text"
done <<<"$pages"

"$QRPAGE" -o "$TEST_TMP/blank.png" --dpi 150 --noise 8 --seed 3
got=$("$DECODE" --image "$TEST_TMP/blank.png" 2>&1)
expect_eq "a page without QR prints nothing and exits 1" "$got/$?" "/1"

# several files: codes in file order, exit 1 when one has none
got=$("$DECODE" --jobs 2 --image "$TEST_TMP/zh-utf8-payload.png" \
	"$TEST_TMP/blank.png" "$TEST_TMP/clean-150dpi.png" 2>&1)
expect_eq "several files: codes in file order, exit 1" "$got/$?" \
	"$ZH"$'\n'"$URL/1"

# bytes that are not printable UTF-8 are escaped, and so is a backslash
"$QRPAGE" -o "$TEST_TMP/bytes.png" --dpi 150 --text $'a\\b\tc\x01' --seed 2
got=$("$DECODE" --image "$TEST_TMP/bytes.png")
expect_eq "control bytes as \\xHH, backslash as \\\\" "$got" 'a\\b\x09c\x01'

# --- 2. broken inputs: a reason, exit 65, no crash ------------------------
B=$TEST_TMP/broken
mkdir -p "$B"
cp "$TEST_TMP/blank.png" "$B/ok.png"
head -c 3000 "$B/ok.png" >"$B/truncated.png"
# flip a byte of the first IDAT chunk's CRC: the data itself is intact
python3 - "$B/ok.png" "$B/crc.png" "$B/huge.png" <<'PY'
import struct, sys, zlib
data = bytearray(open(sys.argv[1], 'rb').read())
pos = 8
while True:
    length, kind = struct.unpack('>I4s', data[pos:pos + 8])
    if kind == b'IDAT':
        data[pos + 8 + length] ^= 0xFF
        break
    pos += 12 + length
open(sys.argv[2], 'wb').write(data)
def chunk(kind, body):
    return (struct.pack('>I', len(body)) + kind + body +
            struct.pack('>I', zlib.crc32(kind + body)))
ihdr = struct.pack('>IIBBBBB', 100000, 100000, 8, 0, 0, 0, 0)
open(sys.argv[3], 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) +
    chunk(b'IDAT', zlib.compress(b'\0' * 1000)) + chunk(b'IEND', b''))
PY
printf '\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01' >"$B/photo.png"
: >"$B/empty.png"
ln -s ok.png "$B/link.png"
while IFS='|' read -r file reason; do
	file=${file// /}
	[ -n "$file" ] || continue
	err=$("$DECODE" --image "$B/$file" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" -eq 65 ] && grep -qF "$reason" <<<"$err"; then
		ok "broken $file: exit 65, says \"$reason\""
	else
		not_ok "broken $file: exit 65, says \"$reason\"" "exit $rc: $err"
	fi
done <<'EOF2'
truncated.png | truncated PNG data
crc.png       | CRC error in IDAT
huge.png      | declares 100000×100000 pixels, more than 50 megapixels
photo.png     | truncated JPEG data (the file ends in its header)
empty.png     | empty file (0 bytes)
link.png      | symbolic link
EOF2

# --- 3. the stage on a spool dossier ---------------------------------------
new_home
ID=A20261127000123
S=$H/spool/$ID
mkdir -p "$S/files"
cat >"$S/files/dossier.xml" <<EOF2
<?xml version="1.0" encoding="UTF-8"?>
<dossier xmlns="urn:credpipe:dossier:1" id="$ID" received="2026-11-27T21:14:00+08:00">
  <kind>report-check</kind>
  <applicant><name>张伟</name><id-number>110108199703150316</id-number>
    <gender>male</gender><birth-date>1997-03-15</birth-date>
    <phone>13800138000</phone></applicant>
  <attachments>
    <attachment kind="verification-report" file="report.png"/>
    <attachment kind="id-card" file="id.png"/>
    <attachment kind="other" file="broken.png"/>
  </attachments>
</dossier>
EOF2
"$QRPAGE" -o "$S/files/report.png" --dpi 150 --text "$URL" --pos tr --seed 5
cp "$TEST_TMP/blank.png" "$S/files/id.png"
cp "$B/truncated.png" "$S/files/broken.png"
cat >"$S/validate.xml" <<EOF2
<?xml version="1.0" encoding="UTF-8"?>
<result xmlns="urn:credpipe:result:1" id="$ID" kind="report-check" outcome="pending"/>
EOF2
out=$(echo "$ID" | "$DECODE" --home "$H" --now 2026-11-28T10:00:00+08:00 2>"$TEST_TMP/err")
expect_eq "stage passes the id on" "$out/$?" "$ID/0"
hex=$(printf '%s' "$URL" | od -v -An -tx1 | tr -d ' \n')
check "decode.xml: the report's code, bytes exact, found in the top band" \
	grep -q "pass=\"top\" hex=\"$hex\"" "$S/decode.xml"
check "decode.xml: the id card is unreadable" \
	grep -q 'file="id.png" kind="id-card" status="unreadable"' "$S/decode.xml"
check "decode.xml: the broken image is an error with its reason" \
	grep -A1 'file="broken.png" kind="other" status="error"' "$S/decode.xml"
check "decode.xml: ... and the message says truncated" \
	grep -q '<message>truncated PNG data</message>' "$S/decode.xml"
cp -p "$S/decode.xml" "$TEST_TMP/first.xml"
out=$(echo "$ID" | "$DECODE" --home "$H" 2>&1)
expect_eq "rerun passes the id on" "$out" "$ID"
check "rerun leaves decode.xml unchanged" \
	test "$S/decode.xml" -ot "$TEST_TMP/first.xml" -o \
	"$(stat -c %Y%s "$S/decode.xml")" = "$(stat -c %Y%s "$TEST_TMP/first.xml")"
check "rerun: same bytes" cmp "$S/decode.xml" "$TEST_TMP/first.xml"

# a rejected dossier and an unknown id are passed on untouched
R=A20261127000999
mkdir -p "$H/spool/$R/files"
cp "$S/files/dossier.xml" "$H/spool/$R/files/"
printf '<result xmlns="urn:credpipe:result:1" id="%s" outcome="rejected"/>\n' \
	"$R" >"$H/spool/$R/validate.xml"
out=$(printf '%s\nB0000000000001\n%s\n' "$R" "$ID" | "$DECODE" --home "$H" \
	--jobs 2 2>/dev/null)
expect_eq "rejected and unknown ids pass on, in input order" "$out" \
	"$R"$'\n'"B0000000000001"$'\n'"$ID"
check "no decode.xml for a rejected dossier" test ! -e "$H/spool/$R/decode.xml"

finish
