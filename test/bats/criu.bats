#!/usr/bin/env bats
# cgbind-layouts: v1
# runc checkpoint and restore with CRIU 3.17 (Debian 12's) on cgroup v1. A
# workload that built a sub-tree with limits is checkpointed and restored
# (CRIU's --manage-cgroups-mode soft and full; runc 1.1.5 refuses ignore),
# keeps running, and has its sub-tree and limits back, with cgbind as the
# restore's prestart hook: runc runs it at CRIU's setup-namespaces step,
# before the container has mounts, so cgbind finds the cgroups from
# /proc/<pid>/cgroup alone. Also: CRIU's own cgroup.img (crit decode) read
# by show and restore.
# On v2 the same flow is criu-v2.bats (the hook cannot act while CRIU holds
# the top-level; `cgbind restore --mode full` after `runc restore`), and
# CRIU 3.17's v2 cgroup.img, which records only the task's own cgroup, is
# test-crit's (test/unit/data/criu-v2-cgroup.img.json).

load helpers
load criu-helpers

@test "runc 1.1.5 cannot pass CRIU's cgroups mode ignore: the exact refusal" {
    # runc 1.1 knows soft, full and strict only, and always sends
    # manage_cgroups over RPC, so a CRIU config file cannot select ignore
    B=$(new_bundle ck "sleep 100")
    run_detached ck-ign "$B"
    run $RUNTIME checkpoint --image-path "$CK" --manage-cgroups-mode ignore ck-ign
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"Invalid manage cgroups mode"* ]]
}

@test "checkpoint and restore, CRIU cgroups modes full and soft: the sub-tree and limits come back" {
    local mode
    for mode in full soft; do
        start_and_checkpoint "ck-$mode" "$mode"
        add_hook "$B" prestart restore --image "$IMG"
        restore_ck "ck-$mode" "$mode"
        [ "$status" -eq 0 ]
        [ "$(limits_of "ck-$mode")" = "$EXPECTED" ]
        assert_running_again "ck-$mode"
    done
}

@test "CRIU's own cgroup.img: show and restore read crit's JSON" {
    command -v crit >/dev/null || { echo "crit (criu's python tool) is missing" >&2; false; }
    start_and_checkpoint ck-crit soft
    crit decode -i "$CK/cgroup.img" --pretty >"$BATS_TEST_TMPDIR/crit.json"
    run --separate-stderr "$CGBIND" show "$BATS_TEST_TMPDIR/crit.json"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"app"* && "$output" == *"web"* ]]
    restore_ck ck-crit soft
    [ "$status" -eq 0 ]
    # a CRIU image names every hierarchy of the host, also ones the runtime
    # left the container out of (rdma, misc after a restore): --skip-missing
    state_of ck-crit | "$CGBIND" restore --mode full --skip-missing --image "$BATS_TEST_TMPDIR/crit.json"
    local got
    got=$(limits_of ck-crit)
    echo "from CRIU's image: $got"
    # on v1 CRIU records memory.limit_in_bytes itself
    [[ "$got" == "268435456 134217728"* ]]
}
