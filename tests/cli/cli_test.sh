#!/bin/sh
# CLI output tests: golden answers for `cxlemu translate`, exit codes, the
# default topology's show/route/layout output.
set -u
CXLEMU=$1
DIR=$(dirname "$0")
fail=0
check() { # name, condition result
	if [ "$2" -eq 0 ]; then echo "ok - $1"; else echo "not ok - $1"; fail=1; fi
}

out=$("$CXLEMU" translate < "$DIR/translate.in"); rc=$?
printf '%s\n' "$out" | diff -u "$DIR/translate.out" - >&2
check "translate batch answers match golden file" $?
[ "$rc" -eq 1 ]; check "batch with bad queries exits 1" $?
lines_in=$(wc -l < "$DIR/translate.in"); lines_out=$(printf '%s\n' "$out" | wc -l)
[ "$lines_in" -eq "$lines_out" ]; check "one answer line per query line" $?

grep -v '^ *$' "$DIR/translate.in" | grep -v error > /dev/null
good=$(head -n 16 "$DIR/translate.in" | "$CXLEMU" translate); rc=$?
[ "$rc" -eq 0 ]; check "batch of valid queries exits 0" $?

[ "$("$CXLEMU" translate hpa2dpa ways=2 gran=256 hpa=0x12345)" = "pos=1 dpa=0x9145" ]
check "one-shot query from arguments" $?
"$CXLEMU" translate hpa2dpa ways=7 gran=256 hpa=0 > /dev/null; [ $? -eq 1 ]
check "one-shot bad query exits 1" $?
# A query line without newline at the end of input still gets an answer.
[ "$(printf 'hpa2dpa eiw=0 eig=0 hpa=5' | "$CXLEMU" translate)" = "pos=0 dpa=0x5" ]
check "last line without newline" $?
# NUL bytes and very long lines get an error line, not a crash.
[ "$(printf 'hpa2dpa ways=2\000 gran=256 hpa=1\n' | "$CXLEMU" translate)" = "error: NUL byte in query" ]
check "NUL byte rejected" $?
long=$(head -c 5000 /dev/zero | tr '\0' 'a')
printf '%s\n' "$long" | "$CXLEMU" translate | grep -q "^error: query longer than 4096 bytes"
check "overlong line rejected" $?

show=$("$CXLEMU"); rc=$?
[ "$rc" -eq 0 ]; check "default command exits 0" $?
printf '%s\n' "$show" | grep -q "agree on 200000 random addresses"
check "show proves table and register walk agree" $?
printf '%s\n' "$show" | grep -q "^0x0000000490000300  cxl-mem2    0x100$"
check "show prints the interleave layout" $?
printf '%s\n' "$show" | grep -q "decoder 1: committed (control 0x1610), \[0x4d0000000, +1 GiB) 2-way 256 B, DPA 0x20000000"
check "show prints decoder registers" $?
printf '%s\n' "$show" | grep -q "^cxl.1 (host-bridge, uid 12, pass-through)$"
check "show marks a pass-through host bridge in the tree" $?
printf '%s\n' "$show" | grep -q "^cxl.2 (host-bridge) pass-through to root_port1: no HDM decoders$"
check "show lists a pass-through host bridge among the decoders" $?

r=$("$CXLEMU" route 0x490012345 0x4d0000200 0x58fffffff 0x590000000)
printf '%s\n' "$r" | grep -q "^0x490012345: cxl-mem2 dpa=0x9145 via cxl.2/root_port1/cxl-mem2$"
check "route through a host bridge" $?
printf '%s\n' "$r" | grep -q "^0x4d0000200: cxl-mem1 dpa=0x100 via cxl.1/root_port0/us0/swport1/cxl-mem1$"
check "route through the switch" $?
# Both host bridges have one root port: they pass through (QEMU's default),
# so a hole shows at the endpoint, three levels down.
printf '%s\n' "$r" | grep -q "^0x58fffffff: unmapped at level 3 (cxl-mem2): no committed decoder covers it$"
check "route into a hole names the level" $?
printf '%s\n' "$r" | grep -q "^0x590000000: unmapped at level 0 (window): outside every window$"
check "route outside the window" $?
"$CXLEMU" route 0xzz > /dev/null 2>&1; [ $? -eq 2 ]; check "route rejects a bad address" $?
# Regression (review): no sign, blanks or octal in addresses.
"$CXLEMU" route " -1" > /dev/null 2>&1; [ $? -eq 2 ]; check "route rejects ' -1'" $?
"$CXLEMU" route "010" | grep -q "^0xa: "; check "route reads 010 as decimal" $?
"$CXLEMU" layout --start " 1" > /dev/null 2>&1; [ $? -eq 2 ]; check "layout rejects a blank" $?

