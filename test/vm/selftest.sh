#!/usr/bin/env bash
# Self-test of the VM runner: boots each layout and checks, inside the guest,
# the cgroup layout, the tools the test suites need, kernel modules, and that
# a runc busybox container really runs (with memory/pids limits applied).
#
# Usage: test/vm/selftest.sh [v2] [v1] [v2-systemd]      (default: all three)
# Needs runc and busybox-static on the host (the guest's root is the host's).
set -euo pipefail

if [ -z "${CGBIND_VM:-}" ]; then
	# Host side: run this very script in each layout.
	HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	layouts=("$@")
	[ ${#layouts[@]} -gt 0 ] || layouts=(v2 v1 v2-systemd)
	fail=0
	for l in "${layouts[@]}"; do
		echo "=== layout $l"
		start=$(date +%s.%N)
		if CGBIND_VM_TIMES=1 "$HERE/run.sh" --layout "$l" --timeout 300 -- "$HERE/selftest.sh"; then
			res=PASS
		else
			res="FAIL ($?)"
			fail=1
		fi
		echo "=== layout $l: $res in $(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $start }")s"
	done
	exit "$fail"
fi

# ------------------------------------------------------------ guest side
n_ok=0
n_bad=0
ok() {
	echo "ok - $*"
	n_ok=$((n_ok + 1))
}
bad() {
	echo "not ok - $*"
	n_bad=$((n_bad + 1))
}
check() { # check DESCRIPTION CMD...
	local d=$1
	shift
	if out=$("$@" 2>&1); then ok "$d"; else bad "$d: $out"; fi
}

echo "# layout=$CGBIND_VM_LAYOUT kernel=$(uname -r) cwd=$PWD"
echo "# /proc/self/cgroup:"
sed 's/^/#   /' /proc/self/cgroup

check "running as root" test "$(id -u)" = 0
check "HOME is /root" test "$HOME" = /root
check "/tmp is a fresh tmpfs" sh -c 'grep -q " /tmp tmpfs " /proc/mounts'
check "/var/tmp is writable" sh -c 'echo x >/var/tmp/.w && rm /var/tmp/.w'
check "/var/lib is writable" sh -c 'mkdir -p /var/lib/cgbind-vm-test && rmdir /var/lib/cgbind-vm-test'
check "/run is a tmpfs" sh -c 'grep -q " /run tmpfs " /proc/mounts'
check "/dev/pts, /dev/shm, /dev/mqueue mounted" sh -c 'for m in /dev/pts /dev/shm /dev/mqueue; do grep -q " $m " /proc/mounts || exit 1; done'
check "lo is up" sh -c 'grep -q "^1$" /sys/class/net/lo/carrier 2>/dev/null || ip link show lo | grep -q UP'

case "$CGBIND_VM_LAYOUT" in
v2)
	check "cgroup2 at /sys/fs/cgroup" sh -c 'grep -q "^cgroup2 /sys/fs/cgroup cgroup2 " /proc/mounts'
	check "no v1 hierarchies mounted" sh -c '! grep -q " cgroup " /proc/mounts'
	check "in /init.scope" test "$(cat /proc/self/cgroup)" = "0::/init.scope"
	for c in cpu cpuset io memory pids; do
		check "controller $c enabled at the root" grep -qw "$c" /sys/fs/cgroup/cgroup.subtree_control
	done
	echo "# subtree_control: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
	check "sibling cgroup with controllers" sh -c '
		mkdir /sys/fs/cgroup/selftest &&
		echo +memory >/sys/fs/cgroup/selftest/cgroup.subtree_control &&
		mkdir /sys/fs/cgroup/selftest/leaf &&
		sh -c "echo \$\$ >/sys/fs/cgroup/selftest/leaf/cgroup.procs; echo 64M >/sys/fs/cgroup/selftest/leaf/memory.max; true" &&
		rmdir /sys/fs/cgroup/selftest/leaf /sys/fs/cgroup/selftest'
	;;
