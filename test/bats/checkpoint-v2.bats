#!/usr/bin/env bats
# cgbind-layouts: v2
# The action script's rebase under hostile checkpoints (issue 23, part 2):
# runc 1.1 names CRIU no cgroup v2 root, so a restore under a new id has
# CRIU put the tasks back under the checkpointed container's cgroup, and
# cgbind's plan moves them beneath the new one, each to the path it had.
# Those paths are the workload's: checked like an image's names, and a
# refusal, or an image that fails, leaves nothing made and nothing moved.
# One checkpoint for the file (a workload with tasks in cgroups named
# a/pids.max and cgroup.evil), restored by each test from a copy.

load helpers
load checkpoint-helpers

# a workload with tasks in sub-cgroups whose names the image rules refuse:
# a directory named like an interface file and one named cgroup.*
hostile_workload() {
    echo 'exec </dev/null >/dev/null 2>&1; set -e; c=/sys/fs/cgroup
mkdir $c/init.scope; echo 1 > $c/init.scope/cgroup.procs
mkdir -p $c/a/pids.max $c/cgroup.evil
sleep 100000 & echo $! > $c/a/pids.max/cgroup.procs
sleep 100000 & echo $! > $c/cgroup.evil/cgroup.procs
touch /built; while true; do sleep 1; done'
}

setup_file() {
    criu_setup_file
    local BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR b
    export CK_ROOT=$BATS_FILE_TMPDIR/root
    local rt="runc --root $CK_ROOT --criu $CRIU_BIN"
    b=$(new_bundle evil "$(hostile_workload)")
    (cd "$b" && $rt run -d evil </dev/null >/dev/null 2>&1)
    wait_for "[ -e '$b/rootfs/built' ]"
    [ -d /sys/fs/cgroup/evil/a/pids.max ]
    [ -d /sys/fs/cgroup/evil/cgroup.evil ]
    $rt checkpoint --image-path "$BATS_FILE_TMPDIR/ck" evil
    mv "$b" "$BATS_FILE_TMPDIR/bundle"
}

teardown_file() {
    runc --root "$CK_ROOT" delete -f evil >/dev/null 2>&1 || true
    local d
    # shellcheck disable=SC2043 # one directory today; the loop keeps the checks per directory
    for d in /sys/fs/cgroup/evil; do
        [ ! -d "$d" ] || find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
    done
    criu_teardown_file
}

setup() {
    trace_failures_only
    ck_copy_setup evil
}

teardown() {
    common_teardown
}

@test "v2: the checkpoint's image left the two names out (save's own rule)" {
    run "$CGBIND" show "$CK/cgbind.json"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"init.scope"* ]]
    [[ $output != *pids.max* && $output != *cgroup.evil* ]]
}

@test "v2: a checkpoint whose tasks sat in cgroups named pids.max and cgroup.evil: refused under a new id, nothing made, nothing moved" {
    mv "$B" "$BATS_TEST_TMPDIR/bundles/evil2"
    B=$BATS_TEST_TMPDIR/bundles/evil2
    SCRATCH_CGROUPS+=(/sys/fs/cgroup/evil)
    debug_script
    restore_into evil2 "$B"
    undebug_script
    [ "$status" -ne 0 ]
    cat "$DLOG"
    grep -Eq 'criu-script: task \(pid [0-9]+\): its cgroup \(cgroup2:/(a/pids.max|cgroup.evil)\) cannot be made beneath the top-level: name (starts with cgroup|is that of an interface file)' "$DLOG"
    # not one operation of the plan was made
    run grep -E 'criu-script: (mkdir|adopt|write|move pid) ' "$DLOG"
    [ "$status" -eq 1 ]
    [ ! -d /sys/fs/cgroup/evil2/a ]
    [ ! -d /sys/fs/cgroup/evil2/cgroup.evil ]
    # and no record of the failed restore stays (the second run of CRIU's
    # pair checked it and removed it)
    grep -q 'a second run of this restore (CRIU pid [0-9]*): nothing to do' "$DLOG"
    run ls /run/cgbind/
    [[ $output != *criu-* ]]
}

