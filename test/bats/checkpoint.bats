#!/usr/bin/env bats
# cgbind-layouts: v1 v2
# Checkpoint and restore carry the sub-tree by themselves: cgbind is CRIU's
# action-script (/etc/criu/runc.conf, as installed), saves the sub-tree into
# the checkpoint at post-dump and restores it from there at post-restore.
# No cgbind command is typed between the workload's start and the checks.
# A workload builds its tree (v2: an init cgroup, two levels, memory, cpu
# and pids limits; v1: the memory, pids and cpu hierarchies) and runs on;
# it is checkpointed once for the suite (the container is gone after it),
# and each test restores a copy of that checkpoint. On v2 the workload is a
# program that reads its own limits in a tight loop (checkpoint-reader.c):
# the passes that did not see them after a restore are the window.

load helpers
load checkpoint-helpers
load engines-helpers

# the workload: builds its tree (engines-helpers.bash), then reads its
# limits (v2) or counts (v1)
workload() {
    if [ "$(cg_layout)" = v2 ]; then
        # shellcheck disable=SC2016 # expanded by the container's shell
        eng_workload v2 'exec /reader /status $c/app/memory.max 268435456 $c/app/pids.max 50 $c/app/web/memory.max 134217728 $c/app/web/cpu.max "50000 100000"'
    else
        eng_workload v1
    fi
}

