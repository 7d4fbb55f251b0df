#!/bin/sh
# Guest side of hotplug.sh: a cxl-type3 hot-plugged below a switch
# downstream port while Linux runs (QMP device_add); Linux enumerates it
# (pciehp, cxl_pci) and a 2-way region over it and the device present at
# boot carries data.
. /usr/share/guest/lib.sh

seed=$(sed -n 's/.*test.seed=\([0-9]*\).*/\1/p' /proc/cmdline)
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
if cxl create-region -d decoder0.0 -m -t ram -w 2 -g 4096 mem0 mem1 > /tmp/cr 2>&1; then
	guest_ok create-region "$(grep -o '"region":"[a-z0-9]*"' /tmp/cr)"
else
	guest_fail create-region "$(tr '\n' ' ' < /tmp/cr | head -c 300)"
	exit 1
fi
if guest_wait 20 test -e /sys/bus/dax/devices/dax0.0 &&
	daxctl reconfigure-device -m devdax dax0.0 > /dev/null &&
	guest_wait 10 test -c /dev/dax0.0; then
	guest_ok devdax /dev/dax0.0
else
	guest_fail devdax "no /dev/dax0.0"
	exit 1
fi
if cxlmem fill /dev/dax0.0 0 "$bytes" "$seed" && cxlmem verify /dev/dax0.0 0 "$bytes" "$seed"; then
	guest_ok data "$bytes bytes through the region over the hot-plugged device"
else
	guest_fail data "fill/verify through /dev/dax0.0"
fi
guest_status
