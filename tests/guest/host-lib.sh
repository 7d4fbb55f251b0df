# shellcheck shell=bash
# Helpers for the host side of the guest tests (bash), sourced by
# run-guest.sh, region-basic.sh and qemu-guest-tests.sh; $here must be
# tests/guest.
#   cache                   ${XDG_CACHE_HOME:-$HOME/.cache}/libcxlemu
#   build_cli               builds the cxlemu CLI of this checkout (meson,
#                           under the cache, one build per checkout) and
#                           prints its path; the build log on stderr when it
#                           fails
#   build_cxlmem NAME CC [FLAGS...]
#                           builds cxlmem (one build per version of its
#                           source) and prints its path
#   build_host_cxlmem       the same for the host

# shellcheck disable=SC2154 # $here comes from the sourcing script
cache=${XDG_CACHE_HOME:-$HOME/.cache}/libcxlemu

build_cli() {
	local src dir
	src=$(cd "$here/../.." && pwd)
	# One build directory per checkout (a meson build belongs to one source
	# tree); ninja makes it current.
	dir=$cache/guest/cli-$(echo "$src" | sha256sum | cut -c1-12)
	mkdir -p "$cache/guest"
	if [ ! -f "$dir/build.ninja" ]; then
		rm -rf "$dir"
		meson setup "$dir" "$src" -Dcli=enabled -Dtests=disabled -Ddocs=disabled \
			> "$dir.log" 2>&1 || {
			tail -n 30 "$dir.log" >&2
			return 1
		}
	fi
	ninja -C "$dir" frontends/cli/cxlemu > "$dir.log" 2>&1 || {
		tail -n 30 "$dir.log" >&2
		return 1
	}
	echo "$dir/frontends/cli/cxlemu"
}

# build_cxlmem NAME CC [FLAGS...]: cxlmem.c built with CC in
# cache/guest/NAME/SOURCE-HASH/ (checkouts with other versions of the
# source, and runs side by side, do not step on each other); prints its
# path.  Builds unused for a week are removed.
build_cxlmem() {
	local name=$1 cc=$2 sum dir tmp
	shift 2
	sum=$(sha256sum "$here/cxlmem.c" | cut -c1-16)
	dir=$cache/guest/$name/$sum
	if [ ! -x "$dir/cxlmem" ]; then
		mkdir -p "$dir"
		tmp=$(mktemp "$dir/cxlmem.XXXXXX")
		"$cc" -std=c11 -Wall -Wextra -O2 "$@" -o "$tmp" "$here/cxlmem.c" >&2 || {
			rm -f "$tmp"
			return 1
		}
		mv -f "$tmp" "$dir/cxlmem"
	fi
	touch "$dir"
	find "$cache/guest/$name" -mindepth 1 -maxdepth 1 -type d -mtime +7 \
		-exec rm -rf {} + 2> /dev/null || true
	echo "$dir/cxlmem"
}

build_host_cxlmem() {
	build_cxlmem cxlmem-host gcc
}

# backends_2way HOSTMEM FILE0 FILE1 BYTES SEED: a 2-way 4 KiB region's first
# BYTES, filled by the guest with SEED, are in the two backend files, one
# interleave position each (either order).  HOST-OK / HOST-FAIL, 0 / 1.
backends_2way() {
	local hostmem=$1 f p found=""
	for f in "$2" "$3"; do
		for p in 0 1; do
			if "$hostmem" verify "$f" 0 "$4" "$5" --ileave "2:4096:$p:0" > /dev/null 2>&1; then
				found="$found $(basename "$f"):$p"
			fi
		done
	done
	case $found in
	" $(basename "$2"):0 $(basename "$3"):1" | " $(basename "$2"):1 $(basename "$3"):0")
		echo "HOST-OK backends:$found" ;;
	*)
		echo "HOST-FAIL backends: positions found:${found:- none}"
		return 1 ;;
	esac
}

# guest_setup NAME TIMEOUT "$@": what every single-scenario guest test
# (mailbox.sh, fwregion.sh, hotplug.sh, switchcci.sh, arm64.sh) starts
# with: its options (--qemu PATH, default $QEMU or the front-end build;
# --image DIR, default the image mkimage.sh keeps up to date; --timeout
# SECONDS), then a work directory in /dev/shm.  Sets qemu, image, timeout
# and work.  The guest architecture is $guest_arch (default x86_64).
guest_setup() {
	local name=$1 arch=${guest_arch:-x86_64}
	timeout=$2
	shift 2
	qemu=${QEMU:-$cache/qemu/build-cxlemu/qemu-system-$arch}
	image=""
	while [ $# -gt 0 ]; do
		case $1 in
		--qemu) qemu=${2:?}; shift 2 ;;
		--image) image=${2:?}; shift 2 ;;
		--timeout) timeout=${2:?}; shift 2 ;;
		*) echo "$name: unknown argument '$1'" >&2; exit 2 ;;
		esac
	done
	if [ ! -x "$qemu" ]; then
		echo "$name: no QEMU at '$qemu' (--qemu PATH or QEMU=PATH)" >&2
		exit 2
	fi
	if [ -z "$image" ]; then
		image=$cache/guest/image-$arch
		"$here/mkimage.sh" --arch "$arch" "$image"
	fi
	work=$(mktemp -d "/dev/shm/cxlemu-$name.XXXXXX")
}

# library_in_charge QEMU_LOG: QEMU traced cxlemu_setup and did not fall back
# to its own CXL emulation (prints HOST-OK / HOST-FAIL, returns 0 / 1).
library_in_charge() {
	if grep -q '^cxlemu_setup' "$1" && ! grep -q 'falling back' "$1"; then
		echo "HOST-OK libcxlemu runs the machine"
	else
		echo "HOST-FAIL libcxlemu is not in charge: $(head -n 3 "$1")"
		return 1
	fi
}