# every limit of the tree, seen from the host: ID [ROOT]
limits_of() {
    local rt=${2:-$RUNTIME} pid top m p c
    [[ $($rt state "$1") =~ \"pid\":\ *([0-9]+) ]] || return 1
    pid=${BASH_REMATCH[1]}
    if [ "$(cg_layout)" = v2 ]; then
        top=$(pid_cg_dir "$pid" "")
        top=${top%/init.scope}
        echo "$(cat "$top/cgroup.subtree_control") | $(cat "$top/app/cgroup.subtree_control" 2>&1)" \
            "| $(cat "$top/app/memory.max" "$top/app/pids.max" "$top/app/cpu.weight" \
                "$top/app/web/memory.max" "$top/app/web/pids.max" "$top/app/web/cpu.max" 2>&1)"
    else
        m=$(pid_cg_dir "$pid" memory) p=$(pid_cg_dir "$pid" pids) c=$(pid_cg_dir "$pid" cpu)
        # shellcheck disable=SC2046 # the values (or cat's errors) joined on one line
        echo $(cat "$m/app/memory.limit_in_bytes" "$m/app/web/memory.limit_in_bytes" \
            "$p/app/pids.max" "$p/app/web/pids.max" "$c/app/cpu.shares" "$c/app/cpu.cfs_burst_us" 2>&1)
    fi
}

expected() {
    if [ "$(cg_layout)" = v2 ]; then
        echo "cpu memory pids | cpu memory pids | 268435456
50
200
134217728
20
50000 100000"
    else
        # cpu.cfs_burst_us: a limit CRIU does not restore by itself
        echo "268435456 134217728 50 20 512 20000"
    fi
}

setup_file() {
    criu_setup_file
    local BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR b rt
    export CK_ROOT=$BATS_FILE_TMPDIR/root
    rt="runc --root $CK_ROOT --criu $CRIU_BIN"
    b=$(new_bundle ck "$(workload)")
    if [ "$(cg_layout)" = v2 ]; then
        gcc -static -O2 -o "$b/rootfs/reader" "$CGBIND_SRC/test/bats/checkpoint-reader.c"
    fi
    (cd "$b" && $rt run -d ck </dev/null >/dev/null 2>&1)
    if [ "$(cg_layout)" = v2 ]; then
        wait_for "[ -s '$b/rootfs/status' ]"
    else
        wait_for "[ -e '$b/rootfs/built' ]"
    fi
    [ "$(limits_of ck "$rt")" = "$(expected)" ] || { limits_of ck "$rt" >&2; return 1; }
    if [ "$(cg_layout)" = v2 ]; then
        # the reader parks: no cgroup file open while CRIU dumps it
        [[ $($rt state ck) =~ \"pid\":\ *([0-9]+) ]]
        kill -USR1 "${BASH_REMATCH[1]}"
        wait_for "[ \"\$(status_of '$b' | cut -d' ' -f4)\" = 1 ]"
    fi
    $rt checkpoint --image-path "$BATS_FILE_TMPDIR/ck" ck
    if $rt state ck >/dev/null 2>&1; then
        echo "ck still exists after its checkpoint" >&2
        return 1
    fi
    # what each test restores: the bundle as it was at the checkpoint
    mv "$b" "$BATS_FILE_TMPDIR/bundle"
}

teardown_file() {
    runc --root "$CK_ROOT" delete -f ck >/dev/null 2>&1 || true
    criu_teardown_file
}

setup() {
    trace_failures_only
    ck_copy_setup ck
}

teardown() {
    common_teardown
}

# the v2 reader's status: "passes bad since_bad parked" (parked: 1 waiting
# for a restore, 2 after one)
status_of() {
    local l
    read -r l <"$1/rootfs/status"
    echo $l
}

# keeps_running ID BUNDLE: the workload goes on after the restore
keeps_running() {
    local a b
    if [ "$(cg_layout)" = v2 ]; then
        a=$(status_of "$2")
        wait_for "[ \"\$(status_of '$2' | cut -d' ' -f1)\" -gt $((${a%% *} + 200)) ]"
    else
        wait_for "a=\$(cat '$2/rootfs/count') && [ -n \"\$a\" ]"
        a=$(cat "$2/rootfs/count")
        wait_for "[ \"\$(cat '$2/rootfs/count')\" -gt ${a:-0} ]"
    fi
    [[ $($RUNTIME state "$1") == *'"status": "running"'* ]]
}

@test "runc checkpoint: cgbind saved the sub-tree into the checkpoint, and the container is gone" {
    [ -f "$CK/cgbind.json" ]
    run --separate-stderr "$CGBIND" show "$CK/cgbind.json"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"app"* && "$output" == *"web"* ]]
    if [ "$(cg_layout)" = v2 ]; then
        [[ "$output" == *"(init in init.scope)"* && "$output" == *"pids.max=20"* ]]
    else
        [[ "$output" == *"cpu.shares=512"* && "$output" == *"cpu.cfs_burst_us=20000"* ]]
    fi
    run ! runc --root "$CK_ROOT" state ck
    # the workload's cgroups went with it
    [ "$(cg_layout)" != v2 ] || [ ! -d /sys/fs/cgroup/ck ]
}

@test "runc restore, same id: the tree and every limit are back before the workload resumes, and it keeps counting" {
    local before after
    [ "$(cg_layout)" != v2 ] || before=$(status_of "$B")
    restore_into ck "$B"
    [ "$status" -eq 0 ]
    [ "$(limits_of ck)" = "$(expected)" ]
    keeps_running ck "$B"
    if [ "$(cg_layout)" = v2 ]; then
        # the window: passes of the reader that did not see its limits
        after=$(status_of "$B")
        echo "# v2 window: $(($(echo "$after" | cut -d' ' -f2) - $(echo "$before" | cut -d' ' -f2))) of $(($(echo "$after" | cut -d' ' -f1) - $(echo "$before" | cut -d' ' -f1))) passes after the restore ran without the limits" >&3
        [ "$(echo "$before" | cut -d' ' -f2)" = 0 ]
        [ "$(echo "$after" | cut -d' ' -f2)" = 0 ]
    fi
    # the record of the restore went at post-resume
    ! ls /run/cgbind/criu-* 2>/dev/null
}

@test "runc restore into a new bundle: the same tree and limits" {
    mv "$B" "$BATS_TEST_TMPDIR/bundles/new"
    B=$BATS_TEST_TMPDIR/bundles/new
    restore_into ck "$B"
    [ "$status" -eq 0 ]
    [ "$(limits_of ck)" = "$(expected)" ]
    keeps_running ck "$B"
    [ "$(cg_layout)" != v2 ] || [ "$(status_of "$B" | cut -d' ' -f2)" = 0 ]
}

@test "runc restore under a new id: the same tree and limits" {
    mv "$B" "$BATS_TEST_TMPDIR/bundles/other"
    B=$BATS_TEST_TMPDIR/bundles/other
    debug_script
    restore_into ck-other "$B"
    undebug_script
    [ "$status" -eq 0 ]
    [ "$(limits_of ck-other)" = "$(expected)" ]
    keeps_running ck-other "$B"
    cat "$DLOG"
    # the second run of CRIU's pair checked the first one's record against
    # the kernel and did nothing
    grep -q 'a second run of this restore (CRIU pid [0-9]*): nothing to do' "$DLOG"
    if [ "$(cg_layout)" = v2 ]; then
        # the rebase is the plan's: the init's cgroup made, the tasks, CRIU
        # and cgbind moved into it (journaled, undone on failure), all
        # before the top-level's controllers
        grep -q 'criu-script: mkdir /sys/fs/cgroup/ck-other/init.scope$' "$DLOG"
        grep -Eq 'criu-script: move pid [0-9]+ into /sys/fs/cgroup/ck-other/init.scope$' "$DLOG"
        [ "$(grep -n 'criu-script: move pid' "$DLOG" | tail -n 1 | cut -d: -f1)" -lt \
            "$(grep -n 'criu-script: write /sys/fs/cgroup/ck-other/cgroup.subtree_control' "$DLOG" | head -n 1 | cut -d: -f1)" ]
        # runc 1.1.5 names no cgroup v2 root to CRIU, which puts the tasks
        # back under the old id's cgroup: cgbind moved them beneath the new
        # one, and left the empty /ck that CRIU made
        SCRATCH_CGROUPS+=(/sys/fs/cgroup/ck)
        one_line_in "$CK/restore.log" '^cgbind: criu-script: warning: the restored tasks were under /ck '
        [ -z "$(cat /sys/fs/cgroup/ck/init.scope/cgroup.procs)" ]
        # (the workload's own cgroup mount and namespace, restored by CRIU,
        # still show /ck: its reader does not see the limits that bind it)
    fi
}

@test "a checkpoint without cgbind.json restores as before" {
    rm "$CK/cgbind.json"
    restore_into ck "$B"
    [ "$status" -eq 0 ]
    keeps_running ck "$B"
    if [ "$(cg_layout)" = v2 ]; then
        # what CRIU gives back on v2 by itself: the init's cgroup, no sub-tree;
        # and the reader counts every pass from the first one as bad
        [[ "$(limits_of ck)" == " | cat: "* ]]
        local s
        s=$(status_of "$B")
        echo "# without cgbind: $(echo "$s" | cut -d' ' -f2) bad passes" >&3
        [ "$(echo "$s" | cut -d' ' -f2)" -gt 200 ]
        [ "$(echo "$s" | cut -d' ' -f3)" = 0 ]
    else
        # CRIU brings back the v1 tree and most limits, not the burst
        [ "$(limits_of ck)" = "268435456 134217728 50 20 512 0" ]
    fi
}

@test "a corrupt cgbind.json fails the restore, with one clear line" {
    printf '{"cgbind": 1, "hierarchies": [' >"$CK/cgbind.json"
    restore_into ck "$B"
    [ "$status" -ne 0 ]
    one_line_in "$CK/restore.log" '^cgbind: criu-script: '
    grep -q '^cgbind: criu-script: image' "$CK/restore.log"
    run ! $RUNTIME state ck
    [ "$(cg_layout)" != v2 ] || [ ! -d /sys/fs/cgroup/ck ]
}

@test "an image in the checkpoint that names a file outside the allowlist is refused, and the restore fails" {
    if [ "$(cg_layout)" = v2 ]; then
        echo '{"cgbind": 1, "hierarchies": [{"type": "cgroup2", "controllers": ["memory"], "root": {"children": [
            {"name": "app", "properties": {"cgroup.procs": "1"}}]}}]}' >"$CK/cgbind.json"
    else
        echo '{"cgbind": 1, "hierarchies": [{"type": "cgroup", "controllers": ["memory"], "root": {"children": [
            {"name": "app", "properties": {"release_agent": "/x"}}]}}]}' >"$CK/cgbind.json"
    fi
    restore_into ck "$B"
    [ "$status" -ne 0 ]
    one_line_in "$CK/restore.log" '^cgbind: criu-script: '
    grep -Eq '^cgbind: criu-script: image.*(cgroup.procs|release_agent)' "$CK/restore.log"
    ! $RUNTIME state ck
}

