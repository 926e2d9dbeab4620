#!/usr/bin/env bash
# Provision everything test/vm/run.sh needs: host packages, a Debian kernel
# (extracted into a cache dir, NOT installed into the host's /boot) and a
# busybox initramfs. Idempotent: a second run only checks and exits.
#
# Usage: test/vm/setup.sh [--force] [--kernel default|next] [--sd-rootfs]
#
# --kernel next: also provision Debian's next release's kernel (the one its
# linux-image-amd64 depends on, from the archive of this machine's own apt
# sources, as CRIU below) beside the default one: kernel-trixie/, its own
# initramfs and vm-trixie.env (test/vm/run.sh --kernel next). Made once;
# --force makes it again.
#
# Environment:
#   CGBIND_VM_CACHE       cache dir (default /var/cache/cgbind-vm)
#   CGBIND_VM_KERNEL      default|next, as --kernel (default: default)
#   CGBIND_VM_KERNEL_PKG  kernel package to use (default: whatever
#                         linux-image-amd64 depends on, e.g. linux-image-6.1.0-56-amd64)
#
# Needs root when something has to be installed. Runs `apt-get update` by
# itself (at most once) when a package or the kernel cannot be resolved.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${CGBIND_VM_CACHE:-/var/cache/cgbind-vm}
FORCE=0
SDROOT=0
KERNEL_SEL=${CGBIND_VM_KERNEL:-default}
while [ $# -gt 0 ]; do
	case "$1" in
	--force) FORCE=1; shift ;;
	--sd-rootfs) SDROOT=1; shift ;;
	--kernel) KERNEL_SEL=${2:-}; shift 2 || KERNEL_SEL= ;;
	--kernel=*) KERNEL_SEL=${1#*=}; shift ;;
	-h | --help)
		sed -n '2,22p' "$0"
		exit 0
		;;
	*)
		echo "setup.sh: unknown argument: $1" >&2
		exit 2
		;;
	esac
done
case "$KERNEL_SEL" in
default | next) ;;
*)
	echo "setup.sh: --kernel default|next, not '$KERNEL_SEL'" >&2
	exit 2
	;;
esac

export DEBIAN_FRONTEND=noninteractive
# Wait for a dpkg/apt lock held by someone else instead of failing at once.
APT_OPTS=(-q -o DPkg::Lock::Timeout=600)
log() { echo "cgbind-vm setup: $*" >&2; }
die() {
	echo "cgbind-vm setup: error: $*" >&2
	exit 1
}

# Bump when the initramfs layout produced below changes, to force a rebuild.
INITRAMFS_FORMAT=1
# Bump when vm.env or the kernel post-processing changes.
SETUP_FORMAT=2
# Modules the initramfs loads (dependencies are added from modules.dep).
# virtio_pci: the PCI transport for the 9p devices; 9pnet_virtio + 9p: the
# shares; overlay: writable tmpfs layer over the read-only host root;
# virtio_rng: entropy early on (Go programs such as runc read getrandom).
INITRAMFS_MODULES="virtio_pci 9pnet_virtio 9p overlay virtio_rng"

APT_UPDATED=0
apt_update() {
	[ "$APT_UPDATED" = 1 ] && return 0
	[ "$(id -u)" = 0 ] || die "need root to run apt-get update"
	log "apt-get update"
	apt-get "${APT_OPTS[@]}" update >&2 || die "apt-get update failed"
	APT_UPDATED=1
}

pkg_installed() {
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ]
}

# ---------------------------------------------------------------- packages
# qemu-system-x86: the emulator (TCG, no KVM needed); busybox-static: the
# initramfs userland and the guest's PID 1; cpio: to pack the initramfs;
# kmod: depmod for the extracted kernel, and modprobe inside the guest
# (whose root is the host root); xz-utils/zstd would only be needed for
# compressed modules, handled below on demand.
need=()
for p in qemu-system-x86 busybox-static cpio kmod; do
	pkg_installed "$p" || need+=("$p")
