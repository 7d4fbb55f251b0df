#!/bin/bash
# The guest test matrix of the libcxlemu QEMU front-end: builds or refreshes
# the guest image (mkimage.sh), then boots one guest per topology
# (region-basic.sh: hb, switch, hb3, linear), which together cover the
# front-end's three paths (linear, translated, routed), data kept across a
# re-commit, data placed by libcxlemu's decode at two granularities, and the
# CXL memory as system RAM.
#   tests/guest/qemu-guest-tests.sh [--image DIR] [--topology LIST] [--jobs N]
#       [--keep] QEMU_BINARY
# Prints one line per check, "ok - NAME" or "not ok - NAME" (the guest's
# output only for a topology that failed), per-topology timings as "# "
# lines and "N passed, M failed" last; exit status 1 when a check failed,
# 2 on bad usage.  QEMU_BINARY must be the libcxlemu build (it has the
# cxlemu_layout trace event).  --topology takes a comma-separated subset;
# --jobs N boots up to N guests at a time (default 1: this is TCG, one
# busy host thread per guest); --keep keeps every work directory.
# CXLEMU_CLI may name a built cxlemu CLI; by default it is built from this
# checkout under ~/.cache/libcxlemu/guest/.
set -eu -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/guest/host-lib.sh
. "$here/host-lib.sh"

usage() {
	sed -n '8,9s/^# \{0,1\}//p' "$0" >&2
	exit 2
}
die() {
	echo "qemu-guest-tests: error: $*" >&2
	exit 2
}

image=
topologies=
jobs=1
keep=()
qemu=
while [ $# -gt 0 ]; do
	case $1 in
	--image | --topology | --jobs)
		[ $# -ge 2 ] || die "$1 needs a value"
		case $1 in
		--image) image=$2 ;;
		--topology) topologies=$2 ;;
		--jobs) jobs=$2 ;;
		esac
		shift 2
		;;
	--keep)
		keep=(--keep)
		shift
		;;
	-h | --help) usage ;;
	-*) die "unknown option '$1'" ;;
	*)
		[ -z "$qemu" ] || die "one QEMU_BINARY only ('$qemu', then '$1')"
		qemu=$1
		shift
		;;
	esac
done
[ -n "$qemu" ] || usage
case $jobs in '' | *[!0-9]* | 0) die "--jobs takes a positive number, not '$jobs'" ;; esac
all=$("$here/region-basic.sh" --list | cut -d: -f1 | tr '\n' ' ')
topologies=$(echo "${topologies:-$all}" | tr ',' ' ')
for t in $topologies; do
	case " $all " in *" $t "*) ;; *) die "unknown topology '$t' (one of: $all)" ;; esac
done

passed=0
failed=0
# check NAME COMMAND...: one check, counted.
check() {
	local name=$1
	shift
	if "$@"; then
		echo "ok - $name"
		passed=$((passed + 1))
	else
		echo "not ok - $name"
		failed=$((failed + 1))
	fi
}
summary() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

start=$(date +%s.%N)
elapsed() {
	awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}

is_cxlemu_qemu() {
	if [ ! -x "$qemu" ]; then
		echo "# qemu-guest-tests: '$qemu' is not an executable"
		return 1
	fi
	if ! "$qemu" -trace help 2> /dev/null | grep -qx cxlemu_layout; then
		echo "# qemu-guest-tests: $qemu has no cxlemu_layout trace event: not the libcxlemu build"
		return 1
	fi
}
check "$qemu is the libcxlemu build of QEMU (cxlemu_layout trace event)" is_cxlemu_qemu
if [ "$failed" -ne 0 ]; then
	summary || exit 1
fi

t=$(date +%s.%N)
if [ -z "$image" ]; then
	image=$cache/guest/image-x86_64
fi
mkimage() {
	"$here/mkimage.sh" --arch x86_64 "$image" 2>&1 | sed 's/^/# /'
}
check "guest image $image (mkimage.sh)" mkimage
echo "# image: $(elapsed "$t") s"
cli=${CXLEMU_CLI:-}
tools() {
	if [ -z "$cli" ]; then
		cli=$(build_cli 2> >(sed 's/^/# /')) || return 1
	fi
	[ -x "$cli" ] || {
		echo "# qemu-guest-tests: no cxlemu CLI at '$cli'"
		return 1
	}
	build_host_cxlmem > /dev/null
}
t=$(date +%s.%N)
check "host tools: cxlemu CLI and cxlmem" tools
echo "# tools: $(elapsed "$t") s"
if [ "$failed" -ne 0 ]; then
	summary || exit 1
fi

out=$(mktemp -d "${TMPDIR:-/tmp}/qemu-guest-tests.XXXXXX")
trap 'rm -rf "$out"' EXIT
# run_one TOPOLOGY: region-basic.sh into out/TOPOLOGY.{log,rc,time}.
run_one() {
	local t0 rc=0
	t0=$(date +%s.%N)
	"$here/region-basic.sh" --quiet --qemu "$qemu" --image "$image" --cli "$cli" \
		--topology "$1" "${keep[@]}" > "$out/$1.log" 2>&1 || rc=$?
	elapsed "$t0" > "$out/$1.time"
	echo "$rc" > "$out/$1.rc"
}
# report TOPOLOGY: its lines, counted; a run that stopped half-way or
# failed without saying which check is a failed check of its own.
report() {
	local rc nok nbad
	rc=$(cat "$out/$1.rc")
	cat "$out/$1.log"
	nok=$(grep -c '^ok - ' "$out/$1.log" || true)
	nbad=$(grep -c '^not ok - ' "$out/$1.log" || true)
	if ! grep -qx "# region-basic: done $1" "$out/$1.log"; then
		echo "not ok - $1: region-basic.sh stopped before its end (exit status $rc)"
		nbad=$((nbad + 1))
	elif [ "$rc" -ne 0 ] && [ "$nbad" -eq 0 ]; then
		echo "not ok - $1: region-basic.sh exit status $rc"
		nbad=1
	fi
	passed=$((passed + nok))
	failed=$((failed + nbad))
	timings="$timings $1=$(cat "$out/$1.time")s"
}

timings=
running=()
for t in $topologies; do
	if [ "$jobs" -eq 1 ]; then
		run_one "$t"
		report "$t"
		continue
	fi
	# Up to N at a time; reported in order once each finished.
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n || true
	done
	run_one "$t" &
	running+=("$t")
done
if [ "$jobs" -gt 1 ]; then
	wait
	for t in "${running[@]}"; do
		report "$t"
	done
fi
echo "# timings (s):$timings, total $(elapsed "$start")"
summary
