#!/usr/bin/env bash
# test_unsafe.sh - what a claim does not copy: hard links, special files,
# folders nested too deeply, files over the folder limit; and what it
# copies with care (sparse files). Both layouts: the inbox on HOME's file
# system, and on a tmpfs. Every such folder is claimed and rejected
# unsafe-input with a sentence, its original kept whole in
# inbox/.quarantine, nothing outside the inbox changed or linked into
# HOME, and the rest of the inbox goes on in the same run.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"

MNT=$TEST_TMP/inboxfs
mkdir -p "$MNT"
# cleanup - unmount the tmpfs of this test, remove its files
cleanup() {
	umount "$MNT" 2>/dev/null
	rm -rf "$TEST_TMP"
}
trap cleanup EXIT

# deep_folder DIR LEVELS - DIR holding a chain of LEVELS folders below it,
# made in steps that stay short of PATH_MAX
deep_folder() {
	local dir=$1 left=$2 step chain
	mkdir -p "$dir"
	(
		cd "$dir" || exit 1
		while [ "$left" -gt 0 ]; do
			step=$((left > 500 ? 500 : left))
			chain=$(printf 'd/%.0s' $(seq 1 "$step"))
			mkdir -p "$chain" && cd "$chain" || exit 1
			left=$((left - step))
		done
		echo bottom >deepest.txt
	)
}

# validated ID - outcome and reason codes of ID's validate.xml
validated() {
	local f
	f=$(find "$H/spool" "$H/quarantine" -path "*/$1/validate.xml" | head -n 1)
	[ -n "$f" ] || { echo none; return; }
	printf '%s %s' "$(sed -n 's/.*outcome="\([a-z-]*\)".*/\1/p' "$f" | head -n 1)" \
		"$(grep -o '<reason code="[a-z-]*"' "$f" | cut -d'"' -f2 | sort -u | tr '\n' ' ')"
}

# rejected_unsafe NAME ID - ID was rejected, unsafe-input among its reasons
# (the small test dossiers also fail the schema)
rejected_unsafe() {
	local got
	got=$(validated "$2")
	case "$got" in
	"rejected "*unsafe-input*) ok "$1" ;;
	*) not_ok "$1" "got: $got" ;;
	esac
}

# reason_of ID - the REASON validate wrote into the quarantined dossier
reason_of() { cat "$H/quarantine/$1/REASON" 2>/dev/null; }

# run_stages - ingest | validate on $H with inbox $IN
run_stages() {
	timeout 120 "$BIN/ingest" --home "$H" --inbox "$IN" --now "$NOW" --settle 60 \
		2>"$TEST_TMP/ingest.err" |
		timeout 120 "$BIN/validate" --home "$H" --inbox "$IN" --now "$NOW" \
			>"$TEST_TMP/ids" 2>"$TEST_TMP/validate.err"
	STATUSES="${PIPESTATUS[0]} ${PIPESTATUS[1]}"
}

