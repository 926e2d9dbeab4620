#!/usr/bin/env bats
# cgbind-layouts: hybrid
# Bad OCI state on stdin: one clear line on stderr, exit 2 (invalid) or 3
# (precondition), and nothing touched anywhere.

load helpers

setup() {
    trace_failures_only
    requires root
    IMG=$BATS_TEST_TMPDIR/img.json
    cat >"$IMG" <<'JSON'
{ "cgbind": 1, "hierarchies": [ { "type": "cgroup2", "controllers": [], "root": { "properties": {}, "children": [] } } ] }
JSON
    BUNDLE=$BATS_TEST_TMPDIR/bundle
    mkdir -p "$BUNDLE/rootfs"
    echo '{ "root": { "path": "rootfs" } }' >"$BUNDLE/config.json"
    host_roots_dump >"$BATS_TEST_TMPDIR/before"
}

teardown() {
    common_teardown
}

# check STATUS INPUT-FILE [PATTERN]
check() {
    run --separate-stderr "$CGBIND" restore --image "$IMG" <"$2"
    # shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
    echo "status $status, stderr: $stderr"
    [ "$status" -eq "$1" ]
    assert_one_error_line
    if [ -n "${3:-}" ]; then [[ "$stderr" == *"$3"* ]]; fi
    diff "$BATS_TEST_TMPDIR/before" <(host_roots_dump)
}

state() { # pid-json
    echo "{\"ociVersion\":\"1.0.2\",\"id\":\"x\",\"status\":\"creating\",\"pid\":$1,\"bundle\":\"$BUNDLE\"}" >"$BATS_TEST_TMPDIR/in"
    echo "$BATS_TEST_TMPDIR/in"
}

@test "empty stdin" {
    : >"$BATS_TEST_TMPDIR/in"
    check 2 "$BATS_TEST_TMPDIR/in" "empty input"
}

@test "stdin is not JSON" {
    echo 'pid=42' >"$BATS_TEST_TMPDIR/in"
    check 2 "$BATS_TEST_TMPDIR/in" "not valid JSON"
}

@test "2 MiB of input" {
    head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$BATS_TEST_TMPDIR/in"
    check 2 "$BATS_TEST_TMPDIR/in" "larger than"
}

@test "pid missing" {
    echo "{\"id\":\"x\",\"bundle\":\"$BUNDLE\"}" >"$BATS_TEST_TMPDIR/in"
    check 2 "$BATS_TEST_TMPDIR/in" "state (pid): missing"
}

@test "pid 0" {
    check 2 "$(state 0)" "state (pid)"
}

@test "pid 1" {
    check 2 "$(state 1)" "state (pid)"
}

@test "pid -1" {
    check 2 "$(state -1)" "state (pid)"
}

@test "pid as a string \"123\"" {
    check 2 "$(state '"123"')" "expected an integer, got string"
}

@test "pid 1.5" {
    check 2 "$(state 1.5)" "expected an integer"
}

@test "a dead pid" {
    sleep 0.01 &
    local pid=$!
    wait $pid
    check 3 "$(state $pid)" "not running"
}

@test "bundle missing" {
    echo '{"id":"x","pid":'$$'}' >"$BATS_TEST_TMPDIR/in"
    check 2 "$BATS_TEST_TMPDIR/in" "state (bundle): missing"
}

@test "bundle that does not exist" {
    echo '{"id":"x","pid":'$$',"bundle":"/nonexistent/bundle"}' >"$BATS_TEST_TMPDIR/in"
    check 2 "$BATS_TEST_TMPDIR/in" "bundle"
}

@test "id missing" {
    echo "{\"pid\":$$,\"bundle\":\"$BUNDLE\"}" >"$BATS_TEST_TMPDIR/in"
    check 2 "$BATS_TEST_TMPDIR/in" "state (id): missing"
}

@test "duplicate key" {
    echo "{\"id\":\"x\",\"pid\":$$,\"pid\":$$,\"bundle\":\"$BUNDLE\"}" >"$BATS_TEST_TMPDIR/in"
    check 2 "$BATS_TEST_TMPDIR/in" "duplicate key"
}

@test "a process that is not in a container is refused (3)" {
    # this shell shares the hook's mount namespace, as a createContainer or
    # startContainer hook would: its cgroups are not a container's
    check 3 "$(state $$)" "shares the hook's mount namespace"
}

@test "no image given at all" {
    run --separate-stderr "$CGBIND" restore <"$(state $$)"
    [ "$status" -eq 2 ]
    assert_one_error_line
    [[ "$stderr" == *"io.cgbind.image"* ]]
}
