#!/bin/bash
# The Virtual CXL Switch: a fabric manager rebinds the switch's vPPBs while
# Linux runs, and Linux sees PCIe hot-plug.  A switch with two downstream
# ports (vPPB 0 = port 0 with cxl-vmem0, serial 1; vPPB 1 = port 1 with
# cxl-vmem1, serial 2) and its switch CCI serving the FM API on a Unix
# socket (fm-socket); the host drives it with `cxlemu fm`:
#   1. the guest fills a 1-way region on the serial-2 device, destroys it;
#      the FM unbinds vPPB 1 (managed: the guest ejects it) and vPPB 0
#      (surprise); once the guest saw both go, it binds vPPB 0 to port 1;
#   2. the guest finds the serial-2 device below vPPB 0's slot and reads the
#      data back through a new region; the FM binds vPPB 1 to port 0;
#   3. the guest finds the serial-1 device below vPPB 1's slot and runs a
#      2-way region over both; the host finds the data in the two backends.
# The cxlemu-vcs QOM object (qom-get) reports every binding on the way.
#   tests/guest/vcs.sh [--qemu PATH] [--image DIR] [--timeout SECONDS]
# KEEP=1 keeps the work directory (console, QEMU log, backends) in /dev/shm.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/host-lib.sh"
guest_setup vcs 240 "$@"
cli=${CXLEMU_CLI:-$(build_cli)} || { echo "vcs: cannot build the cxlemu CLI" >&2; exit 2; }
hostmem=$(build_host_cxlmem) || { echo "vcs: cannot build cxlmem for the host" >&2; exit 2; }
trap 'kill "${driver:-}" 2> /dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
seed=$((RANDOM + 1))
vcsobj=/machine/peripheral/swcci/vcs[0]
cci="cxl-switch-mailbox-cci,bus=rp0,addr=0.1,target=us0,id=swcci,fm-socket=$work/"
# shellcheck disable=SC2054 # QEMU options are comma lists
topo=(
	-trace cxlemu_setup
	-qmp "unix:$work/qmp.sock,server=on,wait=off"
	-object "memory-backend-file,id=cxl-mem0,share=on,mem-path=$work/sn1,size=256M"
	-object "memory-backend-file,id=cxl-mem1,share=on,mem-path=$work/sn2,size=256M"
	-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1
	-device cxl-rp,port=0,bus=cxl.1,id=rp0,chassis=0,slot=0
	-device cxl-upstream,port=2,bus=rp0,id=us0,multifunction=on,addr=0.0
	-device "${cci}fm.sock"
	-device cxl-downstream,port=0,bus=us0,id=swport0,chassis=0,slot=4
	-device cxl-downstream,port=1,bus=us0,id=swport1,chassis=0,slot=5
	-device cxl-type3,bus=swport0,volatile-memdev=cxl-mem0,id=cxl-vmem0,sn=1
	-device cxl-type3,bus=swport1,volatile-memdev=cxl-mem1,id=cxl-vmem1,sn=2
	-M cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G
)

# wait_marker MARKER: until the guest prints it (or the run ends).
wait_marker() {
	local n=0
	while ! grep -q "$1" "$work/console.log" 2> /dev/null; do
		[ "$n" -lt 2400 ] || return 1
		n=$((n + 1))
		sleep 0.1
	done
}

fm() {
	"$cli" fm --socket "$work/fm.sock" --timeout 60 "$@"
}

# qom PROPERTY WANT: the cxlemu-vcs object's PROPERTY reads WANT.
qom() {
	local got
	got=$("$here/qmp.py" "$work/qmp.sock" \
		"{\"execute\": \"qom-get\", \"arguments\": {\"path\": \"$vcsobj\", \"property\": \"$1\"}}" 2>&1 |
		sed -n "s/^qom-get {'return': '\(.*\)'}$/\1/p")
	if [ "$got" = "$2" ]; then
		echo "HOST-OK qom $1: $got"
	else
		echo "HOST-FAIL qom $1: '$got', want '$2'"
	fi
}

