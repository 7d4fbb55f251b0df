#!/bin/bash
# QEMU with and without the libcxlemu front-end: the same guest, the same
# benchmark, one after the other.  For each topology, the test guest
# (tests/guest) boots on the stock QEMU and on the patched one, creates a
# volatile region over all its devices, onlines it as system RAM and runs
# `cxlmem bench --node N` on it: 8-byte loads, 8-byte stores and memset in
# MB/s, beside guest RAM measured in the same boot, and the first touch of
# 64 MiB of the node.  Prints one table with the speed-up of the patched
# QEMU over the stock one and whether the targets are met.
#   bench/qemu/run.sh [--seconds S] [--rounds N] [--fault-seconds F]
#       [--stock PATH] [--cxlemu PATH] [--image DIR] [--topologies LIST]
#       [--timeout S] [--keep]
# --seconds S   one round of cxlmem bench (default 2): load8, store8 and
#               memset over 4 MiB, S/4 each (at least one pass)
# --rounds N    rounds (default 4), guest RAM then the CXL node in each; the
#               best round of each figure is reported (a busy host slows
#               some rounds down, not the machine's speed)
# --fault-seconds F  cap on the first touch of 64 MiB of the node (default
#               8); a capped touch is extrapolated to 64 MiB (marked ~)
# --stock, --cxlemu   the two qemu-system-x86_64 (defaults: the builds of
#               frontends/qemu/build-qemu.sh in ~/.cache/libcxlemu/qemu)
# --topologies  comma list out of one,hb,switch,hb256,hb3 (default: all):
#   one     1 host bridge, 1 root port, 1 device, 1-way     path (a) linear
#   hb      2 host bridges, 2-way at 4 KiB                   path (b) translated
#   switch  1 host bridge, a switch, 2 devices, 2-way 4 KiB  path (b) translated
#   hb256   2 host bridges, 2-way at 256 B                   path (c) routed
#   hb3     3 host bridges, 3-way at 4 KiB (768 MiB region)  path (b) translated
# --timeout S   per boot (default 240); --keep keeps the work directory.
# Every device is a 256 MiB volatile cxl-type3 on a sparse file in /dev/shm.
# After each boot the host checks, in those files, the words the guest
# wrote through the region's DAX device (de-interleaved with the layout the
# guest reports), and on the patched QEMU reads `-trace cxlemu_layout` to
# name the path that served the region.  Exit status: 0 when every boot
# worked and every check passed (targets missed are reported, not fatal),
# 1 otherwise, 2 on bad usage.
set -eu -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
guest=$(cd "$here/../../tests/guest" && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/libcxlemu
stock=$cache/qemu/build-stock/qemu-system-x86_64
cxlemu=$cache/qemu/build-cxlemu/qemu-system-x86_64
seconds=2
rounds=4
fault_seconds=8
image=
topologies=one,hb,switch,hb256,hb3
timeout=240
keep=

die() {
	echo "qemu-bench: error: $*" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--seconds | --rounds | --fault-seconds | --stock | --cxlemu | --image | --topologies | --timeout)
		[ $# -ge 2 ] || die "$1 needs a value"
		case $1 in
		--seconds) seconds=$2 ;;
		--rounds) rounds=$2 ;;
		--fault-seconds) fault_seconds=$2 ;;
		--stock) stock=$2 ;;
		--cxlemu) cxlemu=$2 ;;
		--image) image=$2 ;;
		--topologies) topologies=$2 ;;
		--timeout) timeout=$2 ;;
		esac
		shift 2
		;;
	--keep)
		keep=1
		shift
		;;
	-h | --help)
		sed -n '10,35s/^# \{0,1\}//p' "$0" >&2
		exit 2
		;;
	*) die "unknown argument '$1'" ;;
	esac
