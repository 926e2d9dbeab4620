#!/usr/bin/env bats
# cgbind-layouts: hybrid v1
# An image saved in the cgroup v2 VM (test/bats/data/saved-in-v2-vm.json, made
# by `runc state | cgbind save` there) restores into a runc container on this
# v1 host with the translated limits, read inside the new container.

load helpers

setup() {
    trace_failures_only
    requires root runc cgroup_v1
    IMG=$CGBIND_SRC/test/bats/data/saved-in-v2-vm.json
}

teardown() {
    common_teardown
}

@test "a v2 image restores on v1 with translated limits" {
    local dst
    dst=$(new_bundle dst 'c=/sys/fs/cgroup
for f in cpu/app/cpu.shares cpu/app/cpu.cfs_quota_us cpu/app/cpu.cfs_period_us memory/app/memory.limit_in_bytes pids/app/pids.max cpu/app/web/cpu.shares memory/app/web/memory.limit_in_bytes pids/app/web/pids.max; do echo "$f $(cat $c/$f)"; done
[ -e $c/memory/app/memory.memsw.limit_in_bytes ] && echo "memsw $(cat $c/memory/app/memory.memsw.limit_in_bytes)"
[ -d $c/pids/init.scope ] && echo "init.scope dir"')
    add_hook "$dst" prestart restore --image "$IMG" --log "$BATS_TEST_TMPDIR/log"
    run_fg conv1 "$dst"
    echo "$output"
    [ "$status" -eq 0 ]
    local expected=("cpu/app/cpu.shares 5219" "cpu/app/cpu.cfs_quota_us 50000"
        "cpu/app/cpu.cfs_period_us 100000" "memory/app/memory.limit_in_bytes 268435456"
        "pids/app/pids.max 100" "cpu/app/web/cpu.shares 1286"
        "memory/app/web/memory.limit_in_bytes 134217728" "pids/app/web/pids.max 10")
    # memsw = memory.max + memory.swap.max, where the kernel counts swap
    if [ -e "$(cg_v1_mount memory)/memory.memsw.limit_in_bytes" ]; then
        expected+=("memsw 335544320")
    fi
    expected+=("init.scope dir")
    diff <(printf '%s\n' "$output") <(printf '%s\n' "${expected[@]}")
    # what has no v1 counterpart is named
    grep -q "warning container=conv1 restore: convert (/app/web): memory.high=100663296 has no cgroup v1 counterpart" "$BATS_TEST_TMPDIR/log"
    grep -q "image (cgroup v2): the container's cgroups are v1; converting" "$BATS_TEST_TMPDIR/log"
}

@test "show --convert v1 prints what would be restored" {
    run --separate-stderr "$CGBIND" show --convert v1 "$IMG"
    [ "$status" -eq 0 ]
    [[ "$output" == *"cpu.shares=5219"* ]]
    # shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
    [[ "$stderr" == *"memory.high"*"no cgroup v1 counterpart"* ]]
}
