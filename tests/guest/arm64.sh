#!/bin/bash
# CXL on the aarch64 `virt` machine (TCG, UEFI + ACPI), served by the same
# libcxlemu front-end as q35: four host bridges, two with a device each and
# interleaved 2-way by windows 0 (4 KiB) and 1 (256 B), one with a switch
# and two devices below it (window 2, interleaved 2-way by the switch), one
# with a single device (window 3).
# The firmware commits a 512 MiB region on each window (`-object
# cxlemu-region`); Linux assembles them and creates one more on window 1.
# The guest (arm64.guest.sh) checks the ACPI objects, enumeration, the
# mailbox (identify, partition and firmware info) and the data through
# every region; the host then checks
#   - that the library models the machine (cxlemu_setup) and QEMU reported
#     no warnings or guest errors;
#   - where `virt` put the windows (above its high PCIe MMIO, 256 MiB
#     aligned, as the guest's root decoders see them);
#   - from -trace cxlemu_layout, that page translation served the 4 KiB
#     regions, per-access routing the 256 B one and an alias of the
#     device's memory the 1-way one;
#   - the data the guest wrote, in the backend files at the positions and
#     DPAs the guest's layout gives them.
# Debian's arm64 kernel 6.12 cannot flush CPU caches for CXL memory and so
# refuses to commit a region it creates (no cache maintenance for
# cxl_region_invalidate_memregion() on arm64): then the created region is
# reported as skipped ("SKIP" lines) and only the firmware's region carries
# data.
#   tests/guest/arm64.sh [--qemu PATH] [--image DIR] [--timeout SECONDS]
# QEMU defaults to $QEMU, else the front-end build
# ~/.cache/libcxlemu/qemu/build-cxlemu/qemu-system-aarch64 (build-qemu.sh
# --arch aarch64); the image to mkimage.sh --arch aarch64's.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/guest/host-lib.sh
. "$here/host-lib.sh"
# shellcheck disable=SC2034 # read by guest_setup
guest_arch=aarch64
guest_setup arm64 600 "$@"
hostmem=$(build_host_cxlmem) || {
	echo "arm64: cannot build cxlmem for the host" >&2
	exit 2
}
# The work directory (backend files, console and QEMU logs) is kept when
# a check failed.
trap '[ "${status:-1}" -ne 0 ] && echo "arm64: kept $work" || rm -rf "$work"' EXIT
seed=$((RANDOM + 1))
memsize=805306368
# Host bridges cxl.1 and cxl.2 with a root port and a device each
# (cxl-vmem0, cxl-vmem1), cxl.3 with a switch and two devices below it
# (cxl-vmem2, cxl-vmem3), cxl.4 with a root port and cxl-vmem4, all with
# HDM decoders (Linux assembles firmware regions only through decoding
# host bridges).  Device I: serial I + 1, 768 MiB volatile, backend file
# snI+1.  Windows: 0 and 1 interleave cxl.1 and cxl.2 at 4 KiB and 256 B,
# 2 is cxl.3's, 3 cxl.4's.  The firmware commits a 512 MiB region on each
# (fw0: translated, fw1: routed, fw2: interleaved by the switch at 4 KiB,
# translated, fw3: one way, linear); Linux creates one more on window 1
# from the last third of cxl-vmem0 and cxl-vmem1.
topo=(-trace cxlemu_layout -trace cxlemu_setup -d guest_errors)
for i in 0 1 2 3 4; do
	topo+=(-object "memory-backend-file,id=cxl-mem$i,share=on,mem-path=$work/sn$((i + 1)),size=768M")