done
if [ "${#need[@]}" -gt 0 ]; then
	[ "$(id -u)" = 0 ] || die "missing packages (${need[*]}) and not root"
	log "installing ${need[*]}"
	# Try with the current lists first; a fresh machine has none, so update
	# and retry once on failure.
	if ! apt-get "${APT_OPTS[@]}" install -y --no-install-recommends "${need[@]}" >&2; then
		apt_update
		apt-get "${APT_OPTS[@]}" install -y --no-install-recommends "${need[@]}" >&2
	fi
fi

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"

# ------------------------------------------------------------------ kernel
resolve_kernel_pkg() {
	if [ -n "${CGBIND_VM_KERNEL_PKG:-}" ]; then
		echo "$CGBIND_VM_KERNEL_PKG"
		return
	fi
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}
pkg_version() {
	apt-cache show --no-all-versions "$1" 2>/dev/null | awk '$1 == "Version:" { print $2; exit }'
}

# apt-cache takes ~1 s here; remember its answer for as long as the apt
# lists (and the requested package) stay the same.
LISTS=/var/lib/apt/lists/
eval "$(apt-config shell LISTS Dir::State::Lists/d 2>/dev/null)" || true
apt_sig=$({
	echo "${CGBIND_VM_KERNEL_PKG:-}"
	ls -l --full-time "$LISTS" 2>/dev/null
} | sha256sum | awk '{ print $1 }')
kpkg=
kver=
if [ "$FORCE" = 0 ] && [ -f "$CACHE/apt.sig" ]; then
	read -r sig kpkg kver <"$CACHE/apt.sig" || true
	[ "$sig" = "$apt_sig" ] || { kpkg='' kver=''; }
fi
if [ -z "$kpkg" ] || [ -z "$kver" ]; then
	kpkg=$(resolve_kernel_pkg)
	[ -n "$kpkg" ] && kver=$(pkg_version "$kpkg")
	[ -n "$kpkg" ] && [ -n "$kver" ] && echo "$apt_sig $kpkg $kver" >"$CACHE/apt.sig"
fi
if [ -z "$kpkg" ] || [ -z "$kver" ]; then
	if [ -f "$CACHE/kernel.stamp" ] && [ "$FORCE" = 0 ]; then
		# No usable apt lists (e.g. cleaned), but a kernel is cached: use
		# it rather than hitting the network on every run.
		read -r kpkg kver <"$CACHE/kernel.stamp"
		log "apt cannot resolve the kernel package; using cached $kpkg $kver"
	else
		apt_update
		kpkg=$(resolve_kernel_pkg)
		[ -n "$kpkg" ] || die "cannot resolve the kernel package behind linux-image-amd64"
		kver=$(pkg_version "$kpkg")
		[ -n "$kver" ] || die "no installable version of $kpkg"
	fi
fi

# Compressed module support (Debian 6.1 ships plain .ko, later kernels
# .ko.xz / .ko.zst): only install the tool when it is actually needed.
decompressor_for() {
	case "$1" in
	*.ko.xz) echo "xz-utils xz" ;;
	*.ko.zst) echo "zstd zstd" ;;
	*.ko.gz) echo "gzip gzip" ;;
	*) echo "" ;;
	esac
}

# Everything below is checked under a shared lock (cheap, lets parallel
# run.sh invocations proceed) and rebuilt under an exclusive one.
up_to_date() {
	local key
	[ "$FORCE" = 0 ] || return 1
	[ -f "$CACHE/kernel.stamp" ] && [ "$(cat "$CACHE/kernel.stamp")" = "$kpkg $kver" ] || return 1
	[ -f "$CACHE/vm.env" ] && grep -qx "SETUP_FORMAT=$SETUP_FORMAT" "$CACHE/vm.env" || return 1
	key=$(initramfs_key "$kpkg $kver") || return 1
	[ -f "$CACHE/initramfs.stamp" ] && [ "$(cat "$CACHE/initramfs.stamp")" = "$key" ] || return 1
	[ -f "$CACHE/initramfs.cpio.gz" ] || return 1
	criu_up_to_date && { [ "$SDROOT" = 0 ] || sdroot_up_to_date; }
}

