#!/usr/bin/env bats
# cgbind-layouts: v2 v2-systemd
# Docker's own checkpoints: `docker checkpoint create`, then `docker start
# --checkpoint`, with Debian's docker.io (dockerd --experimental, pointed at
# a containerd started beside it as Debian's docker.service does, runc
# through containerd's shim), Docker's default cgroup driver
# (cgroupfs in the v2 VM, systemd in the v2-systemd one), no network.
# cgbind is CRIU's action-script through /etc/criu/runc.conf, as installed;
# no cgbind command is typed. runc finds `criu` through PATH: the test puts
# a CRIU >= 3.19 first in PATH (/usr/local/sbin/criu), as an admin whose
# distribution's CRIU is older would. The image is made with `docker
# import` from a busybox rootfs (no registry).

load helpers
load checkpoint-helpers
load engines-helpers

DOCKER=/usr/bin/docker

dk() {
    "$DOCKER" -H "unix://$DK_SOCK" "$@"
}

setup_file() {
    criu_setup_file
    command -v dockerd >/dev/null || { echo "docker.io is not installed" >&2; return 1; }
    criu_on_path
    export DK_ROOT=$BATS_FILE_TMPDIR/docker DK_SOCK=$BATS_FILE_TMPDIR/docker/docker.sock
    # Docker's default cgroup driver, what a Docker user runs (checked
    # below, not forced): dockerd picks systemd when systemd is PID 1 (the
    # v2-systemd VM), cgroupfs otherwise (the v2 VM, a shell as PID 1)
    dockerd_start "$DK_ROOT"
    DK_DRIVER=cgroupfs
    [ ! -d /run/systemd/system ] || DK_DRIVER=systemd
    export DK_DRIVER
    [ "$(dk info -f '{{.CgroupDriver}} {{.CgroupVersion}}')" = "$DK_DRIVER 2" ]
    local r=$BATS_FILE_TMPDIR/rootfs a
    mkdir -p "$r/bin" "$r/proc" "$r/sys" "$r/dev" "$r/etc"
    cp /bin/busybox "$r/bin/"
    for a in sh cat echo mkdir sleep touch test; do ln -sf busybox "$r/bin/$a"; done
    tar -C "$r" -c . | dk import - cgbind-busybox >/dev/null
    echo "# image imported" >&3
}

teardown_file() {
    # shellcheck disable=SC2046 # container ids, one word each
    dk rm -f $(dk ps -aq) >/dev/null 2>&1 || true
    dockerd_stop "$DK_ROOT"
    criu_off_path
}

setup() {
    trace_failures_only
    requires root runc vm cgroup_v2
}

teardown() {
    dk rm -f cgbind-dk >/dev/null 2>&1 || true
}

@test "docker checkpoint create, docker start --checkpoint: the tree and its limits come back, no cgbind command typed" {
    run dk run -d --name cgbind-dk --privileged --cgroupns private --network none cgbind-busybox \
        sh -c "$(eng_workload)"
    echo "$output"
    [ "$status" -eq 0 ] || tail -n 20 "$DK_ROOT/dockerd.log"
    [ "$status" -eq 0 ]
    local id pid ck t0 t_dump t_restore
    id=$(dk inspect -f '{{.Id}}' cgbind-dk)
    # read through /proc, not with docker exec: a process start costs the
    # emulated VM a lot, and wait_for asks ten times a second
    pid=$(dk inspect -f '{{.State.Pid}}' cgbind-dk)
    wait_for "[ -e /proc/$pid/root/built ]"
    local top
    top=$(pid_cg_dir "$pid" "")
    # cgroupfs: /docker/ID; systemd: /system.slice/docker-ID.scope
    [[ $top == *"/$id/init.scope" || $top == *"/docker-$id.scope/init.scope" ]]
    note "container running, its tree built"

    t0=$(now_ms)
    run timeout 900 "$DOCKER" -H "unix://$DK_SOCK" checkpoint create cgbind-dk ck1
    t_dump=$(($(now_ms) - t0))
    echo "$output"
    [ "$status" -eq 0 ] || { tail -n 20 "$DK_ROOT/dockerd.log"; find "$DK_ROOT" -name 'dump.log' -exec grep -hE 'Error|cgbind' {} + | tail -n 8; }
    [ "$status" -eq 0 ]
    [ "$(dk inspect -f '{{.State.Running}}' cgbind-dk)" = false ]
    # the image is in Docker's copy of the checkpoint
    ck=$DK_ROOT/data/containers/$id/checkpoints/ck1
    ls "$ck"
    [ -f "$ck/cgbind.json" ]
    [ ! -d "${top%/init.scope}" ]
    note "checkpointed in $t_dump ms"

    # moby#42900: `docker start --checkpoint` first uploads the checkpoint
    # into containerd's content store, where the same blob, written there by
    # `checkpoint create`, may still wait for containerd's garbage collector
    # ("failed to upload checkpoint to containerd: commit failed: content
    # sha256:...: already exists"; seen once in CI's v2-systemd lane). Docker
    # has started nothing then: it is tried again once the collector has had
    # time, at most 24 times 5 s, and the time is the last try's
    local tries=1
    while :; do
        t0=$(now_ms)
        run timeout 900 "$DOCKER" -H "unix://$DK_SOCK" start --checkpoint ck1 cgbind-dk
        t_restore=$(($(now_ms) - t0))
        [[ $status -ne 0 && $output == *"failed to upload checkpoint to containerd: commit failed: content sha256:"*": already exists"* ]] || break
        [ "$tries" -lt 25 ] || break
        note "docker start --checkpoint, try $tries: moby#42900 (the checkpoint's blob still in containerd's store); again in 5 s"
        tries=$((tries + 1))
        sleep 5
    done
    echo "$output"
    [ "$status" -eq 0 ] || { tail -n 20 "$DK_ROOT/dockerd.log"; find "$DK_ROOT" /run/docker -name 'restore.log' -exec grep -hE 'Error|cgbind' {} + 2>/dev/null | tail -n 8; }
    [ "$status" -eq 0 ]
    pid=$(dk inspect -f '{{.State.Pid}}' cgbind-dk)
    [ "$(pid_cg_dir "$pid" "")" = "$top" ]
    score_against "$ck/cgbind.json" "$pid" || { echo "missing: $MISSING"; false; }
    note "docker ($DK_DRIVER): $SCORE back; checkpoint $t_dump ms, start --checkpoint $t_restore ms"
    # it counts on
    counts_on "/proc/$pid/root"
}
