#!/bin/sh
# /init of the cgbind test VM initramfs (busybox). Built into the initramfs
# by test/vm/setup.sh. Kept deliberately tiny and generic so the initramfs
# rarely needs rebuilding: it loads the virtio/9p/overlay modules, mounts the
# per-run I/O share (9p tag "cgbindio", a temp dir on the host made by
# run.sh) and hands over to the guest-init.sh that run.sh put there.
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

fail() {
	echo "cgbind-vm initramfs: $*" >/dev/console
	# Leave a trace for the host if the share is mounted.
	[ -d /io ] && echo "initramfs: $*" >>/io/guest.log 2>/dev/null
	poweroff -f
}

# modules.list is in dependency order (resolved on the host).
while read -r m; do
	insmod "/modules/$m" || echo "cgbind-vm initramfs: insmod $m failed" >/dev/console
done </modules.list

mkdir -p /io
# The virtio-9p devices are probed synchronously by insmod, but be lenient.
i=0
until mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=none cgbindio /io 2>/dev/null; do
	i=$((i + 1))
	[ "$i" -lt 50 ] || fail "cannot mount the cgbindio 9p share"
	sleep 0.1
done
[ -f /io/guest-init.sh ] || fail "no guest-init.sh in the I/O share"
exec sh /io/guest-init.sh stage1