done
for v in "--seconds:$seconds" "--rounds:$rounds" "--fault-seconds:$fault_seconds"; do
	case ${v#*:} in '' | *[!0-9]* | 0) die "${v%%:*} takes a positive whole number, not '${v#*:}'" ;; esac
done
case $timeout in '' | *[!0-9]* | 0) die "--timeout takes a positive whole number, not '$timeout'" ;; esac
[ -x "$stock" ] || die "no stock QEMU at '$stock' (--stock PATH)"
[ -x "$cxlemu" ] || die "no patched QEMU at '$cxlemu' (--cxlemu PATH)"
topos=()
for t in ${topologies//,/ }; do
	case $t in
	one | hb | switch | hb256 | hb3) topos+=("$t") ;;
	*) die "unknown topology '$t' (one, hb, switch, hb256, hb3)" ;;
	esac
done
[ ${#topos[@]} -gt 0 ] || die "--topologies is empty"
command -v gcc > /dev/null || die "gcc is missing (it builds cxlmem for the host's check)"

if [ -z "$image" ]; then
	image=$cache/guest/image-x86_64
	"$guest/mkimage.sh" --arch x86_64 "$image"
fi

work=$(mktemp -d /dev/shm/cxlemu-qbench.XXXXXX)
cleanup() {
	if [ -n "$keep" ]; then
		echo "qemu-bench: kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM PIPE

# The host's cxlmem reads the backend files.
gcc -std=c11 -Wall -Wextra -O2 -o "$work/cxlmem-host" "$guest/cxlmem.c"

# topo NAME DIR: sets ways, gran, expect (the path the patched QEMU should
# take) and args (the QEMU options) for topology NAME, backends in DIR.
# shellcheck disable=SC2054 # QEMU options are comma lists
topo() {
	local name=$1 dir=$2 n i
	case $name in
	one) ways=1 gran=4096 expect=a ;;
	hb | switch) ways=2 gran=4096 expect=b ;;
	hb256) ways=2 gran=256 expect=c ;;
	hb3) ways=3 gran=4096 expect=b ;;
	esac
	args=()
	n=$ways
	for ((i = 0; i < n; i++)); do
		args+=(-object "memory-backend-file,id=cxl-mem$i,share=on,mem-path=$dir/sn$((i + 1)),size=256M")
	done
	case $name in
	switch)
		args+=(
			-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1
			-device cxl-rp,port=0,bus=cxl.1,id=rp0,chassis=0,slot=0
			-device cxl-upstream,bus=rp0,id=us0
			-device cxl-downstream,port=0,bus=us0,id=swport0,chassis=0,slot=4
			-device cxl-type3,bus=swport0,volatile-memdev=cxl-mem0,id=cxl-vmem0,sn=1
			-device cxl-downstream,port=1,bus=us0,id=swport1,chassis=0,slot=5
			-device cxl-type3,bus=swport1,volatile-memdev=cxl-mem1,id=cxl-vmem1,sn=2
			-M "cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G,cxl-fmw.0.interleave-granularity=4k"
		)
		;;
	*)
		# One host bridge (pxb-cxl) with one root port and one device
		# per way; the window interleaves the host bridges.
		local buses=(12 112 222) fmw=
		for ((i = 0; i < n; i++)); do
			args+=(
				-device "pxb-cxl,bus_nr=${buses[$i]},bus=pcie.0,id=cxl.$((i + 1))"
				-device "cxl-rp,port=0,bus=cxl.$((i + 1)),id=rp$i,chassis=0,slot=$((i + 2))"
				-device "cxl-type3,bus=rp$i,volatile-memdev=cxl-mem$i,id=cxl-vmem$i,sn=$((i + 1))"
			)
			fmw="${fmw}cxl-fmw.0.targets.$i=cxl.$((i + 1)),"
		done
		# A 3-way window is a whole number of 3 x 256 MiB.
		local size=4G
		[ "$n" -ne 3 ] || size=3G
		args+=(-M "${fmw}cxl-fmw.0.size=$size,cxl-fmw.0.interleave-granularity=$gran")
		;;
	esac
}

