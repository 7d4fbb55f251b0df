#!/bin/sh
# `cxlemu fabric` and `cxlemu fm`: a switch served on a temporary FM socket,
# the fabric-manager commands against it (golden text where the output is
# stable, JSON parsed with python3), their errors, and the server's exits.
set -u
CXLEMU=$1
fail=0
check() { # name, condition result
	if [ "$2" -eq 0 ]; then echo "ok - $1"; else echo "not ok - $1"; fail=1; fi
}
TMP=$(mktemp -d /tmp/cxlemu-fm-test.XXXXXX)
SOCK=$TMP/fm.sock
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Starts `cxlemu fabric` in the background and waits until it listens.
start() { # extra arguments
	# A fresh log: the previous server's "listening on" must not count.
	rm -f "$TMP/fabric.log"
	"$CXLEMU" fabric --listen "$SOCK" --timeout 120 "$@" > "$TMP/fabric.log" 2>&1 &
	pid=$!
	i=0
	while ! grep -q "listening on" "$TMP/fabric.log" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
			echo "fabric did not start:"; cat "$TMP/fabric.log"; return 1
		fi
		sleep 0.05
	done
}
fm() { "$CXLEMU" fm --socket "$SOCK" --timeout 5 "$@"; }
json() { # python expression on j, the parsed stdin
	python3 -c "import json,sys; j=json.load(sys.stdin); sys.exit(0 if ($1) else 1)"
}

start || exit 1
grep -q "listening on $SOCK (8 ports, 2 VCSs)" "$TMP/fabric.log"; check "fabric announces itself" $?

