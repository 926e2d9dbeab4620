#!/usr/bin/env bats
# cgbind-layouts: v2
# Issue 23.5: the memory-cgroup-id cap counts what the kernel will make, not
# what the image declares. On cgroup v2 a sub-cgroup gets a memory cgroup
# when its parent has memory in cgroup.subtree_control: the image's own
# values (which validation keeps within the declared controllers) and the
# top-level's as it is now (a workload may have enabled +memory there).
# Each case restores --dry-run with --max-cgroups raised, so that only the
# memory cgroup cap (half the kernel's 65 535 ids, with the host's count)
# can refuse; 32 768 new memory cgroups are past it on any host.

load helpers

setup() {
    trace_failures_only
    v2_ctr_setup caps
    [ -d "$TOP" ]
    IMG=$BATS_TEST_TMPDIR/img.json
    N=32768
}

teardown() {
    common_teardown
}

# image CONTROLLERS SUBTREE N: a cgroup2 hierarchy declaring CONTROLLERS
# (a JSON list's inside), its root's cgroup.subtree_control SUBTREE ("" for
# none), N empty sub-cgroups below the root
image() {
    awk -v ctl="$1" -v sc="$2" -v n="$3" 'BEGIN {
        printf "{ \"cgbind\": 1, \"hierarchies\": [ { \"type\": \"cgroup2\", \"controllers\": [%s],\n", ctl
        printf "  \"root\": { \"properties\": {%s}, \"children\": [\n", sc == "" ? "" : " \"cgroup.subtree_control\": \"" sc "\" "
        for (i = 0; i < n; i++)
            printf "%s{ \"name\": \"c%d\" }\n", i ? "," : "", i
        printf "] } } ] }\n"
    }' >"$IMG"
}

# the workload moves itself below its top-level and enables memory there
workload_enables_memory() {
    grep -qw memory "$TOP/cgroup.controllers"
    mkdir "$TOP/w"
    echo "$PID" >"$TOP/w/cgroup.procs"
    echo +memory >"$TOP/cgroup.subtree_control"
    grep -qw memory "$TOP/cgroup.subtree_control"
}

@test "caps: the issue's image (controllers [pids], subtree_control \"memory pids\", 3001 sub-cgroups) is refused" {
    image '"pids"' "memory pids" 3001
    restore_ctr --mode full
    # shellcheck disable=SC2154 # set by bats run --separate-stderr
    echo "$stderr"
    [ "$status" -eq 2 ]
    [[ $stderr == *"controller memory is not one of the hierarchy's controllers"* ]]
    [ ! -d "$TOP/c0" ]
}

@test "caps: a top-level where the workload enabled +memory: every new sub-cgroup counts as a memory cgroup" {
    workload_enables_memory
    image '"pids"' "" "$N"
    restore_ctr --mode full --dry-run --max-cgroups 40000
    echo "$stderr"
    [ "$status" -eq 3 ]
    [[ $stderr == *"image: $N memory cgroups to create"* ]]
    [ ! -d "$TOP/c0" ]
}

@test "caps: the image's own subtree_control with memory counts" {
    image '"memory", "pids"' "memory pids" "$N"
    restore_ctr --mode full --dry-run --max-cgroups 40000
    echo "$stderr"
    [ "$status" -eq 3 ]
    [[ $stderr == *"image: $N memory cgroups to create"* ]]
}

@test "caps: no memory in any subtree_control: none counted (the control; the dry run plans them all)" {
    [ -z "$(grep -w memory "$TOP/cgroup.subtree_control")" ]
    image '"memory", "pids"' "pids" "$N"
    restore_ctr --mode full --dry-run --max-cgroups 40000
    echo "$stderr"
    [ "$status" -eq 0 ]
    [ "$(grep -c '^  mkdir ' <<<"$output")" -eq "$N" ]
}

# Issue 23.6: huge page sizes are the host's (read from
# /sys/kernel/mm/hugepages before the sandbox), not any 1-4 digit size.
@test "hugetlb: a huge page size the host does not have is refused before any change; the host's own plans" {
    grep -qw hugetlb "$TOP/cgroup.controllers"
    local kib have
    kib=$(ls /sys/kernel/mm/hugepages | sed -n 's/^hugepages-\([0-9]*\)kB$/\1/p' | head -1)
    [ -n "$kib" ]
    if [ "$kib" -ge 1048576 ]; then have=$((kib / 1048576))GB; elif [ "$kib" -ge 1024 ]; then have=$((kib / 1024))MB; else have=${kib}KB; fi
    [ ! -e /sys/kernel/mm/hugepages/hugepages-3072kB ]
    cat >"$IMG" <<'JSON'
{ "cgbind": 1, "hierarchies": [ { "type": "cgroup2", "controllers": ["hugetlb"],
  "root": { "properties": {}, "children": [ { "name": "app", "properties": { "hugetlb.3MB.max": "0" } } ] } } ] }
JSON
    restore_ctr --dry-run
    echo "$stderr"
    [ "$status" -eq 3 ]
    [[ $stderr == *"property hugetlb.3MB.max: the host has no such huge page size (it has: "*"$have"* ]]
    sed -i "s/3MB/$have/" "$IMG"
    restore_ctr --dry-run
    echo "$stderr"
    [ "$status" -eq 0 ]
    [[ $output == *"hugetlb.$have.max"* ]]
}
