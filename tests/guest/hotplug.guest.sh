#!/bin/sh
# Guest side of hotplug.sh: a cxl-type3 hot-plugged below a switch
# downstream port while Linux runs (QMP device_add); Linux enumerates it
# (pciehp, cxl_pci) and a 2-way region over it and the device present at
# boot carries data.
. /usr/share/guest/lib.sh

seed=$(guest_arg test.seed)
bytes=4194304
if ! guest_wait 10 test -e /sys/bus/cxl/devices/mem0; then
	guest_fail boot-device "no mem0"
	exit 1
fi
guest_ok boot-device mem0
echo "GUEST-HOTPLUG-READY"
if guest_wait 60 test -e /sys/bus/cxl/devices/mem1; then
	guest_ok hotplug "mem1 after device_add"
else
	guest_fail hotplug "no mem1 60 s after GUEST-HOTPLUG-READY"
	dmesg | tail -n 20
	exit 1
fi
guest_region create-region 2 4096 mem0 mem1 || exit 1
guest_devdax devdax || exit 1
guest_data data /dev/dax0.0 "$bytes" "$seed" fill
guest_status
