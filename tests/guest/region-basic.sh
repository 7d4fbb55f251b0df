#!/bin/bash
# End-to-end guest test: Linux creates a 2-way volatile CXL region on QEMU,
# uses it as devdax (fill + verify with cxlmem), then as system RAM on its
# NUMA node (cxlmem --node, busybox under numactl --membind).  Afterwards
# the host checks the words the guest wrote through the region in the
# memory backend files of the two devices, de-interleaved with the layout
# the guest reported (which device holds which position): the guest's view
# and the emulated decode agree.
#   tests/guest/region-basic.sh [--qemu PATH] [--image DIR] [--topology hb|switch]
#       [--bench SECONDS] [--timeout SECONDS] [--dmesg] [--keep]
# --bench runs cxlmem bench on the DAX device and on the node (SECONDS each);
# --dmesg prints the guest kernel's CXL, DAX and memory hotplug messages;
# --keep keeps the work directory (backend files, console log).
# Topologies:
#   hb      two host bridges, each one root port and one cxl-type3 with a
#           256 MiB volatile memdev; one window interleaving both host
#           bridges 2-way at 4 KiB (the default)
#   switch  one host bridge, one root port, a switch (cxl-upstream and two
#           cxl-downstream ports), two cxl-type3; the window targets the one
#           host bridge and the switch interleaves 2-way at 4 KiB
# QEMU defaults to $QEMU, else the stock build in
# ~/.cache/libcxlemu/qemu/build-stock.  The image is built (or found up to
# date) by mkimage.sh in its default place unless --image is given.
set -eu -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/libcxlemu
qemu=${QEMU:-$cache/qemu/build-stock/qemu-system-x86_64}
image=
topology=hb
bench=0
timeout=900
keep=
dmesg=

die() {
	echo "region-basic: error: $*" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--qemu | --image | --topology | --bench | --timeout)
		[ $# -ge 2 ] || die "$1 needs a value"
		case $1 in
		--qemu) qemu=$2 ;;
		--image) image=$2 ;;
		--topology) topology=$2 ;;
		--bench) bench=$2 ;;
		--timeout) timeout=$2 ;;
		esac
		shift 2
		;;
	--keep)
		keep=1
		shift
		;;
	--dmesg)
		dmesg=1
		shift
		;;
	-h | --help)
		sed -n '9,13s/^# \{0,1\}//p' "$0" >&2
		exit 2
		;;
	*) die "unknown argument '$1'" ;;
	esac
done
[ -x "$qemu" ] || die "no QEMU at '$qemu' (--qemu PATH or QEMU=PATH)"
case $bench in '' | *[!0-9]*) die "--bench takes whole seconds" ;; esac

if [ -z "$image" ]; then
	image=$cache/guest/image-x86_64
	"$here/mkimage.sh" --arch x86_64 "$image"
fi

work=$(mktemp -d /dev/shm/cxlemu-region-basic.XXXXXX)
cleanup() {
	if [ -n "$keep" ]; then
		echo "region-basic: kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

gran=4096
ways=2
# Two 256 MiB volatile devices with serial numbers 1 and 2 (the guest reports
# the serial at each position); file backends (sparse, in /dev/shm) named
# after the serial so the host can read them.
topo=(
	-object "memory-backend-file,id=cxl-mem0,share=on,mem-path=$work/sn1,size=256M"
	-object "memory-backend-file,id=cxl-mem1,share=on,mem-path=$work/sn2,size=256M"
)
# shellcheck disable=SC2054 # QEMU options are comma lists
case $topology in
hb)
	topo+=(
		-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1
		-device pxb-cxl,bus_nr=222,bus=pcie.0,id=cxl.2
		-device cxl-rp,port=0,bus=cxl.1,id=rp0,chassis=0,slot=2
		-device cxl-type3,bus=rp0,volatile-memdev=cxl-mem0,id=cxl-vmem0,sn=1
		-device cxl-rp,port=0,bus=cxl.2,id=rp1,chassis=0,slot=3
		-device cxl-type3,bus=rp1,volatile-memdev=cxl-mem1,id=cxl-vmem1,sn=2
		-M "cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.targets.1=cxl.2,cxl-fmw.0.size=4G,cxl-fmw.0.interleave-granularity=4k"
	)
	;;
