#!/usr/bin/env bash
# test_pg.sh - tests/cluster/pg.sh starts a private PostgreSQL under a
# directory, prints a URI that works, and stop ends exactly that server:
# two servers side by side get their own ports, stopping one leaves the
# other running.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
PG=$ROOT/tests/cluster/pg.sh
A=$TEST_TMP/a
B=$TEST_TMP/b
trap 'bash "$PG" stop "$A" 2>/dev/null; bash "$PG" stop "$B" 2>/dev/null; rm -rf "$TEST_TMP"' EXIT

if ! [ -x /usr/lib/postgresql/15/bin/initdb ]; then
	echo "# PostgreSQL 15 is not installed (make deps): skipped"
	ok "pg.sh skipped without PostgreSQL"
	finish
fi

uri_a=$(bash "$PG" start "$A")
check "start prints a URI that answers" psql -X -Atc 'select 1' "$uri_a"
uri_b=$(bash "$PG" start "$B")
if [ -n "$uri_a" ] && [ "$uri_a" != "$uri_b" ]; then ok "a second server gets its own URI"; else
	not_ok "a second server gets its own URI" "a: $uri_a" "b: $uri_b"
fi
expect_eq "uri repeats what start printed" "$(bash "$PG" uri "$A")" "$uri_a"
pid_a=$(head -n 1 "$A/pg/data/postmaster.pid")
check "stop A" bash "$PG" stop "$A"
if kill -0 "$pid_a" 2>/dev/null; then not_ok "A's postmaster is gone" "pid $pid_a"; else
	ok "A's postmaster is gone"
fi
check "B still answers after A stopped" psql -X -Atc 'select 1' "$uri_b"
if [ -e "$A/pg" ]; then not_ok "stop removes A/pg"; else ok "stop removes A/pg"; fi
check "stop B" bash "$PG" stop "$B"
if bash "$PG" uri "$B" >/dev/null 2>&1; then not_ok "no URI after stop"; else
	ok "no URI after stop"
fi
finish
