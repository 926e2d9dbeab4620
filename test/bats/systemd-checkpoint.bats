#!/usr/bin/env bats
# cgbind-layouts: v2-systemd
# Checkpoint and restore where systemd is the cgroup manager, cgbind as
# CRIU's action-script (/etc/criu/runc.conf, as installed; CRIU >= 3.19 from
# test/vm/setup.sh). runc --systemd-cgroup: the container is the scope
# system.slice/cgbind-<id>.scope; its tree is saved into the checkpoint and
# comes back with a restore under the same id and under a new one, and
# under a new id in another slice (a pod restore: the container dumped in
# cgbindpods-podold.slice, restored in cgbindpods-podnew.slice). podman
# (systemd manager, runc): `container checkpoint --export` in one VM, whose
# archive leaves it through run.sh --out; `container restore --import
# --name` in a second, fresh VM that never saw the container
# (systemd-import.bats; test/run.sh runs it after this suite's VM):
#
#   test/vm/run.sh --layout v2-systemd --out DIR -- bats test/bats/systemd-checkpoint.bats
#   test/vm/run.sh --layout v2-systemd --env CGBIND_SD_CK_IN=DIR -- bats test/bats/systemd-import.bats

load helpers
load checkpoint-helpers
load systemd-helpers
load engines-helpers

pm() {
    pm_sd_criu "$@"
}

setup_file() {
    criu_setup_file
    requires systemd podman
    export PM_ROOT=$BATS_FILE_TMPDIR/podman
    pm_import_busybox localhost/cgbind-ck sh cat echo sleep mkdir cut tr
    sd_watch_script
    export SD_WATCH
}

teardown_file() {
    pm_teardown_file
}

setup() {
    trace_failures_only
    requires root systemd runc vm
    RUNTIME="runc --root $RUNTIME_ROOT --systemd-cgroup --criu $CRIU_BIN"
    SD_SLICES=()
}

teardown() {
    pm rm -af -t 0 >/dev/null 2>&1 || true
    common_teardown
    # the slices a test named (systemd made them for the scopes), once what
    # was left in them is gone
    local s
    for s in "${SD_SLICES[@]}"; do systemctl stop "$s" 2>/dev/null || true; done
}

# the tree, then a loop the restore must keep running
SD_LOOP='exec </dev/null >/dev/null 2>&1; '"$SD_BUILD"'; touch /built; n=0; while true; do n=$((n+1)); echo $n > /count; sleep 0.2; done'

# ck_runc ID [SLICE]: a runc --systemd-cgroup container in
# SLICE:cgbind:ID (system.slice by default), checkpointed into $CK; B its
# bundle
ck_runc() {
    local slice=${2:-system.slice}
    B=$(new_bundle "$1" "$SD_LOOP")
    bundle_set "$B" ".linux.cgroupsPath = \"$slice:cgbind:$1\""
    run_detached "$1" "$B"
    wait_for "[ -e '$B/rootfs/built' ]"
    CK=$BATS_TEST_TMPDIR/ck
    local t0
    t0=$(date +%s%N)
    $RUNTIME checkpoint --image-path "$CK" "$1"
    echo "# runc --systemd-cgroup checkpoint with cgbind: $((($(date +%s%N) - t0) / 1000000)) ms" >&3
    [ -f "$CK/cgbind.json" ]
    jq -e '.hierarchies[0].init == "init.scope"' "$CK/cgbind.json"
    # the scope went with the container
    assert_no_scope "cgbind-$1.scope" "$(slice_dir "$slice")/cgbind-$1.scope"
}

# assert_no_scope UNIT [DIR]: the unit is not active and its tree is gone
# from DIR (the scope's cgroup, by default in system.slice)
assert_no_scope() {
    run systemctl is-active "$1"
    [ "$output" != active ]
    wait_for "[ ! -d '${2:-/sys/fs/cgroup/system.slice/$1}/app' ]"
}

# slice_dir SLICE: the slice's cgroup directory, as systemd names it: each
# dash a level (cgbindpods-podold.slice is cgbindpods.slice/cgbindpods-podold.slice)
slice_dir() {
    local name=${1%.slice} path='' prefix='' part
    [ "$1" != -.slice ] || { echo /sys/fs/cgroup; return; }
    local IFS=-
    for part in $name; do
        prefix=${prefix:+$prefix-}$part
        path+=/$prefix.slice
    done
    echo "/sys/fs/cgroup$path"
}

