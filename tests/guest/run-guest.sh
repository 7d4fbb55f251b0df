#!/bin/bash
# Boots the test guest (mkimage.sh) under QEMU TCG with one test script and
# reports its results.
#   tests/guest/run-guest.sh --qemu PATH --image DIR --script GUEST_SCRIPT
#       [--arch x86_64|aarch64] [--timeout SECONDS] [--mem SIZE] [--smp N]
#       [--log FILE] [--qemu-log FILE] [--append KERNEL_ARGS]
#       [--file HOST_PATH:GUEST_PATH]... [--verbose] -- EXTRA_QEMU_ARGS...
# The extra QEMU arguments describe the CXL topology (pxb-cxl, cxl-rp,
# cxl-type3, -M cxl-fmw...).  GUEST_SCRIPT becomes /guest-test.sh and the
# cxlmem tool /usr/bin/cxlmem, in a second cpio appended to the image's
# initramfs; --file adds more files.  The console goes to the log file; the
# GUEST-* lines (and, on failure, the guest's kernel log) are printed.
# QEMU's own output (stdout and stderr: warnings, -trace lines) goes to
# --qemu-log FILE when given (kept), else to a temporary file; on a failure
# its lines other than trace events are shown.
# Exit status: 0 when the guest printed GUEST-DONE rc=0 and no GUEST-FAIL,
# 1 on a failure, a timeout or a QEMU error, 2 on bad usage.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/guest/host-lib.sh
. "$here/host-lib.sh"

die() {
	echo "run-guest: error: $*" >&2
	exit 2
}
usage() {
	sed -n '4,7s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

qemu=
arch=x86_64
image=
script=
timeout=600
mem=1G
smp=1
log=
qlog=
append=
verbose=
files=()
while [ $# -gt 0 ]; do
	case $1 in
	--qemu | --arch | --image | --script | --timeout | --mem | --smp | --log | --qemu-log | --append | --file)
		[ $# -ge 2 ] || die "$1 needs a value"
		case $1 in
		--qemu) qemu=$2 ;;
		--arch) arch=$2 ;;
		--image) image=$2 ;;
		--script) script=$2 ;;
		--timeout) timeout=$2 ;;
		--mem) mem=$2 ;;
		--smp) smp=$2 ;;
		--log) log=$2 ;;
		--qemu-log) qlog=$2 ;;
		--append) append=$2 ;;
		--file) files+=("$2") ;;
		esac
		shift 2
		;;
	--verbose)
		verbose=1
		shift
		;;
	--)
		shift
		break
		;;
	-h | --help) usage ;;
	*) die "unknown argument '$1' (QEMU arguments go after --)" ;;
	esac
done

[ -n "$qemu" ] || die "--qemu PATH is required"
[ -x "$qemu" ] || die "QEMU '$qemu' is not an executable"
[ -n "$image" ] || die "--image DIR is required (built by tests/guest/mkimage.sh)"
if [ ! -f "$image/vmlinuz" ] || [ ! -f "$image/initramfs.cpio.gz" ]; then
	die "$image has no vmlinuz and initramfs.cpio.gz (run tests/guest/mkimage.sh --arch $arch $image)"
fi
[ -n "$script" ] || die "--script GUEST_SCRIPT is required"
[ -f "$script" ] || die "guest script '$script' does not exist"
case $timeout in '' | *[!0-9]*) die "--timeout takes whole seconds, not '$timeout'" ;; esac
case $smp in '' | *[!0-9]* | 0) die "--smp takes a positive number, not '$smp'" ;; esac
grep -q "^arch $arch\$" "$image/stamp" 2> /dev/null ||
	die "$image is not an $arch image (see $image/stamp)"

case $arch in
x86_64)
	cc=gcc
	console=ttyS0
	kargs=
	[ -f "$image/firmware/bios-256k.bin" ] || die "$image/firmware is missing (rebuild the image)"
	# -hypervisor: Linux creates CXL regions only when it may flush CPU
	# caches itself (cxl_region_invalidate_memregion()); under a
	# hypervisor CPUID bit it refuses ("Failed to synchronize CPU cache
	# state").  One NUMA node for the boot memory, so that the kernel
	# parses SRAT and gives each CXL window a node of its own.
	machine=(-machine "q35,cxl=on" -cpu "max,-hypervisor" -L "$image/firmware"
		-object "memory-backend-ram,id=guest-ram,size=$mem"
		-numa "node,nodeid=0,cpus=0-$((smp - 1)),memdev=guest-ram")
	;;
aarch64)
	cc=aarch64-linux-gnu-gcc
	console=ttyAMA0
	kargs=acpi=force
	[ -f "$image/firmware/QEMU_EFI.fd" ] || die "$image/firmware/QEMU_EFI.fd is missing (rebuild the image)"
	# virt with GICv3 (its ITS gives the CXL devices MSI-X) and UEFI:
	# EDK2 publishes QEMU's ACPI tables, where Linux finds CXL (the CEDT,
	# ACPI0017, the ACPI0016 host bridges), and boots -kernel / -initrd
	# from fw_cfg; acpi=force makes Linux use them even with a device
	# tree.  pauth-impdef: TCG's architected pointer authentication is
	# slow.  One NUMA node for the boot memory, as on x86: the kernel
	# parses SRAT and gives each CXL window a node of its own.
	machine=(-machine "virt,gic-version=3,cxl=on" -cpu "max,pauth-impdef=on"
		-bios "$image/firmware/QEMU_EFI.fd"
		-object "memory-backend-ram,id=guest-ram,size=$mem"
		-numa "node,nodeid=0,cpus=0-$((smp - 1)),memdev=guest-ram")
	;;
