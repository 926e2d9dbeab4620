#!/usr/bin/env bats
# cgbind-layouts: v2-systemd
# A container whose init is systemd (issue 20.4), checkpointed and restored
# by podman with its defaults (systemd manager; runc, the runtime that runs
# CRIU here), cgbind as CRIU's action-script. The root file system is
# Debian's systemd, built by test/vm/setup.sh --sd-rootfs; inside, systemd
# runs work.service, whose limits are set at run time (systemctl
# set-property --runtime), a transient service (systemd-run --unit) and a
# transient scope (systemd-run --scope). systemd watches cgroup.events and
# memory.events of each of its cgroups, the empty ones too, and CRIU
# restores those watches: cgbind makes the tree at post-setup-namespaces,
# before CRIU restores them (src/criu.c, prepare), and writes the limits
# at post-restore. The checkpoint's archive leaves through run.sh --out for
# a fresh VM (systemd-import.bats). The tests share one such container,
# booted in setup_file, in this order: the re-create test reads it, the
# checkpoint test restores it, the control checkpoints it last.

load helpers
load checkpoint-helpers
load systemd-helpers

pm() {
    pm_sd_criu "$@"
}

SD_TAR=${CGBIND_VM_CACHE:-/var/cache/cgbind-vm}/sd-rootfs.tar

setup_file() {
    criu_setup_file
    requires systemd podman
    [ -f "$SD_TAR" ] || { echo "no $SD_TAR: test/vm/setup.sh --sd-rootfs makes it" >&2; return 1; }
    pm import - localhost/cgbind-sd <"$SD_TAR" >/dev/null
    # one container for the file's tests: a systemd boot costs the emulated
    # VM about 70 s beside the other VMs
    sd_run sdinit
    sd_set_limits sdinit
}

teardown_file() {
    pm_teardown_file
}

setup() {
    trace_failures_only
    requires root systemd runc vm
}

teardown() {
    # a test's own containers (setup_file's sdinit stays for the next test)
    pm rm -f -t 0 sddst >/dev/null 2>&1 || true
    # the control's CRIU configuration, put back
    [ ! -f "$BATS_TEST_TMPDIR/runc.conf" ] || mv "$BATS_TEST_TMPDIR/runc.conf" /etc/criu/runc.conf
}

# the container: systemd as its init, no network (none is needed)
sd_run() {
    run pm run -d --systemd always --tmpfs /run --network none --name "$1" localhost/cgbind-sd /lib/systemd/systemd
    echo "$output"
    [ "$status" -eq 0 ]
    sd_booted "$1"
}

# the limits set at run time, and a transient service and scope (one exec:
# each podman exec costs the emulated VM a second and more of CPU)
sd_set_limits() {
    # the scope's process outlives the exec session (podman checkpoints no
    # container with one running), and leads its own process group: CRIU
    # 4.1 cannot restore a bound unix socket (systemd's notify socket) when
    # a process group's leader is dead (criu#2687)
    pm exec "$1" sh -c 'set -e
        systemctl set-property --runtime work.service MemoryMax=192M CPUWeight=300 TasksMax=37
        systemd-run --unit tx -p MemoryMax=96M -p TasksMax=11 /bin/busybox sleep 1000000
        busybox setsid systemd-run --scope --unit txs -p TasksMax=9 -p CPUWeight=42 /bin/busybox sleep 1000000 </dev/null >/dev/null 2>&1 &
        i=0
        until systemctl is-active -q txs.scope; do
            i=$((i + 1)); [ $i -le 150 ] || { echo "txs.scope not active after 30 s" >&2; exit 1; }
            /bin/busybox sleep 0.2
        done'
}

# the container's cgroup files, from the host (TOP: its scope)
sd_files() {
    local f
    for f in cgroup.subtree_control system.slice/cgroup.subtree_control system.slice/work.service/memory.max \
        system.slice/work.service/cpu.weight system.slice/work.service/pids.max system.slice/tx.service/memory.max \
        system.slice/tx.service/pids.max system.slice/txs.scope/pids.max system.slice/txs.scope/cpu.weight; do
        echo "$f $(cat "$1/$f" 2>&1)"
    done
    # the tree's shape: every cgroup, relative to the scope
    (cd "$1" && find . -mindepth 1 -type d | sort)
}

