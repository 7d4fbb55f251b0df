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

GUEST_FAILED=0

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
