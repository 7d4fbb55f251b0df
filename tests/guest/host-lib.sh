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
