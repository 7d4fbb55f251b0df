#!/bin/sh
# Guest side of region-basic.sh (runs as /guest-test.sh, busybox sh).
# Parameters from the kernel command line (run-guest.sh --append):
#   test.ways=N     interleave ways of the regions (= number of memdevs)
#   test.a=W:G      region a: root decoder decoder0.W (window W), G bytes
#   test.b=W:G      region b: the same memdevs on window W at G bytes
#   test.fill=B     bytes written and checked through each region's DAX
#                   device (ways x GRAN multiple), at the end of the region
#                   (the start is what the page allocator hands out first
#                   once a region is system RAM)
#   test.seed=S     pattern seed of region a's data (cxlmem); region b's
#                   data uses S + 1
#   test.node=B     bytes checked on the region's NUMA node
#   test.bench=S    seconds for cxlmem bench on the DAX device and on the
#                   node (0: no benchmark)
# Steps (a = first region, a2 = a committed again, b = other granularity):
#   a   create the region with N memdevs in position order, write its first
#       64 KiB through /dev/mem, make its DAX device a devdax device, read
#       them back there, fill the last B bytes and verify;
#   a2  destroy it (decoders uncommit), create it again with the same
#       memdevs and granularity: the same DPAs, so the words written
#       through a are read back through a2;
#   b   destroy it, create b (same memdevs, window W, granularity G): the
#       words a wrote are read through b where b's interleave puts them
#       (cxlmem --regran), then b's own words (B bytes before a's) are
#       written and verified;
#   b is then onlined as system RAM: memory on its node (cxlmem --node, and
#   busybox under numactl --membind).
# Each region's layout (GUEST-INFO region TAG ...) and filled range
# (GUEST-INFO fill TAG ...) are for the host's checks of the backend files
# and of the QEMU trace.
# shellcheck source=tests/guest/guest-lib.sh
. /usr/share/guest/lib.sh

arg() {
	guest_arg "test.$1"
}
ways=$(arg ways)
spec_a=$(arg a)
spec_b=$(arg b)
fill=$(arg fill)
seed=$(arg seed)
nodebytes=$(arg node)
bench=$(arg bench)
ways=${ways:-2}
spec_a=${spec_a:-0:4096}
spec_b=${spec_b:-0:256}
fill=${fill:-2097152}
seed=${seed:-1}
nodebytes=${nodebytes:-2097152}
bench=${bench:-0}
seed_b=$((seed + 1))
cxldev=/sys/bus/cxl/devices

count() {
	# shellcheck disable=SC2012 # names without blanks
	ls -d "$@" 2> /dev/null | wc -l
}

