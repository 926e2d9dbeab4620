#!/usr/bin/env bats
# cgbind-layouts: v2
# podman's own flow: checkpoint --export, the container removed, restore
# --import under another name. cgbind is CRIU's action-script
# (/etc/criu/runc.conf, which podman's runc reads too); podman runs runc with
# a CRIU >= 3.19 through --runtime-flag criu=PATH. The sub-tree is made at
# the first start by the hooks.d hook (the annotation names an image). The
# checkpointed spec carries that hook, so it runs again during the restore:
# CRIU holds the container then, and with --skip-busy it changes nothing
# (its log says so). What comes back came through the checkpoint archive.

load helpers
load checkpoint-helpers
load engines-helpers

setup_file() {
    criu_setup_file
    command -v podman >/dev/null || { echo "podman is not installed" >&2; return 1; }
    export PM_ROOT=$BATS_FILE_TMPDIR/podman
    mkdir -p "$PM_ROOT/hooks"
    pm_import_busybox localhost/cgbind-ck sh cat echo sleep
}

teardown_file() {
    pm_teardown_file
}

setup() {
    trace_failures_only
    requires root cgroup_v2 vm
    IMG=$BATS_TEST_TMPDIR/img.json
    pm_tree_image "$IMG"
    # (the annotation's image lies beneath --image-dir: the test's directory)
    hooks_d_json "$PM_ROOT/hooks/cgbind.json" "$BATS_TEST_TMPDIR/hook.log" "$BATS_TEST_TMPDIR"
}

teardown() {
    pm rm -af >/dev/null 2>&1 || true
}

top_of() { # NAME: the container's top-level cgroup on the host
    local pid
    pid=$(pm inspect -f '{{.State.Pid}}' "$1")
    pid_cg_dir "$pid" ""
}

limits_in() { # TOP (the init's cgroup; the top-level is its parent)
    local t=${1%/init.scope}
    # shellcheck disable=SC2046 # the values (or cat's errors) joined on one line
    echo $(cat "$t/cgroup.subtree_control" "$t/app/pids.max" "$t/app/memory.max" "$t/app/cpu.weight" \
        "$t/app/job/pids.max" "$t/app/job/cpu.max" 2>&1)
}

@test "podman checkpoint --export, rm, restore --import --name other: the tree and its limits come back" {
    run pm --hooks-dir "$PM_ROOT/hooks" run -d --name cgbind-src --network none \
        --annotation io.cgbind.image="$IMG" localhost/cgbind-ck \
        sh -c 'exec >/dev/null 2>&1; n=0; while true; do n=$((n+1)); echo $n > /count; sleep 0.2; done'
    [ "$status" -eq 0 ]
    local want="cpu memory pids 7 67108864 50 3 20000 100000"
    [ "$(limits_in "$(top_of cgbind-src)")" = "$want" ]

    run pm container checkpoint --export "$BATS_TEST_TMPDIR/ck.tar" cgbind-src
    echo "$output"
    [ "$status" -eq 0 ]
    # the image travels in the archive, beside CRIU's images
    tar -tf "$BATS_TEST_TMPDIR/ck.tar" | grep -qx 'checkpoint/cgbind.json'
    run pm rm -f cgbind-src
    [ "$status" -eq 0 ]

    # the hooks directory is not read again: the spec in the archive has the hook
    run pm --hooks-dir "$BATS_TEST_TMPDIR/no-hooks" container restore --import "$BATS_TEST_TMPDIR/ck.tar" --name cgbind-other
    echo "$output"
    cat "$BATS_TEST_TMPDIR/hook.log" || true
    [ "$status" -eq 0 ] || grep -hE 'cgbind|Error' /var/lib/containers/storage/vfs-containers/*/userdata/restore.log | tail -n 8
    [ "$status" -eq 0 ]
    # the hook the spec carries ran during the restore, and let it go on
    grep -q "warning container=.* restore: .*nothing changed (--skip-busy)" "$BATS_TEST_TMPDIR/hook.log"
    local top pid c1
    top=$(top_of cgbind-other)
    [[ $top == *"$(pm inspect -f '{{.Id}}' cgbind-other)"* ]]
    [ "$(limits_in "$top")" = "$want" ]
    pid=$(pm inspect -f '{{.State.Pid}}' cgbind-other)
    wait_for "c1=\$(cat /proc/$pid/root/count) && [ -n \"\$c1\" ]"
    c1=$(cat /proc/"$pid"/root/count)
    wait_for "[ \"\$(cat /proc/$pid/root/count)\" -gt ${c1:-0} ]"
    [ "$(pm inspect -f '{{.State.Status}}' cgbind-other)" = running ]
}
