#!/bin/sh
# Builds QEMU with the libcxlemu front-end (or, with --stock, the same QEMU
# without it, for comparisons), from Debian's source package:
#   frontends/qemu/build-qemu.sh [--stock] [--arch x86_64|aarch64]... [--tests]
#                                [--asan] [-j N]
# 1. installs the build dependencies (Debian packages);
# 2. takes meson >= 1.5 from Debian trixie unpacked into the cache (QEMU 10
#    needs it; the system's meson is left alone);
# 3. fetches the pinned QEMU source (frontends/qemu/qemu-version) from the
#    Debian archive, failing clearly when the archive no longer has it;
# 4. applies frontends/qemu/patches/series.common (build fixes, both
#    variants) and series, and copies frontends/qemu/glue/ into
#    hw/cxl/cxlemu/ (not for --stock);
# 5. builds and installs libcxlemu (static) into a private prefix found by
#    QEMU's configure through pkg-config (-Dcxlemu=enabled);
# 6. configures and builds with ccache.
# --asan builds QEMU and the library with AddressSanitizer and
# UndefinedBehaviorSanitizer (for the qtests; slow): give it its own
# CXLEMU_QEMU_WORK, or every switch between the two rebuilds everything.
# Everything lives under ${XDG_CACHE_HOME:-~/.cache}/libcxlemu/qemu (trees
# and builds under $CXLEMU_QEMU_WORK when set); nothing of QEMU enters the
# repository.  Prints the directory of the binaries.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/qemu-version"
. "$top/scripts/debian-archive.sh"

variant=cxlemu
arches=""
tests=0
asan=0
jobs=$(nproc)
while [ $# -gt 0 ]; do
	case $1 in
	--stock) variant=stock ;;
	--arch) shift; arches="$arches $1" ;;
	--tests) tests=1 ;;
	--asan) asan=1 ;;
	-j) shift; jobs=$1 ;;
	*) echo "usage: $0 [--stock] [--arch x86_64|aarch64]... [--tests] [--asan] [-j N]" >&2; exit 2 ;;
	esac
	shift
done
arches=${arches:-x86_64}
targets=""
for a in $arches; do
	case $a in
	x86_64|aarch64) targets="$targets${targets:+,}$a-softmmu" ;;
	*) echo "error: unsupported architecture '$a' (x86_64, aarch64)" >&2; exit 2 ;;
	esac
done

# Downloads are shared; the trees and builds go to CXLEMU_QEMU_WORK (default
# the same cache directory), so that several checkouts can build side by
# side.  ccache sees paths relative to it and shares objects among them.
cache=${XDG_CACHE_HOME:-$HOME/.cache}/libcxlemu/qemu
work=${CXLEMU_QEMU_WORK:-$cache}
mkdir -p "$cache" "$work"
export CCACHE_BASEDIR="$work"
log() { echo "build-qemu: $*" >&2; }

# 1. Build dependencies.
pkgs="gcc g++ libc6-dev make ninja-build pkg-config python3 python3-venv \
	libglib2.0-dev zlib1g-dev libfdt-dev ccache rsync xz-utils \
	seabios ipxe-qemu"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	log "installing$missing"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

deb_archive_init "$QEMU_SUITE"

