#!/usr/bin/env bats
# cgbind-layouts: v2
# cgroup v2 round trip: a workload that moved its init into init.scope and
# delegated cpu, memory and pids two levels down gets all of it back in a new
# container, init placement included, at each hook stage.

load helpers

setup() {
    trace_failures_only
    requires root runc cgroup_v2
}

teardown() {
    common_teardown
}

# the workload's own tree, "path file value"; app and app/web are two levels
V2_SPEC=". cgroup.subtree_control cpu memory pids
app cgroup.subtree_control cpu memory pids
app memory.max 268435456
app memory.high 201326592
app cpu.max 50000 100000
app cpu.weight 200
app pids.max 100
app/web memory.max 134217728
app/web memory.high 100663296
app/web cpu.max 20000 100000
app/web cpu.weight 50
app/web pids.max 10
app/db memory.max 67108864
app/db pids.max 20
batch cpu.weight 10
batch pids.max 5"

BUILD_V2='set -e; c=/sys/fs/cgroup
mkdir $c/init.scope; echo 1 > $c/init.scope/cgroup.procs
echo "+cpu +memory +pids" > $c/cgroup.subtree_control
mkdir -p $c/app/web $c/app/db $c/batch
echo "+cpu +memory +pids" > $c/app/cgroup.subtree_control
echo 268435456 > $c/app/memory.max; echo 201326592 > $c/app/memory.high
echo "50000 100000" > $c/app/cpu.max; echo 200 > $c/app/cpu.weight; echo 100 > $c/app/pids.max
echo 134217728 > $c/app/web/memory.max; echo 100663296 > $c/app/web/memory.high
echo "20000 100000" > $c/app/web/cpu.max; echo 50 > $c/app/web/cpu.weight; echo 10 > $c/app/web/pids.max
echo 67108864 > $c/app/db/memory.max; echo 20 > $c/app/db/pids.max
echo 10 > $c/batch/cpu.weight; echo 5 > $c/batch/pids.max'

VERIFY_V2='cd /sys/fs/cgroup
echo "init $(cut -d: -f3 /proc/1/cgroup | sed "s|.*/||")"
read -r v < cgroup.subtree_control || true; echo ". cgroup.subtree_control $v"
for d in app app/web app/db batch; do for f in cgroup.subtree_control memory.max memory.high cpu.max cpu.weight pids.max; do
  v=; read -r v < $d/$f || true; case "$f=$v" in memory.max=max|memory.high=max|"cpu.max=max 100000"|cpu.weight=100|pids.max=max|cgroup.subtree_control=) ;; *) echo "$d $f $v";; esac
done; done'

save_source() {
    local src
    src=$(new_bundle src "$BUILD_V2; touch /built; exec sleep 1000")
    run_detached "v2src-$BATS_TEST_NUMBER" "$src"
    wait_for "[ -e '$src/rootfs/built' ]"
    IMG=$BATS_TEST_TMPDIR/img.json
    state_of "v2src-$BATS_TEST_NUMBER" | "$CGBIND" save -o "$IMG"
    cleanup_containers
}

expected() {
    echo "init init.scope"
    # the order VERIFY_V2 prints in
    echo ". cgroup.subtree_control cpu memory pids"
    local d f p sf v
    for d in app app/web app/db batch; do
        for f in cgroup.subtree_control memory.max memory.high cpu.max cpu.weight pids.max; do
            while read -r p sf v; do
                if [ "$p" = "$d" ] && [ "$sf" = "$f" ]; then echo "$p $sf $v"; fi
            done <<<"$V2_SPEC"
        done
    done
}

restore_at() {
    local dst
    dst=$(new_bundle dst "while [ ! -e /restored ]; do sleep 0.05; done; $VERIFY_V2")
    add_hook "$dst" "$1" restore --image "$IMG"
    add_shell_hook "$dst" "$1" "touch $dst/rootfs/restored"
    run_fg "v2dst-$BATS_TEST_NUMBER" "$dst"
    echo "$output"
    [ "$status" -eq 0 ]
    diff <(expected) <(printf '%s\n' "$output")
}

@test "v2 round trip at prestart: init.scope, two delegated levels, every limit" {
    save_source
    jq -e '.hierarchies[0] | .type == "cgroup2" and .init == "init.scope"' "$IMG"
    restore_at prestart
}

@test "v2 round trip at createRuntime" {
    save_source
    restore_at createRuntime
}

@test "v2 round trip at poststart" {
    save_source
    restore_at poststart
}

@test "v2 with --no-move-init: the init stays in the top-level and the restore fails cleanly" {
    save_source
    local dst
    dst=$(new_bundle dst "true")
    add_hook "$dst" prestart restore --image "$IMG" --no-move-init
    run_fg "v2nomove" "$dst"
    # domain controllers cannot be enabled with a process in the top-level
    [ "$status" -ne 0 ]
    [[ "$output" == *"cgroup.subtree_control"*"rolled back"* ]]
}

@test "v2 save of an idle group: cpu.idle is kept, and its cpu.weight (0) is left out without a warning" {
    local src
    src=$(new_bundle src 'set -e; c=/sys/fs/cgroup; mkdir $c/init.scope; echo 1 > $c/init.scope/cgroup.procs
echo +cpu > $c/cgroup.subtree_control; mkdir $c/bg; echo 1 > $c/bg/cpu.idle; touch /built; exec sleep 1000')
    run_detached v2idle "$src"
    wait_for "[ -e '$src/rootfs/built' ]"
    run --separate-stderr "$CGBIND" save -o "$BATS_TEST_TMPDIR/img.json" < <(state_of v2idle)
    echo "$stderr"
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
    jq -e '.hierarchies[0].root.children[] | select(.name == "bg") | .properties
        | .["cpu.idle"] == "1" and (has("cpu.weight") | not)' "$BATS_TEST_TMPDIR/img.json"
}