# run NAME CMD...: HOST-OK / HOST-FAIL with the command's output.
run() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		echo "HOST-OK $name"
	else
		echo "HOST-FAIL $name: $(echo "$out" | tr '\n' ' ' | head -c 300)"
	fi
}

# The fabric manager's side, in step with the guest.
driver() {
	wait_marker GUEST-VCS-STEP1 || { echo "HOST-FAIL no GUEST-VCS-STEP1"; return; }
	qom 'vppb[0]' 'bound port 0'
	qom 'vppb[1]' 'bound port 1'
	qom 'port[1]' 'cxl-vmem1 (vPPB 1)'
	run "fm unbind vPPB 1 (managed hot-remove)" fm unbind 0 1 --mode managed
	qom 'vppb[1]' 'unbound'
	qom 'port[1]' 'cxl-vmem1 (unbound)'
	run "fm unbind vPPB 0 (surprise hot-remove)" fm unbind 0 0 --mode surprise
	qom 'port[0]' 'cxl-vmem0 (unbound)'
	wait_marker GUEST-VCS-GONE || { echo "HOST-FAIL no GUEST-VCS-GONE"; return; }
	run "fm bind vPPB 0 to port 1" fm bind 0 0 1
	qom 'vppb[0]' 'bound port 1'
	qom 'port[1]' 'cxl-vmem1 (vPPB 0)'
	fm vcs 0 > "$work/vcs.out" 2>&1 || true
	wait_marker GUEST-VCS-STEP2 || { echo "HOST-FAIL no GUEST-VCS-STEP2"; return; }
	run "fm bind vPPB 1 to port 0" fm bind 0 1 0
	qom 'vppb[1]' 'bound port 0'
	qom 'port[0]' 'cxl-vmem0 (vPPB 1)'
	# A refused request changes nothing: port 0 is bound already.
	if fm bind 0 0 0 > "$work/refused.out" 2>&1; then
		echo "HOST-FAIL fm bind of a bound vPPB succeeded"
	else
		echo "HOST-OK fm bind of a bound vPPB refused: $(head -n 1 "$work/refused.out")"
	fi
	qom 'vppb[0]' 'bound port 1'
}
driver > "$work/driver.out" 2>&1 &
driver=$!
status=0
# A file already where fm-socket points (a stale socket): QEMU stops with
# the reason instead of running without the FM socket.
stale=()
for a in "${topo[@]}"; do
	[ "$a" = "${cci}fm.sock" ] && a="${cci}stale.sock"
	stale+=("$a")
done
: > "$work/stale.sock"
if out=$(timeout 60 "$qemu" -M q35,cxl=on -m 1G -nodefaults -display none -S "${stale[@]}" 2>&1); then
	echo "HOST-FAIL QEMU started with a stale FM socket file"
	status=1
elif grep -q "FM socket '$work/stale.sock': Address already in use (remove the stale socket first)" <<< "$out"; then
	echo "HOST-OK a stale FM socket file stops QEMU with the reason"
else
	echo "HOST-FAIL stale FM socket: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
	status=1
fi
"$here/run-guest.sh" --qemu "$qemu" --arch x86_64 --image "$image" \
	--script "$here/vcs.guest.sh" --timeout "$timeout" --log "$work/console.log" \
	--qemu-log "$work/qemu.log" --append "test.seed=$seed" -- "${topo[@]}" |
	tee "$work/results" || status=$?
# The driver waits for the guest's markers; a guest that stopped early
# leaves it waiting.
kill "$driver" 2> /dev/null || true
wait "$driver" 2> /dev/null || true
cat "$work/driver.out"
grep -q HOST-FAIL "$work/driver.out" && status=1
library_in_charge "$work/qemu.log" || status=1
# The 2-way region of step 3: each backend holds one interleave position.
backends_2way "$hostmem" "$work/sn1" "$work/sn2" 4194304 "$((seed + 1))" || status=1
[ "$status" -eq 0 ] && echo "vcs: ok" || echo "vcs: FAIL"
exit "$status"
