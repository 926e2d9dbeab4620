#!/usr/bin/env bats
# cgbind-layouts: v1 v2
# runc checkpoint and restore with CRIU. A workload that built a sub-tree
# with limits is checkpointed and restored (CRIU's --manage-cgroups-mode
# soft and full; runc 1.1.5 refuses ignore), keeps running, and has its
# sub-tree and limits back:
#  - v1: cgbind as the restore's prestart hook. runc runs it at CRIU's
#    setup-namespaces step, before the container has mounts, so cgbind finds
#    the cgroups from /proc/<pid>/cgroup alone.
#  - v2: CRIU sits in the top-level cgroup during that hook, so nothing can
#    be enabled there; the supported way is `runc state ID | cgbind restore
#    --mode full` once `runc restore` has returned.
# Also: CRIU's own cgroup.img (crit decode) read by show and restore.

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

# on v2 soft and full are the same flow (runc restore, then cgbind restore
# --mode full): soft is tried on v1 only, where the prestart hook meets
# what each CRIU mode made
@test "checkpoint and restore, CRIU cgroups mode full (and soft on v1): the sub-tree and limits come back" {
    local mode modes=full
    [ "$V2" = 1 ] || modes="full soft"
    for mode in $modes; do
        start_and_checkpoint "ck-$mode" "$mode"
        if [ "$V2" = 1 ]; then
            restore_ck "ck-$mode" "$mode"
            [ "$status" -eq 0 ]
            # full mode puts the limits back whether CRIU made the directories
            # (v1) or not (CRIU 3.17 on v2 records only the task's own cgroup)
            state_of "ck-$mode" | "$CGBIND" restore --mode full --image "$IMG"
        else
            add_hook "$B" prestart restore --image "$IMG"
            restore_ck "ck-$mode" "$mode"
            [ "$status" -eq 0 ]
        fi
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
    if [ "$V2" = 1 ]; then
        # CRIU 3.17 records on v2 only the task's own cgroup, not app
        [[ "$output" == *"(init in init.scope)"* && "$output" != *"app"* ]]
    else
        [[ "$output" == *"app"* && "$output" == *"web"* ]]
    fi
    restore_ck ck-crit soft
    [ "$status" -eq 0 ]
    # a CRIU image names every hierarchy of the host, also ones the runtime
    # left the container out of (rdma, misc after a restore): --skip-missing
    state_of ck-crit | "$CGBIND" restore --mode full --skip-missing --image "$BATS_TEST_TMPDIR/crit.json"
    local got
    got=$(limits_of ck-crit)
    echo "from CRIU's image: $got"
    if [ "$V2" = 1 ]; then
        # what CRIU's image gives back on v2: not app, so none of its limits
        [ "$got" = "  " ]
        # cgbind's own image puts them back
        state_of ck-crit | "$CGBIND" restore --mode full --image "$IMG"
        [ "$(limits_of ck-crit)" = "$EXPECTED" ]
    else
        # on v1 CRIU records memory.limit_in_bytes itself
        [[ "$got" == "268435456 134217728"* ]]
    fi
}
