#!/usr/bin/env bats
# cgbind-layouts: hybrid
# Hostile images and states (issue 4): the image may come from inside an
# untrusted container. Each case asserts the exit status (2 invalid input, 3
# precondition), exactly one "cgbind: " line on stderr, and that neither the
# container's cgroups nor the host's root cgroups changed (listing and values).
# The images the parser refuses are a table in test/unit/test-hostile.c;
# here are the cases that need the binary on a real container.
# The last tests prove that the seccomp filter is loaded and enforced in the
# real binary, and that the fallback walk without openat2 works.

load helpers

# files compared before and after, in the container's top-level trees
TREE_FILES="pids.max cgroup.procs cgroup.subtree_control cgroup.clone_children notify_on_release
memory.limit_in_bytes cpu.shares cpu.cfs_quota_us cpuset.cpus cpuset.mems cpuset.cpu_exclusive"

setup() {
    trace_failures_only
    requires root runc
    ID=host-hostile-$BATS_TEST_NUMBER
    local b
    b=$(new_bundle ctr "sleep 1000")
    CONTAINERS+=("$ID")
    (cd "$b" && $RUNTIME create "$ID" </dev/null >/dev/null 2>&1)
    if [ "$(cg_layout)" = v2 ]; then
        V2=1
        TOPS=$(cg_host_dir "$ID" "")
        HIER='"type": "cgroup2", "controllers": ["pids"]'
    else
        V2=0
        TOPS="$(cg_host_dir "$ID" pids) $(cg_host_dir "$ID" memory) $(cg_host_dir "$ID" cpu) $(cg_host_dir "$ID" cpuset)"
        HIER='"type": "cgroup", "controllers": ["pids"]'
    fi
    local t
    for t in $TOPS; do [ -d "$t" ]; done
    IMG=$BATS_TEST_TMPDIR/img.json
    snapshot >"$BATS_TEST_TMPDIR/before"
}

teardown() {
    [ -z "${BLOCKED_PID:-}" ] || kill -9 "$BLOCKED_PID" 2>/dev/null || true
    [ -z "${CGBIND_PID:-}" ] || kill -9 "$CGBIND_PID" 2>/dev/null || true
    [ -z "${OTHER_PID:-}" ] || kill -9 "$OTHER_PID" 2>/dev/null || true
    common_teardown
}

# Names the images below use: a restore that went to a host root would make
# one of these there. Other directories at the roots come and go with other
# suites and containers running beside this one, so only these are compared.
IMAGE_NAMES='^\./(app|leaf|d[0-9]+|n[0-9]+|b+|x|escape|init\.scope|a.*b)$'

# The host's root cgroups (with release_agent, the CVE-2022-0492 file) and
# every top-level tree of the container.
snapshot() {
    host_roots_dump | KEEP=$IMAGE_NAMES awk '!/^\.\// || $0 ~ ENVIRON["KEEP"]'
    local r t
    for r in $(host_roots); do
        if [ -r "$r/release_agent" ]; then echo "$r release_agent $(cat "$r/release_agent")"; fi
    done
    for t in $TOPS; do
        echo "== $t"
        # shellcheck disable=SC2086
        cg_tree_dump "$t" $TREE_FILES
    done
}

# image TOP-PROPS [CHILDREN]: one pids hierarchy (cgroup v1, or v2's).
image() {
    cat >"$IMG" <<JSON
{ "cgbind": 1, "hierarchies": [ { $HIER, "root": { "properties": $1, "children": [ ${2:-} ] } } ] }
JSON
}

# child NAME-AS-JSON [PROPS] [CHILDREN]
child() {
    echo "{ \"name\": $1, \"properties\": ${2:-"{}"}, \"children\": [ ${3:-} ] }"
}

# refused STATUS PATTERN [restore args...]: the restore of $IMG fails with
# STATUS, one line naming PATTERN, and nothing changed anywhere.
refused() {
    local want=$1 pattern=$2
    shift 2
    state_of "$ID" >"$BATS_TEST_TMPDIR/state"
    run --separate-stderr timeout 20 "$CGBIND" restore --image "$IMG" "$@" <"$BATS_TEST_TMPDIR/state"
    check_refusal "$want" "$pattern"
}

