#!/usr/bin/env bash
# tests/decode/test_workers.sh - decoding in limited workers (sandbox.c):
# the finder-pattern bomb ends at the time limit, alone and in a run where
# every other dossier is decided; a page too big for a small memory limit
# says so; a worker that crashes is a result and the stage goes on; as
# root the workers run as the configured user and die with their stage.
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/e2e/helpers.sh
. "$(dirname "$0")/../e2e/helpers.sh"

DECODE=$BIN/decode
USER_NAME=cpwk$$
created_user=
cleanup() {
	if [ -n "$created_user" ]; then
		userdel "$created_user" >/dev/null 2>&1
	fi
}
trap cleanup EXIT
# plain - diagnostics without their time stamp and level, as "decode: ..."
plain() { sed -E 's/^[0-9T:-]+Z //; s/^decode: (warning|error): /decode: /'; }

"$TOOLS/finderbomb" -o "$TEST_TMP/bomb.png"
check "the bomb is a small file (< 150 KB)" \
	test "$(stat -c %s "$TEST_TMP/bomb.png")" -lt 153600

# --- 1. the bomb alone: decode --image ends at the time limit ------------
# (--no-gate: the whole cascade, as a verification report gets it; the
# gate alone sees no code-like triple in this tiling)
start=$(date +%s)
got=$(timeout 60 "$DECODE" --no-gate --worker-time 3 --image "$TEST_TMP/bomb.png" 2>&1)
status=$?
got=$(plain <<<"$got")
took=$(($(date +%s) - start))
expect_eq "bomb: decode --image exits 65" "$status" 65
expect_eq "bomb: the message names the time limit" "$got" \
	"decode: $TEST_TMP/bomb.png: decoding took longer than 3 s"
check "bomb: ended within the limit (3 s, took ${took} s)" test "$took" -le 5

# --- 2. memory: a legal 36 MP page needs more than 16 MB ------------------
"$TOOLS/mkpng" -o "$TEST_TMP/big.png" -w 6000 -h 6000
# (under ASan an allocation past the limit must fail, not abort)
got=$(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}allocator_may_return_null=1" \
	"$DECODE" --no-gate --worker-memory 16 --image "$TEST_TMP/big.png" 2>&1)/$?
got=$(plain <<<"$got")
expect_eq "36 MP page under a 16 MB limit: needs more than 16 MB" "$got" \
	"decode: $TEST_TMP/big.png: decoding needs more than 16 MB/65"
got=$("$DECODE" --no-gate --image "$TEST_TMP/big.png" 2>&1)
expect_eq "the same page under the default limit: read (no code)" "$got/$?" "/1"

# --- 3. a worker that crashes is a result; the files after it are read ---
"$TOOLS/qrpage" -o "$TEST_TMP/page.png" --dpi 150 --text crash-then-read
got=$(CREDPIPE_TEST_CRASH=decode-worker "$DECODE" --jobs 1 --image \
	"$TEST_TMP/page.png" "$TEST_TMP/page.png" 2>&1)/$?
got=$(plain <<<"$got")
expect_eq "crashing workers: each file says so, exit 65" "$got" \
	"decode: $TEST_TMP/page.png: decoding crashed"$'\n'"decode: $TEST_TMP/page.png: decoding crashed/65"
got=$("$DECODE" --workers 0 --image "$TEST_TMP/page.png" 2>&1)
expect_eq "without workers the page reads as before" "$got/$?" "crash-then-read/0"
got=$("$DECODE" --image "$TEST_TMP/page.png" 2>&1)
expect_eq "with workers the page reads the same" "$got/$?" "crash-then-read/0"

# --- 3b. a worker's fresh memory: a 300-dpi A4 page in few page faults ---
# (a forked worker touches every page of the image for the first time:
# 8.7 MB of gray was some 2,100 faults of 4 KB; in huge pages, five)
thp=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)
if [ -n "${CREDPIPE_SANITIZE:-}" ]; then
	ok "# SKIP page faults: the sanitizers' allocator is not ours"
elif [ "$thp" != madvise ] && [ "$thp" != always ]; then
	ok "# SKIP page faults: transparent huge pages are \"$thp\""
else
	"$TOOLS/qrpage" -o "$TEST_TMP/a4.png" --dpi 300 --text fresh-memory
	got=$(/usr/bin/time -f '%R' -o "$TEST_TMP/faults" "$DECODE" --jobs 1 \
		--image "$TEST_TMP/a4.png" 2>&1)
	faults=$(cat "$TEST_TMP/faults")
	expect_eq "300-dpi A4 page in a worker: read" "$got" fresh-memory
	# the stage and its worker together; 3,400 before the huge pages
	check "300-dpi A4 page in a worker: $faults page faults (< 2000)" \
		test "$faults" -lt 2000
fi

# --- 3c. zbar's text converters are loaded once, by the stage -----------
# (zbar opens iconv converters for every code it reads; each worker used
# to load their modules again: three dlopens a worker)
LD_DEBUG=files "$DECODE" --jobs 1 --image "$TEST_TMP/page.png" \
	"$TEST_TMP/page.png" >"$TEST_TMP/codes" 2>"$TEST_TMP/ld.log"
