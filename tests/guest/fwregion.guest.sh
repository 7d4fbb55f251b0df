#!/bin/sh
# Guest side of fwregion.sh: a region the firmware (QEMU's cxlemu-region
# object, programmed by libcxlemu at reset) committed before boot.  Linux
# must find it committed and assemble it itself; the guest then uses it as
# devdax and writes a pattern the host checks in the backend files.
. /usr/share/guest/lib.sh

seed=$(guest_arg test.seed)
bytes=4194304
if ! guest_wait 20 test -e /sys/bus/cxl/devices/region0/size; then
	guest_fail assemble "Linux assembled no region: $(dmesg | grep -i -E 'cxl|region' | tail -n 5 | tr '\n' ' ')"
	exit 1
fi
r=/sys/bus/cxl/devices/region0
size=$(cat $r/size)
ways=$(cat $r/interleave_ways)
gran=$(cat $r/interleave_granularity)
if [ "$size" = 0x20000000 ] && [ "$ways" = 2 ] && [ "$gran" = 4096 ]; then
	guest_ok assemble "region0 size=$size ways=$ways gran=$gran (committed by firmware)"
else
	guest_fail assemble "region0 size=$size ways=$ways gran=$gran, want 0x20000000 2 4096"
fi
guest_devdax devdax || exit 1
guest_data data /dev/dax0.0 "$bytes" "$seed" fill
guest_status
