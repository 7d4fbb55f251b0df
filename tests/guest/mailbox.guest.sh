#!/bin/sh
# Guest side of mailbox.sh: mailbox commands through Linux's cxl tool on a
# type-3 device with volatile and persistent capacity and a label storage
# area (identify, partition info, firmware info, poison inject / list /
# clear, label storage write and read back).  Results as GUEST-OK/FAIL.
. /usr/share/guest/lib.sh

mount -t debugfs none /sys/kernel/debug 2>/dev/null || true
if ! guest_wait 10 test -e /sys/bus/cxl/devices/mem0; then
	guest_fail memdev "no mem0"
	exit 1
fi

# expect NAME TEXT FILE: FILE contains TEXT.
expect() {
	if grep -q "$2" "$3"; then
		guest_ok "$1"
	else
		guest_fail "$1" "no '$2' in: $(tr -d ' \n' < "$3" | head -c 300)"
	fi
}

# Identify Memory Device, Get Partition Info: capacities and serial.
cxl list -m mem0 -I > /tmp/list 2>&1
expect identify-ram '"ram_size":268435456' /tmp/list
expect identify-pmem '"pmem_size":268435456' /tmp/list
expect identify-serial '"serial":7' /tmp/list
expect partition-info '"volatile_only_size":268435456' /tmp/list

# Get Firmware Info.
cxl list -m mem0 -F > /tmp/fw 2>&1
expect firmware-info '"num_slots"' /tmp/fw

# Poison the host injected through QMP before boot: in the Get Poison List.
cxl list -m mem0 --media-errors > /tmp/poison 2>&1
expect qmp-poison '"offset":8192' /tmp/poison

# Inject Poison (debugfs), Get Poison List, Clear Poison.
if [ -e /sys/kernel/debug/cxl/mem0/inject_poison ]; then
	echo 0x1000 > /sys/kernel/debug/cxl/mem0/inject_poison
	cxl list -m mem0 --media-errors > /tmp/poison 2>&1
	expect poison-list '"offset":4096' /tmp/poison
	echo 0x1000 > /sys/kernel/debug/cxl/mem0/clear_poison
	cxl list -m mem0 --media-errors > /tmp/poison 2>&1
	if grep -q '"offset":4096' /tmp/poison; then
		guest_fail poison-clear "still listed: $(tr -d ' \n' < /tmp/poison | head -c 300)"
	else
		guest_ok poison-clear
	fi
else
	guest_fail poison "no inject_poison in debugfs (the CEL lacks Inject Poison?)"
fi

# Events injected through QMP while the guest runs: the driver reads them
# from the library's event log (event interrupt, Get Event Records) and
# emits one trace event per record.
tr=/sys/kernel/tracing
[ -e $tr/events ] || mount -t tracefs nodev $tr 2> /dev/null
for e in cxl_general_media cxl_dram cxl_memory_module; do
	echo 1 > "$tr/events/cxl/$e/enable" 2> /dev/null
done
echo "GUEST-EVENTS-READY"
events_seen() {
	grep -q 'cxl_general_media:.*dpa=1000' $tr/trace &&
		grep -q 'cxl_dram:.*dpa=2000' $tr/trace &&
		grep -q 'cxl_memory_module:' $tr/trace
}
if guest_wait 30 events_seen; then
	guest_ok events "general media, DRAM and memory module records traced: $(grep -c 'cxl_\(general_media\|dram\|memory_module\):' $tr/trace) records"
else
	guest_fail events "trace: $(grep 'cxl_' $tr/trace | head -c 400 | tr '\n' ' ')"
fi

# Get/Set LSA: the kernel refuses label writes while the nvdimm bridge is
# active, so cxl_pmem goes first.
modprobe -r cxl_pmem 2>/dev/null || true
head -c 4096 /dev/urandom > /tmp/labels
if cxl write-labels mem0 -i /tmp/labels -s 4096 > /tmp/lw 2>&1 &&
	cxl read-labels mem0 -s 4096 -o /tmp/labels.back > /tmp/lr 2>&1 &&
	cmp -s /tmp/labels /tmp/labels.back; then
	guest_ok labels "4096 bytes written and read back"
	echo "GUEST-INFO labels md5=$(md5sum < /tmp/labels | cut -d' ' -f1)"
else
	guest_fail labels "$(cat /tmp/lw /tmp/lr | tr '\n' ' ' | head -c 300)"
fi
guest_status
