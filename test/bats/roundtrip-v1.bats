#!/usr/bin/env bats
# cgbind-layouts: hybrid
# Save a container's v1 sub-tree and restore it into a new container with
# another id, with cgbind as a prestart, createRuntime or poststart hook.
# (Not in the v1 VM: there coverage.bats round-trips every property through
# a new container and checkpoint.bats through CRIU.)

load helpers

setup() {
    trace_failures_only
    requires root runc cgroup_v1
}

teardown() {
    common_teardown
}

# save_source: runs a container that builds V1_TREE_SPEC and saves it to $IMG.
save_source() {
    local src
    src=$(new_bundle src "$(build_script "$V1_TREE_SPEC"); touch /built; exec sleep 1000")
    run_detached "src-$BATS_TEST_NUMBER" "$src"
    wait_for "[ -e '$src/rootfs/built' ]"
    IMG=$BATS_TEST_TMPDIR/img.json
    state_of "src-$BATS_TEST_NUMBER" | "$CGBIND" save -o "$IMG"
    cleanup_containers
}

# restore_at STAGE: a new container whose hook restores $IMG at STAGE; the
# workload waits for the hook to finish and prints what it sees.
restore_at() {
    local dst
    dst=$(new_bundle dst "while [ ! -e /restored ]; do sleep 0.05; done; $(verify_script "$V1_TREE_SPEC")")
    add_hook "$dst" "$1" restore --image "$IMG"
    add_shell_hook "$dst" "$1" "touch $dst/rootfs/restored"
    run_fg "dst-$BATS_TEST_NUMBER-$1" "$dst"
    [ "$status" -eq 0 ]
    diff <(spec_present "$V1_TREE_SPEC") <(printf '%s\n' "$output")
}

@test "round trip at prestart: three levels with siblings, every limit, another id" {
    save_source
    # the image holds the tree relative to the top-level, not the old id
    run ! grep -q "src-$BATS_TEST_NUMBER/" "$IMG"
    run "$CGBIND" show "$IMG"
    [ "$status" -eq 0 ]
    [[ "$output" == *"worker  cpu.cfs_quota_us=20000"* ]]
    restore_at prestart
}

@test "round trip at createRuntime" {
    save_source
    restore_at createRuntime
}

@test "round trip at poststart" {
    save_source
    restore_at poststart
}

@test "memory.memsw.limit_in_bytes is restored where the kernel has it" {
    requires memsw
    save_source
    grep -q '"memory.memsw.limit_in_bytes": "402653184"' "$IMG"
    restore_at prestart
}

@test "the image annotation io.cgbind.image names the image when --image is absent" {
    save_source
    local dst
    dst=$(new_bundle dst "cat /sys/fs/cgroup/cpu/app/web/cpu.shares")
    # an annotation's image lies beneath the image directory (issue 23.7)
    add_annotation "$dst" io.cgbind.image "$IMG"
    add_hook "$dst" prestart restore --image-dir "${IMG%/*}"
    run_fg "dst-ann" "$dst"
    [ "$status" -eq 0 ]
    [ "$output" = 256 ]
}

@test "save -o - writes the image to stdout, save --pid reads a running container" {
    local src
    src=$(new_bundle src "mkdir /sys/fs/cgroup/pids/job && echo 7 > /sys/fs/cgroup/pids/job/pids.max && touch /built && exec sleep 1000")
    run_detached src-pid "$src"
    wait_for "[ -e '$src/rootfs/built' ]"
    run --separate-stderr "$CGBIND" save --pid "$(ctr_pid src-pid)" -o -
    [ "$status" -eq 0 ]
    echo "$output" | jq -e '.hierarchies[] | select(.controllers == ["pids"]) | .root.children[0] | .name == "job" and .properties["pids.max"] == "7"'
}

@test "restore --dry-run prints the plan with host paths and touches nothing" {
    save_source
    local dst
    dst=$(new_bundle dst "sleep 1000")
    CONTAINERS+=(dry)
    (cd "$dst" && $RUNTIME create dry </dev/null >/dev/null 2>&1)
    local top
    top=$(cg_host_dir dry pids)
    run --separate-stderr "$CGBIND" restore --image "$IMG" --dry-run < <(state_of dry)
    [ "$status" -eq 0 ]
    [[ "$output" == *"hierarchy pids: $top"* ]]
    [[ "$output" == *"mkdir app/web/worker"* ]]
    [[ "$output" == *'write app/web/cpu.shares = "256"'* ]]
    [ -z "$(find "$top" -mindepth 1 -type d)" ]
}
