#!/usr/bin/env bats
# cgbind-layouts: v2-systemd
# Where containers really run: systemd is PID 1 and the cgroup manager.
# Round trips (save from a running container, restore into a new one with
# another id, values read inside it) with runc --systemd-cgroup (the
# container is the scope <slice>/<prefix>-<name>.scope), crun's systemd
# manager (the payload in <scope>/container, or in the scope with the
# annotation run.oci.systemd.subgroup=""), podman's defaults (systemd
# manager; crun, and runc through --runtime) through a hooks.d file. cgbind
# writes below the scope, never systemd's files of the scope itself; and
# systemd leaves the restored tree alone (daemon-reload, daemon-reexec,
# set-property), and removes it with the scope when the container goes.

load helpers
load systemd-helpers

setup_file() {
    requires root systemd runc crun podman inotify
    sd_watch_script
    export SD_WATCH
    export PM_ROOT=$BATS_FILE_TMPDIR/podman
    mkdir -p "$PM_ROOT/rootfs/bin" "$PM_ROOT/hooks"
    cp /bin/busybox "$PM_ROOT/rootfs/bin/"
    for a in sh cat echo sleep mkdir cut tr; do ln -sf busybox "$PM_ROOT/rootfs/bin/$a"; done
    pm import - localhost/cgbind-bb < <(tar -C "$PM_ROOT/rootfs" -c .) >/dev/null
}

teardown_file() {
    pm rm -af >/dev/null 2>&1 || true
    pm rmi -af >/dev/null 2>&1 || true
}

# podman with its defaults (cgroup manager systemd, runtime crun, events to
# journald); only the storage is vfs: the VM's root is an overlay itself
pm() {
    podman --storage-driver vfs "$@"
}

setup() {
    trace_failures_only
    requires root systemd
    IMG=$BATS_TEST_TMPDIR/img.json
    W=$BATS_TEST_TMPDIR/watch
}

teardown() {
    # (a podman start costs seconds under TCG: only after a podman test)
    [ -z "${PM_USED:-}" ] || pm rm -af -t 0 >/dev/null 2>&1 || true
    [ -z "${PM_IMG:-}" ] || rm -f "$PM_IMG"
    common_teardown
}

# use_runtime runc|crun: the runtime with its systemd cgroup manager
use_runtime() {
    RUNTIME_BIN=$1
    RUNTIME="$1 --root $RUNTIME_ROOT --systemd-cgroup"
}

# save_src NAME [ANNOTATION-JQ]: a container of $RUNTIME_BIN that builds the
# tree in system.slice:cgbind:NAME, saved to $IMG, then removed
save_src() {
    local b
    b=$(new_bundle "$1" "$SD_BUILD; touch /built; exec sleep 1000")
    bundle_set "$b" ".linux.cgroupsPath = \"system.slice:cgbind:$1\" ${2:+| $2}"
    run_detached "$1" "$b"
    wait_for "[ -e '$b/rootfs/built' ]"
    echo "# $RUNTIME_BIN source $1: init in $(sed -n 's/^0:://p' "/proc/$(ctr_pid "$1")/cgroup")" >&3
    state_of "$1" | "$CGBIND" save -o "$IMG"
    $RUNTIME delete -f "$1"
}

# restore_dst NAME [ANNOTATION-JQ]: a new container restored at prestart in
# system.slice:cgbind:NAME, with the scope watched around cgbind's hook
restore_dst() {
    local b
    b=$(new_bundle "$1" "exec sleep 1000")
    add_hook_cmd "$b" prestart "$SD_WATCH" scope-watch start "$W"
    add_hook "$b" prestart restore --image "$IMG"
    add_hook_cmd "$b" prestart "$SD_WATCH" scope-watch stop "$W"
    bundle_set "$b" ".linux.cgroupsPath = \"system.slice:cgbind:$1\" ${2:+| $2}"
    run_detached "$1" "$b"
    cat "$BATS_TEST_TMPDIR/$1.out"
}

# verify_in NAME: the tree read inside the container is the saved one
verify_in() {
    run $RUNTIME exec "$1" sh -c "$SD_VERIFY"
    echo "$output"
    [ "$status" -eq 0 ]
    diff <(sd_expected) <(printf '%s\n' "$output")
}

# assert_gone SCOPE-DIR UNIT: after the container is gone, neither the
# cgroup directory nor the unit is left
assert_gone() {
    wait_for "[ ! -d '$1' ]"
    run systemctl is-active "$2"
    [ "$output" != active ]
}