# check_refusal STATUS PATTERN: the checks of refused, on the last `run`.
check_refusal() {
    # shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
    echo "status $status, stderr: $stderr"
    [ "$status" -eq "$1" ]
    assert_one_error_line
    [[ "$stderr" == *"$2"* ]]
    snapshot >"$BATS_TEST_TMPDIR/after"
    diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
}

never_top() {
    image "{ \"$1\": \"1\" }"
    refused 2 "property $1 is never written by cgbind"
}

never_sub() {
    image "{}" "$(child '"app"' "{ \"$1\": \"1\" }")"
    refused 2 "property $1 is never written by cgbind"
}

# ---- DESIGN's never-list, at the top-level and in a sub-cgroup ----

@test "never-listed release_agent at the top-level" { never_top release_agent; }
@test "never-listed release_agent in a sub-cgroup" { never_sub release_agent; }

# ---- properties outside the allowlist or its grammar ----

# ---- sub-cgroup names ----

@test "name ../../escape" {
    image "{}" "$(child '"../../escape"' '{ "pids.max": "5" }')"
    refused 2 "contains '/'"
}

@test "a 255-byte name is the longest allowed (control: it restores)" {
    local n
    n=$(printf 'b%.0s' $(seq 255))
    image "{}" "$(child "\"$n\"" '{}')"
    run --separate-stderr "$CGBIND" restore --image "$IMG" < <(state_of "$ID")
    [ "$status" -eq 0 ]
    local top=${TOPS%% *}
    [ -d "$top/$n" ]
    rmdir "$top/$n"
}

# ---- caps ----

@test "depth 64 is allowed (control: the image parses; dry run)" {
    local i tree
    tree=$(child '"leaf"')
    for i in $(seq 63); do tree=$(child "\"d$i\"" '{}' "$tree"); done
    image "{}" "$tree"
    run --separate-stderr "$CGBIND" restore --dry-run --image "$IMG" < <(state_of "$ID")
    [ "$status" -eq 0 ]
    [[ "$output" == *"/leaf"* ]]
}

@test "a 70 MiB image (over the default 64 MiB cap)" {
    image "{}" "$(child '"app"' '{ "pids.max": "5" }')"
    truncate -s 70M "$IMG"
    refused 2 "larger than the limit of 67108864 bytes"
}

@test "a small image over --max-image-size 1000" {
    local kids="" i
    for i in $(seq 40); do kids="$kids${kids:+,} $(child "\"n$i\"")"; done
    image "{}" "$kids"
    [ "$(stat -c %s "$IMG")" -gt 1000 ]
    refused 2 "larger than the limit of 1000 bytes" --max-image-size 1000
}

# ---- the file and its format ----

@test "a FIFO as the image does not hang" {
    mkfifo "$BATS_TEST_TMPDIR/fifo"
    IMG=$BATS_TEST_TMPDIR/fifo
    refused 2 "not a regular file"
}

@test "/dev/zero as the image" {
    IMG=/dev/zero
    refused 2 "not a regular file"
}

@test "a directory as the image" {
    IMG=$BATS_TEST_TMPDIR
    refused 2 "not a regular file"
}

@test "a symlink to /dev/zero as the image" {
    ln -s /dev/zero "$BATS_TEST_TMPDIR/img-link"
    IMG=$BATS_TEST_TMPDIR/img-link
    refused 2 "not a regular file"
}

# ---- the annotation io.cgbind.image (issue 23.7) ----

# annotated NAME [restore args...]: the restore with no --image and the
# annotation io.cgbind.image set to NAME in the state, the image directory
# $IMAGES (--image-dir)
annotated() {
    local name=$1
    shift
    state_of "$ID" | jq -c --arg n "$name" '.annotations["io.cgbind.image"] = $n' \
        >"$BATS_TEST_TMPDIR/state"
    run --separate-stderr timeout 20 "$CGBIND" restore --image-dir "$IMAGES" "$@" \
        <"$BATS_TEST_TMPDIR/state"
}

