#!/usr/bin/env bats
# cgbind-layouts: v2
# An image saved on a cgroup v1 host (test/bats/data/saved-on-v1-host.json,
# made by `runc state | cgbind save` on the hybrid development host) restores
# into a runc container on cgroup v2 with the translated limits.

load helpers

setup() {
    trace_failures_only
    requires root runc cgroup_v2
    IMG=$CGBIND_SRC/test/bats/data/saved-on-v1-host.json
}

teardown() {
    common_teardown
}

VERIFY='cd /sys/fs/cgroup
echo "init $(cut -d: -f3 /proc/1/cgroup | sed "s|.*/||")"
for f in app/cpu.weight app/cpu.max app/memory.max app/memory.swap.max app/pids.max app/cpuset.cpus app/web/cpu.weight app/web/memory.max app/web/pids.max; do echo "$f $(cat $f)"; done'

@test "a v1 image restores on v2 with translated limits (automatic, with a notice)" {
    local dst
    dst=$(new_bundle dst "$VERIFY")
    add_hook "$dst" prestart restore --image "$IMG" --log "$BATS_TEST_TMPDIR/log"
    run_fg conv-auto "$dst"
    echo "$output"
    [ "$status" -eq 0 ]
    diff <(printf '%s\n' "$output") - <<'EOF2'
init init.scope
app/cpu.weight 20
app/cpu.max 50000 100000
app/memory.max 268435456
app/memory.swap.max 134217728
app/pids.max 100
app/cpuset.cpus 0
app/web/cpu.weight 10
app/web/memory.max 134217728
app/web/pids.max 10
EOF2
    grep -q "warning container=conv-auto restore: image (cgroup v1): the container's cgroups are v2; converting" "$BATS_TEST_TMPDIR/log"
}

@test "strict refuses a conversion that would lose something, before any change" {
    local b top
    b=$(new_bundle ctr "sleep 100")
    CONTAINERS+=(conv-strict)
    (cd "$b" && $RUNTIME create conv-strict </dev/null >/dev/null 2>&1)
    top=$(cg_host_dir conv-strict "")
    # cpuset.cpus at the top-level has a counterpart; add one that has none
    jq '(.hierarchies[] | select(.controllers == ["memory"]) | .root.children[0].properties["memory.swappiness"]) = "10"' \
        "$IMG" >"$BATS_TEST_TMPDIR/img.json"
    local before
    before=$(cg_tree_dump "$top" cgroup.subtree_control cgroup.procs)
    run --separate-stderr "$CGBIND" restore --image "$BATS_TEST_TMPDIR/img.json" --mode strict < <(state_of conv-strict)
    [ "$status" -eq 3 ]
    # shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
    [[ "$stderr" == *"memory.swappiness has no cgroup v2 counterpart"* ]]
    [ "$before" = "$(cg_tree_dump "$top" cgroup.subtree_control cgroup.procs)" ]
}
