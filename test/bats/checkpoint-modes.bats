#!/usr/bin/env bats
# cgbind-layouts: v2 v1
# runc checkpoint and restore in each of CRIU's cgroup modes (soft, full,
# strict, ignore), with cgbind as CRIU's action-script (/etc/criu/runc.conf,
# as installed). runc 1.1.5 passes --manage-cgroups-mode to CRIU at the
# checkpoint only (and refuses "ignore" there); its restore does not read
# the flag at all, so the restore's mode is CRIU's own setting,
# "manage-cgroups=MODE" in runc.conf, which is what the tests set (and
# what runc 1.2's flag passes). Each mode ends with the saved tree and
# limits in place, counted against the image cgbind saved into the
# checkpoint, or with one clear line and nothing changed. The times of
# checkpoint and restore are printed, and the same without the
# action-script. A new cgroup parent (a pod restore): the bundle's
# cgroupsPath names another directory than the checkpointed container's.

load helpers
load checkpoint-helpers
load engines-helpers

setup_file() {
    criu_setup_file
}

teardown_file() {
    criu_teardown_file
}

setup() {
    trace_failures_only
    requires root runc vm
    CRT="$RUNTIME --criu $CRIU_BIN"
}

teardown() {
    common_teardown
}

# start ID [CGROUPS_PATH]: the workload in a bundle of its own, its tree built
start() {
    B=$(new_bundle "$1" "$(eng_workload)")
    [ -z "${2:-}" ] || bundle_set "$B" '.linux.cgroupsPath = $p' --arg p "$2"
    run_detached "$1" "$B"
    wait_for "[ -e '$B/rootfs/built' ]"
    CK=$BATS_TEST_TMPDIR/ck-$1
}

# checkpoint ID MODE...: runc checkpoint (MODE "" for runc's default); T_DUMP
checkpoint() {
    local id=$1 t0
    shift
    t0=$(now_ms)
    run $CRT checkpoint --image-path "$CK" ${1:+--manage-cgroups-mode "$1"} "$id"
    T_DUMP=$(($(now_ms) - t0))
    echo "$output"
    [ "$status" -eq 0 ] || grep -E 'Error|cgbind' "$CK/dump.log" | tail -n 8
}

# restore ID BUNDLE MODE: runc restore -d; T_RESTORE
restore() {
    local t0
    CONTAINERS+=("$1")
    t0=$(now_ms)
    run bash -c "cd '$2' && $CRT restore -d --image-path '$CK' ${3:+--manage-cgroups-mode $3} '$1' </dev/null 2>&1"
    T_RESTORE=$(($(now_ms) - t0))
    echo "$output"
    [ "$status" -eq 0 ] || grep -E 'Error|cgbind' "$CK/restore.log" | tail -n 8
}

# counting ID BUNDLE: the workload counts on, and runc says it runs
counting() {
    counts_on "$2/rootfs"
    [[ $($RUNTIME state "$1") == *'"status": "running"'* ]]
}

# criu_mode MODE: CRIU's own cgroup mode for what follows ("" for none)
criu_mode() {
    sed -i '/^manage-cgroups=/d' /etc/criu/runc.conf
    [ -z "$1" ] || echo "manage-cgroups=$1" >>/etc/criu/runc.conf
}

# round_trip MODE: checkpoint (--manage-cgroups-mode MODE) and restore
# (CRIU's mode MODE), same id and bundle
round_trip() {
    local id=ck-${1:-default}
    start "$id"
    checkpoint "$id" "$1"
    [ "$status" -eq 0 ]
    [ -f "$CK/cgbind.json" ]
    run $RUNTIME state "$id"
    [ "$status" -ne 0 ]
    criu_mode "$1"
    restore "$id" "$B" "$1"
    criu_mode ""
    [ "$status" -eq 0 ]
    score_against "$CK/cgbind.json" "$(ctr_pid "$id")" || { echo "missing: $MISSING"; false; }
    note "mode ${1:-default} ($(cg_layout)): $SCORE back; checkpoint $T_DUMP ms, restore $T_RESTORE ms"
    counting "$id" "$B"
}

@test "mode soft: the saved tree and limits are back" {
    round_trip soft
}

@test "mode full: the saved tree and limits are back" {
    round_trip full
}

