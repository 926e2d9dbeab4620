#!/usr/bin/env bash
# Run a command as root inside a throw-away Debian VM with a pure cgroup v1
# or pure cgroup v2 layout, or cgroup v2 with systemd as PID 1, and exit
# with the command's status.
#
# Usage: test/vm/run.sh --layout v1|v2|v2-systemd [options] -- CMD [ARGS...]
#
# Options:
#   --layout L         the guest (required): v1 or v2 (a shell script is
#                      PID 1 and mounts the layout), v2-systemd (Debian's
#                      systemd is PID 1 on cgroup v2, dbus runs; CMD runs
#                      in a service once multi-user.target is reached)
#   --mem MiB          guest RAM (default 2048)
#   --cpus N           guest vCPUs (default 2)
#   --timeout SEC      kill the VM after SEC seconds (default 900); exit 124
#   --env NAME=VALUE   set a variable for CMD (repeatable; CMD otherwise gets
#                      only PATH, HOME=/root, USER, LANG, TERM and CGBIND_VM_*)
#   --out DIR          copy what CMD wrote to $CGBIND_VM_OUT into DIR
#   --keep             keep the host-side I/O dir with the logs (it is kept
#                      anyway when the VM failed, timed out or the guest
#                      kernel logged an oops/warning)
#   --verbose          show guest kernel and set-up messages on stderr
#   --kernel K         default: Debian 12's kernel (6.1); next: Debian's
#                      next release's (13, 6.12), which setup.sh --kernel
#                      next fetches from the archive of the machine's own
#                      apt sources into the cache
#
# The guest's root is the host's root (read-only 9p) under a tmpfs overlay:
# CMD sees the host's files (build dir, runc, bats...) at the same paths and
# runs in the caller's cwd, but its writes stay in the guest. CMD's combined
# stdout/stderr is streamed to this script's stdout.
#
# Exit status: CMD's; 124 on timeout; 125 when the VM failed before CMD
# reported a status; 2 on bad usage.
#
# Environment: CGBIND_VM_CACHE (default /var/cache/cgbind-vm),
# CGBIND_VM_TMPDIR (where the I/O dir is made; default /var/tmp),
# CGBIND_VM_ACCEL (default tcg), CGBIND_VM_SKIP_SETUP=1 (do not run setup.sh),
# CGBIND_VM_APPEND (extra kernel parameters), CGBIND_VM_TIMES=1 (print timings),
# CGBIND_VM_KERNEL (default|next, as --kernel).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${CGBIND_VM_CACHE:-/var/cache/cgbind-vm}
export CGBIND_VM_CACHE=$CACHE

usage() {
	# The header comment above, without the leading "# ".
	awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
	exit 2
}
die() {
	echo "cgbind-vm: error: $*" >&2
	exit 125
}

layout=
mem=2048
cpus=2
tmo=900
keep=0
verbose=${CGBIND_VM_VERBOSE:-0}
outdir=
kernel=${CGBIND_VM_KERNEL:-default}
envs=()
while [ $# -gt 0 ]; do
	case "$1" in
	--layout) layout=${2:-}; shift 2 || usage ;;
	--layout=*) layout=${1#*=}; shift ;;
	--mem) mem=${2:-}; shift 2 || usage ;;
	--mem=*) mem=${1#*=}; shift ;;
	--cpus) cpus=${2:-}; shift 2 || usage ;;
	--cpus=*) cpus=${1#*=}; shift ;;
	--timeout) tmo=${2:-}; shift 2 || usage ;;
	--timeout=*) tmo=${1#*=}; shift ;;
	--env) envs+=("${2:-}"); shift 2 || usage ;;
	--env=*) envs+=("${1#*=}"); shift ;;
	--out) outdir=${2:-}; shift 2 || usage ;;
	--out=*) outdir=${1#*=}; shift ;;
	--keep) keep=1; shift ;;
	--verbose) verbose=1; shift ;;
	--kernel) kernel=${2:-}; shift 2 || usage ;;
	--kernel=*) kernel=${1#*=}; shift ;;
	-h | --help) usage ;;
	--) shift; break ;;
	*) echo "cgbind-vm: unknown option: $1" >&2; usage ;;
	esac
done
case "$layout" in v1 | v2 | v2-systemd) ;; *) echo "cgbind-vm: --layout v1|v2|v2-systemd is required" >&2; usage ;; esac
case "$kernel" in default | next) ;; *) echo "cgbind-vm: --kernel default|next, not '$kernel'" >&2; usage ;; esac
[ $# -gt 0 ] || { echo "cgbind-vm: no command given" >&2; usage; }
for n in "$mem" "$cpus" "$tmo"; do
	case "$n" in '' | *[!0-9]*) echo "cgbind-vm: not a number: '$n'" >&2; usage ;; esac
