#!/usr/bin/env bats
# cgbind-layouts: v2
# The kernel's ordering rules on cgroup v2, each test written so that the
# wrong order fails: the init leaves the top-level before it enables domain
# controllers, cgroup.type before a threaded cgroup's children, and
# cgroup.max.descendants after the children exist.

load helpers

setup() {
    trace_failures_only
    v2_ctr_setup ord
    IMG=$BATS_TEST_TMPDIR/img.json
}

teardown() {
    common_teardown
    local l
    for l in ${LOOPS:-}; do losetup -d "$l" 2>/dev/null || true; done
}

restore() {
    restore_ctr "$@"
}

@test "a child's memory.max with the container's init still in the top-level" {
    cat >"$IMG" <<'JSON'
{ "cgbind": 1, "hierarchies": [ { "type": "cgroup2", "controllers": ["memory"], "init": "init.scope",
  "root": { "properties": { "cgroup.subtree_control": "memory" }, "children": [
    { "name": "init.scope", "properties": {}, "children": [] },
    { "name": "app", "properties": { "memory.max": "104857600" }, "children": [] } ] } } ] }
JSON
    # the init is in the top-level now
    grep -qx "$PID" "$TOP/cgroup.procs"
    restore
    # shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
    echo "$stderr"
    [ "$status" -eq 0 ]
    [ "$(cat "$TOP/app/memory.max")" = 104857600 ]
    # exactly the one pid moved, into init.scope
    [ "$(cat "$TOP/init.scope/cgroup.procs")" = "$PID" ]
    [ -z "$(cat "$TOP/cgroup.procs")" ]
}

@test "a threaded sub-tree: cgroup.type before children and controller files" {
    cat >"$IMG" <<'JSON'
{ "cgbind": 1, "hierarchies": [ { "type": "cgroup2", "controllers": ["cpu", "pids"], "init": "init.scope",
  "root": { "properties": { "cgroup.subtree_control": "cpu pids" }, "children": [
    { "name": "init.scope", "properties": {}, "children": [] },
    { "name": "app", "properties": { "cgroup.subtree_control": "cpu pids" }, "children": [
      { "name": "t1", "properties": { "pids.max": "7", "cgroup.subtree_control": "pids", "cgroup.type": "threaded" }, "children": [
        { "name": "s", "properties": { "cgroup.type": "threaded", "pids.max": "3" }, "children": [] } ] },
      { "name": "t2", "properties": { "cpu.weight": "50", "cgroup.type": "threaded" }, "children": [] } ] } ] } } ] }
JSON
    restore
    echo "$stderr"
    [ "$status" -eq 0 ]
    [ "$(cat "$TOP/app/cgroup.type")" = "domain threaded" ]
    [ "$(cat "$TOP/app/t1/cgroup.type")" = threaded ]
    [ "$(cat "$TOP/app/t1/s/cgroup.type")" = threaded ]
    [ "$(cat "$TOP/app/t1/s/pids.max")" = 3 ]
    [ "$(cat "$TOP/app/t2/cpu.weight")" = 50 ]
}

@test "cgroup.max.descendants lower than the number of children restored" {
    cat >"$IMG" <<'JSON'
{ "cgbind": 1, "hierarchies": [ { "type": "cgroup2", "controllers": ["pids"], "init": "init.scope",
  "root": { "properties": { "cgroup.subtree_control": "pids" }, "children": [
    { "name": "init.scope", "properties": {}, "children": [] },
    { "name": "app", "properties": { "cgroup.max.descendants": "1", "cgroup.max.depth": "1" }, "children": [
      { "name": "a", "properties": {}, "children": [] },
      { "name": "b", "properties": {}, "children": [] },
      { "name": "c", "properties": {}, "children": [] } ] } ] } } ] }
JSON
    restore
    echo "$stderr"
    [ "$status" -eq 0 ]
    [ -d "$TOP/app/c" ]
    [ "$(cat "$TOP/app/cgroup.max.descendants")" = 1 ]
    [ "$(cat "$TOP/app/cgroup.max.depth")" = 1 ]
    # and the kernel enforces it from now on
    run mkdir "$TOP/app/d"
    [ "$status" -ne 0 ]
}

@test "io.max keeps its lines and writes one per write(2)" {
    # two loop devices: a VM has no other block device to throttle
    modprobe loop 2>/dev/null || true
    truncate -s 4M "$BATS_TEST_TMPDIR/d1" "$BATS_TEST_TMPDIR/d2"
    LOOPS=$(losetup -f --show "$BATS_TEST_TMPDIR/d1") && LOOPS="$LOOPS $(losetup -f --show "$BATS_TEST_TMPDIR/d2")"
    local a b
    a=$(lsblk -dno MAJ:MIN "${LOOPS%% *}" | tr -d ' ')
    b=$(lsblk -dno MAJ:MIN "${LOOPS##* }" | tr -d ' ')
    local rules="$a rbps=1048576 wbps=max riops=max wiops=max\\n$b rbps=max wbps=2097152 riops=max wiops=max"
    cat >"$IMG" <<JSON
{ "cgbind": 1, "hierarchies": [ { "type": "cgroup2", "controllers": ["io"], "init": "init.scope",
  "root": { "properties": { "cgroup.subtree_control": "io" }, "children": [
    { "name": "init.scope", "properties": {}, "children": [] },
    { "name": "app", "properties": { "io.max": "$rules" }, "children": [] } ] } } ] }
JSON
    restore --debug
    echo "$stderr"
    [ "$status" -eq 0 ]
    # the kernel parses one rule per write: both rules there means two writes
    diff <(printf "$rules\\n" | sort) <(sort "$TOP/app/io.max")
}