# restore ID: runc restore of $CK from $B; TOP and INIT where it is now
restore_runc() {
    CONTAINERS+=("$1")
    local t0
    t0=$(date +%s%N)
    run bash -c "cd '$B' && $RUNTIME restore -d --image-path '$CK' '$1' </dev/null 2>&1"
    echo "# runc --systemd-cgroup restore ($2): $((($(date +%s%N) - t0) / 1000000)) ms" >&3
    echo "$output"
    [ "$status" -eq 0 ] || { grep -E 'Error|cgbind' "$CK/restore.log" | tail -n 8; return 1; }
    INIT=$(sed -n 's/^0:://p' "/proc/$(ctr_pid "$1")/cgroup")
    TOP=/sys/fs/cgroup${INIT%/init.scope}
}

@test "runc --systemd-cgroup checkpoint, restore under the same id: the tree and its limits are back in the scope" {
    ck_runc sdck
    restore_runc sdck "same id, with cgbind"
    [ "$TOP" = /sys/fs/cgroup/system.slice/cgbind-sdck.scope ]
    [ "$(systemctl is-active cgbind-sdck.scope)" = active ]
    diff <(sd_expected) <(limits_at "$TOP")
    counts_on "$B/rootfs"
    # and from inside
    run $RUNTIME exec sdck sh -c "$SD_VERIFY"
    diff <(sd_expected) <(printf '%s\n' "$output")
}

@test "runc --systemd-cgroup checkpoint, restore under a new id: the tree and its limits are in the new scope" {
    ck_runc sdold
    # the new id's bundle names the new unit, as a user restoring under a new id would
    jq '.linux.cgroupsPath = "system.slice:cgbind:sdnew"' "$B/config.json" >"$B/c.json"
    mv "$B/c.json" "$B/config.json"
    restore_runc sdnew "new id, with cgbind"
    [ "$TOP" = /sys/fs/cgroup/system.slice/cgbind-sdnew.scope ]
    [ "$(systemctl is-active cgbind-sdnew.scope)" = active ]
    diff <(sd_expected) <(limits_at "$TOP")
    counts_on "$B/rootfs"
    # what CRIU left under the old name (runc 1.1.5 names no v2 root to CRIU)
    echo "# old scope after a new-id restore: $(systemctl is-active cgbind-sdold.scope 2>&1), dir $(ls -d /sys/fs/cgroup/system.slice/cgbind-sdold.scope 2>&1)" >&3
    SCRATCH_CGROUPS+=(/sys/fs/cgroup/system.slice/cgbind-sdold.scope)
}

