#!/usr/bin/env bats
# cgbind-layouts: v2migrate
# containerd's checkpoints with `ctr` (Debian 12's containerd 1.6): a
# checkpoint image (`ctr containers checkpoint --task --rw --image`), exported
# as an image archive (`ctr images export`), the unit that registries and
# Kubernetes move; imported into the containerd of a freshly booted machine
# (`ctr images import`) and restored there (`ctr containers restore --live
# --rw`). Two VM boots, as checkpoint-migrate.bats: "machine A" writes into
# $CGBIND_VM_OUT, "machine B" reads $CGBIND_MIGRATE_DIR. cgbind is CRIU's
# action-script (/etc/criu/runc.conf); runc, run by containerd's shim, finds
# `criu` through PATH, and the test puts a CRIU >= 3.19 first there
# (/usr/local/sbin/criu). The image is an OCI archive made from a busybox
# rootfs (no registry).

load helpers
load checkpoint-helpers
load engines-helpers

CT_REF=docker.io/cgbind/checkpoint:1

c() {
    ctr -a "$CT_ROOT/c.sock" "$@"
}

setup_file() {
    criu_setup_file
    command -v containerd >/dev/null || { echo "containerd is not installed" >&2; return 1; }
    criu_on_path
    export CT_ROOT=$BATS_FILE_TMPDIR/containerd
    containerd_start "$CT_ROOT"
}

teardown_file() {
    c task kill -s KILL cgbind-ct >/dev/null 2>&1 || true
    sleep 0.5
    c task rm -f cgbind-ct >/dev/null 2>&1 || true
    c containers rm cgbind-ct >/dev/null 2>&1 || true
    containerd_stop "$CT_ROOT"
    criu_off_path
}

setup() {
    trace_failures_only
    machine_setup
}

@test "machine A: ctr checkpoint into an image, exported as an image archive" {
    local out=$CGBIND_VM_OUT/containerd r=$BATS_TEST_TMPDIR/rootfs t0 pid
    mkdir -p "$out"
    busybox_rootfs "$r" sh cat echo mkdir sleep touch
    oci_archive "$r" "$BATS_TEST_TMPDIR/busybox.tar" docker.io/cgbind/busybox:1
    c images import "$BATS_TEST_TMPDIR/busybox.tar"
    # ctr's default spec has no /sys/fs/cgroup mount and no cgroup
    # namespace (the workload found an empty directory of sysfs there, and
    # its first mkdir failed): the mount is asked for, and a namespace of
    # its own (a --with-ns entry with no path is a new namespace, as in the
    # OCI spec), so that runc mounts the container's cgroup there, as
    # Docker's --cgroupns private does. privileged: the mount writable.
    run c run -d --privileged --cgroup /default/cgbind-ct --with-ns cgroup: \
        --mount type=cgroup,src=cgroup,dst=/sys/fs/cgroup,options=rw:nosuid:nodev:noexec \
        docker.io/cgbind/busybox:1 cgbind-ct sh -c "$(eng_workload)"
    echo "$output"
    [ "$status" -eq 0 ]
    pid=$(c task ls | awk '$1 == "cgbind-ct" { print $2 }')
    local i
    for ((i = 0; i < 600; i++)); do
        [ ! -e "/proc/$pid/root/built" ] || break
        sleep 0.5
    done
    [ -e "/proc/$pid/root/built" ] || { c task ls; grep cgroup "/proc/$pid/mountinfo"; cat "/proc/$pid/cgroup"; }
    [ -e "/proc/$pid/root/built" ]
    t0=$(now_ms)
    run c containers checkpoint --task --rw --image cgbind-ct "$CT_REF"
    echo "$output"
    [ "$status" -eq 0 ]
    note "ctr containers checkpoint on machine A: $(($(now_ms) - t0)) ms"
    # --skip-manifest-json: Docker's manifest.json has no place for a
    # checkpoint (ctr reads the checkpoint's blobs as manifests and fails)
    c images export --skip-manifest-json "$out/ck.tar" "$CT_REF"
    # the base image goes with it, as a registry would hold it: the restore
    # takes the rootfs from it, by the name the checkpoint records
    cp "$BATS_TEST_TMPDIR/busybox.tar" "$out/busybox.tar"
    uname -r >"$out/kernel"
}

@test "machine B: ctr images import, containers restore --live: the tree and its limits are back" {
    local in=$CGBIND_MIGRATE_DIR/containerd t0 pid
    c images import "$in/busybox.tar"
    # the checkpoint needs no snapshot of its own
    c images import --no-unpack "$in/ck.tar"
    t0=$(now_ms)
    run c containers restore --live --rw cgbind-ct "$CT_REF"
    echo "$output"
    [ "$status" -eq 0 ]
    local t_restore=$(($(now_ms) - t0))
    pid=$(c task ls | awk '$1 == "cgbind-ct" { print $2 }')
    [[ $(pid_cg_dir "$pid" "") == /sys/fs/cgroup/default/cgbind-ct/init.scope ]]
    # the image cgbind saved, from the checkpoint archive
    local img=$BATS_TEST_TMPDIR/img
    mkdir -p "$img"
    tar -xf "$in/ck.tar" -C "$img"
    local f
    for f in "$img"/blobs/sha256/*; do
        tar -xOf "$f" --wildcards '*cgbind.json' >"$img/cgbind.json" 2>/dev/null && [ -s "$img/cgbind.json" ] && break
    done
    [ -s "$img/cgbind.json" ]
    score_against "$img/cgbind.json" "$pid" || { echo "missing: $MISSING"; false; }
    note "containerd, machine A ($(cat "$in/kernel")) to B ($(uname -r)): $SCORE back; restore $t_restore ms"
    local c1
    c1=$(cat /proc/"$pid"/root/count)
    wait_for "[ \"\$(cat /proc/$pid/root/count)\" -gt ${c1:-0} ]"
}