images_dir() {
    IMAGES=$BATS_TEST_TMPDIR/images
    mkdir -m 0755 "$IMAGES" "$IMAGES/adir"
    image "{}" "$(child '"app"' '{ "pids.max": "5" }')"
    cp "$IMG" "$IMAGES/good.json"
    ln -s /etc/shadow "$IMAGES/shadow-link"
    ln -s "$IMG" "$IMAGES/out-link" # a valid image, but outside
    printf 'root:x:0:0\n' >"$IMAGES/notjson"
    printf '{"secret-key": 1}' >"$IMAGES/otherjson.json"
    chmod 0600 "$IMAGES/good.json"
}

@test "annotation: every name outside the image directory, or not an image in it, gets one and the same message" {
    images_dir
    local name first='' msg
    for name in /etc/shadow /etc/nonexistent "$IMAGES/adir" adir "$IMAGES/shadow-link" shadow-link \
        out-link ../img.json "$IMAGES/../img.json" adir/../../img.json "$IMG" missing.json notjson \
        otherjson.json /dev/zero "$IMAGES" "$IMAGES/" ""; do
        annotated "$name"
        echo "[$name] status $status: $stderr"
        [ "$status" -eq 2 ]
        assert_one_error_line
        # shellcheck disable=SC2034 # read into or set for the helpers and tests that load this file
        msg=${stderr#*: }
        [ -n "$first" ] || first=$stderr
        [ -z "$name" ] || [ "$stderr" = "$first" ]
    done
    # it names neither the file nor what is in it
    [[ $first == *"not a valid image in the image directory $IMAGES"* ]]
    [[ $first != *shadow* && $first != *secret* && $first != *"not a regular"* ]]
    snapshot >"$BATS_TEST_TMPDIR/after"
    diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
}

@test "annotation: an image in the image directory restores, by name or by its whole path (the control)" {
    images_dir
    annotated good.json --dry-run
    [ "$status" -eq 0 ]
    [[ $output == *"mkdir app"* ]]
    annotated "$IMAGES/good.json" --dry-run
    [ "$status" -eq 0 ]
    [[ $output == *"mkdir app"* ]]
    # --image from the runtime's configuration is not confined
    run --separate-stderr "$CGBIND" restore --dry-run --image "$IMG" < <(state_of "$ID")
    [ "$status" -eq 0 ]
}

@test "annotation: an image directory writable by others, or not root's, is refused" {
    images_dir
    chmod 0777 "$IMAGES"
    annotated good.json --dry-run
    echo "$stderr"
    [ "$status" -eq 3 ]
    [[ $stderr == *"image directory ($IMAGES): not owned by root, or writable by group or others"* ]]
    chmod 0755 "$IMAGES"
    chown 65534 "$IMAGES"
    annotated good.json --dry-run
    [ "$status" -eq 3 ]
    [[ $stderr == *"not owned by root"* ]]
}

# ---- hostile states ----

@test "state: the pid of another container is refused, neither container changes" {
    local b
    image "{}" "$(child '"app"' '{ "pids.max": "5" }')"
    b=$(new_bundle other "sleep 1000")
    CONTAINERS+=(host-hostile-other)
    (cd "$b" && $RUNTIME create host-hostile-other </dev/null >/dev/null 2>&1)
    local other_pid
    other_pid=$(ctr_pid host-hostile-other)
    if [ "$V2" = 1 ]; then OTHER_TOP=$(cg_host_dir host-hostile-other ""); else OTHER_TOP=$(cg_host_dir host-hostile-other pids); fi
    cg_tree_dump "$OTHER_TOP" $TREE_FILES >"$BATS_TEST_TMPDIR/other-before"
    # this container's id and bundle, the other's pid: the runtime never
    # hands a hook such a state; the hook must not restore this container's
    # image into the other one
    state_of "$ID" | jq -c --argjson p "$other_pid" '.pid = $p' >"$BATS_TEST_TMPDIR/state"
    run --separate-stderr "$CGBIND" restore --image "$IMG" <"$BATS_TEST_TMPDIR/state"
    diff "$BATS_TEST_TMPDIR/other-before" <(cg_tree_dump "$OTHER_TOP" $TREE_FILES)
    check_refusal 3 ""
}

@test "state: a pid that is not a container (shares the hook's mount namespace)" {
    image "{}" "$(child '"app"' '{ "pids.max": "5" }')"
    sleep 1000 &
    OTHER_PID=$!
    state_of "$ID" | jq -c --argjson p "$OTHER_PID" '.pid = $p' >"$BATS_TEST_TMPDIR/state"
    run --separate-stderr "$CGBIND" restore --image "$IMG" <"$BATS_TEST_TMPDIR/state"
    check_refusal 3 "shares the hook's mount namespace"
}

@test "state: a bundle whose rootfs is a symlink to / (prestart view) is refused" {
    image "{}" "$(child '"app"' '{ "pids.max": "5" }')"
    local bundle=$BATS_TEST_TMPDIR/evil-bundle
    mkdir -p "$bundle"
    ln -s / "$bundle/rootfs"
    echo '{ "root": { "path": "rootfs" } }' >"$bundle/config.json"
    # a process in its own mount namespace that has not pivoted: what a
    # prestart hook sees; with rootfs "/" every host cgroup mount would look
    # like one of the container's
    unshare -m --propagation private sleep 1000 &
    OTHER_PID=$!
    wait_for "[ \"\$(readlink /proc/$OTHER_PID/ns/mnt)\" != \"\$(readlink /proc/self/ns/mnt)\" ]"
    echo "{\"ociVersion\":\"1.0.2\",\"id\":\"host-hostile-evil\",\"status\":\"creating\",\"pid\":$OTHER_PID,\"bundle\":\"$bundle\"}" >"$BATS_TEST_TMPDIR/state"
    run --separate-stderr "$CGBIND" restore --image "$IMG" <"$BATS_TEST_TMPDIR/state"
    check_refusal 3 "hierarchy ("
}

@test "state: a config.json that is not JSON" {
    image "{}" "$(child '"app"' '{ "pids.max": "5" }')"
    local bundle=$BATS_TEST_TMPDIR/bad-bundle
    mkdir -p "$bundle/rootfs"
    echo 'root: { path: rootfs' >"$bundle/config.json"
    state_of "$ID" | jq -c --arg b "$bundle" '.bundle = $b' >"$BATS_TEST_TMPDIR/state"
    run --separate-stderr "$CGBIND" restore --image "$IMG" <"$BATS_TEST_TMPDIR/state"
    check_refusal 2 "bundle config (config.json): not valid JSON"
}

@test "state: config.json is a FIFO (must not hang)" {
    image "{}" "$(child '"app"' '{ "pids.max": "5" }')"
    local bundle=$BATS_TEST_TMPDIR/fifo-bundle
    mkdir -p "$bundle/rootfs"
    mkfifo "$bundle/config.json"
    state_of "$ID" | jq -c --arg b "$bundle" '.bundle = $b' >"$BATS_TEST_TMPDIR/state"
    run --separate-stderr timeout 10 "$CGBIND" restore --image "$IMG" <"$BATS_TEST_TMPDIR/state"
    [ "$status" -ne 124 ] # timeout(1)'s status: the hook hung
    check_refusal 2 "config.json"
}

# ---- without openat2 (old kernel, or a seccomp profile that blocks it) ----
# test/no-openat2/cgbind-no-openat2 runs cgbind under a filter that makes
# openat2 fail; cgbind must then take its O_NOFOLLOW walk and still work, and
# still refuse what it refuses.

no_openat2() { # ERRNO restore-args...
    local e=$1
    shift
    state_of "$ID" >"$BATS_TEST_TMPDIR/state"
    run --separate-stderr env CGBIND_REAL="$CGBIND" CGBIND_NO_OPENAT2_ERRNO="$e" \
        "$CGBIND_SRC/test/no-openat2/cgbind-no-openat2" restore --image "$IMG" "$@" \
        <"$BATS_TEST_TMPDIR/state"
    echo "status $status, stderr: $stderr"
}

@test "openat2 failing with ENOSYS: the fallback walk restores" {
    image "{}" "$(child '"app"' '{}' "$(child '"web"')")"
    no_openat2 ENOSYS
    [ "$status" -eq 0 ]
    [ -d "${TOPS%% *}/app/web" ]
}

@test "openat2 failing with EPERM: the fallback walk restores" {
    image "{}" "$(child '"app"' '{}' "$(child '"web"')")"
    no_openat2 EPERM
    [ "$status" -eq 0 ]
    [ -d "${TOPS%% *}/app/web" ]
}

@test "openat2 failing: a hostile name is still refused" {
    image "{}" "$(child '"../../escape"' '{ "pids.max": "5" }')"
    no_openat2 ENOSYS
    check_refusal 2 "contains '/'"
}

# ---- the seccomp sandbox of the real binary ----
# cgbind loads its filter after it has located the container and before it
# parses the image; it then takes flock(2) on its lock files in /run/cgbind,
# one per top-level directory. While this test holds one of them, cgbind
# waits inside flock with its filter loaded: /proc/<pid>/status shows it,
# and a system call made in it shows what the filter does with it (made by
# ptrace: no test switch in the product).

hold_lock() {
    exec {LOCK_FD}<>"$(lock_file_of "${TOPS%% *}")"
    flock -x "$LOCK_FD"
}

release_lock() {
    flock -u "$LOCK_FD"
    exec {LOCK_FD}<&-
}

# start_blocked [restore args...]: a restore of an image with no sub-cgroup,
# stopped in flock; sets CGBIND_PID (the hook's own process) and BLOCKED_PID
# (its planning child, which waits for the lock under its sandbox: the
# privilege split, doc/decisions.md "The sandbox").
start_blocked() {
    image "{}" ""
    hold_lock
    state_of "$ID" >"$BATS_TEST_TMPDIR/state"
    "$CGBIND" restore --timeout 300 --image "$IMG" "$@" <"$BATS_TEST_TMPDIR/state" \
        >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
    CGBIND_PID=$!
    BLOCKED_PID=''
    wait_for 'planner_blocked'
}

# planner_blocked: the hook's child (the kernel lists it without a newline)
# waits in flock; sets BLOCKED_PID
planner_blocked() {
    local c
    c=$(cat "/proc/$CGBIND_PID/task/$CGBIND_PID/children" 2>/dev/null) || return 1
    BLOCKED_PID=${c%% *}
    [ -n "$BLOCKED_PID" ] && grep -q locks_lock_inode_wait "/proc/$BLOCKED_PID/wchan" 2>/dev/null
}

# finish: releases the lock and returns cgbind's exit status in $status.
finish() {
    release_lock
    status=0
    wait "$CGBIND_PID" || status=$?
    CGBIND_PID='' BLOCKED_PID=''
    cat "$BATS_TEST_TMPDIR/err"
}

status_field() { # pid field
    awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# A small ptrace helper (x86_64): makes a process that is blocked in a system
# call run one more system call NR(ARG), prints its return value (or
# "killed SIGNAL"), then restarts the call it was blocked in.
build_injector() {
    INJECT=$BATS_RUN_TMPDIR/inject-syscall
    [ -x "$INJECT" ] && return 0
    [ "$(uname -m)" = x86_64 ] || {
        echo "the syscall injector is written for x86_64 only" >&2
        return 1
    }
    cat >"$INJECT.c" <<'C'
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

static void die(const char *what)
{
        perror(what);
        exit(2);
}

int main(int argc, char **argv)
{
        if (argc != 4)
                return 2;
        pid_t pid = (pid_t)atoi(argv[1]);
        long nr = atol(argv[2]), arg = atol(argv[3]);
        int st;
        struct user_regs_struct saved, regs;

        if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0)
                die("PTRACE_SEIZE");
        if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0)
                die("PTRACE_INTERRUPT");
        if (waitpid(pid, &st, __WALL) < 0)
                die("waitpid");
        if (ptrace(PTRACE_GETREGS, pid, 0, &saved) < 0)
                die("PTRACE_GETREGS");
        /* blocked in a system call: the instruction before rip is "syscall" (0f 05) */
        errno = 0;
        long text = ptrace(PTRACE_PEEKTEXT, pid, (void *)(saved.rip - 2), 0);
        if (errno || (text & 0xffff) != 0x050f || (long)saved.orig_rax < 0) {
                fprintf(stderr, "not stopped in a system call\n");
                return 2;
        }
        regs = saved;
        regs.rip = saved.rip - 2;
        regs.rax = (unsigned long long)nr;
        regs.orig_rax = (unsigned long long)-1; /* no restart of the interrupted call yet */
        regs.rdi = (unsigned long long)arg;
        if (ptrace(PTRACE_SETREGS, pid, 0, &regs) < 0)
                die("PTRACE_SETREGS");
        /* to the entry of the injected call, then to its exit, or to its death:
         * seccomp's kill is a SIGSYS that the tracer sees first and passes on */
        int sig = 0;
        for (int stop = 0; stop < 2;) {
                if (ptrace(sig ? PTRACE_CONT : PTRACE_SYSCALL, pid, 0, (void *)(long)sig) < 0)
                        die("PTRACE_SYSCALL");
                if (waitpid(pid, &st, __WALL) < 0)
                        die("waitpid");
                if (WIFSIGNALED(st)) {
                        printf("killed %d\n", WTERMSIG(st));
                        return 0;
                }
                if (WIFEXITED(st)) {
                        printf("exited %d\n", WEXITSTATUS(st));
                        return 0;
                }
                sig = WSTOPSIG(st) == SIGTRAP ? 0 : WSTOPSIG(st);
                if (!sig)
                        stop++;
        }
        if (ptrace(PTRACE_GETREGS, pid, 0, &regs) < 0)
                die("PTRACE_GETREGS");
        long long result = (long long)regs.rax;
        /* restart the call it was blocked in, as the kernel would have */
        saved.rip -= 2;
        saved.rax = saved.orig_rax;
        if (ptrace(PTRACE_SETREGS, pid, 0, &saved) < 0)
                die("PTRACE_SETREGS");
        /* a killed call shows its exit first: its SIGSYS comes on the way out */
        if (ptrace(PTRACE_SYSCALL, pid, 0, 0) < 0)
                die("PTRACE_SYSCALL");
        if (waitpid(pid, &st, __WALL) < 0)
                die("waitpid");
        if (WIFSTOPPED(st) && WSTOPSIG(st) != SIGTRAP) {
                sig = WSTOPSIG(st);
                if (ptrace(PTRACE_CONT, pid, 0, (void *)(long)sig) < 0)
                        die("PTRACE_CONT");
                if (waitpid(pid, &st, __WALL) < 0)
                        die("waitpid");
        }
        if (WIFSIGNALED(st)) {
                printf("killed %d\n", WTERMSIG(st));
                return 0;
        }
        if (!WIFSTOPPED(st)) {
                printf("exited %d\n", WEXITSTATUS(st));
                return 0;
        }
        printf("%lld\n", result);
        if (ptrace(PTRACE_DETACH, pid, 0, 0) < 0)
                die("PTRACE_DETACH");
        return 0;
}
C
    cc -O1 -o "$INJECT" "$INJECT.c"
}