# assert_no_cgroup_of ID: no cgroup of podman's container ID is left under
# machine.slice: neither its scope (libpod-ID.scope) nor conmon's
# (libpod-conmon-ID.scope), which systemd removes once conmon, after the
# container's cleanup, has exited: a moment after `podman stop` or `podman
# rm` returns, so it is waited for (30 s: conmon's exit is slow under TCG).
# What is left is named, with its unit's state.
assert_no_cgroup_of() {
    local i left
    for ((i = 0; i < 150; i++)); do
        left=$(find /sys/fs/cgroup/machine.slice -name "*$1*")
        [ -n "$left" ] || { echo "# no cgroup of $1 left after $((i / 5)) s" >&3; return 0; }
        sleep 0.2
    done
    local d p
    for d in $left; do
        echo "left behind: $d, $(tr '\n' ' ' <"$d/cgroup.events")" >&2
        for p in $(cat "$d/cgroup.procs"); do echo "  $p: $(tr '\0' ' ' <"/proc/$p/cmdline") $(grep -E '^(PPid|Sig)' /proc/$p/status | tr '\n' ' ')" >&2; done
    done
    systemctl list-units --all --no-pager "*$1*" >&2
    return 1
}

@test "runc --systemd-cgroup: the tree comes back in system.slice/cgbind-<id>.scope, the scope's own files untouched" {
    use_runtime runc
    save_src "rsrc$BATS_TEST_NUMBER"
    jq -e '.hierarchies[0].init == "init.scope"' "$IMG"
    restore_dst "rdst$BATS_TEST_NUMBER"
    [ "$(cat "$W/top")" = "/sys/fs/cgroup/system.slice/cgbind-rdst$BATS_TEST_NUMBER.scope" ]
    [ "$(cat "$W/scope")" = "$(cat "$W/top")" ]
    verify_in "rdst$BATS_TEST_NUMBER"
    sd_assert_scope_untouched "$W"
}

@test "crun --systemd-cgroup: the payload in <scope>/container, the tree below it" {
    use_runtime crun
    save_src "csrc$BATS_TEST_NUMBER"
    restore_dst "cdst$BATS_TEST_NUMBER"
    [ "$(cat "$W/top")" = "/sys/fs/cgroup/system.slice/cgbind-cdst$BATS_TEST_NUMBER.scope/container" ]
    [ "$(cat "$W/scope")" = "/sys/fs/cgroup/system.slice/cgbind-cdst$BATS_TEST_NUMBER.scope" ]
    verify_in "cdst$BATS_TEST_NUMBER"
    sd_assert_scope_untouched "$W"
}

@test "crun --systemd-cgroup with run.oci.systemd.subgroup=\"\": the payload in the scope itself" {
    use_runtime crun
    local a='.annotations["run.oci.systemd.subgroup"] = ""'
    save_src "esrc$BATS_TEST_NUMBER" "$a"
    restore_dst "edst$BATS_TEST_NUMBER" "$a"
    [ "$(cat "$W/top")" = "/sys/fs/cgroup/system.slice/cgbind-edst$BATS_TEST_NUMBER.scope" ]
    verify_in "edst$BATS_TEST_NUMBER"
    sd_assert_scope_untouched "$W"
}

@test "crun --systemd-cgroup, subgroup named by the annotation: accepted below the scope" {
    use_runtime crun
    local a='.annotations["run.oci.systemd.subgroup"] = "payload"'
    save_src "nsrc$BATS_TEST_NUMBER" "$a"
    restore_dst "ndst$BATS_TEST_NUMBER" "$a"
    [ "$(cat "$W/top")" = "/sys/fs/cgroup/system.slice/cgbind-ndst$BATS_TEST_NUMBER.scope/payload" ]
    verify_in "ndst$BATS_TEST_NUMBER"
    sd_assert_scope_untouched "$W"
}

# the hooks.d directory: cgbind's JSON as installed (gated on io.cgbind.image)
# with the binary under test, between two watch hooks gated the same way
pm_hooks() {
    jq --arg p "$CGBIND" --arg log "$BATS_TEST_TMPDIR/hook.log" \
        '.hook.path = $p | .hook.args += ["--log", $log] | .stages = ["prestart"]' \
        <(sed 's|@CGBIND_PATH@|/x|; s|@HOOK_STAGE@|prestart|' "$CGBIND_SRC/hook/cgbind-hook.json.in") \
        >"$PM_ROOT/hooks/50-cgbind.json"
    local s n
    for s in start:00 stop:99; do
        n=${s#*:} s=${s%:*}
        jq -n --arg p "$SD_WATCH" --arg s "$s" --arg w "$W" '{ version: "1.0.0",
            hook: { path: $p, args: ["scope-watch", $s, $w] },
            when: { annotations: { "^io\\.cgbind\\.image$": ".+" } }, stages: ["prestart"] }' \
            >"$PM_ROOT/hooks/$n-watch-$s.json"
    done
}