@test "an image of the other cgroup version in the checkpoint is converted (v1 on v2, v2 on v1)" {
    if [ "$(cg_layout)" = v2 ]; then
        # a v1 image of the same tree: memsw becomes swap.max, shares weight
        echo '{"cgbind": 1, "hierarchies": [
          {"type": "cgroup", "controllers": ["memory"], "root": {"children": [
            {"name": "app", "properties": {"memory.limit_in_bytes": "268435456"}, "children": [
              {"name": "web", "properties": {"memory.limit_in_bytes": "134217728"}}]}]}},
          {"type": "cgroup", "controllers": ["pids"], "root": {"children": [
            {"name": "app", "properties": {"pids.max": "50"}, "children": [{"name": "web", "properties": {"pids.max": "20"}}]}]}},
          {"type": "cgroup", "controllers": ["cpu", "cpuacct"], "root": {"children": [
            {"name": "app", "properties": {"cpu.shares": "5102"}, "children": [
              {"name": "web", "properties": {"cpu.cfs_quota_us": "50000", "cpu.cfs_period_us": "100000"}}]}]}}]}' >"$CK/cgbind.json"
    else
        # a v2 image of the tree with other values than CRIU's own cgroup.img,
        # so that what cgbind wrote is told apart: weight 200 is shares 5102
        echo '{"cgbind": 1, "hierarchies": [{"type": "cgroup2", "controllers": ["cpu", "memory", "pids"],
          "root": {"properties": {"cgroup.subtree_control": "cpu memory pids"}, "children": [
            {"name": "app", "properties": {"cgroup.subtree_control": "cpu memory pids", "memory.max": "201326592",
              "pids.max": "40", "cpu.weight": "200"}, "children": [
              {"name": "web", "properties": {"memory.max": "100663296", "pids.max": "10"}}]}]}}]}' >"$CK/cgbind.json"
    fi
    restore_into ck "$B"
    [ "$status" -eq 0 ]
    if [ "$(cg_layout)" = v2 ]; then
        # cpu.shares 5102 is cpu.weight 1 + (5100 * 9999) / 262142 = 195
        [ "$(limits_of ck)" = "cpu memory pids | cpu memory pids | 268435456
50
195
134217728
20
50000 100000" ]
        [ "$(status_of "$B" | cut -d' ' -f2)" = 0 ]
    else
        # weight 200 is shares 2 + (199 * 262142) / 9999 = 5219
        [ "$(limits_of ck)" = "201326592 100663296 40 10 5219 0" ]
    fi
    keeps_running ck "$B"
}

