#!/usr/bin/env bats
# cgbind-layouts: hybrid v1 v2
# Issue 13, part 2: the confinement of the real binary, proved from outside.
# An LD_PRELOAD shim (test/fault/sandbox-probe.c) interposes flock(), which
# cgbind first calls when it takes its lock in /run/cgbind, after its sandbox
# is on. On that first call the shim, inside the running hook, tries what an
# attacker with code execution there would: create, write, truncate, read,
# remove and rename files outside, make and remove directories outside, open
# the host's root cgroup files for writing (never writing them), write another
# container's cgroup, open sockets and connect to a unix socket the test
# listens on; and, as positive controls, reads its own cgroup and makes and
# removes a sub-cgroup there. Each result is one line on stderr. With the
# sandbox every forbidden operation fails and nothing changes outside; with
# --no-sandbox the same operations succeed (the control that shows the test
# can fail). It also tries every way of signalling a host process (kill,
# tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_send_signal with
# SIGKILL; SIGIO through F_SETOWN and F_SETOWN_EX) against sleeps the test
# started: with the sandbox each is refused and every sleep survives; with
# --no-sandbox every sleep dies. Without Landlock (a kernel that lacks it), seccomp alone refuses
# less, and the test asserts exactly that list.
#
# Issue 23, the privilege split: the image is parsed and the plan made in a
# child under a read-only sandbox. PROBE_IN=child runs the same probe there:
# it can open nothing for writing (its own cgroup.procs included, which the
# hook's own process may open), make or remove nothing, signal no one. A
# second shim (test/fault/plan-fault.c) breaks the child's one reply as a
# child turned by a parser bug would (it dies, sends garbage, a cut plan, a
# flood, nothing at all, a forged name): the hook refuses with one line and
# its status, and nothing changes.

load helpers

