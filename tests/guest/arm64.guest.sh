#!/bin/sh
# Guest side of arm64.sh: Linux on the aarch64 `virt` machine (UEFI,
# ACPI) with three CXL host bridges, regions the firmware committed
# (cxlemu-region) and a region Linux creates.  Steps:
#   acpi       the CXL root (ACPI0017), two ACPI0016 host bridges, the CEDT
#   enumerate  root0 with both host bridges, two memdevs and endpoints, the
#              root decoders of both windows (GUEST-INFO window N ...)
#   identify   Identify Memory Device / partition info / firmware info of
#              each memdev through `cxl list` (the library's mailbox)
#   fwW        Linux assembled the regions the firmware committed (512 MiB
#              on window W, test.fw); as devdax, 4 MiB written and verified
#              through each (GUEST-INFO region fwW)
#   create     `cxl create-region` on window 1, 2-way 256 B, written and
#              verified (GUEST-INFO region new); a kernel that cannot
#              invalidate CPU caches for CXL memory (arm64 before the cache
#              maintenance framework) refuses the commit: reported as
#              GUEST-SKIP with the kernel's message
# Kernel command line: test.seed=S (data pattern), test.mem=B (bytes of
# each memdev), test.hbs=N (host bridges), test.eps=N (memdevs, serial
# numbers 1 to N), test.windows=W:WAYS,... (root decoders), test.fw=W:G:N,...
# (firmware regions), test.create=W (window of the created region, which
# uses what the firmware regions left of the memdevs below both host
# bridges of window W: test.mem / 3 of each).
# shellcheck source=tests/guest/guest-lib.sh
. /usr/share/guest/lib.sh

arg() {
	guest_arg "test.$1"
}
seed=$(arg seed)
seed=${seed:-1}
memsize=$(arg mem)
bytes=4194304
cxldev=/sys/bus/cxl/devices
acpidev=/sys/bus/acpi/devices

# shellcheck disable=SC2012 # sysfs names, no blanks
count() {
	ls -d "$@" 2> /dev/null | wc -l
}
# memdevs: the memdev names, sorted.
# shellcheck disable=SC2012 # sysfs names, no blanks
memdevs() {
	(cd $cxldev && ls -d mem* | sort)
}

# ---- ACPI -------------------------------------------------------------------
hbs=$(arg hbs)
eps=$(arg eps)
n16=$(count $acpidev/ACPI0016:*)
if [ -e $acpidev/ACPI0017:00 ] && [ "$n16" -eq "$hbs" ] && [ -e /sys/firmware/acpi/tables/CEDT ]; then
	guest_ok acpi "ACPI0017:00, $n16 ACPI0016 host bridges, CEDT $(wc -c < /sys/firmware/acpi/tables/CEDT) bytes"
else
	guest_fail acpi "ACPI0017: $(count $acpidev/ACPI0017:*), ACPI0016: $n16 (want $hbs), CEDT: $(count /sys/firmware/acpi/tables/CEDT)"
fi

# ---- enumeration --------------------------------------------------------------
t0=$(guest_now)
if guest_wait 120 sh -c "[ \$(ls -d $cxldev/endpoint* 2> /dev/null | wc -l) -ge $eps ]"; then
	guest_ok enumerate "memdevs=$(count $cxldev/mem*) endpoints=$(count $cxldev/endpoint*) dports=$(count $cxldev/root0/dport*)"
else
	guest_fail enumerate "want $eps endpoints, have $(count $cxldev/endpoint*) (memdevs $(count $cxldev/mem*), root0 dports $(count $cxldev/root0/dport*))"
	lspci 2> /dev/null | head -n 20
	guest_status
	exit
fi
guest_time enumerate "$t0"
echo "--- cxl list -M -P -D -u"
cxl list -M -P -D -u
echo "---"
# test.windows=W:WAYS,...: the root decoders (host bridge interleave ways).
for spec in $(arg windows | tr ',' ' '); do
	w=${spec%%:*}
	rd=$cxldev/decoder0.$w
	if [ -e "$rd" ] && [ "$(cat "$rd/cap_ram")" = 1 ] && [ "$(cat "$rd/interleave_ways")" = "${spec#*:}" ]; then
		guest_ok "rootdecoder-$w" "decoder0.$w start=$(cat "$rd/start") size=$(cat "$rd/size") gran=$(cat "$rd/interleave_granularity") targets=$(cat "$rd/target_list")"
		echo "GUEST-INFO window $w start=$(cat "$rd/start") size=$(cat "$rd/size") gran=$(cat "$rd/interleave_granularity")"
	else
		guest_fail "rootdecoder-$w" "no volatile ${spec#*:}-way root decoder decoder0.$w"
	fi