done
for e in ${envs[@]+"${envs[@]}"}; do
	case "$e" in [A-Za-z_]*=*) ;; *) echo "cgbind-vm: bad --env '$e'" >&2; usage ;; esac
	n=${e%%=*}
	case "$n" in *[!A-Za-z0-9_]*) echo "cgbind-vm: bad --env name '$n'" >&2; usage ;; esac
done

t_start=$(date +%s.%N)

if [ "${CGBIND_VM_SKIP_SETUP:-0}" != 1 ]; then
	"$HERE/setup.sh" --kernel "$kernel" || die "setup.sh failed"
fi
# the next release's kernel: its own files and lock (setup.sh --kernel next)
envfile=$CACHE/vm.env
[ "$kernel" = default ] || envfile=$CACHE/vm-trixie.env
[ -f "$envfile" ] || die "no $envfile; run test/vm/setup.sh --kernel $kernel"
# Hold a shared lock for the whole run so setup.sh cannot replace the
# kernel or its modules (used by the guest over 9p) under a running VM.
exec 9<"$CACHE/.lock"
flock -s 9
if [ "$kernel" = next ]; then
	exec 8<"$CACHE/.lock.trixie"
	flock -s 8
fi
# shellcheck disable=SC1090
. "$envfile"

# Quote a string for POSIX sh: 'it'\''s'.
sq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

tmpbase=${CGBIND_VM_TMPDIR:-/var/tmp}
mkdir -p "$tmpbase"
io=$(mktemp -d "$tmpbase/cgbind-vm.XXXXXX")
chmod 0755 "$io"
qpid=
tailpid=
# Stop qemu: $qpid is the timeout(1) wrapper, qemu.pid qemu itself.
kill_qemu() {
	local sig=$1 p
	for p in "$qpid" "$(cat "$io/qemu.pid" 2>/dev/null || true)"; do
		if [ -n "$p" ]; then kill "-$sig" "$p" 2>/dev/null || true; fi
	done
}
# shellcheck disable=SC2317  # (called from the EXIT trap)
cleanup() {
	if [ -n "$qpid" ]; then kill_qemu TERM; fi
	if [ -n "$tailpid" ]; then kill "$tailpid" 2>/dev/null || true; fi
	# Keep the I/O dir (logs) when asked or when the VM itself failed.
	if [ "$keep" = 1 ] || [ -z "${cmd_rc_ok:-}" ]; then
		echo "cgbind-vm: logs kept in $io" >&2
	else
		rm -rf "$io"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The guest sees the host's files at the same paths; use the physical cwd
# (guest-init.sh checks it against /tmp and /var/tmp).
cwd=$(pwd -P)

# What the guest reads (guest-init.sh sources vm.conf; cmd.sh is run by sh).
cp "$HERE/guest-init.sh" "$io/guest-init.sh"
{
	echo "LAYOUT=$layout"
	echo "KREL=$(sq "$KREL")"
	echo "MODDIR=$(sq "$MODDIR")"
	echo "CWD=$(sq "$cwd")"
	echo "VERBOSE=$verbose"
	echo "TIMES=${CGBIND_VM_TIMES:-0}"
	# Upper layer of the root overlay (RAM-backed, grows on demand).
	echo "ROOT_SIZE=75%"
	echo "TERM_NAME=dumb"
} >"$io/vm.conf"
{
	echo "# generated by test/vm/run.sh"
	for e in ${envs[@]+"${envs[@]}"}; do
		echo "export ${e%%=*}=$(sq "${e#*=}")"
	done
	# (sh's cd reports the reason itself)
	echo "cd $(sq "$cwd") || exit 127"
	printf 'exec'
	for a in "$@"; do printf ' %s' "$(sq "$a")"; done
	printf '\n'
} >"$io/cmd.sh"
: >"$io/output.log"
: >"$io/console.log"
: >"$io/guest.log"

# Kernel command line. In v1 and v2 no systemd runs in the guest; the
# systemd.* switches only tell anything that reads /proc/cmdline which layout
# this is. v2-systemd: systemd reads them (unified hierarchy) and boots
# cgbind-vm.target (guest-init.sh writes it).
# v2: cgroup_no_v1=all, so no controller can be bound to a v1 hierarchy.
# v1: Debian's 6.1 enables the memory controller by default (the
# cgroup_enable=memory switch some distributions need is unknown to it);
# swapaccount=1 keeps swap accounting, i.e. memory.memsw.*, on.
# mitigations=off: speculative-execution workarounds only cost time under
# emulation. panic=-1 + qemu -no-reboot: a guest panic ends qemu at once.
# no_timer_check: on a starved host (many TCG guests on two cores) the
# kernel's IO-APIC timer check can miss its ticks and panic at 0.03 s
# ("IO-APIC + timer doesn't work!"); the check only matters on real boards.
# norandmaps: no address-space randomization, so that every process of a
# binary maps it, and the libraries, at the same addresses: QEMU 7.2's TCG
# finds the code it translated for the last process of that binary (its
# translations are keyed by virtual address) instead of translating it
# again. A process start costs about half as much (/bin/true 102 ms -> 45 ms,
# runc --version 160 -> 85, podman --help 433 -> 280, in a v2 VM alone).
append="console=ttyS0 panic=-1 quiet mitigations=off norandmaps no_timer_check rdinit=/init"
case "$layout" in
v2) append="$append systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all" ;;
v2-systemd) append="$append systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all systemd.show_status=0" ;;
v1) append="$append systemd.unified_cgroup_hierarchy=0 swapaccount=1" ;;
esac
[ "$verbose" = 1 ] && append=${append/ quiet/}
[ -n "${CGBIND_VM_APPEND:-}" ] && append="$append $CGBIND_VM_APPEND"

