#!/usr/bin/env bats
# cgbind-layouts: hybrid v2
# (Not in the v1 VM: this host's v1 hierarchies run it; the v1 VM keeps
# what only it has: CRIU, a kernel without cgroup2, its interface files.)
# A restore that fails half-way undoes everything it did: created cgroups
# removed deepest first, changed values written back. The value that fails
# is one the kernel refuses (cpuset.cpus of a CPU this machine lacks).

load helpers

setup() {
    trace_failures_only
    requires root runc
    ID=rb-$BATS_TEST_NUMBER
    create_ctr "$ID"
    if [ "$(cg_layout)" = v2 ]; then
        V2=1
        TOP=$(pid_cg_dir "$PID" "")
        HIER='"type": "cgroup2", "controllers": ["cpuset", "pids"], "init": "init.scope"'
        TOPPROPS='{ "cgroup.subtree_control": "cpuset pids" }'
        INIT='{ "name": "init.scope", "properties": {}, "children": [] },'
        PIDS_TOP=$TOP
    else
        V2=0
        TOP=$(pid_cg_dir "$PID" cpuset)
        PIDS_TOP=$(pid_cg_dir "$PID" pids)
        HIER='"type": "cgroup", "controllers": ["cpuset"]'
        TOPPROPS='{}'
        INIT=
    fi
    BAD_CPU=$(( $(nproc --all) + 5 ))
    IMG=$BATS_TEST_TMPDIR/img.json
}

teardown() {
    common_teardown
}

node() { # name cpus children
    local sc=
    # on v2 a parent enables cpuset for its children, as save records it
    [ "$V2" = 1 ] && [ -n "$3" ] && sc=', "cgroup.subtree_control": "cpuset"'
    echo "{ \"name\": \"$1\", \"properties\": { \"cpuset.cpus\": \"$2\", \"cpuset.mems\": \"0\"$sc }, \"children\": [ $3 ] }"
}

dump() {
    cg_tree_dump "$TOP" cpuset.cpus cpuset.mems pids.max cgroup.subtree_control cgroup.procs
    [ "$PIDS_TOP" = "$TOP" ] || cg_tree_dump "$PIDS_TOP" pids.max
}

restore() {
    restore_ctr "$@"
}

@test "a value the kernel refuses on the fifth node: exit 1, no cgroup of the run left" {
    # n1/n2/n3, n4, n5: the fifth cgroup created gets the bad value
    cat >"$IMG" <<JSON
{ "cgbind": 1, "hierarchies": [ { $HIER, "root": { "properties": $TOPPROPS, "children": [ $INIT
  $(node n1 0 "$(node n2 0 "$(node n3 0 "")")"), $(node n4 0 ""), $(node n5 $BAD_CPU "") ] } } ] }
JSON
    dump >"$BATS_TEST_TMPDIR/before"
    restore --log "$BATS_TEST_TMPDIR/log"
    [ "$status" -eq 1 ]
    assert_one_error_line
    # shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
    [[ "$stderr" == *"n5/cpuset.cpus"*"rolled back"* ]]
    diff "$BATS_TEST_TMPDIR/before" <(dump)
    # the log holds the same error, naming the container
    grep -q "error container=$ID restore: .*n5/cpuset.cpus" "$BATS_TEST_TMPDIR/log"
}

@test "the debug log shows every operation with its host path; the run got to the fifth mkdir" {
    cat >"$IMG" <<JSON
{ "cgbind": 1, "hierarchies": [ { $HIER, "root": { "properties": $TOPPROPS, "children": [ $INIT
  $(node n1 0 "$(node n2 0 "$(node n3 0 "")")"), $(node n4 0 ""), $(node n5 $BAD_CPU "") ] } } ] }
JSON
    restore --debug --log "$BATS_TEST_TMPDIR/log"
    [ "$status" -eq 1 ]
    grep -q "debug container=$ID restore: mkdir $TOP/n1/n2/n3\$" "$BATS_TEST_TMPDIR/log"
    grep -q "debug container=$ID restore: mkdir $TOP/n5\$" "$BATS_TEST_TMPDIR/log"
    # five, and on v2 init.scope first
    [ "$(grep -c 'restore: mkdir' "$BATS_TEST_TMPDIR/log")" -eq $((5 + V2)) ]
    [ ! -d "$TOP/n1" ]
}

@test "rollback writes back the values it changed on existing cgroups (mode full)" {
    mkdir -p "$TOP/keep"
    if [ "$V2" = 1 ]; then
        mkdir "$TOP/init.scope"
        echo "$PID" >"$TOP/init.scope/cgroup.procs"
        echo "+cpuset +pids" >"$TOP/cgroup.subtree_control"
    fi
    echo 1 >"$TOP/keep/cpuset.cpus"
    echo 0 >"$TOP/keep/cpuset.mems"
    cat >"$IMG" <<JSON
{ "cgbind": 1, "hierarchies": [ { $HIER, "root": { "properties": $TOPPROPS, "children": [ $INIT
  $(node keep 0 "$(node inner 0 "")"), $(node bad $BAD_CPU "") ] } } ] }
JSON
    dump >"$BATS_TEST_TMPDIR/before"
    restore --mode full
    [ "$status" -eq 1 ]
    assert_one_error_line
    diff "$BATS_TEST_TMPDIR/before" <(dump)
    [ "$(cat "$TOP/keep/cpuset.cpus")" = 1 ]
}

@test "the error names the host path of the file that failed" {
    cat >"$IMG" <<JSON
{ "cgbind": 1, "hierarchies": [ { $HIER, "root": { "properties": $TOPPROPS, "children": [ $INIT
  $(node bad $BAD_CPU "") ] } } ] }
JSON
    restore
    [ "$status" -eq 1 ]
    # the operation as the dry run and the debug log show it
    [[ "$stderr" == *"write $TOP/bad/cpuset.cpus = \"$BAD_CPU\": "* ]]
}