switch)
	# shellcheck disable=SC2054
	topo+=(
		-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1
		-device cxl-rp,port=0,bus=cxl.1,id=rp0,chassis=0,slot=0
		-device cxl-upstream,bus=rp0,id=us0
		-device cxl-downstream,port=0,bus=us0,id=swport0,chassis=0,slot=4
		-device cxl-type3,bus=swport0,volatile-memdev=cxl-mem0,id=cxl-vmem0,sn=1
		-device cxl-downstream,port=1,bus=us0,id=swport1,chassis=0,slot=5
		-device cxl-type3,bus=swport1,volatile-memdev=cxl-mem1,id=cxl-vmem1,sn=2
		-M "cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G,cxl-fmw.0.interleave-granularity=4k"
	)
	;;
*) die "unknown --topology '$topology' (hb or switch)" ;;
esac

fill=4194304
seed=$((RANDOM + 1))
append="test.ways=$ways test.gran=$gran test.fill=$fill test.seed=$seed test.node=2097152 test.bench=$bench"
[ -z "$dmesg" ] || append="$append guest.dmesg"

echo "region-basic: topology $topology, QEMU $qemu"
status=0
"$here/run-guest.sh" --qemu "$qemu" --arch x86_64 --image "$image" \
	--script "$here/region-basic.guest.sh" --timeout "$timeout" --log "$work/console.log" \
	--append "$append" -- "${topo[@]}" | tee "$work/results" || status=$?

# The host's check of the backend files: the words of the filled range, at
# each position's DPA, de-interleaved.
region=$(grep '^GUEST-INFO region ' "$work/results" || true)
filled=$(grep '^GUEST-INFO fill ' "$work/results" || true)
if [ -n "$region" ] && [ -n "$filled" ]; then
	cxlmem=$work/cxlmem-host
	gcc -std=c11 -Wall -Wextra -O2 -o "$cxlmem" "$here/cxlmem.c"
	off=$(echo "$filled" | sed -n 's/.* offset=\([0-9]*\).*/\1/p')
	rgran=$(echo "$region" | sed -n 's/.* gran=\([0-9]*\).*/\1/p')
	rways=$(echo "$region" | sed -n 's/.* ways=\([0-9]*\).*/\1/p')
	p=0
	while [ "$p" -lt "$rways" ]; do
		# posP=memX:serial=0xS:dpa=0xD
		field=$(echo "$region" | tr ' ' '\n' | sed -n "s/^pos$p=//p")
		serial=$(echo "$field" | sed -n 's/.*:serial=\([^:]*\).*/\1/p')
		dpa=$(echo "$field" | sed -n 's/.*:dpa=\([^:]*\).*/\1/p')
		file=$work/sn$((serial))
		if [ -z "$serial" ] || [ -z "$dpa" ] || [ ! -f "$file" ]; then
			echo "HOST-FAIL backend position $p: cannot map '$field' to a backend file"
			status=1
		elif "$cxlmem" verify "$file" "$off" "$fill" "$seed" \
			--ileave "$rways:$rgran:$p:$dpa"; then
			echo "HOST-OK backend position $p: device serial $serial (guest ${field%%:*}), DPA $dpa"
		else
			echo "HOST-FAIL backend position $p: serial $serial: the guest's words are not where the region puts them"
			status=1
		fi
		# The check must tell the positions apart: the other position's
		# layout does not match this file.
		if [ -f "$file" ] && "$cxlmem" verify "$file" "$off" "$fill" "$seed" \
			--ileave "$rways:$rgran:$(((p + 1) % rways)):$dpa" > /dev/null 2>&1; then
			echo "HOST-FAIL backend position $p: the file also verifies as position $(((p + 1) % rways))"
			status=1
		fi
		p=$((p + 1))
	done
else
	echo "HOST-FAIL backend no region layout or fill reported by the guest"
	status=1
fi

if [ -n "$dmesg" ]; then
	echo "region-basic: guest kernel messages about CXL, DAX and memory:"
	tr -d '\r' < "$work/console.log" |
		sed -n '/^GUEST-DMESG-BEGIN/,/^GUEST-DMESG-END/p' |
		grep -iE 'cxl|dax|acpi0016|acpi0017|hmem|memory|node [0-9]|numa|srat|cedt' || true
fi
echo "region-basic: timings (seconds, TCG):"
sed -n 's/^GUEST-BOOT .*uptime=\([0-9.]*\).*/  init started at uptime \1/p;
	s/^GUEST-OK modules uptime=\([0-9.]*\)/  modules loaded at uptime \1/p;
	s/^GUEST-TIME \([^ ]*\) seconds=\([0-9.]*\)\(.*\)/  \1: \2\3/p' "$work/results"
if [ "$status" -ne 0 ]; then
	echo "region-basic: FAIL ($topology)"
	keep=1
	exit 1
fi
echo "region-basic: ok ($topology)"
