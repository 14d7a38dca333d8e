#!/usr/bin/env bash
# tests/build/test_shellcheck.sh - shellcheck -S warning over every shell
# script of the tree (pipeline.sh, the tests and their helpers, bench/,
# samples/, .ci/run): one check per script, its findings shown when it
# fails.
set -u
cd "$(dirname "$0")/../.." || exit 70

if ! command -v shellcheck >/dev/null; then
	echo "not ok - shellcheck: not installed (make deps)"
	exit 1
fi
# every *.sh, and every file whose first line names sh or bash; not what
# a build or a run made
mapfile -t scripts < <(find . \( -path ./build -o -path ./bin -o \
    -path ./var -o -path ./.git \) -prune -o -type f -print |
    while read -r f; do
	case $f in
	*.sh) echo "$f" ;;
	*) head -n 1 "$f" 2>/dev/null | grep -q '^#!.*\<\(ba\)\?sh\>' &&
		echo "$f" ;;
	esac
    done | sort)
if [ "${#scripts[@]}" -lt 10 ]; then
	echo "not ok - shellcheck: only ${#scripts[@]} scripts found"
	exit 1
fi
for f in "${scripts[@]}"; do
	name=${f#./}
	# sourced helpers have no shebang: they are bash like their callers
	if out=$(shellcheck -s bash -S warning "$f" 2>&1); then
		echo "ok - shellcheck: $name"
	else
		echo "not ok - shellcheck: $name"
		sed 's/^/# /' <<<"$out" | head -n 40
	fi
done
