#!/bin/bash
# End-to-end guest test of one CXL topology: Linux creates a volatile region
# (a), uses it as devdax, destroys it and creates it again (a2: the data
# is still there), then creates a region on the same devices at another
# granularity (b: the data is where b's interleave puts it), fills it and
# onlines it as system RAM on its NUMA node (cxlmem --node, busybox under
# numactl --membind).  See region-basic.guest.sh for the guest's steps.
# Afterwards the host checks
#   - which path of the libcxlemu QEMU front-end (linear / translated /
#     routed) served each region, from QEMU's -trace cxlemu_layout;
#   - the words the guest wrote through a and b in the memory backend
#     files, de-interleaved with the layout the guest reported;
#   - the same words where libcxlemu's own decode (the cxlemu CLI given the
#     same QEMU options and the same region) puts each 256-byte granule.
#   tests/guest/region-basic.sh [--qemu PATH] [--image DIR] [--topology NAME]
#       [--cli PATH] [--bench SECONDS] [--timeout SECONDS] [--dmesg] [--keep]
#       [--quiet] [--list]
# Prints one line per check, "ok - TOPOLOGY: CHECK" or "not ok - ...", and
# "# " comment lines (timings; "# region-basic: done TOPOLOGY" last); exit
# status 1 when a check failed.
# --bench runs cxlmem bench on the DAX device and on the node (SECONDS each);
# --dmesg prints the guest kernel's CXL, DAX and memory hotplug messages;
# --keep keeps the work directory (backend files, console log, QEMU log;
# kept anyway on a failure); --quiet shows the guest's output only on a
# failure; --list prints the topologies.
# QEMU defaults to $QEMU, else the stock build in
# ~/.cache/libcxlemu/qemu/build-stock (a QEMU without the cxlemu_layout
# trace event gets no path checks).  The cxlemu CLI is --cli, else
# $CXLEMU_CLI, else built from this checkout (host-lib.sh).  The image is
# built (or found up to date) by mkimage.sh in its default place unless
# --image is given.
# shellcheck disable=SC2054 # QEMU options are comma lists
set -eu -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/guest/host-lib.sh
. "$here/host-lib.sh"
qemu=${QEMU:-$cache/qemu/build-stock/qemu-system-x86_64}
image=
topology=hb
cli=${CXLEMU_CLI:-}
bench=0
timeout=300
keep=
dmesg=
quiet=
mem=1G

die() {
	echo "region-basic: error: $*" >&2
	exit 2
}

# ---- the topologies -------------------------------------------------------
# Every device is cxl-vmemI: a cxl-type3 with a 256 MiB volatile memdev
# cxl-memI (a sparse file WORK/memI in /dev/shm, read by the host checks)
# and serial number I + 1.  A topology sets
#   ndev        devices (= interleave ways of its regions)
#   topo        QEMU options: host bridges, ports, switches, devices, windows
#   spec_a/b    WINDOW:GRANULARITY of regions a (and a2) and b
#   path_a/b    the front-end path expected to serve them: linear (one way
#               at every level), translated (interleave unit >= 4 KiB) or
#               routed (finer)
#   model       what the front-end's cxlemu_setup trace says it modelled
#   what        one line for --list and the README
topologies="hb switch hb3 linear"

# rp_dev HOSTBRIDGE I SLOT: a root port on HOSTBRIDGE with device I below.
rp_dev() {
	topo+=(-device "cxl-rp,port=0,bus=$1,id=rp$2,chassis=0,slot=$3"
		-device "cxl-type3,bus=rp$2,volatile-memdev=cxl-mem$2,id=cxl-vmem$2,sn=$(($2 + 1))")
}

# window N SIZE GRAN HOSTBRIDGE...: cxl-fmw.N, added to fmw (QEMU wants
# every cxl-fmw property in one -M option).
window() {
	local n=$1 size=$2 gran=$3 i=0
	shift 3
	for hb in "$@"; do
		fmw="$fmw${fmw:+,}cxl-fmw.$n.targets.$i=$hb"
		i=$((i + 1))
	done
	fmw="$fmw,cxl-fmw.$n.size=$size,cxl-fmw.$n.interleave-granularity=$gran"
}

