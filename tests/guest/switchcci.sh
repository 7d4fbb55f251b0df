#!/bin/bash
# The switch mailbox CCI (cxl-switch-mailbox-cci) runs on the library's
# Virtual CXL Switch model: a switch (upstream port 2, downstream ports 0
# and 1, a cxl-type3 below port 0) and its CCI; the guest runs Identify
# Switch Device through the CCI's mailbox registers and checks the answer.
#   tests/guest/switchcci.sh [--qemu PATH] [--image DIR] [--timeout SECONDS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/host-lib.sh"
guest_setup switchcci 120 "$@"
trap 'rm -rf "$work"' EXIT
# shellcheck disable=SC2054 # QEMU options are comma lists
topo=(
	-trace cxlemu_setup
	-object "memory-backend-file,id=cxl-mem0,share=on,mem-path=$work/sn1,size=256M"
	-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1
	-device cxl-rp,port=0,bus=cxl.1,id=rp0,chassis=0,slot=0
	-device cxl-upstream,port=2,bus=rp0,id=us0,multifunction=on,addr=0.0
	-device cxl-switch-mailbox-cci,bus=rp0,addr=0.1,target=us0
	-device cxl-downstream,port=0,bus=us0,id=swport0,chassis=0,slot=4
	-device cxl-downstream,port=1,bus=us0,id=swport1,chassis=0,slot=5
	-device cxl-type3,bus=swport0,volatile-memdev=cxl-mem0,id=cxl-vmem0,sn=1
	-M cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G
)
status=0
"$here/run-guest.sh" --qemu "$qemu" --arch x86_64 --image "$image" \
	--script "$here/switchcci.guest.sh" --timeout "$timeout" --log "$work/console.log" \
	--qemu-log "$work/qemu.log" -- "${topo[@]}" || status=$?
library_in_charge "$work/qemu.log" || status=1
[ "$status" -eq 0 ] && echo "switchcci: ok" || echo "switchcci: FAIL"
exit "$status"
