#!/bin/sh
# /init of the test guest (busybox sh).  Mounts the pseudo file systems,
# loads the CXL/DAX modules listed in /etc/guest-modules, runs
# /guest-test.sh (appended to the initramfs at run time by run-guest.sh),
# reports on the serial console and powers off.
#
# Markers on the console, one per line, all starting with GUEST-:
#   GUEST-BOOT kernel=VER uptime=S      init started
#   GUEST-OK modules uptime=S           every module loaded
#   GUEST-FAIL modules REASON           a module did not load
#   GUEST-OK NAME / GUEST-FAIL NAME REASON / GUEST-TIME NAME ...  from the test
#   GUEST-DMESG LINE                    a kernel warning, oops or BUG
#   GUEST-DONE rc=N                     the test's exit status (last line)
# Kernel command line switches: guest.nomodules (load no module),
# guest.dmesg (print the whole kernel log at the end, also on success).

# The initramfs has no /dev/console node (it is built without root rights),
# so the console is opened once devtmpfs is mounted.
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec < /dev/console > /dev/console 2>&1
/bin/busybox --install -s
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts

. /usr/share/guest/lib.sh

echo "GUEST-BOOT kernel=$(uname -r) uptime=$(guest_now)"
cmdline=$(cat /proc/cmdline)

# Only what the kernel reports from now on at warning level and above goes
# to the console; the full log stays in dmesg.
echo 4 > /proc/sys/kernel/printk

case " $cmdline " in
*" guest.nomodules "*)
	echo "GUEST-OK modules skipped (guest.nomodules)"
	;;
*)
	failed=
	for m in $(cat /etc/guest-modules); do
		modprobe "$m" || failed="$failed $m"
	done
	if [ -n "$failed" ]; then
		echo "GUEST-FAIL modules could not load:$failed"
	else
		echo "GUEST-OK modules uptime=$(guest_now)"
	fi
	;;
esac

if [ -f /guest-test.sh ]; then
	sh /guest-test.sh
	rc=$?
else
	echo "GUEST-FAIL init no /guest-test.sh in the initramfs"
	rc=1
fi

# Kernel warnings, oopses and BUGs are reported whatever the test said.
dmesg | grep -E 'WARNING:|BUG:|Oops|Call Trace:|general protection|Kernel panic' |
	head -n 40 | sed 's/^/GUEST-DMESG /'
case " $cmdline " in
*" guest.dmesg "*) full=1 ;;
*) full= ;;
esac
if [ "$rc" -ne 0 ] || [ -n "$full" ]; then
	echo "GUEST-DMESG-BEGIN"
	dmesg
	echo "GUEST-DMESG-END"
fi
echo "GUEST-DONE rc=$rc uptime=$(guest_now)"
sync
poweroff -f
# poweroff should not return; if it does, halt so the host times out.
sleep 1
echo "GUEST-FAIL init poweroff failed"
while :; do sleep 3600; done
