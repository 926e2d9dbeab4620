#!/usr/bin/env bats
# cgbind-layouts: hybrid v1 v2
# At prestart the container's mount namespace still holds the host's own
# cgroup mounts (root "/"): cgbind must never create or write anything there.

load helpers

setup() {
    trace_failures_only
    requires root runc inotify
}

teardown() {
    common_teardown
}

@test "at prestart the host's root cgroups get no new directory and no write" {
    local img=$BATS_TEST_TMPDIR/img.json dst
    # an image that touches every v1 controller cgbind restores, or v2's
    if [ "$(cg_layout)" = v2 ]; then
        cat >"$img" <<'JSON'
{ "cgbind": 1, "hierarchies": [ { "type": "cgroup2", "controllers": ["cpu", "memory", "pids"],
  "root": { "properties": { "cgroup.subtree_control": "pids" }, "children": [
    { "name": "app", "properties": { "pids.max": "9" }, "children": [] } ] } } ] }
JSON
    else
        cat >"$img" <<'JSON'
{ "cgbind": 1, "hierarchies": [
  { "type": "cgroup", "controllers": ["pids"], "root": { "properties": {}, "children": [
    { "name": "app", "properties": { "pids.max": "9" }, "children": [] } ] } },
  { "type": "cgroup", "controllers": ["memory"], "root": { "properties": {}, "children": [
    { "name": "app", "properties": { "memory.limit_in_bytes": "67108864" }, "children": [] } ] } } ] }
JSON
    fi
    host_roots >"$BATS_TEST_TMPDIR/dirs"
    host_roots_dump >"$BATS_TEST_TMPDIR/before"
    dst=$(new_bundle dst "cat /sys/fs/cgroup/pids/app/pids.max 2>/dev/null || cat /sys/fs/cgroup/app/pids.max")
    add_hook_cmd "$dst" prestart "$CGBIND_SRC/test/bats/watch-hook.sh" watch-hook \
        "$BATS_TEST_TMPDIR/events" "$BATS_TEST_TMPDIR/dirs" -- "$CGBIND" restore --image "$img"
    run_fg dst-untouched "$dst"
    [ "$status" -eq 0 ]
    [ "$output" = 9 ]
    # nothing happened in any root while the hook ran
    if [ -s "$BATS_TEST_TMPDIR/events" ]; then
        cat "$BATS_TEST_TMPDIR/events" >&2
        false
    fi
    cleanup_containers
    host_roots_dump >"$BATS_TEST_TMPDIR/after"
    diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
}
