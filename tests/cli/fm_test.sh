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

"$CXLEMU" fabric --listen "$SOCK" --switch "port0=usp,port1=hub" > /dev/null 2>&1
[ $? -eq 2 ]; check "a bad --switch SPEC" $?
"$CXLEMU" fabric --listen "$SOCK" --switch "port0=usp" 2>&1 | grep -q "upstream port 0 belongs to no enabled VCS"
check "an inconsistent switch is explained" $?
touch "$TMP/busy"
"$CXLEMU" fabric --listen "$TMP/busy" --timeout 1 2>&1 | grep -q "remove it if it is stale"
check "an existing path is not replaced" $?

exit $fail
