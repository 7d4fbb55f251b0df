#!/bin/sh
# Guest side of bench/qemu/run.sh (runs as /guest-test.sh, busybox sh, with
# tests/guest/guest-lib.sh as /usr/share/guest/lib.sh).
# Parameters from the kernel command line (run-guest.sh --append):
#   bench.ways=N     interleave ways of the region (= number of memdevs)
#   bench.gran=B     interleave granularity in bytes
#   bench.fill=B     bytes written through the DAX device at the end of the
#                    region, checked by the host in the backend files
#   bench.seed=S     pattern seed (cxlmem)
#   bench.size=B     bytes each throughput figure runs over
#   bench.rounds=N   rounds of throughput figures (guest RAM, then the node)
#   bench.round=S    cxlmem bench SECONDS of one round (S/4 per figure)
#   bench.fault=S    cap on the first touch of 64 MiB
# Steps: create the volatile region over N memdevs (the ordering logic of
# tests/guest/region-basic.guest.sh), report its layout, fill its end
# through devdax (for the host's check), online it as system RAM, report
# transparent huge pages, and run cxlmem bench on the region's node (the
# guest CXL memory as programs get it), alternating with guest RAM.
# Figures are printed as GUEST-BENCH lines.
# shellcheck source=/dev/null # tests/guest/guest-lib.sh, installed by mkimage.sh
. /usr/share/guest/lib.sh

arg() {
	guest_arg "bench.$1"
}
ways=$(arg ways)
gran=$(arg gran)
fill=$(arg fill)
seed=$(arg seed)
size=$(arg size)
rounds=$(arg rounds)
round=$(arg round)
fault=$(arg fault)
ways=${ways:-2}
gran=${gran:-4096}
fill=${fill:-1048576}
seed=${seed:-1}
size=${size:-4194304}
rounds=${rounds:-4}
round=${round:-2}
fault=${fault:-8}
cxldev=/sys/bus/cxl/devices

count() {
	# shellcheck disable=SC2012 # names without blanks
	ls -d "$@" 2> /dev/null | wc -l
}

# Bail out with the failure reported: nothing after it can run.
stop() {
	guest_fail "$@"
	guest_status
	exit
}

if guest_wait 120 sh -c "[ \$(ls -d $cxldev/endpoint* 2> /dev/null | wc -l) -ge $ways ]"; then
	guest_ok enumerate "memdevs=$(count $cxldev/mem*) endpoints=$(count $cxldev/endpoint*)"
else
	stop enumerate "expected $ways endpoints, have $(count $cxldev/endpoint*)"
fi

# The first volatile-capable root decoder (each topology has one window).
rd=
for d in "$cxldev"/root0/decoder0.*; do
	[ -e "$d/cap_ram" ] || continue
	if [ "$(cat "$d/cap_ram")" = 1 ]; then
		rd=$(basename "$d")
		break
	fi
done
[ -n "$rd" ] || stop rootdecoder "no volatile-capable root decoder under root0"

# Memdevs in position order: by their host bridge's index in the root
# decoder's target list, then by name below one host bridge (Linux rejects
# a memdev at the wrong position; see tests/guest/README.md).
mems=
for id in $(tr ',' ' ' < "$cxldev/$rd/target_list"); do
	host=$(readlink -f "$cxldev/root0/dport$id")
	# shellcheck disable=SC2012 # memdev names have no blanks
	for m in $(cd $cxldev && ls -d mem* | sort -V); do
		case $(readlink -f "$cxldev/$m") in "$host"/*) mems="$mems $m" ;; esac
	done
done
mems=$(echo "$mems" | tr ' ' '\n' | sed '/^$/d' | head -n "$ways" | tr '\n' ' ')
# shellcheck disable=SC2086 # a list of memdev names
out=$(cxl create-region -t ram -d "$rd" -w "$ways" -g "$gran" -m $mems 2>&1)
rc=$?
region=$(echo "$out" | sed -n 's/.*"region":"\(region[0-9]*\)".*/\1/p' | head -n 1)
if [ $rc -ne 0 ] || [ -z "$region" ]; then
	echo "$out"
	stop create-region "cxl create-region -w $ways -g $gran -m $mems failed (status $rc)"
