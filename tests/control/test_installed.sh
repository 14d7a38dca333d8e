#!/usr/bin/env bash
# test_installed.sh - what `make install` gives an operator: the units, a
# cron example, an example credpipe.conf, man pages that collide with no
# other package, and a `credpipe demo` that works away from the checkout.
. "$(dirname "$0")/../lib.sh"

prefix=$TEST_TMP/prefix
if make -s -C "$ROOT" install PREFIX="$prefix" BIN="$BIN" BUILD="$BUILD" \
	>"$TEST_TMP/install.log" 2>&1; then
	ok "make install PREFIX=$prefix"
else
	not_ok "make install" "$(tail -n 5 "$TEST_TMP/install.log")"
	finish
fi
units=$prefix/lib/systemd/system
for f in lib/systemd/system/credpipe.service lib/systemd/system/credpipe.timer \
	lib/systemd/system/credpipe.path share/credpipe/examples/cron.d/credpipe \
	share/credpipe/examples/credpipe.conf share/man/man1/credpipe-check.1 \
	share/man/man1/credpipe-records.1 share/man/man1/credpipe-control.1 \
	share/man/man1/credpipe.1 libexec/credpipe/control \
	share/credpipe/samples/records.xml; do
	check "installed $f" test -f "$prefix/$f"
done
check "no man page under a generic name (check.1, records.1, validate.1)" \
	test -z "$(find "$prefix/share/man" -name '*.1' ! -name 'credpipe*')"
check "the service runs the installed credpipe" \
	grep -qx "ExecStart=$prefix/bin/credpipe run" "$units/credpipe.service"
check "the cron example runs the installed credpipe" \
	grep -q "credpipe	$prefix/bin/credpipe run" "$prefix/share/credpipe/examples/cron.d/credpipe"
if command -v systemd-analyze >/dev/null; then
	# verify loads the units as systemd would: it checks ExecStart exists
	# --man=no: the man page is installed under the test prefix, not in MANPATH
	if systemd-analyze verify --man=no "$units/credpipe.service" "$units/credpipe.timer" \
		"$units/credpipe.path" >"$TEST_TMP/verify" 2>&1 &&
		! grep -q . "$TEST_TMP/verify"; then
		ok "systemd-analyze verify accepts the units"
	else
		not_ok "systemd-analyze verify accepts the units" "$(cat "$TEST_TMP/verify")"
	fi
else
	ok "systemd-analyze is not installed: units not verified # SKIP"
fi

# the example configuration: every key, and a HOME may use it as it is
for key in SETTLE GROUP LOG DEADLINE_DAYS SENDER_NAME FONT; do
	check "the example credpipe.conf lists $key" \
		grep -q "^#$key=" "$prefix/share/credpipe/examples/credpipe.conf"
done
new_home
cp "$prefix/share/credpipe/examples/credpipe.conf" "$H/credpipe.conf"
"$prefix/bin/credpipe" status --home "$H" >/dev/null 2>&1
expect_eq "the example credpipe.conf is a valid configuration" "$?" 0

# the installed demo, away from the checkout: samples and generators installed
mkdir -p "$TEST_TMP/elsewhere"
(cd "$TEST_TMP/elsewhere" && env -u CREDPIPE_BIN -u CREDPIPE_SHARE -u CREDPIPE_BUILD \
	CREDPIPE_DEMO_DIR="$TEST_TMP/demo" "$prefix/bin/credpipe" demo) \
	>"$TEST_TMP/demo.out" 2>"$TEST_TMP/demo.err"
expect_eq "the installed credpipe demo exits 0" "$?" 0
n=$(find "$TEST_TMP/demo" -path '*/out/results/*.xml' | wc -l)
check "the installed demo decided the samples ($n results)" test "$n" -ge 10
check "the installed demo made report PDFs" \
	test -n "$(find "$TEST_TMP/demo" -path '*/out/reports/*.pdf')"
expect_eq "the demo's main run and round trip keep two run records" \
	"$(find "$TEST_TMP/demo" -path '*/out/runs/*.xml' | wc -l)" 2
rm -rf "$prefix/share/credpipe/samples"
(cd "$TEST_TMP/elsewhere" && env -u CREDPIPE_BIN -u CREDPIPE_SHARE -u CREDPIPE_BUILD \
	CREDPIPE_DEMO_DIR="$TEST_TMP/demo2" "$prefix/bin/credpipe" demo) >/dev/null 2>&1
rc=$?
check "without its samples the demo fails (exit $rc), not 0" test "$rc" -ne 0
finish