# 2. meson >= 1.5 and pycotap (QEMU's configure wants both; bookworm has
# an older meson and no pycotap): the suite's packages, unpacked into the
# cache and put on PYTHONPATH.
pydir=$cache/python
export PYTHONPATH="$pydir/usr/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}"
if ! python3 -c 'import mesonbuild.coredata as c, pycotap, sys
v = tuple(int(x) for x in c.version.split(".")[:2]); sys.exit(v < (1, 5))' 2>/dev/null; then
	log "unpacking meson and pycotap from Debian $QEMU_SUITE"
	rm -rf "$pydir" "$cache/python-debs"
	deb_archive_download "$cache/python-debs" meson python3-pycotap
	for d in "$cache"/python-debs/*.deb; do
		dpkg -x "$d" "$pydir"
	done
fi

# 3. The pinned source.
srcdir=$cache/source
tarball=$srcdir/qemu_$QEMU_VERSION+ds.orig.tar.xz
if [ ! -f "$tarball" ]; then
	have=$(deb_archive_source_version qemu)
	case $have in
	*:$QEMU_VERSION+ds-*) ;;
	*)
		echo "error: Debian $QEMU_SUITE has qemu '${have:-nothing}', but this front-end is pinned to $QEMU_VERSION" >&2
		echo "       (frontends/qemu/qemu-version); update the pin and check frontends/qemu/patches against it." >&2
		exit 1
		;;
	esac
	log "downloading qemu $have source from Debian $QEMU_SUITE"
	deb_archive_source "$srcdir" qemu
	[ -f "$tarball" ] || { echo "error: the download did not give $tarball" >&2; exit 1; }
fi

# 4. A patched tree.  It is prepared in a scratch directory and synced by
# content, so files that did not change keep their times and ninja
# rebuilds only what a patch or glue change touches.
tree=$work/src-$variant
series="series.common"
[ "$variant" = stock ] || series="$series series"
stamp=$( (echo "$QEMU_VERSION $variant"; cd "$here/patches" && cat $series &&
	cat $(cat $series); [ "$variant" = stock ] || cat "$here"/glue/* "$here"/qtest/* 2>/dev/null) |
	sha256sum | cut -c1-16)
if [ "$(cat "$tree/.cxlemu-stamp" 2>/dev/null)" != "$stamp" ]; then
	log "preparing $variant source tree"
	scratch=$work/scratch-$variant
	rm -rf "$scratch"
	mkdir -p "$scratch"
	tar -xJf "$tarball" -C "$scratch" --strip-components=1
	for p in $(cd "$here/patches" && cat $series); do
		patch -d "$scratch" -p1 --quiet --forward < "$here/patches/$p" || {
			echo "error: patch $p does not apply to QEMU $QEMU_VERSION" >&2
			exit 1
		}
	done
	if [ "$variant" = cxlemu ]; then
		mkdir -p "$scratch/hw/cxl/cxlemu"
		cp "$here"/glue/* "$scratch/hw/cxl/cxlemu/"
		if [ -d "$here/qtest" ]; then
			cp "$here"/qtest/*.c "$scratch/tests/qtest/"
		fi
	fi
	mkdir -p "$tree"
	rsync -rlc --delete --exclude=.cxlemu-stamp "$scratch/" "$tree/"
	rm -rf "$scratch"
	echo "$stamp" > "$tree/.cxlemu-stamp"
fi

# 5. libcxlemu, static, in a private prefix.
extra=""
if [ "$variant" = cxlemu ]; then
	lb=$work/libcxlemu-build
	prefix=$work/libcxlemu
	# Sanitized QEMU links a sanitized library (errors in it show too).
	san=none
	[ "$asan" -eq 0 ] || san=address,undefined
	if [ -d "$lb" ]; then
		meson setup --reconfigure "$lb" "$top" -Db_sanitize=$san \
			-Db_lundef=false >/dev/null
	else
		meson setup "$lb" "$top" --prefix="$prefix" --libdir=lib \
			-Dbuildtype=release -Dtests=disabled -Dcli=disabled \
			-Ddocs=disabled -Db_sanitize=$san -Db_lundef=false >/dev/null
	fi
	ninja -C "$lb" -j "$jobs" install >/dev/null
	export PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
	extra="-Dcxlemu=enabled"
fi

# 6. Configure (when the tree or the options changed) and build.
build=$work/build-$variant
conf="--target-list=$targets --without-default-features --enable-fdt=system \
	--disable-docs --disable-download --disable-install-blobs \
	--python=/usr/bin/python3 $extra"
[ "$asan" -eq 0 ] || conf="$conf --enable-asan --enable-ubsan"
mkdir -p "$build"
export PATH="/usr/lib/ccache:$PATH"
if [ "$(cat "$build/.cxlemu-conf" 2>/dev/null)" != "$conf" ] || [ ! -f "$build/build.ninja" ]; then
	log "configuring ($conf)"
	# shellcheck disable=SC2086
	(cd "$build" && "$tree/configure" $conf > configure.log 2>&1) || {
		tail -n 30 "$build/configure.log" >&2
		echo "error: QEMU's configure failed (log: $build/configure.log)" >&2
		exit 1
	}
	echo "$conf" > "$build/.cxlemu-conf"
fi
want=""
for a in $arches; do
	want="$want qemu-system-$a"
done
if [ "$tests" -eq 1 ]; then
	want="$want tests/qtest/cxl-test tests/qtest/bios-tables-test"
	if [ "$variant" = cxlemu ] && [ -d "$here/qtest" ]; then
		want="$want tests/qtest/cxlemu-regs-test"
	fi
fi
log "building$want"
# shellcheck disable=SC2086
ninja -C "$build" -j "$jobs" $want > "$build/ninja.log" 2>&1 || {
	grep -B2 -A12 'error' "$build/ninja.log" | head -n 60 >&2
	echo "error: QEMU build failed (log: $build/ninja.log)" >&2
	exit 1
}
# The +ds tarball has no firmware: link Debian's (seabios, ipxe-qemu) into
# the data directory a QEMU run from the build tree reads (qemu-bundle).
datadir=$(dirname "$(find "$build/qemu-bundle" -path '*/share/qemu/trace-events-all' | head -n 1)")
for f in /usr/share/seabios/*.bin /usr/lib/ipxe/qemu/*.rom; do
	[ -e "$f" ] && ln -sf "$f" "$datadir/$(basename "$f")"
done
echo "$build"