# pm_state NAME: the state a runtime would hand a hook, from podman's records
pm_state() {
    pm inspect -f '{"id":"{{.Id}}","pid":{{.State.Pid}},"bundle":"{{.OCIConfigPath}}"}' "$1" |
        sed 's|/config.json"}$|"}|'
}

# pm_roundtrip RUNTIME-ARGS...: saved from a podman container, restored by
# the hooks.d file into another
pm_roundtrip() {
    PM_USED=1
    pm_hooks
    # --systemd always: podman mounts the cgroup tree writable (it does
    # for a systemd container only), so that the workload builds its tree
    run pm "$@" run -d --systemd always --name "pmsrc$BATS_TEST_NUMBER" --network none localhost/cgbind-bb \
        sh -c "$SD_BUILD; touch /built; exec sleep 1000"
    echo "$output"
    [ "$status" -eq 0 ]
    # one podman inspect for the state and the pid (a podman command costs
    # the emulated VM a second of CPU)
    local state pid
    state=$(pm_state "pmsrc$BATS_TEST_NUMBER")
    [[ $state =~ \"pid\":([0-9]+) ]]
    pid=${BASH_REMATCH[1]}
    wait_for "[ -e /proc/$pid/root/built ]"
    echo "# podman $* source: init in $(sed -n 's/^0:://p' "/proc/$pid/cgroup")" >&3
    # where an annotation's image must be: the image directory, as installed
    mkdir -p /var/lib/cgbind
    PM_IMG=/var/lib/cgbind/systemd-bats-$$-$BATS_TEST_NUMBER.json
    "$CGBIND" save -o "$PM_IMG" <<<"$state"
    pm rm -f -t 0 "pmsrc$BATS_TEST_NUMBER"
    # an init that ends on SIGTERM, as a real one does: a bare sleep as
    # PID 1 ignores it, and systemctl stop of the scope would wait out
    # systemd's stop timeout (90 s) before its SIGKILL
    run pm "$@" --hooks-dir "$PM_ROOT/hooks" run -d --name "pmdst$BATS_TEST_NUMBER" --network none \
        --annotation io.cgbind.image="$PM_IMG" localhost/cgbind-bb sh -c 'trap "exit 0" TERM; sleep 1000 & wait'
    echo "$output"
    [ "$status" -eq 0 ]
    # podman run -d prints the container's id last
    PM_DST_ID=${output##*$'\n'}
    [[ $PM_DST_ID =~ ^[0-9a-f]{64}$ ]]
    grep -q "info container=.* restore: restored with mode soft" "$BATS_TEST_TMPDIR/hook.log"
    run pm exec "pmdst$BATS_TEST_NUMBER" sh -c "$SD_VERIFY"
    echo "$output"
    [ "$status" -eq 0 ]
    diff <(sd_expected) <(printf '%s\n' "$output")
    sd_assert_scope_untouched "$W"
}

@test "podman defaults (systemd manager, crun): machine.slice/libpod-<id>.scope/container, restored by the hooks.d file" {
    requires podman
    [ "$(pm info --format '{{.Host.CgroupManager}} {{.Host.OCIRuntime.Name}}')" = "systemd crun" ]
    pm_roundtrip
    local id
    id=$PM_DST_ID
    [ "$(cat "$W/top")" = "/sys/fs/cgroup/machine.slice/libpod-$id.scope/container" ]
}

@test "podman defaults with --runtime runc: machine.slice/libpod-<id>.scope, restored by the hooks.d file" {
    requires podman
    pm_roundtrip --runtime runc
    local id
    id=$PM_DST_ID
    [ "$(cat "$W/top")" = "/sys/fs/cgroup/machine.slice/libpod-$id.scope" ]
}

# systemd_fights NAME SCOPE-UNIT VERIFY-CMD...: daemon-reload, daemon-reexec
# and set-property on the scope leave the restored tree as it was
systemd_leaves_it() {
    local unit=$1 ctr=$2 step
    shift 2
    for step in "daemon-reload" "daemon-reexec" "set-property $unit CPUWeight=300 TasksMax=500 MemoryMax=1G"; do
        # shellcheck disable=SC2086
        systemctl $step
        run "$@" "$ctr" sh -c "$SD_VERIFY"
        echo "after $step: $output"
        [ "$status" -eq 0 ]
        diff <(sd_expected) <(printf '%s\n' "$output")
    done
    # set-property reached the scope (systemd's), and only the scope
    local scope
    scope=$(cat "$W/scope")
    [ "$(cat "$scope/cpu.weight")" = 300 ]
    [ "$(cat "$scope/pids.max")" = 500 ]
}

@test "runc --systemd-cgroup: systemd leaves the restored tree alone; runc delete removes the scope with it" {
    use_runtime runc
    save_src "fsrc$BATS_TEST_NUMBER"
    restore_dst "fdst$BATS_TEST_NUMBER"
    systemd_leaves_it "cgbind-fdst$BATS_TEST_NUMBER.scope" "fdst$BATS_TEST_NUMBER" $RUNTIME exec
    local scope
    scope=$(cat "$W/scope")
    [ -d "$scope/app/web" ]
    $RUNTIME delete -f "fdst$BATS_TEST_NUMBER"
    assert_gone "$scope" "cgbind-fdst$BATS_TEST_NUMBER.scope"
}

@test "crun --systemd-cgroup: systemd leaves the restored tree alone; crun delete removes the scope with it" {
    use_runtime crun
    save_src "gsrc$BATS_TEST_NUMBER"
    restore_dst "gdst$BATS_TEST_NUMBER"
    systemd_leaves_it "cgbind-gdst$BATS_TEST_NUMBER.scope" "gdst$BATS_TEST_NUMBER" $RUNTIME exec
    local scope
    scope=$(cat "$W/scope")
    [ -d "$scope/container/app/web" ]
    $RUNTIME delete -f "gdst$BATS_TEST_NUMBER"
    assert_gone "$scope" "cgbind-gdst$BATS_TEST_NUMBER.scope"
}

@test "podman defaults: systemd leaves the restored tree alone; podman stop and podman rm leave nothing" {
    requires podman
    pm_roundtrip
    local name=pmdst$BATS_TEST_NUMBER id scope
    id=$PM_DST_ID
    systemd_leaves_it "libpod-$id.scope" "$name" pm exec
    scope=$(cat "$W/scope")
    [ -d "$scope/container/app/web" ]
    pm stop -t 1 "$name"
    assert_gone "$scope" "libpod-$id.scope"
    pm rm "$name"
    assert_no_cgroup_of "$id"
}

@test "podman defaults with --runtime runc: podman rm -f of the running container leaves nothing" {
    requires podman
    pm_roundtrip --runtime runc
    local name=pmdst$BATS_TEST_NUMBER id scope
    id=$PM_DST_ID
    scope=$(cat "$W/scope")
    [ -d "$scope/app/web" ]
    pm --runtime runc rm -f -t 1 "$name"
    assert_gone "$scope" "libpod-$id.scope"
    assert_no_cgroup_of "$id"
}

# systemd still manages podman's scope after the restore: systemctl status
# and systemd-cgls show the restored tree in it, and systemctl stop of the
# scope (not podman) ends the container and removes the whole tree
sd_manages() {
    local name=$1 id=$2 top=$3 n
    shift 3
    local unit=libpod-$id.scope scope=/sys/fs/cgroup/machine.slice/libpod-$id.scope
    run systemctl status --no-pager "$unit"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"Active: active (running)"* ]]
    # the workload's init, in the sub-cgroup that the image named
    [[ $output == *"init.scope"*" sleep 1000"* ]]
    # every restored sub-cgroup, empty ones included, as a node of the tree
    # ("─name (#cgroup-id)", "-name" where the locale is not UTF-8)
    run systemd-cgls --all --no-pager -u "$unit"
    echo "$output"
    [ "$status" -eq 0 ]
    for n in ${top#"$scope"} init.scope app web batch; do
        grep -qE "(─|-)${n#/}( \(#[0-9]+\))?\$" <<<"$output" ||
            { echo "systemd-cgls does not show ${n#/}" >&2; return 1; }
    done
    systemctl stop "$unit"
    assert_gone "$scope" "$unit"
    # podman sees its container exited, and removes it
    wait_for "[ \"\$(pm $* inspect -f '{{.State.Status}}' $name)\" = exited ]"
    pm "$@" rm "$name"
    assert_no_cgroup_of "$id"
}

@test "podman defaults: after the restore systemd still manages the scope: systemctl status, systemd-cgls, systemctl stop" {
    requires podman
    pm_roundtrip
    local name=pmdst$BATS_TEST_NUMBER id
    id=$PM_DST_ID
    sd_manages "$name" "$id" "$(cat "$W/top")"
}

@test "podman defaults with --runtime runc: after the restore systemd still manages the scope: systemctl status, systemd-cgls, systemctl stop" {
    requires podman
    pm_roundtrip --runtime runc
    local name=pmdst$BATS_TEST_NUMBER id
    id=$PM_DST_ID
    sd_manages "$name" "$id" "$(cat "$W/top")" --runtime runc
}