v2-systemd)
	check "cgroup2 at /sys/fs/cgroup" sh -c 'grep -q "^cgroup2 /sys/fs/cgroup cgroup2 " /proc/mounts'
	check "no v1 hierarchies mounted" sh -c '! grep -q " cgroup " /proc/mounts'
	check "PID 1 is systemd" test "$(cat /proc/1/comm)" = systemd
	check "not in container mode" test "$(systemd-detect-virt --container || true)" = none
	check "multi-user.target reached" systemctl is-active multi-user.target
	check "dbus running" systemctl is-active dbus.service
	check "no failed units" test -z "$(systemctl list-units --failed --plain --no-legend)"
	check "in the command's service" test "$(cat /proc/self/cgroup)" = "0::/system.slice/cgbind-vm-command.service"
	check "busctl reaches systemd over dbus" busctl --system status org.freedesktop.systemd1
	echo "# subtree_control at the root: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
	# a transient scope with limits: systemd enables the controllers on the way
	check "systemd-run --scope with limits" sh -c '
		out=$(systemd-run --quiet --scope --unit=cgbind-selftest -p MemoryMax=64M -p TasksMax=32 -p Delegate=yes \
			sh -c "cat /proc/self/cgroup /sys/fs/cgroup/system.slice/cgbind-selftest.scope/memory.max /sys/fs/cgroup/system.slice/cgbind-selftest.scope/pids.max" 2>&1) &&
		[ "$out" = "$(printf "0::/system.slice/cgbind-selftest.scope\n67108864\n32")" ] || { echo "$out"; false; }'
	;;
v1)
	check "no cgroup2 mounted" sh -c '! grep -q " cgroup2 " /proc/mounts'
	for h in cpu,cpuacct cpuset memory devices freezer net_cls,net_prio blkio perf_event hugetlb pids systemd; do
		check "v1 hierarchy $h" test -f "/sys/fs/cgroup/$h/cgroup.procs"
	done
	for l in cpu cpuacct net_cls net_prio; do
		check "symlink $l" test -L "/sys/fs/cgroup/$l"
	done
	check "memory.memsw.* present" test -f /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes
	check "name=systemd:/init.scope" grep -qx '[0-9]*:name=systemd:/init.scope' /proc/self/cgroup
	;;
*) bad "CGBIND_VM_LAYOUT is '$CGBIND_VM_LAYOUT'" ;;
esac

check "modprobe veth (guest kernel modules)" modprobe veth
check "veth pair" sh -c 'ip link add cgbvm0 type veth peer name cgbvm1 && ip link del cgbvm0'
for t in runc bats; do
	if command -v "$t" >/dev/null; then
		check "$t runs" "$t" --version
	else
		echo "# $t not installed on the host: skipped"
	fi
done
if command -v criu >/dev/null; then
	# Informational only: what CRIU needs is the concern of its own tests.
	echo "# criu check: $(criu check 2>&1 | tail -n 1)"
fi

# A real container: busybox rootfs, memory and pids limits.
if command -v runc >/dev/null && [ -x /bin/busybox ]; then
	b=/var/tmp/b
	rm -rf "$b"
	mkdir -p "$b/rootfs/bin"
	cd "$b"
	cp /bin/busybox rootfs/bin/busybox
	chroot rootfs /bin/busybox --install -s /bin
	runc spec
	# The generated config.json has "terminal": true, "args": ["sh"] and a
	# "resources": { "devices": ... } object; adjust them in place.
	sed -i \
		-e 's/"terminal": true/"terminal": false/' \
		-e 's|^\([[:space:]]*\)"sh"$|\1"/bin/sh", "-c", "cat /proc/self/cgroup; if [ -f /sys/fs/cgroup/memory.max ]; then cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max; else cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max; fi"|' \
		-e 's/"resources": {/"resources": { "memory": { "limit": 67108864 }, "pids": { "limit": 64 },/' \
		config.json
	if out=$(runc run ctr 2>&1); then
		printf '%s\n' "$out" | sed 's/^/#   ctr: /'
		if echo "$out" | grep -qx 67108864 && echo "$out" | grep -qx 64; then
			ok "runc busybox container ran with limits"
		else
			bad "runc container: limits not seen"
		fi
	else
		bad "runc run: $out"
	fi
	# Where it lives from the outside: run detached, look, kill.
	sed -i 's|"/bin/sh", "-c", ".*"$|"/bin/sleep", "30"|' config.json
	if runc run -d ctr2 >/dev/null 2>&1; then
		pid=$(runc state ctr2 | sed -n 's/^[[:space:]]*"pid": \([0-9]*\),*$/\1/p')
		echo "# detached container pid $pid cgroups:"
		sed 's/^/#   /' "/proc/$pid/cgroup"
		runc kill ctr2 KILL || true
		sleep 1
		runc delete -f ctr2 || true
		ok "runc detached container"
	else
		bad "runc run -d"
	fi
	cd /
	rm -rf "$b"
fi

echo "$n_ok passed, $n_bad failed"
[ "$n_bad" = 0 ]
