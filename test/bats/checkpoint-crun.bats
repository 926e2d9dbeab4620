#!/usr/bin/env bats
# cgbind-layouts: v2
# podman with its default runtime, crun. Debian's crun (1.8.1) is built
# without CRIU: `podman container checkpoint` refuses, in one line, before
# anything is dumped; the container runs on and its tree is untouched. The
# fallback that keeps the sub-tree: a container made with `--runtime runc`
# checkpoints (checkpoint-podman.bats); with crun, the tree is saved with
# `cgbind save` and comes back in the next container through the hooks.d
# hook (the process state does not: that needs CRIU).

load helpers
load engines-helpers

pm() {
    podman --storage-driver vfs --cgroup-manager cgroupfs --events-backend file \
        --runtime crun "$@"
}

setup_file() {
    requires root crun vm cgroup_v2
    command -v podman >/dev/null || { echo "podman is not installed" >&2; return 1; }
    export PM_ROOT=$BATS_FILE_TMPDIR/podman
    busybox_rootfs "$PM_ROOT/rootfs" sh sleep
    pm import - localhost/cgbind-crun < <(tar -C "$PM_ROOT/rootfs" -c .) >/dev/null
    mkdir -p "$PM_ROOT/hooks"
    hooks_d_json "$PM_ROOT/hooks/cgbind.json" "$BATS_FILE_TMPDIR/hook.log"
}

teardown_file() {
    pm rm -af >/dev/null 2>&1 || true
    pm rmi -af >/dev/null 2>&1 || true
}

setup() {
    trace_failures_only
    requires root crun vm cgroup_v2
}

teardown() {
    pm rm -af >/dev/null 2>&1 || true
    rm -f /var/lib/cgbind/crun-first-*.json /var/lib/cgbind/crun-tree-*.json
}

@test "podman checkpoint with crun: refused in one line, the container runs on, its tree untouched; the fallback brings the tree back in a new container" {
    # crun says what it lacks
    run crun --version
    echo "$output"
    [[ $output != *"+CRIU"* ]]
    # the tree: made at the first start by the hooks.d hook
    # annotation images live beneath the image directory (/var/lib/cgbind)
    mkdir -p /var/lib/cgbind
    local first=/var/lib/cgbind/crun-first-$$.json
    pm_tree_image "$first"
    run pm --hooks-dir "$PM_ROOT/hooks" run -d --name cgbind-crun --network none \
        --annotation io.cgbind.image="$first" localhost/cgbind-crun \
        sh -c 'exec >/dev/null 2>&1; while true; do sleep 1; done'
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(pm inspect -f '{{.OCIRuntime}}' cgbind-crun)" = crun ]
    local pid top before
    pid=$(pm inspect -f '{{.State.Pid}}' cgbind-crun)
    top=$(pid_cg_dir "$pid" "")
    score_against "$first" "$pid"
    top=${top%/init.scope}
    before=$(cg_tree_dump "$top" memory.max pids.max cpu.max cpu.weight cgroup.subtree_control)

    run pm container checkpoint --export "$BATS_TEST_TMPDIR/ck.tar" cgbind-crun
    echo "$output"
    [ "$status" -ne 0 ]
    [ "$(echo "$output" | grep -c .)" = 1 ]
    [[ $output == *"does not support checkpoint"* ]]
    [ ! -e "$BATS_TEST_TMPDIR/ck.tar" ]
    [ "$(pm inspect -f '{{.State.Status}}' cgbind-crun)" = running ]
    [ "$(cg_tree_dump "$top" memory.max pids.max cpu.max cpu.weight cgroup.subtree_control)" = "$before" ]

    # the fallback: save the tree, and restore it into the next container
    local img=/var/lib/cgbind/crun-tree-$$.json
    # the state a runtime hands a hook, from podman inspect; written whole
    # before cgbind reads it (through a pipe, the two podman runs counted
    # against save's stdin deadline, and a loaded VM missed it)
    jq -n --arg id "$(pm inspect -f '{{.Id}}' cgbind-crun)" --argjson pid "$pid" \
        --arg b "$(dirname "$(pm inspect -f '{{.OCIConfigPath}}' cgbind-crun)")" \
        '{ociVersion: "1.0.2", id: $id, status: "running", pid: $pid, bundle: $b}' >"$BATS_TEST_TMPDIR/state.json"
    "$CGBIND" save -o "$img" <"$BATS_TEST_TMPDIR/state.json"
    pm rm -f -t 0 cgbind-crun >/dev/null
    run pm --hooks-dir "$PM_ROOT/hooks" run -d --name cgbind-crun2 --network none \
        --annotation io.cgbind.image="$img" localhost/cgbind-crun \
        sh -c 'exec >/dev/null 2>&1; while true; do sleep 1; done'
    echo "$output"
    [ "$status" -eq 0 ]
    pid=$(pm inspect -f '{{.State.Pid}}' cgbind-crun2)
    score_against "$img" "$pid" || { echo "missing: $MISSING"; false; }
    note "podman with crun, the tree saved and restored by the hook: $SCORE back"
}
