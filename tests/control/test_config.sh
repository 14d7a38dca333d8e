#!/usr/bin/env bash
# test_config.sh - the configuration as an operator meets it: --print-config
# as KEY=value lines, unknown keys and unreadable fonts are 78 under the
# name the operator typed, and each run keeps its own run record.
. "$(dirname "$0")/../lib.sh"
P=$ROOT/pipeline.sh
export CREDPIPE_BIN=$BIN
NOW=2026-11-28T09:00:00+08:00

new_home
printf 'SETTLE=5\nSENDER_NAME=学历认证中心\n' >>"$H/credpipe.conf"
out=$(CREDPIPE_JOBS=3 "$BIN/control" --print-config --home "$H" --batch-size 9)
expect_eq "--print-config exits 0" "$?" 0
check "--print-config prints no NUL" test "$(printf '%s' "$out" | tr -d '\000' | wc -c)" = "$(printf '%s' "$out" | wc -c)"
bad=$(printf '%s\n' "$out" | grep -cv '^[A-Z_]*=')
expect_eq "every line is KEY=value" "$bad" 0
check "the file's SETTLE" grep -qx 'SETTLE=5' <<<"$out"
check "the environment's JOBS" grep -qx 'JOBS=3' <<<"$out"
check "the command line's BATCH_SIZE" grep -qx 'BATCH_SIZE=9' <<<"$out"
check "UTF-8 values as they are" grep -qx 'SENDER_NAME=学历认证中心' <<<"$out"
check "DEADLINE_DAYS defaults to 7" grep -qx 'DEADLINE_DAYS=7' <<<"$out"

# --- unknown keys: 78, naming the key and the nearest known one ------------------
for pair in SETLE:SETTLE SENDER_NAM:SENDER_NAME batchsize:BATCH_SIZE; do
	key=${pair%%:*} near=${pair#*:}
	new_home
	echo "$key=0" >>"$H/credpipe.conf"
	err=$("$P" run --home "$H" --now "$NOW" 2>&1 >/dev/null)
	expect_eq "unknown key $key: run exits 78" "$?" 78
	case $err in
	*" credpipe: warning: $H/credpipe.conf:"*"unknown key ${key^^} (did you mean $near?)")
		ok "unknown key $key: named, with $near, by credpipe" ;;
	*) not_ok "unknown key $key: named, with $near, by credpipe" "$err" ;;
	esac
	check "unknown key $key: no run record" test -z "$(ls -A "$H/out/runs")"
done
new_home
echo "GROUP=" >>"$H/credpipe.conf"
echo "DEADLINE_DAYS=3" >>"$H/credpipe.conf"
echo "LOG=stderr" >>"$H/credpipe.conf"
"$P" run --home "$H" --now "$NOW" --quiet >/dev/null 2>&1
expect_eq "the keys beyond the options are known (GROUP, LOG, DEADLINE_DAYS)" "$?" 0

# --- a font that cannot be read is a configuration error ------------------------
new_home
err=$("$P" run --home "$H" --now "$NOW" --font /nonexistent/font.ttf 2>&1 >/dev/null)
expect_eq "a missing --font: run exits 78" "$?" 78
case $err in *" credpipe: warning: FONT"*nonexistent*) ok "the font error is credpipe's: $err" ;;
*) not_ok "the font error is credpipe's" "$err" ;; esac
echo "FONT=/nonexistent/font.ttf" >>"$H/credpipe.conf"
echo A20261127000123 | "$BIN/typeset" --home "$H" >/dev/null 2>&1
expect_eq "a missing FONT in the file: typeset exits 78" "$?" 78

# --- unique run ids: two runs at one --now keep both records ---------------------
new_home
"$P" run --home "$H" --now "$NOW" --quiet >/dev/null 2>&1
"$P" run --home "$H" --now "$NOW" --quiet >/dev/null 2>&1
expect_eq "two runs at the same --now: two run records" \
	"$(find "$H/out/runs" -name '*.xml' | wc -l)" 2
ids=$(sed -n 's/.*<run [^>]* id="\([^"]*\)".*/\1/p' "$H"/out/runs/*.xml | sort -u | wc -l)
expect_eq "with two different ids" "$ids" 2

# --- each program's --help: its own options, and its man page ---------------------
for prog in ingest validate decode check typeset manifest records; do
	"$BIN/$prog" --help >"$TEST_TMP/help" 2>&1
	check "$prog --help cites credpipe-$prog(1)" grep -q "credpipe-$prog(1)" "$TEST_TMP/help"
	check "$prog --help cites no SPEC" test -z "$(grep 'SPEC' "$TEST_TMP/help")"
done
"$BIN/manifest" --help >"$TEST_TMP/help" 2>&1
check "manifest --help lists --batch-size" grep -q -- '--batch-size' "$TEST_TMP/help"
check "manifest --help does not list --settle" test -z "$(grep -- '--settle' "$TEST_TMP/help")"
"$BIN/ingest" --help >"$TEST_TMP/help" 2>&1
check "ingest --help does not list --font or --batch-size" \
	test -z "$(grep -e '--font' -e '--batch-size' "$TEST_TMP/help")"
finish
