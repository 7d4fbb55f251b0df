#!/bin/sh
# Fetches QEMU's expected ACPI tables for the CXL test cases from Debian's
# qemu source package (trixie: QEMU 10.0) into DIR (default
# build-ci/qemu-acpi), without touching the system's apt sources: a private
# apt configuration in the cache directory lists trixie's deb-src.  Only the
# tables are extracted; nothing of QEMU is kept in the repository.
#   ./scripts/qemu-acpi-data.sh [DIR]
set -eu
cd "$(dirname "$0")/.."
out=${1:-build-ci/qemu-acpi}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/libcxlemu/qemu-src
mkdir -p "$out" "$cache/lists/partial" "$cache/sources.d" "$cache/archives"
if [ -f "$out/CEDT.cxl" ]; then
	exit 0
fi
if ! ls "$cache"/archives/qemu_10.0.*+ds.orig.tar.xz > /dev/null 2>&1; then
	cat > "$cache/sources.d/trixie-src.sources" <<EOS
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
	apt_opts="-o Dir::Etc::sourcelist=/dev/null -o Dir::Etc::sourceparts=$cache/sources.d \
		-o Dir::State::lists=$cache/lists -o APT::Get::List-Cleanup=0 -o Debug::NoLocking=1 \
		-o APT::Sandbox::User=root"
	# shellcheck disable=SC2086
	apt-get -qq $apt_opts update
	# shellcheck disable=SC2086
	(cd "$cache/archives" && apt-get -qq $apt_opts source --download-only qemu)
fi
tarball=$(ls "$cache"/archives/qemu_10.0.*+ds.orig.tar.xz | tail -n 1)
tmp=$(mktemp -d)
tar -xJf "$tarball" -C "$tmp" --wildcards '*/tests/data/acpi/x86/q35/CEDT.*'
cp "$tmp"/qemu-*/tests/data/acpi/x86/q35/CEDT.* "$out"/
rm -rf "$tmp"
echo "QEMU $(basename "$tarball" | sed 's/qemu_\([^+]*\)+ds.*/\1/') tables in $out: $(ls "$out" | tr '\n' ' ')"
