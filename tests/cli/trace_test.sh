#!/bin/sh
# `cxlemu trace`: generated traces whose answers are known (traffic spread
# exactly evenly over interleaved devices, unrouted addresses, granule
# splits, both formats, the latency model's figures), and malformed traces.
set -u
CXLEMU=$1
DIR=$(dirname "$0")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
check() { # name, condition result
	if [ "$2" -eq 0 ]; then echo "ok - $1"; else echo "not ok - $1"; fail=1; fi
}
json() { # file, python expression on j, the parsed report
	python3 -c "import json,sys; j=json.load(open(sys.argv[1])); e={d['name']: d for d in j['endpoints']}; sys.exit(0 if ($2) else 1)" "$1"
}

# Default topology: window 0 at 0x490000000, region A (cxl-mem0, cxl-mem2)
# at +0, region B (cxl-mem1, cxl-mem2) at +1 GiB, both 2-way 256 B.
# 1024 64-byte reads over 64 KiB of each region, 10 ns apart: every device
# of a region gets exactly half of it.
python3 - "$TMP/even.txt" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write("# evenly spread reads\n")
    for i in range(2048):
        base = 0x490000000 if i < 1024 else 0x4d0000000
        f.write("%d R 0x%x 64\n" % (i * 10, base + 64 * (i % 1024)))
EOF
"$CXLEMU" trace "$TMP/even.txt" --json > "$TMP/even.json"; rc=$?
[ "$rc" -eq 0 ]; check "even trace replays" $?
json "$TMP/even.json" "j['accesses'] == 2048 and j['reads'] == 2048 and j['writes'] == 0 and j['bytes'] == 131072"
check "even trace: every access served" $?
json "$TMP/even.json" "e['cxl-mem0']['reads'] == 512 and e['cxl-mem1']['reads'] == 512 and e['cxl-mem2']['reads'] == 1024 and e['cxl-mem0']['read_bytes'] == 32768 and e['cxl-mem2']['read_bytes'] == 65536"
check "even trace: traffic split exactly by the interleave" $?
json "$TMP/even.json" "j['unrouted'] == 0 and j['pieces'] == 2048 and j['split_accesses'] == 0"
check "even trace: no splits, nothing unrouted" $?
# Default latency model: behind the switch 40 + 70 + 2 * 25 + 90 + 3 = 253
# ns, below a root port 40 + 25 + 90 + 3 = 158 ns (64 bytes at 32 ps/byte).
json "$TMP/even.json" "j['latency_ns']['min'] == 158 and j['latency_ns']['max'] == 253 and abs(j['latency_ns']['mean'] - 205.5) < 1e-9"
check "even trace: latency min/mean/max from the model" $?
json "$TMP/even.json" "j['latency_ns']['histogram'] == [{'from': 128, 'to': 255, 'count': 2048}]"
check "even trace: power-of-two histogram" $?
json "$TMP/even.json" "e['cxl-mem0']['busy_ns'] == 512 * 253 and e['cxl-mem2']['busy_ns'] == 1024 * 158"
check "even trace: busy time per device" $?
# The last mem0/mem1 access (253 ns) ends last: granule 0x3fe of region B
# holds accesses 2040..2043, the last at 20430 ns: span 20683 ns.
json "$TMP/even.json" "abs(j['span_ns'] - 20683) < 1e-9 and abs(j['throughput_gbps'] - 131072 / 20683) < 1e-5 and j['last_tick_ns'] == 20470"
check "even trace: span and throughput" $?
out=$("$CXLEMU" trace "$TMP/even.txt")
printf '%s\n' "$out" | grep -q "^latency: min 158 ns, mean 205.500 ns, max 253 ns$"
check "readable report: latency line" $?
printf '%s\n' "$out" | grep -q "^cxl-mem1 *512 *0 *32768 *0 *129536$"
check "readable report: per-device line" $?
printf '%s\n' "$out" | grep -q "^ *128 - *255 ns: 2048$"
check "readable report: histogram" $?

