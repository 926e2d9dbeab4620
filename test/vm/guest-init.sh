#!/bin/sh
# Guest side of test/vm/run.sh. run.sh copies this file into the per-run I/O
# share; the initramfs /init runs it as PID 1 (busybox sh):
#
#   stage1 (still in the initramfs): mount the host root read-only over 9p,
#          put a tmpfs overlay on top, switch_root into it.
#   stage2 (PID 1 in the new root): /proc, /sys, /dev..., the cgroup layout,
#          then run the command, return its status, power off.
#
# Layout v2-systemd: stage1 prepares the new root for systemd (a target and
# a service that runs the command once multi-user.target is reached and dbus
# runs, masks for what a test VM does not need) and switch_roots into
# Debian's /lib/systemd/systemd as PID 1. The service runs this script's
# "command" stage, which runs the command like stage2 does and powers off.
#
# Only busybox applets are used here (never the host's tools), so the set-up
# does not depend on what is installed on the host.
set -u

IO=/io
case "${1:-}" in stage2 | command) IO=/run/cgbind-vm/io ;; esac
# shellcheck disable=SC1091  # vm.conf (written by run.sh): LAYOUT KREL MODDIR CWD VERBOSE ROOT_SIZE TERM_NAME
. "$IO/vm.conf"

log() {
	read -r up _ </proc/uptime || up='?'
	echo "[$up] $*" >>"$IO/guest.log"
	[ "$VERBOSE" = 1 ] && echo "cgbind-vm: $*" >/dev/console
	return 0
}
fail() {
	log "FATAL: $*"
	echo "cgbind-vm guest: FATAL: $*" >/dev/console
	sync
	poweroff -f
	sleep 10
}

stage1() {
	log "stage1: initramfs up"
	mkdir -p /lower /rw /newroot
	# cache=loose: the host root is read-only for the guest and is not
	# expected to change during a run, so let the guest cache pages and
	# metadata (execs of bash/runc/bats over 9p are much faster this way).
	mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=262144,cache=loose hostroot /lower ||
		fail "cannot mount the hostroot 9p share"
	mount -t tmpfs -o "mode=0755,size=$ROOT_SIZE" rootrw /rw || fail "tmpfs for the overlay"
	mkdir -p /rw/upper /rw/work
	mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot ||
		fail "cannot mount the overlay root"

	# /run: fresh tmpfs; it also carries the I/O share and busybox across
	# switch_root (the initramfs is emptied by switch_root).
	mount -t tmpfs -o mode=0755,nosuid,nodev,size=20% tmpfs /newroot/run
	mkdir -p /newroot/run/cgbind-vm/io /newroot/run/cgbind-vm/bin
	# The applet links are made in stage2: --install -s links to the path
	# of the running busybox, which must be this copy.
	cp /bin/busybox /newroot/run/cgbind-vm/bin/busybox

	# The guest kernel's modules, from the extracted package in the host's
	# cache (visible through the 9p root), at the path modprobe expects.
	# /lib may be a symlink to usr/lib (merged /usr): mkdir -p follows it.
	if [ -d "/lower$MODDIR" ]; then
		mkdir -p "/newroot/lib/modules/$KREL"
		mount -o bind "/lower$MODDIR" "/newroot/lib/modules/$KREL" ||
			log "warning: cannot bind $MODDIR"
	else
		log "warning: $MODDIR not visible in the guest"
	fi

	[ "$LAYOUT" = v2-systemd ] && systemd_root /newroot
	log "stage1: switch_root"
	mount -o move "$IO" /newroot/run/cgbind-vm/io || fail "cannot move the I/O share"
	for d in dev proc sys; do
		mount -o move "/$d" "/newroot/$d"
	done
	[ "$LAYOUT" = v2-systemd ] && exec switch_root /newroot /lib/systemd/systemd
	exec switch_root /newroot /run/cgbind-vm/bin/busybox sh /run/cgbind-vm/io/guest-init.sh stage2
}