[ "$("$CXLEMU" hpa cxl-mem2 0x20000100)" = "cxl-mem2 dpa=0x20000100: hpa=0x4d0000300 (position 1 of 2)" ]
check "hpa of a device DPA" $?
"$CXLEMU" hpa cxl-mem0 0x40000000 > /dev/null 2>&1; [ $? -eq 1 ]; check "hpa of an unmapped DPA fails" $?
"$CXLEMU" hpa us0 0 > /dev/null 2>&1; [ $? -eq 2 ]; check "hpa needs a device" $?

# JSON is valid and says the same.
"$CXLEMU" --json route 0x4d0000200 0x590000000 | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r[0]["device"] == "cxl-mem1" and r[0]["dpa"] == "0x100", r
assert r[0]["path"] == ["cxl.1", "root_port0", "us0", "swport1", "cxl-mem1"], r
assert r[1]["mapped"] is False and r[1]["level"] == 0 and r[1]["component"] is None, r
'; check "route --json" $?
"$CXLEMU" --json tree | python3 -c '
import json, sys
t = json.load(sys.stdin)
assert t["windows"][0]["targets"] == ["cxl.1", "cxl.2"], t
assert t["host_bridges"][0]["children"][0]["children"][0]["name"] == "us0", t
assert t["host_bridges"][1]["passthrough"] is True, t
assert t["host_bridges"][1]["passthrough_rule"] == "auto", t
'; check "tree --json" $?
"$CXLEMU" --json decoders | python3 -c '
import json, sys
d = json.load(sys.stdin)
m2 = [c for c in d if c["component"] == "cxl-mem2"][0]
assert m2["decoders"][1]["dpa_base"] == "0x20000000" and m2["decoders"][1]["state"] == "committed", m2
assert m2["passthrough"] is False, m2
h1 = [c for c in d if c["component"] == "cxl.1"][0]
assert h1["passthrough"] is True and h1["target"] == "root_port0" and h1["decoders"] == [], h1
'; check "decoders --json" $?
"$CXLEMU" --json layout --count 4 | python3 -c '
import json, sys
l = json.load(sys.stdin)
assert [g["device"] for g in l] == ["cxl-mem0", "cxl-mem2", "cxl-mem0", "cxl-mem2"], l
'; check "layout --json" $?
"$CXLEMU" --json hpa cxl-mem2 0x20000100 | python3 -c '
import json, sys
assert json.load(sys.stdin)["hpa"] == "0x4d0000300"
'; check "hpa --json" $?

"$CXLEMU" dot | head -n 1 | grep -q "^digraph cxl {"; check "dot output" $?
[ "$("$CXLEMU" dot | grep -c -- '->')" -eq 10 ]; check "dot has the edges" $?

# Topologies from a file, from arguments after --, and regions.
DATA=$DIR/../data
"$CXLEMU" -t "$DATA/switch.qemu" tree | grep -q "^      swport1 (switch-downstream-port, port 1)$"
check "topology from a file" $?
"$CXLEMU" -t "$DATA/docs-interleave.qemu" -r 'window=0,ways=4,gran=8k,size=1G,devices=cxl-pmem0:cxl-pmem2:cxl-pmem1:cxl-pmem3,pmem' \
	layout --count 4 | awk 'NR > 1 { print $2 }' | tr '\n' ' ' | grep -q "^cxl-pmem0 cxl-pmem0 cxl-pmem0 cxl-pmem0 $"
check "region from the command line (8 KiB granules)" $?
"$CXLEMU" -t "$DATA/docs-interleave.qemu" -r 'window=0,ways=4,gran=8k,size=1G,devices=cxl-pmem0:cxl-pmem2:cxl-pmem1:cxl-pmem3,pmem' \
	route 0x490002000 | grep -q "cxl-pmem2 dpa=0x0"