accel=${CGBIND_VM_ACCEL:-tcg}
qemu=(
	qemu-system-x86_64
	-accel "$accel"
	-machine pc -cpu max -smp "$cpus" -m "$mem"
	-nodefaults -no-user-config -display none -no-reboot
	-kernel "$KERNEL" -initrd "$INITRD" -append "$append"
	# Serial console to a file in the I/O dir (streamed with --verbose).
	-chardev "file,id=con,path=$io/console.log"
	-serial chardev:con
	# The host root, read-only. multidevs=remap keeps inode numbers unique
	# across the host's mount points.
	-virtfs "local,path=/,mount_tag=hostroot,readonly=on,multidevs=remap,security_model=none"
	# The per-run I/O dir: command in, status and logs out.
	-virtfs "local,path=$io,mount_tag=cgbindio,security_model=none"
	-device virtio-rng-pci
	-pidfile "$io/qemu.pid"
)

# timeout(1) is only a backstop in case this script dies without killing
# qemu; the loop below enforces --timeout.
timeout -k 10 $((tmo + 60)) "${qemu[@]}" </dev/null >"$io/qemu.log" 2>&1 &
qpid=$!
# Stream CMD's output; tail exits on its own once qemu is gone.
tail -n +1 -s 0.2 --pid="$qpid" -f "$io/output.log" &
tailpid=$!
if [ "$verbose" = 1 ]; then
	tail -n +1 -s 0.2 --pid="$qpid" -f "$io/console.log" >&2 &
fi

# Enforce --timeout.
timed_out=0
deadline=$(($(date +%s) + tmo))
while kill -0 "$qpid" 2>/dev/null; do
	if [ "$(date +%s)" -ge "$deadline" ]; then
		timed_out=1
		kill_qemu TERM
		sleep 2
		kill_qemu KILL
		break
	fi
	sleep 0.2
done
qrc=0
wait "$qpid" || qrc=$?
qpid=
wait "$tailpid" 2>/dev/null || true
tailpid=
t_end=$(date +%s.%N)

if [ -s "$io/qemu.log" ]; then
	sed 's/^/cgbind-vm: qemu: /' "$io/qemu.log" >&2
fi
# Kernel trouble is worth seeing even when the command passed.
trouble='Oops|BUG:|WARNING:|Kernel panic|blocked for more than'
klogs=("$io/console.log")
[ -f "$io/dmesg.log" ] && klogs+=("$io/dmesg.log")
if grep -Eq "$trouble" "${klogs[@]}"; then
	echo "cgbind-vm: warning: the guest kernel logged problems (see console.log/dmesg.log):" >&2
	{ grep -Eh "$trouble" "${klogs[@]}" || true; } | sort -u | head -n 20 | sed 's/^/cgbind-vm:   /' >&2
	keep=1
fi

show_guest_logs() {
	echo "cgbind-vm: --- guest set-up log ---" >&2
	tail -n 30 "$io/guest.log" >&2 || true
	echo "cgbind-vm: --- guest console (tail) ---" >&2
	tail -n 30 "$io/console.log" >&2 || true
}

if [ "$timed_out" = 1 ]; then
	echo "cgbind-vm: error: timed out after ${tmo}s; VM killed (layout $layout)" >&2
	show_guest_logs
	exit 124
fi
if ! [ -f "$io/rc" ]; then
	echo "cgbind-vm: error: the VM ended (qemu status $qrc) without reporting the command's status" >&2
	show_guest_logs
	exit 125
fi
rc=$(cat "$io/rc")
case "$rc" in '' | *[!0-9]*) die "bad status '$rc' from the guest" ;; esac
if [ -n "$outdir" ]; then
	mkdir -p "$outdir"
	cp -a "$io/out/." "$outdir/"
fi
# Timings for the curious (boot = VM start to CMD start, from guest.log).
if [ "${CGBIND_VM_TIMES:-0}" = 1 ] || [ "$verbose" = 1 ]; then
	boot=$(awk '/running the command/ { gsub(/[][]/, "", $1); print $1; exit }' "$io/guest.log")
	echo "cgbind-vm: layout $layout: guest uptime at CMD start ${boot:-?}s, total $(awk "BEGIN { printf \"%.1f\", $t_end - $t_start }")s" >&2
fi
cmd_rc_ok=1
exit "$rc"
