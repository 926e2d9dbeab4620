#!/bin/bash
# Shared set-up for cgbind's bats suites: real runc, real cgroupfs, a busybox
# rootfs, scratch space under $BATS_RUN_TMPDIR, and teardown that leaves no
# container, cgroup or mount behind.

bats_require_minimum_version 1.5.0

# bash 5.2 would put the matched text for "&" in a ${var/pat/rep} replacement.
shopt -u patsub_replacement 2>/dev/null || true

# trace_failures_only: every suite's setup() calls it first. bats 1.8 runs
# a DEBUG trap on every simple command of a test, to name the failing line
# when one fails; it costs 0.4 ms a command on this host (a loop of 20 000
# additions: 10.1 s with it, 0.09 s without) and far more in the TCG VMs,
# where bash was the largest CPU user of a lane (v2: 194 s of 328 s). It is
# turned off; the ERR trap names the failing command, its file and line in
# the test's output instead ("# failed, status N: FILE line L: COMMAND"),
# then hands over to bats's own. A failure still fails the test with its
# status. bats's own "(in test file ..., line ...)" lines would name this
# function, the last place the DEBUG trap saw: its record is emptied, and
# bats prints none. A test whose last command, "! cmd", fails is reported
# with its output only (no ERR trap runs for a negated command).
trace_failures_only() {
    trap - DEBUG
    # shellcheck disable=SC2034 # bats's own (tracing.bash), read by its ERR trap
    BATS_DEBUG_LAST_STACK_TRACE=() BATS_DEBUG_LASTLAST_STACK_TRACE=()
    trap '_trace_err "$?" "$LINENO" "${BASH_SOURCE[0]:-}" "$BASH_COMMAND"; bats_error_trap' ERR
}
# _trace_err STATUS LINE FILE COMMAND: the failure's status where bats's
# ERR trap takes it (as bats_check_status_from_trap does), and the line
_trace_err() {
    [[ -n ${BATS_TEST_COMPLETED:-} ]] || BATS_ERROR_STATUS=${BATS_ERROR_STATUS:-$1}
    # bats's own code after the test (its status, as a command of bats's)
    [[ $3 != */bats-exec-test ]] || return 0
    local f=${3##*/}
    # bats's preprocessed copy of the test file
    [[ $f != *.src ]] || f=${BATS_TEST_FILENAME##*/}
    echo "# failed, status $1: $f line $2: $4" >&2
}

# Helpers run before every test, and a process start costs 50 to 500 ms in the
# TCG VMs (jq is the slowest): the common paths below use bash builtins only.
CGBIND_SRC=$(cd "${BASH_SOURCE[0]%/*}/../.." && pwd)
CGBIND=${CGBIND_BIN:-$CGBIND_SRC/build/cgbind}
# Each test has a runtime state root of its own (runc and crun --root), so a
# container one test leaves behind can neither meet another test's nor
# outlive its teardown, which deletes whatever the root holds.
RUNTIME_BIN=${CGBIND_RUNTIME:-runc}
RUNTIME_ROOT=${BATS_TEST_TMPDIR:-${BATS_RUN_TMPDIR:-/tmp}}/runtime-root
RUNTIME="$RUNTIME_BIN --root $RUNTIME_ROOT"
CG=/sys/fs/cgroup

# requires KEYWORD...: the test needs each of these. A misspelt keyword is an
# error, never a silent skip. With CGBIND_TEST_STRICT=1 (CI) an unmet
# requirement fails the test instead of skipping it: the runner only starts
# a suite on the layouts it is written for, so a skip there is a bug.
requires() {
    local k
    for k in "$@"; do
        case $k in
        root) [ "$EUID" = 0 ] || _unmet "$k" ;;
        cgroup_v1) [ "$(cg_layout)" != v2 ] || _unmet "$k" ;;
        cgroup_v2) [ "$(cg_layout)" = v2 ] || _unmet "$k" ;;
        hybrid) [ "$(cg_layout)" = hybrid ] || _unmet "$k" ;;
        memsw) [ -e "$(cg_v1_mount memory)/memory.memsw.limit_in_bytes" ] || _unmet "$k" ;;
        runc) command -v runc >/dev/null || _unmet "$k" ;;
        crun) command -v crun >/dev/null || _unmet "$k" ;;
        criu) command -v criu >/dev/null || _unmet "$k" ;;
        inotify) command -v inotifywait >/dev/null || _unmet "$k" ;;
        vm) [ -n "${CGBIND_VM_LAYOUT:-}" ] || _unmet "$k" ;;
        # systemd is PID 1 and the cgroup manager (the v2-systemd VM layout)
        systemd) [ -d /run/systemd/system ] && [ "$(cg_layout)" = v2 ] || _unmet "$k" ;;
        podman) command -v podman >/dev/null || _unmet "$k" ;;
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
# v1: no cgroup2 at all; v2: cgroup2 at /sys/fs/cgroup (also in the
# v2-systemd VM, where systemd manages it: `requires systemd` tells them apart).
# A cgroup2 root has cgroup.controllers; a v1 hierarchy or a tmpfs has not.
cg_layout() {
    if [ -e $CG/cgroup.controllers ]; then
        echo v2
    elif [ -e $CG/unified/cgroup.controllers ]; then
        echo hybrid
    else
        echo v1
    fi
}

