#!/usr/bin/env bash
# samples/demo.sh CREDPIPE - what `make demo` and `credpipe demo` run: the
# whole pipeline on these samples, driven through CREDPIPE (the credpipe
# command) as an operator would, in a new HOME under $CREDPIPE_DEMO_DIR
# (default ./var): init, the sample registry, the sample dossiers, one
# run; then the online report it issued to 张伟, printed and scanned at
# 150 dpi, comes back in a report-check dossier whose QR code must read,
# verify offline and match the registry.
#
# Environment: CREDPIPE_BIN, the programs (with tools/ beside them when
# installed); CREDPIPE_BUILD, where the page generators are otherwise.
# Exit status: the main run's; 70 when the samples cannot be set up.
set -u
credpipe=$1
samples=$(cd "$(dirname "$0")" && pwd)
say() { printf '%s credpipe: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
die() { say "error: $*"; exit 70; }

# a demo without its samples would do nothing and say it worked
[ -f "$samples/records.xml" ] && [ -f "$samples/build.sh" ] ||
	die "demo: no samples in $samples"
home=${CREDPIPE_DEMO_DIR:-$PWD/var}/demo-$(date +%Y%m%d-%H%M%S)
[ -e "$home" ] && home=$home-$$
"$credpipe" init --home "$home" >/dev/null || die "$home: cannot create"
echo "demo home: $home"
# --incomplete-after 0: the sample with a missing attachment is rejected
# now rather than after a day
opts=(--home "$home" --now 2026-11-28T09:00:00+08:00 --settle 0
	--incomplete-after 0)
"$credpipe" records "${opts[@]}" import "$samples/records.xml" ||
	die "demo: importing $samples/records.xml failed"
# installed, the page generators live beside the programs
if [ -z "${CREDPIPE_BUILD:-}" ] && [ -x "${CREDPIPE_BIN:-}/tools/mkpng" ]; then
	export CREDPIPE_BUILD=$CREDPIPE_BIN
fi
bash "$samples/build.sh" "$home/inbox" || die "demo: $samples/build.sh failed"
# The sender printed on courier labels and dispatch lists.
cat >>"$home/credpipe.conf" <<'CONF'

# the demo's sender
SENDER_NAME=学历认证中心 Credential Certification Office
SENDER_PHONE=01082330000
SENDER_ADDRESS=北京市海淀区学院路35号
SENDER_POSTCODE=100083
CONF
# The demo runs at a fixed --now; files made just now would lie in its
# future and count as still changing, so date them before it.
find "$home/inbox" -mindepth 1 -exec touch -h -d 2026-11-28T08:00:00+08:00 {} +
"$credpipe" run "${opts[@]}"
status=$?

report=$home/out/reports/A20261127000123.pdf
if [ "$status" -ne 0 ]; then
	:
elif [ ! -f "$report" ] || ! command -v pdftoppm >/dev/null; then
	say "warning: demo: no report to scan back (pdftoppm or $report missing)"
else
	folder=$home/roundtrip/check-zhang-wei-report
	mkdir -p -- "$folder"
	if pdftoppm -r 150 -gray -png -singlefile "$report" "$folder/report" 2>/dev/null; then
		sed -e 's/id="A20261127000129"/id="A20261128000001"/' \
			-e 's/received="[^"]*"/received="2026-11-28T08:30:00+08:00"/' \
			"$samples/dossiers/report-check-zhang-wei/dossier.xml" \
			>"$folder/dossier.xml"
		"$credpipe" drop --home "$home" "$folder"
		find "$home/inbox" -mindepth 1 -exec touch -h -d 2026-11-28T08:40:00+08:00 {} +
		echo
		echo "round trip: reports/A20261127000123.pdf scanned at 150 dpi," \
			"checked as dossier A20261128000001"
		"$credpipe" run "${opts[@]}"
		result=$home/out/results/A20261128000001.xml
		[ -f "$result" ] && grep -E '<result|<qr ' "$result" | sed 's/^ */  /'
	fi
fi
cat <<EOT

results:   $home/out/results/
reports:   $home/out/reports/
notices:   $home/out/notices/
manifests: $home/out/courier/
run record: $home/out/runs/
quarantine: $home/quarantine/
EOT
exit "$status"