setup() {
    trace_failures_only
    requires root runc
    ID=sandbox-$BATS_TEST_NUMBER
    create_ctr "$ID"
    T=$BATS_TEST_TMPDIR
    IMG=$T/img.json
    if [ "$(cg_layout)" = v2 ]; then
        TOP=$(pid_cg_dir "$PID" "")
        ROOT=$CG
        ROOTFILES="$CG/cgroup.procs:$CG/cgroup.subtree_control"
        cat >"$IMG" <<'JSON'
{ "cgbind": 1, "hierarchies": [ { "type": "cgroup2", "controllers": [],
  "root": { "properties": {}, "children": [ { "name": "app", "properties": {}, "children": [] } ] } } ] }
JSON
    else
        TOP=$(pid_cg_dir "$PID" pids)
        ROOT=$(cg_v1_mount pids)
        ROOTFILES="$ROOT/release_agent:$ROOT/cgroup.procs"
        [ "$(cg_layout)" = hybrid ] && ROOTFILES+=":$CG/unified/cgroup.procs"
        cat >"$IMG" <<'JSON'
{ "cgbind": 1, "hierarchies": [ { "type": "cgroup", "controllers": ["pids"],
  "root": { "properties": {}, "children": [ { "name": "app", "properties": { "pids.max": "5" }, "children": [] } ] } } ] }
JSON
    fi
    [ -d "$TOP" ]
    # another container's cgroup, beside this one
    SIBLING=${TOP%/*}/sandbox-sibling-$BATS_TEST_NUMBER
    mkdir "$SIBLING"
    SCRATCH_CGROUPS+=("$SIBLING")
    echo max >"$SIBLING/pids.max"
    # the files outside
    OUT=$T/outside
    mkdir "$OUT" "$OUT/victimdir"
    echo hello >"$OUT/existing"
    touch "$OUT/victim" "$OUT/victim2" "$OUT/victim3" "$OUT/leased"
    # host processes to signal, one per way (sandbox-probe.c's order)
    VICTIMS=()
    local i
    # shellcheck disable=SC2034 # read into or set for the helpers and tests that load this file
    for i in 1 2 3 4 5 6 7 8; do
        sleep 600 3>&- &
        VICTIMS+=("$!")
    done
    build_probe
    SOCK=$T/listen.sock
    "$PROBE_DIR/unix-listen" "$SOCK" "$T/accepted" 3>&- &
    LISTENER=$!
    wait_for "[ -S '$SOCK' ]"
}

teardown() {
    [ -z "${LISTENER:-}" ] || kill "$LISTENER" 2>/dev/null || true
    local v
    for v in "${VICTIMS[@]}"; do
        kill -9 "$v" 2>/dev/null || true
    done
    common_teardown
}

# test/fault/sandbox-probe.c and unix-listen.c, built once per bats run
build_probe() {
    PROBE_DIR=$BATS_RUN_TMPDIR/sandbox-probe
    [ -x "$PROBE_DIR/unix-listen" ] && return 0
    mkdir -p "$PROBE_DIR.$$"
    cc -O1 -Wall -shared -fPIC -o "$PROBE_DIR.$$/sandbox-probe.so" \
        "$CGBIND_SRC/test/fault/sandbox-probe.c" -ldl
    cc -O1 -Wall -shared -fPIC -o "$PROBE_DIR.$$/plan-fault.so" \
        "$CGBIND_SRC/test/fault/plan-fault.c" -ldl
    cc -O1 -Wall -o "$PROBE_DIR.$$/unix-listen" "$CGBIND_SRC/test/fault/unix-listen.c"
    rm -rf "$PROBE_DIR"
    mv "$PROBE_DIR.$$" "$PROBE_DIR"
}

# probe_run [restore args...]: the restore with the probe preloaded; its
# results in PROBE[op] ("ok" or the errno's name), the hook's exit status in
# status, its stderr in stderr.
probe_run() {
    local env=(LD_PRELOAD="$PROBE_DIR/sandbox-probe.so" PROBE_OUT="$OUT" PROBE_ROOTFILES="$ROOTFILES"
        PROBE_SIBLING="$SIBLING" PROBE_SOCK="$SOCK" PROBE_TOP="$TOP" PROBE_IN="${PROBE_IN:-}"
        PROBE_VICTIMS="$(
            IFS=:
            echo "${VICTIMS[*]}"
        )")
    # an ASan build wants its runtime first in the library list; the shim
    # comes first here, which ASan accepts when told so
    # the control has no sandbox to wait for: the probe takes the first flock
    [[ " $* " != *" --no-sandbox "* ]] || env+=(PROBE_ANY_FLOCK=1)
    if ldd "$CGBIND" 2>/dev/null | grep -q libasan; then
        env+=(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")
    fi
    run --separate-stderr env "${env[@]}" "$CGBIND" restore --debug --image "$IMG" "$@" <<<"$STATE"
    echo "exit $status"
    # shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
    echo "$stderr"
    declare -gA PROBE=()
    local l op res
    while IFS= read -r l; do
        [[ $l == "cgbind-probe: "* ]] || continue
        l=${l#cgbind-probe: }
        if [[ $l == "kernel-landlock-abi "* ]]; then
            PROBE[kernel-landlock-abi]=${l##* }
            continue
        fi
        op=${l% *}
        res=${l##* }
        [ "$res" = ok ] || op=${op% fail}
        PROBE[$op]=$res
    done <<<"$stderr"
    # the probe ran, to its end
    [ -n "${PROBE[kernel-landlock-abi]:-}" ]
    [ "${PROBE[probe-start]:-}" = ok ]
    [ "${PROBE[probe-end]:-}" = ok ]
}

# The operations and what refuses them: "seccomp" (EPERM whether or not
# the kernel has Landlock) or "landlock" (EACCES; allowed without it).
OPS="create-file seccomp
write-existing landlock
truncate-existing seccomp
read-outside landlock
mkdir-outside seccomp
mkdirat-outside landlock
unlink-outside seccomp
unlinkat-outside seccomp
rmdir-outside landlock
rename-outside seccomp
write-sibling landlock
mkdirat-sibling landlock
socket-unix seccomp
socket-inet seccomp
socket-inet-udp seccomp
socket-netlink seccomp
connect-unix seccomp
kill-host seccomp
tkill-host seccomp
tgkill-host seccomp
rt_sigqueueinfo-host seccomp
rt_tgsigqueueinfo-host seccomp
pidfd_send_signal-host seccomp
fcntl-setown-host seccomp
fcntl-setown_ex-host seccomp
fcntl-setsig seccomp
fcntl-setlease seccomp
fcntl-notify seccomp"

# victims_alive: how many of the sleeps still run (a killed one is a
# zombie until this shell reaps it: not running)
victims_alive() {
    local v st n=0
    for v in "${VICTIMS[@]}"; do
        st=$(awk '{print $3}' "/proc/$v/stat" 2>/dev/null) || continue
        [ "$st" = Z ] || n=$((n + 1))
    done
    echo "$n"
}

root_file_ops() {
    local f
    IFS=: read -r -a f <<<"$ROOTFILES"
    printf 'open-root-file:%s landlock\n' "${f[@]}"
}

# said_abi: what the hook says at --debug about Landlock (0: none).
said_abi() {
    if [[ $stderr =~ sandbox:\ Landlock\ ABI\ ([0-9]+) ]]; then
        echo "${BASH_REMATCH[1]}"
    elif [[ $stderr == *"sandbox: the kernel has no Landlock"* ]]; then
        echo 0
    else
        echo "none"
    fi
}

@test "sandbox: the running hook is refused every operation outside its cgroups, and nothing outside changes" {
    probe_run
    [ "$status" -eq 0 ]
    local abi op by want refused='' allowed='' kernel wrong=''
    # what the kernel has, asked from inside the hook before its sandbox
    abi=${PROBE[kernel-landlock-abi]}
    kernel=$(uname -r)
    while read -r op by; do
        if [ "$by" = seccomp ]; then
            want=EPERM
        elif [ "$abi" -gt 0 ]; then
            want=EACCES
        else
            want=ok # seccomp cannot look at paths
        fi
        echo "$op: ${PROBE[$op]:-missing} (want $want)"
        [ "${PROBE[$op]:-missing}" = "$want" ] || wrong+=" $op=${PROBE[$op]:-missing}"
        if [ "$want" = ok ]; then allowed+=" $op"; else refused+=" $op=$want"; fi
    done < <(echo "$OPS"; root_file_ops)
    if [ -n "$wrong" ]; then
        echo "not as expected on this kernel (Landlock ABI $abi):$wrong" >&2
        return 1
    fi
    # every host process it tried to signal still runs; it may signal itself
    [ "$(victims_alive)" -eq "${#VICTIMS[@]}" ]
    [ "${PROBE[tgkill-self]}" = ok ]
    [ "${PROBE[kill-self]}" = ok ]
    # the positive controls: what a restore does, beneath its own cgroup
    # (the hook's own process: the one that applies)
    [ "${PROBE[in-parent]:-}" = ok ]
    [ "${PROBE[read-own]}" = ok ]
    [ "${PROBE[open-own-procs]}" = ok ]
    [ "${PROBE[mkdirat-own]}" = ok ]
    [ "${PROBE[rmdir-own]}" = ok ]
    # the restore itself went on
    [ -d "$TOP/app" ]
    [ ! -e "$TOP/cgbind-probe" ]
    # outside: what Landlock would have refused changed only without it
    [ ! -e "$OUT/created" ]
    [ ! -e "$OUT/newdir" ]
    [ ! -e "$OUT/renamed" ]
    [ -e "$OUT/victim" ]
    [ -e "$OUT/victim3" ]
    [ ! -e "$T/accepted" ]
    if [ "$abi" -gt 0 ]; then
        [ "$(cat "$OUT/existing")" = hello ]
        [ -e "$OUT/victim2" ]
        [ -d "$OUT/victimdir" ]
        [ ! -e "$OUT/newdir2" ]
        [ "$(cat "$SIBLING/pids.max")" = max ]
        [ ! -e "$SIBLING/evil" ]
    else
        [ "$(cat "$OUT/existing")" = pwned ]
        [ ! -e "$OUT/victim2" ]
        [ ! -e "$OUT/victimdir" ]
        [ -d "$OUT/newdir2" ]
        [ "$(cat "$SIBLING/pids.max")" = 7 ]
        [ -d "$SIBLING/evil" ]
    fi
    # the hook says what it entered, and it entered it before the probe ran
    [ "$(said_abi)" = "$abi" ]
    [[ $stderr == *"restore: sandbox: "*"cgbind-probe: probe-start ok"* ]]
    local line
    line="# sandbox: kernel $kernel, Landlock ABI $abi ($(cg_layout)): refused:$refused"
    [ -z "$allowed" ] || line+="; not refused (no Landlock):$allowed"
    echo "$line" >&3
}

@test "sandbox: the same operations succeed with --no-sandbox (the control)" {
    probe_run --no-sandbox
    [ "$status" -eq 0 ]
    local op by
    while read -r op by; do
        echo "$op: ${PROBE[$op]:-missing}"
        [ "${PROBE[$op]:-missing}" = ok ]
    done < <(echo "$OPS"; root_file_ops)
    [ "${PROBE[mkdirat-own]}" = ok ]
    [ "${PROBE[rmdir-own]}" = ok ]
    # and they did what they say
    [ -e "$OUT/created" ]
    [ -d "$OUT/newdir" ]
    [ -d "$OUT/newdir2" ]
    [ -e "$OUT/renamed" ]
    [ ! -e "$OUT/victim" ]
    [ ! -e "$OUT/victim2" ]
    [ ! -e "$OUT/victimdir" ]
    [ -z "$(cat "$OUT/existing")" ] # truncated after the write
    [ "$(cat "$SIBLING/pids.max")" = 7 ]
    [ -d "$SIBLING/evil" ]
    [ "$(cat "$T/accepted")" = accepted ]
    # every signal reached its sleep (SIGIO needs a moment: it is sent
    # when the socket becomes readable)
    wait_for '[ "$(victims_alive)" -eq 0 ]'
    [ -d "$TOP/app" ]
}

# What the planning child may do: read beneath the container's cgroups.
# Every write, make, remove and signal is refused by seccomp (EPERM, with or
# without Landlock); reading outside by Landlock (EACCES; allowed without it).
@test "sandbox: the planning child can open nothing for writing, not even its own cgroup.procs, and signals no one" {
    PROBE_IN=child probe_run
    [ "$status" -eq 0 ]
    [ "${PROBE[in-child]:-}" = ok ]
    local abi op by want wrong=''
    abi=${PROBE[kernel-landlock-abi]}
    while read -r op by; do
        want=EPERM
        if [ "$op" = read-outside ]; then
            want=EACCES
            [ "$abi" -gt 0 ] || want=ok
        fi
        echo "$op: ${PROBE[$op]:-missing} (want $want)"
        [ "${PROBE[$op]:-missing}" = "$want" ] || wrong+=" $op=${PROBE[$op]:-missing}"
    done < <(
        echo "$OPS"
        root_file_ops
        printf '%s x\n' open-own-procs mkdirat-own rmdir-own
    )
    if [ -n "$wrong" ]; then
        echo "not as expected in the read-only child (Landlock ABI $abi):$wrong" >&2
        return 1
    fi
    [ "${PROBE[read-own]}" = ok ]
    [ "$(victims_alive)" -eq "${#VICTIMS[@]}" ]
    # nothing outside changed, with or without Landlock
    [ "$(cat "$OUT/existing")" = hello ]
    [ -e "$OUT/victim" ]
    [ -e "$OUT/victim2" ]
    [ -d "$OUT/victimdir" ]
    [ ! -e "$OUT/created" ]
    [ ! -e "$OUT/newdir" ]
    [ ! -e "$OUT/newdir2" ]
    [ "$(cat "$SIBLING/pids.max")" = max ]
    [ ! -e "$SIBLING/evil" ]
    [ ! -e "$TOP/cgbind-probe" ]
    # the child entered its sandbox before the probe ran; the restore went on
    [[ $stderr == *"(planner, read-only)"*"cgbind-probe: probe-start ok"* ]]
    [ -d "$TOP/app" ]
}

@test "sandbox: in the planning child the same writes succeed with --no-sandbox (the control)" {
    PROBE_IN=child probe_run --no-sandbox
    [ "$status" -eq 0 ]
    [ "${PROBE[in-child]:-}" = ok ]
    [ "${PROBE[open-own-procs]}" = ok ]
    [ "${PROBE[mkdirat-own]}" = ok ]
    [ "${PROBE[write-sibling]}" = ok ]
    [ "$(cat "$SIBLING/pids.max")" = 7 ]
    [ -e "$OUT/created" ]
}

# plan_fault_env FAULT: PLAN_FAULT_ENV, the environment that loads the
# plan-fault.so shim with FAULT (and the shim's other variables, when set)
plan_fault_env() {
    PLAN_FAULT_ENV=(LD_PRELOAD="$PROBE_DIR/plan-fault.so" PLAN_FAULT="$1"
        PLAN_FORGE_FROM="${PLAN_FORGE_FROM:-}" PLAN_FORGE_TO="${PLAN_FORGE_TO:-}"
        PLAN_BUSY_MS="${PLAN_BUSY_MS:-}" PLAN_CHILD_CGROUP="${PLAN_CHILD_CGROUP:-}")
    if ldd "$CGBIND" 2>/dev/null | grep -q libasan; then
        PLAN_FAULT_ENV+=(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")
    fi
}

# fault_run FAULT [restore args...]: the restore with the child's reply
# broken; status and stderr as bats' run sets them
fault_run() {
    local fault=$1
    shift
    plan_fault_env "$fault"
    run --separate-stderr env "${PLAN_FAULT_ENV[@]}" "$CGBIND" restore --image "$IMG" "$@" <<<"$STATE"
    echo "exit $status"
    echo "$stderr"
}

# refused_cleanly STATUS REGEX: that status, one line, which matches
# REGEX, and nothing made in the container's cgroup
refused_cleanly() {
    [ "$status" -eq "$1" ]
    [ "$(grep -c '^cgbind: ' <<<"$stderr")" -eq 1 ]
    [[ $stderr =~ ^cgbind:\ restore:\ .*$2 ]]
    [ ! -e "$TOP/app" ]
}

@test "sandbox: a planning child that dies, or sends garbage, a cut plan or a forged name is refused with nothing changed" {
    # the control: the shim lets a reply through unbroken
    fault_run none
    [ "$status" -eq 0 ]
    [ -d "$TOP/app" ]
    rmdir "$TOP/app"
    fault_run die
    refused_cleanly 1 'planner \(pid [0-9]+\): killed by signal 9'
    fault_run garbage
    refused_cleanly 2 'plan \(from the parser\): not a plan'
    fault_run cut
    refused_cleanly 2 'plan \(from the parser\): .*cut short'
    PLAN_FORGE_FROM=app PLAN_FORGE_TO=../ fault_run forge
    refused_cleanly 2 'plan \(from the parser\): directory 1: not a valid sub-cgroup name'
}

@test "sandbox: a planning child that floods the pipe or never answers is killed and refused with nothing changed" {
    # the smallest reply limit (twice the image size limit and 16 MiB), and
    # time enough for a TCG VM to push that much through a pipe
    fault_run flood --max-image-size 65536 --timeout 300
    refused_cleanly 2 'plan \(from the parser\): more than [0-9]+ bytes; killed'
    local t0=$SECONDS
    fault_run hang --timeout 2
    refused_cleanly 3 'no plan within the timeout of 2000 ms \(--timeout\) and 500 ms more, and none in [0-9]+ ms more while it slept \(state S, no CPU time\); killed'
    [ $((SECONDS - t0)) -lt 10 ]
}

@test "sandbox: a planning child still runnable past the timeout is waited for, at most 4 times the timeout more; one that spins on is killed there" {
    # runnable for 5 s of wall time, then its reply: past the timeout (2 s)
    # and the grace (0.5 s), within the bound (8 s more)
    PLAN_BUSY_MS=5000 fault_run busy --timeout 2
    [ "$status" -eq 0 ]
    [[ $stderr == *"planner (pid "*"): its plan came "*" ms past the timeout of 2000 ms (--timeout) and 500 ms more, waited for while it ran or was runnable"* ]]
    [ -d "$TOP/app" ]
    rmdir "$TOP/app"
    # a child that spins without end is killed at the bound
    local t0=$SECONDS
    PLAN_BUSY_MS=600000 fault_run busy --timeout 2
    refused_cleanly 3 'no plan within the timeout of 2000 ms \(--timeout\) and 500 ms more, nor in the [0-9]+ ms more that a working planner is given; killed, nothing changed'
    echo "# a spinning planner, --timeout 2: killed after $((SECONDS - t0)) s" >&3
    [ $((SECONDS - t0)) -ge 10 ]
    [ $((SECONDS - t0)) -lt 20 ]
}

@test "sandbox: a planning child that runs between short sleeps past the timeout is waited for" {
    # 20 ms of spinning, then 250 ms asleep, for 5 s: most looks past the
    # timeout (2 s) and the grace find it asleep (state S), but it used CPU
    # time since the look before (the rule before 2026-12-07 looked at the
    # state alone and killed it at the first such look)
    PLAN_BUSY_MS=5000 fault_run naps --timeout 2
    [ "$status" -eq 0 ]
    [[ $stderr == *"planner (pid "*"): its plan came "*" ms past the timeout of 2000 ms (--timeout) and 500 ms more, waited for while it ran or was runnable"* ]]
    [ -d "$TOP/app" ]
}

# throttle_dir: a cgroup of the cpu controller for the hook alone, beside
# the container's (on v2 under the root, which may hold processes)
throttle_dir() {
    if [ "$(cg_layout)" = v2 ]; then
        echo +cpu >"$CG/cgroup.subtree_control"
        REPLY=$CG/cgbind-throttle-$BATS_TEST_NUMBER
    else
        REPLY=$(pid_cg_dir $$ cpu)/cgbind-throttle-$BATS_TEST_NUMBER
    fi
    mkdir "$REPLY"
    SCRATCH_CGROUPS+=("$REPLY")
}

# throttle DIR QUOTA_US|max: QUOTA_US of CPU time each second for DIR's
# tasks, or no limit
throttle() {
    if [ "$(cg_layout)" = v2 ]; then
        echo "$2 1000000" >"$1/cpu.max"
    else
        echo 1000000 >"$1/cpu.cfs_period_us"
        echo "${2/max/-1}" >"$1/cpu.cfs_quota_us"
    fi
}

@test "a restore on a node short of CPU (the cpu controller's quota): its planner, runnable past the timeout, is waited for and the restore succeeds" {
    throttle_dir
    local thr=$REPLY t0 secs hook child='' state rc=0 cpu_ms mb
    # the image with blanks after it (valid JSON), so many that the
    # planner's parse needs about 300 ms of CPU here: far more than the
    # quota below gives it in the 7 s it is starved (a few ms a second),
    # and little once it is lifted. The parse of 4 MB, timed (the least
    # of two runs, with no change made: --dry-run), sets the size
    { cat "$IMG"; head -c 4000000 /dev/zero | tr '\0' ' '; } >"$T/big.json"
    local TIMEFORMAT='%3U %3S'
    for _ in 1 2; do
        { time "$CGBIND" restore --image "$T/big.json" --dry-run <<<"$STATE" >/dev/null 2>&1; } 2>>"$T/cpu"
    done
    cpu_ms=$(awk '{ c = ($1 + $2) * 1000 + 1; if (NR == 1 || c < m) m = c } END { printf "%d", m }' "$T/cpu")
    mb=$((4 * 300 / cpu_ms))
    [ "$mb" -ge 4 ] || mb=4
    [ "$mb" -le 48 ] || mb=48
    { cat "$IMG"; head -c $((mb * 1000000)) /dev/zero | tr '\0' ' '; } >"$T/big.json"
    # 1 ms of CPU a second (the kernel checks the quota at its ticks: a few
    # ms), until the test lifts the quota; the shim puts the planning child
    # there as it is forked, so the hook's own process is not starved
    throttle "$thr" 1000
    t0=$(date +%s%N)
    PLAN_CHILD_CGROUP=$thr plan_fault_env none
    env "${PLAN_FAULT_ENV[@]}" "$CGBIND" restore --image "$T/big.json" --timeout 4 \
        <<<"$STATE" >"$T/out" 2>"$T/err" &
    hook=$!
    # the planner forked into the cgroup, then starved for 7 s: past the
    # timeout (4 s from the hook's start, before the fork) and the grace,
    # well within the 16 s more of a runnable planner
    wait_for "read -r child <'$thr/cgroup.procs'"
    sleep 7
    # the comm ("cgbind") holds no blank: the third field is the state
    state=$(awk '{ print $3 }' "/proc/$child/stat" 2>/dev/null) || state=gone
    throttle "$thr" max
    wait "$hook" || rc=$?
    secs=$((($(date +%s%N) - t0) / 1000000))
    echo "# a restore of 4 MB took ${cpu_ms} ms of CPU: ${mb} MB; the planner starved 7 s (state $state), then the quota lifted: the restore took ${secs} ms, exit $rc" >&3
    cat "$T/err"
    [ "$state" = R ]
    [ "$rc" -eq 0 ]
    grep -q "planner (pid $child): its plan came [0-9]* ms past the timeout of 4000 ms (--timeout) and 500 ms more, waited for while it ran or was runnable: this node is short of CPU" "$T/err"
    [ -d "$TOP/app" ]
}
