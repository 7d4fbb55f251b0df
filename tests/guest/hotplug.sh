#!/bin/bash
# Hot-plug: Linux runs on a switch with one cxl-type3 below one of its two
# downstream ports; when the guest says so, the host plugs a second
# cxl-type3 into the other port through QMP (device_add).  The library adds
# it to its topology; Linux enumerates it, creates a 2-way region over both
# devices and fills 4 MiB, which the host then finds in the two backend
# files, one interleave position each.
#   tests/guest/hotplug.sh [--qemu PATH] [--image DIR] [--timeout SECONDS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/host-lib.sh"
guest_setup hotplug 150 "$@"
hostmem=$(build_host_cxlmem) || { echo "hotplug: cannot build cxlmem for the host" >&2; exit 2; }
trap 'kill "${qmp:-}" 2> /dev/null || true; rm -rf "$work"' EXIT
seed=$((RANDOM + 1))
# shellcheck disable=SC2054 # QEMU options are comma lists
topo=(
	-qmp "unix:$work/qmp.sock,server=on,wait=off"
	-object "memory-backend-file,id=cxl-mem0,share=on,mem-path=$work/sn1,size=256M"
	-object "memory-backend-file,id=cxl-mem1,share=on,mem-path=$work/sn2,size=256M"
	-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1
	-device cxl-rp,port=0,bus=cxl.1,id=rp0,chassis=0,slot=0
	-device cxl-upstream,bus=rp0,id=us0
	-device cxl-downstream,port=0,bus=us0,id=swport0,chassis=0,slot=4
	-device cxl-downstream,port=1,bus=us0,id=swport1,chassis=0,slot=5
	-device cxl-type3,bus=swport0,volatile-memdev=cxl-mem0,id=cxl-vmem0,sn=1
	-M cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G
)
# QMP: device_add once the guest reports it is ready.
"$here/qmp.py" "$work/qmp.sock" --wait-for "$work/console.log" GUEST-HOTPLUG-READY \
	'{"execute": "device_add", "arguments": {"driver": "cxl-type3", "bus": "swport1", "id": "cxl-vmem1", "volatile-memdev": "cxl-mem1", "sn": 2}}' \
	> "$work/qmp.out" 2>&1 &
qmp=$!
status=0
"$here/run-guest.sh" --qemu "$qemu" --arch x86_64 --image "$image" \
	--script "$here/hotplug.guest.sh" --timeout "$timeout" --log "$work/console.log" \
	--append "test.seed=$seed" -- "${topo[@]}" | tee "$work/results" || status=$?
if wait "$qmp"; then
	echo "HOST-OK QMP device_add cxl-type3 on swport1"
else
	echo "HOST-FAIL QMP: $(cat "$work/qmp.out")"
	status=1
fi
# Each backend file holds one interleave position of the filled range.
backends_2way "$hostmem" "$work/sn1" "$work/sn2" 4194304 "$seed" || status=1
[ "$status" -eq 0 ] && echo "hotplug: ok" || echo "hotplug: FAIL"
exit "$status"
