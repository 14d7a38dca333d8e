#!/usr/bin/env bash
# test_intruder.sh - a submitter with write access to the inbox attacks a
# pipeline run as root through descriptors it keeps on its own folder:
#
# - it swaps subfolders for links to a root-owned victim tree while the
#   pipeline works on the folder (tests/tools/intruder.c race, started by
#   inotify IN_OPEN): after the run and a rerun every victim file has its
#   mode, content and link count, with the inbox on HOME's file system
#   and on a tmpfs;
# - it rewrites dossier.xml through a kept descriptor after validate: the
#   spool copy does not change and the result is for what was claimed.
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/e2e/helpers.sh
. "$(dirname "$0")/helpers.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v useradd >/dev/null ||
	! command -v setpriv >/dev/null; then
	ok "skipped: needs root, useradd and setpriv (an unprivileged submitter)"
	finish
fi
INTRUDER=$TOOLS/intruder
MNT=$TEST_TMP/inboxfs
U=cpin$$
started=()
# cleanup - stop what this test started, unmount, remove the user
cleanup() {
	local pid
	for pid in "${started[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	umount "$MNT" 2>/dev/null
	userdel "$U" 2>/dev/null
	rm -rf "$TEST_TMP"
}
trap cleanup EXIT
useradd --system --no-create-home --shell /usr/sbin/nologin "$U" ||
	{ not_ok "create the submitter $U"; finish; }
# the submitter reaches the inbox, nothing else of the test's tree
chmod 0711 "$TEST_TMP"

# as_submitter CMD... - run CMD as the unprivileged submitter
as_submitter() {
	setpriv --reuid="$U" --regid="$(id -g "$U")" --clear-groups -- "$@"
}