SYS_getppid=110 # x86_64
SYS_unshare=272

@test "seccomp: the filter is loaded (Seccomp: 2, one more filter, no_new_privs) once cgbind waits for its lock" {
    local own_filters
    own_filters=$(status_field $$ Seccomp_filters)
    start_blocked
    [ "$(status_field "$BLOCKED_PID" Seccomp)" = 2 ]
    [ "$(status_field "$BLOCKED_PID" Seccomp_filters)" = $((own_filters + 1)) ]
    [ "$(status_field "$BLOCKED_PID" NoNewPrivs)" = 1 ]
    finish
    [ "$status" -eq 0 ]
}

# cpu_limit PID: the soft and hard "Max cpu time" of a process ("60 61")
cpu_limit() {
    awk '/^Max cpu time/ { print $4, $5 }' "/proc/$1/limits"
}

@test "the CPU limit: the hook and its planning child run with RLIMIT_CPU 60 s (SIGKILL at 61), set before the image is parsed" {
    # the test's own shell has none: what the hook has, it set itself
    [ "$(cpu_limit $$)" = "unlimited unlimited" ]
    start_blocked
    # CGBIND_MAX_CPU_SECONDS (include/cgbind/caps.h, doc/decisions.md "The sandbox")
    [ "$(cpu_limit "$CGBIND_PID")" = "60 61" ]
    [ "$(cpu_limit "$BLOCKED_PID")" = "60 61" ]
    finish
    [ "$status" -eq 0 ]
}