# stop: reports the failures so far and ends the test (a later step would
# only fail for the same reason).
stop() {
	guest_status
	exit
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

# root_decoder TAG WINDOW: rd = decoder0.WINDOW (root decoders follow the
# CEDT's windows in order), which must be volatile capable.
root_decoder() {
	rd=decoder0.$2
	if [ ! -e "$cxldev/$rd" ]; then
		guest_fail "rootdecoder-$1" "no root decoder $rd for window $2"
		stop
	fi
	if [ "$(cat "$cxldev/$rd/cap_ram" 2> /dev/null)" != 1 ]; then
		guest_fail "rootdecoder-$1" "$rd is not volatile capable"
		stop
	fi
	guest_ok "rootdecoder-$1" "$rd start=$(cat "$cxldev/$rd/start") ways=$(cat "$cxldev/$rd/interleave_ways") gran=$(cat "$cxldev/$rd/interleave_granularity")"
}

# order_memdevs: mems = the memdevs in region position order for root
# decoder $rd.  ndctl 81 takes -m targets in the order given and Linux
# rejects a memdev at the wrong position ("failed to set target0 to mem0");
# memdev names follow PCI enumeration, not the window's target list.  A
# device's position at the root is the index of its host bridge in the root
# decoder's target_list; below one host bridge (switch) Linux programs the
# decoders in attach order, so name order does.
order_memdevs() {
	mems=
	for id in $(tr ',' ' ' < "$cxldev/$rd/target_list"); do
		host=$(readlink -f "$cxldev/root0/dport$id")
		# shellcheck disable=SC2012 # memdev names, no blanks
		for m in $(cd $cxldev && ls -d mem* | sort -V); do
			case $(readlink -f "$cxldev/$m") in "$host"/*) mems="$mems $m" ;; esac
		done
	done
	mems=$(echo "$mems" | tr ' ' '\n' | sed '/^$/d' | head -n "$ways" | tr '\n' ' ')
}

# create TAG GRAN: a volatile region on $rd over $mems; sets region, r,
# base, size, dax (not yet a device), layout (memdev:serial:dpa per
# position) and prints GUEST-INFO region TAG.
create() {
	t=$(guest_now)
	# shellcheck disable=SC2086 # a list of memdev names
	out=$(cxl create-region -t ram -d "$rd" -w "$ways" -g "$2" -m $mems 2>&1)
	rc=$?
	echo "$out"
	region=$(echo "$out" | sed -n 's/.*"region":"\(region[0-9]*\)".*/\1/p' | head -n 1)
	if [ $rc -ne 0 ] || [ -z "$region" ]; then
		guest_fail "create-region-$1" "cxl create-region -d $rd -w $ways -g $2 -m $mems failed (status $rc)"
		stop
	fi
	guest_time "create-region-$1" "$t"
	r=$cxldev/$region
	size=$(cat "$r/size")
	base=$(cat "$r/resource")
	guest_ok "create-region-$1" "$region base=$base size=$size ways=$(cat "$r/interleave_ways") gran=$(cat "$r/interleave_granularity")"
	# The layout: for each position, the memdev, its serial number and the
	# DPA where the region starts on it (the host checks the backend files
	# with it).
	layout=$(guest_region_layout "$region")
	echo "GUEST-INFO region $1 name=$region window=${rd#decoder0.} rootdecoder=$rd start=$(cat "$cxldev/$rd/start") base=$base size=$size ways=$(cat "$r/interleave_ways") gran=$(cat "$r/interleave_granularity")$layout"
	dax=dax${region#region}.0
}

# devdax TAG: the region's DAX device appears unbound (kmem, its default
# driver, is not loaded); make it a devdax device /dev/$dax.
devdax() {
	t=$(guest_now)
	if ! guest_wait 30 test -e "/sys/bus/dax/devices/$dax"; then
		guest_fail "devdax-$1" "no /sys/bus/dax/devices/$dax after 30 s"
		ls /sys/bus/dax/devices
		stop
	fi
	if daxctl reconfigure-device -m devdax "$dax" > /dev/null && guest_wait 10 test -c "/dev/$dax"; then
		guest_time "devdax-$1" "$t"
		guest_ok "devdax-$1" "/dev/$dax align=$(cat "/sys/bus/dax/devices/$dax/align") size=$(cat "/sys/bus/dax/devices/$dax/size")"
	else
		guest_fail "devdax-$1" "daxctl reconfigure-device -m devdax $dax failed"
		stop
	fi
}

# destroy TAG: cxl destroy-region (disables it first); afterwards the
# decoders it used are free again (no HPA range, no DPA).
destroy() {
	decs=
	p=0
	while [ $p -lt "$ways" ]; do
		decs="$decs $(cat "$r/target$p")"
		p=$((p + 1))
	done
	t=$(guest_now)
	if ! cxl destroy-region -f "$region"; then
		guest_fail "destroy-region-$1" "cxl destroy-region -f $region failed"
		stop
	fi
	guest_time "destroy-region-$1" "$t"
	busy=
	for d in $decs; do
		if [ $(($(cat "$cxldev/$d/size"))) -ne 0 ] || [ $(($(cat "$cxldev/$d/dpa_size"))) -ne 0 ]; then
			busy="$busy $d(size=$(cat "$cxldev/$d/size"),dpa_size=$(cat "$cxldev/$d/dpa_size"))"
		fi
	done
	if [ -e "$r" ]; then
		guest_fail "destroy-region-$1" "$region still exists"
	elif [ -n "$busy" ]; then
		guest_fail "destroy-region-$1" "endpoint decoders still hold a range:$busy"
	else
		guest_ok "destroy-region-$1" "$region, endpoint decoders$decs released"
	fi
}

# filldata TAG OFFSET SEED: fill and verify FILL bytes at OFFSET of /dev/$dax.
filldata() {
	t=$(guest_now)
	if cxlmem fill "/dev/$dax" "$2" "$fill" "$3"; then
		guest_time "fill-$1" "$t" "bytes=$fill"
		t=$(guest_now)
		if cxlmem verify "/dev/$dax" "$2" "$fill" "$3"; then
			guest_time "verify-$1" "$t" "bytes=$fill"
			guest_ok "data-$1" "offset=$2 bytes=$fill seed=$3"
		else
			guest_fail "data-$1" "verify through /dev/$dax failed"
		fi
		# The same words read with another seed must differ (the check can
		# fail).
		if cxlmem verify "/dev/$dax" "$2" 4096 "$(($3 + 1000))" > /dev/null 2>&1; then
			guest_fail "data-$1" "data verified with the wrong seed"
		fi
	else
		guest_fail "data-$1" "fill through /dev/$dax failed"
	fi
	echo "GUEST-INFO fill $1 region=$region offset=$2 bytes=$fill seed=$3"
}

# ---- a: the first region --------------------------------------------------
win_a=${spec_a%%:*}
gran_a=${spec_a#*:}
root_decoder a "$win_a"
order_memdevs
create a "$gran_a"
layout_a=$layout
size_a=$size

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
devdax a
if [ -n "$devmem" ]; then
	if cxlmem verify "/dev/$dax" 0 65536 "$seed"; then
		guest_ok devmem-to-devdax "64 KiB written through /dev/mem at $base read back through /dev/$dax"
	else
		guest_fail devmem-to-devdax "what /dev/mem wrote at $base is not at offset 0 of /dev/$dax"
	fi
fi
off_a=$((size - fill))
filldata a "$off_a" "$seed"
if [ "$bench" -gt 0 ]; then
	# The first 8 MiB of the region, well away from the filled end.
	cxlmem bench "/dev/$dax" 1M "$bench" 8M | sed 's/^/GUEST-BENCH /'
fi

# ---- a2: the same region committed again ----------------------------------
destroy a
create a2 "$gran_a"
if [ "$layout" = "$layout_a" ] && [ "$size" = "$size_a" ]; then
	guest_ok recommit-layout "same memdevs and DPAs:$layout"
else
	guest_fail recommit-layout "a:$layout_a size $size_a, a2:$layout size $size"
fi
devdax a2
t=$(guest_now)
if cxlmem verify "/dev/$dax" "$off_a" "$fill" "$seed"; then
	guest_time recommit-data "$t" "bytes=$fill"
	guest_ok recommit-data "the words region a wrote, read through region a2 ($region)"
else
	guest_fail recommit-data "the words region a wrote are not in region a2 ($region)"
fi
if [ -n "$devmem" ]; then
	if cxlmem verify "/dev/$dax" 0 65536 "$seed"; then
		guest_ok recommit-devmem "the 64 KiB /dev/mem wrote through region a, read through region a2"
	else
		guest_fail recommit-devmem "the 64 KiB /dev/mem wrote through region a are not in region a2"
	fi
fi

# ---- b: the same memdevs at another granularity ---------------------------
destroy a2
win_b=${spec_b%%:*}
gran_b=${spec_b#*:}
mems_a=$mems
root_decoder b "$win_b"
order_memdevs
if [ "$mems" != "$mems_a" ]; then
	guest_fail memdevs-b "window $win_b orders the memdevs $mems, window $win_a $mems_a"
	stop
fi
create b "$gran_b"
# Position p holds the same memdev at the same DPA in a and b (only the
# serials and DPAs are compared: the granularity differs).
if [ "$layout" = "$layout_a" ] && [ "$size" = "$size_a" ]; then
	guest_ok regran-layout "same memdevs and DPAs, $gran_a -> $(cat "$r/interleave_granularity") bytes"
else
	guest_fail regran-layout "a:$layout_a size $size_a, b:$layout size $size"
fi
devdax b
gran_now=$(cat "$r/interleave_granularity")
t=$(guest_now)
if cxlmem verify "/dev/$dax" "$off_a" "$fill" "$seed" --regran "$ways:$gran_now:$gran_a"; then
	guest_time regran-data "$t" "bytes=$fill"
	guest_ok regran-data "region a's words ($gran_a B) where region b ($gran_now B) puts their DPAs"
else
	guest_fail regran-data "region a's words ($gran_a B) are not where region b ($gran_now B) puts their DPAs"
fi
filldata b "$((size - 2 * fill))" "$seed_b"

# ---- b as system RAM ------------------------------------------------------
# daxctl loads kmem and onlines the memory blocks itself, as ZONE_MOVABLE; it
# refuses while the kernel would auto-online them (the Debian kernel's
# default), so that policy is turned off first.
echo offline > /sys/devices/system/memory/auto_online_blocks
t=$(guest_now)
if ! daxctl reconfigure-device -m system-ram "$dax" > /dev/null; then
	guest_fail system-ram "daxctl reconfigure-device -m system-ram $dax failed"
	stop
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
sum=$(numactl --membind="$node" sh -c 'dd if=/dev/zero bs=1M count=1 2> /dev/null | md5sum')
if [ "${sum%% *}" = b6d81b360a5672d80c27430f39153e2c ]; then
	guest_time membind "$t"
	guest_ok membind "numactl --membind=$node sh -c 'dd 1 MiB | md5sum'"
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