@test "systemd as the container's init, re-created: the saved tree restored by the hooks.d file into a new container whose systemd then boots" {
    local img hooks pid id top
    # saved from setup_file's container, which runs on
    mkdir -p /var/lib/cgbind
    img=/var/lib/cgbind/systemd-init-$$.json
    pm inspect -f '{"id":"{{.Id}}","pid":{{.State.Pid}},"bundle":"{{.OCIConfigPath}}"}' sdinit |
        sed 's|/config.json"}$|"}|' | "$CGBIND" save -o "$img"
    hooks=$BATS_TEST_TMPDIR/hooks
    mkdir -p "$hooks"
    jq --arg p "$CGBIND" --arg log "$BATS_TEST_TMPDIR/hook.log" \
        '.hook.path = $p | .hook.args += ["--log", $log] | .stages = ["prestart"]' \
        <(sed 's|@CGBIND_PATH@|/x|; s|@HOOK_STAGE@|prestart|' "$CGBIND_SRC/hook/cgbind-hook.json.in") \
        >"$hooks/50-cgbind.json"
    run pm --hooks-dir "$hooks" run -d --systemd always --tmpfs /run --network none --name sddst \
        --annotation io.cgbind.image="$img" localhost/cgbind-sd /lib/systemd/systemd
    echo "$output"
    rm -f "$img"
    [ "$status" -eq 0 ]
    cat "$BATS_TEST_TMPDIR/hook.log"
    grep -q "restore: restored with mode soft" "$BATS_TEST_TMPDIR/hook.log"
    sd_booted sddst
    id=$(pm inspect -f '{{.Id}}' sddst)
    top=/sys/fs/cgroup/machine.slice/libpod-$id.scope
    pid=$(pm inspect -f '{{.State.Pid}}' sddst)
    [ "$(sed -n 's/^0:://p' "/proc/$pid/cgroup")" = "/machine.slice/libpod-$id.scope/init.scope" ]
    sd_files "$top" >"$BATS_TEST_TMPDIR/files"
    sed 's/^/# after the boot: /' "$BATS_TEST_TMPDIR/files" >&3
    # what systemd rewrites (README, "systemd as the container's init"):
    # the units it starts get their unit files' values (the runtime
    # properties lived in /run, which is new), and the scope and its
    # slices enable only the controllers its units ask for (no unit asks
    # for cpu here: every cpu.weight of the tree goes with it)
    [ "$(pm exec sddst systemctl show -p MemoryMax --value work.service)" = infinity ]
    grep -qx "system.slice/work.service/memory.max max" "$BATS_TEST_TMPDIR/files"
    [ "$(sed -n 's|^system.slice/work.service/pids.max ||p' "$BATS_TEST_TMPDIR/files")" != 37 ]
    grep -qx "cgroup.subtree_control memory pids" "$BATS_TEST_TMPDIR/files"
    grep -q "system.slice/txs.scope/cpu.weight .*No such file" "$BATS_TEST_TMPDIR/files"
    # what it keeps: the cgroups of units it does not know in this boot,
    # with their memory and pids limits
    grep -qx "system.slice/tx.service/memory.max 100663296" "$BATS_TEST_TMPDIR/files"
    grep -qx "system.slice/tx.service/pids.max 11" "$BATS_TEST_TMPDIR/files"
    grep -qx "system.slice/txs.scope/pids.max 9" "$BATS_TEST_TMPDIR/files"
    [ -z "$(pm exec sddst systemctl list-units --all --no-legend tx.service txs.scope)" ]
    sd_rm sddst
    [ ! -e "$top" ]
}

