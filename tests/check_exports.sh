#!/bin/sh
# Every dynamic symbol the library defines is cxlemu_* (plus the version node).
set -u
syms=$(nm -D --defined-only "$1" | awk '{print $3}' | sed 's/@.*//')
bad=$(printf '%s\n' "$syms" | grep -v -e '^cxlemu_' -e '^CXLEMU_' -e '^$')
if [ -n "$bad" ]; then
	echo "symbols outside the API: $bad"
	exit 1
fi
for s in cxlemu_route_table_build cxlemu_hpa_to_dpa cxlemu_strerror; do
	printf '%s\n' "$syms" | grep -qx "$s" || { echo "missing $s"; exit 1; }
done
# Internal helpers stay hidden even though they are named cxlemu_*.
for s in cxlemu_log cxlemu_walk_hpa cxlemu_decode_params; do
	if printf '%s\n' "$syms" | grep -qx "$s"; then echo "internal $s exported"; exit 1; fi
done
echo "ok - $(printf '%s\n' "$syms" | grep -c '^cxlemu_') API symbols exported"