@test "runc --systemd-cgroup checkpoint, restore under a new id in another slice (a pod restore): the tasks and the tree beneath the new scope, the scope's own files untouched" {
    # two pods' slices side by side, as the kubelet's are
    # (kubepods-besteffort-pod<uid>.slice): cgbindpods.slice holds both
    local olds=cgbindpods-podold.slice news=cgbindpods-podnew.slice
    local oldd newd oldscope newscope pid d p left oldtree
    oldd=$(slice_dir $olds)
    newd=$(slice_dir $news)
    [ "$oldd" = /sys/fs/cgroup/cgbindpods.slice/cgbindpods-podold.slice ]
    oldscope=$oldd/cgbind-sdpold.scope
    newscope=$newd/cgbind-sdpnew.scope
    SD_SLICES+=(cgbindpods.slice)
    # what CRIU may make at the checkpointed path: removed before the slice is stopped
    SCRATCH_CGROUPS+=("$oldscope")
    ck_runc sdpold $olds
    [ "$(systemctl show -p ControlGroup --value $olds)" = "${oldd#/sys/fs/cgroup}" ]
    oldtree=$(find "$oldd" -type d | sort)
    echo "old slice after the checkpoint: $oldtree"
    [ "$oldtree" = "$oldd" ]
    # the new pod's bundle: another slice, a new id, and the scope watched
    # from runc's prestart (CRIU's setup-namespaces, before cgbind's
    # post-restore) to the end of the restore
    local W=$BATS_TEST_TMPDIR/watch
    bundle_set "$B" '.linux.cgroupsPath = $p | .hooks.prestart = [{path: $w, args: ["scope-watch", "start", $d]}]' \
        --arg p "$news:cgbind:sdpnew" --arg w "$SD_WATCH" --arg d "$W"
    restore_runc sdpnew "new id in another slice, with cgbind"
    $RUNTIME state sdpnew | "$SD_WATCH" stop "$W"
    pid=$(ctr_pid sdpnew)
    # the init in the new scope's init.scope, and every task of the container beneath the scope
    [ "$TOP" = "$newscope" ]
    [ "$INIT" = "${newscope#/sys/fs/cgroup}/init.scope" ]
    [ "$(systemctl is-active cgbind-sdpnew.scope)" = active ]
    [ "$(systemctl show -p ControlGroup --value cgbind-sdpnew.scope)" = "${newscope#/sys/fs/cgroup}" ]
    [ "$(cat "$W/scope")" = "$newscope" ]
    local ns n=0
    ns=$(readlink "/proc/$pid/ns/pid")
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] || continue
        # (the loop's sleep may be gone by now)
        d=$(sed -n 's/^0:://p' "$p/cgroup" 2>/dev/null) && [ -n "$d" ] || continue
        [[ $d == "${newscope#/sys/fs/cgroup}"/* ]] || { echo "task ${p#/proc/} is in $d" >&2; false; }
        n=$((n + 1))
    done
    [ "$n" -ge 1 ]
    # counted against the checkpoint's image
    score_against "$CK/cgbind.json" "$pid" "$TOP" || { echo "missing: $MISSING"; false; }
    note "new slice (systemd): $SCORE back beneath ${newscope#/sys/fs/cgroup}"
    diff <(sd_expected) <(limits_at "$TOP")
    counts_on "$B/rootfs"
    sd_assert_scope_untouched "$W"
    one_line_in "$CK/restore.log" "^cgbind: criu-script: warning: the restored tasks were under ${oldscope#/sys/fs/cgroup} "
    # what is left under the old pod's slice: CRIU put the tasks back at the
    # checkpointed path (runc 1.1 names CRIU no v2 root), making its cgroups
    # again; cgbind moved every task out, and the empty cgroups stay, not a
    # unit of systemd's
    left=$(find "$oldd" -type d | sort)
    note "new slice (systemd): left under the old slice: ${left//$'\n'/ }"
    [ "$left" = "$oldd
$oldscope
$oldscope/init.scope" ]
    for d in $left; do
        [ -z "$(cat "$d/cgroup.procs")" ] || { echo "tasks left in $d: $(cat "$d/cgroup.procs")" >&2; false; }
    done
    run systemctl is-active cgbind-sdpold.scope
    [ "$output" != active ]
    # the old pod's clean-up, stopping its slice, takes them with it
    systemctl stop $olds
    wait_for "[ ! -d '$oldd' ]"
    # runc delete: the scope and every cgroup of the restored tree go
    $RUNTIME delete -f sdpnew
    assert_no_scope cgbind-sdpnew.scope "$newscope"
    wait_for "[ ! -d '$newscope' ]"
    left=$(find "$newd" -mindepth 1 -type d)
    [ -z "$left" ] || { echo "left under the new slice: $left" >&2; false; }
}

@test "runc --systemd-cgroup restore, a fault in cgbind's post-setup-namespaces step (strace --inject): the restore fails in one line, the step's changes undone" {
    ck_runc sdflt
    local w=$BATS_TEST_TMPDIR/fault scope=/sys/fs/cgroup/system.slice/cgbind-sdflt.scope
    mkdir -p "$w"
    # the action-script through a wrapper: the first run at
    # post-setup-namespaces under strace -D (the tracer a detached
    # grandchild: CRIU stays the script's parent; both in the root task's
    # cgroup), every mkdirat from the
    # second on failing; the second run of CRIU's pair first notes what the
    # first left: CRIU's cgroup and the scope's tree
    cat >"$BATS_TEST_TMPDIR/script" <<EOF
#!/bin/sh
if [ "\$CRTOOLS_SCRIPT_ACTION" = post-setup-namespaces ]; then
    if [ ! -e $w/first ]; then
        : >$w/first
        # (the tracer out of the top-level, where the step would take it
        # for a process of the runtime's and refuse)
        echo \$\$ >$scope/init.scope/cgroup.procs
        exec strace -D -f -qq -o /dev/null --inject=mkdirat:error=EIO:when=2+ $CK_SCRIPT
    fi
    cat /proc/\$PPID/cgroup >$w/criu-cgroup
    (cd $scope && find . -mindepth 1 -type d | sort) >$w/tree
fi
exec $CK_SCRIPT
EOF
    chmod +x "$BATS_TEST_TMPDIR/script"
    cp /etc/criu/runc.conf "$BATS_TEST_TMPDIR/runc.conf.saved"
    sed "s|@CRIU_SCRIPT@|$BATS_TEST_TMPDIR/script|" "$CGBIND_SRC/contrib/criu/runc.conf.in" >/etc/criu/runc.conf
    CONTAINERS+=(sdflt)
    run bash -c "cd '$B' && $RUNTIME restore -d --image-path '$CK' sdflt </dev/null 2>&1"
    undebug_script
    echo "$output"
    grep -E 'Error|cgbind' "$CK/restore.log" | tail -n 8
    [ "$status" -ne 0 ]
    [ -e "$w/first" ]
    # one line from cgbind: the mkdir that failed
    [ "$(grep -c 'cgbind: criu-script: ' "$CK/restore.log")" = 1 ]
    grep -q 'cgbind: criu-script: .*Input/output error' "$CK/restore.log"
    # undone before CRIU's second run: CRIU back in the top-level, and of
    # the tree only what CRIU made (the cgroup of its tasks)
    cat "$w/criu-cgroup" "$w/tree"
    [ "$(cat "$w/criu-cgroup")" = "0::/system.slice/cgbind-sdflt.scope" ]
    [ "$(cat "$w/tree")" = ./init.scope ]
    # and runc removed the scope of the failed restore
    assert_no_scope cgbind-sdflt.scope
}

@test "runc --systemd-cgroup checkpoint without cgbind.json: restore as before, no tree (the control)" {
    ck_runc sdctl
    rm "$CK/cgbind.json"
    restore_runc sdctl "same id, without cgbind.json"
    [ "$TOP" = /sys/fs/cgroup/system.slice/cgbind-sdctl.scope ]
    counts_on "$B/rootfs"
    [ ! -d "$TOP/app" ]
}

@test "podman (systemd manager, runc), first VM: checkpoint --export with the tree in the archive" {
    requires vm
    # shellcheck disable=SC2034 # read into or set for the helpers and tests that load this file
    local name=sdpm t0 pid want
    # --systemd always: a writable cgroup mount, for the workload's tree.
    # --tmpfs /run: the /run podman's systemd mode would add, named by the
    # user, so that a fresh VM's podman can import the checkpoint. podman
    # 4.3 (Debian 12) adds the bind mount /run/.containerenv only when the
    # container's spec has no mount at /run; the first start's spec has none
    # (systemd mode adds its tmpfs later), the imported one (spec.dump) has
    # that tmpfs: the restore's spec lacked /run/.containerenv, runc passed
    # CRIU no external mount for it, and CRIU stopped with "No mapping for
    # 143:(null) mountpoint" (README, "podman's systemd mode and restore
    # --import", has the logs). With /run in the spec from the start,
    # neither side has the file.
    run pm run -d --systemd always --tmpfs /run --name "$name" --network none localhost/cgbind-ck sh -c "$SD_LOOP"
    echo "$output"
    [ "$status" -eq 0 ]
    pid=$(pm inspect -f '{{.State.Pid}}' "$name")
    wait_for "[ -e /proc/$pid/root/built ]"
    INIT=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
    [[ $INIT == /machine.slice/libpod-*.scope/init.scope ]]
    diff <(sd_expected) <(limits_at "/sys/fs/cgroup${INIT%/init.scope}")
    # for the import's diagnosis: what the exporting VM saw
    [ -z "${CGBIND_VM_OUT:-}" ] || {
        cp "/proc/$pid/mountinfo" "$CGBIND_VM_OUT/sd-export-mountinfo"
        cp "$(pm inspect -f '{{.OCIConfigPath}}' "$name")" "$CGBIND_VM_OUT/sd-export-config.json"
    }
    t0=$(date +%s%N)
    run pm container checkpoint --export "$BATS_TEST_TMPDIR/ck.tar" "$name"
    echo "# podman checkpoint --export with cgbind: $((($(date +%s%N) - t0) / 1000000)) ms" >&3
    echo "$output"
    [ -z "${CGBIND_VM_OUT:-}" ] ||
        cp "$(pm inspect -f '{{.StaticDir}}' "$name")/dump.log" "$CGBIND_VM_OUT/sd-export-dump.log" || true
    [ "$status" -eq 0 ]
    tar -xOf "$BATS_TEST_TMPDIR/ck.tar" checkpoint/cgbind.json | jq -e '.hierarchies[0].init == "init.scope"'
    pm rm -f "$name"
    [ -z "$(find /sys/fs/cgroup/machine.slice -name 'libpod-*' 2>/dev/null)" ]
    [ -n "${CGBIND_VM_OUT:-}" ]
    cp "$BATS_TEST_TMPDIR/ck.tar" "$CGBIND_VM_OUT/sd-podman-ck.tar"
    # and the image (its id is in the checkpoint): as a registry gives both
    # machines the same image
    pm save -q -o "$CGBIND_VM_OUT/sd-podman-image.tar" localhost/cgbind-ck
}