@test "systemd as the container's init: podman checkpoint and restore (same id), systemd running with its limits and services" {
    local name=sdinit pid id top t0
    id=$(pm inspect -f '{{.Id}}' "$name")
    top=/sys/fs/cgroup/machine.slice/libpod-$id.scope
    sd_show "$name" | tee "$BATS_TEST_TMPDIR/show-before"
    grep -qx MemoryMax=201326592 "$BATS_TEST_TMPDIR/show-before"
    grep -qx TasksMax=9 "$BATS_TEST_TMPDIR/show-before"
    sd_files "$top" | tee "$BATS_TEST_TMPDIR/files-before"
    grep -qx "system.slice/work.service/memory.max 201326592" "$BATS_TEST_TMPDIR/files-before"
    t0=$(date +%s%N)
    run pm container checkpoint --export "$BATS_TEST_TMPDIR/ck.tar" "$name"
    echo "# podman checkpoint --export of systemd as init, with cgbind: $((($(date +%s%N) - t0) / 1000000)) ms" >&3
    echo "$output"
    [ "$status" -eq 0 ]
    tar -xOf "$BATS_TEST_TMPDIR/ck.tar" checkpoint/cgbind.json | jq -e '.hierarchies[0].init == "init.scope"'
    t0=$(date +%s%N)
    run pm container restore "$name"
    echo "# podman restore of systemd as init, with cgbind: $((($(date +%s%N) - t0) / 1000000)) ms" >&3
    echo "$output"
    if [ "$status" -ne 0 ]; then
        local log
        log=$(pm inspect -f '{{.StaticDir}}' "$name")/restore.log
        [ -z "${CGBIND_VM_OUT:-}" ] || cp "$log" "$CGBIND_VM_OUT/sdinit-restore.log" || true
        grep -E 'Error|cgbind' "$log" | tail -n 12
        false
    fi
    pid=$(pm inspect -f '{{.State.Pid}}' "$name")
    # the init where it was, not one level further down
    [ "$(sed -n 's/^0:://p' "/proc/$pid/cgroup")" = "/machine.slice/libpod-$id.scope/init.scope" ]
    sd_booted "$name"
    sd_show "$name" >"$BATS_TEST_TMPDIR/show-after"
    diff "$BATS_TEST_TMPDIR/show-before" "$BATS_TEST_TMPDIR/show-after"
    sd_files "$top" >"$BATS_TEST_TMPDIR/files-after"
    diff "$BATS_TEST_TMPDIR/files-before" "$BATS_TEST_TMPDIR/files-after"
    # systemd still manages its services
    # (stdout only: systemctl warns on stderr that the run-time drop-ins
    # changed on disk)
    local states
    states=$(pm exec "$name" sh -c 'systemctl stop work.service; systemctl is-active work.service
        systemctl start work.service; systemctl is-active work.service')
    echo "$states"
    [ "$states" = "$(printf 'inactive\nactive')" ]
    [ "$(cat "$top/system.slice/work.service/memory.max")" = 201326592 ]
    [ -n "${CGBIND_VM_OUT:-}" ] || { echo "no CGBIND_VM_OUT: the archive cannot leave this VM" >&2; false; }
    cp "$BATS_TEST_TMPDIR/ck.tar" "$CGBIND_VM_OUT/sdinit-ck.tar"
    cp "$BATS_TEST_TMPDIR/show-before" "$CGBIND_VM_OUT/sdinit-show"
    pm save -q -o "$CGBIND_VM_OUT/sdinit-image.tar" localhost/cgbind-sd
    # the container runs on for the control; that podman stop and rm
    # remove such a restored tree with its scope, the re-create test and
    # systemd-import.bats assert
}

@test "systemd as the container's init without cgbind (the control): CRIU's restore stops at systemd's cgroup watches" {
    local name=sdinit t0 log
    # no action-script: CRIU and podman as they are without cgbind
    mv /etc/criu/runc.conf "$BATS_TEST_TMPDIR/runc.conf"
    t0=$(date +%s%N)
    run pm container checkpoint "$name"
    echo "# podman checkpoint of systemd as init, without cgbind: $((($(date +%s%N) - t0) / 1000000)) ms" >&3
    echo "$output"
    [ "$status" -eq 0 ]
    t0=$(date +%s%N)
    run pm container restore "$name"
    echo "# podman restore of systemd as init, without cgbind: $((($(date +%s%N) - t0) / 1000000)) ms (failed)" >&3
    echo "$output"
    log=$(pm inspect -f '{{.StaticDir}}' "$name")/restore.log
    grep -E 'Error' "$log" | head -n 3
    [ "$status" -ne 0 ]
    grep -qE 'fsnotify: Unable to open .*/(memory|cgroup)\.events' "$log"
}
