#!/bin/sh
# Quick start, part 2: every test.
#   1. the cmocka and CLI tests, built with warnings as errors;
#   2. the same tests under AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. the API documentation (doxygen warnings are errors);
#   4. a short smoke run of every libFuzzer target on its seed corpus.
# FUZZ_SECONDS sets the smoke time per target (default 10).
set -eu
cd "$(dirname "$0")/.."
./scripts/deps.sh

passed=0
failed=0
count() { # meson test log -> counters
	ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$1" | tail -n 1)
	bad=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$1" | tail -n 1)
	to=$(sed -n 's/^Timeout: *\([0-9]*\).*/\1/p' "$1" | tail -n 1)
	if [ -z "$ok" ]; then
		echo "not ok - no test summary in $1"
		failed=$((failed + 1))
		return
	fi
	passed=$((passed + ok))
	failed=$((failed + ${bad:-0} + ${to:-0}))
}
setup() { # dir, options...
	dir=$1
	shift
	if [ -d "$dir" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
}

echo "== build and test (warnings are errors)"
setup build-ci --werror -Dtests=enabled -Dcli=enabled -Ddocs=enabled
meson compile -C build-ci
meson test -C build-ci --print-errorlogs | tee build-ci/test-summary.txt || true
count build-ci/test-summary.txt

echo "== ASan + UBSan"
setup build-asan --werror -Dtests=enabled -Dcli=enabled -Ddocs=disabled \
	-Db_sanitize=address,undefined -Db_lundef=false \
	-Dc_args=-fno-sanitize-recover=all
meson compile -C build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	meson test -C build-asan --print-errorlogs --timeout-multiplier 4 |
	tee build-asan/test-summary.txt || true
count build-asan/test-summary.txt

# step NAME COMMAND...: runs one check and counts it.
step() {
	name=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
		echo "ok - $name"
	else
		failed=$((failed + 1))
		echo "not ok - $name"
	fi
}

echo "== install, pkg-config and C++ consumers"
inst=$(pwd)/build-ci/destdir
rm -rf "$inst"
DESTDIR="$inst" meson install -C build-ci --quiet --no-rebuild >/dev/null
prefix=$(meson introspect build-ci --buildoptions | python3 -c \
	'import json, sys; print([o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"][0])')
pcdir=$(find "$inst" -name cxlemu.pc -exec dirname {} \;)
libdir=$(dirname "$(find "$inst" -name 'libcxlemu.so*' | head -n 1)")
installed_consumer() {
	flags=$(PKG_CONFIG_PATH=$pcdir pkg-config \
		--define-variable=prefix="$inst$prefix" --cflags --libs cxlemu) &&
	cc -std=c11 -Wall -Wextra -Werror -pedantic tests/test_shared_smoke.c \
		-o build-ci/installed-smoke $flags &&
	LD_LIBRARY_PATH=$libdir ./build-ci/installed-smoke
}
headers_cxx() {
	printf '#include <cxlemu/cxlemu.h>\nint main() { return 0; }\n' |
	c++ -x c++ -std=c++17 -Wall -Wextra -Werror -pedantic \
		-I"$inst$prefix/include" -fsyntax-only -
}
step "a program built against the installed library via pkg-config" installed_consumer
step "public headers compile as C++17" headers_cxx

echo "== CEDT against QEMU 10.0 (Debian trixie source package)"
qemu_cedt() {
	./scripts/qemu-acpi-data.sh build-ci/qemu-acpi &&
	./build-ci/frontends/cli/cxlemu -t tests/data/qemu-q35-cxl.qemu cedt \
		-o build-ci/cedt-q35-cxl.bin > /dev/null &&
	cmp build-ci/cedt-q35-cxl.bin build-ci/qemu-acpi/CEDT.cxl
}
step "CEDT byte-identical to QEMU's tests/data/acpi/x86/q35/CEDT.cxl" qemu_cedt

echo "== QEMU front-end (QEMU 10.0.13 from Debian trixie + frontends/qemu)"
# A cold build takes about 15 minutes on 2 cores; ccache keeps later ones
# short.  QEMU's own CXL tests run on the patched build, then Linux guests.
qdir=""
qemu_build() {
	qdir=$(./frontends/qemu/build-qemu.sh --tests 2> build-ci/qemu-build.log) || {
		tail -n 30 build-ci/qemu-build.log
		false
	}
}
# qtest NAME [ARGS...]: one of QEMU's qtests against the patched build.
qtest() {
	[ -n "$qdir" ] || return 1
	t=$1
	shift
	qlog=$(pwd)/build-ci/qtest-$t.log
	# From the build directory: QEMU's qtests find their data there.
	(cd "$qdir" && QTEST_QEMU_BINARY=./qemu-system-x86_64 "./tests/qtest/$t" "$@") \
		> "$qlog" 2>&1 || {
		tail -n 30 "$qlog"
		return 1
	}
	echo "  $t: $(grep -c '^ok' "$qlog") passed"
	! grep -q '^not ok' "$qlog"
}
# Linux guests (tests/guest/): the region matrix prints one ok/not ok line
# per check (paths, data through every path and after re-commit, backend
# files against the library's decode), counted one by one.
guests() {
	[ -n "$qdir" ] || { echo "not ok - guest matrix (no QEMU)"; return; }
	CXLEMU_CLI=$(pwd)/build-ci/frontends/cli/cxlemu ./tests/guest/qemu-guest-tests.sh \
		"$qdir/qemu-system-x86_64" > build-ci/guest-matrix.log 2>&1
	grc=$?
	grep -E '^(not )?ok - ' build-ci/guest-matrix.log
	if [ "$grc" -ne 0 ] && ! grep -q '^not ok - ' build-ci/guest-matrix.log; then
		tail -n 30 build-ci/guest-matrix.log
		echo "not ok - guest matrix (exit $grc)"
	fi
}
guest_script() { # NAME: tests/guest/NAME.sh against the front-end
	[ -n "$qdir" ] || return 1
	QEMU=$qdir/qemu-system-x86_64 CXLEMU_CLI=$(pwd)/build-ci/frontends/cli/cxlemu \
		"./tests/guest/$1.sh" > "build-ci/guest-$1.log" 2>&1 || {
		tail -n 40 "build-ci/guest-$1.log"
		false
	}
}
step "QEMU with the libcxlemu front-end builds" qemu_build
step "QEMU cxl-test on the front-end" qtest cxl-test
step "QEMU bios-tables-test q35/cxl on the front-end (CEDT and DSDT byte for byte)" \
	qtest bios-tables-test -p /x86_64/acpi/q35/cxl
# Random garbage in every CXL register region must not crash QEMU; the
# cases for ten mailbox/device bugs of stock QEMU (which its own code still
# has) run too: with the library behind the mailbox they must pass.
regs_test() {
	CXLEMU_REGS_STOCK_BUGS=1
	export CXLEMU_REGS_STOCK_BUGS
	qtest cxlemu-regs-test
	rrc=$?
	unset CXLEMU_REGS_STOCK_BUGS
	return $rrc
}
step "QEMU cxlemu-regs-test: garbage in every CXL register, decoders by hand, and stock QEMU's mailbox bugs absent" \
	regs_test
guests > build-ci/guest-lines.txt || true
cat build-ci/guest-lines.txt
passed=$((passed + $(grep -c '^ok - ' build-ci/guest-lines.txt || true)))
failed=$((failed + $(grep -c '^not ok - ' build-ci/guest-lines.txt || true)))
step "Linux guest: cxl identify, partition and firmware info, poison, labels through the library's mailbox" \
	guest_script mailbox
step "Linux guest: a region firmware committed (cxlemu-region) assembled by Linux, data in the backends" \
	guest_script fwregion
step "Linux guest: cxl-type3 hot-plugged below a switch (QMP device_add), region over it, data in the backends" \
	guest_script hotplug
step "Linux guest: Identify Switch Device through the switch mailbox CCI, answered by the library's switch" \
	guest_script switchcci
step "Linux guest: a fabric manager unbinds and binds the switch's vPPBs (FM socket), Linux sees PCIe hot-remove/hot-add, data survives the rebinding" \
	guest_script vcs

# ---- arm64 (separate from the x86_64 build and tests above) ----------------
# QEMU's aarch64 `virt` machine with CXL (patches of frontends/qemu: virt
# has no CXL in QEMU 10.0), built in its own work directory so that the
# x86_64 build above stays as it is (a cold aarch64 build takes about as
# long as the x86_64 one), then one Linux guest under TCG with UEFI.
echo "== QEMU front-end on arm64 virt"
qadir=""
qemu_arm_build() {
	qadir=$(CXLEMU_QEMU_WORK=${XDG_CACHE_HOME:-$HOME/.cache}/libcxlemu/qemu-aarch64 \
		./frontends/qemu/build-qemu.sh --arch aarch64 2> build-ci/qemu-arm-build.log) || {
		tail -n 30 build-ci/qemu-arm-build.log
		false
	}
}
guest_arm64() {
	[ -n "$qadir" ] || return 1
	QEMU=$qadir/qemu-system-aarch64 ./tests/guest/arm64.sh > build-ci/guest-arm64.log 2>&1 || {
		tail -n 40 build-ci/guest-arm64.log
		false
	}
	# A region the kernel refused to create is a skip, shown, not hidden.
	grep '^SKIP ' build-ci/guest-arm64.log || true
}
step "QEMU (aarch64) with the libcxlemu front-end builds" qemu_arm_build
step "Linux guest on arm64 virt (UEFI, ACPI): CXL enumerated, mailbox, firmware regions on all three paths, data in the backends" \
	guest_arm64

echo "== API documentation"
step "doxygen: no warnings" meson compile -C build-ci docs

echo "== fuzz smoke"
secs=${FUZZ_SECONDS:-6}
CC=clang setup build-fuzz -Dfuzz=true -Dtests=disabled -Dcli=disabled \
	-Ddocs=disabled -Db_sanitize=address,undefined -Db_lundef=false \
	-Dc_args=-fno-sanitize-recover=all
meson compile -C build-fuzz
for t in translate route hdm qemu_args cedt mailbox mbox_regs fmapi fmsock fabric_ipc trace; do
	work=$(mktemp -d)
	fuzz_one() {
		./build-fuzz/tests/fuzz/fuzz_$t -max_total_time="$secs" \
			-max_len=4096 -artifact_prefix="$work/" "$work" \
			"tests/fuzz/corpus/$t" > "$work/log" 2>&1 ||
			{ tail -n 40 "$work/log"; ls "$work"; false; }
	}
	step "fuzz_$t for ${secs}s" fuzz_one
	grep -o 'Done [0-9]* runs.*' "$work/log" || true
	rm -rf "$work"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