# set_topology NAME
set_topology() {
	topo=()
	fmw=
	case $1 in
	hb)
		what="two host bridges, each a root port and a device; window 0 interleaves them 2-way at 4 KiB (a, translated), window 1 at 256 B (b, routed)"
		ndev=2
		topo+=(-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1
			-device pxb-cxl,bus_nr=222,bus=pcie.0,id=cxl.2)
		rp_dev cxl.1 0 2
		rp_dev cxl.2 1 3
		window 0 4G 4k cxl.1 cxl.2
		window 1 4G 256 cxl.1 cxl.2
		spec_a=0:4096 path_a=translated
		spec_b=1:256 path_b=routed
		model="6 components, 2 windows"
		;;
	switch)
		what="one host bridge with one root port (pass-through), a switch with two devices; the switch interleaves 2-way at 256 B (a, routed), then 4 KiB (b, translated)"
		ndev=2
		topo+=(-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1
			-device cxl-rp,port=0,bus=cxl.1,id=rp0,chassis=0,slot=0
			-device cxl-upstream,bus=rp0,id=us0
			-device cxl-downstream,port=0,bus=us0,id=swport0,chassis=0,slot=4
			-device cxl-type3,bus=swport0,volatile-memdev=cxl-mem0,id=cxl-vmem0,sn=1
			-device cxl-downstream,port=1,bus=us0,id=swport1,chassis=0,slot=5
			-device cxl-type3,bus=swport1,volatile-memdev=cxl-mem1,id=cxl-vmem1,sn=2)
		window 0 4G 4k cxl.1
		spec_a=0:256 path_a=routed
		spec_b=0:4096 path_b=translated
		model="7 components, 1 windows"
		;;
	hb3)
		what="three host bridges, each a root port and a device; 768 MiB regions, window 0 interleaves them 3-way at 256 B (a, routed), window 1 at 4 KiB (b, translated)"
		ndev=3
		topo+=(-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1
			-device pxb-cxl,bus_nr=100,bus=pcie.0,id=cxl.2
			-device pxb-cxl,bus_nr=200,bus=pcie.0,id=cxl.3)
		rp_dev cxl.1 0 2
		rp_dev cxl.2 1 3
		rp_dev cxl.3 2 4
		window 0 3G 256 cxl.1 cxl.2 cxl.3
		window 1 3G 4k cxl.1 cxl.2 cxl.3
		spec_a=0:256 path_a=routed
		spec_b=1:4096 path_b=translated
		model="9 components, 2 windows"
		;;
	linear)
		what="one host bridge, one root port (pass-through), one device; 1-way regions at 4 KiB (a) and 256 B (b), both linear"
		ndev=1
		topo+=(-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1)
		rp_dev cxl.1 0 2
		window 0 4G 4k cxl.1
		spec_a=0:4096 path_a=linear
		spec_b=0:256 path_b=linear
		model="3 components, 1 windows"
		;;
	*) return 1 ;;
	esac
	topo+=(-M "$fmw")
}

while [ $# -gt 0 ]; do
	case $1 in
	--qemu | --image | --topology | --cli | --bench | --timeout)
		[ $# -ge 2 ] || die "$1 needs a value"
		case $1 in
		--qemu) qemu=$2 ;;
		--image) image=$2 ;;
		--topology) topology=$2 ;;
		--cli) cli=$2 ;;
		--bench) bench=$2 ;;
		--timeout) timeout=$2 ;;
		esac
		shift 2
		;;
	--keep)
		keep=1
		shift
		;;
	--dmesg)
		dmesg=1
		shift
		;;
	--quiet)
		quiet=1
		shift
		;;
	--list)
		for t in $topologies; do
			set_topology "$t"
			echo "$t: $what"
		done
		exit 0
		;;
	-h | --help)
		sed -n '15,17s/^# \{0,1\}//p' "$0" >&2
		exit 2
		;;
	*) die "unknown argument '$1'" ;;
	esac
