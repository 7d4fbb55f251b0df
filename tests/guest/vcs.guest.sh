#!/bin/sh
# Guest side of vcs.sh: devices leave and come back below the switch's
# vPPBs as the fabric manager unbinds and binds them (pciehp, cxl_pci).
. /usr/share/guest/lib.sh

seed=$(guest_arg test.seed)
bytes=4194304

# memdev_of SERIAL: the memdev (memN) whose device has that serial number.
memdev_of() {
	for _d in /sys/bus/cxl/devices/mem*; do
		[ -e "$_d/serial" ] || continue
		if [ $(($(cat "$_d/serial"))) -eq "$1" ]; then
			basename "$_d"
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
	_rn=$1
	_rw=$2
	shift 2
	guest_region "$_rn" "$_rw" 4096 "$@" || return 1
	guest_devdax "$_rn-devdax"
}

both_gone() {
	! memdev_of 1 > /dev/null && ! memdev_of 2 > /dev/null
}

# in_slot SERIAL SLOT: the device with that serial sits in that slot.
in_slot() {
	_m=$(memdev_of "$1") && below_slot "$_m" "$2"
}

# rebound NAME SERIAL SLOT WHAT: waits for the device with SERIAL to appear
# in SLOT (a bind's hot-add), reports it; its memdev in $m.  Stops the test
# when it does not come.
rebound() {
	if guest_wait 90 in_slot "$2" "$3"; then
		m=$(memdev_of "$2")
		guest_ok "$1" "serial $2 ($m) now in slot $3 ($4)"
		return 0
	fi
	guest_fail "$1" "serial $2 not in slot $3: $(ls /sys/bus/cxl/devices | tr '\n' ' ')"
	dmesg | tail -n 20
	exit 1
}

unregion() {
	if ! cxl disable-region "$GUEST_REGION" > /dev/null 2>&1 ||
		! cxl destroy-region "$GUEST_REGION" > /dev/null 2>&1; then
		guest_fail destroy-region "$GUEST_REGION"
	fi
}

# --- 1: both devices at boot; data on the serial-2 device.
if ! guest_wait 20 memdev_of 1 > /dev/null || ! guest_wait 20 memdev_of 2 > /dev/null; then
	guest_fail boot "serials 1 and 2 not both present"
	exit 1
fi
m1=$(memdev_of 1)
m2=$(memdev_of 2)
if below_slot "$m1" 4 && below_slot "$m2" 5; then
	guest_ok boot "$m1 (serial 1) in slot 4, $m2 (serial 2) in slot 5"
else
	guest_fail boot "$m1/$m2 not in slots 4/5"
fi
region region-1 1 "$m2" || exit 1
guest_data data-1 /dev/dax0.0 "$bytes" "$seed" fill
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
rebound rebind-1 2 4 "vPPB 0 bound to port 1"
m2=$m
region region-2 1 "$m2" || exit 1
# The data written before the rebinding, read back below the other vPPB.
guest_data data-2 /dev/dax0.0 "$bytes" "$seed"
unregion
echo "GUEST-VCS-STEP2"

# --- 3: serial 1 back below vPPB 1 (slot 5); a 2-way region over both.
rebound rebind-2 1 5 "vPPB 1 bound to port 0"
m1=$m
region region-3 2 "$m1" "$m2" || exit 1
guest_data data-3 /dev/dax0.0 "$bytes" "$((seed + 1))" fill
guest_status