@test "v2: a corrupt cgbind.json in a restore that needs the rebase: exit 2, nothing made, nothing moved" {
    printf '{"cgbind": 1, "hierarchies": [' >"$CK/cgbind.json"
    mv "$B" "$BATS_TEST_TMPDIR/bundles/corrupt"
    B=$BATS_TEST_TMPDIR/bundles/corrupt
    SCRATCH_CGROUPS+=(/sys/fs/cgroup/evil)
    debug_script
    restore_into ck-corrupt "$B"
    undebug_script
    [ "$status" -ne 0 ]
    cat "$DLOG"
    grep -q '^.* error container=- criu-script: image' "$DLOG"
    run grep -E 'criu-script: (mkdir|adopt|write|move pid) ' "$DLOG"
    [ "$status" -eq 1 ]
    [ ! -d /sys/fs/cgroup/ck-corrupt/init.scope ]
    run ls /run/cgbind/
    [[ $output != *criu-* ]]
}


# CRIU 4.1 under runc runs the action-script twice at each step (it reads
# runc.conf twice): the second post-dump run finds the first's record in
# the state directory, sees the image is the one the first wrote, and
# skips (issue 25.3). The wrapper notes the image's inode and change time
# before each run execs cgbind (exec: cgbind stays CRIU's child).
@test "v2: the second post-dump run of a runc checkpoint skips, and the image is the first run's" {
    local b ck=$BATS_TEST_TMPDIR/ck2 slog=$BATS_TEST_TMPDIR/stat.log
    b=$(new_bundle twice 'exec </dev/null >/dev/null 2>&1; c=/sys/fs/cgroup
mkdir $c/init.scope $c/app $c/app/w; echo 1 > $c/init.scope/cgroup.procs
echo +pids > $c/cgroup.subtree_control; echo 42 > $c/app/pids.max; touch /built; while true; do sleep 1; done')
    CONTAINERS+=(twice)
    SCRATCH_CGROUPS+=(/sys/fs/cgroup/twice)
    (cd "$b" && $RUNTIME run -d twice </dev/null >/dev/null 2>&1)
    wait_for "[ -e '$b/rootfs/built' ]"
    DLOG=$BATS_TEST_TMPDIR/script.log
    printf '#!/bin/sh\n[ "$CRTOOLS_SCRIPT_ACTION" != post-dump ] || stat -L -c "%%i %%z" "$CRTOOLS_IMAGE_DIR/cgbind.json" >>"%s" 2>/dev/null || echo none >>"%s"\nexec "%s" --debug --log "%s"\n' \
        "$slog" "$slog" "$CK_SCRIPT" "$DLOG" >"$BATS_TEST_TMPDIR/script"
    chmod +x "$BATS_TEST_TMPDIR/script"
    cp /etc/criu/runc.conf "$BATS_TEST_TMPDIR/runc.conf.saved"
    sed "s|@CRIU_SCRIPT@|$BATS_TEST_TMPDIR/script|" "$CGBIND_SRC/contrib/criu/runc.conf.in" >/etc/criu/runc.conf
    run $RUNTIME --criu "$CRIU_BIN" checkpoint --image-path "$ck" twice
    undebug_script
    echo "$output"
    cat "$DLOG" "$slog"
    [ "$status" -eq 0 ]
    # two post-dump runs: the first found no image, the second the first's
    [ "$(wc -l <"$slog")" -eq 2 ]
    [ "$(sed -n 1p "$slog")" = none ]
    [ "$(sed -n 2p "$slog")" = "$(stat -c '%i %z' "$ck/cgbind.json")" ]
    # the second logged that it skipped, and saved nothing
    [ "$(grep -c 'a second run of this dump (CRIU pid [0-9]*): nothing to do, .*/cgbind.json is the first run.s' "$DLOG")" -eq 1 ]
    "$CGBIND" show "$ck/cgbind.json" | grep -q 'pids.max.*42'
    # and its record is gone
    run ls /run/cgbind/
    [[ $output != *criu-* ]]
}