@test "mode strict: v2, the saved tree and limits are back; v1, CRIU refuses the restore in one line (runc made the container's cgroups first), nothing left" {
    if [ "$(cg_layout)" = v2 ]; then
        round_trip strict
        return
    fi
    start ck-strict
    checkpoint ck-strict strict
    [ "$status" -eq 0 ]
    [ -f "$CK/cgbind.json" ]
    criu_mode strict
    restore ck-strict "$B" strict
    criu_mode ""
    [ "$status" -ne 0 ]
    one_line_in "$CK/restore.log" 'Error .*cg: Abort restore of existing cgroups'
    # before cgbind ran
    run ! grep -q '^cgbind: ' "$CK/restore.log"
    note "mode strict ($(cg_layout)): refused by CRIU: $(grep -m1 'Abort restore' "$CK/restore.log")"
    run $RUNTIME state ck-strict
    [ "$status" -ne 0 ]
}

@test "runc's default mode, with and without the action-script: the times, and what CRIU alone gives back" {
    round_trip ""
    local with_d=$T_DUMP with_r=$T_RESTORE
    $RUNTIME delete -f ck-default
    mv /etc/criu/runc.conf "$BATS_TEST_TMPDIR/runc.conf"
    start ck-plain
    checkpoint ck-plain ""
    mv "$BATS_TEST_TMPDIR/runc.conf" /etc/criu/runc.conf
    [ "$status" -eq 0 ]
    [ ! -e "$CK/cgbind.json" ]
    mv /etc/criu/runc.conf "$BATS_TEST_TMPDIR/runc.conf"
    restore ck-plain "$B" ""
    mv "$BATS_TEST_TMPDIR/runc.conf" /etc/criu/runc.conf
    [ "$status" -eq 0 ]
    counting ck-plain "$B"
    note "without the action-script ($(cg_layout)): checkpoint $T_DUMP ms, restore $T_RESTORE ms (with it: $with_d ms, $with_r ms)"
    # what CRIU restores by itself, against a save of the same workload
    score_against "$BATS_TEST_TMPDIR/ck-ck-default/cgbind.json" "$(ctr_pid ck-plain)" || true
    note "CRIU alone ($(cg_layout)): $SCORE; missing: ${MISSING:-nothing}"
    if [ "$(cg_layout)" = v2 ]; then
        # on v2 CRIU gives back the init's cgroup, no sub-tree
        [ ! -d "$(pid_cg_dir "$(ctr_pid ck-plain)" "")/../app" ]
    else
        # on v1 CRIU gives back the tree and the limits it knows, not the burst
        [[ $MISSING == "cpu/app/cpu.cfs_burst_us=0(want 20000) " ]]
    fi
}

@test "--manage-cgroups-mode ignore: runc 1.1 refuses it at the checkpoint in one line, nothing changes; its restore does not read the flag" {
    start ck-ign
    local before
    if [ "$(cg_layout)" = v2 ]; then
        before=$(cg_tree_dump "$(pid_cg_dir "$(ctr_pid ck-ign)" "")/.." memory.max)
    else
        before=$(cg_tree_dump "$(pid_cg_dir "$(ctr_pid ck-ign)" memory)" memory.max memory.limit_in_bytes)
    fi
    checkpoint ck-ign ignore
    [ "$status" -ne 0 ]
    [ "$(echo "$output" | grep -c .)" = 1 ]
    [[ $output == *"Invalid manage cgroups mode"* ]]
    counting ck-ign "$B"
    [ ! -e "$CK/cgbind.json" ]
    if [ "$(cg_layout)" = v2 ]; then
        [ "$(cg_tree_dump "$(pid_cg_dir "$(ctr_pid ck-ign)" "")/.." memory.max)" = "$before" ]
    else
        [ "$(cg_tree_dump "$(pid_cg_dir "$(ctr_pid ck-ign)" memory)" memory.max memory.limit_in_bytes)" = "$before" ]
    fi
    # runc 1.1.5's restore does not read the flag: any value goes, and
    # CRIU restores in its own mode (runc.conf's, or soft)
    checkpoint ck-ign soft
    [ "$status" -eq 0 ]
    restore ck-ign "$B" nonsense
    [ "$status" -eq 0 ]
    score_against "$CK/cgbind.json" "$(ctr_pid ck-ign)" || { echo "missing: $MISSING"; false; }
    counting ck-ign "$B"
}