expect_eq "two files with codes in two workers: both read" \
	"$(cat "$TEST_TMP/codes")" "crash-then-read"$'\n'"crash-then-read"
expect_eq "the SJIS converter was loaded once, not once a worker" \
	"$(grep -c 'calling init: .*gconv/SJIS\.so' "$TEST_TMP/ld.log")" 1

# --- 4. as root the workers run as the configured user --------------------
if [ "$(id -u)" -eq 0 ]; then
	got=$(CREDPIPE_TEST_WORKER_ID=1 "$DECODE" --image "$TEST_TMP/page.png" 2>&1)
	expect_eq "as root: workers run as nobody by default" "$got" \
		"worker uid=$(id -u nobody) gid=$(id -g nobody)"$'\n'"crash-then-read"
	if useradd --system --no-create-home --shell /usr/sbin/nologin "$USER_NAME"; then
		created_user=$USER_NAME
		got=$(CREDPIPE_TEST_WORKER_ID=1 CREDPIPE_WORKER_USER=$USER_NAME \
			"$DECODE" --image "$TEST_TMP/page.png" 2>&1)
		expect_eq "as root: workers run as WORKER_USER" "$got" \
			"worker uid=$(id -u "$USER_NAME") gid=$(id -g "$USER_NAME")"$'\n'"crash-then-read"
	else
		not_ok "useradd $USER_NAME"
	fi
	got=$("$DECODE" --worker-user root --image "$TEST_TMP/page.png" 2>&1)
	expect_eq "WORKER_USER root is refused (78)" "$?" 78
	# a killed stage takes its worker with it, although the worker runs
	# as another user (a change of credentials clears the parent-death
	# signal: it must be asked for after the change)
	"$DECODE" --no-gate --worker-time 30 --image "$TEST_TMP/bomb.png" \
		>/dev/null 2>&1 &
	stage=$!
	worker=
	for _ in $(seq 50); do
		worker=$(pgrep -P "$stage" | head -n 1)
		[ -n "$worker" ] && break
		sleep 0.1
	done
	kill -KILL "$stage"
	wait "$stage" 2>/dev/null
	for _ in $(seq 30); do
		[ -n "$worker" ] && kill -0 "$worker" 2>/dev/null || break
		sleep 0.1
	done
	check "a worker was started for the bomb" test -n "$worker"
	if [ -n "$worker" ] && kill -0 "$worker" 2>/dev/null; then
		not_ok "the worker of a killed stage ended with it"
		kill -KILL "$worker" 2>/dev/null
	else
		ok "the worker of a killed stage ended with it"
	fi
	# a spool file the worker's user cannot open is still decoded: the
	# stage opens it and hands the worker the descriptor
	chmod 600 "$TEST_TMP/page.png"
	got=$("$DECODE" --image "$TEST_TMP/page.png" 2>&1)
	expect_eq "a 0600 root file is decoded through its descriptor" "$got/$?" "crash-then-read/0"
else
	ok "# SKIP not root: the user of the workers is not tested"
fi

# --- 5. the bomb in a run: bad-attachment naming the time limit ----------
H=$TEST_TMP/home
init_home "$H"
mkdir -p "$H/inbox"
"$BIN/records" --home "$H" import "$ROOT/samples/records.xml" >/dev/null 2>&1
CREDPIPE_BUILD=$BUILD bash "$ROOT/samples/build.sh" "$TEST_TMP/samples" >/dev/null
S=$TEST_TMP/samples
for sample in online-zhang-wei online-chen-jing-agent online-zhao-lei-2002 \
	paper-wang-fang-ems paper-liu-yang-sf; do
	cp -a "$S/$sample" "$H/inbox/$sample"
done
# the bomb as a verification report: those get the whole cascade
mkdir "$H/inbox/bomb"
sed 's/ id="A[0-9]*"/ id="A20261128000401"/' \
	"$S/report-check-zhang-wei/dossier.xml" >"$H/inbox/bomb/dossier.xml"
cp "$TEST_TMP/bomb.png" "$H/inbox/bomb/report.png"
settle "$H/inbox"
start=$(date +%s)
CREDPIPE_WORKER_TIME=8 run_pipeline bomb-run
took=$(($(date +%s) - start))
expect_eq "bomb run: exits 0" "$STATUS" 0
check "bomb run: finished in bounded time (took ${took} s)" test "$took" -le 60
expect_eq "bomb dossier: rejected bad-attachment" \
	"$(outcome_of A20261128000401) $(reasons_of A20261128000401)" "rejected bad-attachment"
check "bomb dossier: the reason names the time limit" \
	grep -q 'report.png is not a usable image: decoding took longer than 8 s' "$(res A20261128000401)"
for id in A20261127000123 A20261127000124 A20261127000125 A20261127000126 A20261127000127; do
	expect_eq "bomb run: $id decided (verified)" "$(outcome_of "$id")" verified
done

finish
