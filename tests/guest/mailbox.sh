#!/bin/bash
# Mailbox commands from a Linux guest through `cxl` (ndctl) on QEMU: one
# type-3 device with 256 MiB volatile, 256 MiB persistent and a 1 MiB label
# storage area.  QEMU starts paused while the host injects poison through
# QMP (cxl-inject-poison at DPA 0x2000) before the guest runs.  The guest
# checks identify, partition and firmware info, the QMP-injected poison,
# poison inject / list / clear through the mailbox and a label write read
# back; the host then finds the guest's labels in the LSA backend file.
#   tests/guest/mailbox.sh [--qemu PATH] [--image DIR] [--timeout SECONDS]
# QEMU defaults to $QEMU, else the front-end build in
# ~/.cache/libcxlemu/qemu/build-cxlemu.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/host-lib.sh"
guest_setup mailbox 120 "$@"
trap 'kill "${qmp_events:-}" 2> /dev/null || true; rm -rf "$work"' EXIT
# shellcheck disable=SC2054 # QEMU options are comma lists
topo=(
	-S -qmp "unix:$work/qmp.sock,server=on,wait=off"
	-trace cxlemu_setup
	-object "memory-backend-file,id=vm0,share=on,mem-path=$work/vm0,size=256M"
	-object "memory-backend-file,id=pm0,share=on,mem-path=$work/pm0,size=256M"
	-object "memory-backend-file,id=lsa0,share=on,mem-path=$work/lsa0,size=1M"
	-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1
	-device cxl-rp,port=0,bus=cxl.1,id=rp0,chassis=0,slot=2
	-device cxl-type3,bus=rp0,volatile-memdev=vm0,persistent-memdev=pm0,lsa=lsa0,id=m0,sn=7
	-M cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G
)
# QMP: inject poison into the paused machine, then let it run.
"$here/qmp.py" "$work/qmp.sock" \
	'{"execute": "cxl-inject-poison", "arguments": {"path": "/machine/peripheral/m0", "start": 8192, "length": 64}}' \
	'{"execute": "cont"}' > "$work/qmp.out" 2>&1 &
qmp=$!
# QMP again once the guest traces CXL events: a General Media, a DRAM and a
# Memory Module event into the informational log, which the guest must read
# through the library's event log (Get Event Records) as trace events.
"$here/qmp.py" "$work/qmp.sock" --wait-for "$work/console.log" GUEST-EVENTS-READY \
	'{"execute": "cxl-inject-general-media-event", "arguments": {"path": "/machine/peripheral/m0", "log": "informational", "flags": 1, "dpa": 4096, "descriptor": 3, "type": 3, "transaction-type": 192, "channel": 3}}' \
	'{"execute": "cxl-inject-dram-event", "arguments": {"path": "/machine/peripheral/m0", "log": "informational", "flags": 1, "dpa": 8192, "descriptor": 3, "type": 3, "transaction-type": 192, "rank": 2, "bank": 5, "row": 4660}}' \
	'{"execute": "cxl-inject-memory-module-event", "arguments": {"path": "/machine/peripheral/m0", "log": "informational", "flags": 1, "type": 3, "health-status": 3, "media-status": 7, "additional-status": 33, "life-used": 30, "temperature": 42, "dirty-shutdown-count": 1, "corrected-volatile-error-count": 5, "corrected-persistent-error-count": 6}}' \
	> "$work/qmp-events.out" 2>&1 &
qmp_events=$!
status=0
"$here/run-guest.sh" --qemu "$qemu" --arch x86_64 --image "$image" \
	--script "$here/mailbox.guest.sh" --timeout "$timeout" --log "$work/console.log" \
	--qemu-log "$work/qemu.log" -- "${topo[@]}" | tee "$work/results" || status=$?
if wait "$qmp"; then
	echo "HOST-OK QMP cxl-inject-poison"
else
	echo "HOST-FAIL QMP: $(cat "$work/qmp.out")"
	status=1
fi
if wait "$qmp_events"; then
	echo "HOST-OK QMP general media, DRAM and memory module events"
else
	echo "HOST-FAIL QMP events: $(cat "$work/qmp-events.out")"
	status=1
fi
# The library, not QEMU's own emulation, answered (no fallback).
library_in_charge "$work/qemu.log" || status=1
# The labels the guest wrote are in the LSA backend: Set LSA went to QEMU's
# memory backend through the library.
want=$(sed -n 's/^GUEST-INFO labels md5=//p' "$work/results")
have=$(head -c 4096 "$work/lsa0" | md5sum | cut -d' ' -f1)
if [ -n "$want" ] && [ "$want" = "$have" ]; then
	echo "HOST-OK labels in the LSA backend"
else
	echo "HOST-FAIL labels: guest md5 '${want:-none}', backend md5 $have"
	status=1
fi
[ "$status" -eq 0 ] && echo "mailbox: ok" || echo "mailbox: FAIL"
exit "$status"
