#!/usr/bin/env bash
# bench/typeset.sh - how fast typeset makes reports, and how big they are.
#
#   1. the PDF module alone: N online reports rendered in memory by one
#      thread (tests/tools/pdftool bench), with the HarfBuzz subset step
#      and without it (libharu embedding the whole font, N/10 reports);
#   2. the typeset stage: M verified online-report dossiers (made by
#      ingest | validate | decode | check) typeset with --jobs 1 and again
#      (a copy) with --jobs 2, each issuing a code in the registry and
#      committing its PDF; the stage renders on --jobs threads while
#      others commit, so its rate per worker approaches the module's.
# Targets (issue 5): <= 60 KB per report, >= 100 reports/s per worker.
# Wall-clock rates depend on what else the machine runs; the CPU rate
# (reports per CPU second of the one worker) does not.
#
# Environment: CREDPIPE_BIN, CREDPIPE_BUILD as for the tests;
# BENCH_REPORTS (N, default 500), BENCH_DOSSIERS (M, default 200).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${CREDPIPE_BIN:-$ROOT/bin}
TOOLS=${CREDPIPE_BUILD:-$ROOT/build/std}/tools
export CREDPIPE_SHARE=$ROOT
N=${BENCH_REPORTS:-500}
M=${BENCH_DOSSIERS:-200}
NOW=2026-11-28T10:00:00+08:00
WORK=$(mktemp -d "${TMPDIR:-/tmp}/credpipe-bench.XXXXXX")
trap '[ -n "${BENCH_KEEP:-}" ] || rm -rf "$WORK"' EXIT

# row LABEL OUTPUT - one table row from pdftool bench's output
row() {
	awk -v label="$1" '{
		printf "%-28s %7d %9.1f %9.1f %10.1f\n", label, $2, $6,
		    $10, $12 / 1024 }' <<<"$2"
}

printf '%-28s %7s %9s %9s %10s\n' "PDF module (one thread)" reports \
	"rep/s" "rep/cpu-s" "KB/report"
with=$("$TOOLS/pdftool" bench "$N") || exit 1
row "with HarfBuzz subset" "$with"
without=$("$TOOLS/pdftool" --no-subset bench $((N / 10 > 0 ? N / 10 : 1))) ||
	exit 1
row "libharu alone (no subset)" "$without"

# --- the stage: M dossiers through typeset --jobs 1 ---------------------
H=$WORK/home
"$BIN/control" init --home "$H" >/dev/null || exit 1
cat >"$WORK/records.xml" <<'EOF'
<records xmlns="urn:credpipe:records:1">
  <institution code="10001" name="北京大学"/>
  <credential certificate-number="100011201905000123" status="valid"
              source="registry">
    <holder name="张伟" id-number="110108199703150316"/>
    <institution code="10001"/>
    <level>undergraduate</level>
    <major>计算机科学与技术</major>
    <study-form>full-time</study-form>
    <entry-date>2015-09-01</entry-date>
    <graduation-date>2019-07-01</graduation-date>
  </credential>
</records>
EOF
"$BIN/records" --home "$H" import "$WORK/records.xml" >/dev/null || exit 1
"$TOOLS/mkpng" -o "$WORK/id.png" --text id || exit 1
for i in $(seq 1 "$M"); do
	d=$H/inbox/$i
	mkdir -p "$d"
	cp "$WORK/id.png" "$d/id.png"
	cat >"$d/dossier.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<dossier xmlns="urn:credpipe:dossier:1" id="$(printf 'A2026%010d' "$i")"
  received="2026-11-27T21:14:00+08:00"><kind>online-report</kind>
<applicant><name>张伟</name><id-number>110108199703150316</id-number>
<gender>male</gender><birth-date>1997-03-15</birth-date>
<phone>13800138000</phone></applicant>
<credential><level>undergraduate</level>
<institution code="10001">北京大学</institution><major>计算机科学与技术</major>
<entry-date>2015-09-01</entry-date><graduation-date>2019-07-01</graduation-date>
<certificate-number>100011201905000123</certificate-number></credential>
<request><validity-days>90</validity-days></request>
<attachments><attachment kind="id-card" file="id.png"/></attachments>
</dossier>
EOF
	touch "$d/READY"
done
"$BIN/ingest" --home "$H" --now "$NOW" |
	"$BIN/validate" --home "$H" --now "$NOW" |
	"$BIN/decode" --home "$H" --now "$NOW" |
	"$BIN/check" --home "$H" --now "$NOW" >"$WORK/ids" || exit 1
cp -a "$H" "$WORK/home2"
printf '\n%-28s %7s %9s %10s\n' "typeset stage (all of it)" reports "rep/s" \
	"KB/report"
# stage JOBS HOME - time typeset --jobs JOBS over the checked dossiers
stage() {
	local start end made bytes
	start=$(date +%s.%N)
	"$BIN/typeset" --home "$2" --now "$NOW" --jobs "$1" <"$WORK/ids" \
		>/dev/null || exit 1
	end=$(date +%s.%N)
	made=$(find "$2/out/reports" -name '*.pdf' | wc -l)
	bytes=$(find "$2/out/reports" -name '*.pdf' -printf '%s\n' |
		awk '{ s += $1 } END { print (NR ? s / NR : 0) }')
	awk -v n="$made" -v s="$start" -v e="$end" -v b="$bytes" \
	    -v label="  --jobs $1" 'BEGIN {
		printf "%-28s %7d %9.1f %10.1f\n", label, n, n / (e - s),
		    b / 1024 }'
}
stage 1 "$H"
stage 2 "$WORK/home2"
