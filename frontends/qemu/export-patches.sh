#!/bin/sh
# For developers of the front-end: turns the commits of a QEMU git tree
# (made from the pinned source, its first commit the unmodified tarball)
# into frontends/qemu/patches/.  Commits whose subject starts with "build:"
# go to series.common (applied to the stock build too), the rest to series.
#   frontends/qemu/export-patches.sh QEMU_GIT_TREE
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tree=${1:?usage: $0 QEMU_GIT_TREE}
base=$(git -C "$tree" rev-list --max-parents=0 HEAD)
rm -f "$here"/patches/*.patch
git -C "$tree" format-patch -q -N --no-signature --zero-commit --no-stat \
	-o "$here/patches" "$base..HEAD"
: > "$here/patches/series"
: > "$here/patches/series.common"
for p in "$here"/patches/*.patch; do
	if sed -n 's/^Subject: \[PATCH[^]]*\] //p' "$p" | grep -q '^build:'; then
		basename "$p" >> "$here/patches/series.common"
	else
		basename "$p" >> "$here/patches/series"
	fi
done
echo "$(wc -l < "$here/patches/series.common") common, $(wc -l < "$here/patches/series") front-end patches"
