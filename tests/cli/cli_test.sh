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
printf '%s\n' "$show" | grep -q "agree on 1000000 random addresses"
check "show proves table and walk agree" $?
printf '%s\n' "$show" | grep -q "^0x0000000490000200  cxl-mem1    0x0$"
check "show prints the interleave layout" $?

r=$("$CXLEMU" route 0x490012345 0x490000000 0x58fffffff 0x590000000)
printf '%s\n' "$r" | grep -q "^0x490012345: cxl-mem2 dpa=0x9145 via cxl-fmw.0/cxl.2/root_port1/cxl-mem2$"
check "route through a host bridge" $?
printf '%s\n' "$r" | grep -q "^0x490000000: cxl-mem0 dpa=0x0 via cxl-fmw.0/cxl.1/root_port0/us0/swport0/cxl-mem0$"
check "route through the switch" $?
printf '%s\n' "$r" | grep -q "^0x590000000: unmapped at level 0 (cxl-fmw.0): outside the window$"
check "route outside the window" $?
"$CXLEMU" route 0xzz > /dev/null 2>&1; [ $? -eq 2 ]; check "route rejects a bad address" $?
# Regression (review): no sign, blanks or octal in addresses.
"$CXLEMU" route " -1" > /dev/null 2>&1; [ $? -eq 2 ]; check "route rejects ' -1'" $?
"$CXLEMU" route "010" | grep -q "^0xa: "; check "route reads 010 as decimal" $?
"$CXLEMU" layout --start " 1" > /dev/null 2>&1; [ $? -eq 2 ]; check "layout rejects a blank" $?

[ "$("$CXLEMU" layout --count 4 | wc -l)" -eq 5 ]; check "layout --count" $?
"$CXLEMU" layout --count > /dev/null 2>&1; [ $? -eq 2 ]; check "layout rejects a missing value" $?
"$CXLEMU" frobnicate > /dev/null 2>&1; [ $? -eq 2 ]; check "unknown command exits 2" $?
"$CXLEMU" --help | grep -q "^usage: cxlemu"; check "--help" $?
exit $fail
