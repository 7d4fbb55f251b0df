#!/bin/sh
# Guest side of vcs.sh: devices leave and come back below the switch's
# vPPBs as the fabric manager unbinds and binds them (pciehp, cxl_pci).
. /usr/share/guest/lib.sh

seed=$(sed -n 's/.*test.seed=\([0-9]*\).*/\1/p' /proc/cmdline)
bytes=4194304

# memdev_of SERIAL: the memdev (memN) whose device has that serial number.
memdev_of() {
	for m in /sys/bus/cxl/devices/mem*; do
		[ -e "$m/serial" ] || continue
		if [ $(($(cat "$m/serial"))) -eq "$1" ]; then
			basename "$m"
			return 0
		fi
	done
	return 1
}

# below_slot MEMDEV SLOT: the memdev's PCI function sits in that slot (the
# bus of the vPPB whose slot number it is).
below_slot() {
	_pci=$(basename "$(dirname "$(readlink -f "/sys/bus/cxl/devices/$1")")")
	_slot=$(cat "/sys/bus/pci/slots/$2/address" 2> /dev/null) || return 1
	case $_pci in "$_slot".*) return 0 ;; esac
	return 1
}

# region NAME WAYS MEMDEV...: a ram region over the memdevs, as /dev/dax0.0.
region() {
	_n=$1
	_w=$2
	shift 2
	if ! cxl create-region -d decoder0.0 -m -t ram -w "$_w" -g 4096 "$@" > /tmp/cr 2>&1; then
		guest_fail "$_n" "create-region: $(tr '\n' ' ' < /tmp/cr | head -c 300)"
		return 1
	fi
	_r=$(sed -n 's/.*"region":"\([a-z0-9]*\)".*/\1/p' /tmp/cr | head -n 1)
	if guest_wait 20 test -e /sys/bus/dax/devices/dax0.0 &&
		daxctl reconfigure-device -m devdax dax0.0 > /dev/null &&
		guest_wait 10 test -c /dev/dax0.0; then
		guest_ok "$_n" "$_r over $*"
		echo "$_r" > /tmp/region
		return 0
	fi
	guest_fail "$_n" "no /dev/dax0.0 for $_r"
	return 1
}

both_gone() {
	! memdev_of 1 > /dev/null && ! memdev_of 2 > /dev/null
}

# Serial 2 below vPPB 0 (slot 4).
step2_ready() {
	_m=$(memdev_of 2) && below_slot "$_m" 4
}

# Serial 1 below vPPB 1 (slot 5).
step3_ready() {
	_m=$(memdev_of 1) && below_slot "$_m" 5
}

unregion() {
	_r=$(cat /tmp/region)
	cxl disable-region "$_r" > /dev/null 2>&1 && cxl destroy-region "$_r" > /dev/null 2>&1 ||
		guest_fail destroy-region "$_r"
}

# --- 1: both devices at boot; data on the serial-2 device.
if ! guest_wait 20 memdev_of 1 > /dev/null || ! guest_wait 20 memdev_of 2 > /dev/null; then
	guest_fail boot "serials 1 and 2 not both present"
	exit 1
fi
m1=$(memdev_of 1)
m2=$(memdev_of 2)
below_slot "$m1" 4 && below_slot "$m2" 5 && guest_ok boot "$m1 (serial 1) in slot 4, $m2 (serial 2) in slot 5" ||
	guest_fail boot "$m1/$m2 not in slots 4/5"
region region-1 1 "$m2" || exit 1
if cxlmem fill /dev/dax0.0 0 "$bytes" "$seed" && cxlmem verify /dev/dax0.0 0 "$bytes" "$seed"; then
	guest_ok data-1 "$bytes bytes on serial 2 before the rebinding"
else
	guest_fail data-1 "fill/verify on serial 2"
fi
unregion
echo "GUEST-VCS-STEP1"

# --- 2: both devices leave (vPPB 1 managed, vPPB 0 surprise); then serial
# 2 comes back below vPPB 0 (slot 4).  The host binds only after the guest
# has seen the removals: Linux powers a slot off when its device left, which
# would take a device bound in the meantime with it.
if guest_wait 90 both_gone; then
	guest_ok unbind "serials 1 and 2 removed (managed and surprise hot-remove)"
else
	guest_fail unbind "still present: $(ls /sys/bus/cxl/devices | tr '\n' ' ')"
	exit 1
fi
sleep 1
echo "GUEST-VCS-GONE"
if guest_wait 90 step2_ready; then
	m2=$(memdev_of 2)
	guest_ok rebind-1 "serial 2 ($m2) now in slot 4 (vPPB 0 bound to port 1)"
else
	guest_fail rebind-1 "serial 2 not in slot 4: $(ls /sys/bus/cxl/devices | tr '\n' ' ')"
	dmesg | tail -n 20
	exit 1
fi
region region-2 1 "$m2" || exit 1
if cxlmem verify /dev/dax0.0 0 "$bytes" "$seed"; then
	guest_ok data-2 "the data written before the rebinding reads back below the other vPPB"
else
	guest_fail data-2 "data lost across unbind/bind"
fi
unregion
echo "GUEST-VCS-STEP2"

# --- 3: serial 1 back below vPPB 1 (slot 5); a 2-way region over both.
if guest_wait 90 step3_ready; then
	m1=$(memdev_of 1)
	guest_ok rebind-2 "serial 1 ($m1) now in slot 5 (vPPB 1 bound to port 0)"
else
	guest_fail rebind-2 "serial 1 not in slot 5: $(ls /sys/bus/cxl/devices | tr '\n' ' ')"
	dmesg | tail -n 20
	exit 1
fi
region region-3 2 "$m1" "$m2" || exit 1
if cxlmem fill /dev/dax0.0 0 "$bytes" "$((seed + 1))" && cxlmem verify /dev/dax0.0 0 "$bytes" "$((seed + 1))"; then
	guest_ok data-3 "$bytes bytes through a 2-way region over both rebound devices"
else
	guest_fail data-3 "fill/verify through the 2-way region"
fi
guest_status