# check_backends DIR QEMU: the host's check of the words the guest wrote
# through the DAX device, in each position's backend file.  Prints a reason
# and fails when they are not where the region's layout puts them.
# Linux (like libcxlemu) counts interleave positions from the offset in the
# region; stock QEMU 10.0's window routing picks the host bridge from the
# absolute HPA, (HPA / gran) % ways (hw/cxl/cxl-host.c), which differs for
# 3 ways when the base is not a multiple of 3 granules.  For the stock QEMU
# only, that layout is accepted too: the check then passes and prints a note
# (the guest sees consistent memory either way, so the benchmark holds).
check_backends() {
	local dir=$1 q=$2 region filled off len seed rgran rways base shift p alt
	local field serial dpa file note=
	region=$(grep '^GUEST-INFO region ' "$dir/results" || true)
	filled=$(grep '^GUEST-INFO fill ' "$dir/results" || true)
	if [ -z "$region" ] || [ -z "$filled" ]; then
		echo "no region layout or fill reported by the guest"
		return 1
	fi
	off=$(echo "$filled" | sed -n 's/.* offset=\([0-9]*\).*/\1/p')
	len=$(echo "$filled" | sed -n 's/.* bytes=\([0-9]*\).*/\1/p')
	seed=$(echo "$filled" | sed -n 's/.* seed=\([0-9]*\).*/\1/p')
	rgran=$(echo "$region" | sed -n 's/.* gran=\([0-9]*\).*/\1/p')
	rways=$(echo "$region" | sed -n 's/.* ways=\([0-9]*\).*/\1/p')
	base=$(echo "$region" | sed -n 's/.* base=\(0x[0-9a-f]*\).*/\1/p')
	shift=$(((base / rgran) % rways))
	for ((p = 0; p < rways; p++)); do
		field=$(echo "$region" | tr ' ' '\n' | sed -n "s/^pos$p=//p")
		serial=$(echo "$field" | sed -n 's/.*:serial=\([^:]*\).*/\1/p')
		dpa=$(echo "$field" | sed -n 's/.*:dpa=\([^:]*\).*/\1/p')
		file=$dir/sn$((serial))
		if [ -z "$serial" ] || [ -z "$dpa" ] || [ ! -f "$file" ]; then
			echo "position $p: cannot map '$field' to a backend file"
			return 1
		fi
		if ! "$work/cxlmem-host" verify "$file" "$off" "$len" "$seed" \
			--ileave "$rways:$rgran:$p:$dpa" > "$dir/check.out" 2>&1; then
			alt=$(((p - shift + rways) % rways))
			if [ "$q" = stock ] && [ "$alt" -ne "$p" ] &&
				"$work/cxlmem-host" verify "$file" "$off" "$len" "$seed" \
					--ileave "$rways:$rgran:$alt:$dpa" > /dev/null 2>&1; then
				note="stock QEMU routes by absolute HPA ((HPA / gran) % ways): each device holds the granules of Linux's position - $shift (mod $rways)"
				continue
			fi
			echo "position $p (serial $serial, DPA $dpa): the guest's words are not where the region puts them: $(head -n 3 "$dir/check.out" | tr '\n' ' ')"
			return 1
		fi
		# The check tells positions apart.
		if [ "$rways" -gt 1 ] && "$work/cxlmem-host" verify "$file" "$off" "$len" "$seed" \
			--ileave "$rways:$rgran:$(((p + 1) % rways)):$dpa" > /dev/null 2>&1; then
			echo "position $p: the file also verifies as position $(((p + 1) % rways))"
			return 1
		fi
	done
	[ -z "$note" ] || echo "$note (base $base, $rways x $rgran)"
	return 0
}

