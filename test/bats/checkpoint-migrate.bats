#!/usr/bin/env bats
# cgbind-layouts: v2migrate
# Migration: a checkpoint made on one machine, restored on another freshly
# booted one of the same layout, which never saw the container. Three VM
# boots in turn (test/run.sh's "@machines" job): the "machine A" tests run in the
# first and leave their checkpoints in $CGBIND_VM_OUT, which test/vm/run.sh
# --out copies to the host; the "machine B" tests run in the second and read
# them from $CGBIND_MIGRATE_DIR (the host's root is shared with the VM); the
# "machine C" tests read the same in a third boot, on Debian's next
# release's kernel (test/vm/run.sh --kernel next: 6.12, machine A runs 6.1),
# and fail when that kernel is machine A's. cgbind is CRIU's action-script
# on every machine (/etc/criu/runc.conf); no cgbind command is
# typed. runc carries its bundle with the checkpoint (CRIU needs the same
# rootfs); podman its export archive and its image (podman save / load).

load helpers
load checkpoint-helpers
load engines-helpers

setup_file() {
    criu_setup_file
}

teardown_file() {
    pm rm -af >/dev/null 2>&1 || true
    criu_teardown_file
}

setup() {
    trace_failures_only
    machine_setup
}

teardown() {
    common_teardown
    pm rm -af >/dev/null 2>&1 || true
}

# the podman workload's tree: made at the first start by the hooks.d hook;
# an annotation's image must lie beneath the hook's --image-dir
PM_IMG_DIR=/run/cgbind-migrate-img
PM_IMG=$PM_IMG_DIR/img.json
pm_hook_setup() {
    [ -d "$PM_IMG_DIR" ] || mkdir -m 0755 "$PM_IMG_DIR"
    pm_tree_image "$PM_IMG"
    mkdir -p /run/cgbind-migrate-hooks
    hooks_d_json /run/cgbind-migrate-hooks/cgbind.json /run/cgbind-migrate-hook.log "$PM_IMG_DIR"
}

@test "machine A: runc checkpoint, the bundle and the checkpoint carried out" {
    local b t0 out=$CGBIND_VM_OUT/runc
    b=$(new_bundle mig "$(eng_workload)")
    run_detached mig "$b"
    wait_for "[ -e '$b/rootfs/built' ]"
    t0=$(now_ms)
    run $RUNTIME --criu "$CRIU_BIN" checkpoint --image-path "$BATS_TEST_TMPDIR/ck" mig
    echo "$output"
    [ "$status" -eq 0 ]
    note "runc checkpoint on machine A: $(($(now_ms) - t0)) ms"
    [ -f "$BATS_TEST_TMPDIR/ck/cgbind.json" ]
    mkdir -p "$out"
    cp -a "$b" "$out/bundle"
    cp -a "$BATS_TEST_TMPDIR/ck" "$out/ck"
    uname -r >"$out/kernel"
}

@test "machine A: podman checkpoint --export, the archive and the image carried out" {
    local out=$CGBIND_VM_OUT/podman r=$BATS_TEST_TMPDIR/rootfs t0
    mkdir -p "$out"
    busybox_rootfs "$r" sh cat echo sleep
    pm import - localhost/cgbind-mig < <(tar -C "$r" -c .) >/dev/null
    pm_hook_setup
    run pm --hooks-dir /run/cgbind-migrate-hooks run -d --name cgbind-mig --network none \
        --annotation io.cgbind.image="$PM_IMG" localhost/cgbind-mig \
        sh -c 'exec >/dev/null 2>&1; n=0; while true; do n=$((n+1)); echo $n > /count; sleep 0.2; done'
    echo "$output"
    [ "$status" -eq 0 ]
    t0=$(now_ms)
    run pm container checkpoint --export "$out/ck.tar" cgbind-mig
    echo "$output"
    [ "$status" -eq 0 ]
    note "podman checkpoint --export on machine A: $(($(now_ms) - t0)) ms"
    tar -tf "$out/ck.tar" | grep -qx 'checkpoint/cgbind.json'
    pm save -o "$out/image.tar" localhost/cgbind-mig >/dev/null
    uname -r >"$out/kernel"
}