done
[ -x "$qemu" ] || die "no QEMU at '$qemu' (--qemu PATH or QEMU=PATH)"
case $bench in '' | *[!0-9]*) die "--bench takes whole seconds" ;; esac
set_topology "$topology" || die "unknown --topology '$topology' (one of: $topologies)"
if [ -z "$cli" ]; then
	cli=$(build_cli) || die "cannot build the cxlemu CLI (give --cli PATH)"
fi
[ -x "$cli" ] || die "no cxlemu CLI at '$cli'"
hostmem=$(build_host_cxlmem) || die "cannot build cxlmem for the host"

if [ -z "$image" ]; then
	image=$cache/guest/image-x86_64
	"$here/mkimage.sh" --arch x86_64 "$image"
fi

work=$(mktemp -d "/dev/shm/cxlemu-region-$topology.XXXXXX")
cleanup() {
	if [ -n "$keep" ]; then
		echo "# region-basic: kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

# The memory backends (sparse files; a region uses 256 MiB of each).
backends=()
i=0
while [ "$i" -lt "$ndev" ]; do
	backends+=(-object "memory-backend-file,id=cxl-mem$i,share=on,mem-path=$work/mem$i,size=256M")
	i=$((i + 1))
done

# Which front-end paths the trace reports (stock QEMU has no such event);
# guest errors include what libcxlemu logs (a refused commit, ...).
trace=()
if "$qemu" -trace help 2> /dev/null | grep -qx cxlemu_layout; then
	trace=(-trace cxlemu_layout -trace cxlemu_setup -d guest_errors)
fi

fill=$((ndev * 1048576))
seed=$((RANDOM + 1))
append="test.ways=$ndev test.a=$spec_a test.b=$spec_b test.fill=$fill test.seed=$seed test.node=2097152 test.bench=$bench"
[ -z "$dmesg" ] || append="$append guest.dmesg"

# ---- reporting --------------------------------------------------------------
failed=0
ok() {
	echo "ok - $topology: $*"
}
notok() {
	echo "not ok - $topology: $*"
	failed=1
}

[ -n "$quiet" ] || echo "# region-basic: topology $topology ($what), QEMU $qemu"
t0=$(date +%s.%N)
run_status=0
guest() {
	"$here/run-guest.sh" --qemu "$qemu" --arch x86_64 --image "$image" --mem "$mem" \
		--script "$here/region-basic.guest.sh" --timeout "$timeout" --log "$work/console.log" \
		--qemu-log "$work/qemu.log" --append "$append" \
		-- "${trace[@]}" "${backends[@]}" "${topo[@]}" 2>&1
}
# The guest's output as it comes, or (--quiet) only when the run failed.
if [ -n "$quiet" ]; then
	guest > "$work/results" || run_status=$?
	[ "$run_status" -eq 0 ] || sed 's/^/# /' "$work/results"
else
	guest | tee "$work/results" | sed 's/^/# /' || run_status=$?
fi
wall=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
if [ "$run_status" -eq 0 ]; then
	ok "the guest test ran to the end (GUEST-DONE rc=0, $wall s)"
else
	# run-guest.sh's verdict, else its last words (an error before the boot).
	why=$(grep '^run-guest: FAIL' "$work/results" | sed 's/^run-guest: //')
	notok "the guest test ran to the end (${why:-exit status $run_status: $(tail -n 1 "$work/results")})"
fi
# The guest's own checks, one line each, in the guest's order.
while IFS='|' read -r r n d; do
	case $r in
	OK) ok "guest $n${d:+: $d}" ;;
	*) notok "guest $n${d:+: $d}" ;;
	esac
done < <(sed -n 's/^GUEST-\(OK\|FAIL\) \([^ ]*\) *\(.*\)/\1|\2|\3/p' "$work/results")

# field LINE NAME: the value of NAME=VALUE in LINE.
field() {
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}
# info KIND TAG: the GUEST-INFO KIND TAG line, without its head.
info() {
	sed -n "s/^GUEST-INFO $1 $2 //p" "$work/results" | head -n 1
}

