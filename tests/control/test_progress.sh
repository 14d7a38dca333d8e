#!/usr/bin/env bash
# test_progress.sh - SPEC §1: on a terminal, a run shows its progress as
# n/total (the dossiers out of the chain, of all it has taken), and the
# last count stays on the screen; off a
# terminal (cron, a pipe) it shows nothing. The terminal is a pty made by
# script(1).
. "$(dirname "$0")/../lib.sh"
P=$ROOT/pipeline.sh
export CREDPIPE_BIN=$BIN
NOW=2026-11-28T09:00:00+08:00
N=24

new_home
CREDPIPE_BUILD=$BUILD bash "$ROOT/samples/build.sh" "$TEST_TMP/s" >/dev/null
"$P" records --home "$H" import "$ROOT/samples/records.xml" >/dev/null 2>&1
# N dossiers of one sample under N ids: enough work to outlast a redraw
for i in $(seq 1 "$N"); do
	id=$(printf 'A2026112701%04d' "$i")
	mkdir "$H/inbox/d$i"
	cp "$TEST_TMP/s/online-zhang-wei/"*.png "$H/inbox/d$i/"
	sed "s/id=\"A20261127000123\"/id=\"$id\"/" \
		"$TEST_TMP/s/online-zhang-wei/dossier.xml" >"$H/inbox/d$i/dossier.xml"
	: >"$H/inbox/d$i/READY"
done
cmd=$(printf '%q ' "$P" run --home "$H" --now "$NOW")
script -qec "$cmd" /dev/null >"$TEST_TMP/tty" 2>&1
expect_eq "the run on a terminal exits 0" "$?" 0
tr '\r' '\n' <"$TEST_TMP/tty" |
	sed -n 's/.*credpipe: \([0-9]*\)\/\([0-9]*\) dossiers through the chain.*/\1 \2/p' \
	>"$TEST_TMP/progress"
check "progress is shown as n/total" test -s "$TEST_TMP/progress"
# How far ingest has got at each redraw depends on the machine's load:
# the total grows as folders are claimed, up to the run's N; the last
# count, drawn once the chain has ended, is every dossier of the run
expect_eq "... the last count is $N/$N" "$(tail -n 1 "$TEST_TMP/progress")" "$N $N"
expect_eq "... n never above the total" \
	"$(awk '$1 > $2' "$TEST_TMP/progress")" ""
expect_eq "... and the total never above $N" \
	"$(awk -v n="$N" '$2 > n' "$TEST_TMP/progress")" ""
check "every dossier was decided" \
	test "$(find "$H/out/results" -name '*.xml' | wc -l)" -eq "$N"
"$P" run --home "$H" --now "$NOW" >/dev/null 2>"$TEST_TMP/err"
check "off a terminal no progress is shown" \
	test "$(grep -c 'through the chain' "$TEST_TMP/err")" = 0
finish