# Units of Debian's systemd a test VM does not need, masked (linked to
# /dev/null in the overlay's /etc/systemd/system) so that boot under TCG is
# quick: consoles and logins, time sync, udev (devtmpfs has the nodes),
# module loading, kernel file systems nobody uses, first-boot and persistent
# state (the root is a throw-away tmpfs overlay).
SYSTEMD_MASK="getty.target getty@tty1.service serial-getty@ttyS0.service console-getty.service
systemd-ask-password-wall.path systemd-ask-password-console.path systemd-initctl.socket
systemd-user-sessions.service systemd-update-utmp.service systemd-update-utmp-runlevel.service
systemd-timesyncd.service systemd-pstore.service systemd-networkd-wait-online.service
systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket
systemd-udev-trigger.service systemd-udev-settle.service
kmod-static-nodes.service systemd-modules-load.service systemd-tmpfiles-setup-dev.service
modprobe@loop.service modprobe@dm_mod.service modprobe@efi_pstore.service
modprobe@fuse.service modprobe@drm.service modprobe@configfs.service
proc-sys-fs-binfmt_misc.automount systemd-binfmt.service sys-fs-fuse-connections.mount
sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount
systemd-remount-fs.service systemd-firstboot.service systemd-machine-id-commit.service
systemd-sysusers.service systemd-journal-flush.service systemd-random-seed.service
systemd-repart.service systemd-pcrphase.service systemd-pcrphase-sysinit.service
systemd-hwdb-update.service systemd-journal-catalog-update.service ldconfig.service
systemd-journald-audit.socket systemd-tmpfiles-clean.timer remote-fs.target"