# ---- which path served each region ------------------------------------------
# The front-end lays a window out again after every change of its route
# table; each layout prints one cxlemu_layout line per extent, in HPA order
# from the window's base, so a line that does not go up in HPA starts the
# next layout.  While a region's decoders commit one by one the window goes
# from all "unmapped" through partial states (some positions miss: always
# "routed") to the committed region, and back when they are reset: one
# cycle of layouts with something mapped per region.  The K-th region of a
# window is checked in the K-th cycle: "linear" and "translated" are only
# chosen for complete extents, so one layout serving the whole region by
# the expected one is proof; "routed" is expected when some layout serves
# it entirely by routing and no layout of the cycle maps it otherwise.
path_check() { # TAG WINDOW BASE SIZE CYCLE EXPECTED
	# No layout at all (a fall-back to QEMU's emulation) is a failed check,
	# not an error of this script.
	{ grep -E '(^|:)cxlemu_layout ' "$work/qemu.log" || true; } | sed 's/^.*cxlemu_layout //' |
		awk -v win="$2" -v base="$3" -v size="$4" -v cyc="$5" -v want="$6" '
		function hex(s,   i, c, v) {
			s = tolower(s); sub(/^0x/, "", s); v = 0
			for (i = 1; i <= length(s); i++) {
				c = index("0123456789abcdef", substr(s, i, 1)) - 1
				if (c < 0) return -1
				v = v * 16 + c
			}
			return v
		}
		function finish(   p, n, only, label) {
			if (!nl) return
			if (any && !prev_any) cycle++
			prev_any = any
			if (any && cycle == cyc) {
				n = 0
				for (p in cov) { n++; only = p }
				if (!hole && !outside && n == 1 && cov[only] == S) {
					served[only] = 1
					label = only
				} else if (n == 0) {
					label = "unmapped"
				} else {
					label = "partly"
					for (p in cov) label = label "-" p
				}
				for (p in lseen) seen[p] = 1
				if (label != last) seq = seq (seq == "" ? "" : ",") label
				last = label
			}
			nl = 0; any = 0; hole = 0; outside = 0
			for (p in cov) delete cov[p]
			for (p in lseen) delete lseen[p]
		}
		BEGIN { B = hex(base); S = hex(size); E = B + S; prevh = -1 }
		$1 == "window" && $2 == win ":" {
			path = $3; h = hex($5); sz = hex($7)
			if (h <= prevh) finish()
			prevh = h
			nl++
			if (path != "unmapped") any = 1
			if (h < E && h + sz > B) {
				if (path == "unmapped") hole = 1
				else {
					lseen[path] = 1
					if (h >= B && h + sz <= E) cov[path] += sz
					else outside = 1
				}
			}
		}
		END {
			finish()
			if (cycle < cyc) {
				printf "fail window %s was committed %d time(s), region needs commit #%d\n", win, cycle, cyc
				exit
			}
			good = served[want]
			if (want == "routed" && (seen["translated"] || seen["linear"])) good = 0
			printf "%s layouts %s\n", good ? "ok" : "fail", seq
		}'
}