done
# shellcheck disable=SC2054 # QEMU options are comma lists
topo+=(
	-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1,hdm_for_passthrough=on
	-device pxb-cxl,bus_nr=100,bus=pcie.0,id=cxl.3,hdm_for_passthrough=on
	-device pxb-cxl,bus_nr=222,bus=pcie.0,id=cxl.2,hdm_for_passthrough=on
	-device cxl-rp,port=0,bus=cxl.1,id=rp0,chassis=0,slot=2
	-device cxl-type3,bus=rp0,volatile-memdev=cxl-mem0,id=cxl-vmem0,sn=1
	-device cxl-rp,port=0,bus=cxl.2,id=rp1,chassis=0,slot=3
	-device cxl-type3,bus=rp1,volatile-memdev=cxl-mem1,id=cxl-vmem1,sn=2
	-device cxl-rp,port=0,bus=cxl.3,id=rp2,chassis=0,slot=4
	-device cxl-upstream,bus=rp2,id=us0
	-device cxl-downstream,port=0,bus=us0,id=swport0,chassis=0,slot=5
	-device cxl-type3,bus=swport0,volatile-memdev=cxl-mem2,id=cxl-vmem2,sn=3
	-device cxl-downstream,port=1,bus=us0,id=swport1,chassis=0,slot=6
	-device cxl-type3,bus=swport1,volatile-memdev=cxl-mem3,id=cxl-vmem3,sn=4
	-device pxb-cxl,bus_nr=160,bus=pcie.0,id=cxl.4,hdm_for_passthrough=on
	-device cxl-rp,port=0,bus=cxl.4,id=rp3,chassis=0,slot=7
	-device cxl-type3,bus=rp3,volatile-memdev=cxl-mem4,id=cxl-vmem4,sn=5
	-M "cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.targets.1=cxl.2,cxl-fmw.0.size=4G,cxl-fmw.0.interleave-granularity=4k,cxl-fmw.1.targets.0=cxl.1,cxl-fmw.1.targets.1=cxl.2,cxl-fmw.1.size=4G,cxl-fmw.1.interleave-granularity=256,cxl-fmw.2.targets.0=cxl.3,cxl-fmw.2.size=4G,cxl-fmw.2.interleave-granularity=4k,cxl-fmw.3.targets.0=cxl.4,cxl-fmw.3.size=4G"
	-object cxlemu-region,id=r0,window=0,devices=cxl-vmem0:cxl-vmem1,size=512M,granularity=4096
	-object cxlemu-region,id=r1,window=1,devices=cxl-vmem0:cxl-vmem1,size=512M,granularity=256
	-object cxlemu-region,id=r2,window=2,devices=cxl-vmem2:cxl-vmem3,size=512M,granularity=4096
	-object cxlemu-region,id=r3,window=3,devices=cxl-vmem4,size=512M
)
append="test.seed=$seed test.mem=$memsize test.hbs=4 test.eps=5"
append="$append test.windows=0:2,1:2,2:1,3:1 test.fw=0:4096:2,1:256:2,2:4096:2,3:4096:1"
append="$append test.create=1"
status=0
"$here/run-guest.sh" --qemu "$qemu" --arch aarch64 --image "$image" \
	--script "$here/arm64.guest.sh" --timeout "$timeout" --log "$work/console.log" \
	--qemu-log "$work/qemu.log" --append "$append" \
	-- "${topo[@]}" | tee "$work/results" || status=$?

ok() {
	echo "HOST-OK $*"
}
fail() {
	echo "HOST-FAIL $*"
	status=1
}

library_in_charge "$work/qemu.log" || status=1
setup=$(sed -n 's/^\(.*:\)\{0,1\}cxlemu_setup //p' "$work/qemu.log")
# 4 host bridges, 4 root ports, a switch (upstream port and two downstream
# ports), 5 devices.
if [ "$setup" = "16 components, 4 windows" ]; then
	ok "libcxlemu models the topology ($setup)"
else
	fail "libcxlemu models 16 components, 4 windows; cxlemu_setup says '${setup:-nothing}'"
fi
# Linux 6.12 reads GICD_TYPER2 (offset 0xc), which QEMU 10.0's GICv3 does
# not implement: that guest error is the GIC's, not CXL's.
said=$(grep -vE '^([0-9]+@[0-9.]+:)?cxlemu_[a-z]+ |^gicv3_dist_read: invalid guest read at offset 0+c size 4$' \
	"$work/qemu.log" || true)