# systemd_root ROOT: the new root, made ready for systemd as PID 1.
systemd_root() {
	r=$1
	u=$r/etc/systemd/system
	# Fresh /tmp and /var/tmp (tmpfs) before systemd starts, as stage2 does.
	fresh_tmp /tmp "$r"
	fresh_tmp /var/tmp "$r"
	# No host block devices or swap: nothing for the fstab generator.
	echo "# cgbind test VM: no file systems beyond the overlay root" >"$r/etc/fstab"
	echo "cgbind-vm-$LAYOUT" >"$r/etc/hostname"
	# The host may be a container: its marker files would make systemd run
	# in container mode (no kernel set-up of its own, other defaults).
	rm -f "$r/.dockerenv" "$r/run/.containerenv"
	# The host's own enablements (its default.target, services, timers,
	# sockets) stay out: the VM boots what Debian's systemd and dbus
	# packages pull in, into cgbind-vm.target.
	rm -rf "$u"/*.wants "$u"/*.requires "$u/default.target"
	for n in $SYSTEMD_MASK; do
		rm -f "$u/$n"
		ln -s /dev/null "$u/$n"
	done
	mkdir -p "$r/etc/systemd/journald.conf.d" "$r/etc/systemd/system.conf.d"
	printf '%s\n' '[Journal]' 'Storage=volatile' 'ForwardToConsole=no' \
		>"$r/etc/systemd/journald.conf.d/cgbind-vm.conf"
	# The command runs as long as it runs (run.sh enforces --timeout).
	printf '%s\n' '[Manager]' 'DefaultTimeoutStartSec=300s' 'ShowStatus=no' \
		>"$r/etc/systemd/system.conf.d/cgbind-vm.conf"
	cat >"$u/cgbind-vm.target" <<-EOF
		[Unit]
		Description=cgbind test VM: multi-user with dbus, then the command
		Wants=multi-user.target dbus.service cgbind-vm-command.service
		After=multi-user.target dbus.service
		AllowIsolate=yes
	EOF
	cat >"$u/cgbind-vm-command.service" <<-EOF
		[Unit]
		Description=cgbind test VM: the command (test/vm/run.sh)
		Wants=dbus.service
		After=multi-user.target dbus.service
		[Service]
		Type=exec
		ExecStart=/run/cgbind-vm/bin/busybox sh /run/cgbind-vm/io/guest-init.sh command
		StandardInput=null
		StandardOutput=journal
		TimeoutStartSec=infinity
	EOF
	ln -s cgbind-vm.target "$u/default.target"
}

# Mount the v1 hierarchy $1 (comma-separated controllers, as systemd names
# them) with those of its controllers the kernel has; co-mounted ones get a
# symlink per controller. Shell built-ins only: every fork is slow under TCG.
mount_v1() {
	have=
	oifs=$IFS
	IFS=,
	# shellcheck disable=SC2086  # split on the commas
	set -- $1
	IFS=$oifs
	for c in "$@"; do
		case " $V1_AVAIL " in *" $c "*) have="${have:+$have,}$c" ;; esac
	done
	[ -n "$have" ] || return 0
	mkdir -p "/sys/fs/cgroup/$have"
	mount -t cgroup -o "nosuid,nodev,noexec,$have" cgroup "/sys/fs/cgroup/$have" ||
		{ log "warning: cannot mount v1 $have"; return 0; }
	case "$have" in
	*,*)
		IFS=,
		# shellcheck disable=SC2086
		set -- $have
		IFS=$oifs
		for c in "$@"; do ln -s "$have" "/sys/fs/cgroup/$c"; done
		;;
	esac
}

# Mount an empty tmpfs on $1 (/tmp or /var/tmp) of the root $2 (default /).
# If the caller's cwd is below it (a checkout in /tmp/x, say), keep the
# host's top-level dir containing it (/tmp/x, writable through the overlay)
# visible at its path.
fresh_tmp() {
	keep=
	fr=${2:-}
	case "$CWD/" in
	"$1"/?*)
		keep=${CWD#"$1"/}
		keep=${keep%%/*}
		mkdir -p "$fr/run/cgbind-vm/keep"
		mount -o bind "$fr$1/$keep" "$fr/run/cgbind-vm/keep" || keep=
		;;
	esac
	mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs "$fr$1"
	if [ -n "$keep" ]; then
		mkdir -p "$fr$1/$keep"
		mount -o move "$fr/run/cgbind-vm/keep" "$fr$1/$keep"
		log "kept the host's $1/$keep visible over the fresh $1"
	fi
}

setup_cgroups() {
	case "$LAYOUT" in
	v2)
		# Like systemd on a unified host.
		mount -t cgroup2 -o nosuid,nodev,noexec,nsdelegate,memory_recursiveprot cgroup2 /sys/fs/cgroup ||
			fail "cannot mount cgroup2"
		for c in $(cat /sys/fs/cgroup/cgroup.controllers); do
			echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null ||
				log "warning: cannot enable controller $c"
		done
		# PID 1 (and so the command) leaves the root cgroup, as with
		# systemd, so tests can create sibling cgroups and delegate freely.
		mkdir /sys/fs/cgroup/init.scope
		echo $$ >/sys/fs/cgroup/init.scope/cgroup.procs
		;;
	v1)
		# Like systemd's legacy layout (systemd.unified_cgroup_hierarchy=0
		# without the hybrid "unified" mount).
		mount -t tmpfs -o nosuid,nodev,noexec,mode=0755,size=4m tmpfs /sys/fs/cgroup
		# Controllers the kernel has and enables (4th column of /proc/cgroups).
		V1_AVAIL=
		while read -r name _ _ enabled; do
			case "$name" in "#"*) continue ;; esac
			[ "$enabled" = 1 ] && V1_AVAIL="$V1_AVAIL $name"
		done </proc/cgroups
		for h in cpu,cpuacct cpuset memory devices freezer net_cls,net_prio blkio \
			perf_event hugetlb pids rdma misc; do
			mount_v1 "$h"
		done
		mkdir -p /sys/fs/cgroup/systemd
		mount -t cgroup -o nosuid,nodev,noexec,none,name=systemd cgroup /sys/fs/cgroup/systemd ||
			fail "cannot mount the name=systemd hierarchy"
		mkdir /sys/fs/cgroup/systemd/init.scope
		echo $$ >/sys/fs/cgroup/systemd/init.scope/cgroup.procs
		# systemd leaves the tmpfs read-only.
		mount -o remount,ro /sys/fs/cgroup
		;;
	*) fail "unknown layout $LAYOUT" ;;
	esac
}

stage2() {
	/run/cgbind-vm/bin/busybox --install -s /run/cgbind-vm/bin
	export PATH=/run/cgbind-vm/bin
	log "stage2: in the new root"
	# devtmpfs, proc and sysfs were moved here from the initramfs.
	mkdir -p /dev/pts /dev/shm /dev/mqueue /dev/hugepages
	mount -t devpts -o nosuid,noexec,gid=5,mode=0620,ptmxmode=0666 devpts /dev/pts
	mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /dev/shm
	mount -t mqueue -o nosuid,nodev,noexec mqueue /dev/mqueue
	mount -t hugetlbfs -o nosuid,nodev hugetlbfs /dev/hugepages 2>/dev/null || true
	ln -sf /proc/self/fd /dev/fd
	ln -sf /proc/self/fd/0 /dev/stdin
	ln -sf /proc/self/fd/1 /dev/stdout
	ln -sf /proc/self/fd/2 /dev/stderr
	ln -sf /proc/kcore /dev/core
	# Fresh, empty temp dirs (the host's show through the overlay otherwise).
	fresh_tmp /tmp
	fresh_tmp /var/tmp
	# /var/lib, /etc, /root ... are writable through the overlay.
	mkdir -p /run/lock /run/user
	chmod 1777 /run/lock
	mount -t securityfs securityfs /sys/kernel/security 2>/dev/null || true
	mount -t bpf -o mode=0700 bpf /sys/fs/bpf 2>/dev/null || true

	hostname "cgbind-vm-$LAYOUT"
	ip link set lo up || log "warning: cannot bring up lo"
	setup_cgroups
	if [ "$LAYOUT" = v2 ]; then
		log "cgroup2 controllers enabled: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
	else
		log "cgroup v1 hierarchies: $(ls /sys/fs/cgroup | tr '\n' ' ')"
	fi

	run_command
}

# Run cmd.sh, report its status and the kernel log, power off.
run_command() {
	# Keep the kernel from scribbling over the console while the command
	# runs unless asked to (everything is in dmesg.log afterwards).
	[ "$VERBOSE" = 1 ] || dmesg -n 1

	mkdir -p "$IO/out"
	log "running the command"
	# The command's output goes to a file in the share that run.sh streams
	# live; not through a pipe, so stray background processes holding the
	# output open cannot stall the shutdown. env -i: only a sane, fixed
	# environment (cmd.sh adds the caller's --env settings).
	env -i \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root USER=root LOGNAME=root SHELL=/bin/sh LANG=C.UTF-8 \
		TERM="${TERM_NAME:-dumb}" \
		CGBIND_VM=1 CGBIND_VM_LAYOUT="$LAYOUT" CGBIND_VM_OUT="$IO/out" \
		/bin/sh "$IO/cmd.sh" </dev/null >>"$IO/output.log" 2>&1
	rc=$?
	log "command exited with $rc"

	dmesg >"$IO/dmesg.log" 2>/dev/null
	echo "$rc" >"$IO/rc.tmp" && mv "$IO/rc.tmp" "$IO/rc"
	sync
	poweroff -f
	sleep 10
}

# v2-systemd: run by cgbind-vm-command.service once multi-user.target is
# reached and dbus runs (systemd is PID 1).
command_stage() {
	/run/cgbind-vm/bin/busybox --install -s /run/cgbind-vm/bin
	export PATH=/run/cgbind-vm/bin:/usr/bin:/bin
	log "systemd: $(systemctl is-system-running 2>&1); dbus $(systemctl is-active dbus.service 2>&1); multi-user.target $(systemctl is-active multi-user.target 2>&1)"
	failed=$(systemctl list-units --failed --plain --no-legend 2>&1 | cut -d' ' -f1 | tr '\n' ' ')
	[ -z "$failed" ] || log "warning: failed units: $failed"
	if [ "$VERBOSE" = 1 ] || [ "${TIMES:-0}" = 1 ]; then
		log "$(systemd-analyze time 2>&1 | head -n 1)"
	fi
	log "cgroup2 controllers at the root: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
	run_command
}

case "${1:-}" in
stage1) stage1 ;;
stage2) stage2 ;;
command) command_stage ;;
*) echo "usage: guest-init.sh stage1|stage2|command" >&2 ;;
esac
# Reaching here means something went badly wrong; PID 1 exiting panics the
# kernel, which (panic=-1, qemu -no-reboot) ends the VM.
fail "guest-init.sh fell through"