# trace_path DIR: which paths served the region in the patched QEMU, from
# its cxlemu_layout trace: each layout pass lists the window's extents in
# address order (a line at or below the previous address starts a new
# pass); of the last pass that maps anything in the region, the paths of
# the extents overlapping it, as "translated/4K", "linear/256M+routed/..."
# and so on.  "none(fallback)" without the setup event (the front-end
# fell back to QEMU's own emulation).
trace_path() {
	local dir=$1 base size hpa len unit last='' cur=() best=() mapped='' s u i
	local w path hs ls us
	if ! grep -q 'cxlemu_setup' "$dir/trace.log" 2> /dev/null; then
		echo "none(fallback)"
		return
	fi
	base=$(sed -n 's/^GUEST-INFO region .* base=\(0x[0-9a-f]*\).*/\1/p' "$dir/results")
	size=$(sed -n 's/^GUEST-INFO region .* size=\([0-9a-fx]*\).*/\1/p' "$dir/results")
	if [ -z "$base" ] || [ -z "$size" ]; then
		echo "unknown"
		return
	fi
	base=$((base))
	size=$((size))
	while read -r w path hs ls us; do
		hpa=$((hs))
		len=$((ls))
		unit=$((us))
		if [ -n "$last" ] && [ "$hpa" -le "$last" ]; then
			[ -z "$mapped" ] || best=("${cur[@]}")
			cur=()
			mapped=
		fi
		last=$hpa
		if [ "$hpa" -ge $((base + size)) ] || [ $((hpa + len)) -le "$base" ]; then
			continue
		fi
		if [ $((unit % 1048576)) -eq 0 ]; then
			u=$((unit / 1048576))M
		elif [ $((unit % 1024)) -eq 0 ]; then
			u=$((unit / 1024))K
		else
			u=$unit
		fi
		s="$path/$u"
		[ "$path" = unmapped ] || mapped=1
		for i in "${cur[@]}"; do
			[ "$i" != "$s" ] || continue 2
		done
		cur+=("$s")
	done < <(sed -n 's/.*cxlemu_layout window \([0-9]*\): \([a-z]*\) hpa \(0x[0-9a-f]*\) size \(0x[0-9a-f]*\) unit \(0x[0-9a-f]*\).*/\1 \2 \3 \4 \5/p' "$dir/trace.log")
	[ -z "$mapped" ] || best=("${cur[@]}")
	if [ ${#best[@]} -eq 0 ]; then
		echo "unmapped"
	else
		(IFS=+ && echo "${best[*]}")
	fi
}

# best RESULTS TAG FIGURE: the highest MBps of FIGURE over the rounds
# tagged TAG1, TAG2, ..., then all of them ("3381.9 3381.9,3012.4,...").
best() {
	{ grep "^GUEST-BENCH $2[0-9]* bench $3 " "$1" || true; } | tr ' ' '\n' | sed -n 's/^MBps=//p' |
		awk '{ all = all (NR > 1 ? "," : "") $1; if (NR == 1 || $1 + 0 > b + 0) b = $1 }
			END { if (NR) print b, all }'
}

# field LINE NAME: the value of NAME=... in LINE.
field() {
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

results=$work/table.tsv
: > "$results"
failed=0
fault_size=$((64 << 20))
echo "qemu-bench: stock $stock"
echo "qemu-bench: cxlemu $cxlemu"
echo "qemu-bench: image $image; $rounds rounds of $seconds s, first touch capped at $fault_seconds s; topologies ${topos[*]}"
for name in "${topos[@]}"; do
	for q in stock cxlemu; do
		dir=$work/$name-$q
		mkdir -p "$dir"
		topo "$name" "$dir"
		qemu=$stock
		trace=()
		if [ $q = cxlemu ]; then
			qemu=$cxlemu
			trace=(-trace cxlemu_layout -trace cxlemu_setup -D "$dir/trace.log")
		fi
		fill=$((gran * ways * 256))
		append="bench.ways=$ways bench.gran=$gran bench.fill=$fill bench.seed=$((RANDOM + 1))"
		append="$append bench.size=4194304 bench.rounds=$rounds bench.round=$seconds bench.fault=$fault_seconds"
		echo "qemu-bench: $name on $q ..."
		t0=$(date +%s)
		status=ok
		if ! "$guest/run-guest.sh" --qemu "$qemu" --arch x86_64 --image "$image" \
			--script "$here/bench.guest.sh" --timeout "$timeout" --log "$dir/console.log" \
			--append "$append" -- "${args[@]}" "${trace[@]}" > "$dir/results" 2> "$dir/stderr"; then
			status=FAIL
			sed 's/^/  /' "$dir/results" "$dir/stderr"
		fi
		if [ $status = ok ]; then
			if why=$(check_backends "$dir" $q); then
				if [ -n "$why" ]; then
					status='ok*'
					echo "  host check of the backend files: $why"
					echo "$name: $why" >> "$work/notes"
				fi
			else
				status=FAIL
				echo "  host check of the backend files: $why"
			fi
		fi
		served=-
		[ $q = stock ] || served=$(trace_path "$dir")
		thp=$(sed -n 's/^GUEST-INFO thp enabled=//p' "$dir/results")
		row="$name	$expect	$q	$served	$status	${thp:--}"
		# Throughput: the best round of the node (cxl) and of guest RAM.
		for w in load8 store8 memset; do
			c=$(best "$dir/results" cxl $w)
			r=$(best "$dir/results" ram $w)
			row="$row	${c%% *}	${r%% *}"
			[ -z "$c" ] || echo "  $w MB/s, best (all rounds): CXL node ${c%% *} (${c#* }); guest RAM ${r%% *} (${r#* })" >> "$dir/summary"
		done
		# First touch of 64 MiB, extrapolated (~) when the cap stopped it,
		# and of 64 MiB of guest RAM in the same call.
		fs=
		rs=
		line=$(grep "^GUEST-BENCH fault bench fault " "$dir/results" || true)
		b=$(field "$line" bytes)
		if [ -n "$b" ] && [ "$b" -gt 0 ]; then
			# With THP a touch that stopped midway had faulted (zeroed)
			# its whole 2 MiB page: that is what the time paid for.
			[ "$thp" != always ] || b=$(((b + (2 << 20) - 1) / (2 << 20) * (2 << 20)))
			fs=$(awk -v s="$(field "$line" seconds)" -v b="$b" -v t=$fault_size 'BEGIN { printf "%.3f", s * t / b }')
			[ -z "$(field "$line" partial)" ] || fs="~$fs"
			rs=$(awk -v m="$(field "$line" ram_MBps)" -v t=$fault_size 'BEGIN { if (m > 0) printf "%.3f", t / m / 1e6 }')
		fi
		row="$row	$fs	$rs"
		echo "$row" >> "$results"
		msg="qemu-bench: $name on $q: $status in $(($(date +%s) - t0)) s"
		[ $q = stock ] || msg="$msg, served by $served"
		echo "$msg"
		[ ! -f "$dir/summary" ] || cat "$dir/summary"
		if [ "${status%\*}" != ok ]; then
			# Keep the logs the messages above point to.
			failed=1
			keep=1
		fi
		# The backends are sparse but the guest touched them: free /dev/shm.
		[ -n "$keep" ] || rm -f "$dir"/sn*
	done
done

# The table: each cxlemu row against the stock row of its topology.  The
# speed-up is the ratio of MB/s; "norm." divides each boot's figure by its
# own guest RAM first, which cancels a host that was busier during one boot
# than during the other.  The verdict is on the plain ratio (and says so
# when the normalized one disagrees).
echo
awk -F'\t' '
	function pct(v, r) { return (v != "" && r > 0) ? sprintf("%.1f%%", 100 * v / r) : "-" }
	function rx(a, b) { return (a != "" && b > 0) ? a / b : -1 }
	function fx(v) { return v < 0 ? "-" : v < 10 ? sprintf("%.1fx", v) : sprintf("%.0fx", v) }
	function mb(v) { return v == "" ? "-" : v }
	function min3(a, b, c) { return a < b ? (a < c ? a : c) : (b < c ? b : c) }
	function secs(v) { sub(/^~/, "", v); return v + 0 }
	function ok(path, x, r) { return path == "c" ? x >= 3 : (x >= 50 && r >= 0.5) }
	BEGIN {
		print "| topology | path | QEMU | served by | load8 MB/s | store8 MB/s | memset MB/s | % of guest RAM (l/s/m) | fault 64 MiB s (guest RAM) | speed-up l/s/m (norm.) | fault speed-up | target |"
		print "|---|---|---|---|---:|---:|---:|---|---|---|---|---|"
	}
	{
		topo = $1; path = $2; q = $3; served = $4; status = $5
		l = $7; lr = $8; s = $9; sr = $10; m = $11; mr = $12; f = $13; fr = $14
		if (q == "stock") {
			sl[topo] = l; ss[topo] = s; sm[topo] = m
			slr[topo] = lr; ssr[topo] = sr; smr[topo] = mr; sf[topo] = f
		}
		pr = pct(l, lr) "/" pct(s, sr) "/" pct(m, mr)
		sp = "-"; fsp = "-"; verdict = "-"
		if (q == "cxlemu" && (topo in sl)) {
			xl = rx(l, sl[topo]); xs = rx(s, ss[topo]); xm = rx(m, sm[topo])
			nl = rx(rx(l, lr), rx(sl[topo], slr[topo]))
			ns = rx(rx(s, sr), rx(ss[topo], ssr[topo]))
			nm = rx(rx(m, mr), rx(sm[topo], smr[topo]))
			sp = fx(xl) "/" fx(xs) "/" fx(xm) " (" fx(nl) "/" fx(ns) "/" fx(nm) ")"
			if (f != "" && sf[topo] != "")
				fsp = fx(rx(secs(sf[topo]), secs(f)))
			if (status !~ /^ok/ || xl < 0 || xs < 0 || xm < 0) {
				verdict = "no figures"
			} else {
				minr = min3(rx(l, lr), rx(s, sr), rx(m, mr))
				met = ok(path, min3(xl, xs, xm), minr)
				nmet = ok(path, min3(nl, ns, nm), minr)
				verdict = (met ? "met" : "MISSED") (path == "c" ? " (>= 3x stock)" : " (>= 50% RAM, >= 50x stock)")
				if (met != nmet)
					verdict = verdict "; normalized: " (nmet ? "met" : "missed")
				want = path == "a" ? "linear" : path == "b" ? "translated" : "routed"
				if (served !~ ("^" want "/[0-9A-Z]*$"))
					verdict = verdict "; path: expected " want
			}
		}
		if (status !~ /^ok/)
			verdict = status "; " verdict
		else if (status == "ok*")
			verdict = verdict "; data layout: see note"
		printf "| %s | (%s) | %s | %s | %s | %s | %s | %s | %s (%s) | %s | %s | %s |\n", topo, path, q, served, \
			mb(l), mb(s), mb(m), pr, (f == "" ? "-" : f), (fr == "" ? "-" : fr), sp, fsp, verdict
	}' "$results"
thp=$(cut -f6 "$results" | sort -u | tr '\n' ' ')
echo
echo "Transparent huge pages in the guest: ${thp% }; ~ = first touch stopped at $fault_seconds s, extrapolated to 64 MiB."
[ ! -f "$work/notes" ] || sed 's/^/Note: /' "$work/notes"
if [ "$failed" -ne 0 ]; then
	echo "qemu-bench: FAIL (see above; work directory kept)"
	exit 1
fi
echo "qemu-bench: ok"
