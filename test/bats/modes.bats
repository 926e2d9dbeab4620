#!/usr/bin/env bats
# cgbind-layouts: hybrid v2
# (Not in the v1 VM: this host's v1 hierarchies run it; the v1 VM keeps
# what only it has: CRIU, a kernel without cgroup2, its interface files.)
# One test for each row of DESIGN.md's mode table, on a created container
# (runc create) whose sub-cgroups are prepared by hand, with pids.max as the
# property: every layout has it.

load helpers

setup() {
    trace_failures_only
    requires root runc
    ID=modes-$BATS_TEST_NUMBER
    create_ctr "$ID"
    if [ "$(cg_layout)" = v2 ]; then
        TOP=$(pid_cg_dir "$PID" "")
        V2=1
    else
        TOP=$(pid_cg_dir "$PID" pids)
        V2=0
    fi
    [ -d "$TOP" ]
    IMG=$BATS_TEST_TMPDIR/img.json
    # app (pids.max 20) with child web (10), and batch (5)
    write_image 20 10 5
}

teardown() {
    common_teardown
}

write_image() {
    local hier='"type": "cgroup", "controllers": ["pids"]' topprops='{}' appsc='' init=''
    if [ "$V2" = 1 ]; then
        hier='"type": "cgroup2", "controllers": ["pids"], "init": "init.scope"'
        topprops='{ "cgroup.subtree_control": "pids" }'
        # what save records on v2: app enables pids for web
        appsc=', "cgroup.subtree_control": "pids"'
        # init.scope is where the container's init goes
        init=', { "name": "init.scope", "properties": {}, "children": [] }'
    fi
    cat >"$IMG" <<JSON
{ "cgbind": 1, "hierarchies": [ { $hier, "root": { "properties": $topprops, "children": [
  { "name": "app", "properties": { "pids.max": "$1"$appsc }, "children": [
    { "name": "web", "properties": { "pids.max": "$2" }, "children": [] } ] },
  { "name": "batch", "properties": { "pids.max": "$3" }, "children": [] }$init ] } } ] }
JSON
}

# pre PATH VALUE: a sub-cgroup that exists before the restore. On v2 the
# container's init leaves the top-level first, as cgbind would do.
pre() {
    if [ "$V2" = 1 ] && [ ! -d "$TOP/init.scope" ]; then
        mkdir "$TOP/init.scope"
        echo "$PID" >"$TOP/init.scope/cgroup.procs"
        echo +pids >"$TOP/cgroup.subtree_control"
    fi
    mkdir -p "$TOP/$1"
    local parent=.
    [[ $1 == */* ]] && parent=${1%/*}
    [ "$V2" = 1 ] && echo +pids >"$TOP/$parent/cgroup.subtree_control" 2>/dev/null
    echo "$2" >"$TOP/$1/pids.max"
}

dump() {
    cg_tree_dump "$TOP" pids.max cgroup.subtree_control cgroup.procs
}

restore() {
    restore_ctr "$@"
    # shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
    echo "cgbind exited $status: $stderr"
}

val() {
    cat "$TOP/$1/pids.max"
}

@test "mode soft: a missing sub-cgroup is created with its properties, an existing one is left as found" {
    pre app 99
    restore --mode soft
    [ "$status" -eq 0 ]
    [ "$(val app)" = 99 ]
    [ "$(val app/web)" = 10 ]
    [ "$(val batch)" = 5 ]
}

@test "mode soft is the default" {
    pre app 99
    restore
    [ "$status" -eq 0 ]
    [ "$(val app)" = 99 ]
    [ "$(val batch)" = 5 ]
}

@test "mode full: missing ones are created, existing ones get their properties" {
    pre app 99
    restore --mode full
    [ "$status" -eq 0 ]
    [ "$(val app)" = 20 ]
    [ "$(val app/web)" = 10 ]
    [ "$(val batch)" = 5 ]
}

@test "mode strict: creates when nothing exists" {
    restore --mode strict
    [ "$status" -eq 0 ]
    [ "$(val app/web)" = 10 ]
}

@test "mode strict: an existing sub-cgroup fails before any change" {
    pre app/web 99
    dump >"$BATS_TEST_TMPDIR/before"
    restore --mode strict
    [ "$status" -eq 3 ]
    assert_one_error_line
    [[ "$stderr" == *"(pids:/app): exists already"* || "$stderr" == *"(cgroup2:/app): exists already"* ]]
    diff "$BATS_TEST_TMPDIR/before" <(dump)
}

@test "mode props: a missing sub-cgroup fails before any change" {
    pre app 99
    dump >"$BATS_TEST_TMPDIR/before"
    restore --mode props
    [ "$status" -eq 3 ]
    assert_one_error_line
    [[ "$stderr" == *"missing"* ]]
    diff "$BATS_TEST_TMPDIR/before" <(dump)
}

@test "mode props: existing sub-cgroups get their properties" {
    pre app 99
    pre app/web 98
    pre batch 97
    [ "$V2" = 0 ] || pre init.scope max
    restore --mode props
    [ "$status" -eq 0 ]
    [ "$(val app)" = 20 ]
    [ "$(val app/web)" = 10 ]
    [ "$(val batch)" = 5 ]
}

@test "mode none: a missing sub-cgroup fails, nothing changes" {
    pre app 99
    dump >"$BATS_TEST_TMPDIR/before"
    restore --mode none
    [ "$status" -eq 3 ]
    assert_one_error_line
    diff "$BATS_TEST_TMPDIR/before" <(dump)
}

@test "mode none: everything present is a verification run that changes nothing" {
    pre app 99
    pre app/web 98
    pre batch 97
    [ "$V2" = 0 ] || pre init.scope max
    dump >"$BATS_TEST_TMPDIR/before"
    restore --mode none
    [ "$status" -eq 0 ]
    diff "$BATS_TEST_TMPDIR/before" <(dump)
}

@test "mode ignore: does nothing and exits 0, even with a broken image" {
    echo '{ not json' >"$IMG"
    dump >"$BATS_TEST_TMPDIR/before"
    restore --mode ignore
    [ "$status" -eq 0 ]
    diff "$BATS_TEST_TMPDIR/before" <(dump)
}

@test "a later --mode overrides an earlier one" {
    pre app 99
    restore --mode strict --mode full
    [ "$status" -eq 0 ]
    [ "$(val app)" = 20 ]
}

@test "the annotation io.cgbind.mode sets the mode, and --mode wins over it" {
    pre app 99
    add_annotation "$BATS_TEST_TMPDIR/bundles/ctr" io.cgbind.mode full
    restore --mode soft
    [ "$status" -eq 0 ]
    [ "$(val app)" = 99 ]
    restore
    [ "$status" -eq 0 ]
    [ "$(val app)" = 20 ]
}

@test "an unknown mode is bad usage (2) and touches nothing" {
    dump >"$BATS_TEST_TMPDIR/before"
    restore --mode fast
    [ "$status" -eq 2 ]
    assert_one_error_line
    diff "$BATS_TEST_TMPDIR/before" <(dump)
}
