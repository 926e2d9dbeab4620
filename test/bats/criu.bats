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

setup() {
    requires root runc criu
    command -v iptables >/dev/null || { echo "CRIU needs iptables to lock the network" >&2; false; }
    if [ "$(cg_layout)" = v2 ]; then V2=1; else V2=0; fi
    CK=$BATS_TEST_TMPDIR/checkpoint
}

teardown() {
    common_teardown
}

# The workload: builds its tree, then counts; stdio goes nowhere outside
# the container (CRIU cannot dump a file it does not see).
workload() {
    local build
    if [ "$V2" = 1 ]; then
        build='c=/sys/fs/cgroup; mkdir $c/init.scope; echo 1 > $c/init.scope/cgroup.procs
echo "+memory +pids" > $c/cgroup.subtree_control
mkdir -p $c/app/web; echo "+memory +pids" > $c/app/cgroup.subtree_control
echo 268435456 > $c/app/memory.max; echo 50 > $c/app/pids.max; echo 134217728 > $c/app/web/memory.max'
    else
        build='c=/sys/fs/cgroup; mkdir -p $c/memory/app/web $c/pids/app
echo 268435456 > $c/memory/app/memory.limit_in_bytes; echo 134217728 > $c/memory/app/web/memory.limit_in_bytes
echo 50 > $c/pids/app/pids.max'
    fi
    echo "exec </dev/null >/dev/null 2>&1; set -e; $build; touch /built; n=0; while true; do n=\$((n+1)); echo \$n > /count; sleep 0.2; done"
}

limits_of() { # id -> "memory app/web pids"
    local top
    if [ "$V2" = 1 ]; then
        top=$(cg_host_dir "$1" "")
        echo "$(cat "$top/app/memory.max" 2>/dev/null) $(cat "$top/app/web/memory.max" 2>/dev/null) $(cat "$top/app/pids.max" 2>/dev/null)"
    else
        echo "$(cat "$(cg_host_dir "$1" memory)/app/memory.limit_in_bytes" 2>/dev/null) $(cat "$(cg_host_dir "$1" memory)/app/web/memory.limit_in_bytes" 2>/dev/null) $(cat "$(cg_host_dir "$1" pids)/app/pids.max" 2>/dev/null)"
    fi
}

EXPECTED="268435456 134217728 50"

# start, save, checkpoint: leaves $B (bundle) and $IMG
start_and_checkpoint() { # id manage-cgroups-mode
    B=$(new_bundle ck "$(workload)")
    run_detached "$1" "$B"
    wait_for "[ -e '$B/rootfs/built' ]"
    [ "$(limits_of "$1")" = "$EXPECTED" ]
    IMG=$BATS_TEST_TMPDIR/img.json
    state_of "$1" | "$CGBIND" save -o "$IMG"
    run $RUNTIME checkpoint --image-path "$CK" --manage-cgroups-mode "$2" "$1"
    echo "$output"
    [ "$status" -eq 0 ]
    # the container and its cgroups are gone
    run $RUNTIME state "$1"
    [ "$status" -ne 0 ]
}

assert_running_again() { # id
    local c1 c2
    c1=$(cat "$B/rootfs/count")
    sleep 1
    c2=$(cat "$B/rootfs/count")
    [ "$c2" -gt "$c1" ]
    [ "$($RUNTIME state "$1" | jq -r .status)" = running ]
}

restore_ck() { # id manage-cgroups-mode
    CONTAINERS+=("$1")
    run bash -c "cd '$B' && $RUNTIME restore -d --image-path '$CK' --manage-cgroups-mode $2 '$1' </dev/null 2>&1"
    echo "$output"
}

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

@test "checkpoint and restore, CRIU cgroups mode full: the sub-tree and limits come back" {
    start_and_checkpoint ck-full full
    if [ "$V2" = 1 ]; then
        restore_ck ck-full full
        [ "$status" -eq 0 ]
        state_of ck-full | "$CGBIND" restore --mode full --image "$IMG"
    else
        add_hook "$B" prestart restore --image "$IMG"
        restore_ck ck-full full
        [ "$status" -eq 0 ]
    fi
    [ "$(limits_of ck-full)" = "$EXPECTED" ]
    assert_running_again ck-full
}

@test "checkpoint and restore, CRIU cgroups mode soft: the sub-tree and limits come back" {
    start_and_checkpoint ck-soft soft
    if [ "$V2" = 1 ]; then
        restore_ck ck-soft soft
        [ "$status" -eq 0 ]
        # CRIU made the directories; full mode puts the limits back on them
        state_of ck-soft | "$CGBIND" restore --mode full --image "$IMG"
    else
        add_hook "$B" prestart restore --image "$IMG"
        restore_ck ck-soft soft
        [ "$status" -eq 0 ]
    fi
    [ "$(limits_of ck-soft)" = "$EXPECTED" ]
    assert_running_again ck-soft
}

@test "CRIU's own cgroup.img: show and restore read crit's JSON" {
    command -v crit >/dev/null || { echo "crit (criu's python tool) is missing" >&2; false; }
    start_and_checkpoint ck-crit soft
    crit decode -i "$CK/cgroup.img" --pretty >"$BATS_TEST_TMPDIR/crit.json"
    run --separate-stderr "$CGBIND" show "$BATS_TEST_TMPDIR/crit.json"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"app"* && "$output" == *"web"* ]]
    restore_ck ck-crit ignore
    [ "$status" -eq 0 ]
    state_of ck-crit | "$CGBIND" restore --mode full --image "$BATS_TEST_TMPDIR/crit.json"
    local got
    got=$(limits_of ck-crit)
    echo "from CRIU's image: $got"
    if [ "$V2" = 1 ]; then
        # CRIU records v2 directories but not memory.max (criu PR #1110):
        # the tree is back, the limits are not
        [ "$got" = "max max max" ] || [ "$got" = "max max 50" ]
        # cgbind's own image puts them back
        state_of ck-crit | "$CGBIND" restore --mode full --image "$IMG"
        [ "$(limits_of ck-crit)" = "$EXPECTED" ]
    else
        # on v1 CRIU records memory.limit_in_bytes itself
        [[ "$got" == "268435456 134217728"* ]]
    fi
}