# The host mount point of the v1 hierarchy that holds controller $1
# ("cpu" may live at cpu,cpuacct).
cg_v1_mount() {
    _cg_mount "$1"
    echo "$REPLY"
}

# _cg_mount CONTROLLER: REPLY is the first mount point of the cgroup (v1)
# hierarchy holding CONTROLLER, or of cgroup2 for ""; MNT_ROOT its root.
_cg_mount() {
    local root mnt rest fstype opts
    REPLY='' MNT_ROOT=''
    while read -r _ _ _ root mnt rest; do
        # after " - ": the fs type, the source, the super options
        rest=${rest#* - }
        fstype=${rest%% *}
        opts=${rest##* }
        if [ -z "$1" ]; then
            [ "$fstype" = cgroup2 ] || continue
        else
            [ "$fstype" = cgroup ] || continue
            case ",$opts," in
            *",$1,"* | *",name=$1,"*) ;;
            *) continue ;;
            esac
        fi
        REPLY=$mnt MNT_ROOT=$root
        return 0
    done </proc/self/mountinfo
    return 1
}

# The host directory of container $1's top-level cgroup for controller $2
# ("" for cgroup2), from its init's /proc/<pid>/cgroup.
cg_host_dir() {
    local pid
    pid=$(ctr_pid "$1") || return 1
    pid_cg_dir "$pid" "$2"
}

# pid_cg_dir PID CONTROLLER: the host directory of PID's cgroup for
# CONTROLLER ("" for cgroup2).
pid_cg_dir() {
    local pid=$1 hid ctrls path='' p
    while IFS=: read -r hid ctrls p; do
        if [ -z "$2" ]; then
            [ "$hid" = 0 ] && path=$p
        else
            case ",$ctrls," in *",$2,"*) path=$p ;; esac
        fi
    done </proc/"$pid"/cgroup
    _cg_mount "$2"
    [ "$MNT_ROOT" = / ] && MNT_ROOT=
    echo "$REPLY${path#"$MNT_ROOT"}"
}

# lock_file_of DIR: the file cgbind locks (and journals in) for the
# top-level cgroup DIR: /run/cgbind/<dev>-<ino>, root's, mode 0700 directory.
lock_file_of() {
    # shellcheck disable=SC2174 # /run exists: -m applies to /run/cgbind, the one made
    mkdir -p -m 0700 /run/cgbind
    echo "/run/cgbind/$(stat -c '%d-%i' "$1")"
}