# wait_for FILE TEXT - until FILE holds a line starting with TEXT (10 s)
wait_for() {
	local _
	for _ in $(seq 1 100); do
		grep -q "^$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# victim_state DIR - type, mode, link count, size, path and content digest
# of everything below DIR
victim_state() {
	(
		cd -- "$1" || exit 1
		find . -printf '%y %m %n %s %u %p\n' | LC_ALL=C sort
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum
	)
}

# new_layout LABEL [tmpfs] - a HOME whose inbox the submitter may write
# into (mode 1777, like /tmp), on HOME's file system or on a tmpfs; a
# root-owned victim tree beside it. Sets H, IN, VICTIM, XI (ingest args).
new_layout() {
	local base=$TEST_TMP/$1
	mkdir -p "$base"
	init_home "$base/home"
	chmod 0711 "$base" "$base/home"
	H=$base/home
	VICTIM=$base/victim
	mkdir -p "$VICTIM/inner"
	for f in a b c; do
		echo "victim $f" >"$VICTIM/$f.txt"
		echo "inner $f" >"$VICTIM/inner/$f.txt"
	done
	(cd "$VICTIM" && touch f{000..099})
	chmod 0644 "$VICTIM"/*.txt "$VICTIM"/inner/*.txt "$VICTIM"/f*
	chmod 0755 "$VICTIM" "$VICTIM/inner"
	if [ "${2:-}" = tmpfs ]; then
		umount "$MNT" 2>/dev/null
		mkdir -p "$MNT"
		mount -t tmpfs -o size=64m,mode=0755 credpipe-test "$MNT" || return 1
		IN=$MNT/inbox
	else
		IN=$H/inbox
	fi
	mkdir -p "$IN"
	chmod 1777 "$IN"
	XI=(--inbox "$IN")
}

# evil_folder NAME ID - the submitter's complete folder; its subfolder
# "sub" has the victim's names, a hundred and more, so that a walk by
# path spends a while in it after opening it, and finds every name it
# read in "sub" again in the victim
evil_folder() {
	local dir=$IN/$1 f
	mkdir -p "$dir/sub/inner"
	sed "s/id=\"A20261127000123\"/id=\"$2\"/" \
		"$S/online-zhang-wei/dossier.xml" >"$dir/dossier.xml"
	cp "$S/online-zhang-wei/"*.png "$dir/"
	for f in a b c; do
		echo "mine $f" >"$dir/sub/$f.txt"
		echo "mine $f" >"$dir/sub/inner/$f.txt"
	done
	(cd "$dir/sub" && touch f{000..099})
	touch "$dir/READY"
	chown -R "$U" "$dir"
}

CREDPIPE_BUILD=$BUILD bash "$ROOT/samples/build.sh" "$TEST_TMP/samples" >/dev/null
S=$TEST_TMP/samples

# race LABEL [tmpfs] - the swap race against `run`, then a rerun
race() {
	local label=$1 before pid got
	if ! new_layout "$label" "${2:-}"; then
		ok "$label: skipped: cannot mount a tmpfs here"
		return
	fi
	"$BIN/records" --home "$H" import "$ROOT/samples/records.xml" >/dev/null 2>&1
	evil_folder evil A20261128000901
	before=$(victim_state "$VICTIM")
	as_submitter "$INTRUDER" race "$IN/evil" "$VICTIM" 6 >"$TEST_TMP/$label.race" 2>&1 &
	pid=$!
	started+=("$pid")
	wait_for "$TEST_TMP/$label.race" ready ||
		not_ok "$label: the intruder is ready" "$(cat "$TEST_TMP/$label.race")"
	run_pipeline "$label-run" "${XI[@]}"
	wait "$pid"
	run_pipeline "$label-rerun" "${XI[@]}"
	check "$label: the intruder swapped while the pipeline worked" \
		grep -Eq '^swapped [1-9]' "$TEST_TMP/$label.race"
	expect_eq "$label: the run and the rerun exit 0" "$STATUS" 0
	expect_eq "$label: every victim file keeps its mode, content and link count" \
		"$(victim_state "$VICTIM")" "$before"
	check "$label: no victim content was read into HOME" bash -c \
		'! grep -rqs -e "^victim " -e "^inner " "$1/spool" "$1/done" "$1/quarantine"' _ "$H"
	# which it is depends on whether a walk met "sub" while it was the
	# link: then unsafe-input; else the submitter's own files, verified.
	# Both are safe; anything else (a crash, a hold, a stall) is not
	got="$(outcome_of A20261128000901) $(reasons_of A20261128000901)"
	case $got in
	"rejected unsafe-input" | "verified ") ok "$label: the folder is decided as it was claimed ($got)" ;;
	*) not_ok "$label: the folder is decided as it was claimed" "got: $got" ;;
	esac
}

race same-fs
race tmpfs tmpfs
umount "$MNT" 2>/dev/null

# --- dossier.xml rewritten through a kept descriptor after validate -----------
new_layout rewrite
"$BIN/records" --home "$H" import "$ROOT/samples/records.xml" >/dev/null 2>&1
mkdir -p "$IN/mine"
cp "$S/online-zhang-wei/"* "$IN/mine/"
touch "$IN/mine/READY"
chown -R "$U" "$IN/mine"
original=$(sha256sum <"$IN/mine/dossier.xml")
mkfifo "$TEST_TMP/go"
as_submitter "$INTRUDER" rewrite "$IN/mine/dossier.xml" <"$TEST_TMP/go" >"$TEST_TMP/rewrite.out" 2>&1 &
pid=$!
started+=("$pid")
exec 7>"$TEST_TMP/go"
wait_for "$TEST_TMP/rewrite.out" ready ||
	not_ok "the rewriter is ready" "$(cat "$TEST_TMP/rewrite.out")"
opts=(--home "$H" --now "$NOW" --settle 0)
"$BIN/ingest" "${opts[@]}" 2>"$TEST_TMP/stages.err" |
	"$BIN/validate" "${opts[@]}" >"$TEST_TMP/validated" 2>>"$TEST_TMP/stages.err"
echo go >&7
exec 7>&-
wait "$pid"
check "the submitter rewrote its file after validate" grep -q rewritten "$TEST_TMP/rewrite.out"
"$BIN/decode" "${opts[@]}" <"$TEST_TMP/validated" 2>>"$TEST_TMP/stages.err" |
	"$BIN/check" "${opts[@]}" 2>>"$TEST_TMP/stages.err" |
	"$BIN/typeset" "${opts[@]}" 2>>"$TEST_TMP/stages.err" |
	"$BIN/manifest" "${opts[@]}" >/dev/null 2>>"$TEST_TMP/stages.err"
copy=$(find "$H/spool" "$H/done" "$H/quarantine" -path '*/A20261127000123/files/dossier.xml' | head -n 1)
expect_eq "the spool copy of dossier.xml is what was claimed" \
	"$(sha256sum <"${copy:-/dev/null}")" "$original"
expect_eq "the result is for what was claimed (verified)" \
	"$(outcome_of A20261127000123)" verified
finish