# The same trace in gem5's packet format (ticks in ps, decimal addresses),
# as encode_packet_trace.py reads it and as decode_packet_trace.py writes it.
python3 - "$TMP/even.gem5" "$TMP/even.gem5dec" <<'EOF'
import sys
with open(sys.argv[1], "w") as f, open(sys.argv[2], "w") as g:
    for i in range(2048):
        base = 0x490000000 if i < 1024 else 0x4d0000000
        a = base + 64 * (i % 1024)
        f.write("r,%d,64,%d\n" % (a, i * 10000))
        g.write("%d,r,%d,64,2,%d,4096\n" % (i, a, i * 10000))
    g.write("2048,u,0,64,0,%d\n" % (2048 * 10000))
EOF
"$CXLEMU" trace "$TMP/even.gem5" --json > "$TMP/g.json"; rc=$?
[ "$rc" -eq 0 ]; check "gem5 trace replays" $?
json "$TMP/g.json" "j['format'] == 'gem5' and e['cxl-mem0']['reads'] == 512 and e['cxl-mem2']['reads'] == 1024 and abs(j['span_ns'] - 20683) < 1e-9"
check "gem5 trace: same answers as the plain trace" $?
"$CXLEMU" trace "$TMP/even.gem5dec" --json > "$TMP/gd.json"; rc=$?
[ "$rc" -eq 0 ]; check "gem5 decoded trace (packet ids, flags, pc) replays" $?
json "$TMP/gd.json" "j['accesses'] == 2048 and j['skipped'] == 1 and e['cxl-mem1']['reads'] == 512 and j['last_tick_ns'] == 20480"
check "gem5 decoded trace: u packets skipped" $?

# Unrouted: outside the window (10), in the window but past the regions
# (5, one of them a write), and one straddling the end of region B.
cat > "$TMP/miss.txt" <<'EOF'
0 W 0x490000000 512   # 2 pieces
1 R 0x490000080 300   # 0x80..0x1ab: 2 pieces
2 R 0x490000100 256   # one granule, 1 piece
EOF
for i in 0 1 2 3 4 5 6 7 8 9; do echo "3 R 0x59000$i""000 64" >> "$TMP/miss.txt"; done
for i in 1 2 3 4; do echo "4 R 0x55000$i""000 64" >> "$TMP/miss.txt"; done
echo "5 W 0x550000000 64" >> "$TMP/miss.txt"
echo "6 R 0x50fffffc0 128" >> "$TMP/miss.txt"
"$CXLEMU" trace "$TMP/miss.txt" --json > "$TMP/m.json"; rc=$?
[ "$rc" -eq 0 ]; check "trace with unrouted addresses replays" $?
json "$TMP/m.json" "j['accesses'] == 19 and j['unrouted'] == 16 and j['unrouted_bytes'] == 15 * 64 + 128"
check "unrouted accesses counted" $?
json "$TMP/m.json" "j['pieces'] == 5 and j['split_accesses'] == 2 and j['writes'] == 1 and j['reads'] == 2"
check "granule splits counted" $?
json "$TMP/m.json" "e['cxl-mem0']['write_bytes'] == 256 and e['cxl-mem2']['write_bytes'] == 256 and e['cxl-mem0']['read_bytes'] == 128 and e['cxl-mem2']['read_bytes'] == 172 + 256"
check "split pieces land on their devices" $?

# Another topology (-t) with a region (-r): the QEMU docs' 4 devices
# interleaved 4 ways at 8 KiB; 64 KiB of 64-byte writes, 1024 per device.
python3 - "$TMP/four.txt" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(4096):
        f.write("%d W %d 64\n" % (i, 0x490000000 + 64 * i))
EOF
"$CXLEMU" trace "$TMP/four.txt" --json -t "$DIR/../data/docs-interleave.qemu" \
	-r window=0,ways=4,gran=8192,size=1G,devices=cxl-pmem0:cxl-pmem2:cxl-pmem1:cxl-pmem3,pmem \
	> "$TMP/four.json"; rc=$?
