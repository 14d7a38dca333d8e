#!/usr/bin/env bash
# test_logs.sh - every log line says when (ISO 8601), who (the program)
# and how bad (severity), and about which dossier when there is one;
# under systemd the journal gets "<N>" priority
# prefixes; LOG=syslog sends the lines to syslog(3) instead of stderr.
. "$(dirname "$0")/../lib.sh"
P=$ROOT/pipeline.sh
export CREDPIPE_BIN=$BIN

new_home
echo A20261127000123 | "$BIN/check" --home "$H" >/dev/null 2>"$TEST_TMP/err"
line=$(head -n 1 "$TEST_TMP/err")
case $line in
[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z\ check:\ warning:\ A20261127000123:*)
	ok "a stage's line: ISO 8601 time, program, severity, dossier id: $line" ;;
*) not_ok "a stage's line: ISO 8601 time, program, severity, dossier id" "$line" ;;
esac
# a message from the library about a dossier's file (it begins with the
# path) carries the dossier's id too, from check's worker thread; a
# message that begins with the id keeps it once
SID=A20261127000555
mkdir -p "$H/spool/$SID"
echo '<result' >"$H/spool/$SID/check.xml"
echo "$SID" | "$BIN/check" --home "$H" >/dev/null 2>"$TEST_TMP/err"
check "a line about a dossier's file carries its id as the object" \
	grep -q "Z check: warning: $SID: $H/spool/$SID/check.xml: unreadable result" "$TEST_TMP/err"
check "a line that begins with the id carries it once" \
	grep -q "Z check: warning: $SID: not validated" "$TEST_TMP/err"
check "... never twice" test "$(grep -c "$SID: $SID" "$TEST_TMP/err")" = 0
rm -rf "${H:?}/spool/$SID"
"$BIN/check" --home "$TEST_TMP/nohome" </dev/null 2>"$TEST_TMP/err"
case $(cat "$TEST_TMP/err") in
*Z\ check:\ warning:\ *"not a credpipe home"*) ok "a configuration error carries time and severity" ;;
*) not_ok "a configuration error carries time and severity" "$(cat "$TEST_TMP/err")" ;;
esac

# under systemd, stderr is the journal's stream: JOURNAL_STREAM=dev:inode
: >"$TEST_TMP/journal"
js=$(stat -c '%d:%i' "$TEST_TMP/journal")
echo A20261127000123 | JOURNAL_STREAM=$js "$BIN/check" --home "$H" \
	>/dev/null 2>>"$TEST_TMP/journal"
line=$(head -n 1 "$TEST_TMP/journal")
case $line in
"<4>check: warning: A20261127000123:"*) ok "under the journal: <4> prefix, no time: $line" ;;
*) not_ok "under the journal: <4> prefix, no time" "$line" ;;
esac
echo A20261127000123 | JOURNAL_STREAM=1:1 "$BIN/check" --home "$H" \
	>/dev/null 2>"$TEST_TMP/err"
check "JOURNAL_STREAM naming another stream: plain lines" \
	grep -q 'Z check: warning: ' "$TEST_TMP/err"

# LOG=syslog: nothing on stderr (the lines go to syslog(3))
echo "LOG=syslog" >>"$H/credpipe.conf"
echo A20261127000123 | "$BIN/check" --home "$H" >/dev/null 2>"$TEST_TMP/err"
expect_eq "LOG=syslog: the stage's warnings leave stderr" "$(cat "$TEST_TMP/err")" ""
# ... and reach a syslog receiver: where no daemon owns /dev/log, the test
# binds a datagram socket there for the moment of one run (root only),
# and removes exactly the socket it made
if [ ! -e /dev/log ] && [ "$(id -u)" = 0 ]; then
	python3 - "$TEST_TMP/syslog" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
open(sys.argv[1] + ".ready", "w").close()
s.settimeout(20)
with open(sys.argv[1], "wb") as out:
    try:
        out.write(s.recv(4096) + b"\n")
    except socket.timeout:
        pass
s.close()
PY
	rcv=$!
	trap 'kill "$rcv" 2>/dev/null; [ -S /dev/log ] && rm -f /dev/log; rm -rf "$TEST_TMP"' EXIT
	for _ in $(seq 50); do [ -e "$TEST_TMP/syslog.ready" ] && break; sleep 0.1; done
	echo A20261127000123 | "$BIN/check" --home "$H" >/dev/null 2>&1
	wait "$rcv"
	rm -f /dev/log
	case $(cat "$TEST_TMP/syslog" 2>/dev/null) in
	"<28>"*"check["[0-9]*"]: warning: A20261127000123:"*)
		ok "LOG=syslog: the line reaches syslog as daemon.warning, with pid and dossier id" ;;
	*) not_ok "LOG=syslog: the line reaches syslog as daemon.warning" "$(cat "$TEST_TMP/syslog" 2>&1)" ;;
	esac
fi
sed -i 's/^LOG=syslog$/LOG=journal/' "$H/credpipe.conf"
"$P" status --home "$H" >/dev/null 2>&1
expect_eq "LOG=journal (not a choice) is a configuration error" "$?" 78
finish