@test "CRIU's mode ignore (manage-cgroups=ignore, what runc 1.2's --manage-cgroups-mode ignore passes): the saved tree and limits are back, every restored task in the init's cgroup (v2: the action-script's plan makes it and moves them; v1: CRIU makes no sub-cgroup, the action-script makes them all)" {
    criu_mode ignore
    start ck-cign
    checkpoint ck-cign ""
    [ "$status" -eq 0 ]
    [ -f "$CK/cgbind.json" ]
    # every operation of the action-script is a line of $DLOG
    debug_script
    criu_mode ignore
    restore ck-cign "$B" ""
    undebug_script
    criu_mode ""
    [ "$status" -eq 0 ]
    score_against "$CK/cgbind.json" "$(ctr_pid ck-cign)" || { echo "missing: $MISSING"; false; }
    note "CRIU mode ignore ($(cg_layout)): $SCORE back; checkpoint $T_DUMP ms, restore $T_RESTORE ms"
    counting ck-cign "$B"
    cat "$DLOG"
    local pid init top procs f n=0 c
    pid=$(ctr_pid ck-cign)
    if [ "$(cg_layout)" = v1 ]; then
        # CRIU restored every task into the container's cgroups (runc's,
        # where runc put CRIU) and made no sub-cgroup: the five of the
        # image (memory app, app/web; pids app, app/web; cpu app) are
        # cgbind's mkdirs, and it moved no task
        n=$(grep -Ec 'criu-script: mkdir .*/app(/web)?$' "$DLOG")
        [ "$n" -eq 5 ]
        run grep -E 'criu-script: (adopt|move pid) ' "$DLOG"
        [ "$status" -eq 1 ]
        for c in memory pids cpu; do
            top=$(pid_cg_dir "$pid" $c)
            [[ $top == */ck-cign ]]
            [ -d "$top/app" ]
            grep -qx "$pid" "$top/cgroup.procs"
            while read -r f; do
                [ -z "$(cat "$f")" ]
            done < <(find "$top" -mindepth 2 -name cgroup.procs)
        done
        note "CRIU mode ignore (v1): CRIU made no sub-cgroup, cgbind made $n and moved no task (all in the container's cgroups)"
        return 0
    fi
    init=$(jq -r '.hierarchies[] | select(.type == "cgroup2") | .init' "$CK/cgbind.json")
    [ "$init" = init.scope ]
    top=$(pid_cg_dir "$pid" "")
    [[ $top == */ck-cign/init.scope ]]
    top=${top%/init.scope}
    # CRIU restored every task into the top-level and made nothing: the
    # init's cgroup and the moves are operations of cgbind's plan
    grep -Eq "criu-script: mkdir $top/init.scope\$" "$DLOG"
    grep -Eq "criu-script: move pid $pid into $top/init.scope\$" "$DLOG"
    n=$(grep -Ec "criu-script: move pid [0-9]+ into $top/init.scope\$" "$DLOG")
    # the init, CRIU and the script at least (and the workload's sleep, if
    # one was dumped)
    [ "$n" -ge 3 ]
    # no process stays in the top-level or goes anywhere but the init's cgroup
    procs=$(cat "$top/cgroup.procs")
    [ -z "$procs" ]
    while read -r f; do
        [ "$f" = "$top/init.scope/cgroup.procs" ] || [ -z "$(cat "$f")" ]
    done < <(find "$top" -mindepth 2 -name cgroup.procs)
    grep -qx "$pid" "$top/init.scope/cgroup.procs"
    note "CRIU mode ignore (v2): cgbind made $top/init.scope and moved $n processes into it"
}