out=$(fm identify); rc=$?
[ "$rc" -eq 0 ] && [ "$out" = "ingress port   0
ports          8 (active: 0-7)
VCSs           2 (active: 0-1)
vPPBs          8 (0 bound)
HDM decoders   0" ]
check "identify (5100h)" $?
fm identify --json | json 'j["num_ports"] == 8 and j["num_vcs"] == 2 and j["active_ports"] == list(range(8)) and j["total_vppbs"] == 8 and j["bound_vppbs"] == 0'
check "identify --json" $?

out=$(fm ports)
[ "$out" = "PORT STATE     DEVICE MODE    LTSSM     WIDTH    SPEED         LDS  FLAGS
0    usp       -      -       L0        x16/x16  32/32 GT/s      1  present
1    usp       -      -       L0        x16/x16  32/32 GT/s      1  present
2    dsp       sld    68b-vh  L0        x16/x16  32/32 GT/s     16  present
3    dsp       sld    68b-vh  L0        x16/x16  32/32 GT/s     16  present
4    dsp       sld    68b-vh  L0        x16/x16  32/32 GT/s     16  present
5    dsp       sld    68b-vh  L0        x16/x16  32/32 GT/s     16  present
6    dsp       mld    68b-vh  L0        x16/x16  32/32 GT/s     16  present
7    dsp       none   -       detect    x0/x16   -/32 GT/s      16  -" ]
check "ports (5101h): the default switch" $?
fm ports 6 42 | grep -q "^42   invalid port ID$"; check "ports: an unknown port ID" $?
fm --json ports 6 7 | json 'len(j) == 2 and j[0]["device"] == "mld" and j[0]["ltssm"] == "L0" and j[1]["device"] == "none" and j[1]["present"] is False'
check "ports --json" $?

out=$(fm vcs)
[ "$out" = "VCS 0: enabled, USP port 0, 4 vPPBs
  vPPB 0: unbound
  vPPB 1: unbound
  vPPB 2: unbound
  vPPB 3: unbound
VCS 1: enabled, USP port 1, 4 vPPBs
  vPPB 0: unbound
  vPPB 1: unbound
  vPPB 2: unbound
  vPPB 3: unbound" ]
check "vcs (5200h): all unbound" $?

[ "$(fm bind 0 0 2)" = "VCS 0 vPPB 0 bound to port 2" ]; check "bind (5201h) to an SLD port" $?
[ "$(fm bind 1 0 6 --ld 1)" = "VCS 1 vPPB 0 bound to port 6 LD 1" ]
check "bind to an LD of the MLD" $?
fm --json bind 0 3 6 --ld 3 | json 'j["vcs"] == 0 and j["vppb"] == 3 and j["port"] == 6 and j["ld"] == 3 and j["result"] == "Success"'
check "bind --json" $?

out=$(fm vcs --limit 1)
[ "$out" = "VCS 0: enabled, USP port 0, 4 vPPBs
  vPPB 0: bound to port 2
  vPPB 1: unbound
  vPPB 2: unbound
  vPPB 3: bound to port 6 LD 3
VCS 1: enabled, USP port 1, 4 vPPBs
  vPPB 0: bound to port 6 LD 1
  vPPB 1: unbound
  vPPB 2: unbound
  vPPB 3: unbound" ]
check "vcs shows the bindings, one vPPB a request" $?
out=$(fm vcs 0 --start 2 --limit 3)
[ "$out" = "VCS 0: enabled, USP port 0, 4 vPPBs
  vPPB 2: unbound
  vPPB 3: bound to port 6 LD 3" ]
check "vcs --start" $?
[ "$(fm vcs 7)" = "VCS 7: invalid VCS ID" ]; check "vcs: an unknown VCS ID" $?
fm vcs --json | json 'j[0]["vppbs"][0] == {"vppb": 0, "status": "bound-port", "port": 2, "ld": None} and j[1]["vppbs"][0]["ld"] == 1 and len(j[1]["vppbs"]) == 4'
check "vcs --json" $?
fm identify | grep -q "^vPPBs          8 (3 bound)$"; check "identify counts bound vPPBs" $?

# Refusals: one line naming the return code, exit 1, nothing changed.
err=$(fm bind 0 0 3 2>&1); rc=$?
[ "$rc" -eq 1 ] && [ "$err" = "cxlemu: bind: Invalid Input (0x2)" ]
check "binding a bound vPPB: Invalid Input" $?
err=$(fm bind 1 1 2 2>&1); [ $? -eq 1 ] && [ "$err" = "cxlemu: bind: Invalid Input (0x2)" ]
check "binding a port bound elsewhere: Invalid Input" $?
fm bind 1 1 9 2>&1 | grep -q "^cxlemu: bind: Invalid Input (0x2)$"
check "binding to a port the switch lacks" $?
fm bind 1 1 0 2>&1 | grep -q "^cxlemu: bind: Invalid Input (0x2)$"
check "binding to an upstream port" $?
fm bind 1 1 6 2>&1 | grep -q "^cxlemu: bind: Invalid Input (0x2)$"
check "binding an MLD port without an LD" $?
fm bind 1 1 6 --ld 1 2>&1 | grep -q "^cxlemu: bind: Invalid Input (0x2)$"
check "binding an LD bound elsewhere" $?
fm bind 1 9 3 2>&1 | grep -q "^cxlemu: bind: Invalid Input (0x2)$"
check "binding a vPPB the VCS lacks" $?
fm unbind 1 2 2>&1 | grep -q "^cxlemu: unbind: Invalid Input (0x2)$"
check "unbinding an unbound vPPB" $?
fm port-control 2 reset 2>&1 | grep -q "^cxlemu: port-control: Invalid Input (0x2)$"
check "port control of a bound port" $?
fm identify | grep -q "^vPPBs          8 (3 bound)$"; check "refusals changed nothing" $?

fm bind 0 0 > /dev/null 2>&1; [ $? -eq 2 ]; check "bind without a port: usage error" $?
fm frobnicate > /dev/null 2>&1; [ $? -eq 2 ]; check "unknown command: usage error" $?
fm unbind 0 0 --mode gently > /dev/null 2>&1; [ $? -eq 2 ]; check "unknown unbind mode" $?
"$CXLEMU" fm identify > /dev/null 2>&1; [ $? -eq 2 ]; check "no socket: usage error" $?
err=$("$CXLEMU" fm --socket "$TMP/nothing" identify 2>&1); rc=$?
[ "$rc" -eq 1 ] && [ "$err" = "cxlemu: identify: cannot connect to $TMP/nothing: No such file or directory" ]
check "no server: cannot connect" $?
CXLEMU_FM_SOCKET=$SOCK "$CXLEMU" fm identify > /dev/null; check "CXLEMU_FM_SOCKET" $?

[ "$(fm unbind 0 0 --mode managed)" = "VCS 0 vPPB 0 unbound" ]; check "unbind (5202h)" $?
fm unbind 0 3 --json | json 'j["mode"] == "wait" and j["result"] == "Success"'
check "unbind --json" $?
fm vcs 0 | grep -q "^  vPPB 0: unbound$"; check "vcs shows the unbinding" $?
[ "$(fm bind 0 0 3)" = "VCS 0 vPPB 0 bound to port 3" ]; check "the vPPB binds again" $?

[ "$(fm port-control 7 assert-perst)" = "port 7: PERST# asserted" ]
check "port-control (5102h)" $?
fm ports 7 | grep -q "^7 .* -,perst$"; check "ports shows PERST#" $?
fm port-control 7 deassert-perst > /dev/null && fm --json ports 7 | json 'j[0]["perst"] is False'
check "PERST# deasserted" $?

[ "$(fm aer 1 1 3)" = "AER correctable error bit 3 sent to VCS 1 instance 1" ]
check "aer (5203h)" $?
grep -q "AER correctable error bit 3 on VCS 1 vPPB instance 1" "$TMP/fabric.log"
check "the fabric raised the AER error" $?
fm aer 1 2 3 2>&1 | grep -q "^cxlemu: aer: Invalid Input (0x2)$"; check "aer on an unbound vPPB" $?

out=$(fm events)
[ "$out" = "informational log:
  handle 1: VCS 0 vPPB 0 binding-change: bound to port 2 (link control 0x0000, slot control 0x0000)
  handle 2: VCS 1 vPPB 0 binding-change: bound to port 6 LD 1 (link control 0x0000, slot control 0x0000)
  handle 3: VCS 0 vPPB 3 binding-change: bound to port 6 LD 3 (link control 0x0000, slot control 0x0000)
  handle 4: VCS 0 vPPB 0 binding-change: unbound (link control 0x0000, slot control 0x0000)
  handle 5: VCS 0 vPPB 3 binding-change: unbound (link control 0x0000, slot control 0x0000)
  handle 6: VCS 0 vPPB 0 binding-change: bound to port 3 (link control 0x0000, slot control 0x0000)
warning log:
  no records" ]
check "events (0100h): Virtual CXL Switch records" $?
fm events --json | json 'j[0]["log"] == "informational" and len(j[0]["records"]) == 6 and j[0]["records"][1]["ld"] == 1 and j[0]["records"][0]["uuid"] == "40d26425-3396-4c4d-a5da-3d47263af425" and j[1]["records"] == []'
check "events --json" $?
fm events --clear | grep -q "^  6 cleared$"; check "events --clear (0101h)" $?
[ "$(fm events)" = "informational log:
  no records
warning log:
  no records" ]
check "the logs are empty after --clear" $?

# The MLD on port 6: Get LD Info and Get/Set LD Allocations (5400h-5402h)
# tunnelled (5300h) to its FM-owned LD; 4 GiB by default, 256 MiB units
# split evenly (4 each).
out=$(fm ld-info 6); rc=$?
[ "$rc" -eq 0 ] && [ "$out" = "port           6
memory size    4 GiB (0x100000000)
LDs            4
QoS telemetry  none" ]
check "ld-info (5400h through 5300h)" $?
fm ld-info 6 --json | json 'j == {"port": 6, "memory_size": 4 << 30, "ld_count": 4, "qos_telemetry": "0x0", "egress_port_congestion": False, "temporary_throughput_reduction": False}'
check "ld-info --json" $?
ALLOC0="port 6: 4 LDs, granularity 256 MiB
LD    RANGE1    RANGE2  MEMORY
0          4         0  1 GiB
1          4         0  1 GiB
2          4         0  1 GiB
3          4         0  1 GiB"
out=$(fm ld-alloc 6); rc=$?
[ "$rc" -eq 0 ] && [ "$out" = "$ALLOC0" ]; check "ld-alloc (5401h): split evenly" $?
[ "$(fm ld-alloc 6 --limit 1)" = "$ALLOC0" ]; check "ld-alloc pages one LD a request" $?
[ "$(fm ld-alloc 6 --start 2 --limit 3)" = "port 6: 4 LDs, granularity 256 MiB
LD    RANGE1    RANGE2  MEMORY
2          4         0  1 GiB
3          4         0  1 GiB" ]
check "ld-alloc --start" $?
fm --json ld-alloc 6 --limit 3 | json 'j["port"] == 6 and j["ld_count"] == 4 and j["granularity"] == 256 << 20 and [(l["ld"], l["range1"], l["range2"], l["bytes"]) for l in j["lds"]] == [(i, 4, 0, 1 << 30) for i in range(4)]'
check "ld-alloc --json" $?

# Set: LDs 1 and 3 named, LD 2 between them keeps its 4 units; 16 units
# of 16 used, the whole memory.
out=$(fm ld-alloc 6 --set 3=5,1=2:1); rc=$?
[ "$rc" -eq 0 ] && [ "$out" = "port 6: allocations set; 4 LDs, granularity 256 MiB
LD    RANGE1    RANGE2  MEMORY
1          2         1  768 MiB
2          4         0  1 GiB
3          5         0  1280 MiB" ]
check "ld-alloc --set (5402h) shows the allocations applied" $?
ALLOC1="port 6: 4 LDs, granularity 256 MiB
LD    RANGE1    RANGE2  MEMORY
0          4         0  1 GiB
1          2         1  768 MiB
2          4         0  1 GiB
3          5         0  1280 MiB"
[ "$(fm ld-alloc 6)" = "$ALLOC1" ]; check "ld-alloc reads the new allocations back" $?
fm --json ld-alloc 6 --set 0=3 | json '[(l["ld"], l["range1"], l["range2"], l["bytes"]) for l in j["lds"]] == [(0, 3, 0, 3 << 28)] and j["ld_count"] == 4'
check "ld-alloc --set --json" $?
fm --json ld-alloc 6 | json '[l["range1"] + l["range2"] for l in j["lds"]] == [3, 3, 4, 5]'
check "ld-alloc --json after --set" $?
fm ld-alloc 6 --set 0=4 > /dev/null; [ "$(fm ld-alloc 6)" = "$ALLOC1" ]
check "ld-alloc --set restores LD 0" $?

# Refusals: the tunnel's return code, or the tunnelled command's; exit 1;
# the allocations unchanged.
err=$(fm ld-info 2 2>&1); rc=$?
[ "$rc" -eq 1 ] && [ "$err" = "cxlemu: ld-info: tunnel (5300h) to port 2: Invalid Input (0x2)" ]
check "ld-info of an SLD port: the tunnel refused" $?
err=$(fm ld-alloc 7 2>&1); rc=$?
[ "$rc" -eq 1 ] && [ "$err" = "cxlemu: ld-alloc: tunnel (5300h) to port 7: Invalid Input (0x2)" ]
check "ld-alloc of a port with nothing attached" $?
fm ld-info 0 2>&1 | grep -q "^cxlemu: ld-info: tunnel (5300h) to port 0: Invalid Input (0x2)$"
check "ld-info of an upstream port" $?
fm ld-info 99 2>&1 | grep -q "^cxlemu: ld-info: tunnel (5300h) to port 99: Invalid Input (0x2)$"
check "ld-info of a port the switch lacks" $?
err=$(fm ld-alloc 6 --set 4=1 2>&1); rc=$?
[ "$rc" -eq 1 ] && [ "$err" = "cxlemu: ld-alloc: Set LD Allocations (5402h) on port 6: Invalid Input (0x2)" ]
check "ld-alloc --set of an LD the MLD lacks: the tunnelled command refused" $?
err=$(fm ld-alloc 6 --set 2=2,4=0 2>&1); rc=$?
[ "$rc" -eq 1 ] && [ "$err" = "cxlemu: ld-alloc: Set LD Allocations (5402h) on port 6: Invalid Input (0x2)" ]
check "ld-alloc --set with one LD of two out of range" $?
err=$(fm ld-alloc 6 --set 0=5 2>&1); rc=$?
[ "$rc" -eq 1 ] && [ "$err" = "cxlemu: ld-alloc: Set LD Allocations (5402h) on port 6: Invalid Input (0x2)" ]
check "ld-alloc --set over the memory by one unit" $?
fm ld-alloc 6 --set 1=0:18446744073709551615,2=1 2>&1 | grep -q "^cxlemu: ld-alloc: Set LD Allocations (5402h) on port 6: Invalid Input (0x2)$"
check "ld-alloc --set of a huge multiplier" $?
err=$(fm ld-alloc 6 --start 4 2>&1); rc=$?
[ "$rc" -eq 1 ] && [ "$err" = "cxlemu: ld-alloc: Get LD Allocations (5401h) on port 6: Invalid Input (0x2)" ]
check "ld-alloc --start past the last LD" $?
[ "$(fm ld-alloc 6)" = "$ALLOC1" ]; check "the refusals changed no allocation" $?

for a in "" "6 --set" "6 --set 1=x" "6 --set 16=1" "6 --set 1=1,1=2" "6 --set =1" \
	 "6 --set 1=1:" "6 --set 1=1," "6 --set 1" "6 --set 1=2 --start 0" "6 --limit 0" \
	 "6 7" "256" "x"; do
	# shellcheck disable=SC2086
	fm ld-alloc $a > /dev/null 2>&1; [ $? -eq 2 ]; check "ld-alloc $a: usage error" $?
done
fm ld-info > /dev/null 2>&1; [ $? -eq 2 ]; check "ld-info without a port: usage error" $?
fm ld-info 6 7 > /dev/null 2>&1; [ $? -eq 2 ]; check "ld-info with two ports: usage error" $?
[ "$(fm ld-alloc 6)" = "$ALLOC1" ]; check "usage errors changed nothing" $?

# No answer in time: the server stopped.
kill -STOP "$pid"
err=$("$CXLEMU" fm --socket "$SOCK" --timeout 1 identify 2>&1); rc=$?
kill -CONT "$pid"
[ "$rc" -eq 1 ] && [ "$err" = "cxlemu: identify: no response within 1000 ms" ]
check "timeout" $?

kill -TERM "$pid"; wait "$pid"; rc=$?; pid=""
[ "$rc" -eq 0 ] && [ ! -e "$SOCK" ]; check "SIGTERM stops the fabric, socket removed" $?

start --once --switch "port0=usp,port1=mld:2,port3=sld,vcs0=0:2" || exit 1
out=$(fm identify)
printf '%s\n' "$out" | grep -q "^ports          4 (active: 0-1,3)$"
check "--switch SPEC: ports" $?
wait "$pid"; rc=$?; pid=""
[ "$rc" -eq 0 ]; check "--once exits after its client" $?

# MLDs of a --switch SPEC: sizes, even split with a remainder.
start --switch "port0=usp,port1=mld:3:1G,port2=mld:2,port3=mld:1:0x30000000,vcs0=0:2" || exit 1
fm ld-info 1 --json | json 'j["memory_size"] == 1 << 30 and j["ld_count"] == 3'
check "mld:LDS:SIZE" $?
[ "$(fm ld-alloc 1)" = "port 1: 3 LDs, granularity 256 MiB
LD    RANGE1    RANGE2  MEMORY
0          1         0  256 MiB
1          1         0  256 MiB
2          1         0  256 MiB" ]
check "4 units split between 3 LDs, one left over" $?
[ "$(fm ld-alloc 1 --set 2=2)" = "port 1: allocations set; 3 LDs, granularity 256 MiB
LD    RANGE1    RANGE2  MEMORY
2          2         0  512 MiB" ]
check "the unit left over can be allocated" $?
fm ld-info 2 --json | json 'j["memory_size"] == 4 << 30 and j["ld_count"] == 2'
check "mld:LDS: the default size" $?
fm --json ld-alloc 2 | json '[l["range1"] for l in j["lds"]] == [8, 8]'
check "the default size split between 2 LDs" $?
fm ld-info 3 | grep -q "^memory size    768 MiB (0x30000000)$"; check "a hex size" $?
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=""
[ "$rc" -eq 0 ] && ! grep -q "runtime error\|Sanitizer" "$TMP/fabric.log"
check "the fabric with its MLDs exits cleanly" $?

for spec in "port0=usp,port1=mld:2:100M,vcs0=0:1" "port0=usp,port1=mld:2:0,vcs0=0:1" \
	    "port0=usp,port1=mld:2:,vcs0=0:1" "port0=usp,port1=mld:2:1X,vcs0=0:1" \
	    "port0=usp,port1=mld:17,vcs0=0:1" "port0=usp,port1=mld::1G,vcs0=0:1"; do
	"$CXLEMU" fabric --listen "$SOCK" --switch "$spec" > /dev/null 2>&1
	[ $? -eq 2 ] && [ ! -e "$SOCK" ]; check "a bad MLD in --switch: $spec" $?
done

"$CXLEMU" fabric --listen "$SOCK" --switch "port0=usp,port1=hub" > /dev/null 2>&1
[ $? -eq 2 ]; check "a bad --switch SPEC" $?
"$CXLEMU" fabric --listen "$SOCK" --switch "port0=usp" 2>&1 | grep -q "upstream port 0 belongs to no enabled VCS"
check "an inconsistent switch is explained" $?
touch "$TMP/busy"
"$CXLEMU" fabric --listen "$TMP/busy" --timeout 1 2>&1 | grep -q "remove it if it is stale"
check "an existing path is not replaced" $?

exit $fail