@test "install: runc.conf is written only when it is missing and CRIU is 3.19 or later" {
    local frag=$BATS_TEST_TMPDIR/criu-runc.conf target=$BATS_TEST_TMPDIR/etc/criu/runc.conf new old
    sed "s|@CRIU_SCRIPT@|/usr/libexec/cgbind/criu-script|" "$CGBIND_SRC/contrib/criu/runc.conf.in" >"$frag"
    new=$BATS_TEST_TMPDIR/new old=$BATS_TEST_TMPDIR/old
    mkdir -p "$new" "$old"
    printf '#!/bin/sh\nexec %s "$@"\n' "$CRIU_BIN" >"$new/criu"
    printf '#!/bin/sh\nexec /usr/sbin/criu "$@"\n' >"$old/criu"
    chmod +x "$new/criu" "$old/criu"
    # Debian 12's CRIU: nothing written, the line to add printed
    run env PATH="$old:$PATH" sh "$CGBIND_SRC/contrib/criu/install-runc-conf.sh" "$frag" "$target"
    [[ $output == *"CRIU 3.17"*"not written"* ]]
    [ ! -e "$target" ]
    # a staged install: nothing written
    run env DESTDIR=/nonexistent PATH="$new:$PATH" sh "$CGBIND_SRC/contrib/criu/install-runc-conf.sh" "$frag" "$target"
    [ ! -e "$target" ]
    # CRIU 4.1: written
    run env PATH="$new:$PATH" sh "$CGBIND_SRC/contrib/criu/install-runc-conf.sh" "$frag" "$target"
    [[ $output == "cgbind: wrote $target"* ]]
    cmp "$frag" "$target"
    # a runc.conf of the user's: left alone, the line printed
    echo "log-file /var/log/criu.log" >"$target"
    run env PATH="$new:$PATH" sh "$CGBIND_SRC/contrib/criu/install-runc-conf.sh" "$frag" "$target"
    [[ $output == *"left alone"*"action-script /usr/libexec/cgbind/criu-script"* ]]
    [ "$(cat "$target")" = "log-file /var/log/criu.log" ]
}
