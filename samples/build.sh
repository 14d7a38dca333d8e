#!/usr/bin/env bash
# samples/build.sh OUTDIR - the sample dossiers, ready to drop in an inbox.
#
# Copies each samples/dossiers/<name>/dossier.xml into OUTDIR/<name>/ and
# generates the PNG attachments its dossier names (no binary file is kept
# in the repository):
#   - for a file F with a samples/dossiers/<name>/qr-F.txt beside the
#     dossier: a scanned A4 page carrying a QR code of that text, made by
#     $CREDPIPE_BUILD/tools/qrpage (falls back to a plain page without it);
#   - else a plain page from $CREDPIPE_BUILD/tools/mkpng, sized by kind
#     (an id card, a passport photo, an A4 page at 75 dpi).
# Files listed in samples/dossiers/<name>/NOGEN are left out on purpose
# (the missing-attachment sample).
#
# Environment: CREDPIPE_BUILD (default build/std) holds tools/mkpng, built
# by `make tools`. OUTDIR must not hold the samples already.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${CREDPIPE_BUILD:-$root/build/std}
case $build in /*) ;; *) build=$root/$build ;; esac
mkpng=$build/tools/mkpng
qrpage=$build/tools/qrpage

if [ $# -ne 1 ]; then
	echo "usage: samples/build.sh OUTDIR" >&2
	exit 64
fi
out=$1
if [ ! -x "$mkpng" ]; then
	echo "samples/build.sh: $mkpng: not built (make tools)" >&2
	exit 69
fi
mkdir -p "$out"

# page KIND FILE LABEL - a plain page of the size a scan of KIND has
page() {
	case $1 in
	id-card | agent-id-card) "$mkpng" -o "$2" -w 428 -h 270 --color rgb --text "$3" ;;
	photo) "$mkpng" -o "$2" -w 120 -h 160 --color rgb --text "$3" ;;
	*) "$mkpng" -o "$2" -w 620 -h 877 --text "$3" ;;
	esac
}

count=0
for src in "$here"/dossiers/*/; do
	src=${src%/}
	name=$(basename "$src")
	dest=$out/$name
	if [ -e "$dest" ]; then
		echo "samples/build.sh: $dest exists" >&2
		exit 73
	fi
	mkdir -p "$dest"
	cp "$src/dossier.xml" "$dest/dossier.xml"
	# one "kind file" pair per attachment element
	sed -n 's/.*<attachment kind="\([^"]*\)" file="\([^"]*\)".*/\1 \2/p' "$src/dossier.xml" |
		while read -r kind file; do
			if [ -f "$src/NOGEN" ] && grep -qxF "$file" "$src/NOGEN"; then
				continue
			fi
			if [ -f "$src/qr-$file.txt" ] && [ -x "$qrpage" ]; then
				"$qrpage" -o "$dest/$file" --dpi 150 --text "$(cat "$src/qr-$file.txt")"
			else
				page "$kind" "$dest/$file" "$name/$file"
			fi
		done
	count=$((count + 1))
done
echo "samples/build.sh: $count dossiers in $out"
