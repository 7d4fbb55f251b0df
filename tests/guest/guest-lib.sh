# Helpers for guest test scripts (busybox sh), installed in the image as
# /usr/share/guest/lib.sh; /guest-test.sh sources it:
#   . /usr/share/guest/lib.sh
# Reporting (read by run-guest.sh on the host):
#   guest_ok NAME [DETAIL]        GUEST-OK NAME DETAIL
#   guest_fail NAME REASON        GUEST-FAIL NAME REASON; the script's exit
#                                 status becomes 1 (guest_status)
#   guest_time NAME T0 [DETAIL]   GUEST-TIME NAME seconds=(now - T0) DETAIL
#   guest_run NAME CMD...         runs CMD, echoes its output, OK or FAIL
#   guest_wait SECONDS CMD...     retries CMD until it succeeds or SECONDS pass
#   guest_now                     seconds since boot (/proc/uptime)
#   guest_arg KEY                 the value of KEY=VALUE on the kernel
#                                 command line (run-guest.sh --append), or
#                                 nothing
# CXL regions (cxl, daxctl and cxlmem from the image):
#   guest_region NAME WAYS GRAN MEMDEV...
#                                 a volatile region in root decoder0.0 over
#                                 the memdevs; its name in $GUEST_REGION
#   guest_devdax NAME [DAX]       DAX (default dax0.0) as a device DAX, once
#                                 it appears; /dev/DAX ready
#   guest_data NAME DEV BYTES SEED [fill]
#                                 cxlmem fill (with "fill") then verify of
#                                 BYTES from offset 0 of DEV
# Each reports OK or FAIL under NAME and returns 0 or 1.
#   guest_region_layout REGION    prints " posN=memX:serial=S:dpa=D" for
#                                 every interleave position of REGION
#                                 (regionN): the device there and the DPA
#                                 where the region starts on it

GUEST_FAILED=0

guest_arg() {
	_k=$(printf '%s' "$1" | sed 's/\./\\./g')
	sed -n "s/.* $_k=\([^ ]*\).*/\1/p" /proc/cmdline
}

guest_now() {
	cut -d' ' -f1 /proc/uptime
}

guest_ok() {
	echo "GUEST-OK $*"
}

guest_fail() {
	echo "GUEST-FAIL $*"
	GUEST_FAILED=1
}

# Exit status for the end of a test script: 1 when anything failed.
guest_status() {
	return "$GUEST_FAILED"
}

guest_time() {
	_n=$1
	_t0=$2
	shift 2
	echo "GUEST-TIME $_n seconds=$(awk -v a="$_t0" -v b="$(guest_now)" 'BEGIN { printf "%.2f", b - a }') $*"
}

guest_run() {
	_n=$1
	shift
	if "$@"; then
		guest_ok "$_n"
	else
		guest_fail "$_n" "exit status $? from: $*"
		return 1
	fi
}

guest_wait() {
	_end=$(awk -v a="$(guest_now)" -v s="$1" 'BEGIN { printf "%d", a + s + 1 }')
	shift
	while ! "$@" > /dev/null 2>&1; do
		if [ "$(awk -v a="$(guest_now)" 'BEGIN { printf "%d", a }')" -ge "$_end" ]; then
			return 1
		fi
		sleep 0.2
	done
	return 0
}

guest_region() {
	_n=$1
	_w=$2
	_g=$3
	shift 3
	if ! cxl create-region -d decoder0.0 -m -t ram -w "$_w" -g "$_g" "$@" > /tmp/guest-region 2>&1; then
		guest_fail "$_n" "create-region -w $_w -g $_g $*: $(tr '\n' ' ' < /tmp/guest-region | head -c 300)"
		return 1
	fi
	GUEST_REGION=$(sed -n 's/.*"region":"\([a-z0-9]*\)".*/\1/p' /tmp/guest-region | head -n 1)
	guest_ok "$_n" "$GUEST_REGION over $*"
}

guest_devdax() {
	_d=${2:-dax0.0}
	if ! guest_wait 20 test -e "/sys/bus/dax/devices/$_d"; then
		guest_fail "$1" "no $_d"
		return 1
	fi
	if daxctl reconfigure-device -m devdax "$_d" > /dev/null && guest_wait 10 test -c "/dev/$_d"; then
		guest_ok "$1" "/dev/$_d"
		return 0
	fi
	guest_fail "$1" "daxctl reconfigure-device -m devdax $_d failed"
	return 1
}

guest_data() {
	if [ "${5:-}" = fill ] && ! cxlmem fill "$2" 0 "$3" "$4"; then
		guest_fail "$1" "cxlmem fill $2 0 $3 $4"
		return 1
	fi
	if cxlmem verify "$2" 0 "$3" "$4"; then
		guest_ok "$1" "$3 bytes ${5:+filled and }verified through $2"
		return 0
	fi
	guest_fail "$1" "cxlmem verify $2 0 $3 $4"
	return 1
}

guest_region_layout() {
	_c=/sys/bus/cxl/devices
	_p=0
	_ways=$(cat "$_c/$1/interleave_ways")
	while [ "$_p" -lt "$_ways" ]; do
		_ed=$(cat "$_c/$1/target$_p")
		_ep=$(basename "$(readlink -f "$_c/$_ed/..")")
		_mem=$(basename "$(readlink -f "$_c/$_ep/uport")")
		printf ' pos%s=%s:serial=%s:dpa=%s' "$_p" "$_mem" "$(cat "$_c/$_mem/serial")" \
			"$(cat "$_c/$_ed/dpa_resource")"
		_p=$((_p + 1))
	done
}