declare -A cycles=()
if [ ${#trace[@]} -eq 0 ]; then
	echo "# $topology: $qemu has no cxlemu_layout trace event (not the libcxlemu build): no path checks"
else
	# The front-end took the machine over (no fall-back to QEMU's own
	# emulation) with every component and window.
	setup=$(sed -n 's/^\(.*:\)\{0,1\}cxlemu_setup //p' "$work/qemu.log")
	if [ "$setup" = "$model" ]; then
		ok "libcxlemu models the topology ($model)"
	else
		notok "libcxlemu models the topology ($model; cxlemu_setup says '${setup:-nothing}')"
	fi
	# Anything QEMU said besides the trace: warnings, guest errors.
	said=$(grep -vE '^([0-9]+@[0-9.]+:)?cxlemu_[a-z]+ ' "$work/qemu.log" || true)
	if [ -z "$said" ]; then
		ok "QEMU reported no warnings or guest errors (-d guest_errors)"
	else
		notok "QEMU reported no warnings or guest errors (-d guest_errors): $(echo "$said" | head -n 1)"
		echo "$said" | head -n 20 | sed 's/^/#   /'
	fi
	for tag in a a2 b; do
		case $tag in b) want=$path_b ;; *) want=$path_a ;; esac
		reg=$(info region "$tag")
		if [ -z "$reg" ]; then
			notok "region $tag served by $want (no region $tag reported by the guest)"
			continue
		fi
		win=$(field "$reg" window)
		k=$((${cycles[$win]:-0} + 1))
		cycles[$win]=$k
		desc="region $tag (window $win, $(field "$reg" ways)-way $(field "$reg" gran) B, hpa $(field "$reg" base))"
		res=$(path_check "$tag" "$win" "$(field "$reg" base)" "$(field "$reg" size)" "$k" "$want")
		case $res in
		ok*) ok "$desc served by $want (${res#ok })" ;;
		*) notok "$desc served by $want (${res#fail })" ;;
		esac
	done
fi

# ---- the data in the backend files ------------------------------------------
# By the layout the guest reported: cxlmem --ileave over each device's file.
check_backend() { # FILLTAG REGIONTAG
	local reg fl off bytes fseed gran ways p f serial dpa file detail=
	reg=$(info region "$2")
	fl=$(info fill "$1")
	if [ -z "$reg" ] || [ -z "$fl" ]; then
		notok "backend files hold region $1's data as the guest's layout interleaves it (not reported by the guest)"
		return
	fi
	off=$(field "$fl" offset)
	bytes=$(field "$fl" bytes)
	fseed=$(field "$fl" seed)
	gran=$(field "$reg" gran)
	ways=$(field "$reg" ways)
	p=0
	while [ "$p" -lt "$ways" ]; do
		# posP=memX:serial=0xS:dpa=0xD
		f=$(field "$reg" "pos$p")
		serial=$(echo "$f" | sed -n 's/.*:serial=\([^:]*\).*/\1/p')
		dpa=$(echo "$f" | sed -n 's/.*:dpa=\([^:]*\).*/\1/p')
		file=$work/mem$((serial - 1))
		if [ -z "$serial" ] || [ -z "$dpa" ] || [ ! -f "$file" ]; then
			notok "backend files hold region $1's data as the guest's layout interleaves it (position $p: no backend file for '$f')"
			return
		fi
		if ! "$hostmem" verify "$file" "$off" "$bytes" "$fseed" --ileave "$ways:$gran:$p:$dpa" > "$work/verify.out" 2>&1; then
			notok "backend files hold region $1's data as the guest's layout interleaves it (position $p, serial $serial, DPA $dpa: $(tail -n 1 "$work/verify.out"))"
			sed 's/^/#   /' "$work/verify.out"
			return
		fi
		# The check must tell the positions apart: the next position's
		# layout does not match this file.
		if [ "$ways" -gt 1 ] && "$hostmem" verify "$file" "$off" "$bytes" "$fseed" \
			--ileave "$ways:$gran:$(((p + 1) % ways)):$dpa" > /dev/null 2>&1; then
			notok "backend files hold region $1's data as the guest's layout interleaves it (serial $serial also verifies as position $(((p + 1) % ways)))"
			return
		fi
		detail="$detail pos$p=serial $serial dpa $dpa,"
		p=$((p + 1))
	done
	ok "backend files hold region $1's data as the guest's layout interleaves it ($bytes bytes;${detail%,})"
}

