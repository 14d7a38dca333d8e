#!/usr/bin/env bash
# test_jpeg.sh - JPEG attachments through the whole chain (SPEC §3): the
# report issued by a first run, scanned at 150 dpi and saved as the JPEGs
# cameras and scanners write (baseline, progressive, CMYK, gray, turned
# by an EXIF tag, quality 60), and photographed with a phone (qrphoto: the
# printed page tilted in perspective on a table, JPEG quality 60), handed
# back in report-check dossiers: every one verified with
# <qr status="valid">. A truncated JPEG is
# rejected as bad-attachment with a sentence; the format is told by the
# content, so a JPEG named .png and a PNG named .jpg both verify, and the
# sha256 a dossier gives is the digest of the bytes uploaded.
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/e2e/helpers.sh
. "$(dirname "$0")/../e2e/helpers.sh"

MKJPEG=$TOOLS/mkjpeg
new_home
"$BIN/records" --home "$H" import "$ROOT/samples/records.xml" >/dev/null 2>&1
CREDPIPE_BUILD=$BUILD bash "$ROOT/samples/build.sh" "$TEST_TMP/samples" >/dev/null

# --- 1. the first run issues 张伟's online report -----------------------------
"$P" drop --home "$H" "$TEST_TMP/samples/online-zhang-wei" >/dev/null
touch "$H/inbox/online-zhang-wei/READY"
run_pipeline issue
expect_eq "the first run verifies online-zhang-wei" "$(outcome_of A20261127000123)" verified
code=$(rattr A20261127000123 '//*[local-name()="report"]/@code')
pdftoppm -r 150 -png -singlefile "$H/out/reports/A20261127000123.pdf" "$TEST_TMP/scan" 2>/dev/null
check "pdftoppm renders the report at 150 dpi" test -s "$TEST_TMP/scan.png"
pdftoppm -r 200 -png -singlefile "$H/out/reports/A20261127000123.pdf" "$TEST_TMP/print" 2>/dev/null

# --- 2. one dossier per JPEG --------------------------------------------------
# id | file name | mkjpeg options ("-": the PNG scan itself; "photo": a
# phone's photograph of the page printed at 200 dpi, 1800x2400, read
# DCT-scaled)
cases="
A20261128000301 | report.jpg | --quality 85
A20261128000302 | report.jpg | --progressive
A20261128000303 | report.jpg | --color cmyk
A20261128000304 | report.jpg | --color ycck --progressive
A20261128000305 | report.jpg | --color gray --quality 60
A20261128000306 | report.jpg | --exif 6
A20261128000307 | report.jpg | --exif 3
A20261128000308 | report.jpg | --exif 8 --quality 60
A20261128000309 | report.png | --quality 75
A20261128000310 | report.jpg | -
A20261128000311 | report.jpg | --quality 80
A20261128000312 | photo.jpg  | photo
"
ids=()
while IFS='|' read -r id file opts; do
	id=${id// /}
	[ -n "$id" ] || continue
	file=${file// /}
	opts=${opts# }
	ids+=("$id")
	mkdir -p "$TEST_TMP/drop/$id"
	if [ "$opts" = - ]; then
		cp "$TEST_TMP/scan.png" "$TEST_TMP/drop/$id/$file"
	elif [ "$opts" = photo ]; then
		"$TOOLS/qrphoto" -i "$TEST_TMP/print.png" -o "$TEST_TMP/drop/$id/$file" \
			--class tilt --quality 60 --seed 2 --width 1800 --height 2400 ||
			not_ok "$id: qrphoto"
	else
		# shellcheck disable=SC2086 # opts is a word list by design
		"$MKJPEG" -i "$TEST_TMP/scan.png" -o "$TEST_TMP/drop/$id/$file" $opts ||
			not_ok "$id: mkjpeg $opts"
	fi
	if [ "$id" = A20261128000311 ]; then
		# cut 4 KiB short, as an interrupted upload leaves it
		f=$TEST_TMP/drop/$id/$file
		head -c $(($(wc -c <"$f") - 4096)) "$f" >"$f.cut" && mv "$f.cut" "$f"
	fi
	sum=
	if [ "$id" = A20261128000302 ]; then
		sum=$(sha256sum "$TEST_TMP/drop/$id/$file" | cut -d' ' -f1)
	fi
	report_check "$id" "$file" "$sum"
done <<<"$cases"
expect_eq "twelve dossiers dropped" "${#ids[@]}" 12
NOW=2026-11-28T12:00:00+08:00 run_pipeline check
expect_eq "the check run exits 0" "$STATUS" 0

# judged ID - outcome, reasons and the <qr> of ID, on one line
judged() {
	printf '%s %s | qr %s %s' "$(outcome_of "$1")" "$(reasons_of "$1")" \
		"$(rattr "$1" '//*[local-name()="qr"]/@status')" \
		"$(rattr "$1" '//*[local-name()="qr"]/@code')"
}
while read -r id what; do
	expect_eq "$what: verified, qr valid" "$(judged "$id")" "verified  | qr valid $code"
done <<'EOF'
A20261128000301 baseline JPEG (quality 85)
A20261128000302 progressive JPEG, with the sha256 of the uploaded bytes
A20261128000303 Adobe CMYK JPEG
A20261128000304 progressive YCCK JPEG
A20261128000305 grayscale JPEG at quality 60
A20261128000306 JPEG turned 90 degrees with EXIF orientation 6
A20261128000307 JPEG turned 180 degrees with EXIF orientation 3
A20261128000308 JPEG turned 270 degrees with EXIF orientation 8, quality 60
A20261128000309 a JPEG named report.png
A20261128000310 a PNG named report.jpg
A20261128000312 a phone photograph of the printed report (perspective, JPEG quality 60)
EOF
expect_eq "a truncated JPEG: rejected, bad-attachment" \
	"$(outcome_of A20261128000311) $(reasons_of A20261128000311)" "rejected bad-attachment"
check "... with a sentence naming the file and the truncation" \
	grep -q 'report.jpg is not a usable image: truncated JPEG data' "$(res A20261128000311)"
results_valid
finish
