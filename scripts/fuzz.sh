#!/bin/sh
# Long fuzz runs: ./scripts/fuzz.sh [SECONDS] [TARGET...]
# Builds the libFuzzer targets (clang, ASan + UBSan) in build-fuzz and runs
# each for SECONDS (default 600) on a copy of its seed corpus, printing
# executions, coverage and findings.  Crashes are left in build-fuzz/crashes/;
# turn each into a named input under tests/fuzz/corpus/TARGET/ and a unit test.
set -eu
cd "$(dirname "$0")/.."
secs=${1:-600}
[ $# -gt 0 ] && shift
targets=${*:-"translate route hdm qemu_args cedt mailbox mbox_regs fmapi fmsock fabric_ipc trace"}
./scripts/deps.sh
if [ -d build-fuzz ]; then
	CC=clang meson setup --reconfigure build-fuzz -Dfuzz=true -Dtests=disabled \
		-Dcli=disabled -Ddocs=disabled -Db_sanitize=address,undefined \
		-Db_lundef=false -Dc_args=-fno-sanitize-recover=all >/dev/null
else
	CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=disabled -Dcli=disabled \
		-Ddocs=disabled -Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args=-fno-sanitize-recover=all >/dev/null
fi
meson compile -C build-fuzz >/dev/null
mkdir -p build-fuzz/crashes
for t in $targets; do
	work=build-fuzz/corpus-$t
	mkdir -p "$work"
	cp -n tests/fuzz/corpus/$t/* "$work"/ 2>/dev/null || true
	log=build-fuzz/fuzz-$t.log
	rc=0
	./build-fuzz/tests/fuzz/fuzz_$t -max_total_time="$secs" -max_len=4096 \
		-print_final_stats=1 -artifact_prefix=build-fuzz/crashes/$t- \
		"$work" > "$log" 2>&1 || rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	echo "fuzz_$t: ${secs}s, $runs executions, $cov, exit $rc, $(ls build-fuzz/crashes | grep -c "^$t-" || true) findings"
done