fi
r=$cxldev/$region
rsize=$(cat "$r/size")
base=$(cat "$r/resource")
info="name=$region base=$base ways=$(cat "$r/interleave_ways") gran=$(cat "$r/interleave_granularity") size=$rsize"
info="$info$(guest_region_layout "$region")"
echo "GUEST-INFO region $info"

# devdax first: the end of the region gets the pattern the host checks in
# the backend files (the data went where the emulated decode says).
dax=dax${region#region}.0
guest_wait 30 test -e "/sys/bus/dax/devices/$dax" || stop devdax "no $dax after 30 s"
if ! daxctl reconfigure-device -m devdax "$dax" > /dev/null || ! guest_wait 10 test -c "/dev/$dax"; then
	stop devdax "daxctl reconfigure-device -m devdax $dax failed"
fi
off=$((rsize - fill))
if cxlmem fill "/dev/$dax" "$off" "$fill" "$seed" > /dev/null &&
	cxlmem verify "/dev/$dax" "$off" "$fill" "$seed" > /dev/null; then
	echo "GUEST-INFO fill region=$region offset=$off bytes=$fill seed=$seed"
else
	guest_fail devdax-data "fill/verify of $fill bytes through /dev/$dax failed"
fi

# System RAM on the window's node (auto-onlining off, or daxctl refuses).
echo offline > /sys/devices/system/memory/auto_online_blocks
daxctl reconfigure-device -m system-ram "$dax" > /dev/null ||
	stop system-ram "daxctl reconfigure-device -m system-ram $dax failed"
node=$(cat "/sys/bus/dax/devices/$dax/target_node")
guest_wait 30 sh -c "grep -q 'MemTotal: *[1-9]' /sys/devices/system/node/node$node/meminfo" ||
	stop system-ram "node $node has no memory after onlining"
guest_ok system-ram "node=$node $(grep MemTotal "/sys/devices/system/node/node$node/meminfo" | sed 's/.*MemTotal: *//; s/ //g')"

# The fault-in figure depends on it: with THP the first touch zeroes 2 MiB.
thp=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2> /dev/null)
echo "GUEST-INFO thp enabled=${thp:-unknown}"

# Throughput: rounds of guest RAM then the CXL node, each a cxlmem bench
# of ROUND seconds (ROUND/4 per figure; no fault-in: FAULT_SIZE 4K); the
# host takes the best round of each, so a round slowed down by a busy host
# does not count.  Lines are tagged ramI and cxlI.
i=1
while [ $i -le "$rounds" ]; do
	for run in ram cxl; do
		case $run in
		cxl) target="--node $node" ;;
		*) target=--ram ;;
		esac
		# shellcheck disable=SC2086 # target is an option and its value
		if out=$(cxlmem bench $target "$size" "$round" 4K); then
			echo "$out" | sed "s/^/GUEST-BENCH $run$i /"
		else
			echo "$out"
			guest_fail "bench-$run$i" "cxlmem bench $target failed"
		fi
	done
	i=$((i + 1))
done
# The first touch of 64 MiB of the node, beside 64 MiB of guest RAM (the
# baseline cxlmem runs in the same call); the throughput figures of this
# call (over 4 KiB) are not used.
t=$(guest_now)
if out=$(cxlmem bench --node "$node" 4K 1 64M "$fault"); then
	echo "$out" | sed "s/^/GUEST-BENCH fault /"
	guest_time bench-fault "$t"
else
	echo "$out"
	guest_fail bench-fault "cxlmem bench --node $node 4K 1 64M $fault failed"
fi
guest_status
