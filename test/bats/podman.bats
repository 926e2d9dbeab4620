#!/usr/bin/env bats
# cgbind-layouts: v2
# podman with a hooks.d directory holding cgbind's JSON (schema 1.0.0, gated
# on the annotation io.cgbind.image), a busybox image imported from a local
# tar (no registry); then podman's own checkpoint and restore. podman runs
# its containers with crun here unless told otherwise; crun runs no hooks on
# restore, and CRIU sits in the top-level during a runc restore's hooks, so
# after a restore the limits come back with `cgbind restore --mode full` on
# the restored container.

load helpers

setup_file() {
    export PM_ROOT=$BATS_FILE_TMPDIR/podman
    mkdir -p "$PM_ROOT/rootfs/bin" "$PM_ROOT/hooks"
    cp /bin/busybox "$PM_ROOT/rootfs/bin/"
    for a in sh cat echo sleep mkdir ls cut sed touch; do ln -sf busybox "$PM_ROOT/rootfs/bin/$a"; done
    pm import - localhost/cgbind-bb < <(tar -C "$PM_ROOT/rootfs" -c .) >/dev/null
}

teardown_file() {
    pm rm -af >/dev/null 2>&1 || true
    pm rmi -af >/dev/null 2>&1 || true
}

# podman without registries or a network; in the v2 VM without systemd
# too, in the v2-systemd VM with podman's defaults (systemd cgroup manager)
pm() {
    if [ -d /run/systemd/system ]; then
        podman --storage-driver vfs "$@"
    else
        podman --storage-driver vfs --cgroup-manager cgroupfs --events-backend file "$@"
    fi
}

setup() {
    trace_failures_only
    requires root cgroup_v2 criu
    command -v podman >/dev/null || { echo "podman is not installed" >&2; false; }
    IMG=$BATS_TEST_TMPDIR/img.json
    cat >"$IMG" <<'JSON'
{ "cgbind": 1, "hierarchies": [ { "type": "cgroup2", "controllers": ["memory", "pids"], "init": "init.scope",
  "root": { "properties": { "cgroup.subtree_control": "memory pids" }, "children": [
    { "name": "init.scope" },
    { "name": "app", "properties": { "pids.max": "7", "memory.max": "67108864", "cgroup.subtree_control": "pids" },
      "children": [ { "name": "job", "properties": { "pids.max": "3" } } ] } ] } } ] }
JSON
    # the hooks.d JSON as installed, with the path of the binary under test
    # (the annotation's image lies beneath --image-dir: the test's directory)
    hooks_d_json "$PM_ROOT/hooks/cgbind.json" "$BATS_TEST_TMPDIR/log" "$BATS_TEST_TMPDIR"
}

teardown() {
    pm rm -af >/dev/null 2>&1 || true
}

@test "podman run with the annotation: the hooks.d hook restores the sub-tree" {
    run pm --hooks-dir "$PM_ROOT/hooks" run --rm --network none \
        --annotation io.cgbind.image="$IMG" localhost/cgbind-bb \
        sh -c 'cat /sys/fs/cgroup/app/pids.max /sys/fs/cgroup/app/memory.max /sys/fs/cgroup/app/job/pids.max; cut -d: -f3 /proc/self/cgroup'
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf '7\n67108864\n3\n/init.scope')" ]
    grep -q "info container=.* restore: restored with mode soft" "$BATS_TEST_TMPDIR/log"
}

@test "podman run without the annotation: the gate keeps the hook out" {
    run pm --hooks-dir "$PM_ROOT/hooks" run --rm --network none localhost/cgbind-bb \
        sh -c 'ls /sys/fs/cgroup/app 2>&1 || echo absent'
    [ "$status" -eq 0 ]
    [[ "$output" == *absent* ]]
    [ ! -e "$BATS_TEST_TMPDIR/log" ]
}

@test "podman checkpoint and restore: the limits come back with cgbind restore --mode full" {
    run pm --runtime runc --hooks-dir "$PM_ROOT/hooks" run -d --name cgbind-ck --network none \
        --annotation io.cgbind.image="$IMG" localhost/cgbind-bb \
        sh -c 'exec >/dev/null 2>&1; while true; do sleep 1; done'
    [ "$status" -eq 0 ]
    local top pid
    pid=$(pm inspect -f '{{.State.Pid}}' cgbind-ck)
    top=/sys/fs/cgroup$(awk -F: '$1 == 0 { print $3 }' /proc/"$pid"/cgroup | sed 's|/init.scope$||')
    [ "$(cat "$top/app/job/pids.max")" = 3 ]

    run pm --runtime runc container checkpoint cgbind-ck
    echo "$output"
    [ "$status" -eq 0 ]
    # runc runs the hooks.d hook while CRIU holds the top-level: with the
    # installed file's --skip-busy it warns and lets the restore go on
    run pm --runtime runc --hooks-dir "$PM_ROOT/hooks" container restore cgbind-ck
    echo "$output"
    [ "$status" -eq 0 ]
    # the reason is the top-level CRIU holds, or the mounts CRIU has not made yet
    grep -q "warning container=.* restore: .*nothing changed (--skip-busy)" "$BATS_TEST_TMPDIR/log"
    pid=$(pm inspect -f '{{.State.Pid}}' cgbind-ck)
    top=/sys/fs/cgroup$(awk -F: '$1 == 0 { print $3 }' /proc/"$pid"/cgroup | sed 's|/init.scope$||')

    # the state a runtime would hand a hook, from podman's own records
    local state
    state=$(pm inspect -f '{"id":"{{.Id}}","pid":{{.State.Pid}},"bundle":"{{.OCIConfigPath}}"}' cgbind-ck |
        sed 's|/config.json"}$|"}|')
    run --separate-stderr "$CGBIND" restore --mode full --image "$IMG" <<<"$state"
    # shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
    echo "$stderr"
    [ "$status" -eq 0 ]
    [ "$(cat "$top/app/pids.max")" = 7 ]
    [ "$(cat "$top/app/job/pids.max")" = 3 ]
    [ "$(cat "$top/app/memory.max")" = 67108864 ]
    [ "$(pm inspect -f '{{.State.Status}}' cgbind-ck)" = running ]
}
