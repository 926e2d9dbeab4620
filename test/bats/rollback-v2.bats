#!/usr/bin/env bats
# cgbind-layouts: v2
# Rollback of the v2-only changes: a cgroup.subtree_control write and the
# move of the container's init. The state afterwards equals the state before.

load helpers

setup() {
    trace_failures_only
    v2_ctr_setup rb2
    IMG=$BATS_TEST_TMPDIR/img.json
    BAD_CPU=$(( $(nproc --all) + 5 ))
}

teardown() {
    common_teardown
}

dump() {
    cg_tree_dump "$TOP" cgroup.subtree_control cgroup.procs pids.max cpuset.cpus
}

restore() {
    restore_ctr "$@"
}

@test "the init move and the top-level's subtree_control are undone" {
    cat >"$IMG" <<JSON
{ "cgbind": 1, "hierarchies": [ { "type": "cgroup2", "controllers": ["cpuset", "pids"], "init": "init.scope",
  "root": { "properties": { "cgroup.subtree_control": "cpuset pids" }, "children": [
    { "name": "init.scope", "properties": {}, "children": [] },
    { "name": "ok", "properties": { "pids.max": "4" }, "children": [] },
    { "name": "bad", "properties": { "cpuset.cpus": "$BAD_CPU" }, "children": [] } ] } } ] }
JSON
    dump >"$BATS_TEST_TMPDIR/before"
    grep -qx "$PID" "$TOP/cgroup.procs"
    restore --debug
    # shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
    echo "$stderr"
    [ "$status" -eq 1 ]
    # it did move the pid and enable the controllers before failing
    [[ "$stderr" == *"move pid $PID into $TOP/init.scope"* ]]
    [[ "$stderr" == *"write $TOP/cgroup.subtree_control = \"+cpuset +pids\""* ]]
    diff "$BATS_TEST_TMPDIR/before" <(dump)
}

@test "a subtree_control added to an existing sub-cgroup is undone" {
    mkdir "$TOP/init.scope"
    echo "$PID" >"$TOP/init.scope/cgroup.procs"
    echo "+cpuset +pids" >"$TOP/cgroup.subtree_control"
    mkdir "$TOP/app"
    cat >"$IMG" <<JSON
{ "cgbind": 1, "hierarchies": [ { "type": "cgroup2", "controllers": ["cpuset", "pids"], "init": "init.scope",
  "root": { "properties": { "cgroup.subtree_control": "cpuset pids" }, "children": [
    { "name": "init.scope", "properties": {}, "children": [] },
    { "name": "app", "properties": { "cgroup.subtree_control": "cpuset pids" }, "children": [
      { "name": "bad", "properties": { "cpuset.cpus": "$BAD_CPU" }, "children": [] } ] } ] } } ] }
JSON
    dump >"$BATS_TEST_TMPDIR/before"
    [ -z "$(cat "$TOP/app/cgroup.subtree_control")" ]
    restore
    [ "$status" -eq 1 ]
    diff "$BATS_TEST_TMPDIR/before" <(dump)
}
