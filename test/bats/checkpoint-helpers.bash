#!/bin/bash
# Shared by the suites that checkpoint with CRIU (checkpoint*.bats but
# checkpoint-crun, systemd-checkpoint, systemd-import): cgbind as CRIU's
# action-script, with a CRIU >= 3.19 (Debian 12 has 3.17, which aborts when
# runc and an action-script meet: test/vm/setup.sh unpacks Debian 13's into
# /var/cache/cgbind-vm/criu-trixie, and runc runs it with --criu).

CRIU_BIN=${CGBIND_CRIU:-/var/cache/cgbind-vm/criu-trixie/criu}

# criu_setup_file: what every checkpoint suite needs before its first test:
# a CRIU that can run action-scripts, and /etc/criu/runc.conf naming cgbind
# as the action-script, as the installed fragment does (in the VM: writes
# there are thrown away with it). CK_SCRIPT is <dir>/criu-script, a link to
# the binary under test, the name the installed link has.
criu_setup_file() {
    requires root runc vm
    command -v iptables >/dev/null || { echo "CRIU needs iptables to lock the network" >&2; return 1; }
    [ -x "$CRIU_BIN" ] || { echo "no CRIU >= 3.19 at $CRIU_BIN (test/vm/setup.sh makes it)" >&2; return 1; }
    local v
    v=$("$CRIU_BIN" --version | sed -n 's/^Version: //p')
    case "$v" in
    3.19* | 3.[2-9][0-9]* | [4-9].*) ;;
    *) echo "$CRIU_BIN is CRIU '$v', not >= 3.19" >&2; return 1 ;;
    esac
    if [ -e /etc/criu/runc.conf ]; then
        echo "/etc/criu/runc.conf exists already; this suite writes its own" >&2
        return 1
    fi
    export CK_SCRIPT=$BATS_FILE_TMPDIR/criu-script
    ln -sf "$CGBIND" "$CK_SCRIPT"
    mkdir -p /etc/criu
    sed "s|@CRIU_SCRIPT@|$CK_SCRIPT|" "$CGBIND_SRC/contrib/criu/runc.conf.in" >/etc/criu/runc.conf
}

criu_teardown_file() {
    rm -f /etc/criu/runc.conf
}

# one_line_in FILE PATTERN: FILE has lines matching PATTERN, and they are
# all the same line (CRIU runs the script twice at each step).
one_line_in() {
    local n
    n=$(grep -E "$2" "$1" | sort -u | wc -l)
    if [ "$n" != 1 ]; then
        echo "expected one distinct line matching '$2' in $1, got $n:" >&2
        grep -E "$2" "$1" >&2
        return 1
    fi
}

# debug_script: CRIU runs the action-script through a wrapper that adds
# --debug --log $DLOG (the same binary, by the installed name, so that it
# is still CRIU's child): every operation it makes is one log line.
debug_script() {
    DLOG=$BATS_TEST_TMPDIR/script.log
    printf '#!/bin/sh\nexec "%s" --debug --log "%s"\n' "$CK_SCRIPT" "$DLOG" >"$BATS_TEST_TMPDIR/script"
    chmod +x "$BATS_TEST_TMPDIR/script"
    cp /etc/criu/runc.conf "$BATS_TEST_TMPDIR/runc.conf.saved"
    sed "s|@CRIU_SCRIPT@|$BATS_TEST_TMPDIR/script|" "$CGBIND_SRC/contrib/criu/runc.conf.in" >/etc/criu/runc.conf
}

undebug_script() {
    cp "$BATS_TEST_TMPDIR/runc.conf.saved" /etc/criu/runc.conf
}

# ck_copy_setup NAME: the setup of a suite whose setup_file checkpointed
# one container into $BATS_FILE_TMPDIR/ck and left its bundle in
# $BATS_FILE_TMPDIR/bundle: each test restores its own copy of both, CK the
# checkpoint and B the bundle (bundles/NAME, the container's name at the
# checkpoint).
ck_copy_setup() {
    requires root runc vm
    CK=$BATS_TEST_TMPDIR/ck
    cp -a "$BATS_FILE_TMPDIR/ck" "$CK"
    mkdir -p "$BATS_TEST_TMPDIR/bundles"
    B=$BATS_TEST_TMPDIR/bundles/$1
    cp -a "$BATS_FILE_TMPDIR/bundle" "$B"
}