# layout LABEL [tmpfs] - the whole scenario with the inbox in one place
layout() {
	local label=$1 other id
	fresh_home
	if [ "${2:-}" = tmpfs ]; then
		umount "$MNT" 2>/dev/null
		if ! mount -t tmpfs -o size=64m credpipe-test "$MNT" 2>/dev/null; then
			ok "$label: skipped: cannot mount a tmpfs here (needs root)"
			return
		fi
		rm -rf "$H/inbox"
		mkdir -p "$MNT/inbox"
		ln -s "$MNT/inbox" "$H/inbox"   # for the helpers
		IN=$MNT/inbox
		other=$MNT/outside
	else
		IN=$H/inbox
		other=$TEST_TMP/outside-$label
	fi
	# a file outside HOME and the inbox, on the inbox's file system
	mkdir -p "$other"
	echo "outside secret" >"$other/secret.png"
	chmod 0644 "$other/secret.png"

	make_folder a-hardlink 3600 A20261128960001 a.png
	rm "$IN/a-hardlink/a.png"
	ln "$other/secret.png" "$IN/a-hardlink/a.png"
	make_folder b-fifo 3600 A20261128960002 a.png
	rm "$IN/b-fifo/a.png"
	mkfifo "$IN/b-fifo/a.png"
	make_folder c-device 3600 A20261128960003 a.png
	mknod "$IN/c-device/null" c 1 3
	make_folder d-sparse 3600 A20261128960004 a.png
	printf 'data at 40 MB' | dd of="$IN/d-sparse/sparse.bin" bs=1 seek=$((40 * 1024 * 1024)) conv=notrunc 2>/dev/null
	printf 'data at 0' | dd of="$IN/d-sparse/sparse.bin" bs=1 conv=notrunc 2>/dev/null
	make_folder e-junk 3600 A20261128960005 a.png
	truncate -s 1G "$IN/e-junk/junk.bin"
	make_folder f-deep2040 3600 A20261128960006 a.png
	deep_folder "$IN/f-deep2040/sub" 2040
	make_folder g-deep150 3600 A20261128960007 a.png
	deep_folder "$IN/g-deep150/sub" 150
	make_folder h-deep15 3600 A20261128960008 a.png
	deep_folder "$IN/h-deep15/sub" 14      # 16 levels with the folder itself
	make_folder z-good 3600 A20261128960009 a.png
	# READY: claimed now, whatever the mtimes deep down say
	for dir in "$IN"/*/; do touch "$dir/READY"; done
	cp -a "$IN/d-sparse/sparse.bin" "$TEST_TMP/sparse.ref"

	run_stages
	expect_eq "$label: ingest and validate exit 0" "$STATUSES" "0 0"
	for id in $(seq -f 'A2026112896%04g' 1 9); do
		if grep -qx "$id" "$TEST_TMP/ids"; then
			ok "$label: $id claimed and validated in the same run"
		else
			not_ok "$label: $id claimed and validated in the same run" \
				"$(tail -n 5 "$TEST_TMP/ingest.err")"
		fi
	done

	# hard link
	rejected_unsafe "$label: a hard link to a file outside is rejected unsafe-input" A20261128960001
	check "$label: ... with a sentence about hard links" \
		grep -q 'a.png has 2 names (hard links)' <(reason_of A20261128960001)
	expect_eq "$label: the outside file keeps its mode and content" \
		"$(stat -c %a "$other/secret.png") $(cat "$other/secret.png")" "644 outside secret"
	expect_eq "$label: HOME holds no link to the outside file" \
		"$(find -H "$H" -path "$H/inbox" -prune -o -samefile "$other/secret.png" -print | wc -l)" 0
	check "$label: its folder is kept whole in inbox/.quarantine" \
		test "$(stat -c %i "$IN/.quarantine/A20261128960001/a.png")" = "$(stat -c %i "$other/secret.png")"
	# special files
	rejected_unsafe "$label: a FIFO attachment is rejected unsafe-input" A20261128960002
	check "$label: ... with a sentence naming the FIFO" \
		grep -q 'a.png is a FIFO' <(reason_of A20261128960002)
	rejected_unsafe "$label: a device file is rejected unsafe-input" A20261128960003
	check "$label: ... with a sentence naming the device" \
		grep -q 'null is a device' <(reason_of A20261128960003)
	check "$label: the device is kept in inbox/.quarantine, not in HOME" bash -c \
		'test -c "$1/.quarantine/A20261128960003/null" && test -z "$(find "$2/spool" "$2/quarantine" ! -type f ! -type d)"' _ "$IN" "$H"
	# sparse
	sparse=$(find "$H/spool" "$H/quarantine" -path '*/A20261128960004/files/sparse.bin' | head -n 1)
	check "$label: a sparse file is copied byte for byte" cmp "$TEST_TMP/sparse.ref" "${sparse:-/dev/null}"
	check "$label: ... and stays sparse (under 1 MiB on disk for 40 MiB)" \
		test "$(du -k "${sparse:-/dev/null}" | cut -f1)" -lt 1024
	check "$label: ... and its original left the inbox" test ! -e "$IN/d-sparse"
	# 1 GB of junk
	rejected_unsafe "$label: 1 GB of files the dossier does not name is rejected unsafe-input" A20261128960005
	check "$label: ... naming the folder limit" \
		grep -q 'larger than the limit of 64 MiB' <(reason_of A20261128960005)
	expect_eq "$label: ... and the junk is not kept in HOME" \
		"$(find "$H/spool" "$H/quarantine" -name junk.bin | wc -l)" 0
	# deep folders
	for id in A20261128960006 A20261128960007; do
		rejected_unsafe "$label: $id (nested too deeply) is rejected unsafe-input" "$id"
		check "$label: $id: its REASON says how deep a folder may be" \
			grep -q 'nested deeper than 16 levels' <(reason_of "$id")
	done
	check "$label: the 2,040-level folder is kept whole in inbox/.quarantine" \
		test -d "$IN/.quarantine/A20261128960006/sub/d/d/d"
	check "$label: 16 levels are accepted (not refused as deep)" bash -c \
		'! grep -q "^refused=" "$1"/*/A20261128960008/claim 2>/dev/null' _ "$H"
	check "$label: the good folder behind them was claimed" \
		test -f "$(find "$H/spool" "$H/quarantine" -path '*/A20261128960009/files/a.png' | head -n 1)"
	check "$label: no stage crashed" bash -c \
		'! grep -E -i "segmentation|core dumped|AddressSanitizer|runtime error" "$@"' _ \
		"$TEST_TMP/ingest.err" "$TEST_TMP/validate.err"

	# the rerun: recovery and the scan never trip over what was kept
	run_stages
	expect_eq "$label: the rerun exits 0" "$STATUSES" "0 0"
	no_claims_left "$label: rerun"
	[ "${2:-}" = tmpfs ] && umount "$MNT"
}

layout same-fs
layout tmpfs tmpfs
finish
