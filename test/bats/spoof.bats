#!/usr/bin/env bats
# cgbind-layouts: hybrid
# Spoofed cgroup mounts (issue 4). A container's workload can change its own
# mount table before a poststart hook runs; here the test does it for the
# workload, from the host, in the container's mount namespace (nsenter -m) of
# a `runc create`d container. The hook must refuse with status 3 and write
# nothing when a mount claims another cgroup than the container's, or the
# hierarchy's root; a look-alike file system is never taken for a cgroup.
# Every test also checks the host's root cgroups and another container's
# tree before and after.

load helpers

setup() {
    trace_failures_only
    requires root runc
    ID=host-spoof-$BATS_TEST_NUMBER
    OTHER=host-spoof-other-$BATS_TEST_NUMBER
    local b
    b=$(new_bundle ctr "sleep 1000")
    CONTAINERS+=("$ID" "$OTHER")
    (cd "$b" && $RUNTIME create "$ID" </dev/null >/dev/null 2>&1)
    (cd "$b" && $RUNTIME create "$OTHER" </dev/null >/dev/null 2>&1)
    PID=$(ctr_pid "$ID")
    if [ "$(cg_layout)" = v2 ]; then
        V2=1
        CTL=""
        # the container's own mount, and how to make a fresh one of the hierarchy
        CMNT=/sys/fs/cgroup
        FRESH="mount -t cgroup2 none"
        HIER='"type": "cgroup2", "controllers": ["pids"]'
        PROPS='{}'
    else
        V2=0
        CTL=pids
        CMNT=/sys/fs/cgroup/pids
        FRESH="mount -t cgroup -o pids cgroup"
        HIER='"type": "cgroup", "controllers": ["pids"]'
        PROPS='{ "pids.max": "5" }'
    fi
    TOP=$(cg_host_dir "$ID" "$CTL")
    OTHER_TOP=$(cg_host_dir "$OTHER" "$CTL")
    [ -d "$TOP" ]
    [ -d "$OTHER_TOP" ]
    IMG=$BATS_TEST_TMPDIR/img.json
    cat >"$IMG" <<JSON
{ "cgbind": 1, "hierarchies": [ { $HIER, "root": { "properties": {}, "children": [
  { "name": "spoofed", "properties": $PROPS, "children": [] } ] } } ] }
JSON
    snapshot >"$BATS_TEST_TMPDIR/before"
}

teardown() {
    common_teardown
}

# Names the image uses; other directories at the host roots belong to suites
# running beside this one.
snapshot() {
    host_roots_dump | awk '!/^\.\// || /^\.\/spoofed$/'
    echo "== own"
    cg_tree_dump "$TOP" pids.max cgroup.procs cgroup.subtree_control
    echo "== other"
    cg_tree_dump "$OTHER_TOP" pids.max cgroup.procs cgroup.subtree_control
}

# in_ctr SCRIPT: runs SCRIPT with the container's busybox sh, in its mount
# namespace (the workload's view after pivot_root).
in_ctr() {
    nsenter -m -t "$PID" /bin/sh -c "set -e; $1"
}

# The container's cgroup path of the hierarchy, relative to its root, as the
# kernel names it in /proc/<pid>/cgroup.
cg_path_of() {
    if [ "$V2" = 1 ]; then
        awk -F: '$1 == 0 { print $3 }' "/proc/$1/cgroup"
    else
        awk -F: '$2 == "pids" { print $3 }' "/proc/$1/cgroup"
    fi
}

# shellcheck disable=SC2120 # "$@": more options, none needed by the tests yet
restore() {
    run --separate-stderr timeout 20 "$CGBIND" restore --image "$IMG" "$@" < <(state_of "$ID")
    # shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
    echo "status $status, stderr: $stderr"
}

# spoof_refused PATTERN: status 3, the last stderr line is cgbind's error
# naming PATTERN, and nothing changed anywhere.
spoof_refused() {
    [ "$status" -eq 3 ]
    local last
    last=$(printf '%s\n' "$stderr" | tail -n 1)
    [[ "$last" == "cgbind: "* ]]
    [[ "$last" == *"$1"* ]]
    # no other line but warnings
    [ -z "$(printf '%s\n' "$stderr" | grep -v '^cgbind: restore: warning: ' | grep -v -F "$last")" ]
    snapshot >"$BATS_TEST_TMPDIR/after"
    diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
}

@test "control: without a spoof the restore works (the spoofs below are what fails)" {
    restore
    [ "$status" -eq 0 ]
    [ -d "$TOP/spoofed" ]
    [ ! -d "$OTHER_TOP/spoofed" ]
}

@test "a real cgroup mount whose root is the hierarchy's root / replaces the container's" {
    in_ctr "umount $CMNT; $FRESH $CMNT"
    grep -q " / $CMNT " "/proc/$PID/mountinfo"
    restore
    spoof_refused "hierarchy's root"
}

@test "a second real mount of the hierarchy, whose root is /, beside the container's own" {
    in_ctr "mkdir -p /tmp/second; $FRESH /tmp/second"
    grep -q " / /tmp/second " "/proc/$PID/mountinfo"
    restore
    spoof_refused "mounted twice"
}