done

# ---- mailbox ------------------------------------------------------------------
# Identify Memory Device and Get Partition Info: capacity and serial number
# (the host gives device I serial I + 1), Get Firmware Info.
serials=
for m in $(memdevs); do
	cxl list -m "$m" -I > /tmp/id 2>&1
	sn=$(sed -n 's/.*"serial":\([0-9]*\).*/\1/p' /tmp/id | head -n 1)
	if grep -q "\"ram_size\":$memsize" /tmp/id && grep -q "\"volatile_only_size\":$memsize" /tmp/id &&
		[ -n "$sn" ]; then
		guest_ok "identify-$m" "ram_size=$memsize serial=$sn"
		serials="$serials $sn"
	else
		guest_fail "identify-$m" "want ram_size and volatile_only_size $memsize: $(tr -d ' \n' < /tmp/id | head -c 300)"
	fi
	cxl list -m "$m" -F > /tmp/fw 2>&1
	if grep -q '"num_slots"' /tmp/fw; then
		guest_ok "firmware-info-$m"
	else
		guest_fail "firmware-info-$m" "$(tr -d ' \n' < /tmp/fw | head -c 300)"
	fi
done
want=$(seq 1 "$eps" | tr '\n' ' ')
if [ "$(echo "$serials" | tr ' ' '\n' | sed '/^$/d' | sort -n | tr '\n' ' ')" = "$want" ]; then
	guest_ok serials "$want"
else
	guest_fail serials "want serial numbers $want, have:$serials"
fi

# region_info TAG REGION: GUEST-INFO region TAG with its layout (memdev,
# serial and DPA per position) for the host's checks of the backend files.
region_info() {
	r=$cxldev/$2
	layout=$(guest_region_layout "$2")
	echo "GUEST-INFO region $1 name=$2 base=$(cat "$r/resource") size=$(cat "$r/size") ways=$(cat "$r/interleave_ways") gran=$(cat "$r/interleave_granularity")$layout"
}

# devdax_data TAG DAX: DAX becomes a devdax device; BYTES of the pattern
# written at its start and verified.
devdax_data() {
	if ! guest_wait 30 test -e "/sys/bus/dax/devices/$2"; then
		guest_fail "devdax-$1" "no $2: $(count /sys/bus/dax/devices/*) DAX devices"
		return 1
	fi
	if ! daxctl reconfigure-device -m devdax "$2" > /dev/null || ! guest_wait 10 test -c "/dev/$2"; then
		guest_fail "devdax-$1" "daxctl reconfigure-device -m devdax $2 failed"
		return 1
	fi
	guest_ok "devdax-$1" "/dev/$2"
	t=$(guest_now)
	if cxlmem fill "/dev/$2" 0 "$bytes" "$3" && cxlmem verify "/dev/$2" 0 "$bytes" "$3"; then
		guest_time "data-$1" "$t" "bytes=$bytes"
		guest_ok "data-$1" "$bytes bytes filled and verified through /dev/$2 (seed $3)"
	else
		guest_fail "data-$1" "fill/verify through /dev/$2"
		return 1
	fi
	# The check tells patterns apart: another seed does not verify.
	if cxlmem verify "/dev/$2" 0 4096 "$(($3 + 1000))" > /dev/null 2>&1; then
		guest_fail "data-$1" "verified with the wrong seed"
	fi
}