@test "a hook killed while its planning child waits for the lock takes the child along: the lock is free at once for the rerun" {
    start_blocked
    local child=$BLOCKED_PID
    kill -KILL "$CGBIND_PID"
    wait "$CGBIND_PID" || true
    CGBIND_PID=''
    # the child had the lock's descriptions: gone with its parent, it holds
    # nothing (without PR_SET_PDEATHSIG it waited on until --timeout)
    wait_for "[ ! -e /proc/$child ]"
    release_lock
    flock -n -x "$(lock_file_of "${TOPS%% *}")" true
}

@test "seccomp: with --no-sandbox no filter is loaded (the control)" {
    start_blocked --no-sandbox
    [ "$(status_field "$BLOCKED_PID" Seccomp)" = "$(status_field $$ Seccomp)" ]
    [ "$(status_field "$BLOCKED_PID" Seccomp_filters)" = "$(status_field $$ Seccomp_filters)" ]
    [ "$(status_field "$BLOCKED_PID" NoNewPrivs)" = "$(status_field $$ NoNewPrivs)" ]
    finish
    [ "$status" -eq 0 ]
}

@test "seccomp: a system call outside the allowlist fails with EPERM in the real binary" {
    build_injector
    start_blocked
    run "$INJECT" "$BLOCKED_PID" $SYS_getppid 0
    echo "getppid in cgbind: $output"
    [ "$status" -eq 0 ]
    [ "$output" = -1 ] # -EPERM
    # cgbind goes on and finishes its restore
    finish
    [ "$status" -eq 0 ]
}