@test "a bind mount whose root is another container's cgroup replaces the container's" {
    local rel
    rel=$(cg_path_of "$(ctr_pid "$OTHER")")
    in_ctr "mkdir -p /tmp/fresh; $FRESH /tmp/fresh; umount $CMNT; mount --bind /tmp/fresh$rel $CMNT; umount /tmp/fresh"
    grep -q " $rel $CMNT " "/proc/$PID/mountinfo"
    restore
    spoof_refused "is not the container's cgroup"
}

@test "a bind mount of another container's cgroup on top of the container's own" {
    local rel
    rel=$(cg_path_of "$(ctr_pid "$OTHER")")
    in_ctr "mkdir -p /tmp/fresh; $FRESH /tmp/fresh; mount --bind /tmp/fresh$rel $CMNT; umount /tmp/fresh"
    restore
    spoof_refused "mounted twice"
}

@test "a bind mount of the container's parent cgroup (an ancestor outside the container)" {
    local rel
    rel=$(cg_path_of "$PID")
    [ "$(dirname "$rel")" != / ] || rel=/x # flat on this host: the parent is the root
    in_ctr "mkdir -p /tmp/fresh; $FRESH /tmp/fresh; umount $CMNT; mount --bind /tmp/fresh$(dirname "$rel") $CMNT; umount /tmp/fresh"
    restore
    spoof_refused "hierarchy ("
}

@test "a look-alike file system (tmpfs named cgroup) where the cgroup mount was" {
    in_ctr "umount $CMNT; mount -t tmpfs $([ "$V2" = 1 ] && echo cgroup2 || echo cgroup) $CMNT; mkdir $CMNT/spoofed; echo 1 >$CMNT/spoofed/pids.max"
    grep -q " $CMNT .* - tmpfs " "/proc/$PID/mountinfo"
    restore
    if [ "$V2" = 1 ]; then
        # no cgroup mount is left at all: DESIGN's step 4 takes the
        # hierarchy from /proc/<pid>/cgroup, i.e. the container's own cgroup
        [ "$status" -eq 0 ]
        [ -d "$TOP/spoofed" ]
        [ ! -d "$OTHER_TOP/spoofed" ]
    else
        spoof_refused "not bound into the container"
    fi
    # the look-alike itself is never written
    [ "$(in_ctr "cat $CMNT/spoofed/pids.max")" = 1 ]
}

@test "a tmpfs mounted at a path that reads like a cgroup mountinfo line" {
    # the kernel escapes the spaces (\040): the parser must not split there
    in_ctr "umount $CMNT; mkdir -p '/tmp/a - cgroup cgroup rw,pids'; mount -t tmpfs tmpfs '/tmp/a - cgroup cgroup rw,pids'"
    grep -q 'a\\040-\\040cgroup' "/proc/$PID/mountinfo"
    restore
    if [ "$V2" = 1 ]; then
        [ "$status" -eq 0 ]
        [ -d "$TOP/spoofed" ]
    else
        spoof_refused "not bound into the container"
    fi
}

@test "a tmpfs over /sys/fs/cgroup with fake directories: the fake tree is never written" {
    # the container's real cgroup mounts stay below the tmpfs, still in its
    # mount table; cgbind writes through the host's mounts only, into the
    # container's own cgroup (DESIGN: /proc/<pid>/cgroup is the authority)
    in_ctr "mount -t tmpfs cgroup /sys/fs/cgroup; mkdir -p /sys/fs/cgroup/pids/spoofed /sys/fs/cgroup/spoofed; echo 1 >/sys/fs/cgroup/pids/spoofed/pids.max"
    restore
    [ "$status" -eq 0 ]
    [ -d "$TOP/spoofed" ]
    [ ! -d "$OTHER_TOP/spoofed" ]
    [ "$(in_ctr "cat /sys/fs/cgroup/pids/spoofed/pids.max")" = 1 ]
    [ -z "$(in_ctr "ls /sys/fs/cgroup/spoofed")" ]
    # and nothing at the host's roots
    snapshot | sed -n '/^== own/q;p' >"$BATS_TEST_TMPDIR/after"
    sed -n '/^== own/q;p' "$BATS_TEST_TMPDIR/before" | diff - "$BATS_TEST_TMPDIR/after"
}

@test "a real cgroup2 mount whose root is / in the container is never written" {
    # hybrid and v1: the cgroup2 hierarchy's root; v2: a second mount of the
    # container's hierarchy, at its root
    in_ctr "mkdir -p /tmp/unified; mount -t cgroup2 none /tmp/unified"
    grep -q " / /tmp/unified .* - cgroup2 " "/proc/$PID/mountinfo"
    cat >"$IMG" <<'JSON'
{ "cgbind": 1, "hierarchies": [ { "type": "cgroup2", "controllers": [], "root": { "properties": {}, "children": [
  { "name": "spoofed", "properties": {}, "children": [] } ] } } ] }
JSON
    restore
    # refused (3), or converted to the container's v1 hierarchies where a v2
    # image without controllers has nothing to restore (0): never the root
    [ "$status" -eq 3 ] || [ "$status" -eq 0 ]
    local v2top
    v2top=$(cg_host_dir "$ID" "" 2>/dev/null || true)
    [ -z "$v2top" ] || [ ! -d "$v2top/spoofed" ]
    snapshot >"$BATS_TEST_TMPDIR/after"
    diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
}
