#!/bin/bash
# Builds the small Linux guest that the QEMU front-end's tests boot:
# OUTDIR/vmlinuz and OUTDIR/initramfs.cpio.gz, made only from Debian trixie
# binary packages fetched here (nothing prebuilt lives in the repository):
#   - the kernel (linux-image-amd64 / linux-image-arm64 resolved to the real
#     versioned package), with only the modules the CXL stack needs,
#     decompressed and indexed with the host's depmod;
#   - busybox-static for the shell and the applets;
#   - the ndctl tools (cxl, daxctl, ndctl) and numactl with their shared
#     library closure, found from the ELF NEEDED entries (readelf, so that it
#     also works for a foreign architecture), and the dynamic loader;
#   - tests/guest/init.sh as /init and tests/guest/guest-lib.sh.
# The test itself (/guest-test.sh) comes as a second cpio appended at run time
# (run-guest.sh).
#
# Downloads go through a private apt configuration under
# ${XDG_CACHE_HOME:-$HOME/.cache}/libcxlemu/guest/ (the system's apt sources
# are not touched).  A stamp in OUTDIR records the package versions and the
# hashes of the files above; a second run with the same inputs rebuilds
# nothing.
#   tests/guest/mkimage.sh [--arch x86_64|aarch64] [OUTDIR]
# OUTDIR defaults to ~/.cache/libcxlemu/guest/image-ARCH.
set -eu

here=$(cd "$(dirname "$0")" && pwd)

die() {
	echo "mkimage: error: $*" >&2
	exit 1
}
log() {
	echo "mkimage: $*" >&2
}
usage() {
	echo "usage: $0 [--arch x86_64|aarch64] [OUTDIR]" >&2
	exit 2
}

arch=x86_64
out=
while [ $# -gt 0 ]; do
	case $1 in
	--arch)
		[ $# -ge 2 ] || usage
		arch=$2
		shift 2
		;;
	--arch=*)
		arch=${1#--arch=}
		shift
		;;
	-h | --help) usage ;;
	-*)
		echo "mkimage: unknown option '$1'" >&2
		usage
		;;
	*)
		[ -z "$out" ] || usage
		out=$1
		shift
		;;
	esac
done

case $arch in
x86_64)
	debarch=amd64
	triplet=x86_64-linux-gnu
	;;
aarch64)
	debarch=arm64
	triplet=aarch64-linux-gnu
	;;
*) die "unsupported --arch '$arch' (x86_64 or aarch64)" ;;
esac

for tool in apt-get apt-cache dpkg readelf depmod modinfo cpio gzip xz zstd sha256sum; do
	command -v "$tool" > /dev/null ||
		die "host tool '$tool' is missing (scripts/deps.sh installs it)"
done

cache=${XDG_CACHE_HOME:-$HOME/.cache}/libcxlemu/guest
out=${out:-$cache/image-$arch}
aptdir=$cache/apt-$debarch
debs=$cache/debs-$debarch
xdir=$cache/x-$debarch
mkdir -p "$out" "$debs" "$xdir" "$aptdir/sources.d" "$aptdir/prefs.d" \
	"$aptdir/lists/partial" "$aptdir/cache/archives/partial"
[ -f "$aptdir/status" ] || : > "$aptdir/status"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- private apt configuration: trixie binary packages of one architecture.
cat > "$aptdir/sources.d/trixie.sources" << EOS
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Architectures: $debarch
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
# An empty status file: nothing is "installed", so the host's packages do not
# influence what is resolved; the system's preferences are ignored too.  The
# binary caches are named explicitly (container images often disable them,
# and each apt call would then parse the 20 MB lists again).
apt_opts=(
	-o "Dir::Etc::sourcelist=/dev/null" -o "Dir::Etc::sourceparts=$aptdir/sources.d"
	-o "Dir::Etc::preferences=/dev/null" -o "Dir::Etc::preferencesparts=$aptdir/prefs.d"
	-o "Dir::State::lists=$aptdir/lists" -o "Dir::State::status=$aptdir/status"
	-o "Dir::Cache=$aptdir/cache" -o "APT::Get::List-Cleanup=0"
	-o "Dir::Cache::pkgcache=$aptdir/cache/pkgcache.bin"
	-o "Dir::Cache::srcpkgcache="
	-o "Debug::NoLocking=1" -o "APT::Sandbox::User=root"
	-o "APT::Architecture=$debarch" -o "APT::Architectures=$debarch"
)