*) die "unsupported --arch '$arch' (x86_64 or aarch64)" ;;
esac

# cxlmem for the guest's architecture (one build per version of its source).
command -v "$cc" > /dev/null || die "$cc is missing: it builds cxlmem for $arch"
cxlmem=$(build_cxlmem "cxlmem-$arch" "$cc" -static) || die "cannot build cxlmem with $cc"

run=$(mktemp -d "${TMPDIR:-/tmp}/run-guest.XXXXXX")
keep=
cleanup() {
	if [ -n "${qpid:-}" ] && kill -0 "$qpid" 2> /dev/null; then
		kill "$qpid" 2> /dev/null || true
	fi
	[ -n "$keep" ] || rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM PIPE

# The per-run cpio: the test, cxlmem and the --file additions.
mkdir -p "$run/root/usr/bin"
cp "$script" "$run/root/guest-test.sh"
cp "$cxlmem" "$run/root/usr/bin/cxlmem"
for f in "${files[@]}"; do
	src=${f%%:*}
	dst=${f#*:}
	if [ "$src" = "$f" ] || [ -z "$dst" ]; then
		die "--file takes HOST_PATH:GUEST_PATH, not '$f'"
	fi
	[ -f "$src" ] || die "--file: '$src' does not exist"
	mkdir -p "$run/root$(dirname "/$dst")"
	cp "$src" "$run/root/$dst"
done
(cd "$run/root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -1 > "$run/test.cpio.gz"
# Concatenated compressed archives are one initramfs for Linux.
cat "$image/initramfs.cpio.gz" "$run/test.cpio.gz" > "$run/initrd"

log=${log:-$run/console.log}
: > "$log"
qlog=${qlog:-$run/qemu.out}
: > "$qlog"
cmd=("$qemu" "${machine[@]}" -accel tcg -m "$mem" -smp "$smp"
	-nodefaults -display none -monitor none -serial "file:$log" -no-reboot
	-kernel "$image/vmlinuz" -initrd "$run/initrd"
	-append "console=$console $kargs panic=-1 quiet $append" "$@")
echo "${cmd[*]}" > "$run/qemu.cmd"

t0=$(date +%s.%N)
"${cmd[@]}" > "$qlog" 2>&1 &
qpid=$!

# Waits for QEMU to exit (the guest powers off), for the timeout, or for
# GUEST-DONE followed by QEMU not exiting by itself within 10 s.
status=
done_at=
shown=0
while kill -0 "$qpid" 2> /dev/null; do
	now=$(date +%s)
	if [ -n "$verbose" ]; then
		total=$(wc -l < "$log")
		if [ "$total" -gt "$shown" ]; then
			sed -n "$((shown + 1)),${total}p" "$log" | tr -d '\r'
			shown=$total
		fi
	fi
	if [ -z "$done_at" ] && grep -q '^GUEST-DONE' "$log" 2> /dev/null; then
		done_at=$now
	fi
	if [ -n "$done_at" ] && [ $((now - done_at)) -ge 10 ]; then
		echo "run-guest: the guest finished but QEMU did not exit; killing it" >&2
		kill "$qpid" 2> /dev/null || true
		break
	fi
	if awk -v a="$t0" -v b="$(date +%s.%N)" -v t="$timeout" 'BEGIN { exit !(b - a >= t) }'; then
		status=timeout
		kill "$qpid" 2> /dev/null || true
		break
	fi
	sleep 0.5
done
qrc=0
wait "$qpid" || qrc=$?
qpid=
wall=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
if [ -n "$verbose" ]; then
	sed -n "$((shown + 1)),\$p" "$log" | tr -d '\r'
fi

# The results: GUEST-* lines, the kernel log block only on failure.
tr -d '\r' < "$log" > "$run/console.txt"
sed -n '/^GUEST-DMESG-BEGIN/,/^GUEST-DMESG-END/!{/^GUEST-/p}' "$run/console.txt"
fails=$(grep -c '^GUEST-FAIL' "$run/console.txt" || true)
donerc=$(sed -n 's/^GUEST-DONE rc=\([0-9]*\).*/\1/p' "$run/console.txt" | tail -n 1)
reason=
if [ "$status" = timeout ]; then
	reason="timeout after $timeout s"
elif [ -z "$donerc" ]; then
	if grep -q 'Kernel panic' "$run/console.txt"; then
		reason="guest kernel panic"
	else
		reason="the guest stopped before GUEST-DONE (QEMU exit status $qrc)"
	fi
elif [ "$donerc" != 0 ]; then
	reason="guest test exit status $donerc"
elif [ "$fails" -gt 0 ]; then
	reason="$fails GUEST-FAIL line(s)"
fi
if [ -n "$reason" ]; then
	keep=1
	sed -n '/^GUEST-DMESG-BEGIN/,/^GUEST-DMESG-END/p' "$run/console.txt"
	# Trace events (-trace, "NAME args" or "PID@TIME:NAME args") are
	# left out: the caller reads them from --qemu-log.
	if grep -qvE '^([0-9]+@[0-9.]+:)?[a-z0-9_]+ ' "$qlog"; then
		echo "run-guest: QEMU said:" >&2
		grep -vE '^([0-9]+@[0-9.]+:)?[a-z0-9_]+ ' "$qlog" | sed 's/^/  /' >&2
	fi
	echo "run-guest: FAIL ($reason) after $wall s; console log $log, QEMU command $run/qemu.cmd" >&2
	exit 1
fi
echo "run-guest: ok after $wall s"