# ---- the regions the firmware committed ---------------------------------------
# test.fw=W:G:N,...: window W holds an N-way region of 512 MiB at G bytes
# that the firmware committed (tag fwW); Linux must have assembled it below
# the root decoder decoder0.W.  Each gets its own pattern (seed + W + 10).
for spec in $(arg fw | tr ',' ' '); do
	w=${spec%%:*}
	g=${spec#*:}
	n=${g#*:}
	g=${g%%:*}
	rdev=$cxldev/decoder0.$w
	if ! guest_wait 30 sh -c "ls -d $rdev/region* > /dev/null 2>&1"; then
		guest_fail "fw$w-assemble" "Linux assembled no region on decoder0.$w: $(dmesg | grep -i -E 'cxl|region' | tail -n 3 | tr '\n' ' ')"
		continue
	fi
	# shellcheck disable=SC2012 # sysfs names, no blanks
	region=$(basename "$(ls -d "$rdev"/region* | head -n 1)")
	r=$cxldev/$region
	size=$(cat "$r/size")
	ways=$(cat "$r/interleave_ways")
	gran=$(cat "$r/interleave_granularity")
	if [ "$size" = 0x20000000 ] && [ "$ways" = "$n" ] && [ "$gran" = "$g" ]; then
		guest_ok "fw$w-assemble" "$region on decoder0.$w size=$size ways=$ways gran=$gran (committed by firmware)"
	else
		guest_fail "fw$w-assemble" "$region on decoder0.$w size=$size ways=$ways gran=$gran, want 0x20000000 $n $g"
	fi
	region_info "fw$w" "$region"
	devdax_data "fw$w" "dax${region#region}.0" "$((seed + w + 10))"
done

# ---- a region Linux creates -------------------------------------------------------
# Memdevs in position order: position = index of the device's host bridge in
# the root decoder's target list.
rd=decoder0.$(arg create)
csize=$((memsize * 2 / 3))
mems=
for id in $(tr ',' ' ' < "$cxldev/$rd/target_list"); do
	host=$(readlink -f "$cxldev/root0/dport$id")
	for m in $(memdevs); do
		case $(readlink -f "$cxldev/$m") in "$host"/*) mems="$mems $m" ;; esac
	done
done
# The regions so far (the firmware's) and the kernel's messages from here
# on (the log is kept for init's dump).
# shellcheck disable=SC2012 # sysfs names, no blanks
before=" $(cd $cxldev && ls -d region* 2> /dev/null | tr '\n' ' ')"
klines=$(dmesg | wc -l)
t=$(guest_now)
# The size is given: ndctl sizes a region by the memdevs' capacity, not by
# what the firmware's regions left free (a third of each).
# shellcheck disable=SC2086 # a list of memdev names
out=$(cxl create-region -t ram -d $rd -w 2 -g 256 -s "$csize" -m $mems 2>&1)
rc=$?
echo "$out"
region=$(echo "$out" | sed -n 's/.*"region":"\(region[0-9]*\)".*/\1/p' | head -n 1)
dmesg | tail -n +$((klines + 1)) > /tmp/kmsg
why=$(grep -m 1 'Failed to synchronize CPU cache state' /tmp/kmsg)
if [ $rc -eq 0 ] && [ -n "$region" ]; then
	guest_time create-region "$t"
	guest_ok create-region "$region on $rd, 2-way 256 B over$mems"
	region_info new "$region"
	devdax_data create "dax${region#region}.0" "$((seed + 1))"
elif [ -n "$why" ]; then
	# The commit the kernel refuses: once the half-made region is
	# destroyed, no decoder may be part of a region but the firmware's.
	echo "GUEST-SKIP create-region the kernel refuses to commit a region it cannot flush CPU caches for:$(echo "$why" | sed 's/^\[[^]]*\]//')"
	# shellcheck disable=SC2012 # sysfs names, no blanks
	for reg in $(cd "$cxldev/$rd" && ls -d region* 2> /dev/null); do
		case "$before " in *" $reg "*) ;; *) cxl destroy-region -f "$reg" > /dev/null 2>&1 || true ;; esac
	done
	left=
	for d in "$cxldev"/decoder*.*; do
		reg=$(cat "$d/region" 2> /dev/null)
		[ -n "$reg" ] || continue
		case "$before " in *" $reg "*) ;; *) left="$left $(basename "$d")=$reg" ;; esac
	done
	if [ -z "$left" ]; then
		guest_ok create-region-refused "cxl create-region failed cleanly (status $rc)"
	else
		guest_fail create-region-refused "decoders still hold the refused region:$left"
	fi
else
	guest_fail create-region "cxl create-region -d $rd -w 2 -g 256 -s $csize -m$mems failed (status $rc): $(echo "$out" | tail -n 3 | tr '\n' ' ') kernel: $(tail -n 5 /tmp/kmsg | tr '\n' ' ')"
fi
guest_status
