#!/usr/bin/env bats
# cgbind-layouts: v2-systemd-import
# The second VM of systemd-checkpoint.bats and systemd-init.bats: a fresh
# v2-systemd VM that never saw the containers restores podman's exported
# checkpoints (systemd manager, runc, cgbind as CRIU's action-script): the
# busybox one under another name, the one whose init is systemd under its
# own (a migration; under another name runc 1.1 names CRIU no cgroup root,
# README "systemd as the container's init"). The archives come from the
# first VM's $CGBIND_VM_OUT, named by CGBIND_SD_CK_IN (test/run.sh runs this
# after the v2-systemd lane, with that lane's --out dir).

load helpers
load checkpoint-helpers
load systemd-helpers

pm() {
    pm_sd_criu "$@"
}

setup_file() {
    criu_setup_file
    requires systemd podman
    # the checkpoint's image, the one the first VM ran (the checkpoint names
    # it by id; localhost/ cannot be pulled), as a registry would give it
    local f
    for f in sd-podman-image.tar sdinit-image.tar; do
        if [ -f "${CGBIND_SD_CK_IN:-/nonexistent}/$f" ]; then
            pm load -q -i "$CGBIND_SD_CK_IN/$f" >/dev/null
        fi
    done
}

teardown_file() {
    pm_teardown_file
}

setup() {
    trace_failures_only
    requires root systemd runc vm
}

teardown() {
    pm rm -af -t 0 >/dev/null 2>&1 || true
}

assert_gone_pm() {
    wait_for "[ -z \"\$(find /sys/fs/cgroup/machine.slice -name '*$1*')\" ]"
}

@test "podman (systemd manager, runc), second VM: restore --import --name in a VM that never saw the container" {
    [ -f "${CGBIND_SD_CK_IN:-/nonexistent}/sd-podman-ck.tar" ] ||
        { echo "no archive: run the first VM's test with --out DIR, then this one with --env CGBIND_SD_CK_IN=DIR" >&2; false; }
    pm image exists localhost/cgbind-ck
    pm_apparmor_load "$CGBIND_SD_CK_IN/sd-podman-ck.tar" localhost/cgbind-ck
    [ -z "$(pm ps -aq)" ]
    local t0 pid id
    t0=$(date +%s%N)
    run pm container restore --import "$CGBIND_SD_CK_IN/sd-podman-ck.tar" --name sdpm-other
    echo "# podman restore --import with cgbind: $((($(date +%s%N) - t0) / 1000000)) ms" >&3
    echo "$output"
    local log
    log=$(sed -n 's/^log file: //p' <<<"$output")
    if [ "$status" -ne 0 ]; then
        # CRIU's log and the spec runc restored from, beside the run's TAP
        if [ -n "$log" ] && [ -n "${CGBIND_VM_OUT:-}" ]; then
            cp "$log" "$CGBIND_VM_OUT/sd-import-restore.log" || true
            cp "${log%/*}/config.json" "$CGBIND_VM_OUT/sd-import-config.json" || true
        fi
        [ -z "$log" ] || grep -E 'Error|cgbind' "$log" | tail -n 12
        false
    fi
    id=$(pm inspect -f '{{.Id}}' sdpm-other)
    pid=$(pm inspect -f '{{.State.Pid}}' sdpm-other)
    INIT=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
    echo "# restored podman container in $INIT" >&3
    [ "$INIT" = "/machine.slice/libpod-$id.scope/init.scope" ]
    [ "$(systemctl is-active "libpod-$id.scope")" = active ]
    diff <(sd_expected) <(limits_at "/sys/fs/cgroup${INIT%/init.scope}")
    counts_on "/proc/$pid/root"
    # The workload's own view is the known limit of a restore under another
    # name (README, "A restore under another id or name on cgroup v2"): runc
    # 1.1 gives CRIU no cgroup v2 root, so CRIU restores the cgroup namespace
    # (and the /sys/fs/cgroup mount) at the checkpointed container's scope,
    # an empty cgroup CRIU makes on this VM; cgbind moved the tasks and wrote
    # the limits beneath the new scope (checked above, from the host). From
    # inside, the init sits beside that root.
    local old
    old=$(tar -xOf "$CGBIND_SD_CK_IN/sd-podman-ck.tar" config.dump | jq -r .id)
    [ -n "$old" ]
    [ "$old" != "$id" ]
    [ -d "/sys/fs/cgroup/machine.slice/libpod-$old.scope" ]
    run pm exec sdpm-other cut -d: -f3 /proc/1/cgroup
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "/../libpod-$id.scope/init.scope" ]
    pm rm -f -t 1 sdpm-other
    assert_gone_pm "$id"
}


@test "systemd as the container's init, second VM: restore --import in a VM that never saw the container, systemd running with its limits" {
    [ -f "${CGBIND_SD_CK_IN:-/nonexistent}/sdinit-ck.tar" ] ||
        { echo "no archive: run systemd-init.bats's test with --out DIR, then this one with --env CGBIND_SD_CK_IN=DIR" >&2; false; }
    pm image exists localhost/cgbind-sd
    pm_apparmor_load "$CGBIND_SD_CK_IN/sdinit-ck.tar" localhost/cgbind-sd
    local t0 pid id top
    t0=$(date +%s%N)
    run pm container restore --import "$CGBIND_SD_CK_IN/sdinit-ck.tar"
    echo "# podman restore --import of systemd as init, with cgbind: $((($(date +%s%N) - t0) / 1000000)) ms" >&3
    echo "$output"
    [ "$status" -eq 0 ]
    id=$(pm inspect -f '{{.Id}}' sdinit)
    top=/sys/fs/cgroup/machine.slice/libpod-$id.scope
    pid=$(pm inspect -f '{{.State.Pid}}' sdinit)
    [ "$(sed -n 's/^0:://p' "/proc/$pid/cgroup")" = "/machine.slice/libpod-$id.scope/init.scope" ]
    sd_booted sdinit
    sd_show sdinit >"$BATS_TEST_TMPDIR/show"
    diff "$CGBIND_SD_CK_IN/sdinit-show" "$BATS_TEST_TMPDIR/show"
    [ "$(cat "$top/system.slice/work.service/memory.max")" = 201326592 ]
    [ "$(cat "$top/system.slice/tx.service/pids.max")" = 11 ]
    [ "$(cat "$top/system.slice/txs.scope/pids.max")" = 9 ]
    pm exec sdinit systemctl restart work.service
    [ "$(pm exec sdinit systemctl is-active work.service)" = active ]
    sd_rm sdinit
    assert_gone_pm "$id"
}
