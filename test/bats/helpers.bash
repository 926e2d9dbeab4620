#!/bin/bash
# Shared set-up for cgbind's bats suites: real runc, real cgroupfs, a busybox
# rootfs, scratch space under $BATS_RUN_TMPDIR, and teardown that leaves no
# container, cgroup or mount behind.

bats_require_minimum_version 1.5.0

CGBIND_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CGBIND=${CGBIND_BIN:-$CGBIND_SRC/build/cgbind}
RUNTIME=${CGBIND_RUNTIME:-runc}
CG=/sys/fs/cgroup

# requires KEYWORD...: the test needs each of these. A misspelt keyword is an
# error, never a silent skip. With CGBIND_TEST_STRICT=1 (CI) an unmet
# requirement fails the test instead of skipping it: the runner only starts
# a suite on the layouts it is written for, so a skip there is a bug.
requires() {
    local k
    for k in "$@"; do
        case $k in
        root) [ "$(id -u)" = 0 ] || _unmet "$k" ;;
        cgroup_v1) [ "$(cg_layout)" != v2 ] || _unmet "$k" ;;
        cgroup_v2) [ "$(cg_layout)" = v2 ] || _unmet "$k" ;;
        hybrid) [ "$(cg_layout)" = hybrid ] || _unmet "$k" ;;
        memsw) [ -e "$(cg_v1_mount memory)/memory.memsw.limit_in_bytes" ] || _unmet "$k" ;;
        runc) command -v runc >/dev/null || _unmet "$k" ;;
        crun) command -v crun >/dev/null || _unmet "$k" ;;
        criu) command -v criu >/dev/null || _unmet "$k" ;;
        inotify) command -v inotifywait >/dev/null || _unmet "$k" ;;
        vm) [ -n "${CGBIND_VM_LAYOUT:-}" ] || _unmet "$k" ;;
        *)
            echo "requires: unknown keyword '$k'" >&2
            return 1
            ;;
        esac
    done
}

_unmet() {
    if [ "${CGBIND_TEST_STRICT:-0}" = 1 ]; then
        echo "requirement '$1' not met on this machine (strict mode)" >&2
        return 1
    fi
    skip "requires $1"
}

# hybrid: v1 controllers with cgroup2 at /sys/fs/cgroup/unified (this host);
# v1: no cgroup2 at all; v2: cgroup2 at /sys/fs/cgroup.
cg_layout() {
    if [ "$(stat -f -c %T $CG)" = cgroup2fs ]; then
        echo v2
    elif [ -d $CG/unified ] && [ "$(stat -f -c %T $CG/unified)" = cgroup2fs ]; then
        echo hybrid
    else
        echo v1
    fi
}

# The host mount point of the v1 hierarchy that holds controller $1
# ("cpu" may live at cpu,cpuacct).
cg_v1_mount() {
    awk -v c="$1" '$0 ~ / - cgroup / {
        n = split($NF, o, ","); for (i = 1; i <= n; i++) if (o[i] == c || o[i] == "name=" c) { print $5; exit } }' \
        /proc/self/mountinfo
}