# By libcxlemu's decode: the cxlemu CLI gets the same QEMU options and the
# same region (window, ways, granularity, size, devices by position), and
# tells which device holds each 256-byte granule of the filled range at
# which DPA; cxlmem check-map finds the guest's words there.
check_decode() { # FILLTAG REGIONTAG
	local reg fl off bytes fseed win p f serial devs='' wbase hpa count name spec
	name="backend files hold region $1's data where libcxlemu's decode puts it"
	reg=$(info region "$2")
	fl=$(info fill "$1")
	if [ -z "$reg" ] || [ -z "$fl" ]; then
		notok "$name (not reported by the guest)"
		return
	fi
	off=$(field "$fl" offset)
	bytes=$(field "$fl" bytes)
	fseed=$(field "$fl" seed)
	win=$(field "$reg" window)
	p=0
	while [ "$p" -lt "$(field "$reg" ways)" ]; do
		f=$(field "$reg" "pos$p")
		serial=$(echo "$f" | sed -n 's/.*:serial=\([^:]*\).*/\1/p')
		devs="$devs${devs:+:}cxl-vmem$((serial - 1))"
		p=$((p + 1))
	done
	spec="window=$win,ways=$(field "$reg" ways),gran=$(field "$reg" gran),size=$(field "$reg" size),devices=$devs"
	local qargs=(-machine q35,cxl=on -m "$mem" "${backends[@]}" "${topo[@]}")
	# The window must be where the guest's root decoder is.
	wbase=$("$cli" --json tree -- "${qargs[@]}" 2>&1 |
		sed -n "s/.*{\"index\":$win,\"base\":\"\(0x[0-9a-f]*\)\".*/\1/p")
	if [ -z "$wbase" ] || [ $((wbase)) -ne $(($(field "$reg" start))) ]; then
		notok "$name (libcxlemu puts window $win at '${wbase:-nowhere}', the guest's root decoder at $(field "$reg" start))"
		return
	fi
	hpa=$(printf '0x%x' $(($(field "$reg" base) + off)))
	count=$((bytes / 256))
	if ! "$cli" --json -r "$spec" layout --start "$hpa" --count "$count" -- "${qargs[@]}" \
		> "$work/layout.json" 2> "$work/layout.err"; then
		notok "$name (cxlemu -r $spec: $(head -n 1 "$work/layout.err"))"
		return
	fi
	tr '{' '\n' < "$work/layout.json" |
		sed -n "s|^\"hpa\":\"\(0x[0-9a-f]*\)\",\"device\":\"cxl-vmem\([0-9]*\)\",\"dpa\":\"\(0x[0-9a-f]*\)\".*|$work/mem\2 \3 \1 256|p" \
			> "$work/map"
	if [ "$(wc -l < "$work/map")" -ne "$count" ]; then
		notok "$name (libcxlemu maps $(wc -l < "$work/map") of the $count granules from $hpa: -r $spec)"
		return
	fi
	if "$hostmem" check-map "$fseed" "$(field "$reg" base)" "$work/map" > "$work/check.out" 2>&1; then
		ok "$name ($count granules from $hpa, -r $spec)"
	else
		notok "$name (-r $spec: $(tail -n 1 "$work/check.out"))"
		sed 's/^/#   /' "$work/check.out"
	fi
}

check_backend a a
check_decode a a
check_backend b b
check_decode b b

if [ -n "$dmesg" ]; then
	echo "# region-basic: guest kernel messages about CXL, DAX and memory:"
	tr -d '\r' < "$work/console.log" |
		sed -n '/^GUEST-DMESG-BEGIN/,/^GUEST-DMESG-END/p' |
		grep -iE 'cxl|dax|acpi0016|acpi0017|hmem|memory|node [0-9]|numa|srat|cedt' | sed 's/^/# /' || true
fi
# The timings on one line: boot, then each step's seconds.
timing=$(sed -n 's/^GUEST-BOOT .*uptime=\([0-9.]*\).*/init@\1/p;
	s/^GUEST-TIME \([^ ]*\) seconds=\([0-9.]*\).*/\1=\2/p' "$work/results" | tr '\n' ' ')
echo "# $topology: ${wall} s wall; guest seconds: $timing"
# The last line: qemu-guest-tests.sh takes a run without it as one that
# stopped half-way (a failure of this script).
echo "# region-basic: done $topology"
if [ "$failed" -ne 0 ]; then
	keep=1
	exit 1
fi
