#!/usr/bin/env bash
# tests/validate/test_workers.sh - dossier.xml is parsed, validated and
# judged in a limited worker (sandbox.c): a worker that crashes is a
# reason and the stage goes on; as root the worker runs as WORKER_USER;
# with and without workers the results are the same bytes.
. "$(dirname "$0")/../lib.sh"

NOW=2026-11-28T02:00:00+08:00
MKPNG=$(cd "$TOOLS" && pwd)/mkpng
CASES=$ROOT/tests/validate/cases

# spool_dossier HOME ID XML - a claimed dossier, as ingest leaves it
spool_dossier() {
	local dir=$1/spool/$2
	mkdir -p "$dir/files"
	cp "$3" "$dir/files/dossier.xml"
	"$MKPNG" -o "$dir/files/id.png" --text id
	"$MKPNG" -o "$dir/files/diploma.png" --text diploma
	printf 'folder=%s\nclaimed=%s\nid-source=dossier\nincomplete=0\n' "$2" "$NOW" >"$dir/claim"
}

# --- a crashing worker: unsafe-input naming it, the next dossier judged -----
new_home
spool_dossier "$H" VW0001 "$CASES/valid-online-report.xml"
spool_dossier "$H" VW0002 "$CASES/bad-id-number.xml"
out=$(printf 'VW0001\nVW0002\n' | CREDPIPE_TEST_CRASH=validate-worker \
	"$BIN/validate" --home "$H" --now "$NOW" 2>"$TEST_TMP/err")
expect_eq "crashing workers: the stage exits 0 and passes both ids on" \
	"$?/$(echo "$out" | tr '\n' ' ')" "0/VW0001 VW0002 "
for id in VW0001 VW0002; do
	check "crashing worker: $id rejected, the reason says the reader crashed" \
		grep -q 'code="unsafe-input".*dossier.xml is refused: reading it crashed.' \
		"$H/quarantine/$id/validate.xml"
done

# --- a crashing image-header worker: bad-attachment naming it ------------------
new_home
spool_dossier "$H" VW0004 "$CASES/valid-online-report.xml"
echo VW0004 | CREDPIPE_TEST_CRASH=validate-probe "$BIN/validate" --home "$H" \
	--now "$NOW" >/dev/null 2>"$TEST_TMP/err"
expect_eq "crashing header worker: the stage exits 0" "$?" 0
check "crashing header worker: bad-attachment, the reason says the reader crashed" \
	grep -q 'code="bad-attachment".*not a usable image: reading it crashed.' \
	"$H/quarantine/VW0004/validate.xml"

# --- the same bytes with and without workers ------------------------------------
same=0 cases=0
for xml in "$CASES"/*.xml; do
	name=$(basename "$xml" .xml)
	cases=$((cases + 1))
	for mode in 0 1; do
		mkdir -p "$TEST_TMP/w$mode"
		H=$TEST_TMP/w$mode/$name
		init_home "$H"
		spool_dossier "$H" VW0100 "$xml"
		echo VW0100 | "$BIN/validate" --workers "$mode" --home "$H" \
			--now "$NOW" >/dev/null 2>&1
	done
	a=$(find "$TEST_TMP/w0/$name" -name validate.xml)
	b=$(find "$TEST_TMP/w1/$name" -name validate.xml)
	if [ -n "$a" ] && [ -n "$b" ] && cmp -s "$a" "$b"; then
		same=$((same + 1))
	else
		echo "# differs: $name"
	fi
done
expect_eq "every golden case: validate.xml identical with and without workers" \
	"$same" "$cases"

# --- as root the worker runs as nobody ----------------------------------------------
if [ "$(id -u)" -eq 0 ]; then
	new_home
	spool_dossier "$H" VW0003 "$CASES/valid-online-report.xml"
	echo VW0003 | CREDPIPE_TEST_WORKER_ID=1 "$BIN/validate" --home "$H" \
		--now "$NOW" >/dev/null 2>"$TEST_TMP/err"
	# one worker for dossier.xml, one for each attachment's image header
	expect_eq "as root: every parsing worker runs as nobody" \
		"$(sort -u "$TEST_TMP/err")" "worker uid=$(id -u nobody) gid=$(id -g nobody)"
	expect_eq "as root: the attachment's header is read in a worker too" \
		"$(grep -c '^worker uid=' "$TEST_TMP/err")" \
		"$((1 + $(grep -c '<attachment ' "$CASES/valid-online-report.xml")))"
	check "as root: the dossier is still judged (0600 files, 0700 spool)" \
		grep -q 'outcome="pending"' "$H/spool/VW0003/validate.xml"
else
	ok "# SKIP not root: the user of the workers is not tested"
fi

finish