# restore_into ID BUNDLE: runc restore of $CK with the CRIU that runs
# action-scripts, into `run`'s status and output; on a failure, the
# restore log's errors and cgbind's lines follow the output.
restore_into() {
    CONTAINERS+=("$1")
    run bash -c "cd '$2' && $RUNTIME --criu '$CRIU_BIN' restore -d --image-path '$CK' '$1' </dev/null 2>&1"
    # shellcheck disable=SC2154 # output: set by bats' run
    echo "$output"
    # shellcheck disable=SC2154 # status: set by bats' run
    [ "$status" -eq 0 ] || grep -E 'Error|cgbind' "$CK/restore.log" | tail -n 8
}

# pm ARG...: the suites' podman: the cgroupfs manager, vfs storage, events
# in a file, and runc with the CRIU that runs action-scripts (PM, the
# command, for a caller that must exec it: bench/checkpoint.sh times it). A
# suite where systemd is the manager defines its own pm after the load
# (pm_sd_criu).
PM=(podman --storage-driver vfs --cgroup-manager cgroupfs --events-backend file
    --runtime runc --runtime-flag "criu=$CRIU_BIN")
pm() {
    "${PM[@]}" "$@"
}

# pm_sd_criu ARG...: podman with the systemd manager (its default) and runc
# with the CRIU that runs action-scripts; vfs storage (the VM's root is an
# overlay itself)
pm_sd_criu() {
    podman --storage-driver vfs --runtime runc --runtime-flag "criu=$CRIU_BIN" "$@"
}

# pm_apparmor_load ARCHIVE IMAGE: podman loads its AppArmor profile when it
# creates a container, not when it restores one from an archive: the
# checkpointed container ran confined by it (the archive's spec names it),
# and CRIU cannot put the restored tasks into a profile this machine has not
# loaded ("can't write lsm profile -2", then a BUG in the restorer, and
# podman's "container creation timeout"). One container of IMAGE run here
# loads it, as on any machine where podman has run a container before.
pm_apparmor_load() {
    local prof
    prof=$(tar -xOf "$1" spec.dump | grep -o '"apparmorProfile": *"[^"]*"' | sed 's/.*: *"//; s/"$//')
    if [ -n "$prof" ] && [ -f /sys/kernel/security/apparmor/profiles ] &&
        ! grep -q "^$prof " /sys/kernel/security/apparmor/profiles; then
        pm run --rm --network none "$2" sh -c :
        grep -q "^$prof " /sys/kernel/security/apparmor/profiles
        echo "# AppArmor profile $prof loaded by a podman run" >&3
    fi
}

# pm_import_busybox IMAGE APPLET...: a busybox rootfs with those applets in
# $PM_ROOT/rootfs, imported as IMAGE by the suite's pm
pm_import_busybox() {
    local img=$1 a
    shift
    mkdir -p "$PM_ROOT/rootfs/bin"
    cp /bin/busybox "$PM_ROOT/rootfs/bin/"
    for a in "$@"; do ln -sf busybox "$PM_ROOT/rootfs/bin/$a"; done
    pm import - "$img" < <(tar -C "$PM_ROOT/rootfs" -c .) >/dev/null
}

# pm_teardown_file: the suite's pm containers and images removed, and
# criu_teardown_file
pm_teardown_file() {
    pm rm -af >/dev/null 2>&1 || true
    pm rmi -af >/dev/null 2>&1 || true
    criu_teardown_file
}

# criu_on_path: a CRIU >= 3.19 first in PATH (/usr/local/sbin/criu), as an
# admin whose distribution's CRIU is older would do, for the runc that
# containerd's shim runs (it finds `criu` through PATH); criu_off_path
# removes it, and runs criu_teardown_file.
criu_on_path() {
    [ ! -e /usr/local/sbin/criu ] || { echo "/usr/local/sbin/criu exists already" >&2; return 1; }
    printf '#!/bin/sh\nexec %s "$@"\n' "$CRIU_BIN" >/usr/local/sbin/criu
    chmod 0755 /usr/local/sbin/criu
    [ "$(command -v criu)" = /usr/local/sbin/criu ]
}

criu_off_path() {
    rm -f /usr/local/sbin/criu
    criu_teardown_file
}

# counts_on ROOTFS: the workload's loop (/count under ROOTFS: a bundle's
# rootfs, or /proc/<pid>/root) goes on; read from the host, no process in
# the container (the file is empty between its truncation and the write)
counts_on() {
    local a
    wait_for "a=\$(cat '$1/count') && [ -n \"\$a\" ]"
    a=$(cat "$1/count")
    wait_for "[ \"\$(cat '$1/count')\" -gt ${a:-0} ]"
}
