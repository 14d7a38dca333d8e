#!/usr/bin/env bash
# tests/build/test_reproducible.sh - the same sources give byte-identical
# programs from any checkout path (-ffile-prefix-map): two copies of the
# tree under different directories are built and every program and the
# library compared.
set -u
cd "$(dirname "$0")/../.." || exit 70
tmp=$(mktemp -d "${TMPDIR:-/tmp}/credpipe-repro.XXXXXX") || exit 70
trap 'rm -rf "$tmp"' EXIT

# copy_tree DIR - the sources (what git tracks, or the tree without
# what builds make)
copy_tree() {
	mkdir -p "$1"
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files -z | xargs -0 cp --parents -t "$1"
	else
		tar -cf - --exclude=./build --exclude=./bin --exclude=./var . |
			tar -xf - -C "$1"
	fi
}

a=$tmp/a
b=$tmp/checkout/with/a/much/longer/path
for d in "$a" "$b"; do
	copy_tree "$d"
	if ! make -s -C "$d" -j2 all >"$tmp/log" 2>&1; then
		echo "not ok - reproducible: build in $d"
		sed 's/^/# /' "$tmp/log" | tail -n 20
		exit 1
	fi
done
n=0
for p in "$a"/bin/*; do
	name=$(basename "$p")
	n=$((n + 1))
	if cmp -s "$p" "$b/bin/$name"; then
		echo "ok - reproducible: bin/$name is byte-identical from two paths"
	else
		echo "not ok - reproducible: bin/$name differs between two paths"
		cmp "$p" "$b/bin/$name" | sed 's/^/# /'
	fi
done
[ "$n" -gt 0 ] || echo "not ok - reproducible: no program was built"
# the library too: ar must not stamp times, owners or modes into it
lib=build/std/libcredpipe.a
if cmp -s "$a/$lib" "$b/$lib"; then
	echo "ok - reproducible: $lib is byte-identical from two paths"
else
	echo "not ok - reproducible: $lib differs between two paths"
fi
