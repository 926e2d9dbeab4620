#!/bin/bash
# Shared by criu.bats and criu-v2.bats: a workload that builds a sub-tree
# with limits and keeps counting, checkpointed and restored with runc+CRIU.
setup() {
    trace_failures_only
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
        # the workload moved its init into init.scope
        top=$(cg_host_dir "$1" "")
        top=${top%/init.scope}
        echo "$(cat "$top/app/memory.max" 2>/dev/null) $(cat "$top/app/web/memory.max" 2>/dev/null) $(cat "$top/app/pids.max" 2>/dev/null)"
    else
        echo "$(cat "$(cg_host_dir "$1" memory)/app/memory.limit_in_bytes" 2>/dev/null) $(cat "$(cg_host_dir "$1" memory)/app/web/memory.limit_in_bytes" 2>/dev/null) $(cat "$(cg_host_dir "$1" pids)/app/pids.max" 2>/dev/null)"
    fi
}

EXPECTED="268435456 134217728 50"

# start, save, checkpoint: leaves $B (bundle) and $IMG
start_and_checkpoint() { # id manage-cgroups-mode
    # a bundle and a checkpoint directory per id: a test may do it twice
    B=$(new_bundle "$1" "$(workload)")
    CK=$BATS_TEST_TMPDIR/checkpoint-$1
    run_detached "$1" "$B"
    wait_for "[ -e '$B/rootfs/built' ]"
    [ "$(limits_of "$1")" = "$EXPECTED" ]
    IMG=$BATS_TEST_TMPDIR/img.json
    state_of "$1" | "$CGBIND" save -o "$IMG"
    run $RUNTIME checkpoint --image-path "$CK" --manage-cgroups-mode "$2" "$1"
    # shellcheck disable=SC2154 # output: set by bats' run
    echo "$output"
    # shellcheck disable=SC2154 # status: set by bats' run
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
