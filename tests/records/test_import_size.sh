#!/usr/bin/env bash
# tests/records/test_import_size.sh - records import takes a whole
# institution's file (6,000 credentials, about 2 MB: above the 1 MiB limit
# of a dossier) and refuses a file over the import limit (64 MiB), naming
# the limit, with nothing imported.
. "$(dirname "$0")/../lib.sh"

new_home
rec() { "$BIN/records" --home "$H" "$@"; }
COUNT=6000

# credentials FILE N - N credentials of institution 10001, each with a
# valid id-number (GB 11643 check character) and a long major, so that
# the file is about 2 MB
credentials() {
	awk -v n="$2" 'BEGIN {
		split("7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2", w, " ")
		check = "10X98765432"
		print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
		print "<records xmlns=\"urn:credpipe:records:1\">"
		print "  <institution code=\"10001\" name=\"北京大学\"/>"
		for (i = 1; i <= n; i++) {
			id = sprintf("11010819900101%03d", i % 1000)
			id = substr(id, 1, 8) sprintf("%04d", 1960 + int(i / 1000)) substr(id, 13)
			sum = 0
			for (k = 1; k <= 17; k++)
				sum += substr(id, k, 1) * w[k]
			id = id substr(check, sum % 11 + 1, 1)
			printf "  <credential certificate-number=\"1000112019%08d\" status=\"valid\" source=\"registry\">\n", i
			printf "    <holder name=\"测试学生%d\" id-number=\"%s\"/>\n", i, id
			print "    <institution code=\"10001\"/>"
			print "    <level>undergraduate</level>"
			print "    <major>计算机科学与技术（软件工程）</major>"
			print "    <study-form>full-time</study-form>"
			print "    <entry-date>2015-09-01</entry-date>"
			print "    <graduation-date>2019-07-01</graduation-date>"
			print "  </credential>"
		}
		print "</records>"
	}' >"$1"
}

# --- a 6,000-credential file (about 2 MB) imports -----------------------------
BIG=$TEST_TMP/institution.xml
credentials "$BIG" "$COUNT"
size=$(stat -c %s "$BIG")
if [ "$size" -gt $((1024 * 1024)) ]; then
	ok "the institution file is over 1 MiB ($size bytes)"
else
	not_ok "the institution file is over 1 MiB" "only $size bytes"
fi
rec import "$BIG" >"$TEST_TMP/big.out" 2>"$TEST_TMP/big.err"
expect_eq "a $COUNT-credential file imports (exit 0)" "$?" 0
expect_eq "every credential is new" "$(sed 's/.*: //' "$TEST_TMP/big.out")" \
	"$((COUNT + 1)) new, 0 unchanged"
expect_eq "the registry holds $COUNT credentials" \
	"$(registry_sql "$H" 'SELECT count(*) FROM credentials')" "$COUNT"
rec import "$BIG" >"$TEST_TMP/again.out" 2>&1
expect_eq "importing it again changes nothing" \
	"$(sed 's/.*: //' "$TEST_TMP/again.out")" "0 new, $((COUNT + 1)) unchanged"

# --- over the import limit: refused, the limit named, nothing imported ----------
# A real XML head, then padding to one byte over 64 MiB (sparse: cheap);
# the refusal comes before any byte is parsed.
HUGE=$TEST_TMP/huge.xml
credentials "$HUGE" 3
truncate -s $((64 * 1024 * 1024 + 1)) "$HUGE"
H2=$TEST_TMP/h2
init_home "$H2"
"$BIN/records" --home "$H2" import "$HUGE" >/dev/null 2>"$TEST_TMP/huge.err"
expect_eq "a file over 64 MiB exits 65" "$?" 65
if grep -q 'import limit of 64 MiB (67108864 bytes)' "$TEST_TMP/huge.err"; then
	ok "the refusal names the import limit"
else
	not_ok "the refusal names the import limit" "$(cat "$TEST_TMP/huge.err")"
fi
expect_eq "nothing of it was imported" \
	"$(registry_sql "$H2" 'SELECT count(*) FROM credentials' 2>/dev/null || echo 0)" 0
# exactly at the limit is not refused for its size (it is malformed: NULs)
truncate -s $((64 * 1024 * 1024)) "$HUGE"
"$BIN/records" --home "$H2" import "$HUGE" >/dev/null 2>"$TEST_TMP/limit.err"
if grep -q 'import limit' "$TEST_TMP/limit.err"; then
	not_ok "a file of exactly 64 MiB is not refused for its size" "$(cat "$TEST_TMP/limit.err")"
else
	ok "a file of exactly 64 MiB is not refused for its size"
fi
finish
