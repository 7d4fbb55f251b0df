#!/bin/sh
# Guest side of region-basic.sh (runs as /guest-test.sh, busybox sh).
# Parameters from the kernel command line (run-guest.sh --append):
#   test.ways=N     interleave ways of the region (= number of memdevs)
#   test.gran=B     interleave granularity in bytes
#   test.fill=B     bytes written and checked through the DAX device, at the
#                   end of the region (the start is what the page allocator
#                   hands out first once the region is system RAM)
#   test.seed=S     pattern seed (cxlmem)
#   test.node=B     bytes checked on the region's NUMA node
#   test.bench=S    seconds for cxlmem bench on the DAX device and on the
#                   node (0: no benchmark)
# Steps: wait for the memdevs and endpoints, list the topology, create a
# volatile region on the root decoder with N targets, write its start
# through /dev/mem, make its DAX device a devdax device, read that back,
# fill and verify, report the region's layout (GUEST-INFO, for
# the host's check of the backend files), online it as system RAM, check
# memory on its node (cxlmem --node, and busybox under numactl --membind).
. /usr/share/guest/lib.sh

arg() {
	sed -n "s/.* test\.$1=\([^ ]*\).*/\1/p" /proc/cmdline
}
ways=$(arg ways)
gran=$(arg gran)
fill=$(arg fill)
seed=$(arg seed)
nodebytes=$(arg node)
bench=$(arg bench)
ways=${ways:-2}
gran=${gran:-4096}
fill=${fill:-4194304}
seed=${seed:-1}
nodebytes=${nodebytes:-2097152}
bench=${bench:-0}
cxldev=/sys/bus/cxl/devices

count() {
	# shellcheck disable=SC2012 # names without blanks
	ls -d "$@" 2> /dev/null | wc -l
}

t0=$(guest_now)
if guest_wait 120 sh -c "[ \$(ls -d $cxldev/endpoint* 2> /dev/null | wc -l) -ge $ways ]"; then
	guest_ok enumerate "memdevs=$(count $cxldev/mem*) endpoints=$(count $cxldev/endpoint*)"
else
	guest_fail enumerate "expected $ways endpoints, have $(count $cxldev/endpoint*) (memdevs $(count $cxldev/mem*))"
fi
guest_time enumerate "$t0" "uptime=$(guest_now)"
echo "--- cxl list -M -P -D -u"
cxl list -M -P -D -u
echo "---"

# The root decoder: volatile capable, as many targets as... whatever the
# window interleaves over; the first volatile-capable one is taken.
rd=
for d in "$cxldev"/root0/decoder0.*; do
	[ -e "$d/cap_ram" ] || continue
	if [ "$(cat "$d/cap_ram")" = 1 ]; then
		rd=$(basename "$d")
		break
	fi
done
if [ -z "$rd" ]; then
	guest_fail rootdecoder "no volatile-capable root decoder under root0"
	guest_status
	exit
fi
guest_ok rootdecoder "$rd ways=$(cat $cxldev/"$rd"/interleave_ways) gran=$(cat $cxldev/"$rd"/interleave_granularity)"

# The memdevs in region position order: ndctl 81 takes -m targets in the
# order given and Linux rejects a memdev at the wrong position ("failed to
# set target0 to mem0"); memdev names follow PCI enumeration, not the
# window's target list.  A device's position at the root is the index of its
# host bridge in the root decoder's target_list; below one host bridge
# (switch) Linux programs the decoders in attach order, so name order does.
mems=
for id in $(tr ',' ' ' < "$cxldev/$rd/target_list"); do
	host=$(readlink -f "$cxldev/root0/dport$id")
	for m in $(cd $cxldev && ls -d mem* | sort -V); do
		case $(readlink -f "$cxldev/$m") in "$host"/*) mems="$mems $m" ;; esac
	done
done
mems=$(echo "$mems" | tr ' ' '\n' | sed '/^$/d' | head -n "$ways" | tr '\n' ' ')
t=$(guest_now)
# shellcheck disable=SC2086 # a list of memdev names
out=$(cxl create-region -t ram -d "$rd" -w "$ways" -g "$gran" -m $mems 2>&1)
rc=$?
echo "$out"
region=$(echo "$out" | sed -n 's/.*"region":"\(region[0-9]*\)".*/\1/p' | head -n 1)
if [ $rc -ne 0 ] || [ -z "$region" ]; then
	guest_fail create-region "cxl create-region failed (status $rc)"
	guest_status
	exit
fi
guest_time create-region "$t"
r=$cxldev/$region
size=$(cat "$r/size")
base=$(cat "$r/resource")
guest_ok create-region "$region base=$base size=$size ways=$(cat "$r/interleave_ways") gran=$(cat "$r/interleave_granularity")"

# The layout: for each position, the memdev, its serial number and the DPA
# where the region starts on it (the host checks the backend files with it).
info="name=$region ways=$(cat "$r/interleave_ways") gran=$(cat "$r/interleave_granularity") size=$size"
p=0
while [ $p -lt "$ways" ]; do
	ed=$(cat "$r/target$p")
	ep=$(basename "$(readlink -f "$cxldev/$ed/..")")
	mem=$(basename "$(readlink -f "$cxldev/$ep/uport")")
	info="$info pos$p=$mem:serial=$(cat "$cxldev/$mem/serial"):dpa=$(cat "$cxldev/$ed/dpa_resource")"
	p=$((p + 1))