# The pid of container $1's init, from the runtime's state (runc and crun
# both print "pid": N).
ctr_pid() {
    local s
    s=$($RUNTIME state "$1") || return 1
    [[ $s =~ \"pid\":\ *([0-9]+) ]] || { echo "ctr_pid: no pid in the state of $1" >&2; return 1; }
    echo "${BASH_REMATCH[1]}"
}

# create_ctr ID: a container created (runc create, never started) from a
# bundle "ctr" that runs sleep. STATE is its state JSON, which stays the same
# while it is created (hooks get the same), and PID its init's pid.
create_ctr() {
    local b
    b=$(new_bundle ctr "sleep 1000")
    CONTAINERS+=("$1")
    (cd "$b" && $RUNTIME create "$1" </dev/null >/dev/null 2>&1)
    STATE=$(state_of "$1")
    [[ $STATE =~ \"pid\":\ *([0-9]+) ]] || { echo "create_ctr: no pid in the state of $1" >&2; return 1; }
    # shellcheck disable=SC2034 # PID and STATE: read by the suites
    PID=${BASH_REMATCH[1]}
}

# v2_ctr_setup PREFIX: the setup of a cgroup v2 suite whose every test has a
# created container: ID (PREFIX-N, N the test's number), PID its init and
# TOP its cgroup on the host
v2_ctr_setup() {
    requires root runc cgroup_v2
    ID=$1-$BATS_TEST_NUMBER
    create_ctr "$ID"
    # shellcheck disable=SC2034 # TOP: read by the suites
    TOP=$(pid_cg_dir "$PID" "")
}

# restore_ctr ARGS...: `cgbind restore --image $IMG ARGS` on create_ctr's
# container, under bats' run.
restore_ctr() {
    run --separate-stderr "$CGBIND" restore --image "$IMG" "$@" <<<"$STATE"
}

# A busybox rootfs, built once per run and copied per bundle. Only the
# applets the workloads use: every file copied costs time in the TCG VMs.
APPLETS="sh cat echo mkdir rmdir ls sleep touch true false test [ cut sed grep find sort tr wc head seq printf mount umount id"
_rootfs_template() {
    local t=$BATS_RUN_TMPDIR/rootfs.template a
    REPLY=$t
    if [ ! -x "$t/bin/busybox" ]; then
        mkdir -p "$t.tmp/bin" "$t.tmp/proc" "$t.tmp/sys" "$t.tmp/dev" "$t.tmp/tmp" "$t.tmp/etc"
        cp /bin/busybox "$t.tmp/bin/busybox"
        for a in $APPLETS; do
            ln -sf busybox "$t.tmp/bin/$a"
        done
        rm -rf "$t"
        mv "$t.tmp" "$t"
    fi
}

# runc's default config.json, made once per run, as a one-line template whose
# process args, hooks and annotations are filled in by _render_bundle.
_config_template() {
    local c=$BATS_RUN_TMPDIR/config.template.json
    if [ ! -s "$c" ]; then
        (cd "$BATS_RUN_TMPDIR" && rm -f config.json && runc spec && jq -c '
            .process.terminal = false
            | .process.args = "@ARGS@"
            | .root.readonly = false
            | (.mounts[] | select(.type == "cgroup") | .options) |= (map(select(. != "ro")) + ["rw"])
            | .annotations = "@ANNOTATIONS@"
            | .hooks = "@HOOKS@"
        ' config.json >"$c.tmp" && rm config.json && mv "$c.tmp" "$c")
    fi
    REPLY=$c
}

# _json_str STRING: REPLY is STRING as a JSON string literal.
_json_str() {
    local s=$1
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\n'/\\n}
    s=${s//$'\t'/\\t}
    s=${s//$'\r'/\\r}
    if [[ $s == *[$'\001'-$'\037']* ]]; then
        echo "_json_str: a control character in: $1" >&2
        return 1
    fi
    REPLY="\"$s\""
}

# _json_strs STRING...: REPLY is a JSON array of the strings.
_json_strs() {
    local a='' s
    for s in "$@"; do
        _json_str "$s" || return 1
        a+=${a:+,}$REPLY
    done
    REPLY="[$a]"
}

# A bundle's config.json is rendered from the template and the parts kept in
# BUNDLE/.parts: args (a JSON array), hooks.STAGE and annotations (JSON
# members, comma-separated, in the order they were added).
_part() { # FILE: REPLY is its content ("" when absent)
    REPLY=
    [ -f "$1" ] && { IFS= read -r -d "" REPLY <"$1" || true; }
    return 0
}

_render_bundle() {
    local b=$1 t hooks='' s
    if [ -e "$b/.parts/edited" ]; then
        echo "_render_bundle: $b: bundle_set edited config.json; call it after the add_* helpers" >&2
        return 1
    fi
    _config_template
    IFS= read -r -d "" t <"$REPLY" || true
    _part "$b/.parts/args"
    t=${t/'"@ARGS@"'/"$REPLY"}
    for s in prestart createRuntime createContainer startContainer poststart poststop; do
        _part "$b/.parts/hooks.$s"
        [ -n "$REPLY" ] && hooks+=${hooks:+,}"\"$s\":[$REPLY]"
    done
    t=${t/'"@HOOKS@"'/"{$hooks}"}
    _part "$b/.parts/annotations"
    t=${t/'"@ANNOTATIONS@"'/"{$REPLY}"}
    printf '%s' "$t" >"$b/config.json"
}

# _add_part BUNDLE PART MEMBER: appends MEMBER to a comma-separated part.
_add_part() {
    _part "$1/.parts/$2"
    printf '%s' "${REPLY:+$REPLY,}$3" >"$1/.parts/$2"
    _render_bundle "$1"
}

# new_bundle NAME SCRIPT: a runc bundle whose process runs SCRIPT with
# /bin/sh -c, cgroup mounts writable (the workload builds its own sub-tree).
new_bundle() {
    local script=$2 b=$BATS_TEST_TMPDIR/bundles/$1
    mkdir -p "$b/.parts"
    _rootfs_template
    cp -a "$REPLY" "$b/rootfs"
    _json_strs /bin/sh -c "$script" || return 1
    printf '%s' "$REPLY" >"$b/.parts/args"
    _render_bundle "$b"
    echo "$b"
}

# add_hook_cmd BUNDLE STAGE PATH ARGV...: appends a hook running PATH.
add_hook_cmd() {
    local b=$1 stage=$2 path=$3 args
    shift 3
    _json_strs "$@" || return 1
    args=$REPLY
    _json_str "$path" || return 1
    _add_part "$b" "hooks.$stage" "{\"path\":$REPLY,\"args\":$args}"
}

# add_hook BUNDLE STAGE ARGS...: appends a hook running cgbind with ARGS.
add_hook() {
    local b=$1 stage=$2
    shift 2
    add_hook_cmd "$b" "$stage" "$CGBIND" cgbind "$@"
}

# add_shell_hook BUNDLE STAGE SCRIPT: a hook that runs SCRIPT with the state on stdin.
add_shell_hook() {
    add_hook_cmd "$1" "$2" /bin/sh sh -c "$3"
}

# v2_app_image FILE: a cgroup v2 image with an init cgroup and a sub-cgroup
# app with pids.max 9, written to FILE
v2_app_image() {
    cat >"$1" <<'JSON'
{ "cgbind": 1, "hierarchies": [ { "type": "cgroup2", "controllers": ["pids"], "init": "init.scope",
  "root": { "properties": { "cgroup.subtree_control": "pids" }, "children": [
    { "name": "init.scope" }, { "name": "app", "properties": { "pids.max": "9" } } ] } } ] }
JSON
}

# hooks_d_json OUT LOG [IMAGE_DIR]: the hooks.d JSON as installed
# (hook/cgbind-hook.json.in, gated on io.cgbind.image), at prestart, with
# the binary under test, its --log LOG and, when given, its --image-dir
# IMAGE_DIR (an annotation's image must lie beneath it), written to OUT.
hooks_d_json() {
    local add='["--log", $log]' args=(--arg p "$CGBIND" --arg log "$2")
    if [ -n "${3:-}" ]; then
        add='["--log", $log, "--image-dir", $dir]'
        args+=(--arg dir "$3")
    fi
    jq "${args[@]}" '.hook.path = $p | .hook.args += '"$add"' | .stages = ["prestart"]' \
        <(sed 's|@CGBIND_PATH@|/x|; s|@HOOK_STAGE@|prestart|' "$CGBIND_SRC/hook/cgbind-hook.json.in") >"$1"
}

# bundle_set BUNDLE JQ-FILTER [jq args...]: edits config.json in place with
# jq, for what the helpers above do not cover. The add_* helpers render
# config.json anew, so they refuse to run after it on the same bundle.
bundle_set() {
    local b=$1
    shift
    jq "$@" "$b/config.json" >"$b/config.json.new" && mv "$b/config.json.new" "$b/config.json" &&
        : >"$b/.parts/edited"
}

# add_annotation BUNDLE KEY VALUE
add_annotation() {
    local k
    _json_str "$2" || return 1
    k=$REPLY
    _json_str "$3" || return 1
    _add_part "$1" annotations "$k:$REPLY"
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
    for ((i = 0; i < 100; i++)); do
        if eval "$1"; then return 0; fi
        sleep 0.1
    done
    echo "timed out waiting for: $1" >&2
    return 1
}

# delete -f kills a container that still runs: every container the test
# named, and then whatever else the test's runtime root holds.
cleanup_containers() {
    local id ids=("${CONTAINERS[@]}") f
    if [ -d "$RUNTIME_ROOT" ]; then
        for f in "$RUNTIME_ROOT"/*; do
            [ -d "$f" ] && ids+=("${f##*/}")
        done
    fi
    for id in "${ids[@]}"; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            $RUNTIME delete -f "$id" >/dev/null 2>&1 && break
            [ -d "$RUNTIME_ROOT/$id" ] || break
            sleep 0.2
        done
    done
    CONTAINERS=()
    rm -rf "$RUNTIME_ROOT"
}

# Sub-cgroups that a test created by hand outside any container.
SCRATCH_CGROUPS=()
cleanup_scratch() {
    local d i
    for d in "${SCRATCH_CGROUPS[@]}"; do
        # a process killed just before may not have left its cgroup yet
        i=0
        while [ -d "$d" ] && [ $i -lt 50 ]; do
            find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || sleep 0.1
            i=$((i + 1))
        done
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
    local top=$1 d f
    shift
    (cd "$top" && find . -type d | sort | while read -r d; do
        echo "dir $d"
        for f in "$@"; do
            if [ -r "$d/$f" ]; then
                _file_line "$d/$f"
                echo "$d $f $REPLY"
            fi
        done
    done)
}

# _file_line FILE: REPLY is FILE's lines, each followed by "|".
_file_line() {
    local l
    REPLY=
    while IFS= read -r l || [ -n "$l" ]; do
        REPLY+="$l|"
    done <"$1"
}

# The host's root cgroups: each hierarchy root and the parent of the
# container cgroups (this host nests memory under /process_api/...): their
# directories and configuration values.
CONFIG_FILES="cgroup.clone_children cpu.shares cpu.cfs_quota_us cpu.cfs_period_us cpuset.cpus cpuset.mems
memory.limit_in_bytes memory.memsw.limit_in_bytes memory.soft_limit_in_bytes memory.swappiness
pids.max cgroup.subtree_control cpu.max cpu.weight memory.max memory.high memory.low pids.max
cgroup.max.depth cgroup.max.descendants cgroup.type"

host_roots() {
    local mnt rest roots=() hid ctrls p
    while read -r _ _ _ _ mnt rest; do
        case "${rest#* - }" in
        "cgroup "* | "cgroup2 "*) [[ $mnt == "$BATS_RUN_TMPDIR"* ]] || roots+=("$mnt") ;;
        esac
    done </proc/self/mountinfo
    printf '%s\n' "${roots[@]}" | sort -u
    # the memory hierarchy here is nested: the parent of every container's cgroup counts too
    while IFS=: read -r hid ctrls p; do
        case ",$ctrls," in
        *,memory,*)
            if [ "$p" != / ] && _cg_mount memory; then echo "$REPLY$p"; fi
            ;;
        esac
    done </proc/self/cgroup
}

host_roots_dump() {
    local r f d
    for r in $(host_roots); do
        echo "== $r"
        echo .
        (shopt -s dotglob nullglob && cd "$r" && for d in */; do echo "./${d%/}"; done)
        for f in $CONFIG_FILES; do
            if [ -r "$r/$f" ]; then
                _file_line "$r/$f"
                echo "$f $REPLY"
            fi
        done
    done
}

# The state JSON that runc gives hooks, for calling cgbind by hand.
state_of() {
    $RUNTIME state "$1"
}

# assert_one_line: stderr of the last `run` was exactly one line starting with cgbind:.
assert_one_error_line() {
    local n=0 l
    # shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
    while IFS= read -r l; do
        [ -z "$l" ] || n=$((n + 1))
    done <<<"$stderr"
    if [ "$n" != 1 ] || [[ "$stderr" != cgbind:* ]]; then
        echo "expected one 'cgbind:' line on stderr, got $n lines:" >&2
        printf '%s\n' "$stderr" >&2
        return 1
    fi
}

# The v1 tree of the round-trip tests: "controller path file value", parents
# before children (a v1 cpuset child needs its parent's cpus first).
# shellcheck disable=SC2034 # read by roundtrip-v1.bats
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
        echo "if [ -e /sys/fs/cgroup/$c/$p/$f ]; then v=; read -r v </sys/fs/cgroup/$c/$p/$f; echo \"$c $p $f \$v\"; elif [ ! -d /sys/fs/cgroup/$c/$p ]; then echo \"$c $p missing\"; fi"
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