# ------------------------------------------------------- CRIU >= 3.19
# Debian 12's CRIU 3.17 cannot run an action-script under runc (it aborts
# with "BUG at criu/action-scripts.c:172"; fixed in CRIU 3.19), and cgbind's
# checkpoint suites need one. They run Debian 13's CRIU instead: the criu
# package and the packages of its shared-library closure (libc6 included)
# are downloaded from Debian 13 with a private apt configuration, unpacked
# into $CACHE/criu-trixie, and started through Debian 13's own loader by the
# wrapper $CACHE/criu-trixie/criu (runc --criu takes its path). Nothing is
# installed on the host. Made once; --force makes it again.
CRIU_FORMAT=1
CRIU_SUITE=trixie
# The Debian archive this machine uses, from its own apt sources: the first
# "deb" entry, one-line (/etc/apt/sources.list, sources.list.d/*.list) or
# deb822 (sources.list.d/*.sources), for the host's release with "main". No
# archive's address is written in cgbind: it is the machine's to choose.
apt_archive_uri() {
	local codename f
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	[ -n "$codename" ] || return 1
	{
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -f "$f" ] || continue
			awk -v c="$codename" '
			{ sub(/#.*/, ""); sub(/\[[^]]*\]/, "") }
			$1 == "deb" && $3 == c { for (i = 4; i <= NF; i++) if ($i == "main") { print $2; exit } }
			' "$f"
		done
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -f "$f" ] || continue
			awk -v c="$codename" '
			function has(list, w,  n, a, i) { n = split(list, a, /[ \t]+/); for (i = 1; i <= n; i++) if (a[i] == w) return 1; return 0 }
			function flush(  u) {
				if (has(v["types"], "deb") && has(v["suites"], c) && has(v["components"], "main") &&
				    tolower(v["enabled"]) !~ /^[ \t]*no/) { split(v["uris"], u, /[ \t]+/); print u[2]; exit }
				delete v; key = ""
			}
			/^#/ { next }
			/^[ \t]*$/ { flush(); next }
			/^[ \t]/ { if (key != "") v[key] = v[key] " " $0; next }
			# every value begins with a space: the first word of a list is its second field
			{ key = tolower(substr($0, 1, index($0, ":") - 1)); v[key] = " " substr($0, index($0, ":") + 1) }
			END { flush() }
			' "$f"
		done
	} | sed -n 's/^[ \t]*//; s,/*$,,; 1p'
}
# suite_apt DIR SUITE: a private apt configuration in DIR ($DIR/apt.conf)
# for Debian SUITE's main, from the archive above, its lists updated. It
# reads no host source and no dpkg status: what it downloads is SUITE's.
suite_apt() {
	local a=$1 suite=$2 uri
	rm -rf "$a"
	mkdir -p "$a/lists/partial" "$a/cache/archives/partial"
	uri=$(apt_archive_uri)
	[ -n "$uri" ] || die "no Debian archive for this release in the apt sources (/etc/apt/sources.list, sources.list.d/*.list and *.sources)"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main" >"$a/sources.list"
	printf '%s\n' "Dir::Etc::SourceList \"$a/sources.list\";" 'Dir::Etc::SourceParts "/nonexistent";' \
		"Dir::State::Lists \"$a/lists\";" "Dir::Cache \"$a/cache\";" 'Dir::State::status "/dev/null";' \
		'APT::Architecture "amd64";' 'APT::Architectures "amd64";' 'Acquire::Languages "none";' >"$a/apt.conf"
	APT_CONFIG=$a/apt.conf apt-get "${APT_OPTS[@]}" update >&2 || die "apt-get update ($suite) failed"
}
# apt_download [-c DIR] PKG...: the packages into a new temporary directory
# under $CACHE (printed), from the machine's own apt sources, or with -c
# through the private configuration suite_apt made in DIR
apt_download() {
	local conf=() dl
	if [ "$1" = -c ]; then
		conf=("APT_CONFIG=$2/apt.conf")
		shift 2
	fi
	dl=$(mktemp -d "$CACHE/dl.XXXXXX")
	# apt-get download drops privileges to _apt when it can write the
	# target dir; give it the dir to avoid the "unsandboxed" warning.
	if id _apt >/dev/null 2>&1; then chown _apt "$dl" 2>/dev/null || true; fi
	(cd "$dl" && env "${conf[@]}" apt-get -q download "$@" >&2) || { rm -rf "$dl"; return 1; }
	echo "$dl"
}
criu_up_to_date() {
	[ "$FORCE" = 0 ] && [ -x "$CACHE/criu-trixie/criu" ] && [ -f "$CACHE/criu-trixie.stamp" ] &&
		[ "$(head -n 1 "$CACHE/criu-trixie.stamp")" = "format $CRIU_FORMAT $CRIU_SUITE" ]
}
build_criu() {
	local a=$CACHE/criu-trixie.apt dl new pkgs v d
	log "fetching criu and its libraries from Debian $CRIU_SUITE"
	suite_apt "$a" "$CRIU_SUITE"
	# criu and everything it depends on (no recommends): its libraries, libc6
	pkgs=$(APT_CONFIG=$a/apt.conf apt-cache depends --recurse --no-recommends --no-suggests \
		--no-conflicts --no-breaks --no-replaces --no-enhances criu | grep -v '^[ <]' | sort -u)
	[ -n "$pkgs" ] || die "cannot resolve criu in Debian $CRIU_SUITE"
	# shellcheck disable=SC2086
	dl=$(apt_download -c "$a" $pkgs) || die "cannot download criu from $CRIU_SUITE"
	new=$CACHE/criu-trixie.new
	rm -rf "$new"
	mkdir -p "$new"
	for d in "$dl"/*.deb; do dpkg-deb -x "$d" "$new"; done
	rm -rf "$dl" "$a"
	[ -x "$new/usr/sbin/criu" ] && [ -e "$new/usr/lib64/ld-linux-x86-64.so.2" ] ||
		die "no criu or no loader in the $CRIU_SUITE packages"
	printf '%s\n' '#!/bin/sh' "# Debian $CRIU_SUITE's criu, run with its own loader and libraries (test/vm/setup.sh)" \
		'd=${0%/*}' \
		'exec "$d/usr/lib64/ld-linux-x86-64.so.2" --library-path "$d/usr/lib/x86_64-linux-gnu" "$d/usr/sbin/criu" "$@"' \
		>"$new/criu"
	chmod 0755 "$new/criu"
	v=$("$new/criu" --version | awk '$1 == "Version:" { print $2 }')
	case "$v" in
	3.19* | 3.[2-9][0-9]* | [4-9].*) ;;
	*) die "criu from $CRIU_SUITE is '$v', not >= 3.19" ;;
	esac
	rm -rf "$CACHE/criu-trixie"
	mv "$new" "$CACHE/criu-trixie"
	printf 'format %s %s\ncriu %s\n%s\n' "$CRIU_FORMAT" "$CRIU_SUITE" "$v" "$pkgs" >"$CACHE/criu-trixie.stamp"
}

# ------------------------------------------- a root file system with systemd
# For the suites whose container's init is systemd (systemd-init.bats): this
# release's systemd, systemd-sysv and busybox-static with the packages of
# their dependency closure (no recommends), downloaded from the machine's
# own apt sources and unpacked with dpkg-deb -x (no maintainer script runs),
# plus what those scripts would have made: the users and groups, the
# busybox applets the tests call, multi-user.target as the default and one
# enabled service, work.service (busybox sleep), whose limits the tests set.
# Packed as $CACHE/sd-rootfs.tar for `podman import` (systemd-init.bats).
# Made only with --sd-rootfs (test/run.sh passes it for the v2-systemd
# layouts), once; --force makes it again.
SDROOT_FORMAT=1
SDROOT_PKGS="systemd systemd-sysv busybox-static"
sdroot_up_to_date() {
	[ "$FORCE" = 0 ] && [ -f "$CACHE/sd-rootfs.tar" ] && [ -f "$CACHE/sd-rootfs.stamp" ] &&
		[ "$(head -n 1 "$CACHE/sd-rootfs.stamp")" = "format $SDROOT_FORMAT $SDROOT_PKGS" ]
}
# the packages SDROOT_PKGS need, no recommends
sdroot_closure() {
	# shellcheck disable=SC2086 # the package names, one word each
	apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
		--no-replaces --no-enhances $SDROOT_PKGS | grep -v '^[ <]' | sort -u
}
build_sdroot() {
	local dl new pkgs d a
	log "building the systemd root file system ($SDROOT_PKGS)"
	pkgs=$(sdroot_closure)
	[ -n "$pkgs" ] || { apt_update && pkgs=$(sdroot_closure); }
	[ -n "$pkgs" ] || die "cannot resolve $SDROOT_PKGS"
	# shellcheck disable=SC2086 # the package names, one word each
	dl=$(apt_download $pkgs) || { apt_update && dl=$(apt_download $pkgs); } || die "cannot download $SDROOT_PKGS"
	new=$(mktemp -d "$CACHE/sd-rootfs.XXXXXX")
	chmod 0755 "$new"
	for d in "$dl"/*.deb; do dpkg-deb -x "$d" "$new"; done
	rm -rf "$dl"
	[ -x "$new/lib/systemd/systemd" ] && [ -x "$new/bin/busybox" ] || die "no systemd or no busybox in the packages"
	mkdir -p "$new/etc/systemd/system/multi-user.target.wants" "$new/root" "$new/tmp" "$new/run" \
		"$new/var/log/journal" "$new/proc" "$new/sys" "$new/dev"
	chmod 1777 "$new/tmp"
	for a in sh cat cut tr echo sleep mkdir ls grep sed head tail wc; do
		[ -e "$new/bin/$a" ] || ln -s busybox "$new/bin/$a"
	done
	printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$new/etc/passwd"
	printf '%s\n' 'root:x:0:' 'systemd-journal:x:101:' 'nogroup:x:65534:' >"$new/etc/group"
	printf '%s\n' 'root:*:19000:0:99999:7:::' 'nobody:*:19000:0:99999:7:::' >"$new/etc/shadow"
	chmod 0640 "$new/etc/shadow"
	printf '%s\n' 'PRETTY_NAME="cgbind systemd test root"' 'ID=debian' >"$new/etc/os-release"
	: >"$new/etc/machine-id"
	ln -sf /lib/systemd/system/multi-user.target "$new/etc/systemd/system/default.target"
	printf '%s\n' '[Unit]' 'Description=cgbind test workload' '[Service]' 'ExecStart=/bin/busybox sleep 1000000' \
		'[Install]' 'WantedBy=multi-user.target' >"$new/etc/systemd/system/work.service"
	ln -s ../work.service "$new/etc/systemd/system/multi-user.target.wants/work.service"
	tar -C "$new" --numeric-owner --owner=0 --group=0 -cf "$CACHE/sd-rootfs.tar.new" .
	rm -rf "$new"
	mv "$CACHE/sd-rootfs.tar.new" "$CACHE/sd-rootfs.tar"
	printf 'format %s %s\n%s\n' "$SDROOT_FORMAT" "$SDROOT_PKGS" "$pkgs" >"$CACHE/sd-rootfs.stamp"
}

# ------------------------------------------------- one kernel, one boot
# What follows is done the same way for the default kernel and for the
# next release's: a kernel package unpacked into a directory KDIR, its
# modules' release KREL, a vmlinux to boot, an initramfs with KREL's own
# modules, and the env file run.sh reads.

# The initramfs depends on: its /init, the busybox binary, the kernel and
# the module set, and the format version above. KIDENT: "package version".
initramfs_key() {
	{
		echo "format $INITRAMFS_FORMAT"
		echo "modules $INITRAMFS_MODULES"
		echo "kernel $1"
		sha256sum "$HERE/initramfs-init.sh" /bin/busybox | awk '{ print $1 }'
	} | sha256sum | awk '{ print $1 }'
}

# kernel_modules_dir KDIR: where the package put lib/modules/KREL (Debian
# 12: lib/modules; Debian 13's kernels: usr/lib/modules)
kernel_modules_dir() {
	if [ -d "$1/lib/modules" ] && [ ! -L "$1/lib" ]; then
		echo "$1/lib/modules"
	elif [ -d "$1/usr/lib/modules" ]; then
		echo "$1/usr/lib/modules"
	fi
}

# unpack_kernel DEB KDIR: the package unpacked into KDIR (replaced), with
# its modules.dep. Prints KREL.
unpack_kernel() {
	local deb=$1 kdir=$2 new=$2.new mods krel
	rm -rf "$new"
	mkdir -p "$new"
	dpkg-deb -x "$deb" "$new"
	mods=$(kernel_modules_dir "$new")
	[ -n "$mods" ] || die "no modules directory in $(basename "$deb")"
	krel=$(ls "$mods")
	if [ -z "$krel" ] || [ "$(echo "$krel" | wc -l)" != 1 ]; then
		die "unexpected module dirs in $(basename "$deb"): $krel"
	fi
	[ -f "$new/boot/vmlinuz-$krel" ] || die "no vmlinuz-$krel in $(basename "$deb")"
	# depmod -b and modprobe -d look under BASE/lib/modules: a merged-/usr
	# package (modules in usr/lib/modules only) gets the link /usr gives
	[ -d "$new/lib/modules" ] || ln -s usr/lib "$new/lib"
	# The package ships no modules.dep (its postinst runs depmod).
	depmod -b "$new" "$krel"
	rm -rf "$kdir"
	mv "$new" "$kdir"
	echo "$krel"
}

# Under TCG, SeaBIOS plus the bzImage decompressing itself cost ~3.5 s per
# boot. qemu can instead load the uncompressed ELF vmlinux directly through
# the PVH entry point (CONFIG_PVH): unpack it once here. The bzImage setup
# header says where the compressed payload is: setup_sects at 0x1f1,
# payload_offset/payload_length at 0x248/0x24c (relative to the start of the
# protected-mode code, (setup_sects + 1) * 512).
u8() { od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' '; }
u32() { od -An -tu4 -j "$2" -N 4 "$1" | tr -d ' '; }
extract_vmlinux() {
	local bz=$1 out=$2 ss base off len magic tool pkg
	ss=$(u8 "$bz" $((0x1f1)))
	[ "$ss" -ne 0 ] || ss=4
	base=$(((ss + 1) * 512))
	off=$(u32 "$bz" $((0x248)))
	len=$(u32 "$bz" $((0x24c)))
	magic=$(od -An -tx1 -j $((base + off)) -N 4 "$bz" | tr -d ' ')
	case "$magic" in
	fd377a58) pkg=xz-utils tool="xz -dc --single-stream" ;;
	1f8b*) pkg=gzip tool="gzip -dc" ;;
	28b52ffd) pkg=zstd tool="zstd -dc" ;;
	*) return 1 ;;
	esac
	if ! command -v "${tool%% *}" >/dev/null; then
		apt-get "${APT_OPTS[@]}" install -y --no-install-recommends "$pkg" >&2 ||
			{ apt_update && apt-get "${APT_OPTS[@]}" install -y --no-install-recommends "$pkg" >&2; } || return 1
	fi
	# The payload ends with a 4-byte size trailer: decoders must ignore it.
	tail -c +$((base + off + 1)) "$bz" | head -c "$len" | $tool >"$out.new" 2>/dev/null || true
	[ "$(od -An -tx1 -N 4 "$out.new" | tr -d ' ')" = 7f454c46 ] || return 1
	mv "$out.new" "$out"
}
# boot_image KDIR KREL: the image qemu boots (printed): the vmlinux when
# the kernel has PVH and it could be unpacked, else the bzImage
boot_image() {
	local kdir=$1 krel=$2 vmlinux=$1/boot/vmlinux-$2 bz=$1/boot/vmlinuz-$2
	if grep -q '^CONFIG_PVH=y' "$kdir/boot/config-$krel" 2>/dev/null; then
		if [ -f "$vmlinux" ] || extract_vmlinux "$bz" "$vmlinux"; then
			echo "$vmlinux"
			return
		fi
		rm -f "$vmlinux.new"
		log "warning: cannot unpack vmlinux-$krel; booting the bzImage (slower)"
	fi
	echo "$bz"
}

# build_initramfs KDIR KREL KEY OUT: the busybox initramfs with KREL's own
# modules (INITRAMFS_MODULES and what they depend on, unpacked when the
# kernel ships them compressed), when KEY differs from OUT's stamp
# (OUT.stamp: for OUT=$CACHE/initramfs.cpio.gz, $CACHE/initramfs.stamp)
build_initramfs() {
	local kdir=$1 krel=$2 key=$3 out=$4 stamp=${4%.cpio.gz}.stamp stage a name dpkg dtool
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ] && [ -f "$out" ]; then
		return 0
	fi
	log "building initramfs for $krel"
	stage=$(mktemp -d "$CACHE/initramfs.XXXXXX")
	mkdir -p "$stage"/{bin,dev,proc,sys,modules}
	cp /bin/busybox "$stage/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -s busybox "$stage/bin/$a"
	done
	install -m 0755 "$HERE/initramfs-init.sh" "$stage/init"
	# Resolve load order with modprobe against the extracted tree; it prints
	# "insmod /path" lines, dependencies first. Keep the first occurrence.
	: >"$stage/modules.list"
	for m in $INITRAMFS_MODULES; do
		modprobe -d "$kdir" -S "$krel" --show-depends "$m" |
			awk '$1 == "insmod" { print $2 }'
	done | awk '!seen[$0]++' | while read -r ko; do
		name=$(basename "$ko")
		read -r dpkg dtool <<<"$(decompressor_for "$ko")"
		if [ -n "$dtool" ]; then
			if ! command -v "$dtool" >/dev/null; then
				[ "$(id -u)" = 0 ] || die "need $dpkg to unpack $name"
				apt-get "${APT_OPTS[@]}" install -y --no-install-recommends "$dpkg" >&2 ||
					{ apt_update && apt-get "${APT_OPTS[@]}" install -y --no-install-recommends "$dpkg" >&2; }
			fi
			name=${name%.*}
			"$dtool" -dc "$ko" >"$stage/modules/$name"
		else
			cp "$ko" "$stage/modules/$name"
		fi
		echo "$name" >>"$stage/modules.list"
	done
	[ -s "$stage/modules.list" ] || die "no modules resolved for $krel"
	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc --reproducible -R 0:0 | gzip -n -1) >"$out.new"
	mv "$out.new" "$out"
	rm -rf "$stage"
	echo "$key" >"$stamp"
}

# write_env FILE KREL KERNEL INITRD MODDIR: what run.sh reads. The guest
# bind-mounts MODDIR (seen through the 9p host root) onto /lib/modules/KREL
# so modprobe works after switch_root.
write_env() {
	cat >"$1.new" <<ENV
KREL=$2
SETUP_FORMAT=$SETUP_FORMAT
KERNEL=$3
INITRD=$4
MODDIR=$5
ENV
	mv "$1.new" "$1"
}

# ------------------------------------------------------ the default kernel
provision_default() {
	local dl krel boot_kernel
	flock -s 9
	up_to_date && return 0
	flock -u 9
	flock -x 9
	# Someone else may have rebuilt while we waited for the lock.
	up_to_date && return 0

	# (Re)extract the kernel when the package version changed.
	if [ "$FORCE" = 1 ] || ! [ -f "$CACHE/kernel.stamp" ] ||
		[ "$(cat "$CACHE/kernel.stamp")" != "$kpkg $kver" ]; then
		log "fetching $kpkg $kver"
		if ! dl=$(apt_download "$kpkg=$kver"); then
			# Stale lists may point to a version the mirror no longer has.
			apt_update
			kver=$(pkg_version "$kpkg")
			dl=$(apt_download "$kpkg=$kver") || die "cannot download $kpkg"
		fi
		unpack_kernel "$dl"/*.deb "$CACHE/kernel" >/dev/null
		rm -rf "$dl"
		echo "$kpkg $kver" >"$CACHE/kernel.stamp"
		rm -f "$CACHE/initramfs.stamp"
	fi

	criu_up_to_date || build_criu
	[ "$SDROOT" = 0 ] || sdroot_up_to_date || build_sdroot

	krel=$(ls "$CACHE/kernel/lib/modules")
	boot_kernel=$(boot_image "$CACHE/kernel" "$krel")
	build_initramfs "$CACHE/kernel" "$krel" "$(initramfs_key "$kpkg $kver")" "$CACHE/initramfs.cpio.gz"
	write_env "$CACHE/vm.env" "$krel" "$boot_kernel" "$CACHE/initramfs.cpio.gz" \
		"$CACHE/kernel/lib/modules/$krel"
	log "ready: kernel $krel ($kpkg $kver) in $CACHE"
}

# --------------------------------------- the next release's kernel (--kernel next)
# Debian 13's linux-image-amd64 (6.12 today), fetched from the archive of
# this machine's own apt sources with the private configuration CRIU's
# fetch uses, into $CACHE/kernel-$NEXT_SUITE; its own initramfs (its modules
# are .ko.xz) and env file. Its own lock ($CACHE/.lock.$NEXT_SUITE, which
# run.sh --kernel next holds shared): making it waits for no VM of the
# default kernel. Made once; --force makes it again.
NEXT_SUITE=$CRIU_SUITE
NEXT_FORMAT=1
next_up_to_date() {
	local n=$CACHE/kernel-$NEXT_SUITE key
	[ "$FORCE" = 0 ] && [ -f "$n.stamp" ] && [ -d "$n" ] || return 1
	[ "$(head -n 1 "$n.stamp")" = "format $NEXT_FORMAT $NEXT_SUITE" ] || return 1
	[ -f "$CACHE/vm-$NEXT_SUITE.env" ] && grep -qx "SETUP_FORMAT=$SETUP_FORMAT" "$CACHE/vm-$NEXT_SUITE.env" || return 1
	key=$(initramfs_key "$(sed -n 2p "$n.stamp")")
	[ -f "$CACHE/initramfs-$NEXT_SUITE.stamp" ] && [ "$(cat "$CACHE/initramfs-$NEXT_SUITE.stamp")" = "$key" ] &&
		[ -f "$CACHE/initramfs-$NEXT_SUITE.cpio.gz" ]
}
provision_next() {
	local n=$CACHE/kernel-$NEXT_SUITE a=$CACHE/kernel-$NEXT_SUITE.apt pkg ver dl krel ident mods
	exec 8>"$CACHE/.lock.$NEXT_SUITE"
	flock -s 8
	next_up_to_date && return 0
	flock -u 8
	flock -x 8
	next_up_to_date && return 0
	if [ "$FORCE" = 1 ] || ! [ -f "$n.stamp" ] || ! [ -d "$n" ] ||
		[ "$(head -n 1 "$n.stamp")" != "format $NEXT_FORMAT $NEXT_SUITE" ]; then
		log "fetching Debian $NEXT_SUITE's kernel"
		suite_apt "$a" "$NEXT_SUITE"
		pkg=$(APT_CONFIG=$a/apt.conf apt-cache depends linux-image-amd64 2>/dev/null |
			awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
		[ -n "$pkg" ] || die "cannot resolve linux-image-amd64 in Debian $NEXT_SUITE"
		ver=$(APT_CONFIG=$a/apt.conf pkg_version "$pkg")
		[ -n "$ver" ] || die "no version of $pkg in Debian $NEXT_SUITE"
		log "fetching $pkg $ver ($NEXT_SUITE)"
		dl=$(apt_download -c "$a" "$pkg=$ver") || die "cannot download $pkg from $NEXT_SUITE"
		krel=$(unpack_kernel "$dl"/*.deb "$n")
		rm -rf "$dl" "$a"
		printf 'format %s %s\n%s %s\n%s\n' "$NEXT_FORMAT" "$NEXT_SUITE" "$pkg" "$ver" "$krel" >"$n.stamp"
		rm -f "$CACHE/initramfs-$NEXT_SUITE.stamp"
	fi
	ident=$(sed -n 2p "$n.stamp")
	krel=$(sed -n 3p "$n.stamp")
	mods=$(kernel_modules_dir "$n")
	build_initramfs "$n" "$krel" "$(initramfs_key "$ident")" "$CACHE/initramfs-$NEXT_SUITE.cpio.gz"
	write_env "$CACHE/vm-$NEXT_SUITE.env" "$krel" "$(boot_image "$n" "$krel")" \
		"$CACHE/initramfs-$NEXT_SUITE.cpio.gz" "$mods/$krel"
	log "ready: Debian $NEXT_SUITE's kernel $krel ($ident) in $CACHE"
}

provision_default
[ "$KERNEL_SEL" = default ] || provision_next
