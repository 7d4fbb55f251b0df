#!/bin/bash
# Firmware-committed regions: QEMU's `-object cxlemu-region` has libcxlemu
# program a 2-way region over two host bridges (with HDM decoders) at every
# reset, as a BIOS would.  Linux must assemble it at boot; the guest fills 4
# MiB through devdax and the host finds the data in the two backend files at
# the positions the region gives them, and checks from QEMU's trace that
# page translation served it.
#   tests/guest/fwregion.sh [--qemu PATH] [--image DIR] [--timeout SECONDS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/host-lib.sh"
guest_setup fwregion 120 "$@"
hostmem=$(build_host_cxlmem) || { echo "fwregion: cannot build cxlmem for the host" >&2; exit 2; }
trap 'rm -rf "$work"' EXIT
seed=$((RANDOM + 1))
# shellcheck disable=SC2054 # QEMU options are comma lists
topo=(
	-trace cxlemu_layout -trace cxlemu_setup
	-object "memory-backend-file,id=cxl-mem0,share=on,mem-path=$work/sn1,size=256M"
	-object "memory-backend-file,id=cxl-mem1,share=on,mem-path=$work/sn2,size=256M"
	-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1,hdm_for_passthrough=on
	-device pxb-cxl,bus_nr=222,bus=pcie.0,id=cxl.2,hdm_for_passthrough=on
	-device cxl-rp,port=0,bus=cxl.1,id=rp0,chassis=0,slot=2
	-device cxl-type3,bus=rp0,volatile-memdev=cxl-mem0,id=cxl-vmem0,sn=1
	-device cxl-rp,port=0,bus=cxl.2,id=rp1,chassis=0,slot=3
	-device cxl-type3,bus=rp1,volatile-memdev=cxl-mem1,id=cxl-vmem1,sn=2
	-M "cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.targets.1=cxl.2,cxl-fmw.0.size=4G,cxl-fmw.0.interleave-granularity=4k"
	-object cxlemu-region,id=r0,window=0,devices=cxl-vmem0:cxl-vmem1,size=512M
)
status=0
"$here/run-guest.sh" --qemu "$qemu" --arch x86_64 --image "$image" \
	--script "$here/fwregion.guest.sh" --timeout "$timeout" --log "$work/console.log" \
	--qemu-log "$work/qemu.log" --append "test.seed=$seed" -- "${topo[@]}" |
	tee "$work/results" || status=$?
# Page translation served the committed region from the first boot on.
if grep -q 'cxlemu_layout window 0: translated hpa .* size 0x20000000 unit 0x1000' "$work/qemu.log"; then
	echo "HOST-OK path translated"
else
	echo "HOST-FAIL path: no translated layout of the region in QEMU's trace"
	grep cxlemu_ "$work/qemu.log" | head -n 5
	status=1
fi
# Position p of the region is device p of `devices=` (serial p + 1), DPA 0.
for p in 0 1; do
	if "$hostmem" verify "$work/sn$((p + 1))" 0 4194304 "$seed" --ileave "2:4096:$p:0" > /dev/null 2>&1; then
		echo "HOST-OK backend position $p in cxl-vmem$p"
	else
		echo "HOST-FAIL backend position $p: the data is not in cxl-vmem$p"
		status=1
	fi
done
[ "$status" -eq 0 ] && echo "fwregion: ok" || echo "fwregion: FAIL"
exit "$status"