done
echo "GUEST-INFO region $info"

# While no driver claims the region (its DAX device is unbound), /dev/mem
# reaches it (CONFIG_IO_STRICT_DEVMEM refuses it afterwards): the first
# 64 KiB are written there with the words of region offsets, and read back
# through the DAX device below.
if cxlmem fill /dev/mem 0 65536 "$seed" --ileave "1:8:0:$base"; then
	devmem=1
else
	devmem=
	guest_fail devmem "cannot write the region at $base through /dev/mem"
fi

# The region's DAX device appears unbound (kmem, its default driver, is not
# loaded); make it a devdax device.
t=$(guest_now)
id=${region#region}
dax=dax$id.0
if ! guest_wait 30 test -e "/sys/bus/dax/devices/$dax"; then
	guest_fail devdax "no /sys/bus/dax/devices/$dax after 30 s"
	ls /sys/bus/dax/devices
	guest_status
	exit
fi
if daxctl reconfigure-device -m devdax "$dax" && guest_wait 10 test -c "/dev/$dax"; then
	guest_time devdax "$t"
	guest_ok devdax "/dev/$dax align=$(cat "/sys/bus/dax/devices/$dax/align") size=$(cat "/sys/bus/dax/devices/$dax/size")"
else
	guest_fail devdax "daxctl reconfigure-device -m devdax $dax failed"
	guest_status
	exit
fi

if [ -n "$devmem" ]; then
	if cxlmem verify "/dev/$dax" 0 65536 "$seed"; then
		guest_ok devmem-to-devdax "64 KiB written through /dev/mem at $base read back through /dev/$dax"
	else
		guest_fail devmem-to-devdax "what /dev/mem wrote at $base is not at offset 0 of /dev/$dax"
	fi
fi

off=$((size - fill))
t=$(guest_now)
if cxlmem fill "/dev/$dax" "$off" "$fill" "$seed"; then
	guest_time fill "$t" "bytes=$fill"
	t=$(guest_now)
	if cxlmem verify "/dev/$dax" "$off" "$fill" "$seed"; then
		guest_time verify "$t" "bytes=$fill"
		guest_ok devdax-data "offset=$off bytes=$fill seed=$seed"
	else
		guest_fail devdax-data "verify through /dev/$dax failed"
	fi
	# The same words read with another seed must differ (the check can fail).
	if cxlmem verify "/dev/$dax" "$off" 4096 "$((seed + 1))" > /dev/null 2>&1; then
		guest_fail devdax-data "data verified with the wrong seed"
	fi
else
	guest_fail devdax-data "fill through /dev/$dax failed"
fi
echo "GUEST-INFO fill region=$region offset=$off bytes=$fill seed=$seed"

if [ "$bench" -gt 0 ]; then
	# The first 8 MiB of the region, well away from the filled end.
	cxlmem bench "/dev/$dax" 1M "$bench" 8M | sed 's/^/GUEST-BENCH /'
fi

# System RAM: daxctl loads kmem and onlines the memory blocks itself, as
# ZONE_MOVABLE; it refuses while the kernel would auto-online them (the
# Debian kernel's default), so that policy is turned off first.
echo offline > /sys/devices/system/memory/auto_online_blocks
t=$(guest_now)
if ! daxctl reconfigure-device -m system-ram "$dax"; then
	guest_fail system-ram "daxctl reconfigure-device -m system-ram $dax failed"
	guest_status
	exit
fi
node=$(cat "/sys/bus/dax/devices/$dax/target_node")
if guest_wait 30 sh -c "grep -q 'MemTotal: *[1-9]' /sys/devices/system/node/node$node/meminfo"; then
	guest_time system-ram "$t"
	guest_ok system-ram "node=$node $(grep MemTotal "/sys/devices/system/node/node$node/meminfo" | sed 's/.*MemTotal: *//; s/ //g')"
else
	guest_fail system-ram "node $node has no memory after onlining"
fi

t=$(guest_now)
if out=$(cxlmem verify --node "$node" 0 "$nodebytes" "$seed") &&
	echo "$out" | grep -q "pages=$node:[0-9]*\$"; then
	guest_time node-verify "$t" "bytes=$nodebytes"
	guest_ok node-verify "$out"
else
	guest_fail node-verify "$out"
fi
# An ordinary program with all its memory on the CXL node.
t=$(guest_now)
sum=$(numactl --membind="$node" sh -c 'dd if=/dev/zero bs=1M count=4 2> /dev/null | md5sum')
if [ "${sum%% *}" = b5cfa9d6c8febd618f91ac2843d50a1c ]; then
	guest_time membind "$t"
	guest_ok membind "numactl --membind=$node dd | md5sum"
else
	guest_fail membind "numactl --membind=$node: md5 '$sum'"
fi
if out=$(numactl --membind="$node" cxlmem verify --ram 0 1M "$seed") &&
	echo "$out" | grep -q "pages=$node:256\$"; then
	guest_ok membind-placement "$out"
else
	guest_fail membind-placement "$out"
fi
if [ "$bench" -gt 0 ]; then
	cxlmem bench --node "$node" 1M "$bench" 4M | sed 's/^/GUEST-BENCH /'
fi
echo "--- numactl -H"
numactl -H
guest_status
