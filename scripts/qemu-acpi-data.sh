#!/bin/sh
# Fetches QEMU's expected ACPI tables for the CXL test cases from Debian's
# qemu source package (the version frontends/qemu/qemu-version pins) into
# DIR (default build-ci/qemu-acpi), without touching the system's apt
# sources (scripts/debian-archive.sh).  The source tarball is shared with
# frontends/qemu/build-qemu.sh; only the tables are extracted, nothing of
# QEMU is kept in the repository.
#   ./scripts/qemu-acpi-data.sh [DIR]
set -eu
cd "$(dirname "$0")/.."
. frontends/qemu/qemu-version
. scripts/debian-archive.sh
out=${1:-build-ci/qemu-acpi}
srcdir=${XDG_CACHE_HOME:-$HOME/.cache}/libcxlemu/qemu/source
tarball=$srcdir/qemu_$QEMU_VERSION+ds.orig.tar.xz
mkdir -p "$out"
if [ -f "$out/CEDT.cxl" ]; then
	exit 0
fi
if [ ! -f "$tarball" ]; then
	deb_archive_init "$QEMU_SUITE"
	deb_archive_source "$srcdir" qemu
	[ -f "$tarball" ] || {
		echo "error: Debian $QEMU_SUITE no longer has qemu $QEMU_VERSION (frontends/qemu/qemu-version)" >&2
		exit 1
	}
fi
tmp=$(mktemp -d)
tar -xJf "$tarball" -C "$tmp" --wildcards '*/tests/data/acpi/x86/q35/CEDT.*'
cp "$tmp"/qemu-*/tests/data/acpi/x86/q35/CEDT.* "$out"/
rm -rf "$tmp"
echo "QEMU $QEMU_VERSION tables in $out: $(ls "$out" | tr '\n' ' ')"
