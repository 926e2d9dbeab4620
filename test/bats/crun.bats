#!/usr/bin/env bats
# cgbind-layouts: v2
# crun specifics: its state at prestart ("created", an extra "root" member),
# and restore. crun runs no hooks at all on restore, and Debian's crun 1.8.1
# is built without CRIU (`crun checkpoint` is an unknown command); what a
# crun user does after any restore is hand the restored container's state to
# cgbind: `crun state ID | cgbind restore --mode full --image FILE`.

load helpers

setup() {
    trace_failures_only
    requires root crun cgroup_v2
    # shellcheck disable=SC2034 # read by helpers.bash
    RUNTIME_BIN=crun
    RUNTIME="crun --root $RUNTIME_ROOT"
    IMG=$BATS_TEST_TMPDIR/img.json
    v2_app_image "$IMG"
}

teardown() {
    common_teardown
}

@test "crun's state at prestart and createRuntime is accepted (status created, a root member), and the tree comes back" {
    local b stage
    for stage in prestart createRuntime; do
        b=$(new_bundle "c-$stage" "cat /sys/fs/cgroup/app/pids.max")
        add_shell_hook "$b" "$stage" "cat > $BATS_TEST_TMPDIR/state-$stage.json"
        add_hook "$b" "$stage" restore --image "$IMG"
        run_fg "crun-$stage" "$b"
        echo "$stage: $output"
        [ "$status" -eq 0 ]
        [ "$output" = 9 ]
        jq -e '.status == "created" and has("root")' "$BATS_TEST_TMPDIR/state-$stage.json"
    done
}

@test "crun cannot checkpoint here; after a restore, crun state | cgbind restore --mode full" {
    run crun checkpoint x
    echo "crun checkpoint says: $output"
    [ "$status" -ne 0 ]
    local b top
    b=$(new_bundle c "sleep 100")
    run_detached crun-after "$b"
    top=$(cg_host_dir crun-after "")
    # a restored container: a directory without its limit (as CRIU leaves it)
    mkdir "$top/init.scope"
    echo "$(ctr_pid crun-after)" >"$top/init.scope/cgroup.procs"
    echo +pids >"$top/cgroup.subtree_control"
    mkdir "$top/app"
    run --separate-stderr "$CGBIND" restore --mode full --image "$IMG" < <($RUNTIME state crun-after)
    # shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
    echo "$stderr"
    [ "$status" -eq 0 ]
    [ "$(cat "$top/app/pids.max")" = 9 ]
}
