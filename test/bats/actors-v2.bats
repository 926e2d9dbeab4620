#!/usr/bin/env bats
# cgbind-layouts: v2
# Hostile actors on cgroup v2 (issue 12): the one process move the hook
# makes, the container's init into the image's init cgroup, can never move
# another process, even when the init dies while the hook waits and its pid
# is taken by a process of the host.

load helpers

setup() {
    trace_failures_only
    requires root runc cgroup_v2
    ID=act2-$BATS_TEST_NUMBER
    IMG=$BATS_TEST_TMPDIR/img.json
    v2_app_image "$IMG"
}

teardown() {
    local p
    for p in ${KILL_PIDS:-}; do kill -9 "$p" 2>/dev/null || true; done
    common_teardown
}

# A child subreaper that reaps whatever dies below it: the container's init
# lands here when `runc create` exits, so a killed init is reaped and its pid
# becomes free again (as under containerd-shim or conmon).
build_reaper() {
    REAPER=$BATS_RUN_TMPDIR/reaper
    [ -x "$REAPER" ] && return 0
    cat >"$REAPER.c" <<'C'
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv)
{
        if (argc < 2 || prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
                return 2;
        pid_t p = fork();
        if (p == 0) {
                execvp(argv[1], argv + 1);
                _exit(127);
        }
        for (;;)
                if (wait(NULL) < 0)
                        pause();
}
C
    cc -O1 -o "$REAPER" "$REAPER.c"
}

@test "the init move never moves a reused pid: the init dies while the hook waits, a host process takes its pid" {
    build_reaper
    local b top pid impostor='' i
    b=$(new_bundle ctr "sleep 1000")
    CONTAINERS+=("$ID")
    (cd "$b" && exec "$REAPER" $RUNTIME create "$ID" </dev/null >/dev/null 2>&1) &
    KILL_PIDS=$!
    wait_for "$RUNTIME state $ID >/dev/null 2>&1"
    STATE=$(state_of "$ID")
    pid=$(ctr_pid "$ID")
    top=$(cg_host_dir "$ID" "")
    # hold the hook's lock: it waits with the container's pid already checked
    exec {LOCK_FD}<>"$(lock_file_of "$top")"
    flock -x "$LOCK_FD"
    "$CGBIND" restore --timeout 120 --image "$IMG" <<<"$STATE" >"$BATS_TEST_TMPDIR/out" \
        2>"$BATS_TEST_TMPDIR/err" &
    local hook=$!
    # the wait is in the hook's planning child (the privilege split); the
    # kernel lists the child without a newline
    if ! wait_for "c=\$(cat /proc/$hook/task/$hook/children 2>/dev/null) && [ -n \"\$c\" ] && grep -q locks_lock_inode_wait /proc/\${c%% *}/wchan 2>/dev/null"; then
        cat "/proc/$hook/task/$hook/children" "$BATS_TEST_TMPDIR/err" 2>&1
        false
    fi
    # the init dies and is reaped
    kill -9 "$pid"
    wait_for "[ ! -e /proc/$pid ]"
    # a process of the host gets the same pid number; when another process
    # took it first (the VM's own work forks too), wait for that one to go
    for ((i = 0; i < 50 && impostor != pid; i++)); do
        if [ -e "/proc/$pid" ]; then
            echo "pid $pid taken by: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
            sleep 0.2
            continue
        fi
        # in sh, not in bats' shell, whose traps may fork between the write
        # and the sleep's fork
        rm -f "$BATS_TEST_TMPDIR/impostor"
        sh -c 'echo "$1" >/proc/sys/kernel/ns_last_pid; sleep 300 & echo $! >"$2"; wait' \
            sh $((pid - 1)) "$BATS_TEST_TMPDIR/impostor" &
        KILL_PIDS+=" $!"
        wait_for "[ -s '$BATS_TEST_TMPDIR/impostor' ]"
        impostor=$(cat "$BATS_TEST_TMPDIR/impostor")
        KILL_PIDS+=" $impostor"
        [ "$impostor" = "$pid" ] || kill -9 "$impostor"
    done
    echo "init $pid, impostor $impostor"
    [ "$impostor" = "$pid" ]
    local before
    before=$(cat "/proc/$impostor/cgroup")
    flock -u "$LOCK_FD"
    local status=0
    wait "$hook" || status=$?
    cat "$BATS_TEST_TMPDIR/err"
    # the host process stayed where it was, and the restore said why it stopped
    [ "$(cat "/proc/$impostor/cgroup")" = "$before" ]
    [ "$status" -ne 0 ]
    grep -q "process" "$BATS_TEST_TMPDIR/err"
    # nothing of the image is left in the container's cgroup
    [ ! -e "$top/init.scope" ] && [ ! -e "$top/app" ]
}
