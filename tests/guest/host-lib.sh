# shellcheck shell=bash
# Helpers for the host side of the guest tests (bash), sourced by
# region-basic.sh and qemu-guest-tests.sh; $here must be tests/guest.
#   cache                   ${XDG_CACHE_HOME:-$HOME/.cache}/libcxlemu
#   build_cli               builds the cxlemu CLI of this checkout (meson,
#                           under the cache, one build per checkout) and
#                           prints its path; the build log on stderr when it
#                           fails
#   build_host_cxlmem       builds cxlmem for the host (rebuilt when its
#                           source changes) and prints its path

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

build_host_cxlmem() {
	local out sum
	out=$cache/guest/cxlmem-host/cxlmem
	sum=$(sha256sum "$here/cxlmem.c" | cut -d' ' -f1)
	if [ ! -x "$out" ] || [ "$(cat "$out.sum" 2> /dev/null)" != "$sum" ]; then
		mkdir -p "$(dirname "$out")"
		gcc -std=c11 -Wall -Wextra -O2 -o "$out.tmp" "$here/cxlmem.c" >&2 || return 1
		mv "$out.tmp" "$out"
		echo "$sum" > "$out.sum"
	fi
	echo "$out"
}
