#!/bin/sh
# Installs what libcxlemu needs to build, test, fuzz and document, from
# Debian's packages.  Does nothing when everything is already there.
set -eu

pkgs="gcc g++ libc6-dev binutils meson ninja-build pkg-config libcmocka-dev doxygen clang acpica-tools python3"
# tests/guest/mkimage.sh: unpacking Debian packages, decompressing and
# indexing kernel modules, packing the initramfs.
pkgs="$pkgs cpio kmod xz-utils zstd debian-archive-keyring"

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
fi

if [ -n "$missing" ]; then
	echo "deps: installing$missing"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi

# libFuzzer and the sanitizer runtimes of the clang that was installed.
ver=$(clang -dumpversion | cut -d. -f1)
rt="libclang-rt-$ver-dev"
if ! dpkg-query -W -f='${Status}' "$rt" 2>/dev/null | grep -q "ok installed"; then
	if apt-cache show "$rt" >/dev/null 2>&1; then
		echo "deps: installing $rt"
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$rt" >/dev/null
	fi
fi