# restore_runc_from_a MACHINE: runc restores machine A's checkpoint with its
# bundle on this machine, which never saw the container; the tree and its
# limits counted against the checkpoint's cgbind.json
restore_runc_from_a() {
    local m=$1 in=$CGBIND_MIGRATE_DIR/runc b=$BATS_TEST_TMPDIR/bundle ck=$BATS_TEST_TMPDIR/ck t0 pid c1
    cp -a "$in/bundle" "$b"
    cp -a "$in/ck" "$ck"
    # a machine that never saw the container
    [ ! -d /sys/fs/cgroup/mig ]
    CONTAINERS+=(mig)
    t0=$(now_ms)
    run bash -c "cd '$b' && $RUNTIME --criu '$CRIU_BIN' restore -d --image-path '$ck' mig </dev/null 2>&1"
    echo "$output"
    [ "$status" -eq 0 ] || grep -E 'Error|cgbind' "$ck/restore.log" | tail -n 8
    [ "$status" -eq 0 ]
    pid=$(ctr_pid mig)
    score_against "$ck/cgbind.json" "$pid" || { echo "missing: $MISSING"; false; }
    note "runc, machine A ($(cat "$in/kernel")) to $m ($(uname -r)): $SCORE back; restore $(($(now_ms) - t0)) ms"
    c1=$(cat "$b/rootfs/count")
    wait_for "[ \"\$(cat '$b/rootfs/count')\" -gt $c1 ]"
}

# restore_podman_from_a MACHINE: podman loads machine A's image and restores
# its exported checkpoint under a new name; the tree and its limits counted
# against the cgbind.json in the archive
restore_podman_from_a() {
    local m=$1 in=$CGBIND_MIGRATE_DIR/podman t0 pid top c1
    pm load -i "$in/image.tar" >/dev/null
    note "image loaded"
    pm_apparmor_load "$in/ck.tar" localhost/cgbind-mig
    # the spec in the archive names the hook, its image and its log: here too
    pm_hook_setup
    t0=$(now_ms)
    run timeout 900 podman --storage-driver vfs --cgroup-manager cgroupfs --events-backend file \
        --runtime runc --runtime-flag "criu=$CRIU_BIN" container restore --import "$in/ck.tar" --name cgbind-mig2
    echo "$output"
    [ "$status" -eq 0 ] || grep -hE 'cgbind|Error' /var/lib/containers/storage/vfs-containers/*/userdata/restore.log | tail -n 8
    [ "$status" -eq 0 ]
    # the hook ran during the restore and changed nothing: what came back came through the archive
    grep -q "nothing changed (--skip-busy)" /run/cgbind-migrate-hook.log
    pid=$(pm inspect -f '{{.State.Pid}}' cgbind-mig2)
    top=$(pid_cg_dir "$pid" "")
    [[ $top == *"$(pm inspect -f '{{.Id}}' cgbind-mig2)/init.scope" ]]
    tar -xf "$in/ck.tar" -C "$BATS_TEST_TMPDIR" checkpoint/cgbind.json
    score_against "$BATS_TEST_TMPDIR/checkpoint/cgbind.json" "$pid" || { echo "missing: $MISSING"; false; }
    note "podman, machine A ($(cat "$in/kernel")) to $m ($(uname -r)): $SCORE back; restore --import $(($(now_ms) - t0)) ms"
    wait_for "c1=\$(cat /proc/$pid/root/count) && [ -n \"\$c1\" ]"
    c1=$(cat /proc/"$pid"/root/count)
    wait_for "[ \"\$(cat /proc/$pid/root/count)\" -gt ${c1:-0} ]"
}

# machine C boots Debian's next release's kernel (test/vm/run.sh --kernel
# next): not the kernel machine A checkpointed on, and one whose CRIU
# checks pass
next_kernel_check() {
    local in=$CGBIND_MIGRATE_DIR/$1
    [ "$(uname -r)" != "$(cat "$in/kernel")" ] || { echo "machine C runs machine A's kernel $(uname -r)"; false; }
    run "$CRIU_BIN" check
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "machine B: runc restore of machine A's checkpoint: the tree and its limits are back" {
    restore_runc_from_a B
}

@test "machine B: podman restore --import --name of machine A's archive: the tree and its limits are back" {
    restore_podman_from_a B
}

@test "machine C: runc restore of machine A's checkpoint onto the next release's kernel: the tree and its limits are back" {
    next_kernel_check runc
    restore_runc_from_a C
}

@test "machine C: podman restore --import --name of machine A's archive onto the next release's kernel: the tree and its limits are back" {
    next_kernel_check podman
    restore_podman_from_a C
}
