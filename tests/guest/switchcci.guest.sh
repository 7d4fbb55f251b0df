#!/bin/sh
# Guest side of switchcci.sh: drives the switch mailbox CCI's registers from
# the guest (busybox devmem on its BAR; no driver binds it) and runs
# Identify Switch Device (5100h), which the library answers from its model
# of the switch.
. /usr/share/guest/lib.sh

dev=""
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/class")" = 0x0c0b00 ] && dev=$d
done
if [ -z "$dev" ]; then
	guest_fail find "no PCI function of class 0c0b (CXL switch mailbox CCI)"
	exit 1
fi
guest_ok find "$dev"
bar=$(cut -d' ' -f1 "$dev/resource" | head -n 1)
# The mailbox capability (ID 2) from the device capabilities array.
count=$(( ($(devmem "$bar" 64) >> 32) & 0xffff ))
mb=""
i=1
while [ "$i" -le "$count" ]; do
	h=$(devmem $((bar + 16 * i)) 64)
	if [ $((h & 0xffff)) -eq 2 ]; then
		mb=$((bar + ((h >> 32) & 0xffffffff)))
	fi
	i=$((i + 1))
done
if [ -z "$mb" ]; then
	guest_fail mailbox "no mailbox capability among $count"
	exit 1
fi
devmem $((mb + 8)) 64 0x5100
devmem $((mb + 4)) 32 1
n=0
while [ $(( $(devmem $((mb + 4)) 32) & 1 )) -eq 1 ] && [ "$n" -lt 1000 ]; do
	n=$((n + 1))
done
rc=$(( ($(devmem $((mb + 0x10)) 64) >> 32) & 0xffff ))
len=$(( ($(devmem $((mb + 8)) 64) >> 16) & 0x1fffff ))
w=$(devmem $((mb + 0x20)) 32)
v=$(devmem $((mb + 0x20 + 0x44)) 32)
hdm=$(devmem $((mb + 0x20 + 0x48)) 8)
got="rc=$rc len=$len ingress=$((w & 0xff)) ports=$(((w >> 16) & 0xff)) vcs=$(((w >> 24) & 0xff)) vppbs=$((v & 0xffff)) bound=$(((v >> 16) & 0xffff)) hdm=$((hdm))"
want="rc=0 len=73 ingress=2 ports=3 vcs=1 vppbs=2 bound=2 hdm=4"
if [ "$got" = "$want" ]; then
	guest_ok identify-switch "$got"
else
	guest_fail identify-switch "got $got, want $want"
fi
guest_status