@test "seccomp: the same system call succeeds with --no-sandbox (the control)" {
    build_injector
    start_blocked --no-sandbox
    run "$INJECT" "$BLOCKED_PID" $SYS_getppid 0
    echo "getppid in cgbind: $output"
    [ "$status" -eq 0 ]
    [ "$output" = $$ ] || [ "$output" -gt 1 ]
    finish
    [ "$status" -eq 0 ]
}

@test "seccomp: a killed system call (unshare) ends cgbind's planner with SIGSYS: one line, status 1, nothing changed" {
    build_injector
    start_blocked
    run "$INJECT" "$BLOCKED_PID" $SYS_unshare 0
    echo "unshare in cgbind: $output"
    [ "$status" -eq 0 ]
    [ "$output" = "killed 31" ] # SIGSYS
    finish
    [ "$status" -eq 1 ]
    [[ "$(cat "$BATS_TEST_TMPDIR/err")" == "cgbind: restore: planner (pid $BLOCKED_PID"*"): killed by signal 31 "*"nothing changed" ]]
    snapshot >"$BATS_TEST_TMPDIR/after"
    diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
}

@test "hygiene: a descriptor the runtime leaks into the hook is closed before the hook works" {
    # a file open on fd 7 of the hook's parent, inherited across exec
    exec 7>"$BATS_TEST_TMPDIR/leaked"
    start_blocked
    exec 7>&-
    local fds
    fds=$(ls -l "/proc/$BLOCKED_PID/fd/")
    echo "$fds"
    # the listing is readable (root reads a non-dumpable process's fds)
    [[ "$fds" == *" 2 -> "* ]]
    [[ "$fds" != *"$BATS_TEST_TMPDIR/leaked"* ]]
    # what cgbind holds is beneath the container's cgroups, or stdio
    finish
    [ "$status" -eq 0 ]
}

@test "hygiene: cgbind is not dumpable (PR_GET_DUMPABLE 0; prctl itself is blocked by the filter)" {
    build_injector
    local SYS_prctl=157 PR_GET_DUMPABLE=3
    start_blocked --no-sandbox
    run "$INJECT" "$BLOCKED_PID" $SYS_prctl $PR_GET_DUMPABLE
    [ "$status" -eq 0 ]
    [ "$output" = 0 ]
    finish
    [ "$status" -eq 0 ]
    start_blocked
    run "$INJECT" "$BLOCKED_PID" $SYS_prctl $PR_GET_DUMPABLE
    [ "$output" = -1 ] # -EPERM
    finish
    [ "$status" -eq 0 ]
}