if [ -z "$said" ]; then
	ok "QEMU reported no warnings or guest errors"
else
	fail "QEMU said: $(echo "$said" | head -n 3 | tr '\n' ' ')"
fi

# field LINE NAME: the value of NAME=VALUE in LINE.
field() {
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}
info() {
	sed -n "s/^GUEST-INFO $1 $2 //p" "$work/results" | head -n 1
}

# The windows: above virt's 512 GiB high PCIe MMIO window (which ends at
# 1 TiB with up to 255 GiB of RAM), 256 MiB aligned, window 1 after
# window 0.
# Each 4 GiB window right after the previous one.
bases=
placed=1
prev=
for w in 0 1 2 3; do
	b=$(field "$(info window $w)" start)
	bases="$bases ${b:-?}"
	if [ -z "$b" ] || [ $((b % (256 << 20))) -ne 0 ] ||
		{ [ -z "$prev" ] && [ $((b)) -lt $((1 << 40)) ]; } ||
		{ [ -n "$prev" ] && [ $((b)) -ne $((prev + (4 << 30))) ]; }; then
		placed=
	fi
	prev=$b
done
if [ -n "$placed" ]; then
	ok "windows at$bases (above the high PCIe MMIO, 256 MiB aligned)"
else
	fail "window placement: guest root decoders at$bases"
fi

# check_region TAG WINDOW PATH GRAN: the path that served the region the
# guest reported, and its data (SEED) in the backend files.
check_region() {
	local tag=$1 win=$2 path=$3 gran=$4 seed=$5 reg base size ways p f serial dpa
	reg=$(info region "$tag")
	if [ -z "$reg" ]; then
		fail "region $tag: not reported by the guest"
		return
	fi
	base=$(field "$reg" base)
	size=$(field "$reg" size)
	if grep -qE "cxlemu_layout window $win: $path hpa $base size $size unit " "$work/qemu.log"; then
		ok "region $tag ($base, $size) served by $path"
	else
		fail "region $tag ($base, $size): no '$path' layout of it in QEMU's trace: $(grep "cxlemu_layout window $win:" "$work/qemu.log" | grep -v unmapped | tail -n 2 | tr '\n' ' ')"
	fi
	# posP=memX:serial=S:dpa=D; device with serial S is backend file snS.
	ways=$(field "$reg" ways)
	for ((p = 0; p < ways; p++)); do
		f=$(field "$reg" "pos$p")
		serial=$(echo "$f" | sed -n 's/.*:serial=\([^:]*\).*/\1/p')
		[ -z "$serial" ] || serial=$((serial)) # sysfs prints it in hex
		dpa=$(echo "$f" | sed -n 's/.*:dpa=\([^:]*\).*/\1/p')
		if [ -z "$serial" ] || [ ! -f "$work/sn$serial" ]; then
			fail "region $tag position $p: no backend for '$f'"
		elif "$hostmem" verify "$work/sn$serial" 0 4194304 "$seed" --ileave "$ways:$gran:$p:$dpa" > /dev/null 2>&1; then
			ok "region $tag position $p: the guest's data in backend sn$serial at DPA $dpa"
		else
			fail "region $tag position $p: the guest's data is not in backend sn$serial at DPA $dpa"
		fi
	done
}
check_region fw0 0 translated 4096 $((seed + 10))
check_region fw1 1 routed 256 $((seed + 11))
check_region fw2 2 translated 4096 $((seed + 12))
check_region fw3 3 linear 4096 $((seed + 13))
if grep -q '^GUEST-SKIP create-region' "$work/results"; then
	echo "SKIP region new: $(sed -n 's/^GUEST-SKIP create-region //p' "$work/results")"
else
	check_region new 1 routed 256 $((seed + 1))
fi
[ "$status" -eq 0 ] && echo "arm64: ok" || echo "arm64: FAIL"
exit "$status"