# The host directory of container $1's top-level cgroup for controller $2
# ("" for cgroup2), from its init's /proc/<pid>/cgroup.
cg_host_dir() {
    local pid path mnt root
    pid=$(ctr_pid "$1")
    if [ -z "$2" ]; then
        path=$(awk -F: '$1 == 0 { print $3 }' /proc/"$pid"/cgroup)
        mnt=$(awk '$0 ~ / - cgroup2 / { print $5; exit }' /proc/self/mountinfo)
        root=/
    else
        path=$(awk -F: -v c="$2" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' /proc/"$pid"/cgroup)
        mnt=$(cg_v1_mount "$2")
        root=$(awk -v m="$mnt" '$5 == m { print $4; exit }' /proc/self/mountinfo)
    fi
    [ "$root" = / ] && root=
    echo "$mnt${path#"$root"}"
}

ctr_pid() {
    $RUNTIME state "$1" | jq -r .pid
}

# A busybox rootfs, built once per run and copied per bundle. Only the
# applets the workloads use: every file copied costs time in the TCG VMs.
APPLETS="sh cat echo mkdir rmdir ls sleep touch true false test [ cut sed grep find sort tr wc head seq printf mount umount id"
_rootfs_template() {
    local t=$BATS_RUN_TMPDIR/rootfs.template a
    if [ ! -x "$t/bin/busybox" ]; then
        mkdir -p "$t.tmp/bin" "$t.tmp/proc" "$t.tmp/sys" "$t.tmp/dev" "$t.tmp/tmp" "$t.tmp/etc"
        cp /bin/busybox "$t.tmp/bin/busybox"
        for a in $APPLETS; do
            ln -sf busybox "$t.tmp/bin/$a"
        done
        rm -rf "$t"
        mv "$t.tmp" "$t"
    fi
    echo "$t"
}

# runc's default config.json, made once per run.
_base_config() {
    local c=$BATS_RUN_TMPDIR/config.base.json
    if [ ! -s "$c" ]; then
        (cd "$BATS_RUN_TMPDIR" && rm -f config.json && runc spec && mv config.json "$c.tmp" && mv "$c.tmp" "$c")
    fi
    echo "$c"
}

# new_bundle NAME SCRIPT: a runc bundle whose process runs SCRIPT with
# /bin/sh -c, cgroup mounts writable (the workload builds its own sub-tree).
new_bundle() {
    local name=$1 script=$2 b=$BATS_TEST_TMPDIR/bundles/$1
    mkdir -p "$b"
    cp -a "$(_rootfs_template)" "$b/rootfs"
    jq --arg s "$script" '
        .process.terminal = false
        | .process.args = ["/bin/sh", "-c", $s]
        | .root.readonly = false
        | (.mounts[] | select(.type == "cgroup") | .options) |= (map(select(. != "ro")) + ["rw"])
    ' "$(_base_config)" >"$b/config.json"
    echo "$b"
}

# bundle_set BUNDLE JQ-FILTER [jq args...]: edits config.json in place.
bundle_set() {
    local b=$1
    shift
    jq "$@" "$b/config.json" >"$b/config.json.new" && mv "$b/config.json.new" "$b/config.json"
}

# add_hook BUNDLE STAGE ARGS...: appends a hook running cgbind with ARGS.
add_hook() {
    local b=$1 stage=$2
    shift 2
    local args
    # jq 1.6 would read "--image" after --args as its own option
    args=$(printf '%s\n' cgbind "$@" | jq -R . | jq -sc .)
    bundle_set "$b" --arg stage "$stage" --arg path "$CGBIND" --argjson args "$args" \
        '.hooks[$stage] += [{ path: $path, args: $args }]'
}

# add_shell_hook BUNDLE STAGE SCRIPT: a hook that runs SCRIPT with the state on stdin.
add_shell_hook() {
    bundle_set "$1" --arg stage "$2" --arg s "$3" \
        '.hooks[$stage] += [{ path: "/bin/sh", args: ["sh", "-c", $s] }]'
}

# Containers started by a test, removed in teardown.
CONTAINERS=()

# run_detached ID BUNDLE: starts a container in the background; its output
# goes to $BATS_TEST_TMPDIR/ID.out.
run_detached() {
    CONTAINERS+=("$1")
    (cd "$2" && $RUNTIME run -d "$1" >"$BATS_TEST_TMPDIR/$1.out" 2>&1 </dev/null)
}

# run_fg ID BUNDLE: runs a container to completion; output in $output.
run_fg() {
    CONTAINERS+=("$1")
    run bash -c "cd '$2' && $RUNTIME run '$1' </dev/null 2>&1"
}

# wait_for FILE-OR-COMMAND: polls up to 10 s.
wait_for() {
    local i
    for i in $(seq 100); do
        if eval "$1"; then return 0; fi
        sleep 0.1
    done
    echo "timed out waiting for: $1" >&2
    return 1
}

cleanup_containers() {
    local id
    for id in "${CONTAINERS[@]}"; do
        $RUNTIME kill "$id" KILL >/dev/null 2>&1 || true
    done
    for id in "${CONTAINERS[@]}"; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            $RUNTIME delete -f "$id" >/dev/null 2>&1 && break
            sleep 0.2
        done
    done
    CONTAINERS=()
}

# Sub-cgroups that a test created by hand outside any container.
SCRATCH_CGROUPS=()
cleanup_scratch() {
    local d
    for d in "${SCRATCH_CGROUPS[@]}"; do
        [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
    done
    SCRATCH_CGROUPS=()
}

# Every test's teardown: nothing may outlive it.
common_teardown() {
    cleanup_containers
    cleanup_scratch
}

# The tree below a directory with the values of the listed files, one line
# each: "rel/path file value". For comparisons before and after.
cg_tree_dump() {
    local top=$1
    shift
    (cd "$top" && find . -type d | sort | while read -r d; do
        echo "dir $d"
        for f in "$@"; do
            if [ -r "$d/$f" ]; then echo "$d $f $(tr '\n' '|' <"$d/$f")"; fi
        done
    done)
}

# The host's root cgroups: each hierarchy root and the parent of the
# container cgroups (this host nests memory under /process_api/...): their
# directories and configuration values.
CONFIG_FILES="cgroup.clone_children cpu.shares cpu.cfs_quota_us cpu.cfs_period_us cpuset.cpus cpuset.mems
memory.limit_in_bytes memory.memsw.limit_in_bytes memory.soft_limit_in_bytes memory.swappiness
pids.max cgroup.subtree_control cpu.max cpu.weight memory.max memory.high memory.low pids.max
cgroup.max.depth cgroup.max.descendants cgroup.type"

host_roots() {
    awk '$0 ~ / - cgroup2? / { print $5 }' /proc/self/mountinfo | grep -v "^$BATS_RUN_TMPDIR" | sort -u
    # the memory hierarchy here is nested: the parent of every container's cgroup counts too
    local self
    self=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' /proc/self/cgroup)
    if [ -n "$self" ] && [ "$self" != / ]; then
        echo "$(cg_v1_mount memory)$self"
    fi
}

host_roots_dump() {
    local r f
    for r in $(host_roots); do
        echo "== $r"
        (cd "$r" && find . -maxdepth 1 -type d | sort)
        for f in $CONFIG_FILES; do
            if [ -r "$r/$f" ]; then echo "$f $(tr '\n' '|' <"$r/$f")"; fi
        done
    done
}

# The state JSON that runc gives hooks, for calling cgbind by hand.
state_of() {
    $RUNTIME state "$1"
}

# assert_one_line: stderr of the last `run` was exactly one line starting with cgbind:.
assert_one_error_line() {
    local n
    n=$(printf '%s\n' "$stderr" | grep -c .)
    if [ "$n" != 1 ] || [[ "$stderr" != cgbind:* ]]; then
        echo "expected one 'cgbind:' line on stderr, got $n lines:" >&2
        printf '%s\n' "$stderr" >&2
        return 1
    fi
}

# The v1 tree of the round-trip tests: "controller path file value", parents
# before children (a v1 cpuset child needs its parent's cpus first).
V1_TREE_SPEC="cpu app cpu.shares 512
cpu app cpu.cfs_quota_us 80000
cpu app/web cpu.shares 256
cpu app/web/worker cpu.cfs_quota_us 20000
cpu app/db cpu.shares 128
cpu batch cpu.shares 64
cpuset app cpuset.cpus 0-1
cpuset app cpuset.mems 0
cpuset app/web cpuset.cpus 0
cpuset app/web cpuset.mems 0
cpuset app/web/worker cpuset.cpus 0
cpuset app/web/worker cpuset.mems 0
cpuset app/db cpuset.cpus 1
cpuset app/db cpuset.mems 0
cpuset batch cpuset.cpus 1
cpuset batch cpuset.mems 0
memory app memory.limit_in_bytes 268435456
memory app memory.memsw.limit_in_bytes 402653184
memory app/web memory.limit_in_bytes 134217728
memory app/web memory.memsw.limit_in_bytes 201326592
memory app/web/worker memory.limit_in_bytes 67108864
memory app/db memory.limit_in_bytes 100663296
memory batch memory.limit_in_bytes 33554432
pids app pids.max 200
pids app/web pids.max 100
pids app/web/worker pids.max 10
pids app/db pids.max 50
pids batch pids.max 5"

# A script for inside a container that builds SPEC (stdin format above) under
# /sys/fs/cgroup; a file the kernel does not have (memsw without swap
# accounting) is left out.
build_script() {
    local spec=$1 c p f v
    echo "set -e"
    while read -r c p f v; do
        [ -n "$c" ] || continue
        echo "mkdir -p /sys/fs/cgroup/$c/$p"
        echo "if [ -e /sys/fs/cgroup/$c/$p/$f ]; then echo '$v' > /sys/fs/cgroup/$c/$p/$f; fi"
    done <<<"$spec"
}

# A script for inside a container that prints "controller path file value"
# for each line of SPEC whose file exists.
verify_script() {
    local spec=$1 c p f v
    while read -r c p f v; do
        [ -n "$c" ] || continue
        echo "if [ -e /sys/fs/cgroup/$c/$p/$f ]; then echo \"$c $p $f \$(cat /sys/fs/cgroup/$c/$p/$f)\"; elif [ ! -d /sys/fs/cgroup/$c/$p ]; then echo \"$c $p missing\"; fi"
    done <<<"$spec"
}

# SPEC lines whose file the host kernel has (memsw needs swap accounting).
spec_present() {
    local spec=$1 c p f v memsw=0
    [ -e "$(cg_v1_mount memory)/memory.memsw.limit_in_bytes" ] && memsw=1
    while read -r c p f v; do
        [ -n "$c" ] || continue
        [[ $f == memory.memsw.* ]] && [ $memsw = 0 ] && continue
        echo "$c $p $f $v"
    done <<<"$spec"
}