[ "$rc" -eq 0 ]; check "trace on -t topology with -r region" $?
json "$TMP/four.json" "all(d['writes'] == 1024 and d['write_bytes'] == 65536 for d in j['endpoints']) and len(j['endpoints']) == 4"
check "4-way region: writes spread exactly evenly" $?
# The same machine from QEMU options after --, without a region: nothing routes.
"$CXLEMU" trace "$TMP/four.txt" --json -- $(grep -v '^#' "$DIR/../data/docs-interleave.qemu" | tr -d '\\') \
	> "$TMP/q.json"; rc=$?
[ "$rc" -eq 0 ]; check "trace on a topology given after --" $?
json "$TMP/q.json" "j['unrouted'] == 4096 and j['bytes'] == 0 and j['latency_ns']['min'] is None"
check "no region: every access unrouted" $?

# Malformed traces: the line and the reason, exit 1, no report.
bad() { # name, trace text, expected message part
	printf -- "$2" > "$TMP/bad.txt"
	out=$("$CXLEMU" trace "$TMP/bad.txt" 2>&1); rc=$?
	[ "$rc" -eq 1 ] && printf '%s\n' "$out" | grep -q -- "$3" &&
		! printf '%s\n' "$out" | grep -q "^latency"
	check "malformed: $1" $?
}
bad "not R or W" "0 R 0x490000000 64\n1 X 0x490000000 64\n" "bad.txt:2: expected R or W, not 'X'"
bad "missing field" "# c\n\n0 R 0x490000000\n" "bad.txt:3: expected TICK R|W ADDRESS SIZE"
bad "extra field" "0 R 0x490000000 64 9\n" "bad.txt:1: expected TICK R|W ADDRESS SIZE"
bad "bad address" "0 R 0x49000000g 64\n" "bad.txt:1: bad address '0x49000000g'"
bad "negative tick" "-1 R 0x490000000 64\n" "bad.txt:1: bad tick '-1'"
bad "size zero" "0 R 0x490000000 0\n" "bad.txt:1: size must be 1 to 4096 bytes, not '0'"
bad "size too large" "0 R 0x490000000 4097\n" "bad.txt:1: size must be 1 to 4096 bytes"
bad "tick backwards" "5 R 0x490000000 64\n4 R 0x490000000 64\n" "bad.txt:2: tick goes backwards"
bad "tick overflow" "18446744073709551615 R 0 1\n" "bad.txt:1: tick too large"
bad "mixed formats" "0 R 0x490000000 64\nr,0,64,5\n" "bad.txt:2: a gem5 packet line"
bad "gem5 no command" "x,0,64,5\n" "bad.txt:1: expected \[PKT_ID,\]r|w|u"
bad "gem5 too many fields" "r,0,64,1,2,3,4\n" "bad.txt:1: expected \[PKT_ID,\]r|w|u"
bad "gem5 bad size" "r,0,sixty,5\n" "bad.txt:1: bad size 'sixty'"
printf '0 R 0x490000000 64\n1 R 0x4900\000000 64\n' > "$TMP/nul.txt"
out=$("$CXLEMU" trace "$TMP/nul.txt" 2>&1); rc=$?
[ "$rc" -eq 1 ] && printf '%s\n' "$out" | grep -q "nul.txt:2: NUL byte"
check "malformed: NUL byte" $?

# Usage errors exit 2.
"$CXLEMU" trace > /dev/null 2>&1; [ $? -eq 2 ]; check "trace without a file exits 2" $?
"$CXLEMU" trace "$TMP/none.txt" > /dev/null 2>&1; [ $? -eq 2 ]; check "missing trace file exits 2" $?
"$CXLEMU" trace "$TMP/even.txt" --bogus > /dev/null 2>&1; [ $? -eq 2 ]; check "unknown option exits 2" $?
# stdin
[ "$(printf '0 r 0x490000000 8\n' | "$CXLEMU" trace - --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["reads"])')" = 1 ]
check "trace from stdin" $?
exit $fail
