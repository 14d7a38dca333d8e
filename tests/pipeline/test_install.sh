#!/usr/bin/env bash
# test_install.sh - `make install` lays out SPEC §1's tree, and the
# installed `credpipe` runs the installed stages with the installed schemas.
. "$(dirname "$0")/../lib.sh"

prefix=$TEST_TMP/prefix
# BIN and BUILD as the suite was built: install copies, it does not rebuild
if make -s -C "$ROOT" install PREFIX="$prefix" BIN="$BIN" BUILD="$BUILD" \
	>"$TEST_TMP/install.log" 2>&1; then
	ok "make install PREFIX=$prefix"
else
	not_ok "make install" "$(tail -n 5 "$TEST_TMP/install.log")"
	finish
fi

for f in bin/credpipe libexec/credpipe/ingest libexec/credpipe/validate \
	libexec/credpipe/decode libexec/credpipe/check libexec/credpipe/typeset \
	libexec/credpipe/manifest libexec/credpipe/records \
	share/credpipe/schemas/dossier.xsd share/credpipe/schemas/records.xsd \
	share/credpipe/schemas/result.xsd share/man/man1/credpipe.1; do
	if [ -f "$prefix/$f" ]; then ok "installed $f"; else not_ok "installed $f"; fi
done

# Run the installed command away from the checkout: no CREDPIPE_BIN or
# CREDPIPE_SHARE, so it must find its own programs and schemas.
new_home
mkdir -p "$TEST_TMP/elsewhere"
cp -r "$ROOT/samples/dossiers/online-zhang-wei" "$H/drop-me"
"$TOOLS/mkpng" -o "$H/drop-me/id.png" -w 428 -h 270 --text id >/dev/null
"$TOOLS/mkpng" -o "$H/drop-me/diploma.png" -w 620 -h 877 --text d >/dev/null
out=$(cd "$TEST_TMP/elsewhere" && env -u CREDPIPE_BIN -u CREDPIPE_SHARE \
	"$prefix/bin/credpipe" --version 2>&1)
case $out in
*credpipe*) ok "installed credpipe --version: $out" ;;
*) not_ok "installed credpipe --version" "$out" ;;
esac
(cd "$TEST_TMP/elsewhere" && env -u CREDPIPE_BIN -u CREDPIPE_SHARE \
	"$prefix/bin/credpipe" records --home "$H" import "$ROOT/samples/records.xml") \
	>/dev/null 2>&1
(cd "$TEST_TMP/elsewhere" && env -u CREDPIPE_BIN -u CREDPIPE_SHARE \
	"$prefix/bin/credpipe" drop --home "$H" "$H/drop-me") >/dev/null 2>&1
find "$H/inbox" -mindepth 1 -exec touch -d 2026-11-28T08:00:00+08:00 {} +
(cd "$TEST_TMP/elsewhere" && env -u CREDPIPE_BIN -u CREDPIPE_SHARE \
	"$prefix/bin/credpipe" run --home "$H" --now 2026-11-28T09:00:00+08:00 \
	--settle 0 --quiet) >"$TEST_TMP/run.log" 2>&1
rc=$?
expect_eq "installed credpipe run exits 0" "$rc" 0
if grep -q 'outcome="verified"' "$H/out/results/A20261127000123.xml" 2>/dev/null; then
	ok "installed pipeline verified the sample dossier"
else
	not_ok "installed pipeline verified the sample dossier" "$(tail -n 5 "$TEST_TMP/run.log")"
fi
if [ -f "$H/out/reports/A20261127000123.pdf" ]; then
	ok "installed typeset wrote the report"
else
	not_ok "installed typeset wrote the report"
fi
finish
