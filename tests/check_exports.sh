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
# Every function a public header declares is exported (a declaration
# without a definition, or a forgotten CXLEMU_EXPORT, fails here).
hdrs="$(dirname "$0")/../include/cxlemu"
declared=$(awk '/CXLEMU_EXPORT/ { want = 1 }
	want && match($0, /cxlemu_[a-z0-9_]+\(/) { print substr($0, RSTART, RLENGTH - 1); want = 0 }' \
	"$hdrs"/*.h | sort -u)
missing=$(printf '%s\n' "$declared" | while read -r f; do
	printf '%s\n' "$syms" | grep -qx "$f" || printf '%s ' "$f"
done)
if [ -n "$missing" ]; then
	echo "declared in a public header but not exported: $missing"
	exit 1
fi
echo "ok - $(printf '%s\n' "$declared" | grep -c .) declared functions all exported"