# The package lists are refreshed once a day; without network, lists already
# in the cache are used as they are.
if [ -z "$(find "$aptdir/lists" -maxdepth 1 -name '*_Packages*' -mmin -1440 2> /dev/null)" ]; then
	log "updating the trixie $debarch package lists"
	if ! apt-get -qq "${apt_opts[@]}" update > "$tmp/update.log" 2>&1; then
		if [ -n "$(find "$aptdir/lists" -maxdepth 1 -name '*_Packages*' 2> /dev/null)" ]; then
			log "warning: apt-get update failed, using the cached lists"
		else
			cat "$tmp/update.log" >&2
			die "cannot download the trixie $debarch package lists from deb.debian.org"
		fi
	fi
fi

# Fast path: the same package lists (InRelease) and the same scripts as for
# the image in OUTDIR give the same image, without asking apt again.
key=$( (echo "$arch"; cat "$aptdir"/lists/*_InRelease; cd "$here" && cat mkimage.sh init.sh guest-lib.sh) | sha256sum | cut -d' ' -f1)
# outputs_present: OUTDIR holds a complete image.
outputs_present() {
	[ -f "$out/vmlinuz" ] && [ -f "$out/initramfs.cpio.gz" ] && [ -f "$out/stamp" ] &&
		{ [ "$arch" != x86_64 ] || [ -f "$out/firmware/bios-256k.bin" ]; } &&
		{ [ "$arch" != aarch64 ] || [ -f "$out/firmware/QEMU_EFI.fd" ]; }
}
if outputs_present && [ "$(cat "$out/stamp.key" 2> /dev/null)" = "$key" ]; then
	log "$out is up to date ($(sed -n 's/^kernel .* //p' "$out/stamp"))"
	exit 0
fi

# fetch PKG: makes sure PKG's .deb is in the cache and prints its path.
fetch() {
	local line file
	line=$(cd "$tmp" && apt-get "${apt_opts[@]}" --print-uris download "$1" 2> /dev/null | head -n 1) || true
	[ -n "$line" ] || die "package '$1' ($debarch) is not in trixie's lists: cannot download it"
	file=$(echo "$line" | awk '{print $2}')
	if [ ! -f "$debs/$file" ]; then
		log "downloading $file"
		(cd "$debs" && apt-get -qq "${apt_opts[@]}" download "$1" > "$tmp/dl.log" 2>&1) || {
			cat "$tmp/dl.log" >&2
			die "download of package '$1' ($debarch) failed"
		}
		[ -f "$debs/$file" ] || die "download of '$1' did not produce $file"
	fi
	echo "$debs/$file"
}

# unpack DEB: unpacks DEB once into the cache and prints the directory.
unpack() {
	local d
	d=$xdir/$(basename "$1" .deb)
	if [ ! -f "$d/.unpacked" ]; then
		rm -rf "$d"
		mkdir -p "$d"
		dpkg -x "$1" "$d" || die "cannot unpack $1"
		touch "$d/.unpacked"
	fi
	echo "$d"
}

# depends PKG: the package names PKG depends on (Depends and Pre-Depends;
# every alternative; virtual packages skipped).
depends() {
	apt-cache "${apt_opts[@]}" depends --no-recommends --no-suggests --no-conflicts \
		--no-breaks --no-replaces --no-enhances "$1" 2> /dev/null |
		sed -n 's/^ *|\{0,1\}\(Pre\)\{0,1\}Depends: \([^<]\S*\)$/\2/p' | sort -u
}

needed() {
	readelf -d "$1" 2> /dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'
}

interp() {
	readelf -l "$1" 2> /dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)\]$/\1/p'
}

# --- the kernel: resolve the meta package to the versioned image package.
meta=linux-image-$debarch
kpkg=$(apt-cache "${apt_opts[@]}" depends "$meta" 2> /dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9]\S*\)$/\1/p' | head -n 1)
[ -n "$kpkg" ] || die "cannot resolve $meta to a kernel package"
kdeb=$(fetch "$kpkg")
kdir=$(unpack "$kdeb")
kver=$(find "$kdir/usr/lib/modules" -mindepth 1 -maxdepth 1 -printf "%f\n" 2> /dev/null | head -n 1)
[ -n "$kver" ] || die "$kpkg has no /usr/lib/modules/VERSION"
moddir=$kdir/usr/lib/modules/$kver
vmlinuz=$kdir/boot/vmlinuz-$kver
[ -f "$vmlinuz" ] || die "$kpkg has no /boot/vmlinuz-$kver"

# --- user space: the roots and their shared library closure.
# PKG:PATH of the programs to install; the library closure is computed from
# their NEEDED entries.
programs="cxl:usr/bin/cxl ndctl:usr/bin/ndctl daxctl:usr/bin/daxctl numactl:usr/bin/numactl"
declare -A deb=() pkgdir=() examined=() lib=() need=()
# get PKG: downloads and unpacks PKG (deb[PKG], pkgdir[PKG]).
get() {
	deb[$1]=$(fetch "$1")
	pkgdir[$1]=$(unpack "${deb[$1]}")
}
kept=(busybox-static)
get busybox-static
[ -x "${pkgdir[busybox-static]}/usr/bin/busybox" ] || die "busybox-static has no /usr/bin/busybox"
queue=()
for pp in $programs; do
	p=${pp%%:*}
	f=${pp#*:}
	if [ -z "${examined[$p]:-}" ]; then
		examined[$p]=1
		kept+=("$p")
		get "$p"
		mapfile -t -O "${#queue[@]}" queue < <(depends "$p")
	fi
	[ -f "${pkgdir[$p]}/$f" ] || die "package $p has no /$f"
	for so in $(needed "${pkgdir[$p]}/$f"); do need[$so]=1; done
done

# find_lib DIR SONAME: the path of SONAME in an unpacked package, if there.
find_lib() {
	local d
	for d in usr/lib/$triplet lib/$triplet usr/lib lib usr/lib64 lib64; do
		if [ -e "$1/$d/$2" ]; then
			echo "$1/$d/$2"
			return 0
		fi
	done
	return 1
}

unresolved() {
	local so
	for so in "${!need[@]}"; do
		[ -n "${lib[$so]:-}" ] || echo "$so"
	done
}

# Breadth first over the dependencies of the packages kept so far: a package
# is kept when it provides a soname still needed; only kept packages are
# expanded further (a library's own dependencies are its package's).  Every
# unpacked package is searched again for sonames that become needed later
# (libc.so.6 needs the loader, from the same package).
declare -A iskept=()
for p in "${kept[@]}"; do iskept[$p]=1; done
order=("${kept[@]}")
while [ -n "$(unresolved)" ]; do
	progress=
	for so in $(unresolved); do
		for p in "${order[@]}"; do
			f=$(find_lib "${pkgdir[$p]}" "$so") || continue
			lib[$so]=$f
			for n in $(needed "$f"); do need[$n]=1; done
			if [ -z "${iskept[$p]:-}" ]; then
				iskept[$p]=1
				kept+=("$p")
				mapfile -t -O "${#queue[@]}" queue < <(depends "$p")
			fi
			progress=1
			break
		done
	done
	[ -z "$progress" ] || continue
	[ ${#queue[@]} -gt 0 ] ||
		die "no dependency provides: $(unresolved | tr '\n' ' ')(looked in: ${order[*]})"
	next=("${queue[@]}")
	queue=()
	for p in "${next[@]}"; do
		[ -z "${examined[$p]:-}" ] || continue
		examined[$p]=1
		get "$p"
		order+=("$p")
	done
done

# Firmware for QEMU (the stock build installs no blobs).  x86: SeaBIOS and
# the option roms QEMU loads for -kernel, from trixie's QEMU 10.0 data
# package; run-guest.sh passes OUTDIR/firmware with -L.  arm64: UEFI
# (EDK2's ArmVirtQemu, trixie's qemu-efi-aarch64), which publishes QEMU's
# ACPI tables (Linux finds CXL only through ACPI) and boots the -kernel
# and -initrd it reads from fw_cfg; run-guest.sh passes it with -bios.
fwfiles=
if [ "$arch" = aarch64 ]; then
	get qemu-efi-aarch64
	kept+=(qemu-efi-aarch64)
	fwfiles="${pkgdir[qemu-efi-aarch64]}/usr/share/qemu-efi-aarch64/QEMU_EFI.fd"
	[ -f "$fwfiles" ] || die "firmware file $fwfiles is missing from its package"
fi
if [ "$arch" = x86_64 ]; then
	for p in qemu-system-data seabios; do
		get "$p"
		kept+=("$p")
	done
	fwfiles="${pkgdir[seabios]}/usr/share/seabios/bios-256k.bin"
	for f in linuxboot_dma.bin linuxboot.bin kvmvapic.bin multiboot_dma.bin pvh.bin; do
		fwfiles="$fwfiles ${pkgdir[qemu-system-data]}/usr/share/qemu/$f"
	done
	for f in $fwfiles; do
		[ -f "$f" ] || die "firmware file $f is missing from its package"
	done
fi

# The kernel modules: the CXL stack, DAX and libnvdimm.  Required ones must
# exist as modules or be built in; optional ones are taken when present.
# /etc/guest-modules lists, in load order, what /init loads.  kmem is in the
# image but not loaded at boot: a volatile region's DAX device is of the kmem
# type, so with kmem loaded the kernel would online every new region as
# system RAM at once; without it the test chooses (daxctl reconfigure-device
# --mode=devdax, or --mode=system-ram, which loads kmem).
mods_required="cxl_acpi cxl_pci cxl_mem cxl_port dax_cxl device_dax kmem"
mods_optional="cxl_pmem libnvdimm nd_pmem dax_pmem"
mods_noload="kmem"

# Downloads and unpacked trees that this pass did not use are older versions
# (the lists moved on): removed, so the cache holds one kernel, not many.
declare -A used=([$(basename "$kdeb")]=1)
for p in "${!deb[@]}"; do used[$(basename "${deb[$p]}")]=1; done
for f in "$debs"/*.deb; do
	[ -e "$f" ] || continue
	if [ -z "${used[$(basename "$f")]:-}" ]; then
		log "removing the stale $(basename "$f") from the cache"
		rm -rf "$f" "${xdir:?}/$(basename "$f" .deb)"
	fi
done

# --- the stamp: every input that changes the image.
stamp=$tmp/stamp
{
	echo "arch $arch"
	echo "kernel $(basename "$kdeb") $kver"
	for p in "${kept[@]}"; do
		echo "pkg $(basename "${deb[$p]}")"
	done | sort
	echo "modules $mods_required / $mods_optional / not loaded: $mods_noload"
	(cd "$here" && sha256sum mkimage.sh init.sh guest-lib.sh)
} > "$stamp"
if outputs_present && cmp -s "$stamp" "$out/stamp"; then
	echo "$key" > "$out/stamp.key"
	log "$out is up to date (kernel $kver)"
	exit 0
fi

log "building the $arch image in $out (kernel $kver)"
root=$tmp/root
mkdir -p "$root"/usr/bin "$root"/usr/sbin "$root/usr/lib/$triplet" "$root"/usr/lib64 \
	"$root"/etc "$root"/proc "$root"/sys "$root"/dev "$root"/tmp "$root"/run \
	"$root"/mnt "$root"/root "$root"/usr/share/guest
# The merged-/usr layout of trixie: /bin, /sbin, /lib and /lib64 are links.
ln -s usr/bin "$root/bin"
ln -s usr/sbin "$root/sbin"
ln -s usr/lib "$root/lib"
ln -s usr/lib64 "$root/lib64"

cp "${pkgdir[busybox-static]}/usr/bin/busybox" "$root/usr/bin/busybox"
ln -s busybox "$root/usr/bin/sh"
for pp in $programs; do
	p=${pp%%:*}
	f=${pp#*:}
	cp -L "${pkgdir[$p]}/$f" "$root/usr/bin/"
done
for so in "${!lib[@]}"; do
	cp -L "${lib[$so]}" "$root/usr/lib/$triplet/$so"
done
# The loader where PT_INTERP points, as a link to the copy among the libraries.
for pp in $programs; do
	f=${pp#*:}
	i=$(interp "$root/usr/bin/$(basename "$f")")
	[ -n "$i" ] || continue
	[ -n "${lib[$(basename "$i")]:-}" ] || die "loader $i of /$f is not in the library closure"
	[ -e "$root$i" ] || [ -L "$root$i" ] || ln -s "/usr/lib/$triplet/$(basename "$i")" "$root$i"
done

# Modules: decompressed at build time (busybox's modprobe and the kernel then
# need no decompressor), with their dependencies from modinfo.
declare -A modpath=() builtin=() modtaken=()
while IFS= read -r f; do
	n=$(basename "$f")
	n=${n%%.ko*}
	modpath[${n//-/_}]=${f#"$moddir"/}
done < <(find "$moddir/kernel" -name '*.ko*')
while IFS= read -r f; do
	n=$(basename "$f" .ko)
	builtin[${n//-/_}]=1
done < "$moddir/modules.builtin"
kmods=$root/usr/lib/modules/$kver
mkdir -p "$kmods"
modorder=()

# take_mod NAME required|optional
take_mod() {
	local n=${1//-/_} rel dst d
	[ -z "${builtin[$n]:-}" ] || return 0
	[ -z "${modtaken[$n]:-}" ] || return 0
	rel=${modpath[$n]:-}
	if [ -z "$rel" ]; then
		[ "$2" = optional ] && return 0
		die "kernel $kver has no module '$n' and it is not built in"
	fi
	modtaken[$n]=1
	dst=$kmods/${rel%.ko*}.ko
	mkdir -p "$(dirname "$dst")"
	case $rel in
	*.ko.xz) xz -dc "$moddir/$rel" > "$dst" ;;
	*.ko.zst) zstd -qdc "$moddir/$rel" > "$dst" ;;
	*.ko.gz) gzip -dc "$moddir/$rel" > "$dst" ;;
	*.ko) cp "$moddir/$rel" "$dst" ;;
	*) die "unknown module file $rel" ;;
	esac
	for d in $(modinfo -F depends "$dst" | tr ',' ' '); do
		take_mod "$d" required
	done
	# Soft dependencies ("pre: a b post: c") are taken when they exist.
	for d in $(modinfo -F softdep "$dst" | tr ' ' '\n' | grep -v ':$' || true); do
		take_mod "$d" optional
	done
}
for m in $mods_required; do
	take_mod "$m" required
	[ -n "${builtin[$m]:-}" ] || modorder+=("$m")
done
for m in $mods_optional; do
	take_mod "$m" optional
	[ -z "${modtaken[$m]:-}" ] || modorder+=("$m")
done
for f in modules.order modules.builtin modules.builtin.modinfo; do
	[ ! -f "$moddir/$f" ] || cp "$moddir/$f" "$kmods/"
done
depmod -b "$root" "$kver" || die "depmod failed for $kver"
for m in "${modorder[@]}"; do
	case " $mods_noload " in *" $m "*) ;; *) echo "$m" ;; esac
done > "$root/etc/guest-modules"

cp "$here/init.sh" "$root/init"
chmod 755 "$root/init"
cp "$here/guest-lib.sh" "$root/usr/share/guest/lib.sh"
{
	echo "arch=$arch"
	echo "kernel=$kver"
	for p in "${kept[@]}"; do
		echo "pkg=$(basename "${deb[$p]}" .deb)"
	done
} > "$root/etc/guest-release"

(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -9n > "$tmp/initramfs.cpio.gz"
cp "$vmlinuz" "$tmp/vmlinuz"
rm -rf "$out/firmware"
if [ -n "$fwfiles" ]; then
	mkdir -p "$out/firmware"
	# shellcheck disable=SC2086 # a list of paths without blanks
	cp $fwfiles "$out/firmware/"
fi
mv "$tmp/vmlinuz" "$out/vmlinuz"
mv "$tmp/initramfs.cpio.gz" "$out/initramfs.cpio.gz"
cp "$stamp" "$out/stamp"
echo "$key" > "$out/stamp.key"
log "done: $out/vmlinuz $out/initramfs.cpio.gz ($(du -k "$out/initramfs.cpio.gz" | cut -f1) KiB; modules: ${modorder[*]})"