@test "CRIU's mode ignore, v2, an image that names no init cgroup: the restore is refused in one line, nothing made, nothing moved, nothing left" {
    # v2 only (the v1 lane's filter leaves it out): on v1 the init's cgroup
    # is the container's own, which runc made, and the test above covers it
    [ "$(cg_layout)" = v2 ] || { echo "v2 only: run it with --layout v2" >&2; false; }
    criu_mode ignore
    start ck-cnoinit
    checkpoint ck-cnoinit ""
    [ "$status" -eq 0 ]
    jq 'del(.hierarchies[] | select(.type == "cgroup2") | .init)' "$CK/cgbind.json" >"$CK/noinit.json"
    mv "$CK/noinit.json" "$CK/cgbind.json"
    debug_script
    criu_mode ignore
    restore ck-cnoinit "$B" ""
    undebug_script
    criu_mode ""
    [ "$status" -ne 0 ]
    cat "$DLOG"
    # the tasks have nowhere to go: the top-level, which CRIU shares with
    # them, cannot enable the controllers the tree needs
    # (--debug adds the sandbox's line; the refusal is the one error)
    one_line_in "$CK/restore.log" '^cgbind: criu-script: top-level \(cgroup2\): [0-9]+ other processes share it'
    [ "$(grep -c ' error container=- criu-script: ' "$DLOG")" -eq 1 ]
    note "CRIU mode ignore (v2), no init cgroup in the image: refused: $(grep -m1 '^cgbind: criu-script: top-level' "$CK/restore.log")"
    run grep -E 'criu-script: (mkdir|adopt|write|move pid) ' "$DLOG"
    [ "$status" -eq 1 ]
    run $RUNTIME state ck-cnoinit
    [ "$status" -ne 0 ]
    [ ! -d /sys/fs/cgroup/ck-cnoinit ]
}

@test "a new parent (cgroupfs, as a pod restore): the tasks end up beneath the new container's cgroup with the saved tree, and nothing is left under the old parent" {
    local oldp=/cgbind-pod-old newp=/cgbind-pod-new top
    if [ "$(cg_layout)" = v2 ]; then
        SCRATCH_CGROUPS+=("$CG$oldp" "$CG$newp")
    else
        for c in memory pids cpu name=systemd; do
            SCRATCH_CGROUPS+=("$(cg_v1_mount "${c#name=}")$oldp" "$(cg_v1_mount "${c#name=}")$newp")
        done
    fi
    start ck-pod "$oldp/ctr-old"
    checkpoint ck-pod soft
    [ "$status" -eq 0 ]
    # what the old parent held after the checkpoint (runc removes the container's cgroup)
    local oldtree
    oldtree=$(find /sys/fs/cgroup -path "*$oldp*" -type d | sort)
    bundle_set "$B" '.linux.cgroupsPath = $p' --arg p "$newp/ctr-new"
    restore ck-pod-new "$B" soft
    [ "$status" -eq 0 ]
    local pid
    pid=$(ctr_pid ck-pod-new)
    if [ "$(cg_layout)" = v2 ]; then
        top=$CG$newp/ctr-new
        [[ $(pid_cg_dir "$pid" "") == "$top/init.scope" ]]
        score_against "$CK/cgbind.json" "$pid" "$top" || { echo "missing: $MISSING"; false; }
    else
        for c in memory pids cpu; do
            [[ $(pid_cg_dir "$pid" $c) == *"$newp/ctr-new" ]]
        done
        score_against "$CK/cgbind.json" "$pid" || { echo "missing: $MISSING"; false; }
    fi
    note "new parent ($(cg_layout)): $SCORE back beneath $newp/ctr-new"
    counting ck-pod-new "$B"
    # under the old parent: on v1 nothing the restore made; on v2 the empty
    # cgroups CRIU made at the checkpointed path (runc 1.1 gives CRIU no v2
    # root), which cgbind leaves, warning, as it writes only beneath the
    # new container's cgroup
    local leftover d
    leftover=$(find /sys/fs/cgroup -path "*$oldp*" -type d | sort)
    echo "old parent before the restore: $oldtree"
    echo "old parent after: $leftover"
    if [ "$(cg_layout)" = v2 ]; then
        [ "$leftover" = "$CG$oldp
$CG$oldp/ctr-old
$CG$oldp/ctr-old/init.scope" ]
        for d in $leftover; do [ -z "$(cat "$d/cgroup.procs")" ]; done
        one_line_in "$CK/restore.log" "^cgbind: criu-script: warning: the restored tasks were under $oldp/ctr-old "
        note "new parent (v2): left empty under the old parent: ${leftover//$'\n'/ }"
    else
        [ "$leftover" = "$oldtree" ]
    fi
}