check "second granule of the region" $?
# One root port: the host bridge passes through and the miss is at the
# device; with hdm_for_passthrough=on it has decoders and misses itself.
one_rp() { # extra pxb-cxl properties, command...
	pxb=$1
	shift
	"$CXLEMU" "$@" -- -device "pxb-cxl,bus_nr=1,id=h$pxb" -device cxl-rp,port=0,bus=h,id=r \
		-object memory-backend-ram,id=m,size=256M -device cxl-type3,bus=r,volatile-memdev=m,id=d \
		-M cxl-fmw.0.targets.0=h,cxl-fmw.0.size=1G -m 4G,maxmem=8G,slots=8
}
one_rp "" route 0x490000000 | grep -q "unmapped at level 3 (d)"
check "topology from arguments after --" $?
one_rp ",hdm_for_passthrough=on" route 0x490000000 | grep -q "unmapped at level 1 (h)"
check "hdm_for_passthrough=on gives the host bridge decoders" $?
one_rp ",hdm_for_passthrough=on" decoders | grep -q "^h (host-bridge)$"
check "decoders lists the host bridge with hdm_for_passthrough=on" $?
err=$(one_rp ",hdm_for_passthrough=maybe" tree 2>&1); rc=$?
[ "$rc" -eq 2 ] && printf '%s\n' "$err" | grep -q "property 'hdm_for_passthrough': 'maybe' is not 'on' or 'off'"
check "a bad hdm_for_passthrough is refused" $?
err=$("$CXLEMU" tree -- -device cxl-rp,port=0,bus=nowhere,id=r 2>&1); rc=$?
[ "$rc" -eq 2 ] && printf '%s\n' "$err" | grep -q "property 'bus': no CXL device named 'nowhere'"
check "a bad command line names the property" $?
"$CXLEMU" -t /nonexistent tree > /dev/null 2>&1; [ $? -eq 2 ]; check "missing topology file" $?
"$CXLEMU" -r 'ways=2,size=1G,devices=cxl-mem0:cxl-mem1' tree > /dev/null 2>&1; [ $? -eq 2 ]
check "a region the hierarchy cannot interleave is refused" $?
"$CXLEMU" -r 'size=1G,devices=ghost' tree > /dev/null 2>&1; [ $? -eq 2 ]; check "a region naming no device" $?
"$CXLEMU" -r 'size=1G,devices=cxl-mem0,colour=red' tree > /dev/null 2>&1; [ $? -eq 2 ]; check "a region with an unknown field" $?
"$CXLEMU" --frobnicate > /dev/null 2>&1; [ $? -eq 2 ]; check "unknown option" $?

# CEDT: write, explain, and (when iasl is there) disassemble.
tmp=$(mktemp -d)
"$CXLEMU" cedt -o "$tmp/cedt.bin" | grep -q "^wrote $tmp/cedt.bin: CEDT, 144 bytes$"
check "cedt -o writes the table" $?
ex=$("$CXLEMU" cedt --explain "$tmp/cedt.bin")
printf '%s\n' "$ex" | grep -q "^CHBS  uid 222, CXL 2.0+ host bridge, registers 0x480000000 +0x10000$"
check "cedt --explain decodes CHBS" $?
printf '%s\n' "$ex" | grep -q "^CFMWS \[0x490000000, +0x100000000), 2-way 256 B modulo, restrictions 0xf, QTG 0, uids 12 222$"
check "cedt --explain decodes CFMWS" $?
printf 'CEDT' > "$tmp/short.bin"
"$CXLEMU" cedt --explain "$tmp/short.bin" 2>&1 | grep -q "shorter than an ACPI header"
check "cedt --explain rejects a bad table" $?
if command -v iasl > /dev/null; then
	(cd "$tmp" && iasl -d cedt.bin > iasl.log 2>&1)
	rc=$?
	! grep -qi -e "checksum" -e "error" -e "warning" "$tmp/iasl.log" && [ "$rc" -eq 0 ] &&
		grep -q 'Signature : "CEDT"' "$tmp/cedt.dsl" && grep -q "Table Length : 00000090" "$tmp/cedt.dsl"
	check "iasl -d disassembles the table without complaint" $?
fi
rm -rf "$tmp"

[ "$("$CXLEMU" layout --count 4 | wc -l)" -eq 5 ]; check "layout --count" $?
"$CXLEMU" layout --count > /dev/null 2>&1; [ $? -eq 2 ]; check "layout rejects a missing value" $?
"$CXLEMU" frobnicate > /dev/null 2>&1; [ $? -eq 2 ]; check "unknown command exits 2" $?
"$CXLEMU" --help | grep -q "^usage: cxlemu"; check "--help" $?
exit $fail
